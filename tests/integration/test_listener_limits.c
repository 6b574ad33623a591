/*
 * test_listener_limits.c - what the listener does under pressure: idle connections and clients
 * that send one byte a second. (A full queue, per organization, is org_queues.test.sh: it
 * fills a real one with real traffic against a slowed Dashboard.) Each test runs its own
 * `tagfailover serve` (TLS unless said) with the configuration the case needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/proc.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

/* Each test's daemon: prepared (temp dir, certificates, fake Dashboard) by the setup, removed by
 * the teardown, which cmocka runs even when the test fails. */
static harness_world T;

static int setup(void **state)
{
    (void)state;
    if (harness_world_open(&T, harness_scenario_listener) != 0 || harness_world_certs(&T) != 0) {
        harness_world_close(&T);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return harness_world_close(&T);
}

/* Seconds since `start_ms`. */
static double since(long long start_ms)
{
    return (double)(harness_now_ms() - start_ms) / 1000.0;
}

/* 300 connections that never send a byte do not stop a valid webhook from being answered, with
 * the default max_connections (256): the listener is event-driven, not a thread per
 * connection, and near its connection limit it cuts the connections idle longest. */
static void test_idle_connections(void **state)
{
    harness_world *tp = &T;
    enum { IDLE = 300 };
    int fds[IDLE];
    (void)state;

    assert_int_equal(harness_daemon_listen(tp, "[listener]\nmode = tls\n", NULL), 0);
    for (int i = 0; i < IDLE; i++) {
        fds[i] = harness_connect(tp->port);
        assert_true(fds[i] >= 0);
    }
    /* Let them age past the eviction's minimum idle time, as an attacker's would. */
    harness_sleep_ms(1500);

    char *a = harness_webhook_delivery("failover_event", "idle-1", HARNESS_SECRET);
    struct harness_response r;
    long long t0 = harness_now_ms();
    assert_int_equal(harness_webhook_post(tp, a, NULL, &r), 202);
    double took = since(t0);
    harness_response_free(&r);
    free(a);
    /* Well before the idle ones would time out (10 s): a few reaper ticks at most. */
    if (took > 3.0)
        fail_msg("a valid webhook took %.2f s behind %d idle connections", took, IDLE);

    /* Room was made by cutting idle connections, not all of them: most are still open. (Each
     * cut goes down to 75 % of the limit and the kernel's queue refills it, so a couple of
     * cuts happen before the queue is empty: about 190 of the 300 stay.) */
    int open = 0;
    for (int i = 0; i < IDLE; i++) {
        struct pollfd p = {fds[i], POLLIN, 0};
        if (poll(&p, 1, 0) == 0)
            open++;
    }
    if (open < IDLE / 2 || open == IDLE)
        fail_msg("%d of %d idle connections still open (want most, not all)", open, IDLE);
    assert_true(harness_file_count(tp->proc.stderr_path, "\"event\":\"connections_evicted\"") > 0);
    for (int i = 0; i < IDLE; i++)
        close(fds[i]);
}

/* Sends `first` (len bytes) at once, then one byte a second until the server closes the
 * connection or `limit_s` passes. Returns the seconds until it was closed, or -1. */
static double trickle(int port, const char *first, size_t len, double limit_s)
{
    int fd = harness_connect(port);
    long long t0 = harness_now_ms();
    double closed_at = -1;
    char c = ' ';

    assert_true(fd >= 0);
    if (len > 0)
        assert_int_equal(send(fd, first, len, MSG_NOSIGNAL), (ssize_t)len);
    while (since(t0) < limit_s) {
        struct pollfd p = {fd, POLLIN, 0};
        int n = poll(&p, 1, 1000);
        if (n > 0) {
            char buf[512];
            ssize_t got = recv(fd, buf, sizeof(buf), 0);
            if (got <= 0) {
                closed_at = since(t0);
                break;
            }
            continue; /* an answer would be a failure of its own; keep reading */
        }
        if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) {
            closed_at = since(t0);
            break;
        }
    }
    close(fd);
    return closed_at;
}

/* libcurl read callback: a 20-byte body, one byte a second. */
static size_t slow_read(char *buf, size_t size, size_t n, void *ud)
{
    int *sent = ud;
    (void)size;
    (void)n;
    if (*sent >= 20)
        return 0;
    harness_sleep_ms(1000);
    buf[0] = ' ';
    (*sent)++;
    return 1;
}

/* A client that sends one byte a second is cut off by connection_timeout_s (2 here), whether it
 * trickles its TLS handshake, its headers or its body. MHD's own timeout restarts on every
 * byte, so this is the request deadline at work. */
static void test_slow_clients(void **state)
{
    harness_world *tp = &T;
    (void)state;

    assert_int_equal(
        harness_daemon_listen(tp, "[listener]\nmode = tls\nconnection_timeout_s = 2\n", NULL), 0);

    /* A TLS handshake record header announcing 200 bytes, then the bytes, one a second. */
    static const char record[] = {0x16, 0x03, 0x01, 0x00, (char)200};
    double cut = trickle(tp->port, record, sizeof(record), 20);
    if (cut < 1.5 || cut > 5)
        fail_msg("slow handshake cut after %.2f s (want about 2)", cut);

    /* A full handshake and headers, then the body one byte a second (libcurl, chunked). */
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Transfer-Encoding: chunked");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, tp->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CAINFO, tp->ca);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    int sent = 0;
    curl_easy_setopt(c, CURLOPT_READFUNCTION, slow_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &sent);
    long long t0 = harness_now_ms();
    CURLcode cc = curl_easy_perform(c);
    double took = since(t0);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    /* Without the deadline the 20-byte body would take 20 s and then be answered. */
    if (cc == CURLE_OK || took < 1.5 || took > 5)
        fail_msg("slow body: curl %d status %ld after %.2f s (want cut at about 2 s)", cc, status,
                 took);

    assert_int_equal(harness_daemon_stop(tp), 0);

    /* Plain mode (behind a proxy): headers one byte a second. */
    assert_int_equal(
        harness_daemon_listen(tp, "[listener]\nmode = plain\nconnection_timeout_s = 2\n", NULL), 0);
    static const char head[] = "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    cut = trickle(tp->port, head, sizeof(head) - 1, 20);
    if (cut < 1.5 || cut > 5)
        fail_msg("slow headers cut after %.2f s (want about 2)", cut);

    /* An ordinary client on the same daemon is unaffected. */
    char *a = harness_webhook_delivery("failover_event", "slow-ok", HARNESS_SECRET);
    assert_int_equal(harness_webhook_post(tp, a, NULL, NULL), 202);
    free(a);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_clients, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
