/*
 * sites.h - the sites a listing must name so that it returns every network the daemon manages,
 * and the networks listing filter made of them (`tags[]` + `tagsFilterType=withAnyTags`).
 *
 * A managed network carries a pair tag (tags.h); every pair tag is one of the four state tags
 * of its site (`<site>_primary_up|down`, `<site>_backup_up|down`). So a listing filtered by the
 * four state tags of a set of sites returns every network that carries a pair tag of one of
 * those sites: each network of those sites, whatever its state (normal, failed over, held,
 * invalid, no_peer because its other tag names a site no peer names), and nothing else.
 *
 * Pure: no I/O, no clock, no globals. Any thread may call any function.
 */
#ifndef TAGFAILOVER_SITES_H
#define TAGFAILOVER_SITES_H

#include <stdbool.h>
#include <stddef.h>

#include "tagfailover/tags.h"

/* Most sites one filter names (4 tags each: 128 `tags[]` values, about 4 KB of query). A set
 * that grows beyond is "too many": the listing is then read whole. */
#define SITES_MAX 32

/* A set of sites, in the order first added. Zero-initialised is empty. */
typedef struct {
    tags_list v;   /* the sites (not tags), each once */
    bool too_many; /* more than SITES_MAX were added: v holds the first SITES_MAX */
} sites_set;

/* Adds `site` (1..TF_SITE_MAX_LEN characters of [A-Za-z0-9._-]; anything else is ignored) once.
 * TAGS_OK or TAGS_ERR_NOMEM. */
tags_err sites_add(sites_set *s, const char *site);

/* Adds the site of every pair tag in `tags` (other tags are ignored). */
tags_err sites_add_from_tags(sites_set *s, const tags_list *tags);

/* Adds every site of `from`. */
tags_err sites_add_all(sites_set *s, const sites_set *from);

/* The filter for the set: the four state tags of each site, site by site in the set's order
 * (`_primary_up`, `_primary_down`, `_backup_up`, `_backup_down`). *use is false, and *out
 * empty, when the set cannot filter: it is empty (no site is known: every network must be
 * read to be reported) or too many. *out is the caller's (tags_list_free). */
tags_err sites_filter(const sites_set *s, tags_list *out, bool *use);

/* Frees the set; it is empty again. */
void sites_free(sites_set *s);

#endif
