/*
 * test_status.c - the status model (status.h): what a reconcile, a confirmation's look, a
 * retag and a confirmation do to it, the snapshot copy, and both renderings (the /status
 * document and the `status` table) from the same struct; the loss series a look leaves in it
 * and their /status/series document.
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

#include "tagfailover/caps.h"
#include "tagfailover/config.h"
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

/* ---- The loss series ----------------------------------------------------------------------- */

/* One loss item of (network, uplink, ip): samples every second over [from, to], each from
 * loss(ts) (negative: null). */
static void series_item(dj_loss_item *it, const char *net_id, const char *uplink, const char *ip,
                        int64_t from, int64_t to, double (*loss)(int64_t))
{
    memset(it, 0, sizeof(*it));
    it->network_id = strdup(net_id);
    it->uplink = strdup(uplink);
    it->ip = strdup(ip);
    it->n = (size_t)(to - from + 1);
    it->samples = calloc(it->n, sizeof(*it->samples));
    assert_non_null(it->samples);
    for (size_t i = 0; i < it->n; i++) {
        int64_t ts = from + (int64_t)i;
        double l = loss(ts);
        it->samples[i] = (policy_sample){.ts = ts, .has_loss = l >= 0, .loss_pct = l >= 0 ? l : 0};
    }
}

static void series_items_free(dj_loss_item *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].network_id);
        free(v[i].uplink);
        free(v[i].ip);
        free(v[i].samples);
    }
}

/* wan1: no loss but 45 % at T-2 and no data at T-1; wan2: no data but 10 % at T-2. */
static double wan1_loss(int64_t ts)
{
    return ts == T - 2 ? 45 : ts == T - 1 ? -1 : 0;
}
static double wan2_loss(int64_t ts)
{
    return ts == T - 2 ? 10 : -1;
}
/* The backup's IP, lossy throughout: never part of the primary's series. */
static double backup_loss(int64_t ts)
{
    (void)ts;
    return 80;
}

static void set_tags(dj_network *n, const char *const *tags)
{
    for (; *tags != NULL; tags++)
        assert_int_equal(tags_list_push(&n->tags, *tags), TAGS_OK);
}

/* The JSON text of `key` of the series document's network `id` (first organization), or NULL
 * when the network is not in it. */
