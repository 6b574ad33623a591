/*
 * config.c - the one configuration writer (see config.h).
 *
 * The configuration is held as an ordered list of (section, key, value) entries: the defaults
 * first, then every override either replaces the value of its entry or is appended. Writing
 * groups the entries by section in the order the sections first appear, so an override never
 * needs to know where in the file a key stands.
 */
#include "harness/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most entries a configuration holds, and the longest section name, key and value. */
#define CONF_MAX_ENTRIES 64
#define CONF_NAME_MAX    64
#define CONF_VALUE_MAX   (HARNESS_PATH_MAX + 32)
/* Largest configuration file written. */
#define CONF_TEXT_MAX 32768

struct conf_entry {
    char section[CONF_NAME_MAX];
    char key[CONF_NAME_MAX];
    char value[CONF_VALUE_MAX];
};

struct conf {
    struct conf_entry e[CONF_MAX_ENTRIES];
    size_t n;
};

/* Sets section.key to value, replacing an entry or appending one. Returns 0 or -1. */
static int conf_set(struct conf *c, const char *section, const char *key, const char *value)
{
    struct conf_entry *e = NULL;

    for (size_t i = 0; i < c->n && e == NULL; i++)
        if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0)
            e = &c->e[i];
    if (e == NULL) {
        if (c->n == CONF_MAX_ENTRIES) {
            fprintf(stderr, "harness: configuration: more than %d keys\n", CONF_MAX_ENTRIES);
            return -1;
        }
        e = &c->e[c->n++];
    }
    if (snprintf(e->section, sizeof e->section, "%s", section) >= (int)sizeof e->section ||
        snprintf(e->key, sizeof e->key, "%s", key) >= (int)sizeof e->key ||
        snprintf(e->value, sizeof e->value, "%s", value) >= (int)sizeof e->value) {
        fprintf(stderr, "harness: configuration: [%s] %s is too long\n", section, key);
        return -1;
    }
    return 0;
}

/* The value of section.key, or NULL. */
static const char *conf_get(const struct conf *c, const char *section, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].section, section) == 0 && strcmp(c->e[i].key, key) == 0)
            return c->e[i].value;
    return NULL;
}

/* Copies s[0..len) without the spaces and tabs around it into buf. Returns 0, or -1 when it
 * does not fit. */
static int conf_trim(const char *s, size_t len, char *buf, size_t size)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len >= size)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return 0;
}

/* Applies the override text, line by line. Returns 0 or -1. */
static int conf_apply(struct conf *c, const char *overrides)
{
    char section[CONF_NAME_MAX] = "", line[CONF_VALUE_MAX + CONF_NAME_MAX];

    for (const char *p = overrides; p != NULL && *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        char key[CONF_NAME_MAX], value[CONF_VALUE_MAX];
        const char *eq;

        if (conf_trim(p, len, line, sizeof line) != 0)
            goto bad;
        p = nl != NULL ? nl + 1 : NULL;
        len = strlen(line);
        if (len == 0)
            continue;
        if (line[0] == '[' && line[len - 1] == ']') {
            if (conf_trim(line + 1, len - 2, section, sizeof section) != 0 || section[0] == '\0')
                goto bad;
            continue;
        }
        eq = strchr(line, '=');
        if (eq == NULL || section[0] == '\0' ||
            conf_trim(line, (size_t)(eq - line), key, sizeof key) != 0 || key[0] == '\0' ||
            conf_trim(eq + 1, strlen(eq + 1), value, sizeof value) != 0)
            goto bad;
        if (conf_set(c, section, key, value) != 0)
            return -1;
    }
    return 0;
bad:
    fprintf(stderr, "harness: configuration override '%s': want [section] or key = value%s\n", line,
            section[0] == '\0' ? " after a [section]" : "");
    return -1;
}

