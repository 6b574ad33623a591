/*
 * test_ratelimit.c - the token bucket and the per-IP limit's detector with plain numbers, the
 * two buckets together in a simulation, and the registry's non-blocking paths (cancel, pause
 * bookkeeping). Nothing here sleeps but one check that the total bucket paces several
 * organizations for real (0.4 s): bucket time is an argument, and the registry is otherwise
 * only driven where it returns at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
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

/* The settle rule with plain numbers: rate 1, depth 2. A token taken at t = 0 whose request a
 * second bucket holds back until t = 5 counts from t = 5: one more request may go at once,
 * not two (which with the one at 1 s later would be 4 in the closed second [5, 6]). */
static void test_settle(void **state)
{
    (void)state;
    rl_bucket b;

    rl_bucket_init(&b, 1.0, 2.0, 0.0);
    assert_true(rl_take(&b, 0.0) == 0.0);
    rl_settle(&b, 5.0);
    assert_true(b.last == 5.0);
    assert_true(fabs(b.tokens - 1.0) < EPS);
    assert_true(rl_take(&b, 5.0) == 0.0);
    assert_true(fabs(rl_take(&b, 5.0) - 1.0) < EPS);
    /* Without it the bucket would have refilled to its depth: two at once. */
    rl_bucket_init(&b, 1.0, 2.0, 0.0);
    assert_true(rl_take(&b, 0.0) == 0.0);
    assert_true(rl_take(&b, 5.0) == 0.0);
    assert_true(rl_take(&b, 5.0) == 0.0);
    /* A request that went at its slot changes nothing; a stale time adds no tokens. */
    rl_bucket_init(&b, 2.0, 3.0, 0.0);
    assert_true(rl_take(&b, 0.0) == 0.0);
    rl_settle(&b, 0.0);
    assert_true(fabs(b.tokens - 2.0) < EPS);
    rl_settle(&b, -1.0);
    assert_true(fabs(b.tokens - 2.0) < EPS && b.last == 0.0);
    /* Reservations queued behind it (tokens below depth - 1) are left as they are. */
    for (int i = 0; i < 5; i++)
        (void)rl_take(&b, 0.0);
    rl_settle(&b, 0.5);
    assert_true(fabs(b.tokens - (-3.0 + 1.0)) < EPS);
}

/* Sends of one simulated run: when, and whose. */
struct sim_send {
    double t;
    int org;
};

/* The most requests (of organization `org`, or of all when -1) in any closed 1-s window. */
static int sim_worst(const struct sim_send *s, int n, int org)
{
    int worst = 0;
    for (int i = 0; i < n; i++) {
        int count = 0;
        if (org >= 0 && s[i].org != org)
            continue;
        for (int j = i; j < n && s[j].t <= s[i].t + 1.0 + 1e-7; j++)
            count += org < 0 || s[j].org == org;
        if (count > worst)
            worst = count;
    }
    return worst;
}

/* Eight organizations, each its own thread sending one request at a time (as the engine's
 * do), through the two buckets as the registry chains them: the organization's slot, the
 * total's once that has come, then the settle (when `settle`). Two patterns:
 * - reconciles: five requests one after another (the next 20 ms after the previous went),
 *   a round every second or so; together twice what the total (20/s) allows.
 * - greedy: every organization sends its next request the moment the previous went (the limit
 *   of a fast answer) until t = 3, then all but the first stop; the first goes on to t = 6.
 *   The total (30/s) holds the first back while its own bucket refills, then lets it run.
 * Fills `out` with the sends in order and returns how many; *worst_org is the most of one
 * organization in any second. */
