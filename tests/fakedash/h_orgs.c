/*
 * h_orgs.c - organization and network operations (see h_orgs.h).
 */
#include "h_orgs.h"

#include "h_changes.h"
#include "page.h"
#include "sbuf.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most tags[] values one filter may carry; a request with more is refused (400), never
 * answered from part of its filter. */
#define HORG_MAX_FILTER_TAGS 200

static void horg_list_orgs(struct api_ctx *ctx)
{
    struct sbuf b = {0};

    sbuf_adds(&b, "[");
    for (size_t i = 0; i < ctx->st->norgs; i++) {
        if (i)
            sbuf_adds(&b, ",");
        state_org_write(&b, ctx->st->orgs[i]);
    }
    sbuf_adds(&b, "]");
    api_reply_sbuf(ctx, 200, &b);
}

static void horg_create_org(struct api_ctx *ctx)
{
    struct json_object *body = api_body_object(ctx), *v;
    struct state_org *org;
    char id[32], err[256] = "";
    struct sbuf b = {0};

    if (body == NULL)
        return;
    if (!json_object_object_get_ex(body, "name", &v) || !json_object_is_type(v, json_type_string)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'name' must be a string");
        return;
    }
    /* Created organizations get ids from a range scenarios are unlikely to use. */
    snprintf(id, sizeof id, "%zu", 900000 + ctx->st->norgs);
    org = state_org_add(ctx->st, id, json_object_get_string(v), err, sizeof err);
    json_object_put(body);
    if (org == NULL) {
        http_reply_error(ctx->reply, 400, err);
        return;
    }
    state_org_write(&b, org);
    api_reply_sbuf(ctx, 201, &b);
}

static int horg_has_tag(const struct state_network *n, const char *tag)
{
    for (size_t i = 0; i < n->ntags; i++)
        if (strcmp(n->tags[i], tag) == 0)
            return 1;
    return 0;
}

static void horg_list_networks(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    const char *tags[HORG_MAX_FILTER_TAGS + 1];
    size_t ntags = api_param_array(ctx->req, "tags", tags, HORG_MAX_FILTER_TAGS + 1);
    const char *type = http_param(ctx->req, "tagsFilterType");
    const char *bound = http_param(ctx->req, "isBoundToConfigTemplate");
    int all_tags = 0, none = 0;
    struct state_network **items;
    struct page_spec spec;
    size_t n = 0, start, end;
    struct sbuf b = {0};

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    if (ntags > HORG_MAX_FILTER_TAGS) {
        http_reply_error(ctx->reply, 400, "'tags' has too many values");
        return;
    }
    if (type && strcmp(type, "withAnyTags") != 0 && strcmp(type, "withAllTags") != 0) {
        http_reply_error(ctx->reply, 400,
                         "'tagsFilterType' must be one of: 'withAnyTags', "
                         "'withAllTags'");
        return;
    }
    all_tags = type && strcmp(type, "withAllTags") == 0;
    if (bound && strcmp(bound, "true") != 0 && strcmp(bound, "false") != 0) {
        http_reply_error(ctx->reply, 400, "'isBoundToConfigTemplate' must be a boolean");
        return;
    }
    /* No network of the fake is bound to a template. */
    none = (bound && strcmp(bound, "true") == 0) || http_param(ctx->req, "configTemplateId");
    items = malloc((org->nnets ? org->nnets : 1) * sizeof *items);
    if (items == NULL) {
        http_reply_error(ctx->reply, 500, "out of memory");
        return;
    }
    for (size_t i = 0; i < org->nnets && !none; i++) {
        struct state_network *net = org->nets[i];
        size_t hits = 0;

        if (net->deleted)
            continue;
        for (size_t t = 0; t < ntags; t++)
            hits += (size_t)horg_has_tag(net, tags[t]);
        if (ntags == 0 || (all_tags ? hits == ntags : hits > 0))
            items[n++] = net;
    }
    spec = page_spec_make(3, 100000, 1000, ctx->st->cfg.page_size);
    if (page_select(ctx->st, items, n, ctx->req, &spec, ctx->reply, &start, &end) == 0) {
        sbuf_adds(&b, "[");
        for (size_t i = start; i < end; i++) {
            if (i > start)
                sbuf_adds(&b, ",");
            state_net_write(&b, items[i]);
        }
        sbuf_adds(&b, "]");
        api_reply_sbuf(ctx, 200, &b);
    }
    free(items);
}

static void horg_write_network(struct api_ctx *ctx, int status, const struct state_network *n)
{
    struct sbuf b = {0};

    state_net_write(&b, n);
    api_reply_sbuf(ctx, status, &b);
}

