/*
 * api.h - the Dashboard API under /api/v1: the route table, authentication, rate limiting,
 * faults, and dispatch to the handler modules (h_*.c).
 *
 * Each handler module exports a route table. A route's handler runs with the state lock held
 * and fills the reply; it never blocks (webhook deliveries run on their own threads).
 */
#ifndef FAKEDASH_API_H
#define FAKEDASH_API_H

#include "http.h"

#include <stddef.h>

struct json_object;
struct sbuf;
struct state;

/* Where a route's organization comes from, for per-organization rate limiting. */
enum api_scope {
    API_SCOPE_NONE,    /* not organization-specific (GET /organizations) */
    API_SCOPE_ORG,     /* args[0] is an organization id */
    API_SCOPE_NETWORK, /* args[0] is a network id */
    API_SCOPE_DEVICE,  /* args[0] is a device serial */
};

/* What a handler gets. */
struct api_ctx {
    const struct http_request *req;
    struct http_reply *reply;
    struct state *st;    /* locked */
    const char *args[4]; /* the {placeholders} of the path, in order */
    double now;          /* wall clock at dispatch */
};

typedef void (*api_handler)(struct api_ctx *ctx);

struct api_route {
    const char *method;  /* NULL ends a table */
    const char *pattern; /* spec path, e.g. "/networks/{networkId}" (without /api/v1) */
    enum api_scope scope;
    api_handler fn;
};

/* What api_handle tells the request log. */
struct api_outcome {
    int auth;          /* the right Bearer key was present */
    int unknown;       /* no route: outside the spec subset */
    const char *fault; /* kind of the injected fault, or NULL */
};

/* The path prefix of every API route. */
#define API_PREFIX "/api/v1"

/* Handles one request whose path starts with API_PREFIX, filling `reply` and `out`.
 * `authorization` and `api_key_header` are the request's Authorization and
 * X-Cisco-Meraki-API-Key headers (or NULL). May sleep (delay faults). */
void api_handle(const struct http_request *req, const char *authorization,
                const char *api_key_header, struct http_reply *reply, struct api_outcome *out);

/* Wakes every delay fault in progress and makes later ones return at once (at exit). */
void api_shutdown(void);

/* Every route the fake serves, as a JSON array of {method, path} (new; caller puts). */
struct json_object *api_routes_json(void);

/* Parses the request body as a JSON value (depth-capped). Returns 0 with *out (caller puts;
 * NULL when the body is empty), or -1 after filling a 400 reply. */
int api_body_json(struct api_ctx *ctx, struct json_object **out);

/* Parses the request body, which must be a JSON object (an empty body counts as {}).
 * Returns the object (caller puts) or NULL after filling a 400 reply. */
struct json_object *api_body_object(struct api_ctx *ctx);

/* Answers `status` with the content of b (taken; a failed buffer is a 500). */
void api_reply_sbuf(struct api_ctx *ctx, int status, struct sbuf *b);

/* Whether s is one of the n strings of list (an array query filter). */
int api_in(const char *s, const char *const *list, size_t n);

/* Answers 404 {"errors":["Not found"]}. */
void api_not_found(struct api_ctx *ctx);

/* Collects the values of array query parameter `key` ("tags[]" style; "tags" is accepted
 * too). Fills up to `max` borrowed pointers and returns the count. */
size_t api_param_array(const struct http_request *req, const char *key, const char **out,
                       size_t max);

#endif
