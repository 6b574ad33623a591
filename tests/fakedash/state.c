/*
 * state.c - the fake's world and the scenario loader (see state.h).
 *
 * Scenario keys are checked strictly: a misspelt key is an error, not a silent default,
 * because a test whose scenario does not say what its author meant passes for the wrong
 * reason.
 */
#include "state.h"

#include "isotime.h"
#include "jsonutil.h"
#include "scenario.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t state_mu = PTHREAD_MUTEX_INITIALIZER;
static struct state *state_cur;

static const char *const state_uplink_names[STATE_NUPLINKS] = {"wan1", "wan2", "wan3", "cellular"};
static const char *const state_ustatus_names[] = {"none", "active", "ready", "failed",
                                                  "not connected"};

void state_lock(void)
{
    pthread_mutex_lock(&state_mu);
}

void state_unlock(void)
{
    pthread_mutex_unlock(&state_mu);
}

struct state *state_get(void)
{
    return state_cur;
}

int state_uplink_parse(const char *name)
{
    for (int i = 0; i < STATE_NUPLINKS; i++)
        if (strcmp(name, state_uplink_names[i]) == 0)
            return i;
    return -1;
}

const char *state_uplink_name(int uplink)
{
    return uplink >= 0 && uplink < STATE_NUPLINKS ? state_uplink_names[uplink] : "?";
}

int state_ustatus_parse(const char *name)
{
    for (int i = STATE_US_ACTIVE; i <= STATE_US_NOT_CONNECTED; i++)
        if (strcmp(name, state_ustatus_names[i]) == 0)
            return i;
    return -1;
}

const char *state_ustatus_name(int status)
{
    return status >= 0 && status <= STATE_US_NOT_CONNECTED ? state_ustatus_names[status] : "?";
}

/* ---- small JSON helpers ---- */

int state_tags_validate(struct json_object *tags, char *err, size_t errlen)
{
    size_t n;

    if (!json_object_is_type(tags, json_type_array)) {
        snprintf(err, errlen, "'tags' must be an array of strings");
        return -1;
    }
    n = json_object_array_length(tags);
    if (n > STATE_MAX_TAGS) {
        snprintf(err, errlen, "'tags' has too many elements");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *t = json_object_array_get_idx(tags, i);

        if (!json_object_is_type(t, json_type_string)) {
            snprintf(err, errlen, "'tags' must be an array of strings");
            return -1;
        }
        if (json_object_get_string_len(t) > STATE_MAX_TAG_LEN) {
            snprintf(err, errlen, "a tag is too long");
            return -1;
        }
    }
    return 0;
}

int state_net_set_tags(struct state_network *n, struct json_object *tags)
{
    char **v;
    size_t len;

    if (jutil_strv_copy(tags, &v, &len) != 0)
        return -1;
    jutil_strv_free(n->tags, n->ntags);
    n->tags = v;
    n->ntags = len;
    return 0;
}

/* ---- networks ---- */

static void state_net_free(struct state_network *n)
{
    if (n == NULL)
        return;
    free(n->id);
    free(n->name);
    jutil_strv_free(n->tags, n->ntags);
    for (int r = 0; r < STATE_NMX; r++) {
        free(n->mx[r].serial);
        free(n->mx[r].model);
    }
    free(n->time_zone);
    free(n->notes);
    free(n->enrollment);
    jutil_strv_free(n->product_types, n->nproduct_types);
    json_object_put(n->destinations);
    json_object_put(n->vpn_reach);
    loss_list_free(&n->loss);
    free(n);
}

/* Normalises destinations (strings or {ip, description, default} objects) into objects. */
static struct json_object *state_destinations(struct json_object *a, char *err, size_t errlen)
{
    struct json_object *out;
    size_t len;

