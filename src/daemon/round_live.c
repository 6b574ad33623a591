/*
 * round_live.c - a confirmation's live pings: sending them, polling or receiving their
 * results, and the failover they can prove. See round.h.
 *
 * The order of a ping's life: a confirmation's look whose series proves nothing (plan_confirm
 * says AGAIN) may send one (plan_ping_wanted): the primary's tracked IP and, with the guard on,
 * the backup's, from the network's appliance (the HA primary) or else the alert's device. The
 * answers come by Meraki's callback when public_url is set, else by a GET every second; the
 * ping is given up after live_ping_timeout_s. Once its answers are in (or it timed out) it is
 * judged (plan_ping_evidence): loss at or over the threshold is evidence, and the retag is
 * made from a fresh read with that evidence (apply_retag, ping_decide); anything else proves
 * nothing and the series looks go on. Failback never comes here.
 */
#include "tagfailover/round.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tagfailover/log.h"
#include "tagfailover/metrics.h"

/* How often a pending ping is polled. */
#define ROUND_PING_POLL_MS 1000

static uint64_t round_live_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The appliance that should ping for `network_id`: the one the uplink statuses list for it
 * (in an HA pair the primary, never the warm spare), else the alert's device. NULL: none. */
static const char *round_live_serial(const round_org *o, const sched_entry *c)
{
    const fetch_data *d = &o->last;
    for (size_t i = 0; i < d->n_appliances; i++) {
        const dj_appliance *a = &d->appliances[i];
        if (a->serial != NULL && !a->ha_spare && strcmp(a->network_id, c->network_id) == 0)
            return a->serial;
    }
    return c->serial[0] != '\0' ? c->serial : NULL;
}

bool round_live_can_ping(const round_org *o, const sched_entry *c, const look_result *r)
{
    return r->tracked_ip != NULL && round_live_serial(o, c) != NULL;
}

/* The registry the listener matches callbacks against. */
static void round_live_forget(round_org *o, sched_entry *c)
{
    if (o->pings.remove == NULL)
        return;
    if (c->ping_id[0] != '\0')
        o->pings.remove(o->pings.ctx, c->ping_id);
    if (c->backup_ping_id[0] != '\0')
        o->pings.remove(o->pings.ctx, c->backup_ping_id);
}

/* What a refused or failed POST says, for the metrics. */
static ping_verdict round_live_post_verdict(const dash_error *err)
{
    long st = err->http_status;
    return st >= 400 && st < 500 ? PING_VERDICT_REFUSED : PING_VERDICT_FAILED;
}

void round_live_start(const apply_env *env, round_org *o, sched *s, size_t slot,
                      const look_result *r)
{
    const config *cfg = env->cfg;
    sched_entry *c = sched_entry_at(s, slot);
    const char *serial = round_live_serial(o, c);
    bool polled = cfg->public_url == NULL || cfg->public_url[0] == '\0';
    const char *cb_url = polled ? NULL : cfg->public_url;
    dash_error err = {0};
    char id[TF_ID_MAX_LEN + 1];
    uint64_t now = round_live_now_ms();

    if (c == NULL || serial == NULL || r->tracked_ip == NULL)
        return;
    c->last_ping_ms = now;
    if (dash_ping_start(env->client, o->model.id, serial, r->tracked_ip, cfg->live_ping_count,
                        cb_url, cfg->shared_secret, id, &err) != DASH_OK) {
        metrics_live_ping(round_live_post_verdict(&err));
        /* The API's own words may echo the serial (an alert's field): at debug only. */
        if (err.code != DASH_ERR_CANCELLED) {
            log_msg(LOG_INFO, "live_ping", "network %s: no live ping (%s, HTTP %ld)", c->network_id,
                    dash_strerror(err.code), err.http_status);
            log_msg(LOG_DEBUG, "live_ping", "network %s: %s", c->network_id, err.message);
        }
        return;
    }
    memset(&c->primary, 0, sizeof(c->primary));
    memset(&c->backup, 0, sizeof(c->backup));
    c->have_primary = c->have_backup = false;
    c->expired = false;
    snprintf(c->ping_id, sizeof(c->ping_id), "%s", id);
    c->backup_ping_id[0] = '\0';
    snprintf(c->ping_serial, sizeof(c->ping_serial), "%s", serial);
    if (cfg->require_backup_healthy && r->backup_ip != NULL) {
        dash_error berr = {0};
        if (dash_ping_start(env->client, o->model.id, serial, r->backup_ip, cfg->live_ping_count,
                            cb_url, cfg->shared_secret, id, &berr) == DASH_OK)
            snprintf(c->backup_ping_id, sizeof(c->backup_ping_id), "%s", id);
        else
            metrics_live_ping(round_live_post_verdict(&berr));
    }
    c->ping_pending = true;
    c->ping_polled = polled;
    c->ping_sent_ms = now;
    uint64_t timeout = now + (uint64_t)cfg->live_ping_timeout_s * 1000u;
    sched_ping_due(s, slot, polled ? now + ROUND_PING_POLL_MS : timeout);
    if (o->pings.add != NULL) {
        o->pings.add(o->pings.ctx, c->ping_id);
        if (c->backup_ping_id[0] != '\0')
            o->pings.add(o->pings.ctx, c->backup_ping_id);
    }
    log_msg(LOG_DEBUG, "live_ping", "network %s: ping %s of %s from %s%s%s (%s)", c->network_id,
            c->ping_id, r->tracked_ip, serial, c->backup_ping_id[0] ? ", backup ping " : "",
            c->backup_ping_id, polled ? "polled" : "callback");
}

