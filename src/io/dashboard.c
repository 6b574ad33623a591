/*
 * dashboard.c - the Dashboard API client over libcurl. See dashboard.h.
 *
 * One call is a loop of HTTP attempts (dash_call): take a token from the organization's
 * bucket, send, then act on the status: 2xx ends it, 3xx moves to the checked Location,
 * 429 pauses the organization and retries, 5xx and transport errors back off and retry,
 * anything else ends it. Paginated calls repeat dash_call for every `Link: rel=next` page and
 * merge the parsed arrays.
 *
 * Why redirects are followed by hand: libcurl (like most clients) drops the Authorization
 * header when a redirect changes host, while Meraki's shard redirects need it; and a
 * redirect to a host we do not trust must never see the key. So CURLOPT_FOLLOWLOCATION stays
 * off and every Location (and every next-page URL, which could point anywhere just as well)
 * passes dash_url_allowed before anything is sent.
 */
#include "tagfailover/dashboard.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tagfailover/caps.h"
#include "tagfailover/json.h"
#include "tagfailover/log.h"
#include "tagfailover/metrics.h"
#include "tagfailover/ratelimit.h"

#define DASH_DEFAULT_TIMEOUT_S      30
#define DASH_DEFAULT_MAX_RETRIES    5
#define DASH_DEFAULT_RATE           9.0
#define DASH_DEFAULT_BURST          5.0
#define DASH_DEFAULT_NETWORKS_PAGE  100000
#define DASH_DEFAULT_UPLINKS_PAGE   1000
#define DASH_DEFAULT_VPN_PAGE       300
#define DASH_DEFAULT_BACKOFF_BASE_S 1.0
#define DASH_BACKOFF_CAP_S          60.0

/* A response buffer kept by the client between calls is freed when it grew past this, so one
 * 10,000-network read does not pin megabytes per thread for the life of the process. */
#define DASH_KEEP_BUFFER_BYTES (1024 * 1024)

struct dash_shared {
    char *base_url;     /* no trailing '/' */
    char *auth_header;  /* "Authorization: Bearer KEY": the secret; wiped on free */
    char *ca_file;      /* NULL: the system bundle */
    long timeout_s;     /* connect and whole-request timeout */
    int max_retries;    /* retries after the first attempt */
    long networks_page; /* perPage values */
    long uplinks_page;
    long vpn_page;
    double backoff_base_s;
    size_t max_response;
    rl_registry *rl; /* the per-organization buckets and pauses, and the cancel flag */
};

/* The response headers the client keeps; each is capped by TF_API_MAX_HEADER. */
struct dash_headers {
    char link[TF_API_MAX_HEADER + 1]; /* every Link line, joined by ", " */
    char retry_after[64];             /* longer values are malformed anyway: dropped */
    char request_id[128];             /* truncated to fit dash_error.request_id */
    char location[TF_API_MAX_HEADER + 1];
    bool has_retry_after;
    bool too_large; /* a Link or Location over the cap: the answer is refused */
};

/* A growable response body with a ceiling. */
struct dash_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    bool too_large;
    bool nomem;
};

struct dash_client {
    dash_shared *s;              /* borrowed */
    CURL *curl;                  /* the thread's connection cache lives here */
    struct curl_slist *hdr;      /* Authorization, User-Agent, Accept */
    struct curl_slist *hdr_body; /* the same, Content-Type and an empty Expect */
    char errbuf[CURL_ERROR_SIZE];
    struct dash_buf body;
    struct dash_headers h;
    uint64_t prng; /* xorshift64* state for backoff jitter; seeded from RAND_bytes */
    unsigned long requests;
};

/* ---- small helpers -------------------------------------------------------------------- */

/* A string builder that remembers running out of memory, so callers check once at the end. */
struct dash_sb {
    char *p;
    size_t len;
    size_t cap;
    bool nomem;
};

static void sb_add_n(struct dash_sb *sb, const char *s, size_t n)
{
    if (sb->nomem)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 128;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *p = realloc(sb->p, cap);
        if (p == NULL) {
            sb->nomem = true;
            return;
        }
        sb->p = p;
        sb->cap = cap;
    }
    memcpy(sb->p + sb->len, s, n);
    sb->len += n;
    sb->p[sb->len] = '\0';
}

static void sb_add(struct dash_sb *sb, const char *s)
{
    sb_add_n(sb, s, strlen(s));
}

/* Appends `s` percent-encoded (RFC 3986 unreserved characters stay as they are). */
static void sb_add_escaped(struct dash_sb *sb, CURL *curl, const char *s)
{
    char *e;

    if (sb->nomem)
        return;
    e = curl_easy_escape(curl, s, 0);
    if (e == NULL) {
        sb->nomem = true;
        return;
    }
    sb_add(sb, e);
    curl_free(e);
}

