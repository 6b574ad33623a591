/*
 * dashboard_ops.c - the Dashboard API operations: each builds its URL, makes the call through
 * dash_call (dashboard.c), and parses the answer with the core's dashboard_json. Paginated
 * reads follow every `Link: rel=next` page and merge the parsed arrays. See dashboard.h.
 *
 * Nothing here logs: every failure, a parse failure included, goes back in the caller's
 * dash_error.
 */
#include "tagfailover/dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "dashboard_int.h"
#include "tagfailover/caps.h"
#include "tagfailover/id.h"
#include "tagfailover/json.h"

/* ---- URLs ------------------------------------------------------------------------------- */

/* A string builder that remembers running out of memory, so callers check once at the end. */
struct dash_sb {
    char *p;
    size_t len;
    size_t cap;
    bool nomem;
};

static void sb_add_n(struct dash_sb *sb, const char *s, size_t n)
{
    if (sb->nomem)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 128;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *p = realloc(sb->p, cap);
        if (p == NULL) {
            sb->nomem = true;
            return;
        }
        sb->p = p;
        sb->cap = cap;
    }
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

static void sb_add(struct dash_sb *sb, const char *s)
{
    sb_add_n(sb, s, strlen(s));
}

/* Appends `s` percent-encoded (RFC 3986 unreserved characters stay as they are). */
static void sb_add_escaped(struct dash_sb *sb, CURL *curl, const char *s)
{
    char *e;

    if (sb->nomem)
        return;
    e = curl_easy_escape(curl, s, 0);
    if (e == NULL) {
        sb->nomem = true;
        return;
    }
    sb_add(sb, e);
    curl_free(e);
}

static void sb_add_long(struct dash_sb *sb, long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%ld", v);
    sb_add(sb, buf);
}

/* Hands the built string to the caller (NULL when out of memory). */
static char *sb_take(struct dash_sb *sb)
{
    char *p = sb->p;

    if (sb->nomem || p == NULL) {
        free(p);
        p = NULL;
    }
    memset(sb, 0, sizeof(*sb));
    return p;
}

/* Starts a URL: the base URL and `path`. */
static void url_start(struct dash_sb *sb, dash_client *c, const char *path)
{
    sb_add(sb, c->s->base_url);
    sb_add(sb, path);
}

/* Starts a URL: the base URL, `prefix`, the escaped `id`, and `suffix`. */
static void url_start_id(struct dash_sb *sb, dash_client *c, const char *prefix, const char *id,
                         const char *suffix)
{
    sb_add(sb, c->s->base_url);
    sb_add(sb, prefix);
    sb_add_escaped(sb, c->curl, id);
    sb_add(sb, suffix);
}

/* Validates the arguments every call has and clears the error. `id` goes into the path, so
 * it must pass id.h's rule whoever passed it (a last gate: its source checked it already). */
static bool args_ok(dash_client *c, const char *id, dash_error *err)
{
    memset(err, 0, sizeof(*err));
    if (c == NULL || id == NULL || id[0] == '\0') {
        err->code = DASH_ERR_INVALID;
        snprintf(err->message, sizeof(err->message), "missing client or ID");
        return false;
    }
    if (!id_valid(id)) {
        err->code = DASH_ERR_INVALID;
        snprintf(err->message, sizeof(err->message),
                 "an ID must be 1 to %d letters, digits, '_' or '-'", TF_ID_MAX_LEN);
        return false;
    }
    return true;
}

/* ---- answers ------------------------------------------------------------------------------ */

/* Records a parse failure of an answer that came back 2xx. */
static dash_err dash_parse_failed(dash_client *c, const char *what, dj_err e, dash_error *err)
{
    err->code = e == DJ_ERR_NOMEM       ? DASH_ERR_NOMEM
                : e == DJ_ERR_TOO_LARGE ? DASH_ERR_TOO_LARGE
                                        : DASH_ERR_PARSE;
    snprintf(err->message, sizeof(err->message), "%s: %s (%zu bytes)", what, dj_strerror(e),
             c->body.len);
    return err->code;
}

/* ---- pagination ----------------------------------------------------------------------------- */

/* How to parse and free one kind of array answer. */
struct page_kind {
    const char *what; /* for messages */
    size_t elem_size;
    dj_err (*parse)(const char *json, size_t len, void **out, size_t *n);
    void (*free)(void *v, size_t n);
};

