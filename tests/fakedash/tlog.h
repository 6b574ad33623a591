/*
 * tlog.h - timestamped logs the API lists newest first (the change log and the webhook
 * log): bounded storage kept in time order, the t0/t1/timespan window of a listing, and its
 * pagination.
 *
 * Entries may arrive out of time order (a change "made an hour ago" through the control
 * API), so an entry is inserted at its time; among entries of the same time the later-added
 * one counts as newer. Tokens name an entry by its time and sequence number, so a page
 * boundary holds while entries are added. Not thread-safe: the state lock guards every log.
 */
#ifndef FAKEDASH_TLOG_H
#define FAKEDASH_TLOG_H

#include "http.h"
#include "page.h"
#include "sbuf.h"

#include <stddef.h>

struct tlog_item {
    double ts;              /* Unix seconds */
    unsigned long long seq; /* order of addition */
    void *data;             /* the entry, owned by the log */
};

struct tlog {
    struct tlog_item *v; /* oldest first */
    size_t n, cap;
    size_t max;                    /* most entries; the oldest go first */
    unsigned long long seq;        /* last seq handed out */
    void (*free_data)(void *data); /* frees an entry */
};

/* The limits of a listing's window (seconds). */
struct tlog_window {
    double max_lookback; /* t0 no older than now - max_lookback */
    double max_span;     /* t1 - t0 and timespan at most this */
    double default_span; /* the window ending now when none is given */
};

/* Adds an entry at `ts`, taking over `data`. When the log is full its oldest entry goes
 * (the new one, if that is the oldest). Returns 0, or -1 when out of memory (data freed). */
int tlog_add(struct tlog *l, double ts, void *data);

/* Frees every entry; the log stays usable. */
void tlog_clear(struct tlog *l);

/* Whether a listing keeps an entry (its filters). */
typedef int (*tlog_keep_fn)(const void *data, const void *ctx);

/* Writes one entry as the API shows it. */
typedef void (*tlog_write_fn)(struct sbuf *b, const struct tlog_item *item);

/* Answers the listing part of a request: the window (t0, t1, timespan within `w`), the
 * entries in it that `keep` accepts (all when NULL), newest first, and the page the request
 * asks for (perPage per `spec`, Link header). On success returns 0 with the page written by
 * `write` into `out` as a JSON array; else -1 after filling a 400 or 500 reply. */
int tlog_list(const struct tlog *l, const struct http_request *req, const struct tlog_window *w,
              const struct page_spec *spec, double now, tlog_keep_fn keep, const void *ctx,
              tlog_write_fn write, struct sbuf *out, struct http_reply *reply);

#endif
