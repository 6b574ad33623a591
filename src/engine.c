/*
 * engine.c - the engine, first version: a bounded alert queue, a consumer thread that logs
 * what it pops, and the relevance snapshot (see engine.h for what the engine issue adds).
 *
 * The queue is a ring of engine_alert copies guarded by one mutex and one condition variable.
 * Producers (the HTTP threads) hold the mutex only to copy ~520 bytes and signal; the consumer
 * copies the alert out and releases the mutex before it works on it, so a slow engine never
 * stalls the listener: the listener sees a full ring and answers 503 instead.
 */
#include "tagfailover/engine.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tagfailover/log.h"

/* Bounds of the test knobs (engine.h). */
#define ENGINE_CAPACITY_MAX 65536
#define ENGINE_HOLD_MS_MAX  60000

struct engine {
    const config *cfg; /* borrowed; outlives the engine */

    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t wake;  /* signalled on submit and on stop */
    engine_alert *ring;   /* capacity slots */
    size_t capacity;
    size_t head;  /* next slot to pop */
    size_t count; /* alerts in the ring */
    bool started;
    bool stopping;

    /* Relevance snapshot. For now only the configured organizations; the engine issue adds
     * the organizations the key can see and the networks the last reconcile found unmanaged. */
    bool all_orgs; /* organization_ids empty: every organization counts */

    unsigned hold_ms; /* test knob TAGFAILOVER_ENGINE_HOLD_MS */
    pthread_t thread;
};

/* Reads an integer knob from the environment; `def` when unset or out of [lo, hi]. */
static long engine_knob(const char *name, long def, long lo, long hi)
{
    const char *s = getenv(name);
    if (s == NULL || *s == '\0')
        return def;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) {
        log_msg(LOG_WARN, "config", "ignoring %s: not an integer in %ld..%ld", name, lo, hi);
        return def;
    }
    return v;
}

engine *engine_new(const config *cfg)
{
    engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->cfg = cfg;
    e->capacity = (size_t)engine_knob("TAGFAILOVER_QUEUE_CAPACITY", ENGINE_QUEUE_CAPACITY, 1,
                                      ENGINE_CAPACITY_MAX);
    e->hold_ms = (unsigned)engine_knob("TAGFAILOVER_ENGINE_HOLD_MS", 0, 0, ENGINE_HOLD_MS_MAX);
    e->all_orgs = cfg->organization_ids.n == 0;
    /* calloc leaves the ring's pages untouched until used, so an idle daemon's RSS does not
     * pay for the whole capacity. */
    e->ring = calloc(e->capacity, sizeof(*e->ring));
    if (e->ring == NULL) {
        free(e);
        return NULL;
    }
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->wake, NULL);
    return e;
}

/* Sleeps `ms` milliseconds unless the engine is stopping; called with the lock held. */
static void engine_hold(engine *e, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!e->stopping && pthread_cond_timedwait(&e->wake, &e->lock, &until) != ETIMEDOUT)
        ;
}

/* Logs one alert taken from the queue. The engine issue replaces this with the confirmation
 * that DESIGN section 4 describes. */
static void engine_handle(const engine_alert *a, size_t waiting)
{
    if (!log_enabled(LOG_INFO))
        return;
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "org_id", json_object_new_string(a->organization_id));
    json_object_object_add(f, "network_id", json_object_new_string(a->network_id));
    json_object_object_add(f, "alert_id", json_object_new_string(a->alert_id));
    json_object_object_add(f, "alert_type_id", json_object_new_string(a->alert_type_id));
    json_object_object_add(f, "queued", json_object_new_int64((int64_t)waiting));
    log_event(LOG_INFO, "alert_queued", f);
}

/* The consumer: pops alerts in order until stopped. */
static void *engine_main(void *arg)
{
    engine *e = arg;
    engine_alert a;

    pthread_mutex_lock(&e->lock);
    for (;;) {
        while (e->count == 0 && !e->stopping)
            pthread_cond_wait(&e->wake, &e->lock);
        if (e->stopping)
            break;
        a = e->ring[e->head];
        size_t waiting = e->count - 1;
        if (e->hold_ms > 0) {
            /* Test knob: keep the slot occupied while "working", so the queue fills exactly
             * as it does when the real engine is busy with the API. */
            engine_hold(e, e->hold_ms);
            if (e->stopping)
                break;
        }
        e->head = (e->head + 1) % e->capacity;
        e->count--;
        pthread_mutex_unlock(&e->lock);
        engine_handle(&a, waiting);
        pthread_mutex_lock(&e->lock);
    }
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

engine_err engine_start(engine *e)
{
    engine_err err = ENGINE_OK;

    pthread_mutex_lock(&e->lock);
    if (e->started || e->stopping) {
        err = ENGINE_ERR_STATE;
        goto out;
    }
    if (pthread_create(&e->thread, NULL, engine_main, e) != 0) {
        err = ENGINE_ERR_THREAD;
        goto out;
    }
    e->started = true;
out:
    pthread_mutex_unlock(&e->lock);
    return err;
}

void engine_stop(engine *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&e->lock);
    bool join = e->started && !e->stopping;
    e->stopping = true;
    if (e->count > 0)
        log_msg(LOG_INFO, "engine_stop", "dropping %zu queued alerts", e->count);
    pthread_cond_broadcast(&e->wake);
    pthread_mutex_unlock(&e->lock);
    if (join)
        pthread_join(e->thread, NULL);
}

void engine_free(engine *e)
{
    if (e == NULL)
        return;
    engine_stop(e);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->lock);
    free(e->ring);
    free(e);
}

bool engine_submit_alert(engine *e, const engine_alert *a)
{
    bool ok = false;

    pthread_mutex_lock(&e->lock);
    if (e->stopping || e->count == e->capacity)
        goto out;
    e->ring[(e->head + e->count) % e->capacity] = *a;
    e->count++;
    pthread_cond_signal(&e->wake);
    ok = true;
out:
    pthread_mutex_unlock(&e->lock);
    return ok;
}

engine_relevance_result engine_relevance(engine *e, const char *org_id, const char *network_id)
{
    engine_relevance_result r = ENGINE_RELEVANT;

    (void)network_id; /* unmanaged networks are known once the engine reconciles */
    pthread_mutex_lock(&e->lock);
    if (!e->all_orgs && !config_strs_contains(&e->cfg->organization_ids, org_id))
        r = ENGINE_ORG_NOT_CONFIGURED;
    pthread_mutex_unlock(&e->lock);
    return r;
}

char *engine_status_json(engine *e)
{
    (void)e;
    return strdup("{\"organizations\": []}");
}

bool engine_ready(engine *e, char *why, size_t len)
{
    (void)e;
    if (len > 0) {
        strncpy(why, "no reconcile yet", len - 1);
        why[len - 1] = '\0';
    }
    return false;
}

size_t engine_queue_length(engine *e)
{
    pthread_mutex_lock(&e->lock);
    size_t n = e->count;
    pthread_mutex_unlock(&e->lock);
    return n;
}

const char *engine_strerror(engine_err err)
{
    switch (err) {
    case ENGINE_OK:
        return "success";
    case ENGINE_ERR_NOMEM:
        return "out of memory";
    case ENGINE_ERR_THREAD:
        return "cannot start the engine thread";
    case ENGINE_ERR_STATE:
        return "engine started twice or used after stop";
    }
    return "unknown engine error";
}
