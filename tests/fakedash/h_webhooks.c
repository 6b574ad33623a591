/*
 * h_webhooks.c - HTTP servers and webhook tests (see h_webhooks.h).
 */
#include "h_webhooks.h"

#include "alerts.h"
#include "delivery.h"
#include "h_alerts.h"
#include "h_whlogs.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Meraki allows 10 HTTP servers per network; the fake also caps the totals. */
#define HWEB_MAX_PER_NETWORK 10
#define HWEB_MAX_SERVERS     100000
#define HWEB_MAX_TESTS       1024

struct hweb_server {
    char *id;
    char *network_id;
    char *name;
    char *url;
    char *secret;
    char *tpl_id;
    char *tpl_name;
};

struct hweb_test {
    unsigned long long id;
    char *org_id;
    char *network_id;
    char *url;
    char *alert_type_id;
    const char *status; /* static string from the spec's enum */
    int attempts;
    long last_http_status;
};

static struct hweb_server *hweb_servers;
static size_t hweb_nservers, hweb_capservers;
static struct hweb_test hweb_tests[HWEB_MAX_TESTS];
static size_t hweb_ntests;
static unsigned long long hweb_next_test = 1000;

/* ---- helpers ---- */

/* URL-safe Base64 (RFC 4648 section 5): the id goes into a path segment, where "/" would
 * split it. */
