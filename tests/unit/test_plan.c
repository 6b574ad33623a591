/*
 * test_plan.c - what a round's looks call for (plan.h): each confirmation's step after a look
 * and after its retag, and the retags of a reconcile.
 *
 * Each row is one look at one confirming network: how the read went, the state the tags show,
 * the decision, the time of the look, and the exact step. Times are offsets in ms from R, the
 * alert's arrival; the cadence is the real default (5 s for 180 s).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/plan.h"

#define R        UINT64_C(5000000)
#define INTERVAL UINT64_C(5000)
#define WINDOW   UINT64_C(180000)

static sched_entry confirmation(void)
{
    sched_entry c;
    memset(&c, 0, sizeof(c));
    snprintf(c.network_id, sizeof(c.network_id), "L_100");
    snprintf(c.alert_id, sizeof(c.alert_id), "0000000000000000");
    c.received_ms = R;
    c.deadline_ms = R + WINDOW;
    c.used = true;
    return c;
}

/* A look result with the given state and decision. */
static look_result result(tags_state st, tf_reason tag_reason, bool tracked, policy_action act,
                          tf_reason why)
{
    look_result r;
    memset(&r, 0, sizeof(r));
    r.tags.state = st;
    r.tags.reason = tag_reason;
    r.tracked_ip = tracked ? "203.0.113.10" : NULL;
    r.decision.action = act;
    r.decision.reason = why;
    snprintf(r.decision.why, sizeof(r.decision.why), "%s",
             act == POLICY_FAILOVER ? "loss 45.0% >= 30%" : "worst 0.0% < 30%");
    return r;
}

struct confirm_row {
    const char *name;
    plan_read read;
    tags_state state;
    tf_reason tag_reason;
    bool tracked;
    policy_action action;
    tf_reason reason;
    uint64_t at; /* offset of the look from R */
    plan_confirm_kind want;
    uint64_t next;   /* AGAIN: offset of the next look */
    const char *why; /* a part of the step's sentence */
};

static const struct confirm_row confirm_rows[] = {
    {"loss proven at the first look: retag", PLAN_READ_OK, TAGS_NORMAL, TF_REASON_OK, true,
     POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD, 0, PLAN_CONFIRM_RETAG, 0, "loss 45.0%"},
    {"no loss yet: look again on the cadence", PLAN_READ_OK, TAGS_NORMAL, TF_REASON_OK, true,
     POLICY_NONE, TF_REASON_OK, 0, PLAN_CONFIRM_AGAIN, 5000, "ok: worst"},
    {"a slow look keeps the grid", PLAN_READ_OK, TAGS_NORMAL, TF_REASON_OK, true, POLICY_NONE,
     TF_REASON_NO_DATA, 7300, PLAN_CONFIRM_AGAIN, 10000, "no_data"},
    {"the look at the window's end finds nothing: unconfirmed", PLAN_READ_OK, TAGS_NORMAL,
     TF_REASON_OK, true, POLICY_NONE, TF_REASON_OK, 180000, PLAN_CONFIRM_UNCONFIRMED, 0, "ok"},
    {"the backup is losing too: keep looking", PLAN_READ_OK, TAGS_NORMAL, TF_REASON_OK, true,
     POLICY_NONE, TF_REASON_BACKUP_UNHEALTHY, 60000, PLAN_CONFIRM_AGAIN, 65000, "backup_unhealthy"},
    {"held: skipped at once", PLAN_READ_OK, TAGS_HELD, TF_REASON_HOLD_TAG, true, POLICY_NONE,
     TF_REASON_HOLD_TAG, 0, PLAN_CONFIRM_SKIPPED, 0, "network is held (hold_tag)"},
    {"invalid: skipped with the tags' reason", PLAN_READ_OK, TAGS_INVALID, TF_REASON_BOTH_UP, true,
     POLICY_NONE, TF_REASON_BOTH_UP, 0, PLAN_CONFIRM_SKIPPED, 0, "network is invalid (both_up)"},
    {"already failed over: skipped", PLAN_READ_OK, TAGS_FAILED_OVER, TF_REASON_OK, true,
     POLICY_NONE, TF_REASON_OK, 0, PLAN_CONFIRM_SKIPPED, 0, "network is failed_over"},
    {"not managed: skipped", PLAN_READ_OK, TAGS_UNMANAGED, TF_REASON_OK, false, POLICY_NONE,
     TF_REASON_OK, 0, PLAN_CONFIRM_SKIPPED, 0, "network is unmanaged"},
    {"no tracked IP: skipped even with a failover decision", PLAN_READ_OK, TAGS_NORMAL,
     TF_REASON_OK, false, POLICY_FAILOVER, TF_REASON_NO_TRACKED_IP, 0, PLAN_CONFIRM_SKIPPED, 0,
     "no tracked IP"},
    {"the API does not know the network: skipped", PLAN_READ_UNKNOWN, TAGS_NORMAL, TF_REASON_OK,
     true, POLICY_NONE, TF_REASON_OK, 0, PLAN_CONFIRM_SKIPPED, 0, "unknown network"},
    {"a failed read: look again", PLAN_READ_FAILED, TAGS_NORMAL, TF_REASON_OK, true, POLICY_NONE,
     TF_REASON_OK, 2000, PLAN_CONFIRM_AGAIN, 5000, "HTTP 503"},
    {"a failed read after the window: unconfirmed", PLAN_READ_FAILED, TAGS_NORMAL, TF_REASON_OK,
     true, POLICY_NONE, TF_REASON_OK, 181000, PLAN_CONFIRM_UNCONFIRMED, 0, "HTTP 503"},
};

