/*
 * httpd_tls.h - private to src/io/httpd*.c: loading the listener's certificate and key, shared
 * by the listener (httpd.c) and the pair checks (httpd_tls.c).
 */
#ifndef TAGFAILOVER_HTTPD_TLS_H
#define TAGFAILOVER_HTTPD_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/httpd.h"

/* Writes a formatted message into the caller's buffer (NULL or 0 length: nothing). */
void httpd_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Frees PEM text, wiping it first (the key is a secret). NULL is a no-op. */
void httpd_tls_free_pem(char *pem);

/* A certificate chain and its key as GnuTLS hands them to a handshake (see httpd.c's
 * certificate callback). Reference-counted: the listener holds one reference to the pair it
 * serves now, and each connection one to the pair its handshake used, so a reload never frees
 * a pair under a handshake. */
typedef struct httpd_tls_creds httpd_tls_creds;

/* Imports checked PEM text into GnuTLS structures, with one reference. On failure `err` says
 * why. */
httpd_err httpd_tls_creds_new(const char *cert_pem, const char *key_pem, httpd_tls_creds **out,
                              char *err, size_t errlen) __attribute__((warn_unused_result));

/* Reads the certificate and key files (capped at TF_PEM_MAX_BYTES, wiped after use), checks
 * them with OpenSSL (parse, unencrypted key, key matches) and imports them, with one reference.
 * On failure `err` (prefixed with the file names) says why. */
httpd_err httpd_tls_load_creds(const char *cert_file, const char *key_file, httpd_tls_creds **out,
                               char *err, size_t errlen) __attribute__((warn_unused_result));

/* The chain and key for gnutls_certificate_retrieve_function2's out-parameters. */
void httpd_tls_creds_get(httpd_tls_creds *c, gnutls_pcert_st **pcert, unsigned *n,
                         gnutls_privkey_t *key);

/* Takes and drops a reference (atomic; any thread). The last drop frees. NULL is a no-op. */
void httpd_tls_creds_ref(httpd_tls_creds *c);
void httpd_tls_creds_unref(httpd_tls_creds *c);

/* The failed-handshake log's budget: at most 20 lines a minute per listener; past that the
 * failures are counted, and the count is logged with the next failure after the minute. */
typedef struct {
    pthread_mutex_t lock;
    uint64_t window_ms; /* monotonic start of the current minute */
    unsigned logged;
    unsigned long suppressed;
} httpd_tls_log;

void httpd_tls_log_init(httpd_tls_log *b, uint64_t now_ms);
void httpd_tls_log_destroy(httpd_tls_log *b);

/* Logs tls_handshake_failed for connection `c` of listener `name` (with the client's address;
 * `stage` says how far it got, `cut` that the reaper cut it), within the budget. Any thread. */
void httpd_tls_log_failure(httpd_tls_log *b, const char *name, struct MHD_Connection *c,
                           uint64_t now_ms, const char *stage, bool cut);
#endif
