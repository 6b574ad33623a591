/*
 * api.c - dispatch of /api/v1 requests (see api.h).
 *
 * The order of checks mirrors what a client meets on the real service: the route is looked up
 * first (so an out-of-spec call is flagged whatever else happens), then an injected fault
 * stands in for the load balancer or a shard in trouble, then the key is checked, then the
 * organization's rate limit, and only then does the operation run.
 */
#include "api.h"

#include "faults.h"
#include "h_alerts.h"
#include "h_appliance.h"
#include "h_batches.h"
#include "h_callbacks.h"
#include "h_changes.h"
#include "h_livetools.h"
#include "h_orgs.h"
#include "h_vpn.h"
#include "h_whlogs.h"
#include "h_webhooks.h"
#include "isotime.h"
#include "sbuf.h"
#include "state.h"
#include "ticker.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define API_MAX_SEGMENTS   16
#define API_JSON_MAX_DEPTH 32

static const struct api_route *const api_tables[] = {
    horg_routes, happ_routes, hweb_routes,  halert_routes, hlive_routes,
    hchg_routes, hvpn_routes, hwlog_routes, hbatch_routes, hcb_routes,
};

/* Matches `path` (after API_PREFIX) against a pattern, capturing {placeholders} into a
 * scratch copy. Returns 1 on a match. */
static int api_match(const char *pattern, const char *path, char *scratch, size_t scratch_len,
                     const char *args[4])
{
    size_t nargs = 0, len = strlen(path);
    char *p = scratch;

    if (len + 1 > scratch_len)
        return 0;
    memcpy(scratch, path, len + 1);
    while (*pattern) {
        size_t plen, slen;

        if (*pattern != '/' || *p != '/')
            return 0;
        pattern++;
        p++;
        plen = strcspn(pattern, "/");
        slen = strcspn(p, "/");
        if (pattern[0] == '{') {
            if (slen == 0 || nargs >= 4)
                return 0;
            args[nargs++] = p;
        } else if (plen != slen || strncmp(pattern, p, plen) != 0) {
            return 0;
        }
        pattern += plen;
        p += slen;
    }
    if (*p != '\0')
        return 0;
    /* Cut the captured arguments at their slashes now that the whole path matched. */
    for (size_t i = 0; i < nargs; i++)
        ((char *)args[i])[strcspn(args[i], "/")] = '\0';
    return 1;
}

static const struct api_route *api_find(const char *method, const char *path, char *scratch,
                                        size_t scratch_len, const char *args[4])
{
    for (size_t t = 0; t < sizeof api_tables / sizeof api_tables[0]; t++)
        for (const struct api_route *r = api_tables[t]; r->method; r++)
            if (strcmp(r->method, method) == 0 &&
                api_match(r->pattern, path, scratch, scratch_len, args))
                return r;
    return NULL;
}

struct json_object *api_routes_json(void)
{
    struct json_object *a = json_object_new_array();

    for (size_t t = 0; t < sizeof api_tables / sizeof api_tables[0]; t++) {
        for (const struct api_route *r = api_tables[t]; r->method; r++) {
            struct json_object *o = json_object_new_object();

            json_object_object_add(o, "method", json_object_new_string(r->method));
            json_object_object_add(o, "path", json_object_new_string(r->pattern));
            json_object_array_add(a, o);
        }
    }
    return a;
}

/* The API key from "Authorization: Bearer KEY" (the documented way) or the legacy
 * X-Cisco-Meraki-API-Key header, which the spec's securitySchemes still list. */
static int api_authorized(const struct state *st, const char *authorization,
                          const char *api_key_header, int *bearer_ok)
{
    *bearer_ok = 0;
    if (authorization && strncmp(authorization, "Bearer ", 7) == 0 &&
        strcmp(authorization + 7, st->cfg.api_key) == 0)
        *bearer_ok = 1;
    return *bearer_ok || (api_key_header && strcmp(api_key_header, st->cfg.api_key) == 0);
}

/* The organization a request counts against, or NULL. */
static struct state_org *api_scope_org(struct state *st, const struct api_route *r,
                                       const char *args[4])
{
    struct state_network *n;

    switch (r->scope) {
    case API_SCOPE_ORG:
        return state_org_find(st, args[0]);
    case API_SCOPE_NETWORK:
        n = state_net_find(st, args[0]);
        return n ? n->org : NULL;
    case API_SCOPE_DEVICE:
        n = state_net_by_serial(st, args[0]);
        return n ? n->org : NULL;
    case API_SCOPE_NONE:
        break;
    }
    return NULL;
}

/* Counts the request against its organization's budget for this wall-clock second; returns
 * 1 when it is over the limit. */
static int api_rate_limited(struct state *st, struct state_org *org, double now)
{
    long sec = (long)now;

    if (st->cfg.rate_limit_per_s <= 0 || org == NULL)
        return 0;
    if (org->rl_second != sec) {
        org->rl_second = sec;
        org->rl_count = 0;
    }
    return ++org->rl_count > st->cfg.rate_limit_per_s;
}

/* Delay faults sleep on a condition so that shutdown can cut them short: the daemon waits
 * for every connection thread, and a test's SIGTERM must not wait out a long delay. */
