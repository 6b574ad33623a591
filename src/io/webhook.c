/*
 * webhook.c - the webhook pipeline (see webhook.h): head checks, body checks and the
 * libmicrohttpd glue. The duplicate table is webhook_dedup.c's.
 *
 * Secrets are compared as SHA-256 digests with CRYPTO_memcmp: the digests always have the same
 * length, so neither the comparison's time nor its early exit can tell an attacker how long
 * the configured secret is or how much of a guess was right.
 *
 * Answers are built once (webhook_new) and shared by every request: MHD reference-counts
 * responses, and building a response per request would cost a malloc and a mutex each time.
 *
 * Each thread that checks bodies keeps one json-c tokener (a thread-specific value of the
 * webhook's key, made on first use, freed when the thread exits): making and freeing one per
 * request cost four allocations and ~0.5 us of a ~10 us parse. The parser itself keeps no
 * state; the tokener is the webhook's, lent to alert_parse_with for one call at a time.
 */
#include "tagfailover/webhook.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tagfailover/json.h"
#include "tagfailover/log.h"
#include "tagfailover/ping.h"

#define WEBHOOK_DIGEST_LEN 32
/* Bodies up to this size are collected without a second allocation (Meraki's are ~1-2 KiB). */
#define WEBHOOK_INLINE_BODY 2048

#define WEBHOOK_STR_(x) #x
#define WEBHOOK_STR(x)  WEBHOOK_STR_(x)

/* ---- Pure parts ---- */

/* Status code, word and metric of each result, indexed by webhook_result. */
static const struct {
    unsigned code;
    const char *name;
    int metric; /* metrics_webhook_result, or -1 when not counted */
} webhook_results[WEBHOOK_RESULT_COUNT] = {
    [WEBHOOK_CONTINUE] = {0, "continue", -1},
    [WEBHOOK_ACCEPTED] = {202, "accepted", METRICS_WEBHOOK_ACCEPTED},
    [WEBHOOK_IGNORED] = {200, "ignored", METRICS_WEBHOOK_IGNORED},
    [WEBHOOK_DUPLICATE] = {200, "duplicate", METRICS_WEBHOOK_DUPLICATE},
    [WEBHOOK_UNAUTHORIZED] = {401, "unauthorized", METRICS_WEBHOOK_UNAUTHORIZED},
    [WEBHOOK_FORBIDDEN] = {403, "forbidden", METRICS_WEBHOOK_FORBIDDEN},
    [WEBHOOK_MALFORMED] = {400, "malformed", METRICS_WEBHOOK_MALFORMED},
    [WEBHOOK_TOO_LARGE] = {413, "too_large", METRICS_WEBHOOK_TOO_LARGE},
    [WEBHOOK_OVERLOADED] = {503, "overloaded", METRICS_WEBHOOK_OVERLOADED},
    [WEBHOOK_NOT_FOUND] = {404, "not_found", -1},
    [WEBHOOK_METHOD_NOT_ALLOWED] = {405, "method_not_allowed", -1},
};

unsigned webhook_status_code(webhook_result r)
{
    return (unsigned)r < WEBHOOK_RESULT_COUNT ? webhook_results[r].code : 500;
}

const char *webhook_result_name(webhook_result r)
{
    return (unsigned)r < WEBHOOK_RESULT_COUNT ? webhook_results[r].name : "invalid";
}

bool webhook_result_metric(webhook_result r, metrics_webhook_result *m)
{
    if ((unsigned)r >= WEBHOOK_RESULT_COUNT || webhook_results[r].metric < 0)
        return false;
    *m = (metrics_webhook_result)webhook_results[r].metric;
    return true;
}

