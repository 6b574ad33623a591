/*
 * detail.c - one network in detail, text and JSON. See detail.h.
 */
#include "tagfailover/detail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/textbuf.h"
#include "tagfailover/json.h"

const char *detail_reason_words(tf_reason r, tags_state state)
{
    bool over = state == TAGS_FAILED_OVER;
    switch (r) {
    case TF_REASON_OK:
        return "all is well: no sample in the detect window reaches the loss threshold";
    case TF_REASON_LOSS_OVER_THRESHOLD:
        return over ? "loss in the clean window is over the failback maximum: it stays on the "
                      "backup"
                    : "a sample in the detect window reaches the loss threshold";
    case TF_REASON_CLEAN_WINDOW:
        return "the clean window is proven: it fails back";
    case TF_REASON_NOT_COVERED:
        return "the window has a gap, or its samples start or end too far from its edges: "
               "nothing is decided from it";
    case TF_REASON_NULL_SAMPLE:
        return "a sample in the window has no loss value (no data, never \"no loss\")";
    case TF_REASON_STALE_DATA:
        return "the newest sample is too old: the appliance may have stopped reporting";
    case TF_REASON_NO_DATA:
        return "no samples for the tracked IP on a considered uplink";
    case TF_REASON_BACKUP_UNHEALTHY:
        return "the backup's tracked IP is losing packets too: moving would not help";
    case TF_REASON_FAILBACK_MANUAL:
        return "failback = manual: fail it back with `tagfailover failback`";
    case TF_REASON_HOLD_TAG:
        return "the hold tag is present: the daemon never touches it (remove the tag, or run "
               "`tagfailover failback`)";
    case TF_REASON_TWO_PRIMARIES:
        return "two primary pair tags: fix the tags by hand";
    case TF_REASON_TWO_BACKUPS:
        return "two backup pair tags: fix the tags by hand";
    case TF_REASON_NO_PRIMARY:
        return "no primary pair tag: fix the tags by hand";
    case TF_REASON_NO_BACKUP:
        return "no backup pair tag: fix the tags by hand";
    case TF_REASON_BOTH_UP:
        return "primary and backup are both up: fix the tags by hand";
    case TF_REASON_BOTH_DOWN:
        return "primary and backup are both down: fix the tags by hand";
    case TF_REASON_NO_PEER:
        return "no third-party VPN peer carries the tag the retag would set (a typo in a tag?)";
    case TF_REASON_UNREADABLE:
        return "the API's record of the network is over a cap (too many or too long tags)";
    case TF_REASON_NO_TRACKED_IP:
        return "no tracked IP for the primary site (no [site] tracked_ip, no peer with its up "
               "tag)";
    case TF_REASON_COUNT:
        break;
    }
    return "unknown reason";
}

/* The window the decision is made on: the clean window for a failed-over network, else the
 * detect window. */
static bool detail_clean_decides(const detail_view *v)
{
    return v->look->tags.state == TAGS_FAILED_OVER;
}

/* A duration as "4m 10s", "1h 2m", "35s". */
static void detail_span(int64_t s, char *buf, size_t size)
{
    if (s >= 3600)
        snprintf(buf, size, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else if (s >= 60)
        snprintf(buf, size, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(buf, size, "%llds", (long long)s);
}

/* ---- text ---- */

static void detail_series_text(textbuf *b, const detail_view *v, const policy_series *s,
                               const char *ip, const char *role, int64_t from, double line,
                               bool at_or_over)
{
    size_t first = 0, last = 0, shown;
    char ts[32];

    while (first < s->n && s->samples[first].ts < from)
        first++;
    last = first;
    while (last < s->n && s->samples[last].ts <= v->t1)
        last++;
    tb_printf(b, "  ");
    tb_put_safe(b, ip, "?");
    tb_printf(b, " (%s) on ", role);
    tb_put_safe(b, s->uplink, "?");
    tb_printf(b, ": %zu sample%s\n", last - first, last - first == 1 ? "" : "s");
    shown = last - first;
    if (shown > DETAIL_TEXT_MAX_SAMPLES) {
        tb_printf(b, "    (%zu older samples not shown; --json lists them all)\n",
                  shown - DETAIL_TEXT_MAX_SAMPLES);
        first = last - DETAIL_TEXT_MAX_SAMPLES;
    }
    for (size_t i = first; i < last; i++) {
        const policy_sample *p = &s->samples[i];
        dj_format_time(p->ts, ts, sizeof(ts));
        if (!p->has_loss) {
            tb_printf(b, "    %s   no data\n", ts);
            continue;
        }
        bool mark = at_or_over ? p->loss_pct >= line : p->loss_pct > line;
        tb_printf(b, "    %s %6.1f%%%s\n", ts, p->loss_pct, mark ? "   <-- over the line" : "");
    }
}

/* Finds the series of `uplink` in a list, or NULL. */
static const policy_series *detail_find(const policy_series *v, size_t n, const char *uplink)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].uplink != NULL && strcmp(v[i].uplink, uplink) == 0)
            return &v[i];
    return NULL;
}

