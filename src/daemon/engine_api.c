/*
 * engine_api.c - what other threads may call on the engine: handing over an alert or a ping's
 * result, the listener's relevance check, /status, /readyz, and the seams the daemon wires
 * into the listeners. Every function here takes a lock only for a copy or a pointer, never
 * across the engine's work. See engine.h.
 */
#include "tagfailover/engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/status.h"

#include "engine_int.h"

/* ---- What other threads may call ------------------------------------------------------------ */

/* The worker list once known; false before. The list never changes after it is published. */
static bool engine_workers(engine *e, org_worker *const **sorted, size_t *n)
{
    pthread_mutex_lock(&e->lock);
    bool known = e->orgs_known;
    *sorted = e->sorted;
    *n = e->n_workers;
    pthread_mutex_unlock(&e->lock);
    return known;
}

alert_submit engine_submit_alert(engine *e, const alert_event *a)
{
    org_worker *const *sorted;
    size_t n;

    if (atomic_load(&e->stopping))
        return ALERT_FULL;
    /* A ping result goes to the thread that waits for it, or nowhere: a forged or stale
     * callback can never start anything. */
    if (a->kind == ALERT_EVENT_PING_RESULT) {
        org_worker *w = engine_ping_owner(e, a->ping_id);
        if (w == NULL)
            return ALERT_UNMATCHED;
        return engine_worker_push(w, a) ? ALERT_QUEUED : ALERT_FULL;
    }
    pthread_mutex_lock(&e->lock);
    if (!e->orgs_known) {
        bool ok = e->count < TF_ORG_QUEUE_CAPACITY;
        if (ok) {
            e->ring[(e->head + e->count) % TF_ORG_QUEUE_CAPACITY] = *a;
            e->count++;
        }
        pthread_mutex_unlock(&e->lock);
        return ok ? ALERT_QUEUED : ALERT_FULL;
    }
    sorted = e->sorted;
    n = e->n_workers;
    pthread_mutex_unlock(&e->lock);

    org_worker *w = engine_find_worker(sorted, n, a->organization_id);
    if (w == NULL) {
        engine_skip_alert(a);
        return ALERT_QUEUED;
    }
    return engine_worker_push(w, a) ? ALERT_QUEUED : ALERT_FULL;
}

alert_relevance engine_relevance(engine *e, const char *org_id, const char *network_id)
{
    org_worker *const *sorted;
    size_t n;

    /* Another replica's organization (shard = i/N) is decided from the ID alone, so before
     * the organization list is read too. */
    if (!shard_owns(e->cfg->shard, org_id))
        return ALERT_ORG_NOT_CONFIGURED;
    if (e->cfg->organization_ids.n > 0 && !config_strs_contains(&e->cfg->organization_ids, org_id))
        return ALERT_ORG_NOT_CONFIGURED;
    /* With organization_ids empty, every organization counts until the key's list has been
     * read. */
    if (!engine_workers(e, &sorted, &n))
        return ALERT_RELEVANT;
    org_worker *w = engine_find_worker(sorted, n, org_id);
    if (w == NULL)
        return ALERT_ORG_NOT_CONFIGURED;
    engine_snap *s = engine_snap_take(w);
    bool unmanaged = s != NULL && status_org_unmanaged(&s->org, network_id);
    engine_snap_unref(s);
    return unmanaged ? ALERT_NETWORK_UNMANAGED : ALERT_RELEVANT;
}

/* Renders the snapshots of every organization with `render` (the two documents of /status
 * and /status/series). */
static char *engine_render(engine *e,
                           char *(*render)(const engine *e, const status_org *const *, size_t))
{
    size_t n = 0;

    pthread_mutex_lock(&e->lock);
    org_worker *const *workers = e->workers;
    n = e->n_workers;
    pthread_mutex_unlock(&e->lock);

    engine_snap **snaps = n > 0 ? calloc(n, sizeof(*snaps)) : NULL;
    const status_org **orgs = n > 0 ? calloc(n, sizeof(*orgs)) : NULL;
    char *out = NULL;
    if (n > 0 && (snaps == NULL || orgs == NULL))
        goto out;
    for (size_t i = 0; i < n; i++) {
        snaps[i] = engine_snap_take(workers[i]);
        orgs[i] = &snaps[i]->org;
    }
    out = render(e, orgs, n);
    for (size_t i = 0; i < n; i++)
        engine_snap_unref(snaps[i]);
out:
    free(snaps);
    free(orgs);
    return out;
}

