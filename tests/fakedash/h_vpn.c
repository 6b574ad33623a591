/*
 * h_vpn.c - third-party VPN peers and VPN statuses (see h_vpn.h).
 */
#include "h_vpn.h"

#include "h_appliance.h"
#include "jsonutil.h"
#include "page.h"
#include "sbuf.h"
#include "scenario.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most values of one array filter, and the longest publicIp an override may name. */
#define HVPN_MAX_FILTER 1000
#define HVPN_MAX_IP     64

/* ---- third-party VPN peers ---- */

static void hvpn_peers_reply(struct api_ctx *ctx, const struct state_org *org)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "peers", json_object_get(org->peers));
    http_reply_json(ctx->reply, 200, o);
}

static void hvpn_get_peers(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);

    if (org == NULL)
        api_not_found(ctx);
    else
        hvpn_peers_reply(ctx, org);
}

static void hvpn_put_peers(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    struct json_object *body, *peers, *out;
    char err[256] = "";
    size_t n;

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    if ((body = api_body_object(ctx)) == NULL)
        return;
    if (!json_object_object_get_ex(body, "peers", &peers) ||
        !json_object_is_type(peers, json_type_array)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'peers' must be an array");
        return;
    }
    out = json_object_new_array();
    n = json_object_array_length(peers);
    for (size_t i = 0; i < n; i++) {
        struct json_object *p = json_object_array_get_idx(peers, i), *v, *made;

        /* The spec requires name, privateSubnets and secret on every peer. */
        if (!json_object_is_type(p, json_type_object) ||
            !json_object_object_get_ex(p, "privateSubnets", &v) ||
            !json_object_is_type(v, json_type_array) ||
            !json_object_object_get_ex(p, "secret", &v) ||
            !json_object_is_type(v, json_type_string)) {
            snprintf(err, sizeof err, "each peer needs name, privateSubnets and secret");
            break;
        }
        if ((made = scenario_peer(p, err, sizeof err)) == NULL)
            break;
        json_object_array_add(out, made);
    }
    json_object_put(body);
    if (err[0]) {
        json_object_put(out);
        http_reply_error(ctx->reply, 400, err);
        return;
    }
    json_object_put(org->peers);
    org->peers = out;
    hvpn_peers_reply(ctx, org);
}

/* ---- VPN statuses ---- */

/* Whether a peer's networkTags make it available to network n. */
static int hvpn_peer_applies(struct json_object *peer, const struct state_network *n)
{
    struct json_object *tags;
    size_t len;

    if (!json_object_object_get_ex(peer, "networkTags", &tags))
        return 1;
    len = json_object_array_length(tags);
    for (size_t i = 0; i < len; i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(tags, i));

        if (strcmp(t, "all") == 0)
            return 1;
        for (size_t j = 0; j < n->ntags; j++)
            if (strcmp(t, n->tags[j]) == 0)
                return 1;
    }
    return 0;
}

/* Whether n's primary appliance reaches `ip` at ts: some connected uplink has a sample with
 * loss under 100 %, unless the control API says otherwise. */
static int hvpn_reachable(struct state *st, const struct state_network *n, const char *ip,
                          double ts)
{
    const struct state_mx *mx = &n->mx[STATE_PRIMARY];
    struct json_object *v;

    if (n->vpn_reach && json_object_object_get_ex(n->vpn_reach, ip, &v))
        return strcmp(json_object_get_string(v), "reachable") == 0;
    for (int up = 0; up < STATE_NUPLINKS; up++) {
        struct loss_where w = {n->id, mx->serial, up, ip};
        double loss;

        if (mx->uplink[up] == STATE_US_NONE || mx->uplink[up] == STATE_US_NOT_CONNECTED)
            continue;
        if (loss_at(&n->loss, &st->loss_any, &w, ts, &loss) == LOSS_VALUE && loss < 100)
            return 1;
    }
    return 0;
}

static void hvpn_status_write(struct sbuf *b, struct api_ctx *ctx, const struct state_network *n)
{
    const struct state_mx *mx = &n->mx[STATE_PRIMARY];
    int online = 0, first = 1;
    size_t npeers = json_object_array_length(n->org->peers);

    for (int up = 0; up < STATE_NUPLINKS; up++)
        online |= mx->uplink[up] == STATE_US_ACTIVE;
    sbuf_adds(b, "{\"networkId\":");
    sbuf_json_str(b, n->id);
    sbuf_adds(b, ",\"networkName\":");
    sbuf_json_str(b, n->name);
    sbuf_adds(b, ",\"deviceSerial\":");
    sbuf_json_str(b, mx->serial);
    sbuf_printf(b, ",\"deviceStatus\":\"%s\",\"uplinks\":[", online ? "online" : "offline");
    for (int up = 0; up < STATE_NUPLINKS; up++) {
        char pub[32];

        if (mx->uplink[up] == STATE_US_NONE || mx->uplink[up] == STATE_US_NOT_CONNECTED)
            continue;
        happ_public_ip(n, STATE_PRIMARY, up, pub, sizeof pub);
        sbuf_printf(b, "%s{\"interface\":\"%s\",\"publicIp\":\"%s\"}", first ? "" : ",",
                    state_uplink_name(up), pub);
        first = 0;
    }
    sbuf_adds(b, "],\"vpnMode\":\"spoke\",\"exportedSubnets\":[],\"merakiVpnPeers\":[],"
                 "\"thirdPartyVpnPeers\":[");
    first = 1;
    for (size_t i = 0; i < npeers; i++) {
        struct json_object *p = json_object_array_get_idx(n->org->peers, i), *name, *ip;
        const char *ips;

        if (!hvpn_peer_applies(p, n))
            continue;
        json_object_object_get_ex(p, "name", &name);
        ips = json_object_object_get_ex(p, "publicIp", &ip) ? json_object_get_string(ip) : NULL;
        sbuf_adds(b, first ? "{\"name\":" : ",{\"name\":");
        sbuf_json_str(b, json_object_get_string(name));
        sbuf_adds(b, ",\"publicIp\":");
        sbuf_json_str(b, ips);
        sbuf_printf(b, ",\"reachability\":\"%s\"}",
                    ips && hvpn_reachable(ctx->st, n, ips, ctx->now) ? "reachable" : "unreachable");
        first = 0;
    }
    sbuf_adds(b, "]}");
}