static void detail_window_text(textbuf *b, const detail_view *v, bool clean)
{
    const look_result *r = v->look;
    int64_t w = clean ? v->params.clean_window_s : v->params.detect_window_s;
    int64_t from = v->t1 - w;
    double line = clean ? v->params.failback_max_loss_pct : v->params.loss_threshold_pct;
    char a[32], c[32];

    dj_format_time(from, a, sizeof(a));
    dj_format_time(v->t1, c, sizeof(c));
    if (clean)
        tb_printf(b,
                  "\nclean window (decides a failback): %s .. %s (%lld s), every sample must "
                  "be <= %.1f%%\n",
                  a, c, (long long)w, line);
    else
        tb_printf(b, "\ndetect window (decides a failover): %s .. %s (%lld s), threshold %.1f%%\n",
                  a, c, (long long)w, line);
    if (r->tracked_ip == NULL) {
        tb_printf(b, "  no tracked IP: no samples to show\n");
        return;
    }
    if (r->n_considered == 0)
        tb_printf(b, "  no considered uplink (none active): no samples to show\n");
    for (size_t u = 0; u < r->n_considered; u++) {
        const policy_series *s = detail_find(v->primary, v->n_primary, r->considered[u]);
        if (s == NULL) {
            tb_printf(b, "  ");
            tb_put_safe(b, r->tracked_ip, NULL);
            tb_printf(b, " (primary) on ");
            tb_put_safe(b, r->considered[u], "?");
            tb_printf(b, ": no samples (no data)\n");
            continue;
        }
        detail_series_text(b, v, s, r->tracked_ip, "primary", from, line, !clean);
    }
    if (clean || r->backup_ip == NULL)
        return;
    for (size_t i = 0; i < v->n_backup; i++)
        detail_series_text(b, v, &v->backup[i], r->backup_ip,
                           v->params.require_backup_healthy ? "backup, guard on"
                                                            : "backup, guard off",
                           from, line, true);
}

static void detail_tags_text(textbuf *b, const tags_list *t)
{
    if (t->n == 0)
        tb_printf(b, "(none)");
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0)
            tb_printf(b, " ");
        tb_put_safe(b, t->v[i], NULL);
    }
}

static void detail_failback_text(textbuf *b, const detail_view *v)
{
    const look_result *r = v->look;
    char ts[32], span[32];

    if (r->tags.state != TAGS_FAILED_OVER)
        return;
    tb_printf(b, "  failback:   ");
    if (!v->params.failback_auto) {
        tb_printf(b, "manual (failback = manual): run `tagfailover failback %s`\n", v->net->id);
        return;
    }
    if (r->decision.action == POLICY_FAILBACK) {
        tb_printf(b, "due now: the clean window is proven, the next reconcile fails it back\n");
        return;
    }
    if (!r->has_failback_due) {
        tb_printf(b, "not known: no loss in the window and no move in the change log, so the "
                     "data alone decides\n");
        return;
    }
    dj_format_time(r->failback_due_at, ts, sizeof(ts));
    if (r->failback_due_at > v->now) {
        detail_span(r->failback_due_at - v->now, span, sizeof(span));
        tb_printf(b, "due at %s (in %s) if no new loss arrives\n", ts, span);
    } else {
        tb_printf(b, "due since %s, once the window is covered (%s)\n", ts,
                  tf_reason_name(r->decision.reason));
    }
}