char *hweb_server_id_for(const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t len = strlen(s), o = 0;
    char *out = malloc((len + 2) / 3 * 4 + 1);
    const unsigned char *p = (const unsigned char *)s;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;

        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static const char *hweb_template_name(const char *id)
{
    static const char *const names[][2] = {
        {"wpt_00001", "Meraki (included)"},   {"wpt_00002", "Webex (included)"},
        {"wpt_00003", "Slack (included)"},    {"wpt_00004", "Microsoft Teams (included)"},
        {"wpt_00005", "Callback (included)"}, {"wpt_00006", "ServiceNow (included)"},
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(id, names[i][0]) == 0)
            return names[i][1];
    return "Custom template";
}

static int hweb_is_http_url(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static void hweb_server_free(struct hweb_server *s)
{
    free(s->id);
    free(s->network_id);
    free(s->name);
    free(s->url);
    free(s->secret);
    free(s->tpl_id);
    free(s->tpl_name);
}

static void hweb_test_free(struct hweb_test *t)
{
    free(t->org_id);
    free(t->network_id);
    free(t->url);
    free(t->alert_type_id);
}

void hweb_reset(void)
{
    for (size_t i = 0; i < hweb_nservers; i++)
        hweb_server_free(&hweb_servers[i]);
    free(hweb_servers);
    hweb_servers = NULL;
    hweb_nservers = hweb_capservers = 0;
    for (size_t i = 0; i < hweb_ntests; i++)
        hweb_test_free(&hweb_tests[i]);
    hweb_ntests = 0;
}

static struct hweb_server *hweb_server_find(const char *network_id, const char *id)
{
    for (size_t i = 0; i < hweb_nservers; i++)
        if (strcmp(hweb_servers[i].network_id, network_id) == 0 &&
            strcmp(hweb_servers[i].id, id) == 0)
            return &hweb_servers[i];
    return NULL;
}

int hweb_server_exists(const char *network_id, const char *server_id)
{
    return hweb_server_find(network_id, server_id) != NULL;
}

int hweb_server_lookup(struct state *st, const struct state_org *org, const char *network_id,
                       const char *server_id, const char **url, const char **secret)
{
    for (size_t i = 0; i < hweb_nservers; i++) {
        const struct hweb_server *s = &hweb_servers[i];
        const struct state_network *n;

        if (strcmp(s->id, server_id) != 0 || (network_id && strcmp(s->network_id, network_id) != 0))
            continue;
        n = state_net_find(st, s->network_id);
        if (n == NULL || n->org != org)
            continue;
        *url = s->url;
        *secret = s->secret;
        return 0;
    }
    return -1;
}

static struct json_object *hweb_server_json(const struct hweb_server *s, int with_secret)
{
    struct json_object *o = json_object_new_object(), *t = json_object_new_object();

    json_object_object_add(o, "id", json_object_new_string(s->id));
    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "url", json_object_new_string(s->url));
    json_object_object_add(o, "networkId", json_object_new_string(s->network_id));
    json_object_object_add(t, "payloadTemplateId", json_object_new_string(s->tpl_id));
    json_object_object_add(t, "name", json_object_new_string(s->tpl_name));
    json_object_object_add(o, "payloadTemplate", t);
    if (with_secret)
        json_object_object_add(o, "sharedSecret", json_object_new_string(s->secret));
    return o;
}

/* Reads payloadTemplate.payloadTemplateId from a body; -1 on a wrong type. */
static int hweb_template_id(struct json_object *body, const char **out)
{
    struct json_object *t, *id;

    *out = NULL;
    if (!json_object_object_get_ex(body, "payloadTemplate", &t))
        return 0;
    if (!json_object_is_type(t, json_type_object))
        return -1;
    if (!json_object_object_get_ex(t, "payloadTemplateId", &id))
        return 0;
    if (!json_object_is_type(id, json_type_string))
        return -1;
    *out = json_object_get_string(id);
    return 0;
}

static int hweb_opt_string(struct json_object *body, const char *key, const char **out)
{
    struct json_object *v;

    *out = NULL;
    if (!json_object_object_get_ex(body, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *out = json_object_get_string(v);
    return 0;
}

/* ---- HTTP servers ---- */

static struct state_network *hweb_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);

    if (n == NULL)
        api_not_found(ctx);
    return n;
}

static void hweb_list_servers(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct json_object *a;

    if (n == NULL)
        return;
    a = json_object_new_array();
    for (size_t i = 0; i < hweb_nservers; i++)
        if (strcmp(hweb_servers[i].network_id, n->id) == 0)
            json_object_array_add(a, hweb_server_json(&hweb_servers[i], 0));
    http_reply_json(ctx->reply, 200, a);
}

static void hweb_create_server(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct json_object *body;
    const char *name, *url, *secret, *tpl;
    struct hweb_server s = {0};
    size_t count = 0;
    char *id;

    if (n == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    if (hweb_opt_string(body, "name", &name) || hweb_opt_string(body, "url", &url) ||
        hweb_opt_string(body, "sharedSecret", &secret) || hweb_template_id(body, &tpl) ||
        name == NULL || url == NULL) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'name' and 'url' are required strings");
        return;
    }
    if (!hweb_is_http_url(url)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'url' must be an http or https URL");
        return;
    }
    id = hweb_server_id_for(url);
    for (size_t i = 0; i < hweb_nservers; i++) {
        if (strcmp(hweb_servers[i].network_id, n->id) != 0)
            continue;
        count++;
        if (id && strcmp(hweb_servers[i].id, id) == 0) {
            free(id);
            json_object_put(body);
            http_reply_error(ctx->reply, 400, "Url has already been taken");
            return;
        }
    }
    if (count >= HWEB_MAX_PER_NETWORK || hweb_nservers >= HWEB_MAX_SERVERS) {
        free(id);
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "Too many HTTP servers for this network");
        return;
    }
    if (hweb_nservers == hweb_capservers) {
        size_t ncap = hweb_capservers ? hweb_capservers * 2 : 8;
        struct hweb_server *nv = realloc(hweb_servers, ncap * sizeof *nv);

        if (nv == NULL) {
            free(id);
            json_object_put(body);
            http_reply_error(ctx->reply, 500, "out of memory");
            return;
        }
        hweb_servers = nv;
        hweb_capservers = ncap;
    }
    s.id = id;
    s.network_id = strdup(n->id);
    s.name = strdup(name);
    s.url = strdup(url);
    s.secret = strdup(secret ? secret : "");
    s.tpl_id = strdup(tpl ? tpl : "wpt_00001");
    s.tpl_name = strdup(hweb_template_name(s.tpl_id));
    json_object_put(body);
    if (!s.id || !s.network_id || !s.name || !s.url || !s.secret || !s.tpl_id || !s.tpl_name) {
        hweb_server_free(&s);
        http_reply_error(ctx->reply, 500, "out of memory");
        return;
    }
    hweb_servers[hweb_nservers++] = s;
    http_reply_json(ctx->reply, 201, hweb_server_json(&s, 0));
}

