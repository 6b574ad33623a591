/*
 * apply.c - one retag: fresh read, decision remade in the core, PUT, check, log line and
 * metrics. See apply.h.
 *
 * Why the retag re-decides after its read: the look that called for it may be seconds old (a
 * confirmation) or a whole listing old (a reconcile), and a person may have swapped, held or
 * edited the network meanwhile. The read is the only fresh truth, so the decision is made
 * again from its tags with the same loss data; only then is the whole list written back, and
 * the answer checked.
 */
#include "tagfailover/apply.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/log.h"
#include "tagfailover/metrics.h"

#include "apply_int.h"

/* The metrics' trigger label of a core trigger: a VPN status hint is the reconcile's. */
static metrics_trigger apply_metrics_trigger(plan_trigger t)
{
    switch (t) {
    case PLAN_TRIGGER_WEBHOOK:
        return METRICS_TRIGGER_WEBHOOK;
    case PLAN_TRIGGER_MANUAL:
        return METRICS_TRIGGER_MANUAL;
    default:
        return METRICS_TRIGGER_RECONCILE;
    }
}

const char *apply_strerror(apply_err e)
{
    switch (e) {
    case APPLY_OK:
        return "success";
    case APPLY_ERR_API:
        return "Dashboard API call failed";
    case APPLY_ERR_STATE:
        return "the network's tags do not allow this action";
    case APPLY_ERR_VERIFY:
        return "the API answered the PUT with another network or other tags than the ones sent";
    case APPLY_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

void apply_result_clear(apply_result *r)
{
    dj_network_clear(&r->fresh);
    tags_list_free(&r->after);
    memset(r, 0, sizeof(*r));
}

static struct json_object *apply_tags_json(const tags_list *l)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; a != NULL && i < l->n; i++)
        json_object_array_add(a, json_object_new_string(l->v[i]));
    return a;
}

/* The retag's log line: `failover` or `failback` with every field a reader relies on; then
 * the same fields to env->notify. */
void apply_log_done(const apply_env *env, const char *org_id, const dj_network *net,
                    policy_action action, const tags_list *after, bool has_loss, double loss_pct,
                    const apply_cause *cause, const char *batch_id)
{
    char trig[TF_ID_MAX_LEN + 16];
    if (cause->trigger == PLAN_TRIGGER_WEBHOOK || cause->trigger == PLAN_TRIGGER_VPN_STATUS)
        snprintf(trig, sizeof(trig), "%s:%s", plan_trigger_name(cause->trigger),
                 cause->alert_id != NULL ? cause->alert_id : "");
    else
        snprintf(trig, sizeof(trig), "%s", plan_trigger_name(cause->trigger));

    struct json_object *f = json_object_new_object();
    if (f == NULL)
        return;
    json_object_object_add(f, "network_id", json_object_new_string(net->id));
    json_object_object_add(f, "network_name",
                           net->name != NULL ? json_object_new_string(net->name) : NULL);
    json_object_object_add(f, "org_id", json_object_new_string(org_id));
    json_object_object_add(f, "tags_before", apply_tags_json(&net->tags));
    json_object_object_add(f, "tags_after", apply_tags_json(after));
    json_object_object_add(f, "loss_pct", has_loss ? json_object_new_double(loss_pct) : NULL);
    json_object_object_add(f, "trigger", json_object_new_string(trig));
    json_object_object_add(f, "evidence",
                           json_object_new_string(plan_evidence_name(cause->evidence)));
    json_object_object_add(f, "batch_id",
                           batch_id != NULL ? json_object_new_string(batch_id) : NULL);
    json_object_object_add(f, "dry_run", json_object_new_boolean(env->dry_run));
    const char *event = action == POLICY_FAILOVER ? "failover" : "failback";
    log_event(LOG_INFO, event, f);
    if (env->notify != NULL) {
        /* Borrowed for the call: the hook copies what it keeps. */
        const notify_msg_event ev = {
            .event = (char *)event,
            .network_id = net->id,
            .network_name = net->name,
            .org_id = (char *)org_id,
            .trigger = trig,
            .evidence = (char *)plan_evidence_name(cause->evidence),
            .batch_id = (char *)batch_id,
            .has_loss = has_loss,
            .loss_pct = loss_pct,
            .tags_before = net->tags,
            .tags_after = *after,
            .dry_run = env->dry_run,
        };
        env->notify(env->notify_ctx, &ev);
    }
}

