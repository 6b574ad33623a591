/*
 * httpd.c - libmicrohttpd wrapper: listening socket, TLS, caps, request deadline, head checks,
 * cert reload.
 *
 * Why the socket is ours: we bind it ourselves (so errors read as ours and port 0 works) and
 * hand it to MHD with MHD_OPTION_LISTEN_SOCKET.
 *
 * How a certificate reload loses nothing: one MHD daemon serves for the server's whole life.
 * Its handshakes take the chain and key from a certificate callback
 * (MHD_OPTION_HTTPS_CERT_CALLBACK, GnuTLS's retrieve function), which hands out the pair the
 * server holds now; a reload swaps that pointer under a mutex. No daemon is started, quiesced
 * or stopped, so no connection is refused or cut, whatever it was doing. Each handshake takes a
 * reference to the pair it used and drops it when its connection closes, so a replaced pair is
 * freed only when no session can still point at it. (A reload used to start a second daemon on
 * a dup() of the socket and drain the old one for 2 s: a handshake that outlived the drain was
 * cut.)
 *
 * Why each pair is checked before that: every certificate is parsed and matched with OpenSSL
 * (for a clear message), then imported into the GnuTLS structures the callback hands out; only
 * then is it served. (MHD never loads a certificate itself, so 0.9.75's abort on a pair it
 * fails to load, which once needed a trial daemon per load, cannot happen.)
 *
 * Why a reaper: MHD's connection timeout restarts on every byte, so a client sending one byte a
 * second holds a connection forever. Each connection gets a deadline (accept or previous
 * answer + timeout_s); a thread checks four times a second and shuts down the socket of any
 * connection past it. MHD then sees the socket fail and frees the connection as usual. The
 * entry is removed in MHD's "closed" notification, which MHD sends before it closes the
 * descriptor, and under the same mutex the reaper holds, so the reaper never touches a reused
 * descriptor.
 *
 * The reaper also keeps room for new clients. MHD stops accepting at max_connections, so
 * enough idle connections would keep a real request waiting in the kernel's queue until they
 * time out. When the open connections reach 90 % of the limit, the reaper cuts those that have
 * gone longest without a request (at least a second), oldest first, down to 75 % of the limit:
 * an idle client loses a connection it can reopen; a sender with something to say gets in. The
 * gap between the two marks is what lets a flood drain fast: each tick frees a quarter of the
 * limit, so a queue of hundreds of idle connections ahead of a real one is gone in a second or
 * two instead of a few connections per tick.
 *
 * Head checks: before a request reaches the handler, httpd_head.c checks what MHD 0.9.75
 * lets through (bare LF, a header line it dropped, two Content-Length headers, Content-Length
 * with Transfer-Encoding); a failed check is answered 400 with Connection: close.
 *
 * Failed TLS handshakes are logged at info (tls_handshake_failed, with the client address) when
 * their connection closes, at most 20 lines a minute per server (httpd_tls.c); past that
 * they are counted and the count logged once the minute is over, so a flood of broken
 * handshakes costs at most ~20 lines a minute.
 */
#include "tagfailover/httpd.h"

#include "httpd_head.h"
#include "httpd_tls.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tagfailover/caps.h"
#include "tagfailover/log.h"

/* How often the reaper looks. */
#define HTTPD_REAPER_TICK_MS 250
/* Eviction under pressure starts at this share of max_connections, and spares connections
 * younger than this (since accept or their last answer). */
#define HTTPD_EVICT_PERCENT     90
#define HTTPD_EVICT_TO_PERCENT  75
#define HTTPD_EVICT_MIN_IDLE_MS 1000
#define HTTPD_LISTEN_BACKLOG    511

typedef struct httpd_conn httpd_conn;

