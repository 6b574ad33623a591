/*
 * history.c - the change log's tag changes of managed networks. See history.h.
 */
#include "tagfailover/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/dashboard_json.h"
#include "tagfailover/textbuf.h"
#include "tagfailover/json.h"

/* The longest DURATION text: 365 days in seconds is 8 digits, plus a unit. */
#define HIST_DURATION_MAX_LEN 12

bool hist_parse_duration(const char *s, int64_t *out)
{
    int64_t v = 0, unit = 1;
    size_t len, digits = 0;

    if (s == NULL || (len = strnlen(s, HIST_DURATION_MAX_LEN + 1)) == 0 ||
        len > HIST_DURATION_MAX_LEN)
        return false;
    while (digits < len && s[digits] >= '0' && s[digits] <= '9') {
        v = v * 10 + (s[digits] - '0');
        digits++;
    }
    if (digits == 0 || digits > 9)
        return false;
    if (digits < len) {
        if (digits + 1 != len)
            return false;
        switch (s[digits]) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return false;
        }
    }
    if (v <= 0 || v > HIST_MAX_SINCE_S / unit)
        return false;
    *out = v * unit;
    return true;
}

bool hist_classify(const chg_entry *e, hist_kind *kind)
{
    tags_info before, after;

    if (e->network_id == NULL || !e->has_tags || tags_list_equal(&e->old_tags, &e->new_tags))
        return false;
    tags_classify(&e->old_tags, NULL, &before);
    tags_classify(&e->new_tags, NULL, &after);
    if (before.state == TAGS_UNMANAGED && after.state == TAGS_UNMANAGED)
        return false;
    if (before.state == TAGS_NORMAL && after.state == TAGS_FAILED_OVER)
        *kind = HIST_FAILOVER;
    else if (before.state == TAGS_FAILED_OVER && after.state == TAGS_NORMAL)
        *kind = HIST_FAILBACK;
    else
        *kind = HIST_TAGS;
    return true;
}

static int hist_cmp(const void *a, const void *b)
{
    const hist_item *x = a, *y = b;
    if (x->e->ts != y->e->ts)
        return x->e->ts > y->e->ts ? -1 : 1;
    int c = strcmp(x->org_id, y->org_id);
    if (c != 0)
        return c;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void hist_sort(hist_item *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), hist_cmp);
}

const char *hist_kind_name(hist_kind k)
{
    switch (k) {
    case HIST_FAILOVER:
        return "failover";
    case HIST_FAILBACK:
        return "failback";
    case HIST_TAGS:
        return "tags";
    }
    return "unknown";
}

static bool hist_via_api(const chg_entry *e)
{
    return e->page != NULL && strcmp(e->page, "via API") == 0;
}

void hist_who(const chg_entry *e, char *buf, size_t size)
{
    bool name = e->admin_name != NULL && e->admin_name[0] != '\0';
    bool email = e->admin_email != NULL && e->admin_email[0] != '\0';
    textbuf b = {0};

    if (!name && !email) {
        snprintf(buf, size, "%s", hist_via_api(e) ? "an API key" : "unknown");
        return;
    }
    if (name)
        tb_put_safe(&b, e->admin_name, NULL);
    if (email) {
        tb_printf(&b, "%s<", name ? " " : "");
        tb_put_safe(&b, e->admin_email, NULL);
        tb_printf(&b, ">");
    }
    if (hist_via_api(e))
        tb_printf(&b, " via API");
    char *s = tb_take(&b);
    snprintf(buf, size, "%s", s != NULL ? s : "unknown");
    free(s);
}

/* The tags as one line, space-separated (control characters shown as '?'). */
static void hist_tags_text(textbuf *b, const tags_list *t)
{
    if (t->n == 0)
        tb_printf(b, "(none)");
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0)
            tb_printf(b, " ");
        tb_put_safe(b, t->v[i], NULL);
    }
}

static bool hist_has(const tags_list *t, const char *tag)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i], tag) == 0)
            return true;
    return false;
}

/* For a `tags` change, what changed: "+added -removed" (a reorder alone: "order"). */
static void hist_diff_text(textbuf *b, const chg_entry *e)
{
    bool any = false;
    tb_printf(b, "\n    change: ");
    for (size_t i = 0; i < e->new_tags.n; i++) {
        if (hist_has(&e->old_tags, e->new_tags.v[i]))
            continue;
        tb_printf(b, "%s+", any ? " " : "");
        tb_put_safe(b, e->new_tags.v[i], NULL);
        any = true;
    }
    for (size_t i = 0; i < e->old_tags.n; i++) {
        if (hist_has(&e->new_tags, e->old_tags.v[i]))
            continue;
        tb_printf(b, "%s-", any ? " " : "");
        tb_put_safe(b, e->old_tags.v[i], NULL);
        any = true;
    }
    if (!any)
        tb_printf(b, "order");
}

