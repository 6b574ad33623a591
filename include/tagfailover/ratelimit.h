/*
 * ratelimit.h - the Dashboard API pacing: a token bucket per organization, the 429 pause, and
 * waits that a shutdown can cut short (DESIGN section 10).
 *
 * Two layers:
 * - The bucket (rl_bucket, rl_take) is pure: time is an argument, in monotonic seconds, so its
 *   arithmetic is tested with plain numbers. A bucket of rate r and depth b lets through b
 *   requests at once and then r per second; in any closed window of one second it admits at
 *   most r + b requests.
 * - The registry (rl_registry) holds one bucket and one pause per organization behind a mutex
 *   and a condition variable on CLOCK_MONOTONIC. Any thread may call any registry function; one
 *   registry is shared by every API client of the process.
 *
 * Why rl_take reserves: a caller that must wait takes its token now and is told when its turn
 * comes, so callers queue in arrival order and each sees a definite slot, instead of all of
 * them polling the bucket and the luckiest one winning.
 */
#ifndef TAGFAILOVER_RATELIMIT_H
#define TAGFAILOVER_RATELIMIT_H

#include <stdbool.h>

typedef enum {
    RL_OK = 0,
    RL_ERR_CANCELLED, /* rl_cancel was called: the wait was cut short, nothing may go */
    RL_ERR_NOMEM,
    RL_ERR_INVALID, /* rate <= 0, burst < 1, or not finite */
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

/* Monotonic seconds (CLOCK_MONOTONIC), the time base of the registry. */
double rl_now(void);

typedef struct rl_registry rl_registry;

/* Creates a registry whose organizations each get a bucket of `rate`/`burst`. The caller owns
 * it and frees it with rl_registry_free once no thread uses it. */
rl_err rl_registry_new(double rate, double burst, rl_registry **out)
    __attribute__((warn_unused_result));

/* Frees the registry. NULL is a no-op. */
void rl_registry_free(rl_registry *r);

/* Blocks until a request for organization `org` may go: first until the organization's pause
 * has passed, then until its reserved token slot. NULL or "" is the bucket of requests that
 * belong to no organization. A pause that begins while the caller waits for its slot makes it
 * wait for the pause and take a fresh token (the old slot is forfeited, never given back).
 * Returns RL_ERR_CANCELLED at once when the registry is cancelled. */
rl_err rl_acquire(rl_registry *r, const char *org) __attribute__((warn_unused_result));

/* Pauses organization `org` until monotonic time `until` (rl_now() + Retry-After); a pause
 * only ever grows. Wakes the waiters so they see it. */
rl_err rl_pause_until(rl_registry *r, const char *org, double until)
    __attribute__((warn_unused_result));

/* The monotonic time the organization's pause ends (0 when it was never paused). */
double rl_paused_until(rl_registry *r, const char *org);

/* Sleeps `seconds` unless the registry is cancelled first (RL_ERR_CANCELLED). */
rl_err rl_sleep(rl_registry *r, double seconds) __attribute__((warn_unused_result));

/* Cancels every wait, now and later: used at shutdown. Irreversible. */
void rl_cancel(rl_registry *r);

/* True once rl_cancel was called. */
bool rl_cancelled(rl_registry *r);

/* A message for an error code; never NULL. */
const char *rl_strerror(rl_err e);

#endif