static struct hweb_server *hweb_server_arg(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct hweb_server *s;

    if (n == NULL)
        return NULL;
    s = hweb_server_find(n->id, ctx->args[1]);
    if (s == NULL)
        api_not_found(ctx);
    return s;
}

static void hweb_get_server(struct api_ctx *ctx)
{
    struct hweb_server *s = hweb_server_arg(ctx);

    if (s)
        http_reply_json(ctx->reply, 200, hweb_server_json(s, 0));
}

static int hweb_set(char **field, const char *v)
{
    char *copy;

    if (v == NULL)
        return 0;
    if ((copy = strdup(v)) == NULL)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

static void hweb_update_server(struct api_ctx *ctx)
{
    struct hweb_server *s = hweb_server_arg(ctx);
    struct json_object *body;
    const char *name, *secret, *tpl, *url;

    if (s == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    if (hweb_opt_string(body, "name", &name) || hweb_opt_string(body, "sharedSecret", &secret) ||
        hweb_template_id(body, &tpl) || hweb_opt_string(body, "url", &url)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400,
                         "'name', 'sharedSecret' and 'payloadTemplate' have "
                         "the wrong type");
        return;
    }
    if (url && strcmp(url, s->url) != 0) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "To change a URL, create a new HTTP server");
        return;
    }
    if (hweb_set(&s->name, name) || hweb_set(&s->secret, secret) || hweb_set(&s->tpl_id, tpl) ||
        (tpl && hweb_set(&s->tpl_name, hweb_template_name(tpl)))) {
        json_object_put(body);
        http_reply_error(ctx->reply, 500, "out of memory");
        return;
    }
    json_object_put(body);
    http_reply_json(ctx->reply, 200, hweb_server_json(s, 0));
}

static void hweb_delete_server(struct api_ctx *ctx)
{
    struct hweb_server *s = hweb_server_arg(ctx);

    if (s == NULL)
        return;
    halert_forget_server(s->network_id, s->id);
    hweb_server_free(s);
    *s = hweb_servers[--hweb_nservers];
    ctx->reply->status = 204;
}

/* ---- webhook tests and deliveries ---- */

static struct hweb_test *hweb_test_find(unsigned long long id)
{
    for (size_t i = 0; i < hweb_ntests; i++)
        if (hweb_tests[i].id == id)
            return &hweb_tests[i];
    return NULL;
}

static struct json_object *hweb_test_json(const struct hweb_test *t, int full)
{
    struct json_object *o = json_object_new_object();
    char id[32];

    snprintf(id, sizeof id, "%llu", t->id);
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "url", json_object_new_string(t->url));
    json_object_object_add(o, "status", json_object_new_string(t->status));
    if (full) {
        json_object_object_add(o, "networkId", json_object_new_string(t->network_id));
        json_object_object_add(o, "alertTypeId", json_object_new_string(t->alert_type_id));
        json_object_object_add(o, "attempts", json_object_new_int(t->attempts));
        json_object_object_add(o, "last_http_status",
                               json_object_new_int((int)t->last_http_status));
    }
    return o;
}

/* Delivery progress, from the delivery thread: recorded, with each attempt in the webhook
 * log, if the test still exists. */
static void hweb_on_status(unsigned long long id, const struct delivery_report *r)
{
    struct hweb_test *t;

    state_lock();
    if ((t = hweb_test_find(id)) != NULL) {
        t->status = r->status;
        t->attempts = r->attempts;
        t->last_http_status = r->http_status;
        if (r->attempt_done)
            hwlog_add(t->org_id, t->network_id, alerts_type_find(t->alert_type_id)->name, t->url,
                      r);
    }
    state_unlock();
}

