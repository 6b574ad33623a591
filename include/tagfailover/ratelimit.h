/*
 * ratelimit.h - the Dashboard API pacing: a token bucket per organization and one shared by
 * every organization (the source IP's budget), the 429 pauses, and waits that a shutdown can
 * cut short.
 *
 * Two layers:
 * - The bucket (rl_bucket, rl_take) and the per-IP limit's detector (rl_bare429) are pure:
 *   time is an argument, in monotonic seconds, so their arithmetic is tested with plain
 *   numbers. A bucket of rate r and depth b lets through b requests at once and then r per
 *   second; in any closed window of one second it admits at most r + b requests.
 * - The registry (rl_registry) holds one bucket and one pause per organization, and the total
 *   bucket with its own pause, behind a mutex and a condition variable on CLOCK_MONOTONIC. Any
 *   thread may call any registry function; one registry is shared by every API client of the
 *   process.
 *
 * Why rl_take reserves: a caller that must wait takes its token now and is told when its turn
 * comes, so callers queue in arrival order and each sees a definite slot, instead of all of
 * them polling the bucket and the luckiest one winning.
 *
 * Why the total bucket is asked second, once the organization's slot has come: a busy
 * organization's queue then holds no total tokens, so it cannot reserve the shared budget far
 * ahead and starve the others; the total bucket serves the organizations in the order their
 * own buckets let them go.
 */
#ifndef TAGFAILOVER_RATELIMIT_H
#define TAGFAILOVER_RATELIMIT_H

#include <stdbool.h>

#include "tagfailover/caps.h"

/* Two 429s without Retry-After, for two different organizations, at most this many seconds
 * apart are taken for Meraki's per-source-IP limit rather than two organizations' own limits:
 * Meraki answers an organization's limit with a Retry-After, and two organizations' budgets
 * running out within the same second by chance is far less likely than the shared one. One
 * second is the period of both limits. */
#define RL_IP_LIMIT_WINDOW_S 1.0

typedef enum {
    RL_OK = 0,
    RL_ERR_CANCELLED, /* rl_cancel was called: the wait was cut short, nothing may go */
    RL_ERR_NOMEM,
    RL_ERR_INVALID, /* a rate <= 0, a burst < 1, or one not finite */
} rl_err;

/* A token bucket. Fill it with rl_bucket_init; the fields are read-only for callers. */
typedef struct {
    double rate;   /* tokens added per second, > 0 */
    double depth;  /* most tokens held (the burst), >= 1 */
    double tokens; /* tokens at time `last`; negative while reserved slots lie in the future */
    double last;   /* monotonic seconds at which `tokens` was computed */
} rl_bucket;

/* Sets a full bucket of `rate` tokens per second and depth `burst` (clamped to at least 1)
 * at time `now`. */
void rl_bucket_init(rl_bucket *b, double rate, double burst, double now);

/* Takes one token at time `now` and returns the seconds to wait before the request may go
 * (0 when a token is there). The token is reserved whatever the wait, so the next caller is
 * given the next slot. */
double rl_take(rl_bucket *b, double now);

/* Tells the bucket that the request whose token it gave earlier goes only at `sent` (another
 * bucket held it back): the bucket is left as if the token had been taken then. Without it, a
 * request held back while the bucket refilled to its depth would count as gone earlier, and
 * a full burst right after it could make rate + burst + 1 in a second. Exact for a caller that
 * sends one request at a time (an organization's thread); with others' slots reserved behind
 * it, it changes nothing. */
void rl_settle(rl_bucket *b, double sent);

/* The recent 429s without Retry-After, for telling the per-IP limit from an organization's
 * own. Zero-initialised is "none seen". The fields are read-only for callers. */
typedef struct {
    char org[TF_ID_MAX_LEN + 1]; /* the organization of the latest one ("" for none) */
    double last;                 /* when it came, monotonic seconds */
    double other;                /* the latest one of any other organization */
    bool have_last, have_other;  /* whether `last` and `other` hold a time */
} rl_bare429;

/* Notes a 429 without Retry-After for `org` (NULL: the requests of no organization, a
 * budget of their own) at `now`. True when another organization had one at most
 * RL_IP_LIMIT_WINDOW_S before (or after, for a `now` read before another caller's): the
 * per-IP limit, which every organization must back off from. */
bool rl_bare429_note(rl_bare429 *s, const char *org, double now);

/* Monotonic seconds (CLOCK_MONOTONIC), the time base of the registry. */
double rl_now(void);

/* The budgets of a registry. */
typedef struct {
    double rate;        /* per organization: tokens per second, > 0 */
    double burst;       /* per organization: the bucket's depth, >= 1 */
    double total_rate;  /* every organization together (one source IP), > 0 */
    double total_burst; /* the total bucket's depth, >= 1 */
} rl_limits;

typedef struct rl_registry rl_registry;

/* Creates a registry whose organizations each get a bucket of `rate`/`burst`, all of them
 * sharing one of `total_rate`/`total_burst`. The caller owns it and frees it with
 * rl_registry_free once no thread uses it. */
rl_err rl_registry_new(const rl_limits *limits, rl_registry **out)
    __attribute__((warn_unused_result));

/* Frees the registry. NULL is a no-op. */
void rl_registry_free(rl_registry *r);

/* Blocks until a request for organization `org` may go: until the organization's pause and
 * the pause of all have passed, then until its reserved slot in the organization's bucket,
 * then until its slot in the total bucket (taken once the first has come). NULL or "" is the
 * bucket of requests that belong to no organization; they count in the total too. A pause
 * (the organization's or all's) that begins while the caller waits makes it wait for the
 * pause and take fresh tokens (the old slots are forfeited, never given back). Returns
 * RL_ERR_CANCELLED at once when the registry is cancelled, whichever wait it is in. */
rl_err rl_acquire(rl_registry *r, const char *org) __attribute__((warn_unused_result));

/* Pauses organization `org` until monotonic time `until` (rl_now() + Retry-After); a pause
 * only ever grows. Wakes the waiters so they see it. */
rl_err rl_pause_until(rl_registry *r, const char *org, double until)
    __attribute__((warn_unused_result));

/* The monotonic time the organization's pause ends (0 when it was never paused). */
double rl_paused_until(rl_registry *r, const char *org);

/* Pauses every organization until monotonic time `until`; a pause only ever grows. Wakes the
 * waiters so they see it. */
void rl_pause_all_until(rl_registry *r, double until);

/* The monotonic time the pause of all ends (0 when there never was one). */
double rl_paused_all_until(rl_registry *r);

/* Notes a 429 without Retry-After for `org` now (rl_bare429_note); when it is the per-IP
 * limit, pauses every organization for `seconds` (the backoff the caller computed) and
 * returns true. */
bool rl_bare_429(rl_registry *r, const char *org, double seconds);

/* Sleeps `seconds` unless the registry is cancelled first (RL_ERR_CANCELLED). */
rl_err rl_sleep(rl_registry *r, double seconds) __attribute__((warn_unused_result));

/* Cancels every wait, now and later: used at shutdown. Irreversible. */
void rl_cancel(rl_registry *r);

/* True once rl_cancel was called. */
bool rl_cancelled(rl_registry *r);

/* A message for an error code; never NULL. */
const char *rl_strerror(rl_err e);

#endif
