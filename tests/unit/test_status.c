/*
 * test_status.c - the status model (status.h): what a reconcile, a confirmation's look, a
 * retag and a confirmation do to it, the snapshot copy, and both renderings (the /status
 * document and the `status` table) from the same struct.
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

#include "tagfailover/status.h"

/* 2023-11-14T22:13:20Z */
#define T INT64_C(1700000000)

static dj_network net(const char *id, const char *name)
{
    dj_network n;
    memset(&n, 0, sizeof(n));
    n.id = (char *)id;
    n.name = (char *)name;
    return n;
}

static look_result look(tags_state st, const char *ip, policy_action act, tf_reason why,
                        double worst)
{
    look_result r;
    memset(&r, 0, sizeof(r));
    r.tags.state = st;
    if (st != TAGS_UNMANAGED) {
        r.tags.has_primary = r.tags.has_backup = true;
        snprintf(r.tags.primary.site, sizeof(r.tags.primary.site), "london");
        snprintf(r.tags.backup.site, sizeof(r.tags.backup.site), "paris");
    }
    r.tracked_ip = ip;
    r.decision.action = act;
    r.decision.reason = why;
    r.decision.has_worst = worst >= 0;
    r.decision.worst_loss_pct = worst;
    return r;
}

/* The network `id` of the rendered document's first organization. */
static struct json_object *doc_net(struct json_object *doc, const char *id)
{
    struct json_object *orgs, *nets;
    assert_true(json_object_object_get_ex(doc, "organizations", &orgs));
    assert_true(json_object_object_get_ex(json_object_array_get_idx(orgs, 0), "networks", &nets));
    for (size_t i = 0; i < json_object_array_length(nets); i++) {
        struct json_object *n = json_object_array_get_idx(nets, i), *v;
        if (json_object_object_get_ex(n, "id", &v) && strcmp(json_object_get_string(v), id) == 0)
            return n;
    }
    return NULL;
}

static const char *field(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v))
        return "<absent>";
    return v == NULL ? "<null>" : json_object_get_string(v);
}

/* Three networks: normal, failed over (lossy), unmanaged. */
static void reconcile_three(status_org *o)
{
    dj_network nets[3] = {net("L_1", "Branch 1"), net("L_2", NULL), net("L_9", "Printer")};
    look_result r[3] = {
        look(TAGS_NORMAL, "203.0.113.10", POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD, 45),
        look(TAGS_FAILED_OVER, "203.0.113.10", POLICY_NONE, TF_REASON_NOT_COVERED, -1),
        look(TAGS_UNMANAGED, NULL, POLICY_NONE, TF_REASON_OK, -1),
    };
    assert_int_equal(status_org_reconciled(o, nets, r, 3), STATUS_OK);
}

static void test_reconciled(void **state)
{
    status_org o;
    long census[LOOK_MANAGED_STATES];
    (void)state;

    assert_int_equal(status_org_init(&o, "1001", "Acme"), STATUS_OK);
    reconcile_three(&o);
    assert_int_equal(o.n_nets, 2);
    assert_int_equal(o.n_unmanaged, 1);
    assert_true(status_org_unmanaged(&o, "L_9"));
    assert_false(status_org_unmanaged(&o, "L_1"));
    const status_network *n = status_org_find(&o, "L_1");
    assert_non_null(n);
    assert_int_equal(n->state, LOOK_STATE_NORMAL);
    assert_int_equal(n->would, POLICY_FAILOVER);
    assert_string_equal(n->primary_site, "london");
    status_org_census(&o, census);
    assert_int_equal(census[LOOK_STATE_NORMAL], 1);
    assert_int_equal(census[LOOK_STATE_FAILED_OVER], 1);
    assert_int_equal(census[LOOK_STATE_HELD], 0);
    status_org_clear(&o);
}

static void test_action_shows_at_once_and_survives_the_next_reconcile(void **state)
{
    status_org o;
    (void)state;

    assert_int_equal(status_org_init(&o, "1001", "Acme"), STATUS_OK);
    reconcile_three(&o);
    /* A webhook failover: /status shows it before any reconcile. */
    status_org_acted(&o, "L_1", POLICY_FAILOVER, T);
    const status_network *n = status_org_find(&o, "L_1");
    assert_int_equal(n->state, LOOK_STATE_FAILED_OVER);
    assert_int_equal(n->would, POLICY_NONE);
    assert_int_equal(n->last_action, POLICY_FAILOVER);
    assert_int_equal(n->last_action_at, T);
    /* The next reconcile replaces the look but keeps what this process did. */
    reconcile_three(&o);
    n = status_org_find(&o, "L_1");
    assert_int_equal(n->last_action, POLICY_FAILOVER);
    assert_int_equal(n->last_action_at, T);
    /* An unknown network is left alone. */
    status_org_acted(&o, "L_404", POLICY_FAILOVER, T);
    assert_null(status_org_find(&o, "L_404"));
    status_org_clear(&o);
}