/* Each wrapper turns a typed dj parser into the untyped shape of page_kind (calling a
 * function through a pointer of another type would be undefined). */
static dj_err parse_orgs_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_org *v = NULL;
    dj_err e = dj_parse_organizations(j, l, &v, n);
    *out = v;
    return e;
}
static void free_orgs_v(void *v, size_t n)
{
    dj_orgs_free(v, n);
}
static dj_err parse_networks_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_network *v = NULL;
    dj_err e = dj_parse_networks(j, l, &v, n);
    *out = v;
    return e;
}
static void free_networks_v(void *v, size_t n)
{
    dj_networks_free(v, n);
}
static dj_err parse_appliances_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_appliance *v = NULL;
    dj_err e = dj_parse_uplink_statuses(j, l, &v, n);
    *out = v;
    return e;
}
static void free_appliances_v(void *v, size_t n)
{
    dj_appliances_free(v, n);
}
static dj_err parse_vpn_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_vpn_status *v = NULL;
    dj_err e = dj_parse_vpn_statuses(j, l, &v, n);
    *out = v;
    return e;
}
static void free_vpn_v(void *v, size_t n)
{
    dj_vpn_statuses_free(v, n);
}

static const struct page_kind kind_orgs = {"organizations", sizeof(dj_org), parse_orgs_v,
                                           free_orgs_v};
static const struct page_kind kind_networks = {"networks", sizeof(dj_network), parse_networks_v,
                                               free_networks_v};
static const struct page_kind kind_appliances = {"uplink statuses", sizeof(dj_appliance),
                                                 parse_appliances_v, free_appliances_v};
static const struct page_kind kind_vpn = {"vpn statuses", sizeof(dj_vpn_status), parse_vpn_v,
                                          free_vpn_v};

static uint64_t dash_pages_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

bool dash_pages_seen(const dash_pages *ps, const char *url)
{
    uint64_t h = dash_pages_hash(url);

    for (size_t i = 0; i < ps->n; i++) {
        if (ps->hashes[i] == h && strcmp(ps->urls[i], url) == 0)
            return true;
    }
    return false;
}

bool dash_pages_add(dash_pages *ps, const char *url)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 8;
        char **urls = realloc(ps->urls, cap * sizeof(*urls));
        if (urls == NULL)
            return false;
        ps->urls = urls;
        uint64_t *hashes = realloc(ps->hashes, cap * sizeof(*hashes));
        if (hashes == NULL)
            return false;
        ps->hashes = hashes;
        ps->cap = cap;
    }
    if ((ps->urls[ps->n] = strdup(url)) == NULL)
        return false;
    ps->hashes[ps->n++] = dash_pages_hash(url);
    return true;
}

void dash_pages_free(dash_pages *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        free(ps->urls[i]);
    free(ps->urls);
    free(ps->hashes);
    memset(ps, 0, sizeof(*ps));
}

/*
 * GETs `first_url` and every `rel=next` page after it, parses each with `kind` and appends
 * the elements to *out (n of them). A next page that repeats a URL this listing has read ends
 * it as DASH_ERR_PAGINATION: a `Link` loop would otherwise hold the organization's thread
 * (and its rate budget) for TF_API_MAX_PAGES requests. The pages' element structs are moved,
 * not copied: the dj arrays are plain malloc'd arrays (dashboard_json.h), so after the move
 * only the page's array itself is freed.
 */