bool webhook_addr_parse(const char *s, size_t len, webhook_addr *out)
{
    char buf[INET6_ADDRSTRLEN + 8];

    memset(out, 0, sizeof(*out));
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';

    char *a = buf;
    if (a[0] == '[') {
        /* "[v6]" or "[v6]:port" */
        char *close = strchr(a, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            return false;
        *close = '\0';
        a++;
        if (inet_pton(AF_INET6, a, out->addr) != 1)
            return false;
        out->family = AF_INET6;
        return true;
    }
    if (inet_pton(AF_INET6, a, out->addr) == 1) {
        out->family = AF_INET6;
        return true;
    }
    char *colon = strchr(a, ':');
    if (colon != NULL) {
        /* "v4:port": only digits may follow */
        if (colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
            return false;
        *colon = '\0';
    }
    if (inet_pton(AF_INET, a, out->addr) != 1)
        return false;
    out->family = AF_INET;
    return true;
}

void webhook_addr_format(const webhook_addr *a, char *buf, size_t len)
{
    if (a->family == 0 || inet_ntop(a->family, a->addr, buf, (socklen_t)len) == NULL)
        snprintf(buf, len, "unknown");
}

/* True when `a` is a known address inside one of the CIDRs. */
static bool webhook_addr_in(const webhook_addr *a, const config_cidr_list *l)
{
    return a->family != 0 && config_cidr_list_contains(l, a->family, a->addr);
}

webhook_addr webhook_resolve_client(const webhook_addr *peer, const char *xff,
                                    const config_cidr_list *trusted)
{
    webhook_addr unknown = {0};
    const char *starts[TF_XFF_MAX_ENTRIES];
    size_t lens[TF_XFF_MAX_ENTRIES];
    size_t n = 0;

    if (xff == NULL || !webhook_addr_in(peer, trusted))
        return *peer;
    if (strlen(xff) > TF_XFF_MAX_LEN)
        return unknown;
    for (const char *p = xff;;) {
        const char *comma = strchr(p, ',');
        size_t l = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (n == TF_XFF_MAX_ENTRIES)
            return unknown;
        starts[n] = p;
        lens[n] = l;
        n++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    webhook_addr hop = unknown;
    for (size_t i = n; i-- > 0;) {
        if (!webhook_addr_parse(starts[i], lens[i], &hop))
            return unknown;
        if (!webhook_addr_in(&hop, trusted))
            return hop;
    }
    /* Every address is a trusted proxy: the leftmost is the best we know. */
    return hop;
}

webhook_result webhook_check_head(const config *cfg, const webhook_head *h, webhook_addr *client)
{
    *client = webhook_resolve_client(&h->peer, h->xff, &cfg->trusted_proxies);
    if (h->path == NULL || strcmp(h->path, cfg->webhook_path) != 0)
        return WEBHOOK_NOT_FOUND;
    if (h->method == NULL || strcmp(h->method, "POST") != 0)
        return WEBHOOK_METHOD_NOT_ALLOWED;
    if (cfg->allowed_sources.n > 0 && !webhook_addr_in(client, &cfg->allowed_sources))
        return WEBHOOK_FORBIDDEN;
    if (h->content_length > (long long)cfg->max_body_bytes)
        return WEBHOOK_TOO_LARGE;
    return WEBHOOK_CONTINUE;
}

bool webhook_bearer_token(const char *authorization, const char **tok, size_t *len)
{
    const char *p = authorization;

    if (p == NULL || strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return false;
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    size_t l = strlen(p);
    while (l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t'))
        l--;
    if (l == 0)
        return false;
    *tok = p;
    *len = l;
    return true;
}

/* ---- The pipeline ---- */

/* A prebuilt answer: one per result, and a second that also closes the connection. */
struct webhook {
    const config *cfg;
    webhook_sink sink;
    webhook_dedup *dedup;
    EVP_MD *sha256;
    unsigned char secret_digest[WEBHOOK_DIGEST_LEN];
    struct MHD_Response *resp[WEBHOOK_RESULT_COUNT][2]; /* [result][close] */
};

/* Each thread's json-c tokener (see the top of the file). One key for the process, not one per
 * webhook: a configuration reload replaces the webhook while the HTTP threads live on, and
 * deleting a key frees no thread's value. */
static pthread_key_t webhook_tok_key;
static bool webhook_tok_key_made;
static pthread_once_t webhook_tok_once = PTHREAD_ONCE_INIT;

/* The key's destructor: frees a thread's tokener when the thread exits. */
static void webhook_tokener_free(void *tok)
{
    tfjson_tokener_free(tok);
}

static void webhook_tok_key_init(void)
{
    webhook_tok_key_made = pthread_key_create(&webhook_tok_key, webhook_tokener_free) == 0;
}

/* The calling thread's tokener, made on first use; NULL when out of memory (the parse then
 * makes its own). */
static struct json_tokener *webhook_tokener(webhook *w)
{
    (void)w;
    if (!webhook_tok_key_made)
        return NULL;
    struct json_tokener *tok = pthread_getspecific(webhook_tok_key);

    if (tok == NULL) {
        tok = tfjson_tokener_new();
        if (tok != NULL && pthread_setspecific(webhook_tok_key, tok) != 0) {
            tfjson_tokener_free(tok);
            tok = NULL;
        }
    }
    return tok;
}

/* SHA-256 of `len` bytes; false when OpenSSL fails. */
static bool webhook_digest(const webhook *w, const void *data, size_t len,
                           unsigned char out[WEBHOOK_DIGEST_LEN])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, w->sha256, NULL) == 1 && n == WEBHOOK_DIGEST_LEN;
}

/* True when the presented secret (may be NULL) equals the configured one; constant time in the
 * configured secret. */
static bool webhook_secret_matches(const webhook *w, const char *presented, size_t len)
{
    unsigned char d[WEBHOOK_DIGEST_LEN];

    if (presented == NULL || !webhook_digest(w, presented, len, d))
        return false;
    return CRYPTO_memcmp(d, w->secret_digest, sizeof(d)) == 0;
}

/* Copies a string into a fixed buffer, truncating; NULL becomes "". */
static void webhook_copy(char *dst, size_t size, const char *src)
{
    size_t l = src != NULL ? strnlen(src, size - 1) : 0;
    memcpy(dst, src != NULL ? src : "", l);
    dst[l] = '\0';
}

/* Builds the shared answers. */
static bool webhook_build_responses(webhook *w)
{
    char body[64];
    for (int r = WEBHOOK_ACCEPTED; r < WEBHOOK_RESULT_COUNT; r++) {
        for (int close = 0; close < 2; close++) {
            int n = snprintf(body, sizeof(body), "{\"status\":\"%s\"}\n", webhook_results[r].name);
            struct MHD_Response *resp =
                MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
            if (resp == NULL)
                return false;
            w->resp[r][close] = resp;
            if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
                MHD_YES)
                return false;
            if (r == WEBHOOK_METHOD_NOT_ALLOWED &&
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "POST") != MHD_YES)
                return false;
            if (r == WEBHOOK_OVERLOADED &&
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER,
                                        WEBHOOK_STR(WEBHOOK_RETRY_AFTER_S)) != MHD_YES)
                return false;
            if ((close || r == WEBHOOK_TOO_LARGE) &&
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES)
                return false;
        }
    }
    return true;
}

