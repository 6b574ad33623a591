/*
 * ratelimit.c - token buckets, per-organization pauses and cancellable waits. See ratelimit.h.
 *
 * The registry is a list of organizations under one mutex. One condition variable (on
 * CLOCK_MONOTONIC, so a wall-clock step neither stretches nor cuts a wait) is broadcast when a
 * pause begins and on cancel; every waiter re-checks its own deadline, so a broadcast meant
 * for another organization costs a spurious wake-up and nothing else. The number of
 * organizations and waiting threads is small (tens), which is why a list and a single
 * condition variable are enough.
 */
#include "tagfailover/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

void rl_bucket_init(rl_bucket *b, double rate, double burst, double now)
{
    b->rate = rate;
    b->depth = burst < 1.0 ? 1.0 : burst;
    b->tokens = b->depth;
    b->last = now;
}

double rl_take(rl_bucket *b, double now)
{
    /* A `now` older than `last` (a caller that read the clock before another caller took
     * its token) adds nothing: time never runs backwards inside the bucket. */
    if (now > b->last) {
        b->tokens += (now - b->last) * b->rate;
        if (b->tokens > b->depth)
            b->tokens = b->depth;
        b->last = now;
    }
    b->tokens -= 1.0;
    if (b->tokens >= 0.0)
        return 0.0;
    /* The slot is when the deficit has refilled, measured from `last` (not `now`), so a
     * queue of reservations is spaced exactly 1/rate apart. */
    return b->last - now + (-b->tokens / b->rate);
}

double rl_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One organization's pacing state. */
struct rl_org {
    LIST_ENTRY(rl_org) entry;
    char *id;           /* the organization ID; "" for requests of no organization */
    rl_bucket bucket;   /* its token bucket */
    double pause_until; /* monotonic time its 429 pause ends; 0 when never paused */
    uint64_t pause_gen; /* bumped when a pause begins: invalidates reserved slots */
};

struct rl_registry {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* CLOCK_MONOTONIC */
    LIST_HEAD(, rl_org) orgs;
    double rate;
    double burst;
    atomic_bool cancelled;
};

rl_err rl_registry_new(double rate, double burst, rl_registry **out)
{
    rl_registry *r = NULL;
    pthread_condattr_t attr;
    rl_err result = RL_OK;
    bool have_attr = false, have_lock = false;

    *out = NULL;
    if (!isfinite(rate) || !isfinite(burst) || rate <= 0.0 || burst < 1.0)
        return RL_ERR_INVALID;
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    r->rate = rate;
    r->burst = burst;
    LIST_INIT(&r->orgs);
    atomic_init(&r->cancelled, false);
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    have_lock = true;
    if (pthread_condattr_init(&attr) != 0) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    have_attr = true;
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&r->wake, &attr) != 0) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    *out = r;
    r = NULL;
out:
    if (have_attr)
        pthread_condattr_destroy(&attr);
    if (r != NULL) {
        if (have_lock)
            pthread_mutex_destroy(&r->lock);
        free(r);
    }
    return result;
}