static void sb_add_long(struct dash_sb *sb, long v)
{
    char buf[32];

    snprintf(buf, sizeof(buf), "%ld", v);
    sb_add(sb, buf);
}

/* Hands the built string to the caller (NULL when out of memory). */
static char *sb_take(struct dash_sb *sb)
{
    char *p = sb->p;

    if (sb->nomem || p == NULL) {
        free(p);
        p = NULL;
    }
    memset(sb, 0, sizeof(*sb));
    return p;
}

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* Copies the path of `url` (no scheme, host or query: a query could carry anything) into buf,
 * for logs. */
static void url_path_for_log(const char *url, char *buf, size_t size)
{
    const char *p = strstr(url, "://");
    size_t n;

    p = p != NULL ? strchr(p + 3, '/') : url;
    if (p == NULL)
        p = "/";
    n = strcspn(p, "?#");
    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

/* Fills err->message with printable text from `body` (an HTML error page from a proxy, say):
 * control characters and non-ASCII become '?', at most 200 characters. */
static void message_from_text(dash_error *err, const char *body, size_t len)
{
    size_t n = 0, max = 200;

    if (max > sizeof(err->message) - 1)
        max = sizeof(err->message) - 1;
    for (size_t i = 0; i < len && n < max; i++) {
        unsigned char ch = (unsigned char)body[i];
        err->message[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : (ch == '\n' ? ' ' : '?');
    }
    err->message[n] = '\0';
}

/* ---- pure helpers (public for tests) ------------------------------------------------------- */

/* The host of a parsed URL, lower-cased and without a trailing dot, into buf. */
static bool url_host(CURLU *u, char *buf, size_t size)
{
    char *host = NULL;
    size_t n;

    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL)
        return false;
    n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (n == 0 || n >= size) {
        curl_free(host);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)host[i]);
    buf[n] = '\0';
    curl_free(host);
    return true;
}

static bool host_ends_with(const char *host, const char *suffix)
{
    size_t hl = strlen(host), sl = strlen(suffix);

    return hl > sl && strcmp(host + hl - sl, suffix) == 0;
}

/* Parses `url` into a new handle (NULL when it does not parse as an absolute URL). */
static CURLU *url_parse(const char *url)
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

bool dash_url_allowed(const char *base_url, const char *url)
{
    static const char *const regional[] = {".meraki.ca", ".meraki.cn", ".meraki.in",
                                           ".gov-meraki.com"};
    CURLU *bu = NULL, *tu = NULL;
    char *bscheme = NULL, *tscheme = NULL, *user = NULL, *password = NULL;
    char bhost[256], thost[256];
    bool ok = false;

    bu = url_parse(base_url);
    tu = url_parse(url);
    if (bu == NULL || tu == NULL)
        goto out;
    if (curl_url_get(bu, CURLUPART_SCHEME, &bscheme, 0) != CURLUE_OK ||
        curl_url_get(tu, CURLUPART_SCHEME, &tscheme, 0) != CURLUE_OK)
        goto out;
    if (strcasecmp(bscheme, tscheme) != 0)
        goto out;
    /* user:password@ in a Location would make curl send Basic credentials of the server's
     * choosing alongside our key; nothing legitimate needs it. */
    if (curl_url_get(tu, CURLUPART_USER, &user, 0) == CURLUE_OK ||
        curl_url_get(tu, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK)
        goto out;
    if (!url_host(bu, bhost, sizeof(bhost)) || !url_host(tu, thost, sizeof(thost)))
        goto out;
    if (strcmp(bhost, thost) == 0 || host_ends_with(thost, ".meraki.com")) {
        ok = true;
        goto out;
    }
    for (size_t i = 0; i < sizeof(regional) / sizeof(regional[0]); i++) {
        if (host_ends_with(bhost, regional[i]) && host_ends_with(thost, regional[i])) {
            ok = true;
            goto out;
        }
    }
out:
    curl_free(bscheme);
    curl_free(tscheme);
    curl_free(user);
    curl_free(password);
    curl_url_cleanup(bu);
    curl_url_cleanup(tu);
    return ok;
}

/* True when the rel value `v` (n bytes, space-separated relation types) contains "next". */
static bool rel_has_next(const char *v, size_t n)
{
    size_t i = 0;

    while (i < n) {
        while (i < n && isspace((unsigned char)v[i]))
            i++;
        size_t start = i;
        while (i < n && !isspace((unsigned char)v[i]))
            i++;
        if (i - start == 4 && strncasecmp(v + start, "next", 4) == 0)
            return true;
    }
    return false;
}

char *dash_link_next(const char *link)
{
    const char *p = link;

    if (link == NULL)
        return NULL;
    for (;;) {
        const char *url, *url_end;
        bool next = false;

        p = strchr(p, '<');
        if (p == NULL)
            return NULL;
        url = p + 1;
        url_end = strchr(url, '>');
        if (url_end == NULL)
            return NULL;
        p = url_end + 1;
        /* Parameters: `; name=value` or `; name="quoted value"`, up to the next ','. */
        while (*p != '\0' && *p != ',') {
            const char *name, *val;
            size_t name_len, val_len = 0;

            while (*p == ' ' || *p == '\t' || *p == ';')
                p++;
            name = p;
            while (*p != '\0' && *p != '=' && *p != ';' && *p != ',' && *p != ' ')
                p++;
            name_len = (size_t)(p - name);
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p != '=') {
                if (name_len == 0 && *p != '\0' && *p != ',' && *p != ';')
                    p++; /* stray character: step over it */
                continue;
            }
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '"') {
                val = ++p;
                while (*p != '\0' && *p != '"') {
                    if (*p == '\\' && p[1] != '\0')
                        p++;
                    p++;
                }
                val_len = (size_t)(p - val);
                if (*p == '"')
                    p++;
            } else {
                val = p;
                while (*p != '\0' && *p != ';' && *p != ',')
                    p++;
                val_len = (size_t)(p - val);
            }
            if (name_len == 3 && strncasecmp(name, "rel", 3) == 0 && rel_has_next(val, val_len))
                next = true;
        }
        if (next) {
            size_t n = (size_t)(url_end - url);
            char *out = malloc(n + 1);
            if (out == NULL)
                return NULL;
            memcpy(out, url, n);
            out[n] = '\0';
            return out;
        }
    }
}

