/*
 * dashboard_call.c - one Dashboard API call: a short loop of HTTP attempts. See
 * dashboard_int.h.
 *
 * Each attempt is pace (a token from the organization's bucket, after any pause of it), send,
 * classify, act. The core decides (api_classify: done, back off, wait out a 429, follow a
 * redirect, fail) and keeps the rules; this file only sends, reads the clock, draws the
 * jitter, sleeps and pauses. Every Location and next-page URL is resolved by libcurl, and the
 * resolved string, which is what libcurl will then be handed, passes api_url_allowed (and, for
 * a Location, api_url_same_resource) before anything is sent to it.
 *
 * Logging: a failure is the caller's to log, once, from the dash_error it gets back (code,
 * status, the API's message, request ID, method and path); nothing here logs one. Only what
 * the caller never sees is logged here: each retry (warn) and a debug trace of every attempt.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "dashboard_int.h"
#include "tagfailover/api_rules.h"
#include "tagfailover/caps.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"
#include "tagfailover/metrics.h"
#include "tagfailover/ratelimit.h"

/* A response buffer kept by the client between calls is freed when it grew past this, so one
 * 10,000-network read does not pin megabytes per thread for the life of the process. */
#define DASH_KEEP_BUFFER_BYTES (1024 * 1024)

/* ---- small helpers -------------------------------------------------------------------- */

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

/* The length of the longest secret of `s` that starts `src` (n bytes), or 0. */
static size_t secret_at(const dash_shared *s, const char *src, size_t n)
{
    size_t best = 0;

    for (size_t k = 0; k < sizeof(s->secrets) / sizeof(s->secrets[0]); k++) {
        size_t len = s->secrets[k] != NULL ? strlen(s->secrets[k]) : 0;
        if (len > best && len <= n && memcmp(src, s->secrets[k], len) == 0)
            best = len;
    }
    return best;
}

/* Copies n bytes of `src` into dst (size bytes, NUL-terminated, cut to fit) with every
 * occurrence of the API key or the shared secret written as "[REDACTED]". The whole source is
 * matched before anything is cut, so a secret that straddles the cut never shows in part.
 * This is the one way text from an answer enters a dash_error. */
static void copy_redacted(const dash_shared *s, char *dst, size_t size, const char *src, size_t n)
{
    static const char mark[] = "[REDACTED]";
    size_t o = 0;

    for (size_t i = 0; i < n && o + 1 < size;) {
        size_t k = secret_at(s, src + i, n - i);
        if (k == 0) {
            dst[o++] = src[i++];
            continue;
        }
        if (o + sizeof(mark) > size)
            break;
        memcpy(dst + o, mark, sizeof(mark) - 1);
        o += sizeof(mark) - 1;
        i += k;
    }
    dst[o] = '\0';
}

/* Fills err->message with printable text from `body` (an HTML error page from a proxy, say):
 * secrets redacted, control characters and non-ASCII as '?', at most 200 characters. */
static void message_from_text(const dash_shared *s, dash_error *err, const char *body, size_t len)
{
    size_t max = 200 < sizeof(err->message) ? 201 : sizeof(err->message);

    copy_redacted(s, err->message, max, body, len);
    for (char *p = err->message; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        *p = (ch >= 0x20 && ch < 0x7f) ? (char)ch : (ch == '\n' ? ' ' : '?');
    }
}

/* Fills err->message from an error answer: the API's `errors` joined, else its text. */
static void message_from_body(dash_client *c, dash_error *err)
{
    char *msg = NULL;

    err->message[0] = '\0';
    if (c->body.len == 0)
        return;
    /* An error body is parsed as one tree: a large one is only read as text. */
    if (c->body.len <= TF_API_MAX_OBJECT_RESPONSE &&
        dj_parse_errors(c->body.p, c->body.len, &msg) == DJ_OK && msg != NULL) {
        copy_redacted(c->s, err->message, sizeof(err->message), msg, strlen(msg));
        free(msg);
        return;
    }
    message_from_text(c->s, err, c->body.p, c->body.len);
}