/* Judges a ping whose answers are in (or that timed out) and acts on it. */
static void round_live_judge(const apply_env *env, round_org *o, sched *s, size_t slot,
                             bool timed_out)
{
    const config *cfg = env->cfg;
    sched_entry *c = sched_entry_at(s, slot);
    ping_evidence ev;
    ping_verdict vp, vb;

    plan_ping_evidence(c, cfg->loss_threshold_pct, timed_out, &ev, &vp, &vb);
    metrics_live_ping(vp);
    /* A backup ping whose answer was not needed (the primary proved nothing) is not counted. */
    if (c->backup_ping_id[0] != '\0' && (c->have_backup || timed_out))
        metrics_live_ping(vb);
    round_live_forget(o, c);
    c->ping_pending = false;
    sched_ping_due(s, slot, UINT64_MAX);
    log_msg(LOG_DEBUG, "live_ping", "network %s: ping %s: %s %.1f%%%s%s", c->network_id, c->ping_id,
            ping_verdict_name(vp), c->primary.loss_pct, c->backup_ping_id[0] ? ", backup " : "",
            c->backup_ping_id[0] ? ping_verdict_name(vb) : "");

    dash_error derr = {0};
    if (vp == PING_VERDICT_LOSS && (o->last_ctx != NULL || round_fresh_data(env, o, &derr))) {
        const apply_cause cause = {.trigger = c->vpn_status ? PLAN_TRIGGER_VPN_STATUS
                                                            : PLAN_TRIGGER_WEBHOOK,
                                   .alert_id = c->alert_id,
                                   .evidence = PLAN_EVIDENCE_LIVE};
        apply_result res = {0};
        apply_err e = apply_retag(env, o->model.id, c->network_id, POLICY_FAILOVER, o->last_ctx,
                                  o->last.t1, NULL, &ev, &cause, &res);
        if (e == APPLY_OK && !res.done && res.looked)
            log_msg(LOG_INFO, "live_ping", "network %s: no failover on the live ping: %s (%s)",
                    c->network_id, tf_reason_name(res.seen.decision.reason), res.seen.decision.why);
        round_retagged(env, o, s, slot, e, &res);
        apply_result_clear(&res);
        return;
    }
    if (c->expired) {
        char why[160];
        snprintf(why, sizeof(why), "the window ended; live ping %s", ping_verdict_name(vp));
        round_confirm_end(o, s, slot, PLAN_CONFIRM_UNCONFIRMED, why);
        return;
    }
    round_confirm_started(o, c); /* the model shows the series again */
}

void round_live_poll(const apply_env *env, round_org *o, sched *s, const size_t *slots, size_t n)
{
    const config *cfg = env->cfg;
    for (size_t i = 0; i < n; i++) {
        sched_entry *c = sched_entry_at(s, slots[i]);
        if (c == NULL || !c->ping_pending)
            continue;
        uint64_t deadline = c->ping_sent_ms + (uint64_t)cfg->live_ping_timeout_s * 1000u;
        if (c->ping_polled) {
            struct {
                const char *id;
                bool *have;
                ping_result *out;
            } todo[2] = {{c->ping_id, &c->have_primary, &c->primary},
                         {c->backup_ping_id, &c->have_backup, &c->backup}};
            for (size_t k = 0; k < 2; k++) {
                if (todo[k].id[0] == '\0' || *todo[k].have)
                    continue;
                /* The backup's answer matters only once the primary's proves loss: poll it
                 * then, and save a request a second meanwhile. */
                if (k == 1 &&
                    !(c->have_primary &&
                      ping_judge(&c->primary, cfg->loss_threshold_pct) == PING_VERDICT_LOSS))
                    continue;
                ping_result r;
                dash_error err = {0};
                if (dash_ping_get(env->client, o->model.id, c->ping_serial, todo[k].id, &r, &err) ==
                    DASH_OK) {
                    if (r.finished) {
                        *todo[k].out = r;
                        *todo[k].have = true;
                    }
                } else if (err.http_status >= 400 && err.http_status < 500) {
                    /* Refused or unknown: it will never finish; an empty answer is no data. */
                    memset(todo[k].out, 0, sizeof(*todo[k].out));
                    *todo[k].have = true;
                }
            }
        }
        uint64_t now = round_live_now_ms();
        /* A primary that proves nothing decides the ping, whatever the backup says. */
        bool settled = c->have_primary &&
                       ping_judge(&c->primary, cfg->loss_threshold_pct) != PING_VERDICT_LOSS;
        if (plan_ping_complete(c) || settled || now >= deadline) {
            round_live_judge(env, o, s, slots[i], !plan_ping_complete(c) && !settled);
            continue;
        }
        uint64_t next = c->ping_polled ? now + ROUND_PING_POLL_MS : deadline;
        sched_ping_due(s, slots[i], next < deadline ? next : deadline);
    }
}

bool round_live_result(const apply_env *env, round_org *o, sched *s, const alert_event *ev)
{
    long slot = sched_find_ping(s, ev->ping_id);
    if (slot < 0)
        return false;
    sched_entry *c = sched_entry_at(s, (size_t)slot);
    ping_result r = {.finished = ev->ping_finished,
                     .has_results = ev->ping_has_results,
                     .sent = ev->ping_sent,
                     .loss_pct = ev->ping_loss_pct};
    snprintf(r.ping_id, sizeof(r.ping_id), "%s", ev->ping_id);
    if (strcmp(c->ping_id, ev->ping_id) == 0) {
        c->primary = r;
        c->have_primary = true;
    } else {
        c->backup = r;
        c->have_backup = true;
    }
    bool settled = c->have_primary &&
                   ping_judge(&c->primary, env->cfg->loss_threshold_pct) != PING_VERDICT_LOSS;
    if (plan_ping_complete(c) || settled)
        round_live_judge(env, o, s, (size_t)slot, false);
    return true;
}
