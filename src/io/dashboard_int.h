/*
 * dashboard_int.h - what the three files of the Dashboard client share, and nobody else:
 * dashboard.c (the shared state and the per-thread client), dashboard_call.c (one call's loop
 * of attempts) and dashboard_ops.c (the operations: URLs, pagination, parsing). Not installed;
 * the public interface is tagfailover/dashboard.h.
 *
 * The structs are here rather than behind accessors because the three files are one module:
 * the loop and the operations read the client's answer buffer and settings directly.
 */
#ifndef TAGFAILOVER_DASHBOARD_INT_H
#define TAGFAILOVER_DASHBOARD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "tagfailover/caps.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/ratelimit.h"

struct dash_shared {
    char *base_url;     /* no trailing '/' */
    char *auth_header;  /* "Authorization: Bearer KEY": the secret; wiped on free */
    char *secrets[2];   /* the API key and the shared secret (NULL: none): no dash_error
                           shows them (they are "[REDACTED]"); wiped on free */
    char *ca_file;      /* NULL: the system bundle */
    long timeout_s;     /* connect and whole-request timeout */
    int max_retries;    /* retries after the first attempt */
    long networks_page; /* perPage values */
    long uplinks_page;
    long vpn_page;
    double backoff_base_s;
    size_t max_response;
    rl_registry *rl; /* the buckets and pauses (per organization and total), the cancel flag */
};

/* The response headers the client keeps; each is capped by TF_API_MAX_HEADER. */
struct dash_headers {
    char link[TF_API_MAX_HEADER + 1]; /* every Link line, joined by ", " */
    char retry_after[64];             /* longer values are malformed anyway: dropped */
    char request_id[128];             /* truncated to fit dash_error.request_id */
    char location[TF_API_MAX_HEADER + 1];
    bool has_retry_after;
    bool too_large; /* a Link or Location over the cap: the answer is refused */
};

/* A growable response body with a ceiling. */
struct dash_buf {
    char *p; /* NUL-terminated; NULL before the first byte of the first answer */
    size_t len;
    size_t cap;
    size_t max; /* the call's cap on the decoded bytes (the wire's is CURLOPT_MAXFILESIZE) */
    bool too_large;
    bool nomem;
};

struct dash_client {
    dash_shared *s;              /* borrowed */
    CURL *curl;                  /* the thread's connection cache lives here */
    struct curl_slist *hdr;      /* Authorization, User-Agent, Accept */
    struct curl_slist *hdr_body; /* the same, Content-Type and an empty Expect */
    char errbuf[CURL_ERROR_SIZE];
    struct dash_buf body; /* the last answer's body */
    struct dash_headers h;
    uint64_t prng; /* xorshift64* state for backoff jitter; seeded from RAND_bytes */
    unsigned long requests;
    bool large_answer; /* an answer over DASH_KEEP_BUFFER_BYTES came since the last
                          dash_client_release_memory */
};

/* Parses `url` into a new handle (NULL when it does not parse as an absolute URL); the caller
 * frees it with curl_url_cleanup. */
CURLU *dash_url_parse(const char *url);

/*
 * Performs one API call: `method` on `url` with the JSON text `body` (or NULL), counting
 * against `org` (NULL: none), taking an answer of at most `max_bytes` on the wire and decoded
 * (0, or more than the client's cap: the client's cap). On DASH_OK the answer is in c->body
 * and, when `next` is not NULL, *next is the checked, absolute URL of the `rel=next` page, or
 * NULL when there is none (the caller frees it). Fills *err in every case.
 */
dash_err dash_call(dash_client *c, const char *org, const char *method, const char *url,
                   const char *body, size_t max_bytes, char **next, dash_error *err)
    __attribute__((warn_unused_result));

/* dash_call as one best-effort attempt: paced like any request, but never retried, and a 429
 * pauses nobody. For the live tools, whose answer is only worth having now: a refused or
 * failed ping is no evidence, and the series path goes on at once instead of waiting for
 * retries. (A live tool's 429 is most likely its own per-device limit, not the
 * organization's budget, which Meraki does not document either way.) */
dash_err dash_call_once(dash_client *c, const char *org, const char *method, const char *url,
                        const char *body, dash_error *err) __attribute__((warn_unused_result));

/* The URLs one listing has read, so a `rel=next` that comes back to one of them ends it as
 * DASH_ERR_PAGINATION (a `Link` loop would otherwise hold the organization's thread and rate
 * budget for TF_API_MAX_PAGES requests). Each URL is kept with its FNV-1a hash, so a check
 * costs a string compare only on a match. Zero-initialised is empty; dash_pages_free frees. */
typedef struct {
    char **urls;
    uint64_t *hashes;
    size_t n, cap;
} dash_pages;

/* True when `url` is one of the listing's pages already. */
bool dash_pages_seen(const dash_pages *ps, const char *url);

/* Remembers a copy of `url`; false when out of memory. */
bool dash_pages_add(dash_pages *ps, const char *url) __attribute__((warn_unused_result));

/* Frees what the list holds and empties it. */
void dash_pages_free(dash_pages *ps);

/* Frees the answer buffer when it grew large, so one huge read does not stay pinned; called
 * by every operation once it has parsed the answer. */
void dash_trim_buffer(dash_client *c);

#endif