static char *engine_render_status(const engine *e, const status_org *const *orgs, size_t n)
{
    (void)e;
    return status_render_json(orgs, n, false);
}

static char *engine_render_series(const engine *e, const status_org *const *orgs, size_t n)
{
    return status_render_series_json(orgs, n, e->cfg->loss_threshold_pct, e->cfg->detect_window_s);
}

char *engine_status_json(engine *e)
{
    return engine_render(e, engine_render_status);
}

char *engine_series_json(engine *e)
{
    return engine_render(e, engine_render_series);
}

bool engine_ready(engine *e, char *why, size_t len)
{
    const uint64_t limit_ms = 3u * (uint64_t)e->cfg->reconcile_interval_s * 1000u;
    uint64_t now = engine_now_ms();
    org_worker *const *sorted;
    size_t n;
    bool ready = true;
    char reason[1024] = "";

    if (!engine_workers(e, &sorted, &n)) {
        ready = false;
        snprintf(reason, sizeof(reason), "the organizations have not been read yet");
    }
    for (size_t i = 0; ready && i < n; i++) {
        org_worker *w = sorted[i];
        pthread_mutex_lock(&w->snap_lock);
        if (!w->reconciled) {
            ready = false;
            snprintf(reason, sizeof(reason), "organization %s: no successful reconcile yet%s%s",
                     w->org.model.id, w->last_error[0] ? ": " : "", w->last_error);
        } else if (now - w->last_ok_ms > limit_ms) {
            ready = false;
            snprintf(reason, sizeof(reason),
                     "organization %s: last successful reconcile %llu s ago%s%s", w->org.model.id,
                     (unsigned long long)((now - w->last_ok_ms) / 1000u),
                     w->last_error[0] ? ": " : "", w->last_error);
        }
        pthread_mutex_unlock(&w->snap_lock);
    }
    if (!ready && len > 0)
        snprintf(why, len, "%s", reason);
    return ready;
}

size_t engine_queue_length(engine *e)
{
    org_worker *const *sorted;
    size_t n, total;

    pthread_mutex_lock(&e->lock);
    total = e->count;
    pthread_mutex_unlock(&e->lock);
    if (engine_workers(e, &sorted, &n)) {
        for (size_t i = 0; i < n; i++) {
            pthread_mutex_lock(&sorted[i]->inbox_lock);
            total += sorted[i]->inbox_count;
            pthread_mutex_unlock(&sorted[i]->inbox_lock);
        }
    }
    return total;
}

static alert_relevance engine_sink_relevance(void *ctx, const char *org_id, const char *network_id)
{
    return engine_relevance(ctx, org_id, network_id);
}

static alert_submit engine_sink_submit(void *ctx, const alert_event *a)
{
    return engine_submit_alert(ctx, a);
}

webhook_sink engine_webhook_sink(engine *e)
{
    webhook_sink s = {engine_sink_relevance, engine_sink_submit, e};
    return s;
}

static bool engine_source_ready(void *ctx, char *why, size_t len)
{
    return engine_ready(ctx, why, len);
}

static char *engine_source_status(void *ctx)
{
    return engine_status_json(ctx);
}

static char *engine_source_series(void *ctx)
{
    return engine_series_json(ctx);
}

admin_source engine_admin_source(engine *e)
{
    admin_source s = {.ready = engine_source_ready,
                      .status_json = engine_source_status,
                      .series_json = engine_source_series,
                      .ctx = e};
    return s;
}

const char *engine_strerror(engine_err err)
{
    switch (err) {
    case ENGINE_OK:
        return "success";
    case ENGINE_ERR_NOMEM:
        return "out of memory";
    case ENGINE_ERR_THREAD:
        return "cannot start the engine thread";
    case ENGINE_ERR_STATE:
        return "engine started twice or used after stop";
    }
    return "unknown engine error";
}