void rl_registry_free(rl_registry *r)
{
    struct rl_org *o;

    if (r == NULL)
        return;
    while ((o = LIST_FIRST(&r->orgs)) != NULL) {
        LIST_REMOVE(o, entry);
        free(o->id);
        free(o);
    }
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Finds the organization's entry (NULL and "" are the same one); the caller holds the lock.
 * NULL when it has none yet. */
static struct rl_org *rl_org_find(rl_registry *r, const char *org)
{
    struct rl_org *o;

    if (org == NULL)
        org = "";
    LIST_FOREACH(o, &r->orgs, entry)
    {
        if (strcmp(o->id, org) == 0)
            return o;
    }
    return NULL;
}

/* Finds or creates the organization's entry; the caller holds the lock. NULL: out of memory. */
static struct rl_org *rl_org_get(rl_registry *r, const char *org, double now)
{
    struct rl_org *o = rl_org_find(r, org);

    if (o != NULL)
        return o;
    o = calloc(1, sizeof(*o));
    if (o == NULL)
        return NULL;
    o->id = strdup(org != NULL ? org : "");
    if (o->id == NULL) {
        free(o);
        return NULL;
    }
    rl_bucket_init(&o->bucket, r->rate, r->burst, now);
    LIST_INSERT_HEAD(&r->orgs, o, entry);
    return o;
}

/* Waits on the condition variable until monotonic time `until` or a broadcast; the caller
 * holds the lock and re-checks its condition afterwards. */
static void rl_wait_until(rl_registry *r, double until)
{
    struct timespec ts;
    double whole = floor(until);

    ts.tv_sec = (time_t)whole;
    ts.tv_nsec = (long)((until - whole) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000L;
    }
    (void)pthread_cond_timedwait(&r->wake, &r->lock, &ts);
}

rl_err rl_acquire(rl_registry *r, const char *org)
{
    struct rl_org *o;
    rl_err result = RL_OK;
    bool have_slot = false;
    double slot = 0.0;
    uint64_t slot_gen = 0;

    pthread_mutex_lock(&r->lock);
    o = rl_org_get(r, org, rl_now());
    if (o == NULL) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        double now = rl_now();

        if (atomic_load(&r->cancelled)) {
            result = RL_ERR_CANCELLED;
            goto out;
        }
        if (now < o->pause_until) {
            rl_wait_until(r, o->pause_until);
            continue;
        }
        /* A pause that began after our reservation forfeits the slot: going at the end of the
         * pause together with everyone else who had a slot inside it would be a burst the
         * bucket never granted. */
        if (have_slot && slot_gen != o->pause_gen)
            have_slot = false;
        if (!have_slot) {
            slot = now + rl_take(&o->bucket, now);
            slot_gen = o->pause_gen;
            have_slot = true;
        }
        if (now >= slot)
            break;
        rl_wait_until(r, slot);
    }
out:
    pthread_mutex_unlock(&r->lock);
    return result;
}

rl_err rl_pause_until(rl_registry *r, const char *org, double until)
{
    struct rl_org *o;
    rl_err result = RL_OK;

    pthread_mutex_lock(&r->lock);
    o = rl_org_get(r, org, rl_now());
    if (o == NULL) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    if (until > o->pause_until) {
        o->pause_until = until;
        o->pause_gen++;
        pthread_cond_broadcast(&r->wake);
    }
out:
    pthread_mutex_unlock(&r->lock);
    return result;
}

double rl_paused_until(rl_registry *r, const char *org)
{
    struct rl_org *o;
    double until;

    pthread_mutex_lock(&r->lock);
    o = rl_org_find(r, org);
    until = o != NULL ? o->pause_until : 0.0;
    pthread_mutex_unlock(&r->lock);
    return until;
}

rl_err rl_sleep(rl_registry *r, double seconds)
{
    rl_err result = RL_OK;
    double until = rl_now() + seconds;

    pthread_mutex_lock(&r->lock);
    for (;;) {
        if (atomic_load(&r->cancelled)) {
            result = RL_ERR_CANCELLED;
            break;
        }
        if (rl_now() >= until)
            break;
        rl_wait_until(r, until);
    }
    pthread_mutex_unlock(&r->lock);
    return result;
}

void rl_cancel(rl_registry *r)
{
    /* The flag is set under the lock so that a waiter cannot check it, miss the broadcast,
     * and then sleep its full wait. */
    pthread_mutex_lock(&r->lock);
    atomic_store(&r->cancelled, true);
    pthread_cond_broadcast(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

bool rl_cancelled(rl_registry *r)
{
    return atomic_load(&r->cancelled);
}

const char *rl_strerror(rl_err e)
{
    switch (e) {
    case RL_OK:
        return "ok";
    case RL_ERR_CANCELLED:
        return "cancelled";
    case RL_ERR_NOMEM:
        return "out of memory";
    case RL_ERR_INVALID:
        return "invalid rate or burst";
    }
    return "unknown rate-limit error";
}
