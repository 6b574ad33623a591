/*
 * httpd_head.h - private to src/io/httpd*.c: the request-head checks libmicrohttpd 0.9.75 does
 * not make itself (see httpd_head.c).
 */
#ifndef TAGFAILOVER_HTTPD_HEAD_H
#define TAGFAILOVER_HTTPD_HEAD_H

#include <microhttpd.h>
#include <stdbool.h>

/* True when the head of the request on `c` (whose HTTP version string MHD passed the access
 * handler) is one to serve; false with *why set (a static string) when it must be refused.
 * Call only on the first access-handler call of a request. */
bool httpd_head_ok(struct MHD_Connection *c, const char *version, const char **why);

#endif