static const char *series_of(struct json_object *doc, const char *id, const char *key)
{
    struct json_object *n = doc_net(doc, id), *v;
    if (n == NULL)
        return NULL;
    assert_true(json_object_object_get_ex(n, key, &v));
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void test_series_from_the_look(void **state)
{
    (void)state;
    config cfg;
    assert_int_equal(config_defaults(&cfg), CONFIG_OK);
    cfg.detect_window_s = 6;
    cfg.uplinks_active = false;
    char *uplinks[] = {"wan1", "wan2"};
    config_strs saved = cfg.uplinks;
    cfg.uplinks = (config_strs){.v = uplinks, .n = 2};

    dj_peer peers[2] = {{.public_ip = "203.0.113.10"}, {.public_ip = "198.51.100.20"}};
    assert_int_equal(tags_list_push(&peers[0].network_tags, "london_primary_up"), TAGS_OK);
    assert_int_equal(tags_list_push(&peers[1].network_tags, "paris_backup_up"), TAGS_OK);
    dj_network nets[3] = {net("L_1", "Branch 1"), net("L_9", "Printer"), net("L_6", "Tokyo")};
    set_tags(&nets[0], (const char *const[]){"london_primary_up", "paris_backup_down", NULL});
    set_tags(&nets[1], (const char *const[]){"printer", NULL});
    set_tags(&nets[2], (const char *const[]){"tokyo_primary_up", "paris_backup_down", NULL});
    dj_loss_item items[4];
    series_item(&items[0], "L_1", "wan1", "203.0.113.10", T - 20, T, wan1_loss);
    series_item(&items[1], "L_1", "wan2", "203.0.113.10", T - 20, T, wan2_loss);
    series_item(&items[2], "L_1", "wan1", "198.51.100.20", T - 20, T, backup_loss);
    series_item(&items[3], "L_9", "wan1", "203.0.113.10", T - 20, T, backup_loss);
    look_data d = {.loss = items, .n_loss = 4, .peers = peers, .n_peers = 2, .peers_read = true};
    look_ctx *ctx;
    look_result r[3];
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(look_network(ctx, &nets[i], T, &r[i]), LOOK_OK);

    status_org o, copy;
    assert_int_equal(status_org_init(&o, "1001", "Acme"), STATUS_OK);
    assert_int_equal(status_org_reconciled(&o, nets, r, 3), STATUS_OK);
    assert_int_equal(o.n_nets, 2); /* L_9 is not managed */
    /* Before the series are set, the document lists no network. */
    const status_org *orgs[] = {&o};
    char *text = status_render_series_json(orgs, 1, 30, 6);
    assert_non_null(text);
    assert_string_equal(text, "{\"loss_threshold_pct\":30.0,\"detect_window_s\":6,"
                              "\"organizations\":[{\"id\":\"1001\",\"networks\":[]}]}");
    free(text);

    assert_int_equal(status_org_series(&o, ctx, nets, r, 3, T), STATUS_OK);
    assert_int_equal(status_org_copy(&o, &copy), STATUS_OK);
    const status_org *both[] = {&o, &copy};
    for (size_t k = 0; k < 2; k++) {
        text = status_render_series_json(&both[k], 1, 30, 6);
        assert_non_null(text);
        struct json_object *doc = json_tokener_parse(text);
        free(text);
        assert_non_null(doc);
        /* The detect window [T-6, T], one sample a second: at each the worst of wan1 and wan2
         * (45 beats 10; a loss, even 0, beats no data; both without data stay null); the
         * backup's IP never shows. */
        char want[256];
        snprintf(want, sizeof(want),
                 "[[%lld,0.0],[%lld,0.0],[%lld,0.0],[%lld,0.0],[%lld,45.0],[%lld,null],[%lld,0.0]]",
                 (long long)(T - 6), (long long)(T - 5), (long long)(T - 4), (long long)(T - 3),
                 (long long)(T - 2), (long long)(T - 1), (long long)T);
        assert_string_equal(series_of(doc, "L_1", "samples"), want);
        assert_string_equal(series_of(doc, "L_1", "tracked_ip"), "\"203.0.113.10\"");
        snprintf(want, sizeof(want), "%lld", (long long)(T - 6));
        assert_string_equal(series_of(doc, "L_1", "t0"), want);
        snprintf(want, sizeof(want), "%lld", (long long)T);
        assert_string_equal(series_of(doc, "L_1", "t1"), want);
        /* No tracked IP: listed, with nothing to draw. */
        assert_string_equal(series_of(doc, "L_6", "tracked_ip"), "null");
        assert_string_equal(series_of(doc, "L_6", "samples"), "[]");
        assert_null(series_of(doc, "L_9", "samples"));
        json_object_put(doc);
    }
    /* The copy is deep. */
    assert_int_equal(copy.nets[0].n_series, 7);
    assert_ptr_not_equal(copy.nets[0].series, o.nets[0].series);

    /* The next look replaces the entry: its series are those the next status_org_series sets,
     * never the old ones. */
    assert_int_equal(status_org_looked(&o, &nets[0], &r[0]), STATUS_OK);
    assert_false(status_org_find(&o, "L_1")->has_series);
    assert_int_equal(status_org_series(&o, ctx, &nets[0], &r[0], 1, T), STATUS_OK);
    assert_int_equal(status_org_find(&o, "L_1")->n_series, 7);

    status_org_clear(&o);
    status_org_clear(&copy);
    look_ctx_free(ctx);
    series_items_free(items, 4);
    for (size_t i = 0; i < 3; i++)
        tags_list_free(&nets[i].tags);
    tags_list_free(&peers[0].network_tags);
    tags_list_free(&peers[1].network_tags);
    cfg.uplinks = saved;
    config_free(&cfg);
}

/* One sample of 100 % and one null in an hour of 1-s samples, otherwise clean. */
static double hour_loss(int64_t ts)
{
    return ts == T - 1234 ? 100 : ts == T - 77 ? -1 : 0;
}

static void test_series_thinned_keeps_the_peak(void **state)
{
    (void)state;
    config cfg;
    assert_int_equal(config_defaults(&cfg), CONFIG_OK);
    cfg.detect_window_s = 3600;
    cfg.uplinks_active = false;
    char *uplinks[] = {"wan1"};
    config_strs saved = cfg.uplinks;
    cfg.uplinks = (config_strs){.v = uplinks, .n = 1};
    dj_peer peer = {.public_ip = "203.0.113.10"};
    assert_int_equal(tags_list_push(&peer.network_tags, "london_primary_up"), TAGS_OK);
    dj_network n = net("L_1", NULL);
    set_tags(&n, (const char *const[]){"london_primary_up", "paris_backup_down", NULL});
    dj_loss_item item;
    series_item(&item, "L_1", "wan1", "203.0.113.10", T - 3600, T, hour_loss);
    look_data d = {.loss = &item, .n_loss = 1, .peers = &peer, .n_peers = 1};
    look_ctx *ctx;
    look_result r;
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    assert_int_equal(look_network(ctx, &n, T, &r), LOOK_OK);
    status_org o;
    assert_int_equal(status_org_init(&o, "1001", NULL), STATUS_OK);
    assert_int_equal(status_org_reconciled(&o, &n, &r, 1), STATUS_OK);
    assert_int_equal(status_org_series(&o, ctx, &n, &r, 1, T), STATUS_OK);

    /* 3,601 samples become at most TF_STATUS_SERIES_MAX, in ts order, and the 100 % one is
     * still there: thinning keeps each run's worst. A run of clean samples and one null
     * keeps a clean one (a loss beats no data). */
    const status_network *e = status_org_find(&o, "L_1");
    assert_true(e->n_series > TF_STATUS_SERIES_MAX / 2 && e->n_series <= TF_STATUS_SERIES_MAX);
    size_t peaks = 0, nulls = 0;
    for (size_t i = 0; i < e->n_series; i++) {
        if (i > 0)
            assert_true(e->series[i].ts > e->series[i - 1].ts);
        peaks += e->series[i].has_loss && e->series[i].loss_pct == 100;
        nulls += !e->series[i].has_loss;
        if (e->series[i].has_loss && e->series[i].loss_pct == 100)
            assert_int_equal(e->series[i].ts, T - 1234);
    }
    assert_int_equal(peaks, 1);
    assert_int_equal(nulls, 0);

    status_org_clear(&o);
    look_ctx_free(ctx);
    series_items_free(&item, 1);
    tags_list_free(&n.tags);
    tags_list_free(&peer.network_tags);
    cfg.uplinks = saved;
    config_free(&cfg);
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
        cmocka_unit_test(test_series_from_the_look),
        cmocka_unit_test(test_series_thinned_keeps_the_peak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
