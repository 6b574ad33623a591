/*
 * look.c - one organization's data to a decision per network. See look.h.
 *
 * The loss answer holds one item per (device, uplink, destination IP), possibly several per
 * key: one per chunk when the window is read in 300-s pieces, and one per appliance of a
 * high-availability pair. A key's samples are merged by timestamp; where two samples share a
 * timestamp (the boundary second of two chunks) the worse one is kept, so merging can never
 * hide loss and never invents data.
 */
#include "tagfailover/look.h"

#include <stdlib.h>
#include <string.h>

#define LOOK_MAX_UPLINKS 4

/* Room for `<site>_primary_up`. */
#define LOOK_UP_TAG_MAX (TF_SITE_MAX_LEN + sizeof("_primary_up"))

struct look_ctx {
    const config *cfg;
    const look_data *data;
    const dj_loss_item **loss; /* sorted by (network_id, ip, uplink) */
    size_t n_loss;
    const dj_appliance **appliances; /* sorted by network_id */
    size_t n_appliances;
};

static int look_cmp_str(const char *a, const char *b)
{
    return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int look_cmp_key(const dj_loss_item *item, const char *network_id, const char *ip,
                        const char *uplink)
{
    int c = look_cmp_str(item->network_id, network_id);
    if (c == 0)
        c = look_cmp_str(item->ip, ip);
    if (c == 0)
        c = look_cmp_str(item->uplink, uplink);
    return c;
}

static int look_cmp_loss(const void *a, const void *b)
{
    const dj_loss_item *x = *(const dj_loss_item *const *)a;
    const dj_loss_item *y = *(const dj_loss_item *const *)b;
    return look_cmp_key(x, y->network_id, y->ip, y->uplink);
}

static int look_cmp_appliance(const void *a, const void *b)
{
    const dj_appliance *x = *(const dj_appliance *const *)a;
    const dj_appliance *y = *(const dj_appliance *const *)b;
    return look_cmp_str(x->network_id, y->network_id);
}

look_err look_ctx_new(const look_data *data, const config *cfg, look_ctx **out)
{
    look_ctx *ctx = calloc(1, sizeof(*ctx));
    *out = NULL;
    if (ctx == NULL)
        return LOOK_ERR_NOMEM;
    ctx->cfg = cfg;
    ctx->data = data;
    if (data->n_loss > 0) {
        ctx->loss = malloc(data->n_loss * sizeof(*ctx->loss));
        if (ctx->loss == NULL)
            goto nomem;
        for (size_t i = 0; i < data->n_loss; i++)
            ctx->loss[i] = &data->loss[i];
        ctx->n_loss = data->n_loss;
        qsort(ctx->loss, ctx->n_loss, sizeof(*ctx->loss), look_cmp_loss);
    }
    if (data->n_appliances > 0) {
        ctx->appliances = malloc(data->n_appliances * sizeof(*ctx->appliances));
        if (ctx->appliances == NULL)
            goto nomem;
        for (size_t i = 0; i < data->n_appliances; i++)
            ctx->appliances[i] = &data->appliances[i];
        ctx->n_appliances = data->n_appliances;
        qsort(ctx->appliances, ctx->n_appliances, sizeof(*ctx->appliances), look_cmp_appliance);
    }
    *out = ctx;
    return LOOK_OK;

nomem:
    look_ctx_free(ctx);
    return LOOK_ERR_NOMEM;
}

void look_ctx_free(look_ctx *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->loss);
    free(ctx->appliances);
    free(ctx);
}

/* Writes the tag a site's peer in a role is made available by, `<site>_primary_up` or
 * `<site>_backup_up`, into buf; false when the site is too long. */
static bool look_up_tag(const char *site, tags_role role, char *buf, size_t size)
{
    size_t len = strlen(site);
    const char *suffix = role == TAGS_ROLE_PRIMARY ? "_primary_up" : "_backup_up";

    if (len > TF_SITE_MAX_LEN || len + strlen(suffix) + 1 > size)
        return false;
    memcpy(buf, site, len);
    strcpy(buf + len, suffix);
    return true;
}

bool look_peer_serves(const dj_peer *peers, size_t n_peers, const char *site, tags_role role)
{
    char tag[LOOK_UP_TAG_MAX];

    if (!look_up_tag(site, role, tag, sizeof(tag)))
        return false;
    for (size_t i = 0; i < n_peers; i++) {
        if (tags_contains(&peers[i].network_tags, tag))
            return true;
    }
    return false;
}

