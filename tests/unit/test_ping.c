/*
 * test_ping.c - live ping evidence (ping.h): the Dashboard's answers and Meraki's callbacks
 * read as the spec shows them (and refused when they are not), what a result proves, and the
 * failover decision a ping can make next to the series'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/ping.h"

static ping_err parse_result(const char *json, ping_result *out)
{
    return ping_parse_result(json, strlen(json), out);
}

static void test_created(void **state)
{
    char id[TF_ID_MAX_LEN + 1];
    (void)state;
    /* The spec's example answer (201). */
    const char *spec = "{\"pingId\": \"1284392014819\", \"url\": "
                       "\"/devices/SERIAL/liveTools/ping/1284392014819\", \"request\": "
                       "{\"serial\": \"Q234-ABCD-5678\", \"target\": \"75.75.75.75\", \"count\": "
                       "2}, \"status\": \"new\"}";
    assert_int_equal(ping_parse_created(spec, strlen(spec), id), PING_OK);
    assert_string_equal(id, "1284392014819");
    assert_int_equal(ping_parse_created("{\"pingId\": 42}", 14, id), PING_OK);
    assert_string_equal(id, "42");
    assert_int_equal(ping_parse_created("{\"pingId\": \"\"}", 14, id), PING_ERR_SHAPE);
    assert_int_equal(ping_parse_created("{}", 2, id), PING_ERR_SHAPE);
    assert_int_equal(ping_parse_created("[1]", 3, id), PING_ERR_NOT_JSON);
    assert_int_equal(ping_parse_created("{\"pingId\": NaN}", 15, id), PING_ERR_NOT_JSON);
    char longid[TF_ID_MAX_LEN + 32];
    memset(longid, '1', sizeof(longid));
    char body[sizeof(longid) + 32];
    int n = snprintf(body, sizeof(body), "{\"pingId\": \"%.*s\"}", (int)sizeof(longid) - 1, longid);
    assert_int_equal(ping_parse_created(body, (size_t)n, id), PING_ERR_SHAPE);
}

struct result_row {
    const char *name;
    const char *json;
    ping_err err;
    bool finished, has_results;
    int sent;
    double loss;
    ping_verdict verdict; /* at a 30 % threshold */
};

static const struct result_row result_rows[] = {
    {"the spec's finished example",
     "{\"pingId\":\"1\",\"status\":\"complete\",\"results\":{\"sent\":5,\"received\":5,"
     "\"loss\":{\"percentage\":0},\"latencies\":{\"minimum\":1,\"average\":2,\"maximum\":3},"
     "\"replies\":[]}}",
     PING_OK, true, true, 5, 0, PING_VERDICT_CLEAN},
    {"40 % loss is loss",
     "{\"pingId\":\"1\",\"status\":\"complete\",\"results\":{\"sent\":5,"
     "\"received\":3,\"loss\":{\"percentage\":40}}}",
     PING_OK, true, true, 5, 40, PING_VERDICT_LOSS},
    {"exactly the threshold is loss",
     "{\"pingId\":\"1\",\"status\":\"complete\",\"results\":{"
     "\"sent\":5,\"loss\":{\"percentage\":30.0}}}",
     PING_OK, true, true, 5, 30, PING_VERDICT_LOSS},
    {"not finished yet (any status but complete)",
     "{\"pingId\":\"1\",\"status\":\"running\",\"results\":{\"sent\":5,\"loss\":{"
     "\"percentage\":100}}}",
     PING_OK, false, true, 5, 100, PING_VERDICT_FAILED},
    {"new, no results", "{\"pingId\":\"1\",\"status\":\"new\"}", PING_OK, false, false, 0, 0,
     PING_VERDICT_FAILED},
    {"finished but sent nothing: no data, never loss",
     "{\"pingId\":\"1\",\"status\":\"complete\",\"results\":{\"sent\":0,\"received\":0,"
     "\"loss\":{\"percentage\":100}}}",
     PING_OK, true, true, 0, 100, PING_VERDICT_FAILED},
    {"finished without results", "{\"pingId\":\"1\",\"status\":\"complete\"}", PING_OK, true, false,
     0, 0, PING_VERDICT_FAILED},
    {"a failed status", "{\"pingId\":\"1\",\"status\":\"failed\"}", PING_OK, false, false, 0, 0,
     PING_VERDICT_FAILED},
    {"a loss over 100 is not believed",
     "{\"pingId\":\"1\",\"status\":\"complete\",\"results\":{\"sent\":5,\"loss\":{"
     "\"percentage\":250}}}",
     PING_OK, true, false, 5, 0, PING_VERDICT_FAILED},
    {"a loss of another type is no loss",
     "{\"pingId\":\"1\",\"status\":\"complete\",\"results\":{\"sent\":5,\"loss\":{"
     "\"percentage\":\"99\"}}}",
     PING_OK, true, false, 5, 0, PING_VERDICT_FAILED},
    {"no pingId", "{\"status\":\"complete\"}", PING_ERR_SHAPE, false, false, 0, 0,
     PING_VERDICT_FAILED},
    {"not JSON", "{\"pingId\":", PING_ERR_NOT_JSON, false, false, 0, 0, PING_VERDICT_FAILED},
    {"trailing garbage", "{\"pingId\":\"1\"} x", PING_ERR_NOT_JSON, false, false, 0, 0,
     PING_VERDICT_FAILED},
};

