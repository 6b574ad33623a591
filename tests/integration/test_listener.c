/*
 * test_listener.c - the webhook listener end to end: the real `tagfailover serve` over TLS
 * (certificates from scripts/gen-certs.sh, verified by the client), a fake Dashboard for its
 * base_url, and a libcurl client on 127.0.0.1.
 *
 * One daemon serves every test of this file, in order. Each request's expected result is
 * tallied as it is sent, and the last tests compare the tally with /metrics and read the
 * daemon's stderr for anything secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/proc.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"
#include "tagfailover/metrics.h"

static harness_world T;
static long expected[METRICS_WEBHOOK_RESULT_COUNT]; /* what /metrics must say at the end */

static const char *const result_names[] = {"accepted",  "ignored",   "duplicate", "unauthorized",
                                           "forbidden", "malformed", "too_large", "overloaded"};

static int group_setup(void **state)
{
    (void)state;
    harness_init();
    if (harness_world_open(&T, harness_scenario_listener) != 0 || harness_world_certs(&T) != 0 ||
        /* The listener is what is tested: its alerts' confirmations use the series alone, so
         * no live ping names the alerts' device (deviceSerial) in a request path the debug
         * trace shows (the log must carry no field of a body but its ids). */
        harness_daemon_listen(&T, "[listener]\nmode = tls\n[failover]\nevidence = series\n",
                              NULL) != 0) {
        /* cmocka skips the group teardown when the setup fails: clean up here. */
        harness_world_close(&T);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return harness_world_close(&T);
}

/* The result word of a JSON answer body, or "". */
static void body_status(const struct harness_response *r, char *out, size_t len)
{
    struct json_object *j = harness_response_json(r), *s;
    out[0] = '\0';
    if (j != NULL && json_object_object_get_ex(j, "status", &s))
        snprintf(out, len, "%s", json_object_get_string(s));
    json_object_put(j);
}

/* POSTs and checks the status code and the body's status word; tallies the result. */
static void expect_post(const char *body, const char *const headers[], long code,
                        metrics_webhook_result result)
{
    struct harness_response r;
    char word[64];
    long got = harness_webhook_post(&T, body, headers, &r);
    body_status(&r, word, sizeof(word));
    if (got != code || strcmp(word, result_names[result]) != 0) {
        harness_daemon_dump(&T);
        fail_msg("got %ld %s (%s), want %ld %s", got, word, r.error, code, result_names[result]);
    }
    /* Answers are small JSON documents. */
    char type[128];
    assert_non_null(harness_header(&r, "Content-Type", type, sizeof(type)));
    assert_string_equal(type, "application/json");
    harness_response_free(&r);
    expected[result]++;
}

/* Every one of Meraki's 51 example payloads gets a 2xx: triggers 202, the others 200 ignored. */
static void test_meraki_examples(void **state)
{
    struct json_object *all;
    char path[HARNESS_PATH_MAX];
    int accepted = 0;
    (void)state;

    snprintf(path, sizeof(path), "%s/tests/fixtures/alertTypes.json", harness_env("TF_SOURCE_DIR"));
    all = json_object_from_file(path);
    assert_non_null(all);
    assert_int_equal(json_object_array_length(all), 51);
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        struct json_object *item = json_object_array_get_idx(all, i), *ex, *type;
        assert_true(json_object_object_get_ex(item, "example", &ex));
        assert_true(json_object_object_get_ex(item, "alertTypeId", &type));
        const char *t = json_object_get_string(type);
        bool trigger = strcmp(t, "failover_event") == 0 ||
                       strcmp(t, "vpn_connectivity_change") == 0 || strcmp(t, "cellular_down") == 0;
        /* Sent as Meraki sends it: pretty-printed as in the file makes no difference, but
         * use the compact form a real sender produces. */
        const char *body = json_object_to_json_string_ext(ex, JSON_C_TO_STRING_PLAIN);
        expect_post(body, NULL, trigger ? 202 : 200,
                    trigger ? METRICS_WEBHOOK_ACCEPTED : METRICS_WEBHOOK_IGNORED);
        accepted += trigger;
    }
    assert_int_equal(accepted, 3);
    json_object_put(all);
}

