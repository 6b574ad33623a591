/*
 * sbuf.h - a growable string buffer with a size cap, and JSON string escaping.
 *
 * Large answers (a 10,000-network page, a loss series, the request log) are written straight
 * into one buffer instead of building a json-c tree of a million objects. A buffer that would
 * pass its cap fails with SBUF_TOO_LARGE and stays usable (its content is then incomplete;
 * callers check sbuf_failed before sending it). Not thread-safe; one owner.
 */
#ifndef FAKEDASH_SBUF_H
#define FAKEDASH_SBUF_H

#include <stddef.h>

struct sbuf {
    char *data; /* NUL-terminated content; NULL until the first append */
    size_t len; /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* most bytes it may hold; 0 = SBUF_DEFAULT_MAX */
    int failed; /* nonzero after an allocation failure or a pass of max */
};

/* Default cap: larger than any answer the fake should build. */
#define SBUF_DEFAULT_MAX ((size_t)1024 * 1024 * 1024)

/* Appends `n` bytes. Returns 0, or -1 (and marks the buffer failed). */
int sbuf_add(struct sbuf *b, const char *s, size_t n);

/* Appends a NUL-terminated string. */
int sbuf_adds(struct sbuf *b, const char *s);

/* Appends printf-formatted text. */
int sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends `s` as a quoted JSON string, or `null` when s is NULL. */
int sbuf_json_str(struct sbuf *b, const char *s);

/* Appends a JSON number for `v` (shortest form that reads back exactly; integers without a
 * fraction). */
int sbuf_json_num(struct sbuf *b, double v);

/* Hands the content to the caller (malloc'd, caller frees; "" when empty) and resets the
 * buffer. Returns NULL when the buffer failed. */
char *sbuf_take(struct sbuf *b, size_t *len);

/* Frees the content; the buffer may be reused. */
void sbuf_free(struct sbuf *b);

#endif
