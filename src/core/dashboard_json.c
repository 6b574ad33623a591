/*
 * dashboard_json.c - the Dashboard API's JSON, parsed into structs, and the bodies we send.
 *
 * Every parser reads the text with tfjson_parse (json.h), checks the top-level type, and walks
 * the value with small helpers that each say "required", "optional" or "list of". A helper that
 * fails leaves what it filled for the caller's *_clear to release, so each parser has one
 * cleanup path and an error never leaves a half-filled answer behind.
 */
#include "tagfailover/dashboard_json.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/caps.h"
#include "tagfailover/id.h"
#include "tagfailover/json.h"

#include "dashboard_json_int.h"

/* Reads the text and checks its top-level type. */
static dj_err dj_root(const char *json, size_t len, json_type want, json_object **root)
{
    switch (tfjson_parse(json, len, root)) {
    case TFJSON_OK:
        break;
    case TFJSON_ERR_NOMEM:
        return DJ_ERR_NOMEM;
    case TFJSON_ERR_TOO_LARGE:
        return DJ_ERR_TOO_LARGE;
    default:
        return DJ_ERR_NOT_JSON;
    }
    if (!json_object_is_type(*root, want)) {
        json_object_put(*root);
        *root = NULL;
        return DJ_ERR_SHAPE;
    }
    return DJ_OK;
}

/* Copies a JSON string into a heap C string. One with an embedded NUL (from \u0000) is a
 * shape error: a C string would silently cut it short. */
static dj_err dj_dup_string(json_object *v, size_t cap, char **dst)
{
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);

    if (memchr(s, '\0', n) != NULL)
        return DJ_ERR_SHAPE;
    if (n > cap)
        return DJ_ERR_TOO_LARGE;
    *dst = strdup(s);
    return *dst == NULL ? DJ_ERR_NOMEM : DJ_OK;
}

/* A required, non-empty string member. */
dj_err dj_req_string(json_object *obj, const char *key, size_t cap, char **dst)
{
    json_object *v; /* borrowed */

    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0)
        return DJ_ERR_SHAPE;
    return dj_dup_string(v, cap, dst);
}

/* An optional string member: absent or null leaves *dst NULL. */
dj_err dj_opt_string(json_object *obj, const char *key, size_t cap, char **dst)
{
    json_object *v; /* borrowed */

    if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
        return DJ_OK;
    if (!json_object_is_type(v, json_type_string))
        return DJ_ERR_SHAPE;
    return dj_dup_string(v, cap, dst);
}

/* An optional list of strings (tags): absent or null is the empty list. */
static dj_err dj_opt_tags(json_object *obj, const char *key, tags_list *dst)
{
    json_object *arr; /* borrowed */
    size_t n;

    if (!json_object_object_get_ex(obj, key, &arr) || arr == NULL)
        return DJ_OK;
    if (!json_object_is_type(arr, json_type_array))
        return DJ_ERR_SHAPE;
    n = json_object_array_length(arr);
    if (n > TF_TAGS_MAX_COUNT)
        return DJ_ERR_TOO_LARGE;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(arr, i); /* borrowed */
        const char *s;
        size_t len;

        if (!json_object_is_type(v, json_type_string))
            return DJ_ERR_SHAPE;
        s = json_object_get_string(v);
        len = (size_t)json_object_get_string_len(v);
        if (memchr(s, '\0', len) != NULL)
            return DJ_ERR_SHAPE;
        if (len > TF_TAG_MAX_LEN)
            return DJ_ERR_TOO_LARGE;
        switch (tags_list_push(dst, s)) {
        case TAGS_OK:
            break;
        case TAGS_ERR_TOO_LONG:
            return DJ_ERR_TOO_LARGE;
        default:
            return DJ_ERR_NOMEM;
        }
    }
    return DJ_OK;
}

/* A required array member. */
dj_err dj_req_array(json_object *obj, const char *key, json_object **arr)
{
    if (!json_object_object_get_ex(obj, key, arr) || !json_object_is_type(*arr, json_type_array))
        return DJ_ERR_SHAPE;
    return DJ_OK;
}

/* Parses every element of `arr` (each must be an object) into a new heap array. An empty
 * array gives NULL and 0. On error nothing is left allocated. */
