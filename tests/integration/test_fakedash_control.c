/*
 * test_fakedash_control.c - the fake Dashboard's own machinery: every fault kind, the request
 * log and its fields, unknown requests, its per-organization rate limit, and a clean stop
 * while a delayed answer is pending.
 *
 * One fakedash serves the whole group; each test loads the sample scenario first (which also
 * clears the log and the faults). The unknown-request and stop tests run their own fakedash,
 * since they make out-of-spec requests or stop it on purpose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/expect.h"
#include "harness/fakedash.h"

#define AUTH "Authorization: Bearer " HARNESS_API_KEY

static long long now_s(void)
{
    return (long long)time(NULL);
}

static void test_faults(void **state)
{
    struct harness_fakedash *fd = *state;
    const char *hdrs[] = {AUTH, NULL};
    struct harness_response r;
    char h[1024], url[1024], expect[1024];
    struct harness_http_opts slow = {0};
    struct json_object *o, *log;
    long long t;

    /* 429 with and without Retry-After; count is honoured. */
    harness_expect_control(fd, "POST", "/_control/fault",
                           "{\"kind\": \"429\", \"count\": 2, \"retry_after\": 3, \"path_prefix\": "
                           "\"/api/v1/networks/\"}");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(harness_fakedash_api(fd, "GET", "/networks/L_100", NULL, &r), 429);
        assert_string_equal(harness_header(&r, "Retry-After", h, sizeof h), "3");
        harness_expect_errors_body(&r);
        harness_response_free(&r);
    }
    assert_int_equal(harness_fakedash_api(fd, "GET", "/networks/L_100", NULL, &r), 200);
    harness_response_free(&r);
    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": 429}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 429);
    assert_null(harness_header(&r, "Retry-After", h, sizeof h));
    harness_response_free(&r);

    /* Method matching: a PUT fault leaves GETs alone. */
    harness_expect_control(fd, "POST", "/_control/fault",
                           "{\"kind\": \"500\", \"method\": \"PUT\"}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/networks/L_100", NULL, &r), 200);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_100", "{\"tags\": []}", &r), 500);
    assert_non_null(harness_header(&r, "X-Request-Id", h, sizeof h));
    harness_expect_errors_body(&r);
    harness_response_free(&r);
    o = harness_expect_api_json(fd, "/networks/L_100", 200);
    assert_int_equal(json_object_array_length(harness_expect_get(o, "tags")),
                     3); /* the PUT never ran */
    json_object_put(o);

    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": \"503\"}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 503);
    assert_non_null(harness_header(&r, "X-Request-Id", h, sizeof h));
    harness_response_free(&r);
    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": \"502\"}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 502);
    assert_non_null(harness_header(&r, "X-Request-Id", h, sizeof h));
    assert_null(harness_response_json(&r)); /* a load balancer's HTML page */
    harness_response_free(&r);

    /* Redirects to the second port keep path and query; port2 serves the same API. */
    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": \"redirect307\"}");
    assert_int_equal(
        harness_fakedash_api(fd, "GET", "/organizations/1001/networks?perPage=3", NULL, &r), 307);
    snprintf(expect, sizeof expect,
             "http://127.0.0.1:%d/api/v1/organizations/1001/networks?perPage=3", fd->port2);
    assert_string_equal(harness_header(&r, "Location", url, sizeof url), expect);
    harness_response_free(&r);
    harness_http("GET", url, hdrs, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    harness_response_free(&r);
    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": \"redirect308\"}");
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_100", "{\"tags\": [\"t\"]}", &r),
                     308);
    harness_response_free(&r);
    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": \"redirect_foreign\"}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 307);
    snprintf(expect, sizeof expect, "http://localhost:%d/api/v1/organizations", fd->port2);
    assert_string_equal(harness_header(&r, "Location", url, sizeof url), expect);
    harness_response_free(&r);

    /* delay answers normally, late. */
    harness_expect_control(fd, "POST", "/_control/fault",
                           "{\"kind\": \"delay\", \"delay_ms\": 400}");
    t = harness_now_ms();
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 200);
    assert_true(harness_now_ms() - t >= 400);
    harness_response_free(&r);

    /* malformed: 200 with a body that is not JSON. */
    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": \"malformed\"}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations/1001/networks", NULL, &r),
                     200);
    assert_null(harness_response_json(&r));
    harness_response_free(&r);

    /* drop: no answer at all. */
    harness_expect_control(fd, "POST", "/_control/fault", "{\"kind\": \"drop\"}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 0);
    assert_int_not_equal(r.curl_code, 0);
    harness_response_free(&r);

    /* oversize: a valid JSON array of exactly size_mib MiB, with or without Content-Length. */
    harness_expect_control(fd, "POST", "/_control/fault",
                           "{\"kind\": \"oversize\", \"size_mib\": 3}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 200);
    assert_int_equal(r.len, 3 * 1024 * 1024);
    assert_non_null(harness_header(&r, "Content-Length", h, sizeof h));
    o = harness_response_json(&r);
    assert_non_null(o);
    assert_true(json_object_is_type(o, json_type_array));
    json_object_put(o);
    harness_response_free(&r);
    harness_expect_control(fd, "POST", "/_control/fault",
                           "{\"kind\": \"oversize\", \"size_mib\": 1, \"chunked\": true}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 200);
    assert_int_equal(r.len, 1024 * 1024);
    assert_null(harness_header(&r, "Content-Length", h, sizeof h));
    harness_response_free(&r);

    /* Bad fault descriptions are refused; every fault was used up. */
    assert_int_equal(harness_control(fd, "POST", "/_control/fault", "{\"kind\": \"418\"}", NULL),
                     400);
    assert_int_equal(harness_control(fd, "GET", "/_control/fault", NULL, &r), 200);
    assert_string_equal(r.body, "[]");
    harness_response_free(&r);

    /* The log names each fault. */
    log = harness_log(fd);
    assert_non_null(log);
    {
        int faults = 0;

        for (size_t i = 0; i < json_object_array_length(log); i++)
            faults += !json_object_is_type(
                harness_expect_get(json_object_array_get_idx(log, i), "fault"), json_type_null);
        assert_int_equal(faults, 14);
    }
    json_object_put(log);
    (void)slow;
}

static void test_log_fields(void **state)
{
    struct harness_fakedash *fd = *state;
    static const char *const keys[] = {"seq",  "t",      "port",    "method",
                                       "path", "query",  "auth",    "authorization_present",
                                       "body", "status", "unknown", "control"};
    struct harness_response r;
    struct json_object *log, *e;
    long long seq = 0;
    double now = (double)now_s();

    assert_int_equal(harness_log_clear(fd), 0);
    assert_int_equal(harness_fakedash_api(fd, "GET",
                                          "/organizations/1001/networks?perPage=3&tags[]=retail",
                                          NULL, &r),
                     200);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_200", "{\"tags\": [\"a\"]}", &r),
                     200);
    harness_response_free(&r);
    log = harness_log(fd);
    assert_non_null(log);
    assert_int_equal(json_object_array_length(log), 2); /* the DELETE itself is not kept */
    for (size_t i = 0; i < 2; i++) {
        e = json_object_array_get_idx(log, i);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            harness_expect_get(e, keys[k]);
        assert_true(json_object_get_int64(harness_expect_get(e, "seq")) > seq);
        seq = json_object_get_int64(harness_expect_get(e, "seq"));
        assert_true(fabs(json_object_get_double(harness_expect_get(e, "t")) - now) < 30);
        assert_int_equal(json_object_get_int(harness_expect_get(e, "port")), fd->port);
        assert_int_equal(json_object_get_int(harness_expect_get(e, "status")), 200);
        assert_false(json_object_get_boolean(harness_expect_get(e, "unknown")));
        assert_false(json_object_get_boolean(harness_expect_get(e, "control")));
        assert_true(json_object_get_boolean(harness_expect_get(e, "auth")));
    }
    e = json_object_array_get_idx(log, 0);
    assert_string_equal(harness_expect_str(e, "method"), "GET");
    assert_string_equal(harness_expect_str(e, "path"), "/api/v1/organizations/1001/networks");
    assert_string_equal(harness_expect_str(e, "query"), "perPage=3&tags[]=retail");
    assert_true(json_object_is_type(harness_expect_get(e, "body"), json_type_null));
    e = json_object_array_get_idx(log, 1);
    assert_string_equal(harness_expect_str(e, "method"), "PUT");
    assert_string_equal(harness_expect_str(e, "body"), "{\"tags\": [\"a\"]}");
    json_object_put(log);
    assert_int_equal(harness_log_count(fd, "PUT", "/api/v1/networks/"), 1);
    assert_int_equal(harness_log_count(fd, NULL, NULL), 2);

    /* Control requests are logged with control: true. */
    log = harness_log(fd);
    e = json_object_array_get_idx(log, json_object_array_length(log) - 1);
    assert_true(json_object_get_boolean(harness_expect_get(e, "control")));
    assert_string_equal(harness_expect_str(e, "path"), "/_control/log");
    json_object_put(log);
}

static void test_unknown_requests(void **state)
{
    struct harness_fakedash own;
    const char *hdrs[] = {AUTH, NULL};
    char url[512];
    struct harness_response r;
    struct json_object *log;
    int unknown = 0;

    (void)state;
    assert_int_equal(harness_fakedash_start(NULL, &own), 0);
    snprintf(url, sizeof url, "%s/organizations/1/nothing", own.base_url);
    harness_http("GET", url, hdrs, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    harness_response_free(&r);
    snprintf(url, sizeof url, "%s/organizations", own.base_url);
    harness_http("DELETE", url, hdrs, NULL, NULL, &r); /* a method outside the subset */
    assert_int_equal(r.status, 404);
    harness_response_free(&r);
    snprintf(url, sizeof url, "%s/v0/organizations", own.root_url);
    harness_http("GET", url, hdrs, NULL, NULL, &r); /* the retired v0 API */
    assert_int_equal(r.status, 404);
    harness_response_free(&r);
    snprintf(url, sizeof url, "%s/organizations", own.base_url);
    harness_http("GET", url, hdrs, NULL, NULL, &r); /* known: not counted */
    assert_int_equal(r.status, 200);
    harness_response_free(&r);
    log = harness_log(&own);
    assert_non_null(log);
    for (size_t i = 0; i < json_object_array_length(log); i++)
        unknown += json_object_get_boolean(
            harness_expect_get(json_object_array_get_idx(log, i), "unknown"));
    assert_int_equal(unknown, 3);
    json_object_put(log);
    assert_int_equal(harness_fakedash_stop(&own), 3);
}

static void test_rate_limit(void **state)
{
    struct harness_fakedash *fd = *state;
    struct harness_response r;
    char h[64];
    int limited = 0, sent;

    harness_expect_control(fd, "POST", "/_control/config", "{\"rate_limit_per_s\": 3}");
    /* Four requests inside one second are one too many; a slow machine may spread them, so
     * keep going (bounded) until the limit shows. */
    for (sent = 0; sent < 200 && !limited; sent++) {
        long s = harness_fakedash_api(fd, "GET", "/organizations/1001/networks", NULL, &r);

        if (s == 429) {
            limited = 1;
            assert_string_equal(harness_header(&r, "Retry-After", h, sizeof h), "1");
            harness_expect_errors_body(&r);
        } else {
            assert_int_equal(s, 200);
        }
        harness_response_free(&r);
    }
    assert_true(limited);
    assert_true(sent >= 4);
    /* Another organization has its own budget. */
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations/1002/networks", NULL, &r),
                     200);
    harness_response_free(&r);
    harness_expect_control(fd, "POST", "/_control/config", "{\"rate_limit_per_s\": null}");
    for (int i = 0; i < 10; i++) {
        assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations/1001/networks", NULL, &r),
                         200);
        harness_response_free(&r);
    }
}

