/*
 * api_rules.c - the Dashboard API client's decisions. See api_rules.h.
 *
 * Why this file parses URLs itself instead of the adapter asking libcurl: the host rule is
 * the one thing between the API key and a host of an attacker's choosing, so it belongs with
 * the other decisions, in the core, under a unit table; and the core links no libcurl. Two
 * URL parsers that disagree about a host are the classic way around such a rule, so this one
 * is strict rather than general. It accepts only `scheme://host[:port]` followed by nothing or
 * by '/', '?' or '#', the whole URL printable ASCII, the host plain letters, digits, '.', '-'
 * and '_' (or a bracketed IPv6 literal of hex digits, ':' and '.'), the port digits: so no
 * user information, percent-escape, backslash, space or zone in the part that names the host.
 * For that form every parser, libcurl's included, finds the same host. The adapter asks about
 * exactly the string it then hands libcurl: the Location or next-page link as libcurl itself
 * resolved it and wrote it out, and the API's own URLs are all of the plain form. Anything else
 * is refused: the cost of a false "no" is one refused redirect, of a false "yes" the key.
 */
#include "tagfailover/api_rules.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tagfailover/caps.h"

/* Longest scheme and host considered; a longer one is refused. 255 is DNS's limit for a name. */
#define API_SCHEME_MAX 16
#define API_HOST_MAX   256

/* ---- URLs --------------------------------------------------------------------------------- */

/* The parts of a plain URL the host rule looks at. */
struct api_url {
    char scheme[API_SCHEME_MAX]; /* lower-cased */
    char host[API_HOST_MAX];     /* lower-cased, no trailing dot, IPv6 in brackets */
};

static bool is_scheme_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '+' || ch == '-' || ch == '.';
}

static bool is_name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '.' || ch == '-' || ch == '_';
}

static bool is_ipv6_char(char ch)
{
    return isxdigit((unsigned char)ch) || ch == ':' || ch == '.';
}

/* Copies n bytes of s lower-cased into dst (size bytes); false when they do not fit. */
static bool copy_lower(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        return false;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)s[i]);
    dst[n] = '\0';
    return true;
}

/* Checks a host name (n bytes, trailing dot already dropped): non-empty labels of name
 * characters. */
static bool name_ok(const char *h, size_t n)
{
    if (n == 0 || h[0] == '.' || h[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_name_char(h[i]) || (h[i] == '.' && h[i + 1] == '.'))
            return false;
    }
    return true;
}

/* True when the n bytes at p are a port: 1 to 5 digits. */
static bool port_ok(const char *p, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
    }
    return true;
}

/* Splits `auth` (n bytes: the authority, up to the first '/', '?', '#' or the end) into the
 * host, checked and copied into u->host, and an optional ":port". An empty host is refused. */
static bool split_authority(const char *auth, size_t n, struct api_url *u)
{
    size_t host_len, name_len;

    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', n);
        if (close == NULL || close == auth + 1)
            return false;
        host_len = name_len = (size_t)(close - auth) + 1;
        for (size_t i = 1; i + 1 < host_len; i++) {
            if (!is_ipv6_char(auth[i]))
                return false;
        }
    } else {
        const char *colon = memchr(auth, ':', n);
        host_len = colon != NULL ? (size_t)(colon - auth) : n;
        /* "host." is the same name as "host". */
        name_len = host_len > 0 && auth[host_len - 1] == '.' ? host_len - 1 : host_len;
        if (!name_ok(auth, name_len))
            return false;
    }
    if (host_len < n && (auth[host_len] != ':' || !port_ok(auth + host_len + 1, n - host_len - 1)))
        return false;
    return copy_lower(u->host, sizeof(u->host), auth, name_len);
}

/* Parses a URL of the plain form (see the top of this file) into `u`; *rest, when rest is not
 * NULL, is set to what follows the authority (the path, query and fragment). */
static bool url_split_rest(const char *url, struct api_url *u, const char **rest)
{
    const char *p, *auth;
    size_t scheme_len;

    if (url == NULL)
        return false;
    for (p = url; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    }
    if (!isalpha((unsigned char)url[0]))
        return false;
    for (p = url; is_scheme_char(*p); p++)
        ;
    scheme_len = (size_t)(p - url);
    if (strncmp(p, "://", 3) != 0 || !copy_lower(u->scheme, sizeof(u->scheme), url, scheme_len))
        return false;
    auth = p + 3;
    /* The authority ends at the path, query or fragment. */
    if (rest != NULL)
        *rest = auth + strcspn(auth, "/?#");
    return split_authority(auth, strcspn(auth, "/?#"), u);
}

