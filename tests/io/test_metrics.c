/*
 * test_metrics.c - the metrics module: every contract name (the README's "Metrics") is rendered
 * with its HELP and TYPE, each counter moves only its own series, the networks gauge sums the
 * organization slots, the histogram is cumulative, concurrent counting loses nothing, and the
 * text is well-formed Prometheus 0.0.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/metrics.h"

/* The value of the series `series` (name plus labels, exactly as rendered), or -1 when absent. */
static double value_of(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}

/* Renders and returns the value of one series. */
static double current(const char *series)
{
    char *t = metrics_render();
    assert_non_null(t);
    double v = value_of(t, series);
    free(t);
    return v;
}

static int reset(void **state)
{
    (void)state;
    metrics_reset();
    return 0;
}

static void test_contract_names(void **state)
{
    static const char *const series[] = {
        "tagfailover_webhooks_total{result=\"accepted\"}",
        "tagfailover_webhooks_total{result=\"ignored\"}",
        "tagfailover_webhooks_total{result=\"duplicate\"}",
        "tagfailover_webhooks_total{result=\"unauthorized\"}",
        "tagfailover_webhooks_total{result=\"forbidden\"}",
        "tagfailover_webhooks_total{result=\"malformed\"}",
        "tagfailover_webhooks_total{result=\"too_large\"}",
        "tagfailover_webhooks_total{result=\"overloaded\"}",
        "tagfailover_failovers_total{trigger=\"webhook\"}",
        "tagfailover_failovers_total{trigger=\"reconcile\"}",
        "tagfailover_failovers_total{trigger=\"manual\"}",
        "tagfailover_failbacks_total{trigger=\"reconcile\"}",
        "tagfailover_failbacks_total{trigger=\"manual\"}",
        "tagfailover_actions_failed_total",
        "tagfailover_confirmations_total{result=\"confirmed\"}",
        "tagfailover_confirmations_total{result=\"unconfirmed\"}",
        "tagfailover_confirmations_total{result=\"skipped\"}",
        "tagfailover_api_requests_total{code=\"200\"}",
        "tagfailover_api_retries_total",
        "tagfailover_reconcile_runs_total{result=\"ok\"}",
        "tagfailover_reconcile_runs_total{result=\"error\"}",
        "tagfailover_networks{state=\"normal\"}",
        "tagfailover_networks{state=\"failed_over\"}",
        "tagfailover_networks{state=\"held\"}",
        "tagfailover_networks{state=\"invalid\"}",
        "tagfailover_networks{state=\"no_tracked_ip\"}",
        "tagfailover_alert_to_retag_seconds_bucket{le=\"+Inf\"}",
        "tagfailover_alert_to_retag_seconds_sum",
        "tagfailover_alert_to_retag_seconds_count",
        "tagfailover_confirmations_pending",
        "tagfailover_notifications_total{result=\"ok\"}",
        "tagfailover_notifications_total{result=\"failed\"}",
        "tagfailover_notifications_total{result=\"dropped\"}",
    };
    static const char *const types[] = {
        "# TYPE tagfailover_webhooks_total counter\n",
        "# TYPE tagfailover_failovers_total counter\n",
        "# TYPE tagfailover_failbacks_total counter\n",
        "# TYPE tagfailover_actions_failed_total counter\n",
        "# TYPE tagfailover_confirmations_total counter\n",
        "# TYPE tagfailover_api_requests_total counter\n",
        "# TYPE tagfailover_api_retries_total counter\n",
        "# TYPE tagfailover_reconcile_runs_total counter\n",
        "# TYPE tagfailover_networks gauge\n",
        "# TYPE tagfailover_alert_to_retag_seconds histogram\n",
        "# TYPE tagfailover_confirmations_pending gauge\n",
        "# TYPE tagfailover_notifications_total counter\n",
        "# TYPE tagfailover_last_reconcile_success_timestamp_seconds gauge\n",
        "# TYPE tagfailover_build_info gauge\n",
    };
    (void)state;
    char *t = metrics_render();
    assert_non_null(t);
    for (size_t i = 0; i < sizeof(series) / sizeof(series[0]); i++)
        if (value_of(t, series[i]) != 0)
            fail_msg("%s: missing or not 0 after reset", series[i]);
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strstr(t, types[i]) == NULL)
            fail_msg("no '%.*s'", (int)strlen(types[i]) - 1, types[i]);
    /* A failback has no webhook trigger. */
    assert_null(strstr(t, "tagfailover_failbacks_total{trigger=\"webhook\"}"));
    free(t);
}