char *detail_render_text(const detail_view *v)
{
    const look_result *r = v->look;
    const dj_network *n = v->net;
    textbuf b = {0};
    char ts[32];

    tb_printf(&b, "network ");
    tb_put_safe(&b, n->id, NULL);
    if (n->name != NULL) {
        tb_printf(&b, " (");
        tb_put_safe(&b, n->name, NULL);
        tb_printf(&b, ")");
    }
    tb_printf(&b, ", organization ");
    tb_put_safe(&b, v->org_id, NULL);
    if (v->org_name != NULL) {
        tb_printf(&b, " (");
        tb_put_safe(&b, v->org_name, NULL);
        tb_printf(&b, ")");
    }
    tb_printf(&b, "\n  state:      %s\n", look_state_name(look_network_state(r)));
    tb_printf(&b, "  would:      %s\n", policy_action_name(r->decision.action));
    tb_printf(&b, "  why:        %s: %s\n", tf_reason_name(r->decision.reason),
              detail_reason_words(r->decision.reason, r->tags.state));
    if (r->decision.why[0] != '\0') {
        tb_printf(&b, "              (");
        tb_put_safe(&b, r->decision.why, NULL);
        tb_printf(&b, ")\n");
    }
    tb_printf(&b, "  tags:       ");
    detail_tags_text(&b, &n->tags);
    tb_printf(&b, "\n  pair:       %s%s > %s%s\n", r->tags.has_primary ? r->tags.primary.site : "-",
              r->tags.has_primary ? (r->tags.primary.up ? " (up)" : " (down)") : "",
              r->tags.has_backup ? r->tags.backup.site : "-",
              r->tags.has_backup ? (r->tags.backup.up ? " (up)" : " (down)") : "");
    tb_printf(&b, "  tracked IP: ");
    tb_put_safe(&b, r->tracked_ip, "unknown");
    tb_printf(&b, " (primary), ");
    tb_put_safe(&b, r->backup_ip, "unknown");
    tb_printf(&b, " (backup)\n");
    tb_printf(&b, "  uplinks:    ");
    if (r->n_considered == 0)
        tb_printf(&b, "none considered");
    for (size_t i = 0; i < r->n_considered; i++) {
        tb_printf(&b, "%s", i > 0 ? ", " : "");
        tb_put_safe(&b, r->considered[i], NULL);
    }
    tb_printf(&b, "\n  worst loss: ");
    if (r->decision.has_worst)
        tb_printf(&b, "%.1f%% in the %s window\n", r->decision.worst_loss_pct,
                  detail_clean_decides(v) ? "clean" : "detect");
    else
        tb_printf(&b, "-\n");
    if (r->tags.state == TAGS_FAILED_OVER) {
        tb_printf(&b, "  moved:      ");
        if (r->has_failed_over_at) {
            dj_format_time(r->failed_over_at, ts, sizeof(ts));
            tb_printf(&b, "%s (from the Dashboard's change log)\n", ts);
        } else {
            tb_printf(&b, "not in the change log\n");
        }
    }
    detail_failback_text(&b, v);
    dj_format_time(v->t1, ts, sizeof(ts));
    tb_printf(&b, "  data until: %s (now less data_lag_s = %lld)\n", ts, (long long)v->data_lag_s);
    tb_printf(&b, "  note:       %s\n", DETAIL_DAEMON_NOTE);
    detail_window_text(&b, v, detail_clean_decides(v));
    return tb_take(&b);
}

/* ---- JSON ---- */

