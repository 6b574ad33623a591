/*
 * h_appliance.c - appliance operations (see h_appliance.h).
 *
 * The loss series follow the Dashboard's documented limits exactly, because the client's
 * correctness depends on them: at most 300 s per call, t1 no later than the data lag allows,
 * samples on multiples of the sample spacing, null samples and missing samples as the
 * schedule says.
 */
#include "h_appliance.h"

#include "isotime.h"
#include "page.h"
#include "sbuf.h"
#include "scenario.h"
#include "state.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most destinations per network, and most values of one array filter. */
#define HAPP_MAX_DESTS  64
#define HAPP_MAX_FILTER 1000
/* Longest window one loss call covers (seconds), and the lookback limit (60 days). */
#define HAPP_MAX_SPAN     300.0
#define HAPP_MAX_LOOKBACK (60.0 * 86400)

static void happ_reply_sbuf(struct api_ctx *ctx, struct sbuf *b)
{
    size_t len;
    char *body = sbuf_take(b, &len);

    if (body == NULL)
        http_reply_error(ctx->reply, 500, "response too large");
    else
        http_reply_take(ctx->reply, 200, body, len);
}

static int happ_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* ---- uplinksLossAndLatency ---- */

/* Works out [t0, t1] from t0/t1/timespan, or fills a 400 and returns -1. */
static int happ_window(struct api_ctx *ctx, double *t0, double *t1)
{
    const char *s0 = http_param(ctx->req, "t0"), *s1 = http_param(ctx->req, "t1");
    const char *span = http_param(ctx->req, "timespan");
    double latest = ctx->now - ctx->st->cfg.data_lag_s;
    char msg[160];

    if (span && (s0 || s1)) {
        http_reply_error(ctx->reply, 400,
                         "If specifying timespan, do not specify parameters t0 and t1");
        return -1;
    }
    if (span) {
        char *end;
        double v = strtod(span, &end);

        if (*span == '\0' || *end != '\0' || !(v > 0) || v > HAPP_MAX_SPAN) {
            http_reply_error(ctx->reply, 400,
                             "'timespan' must be a number of seconds in "
                             "(0, 300]");
            return -1;
        }
        *t1 = latest;
        *t0 = latest - v;
        return 0;
    }
    if ((s0 && isotime_parse(s0, t0) != 0) || (s1 && isotime_parse(s1, t1) != 0)) {
        http_reply_error(ctx->reply, 400, "'t0' and 't1' must be ISO 8601 date-times");
        return -1;
    }
    if (!s0 && !s1) {
        *t1 = latest;
        *t0 = latest - HAPP_MAX_SPAN;
    } else if (!s1) {
        *t1 = *t0 + HAPP_MAX_SPAN < latest ? *t0 + HAPP_MAX_SPAN : latest;
    } else if (!s0) {
        *t0 = *t1 - HAPP_MAX_SPAN;
    }
    /* One second of tolerance: a client computing t1 = now - lag a moment before us. */
    if (*t1 > latest + 1) {
        snprintf(msg, sizeof msg, "'t1' must be at least %g seconds in the past",
                 ctx->st->cfg.data_lag_s);
        http_reply_error(ctx->reply, 400, msg);
        return -1;
    }
    if (*t1 < *t0) {
        http_reply_error(ctx->reply, 400, "'t1' must be after 't0'");
        return -1;
    }
    if (*t1 - *t0 > HAPP_MAX_SPAN) {
        http_reply_error(ctx->reply, 400, "'t1' can be a maximum of 5 minutes after 't0'");
        return -1;
    }
    if (*t0 < ctx->now - HAPP_MAX_LOOKBACK) {
        http_reply_error(ctx->reply, 400, "'t0' can be at most 60 days in the past");
        return -1;
    }
    return 0;
}

