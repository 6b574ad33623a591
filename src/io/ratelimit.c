/*
 * ratelimit.c - token buckets, per-organization and per-IP pauses and cancellable waits. See
 * ratelimit.h.
 *
 * The registry is a list of organizations and the total budget under one mutex. One condition
 * variable (on CLOCK_MONOTONIC, so a wall-clock step neither stretches nor cuts a wait) is
 * broadcast when a pause begins and on cancel; every waiter re-checks its own deadline, so a
 * broadcast meant for another organization costs a spurious wake-up and nothing else. The
 * number of organizations and waiting threads is small (tens), which is why a list and a
 * single condition variable are enough.
 */
#include "tagfailover/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
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

void rl_settle(rl_bucket *b, double sent)
{
    if (sent > b->last) {
        b->tokens += (sent - b->last) * b->rate;
        if (b->tokens > b->depth)
            b->tokens = b->depth;
        b->last = sent;
    }
    /* Taken at `sent`, the token would leave at most depth - 1 then. */
    if (b->tokens > b->depth - 1.0)
        b->tokens = b->depth - 1.0;
}

bool rl_bare429_note(rl_bare429 *s, const char *org, double now)
{
    char id[sizeof(s->org)];
    bool same, hit;
    double prev;

    /* IDs longer than the buffer (none the API or the configuration gives) compare by their
     * first TF_ID_MAX_LEN bytes: at worst two such organizations count as one. */
    snprintf(id, sizeof(id), "%s", org != NULL ? org : "");
    same = s->have_last && strcmp(s->org, id) == 0;
    /* The latest 429 of another organization: the previous one's, unless it was ours. */
    if (same) {
        hit = s->have_other;
        prev = s->other;
    } else {
        hit = s->have_last;
        prev = s->last;
    }
    hit = hit && fabs(now - prev) <= RL_IP_LIMIT_WINDOW_S;
    if (!same && s->have_last) {
        s->other = s->last;
        s->have_other = true;
    }
    memcpy(s->org, id, sizeof(id));
    s->last = now;
    s->have_last = true;
    return hit;
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

/* The budget every organization shares: the source IP's. */
struct rl_total {
    rl_bucket bucket;   /* rate total_rate, depth total_burst */
    double pause_until; /* monotonic time the pause of all ends; 0 when never paused */
    uint64_t pause_gen; /* bumped when a pause of all begins: invalidates reserved slots */
    rl_bare429 bare;    /* the recent 429s without Retry-After */
};

struct rl_registry {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* CLOCK_MONOTONIC */
    LIST_HEAD(, rl_org) orgs;
    double rate;
    double burst;
    struct rl_total total;
    atomic_bool cancelled;
};

/* A rate and a depth a bucket can have. */
static bool rl_valid(double rate, double burst)
{
    return isfinite(rate) && isfinite(burst) && rate > 0.0 && burst >= 1.0;
}

rl_err rl_registry_new(const rl_limits *limits, rl_registry **out)
{
    rl_registry *r = NULL;
    pthread_condattr_t attr;
    rl_err result = RL_OK;
    bool have_attr = false, have_lock = false;

    *out = NULL;
    if (limits == NULL || !rl_valid(limits->rate, limits->burst) ||
        !rl_valid(limits->total_rate, limits->total_burst))
        return RL_ERR_INVALID;
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    r->rate = limits->rate;
    r->burst = limits->burst;
    rl_bucket_init(&r->total.bucket, limits->total_rate, limits->total_burst, rl_now());
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
    struct rl_total *all = &r->total;
    struct rl_org *o;
    rl_err result = RL_OK;
    bool have_slot = false, have_total = false;
    double slot = 0.0, total = 0.0;
    uint64_t slot_gen = 0, all_gen = 0;

    pthread_mutex_lock(&r->lock);
    o = rl_org_get(r, org, rl_now());
    if (o == NULL) {
        result = RL_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        double now = rl_now();
        double pause = o->pause_until > all->pause_until ? o->pause_until : all->pause_until;

        if (atomic_load(&r->cancelled)) {
            result = RL_ERR_CANCELLED;
            goto out;
        }
        if (now < pause) {
            rl_wait_until(r, pause);
            continue;
        }
        /* A pause that began after our reservations forfeits them: going at the end of the
         * pause together with everyone else who had a slot inside it would be a burst the
         * buckets never granted. */
        if (have_slot && (slot_gen != o->pause_gen || all_gen != all->pause_gen))
            have_slot = have_total = false;
        if (!have_slot) {
            slot = now + rl_take(&o->bucket, now);
            slot_gen = o->pause_gen;
            all_gen = all->pause_gen;
            have_slot = true;
        }
        if (now < slot) {
            rl_wait_until(r, slot);
            continue;
        }
        /* The organization's turn has come: now its place in the shared budget. */
        if (!have_total) {
            total = now + rl_take(&all->bucket, now);
            have_total = true;
        }
        if (now >= total) {
            /* The organization's token is spent now, not at its slot. */
            rl_settle(&o->bucket, now);
            break;
        }
        rl_wait_until(r, total);
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

/* Grows the pause of all to `until` and wakes the waiters; the caller holds the lock. */
static void rl_pause_all_locked(rl_registry *r, double until)
{
    if (until > r->total.pause_until) {
        r->total.pause_until = until;
        r->total.pause_gen++;
        pthread_cond_broadcast(&r->wake);
    }
}

void rl_pause_all_until(rl_registry *r, double until)
{
    pthread_mutex_lock(&r->lock);
    rl_pause_all_locked(r, until);
    pthread_mutex_unlock(&r->lock);
}

double rl_paused_all_until(rl_registry *r)
{
    double until;

    pthread_mutex_lock(&r->lock);
    until = r->total.pause_until;
    pthread_mutex_unlock(&r->lock);
    return until;
}

bool rl_bare_429(rl_registry *r, const char *org, double seconds)
{
    bool all;

    pthread_mutex_lock(&r->lock);
    double now = rl_now();
    all = rl_bare429_note(&r->total.bare, org, now);
    if (all)
        rl_pause_all_locked(r, now + seconds);
    pthread_mutex_unlock(&r->lock);
    return all;
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