/* url_split_rest without the rest. */
static bool url_split(const char *url, struct api_url *u)
{
    return url_split_rest(url, u, NULL);
}

bool api_url_same_resource(const char *from, const char *to)
{
    struct api_url a, b;
    const char *ra, *rb;
    size_t na, nb;

    if (!url_split_rest(from, &a, &ra) || !url_split_rest(to, &b, &rb))
        return false;
    /* A fragment is never sent; everything before it is, and must not change. */
    na = strcspn(ra, "#");
    nb = strcspn(rb, "#");
    return na == nb && memcmp(ra, rb, na) == 0;
}

bool api_url_host(const char *url, char *buf, size_t size)
{
    struct api_url u;

    if (size > 0)
        buf[0] = '\0';
    if (!url_split(url, &u) || strlen(u.host) >= size)
        return false;
    memcpy(buf, u.host, strlen(u.host) + 1);
    return true;
}

/* True when `host` is longer than `suffix` and ends with it. */
static bool host_ends_with(const char *host, const char *suffix)
{
    size_t hl = strlen(host), sl = strlen(suffix);

    return hl > sl && strcmp(host + hl - sl, suffix) == 0;
}

bool api_url_allowed(const char *base_url, const char *url)
{
    static const char *const regional[] = {".meraki.ca", ".meraki.cn", ".meraki.in",
                                           ".gov-meraki.com"};
    struct api_url b, t;

    if (!url_split(base_url, &b) || !url_split(url, &t) || strcmp(b.scheme, t.scheme) != 0)
        return false;
    if (strcmp(b.host, t.host) == 0 || host_ends_with(t.host, ".meraki.com"))
        return true;
    for (size_t i = 0; i < sizeof(regional) / sizeof(regional[0]); i++) {
        if (host_ends_with(b.host, regional[i]) && host_ends_with(t.host, regional[i]))
            return true;
    }
    return false;
}

/* ---- Link and Retry-After ------------------------------------------------------------------ */

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

/* Finds the rel="next" target of a Link header value: true with its text at *found
 * (*found_len bytes, not terminated), false when there is none. */
static bool link_find_next(const char *link, const char **found, size_t *found_len)
{
    const char *p = link;

    if (link == NULL)
        return false;
    for (;;) {
        const char *url, *url_end;
        bool next = false;

        p = strchr(p, '<');
        if (p == NULL)
            return false;
        url = p + 1;
        url_end = strchr(url, '>');
        if (url_end == NULL)
            return false;
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
            *found = url;
            *found_len = (size_t)(url_end - url);
            return true;
        }
    }
}

bool api_link_has_next(const char *link)
{
    const char *url;
    size_t n;

    return link_find_next(link, &url, &n);
}

char *api_link_next(const char *link)
{
    const char *url;
    size_t n;
    char *out;

    if (!link_find_next(link, &url, &n) || (out = malloc(n + 1)) == NULL)
        return NULL;
    memcpy(out, url, n);
    out[n] = '\0';
    return out;
}

bool api_parse_retry_after(const char *value, double *seconds)
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

/* ---- the decision ---------------------------------------------------------------------------- */

double api_backoff(double base_s, int retry, double jitter)
{
    double d = base_s * pow(2.0, retry > 30 ? 30 : retry < 0 ? 0 : retry);

    if (!(jitter >= 0.0)) /* also NaN */
        jitter = 0.0;
    if (jitter > 1.0)
        jitter = 1.0;
    if (d > API_BACKOFF_CAP_S)
        d = API_BACKOFF_CAP_S;
    d *= 1.0 + 0.5 * jitter;
    return d > API_BACKOFF_CAP_S ? API_BACKOFF_CAP_S : d;
}

bool api_is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static api_decision decide(api_action action, api_err err, double wait_s, bool pause_org)
{
    return (api_decision){.action = action, .err = err, .wait_s = wait_s, .pause_org = pause_org};
}

/* An attempt worth repeating: again after `wait_s`, unless the retries are spent. A 429's
 * pause stands either way: it is about the organization, not this call. */
static api_decision retry_or_fail(const api_tally *t, const api_params *p, api_err err,
                                  double wait_s, bool pause_org)
{
    int max = p->max_retries > 0 ? p->max_retries : 0;

    if (t->retries >= max)
        return decide(API_FAIL, err, pause_org ? wait_s : 0.0, pause_org);
    return decide(pause_org ? API_WAIT : API_BACKOFF, err, wait_s, pause_org);
}