dj_err dj_array(json_object *arr, size_t size, dj_elem_fn parse, dj_clear_fn clear, void **out,
                size_t *n)
{
    size_t len = json_object_array_length(arr);
    unsigned char *v = NULL;
    size_t done = 0;
    dj_err err = DJ_OK;

    *out = NULL;
    *n = 0;
    if (len == 0)
        return DJ_OK;
    v = calloc(len, size);
    if (v == NULL)
        return DJ_ERR_NOMEM;
    for (size_t i = 0; i < len; i++) {
        json_object *e = json_object_array_get_idx(arr, i); /* borrowed */

        if (!json_object_is_type(e, json_type_object)) {
            err = DJ_ERR_SHAPE;
            break;
        }
        err = parse(e, v + done * size);
        if (err == DJ_SKIP) {
            clear(v + done * size);
            err = DJ_OK;
            continue;
        }
        done++; /* a failed element may hold members too */
        if (err != DJ_OK)
            break;
    }
    if (err != DJ_OK || done == 0) {
        for (size_t i = 0; i < done; i++)
            clear(v + i * size);
        free(v);
        return err;
    }
    *out = v;
    *n = done;
    return DJ_OK;
}

/* Frees `n` elements of `size` bytes with `clear`, then the array. */
void dj_free_list(void *v, size_t n, size_t size, dj_clear_fn clear)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        clear((unsigned char *)v + i * size);
    free(v);
}

/* A top-level array being read one element at a time (dj_parse_top_array). */
struct dj_walk {
    size_t size;
    dj_elem_fn parse;
    dj_clear_fn clear; /* for a skipped element */
    unsigned char *v;  /* the elements so far, `n` of them, room for `cap` */
    size_t n, cap;
    dj_err err; /* why the walk stopped */
};

/* tfjson_each_element's callback: one element into the growing array. */
static int dj_walk_one(json_object *e, void *p)
{
    struct dj_walk *w = p;

    if (!json_object_is_type(e, json_type_object)) {
        w->err = DJ_ERR_SHAPE;
        return 1;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        unsigned char *v = cap <= SIZE_MAX / w->size ? realloc(w->v, cap * w->size) : NULL;
        if (v == NULL) {
            w->err = DJ_ERR_NOMEM;
            return 1;
        }
        w->v = v;
        w->cap = cap;
    }
    memset(w->v + w->n * w->size, 0, w->size);
    w->err = w->parse(e, w->v + w->n * w->size);
    if (w->err == DJ_SKIP) {
        w->clear(w->v + w->n * w->size);
        w->err = DJ_OK;
        return 0;
    }
    w->n++; /* a failed element may hold members too: the clear frees them */
    return w->err != DJ_OK;
}

/* Parses a whole answer that is a top-level array of objects, one element at a time: the
 * answers that can be large (every network, every appliance, the loss data) never become one
 * json-c tree, which takes ten to thirty-six times the text's size. On error nothing is left
 * allocated and *out is NULL. */
static dj_err dj_parse_top_array(const char *json, size_t len, size_t size, dj_elem_fn parse,
                                 dj_clear_fn clear, void **out, size_t *n)
{
    struct dj_walk w = {.size = size, .parse = parse, .clear = clear};
    json_object *root = NULL;
    bool not_array = false;
    int stopped = 0;
    dj_err err;

    *out = NULL;
    *n = 0;
    switch (tfjson_each_element(json, len, dj_walk_one, &w, &not_array, &stopped)) {
    case TFJSON_OK:
        err = stopped ? w.err : DJ_OK;
        break;
    case TFJSON_ERR_NOMEM:
        err = DJ_ERR_NOMEM;
        break;
    case TFJSON_ERR_TOO_LARGE:
        err = DJ_ERR_TOO_LARGE;
        break;
    default:
        err = DJ_ERR_NOT_JSON;
        break;
    }
    if (err == DJ_OK && not_array) {
        /* Not an array: the wrong shape if it is JSON at all. A small text is read whole to
         * say which; a large one is not worth its tree to tell two errors apart. */
        err = len <= TF_API_MAX_OBJECT_RESPONSE ? dj_root(json, len, json_type_array, &root)
                                                : DJ_ERR_SHAPE;
        json_object_put(root);
        if (err == DJ_OK)
            err = DJ_ERR_SHAPE;
    }
    if (err != DJ_OK) {
        dj_free_list(w.v, w.n, size, clear);
        return err;
    }
    if (w.n == 0) {
        free(w.v); /* every element skipped: none is NULL, as for an empty array */
        w.v = NULL;
    }
    *out = w.v;
    *n = w.n;
    return DJ_OK;
}

