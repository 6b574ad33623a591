/*
 * http.c - request parameters and reply helpers (see http.h).
 */
#include "http.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static int http_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of s ('+' is a space, as in form encoding) into a malloc'd string. */
static char *http_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? http_hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? http_hexval((unsigned char)s[i + 2]) : -1;

            if (hi < 0 || lo < 0) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

int http_params_parse(const char *query, struct http_param **out)
{
    struct http_param *p = NULL;
    size_t n = 0;
    const char *s = query;

    *out = NULL;
    while (s && *s) {
        const char *amp = strchr(s, '&');
        size_t len = amp ? (size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        size_t klen = eq ? (size_t)(eq - s) : len;

        if (len > 0) {
            struct http_param *np;

            if (n >= HTTP_MAX_PARAMS)
                goto fail;
            np = realloc(p, (n + 1) * sizeof *p);
            if (np == NULL)
                goto fail;
            p = np;
            p[n].key = http_decode(s, klen);
            p[n].value = eq ? http_decode(eq + 1, len - klen - 1) : strdup("");
            n++;
            if (p[n - 1].key == NULL || p[n - 1].value == NULL)
                goto fail;
        }
        s = amp ? amp + 1 : NULL;
    }
    *out = p;
    return (int)n;
fail:
    http_params_free(p, n);
    return -1;
}

void http_params_free(struct http_param *params, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(params[i].key);
        free(params[i].value);
    }
    free(params);
}

const char *http_param(const struct http_request *req, const char *key)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (strcmp(req->params[i].key, key) == 0)
            return req->params[i].value;
    return NULL;
}

char *http_url_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1);
    char *o = out;

    if (out == NULL)
        return NULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

void http_reply_take(struct http_reply *r, int status, char *body, size_t len)
{
    free(r->body);
    r->status = status;
    r->body = body;
    r->body_len = body ? len : 0;
}

void http_reply_json(struct http_reply *r, int status, struct json_object *obj)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *copy = malloc(len + 1);

    if (copy == NULL) {
        json_object_put(obj);
        r->status = 500;
        return;
    }
    memcpy(copy, s, len + 1);
    json_object_put(obj);
    http_reply_take(r, status, copy, len);
}

void http_reply_error(struct http_reply *r, int status, const char *msg)
{
    struct json_object *o = json_object_new_object();
    struct json_object *a = json_object_new_array();

    json_object_array_add(a, json_object_new_string(msg));
    json_object_object_add(o, "errors", a);
    http_reply_json(r, status, o);
}

void http_reply_ok(struct http_reply *r)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "ok", json_object_new_boolean(1));
    http_reply_json(r, 200, o);
}

void http_reply_header(struct http_reply *r, const char *name, const char *value)
{
    if (r->nheaders >= HTTP_MAX_HEADERS)
        return;
    r->header_names[r->nheaders] = strdup(name);
    r->header_values[r->nheaders] = strdup(value);
    r->nheaders++;
}

void http_reply_free(struct http_reply *r)
{
    free(r->body);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->header_names[i]);
        free(r->header_values[i]);
    }
    memset(r, 0, sizeof *r);
}
