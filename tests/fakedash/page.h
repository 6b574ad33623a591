/*
 * page.h - Meraki-style pagination: perPage, startingAfter, endingBefore and the Link header
 * (rel=first, prev, next, last).
 *
 * A paginated list is any sequence of items in list order, each with a rank that grows along
 * the list and a token that names it. startingAfter=X is "after the rank X stands for", so a
 * page boundary survives an item being filtered out or deleted between calls. For networks
 * the token is the network id and the rank its place in the organization (page_select); the
 * other lists supply their own (page_select_list). The rel=last link uses
 * endingBefore=PAGE_END_TOKEN. State lock held.
 */
#ifndef FAKEDASH_PAGE_H
#define FAKEDASH_PAGE_H

#include "http.h"

#include <stddef.h>

struct state;
struct state_network;

#define PAGE_END_TOKEN "zzzzzzzzzz"

/* Longest token a list may hand out (with its NUL). */
#define PAGE_TOKEN_MAX 1024

struct page_spec {
    int per_page_min;     /* spec's minimum */
    int per_page_max;     /* spec's maximum */
    int per_page_default; /* spec's default */
    int clamp;            /* nonzero: the scenario's page_size, default and cap (a larger
                             perPage is cut to it, so pagination happens whatever the client
                             asks) */
};

/* A position in a list: compared major first, then minor. */
struct page_rank {
    unsigned long long major;
    unsigned long long minor;
};

/* A list to paginate: `n` items in list order, ranks strictly increasing along it. */
struct page_list {
    size_t n;
    const void *ctx; /* handed to the callbacks */
    /* The rank of item i. */
    struct page_rank (*rank)(const void *ctx, size_t i);
    /* Writes the token of item i into buf (PAGE_TOKEN_MAX bytes). */
    void (*token)(const void *ctx, size_t i, char *buf);
    /* The rank a token stands for; returns -1 when it names nothing. */
    int (*parse)(const void *ctx, const char *token, struct page_rank *out);
};

/* The page_spec of an operation given its spec range and default, with the scenario's
 * page_size (0 = unset) applied. */
struct page_spec page_spec_make(int min, int max, int def, int page_size);

/* Picks the page of `list` the request asks for. On success returns 0, sets [*start, *end)
 * and adds the Link header to `reply`; on a bad perPage or token returns -1 after filling a
 * 400 reply. */
int page_select_list(const struct page_list *list, const struct http_request *req,
                     const struct page_spec *spec, struct http_reply *reply, size_t *start,
                     size_t *end);

/* page_select_list for networks (a filtered list in organization order, n of them): tokens
 * are network ids, deleted ones included. */
int page_select(struct state *st, struct state_network *const *items, size_t n,
                const struct http_request *req, const struct page_spec *spec,
                struct http_reply *reply, size_t *start, size_t *end);

#endif