static void test_result_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(result_rows) / sizeof(result_rows[0]); i++) {
        const struct result_row *t = &result_rows[i];
        ping_result r;
        ping_err e = parse_result(t->json, &r);
        if (e != t->err)
            fail_msg("row %zu (%s): error %s, want %s", i, t->name, ping_strerror(e),
                     ping_strerror(t->err));
        if (e != PING_OK)
            continue;
        if (r.finished != t->finished || r.has_results != t->has_results || r.sent != t->sent ||
            r.loss_pct != t->loss || ping_judge(&r, 30) != t->verdict)
            fail_msg("row %zu (%s): finished %d results %d sent %d loss %.1f verdict %s", i,
                     t->name, r.finished, r.has_results, r.sent, r.loss_pct,
                     ping_verdict_name(ping_judge(&r, 30)));
    }
}

static void test_callback(void **state)
{
    ping_callback cb;
    (void)state;
    /* Meraki's callback body: callbackId where an alert has alertId. */
    const char *body =
        "{\"callbackId\":\"cb-77\",\"organization\":{\"id\":\"1001\",\"name\":\"Acme\"},"
        "\"network\":{\"id\":\"L_100\",\"name\":\"Leeds\"},\"sentAt\":\"2026-01-01T00:00:00Z\","
        "\"message\":{\"pingId\":\"1284392014819\",\"url\":\"/devices/Q/liveTools/ping/1\","
        "\"request\":{\"target\":\"203.0.113.10\",\"count\":5},\"status\":\"complete\","
        "\"results\":{\"sent\":5,\"received\":1,\"loss\":{\"percentage\":80}}},"
        "\"sharedSecret\":\"s\"}";
    assert_int_equal(ping_parse_callback(body, strlen(body), &cb), PING_OK);
    assert_string_equal(cb.callback_id, "cb-77");
    assert_string_equal(cb.organization_id, "1001");
    assert_string_equal(cb.network_id, "L_100");
    assert_string_equal(cb.result.ping_id, "1284392014819");
    assert_true(cb.result.finished);
    assert_int_equal(ping_judge(&cb.result, 30), PING_VERDICT_LOSS);

    /* An alert is no callback; neither is a callback without its ping. */
    const char *alert = "{\"alertId\":\"1\",\"organizationId\":\"1\",\"networkId\":\"N\"}";
    assert_int_equal(ping_parse_callback(alert, strlen(alert), &cb), PING_ERR_SHAPE);
    const char *noping = "{\"callbackId\":\"c\",\"message\":{\"status\":\"complete\"}}";
    assert_int_equal(ping_parse_callback(noping, strlen(noping), &cb), PING_ERR_SHAPE);
    assert_string_equal(cb.callback_id, "");
    const char *nomsg = "{\"callbackId\":\"c\"}";
    assert_int_equal(ping_parse_callback(nomsg, strlen(nomsg), &cb), PING_ERR_SHAPE);
    /* Where it comes from is informational: an odd organization is left empty. */
    const char *odd = "{\"callbackId\":\"c\",\"organization\":7,\"message\":{\"pingId\":\"9\"}}";
    assert_int_equal(ping_parse_callback(odd, strlen(odd), &cb), PING_OK);
    assert_string_equal(cb.organization_id, "");
    assert_string_equal(cb.result.ping_id, "9");
    assert_int_equal(ping_parse_callback("\"x\"", 3, &cb), PING_ERR_NOT_JSON);
}

/* A series look of a normal network with a tracked IP whose series proves nothing yet. */
static look_result series(tags_state st, bool tracked, policy_action act, tf_reason reason)
{
    look_result r;
    memset(&r, 0, sizeof(r));
    r.tags.state = st;
    r.tracked_ip = tracked ? "203.0.113.10" : NULL;
    r.decision.action = act;
    r.decision.reason = reason;
    snprintf(r.decision.why, sizeof(r.decision.why), "the series");
    return r;
}

