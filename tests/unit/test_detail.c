/*
 * test_detail.c - `status NETWORK_ID`'s rendering (detail.h): which window is shown, which
 * samples are marked, what is said about the failback, and the JSON document's fields, from
 * hand-made looks with plain numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/detail.h"

#define T1 1000000

/* One network, its look and series, ready to render. */
typedef struct {
    dj_network net;
    look_result r;
    policy_sample s[8], b[8];
    policy_series primary, backup;
    detail_view v;
} fixture;

static void setup_fixture(fixture *f, const char *tags, tf_reason reason, policy_action would)
{
    memset(f, 0, sizeof(*f));
    f->net.id = "L_1";
    f->net.name = "Leeds";
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", tags);
    for (char *t = strtok(buf, " "); t != NULL; t = strtok(NULL, " "))
        assert_int_equal(tags_list_push(&f->net.tags, t), TAGS_OK);
    tags_classify(&f->net.tags, "tagfailover_hold", &f->r.tags);
    f->r.tracked_ip = "203.0.113.10";
    f->r.backup_ip = "198.51.100.20";
    f->r.n_considered = 1;
    f->r.considered[0] = "wan1";
    f->r.decision.reason = reason;
    f->r.decision.action = would;
    /* 60-s samples from T1 - 420 to T1: 0, 0, 0, 0, 0, 45, 29.9, null */
    static const double loss[8] = {0, 0, 0, 0, 0, 45, 29.9, -1};
    for (int i = 0; i < 8; i++) {
        f->s[i] = (policy_sample){.ts = T1 - 420 + 60 * i,
                                  .has_loss = loss[i] >= 0,
                                  .loss_pct = loss[i] >= 0 ? loss[i] : 0};
        f->b[i] = (policy_sample){.ts = T1 - 420 + 60 * i, .has_loss = true, .loss_pct = 0};
    }
    f->primary = (policy_series){.uplink = "wan1", .samples = f->s, .n = 8};
    f->backup = (policy_series){.uplink = "wan1", .samples = f->b, .n = 8};
    f->v = (detail_view){
        .org_id = "1001",
        .org_name = "Acme",
        .net = &f->net,
        .look = &f->r,
        .primary = &f->primary,
        .n_primary = 1,
        .backup = &f->backup,
        .n_backup = 1,
        .params = {.loss_threshold_pct = 30,
                   .failback_max_loss_pct = 0,
                   .detect_window_s = 300,
                   .clean_window_s = 300,
                   .require_backup_healthy = true,
                   .failback_auto = true},
        .data_lag_s = 120,
        .now = T1 + 120,
        .t1 = T1,
    };
}

static void teardown_fixture(fixture *f)
{
    tags_list_free(&f->net.tags);
}

static void has(const char *text, const char *want)
{
    if (strstr(text, want) == NULL)
        fail_msg("missing \"%s\" in:\n%s", want, text);
}

static void lacks(const char *text, const char *unwanted)
{
    if (strstr(text, unwanted) != NULL)
        fail_msg("unexpected \"%s\" in:\n%s", unwanted, text);
}

static void test_normal_lossy(void **state)
{
    fixture f;
    (void)state;
    setup_fixture(&f, "retail london_primary_up paris_backup_down", TF_REASON_LOSS_OVER_THRESHOLD,
                  POLICY_FAILOVER);
    f.r.decision.has_worst = true;
    f.r.decision.worst_loss_pct = 45;
    char *t = detail_render_text(&f.v);
    assert_non_null(t);
    has(t, "network L_1 (Leeds), organization 1001 (Acme)\n");
    has(t, "  state:      normal\n");
    has(t, "  would:      failover\n");
    has(t, "  why:        loss_over_threshold: a sample in the detect window reaches");
    has(t, "  tags:       retail london_primary_up paris_backup_down\n");
    has(t, "  pair:       london (up) > paris (down)\n");
    has(t, "  tracked IP: 203.0.113.10 (primary), 198.51.100.20 (backup)\n");
    has(t, "  worst loss: 45.0% in the detect window\n");
    has(t, "detect window (decides a failover): 1970-01-12T13:41:40Z .. 1970-01-12T13:46:40Z");
    /* Only the window's samples: T1-300 .. T1 is 6 of the 8. */
    has(t, "  203.0.113.10 (primary) on wan1: 6 samples\n");
    lacks(t, "13:39:40Z");
    /* 45 is over 30; 29.9 is not; the null is no data. */
    has(t, "1970-01-12T13:44:40Z   45.0%   <-- over the line\n");
    has(t, "1970-01-12T13:45:40Z   29.9%\n");
    has(t, "1970-01-12T13:46:40Z   no data\n");
    has(t, "198.51.100.20 (backup, guard on) on wan1: 6 samples");
    has(t, DETAIL_DAEMON_NOTE);
    lacks(t, "failback:");
    lacks(t, "clean window");
    free(t);

    char *j = detail_render_json(&f.v, false);
    struct json_object *doc = json_tokener_parse(j), *n, *x, *w;
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "network", &n));
    assert_true(json_object_object_get_ex(n, "would", &x));
    assert_string_equal(json_object_get_string(x), "failover");
    assert_true(json_object_object_get_ex(n, "confirming", &x));
    assert_null(x);
    assert_true(json_object_object_get_ex(n, "failback_due_at", &x));
    assert_null(x);
    assert_true(json_object_object_get_ex(doc, "windows", &w));
    assert_true(json_object_object_get_ex(w, "detect", &w));
    assert_true(json_object_object_get_ex(w, "decides", &x));
    assert_true(json_object_get_boolean(x));
    assert_true(json_object_object_get_ex(w, "primary", &x));
    x = json_object_array_get_idx(x, 0);
    assert_true(json_object_object_get_ex(x, "samples", &x));
    assert_int_equal(json_object_array_length(x), 6);
    struct json_object *last = json_object_array_get_idx(x, 5), *lp;
    assert_true(json_object_object_get_ex(last, "loss_pct", &lp));
    assert_null(lp);
    json_object_put(doc);
    free(j);
    teardown_fixture(&f);
}