/* Parses a whole answer that is a list of objects: the top-level array when `key` is NULL,
 * else the required array member `key` of a top-level object. On error nothing is left
 * allocated and *out is NULL. */
dj_err dj_parse_list(const char *json, size_t len, const char *key, size_t size, dj_elem_fn parse,
                     dj_clear_fn clear, void **out, size_t *n)
{
    json_object *root = NULL, *arr; /* arr is borrowed */
    dj_err err;

    *out = NULL;
    *n = 0;
    if (key == NULL)
        return dj_parse_top_array(json, len, size, parse, clear, out, n);
    err = dj_root(json, len, json_type_object, &root);
    arr = root;
    if (err == DJ_OK && key != NULL)
        err = dj_req_array(root, key, &arr);
    if (err == DJ_OK)
        err = dj_array(arr, size, parse, clear, out, n);
    json_object_put(root);
    return err;
}

/* A required ID that goes into API paths: a string that passes id.h's rule. A string that
 * does not (too long, or another character) is DJ_SKIP: the record is left out of its list,
 * and its ID never reaches a path; a member that is missing or not a string is the wrong
 * shape. */
dj_err dj_req_id(json_object *obj, const char *key, char **dst)
{
    dj_err err = dj_req_string(obj, key, TF_ID_MAX_LEN, dst);

    if (err == DJ_ERR_TOO_LARGE)
        return DJ_SKIP;
    return err == DJ_OK && !id_valid(*dst) ? DJ_SKIP : err;
}

/* An optional ID (see dj_req_id): DJ_SKIP for one that is present and breaks the rule. */
static dj_err dj_opt_id(json_object *obj, const char *key, char **dst)
{
    dj_err err = dj_opt_string(obj, key, TF_ID_MAX_LEN, dst);

    if (err == DJ_ERR_TOO_LARGE)
        return DJ_SKIP;
    return err == DJ_OK && *dst != NULL && !id_valid(*dst) ? DJ_SKIP : err;
}

/* An optional appliance serial that goes into a live ping's path: one that breaks
 * id_serial_valid is dropped (NULL: that record has no appliance to ping from). */
dj_err dj_opt_serial(json_object *obj, const char *key, char **dst)
{
    dj_err err = dj_opt_string(obj, key, TF_API_FIELD_MAX_LEN, dst);

    if (err == DJ_ERR_TOO_LARGE)
        return DJ_OK;
    if (err == DJ_OK && *dst != NULL && !id_serial_valid(*dst)) {
        free(*dst);
        *dst = NULL;
    }
    return err;
}

/* Organizations. */

static void dj_org_clear(void *p)
{
    dj_org *o = p;

    free(o->id);
    free(o->name);
    memset(o, 0, sizeof(*o));
}

static dj_err dj_org_one(json_object *v, void *p)
{
    dj_org *o = p;
    dj_err err = dj_req_id(v, "id", &o->id);

    if (err == DJ_OK)
        err = dj_opt_string(v, "name", SIZE_MAX, &o->name);
    return err;
}

dj_err dj_parse_organizations(const char *json, size_t len, dj_org **out, size_t *n)
{
    void *arr; /* dj_parse_list hands back an untyped array */
    dj_err err = dj_parse_list(json, len, NULL, sizeof(dj_org), dj_org_one, dj_org_clear, &arr, n);

    *out = arr;
    return err;
}

void dj_orgs_free(dj_org *v, size_t n)
{
    dj_free_list(v, n, sizeof(*v), dj_org_clear);
}

/* Networks. */

void dj_network_clear(dj_network *net)
{
    if (net == NULL)
        return;
    free(net->id);
    free(net->organization_id);
    free(net->name);
    tags_list_free(&net->tags);
    memset(net, 0, sizeof(*net));
}

static void dj_network_clear_v(void *p)
{
    dj_network_clear(p);
}

static dj_err dj_network_one(json_object *v, void *p)
{
    dj_network *net = p;
    dj_err err = dj_req_id(v, "id", &net->id);

    if (err == DJ_OK)
        err = dj_opt_id(v, "organizationId", &net->organization_id);
    if (err == DJ_OK)
        err = dj_opt_string(v, "name", SIZE_MAX, &net->name);
    if (err == DJ_OK)
        err = dj_opt_tags(v, "tags", &net->tags);
    /* Too many tags, or one too long: this network cannot be judged, but the others can. It is
     * kept, without tags, for /status to name (and is never acted on). */
    if (err == DJ_ERR_TOO_LARGE) {
        tags_list_free(&net->tags);
        net->unreadable = true;
        err = DJ_OK;
    }
    return err;
}

