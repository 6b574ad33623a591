/*
 * status.c - the status model and its JSON and table renderings. See status.h.
 */
#include "tagfailover/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "tagfailover/json.h"

/* ---- Ownership helpers --------------------------------------------------------------------- */

/* strdup that keeps NULL; *ok turns false when a copy fails. */
static char *status_dup(const char *s, bool *ok)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

static void status_network_clear(status_network *n)
{
    free(n->id);
    free(n->name);
    free(n->primary_site);
    free(n->backup_site);
    free(n->tracked_ip);
    free(n->confirming.alert_id);
    free(n->series);
    memset(n, 0, sizeof(*n));
}

static void status_nets_free(status_network *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        status_network_clear(&v[i]);
    free(v);
}

static void status_strs_free(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

/* Fills `dst` (zeroed) with what one look says about one network; keeps nothing else. */
static bool status_network_from_look(status_network *dst, const dj_network *net,
                                     const look_result *r, look_state state)
{
    bool ok = true;
    dst->id = status_dup(net->id, &ok);
    dst->name = status_dup(net->name, &ok);
    dst->state = state;
    dst->reason = r->decision.reason;
    dst->primary_site = r->tags.has_primary ? status_dup(r->tags.primary.site, &ok) : NULL;
    dst->backup_site = r->tags.has_backup ? status_dup(r->tags.backup.site, &ok) : NULL;
    dst->tracked_ip = status_dup(r->tracked_ip, &ok);
    dst->has_worst = r->decision.has_worst;
    dst->worst_loss_pct = r->decision.worst_loss_pct;
    dst->would = r->decision.action;
    dst->has_failback_due = r->has_failback_due;
    dst->failback_due_at = r->failback_due_at;
    return ok;
}

/* Moves what the model knew beyond a look (last action, confirmation) from `old` to `dst`. */
static void status_network_carry(status_network *dst, status_network *old)
{
    dst->last_action = old->last_action;
    dst->last_action_at = old->last_action_at;
    dst->confirming = old->confirming;
    memset(&old->confirming, 0, sizeof(old->confirming));
}

static bool status_network_copy(status_network *dst, const status_network *src)
{
    bool ok = true;
    *dst = *src;
    dst->id = status_dup(src->id, &ok);
    dst->name = status_dup(src->name, &ok);
    dst->primary_site = status_dup(src->primary_site, &ok);
    dst->backup_site = status_dup(src->backup_site, &ok);
    dst->tracked_ip = status_dup(src->tracked_ip, &ok);
    dst->confirming.alert_id = status_dup(src->confirming.alert_id, &ok);
    dst->series = NULL;
    dst->n_series = 0;
    if (src->n_series > 0) {
        dst->series = malloc(src->n_series * sizeof(*dst->series));
        if (dst->series == NULL)
            return false;
        memcpy(dst->series, src->series, src->n_series * sizeof(*dst->series));
        dst->n_series = src->n_series;
    }
    return ok;
}

/* ---- The organization ---------------------------------------------------------------------- */

status_err status_org_init(status_org *o, const char *id, const char *name)
{
    bool ok = true;
    memset(o, 0, sizeof(*o));
    o->id = status_dup(id, &ok);
    o->name = status_dup(name, &ok);
    if (!ok) {
        status_org_clear(o);
        return STATUS_ERR_NOMEM;
    }
    return STATUS_OK;
}

void status_org_clear(status_org *o)
{
    free(o->id);
    free(o->name);
    free(o->error);
    status_nets_free(o->nets, o->n_nets);
    status_strs_free(o->unmanaged, o->n_unmanaged);
    memset(o, 0, sizeof(*o));
}

status_err status_org_copy(const status_org *o, status_org *out)
{
    bool ok = true;
    memset(out, 0, sizeof(*out));
    out->id = status_dup(o->id, &ok);
    out->name = status_dup(o->name, &ok);
    out->error = status_dup(o->error, &ok);
    if (o->n_nets > 0 && (out->nets = calloc(o->n_nets, sizeof(*out->nets))) == NULL)
        ok = false;
    for (size_t i = 0; ok && i < o->n_nets; i++) {
        ok = status_network_copy(&out->nets[i], &o->nets[i]);
        out->n_nets = i + 1;
    }
    if (ok && o->n_unmanaged > 0 &&
        (out->unmanaged = calloc(o->n_unmanaged, sizeof(*out->unmanaged))) == NULL)
        ok = false;
    for (size_t i = 0; ok && i < o->n_unmanaged; i++) {
        out->unmanaged[i] = status_dup(o->unmanaged[i], &ok);
        out->n_unmanaged = i + 1;
    }
    if (!ok) {
        status_org_clear(out);
        return STATUS_ERR_NOMEM;
    }
    return STATUS_OK;
}

static int status_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int status_cmp_net_ptr(const void *a, const void *b)
{
    const status_network *x = *(const status_network *const *)a;
    const status_network *y = *(const status_network *const *)b;
    return strcmp(x->id, y->id);
}

/* The entry of `id` in a sorted array of network pointers, or NULL. */
static status_network *status_index_find(status_network **index, size_t n, const char *id)
{
    status_network key = {.id = (char *)id};
    status_network *kp = &key;
    status_network **hit =
        n > 0 ? bsearch(&kp, index, n, sizeof(*index), status_cmp_net_ptr) : NULL;
    return hit != NULL ? *hit : NULL;
}

status_err status_org_reconciled(status_org *o, const dj_network *nets, const look_result *results,
                                 size_t n)
{
    status_network *fresh = n > 0 ? calloc(n, sizeof(*fresh)) : NULL;
    char **um = n > 0 ? calloc(n, sizeof(*um)) : NULL;
    status_network **index = o->n_nets > 0 ? calloc(o->n_nets, sizeof(*index)) : NULL;
    size_t n_fresh = 0, n_um = 0;
    bool ok = (n == 0 || (fresh != NULL && um != NULL)) && (o->n_nets == 0 || index != NULL);

    /* Old entries by id, so 10,000 networks cost n log n, not n^2. */
    for (size_t i = 0; ok && i < o->n_nets; i++)
        index[i] = &o->nets[i];
    if (ok && o->n_nets > 1)
        qsort(index, o->n_nets, sizeof(*index), status_cmp_net_ptr);

    for (size_t i = 0; ok && i < n; i++) {
        look_state st = look_network_state(&results[i]);
        if (st == LOOK_STATE_UNMANAGED) {
            um[n_um] = status_dup(nets[i].id, &ok);
            n_um += um[n_um] != NULL;
            continue;
        }
        ok = status_network_from_look(&fresh[n_fresh], &nets[i], &results[i], st);
        n_fresh++;
    }
    if (!ok) {
        status_nets_free(fresh, n_fresh);
        status_strs_free(um, n_um);
        free(index);
        return STATUS_ERR_NOMEM;
    }
    for (size_t i = 0; i < n_fresh; i++) {
        status_network *old = status_index_find(index, o->n_nets, fresh[i].id);
        if (old != NULL)
            status_network_carry(&fresh[i], old);
    }
    if (n_um > 1)
        qsort(um, n_um, sizeof(*um), status_cmp_str);
    free(index);
    status_nets_free(o->nets, o->n_nets);
    status_strs_free(o->unmanaged, o->n_unmanaged);
    o->nets = fresh;
    o->n_nets = n_fresh;
    o->unmanaged = um;
    o->n_unmanaged = n_um;
    free(o->error);
    o->error = NULL;
    return STATUS_OK;
}

status_err status_org_failed(status_org *o, const char *error)
{
    bool ok = true;
    char *e = status_dup(error, &ok);
    if (!ok)
        return STATUS_ERR_NOMEM;
    free(o->error);
    o->error = e;
    return STATUS_OK;
}

static status_network *status_find_mut(status_org *o, const char *network_id)
{
    for (size_t i = 0; i < o->n_nets; i++)
        if (strcmp(o->nets[i].id, network_id) == 0)
            return &o->nets[i];
    return NULL;
}

const status_network *status_org_find(const status_org *o, const char *network_id)
{
    return status_find_mut((status_org *)o, network_id);
}

status_err status_org_looked(status_org *o, const dj_network *net, const look_result *r)
{
    status_network *cur = status_find_mut(o, net->id);
    look_state st = look_network_state(r);
    if (st == LOOK_STATE_UNMANAGED) {
        if (cur != NULL) {
            size_t i = (size_t)(cur - o->nets);
            status_network_clear(cur);
            memmove(&o->nets[i], &o->nets[i + 1], (o->n_nets - i - 1) * sizeof(*o->nets));
            o->n_nets--;
        }
        return STATUS_OK;
    }
    status_network fresh = {0};
    if (!status_network_from_look(&fresh, net, r, st)) {
        status_network_clear(&fresh);
        return STATUS_ERR_NOMEM;
    }
    if (cur != NULL) {
        status_network_carry(&fresh, cur);
        status_network_clear(cur);
        *cur = fresh;
        return STATUS_OK;
    }
    status_network *v = realloc(o->nets, (o->n_nets + 1) * sizeof(*v));
    if (v == NULL) {
        status_network_clear(&fresh);
        return STATUS_ERR_NOMEM;
    }
    o->nets = v;
    o->nets[o->n_nets++] = fresh;
    return STATUS_OK;
}

void status_org_acted(status_org *o, const char *network_id, policy_action action, int64_t at)
{
    status_network *n = status_find_mut(o, network_id);
    if (n == NULL || action == POLICY_NONE)
        return;
    n->state = action == POLICY_FAILOVER ? LOOK_STATE_FAILED_OVER : LOOK_STATE_NORMAL;
    n->would = POLICY_NONE;
    n->has_failback_due = false;
    n->last_action = action;
    n->last_action_at = at;
}

status_err status_org_confirming(status_org *o, const char *network_id, const status_confirming *c)
{
    status_network *n = status_find_mut(o, network_id);
    if (n == NULL)
        return STATUS_OK;
    char *alert = NULL;
    if (c != NULL && c->active) {
        bool ok = true;
        alert = status_dup(c->alert_id, &ok);
        if (!ok)
            return STATUS_ERR_NOMEM;
    }
    free(n->confirming.alert_id);
    memset(&n->confirming, 0, sizeof(n->confirming));
    if (c != NULL && c->active) {
        n->confirming = *c;
        n->confirming.alert_id = alert;
    }
    return STATUS_OK;
}

bool status_org_unmanaged(const status_org *o, const char *network_id)
{
    return o->n_unmanaged > 0 && bsearch(&network_id, o->unmanaged, o->n_unmanaged,
                                         sizeof(*o->unmanaged), status_cmp_str) != NULL;
}

void status_org_census(const status_org *o, long counts[LOOK_MANAGED_STATES])
{
    memset(counts, 0, sizeof(long) * LOOK_MANAGED_STATES);
    for (size_t i = 0; i < o->n_nets; i++)
        if ((unsigned)o->nets[i].state < LOOK_MANAGED_STATES)
            counts[o->nets[i].state]++;
}

/* ---- Renderings ---------------------------------------------------------------------------- */

/* RFC 3339 UTC, second precision. */
static void status_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "1970-01-01T00:00:00Z");
}

