/*
 * engine.h - the engine: the one place that acts on alerts (DESIGN sections 1 and 4).
 *
 * The HTTP threads hand alerts to the engine through engine_submit_alert, which copies the
 * alert into a bounded ring buffer and never blocks; when the ring is full it says so and the
 * listener answers 503. The dispatcher thread owned by the engine pops alerts in order. The
 * engine also publishes a small snapshot (which organizations are configured, which networks
 * the last reconcile found unmanaged) that engine_relevance reads under a mutex, so the
 * listener can answer `ignored` without waiting for the engine.
 *
 * Behind the queue: a dispatcher thread learns the organizations (organization_ids, or every
 * organization the API key sees) and starts one worker thread per organization, which owns
 * that organization's state and runs its events in order: webhook confirmations (DESIGN
 * section 4: look now, then every confirm_interval_s up to confirm_window_s; one per network),
 * and the reconcile every reconcile_interval_s (the first at once), on a min-heap of timers.
 * Each worker publishes its /status object, the networks it found unmanaged and its last
 * successful reconcile, which the functions below read under the engine's mutex.
 *
 * Threads: engine_new, engine_start, engine_stop and engine_free are called by the main thread.
 * engine_submit_alert, engine_relevance, engine_status_json and engine_ready may be called by
 * any thread at any time between engine_new and engine_free.
 *
 * Test knobs (environment, read once by engine_new; never set them in production):
 *   TAGFAILOVER_QUEUE_CAPACITY  the ring's capacity (1..65536) instead of ENGINE_QUEUE_CAPACITY.
 *   TAGFAILOVER_ENGINE_HOLD_MS  the consumer keeps each alert this many milliseconds (0..60000)
 *                               before it takes the next, standing in for the time the real
 *                               engine spends on API calls, so a test can fill the queue.
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
#include "tagfailover/webhook.h"

/* Default capacity of the alert queue. A burst of Meraki alerts for a whole organization is a
 * few hundred; past this the listener answers 503 and Meraki retries later. */
#define ENGINE_QUEUE_CAPACITY 1024

typedef struct engine engine;

typedef enum {
    ENGINE_OK = 0,
    ENGINE_ERR_NOMEM,
    ENGINE_ERR_THREAD, /* the consumer thread could not be started */
    ENGINE_ERR_STATE,  /* started twice, or used after stop */
} engine_err;


/* Creates an engine for `cfg`, which must outlive it, with its own API client state. Reads
 * the test knobs. Returns NULL when out of memory or when the API options are invalid. The caller
 * frees with engine_free. Main thread. */
engine *engine_new(const config *cfg);

/* Adds --dry-run to the configuration's dry_run (everything but the PUT, logged as would-do).
 * Main thread, before engine_start. */
void engine_set_dry_run(engine *e, bool dry_run);

/* Starts the dispatcher thread (which starts the organization threads). Main thread, once. */
engine_err engine_start(engine *e) __attribute__((warn_unused_result));

/* Stops accepting alerts, cancels every API wait, lets each thread finish the action in hand,
 * and joins them all. Alerts
 * still queued are dropped (Meraki's retries and the next reconcile cover them). Main thread;
 * a no-op when not started or already stopped. */
void engine_stop(engine *e);

/* Stops the engine if needed and frees it. NULL is a no-op. Main thread. */
void engine_free(engine *e);

/* Copies `a` into the queue and wakes the consumer. Never blocks on the consumer (the mutex
 * is held only for the copy). Returns false when the queue is full or the engine is stopped.
 * Any thread. */
bool engine_submit_alert(engine *e, const alert_event *a);

/* Whether an alert for this organization and network is worth queuing, from the engine's
 * latest snapshot. Any thread; never blocks on the engine's work. */
alert_relevance engine_relevance(engine *e, const char *org_id, const char *network_id);

/* The /status document (DESIGN section 7) as a heap string; caller frees. NULL when out of
 * memory. Any thread. */
char *engine_status_json(engine *e);

/* True when the daemon is ready (/readyz). When not, `why` receives a short reason
 * (NUL-terminated, truncated to `len`). Any thread. */
bool engine_ready(engine *e, char *why, size_t len);

/* Number of alerts waiting in the queue (tests, /status). Any thread. */
size_t engine_queue_length(engine *e);

/* A webhook sink that reaches `e` through engine_relevance and engine_submit_alert. */
webhook_sink engine_webhook_sink(engine *e);

/* An admin listener source that answers from engine_ready and engine_status_json. */
admin_source engine_admin_source(engine *e);

/* A message for an error code; never NULL. */
const char *engine_strerror(engine_err err);

#endif
