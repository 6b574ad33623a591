/*
 * test_round_reason.c - why a network is not acted on, at info once per change of reason
 * (src/daemon/round_reason.c): the word a look gives, the level of each confirmation's end,
 * the reset by a confirmed failover, the memory per network and its bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "round_int.h"

typedef struct {
    tags_state state;
    tf_reason tags_reason;
    const char *tracked_ip;
    tf_reason decision;
    const char *want;
} word_case;

static const word_case word_cases[] = {
    {TAGS_HELD, TF_REASON_HOLD_TAG, "192.0.2.1", TF_REASON_OK, "hold_tag"},
    {TAGS_INVALID, TF_REASON_TWO_PRIMARIES, "192.0.2.1", TF_REASON_OK, "two_primaries"},
    {TAGS_INVALID, TF_REASON_UNREADABLE, NULL, TF_REASON_OK, "unreadable"},
    {TAGS_NORMAL, TF_REASON_OK, NULL, TF_REASON_NO_TRACKED_IP, "no_tracked_ip"},
    {TAGS_NORMAL, TF_REASON_OK, "192.0.2.1", TF_REASON_OK, "ok"},
    {TAGS_NORMAL, TF_REASON_OK, "192.0.2.1", TF_REASON_BACKUP_UNHEALTHY, "backup_unhealthy"},
    {TAGS_NORMAL, TF_REASON_OK, "192.0.2.1", TF_REASON_STALE_DATA, "stale_data"},
    {TAGS_FAILED_OVER, TF_REASON_OK, "192.0.2.1", TF_REASON_OK, "failed_over"},
    {TAGS_UNMANAGED, TF_REASON_OK, NULL, TF_REASON_OK, "unmanaged"},
};

static void test_look_word(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof word_cases / sizeof word_cases[0]; i++) {
        const word_case *t = &word_cases[i];
        look_result r;
        memset(&r, 0, sizeof r);
        r.tags.state = t->state;
        r.tags.reason = t->tags_reason;
        r.tracked_ip = t->tracked_ip;
        r.decision.reason = t->decision;
        assert_string_equal(round_look_word(&r), t->want);
    }
}

typedef struct {
    const char *network;
    const char *look; /* the look's word before the end; NULL: no look noted */
    plan_confirm_kind result;
    log_level want;
    const char *word;
} end_case;

/* One sequence, in order: each row is one confirmation's end. */
static const end_case end_cases[] = {
    {"L_300", "hold_tag", PLAN_CONFIRM_SKIPPED, LOG_INFO, "hold_tag"},
    {"L_300", "hold_tag", PLAN_CONFIRM_SKIPPED, LOG_DEBUG, "hold_tag"},
    {"L_300", "hold_tag", PLAN_CONFIRM_SKIPPED, LOG_DEBUG, "hold_tag"},
    /* another network has its own memory */
    {"L_200", "hold_tag", PLAN_CONFIRM_SKIPPED, LOG_INFO, "hold_tag"},
    /* a new reason is news; going back to the old one is news again */
    {"L_300", "two_primaries", PLAN_CONFIRM_SKIPPED, LOG_INFO, "two_primaries"},
    {"L_300", "hold_tag", PLAN_CONFIRM_SKIPPED, LOG_INFO, "hold_tag"},
    /* the same reason with another result is another line */
    {"L_100", "ok", PLAN_CONFIRM_UNCONFIRMED, LOG_INFO, "ok"},
    {"L_100", "ok", PLAN_CONFIRM_UNCONFIRMED, LOG_DEBUG, "ok"},
    {"L_100", "stale_data", PLAN_CONFIRM_UNCONFIRMED, LOG_INFO, "stale_data"},
    /* a failover is always at info and resets the memory */
    {"L_100", "loss_over_threshold", PLAN_CONFIRM_CONFIRMED, LOG_INFO, "loss_over_threshold"},
    {"L_100", "stale_data", PLAN_CONFIRM_UNCONFIRMED, LOG_INFO, "stale_data"},
    /* no look noted (the data read failed before any look): reason unknown, once */
    {"L_900", NULL, PLAN_CONFIRM_UNCONFIRMED, LOG_INFO, "unknown"},
    {"L_900", "read_failed", PLAN_CONFIRM_UNCONFIRMED, LOG_INFO, "read_failed"},
    {"L_900", "read_failed", PLAN_CONFIRM_UNCONFIRMED, LOG_DEBUG, "read_failed"},
};

static void test_levels(void **state)
{
    (void)state;
    round_org o;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < sizeof end_cases / sizeof end_cases[0]; i++) {
        const end_case *t = &end_cases[i];
        const char *word = NULL;
        print_message("row %zu: %s %s\n", i, t->network, t->look ? t->look : "-");
        if (t->look != NULL)
            round_reason_look(&o, t->network, t->look);
        assert_int_equal(round_reason_level(&o, t->network, t->result, &word), t->want);
        assert_string_equal(word, t->word);
    }
    round_reasons_clear(&o);
    assert_null(o.reasons);
    assert_int_equal(o.n_reasons, 0);
}

/* At most ROUND_REASONS_MAX networks are remembered: the oldest is forgotten first, and its
 * next end is at info again; the newest are still remembered. */
static void test_bound(void **state)
{
    (void)state;
    round_org o;
    memset(&o, 0, sizeof o);
    char id[32];
    const char *word;
    for (int i = 0; i <= ROUND_REASONS_MAX; i++) {
        snprintf(id, sizeof id, "N_%d", i);
        round_reason_look(&o, id, "hold_tag");
        assert_int_equal(round_reason_level(&o, id, PLAN_CONFIRM_SKIPPED, &word), LOG_INFO);
    }
    assert_int_equal(o.n_reasons, ROUND_REASONS_MAX);
    snprintf(id, sizeof id, "N_%d", ROUND_REASONS_MAX);
    assert_int_equal(round_reason_level(&o, id, PLAN_CONFIRM_SKIPPED, &word), LOG_DEBUG);
    /* N_0 was forgotten: news again (and N_1 is forgotten to make room). */
    assert_int_equal(round_reason_level(&o, "N_0", PLAN_CONFIRM_SKIPPED, &word), LOG_INFO);
    assert_string_equal(word, "unknown");
    assert_int_equal(o.n_reasons, ROUND_REASONS_MAX);
    round_reasons_clear(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_look_word),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
