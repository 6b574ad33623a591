/*
 * faults.h - injected faults (POST /_control/fault): each matching API request consumes one
 * and gets the fault instead of (or, for `delay`, before) its normal answer.
 *
 * Kinds: 429, 500, 502, 503, redirect307, redirect308, redirect_foreign, delay, malformed,
 * drop, oversize, answer (any status, body and headers the test spells out). Faults are
 * matched first-in first-out on method and path prefix.
 * Thread-safe (its own mutex).
 */
#ifndef FAKEDASH_FAULTS_H
#define FAKEDASH_FAULTS_H

#include "http.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct json_object;

enum faults_kind {
    FAULTS_429,
    FAULTS_500,
    FAULTS_502,
    FAULTS_503,
    FAULTS_REDIRECT307,
    FAULTS_REDIRECT308,
    FAULTS_REDIRECT_FOREIGN,
    FAULTS_DELAY,
    FAULTS_MALFORMED,
    FAULTS_DROP,
    FAULTS_OVERSIZE,
    FAULTS_ANSWER,
};

/* Most headers an `answer` fault sets. */
#define FAULTS_MAX_HEADERS 6

/* One consumed fault, as faults_take hands it out. */
struct faults_hit {
    enum faults_kind kind;
    int retry_after;         /* seconds for 429's Retry-After; -1 = no header */
    int delay_ms;            /* for delay */
    unsigned long long size; /* bytes for oversize */
    int chunked;             /* oversize without Content-Length */
    /* answer: the status, the body (text, or the bytes of body_file) and the headers; the
     * strings may hold {self} (the request's own absolute URL) and {auth} (its Authorization
     * header). Owned by the hit faults_take fills: free them with faults_hit_clear. */
    int status;
    char *body;
    char *body_file;
    char *header_names[FAULTS_MAX_HEADERS];
    char *header_values[FAULTS_MAX_HEADERS];
    size_t nheaders;
};

/* Most faults queued at once. */
#define FAULTS_MAX 1024

/* Adds a fault from its JSON description. Returns 0, or -1 with a message in err. */
int faults_add(struct json_object *desc, char *err, size_t errlen);

/* Consumes one use of the first fault matching method and path. Returns 1 and fills *hit
 * when one matched (the caller then frees it with faults_hit_clear), else 0. */
int faults_take(const char *method, const char *path, struct faults_hit *hit);

/* Frees what a hit from faults_take owns. */
void faults_hit_clear(struct faults_hit *hit);

/* Drops every fault. */
void faults_clear(void);

/* The queued faults as a JSON array (new object; caller puts). */
struct json_object *faults_list(void);

/* The kind's name as the control API spells it. */
const char *faults_kind_name(enum faults_kind kind);

/* Fills `reply` with the fault's answer for `req`, whose Authorization header was
 * `authorization` (NULL when none); not for delay, which answers normally, nor drop, which
 * sets status 0. */
void faults_reply(const struct faults_hit *hit, const struct http_request *req,
                  const char *authorization, struct http_reply *reply);

/* Produces bytes [pos, pos+max) of the oversize body: a valid JSON array of exactly `total`
 * bytes. Returns the byte count, or 0 at the end. Stateless, so any thread may call it. */
size_t faults_oversize_read(unsigned long long total, uint64_t pos, char *buf, size_t max);

#endif
