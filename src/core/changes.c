/*
 * changes.c - the change log's tag swaps. See changes.h.
 */
#include "tagfailover/changes.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/caps.h"
#include "tagfailover/dashboard_json.h"
#include "tagfailover/id.h"
#include "tagfailover/json.h"

/* Longest oldValue/newValue read for its tags: a network is well under 64 KiB of JSON. */
#define CHG_VALUE_MAX (256 * 1024)

const char *chg_strerror(chg_err e)
{
    switch (e) {
    case CHG_OK:
        return "success";
    case CHG_ERR_NOT_JSON:
        return "not a JSON array of change entries";
    case CHG_ERR_SHAPE:
        return "a change entry without a time";
    case CHG_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

static void chg_clear(chg_entry *e)
{
    free(e->network_id);
    free(e->admin_name);
    free(e->admin_email);
    free(e->page);
    free(e->network_name);
    free(e->label);
    tags_list_free(&e->old_tags);
    tags_list_free(&e->new_tags);
    memset(e, 0, sizeof(*e));
}

void chg_free(chg_entry *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        chg_clear(&v[i]);
    free(v);
}

/* A string member, copied (capped); NULL when absent or not a string. *ok turns false when
 * out of memory. */
static char *chg_string(struct json_object *o, const char *key, size_t cap, bool *ok)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    const char *s = json_object_get_string(v);
    size_t n = strnlen(s, cap + 1);
    if (n > cap)
        return NULL;
    char *d = strndup(s, n);
    if (d == NULL)
        *ok = false;
    return d;
}

/* Reads the "tags" array of a value: JSON text of the resource (or, leniently, the object
 * itself). False when there is none. */
static bool chg_value_tags(struct json_object *entry, const char *key, tags_list *out, bool *ok)
{
    struct json_object *v, *root = NULL, *tags;
    bool found = false;
    if (!json_object_object_get_ex(entry, key, &v) || v == NULL)
        return false;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        size_t len = strnlen(s, CHG_VALUE_MAX + 1);
        if (len > CHG_VALUE_MAX || tfjson_parse(s, len, &root) != TFJSON_OK)
            return false;
        v = root;
    }
    if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "tags", &tags) &&
        json_object_is_type(tags, json_type_array) &&
        json_object_array_length(tags) <= TF_TAGS_MAX_COUNT) {
        found = true;
        for (size_t i = 0; i < json_object_array_length(tags) && *ok; i++) {
            struct json_object *t = json_object_array_get_idx(tags, i);
            if (!json_object_is_type(t, json_type_string) ||
                strlen(json_object_get_string(t)) > TF_TAG_MAX_LEN)
                continue;
            if (tags_list_push(out, json_object_get_string(t)) != TAGS_OK)
                *ok = false;
        }
    }
    json_object_put(root);
    return found;
}

/* A change log page being read one entry at a time (chg_parse). */
struct chg_walk {
    chg_entry *v; /* the entries so far, `n` of them, room for `cap` */
    size_t n, cap;
    chg_err rc; /* why the walk stopped */
};

/* tfjson_each_element's callback: one entry into the growing array. */
static int chg_one(struct json_object *o, void *ctx)
{
    struct chg_walk *w = ctx;
    struct json_object *tsv;
    bool ok = true;

    if (!json_object_is_type(o, json_type_object)) {
        w->rc = CHG_ERR_NOT_JSON;
        return 1;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        chg_entry *v = realloc(w->v, cap * sizeof(*v));
        if (v == NULL) {
            w->rc = CHG_ERR_NOMEM;
            return 1;
        }
        w->v = v;
        w->cap = cap;
    }
    chg_entry *e = &w->v[w->n++];
    memset(e, 0, sizeof(*e));
    if (!json_object_object_get_ex(o, "ts", &tsv) || !json_object_is_type(tsv, json_type_string) ||
        !dj_parse_time(json_object_get_string(tsv), &e->ts)) {
        w->rc = CHG_ERR_SHAPE;
        return 1;
    }
    e->network_id = chg_string(o, "networkId", TF_ID_MAX_LEN, &ok);
    /* An entry naming an ID no path may hold names no network we know: it is kept (it is
     * history) without one, so nothing looks it up. */
    if (e->network_id != NULL && !id_valid(e->network_id)) {
        free(e->network_id);
        e->network_id = NULL;
    }
    e->admin_name = chg_string(o, "adminName", 256, &ok);
    e->admin_email = chg_string(o, "adminEmail", 256, &ok);
    e->page = chg_string(o, "page", 256, &ok);
    e->network_name = chg_string(o, "networkName", 256, &ok);
    e->label = chg_string(o, "label", 512, &ok);
    bool old_has = chg_value_tags(o, "oldValue", &e->old_tags, &ok);
    bool new_has = chg_value_tags(o, "newValue", &e->new_tags, &ok);
    e->has_tags = old_has && new_has;
    if (!ok) {
        w->rc = CHG_ERR_NOMEM;
        return 1;
    }
    return 0;
}

chg_err chg_parse(const char *json, size_t len, chg_entry **out, size_t *n)
{
    struct chg_walk w = {0};
    bool not_array = false;
    int stopped = 0;
    chg_err rc;

    *out = NULL;
    *n = 0;
    /* One entry at a time: a page of 5,000 entries, each with two copies of a network, never
     * becomes one json-c tree. */
    tfjson_err je = tfjson_each_element(json, len, chg_one, &w, &not_array, &stopped);
    if (je == TFJSON_ERR_NOMEM)
        rc = CHG_ERR_NOMEM;
    else if (je != TFJSON_OK || not_array)
        rc = CHG_ERR_NOT_JSON;
    else
        rc = stopped ? w.rc : CHG_OK;
    if (rc != CHG_OK) {
        chg_free(w.v, w.n);
        return rc;
    }
    if (w.n == 0) {
        free(w.v);
        w.v = NULL;
    }
    *out = w.v;
    *n = w.n;
    return CHG_OK;
}

bool chg_failed_over_at(const chg_entry *v, size_t n, const char *network_id, int64_t *at)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        const chg_entry *e = &v[i];
        if (!e->has_tags || e->network_id == NULL || strcmp(e->network_id, network_id) != 0)
            continue;
        tags_info before, after;
        tags_classify(&e->old_tags, NULL, &before);
        tags_classify(&e->new_tags, NULL, &after);
        if (after.state != TAGS_FAILED_OVER || before.state == TAGS_FAILED_OVER)
            continue;
        if (!found || e->ts > *at) {
            *at = e->ts;
            found = true;
        }
    }
    return found;
}
