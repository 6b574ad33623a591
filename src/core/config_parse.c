/*
 * config_parse.c - INI text to a config: the line reader around libinih, sections and keys,
 * the message collection, and config_parse. See config.h.
 *
 * Why a line reader around libinih: Debian's libinih (r55) is built without
 * INI_HANDLER_LINENO, keeps lines in a 200-byte buffer (a longer line is silently cut in two
 * and shifts every later line number), treats an indented line as the continuation of the
 * previous value, truncates section names at 50 characters (a [site NAME] header can be 70)
 * and only knows `;` as an inline comment. Its knobs are process-wide globals we must not
 * touch. So config_next_line hands libinih one physical line at a time through
 * ini_parse_stream: it counts lines (every message carries the real line), strips leading
 * blanks and both comment styles, reads section headers itself, and for a line longer than
 * libinih's buffer passes only `key =` and keeps the value aside. libinih still splits and
 * trims every `key = value`.
 *
 * Comment rule: `;` or `#` starts a comment at the start of a line, or anywhere after a blank
 * (`key = a#b` keeps its `#`, `key = a #b` does not). Secrets that need ` ;` or ` #` go in
 * the secret files, which are read verbatim.
 *
 * Every problem is collected (the parse never stops at the first), then sorted by line, so
 * an operator fixes a file in one pass.
 */
#include "tagfailover/config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <ini.h>

#include "tagfailover/suggest.h"

#include "config_internal.h"

/* Errors past this many are counted, not kept: a binary file given by mistake must not make a
 * message per line. */
#define CONFIG_MAX_ERRORS 100

/* ---- messages ---------------------------------------------------------------------------- */

/* strerror_r into a caller's buffer (the XSI variant: we do not define _GNU_SOURCE). */
const char *config_errno_text(int errnum, char *buf, size_t size)
{
    if (errnum == CONFIG_FILE_NOT_REGULAR) {
        snprintf(buf, size, "not a regular file (a FIFO, socket or device)");
        return buf;
    }
    if (strerror_r(errnum, buf, size) != 0)
        snprintf(buf, size, "error %d", errnum);
    return buf;
}

char *config_strdup(config_parser *p, const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        p->nomem = true;
    return d;
}

/* Quotes at most CONFIG_QUOTE_MAX bytes of a value for a message. */
const char *config_quote(const char *v, char *buf, size_t size)
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

void config_error(config_parser *p, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    config_vadd(p, line, "", fmt, ap);
    va_end(ap);
}

void config_key_error(config_parser *p, config_key_id k, const char *fmt, ...)
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

void config_keyless_error(config_parser *p, config_key_id k, const char *fmt, ...)
{
    const config_key *key = &config_keys[k];
    char prefix[128];
    va_list ap;

    snprintf(prefix, sizeof(prefix), "[%s] %s: ", config_section_names[key->section], key->name);
    va_start(ap, fmt);
    config_vadd(p, 0, prefix, fmt, ap);
    va_end(ap);
}

/* ---- sections and keys ------------------------------------------------------------------ */

/* The one key of a [site NAME] section. */
static void config_site_key(config_parser *p, const char *name, const char *value)
{
    config_site *site = &p->c->sites[p->c->n_sites - 1];
    char canon[INET6_ADDRSTRLEN];
    char q[CONFIG_QUOTE_MAX + 8];

    if (strcmp(name, "tracked_ip") != 0) {
        static const char *const site_keys[] = {"tracked_ip"};
        const char *near = suggest_nearest(name, site_keys, 1);
        config_error(p, p->lineno, "unknown key '%.64s' in [site %s]%s%s%s", name, site->name,
                     near ? ": did you mean " : "", near ? near : "", near ? "?" : "");
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

/* Reports a key the current fixed section does not have, with the likeliest one meant: the
 * same key in the section it belongs to, else the nearest of this section's keys. */
static void config_unknown_key(config_parser *p, const char *name)
{
    const char *sec = config_section_names[p->section];
    config_section home = config_key_home(p->section, name);
    if (home != SEC_NONE) {
        config_error(p, p->lineno, "unknown key '%s' in [%s]: it belongs in [%s]", name, sec,
                     config_section_names[home]);
        return;
    }
    const char *near = config_key_suggest(p->section, name);
    if (near != NULL)
        config_error(p, p->lineno, "unknown key '%.64s' in [%s]: did you mean %s?", name, sec,
                     near);
    else
        config_error(p, p->lineno, "unknown key '%.64s' in [%s]", name, sec);
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
    config_unknown_key(p, name);
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
    const char *near = config_section_suggest(name);
    if (near == NULL)
        config_error(p, p->lineno, "unknown section [%.64s]", name);
    else
        config_error(p, p->lineno, "unknown section [%.64s]: did you mean [%s%s]?", name, near,
                     strcmp(near, "site") == 0 ? " NAME" : "");
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
static char *config_next_line(char *str, int num, void *stream)
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

/* ---- parsing ------------------------------------------------------------------------------ */

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

config_err config_parse(const char *text, size_t len, const char *name, config_getenv_fn getenv_fn,
                        const config_reader *files, config *out, char *err, size_t errlen)
{
    static const config_memfile no_files[] = {{.path = NULL}};
    config_reader none = config_memory_reader(no_files);
    config_err rc = CONFIG_ERR_NOMEM;
    config c;
    config_parser *p = NULL;

    if (out == NULL)
        return CONFIG_ERR_INVALID;
    memset(out, 0, sizeof(*out));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (text == NULL || name == NULL)
        return CONFIG_ERR_INVALID;
    if (config_defaults(&c) != CONFIG_OK)
        goto nomem;
    /* The parser holds a line buffer of TF_CONFIG_MAX_LINE: on the heap, not the stack. */
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        goto nomem;
    p->name = name;
    p->getenv_fn = getenv_fn;
    p->files = files != NULL ? files : &none;
    p->c = &c;
    p->text = text;
    p->len = len;
    c.path = strdup(name);
    if (c.path == NULL)
        goto nomem;

    int ini = ini_parse_stream(config_next_line, p, config_handler, p);
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
