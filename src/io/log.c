/*
 * log.c - event lines on stderr. See log.h.
 *
 * Why one write(2) per line: several threads log at once and a line must never interleave
 * with another; a write of a few hundred bytes to a pipe or file is atomic in practice, and
 * needs no lock.
 */
#include "tagfailover/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

static bool log_json_format = true;
static log_level log_min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(bool json, log_level min_level)
{
    log_json_format = json;
    log_min_level = min_level;
}

bool log_enabled(log_level level)
{
    return level >= log_min_level;
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

    if (log_json_format) {
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
                log_write_line(buf, len + 1);
                free(buf);
            }
            json_object_put(line);
        }
    } else {
        char *text = log_render_text(ts, level, event, fields);
        if (text != NULL) {
            log_write_line(text, strlen(text));
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