static void hweb_create_test(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct json_object *body;
    const char *url, *secret, *tpl, *tpl_name, *type_id;
    const struct alerts_type *type;
    struct hweb_test *t;
    char *payload;

    if (n == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    if (hweb_opt_string(body, "url", &url) || hweb_opt_string(body, "sharedSecret", &secret) ||
        hweb_opt_string(body, "payloadTemplateId", &tpl) ||
        hweb_opt_string(body, "payloadTemplateName", &tpl_name) ||
        hweb_opt_string(body, "alertTypeId", &type_id) || url == NULL || !hweb_is_http_url(url)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'url' must be an http or https URL");
        return;
    }
    type = alerts_type_find(type_id ? type_id : "power_supply_down");
    if (type == NULL) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "Unsupported alertTypeId");
        return;
    }
    /* Without a sharedSecret, the test carries the secret of this network's server for the
     * same url (what an operator checking a set-up wants); else the empty string. */
    if (secret == NULL) {
        secret = "";
        for (size_t i = 0; i < hweb_nservers; i++)
            if (strcmp(hweb_servers[i].network_id, n->id) == 0 &&
                strcmp(hweb_servers[i].url, url) == 0)
                secret = hweb_servers[i].secret;
    }
    if (hweb_ntests == HWEB_MAX_TESTS) {
        hweb_test_free(&hweb_tests[0]);
        memmove(hweb_tests, hweb_tests + 1, (HWEB_MAX_TESTS - 1) * sizeof *hweb_tests);
        hweb_ntests--;
    }
    t = &hweb_tests[hweb_ntests++];
    memset(t, 0, sizeof *t);
    t->id = hweb_next_test++;
    t->org_id = strdup(n->org->id);
    t->network_id = strdup(n->id);
    t->url = strdup(url);
    t->alert_type_id = strdup(type->id);
    t->status = "enqueued";
    /* The fake never contacts any host but this one: other tests end abandoned, unsent. */
    if (t->org_id && t->network_id && t->url && t->alert_type_id && delivery_is_local(url)) {
        payload = alerts_payload(n, type, secret, ctx->now);
        if (payload == NULL ||
            delivery_start(t->id, url, payload, ctx->st->cfg.webhook_ca_file, hweb_on_status) != 0)
            t->status = "abandoned";
        free(payload);
    } else {
        t->status = "abandoned";
    }
    json_object_put(body);
    http_reply_json(ctx->reply, 201, hweb_test_json(t, 0));
    /* The answer says "enqueued" even when the delivery already started, as Meraki's does. */
}

static void hweb_get_test(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    char *end;
    unsigned long long id;
    struct hweb_test *t;

    if (n == NULL)
        return;
    id = strtoull(ctx->args[1], &end, 10);
    t = *end == '\0' ? hweb_test_find(id) : NULL;
    if (t == NULL || strcmp(t->network_id, n->id) != 0) {
        api_not_found(ctx);
        return;
    }
    http_reply_json(ctx->reply, 200, hweb_test_json(t, 0));
}

struct json_object *hweb_control_json(void)
{
    struct json_object *o = json_object_new_object(), *servers = json_object_new_array();
    struct json_object *tests = json_object_new_array();

    for (size_t i = 0; i < hweb_nservers; i++)
        json_object_array_add(servers, hweb_server_json(&hweb_servers[i], 1));
    for (size_t i = 0; i < hweb_ntests; i++)
        json_object_array_add(tests, hweb_test_json(&hweb_tests[i], 1));
    json_object_object_add(o, "httpServers", servers);
    json_object_object_add(o, "alertSettings", halert_all_json());
    json_object_object_add(o, "webhookTests", tests);
    return o;
}

const struct api_route hweb_routes[] = {
    {"GET", "/networks/{networkId}/webhooks/httpServers", API_SCOPE_NETWORK, hweb_list_servers},
    {"POST", "/networks/{networkId}/webhooks/httpServers", API_SCOPE_NETWORK, hweb_create_server},
    {"GET", "/networks/{networkId}/webhooks/httpServers/{httpServerId}", API_SCOPE_NETWORK,
     hweb_get_server},
    {"PUT", "/networks/{networkId}/webhooks/httpServers/{httpServerId}", API_SCOPE_NETWORK,
     hweb_update_server},
    {"DELETE", "/networks/{networkId}/webhooks/httpServers/{httpServerId}", API_SCOPE_NETWORK,
     hweb_delete_server},
    {"POST", "/networks/{networkId}/webhooks/webhookTests", API_SCOPE_NETWORK, hweb_create_test},
    {"GET", "/networks/{networkId}/webhooks/webhookTests/{webhookTestId}", API_SCOPE_NETWORK,
     hweb_get_test},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
