/*
 * engine.c - the engine: the alert queue, one thread per organization, confirmations and
 * reconciles driven by a min-heap of timers. See engine.h.
 *
 * Threads and ownership:
 * - The HTTP threads only copy alerts into the ring (engine_submit_alert) and read the
 *   published snapshot (engine_relevance, engine_status_json, engine_ready), all under
 *   `e->lock`, which is never held across an API call.
 * - The dispatcher thread learns the organizations (organization_ids, or GET /organizations,
 *   retried every reconcile interval until it works), starts one worker per organization, and
 *   moves each alert from the ring into its organization's inbox. When an inbox is full the
 *   dispatcher waits, the ring fills, and the listener answers 503: back-pressure reaches
 *   Meraki instead of memory growing.
 * - Each worker thread owns everything about its organization: its API client, the peer cache,
 *   the pending confirmations, its timers and the actions it took. Nothing else touches them;
 *   a worker publishes only copies (its /status object as text, the unmanaged networks, when it
 *   last reconciled) under `e->lock`. So each organization's events run in order, on one
 *   thread, and two actions on one network never race.
 *
 * Why a worker keeps no decision state: the tags say where a network stands and the loss data
 * proves the windows, so a worker can be killed at any point and a new process decides the
 * same thing at the same moment. What a worker remembers (confirmations, peers, last actions)
 * only saves API calls or feeds /status.
 */
#include "tagfailover/engine.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"
#include "tagfailover/metrics.h"
#include "tagfailover/reconciler.h"

/* Bounds of the test knobs (engine.h). */
#define ENGINE_CAPACITY_MAX 65536
#define ENGINE_HOLD_MS_MAX  60000

/* Most confirmations one organization keeps pending; more alerts for new networks while this
 * many wait are left to the reconcile (logged and counted as skipped). */
#define ENGINE_MAX_CONFIRMATIONS 4096

/* A pending confirmation (DESIGN section 4). */
typedef struct {
    char network_id[TF_ID_MAX_LEN + 1];
    char alert_id[TF_ID_MAX_LEN + 1]; /* the alert that started it */
    uint64_t received_ms;             /* when that alert arrived (monotonic) */
    uint64_t deadline_ms;             /* received + confirm_window_s */
    unsigned looks;                   /* looks done so far */
    bool used;                        /* slot in use */
} engine_confirm;

/* One entry of the timer heap: what is due when. Entries are never removed early: a
 * confirmation that ended or was rescheduled leaves a stale entry, recognised by its
 * generation and dropped when it surfaces. */
typedef struct {
    uint64_t due_ms;
    uint32_t slot; /* ENGINE_TIMER_RECONCILE, or a confirmation slot */
    uint32_t gen;  /* the confirmation slot's generation when scheduled */
} engine_timer;

#define ENGINE_TIMER_RECONCILE UINT32_MAX

typedef struct org_worker org_worker;

struct engine {
    const config *cfg; /* borrowed; outlives the engine */
    bool dry_run;
    dash_shared *api; /* the API's shared state: rate limits, cancel flag */

    pthread_mutex_t lock; /* guards everything below, and each worker's published fields */
    pthread_cond_t wake;  /* signalled on submit, on stop and when an inbox has room */
    alert_event *ring;   /* the listener's queue: capacity slots */
    size_t capacity;
    size_t head;  /* next slot to pop */
    size_t count; /* alerts in the ring */
    bool started;
    bool stopping;

    bool orgs_known;      /* the organization list has been read */
    org_worker **workers; /* one per organization, once known */
    size_t n_workers;

    unsigned hold_ms; /* test knob TAGFAILOVER_ENGINE_HOLD_MS */
    pthread_t dispatcher;
};

struct org_worker {
    engine *e;
    char *id;       /* organization ID */
    char *name;     /* from GET /organizations; NULL when unknown */
    unsigned index; /* metrics slot */
    pthread_t thread;
    bool thread_started;

    /* Inbox, guarded by e->lock. */
    alert_event *inbox;
    size_t inbox_cap, inbox_head, inbox_count;
    pthread_cond_t inbox_wake; /* an alert arrived, or stopping */

