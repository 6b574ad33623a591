/*
 * setup_plan.c - the alert settings `tagfailover setup` would write. See setup_plan.h.
 */
#include "tagfailover/setup_plan.h"

#include <string.h>

#include <json-c/json.h>

static const char *const setup_plan_types[SETUP_PLAN_N_ALERTS] = {
    "failoverEvent",
    "vpnConnectivityChange",
    "cellularUpDown",
};

const char *setup_plan_strerror(setup_plan_err e)
{
    switch (e) {
    case SETUP_PLAN_OK:
        return "ok";
    case SETUP_PLAN_ERR_SHAPE:
        return "the API's answer is not the documented shape";
    case SETUP_PLAN_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

/* True when the string array `ids` holds `id`. */
static bool setup_plan_ids_contain(struct json_object *ids, const char *id)
{
    for (size_t i = 0; i < json_object_array_length(ids); i++) {
        struct json_object *v = json_object_array_get_idx(ids, i);
        if (json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), id) == 0)
            return true;
    }
    return false;
}

/* Copies the destination fields the spec's PUT accepts (emails, allAdmins, snmp,
 * httpServerIds) from `from` (may be NULL) into a new object, adding `server_id` to
 * httpServerIds when it is not there yet. NULL when out of memory. */
static struct json_object *setup_plan_dest_copy(struct json_object *from, const char *server_id)
{
    static const char *const keep[] = {"emails", "allAdmins", "snmp"};
    struct json_object *d = json_object_new_object(), *ids = NULL, *v;

    if (d == NULL)
        return NULL;
    for (size_t i = 0; from != NULL && i < sizeof(keep) / sizeof(keep[0]); i++) {
        if (!json_object_object_get_ex(from, keep[i], &v) || v == NULL)
            continue;
        struct json_object *copy = NULL;
        if (json_object_deep_copy(v, &copy, NULL) != 0 ||
            json_object_object_add(d, keep[i], copy) != 0) {
            json_object_put(copy);
            goto fail;
        }
    }
    ids = json_object_new_array();
    if (ids == NULL)
        goto fail;
    if (from != NULL && json_object_object_get_ex(from, "httpServerIds", &v) &&
        json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            struct json_object *e = json_object_array_get_idx(v, i);
            if (json_object_array_add(ids, json_object_get(e)) != 0) {
                json_object_put(e);
                goto fail;
            }
        }
    }
    if (!setup_plan_ids_contain(ids, server_id) &&
        json_object_array_add(ids, json_object_new_string(server_id)) != 0)
        goto fail;
    if (json_object_object_add(d, "httpServerIds", ids) != 0)
        goto fail;
    return d;
fail:
    json_object_put(ids);
    json_object_put(d);
    return NULL;
}

/* The PUT entry of one alert: type, enabled, its destinations with the server, and its
 * filters as read (sent back unchanged, so a server that replaces an alert whole keeps them).
 * NULL when out of memory. */
static struct json_object *setup_plan_entry(struct json_object *alert, const char *type,
                                            const char *server_id)
{
    struct json_object *e = json_object_new_object(), *dest = NULL, *v;

    if (e == NULL || json_object_object_add(e, "type", json_object_new_string(type)) != 0 ||
        json_object_object_add(e, "enabled", json_object_new_boolean(1)) != 0)
        goto fail;
    json_object_object_get_ex(alert, "alertDestinations", &dest);
    if (!json_object_is_type(dest, json_type_object))
        dest = NULL;
    if ((v = setup_plan_dest_copy(dest, server_id)) == NULL)
        goto fail;
    if (json_object_object_add(e, "alertDestinations", v) != 0) {
        json_object_put(v);
        goto fail;
    }
    if (json_object_object_get_ex(alert, "filters", &v) &&
        json_object_is_type(v, json_type_object) && json_object_object_length(v) > 0) {
        struct json_object *copy = NULL;
        if (json_object_deep_copy(v, &copy, NULL) != 0 ||
            json_object_object_add(e, "filters", copy) != 0) {
            json_object_put(copy);
            goto fail;
        }
    }
    return e;
fail:
    json_object_put(e);
    return NULL;
}

setup_plan_err setup_plan_alerts(struct json_object *settings, const char *server_id,
                                 setup_plan_alert st[SETUP_PLAN_N_ALERTS],
                                 struct json_object **body)
{
    struct json_object *alerts, *put = NULL, *found[SETUP_PLAN_N_ALERTS] = {0};
    setup_plan_err result = SETUP_PLAN_OK;

    *body = NULL;
    for (size_t k = 0; k < SETUP_PLAN_N_ALERTS; k++)
        st[k] = (setup_plan_alert){.type = setup_plan_types[k]};
    if (!json_object_is_type(settings, json_type_object) ||
        !json_object_object_get_ex(settings, "alerts", &alerts) ||
        !json_object_is_type(alerts, json_type_array))
        return SETUP_PLAN_ERR_SHAPE;
    for (size_t i = 0; i < json_object_array_length(alerts); i++) {
        struct json_object *a = json_object_array_get_idx(alerts, i);
        struct json_object *tv;
        if (!json_object_is_type(a, json_type_object) ||
            !json_object_object_get_ex(a, "type", &tv) ||
            !json_object_is_type(tv, json_type_string))
            return SETUP_PLAN_ERR_SHAPE;
        const char *type = json_object_get_string(tv);
        for (size_t k = 0; k < SETUP_PLAN_N_ALERTS; k++) {
            if (strcmp(type, setup_plan_types[k]) != 0 || found[k] != NULL)
                continue;
            struct json_object *en, *dest, *ids;
            found[k] = a;
            st[k].offered = true;
            st[k].enabled = json_object_object_get_ex(a, "enabled", &en) &&
                            json_object_is_type(en, json_type_boolean) &&
                            json_object_get_boolean(en);
            st[k].routed =
                server_id != NULL && json_object_object_get_ex(a, "alertDestinations", &dest) &&
                json_object_object_get_ex(dest, "httpServerIds", &ids) &&
                json_object_is_type(ids, json_type_array) && setup_plan_ids_contain(ids, server_id);
        }
    }
    for (size_t k = 0; k < SETUP_PLAN_N_ALERTS; k++) {
        if (!st[k].offered || (st[k].enabled && st[k].routed))
            continue;
        /* Without a server yet (a dry run that would create one) there is nothing to put;
         * the plan alone is wanted. */
        if (server_id == NULL)
            continue;
        struct json_object *list = NULL, *e;
        if (put == NULL) {
            put = json_object_new_object();
            list = json_object_new_array();
            if (put == NULL || list == NULL || json_object_object_add(put, "alerts", list) != 0) {
                json_object_put(list);
                result = SETUP_PLAN_ERR_NOMEM;
                goto out;
            }
        }
        json_object_object_get_ex(put, "alerts", &list);
        e = setup_plan_entry(found[k], setup_plan_types[k], server_id);
        if (e == NULL || json_object_array_add(list, e) != 0) {
            json_object_put(e);
            result = SETUP_PLAN_ERR_NOMEM;
            goto out;
        }
    }
    *body = put;
    put = NULL;
out:
    json_object_put(put);
    return result;
}
