/*
 * page.c - pagination and Link headers (see page.h).
 */
#include "page.h"

#include "api.h"
#include "sbuf.h"
#include "state.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads perPage: absent means the default; anything but an integer in range is a 400. */
static int page_per_page(const struct http_request *req, const struct page_spec *spec, int *out)
{
    const char *s = http_param(req, "perPage");
    char *end;
    long v;

    *out = spec->per_page_default;
    if (s == NULL)
        return 0;
    v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < spec->per_page_min || v > spec->per_page_max)
        return -1;
    *out = spec->clamp && v > spec->clamp ? spec->clamp : (int)v;
    return 0;
}

struct page_spec page_spec_make(int min, int max, int def, int page_size)
{
    struct page_spec s = {min, max, def, 0};

    if (page_size > 0) {
        s.clamp = page_size < min ? min : page_size > max ? max : page_size;
        s.per_page_default = s.clamp;
    }
    return s;
}

/* Resolves a token to a position in the organization's order: the network's index, or
 * SIZE_MAX for the end token. Returns -1 for a token that names no network. */
static int page_token(struct state *st, const char *token, size_t *pos)
{
    struct state_network *n;

    if (strcmp(token, PAGE_END_TOKEN) == 0) {
        *pos = SIZE_MAX;
        return 0;
    }
    n = state_net_find_any(st, token);
    if (n == NULL)
        return -1;
    *pos = n->index;
    return 0;
}

/* Appends one link: the request's URL with its own paging parameters replaced. */
static void page_link(struct sbuf *b, const struct http_request *req, int per_page,
                      const char *token_key, const char *token, const char *rel)
{
    if (b->len)
        sbuf_adds(b, ", ");
    sbuf_printf(b, "<http://127.0.0.1:%d%s?", req->port, req->path);
    for (size_t i = 0; i < req->nparams; i++) {
        const char *k = req->params[i].key;
        char *ek, *ev;

        if (!strcmp(k, "perPage") || !strcmp(k, "startingAfter") || !strcmp(k, "endingBefore"))
            continue;
        ek = http_url_encode(k);
        ev = http_url_encode(req->params[i].value);
        if (ek && ev)
            sbuf_printf(b, "%s=%s&", ek, ev);
        free(ek);
        free(ev);
    }
    sbuf_printf(b, "perPage=%d", per_page);
    if (token_key) {
        char *et = http_url_encode(token);

        if (et)
            sbuf_printf(b, "&%s=%s", token_key, et);
        free(et);
    }
    sbuf_printf(b, ">; rel=%s", rel);
}

int page_select(struct state *st, struct state_network *const *items, size_t n,
                const struct http_request *req, const struct page_spec *spec,
                struct http_reply *reply, size_t *start, size_t *end)
{
    const char *after = http_param(req, "startingAfter");
    const char *before = http_param(req, "endingBefore");
    struct sbuf link = {0};
    char *text;
    int per_page;
    size_t pos, s = 0, e;

    if (page_per_page(req, spec, &per_page) != 0) {
        char msg[128];

        snprintf(msg, sizeof msg, "'perPage' must be an integer between %d and %d",
                 spec->per_page_min, spec->per_page_max);
        http_reply_error(reply, 400, msg);
        return -1;
    }
    if (after) {
        if (page_token(st, after, &pos) != 0)
            goto bad_token;
        while (s < n && items[s]->index <= pos && pos != SIZE_MAX)
            s++;
        if (pos == SIZE_MAX)
            s = n;
        e = s + (size_t)per_page < n ? s + (size_t)per_page : n;
    } else if (before) {
        if (page_token(st, before, &pos) != 0)
            goto bad_token;
        e = 0;
        while (e < n && items[e]->index < pos)
            e++;
        s = e > (size_t)per_page ? e - (size_t)per_page : 0;
    } else {
        e = (size_t)per_page < n ? (size_t)per_page : n;
    }

    page_link(&link, req, per_page, NULL, NULL, "first");
    if (s > 0 && s < n)
        page_link(&link, req, per_page, "endingBefore", items[s]->id, "prev");
    if (e < n && e > s)
        page_link(&link, req, per_page, "startingAfter", items[e - 1]->id, "next");
    page_link(&link, req, per_page, "endingBefore", PAGE_END_TOKEN, "last");
    text = sbuf_take(&link, NULL);
    if (text)
        http_reply_header(reply, "Link", text);
    free(text);
    *start = s;
    *end = e;
    return 0;

bad_token:
    http_reply_error(reply, 400, "Invalid pagination token");
    return -1;
}
