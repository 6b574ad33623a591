/*
 * textbuf.h - a growable text buffer for the command renderers (`status NETWORK_ID`,
 * `history`): printf into it, and a safe put for text that came from the network.
 *
 * Pure: no I/O, no clock, no globals. A failed allocation sticks (`failed`), so a renderer
 * writes everything and checks once at the end.
 */
#ifndef TAGFAILOVER_TEXTBUF_H
#define TAGFAILOVER_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialised is empty. The caller owns `s` (tb_take hands it over). */
typedef struct {
    char *s;
    size_t len, cap;
    bool failed;
} textbuf;

/* Appends formatted text. */
void tb_printf(textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends `s` with every control character (and DEL) shown as '?', so a name from the API
 * cannot forge a line on an operator's terminal; NULL appends `dflt`. */
void tb_put_safe(textbuf *b, const char *s, const char *dflt);

/* The text as a heap string the caller frees (never NULL when it did not fail), or NULL when
 * an allocation failed; the buffer is empty afterwards either way. */
char *tb_take(textbuf *b);

#endif
