/*
 * test_look.c - one organization's data to a decision per network (look.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/look.h"

#define T1 1700000000

/* A small organization: peers London (primary) and Paris (backup). */
static dj_peer peers[2];
static config cfg;

static void set_tags(tags_list *l, const char *const *tags)
{
    for (; *tags != NULL; tags++)
        assert_int_equal(tags_list_push(l, *tags), TAGS_OK);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(config_defaults(&cfg), CONFIG_OK);
    cfg.detect_window_s = 6;
    cfg.clean_window_s = 6;
    memset(peers, 0, sizeof(peers));
    peers[0].name = strdup("London DC");
    peers[0].public_ip = strdup("203.0.113.10");
    set_tags(&peers[0].network_tags, (const char *const[]){"london_primary_up", NULL});
    peers[1].name = strdup("Paris DC");
    peers[1].public_ip = strdup("198.51.100.20");
    set_tags(&peers[1].network_tags, (const char *const[]){"other", "paris_backup_up", NULL});
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    config_free(&cfg);
    for (size_t i = 0; i < 2; i++) {
        free(peers[i].name);
        free(peers[i].public_ip);
        tags_list_free(&peers[i].network_tags);
    }
    return 0;
}

/* A loss item with samples every `spacing` seconds ending at T1, all at `loss` (negative:
 * null), except that `bad_ts` (if not 0) has `bad_loss`. */
static void make_item(dj_loss_item *it, const char *net, const char *uplink, const char *ip,
                      int64_t from, int64_t to, int64_t spacing, double loss, int64_t bad_ts,
                      double bad_loss)
{
    memset(it, 0, sizeof(*it));
    it->network_id = strdup(net);
    it->uplink = strdup(uplink);
    it->ip = strdup(ip);
    it->n = (size_t)((to - from) / spacing + 1);
    it->samples = calloc(it->n, sizeof(*it->samples));
    for (size_t i = 0; i < it->n; i++) {
        int64_t ts = from + (int64_t)i * spacing;
        double l = ts == bad_ts ? bad_loss : loss;
        it->samples[i].ts = ts;
        it->samples[i].has_loss = l >= 0;
        it->samples[i].loss_pct = l >= 0 ? l : 0;
    }
}

static void free_items(dj_loss_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(items[i].network_id);
        free(items[i].uplink);
        free(items[i].ip);
        free(items[i].samples);
    }
}

static void make_network(dj_network *n, const char *id, const char *const *tags)
{
    memset(n, 0, sizeof(*n));
    n->id = strdup(id);
    set_tags(&n->tags, tags);
}

static void make_appliance(dj_appliance *a, const char *net, const char *const *pairs)
{
    memset(a, 0, sizeof(*a));
    a->network_id = strdup(net);
    size_t n = 0;
    while (pairs[2 * n] != NULL)
        n++;
    a->uplinks = calloc(n, sizeof(*a->uplinks));
    a->n_uplinks = n;
    for (size_t i = 0; i < n; i++) {
        a->uplinks[i].interface = strdup(pairs[2 * i]);
        a->uplinks[i].status = strdup(pairs[2 * i + 1]);
    }
}

static void free_appliance(dj_appliance *a)
{
    for (size_t i = 0; i < a->n_uplinks; i++) {
        free(a->uplinks[i].interface);
        free(a->uplinks[i].status);
    }
    free(a->uplinks);
    free(a->network_id);
}

static const char *const normal_tags[] = {"retail", "london_primary_up", "paris_backup_down", NULL};
static const char *const failed_tags[] = {"london_primary_down", "paris_backup_up", NULL};

