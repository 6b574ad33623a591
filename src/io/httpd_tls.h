/*
 * httpd_tls.h - private to src/io/httpd*.c: loading the listener's certificate and key, shared
 * by the listener (httpd.c) and the pair checks (httpd_tls.c).
 */
#ifndef TAGFAILOVER_HTTPD_TLS_H
#define TAGFAILOVER_HTTPD_TLS_H

#include <stddef.h>

#include "tagfailover/httpd.h"

/* Writes a formatted message into the caller's buffer (NULL or 0 length: nothing). */
void httpd_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads and checks the certificate and key files. On success the caller owns both strings and
 * frees them with httpd_tls_free_pem. */
httpd_err httpd_tls_load_pair(const char *cert_file, const char *key_file, char **cert_pem,
                              char **key_pem, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Frees PEM text, wiping it first (the key is a secret). NULL is a no-op. */
void httpd_tls_free_pem(char *pem);

#endif