/* One open connection, tracked for its deadline. */
struct httpd_conn {
    struct httpd *h;
    int fd;                       /* the socket; valid until MHD's CLOSED notification */
    _Atomic uint64_t deadline_ms; /* monotonic ms by which the next request must be answered */
    bool cut;                     /* the reaper has shut it down already (lock held) */
    /* Only the connection's MHD thread touches these: */
    bool in_request;        /* the head of the current request has been checked */
    bool any_request;       /* a request head arrived: the TLS handshake had completed */
    bool handshake_done;    /* the client's TLS Finished arrived */
    httpd_tls_creds *creds; /* the pair its TLS handshake used (a reference), or NULL */
    LIST_ENTRY(httpd_conn) link;
};

struct httpd {
    char *name;
    bool tls;
    bool ipv6;
    unsigned threads;
    unsigned max_connections;
    unsigned timeout_s;
    size_t connection_memory;
    MHD_AccessHandlerCallback handler;
    void *handler_cls;
    MHD_RequestCompletedCallback completed;
    void *completed_cls;
    httpd_refuse_fn refuse;
    void *refuse_cls;
    struct MHD_Response *bad_request; /* the default 400 (Connection: close) */
    int port;

    struct MHD_Daemon *daemon;

    pthread_mutex_t creds_lock; /* guards creds (the pointer; the pair is reference-counted) */
    httpd_tls_creds *creds;     /* the pair new handshakes get; a reload swaps it */

    httpd_tls_log tls_log; /* the failed-handshake log budget */

    pthread_mutex_t lock; /* guards conns and stopping */
    pthread_cond_t wake;  /* wakes the reaper early on stop */
    LIST_HEAD(, httpd_conn) conns;
    bool stopping;
    bool reaper_running;
    pthread_t reaper;
};

static uint64_t httpd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Routes MHD's own messages into the log, at debug: they are per-connection noise (failed
 * handshakes, resets) that an operator rarely needs, and never contain request bodies. */
static void httpd_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void httpd_mhd_log(void *cls, const char *fmt, va_list ap)
{
    httpd *h = cls;
    char msg[512];

    if (!log_enabled(LOG_DEBUG))
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_msg(LOG_DEBUG, "httpd", "%s: %s", h->name, msg);
}

/* Bytes the kernel has received on socket `fd`, a FIN counted as one (0 when it cannot say). */
static uint64_t httpd_bytes_received(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
        return 0;
    return ti.tcpi_bytes_received;
}

/* At close: a TLS connection whose client sent something but whose handshake never completed
 * is a failed handshake (a port probe that sends nothing is not logged). MHD 0.9.75 has freed
 * the TLS session by the time it says "closed", so what happened is what httpd_tls_hook and the
 * certificate callback noted on the way. */
static void httpd_check_handshake(httpd *h, struct MHD_Connection *c, const httpd_conn *hc)
{
    if (!h->tls || hc->handshake_done || hc->any_request)
        return;
    /* The kernel counts a FIN as one byte received. */
    if (httpd_bytes_received(hc->fd) <= 1)
        return;
    httpd_tls_log_failure(
        &h->tls_log, h->name, c, httpd_now_ms(),
        hc->creds != NULL ? "after the client hello" : "before or at the client hello", hc->cut);
}

/* The connection's tracking entry, or NULL. */
static httpd_conn *httpd_conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

/* GnuTLS's handshake hook: the client's Finished message has arrived, so the handshake has
 * completed (in TLS 1.2 and 1.3, full or resumed, the client's Finished is the last word). MHD
 * sets the session's pointer to the connection. */
static int httpd_tls_hook(gnutls_session_t session, unsigned int htype, unsigned when,
                          unsigned int incoming, const gnutls_datum_t *msg)
{
    (void)when, (void)msg;
    if (htype != GNUTLS_HANDSHAKE_FINISHED || !incoming)
        return 0;
    struct MHD_Connection *c = gnutls_session_get_ptr(session);
    httpd_conn *hc = c != NULL ? httpd_conn_of(c) : NULL;
    if (hc != NULL)
        hc->handshake_done = true;
    return 0;
}