/* Fills the defaults of config.h for world `w`. Returns 0 or -1. */
static int conf_defaults(struct conf *c, const harness_world *w)
{
    char port[16], admin_port[16], cert[CONF_VALUE_MAX], key[CONF_VALUE_MAX];
    int rc = 0;

    snprintf(port, sizeof port, "%d", w->port);
    snprintf(admin_port, sizeof admin_port, "%d", w->admin_port);
    snprintf(cert, sizeof cert, "%s/server.crt", w->certs);
    snprintf(key, sizeof key, "%s/server.key", w->certs);
    const char *const defaults[][3] = {
        {"dashboard", "base_url", w->fd.base_url},
        {"dashboard", "api_key", HARNESS_API_KEY},
        {"dashboard", "data_lag_s", "0"},
        {"dashboard", "timeout_s", "5"},
        {"listener", "mode", "plain"},
        {"listener", "address", "127.0.0.1"},
        {"listener", "port", port},
        {"listener", "shared_secret", HARNESS_SECRET},
        {"listener", "cert_file", w->certs[0] != '\0' ? cert : NULL},
        {"listener", "key_file", w->certs[0] != '\0' ? key : NULL},
        {"admin", "address", "127.0.0.1"},
        {"admin", "port", admin_port},
        {"failover", "detect_window_s", "6"},
        {"failover", "clean_window_s", "6"},
        {"failover", "confirm_interval_s", "1"},
        {"failover", "confirm_window_s", "10"},
        {"failover", "reconcile_interval_s", "30"},
        {"log", "format", "json"},
        {"log", "level", "debug"},
    };
    for (size_t i = 0; rc == 0 && i < sizeof defaults / sizeof defaults[0]; i++)
        if (defaults[i][2] != NULL)
            rc = conf_set(c, defaults[i][0], defaults[i][1], defaults[i][2]);
    return rc;
}

/* Appends printf-formatted text at text + *used. Returns 0, or -1 when it does not fit. */
static int conf_append(char *text, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int conf_append(char *text, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(text + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size - *used)
        return -1;
    *used += (size_t)n;
    return 0;
}

/* Renders the entries grouped by section. Returns 0, or -1 when they do not fit. */
static int conf_render(const struct conf *c, char *text, size_t size)
{
    size_t used = 0;

    for (size_t i = 0; i < c->n; i++) {
        int seen = 0;

        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(c->e[k].section, c->e[i].section) == 0;
        if (seen)
            continue;
        if (conf_append(text, size, &used, "[%s]\n", c->e[i].section) != 0)
            return -1;
        for (size_t k = i; k < c->n; k++)
            if (strcmp(c->e[k].section, c->e[i].section) == 0 &&
                conf_append(text, size, &used, "%s = %s\n", c->e[k].key, c->e[k].value) != 0)
                return -1;
    }
    return 0;
}

int harness_conf_write(harness_world *w, const char *overrides)
{
    struct conf *c = calloc(1, sizeof *c);
    char *text = malloc(CONF_TEXT_MAX);
    int rc = -1;

    if (c == NULL || text == NULL || conf_defaults(c, w) != 0 || conf_apply(c, overrides) != 0)
        goto out;
    if (conf_render(c, text, CONF_TEXT_MAX) != 0) {
        fprintf(stderr, "harness: configuration over %d bytes\n", CONF_TEXT_MAX);
        goto out;
    }
    const char *mode = conf_get(c, "listener", "mode"),
               *path = conf_get(c, "listener", "webhook_path");
    w->tls = strcmp(mode, "tls") == 0;
    snprintf(w->base, sizeof w->base, "%s://127.0.0.1:%d", w->tls ? "https" : "http", w->port);
    if (snprintf(w->url, sizeof w->url, "%s%s", w->base, path != NULL ? path : "/webhook") >=
        (int)sizeof w->url)
        goto out;
    rc = harness_write_file(w->conf, text);
out:
    free(text);
    free(c);
    return rc;
}
