/*
 * test_harness.c - the integration harness itself: temp dirs, files, child processes (their
 * environment, first line, exit status, stop), ports, and fakedash start/stop bookkeeping.
 * The other integration tests trust these helpers to tell a pass from a failure.
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

#include "harness/fakedash.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tmpdir_and_files),
        cmocka_unit_test(test_spawn),
        cmocka_unit_test(test_ports_and_fakedash),
    };

    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
