/*
 * page.h - the operator's page: the HTML document the admin listener serves at GET / (the
 * README's "The operator's page").
 *
 * The page is written as src/io/page.html and turned into this array at build time
 * (src/io/page_embed.cmake writes it into the build tree), so it is edited as HTML and served
 * from memory with no file to find at run time. It is self-contained: inline CSS, inline SVG
 * and a little JavaScript that refreshes it from GET /status and GET /status/series; it loads
 * nothing from anywhere else. Read-only data; any thread.
 */
#ifndef TAGFAILOVER_PAGE_H
#define TAGFAILOVER_PAGE_H

#include <stddef.h>

/* The page's bytes (UTF-8 HTML), page_html_len of them, followed by a NUL. */
extern const unsigned char page_html[];
extern const size_t page_html_len;

#endif
