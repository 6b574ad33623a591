/*
 * test_fakedash_webhooks.c - the fake Dashboard's webhook set-up: HTTP servers (create, list,
 * read, update, delete), alert settings, and test deliveries, one really delivered to a
 * receiver on 127.0.0.1 with the server's secret and one that nobody answers, retried and
 * abandoned.
 *
 * One fakedash serves the whole group; each test loads the sample scenario first (which also
 * clears the log and the faults).
 */
#define _GNU_SOURCE /* strcasestr */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/expect.h"
#include "harness/fakedash.h"
#include "harness/spec.h"

/* A one-shot HTTP receiver for the webhook test delivery. */
struct receiver {
    int listen_fd;
    int port;
    char body[16384];
    char head[4096];
    int got;
};

static void *receiver_run(void *arg)
{
    struct receiver *rc = arg;
    char buf[32768];
    size_t n = 0;
    int c = accept(rc->listen_fd, NULL, NULL);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

    if (c < 0)
        return NULL;
    for (;;) {
        ssize_t k = read(c, buf + n, sizeof buf - 1 - n);
        char *end;

        if (k <= 0)
            break;
        n += (size_t)k;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end) {
            const char *cl = strcasestr(buf, "Content-Length:");
            size_t want = cl ? (size_t)atol(cl + 15) : 0;

            if (n - (size_t)(end + 4 - buf) >= want) {
                snprintf(rc->head, sizeof rc->head, "%.*s", (int)(end - buf), buf);
                snprintf(rc->body, sizeof rc->body, "%.*s", (int)want, end + 4);
                rc->got = 1;
                break;
            }
        }
    }
    if (write(c, ok, sizeof ok - 1) < 0)
        perror("receiver");
    close(c);
    return NULL;
}

