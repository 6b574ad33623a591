/*
 * test_suggest.c - "did you mean": the edit distance with plain words (insert, delete,
 * substitute, a swap of neighbours, case), its bounds, and which candidate is suggested.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tagfailover/suggest.h"

typedef struct {
    const char *a, *b;
    size_t d;
} distance_case;

static const distance_case distance_cases[] = {
    {"", "", 0},
    {"abc", "", 3},
    {"", "abc", 3},
    {"abc", "abc", 0},
    {"abc", "ABC", 0},                                /* case is not a difference */
    {"loss_treshold_pct", "loss_threshold_pct", 1},   /* a letter left out */
    {"loss_thresshold_pct", "loss_threshold_pct", 1}, /* one too many */
    {"loss_threshodl_pct", "loss_threshold_pct", 1},  /* two neighbours swapped: one edit */
    {"loss_threshold_pcx", "loss_threshold_pct", 1},  /* one wrong */
    {"confrim_window_s", "confirm_window_s", 1},      /* a swap */
    {"ca", "abc", 3},                                 /* OSA: no edit of a swapped pair */
    {"kitten", "sitting", 3},                         /* the textbook pair */
    {"port", "mode", 3},
    {"timeout_s", "timeout", 2},
    {"failvoer", "failover", 1},
};

static void test_distance(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof distance_cases / sizeof distance_cases[0]; i++) {
        const distance_case *t = &distance_cases[i];
        print_message("case %zu: %s / %s\n", i, t->a, t->b);
        assert_int_equal(suggest_distance(t->a, t->b), t->d);
        assert_int_equal(suggest_distance(t->b, t->a), t->d); /* symmetric */
    }
}

/* NULL and words over the cap are never compared. */
static void test_bounds(void **state)
{
    (void)state;
    char longer[SUGGEST_MAX_LEN + 2], at_cap[SUGGEST_MAX_LEN + 1];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    memset(at_cap, 'a', sizeof at_cap - 1);
    at_cap[sizeof at_cap - 1] = '\0';

    assert_int_equal(suggest_distance(NULL, "a"), SIZE_MAX);
    assert_int_equal(suggest_distance("a", NULL), SIZE_MAX);
    assert_int_equal(suggest_distance(longer, "a"), SIZE_MAX);
    assert_int_equal(suggest_distance("a", longer), SIZE_MAX);
    assert_int_equal(suggest_distance(at_cap, at_cap), 0);
    assert_int_equal(suggest_distance(at_cap, ""), SUGGEST_MAX_LEN);
    assert_int_equal(suggest_max_distance(0), 1);
    assert_int_equal(suggest_max_distance(4), 1);
    assert_int_equal(suggest_max_distance(5), 2);
    assert_int_equal(suggest_max_distance(8), 2);
    assert_int_equal(suggest_max_distance(9), 3);
    const char *const one[] = {at_cap};
    assert_null(suggest_nearest(longer, one, 1));
    assert_null(suggest_nearest(NULL, one, 1));
    assert_null(suggest_nearest("a", NULL, 0));
}

static const char *const failover_keys[] = {"loss_threshold_pct",
                                            "detect_window_s",
                                            "failback_max_loss_pct",
                                            "clean_window_s",
                                            "reconcile_interval_s",
                                            "confirm_window_s",
                                            "confirm_interval_s",
                                            "uplinks",
                                            "hold_tag",
                                            "dry_run",
                                            "evidence",
                                            NULL,
                                            "live_ping_count",
                                            "live_ping_timeout_s"};
#define N_FAILOVER (sizeof failover_keys / sizeof failover_keys[0])

typedef struct {
    const char *word;
    const char *expect; /* NULL: no suggestion */
} nearest_case;

static const nearest_case nearest_cases[] = {
    {"loss_treshold_pct", "loss_threshold_pct"},
    {"LOSS_THRESHOLD_PCT", "loss_threshold_pct"},
    {"confirm_window", "confirm_window_s"},       /* 2 edits */
    {"confirm_intreval_s", "confirm_interval_s"}, /* a swap */
    {"confirm_windows_s", "confirm_window_s"},    /* nearer than confirm_interval_s */
    {"dryrun", "dry_run"},
    {"hold", NULL}, /* 4 edits from hold_tag: too far for 4 */
    {"evidnce", "evidence"},
    {"live_ping_timeout", "live_ping_timeout_s"},
    {"live_ping_cnt", "live_ping_count"},
    {"foo", NULL},
    {"threshold", NULL},
    {"", NULL},
    {"uplink", "uplinks"},
};

static void test_nearest(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nearest_cases / sizeof nearest_cases[0]; i++) {
        const nearest_case *t = &nearest_cases[i];
        const char *got = suggest_nearest(t->word, failover_keys, N_FAILOVER);
        print_message("case %zu: %s -> %s\n", i, t->word, got ? got : "(none)");
        if (t->expect == NULL)
            assert_null(got);
        else
            assert_string_equal(got, t->expect);
    }
}

/* Of two candidates equally near, the first in the list's order. */
static void test_ties(void **state)
{
    (void)state;
    const char *const ab[] = {"abcd_x", "abcd_y"};
    const char *const ba[] = {"abcd_y", "abcd_x"};
    assert_string_equal(suggest_nearest("abcd_z", ab, 2), "abcd_x");
    assert_string_equal(suggest_nearest("abcd_z", ba, 2), "abcd_y");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