webhook *webhook_new(const config *cfg, const webhook_sink *sink)
{
    webhook *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->cfg = cfg;
    w->sink = *sink;
    pthread_once(&webhook_tok_once, webhook_tok_key_init);
    w->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    w->dedup = webhook_dedup_new(TF_WEBHOOK_DEDUP_SLOTS, WEBHOOK_DEDUP_TTL_MS);
    const char *secret = cfg->shared_secret != NULL ? cfg->shared_secret : "";
    if (w->sha256 == NULL || w->dedup == NULL ||
        !webhook_digest(w, secret, strlen(secret), w->secret_digest) ||
        !webhook_build_responses(w)) {
        webhook_free(w);
        return NULL;
    }
    return w;
}

void webhook_free(webhook *w)
{
    if (w == NULL)
        return;
    for (int r = 0; r < WEBHOOK_RESULT_COUNT; r++)
        for (int close = 0; close < 2; close++)
            if (w->resp[r][close] != NULL)
                MHD_destroy_response(w->resp[r][close]);
    webhook_dedup_free(w->dedup);
    EVP_MD_free(w->sha256);
    OPENSSL_cleanse(w->secret_digest, sizeof(w->secret_digest));
    /* The key stays: each HTTP thread's tokener is freed when that thread exits. */
    free(w);
}

/* An authenticated body that is no alert: a live ping's callback (202 when its ping is in
 * flight, 200 ignored otherwise, so a forged or stale one can never reach a retag), or
 * malformed. */
