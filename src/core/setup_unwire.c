/*
 * setup_unwire.c - which servers are the daemon's, and the alert settings without them. See
 * setup_unwire.h.
 */
#include "tagfailover/setup_unwire.h"

#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

setup_err setup_unwire_servers(struct json_object *servers, const char *url, setup_server *out,
                               size_t max, size_t *n)
{
    *n = 0;
    if (!json_object_is_type(servers, json_type_array))
        return SETUP_ERR_SHAPE;
    for (size_t i = 0; i < json_object_array_length(servers); i++) {
        struct json_object *s = json_object_array_get_idx(servers, i);
        setup_server cur = {0};

        if (!setup_server_read(s, &cur))
            return SETUP_ERR_SHAPE;
        bool ours =
            strcmp(cur.name, SETUP_SERVER_NAME) == 0 || (url != NULL && strcmp(cur.url, url) == 0);
        if (ours && *n < max)
            out[(*n)++] = cur;
    }
    return SETUP_OK;
}

static bool setup_unwire_is_one(const char *id, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(id, ids[i]) == 0)
            return true;
    return false;
}

/* True when the destinations object `dest` lists one of the ids in httpServerIds. */
static bool setup_unwire_holds(struct json_object *dest, const char *const *ids, size_t n)
{
    struct json_object *v;
    if (!json_object_is_type(dest, json_type_object) ||
        !json_object_object_get_ex(dest, "httpServerIds", &v) ||
        !json_object_is_type(v, json_type_array))
        return false;
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        struct json_object *e = json_object_array_get_idx(v, i);
        if (json_object_is_type(e, json_type_string) &&
            setup_unwire_is_one(json_object_get_string(e), ids, n))
            return true;
    }
    return false;
}

/* A copy of the destination fields the spec's PUT accepts (emails, allAdmins, snmp,
 * httpServerIds) with the ids taken out of httpServerIds. NULL when out of memory. */
static struct json_object *setup_unwire_dest(struct json_object *from, const char *const *ids,
                                             size_t n)
{
    static const char *const keep[] = {"emails", "allAdmins", "snmp"};
    struct json_object *d = json_object_new_object(), *list = json_object_new_array(), *v;

    if (d == NULL || list == NULL || json_object_object_add(d, "httpServerIds", list) != 0) {
        json_object_put(d);
        json_object_put(list);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        struct json_object *copy = NULL;
        if (!json_object_object_get_ex(from, keep[i], &v) || v == NULL)
            continue;
        if (json_object_deep_copy(v, &copy, NULL) != 0 ||
            json_object_object_add(d, keep[i], copy) != 0) {
            json_object_put(copy);
            json_object_put(d);
            return NULL;
        }
    }
    if (!json_object_object_get_ex(from, "httpServerIds", &v) ||
        !json_object_is_type(v, json_type_array))
        return d;
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        struct json_object *e = json_object_array_get_idx(v, i);
        if (json_object_is_type(e, json_type_string) &&
            setup_unwire_is_one(json_object_get_string(e), ids, n))
            continue;
        if (json_object_array_add(list, json_object_get(e)) != 0) {
            json_object_put(e);
            json_object_put(d);
            return NULL;
        }
    }
    return d;
}

/* The PUT entry of one alert: type, enabled and filters as read, destinations less the ids. */
static struct json_object *setup_unwire_entry(struct json_object *alert, const char *const *ids,
                                              size_t n)
{
    struct json_object *e = json_object_new_object(), *v, *dest;

    if (e == NULL)
        return NULL;
    const char *keep[] = {"type", "enabled", "filters"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        struct json_object *copy = NULL;
        if (!json_object_object_get_ex(alert, keep[i], &v) || v == NULL)
            continue;
        if (json_object_deep_copy(v, &copy, NULL) != 0 ||
            json_object_object_add(e, keep[i], copy) != 0) {
            json_object_put(copy);
            goto fail;
        }
    }
    json_object_object_get_ex(alert, "alertDestinations", &v);
    if ((dest = setup_unwire_dest(v, ids, n)) == NULL)
        goto fail;
    if (json_object_object_add(e, "alertDestinations", dest) != 0) {
        json_object_put(dest);
        goto fail;
    }
    return e;
fail:
    json_object_put(e);
    return NULL;
}

setup_plan_err setup_unwire_alerts(struct json_object *settings, const char *const *ids, size_t n,
                                   struct json_object **body, size_t *n_alerts)
{
    struct json_object *alerts, *put = NULL, *list = NULL, *dflt;
    setup_plan_err rc = SETUP_PLAN_ERR_NOMEM;

    *body = NULL;
    *n_alerts = 0;
    if (!json_object_is_type(settings, json_type_object) ||
        !json_object_object_get_ex(settings, "alerts", &alerts) ||
        !json_object_is_type(alerts, json_type_array))
        return SETUP_PLAN_ERR_SHAPE;
    if ((put = json_object_new_object()) == NULL)
        return SETUP_PLAN_ERR_NOMEM;
    for (size_t i = 0; i < json_object_array_length(alerts); i++) {
        struct json_object *a = json_object_array_get_idx(alerts, i), *tv, *dest = NULL;
        if (!json_object_is_type(a, json_type_object) ||
            !json_object_object_get_ex(a, "type", &tv) ||
            !json_object_is_type(tv, json_type_string)) {
            rc = SETUP_PLAN_ERR_SHAPE;
            goto out;
        }
        json_object_object_get_ex(a, "alertDestinations", &dest);
        if (!setup_unwire_holds(dest, ids, n))
            continue;
        if (list == NULL) {
            if ((list = json_object_new_array()) == NULL)
                goto out;
            if (json_object_object_add(put, "alerts", list) != 0) {
                json_object_put(list);
                goto out;
            }
        }
        struct json_object *e = setup_unwire_entry(a, ids, n);
        if (e == NULL || json_object_array_add(list, e) != 0) {
            json_object_put(e);
            goto out;
        }
        (*n_alerts)++;
    }
    if (json_object_object_get_ex(settings, "defaultDestinations", &dflt) &&
        setup_unwire_holds(dflt, ids, n)) {
        struct json_object *d = setup_unwire_dest(dflt, ids, n);
        if (d == NULL || json_object_object_add(put, "defaultDestinations", d) != 0) {
            json_object_put(d);
            goto out;
        }
    }
    if (json_object_object_length(put) > 0) {
        *body = put;
        put = NULL;
    }
    rc = SETUP_PLAN_OK;
out:
    json_object_put(put);
    if (rc != SETUP_PLAN_OK)
        *n_alerts = 0;
    return rc;
}
