/*
 * sites.c - the sites a listing must name and the listing filter made of them. See sites.h.
 */
#include "tagfailover/sites.h"

#include <stdio.h>
#include <string.h>

static bool sites_name_ok(const char *site)
{
    size_t n = site != NULL ? strlen(site) : 0;
    if (n == 0 || n > TF_SITE_MAX_LEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = site[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

tags_err sites_add(sites_set *s, const char *site)
{
    if (!sites_name_ok(site))
        return TAGS_OK;
    for (size_t i = 0; i < s->v.n; i++)
        if (strcmp(s->v.v[i], site) == 0)
            return TAGS_OK;
    /* The set stays bounded whatever a listing holds: beyond SITES_MAX it only says so. */
    if (s->v.n >= SITES_MAX) {
        s->too_many = true;
        return TAGS_OK;
    }
    return tags_list_push(&s->v, site) == TAGS_ERR_NOMEM ? TAGS_ERR_NOMEM : TAGS_OK;
}

tags_err sites_add_from_tags(sites_set *s, const tags_list *tags)
{
    for (size_t i = 0; tags != NULL && i < tags->n; i++) {
        tags_pair_tag p;
        if (tags_parse_pair_tag(tags->v[i], &p) && sites_add(s, p.site) != TAGS_OK)
            return TAGS_ERR_NOMEM;
    }
    return TAGS_OK;
}

tags_err sites_add_all(sites_set *s, const sites_set *from)
{
    for (size_t i = 0; i < from->v.n; i++)
        if (sites_add(s, from->v.v[i]) != TAGS_OK)
            return TAGS_ERR_NOMEM;
    if (from->too_many)
        s->too_many = true;
    return TAGS_OK;
}

tags_err sites_filter(const sites_set *s, tags_list *out, bool *use)
{
    static const char *const suffix[] = {"_primary_up", "_primary_down", "_backup_up",
                                         "_backup_down"};
    tags_list tmp = {0};

    *out = (tags_list){0};
    *use = false;
    if (s->too_many || s->v.n == 0)
        return TAGS_OK;
    for (size_t i = 0; i < s->v.n; i++) {
        for (size_t k = 0; k < sizeof(suffix) / sizeof(suffix[0]); k++) {
            char tag[TF_SITE_MAX_LEN + 16];
            snprintf(tag, sizeof(tag), "%s%s", s->v.v[i], suffix[k]);
            tags_err e = tags_list_push(&tmp, tag);
            if (e != TAGS_OK) {
                tags_list_free(&tmp);
                return e;
            }
        }
    }
    *out = tmp;
    *use = true;
    return TAGS_OK;
}

void sites_free(sites_set *s)
{
    tags_list_free(&s->v);
    s->too_many = false;
}
