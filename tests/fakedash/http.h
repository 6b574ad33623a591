/*
 * http.h - the fake's view of one request and one reply, free of libmicrohttpd types, so the
 * route handlers are plain functions from a request to a reply.
 *
 * server.c fills a request from the connection, a handler fills the reply, and server.c turns
 * it into an MHD response. Strings in a request are borrowed for the request's lifetime;
 * strings in a reply are owned by it (http_reply_free).
 */
#ifndef FAKEDASH_HTTP_H
#define FAKEDASH_HTTP_H

#include <stddef.h>

struct json_object;

/* Largest API request body accepted (a PUT of tags is a few hundred bytes). */
#define HTTP_MAX_API_BODY (1024 * 1024)
/* Largest control body (a scenario with thousands of networks spelled out). */
#define HTTP_MAX_CONTROL_BODY (64 * 1024 * 1024)
/* Most query parameters parsed from one URL. */
#define HTTP_MAX_PARAMS 256
/* Most extra headers one reply carries. */
#define HTTP_MAX_HEADERS 8

/* One query parameter, percent-decoded ("tags[]" keeps its brackets). */
struct http_param {
    char *key;
    char *value;
};

struct http_request {
    const char *method;        /* "GET", "PUT", ... */
    const char *path;          /* decoded path without the query */
    const char *query;         /* raw query string without '?', "" when none */
    struct http_param *params; /* parsed query, in order (repeated keys repeat) */
    size_t nparams;
    const char *body; /* NUL-terminated body, "" when none */
    size_t body_len;
    int port;  /* local port it arrived on */
    int port2; /* the fake's second port (redirect target) */
};

/* A reply body is either `body` or, when stream_size is set, produced by stream_read. */
struct http_reply {
    int status; /* HTTP status; 0 = drop the connection without an answer */
    char *body; /* malloc'd body, or NULL for an empty one */
    size_t body_len;
    const char *content_type; /* static string; NULL = application/json */
    char *header_names[HTTP_MAX_HEADERS];
    char *header_values[HTTP_MAX_HEADERS];
    size_t nheaders;
    unsigned long long stream_size; /* nonzero: body is streamed (oversize fault) */
    int stream_chunked;             /* nonzero: stream without Content-Length */
};

/* Parses a raw query string into a malloc'd array (free with http_params_free). Returns the
 * number of parameters, or -1 on a bad escape or too many parameters. */
int http_params_parse(const char *query, struct http_param **out);

/* Frees what http_params_parse returned. */
void http_params_free(struct http_param *params, size_t n);

/* Returns the first value of query parameter `key`, or NULL. */
const char *http_param(const struct http_request *req, const char *key);

/* Percent-encodes `s` for a query value into a malloc'd string (caller frees). */
char *http_url_encode(const char *s);

/* Sets the reply's body to the JSON text of `obj` (which it puts) and `status`. */
void http_reply_json(struct http_reply *r, int status, struct json_object *obj);

/* Sets the reply's body to a malloc'd string it takes over. */
void http_reply_take(struct http_reply *r, int status, char *body, size_t len);

/* Sets a Meraki-style error: `status` with {"errors": [msg]}. */
void http_reply_error(struct http_reply *r, int status, const char *msg);

/* Sets the control API's plain success: 200 {"ok": true}. */
void http_reply_ok(struct http_reply *r);

/* Adds a header (copied). Ignored past HTTP_MAX_HEADERS. */
void http_reply_header(struct http_reply *r, const char *name, const char *value);

/* Frees what the reply owns and zeroes it. */
void http_reply_free(struct http_reply *r);

#endif
