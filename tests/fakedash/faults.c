/*
 * faults.c - the fault queue and the faulty answers (see faults.h).
 */
#include "faults.h"

#include "jsonutil.h"
#include "sbuf.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct faults_rule {
    struct faults_hit hit;
    char method[16];   /* "" = any */
    char *path_prefix; /* NULL = any */
    int count;         /* uses left */
};

static pthread_mutex_t faults_mu = PTHREAD_MUTEX_INITIALIZER;
static struct faults_rule faults_rules[FAULTS_MAX];
static size_t faults_n;
static unsigned long faults_request_id;

static const char *const faults_names[] = {
    "429",   "500",       "502",  "503",      "redirect307", "redirect308", "redirect_foreign",
    "delay", "malformed", "drop", "oversize", "answer",
};

const char *faults_kind_name(enum faults_kind kind)
{
    return faults_names[kind];
}

static int faults_parse_kind(struct json_object *v, enum faults_kind *out)
{
    char num[16];
    const char *s = num;

    /* The kind may come as a string ("429") or, for status codes, a number (429). */
    if (json_object_is_type(v, json_type_int))
        snprintf(num, sizeof num, "%d", json_object_get_int(v));
    else if (json_object_is_type(v, json_type_string))
        s = json_object_get_string(v);
    else
        return -1;
    for (size_t i = 0; i < sizeof faults_names / sizeof faults_names[0]; i++) {
        if (strcmp(s, faults_names[i]) == 0) {
            *out = (enum faults_kind)i;
            return 0;
        }
    }
    return -1;
}

void faults_hit_clear(struct faults_hit *hit)
{
    free(hit->body);
    free(hit->body_file);
    for (size_t i = 0; i < hit->nheaders; i++) {
        free(hit->header_names[i]);
        free(hit->header_values[i]);
    }
    hit->body = hit->body_file = NULL;
    hit->nheaders = 0;
}

/* A copy of `src` whose strings are its own (for faults_take). Returns -1 when out of memory. */
static int faults_hit_copy(const struct faults_hit *src, struct faults_hit *dst)
{
    int ok = 1;

    *dst = *src;
    dst->body = src->body ? strdup(src->body) : NULL;
    dst->body_file = src->body_file ? strdup(src->body_file) : NULL;
    ok = (!src->body || dst->body) && (!src->body_file || dst->body_file);
    for (size_t i = 0; i < src->nheaders; i++) {
        dst->header_names[i] = strdup(src->header_names[i]);
        dst->header_values[i] = strdup(src->header_values[i]);
        ok = ok && dst->header_names[i] && dst->header_values[i];
    }
    if (!ok)
        faults_hit_clear(dst);
    return ok ? 0 : -1;
}

/* Reads the `answer` fields: status, body, body_file, headers. Returns -1 with a message. */
static int faults_answer_fields(struct json_object *desc, struct faults_hit *hit, char *err,
                                size_t errlen)
{
    struct json_object *v;
    double status = 200;

    if (jutil_num(desc, "status", 100, 599, &status)) {
        snprintf(err, errlen, "status must be 100..599");
        return -1;
    }
    hit->status = (int)status;
    if (json_object_object_get_ex(desc, "body", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_string)) {
            snprintf(err, errlen, "body must be a string");
            return -1;
        }
        hit->body = strdup(json_object_get_string(v));
    }
    if (json_object_object_get_ex(desc, "body_file", &v) &&
        !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_string) || hit->body) {
            snprintf(err, errlen, "body_file must be a string, and not given with body");
            return -1;
        }
        hit->body_file = strdup(json_object_get_string(v));
    }
    if (json_object_object_get_ex(desc, "headers", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_object)) {
            snprintf(err, errlen, "headers must be an object of strings");
            return -1;
        }
        json_object_object_foreach(v, name, value)
        {
            if (!json_object_is_type(value, json_type_string) ||
                hit->nheaders >= FAULTS_MAX_HEADERS) {
                snprintf(err, errlen, "headers must be at most %d strings", FAULTS_MAX_HEADERS);
                return -1;
            }
            hit->header_names[hit->nheaders] = strdup(name);
            hit->header_values[hit->nheaders] = strdup(json_object_get_string(value));
            hit->nheaders++;
        }
    }
    return 0;
}

