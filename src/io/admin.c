/*
 * admin.c - the admin listener: the operator's page, health, readiness, metrics and status over
 * plain HTTP.
 *
 * Every answer but the page is built per request (they change), with MHD_RESPMEM_MUST_FREE for
 * the rendered ones so no copy is made; the page is served from its embedded bytes.
 */
#include "tagfailover/admin.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/caps.h"
#include "tagfailover/metrics.h"
#include "tagfailover/page.h"

#define ADMIN_METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The page may run its own inline script and style and read this listener's JSON, nothing
 * else: the browser itself refuses any other source, so the page works with no internet and
 * cannot be made to load anything. */
#define ADMIN_PAGE_CSP                                                                             \
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "                  \
    "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "                     \
    "frame-ancestors 'none'"

struct admin {
    admin_source src;
    httpd *server;
};

/* Which answer a request gets. */
typedef enum {
    ADMIN_PAGE = 0,
    ADMIN_HEALTHZ,
    ADMIN_READYZ,
    ADMIN_METRICS,
    ADMIN_STATUS,
    ADMIN_SERIES,
    ADMIN_NOT_FOUND,
    ADMIN_METHOD_NOT_ALLOWED,
} admin_route;

/* Maps a method and path to a route. GET and HEAD are allowed. */
static admin_route admin_route_for(const char *method, const char *path)
{
    admin_route r;

    if (strcmp(path, "/") == 0)
        r = ADMIN_PAGE;
    else if (strcmp(path, "/healthz") == 0)
        r = ADMIN_HEALTHZ;
    else if (strcmp(path, "/readyz") == 0)
        r = ADMIN_READYZ;
    else if (strcmp(path, "/metrics") == 0)
        r = ADMIN_METRICS;
    else if (strcmp(path, "/status") == 0)
        r = ADMIN_STATUS;
    else if (strcmp(path, "/status/series") == 0)
        r = ADMIN_SERIES;
    else
        return ADMIN_NOT_FOUND;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return ADMIN_METHOD_NOT_ALLOWED;
    return r;
}

/* Queues `text` (heap, taken over; NULL means out of memory) with a status and type. */
static enum MHD_Result admin_send(struct MHD_Connection *c, unsigned code, char *text,
                                  const char *type)
{
    if (text == NULL) {
        static const char oom[] = "out of memory\n";
        text = strdup(oom);
        code = MHD_HTTP_INTERNAL_SERVER_ERROR;
        type = "text/plain; charset=utf-8";
        if (text == NULL)
            return MHD_NO;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(text);
        return MHD_NO;
    }
    enum MHD_Result ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (ok == MHD_YES && code == MHD_HTTP_METHOD_NOT_ALLOWED)
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (ok == MHD_YES)
        ok = MHD_queue_response(c, code, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* Queues the operator's page from its embedded bytes (nothing to copy or free). */
static enum MHD_Result admin_send_page(struct MHD_Connection *c)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        page_html_len, (void *)(uintptr_t)page_html, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result ok =
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    if (ok == MHD_YES)
        ok = MHD_add_response_header(resp, "Content-Security-Policy", ADMIN_PAGE_CSP);
    if (ok == MHD_YES)
        ok = MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (ok == MHD_YES)
        ok = MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (ok == MHD_YES)
        ok = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* Joins a prefix and a reason into a heap string. */
static char *admin_concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    s[la + lb] = '\n';
    s[la + lb + 1] = '\0';
    return s;
}

static enum MHD_Result admin_handler(void *cls, struct MHD_Connection *c, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    admin *a = cls;
    static const char text[] = "text/plain; charset=utf-8";
    char why[256];
    (void)version;
    (void)upload_data;

    /* Nothing here reads a body: answer on the first call, and close when one follows. */
    if (*upload_data_size > 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    (void)con_cls;
    switch (admin_route_for(method, url)) {
    case ADMIN_PAGE:
        return admin_send_page(c);
    case ADMIN_HEALTHZ:
        return admin_send(c, MHD_HTTP_OK, strdup("ok\n"), text);
    case ADMIN_READYZ:
        if (a->src.ready(a->src.ctx, why, sizeof(why)))
            return admin_send(c, MHD_HTTP_OK, strdup("ready\n"), text);
        return admin_send(c, MHD_HTTP_SERVICE_UNAVAILABLE, admin_concat("not ready: ", why), text);
    case ADMIN_METRICS:
        return admin_send(c, MHD_HTTP_OK, metrics_render(), ADMIN_METRICS_TYPE);
    case ADMIN_STATUS:
        return admin_send(c, MHD_HTTP_OK, a->src.status_json(a->src.ctx), "application/json");
    case ADMIN_SERIES:
        return admin_send(c, MHD_HTTP_OK, a->src.series_json(a->src.ctx), "application/json");
    case ADMIN_METHOD_NOT_ALLOWED:
        return admin_send(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("method not allowed\n"), text);
    case ADMIN_NOT_FOUND:
        break;
    }
    return admin_send(c, MHD_HTTP_NOT_FOUND, strdup("not found\n"), text);
}

httpd_err admin_start(const config *cfg, admin_source src, admin **out, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->admin_port == 0)
        return HTTPD_OK;
    admin *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return HTTPD_ERR_NOMEM;
    a->src = src;
    httpd_options o = {
        .name = "admin",
        .address = cfg->admin_address,
        .port = cfg->admin_port,
        .tls = false,
        .threads = 1,
        .max_connections = TF_ADMIN_MAX_CONNECTIONS,
        .timeout_s = TF_ADMIN_TIMEOUT_S,
        .connection_memory = TF_HTTP_CONNECTION_MEMORY,
        .handler = admin_handler,
        .handler_cls = a,
    };
    httpd_err rc = httpd_start(&o, &a->server, err, errlen);
    if (rc != HTTPD_OK) {
        free(a);
        return rc;
    }
    *out = a;
    return HTTPD_OK;
}

int admin_port(const admin *a)
{
    return httpd_port(a->server);
}

void admin_stop(admin *a)
{
    if (a == NULL)
        return;
    httpd_stop(a->server);
    free(a);
}
