/*
 * reconciler.c - reads, decisions and retags for one organization. See reconciler.h.
 *
 * Why the retag re-decides after its GET: the look that called for the retag may be seconds
 * old (a confirmation) or a whole page of networks old (a reconcile), and a person may have
 * swapped, held or edited the network meanwhile. The GET is the only fresh truth, so the
 * decision is made again from its tags with the same loss data; only then is the whole list
 * written back, and the answer checked.
 */
#include "tagfailover/reconciler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/log.h"

/* Most chunks one look may need: 86,400-s windows (the config's ceiling) / 300 s, plus one. */
#define RC_MAX_CHUNKS 300

const char *rc_strerror(rc_err e)
{
    switch (e) {
    case RC_OK:
        return "success";
    case RC_ERR_API:
        return "Dashboard API call failed";
    case RC_ERR_STATE:
        return "the network's tags do not allow this action";
    case RC_ERR_VERIFY:
        return "the API answered the PUT with other tags than the ones sent";
    case RC_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

void rc_dash_options(const config *cfg, dash_options *out)
{
    memset(out, 0, sizeof(*out));
    out->base_url = cfg->base_url;
    out->api_key = cfg->api_key;
    out->timeout_s = cfg->timeout_s;
    /* The client reads 0 as "the default"; a configured 0 means no retry at all. */
    out->max_retries = cfg->max_retries > 0 ? cfg->max_retries : -1;
    out->ca_file = cfg->ca_file;
    out->requests_per_second = cfg->requests_per_second;
    out->requests_burst = cfg->requests_burst;
}

void rc_strs_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void rc_peer_cache_free(rc_peer_cache *c)
{
    dj_peers_free(c->peers, c->n_peers);
    memset(c, 0, sizeof(*c));
}

void rc_data_free(rc_data *d)
{
    dj_networks_free(d->networks, d->n_networks);
    dj_appliances_free(d->appliances, d->n_appliances);
    dj_loss_free(d->loss, d->n_loss);
    memset(d, 0, sizeof(*d));
}

void rc_action_log_free(rc_action_log *log)
{
    for (size_t i = 0; i < log->n; i++)
        free(log->v[i].network_id);
    free(log->v);
    log->v = NULL;
    log->n = 0;
}

static const rc_action *rc_action_find(const rc_action_log *log, const char *network_id)
{
    if (log == NULL)
        return NULL;
    for (size_t i = 0; i < log->n; i++)
        if (strcmp(log->v[i].network_id, network_id) == 0)
            return &log->v[i];
    return NULL;
}

/* Records the action; a failure to record is harmless (the entry is informational). */
static void rc_action_record(rc_action_log *log, const char *network_id, policy_action a)
{
    if (log == NULL)
        return;
    rc_action *found = (rc_action *)rc_action_find(log, network_id);
    if (found == NULL) {
        char *id = strdup(network_id);
        rc_action *v = id != NULL ? realloc(log->v, (log->n + 1) * sizeof(*v)) : NULL;
        if (v == NULL) {
            free(id);
            return;
        }
        log->v = v;
        found = &log->v[log->n++];
        found->network_id = id;
    }
    found->action = a;
    found->at = time(NULL);
}

/* Moves `n` items of `src` to the end of *dst (the items' members change owner). */
static rc_err rc_append_loss(rc_data *d, dj_loss_item *src, size_t n)
{
    if (n == 0) {
        free(src);
        return RC_OK;
    }
    dj_loss_item *v = realloc(d->loss, (d->n_loss + n) * sizeof(*v));
    if (v == NULL) {
        dj_loss_free(src, n);
        return RC_ERR_NOMEM;
    }
    memcpy(v + d->n_loss, src, n * sizeof(*v));
    free(src);
    d->loss = v;
    d->n_loss += n;
    return RC_OK;
}

/* Fills the peer cache when it is empty, older than RC_PEERS_TTL_S, or older than
 * RC_PEERS_RETRY_S while some tracked IP was unknown. A failed re-read keeps the old list. */
static rc_err rc_peers(const rc_env *env, const char *org_id, rc_peer_cache *c, double now_mono,
                       dash_error *err)
{
    double age = now_mono - c->read_at;
    if (c->have && age < RC_PEERS_TTL_S && !(c->want_refresh && age >= RC_PEERS_RETRY_S))
        return RC_OK;

    dj_peer *peers = NULL;
    size_t n = 0;
    if (dash_get_peers(env->client, org_id, &peers, &n, err) != DASH_OK) {
        if (!c->have)
            return RC_ERR_API;
        log_msg(LOG_WARN, "peers_stale", "org %s: keeping the peers read %.0f s ago: %s", org_id,
                age, err->message);
        return RC_OK;
    }
    dj_peers_free(c->peers, c->n_peers);
    c->peers = peers;
    c->n_peers = n;
    c->have = true;
    c->read_at = now_mono;
    c->want_refresh = false;
    return RC_OK;
}

rc_err rc_read(const rc_env *env, const char *org_id, rc_peer_cache *peers, bool with_networks,
               time_t now, double now_mono, rc_data *out, dash_error *err)
{
    const config *cfg = env->cfg;
    policy_chunk chunks[RC_MAX_CHUNKS];
    rc_err rc = RC_OK;

    memset(out, 0, sizeof(*out));
    policy_look_range((int64_t)now, cfg->data_lag_s, cfg->detect_window_s, cfg->clean_window_s,
                      &out->t0, &out->t1);

    if (with_networks && dash_list_networks(env->client, org_id, NULL, DASH_TAGS_ANY,
                                            &out->networks, &out->n_networks, err) != DASH_OK) {
        rc = RC_ERR_API;
        goto out;
    }
    if (cfg->uplinks_active && dash_list_uplink_statuses(env->client, org_id, &out->appliances,
                                                         &out->n_appliances, err) != DASH_OK) {
        rc = RC_ERR_API;
        goto out;
    }
    size_t n_chunks = policy_chunks(out->t0, out->t1, chunks, RC_MAX_CHUNKS);
    if (n_chunks > RC_MAX_CHUNKS)
        n_chunks = RC_MAX_CHUNKS;
    for (size_t i = 0; i < n_chunks; i++) {
        dj_loss_item *items = NULL;
        size_t n = 0;
        if (dash_get_loss(env->client, org_id, chunks[i].t0, chunks[i].t1, NULL, NULL, &items, &n,
                          err) != DASH_OK) {
            rc = RC_ERR_API;
            goto out;
        }
        rc = rc_append_loss(out, items, n);
        if (rc != RC_OK)
            goto out;
    }
    rc = rc_peers(env, org_id, peers, now_mono, err);
    if (rc != RC_OK)
        goto out;

    out->look = (look_data){
        .appliances = out->appliances,
        .n_appliances = out->n_appliances,
        .loss = out->loss,
        .n_loss = out->n_loss,
        .peers = peers->peers,
        .n_peers = peers->n_peers,
    };
out:
    if (rc != RC_OK)
        rc_data_free(out);
    return rc;
}

static struct json_object *rc_tags_json(const tags_list *l)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; a != NULL && i < l->n; i++)
        json_object_array_add(a, json_object_new_string(l->v[i]));
    return a;
}