    /* Published, guarded by e->lock. */
    char *status_json; /* this organization's /status object as text; NULL before */
    char **unmanaged;  /* sorted IDs of networks without pair tags */
    size_t n_unmanaged;
    bool reconciled;      /* a reconcile has ever succeeded */
    uint64_t last_ok_ms;  /* monotonic time of the last successful reconcile */
    char last_error[768]; /* why the last reconcile failed; "" when it did not */

    /* Private to the worker thread. */
    dash_client *client;
    rc_peer_cache peers;
    rc_action_log actions;
    engine_confirm *confirms; /* ENGINE_MAX_CONFIRMATIONS slots, allocated on first use */
    uint32_t *confirm_gen;
    size_t n_confirms;
    engine_timer *heap;
    size_t heap_len, heap_cap;
};

static uint64_t engine_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
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

/* ---- The timer heap (a binary min-heap on due_ms) ---------------------------------------- */

static bool heap_push(org_worker *w, engine_timer t)
{
    if (w->heap_len == w->heap_cap) {
        size_t cap = w->heap_cap ? w->heap_cap * 2 : 16;
        engine_timer *h = realloc(w->heap, cap * sizeof(*h));
        if (h == NULL)
            return false;
        w->heap = h;
        w->heap_cap = cap;
    }
    size_t i = w->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (w->heap[parent].due_ms <= t.due_ms)
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = t;
    return true;
}

static engine_timer heap_pop(org_worker *w)
{
    engine_timer top = w->heap[0];
    engine_timer last = w->heap[--w->heap_len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= w->heap_len)
            break;
        if (child + 1 < w->heap_len && w->heap[child + 1].due_ms < w->heap[child].due_ms)
            child++;
        if (last.due_ms <= w->heap[child].due_ms)
            break;
        w->heap[i] = w->heap[child];
        i = child;
    }
    if (w->heap_len > 0)
        w->heap[i] = last;
    return top;
}

/* True when a heap entry still stands for something (its confirmation was not ended). */
static bool heap_live(const org_worker *w, const engine_timer *t)
{
    if (t->slot == ENGINE_TIMER_RECONCILE)
        return true;
    return w->confirms[t->slot].used && w->confirm_gen[t->slot] == t->gen;
}

/* ---- Knobs ------------------------------------------------------------------------------- */

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

/* ---- Life cycle -------------------------------------------------------------------------- */

engine *engine_new(const config *cfg)
{
    engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->cfg = cfg;
    e->dry_run = cfg->dry_run;
    e->capacity = (size_t)engine_knob("TAGFAILOVER_QUEUE_CAPACITY", ENGINE_QUEUE_CAPACITY, 1,
                                      ENGINE_CAPACITY_MAX);
    e->hold_ms = (unsigned)engine_knob("TAGFAILOVER_ENGINE_HOLD_MS", 0, 0, ENGINE_HOLD_MS_MAX);
    /* calloc leaves the ring's pages untouched until used, so an idle daemon's RSS does not
     * pay for the whole capacity. */
    e->ring = calloc(e->capacity, sizeof(*e->ring));
    dash_options o;
    rc_dash_options(cfg, &o);
    if (e->ring == NULL || dash_shared_new(&o, &e->api) != DASH_OK) {
        free(e->ring);
        free(e);
        return NULL;
    }
    pthread_mutex_init(&e->lock, NULL);
    engine_cond_init(&e->wake);
    return e;
}

void engine_set_dry_run(engine *e, bool dry_run)
{
    e->dry_run = e->dry_run || dry_run;
}

static void worker_free(org_worker *w)
{
    if (w == NULL)
        return;
    free(w->id);
    free(w->name);
    free(w->inbox);
    pthread_cond_destroy(&w->inbox_wake);
    free(w->status_json);
    rc_strs_free(w->unmanaged, w->n_unmanaged);
    free(w->confirms);
    free(w->confirm_gen);
    free(w->heap);
    free(w);
}