static void test_confirming_and_looked(void **state)
{
    status_org o;
    char alert[] = "0000000000000000";
    (void)state;

    assert_int_equal(status_org_init(&o, "1001", NULL), STATUS_OK);
    /* A confirmation's look before any reconcile adds the network. */
    dj_network n1 = net("L_1", "Branch 1");
    look_result r = look(TAGS_NORMAL, "203.0.113.10", POLICY_NONE, TF_REASON_OK, 0);
    assert_int_equal(status_org_looked(&o, &n1, &r), STATUS_OK);
    assert_int_equal(o.n_nets, 1);
    status_confirming c = {.active = true, .since = T, .alert_id = alert, .looks = 2};
    assert_int_equal(status_org_confirming(&o, "L_1", &c), STATUS_OK);
    /* The model owns its copy of the alert id. */
    alert[0] = 'X';
    assert_string_equal(status_org_find(&o, "L_1")->confirming.alert_id, "0000000000000000");
    /* Another look keeps the confirmation. */
    r.decision.worst_loss_pct = 12;
    assert_int_equal(status_org_looked(&o, &n1, &r), STATUS_OK);
    assert_true(status_org_find(&o, "L_1")->confirming.active);
    assert_true(status_org_find(&o, "L_1")->worst_loss_pct == 12);
    /* Ended. */
    assert_int_equal(status_org_confirming(&o, "L_1", NULL), STATUS_OK);
    assert_false(status_org_find(&o, "L_1")->confirming.active);
    assert_null(status_org_find(&o, "L_1")->confirming.alert_id);
    /* A look that finds the pair tags gone removes the network. */
    look_result gone = look(TAGS_UNMANAGED, NULL, POLICY_NONE, TF_REASON_OK, -1);
    assert_int_equal(status_org_looked(&o, &n1, &gone), STATUS_OK);
    assert_int_equal(o.n_nets, 0);
    status_org_clear(&o);
}

static void test_failback_due(void **state)
{
    status_org o;
    (void)state;

    assert_int_equal(status_org_init(&o, "1001", NULL), STATUS_OK);
    dj_network n = net("L_2", NULL);
    look_result r = look(TAGS_FAILED_OVER, "203.0.113.10", POLICY_NONE, TF_REASON_NOT_COVERED, 0);
    r.has_failback_due = true;
    r.failback_due_at = T + 420;
    assert_int_equal(status_org_looked(&o, &n, &r), STATUS_OK);
    const status_org *orgs[] = {&o};
    char *text = status_render_json(orgs, 1, false);
    struct json_object *doc = json_tokener_parse(text);
    assert_string_equal(field(doc_net(doc, "L_2"), "failback_due_at"), "2023-11-14T22:20:20Z");
    json_object_put(doc);
    free(text);
    status_org_clear(&o);
}

static void test_copy_is_deep(void **state)
{
    status_org o, snap;
    (void)state;

    assert_int_equal(status_org_init(&o, "1001", "Acme"), STATUS_OK);
    reconcile_three(&o);
    assert_int_equal(status_org_failed(&o, "API: HTTP 500"), STATUS_OK);
    assert_int_equal(status_org_copy(&o, &snap), STATUS_OK);
    /* Changing or freeing the original leaves the snapshot as it was. */
    status_org_acted(&o, "L_1", POLICY_FAILOVER, T);
    status_org_clear(&o);
    assert_string_equal(snap.id, "1001");
    assert_string_equal(snap.error, "API: HTTP 500");
    assert_int_equal(snap.n_nets, 2);
    assert_int_equal(snap.nets[0].state, LOOK_STATE_NORMAL);
    assert_true(status_org_unmanaged(&snap, "L_9"));
    status_org_clear(&snap);
}

