/*
 * engine.h - the engine: the threads that act on alerts and reconciles, one per organization.
 *
 * The HTTP threads hand alerts to the engine through engine_submit_alert, which copies the
 * alert into its organization's bounded queue and never blocks; when that queue is full it
 * says so and the listener answers 503 for that organization only: a flooded organization
 * cannot delay another's failover. Before the organization list is known, alerts wait in a
 * start-up queue of the same size and move to their organizations' queues once it is.
 *
 * Behind the queues: a starter thread learns the organizations (organization_ids, or every
 * organization the API key sees, retried every reconcile interval until it works) and starts
 * one worker thread per organization, which owns that organization's state and runs its
 * events in order: webhook confirmations (look now, then every confirm_interval_s up to
 * confirm_window_s; one per network), and the reconcile every reconcile_interval_s (the first
 * at once). After every round a worker publishes an immutable snapshot of its status model;
 * /status, /readyz and the listener's relevance check read snapshots, never the worker's state.
 *
 * Threads: engine_new, engine_start, engine_stop and engine_free are called by the main thread.
 * engine_submit_alert, engine_relevance, engine_status_json, engine_ready and
 * engine_queue_length may be called by any thread at any time between engine_new and
 * engine_free.
 */
#ifndef TAGFAILOVER_ENGINE_H
#define TAGFAILOVER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/caps.h"
#include "tagfailover/admin.h"
#include "tagfailover/alert.h"
#include "tagfailover/config.h"
#include "tagfailover/notify_msg.h"
#include "tagfailover/webhook.h"

typedef struct engine engine;

typedef enum {
    ENGINE_OK = 0,
    ENGINE_ERR_NOMEM,
    ENGINE_ERR_THREAD, /* the consumer thread could not be started */
    ENGINE_ERR_STATE,  /* started twice, or used after stop */
} engine_err;

/* Creates an engine for `cfg`, which must outlive it, with its own API client state. Returns
 * NULL when out of memory or when the API options are invalid. The caller
 * frees with engine_free. Main thread. */
engine *engine_new(const config *cfg);

/* Adds --dry-run to the configuration's dry_run (everything but the PUT, logged as would-do).
 * Main thread, before engine_start. */
void engine_set_dry_run(engine *e, bool dry_run);

/* Who is told of every retag (apply_env.notify; NULL: nobody): the hook must only queue, on
 * whichever organization thread retagged. Main thread, before engine_start. */
void engine_set_notify(engine *e, void (*notify)(void *ctx, const notify_msg_event *ev), void *ctx);

/* Starts the dispatcher thread (which starts the organization threads). Main thread, once. */
engine_err engine_start(engine *e) __attribute__((warn_unused_result));

/* Stops accepting alerts, cancels every API wait, lets each thread finish the action in hand,
 * and joins them all. Alerts
 * still queued are dropped (Meraki's retries and the next reconcile cover them). Main thread;
 * a no-op when not started or already stopped. */
void engine_stop(engine *e);

/* Stops the engine if needed and frees it. NULL is a no-op. Main thread. */
void engine_free(engine *e);

/* Copies `a` into its organization's queue (or the start-up queue) and wakes that
 * organization's thread. Never blocks on the engine's work (a mutex is held only for the copy).
 * ALERT_FULL when that queue is full or the engine is stopped; for a ping result,
 * ALERT_UNMATCHED when no ping of that id is in flight. Any thread. */
alert_submit engine_submit_alert(engine *e, const alert_event *a);

/* Whether an alert for this organization and network is worth queuing, from the engine's
 * latest snapshot. Any thread; never blocks on the engine's work. */
alert_relevance engine_relevance(engine *e, const char *org_id, const char *network_id);

/* The /status document (the README's "HTTP endpoints") as a heap string; caller frees. NULL when
 * out of memory. Any thread. */
char *engine_status_json(engine *e);

/* The /status/series document (each managed network's loss over the detect window, for the
 * operator's page) as a heap string; caller frees. NULL when out of memory. Any thread. */
char *engine_series_json(engine *e);

/* True when the daemon is ready (/readyz). When not, `why` receives a short reason
 * (NUL-terminated, truncated to `len`). Any thread. */
bool engine_ready(engine *e, char *why, size_t len);

/* Number of alerts waiting in every queue. Any thread. */
size_t engine_queue_length(engine *e);

/* A webhook sink that reaches `e` through engine_relevance and engine_submit_alert. */
webhook_sink engine_webhook_sink(engine *e);

/* An admin listener source that answers from engine_ready, engine_status_json and
 * engine_series_json. */
admin_source engine_admin_source(engine *e);

/* A message for an error code; never NULL. */
const char *engine_strerror(engine_err err);

#endif
