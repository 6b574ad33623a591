/*
 * test_reason.c - every reason has its contract name (the README's "HTTP endpoints"), and no two
 * share one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/reason.h"

static const struct {
    tf_reason r;
    const char *name;
} reason_cases[] = {
    {TF_REASON_OK, "ok"},
    {TF_REASON_LOSS_OVER_THRESHOLD, "loss_over_threshold"},
    {TF_REASON_CLEAN_WINDOW, "clean_window"},
    {TF_REASON_NOT_COVERED, "not_covered"},
    {TF_REASON_NULL_SAMPLE, "null_sample"},
    {TF_REASON_STALE_DATA, "stale_data"},
    {TF_REASON_NO_DATA, "no_data"},
    {TF_REASON_BACKUP_UNHEALTHY, "backup_unhealthy"},
    {TF_REASON_FAILBACK_MANUAL, "failback_manual"},
    {TF_REASON_HOLD_TAG, "hold_tag"},
    {TF_REASON_TWO_PRIMARIES, "two_primaries"},
    {TF_REASON_TWO_BACKUPS, "two_backups"},
    {TF_REASON_NO_PRIMARY, "no_primary"},
    {TF_REASON_NO_BACKUP, "no_backup"},
    {TF_REASON_BOTH_UP, "both_up"},
    {TF_REASON_BOTH_DOWN, "both_down"},
    {TF_REASON_NO_PEER, "no_peer"},
    {TF_REASON_UNREADABLE, "unreadable"},
    {TF_REASON_NO_TRACKED_IP, "no_tracked_ip"},
};

static void test_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(reason_cases) / sizeof(reason_cases[0]); i++)
        assert_string_equal(tf_reason_name(reason_cases[i].r), reason_cases[i].name);
}

/* The table above lists every reason once: a reason added to the enum must be named here. */
static void test_table_is_complete(void **state)
{
    (void)state;
    assert_int_equal(sizeof(reason_cases) / sizeof(reason_cases[0]), TF_REASON_COUNT);
    for (int r = 0; r < TF_REASON_COUNT; r++) {
        const char *name = tf_reason_name((tf_reason)r);
        assert_string_not_equal(name, "unknown");
        for (size_t j = 0; name[j] != '\0'; j++)
            assert_true((name[j] >= 'a' && name[j] <= 'z') || name[j] == '_');
        for (int q = 0; q < r; q++)
            assert_string_not_equal(name, tf_reason_name((tf_reason)q));
    }
}

static void test_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(tf_reason_name(TF_REASON_COUNT), "unknown");
    assert_string_equal(tf_reason_name((tf_reason)-1), "unknown");
    assert_string_equal(tf_reason_name((tf_reason)1000), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_table_is_complete),
        cmocka_unit_test(test_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
