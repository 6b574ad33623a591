/*
 * notify_msg.c - the words of a notification: argv splitting, the environment, the sentence,
 * the JSON body and the redacted URL. See notify_msg.h.
 */
#include "tagfailover/notify_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

/* ---- the event ------------------------------------------------------------------------- */

static bool notify_msg_dup(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return true;
    *dst = strdup(src);
    return *dst != NULL;
}

bool notify_msg_event_copy(notify_msg_event *dst, const notify_msg_event *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->has_loss = src->has_loss;
    dst->loss_pct = src->loss_pct;
    dst->dry_run = src->dry_run;
    bool ok = notify_msg_dup(&dst->event, src->event) &&
              notify_msg_dup(&dst->network_id, src->network_id) &&
              notify_msg_dup(&dst->network_name, src->network_name) &&
              notify_msg_dup(&dst->org_id, src->org_id) &&
              notify_msg_dup(&dst->trigger, src->trigger) &&
              notify_msg_dup(&dst->evidence, src->evidence) &&
              notify_msg_dup(&dst->batch_id, src->batch_id) &&
              tags_list_copy(&dst->tags_before, &src->tags_before) == TAGS_OK &&
              tags_list_copy(&dst->tags_after, &src->tags_after) == TAGS_OK;
    if (!ok)
        notify_msg_event_clear(dst);
    return ok;
}

void notify_msg_event_clear(notify_msg_event *ev)
{
    if (ev == NULL)
        return;
    free(ev->event);
    free(ev->network_id);
    free(ev->network_name);
    free(ev->org_id);
    free(ev->trigger);
    free(ev->evidence);
    free(ev->batch_id);
    tags_list_free(&ev->tags_before);
    tags_list_free(&ev->tags_after);
    memset(ev, 0, sizeof(*ev));
}

/* ---- argv ------------------------------------------------------------------------------ */

void notify_msg_argv_free(char **argv)
{
    if (argv == NULL)
        return;
    for (size_t i = 0; argv[i] != NULL; i++)
        free(argv[i]);
    free(argv);
}

const char *notify_msg_argv_split(const char *line, char ***argv, size_t *argc)
{
    size_t len = strlen(line);
    char **v = calloc(NOTIFY_MSG_MAX_ARGS + 1, sizeof(*v));
    char *word = malloc(len + 1);
    const char *why = NULL;
    size_t n = 0;

    *argv = NULL;
    *argc = 0;
    if (v == NULL || word == NULL) {
        why = "out of memory";
        goto out;
    }
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        size_t w = 0;
        while (*p != '\0' && *p != ' ' && *p != '\t') {
            unsigned char c = (unsigned char)*p;
            if (c < 0x20 || c == 0x7f) {
                why = "contains a control character";
                goto out;
            }
            if (c == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (end == NULL) {
                    why = "has an unterminated ' quote";
                    goto out;
                }
                memcpy(word + w, p + 1, (size_t)(end - p - 1));
                w += (size_t)(end - p - 1);
                p = end + 1;
            } else if (c == '"') {
                p++;
                while (*p != '"') {
                    if (*p == '\0') {
                        why = "has an unterminated \" quote";
                        goto out;
                    }
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    word[w++] = *p++;
                }
                p++;
            } else if (c == '\\') {
                if (p[1] == '\0') {
                    why = "ends with a backslash";
                    goto out;
                }
                word[w++] = p[1];
                p += 2;
            } else {
                word[w++] = *p++;
            }
        }
        if (n == NOTIFY_MSG_MAX_ARGS) {
            why = "has too many words";
            goto out;
        }
        word[w] = '\0';
        v[n] = strdup(word);
        if (v[n] == NULL) {
            why = "out of memory";
            goto out;
        }
        n++;
    }
    if (n == 0)
        why = "has no program to run";
out:
    free(word);
    if (why != NULL) {
        notify_msg_argv_free(v);
        return why;
    }
    *argv = v;
    *argc = n;
    return NULL;
}

/* ---- the environment ------------------------------------------------------------------- */

