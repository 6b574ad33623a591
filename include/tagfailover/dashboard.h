/*
 * dashboard.h - the Meraki Dashboard API v1 client, over libcurl.
 *
 * Threads and ownership:
 * - dash_global_init() runs once in main before any thread starts.
 * - One dash_shared per process: the options (copied), the rate-limit registry (a bucket per
 *   organization and the one they share) and the cancel flag. Any thread may use it; it
 *   outlives every client.
 * - One dash_client per thread: it owns one CURL easy handle, so connections are kept alive
 *   and reused between calls. A client is never used by two threads at once.
 *
 * Every call names the organization whose rate limit it counts against (NULL for GET
 * /organizations, which belongs to none). Every HTTP attempt (first try, retry, redirect,
 * next page) first takes a token from that organization's bucket, then one from the bucket
 * every organization shares (requests_per_second_total: Meraki's per-source-IP limit).
 *
 * Behaviour, in short: redirects (301/302/303/307/308) are followed by hand, at most
 * TF_API_MAX_REDIRECTS in a row, keeping the method, the body and the Authorization header,
 * and only to a URL with the base URL's scheme whose host is the base URL's host or ends in
 * .meraki.com (or the base URL's regional domain), and only when it keeps the request's path
 * and query exactly; a write is never re-sent after 301/302/303. Any other Location is
 * DASH_ERR_REDIRECT and nothing is sent there. `Link: <...>; rel=next` pages are followed to the
 * end under the same host rule; a next page that repeats one already read in the same listing,
 * or a link that does not resolve, ends the listing as DASH_ERR_PAGINATION. 429 waits Retry-After
 * (else exponential backoff with jitter, capped at 60 s) and pauses the whole organization
 * meanwhile; 429s without Retry-After for two organizations within RL_IP_LIMIT_WINDOW_S are the
 * per-IP limit, and pause every organization; 5xx and transport errors back off (1 s, doubling,
 * with jitter) and retry; other 4xx fail at once with the API's `errors` message. At most
 * max_retries retries per call. Responses are capped on the wire and after decoding
 * (TF_API_MAX_RESPONSE; TF_API_MAX_OBJECT_RESPONSE for the answers parsed as one tree) and must
 * parse. The rules themselves are the core's (api_rules.h);
 * this client only acts on them.
 *
 * Errors are values: every call returns a dash_err and fills the caller's dash_error (code,
 * status, the API's `errors`, request ID, method and path), and logs no failure:
 * the caller logs it, once. Text that comes from the answer (an error body, a Location, a
 * request ID, curl's message) enters the dash_error with the API key and the shared secret
 * replaced by "[REDACTED]" wherever they appear: an API that echoes the request cannot put
 * them in a log. Only what the caller never sees is logged here: each retry (warn) and a debug
 * trace of every attempt. Each response counts in metrics_api_request, each retry
 * in metrics_api_retry.
 */
#ifndef TAGFAILOVER_DASHBOARD_H
#define TAGFAILOVER_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/caps.h"
#include "tagfailover/changes.h"
#include "tagfailover/dashboard_json.h"
#include "tagfailover/ping.h"
#include "tagfailover/tags.h"

typedef enum {
    DASH_OK = 0,
    DASH_ERR_TRANSPORT,    /* connect, TLS, timeout, reset: every attempt failed */
    DASH_ERR_HTTP_4XX,     /* a 4xx other than 429 (not retried); message holds `errors` */
    DASH_ERR_HTTP_5XX,     /* 5xx on the last attempt, retries exhausted */
    DASH_ERR_RATE_LIMITED, /* 429 on the last attempt, retries exhausted */
    DASH_ERR_HTTP_OTHER,   /* a status the API does not use (1xx, 304, 3xx without Location) */
    DASH_ERR_PARSE,        /* the answer is not the documented JSON */
    DASH_ERR_TOO_LARGE,    /* the answer, a kept header, or the page count is over its cap */
    DASH_ERR_REDIRECT,     /* a Location or next-page URL off the allowed hosts, or too many */
    DASH_ERR_PAGINATION,   /* a next-page link that does not resolve, or repeats a page of the
                              same listing (a loop): never a silently partial list */
    DASH_ERR_CANCELLED,    /* dash_shared_cancel was called */
    DASH_ERR_NOMEM,
    DASH_ERR_INVALID, /* a bad option or argument (base_url that does not parse, ...) */
} dash_err;

/* What went wrong, for the caller's log and decisions. Filled by every call, on success too
 * (code DASH_OK, the status and request ID of the last response). */
typedef struct {
    dash_err code;        /* the call's result */
    long http_status;     /* status of the last response; 0 when none came */
    char message[512];    /* the API's `errors` joined with "; ", or curl's / our own text */
    char request_id[128]; /* X-Request-Id of the last response that had one; "" when none */
    char method[8];       /* the last request's method ("GET", "PUT", ...); "" when none went */
    char path[256];       /* its path (no scheme, host or query: a query could carry anything);
                             "" when none went */
} dash_error;

