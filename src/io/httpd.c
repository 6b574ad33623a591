/*
 * httpd.c - libmicrohttpd wrapper: listening socket, TLS, caps, request deadline, cert reload.
 *
 * Why the socket is ours: we bind it ourselves (so errors read as ours and port 0 works) and
 * hand it to MHD with MHD_OPTION_LISTEN_SOCKET. A certificate reload then starts a second
 * daemon on a dup() of the same socket, so for a moment two daemons accept from one queue and
 * no connection is ever refused; the old daemon is quiesced (it stops accepting and gives the
 * original descriptor back, which we close), drains, and stops.
 *
 * Why the pair is tried before that: libmicrohttpd 0.9.75 aborts the process (MHD_PANIC on a
 * double close) when a thread-pool daemon given a listen socket fails to load its certificate.
 * So every certificate is first parsed and matched with OpenSSL (for a clear message) and then
 * loaded by a throwaway MHD daemon that has no socket and no thread; only a pair that MHD has
 * just accepted reaches a real daemon.
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
 * enough idle connections would keep a real webhook waiting in the kernel's queue until they
 * time out. When the open connections reach 90 % of the limit, the reaper cuts those that have
 * gone longest without a request (at least a second), oldest first, back below that mark: an
 * idle client loses a connection it can reopen; a sender with something to say gets in.
 */
#include "tagfailover/httpd.h"

#include "httpd_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
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

/* How often the reaper looks, and how long a replaced daemon may drain its connections. */
#define HTTPD_REAPER_TICK_MS 250
/* Eviction under pressure starts at this share of max_connections, and spares connections
 * younger than this (since accept or their last answer). */
#define HTTPD_EVICT_PERCENT     90
#define HTTPD_EVICT_MIN_IDLE_MS 1000
#define HTTPD_DRAIN_MS          2000
#define HTTPD_LISTEN_BACKLOG    511

/* One open connection, tracked for its deadline. */
typedef struct httpd_conn {
    int fd;                       /* the socket; valid until MHD's CLOSED notification */
    _Atomic uint64_t deadline_ms; /* monotonic ms by which the next request must be answered */
    bool cut;                     /* the reaper has shut it down already */
    LIST_ENTRY(httpd_conn) link;
} httpd_conn;

/* One running MHD daemon and the PEM text it was started with (MHD keeps pointers to it). */
typedef struct {
    struct MHD_Daemon *daemon;
    char *cert_pem;
    char *key_pem;
} httpd_daemon;

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
    int port;

    httpd_daemon cur; /* the daemon serving now; only the main thread swaps it */

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
            /* Untracked: MHD's idle timeout still applies. */
            free(hc);
            *socket_context = NULL;
            return;
        }
        hc->fd = ci->connect_fd;
        atomic_store(&hc->deadline_ms, httpd_now_ms() + (uint64_t)h->timeout_s * 1000u);
        pthread_mutex_lock(&h->lock);
        LIST_INSERT_HEAD(&h->conns, hc, link);
        pthread_mutex_unlock(&h->lock);
        *socket_context = hc;
        return;
    }
    /* MHD_CONNECTION_NOTIFY_CLOSED: sent before MHD closes the descriptor. */
    httpd_conn *hc = *socket_context;
    if (hc == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    LIST_REMOVE(hc, link);
    pthread_mutex_unlock(&h->lock);
    free(hc);
    *socket_context = NULL;
}

/* MHD's request-completed callback: restart the connection's deadline, then let the handler
 * free its request state. */
static void httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    httpd *h = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    if (ci != NULL && ci->socket_context != NULL) {
        httpd_conn *hc = ci->socket_context;
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

/* Cuts the longest-idle connections while the open ones are at HTTPD_EVICT_PERCENT of the
 * limit (see the top of the file), and logs it when it does. Lock held. */
static void httpd_evict(httpd *h, uint64_t now)
{
    size_t high = (size_t)h->max_connections * HTTPD_EVICT_PERCENT / 100;
    size_t open = 0, in_use, n = 0;
    unsigned cut = 0;
    httpd_conn *hc;

    if (high < 1)
        high = 1;
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
    for (size_t i = 0; i < n && open >= high; i++, open--) {
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

/* Starts an MHD daemon on listening socket `fd` (which it then owns). */
static struct MHD_Daemon *httpd_daemon_start(httpd *h, int fd, const char *cert_pem,
                                             const char *key_pem)
{
    /* poll(), not epoll: with epoll, libmicrohttpd 0.9.75 removes a quiesced daemon's listen
     * descriptor from each worker's epoll set both in MHD_quiesce_daemon and in the worker's
     * own loop, and the loser of that race aborts the process ("Failed to remove listen FD
     * from epoll set") — seen under load on certificate reloads. With poll() a quiesce only
     * stops the workers polling it. At max_connections (<= 65536 over a few threads, 256 by
     * default) poll's cost is small next to TLS. */
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
    /* Requests that bend HTTP/1.1 (bare LF, spaces before colons) are refused. */
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL};
    if (h->threads > 1)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, h->threads, NULL};
    if (h->tls) {
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem};
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTPD_TLS_PRIORITIES};
    }
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* No per-IP connection limit: behind a reverse proxy every connection comes from the
     * proxy's address, and Meraki delivers from a handful of addresses. */
    return MHD_start_daemon(flags, 0, NULL, NULL, h->handler, h->handler_cls, MHD_OPTION_ARRAY,
                            opts, MHD_OPTION_END);
}

