/*
 * engine.c - the engine's threads and queues: a queue and a worker thread per organization,
 * a start-up queue and the starter thread that learns the organizations, and the snapshots
 * other threads read. The work itself is round.c's. See engine.h.
 *
 * Threads, locks and ownership:
 * - `e->lock` guards the start-up queue, `orgs_known` and the publication of the worker list
 *   (which never changes once published). The webhook path takes it only for a pointer read
 *   or, before the organizations are known, the copy into the start-up queue.
 * - Each worker's `inbox_lock` guards its queue; the HTTP threads hold it for one copy.
 * - Each worker's `snap_lock` guards its published snapshot pointer and readiness fields; a
 *   reader holds it only to take a reference, so rendering /status (even of 10,000 networks)
 *   happens with no lock held and never stands in the webhook path's way.
 * - Everything else about an organization (API client, peer cache, status model, pending
 *   confirmations) is private to its worker thread: its events run in order on one thread, so
 *   two actions on one network never race.
 *
 * Why a worker keeps no decision state: the tags say where a network stands and the loss data
 * proves the windows, so a worker can be killed at any point and a new process decides the
 * same thing at the same moment. What a worker remembers (confirmations, peers, last actions)
 * only saves API calls or feeds /status.
 */
#include "tagfailover/engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"
#include "tagfailover/metrics.h"
#include "tagfailover/round.h"

#include "engine_int.h"

/* Alerts a worker takes from its queue at once, and the due confirmations one round serves
 * with one data read: a whole queue. A data center's worth of alerts that arrived together is
 * then one or two rounds with full action batches, not rounds of 64 that each read the data
 * again and end in a part batch (1,000 branches took 13.7 s instead of under 10). */
#define ENGINE_TAKE_MAX TF_ORG_QUEUE_CAPACITY

/* With bulk_retag, a burst of alerts is gathered before its first confirmation round, so a
 * data center's outage becomes one round (one listing read, action batches) instead of one
 * alone and the rest together: the worker waits until no alert has come for
 * ENGINE_GATHER_QUIET_MS, at most ENGINE_GATHER_MAX_MS. An isolated alert pays the quiet
 * time once. */
#define ENGINE_GATHER_QUIET_MS 50
#define ENGINE_GATHER_MAX_MS   250

uint64_t engine_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int64_t engine_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Turns a monotonic deadline into the CLOCK_MONOTONIC timespec the condvars wait on. */
static struct timespec engine_abs(uint64_t due_ms)
{
    struct timespec ts = {.tv_sec = (time_t)(due_ms / 1000),
                          .tv_nsec = (long)(due_ms % 1000) * 1000000L};
    return ts;
}

static void engine_cond_init(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
}

/* ---- Snapshots ------------------------------------------------------------------------------ */

void engine_snap_unref(engine_snap *s)
{
    if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1) {
        status_org_clear(&s->org);
        free(s);
    }
}

/* The worker's current snapshot, with a reference the caller drops with snap_unref. */
engine_snap *engine_snap_take(org_worker *w)
{
    pthread_mutex_lock(&w->snap_lock);
    engine_snap *s = w->snap;
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
    pthread_mutex_unlock(&w->snap_lock);
    return s;
}

/* Publishes a copy of the worker's model; on a failed copy the old snapshot stays. */
static void snap_publish(org_worker *w)
{
    engine_snap *s = calloc(1, sizeof(*s));
    if (s == NULL || status_org_copy(&w->org.model, &s->org) != STATUS_OK) {
        free(s);
        log_msg(LOG_WARN, "engine", "org %s: out of memory publishing /status", w->org.model.id);
        return;
    }
    atomic_init(&s->refs, 1);
    pthread_mutex_lock(&w->snap_lock);
    engine_snap *old = w->snap;
    w->snap = s;
    pthread_mutex_unlock(&w->snap_lock);
    engine_snap_unref(old);

    long counts[LOOK_MANAGED_STATES];
    status_org_census(&w->org.model, counts);
    metrics_set_networks(w->index, counts);
}

/* ---- Life cycle ----------------------------------------------------------------------------- */