static void test_webhook_counters(void **state)
{
    static const char *const names[] = {"accepted",  "ignored",   "duplicate", "unauthorized",
                                        "forbidden", "malformed", "too_large", "overloaded"};
    (void)state;
    /* result r is counted r + 1 times, so a mixed-up label shows. */
    for (int r = 0; r < METRICS_WEBHOOK_RESULT_COUNT; r++)
        for (int i = 0; i <= r; i++)
            metrics_webhook((metrics_webhook_result)r);
    metrics_webhook(METRICS_WEBHOOK_RESULT_COUNT); /* out of range: ignored */
    metrics_webhook((metrics_webhook_result)-1);
    char *t = metrics_render();
    for (int r = 0; r < METRICS_WEBHOOK_RESULT_COUNT; r++) {
        char series[96];
        snprintf(series, sizeof(series), "tagfailover_webhooks_total{result=\"%s\"}", names[r]);
        assert_int_equal((long)value_of(t, series), r + 1);
        assert_int_equal(metrics_webhook_count((metrics_webhook_result)r), r + 1);
    }
    assert_int_equal(metrics_webhook_count(METRICS_WEBHOOK_RESULT_COUNT), 0);
    free(t);
}

static void test_action_counters(void **state)
{
    (void)state;
    metrics_failover(METRICS_TRIGGER_WEBHOOK);
    metrics_failover(METRICS_TRIGGER_WEBHOOK);
    metrics_failover(METRICS_TRIGGER_MANUAL);
    metrics_failback(METRICS_TRIGGER_RECONCILE);
    metrics_failback(METRICS_TRIGGER_RECONCILE);
    metrics_failback(METRICS_TRIGGER_RECONCILE);
    metrics_action_failed();
    metrics_confirmation(METRICS_CONFIRM_UNCONFIRMED);
    metrics_confirmation(METRICS_CONFIRM_SKIPPED);
    metrics_confirmation(METRICS_CONFIRM_SKIPPED);
    metrics_api_retry();
    metrics_api_retry();
    metrics_reconcile_run(1);
    metrics_reconcile_run(0);
    metrics_reconcile_run(1);
    metrics_reconcile_run(1);

    assert_true(current("tagfailover_failovers_total{trigger=\"webhook\"}") == 2);
    assert_true(current("tagfailover_failovers_total{trigger=\"reconcile\"}") == 0);
    assert_true(current("tagfailover_failovers_total{trigger=\"manual\"}") == 1);
    assert_true(current("tagfailover_failbacks_total{trigger=\"reconcile\"}") == 3);
    assert_true(current("tagfailover_failbacks_total{trigger=\"manual\"}") == 0);
    assert_true(current("tagfailover_actions_failed_total") == 1);
    assert_true(current("tagfailover_confirmations_total{result=\"confirmed\"}") == 0);
    assert_true(current("tagfailover_confirmations_total{result=\"unconfirmed\"}") == 1);
    assert_true(current("tagfailover_confirmations_total{result=\"skipped\"}") == 2);
    assert_true(current("tagfailover_api_retries_total") == 2);
    assert_true(current("tagfailover_reconcile_runs_total{result=\"ok\"}") == 3);
    assert_true(current("tagfailover_reconcile_runs_total{result=\"error\"}") == 1);
}

static void test_api_codes(void **state)
{
    (void)state;
    metrics_api_request(200);
    metrics_api_request(429);
    metrics_api_request(429);
    metrics_api_request(0);    /* transport error */
    metrics_api_request(-5);   /* nonsense: folded into 0 */
    metrics_api_request(1000); /* nonsense: folded into 0 */
    assert_true(current("tagfailover_api_requests_total{code=\"200\"}") == 1);
    assert_true(current("tagfailover_api_requests_total{code=\"429\"}") == 2);
    assert_true(current("tagfailover_api_requests_total{code=\"0\"}") == 3);
    /* Codes never seen are not rendered (except 200). */
    assert_true(current("tagfailover_api_requests_total{code=\"500\"}") == -1);
}

