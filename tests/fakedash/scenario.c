/*
 * scenario.c - the scenario loader (see scenario.h).
 *
 * Scenario keys are checked strictly: a misspelt key is an error, not a silent default,
 * because a test whose scenario does not say what its author meant passes for the wrong
 * reason.
 */
#include "scenario.h"

#include "jsonutil.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_object *scenario_peer(struct json_object *p, char *err, size_t errlen)
{
    struct json_object *out = NULL, *v;

    if (!json_object_is_type(p, json_type_object) || !json_object_object_get_ex(p, "name", &v) ||
        !json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "a peer must be an object with a name");
        return NULL;
    }
    if (json_object_object_get_ex(p, "networkTags", &v) && state_tags_validate(v, err, errlen))
        return NULL;
    if (json_object_deep_copy(p, &out, NULL) != 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!json_object_object_get_ex(out, "privateSubnets", NULL))
        json_object_object_add(out, "privateSubnets", json_object_new_array());
    if (!json_object_object_get_ex(out, "secret", NULL))
        json_object_object_add(out, "secret", json_object_new_string("fake-psk"));
    if (!json_object_object_get_ex(out, "ipsecPoliciesPreset", NULL))
        json_object_object_add(out, "ipsecPoliciesPreset", json_object_new_string("default"));
    if (!json_object_object_get_ex(out, "ikeVersion", NULL))
        json_object_object_add(out, "ikeVersion", json_object_new_string("2"));
    if (!json_object_object_get_ex(out, "networkTags", NULL)) {
        struct json_object *all = json_object_new_array();

        json_object_array_add(all, json_object_new_string("all"));
        json_object_object_add(out, "networkTags", all);
    }
    return out;
}

static int scenario_generate(struct state *st, struct state_org *org, struct json_object *g,
                             char *err, size_t errlen)
{
    static const char *const known[] = {"count",   "prefix",       "tags",         "name_prefix",
                                        "uplinks", "destinations", "productTypes", NULL};
    struct json_object *v, *spec;
    const char *prefix = "L_9", *name_prefix = "Branch ";
    long count;
    int width = 1;
    int rc = 0;

    if (!json_object_is_type(g, json_type_object) ||
        jutil_check_keys(g, "generate", known, err, errlen))
        return -1;
    if (!json_object_object_get_ex(g, "count", &v) || !json_object_is_type(v, json_type_int) ||
        (count = json_object_get_int64(v)) < 1 || count > STATE_MAX_NETWORKS) {
        snprintf(err, errlen, "generate.count must be 1..%d", STATE_MAX_NETWORKS);
        return -1;
    }
    if (json_object_object_get_ex(g, "prefix", &v))
        prefix = json_object_get_string(v);
    if (json_object_object_get_ex(g, "name_prefix", &v))
        name_prefix = json_object_get_string(v);
    for (long c = count - 1; c >= 10; c /= 10)
        width++;
    /* One template object, with id and name replaced for each copy. */
    spec = json_object_new_object();
    json_object_object_foreach(g, key, val)
    {
        if (strcmp(key, "count") && strcmp(key, "prefix") && strcmp(key, "name_prefix"))
            json_object_object_add(spec, key, json_object_get(val));
    }
    for (long i = 0; i < count && rc == 0; i++) {
        char id[256], name[512];

        if (snprintf(id, sizeof id, "%s%0*ld", prefix, width, i) >= (int)sizeof id ||
            snprintf(name, sizeof name, "%s%s", name_prefix, id) >= (int)sizeof name) {
            snprintf(err, errlen, "generate.prefix or name_prefix too long");
            rc = -1;
            break;
        }
        json_object_object_add(spec, "id", json_object_new_string(id));
        json_object_object_add(spec, "name", json_object_new_string(name));
        if (!state_net_create(st, org, spec, err, errlen))
            rc = -1;
    }
    json_object_put(spec);
    return rc;
}

static int scenario_org(struct state *st, struct json_object *jo, char *err, size_t errlen)
{
    static const char *const known[] = {"id", "name", "peers", "networks", "generate", NULL};
    struct state_org *org;
    struct json_object *v = NULL, *id;

    if (!json_object_is_type(jo, json_type_object) ||
        jutil_check_keys(jo, "organization", known, err, errlen))
        return -1;
    if (!json_object_object_get_ex(jo, "id", &v) || !json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "an organization needs an id string");
        return -1;
    }
    v = NULL;
    if (json_object_object_get_ex(jo, "name", &v) && v &&
        !json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "an organization's name must be a string");
        return -1;
    }
    json_object_object_get_ex(jo, "id", &id);
    org = state_org_add(st, json_object_get_string(id), v ? json_object_get_string(v) : NULL, err,
                        errlen);
    if (org == NULL)
        return -1;
    if (json_object_object_get_ex(jo, "peers", &v)) {
        size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;

        if (!json_object_is_type(v, json_type_array)) {
            snprintf(err, errlen, "peers must be an array");
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            struct json_object *p = scenario_peer(json_object_array_get_idx(v, i), err, errlen);

            if (p == NULL)
                return -1;
            json_object_array_add(org->peers, p);
        }
    }
    if (json_object_object_get_ex(jo, "networks", &v)) {
        size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;

        if (!json_object_is_type(v, json_type_array)) {
            snprintf(err, errlen, "networks must be an array");
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            if (!state_net_create(st, org, json_object_array_get_idx(v, i), err, errlen))
                return -1;
    }
    if (json_object_object_get_ex(jo, "generate", &v)) {
        size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 1;

        for (size_t i = 0; i < n; i++)
            if (scenario_generate(
                    st, org,
                    json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, i) : v,
                    err, errlen))
                return -1;
    }
    return 0;
}

