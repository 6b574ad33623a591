/*
 * config.c - the INI configuration: parse, default, validate, dump. See config.h.
 *
 * Why a line reader around libinih: Debian's libinih (r55) is built without
 * INI_HANDLER_LINENO, keeps lines in a 200-byte buffer (a longer line is silently cut in two
 * and shifts every later line number), treats an indented line as the continuation of the
 * previous value, truncates section names at 50 characters (a [site NAME] header can be 70)
 * and only knows `;` as an inline comment. Its knobs are process-wide globals we must not
 * touch. So config_reader hands libinih one physical line at a time through
 * ini_parse_stream: it counts lines (every message carries the real line), strips leading
 * blanks and both comment styles, reads section headers itself, and for a line longer than
 * libinih's buffer passes only `key =` and keeps the value aside. libinih still splits and
 * trims every `key = value`.
 *
 * Comment rule: `;` or `#` starts a comment at the start of a line, or anywhere after a blank
 * (`key = a#b` keeps its `#`, `key = a #b` does not). Secrets that need ` ;` or ` #` go in
 * the secret files, which are read verbatim.
 *
 * Secrets: the environment wins over the file. Within the file, setting both `api_key` and
 * `api_key_file` (or `shared_secret` and `shared_secret_file`) is an error, not a precedence:
 * one of them is stale, and guessing which would hide it.
 *
 * Every problem is collected (the parse never stops at the first), then sorted by line, so
 * an operator fixes a file in one pass.
 */
#include "tagfailover/config.h"

#include "tagfailover/caps.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ini.h>

/* Errors past this many are counted, not kept: a binary file given by mistake must not make a
 * message per line. */
#define CONFIG_MAX_ERRORS 100

/* Longest value quoted back in a message. */
#define CONFIG_QUOTE_MAX 64

#define CONFIG_ENV_API_KEY       "MERAKI_DASHBOARD_API_KEY"
#define CONFIG_ENV_SHARED_SECRET "TAGFAILOVER_SHARED_SECRET"

typedef enum {
    SEC_NONE = 0, /* before the first section header */
    SEC_DASHBOARD,
    SEC_LISTENER,
    SEC_ADMIN,
    SEC_FAILOVER,
    SEC_LOG,
    SEC_SITE,
    SEC_IGNORED, /* an unknown or broken header, already reported: its keys are skipped */
    SEC_COUNT
} config_section;

static const char *const config_section_names[SEC_COUNT] = {
    [SEC_DASHBOARD] = "dashboard", [SEC_LISTENER] = "listener", [SEC_ADMIN] = "admin",
    [SEC_FAILOVER] = "failover",   [SEC_LOG] = "log",           [SEC_SITE] = "site",
};

/* How a key's value is read, checked, stored and dumped. */
typedef enum {
    KIND_URL,          /* char *: http(s)://host[:port][/path] */
    KIND_SECRET,       /* char *: empty = unset; never echoed */
    KIND_FILE,         /* char *: a path; empty = unset (NULL) */
    KIND_PATH,         /* char *: a path, required */
    KIND_ORG_IDS,      /* config_strs: may be empty */
    KIND_ALERT_TYPES,  /* config_strs: at least one */
    KIND_UPLINKS,      /* uplinks_active + uplinks */
    KIND_DOUBLE,       /* double in [min, max] (or (min, max] with min_exclusive) */
    KIND_INT,          /* int in [min, max] */
    KIND_LONG,         /* long in [min, max] */
    KIND_BOOL,         /* bool */
    KIND_MODE,         /* config_listener_mode */
    KIND_FAILBACK,     /* bool failback_auto: auto | manual */
    KIND_LOG_FORMAT,   /* config_log_format */
    KIND_LOG_LEVEL,    /* config_log_level */
    KIND_ADDRESS,      /* char *: an IPv4 or IPv6 address, stored canonical */
    KIND_WEBHOOK_PATH, /* char *: an absolute URL path */
    KIND_CIDRS,        /* config_cidr_list: may be empty */
    KIND_TAG,          /* char *: a Meraki tag that is not a pair tag */
} config_kind;

/* Every key of every fixed section, in DESIGN section 6 order (the dump follows it). */
typedef enum {
    K_BASE_URL,
    K_API_KEY,
    K_API_KEY_FILE,
    K_ORGANIZATION_IDS,
    K_REQUESTS_PER_SECOND,
    K_REQUESTS_BURST,
    K_DATA_LAG_S,
    K_TIMEOUT_S,
    K_MAX_RETRIES,
    K_CA_FILE,
    K_MODE,
    K_LISTENER_ADDRESS,
    K_LISTENER_PORT,
    K_CERT_FILE,
    K_KEY_FILE,
    K_WEBHOOK_PATH,
    K_SHARED_SECRET,
    K_SHARED_SECRET_FILE,
    K_TRUSTED_PROXIES,
    K_ALLOWED_SOURCES,
    K_MAX_BODY_BYTES,
    K_MAX_CONNECTIONS,
    K_CONNECTION_TIMEOUT_S,
    K_ADMIN_ADDRESS,
    K_ADMIN_PORT,
    K_LOSS_THRESHOLD_PCT,
    K_DETECT_WINDOW_S,
    K_FAILBACK_MAX_LOSS_PCT,
    K_CLEAN_WINDOW_S,
    K_RECONCILE_INTERVAL_S,
    K_CONFIRM_WINDOW_S,
    K_CONFIRM_INTERVAL_S,
    K_TRIGGER_ALERT_TYPES,
    K_UPLINKS,
    K_HOLD_TAG,
    K_REQUIRE_BACKUP_HEALTHY,
    K_FAILBACK,
    K_DRY_RUN,
    K_LOG_FORMAT,
    K_LOG_LEVEL,
    K_COUNT
} config_key_id;

typedef struct {
    config_section section;
    const char *name;
    config_kind kind;
    size_t offset;      /* of the member in `config` */
    double min, max;    /* numeric kinds: the accepted range */
    bool min_exclusive; /* the range is (min, max] */
} config_key;

#define KEY(sec, nm, kd, member)                                                                   \
    {                                                                                              \
        .section = (sec), .name = (nm), .kind = (kd), .offset = offsetof(config, member)           \
    }
#define NUM(sec, nm, kd, member, lo, hi)                                                           \
    {                                                                                              \
        .section = (sec), .name = (nm), .kind = (kd), .offset = offsetof(config, member),          \
        .min = (lo), .max = (hi)                                                                   \
    }

/* The ranges are what an operator would call sane; scripts/tagfailover.conf.example lists
 * them. Windows and intervals stop at a day, timeouts at ten minutes. */
