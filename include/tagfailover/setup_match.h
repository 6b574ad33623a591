/*
 * setup_match.h - the pure rules `tagfailover setup` decides with: which receiver URL is
 * acceptable, the default one from the configuration, and which of a network's existing
 * webhook HTTP servers is the daemon's. No I/O, no clock, no globals; tests drive them with
 * plain JSON. (The alert settings are setup_plan.h's; the command is setup.h's.)
 */
#ifndef TAGFAILOVER_SETUP_MATCH_H
#define TAGFAILOVER_SETUP_MATCH_H

#include <stddef.h>

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

/* The string member `key` of the JSON object `o`, or NULL when absent or not a string
 * (borrowed from `o`). */
const char *setup_json_str(struct json_object *o, const char *key);

/* One element of an HTTP servers list (borrowed strings: name and template id "" when
 * absent); false when it is not an object with a non-empty id and a url. */
bool setup_server_read(struct json_object *s, setup_server *out);

/* A message for an error code; never NULL. */
const char *setup_strerror(setup_err e);

#endif