/* Frees a stopped daemon slot's PEM text. */
static void httpd_daemon_clear(httpd_daemon *d)
{
    httpd_tls_free_pem(d->cert_pem);
    httpd_tls_free_pem(d->key_pem);
    memset(d, 0, sizeof(*d));
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

    if (h->tls) {
        rc = httpd_tls_load_pair(o->cert_file, o->key_file, &h->cur.cert_pem, &h->cur.key_pem, err,
                                 errlen);
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
    h->cur.daemon = httpd_daemon_start(h, fd, h->cur.cert_pem, h->cur.key_pem);
    if (h->cur.daemon == NULL) {
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

/* Waits until daemon `d` has no connection left or HTTPD_DRAIN_MS passes. */
static void httpd_drain(struct MHD_Daemon *d)
{
    uint64_t until = httpd_now_ms() + HTTPD_DRAIN_MS;
    while (httpd_now_ms() < until) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (di == NULL || di->num_connections == 0)
            return;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

httpd_err httpd_reload_tls(httpd *h, const char *cert_file, const char *key_file, char *err,
                           size_t errlen)
{
    httpd_err rc = HTTPD_OK;
    httpd_daemon next = {0};
    int fd = -1;

    if (!h->tls) {
        httpd_seterr(err, errlen, "%s: not a TLS listener", h->name);
        return HTTPD_ERR_STATE;
    }
    rc = httpd_tls_load_pair(cert_file, key_file, &next.cert_pem, &next.key_pem, err, errlen);
    if (rc != HTTPD_OK)
        goto out;

    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->cur.daemon, MHD_DAEMON_INFO_LISTEN_FD);
    if (di == NULL) {
        httpd_seterr(err, errlen, "%s: no listening socket to share", h->name);
        rc = HTTPD_ERR_START;
        goto out;
    }
    fd = fcntl(di->listen_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        httpd_seterr(err, errlen, "%s: dup: %s", h->name, strerror(errno));
        rc = HTTPD_ERR_START;
        goto out;
    }
    next.daemon = httpd_daemon_start(h, fd, next.cert_pem, next.key_pem);
    fd = -1; /* the new daemon owns it, or closed it when it failed */
    if (next.daemon == NULL) {
        httpd_seterr(err, errlen, "%s: libmicrohttpd did not start with the new pair", h->name);
        rc = HTTPD_ERR_START;
        goto out;
    }

    /* Both daemons accept now. Retire the old one: stop its accepting (MHD hands back its
     * descriptor, a dup of the one the new daemon uses), let its requests finish, stop it. */
    httpd_daemon old = h->cur;
    h->cur = next;
    memset(&next, 0, sizeof(next));
    MHD_socket lfd = MHD_quiesce_daemon(old.daemon);
    httpd_drain(old.daemon);
    MHD_stop_daemon(old.daemon);
    /* Only now: the old daemon's polling thread takes the descriptor out of its epoll set
     * some time after the quiesce, and libmicrohttpd aborts the process ("Failed to remove
     * listen FD from epoll set") when it is closed under it. */
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    httpd_daemon_clear(&old);
out:
    if (next.daemon != NULL)
        MHD_stop_daemon(next.daemon);
    httpd_daemon_clear(&next);
    return rc;
}

int httpd_port(const httpd *h)
{
    return h->port;
}

void httpd_stop(httpd *h)
{
    if (h == NULL)
        return;
    if (h->cur.daemon != NULL)
        MHD_stop_daemon(h->cur.daemon);
    httpd_daemon_clear(&h->cur);
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
        free(hc);
    }
    pthread_cond_destroy(&h->wake);
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