/* A long delay fault in progress does not hold up a clean stop. */
static void *stop_delay_client(void *arg)
{
    struct harness_fakedash *own = arg;
    const char *hdrs[] = {AUTH, NULL};
    struct harness_http_opts opts = {0};
    struct harness_response r;
    char url[256];

    opts.timeout_ms = 30000;
    snprintf(url, sizeof url, "%s/organizations", own->base_url);
    harness_http("GET", url, hdrs, NULL, &opts, &r);
    harness_response_free(&r);
    return NULL;
}

static void test_stop_during_delay(void **state)
{
    struct harness_fakedash own;
    pthread_t th;
    long long t;

    (void)state;
    assert_int_equal(harness_fakedash_start(NULL, &own), 0);
    assert_int_equal(harness_control(&own, "POST", "/_control/fault",
                                     "{\"kind\": \"delay\", \"delay_ms\": 60000}", NULL),
                     200);
    assert_int_equal(pthread_create(&th, NULL, stop_delay_client, &own), 0);
    /* A request is logged only once answered, so give it time to reach its delay. */
    harness_sleep_ms(300);
    t = harness_now_ms();
    assert_int_equal(harness_fakedash_stop(&own), 0);
    assert_true(harness_now_ms() - t < 3000);
    pthread_join(th, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_faults, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_log_fields, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_unknown_requests, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_rate_limit, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_stop_during_delay, harness_fakedash_sample_setup),
    };

    harness_init();
    return cmocka_run_group_tests(tests, harness_fakedash_group_setup,
                                  harness_fakedash_group_teardown);
}