/* MHD connection notifications: track each connection for the reaper. */
static void httpd_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                         enum MHD_ConnectionNotificationCode code)
{
    httpd *h = cls;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        httpd_conn *hc = calloc(1, sizeof(*hc));
        if (hc == NULL || ci == NULL) {
            /* Untracked: MHD's idle timeout still applies (and a TLS handshake fails). */
            free(hc);
            *socket_context = NULL;
            return;
        }
        hc->h = h;
        hc->fd = ci->connect_fd;
        atomic_store(&hc->deadline_ms, httpd_now_ms() + (uint64_t)h->timeout_s * 1000u);
        pthread_mutex_lock(&h->lock);
        LIST_INSERT_HEAD(&h->conns, hc, link);
        pthread_mutex_unlock(&h->lock);
        *socket_context = hc;
        /* MHD 0.9.75 has made the TLS session by now (it uses no handshake hook itself). */
        if (h->tls) {
            const union MHD_ConnectionInfo *ti =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
            if (ti != NULL && ti->tls_session != NULL)
                gnutls_handshake_set_hook_function(ti->tls_session, GNUTLS_HANDSHAKE_FINISHED,
                                                   GNUTLS_HOOK_POST, httpd_tls_hook);
        }
        return;
    }
    /* MHD_CONNECTION_NOTIFY_CLOSED: sent before MHD closes the descriptor. */
    httpd_conn *hc = *socket_context;
    if (hc == NULL)
        return;
    httpd_check_handshake(h, c, hc);
    pthread_mutex_lock(&h->lock);
    LIST_REMOVE(hc, link);
    pthread_mutex_unlock(&h->lock);
    httpd_tls_creds_unref(hc->creds);
    free(hc);
    *socket_context = NULL;
}

/* GnuTLS's certificate callback (no user pointer: MHD sets the session's pointer to the
 * connection, whose socket context is our entry). Hands out the current pair and keeps a
 * reference to it for the connection. */
static int httpd_cert_callback(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn,
                               int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                               int pk_algos_length, gnutls_pcert_st **pcert,
                               unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    (void)req_ca_rdn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
    struct MHD_Connection *c = gnutls_session_get_ptr(session);
    httpd_conn *hc = c != NULL ? httpd_conn_of(c) : NULL;
    if (hc == NULL)
        return -1;
    httpd *h = hc->h;
    pthread_mutex_lock(&h->creds_lock);
    httpd_tls_creds *cr = h->creds;
    httpd_tls_creds_ref(cr);
    pthread_mutex_unlock(&h->creds_lock);
    if (cr == NULL)
        return -1;
    /* A second call in one handshake (a retried hello): keep only the newest. */
    httpd_tls_creds_unref(hc->creds);
    hc->creds = cr;
    httpd_tls_creds_get(cr, pcert, pcert_length, pkey);
    return 0;
}

/* The access handler MHD calls: checks each request's head once, then hands every call to the
 * server's handler. */
static enum MHD_Result httpd_access(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **con_cls)
{
    httpd *h = cls;
    httpd_conn *hc = httpd_conn_of(c);

    if (hc != NULL && !hc->in_request) {
        const char *why = NULL;
        hc->in_request = true;
        hc->any_request = true;
        if (!httpd_head_ok(c, version, &why)) {
            log_msg(LOG_DEBUG, "bad_request", "%s: %s", h->name, why);
            if (h->refuse != NULL)
                return h->refuse(h->refuse_cls, c, why);
            return MHD_queue_response(c, MHD_HTTP_BAD_REQUEST, h->bad_request);
        }
    }
    return h->handler(h->handler_cls, c, url, method, version, upload_data, upload_data_size,
                      con_cls);
}

/* MHD's request-completed callback: restart the connection's deadline, then let the handler
 * free its request state. */
static void httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    httpd *h = cls;
    httpd_conn *hc = httpd_conn_of(c);

    if (hc != NULL) {
        hc->in_request = false;
        atomic_store(&hc->deadline_ms, httpd_now_ms() + (uint64_t)h->timeout_s * 1000u);
    }
    if (h->completed != NULL)
        h->completed(h->completed_cls, c, con_cls, toe);
}