static webhook_result webhook_callback(webhook *w, const webhook_body *b, webhook_summary *s)
{
    ping_callback cb;
    ping_err pe = ping_parse_callback(b->data, b->len, &cb);
    if (pe == PING_ERR_NOMEM)
        return WEBHOOK_OVERLOADED;
    if (pe != PING_OK || cb.organization_id[0] == '\0')
        return WEBHOOK_MALFORMED;
    webhook_copy(s->alert_type_id, sizeof(s->alert_type_id), "ping_callback");
    webhook_copy(s->network_id, sizeof(s->network_id), cb.network_id);
    webhook_copy(s->alert_id, sizeof(s->alert_id), cb.callback_id);

    alert_event ea;
    memset(&ea, 0, sizeof(ea));
    ea.kind = ALERT_EVENT_PING_RESULT;
    webhook_copy(ea.organization_id, sizeof(ea.organization_id), cb.organization_id);
    webhook_copy(ea.network_id, sizeof(ea.network_id), cb.network_id);
    webhook_copy(ea.alert_id, sizeof(ea.alert_id), cb.callback_id);
    webhook_copy(ea.ping_id, sizeof(ea.ping_id), cb.result.ping_id);
    ea.ping_finished = cb.result.finished;
    ea.ping_has_results = cb.result.has_results;
    ea.ping_sent = cb.result.sent;
    ea.ping_loss_pct = cb.result.loss_pct;
    ea.received_ms = b->now_ms;
    switch (w->sink.submit(w->sink.ctx, &ea)) {
    case ALERT_QUEUED:
        return WEBHOOK_ACCEPTED;
    case ALERT_UNMATCHED:
        return WEBHOOK_IGNORED;
    case ALERT_FULL:
        break;
    }
    return WEBHOOK_OVERLOADED;
}

webhook_result webhook_check_body(webhook *w, const webhook_body *b, webhook_summary *s)
{
    webhook_result res;
    alert a;
    const char *tok = NULL;
    size_t toklen = 0;

    memset(s, 0, sizeof(*s));
    alert_err pe =
        alert_parse_with(webhook_tokener(w), b->data, b->len, (size_t)w->cfg->max_body_bytes, &a);
    if (pe == ALERT_ERR_NOMEM) {
        res = WEBHOOK_OVERLOADED;
        goto out;
    }

    /* Secret: any presented secret that matches authenticates. Each is checked (no
     * short-circuit), so the time taken does not say which one matched. */
    bool have_bearer = webhook_bearer_token(b->authorization, &tok, &toklen);
    bool body_secret =
        (pe == ALERT_OK || pe == ALERT_ERR_MISSING_FIELD || pe == ALERT_ERR_BAD_FIELD) &&
        a.shared_secret != NULL;
    bool auth = false;
    auth |= webhook_secret_matches(w, b->x_shared_secret,
                                   b->x_shared_secret != NULL ? strlen(b->x_shared_secret) : 0);
    auth |= webhook_secret_matches(w, have_bearer ? tok : NULL, toklen);
    auth |= webhook_secret_matches(w, body_secret ? a.shared_secret : NULL,
                                   body_secret ? strlen(a.shared_secret) : 0);
    if (!auth) {
        res = WEBHOOK_UNAUTHORIZED;
        goto out;
    }
    webhook_copy(s->alert_type_id, sizeof(s->alert_type_id), a.alert_type_id);
    webhook_copy(s->network_id, sizeof(s->network_id), a.network_id);
    webhook_copy(s->alert_id, sizeof(s->alert_id), a.alert_id);
    /* An authenticated object without an alert's fields may be a live ping's callback. */
    if (pe == ALERT_ERR_MISSING_FIELD) {
        res = webhook_callback(w, b, s);
        goto out;
    }
    if (pe != ALERT_OK) {
        res = WEBHOOK_MALFORMED;
        goto out;
    }

    uint64_t key = webhook_dedup_key(w->dedup, &a);
    if (webhook_dedup_check(w->dedup, key, b->now_ms)) {
        res = WEBHOOK_DUPLICATE;
        goto out;
    }
    if (!alert_is_trigger(&a, (const char *const *)w->cfg->trigger_alert_types.v,
                          w->cfg->trigger_alert_types.n) ||
        w->sink.relevance(w->sink.ctx, a.organization_id, a.network_id) != ALERT_RELEVANT) {
        res = WEBHOOK_IGNORED;
        goto out;
    }

    alert_event ea;
    memset(&ea, 0, sizeof(ea));
    ea.kind = ALERT_EVENT_ALERT;
    webhook_copy(ea.organization_id, sizeof(ea.organization_id), a.organization_id);
    webhook_copy(ea.network_id, sizeof(ea.network_id), a.network_id);
    webhook_copy(ea.alert_id, sizeof(ea.alert_id), a.alert_id);
    webhook_copy(ea.alert_type_id, sizeof(ea.alert_type_id), a.alert_type_id);
    webhook_copy(ea.device_serial, sizeof(ea.device_serial), a.device_serial);
    ea.received_ms = b->now_ms;
    if (w->sink.submit(w->sink.ctx, &ea) != ALERT_QUEUED) {
        /* Not queued: Meraki's retry of this very body must not be taken for a duplicate. */
        webhook_dedup_forget(w->dedup, key);
        res = WEBHOOK_OVERLOADED;
        goto out;
    }
    res = WEBHOOK_ACCEPTED;
out:
    alert_clear(&a);
    return res;
}

