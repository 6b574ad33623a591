/*
 * h_alerts.c - alert settings and alert types (see h_alerts.h).
 */
#include "h_alerts.h"

#include "alerts.h"
#include "h_webhooks.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The alert settings types of an appliance network (camelCase, as the settings call them). */
static const char *const halert_types[] = {"applianceDown",
                                           "failoverEvent",
                                           "vpnConnectivityChange",
                                           "cellularUpDown",
                                           "dhcpNoLeases",
                                           "ipConflict",
                                           "rogueDhcp",
                                           "settingsChanged",
                                           "usageAlert",
                                           "uplinkIp6Conflict",
                                           NULL};

static struct json_object *halert_all; /* networkId -> settings object */

static struct state_network *halert_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);

    if (n == NULL)
        api_not_found(ctx);
    return n;
}

static struct json_object *halert_destinations_new(void)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "emails", json_object_new_array());
    json_object_object_add(d, "allAdmins", json_object_new_boolean(0));
    json_object_object_add(d, "snmp", json_object_new_boolean(0));
    json_object_object_add(d, "httpServerIds", json_object_new_array());
    return d;
}

/* The network's settings, created with every alert off on first use. */
static struct json_object *halert_settings(const char *network_id)
{
    struct json_object *s, *alerts, *muting, *bps;

    if (halert_all == NULL)
        halert_all = json_object_new_object();
    if (json_object_object_get_ex(halert_all, network_id, &s))
        return s;
    s = json_object_new_object();
    json_object_object_add(s, "defaultDestinations", halert_destinations_new());
    alerts = json_object_new_array();
    for (size_t i = 0; halert_types[i]; i++) {
        struct json_object *a = json_object_new_object(), *f = json_object_new_object();

        json_object_object_add(a, "type", json_object_new_string(halert_types[i]));
        json_object_object_add(a, "enabled", json_object_new_boolean(0));
        json_object_object_add(a, "alertDestinations", halert_destinations_new());
        if (strcmp(halert_types[i], "applianceDown") == 0)
            json_object_object_add(f, "timeout", json_object_new_int(5));
        json_object_object_add(a, "filters", f);
        json_object_array_add(alerts, a);
    }
    json_object_object_add(s, "alerts", alerts);
    muting = json_object_new_object();
    bps = json_object_new_object();
    json_object_object_add(bps, "enabled", json_object_new_boolean(0));
    json_object_object_add(muting, "byPortSchedules", bps);
    json_object_object_add(s, "muting", muting);
    json_object_object_add(halert_all, network_id, s);
    return s;
}

static void halert_get_settings(struct api_ctx *ctx)
{
    struct state_network *n = halert_network(ctx);

    if (n)
        http_reply_json(ctx->reply, 200, json_object_get(halert_settings(n->id)));
}

static int halert_strings(struct json_object *a)
{
    if (!json_object_is_type(a, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++)
        if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string))
            return 0;
    return 1;
}

/* Checks a destinations object of a PUT; returns an error message or NULL. */
static const char *halert_check_dest(const char *network_id, struct json_object *d)
{
    struct json_object *v;

    if (!json_object_is_type(d, json_type_object))
        return "destinations must be objects";
    if (json_object_object_get_ex(d, "emails", &v) && !halert_strings(v))
        return "'emails' must be an array of strings";
    if (json_object_object_get_ex(d, "allAdmins", &v) && !json_object_is_type(v, json_type_boolean))
        return "'allAdmins' must be a boolean";
    if (json_object_object_get_ex(d, "snmp", &v) && !json_object_is_type(v, json_type_boolean))
        return "'snmp' must be a boolean";
    if (json_object_object_get_ex(d, "httpServerIds", &v)) {
        if (!halert_strings(v))
            return "'httpServerIds' must be an array of strings";
        for (size_t i = 0; i < json_object_array_length(v); i++)
            if (!hweb_server_exists(network_id,
                                    json_object_get_string(json_object_array_get_idx(v, i))))
                return "'httpServerIds' names an HTTP server this network does not have";
    }
    return NULL;
}

/* Copies the keys of `from` into `into` (a shallow merge, as Meraki's PUT does). */
static void halert_merge(struct json_object *into, struct json_object *from)
{
    json_object_object_foreach(from, key, val)
    {
        json_object_object_add(into, key, json_object_get(val));
    }
}

static struct json_object *halert_alert_find(struct json_object *alerts, const char *type)
{
    for (size_t i = 0; i < json_object_array_length(alerts); i++) {
        struct json_object *a = json_object_array_get_idx(alerts, i), *t;

        if (json_object_object_get_ex(a, "type", &t) &&
            strcmp(json_object_get_string(t), type) == 0)
            return a;
    }
    return NULL;
}

/* Validates a whole alerts PUT body; returns an error message or NULL. */
static const char *halert_check_settings(const char *network_id, struct json_object *body,
                                         struct json_object *alerts_now)
{
    struct json_object *v, *alerts;
    const char *msg;

    if (json_object_object_get_ex(body, "defaultDestinations", &v) &&
        (msg = halert_check_dest(network_id, v)))
        return msg;
    if (json_object_object_get_ex(body, "muting", &v) && !json_object_is_type(v, json_type_object))
        return "'muting' must be an object";
    if (!json_object_object_get_ex(body, "alerts", &alerts))
        return NULL;
    if (!json_object_is_type(alerts, json_type_array))
        return "'alerts' must be an array";
    for (size_t i = 0; i < json_object_array_length(alerts); i++) {
        struct json_object *a = json_object_array_get_idx(alerts, i), *t;

        if (!json_object_is_type(a, json_type_object) ||
            !json_object_object_get_ex(a, "type", &t) || !json_object_is_type(t, json_type_string))
            return "each alert needs a 'type'";
        if (!halert_alert_find(alerts_now, json_object_get_string(t)))
            return "Unsupported alert type for this network";
        if (json_object_object_get_ex(a, "enabled", &v) &&
            !json_object_is_type(v, json_type_boolean))
            return "'enabled' must be a boolean";
        if (json_object_object_get_ex(a, "alertDestinations", &v) &&
            (msg = halert_check_dest(network_id, v)))
            return msg;
        if (json_object_object_get_ex(a, "filters", &v) &&
            !json_object_is_type(v, json_type_object))
            return "'filters' must be an object";
    }
    return NULL;
}