/* 404 for another path, 405 (Allow: POST) for another method; neither is counted. */
static void test_path_and_method(void **state)
{
    struct harness_response r;
    struct harness_http_opts o = harness_webhook_opts(&T);
    char url[200], buf[64];
    (void)state;

    snprintf(url, sizeof(url), "%s/other", T.base);
    harness_http("POST", url, NULL, "{}", &o, &r);
    assert_int_equal(r.status, 404);
    body_status(&r, buf, sizeof(buf));
    assert_string_equal(buf, "not_found");
    harness_response_free(&r);

    snprintf(url, sizeof(url), "%s/webhook/", T.base);
    harness_http("POST", url, NULL, "{}", &o, &r);
    assert_int_equal(r.status, 404);
    harness_response_free(&r);

    /* The query string is not part of the path. */
    snprintf(url, sizeof(url), "%s?x=1", T.url);
    char *a = harness_webhook_delivery("failover_event", "q-1", HARNESS_SECRET);
    harness_http("POST", url, NULL, a, &o, &r);
    assert_int_equal(r.status, 202);
    expected[METRICS_WEBHOOK_ACCEPTED]++;
    harness_response_free(&r);
    free(a);

    static const char *const methods[] = {"GET", "PUT", "DELETE", "PATCH"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        harness_http(methods[i], T.url, NULL, NULL, &o, &r);
        assert_int_equal(r.status, 405);
        assert_non_null(harness_header(&r, "Allow", buf, sizeof(buf)));
        assert_string_equal(buf, "POST");
        body_status(&r, buf, sizeof(buf));
        assert_string_equal(buf, "method_not_allowed");
        harness_response_free(&r);
    }
}

/* The secret from the body, X-Shared-Secret or Authorization: Bearer; wrong or missing: 401
 * and nothing more. */
static void test_secrets(void **state)
{
    const char *const h_json[] = {"Content-Type: application/json", NULL};
    const char *const h_x[] = {"X-Shared-Secret: " HARNESS_SECRET, NULL};
    const char *const h_bearer[] = {"Authorization: Bearer " HARNESS_SECRET, NULL};
    const char *const h_x_wrong[] = {"X-Shared-Secret: Wr0ngHeaderSecret", NULL};
    const char *const h_bearer_wrong[] = {"Authorization: Bearer Wr0ngBearerSecret", NULL};
    const char *const h_basic[] = {"Authorization: Basic c2VjcmV0", NULL};
    (void)state;

    char *a = harness_webhook_delivery("failover_event", "s-1", NULL);
    expect_post(a, h_x, 202, METRICS_WEBHOOK_ACCEPTED);
    free(a);
    a = harness_webhook_delivery("failover_event", "s-2", NULL);
    expect_post(a, h_bearer, 202, METRICS_WEBHOOK_ACCEPTED);
    free(a);
    a = harness_webhook_delivery("vpn_connectivity_change", "s-3", "Wr0ngBodySecret");
    expect_post(a, h_bearer, 202, METRICS_WEBHOOK_ACCEPTED);
    free(a);

    /* Missing, wrong of the same length, wrong of another length, wrong everywhere. */
    a = harness_webhook_delivery("failover_event", "s-4", NULL);
    expect_post(a, h_json, 401, METRICS_WEBHOOK_UNAUTHORIZED);
    free(a);
    a = harness_webhook_delivery("failover_event", "s-5", "secreT");
    struct harness_response r;
    assert_int_equal(harness_webhook_post(&T, a, NULL, &r), 401);
    /* 401 says nothing more than its status word. */
    assert_string_equal(r.body, "{\"status\":\"unauthorized\"}\n");
    harness_response_free(&r);
    expected[METRICS_WEBHOOK_UNAUTHORIZED]++;
    free(a);
    a = harness_webhook_delivery("failover_event", "s-6", "Wr0ngLongerBodySecret-0123456789");
    expect_post(a, h_x_wrong, 401, METRICS_WEBHOOK_UNAUTHORIZED);
    free(a);
    a = harness_webhook_delivery("failover_event", "s-7", "x");
    expect_post(a, h_bearer_wrong, 401, METRICS_WEBHOOK_UNAUTHORIZED);
    free(a);
    a = harness_webhook_delivery("failover_event", "s-8", NULL);
    expect_post(a, h_basic, 401, METRICS_WEBHOOK_UNAUTHORIZED);
    free(a);

    /* Authentication before shape: 400 only for an authenticated request. */
    expect_post("this is not json", NULL, 401, METRICS_WEBHOOK_UNAUTHORIZED);
    expect_post("this is not json", h_x, 400, METRICS_WEBHOOK_MALFORMED);
    expect_post("[\"" HARNESS_SECRET "\"]", NULL, 401, METRICS_WEBHOOK_UNAUTHORIZED);
    expect_post("[]", h_bearer, 400, METRICS_WEBHOOK_MALFORMED);
    expect_post("{\"sharedSecret\":\"" HARNESS_SECRET "\"}", NULL, 400, METRICS_WEBHOOK_MALFORMED);
    expect_post("{\"sharedSecret\":\"" HARNESS_SECRET "\",\"organizationId\":\"1\","
                "\"alertTypeId\":\"failover_event\"}",
                NULL, 400, METRICS_WEBHOOK_MALFORMED);
    expect_post("{\"sharedSecret\":\"nope\"}", NULL, 401, METRICS_WEBHOOK_UNAUTHORIZED);
    expect_post("", h_x, 400, METRICS_WEBHOOK_MALFORMED);
}

