/*
 * h_changes.c - the change log and its listing (see h_changes.h).
 */
#include "h_changes.h"

#include "isotime.h"
#include "jsonutil.h"
#include "sbuf.h"
#include "state.h"
#include "tlog.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most entries kept (the oldest go first), and the longest value a control change may give. */
#define HCHG_MAX_ENTRIES 100000
#define HCHG_MAX_VALUE   65536
/* The spec's limits: 365 days of lookback and span (also the default), 3..5000 per page. */
#define HCHG_YEAR_S (365.0 * 86400)

const struct hchg_admin hchg_api_admin = {"API Admin", "212406", "api-admin@example.com"};

struct hchg_entry {
    char *org_id;
    char *admin_name, *admin_id, *admin_email;
    char *network_id, *network_name, *network_url;
    char *page, *label;
    char *old_value, *new_value;
};

static void hchg_entry_free(void *p)
{
    struct hchg_entry *e = p;

    if (e == NULL)
        return;
    free(e->org_id);
    free(e->admin_name);
    free(e->admin_id);
    free(e->admin_email);
    free(e->network_id);
    free(e->network_name);
    free(e->network_url);
    free(e->page);
    free(e->label);
    free(e->old_value);
    free(e->new_value);
    free(e);
}

static struct tlog hchg_log = {NULL, 0, 0, HCHG_MAX_ENTRIES, 0, hchg_entry_free};

void hchg_reset(void)
{
    tlog_clear(&hchg_log);
}

char *hchg_value(const struct state_network *n)
{
    struct sbuf b = {0};

    state_net_write(&b, n);
    return sbuf_take(&b, NULL);
}

/* Adds an entry with both values given (taken over). */
static void hchg_add(const struct state_network *n, char *old_value, char *new_value, double ts,
                     const struct hchg_admin *who, const char *page, const char *label)
{
    struct hchg_entry *e = calloc(1, sizeof *e);
    struct sbuf url = {0};

    if (e == NULL) {
        free(old_value);
        free(new_value);
        return;
    }
    state_net_url_write(&url, n);
    e->old_value = old_value;
    e->new_value = new_value;
    e->network_url = sbuf_take(&url, NULL);
    e->org_id = strdup(n->org->id);
    e->admin_name = strdup(who->name);
    e->admin_id = strdup(who->id);
    e->admin_email = strdup(who->email);
    e->network_id = strdup(n->id);
    e->network_name = strdup(n->name);
    e->page = strdup(page);
    e->label = strdup(label);
    if (!e->old_value || !e->new_value || !e->network_url || !e->org_id || !e->admin_name ||
        !e->admin_id || !e->admin_email || !e->network_id || !e->network_name || !e->page ||
        !e->label) {
        hchg_entry_free(e);
        return;
    }
    tlog_add(&hchg_log, ts, e);
}

void hchg_record(const struct state_network *n, char *old_value, double ts,
                 const struct hchg_admin *who, const char *page, const char *label)
{
    char *new_value = hchg_value(n);

    if (old_value && new_value && strcmp(old_value, new_value) == 0) {
        free(old_value);
        free(new_value);
        return;
    }
    hchg_add(n, old_value, new_value, ts, who, page, label);
}

/* ---- the listing ---- */

struct hchg_filter {
    const char *org_id;
    const char *network_id; /* NULL = any */
    const char *admin_id;   /* NULL = any */
};

static int hchg_keep(const void *data, const void *ctx)
{
    const struct hchg_entry *e = data;
    const struct hchg_filter *f = ctx;

    return strcmp(e->org_id, f->org_id) == 0 &&
           (f->network_id == NULL || strcmp(e->network_id, f->network_id) == 0) &&
           (f->admin_id == NULL || strcmp(e->admin_id, f->admin_id) == 0);
}

/* One entry, with the keys in the order of the spec's example. */
static void hchg_write(struct sbuf *b, const struct tlog_item *it)
{
    const struct hchg_entry *e = it->data;
    char ts[48];

    isotime_format_us(it->ts, ts, sizeof ts);
    sbuf_printf(b, "{\"ts\":\"%s\",\"adminName\":", ts);
    sbuf_json_str(b, e->admin_name);
    sbuf_adds(b, ",\"adminEmail\":");
    sbuf_json_str(b, e->admin_email);
    sbuf_adds(b, ",\"adminId\":");
    sbuf_json_str(b, e->admin_id);
    sbuf_adds(b, ",\"networkName\":");
    sbuf_json_str(b, e->network_name);
    sbuf_adds(b, ",\"networkId\":");
    sbuf_json_str(b, e->network_id);
    sbuf_adds(b, ",\"networkUrl\":");
    sbuf_json_str(b, e->network_url);
    sbuf_adds(b, ",\"ssidName\":null,\"ssidNumber\":null,\"page\":");
    sbuf_json_str(b, e->page);
    sbuf_adds(b, ",\"label\":");
    sbuf_json_str(b, e->label);
    sbuf_adds(b, ",\"oldValue\":");
    sbuf_json_str(b, e->old_value);
    sbuf_adds(b, ",\"newValue\":");
    sbuf_json_str(b, e->new_value);
    sbuf_adds(b, "}");
}

static void hchg_list(struct api_ctx *ctx)
{
    static const struct tlog_window window = {HCHG_YEAR_S, HCHG_YEAR_S, HCHG_YEAR_S};
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    struct hchg_filter f;
    struct page_spec spec;
    struct sbuf b = {0};

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    f.org_id = org->id;
    f.network_id = http_param(ctx->req, "networkId");
    f.admin_id = http_param(ctx->req, "adminId");
    spec = page_spec_make(3, 5000, 5000, ctx->st->cfg.page_size);
    if (tlog_list(&hchg_log, ctx->req, &window, &spec, ctx->now, hchg_keep, &f, hchg_write, &b,
                  ctx->reply) == 0)
        api_reply_sbuf(ctx, 200, &b);
}

