/*
 * test_proxy.c - tagfailover behind a real nginx (listener mode plain), using the example site
 * scripts/nginx/tagfailover.conf with only its ports and certificate paths changed.
 *
 * nginx (/usr/sbin/nginx, `daemon off`, everything in the test's temp dir) terminates TLS on a
 * free 127.0.0.1 port with the gen-certs.sh certificate and forwards to the daemon in plain
 * mode. What is checked: X-Forwarded-For is used only because 127.0.0.1 is in trusted_proxies
 * (the daemon's log names the address the test put in the header), allowed_sources applies to
 * that resolved client, a forged address on the left of the list does not help, and without
 * trusted_proxies the header is ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/proc.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

#define NGINX "/usr/sbin/nginx"

static harness_world T;
static struct harness_proc nginx;
static int nginx_port;
static int alert_seq;

static void nginx_stop(void)
{
    if (nginx.pid > 0) {
        int rc = harness_stop(nginx.pid);
        nginx.pid = 0;
        if (rc != 0)
            fprintf(stderr, "nginx exited %d\n", rc);
    }
}

static int setup(void **state)
{
    (void)state;
    harness_init();
    memset(&nginx, 0, sizeof(nginx));
    if (harness_world_open(&T, harness_scenario_listener) != 0 || harness_world_certs(&T) != 0) {
        harness_world_close(&T);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nginx_stop();
    return harness_world_close(&T);
}

/* Replaces the one occurrence of `from` in *s with `to`; fails the test when there is not
 * exactly one (the example changed in a way this test must follow). */
static void replace_once(char **s, const char *from, const char *to)
{
    char *at = strstr(*s, from);
    if (at == NULL || strstr(at + 1, from) != NULL)
        fail_msg("the example nginx site must contain '%s' exactly once", from);
    size_t head = (size_t)(at - *s), fl = strlen(from), tl = strlen(to), rest = strlen(at + fl);
    char *n = malloc(head + tl + rest + 1);
    assert_non_null(n);
    memcpy(n, *s, head);
    memcpy(n + head, to, tl);
    memcpy(n + head + tl, at + fl, rest + 1);
    free(*s);
    *s = n;
}

/* Writes DIR/nginx.conf around the example site, pointed at the running daemon, and starts
 * nginx on a free port. */
static void nginx_start(void)
{
    char path[HARNESS_PATH_MAX + 64], line[HARNESS_PATH_MAX + 64], conf[8192];
    const char *src = harness_env("TF_SOURCE_DIR");

    snprintf(path, sizeof(path), "%s/scripts/nginx/tagfailover.conf", src);
    char *site = harness_read_file(path);
    assert_non_null(site);
    nginx_port = harness_free_port();
    assert_true(nginx_port > 0);
    snprintf(line, sizeof(line), "listen 127.0.0.1:%d ssl;", nginx_port);
    replace_once(&site, "listen 443 ssl;", line);
    replace_once(&site, "listen [::]:443 ssl;", "");
    snprintf(line, sizeof(line), "%s/server.crt;", T.certs);
    replace_once(&site, "/etc/tagfailover/certs/server.crt;", line);
    snprintf(line, sizeof(line), "%s/server.key;", T.certs);
    replace_once(&site, "/etc/tagfailover/certs/server.key;", line);
    snprintf(line, sizeof(line), "server 127.0.0.1:%d;", T.port);
    replace_once(&site, "server 127.0.0.1:8443;", line);
    snprintf(path, sizeof(path), "%s/site.conf", T.dir);
    assert_int_equal(harness_write_file(path, site), 0);
    free(site);

    /* The main file: foreground, every path in the temp dir. */
    int n = snprintf(conf, sizeof(conf),
                     "daemon off;\n"
                     "master_process on;\n"
                     "worker_processes 1;\n"
                     "pid %s/nginx.pid;\n"
                     "error_log %s/nginx-error.log info;\n"
                     "events { worker_connections 256; }\n"
                     "http {\n"
                     "  access_log %s/nginx-access.log;\n"
                     "  client_body_temp_path %s/nginx-body;\n"
                     "  proxy_temp_path %s/nginx-proxy;\n"
                     "  fastcgi_temp_path %s/nginx-fastcgi;\n"
                     "  uwsgi_temp_path %s/nginx-uwsgi;\n"
                     "  scgi_temp_path %s/nginx-scgi;\n"
                     "  include %s/site.conf;\n"
                     "}\n",
                     T.dir, T.dir, T.dir, T.dir, T.dir, T.dir, T.dir, T.dir, T.dir);
    assert_true(n > 0 && n < (int)sizeof(conf));
    snprintf(path, sizeof(path), "%s/nginx.conf", T.dir);
    assert_int_equal(harness_write_file(path, conf), 0);

    char prefix[HARNESS_PATH_MAX + 8], errlog[HARNESS_PATH_MAX + 32];
    snprintf(prefix, sizeof(prefix), "%s/", T.dir);
    snprintf(errlog, sizeof(errlog), "%s/nginx-error.log", T.dir);
    const char *argv[] = {NGINX, "-c", path, "-p", prefix, "-e", errlog, NULL};
    assert_int_equal(harness_spawn(T.dir, "nginx", argv, NULL, &nginx), 0);
    if (harness_wait_port(nginx_port, 10000) != 0) {
        char *e = harness_read_file(errlog);
        fail_msg("nginx did not start: %s", e ? e : "(no error log)");
    }
}