bool dash_parse_retry_after(const char *value, double *seconds)
{
    const char *p = value;
    char *end;
    double v;

    if (value == NULL)
        return false;
    while (*p == ' ' || *p == '\t')
        p++;
    /* Only delta-seconds: digits, optionally a fraction. strtod alone would also take "inf",
     * "nan", hex and exponents. */
    if (!isdigit((unsigned char)*p))
        return false;
    for (const char *q = p; *q != '\0'; q++) {
        if (!isdigit((unsigned char)*q) && *q != '.' && *q != ' ' && *q != '\t')
            return false;
    }
    errno = 0;
    v = strtod(p, &end);
    if (errno != 0 || end == p || !isfinite(v) || v < 0.0)
        return false;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0')
        return false;
    if (v > TF_API_MAX_RETRY_AFTER_S)
        v = TF_API_MAX_RETRY_AFTER_S;
    *seconds = v;
    return true;
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
    struct dash_sb sb = {0};
    double rate, burst;
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
    u = url_parse(opt->base_url);
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
    sb_add_n(&sb, opt->base_url, n);
    s->base_url = sb_take(&sb);
    sb_add(&sb, "Authorization: Bearer ");
    sb_add(&sb, opt->api_key);
    s->auth_header = sb_take(&sb);
    if (opt->ca_file != NULL && opt->ca_file[0] != '\0')
        s->ca_file = strdup(opt->ca_file);
    if (s->base_url == NULL || s->auth_header == NULL ||
        (opt->ca_file != NULL && opt->ca_file[0] != '\0' && s->ca_file == NULL)) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    rate = opt->requests_per_second > 0 ? opt->requests_per_second : DASH_DEFAULT_RATE;
    burst = opt->requests_burst > 0 ? opt->requests_burst : DASH_DEFAULT_BURST;
    switch (rl_registry_new(rate, burst, &s->rl)) {
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

/* A uniform double in [0, 1) (xorshift64*). */
static double prng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
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

/* ---- one call: attempts, redirects, retries ---------------------------------------------- */

/* Sends one HTTP request; the answer is in c->body and c->h. */
static CURLcode dash_send(dash_client *c, const char *method, const char *url, const char *body,
                          long *status)
{
    CURL *h = c->curl;
    CURLcode rc;

    c->body.len = 0;
    c->body.too_large = false;
    c->body.nomem = false;
    if (c->body.p != NULL)
        c->body.p[0] = '\0';
    memset(&c->h, 0, sizeof(c->h));
    c->errbuf[0] = '\0';
    *status = 0;

    rc = curl_easy_setopt(h, CURLOPT_URL, url);
    /* HTTPGET resets any body option a previous request of this handle left. */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (rc == CURLE_OK && body != NULL) {
        rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, strcmp(method, "GET") == 0 ? NULL : method);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, body != NULL ? c->hdr_body : c->hdr);
    if (rc != CURLE_OK)
        return rc;
    c->requests++;
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return rc;
}

/* The backoff before retry number `retry` (0 for the first): base x 2^retry, capped, times a
 * jitter factor in [1, 1.5) so that clients hit together do not retry together; still capped. */
static double dash_backoff(dash_client *c, int retry)
{
    double d = c->s->backoff_base_s * pow(2.0, retry > 30 ? 30 : retry);

    if (d > DASH_BACKOFF_CAP_S)
        d = DASH_BACKOFF_CAP_S;
    d *= 1.0 + 0.5 * prng_next(&c->prng);
    return d > DASH_BACKOFF_CAP_S ? DASH_BACKOFF_CAP_S : d;
}

/* Logs a retry or a failure: status, path (no query), request ID, message; never the key. */
static void dash_log(log_level level, const char *event, const char *method, const char *url,
                     const dash_error *err, int retry, double wait_s)
{
    struct json_object *f;
    char path[512];

    if (!log_enabled(level))
        return;
    url_path_for_log(url, path, sizeof(path));
    f = json_object_new_object();
    if (f == NULL)
        return;
    json_object_object_add(f, "method", json_object_new_string(method));
    json_object_object_add(f, "path", json_object_new_string(path));
    json_object_object_add(f, "status", json_object_new_int64(err->http_status));
    json_object_object_add(f, "error", json_object_new_string(dash_strerror(err->code)));
    if (err->request_id[0] != '\0')
        json_object_object_add(f, "request_id", json_object_new_string(err->request_id));
    if (err->message[0] != '\0')
        json_object_object_add(f, "message", json_object_new_string(err->message));
    if (retry > 0) {
        json_object_object_add(f, "retry", json_object_new_int(retry));
        json_object_object_add(f, "wait_s", json_object_new_double(round(wait_s * 1000) / 1000));
    }
    log_event(level, event, f);
}

/* Fills err->message from an error answer: the API's `errors` joined, else its text. */
static void message_from_body(dash_client *c, dash_error *err)
{
    char *msg = NULL;

    err->message[0] = '\0';
    if (c->body.len == 0)
        return;
    if (dj_parse_errors(c->body.p, c->body.len, &msg) == DJ_OK && msg != NULL) {
        copy_str(err->message, sizeof(err->message), msg);
        free(msg);
        return;
    }
    message_from_text(err, c->body.p, c->body.len);
}

/* Whether a transport error is worth retrying. A URL curl cannot use, or a certificate that
 * does not verify, will not get better in a second; retrying them only delays the report. */
static bool transport_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_OUT_OF_MEMORY:
        return false;
    default:
        return true;
    }
}