static void halert_put_settings(struct api_ctx *ctx)
{
    struct state_network *n = halert_network(ctx);
    struct json_object *body, *s, *v, *cur, *alerts, *alerts_now;
    const char *msg;

    if (n == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    s = halert_settings(n->id);
    json_object_object_get_ex(s, "alerts", &alerts_now);
    if ((msg = halert_check_settings(n->id, body, alerts_now)) != NULL) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, msg);
        return;
    }
    if (json_object_object_get_ex(body, "defaultDestinations", &v) &&
        json_object_object_get_ex(s, "defaultDestinations", &cur))
        halert_merge(cur, v);
    if (json_object_object_get_ex(body, "muting", &v) &&
        json_object_object_get_ex(s, "muting", &cur))
        halert_merge(cur, v);
    if (json_object_object_get_ex(body, "alerts", &alerts)) {
        for (size_t i = 0; i < json_object_array_length(alerts); i++) {
            struct json_object *a = json_object_array_get_idx(alerts, i), *t, *target;

            json_object_object_get_ex(a, "type", &t);
            target = halert_alert_find(alerts_now, json_object_get_string(t));
            if (json_object_object_get_ex(a, "enabled", &v))
                json_object_object_add(target, "enabled", json_object_get(v));
            if (json_object_object_get_ex(a, "alertDestinations", &v) &&
                json_object_object_get_ex(target, "alertDestinations", &cur))
                halert_merge(cur, v);
            if (json_object_object_get_ex(a, "filters", &v) &&
                json_object_object_get_ex(target, "filters", &cur))
                halert_merge(cur, v);
        }
    }
    json_object_put(body);
    http_reply_json(ctx->reply, 200, json_object_get(s));
}

/* ---- alert types ---- */

static void halert_alert_types(struct api_ctx *ctx)
{
    static const char *const products[] = {
        "appliance", "camera", "cellularGateway", "health",   "platform",
        "sensor",    "sm",     "switch",          "wireless", NULL};
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    const char *product = http_param(ctx->req, "productType");
    struct state_network example = {0};
    struct json_object *a;
    int ok = product == NULL;

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    for (size_t i = 0; products[i] && !ok; i++)
        ok = strcmp(products[i], product) == 0;
    if (!ok) {
        http_reply_error(ctx->reply, 400, "'productType' is not a valid product type");
        return;
    }
    /* The examples describe an imaginary network of this organization. */
    example.id = "N_24329156";
    example.name = "Main Office";
    example.org = org;
    example.mx[STATE_PRIMARY].serial = "Q234-ABCD-5678";
    example.mx[STATE_PRIMARY].model = "MX68";
    a = json_object_new_array();
    for (size_t i = 0; alerts_type_at(i); i++) {
        const struct alerts_type *t = alerts_type_at(i);
        struct json_object *o = json_object_new_object();
        char *payload = alerts_payload(&example, t, "secret", ctx->now);

        json_object_object_add(o, "alertTypeId", json_object_new_string(t->id));
        json_object_object_add(o, "alertType", json_object_new_string(t->name));
        json_object_object_add(o, "example", payload ? json_tokener_parse(payload) : NULL);
        free(payload);
        json_object_array_add(a, o);
    }
    http_reply_json(ctx->reply, 200, a);
}

/* Removes `id` from one httpServerIds array (a deleted server receives nothing). */
static void halert_unlink_id(struct json_object *dest, const char *id)
{
    struct json_object *ids;

    if (!dest || !json_object_object_get_ex(dest, "httpServerIds", &ids))
        return;
    for (size_t i = json_object_array_length(ids); i-- > 0;)
        if (strcmp(json_object_get_string(json_object_array_get_idx(ids, i)), id) == 0)
            json_object_array_del_idx(ids, i, 1);
}

void halert_forget_server(const char *network_id, const char *server_id)
{
    struct json_object *settings, *alerts, *dest = NULL;

    if (halert_all == NULL || !json_object_object_get_ex(halert_all, network_id, &settings))
        return;
    json_object_object_get_ex(settings, "defaultDestinations", &dest);
    halert_unlink_id(dest, server_id);
    if (json_object_object_get_ex(settings, "alerts", &alerts)) {
        for (size_t i = 0; i < json_object_array_length(alerts); i++) {
            dest = NULL;
            json_object_object_get_ex(json_object_array_get_idx(alerts, i), "alertDestinations",
                                      &dest);
            halert_unlink_id(dest, server_id);
        }
    }
}

void halert_reset(void)
{
    json_object_put(halert_all);
    halert_all = NULL;
}

struct json_object *halert_all_json(void)
{
    return halert_all ? json_object_get(halert_all) : json_object_new_object();
}

const struct api_route halert_routes[] = {
    {"GET", "/networks/{networkId}/alerts/settings", API_SCOPE_NETWORK, halert_get_settings},
    {"PUT", "/networks/{networkId}/alerts/settings", API_SCOPE_NETWORK, halert_put_settings},
    {"GET", "/organizations/{organizationId}/webhooks/alertTypes", API_SCOPE_ORG,
     halert_alert_types},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