static const config_key config_keys[K_COUNT] = {
    [K_BASE_URL] = KEY(SEC_DASHBOARD, "base_url", KIND_URL, base_url),
    [K_API_KEY] = KEY(SEC_DASHBOARD, "api_key", KIND_SECRET, api_key),
    [K_API_KEY_FILE] = KEY(SEC_DASHBOARD, "api_key_file", KIND_FILE, api_key_file),
    [K_ORGANIZATION_IDS] = KEY(SEC_DASHBOARD, "organization_ids", KIND_ORG_IDS, organization_ids),
    [K_REQUESTS_PER_SECOND] = {.section = SEC_DASHBOARD,
                               .name = "requests_per_second",
                               .kind = KIND_DOUBLE,
                               .offset = offsetof(config, requests_per_second),
                               .min = 0,
                               .max = 10,
                               .min_exclusive = true},
    [K_REQUESTS_BURST] = NUM(SEC_DASHBOARD, "requests_burst", KIND_INT, requests_burst, 1, 100),
    [K_DATA_LAG_S] = NUM(SEC_DASHBOARD, "data_lag_s", KIND_INT, data_lag_s, 0, 3600),
    [K_TIMEOUT_S] = NUM(SEC_DASHBOARD, "timeout_s", KIND_INT, timeout_s, 1, 600),
    [K_MAX_RETRIES] = NUM(SEC_DASHBOARD, "max_retries", KIND_INT, max_retries, 0, 20),
    [K_CA_FILE] = KEY(SEC_DASHBOARD, "ca_file", KIND_FILE, ca_file),

    [K_MODE] = KEY(SEC_LISTENER, "mode", KIND_MODE, listener_mode),
    [K_LISTENER_ADDRESS] = KEY(SEC_LISTENER, "address", KIND_ADDRESS, listener_address),
    [K_LISTENER_PORT] = NUM(SEC_LISTENER, "port", KIND_INT, listener_port, 1, 65535),
    [K_CERT_FILE] = KEY(SEC_LISTENER, "cert_file", KIND_PATH, cert_file),
    [K_KEY_FILE] = KEY(SEC_LISTENER, "key_file", KIND_PATH, key_file),
    [K_WEBHOOK_PATH] = KEY(SEC_LISTENER, "webhook_path", KIND_WEBHOOK_PATH, webhook_path),
    [K_SHARED_SECRET] = KEY(SEC_LISTENER, "shared_secret", KIND_SECRET, shared_secret),
    [K_SHARED_SECRET_FILE] = KEY(SEC_LISTENER, "shared_secret_file", KIND_FILE, shared_secret_file),
    [K_TRUSTED_PROXIES] = KEY(SEC_LISTENER, "trusted_proxies", KIND_CIDRS, trusted_proxies),
    [K_ALLOWED_SOURCES] = KEY(SEC_LISTENER, "allowed_sources", KIND_CIDRS, allowed_sources),
    [K_MAX_BODY_BYTES] = NUM(SEC_LISTENER, "max_body_bytes", KIND_LONG, max_body_bytes, 256,
                             TF_WEBHOOK_BODY_CEILING),
    [K_MAX_CONNECTIONS] = NUM(SEC_LISTENER, "max_connections", KIND_INT, max_connections, 1,
                              TF_MAX_CONNECTIONS_CEILING),
    [K_CONNECTION_TIMEOUT_S] =
        NUM(SEC_LISTENER, "connection_timeout_s", KIND_INT, connection_timeout_s, 1, 600),

    [K_ADMIN_ADDRESS] = KEY(SEC_ADMIN, "address", KIND_ADDRESS, admin_address),
    [K_ADMIN_PORT] = NUM(SEC_ADMIN, "port", KIND_INT, admin_port, 0, 65535),

    [K_LOSS_THRESHOLD_PCT] =
        NUM(SEC_FAILOVER, "loss_threshold_pct", KIND_DOUBLE, loss_threshold_pct, 0, 100),
    [K_DETECT_WINDOW_S] = NUM(SEC_FAILOVER, "detect_window_s", KIND_INT, detect_window_s, 1, 86400),
    [K_FAILBACK_MAX_LOSS_PCT] =
        NUM(SEC_FAILOVER, "failback_max_loss_pct", KIND_DOUBLE, failback_max_loss_pct, 0, 100),
    [K_CLEAN_WINDOW_S] = NUM(SEC_FAILOVER, "clean_window_s", KIND_INT, clean_window_s, 1, 86400),
    [K_RECONCILE_INTERVAL_S] =
        NUM(SEC_FAILOVER, "reconcile_interval_s", KIND_INT, reconcile_interval_s, 1, 86400),
    [K_CONFIRM_WINDOW_S] =
        NUM(SEC_FAILOVER, "confirm_window_s", KIND_INT, confirm_window_s, 1, 86400),
    [K_CONFIRM_INTERVAL_S] =
        NUM(SEC_FAILOVER, "confirm_interval_s", KIND_INT, confirm_interval_s, 1, 3600),
    [K_TRIGGER_ALERT_TYPES] =
        KEY(SEC_FAILOVER, "trigger_alert_types", KIND_ALERT_TYPES, trigger_alert_types),
    [K_UPLINKS] = KEY(SEC_FAILOVER, "uplinks", KIND_UPLINKS, uplinks),
    [K_HOLD_TAG] = KEY(SEC_FAILOVER, "hold_tag", KIND_TAG, hold_tag),
    [K_REQUIRE_BACKUP_HEALTHY] =
        KEY(SEC_FAILOVER, "require_backup_healthy", KIND_BOOL, require_backup_healthy),
    [K_FAILBACK] = KEY(SEC_FAILOVER, "failback", KIND_FAILBACK, failback_auto),
    [K_DRY_RUN] = KEY(SEC_FAILOVER, "dry_run", KIND_BOOL, dry_run),

    [K_LOG_FORMAT] = KEY(SEC_LOG, "format", KIND_LOG_FORMAT, log_format),
    [K_LOG_LEVEL] = KEY(SEC_LOG, "level", KIND_LOG_LEVEL, log_level),
};

static const char *const config_mode_names[] = {"tls", "plain", "off", NULL};
static const char *const config_format_names[] = {"json", "text", NULL};
static const char *const config_level_names[] = {"debug", "info", "warn", "error", NULL};
static const char *const config_failback_names[] = {"auto", "manual", NULL};
static const char *const config_uplink_names[] = {"wan1", "wan2", "wan3", "cellular", NULL};
static const char *const config_default_alert_types[] = {
    "failover_event", "vpn_connectivity_change", "cellular_down", NULL};

/* One collected message. */
typedef struct {
    int line;   /* 0 for a message about a missing key (sorted last) */
    size_t seq; /* arrival order, to keep the sort stable */
    char *text; /* the whole line, without newline */
} config_msg;

