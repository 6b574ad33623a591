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

/* Writes one item (appliance, uplink, ip) when it has at least one sample. */
static void happ_loss_item(struct sbuf *b, int *first, struct state *st,
                           const struct state_network *n, const struct loss_where *w, double t0,
                           double t1)
{
    double spacing = st->cfg.sample_spacing_s;
    size_t mark = b->len;
    int samples = 0;

    sbuf_adds(b, *first ? "{\"networkId\":" : ",{\"networkId\":");
    sbuf_json_str(b, n->id);
    sbuf_adds(b, ",\"serial\":");
    sbuf_json_str(b, w->serial);
    sbuf_printf(b, ",\"uplink\":\"%s\",\"ip\":", state_uplink_name(w->uplink));
    sbuf_json_str(b, w->ip);
    sbuf_adds(b, ",\"timeSeries\":[");
    for (double ts = ceil(t0 / spacing) * spacing; ts <= t1; ts += spacing) {
        char when[32];
        double value;
        enum loss_kind k = loss_at(&n->loss, &st->loss_any, w, ts, &value);

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

        if (n->deleted || n->mx[STATE_PRIMARY].serial == NULL)
            continue;
        nips = state_net_destinations(n, ips, HAPP_MAX_DESTS);
        /* Both appliances of an HA pair report, each with its own serial and uplinks. */
        for (int r = 0; r < STATE_NMX && n->mx[r].serial; r++) {
            const struct state_mx *mx = &n->mx[r];

            for (int up = 0; up < STATE_NUPLINKS; up++) {
                if (mx->uplink[up] == STATE_US_NONE || mx->uplink[up] == STATE_US_NOT_CONNECTED ||
                    (upf >= 0 && up != upf))
                    continue;
                for (size_t d = 0; d < nips; d++) {
                    struct loss_where w = {n->id, mx->serial, up, ips[d]};

                    if (ipf == NULL || strcmp(ipf, ips[d]) == 0)
                        happ_loss_item(&b, &first, ctx->st, n, &w, t0, t1);
                }
            }
        }
    }
    sbuf_adds(&b, "]");
    api_reply_sbuf(ctx, 200, &b);
}

/* ---- uplink statuses ---- */

/* One appliance of a network, as the uplink statuses list it. */
struct happ_item {
    struct state_network *net;
    int role; /* STATE_PRIMARY or STATE_SPARE */
};

/* Deterministic addresses per network, appliance and uplink, so answers are stable across
 * calls. */
static void happ_addr(char *buf, size_t size, int first_octet, int second, size_t index)
{
    snprintf(buf, size, "%d.%d.%zu.%zu", first_octet, second, (index >> 8) & 255, (index & 255));
}

void happ_public_ip(const struct state_network *n, int role, int up, char *buf, size_t size)
{
    happ_addr(buf, size, 198, 18 + up + 8 * role, n->index);
}

/* The ICCID of an appliance's cellular modem. */
static void happ_iccid(const struct state_network *n, int role, char *buf, size_t size)
{
    snprintf(buf, size, "89%02d%012zu", 44 + role, n->index);
}

static void happ_uplink_write(struct sbuf *b, const struct state_network *n, int role, int up)
{
    const struct state_mx *mx = &n->mx[role];
    int connected = mx->uplink[up] != STATE_US_NOT_CONNECTED;
    char ip[32], gw[32], pub[32], iccid[32];

    happ_addr(ip, sizeof ip, 100, 64 + up + 8 * role, n->index);
    happ_addr(gw, sizeof gw, 100, 96 + up + 8 * role, n->index);
    happ_public_ip(n, role, up, pub, sizeof pub);
    sbuf_printf(b, "{\"interface\":\"%s\",\"status\":\"%s\"", state_uplink_name(up),
                state_ustatus_name(mx->uplink[up]));
    if (!connected) {
        sbuf_adds(b, ",\"ip\":null,\"gateway\":null,\"publicIp\":null");
    } else {
        sbuf_printf(b, ",\"ip\":\"%s\",\"gateway\":\"%s\",\"publicIp\":\"%s\"", ip, gw, pub);
    }
    if (up == STATE_CELLULAR) {
        happ_iccid(n, role, iccid, sizeof iccid);
        sbuf_printf(b,
                    ",\"provider\":\"fakedash mobile\",\"model\":\"integrated\","
                    "\"signalStat\":{\"rsrp\":\"-95\",\"rsrq\":\"-11\"},"
                    "\"connectionType\":\"4g\",\"apn\":\"internet\",\"dns1\":\"8.8.8.8\","
                    "\"dns2\":\"8.8.4.4\",\"signalType\":\"4G\",\"iccid\":\"%s\"}",
                    iccid);
        return;
    }
    sbuf_adds(b, ",\"primaryDns\":\"8.8.8.8\",\"secondaryDns\":\"8.8.4.4\","
                 "\"ipAssignedBy\":\"dhcp\"}");
}

