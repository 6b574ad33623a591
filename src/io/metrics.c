/*
 * metrics.c - counters, gauges and one histogram, rendered as Prometheus text 0.0.4.
 * See metrics.h.
 *
 * Every value is a C11 atomic updated with relaxed ordering: a scrape may see one counter a
 * moment ahead of another, which Prometheus tolerates, and no thread ever waits on a lock to
 * count. The histogram's sum is kept in microseconds so it stays an integer atomic.
 */
#include "tagfailover/metrics.h"

#include "tagfailover/caps.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_ORG_SLOTS  64
#define METRICS_HTTP_CODES 600 /* index 0: transport error; 100..599: HTTP status */

static const double histogram_bounds[] = {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300};
#define METRICS_BUCKETS (sizeof(histogram_bounds) / sizeof(histogram_bounds[0]))

static atomic_ulong webhooks[METRICS_WEBHOOK_RESULT_COUNT];
static atomic_ulong failovers[METRICS_TRIGGER_COUNT];
static atomic_ulong failbacks[METRICS_TRIGGER_COUNT];
static atomic_ulong actions_failed;
static atomic_ulong confirmations[METRICS_CONFIRM_RESULT_COUNT];
static atomic_ulong live_pings[PING_VERDICT_COUNT];
static atomic_ulong action_batches[2]; /* [0] failed, [1] ok */
static atomic_long confirmations_pending[METRICS_ORG_SLOTS];
static atomic_ulong api_requests[METRICS_HTTP_CODES];
static atomic_ulong api_retries;
static atomic_ulong reconcile_runs[2]; /* [0] error, [1] ok */
static atomic_long networks[METRICS_ORG_SLOTS][LOOK_MANAGED_STATES];
static atomic_ulong hist_buckets[METRICS_BUCKETS]; /* non-cumulative; summed when rendered */
static atomic_ulong hist_count;
static atomic_ullong hist_sum_us;
static atomic_ulong notifications[METRICS_NOTIFY_RESULT_COUNT];

/* The last successful reconcile of each organization, by id, in the order first seen. A
 * mutex, not atomics: an id and its time must be read together, and both are written once
 * per reconcile interval per organization. */
typedef struct {
    char id[TF_ID_MAX_LEN + 1];
    double unix_s;
} metrics_org_time;
static pthread_mutex_t org_times_lock = PTHREAD_MUTEX_INITIALIZER;
static metrics_org_time *org_times; /* grown up to METRICS_MAX_ORG_LABELS */
static size_t n_org_times, cap_org_times;

static const char *const webhook_names[] = {"accepted",  "ignored",   "duplicate", "unauthorized",
                                            "forbidden", "malformed", "too_large", "overloaded"};
static const char *const trigger_names[] = {"webhook", "reconcile", "manual"};
static const char *const confirm_names[] = {"confirmed", "unconfirmed", "skipped"};
static const char *const notify_names[] = {"ok", "failed", "dropped"};

void metrics_reset(void)
{
    for (size_t i = 0; i < METRICS_WEBHOOK_RESULT_COUNT; i++)
        atomic_store(&webhooks[i], 0);
    for (size_t i = 0; i < METRICS_TRIGGER_COUNT; i++) {
        atomic_store(&failovers[i], 0);
        atomic_store(&failbacks[i], 0);
    }
    atomic_store(&actions_failed, 0);
    for (size_t i = 0; i < PING_VERDICT_COUNT; i++)
        atomic_store(&live_pings[i], 0);
    atomic_store(&action_batches[0], 0);
    atomic_store(&action_batches[1], 0);
    for (size_t i = 0; i < METRICS_ORG_SLOTS; i++)
        atomic_store(&confirmations_pending[i], 0);
    for (size_t i = 0; i < METRICS_CONFIRM_RESULT_COUNT; i++)
        atomic_store(&confirmations[i], 0);
    for (size_t i = 0; i < METRICS_HTTP_CODES; i++)
        atomic_store(&api_requests[i], 0);
    atomic_store(&api_retries, 0);
    atomic_store(&reconcile_runs[0], 0);
    atomic_store(&reconcile_runs[1], 0);
    for (size_t o = 0; o < METRICS_ORG_SLOTS; o++)
        for (size_t s = 0; s < LOOK_MANAGED_STATES; s++)
            atomic_store(&networks[o][s], 0);
    for (size_t i = 0; i < METRICS_BUCKETS; i++)
        atomic_store(&hist_buckets[i], 0);
    atomic_store(&hist_count, 0);
    atomic_store(&hist_sum_us, 0);
    for (size_t i = 0; i < METRICS_NOTIFY_RESULT_COUNT; i++)
        atomic_store(&notifications[i], 0);
    pthread_mutex_lock(&org_times_lock);
    free(org_times);
    org_times = NULL;
    n_org_times = cap_org_times = 0;
    pthread_mutex_unlock(&org_times_lock);
}