const char *look_tracked_ip(const config *cfg, const dj_peer *peers, size_t n_peers,
                            const char *site, tags_role role)
{
    const char *override = config_site_tracked_ip(cfg, site);
    if (override != NULL)
        return override;

    /* The peer that serves this site in this role is the one made available to networks by
     * the site's "up" tag: `<site>_primary_up` or `<site>_backup_up`. */
    char tag[LOOK_UP_TAG_MAX];
    if (!look_up_tag(site, role, tag, sizeof(tag)))
        return NULL;
    for (size_t i = 0; i < n_peers; i++) {
        if (peers[i].public_ip != NULL && peers[i].public_ip[0] != '\0' &&
            tags_contains(&peers[i].network_tags, tag))
            return peers[i].public_ip;
    }
    return NULL;
}

void look_policy_params(const config *cfg, policy_params *out)
{
    out->loss_threshold_pct = cfg->loss_threshold_pct;
    out->failback_max_loss_pct = cfg->failback_max_loss_pct;
    out->detect_window_s = cfg->detect_window_s;
    out->clean_window_s = cfg->clean_window_s;
    out->require_backup_healthy = cfg->require_backup_healthy;
    out->failback_auto = cfg->failback_auto;
}

/* Appends the uplink name to the set unless it is already there. */
static void look_add_uplink(look_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_considered; i++)
        if (strcmp(r->considered[i], name) == 0)
            return;
    if (r->n_considered < LOOK_MAX_UPLINKS)
        r->considered[r->n_considered++] = name;
}

/* Fills r->considered: the configured list, or every uplink an appliance of the network
 * reports `active`. */