/* Resolves `ref` (a Location or a Link target, maybe relative) against `current`. Returns a
 * heap URL (curl_free) or NULL. */
static char *resolve_url(const char *current, const char *ref)
{
    CURLU *u = url_parse(current);
    char *out = NULL;

    if (u == NULL)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK)
        (void)curl_url_get(u, CURLUPART_URL, &out, 0);
    curl_url_cleanup(u);
    return out;
}

static dash_err rl_to_dash(rl_err e)
{
    switch (e) {
    case RL_OK:
        return DASH_OK;
    case RL_ERR_CANCELLED:
        return DASH_ERR_CANCELLED;
    case RL_ERR_NOMEM:
        return DASH_ERR_NOMEM;
    case RL_ERR_INVALID:
        break;
    }
    return DASH_ERR_INVALID;
}

/*
 * Performs one API call: `method` on `first_url` with `body` (or NULL), counting against
 * `org`. On DASH_OK the answer is in c->body and, when `next` is not NULL, *next is the
 * resolved URL of the `rel=next` page or NULL (caller frees; already checked against the host
 * rule). Redirected and retried attempts stay on the URL the last redirect named.
 */
static dash_err dash_call(dash_client *c, const char *org, const char *method,
                          const char *first_url, const char *body, char **next, dash_error *err)
{
    dash_shared *s = c->s;
    char *url = NULL;
    dash_err result = DASH_OK;
    int retries = 0, redirects = 0;

    memset(err, 0, sizeof(*err));
    if (next != NULL)
        *next = NULL;
    url = strdup(first_url);
    if (url == NULL) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    for (;;) {
        double t_start, wait_s = 0.0;
        long status = 0;
        CURLcode rc;
        bool retry = false, pause = false;

        result = rl_to_dash(rl_acquire(s->rl, org));
        if (result != DASH_OK)
            goto out;
        t_start = rl_now();
        rc = dash_send(c, method, url, body, &status);
        err->http_status = status;
        if (c->h.request_id[0] != '\0')
            copy_str(err->request_id, sizeof(err->request_id), c->h.request_id);
        err->message[0] = '\0';
        metrics_api_request(rc == CURLE_OK ? (int)status : 0);
        if (log_enabled(LOG_DEBUG)) {
            char path[512];
            url_path_for_log(url, path, sizeof(path));
            log_msg(LOG_DEBUG, "api_request", "%s %s -> %ld (%s) in %.3f s", method, path, status,
                    rc == CURLE_OK ? "ok" : curl_easy_strerror(rc), rl_now() - t_start);
        }

        if (rc != CURLE_OK) {
            if (c->body.too_large || c->h.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
                result = DASH_ERR_TOO_LARGE;
                snprintf(err->message, sizeof(err->message), "%s over %zu bytes",
                         c->h.too_large ? "a response header" : "the response",
                         c->h.too_large ? (size_t)TF_API_MAX_HEADER : s->max_response);
                goto fail;
            }
            if (c->body.nomem || rc == CURLE_OUT_OF_MEMORY) {
                result = DASH_ERR_NOMEM;
                goto fail;
            }
            result = DASH_ERR_TRANSPORT;
            snprintf(err->message, sizeof(err->message), "%s",
                     c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(rc));
            if (!transport_retryable(rc))
                goto fail;
            retry = true;
            wait_s = dash_backoff(c, retries);
        } else if (status >= 200 && status < 300) {
            result = DASH_OK;
            break;
        } else if (status == 301 || status == 302 || status == 303 || status == 307 ||
                   status == 308) {
            char *target;

            if (c->h.location[0] == '\0') {
                result = DASH_ERR_HTTP_OTHER;
                copy_str(err->message, sizeof(err->message), "redirect without a Location");
                goto fail;
            }
            if (++redirects > TF_API_MAX_REDIRECTS) {
                result = DASH_ERR_REDIRECT;
                snprintf(err->message, sizeof(err->message), "more than %d redirects in a row",
                         TF_API_MAX_REDIRECTS);
                goto fail;
            }
            target = resolve_url(url, c->h.location);
            if (target == NULL || !dash_url_allowed(s->base_url, target)) {
                /* The message names the refused host for the operator; the key never went. */
                CURLU *u = target != NULL ? url_parse(target) : NULL;
                char host[256] = "?";
                if (u == NULL || !url_host(u, host, sizeof(host)))
                    copy_str(host, sizeof(host), "(unparsable)");
                curl_url_cleanup(u);
                curl_free(target);
                result = DASH_ERR_REDIRECT;
                snprintf(err->message, sizeof(err->message),
                         "redirect to a host that is not the API's refused: %s", host);
                goto fail;
            }
            free(url);
            url = strdup(target);
            curl_free(target);
            if (url == NULL) {
                result = DASH_ERR_NOMEM;
                goto out;
            }
            continue;
        } else if (status == 429) {
            result = DASH_ERR_RATE_LIMITED;
            message_from_body(c, err);
            if (!c->h.has_retry_after || !dash_parse_retry_after(c->h.retry_after, &wait_s))
                wait_s = dash_backoff(c, retries);
            retry = true;
            pause = true;
        } else if (status >= 500 && status < 600) {
            result = DASH_ERR_HTTP_5XX;
            message_from_body(c, err);
            retry = true;
            wait_s = dash_backoff(c, retries);
        } else {
            result = status >= 400 && status < 500 ? DASH_ERR_HTTP_4XX : DASH_ERR_HTTP_OTHER;
            message_from_body(c, err);
            goto fail;
        }
        redirects = 0;

        /* A 429 is about the organization, not this request: every request of the
         * organization waits, even when this call has no retry left. */
        if (pause) {
            result = rl_to_dash(rl_pause_until(s->rl, org, rl_now() + wait_s));
            if (result != DASH_OK)
                goto out;
            result = DASH_ERR_RATE_LIMITED;
        }
        if (!retry || retries >= s->max_retries)
            goto fail;
        retries++;
        metrics_api_retry();
        err->code = result;
        dash_log(LOG_WARN, "api_retry", method, url, err, retries, wait_s);
        /* After a 429 the pause is the wait: rl_acquire honours it, and so does every other
         * thread of the organization. */
        if (!pause) {
            dash_err w = rl_to_dash(rl_sleep(s->rl, wait_s));
            if (w != DASH_OK) {
                result = w;
                goto out;
            }
        }
    }

    if (next != NULL && c->h.link[0] != '\0') {
        char *ref = dash_link_next(c->h.link);
        char *target = ref != NULL ? resolve_url(url, ref) : NULL;

        free(ref);
        if (target != NULL && !dash_url_allowed(s->base_url, target)) {
            curl_free(target);
            result = DASH_ERR_REDIRECT;
            copy_str(err->message, sizeof(err->message),
                     "next-page link to a host that is not the API's refused");
            goto fail;
        }
        if (target != NULL) {
            *next = strdup(target);
            curl_free(target);
            if (*next == NULL) {
                result = DASH_ERR_NOMEM;
                goto out;
            }
        }
    }
    goto out;

fail:
    err->code = result;
    dash_log(LOG_ERROR, "api_error", method, url, err, 0, 0.0);
out:
    err->code = result;
    if (result == DASH_ERR_CANCELLED && err->message[0] == '\0')
        copy_str(err->message, sizeof(err->message), "shutting down");
    free(url);
    return result;
}

