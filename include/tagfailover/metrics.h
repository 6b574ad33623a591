/*
 * metrics.h - the daemon's counters, gauges and histogram (the README's "Metrics"), and their
 * Prometheus text rendering (format 0.0.4).
 *
 * The state is static in metrics.c and reached only through these functions. Counters are
 * lock-free C11 atomics: any thread may call any function at any time, after metrics_reset()
 * (or with the zero state the program starts with). The one labelled by organization id
 * (the last reconcile's timestamp) is a small table under a mutex, held for one copy.
 */
#ifndef TAGFAILOVER_METRICS_H
#define TAGFAILOVER_METRICS_H

#include <stddef.h>

#include "tagfailover/look.h"
#include "tagfailover/ping.h"

typedef enum {
    METRICS_WEBHOOK_ACCEPTED = 0,
    METRICS_WEBHOOK_IGNORED,
    METRICS_WEBHOOK_DUPLICATE,
    METRICS_WEBHOOK_UNAUTHORIZED,
    METRICS_WEBHOOK_FORBIDDEN,
    METRICS_WEBHOOK_MALFORMED,
    METRICS_WEBHOOK_TOO_LARGE,
    METRICS_WEBHOOK_OVERLOADED,
    METRICS_WEBHOOK_RESULT_COUNT
} metrics_webhook_result;

typedef enum {
    METRICS_TRIGGER_WEBHOOK = 0,
    METRICS_TRIGGER_RECONCILE,
    METRICS_TRIGGER_MANUAL,
    METRICS_TRIGGER_COUNT
} metrics_trigger;

typedef enum {
    METRICS_CONFIRM_CONFIRMED = 0,
    METRICS_CONFIRM_UNCONFIRMED,
    METRICS_CONFIRM_SKIPPED,
    METRICS_CONFIRM_RESULT_COUNT
} metrics_confirm_result;

typedef enum {
    METRICS_NOTIFY_OK = 0,
    METRICS_NOTIFY_FAILED,
    METRICS_NOTIFY_DROPPED,
    METRICS_NOTIFY_RESULT_COUNT
} metrics_notify_result;

/* Zeroes everything (tests). */
void metrics_reset(void);

/* tagfailover_webhooks_total{result} += 1 */
void metrics_webhook(metrics_webhook_result r);
/* tagfailover_failovers_total{trigger} += 1 */
void metrics_failover(metrics_trigger t);
/* tagfailover_failbacks_total{trigger} += 1 (trigger reconcile or manual) */
void metrics_failback(metrics_trigger t);
/* tagfailover_actions_failed_total += 1 */
void metrics_action_failed(void);
/* tagfailover_confirmations_total{result} += 1 */
void metrics_confirmation(metrics_confirm_result r);
/* tagfailover_action_batches_total{result="ok"|"failed"} += 1 */
void metrics_action_batch(int ok);
/* tagfailover_live_pings_total{result} += 1 */
void metrics_live_ping(ping_verdict v);
/* tagfailover_confirmations_pending: one organization's share (summed when rendered) */
void metrics_set_confirmations_pending(unsigned org_index, long n);
/* tagfailover_api_requests_total{code} += 1; code is the HTTP status (0: transport error) */
void metrics_api_request(int http_code);
/* tagfailover_api_retries_total += 1 */
void metrics_api_retry(void);
/* tagfailover_reconcile_runs_total{result="ok"|"error"} += 1 */
void metrics_reconcile_run(int ok);
/* tagfailover_networks{state} = counts, indexed by look_state (the managed ones); the engine
 * sets the whole vector after a reconcile. `org_index` identifies the organization's slot so
 * several engines can each set their share (the gauge is the sum over slots); slots >= 64 are
 * folded into slot 63. */
void metrics_set_networks(unsigned org_index, const long counts[LOOK_MANAGED_STATES]);
/* tagfailover_notifications_total{result} += 1 */
void metrics_notification(metrics_notify_result r);
/* tagfailover_last_reconcile_success_timestamp_seconds{org} = unix_s: organization `org_id`'s
 * last successful reconcile (wall clock). At most METRICS_MAX_ORG_LABELS organizations are
 * shown; later ones are left out (the count of those is kept for tests). */
void metrics_set_reconcile_success(const char *org_id, double unix_s);
/* tagfailover_alert_to_retag_seconds observation */
void metrics_observe_alert_to_retag(double seconds);

/* Organizations the reconcile timestamp keeps a label for. */
#define METRICS_MAX_ORG_LABELS 4096

/* Read-back for tests. */
unsigned long metrics_webhook_count(metrics_webhook_result r);
unsigned long metrics_notification_count(metrics_notify_result r);

/* Renders every metric as Prometheus text; caller frees. NULL when out of memory. */
char *metrics_render(void);

#endif
