/*
 * api_rules.h - the Dashboard API client's rules as pure decisions: what to do after one HTTP
 * attempt (done, back off and retry, wait out a 429, follow a redirect, fail), which URLs a
 * request may go to, the next page named by a Link header, and the Retry-After value.
 *
 * Pure: no I/O, no clock, no randomness, no globals, no logging. The jitter of a backoff is an
 * argument, so every answer is tested with plain numbers (tests/unit/test_api_rules.c). The
 * adapter (src/io/dashboard_call.c) sends, reads the clock, draws the jitter, sleeps and pauses
 * organizations; this module only says which of those comes next. Any thread may call
 * anything here; nothing is kept between calls.
 *
 * The rules, in short: 2xx is done. 301/302/303/307/308 go to the Location, at most
 * TF_API_MAX_REDIRECTS in a row, only to a URL api_url_allowed accepts, and only when it keeps
 * the request's path and query exactly (api_url_same_resource): a redirect moves a request to
 * another shard host, never to another resource. A write (any method but GET and HEAD) is
 * never re-sent after 301, 302 or 303, which by HTTP's rules turn it into a GET. 429 waits
 * Retry-After (else the backoff) and pauses the whole organization for that long, even when no
 * retry is left. 5xx and transport errors that may pass back off and retry. Other statuses
 * fail at once. At most max_retries retries per call; a redirect is not a retry.
 */
#ifndef TAGFAILOVER_API_RULES_H
#define TAGFAILOVER_API_RULES_H

#include <stdbool.h>
#include <stddef.h>

/* The longest backoff, in seconds, jitter included. */
#define API_BACKOFF_CAP_S 60.0

/* Why a call failed. Each maps to one dash_err; the finer redirect codes give the adapter its
 * message. */
typedef enum {
    API_OK = 0,
    API_ERR_TRANSPORT,          /* connect, TLS, timeout, reset */
    API_ERR_HTTP_4XX,           /* a 4xx other than 429: never retried */
    API_ERR_HTTP_5XX,           /* 5xx */
    API_ERR_RATE_LIMITED,       /* 429 */
    API_ERR_HTTP_OTHER,         /* a status the API does not use (1xx, 304, ...) */
    API_ERR_NO_LOCATION,        /* a redirect status without a Location */
    API_ERR_TOO_MANY_REDIRECTS, /* one more redirect than TF_API_MAX_REDIRECTS in a row */
    API_ERR_HOST_REFUSED,       /* a Location that does not resolve or is off the allowed hosts */
    API_ERR_PATH_REFUSED,       /* a Location with another path or query than the request's */
    API_ERR_WRITE_REDIRECT,     /* a write answered 301, 302 or 303: never re-sent */
    API_ERR_TOO_LARGE,          /* the answer or a kept header is over its cap */
    API_ERR_NOMEM,
} api_err;

/* How one attempt ended, as the adapter saw it. */
typedef enum {
    API_ANSWERED = 0,     /* an HTTP answer came: api_answer.status holds it */
    API_TRANSPORT_FAILED, /* no answer, and another try may get one (reset, timeout, ...) */
    API_TRANSPORT_FATAL,  /* no answer, and another try will not help (bad URL, certificate) */
    API_ANSWER_TOO_LARGE, /* the body or a kept header went over its cap */
    API_OUT_OF_MEMORY,    /* the adapter ran out of memory receiving it */
} api_outcome;

/* One attempt's result. The strings are borrowed for the call of api_classify. */
typedef struct {
    api_outcome outcome;
    long status;             /* the HTTP status, when outcome is API_ANSWERED */
    const char *retry_after; /* the Retry-After header as received; NULL when none */
    const char *location;    /* the Location header as received; NULL or "" when none */
    const char *target;      /* `location` resolved against the request's URL (absolute);
                                NULL when there is none or it does not resolve */
    const char *url;         /* the URL this attempt was sent to; a redirect must keep its path
                                and query. NULL: no redirect is followed */
    bool write;              /* the request changes something (PUT, POST, DELETE, ...) */
} api_answer;

/* The client's settings the decision depends on. */
typedef struct {
    const char *base_url;  /* the API's base URL: redirects must stay on its scheme and hosts */
    int max_retries;       /* retries after the first attempt; 0: none */
    double backoff_base_s; /* the first backoff (> 0); it doubles with every retry */
} api_params;

