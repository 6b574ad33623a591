/*
 * plan.c - from looks and pending confirmations to the steps one round takes. See plan.h.
 */
#include "tagfailover/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/reason.h"

/* AGAIN at the next point of the cadence, or UNCONFIRMED when the window is over. */
static void plan_again(const sched_entry *c, uint64_t interval_ms, uint64_t now_ms,
                       plan_confirm_step *out)
{
    if (sched_next_look(c->received_ms, interval_ms, c->deadline_ms, now_ms, &out->next_ms))
        out->kind = PLAN_CONFIRM_AGAIN;
    else
        out->kind = PLAN_CONFIRM_UNCONFIRMED;
}

void plan_confirm(const sched_entry *c, plan_read read, const look_result *r, const char *why,
                  uint64_t interval_ms, uint64_t now_ms, plan_confirm_step *out)
{
    out->next_ms = 0;
    out->why[0] = '\0';

    if (read == PLAN_READ_UNKNOWN) {
        out->kind = PLAN_CONFIRM_SKIPPED;
        snprintf(out->why, sizeof(out->why), "unknown network");
        return;
    }
    if (read == PLAN_READ_FAILED || r == NULL) {
        snprintf(out->why, sizeof(out->why), "%s",
                 why != NULL && why[0] != '\0' ? why : "the data could not be read");
        plan_again(c, interval_ms, now_ms, out);
        return;
    }
    /* Only a normal network with a tracked IP can be failed over; anything else ends the
     * confirmation at once (a later alert starts a new one). */
    switch (r->tags.state) {
    case TAGS_NORMAL:
        if (r->tracked_ip == NULL) {
            out->kind = PLAN_CONFIRM_SKIPPED;
            snprintf(out->why, sizeof(out->why), "network has no tracked IP");
            return;
        }
        break;
    case TAGS_HELD:
    case TAGS_INVALID:
        out->kind = PLAN_CONFIRM_SKIPPED;
        snprintf(out->why, sizeof(out->why), "network is %s (%s)", tags_state_name(r->tags.state),
                 tf_reason_name(r->tags.reason));
        return;
    default:
        out->kind = PLAN_CONFIRM_SKIPPED;
        snprintf(out->why, sizeof(out->why), "network is %s", tags_state_name(r->tags.state));
        return;
    }
    if (r->decision.action == POLICY_FAILOVER) {
        out->kind = PLAN_CONFIRM_RETAG;
        snprintf(out->why, sizeof(out->why), "%s", r->decision.why);
        return;
    }
    snprintf(out->why, sizeof(out->why), "%s: %s", tf_reason_name(r->decision.reason),
             r->decision.why);
    plan_again(c, interval_ms, now_ms, out);
}

void plan_confirm_retagged(const sched_entry *c, plan_retag_outcome outcome, const char *why,
                           uint64_t interval_ms, uint64_t now_ms, plan_confirm_step *out)
{
    out->next_ms = 0;
    snprintf(out->why, sizeof(out->why), "%s", why != NULL ? why : "");
    if (outcome == PLAN_RETAG_DONE) {
        out->kind = PLAN_CONFIRM_CONFIRMED;
        return;
    }
    plan_again(c, interval_ms, now_ms, out);
}

bool plan_ping_wanted(const sched_entry *c, const plan_confirm_step *step,
                      const plan_ping_rules *rules, uint64_t now_ms)
{
    if (!rules->enabled || !rules->have_target || step->kind != PLAN_CONFIRM_AGAIN ||
        c->ping_pending)
        return false;
    if (c->last_ping_ms != 0 && now_ms - c->last_ping_ms < rules->interval_ms)
        return false;
    return rules->in_flight + rules->pings <= rules->max_in_flight;
}

bool plan_ping_complete(const sched_entry *c)
{
    return c->have_primary && (c->backup_ping_id[0] == '\0' || c->have_backup);
}

void plan_ping_evidence(const sched_entry *c, double threshold_pct, bool timed_out,
                        ping_evidence *ev, ping_verdict *primary_verdict,
                        ping_verdict *backup_verdict)
{
    memset(ev, 0, sizeof(*ev));
    *primary_verdict = c->have_primary ? ping_judge(&c->primary, threshold_pct)
                                       : (timed_out ? PING_VERDICT_TIMEOUT : PING_VERDICT_FAILED);
    *backup_verdict = c->have_backup ? ping_judge(&c->backup, threshold_pct)
                                     : (timed_out ? PING_VERDICT_TIMEOUT : PING_VERDICT_FAILED);
    if (*primary_verdict == PING_VERDICT_LOSS || *primary_verdict == PING_VERDICT_CLEAN) {
        ev->has_primary = true;
        ev->primary_loss_pct = c->primary.loss_pct;
    }
    if (c->backup_ping_id[0] != '\0' &&
        (*backup_verdict == PING_VERDICT_LOSS || *backup_verdict == PING_VERDICT_CLEAN)) {
        ev->has_backup = true;
        ev->backup_loss_pct = c->backup.loss_pct;
    }
}

