/*
 * page.c - pagination and Link headers (see page.h).
 */
#include "page.h"

#include "api.h"
#include "sbuf.h"
#include "state.h"

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

static int page_cmp(struct page_rank a, struct page_rank b)
{
    if (a.major != b.major)
        return a.major < b.major ? -1 : 1;
    return a.minor < b.minor ? -1 : a.minor > b.minor;
}

int page_select_list(const struct page_list *list, const struct http_request *req,
                     const struct page_spec *spec, struct http_reply *reply, size_t *start,
                     size_t *end)
{
    const char *after = http_param(req, "startingAfter");
    const char *before = http_param(req, "endingBefore");
    const char *token = after ? after : before;
    struct page_rank pos = {0, 0};
    struct sbuf link = {0};
    char tok[PAGE_TOKEN_MAX];
    size_t n = list->n, s = 0, e;
    int per_page, at_end = 0;
    char *text;

    if (page_per_page(req, spec, &per_page) != 0) {
        char msg[128];

        snprintf(msg, sizeof msg, "'perPage' must be an integer between %d and %d",
                 spec->per_page_min, spec->per_page_max);
        http_reply_error(reply, 400, msg);
        return -1;
    }
    if (token && strcmp(token, PAGE_END_TOKEN) == 0)
        at_end = 1;
    else if (token && list->parse(list->ctx, token, &pos) != 0) {
        http_reply_error(reply, 400, "Invalid pagination token");
        return -1;
    }
    if (after) {
        while (!at_end && s < n && page_cmp(list->rank(list->ctx, s), pos) <= 0)
            s++;
        if (at_end)
            s = n;
        e = s + (size_t)per_page < n ? s + (size_t)per_page : n;
    } else if (before) {
        e = 0;
        while (e < n && (at_end || page_cmp(list->rank(list->ctx, e), pos) < 0))
            e++;
        s = e > (size_t)per_page ? e - (size_t)per_page : 0;
    } else {
        e = (size_t)per_page < n ? (size_t)per_page : n;
    }

    page_link(&link, req, per_page, NULL, NULL, "first");
    if (s > 0 && s < n) {
        list->token(list->ctx, s, tok);
        page_link(&link, req, per_page, "endingBefore", tok, "prev");
    }
    if (e < n && e > s) {
        list->token(list->ctx, e - 1, tok);
        page_link(&link, req, per_page, "startingAfter", tok, "next");
    }
    page_link(&link, req, per_page, "endingBefore", PAGE_END_TOKEN, "last");
    text = sbuf_take(&link, NULL);
    if (text)
        http_reply_header(reply, "Link", text);
    free(text);
    *start = s;
    *end = e;
    return 0;
}

/* ---- networks ---- */

struct page_nets {
    struct state *st;
    struct state_network *const *items;
};

static struct page_rank page_net_rank(const void *ctx, size_t i)
{
    const struct page_nets *p = ctx;
    struct page_rank r = {p->items[i]->index, 0};

    return r;
}

static void page_net_token(const void *ctx, size_t i, char *buf)
{
    const struct page_nets *p = ctx;

    snprintf(buf, PAGE_TOKEN_MAX, "%s", p->items[i]->id);
}

static int page_net_parse(const void *ctx, const char *token, struct page_rank *out)
{
    const struct page_nets *p = ctx;
    struct state_network *n = state_net_find_any(p->st, token);

    if (n == NULL)
        return -1;
    out->major = n->index;
    out->minor = 0;
    return 0;
}

int page_select(struct state *st, struct state_network *const *items, size_t n,
                const struct http_request *req, const struct page_spec *spec,
                struct http_reply *reply, size_t *start, size_t *end)
{
    struct page_nets ctx = {st, items};
    struct page_list list = {n, &ctx, page_net_rank, page_net_token, page_net_parse};

    return page_select_list(&list, req, spec, reply, start, end);
}