static org_worker *worker_new(engine *e, const char *id, const char *name, unsigned index)
{
    org_worker *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->e = e;
    w->index = index;
    w->id = strdup(id);
    w->name = name != NULL ? strdup(name) : NULL;
    w->inbox_cap = e->capacity;
    w->inbox = calloc(w->inbox_cap, sizeof(*w->inbox));
    engine_cond_init(&w->inbox_wake);
    if (w->id == NULL || (name != NULL && w->name == NULL) || w->inbox == NULL) {
        worker_free(w);
        return NULL;
    }
    return w;
}

/* ---- Confirmations ----------------------------------------------------------------------- */

static engine_confirm *confirm_find(org_worker *w, const char *network_id)
{
    for (size_t i = 0; i < ENGINE_MAX_CONFIRMATIONS && w->confirms != NULL; i++)
        if (w->confirms[i].used && strcmp(w->confirms[i].network_id, network_id) == 0)
            return &w->confirms[i];
    return NULL;
}

static void confirm_end(org_worker *w, engine_confirm *c, metrics_confirm_result result,
                        const char *why)
{
    static const char *const names[] = {"confirmed", "unconfirmed", "skipped"};
    metrics_confirmation(result);
    struct json_object *f = json_object_new_object();
    if (f != NULL) {
        json_object_object_add(f, "org_id", json_object_new_string(w->id));
        json_object_object_add(f, "network_id", json_object_new_string(c->network_id));
        json_object_object_add(f, "alert_id", json_object_new_string(c->alert_id));
        json_object_object_add(f, "result", json_object_new_string(names[result]));
        json_object_object_add(f, "looks", json_object_new_int64(c->looks));
        json_object_object_add(f, "why", json_object_new_string(why));
    }
    log_event(LOG_INFO, "confirmation", f);
    c->used = false;
    w->n_confirms--;
}

/* Starts a confirmation for the alert's network, or joins the one under way. */
static void confirm_start(org_worker *w, const alert_event *a, uint64_t now)
{
    const config *cfg = w->e->cfg;
    engine_confirm *c = confirm_find(w, a->network_id);
    if (c != NULL) {
        log_msg(LOG_DEBUG, "confirmation_joined",
                "network %s: alert %s joins the confirmation "
                "started by alert %s",
                a->network_id, a->alert_id, c->alert_id);
        return;
    }
    if (w->confirms == NULL) {
        w->confirms = calloc(ENGINE_MAX_CONFIRMATIONS, sizeof(*w->confirms));
        w->confirm_gen = calloc(ENGINE_MAX_CONFIRMATIONS, sizeof(*w->confirm_gen));
        if (w->confirms == NULL || w->confirm_gen == NULL) {
            free(w->confirms);
            free(w->confirm_gen);
            w->confirms = NULL;
            w->confirm_gen = NULL;
        }
    }
    size_t slot = ENGINE_MAX_CONFIRMATIONS;
    for (size_t i = 0; w->confirms != NULL && i < ENGINE_MAX_CONFIRMATIONS; i++) {
        if (!w->confirms[i].used) {
            slot = i;
            break;
        }
    }
    if (slot == ENGINE_MAX_CONFIRMATIONS) {
        metrics_confirmation(METRICS_CONFIRM_SKIPPED);
        log_msg(LOG_WARN, "confirmation",
                "network %s: %d confirmations already pending; the "
                "reconcile will look at it",
                a->network_id, ENGINE_MAX_CONFIRMATIONS);
        return;
    }
    c = &w->confirms[slot];
    memset(c, 0, sizeof(*c));
    memcpy(c->network_id, a->network_id, sizeof(c->network_id));
    memcpy(c->alert_id, a->alert_id, sizeof(c->alert_id));
    c->received_ms = a->received_ms;
    c->deadline_ms = a->received_ms + (uint64_t)cfg->confirm_window_s * 1000u;
    c->used = true;
    w->confirm_gen[slot]++;
    w->n_confirms++;
    if (!heap_push(
            w, (engine_timer){.due_ms = now, .slot = (uint32_t)slot, .gen = w->confirm_gen[slot]}))
        confirm_end(w, c, METRICS_CONFIRM_SKIPPED, "out of memory");
}