static void test_tracked_ip(void **state)
{
    (void)state;
    assert_string_equal(look_tracked_ip(&cfg, peers, 2, "london", TAGS_ROLE_PRIMARY),
                        "203.0.113.10");
    assert_string_equal(look_tracked_ip(&cfg, peers, 2, "paris", TAGS_ROLE_BACKUP),
                        "198.51.100.20");
    /* The London peer is tagged for the primary role only. */
    assert_null(look_tracked_ip(&cfg, peers, 2, "london", TAGS_ROLE_BACKUP));
    assert_null(look_tracked_ip(&cfg, peers, 2, "tokyo", TAGS_ROLE_PRIMARY));

    /* A [site london] section overrides discovery. */
    config c2;
    char err[512] = "";
    static const char text[] = "[dashboard]\napi_key = k\n[listener]\nmode = off\n"
                               "[site london]\ntracked_ip = 192.0.2.99\n";
    assert_int_equal(
        config_parse(text, sizeof text - 1, "t.conf", NULL, NULL, &c2, err, sizeof(err)),
        CONFIG_OK);
    assert_string_equal(look_tracked_ip(&c2, peers, 2, "london", TAGS_ROLE_PRIMARY), "192.0.2.99");
    config_free(&c2);
}

/* One row: where the loss is, which uplinks are active, what is configured, and the answer. */
typedef struct {
    const char *name;
    const char *const *tags;
    const char *loss_uplink; /* the uplink that carries loss 45 at T1-2 */
    const char *wan2_status; /* wan1 is always active */
    int list_mode;           /* 1: uplinks = wan1,wan2 */
    policy_action action;
    tf_reason reason;
} uplink_case;

static void test_considered_uplinks(void **state)
{
    (void)state;
    static const uplink_case cases[] = {
        {"loss on active wan1", normal_tags, "wan1", "ready", 0, POLICY_FAILOVER,
         TF_REASON_LOSS_OVER_THRESHOLD},
        {"loss on standby wan2 ignored", normal_tags, "wan2", "ready", 0, POLICY_NONE,
         TF_REASON_OK},
        {"loss on wan2 once active", normal_tags, "wan2", "active", 0, POLICY_FAILOVER,
         TF_REASON_LOSS_OVER_THRESHOLD},
        {"configured list counts wan2", normal_tags, "wan2", "ready", 1, POLICY_FAILOVER,
         TF_REASON_LOSS_OVER_THRESHOLD},
        {"failed over, loss on standby does not block failback", failed_tags, "wan2", "ready", 0,
         POLICY_FAILBACK, TF_REASON_CLEAN_WINDOW},
        {"failed over, loss on active blocks failback", failed_tags, "wan1", "ready", 0,
         POLICY_NONE, TF_REASON_LOSS_OVER_THRESHOLD},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const uplink_case *c = &cases[i];
        dj_network net;
        dj_appliance app;
        dj_loss_item items[2];
        make_network(&net, "L_1", c->tags);
        make_appliance(&app, "L_1",
                       (const char *const[]){"wan1", "active", "wan2", c->wan2_status, NULL});
        int bad1 = strcmp(c->loss_uplink, "wan1") == 0;
        make_item(&items[0], "L_1", "wan1", "203.0.113.10", T1 - 20, T1, 1, 0, bad1 ? T1 - 2 : 0,
                  45);
        make_item(&items[1], "L_1", "wan2", "203.0.113.10", T1 - 20, T1, 1, 0, bad1 ? 0 : T1 - 2,
                  45);
        cfg.uplinks_active = !c->list_mode;
        config_strs saved = cfg.uplinks;
        char *list[] = {"wan1", "wan2"};
        if (c->list_mode)
            cfg.uplinks = (config_strs){.v = list, .n = 2};

        look_data d = {.appliances = &app,
                       .n_appliances = 1,
                       .loss = items,
                       .n_loss = 2,
                       .peers = peers,
                       .n_peers = 2};
        look_ctx *ctx;
        look_result r;
        assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
        assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
        if (r.decision.action != c->action || r.decision.reason != c->reason)
            fail_msg("%s: got %s/%s (%s)", c->name, policy_action_name(r.decision.action),
                     tf_reason_name(r.decision.reason), r.decision.why);
        look_ctx_free(ctx);

        cfg.uplinks = saved;
        cfg.uplinks_active = true;
        free_items(items, 2);
        free_appliance(&app);
        dj_network_clear(&net);
    }
}