/* A uniform double in [0, 1) (xorshift64*). */
static double prng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* ---- one call: pace, send, classify, act ------------------------------------------------- */

/* One call in progress: what dash_call's steps share. */
struct dash_run {
    dash_client *c;
    const char *org;    /* whose bucket and pauses; NULL: none */
    const char *method; /* "GET", "PUT", ... */
    const char *body;   /* JSON text or NULL */
    size_t max;         /* the answer's cap, on the wire and decoded */
    char *url;          /* where the next attempt goes (malloc'd) */
    char **next;        /* where a 2xx puts its next page; NULL: the caller wants none */
    api_params rules;   /* the settings the decision depends on */
    api_tally tally;    /* retries and redirects so far */
    dash_error *err;    /* the caller's account of the call */
    /* The last attempt. */
    CURLcode rc;       /* CURLE_OK when an HTTP answer came */
    char *target;      /* its Location resolved against `url` (malloc'd), or NULL */
    api_answer answer; /* what api_classify is told about it */
    bool once;         /* one attempt: no retry, and a 429 pauses nobody (dash_call_once) */
};

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

/* The dash_err an api_err reports as. */
static dash_err api_to_dash(api_err e)
{
    switch (e) {
    case API_OK:
        return DASH_OK;
    case API_ERR_TRANSPORT:
        return DASH_ERR_TRANSPORT;
    case API_ERR_HTTP_4XX:
        return DASH_ERR_HTTP_4XX;
    case API_ERR_HTTP_5XX:
        return DASH_ERR_HTTP_5XX;
    case API_ERR_RATE_LIMITED:
        return DASH_ERR_RATE_LIMITED;
    case API_ERR_HTTP_OTHER:
    case API_ERR_NO_LOCATION:
        return DASH_ERR_HTTP_OTHER;
    case API_ERR_TOO_MANY_REDIRECTS:
    case API_ERR_HOST_REFUSED:
    case API_ERR_PATH_REFUSED:
    case API_ERR_WRITE_REDIRECT:
        return DASH_ERR_REDIRECT;
    case API_ERR_TOO_LARGE:
        return DASH_ERR_TOO_LARGE;
    case API_ERR_NOMEM:
        break;
    }
    return DASH_ERR_NOMEM;
}

/* Resolves `ref` (a Location or a Link target, maybe relative) against `current` and writes
 * it out as libcurl will read it. Returns a heap URL (the caller frees it) or NULL. */
static char *resolve_url(const char *current, const char *ref)
{
    CURLU *u = dash_url_parse(current);
    char *resolved = NULL, *out = NULL;

    if (u == NULL)
        return NULL;
    if (curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &resolved, 0) == CURLUE_OK)
        out = strdup(resolved);
    curl_free(resolved);
    curl_url_cleanup(u);
    return out;
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
        return false;
    default:
        return true;
    }
}

