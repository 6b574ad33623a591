/*
 * status_series.c - the loss series of the status model and their JSON document (the operator's
 * page draws them). See status.h.
 *
 * Why a document of its own and not more fields in /status: /status is the same document as
 * `status --json` (tests compare the two), and the series are the bulk of the bytes: a page
 * that wants them asks for them, a script that wants the states does not pay for them.
 */
#include "tagfailover/status.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/caps.h"
#include "tagfailover/json.h"

/* True when `a` is worse than `b`: a loss beats a smaller loss, any loss beats a null. */
static bool status_series_worse(const policy_sample *a, const policy_sample *b)
{
    return a->has_loss && (!b->has_loss || a->loss_pct > b->loss_pct);
}

/* Thins `v` (n samples, ts order) in place to at most `max`: consecutive runs of
 * ceil(n / max) samples each keep their worst (the earliest of equals). Returns the count. */
static size_t status_series_thin(policy_sample *v, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t run = (n + max - 1) / max, m = 0;
    for (size_t i = 0; i < n; i += run) {
        policy_sample keep = v[i];
        for (size_t k = i + 1; k < i + run && k < n; k++)
            if (status_series_worse(&v[k], &keep))
                keep = v[k];
        v[m++] = keep;
    }
    return m;
}

/* The model's entry of nets[i]: the one at *cursor when the model holds the listing's managed
 * networks in order (a reconcile), else found by id. */
static status_network *status_series_entry(status_org *o, size_t *cursor, const char *id)
{
    if (*cursor < o->n_nets && strcmp(o->nets[*cursor].id, id) == 0)
        return &o->nets[(*cursor)++];
    for (size_t i = 0; i < o->n_nets; i++)
        if (strcmp(o->nets[i].id, id) == 0) {
            *cursor = i + 1;
            return &o->nets[i];
        }
    return NULL;
}

status_err status_org_series(status_org *o, const look_ctx *ctx, const dj_network *nets,
                             const look_result *results, size_t n, int64_t t1)
{
    size_t cursor = 0;
    for (size_t i = 0; i < n; i++) {
        if (look_network_state(&results[i]) == LOOK_STATE_UNMANAGED)
            continue;
        status_network *e = status_series_entry(o, &cursor, nets[i].id);
        if (e == NULL)
            continue;
        policy_sample *v = NULL;
        size_t k = 0;
        if (look_primary_window(ctx, &nets[i], &results[i], t1, &v, &k) != LOOK_OK)
            return STATUS_ERR_NOMEM;
        k = status_series_thin(v, k, TF_STATUS_SERIES_MAX);
        free(e->series);
        e->series = v;
        e->n_series = k;
        e->has_series = true;
        e->series_t1 = t1;
    }
    return STATUS_OK;
}

/* One network's entry of the series document; NULL when out of memory. */
static struct json_object *status_series_net_json(const status_network *n, int window_s)
{
    struct json_object *o = json_object_new_object();
    struct json_object *v = json_object_new_array_ext((int)n->n_series);
    if (o == NULL || v == NULL) {
        json_object_put(o);
        json_object_put(v);
        return NULL;
    }
    json_object_object_add(o, "id", json_object_new_string(n->id));
    json_object_object_add(o, "tracked_ip",
                           n->tracked_ip != NULL ? json_object_new_string(n->tracked_ip) : NULL);
    json_object_object_add(o, "t0", json_object_new_int64(n->series_t1 - window_s));
    json_object_object_add(o, "t1", json_object_new_int64(n->series_t1));
    json_object_object_add(o, "samples", v);
    for (size_t i = 0; i < n->n_series; i++) {
        const policy_sample *s = &n->series[i];
        struct json_object *pair = json_object_new_array_ext(2);
        if (pair == NULL || json_object_array_add(v, pair) != 0) {
            json_object_put(pair);
            json_object_put(o);
            return NULL;
        }
        json_object_array_add(pair, json_object_new_int64(s->ts));
        json_object_array_add(pair, s->has_loss ? json_object_new_double(s->loss_pct) : NULL);
    }
    return o;
}

/* One organization's entry; NULL when out of memory. */
static struct json_object *status_series_org_json(const status_org *org, int window_s)
{
    struct json_object *o = json_object_new_object();
    struct json_object *nets = json_object_new_array_ext((int)org->n_nets);
    if (o == NULL || nets == NULL) {
        json_object_put(o);
        json_object_put(nets);
        return NULL;
    }
    json_object_object_add(o, "id", json_object_new_string(org->id));
    json_object_object_add(o, "networks", nets);
    for (size_t i = 0; i < org->n_nets; i++) {
        if (!org->nets[i].has_series)
            continue;
        struct json_object *n = status_series_net_json(&org->nets[i], window_s);
        if (n == NULL || json_object_array_add(nets, n) != 0) {
            json_object_put(n);
            json_object_put(o);
            return NULL;
        }
    }
    return o;
}

char *status_render_series_json(const status_org *const *orgs, size_t n, double loss_threshold_pct,
                                int detect_window_s)
{
    struct json_object *doc = json_object_new_object();
    struct json_object *list = json_object_new_array_ext((int)n);
    char *out = NULL;
    if (doc == NULL || list == NULL) {
        json_object_put(doc);
        json_object_put(list);
        return NULL;
    }
    json_object_object_add(doc, "loss_threshold_pct", json_object_new_double(loss_threshold_pct));
    json_object_object_add(doc, "detect_window_s", json_object_new_int(detect_window_s));
    json_object_object_add(doc, "organizations", list);
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = status_series_org_json(orgs[i], detect_window_s);
        if (o == NULL || json_object_array_add(list, o) != 0) {
            json_object_put(o);
            goto out;
        }
    }
    out = tfjson_text(doc, false);
out:
    json_object_put(doc);
    return out;
}