int faults_add(struct json_object *desc, char *err, size_t errlen)
{
    struct faults_rule r = {0};
    struct json_object *v;
    double count = 1, retry = -1, delay = 0, size_mib = 300;

    if (!json_object_is_type(desc, json_type_object)) {
        snprintf(err, errlen, "fault must be a JSON object");
        return -1;
    }
    if (!json_object_object_get_ex(desc, "kind", &v) || faults_parse_kind(v, &r.hit.kind)) {
        snprintf(err, errlen,
                 "kind must be one of 429 500 502 503 redirect307 redirect308 "
                 "redirect_foreign delay malformed drop oversize answer");
        return -1;
    }
    if (r.hit.kind == FAULTS_ANSWER && faults_answer_fields(desc, &r.hit, err, errlen) != 0) {
        faults_hit_clear(&r.hit);
        return -1;
    }
    if (jutil_num(desc, "count", 1, 1e9, &count) ||
        jutil_num(desc, "retry_after", 0, 86400, &retry) ||
        jutil_num(desc, "delay_ms", 0, 600000, &delay) ||
        jutil_num(desc, "size_mib", 0.001, 4096, &size_mib)) {
        snprintf(err, errlen, "count, retry_after, delay_ms or size_mib out of range");
        faults_hit_clear(&r.hit);
        return -1;
    }
    if (json_object_object_get_ex(desc, "method", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_string) ||
            json_object_get_string_len(v) >= (int)sizeof r.method) {
            snprintf(err, errlen, "method must be a string");
            faults_hit_clear(&r.hit);
            return -1;
        }
        snprintf(r.method, sizeof r.method, "%s", json_object_get_string(v));
    }
    if (json_object_object_get_ex(desc, "path_prefix", &v) &&
        !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_string)) {
            snprintf(err, errlen, "path_prefix must be a string");
            faults_hit_clear(&r.hit);
            return -1;
        }
        r.path_prefix = strdup(json_object_get_string(v));
    }
    r.count = (int)count;
    r.hit.retry_after = (int)retry;
    r.hit.delay_ms = (int)delay;
    r.hit.size = (unsigned long long)(size_mib * 1024 * 1024);
    r.hit.chunked = json_object_object_get_ex(desc, "chunked", &v) && json_object_get_boolean(v);

    pthread_mutex_lock(&faults_mu);
    if (faults_n >= FAULTS_MAX) {
        pthread_mutex_unlock(&faults_mu);
        free(r.path_prefix);
        faults_hit_clear(&r.hit);
        snprintf(err, errlen, "too many faults queued");
        return -1;
    }
    faults_rules[faults_n++] = r;
    pthread_mutex_unlock(&faults_mu);
    return 0;
}

int faults_take(const char *method, const char *path, struct faults_hit *hit)
{
    int found = 0;

    pthread_mutex_lock(&faults_mu);
    for (size_t i = 0; i < faults_n; i++) {
        struct faults_rule *r = &faults_rules[i];

        if (r->method[0] && strcmp(r->method, method) != 0)
            continue;
        if (r->path_prefix && strncmp(path, r->path_prefix, strlen(r->path_prefix)) != 0)
            continue;
        if (faults_hit_copy(&r->hit, hit) != 0)
            break; /* out of memory: answer normally */
        found = 1;
        if (--r->count == 0) {
            free(r->path_prefix);
            faults_hit_clear(&r->hit);
            memmove(r, r + 1, (faults_n - i - 1) * sizeof *r);
            faults_n--;
        }
        break;
    }
    pthread_mutex_unlock(&faults_mu);
    return found;
}

void faults_clear(void)
{
    pthread_mutex_lock(&faults_mu);
    for (size_t i = 0; i < faults_n; i++) {
        free(faults_rules[i].path_prefix);
        faults_hit_clear(&faults_rules[i].hit);
    }
    faults_n = 0;
    pthread_mutex_unlock(&faults_mu);
}