/* ---- a person's changes ---- */

int hchg_person(struct json_object *body, struct hchg_admin *out, char *err, size_t errlen)
{
    unsigned long long h = 1469598103934665603ULL;
    size_t o = 0;

    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "Jane Operator");
    if (jutil_str_buf(body, "adminName", out->name, sizeof out->name) ||
        jutil_str_buf(body, "adminId", out->id, sizeof out->id) ||
        jutil_str_buf(body, "adminEmail", out->email, sizeof out->email)) {
        snprintf(err, errlen, "adminName, adminId and adminEmail must be short strings");
        return -1;
    }
    /* Defaults made from the name, so one person keeps one id and address. */
    for (const char *p = out->name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    if (out->id[0] == '\0')
        snprintf(out->id, sizeof out->id, "%llu", 100000 + h % 900000);
    if (out->email[0] == '\0') {
        for (const char *p = out->name; *p && o + 13 < sizeof out->email; p++) {
            if (isalnum((unsigned char)*p))
                out->email[o++] = (char)tolower((unsigned char)*p);
            else if (*p == ' ' && o > 0 && out->email[o - 1] != '.')
                out->email[o++] = '.';
        }
        snprintf(out->email + o, sizeof out->email - o, "@example.com");
    }
    return 0;
}

/* The value text for n with the tags array `tags` in place of its own (malloc'd). */
static char *hchg_value_with(const struct state_network *n, struct json_object *tags)
{
    struct sbuf b = {0};
    char **v;
    size_t len;
    char *out;

    if (jutil_strv_copy(tags, &v, &len) != 0)
        return NULL;
    state_net_write_tags(&b, n, v, len);
    jutil_strv_free(v, len);
    out = sbuf_take(&b, NULL);
    return out;
}

/* One side of a control change: `value_key` verbatim, else the network with `tags_key`,
 * else (when allowed) the network as it is. Returns a malloc'd string, or NULL with err. */
static char *hchg_side(struct json_object *body, const struct state_network *n,
                       const char *value_key, const char *tags_key, int current_ok, char *err,
                       size_t errlen)
{
    struct json_object *v;

    if (json_object_object_get_ex(body, value_key, &v)) {
        if (!json_object_is_type(v, json_type_string) ||
            json_object_get_string_len(v) > HCHG_MAX_VALUE) {
            snprintf(err, errlen, "%s must be a string of at most %d bytes", value_key,
                     HCHG_MAX_VALUE);
            return NULL;
        }
        return strdup(json_object_get_string(v));
    }
    if (json_object_object_get_ex(body, tags_key, &v)) {
        if (state_tags_validate(v, err, errlen) != 0)
            return NULL;
        return hchg_value_with(n, v);
    }
    if (current_ok)
        return hchg_value(n);
    snprintf(err, errlen, "need newTags or newValue");
    return NULL;
}

void hchg_control(struct json_object *body, struct http_reply *reply)
{
    static const char *const known[] = {"networkId", "adminName", "adminId", "adminEmail",
                                        "ts",        "oldTags",   "newTags", "oldValue",
                                        "newValue",  "page",      "label",   NULL};
    struct json_object *v;
    struct hchg_admin who;
    struct state_network *n;
    char err[256] = "", page[128] = HCHG_PERSON_PAGE, label[256] = HCHG_PERSON_LABEL;
    char *old_value = NULL, *new_value = NULL;
    double now = isotime_now(), ts = now;
    const char *id = NULL;

    if (jutil_check_keys(body, "change", known, err, sizeof err) ||
        hchg_person(body, &who, err, sizeof err))
        goto bad;
    if (jutil_str_buf(body, "page", page, sizeof page) ||
        jutil_str_buf(body, "label", label, sizeof label)) {
        snprintf(err, sizeof err, "page and label must be short strings");
        goto bad;
    }
    if (json_object_object_get_ex(body, "networkId", &v) &&
        json_object_is_type(v, json_type_string))
        id = json_object_get_string(v);
    if (id == NULL) {
        snprintf(err, sizeof err, "need networkId");
        goto bad;
    }
    if (json_object_object_get_ex(body, "ts", &v)) {
        if (jutil_is_number(v)) {
            ts = json_object_get_double(v);
            ts = ts <= 0 ? now + ts : ts;
        } else if (!json_object_is_type(v, json_type_string) ||
                   isotime_parse(json_object_get_string(v), &ts) != 0 || ts <= 0) {
            snprintf(err, sizeof err, "ts must be Unix seconds or an ISO 8601 date-time");
            goto bad;
        }
    }
    state_lock();
    n = state_net_find(state_get(), id);
    if (n == NULL) {
        state_unlock();
        http_reply_error(reply, 404, "no such network");
        return;
    }
    old_value = hchg_side(body, n, "oldValue", "oldTags", 1, err, sizeof err);
    new_value = old_value ? hchg_side(body, n, "newValue", "newTags", 0, err, sizeof err) : NULL;
    if (old_value && new_value)
        hchg_add(n, old_value, new_value, ts, &who, page, label);
    state_unlock();
    if (old_value == NULL || new_value == NULL) {
        free(old_value);
        goto bad;
    }
    http_reply_ok(reply);
    return;
bad:
    http_reply_error(reply, 400, err[0] ? err : "out of memory");
}

const struct api_route hchg_routes[] = {
    {"GET", "/organizations/{organizationId}/configurationChanges", API_SCOPE_ORG, hchg_list},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