size_t plan_reconcile(const look_result *results, size_t n, plan_retag *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        policy_action a = results[i].decision.action;
        if (results[i].tags.state == TAGS_UNMANAGED || a == POLICY_NONE)
            continue;
        out[k].index = i;
        out[k].action = a;
        k++;
    }
    return k;
}

static int plan_cmp_vpn(const void *a, const void *b)
{
    const dj_vpn_status *x = *(const dj_vpn_status *const *)a;
    const dj_vpn_status *y = *(const dj_vpn_status *const *)b;
    return strcmp(x->network_id, y->network_id);
}

/* The VPN status of `network_id` in a sorted index, or NULL. */
static const dj_vpn_status *plan_vpn_find(const dj_vpn_status **index, size_t n,
                                          const char *network_id)
{
    dj_vpn_status key = {.network_id = (char *)network_id};
    const dj_vpn_status *kp = &key;
    const dj_vpn_status **hit = n > 0 ? bsearch(&kp, index, n, sizeof(*index), plan_cmp_vpn) : NULL;
    return hit != NULL ? *hit : NULL;
}

size_t plan_vpn_hints(const dj_network *nets, const look_result *results, size_t n,
                      const dj_vpn_status *vpn, size_t n_vpn, plan_hint *out)
{
    const dj_vpn_status **index = n_vpn > 0 ? malloc(n_vpn * sizeof(*index)) : NULL;
    size_t k = 0;
    if (n_vpn == 0 || index == NULL)
        return 0; /* no statuses (or no memory for the index): no hint, the series still acts */
    for (size_t i = 0; i < n_vpn; i++)
        index[i] = &vpn[i];
    qsort(index, n_vpn, sizeof(*index), plan_cmp_vpn);
    for (size_t i = 0; i < n; i++) {
        const look_result *r = &results[i];
        if (r->tags.state != TAGS_NORMAL || r->tracked_ip == NULL ||
            r->decision.action == POLICY_FAILOVER)
            continue;
        const dj_vpn_status *v = plan_vpn_find(index, n_vpn, nets[i].id);
        for (size_t p = 0; v != NULL && p < v->n_peers; p++) {
            if (v->peer_public_ips[p] != NULL && v->peer_reachability[p] != NULL &&
                strcmp(v->peer_public_ips[p], r->tracked_ip) == 0 &&
                strcmp(v->peer_reachability[p], "unreachable") == 0) {
                out[k].index = i;
                out[k].peer_ip = r->tracked_ip;
                k++;
                break;
            }
        }
    }
    free(index);
    return k;
}

const char *plan_trigger_name(plan_trigger t)
{
    switch (t) {
    case PLAN_TRIGGER_WEBHOOK:
        return "webhook";
    case PLAN_TRIGGER_RECONCILE:
        return "reconcile";
    case PLAN_TRIGGER_MANUAL:
        return "manual";
    case PLAN_TRIGGER_VPN_STATUS:
        return "vpn_status";
    case PLAN_TRIGGER_COUNT:
        break;
    }
    return "unknown";
}

const char *plan_evidence_name(plan_evidence e)
{
    switch (e) {
    case PLAN_EVIDENCE_SERIES:
        return "series";
    case PLAN_EVIDENCE_LIVE:
        return "live";
    case PLAN_EVIDENCE_MANUAL:
        return "manual";
    case PLAN_EVIDENCE_COUNT:
        break;
    }
    return "unknown";
}

const char *plan_confirm_kind_name(plan_confirm_kind k)
{
    switch (k) {
    case PLAN_CONFIRM_RETAG:
        return "retag";
    case PLAN_CONFIRM_AGAIN:
        return "again";
    case PLAN_CONFIRM_UNCONFIRMED:
        return "unconfirmed";
    case PLAN_CONFIRM_SKIPPED:
        return "skipped";
    case PLAN_CONFIRM_CONFIRMED:
        return "confirmed";
    }
    return "unknown";
}
