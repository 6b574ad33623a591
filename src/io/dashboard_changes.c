/*
 * dashboard_changes.c - the Dashboard client's read of an organization's change log
 * (GET /organizations/{org}/configurationChanges, every page). See dashboard.h; the entries
 * are read by the core (changes.h).
 */
#include "tagfailover/dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard_int.h"
#include "tagfailover/caps.h"
#include "tagfailover/id.h"

/* The most entries one page asks for (the spec allows 3..5000). */
#define DASH_CHANGES_PAGE 5000

/* Appends `add` to *v (the entries change owner). */
static dash_err dash_changes_append(chg_entry **v, size_t *n, chg_entry *add, size_t n_add)
{
    if (n_add == 0) {
        free(add);
        return DASH_OK;
    }
    chg_entry *grown = realloc(*v, (*n + n_add) * sizeof(*grown));
    if (grown == NULL) {
        chg_free(add, n_add);
        return DASH_ERR_NOMEM;
    }
    memcpy(grown + *n, add, n_add * sizeof(*add));
    free(add);
    *v = grown;
    *n += n_add;
    return DASH_OK;
}

dash_err dash_list_changes(dash_client *c, const char *org_id, long timespan_s,
                           const char *network_id, chg_entry **out, size_t *n, dash_error *err)
{
    char first[TF_API_MAX_HEADER + 256];
    char *url = NULL, *next = NULL;
    chg_entry *all = NULL;
    size_t count = 0;
    dash_err result = DASH_OK;
    dash_pages seen = {0};

    memset(err, 0, sizeof(*err));
    *out = NULL;
    *n = 0;
    /* Both go into the URL as they are: id.h's rule makes that safe. */
    if (!id_valid(org_id) || (network_id != NULL && !id_valid(network_id))) {
        err->code = DASH_ERR_INVALID;
        snprintf(err->message, sizeof(err->message), "an id the API could not have given");
        return err->code;
    }
    int len = snprintf(first, sizeof(first),
                       "%s/organizations/%s/configurationChanges?timespan=%ld&perPage=%d%s%s",
                       c->s->base_url, org_id, timespan_s, DASH_CHANGES_PAGE,
                       network_id != NULL ? "&networkId=" : "", network_id ? network_id : "");
    if (len < 0 || (size_t)len >= sizeof(first)) {
        err->code = DASH_ERR_INVALID;
        snprintf(err->message, sizeof(err->message), "the URL is too long");
        return err->code;
    }
    const char *at = first;
    for (int page = 0; at != NULL; page++) {
        if (page >= TF_API_MAX_PAGES) {
            result = err->code = DASH_ERR_PARSE;
            snprintf(err->message, sizeof(err->message), "change log: more than %d pages",
                     TF_API_MAX_PAGES);
            break;
        }
        if (!dash_pages_add(&seen, at)) {
            result = err->code = DASH_ERR_NOMEM;
            snprintf(err->message, sizeof(err->message), "change log: out of memory");
            break;
        }
        result = dash_call(c, org_id, "GET", at, NULL, TF_API_MAX_RESPONSE, &next, err);
        if (result != DASH_OK)
            break;
        chg_entry *v = NULL;
        size_t k = 0;
        chg_err ce = chg_parse(c->body.p != NULL ? c->body.p : "", c->body.len, &v, &k);
        if (ce != CHG_OK) {
            result = err->code = ce == CHG_ERR_NOMEM ? DASH_ERR_NOMEM : DASH_ERR_PARSE;
            snprintf(err->message, sizeof(err->message), "change log: %s", chg_strerror(ce));
            break;
        }
        result = dash_changes_append(&all, &count, v, k);
        if (result != DASH_OK) {
            err->code = result;
            break;
        }
        /* A next page that repeats one already read would never end. */
        if (next != NULL && dash_pages_seen(&seen, next)) {
            result = err->code = DASH_ERR_PAGINATION;
            snprintf(err->message, sizeof(err->message),
                     "change log: the next page after page %d is one already read", page + 1);
            break;
        }
        free(url);
        url = next;
        next = NULL;
        at = url;
    }
    free(url);
    free(next);
    dash_pages_free(&seen);
    dash_trim_buffer(c);
    if (result != DASH_OK) {
        chg_free(all, count);
        return result;
    }
    *out = all;
    *n = count;
    return DASH_OK;
}