/* The client's options. Strings are copied by dash_shared_new. Zero means "the default" for
 * every number. */
typedef struct {
    const char *base_url;       /* "https://api.meraki.com/api/v1"; a trailing '/' is dropped */
    const char *api_key;        /* required; only ever sent in the Authorization header */
    long timeout_s;             /* connect and whole-request timeout; default 30 */
    int max_retries;            /* retries per call after the first attempt; default 5,
                                   negative: none */
    const char *ca_file;        /* extra CA bundle (CURLOPT_CAINFO); NULL or "": system */
    double requests_per_second; /* per organization; default 9 */
    double requests_burst;      /* token-bucket depth; default 5 */
    long networks_per_page;     /* perPage of GET .../networks; default 100000 (3..100000) */
    long uplinks_per_page;      /* perPage of .../appliance/uplink/statuses; default 1000 */
    long vpn_statuses_per_page; /* perPage of .../appliance/vpn/statuses; default 300 */
    double backoff_base_s;      /* first backoff of a 5xx, transport error or bare 429;
                                   default 1 (as the official SDK); tests lower it */
    size_t max_response_bytes;  /* default and ceiling TF_API_MAX_RESPONSE; tests lower it */
    /* Every organization together (one source IP); default 90. Its bucket's depth is
     * DASH_TOTAL_BURST_FACTOR x requests_burst. */
    double requests_per_second_total;
    const char *shared_secret; /* the webhook shared secret (set-up sends it), or NULL: like
                                  the key, never shown in a dash_error */
} dash_options;

/* The depth of the total bucket, in per-organization bursts: two organizations' bursts may go
 * together. With the defaults (90/s, 2 x 5) no second holds more than 100 requests, Meraki's
 * per-source-IP limit. */
#define DASH_TOTAL_BURST_FACTOR 2.0

typedef struct dash_shared dash_shared;
typedef struct dash_client dash_client;

/* tagsFilterType of GET /organizations/{id}/networks. */
typedef enum { DASH_TAGS_ANY = 0, DASH_TAGS_ALL } dash_tags_filter;

/* Initialises libcurl (curl_global_init). Call once, before any thread starts. */
dash_err dash_global_init(void) __attribute__((warn_unused_result));

/* Releases libcurl's global state, after every client is freed. */
void dash_global_cleanup(void);

/* Validates and copies the options and creates the rate-limit registry. The caller owns *out
 * and frees it with dash_shared_free after every client using it is freed. */
dash_err dash_shared_new(const dash_options *opt, dash_shared **out)
    __attribute__((warn_unused_result));

/* Frees the shared state, wiping the API key from memory. NULL is a no-op. */
void dash_shared_free(dash_shared *s);

/* Cancels every wait (rate limit, Retry-After, backoff) now and later: calls in progress end
 * with DASH_ERR_CANCELLED at their next wait, and no new request goes. For shutdown;
 * irreversible. Any thread, async-signal-unsafe (call it from the thread that saw the flag). */
void dash_shared_cancel(dash_shared *s);

/* True once dash_shared_cancel was called. */
bool dash_shared_cancelled(dash_shared *s);

/* Creates a client for the calling thread; the caller owns it (dash_client_free). `s` is
 * borrowed and must outlive the client. */
dash_err dash_client_new(dash_shared *s, dash_client **out) __attribute__((warn_unused_result));

/* Frees the client and its connection. NULL is a no-op. */
void dash_client_free(dash_client *c);

/* How many HTTP requests this client has sent (every attempt, redirect and page). */
unsigned long dash_client_requests(const dash_client *c);

/* Hands freed memory back to the system (malloc_trim) when an answer over 1 MiB has come since
 * the last call; else does nothing. Call it once the parsed data of a round is freed, so one
 * huge answer does not stay resident. NULL is a no-op. */
void dash_client_release_memory(dash_client *c);

/* GET /organizations (all pages). *out is the caller's (dj_orgs_free). Counts against no
 * organization. */
dash_err dash_list_organizations(dash_client *c, dj_org **out, size_t *n, dash_error *err)
    __attribute__((warn_unused_result));

/* GET /organizations/{org}/networks?perPage=N[&tags[]=..&tagsFilterType=..] and every next
 * page. `tags` may be NULL or empty (no filter). *out is the caller's (dj_networks_free). */
dash_err dash_list_networks(dash_client *c, const char *org_id, const tags_list *tags,
                            dash_tags_filter filter, dj_network **out, size_t *n, dash_error *err)
    __attribute__((warn_unused_result));

/* GET /networks/{id}. *out is the caller's (dj_network_clear). */
dash_err dash_get_network(dash_client *c, const char *org_id, const char *network_id,
                          dj_network *out, dash_error *err) __attribute__((warn_unused_result));

/* PUT /networks/{id} with {"tags": [...]} (the whole list). *out receives the network the API
 * answered, which the caller must compare with what it sent (dj_network_clear). */
