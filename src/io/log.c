/*
 * log.c - event lines on stderr. See log.h.
 *
 * Why one write(2) per line: several threads log at once and a line must never interleave
 * with another; a write of a few hundred bytes to a pipe or file is atomic in practice, and
 * needs no lock.
 */
#include "tagfailover/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

/* A reload sets these while other threads log: atomics for the two settings, a lock for the
 * redaction forms (written by log_set_secrets, read by every line). */
static _Atomic bool log_json_format = true;
static _Atomic int log_min_level = LOG_INFO;
static pthread_rwlock_t log_forms_lock = PTHREAD_RWLOCK_INITIALIZER;

/* The secrets no line may show, in every form a line can hold them: as given, as json-c writes
 * them inside a JSON string, and as the text format escapes them; longest first. Set by
 * log_set_secrets before any thread starts, read-only afterwards. */
#define LOG_MAX_SECRETS 4
static char *log_secret_forms[3 * LOG_MAX_SECRETS];
static size_t log_n_forms;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(bool json, log_level min_level)
{
    atomic_store(&log_json_format, json);
    atomic_store(&log_min_level, (int)min_level);
}

bool log_enabled(log_level level)
{
    return (int)level >= atomic_load_explicit(&log_min_level, memory_order_relaxed);
}

/* Formats the current wall-clock time as RFC 3339 UTC with milliseconds. */
static void log_timestamp(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L);
}