engine *engine_new(const config *cfg)
{
    engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->cfg = cfg;
    e->dry_run = cfg->dry_run;
    atomic_init(&e->stopping, false);
    /* calloc leaves the queue's pages untouched until used, so an idle daemon's RSS does not
     * pay for the whole capacity. */
    e->ring = calloc(TF_ORG_QUEUE_CAPACITY, sizeof(*e->ring));
    dash_options o;
    fetch_dash_options(cfg, &o);
    if (e->ring == NULL || dash_shared_new(&o, &e->api) != DASH_OK) {
        free(e->ring);
        free(e);
        return NULL;
    }
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->pings_lock, NULL);
    engine_cond_init(&e->wake);
    return e;
}

void engine_set_dry_run(engine *e, bool dry_run)
{
    e->dry_run = e->dry_run || dry_run;
}

void engine_set_notify(engine *e, void (*notify)(void *ctx, const notify_msg_event *ev), void *ctx)
{
    e->notify = notify;
    e->notify_ctx = ctx;
}

static void worker_free(org_worker *w)
{
    if (w == NULL)
        return;
    free(w->inbox);
    pthread_mutex_destroy(&w->inbox_lock);
    pthread_cond_destroy(&w->inbox_wake);
    pthread_mutex_destroy(&w->snap_lock);
    engine_snap_unref(w->snap);
    round_org_clear(&w->org);
    sched_free(&w->confirms);
    free(w);
}

/* ---- The live pings in flight ------------------------------------------------------------- */

/* Remembers that `w` waits for ping `id` (round_ping_hooks.add). A full registry only costs
 * the callback: the ping is then judged at its timeout. */
static void engine_ping_add(void *ctx, const char *id)
{
    org_worker *w = ctx;
    engine *e = w->e;
    pthread_mutex_lock(&e->pings_lock);
    if (e->n_pings == e->cap_pings) {
        size_t cap = e->cap_pings ? e->cap_pings * 2 : 16;
        engine_ping *v = realloc(e->pings, cap * sizeof(*v));
        if (v == NULL) {
            pthread_mutex_unlock(&e->pings_lock);
            return;
        }
        e->pings = v;
        e->cap_pings = cap;
    }
    engine_ping *p = &e->pings[e->n_pings++];
    snprintf(p->id, sizeof(p->id), "%s", id);
    p->w = w;
    pthread_mutex_unlock(&e->pings_lock);
}

/* Forgets ping `id` (round_ping_hooks.remove). */
static void engine_ping_remove(void *ctx, const char *id)
{
    org_worker *w = ctx;
    engine *e = w->e;
    pthread_mutex_lock(&e->pings_lock);
    for (size_t i = 0; i < e->n_pings; i++) {
        if (e->pings[i].w == w && strcmp(e->pings[i].id, id) == 0) {
            e->pings[i] = e->pings[--e->n_pings];
            break;
        }
    }
    pthread_mutex_unlock(&e->pings_lock);
}

/* The organization thread that waits for ping `id`, or NULL. */
org_worker *engine_ping_owner(engine *e, const char *id)
{
    org_worker *w = NULL;
    pthread_mutex_lock(&e->pings_lock);
    for (size_t i = 0; i < e->n_pings && w == NULL; i++)
        if (strcmp(e->pings[i].id, id) == 0)
            w = e->pings[i].w;
    pthread_mutex_unlock(&e->pings_lock);
    return w;
}

/* A reconcile's VPN status hint: a confirmation as an alert would start, with the peer's IP
 * as its trigger (round_org.on_hint; on the worker's own thread). */
static void worker_hint(void *ctx, const char *network_id, const char *peer_ip)
{
    org_worker *w = ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t wall = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    size_t slot;
    if (sched_add(&w->confirms, network_id, peer_ip, now, wall, now, &slot) == SCHED_STARTED) {
        sched_entry_at(&w->confirms, slot)->vpn_status = true;
        round_confirm_started(&w->org, sched_get(&w->confirms, slot));
    }
}