/* POSTs a fresh trigger alert through nginx with X-Forwarded-For `xff` (NULL: none). */
static long via_nginx(const char *xff, char *alert_id, size_t idlen)
{
    char url[128], hdr[256];
    struct harness_response r;
    struct harness_http_opts o;
    const char *headers[3] = {"Content-Type: application/json", NULL, NULL};

    snprintf(alert_id, idlen, "proxy-%d", ++alert_seq);
    char *a = harness_webhook_delivery("failover_event", alert_id, HARNESS_SECRET);
    if (xff != NULL) {
        snprintf(hdr, sizeof(hdr), "X-Forwarded-For: %s", xff);
        headers[1] = hdr;
    }
    memset(&o, 0, sizeof(o));
    o.ca_file = T.ca;
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/webhook", nginx_port);
    harness_http("POST", url, headers, a, &o, &r);
    long status = r.status;
    harness_response_free(&r);
    free(a);
    return status;
}

/* Waits for the daemon's log line for `alert_id` and checks its client and result. */
static void expect_log(const char *alert_id, const char *client, const char *result)
{
    char want[256];
    /* Only authenticated requests name their alert; a 403 is decided before the body, so
     * forbidden lines are matched on client and result alone. */
    snprintf(want, sizeof(want), "\"client\":\"%s\",\"result\":\"%s\"", client, result);
    if (harness_wait_file_contains(T.proc.stderr_path, want, 5000) != 0) {
        harness_daemon_dump(&T);
        fail_msg("no log line with %s (alert %s)", want, alert_id);
    }
    if (strcmp(result, "accepted") == 0) {
        snprintf(want, sizeof(want), "\"alert_id\":\"%s\"", alert_id);
        assert_int_equal(harness_wait_file_contains(T.proc.stderr_path, want, 5000), 0);
    }
}

static void test_trusted_proxy(void **state)
{
    char id[32];
    (void)state;

    assert_int_equal(harness_daemon_listen(&T,
                                           "[listener]\nmode = plain\n"
                                           "trusted_proxies = 127.0.0.1\n"
                                           "allowed_sources = 203.0.113.0/24\n",
                                           NULL),
                     0);
    nginx_start();

    /* The client the test names in X-Forwarded-For is the one the daemon judges and logs. */
    assert_int_equal(via_nginx("203.0.113.77", id, sizeof(id)), 202);
    expect_log(id, "203.0.113.77", "accepted");

    /* Outside allowed_sources: 403. */
    assert_int_equal(via_nginx("198.51.100.9", id, sizeof(id)), 403);
    expect_log(id, "198.51.100.9", "forbidden");

    /* A forged allowed address on the left does not help: the rightmost untrusted one counts. */
    assert_int_equal(via_nginx("203.0.113.5, 198.51.100.10", id, sizeof(id)), 403);
    expect_log(id, "198.51.100.10", "forbidden");

    /* No header: nginx's view of the client, 127.0.0.1, which is not allowed. */
    assert_int_equal(via_nginx(NULL, id, sizeof(id)), 403);
    expect_log(id, "127.0.0.1", "forbidden");

    /* The example site's caps: nginx refuses a body over 64k itself; other paths are 404. */
    char url[128];
    struct harness_response r;
    struct harness_http_opts o;
    memset(&o, 0, sizeof(o));
    o.ca_file = T.ca;
    size_t big = 70000;
    char *body = malloc(big);
    memset(body, ' ', big);
    o.body_ptr = body;
    o.body_len = big;
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/webhook", nginx_port);
    harness_http("POST", url, NULL, NULL, &o, &r);
    assert_int_equal(r.status, 413);
    harness_response_free(&r);
    free(body);
    o.body_ptr = NULL;
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/status", nginx_port);
    harness_http("GET", url, NULL, NULL, &o, &r);
    assert_int_equal(r.status, 404);
    harness_response_free(&r);

    assert_true(harness_daemon_metric(&T, "tagfailover_webhooks_total{result=\"accepted\"}") == 1);
    assert_true(harness_daemon_metric(&T, "tagfailover_webhooks_total{result=\"forbidden\"}") == 3);
    assert_true(harness_daemon_metric(&T, "tagfailover_webhooks_total{result=\"too_large\"}") == 0);
}

/* Without trusted_proxies the header is ignored: the client is nginx, 127.0.0.1. */
static void test_untrusted_proxy(void **state)
{
    char id[32];
    (void)state;

    assert_int_equal(harness_daemon_listen(
                         &T, "[listener]\nmode = plain\nallowed_sources = 203.0.113.0/24\n", NULL),
                     0);
    nginx_start();
    assert_int_equal(via_nginx("203.0.113.77", id, sizeof(id)), 403);
    expect_log(id, "127.0.0.1", "forbidden");
    assert_int_equal(harness_file_count(T.proc.stderr_path, "203.0.113.77"), 0);
    nginx_stop();
    assert_int_equal(harness_daemon_stop(&T), 0);

    /* Allowing 127.0.0.1 instead: accepted, and still logged as 127.0.0.1. */
    assert_int_equal(
        harness_daemon_listen(&T, "[listener]\nmode = plain\nallowed_sources = 127.0.0.1\n", NULL),
        0);
    nginx_start();
    assert_int_equal(via_nginx("203.0.113.77", id, sizeof(id)), 202);
    expect_log(id, "127.0.0.1", "accepted");
    assert_int_equal(harness_file_count(T.proc.stderr_path, "203.0.113.77"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_trusted_proxy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_untrusted_proxy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