static void test_failed_over(void **state)
{
    fixture f;
    (void)state;
    static const struct {
        bool failback_auto, has_due;
        int64_t due;
        policy_action would;
        const char *want;
    } cases[] = {
        {true, true, T1 + 120 + 250, POLICY_NONE,
         "  failback:   due at 1970-01-12T13:52:50Z (in 4m 10s) if no new loss arrives\n"},
        {true, true, T1 + 60, POLICY_NONE, "  failback:   due since 1970-01-12T13:47:40Z"},
        {true, false, 0, POLICY_NONE, "  failback:   not known"},
        {true, false, 0, POLICY_FAILBACK, "  failback:   due now"},
        {false, false, 0, POLICY_NONE,
         "  failback:   manual (failback = manual): run "
         "`tagfailover failback L_1`"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        setup_fixture(&f, "london_primary_down paris_backup_up", TF_REASON_LOSS_OVER_THRESHOLD,
                      cases[i].would);
        f.v.params.failback_auto = cases[i].failback_auto;
        f.r.has_failback_due = cases[i].has_due;
        f.r.failback_due_at = cases[i].due;
        f.r.has_failed_over_at = true;
        f.r.failed_over_at = T1 - 200;
        char *t = detail_render_text(&f.v);
        assert_non_null(t);
        has(t, cases[i].want);
        has(t, "  state:      failed_over\n");
        has(t, "  moved:      1970-01-12T13:43:20Z (from the Dashboard's change log)\n");
        has(t, "loss in the clean window is over the failback maximum");
        has(t, "clean window (decides a failback): 1970-01-12T13:41:40Z .. 1970-01-12T13:46:40Z "
               "(300 s), every sample must be <= 0.0%");
        /* Over the failback maximum of 0 %: 45 and 29.9 both. */
        has(t, "   29.9%   <-- over the line\n");
        lacks(t, "(backup, guard");
        free(t);
        char *j = detail_render_json(&f.v, true);
        struct json_object *doc = json_tokener_parse(j), *n, *x;
        assert_true(json_object_object_get_ex(doc, "network", &n));
        assert_true(json_object_object_get_ex(n, "failback_due_at", &x));
        if (cases[i].has_due)
            assert_non_null(x);
        else
            assert_null(x);
        assert_true(json_object_object_get_ex(n, "failed_over_at", &x));
        assert_string_equal(json_object_get_string(x), "1970-01-12T13:43:20Z");
        json_object_put(doc);
        free(j);
        teardown_fixture(&f);
    }
}

static void test_no_data_and_names(void **state)
{
    fixture f;
    (void)state;
    setup_fixture(&f, "london_primary_up paris_backup_down tagfailover_hold", TF_REASON_HOLD_TAG,
                  POLICY_NONE);
    f.net.name = "Leeds\n  would:      failback";
    f.v.n_primary = 0;
    f.v.n_backup = 0;
    char *t = detail_render_text(&f.v);
    has(t, "  state:      held\n");
    has(t, "hold_tag: the hold tag is present");
    has(t, "network L_1 (Leeds?  would:      failback)");
    has(t, "  203.0.113.10 (primary) on wan1: no samples (no data)\n");
    free(t);
    f.r.tracked_ip = NULL;
    t = detail_render_text(&f.v);
    has(t, "  tracked IP: unknown (primary)");
    has(t, "  no tracked IP: no samples to show\n");
    free(t);
    /* A peer's publicIp comes from the API: it cannot forge a line either. */
    f.r.tracked_ip = "203.0.113.10\nnetwork L_2";
    f.v.n_primary = 1;
    t = detail_render_text(&f.v);
    has(t, "  tracked IP: 203.0.113.10?network L_2 (primary)");
    has(t, "  203.0.113.10?network L_2 (primary) on wan1: 6 samples\n");
    lacks(t, "\nnetwork L_2");
    free(t);
    teardown_fixture(&f);
}

static void test_reason_words(void **state)
{
    (void)state;
    for (int r = 0; r < TF_REASON_COUNT; r++) {
        const char *w = detail_reason_words((tf_reason)r, TAGS_NORMAL);
        if (w == NULL || strcmp(w, "unknown reason") == 0)
            fail_msg("reason %s has no words", tf_reason_name((tf_reason)r));
    }
    assert_string_equal(detail_reason_words(TF_REASON_COUNT, TAGS_NORMAL), "unknown reason");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_lossy),
        cmocka_unit_test(test_failed_over),
        cmocka_unit_test(test_no_data_and_names),
        cmocka_unit_test(test_reason_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