/* Orders connections by deadline, earliest (idle longest) first. */
static int httpd_conn_cmp(const void *a, const void *b)
{
    uint64_t da = atomic_load(&(*(httpd_conn *const *)a)->deadline_ms);
    uint64_t db = atomic_load(&(*(httpd_conn *const *)b)->deadline_ms);
    return da < db ? -1 : da > db;
}

/* When the open connections reach HTTPD_EVICT_PERCENT of the limit, cuts the longest-idle ones
 * down to HTTPD_EVICT_TO_PERCENT (see the top of the file), and logs it when it does. Lock
 * held. */
static void httpd_evict(httpd *h, uint64_t now)
{
    size_t high = (size_t)h->max_connections * HTTPD_EVICT_PERCENT / 100;
    size_t low = (size_t)h->max_connections * HTTPD_EVICT_TO_PERCENT / 100;
    size_t open = 0, in_use, n = 0;
    unsigned cut = 0;
    httpd_conn *hc;

    if (high < 1)
        high = 1;
    if (low >= high)
        low = high - 1;
    LIST_FOREACH(hc, &h->conns, link)
    {
        if (!hc->cut)
            open++;
    }
    if (open < high)
        return;
    httpd_conn **v = malloc(open * sizeof(*v));
    if (v == NULL)
        return;
    in_use = open;
    uint64_t timeout_ms = (uint64_t)h->timeout_s * 1000u;
    LIST_FOREACH(hc, &h->conns, link)
    {
        /* The deadline is the last accept or answer plus the timeout. */
        uint64_t since = atomic_load(&hc->deadline_ms) - timeout_ms;
        if (!hc->cut && now >= since + HTTPD_EVICT_MIN_IDLE_MS)
            v[n++] = hc;
    }
    qsort(v, n, sizeof(*v), httpd_conn_cmp);
    for (size_t i = 0; i < n && open > low; i++, open--) {
        shutdown(v[i]->fd, SHUT_RDWR);
        v[i]->cut = true;
        cut++;
    }
    free(v);
    if (cut > 0)
        log_msg(LOG_WARN, "connections_evicted",
                "%s: %zu of %u connections in use; cut the %u idle longest", h->name, in_use,
                h->max_connections, cut);
}

/* The reaper thread: cuts connections past their deadline, and idle ones under pressure. */
static void *httpd_reaper_main(void *arg)
{
    httpd *h = arg;

    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += HTTPD_REAPER_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&h->wake, &h->lock, &until);
        if (h->stopping)
            break;
        uint64_t now = httpd_now_ms();
        unsigned cut = 0;
        httpd_conn *hc;
        LIST_FOREACH(hc, &h->conns, link)
        {
            if (!hc->cut && now > atomic_load(&hc->deadline_ms)) {
                /* shutdown, not close: the descriptor stays MHD's to close. */
                shutdown(hc->fd, SHUT_RDWR);
                hc->cut = true;
                cut++;
            }
        }
        if (cut > 0)
            log_msg(LOG_DEBUG, "connection_deadline", "%s: cut %u connection(s) past %u s", h->name,
                    cut, h->timeout_s);
        httpd_evict(h, now);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* Binds and listens on address:port; returns the socket or -1. */
static int httpd_listen(httpd *h, const char *address, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char portstr[16];
    int fd = -1, one = 1;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    snprintf(portstr, sizeof(portstr), "%d", port);
    int gai = getaddrinfo(address, portstr, &hints, &ai);
    if (gai != 0) {
        httpd_seterr(err, errlen, "%s: address '%s': %s", h->name, address, gai_strerror(gai));
        goto fail;
    }
    h->ipv6 = ai->ai_family == AF_INET6;
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        httpd_seterr(err, errlen, "%s: socket: %s", h->name, strerror(errno));
        goto fail;
    }
    /* A restarted daemon must not wait for the old one's TIME_WAIT connections. */
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        httpd_seterr(err, errlen, "%s: bind %s port %d: %s", h->name, address, port,
                     strerror(errno));
        goto fail;
    }
    if (listen(fd, HTTPD_LISTEN_BACKLOG) != 0) {
        httpd_seterr(err, errlen, "%s: listen: %s", h->name, strerror(errno));
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        httpd_seterr(err, errlen, "%s: getsockname: %s", h->name, strerror(errno));
        goto fail;
    }
    h->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    freeaddrinfo(ai);
    return fd;