static int sim_run(bool greedy, bool settle, struct sim_send *out, int max, int *worst_org)
{
    enum { ORGS = 8, ROUNDS = 40, PER_ROUND = 5 };
    const double rate = 9.0, burst = 5.0, total_rate = greedy ? 30.0 : 20.0, total_burst = 10.0;
    rl_bucket own[ORGS], total;
    double slot[ORGS], round_start[ORGS], period[ORGS];
    int done[ORGS], n = 0;
    bool active[ORGS];

    rl_bucket_init(&total, total_rate, total_burst, 0.0);
    for (int o = 0; o < ORGS; o++) {
        rl_bucket_init(&own[o], rate, burst, 0.0);
        period[o] = 1.0 + 0.07 * o;
        round_start[o] = 0.013 * o;
        done[o] = 0;
        active[o] = true;
        slot[o] = round_start[o] + rl_take(&own[o], round_start[o]);
    }
    for (;;) {
        int o = -1;
        /* The organization whose own slot comes first takes the next total token. */
        for (int k = 0; k < ORGS; k++)
            if (active[k] && (o < 0 || slot[k] < slot[o]))
                o = k;
        if (o < 0 || n == max)
            break;
        double sent = slot[o] + rl_take(&total, slot[o]);
        if (settle)
            rl_settle(&own[o], sent);
        out[n++] = (struct sim_send){sent, o};
        double next = sent + (greedy ? 0.0 : 0.02);
        if (greedy) {
            active[o] = next < (o == 0 ? 6.0 : 3.0);
        } else if (++done[o] % PER_ROUND == 0) {
            round_start[o] += period[o];
            if (next < round_start[o])
                next = round_start[o];
            active[o] = done[o] < ROUNDS * PER_ROUND;
        }
        slot[o] = next + rl_take(&own[o], next);
    }
    *worst_org = 0;
    for (int o = 0; o < ORGS; o++) {
        int w = sim_worst(out, n, o);
        if (w > *worst_org)
            *worst_org = w;
    }
    return n;
}

/* The chained buckets keep both limits: no second holds more than total_rate + total_burst
 * requests of all, nor rate + burst of one organization, and the total is kept busy. Without
 * the settle, an organization the total held back goes one over its own limit when its next
 * requests follow at once. */
static void test_two_buckets_simulation(void **state)
{
    (void)state;
    static struct sim_send sends[4000];
    int worst_org, n;

    n = sim_run(false, true, sends, 4000, &worst_org);
    assert_int_equal(n, 8 * 40 * 5);
    for (int i = 1; i < n; i++)
        assert_true(sends[i].t >= sends[i - 1].t);
    int worst_all = sim_worst(sends, n, -1);
    print_message("reconciles: at most %d of all and %d of one organization in any second\n",
                  worst_all, worst_org);
    assert_true(worst_all <= 20 + 10);
    assert_true(worst_org <= 9 + 5);
    /* Twice the demand the total allows: it is the limit, so the run takes about n / 20 s. */
    assert_true(sends[n - 1].t > (double)(n - 10) / 20.0 - 1e-6);
    assert_true(sends[n - 1].t < (double)n / 20.0 + 2.0);

    n = sim_run(true, true, sends, 4000, &worst_org);
    worst_all = sim_worst(sends, n, -1);
    print_message("greedy, settled: at most %d of all and %d of one organization\n", worst_all,
                  worst_org);
    assert_true(worst_all <= 30 + 10);
    assert_true(worst_org <= 9 + 5);
    n = sim_run(true, false, sends, 4000, &worst_org);
    print_message("greedy, unsettled: at most %d of one organization\n", worst_org);
    assert_true(worst_org > 9 + 5);
}

/* ---- the per-IP limit's detector ------------------------------------------------------- */