/* Schedules the confirmation's next look, or ends it as unconfirmed past its window.
 *
 * Looks keep a fixed cadence from the alert (received + k x confirm_interval_s, the last at
 * received + confirm_window_s) instead of counting the interval from when a look finished:
 * counted from the end, the time each look spends on the API (and on pacing) pushes every
 * later look back, the look at the end of the window no longer fits, and the confirmation
 * gives up one interval early. A look that ran late skips the grid points already past
 * rather than firing several looks back to back. */
static void confirm_again(org_worker *w, engine_confirm *c, uint64_t now, const char *why)
{
    const uint64_t interval = (uint64_t)w->e->cfg->confirm_interval_s * 1000u;
    uint64_t since = now > c->received_ms ? now - c->received_ms : 0;
    uint64_t next = c->received_ms + (since / interval + 1) * interval;
    if (next > c->deadline_ms) {
        confirm_end(w, c, METRICS_CONFIRM_UNCONFIRMED, why);
        return;
    }
    /* A new generation makes every older entry of this confirmation stale: the heap holds
     * exactly one live entry per pending confirmation, whatever woke the round. */
    size_t slot = (size_t)(c - w->confirms);
    w->confirm_gen[slot]++;
    if (!heap_push(
            w, (engine_timer){.due_ms = next, .slot = (uint32_t)slot, .gen = w->confirm_gen[slot]}))
        confirm_end(w, c, METRICS_CONFIRM_UNCONFIRMED, "out of memory");
}

/* One look for every pending confirmation of the organization: one data read, then for each
 * network the retag path (fresh GET, decision, PUT when it says failover). */
static void confirm_round(org_worker *w, uint64_t now)
{
    engine *e = w->e;
    rc_env env = {.cfg = e->cfg, .client = w->client, .dry_run = e->dry_run};
    rc_data d;
    look_ctx *ctx = NULL;
    dash_error err = {0};

    if (rc_read(&env, w->id, &w->peers, false, time(NULL), (double)now / 1000.0, &d, &err) !=
            RC_OK ||
        look_ctx_new(&d.look, e->cfg, &ctx) != LOOK_OK) {
        if (err.code != DASH_ERR_CANCELLED)
            log_msg(LOG_WARN, "confirm_look_failed", "org %s: %s (HTTP %ld)", w->id,
                    err.message[0] ? err.message : "out of memory", err.http_status);
        for (size_t i = 0; i < ENGINE_MAX_CONFIRMATIONS; i++)
            if (w->confirms[i].used)
                confirm_again(w, &w->confirms[i], engine_now_ms(),
                              "the loss data could not be read");
        rc_data_free(&d);
        return;
    }

    for (size_t i = 0; i < ENGINE_MAX_CONFIRMATIONS && w->n_confirms > 0; i++) {
        engine_confirm *c = &w->confirms[i];
        if (!c->used)
            continue;
        if (dash_shared_cancelled(e->api))
            break;
        c->looks++;
        rc_trigger trig = {.kind = METRICS_TRIGGER_WEBHOOK, .alert_id = c->alert_id};
        look_result seen;
        bool done = false;
        dash_error rerr = {0};
        memset(&seen, 0, sizeof(seen));
        seen.tags.state = TAGS_UNMANAGED;
        rc_err rc = rc_retag(&env, w->id, c->network_id, POLICY_FAILOVER, ctx, d.t1, TAGS_HOLD_KEEP,
                             &trig, &w->actions, &done, &seen, &rerr);
        uint64_t t = engine_now_ms();
        char why[768];
        if (rc == RC_OK && done) {
            if (!e->dry_run)
                metrics_observe_alert_to_retag((double)(t - c->received_ms) / 1000.0);
            snprintf(why, sizeof(why), "%s; failed over %.3f s after the alert", seen.decision.why,
                     (double)(t - c->received_ms) / 1000.0);
            confirm_end(w, c, METRICS_CONFIRM_CONFIRMED, why);
        } else if (rc == RC_OK && (seen.tags.state != TAGS_NORMAL || seen.tracked_ip == NULL)) {
            if (seen.tags.state == TAGS_NORMAL)
                snprintf(why, sizeof(why), "network has no tracked IP");
            else if (seen.tags.state == TAGS_HELD || seen.tags.state == TAGS_INVALID)
                snprintf(why, sizeof(why), "network is %s (%s)", tags_state_name(seen.tags.state),
                         tf_reason_name(seen.tags.reason));
            else
                snprintf(why, sizeof(why), "network is %s", tags_state_name(seen.tags.state));
            confirm_end(w, c, METRICS_CONFIRM_SKIPPED, why);
        } else if (rc == RC_OK) {
            snprintf(why, sizeof(why), "%s: %s", tf_reason_name(seen.decision.reason),
                     seen.decision.why);
            confirm_again(w, c, t, why);
        } else if (rc == RC_ERR_API && rerr.http_status == 404) {
            confirm_end(w, c, METRICS_CONFIRM_SKIPPED, "unknown network");
        } else {
            snprintf(why, sizeof(why), "%s: %s", rc_strerror(rc), rerr.message);
            confirm_again(w, c, t, why);
        }
    }
    look_ctx_free(ctx);
    rc_data_free(&d);
}