static struct json_object *status_str_or_null(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *status_network_json(const status_network *n)
{
    struct json_object *o = json_object_new_object();
    char ts[32];
    if (o == NULL)
        return NULL;
    json_object_object_add(o, "id", json_object_new_string(n->id));
    json_object_object_add(o, "name", status_str_or_null(n->name));
    json_object_object_add(o, "state", json_object_new_string(look_state_name(n->state)));
    json_object_object_add(o, "reason", json_object_new_string(tf_reason_name(n->reason)));
    json_object_object_add(o, "primary_site", status_str_or_null(n->primary_site));
    json_object_object_add(o, "backup_site", status_str_or_null(n->backup_site));
    json_object_object_add(o, "tracked_ip", status_str_or_null(n->tracked_ip));
    json_object_object_add(o, "worst_loss_pct",
                           n->has_worst ? json_object_new_double(n->worst_loss_pct) : NULL);
    json_object_object_add(o, "would", json_object_new_string(policy_action_name(n->would)));
    if (n->last_action != POLICY_NONE) {
        status_time(n->last_action_at, ts, sizeof(ts));
        json_object_object_add(o, "last_action",
                               json_object_new_string(policy_action_name(n->last_action)));
        json_object_object_add(o, "last_action_at", json_object_new_string(ts));
    } else {
        json_object_object_add(o, "last_action", NULL);
        json_object_object_add(o, "last_action_at", NULL);
    }
    struct json_object *c = NULL;
    if (n->confirming.active && (c = json_object_new_object()) != NULL) {
        status_time(n->confirming.since, ts, sizeof(ts));
        json_object_object_add(c, "since", json_object_new_string(ts));
        json_object_object_add(c, "alert_id", status_str_or_null(n->confirming.alert_id));
        json_object_object_add(c, "looks", json_object_new_int64(n->confirming.looks));
        json_object_object_add(c, "evidence",
                               json_object_new_string(n->confirming.live ? "live" : "series"));
    }
    json_object_object_add(o, "confirming", c);
    if (n->has_failback_due && n->state == LOOK_STATE_FAILED_OVER) {
        status_time(n->failback_due_at, ts, sizeof(ts));
        json_object_object_add(o, "failback_due_at", json_object_new_string(ts));
    } else {
        json_object_object_add(o, "failback_due_at", NULL);
    }
    return o;
}

static struct json_object *status_org_json(const status_org *org)
{
    struct json_object *o = json_object_new_object();
    struct json_object *nets = json_object_new_array_ext((int)org->n_nets);
    if (o == NULL || nets == NULL) {
        json_object_put(o);
        json_object_put(nets);
        return NULL;
    }
    json_object_object_add(o, "id", json_object_new_string(org->id));
    json_object_object_add(o, "name", status_str_or_null(org->name));
    json_object_object_add(o, "networks", nets);
    if (org->error != NULL)
        json_object_object_add(o, "error", json_object_new_string(org->error));
    for (size_t i = 0; i < org->n_nets; i++) {
        struct json_object *n = status_network_json(&org->nets[i]);
        if (n == NULL || json_object_array_add(nets, n) != 0) {
            json_object_put(n);
            json_object_put(o);
            return NULL;
        }
    }
    return o;
}

char *status_render_json(const status_org *const *orgs, size_t n, bool pretty)
{
    struct json_object *doc = json_object_new_object();
    struct json_object *list = json_object_new_array_ext((int)n);
    char *out = NULL;
    if (doc == NULL || list == NULL) {
        json_object_put(doc);
        json_object_put(list);
        return NULL;
    }
    json_object_object_add(doc, "organizations", list);
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = status_org_json(orgs[i]);
        if (o == NULL || json_object_array_add(list, o) != 0) {
            json_object_put(o);
            goto out;
        }
    }
    out = tfjson_text(doc, pretty);
out:
    json_object_put(doc);
    return out;
}

