/*
 * round.c - a reconcile or a confirmation round of one organization. See round.h.
 */
#include "tagfailover/round.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "tagfailover/log.h"
#include "tagfailover/metrics.h"
#include "tagfailover/ratelimit.h"

#include "round_int.h"

/* The monotonic clock in milliseconds: a round measures its own looks so the next one keeps
 * the cadence (the core takes the value as an argument). */
static uint64_t round_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *round_strerror(round_err e)
{
    switch (e) {
    case ROUND_OK:
        return "success";
    case ROUND_ERR_API:
        return "Dashboard API call failed";
    case ROUND_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

round_err round_org_init(round_org *o, const char *id, const char *name)
{
    memset(o, 0, sizeof(*o));
    return status_org_init(&o->model, id, name) == STATUS_OK ? ROUND_OK : ROUND_ERR_NOMEM;
}

/* ---- When failed-over networks moved -------------------------------------------------------- */

/* How far back the change log is read for a move: a failover older than this cannot hold a
 * clean window back anyway (windows stop at a day). */
#define ROUND_CHANGES_LOOKBACK_S (7L * 86400)

static round_moved *round_moved_find(round_org *o, const char *network_id)
{
    for (size_t i = 0; i < o->n_moved; i++)
        if (strcmp(o->moved[i].network_id, network_id) == 0)
            return &o->moved[i];
    return NULL;
}

/* Records when `network_id` moved (known) or that the change log does not say (!known). */
static void round_moved_set(round_org *o, const char *network_id, bool known, int64_t at)
{
    round_moved *m = round_moved_find(o, network_id);
    if (m == NULL) {
        char *id = strdup(network_id);
        round_moved *v = id != NULL ? realloc(o->moved, (o->n_moved + 1) * sizeof(*v)) : NULL;
        if (v == NULL) {
            free(id);
            return; /* only the rule's memory is lost: the data alone then decides */
        }
        o->moved = v;
        m = &o->moved[o->n_moved++];
        m->network_id = id;
    }
    m->known = known;
    m->at = at;
}

static void round_moved_forget(round_org *o, const char *network_id)
{
    round_moved *m = round_moved_find(o, network_id);
    if (m == NULL)
        return;
    free(m->network_id);
    *m = o->moved[--o->n_moved];
}

static int round_cmp_moved(const void *a, const void *b)
{
    return strcmp(((const look_moved *)a)->network_id, ((const look_moved *)b)->network_id);
}

/* Rebuilds the sorted view of the known moves and hands it to a look's data. */
static void round_moved_view(round_org *o, look_data *look)
{
    free(o->moved_view);
    o->moved_view = o->n_moved > 0 ? calloc(o->n_moved, sizeof(*o->moved_view)) : NULL;
    o->n_moved_view = 0;
    for (size_t i = 0; o->moved_view != NULL && i < o->n_moved; i++)
        if (o->moved[i].known)
            o->moved_view[o->n_moved_view++] =
                (look_moved){.network_id = o->moved[i].network_id, .at = o->moved[i].at};
    if (o->n_moved_view > 1)
        qsort(o->moved_view, o->n_moved_view, sizeof(*o->moved_view), round_cmp_moved);
    look->moved = o->moved_view;
    look->n_moved = o->n_moved_view;
}

/* After a restart, or for a move another daemon or a person made: reads the change log once
 * for the failed-over networks of the listing whose move is not known yet. */
static void round_moved_learn(const apply_env *env, round_org *o, const fetch_data *d)
{
    bool need = false;
    for (size_t i = 0; i < d->n_networks && !need; i++) {
        tags_info t;
        tags_classify(&d->networks[i].tags, env->cfg->hold_tag, &t);
        need = t.state == TAGS_FAILED_OVER && round_moved_find(o, d->networks[i].id) == NULL;
    }
    if (!need)
        return;
    chg_entry *v = NULL;
    size_t n = 0;
    dash_error err = {0};
    if (dash_list_changes(env->client, o->model.id, ROUND_CHANGES_LOOKBACK_S, NULL, &v, &n, &err) !=
        DASH_OK) {
        /* Not known: the data alone decides, and the next reconcile asks again. */
        if (err.code != DASH_ERR_CANCELLED)
            log_msg(LOG_WARN, "changes_failed",
                    "org %s: cannot read the change log: %s (HTTP "
                    "%ld); failback is decided from the data alone",
                    o->model.id, err.message, err.http_status);
        return;
    }
    for (size_t i = 0; i < d->n_networks; i++) {
        const dj_network *net = &d->networks[i];
        tags_info t;
        tags_classify(&net->tags, env->cfg->hold_tag, &t);
        if (t.state != TAGS_FAILED_OVER || round_moved_find(o, net->id) != NULL)
            continue;
        int64_t at = 0;
        bool known = chg_failed_over_at(v, n, net->id, &at);
        round_moved_set(o, net->id, known, at);
    }
    chg_free(v, n);
}

/* Keeps the table to the networks that are failed over now. */
static void round_moved_prune(round_org *o, const fetch_data *d, const char *hold_tag)
{
    for (size_t i = 0; i < o->n_moved;) {
        bool still = false;
        for (size_t k = 0; k < d->n_networks && !still; k++) {
            if (strcmp(d->networks[k].id, o->moved[i].network_id) != 0)
                continue;
            tags_info t;
            tags_classify(&d->networks[k].tags, hold_tag, &t);
            still = t.state == TAGS_FAILED_OVER || t.state == TAGS_HELD;
        }
        if (still) {
            i++;
            continue;
        }
        free(o->moved[i].network_id);
        o->moved[i] = o->moved[--o->n_moved];
    }
}

void round_org_clear(round_org *o)
{
    for (size_t i = 0; i < o->n_moved; i++)
        free(o->moved[i].network_id);
    free(o->moved);
    free(o->moved_view);
    look_ctx_free(o->last_ctx);
    fetch_data_free(&o->last);
    fetch_peers_free(&o->peers);
    round_reasons_clear(o);
    status_org_clear(&o->model);
    memset(o, 0, sizeof(*o));
}

static void round_drop_last(round_org *o);
static void round_moved_view(round_org *o, look_data *look);
static void round_model_note(const round_org *o, status_err e);

static round_err round_from_fetch(fetch_err e)
{
    return e == FETCH_ERR_NOMEM ? ROUND_ERR_NOMEM : ROUND_ERR_API;
}

/* ---- Reconcile ------------------------------------------------------------------------------ */

/* Decides every network of the listing; *results is the caller's (free). */
static round_err round_look_all(const look_ctx *ctx, const fetch_data *d, look_result **results)
{
    *results = d->n_networks > 0 ? calloc(d->n_networks, sizeof(**results)) : NULL;
    if (d->n_networks > 0 && *results == NULL)
        return ROUND_ERR_NOMEM;
    for (size_t i = 0; i < d->n_networks; i++)
        if (look_network(ctx, &d->networks[i], d->t1, &(*results)[i]) != LOOK_OK)
            return ROUND_ERR_NOMEM;
    return ROUND_OK;
}

/* Performs the retags a reconcile's plan calls for. */
/* Counts one retag of a reconcile and notes it in the model. */
static void round_count(const apply_env *env, round_org *o, const char *network_id,
                        policy_action act, apply_err e, const apply_result *res, round_stats *stats)
{
    if (e != APPLY_OK)
        stats->failed++;
    else if (res->done && act == POLICY_FAILOVER)
        stats->failovers++;
    else if (res->done)
        stats->failbacks++;
    if (e == APPLY_OK && res->done && !env->dry_run) {
        int64_t now = (int64_t)time(NULL);
        status_org_acted(&o->model, network_id, act, now);
        if (act == POLICY_FAILOVER)
            round_moved_set(o, network_id, true, now);
        else
            round_moved_forget(o, network_id);
    }
}

/* Two or more retags due at once, with bulk_retag = auto: action batches. */
static bool round_retag_bulk(const apply_env *env, round_org *o, const look_ctx *ctx,
                             const fetch_data *d, const plan_retag *retags, size_t n,
                             round_stats *stats)
{
    apply_bulk_item *items = calloc(n, sizeof(*items));
    apply_result *res = calloc(n, sizeof(*res));
    apply_err *errs = calloc(n, sizeof(*errs));
    bool ok = items != NULL && res != NULL && errs != NULL;
    for (size_t i = 0; ok && i < n; i++)
        items[i] = (apply_bulk_item){
            .network_id = d->networks[retags[i].index].id,
            .want = retags[i].action,
            .cause = {.trigger = PLAN_TRIGGER_RECONCILE, .evidence = PLAN_EVIDENCE_SERIES}};
    /* The fresh read, filtered like the reconcile's (a network that no longer carries a pair
     * tag of a known site is not written). If it fails, apply_bulk reads (whole) itself and
     * reports. */
    const fetch_env fenv = {.cfg = env->cfg, .client = env->client};
    dj_network *fresh = NULL;
    size_t n_fresh = 0;
    dash_error ferr = {0};
    if (ok &&
        fetch_list_managed(&fenv, o->model.id, &o->peers, &fresh, &n_fresh, &ferr) != FETCH_OK) {
        dj_networks_free(fresh, n_fresh);
        fresh = NULL;
        n_fresh = 0;
    }
    if (ok && apply_bulk(env, o->model.id, items, n, ctx, d->t1, fresh, fresh != NULL ? n_fresh : 0,
                         res, errs) == APPLY_ERR_NOMEM)
        ok = false;
    dj_networks_free(fresh, n_fresh);
    for (size_t i = 0; ok && i < n; i++)
        round_count(env, o, items[i].network_id, items[i].want, errs[i], &res[i], stats);
    for (size_t i = 0; res != NULL && i < n; i++)
        apply_result_clear(&res[i]);
    free(items);
    free(res);
    free(errs);
    return ok;
}

static void round_retag_all(const apply_env *env, round_org *o, const look_ctx *ctx,
                            const fetch_data *d, const plan_retag *retags, size_t n,
                            round_stats *stats)
{
    const apply_cause cause = {.trigger = PLAN_TRIGGER_RECONCILE, .evidence = PLAN_EVIDENCE_SERIES};
    if (n >= 2 && env->cfg->bulk_retag && round_retag_bulk(env, o, ctx, d, retags, n, stats))
        return;
    for (size_t i = 0; i < n; i++) {
        const dj_network *net = &d->networks[retags[i].index];
        policy_action act = retags[i].action;
        apply_result res = {0};
        apply_err e =
            apply_retag(env, o->model.id, net->id, act, ctx, d->t1, NULL, NULL, &cause, &res);
        round_count(env, o, net->id, act, e, &res, stats);
        apply_result_clear(&res);
    }
}

/* The VPN status hint: one more read per reconcile; a failed read only loses the hints. */
static void round_vpn_hints(const apply_env *env, round_org *o, const fetch_data *d,
                            const look_result *results)
{
    dj_vpn_status *vpn = NULL;
    size_t n_vpn = 0;
    dash_error err = {0};

    if (!env->cfg->vpn_status_hint || o->on_hint == NULL || d->n_networks == 0)
        return;
    if (dash_list_vpn_statuses(env->client, o->model.id, &vpn, &n_vpn, &err) != DASH_OK) {
        if (err.code != DASH_ERR_CANCELLED)
            log_msg(LOG_WARN, "vpn_statuses_failed",
                    "org %s: %s (HTTP %ld); no VPN status hint "
                    "this time",
                    o->model.id, err.message, err.http_status);
        return;
    }
    plan_hint *hints = calloc(d->n_networks, sizeof(*hints));
    size_t n =
        hints != NULL ? plan_vpn_hints(d->networks, results, d->n_networks, vpn, n_vpn, hints) : 0;
    for (size_t i = 0; i < n; i++) {
        log_msg(LOG_INFO, "vpn_status_hint",
                "network %s: the tunnel to its primary peer %s is unreachable; confirming",
                d->networks[hints[i].index].id, hints[i].peer_ip);
        o->on_hint(o->hint_ctx, d->networks[hints[i].index].id, hints[i].peer_ip);
    }
    free(hints);
    dj_vpn_statuses_free(vpn, n_vpn);
}

round_err round_reconcile(const apply_env *env, round_org *o, bool report_only, round_stats *stats,
                          dash_error *err)
{
    const fetch_env fenv = {.cfg = env->cfg, .client = env->client};
    fetch_data d;
    look_ctx *ctx = NULL;
    look_result *results = NULL;
    plan_retag *retags = NULL;
    unsigned long calls_before = dash_client_requests(env->client);
    round_err rc = ROUND_OK;

    memset(stats, 0, sizeof(*stats));
    round_drop_last(o);
    fetch_err fe = fetch_read(&fenv, o->model.id, &o->peers, true, time(NULL), rl_now(), &d, err);
    if (fe != FETCH_OK) {
        rc = round_from_fetch(fe);
        goto out;
    }
    round_moved_prune(o, &d, env->cfg->hold_tag);
    round_moved_learn(env, o, &d);
    round_moved_view(o, &d.look);
    if (look_ctx_new(&d.look, env->cfg, &ctx) != LOOK_OK ||
        (rc = round_look_all(ctx, &d, &results)) != ROUND_OK ||
        status_org_reconciled(&o->model, d.networks, results, d.n_networks) != STATUS_OK) {
        rc = ROUND_ERR_NOMEM;
        goto out;
    }
    round_model_note(o, status_org_series(&o->model, ctx, d.networks, results, d.n_networks, d.t1));
    bool unknown_ip = false;
    for (size_t i = 0; i < o->model.n_nets; i++)
        unknown_ip = unknown_ip || o->model.nets[i].tracked_ip == NULL;
    o->peers.want_refresh = unknown_ip;
    stats->managed = o->model.n_nets;

    size_t n_retags = 0;
    if (d.n_networks > 0 && (retags = calloc(d.n_networks, sizeof(*retags))) == NULL) {
        rc = ROUND_ERR_NOMEM;
        goto out;
    }
    n_retags = plan_reconcile(results, d.n_networks, retags);
    if (!report_only)
        round_vpn_hints(env, o, &d, results);
    if (report_only) {
        for (size_t i = 0; i < n_retags; i++) {
            if (retags[i].action == POLICY_FAILOVER)
                stats->failovers++;
            else
                stats->failbacks++;
        }
    } else {
        round_retag_all(env, o, ctx, &d, retags, n_retags, stats);
    }
out:
    if (rc != ROUND_OK) {
        char why[sizeof(err->message) + 64];
        snprintf(why, sizeof(why), "%s: %s", round_strerror(rc),
                 err->message[0] ? err->message : "out of memory");
        if (status_org_failed(&o->model, why) != STATUS_OK)
            rc = ROUND_ERR_NOMEM;
    }
    stats->api_calls = dash_client_requests(env->client) - calls_before;
    if (!report_only)
        metrics_reconcile_run(rc == ROUND_OK);
    free(retags);
    free(results);
    look_ctx_free(ctx);
    fetch_data_free(&d);
    dash_client_release_memory(env->client);
    return rc;
}

/* ---- Confirmations -------------------------------------------------------------------------- */

/* A model update that ran out of memory loses only what /status shows about one network until
 * the next look; the work itself goes on. */
static void round_model_note(const round_org *o, status_err e)
{
    if (e != STATUS_OK)
        log_msg(LOG_WARN, "engine", "org %s: out of memory updating /status", o->model.id);
}

/* The model's view of a pending confirmation. */
static void round_mark(round_org *o, const sched_entry *c)
{
    status_confirming sc = {.active = c != NULL};
    if (c != NULL) {
        sc.since = c->since_unix_ms / 1000;
        sc.alert_id = (char *)c->alert_id;
        sc.looks = c->looks;
        sc.live = c->ping_pending;
    }
    round_model_note(o, status_org_confirming(&o->model, c != NULL ? c->network_id : "",
                                              sc.active ? &sc : NULL));
}

void round_confirm_started(round_org *o, const sched_entry *c)
{
    round_mark(o, c);
}

void round_confirm_end(round_org *o, sched *s, size_t slot, plan_confirm_kind result,
                       const char *why)
{
    const sched_entry *c = sched_get(s, slot);
    if (c == NULL)
        return;
    metrics_confirm_result m = result == PLAN_CONFIRM_CONFIRMED ? METRICS_CONFIRM_CONFIRMED
                               : result == PLAN_CONFIRM_SKIPPED ? METRICS_CONFIRM_SKIPPED
                                                                : METRICS_CONFIRM_UNCONFIRMED;
    metrics_confirmation(m);
    const char *reason;
    log_level level = round_reason_level(o, c->network_id, result, &reason);
    struct json_object *f = json_object_new_object();
    if (f != NULL) {
        json_object_object_add(f, "org_id", json_object_new_string(o->model.id));
        json_object_object_add(f, "network_id", json_object_new_string(c->network_id));
        char trig[TF_ID_MAX_LEN + 16];
        snprintf(trig, sizeof(trig), "%s:%s", c->vpn_status ? "vpn_status" : "webhook",
                 c->alert_id);
        json_object_object_add(f, "alert_id", json_object_new_string(c->alert_id));
        json_object_object_add(f, "trigger", json_object_new_string(trig));
        json_object_object_add(f, "result", json_object_new_string(plan_confirm_kind_name(result)));
        json_object_object_add(f, "reason", json_object_new_string(reason));
        json_object_object_add(f, "looks", json_object_new_int64(c->looks));
        json_object_object_add(f, "why", json_object_new_string(why));
    }
    /* Why a network is not acted on is news once: the same reason again is at debug. */
    log_event(level, "confirmation", f);
    round_model_note(o, status_org_confirming(&o->model, c->network_id, NULL));
    if (c->ping_pending && o->pings.remove != NULL) {
        o->pings.remove(o->pings.ctx, c->ping_id);
        if (c->backup_ping_id[0] != '\0')
            o->pings.remove(o->pings.ctx, c->backup_ping_id);
    }
    sched_end(s, slot);
}

/* Carries out one step of a confirmation. */
static void round_step(round_org *o, sched *s, size_t slot, const plan_confirm_step *step)
{
    sched_entry *c = sched_entry_at(s, slot);
    if (step->kind == PLAN_CONFIRM_AGAIN) {
        sched_set_due(s, slot, step->next_ms);
        round_mark(o, c);
        return;
    }
    /* The window is over, but a live ping is still out: its answer decides. */
    if (step->kind == PLAN_CONFIRM_UNCONFIRMED && c != NULL && c->ping_pending) {
        c->expired = true;
        sched_set_due(s, slot, UINT64_MAX);
        return;
    }
    round_confirm_end(o, s, slot, step->kind, step->why);
}

void round_retagged(const apply_env *env, round_org *o, sched *s, size_t slot, apply_err e,
                    const apply_result *res)
{
    const sched_entry *c = sched_get(s, slot);
    uint64_t now = round_now_ms();
    double after_s = (double)(now - c->received_ms) / 1000.0;
    plan_confirm_step step;
    char why[768];
    plan_retag_outcome outcome = e != APPLY_OK ? PLAN_RETAG_FAILED
                                 : res->done   ? PLAN_RETAG_DONE
                                               : PLAN_RETAG_NOT_CALLED;
    if (outcome == PLAN_RETAG_FAILED)
        round_reason_look(o, c->network_id, "retag_failed");
    else if (outcome == PLAN_RETAG_NOT_CALLED && res->looked)
        round_reason_look(o, c->network_id, round_look_word(&res->seen));
    if (outcome == PLAN_RETAG_DONE)
        snprintf(why, sizeof(why), "%s; failed over %.3f s after the alert", res->seen.decision.why,
                 after_s);
    else if (outcome == PLAN_RETAG_FAILED)
        snprintf(why, sizeof(why), "%s: %s", apply_strerror(e), res->error.message);
    else
        snprintf(why, sizeof(why), "%s: %s", tf_reason_name(res->seen.decision.reason),
                 res->seen.decision.why);
    if (outcome == PLAN_RETAG_DONE && !env->dry_run) {
        int64_t wall = (int64_t)time(NULL);
        metrics_observe_alert_to_retag(after_s);
        status_org_acted(&o->model, c->network_id, POLICY_FAILOVER, wall);
        round_moved_set(o, c->network_id, true, wall);
    }
    plan_confirm_retagged(c, outcome, why, s->interval_ms, now, &step);
    round_step(o, s, slot, &step);
}

/* One look at one confirming network. `listed` is its record from the organization's listing
 * read this round (NULL: GET it now; `unlisted` true: the listing has no such network). When
 * the look proves the loss, returns true with the fresh record in *due (the caller retags it
 * and clears it); every other step is carried out here. */
static bool round_confirm_look(const apply_env *env, round_org *o, sched *s, size_t slot,
                               const look_ctx *ctx, int64_t t1, const dj_network *listed,
                               bool unlisted, dj_network *due)
{
    const sched_entry *c = sched_get(s, slot);
    const uint64_t interval = s->interval_ms;
    dj_network net = {0};
    dash_error err = {0};
    look_result r;
    plan_confirm_step step;

    if (unlisted) {
        round_reason_look(o, c->network_id, "unknown_network");
        plan_confirm(c, PLAN_READ_UNKNOWN, NULL, NULL, interval, round_now_ms(), &step);
        round_step(o, s, slot, &step);
        return false;
    }
    bool read_ok = listed != NULL ? apply_copy_network_public(listed, &net)
                                  : dash_get_network(env->client, o->model.id, c->network_id, &net,
                                                     &err) == DASH_OK;
    if (!read_ok) {
        char why[sizeof(err.message) + 64];
        snprintf(why, sizeof(why), "%s: %s", dash_strerror(err.code), err.message);
        round_reason_look(o, c->network_id,
                          err.http_status == 404 ? "unknown_network" : "read_failed");
        plan_confirm(c, err.http_status == 404 ? PLAN_READ_UNKNOWN : PLAN_READ_FAILED, NULL, why,
                     interval, round_now_ms(), &step);
        round_step(o, s, slot, &step);
        return false;
    }
    if (look_network(ctx, &net, t1, &r) != LOOK_OK) {
        plan_confirm(c, PLAN_READ_FAILED, NULL, "out of memory", interval, round_now_ms(), &step);
        round_step(o, s, slot, &step);
        dj_network_clear(&net);
        return false;
    }
    round_model_note(o, status_org_looked(&o->model, &net, &r));
    round_model_note(o, status_org_series(&o->model, ctx, &net, &r, 1, t1));
    round_reason_look(o, c->network_id, round_look_word(&r));
    uint64_t now = round_now_ms();
    plan_confirm(c, PLAN_READ_OK, &r, NULL, interval, now, &step);
    if (step.kind == PLAN_CONFIRM_RETAG) {
        *due = net;
        return true;
    }
    const config *cfg = env->cfg;
    const plan_ping_rules rules = {
        .enabled = cfg->evidence_live,
        .have_target = round_live_can_ping(o, c, &r),
        .pings = 1u + (cfg->require_backup_healthy && r.backup_ip != NULL),
        .in_flight = sched_pings_in_flight(s),
        .max_in_flight = (unsigned)cfg->live_ping_max_inflight,
        .interval_ms = (uint64_t)cfg->live_ping_interval_s * 1000u,
    };
    bool ping = plan_ping_wanted(c, &step, &rules, now);
    round_step(o, s, slot, &step);
    if (ping) {
        round_live_start(env, o, s, slot, &r);
        round_mark(o, sched_get(s, slot));
    }
    dj_network_clear(&net);
    return false;
}

/* A confirmation proven this round, waiting for its retag. */
typedef struct {
    size_t slot;
    dj_network net; /* the fresh record it was proven on */
} round_proven;

static apply_cause round_cause(const sched_entry *c)
{
    return (apply_cause){.trigger = c->vpn_status ? PLAN_TRIGGER_VPN_STATUS : PLAN_TRIGGER_WEBHOOK,
                         .alert_id = c->alert_id,
                         .evidence = PLAN_EVIDENCE_SERIES};
}

/* The retags a confirmation round proved: in action batches when there are two or more (and
 * bulk_retag = auto), else each with its own PUT after the fresh read it was proven on. */
static void round_confirm_retag(const apply_env *env, round_org *o, sched *s, round_proven *p,
                                size_t k, const look_ctx *ctx, int64_t t1,
                                const dj_network *listing, size_t n_listing)
{
    apply_bulk_item *items = k >= 2 && env->cfg->bulk_retag ? calloc(k, sizeof(*items)) : NULL;
    apply_result *res = items != NULL ? calloc(k, sizeof(*res)) : NULL;
    apply_err *errs = items != NULL ? calloc(k, sizeof(*errs)) : NULL;
    if (items != NULL && res != NULL && errs != NULL) {
        for (size_t i = 0; i < k; i++) {
            const sched_entry *c = sched_get(s, p[i].slot);
            items[i] = (apply_bulk_item){
                .network_id = c->network_id, .want = POLICY_FAILOVER, .cause = round_cause(c)};
        }
        if (apply_bulk(env, o->model.id, items, k, ctx, t1, listing, n_listing, res, errs) !=
            APPLY_ERR_NOMEM) {
            for (size_t i = 0; i < k; i++) {
                round_retagged(env, o, s, p[i].slot, errs[i], &res[i]);
                apply_result_clear(&res[i]);
            }
            free(items);
            free(res);
            free(errs);
            return;
        }
    }
    free(items);
    free(res);
    free(errs);
    for (size_t i = 0; i < k; i++) {
        const sched_entry *c = sched_get(s, p[i].slot);
        const apply_cause cause = round_cause(c);
        apply_result r = {0};
        apply_err e = apply_retag(env, o->model.id, c->network_id, POLICY_FAILOVER, ctx, t1,
                                  &p[i].net, NULL, &cause, &r);
        round_retagged(env, o, s, p[i].slot, e, &r);
        apply_result_clear(&r);
    }
}

static int round_cmp_listed(const void *a, const void *b)
{
    return strcmp((*(const dj_network *const *)a)->id, (*(const dj_network *const *)b)->id);
}

/* Drops the kept data of the last confirmation round (its index borrows the peer cache,
 * which a reconcile may refresh). */
static void round_drop_last(round_org *o)
{
    look_ctx_free(o->last_ctx);
    o->last_ctx = NULL;
    fetch_data_free(&o->last);
}

bool round_fresh_data(const apply_env *env, round_org *o, dash_error *err)
{
    const fetch_env fenv = {.cfg = env->cfg, .client = env->client};
    round_drop_last(o);
    /* The data just dropped may have come from a large answer. */
    dash_client_release_memory(env->client);
    if (fetch_read(&fenv, o->model.id, &o->peers, false, time(NULL),
                   (double)round_now_ms() / 1000.0, &o->last, err) != FETCH_OK)
        return false;
    round_moved_view(o, &o->last.look);
    if (look_ctx_new(&o->last.look, env->cfg, &o->last_ctx) != LOOK_OK) {
        round_drop_last(o);
        return false;
    }
    return true;
}

void round_confirm(const apply_env *env, round_org *o, sched *s, const size_t *slots, size_t n,
                   dash_shared *api)
{
    dash_error err = {0};
    uint64_t now = round_now_ms();

    /* The newest data serves this round and the retags its live pings may prove later. */
    if (!round_fresh_data(env, o, &err)) {
        if (err.code != DASH_ERR_CANCELLED)
            log_msg(LOG_WARN, "confirm_look_failed", "org %s: %s (HTTP %ld)", o->model.id,
                    err.message[0] ? err.message : "out of memory", err.http_status);
        for (size_t i = 0; i < n; i++) {
            plan_confirm_step step;
            round_reason_look(o, sched_get(s, slots[i])->network_id, "read_failed");
            plan_confirm(sched_get(s, slots[i]), PLAN_READ_FAILED, NULL,
                         "the loss data could not be read", s->interval_ms, round_now_ms(), &step);
            round_step(o, s, slots[i], &step);
        }
        return;
    }
    /* Two or more networks to look at: one read of the organization's networks serves as the
     * fresh read of each (and, with bulk_retag, of their retags), instead of one GET each. A
     * listing that cannot be read falls back to the GETs. */
    dj_network *listing = NULL;
    const dj_network **index = NULL;
    size_t n_listing = 0;
    const fetch_env fenv = {.cfg = env->cfg, .client = env->client};
    if (n >= 2 && env->cfg->bulk_retag &&
        fetch_list_managed(&fenv, o->model.id, &o->peers, &listing, &n_listing, &err) == FETCH_OK &&
        (n_listing == 0 || (index = calloc(n_listing, sizeof(*index))) != NULL)) {
        for (size_t k = 0; k < n_listing; k++)
            index[k] = &listing[k];
        if (n_listing > 1)
            qsort(index, n_listing, sizeof(*index), round_cmp_listed);
    } else if (listing != NULL) {
        dj_networks_free(listing, n_listing);
        listing = NULL;
        n_listing = 0;
    }
    round_proven *proven = calloc(n, sizeof(*proven));
    size_t k = 0, i = 0;
    for (; i < n && !dash_shared_cancelled(api) && proven != NULL; i++) {
        const dj_network *listed = NULL;
        if (listing != NULL) {
            dj_network key = {.id = (char *)sched_get(s, slots[i])->network_id};
            const dj_network *kp = &key;
            const dj_network **hit =
                n_listing > 0 ? bsearch(&kp, index, n_listing, sizeof(*index), round_cmp_listed)
                              : NULL;
            listed = hit != NULL ? *hit : NULL;
        }
        if (round_confirm_look(env, o, s, slots[i], o->last_ctx, o->last.t1, listed,
                               listing != NULL && listed == NULL, &proven[k].net))
            proven[k++].slot = slots[i];
    }
    if (k > 0)
        round_confirm_retag(env, o, s, proven, k, o->last_ctx, o->last.t1, listing, n_listing);
    for (size_t p = 0; p < k; p++)
        dj_network_clear(&proven[p].net);
    free(proven);
    free(index);
    dj_networks_free(listing, n_listing);
    /* Stopping (or out of memory): what was not looked at stays pending, due at once. */
    for (; i < n; i++)
        sched_set_due(s, slots[i], now);
}