static void test_webhook_setup(void **state)
{
    struct harness_fakedash *fd = *state;
    struct receiver rc = {0};
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof a;
    pthread_t th;
    struct harness_response r;
    struct json_object *o, *payload, *tests;
    char body[1024], path[512], id[256], test_id[64];
    const char *status = "";

    /* Create, list, read, update. */
    rc.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rc.listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(rc.listen_fd, 4), 0);
    getsockname(rc.listen_fd, (struct sockaddr *)&a, &alen);
    rc.port = ntohs(a.sin_port);
    snprintf(body, sizeof body,
             "{\"name\": \"tagfailover\", \"url\": \"http://127.0.0.1:%d/webhook\", "
             "\"sharedSecret\": \"s3cret\"}",
             rc.port);
    assert_int_equal(
        harness_fakedash_api(fd, "POST", "/networks/L_100/webhooks/httpServers", body, &r), 201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    harness_expect_shape(
        o, harness_expect_example("/networks/{networkId}/webhooks/httpServers", "post", "201"), 1,
        "http server");
    snprintf(id, sizeof id, "%s", harness_expect_str(o, "id"));
    assert_string_equal(
        harness_expect_str(harness_expect_get(o, "payloadTemplate"), "payloadTemplateId"),
        "wpt_00001");
    json_object_put(o);
    assert_int_equal(
        harness_fakedash_api(fd, "POST", "/networks/L_100/webhooks/httpServers", body, &r), 400);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "POST", "/networks/L_100/webhooks/httpServers",
                                          "{\"name\": \"x\"}", &r),
                     400);
    harness_response_free(&r);
    o = harness_expect_api_json(fd, "/networks/L_100/webhooks/httpServers", 200);
    assert_int_equal(json_object_array_length(o), 1);
    assert_false(json_object_object_get_ex(json_object_array_get_idx(o, 0), "sharedSecret", NULL));
    json_object_put(o);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/httpServers/%s", id);
    assert_int_equal(harness_fakedash_api(fd, "PUT", path, "{\"name\": \"renamed\"}", &r), 200);
    harness_response_free(&r);
    o = harness_expect_api_json(fd, path, 200);
    assert_string_equal(harness_expect_str(o, "name"), "renamed");
    json_object_put(o);

    /* Alert settings: enable failoverEvent towards the server; unknown ids are refused. */
    snprintf(body, sizeof body,
             "{\"alerts\": [{\"type\": \"failoverEvent\", \"enabled\": true, "
             "\"alertDestinations\": {\"httpServerIds\": [\"%s\"]}}]}",
             id);
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_100/alerts/settings", body, &r),
                     200);
    harness_response_free(&r);
    assert_int_equal(
        harness_fakedash_api(fd, "PUT", "/networks/L_100/alerts/settings",
                             "{\"defaultDestinations\": {\"httpServerIds\": [\"nope\"]}}", &r),
        400);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_100/alerts/settings",
                                          "{\"alerts\": [{\"type\": \"noSuchAlert\"}]}", &r),
                     400);
    harness_response_free(&r);
    o = harness_expect_api_json(fd, "/networks/L_100/alerts/settings", 200);
    {
        struct json_object *alerts = harness_expect_get(o, "alerts");
        int found = 0;

        for (size_t i = 0; i < json_object_array_length(alerts); i++) {
            struct json_object *al = json_object_array_get_idx(alerts, i);

            if (strcmp(harness_expect_str(al, "type"), "failoverEvent") == 0) {
                found = 1;
                assert_true(json_object_get_boolean(harness_expect_get(al, "enabled")));
                assert_string_equal(
                    json_object_get_string(json_object_array_get_idx(
                        harness_expect_get(harness_expect_get(al, "alertDestinations"),
                                           "httpServerIds"),
                        0)),
                    id);
            }
        }
        assert_true(found);
    }
    json_object_put(o);

    /* A test delivery to 127.0.0.1 really arrives, with the server's secret. */
    assert_int_equal(pthread_create(&th, NULL, receiver_run, &rc), 0);
    snprintf(body, sizeof body,
             "{\"url\": \"http://127.0.0.1:%d/webhook\", \"alertTypeId\": \"failover_event\"}",
             rc.port);
    assert_int_equal(
        harness_fakedash_api(fd, "POST", "/networks/L_100/webhooks/webhookTests", body, &r), 201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    harness_expect_shape(
        o, harness_expect_example("/networks/{networkId}/webhooks/webhookTests", "post", "201"), 1,
        "webhook test");
    snprintf(test_id, sizeof test_id, "%s", harness_expect_str(o, "id"));
    json_object_put(o);
    pthread_join(th, NULL);
    close(rc.listen_fd);
    assert_true(rc.got);
    payload = json_tokener_parse(rc.body);
    assert_non_null(payload);
    assert_int_equal(json_object_object_length(payload), 22);
    assert_string_equal(harness_expect_str(payload, "sharedSecret"), "s3cret");
    assert_string_equal(harness_expect_str(payload, "alertTypeId"), "failover_event");
    assert_string_equal(harness_expect_str(payload, "networkId"), "L_100");
    assert_string_equal(harness_expect_str(payload, "organizationId"), "1001");
    assert_string_equal(harness_expect_str(payload, "version"), "0.1");
    json_object_put(payload);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/webhookTests/%s", test_id);
    for (int i = 0; i < 100; i++) {
        o = harness_expect_api_json(fd, path, 200);
        status = strcmp(harness_expect_str(o, "status"), "delivered") == 0 ? "delivered" : "";
        json_object_put(o);
        if (*status)
            break;
        harness_sleep_ms(20);
    }
    assert_string_equal(status, "delivered");

    /* Any other host is never contacted. */
    assert_int_equal(harness_fakedash_api(fd, "POST", "/networks/L_100/webhooks/webhookTests",
                                          "{\"url\": \"https://example.com/hook\"}", &r),
                     201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/webhookTests/%s",
             harness_expect_str(o, "id"));
    json_object_put(o);
    o = harness_expect_api_json(fd, path, 200);
    assert_string_equal(harness_expect_str(o, "status"), "abandoned");
    json_object_put(o);

    /* The control view holds the secret and both tests; DELETE removes the server. */
    assert_int_equal(harness_control(fd, "GET", "/_control/webhooks", NULL, &r), 200);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_string_equal(
        harness_expect_str(json_object_array_get_idx(harness_expect_get(o, "httpServers"), 0),
                           "sharedSecret"),
        "s3cret");
    tests = harness_expect_get(o, "webhookTests");
    assert_int_equal(json_object_array_length(tests), 2);
    json_object_put(o);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/httpServers/%s", id);
    assert_int_equal(harness_fakedash_api(fd, "DELETE", path, NULL, &r), 204);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "GET", path, NULL, &r), 404);
    harness_response_free(&r);
}

/* A test delivery nobody answers is retried, then abandoned. */
static void test_webhook_abandoned(void **state)
{
    struct harness_fakedash *fd = *state;
    int port = harness_free_port();
    char body[256], path[256];
    struct harness_response r;
    struct json_object *o;
    const char *status = "";

    assert_true(port > 0);
    snprintf(body, sizeof body, "{\"url\": \"http://127.0.0.1:%d/nobody\"}", port);
    assert_int_equal(
        harness_fakedash_api(fd, "POST", "/networks/L_100/webhooks/webhookTests", body, &r), 201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/webhookTests/%s",
             harness_expect_str(o, "id"));
    json_object_put(o);
    for (int i = 0; i < 100 && strcmp(status, "abandoned") != 0; i++) {
        harness_sleep_ms(50);
        o = harness_expect_api_json(fd, path, 200);
        status = strcmp(harness_expect_str(o, "status"), "abandoned") == 0 ? "abandoned" : "";
        assert_true(strcmp(harness_expect_str(o, "status"), "delivered") != 0);
        json_object_put(o);
    }
    assert_string_equal(status, "abandoned");
    assert_int_equal(harness_control(fd, "GET", "/_control/webhooks", NULL, &r), 200);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_int_equal(
        json_object_get_int(harness_expect_get(
            json_object_array_get_idx(harness_expect_get(o, "webhookTests"), 0), "attempts")),
        3);
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_webhook_setup, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_webhook_abandoned, harness_fakedash_sample_setup),
    };

    harness_init();
    return cmocka_run_group_tests(tests, harness_fakedash_group_setup,
                                  harness_fakedash_group_teardown);
}