static struct json_object *detail_str(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *detail_time(int64_t t)
{
    char ts[32];
    dj_format_time(t, ts, sizeof(ts));
    return json_object_new_string(ts);
}

/* [{"uplink", "ip", "samples": [{"ts", "loss_pct"}]}] of the samples in [from, t1]. */
static struct json_object *detail_series_json(const detail_view *v, const policy_series *s,
                                              size_t n, const char *ip, int64_t from)
{
    struct json_object *list = json_object_new_array();
    for (size_t k = 0; list != NULL && k < n; k++) {
        struct json_object *o = json_object_new_object(), *samples = json_object_new_array();
        if (o == NULL || samples == NULL || json_object_array_add(list, o) != 0) {
            json_object_put(o);
            json_object_put(samples);
            json_object_put(list);
            return NULL;
        }
        json_object_object_add(o, "uplink", detail_str(s[k].uplink));
        json_object_object_add(o, "ip", detail_str(ip));
        json_object_object_add(o, "samples", samples);
        for (size_t i = 0; i < s[k].n; i++) {
            const policy_sample *p = &s[k].samples[i];
            if (p->ts < from || p->ts > v->t1)
                continue;
            struct json_object *e = json_object_new_object();
            if (e == NULL || json_object_array_add(samples, e) != 0) {
                json_object_put(e);
                json_object_put(list);
                return NULL;
            }
            json_object_object_add(e, "ts", detail_time(p->ts));
            json_object_object_add(e, "loss_pct",
                                   p->has_loss ? json_object_new_double(p->loss_pct) : NULL);
        }
    }
    return list;
}

static struct json_object *detail_window_json(const detail_view *v, bool clean)
{
    const look_result *r = v->look;
    int64_t w = clean ? v->params.clean_window_s : v->params.detect_window_s;
    struct json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    json_object_object_add(o, "from", detail_time(v->t1 - w));
    json_object_object_add(o, "to", detail_time(v->t1));
    json_object_object_add(o, "seconds", json_object_new_int64(w));
    json_object_object_add(o, clean ? "max_loss_pct" : "threshold_pct",
                           json_object_new_double(clean ? v->params.failback_max_loss_pct
                                                        : v->params.loss_threshold_pct));
    json_object_object_add(o, "decides", json_object_new_boolean(clean == detail_clean_decides(v)));
    json_object_object_add(
        o, "primary", detail_series_json(v, v->primary, v->n_primary, r->tracked_ip, v->t1 - w));
    if (!clean)
        json_object_object_add(
            o, "backup", detail_series_json(v, v->backup, v->n_backup, r->backup_ip, v->t1 - w));
    return o;
}

char *detail_render_json(const detail_view *v, bool pretty)
{
    const look_result *r = v->look;
    const dj_network *n = v->net;
    struct json_object *doc = json_object_new_object(), *org = json_object_new_object();
    struct json_object *net = json_object_new_object(), *tags = json_object_new_array();
    struct json_object *uplinks = json_object_new_array(), *windows = json_object_new_object();
    char *out = NULL;

    if (doc == NULL || org == NULL || net == NULL || tags == NULL || uplinks == NULL ||
        windows == NULL) {
        json_object_put(org);
        json_object_put(net);
        json_object_put(tags);
        json_object_put(uplinks);
        json_object_put(windows);
        goto out;
    }
    json_object_object_add(doc, "organization", org);
    json_object_object_add(doc, "network", net);
    json_object_object_add(doc, "windows", windows);
    json_object_object_add(org, "id", detail_str(v->org_id));
    json_object_object_add(org, "name", detail_str(v->org_name));

    json_object_object_add(net, "id", detail_str(n->id));
    json_object_object_add(net, "name", detail_str(n->name));
    json_object_object_add(net, "tags", tags);
    for (size_t i = 0; i < n->tags.n; i++)
        json_object_array_add(tags, json_object_new_string(n->tags.v[i]));
    json_object_object_add(net, "state",
                           json_object_new_string(look_state_name(look_network_state(r))));
    json_object_object_add(net, "reason",
                           json_object_new_string(tf_reason_name(r->decision.reason)));
    json_object_object_add(
        net, "reason_text",
        json_object_new_string(detail_reason_words(r->decision.reason, r->tags.state)));
    json_object_object_add(net, "why", json_object_new_string(r->decision.why));
    json_object_object_add(net, "primary_site",
                           r->tags.has_primary ? json_object_new_string(r->tags.primary.site)
                                               : NULL);
    json_object_object_add(net, "backup_site",
                           r->tags.has_backup ? json_object_new_string(r->tags.backup.site) : NULL);
    json_object_object_add(net, "tracked_ip", detail_str(r->tracked_ip));
    json_object_object_add(net, "backup_tracked_ip", detail_str(r->backup_ip));
    json_object_object_add(net, "uplinks", uplinks);
    for (size_t i = 0; i < r->n_considered; i++)
        json_object_array_add(uplinks, json_object_new_string(r->considered[i]));
    json_object_object_add(
        net, "worst_loss_pct",
        r->decision.has_worst ? json_object_new_double(r->decision.worst_loss_pct) : NULL);
    json_object_object_add(net, "would",
                           json_object_new_string(policy_action_name(r->decision.action)));
    json_object_object_add(net, "last_action", NULL);
    json_object_object_add(net, "last_action_at", NULL);
    json_object_object_add(net, "confirming", NULL);
    json_object_object_add(net, "failed_over_at",
                           r->has_failed_over_at ? detail_time(r->failed_over_at) : NULL);
    json_object_object_add(net, "failback_due_at",
                           r->has_failback_due && look_network_state(r) == LOOK_STATE_FAILED_OVER
                               ? detail_time(r->failback_due_at)
                               : NULL);
    json_object_object_add(doc, "data_until", detail_time(v->t1));
    json_object_object_add(windows, "detect", detail_window_json(v, false));
    json_object_object_add(windows, "clean", detail_window_json(v, true));
    json_object_object_add(doc, "note", json_object_new_string(DETAIL_DAEMON_NOTE));

    out = tfjson_text(doc, pretty);
out:
    json_object_put(doc);
    return out;
}
