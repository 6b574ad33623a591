/*
 * config_value.c - one `key = value` into its member of the config: numbers, choices, URLs,
 * paths, tags, addresses and lists, each refused with a message that quotes the value (secrets
 * never quoted).
 */
#include "tagfailover/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "config_internal.h"
#include "tagfailover/notify_msg.h"
#include "tagfailover/id.h"

/* ---- values ------------------------------------------------------------------------------ */

/* Parses a whole decimal number; false on anything else (units, signs but '-', blanks). */
static bool config_parse_long(const char *v, long *out)
{
    const char *d = v[0] == '-' ? v + 1 : v;
    if (*d == '\0' || strspn(d, "0123456789") != strlen(d))
        return false;
    errno = 0;
    long n = strtol(v, NULL, 10);
    if (errno == ERANGE)
        return false;
    *out = n;
    return true;
}

/* Parses a finite decimal number ("9", "0.5", "1e-3"); hex, inf and nan are refused. */
static bool config_parse_double(const char *v, double *out)
{
    char *end;
    if (!(isdigit((unsigned char)v[0]) || (v[0] == '.' && isdigit((unsigned char)v[1]))))
        return false;
    if (strspn(v, "0123456789.eE+-") != strlen(v))
        return false;
    errno = 0;
    double d = strtod(v, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(d))
        return false;
    *out = d;
    return true;
}

/* Finds `v` (case-insensitively) in a NULL-terminated name table; -1 when absent. */
static int config_choice(const char *v, const char *const *names)
{
    for (int i = 0; names[i] != NULL; i++)
        if (strcasecmp(v, names[i]) == 0)
            return i;
    return -1;
}

/* Joins a name table for a message: "tls, plain or off". */
static const char *config_choices_text(const char *const *names, char *buf, size_t size)
{
    size_t n = 0, used = 0;
    while (names[n] != NULL)
        n++;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
        int w = snprintf(buf + used, size - used, "%s%s", sep, names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

static bool config_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1", NULL};
    static const char *const no[] = {"false", "no", "off", "0", NULL};
    if (config_choice(v, yes) >= 0) {
        *out = true;
        return true;
    }
    if (config_choice(v, no) >= 0) {
        *out = false;
        return true;
    }
    return false;
}

/* True when every byte is printable ASCII other than a blank (an API key goes into a header). */
bool config_is_token(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

/* True when no byte is a control character (blanks and UTF-8 are fine). */
bool config_no_controls(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return false;
    return true;
}

static bool config_chars_in(const char *s, const char *extra)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
            return false;
    return true;
}

/* A site name as in a pair tag: 1..64 of [A-Za-z0-9._-]. */
bool config_site_name_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= TF_SITE_MAX_LEN && config_chars_in(s, "._-");
}

/* Checks an http(s) URL with a host; returns NULL or why not. */
static const char *config_url_problem(const char *v)
{
    const char *rest;
    if (strncasecmp(v, "https://", 8) == 0)
        rest = v + 8;
    else if (strncasecmp(v, "http://", 7) == 0)
        rest = v + 7;
    else
        return "must start with https:// or http://";
    if (!config_is_token(v))
        return "must not contain blanks";
    if (strpbrk(v, "@?#\\") != NULL)
        return "must not contain '@', '?', '#' or '\\'";

    size_t hostlen = strcspn(rest, "/");
    if (hostlen == 0)
        return "has no host";
    char host[300];
    if (hostlen >= sizeof(host))
        return "has a host name that is too long";
    memcpy(host, rest, hostlen);
    host[hostlen] = '\0';

    char *port = NULL;
    if (host[0] == '[') {
        char *close = strchr(host, ']');
        unsigned char a[16];
        if (close == NULL)
            return "has an unterminated IPv6 literal";
        *close = '\0';
        if (inet_pton(AF_INET6, host + 1, a) != 1)
            return "has a bad IPv6 literal";
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0')
            return "has text after the IPv6 literal";
    } else {
        port = strchr(host, ':');
        if (port != NULL)
            *port++ = '\0';
        if (host[0] == '\0')
            return "has no host";
        if (!config_chars_in(host, ".-_"))
            return "has a bad host name";
    }
    if (port != NULL) {
        long n;
        if (!config_parse_long(port, &n) || n < 1 || n > 65535)
            return "has a bad port";
    }
    return NULL;
}

/* Checks an absolute URL path for the webhook; returns NULL or why not. */
static const char *config_webhook_path_problem(const char *v)
{
    if (v[0] != '/')
        return "must start with '/'";
    if (!config_is_token(v))
        return "must not contain blanks or non-ASCII bytes";
    if (strpbrk(v, "?#") != NULL)
        return "must not contain '?' or '#'";
    return NULL;
}