/* A failover needs no appliance data when the list is configured; with `active` and no
 * appliance reported, nothing is considered and nothing is proven. */
static void test_no_active_uplink(void **state)
{
    (void)state;
    dj_network net;
    dj_loss_item item;
    make_network(&net, "L_1", failed_tags);
    make_item(&item, "L_1", "wan1", "203.0.113.10", T1 - 20, T1, 1, 0, 0, 0);
    look_data d = {.loss = &item, .n_loss = 1, .peers = peers, .n_peers = 2};
    look_ctx *ctx;
    look_result r;
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
    assert_int_equal(r.decision.action, POLICY_NONE);
    assert_int_equal(r.decision.reason, TF_REASON_NO_DATA);
    assert_int_equal(r.n_considered, 0);
    look_ctx_free(ctx);
    free_items(&item, 1);
    dj_network_clear(&net);
}

/* Two chunks share a boundary second; the worse of the two samples is kept, and a window
 * that spans both chunks is covered. */
static void test_chunk_merge(void **state)
{
    (void)state;
    dj_network net;
    dj_appliance app;
    dj_loss_item items[3];
    make_network(&net, "L_1", failed_tags);
    make_appliance(&app, "L_1", (const char *const[]){"wan1", "active", NULL});
    cfg.clean_window_s = 10;
    make_item(&items[0], "L_1", "wan1", "203.0.113.10", T1 - 10, T1 - 5, 1, 0, 0, 0);
    make_item(&items[1], "L_1", "wan1", "203.0.113.10", T1 - 5, T1, 1, 0, 0, 0);
    make_item(&items[2], "L_9", "wan1", "203.0.113.10", T1 - 10, T1, 1, 80, 0, 0);
    look_data d = {.appliances = &app,
                   .n_appliances = 1,
                   .loss = items,
                   .n_loss = 3,
                   .peers = peers,
                   .n_peers = 2};
    look_ctx *ctx;
    look_result r;
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
    assert_int_equal(r.decision.action, POLICY_FAILBACK);
    look_ctx_free(ctx);

    /* The same boundary second reported lossy by the second chunk blocks the failback. */
    items[1].samples[0].loss_pct = 12;
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
    assert_int_equal(r.decision.action, POLICY_NONE);
    assert_int_equal(r.decision.reason, TF_REASON_LOSS_OVER_THRESHOLD);
    look_ctx_free(ctx);

    cfg.clean_window_s = 6;
    free_items(items, 3);
    free_appliance(&app);
    dj_network_clear(&net);
}

/* The backup's loss, on the same considered uplinks, feeds the guard. */
static void test_backup_guard(void **state)
{
    (void)state;
    dj_network net;
    dj_appliance app;
    dj_loss_item items[2];
    make_network(&net, "L_1", normal_tags);
    make_appliance(&app, "L_1", (const char *const[]){"wan1", "active", NULL});
    make_item(&items[0], "L_1", "wan1", "203.0.113.10", T1 - 10, T1, 1, 50, 0, 0);
    make_item(&items[1], "L_1", "wan1", "198.51.100.20", T1 - 10, T1, 1, 60, 0, 0);
    look_data d = {.appliances = &app,
                   .n_appliances = 1,
                   .loss = items,
                   .n_loss = 2,
                   .peers = peers,
                   .n_peers = 2};
    look_ctx *ctx;
    look_result r;
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
    assert_string_equal(r.backup_ip, "198.51.100.20");
    assert_int_equal(r.decision.action, POLICY_NONE);
    assert_int_equal(r.decision.reason, TF_REASON_BACKUP_UNHEALTHY);
    look_ctx_free(ctx);

    cfg.require_backup_healthy = false;
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
    assert_int_equal(r.decision.action, POLICY_FAILOVER);
    look_ctx_free(ctx);
    cfg.require_backup_healthy = true;

    free_items(items, 2);
    free_appliance(&app);
    dj_network_clear(&net);
}