/* Writes one item (network, uplink, ip) when it has at least one sample. */
static void happ_loss_item(struct sbuf *b, int *first, struct state *st,
                           const struct state_network *n, int up, const char *ip, double t0,
                           double t1)
{
    double spacing = st->cfg.sample_spacing_s;
    size_t mark = b->len;
    int samples = 0;

    sbuf_adds(b, *first ? "{\"networkId\":" : ",{\"networkId\":");
    sbuf_json_str(b, n->id);
    sbuf_adds(b, ",\"serial\":");
    sbuf_json_str(b, n->serial);
    sbuf_printf(b, ",\"uplink\":\"%s\",\"ip\":", state_uplink_name(up));
    sbuf_json_str(b, ip);
    sbuf_adds(b, ",\"timeSeries\":[");
    for (double ts = ceil(t0 / spacing) * spacing; ts <= t1; ts += spacing) {
        char when[32];
        double value;
        enum loss_kind k = loss_at(&n->loss, &st->loss_any, n->id, up, ip, ts, &value);

        if (k == LOSS_ABSENT)
            continue;
        isotime_format((long long)ts, when, sizeof when);
        sbuf_printf(b, "%s{\"ts\":\"%s\",\"lossPercent\":", samples ? "," : "", when);
        if (k == LOSS_NULL) {
            sbuf_adds(b, "null,\"latencyMs\":null}");
        } else {
            sbuf_json_num(b, value);
            /* A fixed plausible latency; nothing in tagfailover reads it. */
            sbuf_adds(b, value >= 100 ? ",\"latencyMs\":null}" : ",\"latencyMs\":21.4}");
        }
        samples++;
    }
    sbuf_adds(b, "]}");
    if (samples == 0) {
        /* A device with no data in the window is not listed at all. */
        b->len = mark;
        if (b->data)
            b->data[mark] = '\0';
        return;
    }
    *first = 0;
}

static void happ_loss(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    const char *uplink = http_param(ctx->req, "uplink");
    const char *ipf = http_param(ctx->req, "ip");
    int upf = -1, first = 1;
    double t0, t1;
    struct sbuf b = {0};

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    if (uplink && (upf = state_uplink_parse(uplink)) < 0) {
        http_reply_error(ctx->reply, 400,
                         "'uplink' must be one of: 'cellular', 'wan1', 'wan2', "
                         "'wan3'");
        return;
    }
    if (happ_window(ctx, &t0, &t1) != 0)
        return;
    sbuf_adds(&b, "[");
    for (size_t i = 0; i < org->nnets; i++) {
        const struct state_network *n = org->nets[i];
        const char *ips[HAPP_MAX_DESTS];
        size_t nips;

        if (n->deleted || n->serial == NULL)
            continue;
        nips = state_net_destinations(n, ips, HAPP_MAX_DESTS);
        for (int up = 0; up < STATE_NUPLINKS; up++) {
            if (n->uplink[up] == STATE_US_NONE || n->uplink[up] == STATE_US_NOT_CONNECTED ||
                (upf >= 0 && up != upf))
                continue;
            for (size_t d = 0; d < nips; d++)
                if (ipf == NULL || strcmp(ipf, ips[d]) == 0)
                    happ_loss_item(&b, &first, ctx->st, n, up, ips[d], t0, t1);
        }
    }
    sbuf_adds(&b, "]");
    happ_reply_sbuf(ctx, &b);
}

/* ---- uplink statuses ---- */

/* Deterministic addresses per network and uplink, so answers are stable across calls. */
static void happ_addr(char *buf, size_t size, int first_octet, int second, size_t index)
{
    snprintf(buf, size, "%d.%d.%zu.%zu", first_octet, second, (index >> 8) & 255, (index & 255));
}

static void happ_uplink_write(struct sbuf *b, const struct state_network *n, int up)
{
    int connected = n->uplink[up] != STATE_US_NOT_CONNECTED;
    char ip[32], gw[32], pub[32];

    happ_addr(ip, sizeof ip, 100, 64 + up, n->index);
    happ_addr(gw, sizeof gw, 100, 80 + up, n->index);
    happ_addr(pub, sizeof pub, 198, 18 + up, n->index);
    sbuf_printf(b, "{\"interface\":\"%s\",\"status\":\"%s\"", state_uplink_name(up),
                state_ustatus_name(n->uplink[up]));
    if (!connected) {
        sbuf_adds(b, ",\"ip\":null,\"gateway\":null,\"publicIp\":null");
    } else {
        sbuf_printf(b, ",\"ip\":\"%s\",\"gateway\":\"%s\",\"publicIp\":\"%s\"", ip, gw, pub);
    }
    if (up == STATE_CELLULAR) {
        sbuf_printf(b,
                    ",\"provider\":\"fakedash mobile\",\"model\":\"integrated\","
                    "\"signalStat\":{\"rsrp\":\"-95\",\"rsrq\":\"-11\"},"
                    "\"connectionType\":\"4g\",\"apn\":\"internet\",\"dns1\":\"8.8.8.8\","
                    "\"dns2\":\"8.8.4.4\",\"signalType\":\"4G\",\"iccid\":\"8944%012zu\"}",
                    n->index);
        return;
    }
    sbuf_adds(b, ",\"primaryDns\":\"8.8.8.8\",\"secondaryDns\":\"8.8.4.4\","
                 "\"ipAssignedBy\":\"dhcp\"}");
}

