/*
 * h_callbacks.c - API callbacks (see h_callbacks.h).
 *
 * Meraki does not say where a callback's shared secret travels; its default "Callback
 * (included)" template (wpt_00005) is modelled on the alert template, so the fake sends it as
 * the body's sharedSecret, as alerts carry it.
 */
#include "h_callbacks.h"

#include "delivery.h"
#include "h_changes.h"
#include "h_webhooks.h"
#include "h_whlogs.h"
#include "isotime.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most callbacks remembered; the oldest is forgotten first. */
#define HCB_MAX 4096
/* Longest url, secret or id a callback may carry. */
#define HCB_MAX_FIELD 2048
/* The webhook log's alertType for a callback (Meraki does not document one). */
#define HCB_ALERT_TYPE "API callback"

struct hcb_callback {
    unsigned long long id;
    char *org_id, *org_name;
    char *network_id, *network_name; /* NULL = an organization-wide job */
    char *url, *secret;
    char *server_id; /* the named HTTP server, or the id a server with this url would have */
    char *template_id;
    const char *status; /* "new", "running", "completed", "failed" */
    char error[128];    /* why it failed, "" when it did not */
    double sent_at;     /* first attempt; 0 = not sent */
};

static struct hcb_callback hcb_list[HCB_MAX];
static size_t hcb_n;
static unsigned long long hcb_next_id = 1284392014819ULL;

static void hcb_free(struct hcb_callback *c)
{
    free(c->org_id);
    free(c->org_name);
    free(c->network_id);
    free(c->network_name);
    free(c->url);
    free(c->secret);
    free(c->server_id);
    free(c->template_id);
    memset(c, 0, sizeof *c);
}

void hcb_reset(void)
{
    for (size_t i = 0; i < hcb_n; i++)
        hcb_free(&hcb_list[i]);
    hcb_n = 0;
}

static struct hcb_callback *hcb_find(unsigned long long id)
{
    for (size_t i = 0; i < hcb_n; i++)
        if (hcb_list[i].id == id)
            return &hcb_list[i];
    return NULL;
}

/* Reads an optional string `key` of `o` (at most HCB_MAX_FIELD bytes); -1 when it is there
 * but is not one. */
static int hcb_str(struct json_object *o, const char *key, const char **out)
{
    struct json_object *v;

    *out = NULL;
    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) > HCB_MAX_FIELD)
        return -1;
    *out = json_object_get_string(v);
    return 0;
}

/* The object `key` of `o`, or NULL; -1 when it is there but is not an object. */
static int hcb_obj(struct json_object *o, const char *key, struct json_object **out)
{
    *out = NULL;
    if (!json_object_object_get_ex(o, key, out) || json_object_is_type(*out, json_type_null)) {
        *out = NULL;
        return 0;
    }
    return json_object_is_type(*out, json_type_object) ? 0 : -1;
}

int hcb_create(struct api_ctx *ctx, struct json_object *body, const struct state_org *org,
               const struct state_network *n, unsigned long long *id)
{
    struct json_object *cb, *server = NULL, *tpl = NULL;
    const char *url, *secret, *server_id, *tpl_id;
    struct hcb_callback *c;

    *id = 0;
    if (hcb_obj(body, "callback", &cb) != 0)
        goto bad;
    if (cb == NULL)
        return 0;
    if (hcb_str(cb, "url", &url) || hcb_str(cb, "sharedSecret", &secret) ||
        hcb_obj(cb, "httpServer", &server) || hcb_str(server, "id", &server_id) ||
        hcb_obj(cb, "payloadTemplate", &tpl) || hcb_str(tpl, "id", &tpl_id))
        goto bad;
    if ((url == NULL) == (server_id == NULL) || (url && secret == NULL)) {
        http_reply_error(ctx->reply, 400,
                         "'callback' must include either an httpServer id OR url and "
                         "sharedSecret");
        return -1;
    }
    if (url && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        http_reply_error(ctx->reply, 400, "'callback.url' must be an http or https URL");
        return -1;
    }
    if (server_id &&
        hweb_server_lookup(ctx->st, org, n ? n->id : NULL, server_id, &url, &secret) != 0) {
        http_reply_error(ctx->reply, 400, "'callback.httpServer.id' names no HTTP server");
        return -1;
    }
    if (hcb_n == HCB_MAX) {
        hcb_free(&hcb_list[0]);
        memmove(hcb_list, hcb_list + 1, (HCB_MAX - 1) * sizeof *hcb_list);
        hcb_n--;
    }
    c = &hcb_list[hcb_n];
    memset(c, 0, sizeof *c);
    c->id = hcb_next_id++;
    c->status = "new";
    c->org_id = strdup(org->id);
    c->org_name = strdup(org->name);
    c->network_id = n ? strdup(n->id) : NULL;
    c->network_name = n ? strdup(n->name) : NULL;
    c->url = strdup(url);
    c->secret = strdup(secret);
    c->server_id = server_id ? strdup(server_id) : hweb_server_id_for(url);
    c->template_id = strdup(tpl_id ? tpl_id : "wpt_00005");
    if (!c->org_id || !c->org_name || (n && (!c->network_id || !c->network_name)) || !c->url ||
        !c->secret || !c->server_id || !c->template_id) {
        hcb_free(c);
        http_reply_error(ctx->reply, 500, "out of memory");
        return -1;
    }
    hcb_n++;
    *id = c->id;
    return 0;
bad:
    http_reply_error(ctx->reply, 400,
                     "'callback' must be an object with string url, sharedSecret, "
                     "httpServer.id and payloadTemplate.id");
    return -1;
}