struct decide_row {
    const char *name;
    tags_state state;
    bool tracked;
    policy_action series_action;
    tf_reason series_reason;
    ping_evidence ev;
    policy_action want;
    tf_reason want_reason;
    bool want_live;
};

#define EV(hp, p, hb, b)                                                                           \
    {                                                                                              \
        .has_primary = (hp), .primary_loss_pct = (p), .has_backup = (hb), .backup_loss_pct = (b)   \
    }

static const struct decide_row decide_rows[] = {
    {"the ping's loss fails over", TAGS_NORMAL, true, POLICY_NONE, TF_REASON_NO_DATA,
     EV(true, 60, false, 0), POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD, true},
    {"exactly the threshold fails over", TAGS_NORMAL, true, POLICY_NONE, TF_REASON_OK,
     EV(true, 30, true, 0), POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD, true},
    {"a clean ping proves nothing", TAGS_NORMAL, true, POLICY_NONE, TF_REASON_OK,
     EV(true, 20, false, 0), POLICY_NONE, TF_REASON_OK, false},
    {"no ping evidence: the series stands", TAGS_NORMAL, true, POLICY_NONE, TF_REASON_NOT_COVERED,
     EV(false, 0, false, 0), POLICY_NONE, TF_REASON_NOT_COVERED, false},
    {"the backup's ping is lossy too: backup_unhealthy", TAGS_NORMAL, true, POLICY_NONE,
     TF_REASON_OK, EV(true, 80, true, 50), POLICY_NONE, TF_REASON_BACKUP_UNHEALTHY, false},
    {"the backup's ping is clean: fail over", TAGS_NORMAL, true, POLICY_NONE, TF_REASON_OK,
     EV(true, 80, true, 29.9), POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD, true},
    {"the series' own guard vetoes", TAGS_NORMAL, true, POLICY_NONE, TF_REASON_BACKUP_UNHEALTHY,
     EV(true, 90, false, 0), POLICY_NONE, TF_REASON_BACKUP_UNHEALTHY, false},
    {"the series already proves it: the series decided", TAGS_NORMAL, true, POLICY_FAILOVER,
     TF_REASON_LOSS_OVER_THRESHOLD, EV(true, 90, false, 0), POLICY_FAILOVER,
     TF_REASON_LOSS_OVER_THRESHOLD, false},
    {"held: never", TAGS_HELD, true, POLICY_NONE, TF_REASON_HOLD_TAG, EV(true, 100, false, 0),
     POLICY_NONE, TF_REASON_HOLD_TAG, false},
    {"already failed over: never (failback never uses a ping)", TAGS_FAILED_OVER, true, POLICY_NONE,
     TF_REASON_NOT_COVERED, EV(true, 0, false, 0), POLICY_NONE, TF_REASON_NOT_COVERED, false},
    {"no tracked IP: never", TAGS_NORMAL, false, POLICY_NONE, TF_REASON_NO_TRACKED_IP,
     EV(true, 100, false, 0), POLICY_NONE, TF_REASON_NO_TRACKED_IP, false},
};

static void test_decide_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decide_rows) / sizeof(decide_rows[0]); i++) {
        const struct decide_row *t = &decide_rows[i];
        look_result r = series(t->state, t->tracked, t->series_action, t->series_reason);
        policy_decision d;
        bool live = true;
        ping_decide(&r, &t->ev, 30, &d, &live);
        if (d.action != t->want || d.reason != t->want_reason || live != t->want_live)
            fail_msg("row %zu (%s): got %s/%s live=%d", i, t->name, policy_action_name(d.action),
                     tf_reason_name(d.reason), live);
        if (t->want_live && (!d.has_worst || d.worst_loss_pct != t->ev.primary_loss_pct ||
                             strstr(d.why, "live ping") == NULL))
            fail_msg("row %zu (%s): the decision does not carry the ping's loss (%s)", i, t->name,
                     d.why);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ping_verdict_name(PING_VERDICT_LOSS), "loss");
    assert_string_equal(ping_verdict_name(PING_VERDICT_CLEAN), "clean");
    assert_string_equal(ping_verdict_name(PING_VERDICT_FAILED), "failed");
    assert_string_equal(ping_verdict_name(PING_VERDICT_TIMEOUT), "timeout");
    assert_string_equal(ping_verdict_name(PING_VERDICT_REFUSED), "refused");
    assert_string_equal(ping_verdict_name((ping_verdict)42), "unknown");
    for (int e = PING_OK; e <= PING_ERR_NOMEM; e++)
        assert_true(strlen(ping_strerror((ping_err)e)) > 0);
    assert_string_equal(ping_strerror((ping_err)42), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_created),  cmocka_unit_test(test_result_table),
        cmocka_unit_test(test_callback), cmocka_unit_test(test_decide_table),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