/* ---- Reconcile ---------------------------------------------------------------------------- */

static void reconcile_round(org_worker *w)
{
    engine *e = w->e;
    rc_env env = {.cfg = e->cfg, .client = w->client, .dry_run = e->dry_run};
    struct json_object *report = NULL;
    char **unmanaged = NULL;
    size_t n_unmanaged = 0;
    rc_stats st;
    dash_error err = {0};

    rc_err rc = rc_reconcile_org(&env, w->id, w->name, &w->peers, &w->actions, false, &report,
                                 &unmanaged, &n_unmanaged, &st, &err);
    if (rc == RC_OK) {
        metrics_set_networks(w->index, st.states);
        char *text = strdup(json_object_to_json_string_ext(
            report, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        pthread_mutex_lock(&e->lock);
        free(w->status_json);
        w->status_json = text;
        rc_strs_free(w->unmanaged, w->n_unmanaged);
        w->unmanaged = unmanaged;
        w->n_unmanaged = n_unmanaged;
        w->reconciled = true;
        w->last_ok_ms = engine_now_ms();
        w->last_error[0] = '\0';
        pthread_mutex_unlock(&e->lock);
        log_msg(LOG_DEBUG, "reconcile",
                "org %s: %zu managed, %zu failovers, %zu failbacks, %zu failed, %lu API calls",
                w->id, st.managed, st.failovers, st.failbacks, st.failed, st.api_calls);
    } else {
        rc_strs_free(unmanaged, n_unmanaged);
        pthread_mutex_lock(&e->lock);
        snprintf(w->last_error, sizeof(w->last_error), "%s: %s", rc_strerror(rc), err.message);
        pthread_mutex_unlock(&e->lock);
        if (err.code != DASH_ERR_CANCELLED)
            log_msg(LOG_WARN, "reconcile_failed", "org %s: %s: %s (HTTP %ld)", w->id,
                    rc_strerror(rc), err.message, err.http_status);
    }
    json_object_put(report);
}

/* ---- The worker thread -------------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    org_worker *w = arg;
    engine *e = w->e;
    const uint64_t interval_ms = (uint64_t)e->cfg->reconcile_interval_s * 1000u;
    alert_event batch[64];

    if (dash_client_new(e->api, &w->client) != DASH_OK) {
        log_msg(LOG_ERROR, "engine", "org %s: cannot create an API client", w->id);
        return NULL;
    }
    /* The first reconcile runs at once (DESIGN section 4). */
    if (!heap_push(w, (engine_timer){.due_ms = engine_now_ms(), .slot = ENGINE_TIMER_RECONCILE})) {
        log_msg(LOG_ERROR, "engine", "org %s: out of memory", w->id);
        dash_client_free(w->client);
        return NULL;
    }

    for (;;) {
        size_t n = 0;
        pthread_mutex_lock(&e->lock);
        for (;;) {
            if (e->stopping || w->inbox_count > 0)
                break;
            while (w->heap_len > 0 && !heap_live(w, &w->heap[0]))
                heap_pop(w);
            uint64_t now = engine_now_ms();
            if (w->heap_len > 0 && w->heap[0].due_ms <= now)
                break;
            if (w->heap_len == 0) {
                pthread_cond_wait(&w->inbox_wake, &e->lock);
            } else {
                struct timespec until = engine_abs(w->heap[0].due_ms);
                pthread_cond_timedwait(&w->inbox_wake, &e->lock, &until);
            }
        }
        if (e->stopping) {
            pthread_mutex_unlock(&e->lock);
            break;
        }
        while (w->inbox_count > 0 && n < sizeof(batch) / sizeof(batch[0])) {
            batch[n++] = w->inbox[w->inbox_head];
            w->inbox_head = (w->inbox_head + 1) % w->inbox_cap;
            w->inbox_count--;
        }
        if (n > 0)
            pthread_cond_broadcast(&e->wake); /* the dispatcher may wait for room */
        pthread_mutex_unlock(&e->lock);

        uint64_t now = engine_now_ms();
        for (size_t i = 0; i < n; i++)
            confirm_start(w, &batch[i], now);

        /* Everything due now: one confirmation round serves every pending confirmation, and
         * the reconcile runs after it so a failover is never delayed by a full read. */
        bool confirm_due = false, reconcile_due = false;
        while (w->heap_len > 0 && w->heap[0].due_ms <= now) {
            engine_timer t = heap_pop(w);
            if (!heap_live(w, &t))
                continue;
            if (t.slot == ENGINE_TIMER_RECONCILE)
                reconcile_due = true;
            else
                confirm_due = true;
        }
        if (confirm_due)
            confirm_round(w, now);
        if (reconcile_due) {
            reconcile_round(w);
            heap_push(w,
                      (engine_timer){.due_ms = now + interval_ms, .slot = ENGINE_TIMER_RECONCILE});
        }
    }
    dash_client_free(w->client);
    w->client = NULL;
    rc_peer_cache_free(&w->peers);
    rc_action_log_free(&w->actions);
    return NULL;
}

/* ---- The dispatcher ----------------------------------------------------------------------- */

/* Reads the organization list and starts one worker per organization. */
static bool dispatcher_start_workers(engine *e, dash_client *client)
{
    rc_env env = {.cfg = e->cfg, .client = client, .dry_run = e->dry_run};
    char **ids = NULL, **names = NULL;
    size_t n = 0;
    dash_error err = {0};

    if (rc_organizations(&env, &ids, &names, &n, &err) != RC_OK) {
        if (err.code != DASH_ERR_CANCELLED)
            log_msg(LOG_WARN, "organizations",
                    "cannot list the organizations: %s (HTTP %ld); "
                    "retrying in %d s",
                    err.message, err.http_status, e->cfg->reconcile_interval_s);
        return false;
    }
    org_worker **workers = n > 0 ? calloc(n, sizeof(*workers)) : NULL;
    size_t started = 0;
    for (size_t i = 0; i < n && (workers != NULL); i++) {
        workers[i] = worker_new(e, ids[i], names[i], (unsigned)i);
        if (workers[i] == NULL)
            break;
        if (pthread_create(&workers[i]->thread, NULL, worker_main, workers[i]) != 0) {
            worker_free(workers[i]);
            workers[i] = NULL;
            break;
        }
        workers[i]->thread_started = true;
        started++;
    }
    if (started < n)
        log_msg(LOG_ERROR, "engine", "started %zu of %zu organization threads", started, n);
    log_msg(LOG_INFO, "organizations", "managing %zu organization%s", started,
            started == 1 ? "" : "s");
    pthread_mutex_lock(&e->lock);
    e->workers = workers;
    e->n_workers = started;
    e->orgs_known = true;
    pthread_mutex_unlock(&e->lock);
    rc_strs_free(ids, n);
    rc_strs_free(names, n);
    return true;
}

static org_worker *engine_find_worker(engine *e, const char *org_id)
{
    for (size_t i = 0; i < e->n_workers; i++)
        if (strcmp(e->workers[i]->id, org_id) == 0)
            return e->workers[i];
    return NULL;
}

/* Sleeps until `due_ms` (monotonic) or until the engine stops; called with the lock held. */
static void engine_wait_until(engine *e, uint64_t due_ms)
{
    struct timespec until = engine_abs(due_ms);
    while (!e->stopping && engine_now_ms() < due_ms &&
           pthread_cond_timedwait(&e->wake, &e->lock, &until) != ETIMEDOUT)
        ;
}

static void *dispatcher_main(void *arg)
{
    engine *e = arg;
    dash_client *client = NULL;

    if (dash_client_new(e->api, &client) != DASH_OK) {
        log_msg(LOG_ERROR, "engine", "cannot create an API client");
        return NULL;
    }
    while (!dispatcher_start_workers(e, client)) {
        pthread_mutex_lock(&e->lock);
        engine_wait_until(e, engine_now_ms() + (uint64_t)e->cfg->reconcile_interval_s * 1000u);
        bool stop = e->stopping;
        pthread_mutex_unlock(&e->lock);
        if (stop)
            goto out;
    }

    pthread_mutex_lock(&e->lock);
    for (;;) {
        while (e->count == 0 && !e->stopping)
            pthread_cond_wait(&e->wake, &e->lock);
        if (e->stopping)
            break;
        if (e->hold_ms > 0) {
            /* Test knob: keep the slot occupied as if the engine were busy with the API. */
            engine_wait_until(e, engine_now_ms() + e->hold_ms);
            if (e->stopping)
                break;
        }
        alert_event a = e->ring[e->head];
        org_worker *w = engine_find_worker(e, a.organization_id);
        if (w != NULL && w->inbox_count == w->inbox_cap) {
            /* The organization is busy: leave the alert in the ring until it has room. */
            pthread_cond_wait(&e->wake, &e->lock);
            continue;
        }
        e->head = (e->head + 1) % e->capacity;
        e->count--;
        if (w == NULL) {
            pthread_mutex_unlock(&e->lock);
            metrics_confirmation(METRICS_CONFIRM_SKIPPED);
            log_msg(LOG_INFO, "confirmation",
                    "alert %s for network %s: organization %s is not "
                    "managed",
                    a.alert_id, a.network_id, a.organization_id);
            pthread_mutex_lock(&e->lock);
            continue;
        }
        w->inbox[(w->inbox_head + w->inbox_count) % w->inbox_cap] = a;
        w->inbox_count++;
        pthread_cond_signal(&w->inbox_wake);
    }
    pthread_mutex_unlock(&e->lock);
out:
    dash_client_free(client);
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
    if (pthread_create(&e->dispatcher, NULL, dispatcher_main, e) != 0) {
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
    for (size_t i = 0; i < e->n_workers; i++)
        pthread_cond_broadcast(&e->workers[i]->inbox_wake);
    pthread_mutex_unlock(&e->lock);
    /* Rate-limit and Retry-After waits end now; a request already on the wire finishes, so
     * the action in flight is completed or cleanly failed, never half-done. */
    dash_shared_cancel(e->api);
    if (!join)
        return;
    pthread_join(e->dispatcher, NULL);
    /* The dispatcher has exited, so the worker list no longer changes. */
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
    dash_shared_free(e->api);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->lock);
    free(e->ring);
    free(e);
}

/* ---- What other threads may call ---------------------------------------------------------- */

bool engine_submit_alert(engine *e, const alert_event *a)
{
    bool ok = false;

    pthread_mutex_lock(&e->lock);
    if (e->stopping || e->count == e->capacity)
        goto out;
    e->ring[(e->head + e->count) % e->capacity] = *a;
    e->count++;
    pthread_cond_broadcast(&e->wake);
    ok = true;
out:
    pthread_mutex_unlock(&e->lock);
    return ok;
}

static bool engine_sorted_contains(char *const *v, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid], s);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