static void test_render_json(void **state)
{
    status_org o;
    char alert[] = "a-1";
    (void)state;

    assert_int_equal(status_org_init(&o, "1001", "Acme"), STATUS_OK);
    reconcile_three(&o);
    status_org_acted(&o, "L_2", POLICY_FAILOVER, T);
    status_confirming c = {.active = true, .since = T + 5, .alert_id = alert, .looks = 3};
    assert_int_equal(status_org_confirming(&o, "L_1", &c), STATUS_OK);
    const status_org *orgs[] = {&o};
    char *text = status_render_json(orgs, 1, false);
    assert_non_null(text);
    struct json_object *doc = json_tokener_parse(text);
    assert_non_null(doc);

    struct json_object *l1 = doc_net(doc, "L_1"), *l2 = doc_net(doc, "L_2"), *conf;
    assert_non_null(l1);
    assert_non_null(l2);
    assert_null(doc_net(doc, "L_9")); /* unmanaged networks are not listed */
    assert_string_equal(field(l1, "name"), "Branch 1");
    assert_string_equal(field(l1, "state"), "normal");
    assert_string_equal(field(l1, "reason"), "loss_over_threshold");
    assert_string_equal(field(l1, "primary_site"), "london");
    assert_string_equal(field(l1, "backup_site"), "paris");
    assert_string_equal(field(l1, "tracked_ip"), "203.0.113.10");
    assert_string_equal(field(l1, "worst_loss_pct"), "45.0");
    assert_string_equal(field(l1, "would"), "failover");
    assert_string_equal(field(l1, "last_action"), "<null>");
    assert_string_equal(field(l1, "last_action_at"), "<null>");
    assert_true(json_object_object_get_ex(l1, "confirming", &conf));
    assert_string_equal(field(conf, "since"), "2023-11-14T22:13:25Z");
    assert_string_equal(field(conf, "alert_id"), "a-1");
    assert_string_equal(field(conf, "looks"), "3");
    assert_string_equal(field(conf, "evidence"), "series");
    assert_string_equal(field(l2, "name"), "<null>");
    assert_string_equal(field(l2, "state"), "failed_over");
    assert_string_equal(field(l2, "worst_loss_pct"), "<null>");
    assert_string_equal(field(l2, "last_action"), "failover");
    assert_string_equal(field(l2, "last_action_at"), "2023-11-14T22:13:20Z");
    assert_string_equal(field(l2, "confirming"), "<null>");
    /* A retag makes the due moment unknown until the next look. */
    assert_string_equal(field(l2, "failback_due_at"), "<null>");
    assert_string_equal(field(l1, "failback_due_at"), "<null>");
    json_object_put(doc);
    free(text);

    /* An organization whose reconcile failed carries its error; no organizations at all is
     * an empty list, not nothing. */
    assert_int_equal(status_org_failed(&o, "boom"), STATUS_OK);
    text = status_render_json(orgs, 1, true);
    assert_non_null(strstr(text, "\"error\":\"boom\""));
    assert_non_null(strchr(text, '\n')); /* pretty: one field a line */
    free(text);
    text = status_render_json(NULL, 0, false);
    assert_string_equal(text, "{\"organizations\":[]}");
    free(text);
    status_org_clear(&o);
}

static void test_render_table(void **state)
{
    status_org o, empty, failed;
    (void)state;

    assert_int_equal(status_org_init(&o, "1001", "Acme"), STATUS_OK);
    assert_int_equal(status_org_init(&empty, "1002", NULL), STATUS_OK);
    assert_int_equal(status_org_init(&failed, "1003", NULL), STATUS_OK);
    assert_int_equal(status_org_failed(&failed, "API: HTTP 401"), STATUS_OK);
    reconcile_three(&o);
    const status_org *orgs[] = {&o, &empty, &failed};
    char *text = status_render_table(orgs, 3);
    assert_non_null(text);
    assert_non_null(strstr(text, "organization 1001 (Acme)\n"));
    assert_non_null(strstr(text, "NETWORK"));
    assert_non_null(strstr(text, "london > paris"));
    assert_non_null(strstr(text, "45.0%"));
    assert_non_null(strstr(text, "loss_over_threshold"));
    assert_non_null(strstr(text, "failed_over"));
    assert_null(strstr(text, "L_9"));
    assert_non_null(strstr(text, "organization 1002\n  no managed network\n"));
    assert_non_null(strstr(text, "organization 1003\n  error: API: HTTP 401\n"));
    free(text);
    text = status_render_table(NULL, 0);
    assert_string_equal(text, "");
    free(text);
    status_org_clear(&o);
    status_org_clear(&empty);
    status_org_clear(&failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reconciled),
        cmocka_unit_test(test_action_shows_at_once_and_survives_the_next_reconcile),
        cmocka_unit_test(test_confirming_and_looked),
        cmocka_unit_test(test_copy_is_deep),
        cmocka_unit_test(test_failback_due),
        cmocka_unit_test(test_render_json),
        cmocka_unit_test(test_render_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