static void happ_uplink_statuses(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    const char **nets = NULL, **serials = NULL, **iccids = NULL;
    size_t nn, ns, ni, n = 0, start, end;
    struct state_network **items = NULL;
    struct page_spec spec;
    struct sbuf b = {0};
    char now[32];

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    spec = page_spec_make(3, 1000, 1000, ctx->st->cfg.page_size);
    nets = calloc(HAPP_MAX_FILTER, sizeof *nets);
    serials = calloc(HAPP_MAX_FILTER, sizeof *serials);
    iccids = calloc(HAPP_MAX_FILTER, sizeof *iccids);
    items = malloc((org->nnets ? org->nnets : 1) * sizeof *items);
    if (!nets || !serials || !iccids || !items) {
        http_reply_error(ctx->reply, 500, "out of memory");
        goto out;
    }
    nn = api_param_array(ctx->req, "networkIds", nets, HAPP_MAX_FILTER);
    ns = api_param_array(ctx->req, "serials", serials, HAPP_MAX_FILTER);
    ni = api_param_array(ctx->req, "iccids", iccids, HAPP_MAX_FILTER);
    for (size_t i = 0; i < org->nnets; i++) {
        struct state_network *net = org->nets[i];
        char iccid[32];

        if (net->deleted || net->serial == NULL)
            continue;
        if ((nn && !happ_in(net->id, nets, nn)) || (ns && !happ_in(net->serial, serials, ns)))
            continue;
        snprintf(iccid, sizeof iccid, "8944%012zu", net->index);
        if (ni && (net->uplink[STATE_CELLULAR] == STATE_US_NONE || !happ_in(iccid, iccids, ni)))
            continue;
        items[n++] = net;
    }
    if (page_select(ctx->st, items, n, ctx->req, &spec, ctx->reply, &start, &end) != 0)
        goto out;
    isotime_format((long long)ctx->now, now, sizeof now);
    sbuf_adds(&b, "[");
    for (size_t i = start; i < end; i++) {
        const struct state_network *net = items[i];
        int firstup = 1;

        sbuf_adds(&b, i > start ? ",{\"networkId\":" : "{\"networkId\":");
        sbuf_json_str(&b, net->id);
        sbuf_adds(&b, ",\"serial\":");
        sbuf_json_str(&b, net->serial);
        sbuf_adds(&b, ",\"model\":");
        sbuf_json_str(&b, net->model);
        sbuf_printf(&b,
                    ",\"lastReportedAt\":\"%s\",\"highAvailability\":{\"enabled\":false,"
                    "\"role\":\"primary\"},\"uplinks\":[",
                    now);
        for (int up = 0; up < STATE_NUPLINKS; up++) {
            if (net->uplink[up] == STATE_US_NONE)
                continue;
            if (!firstup)
                sbuf_adds(&b, ",");
            happ_uplink_write(&b, net, up);
            firstup = 0;
        }
        sbuf_adds(&b, "]}");
    }
    sbuf_adds(&b, "]");
    happ_reply_sbuf(ctx, &b);
out:
    free(nets);
    free(serials);
    free(iccids);
    free(items);
}

/* ---- third-party VPN peers ---- */

static void happ_peers_reply(struct api_ctx *ctx, const struct state_org *org)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "peers", json_object_get(org->peers));
    http_reply_json(ctx->reply, 200, o);
}