static void happ_status_write(struct sbuf *b, const struct happ_item *it, const char *now)
{
    const struct state_mx *mx = &it->net->mx[it->role];
    int firstup = 1;

    sbuf_adds(b, "{\"networkId\":");
    sbuf_json_str(b, it->net->id);
    sbuf_adds(b, ",\"serial\":");
    sbuf_json_str(b, mx->serial);
    sbuf_adds(b, ",\"model\":");
    sbuf_json_str(b, mx->model);
    sbuf_printf(b,
                ",\"lastReportedAt\":\"%s\",\"highAvailability\":{\"enabled\":%s,"
                "\"role\":\"%s\"},\"uplinks\":[",
                now, it->net->mx[STATE_SPARE].serial ? "true" : "false",
                it->role == STATE_PRIMARY ? "primary" : "spare");
    for (int up = 0; up < STATE_NUPLINKS; up++) {
        if (mx->uplink[up] == STATE_US_NONE)
            continue;
        if (!firstup)
            sbuf_adds(b, ",");
        happ_uplink_write(b, it->net, it->role, up);
        firstup = 0;
    }
    sbuf_adds(b, "]}");
}

/* Pagination of the statuses: ranked by network, then role; the token is the serial. */
struct happ_pages {
    struct state *st;
    const struct happ_item *items;
};

static struct page_rank happ_rank(const void *ctx, size_t i)
{
    const struct happ_pages *p = ctx;
    struct page_rank r = {p->items[i].net->index, (unsigned long long)p->items[i].role};

    return r;
}

static void happ_token(const void *ctx, size_t i, char *buf)
{
    const struct happ_pages *p = ctx;

    snprintf(buf, PAGE_TOKEN_MAX, "%s", p->items[i].net->mx[p->items[i].role].serial);
}

static int happ_parse(const void *ctx, const char *token, struct page_rank *out)
{
    const struct happ_pages *p = ctx;
    struct state_network *n = state_net_by_serial_any(p->st, token);

    if (n == NULL)
        return -1;
    out->major = n->index;
    out->minor = (unsigned long long)state_mx_role(n, token);
    return 0;
}

/* Whether an appliance passes the serials[] and iccids[] filters. */
static int happ_item_wanted(const struct happ_item *it, const char **serials, size_t ns,
                            const char **iccids, size_t ni)
{
    const struct state_mx *mx = &it->net->mx[it->role];
    char iccid[32];

    if (ns && !api_in(mx->serial, serials, ns))
        return 0;
    if (ni == 0)
        return 1;
    happ_iccid(it->net, it->role, iccid, sizeof iccid);
    return mx->uplink[STATE_CELLULAR] != STATE_US_NONE && api_in(iccid, iccids, ni);
}

static void happ_uplink_statuses(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    const char **nets = NULL, **serials = NULL, **iccids = NULL;
    size_t nn, ns, ni, n = 0, start, end;
    struct happ_item *items = NULL;
    struct happ_pages pages;
    struct page_list list = {0, &pages, happ_rank, happ_token, happ_parse};
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
    items = malloc((org->nnets ? org->nnets : 1) * STATE_NMX * sizeof *items);
    if (!nets || !serials || !iccids || !items) {
        http_reply_error(ctx->reply, 500, "out of memory");
        goto out;
    }
    nn = api_param_array(ctx->req, "networkIds", nets, HAPP_MAX_FILTER);
    ns = api_param_array(ctx->req, "serials", serials, HAPP_MAX_FILTER);
    ni = api_param_array(ctx->req, "iccids", iccids, HAPP_MAX_FILTER);
    for (size_t i = 0; i < org->nnets; i++) {
        struct state_network *net = org->nets[i];

        if (net->deleted || (nn && !api_in(net->id, nets, nn)))
            continue;
        for (int r = 0; r < STATE_NMX && net->mx[r].serial; r++) {
            struct happ_item it = {net, r};

            if (happ_item_wanted(&it, serials, ns, iccids, ni))
                items[n++] = it;
        }
    }
    pages.st = ctx->st;
    pages.items = items;
    list.n = n;
    if (page_select_list(&list, ctx->req, &spec, ctx->reply, &start, &end) != 0)
        goto out;
    isotime_format((long long)ctx->now, now, sizeof now);
    sbuf_adds(&b, "[");
    for (size_t i = start; i < end; i++) {
        if (i > start)
            sbuf_adds(&b, ",");
        happ_status_write(&b, &items[i], now);
    }
    sbuf_adds(&b, "]");
    api_reply_sbuf(ctx, 200, &b);
out:
    free(nets);
    free(serials);
    free(iccids);
    free(items);
}

/* ---- connectivity monitoring destinations ---- */

static struct state_network *happ_mx_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);

    if (n == NULL)
        api_not_found(ctx);
    else if (n->mx[STATE_PRIMARY].serial == NULL)
        http_reply_error(ctx->reply, 400,
                         "This endpoint only supports networks with an "
                         "appliance");
    return n && n->mx[STATE_PRIMARY].serial ? n : NULL;
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
    {"GET", "/networks/{networkId}/appliance/connectivityMonitoringDestinations", API_SCOPE_NETWORK,
     happ_get_destinations},
    {"PUT", "/networks/{networkId}/appliance/connectivityMonitoringDestinations", API_SCOPE_NETWORK,
     happ_put_destinations},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