/* The same delivery twice: the second is a duplicate, whatever its type. */
static void test_duplicates(void **state)
{
    (void)state;
    char *a = harness_webhook_delivery("failover_event", "d-1", HARNESS_SECRET);
    expect_post(a, NULL, 202, METRICS_WEBHOOK_ACCEPTED);
    expect_post(a, NULL, 200, METRICS_WEBHOOK_DUPLICATE);
    expect_post(a, NULL, 200, METRICS_WEBHOOK_DUPLICATE);
    free(a);
    a = harness_webhook_delivery("motion_alert", "d-2", HARNESS_SECRET);
    expect_post(a, NULL, 200, METRICS_WEBHOOK_IGNORED);
    expect_post(a, NULL, 200, METRICS_WEBHOOK_DUPLICATE);
    free(a);
    /* Another alertId is another delivery. */
    a = harness_webhook_delivery("failover_event", "d-3", HARNESS_SECRET);
    expect_post(a, NULL, 202, METRICS_WEBHOOK_ACCEPTED);
    free(a);
}

/* A body handed out in `step`-byte pieces (libcurl then sends it chunked). */
typedef struct {
    const char *data;
    size_t len;
    size_t off;
    size_t step;
} feed;

static size_t feed_read(char *buf, size_t size, size_t nitems, void *ud)
{
    feed *f = ud;
    size_t n = size * nitems;
    if (n > f->step)
        n = f->step;
    if (n > f->len - f->off)
        n = f->len - f->off;
    memcpy(buf, f->data + f->off, n);
    f->off += n;
    return n;
}

static size_t sink_write(char *p, size_t size, size_t n, void *ud)
{
    char *out = ud;
    size_t have = strlen(out), add = size * n;
    if (have + add < 256) {
        memcpy(out + have, p, add);
        out[have + add] = '\0';
    }
    return size * n;
}

/* POSTs a streamed (chunked) body; returns the status, or 0 with *curl_code set. */
static long post_chunked(const char *data, size_t len, size_t step, char *answer, int *curl_code)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    feed f = {data, len, 0, step};
    long status = 0;

    answer[0] = '\0';
    h = curl_slist_append(h, "Transfer-Encoding: chunked");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, T.url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, feed_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &f);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(c, CURLOPT_CAINFO, T.ca);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    *curl_code = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

/* 413: by Content-Length before the body is read, and by a streamed body as it passes the
 * cap; the connection is closed after. */
