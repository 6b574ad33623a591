/*
 * httpd.h - an HTTP(S) server around libmicrohttpd, shared by the webhook and admin listeners.
 *
 * It owns the listening socket, the MHD daemon (poll, internal polling thread or thread
 * pool), TLS (GnuTLS through MHD: TLS 1.2 and 1.3, AEAD ciphers, forward-secret key exchange
 * only), the connection caps and a deadline per request, and certificate reload. What a
 * request means is the handler's business (webhook.c, admin.c).
 *
 * Time limits: `timeout_s` is both MHD's idle timeout and a deadline: a connection must have
 * delivered a whole request within timeout_s of being accepted or of its previous answer, or it
 * is cut. The deadline is what stops a client that sends one byte a second, which an idle
 * timeout alone never catches. A reaper thread per server enforces it, and when the open
 * connections near max_connections it cuts the ones idle longest, so idle clients cannot keep
 * a real one out.
 *
 * Threads: httpd_start, httpd_reload_tls and httpd_stop are called by one thread (main). The
 * handler and completed callbacks run on MHD's threads, several at once.
 */
#ifndef TAGFAILOVER_HTTPD_H
#define TAGFAILOVER_HTTPD_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct httpd httpd;

typedef enum {
    HTTPD_OK = 0,
    HTTPD_ERR_ADDRESS, /* the address does not parse, or bind/listen failed */
    HTTPD_ERR_TLS,     /* certificate or key unreadable, unparsable or not a pair */
    HTTPD_ERR_START,   /* MHD refused to start (threads, memory) */
    HTTPD_ERR_NOMEM,
    HTTPD_ERR_STATE, /* reload on a plain server */
} httpd_err;

/* TLS versions and ciphers (GnuTLS priority string): TLS 1.2 and 1.3 only, AEAD ciphers only,
 * ECDHE key exchange in TLS 1.2 (forward secrecy), the server's order wins. */
#define HTTPD_TLS_PRIORITIES                                                                       \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"            \
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE"

/* Answers a request whose head failed the checks (see httpd_start): must queue a 400 with
 * Connection: close and return MHD_queue_response's result. `why` says what was wrong. */
typedef enum MHD_Result (*httpd_refuse_fn)(void *cls, struct MHD_Connection *c, const char *why);

/* How to run a server. Strings are copied by httpd_start. */
typedef struct {
    const char *name;                  /* "listener" or "admin": used in log lines */
    const char *address;               /* numeric IPv4 or IPv6 address to bind */
    int port;                          /* TCP port; 0 = any free port (see httpd_port) */
    bool tls;                          /* serve HTTPS with cert_file/key_file */
    const char *cert_file;             /* PEM certificate (chain), when tls */
    const char *key_file;              /* PEM private key (unencrypted), when tls */
    unsigned threads;                  /* 1: one internal thread; more: a pool of that many */
    unsigned max_connections;          /* MHD_OPTION_CONNECTION_LIMIT */
    unsigned timeout_s;                /* idle timeout and per-request deadline (see above) */
    size_t connection_memory;          /* per-connection memory (headers + read buffer) */
    MHD_AccessHandlerCallback handler; /* the request handler */
    void *handler_cls;
    MHD_RequestCompletedCallback completed; /* per-request cleanup; may be NULL */
    void *completed_cls;
    httpd_refuse_fn refuse; /* the 400 for a bad head; NULL: a plain-text 400 */
    void *refuse_cls;
} httpd_options;

/* Binds, listens and starts serving. Before a request's first handler call its head is checked
 * (bare LF line ends, a header line MHD dropped, more than one Content-Length, Content-Length
 * with Transfer-Encoding, a Transfer-Encoding other than chunked, a Content-Length that is not
 * digits); a bad one never reaches the handler and is answered 400 and closed. On success *out is
 * the server (freed by httpd_stop). On failure *out is NULL and `err` (NUL-terminated, truncated to
 * errlen) says why. */
httpd_err httpd_start(const httpd_options *o, httpd **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Replaces the certificate and key with the files' current contents without refusing or
 * cutting a connection: the pair is checked first (OpenSSL parse and key match, the GnuTLS
 * import), then handshakes that start afterwards get it; those under way finish with the old
 * one. On any failure the old pair keeps serving, untouched, and `err` says why. Main thread. */
httpd_err httpd_reload_tls(httpd *h, const char *cert_file, const char *key_file, char *err,
                           size_t errlen) __attribute__((warn_unused_result));

/* The port the server listens on (useful after port 0). */
int httpd_port(const httpd *h);

/* Stops serving, closes every connection and frees the server. NULL is a no-op. */
void httpd_stop(httpd *h);

/* Checks the certificate and key files exactly as httpd_start and httpd_reload_tls would load
 * them (read, OpenSSL parse and key match, GnuTLS import), without touching any server. On
 * failure `err` says why. Any thread. */
httpd_err httpd_check_tls_files(const char *cert_file, const char *key_file, char *err,
                                size_t errlen) __attribute__((warn_unused_result));

/* A message for an error code; never NULL. */
const char *httpd_strerror(httpd_err e);

#endif