static dash_err dash_paginate(dash_client *c, const char *org, const char *first_url,
                              const struct page_kind *kind, void **out, size_t *n, dash_error *err)
{
    char *url = NULL, *next = NULL;
    char *all = NULL;
    size_t n_all = 0;
    dash_err result = DASH_OK;
    unsigned pages = 0;
    dash_pages seen = {0};

    *out = NULL;
    *n = 0;
    url = strdup(first_url);
    if (url == NULL) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    while (url != NULL) {
        void *page = NULL;
        size_t n_page = 0;
        dj_err pe;

        if (++pages > TF_API_MAX_PAGES) {
            result = err->code = DASH_ERR_TOO_LARGE;
            snprintf(err->message, sizeof(err->message), "%s: more than %d pages", kind->what,
                     TF_API_MAX_PAGES);
            goto out;
        }
        if (!dash_pages_add(&seen, url)) {
            result = err->code = DASH_ERR_NOMEM;
            snprintf(err->message, sizeof(err->message), "%s: out of memory", kind->what);
            goto out;
        }
        result = dash_call(c, org, "GET", url, NULL, TF_API_MAX_RESPONSE, &next, err);
        if (result != DASH_OK)
            goto out;
        if (next != NULL && dash_pages_seen(&seen, next)) {
            result = err->code = DASH_ERR_PAGINATION;
            snprintf(err->message, sizeof(err->message),
                     "%s: the next page after page %u is one already read", kind->what, pages);
            goto out;
        }
        pe = kind->parse(c->body.p != NULL ? c->body.p : "", c->body.len, &page, &n_page);
        if (pe != DJ_OK) {
            result = dash_parse_failed(c, kind->what, pe, err);
            goto out;
        }
        if (n_page > 0) {
            char *grown = realloc(all, (n_all + n_page) * kind->elem_size);
            if (grown == NULL) {
                kind->free(page, n_page);
                result = DASH_ERR_NOMEM;
                snprintf(err->message, sizeof(err->message), "%s: out of memory", kind->what);
                goto out;
            }
            all = grown;
            memcpy(all + n_all * kind->elem_size, page, n_page * kind->elem_size);
            n_all += n_page;
        }
        free(page);
        free(url);
        url = next;
        next = NULL;
    }
    *out = all;
    *n = n_all;
    all = NULL;
out:
    if (all != NULL)
        kind->free(all, n_all);
    dash_pages_free(&seen);
    free(url);
    free(next);
    dash_trim_buffer(c);
    err->code = result;
    return result;
}

/* ---- operations ------------------------------------------------------------------------------ */

dash_err dash_list_organizations(dash_client *c, dj_org **out, size_t *n, dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, "-", err))
        return err->code;
    url_start(&sb, c, "/organizations");
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, NULL, url, &kind_orgs, &v, n, err);
    *out = v;
    free(url);
    return result;
}

dash_err dash_list_networks(dash_client *c, const char *org_id, const tags_list *tags,
                            dash_tags_filter filter, dj_network **out, size_t *n, dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/networks?perPage=");
    sb_add_long(&sb, c->s->networks_page);
    if (tags != NULL && tags->n > 0) {
        for (size_t i = 0; i < tags->n; i++) {
            sb_add(&sb, "&tags%5B%5D=");
            sb_add_escaped(&sb, c->curl, tags->v[i]);
        }
        sb_add(&sb, filter == DASH_TAGS_ALL ? "&tagsFilterType=withAllTags"
                                            : "&tagsFilterType=withAnyTags");
    }
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, org_id, url, &kind_networks, &v, n, err);
    *out = v;
    free(url);
    return result;
}

/* GET or PUT of one network, answered by the network. */
static dash_err dash_network_call(dash_client *c, const char *org_id, const char *network_id,
                                  const char *method, const char *body, dj_network *out,
                                  dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL;
    dash_err result;
    dj_err pe;

    url_start_id(&sb, c, "/networks/", network_id, "");
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    /* One network, parsed as one tree: the smaller cap. */
    result = dash_call(c, org_id, method, url, body, TF_API_MAX_OBJECT_RESPONSE, NULL, err);
    if (result != DASH_OK)
        goto out;
    pe = dj_parse_network(c->body.p != NULL ? c->body.p : "", c->body.len, out);
    if (pe != DJ_OK)
        result = dash_parse_failed(c, "network", pe, err);
out:
    free(url);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_get_network(dash_client *c, const char *org_id, const char *network_id,
                          dj_network *out, dash_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!args_ok(c, network_id, err))
        return err->code;
    return dash_network_call(c, org_id, network_id, "GET", NULL, out, err);
}