struct json_object *faults_list(void)
{
    struct json_object *a = json_object_new_array();

    pthread_mutex_lock(&faults_mu);
    for (size_t i = 0; i < faults_n; i++) {
        struct faults_rule *r = &faults_rules[i];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "kind", json_object_new_string(faults_names[r->hit.kind]));
        json_object_object_add(o, "method",
                               r->method[0] ? json_object_new_string(r->method) : NULL);
        json_object_object_add(o, "path_prefix",
                               r->path_prefix ? json_object_new_string(r->path_prefix) : NULL);
        json_object_object_add(o, "count", json_object_new_int(r->count));
        json_object_array_add(a, o);
    }
    pthread_mutex_unlock(&faults_mu);
    return a;
}

/* The Location of a redirect: the same path and query on the second port. */
static void faults_redirect(const struct http_request *req, struct http_reply *reply, int status,
                            const char *host)
{
    struct sbuf b = {0};
    char *loc;

    sbuf_printf(&b, "http://%s:%d%s%s%s", host, req->port2, req->path, req->query[0] ? "?" : "",
                req->query);
    loc = sbuf_take(&b, NULL);
    reply->status = status;
    if (loc)
        http_reply_header(reply, "Location", loc);
    free(loc);
}

/* `s` with {self} replaced by the request's own absolute URL and {auth} by its Authorization
 * header (malloc'd; NULL when out of memory). */
static char *faults_expand(const char *s, const struct http_request *req, const char *authorization)
{
    struct sbuf b = {0};

    while (*s) {
        if (strncmp(s, "{self}", 6) == 0) {
            sbuf_printf(&b, "http://127.0.0.1:%d%s%s%s", req->port, req->path,
                        req->query[0] ? "?" : "", req->query);
            s += 6;
        } else if (strncmp(s, "{auth}", 6) == 0) {
            sbuf_adds(&b, authorization ? authorization : "");
            s += 6;
        } else {
            sbuf_add(&b, s++, 1);
        }
    }
    return sbuf_take(&b, NULL);
}

/* The bytes of `path` (malloc'd, *len of them), or NULL. */
static char *faults_read_file(const char *path, size_t *len)
{
    struct sbuf b = {0};
    char buf[65536];
    size_t n;
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return NULL;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sbuf_add(&b, buf, n);
    fclose(f);
    return sbuf_take(&b, len);
}

/* The answer fault: the test's own status, headers and body. */
static void faults_answer(const struct faults_hit *hit, const struct http_request *req,
                          const char *authorization, struct http_reply *reply)
{
    size_t len = 0;
    char *body = NULL;

    if (hit->body_file) {
        body = faults_read_file(hit->body_file, &len);
        if (body == NULL) {
            http_reply_error(reply, 500, "answer fault: body_file cannot be read");
            return;
        }
    } else if (hit->body) {
        body = faults_expand(hit->body, req, authorization);
        len = body ? strlen(body) : 0;
    }
    http_reply_take(reply, hit->status, body, len);
    for (size_t i = 0; i < hit->nheaders; i++) {
        char *v = faults_expand(hit->header_values[i], req, authorization);

        if (v)
            http_reply_header(reply, hit->header_names[i], v);
        free(v);
    }
}