/* A span in seconds in the unit it was most likely given in: "24h", "30m", "2d", "3601s". */
static void hist_span(int64_t s, char *buf, size_t size)
{
    if (s % 86400 == 0 && s > 86400)
        snprintf(buf, size, "%lldd", (long long)(s / 86400));
    else if (s % 3600 == 0)
        snprintf(buf, size, "%lldh", (long long)(s / 3600));
    else if (s % 60 == 0)
        snprintf(buf, size, "%lldm", (long long)(s / 60));
    else
        snprintf(buf, size, "%llds", (long long)s);
}

char *hist_render_text(const hist_item *v, size_t n, int64_t now, int64_t since_s,
                       const char *filter)
{
    textbuf b = {0};
    char from[32], span[32], ts[32], who[1024];

    dj_format_time(now - since_s, from, sizeof(from));
    hist_span(since_s, span, sizeof(span));
    tb_printf(&b, "tag changes of managed networks in the last %s (since %s)", span, from);
    if (filter != NULL) {
        tb_printf(&b, ", network ");
        tb_put_safe(&b, filter, NULL);
    }
    tb_printf(&b, ", newest first, from the Dashboard's change log:\n");
    if (n == 0)
        tb_printf(&b, "  none\n");
    for (size_t i = 0; i < n; i++) {
        const chg_entry *e = v[i].e;
        dj_format_time(e->ts, ts, sizeof(ts));
        hist_who(e, who, sizeof(who));
        tb_printf(&b, "%s  %-8s  ", ts, hist_kind_name(v[i].kind));
        tb_put_safe(&b, e->network_id, NULL);
        if (e->network_name != NULL) {
            tb_printf(&b, " (");
            tb_put_safe(&b, e->network_name, NULL);
            tb_printf(&b, ")");
        }
        tb_printf(&b, ", organization ");
        tb_put_safe(&b, v[i].org_id, NULL);
        tb_printf(&b, "\n    by %s", who);
        if (e->page != NULL && !hist_via_api(e)) {
            tb_printf(&b, " (");
            tb_put_safe(&b, e->page, NULL);
            tb_printf(&b, ")");
        }
        if (v[i].kind == HIST_TAGS)
            hist_diff_text(&b, e);
        tb_printf(&b, "\n    before: ");
        hist_tags_text(&b, &e->old_tags);
        tb_printf(&b, "\n    after:  ");
        hist_tags_text(&b, &e->new_tags);
        tb_printf(&b, "\n");
    }
    return tb_take(&b);
}

static struct json_object *hist_str(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *hist_tags_json(const tags_list *t)
{
    struct json_object *a = json_object_new_array_ext((int)t->n);
    for (size_t i = 0; a != NULL && i < t->n; i++)
        json_object_array_add(a, json_object_new_string(t->v[i]));
    return a;
}

char *hist_render_json(const hist_item *v, size_t n, int64_t now, int64_t since_s,
                       const char *filter, bool pretty)
{
    struct json_object *doc = json_object_new_object(), *list = json_object_new_array_ext((int)n);
    char ts[32], who[1024];
    char *out = NULL;

    if (doc == NULL || list == NULL) {
        json_object_put(doc);
        json_object_put(list);
        return NULL;
    }
    dj_format_time(now - since_s, ts, sizeof(ts));
    json_object_object_add(doc, "since", json_object_new_string(ts));
    dj_format_time(now, ts, sizeof(ts));
    json_object_object_add(doc, "until", json_object_new_string(ts));
    json_object_object_add(doc, "network_id", hist_str(filter));
    json_object_object_add(doc, "changes", list);
    for (size_t i = 0; i < n; i++) {
        const chg_entry *e = v[i].e;
        struct json_object *o = json_object_new_object();
        if (o == NULL || json_object_array_add(list, o) != 0) {
            json_object_put(o);
            goto out;
        }
        dj_format_time(e->ts, ts, sizeof(ts));
        hist_who(e, who, sizeof(who));
        json_object_object_add(o, "ts", json_object_new_string(ts));
        json_object_object_add(o, "kind", json_object_new_string(hist_kind_name(v[i].kind)));
        json_object_object_add(o, "organization_id", json_object_new_string(v[i].org_id));
        json_object_object_add(o, "network_id", json_object_new_string(e->network_id));
        json_object_object_add(o, "network_name", hist_str(e->network_name));
        json_object_object_add(o, "admin_name", hist_str(e->admin_name));
        json_object_object_add(o, "admin_email", hist_str(e->admin_email));
        json_object_object_add(o, "page", hist_str(e->page));
        json_object_object_add(o, "via_api", json_object_new_boolean(hist_via_api(e)));
        json_object_object_add(o, "by", json_object_new_string(who));
        json_object_object_add(o, "label", hist_str(e->label));
        json_object_object_add(o, "tags_before", hist_tags_json(&e->old_tags));
        json_object_object_add(o, "tags_after", hist_tags_json(&e->new_tags));
    }
    out = tfjson_text(doc, pretty);
out:
    json_object_put(doc);
    return out;
}