struct json_object *hcb_brief_json(unsigned long long id)
{
    const struct hcb_callback *c = hcb_find(id);
    struct json_object *o;
    char buf[32];

    if (c == NULL)
        return NULL;
    o = json_object_new_object();
    snprintf(buf, sizeof buf, "%llu", c->id);
    json_object_object_add(o, "id", json_object_new_string(buf));
    json_object_object_add(o, "url", json_object_new_string(c->url));
    json_object_object_add(o, "status", json_object_new_string(c->status));
    return o;
}

/* Delivery progress, from the delivery thread: recorded, with each attempt in the webhook
 * log, if the callback is still remembered. */
static void hcb_on_status(unsigned long long id, const struct delivery_report *r)
{
    struct hcb_callback *c;

    state_lock();
    if ((c = hcb_find(id)) != NULL) {
        if (r->attempt_done) {
            if (c->sent_at == 0)
                c->sent_at = r->sent_at;
            hwlog_add(c->org_id, c->network_id, HCB_ALERT_TYPE, c->url, r);
        }
        if (strcmp(r->status, "delivered") == 0) {
            c->status = "completed";
        } else if (strcmp(r->status, "abandoned") == 0) {
            c->status = "failed";
            if (r->http_status)
                snprintf(c->error, sizeof c->error, "Callback failed: HTTP %ld", r->http_status);
            else
                snprintf(c->error, sizeof c->error, "Callback failed: no answer");
        }
    }
    state_unlock();
}

/* {id, name} of an organization or network, or null. */
static struct json_object *hcb_ref(const char *id, const char *name)
{
    struct json_object *o;

    if (id == NULL)
        return NULL;
    o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "name", json_object_new_string(name));
    return o;
}

void hcb_fire(struct state *st, unsigned long long id, struct json_object *message, double now)
{
    struct hcb_callback *c = hcb_find(id);
    struct json_object *o;
    char buf[48];
    const char *text;

    if (c == NULL || strcmp(c->status, "new") != 0) {
        json_object_put(message);
        return;
    }
    c->status = "running";
    if (!delivery_is_local(c->url)) {
        /* The fake never contacts any host but this one. */
        json_object_put(message);
        c->status = "failed";
        snprintf(c->error, sizeof c->error, "Callback failed: receiver not reachable");
        return;
    }
    o = json_object_new_object();
    snprintf(buf, sizeof buf, "%llu", c->id);
    json_object_object_add(o, "callbackId", json_object_new_string(buf));
    json_object_object_add(o, "sharedSecret", json_object_new_string(c->secret));
    json_object_object_add(o, "organization", hcb_ref(c->org_id, c->org_name));
    json_object_object_add(o, "network", hcb_ref(c->network_id, c->network_name));
    isotime_format_us(now, buf, sizeof buf);
    json_object_object_add(o, "sentAt", json_object_new_string(buf));
    json_object_object_add(o, "message", message);
    text =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (delivery_start(c->id, c->url, text, st->cfg.webhook_ca_file, hcb_on_status) != 0) {
        c->status = "failed";
        snprintf(c->error, sizeof c->error, "Callback failed: could not be sent");
    }
    json_object_put(o);
}

/* GET /organizations/{organizationId}/webhooks/callbacks/statuses/{callbackId} */
static void hcb_status(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    char *end;
    unsigned long long id = strtoull(ctx->args[1], &end, 10);
    const struct hcb_callback *c = *end == '\0' ? hcb_find(id) : NULL;
    struct json_object *o, *errors, *by, *hook, *server, *tpl;
    char buf[48];

    if (org == NULL || c == NULL || strcmp(c->org_id, org->id) != 0) {
        api_not_found(ctx);
        return;
    }
    o = json_object_new_object();
    json_object_object_add(o, "callbackId", json_object_new_string(ctx->args[1]));
    /* The spec's statuses are running, completed and failed: one not sent yet is running. */
    json_object_object_add(
        o, "status", json_object_new_string(strcmp(c->status, "new") == 0 ? "running" : c->status));
    errors = json_object_new_array();
    if (c->error[0])
        json_object_array_add(errors, json_object_new_string(c->error));
    json_object_object_add(o, "errors", errors);
    by = json_object_new_object();
    json_object_object_add(by, "adminId", json_object_new_string(hchg_api_admin.id));
    json_object_object_add(o, "createdBy", by);
    hook = json_object_new_object();
    json_object_object_add(hook, "url", json_object_new_string(c->url));
    server = json_object_new_object();
    json_object_object_add(server, "id", json_object_new_string(c->server_id));
    json_object_object_add(hook, "httpServer", server);
    tpl = json_object_new_object();
    json_object_object_add(tpl, "id", json_object_new_string(c->template_id));
    json_object_object_add(hook, "payloadTemplate", tpl);
    if (c->sent_at > 0)
        isotime_format_us(c->sent_at, buf, sizeof buf);
    json_object_object_add(hook, "sentAt", c->sent_at > 0 ? json_object_new_string(buf) : NULL);
    json_object_object_add(o, "webhook", hook);
    http_reply_json(ctx->reply, 200, o);
}

const struct api_route hcb_routes[] = {
    {"GET", "/organizations/{organizationId}/webhooks/callbacks/statuses/{callbackId}",
     API_SCOPE_ORG, hcb_status},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
