/*
 * test_sched.c - the confirmation timers (sched.h): the cadence from the alert, the window's
 * end, joining alerts, the cap, and what is due when.
 *
 * Every time is a plain millisecond count: R is when the alert arrived, and the rows use the
 * real defaults (a look every 5 s for 180 s) unless they say otherwise. No clock, no sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/sched.h"

/* An arbitrary monotonic time for the alert's arrival. */
#define R UINT64_C(1000000)

/* The next look after `now` on the cadence of an alert received at R. */
struct next_row {
    const char *name;
    uint64_t interval, window; /* ms */
    uint64_t now;              /* offset from R */
    bool more;                 /* a look is still due */
    uint64_t next;             /* its offset from R */
};

static const struct next_row next_rows[] = {
    {"the first look done at once: next one interval later", 5000, 180000, 0, true, 5000},
    {"a look that finished 1.2 s late keeps the grid", 5000, 180000, 1200, true, 5000},
    {"a look that ran into the next slot skips it, never fires twice", 5000, 180000, 5000, true,
     10000},
    {"a look 12 s late skips the points already past", 5000, 180000, 12000, true, 15000},
    {"the last look is at the window's end", 5000, 180000, 175000, true, 180000},
    {"after the look at the window's end: over", 5000, 180000, 180000, false, 0},
    {"long past the window: over", 5000, 180000, 900000, false, 0},
    {"a window that is no multiple of the interval still looks at its end", 5000, 12000, 10000,
     true, 12000},
    {"and is then over", 5000, 12000, 12000, false, 0},
    {"an interval longer than the window: one look at the end", 60000, 30000, 0, true, 30000},
    {"a zero window: nothing after the first look", 5000, 0, 0, false, 0},
};

static void test_next_look_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(next_rows) / sizeof(next_rows[0]); i++) {
        const struct next_row *t = &next_rows[i];
        uint64_t next = 0;
        bool more = sched_next_look(R, t->interval, R + t->window, R + t->now, &next);
        if (more != t->more || (more && next != R + t->next))
            fail_msg("row %zu (%s): got more=%d next=%+lld, want more=%d next=%+lld", i, t->name,
                     more, (long long)(next - R), t->more, (long long)t->next);
    }
}

static void test_zero_interval_is_one_ms(void **state)
{
    uint64_t next;
    (void)state;
    /* A clock read before the alert's own stamp counts from the alert. */
    assert_true(sched_next_look(R, 5000, R + 180000, R - 3000, &next));
    assert_int_equal(next, R + 5000);
    assert_true(sched_next_look(R, 0, R + 10, R, &next));
    assert_int_equal(next, R + 1);
}

static void test_add_join_and_due(void **state)
{
    sched s;
    size_t slot = 99, slots[8];
    uint64_t due;
    (void)state;

    sched_init(&s, 5000, 180000, 8);
    assert_false(sched_next_due(&s, &due));
    assert_int_equal(sched_add(&s, "L_1", "a1", R, 1700000000000, R, &slot), SCHED_STARTED);
    assert_int_equal(slot, 0);
    assert_int_equal(sched_get(&s, 0)->deadline_ms, R + 180000);
    /* The first look is due at once. */
    assert_true(sched_next_due(&s, &due));
    assert_int_equal(due, R);
    /* A second alert joins: same slot, the first alert stays the trigger. */
    assert_int_equal(sched_add(&s, "L_1", "a2", R + 700, 0, R + 700, &slot), SCHED_JOINED);
    assert_int_equal(slot, 0);
    assert_string_equal(sched_get(&s, 0)->alert_id, "a1");
    assert_int_equal(s.n, 1);

    /* Taking it counts the look and keeps it from being due again until it is rescheduled. */
    assert_int_equal(sched_take_due(&s, R, slots, 8), 1);
    assert_int_equal(slots[0], 0);
    assert_int_equal(sched_get(&s, 0)->looks, 1);
    assert_int_equal(sched_take_due(&s, R + 60000, slots, 8), 0);
    assert_false(sched_next_due(&s, &due));
    sched_set_due(&s, 0, R + 5000);
    assert_true(sched_next_due(&s, &due));
    assert_int_equal(due, R + 5000);
    assert_int_equal(sched_take_due(&s, R + 4999, slots, 8), 0);
    assert_int_equal(sched_take_due(&s, R + 5000, slots, 8), 1);
    assert_int_equal(sched_get(&s, 0)->looks, 2);

    /* Ending it frees the slot; a new alert starts afresh. */
    sched_end(&s, 0);
    assert_null(sched_get(&s, 0));
    assert_int_equal(sched_find(&s, "L_1"), -1);
    assert_int_equal(sched_add(&s, "L_1", "a3", R + 9000, 0, R + 9000, &slot), SCHED_STARTED);
    assert_string_equal(sched_get(&s, slot)->alert_id, "a3");
    assert_int_equal(sched_get(&s, slot)->looks, 0);
    sched_free(&s);
}

