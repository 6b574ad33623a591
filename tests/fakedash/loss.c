/*
 * loss.c - the loss schedule (see loss.h).
 */
#include "loss.h"

#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads an optional string field into a malloc'd copy (*out stays NULL when absent). */
static int loss_opt_string(struct json_object *o, const char *key, char **out)
{
    struct json_object *v;

    *out = NULL;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *out = strdup(json_object_get_string(v));
    return *out ? 0 : -1;
}

static int loss_is_number(struct json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

int loss_entry_parse(struct json_object *o, double now, struct loss_entry *out, char *err,
                     size_t errlen)
{
    struct json_object *v;
    char *uplink = NULL;

    memset(out, 0, sizeof *out);
    out->uplink = -1;
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "loss entry must be an object");
        return -1;
    }
    if (loss_opt_string(o, "networkId", &out->network_id) || loss_opt_string(o, "ip", &out->ip) ||
        loss_opt_string(o, "serial", &out->serial) || loss_opt_string(o, "uplink", &uplink)) {
        snprintf(err, errlen, "networkId, serial, uplink and ip must be strings");
        goto fail;
    }
    if (uplink) {
        out->uplink = state_uplink_parse(uplink);
        free(uplink);
        if (out->uplink < 0) {
            snprintf(err, errlen, "uplink must be wan1, wan2, wan3 or cellular");
            goto fail;
        }
    }
    if (json_object_object_get_ex(o, "absent", &v) && json_object_get_boolean(v)) {
        out->kind = LOSS_ABSENT;
    } else if (json_object_object_get_ex(o, "lossPercent", &v)) {
        if (json_object_is_type(v, json_type_null)) {
            out->kind = LOSS_NULL;
        } else if (loss_is_number(v) && json_object_get_double(v) >= 0 &&
                   json_object_get_double(v) <= 100) {
            out->kind = LOSS_VALUE;
            out->value = json_object_get_double(v);
        } else {
            snprintf(err, errlen, "lossPercent must be null or a number in 0..100");
            goto fail;
        }
    } else {
        snprintf(err, errlen, "loss entry needs lossPercent or absent: true");
        goto fail;
    }
    out->from = now;
    if (json_object_object_get_ex(o, "from", &v) || json_object_object_get_ex(o, "at", &v)) {
        if (!loss_is_number(v)) {
            snprintf(err, errlen, "from/at must be Unix seconds");
            goto fail;
        }
        out->from = json_object_get_double(v);
        if (out->from <= 0)
            out->from = now + out->from;
    }
    return 0;
fail:
    loss_entry_free(out);
    memset(out, 0, sizeof *out);
    return -1;
}

int loss_list_add(struct loss_list *l, struct loss_entry *e)
{
    if (l->n >= LOSS_MAX_ENTRIES)
        return -1;
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 4;
        struct loss_entry *nv = realloc(l->v, ncap * sizeof *nv);

        if (nv == NULL)
            return -1;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = *e;
    memset(e, 0, sizeof *e);
    return 0;
}

void loss_entry_free(struct loss_entry *e)
{
    free(e->network_id);
    free(e->serial);
    free(e->ip);
    memset(e, 0, sizeof *e);
}

void loss_list_free(struct loss_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        loss_entry_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Picks from `l` the entry that beats *best for this sample. */
static void loss_scan(const struct loss_list *l, const struct loss_where *w, double ts,
                      const struct loss_entry **best)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        const struct loss_entry *e = &l->v[i];

        if (e->from > ts || (e->uplink >= 0 && e->uplink != w->uplink))
            continue;
        if (e->ip && strcmp(e->ip, w->ip) != 0)
            continue;
        if (e->network_id && strcmp(e->network_id, w->network_id) != 0)
            continue;
        if (e->serial && (w->serial == NULL || strcmp(e->serial, w->serial) != 0))
            continue;
        if (*best == NULL || e->from > (*best)->from ||
            (e->from == (*best)->from && e->seq > (*best)->seq))
            *best = e;
    }
}

enum loss_kind loss_at(const struct loss_list *own, const struct loss_list *any,
                       const struct loss_where *w, double ts, double *value)
{
    const struct loss_entry *best = NULL;

    loss_scan(own, w, ts, &best);
    loss_scan(any, w, ts, &best);
    if (best == NULL) {
        *value = 0;
        return LOSS_VALUE;
    }
    *value = best->value;
    return best->kind;
}

struct json_object *loss_list_json(const struct loss_list *l)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; l && i < l->n; i++) {
        const struct loss_entry *e = &l->v[i];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "networkId",
                               e->network_id ? json_object_new_string(e->network_id) : NULL);
        json_object_object_add(o, "serial", e->serial ? json_object_new_string(e->serial) : NULL);
        json_object_object_add(o, "uplink",
                               e->uplink >= 0 ? json_object_new_string(state_uplink_name(e->uplink))
                                              : NULL);
        json_object_object_add(o, "ip", e->ip ? json_object_new_string(e->ip) : NULL);
        json_object_object_add(o, "lossPercent",
                               e->kind == LOSS_VALUE ? json_object_new_double(e->value) : NULL);
        json_object_object_add(o, "absent", json_object_new_boolean(e->kind == LOSS_ABSENT));
        json_object_object_add(o, "from", json_object_new_double(e->from));
        json_object_array_add(a, o);
    }
    return a;
}