/* Keeps the response buffer for the next call unless it grew large. */
static void dash_trim_buffer(dash_client *c)
{
    if (c->body.cap > DASH_KEEP_BUFFER_BYTES) {
        free(c->body.p);
        c->body.p = NULL;
        c->body.cap = 0;
        c->body.len = 0;
    }
}

/* Records a parse failure of an answer that came back 2xx. */
static dash_err dash_parse_failed(dash_client *c, const char *what, dj_err e, dash_error *err)
{
    err->code = e == DJ_ERR_NOMEM       ? DASH_ERR_NOMEM
                : e == DJ_ERR_TOO_LARGE ? DASH_ERR_TOO_LARGE
                                        : DASH_ERR_PARSE;
    snprintf(err->message, sizeof(err->message), "%s: %s (%zu bytes)", what, dj_strerror(e),
             c->body.len);
    log_msg(LOG_ERROR, "api_parse_error", "%s: %s (%zu bytes, request %s)", what, dj_strerror(e),
            c->body.len, err->request_id[0] != '\0' ? err->request_id : "-");
    return err->code;
}

/* ---- pagination ----------------------------------------------------------------------------- */

/* How to parse and free one kind of array answer. */
struct page_kind {
    const char *what; /* for messages */
    size_t elem_size;
    dj_err (*parse)(const char *json, size_t len, void **out, size_t *n);
    void (*free)(void *v, size_t n);
};