dj_err dj_parse_networks(const char *json, size_t len, dj_network **out, size_t *n)
{
    void *arr; /* dj_parse_list hands back an untyped array */
    dj_err err = dj_parse_list(json, len, NULL, sizeof(dj_network), dj_network_one,
                               dj_network_clear_v, &arr, n);

    *out = arr;
    return err;
}

dj_err dj_parse_network(const char *json, size_t len, dj_network *out)
{
    json_object *root = NULL;
    dj_err err;

    memset(out, 0, sizeof(*out));
    err = dj_root(json, len, json_type_object, &root);
    if (err == DJ_OK)
        err = dj_network_one(root, out);
    if (err == DJ_SKIP)
        err = DJ_ERR_SHAPE; /* the one record asked for names an ID no path may hold */
    if (err != DJ_OK)
        dj_network_clear(out);
    json_object_put(root);
    return err;
}

void dj_networks_free(dj_network *v, size_t n)
{
    dj_free_list(v, n, sizeof(*v), dj_network_clear_v);
}

/* Loss and latency. */

/* Sorts samples by ts, keeping the order of equal timestamps (a bottom-up merge sort: qsort is
 * not stable, and an insertion sort would be quadratic on a hostile answer). */
static dj_err dj_sort_samples(policy_sample *v, size_t n)
{
    policy_sample *tmp, *src = v, *dst;

    if (n < 2)
        return DJ_OK;
    tmp = malloc(n * sizeof(*tmp));
    if (tmp == NULL)
        return DJ_ERR_NOMEM;
    dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;

            while (i < mid && j < hi)
                dst[k++] = src[j].ts < src[i].ts ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        policy_sample *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != v)
        memcpy(v, src, n * sizeof(*v));
    free(tmp);
    return DJ_OK;
}

/* One {ts, lossPercent, latencyMs} sample. lossPercent null or missing is no data. */
static dj_err dj_sample_one(json_object *v, policy_sample *s)
{
    json_object *ts, *loss; /* borrowed */
    double pct;

    if (!json_object_is_type(v, json_type_object))
        return DJ_ERR_SHAPE;
    if (!json_object_object_get_ex(v, "ts", &ts) || !json_object_is_type(ts, json_type_string) ||
        strlen(json_object_get_string(ts)) != (size_t)json_object_get_string_len(ts) ||
        !dj_parse_time(json_object_get_string(ts), &s->ts))
        return DJ_ERR_SHAPE;
    if (!json_object_object_get_ex(v, "lossPercent", &loss) || loss == NULL) {
        s->has_loss = false;
        return DJ_OK;
    }
    if (!json_object_is_type(loss, json_type_double) && !json_object_is_type(loss, json_type_int))
        return DJ_ERR_SHAPE;
    pct = json_object_get_double(loss);
    if (!isfinite(pct) || pct < 0.0 || pct > 100.0)
        return DJ_ERR_SHAPE;
    s->has_loss = true;
    s->loss_pct = pct;
    return DJ_OK;
}

static void dj_loss_clear(void *p)
{
    dj_loss_item *it = p;

    free(it->network_id);
    free(it->serial);
    free(it->uplink);
    free(it->ip);
    free(it->samples);
    memset(it, 0, sizeof(*it));
}

static dj_err dj_loss_one(json_object *v, void *p)
{
    dj_loss_item *it = p;
    json_object *series; /* borrowed */
    size_t n;
    dj_err err = dj_req_id(v, "networkId", &it->network_id);

    if (err == DJ_OK)
        err = dj_opt_serial(v, "serial", &it->serial);
    if (err == DJ_OK)
        err = dj_req_string(v, "uplink", TF_API_FIELD_MAX_LEN, &it->uplink);
    if (err == DJ_OK)
        err = dj_req_string(v, "ip", TF_API_FIELD_MAX_LEN, &it->ip);
    if (err == DJ_OK)
        err = dj_req_array(v, "timeSeries", &series);
    if (err != DJ_OK)
        return err;
    n = json_object_array_length(series);
    if (n == 0)
        return DJ_OK;
    it->samples = calloc(n, sizeof(*it->samples));
    if (it->samples == NULL)
        return DJ_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        err = dj_sample_one(json_object_array_get_idx(series, i), &it->samples[i]);
        if (err != DJ_OK)
            return err;
    }
    it->n = n;
    return dj_sort_samples(it->samples, n);
}

