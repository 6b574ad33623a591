/*
 * webhook.h - the webhook listener's request pipeline (the README's "HTTP endpoints").
 *
 * A request goes through these checks, in this order, and the first that fails answers:
 *   path (404), method (405 + Allow: POST), source (403, after X-Forwarded-For resolution),
 *   size (413), secret (401), shape (400), duplicate (200 duplicate), relevance (200 ignored),
 *   then the engine's queue (202 accepted, or 503 + Retry-After when full).
 * The first four need only the request head and run before any byte of the body is read
 * (webhook_check_head); the rest run on the whole body (webhook_check_body). Both are plain
 * functions of their arguments and the webhook's state (the duplicate table, and the engine
 * reached through a webhook_sink), with time passed in, so the unit tests drive them directly.
 * webhook_mhd_handler is the thin libmicrohttpd glue around them.
 *
 * Never logged: the shared secret (configured or presented) and the body. The log line per
 * request has the client address, the result, and for authenticated requests alertTypeId,
 * networkId and alertId.
 *
 * Threads: webhook_new and webhook_free are called by the main thread; everything else may run
 * on several HTTP threads at once. The HTTP threads never call the Dashboard API and never wait
 * for the engine (engine_submit_alert does not block).
 */
#ifndef TAGFAILOVER_WEBHOOK_H
#define TAGFAILOVER_WEBHOOK_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/alert.h"
#include "tagfailover/caps.h"
#include "tagfailover/config.h"
#include "tagfailover/metrics.h"

/* How long a delivery is remembered as a possible duplicate (the README: "within an hour"). */
#define WEBHOOK_DEDUP_TTL_MS (3600u * 1000u)

/* Seconds a client is asked to wait after a 503. */
#define WEBHOOK_RETRY_AFTER_S 5

/* What a request gets. Every value but WEBHOOK_CONTINUE is an answer. */
typedef enum {
    WEBHOOK_CONTINUE = 0,       /* the head passed its checks: read the body */
    WEBHOOK_ACCEPTED,           /* 202 */
    WEBHOOK_IGNORED,            /* 200 */
    WEBHOOK_DUPLICATE,          /* 200 */
    WEBHOOK_UNAUTHORIZED,       /* 401 */
    WEBHOOK_FORBIDDEN,          /* 403 */
    WEBHOOK_MALFORMED,          /* 400 */
    WEBHOOK_TOO_LARGE,          /* 413, connection closed */
    WEBHOOK_OVERLOADED,         /* 503 + Retry-After */
    WEBHOOK_NOT_FOUND,          /* 404 */
    WEBHOOK_METHOD_NOT_ALLOWED, /* 405 + Allow: POST */
    WEBHOOK_RESULT_COUNT
} webhook_result;

/* An IP address; family 0 means "unknown" (an X-Forwarded-For entry that did not parse). */
typedef struct {
    int family;             /* AF_INET, AF_INET6 or 0 */
    unsigned char addr[16]; /* network order; the first 4 bytes for AF_INET */
} webhook_addr;

/* The facts of a request head. */
typedef struct {
    const char *path;         /* URL path, without the query string */
    const char *method;       /* "POST", ... */
    webhook_addr peer;        /* the TCP peer */
    const char *xff;          /* X-Forwarded-For (several headers joined by ","), or NULL */
    long long content_length; /* the declared Content-Length, -1 when none */
} webhook_head;

/* The facts of a whole request body. */
typedef struct {
    const char *data; /* the body (not NUL-terminated) */
    size_t len;
    const char *x_shared_secret; /* the X-Shared-Secret header, or NULL */
    const char *authorization;   /* the Authorization header, or NULL */
    uint64_t now_ms;             /* monotonic time the request arrived */
} webhook_body;

/* What the log line may say about an authenticated alert ("" when unknown). */
typedef struct {
    char alert_type_id[TF_ID_MAX_LEN + 1];
    char network_id[TF_ID_MAX_LEN + 1];
    char alert_id[TF_ID_MAX_LEN + 1];
} webhook_summary;

/* How the pipeline reaches the engine; tests pass fakes. Both functions must not block. */
typedef struct {
    alert_relevance (*relevance)(void *ctx, const char *org_id, const char *network_id);
    alert_submit (*submit)(void *ctx, const alert_event *a);
    void *ctx;
} webhook_sink;

typedef struct webhook webhook;

/* ---- Pure parts ---- */

/* The HTTP status of a result (0 for WEBHOOK_CONTINUE). */
unsigned webhook_status_code(webhook_result r);