/* "NAME=value" on the heap, or NULL. */
static char *notify_msg_kv(const char *name, const char *value)
{
    size_t n = strlen("TAGFAILOVER_") + strlen(name) + 1 + strlen(value) + 1;
    char *s = malloc(n);
    if (s != NULL)
        snprintf(s, n, "TAGFAILOVER_%s=%s", name, value);
    return s;
}

/* The tags joined by ','; caller frees. */
static char *notify_msg_join(const tags_list *l)
{
    size_t n = 1;
    for (size_t i = 0; i < l->n; i++)
        n += strlen(l->v[i]) + 1;
    char *s = malloc(n), *p = s;
    if (s == NULL)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < l->n; i++) {
        size_t k = strlen(l->v[i]);
        if (i > 0)
            *p++ = ',';
        memcpy(p, l->v[i], k);
        p += k;
        *p = '\0';
    }
    return s;
}

char **notify_msg_env(const notify_msg_event *ev, size_t *n)
{
    enum { N_VARS = 10 };
    char **v = calloc(N_VARS + 1, sizeof(*v));
    char loss[32] = "";
    char *before = notify_msg_join(&ev->tags_before), *after = notify_msg_join(&ev->tags_after);
    bool ok = v != NULL && before != NULL && after != NULL;

    if (ev->has_loss)
        snprintf(loss, sizeof(loss), "%.1f", ev->loss_pct);
    if (ok) {
        const char *vals[N_VARS][2] = {
            {"EVENT", ev->event ? ev->event : ""},
            {"NETWORK_ID", ev->network_id ? ev->network_id : ""},
            {"NETWORK_NAME", ev->network_name ? ev->network_name : ""},
            {"ORG_ID", ev->org_id ? ev->org_id : ""},
            {"TRIGGER", ev->trigger ? ev->trigger : ""},
            {"EVIDENCE", ev->evidence ? ev->evidence : ""},
            {"LOSS_PCT", loss},
            {"TAGS_BEFORE", before},
            {"TAGS_AFTER", after},
            {"DRY_RUN", ev->dry_run ? "true" : "false"},
        };
        for (size_t i = 0; ok && i < N_VARS; i++)
            ok = (v[i] = notify_msg_kv(vals[i][0], vals[i][1])) != NULL;
    }
    free(before);
    free(after);
    if (!ok) {
        notify_msg_argv_free(v);
        return NULL;
    }
    *n = N_VARS;
    return v;
}

/* ---- the sentence ---------------------------------------------------------------------- */