static pthread_mutex_t api_delay_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t api_delay_cv = PTHREAD_COND_INITIALIZER;
static int api_stopping;

static void api_sleep_ms(int ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&api_delay_mu);
    while (!api_stopping && pthread_cond_timedwait(&api_delay_cv, &api_delay_mu, &until) == 0)
        ;
    pthread_mutex_unlock(&api_delay_mu);
}

void api_shutdown(void)
{
    pthread_mutex_lock(&api_delay_mu);
    api_stopping = 1;
    pthread_cond_broadcast(&api_delay_cv);
    pthread_mutex_unlock(&api_delay_mu);
}

void api_handle(const struct http_request *req, const char *authorization,
                const char *api_key_header, struct http_reply *reply, struct api_outcome *out)
{
    const char *path = req->path + strlen(API_PREFIX);
    char scratch[2048];
    struct api_ctx ctx = {0};
    const struct api_route *route;
    struct faults_hit hit;
    struct state_org *org;
    int bearer_ok;

    memset(out, 0, sizeof *out);
    ctx.req = req;
    ctx.reply = reply;
    route = api_find(req->method, path, scratch, sizeof scratch, ctx.args);
    out->unknown = route == NULL;
    if (faults_take(req->method, req->path, &hit)) {
        out->fault = faults_kind_name(hit.kind);
        if (hit.kind != FAULTS_DELAY) {
            state_lock();
            api_authorized(state_get(), authorization, api_key_header, &out->auth);
            state_unlock();
            faults_reply(&hit, req, authorization, reply);
            faults_hit_clear(&hit);
            return;
        }
        api_sleep_ms(hit.delay_ms);
        faults_hit_clear(&hit);
    }

    state_lock();
    ctx.st = state_get();
    ctx.now = isotime_now();
    ticker_run_due(ctx.st, ctx.now);
    if (!api_authorized(ctx.st, authorization, api_key_header, &bearer_ok)) {
        out->auth = 0;
        state_unlock();
        if (route == NULL)
            http_reply_error(reply, 404, "Not found");
        else
            http_reply_error(reply, 401, "Invalid API key");
        return;
    }
    out->auth = bearer_ok;
    if (route == NULL) {
        state_unlock();
        http_reply_error(reply, 404, "Not found");
        return;
    }
    org = api_scope_org(ctx.st, route, ctx.args);
    if (api_rate_limited(ctx.st, org, ctx.now)) {
        state_unlock();
        http_reply_error(reply, 429, "API rate limit exceeded for organization");
        http_reply_header(reply, "Retry-After", "1");
        return;
    }
    route->fn(&ctx);
    state_unlock();
}

int api_body_json(struct api_ctx *ctx, struct json_object **out)
{
    struct json_tokener *tok;
    enum json_tokener_error jerr;
    struct json_object *o;
    const char *s = ctx->req->body;
    size_t i;

    *out = NULL;
    for (i = 0; i < ctx->req->body_len && strchr(" \t\r\n", s[i]); i++)
        ;
    if (i == ctx->req->body_len)
        return 0;
    tok = json_tokener_new_ex(API_JSON_MAX_DEPTH);
    if (tok == NULL) {
        http_reply_error(ctx->reply, 500, "out of memory");
        return -1;
    }
    o = json_tokener_parse_ex(tok, s, (int)ctx->req->body_len);
    jerr = json_tokener_get_error(tok);
    /* Anything but whitespace after the value is an error, as is an unfinished value. */
    if (jerr == json_tokener_success) {
        for (i = json_tokener_get_parse_end(tok); i < ctx->req->body_len; i++)
            if (!strchr(" \t\r\n", s[i]))
                jerr = json_tokener_error_parse_unexpected;
    }
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(o);
        http_reply_error(ctx->reply, 400, "The request body could not be parsed as JSON");
        return -1;
    }
    *out = o;
    return 0;
}

struct json_object *api_body_object(struct api_ctx *ctx)
{
    struct json_object *o;

    if (api_body_json(ctx, &o) != 0)
        return NULL;
    if (o == NULL)
        return json_object_new_object();
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        http_reply_error(ctx->reply, 400, "The request body must be a JSON object");
        return NULL;
    }
    return o;
}

void api_reply_sbuf(struct api_ctx *ctx, int status, struct sbuf *b)
{
    size_t len;
    char *body = sbuf_take(b, &len);

    if (body == NULL)
        http_reply_error(ctx->reply, 500, "response too large");
    else
        http_reply_take(ctx->reply, status, body, len);
}

int api_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

void api_not_found(struct api_ctx *ctx)
{
    http_reply_error(ctx->reply, 404, "Not found");
}

size_t api_param_array(const struct http_request *req, const char *key, const char **out,
                       size_t max)
{
    size_t klen = strlen(key), n = 0;

    for (size_t i = 0; i < req->nparams && n < max; i++) {
        const char *k = req->params[i].key;

        if (strncmp(k, key, klen) == 0 && (k[klen] == '\0' || strcmp(k + klen, "[]") == 0))
            out[n++] = req->params[i].value;
    }
    return n;
}