static void test_confirm_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(confirm_rows) / sizeof(confirm_rows[0]); i++) {
        const struct confirm_row *t = &confirm_rows[i];
        sched_entry c = confirmation();
        look_result r = result(t->state, t->tag_reason, t->tracked, t->action, t->reason);
        plan_confirm_step step;
        memset(&step, 0x5a, sizeof(step));
        plan_confirm(&c, t->read, t->read == PLAN_READ_OK ? &r : NULL, "API: HTTP 503", INTERVAL,
                     R + t->at, &step);
        if (step.kind != t->want)
            fail_msg("row %zu (%s): got %s, want %s", i, t->name, plan_confirm_kind_name(step.kind),
                     plan_confirm_kind_name(t->want));
        if (t->want == PLAN_CONFIRM_AGAIN && step.next_ms != R + t->next)
            fail_msg("row %zu (%s): next look at %+lld, want %+lld", i, t->name,
                     (long long)(step.next_ms - R), (long long)t->next);
        if (strstr(step.why, t->why) == NULL)
            fail_msg("row %zu (%s): why '%s' lacks '%s'", i, t->name, step.why, t->why);
    }
}

struct retagged_row {
    const char *name;
    plan_retag_outcome outcome;
    uint64_t at;
    plan_confirm_kind want;
    uint64_t next;
};

static const struct retagged_row retagged_rows[] = {
    {"written: confirmed", PLAN_RETAG_DONE, 3000, PLAN_CONFIRM_CONFIRMED, 0},
    {"written at the window's very end: still confirmed", PLAN_RETAG_DONE, 180000,
     PLAN_CONFIRM_CONFIRMED, 0},
    {"the PUT failed: look again (the next look retries)", PLAN_RETAG_FAILED, 3000,
     PLAN_CONFIRM_AGAIN, 5000},
    {"the PUT failed at the end: unconfirmed", PLAN_RETAG_FAILED, 180000, PLAN_CONFIRM_UNCONFIRMED,
     0},
    {"the fresh tags changed their mind: look again", PLAN_RETAG_NOT_CALLED, 40000,
     PLAN_CONFIRM_AGAIN, 45000},
};

static void test_retagged_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(retagged_rows) / sizeof(retagged_rows[0]); i++) {
        const struct retagged_row *t = &retagged_rows[i];
        sched_entry c = confirmation();
        plan_confirm_step step;
        plan_confirm_retagged(&c, t->outcome, "because", INTERVAL, R + t->at, &step);
        if (step.kind != t->want || (t->want == PLAN_CONFIRM_AGAIN && step.next_ms != R + t->next))
            fail_msg("row %zu (%s): got %s at %+lld", i, t->name, plan_confirm_kind_name(step.kind),
                     (long long)(step.next_ms - R));
        assert_string_equal(step.why, "because");
    }
}

static void test_reconcile(void **state)
{
    look_result r[6];
    plan_retag out[6];
    (void)state;

    r[0] = result(TAGS_NORMAL, TF_REASON_OK, true, POLICY_NONE, TF_REASON_OK);
    r[1] = result(TAGS_NORMAL, TF_REASON_OK, true, POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD);
    r[2] = result(TAGS_UNMANAGED, TF_REASON_OK, false, POLICY_NONE, TF_REASON_OK);
    r[3] = result(TAGS_FAILED_OVER, TF_REASON_OK, true, POLICY_FAILBACK, TF_REASON_CLEAN_WINDOW);
    r[4] = result(TAGS_HELD, TF_REASON_HOLD_TAG, true, POLICY_NONE, TF_REASON_HOLD_TAG);
    /* An unmanaged network never acts, whatever a broken decision says. */
    r[5] = result(TAGS_UNMANAGED, TF_REASON_OK, false, POLICY_FAILOVER, TF_REASON_OK);
    assert_int_equal(plan_reconcile(r, 6, out), 2);
    assert_int_equal(out[0].index, 1);
    assert_int_equal(out[0].action, POLICY_FAILOVER);
    assert_int_equal(out[1].index, 3);
    assert_int_equal(out[1].action, POLICY_FAILBACK);
    assert_int_equal(plan_reconcile(r, 0, out), 0);
}