/* The state of one load. */
typedef struct {
    const char *name;           /* file name for messages */
    config_getenv_fn getenv_fn; /* may be NULL */
    config *c;                  /* being filled */
    const char *text;           /* the input, `len` bytes (NULs are reported) */
    size_t len;
    size_t pos;                        /* next unread byte */
    int lineno;                        /* line being handed to libinih */
    char line[TF_CONFIG_MAX_LINE + 1]; /* the current line, normalized in place */
    const char *long_value;            /* the value of a line too long for libinih's buffer */
    bool expect_key;                   /* the current line must reach the handler */
    bool key_seen;                     /* ...and it did */
    config_section section;            /* the section being read */
    int section_line[SEC_COUNT];       /* where each fixed section started (0: absent) */
    int site_line;                     /* where the current [site NAME] started */
    int *site_lines;                   /* header line of each site, parallel to c->sites */
    size_t sites_cap;
    int site_ip_line;      /* where the current site's tracked_ip was set */
    int key_line[K_COUNT]; /* where each key was set (0: defaulted) */
    bool key_bad[K_COUNT]; /* the key's value was refused */
    config_msg *msgs;
    size_t n_msgs, msgs_cap;
    size_t dropped; /* messages past CONFIG_MAX_ERRORS */
    bool nomem;
} config_parser;