static org_worker *worker_new(engine *e, const char *id, const char *name, unsigned index)
{
    const config *cfg = e->cfg;
    org_worker *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->e = e;
    w->index = index;
    pthread_mutex_init(&w->inbox_lock, NULL);
    engine_cond_init(&w->inbox_wake);
    pthread_mutex_init(&w->snap_lock, NULL);
    sched_init(&w->confirms, (uint64_t)cfg->confirm_interval_s * 1000u,
               (uint64_t)cfg->confirm_window_s * 1000u, TF_MAX_CONFIRMATIONS);
    w->inbox = calloc(TF_ORG_QUEUE_CAPACITY, sizeof(*w->inbox));
    if (w->inbox == NULL || round_org_init(&w->org, id, name) != ROUND_OK) {
        worker_free(w);
        return NULL;
    }
    w->org.pings = (round_ping_hooks){engine_ping_add, engine_ping_remove, w};
    w->org.on_hint = worker_hint;
    w->org.hint_ctx = w;
    snap_publish(w);
    if (w->snap == NULL) {
        worker_free(w);
        return NULL;
    }
    return w;
}

/* ---- The worker thread ---------------------------------------------------------------------- */

/* Starts a confirmation for the alert's network, or joins the one under way; or hands a
 * live ping's result to the confirmation that waits for it. */
static void worker_alert(org_worker *w, const apply_env *env, const alert_event *a, uint64_t now)
{
    size_t slot;
    if (a->kind == ALERT_EVENT_PING_RESULT) {
        if (!round_live_result(env, &w->org, &w->confirms, a))
            log_msg(LOG_DEBUG, "live_ping", "callback %s: ping %s is no longer awaited",
                    a->alert_id, a->ping_id);
        return;
    }
    if (!engine_unknown_admit(w, env, a))
        return;
    int64_t since = engine_wall_ms() - (int64_t)(now - a->received_ms);
    switch (
        sched_add(&w->confirms, a->network_id, a->alert_id, a->received_ms, since, now, &slot)) {
    case SCHED_STARTED:
        sched_note_serial(&w->confirms, slot, a->device_serial);
        round_confirm_started(&w->org, sched_get(&w->confirms, slot));
        break;
    case SCHED_JOINED:
        sched_note_serial(&w->confirms, slot, a->device_serial);
        log_msg(LOG_DEBUG, "confirmation_joined",
                "network %s: alert %s joins the confirmation started by alert %s", a->network_id,
                a->alert_id, sched_get(&w->confirms, slot)->alert_id);
        break;
    case SCHED_FULL:
    case SCHED_NOMEM:
        metrics_confirmation(METRICS_CONFIRM_SKIPPED);
        log_msg(LOG_WARN, "confirmation",
                "network %s: %d confirmations already pending (or no memory); the reconcile will "
                "look at it",
                a->network_id, TF_MAX_CONFIRMATIONS);
        break;
    }
}

/* The calling thread's CPU time in seconds (what one reconcile costs, for the debug log and
 * scripts/bench.sh scale). */
