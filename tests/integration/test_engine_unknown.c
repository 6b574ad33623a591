/*
 * test_engine_unknown.c - alerts for networks that do not exist (the README's "Security":
 * what unknown networks can spend). An authenticated sender floods an organization with 300
 * alerts for network IDs its last reconcile did not list; then a real alert comes for a lossy
 * managed network. That failover is done within a second of its alert, and the API calls the
 * unknown IDs cost stay within their budget: at most ENGINE_UNKNOWN_LOOKUPS GETs of unknown
 * networks per organization and reconcile interval, whatever their number.
 *
 * The world's reconcile interval is 30 s, so each test runs between two reconciles: the first
 * one (before the flood) is what "unknown" is measured against. Both fail on the tree before
 * the budget (the real failover came 20 s and more after its alert, or never within the wait).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base.h"
#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/fakedash.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

#define FLOOD 300
/* The README's bound: two lookups of unknown networks per organization and reconcile
 * interval. */
#define UNKNOWN_GET_BOUND 2

#define ALL_REQUESTS_BOUND 12

static const char *const SERVE[] = {"serve", NULL};

static void run_flood(harness_world *t, const char *overrides, int count, int spacing_ms)
{
    char id[32], alert[32];
    double at202;

    char *sc = harness_scenario(HARNESS_NET_L100 "," HARNESS_NET_L200, "");
    assert_non_null(sc);
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, overrides), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    assert_int_equal(harness_log_clear(&t->fd), 0);

    double t0 = harness_wall();
    for (int i = 0; i < count; i++) {
        snprintf(id, sizeof id, "L_9%05d", i);
        snprintf(alert, sizeof alert, "F-%d", i);
        assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, id, alert, NULL), 202);
        if (spacing_ms > 0)
            harness_sleep_ms(spacing_ms);
    }
    printf("%d alerts for unknown networks sent in %.2f s\n", count, harness_wall() - t0);

    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "REAL-1", &at202), 202);
    if (harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 20000) != 0)
        harness_daemon_dump(t);
    double put = harness_fakedash_first_put(&t->fd, "L_100");
    assert_false(isnan(put));
    int unknown_gets = harness_log_count(&t->fd, "GET", "/api/v1/networks/L_9");
    int all = harness_log_count(&t->fd, NULL, NULL);
    printf("the real alert's failover %.3f s after its 202; %d GETs of unknown networks, %d API "
           "requests in all\n",
           put - at202, unknown_gets, all);
    assert_true(put - at202 < 1.0);
    assert_true(unknown_gets >= 0 && unknown_gets <= UNKNOWN_GET_BOUND);
    /* Everything the API saw from the flood on: the two lookups and the real failover's round
     * (its data read, GET and PUT), with room to spare; without the budget, 40 and more. */
    assert_true(all >= 0 && all <= ALL_REQUESTS_BOUND);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_200"), 0);
    assert_int_equal(harness_world_close(t), 0);
}

/* 300 at once, with bulk_retag = off: each confirmation of its own reads its network. */
static void test_flood_single(void **state)
{
    run_flood(*state, "[failover]\nbulk_retag = off\n", FLOOD, 0);
}

/* The default (bulk_retag = auto): a burst shares one listing per round, but alerts that come
 * one at a time (beyond the 50-ms gathering) each cost a round of their own: the data read
 * and the GET. 40 of them, 80 ms apart. */
static void test_trickle_bulk(void **state)
{
    run_flood(*state, "", 40, 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        harness_world_test(test_flood_single),
        harness_world_test(test_trickle_bulk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