const char *config_strerror(config_err e)
{
    switch (e) {
    case CONFIG_OK:
        return "success";
    case CONFIG_ERR_IO:
        return "cannot read the configuration file";
    case CONFIG_ERR_INVALID:
        return "invalid configuration";
    case CONFIG_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown configuration error";
}

const char *config_log_level_name(config_log_level l)
{
    if ((unsigned)l < sizeof(config_level_names) / sizeof(config_level_names[0]) - 1)
        return config_level_names[l];
    return "unknown";
}

/* ---- small helpers ---------------------------------------------------------------------- */

/* strerror_r into a caller's buffer (the XSI variant: we do not define _GNU_SOURCE). */
static const char *config_errno_text(int errnum, char *buf, size_t size)
{
    if (strerror_r(errnum, buf, size) != 0)
        snprintf(buf, size, "error %d", errnum);
    return buf;
}

static char *config_strdup(config_parser *p, const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        p->nomem = true;
    return d;
}

static void config_strs_free(config_strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void config_cidrs_free(config_cidr_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Quotes at most CONFIG_QUOTE_MAX bytes of a value for a message. */
static const char *config_quote(const char *v, char *buf, size_t size)
{
    size_t n = strlen(v);
    if (n <= CONFIG_QUOTE_MAX)
        snprintf(buf, size, "'%s'", v);
    else
        snprintf(buf, size, "'%.*s...'", CONFIG_QUOTE_MAX, v);
    return buf;
}

/* Adds one message, `file:line: PREFIXmessage`, or `file: PREFIXmessage` when `line` is 0. */
static void config_vadd(config_parser *p, int line, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void config_vadd(config_parser *p, int line, const char *prefix, const char *fmt, va_list ap)
{
    char body[1024];
    char where[32] = "";
    char *text = NULL;

    if (p->n_msgs >= CONFIG_MAX_ERRORS) {
        p->dropped++;
        return;
    }
    if (p->n_msgs == p->msgs_cap) {
        size_t cap = p->msgs_cap ? p->msgs_cap * 2 : 8;
        config_msg *m = realloc(p->msgs, cap * sizeof(*m));
        if (m == NULL) {
            p->nomem = true;
            return;
        }
        p->msgs = m;
        p->msgs_cap = cap;
    }
    vsnprintf(body, sizeof(body), fmt, ap);
    if (line > 0)
        snprintf(where, sizeof(where), ":%d", line);
    int n = snprintf(NULL, 0, "%s%s: %s%s", p->name, where, prefix, body);
    if (n < 0 || (text = malloc((size_t)n + 1)) == NULL) {
        p->nomem = true;
        return;
    }
    snprintf(text, (size_t)n + 1, "%s%s: %s%s", p->name, where, prefix, body);
    p->msgs[p->n_msgs] = (config_msg){.line = line, .seq = p->n_msgs, .text = text};
    p->n_msgs++;
}

/* Reports a problem on a line: `file:line: message`. */
static void config_error(config_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void config_error(config_parser *p, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    config_vadd(p, line, "", fmt, ap);
    va_end(ap);
}

/* Reports a problem about a key on its line when it was set (`file:line: key: message`),
 * else on its section's header line, else as `file: [section] key: message`. */
static void config_key_error(config_parser *p, config_key_id k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void config_key_error(config_parser *p, config_key_id k, const char *fmt, ...)
{
    const config_key *key = &config_keys[k];
    int line = p->key_line[k] ? p->key_line[k] : p->section_line[key->section];
    char prefix[128];
    va_list ap;

    if (line > 0)
        snprintf(prefix, sizeof(prefix), "%s: ", key->name);
    else
        snprintf(prefix, sizeof(prefix), "[%s] %s: ", config_section_names[key->section],
                 key->name);
    va_start(ap, fmt);
    config_vadd(p, line, prefix, fmt, ap);
    va_end(ap);
}

/* Reports a problem about a key as `file: [section] key: message`, whatever its line. */
static void config_keyless_error(config_parser *p, config_key_id k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void config_keyless_error(config_parser *p, config_key_id k, const char *fmt, ...)
{
    const config_key *key = &config_keys[k];
    char prefix[128];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "[%s] %s: ", config_section_names[key->section], key->name);
    va_start(ap, fmt);
    config_vadd(p, 0, prefix, fmt, ap);
    va_end(ap);
}

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
static bool config_is_token(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

/* True when no byte is a control character (blanks and UTF-8 are fine). */
static bool config_no_controls(const char *s)
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
static bool config_site_name_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= TF_SITE_MAX_LEN && config_chars_in(s, "._-");
}

/* Canonical text of an IPv4 or IPv6 address; false when `v` is neither. */
static bool config_address_canonical(const char *v, char *buf, size_t size)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, v, a) == 1)
        return inet_ntop(AF_INET, a, buf, (socklen_t)size) != NULL;
    if (inet_pton(AF_INET6, v, a) == 1)
        return inet_ntop(AF_INET6, a, buf, (socklen_t)size) != NULL;
    return false;
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

/* ---- CIDRs --------------------------------------------------------------------------------- */

/* Parses a CIDR; returns NULL or why not. */
static const char *config_cidr_problem(const char *s, config_cidr *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    config_cidr c = {0};
    size_t n = strlen(s);

    if (n == 0)
        return "is empty";
    if (n >= sizeof(buf))
        return "is too long";
    memcpy(buf, s, n + 1);

    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    if (inet_pton(AF_INET, buf, c.addr) == 1) {
        c.family = AF_INET;
        c.prefix = 32;
    } else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
        c.family = AF_INET6;
        c.prefix = 128;
    } else {
        return "is not an IPv4 or IPv6 address or CIDR";
    }
    if (slash != NULL) {
        const char *d = slash + 1;
        size_t digits = strspn(d, "0123456789");
        if (digits == 0 || digits > 3 || d[digits] != '\0')
            return "has a bad prefix length";
        unsigned long len = strtoul(d, NULL, 10);
        if (len > c.prefix)
            return c.family == AF_INET ? "has a prefix length over 32"
                                       : "has a prefix length over 128";
        c.prefix = (unsigned)len;
    }
    /* Host bits are refused rather than masked (see config.h). */
    unsigned bytes = c.family == AF_INET ? 4 : 16;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned bits = i * 8;
        unsigned keep = c.prefix >= bits + 8 ? 8 : (c.prefix > bits ? c.prefix - bits : 0);
        unsigned char mask = (unsigned char)(keep == 0 ? 0 : 0xffu << (8 - keep));
        if ((c.addr[i] & (unsigned char)~mask) != 0)
            return "has bits set after the prefix length (write the network address)";
    }
    *out = c;
    return NULL;
}

bool config_cidr_parse(const char *s, config_cidr *out)
{
    config_cidr c;
    if (s == NULL || out == NULL || config_cidr_problem(s, &c) != NULL)
        return false;
    *out = c;
    return true;
}

static bool config_prefix_match(const unsigned char *net, const unsigned char *addr,
                                unsigned prefix)
{
    unsigned full = prefix / 8, rest = prefix % 8;
    if (memcmp(net, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (net[full] & mask) == (addr[full] & mask);
}

static const unsigned char config_v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool config_cidr_contains(const config_cidr *c, int family, const unsigned char *addr)
{
    unsigned char mapped[16];

    if (c == NULL || addr == NULL)
        return false;
    if (c->family == AF_INET) {
        /* An IPv4-mapped IPv6 address is the IPv4 address as a dual-stack socket reports it. */
        if (family == AF_INET6 && memcmp(addr, config_v4_mapped_prefix, 12) == 0)
            return config_prefix_match(c->addr, addr + 12, c->prefix);
        return family == AF_INET && config_prefix_match(c->addr, addr, c->prefix);
    }
    if (c->family != AF_INET6)
        return false;
    if (family == AF_INET) {
        /* Seen from an IPv6 range, an IPv4 peer is its mapped address. */
        memcpy(mapped, config_v4_mapped_prefix, 12);
        memcpy(mapped + 12, addr, 4);
        return config_prefix_match(c->addr, mapped, c->prefix);
    }
    return family == AF_INET6 && config_prefix_match(c->addr, addr, c->prefix);
}

bool config_cidr_list_contains(const config_cidr_list *l, int family, const unsigned char *addr)
{
    if (l == NULL)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (config_cidr_contains(&l->v[i], family, addr))
            return true;
    return false;
}

bool config_strs_contains(const config_strs *l, const char *s)
{
    if (l == NULL || s == NULL)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

const char *config_site_tracked_ip(const config *c, const char *site)
{
    if (c == NULL || site == NULL)
        return NULL;
    for (size_t i = 0; i < c->n_sites; i++)
        if (strcmp(c->sites[i].name, site) == 0)
            return c->sites[i].tracked_ip;
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

/* Organization IDs go into URL paths: letters, digits, '_' and '-' only. */
static bool config_org_id_valid(const char *s)
{
    return strlen(s) <= TF_ID_MAX_LEN && config_chars_in(s, "_-");
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
static bool config_set(config_parser *p, config_key_id k, const char *value)
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
        return config_set_strs(p, line, key->name, value, member, config_org_id_valid,
                               "organization ID", true);
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
    case KIND_LOG_FORMAT:
    case KIND_LOG_LEVEL: {
        const char *const *table = key->kind == KIND_MODE         ? config_mode_names
                                   : key->kind == KIND_FAILBACK   ? config_failback_names
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
        else if (key->kind == KIND_FAILBACK)
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

/* The one key of a [site NAME] section. */
static void config_site_key(config_parser *p, const char *name, const char *value)
{
    config_site *site = &p->c->sites[p->c->n_sites - 1];
    char canon[INET6_ADDRSTRLEN];
    char q[CONFIG_QUOTE_MAX + 8];

    if (strcmp(name, "tracked_ip") != 0) {
        config_error(p, p->lineno, "unknown key '%.64s' in [site %s]", name, site->name);
        return;
    }
    if (p->site_ip_line != 0) {
        config_error(p, p->lineno, "duplicate key 'tracked_ip' in [site %s] (first set on line %d)",
                     site->name, p->site_ip_line);
        return;
    }
    p->site_ip_line = p->lineno;
    if (!config_address_canonical(value, canon, sizeof canon)) {
        config_error(p, p->lineno, "tracked_ip: must be an IPv4 or IPv6 address (got %s)",
                     config_quote(value, q, sizeof q));
        return;
    }
    site->tracked_ip = config_strdup(p, canon);
}

/* Called by libinih for every `key = value`. Always returns 1: problems are collected here,
 * not through libinih's single error line. */
static int config_handler(void *user, const char *section, const char *name, const char *value)
{
    config_parser *p = user;
    (void)section; /* the reader tracks sections; libinih's copy would be truncated */

    p->key_seen = true;
    if (p->long_value != NULL)
        value = p->long_value;
    if (value == NULL) {
        /* Only if something in the process turned on ini_allow_no_value. */
        config_error(p, p->lineno, "expected 'key = value' or '[section]'");
        return 1;
    }
    if (name[0] == '\0') {
        config_error(p, p->lineno, "missing key name before '='");
        return 1;
    }
    switch (p->section) {
    case SEC_NONE:
        config_error(p, p->lineno, "key '%.64s' outside any section", name);
        return 1;
    case SEC_IGNORED:
        return 1;
    case SEC_SITE:
        config_site_key(p, name, value);
        return 1;
    default:
        break;
    }
    for (int k = 0; k < K_COUNT; k++) {
        const config_key *key = &config_keys[k];
        if (key->section != p->section || strcmp(key->name, name) != 0)
            continue;
        if (p->key_line[k] != 0) {
            config_error(p, p->lineno, "duplicate key '%s' in [%s] (first set on line %d)", name,
                         config_section_names[p->section], p->key_line[k]);
            return 1;
        }
        p->key_line[k] = p->lineno;
        if (!config_set(p, (config_key_id)k, value))
            p->key_bad[k] = true;
        return 1;
    }
    config_error(p, p->lineno, "unknown key '%.64s' in [%s]", name,
                 config_section_names[p->section]);
    return 1;
}

/* ---- the line reader --------------------------------------------------------------------- */

/* Ends a [site NAME] section: it must have given a tracked_ip. */
static void config_end_section(config_parser *p)
{
    if (p->section == SEC_SITE && p->site_ip_line == 0) {
        config_site *site = &p->c->sites[p->c->n_sites - 1];
        config_error(p, p->site_line, "[site %s] has no tracked_ip", site->name);
    }
}

/* Starts a [site NAME] section. */
static void config_start_site(config_parser *p, const char *name)
{
    config *c = p->c;

    if (!config_site_name_valid(name)) {
        config_error(p, p->lineno,
                     "bad site name '%.64s' (1 to %d characters of A-Z a-z 0-9 . _ -)", name,
                     TF_SITE_MAX_LEN);
        return;
    }
    for (size_t i = 0; i < c->n_sites; i++) {
        if (strcmp(c->sites[i].name, name) == 0) {
            config_error(p, p->lineno, "duplicate section [site %s] (first on line %d)", name,
                         p->site_lines[i]);
            return;
        }
    }
    if (c->n_sites >= TF_CONFIG_MAX_SITES) {
        config_error(p, p->lineno, "too many [site] sections (at most %d)", TF_CONFIG_MAX_SITES);
        return;
    }
    if (c->n_sites == p->sites_cap) {
        size_t cap = p->sites_cap ? p->sites_cap * 2 : 8;
        config_site *s = realloc(c->sites, cap * sizeof(*s));
        if (s == NULL) {
            p->nomem = true;
            return;
        }
        c->sites = s;
        int *l = realloc(p->site_lines, cap * sizeof(*l));
        if (l == NULL) {
            p->nomem = true;
            return;
        }
        p->site_lines = l;
        p->sites_cap = cap;
    }
    char *d = config_strdup(p, name);
    if (d == NULL)
        return;
    c->sites[c->n_sites] = (config_site){.name = d, .tracked_ip = NULL};
    p->site_lines[c->n_sites] = p->lineno;
    c->n_sites++;
    p->section = SEC_SITE;
    p->site_line = p->lineno;
    p->site_ip_line = 0;
}

/* Reads a section header (already stripped of blanks and comments). */
static void config_section_header(config_parser *p, char *s)
{
    config_end_section(p);
    p->section = SEC_IGNORED;

    char *close = strchr(s, ']');
    if (close == NULL) {
        config_error(p, p->lineno, "missing ']' in section header");
        return;
    }
    if (close[1] != '\0') {
        config_error(p, p->lineno, "unexpected text after ']'");
        return;
    }
    *close = '\0';
    char *name = s + 1;
    while (isspace((unsigned char)*name))
        name++;
    for (char *e = close; e > name && isspace((unsigned char)e[-1]);)
        *--e = '\0';

    if (strncmp(name, "site", 4) == 0 && (name[4] == '\0' || isspace((unsigned char)name[4]))) {
        char *site = name + 4;
        while (isspace((unsigned char)*site))
            site++;
        if (*site == '\0') {
            config_error(p, p->lineno, "[site] needs a name: [site NAME]");
            return;
        }
        config_start_site(p, site);
        return;
    }
    for (int sec = SEC_DASHBOARD; sec < SEC_SITE; sec++) {
        if (strcmp(name, config_section_names[sec]) != 0)
            continue;
        if (p->section_line[sec] != 0) {
            config_error(p, p->lineno, "duplicate section [%s] (first on line %d)", name,
                         p->section_line[sec]);
            return;
        }
        p->section_line[sec] = p->lineno;
        p->section = (config_section)sec;
        return;
    }
    config_error(p, p->lineno, "unknown section [%.64s]", name);
}

/* Reports the previous line when it should have been `key = value` and was not. */
static void config_finish_line(config_parser *p)
{
    if (p->expect_key && !p->key_seen)
        config_error(p, p->lineno, "expected 'key = value' or '[section]'");
    p->expect_key = false;
    p->key_seen = false;
    p->long_value = NULL;
}

/* Strips leading and trailing blanks and a comment (see the top of this file). */
static char *config_normalize(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    if (*s == ';' || *s == '#') {
        *s = '\0';
        return s;
    }
    for (char *q = s; *q; q++) {
        if ((*q == ';' || *q == '#') && q > s && isspace((unsigned char)q[-1])) {
            *q = '\0';
            break;
        }
    }
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* libinih's fgets: hands over one physical line, normalized (see the top of this file). */
static char *config_reader(char *str, int num, void *stream)
{
    config_parser *p = stream;

    config_finish_line(p);
    if (p->pos >= p->len || num < 3)
        return NULL;

    const char *start = p->text + p->pos;
    const char *nl = memchr(start, '\n', p->len - p->pos);
    size_t n = nl != NULL ? (size_t)(nl - start) : p->len - p->pos;
    p->pos += n + (nl != NULL);
    p->lineno++;
    str[0] = '\n';
    str[1] = '\0';

    if (n > TF_CONFIG_MAX_LINE) {
        config_error(p, p->lineno, "line too long (over %d characters)", TF_CONFIG_MAX_LINE);
        return str;
    }
    memcpy(p->line, start, n);
    p->line[n] = '\0';
    if (n > 0 && p->line[n - 1] == '\r')
        p->line[--n] = '\0';
    char *s = p->line;
    if (p->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p->line[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            config_error(p, p->lineno, "control character (byte 0x%02x) in line", ch);
            return str;
        }
    }

    s = config_normalize(s);
    if (*s == '\0')
        return str;
    if (*s == '[') {
        /* Read here, not by libinih: it truncates section names at 50 characters. */
        config_section_header(p, s);
        return str;
    }

    p->expect_key = true;
    size_t len = strlen(s);
    if (len + 2 <= (size_t)num) {
        memcpy(str, s, len);
        str[len] = '\n';
        str[len + 1] = '\0';
        return str;
    }
    /* Too long for libinih's buffer: hand it only `key =` and keep the value aside. */
    size_t sep = strcspn(s, "=:");
    if (s[sep] == '\0')
        return str; /* no separator: reported as a syntax error by config_finish_line */
    if (sep + 3 > (size_t)num) {
        config_error(p, p->lineno, "key name too long");
        p->expect_key = false;
        return str;
    }
    memcpy(str, s, sep + 1);
    str[sep + 1] = '\n';
    str[sep + 2] = '\0';
    const char *v = s + sep + 1;
    while (isspace((unsigned char)*v))
        v++;
    p->long_value = v;
    return str;
}

/* ---- defaults, secrets, checks ------------------------------------------------------------ */

config_err config_defaults(config *c)
{
    if (c == NULL)
        return CONFIG_ERR_INVALID;
    memset(c, 0, sizeof(*c));
    c->base_url = strdup("https://api.meraki.com/api/v1");
    c->requests_per_second = 9;
    c->requests_burst = 5;
    c->data_lag_s = 120;
    c->timeout_s = 30;
    c->max_retries = 5;
    c->listener_mode = CONFIG_LISTENER_TLS;
    c->listener_address = strdup("0.0.0.0");
    c->listener_port = 8443;
    c->cert_file = strdup("certs/server.crt");
    c->key_file = strdup("certs/server.key");
    c->webhook_path = strdup("/webhook");
    c->max_body_bytes = 65536;
    c->max_connections = 256;
    c->connection_timeout_s = 10;
    c->admin_address = strdup("127.0.0.1");
    c->admin_port = 9901;
    c->loss_threshold_pct = 30;
    c->detect_window_s = 300;
    c->failback_max_loss_pct = 0;
    c->clean_window_s = 300;
    c->reconcile_interval_s = 30;
    c->confirm_window_s = 180;
    c->confirm_interval_s = 5;
    c->uplinks_active = true;
    c->hold_tag = strdup("tagfailover_hold");
    c->require_backup_healthy = true;
    c->failback_auto = true;
    c->dry_run = false;
    c->log_format = CONFIG_LOG_JSON;
    c->log_level = CONFIG_LOG_INFO;

    size_t n = sizeof(config_default_alert_types) / sizeof(config_default_alert_types[0]) - 1;
    c->trigger_alert_types.v = calloc(n, sizeof(char *));
    bool ok = c->trigger_alert_types.v != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        c->trigger_alert_types.v[i] = strdup(config_default_alert_types[i]);
        ok = c->trigger_alert_types.v[i] != NULL;
        c->trigger_alert_types.n += ok;
    }
    if (!ok || c->base_url == NULL || c->listener_address == NULL || c->cert_file == NULL ||
        c->key_file == NULL || c->webhook_path == NULL || c->admin_address == NULL ||
        c->hold_tag == NULL) {
        config_free(c);
        return CONFIG_ERR_NOMEM;
    }
    return CONFIG_OK;
}

void config_free(config *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free(c->base_url);
    if (c->api_key != NULL)
        explicit_bzero(c->api_key, strlen(c->api_key));
    free(c->api_key);
    free(c->api_key_file);
    config_strs_free(&c->organization_ids);
    free(c->ca_file);
    free(c->listener_address);
    free(c->cert_file);
    free(c->key_file);
    free(c->webhook_path);
    if (c->shared_secret != NULL)
        explicit_bzero(c->shared_secret, strlen(c->shared_secret));
    free(c->shared_secret);
    free(c->shared_secret_file);
    config_cidrs_free(&c->trusted_proxies);
    config_cidrs_free(&c->allowed_sources);
    free(c->admin_address);
    config_strs_free(&c->trigger_alert_types);
    config_strs_free(&c->uplinks);
    free(c->hold_tag);
    for (size_t i = 0; i < c->n_sites; i++) {
        free(c->sites[i].name);
        free(c->sites[i].tracked_ip);
    }
    free(c->sites);
    memset(c, 0, sizeof(*c));
}

/* Reads a secret file: trailing blanks and newlines stripped; empty is an error. */
static char *config_read_secret_file(config_parser *p, config_key_id k, const char *path)
{
    char *buf = NULL;
    char ebuf[128];
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        config_key_error(p, k, "cannot read '%s': %s", path,
                         config_errno_text(errno, ebuf, sizeof ebuf));
        goto out;
    }
    buf = malloc(TF_SECRET_MAX_BYTES + 2);
    if (buf == NULL) {
        p->nomem = true;
        goto out;
    }
    size_t n = fread(buf, 1, TF_SECRET_MAX_BYTES + 1, f);
    if (ferror(f)) {
        config_key_error(p, k, "cannot read '%s': %s", path,
                         config_errno_text(errno ? errno : EIO, ebuf, sizeof ebuf));
        goto fail;
    }
    if (n > TF_SECRET_MAX_BYTES) {
        config_key_error(p, k, "'%s' is larger than %d bytes", path, TF_SECRET_MAX_BYTES);
        goto fail;
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL) {
        config_key_error(p, k, "'%s' contains a NUL byte", path);
        goto fail;
    }
    while (n > 0 && isspace((unsigned char)buf[n - 1]))
        buf[--n] = '\0';
    if (n == 0) {
        config_key_error(p, k, "'%s' is empty", path);
        goto fail;
    }
    goto out;
fail:
    explicit_bzero(buf, TF_SECRET_MAX_BYTES + 2);
    free(buf);
    buf = NULL;
out:
    if (f != NULL)
        fclose(f);
    return buf;
}

/* Resolves one secret: the environment wins, else the value, else the file. Returns false when
 * it reported a problem (so "no secret" is not said on top of it). */
static bool config_resolve_secret(config_parser *p, const char *env_name, config_key_id k_value,
                                  config_key_id k_file)
{
    config *c = p->c;
    bool api = k_value == K_API_KEY;
    char **secret = api ? &c->api_key : &c->shared_secret;
    const char *file = api ? c->api_key_file : c->shared_secret_file;
    config_secret_source *source = api ? &c->api_key_source : &c->shared_secret_source;
    const char *env = p->getenv_fn != NULL ? p->getenv_fn(env_name) : NULL;

    bool ok = true;

    if (*secret != NULL && file != NULL) {
        ok = false;
        int a = p->key_line[k_value], b = p->key_line[k_file];
        config_error(p, a > b ? a : b, "%s and %s are both set (lines %d and %d): keep one",
                     config_keys[k_value].name, config_keys[k_file].name, a < b ? a : b,
                     a > b ? a : b);
    }
    if (env != NULL && env[0] != '\0') {
        if (api ? !config_is_token(env) : !config_no_controls(env)) {
            config_keyless_error(p, k_value, "%s contains blanks or control characters", env_name);
            return false;
        }
        char *d = config_strdup(p, env);
        if (d == NULL)
            return false;
        if (*secret != NULL)
            explicit_bzero(*secret, strlen(*secret));
        free(*secret);
        *secret = d;
        *source = CONFIG_SECRET_ENV;
        return ok;
    }
    if (*secret != NULL) {
        *source = CONFIG_SECRET_VALUE;
        return ok;
    }
    if (file == NULL)
        return ok;
    char *d = config_read_secret_file(p, k_file, file);
    if (d == NULL)
        return false;
    if (api ? !config_is_token(d) : !config_no_controls(d)) {
        config_key_error(p, k_file, "'%s' contains blanks or control characters inside", file);
        explicit_bzero(d, strlen(d));
        free(d);
        return false;
    }
    *secret = d;
    *source = CONFIG_SECRET_FILE;
    return true;
}

/* Checks that a file the daemon will open is readable now. */
static void config_check_readable(config_parser *p, config_key_id k, const char *path,
                                  const char *why)
{
    char ebuf[128];
    if (path != NULL && access(path, R_OK) != 0)
        config_key_error(p, k, "cannot read '%s': %s (%s)", path,
                         config_errno_text(errno, ebuf, sizeof ebuf), why);
}

/* True when the two listen addresses can collide on one port. */
static bool config_addresses_overlap(const char *a, const char *b)
{
    return strcmp(a, b) == 0 || strcmp(a, "0.0.0.0") == 0 || strcmp(b, "0.0.0.0") == 0 ||
           strcmp(a, "::") == 0 || strcmp(b, "::") == 0;
}

/* The checks that need the whole file: secrets, readable files, keys that depend on others. */
static void config_check(config_parser *p)
{
    config *c = p->c;
    bool listener_on = c->listener_mode != CONFIG_LISTENER_OFF;

    bool key_ok = config_resolve_secret(p, CONFIG_ENV_API_KEY, K_API_KEY, K_API_KEY_FILE);
    if (key_ok && c->api_key == NULL && !p->key_bad[K_API_KEY])
        config_keyless_error(p, K_API_KEY,
                             "no API key (set api_key_file, api_key or " CONFIG_ENV_API_KEY ")");
    bool secret_ok =
        config_resolve_secret(p, CONFIG_ENV_SHARED_SECRET, K_SHARED_SECRET, K_SHARED_SECRET_FILE);
    if (secret_ok && listener_on && !p->key_bad[K_MODE] && c->shared_secret == NULL &&
        !p->key_bad[K_SHARED_SECRET])
        config_keyless_error(p, K_SHARED_SECRET,
                             "no shared secret while the listener is on (set shared_secret_file, "
                             "shared_secret or " CONFIG_ENV_SHARED_SECRET ", or mode = off)");

    if (c->listener_mode == CONFIG_LISTENER_TLS && !p->key_bad[K_MODE]) {
        if (!p->key_bad[K_CERT_FILE])
            config_check_readable(p, K_CERT_FILE, c->cert_file, "mode = tls needs it");
        if (!p->key_bad[K_KEY_FILE])
            config_check_readable(p, K_KEY_FILE, c->key_file, "mode = tls needs it");
    }
    config_check_readable(p, K_CA_FILE, c->ca_file, "ca_file is set");

    if (!p->key_bad[K_LOSS_THRESHOLD_PCT] && !p->key_bad[K_FAILBACK_MAX_LOSS_PCT] &&
        c->failback_max_loss_pct >= c->loss_threshold_pct) {
        if (p->key_line[K_FAILBACK_MAX_LOSS_PCT] != 0)
            config_key_error(p, K_FAILBACK_MAX_LOSS_PCT, "must be below loss_threshold_pct (%g)",
                             c->loss_threshold_pct);
        else
            config_key_error(p, K_LOSS_THRESHOLD_PCT, "must be above failback_max_loss_pct (%g)",
                             c->failback_max_loss_pct);
    }
    if (!p->key_bad[K_CONFIRM_INTERVAL_S] && !p->key_bad[K_CONFIRM_WINDOW_S] &&
        c->confirm_interval_s > c->confirm_window_s) {
        if (p->key_line[K_CONFIRM_INTERVAL_S] != 0)
            config_key_error(p, K_CONFIRM_INTERVAL_S, "must not exceed confirm_window_s (%d)",
                             c->confirm_window_s);
        else
            config_key_error(p, K_CONFIRM_WINDOW_S, "must not be below confirm_interval_s (%d)",
                             c->confirm_interval_s);
    }
    if (listener_on && c->admin_port != 0 && c->admin_port == c->listener_port &&
        !p->key_bad[K_ADMIN_PORT] && !p->key_bad[K_LISTENER_PORT] &&
        config_addresses_overlap(c->admin_address, c->listener_address)) {
        config_key_id k = p->key_line[K_ADMIN_PORT] ? K_ADMIN_PORT : K_LISTENER_PORT;
        config_key_error(p, k, "the admin listener and the webhook listener both use port %d",
                         c->admin_port);
    }
}

/* ---- loading ------------------------------------------------------------------------------ */

static int config_msg_cmp(const void *a, const void *b)
{
    const config_msg *x = a, *y = b;
    /* Messages with a line first, in file order; those without after, as found. */
    unsigned lx = x->line > 0 ? (unsigned)x->line : UINT32_MAX;
    unsigned ly = y->line > 0 ? (unsigned)y->line : UINT32_MAX;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the sorted messages into the caller's buffer, whole lines only. */
static void config_write_messages(config_parser *p, char *err, size_t errlen)
{
    size_t used = 0, shown = 0;

    if (err == NULL || errlen == 0)
        return;
    err[0] = '\0';
    qsort(p->msgs, p->n_msgs, sizeof(*p->msgs), config_msg_cmp);
    /* Room for the last line, "... and N more errors", whenever more are to come. */
    size_t reserve = strlen(p->name) + 48;
    for (; shown < p->n_msgs; shown++) {
        size_t n = strlen(p->msgs[shown].text);
        bool last = shown + 1 == p->n_msgs && p->dropped == 0;
        if (used + n + 2 + (last ? 0 : reserve) > errlen)
            break;
        memcpy(err + used, p->msgs[shown].text, n);
        err[used + n] = '\n';
        used += n + 1;
        err[used] = '\0';
    }
    size_t more = p->n_msgs - shown + p->dropped;
    if (more > 0)
        snprintf(err + used, errlen - used, "%s: ... and %zu more error%s\n", p->name, more,
                 more == 1 ? "" : "s");
}

/* Loads `len` bytes of INI text. */
static config_err config_load_text(const char *text, size_t len, const char *name,
                                   config_getenv_fn getenv_fn, config *out, char *err,
                                   size_t errlen)
{
    config_err rc = CONFIG_ERR_NOMEM;
    config c;
    config_parser *p = NULL;

    memset(out, 0, sizeof(*out));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (config_defaults(&c) != CONFIG_OK)
        goto nomem;
    /* The parser holds a line buffer of TF_CONFIG_MAX_LINE: on the heap, not the stack. */
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        goto nomem;
    p->name = name;
    p->getenv_fn = getenv_fn;
    p->c = &c;
    p->text = text;
    p->len = len;
    c.path = strdup(name);
    if (c.path == NULL)
        goto nomem;

    int ini = ini_parse_stream(config_reader, p, config_handler, p);
    config_finish_line(p);
    config_end_section(p);
    if (ini == -2)
        p->nomem = true;
    if (p->nomem)
        goto nomem;
    /* libinih and the reader should agree; if it saw a problem the reader did not, say so. */
    if (ini > 0) {
        bool known = false;
        for (size_t i = 0; i < p->n_msgs && !known; i++)
            known = p->msgs[i].line == ini;
        if (!known)
            config_error(p, ini, "syntax error");
    }
    config_check(p);
    if (p->nomem)
        goto nomem;
    if (p->n_msgs > 0 || p->dropped > 0) {
        config_write_messages(p, err, errlen);
        rc = CONFIG_ERR_INVALID;
        goto out;
    }
    *out = c;
    memset(&c, 0, sizeof(c));
    rc = CONFIG_OK;
    goto out;
nomem:
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: out of memory\n", name);
    rc = CONFIG_ERR_NOMEM;
out:
    if (p != NULL) {
        for (size_t i = 0; i < p->n_msgs; i++)
            free(p->msgs[i].text);
        free(p->msgs);
        free(p->site_lines);
        explicit_bzero(p->line, sizeof(p->line));
        free(p);
    }
    config_free(&c);
    return rc;
}

config_err config_load_string(const char *text, const char *name, config_getenv_fn getenv_fn,
                              config *out, char *err, size_t errlen)
{
    if (out == NULL)
        return CONFIG_ERR_INVALID;
    if (text == NULL || name == NULL) {
        memset(out, 0, sizeof(*out));
        return CONFIG_ERR_INVALID;
    }
    return config_load_text(text, strlen(text), name, getenv_fn, out, err, errlen);
}

config_err config_load(const char *path, config_getenv_fn getenv_fn, config *out, char *err,
                       size_t errlen)
{
    config_err rc = CONFIG_ERR_IO;
    char ebuf[128];
    char *text = NULL;
    FILE *f = NULL;

    if (out == NULL)
        return CONFIG_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (path == NULL)
        return CONFIG_ERR_INVALID;
    f = fopen(path, "r");
    if (f == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s\n", path,
                     config_errno_text(errno, ebuf, sizeof ebuf));
        goto out;
    }
    text = malloc(TF_CONFIG_MAX_BYTES + 1);
    if (text == NULL) {
        rc = CONFIG_ERR_NOMEM;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: out of memory\n", path);
        goto out;
    }
    size_t n = fread(text, 1, TF_CONFIG_MAX_BYTES + 1, f);
    if (ferror(f)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: cannot read: %s\n", path,
                     config_errno_text(errno ? errno : EIO, ebuf, sizeof ebuf));
        goto out;
    }
    if (n > TF_CONFIG_MAX_BYTES) {
        rc = CONFIG_ERR_INVALID;
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s: larger than %d bytes\n", path, TF_CONFIG_MAX_BYTES);
        goto out;
    }
    text[n] = '\0';
    rc = config_load_text(text, n, path, getenv_fn, out, err, errlen);
out:
    if (text != NULL)
        explicit_bzero(text, TF_CONFIG_MAX_BYTES + 1);
    free(text);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* ---- dump ---------------------------------------------------------------------------------- */

/* The shortest text of `d` that reads back as the same double: fixed notation ("30", "12.5")
 * for the values a configuration holds, exponent notation only for the absurdly small. */
static void config_format_double(double d, char *buf, size_t size)
{
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(buf, size, "%.*f", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
    snprintf(buf, size, "%.17g", d);
}

static void config_dump_cidrs(FILE *f, const config_cidr_list *l)
{
    char a[INET6_ADDRSTRLEN];
    for (size_t i = 0; i < l->n; i++) {
        const config_cidr *c = &l->v[i];
        if (inet_ntop(c->family, c->addr, a, sizeof a) == NULL)
            snprintf(a, sizeof a, "?");
        fprintf(f, "%s%s/%u", i ? ", " : "", a, c->prefix);
    }
}

static void config_dump_strs(FILE *f, const config_strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        fprintf(f, "%s%s", i ? ", " : "", l->v[i]);
}

/* A secret's line: live only when it came from the file's own value (so the dump loads
 * again); otherwise a comment saying where it came from. */
static void config_dump_secret(FILE *f, const char *name, config_secret_source source,
                               const char *env_name, const char *file_key)
{
    switch (source) {
    case CONFIG_SECRET_VALUE:
        fprintf(f, "%s = <redacted>\n", name);
        break;
    case CONFIG_SECRET_ENV:
        fprintf(f, "; %s = <redacted> (from %s)\n", name, env_name);
        break;
    case CONFIG_SECRET_FILE:
        fprintf(f, "; %s = <redacted> (read from %s)\n", name, file_key);
        break;
    case CONFIG_SECRET_UNSET:
        fprintf(f, "; %s = <unset>\n", name);
        break;
    }
}

char *config_dump(const config *c)
{
    char *buf = NULL;
    size_t size = 0;
    char num[64];
    FILE *f;

    if (c == NULL)
        return NULL;
    f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    fprintf(f, "; effective configuration%s%s; secrets redacted\n", c->path ? " of " : "",
            c->path ? c->path : "");
    config_section section = SEC_NONE;
    for (int k = 0; k < K_COUNT; k++) {
        const config_key *key = &config_keys[k];
        const void *m = (const char *)c + key->offset;
        if (key->section != section) {
            section = key->section;
            fprintf(f, "%s[%s]\n", k ? "\n" : "", config_section_names[section]);
        }
        if (k == K_API_KEY) {
            config_dump_secret(f, "api_key", c->api_key_source, CONFIG_ENV_API_KEY, "api_key_file");
            continue;
        }
        if (k == K_SHARED_SECRET) {
            config_dump_secret(f, "shared_secret", c->shared_secret_source,
                               CONFIG_ENV_SHARED_SECRET, "shared_secret_file");
            continue;
        }
        fprintf(f, "%s =", key->name);
        switch (key->kind) {
        case KIND_URL:
        case KIND_FILE:
        case KIND_PATH:
        case KIND_ADDRESS:
        case KIND_WEBHOOK_PATH:
        case KIND_TAG:
        case KIND_SECRET:
            if (*(char *const *)m != NULL)
                fprintf(f, " %s", *(char *const *)m);
            break;
        case KIND_ORG_IDS:
        case KIND_ALERT_TYPES:
            if (((const config_strs *)m)->n > 0)
                fputc(' ', f);
            config_dump_strs(f, m);
            break;
        case KIND_UPLINKS:
            fputc(' ', f);
            if (c->uplinks_active)
                fputs("active", f);
            else
                config_dump_strs(f, &c->uplinks);
            break;
        case KIND_CIDRS:
            if (((const config_cidr_list *)m)->n > 0)
                fputc(' ', f);
            config_dump_cidrs(f, m);
            break;
        case KIND_DOUBLE:
            config_format_double(*(const double *)m, num, sizeof num);
            fprintf(f, " %s", num);
            break;
        case KIND_INT:
            fprintf(f, " %d", *(const int *)m);
            break;
        case KIND_LONG:
            fprintf(f, " %ld", *(const long *)m);
            break;
        case KIND_BOOL:
            fprintf(f, " %s", *(const bool *)m ? "true" : "false");
            break;
        case KIND_FAILBACK:
            fprintf(f, " %s", c->failback_auto ? "auto" : "manual");
            break;
        case KIND_MODE:
            fprintf(f, " %s", config_mode_names[c->listener_mode]);
            break;
        case KIND_LOG_FORMAT:
            fprintf(f, " %s", config_format_names[c->log_format]);
            break;
        case KIND_LOG_LEVEL:
            fprintf(f, " %s", config_log_level_name(c->log_level));
            break;
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < c->n_sites; i++)
        fprintf(f, "\n[site %s]\ntracked_ip = %s\n", c->sites[i].name,
                c->sites[i].tracked_ip ? c->sites[i].tracked_ip : "");
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