/* The line of a retag that did not complete, and its count. */
void apply_log_failed(const char *org_id, const char *network_id, policy_action want, apply_err rc,
                      const dash_error *err, const apply_cause *cause)
{
    metrics_action_failed();
    struct json_object *f = json_object_new_object();
    if (f == NULL)
        return;
    json_object_object_add(f, "network_id", json_object_new_string(network_id));
    json_object_object_add(f, "org_id", json_object_new_string(org_id));
    json_object_object_add(f, "action", json_object_new_string(policy_action_name(want)));
    json_object_object_add(f, "error", json_object_new_string(apply_strerror(rc)));
    json_object_object_add(f, "http_status", json_object_new_int64(err->http_status));
    json_object_object_add(f, "message", json_object_new_string(err->message));
    if (err->request_id[0] != '\0')
        json_object_object_add(f, "request_id", json_object_new_string(err->request_id));
    json_object_object_add(f, "trigger", json_object_new_string(plan_trigger_name(cause->trigger)));
    log_event(LOG_ERROR, "retag_failed", f);
}

/* The PUT and its check. */
static apply_err apply_write(const apply_env *env, const char *org_id, const char *network_id,
                             const tags_list *target, dash_error *err)
{
    dj_network answer = {0};
    apply_err rc = APPLY_OK;
    if (dash_put_network_tags(env->client, org_id, network_id, target, &answer, err) != DASH_OK) {
        rc = APPLY_ERR_API;
    } else if (strcmp(answer.id, network_id) != 0) {
        /* An answer about another network proves nothing about this one. */
        snprintf(err->message, sizeof(err->message), "the API answered the PUT of %s with %s",
                 network_id, answer.id);
        rc = APPLY_ERR_VERIFY;
    } else if (!tags_list_equal(&answer.tags, target)) {
        snprintf(err->message, sizeof(err->message),
                 "the API answered the PUT with %zu tags other than the %zu sent", answer.tags.n,
                 target->n);
        rc = APPLY_ERR_VERIFY;
    }
    dj_network_clear(&answer);
    return rc;
}

void apply_count_done(const apply_env *env, policy_action want, const apply_cause *cause)
{
    if (env->dry_run)
        return;
    if (want == POLICY_FAILOVER)
        metrics_failover(apply_metrics_trigger(cause->trigger));
    else
        metrics_failback(apply_metrics_trigger(cause->trigger));
}

/* Writes `out->after` (unless dry-run), then logs and counts the retag. */
static apply_err apply_finish(const apply_env *env, const char *org_id, policy_action want,
                              bool has_loss, double loss_pct, const apply_cause *cause,
                              apply_result *out)
{
    if (!env->dry_run) {
        apply_err rc = apply_write(env, org_id, out->fresh.id, &out->after, &out->error);
        if (rc != APPLY_OK)
            return rc;
    }
    out->done = true;
    apply_log_done(env, org_id, &out->fresh, want, &out->after, has_loss, loss_pct, cause, NULL);
    apply_count_done(env, want, cause);
    return APPLY_OK;
}

/* A deep copy of a network record. */
apply_err apply_copy_network(const dj_network *src, dj_network *dst)
{
    memset(dst, 0, sizeof(*dst));
    dst->id = strdup(src->id);
    dst->organization_id = src->organization_id ? strdup(src->organization_id) : NULL;
    dst->name = src->name ? strdup(src->name) : NULL;
    dst->unreadable = src->unreadable;
    if (dst->id == NULL || (src->organization_id && !dst->organization_id) ||
        (src->name && !dst->name) || tags_list_copy(&dst->tags, &src->tags) != TAGS_OK) {
        dj_network_clear(dst);
        return APPLY_ERR_NOMEM;
    }
    return APPLY_OK;
}

bool apply_copy_network_public(const dj_network *src, dj_network *dst)
{
    return apply_copy_network(src, dst) == APPLY_OK;
}

