/*
 * log.h - one line per event on stderr, JSON (default) or text (the README's "Logs").
 *
 * Every line has `ts` (RFC 3339 UTC, milliseconds), `level`, `event`, then fields. Thread-safe:
 * each line is written with one write(2) call. errno is preserved. Callers never pass secrets,
 * API keys or whole webhook bodies.
 *
 * Fields are a json-c object the caller builds; log_event takes ownership of it:
 *     struct json_object *f = json_object_new_object();
 *     json_object_object_add(f, "network_id", json_object_new_string(id));
 *     log_event(LOG_INFO, "failover", f);
 * The printf-style helpers log a single `msg` field.
 */
#ifndef TAGFAILOVER_LOG_H
#define TAGFAILOVER_LOG_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Sets the format (json when `json`, else text) and the lowest level written. Call before any
 * thread starts; the default is JSON at info. */
void log_init(bool json, log_level min_level);

/* Sets the secrets (the API key, the shared secret) that no line may show: wherever one appears
 * in a line, as given or escaped as the line's format writes it, it is written "[REDACTED]".
 * A last line of defence: callers still never pass secrets. Copies them (NULL and "" are
 * skipped, at most 4); a new call replaces and wipes the old ones. Like log_init, call it while
 * no other thread logs. */
void log_set_secrets(const char *const *secrets, size_t n);

/* True when a line at `level` would be written (to skip building fields). */
bool log_enabled(log_level level);

/* Writes one event line; takes ownership of `fields` (may be NULL). */
void log_event(log_level level, const char *event, struct json_object *fields);

/* Writes one event line with a formatted `msg` field. */
void log_msg(log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Logs a fatal message (event "fatal") and exits with `code`. */
void log_fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