    if (!json_object_is_type(a, json_type_array)) {
        snprintf(err, errlen, "destinations must be an array");
        return NULL;
    }
    out = json_object_new_array();
    len = json_object_array_length(a);
    for (size_t i = 0; i < len; i++) {
        struct json_object *d = json_object_array_get_idx(a, i);
        struct json_object *o = json_object_new_object();
        struct json_object *ip = d, *desc = NULL, *def = NULL;

        if (json_object_is_type(d, json_type_object)) {
            json_object_object_get_ex(d, "ip", &ip);
            json_object_object_get_ex(d, "description", &desc);
            json_object_object_get_ex(d, "default", &def);
        }
        if (!json_object_is_type(ip, json_type_string)) {
            json_object_put(o);
            json_object_put(out);
            snprintf(err, errlen, "a destination needs an ip string");
            return NULL;
        }
        json_object_object_add(o, "ip", json_object_new_string(json_object_get_string(ip)));
        json_object_object_add(o, "description",
                               json_object_is_type(desc, json_type_string)
                                   ? json_object_new_string(json_object_get_string(desc))
                                   : NULL);
        json_object_object_add(
            o, "default", json_object_new_boolean(def ? json_object_get_boolean(def) : i == 0));
        json_object_array_add(out, o);
    }
    return out;
}

static int state_mx_uplinks(struct state_mx *mx, struct json_object *u, char *err, size_t errlen)
{
    if (!json_object_is_type(u, json_type_object)) {
        snprintf(err, errlen, "uplinks must be an object like {\"wan1\": \"active\"}");
        return -1;
    }
    json_object_object_foreach(u, key, val)
    {
        int up = state_uplink_parse(key);
        int st = json_object_is_type(val, json_type_string)
                     ? state_ustatus_parse(json_object_get_string(val))
                     : -1;

        if (up < 0 || st < 0) {
            snprintf(err, errlen,
                     "uplinks: \"%s\" must be wan1|wan2|wan3|cellular with "
                     "active|ready|failed|not connected",
                     key);
            return -1;
        }
        mx->uplink[up] = st;
    }
    return 0;
}

static int state_has_appliance(const struct state_network *n)
{
    for (size_t i = 0; i < n->nproduct_types; i++)
        if (strcmp(n->product_types[i], "appliance") == 0)
            return 1;
    return 0;
}

/* A generated serial, unique within the world. */
static char *state_new_serial(struct state *st)
{
    char buf[32];

    st->serial_seq++;
    snprintf(buf, sizeof buf, "Q2FD-%04lX-%04lX", (st->serial_seq >> 16) & 0xffff,
             st->serial_seq & 0xffff);
    return strdup(buf);
}

