/*
 * httpd_tls.c - the listener's certificate and key: read from their files (capped, wiped after
 * use), parsed and matched with OpenSSL for a clear message, then tried in a throwaway
 * libmicrohttpd daemon, so only a pair that MHD has just accepted reaches a real daemon (see
 * httpd.c for why). `check-config`, a reload and `serve` all load a pair through here.
 */
#include "tagfailover/httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tagfailover/caps.h"

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

/* A handler for the trial daemon; never called (it has no socket). */
static enum MHD_Result httpd_trial_handler(void *cls, struct MHD_Connection *c, const char *url,
                                           const char *method, const char *version,
                                           const char *upload_data, size_t *upload_data_size,
                                           void **con_cls)
{
    (void)cls, (void)c, (void)url, (void)method, (void)version, (void)upload_data;
    (void)upload_data_size, (void)con_cls;
    return MHD_NO;
}

/* Loads the PEM pair into a throwaway daemon with no socket and no thread: the same GnuTLS
 * calls a real daemon makes, without the abort a real one risks (see the top of the file). */
static bool httpd_trial_tls(const char *cert_pem, const char *key_pem)
{
    /* MHD refuses to start without a handler, even one that is never called. */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_NO_LISTEN_SOCKET | MHD_USE_TLS, 0, NULL, NULL, httpd_trial_handler, NULL,
        MHD_OPTION_HTTPS_MEM_CERT, cert_pem, MHD_OPTION_HTTPS_MEM_KEY, key_pem,
        MHD_OPTION_HTTPS_PRIORITIES, HTTPD_TLS_PRIORITIES, MHD_OPTION_END);
    if (d == NULL)
        return false;
    MHD_stop_daemon(d);
    return true;
}

/* Reads and checks the certificate and key files. On success the caller owns both strings. */
httpd_err httpd_tls_load_pair(const char *cert_file, const char *key_file, char **cert_pem,
                              char **key_pem, char *err, size_t errlen)
{
    char why[384] = "";
    httpd_err rc = httpd_read_pem(cert_file, cert_pem, err, errlen);
    if (rc != HTTPD_OK)
        goto out;
    rc = httpd_read_pem(key_file, key_pem, err, errlen);
    if (rc != HTTPD_OK)
        goto out;
    rc = httpd_check_tls_pair(*cert_pem, *key_pem, why, sizeof(why));
    if (rc != HTTPD_OK) {
        httpd_seterr(err, errlen, "%s / %s: %s", cert_file, key_file, why);
        goto out;
    }
    if (!httpd_trial_tls(*cert_pem, *key_pem)) {
        httpd_seterr(err, errlen, "%s / %s: refused by GnuTLS (unsupported key or certificate)",
                     cert_file, key_file);
        rc = HTTPD_ERR_TLS;
        goto out;
    }
out:
    if (rc != HTTPD_OK) {
        httpd_tls_free_pem(*cert_pem);
        httpd_tls_free_pem(*key_pem);
        *cert_pem = *key_pem = NULL;
    }
    return rc;
}

httpd_err httpd_check_tls_files(const char *cert_file, const char *key_file, char *err,
                                size_t errlen)
{
    char *cert_pem = NULL, *key_pem = NULL;
    httpd_err rc = httpd_tls_load_pair(cert_file, key_file, &cert_pem, &key_pem, err, errlen);
    httpd_tls_free_pem(cert_pem);
    httpd_tls_free_pem(key_pem);
    return rc;
}