/* States that cannot act, and the state /status and the metrics name for each. */
static void test_states(void **state)
{
    (void)state;
    static const char *const plain[] = {"retail", NULL};
    static const char *const held[] = {"london_primary_up", "paris_backup_down", "tagfailover_hold",
                                       NULL};
    static const char *const both_up[] = {"london_primary_up", "paris_backup_up", NULL};
    static const char *const unknown_site[] = {"tokyo_primary_up", "paris_backup_down", NULL};
    const struct {
        const char *const *tags;
        look_state state;
        tf_reason reason;
    } cases[] = {
        {plain, LOOK_STATE_UNMANAGED, TF_REASON_OK},
        {held, LOOK_STATE_HELD, TF_REASON_HOLD_TAG},
        {both_up, LOOK_STATE_INVALID, TF_REASON_BOTH_UP},
        {unknown_site, LOOK_STATE_NO_TRACKED_IP, TF_REASON_NO_TRACKED_IP},
        {normal_tags, LOOK_STATE_NORMAL, TF_REASON_OK},
    };
    dj_appliance app;
    dj_loss_item item;
    make_appliance(&app, "L_1", (const char *const[]){"wan1", "active", NULL});
    make_item(&item, "L_1", "wan1", "203.0.113.10", T1 - 10, T1, 1, 0, 0, 0);
    look_data d = {.appliances = &app,
                   .n_appliances = 1,
                   .loss = &item,
                   .n_loss = 1,
                   .peers = peers,
                   .n_peers = 2};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dj_network net;
        look_ctx *ctx;
        look_result r;
        make_network(&net, "L_1", cases[i].tags);
        assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
        assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
        assert_int_equal(r.decision.action, POLICY_NONE);
        assert_int_equal(look_network_state(&r), cases[i].state);
        if (r.decision.reason != cases[i].reason)
            fail_msg("case %zu: reason %s", i, tf_reason_name(r.decision.reason));
        look_ctx_free(ctx);
        dj_network_clear(&net);
    }
    free_items(&item, 1);
    free_appliance(&app);
}

/* Once the peers are read, a retag needs a peer where it leads: london_primary_up +
 * tokyo_backup_down at 90 % loss with no peer tagged tokyo_backup_up is left alone (no_peer),
 * even with a [site tokyo] tracked_ip; the same network fails over while the peers are not
 * known. A failback needs a peer with X_primary_up. */
