/*
 * test_listener_tls.c - the listener's TLS: which versions and ciphers it accepts (checked with
 * the `openssl s_client` command line), and certificate reload on SIGHUP without refusing a
 * connection, keeping the old certificate when the new one is broken.
 *
 * The refusals are only worth something if the same client command can succeed, so every
 * client command that must fail against tagfailover is first shown to succeed against an
 * `openssl s_server` that allows it (the control).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/proc.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

#define OPENSSL "/usr/bin/openssl"

static harness_world T;

static int group_setup(void **state)
{
    (void)state;
    harness_init();
    if (harness_world_open(&T, harness_scenario_listener) != 0 || harness_world_certs(&T) != 0 ||
        harness_daemon_listen(&T, "[listener]\nmode = tls\n", NULL) != 0) {
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

/* Runs `openssl s_client` against 127.0.0.1:port with extra arguments (NULL-terminated);
 * returns its exit status (0: the handshake succeeded and the certificate verified). */
static int s_client(int port, const char *ca, const char *const extra[])
{
    char connect[64];
    const char *argv[24];
    int n = 0;
    struct harness_proc p;

    snprintf(connect, sizeof(connect), "127.0.0.1:%d", port);
    argv[n++] = OPENSSL;
    argv[n++] = "s_client";
    argv[n++] = "-connect";
    argv[n++] = connect;
    argv[n++] = "-servername";
    argv[n++] = "localhost";
    argv[n++] = "-CAfile";
    argv[n++] = ca;
    argv[n++] = "-verify_return_error";
    argv[n++] = "-brief";
    for (int i = 0; extra[i] != NULL && n < 23; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    if (harness_spawn(T.dir, "s_client", argv, NULL, &p) != 0)
        return -1;
    return harness_wait_exit(p.pid, 15000);
}

/* The client commands: each offers exactly one protocol (and, for the last, one cipher). The
 * security level is lowered so that OpenSSL itself is willing to speak TLS 1.0 and 1.1. */
static const char *const c_tls10[] = {"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0", NULL};
static const char *const c_tls11[] = {"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", NULL};
static const char *const c_tls12_cbc[] = {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA", NULL};
static const char *const c_tls12[] = {"-tls1_2", NULL};
static const char *const c_tls13[] = {"-tls1_3", NULL};
static const char *const c_tls12_chacha[] = {"-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305",
                                             NULL};

/* The control: an openssl s_server that accepts anything OpenSSL can do, same certificate. */
static void test_control_server_accepts_old_tls(void **state)
{
    char cert[HARNESS_PATH_MAX + 16], key[HARNESS_PATH_MAX + 16], accept[64];
    struct harness_proc p;
    (void)state;

    int port = harness_free_port();
    assert_true(port > 0);
    snprintf(cert, sizeof(cert), "%s/server.crt", T.certs);
    snprintf(key, sizeof(key), "%s/server.key", T.certs);
    snprintf(accept, sizeof(accept), "127.0.0.1:%d", port);
    const char *argv[] = {OPENSSL, "s_server", "-accept",         accept, "-cert", cert, "-key",
                          key,     "-cipher",  "ALL:@SECLEVEL=0", "-www", NULL};
    assert_int_equal(harness_spawn(T.dir, "s_server", argv, NULL, &p), 0);
    assert_int_equal(harness_wait_port(port, 10000), 0);
    int r10 = s_client(port, T.ca, c_tls10);
    int r11 = s_client(port, T.ca, c_tls11);
    int rcbc = s_client(port, T.ca, c_tls12_cbc);
    harness_stop(p.pid);
    if (r10 != 0 || r11 != 0 || rcbc != 0)
        fail_msg("control: s_client could not do TLS 1.0 (%d), 1.1 (%d) or a CBC cipher (%d) "
                 "even against a server that allows them",
                 r10, r11, rcbc);
}

/* tagfailover refuses TLS 1.0, 1.1 and non-AEAD ciphers; accepts TLS 1.2 and 1.3. */
static void test_versions_and_ciphers(void **state)
{
    (void)state;
    assert_int_not_equal(s_client(T.port, T.ca, c_tls10), 0);
    assert_int_not_equal(s_client(T.port, T.ca, c_tls11), 0);
    assert_int_not_equal(s_client(T.port, T.ca, c_tls12_cbc), 0);
    assert_int_equal(s_client(T.port, T.ca, c_tls12), 0);
    assert_int_equal(s_client(T.port, T.ca, c_tls13), 0);
    assert_int_equal(s_client(T.port, T.ca, c_tls12_chacha), 0);
}

/* ---- SIGHUP reload ---- */

/* A client thread that opens a new connection for every request until told to stop. */
typedef struct {
    atomic_int stop;
    atomic_int ok;
    atomic_int failed;
    char last_error[320];
} hammer;

static void *hammer_main(void *arg)
{
    hammer *h = arg;
    struct harness_http_opts o;
    memset(&o, 0, sizeof(o));
    /* The certificate changes under it; what counts here is that every connection is
     * answered. Which certificate answers is checked separately, with verification. */
    o.insecure = 1;
    o.timeout_ms = 5000;
    while (!atomic_load(&h->stop)) {
        struct harness_response r;
        harness_http("GET", T.url, NULL, NULL, &o, &r);
        if (r.status == 405) {
            atomic_fetch_add(&h->ok, 1);
        } else {
            atomic_fetch_add(&h->failed, 1);
            snprintf(h->last_error, sizeof(h->last_error), "status %ld: %s", r.status, r.error);
        }
        harness_response_free(&r);
    }
    return NULL;
}

/* True when a request verified against `ca` succeeds. */
static int served_by(const char *ca)
{
    struct harness_response r;
    struct harness_http_opts o;
    memset(&o, 0, sizeof(o));
    o.ca_file = ca;
    o.timeout_ms = 5000;
    harness_http("GET", T.url, NULL, NULL, &o, &r);
    int ok = r.status == 405;
    harness_response_free(&r);
    return ok;
}

/* Copies file `from` to `to` (through a temp file and rename, as a deploy tool would). */
static void install(const char *from, const char *to)
{
    char tmp[HARNESS_PATH_MAX + 8];
    size_t len = 0;
    char *s = harness_read_file_len(from, &len);
    assert_non_null(s);
    snprintf(tmp, sizeof(tmp), "%s.new", to);
    assert_int_equal(harness_write_file(tmp, s), 0);
    assert_int_equal(rename(tmp, to), 0);
    free(s);
}

static void sighup_and_wait(const char *event, int nth)
{
    kill(T.proc.pid, SIGHUP);
    long long until = harness_now_ms() + 10000;
    while (harness_file_count(T.proc.stderr_path, event) < nth && harness_now_ms() < until)
        harness_sleep_ms(20);
    if (harness_file_count(T.proc.stderr_path, event) < nth) {
        harness_daemon_dump(&T);
        fail_msg("no '%s' log line after SIGHUP", event);
    }
}

static void test_sighup_reload(void **state)
{
    char certs2[HARNESS_PATH_MAX + 16], ca2[HARNESS_PATH_MAX + 32], path[HARNESS_PATH_MAX + 32];
    char crt[HARNESS_PATH_MAX + 32], key[HARNESS_PATH_MAX + 32], old_crt[HARNESS_PATH_MAX + 32];
    hammer h;
    pthread_t th;
    (void)state;

    /* A second, unrelated CA and server certificate. */
    snprintf(certs2, sizeof(certs2), "%s/certs2", T.dir);
    assert_int_equal(harness_gen_certs(T.dir, certs2), 0);
    snprintf(ca2, sizeof(ca2), "%s/ca.crt", certs2);
    snprintf(crt, sizeof(crt), "%s/server.crt", T.certs);
    snprintf(key, sizeof(key), "%s/server.key", T.certs);
    snprintf(old_crt, sizeof(old_crt), "%s/old.crt", T.dir);
    install(crt, old_crt);

    assert_true(served_by(T.ca));
    assert_false(served_by(ca2));

    memset(&h, 0, sizeof(h));
    assert_int_equal(pthread_create(&th, NULL, hammer_main, &h), 0);
    harness_sleep_ms(300);

    /* 1. A valid new pair: served from now on, same port, no connection refused. */
    snprintf(path, sizeof(path), "%s/server.key", certs2);
    install(path, key);
    snprintf(path, sizeof(path), "%s/server.crt", certs2);
    install(path, crt);
    sighup_and_wait("\"event\":\"tls_reloaded\"", 1);
    harness_sleep_ms(300);
    assert_true(served_by(ca2));
    assert_false(served_by(T.ca));

    /* 2. A broken certificate: refused, the current pair keeps serving. */
    assert_int_equal(harness_write_file(crt, "-----BEGIN CERTIFICATE-----\nbroken\n"
                                             "-----END CERTIFICATE-----\n"),
                     0);
    sighup_and_wait("\"event\":\"tls_reload_failed\"", 1);
    assert_true(served_by(ca2));

    /* 3. A certificate that does not match the key: refused too. */
    install(old_crt, crt);
    sighup_and_wait("\"event\":\"tls_reload_failed\"", 2);
    assert_true(served_by(ca2));
    assert_false(served_by(T.ca));
    assert_int_equal(harness_file_count(T.proc.stderr_path, "does not match"), 1);

    harness_sleep_ms(300);
    atomic_store(&h.stop, 1);
    pthread_join(th, NULL);
    if (atomic_load(&h.failed) != 0)
        fail_msg("%d of %d requests failed during the reloads (last: %s)", atomic_load(&h.failed),
                 atomic_load(&h.failed) + atomic_load(&h.ok), h.last_error);
    assert_true(atomic_load(&h.ok) > 20);

    /* Still the same daemon, still serving, exits cleanly. */
    assert_int_equal(harness_file_count(T.proc.stderr_path, "\"event\":\"started\""), 1);
    assert_int_equal(harness_daemon_stop(&T), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_server_accepts_old_tls),
        cmocka_unit_test(test_versions_and_ciphers),
        cmocka_unit_test(test_sighup_reload),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
