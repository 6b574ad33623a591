/*
 * h_whlogs.c - the webhook log and its listing (see h_whlogs.h).
 */
#include "h_whlogs.h"

#include "delivery.h"
#include "isotime.h"
#include "sbuf.h"
#include "state.h"
#include "tlog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Most entries kept; the oldest go first. */
#define HWLOG_MAX_ENTRIES 100000
/* The spec's limits: 90 days of lookback, 31 days of span, one day by default. */
#define HWLOG_DAY_S 86400.0

struct hwlog_entry {
    char *org_id;
    char *network_id; /* NULL = none */
    char *alert_type;
    char *url;
    double logged_at;
    long code; /* 0 = no answer */
    long duration_ms;
};

static void hwlog_entry_free(void *p)
{
    struct hwlog_entry *e = p;

    if (e == NULL)
        return;
    free(e->org_id);
    free(e->network_id);
    free(e->alert_type);
    free(e->url);
    free(e);
}

static struct tlog hwlog_log = {NULL, 0, 0, HWLOG_MAX_ENTRIES, 0, hwlog_entry_free};

void hwlog_reset(void)
{
    tlog_clear(&hwlog_log);
}

void hwlog_add(const char *org_id, const char *network_id, const char *alert_type, const char *url,
               const struct delivery_report *r)
{
    struct hwlog_entry *e = calloc(1, sizeof *e);

    if (e == NULL)
        return;
    e->org_id = strdup(org_id);
    e->network_id = network_id ? strdup(network_id) : NULL;
    e->alert_type = strdup(alert_type);
    e->url = strdup(url);
    e->logged_at = r->answered_at;
    e->code = r->http_status;
    e->duration_ms = lround((r->answered_at - r->sent_at) * 1000);
    if (!e->org_id || (network_id && !e->network_id) || !e->alert_type || !e->url) {
        hwlog_entry_free(e);
        return;
    }
    tlog_add(&hwlog_log, r->sent_at, e);
}

struct hwlog_filter {
    const char *org_id;
    const char *url; /* NULL = any */
};

static int hwlog_keep(const void *data, const void *ctx)
{
    const struct hwlog_entry *e = data;
    const struct hwlog_filter *f = ctx;

    return strcmp(e->org_id, f->org_id) == 0 && (f->url == NULL || strcmp(e->url, f->url) == 0);
}

/* One entry, with the keys in the order of the spec's example. */
static void hwlog_write(struct sbuf *b, const struct tlog_item *it)
{
    const struct hwlog_entry *e = it->data;
    char sent[48], logged[48];

    isotime_format_us(it->ts, sent, sizeof sent);
    isotime_format_us(e->logged_at, logged, sizeof logged);
    sbuf_adds(b, "{\"alertType\":");
    sbuf_json_str(b, e->alert_type);
    sbuf_printf(b, ",\"loggedAt\":\"%s\",\"networkId\":", logged);
    sbuf_json_str(b, e->network_id);
    sbuf_adds(b, ",\"organizationId\":");
    sbuf_json_str(b, e->org_id);
    if (e->code)
        sbuf_printf(b, ",\"responseCode\":%ld", e->code);
    else
        sbuf_adds(b, ",\"responseCode\":null");
    sbuf_printf(b, ",\"responseDuration\":%ld,\"sentAt\":\"%s\",\"url\":", e->duration_ms, sent);
    sbuf_json_str(b, e->url);
    sbuf_adds(b, "}");
}

static void hwlog_list(struct api_ctx *ctx)
{
    static const struct tlog_window window = {90 * HWLOG_DAY_S, 31 * HWLOG_DAY_S, HWLOG_DAY_S};
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    struct hwlog_filter f;
    struct page_spec spec;
    struct sbuf b = {0};

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    f.org_id = org->id;
    f.url = http_param(ctx->req, "url");
    spec = page_spec_make(3, 1000, 50, ctx->st->cfg.page_size);
    if (tlog_list(&hwlog_log, ctx->req, &window, &spec, ctx->now, hwlog_keep, &f, hwlog_write, &b,
                  ctx->reply) == 0)
        api_reply_sbuf(ctx, 200, &b);
}

const struct api_route hwlog_routes[] = {
    {"GET", "/organizations/{organizationId}/webhooks/logs", API_SCOPE_ORG, hwlog_list},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