static double engine_thread_cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Publishes the outcome of a reconcile for /readyz and logs it (at debug: its API calls, wall
 * time and the organization thread's CPU time). */
static void worker_reconciled(org_worker *w, round_err rc, const round_stats *st,
                              const dash_error *err, uint64_t wall_ms, double cpu_s)
{
    pthread_mutex_lock(&w->snap_lock);
    if (rc == ROUND_OK) {
        w->reconciled = true;
        w->last_ok_ms = engine_now_ms();
        w->last_error[0] = '\0';
    } else {
        snprintf(w->last_error, sizeof(w->last_error), "%s: %s", round_strerror(rc), err->message);
    }
    pthread_mutex_unlock(&w->snap_lock);
    if (rc == ROUND_OK)
        metrics_set_reconcile_success(w->org.model.id, (double)engine_wall_ms() / 1000.0);
    if (rc == ROUND_OK)
        log_msg(LOG_DEBUG, "reconcile",
                "org %s: %zu managed, %zu failovers, %zu failbacks, %zu failed, %lu API calls, "
                "%llu ms, %.3f s CPU",
                w->org.model.id, st->managed, st->failovers, st->failbacks, st->failed,
                st->api_calls, (unsigned long long)wall_ms, cpu_s);
    else if (err->code != DASH_ERR_CANCELLED)
        log_msg(LOG_WARN, "reconcile_failed", "org %s: %s: %s (HTTP %ld)", w->org.model.id,
                round_strerror(rc), err->message, err->http_status);
}

/* After alerts arrived: waits for the rest of a burst (see ENGINE_GATHER_QUIET_MS) and
 * takes them, up to `max` in all. */
static void worker_gather(org_worker *w, alert_event *batch, size_t max, size_t *n)
{
    engine *e = w->e;
    uint64_t start = engine_now_ms();
    pthread_mutex_lock(&w->inbox_lock);
    while (*n < max && !atomic_load(&e->stopping)) {
        uint64_t now = engine_now_ms();
        if (w->inbox_count == 0) {
            if (now - start >= ENGINE_GATHER_MAX_MS)
                break;
            struct timespec until = engine_abs(now + ENGINE_GATHER_QUIET_MS);
            if (pthread_cond_timedwait(&w->inbox_wake, &w->inbox_lock, &until) == ETIMEDOUT &&
                w->inbox_count == 0)
                break;
            continue;
        }
        while (w->inbox_count > 0 && *n < max) {
            batch[(*n)++] = w->inbox[w->inbox_head];
            w->inbox_head = (w->inbox_head + 1) % TF_ORG_QUEUE_CAPACITY;
            w->inbox_count--;
        }
    }
    pthread_mutex_unlock(&w->inbox_lock);
}

/* Waits until an alert arrives, something is due, or the engine stops; then takes up to
 * `max` alerts. Returns false when stopping. */
static bool worker_wait(org_worker *w, alert_event *batch, size_t max, size_t *n)
{
    engine *e = w->e;
    *n = 0;
    pthread_mutex_lock(&w->inbox_lock);
    while (!atomic_load(&e->stopping) && w->inbox_count == 0) {
        uint64_t due = w->reconcile_due_ms, c;
        if (sched_next_due(&w->confirms, &c) && c < due)
            due = c;
        if (due <= engine_now_ms())
            break;
        struct timespec until = engine_abs(due);
        pthread_cond_timedwait(&w->inbox_wake, &w->inbox_lock, &until);
    }
    while (w->inbox_count > 0 && *n < max) {
        batch[(*n)++] = w->inbox[w->inbox_head];
        w->inbox_head = (w->inbox_head + 1) % TF_ORG_QUEUE_CAPACITY;
        w->inbox_count--;
    }
    pthread_mutex_unlock(&w->inbox_lock);
    return !atomic_load(&e->stopping);
}

static void *worker_main(void *arg)
{
    org_worker *w = arg;
    engine *e = w->e;
    const uint64_t interval_ms = (uint64_t)e->cfg->reconcile_interval_s * 1000u;
    alert_event *batch = calloc(ENGINE_TAKE_MAX, sizeof(*batch));
    size_t *due = calloc(ENGINE_TAKE_MAX, sizeof(*due));
    size_t n;

    if (batch == NULL || due == NULL || dash_client_new(e->api, &w->client) != DASH_OK) {
        log_msg(LOG_ERROR, "engine", "org %s: cannot create an API client (or out of memory)",
                w->org.model.id);
        free(batch);
        free(due);
        return NULL;
    }
    const apply_env env = {.cfg = e->cfg,
                           .client = w->client,
                           .dry_run = e->dry_run,
                           .notify = e->notify,
                           .notify_ctx = e->notify_ctx};
    w->reconcile_due_ms = engine_now_ms(); /* the first reconcile runs at once */

    while (worker_wait(w, batch, ENGINE_TAKE_MAX, &n)) {
        bool alerts = false;
        for (size_t i = 0; i < n; i++)
            alerts = alerts || batch[i].kind == ALERT_EVENT_ALERT;
        if (alerts && e->cfg->bulk_retag)
            worker_gather(w, batch, ENGINE_TAKE_MAX, &n);
        uint64_t now = engine_now_ms();
        for (size_t i = 0; i < n; i++)
            worker_alert(w, &env, &batch[i], now);
        /* Live pings whose poll or timeout is due. */
        size_t k;
        while ((k = sched_take_ping_due(&w->confirms, now, due, ENGINE_TAKE_MAX)) > 0 &&
               !atomic_load(&e->stopping))
            round_live_poll(&env, &w->org, &w->confirms, due, k);
        /* Every due confirmation first, so a failover is never delayed by a full read. One
         * round serves up to ENGINE_TAKE_MAX of them with one data read. */
        while ((k = sched_take_due(&w->confirms, now, due, ENGINE_TAKE_MAX)) > 0 &&
               !atomic_load(&e->stopping))
            round_confirm(&env, &w->org, &w->confirms, due, k, e->api);
        if (w->reconcile_due_ms <= now && !atomic_load(&e->stopping)) {
            round_stats st;
            dash_error err = {0};
            uint64_t t0 = engine_now_ms();
            double cpu0 = engine_thread_cpu_s();
            round_err rc = round_reconcile(&env, &w->org, false, &st, &err);
            worker_reconciled(w, rc, &st, &err, engine_now_ms() - t0, engine_thread_cpu_s() - cpu0);
            engine_unknown_reset(w);
            w->reconcile_due_ms = now + interval_ms;
        }
        metrics_set_confirmations_pending(w->index, (long)w->confirms.n);
        snap_publish(w);
    }
    dash_client_free(w->client);
    w->client = NULL;
    free(batch);
    free(due);
    return NULL;
}

/* ---- The starter ---------------------------------------------------------------------------- */

static int worker_cmp(const void *a, const void *b)
{
    const org_worker *x = *(org_worker *const *)a, *y = *(org_worker *const *)b;
    return strcmp(x->org.model.id, y->org.model.id);
}

org_worker *engine_find_worker(org_worker *const *sorted, size_t n, const char *org_id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sorted[mid]->org.model.id, org_id);
        if (c == 0)
            return sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Copies an alert into a worker's queue; false when it is full. */
bool engine_worker_push(org_worker *w, const alert_event *a)
{
    bool ok = false;
    pthread_mutex_lock(&w->inbox_lock);
    if (w->inbox_count < TF_ORG_QUEUE_CAPACITY) {
        w->inbox[(w->inbox_head + w->inbox_count) % TF_ORG_QUEUE_CAPACITY] = *a;
        w->inbox_count++;
        pthread_cond_signal(&w->inbox_wake);
        ok = true;
    }
    pthread_mutex_unlock(&w->inbox_lock);
    return ok;
}

/* An alert for an organization the daemon does not manage. */
void engine_skip_alert(const alert_event *a)
{
    metrics_confirmation(METRICS_CONFIRM_SKIPPED);
    log_msg(LOG_INFO, "confirmation", "alert %s for network %s: organization %s is not managed",
            a->alert_id, a->network_id, a->organization_id);
}

/* Publishes the workers and moves the start-up queue into their queues; called with e->lock
 * held, so no alert can overtake the ones queued before. */
static void engine_publish_workers(engine *e, org_worker **workers, org_worker **sorted, size_t n)
{
    e->workers = workers;
    e->sorted = sorted;
    e->n_workers = n;
    e->orgs_known = true;
    for (; e->count > 0; e->count--) {
        const alert_event *a = &e->ring[e->head];
        e->head = (e->head + 1) % TF_ORG_QUEUE_CAPACITY;
        org_worker *w = engine_find_worker(sorted, n, a->organization_id);
        if (w == NULL)
            engine_skip_alert(a);
        else if (!engine_worker_push(w, a))
            log_msg(LOG_WARN, "engine",
                    "org %s: queue full; dropping alert %s (the reconcile "
                    "will look at network %s)",
                    a->organization_id, a->alert_id, a->network_id);
    }
}

/* Reads the organization list and starts one worker per organization. */
static bool starter_start_workers(engine *e, dash_client *client)
{
    const fetch_env env = {.cfg = e->cfg, .client = client};
    char **ids = NULL, **names = NULL;
    size_t n = 0;
    dash_error err = {0};

    if (fetch_organizations(&env, &ids, &names, &n, &err) != FETCH_OK) {
        if (err.code != DASH_ERR_CANCELLED)
            log_msg(LOG_WARN, "organizations",
                    "cannot list the organizations: %s (HTTP %ld); retrying in %d s", err.message,
                    err.http_status, e->cfg->reconcile_interval_s);
        return false;
    }
    org_worker **workers = n > 0 ? calloc(n, sizeof(*workers)) : NULL;
    org_worker **sorted = n > 0 ? calloc(n, sizeof(*sorted)) : NULL;
    size_t started = 0;
    for (size_t i = 0; i < n && workers != NULL && sorted != NULL; i++) {
        org_worker *w = worker_new(e, ids[i], names[i], (unsigned)i);
        if (w == NULL)
            break;
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            worker_free(w);
            break;
        }
        w->thread_started = true;
        workers[started] = sorted[started] = w;
        started++;
    }
    if (started < n)
        log_msg(LOG_ERROR, "engine", "started %zu of %zu organization threads", started, n);
    log_msg(LOG_INFO, "organizations", "managing %zu organization%s (shard %u/%u)", started,
            started == 1 ? "" : "s", e->cfg->shard.index, e->cfg->shard.count);
    if (started > 1)
        qsort(sorted, started, sizeof(*sorted), worker_cmp);
    pthread_mutex_lock(&e->lock);
    engine_publish_workers(e, workers, sorted, started);
    pthread_mutex_unlock(&e->lock);
    fetch_strs_free(ids, n);
    fetch_strs_free(names, n);
    return true;
}