/* Bare 429s (no Retry-After) in order: which of them reveal the per-IP limit. */
static void test_bare429_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        struct {
            const char *org;
            double t;
            bool per_ip; /* what rl_bare429_note answers */
        } steps[6];
    } cases[] = {
        {"one organization, many times: its own limit",
         {{"1", 0.0, false}, {"1", 0.1, false}, {"1", 0.2, false}, {NULL, 0, false}}},
        {"two organizations within the second",
         {{"1", 0.0, false}, {"2", 0.5, true}, {NULL, 0, false}}},
        {"exactly one second apart still counts (closed window)",
         {{"1", 10.0, false}, {"2", 11.0, true}, {NULL, 0, false}}},
        {"more than a second apart: two organizations' own limits",
         {{"1", 10.0, false}, {"2", 11.001, false}, {"1", 12.5, false}, {NULL, 0, false}}},
        {"the other organization is remembered past a repeat of ours",
         {{"1", 0.0, false},
          {"2", 0.1, true},
          {"2", 0.3, true},
          {"2", 1.2, false},
          {NULL, 0, false}}},
        {"a third organization within the second of the second one",
         {{"1", 0.0, false}, {"2", 0.9, true}, {"3", 1.8, true}, {NULL, 0, false}}},
        {"requests of no organization are a budget of their own",
         {{"", 0.0, false}, {"7", 0.2, true}, {NULL, 0, false}}},
        {"a clock read before another caller's (earlier now) still counts",
         {{"1", 5.0, false}, {"2", 4.8, true}, {NULL, 0, false}}},
        {"the same organization again after a long gap is its own",
         {{"1", 0.0, false}, {"2", 5.0, false}, {"2", 5.5, false}, {NULL, 0, false}}},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        rl_bare429 s = {0};
        for (size_t i = 0; i < 6 && cases[c].steps[i].org != NULL; i++) {
            bool got = rl_bare429_note(&s, cases[c].steps[i].org, cases[c].steps[i].t);
            if (got != cases[c].steps[i].per_ip)
                fail_msg("%s: step %zu (org %s at %.3f): %s, want %s", cases[c].name, i,
                         cases[c].steps[i].org, cases[c].steps[i].t, got ? "per-IP" : "own",
                         cases[c].steps[i].per_ip ? "per-IP" : "own");
        }
    }
    /* NULL is the no-organization budget, the same as "". */
    rl_bare429 s = {0};
    assert_false(rl_bare429_note(&s, NULL, 0.0));
    assert_false(rl_bare429_note(&s, "", 0.1));
    assert_true(rl_bare429_note(&s, "9", 0.2));
}

/* ---- the registry (non-blocking paths only) -------------------------------------------- */

static void test_registry_rejects_bad_numbers(void **state)
{
    (void)state;
    static const rl_limits bad[] = {
        {0.0, 5.0, 90, 10},      {-1.0, 5.0, 90, 10},      {9.0, 0.5, 90, 10},  {NAN, 5.0, 90, 10},
        {9.0, INFINITY, 90, 10}, {9.0, 5.0, 0.0, 10},      {9.0, 5.0, -90, 10}, {9.0, 5.0, 90, 0.5},
        {9.0, 5.0, NAN, 10},     {9.0, 5.0, 90, INFINITY},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rl_registry *r = (rl_registry *)1;
        assert_int_equal(rl_registry_new(&bad[i], &r), RL_ERR_INVALID);
        assert_null(r);
    }
    rl_registry *r = (rl_registry *)1;
    assert_int_equal(rl_registry_new(NULL, &r), RL_ERR_INVALID);
    assert_null(r);
    rl_registry_free(NULL);
}

