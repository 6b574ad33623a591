/*
 * test_ratelimit.c - the token bucket with plain numbers, and the registry's non-blocking
 * paths (cancel, pause bookkeeping). Nothing here sleeps: bucket time is an argument, and the
 * registry is only driven where it returns at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/ratelimit.h"

#define EPS 1e-9

/* ---- the pure bucket ---------------------------------------------------------------- */

static void test_burst_then_spacing(void **state)
{
    (void)state;
    rl_bucket b;

    rl_bucket_init(&b, 9.0, 5.0, 0.0);
    for (int i = 0; i < 100; i++) {
        double w = rl_take(&b, 0.0);
        double want = i < 5 ? 0.0 : (double)(i - 4) / 9.0;
        assert_true(fabs(w - want) < EPS);
    }
}

static void test_sustained_at_rate_never_waits(void **state)
{
    (void)state;
    rl_bucket b;

    rl_bucket_init(&b, 9.0, 5.0, 100.0);
    for (int i = 0; i < 5; i++)
        assert_true(rl_take(&b, 100.0) == 0.0);
    /* After the burst, one request every 1/r seconds finds a token every time. */
    for (int i = 1; i <= 1000; i++)
        assert_true(rl_take(&b, 100.0 + (double)i / 9.0) < EPS);
    /* Twice the rate: the queue grows by half a period per request. */
    double t0 = 100.0 + 1000.0 / 9.0;
    for (int i = 1; i <= 10; i++) {
        double now = t0 + (double)i / 18.0;
        double w = rl_take(&b, now);
        double slot = t0 + (double)i / 9.0;
        assert_true(fabs(now + w - slot) < 1e-6);
    }
}

static void test_refill_caps_at_depth(void **state)
{
    (void)state;
    rl_bucket b;

    rl_bucket_init(&b, 2.0, 3.0, 0.0);
    for (int i = 0; i < 3; i++)
        assert_true(rl_take(&b, 0.0) == 0.0);
    /* An hour idle refills to the depth, not to 7200 tokens. */
    for (int i = 0; i < 3; i++)
        assert_true(rl_take(&b, 3600.0) == 0.0);
    assert_true(fabs(rl_take(&b, 3600.0) - 0.5) < EPS);
}

static void test_burst_below_one_is_one(void **state)
{
    (void)state;
    rl_bucket b;

    rl_bucket_init(&b, 1.0, 0.0, 0.0);
    assert_true(b.depth == 1.0);
    assert_true(rl_take(&b, 0.0) == 0.0);
    assert_true(fabs(rl_take(&b, 0.0) - 1.0) < EPS);
}

static void test_stale_now_adds_nothing(void **state)
{
    (void)state;
    rl_bucket b;

    rl_bucket_init(&b, 1.0, 1.0, 10.0);
    assert_true(rl_take(&b, 10.0) == 0.0);
    /* A caller whose clock reading is older than the bucket's gets the slot after the
     * reserved one, counted from the bucket's time. */
    double w = rl_take(&b, 9.5);
    assert_true(fabs(9.5 + w - 11.0) < EPS);
    assert_true(b.last == 10.0);
}

/* Fractional rates and depths: the slot of the n-th request of a burst at t = 0. */
static void test_fractional_rates(void **state)
{
    (void)state;
    static const struct {
        double rate, burst;
        int n;       /* request number, from 1 */
        double slot; /* when it may go */
    } cases[] = {
        {0.5, 1.0, 1, 0.0},       {0.5, 1.0, 2, 2.0},      {0.5, 1.0, 3, 4.0},
        {2.5, 3.0, 3, 0.0},       {2.5, 3.0, 4, 0.4},      {2.5, 3.0, 6, 1.2},
        {0.1, 2.0, 3, 10.0},      {9.0, 5.5, 5, 0.0},      {9.0, 5.5, 6, 0.5 / 9.0},
        {9.0, 5.5, 7, 1.5 / 9.0}, {1000.0, 1.0, 11, 0.01},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        rl_bucket b;
        double w = 0.0;

        rl_bucket_init(&b, cases[c].rate, cases[c].burst, 0.0);
        for (int i = 0; i < cases[c].n; i++)
            w = rl_take(&b, 0.0);
        assert_true(fabs(w - cases[c].slot) < 1e-6);
    }
}

/* A deterministic PRNG for the arrival patterns (xorshift64*). */
static double sim_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum sim_pattern {
    SIM_BURST,   /* everything at t = 0 */
    SIM_RANDOM,  /* uniform arrivals over `span` seconds */
    SIM_WAVES,   /* bursts of 20 every 3 s, with idle gaps that refill the bucket */
    SIM_TRICKLE, /* a little under the rate, then a burst on top */
};

