/*
 * test_engine_reconcile.c - the reconciler's side of the README's "Which loss counts" and "When it
 * looks": what blocks a failback (failback = manual, a device that stopped reporting), `reconcile
 * --once` from a clean state (cron), and reconciliation-only mode (no listener) doing failover and
 * failback alone.
 *
 * Compressed time as everywhere: 1-s samples, 6-s windows, reconcile every second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/fakedash.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

#define CLEAN_S 6.0
#define SLACK_S 1.5

static const char *const SERVE[] = {"serve", NULL};

/* The whole second at least 200 ms away. */
static double next_second(void)
{
    return ceil(harness_wall() + 0.2);
}

/* failback = manual: a failed-over network with a long-clean window stays failed over, and
 * /status says why and that it would do nothing. */
static void test_failback_manual(void **state)
{
    harness_world *t = *state;
    char buf[512];

    char *sc = harness_scenario(HARNESS_NET_L100_FAILED, "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(
        harness_conf_write(t, "[failover]\nreconcile_interval_s = 1\nfailback = manual\n"), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    /* Longer than the clean window, with a reconcile every second. */
    harness_sleep_ms((int)(CLEAN_S * 1000) + 2000);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_FAILED);
    assert_true(harness_log_count(&t->fd, "GET", "/api/v1/organizations/1001/networks") >= 6);
    struct json_object *doc = harness_daemon_status(t),
                       *n = harness_daemon_status_net(doc, "L_100");
    assert_string_equal(harness_json_str(n, "state"), "failed_over");
    assert_string_equal(harness_json_str(n, "reason"), "failback_manual");
    assert_string_equal(harness_json_str(n, "would"), "none");
    json_object_put(n);
    json_object_put(doc);
    assert_int_equal(harness_world_close(t), 0);
}

/* A device that stops reporting ("absent": no samples at all) is never failed back: first the
 * old loss is in the window, then nothing is. */
static void test_absent_device_never_failed_back(void **state)
{
    harness_world *t = *state;
    char buf[512];

    char *sc =
        harness_scenario(HARNESS_NET_L100_FAILED, "{\"networkId\":\"L_100\",\"lossPercent\":100,"
                                                  "\"from\":-3600}");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, "[failover]\nreconcile_interval_s = 1\n"), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "reason", "loss_over_threshold", 3000),
                     0);
    double s = next_second();
    assert_int_equal(harness_controlf(&t->fd, "/_control/loss",
                                      "{\"networkId\":\"L_100\",\"absent\":true,\"from\":%.0f}", s),
                     200);
    /* Past the clean window the window holds no sample at all. */
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "reason", "no_data", 12000), 0);
    harness_sleep_until(s + CLEAN_S + 3);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_FAILED);
    struct json_object *doc = harness_daemon_status(t),
                       *n = harness_daemon_status_net(doc, "L_100");
    assert_string_equal(harness_json_str(n, "reason"), "no_data");
    assert_string_equal(harness_json_str(n, "would"), "none");
    assert_string_equal(harness_json_str(n, "worst_loss_pct"), "null");
    json_object_put(n);
    json_object_put(doc);
    assert_int_equal(harness_world_close(t), 0);
}

/* `reconcile --once` from a clean state (no daemon, as from cron): fails back the network
 * whose clean window is proven and exits 0; leaves the one cleared 2 s ago; a run after its
 * window is proven fails that one back too. */
static void test_reconcile_once(void **state)
{
    harness_world *t = *state;
    char buf[512];
    static const char *const once[] = {"reconcile", "--once", NULL};

    double cleared = floor(harness_wall()) - 2;
    char loss[512];
    snprintf(loss, sizeof(loss),
             "{\"networkId\":\"L_200\",\"ip\":\"" HARNESS_LONDON_IP "\",\"lossPercent\":100,"
             "\"from\":-3600},{\"networkId\":\"L_200\",\"ip\":\"" HARNESS_LONDON_IP "\","
             "\"lossPercent\":0,\"from\":%.0f}",
             cleared);
    char *sc = harness_scenario(HARNESS_NET_L100_FAILED "," HARNESS_NET_L200_FAILED, loss);
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, ""), 0);

    int rc = harness_daemon_run(t, once, 15000);
    if (rc != 0)
        harness_daemon_dump(t);
    assert_int_equal(rc, 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_NORMAL);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_200", buf, sizeof(buf)),
                        HARNESS_L200_FAILED);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 1);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_200"), 0);
    assert_int_equal(harness_file_count(t->last.stderr_path, "\"event\":\"failback\""), 1);
    assert_int_equal(harness_file_count(t->last.stderr_path, "\"trigger\":\"reconcile\""), 1);

    /* Once L_200's window is proven, the next cron run fails it back. */
    harness_sleep_until(cleared + CLEAN_S + 1.1);
    rc = harness_daemon_run(t, once, 15000);
    if (rc != 0)
        harness_daemon_dump(t);
    assert_int_equal(rc, 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_200", buf, sizeof(buf)),
                        HARNESS_L200_NORMAL);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 1);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_200"), 1);
    assert_int_equal(harness_world_close(t), 0);
}

/* Reconciliation-only mode (`tagfailover reconcile`, no listener): the poller alone fails
 * over on loss and back after the clean window. */
static void test_reconcile_only_mode(void **state)
{
    harness_world *t = *state;
    static const char *const reconcile[] = {"reconcile", NULL};

    char *sc = harness_scenario(HARNESS_NET_L100 "," HARNESS_NET_L200, "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(
        harness_conf_write(t, "[listener]\nmode = off\n[failover]\nreconcile_interval_s = 1\n"), 0);
    assert_int_equal(harness_daemon_start(t, reconcile, NULL), 0);
    assert_int_equal(harness_daemon_wait_ready(t, 10000), 0);
    assert_int_equal(harness_file_count(t->proc.stderr_path, "reconciling (no listener)"), 1);
    /* Nothing listens for webhooks. */
    assert_int_not_equal(harness_wait_port(t->port, 200), 0);

    double lossy = harness_wall();
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, 0), 200);
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 4000), 0);
    double put = harness_fakedash_first_put(&t->fd, "L_100");
    printf("reconcile-only: failover %.2f s after the loss began\n", put - lossy);
    assert_true(harness_daemon_metric(t, "tagfailover_failovers_total{trigger=\"reconcile\"}") ==
                1);

    double s = next_second();
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 0, s), 200);
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_NORMAL, 12000), 0);
    double back[2];
    assert_int_equal(harness_log_times(&t->fd, "PUT", "/api/v1/networks/L_100", 200, back, 2), 2);
    printf("reconcile-only: failback at S + %.2f s\n", back[1] - s);
    assert_true(back[1] - s >= CLEAN_S);
    assert_true(back[1] - s <= CLEAN_S + SLACK_S);
    assert_true(harness_daemon_metric(t, "tagfailover_failbacks_total{trigger=\"reconcile\"}") ==
                1);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_200"), 0);
    assert_int_equal(harness_world_close(t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        harness_world_test(test_failback_manual),
        harness_world_test(test_absent_device_never_failed_back),
        harness_world_test(test_reconcile_once),
        harness_world_test(test_reconcile_only_mode),
    };
    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