static void test_too_large(void **state)
{
    struct harness_response r;
    struct harness_http_opts o = harness_webhook_opts(&T);
    char buf[64], answer[256];
    int cc;
    (void)state;

    /* Just over max_body_bytes (65536), declared: refused without reading, secret or not. */
    size_t big = 65537;
    char *body = malloc(100000);
    memset(body, ' ', 100000);
    body[0] = '{';
    body[big - 1] = '}';
    o.body_ptr = body;
    o.body_len = big;
    /* The client waits for the server's word before it sends the body (Expect:
     * 100-continue), as a careful client does: the 413 then comes instead of the 100, the body
     * is never sent, and no race between our early close and the client's upload can eat the
     * answer (a client that sends anyway may see the close first; that is TCP, not us). */
    const char *const h_expect[] = {"Content-Type: application/json",
                                    "X-Shared-Secret: " HARNESS_SECRET, "Expect: 100-continue",
                                    NULL};
    harness_http("POST", T.url, h_expect, NULL, &o, &r);
    assert_int_equal(r.status, 413);
    body_status(&r, buf, sizeof(buf));
    assert_string_equal(buf, "too_large");
    assert_non_null(harness_header(&r, "Connection", buf, sizeof(buf)));
    assert_string_equal(buf, "close");
    harness_response_free(&r);
    expected[METRICS_WEBHOOK_TOO_LARGE]++;

    /* Exactly max_body_bytes is read (and then fails on shape, being authenticated). */
    o.body_len = 65536;
    body[65535] = '}';
    harness_http("POST", T.url, h_expect, NULL, &o, &r);
    assert_int_equal(r.status, 400);
    harness_response_free(&r);
    expected[METRICS_WEBHOOK_MALFORMED]++;

    /* Streamed in 1000-byte chunks, no length declared: 413 once it passes the cap. */
    memset(body, ' ', 100000);
    assert_int_equal(post_chunked(body, 100000, 1000, answer, &cc), 413);
    assert_non_null(strstr(answer, "too_large"));
    expected[METRICS_WEBHOOK_TOO_LARGE]++;
    free(body);

    /* A streamed body within the cap is read like any other. */
    char *a = harness_webhook_delivery("failover_event", "chunked-1", HARNESS_SECRET);
    assert_int_equal(post_chunked(a, strlen(a), 100, answer, &cc), 202);
    expected[METRICS_WEBHOOK_ACCEPTED]++;
    free(a);

    /* Far past the cap (TF_WEBHOOK_DISCARD_MAX) the connection is cut, never 2xx. */
    size_t huge = 3u << 20;
    char *h = malloc(huge);
    memset(h, ' ', huge);
    long st = post_chunked(h, huge, 65536, answer, &cc);
    assert_true(st == 0 || st == 413);
    free(h);
    expected[METRICS_WEBHOOK_TOO_LARGE]++;

    /* Headers have their own cap (TF_HTTP_CONNECTION_MEMORY): a few KiB pass, 20 KiB do
     * not, and neither costs the listener anything. */
    char hdr[20100];
    memcpy(hdr, "X-Padding: ", 11);
    memset(hdr + 11, 'p', 3000);
    hdr[3011] = '\0';
    const char *const h_small[] = {"Content-Type: application/json", hdr, NULL};
    a = harness_webhook_delivery("failover_event", "big-header", HARNESS_SECRET);
    expect_post(a, h_small, 202, METRICS_WEBHOOK_ACCEPTED);
    memset(hdr + 11, 'p', 20000);
    hdr[20011] = '\0';
    long got = harness_webhook_post(&T, a, h_small, NULL);
    if (got != 431 && got != 413 && got != 0)
        fail_msg("20 KiB of headers got %ld", got);
    free(a);

    /* And the listener still answers. */
    a = harness_webhook_delivery("failover_event", "after-large", HARNESS_SECRET);
    expect_post(a, NULL, 202, METRICS_WEBHOOK_ACCEPTED);
    free(a);
}