static void test_no_peer(void **state)
{
    (void)state;
    static const char *const typo[] = {"london_primary_up", "tokyo_backup_down", NULL};
    static const char *const typo_failed[] = {"tokyo_primary_down", "paris_backup_up", NULL};
    config with_site;
    char err[512] = "";
    static const char text[] = "[dashboard]\napi_key = k\n[listener]\nmode = off\n"
                               "[failover]\ndetect_window_s = 6\nclean_window_s = 6\n"
                               "[site tokyo]\ntracked_ip = 192.0.2.7\n";
    assert_int_equal(
        config_parse(text, sizeof text - 1, "t.conf", NULL, NULL, &with_site, err, sizeof(err)),
        CONFIG_OK);
    const struct {
        const char *name;
        const char *const *tags;
        const config *cfg;
        bool peers_read;
        double loss; /* on the primary's tracked IP */
        const char *ip;
        policy_action action;
        tf_reason reason;
        look_state state;
    } cases[] = {
        {"typo, peers read: left alone", typo, &cfg, true, 90, "203.0.113.10", POLICY_NONE,
         TF_REASON_NO_PEER, LOOK_STATE_NORMAL},
        {"typo, peers read, [site tokyo] tracked_ip: still no peer", typo, &with_site, true, 90,
         "203.0.113.10", POLICY_NONE, TF_REASON_NO_PEER, LOOK_STATE_NORMAL},
        {"typo, peers not read: the old behaviour", typo, &cfg, false, 90, "203.0.113.10",
         POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD, LOOK_STATE_NORMAL},
        {"the real pair, peers read: fails over", normal_tags, &cfg, true, 90, "203.0.113.10",
         POLICY_FAILOVER, TF_REASON_LOSS_OVER_THRESHOLD, LOOK_STATE_NORMAL},
        {"failed over from tokyo (tracked_ip set), no tokyo_primary_up peer: no failback",
         typo_failed, &with_site, true, 0, "192.0.2.7", POLICY_NONE, TF_REASON_NO_PEER,
         LOOK_STATE_FAILED_OVER},
        {"failed over to the real primary, clean: fails back", failed_tags, &cfg, true, 0,
         "203.0.113.10", POLICY_FAILBACK, TF_REASON_CLEAN_WINDOW, LOOK_STATE_FAILED_OVER},
    };
    dj_appliance app;
    make_appliance(&app, "L_1", (const char *const[]){"wan1", "active", NULL});
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dj_network net;
        dj_loss_item item;
        look_ctx *ctx;
        look_result r;
        make_network(&net, "L_1", cases[i].tags);
        make_item(&item, "L_1", "wan1", cases[i].ip, T1 - 10, T1, 1, cases[i].loss, 0, 0);
        look_data d = {.appliances = &app,
                       .n_appliances = 1,
                       .loss = &item,
                       .n_loss = 1,
                       .peers = peers,
                       .n_peers = 2,
                       .peers_read = cases[i].peers_read};
        assert_int_equal(look_ctx_new(&d, cases[i].cfg, &ctx), LOOK_OK);
        assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
        if (r.decision.action != cases[i].action || r.decision.reason != cases[i].reason ||
            look_network_state(&r) != cases[i].state)
            fail_msg("%s: got %s/%s/%s (%s)", cases[i].name, policy_action_name(r.decision.action),
                     tf_reason_name(r.decision.reason), look_state_name(look_network_state(&r)),
                     r.decision.why);
        look_ctx_free(ctx);
        free_items(&item, 1);
        dj_network_clear(&net);
    }
    /* An organization without any peer (read, and empty): a tracked_ip alone leads nowhere. */
    {
        static const char *const tokyo[] = {"tokyo_primary_up", "paris_backup_down", NULL};
        dj_network net;
        look_ctx *ctx;
        look_result r;
        make_network(&net, "L_1", tokyo);
        look_data d = {.appliances = &app, .n_appliances = 1, .peers_read = true};
        assert_int_equal(look_ctx_new(&d, &with_site, &ctx), LOOK_OK);
        assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
        assert_string_equal(r.tracked_ip, "192.0.2.7");
        assert_int_equal(r.decision.reason, TF_REASON_NO_PEER);
        look_ctx_free(ctx);
        dj_network_clear(&net);
    }
    assert_true(look_peer_serves(peers, 2, "paris", TAGS_ROLE_BACKUP));
    assert_false(look_peer_serves(peers, 2, "paris", TAGS_ROLE_PRIMARY));
    assert_false(look_peer_serves(peers, 2, "tokyo", TAGS_ROLE_BACKUP));
    assert_false(look_peer_serves(NULL, 0, "london", TAGS_ROLE_PRIMARY));
    free_appliance(&app);
    config_free(&with_site);
}

/* A record over a cap (dj_network.unreadable) is managed but never touched: invalid with
 * reason unreadable, whatever the loss, even with tags that would fail over. */