/* Each wrapper turns a typed dj parser into the untyped shape of page_kind (calling a
 * function through a pointer of another type would be undefined). */
static dj_err parse_orgs_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_org *v = NULL;
    dj_err e = dj_parse_organizations(j, l, &v, n);
    *out = v;
    return e;
}
static void free_orgs_v(void *v, size_t n)
{
    dj_orgs_free(v, n);
}
static dj_err parse_networks_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_network *v = NULL;
    dj_err e = dj_parse_networks(j, l, &v, n);
    *out = v;
    return e;
}
static void free_networks_v(void *v, size_t n)
{
    dj_networks_free(v, n);
}
static dj_err parse_appliances_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_appliance *v = NULL;
    dj_err e = dj_parse_uplink_statuses(j, l, &v, n);
    *out = v;
    return e;
}
static void free_appliances_v(void *v, size_t n)
{
    dj_appliances_free(v, n);
}
static dj_err parse_vpn_v(const char *j, size_t l, void **out, size_t *n)
{
    dj_vpn_status *v = NULL;
    dj_err e = dj_parse_vpn_statuses(j, l, &v, n);
    *out = v;
    return e;
}
static void free_vpn_v(void *v, size_t n)
{
    dj_vpn_statuses_free(v, n);
}

static const struct page_kind kind_orgs = {"organizations", sizeof(dj_org), parse_orgs_v,
                                           free_orgs_v};
static const struct page_kind kind_networks = {"networks", sizeof(dj_network), parse_networks_v,
                                               free_networks_v};
static const struct page_kind kind_appliances = {"uplink statuses", sizeof(dj_appliance),
                                                 parse_appliances_v, free_appliances_v};
static const struct page_kind kind_vpn = {"vpn statuses", sizeof(dj_vpn_status), parse_vpn_v,
                                          free_vpn_v};

/*
 * GETs `first_url` and every `rel=next` page after it, parses each with `kind` and appends
 * the elements to *out (n of them). The pages' element structs are moved, not copied: the
 * dj arrays are plain malloc'd arrays (dashboard_json.h), so after the move only the page's
 * array itself is freed.
 */
static dash_err dash_paginate(dash_client *c, const char *org, const char *first_url,
                              const struct page_kind *kind, void **out, size_t *n, dash_error *err)
{
    char *url = NULL, *next = NULL;
    char *all = NULL;
    size_t n_all = 0;
    dash_err result = DASH_OK;
    unsigned pages = 0;

    *out = NULL;
    *n = 0;
    url = strdup(first_url);
    if (url == NULL) {
        result = DASH_ERR_NOMEM;
        goto out;
    }
    while (url != NULL) {
        void *page = NULL;
        size_t n_page = 0;
        dj_err pe;

        if (++pages > TF_API_MAX_PAGES) {
            result = err->code = DASH_ERR_TOO_LARGE;
            snprintf(err->message, sizeof(err->message), "%s: more than %d pages", kind->what,
                     TF_API_MAX_PAGES);
            log_msg(LOG_ERROR, "api_error", "%s", err->message);
            goto out;
        }
        result = dash_call(c, org, "GET", url, NULL, &next, err);
        if (result != DASH_OK)
            goto out;
        pe = kind->parse(c->body.p != NULL ? c->body.p : "", c->body.len, &page, &n_page);
        if (pe != DJ_OK) {
            result = dash_parse_failed(c, kind->what, pe, err);
            goto out;
        }
        if (n_page > 0) {
            char *grown = realloc(all, (n_all + n_page) * kind->elem_size);
            if (grown == NULL) {
                kind->free(page, n_page);
                result = DASH_ERR_NOMEM;
                goto out;
            }
            all = grown;
            memcpy(all + n_all * kind->elem_size, page, n_page * kind->elem_size);
            n_all += n_page;
        }
        free(page);
        free(url);
        url = next;
        next = NULL;
    }
    *out = all;
    *n = n_all;
    all = NULL;
out:
    if (all != NULL)
        kind->free(all, n_all);
    free(url);
    free(next);
    dash_trim_buffer(c);
    err->code = result;
    return result;
}