/* ---- libmicrohttpd glue ---- */

/* One request's state between the handler's calls. */
typedef struct {
    webhook_addr client;
    uint64_t received_ms;
    char *body; /* inline or heap */
    size_t len;
    size_t cap;
    size_t discarded; /* bytes dropped after the body passed max_body_bytes */
    bool too_large;
    char inline_body[WEBHOOK_INLINE_BODY];
} webhook_req;

static uint64_t webhook_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Converts MHD's peer sockaddr. */
static webhook_addr webhook_peer(struct MHD_Connection *c)
{
    webhook_addr a = {0};
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || ci->client_addr == NULL)
        return a;
    if (ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ci->client_addr;
        a.family = AF_INET;
        memcpy(a.addr, &in->sin_addr, 4);
    } else if (ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ci->client_addr;
        a.family = AF_INET6;
        memcpy(a.addr, &in6->sin6_addr, 16);
    }
    return a;
}

/* Joins every X-Forwarded-For header into one list. */
typedef struct {
    char buf[TF_XFF_MAX_LEN + 2];
    size_t len;
    bool any;
} webhook_xff;

static enum MHD_Result webhook_xff_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    webhook_xff *x = cls;
    (void)kind;
    if (key == NULL || value == NULL || strcasecmp(key, "X-Forwarded-For") != 0)
        return MHD_YES;
    /* Past TF_XFF_MAX_LEN the list is kept one byte too long, which the resolver refuses. */
    size_t room = TF_XFF_MAX_LEN + 1 - x->len;
    if (x->any && room > 0) {
        x->buf[x->len++] = ',';
        room--;
    }
    size_t vl = strlen(value);
    if (vl > room)
        vl = room;
    memcpy(x->buf + x->len, value, vl);
    x->len += vl;
    x->buf[x->len] = '\0';
    x->any = true;
    return x->len <= TF_XFF_MAX_LEN ? MHD_YES : MHD_NO;
}

/* Logs the request's line. */
static void webhook_log(webhook_result res, const webhook_addr *client, const webhook_summary *s)
{
    log_level level =
        (res == WEBHOOK_IGNORED || res == WEBHOOK_NOT_FOUND || res == WEBHOOK_METHOD_NOT_ALLOWED)
            ? LOG_DEBUG
            : LOG_INFO;
    char addr[INET6_ADDRSTRLEN + 1];

    if (!log_enabled(level))
        return;
    webhook_addr_format(client, addr, sizeof(addr));
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "client", json_object_new_string(addr));
    json_object_object_add(f, "result", json_object_new_string(webhook_result_name(res)));
    json_object_object_add(f, "status", json_object_new_int((int)webhook_status_code(res)));
    if (s != NULL && s->alert_type_id[0] != '\0')
        json_object_object_add(f, "alert_type_id", json_object_new_string(s->alert_type_id));
    if (s != NULL && s->network_id[0] != '\0')
        json_object_object_add(f, "network_id", json_object_new_string(s->network_id));
    if (s != NULL && s->alert_id[0] != '\0')
        json_object_object_add(f, "alert_id", json_object_new_string(s->alert_id));
    log_event(level, "webhook", f);
}

/* Queues the answer, counts and logs it. */
static enum MHD_Result webhook_answer(webhook *w, struct MHD_Connection *c, webhook_result res,
                                      bool close, const webhook_addr *client,
                                      const webhook_summary *s)
{
    metrics_webhook_result m;

    /* Every caller passes an answer; anything else would be a bug, answered as 503. */
    if (res <= WEBHOOK_CONTINUE || res >= WEBHOOK_RESULT_COUNT)
        res = WEBHOOK_OVERLOADED;
    if (webhook_result_metric(res, &m))
        metrics_webhook(m);
    webhook_log(res, client, s);
    return MHD_queue_response(c, webhook_status_code(res), w->resp[res][close ? 1 : 0]);
}

