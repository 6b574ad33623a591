/*
 * httpd_head.c - checks on a request's head that libmicrohttpd 0.9.75 does not make.
 *
 * What MHD 0.9.75 lets through, even at MHD_OPTION_STRICT_FOR_CLIENT 1 (each tried on the
 * wire): a line ended by a bare LF; a header line with a space before its colon, which it keeps
 * as a header named "Content-Length " (so "Content-Length : N" is no length at all, and the
 * body is read as the next request); two Content-Length headers (the first wins);
 * Content-Length with Transfer-Encoding: chunked (chunked wins); a folded line. Each is a way to
 * make two parsers disagree about where a request ends.
 *
 * Headers are easy: MHD keeps every header line, repeats included, in arrival order, so the
 * names are checked for blanks and the Content-Length and Transfer-Encoding lines counted and
 * read.
 *
 * Line ends and dropped lines leave no trace in MHD's API, but they do in its read buffer. MHD
 * parses the head in place: it writes a NUL over the CR and the LF that end each line (over
 * the LF alone for a bare LF), over the colon, and hands out pointers into that buffer: the
 * version is the request line's last word, each key starts its line, each value follows its
 * colon and blanks. So a head of CRLF lines, none dropped, is one run: the version, NUL NUL,
 * the first key, NUL, blanks, its value, NUL NUL, the next key, ... This file walks that run
 * and refuses any step that does not fit: one NUL after a line (a bare LF), or a key that does
 * not start where the previous line ended (a line in between was dropped, or a folded line
 * was joined elsewhere). Only bytes of the head itself are read, in the order MHD wrote them.
 *
 * What it cannot see: the ending of the blank line and of the last header line (a bare LF
 * there looks like the NULs that follow a CRLF line), and blanks at the end of a value, which
 * MHD may write NULs over too (so a run of NULs after a value is skipped, but never after the
 * last one, which the blank line follows). A request that fools this still has exactly one
 * length, the one this server reads.
 *
 * It depends on MHD 0.9.75's in-place parsing; a libmicrohttpd that parses elsewhere would
 * fail every request here with "the head is not where libmicrohttpd parsed it", which
 * tests/integration/test_http_strict.c would show at once.
 */
#include "httpd_head.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* A run of NULs between two header lines longer than this is not a head MHD parsed. */
#define HTTPD_HEAD_MAX_NULS 256

typedef struct {
    size_t total;       /* header lines */
    size_t seen;        /* walked so far */
    const char *expect; /* where the next key must start */
    const char *why;    /* the first reason to refuse, or NULL */
    unsigned content_length;
    unsigned transfer_encoding;
    const char *te_value;
    const char *cl_value;
} httpd_head_walk;

static enum MHD_Result httpd_head_count(void *cls, enum MHD_ValueKind kind, const char *key,
                                        const char *value)
{
    (void)kind, (void)key, (void)value;
    ((httpd_head_walk *)cls)->total++;
    return MHD_YES;
}

/* One header line: in place, right after the previous one, ended by CRLF. */
static enum MHD_Result httpd_head_step(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    httpd_head_walk *w = cls;
    (void)kind;

    w->seen++;
    if (key == NULL || value == NULL || key != w->expect) {
        w->why = "a header line was malformed (a space before its colon?) or folded";
        return MHD_NO;
    }
    /* A field name is a token: no blanks (MHD keeps "Content-Length " as a name of its own). */
    if (key[strcspn(key, " \t")] != '\0') {
        w->why = "a space before a header's colon";
        return MHD_NO;
    }
    /* The colon's NUL, then the blanks MHD skipped, then the value. */
    const char *v = key + strlen(key) + 1;
    while (v != value && (*v == ' ' || *v == '\t'))
        v++;
    if (v != value) {
        w->why = "a header value is not where libmicrohttpd parsed it";
        return MHD_NO;
    }
    size_t vl = strlen(value);
    /* value[vl] is the NUL over CR (or a bare LF); value[vl + 1] the one over LF. */
    if (value[vl + 1] != '\0') {
        w->why = "a header line ends with a bare LF";
        return MHD_NO;
    }
    const char *next = value + vl + 2;
    if (w->seen < w->total) {
        /* NULs over trailing blanks, if MHD trims them; another key follows (within the
         * head: at most HTTPD_HEAD_MAX_NULS, so the walk never leaves it). */
        size_t k = 0;
        while (*next == '\0' && k++ < HTTPD_HEAD_MAX_NULS)
            next++;
    }
    w->expect = next;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        w->content_length++;
        w->cl_value = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        w->transfer_encoding++;
        w->te_value = value;
    }
    return MHD_YES;
}

bool httpd_head_ok(struct MHD_Connection *c, const char *version, const char **why)
{
    httpd_head_walk w = {0};

    *why = NULL;
    if (version == NULL) {
        *why = "no HTTP version";
        return false;
    }
    size_t vl = strlen(version);
    if (version[vl + 1] != '\0') {
        *why = "the request line ends with a bare LF";
        return false;
    }
    MHD_get_connection_values(c, MHD_HEADER_KIND, httpd_head_count, &w);
    w.expect = version + vl + 2;
    MHD_get_connection_values(c, MHD_HEADER_KIND, httpd_head_step, &w);
    /* After the last line, the blank line: a line dropped there is not blank. */
    if (w.why == NULL && *w.expect != '\0')
        w.why = "a header line was malformed (a space before its colon?)";
    if (w.why != NULL) {
        *why = w.why;
        return false;
    }
    if (w.content_length > 1) {
        *why = "more than one Content-Length header";
        return false;
    }
    if (w.transfer_encoding > 1) {
        *why = "more than one Transfer-Encoding header";
        return false;
    }
    if (w.content_length == 1 && w.transfer_encoding == 1) {
        *why = "both Content-Length and Transfer-Encoding";
        return false;
    }
    if (w.transfer_encoding == 1 && strcasecmp(w.te_value, "chunked") != 0) {
        *why = "a Transfer-Encoding other than chunked";
        return false;
    }
    if (w.content_length == 1) {
        size_t n = strlen(w.cl_value);
        if (n == 0 || n > 18 || strspn(w.cl_value, "0123456789") != n) {
            *why = "a Content-Length that is not a number";
            return false;
        }
    }
    return true;
}
