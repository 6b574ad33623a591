/*
 * test_harness.c - the integration harness itself (tests/harness): temp dirs, files, child
 * processes (their environment, first line, exit status, stop), ports, fakedash start/stop
 * bookkeeping, the configuration writer's overrides and the webhook bodies. The other
 * integration tests trust these helpers to tell a pass from a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/config.h"
#include "harness/fakedash.h"
#include "harness/proc.h"
#include "harness/webhook.h"
#include "harness/world.h"

static void test_tmpdir_and_files(void **state)
{
    char *dir = harness_tmpdir_create();
    char path[4096], sub[4096];
    char *text;
    size_t len = 0;
    struct stat sb;

    (void)state;
    assert_non_null(dir);
    assert_int_equal(stat(dir, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    snprintf(path, sizeof path, "%s/a.txt", dir);
    assert_int_equal(harness_write_file(path, "one two one\n"), 0);
    text = harness_read_file_len(path, &len);
    assert_non_null(text);
    assert_int_equal(len, 12);
    assert_string_equal(text, "one two one\n");
    free(text);
    assert_int_equal(harness_file_count(path, "one"), 2);
    assert_int_equal(harness_wait_file_contains(path, "two", 100), 0);
    assert_int_equal(harness_wait_file_contains(path, "three", 100), -1);
    assert_null(harness_read_file("/nonexistent/file"));
    /* Removal is recursive. */
    snprintf(sub, sizeof sub, "%s/d", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/d/b.txt", dir);
    assert_int_equal(harness_write_file(path, "x"), 0);
    assert_int_equal(harness_tmpdir_remove(dir), 0);
    assert_int_not_equal(stat(dir, &sb), 0);
    free(dir);
}

static void test_spawn(void **state)
{
    char *dir = harness_tmpdir_create();
    const char *argv[] = {"/bin/sh", "-c",
                          "echo \"$TF_HARNESS_X-${HOME:-nohome}\"; "
                          "echo err >&2; exit 7",
                          NULL};
    const char *env[] = {"TF_HARNESS_X=set", "HOME", NULL};
    const char *sleeper[] = {"/bin/sh", "-c", "echo ready; exec sleep 100", NULL};
    const char *stubborn[] = {"/bin/sh", "-c",
                              "trap '' TERM; echo ready; while :; do sleep 1; done", NULL};
    struct harness_proc p;
    char *line;

    (void)state;
    assert_non_null(dir);
    /* Environment changes, first line, stderr file, exit code. */
    assert_int_equal(harness_spawn(dir, "sh", argv, env, &p), 0);
    line = harness_first_line(&p, 5000);
    assert_non_null(line);
    assert_string_equal(line, "set-nohome");
    free(line);
    assert_int_equal(harness_wait_exit(p.pid, 5000), 7);
    assert_int_equal(harness_wait_file_contains(p.stderr_path, "err", 1000), 0);

    /* SIGTERM ends a well-behaved child: status 128 + 15. */
    assert_int_equal(harness_spawn(dir, "sleeper", sleeper, NULL, &p), 0);
    line = harness_first_line(&p, 5000);
    assert_non_null(line);
    free(line);
    assert_int_equal(harness_wait_exit(p.pid, 100), -1); /* still running */
    assert_int_equal(harness_stop(p.pid), 128 + SIGTERM);

    /* A child that ignores SIGTERM is killed after 5 s. */
    assert_int_equal(harness_spawn(dir, "stubborn", stubborn, NULL, &p), 0);
    line = harness_first_line(&p, 5000);
    assert_non_null(line);
    free(line);
    assert_int_equal(harness_stop(p.pid), 128 + SIGKILL);

    /* A missing program: no first line, exit 127. */
    {
        const char *missing[] = {"/nonexistent/program", NULL};

        assert_int_equal(harness_spawn(dir, "missing", missing, NULL, &p), 0);
        assert_null(harness_first_line(&p, 2000));
        assert_int_equal(harness_wait_exit(p.pid, 2000), 127);
    }
    assert_int_equal(harness_tmpdir_remove(dir), 0);
    free(dir);
}