static void test_networks_gauge(void **state)
{
    const long a[LOOK_MANAGED_STATES] = {5, 1, 0, 2, 0};
    const long b[LOOK_MANAGED_STATES] = {10, 0, 3, 0, 1};
    const long c[LOOK_MANAGED_STATES] = {100, 100, 100, 100, 100};
    const long d[LOOK_MANAGED_STATES] = {1, 1, 1, 1, 1};
    (void)state;
    metrics_set_networks(0, a);
    metrics_set_networks(1, b);
    assert_true(current("tagfailover_networks{state=\"normal\"}") == 15);
    assert_true(current("tagfailover_networks{state=\"failed_over\"}") == 1);
    assert_true(current("tagfailover_networks{state=\"held\"}") == 3);
    assert_true(current("tagfailover_networks{state=\"invalid\"}") == 2);
    assert_true(current("tagfailover_networks{state=\"no_tracked_ip\"}") == 1);
    /* A slot is replaced, not added to. */
    metrics_set_networks(1, a);
    assert_true(current("tagfailover_networks{state=\"normal\"}") == 10);
    /* Slots past 63 share slot 63: the last write wins there. */
    metrics_set_networks(63, c);
    metrics_set_networks(500, d);
    assert_true(current("tagfailover_networks{state=\"normal\"}") == 11);
    assert_true(current("tagfailover_networks{state=\"held\"}") == 1);
}

static void test_histogram(void **state)
{
    (void)state;
    metrics_observe_alert_to_retag(0.01); /* <= 0.05 */
    metrics_observe_alert_to_retag(0.05); /* bounds are inclusive */
    metrics_observe_alert_to_retag(0.3);  /* <= 0.5 */
    metrics_observe_alert_to_retag(7);    /* <= 10 */
    metrics_observe_alert_to_retag(400);  /* only +Inf */
    metrics_observe_alert_to_retag(-1);   /* clamped to 0 */
    metrics_observe_alert_to_retag(NAN);  /* clamped to 0 */
    char *t = metrics_render();
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_bucket{le=\"0.05\"}") == 4);
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_bucket{le=\"0.1\"}") == 4);
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_bucket{le=\"0.5\"}") == 5);
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_bucket{le=\"5\"}") == 5);
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_bucket{le=\"10\"}") == 6);
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_bucket{le=\"300\"}") == 6);
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_bucket{le=\"+Inf\"}") == 7);
    assert_true(value_of(t, "tagfailover_alert_to_retag_seconds_count") == 7);
    double sum = value_of(t, "tagfailover_alert_to_retag_seconds_sum");
    assert_true(fabs(sum - 407.36) < 1e-5);
    free(t);
}

/* build_info carries the version and is always 1. */
static void test_build_info(void **state)
{
    (void)state;
    assert_true(current("tagfailover_build_info{version=\"" TF_VERSION "\"}") == 1);
}

/* Each notification result moves its own series only. */
static void test_notifications(void **state)
{
    (void)state;
    metrics_notification(METRICS_NOTIFY_OK);
    metrics_notification(METRICS_NOTIFY_DROPPED);
    metrics_notification(METRICS_NOTIFY_DROPPED);
    metrics_notification(METRICS_NOTIFY_RESULT_COUNT); /* out of range: ignored */
    assert_true(current("tagfailover_notifications_total{result=\"ok\"}") == 1);
    assert_true(current("tagfailover_notifications_total{result=\"failed\"}") == 0);
    assert_true(current("tagfailover_notifications_total{result=\"dropped\"}") == 2);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_DROPPED), 2);
}

/* One series per organization, the latest time of each; none before a reconcile succeeded;
 * the labels stop at METRICS_MAX_ORG_LABELS; a pending confirmation count sums the slots. */