static bool config_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* A hold tag must be a tag Meraki accepts and must not itself be a pair tag. */
static const char *config_tag_problem(const char *v)
{
    static const char *const pair_suffixes[] = {"_primary_up", "_primary_down", "_backup_up",
                                                "_backup_down"};
    if (v[0] == '\0')
        return "must not be empty";
    if (strlen(v) > TF_TAG_MAX_LEN)
        return "is too long";
    for (const char *s = v; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            return "must not contain blanks";
    for (size_t i = 0; i < sizeof(pair_suffixes) / sizeof(pair_suffixes[0]); i++)
        if (config_ends_with(v, pair_suffixes[i]))
            return "must not look like a pair tag (<site>_<primary|backup>_<up|down>)";
    return NULL;
}

/* ---- lists ------------------------------------------------------------------------------- */

/* Splits a comma list into trimmed items; reports an empty item or a repeated one. An empty
 * value is an empty list. On error `out` is untouched. */
static bool config_split(config_parser *p, int line, const char *key, const char *value,
                         config_strs *out)
{
    config_strs l = {0};
    bool ok = false;

    if (value[0] == '\0') {
        *out = l;
        return true;
    }
    size_t count = 1;
    for (const char *s = value; *s; s++)
        count += *s == ',';
    l.v = calloc(count, sizeof(*l.v));
    if (l.v == NULL) {
        p->nomem = true;
        goto out;
    }
    const char *s = value;
    for (size_t i = 0; i < count; i++) {
        size_t n = strcspn(s, ",");
        const char *a = s, *b = s + n;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (a == b) {
            config_error(p, line, "%s: empty item in the list (a stray comma?)", key);
            goto out;
        }
        l.v[i] = strndup(a, (size_t)(b - a));
        if (l.v[i] == NULL) {
            p->nomem = true;
            goto out;
        }
        l.n++;
        if (config_strs_contains(&(config_strs){l.v, i}, l.v[i])) {
            char q[CONFIG_QUOTE_MAX + 8];
            config_error(p, line, "%s: %s is listed twice", key, config_quote(l.v[i], q, sizeof q));
            goto out;
        }
        s += n + (s[n] == ',');
    }
    *out = l;
    l = (config_strs){0};
    ok = true;
out:
    config_strs_free(&l);
    return ok;
}

/* Reads one of the string-list keys; checks every item with `valid`. */
static bool config_set_strs(config_parser *p, int line, const char *key, const char *value,
                            config_strs *slot, bool (*valid)(const char *), const char *what,
                            bool allow_empty)
{
    config_strs l;
    char q[CONFIG_QUOTE_MAX + 8];

    if (!config_split(p, line, key, value, &l))
        return false;
    if (l.n == 0 && !allow_empty) {
        config_error(p, line, "%s: must list at least one %s", key, what);
        return false;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (!valid(l.v[i])) {
            config_error(p, line, "%s: %s is not a valid %s", key,
                         config_quote(l.v[i], q, sizeof q), what);
            config_strs_free(&l);
            return false;
        }
    }
    config_strs_free(slot);
    *slot = l;
    return true;
}

static bool config_alert_type_valid(const char *s)
{
    return strlen(s) <= TF_ID_MAX_LEN && config_chars_in(s, "_");
}

static bool config_set_cidrs(config_parser *p, int line, const char *key, const char *value,
                             config_cidr_list *slot)
{
    config_strs l;
    config_cidr_list out = {0};
    bool ok = false;

    if (!config_split(p, line, key, value, &l))
        return false;
    if (l.n > 0) {
        out.v = calloc(l.n, sizeof(*out.v));
        if (out.v == NULL) {
            p->nomem = true;
            goto out;
        }
    }
    for (size_t i = 0; i < l.n; i++) {
        const char *why = config_cidr_problem(l.v[i], &out.v[i]);
        if (why != NULL) {
            char q[CONFIG_QUOTE_MAX + 8];
            config_error(p, line, "%s: %s %s", key, config_quote(l.v[i], q, sizeof q), why);
            goto out;
        }
        out.n++;
    }
    config_cidrs_free(slot);
    *slot = out;
    out = (config_cidr_list){0};
    ok = true;
out:
    config_cidrs_free(&out);
    config_strs_free(&l);
    return ok;
}

static bool config_set_uplinks(config_parser *p, int line, const char *value)
{
    config *c = p->c;
    config_strs l;

    if (strcasecmp(value, "active") == 0) {
        config_strs_free(&c->uplinks);
        c->uplinks_active = true;
        return true;
    }
    if (!config_split(p, line, "uplinks", value, &l))
        return false;
    if (l.n == 0) {
        config_error(p, line, "uplinks: must be 'active' or a list of wan1, wan2, wan3, cellular");
        return false;
    }
    for (size_t i = 0; i < l.n; i++) {
        int u = config_choice(l.v[i], config_uplink_names);
        char q[CONFIG_QUOTE_MAX + 8];
        if (u < 0) {
            config_error(p, line, "uplinks: %s is not wan1, wan2, wan3 or cellular%s",
                         config_quote(l.v[i], q, sizeof q),
                         strcasecmp(l.v[i], "active") == 0 ? " ('active' stands alone)" : "");
            config_strs_free(&l);
            return false;
        }
        /* Stored as the API spells it, whatever the case written. */
        memcpy(l.v[i], config_uplink_names[u], strlen(config_uplink_names[u]) + 1);
    }
    config_strs_free(&c->uplinks);
    c->uplinks = l;
    c->uplinks_active = false;
    return true;
}

/* ---- keys -------------------------------------------------------------------------------- */

/* Replaces a string member; an empty value stores NULL when `empty_is_unset`. */
static bool config_set_string(config_parser *p, char **slot, const char *value, bool empty_is_unset)
{
    char *d = NULL;
    if (!(empty_is_unset && value[0] == '\0')) {
        d = config_strdup(p, value);
        if (d == NULL)
            return false;
    }
    free(*slot);
    *slot = d;
    return true;
}

/* Reads one value into its member; reports and returns false when refused. */
bool config_set(config_parser *p, config_key_id k, const char *value)
{
    const config_key *key = &config_keys[k];
    void *member = (char *)p->c + key->offset;
    int line = p->lineno;
    char q[CONFIG_QUOTE_MAX + 8];
    char names[64];
    const char *why;
    int choice;
    long n;
    double d;

    switch (key->kind) {
    case KIND_URL: {
        why = config_url_problem(value);
        if (why != NULL) {
            config_error(p, line, "%s: %s %s", key->name, config_quote(value, q, sizeof q), why);
            return false;
        }
        if (!config_set_string(p, member, value, false))
            return false;
        /* A trailing '/' would double the slash before every API path. */
        char *u = *(char **)member;
        size_t len = strlen(u);
        while (len > 0 && u[len - 1] == '/' && strstr(u, "://") + 3 < u + len - 1)
            u[--len] = '\0';
        return true;
    }
    case KIND_SECRET:
        /* The value is never quoted back: it is a secret. */
        if (k == K_API_KEY ? !config_is_token(value) : !config_no_controls(value)) {
            config_error(p, line, "%s: contains blanks or control characters", key->name);
            return false;
        }
        return config_set_string(p, member, value, true);
    case KIND_FILE:
        return config_set_string(p, member, value, true);
    case KIND_PATH:
        if (value[0] == '\0') {
            config_error(p, line, "%s: must not be empty", key->name);
            return false;
        }
        return config_set_string(p, member, value, false);
    case KIND_ORG_IDS:
        /* Organization IDs go into URL paths: id.h's rule. */
        return config_set_strs(p, line, key->name, value, member, id_valid, "organization ID",
                               true);
    case KIND_ALERT_TYPES:
        return config_set_strs(p, line, key->name, value, member, config_alert_type_valid,
                               "alert type", false);
    case KIND_UPLINKS:
        return config_set_uplinks(p, line, value);
    case KIND_CIDRS:
        return config_set_cidrs(p, line, key->name, value, member);
    case KIND_DOUBLE:
        if (!config_parse_double(value, &d) || d > key->max ||
            (key->min_exclusive ? d <= key->min : d < key->min)) {
            config_error(p, line, "%s: must be a number %s %g %s %g (got %s)", key->name,
                         key->min_exclusive ? "above" : "from", key->min,
                         key->min_exclusive ? "and at most" : "to", key->max,
                         config_quote(value, q, sizeof q));
            return false;
        }
        *(double *)member = d;
        return true;
    case KIND_INT:
    case KIND_LONG:
        if (!config_parse_long(value, &n) || n < (long)key->min || n > (long)key->max) {
            bool seconds = config_ends_with(key->name, "_s");
            config_error(p, line, "%s: must be a whole number%s from %ld to %ld (got %s)",
                         key->name, seconds ? " of seconds" : "", (long)key->min, (long)key->max,
                         config_quote(value, q, sizeof q));
            return false;
        }
        if (key->kind == KIND_INT)
            *(int *)member = (int)n;
        else
            *(long *)member = n;
        return true;
    case KIND_BOOL:
        if (!config_parse_bool(value, member)) {
            config_error(p, line, "%s: must be true or false (or yes/no, on/off, 1/0), got %s",
                         key->name, config_quote(value, q, sizeof q));
            return false;
        }
        return true;
    case KIND_MODE:
    case KIND_FAILBACK:
    case KIND_BULK:
    case KIND_LOG_FORMAT:
    case KIND_LOG_LEVEL: {
        const char *const *table = key->kind == KIND_MODE         ? config_mode_names
                                   : key->kind == KIND_FAILBACK   ? config_failback_names
                                   : key->kind == KIND_BULK       ? config_bulk_names
                                   : key->kind == KIND_LOG_FORMAT ? config_format_names
                                                                  : config_level_names;
        choice = config_choice(value, table);
        if (choice < 0) {
            config_error(p, line, "%s: must be %s (got %s)", key->name,
                         config_choices_text(table, names, sizeof names),
                         config_quote(value, q, sizeof q));
            return false;
        }
        if (key->kind == KIND_MODE)
            *(config_listener_mode *)member = (config_listener_mode)choice;
        else if (key->kind == KIND_FAILBACK || key->kind == KIND_BULK)
            *(bool *)member = choice == 0;
        else if (key->kind == KIND_LOG_FORMAT)
            *(config_log_format *)member = (config_log_format)choice;
        else
            *(config_log_level *)member = (config_log_level)choice;
        return true;
    }
    case KIND_ADDRESS: {
        char canon[INET6_ADDRSTRLEN];
        if (!config_address_canonical(value, canon, sizeof canon)) {
            config_error(p, line, "%s: must be an IPv4 or IPv6 address (got %s)", key->name,
                         config_quote(value, q, sizeof q));
            return false;
        }
        return config_set_string(p, member, canon, false);
    }
    case KIND_WEBHOOK_PATH:
        why = config_webhook_path_problem(value);
        if (why != NULL) {
            config_error(p, line, "%s: %s %s", key->name, config_quote(value, q, sizeof q), why);
            return false;
        }
        return config_set_string(p, member, value, false);
    case KIND_PUBLIC_URL:
        if (value[0] == '\0')
            return config_set_string(p, member, value, true);
        why = config_url_problem(value);
        if (why == NULL && strncmp(value, "https://", 8) != 0)
            why = "must be an https:// URL (Meraki delivers only over HTTPS)";
        if (why != NULL) {
            config_error(p, line, "%s: %s %s", key->name, config_quote(value, q, sizeof q), why);
            return false;
        }
        return config_set_string(p, member, value, false);
    case KIND_EVIDENCE: {
        /* What can confirm a failover: the series always, and the appliance's live ping. */
        char words[64];
        size_t w = 0;
        bool series = false, live = false, bad = false;
        for (const char *c = value;; c++) {
            if (*c == ',' || *c == '\0') {
                while (w > 0 && words[w - 1] == ' ')
                    w--;
                words[w] = '\0';
                if (strcmp(words, "series") == 0)
                    series = true;
                else if (strcmp(words, "live") == 0)
                    live = true;
                else
                    bad = true;
                w = 0;
                if (*c == '\0')
                    break;
                continue;
            }
            if (*c == ' ' && w == 0)
                continue;
            if (w + 1 >= sizeof words) {
                bad = true;
                break;
            }
            words[w++] = *c;
        }
        if (bad || !series) {
            config_error(p, line,
                         "%s: must be series or series, live (the series is required) "
                         "(got %s)",
                         key->name, config_quote(value, q, sizeof q));
            return false;
        }
        *(bool *)member = live;
        return true;
    }
    case KIND_SHARD: {
        shard_err se = shard_parse(value, member);
        if (se != SHARD_OK) {
            config_error(p, line,
                         "%s: must be i/N, this replica's number i (from 0) of N replicas, with "
                         "i below N and N from 1 to %d (got %s)",
                         key->name, SHARD_MAX_COUNT, config_quote(value, q, sizeof q));
            return false;
        }
        return true;
    }
    case KIND_COMMAND: {
        if (value[0] == '\0')
            return config_set_string(p, member, value, true);
        char **argv = NULL;
        size_t argc = 0;
        why = notify_msg_argv_split(value, &argv, &argc);
        notify_msg_argv_free(argv);
        if (why != NULL) {
            config_error(p, line, "%s: %s %s", key->name, config_quote(value, q, sizeof q), why);
            return false;
        }
        return config_set_string(p, member, value, false);
    }
    case KIND_NOTIFY_URL:
        if (value[0] == '\0')
            return config_set_string(p, member, value, true);
        why = notify_msg_url_problem(value);
        if (why != NULL) {
            /* The URL may hold a token: only its scheme and host are quoted back. */
            char shown[128];
            notify_msg_url_redact(value, shown, sizeof shown);
            config_error(p, line, "%s: '%s' %s", key->name, shown, why);
            return false;
        }
        return config_set_string(p, member, value, false);
    case KIND_TAG:
        why = config_tag_problem(value);
        if (why != NULL) {
            config_error(p, line, "%s: %s %s", key->name, config_quote(value, q, sizeof q), why);
            return false;
        }
        return config_set_string(p, member, value, false);
    }
    return false;
}