/* Fills an appliance from `spec` (a network or its "spare"): serial, model, uplinks. */
static int state_mx_parse(struct state *st, struct state_mx *mx, struct json_object *spec,
                          const char *def_model, char *err, size_t errlen)
{
    struct json_object *v;

    if (jutil_str(spec, "model", def_model, &mx->model, err, errlen) ||
        jutil_str(spec, "serial", NULL, &mx->serial, err, errlen))
        return -1;
    if (json_object_object_get_ex(spec, "uplinks", &v)) {
        if (state_mx_uplinks(mx, v, err, errlen))
            return -1;
    } else {
        mx->uplink[STATE_WAN1] = STATE_US_ACTIVE;
    }
    if (mx->serial == NULL && (mx->serial = state_new_serial(st)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Fills a network from its JSON description (everything but org and hash entries). */
static int state_net_parse(struct state *st, struct state_network *n, struct json_object *spec,
                           char *err, size_t errlen)
{
    static const char *const known[] = {"id",       "name",    "tags",         "serial",
                                        "model",    "uplinks", "spare",        "destinations",
                                        "timeZone", "notes",   "productTypes", "enrollmentString",
                                        NULL};
    static const char *const spare_known[] = {"serial", "model", "uplinks", NULL};
    struct json_object *v;

    if (!json_object_is_type(spec, json_type_object)) {
        snprintf(err, errlen, "a network must be an object");
        return -1;
    }
    if (jutil_check_keys(spec, "network", known, err, errlen))
        return -1;
    if (!json_object_object_get_ex(spec, "id", &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0) {
        snprintf(err, errlen, "a network needs an id string");
        return -1;
    }
    n->id = strdup(json_object_get_string(v));
    if (jutil_str(spec, "name", n->id, &n->name, err, errlen) ||
        jutil_str(spec, "timeZone", "Europe/London", &n->time_zone, err, errlen) ||
        jutil_str(spec, "notes", "", &n->notes, err, errlen) ||
        jutil_str(spec, "enrollmentString", NULL, &n->enrollment, err, errlen))
        return -1;
    if (json_object_object_get_ex(spec, "tags", &v)) {
        if (state_tags_validate(v, err, errlen) || state_net_set_tags(n, v))
            return -1;
    } else if (!(n->tags = calloc(1, sizeof *n->tags))) {
        return -1;
    }
    if (json_object_object_get_ex(spec, "productTypes", &v)) {
        if (state_tags_validate(v, err, errlen) ||
            jutil_strv_copy(v, &n->product_types, &n->nproduct_types)) {
            snprintf(err, errlen, "productTypes must be an array of strings");
            return -1;
        }
    } else {
        n->product_types = calloc(1, sizeof *n->product_types);
        if (n->product_types == NULL || !(n->product_types[0] = strdup("appliance")))
            return -1;
        n->nproduct_types = 1;
    }
    if (!state_has_appliance(n))
        return 0; /* a network without an MX has no serial, uplinks or loss data */
    if (state_mx_parse(st, &n->mx[STATE_PRIMARY], spec, "MX68", err, errlen))
        return -1;
    if (json_object_object_get_ex(spec, "spare", &v)) {
        if (!json_object_is_type(v, json_type_object) ||
            jutil_check_keys(v, "spare", spare_known, err, errlen)) {
            if (!err[0])
                snprintf(err, errlen, "spare must be an object like {\"serial\": \"...\"}");
            return -1;
        }
        if (state_mx_parse(st, &n->mx[STATE_SPARE], v, n->mx[STATE_PRIMARY].model, err, errlen))
            return -1;
    }
    if (json_object_object_get_ex(spec, "destinations", &v) &&
        !(n->destinations = state_destinations(v, err, errlen)))
        return -1;
    return 0;
}

struct state_network *state_net_create(struct state *st, struct state_org *org,
                                       struct json_object *spec, char *err, size_t errlen)
{
    struct state_network *n = calloc(1, sizeof *n);

    if (n == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->org = org;
    if (state_net_parse(st, n, spec, err, errlen) != 0)
        goto fail;
    if (hmap_get(&st->nets_by_id, n->id)) {
        snprintf(err, errlen, "duplicate network id %s", n->id);
        goto fail;
    }
    for (int r = 0; r < STATE_NMX; r++) {
        const char *serial = n->mx[r].serial;

        if (serial && (hmap_get(&st->nets_by_serial, serial) ||
                       (r == STATE_SPARE && strcmp(serial, n->mx[STATE_PRIMARY].serial) == 0))) {
            snprintf(err, errlen, "duplicate serial %s", serial);
            goto fail;
        }
    }
    if (st->nets_by_id.count >= STATE_MAX_NETWORKS) {
        snprintf(err, errlen, "too many networks");
        goto fail;
    }
    if (org->nnets == org->capnets) {
        size_t ncap = org->capnets ? org->capnets * 2 : 16;
        struct state_network **nv = realloc(org->nets, ncap * sizeof *nv);

        if (nv == NULL)
            goto oom;
        org->nets = nv;
        org->capnets = ncap;
    }
    if (hmap_put(&st->nets_by_id, n->id, n) != 0)
        goto oom;
    for (int r = 0; r < STATE_NMX; r++) {
        if (n->mx[r].serial && hmap_put(&st->nets_by_serial, n->mx[r].serial, n) != 0) {
            hmap_del(&st->nets_by_id, n->id);
            if (r == STATE_SPARE)
                hmap_del(&st->nets_by_serial, n->mx[STATE_PRIMARY].serial);
            goto oom;
        }
    }
    n->index = org->nnets;
    org->nets[org->nnets++] = n;
    return n;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    state_net_free(n);
    return NULL;
}

void state_net_delete(struct state *st, struct state_network *n)
{
    (void)st;
    n->deleted = 1;
}

/* ---- organizations ---- */

static void state_org_free(struct state_org *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->nnets; i++)
        state_net_free(o->nets[i]);
    free(o->nets);
    free(o->id);
    free(o->name);
    json_object_put(o->peers);
    free(o);
}

struct state_org *state_org_add(struct state *st, const char *id, const char *name, char *err,
                                size_t errlen)
{
    struct state_org *org;

    if (state_org_find(st, id)) {
        snprintf(err, errlen, "duplicate organization id %s", id);
        return NULL;
    }
    if (st->norgs >= STATE_MAX_ORGS) {
        snprintf(err, errlen, "too many organizations");
        return NULL;
    }
    org = calloc(1, sizeof *org);
    if (org == NULL || (org->id = strdup(id)) == NULL ||
        (org->name = strdup(name ? name : id)) == NULL ||
        (org->peers = json_object_new_array()) == NULL) {
        state_org_free(org);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    st->orgs[st->norgs++] = org;
    return org;
}

struct state_org *state_org_find(struct state *st, const char *id)
{
    for (size_t i = 0; i < st->norgs; i++)
        if (strcmp(st->orgs[i]->id, id) == 0)
            return st->orgs[i];
    return NULL;
}

struct state_network *state_net_find(struct state *st, const char *id)
{
    struct state_network *n = hmap_get(&st->nets_by_id, id);

    return n && !n->deleted ? n : NULL;
}

struct state_network *state_net_find_any(struct state *st, const char *id)
{
    return hmap_get(&st->nets_by_id, id);
}

struct state_network *state_net_by_serial(struct state *st, const char *serial)
{
    struct state_network *n = hmap_get(&st->nets_by_serial, serial);

    return n && !n->deleted ? n : NULL;
}

struct state_network *state_net_by_serial_any(struct state *st, const char *serial)
{
    return hmap_get(&st->nets_by_serial, serial);
}

int state_mx_role(const struct state_network *n, const char *serial)
{
    for (int r = 0; r < STATE_NMX; r++)
        if (n->mx[r].serial && strcmp(n->mx[r].serial, serial) == 0)
            return r;
    return -1;
}

int state_ha_swap(struct state_network *n)
{
    struct state_mx t = n->mx[STATE_PRIMARY];

    /* The serial map holds pointers to these strings; they move, they are not freed. */
    if (n->mx[STATE_SPARE].serial == NULL)
        return -1;
    n->mx[STATE_PRIMARY] = n->mx[STATE_SPARE];
    n->mx[STATE_SPARE] = t;
    return 0;
}

/* ---- configuration ---- */

static void state_config_defaults(struct state_config *c)
{
    free(c->api_key);
    free(c->webhook_ca_file);
    memset(c, 0, sizeof *c);
    c->sample_spacing_s = STATE_DEFAULT_SPACING_S;
    c->data_lag_s = STATE_DEFAULT_LAG_S;
    c->api_key = strdup(STATE_DEFAULT_API_KEY);
    c->ping_duration_s = STATE_DEFAULT_PING_S;
    c->batch_duration_s = STATE_DEFAULT_BATCH_S;
}

/* ---- the world ---- */

static void state_free(struct state *st)
{
    if (st == NULL)
        return;
    for (size_t i = 0; i < st->norgs; i++)
        state_org_free(st->orgs[i]);
    free(st->orgs);
    hmap_free(&st->nets_by_id);
    hmap_free(&st->nets_by_serial);
    loss_list_free(&st->loss_any);
    free(st->cfg.api_key);
    free(st->cfg.webhook_ca_file);
    free(st);
}

static struct state *state_new(void)
{
    struct state *st = calloc(1, sizeof *st);

    if (st == NULL)
        return NULL;
    st->orgs = calloc(STATE_MAX_ORGS, sizeof *st->orgs);
    if (st->orgs == NULL) {
        free(st);
        return NULL;
    }
    state_config_defaults(&st->cfg);
    st->loaded_at = isotime_now();
    return st;
}

int state_init(void)
{
    state_cur = state_new();
    return state_cur ? 0 : -1;
}

int state_loss_add(struct state *st, struct loss_entry *e, char *err, size_t errlen)
{
    struct loss_list *l = &st->loss_any;

    if (e->network_id) {
        struct state_network *n = state_net_find(st, e->network_id);

        if (n == NULL) {
            snprintf(err, errlen, "unknown network %s", e->network_id);
            return -1;
        }
        l = &n->loss;
    }
    e->seq = ++st->loss_seq;
    if (loss_list_add(l, e) != 0) {
        snprintf(err, errlen, "too many loss entries");
        return -1;
    }
    return 0;
}

int state_load(struct json_object *sc, void (*on_swap)(void), char *err, size_t errlen)
{
    struct state *st = state_new();
    struct state *old;

    if (st == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (scenario_build(st, sc, err, errlen) != 0) {
        if (err[0] == '\0')
            snprintf(err, errlen, "out of memory");
        state_free(st);
        return -1;
    }
    state_lock();
    old = state_cur;
    state_cur = st;
    if (on_swap)
        on_swap();
    state_unlock();
    state_free(old);
    return 0;
}

void state_shutdown(void)
{
    state_lock();
    state_free(state_cur);
    state_cur = NULL;
    state_unlock();
}

/* ---- views ---- */

size_t state_net_destinations(const struct state_network *n, const char **ips, size_t max)
{
    size_t count = 0;

    if (n->destinations) {
        size_t len = json_object_array_length(n->destinations);

        for (size_t i = 0; i < len && count < max; i++) {
            struct json_object *ip;

            if (json_object_object_get_ex(json_object_array_get_idx(n->destinations, i), "ip", &ip))
                ips[count++] = json_object_get_string(ip);
        }
        return count;
    }
    /* No list of its own: the MX tracks its organization's peers, each IP once. */
    for (size_t i = 0; i < json_object_array_length(n->org->peers) && count < max; i++) {
        struct json_object *ip;
        int seen = 0;

        if (!json_object_object_get_ex(json_object_array_get_idx(n->org->peers, i), "publicIp",
                                       &ip) ||
            !json_object_is_type(ip, json_type_string))
            continue;
        for (size_t j = 0; j < count; j++)
            seen |= strcmp(ips[j], json_object_get_string(ip)) == 0;
        if (!seen)
            ips[count++] = json_object_get_string(ip);
    }
    return count;
}

/* Writes an id inside a URL inside a JSON string: only URL-safe bytes, the rest as '_'. */
static void state_url_part(struct sbuf *b, const char *s)
{
    for (; *s; s++) {
        char c = *s;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            c = '_';
        sbuf_add(b, &c, 1);
    }
}

static void state_strv_write(struct sbuf *b, char *const *v, size_t n)
{
    sbuf_adds(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sbuf_adds(b, ",");
        sbuf_json_str(b, v[i]);
    }
    sbuf_adds(b, "]");
}

void state_net_url_write(struct sbuf *b, const struct state_network *n)
{
    sbuf_adds(b, "https://n1.meraki.com/fakedash/n/");
    state_url_part(b, n->id);
    sbuf_adds(b, "/manage/usage/list");
}

void state_net_write(struct sbuf *b, const struct state_network *n)
{
    state_net_write_tags(b, n, n->tags, n->ntags);
}

void state_net_write_tags(struct sbuf *b, const struct state_network *n, char *const *tags,
                          size_t ntags)
{
    sbuf_adds(b, "{\"id\":");
    sbuf_json_str(b, n->id);
    sbuf_adds(b, ",\"organizationId\":");
    sbuf_json_str(b, n->org->id);
    sbuf_adds(b, ",\"name\":");
    sbuf_json_str(b, n->name);
    sbuf_adds(b, ",\"productTypes\":");
    state_strv_write(b, n->product_types, n->nproduct_types);
    sbuf_adds(b, ",\"timeZone\":");
    sbuf_json_str(b, n->time_zone);
    sbuf_adds(b, ",\"tags\":");
    state_strv_write(b, tags, ntags);
    sbuf_adds(b, ",\"enrollmentString\":");
    sbuf_json_str(b, n->enrollment);
    sbuf_adds(b, ",\"url\":\"");
    state_net_url_write(b, n);
    sbuf_adds(b, "\"");
    sbuf_adds(b, ",\"notes\":");
    sbuf_json_str(b, n->notes);
    sbuf_adds(b, ",\"isBoundToConfigTemplate\":false}");
}

void state_org_write(struct sbuf *b, const struct state_org *o)
{
    sbuf_adds(b, "{\"id\":");
    sbuf_json_str(b, o->id);
    sbuf_adds(b, ",\"name\":");
    sbuf_json_str(b, o->name);
    sbuf_adds(b, ",\"url\":\"https://dashboard.meraki.com/o/");
    state_url_part(b, o->id);
    sbuf_adds(b, "/manage/organization/overview\"");
    sbuf_adds(b, ",\"api\":{\"enabled\":true},\"licensing\":{\"model\":\"co-term\"},"
                 "\"cloud\":{\"region\":{\"name\":\"North America\"}},"
                 "\"management\":{\"details\":[]}}");
}