dj_err dj_parse_loss(const char *json, size_t len, dj_loss_item **out, size_t *n)
{
    void *arr; /* dj_parse_list hands back an untyped array */
    dj_err err =
        dj_parse_list(json, len, NULL, sizeof(dj_loss_item), dj_loss_one, dj_loss_clear, &arr, n);

    *out = arr;
    return err;
}

void dj_loss_free(dj_loss_item *v, size_t n)
{
    dj_free_list(v, n, sizeof(*v), dj_loss_clear);
}

/* Third-party VPN peers. */

static void dj_peer_clear(void *p)
{
    dj_peer *peer = p;

    free(peer->name);
    free(peer->public_ip);
    tags_list_free(&peer->network_tags);
    memset(peer, 0, sizeof(*peer));
}

static dj_err dj_peer_one(json_object *v, void *p)
{
    dj_peer *peer = p;
    dj_err err = dj_opt_string(v, "name", SIZE_MAX, &peer->name);

    if (err == DJ_OK)
        err = dj_opt_string(v, "publicIp", SIZE_MAX, &peer->public_ip);
    if (err == DJ_OK)
        err = dj_opt_tags(v, "networkTags", &peer->network_tags);
    return err;
}

dj_err dj_parse_peers(const char *json, size_t len, dj_peer **out, size_t *n)
{
    void *arr; /* dj_parse_list hands back an untyped array */
    dj_err err =
        dj_parse_list(json, len, "peers", sizeof(dj_peer), dj_peer_one, dj_peer_clear, &arr, n);

    *out = arr;
    return err;
}

void dj_peers_free(dj_peer *v, size_t n)
{
    dj_free_list(v, n, sizeof(*v), dj_peer_clear);
}

/* Error bodies and the tags body. */

dj_err dj_parse_errors(const char *json, size_t len, char **message)
{
    json_object *root = NULL, *errors; /* errors is borrowed */
    size_t n, total = 1;
    char *msg = NULL;
    dj_err err;

    *message = NULL;
    err = dj_root(json, len, json_type_object, &root);
    if (err == DJ_OK)
        err = dj_req_array(root, "errors", &errors);
    if (err != DJ_OK)
        goto out;
    n = json_object_array_length(errors);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(errors, i); /* borrowed */

        if (!json_object_is_type(e, json_type_string)) {
            err = DJ_ERR_SHAPE;
            goto out;
        }
        total += (size_t)json_object_get_string_len(e) + 2;
    }
    msg = malloc(total);
    if (msg == NULL) {
        err = DJ_ERR_NOMEM;
        goto out;
    }
    msg[0] = '\0';
    for (size_t i = 0, at = 0; i < n; i++) {
        /* strlen, not the JSON length: an embedded NUL ends that message, harmlessly. */
        const char *s = json_object_get_string(json_object_array_get_idx(errors, i));
        size_t sl = strlen(s);

        if (i > 0) {
            memcpy(msg + at, "; ", 2);
            at += 2;
        }
        memcpy(msg + at, s, sl);
        at += sl;
        msg[at] = '\0';
    }
    *message = msg;
out:
    json_object_put(root);
    return err;
}

char *dj_build_tags_body(const tags_list *tags)
{
    json_object *root = json_object_new_object();
    json_object *arr = json_object_new_array();
    char *body = NULL;

    if (root == NULL || arr == NULL) {
        json_object_put(arr);
        goto out;
    }
    if (json_object_object_add(root, "tags", arr) != 0) {
        json_object_put(arr);
        goto out;
    }
    for (size_t i = 0; i < tags->n; i++) {
        json_object *s = json_object_new_string(tags->v[i]);

        if (s == NULL || json_object_array_add(arr, s) != 0) {
            json_object_put(s);
            goto out;
        }
    }
    body = tfjson_text(root, false);
out:
    json_object_put(root);
    return body;
}

const char *dj_strerror(dj_err e)
{
    switch (e) {
    case DJ_OK:
        return "success";
    case DJ_ERR_NOT_JSON:
        return "response is not JSON (or not UTF-8, or nested too deep)";
    case DJ_ERR_SHAPE:
        return "response is not the documented shape";
    case DJ_ERR_TOO_LARGE:
        return "response holds a string or list over a cap";
    case DJ_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}
