/*
 * tlog.c - timestamped logs listed newest first (see tlog.h).
 */
#include "tlog.h"

#include "isotime.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Slack for a client that computed "now - the whole lookback" a moment before the fake. */
#define TLOG_SLACK_S 60.0

/* Whether item a sorts before (is older than) time ts with sequence seq. */
static int tlog_before(const struct tlog_item *a, double ts, unsigned long long seq)
{
    return a->ts < ts || (a->ts == ts && a->seq < seq);
}

int tlog_add(struct tlog *l, double ts, void *data)
{
    unsigned long long seq = ++l->seq;
    size_t lo = 0, hi = l->n;

    if (l->n >= l->max) {
        if (l->n == 0 || !tlog_before(&l->v[0], ts, seq)) {
            l->free_data(data); /* older than all it would keep */
            return 0;
        }
        l->free_data(l->v[0].data);
        memmove(l->v, l->v + 1, (l->n - 1) * sizeof *l->v);
        l->n--;
    }
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 64;
        struct tlog_item *nv = realloc(l->v, ncap * sizeof *nv);

        if (nv == NULL) {
            l->free_data(data);
            return -1;
        }
        l->v = nv;
        l->cap = ncap;
    }
    /* Usually the newest: the binary search ends at once at the end. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tlog_before(&l->v[mid], ts, seq))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(l->v + lo + 1, l->v + lo, (l->n - lo) * sizeof *l->v);
    l->v[lo].ts = ts;
    l->v[lo].seq = seq;
    l->v[lo].data = data;
    l->n++;
    return 0;
}

void tlog_clear(struct tlog *l)
{
    for (size_t i = 0; i < l->n; i++)
        l->free_data(l->v[i].data);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Works out [t0, t1] from t0/t1/timespan, or fills a 400 and returns -1. */
static int tlog_window_of(const struct http_request *req, const struct tlog_window *w, double now,
                          double *t0, double *t1, struct http_reply *reply)
{
    const char *s0 = http_param(req, "t0"), *s1 = http_param(req, "t1");
    const char *span = http_param(req, "timespan");
    char msg[160];

    if (span && (s0 || s1)) {
        http_reply_error(reply, 400, "If specifying timespan, do not specify parameters t0 and t1");
        return -1;
    }
    if (span) {
        char *end;
        double v = strtod(span, &end);

        if (*span == '\0' || *end != '\0' || !(v > 0) || v > w->max_span) {
            snprintf(msg, sizeof msg, "'timespan' must be a number of seconds in (0, %.0f]",
                     w->max_span);
            http_reply_error(reply, 400, msg);
            return -1;
        }
        *t0 = now - v;
        *t1 = now;
        return 0;
    }
    if ((s0 && isotime_parse(s0, t0) != 0) || (s1 && isotime_parse(s1, t1) != 0)) {
        http_reply_error(reply, 400, "'t0' and 't1' must be ISO 8601 date-times");
        return -1;
    }
    if (!s0 && !s1) {
        *t1 = now;
        *t0 = now - w->default_span;
        return 0;
    }
    if (!s1)
        *t1 = *t0 + w->max_span < now ? *t0 + w->max_span : now;
    if (!s0) {
        *t0 = *t1 - w->default_span;
        if (*t0 < now - w->max_lookback)
            *t0 = now - w->max_lookback;
    }
    if (*t0 < now - w->max_lookback - TLOG_SLACK_S) {
        snprintf(msg, sizeof msg, "'t0' can be at most %.0f days in the past",
                 w->max_lookback / 86400);
        http_reply_error(reply, 400, msg);
        return -1;
    }
    if (*t1 < *t0) {
        http_reply_error(reply, 400, "'t1' must be after 't0'");
        return -1;
    }
    if (*t1 - *t0 > w->max_span + TLOG_SLACK_S) {
        snprintf(msg, sizeof msg, "'t1' can be a maximum of %.0f days after 't0'",
                 w->max_span / 86400);
        http_reply_error(reply, 400, msg);
        return -1;
    }
    return 0;
}

/* ---- pagination: newest first, tokens "<microseconds>-<seq>" ---- */

static unsigned long long tlog_us(double ts)
{
    return ts <= 0 ? 0 : (unsigned long long)llround(ts * 1e6);
}

static struct page_rank tlog_rank(const void *ctx, size_t i)
{
    const struct tlog_item *const *items = ctx;
    struct page_rank r = {ULLONG_MAX - tlog_us(items[i]->ts), ULLONG_MAX - items[i]->seq};

    return r;
}

static void tlog_token(const void *ctx, size_t i, char *buf)
{
    const struct tlog_item *const *items = ctx;

    snprintf(buf, PAGE_TOKEN_MAX, "%llu-%llu", tlog_us(items[i]->ts), items[i]->seq);
}

static int tlog_parse(const void *ctx, const char *token, struct page_rank *out)
{
    unsigned long long us, seq;
    int used = 0;

    (void)ctx;
    if (sscanf(token, "%llu-%llu%n", &us, &seq, &used) != 2 || token[used] != '\0')
        return -1;
    out->major = ULLONG_MAX - us;
    out->minor = ULLONG_MAX - seq;
    return 0;
}

int tlog_list(const struct tlog *l, const struct http_request *req, const struct tlog_window *w,
              const struct page_spec *spec, double now, tlog_keep_fn keep, const void *ctx,
              tlog_write_fn write, struct sbuf *out, struct http_reply *reply)
{
    const struct tlog_item **v;
    struct page_list list = {0, NULL, tlog_rank, tlog_token, tlog_parse};
    double t0, t1;
    size_t n = 0, start, end;

    if (tlog_window_of(req, w, now, &t0, &t1, reply) != 0)
        return -1;
    v = malloc((l->n ? l->n : 1) * sizeof *v);
    if (v == NULL) {
        http_reply_error(reply, 500, "out of memory");
        return -1;
    }
    for (size_t i = l->n; i-- > 0;) {
        const struct tlog_item *it = &l->v[i];

        if (it->ts >= t0 && it->ts <= t1 && (keep == NULL || keep(it->data, ctx)))
            v[n++] = it;
    }
    list.n = n;
    list.ctx = v;
    if (page_select_list(&list, req, spec, reply, &start, &end) != 0) {
        free(v);
        return -1;
    }
    sbuf_adds(out, "[");
    for (size_t i = start; i < end; i++) {
        if (i > start)
            sbuf_adds(out, ",");
        write(out, v[i]);
    }
    sbuf_adds(out, "]");
    free(v);
    return 0;
}