/* How the last attempt ended, in the core's terms. */
static api_outcome outcome_of(const dash_client *c, CURLcode rc)
{
    if (rc == CURLE_OK)
        return API_ANSWERED;
    if (c->body.too_large || c->h.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return API_ANSWER_TOO_LARGE;
    if (c->body.nomem || rc == CURLE_OUT_OF_MEMORY)
        return API_OUT_OF_MEMORY;
    return transport_retryable(rc) ? API_TRANSPORT_FAILED : API_TRANSPORT_FATAL;
}

/* Sends one HTTP request, taking an answer of at most `max` bytes on the wire and decoded;
 * the answer is in c->body and c->h. */
static CURLcode dash_send(dash_client *c, const char *method, const char *url, const char *body,
                          size_t max, long *status)
{
    CURL *h = c->curl;
    CURLcode rc;

    c->body.max = max;
    c->body.len = 0;
    c->body.too_large = false;
    c->body.nomem = false;
    if (c->body.p != NULL)
        c->body.p[0] = '\0';
    memset(&c->h, 0, sizeof(c->h));
    c->errbuf[0] = '\0';
    *status = 0;

    rc = curl_easy_setopt(h, CURLOPT_URL, url);
    /* The wire's cap (a Content-Length over it is refused before the body is read); the
     * decoded bytes are counted against body.max as they arrive (on_body). */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
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

/* Step "send": one attempt, and what it leaves for the decision and the caller. */
static void dash_attempt(struct dash_run *r)
{
    dash_client *c = r->c;
    dash_error *err = r->err;
    double t_start = rl_now();
    long status = 0;

    free(r->target);
    r->target = NULL;
    r->rc = dash_send(c, r->method, r->url, r->body, r->max, &status);
    err->http_status = status;
    if (c->h.request_id[0] != '\0')
        copy_redacted(c->s, err->request_id, sizeof(err->request_id), c->h.request_id,
                      strlen(c->h.request_id));
    copy_str(err->method, sizeof(err->method), r->method);
    url_path_for_log(r->url, err->path, sizeof(err->path));
    metrics_api_request(r->rc == CURLE_OK ? (int)status : 0);
    /* A trace of every attempt, for an operator who asked for debug logs. It is not a log of
     * the caller's: the caller learns only the call's result (in dash_error) and logs that; the
     * attempts behind it (retries, redirects, pages) are seen only here. */
    if (log_enabled(LOG_DEBUG))
        log_msg(LOG_DEBUG, "api_request", "%s %s -> %ld (%s) in %.3f s", r->method, err->path,
                status, r->rc == CURLE_OK ? "ok" : curl_easy_strerror(r->rc), rl_now() - t_start);
    if (r->rc == CURLE_OK && c->h.location[0] != '\0')
        r->target = resolve_url(r->url, c->h.location);
    r->answer = (api_answer){
        .outcome = outcome_of(c, r->rc),
        .status = status,
        .retry_after = c->h.has_retry_after ? c->h.retry_after : NULL,
        .location = c->h.location,
        .target = r->target,
        .url = r->url,
        .write = strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0,
    };
}

/* Fills err's code and message for what decision `d` says of the last attempt, and returns the
 * code (DASH_OK for a 2xx or a redirect followed). */
static dash_err dash_explain(struct dash_run *r, const api_decision *d)
{
    dash_client *c = r->c;
    dash_error *err = r->err;
    char host[256];
    /* A message that quotes the answer (a Location, curl's text) is written here whole, then
     * copied in redacted. */
    char quoted[TF_API_MAX_HEADER + 128];

    err->message[0] = '\0';
    quoted[0] = '\0';
    switch (d->err) {
    case API_OK:
    case API_ERR_NOMEM:
        break;
    case API_ERR_TRANSPORT:
        copy_str(quoted, sizeof(quoted),
                 c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(r->rc));
        break;
    case API_ERR_TOO_LARGE:
        snprintf(err->message, sizeof(err->message), "%s over %zu bytes",
                 c->h.too_large ? "a response header" : "the response",
                 c->h.too_large ? (size_t)TF_API_MAX_HEADER : r->max);
        break;
    case API_ERR_NO_LOCATION:
    case API_ERR_WRITE_REDIRECT:
        copy_str(err->message, sizeof(err->message), api_strerror(d->err));
        break;
    case API_ERR_PATH_REFUSED: {
        /* The path the answer wanted the request moved to, for the operator (no query). */
        char where[TF_API_MAX_HEADER + 1];
        url_path_for_log(r->target, where, sizeof(where));
        snprintf(quoted, sizeof(quoted), "%s: %s", api_strerror(d->err), where);
        break;
    }
    case API_ERR_TOO_MANY_REDIRECTS:
        snprintf(err->message, sizeof(err->message), "more than %d redirects in a row",
                 TF_API_MAX_REDIRECTS);
        break;
    case API_ERR_HOST_REFUSED:
        /* The message names the refused host for the operator; the key never went. */
        if (r->target == NULL || !api_url_host(r->target, host, sizeof(host)))
            copy_str(host, sizeof(host), "(unparsable)");
        snprintf(quoted, sizeof(quoted), "%s: %s", api_strerror(d->err), host);
        break;
    case API_ERR_HTTP_4XX:
    case API_ERR_HTTP_5XX:
    case API_ERR_RATE_LIMITED:
    case API_ERR_HTTP_OTHER:
        message_from_body(c, err);
        break;
    }
    if (quoted[0] != '\0')
        copy_redacted(c->s, err->message, sizeof(err->message), quoted, strlen(quoted));
    return err->code = api_to_dash(d->err);
}

/* Pauses the organization for the 429's wait: a 429 is about the organization, not this
 * request, so every request of the organization waits (rl_acquire honours the pause). A 429
 * without Retry-After is also noted: when another organization had one within
 * RL_IP_LIMIT_WINDOW_S, the limit hit is the source IP's, and every organization pauses as
 * long. */
static dash_err dash_pause(struct dash_run *r, const api_decision *d)
{
    rl_registry *rl = r->c->s->rl;
    dash_err result = rl_to_dash(rl_pause_until(rl, r->org, rl_now() + d->wait_s));

    if (result == DASH_OK && d->bare_429 && rl_bare_429(rl, r->org, d->wait_s))
        log_msg(LOG_WARN, "api_ip_limit",
                "429 without Retry-After for organization %s and another within %.0f s: the "
                "per-IP limit; every organization pauses %.3f s",
                r->org != NULL && r->org[0] != '\0' ? r->org : "(none)", RL_IP_LIMIT_WINDOW_S,
                d->wait_s);
    return result;
}

/* Logs a retry: status, path (no query), request ID, message, the retry's number and wait;
 * never the key. A retry is logged here because the caller never sees it: the call may still
 * succeed. A failure is not: it goes back in dash_error, and the caller logs it once. */
static void dash_log_retry(const struct dash_run *r, double wait_s)
{
    const dash_error *err = r->err;
    struct json_object *f;

    if (!log_enabled(LOG_WARN) || (f = json_object_new_object()) == NULL)
        return;
    json_object_object_add(f, "method", json_object_new_string(err->method));
    json_object_object_add(f, "path", json_object_new_string(err->path));
    json_object_object_add(f, "status", json_object_new_int64(err->http_status));
    json_object_object_add(f, "error", json_object_new_string(dash_strerror(err->code)));
    if (err->request_id[0] != '\0')
        json_object_object_add(f, "request_id", json_object_new_string(err->request_id));
    if (err->message[0] != '\0')
        json_object_object_add(f, "message", json_object_new_string(err->message));
    json_object_object_add(f, "retry", json_object_new_int(r->tally.retries));
    json_object_object_add(f, "wait_s", json_object_new_double(round(wait_s * 1000) / 1000));
    log_event(LOG_WARN, "api_retry", f);
}

/* Sets *r->next to the checked `rel=next` page of a 2xx, if there is one. A link that names a
 * next page but cannot be read (out of memory) or resolved is an error: taking it for the last
 * page would hand the caller a silently partial list. */
static dash_err dash_next_page(struct dash_run *r)
{
    dash_client *c = r->c;
    char *ref, *target;

    if (c->h.link[0] == '\0' || !api_link_has_next(c->h.link))
        return DASH_OK;
    ref = api_link_next(c->h.link);
    if (ref == NULL) {
        copy_str(r->err->message, sizeof(r->err->message), "out of memory reading the next page");
        return DASH_ERR_NOMEM;
    }
    target = resolve_url(r->url, ref);
    free(ref);
    if (target == NULL) {
        copy_str(r->err->message, sizeof(r->err->message), "next-page link does not resolve");
        return DASH_ERR_PAGINATION;
    }
    if (!api_url_allowed(c->s->base_url, target)) {
        free(target);
        copy_str(r->err->message, sizeof(r->err->message),
                 "next-page link to a host that is not the API's refused");
        return DASH_ERR_REDIRECT;
    }
    *r->next = target;
    return DASH_OK;
}

/* Step "act": does what decision `d` says. Returns DASH_OK to go on (or, after API_DONE, to
 * end well), else the call's error. */
static dash_err dash_act(struct dash_run *r, const api_decision *d)
{
    dash_err result = dash_explain(r, d), waited;

    switch (d->action) {
    case API_DONE:
        return r->next != NULL ? dash_next_page(r) : DASH_OK;
    case API_REDIRECT:
        free(r->url);
        r->url = r->target;
        r->target = NULL;
        return DASH_OK;
    case API_FAIL:
        /* A 429 pauses the organization even when this call has no retry left (unless the
         * call was one best-effort attempt). */
        waited = d->pause_org && !r->once ? dash_pause(r, d) : DASH_OK;
        return waited != DASH_OK ? waited : result;
    case API_BACKOFF:
    case API_WAIT:
        break;
    }
    metrics_api_retry();
    dash_log_retry(r, d->wait_s);
    /* After a 429 the pause is the wait: rl_acquire honours it, as does every other thread of
     * the organization. */
    return d->action == API_WAIT ? dash_pause(r, d) : rl_to_dash(rl_sleep(r->c->s->rl, d->wait_s));
}

/* The loop of one call; `once` makes it a single best-effort attempt. */
static dash_err dash_call_run(dash_client *c, const char *org, const char *method, const char *url,
                              const char *body, size_t max_bytes, char **next, dash_error *err,
                              bool once)
{
    struct dash_run r = {
        .c = c,
        .org = org,
        .method = method,
        .body = body,
        .max = max_bytes > 0 && max_bytes < c->s->max_response ? max_bytes : c->s->max_response,
        .url = strdup(url),
        .next = next,
        .rules = {.base_url = c->s->base_url,
                  .max_retries = once ? 0 : c->s->max_retries,
                  .backoff_base_s = c->s->backoff_base_s},
        .err = err,
        .once = once,
    };
    dash_err result = r.url != NULL ? DASH_OK : DASH_ERR_NOMEM;
    api_decision d;

    memset(err, 0, sizeof(*err));
    if (next != NULL)
        *next = NULL;
    while (result == DASH_OK) {
        /* Pace: a token from the organization's bucket, then one from the total, after any
         * pause of either. */
        result = rl_to_dash(rl_acquire(c->s->rl, org));
        if (result != DASH_OK)
            break;
        dash_attempt(&r);
        d = api_classify(&r.answer, &r.tally, &r.rules, prng_next(&c->prng));
        api_tally_step(&r.tally, &d);
        result = dash_act(&r, &d);
        if (d.action == API_DONE)
            break;
    }
    err->code = result;
    if (result == DASH_ERR_CANCELLED && err->message[0] == '\0')
        copy_str(err->message, sizeof(err->message), "shutting down");
    free(r.target);
    free(r.url);
    return result;
}

dash_err dash_call(dash_client *c, const char *org, const char *method, const char *url,
                   const char *body, size_t max_bytes, char **next, dash_error *err)
{
    return dash_call_run(c, org, method, url, body, max_bytes, next, err, false);
}

dash_err dash_call_once(dash_client *c, const char *org, const char *method, const char *url,
                        const char *body, dash_error *err)
{
    /* A live ping's answer is one small object, parsed as one tree. */
    return dash_call_run(c, org, method, url, body, TF_API_MAX_OBJECT_RESPONSE, NULL, err, true);
}

void dash_trim_buffer(dash_client *c)
{
    if (c->body.cap > DASH_KEEP_BUFFER_BYTES) {
        free(c->body.p);
        c->body.p = NULL;
        c->body.cap = 0;
        c->body.len = 0;
        c->large_answer = true;
    }
}

void dash_client_release_memory(dash_client *c)
{
    /* What the parse of a large answer allocated is small pieces, freed by the caller long
     * after the answer; glibc keeps the freed heap for reuse, so without a trim one 40-MiB
     * listing leaves ~100 MB resident for the life of the process. Trimming costs a few
     * milliseconds, and only follows a large answer. */
    if (c != NULL && c->large_answer) {
        c->large_answer = false;
        malloc_trim(0);
    }
}
