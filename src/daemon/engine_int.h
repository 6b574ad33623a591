/*
 * engine_int.h - private to src/daemon/engine*.c: the engine's structures and the helpers its
 * thread code (engine.c) and its callers' side (engine_api.c) share.
 */
#ifndef TAGFAILOVER_ENGINE_INT_H
#define TAGFAILOVER_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tagfailover/dashboard.h"
#include "tagfailover/engine.h"
#include "tagfailover/round.h"
#include "tagfailover/sched.h"
#include "tagfailover/status.h"

/* An immutable copy of one organization's status model, shared by reference. */
typedef struct {
    atomic_int refs;
    status_org org;
} engine_snap;

typedef struct org_worker org_worker;

/* How many networks unknown to an organization's last reconcile may be looked up (one GET
 * /networks/{id} each) per reconcile interval; alerts for others are skipped (engine_unknown.c). */
#define ENGINE_UNKNOWN_LOOKUPS 2

/* A network unknown to the last reconcile that was looked up in this interval. */
typedef struct {
    char id[TF_ID_MAX_LEN + 1];
    bool found; /* the API knows it: its alerts go on to a confirmation */
} engine_unknown;

/* One live ping in flight and the organization thread that waits for it. */
typedef struct {
    char id[TF_ID_MAX_LEN + 1];
    org_worker *w;
} engine_ping;

struct engine {
    const config *cfg; /* borrowed; outlives the engine */
    bool dry_run;
    void (*notify)(void *ctx, const notify_msg_event *ev); /* told of each retag; or NULL */
    void *notify_ctx;
    dash_shared *api;     /* the API's shared state: rate limits, cancel flag */
    atomic_bool stopping; /* set once by engine_stop */

    pthread_mutex_t lock; /* guards the start-up queue, orgs_known and the worker list */
    pthread_cond_t wake;  /* the starter's sleep between attempts */
    alert_event *ring;    /* the start-up queue: TF_ORG_QUEUE_CAPACITY slots */
    size_t head, count;
    bool started;
    bool orgs_known;      /* the organization list has been read */
    org_worker **workers; /* one per organization, once known; never changes after */
    org_worker **sorted;  /* the same, by id, for the webhook path's lookups */
    size_t n_workers;
    pthread_t starter;

    /* The live pings in flight, for matching callbacks: guarded by pings_lock, which the
     * webhook path holds for one lookup. */
    pthread_mutex_t pings_lock;
    engine_ping *pings;
    size_t n_pings, cap_pings;
};

struct org_worker {
    engine *e;
    unsigned index; /* metrics slot */
    pthread_t thread;
    bool thread_started;

    /* The organization's queue, guarded by inbox_lock. */
    pthread_mutex_t inbox_lock;
    pthread_cond_t inbox_wake; /* an alert arrived, or stopping */
    alert_event *inbox;
    size_t inbox_head, inbox_count;

    /* Published, guarded by snap_lock. */
    pthread_mutex_t snap_lock;
    engine_snap *snap;    /* the latest status snapshot; never NULL once started */
    bool reconciled;      /* a reconcile has ever succeeded */
    uint64_t last_ok_ms;  /* monotonic time of the last successful reconcile */
    char last_error[768]; /* why the last reconcile failed; "" when it did not */

    /* Private to the worker thread. */
    dash_client *client;
    round_org org;
    sched confirms;
    uint64_t reconcile_due_ms;
    engine_unknown unknown[ENGINE_UNKNOWN_LOOKUPS]; /* looked up since the last reconcile */
    size_t n_unknown;
    unsigned long unknown_skipped; /* alerts skipped since the last reconcile */
};

/* The monotonic clock in milliseconds. */
uint64_t engine_now_ms(void);

/* The worker's current snapshot, with a reference the caller drops with engine_snap_unref. */
engine_snap *engine_snap_take(org_worker *w);

/* Drops a reference; the last one frees the snapshot. NULL is a no-op. */
void engine_snap_unref(engine_snap *s);

/* The worker of `org_id` in a list sorted by id, or NULL. */
org_worker *engine_find_worker(org_worker *const *sorted, size_t n, const char *org_id);

/* Copies an event into a worker's queue; false when it is full. */
bool engine_worker_push(org_worker *w, const alert_event *a);

/* Worker thread: true when the alert's network may start (or join) a confirmation. A network
 * the organization's last reconcile listed always may; an unknown one only when it is among
 * the ENGINE_UNKNOWN_LOOKUPS of this interval and the API has it. Counts and logs a skip. */
bool engine_unknown_admit(org_worker *w, const apply_env *env, const alert_event *a);

/* Worker thread: a reconcile has just read the listing again; a new interval's budget. */
void engine_unknown_reset(org_worker *w);

/* Counts and logs an alert for an organization the daemon does not manage. */
void engine_skip_alert(const alert_event *a);

/* The organization thread that waits for live ping `id`, or NULL. */
org_worker *engine_ping_owner(engine *e, const char *id);

#endif
