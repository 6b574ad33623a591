/*
 * page.h - Meraki-style pagination of per-network lists: perPage, startingAfter,
 * endingBefore and the Link header (rel=first, prev, next, last).
 *
 * Tokens are network ids (as Meraki's often are): startingAfter=X is "after network X in the
 * organization's order", so a page boundary survives a network being filtered out or deleted
 * between calls. The rel=last link uses endingBefore=PAGE_END_TOKEN. State lock held.
 */
#ifndef FAKEDASH_PAGE_H
#define FAKEDASH_PAGE_H

#include "http.h"

#include <stddef.h>

struct state;
struct state_network;

#define PAGE_END_TOKEN "zzzzzzzzzz"

struct page_spec {
    int per_page_min;     /* spec's minimum */
    int per_page_max;     /* spec's maximum */
    int per_page_default; /* spec's default */
    int clamp;            /* nonzero: the scenario's page_size, default and cap (a larger
                             perPage is cut to it, so pagination happens whatever the client
                             asks) */
};

/* The page_spec of an operation given its spec range and default, with the scenario's
 * page_size (0 = unset) applied. */
struct page_spec page_spec_make(int min, int max, int def, int page_size);

/* Picks the page of `items` (a filtered list in organization order, n of them) the request
 * asks for. On success returns 0, sets [*start, *end) and adds the Link header to `reply`;
 * on a bad perPage or token returns -1 after filling a 400 reply. */
int page_select(struct state *st, struct state_network *const *items, size_t n,
                const struct http_request *req, const struct page_spec *spec,
                struct http_reply *reply, size_t *start, size_t *end);

#endif
