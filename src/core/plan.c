/*
 * plan.c - from looks and pending confirmations to the steps one round takes. See plan.h.
 */
#include "tagfailover/plan.h"

#include <stdio.h>

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

const char *plan_trigger_name(plan_trigger t)
{
    switch (t) {
    case PLAN_TRIGGER_WEBHOOK:
        return "webhook";
    case PLAN_TRIGGER_RECONCILE:
        return "reconcile";
    case PLAN_TRIGGER_MANUAL:
        return "manual";
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
