/*
 * test_engine_failback.c - failback timing (the README's "Which loss counts"): a failed-over
 * network goes back to its primary exactly when the loss data proves a clean window, not before and
 * not much later; a flap or a null sample restarts the wait; a restart (kill -9) changes nothing,
 * because the data alone proves the window.
 *
 * The reconcile does failback, so these tests run it every second (reconcile_interval_s = 1)
 * with a 6-s clean window and 1-s samples. The loss is cleared from a whole second S, the
 * first clean sample: the window [t1 - 6, t1] is clean from t1 = S + 6 on, so the failback
 * PUT must come at S + 6 or later, and within about a reconcile interval after.
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
/* How late a failback may come after its window is proven: one reconcile interval (1 s),
 * the whole-second grid of t1, and the time a reconcile takes. */
#define SLACK_S 1.5

static const char *const SERVE[] = {"serve", NULL};

/* L_100 failed over with 100 % loss to London for the past hour, L_200 normal and clean. */
static void open_failed_over(harness_world *t, const char *failover)
{
    char *sc = harness_scenario(HARNESS_NET_L100_FAILED "," HARNESS_NET_L200,
                                "{\"networkId\":\"L_100\",\"ip\":\"" HARNESS_LONDON_IP
                                "\",\"lossPercent\":100,\"from\":-3600}");
    assert_non_null(sc);
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    char fo[512];
    snprintf(fo, sizeof(fo), "[failover]\nreconcile_interval_s = 1\n%s", failover);
    assert_int_equal(harness_conf_write(t, fo), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    /* The lossy network stays failed over. */
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "reason", "loss_over_threshold", 3000),
                     0);
    char buf[512];
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_FAILED);
}

/* The next whole second at least 200 ms away: when the first clean sample will be. */
static double next_second(void)
{
    return ceil(harness_wall() + 0.2);
}

/* Waits for the failback of L_100 and returns its PUT time minus `from`. */
static double failback_after(harness_world *t, double from, int timeout_ms)
{
    if (harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_NORMAL, timeout_ms) != 0)
        harness_daemon_dump(t);
    char buf[512];
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_NORMAL);
    double put = harness_fakedash_first_put(&t->fd, "L_100");
    assert_false(isnan(put));
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 1);
    return put - from;
}

/* Failback comes exactly after the clean window: not before, not much later. */
static void test_failback_after_clean_window(void **state)
{
    harness_world *t = *state;

    open_failed_over(t, "");
    double s = next_second();
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 0, s), 200);
    double d = failback_after(t, s, 12000);
    printf("loss cleared at S; failback PUT at S + %.2f s (clean_window_s %.0f)\n", d, CLEAN_S);
    assert_true(d >= CLEAN_S);
    assert_true(d <= CLEAN_S + SLACK_S);

    const char *const needles[] = {"\"event\":\"failback\"", "\"network_id\":\"L_100\"",
                                   "\"trigger\":\"reconcile\"", "\"loss_pct\":0", NULL};
    char *line = harness_daemon_log_line(t, needles);
    assert_non_null(line);
    assert_non_null(strstr(line, "\"tags_after\":" HARNESS_L100_NORMAL));
    free(line);
    assert_true(harness_daemon_metric(t, "tagfailover_failbacks_total{trigger=\"reconcile\"}") ==
                1);
    /* /status remembers what this process did. */
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "last_action", "failback", 3000), 0);
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "state", "normal", 3000), 0);
    /* The clean neighbour was never touched. */
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_200"), 0);
    assert_int_equal(harness_world_close(t), 0);
}

/* A flap (one second of 50 % loss) 3 s into the clean window restarts the wait. */
static void test_flap_restarts_wait(void **state)
{
    harness_world *t = *state;

    open_failed_over(t, "");
    double s = next_second();
    double flap = s + 3;
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 0, s), 200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 50, flap),
                     200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 0, flap + 1),
                     200);
    double d = failback_after(t, flap + 1, 16000);
    printf("flap ended at F; failback PUT at F + %.2f s (S + %.2f s)\n", d, d + 4);
    assert_true(d >= CLEAN_S);
    assert_true(d <= CLEAN_S + SLACK_S);
    assert_int_equal(harness_world_close(t), 0);
}

/* Null samples are no data, never "no loss": 3 s of nulls after the loss push the failback
 * to 6 s after the last null (S + 9), where treating them as clean would give S + 6. */
static void test_null_samples_block_failback(void **state)
{
    harness_world *t = *state;

    open_failed_over(t, "");
    double s = next_second();
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, -1, s), 200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 0, s + 3),
                     200);
    /* While the nulls are in the window, /status names them. */
    harness_sleep_until(s + 7.3);
    struct json_object *doc = harness_daemon_status(t),
                       *n = harness_daemon_status_net(doc, "L_100");
    assert_string_equal(harness_json_str(n, "reason"), "null_sample");
    assert_string_equal(harness_json_str(n, "would"), "none");
    json_object_put(n);
    json_object_put(doc);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    double d = failback_after(t, s + 3, 8000);
    printf("nulls S..S+3; failback PUT at S + 3 + %.2f s\n", d);
    assert_true(d >= CLEAN_S);
    assert_true(d <= CLEAN_S + SLACK_S);
    assert_int_equal(harness_world_close(t), 0);
}

/* kill -9 in the middle of the clean window and a restart: the failback comes at the same
 * moment as without the restart, since nothing but the data proves the window. */
static void test_kill9_restart(void **state)
{
    harness_world *t = *state;

    open_failed_over(t, "");
    double s = next_second();
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 0, s), 200);
    harness_sleep_until(s + 3);
    pid_t pid = t->proc.pid;
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(harness_wait_exit(pid, 5000), 128 + SIGKILL);
    t->proc.pid = 0;
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    static const char *const serve[] = {"serve", NULL};
    assert_int_equal(harness_daemon_start(t, serve, NULL), 0);
    double d = failback_after(t, s, 10000);
    printf("killed at S + 3, restarted; failback PUT at S + %.2f s\n", d);
    assert_true(d >= CLEAN_S);
    assert_true(d <= CLEAN_S + SLACK_S);
    /* The new process did it. */
    assert_int_equal(harness_file_count(t->proc.stderr_path, "\"event\":\"failback\""), 1);
    assert_int_equal(harness_world_close(t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        harness_world_test(test_failback_after_clean_window),
        harness_world_test(test_flap_restarts_wait),
        harness_world_test(test_null_samples_block_failback),
        harness_world_test(test_kill9_restart),
    };
    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