static void horg_create_network(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    struct json_object *body, *spec, *v;
    struct state_network *n;
    char err[256] = "", id[64];
    static const char *const allowed[] = {"name",     "productTypes", "tags",
                                          "timeZone", "notes",        NULL};

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    if ((body = api_body_object(ctx)) == NULL)
        return;
    if (!json_object_object_get_ex(body, "name", &v) || !json_object_is_type(v, json_type_string) ||
        !json_object_object_get_ex(body, "productTypes", &v) ||
        !json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'name' and 'productTypes' are required");
        return;
    }
    spec = json_object_new_object();
    for (size_t i = 0; allowed[i]; i++)
        if (json_object_object_get_ex(body, allowed[i], &v))
            json_object_object_add(spec, allowed[i], json_object_get(v));
    /* Ids of created networks count up from a range no scenario is likely to use. */
    for (unsigned long k = ctx->st->nets_by_id.count;; k++) {
        snprintf(id, sizeof id, "L_%lu", 700000000UL + k);
        if (state_net_find_any(ctx->st, id) == NULL)
            break;
    }
    json_object_object_add(spec, "id", json_object_new_string(id));
    n = state_net_create(ctx->st, org, spec, err, sizeof err);
    json_object_put(spec);
    json_object_put(body);
    if (n == NULL) {
        http_reply_error(ctx->reply, 400, err);
        return;
    }
    horg_write_network(ctx, 201, n);
}

static void horg_get_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);

    if (n == NULL) {
        api_not_found(ctx);
        return;
    }
    horg_write_network(ctx, 200, n);
}

/* Reads optional string field `key` of the PUT body; returns -1 on a wrong type. */
static int horg_put_string(struct json_object *body, const char *key, int nullable,
                           struct json_object **out)
{
    *out = NULL;
    if (!json_object_object_get_ex(body, key, out))
        return 0;
    if (json_object_is_type(*out, json_type_string) ||
        (nullable && json_object_is_type(*out, json_type_null)))
        return 0;
    return -1;
}

static int horg_replace(char **field, struct json_object *v)
{
    char *copy = NULL;

    if (v && !json_object_is_type(v, json_type_null) &&
        (copy = strdup(json_object_get_string(v))) == NULL)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

int horg_update_check(struct json_object *body, char *err, size_t errlen)
{
    struct json_object *v;

    if (horg_put_string(body, "name", 0, &v) || horg_put_string(body, "timeZone", 0, &v) ||
        horg_put_string(body, "notes", 0, &v) || horg_put_string(body, "enrollmentString", 1, &v)) {
        snprintf(err, errlen, "'name', 'timeZone', 'notes' and 'enrollmentString' must be strings");
        return -1;
    }
    if (json_object_object_get_ex(body, "tags", &v) && state_tags_validate(v, err, errlen) != 0)
        return -1;
    if (json_object_object_get_ex(body, "name", &v) && json_object_get_string_len(v) == 0) {
        snprintf(err, errlen, "'name' must not be empty");
        return -1;
    }
    return 0;
}

int horg_update_apply(struct state_network *n, struct json_object *body, double now,
                      const char *label)
{
    struct json_object *name, *tz, *notes, *enroll, *tags = NULL;
    char *old = hchg_value(n);

    /* Checked already, so only the presence of each field matters here. */
    horg_put_string(body, "name", 0, &name);
    horg_put_string(body, "timeZone", 0, &tz);
    horg_put_string(body, "notes", 0, &notes);
    horg_put_string(body, "enrollmentString", 1, &enroll);
    json_object_object_get_ex(body, "tags", &tags);
    /* PUT replaces the tag list as a whole. */
    if ((tags && state_net_set_tags(n, tags)) || (name && horg_replace(&n->name, name)) ||
        (tz && horg_replace(&n->time_zone, tz)) || (notes && horg_replace(&n->notes, notes)) ||
        (enroll && horg_replace(&n->enrollment, enroll))) {
        free(old);
        return -1;
    }
    hchg_record(n, old, now, &hchg_api_admin, "via API", label);
    return 0;
}

static void horg_update_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);
    struct json_object *body;
    char err[256] = "", label[512];

    if (n == NULL) {
        api_not_found(ctx);
        return;
    }
    if ((body = api_body_object(ctx)) == NULL)
        return;
    if (horg_update_check(body, err, sizeof err) != 0) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, err);
        return;
    }
    snprintf(label, sizeof label, "PUT %s/networks/%s", API_PREFIX, n->id);
    if (horg_update_apply(n, body, ctx->now, label) != 0) {
        json_object_put(body);
        http_reply_error(ctx->reply, 500, "out of memory");
        return;
    }
    json_object_put(body);
    horg_write_network(ctx, 200, n);
}

static void horg_delete_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);

    if (n == NULL) {
        api_not_found(ctx);
        return;
    }
    state_net_delete(ctx->st, n);
    ctx->reply->status = 204;
}

const struct api_route horg_routes[] = {
    {"GET", "/organizations", API_SCOPE_NONE, horg_list_orgs},
    {"POST", "/organizations", API_SCOPE_NONE, horg_create_org},
    {"GET", "/organizations/{organizationId}/networks", API_SCOPE_ORG, horg_list_networks},
    {"POST", "/organizations/{organizationId}/networks", API_SCOPE_ORG, horg_create_network},
    {"GET", "/networks/{networkId}", API_SCOPE_NETWORK, horg_get_network},
    {"PUT", "/networks/{networkId}", API_SCOPE_NETWORK, horg_update_network},
    {"DELETE", "/networks/{networkId}", API_SCOPE_NETWORK, horg_delete_network},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