static void test_ports_and_fakedash(void **state)
{
    struct harness_fakedash fd;
    struct harness_response r;
    char buf[64];
    int port = harness_free_port();

    (void)state;
    assert_true(port > 0);
    assert_int_equal(harness_wait_port(port, 100), -1); /* nothing listens there */
    assert_int_equal(harness_fakedash_start(NULL, &fd), 0);
    assert_int_equal(harness_wait_port(fd.port, 1000), 0);
    assert_int_equal(harness_wait_port(fd.port2, 1000), 0);
    assert_int_not_equal(fd.port, fd.port2);
    assert_int_equal(strncmp(fd.base_url, "http://127.0.0.1:", 17), 0);

    /* harness_http: status, body, headers of the final response. */
    {
        const char *hdrs[] = {"Authorization: Bearer test-api-key", NULL};
        char url[256];

        snprintf(url, sizeof url, "%s/organizations", fd.base_url);
        assert_int_equal(harness_http("GET", url, hdrs, NULL, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "[]");
        assert_int_equal(r.len, 2);
        assert_string_equal(harness_header(&r, "content-type", buf, sizeof buf),
                            "application/json; charset=utf-8");
        assert_null(harness_header(&r, "X-Nope", buf, sizeof buf));
        harness_response_free(&r);
    }
    assert_int_equal(harness_fakedash_scenario(&fd, "{\"organizations\": [{\"id\": \"1\", "
                                                    "\"networks\": [{\"id\": \"L_1\", \"tags\": "
                                                    "[\"a\"]}]}]}"),
                     0);
    {
        struct json_object *tags = harness_fakedash_tags(&fd, "L_1");

        assert_non_null(tags);
        assert_string_equal(json_object_get_string(json_object_array_get_idx(tags, 0)), "a");
        json_object_put(tags);
        assert_null(harness_fakedash_tags(&fd, "L_2"));
    }
    assert_int_equal(harness_log_count(&fd, NULL, NULL), 0);
    assert_int_equal(harness_fakedash_stop(&fd), 0);
    /* Its temp dir is gone and the port is closed. */
    assert_int_equal(harness_wait_port(fd.port, 100), -1);

    /* A transport failure: status 0, an error text, -1. */
    {
        char url[64];

        snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
        assert_int_equal(harness_http("GET", url, NULL, NULL, NULL, &r), -1);
        assert_int_equal(r.status, 0);
        assert_true(r.error[0] != '\0');
        harness_response_free(&r);
    }
}

/* Whole words and whole lines of a file. */
static void test_file_words_and_lines(void **state)
{
    char *dir = harness_tmpdir_create();
    char path[4096];
    const char *const both[] = {"\"a\":1", "\"b\":2", NULL};
    const char *const none[] = {"\"c\"", NULL};
    char *line;

    (void)state;
    assert_non_null(dir);
    snprintf(path, sizeof path, "%s/log", dir);
    assert_int_equal(harness_write_file(path, "{\"a\":1} secrets_x\n{\"a\":1,\"b\":2} (secret)\n"),
                     0);
    assert_int_equal(harness_file_has_word(path, "secret"), 1);
    assert_int_equal(harness_file_has_word(path, "secrets"), 0); /* only inside secrets_x */
    assert_int_equal(harness_file_has_word(path, "x"), 0);
    assert_int_equal(harness_file_has_word("/nonexistent/file", "secret"), 0);
    line = harness_file_line(path, both);
    assert_non_null(line);
    assert_string_equal(line, "{\"a\":1,\"b\":2} (secret)");
    free(line);
    assert_null(harness_file_line(path, none));
    assert_int_equal(harness_tmpdir_remove(dir), 0);
    free(dir);
}

/* The configuration writer: defaults, a replaced key, an added key, a new section, the TLS
 * URL, and refused override lines. */
static void test_conf_overrides(void **state)
{
    harness_world w;
    char *text;

    (void)state;
    memset(&w, 0, sizeof w);
    w.dir = harness_tmpdir_create();
    assert_non_null(w.dir);
    snprintf(w.conf, sizeof w.conf, "%s/tagfailover.conf", w.dir);
    snprintf(w.fd.base_url, sizeof w.fd.base_url, "http://127.0.0.1:1/api/v1");
    snprintf(w.certs, sizeof w.certs, "/c");
    w.port = 2;
    w.admin_port = 3;

    assert_int_equal(harness_conf_write(&w, "[failover]\n confirm_window_s = 4 \nhold_tag = maint\n"
                                            "[site london]\ntracked_ip = 192.0.2.50\n"
                                            "[listener]\nmode = tls\nwebhook_path = /hook\n"),
                     0);
    text = harness_read_file(w.conf);
    assert_non_null(text);
    assert_string_equal(text, "[dashboard]\n"
                              "base_url = http://127.0.0.1:1/api/v1\n"
                              "api_key = test-api-key\n"
                              "data_lag_s = 0\n"
                              "timeout_s = 5\n"
                              "[listener]\n"
                              "mode = tls\n"
                              "address = 127.0.0.1\n"
                              "port = 2\n"
                              "shared_secret = secret\n"
                              "cert_file = /c/server.crt\n"
                              "key_file = /c/server.key\n"
                              "webhook_path = /hook\n"
                              "[admin]\n"
                              "address = 127.0.0.1\n"
                              "port = 3\n"
                              "[failover]\n"
                              "detect_window_s = 6\n"
                              "clean_window_s = 6\n"
                              "confirm_interval_s = 1\n"
                              "confirm_window_s = 4\n"
                              "reconcile_interval_s = 30\n"
                              "hold_tag = maint\n"
                              "[log]\n"
                              "format = json\n"
                              "level = debug\n"
                              "[site london]\n"
                              "tracked_ip = 192.0.2.50\n");
    free(text);
    assert_true(w.tls);
    assert_string_equal(w.url, "https://127.0.0.1:2/hook");

    /* Without certificates, no certificate keys; the last value given wins. */
    w.certs[0] = '\0';
    assert_int_equal(harness_conf_write(&w, "[listener]\nmode = tls\nmode = plain\n"), 0);
    assert_false(w.tls);
    assert_string_equal(w.url, "http://127.0.0.1:2/webhook");
    assert_int_equal(harness_file_count(w.conf, "cert_file"), 0);
    assert_int_equal(harness_file_count(w.conf, "mode = "), 1);
    assert_int_equal(harness_file_count(w.conf, "mode = plain\n"), 1);

    /* A key before any section, and a line that is neither, are refused. */
    assert_int_equal(harness_conf_write(&w, "mode = tls\n"), -1);
    assert_int_equal(harness_conf_write(&w, "[listener]\nmode tls\n"), -1);
    assert_int_equal(harness_conf_write(&w, "[]\n"), -1);
    assert_int_equal(harness_tmpdir_remove(w.dir), 0);
    free(w.dir);
}

/* Parses `body` (and frees it) and checks its string members: fields[i][0] must read
 * fields[i][1] ("" for an absent one). Returns the parsed object (caller puts). */
static struct json_object *expect_fields(char *body, const char *const fields[][2], size_t n)
{
    struct json_object *o;

    assert_non_null(body);
    o = json_tokener_parse(body);
    free(body);
    assert_non_null(o);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(harness_json_str(o, fields[i][0]), fields[i][1]);
    return o;
}

/* The one webhook body builder: Meraki's example of a type, the recorded delivery, each with
 * its fields replaced and the secret set or left out. */
static void test_webhook_bodies(void **state)
{
    const struct harness_alert vpn = {.type = "vpn_connectivity_change",
                                      .org = "1001",
                                      .network = "L_100",
                                      .alert_id = "A-1",
                                      .secret = HARNESS_SECRET};
    const struct harness_alert missing = {.type = "no_such_alert"};
    static const char *const vpn_fields[][2] = {
        {"alertTypeId", "vpn_connectivity_change"},
        {"organizationId", "1001"},
        {"networkId", "L_100"},
        {"alertId", "A-1"},
        {"sharedSecret", "secret"},
        {"deviceSerial", "Q234-ABCD-5678"}, /* Meraki's example */
    };
    static const char *const recorded_fields[][2] = {
        {"alertTypeId", "motion_alert"},          {"alertId", "d-2"},
        {"organizationId", "658651445502938393"}, {"networkId", "L_658651445502952912"},
        {"deviceSerial", "Q2JY-9KYS-3UGD"},       {"sharedSecret", ""},
    };
    struct json_object *o, *data;

    (void)state;
    o = expect_fields(harness_webhook_body(&vpn), vpn_fields,
                      sizeof vpn_fields / sizeof vpn_fields[0]);
    assert_true(json_object_object_get_ex(o, "alertData", &data));
    assert_string_equal(harness_json_str(data, "connectivity"), "true");
    json_object_put(o);

    o = expect_fields(harness_webhook_delivery("motion_alert", "d-2", NULL), recorded_fields,
                      sizeof recorded_fields / sizeof recorded_fields[0]);
    assert_false(json_object_object_get_ex(o, "sharedSecret", NULL));
    json_object_put(o);

    assert_null(harness_webhook_body(&missing));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tmpdir_and_files),   cmocka_unit_test(test_spawn),
        cmocka_unit_test(test_ports_and_fakedash), cmocka_unit_test(test_file_words_and_lines),
        cmocka_unit_test(test_conf_overrides),     cmocka_unit_test(test_webhook_bodies),
    };

    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