/* Appends body bytes, or drops them once the body is over the cap. False: cut the
 * connection. */
static bool webhook_collect(webhook *w, webhook_req *r, const char *data, size_t n)
{
    size_t max = (size_t)w->cfg->max_body_bytes;

    if (r->too_large || n > max - r->len) {
        if (!r->too_large) {
            r->too_large = true;
            r->discarded = r->len;
            OPENSSL_cleanse(r->body, r->len);
            if (r->body != r->inline_body)
                free(r->body);
            r->body = r->inline_body;
            r->len = 0;
        }
        r->discarded += n;
        return r->discarded <= TF_WEBHOOK_DISCARD_MAX;
    }
    if (r->len + n > r->cap) {
        size_t cap = r->cap;
        while (cap < r->len + n)
            cap = cap * 2 < max ? cap * 2 : max;
        char *nb = malloc(cap);
        if (nb == NULL)
            return false;
        memcpy(nb, r->body, r->len);
        OPENSSL_cleanse(r->body, r->len);
        if (r->body != r->inline_body)
            free(r->body);
        r->body = nb;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, n);
    r->len += n;
    return true;
}

enum MHD_Result webhook_mhd_handler(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    webhook *w = cls;
    webhook_req *r = *con_cls;
    (void)version;

    if (r == NULL) {
        /* First call: the head is complete, no body byte has been read. */
        webhook_head h = {.path = url, .method = method, .peer = webhook_peer(c)};
        webhook_xff xff = {.len = 0};
        if (webhook_addr_in(&h.peer, &w->cfg->trusted_proxies)) {
            MHD_get_connection_values(c, MHD_HEADER_KIND, webhook_xff_collect, &xff);
            if (xff.any)
                h.xff = xff.buf;
        }
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *te =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
        h.content_length = cl != NULL ? strtoll(cl, NULL, 10) : -1;
        webhook_addr client;
        webhook_result res = webhook_check_head(w->cfg, &h, &client);
        if (res != WEBHOOK_CONTINUE) {
            /* Answered before the body: close, or the unread body would be taken for the
             * next request. */
            bool body_follows = h.content_length > 0 || te != NULL;
            return webhook_answer(w, c, res, body_follows, &client, NULL);
        }
        r = malloc(sizeof(*r));
        if (r == NULL)
            return MHD_NO;
        r->client = client;
        r->received_ms = webhook_now_ms();
        r->body = r->inline_body;
        r->len = 0;
        r->cap = sizeof(r->inline_body);
        r->discarded = 0;
        r->too_large = false;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        bool ok = webhook_collect(w, r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        if (!ok) {
            webhook_log(WEBHOOK_TOO_LARGE, &r->client, NULL);
            metrics_webhook(METRICS_WEBHOOK_TOO_LARGE);
            return MHD_NO; /* cut: far past the cap */
        }
        return MHD_YES;
    }
    /* Last call: the whole body is here (or was dropped). */
    if (r->too_large)
        return webhook_answer(w, c, WEBHOOK_TOO_LARGE, true, &r->client, NULL);
    webhook_body b = {
        .data = r->body,
        .len = r->len,
        .x_shared_secret = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Shared-Secret"),
        .authorization =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
        .now_ms = r->received_ms,
    };
    webhook_summary s;
    webhook_result res = webhook_check_body(w, &b, &s);
    return webhook_answer(w, c, res, false, &r->client, &s);
}

enum MHD_Result webhook_mhd_refuse(void *cls, struct MHD_Connection *c, const char *why)
{
    webhook *w = cls;
    webhook_addr peer = webhook_peer(c);
    (void)why;
    return webhook_answer(w, c, WEBHOOK_MALFORMED, true, &peer, NULL);
}

void webhook_mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    webhook_req *r = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (r == NULL)
        return;
    /* The body may hold the shared secret: wipe what was written, wherever it is. */
    OPENSSL_cleanse(r->body, r->len);
    if (r->body != r->inline_body)
        free(r->body);
    free(r);
    *con_cls = NULL;
}
