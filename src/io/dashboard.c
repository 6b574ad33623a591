/*
 * dashboard.c - the Dashboard API client's state over libcurl: the shared options, key and
 * rate-limit registry, and the per-thread client (its CURL handle, header lists and answer
 * callbacks). One call's loop is in dashboard_call.c, the operations in dashboard_ops.c. See
 * dashboard.h.
 *
 * Why redirects are followed by hand: libcurl (like most clients) drops the Authorization
 * header when a redirect changes host, while Meraki's shard redirects need it; and a
 * redirect to a host we do not trust must never see the key. So CURLOPT_FOLLOWLOCATION stays
 * off here, and dashboard_call.c checks every Location (and every next-page URL, which could
 * point anywhere just as well) before anything is sent to it.
 */
#include "tagfailover/dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dashboard_int.h"
#include "tagfailover/caps.h"
#include "tagfailover/ratelimit.h"

#define DASH_DEFAULT_TIMEOUT_S      30
#define DASH_DEFAULT_MAX_RETRIES    5
#define DASH_DEFAULT_RATE           9.0
#define DASH_DEFAULT_BURST          5.0
#define DASH_DEFAULT_TOTAL_RATE     90.0
#define DASH_DEFAULT_NETWORKS_PAGE  100000
#define DASH_DEFAULT_UPLINKS_PAGE   1000
#define DASH_DEFAULT_VPN_PAGE       300
#define DASH_DEFAULT_BACKOFF_BASE_S 1.0

CURLU *dash_url_parse(const char *url)
{
    CURLU *u = curl_url();

    if (u == NULL)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        return NULL;
    }
    return u;
}

const char *dash_strerror(dash_err e)
{
    switch (e) {
    case DASH_OK:
        return "ok";
    case DASH_ERR_TRANSPORT:
        return "transport error";
    case DASH_ERR_HTTP_4XX:
        return "request refused by the API (4xx)";
    case DASH_ERR_HTTP_5XX:
        return "API server error (5xx), retries exhausted";
    case DASH_ERR_RATE_LIMITED:
        return "rate limited (429), retries exhausted";
    case DASH_ERR_HTTP_OTHER:
        return "unexpected HTTP status";
    case DASH_ERR_PARSE:
        return "response does not parse";
    case DASH_ERR_TOO_LARGE:
        return "response too large";
    case DASH_ERR_REDIRECT:
        return "redirect refused";
    case DASH_ERR_PAGINATION:
        return "pagination broken (a next page repeats one already read, or does not resolve)";
    case DASH_ERR_CANCELLED:
        return "cancelled";
    case DASH_ERR_NOMEM:
        return "out of memory";
    case DASH_ERR_INVALID:
        return "invalid argument";
    }
    return "unknown dashboard error";
}

/* ---- global, shared and client state ------------------------------------------------------ */

dash_err dash_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? DASH_OK : DASH_ERR_NOMEM;
}

void dash_global_cleanup(void)
{
    curl_global_cleanup();
}

