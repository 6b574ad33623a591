/*
 * changes.h - the Dashboard's own change log (GET /organizations/{org}/configurationChanges)
 * read for tag swaps: which write moved a network to its backup, and when.
 *
 * The change log is how a failover survives a restart without any saved state: a failed-over
 * network must not fail back on data recorded before it moved (that data proves nothing about
 * the outage that moved it), and after a restart — or when another daemon or a person made the
 * move — the moment of the move is read back from here. Each entry's oldValue and newValue are
 * the resource before and after as JSON text (the spec's example shows that shape); the tags
 * are read from their "tags" arrays.
 *
 * Pure: no I/O, no clock, no globals, no logging.
 */
#ifndef TAGFAILOVER_CHANGES_H
#define TAGFAILOVER_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/tags.h"

typedef enum {
    CHG_OK = 0,
    CHG_ERR_NOT_JSON, /* not strict JSON, or not an array of objects */
    CHG_ERR_SHAPE,    /* an entry without a parseable ts */
    CHG_ERR_NOMEM,
} chg_err;

/* One entry. Strings are owned (NULL when absent). */
typedef struct {
    int64_t ts;         /* Unix seconds */
    char *network_id;   /* NULL for an organization-wide change */
    char *admin_name;   /* who: the API key's admin ("via API" changes), a person's name ... */
    char *admin_email;  /* that admin's address; NULL when the log gives none */
    char *page;         /* where it was made: "via API", "Network-wide > General", ... */
    char *network_name; /* the network's name at the time; NULL when absent */
    char *label;        /* e.g. "PUT /api/v1/networks/L_1" */
    bool has_tags;      /* both sides carried a "tags" array */
    tags_list old_tags, new_tags;
} chg_entry;

/* Parses one page of the answer (a JSON array). *out is the caller's: chg_free. Entries
 * whose values are not JSON objects with tags are kept with has_tags false. */
chg_err chg_parse(const char *json, size_t len, chg_entry **out, size_t *n)
    __attribute__((warn_unused_result));

/* Frees entries from chg_parse. NULL is a no-op. */
void chg_free(chg_entry *v, size_t n);

/* The moment of the newest change in `v` that moved `network_id` to its backup: its new tags
 * make the network failed_over (tags_classify, the hold tag aside) and its old tags did not.
 * False when the log holds none. */
bool chg_failed_over_at(const chg_entry *v, size_t n, const char *network_id, int64_t *at);

/* A message for an error code; never NULL. */
const char *chg_strerror(chg_err e);

#endif