alert_relevance engine_relevance(engine *e, const char *org_id, const char *network_id)
{
    alert_relevance r = ALERT_RELEVANT;

    pthread_mutex_lock(&e->lock);
    if (e->cfg->organization_ids.n > 0 &&
        !config_strs_contains(&e->cfg->organization_ids, org_id)) {
        r = ALERT_ORG_NOT_CONFIGURED;
    } else if (e->orgs_known) {
        /* With organization_ids empty, every organization counts until the key's list has
         * been read (DESIGN section 7). */
        org_worker *w = engine_find_worker(e, org_id);
        if (w == NULL)
            r = ALERT_ORG_NOT_CONFIGURED;
        else if (engine_sorted_contains(w->unmanaged, w->n_unmanaged, network_id))
            r = ALERT_NETWORK_UNMANAGED;
    }
    pthread_mutex_unlock(&e->lock);
    return r;
}

char *engine_status_json(engine *e)
{
    struct json_object *doc = json_object_new_object();
    struct json_object *orgs = json_object_new_array();
    if (doc == NULL || orgs == NULL) {
        json_object_put(doc);
        json_object_put(orgs);
        return NULL;
    }
    json_object_object_add(doc, "organizations", orgs);
    pthread_mutex_lock(&e->lock);
    for (size_t i = 0; i < e->n_workers; i++) {
        org_worker *w = e->workers[i];
        struct json_object *o = w->status_json != NULL ? json_tokener_parse(w->status_json) : NULL;
        if (o == NULL) {
            o = json_object_new_object();
            json_object_object_add(o, "id", json_object_new_string(w->id));
            json_object_object_add(o, "name", w->name ? json_object_new_string(w->name) : NULL);
            json_object_object_add(o, "networks", json_object_new_array());
        }
        json_object_array_add(orgs, o);
    }
    pthread_mutex_unlock(&e->lock);
    char *s = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(doc);
    return s;
}

