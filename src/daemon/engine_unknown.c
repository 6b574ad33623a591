/*
 * engine_unknown.c - what alerts for networks an organization does not have may cost.
 *
 * Every alert of a configured organization is accepted (202) and handed to the engine. An
 * alert for a network the organization's last reconcile did not list used to start a
 * confirmation like any other, and each cost at least one API call: 300 authenticated alerts
 * for networks that do not exist made 129 GETs, and the real failover queued behind them at
 * 9 requests a second took 15 s. Now such a network is looked up once (one GET
 * /networks/{id}), at most ENGINE_UNKNOWN_LOOKUPS of them per reconcile interval and
 * organization; a network the API does not have, or any unknown network beyond the budget,
 * is skipped without a call (counted as a skipped confirmation). Nothing is lost for a network
 * that does exist: the next reconcile lists it and decides it like every other.
 *
 * Before an organization's first reconcile nothing is known, and every alert goes on as it
 * did (the first reconcile runs at once after start-up).
 *
 * Threads: everything here runs on the organization's worker thread and touches only its
 * private fields.
 */
#include <stdio.h>
#include <string.h>

#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"
#include "tagfailover/metrics.h"
#include "tagfailover/status.h"

#include "engine_int.h"

/* Skips the alert: counted, and logged at info once per interval (a flood must not flood the
 * log too), at debug after. */
static void unknown_skip(org_worker *w, const alert_event *a, const char *why)
{
    metrics_confirmation(METRICS_CONFIRM_SKIPPED);
    w->unknown_skipped++;
    log_msg(w->unknown_skipped == 1 ? LOG_INFO : LOG_DEBUG, "confirmation",
            "alert %s for network %s: not in organization %s's last reconcile, %s; skipped (the "
            "next reconcile sees it if it exists)",
            a->alert_id, a->network_id, w->org.model.id, why);
}

bool engine_unknown_admit(org_worker *w, const apply_env *env, const alert_event *a)
{
    const status_org *m = &w->org.model;

    /* w->reconciled is written by this thread only. */
    if (!w->reconciled || status_org_find(m, a->network_id) != NULL ||
        status_org_unmanaged(m, a->network_id))
        return true;
    for (size_t i = 0; i < w->n_unknown; i++) {
        if (strcmp(w->unknown[i].id, a->network_id) != 0)
            continue;
        if (!w->unknown[i].found)
            unknown_skip(w, a, "and the API has no such network");
        return w->unknown[i].found;
    }
    if (w->n_unknown >= ENGINE_UNKNOWN_LOOKUPS) {
        char why[96];
        snprintf(why, sizeof why, "and this interval's %d lookups of unknown networks are spent",
                 ENGINE_UNKNOWN_LOOKUPS);
        unknown_skip(w, a, why);
        return false;
    }
    engine_unknown *u = &w->unknown[w->n_unknown++];
    snprintf(u->id, sizeof u->id, "%s", a->network_id);
    dj_network net = {0};
    dash_error err = {0};
    u->found = dash_get_network(env->client, m->id, a->network_id, &net, &err) == DASH_OK;
    dj_network_clear(&net);
    if (!u->found) {
        char why[sizeof err.message + 64];
        if (err.http_status == 404)
            snprintf(why, sizeof why, "and the API has no such network");
        else
            snprintf(why, sizeof why, "and its lookup failed: %s", err.message);
        unknown_skip(w, a, why);
    }
    return u->found;
}

void engine_unknown_reset(org_worker *w)
{
    if (w->unknown_skipped > 1)
        log_msg(LOG_INFO, "confirmation",
                "org %s: %lu alerts for networks unknown to the last reconcile skipped",
                w->org.model.id, w->unknown_skipped);
    w->n_unknown = 0;
    w->unknown_skipped = 0;
}
