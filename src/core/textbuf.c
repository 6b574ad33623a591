/*
 * textbuf.c - a growable text buffer. See textbuf.h.
 */
#include "tagfailover/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for `more` bytes and a NUL. */
static bool tb_reserve(textbuf *b, size_t more)
{
    if (b->failed)
        return false;
    if (b->cap - b->len > more)
        return true;
    size_t cap = b->cap > 0 ? b->cap : 1024;
    while (cap - b->len <= more) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    if (s == NULL) {
        b->failed = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void tb_printf(textbuf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];

    va_start(ap, fmt);
    int k = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->failed = true;
        return;
    }
    if (!tb_reserve(b, (size_t)k))
        return;
    if ((size_t)k < sizeof(small)) {
        memcpy(b->s + b->len, small, (size_t)k + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, (size_t)k + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)k;
}

void tb_put_safe(textbuf *b, const char *s, const char *dflt)
{
    if (s == NULL)
        s = dflt != NULL ? dflt : "";
    size_t n = strlen(s);
    if (!tb_reserve(b, n))
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        b->s[b->len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    b->s[b->len] = '\0';
}

char *tb_take(textbuf *b)
{
    char *s = b->s;
    if (b->failed) {
        free(s);
        s = NULL;
    } else if (s == NULL) {
        s = calloc(1, 1);
    }
    memset(b, 0, sizeof(*b));
    return s;
}