dash_err dash_put_network_tags(dash_client *c, const char *org_id, const char *network_id,
                               const tags_list *tags, dj_network *out, dash_error *err)
    __attribute__((warn_unused_result));

/* GET /organizations/{org}/devices/uplinksLossAndLatency?t0=..&t1=..[&uplink=..][&ip=..],
 * t0/t1 in Unix seconds (sent as ISO 8601 UTC). `uplink` and `ip` may be NULL. *out is the
 * caller's (dj_loss_free). */
dash_err dash_get_loss(dash_client *c, const char *org_id, int64_t t0, int64_t t1,
                       const char *uplink, const char *ip, dj_loss_item **out, size_t *n,
                       dash_error *err) __attribute__((warn_unused_result));

/* GET /organizations/{org}/appliance/uplink/statuses?perPage=N and every next page. *out is
 * the caller's (dj_appliances_free). */
dash_err dash_list_uplink_statuses(dash_client *c, const char *org_id, dj_appliance **out,
                                   size_t *n, dash_error *err) __attribute__((warn_unused_result));

/* GET /organizations/{org}/appliance/vpn/thirdPartyVPNPeers. *out is the caller's
 * (dj_peers_free). */
dash_err dash_get_peers(dash_client *c, const char *org_id, dj_peer **out, size_t *n,
                        dash_error *err) __attribute__((warn_unused_result));

/* GET /organizations/{org}/appliance/vpn/statuses?perPage=N and every next page. *out is the
 * caller's (dj_vpn_statuses_free). No caller yet: it is kept for the retag a peer's VPN status
 * triggers (trigger `vpn_status:<peer ip>`). */
dash_err dash_list_vpn_statuses(dash_client *c, const char *org_id, dj_vpn_status **out, size_t *n,
                                dash_error *err) __attribute__((warn_unused_result));

/* POST /devices/{serial}/liveTools/ping {"target", "count"}: asks the appliance to ping
 * `target` now, `count` packets (1..5). With `callback_url`, Meraki posts the finished result
 * there with `callback_secret` as its shared secret; else the caller polls dash_ping_get.
 * Counts against `org_id`'s rate budget. On DASH_OK `ping_id` holds the answer's pingId.
 * DASH_ERR_INVALID, sending nothing, for a serial or target that cannot be one. */
dash_err dash_ping_start(dash_client *c, const char *org_id, const char *serial, const char *target,
                         int count, const char *callback_url, const char *callback_secret,
                         char ping_id[TF_ID_MAX_LEN + 1], dash_error *err)
    __attribute__((warn_unused_result));

/* Most actions in one synchronous action batch (Meraki's limit). */
#define DASH_BATCH_MAX 20

/* One network's new tags in an action batch. Borrowed. */
typedef struct {
    const char *network_id;
    const tags_list *tags;
} dash_batch_action;

/* What a batch answered. */
typedef struct {
    bool written;               /* status.completed and not status.failed: every action ran */
    char id[TF_ID_MAX_LEN + 1]; /* the batch's id; "" when the answer had none */
    char error[256];            /* the first of status.errors, or why it is not written */
} dash_batch_result;

/* POST /organizations/{org}/actionBatches {"confirmed": true, "synchronous": true, "actions":
 * [{"resource": "/networks/{id}", "operation": "update", "body": {"tags": [...]}}]}: writes up
 * to DASH_BATCH_MAX networks' tags in one request (all or nothing). DASH_OK means the request
 * was answered; out->written says whether the batch ran. */
dash_err dash_action_batch(dash_client *c, const char *org_id, const dash_batch_action *actions,
                           size_t n, dash_batch_result *out, dash_error *err)
    __attribute__((warn_unused_result));

/* GET /organizations/{org}/configurationChanges?timespan=N (and every next page), only for
 * `network_id` when not NULL: the Dashboard's change log, newest first. *out is the caller's
 * (chg_free). A next page that repeats the previous one is an error. */
dash_err dash_list_changes(dash_client *c, const char *org_id, long timespan_s,
                           const char *network_id, chg_entry **out, size_t *n, dash_error *err)
    __attribute__((warn_unused_result));

/* GET /devices/{serial}/liveTools/ping/{id}: the ping's status and results (ping.h). */
dash_err dash_ping_get(dash_client *c, const char *org_id, const char *serial, const char *ping_id,
                       ping_result *out, dash_error *err) __attribute__((warn_unused_result));

/* Any operation of the spec subset (the webhook set-up ones): `method` `path_and_query`
 * (starting with '/', already escaped, appended to the base URL) with the JSON text
 * `json_body` or NULL. On DASH_OK *resp is the answer (NUL-terminated, *len bytes without the
 * NUL; "" for an empty body), checked to be JSON when not empty; the caller frees it. No
 * pagination. On error *resp is NULL. */
dash_err dash_request(dash_client *c, const char *org_id, const char *method,
                      const char *path_and_query, const char *json_body, char **resp, size_t *len,
                      dash_error *err) __attribute__((warn_unused_result));

/* A message for an error code; never NULL. */
const char *dash_strerror(dash_err e);

#endif
