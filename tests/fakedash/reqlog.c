/*
 * reqlog.c - bounded request log and unknown-request file (see reqlog.h).
 *
 * A ring of entries; each entry owns one allocation holding its strings, so freeing the
 * oldest is one free() and the byte count is exact.
 */
#include "reqlog.h"

#include "sbuf.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct reqlog_rec {
    unsigned long long seq;
    double t;
    int port;
    int auth, authorization_present, status, unknown, control, body_truncated, has_body;
    const char *fault; /* static string */
    char *method;      /* start of the record's one allocation */
    char *path;
    char *query;
    char *body;
    size_t bytes;
};

static pthread_mutex_t reqlog_mu = PTHREAD_MUTEX_INITIALIZER;
static struct reqlog_rec *reqlog_ring; /* REQLOG_MAX_ENTRIES slots */
static size_t reqlog_head;             /* index of the oldest entry */
static size_t reqlog_count;
static size_t reqlog_bytes;
static unsigned long long reqlog_seq;
static int reqlog_unknown_fd = -1;
static int reqlog_quiet;

int reqlog_init(const char *unknown_log_path, int quiet)
{
    reqlog_quiet = quiet;
    reqlog_ring = calloc(REQLOG_MAX_ENTRIES, sizeof *reqlog_ring);
    if (reqlog_ring == NULL)
        return -1;
    if (unknown_log_path) {
        reqlog_unknown_fd = open(unknown_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (reqlog_unknown_fd < 0)
            return -1;
    }
    return 0;
}

static void reqlog_drop_oldest(void)
{
    struct reqlog_rec *r = &reqlog_ring[reqlog_head];

    reqlog_bytes -= r->bytes;
    free(r->method);
    memset(r, 0, sizeof *r);
    reqlog_head = (reqlog_head + 1) % REQLOG_MAX_ENTRIES;
    reqlog_count--;
}

/* Writes the unknown-log line: "METHOD PATH[?QUERY]". One write(2), so lines never mix. */
static void reqlog_write_unknown(const struct reqlog_entry *e)
{
    struct sbuf b = {0};
    char *line;
    size_t len;

    if (reqlog_unknown_fd < 0)
        return;
    sbuf_printf(&b, "%s %s%s%s\n", e->method, e->path, e->query[0] ? "?" : "", e->query);
    line = sbuf_take(&b, &len);
    if (line && write(reqlog_unknown_fd, line, len) < 0)
        perror("fakedash: unknown log");
    free(line);
}

void reqlog_add(const struct reqlog_entry *e)
{
    size_t ml = strlen(e->method) + 1, pl = strlen(e->path) + 1, ql = strlen(e->query) + 1;
    size_t bl = e->body ? (e->body_len > REQLOG_MAX_BODY ? REQLOG_MAX_BODY : e->body_len) : 0;
    char *mem = malloc(ml + pl + ql + bl + 1);
    struct reqlog_rec rec = {0};

    if (e->unknown)
        reqlog_write_unknown(e);
    if (!reqlog_quiet)
        fprintf(stderr, "fakedash: %d %s %s%s%s -> %d%s%s\n", e->port, e->method, e->path,
                e->query[0] ? "?" : "", e->query, e->status, e->unknown ? " (unknown)" : "",
                e->fault ? " (fault)" : "");
    if (mem == NULL)
        return;
    rec.t = e->t;
    rec.port = e->port;
    rec.auth = e->auth;
    rec.authorization_present = e->authorization_present;
    rec.status = e->status;
    rec.unknown = e->unknown;
    rec.control = e->control;
    rec.fault = e->fault;
    rec.has_body = e->body != NULL;
    rec.body_truncated = e->body && e->body_len > REQLOG_MAX_BODY;
    rec.method = mem;
    memcpy(rec.method, e->method, ml);
    rec.path = rec.method + ml;
    memcpy(rec.path, e->path, pl);
    rec.query = rec.path + pl;
    memcpy(rec.query, e->query, ql);
    rec.body = rec.query + ql;
    if (bl)
        memcpy(rec.body, e->body, bl);
    rec.body[bl] = '\0';
    rec.bytes = ml + pl + ql + bl + 1 + sizeof rec;

    pthread_mutex_lock(&reqlog_mu);
    rec.seq = ++reqlog_seq;
    while (reqlog_count > 0 &&
           (reqlog_count >= REQLOG_MAX_ENTRIES || reqlog_bytes + rec.bytes > REQLOG_MAX_BYTES))
        reqlog_drop_oldest();
    reqlog_ring[(reqlog_head + reqlog_count) % REQLOG_MAX_ENTRIES] = rec;
    reqlog_count++;
    reqlog_bytes += rec.bytes;
    pthread_mutex_unlock(&reqlog_mu);
}

static void reqlog_rec_json(struct sbuf *b, const struct reqlog_rec *r)
{
    sbuf_printf(b, "{\"seq\":%llu,\"t\":%.3f,\"port\":%d,\"method\":", r->seq, r->t, r->port);
    sbuf_json_str(b, r->method);
    sbuf_adds(b, ",\"path\":");
    sbuf_json_str(b, r->path);
    sbuf_adds(b, ",\"query\":");
    sbuf_json_str(b, r->query);
    sbuf_printf(b,
                ",\"auth\":%s,\"authorization_present\":%s,\"body\":", r->auth ? "true" : "false",
                r->authorization_present ? "true" : "false");
    sbuf_json_str(b, r->has_body ? r->body : NULL);
    if (r->body_truncated)
        sbuf_adds(b, ",\"body_truncated\":true");
    sbuf_printf(b, ",\"status\":%d,\"unknown\":%s,\"control\":%s,\"fault\":", r->status,
                r->unknown ? "true" : "false", r->control ? "true" : "false");
    sbuf_json_str(b, r->fault);
    sbuf_adds(b, "}");
}

char *reqlog_json(size_t *len)
{
    struct sbuf b = {0};

    sbuf_adds(&b, "[");
    pthread_mutex_lock(&reqlog_mu);
    for (size_t i = 0; i < reqlog_count; i++) {
        if (i)
            sbuf_adds(&b, ",");
        reqlog_rec_json(&b, &reqlog_ring[(reqlog_head + i) % REQLOG_MAX_ENTRIES]);
    }
    pthread_mutex_unlock(&reqlog_mu);
    sbuf_adds(&b, "]");
    return sbuf_take(&b, len);
}

void reqlog_clear(void)
{
    pthread_mutex_lock(&reqlog_mu);
    while (reqlog_count > 0)
        reqlog_drop_oldest();
    reqlog_head = 0;
    pthread_mutex_unlock(&reqlog_mu);
}

void reqlog_shutdown(void)
{
    reqlog_clear();
    free(reqlog_ring);
    reqlog_ring = NULL;
    if (reqlog_unknown_fd >= 0)
        close(reqlog_unknown_fd);
    reqlog_unknown_fd = -1;
}