static void test_earliest_and_batches(void **state)
{
    sched s;
    size_t slot, slots[2];
    uint64_t due;
    (void)state;

    sched_init(&s, 5000, 180000, 8);
    assert_int_equal(sched_add(&s, "A", "1", R, 0, R + 300, &slot), SCHED_STARTED);
    assert_int_equal(sched_add(&s, "B", "2", R, 0, R + 100, &slot), SCHED_STARTED);
    assert_int_equal(sched_add(&s, "C", "3", R, 0, R + 200, &slot), SCHED_STARTED);
    assert_true(sched_next_due(&s, &due));
    assert_int_equal(due, R + 100);
    /* At most `max` at once; the rest stay due for the next call. */
    assert_int_equal(sched_take_due(&s, R + 1000, slots, 2), 2);
    assert_int_equal(sched_take_due(&s, R + 1000, slots, 2), 1);
    assert_int_equal(sched_take_due(&s, R + 1000, slots, 2), 0);
    sched_free(&s);
}

static void test_cap(void **state)
{
    sched s;
    char id[16];
    (void)state;

    sched_init(&s, 5000, 180000, 3);
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof(id), "N%d", i);
        assert_int_equal(sched_add(&s, id, "x", R, 0, R, NULL), SCHED_STARTED);
    }
    assert_int_equal(sched_add(&s, "N9", "x", R, 0, R, NULL), SCHED_FULL);
    /* Joining is never refused, even when full. */
    assert_int_equal(sched_add(&s, "N1", "y", R, 0, R, NULL), SCHED_JOINED);
    sched_end(&s, 1);
    assert_int_equal(sched_add(&s, "N9", "x", R, 0, R, NULL), SCHED_STARTED);
    assert_int_equal(sched_find(&s, "N9"), 1);
    sched_free(&s);
}

static void test_long_ids_are_cut_not_overrun(void **state)
{
    sched s;
    char long_id[TF_ID_MAX_LEN + 40];
    size_t slot;
    (void)state;

    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    sched_init(&s, 5000, 180000, 2);
    assert_int_equal(sched_add(&s, "L_1", long_id, R, 0, R, &slot), SCHED_STARTED);
    assert_int_equal(strlen(sched_get(&s, slot)->alert_id), TF_ID_MAX_LEN);
    sched_free(&s);
    /* Freed is empty and usable again. */
    assert_int_equal(sched_add(&s, "L_2", "a", R, 0, R, &slot), SCHED_STARTED);
    sched_free(&s);
}

static void test_ping_timers(void **state)
{
    sched s;
    size_t a, b, slots[4];
    uint64_t due;
    (void)state;

    sched_init(&s, 5000, 180000, 4);
    assert_int_equal(sched_add(&s, "A", "1", R, 0, R, &a), SCHED_STARTED);
    assert_int_equal(sched_add(&s, "B", "2", R, 0, R, &b), SCHED_STARTED);
    assert_int_equal(sched_take_due(&s, R, slots, 4), 2);
    sched_set_due(&s, a, R + 5000);
    sched_set_due(&s, b, R + 5000);
    /* A pending ping polled a second later is the earliest thing due. */
    sched_entry *c = sched_entry_at(&s, a);
    c->ping_pending = true;
    snprintf(c->ping_id, sizeof(c->ping_id), "p-1");
    snprintf(c->backup_ping_id, sizeof(c->backup_ping_id), "p-2");
    sched_ping_due(&s, a, R + 1000);
    assert_true(sched_next_due(&s, &due));
    assert_int_equal(due, R + 1000);
    assert_int_equal(sched_pings_in_flight(&s), 2);
    assert_int_equal(sched_find_ping(&s, "p-2"), (long)a);
    assert_int_equal(sched_find_ping(&s, "p-3"), -1);
    assert_int_equal(sched_find_ping(&s, ""), -1);
    assert_int_equal(sched_take_ping_due(&s, R + 999, slots, 4), 0);
    assert_int_equal(sched_take_ping_due(&s, R + 1000, slots, 4), 1);
    assert_int_equal(slots[0], a);
    /* Taken: not due again until given a time; the looks are unaffected. */
    assert_int_equal(sched_take_ping_due(&s, R + 9000, slots, 4), 0);
    assert_true(sched_next_due(&s, &due));
    assert_int_equal(due, R + 5000);
    /* A ping that is over no longer counts. */
    c->ping_pending = false;
    assert_int_equal(sched_pings_in_flight(&s), 0);
    assert_int_equal(sched_find_ping(&s, "p-1"), -1);
    /* The alert's device is noted once, the first one wins. */
    sched_note_serial(&s, b, "Q2XX-0001");
    sched_note_serial(&s, b, "Q2XX-0002");
    assert_string_equal(sched_get(&s, b)->serial, "Q2XX-0001");
    assert_null(sched_entry_at(&s, 3));
    sched_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_look_table),
        cmocka_unit_test(test_zero_interval_is_one_ms),
        cmocka_unit_test(test_add_join_and_due),
        cmocka_unit_test(test_earliest_and_batches),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_long_ids_are_cut_not_overrun),
        cmocka_unit_test(test_ping_timers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
