/*
 * sbuf.c - growable string buffer and JSON escaping (see sbuf.h).
 */
#include "sbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sbuf_reserve(struct sbuf *b, size_t extra)
{
    size_t max = b->max ? b->max : SBUF_DEFAULT_MAX;
    size_t need, ncap;
    char *p;

    if (b->failed)
        return -1;
    if (extra > max || b->len + 1 > max - extra) {
        b->failed = 1;
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap *= 2;
    p = realloc(b->data, ncap);
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = ncap;
    return 0;
}

int sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (sbuf_reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int sbuf_adds(struct sbuf *b, const char *s)
{
    return sbuf_add(b, s, strlen(s));
}

int sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sbuf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int sbuf_json_str(struct sbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p;
    const unsigned char *run;

    if (s == NULL)
        return sbuf_adds(b, "null");
    if (sbuf_add(b, "\"", 1) != 0)
        return -1;
    /* Copy runs of plain bytes at once; escape quotes, backslashes and control bytes. */
    run = (const unsigned char *)s;
    for (p = run; *p; p++) {
        char esc[6];
        size_t elen = 2;

        if (*p >= 0x20 && *p != '"' && *p != '\\')
            continue;
        sbuf_add(b, (const char *)run, (size_t)(p - run));
        esc[0] = '\\';
        switch (*p) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            elen = 6;
        }
        sbuf_add(b, esc, elen);
        run = p + 1;
    }
    sbuf_add(b, (const char *)run, (size_t)(p - run));
    return sbuf_add(b, "\"", 1);
}

int sbuf_json_num(struct sbuf *b, double v)
{
    char tmp[40];

    if (!isfinite(v))
        return sbuf_adds(b, "null");
    if (v == floor(v) && fabs(v) < 1e15)
        return sbuf_printf(b, "%.0f", v);
    /* %.17g always reads back exactly; try shorter forms first so 5.3 stays 5.3. */
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    return sbuf_adds(b, tmp);
}

char *sbuf_take(struct sbuf *b, size_t *len)
{
    char *out;

    if (b->failed) {
        sbuf_free(b);
        return NULL;
    }
    if (b->data == NULL && sbuf_reserve(b, 0) != 0)
        return NULL;
    out = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}

void sbuf_free(struct sbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