/* The admin listener. */
static void test_admin(void **state)
{
    struct harness_response r;
    char url[200], buf[128];
    (void)state;

    snprintf(url, sizeof(url), "%s/healthz", T.admin);
    harness_http("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok\n");
    harness_response_free(&r);

    /* Ready once the engine has reconciled every organization of the fake (at start-up);
     * while it is not, 503 with a reason. */
    snprintf(url, sizeof(url), "%s/readyz", T.admin);
    long long until = harness_now_ms() + 15000;
    for (;;) {
        harness_http("GET", url, NULL, NULL, NULL, &r);
        if (r.status == 200 || harness_now_ms() > until)
            break;
        assert_int_equal(r.status, 503);
        assert_true(strncmp(r.body, "not ready: ", 11) == 0 && strlen(r.body) > 12);
        harness_response_free(&r);
        harness_sleep_ms(100);
    }
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ready\n");
    harness_response_free(&r);

    snprintf(url, sizeof(url), "%s/status", T.admin);
    harness_http("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(harness_header(&r, "Content-Type", buf, sizeof(buf)));
    assert_string_equal(buf, "application/json");
    struct json_object *j = harness_response_json(&r), *orgs;
    assert_non_null(j);
    assert_true(json_object_object_get_ex(j, "organizations", &orgs));
    assert_true(json_object_is_type(orgs, json_type_array));
    json_object_put(j);
    harness_response_free(&r);

    snprintf(url, sizeof(url), "%s/metrics", T.admin);
    harness_http("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(harness_header(&r, "Content-Type", buf, sizeof(buf)));
    assert_string_equal(buf, "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body, "# TYPE tagfailover_webhooks_total counter"));
    harness_response_free(&r);

    snprintf(url, sizeof(url), "%s/webhook", T.admin);
    harness_http("GET", url, NULL, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    harness_response_free(&r);

    snprintf(url, sizeof(url), "%s/healthz", T.admin);
    harness_http("POST", url, NULL, "x", NULL, &r);
    assert_int_equal(r.status, 405);
    harness_response_free(&r);
}

/* /metrics says exactly what this file sent. */
static void test_metrics_match(void **state)
{
    (void)state;
    for (int i = 0; i < METRICS_WEBHOOK_RESULT_COUNT; i++) {
        char series[96];
        snprintf(series, sizeof(series), "tagfailover_webhooks_total{result=\"%s\"}",
                 result_names[i]);
        double v = harness_daemon_metric(&T, series);
        if (v != (double)expected[i])
            fail_msg("%s = %g, want %ld", series, v, expected[i]);
    }
    assert_true(expected[METRICS_WEBHOOK_ACCEPTED] > 0 && expected[METRICS_WEBHOOK_IGNORED] > 0);
}

/* Nothing secret reaches the log: not the configured secret, not a wrong one, not a body. */
static void test_no_secret_in_log(void **state)
{
    (void)state;
    /* The log does carry the lines we sent requests for (so the file read is the right one). */
    assert_true(harness_file_count(T.proc.stderr_path, "\"event\":\"webhook\"") > 60);
    assert_false(harness_file_has_word(T.proc.stderr_path, HARNESS_SECRET));
    static const char *const wrong[] = {"Wr0ngHeaderSecret",
                                        "Wr0ngBearerSecret",
                                        "Wr0ngBodySecret",
                                        "Wr0ngLongerBodySecret",
                                        "secreT",
                                        "c2VjcmV0"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
        if (harness_file_count(T.proc.stderr_path, wrong[i]) != 0)
            fail_msg("'%s' appears in the daemon's log", wrong[i]);
    /* Fields of the bodies that are not IDs never appear. */
    assert_int_equal(harness_file_count(T.proc.stderr_path, "Q2JY-9KYS-3UGD"), 0);
    assert_int_equal(harness_file_count(T.proc.stderr_path, "this is not json"), 0);
}

/* SIGTERM: exit 0. */
static void test_sigterm(void **state)
{
    (void)state;
    assert_int_equal(harness_daemon_stop(&T), 0);
    assert_true(harness_file_count(T.proc.stderr_path, "\"event\":\"stopping\"") == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meraki_examples), cmocka_unit_test(test_path_and_method),
        cmocka_unit_test(test_secrets),         cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_too_large),       cmocka_unit_test(test_admin),
        cmocka_unit_test(test_metrics_match),   cmocka_unit_test(test_no_secret_in_log),
        cmocka_unit_test(test_sigterm),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