/* The result's word in the JSON body and the log ("accepted", "not_found", ...). */
const char *webhook_result_name(webhook_result r);

/* True when the result is counted in tagfailover_webhooks_total (not 404, 405), with its
 * label in *m. */
bool webhook_result_metric(webhook_result r, metrics_webhook_result *m);

/* Parses an address as found in X-Forwarded-For: "192.0.2.1", "192.0.2.1:443", "2001:db8::1",
 * "[2001:db8::1]" or "[2001:db8::1]:443", with surrounding blanks. `s` has `len` bytes. */
bool webhook_addr_parse(const char *s, size_t len, webhook_addr *out);

/* Formats an address ("unknown" for family 0) into buf. */
void webhook_addr_format(const webhook_addr *a, char *buf, size_t len);

/* The client behind a request: `peer` unless peer is in `trusted` and `xff` is present; then,
 * walking X-Forwarded-For from the right, the first address that is not a trusted proxy (the
 * leftmost when all are). An entry that does not parse, or a list longer than
 * TF_XFF_MAX_ENTRIES or TF_XFF_MAX_LEN, makes the client unknown (family 0). */
webhook_addr webhook_resolve_client(const webhook_addr *peer, const char *xff,
                                    const config_cidr_list *trusted);

/* The head checks: path, method, source, declared size. Returns WEBHOOK_CONTINUE when the body
 * should be read. *client receives the resolved client in every case. */
webhook_result webhook_check_head(const config *cfg, const webhook_head *h, webhook_addr *client);

/* Extracts the token of "Bearer <token>" (scheme case-insensitive) into [*tok, *tok + *len).
 * False when the header is not a Bearer credential. */
bool webhook_bearer_token(const char *authorization, const char **tok, size_t *len);

/* ---- The duplicate table ---- */

/* A fixed-size table of keyed 64-bit hashes of (organizationId, networkId, alertTypeId, alertId,
 * occurredAt) with the monotonic time each was first seen. Memory never grows: a key goes into
 * one of 8 slots near its hash, replacing an expired entry or else the oldest. Thread-safe. */
typedef struct webhook_dedup webhook_dedup;

/* Creates a table of `slots` entries (rounded up to a power of two, at least 8) remembering keys
 * for `ttl_ms`. The hash key is random. Returns NULL when out of memory. Free with
 * webhook_dedup_free. */
webhook_dedup *webhook_dedup_new(size_t slots, uint64_t ttl_ms);

/* Frees the table. NULL is a no-op. */
void webhook_dedup_free(webhook_dedup *d);

/* The table's key for an alert (never 0). */
uint64_t webhook_dedup_key(const webhook_dedup *d, const alert *a);

/* True when `key` was recorded less than ttl_ms before `now_ms`; otherwise records it (seen at
 * now_ms) and returns false. */
bool webhook_dedup_check(webhook_dedup *d, uint64_t key, uint64_t now_ms);

/* Forgets `key` (an alert that was recorded but then not queued, so its retry is not taken for
 * a duplicate). */
void webhook_dedup_forget(webhook_dedup *d, uint64_t key);

/* ---- The pipeline ---- */

/* Creates the pipeline for `cfg` (which must outlive it; its shared secret must be set) and
 * `sink`. Returns NULL when out of memory. Main thread. */
webhook *webhook_new(const config *cfg, const webhook_sink *sink);

/* Frees it. NULL is a no-op. Main thread, after the listener has stopped. */
void webhook_free(webhook *w);

/* The body checks: secret, shape, duplicate, relevance, queue. Fills *s for the log line when
 * the request is authenticated. Any thread. */
webhook_result webhook_check_body(webhook *w, const webhook_body *b, webhook_summary *s);

/* ---- libmicrohttpd glue (httpd_options.handler / .completed, cls = the webhook) ---- */

/* The access handler: runs the head checks on the first call, collects the body (at most
 * max_body_bytes; a streamed body past that is dropped as it arrives and answered 413), runs
 * the body checks on the last call, answers, counts and logs. */
enum MHD_Result webhook_mhd_handler(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls);

/* httpd's refuse hook: a request whose head failed httpd's checks is answered like any
 * malformed webhook (400 `malformed`, counted, logged with the TCP peer's address) and closed. */
enum MHD_Result webhook_mhd_refuse(void *cls, struct MHD_Connection *c, const char *why);

/* Frees a request's state. */
void webhook_mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe);

#endif
