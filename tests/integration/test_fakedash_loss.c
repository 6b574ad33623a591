/*
 * test_fakedash_loss.c - the fake Dashboard's loss series and the state around them: spacing,
 * lag, the t0/t1/timespan limits, uplink and ip filters, the schedule with null and absent
 * samples, uplink statuses and VPN reachability, and live-tools ping.
 *
 * One fakedash serves the whole group; each test loads the sample scenario first (which also
 * clears the log and the faults).
 */
#define _GNU_SOURCE /* strptime */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "harness/expect.h"
#include "harness/fakedash.h"
#include "harness/spec.h"

static long long now_s(void)
{
    return (long long)time(NULL);
}

static void iso(long long t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static long long parse_iso(const char *s)
{
    struct tm tm;

    memset(&tm, 0, sizeof tm);
    assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
    return (long long)timegm(&tm);
}

/* Loss series of one (network, uplink, ip) as parallel arrays; returns the sample count. */
static int series(const struct harness_fakedash *fd, const char *query, long long ts[],
                  double loss[], int isnull[], int max)
{
    char path[1024];
    struct json_object *o, *item, *s;
    int n = 0;

    snprintf(path, sizeof path, "/organizations/1001/devices/uplinksLossAndLatency?%s", query);
    o = harness_expect_api_json(fd, path, 200);
    if (json_object_array_length(o) == 0) {
        json_object_put(o);
        return 0;
    }
    assert_int_equal(json_object_array_length(o), 1);
    item = json_object_array_get_idx(o, 0);
    s = harness_expect_get(item, "timeSeries");
    for (size_t i = 0; i < json_object_array_length(s) && n < max; i++, n++) {
        struct json_object *sm = json_object_array_get_idx(s, i),
                           *lp = harness_expect_get(sm, "lossPercent");

        ts[n] = parse_iso(harness_expect_str(sm, "ts"));
        isnull[n] = json_object_is_type(lp, json_type_null);
        loss[n] = isnull[n] ? -1 : json_object_get_double(lp);
    }
    json_object_put(o);
    return n;
}

static void test_loss_limits(void **state)
{
    struct harness_fakedash *fd = *state;
    struct harness_response r;
    char q[512], a[32], b[32];
    long long t1, ts[400];
    double loss[400];
    int isnull[400], n;
    struct json_object *o;

    harness_expect_control(fd, "POST", "/_control/config",
                           "{\"sample_spacing_s\": 60, \"data_lag_s\": 120}");
    t1 = now_s() - 125;
    iso(t1 - 300, a, sizeof a);
    iso(t1, b, sizeof b);
    /* Uplink filter; a not-connected uplink has no data. */
    o = harness_expect_api_json(fd, "/organizations/1001/devices/uplinksLossAndLatency?uplink=wan2",
                                200);
    assert_int_equal(json_object_array_length(o), 2); /* L_100 wan2 to both peers */
    json_object_put(o);
    o = harness_expect_api_json(fd, "/organizations/1001/devices/uplinksLossAndLatency?uplink=wan3",
                                200);
    assert_int_equal(json_object_array_length(o), 0); /* not connected: no data */
    json_object_put(o);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    o = harness_expect_api_json(fd, q, 200);
    /* L_100: wan1+wan2 x 2 peers; L_200: wan1 x 1 destination; L_300: wan1 x 2 peers. */
    assert_int_equal(json_object_array_length(o), 7);
    for (size_t i = 0; i < json_object_array_length(o); i++) {
        struct json_object *s = harness_expect_get(json_object_array_get_idx(o, i), "timeSeries");

        assert_true(json_object_array_length(s) == 5 || json_object_array_length(s) == 6);
        for (size_t k = 0; k < json_object_array_length(s); k++) {
            long long t = parse_iso(harness_expect_str(json_object_array_get_idx(s, k), "ts"));

            assert_int_equal(t % 60, 0);
            assert_true(t >= t1 - 300 && t <= t1);
        }
    }
    json_object_put(o);

    /* t1 exactly data_lag_s ago is fine; two seconds later is inside the lag. */
    iso(now_s() - 120, b, sizeof b);
    iso(now_s() - 200, a, sizeof a);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(harness_fakedash_api(fd, "GET", q, NULL, &r), 200);
    harness_response_free(&r);
    iso(now_s() - 117, b, sizeof b);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(harness_fakedash_api(fd, "GET", q, NULL, &r), 400);
    harness_response_free(&r);

    /* 301 s is one too many; t1 in the lag is refused; timespan over 300 is refused. */
    iso(t1, b, sizeof b);
    iso(t1 - 301, a, sizeof a);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(harness_fakedash_api(fd, "GET", q, NULL, &r), 400);
    harness_expect_errors_body(&r);
    harness_response_free(&r);
    iso(now_s() - 100, b, sizeof b);
    iso(now_s() - 300, a, sizeof a);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(harness_fakedash_api(fd, "GET", q, NULL, &r), 400);
    harness_response_free(&r);
    assert_int_equal(
        harness_fakedash_api(
            fd, "GET", "/organizations/1001/devices/uplinksLossAndLatency?timespan=301", NULL, &r),
        400);
    harness_response_free(&r);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?timespan=60&t0=%s", a);
    assert_int_equal(harness_fakedash_api(fd, "GET", q, NULL, &r), 400);
    harness_response_free(&r);
    assert_int_equal(
        harness_fakedash_api(
            fd, "GET", "/organizations/1001/devices/uplinksLossAndLatency?uplink=wan9", NULL, &r),
        400);
    harness_response_free(&r);
    assert_int_equal(
        harness_fakedash_api(
            fd, "GET", "/organizations/1001/devices/uplinksLossAndLatency?t0=yesterday", NULL, &r),
        400);
    harness_response_free(&r);

    /* timespan: the window ends data_lag_s ago; the ip filter picks one destination. */
    t1 = now_s();
    n = series(fd, "timespan=120&uplink=wan2&ip=198.51.100.20", ts, loss, isnull, 400);
    assert_true(n >= 1 && n <= 3);
    for (int i = 0; i < n; i++)
        assert_true(ts[i] <= t1 - 120 + 1 && ts[i] >= t1 - 240 - 2);
}

static void test_loss_schedule(void **state)
{
    struct harness_fakedash *fd = *state;
    char body[512], q[256], a[32], b[32];
    long long base = now_s() - 100, ts[400];
    double loss[400];
    int isnull[400], n;

    /* Schedule on L_200 (one destination, wan1): 50 % from base+10, null from base+20,
     * absent from base+30, 0 again from base+40. */
    snprintf(body, sizeof body,
             "{\"sample_spacing_s\": 1, \"data_lag_s\": 0, \"organizations\": [{\"id\": "
             "\"1001\", \"networks\": [{\"id\": \"L_200\", \"destinations\": "
             "[\"203.0.113.10\"]}]}], \"loss\": [{\"networkId\": \"L_200\", \"uplink\": "
             "\"wan1\", \"ip\": \"203.0.113.10\", \"lossPercent\": 50, \"from\": %lld}, "
             "{\"networkId\": \"L_200\", \"lossPercent\": null, \"from\": %lld}]}",
             base + 10, base + 20);
    harness_expect_scenario(fd, body);
    snprintf(body, sizeof body,
             "{\"networkId\": \"L_200\", \"ip\": \"203.0.113.10\", \"absent\": true, \"at\": "
             "%lld}",
             base + 30);
    harness_expect_control(fd, "POST", "/_control/loss", body);
    snprintf(body, sizeof body, "{\"networkId\": \"L_200\", \"lossPercent\": 0, \"at\": %lld}",
             base + 40);
    harness_expect_control(fd, "POST", "/_control/loss", body);

    iso(base, a, sizeof a);
    iso(base + 50, b, sizeof b);
    snprintf(q, sizeof q, "t0=%s&t1=%s", a, b);
    n = series(fd, q, ts, loss, isnull, 400);
    /* 51 one-second slots minus the 10 absent ones. */
    assert_int_equal(n, 41);
    for (int i = 0; i < n; i++) {
        long long off = ts[i] - base;

        assert_true(off < 30 || off >= 40);
        if (off < 10)
            assert_true(loss[i] == 0 && !isnull[i]);
        else if (off < 20)
            assert_true(loss[i] == 50);
        else if (off < 30)
            assert_true(isnull[i]);
        else
            assert_true(loss[i] == 0 && !isnull[i]);
        if (i > 0 && off != 40)
            assert_int_equal(ts[i] - ts[i - 1], 1);
    }

    /* A network-wide wildcard (no networkId) reaches every network; a relative `from`
     * counts from now. */
    harness_expect_control(fd, "POST", "/_control/loss",
                           "{\"ip\": \"203.0.113.10\", \"lossPercent\": 100, "
                           "\"at\": -5}");
    iso(now_s() - 2, b, sizeof b);
    iso(now_s() - 3, a, sizeof a);
    snprintf(q, sizeof q, "t0=%s&t1=%s", a, b);
    n = series(fd, q, ts, loss, isnull, 400);
    assert_int_equal(n, 2);
    assert_true(loss[0] == 100 && loss[1] == 100);
}

static void test_uplinks_and_vpn(void **state)
{
    struct harness_fakedash *fd = *state;
    struct json_object *o, *item, *peers;
    char body[256];

    harness_expect_control(
        fd, "POST", "/_control/uplink",
        "{\"networkId\": \"L_100\", \"uplink\": \"wan1\", \"status\": \"failed\"}");
    o = harness_expect_api_json(
        fd, "/organizations/1001/appliance/uplink/statuses?networkIds[]=L_100", 200);
    assert_int_equal(json_object_array_length(o), 1);
    item = json_object_array_get_idx(o, 0);
    assert_string_equal(
        harness_expect_str(json_object_array_get_idx(harness_expect_get(item, "uplinks"), 0),
                           "status"),
        "failed");
    assert_string_equal(
        harness_expect_str(json_object_array_get_idx(harness_expect_get(item, "uplinks"), 2),
                           "status"),
        "not connected");
    json_object_put(o);
    assert_int_equal(
        harness_control(fd, "POST", "/_control/uplink",
                        "{\"networkId\": \"L_100\", \"uplink\": \"wan1\", \"status\": \"up\"}",
                        NULL),
        400);

    /* VPN statuses: L_100 sees London (its tag); loss 100 makes it unreachable. */
    o = harness_expect_api_json(fd, "/organizations/1001/appliance/vpn/statuses?networkIds[]=L_200",
                                200);
    peers = harness_expect_get(json_object_array_get_idx(o, 0), "thirdPartyVpnPeers");
    assert_int_equal(json_object_array_length(peers), 1);
    assert_string_equal(harness_expect_str(json_object_array_get_idx(peers, 0), "reachability"),
                        "reachable");
    json_object_put(o);
    snprintf(body, sizeof body,
             "{\"networkId\": \"L_200\", \"ip\": \"203.0.113.10\", \"lossPercent\": 100}");
    harness_expect_control(fd, "POST", "/_control/loss", body);
    o = harness_expect_api_json(fd, "/organizations/1001/appliance/vpn/statuses?networkIds[]=L_200",
                                200);
    peers = harness_expect_get(json_object_array_get_idx(o, 0), "thirdPartyVpnPeers");
    assert_string_equal(harness_expect_str(json_object_array_get_idx(peers, 0), "reachability"),
                        "unreachable");
    json_object_put(o);

    /* A network without an appliance has no uplinks and no loss data. */
    o = harness_expect_api_json(fd, "/organizations/1002/appliance/uplink/statuses", 200);
    assert_int_equal(json_object_array_length(o), 0);
    json_object_put(o);
}

static void test_live_ping(void **state)
{
    struct harness_fakedash *fd = *state;
    struct harness_response r;
    struct json_object *o;
    char path[256];

    harness_expect_control(fd, "POST", "/_control/config", "{\"ping_duration_s\": 0}");
    harness_expect_control(
        fd, "POST", "/_control/loss",
        "{\"networkId\": \"L_100\", \"ip\": \"203.0.113.10\", \"lossPercent\": 100}");
    assert_int_equal(harness_fakedash_api(fd, "POST", "/devices/Q2XX-AAAA-0001/liveTools/ping",
                                          "{\"target\": \"203.0.113.10\", \"count\": 4}", &r),
                     201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    snprintf(path, sizeof path, "/devices/Q2XX-AAAA-0001/liveTools/ping/%s",
             harness_expect_str(o, "pingId"));
    json_object_put(o);
    o = harness_expect_api_json(fd, path, 200);
    harness_expect_shape(
        o, harness_expect_example("/devices/{serial}/liveTools/ping/{id}", "get", "200"), 1,
        "ping");
    assert_string_equal(harness_expect_str(o, "status"), "complete");
    assert_int_equal(
        json_object_get_int(harness_expect_get(harness_expect_get(o, "results"), "sent")), 4);
    assert_int_equal(
        json_object_get_int(harness_expect_get(harness_expect_get(o, "results"), "received")), 0);
    json_object_put(o);
    assert_int_equal(harness_fakedash_api(fd, "POST", "/devices/Q2XX-AAAA-0001/liveTools/ping",
                                          "{\"count\": 9}", &r),
                     400);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "POST", "/devices/NOPE/liveTools/ping",
                                          "{\"target\": \"1.1.1.1\"}", &r),
                     404);
    harness_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_loss_limits, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_loss_schedule, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_uplinks_and_vpn, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_live_ping, harness_fakedash_sample_setup),
    };

    harness_init();
    return cmocka_run_group_tests(tests, harness_fakedash_group_setup,
                                  harness_fakedash_group_teardown);
}