/* ---- operations ------------------------------------------------------------------------------ */

/* Starts a URL: the base URL and `path`. */
static void url_start(struct dash_sb *sb, dash_client *c, const char *path)
{
    sb_add(sb, c->s->base_url);
    sb_add(sb, path);
}

/* Starts a URL: the base URL, `prefix`, the escaped `id`, and `suffix`. */
static void url_start_id(struct dash_sb *sb, dash_client *c, const char *prefix, const char *id,
                         const char *suffix)
{
    sb_add(sb, c->s->base_url);
    sb_add(sb, prefix);
    sb_add_escaped(sb, c->curl, id);
    sb_add(sb, suffix);
}

/* Validates the arguments every call has and clears the error. */
static bool args_ok(dash_client *c, const char *id, dash_error *err)
{
    memset(err, 0, sizeof(*err));
    if (c == NULL || id == NULL || id[0] == '\0') {
        err->code = DASH_ERR_INVALID;
        copy_str(err->message, sizeof(err->message), "missing client or ID");
        return false;
    }
    return true;
}

dash_err dash_list_organizations(dash_client *c, dj_org **out, size_t *n, dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, "-", err))
        return err->code;
    url_start(&sb, c, "/organizations");
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, NULL, url, &kind_orgs, &v, n, err);
    *out = v;
    free(url);
    return result;
}

dash_err dash_list_networks(dash_client *c, const char *org_id, const tags_list *tags,
                            dash_tags_filter filter, dj_network **out, size_t *n, dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/networks?perPage=");
    sb_add_long(&sb, c->s->networks_page);
    if (tags != NULL && tags->n > 0) {
        for (size_t i = 0; i < tags->n; i++) {
            sb_add(&sb, "&tags%5B%5D=");
            sb_add_escaped(&sb, c->curl, tags->v[i]);
        }
        sb_add(&sb, filter == DASH_TAGS_ALL ? "&tagsFilterType=withAllTags"
                                            : "&tagsFilterType=withAnyTags");
    }
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, org_id, url, &kind_networks, &v, n, err);
    *out = v;
    free(url);
    return result;
}

/* GET or PUT of one network, answered by the network. */
static dash_err dash_network_call(dash_client *c, const char *org_id, const char *network_id,
                                  const char *method, const char *body, dj_network *out,
                                  dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL;
    dash_err result;
    dj_err pe;

    url_start_id(&sb, c, "/networks/", network_id, "");
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    result = dash_call(c, org_id, method, url, body, NULL, err);
    if (result != DASH_OK)
        goto out;
    pe = dj_parse_network(c->body.p != NULL ? c->body.p : "", c->body.len, out);
    if (pe != DJ_OK)
        result = dash_parse_failed(c, "network", pe, err);
out:
    free(url);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_get_network(dash_client *c, const char *org_id, const char *network_id,
                          dj_network *out, dash_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!args_ok(c, network_id, err))
        return err->code;
    return dash_network_call(c, org_id, network_id, "GET", NULL, out, err);
}