static void happ_get_peers(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);

    if (org == NULL)
        api_not_found(ctx);
    else
        happ_peers_reply(ctx, org);
}

static void happ_put_peers(struct api_ctx *ctx)
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
    happ_peers_reply(ctx, org);
}

/* ---- VPN statuses ---- */

/* Whether a peer's networkTags make it available to network n. */
static int happ_peer_applies(struct json_object *peer, const struct state_network *n)
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

int happ_reachable(struct state *st, const struct state_network *n, const char *ip, double ts)
{
    for (int up = 0; up < STATE_NUPLINKS; up++) {
        double v;

        if (n->uplink[up] == STATE_US_NONE || n->uplink[up] == STATE_US_NOT_CONNECTED)
            continue;
        if (loss_at(&n->loss, &st->loss_any, n->id, up, ip, ts, &v) == LOSS_VALUE && v < 100)
            return 1;
    }
    return 0;
}

static void happ_vpn_status_write(struct sbuf *b, struct api_ctx *ctx,
                                  const struct state_network *n)
{
    int online = 0, first = 1;
    size_t npeers = json_object_array_length(n->org->peers);

    for (int up = 0; up < STATE_NUPLINKS; up++)
        online |= n->uplink[up] == STATE_US_ACTIVE;
    sbuf_adds(b, "{\"networkId\":");
    sbuf_json_str(b, n->id);
    sbuf_adds(b, ",\"networkName\":");
    sbuf_json_str(b, n->name);
    sbuf_adds(b, ",\"deviceSerial\":");
    sbuf_json_str(b, n->serial);
    sbuf_printf(b, ",\"deviceStatus\":\"%s\",\"uplinks\":[", online ? "online" : "offline");
    for (int up = 0; up < STATE_NUPLINKS; up++) {
        char pub[32];

        if (n->uplink[up] == STATE_US_NONE || n->uplink[up] == STATE_US_NOT_CONNECTED)
            continue;
        happ_addr(pub, sizeof pub, 198, 18 + up, n->index);
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

        if (!happ_peer_applies(p, n))
            continue;
        json_object_object_get_ex(p, "name", &name);
        ips = json_object_object_get_ex(p, "publicIp", &ip) ? json_object_get_string(ip) : NULL;
        sbuf_adds(b, first ? "{\"name\":" : ",{\"name\":");
        sbuf_json_str(b, json_object_get_string(name));
        sbuf_adds(b, ",\"publicIp\":");
        sbuf_json_str(b, ips);
        sbuf_printf(b, ",\"reachability\":\"%s\"}",
                    ips && happ_reachable(ctx->st, n, ips, ctx->now) ? "reachable" : "unreachable");
        first = 0;
    }
    sbuf_adds(b, "]}");
}

static void happ_vpn_statuses(struct api_ctx *ctx)
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
    nets = calloc(HAPP_MAX_FILTER, sizeof *nets);
    items = malloc((org->nnets ? org->nnets : 1) * sizeof *items);
    if (!nets || !items) {
        http_reply_error(ctx->reply, 500, "out of memory");
        goto out;
    }
    nn = api_param_array(ctx->req, "networkIds", nets, HAPP_MAX_FILTER);
    for (size_t i = 0; i < org->nnets; i++) {
        struct state_network *net = org->nets[i];

        if (!net->deleted && net->serial && (nn == 0 || happ_in(net->id, nets, nn)))
            items[n++] = net;
    }
    if (page_select(ctx->st, items, n, ctx->req, &spec, ctx->reply, &start, &end) != 0)
        goto out;
    sbuf_adds(&b, "[");
    for (size_t i = start; i < end; i++) {
        if (i > start)
            sbuf_adds(&b, ",");
        happ_vpn_status_write(&b, ctx, items[i]);
    }
    sbuf_adds(&b, "]");
    happ_reply_sbuf(ctx, &b);
out:
    free(nets);
    free(items);
}

/* ---- connectivity monitoring destinations ---- */

static struct state_network *happ_mx_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);

    if (n == NULL)
        api_not_found(ctx);
    else if (n->serial == NULL)
        http_reply_error(ctx->reply, 400,
                         "This endpoint only supports networks with an "
                         "appliance");
    return n && n->serial ? n : NULL;
}