static void hvpn_statuses(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    const char **nets = NULL;
    struct state_network **items = NULL;
    struct page_spec spec;
    size_t nn, n = 0, start, end;
    struct sbuf b = {0};

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    spec = page_spec_make(3, 300, 300, ctx->st->cfg.page_size);
    nets = calloc(HVPN_MAX_FILTER, sizeof *nets);
    items = malloc((org->nnets ? org->nnets : 1) * sizeof *items);
    if (!nets || !items) {
        http_reply_error(ctx->reply, 500, "out of memory");
        goto out;
    }
    nn = api_param_array(ctx->req, "networkIds", nets, HVPN_MAX_FILTER);
    for (size_t i = 0; i < org->nnets; i++) {
        struct state_network *net = org->nets[i];

        if (!net->deleted && net->mx[STATE_PRIMARY].serial &&
            (nn == 0 || api_in(net->id, nets, nn)))
            items[n++] = net;
    }
    if (page_select(ctx->st, items, n, ctx->req, &spec, ctx->reply, &start, &end) != 0)
        goto out;
    sbuf_adds(&b, "[");
    for (size_t i = start; i < end; i++) {
        if (i > start)
            sbuf_adds(&b, ",");
        hvpn_status_write(&b, ctx, items[i]);
    }
    sbuf_adds(&b, "]");
    api_reply_sbuf(ctx, 200, &b);
out:
    free(nets);
    free(items);
}

/* ---- control ---- */

void hvpn_control(struct json_object *body, struct http_reply *reply)
{
    static const char *const known[] = {"networkId", "publicIp", "reachability", NULL};
    struct json_object *id, *ip, *reach = NULL;
    struct state_network *n;
    char err[256] = "";
    int status = 200;

    json_object_object_get_ex(body, "reachability", &reach);
    if (jutil_check_keys(body, "vpn override", known, err, sizeof err) == 0 &&
        (!json_object_object_get_ex(body, "networkId", &id) ||
         !json_object_is_type(id, json_type_string) ||
         !json_object_object_get_ex(body, "publicIp", &ip) ||
         !json_object_is_type(ip, json_type_string) || json_object_get_string_len(ip) == 0 ||
         json_object_get_string_len(ip) > HVPN_MAX_IP ||
         !json_object_object_get_ex(body, "reachability", NULL) ||
         (reach && (!json_object_is_type(reach, json_type_string) ||
                    (strcmp(json_object_get_string(reach), "reachable") != 0 &&
                     strcmp(json_object_get_string(reach), "unreachable") != 0)))))
        snprintf(err, sizeof err,
                 "need networkId, publicIp and reachability (reachable, unreachable or null)");
    if (err[0]) {
        http_reply_error(reply, 400, err);
        return;
    }
    state_lock();
    n = state_net_find(state_get(), json_object_get_string(id));
    if (n == NULL) {
        status = 404;
        snprintf(err, sizeof err, "no such network");
    } else if (reach == NULL) {
        if (n->vpn_reach)
            json_object_object_del(n->vpn_reach, json_object_get_string(ip));
    } else if (n->vpn_reach == NULL && (n->vpn_reach = json_object_new_object()) == NULL) {
        status = 500;
        snprintf(err, sizeof err, "out of memory");
    } else if (!json_object_object_get_ex(n->vpn_reach, json_object_get_string(ip), NULL) &&
               json_object_object_length(n->vpn_reach) >= STATE_MAX_VPN_OVERRIDES) {
        status = 400;
        snprintf(err, sizeof err, "too many overrides for this network");
    } else {
        json_object_object_add(n->vpn_reach, json_object_get_string(ip),
                               json_object_new_string(json_object_get_string(reach)));
    }
    state_unlock();
    if (status != 200)
        http_reply_error(reply, status, err);
    else
        http_reply_ok(reply);
}

const struct api_route hvpn_routes[] = {
    {"GET", "/organizations/{organizationId}/appliance/vpn/thirdPartyVPNPeers", API_SCOPE_ORG,
     hvpn_get_peers},
    {"PUT", "/organizations/{organizationId}/appliance/vpn/thirdPartyVPNPeers", API_SCOPE_ORG,
     hvpn_put_peers},
    {"GET", "/organizations/{organizationId}/appliance/vpn/statuses", API_SCOPE_ORG, hvpn_statuses},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
