/*
 * test_engine_faults.c - a failover in the middle of API trouble (the README's "How it talks to the
 * Dashboard"): 429s with and without Retry-After, 5xx answers and a 307 redirect, queued on the
 * fake's GET and PUT paths before the webhook, still land the retag, each fault consumed once, the
 * Retry-After honoured, and nothing counted as a failed action.
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

#define NET_PATH  "/api/v1/networks/L_100"
#define LOSS_PATH "/api/v1/organizations/1001/devices/uplinksLossAndLatency"
#define UPL_PATH  "/api/v1/organizations/1001/appliance/uplink/statuses"

static const char *const SERVE[] = {"serve", NULL};

/* Opens the standard world with loss on L_100 and starts serve. */
static void open_lossy(harness_world *t)
{
    char *sc = harness_scenario(HARNESS_NET_L100 "," HARNESS_NET_L200, "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, ""), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
}

/* Sends the alert, waits for the failover and checks what every fault run leaves: the tags,
 * one confirmed confirmation, no failed action, every fault consumed. Returns the seconds
 * from the 202 to the successful PUT. */
static double land(harness_world *t, const char *alert_id)
{
    double at202 = 0;
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", alert_id, &at202), 202);
    if (harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 15000) != 0)
        harness_daemon_dump(t);
    char buf[512];
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_FAILED);
    assert_int_equal(harness_daemon_wait_metric(
                         t, "tagfailover_confirmations_total{result=\"confirmed\"}", 1, 3000),
                     0);
    assert_true(harness_daemon_metric(t, "tagfailover_actions_failed_total") == 0);
    assert_int_equal(harness_daemon_log_count(t, "retag_failed"), 0);
    struct harness_response r;
    assert_int_equal(harness_control(&t->fd, "GET", "/_control/fault", NULL, &r), 200);
    assert_string_equal(r.body, "[]");
    harness_response_free(&r);
    return harness_fakedash_first_put(&t->fd, "L_100") - at202;
}

/* 429 with Retry-After on the PUT, 429 without it on the GET before: both retried. */
static void test_429s(void **state)
{
    harness_world *t = *state;
    double v[4];

    open_lossy(t);
    assert_int_equal(harness_fakedash_fault(&t->fd, "429", "GET", NET_PATH, 1, NULL), 200);
    assert_int_equal(
        harness_fakedash_fault(&t->fd, "429", "PUT", NET_PATH, 1, ",\"retry_after\":1"), 200);
    double d = land(t, "A-F429");
    printf("429 x2 (one with Retry-After: 1): failover %.2f s after the 202\n", d);
    /* The PUT was answered 429, then retried no sooner than Retry-After. */
    assert_int_equal(harness_log_times(&t->fd, "PUT", NET_PATH, 429, v, 1), 1);
    double first = v[0];
    assert_int_equal(harness_log_times(&t->fd, "PUT", NET_PATH, 200, v, 1), 1);
    printf("PUT retried %.2f s after its 429 (Retry-After: 1)\n", v[0] - first);
    assert_true(v[0] - first >= 0.95);
    assert_int_equal(harness_log_times(&t->fd, "GET", NET_PATH, 429, v, 4), 1);
    assert_int_equal(harness_log_times(&t->fd, "GET", NET_PATH, 200, v, 4), 1);
    assert_true(harness_daemon_metric(t, "tagfailover_api_requests_total{code=\"429\"}") == 2);
    assert_true(harness_daemon_metric(t, "tagfailover_api_retries_total") >= 2);
    assert_int_equal(harness_world_close(t), 0);
}

/* 500 on the loss read, 502 on the GET, 503 on the PUT: each retried. */
static void test_5xx(void **state)
{
    harness_world *t = *state;
    double v[4];

    open_lossy(t);
    assert_int_equal(harness_fakedash_fault(&t->fd, "500", "GET", LOSS_PATH, 1, NULL), 200);
    assert_int_equal(harness_fakedash_fault(&t->fd, "502", "GET", NET_PATH, 1, NULL), 200);
    assert_int_equal(harness_fakedash_fault(&t->fd, "503", "PUT", NET_PATH, 1, NULL), 200);
    double d = land(t, "A-F5XX");
    printf("500, 502, 503: failover %.2f s after the 202\n", d);
    assert_int_equal(harness_log_times(&t->fd, "GET", LOSS_PATH, 500, v, 4), 1);
    assert_int_equal(harness_log_times(&t->fd, "GET", NET_PATH, 502, v, 4), 1);
    assert_int_equal(harness_log_times(&t->fd, "PUT", NET_PATH, 503, v, 4), 1);
    assert_int_equal(harness_log_times(&t->fd, "PUT", NET_PATH, 200, v, 4), 1);
    assert_true(harness_daemon_metric(t, "tagfailover_api_retries_total") >= 3);
    assert_int_equal(harness_world_close(t), 0);
}

/* 307 on the uplink statuses, the GET and the PUT: followed (to the fake's second port, same
 * host), the PUT keeping its method and body. */
static void test_redirect307(void **state)
{
    harness_world *t = *state;

    open_lossy(t);
    assert_int_equal(harness_fakedash_fault(&t->fd, "redirect307", "GET", UPL_PATH, 1, NULL), 200);
    assert_int_equal(harness_fakedash_fault(&t->fd, "redirect307", "GET", NET_PATH, 1, NULL), 200);
    assert_int_equal(harness_fakedash_fault(&t->fd, "redirect307", "PUT", NET_PATH, 1, NULL), 200);
    double d = land(t, "A-F307");
    printf("307 x3: failover %.2f s after the 202\n", d);

    /* The PUT that landed came to the second port, with the whole tag list as its body. */
    struct json_object *log = harness_log(&t->fd);
    assert_non_null(log);
    int redirected = 0, landed_on_port2 = 0;
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i);
        if (strcmp(harness_json_str(e, "method"), "PUT") != 0 ||
            strcmp(harness_json_str(e, "path"), NET_PATH) != 0)
            continue;
        struct json_object *st, *port;
        assert_true(json_object_object_get_ex(e, "status", &st));
        assert_true(json_object_object_get_ex(e, "port", &port));
        if (json_object_get_int(st) == 307 && json_object_get_int(port) == t->fd.port)
            redirected++;
        if (json_object_get_int(st) == 200 && json_object_get_int(port) == t->fd.port2) {
            landed_on_port2++;
            assert_non_null(strstr(harness_json_str(e, "body"), "london_primary_down"));
        }
    }
    json_object_put(log);
    assert_int_equal(redirected, 1);
    assert_int_equal(landed_on_port2, 1);
    assert_true(harness_daemon_metric(t, "tagfailover_api_requests_total{code=\"307\"}") == 3);
    assert_int_equal(harness_world_close(t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        harness_world_test(test_429s),
        harness_world_test(test_5xx),
        harness_world_test(test_redirect307),
    };
    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