static void free_secret(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

dash_err dash_shared_new(const dash_options *opt, dash_shared **out)
{
    dash_shared *s = NULL;
    CURLU *u = NULL;
    char *scheme = NULL;
    dash_err result = DASH_OK;
    rl_limits limits;
    size_t n;

    *out = NULL;
    if (opt == NULL || opt->base_url == NULL || opt->api_key == NULL || opt->api_key[0] == '\0')
        return DASH_ERR_INVALID;
    /* A CR or LF in the key would let it inject headers; nothing but printable ASCII belongs
     * in a Bearer token. */
    for (const char *k = opt->api_key; *k != '\0'; k++) {
        if ((unsigned char)*k <= 0x20 || (unsigned char)*k >= 0x7f)
            return DASH_ERR_INVALID;
    }
    u = dash_url_parse(opt->base_url);
    if (u == NULL || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0)) {
        result = DASH_ERR_INVALID;
        goto out;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    s->timeout_s = opt->timeout_s > 0 ? opt->timeout_s : DASH_DEFAULT_TIMEOUT_S;
    s->max_retries = opt->max_retries == 0  ? DASH_DEFAULT_MAX_RETRIES
                     : opt->max_retries < 0 ? 0
                                            : opt->max_retries;
    s->networks_page = opt->networks_per_page ? opt->networks_per_page : DASH_DEFAULT_NETWORKS_PAGE;
    s->uplinks_page = opt->uplinks_per_page ? opt->uplinks_per_page : DASH_DEFAULT_UPLINKS_PAGE;
    s->vpn_page = opt->vpn_statuses_per_page ? opt->vpn_statuses_per_page : DASH_DEFAULT_VPN_PAGE;
    /* The spec's ranges for perPage. */
    if (s->networks_page < 3 || s->networks_page > 100000 || s->uplinks_page < 3 ||
        s->uplinks_page > 1000 || s->vpn_page < 3 || s->vpn_page > 300) {
        result = DASH_ERR_INVALID;
        goto out;
    }
    s->backoff_base_s = opt->backoff_base_s > 0 ? opt->backoff_base_s : DASH_DEFAULT_BACKOFF_BASE_S;
    s->max_response = opt->max_response_bytes > 0 && opt->max_response_bytes < TF_API_MAX_RESPONSE
                          ? opt->max_response_bytes
                          : (size_t)TF_API_MAX_RESPONSE;
    n = strlen(opt->base_url);
    while (n > 0 && opt->base_url[n - 1] == '/')
        n--;
    s->base_url = strndup(opt->base_url, n);
    n = sizeof("Authorization: Bearer ") + strlen(opt->api_key);
    if ((s->auth_header = malloc(n)) != NULL)
        snprintf(s->auth_header, n, "Authorization: Bearer %s", opt->api_key);
    if (opt->ca_file != NULL && opt->ca_file[0] != '\0')
        s->ca_file = strdup(opt->ca_file);
    s->secrets[0] = strdup(opt->api_key);
    if (opt->shared_secret != NULL && opt->shared_secret[0] != '\0' &&
        (s->secrets[1] = strdup(opt->shared_secret)) == NULL) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    if (s->base_url == NULL || s->auth_header == NULL || s->secrets[0] == NULL ||
        (opt->ca_file != NULL && opt->ca_file[0] != '\0' && s->ca_file == NULL)) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    limits.rate = opt->requests_per_second > 0 ? opt->requests_per_second : DASH_DEFAULT_RATE;
    limits.burst = opt->requests_burst > 0 ? opt->requests_burst : DASH_DEFAULT_BURST;
    limits.total_rate = opt->requests_per_second_total > 0 ? opt->requests_per_second_total
                                                           : DASH_DEFAULT_TOTAL_RATE;
    limits.total_burst = DASH_TOTAL_BURST_FACTOR * limits.burst;
    switch (rl_registry_new(&limits, &s->rl)) {
    case RL_OK:
        break;
    case RL_ERR_NOMEM:
        result = DASH_ERR_NOMEM;
        goto out;
    default:
        result = DASH_ERR_INVALID;
        goto out;
    }
    *out = s;
    s = NULL;
out:
    curl_free(scheme);
    curl_url_cleanup(u);
    dash_shared_free(s);
    return result;
}

void dash_shared_free(dash_shared *s)
{
    if (s == NULL)
        return;
    rl_registry_free(s->rl);
    free(s->base_url);
    free_secret(s->auth_header);
    free_secret(s->secrets[0]);
    free_secret(s->secrets[1]);
    free(s->ca_file);
    free(s);
}

void dash_shared_cancel(dash_shared *s)
{
    rl_cancel(s->rl);
}

bool dash_shared_cancelled(dash_shared *s)
{
    return rl_cancelled(s->rl);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct dash_buf *b = userdata;
    size_t n = size * nmemb;

    if (n > b->max - b->len) {
        b->too_large = true;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->nomem = true;
            return 0;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

/* Copies a header value (without surrounding blanks) into dst; false when it does not fit. */
static bool header_value(char *dst, size_t size, const char *v, size_t n, size_t at)
{
    if (at + n + 1 > size)
        return false;
    memcpy(dst + at, v, n);
    dst[at + n] = '\0';
    return true;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct dash_headers *h = userdata;
    size_t n = size * nmemb, name_len, vlen;
    const char *colon, *v;

    /* A status line starts a new response (an interim 100 Continue, for one): forget what the
     * previous one said. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        memset(h, 0, sizeof(*h));
        return n;
    }
    colon = memchr(data, ':', n);
    if (colon == NULL)
        return n;
    name_len = (size_t)(colon - data);
    v = colon + 1;
    vlen = n - name_len - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' ' ||
                        v[vlen - 1] == '\t'))
        vlen--;
    if (name_len == 4 && strncasecmp(data, "Link", 4) == 0) {
        size_t at = strlen(h->link);
        if (at > 0 && !header_value(h->link, sizeof(h->link), ", ", 2, at))
            h->too_large = true;
        at = strlen(h->link);
        if (!h->too_large && !header_value(h->link, sizeof(h->link), v, vlen, at))
            h->too_large = true;
    } else if (name_len == 8 && strncasecmp(data, "Location", 8) == 0) {
        if (!header_value(h->location, sizeof(h->location), v, vlen, 0))
            h->too_large = true;
    } else if (name_len == 11 && strncasecmp(data, "Retry-After", 11) == 0) {
        h->has_retry_after = header_value(h->retry_after, sizeof(h->retry_after), v, vlen, 0);
    } else if (name_len == 12 && strncasecmp(data, "X-Request-Id", 12) == 0) {
        if (vlen >= sizeof(h->request_id))
            vlen = sizeof(h->request_id) - 1;
        (void)header_value(h->request_id, sizeof(h->request_id), v, vlen, 0);
    }
    /* Refusing here ends the transfer at once instead of buffering a body we will not use. */
    return h->too_large ? 0 : n;
}

/* Seeds the jitter PRNG from OpenSSL; falls back to the clock and an address, which is plenty
 * for spreading retries (the value is not a secret). */
static uint64_t prng_seed(const void *salt)
{
    uint64_t seed = 0;

    if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1)
        seed = (uint64_t)(rl_now() * 1e9) ^ (uint64_t)(uintptr_t)salt;
    return seed != 0 ? seed : 0x9E3779B97F4A7C15ULL;
}

dash_err dash_client_new(dash_shared *s, dash_client **out)
{
    dash_client *c = NULL;
    dash_err result = DASH_OK;
    char ua[64];
    struct curl_slist *l;

    *out = NULL;
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return DASH_ERR_NOMEM;
    c->s = s;
    c->prng = prng_seed(c);
    c->curl = curl_easy_init();
    if (c->curl == NULL) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    snprintf(ua, sizeof(ua), "User-Agent: tagfailover/%s", TF_VERSION);
    const char *lines[] = {s->auth_header, ua, "Accept: application/json"};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if ((l = curl_slist_append(c->hdr, lines[i])) == NULL) {
            result = DASH_ERR_NOMEM;
            goto out;
        }
        c->hdr = l;
        if ((l = curl_slist_append(c->hdr_body, lines[i])) == NULL) {
            result = DASH_ERR_NOMEM;
            goto out;
        }
        c->hdr_body = l;
    }
    /* An empty Expect stops curl from waiting for 100 Continue before large bodies. */
    static const char *const body_lines[] = {"Content-Type: application/json", "Expect:"};
    for (size_t i = 0; i < sizeof(body_lines) / sizeof(body_lines[0]); i++) {
        if ((l = curl_slist_append(c->hdr_body, body_lines[i])) == NULL) {
            result = DASH_ERR_NOMEM;
            goto out;
        }
        c->hdr_body = l;
    }
    c->body.max = s->max_response;

    CURL *h = c->curl;
    CURLcode rc = CURLE_OK;
#define SETOPT(opt, val)                                                                           \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_CONNECTTIMEOUT, s->timeout_s);
    SETOPT(CURLOPT_TIMEOUT, s->timeout_s);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_ERRORBUFFER, c->errbuf);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, &c->body);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, &c->h);
    SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max_response);
    /* Encodings curl can decode; the size cap applies to the decoded bytes. */
    SETOPT(CURLOPT_ACCEPT_ENCODING, "");
    if (s->ca_file != NULL)
        SETOPT(CURLOPT_CAINFO, s->ca_file);
#undef SETOPT
    if (rc != CURLE_OK) {
        result = rc == CURLE_OUT_OF_MEMORY ? DASH_ERR_NOMEM : DASH_ERR_INVALID;
        goto out;
    }
    *out = c;
    c = NULL;
out:
    dash_client_free(c);
    return result;
}

/* Frees a header list, wiping the lines first: one of them is the key. */
static void slist_free_secret(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p != NULL; p = p->next)
        OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

void dash_client_free(dash_client *c)
{
    if (c == NULL)
        return;
    if (c->curl != NULL)
        curl_easy_cleanup(c->curl);
    slist_free_secret(c->hdr);
    slist_free_secret(c->hdr_body);
    free(c->body.p);
    free(c);
}

unsigned long dash_client_requests(const dash_client *c)
{
    return c->requests;
}