dash_err dash_put_network_tags(dash_client *c, const char *org_id, const char *network_id,
                               const tags_list *tags, dj_network *out, dash_error *err)
{
    char *body;
    dash_err result;

    memset(out, 0, sizeof(*out));
    if (!args_ok(c, network_id, err))
        return err->code;
    if (tags == NULL) {
        copy_str(err->message, sizeof(err->message), "no tag list");
        return err->code = DASH_ERR_INVALID;
    }
    body = dj_build_tags_body(tags);
    if (body == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_network_call(c, org_id, network_id, "PUT", body, out, err);
    free(body);
    return result;
}

dash_err dash_get_loss(dash_client *c, const char *org_id, int64_t t0, int64_t t1,
                       const char *uplink, const char *ip, dj_loss_item **out, size_t *n,
                       dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL, ts[32];
    dash_err result;
    dj_err pe;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/devices/uplinksLossAndLatency?t0=");
    dj_format_time(t0, ts, sizeof(ts));
    sb_add_escaped(&sb, c->curl, ts);
    sb_add(&sb, "&t1=");
    dj_format_time(t1, ts, sizeof(ts));
    sb_add_escaped(&sb, c->curl, ts);
    if (uplink != NULL && uplink[0] != '\0') {
        sb_add(&sb, "&uplink=");
        sb_add_escaped(&sb, c->curl, uplink);
    }
    if (ip != NULL && ip[0] != '\0') {
        sb_add(&sb, "&ip=");
        sb_add_escaped(&sb, c->curl, ip);
    }
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    result = dash_call(c, org_id, "GET", url, NULL, NULL, err);
    if (result != DASH_OK)
        goto out;
    pe = dj_parse_loss(c->body.p != NULL ? c->body.p : "", c->body.len, out, n);
    if (pe != DJ_OK)
        result = dash_parse_failed(c, "uplinksLossAndLatency", pe, err);
out:
    free(url);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_list_uplink_statuses(dash_client *c, const char *org_id, dj_appliance **out,
                                   size_t *n, dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/appliance/uplink/statuses?perPage=");
    sb_add_long(&sb, c->s->uplinks_page);
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, org_id, url, &kind_appliances, &v, n, err);
    *out = v;
    free(url);
    return result;
}

dash_err dash_list_vpn_statuses(dash_client *c, const char *org_id, dj_vpn_status **out, size_t *n,
                                dash_error *err)
{
    struct dash_sb sb = {0};
    char *url;
    void *v = NULL;
    dash_err result;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/appliance/vpn/statuses?perPage=");
    sb_add_long(&sb, c->s->vpn_page);
    url = sb_take(&sb);
    if (url == NULL)
        return err->code = DASH_ERR_NOMEM;
    result = dash_paginate(c, org_id, url, &kind_vpn, &v, n, err);
    *out = v;
    free(url);
    return result;
}

dash_err dash_get_peers(dash_client *c, const char *org_id, dj_peer **out, size_t *n,
                        dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL;
    dash_err result;
    dj_err pe;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, org_id, err))
        return err->code;
    url_start_id(&sb, c, "/organizations/", org_id, "/appliance/vpn/thirdPartyVPNPeers");
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    result = dash_call(c, org_id, "GET", url, NULL, NULL, err);
    if (result != DASH_OK)
        goto out;
    pe = dj_parse_peers(c->body.p != NULL ? c->body.p : "", c->body.len, out, n);
    if (pe != DJ_OK)
        result = dash_parse_failed(c, "thirdPartyVPNPeers", pe, err);
out:
    free(url);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_get_destinations(dash_client *c, const char *org_id, const char *network_id,
                               dj_destination **out, size_t *n, dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL;
    dash_err result;
    dj_err pe;

    *out = NULL;
    *n = 0;
    if (!args_ok(c, network_id, err))
        return err->code;
    url_start_id(&sb, c, "/networks/", network_id, "/appliance/connectivityMonitoringDestinations");
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    result = dash_call(c, org_id, "GET", url, NULL, NULL, err);
    if (result != DASH_OK)
        goto out;
    pe = dj_parse_destinations(c->body.p != NULL ? c->body.p : "", c->body.len, out, n);
    if (pe != DJ_OK)
        result = dash_parse_failed(c, "connectivityMonitoringDestinations", pe, err);
out:
    free(url);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_request(dash_client *c, const char *org_id, const char *method,
                      const char *path_and_query, const char *json_body, char **resp, size_t *len,
                      dash_error *err)
{
    struct dash_sb sb = {0};
    char *url = NULL;
    dash_err result;
    struct json_object *parsed = NULL;

    *resp = NULL;
    *len = 0;
    if (!args_ok(c, "-", err))
        return err->code;
    if (method == NULL || method[0] == '\0' || path_and_query == NULL || path_and_query[0] != '/') {
        copy_str(err->message, sizeof(err->message), "method and a path starting with '/'");
        return err->code = DASH_ERR_INVALID;
    }
    url_start(&sb, c, path_and_query);
    url = sb_take(&sb);
    if (url == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    result = dash_call(c, org_id, method, url, json_body, NULL, err);
    if (result != DASH_OK)
        goto out;
    if (c->body.len > 0) {
        tfjson_err js = tfjson_parse(c->body.p, c->body.len, &parsed);
        if (js != TFJSON_OK) {
            result = dash_parse_failed(
                c, "response", js == TFJSON_ERR_NOMEM ? DJ_ERR_NOMEM : DJ_ERR_NOT_JSON, err);
            goto out;
        }
    }
    *resp = malloc(c->body.len + 1);
    if (*resp == NULL) {
        result = err->code = DASH_ERR_NOMEM;
        goto out;
    }
    if (c->body.len > 0)
        memcpy(*resp, c->body.p, c->body.len);
    (*resp)[c->body.len] = '\0';
    *len = c->body.len;
out:
    json_object_put(parsed);
    free(url);
    dash_trim_buffer(c);
    return result;
}