static void test_reconcile_timestamps(void **state)
{
    (void)state;
    char *t = metrics_render();
    assert_non_null(t);
    assert_null(strstr(t, "tagfailover_last_reconcile_success_timestamp_seconds{"));
    free(t);
    metrics_set_reconcile_success("549236", 1764206691.5);
    metrics_set_reconcile_success("L_2", 1764206000);
    metrics_set_reconcile_success("549236", 1764206721.25);
    const char *org1 = "tagfailover_last_reconcile_success_timestamp_seconds{org=\"549236\"}";
    const char *org2 = "tagfailover_last_reconcile_success_timestamp_seconds{org=\"L_2\"}";
    assert_true(current(org1) == 1764206721.25);
    assert_true(current(org2) == 1764206000);
    for (int i = 0; i < METRICS_MAX_ORG_LABELS + 10; i++) {
        char id[16];
        snprintf(id, sizeof id, "o%d", i);
        metrics_set_reconcile_success(id, i);
    }
    t = metrics_render();
    assert_non_null(t);
    size_t n = 0;
    for (const char *p = t; (p = strstr(p, "_timestamp_seconds{org=")) != NULL; p++)
        n++;
    assert_int_equal(n, METRICS_MAX_ORG_LABELS);
    free(t);

    metrics_set_confirmations_pending(0, 2);
    metrics_set_confirmations_pending(5, 3);
    assert_true(current("tagfailover_confirmations_pending") == 5);
}

/* Every line is a comment (# HELP / # TYPE) or `name{labels} value`, every series follows a
 * TYPE line for its family, and buckets never decrease. */
static void test_text_format(void **state)
{
    regex_t sample, comment;
    (void)state;
    metrics_webhook(METRICS_WEBHOOK_ACCEPTED);
    metrics_api_request(503);
    metrics_observe_alert_to_retag(2.5);
    metrics_set_reconcile_success("549236", 1764206721.25);
    assert_int_equal(regcomp(&sample,
                             "^([a-z_]+)(\\{[a-z]+=\"[^\"\\\\]*\"\\})? "
                             "(-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?)$",
                             REG_EXTENDED),
                     0);
    assert_int_equal(regcomp(&comment, "^# (HELP|TYPE) ([a-z_]+) .+$", REG_EXTENDED), 0);

    char *t = metrics_render();
    assert_non_null(t);
    assert_true(t[strlen(t) - 1] == '\n');
    char family[128] = "";
    double last_bucket = -1;
    char *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        regmatch_t m[6];
        if (line[0] == '#') {
            if (regexec(&comment, line, 3, m, 0) != 0)
                fail_msg("bad comment line: %s", line);
            if (strncmp(line, "# TYPE ", 7) == 0) {
                int len = (int)(m[2].rm_eo - m[2].rm_so);
                snprintf(family, sizeof(family), "%.*s", len, line + m[2].rm_so);
                last_bucket = -1;
            }
            continue;
        }
        if (regexec(&sample, line, 6, m, 0) != 0)
            fail_msg("bad sample line: %s", line);
        if (strncmp(line, family, strlen(family)) != 0 || family[0] == '\0')
            fail_msg("sample outside its family (%s): %s", family, line);
        if (strstr(line, "_bucket{") != NULL) {
            double v = strtod(strrchr(line, ' ') + 1, NULL);
            assert_true(v >= last_bucket);
            last_bucket = v;
        }
    }
    free(t);
    regfree(&sample);
    regfree(&comment);
}

#define THREADS    4
#define PER_THREAD 100000

static void *count_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_webhook(METRICS_WEBHOOK_IGNORED);
        metrics_api_request(200);
    }
    return NULL;
}

static void test_concurrent(void **state)
{
    pthread_t th[THREADS];
    (void)state;
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, count_many, NULL), 0);
    /* Rendering while others count must be safe (TSan checks it). */
    for (int i = 0; i < 20; i++)
        free(metrics_render());
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(metrics_webhook_count(METRICS_WEBHOOK_IGNORED), THREADS * PER_THREAD);
    assert_true(current("tagfailover_api_requests_total{code=\"200\"}") == THREADS * PER_THREAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_contract_names, reset),
        cmocka_unit_test_setup(test_webhook_counters, reset),
        cmocka_unit_test_setup(test_action_counters, reset),
        cmocka_unit_test_setup(test_api_codes, reset),
        cmocka_unit_test_setup(test_networks_gauge, reset),
        cmocka_unit_test_setup(test_histogram, reset),
        cmocka_unit_test_setup(test_build_info, reset),
        cmocka_unit_test_setup(test_notifications, reset),
        cmocka_unit_test_setup(test_reconcile_timestamps, reset),
        cmocka_unit_test_setup(test_text_format, reset),
        cmocka_unit_test_setup(test_concurrent, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