/* A redirect status: follow the Location when it is there, not one too many, allowed, and
 * about the same resource; never re-send a write after 301, 302 or 303. */
static api_decision redirect(const api_answer *a, const api_tally *t, const api_params *p)
{
    if (a->location == NULL || a->location[0] == '\0')
        return decide(API_FAIL, API_ERR_NO_LOCATION, 0.0, false);
    if (a->write && a->status != 307 && a->status != 308)
        return decide(API_FAIL, API_ERR_WRITE_REDIRECT, 0.0, false);
    if (t->redirects >= TF_API_MAX_REDIRECTS)
        return decide(API_FAIL, API_ERR_TOO_MANY_REDIRECTS, 0.0, false);
    if (a->target == NULL || !api_url_allowed(p->base_url, a->target))
        return decide(API_FAIL, API_ERR_HOST_REFUSED, 0.0, false);
    if (a->url == NULL || !api_url_same_resource(a->url, a->target))
        return decide(API_FAIL, API_ERR_PATH_REFUSED, 0.0, false);
    return decide(API_REDIRECT, API_OK, 0.0, false);
}

api_decision api_classify(const api_answer *a, const api_tally *t, const api_params *p,
                          double jitter)
{
    double backoff = api_backoff(p->backoff_base_s, t->retries, jitter);
    double retry_after;

    switch (a->outcome) {
    case API_ANSWERED:
        break;
    case API_TRANSPORT_FAILED:
        return retry_or_fail(t, p, API_ERR_TRANSPORT, backoff, false);
    case API_TRANSPORT_FATAL:
        return decide(API_FAIL, API_ERR_TRANSPORT, 0.0, false);
    case API_ANSWER_TOO_LARGE:
        return decide(API_FAIL, API_ERR_TOO_LARGE, 0.0, false);
    case API_OUT_OF_MEMORY:
    default:
        return decide(API_FAIL, API_ERR_NOMEM, 0.0, false);
    }
    if (a->status >= 200 && a->status < 300)
        return decide(API_DONE, API_OK, 0.0, false);
    if (api_is_redirect(a->status))
        return redirect(a, t, p);
    if (a->status == 429) {
        bool bare = !api_parse_retry_after(a->retry_after, &retry_after);
        api_decision d =
            retry_or_fail(t, p, API_ERR_RATE_LIMITED, bare ? backoff : retry_after, true);
        d.bare_429 = bare;
        return d;
    }
    if (a->status >= 500 && a->status < 600)
        return retry_or_fail(t, p, API_ERR_HTTP_5XX, backoff, false);
    if (a->status >= 400 && a->status < 500)
        return decide(API_FAIL, API_ERR_HTTP_4XX, 0.0, false);
    return decide(API_FAIL, API_ERR_HTTP_OTHER, 0.0, false);
}

void api_tally_step(api_tally *t, const api_decision *d)
{
    switch (d->action) {
    case API_REDIRECT:
        t->redirects++;
        break;
    case API_BACKOFF:
    case API_WAIT:
        t->retries++;
        t->redirects = 0;
        break;
    case API_DONE:
    case API_FAIL:
        break;
    }
}

const char *api_strerror(api_err e)
{
    switch (e) {
    case API_OK:
        return "ok";
    case API_ERR_TRANSPORT:
        return "transport error";
    case API_ERR_HTTP_4XX:
        return "request refused by the API (4xx)";
    case API_ERR_HTTP_5XX:
        return "API server error (5xx)";
    case API_ERR_RATE_LIMITED:
        return "rate limited (429)";
    case API_ERR_HTTP_OTHER:
        return "unexpected HTTP status";
    case API_ERR_NO_LOCATION:
        return "redirect without a Location";
    case API_ERR_TOO_MANY_REDIRECTS:
        return "too many redirects in a row";
    case API_ERR_HOST_REFUSED:
        return "redirect to a host that is not the API's refused";
    case API_ERR_PATH_REFUSED:
        return "redirect to another path or query refused";
    case API_ERR_WRITE_REDIRECT:
        return "a write answered 301, 302 or 303 is not re-sent";
    case API_ERR_TOO_LARGE:
        return "response too large";
    case API_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown API rule error";
}

const char *api_action_name(api_action a)
{
    switch (a) {
    case API_DONE:
        return "done";
    case API_BACKOFF:
        return "backoff";
    case API_WAIT:
        return "wait";
    case API_REDIRECT:
        return "redirect";
    case API_FAIL:
        return "fail";
    }
    return "unknown";
}