static void look_considered_uplinks(const look_ctx *ctx, const char *network_id, look_result *r)
{
    r->n_considered = 0;
    if (!ctx->cfg->uplinks_active) {
        for (size_t i = 0; i < ctx->cfg->uplinks.n; i++)
            look_add_uplink(r, ctx->cfg->uplinks.v[i]);
        return;
    }
    size_t lo = 0, hi = ctx->n_appliances;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (look_cmp_str(ctx->appliances[mid]->network_id, network_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo;
         i < ctx->n_appliances && look_cmp_str(ctx->appliances[i]->network_id, network_id) == 0;
         i++) {
        const dj_appliance *a = ctx->appliances[i];
        for (size_t u = 0; u < a->n_uplinks; u++) {
            if (a->uplinks[u].interface != NULL && a->uplinks[u].status != NULL &&
                strcmp(a->uplinks[u].status, "active") == 0)
                look_add_uplink(r, a->uplinks[u].interface);
        }
    }
}

static int look_cmp_sample(const void *a, const void *b)
{
    const policy_sample *x = a, *y = b;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

/* Sorts `v` by ts and keeps one sample per ts, the worse of two (a real loss beats a smaller
 * loss, any loss beats a null); returns how many remain. */
static size_t look_merge_worst(policy_sample *v, size_t total)
{
    qsort(v, total, sizeof(*v), look_cmp_sample);
    size_t m = 0;
    for (size_t i = 0; i < total; i++) {
        if (m > 0 && v[m - 1].ts == v[i].ts) {
            policy_sample *keep = &v[m - 1];
            if (v[i].has_loss && (!keep->has_loss || v[i].loss_pct > keep->loss_pct))
                *keep = v[i];
            continue;
        }
        v[m++] = v[i];
    }
    return m;
}

/* Merges every item of (network, ip, uplink) into one series sorted by ts, one sample per ts
 * (the worse of two: a real loss beats a smaller loss, any loss beats a null). The caller
 * frees *samples. */
static look_err look_series(const look_ctx *ctx, const char *network_id, const char *ip,
                            const char *uplink, policy_sample **samples, size_t *n)
{
    size_t lo = 0, hi = ctx->n_loss, total = 0;
    *samples = NULL;
    *n = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (look_cmp_key(ctx->loss[mid], network_id, ip, uplink) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < ctx->n_loss && look_cmp_key(ctx->loss[end], network_id, ip, uplink) == 0)
        total += ctx->loss[end++]->n;
    if (total == 0)
        return LOOK_OK;

    policy_sample *v = malloc(total * sizeof(*v));
    if (v == NULL)
        return LOOK_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = lo; i < end; i++) {
        memcpy(v + k, ctx->loss[i]->samples, ctx->loss[i]->n * sizeof(*v));
        k += ctx->loss[i]->n;
    }
    *samples = v;
    *n = look_merge_worst(v, total);
    return LOOK_OK;
}

look_err look_series_of(const look_ctx *ctx, const char *network_id, const char *ip,
                        const char *uplink, policy_sample **samples, size_t *n)
{
    return look_series(ctx, network_id, ip, uplink, samples, n);
}

/* Builds the series of one IP on every considered uplink; uplinks without any sample are
 * left out (policy counts them as no data through n_considered_uplinks). */
static look_err look_build(const look_ctx *ctx, const char *network_id, const char *ip,
                           const look_result *r, policy_series *series, policy_sample **owned,
                           size_t *n_series)
{
    *n_series = 0;
    for (size_t u = 0; u < r->n_considered; u++) {
        policy_sample *s;
        size_t n;
        if (look_series(ctx, network_id, ip, r->considered[u], &s, &n) != LOOK_OK)
            return LOOK_ERR_NOMEM;
        if (n == 0)
            continue;
        owned[*n_series] = s;
        series[*n_series] = (policy_series){.uplink = r->considered[u], .samples = s, .n = n};
        (*n_series)++;
    }
    return LOOK_OK;
}

/* When `network_id` moved to its backup, from the data's sorted table. */
static bool look_moved_at(const look_data *d, const char *network_id, int64_t *at)
{
    size_t lo = 0, hi = d->n_moved;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->moved[mid].network_id, network_id);
        if (c == 0) {
            *at = d->moved[mid].at;
            return true;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* When a failed-over network's clean window will be proven if no new loss arrives: the later
 * of the last lossy sample and the failover, plus the window and the data's lag. Unknown when
 * neither is known. */
static void look_failback_due(const config *cfg, look_result *r)
{
    if (r->tags.state != TAGS_FAILED_OVER || r->tracked_ip == NULL || !cfg->failback_auto)
        return;
    bool have = false;
    int64_t base = 0;
    if (r->decision.has_last_bad) {
        base = r->decision.last_bad_ts;
        have = true;
    }
    if (r->has_failed_over_at && (!have || r->failed_over_at > base)) {
        base = r->failed_over_at;
        have = true;
    }
    if (!have)
        return;
    r->has_failback_due = true;
    r->failback_due_at = base + cfg->clean_window_s + cfg->data_lag_s;
}

look_err look_network(const look_ctx *ctx, const dj_network *net, int64_t t1, look_result *out)
{
    policy_series primary[LOOK_MAX_UPLINKS], backup[LOOK_MAX_UPLINKS];
    policy_sample *owned[2 * LOOK_MAX_UPLINKS] = {0};
    size_t n_primary = 0, n_backup = 0;
    look_err rc = LOOK_OK;

    memset(out, 0, sizeof(*out));
    tags_classify(&net->tags, ctx->cfg->hold_tag, &out->tags);
    /* A record over a cap has no tags to judge: managed as far as anyone can tell, and never
     * touched. */
    if (net->unreadable) {
        memset(&out->tags, 0, sizeof(out->tags));
        out->tags.state = TAGS_INVALID;
        out->tags.reason = TF_REASON_UNREADABLE;
    }

    const look_data *d = ctx->data;
    if (out->tags.has_primary)
        out->tracked_ip = look_tracked_ip(ctx->cfg, d->peers, d->n_peers, out->tags.primary.site,
                                          TAGS_ROLE_PRIMARY);
    if (out->tags.has_backup)
        out->backup_ip = look_tracked_ip(ctx->cfg, d->peers, d->n_peers, out->tags.backup.site,
                                         TAGS_ROLE_BACKUP);

    policy_input in = {
        .state = out->tags.state,
        .state_reason = out->tags.reason,
        .has_tracked_ip = out->tracked_ip != NULL,
    };
    bool acts = out->tags.state == TAGS_NORMAL || out->tags.state == TAGS_FAILED_OVER;
    /* Where the retag would lead: a failover to the backup's peer, a failback to the
     * primary's. Judged only once the organization's peers are known. */
    char need[LOOK_UP_TAG_MAX];
    if (acts && d->peers_read) {
        bool normal = out->tags.state == TAGS_NORMAL;
        const char *site = normal ? out->tags.backup.site : out->tags.primary.site;
        tags_role role = normal ? TAGS_ROLE_BACKUP : TAGS_ROLE_PRIMARY;
        if (!look_peer_serves(d->peers, d->n_peers, site, role))
            in.missing_peer = look_up_tag(site, role, need, sizeof(need)) ? need : site;
    }
    /* A held or invalid network is never acted on, but its primary's series are still read
     * so that /status and `status` show its worst loss (the README's "Command line": every managed
     * network's worst loss in the window); an operator deciding when to lift a hold needs
     * exactly that number. */
    if (out->tags.state != TAGS_UNMANAGED && out->tracked_ip != NULL) {
        look_considered_uplinks(ctx, net->id, out);
        rc = look_build(ctx, net->id, out->tracked_ip, out, primary, owned, &n_primary);
        if (rc == LOOK_OK && acts && out->backup_ip != NULL)
            rc = look_build(ctx, net->id, out->backup_ip, out, backup, owned + LOOK_MAX_UPLINKS,
                            &n_backup);
        if (rc != LOOK_OK)
            goto out;
    }
    in.primary = primary;
    in.n_primary = n_primary;
    in.n_considered_uplinks = out->n_considered;
    in.backup = backup;
    in.n_backup = n_backup;
    if (out->tags.state == TAGS_FAILED_OVER && look_moved_at(d, net->id, &out->failed_over_at)) {
        out->has_failed_over_at = true;
        in.has_failed_over_at = true;
        in.failed_over_at = out->failed_over_at;
    }

    policy_params params;
    look_policy_params(ctx->cfg, &params);
    /* No active uplink means no series and n_considered_uplinks 0, which the policy itself
     * answers with no_data in either direction. */
    policy_decide(&in, &params, t1, &out->decision);
    look_failback_due(ctx->cfg, out);

out:
    for (size_t i = 0; i < 2 * LOOK_MAX_UPLINKS; i++)
        free(owned[i]);
    return rc;
}

look_err look_primary_window(const look_ctx *ctx, const dj_network *net, const look_result *r,
                             int64_t t1, policy_sample **out, size_t *n)
{
    policy_sample *all = NULL;
    size_t total = 0;
    const int64_t t0 = t1 - ctx->cfg->detect_window_s;

    *out = NULL;
    *n = 0;
    if (r->tracked_ip == NULL)
        return LOOK_OK;
    for (size_t u = 0; u < r->n_considered; u++) {
        policy_sample *s;
        size_t k;
        if (look_series(ctx, net->id, r->tracked_ip, r->considered[u], &s, &k) != LOOK_OK) {
            free(all);
            return LOOK_ERR_NOMEM;
        }
        policy_sample *v = k > 0 ? realloc(all, (total + k) * sizeof(*v)) : all;
        if (k > 0 && v == NULL) {
            free(s);
            free(all);
            return LOOK_ERR_NOMEM;
        }
        all = v;
        for (size_t i = 0; i < k; i++)
            if (s[i].ts >= t0 && s[i].ts <= t1)
                all[total++] = s[i];
        free(s);
    }
    if (total == 0) {
        free(all);
        return LOOK_OK;
    }
    *out = all;
    *n = look_merge_worst(all, total);
    return LOOK_OK;
}

look_state look_network_state(const look_result *r)
{
    switch (r->tags.state) {
    case TAGS_HELD:
        return LOOK_STATE_HELD;
    case TAGS_INVALID:
        return LOOK_STATE_INVALID;
    case TAGS_NORMAL:
    case TAGS_FAILED_OVER:
        if (r->tracked_ip == NULL)
            return LOOK_STATE_NO_TRACKED_IP;
        return r->tags.state == TAGS_NORMAL ? LOOK_STATE_NORMAL : LOOK_STATE_FAILED_OVER;
    case TAGS_UNMANAGED:
    default:
        return LOOK_STATE_UNMANAGED;
    }
}

const char *look_state_name(look_state s)
{
    static const char *const names[] = {
        [LOOK_STATE_NORMAL] = "normal",
        [LOOK_STATE_FAILED_OVER] = "failed_over",
        [LOOK_STATE_HELD] = "held",
        [LOOK_STATE_INVALID] = "invalid",
        [LOOK_STATE_NO_TRACKED_IP] = "no_tracked_ip",
        [LOOK_STATE_UNMANAGED] = "unmanaged",
    };
    if ((unsigned)s < sizeof(names) / sizeof(names[0]))
        return names[s];
    return "unknown";
}