static void metrics_inc(atomic_ulong *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void metrics_webhook(metrics_webhook_result r)
{
    if ((unsigned)r < METRICS_WEBHOOK_RESULT_COUNT)
        metrics_inc(&webhooks[r]);
}

void metrics_failover(metrics_trigger t)
{
    if ((unsigned)t < METRICS_TRIGGER_COUNT)
        metrics_inc(&failovers[t]);
}

void metrics_failback(metrics_trigger t)
{
    if ((unsigned)t < METRICS_TRIGGER_COUNT)
        metrics_inc(&failbacks[t]);
}

void metrics_action_failed(void)
{
    metrics_inc(&actions_failed);
}

void metrics_action_batch(int ok)
{
    atomic_fetch_add_explicit(&action_batches[ok ? 1 : 0], 1, memory_order_relaxed);
}

void metrics_live_ping(ping_verdict v)
{
    if ((unsigned)v < PING_VERDICT_COUNT)
        atomic_fetch_add_explicit(&live_pings[v], 1, memory_order_relaxed);
}

void metrics_set_confirmations_pending(unsigned org_index, long n)
{
    if (org_index < METRICS_ORG_SLOTS)
        atomic_store_explicit(&confirmations_pending[org_index], n, memory_order_relaxed);
}

void metrics_confirmation(metrics_confirm_result r)
{
    if ((unsigned)r < METRICS_CONFIRM_RESULT_COUNT)
        metrics_inc(&confirmations[r]);
}

void metrics_api_request(int http_code)
{
    if (http_code < 100 || http_code >= METRICS_HTTP_CODES)
        http_code = 0;
    metrics_inc(&api_requests[http_code]);
}

void metrics_api_retry(void)
{
    metrics_inc(&api_retries);
}

void metrics_reconcile_run(int ok)
{
    metrics_inc(&reconcile_runs[ok ? 1 : 0]);
}

void metrics_set_networks(unsigned org_index, const long counts[LOOK_MANAGED_STATES])
{
    if (org_index >= METRICS_ORG_SLOTS)
        org_index = METRICS_ORG_SLOTS - 1;
    for (size_t s = 0; s < LOOK_MANAGED_STATES; s++)
        atomic_store_explicit(&networks[org_index][s], counts[s], memory_order_relaxed);
}

void metrics_observe_alert_to_retag(double seconds)
{
    if (!(seconds >= 0))
        seconds = 0;
    for (size_t i = 0; i < METRICS_BUCKETS; i++) {
        if (seconds <= histogram_bounds[i]) {
            metrics_inc(&hist_buckets[i]);
            break;
        }
    }
    metrics_inc(&hist_count);
    atomic_fetch_add_explicit(&hist_sum_us, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

void metrics_notification(metrics_notify_result r)
{
    if ((unsigned)r < METRICS_NOTIFY_RESULT_COUNT)
        metrics_inc(&notifications[r]);
}

unsigned long metrics_notification_count(metrics_notify_result r)
{
    if ((unsigned)r >= METRICS_NOTIFY_RESULT_COUNT)
        return 0;
    return atomic_load(&notifications[r]);
}

void metrics_set_reconcile_success(const char *org_id, double unix_s)
{
    if (org_id == NULL || strlen(org_id) > TF_ID_MAX_LEN)
        return;
    pthread_mutex_lock(&org_times_lock);
    size_t i = 0;
    while (i < n_org_times && strcmp(org_times[i].id, org_id) != 0)
        i++;
    if (i == n_org_times && n_org_times < METRICS_MAX_ORG_LABELS) {
        if (n_org_times == cap_org_times) {
            size_t cap = cap_org_times ? cap_org_times * 2 : 8;
            metrics_org_time *v = realloc(org_times, cap * sizeof(*v));
            if (v != NULL) {
                org_times = v;
                cap_org_times = cap;
            }
        }
        if (n_org_times < cap_org_times) {
            snprintf(org_times[n_org_times].id, sizeof(org_times[0].id), "%s", org_id);
            n_org_times++;
        }
    }
    if (i < n_org_times)
        org_times[i].unix_s = unix_s;
    pthread_mutex_unlock(&org_times_lock);
}

unsigned long metrics_webhook_count(metrics_webhook_result r)
{
    if ((unsigned)r >= METRICS_WEBHOOK_RESULT_COUNT)
        return 0;
    return atomic_load(&webhooks[r]);
}

/* A growable text buffer; `failed` latches the first allocation failure. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int failed;
} metrics_buf;

static void metrics_printf(metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void metrics_printf(metrics_buf *b, const char *fmt, ...)
{
    va_list ap;

    if (b->failed)
        return;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = (b->cap + (size_t)n + 1) * 2;
        char *p = realloc(b->data, ncap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = ncap;
    }
}

static void metrics_header(metrics_buf *b, const char *name, const char *type, const char *help)
{
    metrics_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_labelled(metrics_buf *b, const char *name, const char *label,
                             const char *const *values, atomic_ulong *counts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        metrics_printf(b, "%s{%s=\"%s\"} %lu\n", name, label, values[i], atomic_load(&counts[i]));
}

char *metrics_render(void)
{
    metrics_buf b = {.data = malloc(4096), .cap = 4096};
    if (b.data == NULL)
        return NULL;
    b.data[0] = '\0';

    metrics_header(&b, "tagfailover_webhooks_total", "counter",
                   "Webhook requests on the webhook path, by result.");
    metrics_labelled(&b, "tagfailover_webhooks_total", "result", webhook_names, webhooks,
                     METRICS_WEBHOOK_RESULT_COUNT);

    metrics_header(&b, "tagfailover_failovers_total", "counter", "Failovers done, by trigger.");
    metrics_labelled(&b, "tagfailover_failovers_total", "trigger", trigger_names, failovers,
                     METRICS_TRIGGER_COUNT);

    /* A failback has no webhook trigger: only reconcile and manual are exposed. */
    metrics_header(&b, "tagfailover_failbacks_total", "counter", "Failbacks done, by trigger.");
    metrics_labelled(&b, "tagfailover_failbacks_total", "trigger", trigger_names + 1, failbacks + 1,
                     METRICS_TRIGGER_COUNT - 1);

    metrics_header(&b, "tagfailover_actions_failed_total", "counter",
                   "Retags that did not complete (an API error, or a PUT answered with other "
                   "tags).");
    metrics_printf(&b, "tagfailover_actions_failed_total %lu\n", atomic_load(&actions_failed));

    metrics_header(&b, "tagfailover_confirmations_total", "counter",
                   "Webhook confirmations, by result.");
    metrics_labelled(&b, "tagfailover_confirmations_total", "result", confirm_names, confirmations,
                     METRICS_CONFIRM_RESULT_COUNT);

    metrics_header(&b, "tagfailover_live_pings_total", "counter",
                   "Live pings asked of the appliances, by what they proved.");
    for (size_t i = 0; i < PING_VERDICT_COUNT; i++)
        metrics_printf(&b, "tagfailover_live_pings_total{result=\"%s\"} %lu\n",
                       ping_verdict_name((ping_verdict)i), atomic_load(&live_pings[i]));

    metrics_header(&b, "tagfailover_action_batches_total", "counter",
                   "Action batches sent, by whether they ran.");
    metrics_printf(&b, "tagfailover_action_batches_total{result=\"ok\"} %lu\n",
                   atomic_load(&action_batches[1]));
    metrics_printf(&b, "tagfailover_action_batches_total{result=\"failed\"} %lu\n",
                   atomic_load(&action_batches[0]));

    long pending = 0;
    for (size_t i = 0; i < METRICS_ORG_SLOTS; i++)
        pending += atomic_load(&confirmations_pending[i]);
    metrics_header(&b, "tagfailover_confirmations_pending", "gauge",
                   "Webhook confirmations under way.");
    metrics_printf(&b, "tagfailover_confirmations_pending %ld\n", pending);

    metrics_header(&b, "tagfailover_api_requests_total", "counter",
                   "Dashboard API responses, by HTTP status (0: transport error).");
    for (size_t i = 0; i < METRICS_HTTP_CODES; i++) {
        unsigned long v = atomic_load(&api_requests[i]);
        if (v != 0 || i == 200)
            metrics_printf(&b, "tagfailover_api_requests_total{code=\"%zu\"} %lu\n", i, v);
    }

    metrics_header(&b, "tagfailover_api_retries_total", "counter", "Dashboard API retries.");
    metrics_printf(&b, "tagfailover_api_retries_total %lu\n", atomic_load(&api_retries));

    metrics_header(&b, "tagfailover_reconcile_runs_total", "counter",
                   "Reconcile cycles per organization, by result.");
    metrics_printf(&b, "tagfailover_reconcile_runs_total{result=\"ok\"} %lu\n",
                   atomic_load(&reconcile_runs[1]));
    metrics_printf(&b, "tagfailover_reconcile_runs_total{result=\"error\"} %lu\n",
                   atomic_load(&reconcile_runs[0]));

    metrics_header(&b, "tagfailover_networks", "gauge",
                   "Managed networks by state, as of the last reconcile.");
    for (size_t s = 0; s < LOOK_MANAGED_STATES; s++) {
        long sum = 0;
        for (size_t o = 0; o < METRICS_ORG_SLOTS; o++)
            sum += atomic_load(&networks[o][s]);
        metrics_printf(&b, "tagfailover_networks{state=\"%s\"} %ld\n",
                       look_state_name((look_state)s), sum);
    }

    metrics_header(&b, "tagfailover_alert_to_retag_seconds", "histogram",
                   "Time from a webhook's arrival to the tags being written.");
    unsigned long cumulative = 0;
    for (size_t i = 0; i < METRICS_BUCKETS; i++) {
        cumulative += atomic_load(&hist_buckets[i]);
        metrics_printf(&b, "tagfailover_alert_to_retag_seconds_bucket{le=\"%g\"} %lu\n",
                       histogram_bounds[i], cumulative);
    }
    unsigned long count = atomic_load(&hist_count);
    metrics_printf(&b, "tagfailover_alert_to_retag_seconds_bucket{le=\"+Inf\"} %lu\n", count);
    metrics_printf(&b, "tagfailover_alert_to_retag_seconds_sum %.6f\n",
                   (double)atomic_load(&hist_sum_us) / 1e6);
    metrics_printf(&b, "tagfailover_alert_to_retag_seconds_count %lu\n", count);

    metrics_header(&b, "tagfailover_notifications_total", "counter",
                   "Retag notifications, by result (dropped: the queue was full).");
    metrics_labelled(&b, "tagfailover_notifications_total", "result", notify_names, notifications,
                     METRICS_NOTIFY_RESULT_COUNT);

    metrics_header(&b, "tagfailover_last_reconcile_success_timestamp_seconds", "gauge",
                   "Unix time of each organization's last successful reconcile.");
    pthread_mutex_lock(&org_times_lock);
    for (size_t i = 0; i < n_org_times; i++)
        metrics_printf(&b,
                       "tagfailover_last_reconcile_success_timestamp_seconds{org=\"%s\"} %.3f\n",
                       org_times[i].id, org_times[i].unix_s);
    pthread_mutex_unlock(&org_times_lock);

    metrics_header(&b, "tagfailover_build_info", "gauge", "The running version; always 1.");
    metrics_printf(&b, "tagfailover_build_info{version=\"%s\"} 1\n", TF_VERSION);

    if (b.failed) {
        free(b.data);
        return NULL;
    }
    return b.data;
}