bool engine_ready(engine *e, char *why, size_t len)
{
    const uint64_t limit_ms = 3u * (uint64_t)e->cfg->reconcile_interval_s * 1000u;
    uint64_t now = engine_now_ms();
    bool ready = true;
    char reason[1024] = "";

    pthread_mutex_lock(&e->lock);
    if (!e->orgs_known) {
        ready = false;
        snprintf(reason, sizeof(reason), "the organizations have not been read yet");
    }
    for (size_t i = 0; ready && i < e->n_workers; i++) {
        org_worker *w = e->workers[i];
        if (!w->reconciled) {
            ready = false;
            snprintf(reason, sizeof(reason), "organization %s: no successful reconcile yet%s%s",
                     w->id, w->last_error[0] ? ": " : "", w->last_error);
        } else if (now - w->last_ok_ms > limit_ms) {
            ready = false;
            snprintf(reason, sizeof(reason),
                     "organization %s: last successful reconcile %llu s ago%s%s", w->id,
                     (unsigned long long)((now - w->last_ok_ms) / 1000u),
                     w->last_error[0] ? ": " : "", w->last_error);
        }
    }
    pthread_mutex_unlock(&e->lock);
    if (!ready && len > 0)
        snprintf(why, len, "%s", reason);
    return ready;
}

size_t engine_queue_length(engine *e)
{
    pthread_mutex_lock(&e->lock);
    size_t n = e->count;
    pthread_mutex_unlock(&e->lock);
    return n;
}

static alert_relevance engine_sink_relevance(void *ctx, const char *org_id,
                                             const char *network_id)
{
    return engine_relevance(ctx, org_id, network_id);
}

static bool engine_sink_submit(void *ctx, const alert_event *a)
{
    return engine_submit_alert(ctx, a);
}

webhook_sink engine_webhook_sink(engine *e)
{
    webhook_sink s = {engine_sink_relevance, engine_sink_submit, e};
    return s;
}

static bool engine_source_ready(void *ctx, char *why, size_t len)
{
    return engine_ready(ctx, why, len);
}

static char *engine_source_status(void *ctx)
{
    return engine_status_json(ctx);
}

admin_source engine_admin_source(engine *e)
{
    admin_source s = {engine_source_ready, engine_source_status, e};
    return s;
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