struct ping_row {
    const char *name;
    plan_confirm_kind step;
    bool enabled, target, pending;
    uint64_t last; /* offset of the last ping from R; 0: never */
    unsigned pings, in_flight, max;
    uint64_t at;
    bool want;
};

static const struct ping_row ping_rows[] = {
    {"the first look proves nothing: ping", PLAN_CONFIRM_AGAIN, true, true, false, 0, 2, 0, 5, 0,
     true},
    {"evidence = series: never", PLAN_CONFIRM_AGAIN, false, true, false, 0, 2, 0, 5, 0, false},
    {"nothing to ping from or to", PLAN_CONFIRM_AGAIN, true, false, false, 0, 1, 0, 5, 0, false},
    {"the series already decided", PLAN_CONFIRM_RETAG, true, true, false, 0, 2, 0, 5, 0, false},
    {"a skipped network is not pinged", PLAN_CONFIRM_SKIPPED, true, true, false, 0, 2, 0, 5, 0,
     false},
    {"the window is over", PLAN_CONFIRM_UNCONFIRMED, true, true, false, 0, 2, 0, 5, 0, false},
    {"its own ping is still out", PLAN_CONFIRM_AGAIN, true, true, true, 0, 2, 0, 5, 0, false},
    {"the last one 29 s ago: not yet", PLAN_CONFIRM_AGAIN, true, true, false, 1000, 2, 0, 5, 30000,
     false},
    {"the last one 30 s ago: again", PLAN_CONFIRM_AGAIN, true, true, false, 1000, 2, 0, 5, 31000,
     true},
    {"the organization is at its limit", PLAN_CONFIRM_AGAIN, true, true, false, 0, 1, 5, 5, 0,
     false},
    {"room for the primary's but not the backup's too", PLAN_CONFIRM_AGAIN, true, true, false, 0, 2,
     4, 5, 0, false},
    {"room for both", PLAN_CONFIRM_AGAIN, true, true, false, 0, 2, 3, 5, 0, true},
};

static void test_ping_wanted_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(ping_rows) / sizeof(ping_rows[0]); i++) {
        const struct ping_row *t = &ping_rows[i];
        sched_entry c = confirmation();
        c.ping_pending = t->pending;
        c.last_ping_ms = t->last ? R + t->last : 0;
        plan_confirm_step step = {.kind = t->step};
        const plan_ping_rules rules = {.enabled = t->enabled,
                                       .have_target = t->target,
                                       .pings = t->pings,
                                       .in_flight = t->in_flight,
                                       .max_in_flight = t->max,
                                       .interval_ms = 30000};
        if (plan_ping_wanted(&c, &step, &rules, R + t->at) != t->want)
            fail_msg("row %zu (%s): want %d", i, t->name, t->want);
    }
}

static void test_ping_evidence(void **state)
{
    ping_evidence ev;
    ping_verdict vp, vb;
    (void)state;

    sched_entry c = confirmation();
    snprintf(c.ping_id, sizeof(c.ping_id), "p1");
    snprintf(c.backup_ping_id, sizeof(c.backup_ping_id), "p2");
    c.ping_pending = true;
    assert_false(plan_ping_complete(&c));
    /* Timed out with nothing in: no evidence, both counted as timeouts. */
    plan_ping_evidence(&c, 30, true, &ev, &vp, &vb);
    assert_false(ev.has_primary);
    assert_false(ev.has_backup);
    assert_int_equal(vp, PING_VERDICT_TIMEOUT);
    assert_int_equal(vb, PING_VERDICT_TIMEOUT);
    /* The primary is in with loss; the backup never answered: evidence without the backup. */
    c.have_primary = true;
    c.primary = (ping_result){.finished = true, .has_results = true, .sent = 5, .loss_pct = 60};
    assert_false(plan_ping_complete(&c));
    plan_ping_evidence(&c, 30, true, &ev, &vp, &vb);
    assert_true(ev.has_primary);
    assert_true(ev.primary_loss_pct == 60);
    assert_false(ev.has_backup);
    assert_int_equal(vp, PING_VERDICT_LOSS);
    assert_int_equal(vb, PING_VERDICT_TIMEOUT);
    /* Both in. */
    c.have_backup = true;
    c.backup = (ping_result){.finished = true, .has_results = true, .sent = 5, .loss_pct = 0};
    assert_true(plan_ping_complete(&c));
    plan_ping_evidence(&c, 30, false, &ev, &vp, &vb);
    assert_true(ev.has_backup);
    assert_int_equal(vb, PING_VERDICT_CLEAN);
    /* A primary that sent nothing is no evidence, whatever its loss field says. */
    c.primary.sent = 0;
    plan_ping_evidence(&c, 30, false, &ev, &vp, &vb);
    assert_false(ev.has_primary);
    assert_int_equal(vp, PING_VERDICT_FAILED);
    /* No backup ping: complete with the primary alone. */
    c.backup_ping_id[0] = '\0';
    c.have_backup = false;
    assert_true(plan_ping_complete(&c));
}

