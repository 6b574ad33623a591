/*
 * reqlog.h - the record of every request the fake received (GET /_control/log), and the
 * file of out-of-spec requests (--unknown-log) every test checks is empty.
 *
 * Bounded: at most REQLOG_MAX_ENTRIES entries and REQLOG_MAX_BYTES of stored text; the oldest
 * entries go first. Bodies longer than REQLOG_MAX_BODY are stored cut, with body_truncated.
 * Thread-safe (its own mutex); any connection thread may add.
 */
#ifndef FAKEDASH_REQLOG_H
#define FAKEDASH_REQLOG_H

#include <stddef.h>

#define REQLOG_MAX_ENTRIES 100000
#define REQLOG_MAX_BYTES   ((size_t)256 * 1024 * 1024)
#define REQLOG_MAX_BODY    (64 * 1024)

/* One request as logged. Strings are borrowed by reqlog_add, which copies them. */
struct reqlog_entry {
    double t; /* arrival, Unix seconds */
    int port; /* local port */
    const char *method;
    const char *path;
    const char *query;         /* raw query, "" when none */
    int auth;                  /* the right Bearer key was present */
    int authorization_present; /* any Authorization header */
    const char *body;          /* NULL when the request had no body */
    size_t body_len;
    int status;        /* answer's status; 0 when the connection was dropped */
    int unknown;       /* path or method outside the spec subset */
    int control;       /* a /_control/ request */
    const char *fault; /* the injected fault's kind, or NULL */
};

/* Sets where unknown requests are appended (NULL: nowhere) and whether each request is also
 * printed to stderr. Call once before the servers start. Returns 0, or -1 when the file
 * cannot be opened. */
int reqlog_init(const char *unknown_log_path, int quiet);

/* Appends an entry (and a line to the unknown log when e->unknown). */
void reqlog_add(const struct reqlog_entry *e);

/* Returns the log as a JSON array text (malloc'd, caller frees), or NULL when out of memory. */
char *reqlog_json(size_t *len);

/* Forgets every entry (sequence numbers keep counting). */
void reqlog_clear(void);

/* Frees everything and closes the unknown log. */
void reqlog_shutdown(void);

#endif