static void *starter_main(void *arg)
{
    engine *e = arg;
    dash_client *client = NULL;

    if (dash_client_new(e->api, &client) != DASH_OK) {
        log_msg(LOG_ERROR, "engine", "cannot create an API client");
        return NULL;
    }
    while (!atomic_load(&e->stopping) && !starter_start_workers(e, client)) {
        uint64_t due = engine_now_ms() + (uint64_t)e->cfg->reconcile_interval_s * 1000u;
        struct timespec until = engine_abs(due);
        pthread_mutex_lock(&e->lock);
        while (!atomic_load(&e->stopping) && engine_now_ms() < due &&
               pthread_cond_timedwait(&e->wake, &e->lock, &until) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&e->lock);
    }
    dash_client_free(client);
    return NULL;
}

engine_err engine_start(engine *e)
{
    engine_err err = ENGINE_OK;

    pthread_mutex_lock(&e->lock);
    if (e->started || atomic_load(&e->stopping)) {
        err = ENGINE_ERR_STATE;
        goto out;
    }
    if (pthread_create(&e->starter, NULL, starter_main, e) != 0) {
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
    bool was = atomic_exchange(&e->stopping, true);
    pthread_mutex_lock(&e->lock);
    bool join = e->started && !was;
    if (e->count > 0)
        log_msg(LOG_INFO, "engine_stop", "dropping %zu queued alerts", e->count);
    pthread_cond_broadcast(&e->wake);
    pthread_mutex_unlock(&e->lock);
    /* Rate-limit and Retry-After waits end now; a request already on the wire finishes, so
     * the action in flight is completed or cleanly failed, never half-done. */
    dash_shared_cancel(e->api);
    if (!join)
        return;
    pthread_join(e->starter, NULL);
    /* The starter has exited, so the worker list no longer changes. */
    for (size_t i = 0; i < e->n_workers; i++) {
        org_worker *w = e->workers[i];
        pthread_mutex_lock(&w->inbox_lock);
        pthread_cond_broadcast(&w->inbox_wake);
        pthread_mutex_unlock(&w->inbox_lock);
    }
    for (size_t i = 0; i < e->n_workers; i++)
        if (e->workers[i]->thread_started)
            pthread_join(e->workers[i]->thread, NULL);
}

void engine_free(engine *e)
{
    if (e == NULL)
        return;
    engine_stop(e);
    for (size_t i = 0; i < e->n_workers; i++)
        worker_free(e->workers[i]);
    free(e->workers);
    free(e->sorted);
    dash_shared_free(e->api);
    free(e->pings);
    pthread_mutex_destroy(&e->pings_lock);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->lock);
    free(e->ring);
    free(e);
}
