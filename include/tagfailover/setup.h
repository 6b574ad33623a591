/*
 * setup.h - `tagfailover setup [--dry-run] [--url URL]`: wires Meraki to the daemon.
 *
 * For every managed network (a network carrying at least one pair tag, per tags_classify) of
 * every configured organization, setup_run:
 *   1. makes sure the network has a webhook HTTP server named "tagfailover" for the receiver
 *      URL, with the configured shared secret and Meraki's default payload template
 *      ("Meraki (included)", wpt_00001): a server with the same URL is updated (PUT), else one
 *      is created (POST). Meraki cannot change a server's URL, so a "tagfailover" server with
 *      another URL is left as it is, and reported;
 *   2. routes the failoverEvent, vpnConnectivityChange and cellularUpDown alerts to it through
 *      /alerts/settings: reads the settings, enables those three alerts and adds the server's
 *      ID to their httpServerIds, and PUTs only when something differs; every other alert and
 *      destination is left untouched;
 *   3. asks Meraki for a test delivery (POST webhookTests with the URL and the shared secret)
 *      and polls its status a few times, briefly.
 * With dry_run only GETs are sent and the plan is printed. A second run changes nothing: no
 * second server is created and the alert settings are not written again ("already set").
 * [failover] dry_run does not apply: it governs retags, and wiring the webhooks of a daemon
 * that only reports what it would do is a normal way to try it out.
 *
 * The plan and the results are printed as readable lines; the shared secret and the API key
 * never are. Runs on the calling (main) thread with its own API client, so the rate limit,
 * retries and redirect rules are the daemon's.
 *
 * The pure helpers below (no I/O, no clock, no globals) are what setup_run decides with; they
 * are public so tests can drive them with plain JSON. The alert settings of step 2 are
 * decided in the core, by setup_plan_alerts (setup_plan.h).
 */
#ifndef TAGFAILOVER_SETUP_H
#define TAGFAILOVER_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tagfailover/config.h"

struct json_object;

/* The name every server setup creates carries, and Meraki's default payload template. */
#define SETUP_SERVER_NAME   "tagfailover"
#define SETUP_TEMPLATE_ID   "wpt_00001"
#define SETUP_TEMPLATE_NAME "Meraki (included)"

/* Longest receiver URL accepted (Meraki's own limit is lower). */
#define SETUP_URL_MAX 2048

typedef enum {
    SETUP_OK = 0,
    SETUP_ERR_SHAPE, /* an API answer is not the documented shape */
    SETUP_ERR_URL,   /* a receiver URL that is not http(s)://host..., or too long */
} setup_err;

/* Options of the command. */
typedef struct {
    bool dry_run;    /* --dry-run: GETs only, print the plan */
    const char *url; /* --url: the receiver URL; NULL: built from the configuration */
} setup_options;

/* How the network's existing servers relate to the receiver URL. */
typedef enum {
    SETUP_SERVER_NONE = 0, /* no server with the URL, none named "tagfailover" */
    SETUP_SERVER_SAME_URL, /* a server with exactly the URL: update it */
    SETUP_SERVER_NAMED,    /* only a "tagfailover" server with another URL: it cannot be
                              moved (Meraki: "To change a URL, create a new HTTP server") */
} setup_server_match;

/* One server of GET /networks/{id}/webhooks/httpServers. Pointers borrow from the JSON. */
typedef struct {
    const char *id;          /* required */
    const char *name;        /* "" when absent */
    const char *url;         /* required */
    const char *template_id; /* payloadTemplate.payloadTemplateId; "" when absent */
} setup_server;

/* Runs the command and prints to `out`. Returns the exit code: 0 every managed network is
 * wired and its test delivered (or, with dry_run, the plan could be read), 1 any step
 * failed (with the API's message), 2 a usage problem (no URL can be had, no shared secret). */
int setup_run(const config *cfg, const setup_options *opt, FILE *out);

/* Builds "https://HOST:PORT/PATH" from `host` and the [listener] port and webhook_path into
 * buf. SETUP_ERR_URL when it does not fit. Pure. */
setup_err setup_default_url(const config *cfg, const char *host, char *buf, size_t size)
    __attribute__((warn_unused_result));

/* Checks a receiver URL: http:// or https://, a host, no spaces or control characters, at
 * most SETUP_URL_MAX bytes. Pure. */
setup_err setup_check_url(const char *url) __attribute__((warn_unused_result));

/* Finds, in the array `servers` (GET .../httpServers), the server with exactly `url`, else one
 * named SETUP_SERVER_NAME. *found borrows from `servers`. SETUP_ERR_SHAPE when the answer is
 * not an array of objects with string `id` and `url`. Pure. */
setup_err setup_match_server(struct json_object *servers, const char *url,
                             setup_server_match *match, setup_server *found)
    __attribute__((warn_unused_result));

/* A message for an error code; never NULL. */
const char *setup_strerror(setup_err e);

#endif
