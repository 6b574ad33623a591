/*
 * setup.h - `tagfailover setup [--dry-run] [--url URL] [--network ID] [--remove]`: wires Meraki
 * to the daemon, or unwires it.
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
 * With --network ID only that network is wired (a canary before the whole fleet); it must be a
 * managed network of a managed organization, else the run fails. Each test delivery's outcome
 * is printed and logged (event setup_test, warn when not delivered).
 *
 * With --remove (setup_remove.c) nothing is wired: for every managed network (or the one
 * --network names) the daemon's servers, those named "tagfailover" and the one posting to
 * --url or public_url when given, are taken out of every alert's destinations (one PUT of the
 * alert settings with just the alerts that held them) and then deleted; a person's own
 * servers and every other alert are left as they are (setup_unwire.h decides).
 *
 * With dry_run only GETs are sent and the plan is printed. A second run changes nothing: no
 * second server is created and the alert settings are not written again ("already set").
 * [failover] dry_run does not apply: it governs retags, and wiring the webhooks of a daemon
 * that only reports what it would do is a normal way to try it out.
 *
 * The plan and the results are printed as readable lines; the shared secret and the API key
 * never are. Runs on the calling (main) thread with its own API client, so the rate limit,
 * retries and redirect rules are the daemon's.
 *
 * What setup_run decides with is pure and lives in the core: the receiver URL and the server
 * match in setup_match.h, the alert settings of step 2 in setup_plan.h.
 */
#ifndef TAGFAILOVER_SETUP_H
#define TAGFAILOVER_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tagfailover/config.h"
#include "tagfailover/setup_match.h"

/* Options of the command. */
typedef struct {
    bool dry_run;           /* --dry-run: GETs only, print the plan */
    const char *url;        /* --url: the receiver URL; NULL: built from the configuration */
    const char *network_id; /* --network: only this network (a canary); NULL: every one */
    bool remove;            /* --remove: unwire and delete the daemon's servers instead */
} setup_options;

/* Runs the command and prints to `out`. Returns the exit code: 0 every managed network is
 * wired and its test delivered (or, with dry_run, the plan could be read), 1 any step
 * failed (with the API's message), 2 a usage problem (no URL can be had, no shared secret). */
int setup_run(const config *cfg, const setup_options *opt, FILE *out);

#endif
