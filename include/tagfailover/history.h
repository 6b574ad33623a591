/*
 * history.h - `tagfailover history`: the tag changes of managed networks read from the
 * Dashboard's own change log (changes.h), so the record survives any restart of the daemon.
 *
 * What counts: an entry of a network (networkId set) whose oldValue and newValue both carry a
 * "tags" array, that differ, and where either side carries a pair tag (the network is managed
 * before or after). Each is one of:
 *   - failover: the tags before are `normal` and after `failed_over` (the pair swapped);
 *   - failback: before `failed_over`, after `normal`;
 *   - tags:     any other change of a managed network's tags (a hold tag added or removed, a
 *               pair edited by hand, another tag changed): shown too, because at 3 a.m. "who put
 *               the hold tag on" is the next question after "who moved it".
 * The states are judged with the hold tag ignored (tags_classify with no hold tag), so a manual
 * `failover`, which swaps and adds the hold tag in one write, is a failover.
 *
 * Who made it is the log's adminName and adminEmail; a change made through the API (page
 * "via API") is marked so, because that admin is the owner of an API key (this daemon's, or
 * another script's), not a person at the Dashboard.
 *
 * Pure: no I/O, no clock, no globals, no logging; `now` is an argument.
 */
#ifndef TAGFAILOVER_HISTORY_H
#define TAGFAILOVER_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/changes.h"

/* The default look-back, and the longest (the change log's own limit: 365 days). */
#define HIST_DEFAULT_SINCE_S (24 * 3600)
#define HIST_MAX_SINCE_S     (365 * 86400)

typedef enum { HIST_FAILOVER = 0, HIST_FAILBACK, HIST_TAGS } hist_kind;

/* One change shown. Borrows from the entry and the organization id it was read with. */
typedef struct {
    const char *org_id;
    const chg_entry *e;
    hist_kind kind;
    size_t seq; /* its place in the log as read (newest first): orders entries of one second */
} hist_item;

/* Parses a DURATION: a whole number of seconds ("3600"), or a number with one unit of s, m,
 * h or d ("45s", "30m", "6h", "2d"). 1 second up to HIST_MAX_SINCE_S. False for anything
 * else (empty, a sign, a fraction, spaces, another unit, zero, too long); *out untouched. */
bool hist_parse_duration(const char *s, int64_t *out);

/* Whether entry `e` is a tag change of a managed network (above), and of which kind. */
bool hist_classify(const chg_entry *e, hist_kind *kind);

/* Sorts items newest first; within one second (the log's times are read to the second) by
 * organization, then in the log's own order (seq), so a failover and the failback made in the
 * same second keep their order. */
void hist_sort(hist_item *v, size_t n);

/* The kind's name: "failover", "failback", "tags". */
const char *hist_kind_name(hist_kind k);

/* Who made the change in words: "Jane Operator <jane@example.com>", with " via API" for a
 * change made through the API; "an API key" when a "via API" entry names nobody; "unknown"
 * otherwise. Written into buf. */
void hist_who(const chg_entry *e, char *buf, size_t size);

/* The text form, newest first: one block per change (time, kind, network, who, tags before
 * and after), with a heading that says the span and `filter` (a network id or NULL). A heap
 * string the caller frees; NULL when out of memory. */
char *hist_render_text(const hist_item *v, size_t n, int64_t now, int64_t since_s,
                       const char *filter);

/* The JSON form: {"since", "until", "network_id", "changes": [{"ts", "kind", "organization_id",
 * "network_id", "network_name", "admin_name", "admin_email", "page", "via_api", "by", "label",
 * "tags_before", "tags_after"}]}. A heap string the caller frees; NULL when out of memory. */
char *hist_render_json(const hist_item *v, size_t n, int64_t now, int64_t since_s,
                       const char *filter, bool pretty);

#endif