/* Cuts a string that filled its buffer back to a whole UTF-8 character. */
static void notify_msg_utf8_cut(char *buf, size_t len)
{
    size_t i = len;
    while (i > 0 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80)
        i--;
    if (i > 0 && ((unsigned char)buf[i - 1] & 0x80) != 0) {
        /* buf[i - 1] leads a sequence: keep it only when the sequence is complete. */
        unsigned char lead = (unsigned char)buf[i - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (len - (i - 1) < need)
            buf[i - 1] = '\0';
    }
}

void notify_msg_sentence(const notify_msg_event *ev, char *buf, size_t size)
{
    if (size == 0)
        return;
    bool failover = ev->event != NULL && strcmp(ev->event, "failover") == 0;
    tags_info info;
    tags_classify(&ev->tags_before, NULL, &info);
    char route[2 * TF_SITE_MAX_LEN + 16] = "";
    if (info.has_primary && info.has_backup)
        snprintf(route, sizeof(route), " from %s to %s",
                 failover ? info.primary.site : info.backup.site,
                 failover ? info.backup.site : info.primary.site);
    else
        snprintf(route, sizeof(route), failover ? " to its backup" : " to its primary");
    char loss[48] = "";
    if (ev->has_loss)
        snprintf(loss, sizeof(loss), "%.1f%% loss, ", ev->loss_pct);
    const char *verb = ev->dry_run ? (failover ? "would fail over" : "would fail back")
                                   : (failover ? "failed over" : "failed back");
    const char *name =
        ev->network_name != NULL && ev->network_name[0] != '\0' ? ev->network_name : ev->network_id;
    int n = snprintf(buf, size, "%s%s (%s, organization %s) %s%s: %strigger %s, evidence %s.",
                     ev->dry_run ? "[dry run] " : "", name ? name : "", ev->network_id,
                     ev->org_id ? ev->org_id : "", verb, route, loss,
                     ev->trigger ? ev->trigger : "", ev->evidence ? ev->evidence : "");
    /* A name is the operator's text: no control character reaches a chat as a line break. */
    for (char *p = buf; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    if (n > 0 && (size_t)n >= size)
        notify_msg_utf8_cut(buf, size - 1);
}

/* ---- the body -------------------------------------------------------------------------- */

static struct json_object *notify_msg_str(const char *s)
{
    return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *notify_msg_tags(const tags_list *l)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; a != NULL && i < l->n; i++)
        json_object_array_add(a, json_object_new_string(l->v[i]));
    return a;
}

char *notify_msg_body(const notify_msg_event *ev)
{
    char text[NOTIFY_MSG_SENTENCE_MAX];
    notify_msg_sentence(ev, text, sizeof(text));
    struct json_object *o = json_object_new_object(), *e = json_object_new_object();
    char *out = NULL;
    if (o == NULL || e == NULL) {
        json_object_put(e);
        goto out;
    }
    json_object_object_add(o, "text", json_object_new_string(text));
    json_object_object_add(e, "event", notify_msg_str(ev->event));
    json_object_object_add(e, "network_id", notify_msg_str(ev->network_id));
    json_object_object_add(e, "network_name", notify_msg_str(ev->network_name));
    json_object_object_add(e, "org_id", notify_msg_str(ev->org_id));
    json_object_object_add(e, "tags_before", notify_msg_tags(&ev->tags_before));
    json_object_object_add(e, "tags_after", notify_msg_tags(&ev->tags_after));
    json_object_object_add(e, "loss_pct",
                           ev->has_loss ? json_object_new_double(ev->loss_pct) : NULL);
    json_object_object_add(e, "trigger", notify_msg_str(ev->trigger));
    json_object_object_add(e, "evidence", notify_msg_str(ev->evidence));
    json_object_object_add(e, "batch_id", notify_msg_str(ev->batch_id));
    json_object_object_add(e, "dry_run", json_object_new_boolean(ev->dry_run));
    json_object_object_add(o, "event", e);
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    if (s != NULL)
        out = strdup(s);
out:
    json_object_put(o);
    return out;
}

/* ---- the URL --------------------------------------------------------------------------- */

/* The length of the scheme and "://" (8 or 7), or 0 when it is neither https nor http. */
static size_t notify_msg_scheme_len(const char *url)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return 8;
    if (strncasecmp(url, "http://", 7) == 0)
        return 7;
    return 0;
}

const char *notify_msg_url_problem(const char *url)
{
    size_t s = notify_msg_scheme_len(url);
    if (s == 0)
        return "must start with https:// or http://";
    for (const char *p = url; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return "must not contain blanks, control characters or non-ASCII bytes";
    if (strchr(url, '#') != NULL)
        return "must not contain a #fragment";
    size_t host = strcspn(url + s, "/?");
    if (host == 0)
        return "has no host";
    if (memchr(url + s, '@', host) != NULL)
        return "must not contain user:password@ (put a token in the path or the query)";
    return NULL;
}

void notify_msg_url_redact(const char *url, char *buf, size_t size)
{
    if (size == 0)
        return;
    size_t s = notify_msg_scheme_len(url);
    if (s == 0) {
        snprintf(buf, size, "<redacted>");
        return;
    }
    size_t host = strcspn(url + s, "/?#@");
    if (url[s + host] == '@') /* never show a user:password */
        host = 0;
    const char *rest = url + s + host;
    bool more = rest[0] != '\0' && strcmp(rest, "/") != 0;
    snprintf(buf, size, "%.*s%s", (int)(s + host), url, more ? "/<redacted>" : "");
}