/* Reads number key `key` into *out when present: null resets to `def`. */
static int scenario_cfg_num(struct json_object *o, const char *key, double lo, double hi,
                            double def, double *out, char *err, size_t errlen)
{
    struct json_object *v;

    if (!json_object_object_get_ex(o, key, &v))
        return 0;
    if (json_object_is_type(v, json_type_null)) {
        *out = def;
        return 0;
    }
    if (!jutil_is_number(v) || json_object_get_double(v) < lo || json_object_get_double(v) > hi) {
        snprintf(err, errlen, "%s must be a number in %g..%g", key, lo, hi);
        return -1;
    }
    *out = json_object_get_double(v);
    return 0;
}

int scenario_config_apply(struct state *st, struct json_object *o, char *err, size_t errlen)
{
    struct state_config c = st->cfg;
    double page = c.page_size, rl = c.rate_limit_per_s;
    struct json_object *v;
    char *key = NULL, *ca = NULL;
    int set_ca = 0;

    if (scenario_cfg_num(o, "sample_spacing_s", 1, 86400, STATE_DEFAULT_SPACING_S,
                         &c.sample_spacing_s, err, errlen) ||
        scenario_cfg_num(o, "data_lag_s", 0, 86400, STATE_DEFAULT_LAG_S, &c.data_lag_s, err,
                         errlen) ||
        scenario_cfg_num(o, "page_size", 3, 100000, 0, &page, err, errlen) ||
        scenario_cfg_num(o, "rate_limit_per_s", 0, 1e6, 0, &rl, err, errlen) ||
        scenario_cfg_num(o, "ping_duration_s", 0, 600, STATE_DEFAULT_PING_S, &c.ping_duration_s,
                         err, errlen) ||
        scenario_cfg_num(o, "batch_duration_s", 0, 600, STATE_DEFAULT_BATCH_S, &c.batch_duration_s,
                         err, errlen))
        return -1;
    if (c.sample_spacing_s != (double)(long)c.sample_spacing_s) {
        snprintf(err, errlen, "sample_spacing_s must be whole seconds");
        return -1;
    }
    if (json_object_object_get_ex(o, "api_key", &v)) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0) {
            snprintf(err, errlen, "api_key must be a non-empty string");
            return -1;
        }
        key = strdup(json_object_get_string(v));
    }
    if (json_object_object_get_ex(o, "webhook_ca_file", &v)) {
        if (!json_object_is_type(v, json_type_null) && !json_object_is_type(v, json_type_string)) {
            snprintf(err, errlen, "webhook_ca_file must be a path or null");
            return -1;
        }
        set_ca = 1;
        ca = json_object_is_type(v, json_type_string) ? strdup(json_object_get_string(v)) : NULL;
    }
    c.page_size = (int)page;
    c.rate_limit_per_s = (int)rl;
    if (key) {
        free(c.api_key);
        c.api_key = key;
    }
    if (set_ca) {
        free(c.webhook_ca_file);
        c.webhook_ca_file = ca;
    }
    st->cfg = c;
    return 0;
}

struct json_object *scenario_config_json(const struct state *st)
{
    struct json_object *o = json_object_new_object();
    const struct state_config *c = &st->cfg;

    json_object_object_add(o, "sample_spacing_s", json_object_new_double(c->sample_spacing_s));
    json_object_object_add(o, "data_lag_s", json_object_new_double(c->data_lag_s));
    json_object_object_add(o, "page_size", c->page_size ? json_object_new_int(c->page_size) : NULL);
    json_object_object_add(o, "rate_limit_per_s",
                           c->rate_limit_per_s ? json_object_new_int(c->rate_limit_per_s) : NULL);
    json_object_object_add(o, "ping_duration_s", json_object_new_double(c->ping_duration_s));
    json_object_object_add(o, "batch_duration_s", json_object_new_double(c->batch_duration_s));
    json_object_object_add(o, "webhook_ca_file",
                           c->webhook_ca_file ? json_object_new_string(c->webhook_ca_file) : NULL);
    return o;
}

int scenario_build(struct state *st, struct json_object *sc, char *err, size_t errlen)
{
    static const char *const known[] = {"api_key",          "sample_spacing_s",
                                        "data_lag_s",       "page_size",
                                        "rate_limit_per_s", "webhook_ca_file",
                                        "ping_duration_s",  "batch_duration_s",
                                        "organizations",    "loss",
                                        "description",      NULL};
    struct json_object *v;

    if (!json_object_is_type(sc, json_type_object)) {
        snprintf(err, errlen, "a scenario must be a JSON object");
        return -1;
    }
    if (jutil_check_keys(sc, "scenario", known, err, errlen) ||
        scenario_config_apply(st, sc, err, errlen))
        return -1;
    if (json_object_object_get_ex(sc, "organizations", &v)) {
        size_t n;

        if (!json_object_is_type(v, json_type_array)) {
            snprintf(err, errlen, "organizations must be an array");
            return -1;
        }
        n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            if (scenario_org(st, json_object_array_get_idx(v, i), err, errlen))
                return -1;
    }
    if (json_object_object_get_ex(sc, "loss", &v)) {
        size_t n;

        if (!json_object_is_type(v, json_type_array)) {
            snprintf(err, errlen, "loss must be an array");
            return -1;
        }
        n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            struct loss_entry e;

            if (loss_entry_parse(json_object_array_get_idx(v, i), st->loaded_at, &e, err, errlen))
                return -1;
            if (state_loss_add(st, &e, err, errlen)) {
                loss_entry_free(&e);
                return -1;
            }
        }
    }
    return 0;
}