/* What one call has done so far. Starts zeroed; api_tally_step moves it on. */
typedef struct {
    int retries;   /* retries made (backoffs and 429 waits) */
    int redirects; /* redirects followed since the last answer that was not one */
} api_tally;

/* What the adapter does next. */
typedef enum {
    API_DONE = 0, /* a 2xx: the answer is the call's */
    API_BACKOFF,  /* sleep wait_s (this call only), then send again */
    API_WAIT,     /* a 429: pause the organization for wait_s, then send again */
    API_REDIRECT, /* send again, to api_answer.target */
    API_FAIL,     /* stop with `err`; when pause_org, pause the organization for wait_s first */
} api_action;

/* The decision. */
typedef struct {
    api_action action;
    api_err err;    /* FAIL: the call's error. BACKOFF, WAIT: what this attempt got (the
                       call's error if it is the last). DONE, REDIRECT: API_OK */
    double wait_s;  /* BACKOFF, WAIT: seconds before the next attempt; with pause_org: how long
                       the organization pauses; otherwise 0 */
    bool pause_org; /* a 429: every request of the organization waits wait_s, not only this one */
    bool bare_429;  /* a 429 without a usable Retry-After (wait_s is the backoff): a hint of
                       the per-source-IP limit when other organizations get one too */
} api_decision;

/* Decides what follows attempt `a` of a call that has made `t` so far. `jitter` is a uniform
 * random number in [0, 1) (values outside are clamped), used only when a backoff is due. */
api_decision api_classify(const api_answer *a, const api_tally *t, const api_params *p,
                          double jitter) __attribute__((warn_unused_result));

/* Counts the step decision `d` leads to: a redirect, or a retry (which ends a run of redirects).
 * DONE and FAIL change nothing. */
void api_tally_step(api_tally *t, const api_decision *d);

/* The backoff before retry number `retry` (0 for the first): base_s x 2^retry, capped at
 * API_BACKOFF_CAP_S, times 1 + jitter / 2 so that clients hit together do not retry together,
 * and capped again. `jitter` as for api_classify. */
double api_backoff(double base_s, int retry, double jitter) __attribute__((warn_unused_result));

/* True for the statuses the client follows by hand: 301, 302, 303, 307 and 308. */
bool api_is_redirect(long status);

/*
 * The rule for any URL the client is told to go to (a Location or a next-page link): true when
 * `url` has the scheme of `base_url`, no user information, and a host that equals base_url's
 * host or ends in .meraki.com or base_url's regional domain (.meraki.ca, .meraki.cn,
 * .meraki.in, .gov-meraki.com), compared case-insensitively as a name, any port. Only the
 * plain form `scheme://host[:port][/...][?...][#...]` of printable ASCII passes (see
 * api_rules.c for why the parser is this strict); anything else is refused.
 */
bool api_url_allowed(const char *base_url, const char *url) __attribute__((warn_unused_result));

/* True when `to` names the same resource as `from`: both are of the plain form api_url_allowed
 * accepts, and what follows their hosts (path and query, up to a '#') is byte for byte the
 * same. Hosts, schemes and ports are not compared here: that is api_url_allowed's rule. */
bool api_url_same_resource(const char *from, const char *to) __attribute__((warn_unused_result));

/* Copies the host of `url`, lower-cased and without a trailing dot, into buf (IPv6 literals
 * keep their brackets). False, with buf "", when `url` is not of the plain form
 * api_url_allowed accepts or the host does not fit. */
bool api_url_host(const char *url, char *buf, size_t size) __attribute__((warn_unused_result));

/* Finds the rel="next" target of a Link header value. Returns a heap copy (the caller frees
 * it), or NULL when there is none, `link` is NULL, or memory runs out (api_link_has_next
 * tells the last apart: a listing must never end early because an allocation failed). */
char *api_link_next(const char *link) __attribute__((warn_unused_result));

/* True when the Link header value names a rel="next" target (that api_link_next returns). */
bool api_link_has_next(const char *link) __attribute__((warn_unused_result));

/* Parses a Retry-After value: delta seconds, maybe with a fraction, capped at
 * TF_API_MAX_RETRY_AFTER_S (an HTTP date is not used by the API and counts as absent). False
 * when `value` is NULL or malformed; *seconds is then untouched. */
bool api_parse_retry_after(const char *value, double *seconds) __attribute__((warn_unused_result));

/* A message for an error code; never NULL. */
const char *api_strerror(api_err e);

/* The name of an action ("done", "backoff", ...); "unknown" for a value out of range. */
const char *api_action_name(api_action a);

#endif
