/*
 * httpd_tls.c - the listener's certificate and key: read from their files (capped, wiped after
 * use), parsed and matched with OpenSSL for a clear message, then imported into the GnuTLS
 * structures the listener's handshakes are served from (httpd_tls_creds), which a reload swaps
 * under the running daemon (see httpd.c). `check-config`, a reload and `serve` all load a pair
 * through here, so a pair that passes `check-config` is one the listener can serve. Also the
 * failed-handshake log's budget.
 */
#include "tagfailover/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tagfailover/caps.h"
#include "tagfailover/log.h"

#include "httpd_tls.h"

/* Writes a formatted message into the caller's buffer. */
void httpd_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Frees PEM text, wiping it first (the key is a secret). */
void httpd_tls_free_pem(char *pem)
{
    if (pem == NULL)
        return;
    OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
}

/* Reads a whole PEM file, at most TF_PEM_MAX_BYTES, as a NUL-terminated string. */
static httpd_err httpd_read_pem(const char *path, char **out, char *err, size_t errlen)
{
    httpd_err rc = HTTPD_ERR_TLS;
    char *buf = NULL;
    size_t len = 0;
    struct stat st;
    FILE *f = NULL;

    *out = NULL;
    /* O_NONBLOCK, and fstat on what was opened: a FIFO put where the certificate was must not
     * block check-config or the signal thread's reload until someone writes to it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0) {
        httpd_seterr(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        httpd_seterr(err, errlen, "%s: not a regular file", path);
        close(fd);
        goto out;
    }
    if ((f = fdopen(fd, "r")) == NULL) {
        httpd_seterr(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        goto out;
    }
    if (st.st_size > TF_PEM_MAX_BYTES) {
        httpd_seterr(err, errlen, "%s: larger than %d bytes", path, TF_PEM_MAX_BYTES);
        goto out;
    }
    /* One byte more than the size, to notice a file that grew meanwhile. */
    size_t cap = (size_t)st.st_size + 1;
    buf = malloc(cap + 1);
    if (buf == NULL) {
        rc = HTTPD_ERR_NOMEM;
        goto out;
    }
    len = fread(buf, 1, cap, f);
    if (ferror(f) || len == cap) {
        httpd_seterr(err, errlen, "%s: read error or file changed while read", path);
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    buf = NULL;
    rc = HTTPD_OK;
out:
    if (buf != NULL) {
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
    if (f != NULL)
        fclose(f);
    return rc;
}

/* OpenSSL's password callback: refuse, so an encrypted key fails instead of prompting. */
static int httpd_no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Appends OpenSSL's oldest queued error to a message and clears the queue. */
static void httpd_openssl_reason(char *why, size_t len)
{
    unsigned long e = ERR_peek_error();
    if (e != 0)
        ERR_error_string_n(e, why, len);
    else
        snprintf(why, len, "no details");
    ERR_clear_error();
}

/* Checks that cert_pem and key_pem (NUL-terminated PEM text) are a certificate and its
 * unencrypted private key, with OpenSSL. On failure `err` says why. */
static httpd_err httpd_check_tls_pair(const char *cert_pem, const char *key_pem, char *err,
                                      size_t errlen)
{
    httpd_err rc = HTTPD_ERR_TLS;
    BIO *cb = NULL, *kb = NULL;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    char why[256];

    ERR_clear_error();
    cb = BIO_new_mem_buf(cert_pem, -1);
    kb = BIO_new_mem_buf(key_pem, -1);
    if (cb == NULL || kb == NULL) {
        rc = HTTPD_ERR_NOMEM;
        goto out;
    }
    cert = PEM_read_bio_X509(cb, NULL, httpd_no_password, NULL);
    if (cert == NULL) {
        httpd_openssl_reason(why, sizeof(why));
        httpd_seterr(err, errlen, "certificate does not parse: %s", why);
        goto out;
    }
    key = PEM_read_bio_PrivateKey(kb, NULL, httpd_no_password, NULL);
    if (key == NULL) {
        httpd_openssl_reason(why, sizeof(why));
        httpd_seterr(err, errlen, "private key does not parse (or is encrypted): %s", why);
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        httpd_openssl_reason(why, sizeof(why));
        httpd_seterr(err, errlen, "private key does not match the certificate: %s", why);
        goto out;
    }
    rc = HTTPD_OK;
out:
    ERR_clear_error();
    EVP_PKEY_free(key);
    X509_free(cert);
    BIO_free(kb);
    BIO_free(cb);
    return rc;
}

/* Reads and checks the certificate and key files and imports them (see the top of the file). */
httpd_err httpd_tls_load_creds(const char *cert_file, const char *key_file, httpd_tls_creds **out,
                               char *err, size_t errlen)
{
    char why[384] = "";
    char *cert_pem = NULL, *key_pem = NULL;

    *out = NULL;
    httpd_err rc = httpd_read_pem(cert_file, &cert_pem, err, errlen);
    if (rc != HTTPD_OK)
        goto out;
    rc = httpd_read_pem(key_file, &key_pem, err, errlen);
    if (rc != HTTPD_OK)
        goto out;
    rc = httpd_check_tls_pair(cert_pem, key_pem, why, sizeof(why));
    if (rc == HTTPD_OK)
        rc = httpd_tls_creds_new(cert_pem, key_pem, out, why, sizeof(why));
    if (rc != HTTPD_OK)
        httpd_seterr(err, errlen, "%s / %s: %s", cert_file, key_file, why);
out:
    httpd_tls_free_pem(cert_pem);
    httpd_tls_free_pem(key_pem);
    return rc;
}

httpd_err httpd_check_tls_files(const char *cert_file, const char *key_file, char *err,
                                size_t errlen)
{
    httpd_tls_creds *c = NULL;
    httpd_err rc = httpd_tls_load_creds(cert_file, key_file, &c, err, errlen);
    httpd_tls_creds_unref(c);
    return rc;
}

/* Longest certificate chain accepted (leaf + intermediates). */
#define HTTPD_TLS_MAX_CHAIN 16

struct httpd_tls_creds {
    _Atomic unsigned refs;
    unsigned n;
    gnutls_pcert_st pcerts[HTTPD_TLS_MAX_CHAIN];
    gnutls_privkey_t key;
};

static void httpd_tls_creds_free(httpd_tls_creds *c)
{
    for (unsigned i = 0; i < c->n; i++)
        gnutls_pcert_deinit(&c->pcerts[i]);
    if (c->key != NULL)
        gnutls_privkey_deinit(c->key);
    free(c);
}

httpd_err httpd_tls_creds_new(const char *cert_pem, const char *key_pem, httpd_tls_creds **out,
                              char *err, size_t errlen)
{
    httpd_tls_creds *c = calloc(1, sizeof(*c));
    int r;

    *out = NULL;
    if (c == NULL)
        return HTTPD_ERR_NOMEM;
    atomic_init(&c->refs, 1);
    gnutls_datum_t cd = {(unsigned char *)(uintptr_t)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t kd = {(unsigned char *)(uintptr_t)key_pem, (unsigned)strlen(key_pem)};
    c->n = HTTPD_TLS_MAX_CHAIN;
    r = gnutls_pcert_list_import_x509_raw(c->pcerts, &c->n, &cd, GNUTLS_X509_FMT_PEM, 0);
    if (r < 0) {
        c->n = 0;
        httpd_seterr(err, errlen, "certificate chain refused by GnuTLS (at most %d): %s",
                     HTTPD_TLS_MAX_CHAIN, gnutls_strerror(r));
        goto fail;
    }
    if ((r = gnutls_privkey_init(&c->key)) < 0 ||
        (r = gnutls_privkey_import_x509_raw(c->key, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        httpd_seterr(err, errlen, "private key refused by GnuTLS: %s", gnutls_strerror(r));
        goto fail;
    }
    *out = c;
    return HTTPD_OK;
fail:
    httpd_tls_creds_free(c);
    return HTTPD_ERR_TLS;
}

void httpd_tls_creds_get(httpd_tls_creds *c, gnutls_pcert_st **pcert, unsigned *n,
                         gnutls_privkey_t *key)
{
    *pcert = c->pcerts;
    *n = c->n;
    *key = c->key;
}

void httpd_tls_creds_ref(httpd_tls_creds *c)
{
    if (c != NULL)
        atomic_fetch_add(&c->refs, 1);
}

void httpd_tls_creds_unref(httpd_tls_creds *c)
{
    if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
        httpd_tls_creds_free(c);
}

/* ---- Failed handshakes in the log ---- */

/* Lines per window; the rest are counted. */
#define HTTPD_TLS_LOG_BURST     20
#define HTTPD_TLS_LOG_WINDOW_MS 60000

void httpd_tls_log_init(httpd_tls_log *b, uint64_t now)
{
    pthread_mutex_init(&b->lock, NULL);
    b->window_ms = now;
    b->logged = 0;
    b->suppressed = 0;
}

void httpd_tls_log_destroy(httpd_tls_log *b)
{
    pthread_mutex_destroy(&b->lock);
}

/* The client's address of a connection, as text ("" when unknown). */
static void httpd_tls_client_addr(struct MHD_Connection *c, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buf[0] = '\0';
    if (ci == NULL || ci->client_addr == NULL)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
                  buf, (socklen_t)len);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr, buf,
                  (socklen_t)len);
}

/* Logs a TLS connection that closes before its handshake completed, within the budget (see
 * httpd_tls.h). `stage` says how far it got: whether a client hello was taken (the
 * certificate was asked for). */
void httpd_tls_log_failure(httpd_tls_log *b, const char *name, struct MHD_Connection *c,
                           uint64_t now, const char *stage, bool cut)
{
    unsigned long suppressed = 0;
    bool log_it;

    pthread_mutex_lock(&b->lock);
    if (now - b->window_ms >= HTTPD_TLS_LOG_WINDOW_MS) {
        suppressed = b->suppressed;
        b->window_ms = now;
        b->logged = 0;
        b->suppressed = 0;
    }
    log_it = b->logged < HTTPD_TLS_LOG_BURST;
    if (log_it)
        b->logged++;
    else
        b->suppressed++;
    pthread_mutex_unlock(&b->lock);

    if (suppressed > 0)
        log_msg(LOG_INFO, "tls_handshake_failed",
                "%s: %lu more failed TLS handshakes in the last minute were not logged", name,
                suppressed);
    if (!log_it || !log_enabled(LOG_INFO))
        return;
    char addr[INET6_ADDRSTRLEN + 1];
    httpd_tls_client_addr(c, addr, sizeof(addr));
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "listener", json_object_new_string(name));
    json_object_object_add(f, "client", json_object_new_string(addr));
    json_object_object_add(f, "stage", json_object_new_string(stage));
    json_object_object_add(f, "reason",
                           json_object_new_string(cut ? "deadline or eviction" : "failed"));
    log_event(LOG_INFO, "tls_handshake_failed", f);
}
