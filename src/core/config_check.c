/*
 * config_check.c - the checks that need the whole file: each secret resolved (environment,
 * value or file), the files the daemon will open, and keys that depend on each other. Files
 * are reached only through the caller's config_reader; config_memory_reader is one over files
 * in memory.
 *
 * Secrets: the environment wins over the file. Within the file, setting both `api_key` and
 * `api_key_file` (or `shared_secret` and `shared_secret_file`) is an error, not a precedence:
 * one of them is stale, and guessing which would hide it.
 */
#include "tagfailover/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* Reads a secret file: trailing blanks and newlines stripped; empty is an error. */
static char *config_read_secret_file(config_parser *p, config_key_id k, const char *path)
{
    char ebuf[128];
    size_t n = 0;
    char *buf = malloc(TF_SECRET_MAX_BYTES + 2);

    if (buf == NULL) {
        p->nomem = true;
        return NULL;
    }
    /* One byte over the cap, to tell a file at the cap from a longer one. */
    int e = p->files->read_file(p->files->ctx, path, buf, TF_SECRET_MAX_BYTES + 1, &n);
    if (e != 0) {
        config_key_error(p, k, "cannot read '%s': %s", path,
                         config_errno_text(e, ebuf, sizeof ebuf));
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
    return buf;
fail:
    explicit_bzero(buf, TF_SECRET_MAX_BYTES + 2);
    free(buf);
    return NULL;
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
    if (path == NULL)
        return;
    int e = p->files->check_file(p->files->ctx, path);
    if (e != 0)
        config_key_error(p, k, "cannot read '%s': %s (%s)", path,
                         config_errno_text(e, ebuf, sizeof ebuf), why);
}

/* ---- warnings: what loads but should not stay so ----------------------------------------- */

/* The warnings of one parse, gathered to be sorted by line: there are at most six. */
#define CONFIG_MAX_WARNINGS 8
typedef struct {
    config_parser *p;
    config_msg v[CONFIG_MAX_WARNINGS];
    size_t n;
} config_warns;

/* Adds a warning about key `k`: `file:line: warning: key: ...` on the key's line (else its
 * section's), or `file: warning: [section] key: ...`. */
static void config_key_warning(config_warns *w, config_key_id k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void config_key_warning(config_warns *w, config_key_id k, const char *fmt, ...)
{
    config_parser *p = w->p;
    const config_key *key = &config_keys[k];
    int line = p->key_line[k] ? p->key_line[k] : p->section_line[key->section];
    char body[768], text[1024];
    va_list ap;

    if (w->n >= CONFIG_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(text, sizeof text, "%s:%d: warning: %s: %s", p->name, line, key->name, body);
    else
        snprintf(text, sizeof text, "%s: warning: [%s] %s: %s", p->name,
                 config_section_names[key->section], key->name, body);
    char *d = config_strdup(p, text);
    if (d != NULL) {
        w->v[w->n] = (config_msg){.line = line, .seq = w->n, .text = d};
        w->n++;
    }
}

/* Lines first, in file order; line-less ones last, as found. */
static int config_warn_cmp(const void *a, const void *b)
{
    const config_msg *x = a, *y = b;
    unsigned lx = x->line > 0 ? (unsigned)x->line : UINT32_MAX;
    unsigned ly = y->line > 0 ? (unsigned)y->line : UINT32_MAX;
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Moves the gathered warnings, sorted, into the configuration's list. */
static void config_warns_keep(config_warns *w)
{
    config_strs *out = &w->p->c->warnings;

    qsort(w->v, w->n, sizeof(w->v[0]), config_warn_cmp);
    if (w->n > 0 && (out->v = calloc(w->n, sizeof(*out->v))) == NULL)
        w->p->nomem = true;
    for (size_t i = 0; i < w->n; i++) {
        if (out->v != NULL)
            out->v[out->n++] = w->v[i].text;
        else
            free(w->v[i].text);
    }
    w->n = 0;
}

/* Who besides the owner may read a file, in words; NULL when nobody may (or it is not known).
 * The group may when it is this process's own: a service reads its secrets through it. */
static const char *config_readers(const config_file_info *fi)
{
    bool others = (fi->mode & 0004) != 0;
    bool group = (fi->mode & 0040) != 0 && !fi->group_is_own;
    return others ? "others" : group ? "its group" : NULL;
}

/* Warns when a secret file (`path`, named by key `k`) can be read by others. */
static void config_warn_secret_file(config_warns *w, config_key_id k, const char *path)
{
    config_parser *p = w->p;
    config_file_info fi = {0};

    if (path == NULL || p->files->file_info == NULL ||
        p->files->file_info(p->files->ctx, path, &fi) != 0)
        return;
    const char *who = config_readers(&fi);
    if (who != NULL)
        config_key_warning(w, k,
                           "'%s' holds a secret and is readable by %s (mode %04o): chmod 0600 "
                           "it, or 0640 with the daemon's own group",
                           path, who, fi.mode);
}

/* Warns when a secret written in the configuration file itself (`written`: a value, not an
 * empty `key =`) can be read by others. */
static void config_warn_inline_secret(config_warns *w, config_key_id k, bool written,
                                      const char *file_key)
{
    config_parser *p = w->p;
    config_file_info fi = {0};

    if (!written || p->key_line[k] == 0 || p->files->file_info == NULL ||
        p->files->file_info(p->files->ctx, p->name, &fi) != 0)
        return;
    const char *who = config_readers(&fi);
    if (who != NULL)
        config_key_warning(w, k,
                           "a secret written in '%s', which is readable by %s (mode %04o): move "
                           "it to %s (mode 0600) or chmod 0600 the file",
                           p->name, who, fi.mode, file_key);
}

/* True when the (canonical) address is a loopback one: 127.0.0.0/8 or ::1 (IPv4-mapped too). */
static bool config_loopback(const char *address)
{
    config_cidr a, v4, v6;

    if (address == NULL || !config_cidr_parse(address, &a) ||
        !config_cidr_parse("127.0.0.0/8", &v4) || !config_cidr_parse("::1", &v6))
        return false;
    return config_cidr_contains(&v4, a.family, a.addr) ||
           config_cidr_contains(&v6, a.family, a.addr);
}

/* What loads but should not stay so: secrets others can read, listeners off loopback that
 * carry what should not travel in clear. `inline_key` and `inline_secret`: the file gave
 * api_key and shared_secret a value (whatever the environment then said). */
static void config_warnings(config_parser *p, bool inline_key, bool inline_secret)
{
    const config *c = p->c;
    config_warns w = {.p = p};

    config_warn_inline_secret(&w, K_API_KEY, inline_key, "api_key_file");
    if (!p->key_bad[K_API_KEY_FILE])
        config_warn_secret_file(&w, K_API_KEY_FILE, c->api_key_file);
    config_warn_inline_secret(&w, K_SHARED_SECRET, inline_secret, "shared_secret_file");
    if (!p->key_bad[K_SHARED_SECRET_FILE])
        config_warn_secret_file(&w, K_SHARED_SECRET_FILE, c->shared_secret_file);
    if (c->listener_mode == CONFIG_LISTENER_TLS && !p->key_bad[K_KEY_FILE])
        config_warn_secret_file(&w, K_KEY_FILE, c->key_file);
    if (c->listener_mode == CONFIG_LISTENER_PLAIN && !p->key_bad[K_LISTENER_ADDRESS] &&
        !config_loopback(c->listener_address))
        config_key_warning(&w, K_LISTENER_ADDRESS,
                           "mode = plain on %s, not loopback: webhooks and their shared secret "
                           "travel unencrypted; bind it to 127.0.0.1 behind the TLS proxy",
                           c->listener_address);
    if (c->admin_port != 0 && !p->key_bad[K_ADMIN_ADDRESS] && !p->key_bad[K_ADMIN_PORT] &&
        !config_loopback(c->admin_address))
        config_key_warning(&w, K_ADMIN_ADDRESS,
                           "the admin listener (plain HTTP, no authentication: /status, /metrics, "
                           "the page) is on %s, not loopback",
                           c->admin_address);
    config_warns_keep(&w);
}

/* True when the two listen addresses can collide on one port. */
static bool config_addresses_overlap(const char *a, const char *b)
{
    return strcmp(a, b) == 0 || strcmp(a, "0.0.0.0") == 0 || strcmp(b, "0.0.0.0") == 0 ||
           strcmp(a, "::") == 0 || strcmp(b, "::") == 0;
}

/* The checks that need the whole file: secrets, readable files, keys that depend on others. */
void config_check(config_parser *p)
{
    config *c = p->c;
    bool listener_on = c->listener_mode != CONFIG_LISTENER_OFF;
    /* Before the environment may replace them. */
    bool inline_key = c->api_key != NULL, inline_secret = c->shared_secret != NULL;

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
    /* Only a configured total can be below: the default (90) is above requests_per_second's
     * ceiling (10). */
    if (!p->key_bad[K_REQUESTS_PER_SECOND] && !p->key_bad[K_REQUESTS_PER_SECOND_TOTAL] &&
        c->requests_per_second_total < c->requests_per_second)
        config_key_error(p, K_REQUESTS_PER_SECOND_TOTAL,
                         "must not be below requests_per_second (%g): it is the budget of every "
                         "organization together",
                         c->requests_per_second);
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
    config_warnings(p, inline_key, inline_secret);
}

/* ---- files in memory ------------------------------------------------------------------------ */

/* The table's entry for `path`; NULL when it has none. */
static const config_memfile *config_memfile_find(const void *ctx, const char *path)
{
    for (const config_memfile *f = ctx; f->path != NULL; f++)
        if (strcmp(f->path, path) == 0)
            return f;
    return NULL;
}

static int config_memory_read(const void *ctx, const char *path, char *buf, size_t size, size_t *n)
{
    const config_memfile *f = config_memfile_find(ctx, path);

    *n = 0;
    if (f == NULL)
        return ENOENT;
    if (f->err != 0)
        return f->err;
    *n = f->len < size ? f->len : size;
    if (*n > 0)
        memcpy(buf, f->data, *n);
    return 0;
}

static int config_memory_check(const void *ctx, const char *path)
{
    const config_memfile *f = config_memfile_find(ctx, path);
    return f == NULL ? ENOENT : f->err;
}

static int config_memory_info(const void *ctx, const char *path, config_file_info *info)
{
    const config_memfile *f = config_memfile_find(ctx, path);
    if (f == NULL)
        return ENOENT;
    *info = (config_file_info){.mode = f->mode, .group_is_own = f->group_is_own};
    return 0;
}

config_reader config_memory_reader(const config_memfile *files)
{
    return (config_reader){.read_file = config_memory_read,
                           .check_file = config_memory_check,
                           .file_info = config_memory_info,
                           .ctx = files};
}