apply_err apply_retag(const apply_env *env, const char *org_id, const char *network_id,
                      policy_action want, const look_ctx *ctx, int64_t t1, const dj_network *fresh,
                      const ping_evidence *live, const apply_cause *cause, apply_result *out)
{
    apply_cause decided = *cause;
    apply_err rc;

    if (fresh != NULL)
        rc = apply_copy_network(fresh, &out->fresh);
    else if (dash_get_network(env->client, org_id, network_id, &out->fresh, &out->error) != DASH_OK)
        rc = APPLY_ERR_API;
    else
        rc = APPLY_OK;
    if (rc != APPLY_OK)
        goto out;

    if (look_network(ctx, &out->fresh, t1, &out->seen) != LOOK_OK) {
        rc = APPLY_ERR_NOMEM;
        goto out;
    }
    out->looked = true;
    if (live != NULL) {
        policy_decision d_live;
        bool by_ping = false;
        ping_decide(&out->seen, live, env->cfg->loss_threshold_pct, &d_live, &by_ping);
        out->seen.decision = d_live;
        decided.evidence = by_ping ? PLAN_EVIDENCE_LIVE : PLAN_EVIDENCE_SERIES;
    }
    const policy_decision *d = &out->seen.decision;
    if (d->action != want) {
        log_msg(LOG_DEBUG, "retag_skipped",
                "network %s: its current tags no longer call for a %s (%s: %s)", network_id,
                policy_action_name(want), tf_reason_name(d->reason), d->why);
        goto out;
    }
    tags_swap_dir dir = want == POLICY_FAILOVER ? TAGS_SWAP_FAILOVER : TAGS_SWAP_FAILBACK;
    tags_err te = tags_swap(&out->fresh.tags, dir, TAGS_HOLD_KEEP, env->cfg->hold_tag, &out->after);
    if (te != TAGS_OK) {
        rc = te == TAGS_ERR_NOMEM ? APPLY_ERR_NOMEM : APPLY_ERR_STATE;
        snprintf(out->error.message, sizeof(out->error.message), "%s", tags_strerror(te));
        goto out;
    }
    rc = apply_finish(env, org_id, want, d->has_worst, d->worst_loss_pct, &decided, out);
out:
    if (rc != APPLY_OK && rc != APPLY_ERR_STATE)
        apply_log_failed(org_id, network_id, want, rc, &out->error, &decided);
    return rc;
}

/* The list a manual command writes, from the tags alone. Sets *nothing when the network is
 * already where the command wants it, hold tag included. */
static apply_err apply_manual_target(const config *cfg, const tags_list *tags, policy_action want,
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
            return APPLY_ERR_NOMEM;
        if (te != TAGS_OK) {
            snprintf(why, why_len, "%s", tags_strerror(te));
            return APPLY_ERR_STATE;
        }
        return APPLY_OK;
    }
    if (base.state == already) {
        bool has_hold = tags_contains(tags, cfg->hold_tag);
        bool add = hold == TAGS_HOLD_ADD && !has_hold;
        bool remove = hold == TAGS_HOLD_REMOVE && has_hold;
        if (!add && !remove) {
            *nothing = true;
            return APPLY_OK;
        }
        for (size_t i = 0; i < tags->n; i++) {
            if (remove && strcmp(tags->v[i], cfg->hold_tag) == 0)
                continue;
            if (tags_list_push(target, tags->v[i]) != TAGS_OK)
                return APPLY_ERR_NOMEM;
        }
        if (add && tags_list_push(target, cfg->hold_tag) != TAGS_OK)
            return APPLY_ERR_NOMEM;
        return APPLY_OK;
    }
    snprintf(why, why_len, "network is %s (%s)", tags_state_name(base.state),
             tf_reason_name(base.reason));
    return APPLY_ERR_STATE;
}

apply_err apply_manual(const apply_env *env, const dj_network *net, policy_action want,
                       tags_hold_op hold, apply_result *out)
{
    const apply_cause cause = {.trigger = PLAN_TRIGGER_MANUAL, .evidence = PLAN_EVIDENCE_MANUAL};
    const char *org_id = net->organization_id != NULL ? net->organization_id : "";
    bool nothing = false;
    apply_err rc = apply_copy_network(net, &out->fresh);
    if (rc == APPLY_OK && net->unreadable) {
        /* Its tags were not read: a write would drop every one of them. */
        snprintf(out->error.message, sizeof(out->error.message),
                 "network is invalid (unreadable: its tags are over a cap)");
        rc = APPLY_ERR_STATE;
    }
    if (rc == APPLY_OK)
        rc = apply_manual_target(env->cfg, &out->fresh.tags, want, hold, &out->after, &nothing,
                                 out->error.message, sizeof(out->error.message));
    if (rc == APPLY_OK && nothing) {
        log_msg(LOG_INFO, "retag_skipped", "network %s is already %s", net->id,
                want == POLICY_FAILOVER ? "failed over" : "on its primary");
        return APPLY_OK;
    }
    if (rc == APPLY_OK)
        rc = apply_finish(env, org_id, want, false, 0, &cause, out);
    if (rc != APPLY_OK && rc != APPLY_ERR_STATE)
        apply_log_failed(org_id, net->id, want, rc, &out->error, &cause);
    return rc;
}