void faults_reply(const struct faults_hit *hit, const struct http_request *req,
                  const char *authorization, struct http_reply *reply)
{
    char num[32];
    static const char malformed[] = "[{\"id\": \"L_1\", \"name\": \"Branch\", \"tags\": [\"a\"";
    static const char bad_gateway[] =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

    switch (hit->kind) {
    case FAULTS_429:
        http_reply_error(reply, 429, "API rate limit exceeded for organization");
        if (hit->retry_after >= 0) {
            snprintf(num, sizeof num, "%d", hit->retry_after);
            http_reply_header(reply, "Retry-After", num);
        }
        return;
    case FAULTS_500:
    case FAULTS_503:
        http_reply_error(reply, hit->kind == FAULTS_500 ? 500 : 503,
                         hit->kind == FAULTS_500 ? "Internal server error"
                                                 : "Service temporarily unavailable");
        break;
    case FAULTS_502:
        /* A 502 comes from the load balancer, not the Dashboard: HTML, not JSON. */
        http_reply_take(reply, 502, strdup(bad_gateway), sizeof bad_gateway - 1);
        reply->content_type = "text/html";
        break;
    case FAULTS_REDIRECT307:
    case FAULTS_REDIRECT308:
        faults_redirect(req, reply, hit->kind == FAULTS_REDIRECT307 ? 307 : 308, "127.0.0.1");
        return;
    case FAULTS_REDIRECT_FOREIGN:
        faults_redirect(req, reply, 307, "localhost");
        return;
    case FAULTS_MALFORMED:
        http_reply_take(reply, 200, strdup(malformed), sizeof malformed - 1);
        return;
    case FAULTS_OVERSIZE:
        reply->status = 200;
        reply->stream_size = hit->size;
        reply->stream_chunked = hit->chunked;
        return;
    case FAULTS_DROP:
        reply->status = 0;
        return;
    case FAULTS_ANSWER:
        faults_answer(hit, req, authorization, reply);
        return;
    case FAULTS_DELAY:
        return;
    }
    /* 5xx answers carry a request id, as Meraki's do, so clients can log it. */
    pthread_mutex_lock(&faults_mu);
    snprintf(num, sizeof num, "fakedash-%lu", ++faults_request_id);
    pthread_mutex_unlock(&faults_mu);
    http_reply_header(reply, "X-Request-Id", num);
}

/* Oversize layout: '[' , items of FAULTS_ITEM bytes `{"p":"xx..x"},`, one last item without
 * the comma that takes up the remainder, ']'. Every byte is computable from its offset. */
#define FAULTS_ITEM 128

static char faults_item_byte(uint64_t off, uint64_t len, int last)
{
    static const char head[] = "{\"p\":\"";
    uint64_t tail = last ? 2 : 3;

    if (off < 6)
        return head[off];
    if (off >= len - tail)
        return "\"},"[off - (len - tail)];
    return 'x';
}

/* One full item, built once; copied in runs by faults_oversize_read. */
static char faults_tmpl[FAULTS_ITEM];
static pthread_once_t faults_tmpl_once = PTHREAD_ONCE_INIT;

static void faults_template_init(void)
{
    for (uint64_t i = 0; i < FAULTS_ITEM; i++)
        faults_tmpl[i] = faults_item_byte(i, FAULTS_ITEM, 0);
}

static const char *faults_template(void)
{
    pthread_once(&faults_tmpl_once, faults_template_init);
    return faults_tmpl;
}

size_t faults_oversize_read(unsigned long long total, uint64_t pos, char *buf, size_t max)
{
    uint64_t middle = total >= 2 + 10 ? total - 2 : 0;
    uint64_t k = middle / FAULTS_ITEM; /* items, the last one longer */
    uint64_t last_start = 1 + (k - 1) * FAULTS_ITEM;
    uint64_t last_len = middle - (k - 1) * FAULTS_ITEM;
    size_t n = 0;

    if (middle == 0) {
        /* Too small to hold an item: an empty array padded with spaces. */
        for (; n < max && pos + n < total; n++)
            buf[n] = pos + n == 0 ? '[' : pos + n == total - 1 ? ']' : ' ';
        return n;
    }
    while (n < max && pos + n < total) {
        uint64_t p = pos + n;

        if (p == 0) {
            buf[n++] = '[';
        } else if (p == total - 1) {
            buf[n++] = ']';
        } else if (p >= last_start) {
            buf[n++] = faults_item_byte(p - last_start, last_len, 1);
        } else {
            /* Whole items repeat: copy runs of the template instead of byte by byte. */
            uint64_t off = (p - 1) % FAULTS_ITEM;
            uint64_t run = FAULTS_ITEM - off;

            if (run > max - n)
                run = max - n;
            if (run > last_start - p)
                run = last_start - p;
            memcpy(buf + n, faults_template() + off, (size_t)run);
            n += (size_t)run;
        }
    }
    return n;
}