static void log_write_line(const char *line, size_t len)
{
    while (len > 0) {
        ssize_t w = write(STDERR_FILENO, line, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        line += w;
        len -= (size_t)w;
    }
}

/* Appends `s` to out (len bytes used, cap allocated) with every byte that could end or forge a
 * line escaped: a backslash as `\\` (when `backslash`; a JSON value's backslashes are its own
 * escapes), newline, return and tab as `\n`, `\r`, `\t`, any other control byte or DEL as
 * `\xHH`. So a value holds exactly one line, and an escape in it is always ours. Returns
 * false when out of memory (out is then freed). */
static bool log_add_escaped(char **out, size_t *len, size_t *cap, const char *s, bool backslash)
{
    size_t n = strlen(s);

    /* At most four bytes for one, plus the NUL. */
    if (*len + 4 * n + 1 > *cap) {
        size_t ncap = (*len + 4 * n + 1) * 2;
        char *p = realloc(*out, ncap);
        if (p == NULL) {
            free(*out);
            *out = NULL;
            return false;
        }
        *out = p;
        *cap = ncap;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char *o = *out + *len;
        if (c == '\\' && backslash) {
            memcpy(o, "\\\\", 2);
            *len += 2;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            o[0] = '\\';
            o[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            *len += 2;
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(o, 5, "\\x%02x", c);
            *len += 4;
        } else {
            *o = (char)c;
            *len += 1;
        }
    }
    (*out)[*len] = '\0';
    return true;
}

/* Renders the text format: `ts level event key=value ...`, strings as they are and other
 * values as compact JSON, each escaped by log_add_escaped so no field can forge a line. */
static char *log_render_text(const char *ts, log_level level, const char *event,
                             struct json_object *fields)
{
    size_t cap = 256, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    int n = snprintf(out, cap, "%s %-5s ", ts, level_names[level]);
    if (n < 0 || (size_t)n >= cap) {
        free(out);
        return NULL;
    }
    len = (size_t)n;
    if (!log_add_escaped(&out, &len, &cap, event, true))
        return NULL;
    if (fields != NULL) {
        json_object_object_foreach(fields, key, val)
        {
            bool is_string = json_object_is_type(val, json_type_string);
            const char *v = is_string ? json_object_get_string(val)
                                      : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
            if (!log_add_escaped(&out, &len, &cap, " ", true) ||
                !log_add_escaped(&out, &len, &cap, key, true) ||
                !log_add_escaped(&out, &len, &cap, "=", true) ||
                !log_add_escaped(&out, &len, &cap, v, is_string))
                return NULL;
        }
    }
    if (len + 2 > cap) {
        char *p = realloc(out, len + 2);
        if (p == NULL) {
            free(out);
            return NULL;
        }
        out = p;
    }
    out[len++] = '\n';
    out[len] = '\0';
    return out;
}

/* Adds a copy of `form` to the secret forms unless it is empty or already there. */
static void log_add_form(const char *form)
{
    if (form == NULL || form[0] == '\0' || log_n_forms >= sizeof(log_secret_forms) / sizeof(char *))
        return;
    for (size_t i = 0; i < log_n_forms; i++)
        if (strcmp(log_secret_forms[i], form) == 0)
            return;
    char *copy = strdup(form);
    if (copy != NULL)
        log_secret_forms[log_n_forms++] = copy;
}

static int log_cmp_longest(const void *a, const void *b)
{
    size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
    return (x < y) - (x > y);
}

void log_set_secrets(const char *const *secrets, size_t n)
{
    pthread_rwlock_wrlock(&log_forms_lock);
    for (size_t i = 0; i < log_n_forms; i++) {
        OPENSSL_cleanse(log_secret_forms[i], strlen(log_secret_forms[i]));
        free(log_secret_forms[i]);
    }
    log_n_forms = 0;
    for (size_t i = 0; i < n && i < LOG_MAX_SECRETS; i++) {
        const char *s = secrets[i];
        if (s == NULL || s[0] == '\0')
            continue;
        log_add_form(s);
        /* As a JSON line holds it: json-c's escaping, without the quotes. */
        struct json_object *js = json_object_new_string(s);
        if (js != NULL) {
            size_t len = 0;
            const char *q = json_object_to_json_string_length(
                js, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
            char *inner = len >= 2 ? strndup(q + 1, len - 2) : NULL;
            log_add_form(inner);
            if (inner != NULL) {
                OPENSSL_cleanse(inner, strlen(inner));
                free(inner);
            }
            json_object_put(js);
        }
        /* As a text line holds it. */
        size_t tlen = 0, tcap = 0;
        char *t = NULL;
        if (log_add_escaped(&t, &tlen, &tcap, s, true)) {
            log_add_form(t);
            OPENSSL_cleanse(t, tlen);
            free(t);
        }
    }
    qsort(log_secret_forms, log_n_forms, sizeof(char *), log_cmp_longest);
    pthread_rwlock_unlock(&log_forms_lock);
}

/* True when the `len` bytes at `line` contain `form` (memmem is a GNU extension). */
static bool log_contains(const char *line, size_t len, const char *form)
{
    size_t m = strlen(form);

    for (const char *p = line; m <= len - (size_t)(p - line);) {
        p = memchr(p, form[0], len - (size_t)(p - line) - m + 1);
        if (p == NULL)
            return false;
        if (memcmp(p, form, m) == 0)
            return true;
        p++;
    }
    return false;
}

/* The line with every secret form in it written as "[REDACTED]": a new buffer (*out_len bytes,
 * the caller frees it), or NULL when the line holds none (or memory ran out: then the line is
 * not written at all, rather than written with a secret in it; *out_len is then 1). */
static char *log_redact(const char *line, size_t len, size_t *out_len)
{
    static const char mark[] = "[REDACTED]";
    bool found = false;

    *out_len = 0;
    for (size_t k = 0; k < log_n_forms && !found; k++)
        found = log_contains(line, len, log_secret_forms[k]);
    if (!found)
        return NULL;
    /* Each match is at least one byte, so the line grows at most sizeof(mark) times. */
    char *out = malloc(len * sizeof(mark) + 1);
    if (out == NULL) {
        *out_len = 1;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = 0, m = 0;
        for (; k < log_n_forms; k++) {
            m = strlen(log_secret_forms[k]);
            if (m <= len - i && memcmp(line + i, log_secret_forms[k], m) == 0)
                break;
        }
        if (k < log_n_forms) {
            memcpy(out + o, mark, sizeof(mark) - 1);
            o += sizeof(mark) - 1;
            i += m;
        } else {
            out[o++] = line[i++];
        }
    }
    *out_len = o;
    return out;
}

/* Writes one rendered line, secrets redacted. */
static void log_write_redacted(const char *line, size_t len)
{
    size_t rlen = 0;
    pthread_rwlock_rdlock(&log_forms_lock);
    size_t forms = log_n_forms;
    char *r = forms > 0 ? log_redact(line, len, &rlen) : NULL;
    pthread_rwlock_unlock(&log_forms_lock);

    if (r != NULL)
        log_write_line(r, rlen);
    else if (forms == 0 || rlen == 0)
        log_write_line(line, len);
    free(r);
}

void log_event(log_level level, const char *event, struct json_object *fields)
{
    int saved_errno = errno;
    char ts[96]; /* room for any int the format could be handed */

    if (!log_enabled(level)) {
        json_object_put(fields);
        errno = saved_errno;
        return;
    }
    log_timestamp(ts, sizeof(ts));

    if (atomic_load(&log_json_format)) {
        struct json_object *line = json_object_new_object();
        if (line != NULL) {
            json_object_object_add(line, "ts", json_object_new_string(ts));
            json_object_object_add(line, "level", json_object_new_string(level_names[level]));
            json_object_object_add(line, "event", json_object_new_string(event));
            if (fields != NULL) {
                json_object_object_foreach(fields, key, val)
                {
                    json_object_object_add(line, key, json_object_get(val));
                }
            }
            size_t len = 0;
            const char *s = json_object_to_json_string_length(
                line, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
            char *buf = malloc(len + 1);
            if (buf != NULL) {
                memcpy(buf, s, len);
                buf[len] = '\n';
                log_write_redacted(buf, len + 1);
                free(buf);
            }
            json_object_put(line);
        }
    } else {
        char *text = log_render_text(ts, level, event, fields);
        if (text != NULL) {
            log_write_redacted(text, strlen(text));
            free(text);
        }
    }
    json_object_put(fields);
    errno = saved_errno;
}

static void log_vmsg(log_level level, const char *event, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Logs one event whose only field is the formatted `msg`. */
static void log_vmsg(log_level level, const char *event, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    struct json_object *f = json_object_new_object();
    if (f != NULL)
        json_object_object_add(f, "msg", json_object_new_string(msg));
    log_event(level, event, f);
}

void log_msg(log_level level, const char *event, const char *fmt, ...)
{
    int saved_errno = errno;
    va_list ap;

    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    log_vmsg(level, event, fmt, ap);
    va_end(ap);
    errno = saved_errno;
}

void log_fatal(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vmsg(LOG_ERROR, "fatal", fmt, ap);
    va_end(ap);
    exit(code);
}