dash_err dash_put_network_tags(dash_client *c, const char *org_id, const char *network_id,
                               const tags_list *tags, dj_network *out, dash_error *err)
{
    char *body;
    dash_err result;

    memset(out, 0, sizeof(*out));
    if (!args_ok(c, network_id, err))
        return err->code;
    if (tags == NULL) {
        snprintf(err->message, sizeof(err->message), "no tag list");
        return err->code = DASH_ERR_INVALID;
    }
    body = dj_build_tags_body(tags);
    if (body == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_network_call(c, org_id, network_id, "PUT", body, out, err);
    free(body);
    return result;
}

dash_err dash_get_loss(dash_client *c, const char *org_id, int64_t t0, int64_t t1,
                       const char *uplink, const char *ip, dj_loss_item **out, size_t *n,
                       dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL, ts[32];
    dash_err result;
    dj_err pe;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/devices/uplinksLossAndLatency?t0=");
    dj_format_time(t0, ts, sizeof(ts));
    sb_add_escaped(&sb, c->curl, ts);
    sb_add(&sb, "&t1=");
    dj_format_time(t1, ts, sizeof(ts));
    sb_add_escaped(&sb, c->curl, ts);
    if (uplink != NULL && uplink[0] != '\0') {
        sb_add(&sb, "&uplink=");
        sb_add_escaped(&sb, c->curl, uplink);
    }
    if (ip != NULL && ip[0] != '\0') {
        sb_add(&sb, "&ip=");
        sb_add_escaped(&sb, c->curl, ip);
    }
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    result = dash_call(c, org_id, "GET", url, NULL, TF_API_MAX_RESPONSE, NULL, err);
    if (result != DASH_OK)
        goto out;
    pe = dj_parse_loss(c->body.p != NULL ? c->body.p : "", c->body.len, out, n);
    if (pe != DJ_OK)
        result = dash_parse_failed(c, "uplinksLossAndLatency", pe, err);
out:
    free(url);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_list_uplink_statuses(dash_client *c, const char *org_id, dj_appliance **out,
                                   size_t *n, dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/appliance/uplink/statuses?perPage=");
    sb_add_long(&sb, c->s->uplinks_page);
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, org_id, url, &kind_appliances, &v, n, err);
    *out = v;
    free(url);
    return result;
}

dash_err dash_list_vpn_statuses(dash_client *c, const char *org_id, dj_vpn_status **out, size_t *n,
                                dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/appliance/vpn/statuses?perPage=");
    sb_add_long(&sb, c->s->vpn_page);
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, org_id, url, &kind_vpn, &v, n, err);
    *out = v;
    free(url);
    return result;
}

dash_err dash_get_peers(dash_client *c, const char *org_id, dj_peer **out, size_t *n,
                        dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL;
    dash_err result;
    dj_err pe;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/appliance/vpn/thirdPartyVPNPeers");
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    /* The peers are one object, parsed as one tree: the smaller cap. */
    result = dash_call(c, org_id, "GET", url, NULL, TF_API_MAX_OBJECT_RESPONSE, NULL, err);
    if (result != DASH_OK)
        goto out;
    pe = dj_parse_peers(c->body.p != NULL ? c->body.p : "", c->body.len, out, n);
    if (pe != DJ_OK)
        result = dash_parse_failed(c, "thirdPartyVPNPeers", pe, err);
out:
    free(url);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_request(dash_client *c, const char *org_id, const char *method,
                      const char *path_and_query, const char *json_body, char **resp, size_t *len,
                      dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL;
    dash_err result;
    struct json_object *parsed = NULL;

    *resp = NULL;
    *len = 0;
    if (!args_ok(c, "-", err))
        return err->code;
    if (method == NULL || method[0] == '\0' || path_and_query == NULL || path_and_query[0] != '/') {
        snprintf(err->message, sizeof(err->message), "method and a path starting with '/'");
        return err->code = DASH_ERR_INVALID;
    }
    url_start(&sb, c, path_and_query);
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    /* Checked by a whole parse below, and parsed again by the caller: the smaller cap. */
    result = dash_call(c, org_id, method, url, json_body, TF_API_MAX_OBJECT_RESPONSE, NULL, err);
    if (result != DASH_OK)
        goto out;
    if (c->body.len > 0) {
        tfjson_err js = tfjson_parse(c->body.p, c->body.len, &parsed);
        if (js != TFJSON_OK) {
            result = dash_parse_failed(
                c, "response", js == TFJSON_ERR_NOMEM ? DJ_ERR_NOMEM : DJ_ERR_NOT_JSON, err);
            goto out;
        }
    }
    *resp = malloc(c->body.len + 1);
    if (*resp == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    if (c->body.len > 0)
        memcpy(*resp, c->body.p, c->body.len);
    (*resp)[c->body.len] = '\0';
    *len = c->body.len;
out:
    json_object_put(parsed);
    free(url);
    dash_trim_buffer(c);
    return result;
}