/* A growable text buffer for the table; `failed` sticks once an allocation fails. */
typedef struct {
    char *s;
    size_t len, cap;
    bool failed;
} status_buf;

static void status_printf(status_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void status_printf(status_buf *b, const char *fmt, ...)
{
    va_list ap;
    if (b->failed)
        return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int k = vsnprintf(b->s != NULL ? b->s + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->failed = true;
            return;
        }
        if ((size_t)k < room) {
            b->len += (size_t)k;
            return;
        }
        size_t cap = b->cap > 0 ? b->cap : 1024;
        while (cap - b->len <= (size_t)k)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (s == NULL) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static void status_org_table(status_buf *b, const status_org *org)
{
    status_printf(b, "organization %s%s%s%s\n", org->id, org->name ? " (" : "",
                  org->name ? org->name : "", org->name ? ")" : "");
    if (org->error != NULL) {
        status_printf(b, "  error: %s\n\n", org->error);
        return;
    }
    if (org->n_nets == 0) {
        status_printf(b, "  no managed network\n\n");
        return;
    }
    status_printf(b, "  %-22s %-24s %-24s %-16s %-13s %7s %-9s %s\n", "NETWORK", "NAME",
                  "PRIMARY > BACKUP", "TRACKED IP", "STATE", "WORST", "WOULD", "WHY");
    for (size_t i = 0; i < org->n_nets; i++) {
        const status_network *n = &org->nets[i];
        char pair[160], worst[16];
        snprintf(pair, sizeof(pair), "%s > %s", n->primary_site ? n->primary_site : "-",
                 n->backup_site ? n->backup_site : "-");
        if (n->has_worst)
            snprintf(worst, sizeof(worst), "%.1f%%", n->worst_loss_pct);
        else
            snprintf(worst, sizeof(worst), "-");
        status_printf(b, "  %-22s %-24.24s %-24.24s %-16s %-13s %7s %-9s %s\n", n->id,
                      n->name ? n->name : "-", pair, n->tracked_ip ? n->tracked_ip : "-",
                      look_state_name(n->state), worst, policy_action_name(n->would),
                      tf_reason_name(n->reason));
    }
    status_printf(b, "\n");
}

char *status_render_table(const status_org *const *orgs, size_t n)
{
    status_buf b = {0};
    status_printf(&b, "%s", "");
    for (size_t i = 0; i < n; i++)
        status_org_table(&b, orgs[i]);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