/* Simulates n requests and checks, over every closed 1-s window that starts at a send, that
 * no more than rate + burst went; also that a request never goes before it arrived, that the
 * queue is FIFO, and that the bucket is not slower than it must be. */
static void test_invariant_simulation(void **state)
{
    (void)state;
    static const struct {
        double rate, burst;
        enum sim_pattern pattern;
        int n;
        double span;
    } cases[] = {
        {9.0, 5.0, SIM_BURST, 1000, 0.0},      {9.0, 5.0, SIM_RANDOM, 5000, 60.0},
        {9.0, 5.0, SIM_WAVES, 2000, 0.0},      {9.0, 5.0, SIM_TRICKLE, 3000, 0.0},
        {10.0, 20.0, SIM_RANDOM, 5000, 100.0}, {0.5, 1.0, SIM_RANDOM, 300, 1000.0},
        {2.5, 3.0, SIM_BURST, 500, 0.0},       {2.5, 3.0, SIM_WAVES, 500, 0.0},
        {1.0, 1.0, SIM_RANDOM, 1000, 500.0},   {100.0, 1.0, SIM_RANDOM, 20000, 50.0},
        {9.5, 5.5, SIM_TRICKLE, 3000, 0.0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int n = cases[c].n;
        double *arrive = calloc((size_t)n, sizeof(double));
        double *send = calloc((size_t)n, sizeof(double));
        uint64_t seed = 0x9E3779B97F4A7C15ULL + c;
        rl_bucket b;

        assert_non_null(arrive);
        assert_non_null(send);
        for (int i = 0; i < n; i++) {
            switch (cases[c].pattern) {
            case SIM_BURST:
                arrive[i] = 0.0;
                break;
            case SIM_RANDOM:
                arrive[i] = sim_rand(&seed) * cases[c].span;
                break;
            case SIM_WAVES:
                arrive[i] = (double)(i / 20) * 3.0 + sim_rand(&seed) * 0.01;
                break;
            case SIM_TRICKLE:
                arrive[i] = i < n / 2 ? (double)i / (cases[c].rate * 0.9)
                                      : (double)(n / 2) / (cases[c].rate * 0.9);
                break;
            }
        }
        qsort(arrive, (size_t)n, sizeof(double), cmp_double);
        rl_bucket_init(&b, cases[c].rate, cases[c].burst, 0.0);
        for (int i = 0; i < n; i++) {
            double w = rl_take(&b, arrive[i]);
            assert_true(w >= 0.0);
            send[i] = arrive[i] + w;
            if (i > 0)
                assert_true(send[i] >= send[i - 1] - EPS);
        }
        int limit = (int)floor(cases[c].rate + cases[c].burst + EPS);
        for (int i = 0, j = 0; i < n; i++) {
            /* j: first send after send[i] + 1 (closed window, with a hair of slack for the
             * rounding of sums of 1/rate, in the direction that makes the check stricter). */
            if (j < i)
                j = i;
            while (j < n && send[j] <= send[i] + 1.0 + 1e-7)
                j++;
            if (j - i > limit)
                fail_msg("case %zu: %d requests in [%.9f, %.9f], limit %d", c, j - i, send[i],
                         send[i] + 1.0, limit);
        }
        /* Not slower than needed: the last request of a backlog goes at its earliest slot. */
        if (cases[c].pattern == SIM_BURST) {
            double want = ((double)n - cases[c].burst) / cases[c].rate;
            assert_true(fabs(send[n - 1] - want) < 1e-6);
        }
        free(arrive);
        free(send);
    }
}

/* ---- the registry (non-blocking paths only) -------------------------------------------- */

static void test_registry_rejects_bad_numbers(void **state)
{
    (void)state;
    static const struct {
        double rate, burst;
    } bad[] = {{0.0, 5.0}, {-1.0, 5.0}, {9.0, 0.5}, {NAN, 5.0}, {9.0, INFINITY}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rl_registry *r = (rl_registry *)1;
        assert_int_equal(rl_registry_new(bad[i].rate, bad[i].burst, &r), RL_ERR_INVALID);
        assert_null(r);
    }
    rl_registry_free(NULL);
}

static void test_registry_burst_is_immediate_then_cancel(void **state)
{
    (void)state;
    rl_registry *r;

    assert_int_equal(rl_registry_new(0.001, 3.0, &r), RL_OK);
    double t0 = rl_now();
    /* Each organization (and the no-organization bucket) has its own burst. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rl_acquire(r, "111"), RL_OK);
        assert_int_equal(rl_acquire(r, "222"), RL_OK);
        assert_int_equal(rl_acquire(r, NULL), RL_OK);
    }
    assert_true(rl_now() - t0 < 1.0);
    assert_false(rl_cancelled(r));
    rl_cancel(r);
    assert_true(rl_cancelled(r));
    /* The next token of "111" is 1000 s away, and NULL and "" share one bucket, now empty;
     * cancelled, they return at once. */
    assert_int_equal(rl_acquire(r, "111"), RL_ERR_CANCELLED);
    assert_int_equal(rl_acquire(r, ""), RL_ERR_CANCELLED);
    assert_int_equal(rl_acquire(r, "333"), RL_ERR_CANCELLED);
    assert_int_equal(rl_sleep(r, 1000.0), RL_ERR_CANCELLED);
    assert_true(rl_now() - t0 < 1.0);
    rl_registry_free(r);
}

static void test_registry_pause_bookkeeping(void **state)
{
    (void)state;
    rl_registry *r;

    assert_int_equal(rl_registry_new(9.0, 5.0, &r), RL_OK);
    assert_true(rl_paused_until(r, "1") == 0.0);
    assert_int_equal(rl_pause_until(r, "1", 500.0), RL_OK);
    assert_true(rl_paused_until(r, "1") == 500.0);
    /* A pause only grows. */
    assert_int_equal(rl_pause_until(r, "1", 400.0), RL_OK);
    assert_true(rl_paused_until(r, "1") == 500.0);
    assert_int_equal(rl_pause_until(r, "1", 600.0), RL_OK);
    assert_true(rl_paused_until(r, "1") == 600.0);
    /* Other organizations are not paused. */
    assert_true(rl_paused_until(r, "2") == 0.0);
    assert_true(rl_paused_until(r, NULL) == 0.0);
    /* NULL and "" name the same no-organization entry. */
    assert_int_equal(rl_pause_until(r, NULL, 700.0), RL_OK);
    assert_true(rl_paused_until(r, "") == 700.0);
    assert_true(rl_paused_until(r, "1") == 600.0);
    /* A pause that has already ended does not block. */
    assert_int_equal(rl_pause_until(r, "3", rl_now() - 1.0), RL_OK);
    assert_int_equal(rl_acquire(r, "3"), RL_OK);
    assert_int_equal(rl_sleep(r, 0.0), RL_OK);
    rl_registry_free(r);
}

struct waiter {
    rl_registry *r;
    rl_err result;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    w->result = rl_acquire(w->r, "42");
    return NULL;
}

/* A thread waiting out a long pause is released by rl_cancel. The test itself never sleeps:
 * whether the waiter is already blocked or not when cancel comes, it must return CANCELLED. */
static void test_registry_cancel_releases_waiter(void **state)
{
    (void)state;
    rl_registry *r;
    pthread_t th;
    struct waiter w;

    assert_int_equal(rl_registry_new(9.0, 5.0, &r), RL_OK);
    assert_int_equal(rl_pause_until(r, "42", rl_now() + 3600.0), RL_OK);
    w.r = r;
    w.result = RL_OK;
    double t0 = rl_now();
    assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
    rl_cancel(r);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.result, RL_ERR_CANCELLED);
    assert_true(rl_now() - t0 < 5.0);
    rl_registry_free(r);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = RL_OK; e <= RL_ERR_INVALID; e++) {
        assert_non_null(rl_strerror((rl_err)e));
        assert_string_not_equal(rl_strerror((rl_err)e), "unknown rate-limit error");
    }
    assert_string_equal(rl_strerror((rl_err)99), "unknown rate-limit error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_spacing),
        cmocka_unit_test(test_sustained_at_rate_never_waits),
        cmocka_unit_test(test_refill_caps_at_depth),
        cmocka_unit_test(test_burst_below_one_is_one),
        cmocka_unit_test(test_stale_now_adds_nothing),
        cmocka_unit_test(test_fractional_rates),
        cmocka_unit_test(test_invariant_simulation),
        cmocka_unit_test(test_registry_rejects_bad_numbers),
        cmocka_unit_test(test_registry_burst_is_immediate_then_cancel),
        cmocka_unit_test(test_registry_pause_bookkeeping),
        cmocka_unit_test(test_registry_cancel_releases_waiter),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