static void test_vpn_hints(void **state)
{
    dj_network nets[5];
    look_result r[5];
    plan_hint out[5];
    char *ips_unreach[] = {"203.0.113.10"}, *reach_unreach[] = {"unreachable"};
    char *ips_two[] = {"198.51.100.20", "203.0.113.10"},
         *reach_two[] = {"unreachable", "reachable"};
    char *names[] = {"p", "q"};
    (void)state;

    const char *ids[] = {"N_1", "N_2", "N_3", "N_4", "N_5"};
    for (int i = 0; i < 5; i++) {
        memset(&nets[i], 0, sizeof(nets[i]));
        nets[i].id = (char *)ids[i];
    }
    r[0] = result(TAGS_NORMAL, TF_REASON_OK, true, POLICY_NONE, TF_REASON_OK);
    /* the backup's tunnel is down, the primary's is up: no hint */
    r[1] = result(TAGS_NORMAL, TF_REASON_OK, true, POLICY_NONE, TF_REASON_OK);
    /* already failed over: no hint */
    r[2] = result(TAGS_FAILED_OVER, TF_REASON_OK, true, POLICY_NONE, TF_REASON_OK);
    /* the series already decided a failover: the reconcile does it, no hint */
    r[3] = result(TAGS_NORMAL, TF_REASON_OK, true, POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD);
    /* no VPN status at all */
    r[4] = result(TAGS_NORMAL, TF_REASON_OK, true, POLICY_NONE, TF_REASON_OK);
    /* Listed in another order than the networks, as the API may. */
    dj_vpn_status vpn[4] = {
        {.network_id = "N_4",
         .peer_names = names,
         .peer_reachability = reach_unreach,
         .peer_public_ips = ips_unreach,
         .n_peers = 1},
        {.network_id = "N_2",
         .peer_names = names,
         .peer_reachability = reach_two,
         .peer_public_ips = ips_two,
         .n_peers = 2},
        {.network_id = "N_1",
         .peer_names = names,
         .peer_reachability = reach_unreach,
         .peer_public_ips = ips_unreach,
         .n_peers = 1},
        {.network_id = "N_3",
         .peer_names = names,
         .peer_reachability = reach_unreach,
         .peer_public_ips = ips_unreach,
         .n_peers = 1},
    };
    assert_int_equal(plan_vpn_hints(nets, r, 5, vpn, 4, out), 1);
    assert_int_equal(out[0].index, 0);
    assert_string_equal(out[0].peer_ip, "203.0.113.10");
    assert_int_equal(plan_vpn_hints(nets, r, 5, NULL, 0, out), 0);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(plan_trigger_name(PLAN_TRIGGER_WEBHOOK), "webhook");
    assert_string_equal(plan_trigger_name(PLAN_TRIGGER_RECONCILE), "reconcile");
    assert_string_equal(plan_trigger_name(PLAN_TRIGGER_MANUAL), "manual");
    assert_string_equal(plan_trigger_name((plan_trigger)42), "unknown");
    assert_string_equal(plan_evidence_name(PLAN_EVIDENCE_SERIES), "series");
    assert_string_equal(plan_evidence_name(PLAN_EVIDENCE_MANUAL), "manual");
    assert_string_equal(plan_evidence_name(PLAN_EVIDENCE_LIVE), "live");
    assert_string_equal(plan_trigger_name(PLAN_TRIGGER_VPN_STATUS), "vpn_status");
    assert_string_equal(plan_evidence_name((plan_evidence)42), "unknown");
    assert_string_equal(plan_confirm_kind_name(PLAN_CONFIRM_CONFIRMED), "confirmed");
    assert_string_equal(plan_confirm_kind_name(PLAN_CONFIRM_UNCONFIRMED), "unconfirmed");
    assert_string_equal(plan_confirm_kind_name(PLAN_CONFIRM_SKIPPED), "skipped");
    assert_string_equal(plan_confirm_kind_name((plan_confirm_kind)42), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confirm_table), cmocka_unit_test(test_retagged_table),
        cmocka_unit_test(test_reconcile),     cmocka_unit_test(test_ping_wanted_table),
        cmocka_unit_test(test_ping_evidence), cmocka_unit_test(test_vpn_hints),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
