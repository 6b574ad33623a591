/*
 * server.c - libmicrohttpd glue (see server.h).
 */
#include "server.h"

#include "api.h"
#include "control.h"
#include "faults.h"
#include "http.h"
#include "isotime.h"
#include "reqlog.h"
#include "sbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Most simultaneous connections per listener, and idle time before one is closed. */
#define SERVER_MAX_CONNECTIONS 1024
#define SERVER_IDLE_TIMEOUT_S  60
/* Block size of streamed (oversize) bodies. */
#define SERVER_STREAM_BLOCK (64 * 1024)

struct server_port {
    struct MHD_Daemon *daemon;
    int fd;   /* listening socket until the daemon takes it over */
    int port; /* bound port, final before any daemon starts */
};

/* One request in progress. */
struct server_req {
    char *uri;        /* raw request target, with the query */
    struct sbuf body; /* capped by the route's limit */
    int started;      /* the first handler call (headers only) has happened */
    int too_large;    /* the body passed its cap; the rest is discarded */
    double t;         /* arrival */
};

static struct server_port server_ports[2];

static void *server_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct server_req *r = calloc(1, sizeof *r);

    (void)cls;
    (void)c;
    if (r == NULL)
        return NULL;
    r->uri = strdup(uri);
    r->t = isotime_now();
    return r;
}

static void server_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                             enum MHD_RequestTerminationCode toe)
{
    struct server_req *r = *req_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (r == NULL)
        return;
    free(r->uri);
    sbuf_free(&r->body);
    free(r);
    *req_cls = NULL;
}

static int server_is_control(const char *url)
{
    return strncmp(url, CONTROL_PREFIX, strlen(CONTROL_PREFIX)) == 0;
}