fail:
    if (fd >= 0)
        close(fd);
    if (ai != NULL)
        freeaddrinfo(ai);
    return -1;
}

/* Starts the MHD daemon on listening socket `fd` (which it then owns). */
static struct MHD_Daemon *httpd_daemon_start(httpd *h, int fd)
{
    /* poll(), not epoll: with epoll, libmicrohttpd 0.9.75 removes a quiesced daemon's listen
     * descriptor from each worker's epoll set both in MHD_quiesce_daemon and in the worker's
     * own loop, and the loser of that race aborts the process ("Failed to remove listen FD
     * from epoll set"). Nothing quiesces a daemon any more, but poll() costs little at
     * max_connections (<= 65536 over a few threads, 256 by default) next to TLS. */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem opts[16];
    size_t n = 0;

    if (h->tls)
        flags |= MHD_USE_TLS;
    if (h->ipv6)
        flags |= MHD_USE_IPv6;

    /* The logger first, or MHD prints what comes before it to stderr itself. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)httpd_mhd_log, h};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, fd, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, h->max_connections, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, h->timeout_s, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                        (intptr_t)h->connection_memory, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)httpd_completed, h};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)httpd_notify, h};
    /* MHD's strict level 1 refuses a header line without a colon and a missing Host; what it
     * still lets through (bare LF, a space before the colon: it drops that line) httpd_head.c
     * refuses. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL};
    if (h->threads > 1)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, h->threads, NULL};
    if (h->tls) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                                            (void *)(uintptr_t)httpd_cert_callback};
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTPD_TLS_PRIORITIES};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* No per-IP connection limit: behind a reverse proxy every connection comes from the
     * proxy's address, Meraki delivers from a handful of addresses, and the admin listener's
     * clients are local; the eviction above is what keeps room. */
    return MHD_start_daemon(flags, 0, NULL, NULL, httpd_access, h, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
}

/* Reads, checks and imports a certificate pair (see the top of the file). */
static httpd_err httpd_load_creds(httpd *h, const char *cert_file, const char *key_file,
                                  httpd_tls_creds **out, char *err, size_t errlen)
{
    char why[768] = "";
    httpd_err rc = httpd_tls_load_creds(cert_file, key_file, out, why, sizeof(why));
    if (rc != HTTPD_OK)
        httpd_seterr(err, errlen, "%s: %s", h->name, why);
    return rc;
}

httpd_err httpd_start(const httpd_options *o, httpd **out, char *err, size_t errlen)
{
    httpd_err rc = HTTPD_OK;
    int fd = -1;
    httpd *h = calloc(1, sizeof(*h));

    *out = NULL;
    if (h == NULL)
        return HTTPD_ERR_NOMEM;
    pthread_mutex_init(&h->lock, NULL);
    pthread_mutex_init(&h->creds_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    LIST_INIT(&h->conns);
    if ((h->name = strdup(o->name)) == NULL) {
        rc = HTTPD_ERR_NOMEM;
        goto out;
    }
    h->tls = o->tls;
    h->threads = o->threads > 0 ? o->threads : 1;
    h->max_connections = o->max_connections;
    h->timeout_s = o->timeout_s;
    h->connection_memory = o->connection_memory;
    h->handler = o->handler;
    h->handler_cls = o->handler_cls;
    h->completed = o->completed;
    h->completed_cls = o->completed_cls;
    h->refuse = o->refuse;
    h->refuse_cls = o->refuse_cls;
    httpd_tls_log_init(&h->tls_log, httpd_now_ms());

    static const char bad[] = "bad request\n";
    h->bad_request = MHD_create_response_from_buffer(sizeof(bad) - 1, (void *)(uintptr_t)bad,
                                                     MHD_RESPMEM_PERSISTENT);
    if (h->bad_request == NULL ||
        MHD_add_response_header(h->bad_request, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "text/plain; charset=utf-8") != MHD_YES ||
        MHD_add_response_header(h->bad_request, MHD_HTTP_HEADER_CONNECTION, "close") != MHD_YES) {
        rc = HTTPD_ERR_NOMEM;
        goto out;
    }
    if (h->tls) {
        rc = httpd_load_creds(h, o->cert_file, o->key_file, &h->creds, err, errlen);
        if (rc != HTTPD_OK)
            goto out;
    }
    fd = httpd_listen(h, o->address, o->port, err, errlen);
    if (fd < 0) {
        rc = HTTPD_ERR_ADDRESS;
        goto out;
    }
    if (pthread_create(&h->reaper, NULL, httpd_reaper_main, h) != 0) {
        httpd_seterr(err, errlen, "%s: cannot start the reaper thread", h->name);
        rc = HTTPD_ERR_START;
        goto out;
    }
    h->reaper_running = true;
    h->daemon = httpd_daemon_start(h, fd);
    if (h->daemon == NULL) {
        /* MHD closes a listen socket it was given when it fails. */
        fd = -1;
        httpd_seterr(err, errlen, "%s: libmicrohttpd did not start (see debug log)", h->name);
        rc = HTTPD_ERR_START;
        goto out;
    }
    fd = -1;
    *out = h;
    h = NULL;
out:
    if (fd >= 0)
        close(fd);
    httpd_stop(h);
    return rc;
}

httpd_err httpd_reload_tls(httpd *h, const char *cert_file, const char *key_file, char *err,
                           size_t errlen)
{
    httpd_tls_creds *next = NULL;

    if (!h->tls) {
        httpd_seterr(err, errlen, "%s: not a TLS listener", h->name);
        return HTTPD_ERR_STATE;
    }
    httpd_err rc = httpd_load_creds(h, cert_file, key_file, &next, err, errlen);
    if (rc != HTTPD_OK)
        return rc;
    /* New handshakes get the new pair; those under way keep theirs until they close. */
    pthread_mutex_lock(&h->creds_lock);
    httpd_tls_creds *old = h->creds;
    h->creds = next;
    pthread_mutex_unlock(&h->creds_lock);
    httpd_tls_creds_unref(old);
    return HTTPD_OK;
}

int httpd_port(const httpd *h)
{
    return h->port;
}

void httpd_stop(httpd *h)
{
    if (h == NULL)
        return;
    if (h->daemon != NULL)
        MHD_stop_daemon(h->daemon);
    h->daemon = NULL;
    if (h->reaper_running) {
        pthread_mutex_lock(&h->lock);
        h->stopping = true;
        pthread_cond_broadcast(&h->wake);
        pthread_mutex_unlock(&h->lock);
        pthread_join(h->reaper, NULL);
    }
    /* MHD_stop_daemon closed every connection, so the list is empty; free any stragglers. */
    while (!LIST_EMPTY(&h->conns)) {
        httpd_conn *hc = LIST_FIRST(&h->conns);
        LIST_REMOVE(hc, link);
        httpd_tls_creds_unref(hc->creds);
        free(hc);
    }
    httpd_tls_creds_unref(h->creds);
    if (h->bad_request != NULL)
        MHD_destroy_response(h->bad_request);
    pthread_cond_destroy(&h->wake);
    httpd_tls_log_destroy(&h->tls_log);
    pthread_mutex_destroy(&h->creds_lock);
    pthread_mutex_destroy(&h->lock);
    free(h->name);
    free(h);
}

const char *httpd_strerror(httpd_err e)
{
    switch (e) {
    case HTTPD_OK:
        return "success";
    case HTTPD_ERR_ADDRESS:
        return "cannot listen on the address";
    case HTTPD_ERR_TLS:
        return "bad TLS certificate or key";
    case HTTPD_ERR_START:
        return "the HTTP server did not start";
    case HTTPD_ERR_NOMEM:
        return "out of memory";
    case HTTPD_ERR_STATE:
        return "not possible in this state";
    }
    return "unknown httpd error";
}