static void happ_get_destinations(struct api_ctx *ctx)
{
    struct state_network *n = happ_mx_network(ctx);
    struct json_object *o, *list;
    const char *ips[HAPP_MAX_DESTS];
    size_t nips;

    if (n == NULL)
        return;
    o = json_object_new_object();
    if (n->destinations) {
        json_object_object_add(o, "destinations", json_object_get(n->destinations));
        http_reply_json(ctx->reply, 200, o);
        return;
    }
    list = json_object_new_array();
    nips = state_net_destinations(n, ips, HAPP_MAX_DESTS);
    for (size_t i = 0; i < nips; i++) {
        struct json_object *d = json_object_new_object();

        json_object_object_add(d, "ip", json_object_new_string(ips[i]));
        json_object_object_add(d, "description", NULL);
        json_object_object_add(d, "default", json_object_new_boolean(i == 0));
        json_object_array_add(list, d);
    }
    json_object_object_add(o, "destinations", list);
    http_reply_json(ctx->reply, 200, o);
}

static void happ_put_destinations(struct api_ctx *ctx)
{
    struct state_network *n = happ_mx_network(ctx);
    struct json_object *body, *dests, *out;
    int defaults = 0;
    size_t len;

    if (n == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    if (!json_object_object_get_ex(body, "destinations", &dests)) {
        /* Nothing to change. */
        json_object_put(body);
        happ_get_destinations(ctx);
        return;
    }
    if (!json_object_is_type(dests, json_type_array) ||
        (len = json_object_array_length(dests)) > HAPP_MAX_DESTS) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'destinations' must be an array");
        return;
    }
    out = json_object_new_array();
    for (size_t i = 0; i < len; i++) {
        struct json_object *d = json_object_array_get_idx(dests, i), *ip, *desc, *def, *o;

        if (!json_object_is_type(d, json_type_object) || !json_object_object_get_ex(d, "ip", &ip) ||
            !json_object_is_type(ip, json_type_string)) {
            json_object_put(out);
            json_object_put(body);
            http_reply_error(ctx->reply, 400, "each destination needs an 'ip' string");
            return;
        }
        o = json_object_new_object();
        json_object_object_add(o, "ip", json_object_new_string(json_object_get_string(ip)));
        json_object_object_add(o, "description",
                               json_object_object_get_ex(d, "description", &desc) &&
                                       json_object_is_type(desc, json_type_string)
                                   ? json_object_new_string(json_object_get_string(desc))
                                   : NULL);
        def = NULL;
        json_object_object_get_ex(d, "default", &def);
        defaults += def && json_object_get_boolean(def);
        json_object_object_add(o, "default",
                               json_object_new_boolean(def && json_object_get_boolean(def)));
        json_object_array_add(out, o);
    }
    json_object_put(body);
    if (defaults > 1) {
        json_object_put(out);
        http_reply_error(ctx->reply, 400, "Only one default destination is allowed");
        return;
    }
    json_object_put(n->destinations);
    n->destinations = out;
    happ_get_destinations(ctx);
}

const struct api_route happ_routes[] = {
    {"GET", "/organizations/{organizationId}/devices/uplinksLossAndLatency", API_SCOPE_ORG,
     happ_loss},
    {"GET", "/organizations/{organizationId}/appliance/uplink/statuses", API_SCOPE_ORG,
     happ_uplink_statuses},
    {"GET", "/organizations/{organizationId}/appliance/vpn/thirdPartyVPNPeers", API_SCOPE_ORG,
     happ_get_peers},
    {"PUT", "/organizations/{organizationId}/appliance/vpn/thirdPartyVPNPeers", API_SCOPE_ORG,
     happ_put_peers},
    {"GET", "/organizations/{organizationId}/appliance/vpn/statuses", API_SCOPE_ORG,
     happ_vpn_statuses},
    {"GET", "/networks/{networkId}/appliance/connectivityMonitoringDestinations", API_SCOPE_NETWORK,
     happ_get_destinations},
    {"PUT", "/networks/{networkId}/appliance/connectivityMonitoringDestinations", API_SCOPE_NETWORK,
     happ_put_destinations},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