static int server_is_api(const char *url)
{
    size_t n = strlen(API_PREFIX);

    return strncmp(url, API_PREFIX, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

static ssize_t server_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    const unsigned long long *total = cls;
    size_t n = faults_oversize_read(*total, pos, buf, max);

    return n == 0 ? (ssize_t)MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static enum MHD_Result server_queue(struct MHD_Connection *c, struct http_reply *reply)
{
    struct MHD_Response *resp;
    enum MHD_Result rc;

    if (reply->stream_size) {
        unsigned long long *total = malloc(sizeof *total);

        if (total == NULL)
            return MHD_NO;
        *total = reply->stream_size;
        resp = MHD_create_response_from_callback(reply->stream_chunked ? MHD_SIZE_UNKNOWN
                                                                       : reply->stream_size,
                                                 SERVER_STREAM_BLOCK, server_stream, total, free);
    } else if (reply->body) {
        resp = MHD_create_response_from_buffer(reply->body_len, reply->body, MHD_RESPMEM_MUST_FREE);
        if (resp)
            reply->body = NULL; /* MHD owns it now */
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (resp == NULL)
        return MHD_NO;
    if (reply->status != 204 && (reply->body_len || reply->stream_size || reply->content_type))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                reply->content_type ? reply->content_type
                                                    : "application/json; charset=utf-8");
    for (size_t i = 0; i < reply->nheaders; i++)
        MHD_add_response_header(resp, reply->header_names[i], reply->header_values[i]);
    rc = MHD_queue_response(c, (unsigned)reply->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result server_handler(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version, const char *upload,
                                      size_t *upload_size, void **req_cls)
{
    struct server_port *sp = cls;
    struct server_req *r = *req_cls;
    struct http_request req = {0};
    struct http_reply reply = {0};
    struct api_outcome out = {0};
    struct reqlog_entry e = {0};
    const char *authz, *query;
    int nparams, skip_log = 0;
    size_t cap = server_is_control(url) ? HTTP_MAX_CONTROL_BODY : HTTP_MAX_API_BODY;
    enum MHD_Result rc;

    (void)version;
    if (r == NULL)
        return MHD_NO;
    if (!r->started) {
        r->started = 1;
        r->body.max = cap + 1;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!r->too_large && sbuf_add(&r->body, upload, *upload_size) != 0)
            r->too_large = 1;
        *upload_size = 0;
        return MHD_YES;
    }

    query = strchr(r->uri, '?');
    query = query ? query + 1 : "";
    req.method = method;
    req.path = url;
    req.query = query;
    req.body = r->body.data ? r->body.data : "";
    req.body_len = r->body.len;
    req.port = sp->port;
    req.port2 = server_ports[1].port;
    nparams = http_params_parse(query, &req.params);
    req.nparams = nparams > 0 ? (size_t)nparams : 0;
    authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

    if (r->too_large) {
        http_reply_error(&reply, 413, "Request body too large");
    } else if (nparams < 0) {
        http_reply_error(&reply, 400, "Malformed query string");
    } else if (server_is_control(url)) {
        control_handle(&req, &reply, &skip_log);
    } else if (server_is_api(url)) {
        api_handle(&req, authz,
                   MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Cisco-Meraki-API-Key"),
                   &reply, &out);
    } else {
        out.unknown = 1;
        http_reply_error(&reply, 404, "Not found");
    }

    if (!skip_log) {
        e.t = r->t;
        e.port = sp->port;
        e.method = method;
        e.path = url;
        e.query = query;
        e.auth = out.auth;
        e.authorization_present = authz != NULL;
        e.body = r->body.len ? req.body : NULL;
        e.body_len = r->body.len;
        e.status = reply.status;
        e.unknown = out.unknown;
        e.control = server_is_control(url);
        e.fault = out.fault;
        reqlog_add(&e);
    }
    http_params_free(req.params, req.nparams);
    /* Status 0 is the drop fault: refuse the request and MHD closes the connection. */
    rc = reply.status == 0 ? MHD_NO : server_queue(c, &reply);
    http_reply_free(&reply);
    return rc;
}

/* Binds and listens on 127.0.0.1:port (0 = any free port) and records the port. Both
 * sockets are bound before either daemon starts, so every handler sees both ports final. */
static int server_bind(struct server_port *sp, int port)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int one = 1;

    sp->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sp->fd < 0)
        return -1;
    setsockopt(sp->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(sp->fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(sp->fd, 128) != 0 ||
        getsockname(sp->fd, (struct sockaddr *)&addr, &len) != 0) {
        fprintf(stderr, "fakedash: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        close(sp->fd);
        sp->fd = -1;
        return -1;
    }
    sp->port = ntohs(addr.sin_port);
    return 0;
}

static int server_run(struct server_port *sp)
{
    sp->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, server_handler, sp, MHD_OPTION_LISTEN_SOCKET, sp->fd,
        MHD_OPTION_URI_LOG_CALLBACK, server_uri_log, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        server_completed, NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVER_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SERVER_IDLE_TIMEOUT_S, MHD_OPTION_END);
    if (sp->daemon == NULL) {
        fprintf(stderr, "fakedash: cannot start the HTTP server on port %d\n", sp->port);
        return -1;
    }
    sp->fd = -1; /* the daemon owns and closes it */
    return 0;
}

int server_start(int port, int port2, int *bound, int *bound2)
{
    server_ports[0].fd = server_ports[1].fd = -1;
    if (server_bind(&server_ports[0], port) != 0 || server_bind(&server_ports[1], port2) != 0 ||
        server_run(&server_ports[0]) != 0 || server_run(&server_ports[1]) != 0) {
        server_stop();
        return -1;
    }
    *bound = server_ports[0].port;
    *bound2 = server_ports[1].port;
    return 0;
}

void server_stop(void)
{
    for (int i = 0; i < 2; i++) {
        if (server_ports[i].daemon)
            MHD_stop_daemon(server_ports[i].daemon);
        server_ports[i].daemon = NULL;
        if (server_ports[i].fd >= 0)
            close(server_ports[i].fd);
        server_ports[i].fd = -1;
    }
}
