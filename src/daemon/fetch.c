/*
 * fetch.c - what one look at one organization reads through the API. See fetch.h.
 */
#include "tagfailover/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/log.h"

/* Most chunks one look may need: 86,400-s windows (the config's ceiling) / 300 s, plus one. */
#define FETCH_MAX_CHUNKS 300

const char *fetch_strerror(fetch_err e)
{
    switch (e) {
    case FETCH_OK:
        return "success";
    case FETCH_ERR_API:
        return "Dashboard API call failed";
    case FETCH_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

void fetch_dash_options(const config *cfg, dash_options *out)
{
    memset(out, 0, sizeof(*out));
    out->base_url = cfg->base_url;
    out->api_key = cfg->api_key;
    out->shared_secret = cfg->shared_secret;
    out->timeout_s = cfg->timeout_s;
    /* The client reads 0 as "the default"; a configured 0 means no retry at all. */
    out->max_retries = cfg->max_retries > 0 ? cfg->max_retries : -1;
    out->ca_file = cfg->ca_file;
    out->requests_per_second = cfg->requests_per_second;
    out->requests_burst = cfg->requests_burst;
    out->requests_per_second_total = cfg->requests_per_second_total;
}

void fetch_strs_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void fetch_peers_free(fetch_peers *c)
{
    dj_peers_free(c->peers, c->n_peers);
    sites_free(&c->seen);
    memset(c, 0, sizeof(*c));
}

void fetch_data_free(fetch_data *d)
{
    dj_networks_free(d->networks, d->n_networks);
    dj_appliances_free(d->appliances, d->n_appliances);
    dj_loss_free(d->loss, d->n_loss);
    memset(d, 0, sizeof(*d));
}

/* Moves `n` items of `src` to the end of *dst (the items' members change owner). */
static fetch_err fetch_append_loss(fetch_data *d, dj_loss_item *src, size_t n)
{
    if (n == 0) {
        free(src);
        return FETCH_OK;
    }
    dj_loss_item *v = realloc(d->loss, (d->n_loss + n) * sizeof(*v));
    if (v == NULL) {
        dj_loss_free(src, n);
        return FETCH_ERR_NOMEM;
    }
    memcpy(v + d->n_loss, src, n * sizeof(*v));
    free(src);
    d->loss = v;
    d->n_loss += n;
    return FETCH_OK;
}

/* Fills the peer cache when it is empty, older than FETCH_PEERS_TTL_S, or older than
 * FETCH_PEERS_RETRY_S while some tracked IP was unknown. A failed re-read keeps the old list. */
static fetch_err fetch_peers_refresh(const fetch_env *env, const char *org_id, fetch_peers *c,
                                     double now_mono, dash_error *err)
{
    double age = now_mono - c->read_at;
    if (c->have && age < FETCH_PEERS_TTL_S && !(c->want_refresh && age >= FETCH_PEERS_RETRY_S))
        return FETCH_OK;

    dj_peer *peers = NULL;
    size_t n = 0;
    if (dash_get_peers(env->client, org_id, &peers, &n, err) != DASH_OK) {
        if (!c->have)
            return FETCH_ERR_API;
        log_msg(LOG_WARN, "peers_stale", "org %s: keeping the peers read %.0f s ago: %s", org_id,
                age, err->message);
        return FETCH_OK;
    }
    dj_peers_free(c->peers, c->n_peers);
    c->peers = peers;
    c->n_peers = n;
    c->have = true;
    c->read_at = now_mono;
    c->want_refresh = false;
    return FETCH_OK;
}

/* The listing filter of the known sites; *use false when none can be made (see fetch.h). */
static fetch_err fetch_filter(const config *cfg, const fetch_peers *c, tags_list *out, bool *use)
{
    sites_set s = {0};
    tags_err e = TAGS_OK;

    *out = (tags_list){0};
    *use = false;
    if (!c->have || !c->listed_all)
        return FETCH_OK;
    for (size_t i = 0; e == TAGS_OK && i < c->n_peers; i++)
        e = sites_add_from_tags(&s, &c->peers[i].network_tags);
    for (size_t i = 0; e == TAGS_OK && i < cfg->n_sites; i++)
        e = sites_add(&s, cfg->sites[i].name);
    if (e == TAGS_OK)
        e = sites_add_all(&s, &c->seen);
    if (e == TAGS_OK)
        e = sites_filter(&s, out, use);
    sites_free(&s);
    return e == TAGS_OK ? FETCH_OK : FETCH_ERR_NOMEM;
}

fetch_err fetch_list_managed(const fetch_env *env, const char *org_id, const fetch_peers *peers,
                             dj_network **out, size_t *n, dash_error *err)
{
    tags_list filter;
    bool use = false;

    *out = NULL;
    *n = 0;
    if (fetch_filter(env->cfg, peers, &filter, &use) != FETCH_OK) {
        snprintf(err->message, sizeof(err->message), "out of memory");
        return FETCH_ERR_NOMEM;
    }
    dash_err de =
        dash_list_networks(env->client, org_id, use ? &filter : NULL, DASH_TAGS_ANY, out, n, err);
    tags_list_free(&filter);
    return de == DASH_OK ? FETCH_OK : FETCH_ERR_API;
}

/* A reconcile's listing: filtered, or whole (and then the sites its pair tags name are
 * learned) at the first reconcile, every FETCH_LIST_ALL_S, and when no filter can be made. */
static fetch_err fetch_networks(const fetch_env *env, const char *org_id, fetch_peers *c,
                                double now_mono, fetch_data *out, dash_error *err)
{
    tags_list filter = {0};
    bool use = false;

    if (c->listed_all && now_mono - c->listed_all_at < FETCH_LIST_ALL_S &&
        fetch_filter(env->cfg, c, &filter, &use) != FETCH_OK) {
        snprintf(err->message, sizeof(err->message), "out of memory");
        return FETCH_ERR_NOMEM;
    }
    dash_err de = dash_list_networks(env->client, org_id, use ? &filter : NULL, DASH_TAGS_ANY,
                                     &out->networks, &out->n_networks, err);
    tags_list_free(&filter);
    if (de != DASH_OK)
        return FETCH_ERR_API;
    if (use)
        return FETCH_OK;
    sites_set seen = {0};
    for (size_t i = 0; i < out->n_networks; i++) {
        if (sites_add_from_tags(&seen, &out->networks[i].tags) != TAGS_OK) {
            sites_free(&seen);
            return FETCH_ERR_NOMEM;
        }
    }
    sites_free(&c->seen);
    c->seen = seen;
    c->listed_all = true;
    c->listed_all_at = now_mono;
    return FETCH_OK;
}

/* Most tracked IPs one organization's loss is read for when it is read per IP. */
#define FETCH_MAX_IPS 64

/* The tracked IPs a look can use, each once: the publicIp of every peer whose networkTags hold
 * a pair tag, and every [site] tracked_ip. Returns how many (at most `max`). */
static size_t fetch_tracked_ips(const config *cfg, const fetch_peers *c, const char **ips,
                                size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_peers + cfg->n_sites && n < max; i++) {
        const char *ip = NULL;
        if (i < c->n_peers) {
            const dj_peer *p = &c->peers[i];
            for (size_t k = 0; p->public_ip != NULL && k < p->network_tags.n && ip == NULL; k++) {
                tags_pair_tag pt;
                if (tags_parse_pair_tag(p->network_tags.v[k], &pt))
                    ip = p->public_ip;
            }
        } else {
            ip = cfg->sites[i - c->n_peers].tracked_ip;
        }
        bool dup = ip == NULL;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(ips[k], ip) == 0;
        if (!dup)
            ips[n++] = ip;
    }
    return n;
}

/* One chunk of the loss data: one call; or, once an answer was over the size cap, one call
 * per tracked IP. */
static fetch_err fetch_loss_chunk(const fetch_env *env, const char *org_id, fetch_peers *c,
                                  const policy_chunk *chunk, fetch_data *out, dash_error *err)
{
    dj_loss_item *items = NULL;
    size_t n = 0;
    if (!c->loss_by_ip) {
        dash_err de =
            dash_get_loss(env->client, org_id, chunk->t0, chunk->t1, NULL, NULL, &items, &n, err);
        if (de == DASH_OK)
            return fetch_append_loss(out, items, n);
        if (de != DASH_ERR_TOO_LARGE)
            return FETCH_ERR_API;
        log_msg(LOG_WARN, "loss_by_ip",
                "org %s: %s; reading the loss data one tracked IP at a time from now on", org_id,
                err->message);
        c->loss_by_ip = true;
        dash_client_release_memory(env->client);
    }
    const char *ips[FETCH_MAX_IPS];
    size_t n_ips = fetch_tracked_ips(env->cfg, c, ips, FETCH_MAX_IPS);
    if (n_ips == 0) {
        snprintf(err->message, sizeof(err->message),
                 "the loss data is over the size cap and no tracked IP is known to read it by");
        return FETCH_ERR_API;
    }
    for (size_t i = 0; i < n_ips; i++) {
        if (dash_get_loss(env->client, org_id, chunk->t0, chunk->t1, NULL, ips[i], &items, &n,
                          err) != DASH_OK)
            return FETCH_ERR_API;
        fetch_err rc = fetch_append_loss(out, items, n);
        if (rc != FETCH_OK)
            return rc;
    }
    return FETCH_OK;
}

fetch_err fetch_read(const fetch_env *env, const char *org_id, fetch_peers *peers,
                     bool with_networks, time_t now, double now_mono, fetch_data *out,
                     dash_error *err)
{
    const config *cfg = env->cfg;
    policy_chunk chunks[FETCH_MAX_CHUNKS];
    fetch_err rc = FETCH_OK;

    memset(out, 0, sizeof(*out));
    policy_look_range((int64_t)now, cfg->data_lag_s, cfg->detect_window_s, cfg->clean_window_s,
                      &out->t0, &out->t1);

    /* The peers first: the networks listing is filtered by the sites they name. */
    rc = fetch_peers_refresh(env, org_id, peers, now_mono, err);
    if (rc != FETCH_OK)
        goto out;
    if (with_networks) {
        rc = fetch_networks(env, org_id, peers, now_mono, out, err);
        if (rc != FETCH_OK)
            goto out;
    }
    if (cfg->uplinks_active && dash_list_uplink_statuses(env->client, org_id, &out->appliances,
                                                         &out->n_appliances, err) != DASH_OK) {
        rc = FETCH_ERR_API;
        goto out;
    }
    size_t n_chunks = policy_chunks(out->t0, out->t1, chunks, FETCH_MAX_CHUNKS);
    if (n_chunks > FETCH_MAX_CHUNKS)
        n_chunks = FETCH_MAX_CHUNKS;
    for (size_t i = 0; i < n_chunks; i++) {
        rc = fetch_loss_chunk(env, org_id, peers, &chunks[i], out, err);
        if (rc != FETCH_OK)
            goto out;
    }
    out->look = (look_data){
        .appliances = out->appliances,
        .n_appliances = out->n_appliances,
        .loss = out->loss,
        .n_loss = out->n_loss,
        .peers = peers->peers,
        .n_peers = peers->n_peers,
        .peers_read = peers->have,
    };
out:
    if (rc != FETCH_OK)
        fetch_data_free(out);
    return rc;
}

fetch_err fetch_organizations(const fetch_env *env, char ***ids, char ***names, size_t *n,
                              dash_error *err)
{
    const config_strs *want = &env->cfg->organization_ids;
    dj_org *orgs = NULL;
    size_t n_orgs = 0;
    fetch_err rc = FETCH_OK;
    char **vi = NULL, **vn = NULL;
    size_t count = 0;

    *ids = NULL;
    *names = NULL;
    *n = 0;
    dash_err de = dash_list_organizations(env->client, &orgs, &n_orgs, err);
    if (de != DASH_OK) {
        if (want->n == 0)
            return FETCH_ERR_API;
        log_msg(LOG_WARN, "organizations", "cannot read organization names: %s", err->message);
        n_orgs = 0;
    }
    size_t cap = want->n > 0 ? want->n : n_orgs;
    if (cap > 0) {
        vi = calloc(cap, sizeof(*vi));
        vn = calloc(cap, sizeof(*vn));
        if (vi == NULL || vn == NULL) {
            rc = FETCH_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < cap; i++) {
        const char *id = want->n > 0 ? want->v[i] : orgs[i].id;
        const char *name = NULL;
        /* Another replica's organization (shard = i/N) is left to it. */
        if (!shard_owns(env->cfg->shard, id))
            continue;
        for (size_t k = 0; k < n_orgs; k++)
            if (strcmp(orgs[k].id, id) == 0)
                name = orgs[k].name;
        vi[count] = strdup(id);
        vn[count] = name != NULL ? strdup(name) : NULL;
        count++;
        if (vi[count - 1] == NULL || (name != NULL && vn[count - 1] == NULL)) {
            rc = FETCH_ERR_NOMEM;
            goto out;
        }
    }
    *ids = vi;
    *names = vn;
    *n = count;
    vi = vn = NULL;
out:
    fetch_strs_free(vi, count);
    fetch_strs_free(vn, count);
    dj_orgs_free(orgs, n_orgs);
    return rc;
}
