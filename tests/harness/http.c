/*
 * http.c - the tests' HTTP client and its answers (see http.h).
 */
#include "harness/http.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Largest response body harness_http keeps, and the largest header block. */
#define HARNESS_MAX_BODY    ((size_t)512 * 1024 * 1024)
#define HARNESS_MAX_HEADERS ((size_t)1024 * 1024)

/* A growing buffer with a cap. */
struct harness_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int overflow;
};

static int harness_buf_add(struct harness_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->max) {
        b->overflow = 1;
        return -1;
    }
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        char *nd;

        while (ncap < b->len + n + 1)
            ncap *= 2;
        nd = realloc(b->data, ncap);
        if (nd == NULL)
            return -1;
        b->data = nd;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static size_t harness_on_body(char *p, size_t size, size_t n, void *ud)
{
    return harness_buf_add(ud, p, size * n) == 0 ? size * n : 0;
}

static size_t harness_on_header(char *p, size_t size, size_t n, void *ud)
{
    struct harness_buf *b = ud;

    /* Keep only the final response's headers: a new status line starts over. */
    if (size * n >= 5 && strncmp(p, "HTTP/", 5) == 0)
        b->len = 0;
    return harness_buf_add(b, p, size * n) == 0 ? size * n : 0;
}

static int harness_has_header(const char *const headers[], const char *name)
{
    size_t len = strlen(name);

    for (size_t i = 0; headers && headers[i]; i++)
        if (strncasecmp(headers[i], name, len) == 0 && headers[i][len] == ':')
            return 1;
    return 0;
}

int harness_http(const char *method, const char *url, const char *const headers[], const char *body,
                 const struct harness_http_opts *opts, struct harness_response *resp)
{
    static const struct harness_http_opts none = {0};
    struct harness_buf bb = {0}, hb = {0};
    struct curl_slist *hl = NULL, *resolve = NULL;
    const char *bptr = body;
    size_t blen = body ? strlen(body) : 0;
    CURLcode cc;
    CURL *c;

    harness_init();
    memset(resp, 0, sizeof *resp);
    if (opts == NULL)
        opts = &none;
    if (opts->body_ptr) {
        bptr = opts->body_ptr;
        blen = opts->body_len;
    }
    c = curl_easy_init();
    if (c == NULL) {
        snprintf(resp->error, sizeof resp->error, "curl_easy_init failed");
        return -1;
    }
    bb.max = HARNESS_MAX_BODY;
    hb.max = HARNESS_MAX_HEADERS;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (bptr && !harness_has_header(headers, "Content-Type"))
        hl = curl_slist_append(hl, "Content-Type: application/json");
    if (!harness_has_header(headers, "Expect"))
        hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (bptr) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, bptr);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, harness_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, harness_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, opts->timeout_ms > 0 ? opts->timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, resp->error);
    if (opts->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
    if (opts->client_cert)
        curl_easy_setopt(c, CURLOPT_SSLCERT, opts->client_cert);
    if (opts->client_key)
        curl_easy_setopt(c, CURLOPT_SSLKEY, opts->client_key);
    if (opts->insecure) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (opts->resolve) {
        resolve = curl_slist_append(NULL, opts->resolve);
        curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    }
    cc = curl_easy_perform(c);
    resp->curl_code = (int)cc;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &resp->total_s);
    if (cc != CURLE_OK && resp->error[0] == '\0')
        snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(cc));
    if (bb.overflow)
        snprintf(resp->error, sizeof resp->error, "response body over %zu bytes",
                 (size_t)HARNESS_MAX_BODY);
    resp->body = bb.data ? bb.data : strdup("");
    resp->len = bb.len;
    resp->headers = hb.data ? hb.data : strdup("");
    curl_slist_free_all(hl);
    curl_slist_free_all(resolve);
    curl_easy_cleanup(c);
    return cc == CURLE_OK ? 0 : -1;
}

void harness_response_free(struct harness_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    free(resp->headers);
    memset(resp, 0, sizeof *resp);
}

const char *harness_header(const struct harness_response *resp, const char *name, char *buf,
                           size_t size)
{
    size_t nlen = strlen(name);
    const char *p = resp->headers;

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t llen = eol ? (size_t)(eol - p) : strlen(p);

        if (llen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            size_t vlen = llen - nlen - 1;

            while (vlen && (*v == ' ' || *v == '\t')) {
                v++;
                vlen--;
            }
            while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (size == 0)
                return NULL;
            if (vlen >= size)
                vlen = size - 1;
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

struct json_object *harness_response_json(const struct harness_response *resp)
{
    struct json_tokener *tok;
    struct json_object *o;

    if (resp->body == NULL)
        return NULL;
    tok = json_tokener_new();
    if (tok == NULL)
        return NULL;
    o = json_tokener_parse_ex(tok, resp->body, (int)resp->len);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

double harness_metric(const char *base_url, const char *series)
{
    char url[HARNESS_PATH_MAX];
    struct harness_response r;
    size_t n = strlen(series);
    double v = -1;

    snprintf(url, sizeof url, "%s/metrics", base_url);
    if (harness_http("GET", url, NULL, NULL, NULL, &r) == 0 && r.status == 200 && r.body) {
        for (const char *p = r.body; p != NULL && *p != '\0';) {
            if (strncmp(p, series, n) == 0 && p[n] == ' ') {
                v = strtod(p + n + 1, NULL);
                break;
            }
            p = strchr(p, '\n');
            if (p != NULL)
                p++;
        }
    }
    harness_response_free(&r);
    return v;
}

const char *harness_json_str(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v))
        return "";
    return v == NULL ? "null" : json_object_get_string(v);
}