static void test_unreadable(void **state)
{
    (void)state;
    dj_network net;
    dj_appliance app;
    dj_loss_item item;
    look_ctx *ctx;
    look_result r;
    make_network(&net, "L_1", normal_tags);
    net.unreadable = true;
    make_appliance(&app, "L_1", (const char *const[]){"wan1", "active", NULL});
    make_item(&item, "L_1", "wan1", "203.0.113.10", T1 - 10, T1, 1, 90, 0, 0);
    look_data d = {.appliances = &app,
                   .n_appliances = 1,
                   .loss = &item,
                   .n_loss = 1,
                   .peers = peers,
                   .n_peers = 2,
                   .peers_read = true};
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
    assert_int_equal(r.decision.action, POLICY_NONE);
    assert_int_equal(r.decision.reason, TF_REASON_UNREADABLE);
    assert_int_equal(look_network_state(&r), LOOK_STATE_INVALID);
    assert_null(r.tracked_ip);
    /* The same record, readable, fails over. */
    net.unreadable = false;
    assert_int_equal(look_network(ctx, &net, T1, &r), LOOK_OK);
    assert_int_equal(r.decision.action, POLICY_FAILOVER);
    look_ctx_free(ctx);
    free_items(&item, 1);
    free_appliance(&app);
    dj_network_clear(&net);
}

/* 2,000 networks, every tenth losing packets: the index finds each network's own series. */
/* Every state has its own name, the one /status and tagfailover_networks{state} use. */
static void test_state_names(void **state)
{
    static const char *const names[] = {"normal",  "failed_over",   "held",
                                        "invalid", "no_tracked_ip", "unmanaged"};
    (void)state;
    for (int s = LOOK_STATE_NORMAL; s <= LOOK_STATE_UNMANAGED; s++)
        assert_string_equal(look_state_name((look_state)s), names[s]);
    assert_string_equal(look_state_name((look_state)(LOOK_STATE_UNMANAGED + 1)), "unknown");
    assert_string_equal(look_state_name((look_state)-1), "unknown");
    assert_int_equal(LOOK_MANAGED_STATES, 5);
}

static void test_many_networks(void **state)
{
    (void)state;
    enum { N = 2000 };
    dj_network *nets = calloc(N, sizeof(*nets));
    dj_appliance *apps = calloc(N, sizeof(*apps));
    dj_loss_item *items = calloc(N, sizeof(*items));
    char id[32];
    for (size_t i = 0; i < N; i++) {
        /* Reverse order, so the index must sort. */
        snprintf(id, sizeof(id), "L_%zu", N - i);
        make_network(&nets[i], id, normal_tags);
        make_appliance(&apps[i], id, (const char *const[]){"wan1", "active", NULL});
        make_item(&items[i], id, "wan1", "203.0.113.10", T1 - 10, T1, 1, (N - i) % 10 == 0 ? 40 : 0,
                  0, 0);
    }
    look_data d = {.appliances = apps,
                   .n_appliances = N,
                   .loss = items,
                   .n_loss = N,
                   .peers = peers,
                   .n_peers = 2};
    look_ctx *ctx;
    assert_int_equal(look_ctx_new(&d, &cfg, &ctx), LOOK_OK);
    size_t failovers = 0;
    for (size_t i = 0; i < N; i++) {
        look_result r;
        assert_int_equal(look_network(ctx, &nets[i], T1, &r), LOOK_OK);
        int lossy = (N - i) % 10 == 0;
        assert_int_equal(r.decision.action, lossy ? POLICY_FAILOVER : POLICY_NONE);
        failovers += r.decision.action == POLICY_FAILOVER;
    }
    assert_int_equal(failovers, N / 10);
    look_ctx_free(ctx);
    free_items(items, N);
    for (size_t i = 0; i < N; i++) {
        free_appliance(&apps[i]);
        dj_network_clear(&nets[i]);
    }
    free(items);
    free(apps);
    free(nets);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tracked_ip),       cmocka_unit_test(test_considered_uplinks),
        cmocka_unit_test(test_no_active_uplink), cmocka_unit_test(test_chunk_merge),
        cmocka_unit_test(test_backup_guard),     cmocka_unit_test(test_states),
        cmocka_unit_test(test_many_networks),    cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_no_peer),          cmocka_unit_test(test_unreadable),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