static struct json_object *rc_string_or_null(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

static const char *rc_trigger_name(metrics_trigger t)
{
    switch (t) {
    case METRICS_TRIGGER_WEBHOOK:
        return "webhook";
    case METRICS_TRIGGER_RECONCILE:
        return "reconcile";
    default:
        return "manual";
    }
}

/* Logs the DESIGN section 9 line of one retag. */
static void rc_log_retag(const rc_env *env, const char *org_id, const dj_network *net,
                         policy_action action, const tags_list *after, bool has_loss,
                         double loss_pct, const rc_trigger *trigger)
{
    char trig[TF_ID_MAX_LEN + 16];
    if (trigger->kind == METRICS_TRIGGER_WEBHOOK)
        snprintf(trig, sizeof(trig), "webhook:%s",
                 trigger->alert_id != NULL ? trigger->alert_id : "");
    else
        snprintf(trig, sizeof(trig), "%s", rc_trigger_name(trigger->kind));

    struct json_object *f = json_object_new_object();
    if (f == NULL)
        return;
    json_object_object_add(f, "network_id", json_object_new_string(net->id));
    json_object_object_add(f, "network_name", rc_string_or_null(net->name));
    json_object_object_add(f, "org_id", json_object_new_string(org_id));
    json_object_object_add(f, "tags_before", rc_tags_json(&net->tags));
    json_object_object_add(f, "tags_after", rc_tags_json(after));
    json_object_object_add(f, "loss_pct", has_loss ? json_object_new_double(loss_pct) : NULL);
    json_object_object_add(f, "trigger", json_object_new_string(trig));
    json_object_object_add(f, "dry_run", json_object_new_boolean(env->dry_run));
    log_event(LOG_INFO, action == POLICY_FAILOVER ? "failover" : "failback", f);
}

/* Computes the list a manual command writes, from the fresh tags alone. Sets *nothing when the
 * network is already where the command wants it, hold tag included. */
static rc_err rc_manual_target(const config *cfg, const tags_list *tags, policy_action want,
                               tags_hold_op hold, tags_list *target, bool *nothing, char *why,
                               size_t why_len)
{
    tags_info base;
    /* The hold tag does not stop an operator: judge the pair as if it were absent. */
    tags_classify(tags, NULL, &base);
    tags_state from = want == POLICY_FAILOVER ? TAGS_NORMAL : TAGS_FAILED_OVER;
    tags_state already = want == POLICY_FAILOVER ? TAGS_FAILED_OVER : TAGS_NORMAL;
    const char *hold_tag = hold == TAGS_HOLD_KEEP ? NULL : cfg->hold_tag;

    *nothing = false;
    if (base.state == from) {
        tags_swap_dir dir = want == POLICY_FAILOVER ? TAGS_SWAP_FAILOVER : TAGS_SWAP_FAILBACK;
        tags_err te = tags_swap(tags, dir, hold, hold_tag, target);
        if (te == TAGS_ERR_NOMEM)
            return RC_ERR_NOMEM;
        if (te != TAGS_OK) {
            snprintf(why, why_len, "%s", tags_strerror(te));
            return RC_ERR_STATE;
        }
        return RC_OK;
    }
    if (base.state == already) {
        bool has_hold = tags_contains(tags, cfg->hold_tag);
        bool add = hold == TAGS_HOLD_ADD && !has_hold;
        bool remove = hold == TAGS_HOLD_REMOVE && has_hold;
        if (!add && !remove) {
            *nothing = true;
            return RC_OK;
        }
        for (size_t i = 0; i < tags->n; i++) {
            if (remove && strcmp(tags->v[i], cfg->hold_tag) == 0)
                continue;
            if (tags_list_push(target, tags->v[i]) != TAGS_OK)
                return RC_ERR_NOMEM;
        }
        if (add && tags_list_push(target, cfg->hold_tag) != TAGS_OK)
            return RC_ERR_NOMEM;
        return RC_OK;
    }
    snprintf(why, why_len, "network is %s (%s)", tags_state_name(base.state),
             tf_reason_name(base.reason));
    return RC_ERR_STATE;
}

rc_err rc_retag(const rc_env *env, const char *org_id, const char *network_id, policy_action want,
                const look_ctx *ctx, int64_t t1, tags_hold_op hold, const rc_trigger *trigger,
                rc_action_log *log, bool *done, look_result *seen, dash_error *err)
{
    dj_network fresh = {0}, answer = {0};
    tags_list target = {0};
    bool has_loss = false;
    double loss_pct = 0;
    rc_err rc = RC_OK;

    *done = false;
    if (dash_get_network(env->client, org_id, network_id, &fresh, err) != DASH_OK) {
        rc = RC_ERR_API;
        goto out;
    }

    if (ctx != NULL) {
        look_result r;
        if (look_network(ctx, &fresh, t1, &r) != LOOK_OK) {
            rc = RC_ERR_NOMEM;
            goto out;
        }
        if (seen != NULL)
            *seen = r;
        if (r.decision.action != want) {
            log_msg(LOG_DEBUG, "retag_skipped",
                    "network %s: its current tags no longer call for a %s (%s: %s)", network_id,
                    policy_action_name(want), tf_reason_name(r.decision.reason), r.decision.why);
            goto out;
        }
        has_loss = r.decision.has_worst;
        loss_pct = r.decision.worst_loss_pct;
        tags_swap_dir dir = want == POLICY_FAILOVER ? TAGS_SWAP_FAILOVER : TAGS_SWAP_FAILBACK;
        tags_err te = tags_swap(&fresh.tags, dir, TAGS_HOLD_KEEP, env->cfg->hold_tag, &target);
        if (te != TAGS_OK) {
            rc = te == TAGS_ERR_NOMEM ? RC_ERR_NOMEM : RC_ERR_STATE;
            snprintf(err->message, sizeof(err->message), "%s", tags_strerror(te));
            goto out;
        }
    } else {
        bool nothing;
        char why[160] = "";
        rc = rc_manual_target(env->cfg, &fresh.tags, want, hold, &target, &nothing, why,
                              sizeof(why));
        if (rc == RC_ERR_STATE)
            snprintf(err->message, sizeof(err->message), "%s", why);
        if (rc != RC_OK)
            goto out;
        if (nothing) {
            log_msg(LOG_INFO, "retag_skipped", "network %s is already %s", network_id,
                    want == POLICY_FAILOVER ? "failed over" : "on its primary");
            goto out;
        }
    }

    if (!env->dry_run) {
        if (dash_put_network_tags(env->client, org_id, network_id, &target, &answer, err) !=
            DASH_OK) {
            rc = RC_ERR_API;
            goto out;
        }
        if (!tags_list_equal(&answer.tags, &target)) {
            snprintf(err->message, sizeof(err->message),
                     "the API answered the PUT with %zu tags other than the %zu sent",
                     answer.tags.n, target.n);
            rc = RC_ERR_VERIFY;
            goto out;
        }
    }
    *done = true;
    rc_log_retag(env, org_id, &fresh, want, &target, has_loss, loss_pct, trigger);
    if (!env->dry_run) {
        if (want == POLICY_FAILOVER)
            metrics_failover(trigger->kind);
        else
            metrics_failback(trigger->kind);
        rc_action_record(log, network_id, want);
    }

out:
    if (rc != RC_OK && rc != RC_ERR_STATE) {
        metrics_action_failed();
        struct json_object *f = json_object_new_object();
        if (f != NULL) {
            json_object_object_add(f, "network_id", json_object_new_string(network_id));
            json_object_object_add(f, "org_id", json_object_new_string(org_id));
            json_object_object_add(f, "action", json_object_new_string(policy_action_name(want)));
            json_object_object_add(f, "error", json_object_new_string(rc_strerror(rc)));
            json_object_object_add(f, "http_status", json_object_new_int64(err->http_status));
            json_object_object_add(f, "message", json_object_new_string(err->message));
            if (err->request_id[0] != '\0')
                json_object_object_add(f, "request_id", json_object_new_string(err->request_id));
            json_object_object_add(f, "trigger",
                                   json_object_new_string(rc_trigger_name(trigger->kind)));
            log_event(LOG_ERROR, "retag_failed", f);
        }
    }
    tags_list_free(&target);
    dj_network_clear(&answer);
    dj_network_clear(&fresh);
    return rc;
}

static const char *rc_state_name(const look_result *r)
{
    return look_state_name(look_network_state(r));
}

struct json_object *rc_network_json(const dj_network *net, const look_result *r,
                                    const rc_action_log *log)
{
    struct json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    json_object_object_add(o, "id", json_object_new_string(net->id));
    json_object_object_add(o, "name", rc_string_or_null(net->name));
    json_object_object_add(o, "state", json_object_new_string(rc_state_name(r)));
    json_object_object_add(o, "reason", json_object_new_string(tf_reason_name(r->decision.reason)));
    json_object_object_add(o, "primary_site",
                           r->tags.has_primary ? json_object_new_string(r->tags.primary.site)
                                               : NULL);
    json_object_object_add(o, "backup_site",
                           r->tags.has_backup ? json_object_new_string(r->tags.backup.site) : NULL);
    json_object_object_add(o, "tracked_ip", rc_string_or_null(r->tracked_ip));
    json_object_object_add(
        o, "worst_loss_pct",
        r->decision.has_worst ? json_object_new_double(r->decision.worst_loss_pct) : NULL);
    json_object_object_add(o, "would",
                           json_object_new_string(policy_action_name(r->decision.action)));
    const rc_action *a = rc_action_find(log, net->id);
    if (a != NULL) {
        char ts[32];
        struct tm tm;
        gmtime_r(&a->at, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
        json_object_object_add(o, "last_action",
                               json_object_new_string(policy_action_name(a->action)));
        json_object_object_add(o, "last_action_at", json_object_new_string(ts));
    } else {
        json_object_object_add(o, "last_action", NULL);
        json_object_object_add(o, "last_action_at", NULL);
    }
    return o;
}

static int rc_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

rc_err rc_reconcile_org(const rc_env *env, const char *org_id, const char *org_name,
                        rc_peer_cache *peers, rc_action_log *log, bool report_only,
                        struct json_object **report, char ***unmanaged, size_t *n_unmanaged,
                        rc_stats *stats, dash_error *err)
{
    rc_data d;
    look_ctx *ctx = NULL;
    struct json_object *nets_json = NULL;
    char **um = NULL;
    size_t n_um = 0;
    bool unknown_ip = false;
    unsigned long calls_before = dash_client_requests(env->client);
    rc_err rc;

    memset(stats, 0, sizeof(*stats));
    if (report != NULL)
        *report = NULL;
    if (unmanaged != NULL) {
        *unmanaged = NULL;
        *n_unmanaged = 0;
    }

    rc = rc_read(env, org_id, peers, true, time(NULL), rl_now(), &d, err);
    if (rc != RC_OK)
        goto out;
    if (look_ctx_new(&d.look, env->cfg, &ctx) != LOOK_OK) {
        rc = RC_ERR_NOMEM;
        goto out;
    }
    if (report != NULL && (nets_json = json_object_new_array()) == NULL) {
        rc = RC_ERR_NOMEM;
        goto out;
    }
    if (unmanaged != NULL && d.n_networks > 0 && (um = calloc(d.n_networks, sizeof(*um))) == NULL) {
        rc = RC_ERR_NOMEM;
        goto out;
    }

    for (size_t i = 0; i < d.n_networks; i++) {
        const dj_network *net = &d.networks[i];
        look_result r;
        if (look_network(ctx, net, d.t1, &r) != LOOK_OK) {
            rc = RC_ERR_NOMEM;
            goto out;
        }
        look_state slot = look_network_state(&r);
        if (slot == LOOK_STATE_UNMANAGED) {
            if (um != NULL && (um[n_um] = strdup(net->id)) != NULL)
                n_um++;
            continue;
        }
        stats->managed++;
        stats->states[slot]++;
        if (r.tracked_ip == NULL)
            unknown_ip = true;

        policy_action act = r.decision.action;
        if (act != POLICY_NONE && !report_only) {
            rc_trigger trig = {.kind = METRICS_TRIGGER_RECONCILE};
            dash_error rerr = {0};
            bool done = false;
            rc_err e = rc_retag(env, org_id, net->id, act, ctx, d.t1, TAGS_HOLD_KEEP, &trig, log,
                                &done, NULL, &rerr);
            if (e != RC_OK)
                stats->failed++;
            else if (done && act == POLICY_FAILOVER)
                stats->failovers++;
            else if (done)
                stats->failbacks++;
        } else if (act == POLICY_FAILOVER) {
            stats->failovers++;
        } else if (act == POLICY_FAILBACK) {
            stats->failbacks++;
        }
        if (nets_json != NULL)
            json_object_array_add(nets_json, rc_network_json(net, &r, log));
    }
    peers->want_refresh = unknown_ip;

    if (report != NULL) {
        struct json_object *o = json_object_new_object();
        if (o == NULL) {
            rc = RC_ERR_NOMEM;
            goto out;
        }
        json_object_object_add(o, "id", json_object_new_string(org_id));
        json_object_object_add(o, "name", rc_string_or_null(org_name));
        json_object_object_add(o, "networks", nets_json);
        nets_json = NULL;
        *report = o;
    }
    if (unmanaged != NULL) {
        if (n_um > 0)
            qsort(um, n_um, sizeof(*um), rc_cmp_str);
        *unmanaged = um;
        *n_unmanaged = n_um;
        um = NULL;
    }

out:
    stats->api_calls = dash_client_requests(env->client) - calls_before;
    if (!report_only)
        metrics_reconcile_run(rc == RC_OK);
    json_object_put(nets_json);
    rc_strs_free(um, n_um);
    look_ctx_free(ctx);
    rc_data_free(&d);
    return rc;
}

rc_err rc_organizations(const rc_env *env, char ***ids, char ***names, size_t *n, dash_error *err)
{
    const config_strs *want = &env->cfg->organization_ids;
    dj_org *orgs = NULL;
    size_t n_orgs = 0;
    rc_err rc = RC_OK;
    char **vi = NULL, **vn = NULL;
    size_t count = 0;

    *ids = NULL;
    *names = NULL;
    *n = 0;
    dash_err de = dash_list_organizations(env->client, &orgs, &n_orgs, err);
    if (de != DASH_OK) {
        if (want->n == 0)
            return RC_ERR_API;
        log_msg(LOG_WARN, "organizations", "cannot read organization names: %s", err->message);
        n_orgs = 0;
    }
    size_t cap = want->n > 0 ? want->n : n_orgs;
    if (cap > 0) {
        vi = calloc(cap, sizeof(*vi));
        vn = calloc(cap, sizeof(*vn));
        if (vi == NULL || vn == NULL) {
            rc = RC_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < cap; i++) {
        const char *id = want->n > 0 ? want->v[i] : orgs[i].id;
        const char *name = NULL;
        for (size_t k = 0; k < n_orgs; k++)
            if (strcmp(orgs[k].id, id) == 0)
                name = orgs[k].name;
        vi[i] = strdup(id);
        vn[i] = name != NULL ? strdup(name) : NULL;
        if (vi[i] == NULL || (name != NULL && vn[i] == NULL)) {
            count = i + 1;
            rc = RC_ERR_NOMEM;
            goto out;
        }
    }
    count = cap;
    *ids = vi;
    *names = vn;
    *n = count;
    vi = vn = NULL;
out:
    rc_strs_free(vi, count);
    rc_strs_free(vn, count);
    dj_orgs_free(orgs, n_orgs);
    return rc;
}