static void test_registry_burst_is_immediate_then_cancel(void **state)
{
    (void)state;
    rl_registry *r;

    assert_int_equal(rl_registry_new(&(rl_limits){0.001, 3.0, 1e6, 1e6}, &r), RL_OK);
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

    assert_int_equal(rl_registry_new(&(rl_limits){9.0, 5.0, 1e6, 1e6}, &r), RL_OK);
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

    assert_int_equal(rl_registry_new(&(rl_limits){9.0, 5.0, 1e6, 1e6}, &r), RL_OK);
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

/* The total bucket is shared: its burst goes across organizations, and then it paces all of
 * them at its rate, whatever their own buckets would allow. 10 requests of 10 organizations
 * at a total of 20/s, depth 2: the last goes 8 / 20 = 0.4 s after the first. */
static void test_registry_total_paces_every_org(void **state)
{
    (void)state;
    rl_registry *r;
    char org[16];

    assert_int_equal(rl_registry_new(&(rl_limits){1000.0, 100.0, 20.0, 2.0}, &r), RL_OK);
    double t0 = rl_now();
    for (int i = 0; i < 10; i++) {
        snprintf(org, sizeof(org), "%d", 100 + i);
        assert_int_equal(rl_acquire(r, org), RL_OK);
    }
    double took = rl_now() - t0;
    assert_true(took >= 0.4 - 0.01);
    assert_true(took < 1.5);
    rl_registry_free(r);
}

static void *waiter_other_main(void *arg)
{
    struct waiter *w = arg;
    w->result = rl_acquire(w->r, "43");
    return NULL;
}

/* A thread waiting for its turn in the total bucket (1000 s away) is released by rl_cancel at
 * once, as is a thread waiting out a pause of all. */
static void test_registry_cancel_releases_total_waits(void **state)
{
    (void)state;
    rl_registry *r;
    pthread_t a, b;
    struct waiter wa, wb;

    assert_int_equal(rl_registry_new(&(rl_limits){9.0, 5.0, 0.001, 1.0}, &r), RL_OK);
    /* The total's one token: organization 41 takes it, so 42 waits 1000 s for the next. */
    assert_int_equal(rl_acquire(r, "41"), RL_OK);
    wa = (struct waiter){.r = r, .result = RL_OK};
    double t0 = rl_now();
    assert_int_equal(pthread_create(&a, NULL, waiter_main, &wa), 0);
    rl_pause_all_until(r, rl_now() + 3600.0);
    wb = (struct waiter){.r = r, .result = RL_OK};
    assert_int_equal(pthread_create(&b, NULL, waiter_other_main, &wb), 0);
    rl_cancel(r);
    assert_int_equal(pthread_join(a, NULL), 0);
    assert_int_equal(pthread_join(b, NULL), 0);
    assert_int_equal(wa.result, RL_ERR_CANCELLED);
    assert_int_equal(wb.result, RL_ERR_CANCELLED);
    assert_true(rl_now() - t0 < 5.0);
    rl_registry_free(r);
}

/* The pause of all, set directly or by bare 429s of two organizations. */
static void test_registry_pause_all_bookkeeping(void **state)
{
    (void)state;
    rl_registry *r;

    assert_int_equal(rl_registry_new(&(rl_limits){9.0, 5.0, 90.0, 10.0}, &r), RL_OK);
    assert_true(rl_paused_all_until(r) == 0.0);
    rl_pause_all_until(r, 500.0);
    assert_true(rl_paused_all_until(r) == 500.0);
    rl_pause_all_until(r, 400.0); /* only grows */
    assert_true(rl_paused_all_until(r) == 500.0);
    /* It is not an organization's pause. */
    assert_true(rl_paused_until(r, "1") == 0.0);
    rl_registry_free(r);

    assert_int_equal(rl_registry_new(&(rl_limits){9.0, 5.0, 90.0, 10.0}, &r), RL_OK);
    /* One organization's bare 429s are its own limit, however many. */
    assert_false(rl_bare_429(r, "1", 30.0));
    assert_false(rl_bare_429(r, "1", 30.0));
    assert_true(rl_paused_all_until(r) == 0.0);
    /* A second organization's within the second: every organization pauses that long. */
    double before = rl_now();
    assert_true(rl_bare_429(r, "2", 30.0));
    double until = rl_paused_all_until(r);
    assert_true(until >= before + 30.0 && until <= rl_now() + 30.0);
    /* A shorter one does not shorten it. */
    assert_true(rl_bare_429(r, "3", 1.0));
    assert_true(rl_paused_all_until(r) == until);
    rl_cancel(r);
    assert_int_equal(rl_acquire(r, "4"), RL_ERR_CANCELLED);
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
        cmocka_unit_test(test_settle),
        cmocka_unit_test(test_two_buckets_simulation),
        cmocka_unit_test(test_bare429_table),
        cmocka_unit_test(test_registry_rejects_bad_numbers),
        cmocka_unit_test(test_registry_burst_is_immediate_then_cancel),
        cmocka_unit_test(test_registry_pause_bookkeeping),
        cmocka_unit_test(test_registry_cancel_releases_waiter),
        cmocka_unit_test(test_registry_total_paces_every_org),
        cmocka_unit_test(test_registry_cancel_releases_total_waits),
        cmocka_unit_test(test_registry_pause_all_bookkeeping),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
