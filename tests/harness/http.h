/*
 * http.h - a small HTTP client for the tests (libcurl) and what they read from its answers:
 * headers, JSON bodies, one series of a /metrics page.
 *
 * Thread-safe once harness_init has run: each call uses its own curl handle.
 */
#ifndef TF_HARNESS_HTTP_H
#define TF_HARNESS_HTTP_H

#include <stddef.h>

#include "harness/base.h"

struct json_object;

/* Options for harness_http; a zeroed struct (or NULL) means plain defaults. */
struct harness_http_opts {
    const char *ca_file;     /* CA bundle that verifies the server; NULL = system default */
    const char *client_cert; /* PEM client certificate, or NULL */
    const char *client_key;  /* PEM key of client_cert, or NULL */
    int insecure;            /* nonzero: do not verify the server's certificate or name */
    const char *resolve;     /* one CURLOPT_RESOLVE entry "host:port:127.0.0.1", or NULL */
    long timeout_ms;         /* whole-request timeout; 0 = 10000 */
    const char *body_ptr;    /* when not NULL, the body (may hold NULs) instead of `body` */
    size_t body_len;         /* length of body_ptr */
};

/* One answer. Free with harness_response_free (which zeroes it). */
struct harness_response {
    long status;     /* HTTP status of the final response; 0 when no answer (see error) */
    char *body;      /* malloc'd, NUL-terminated (the body may itself hold NULs) */
    size_t len;      /* body length without the NUL */
    char *headers;   /* malloc'd raw header block of the final response, "Name: value\r\n"... */
    int curl_code;   /* CURLcode; 0 when the transfer completed */
    char error[256]; /* curl's error text when curl_code != 0, else "" */
    double total_s;  /* time the request took, in seconds */
};

/* Sends one request. `method` is any verb ("GET", "PUT", ...); `headers` is a NULL-terminated
 * list of "Name: value" lines (or NULL); `body` a NUL-terminated body or NULL (opts->body_ptr
 * overrides it). Redirects are not followed. The response body is capped at 512 MiB (a
 * bigger one fails with curl_code set). Returns 0 when an HTTP answer came (any status), -1
 * otherwise (resp->error says why). `resp` is always filled and must be freed. Thread-safe. */
int harness_http(const char *method, const char *url, const char *const headers[], const char *body,
                 const struct harness_http_opts *opts, struct harness_response *resp);

/* Frees what a response holds and zeroes it; NULL or a zeroed response is a no-op. */
void harness_response_free(struct harness_response *resp);

/* Copies the value of the first header called `name` (case-insensitive) from resp->headers
 * into buf (trimmed, NUL-terminated, truncated to size). Returns buf, or NULL when absent. */
const char *harness_header(const struct harness_response *resp, const char *name, char *buf,
                           size_t size);

/* Parses resp->body as JSON. Returns a new object (caller puts) or NULL. */
struct json_object *harness_response_json(const struct harness_response *resp);

/* GETs `base_url`/metrics (e.g. "http://127.0.0.1:PORT", an admin listener) and returns the
 * value of one series, named exactly as rendered with its labels
 * ("tagfailover_webhooks_total{result=\"accepted\"}"), or -1 when there is no 200 answer or
 * no such series. */
double harness_metric(const char *base_url, const char *series);

/* The string member `key` of the JSON object `o`: "" when `o` is NULL or the member absent,
 * "null" when it is JSON null, else its string form (borrowed from `o`). */
const char *harness_json_str(struct json_object *o, const char *key);

#endif
