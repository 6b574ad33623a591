/*
 * tags.h - a network's tag list, its failover pair, its state, and the swap (the README's "Tags and
 * network states").
 *
 * Pure: no I/O, no clock, no globals. Any thread may call any function.
 *
 * A pair tag is `<site>_<role>_<state>`, role `primary|backup`, state `up|down`; the site is
 * everything before the last two `_`-separated words and is 1..64 characters of
 * [A-Za-z0-9._-]. Tags are case-sensitive. The swap replaces exactly the two pair tags and
 * keeps every other tag, in its order.
 */
#ifndef TAGFAILOVER_TAGS_H
#define TAGFAILOVER_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "tagfailover/caps.h"
#include "tagfailover/reason.h"

typedef enum {
    TAGS_OK = 0,
    TAGS_ERR_NOMEM,         /* allocation failed */
    TAGS_ERR_TOO_LONG,      /* a tag over TF_TAG_MAX_LEN, or more than TF_TAGS_MAX_COUNT tags */
    TAGS_ERR_NOT_SWAPPABLE, /* the list is not in the state the swap needs */
} tags_err;

/* A list of tags that owns its strings. Zero-initialised is the empty list. */
typedef struct {
    char **v; /* v[0..n-1], each a NUL-terminated heap string; NULL when n == 0 */
    size_t n; /* number of tags */
} tags_list;

typedef enum { TAGS_ROLE_PRIMARY, TAGS_ROLE_BACKUP } tags_role;

/* One parsed pair tag. */
typedef struct {
    char site[TF_SITE_MAX_LEN + 1]; /* the site, NUL-terminated */
    tags_role role;                 /* primary or backup */
    bool up;                        /* state: true for `up`, false for `down` */
    size_t index;                   /* position of the tag in the list it came from */
} tags_pair_tag;

typedef enum {
    TAGS_UNMANAGED = 0, /* no pair tag at all: ignored (a hold tag alone changes nothing) */
    TAGS_HELD,          /* hold tag present: never touched */
    TAGS_INVALID,       /* not exactly one primary + one backup, or both up, or both down */
    TAGS_NORMAL,        /* X_primary_up + Y_backup_down: may fail over */
    TAGS_FAILED_OVER,   /* X_primary_down + Y_backup_up: may fail back */
} tags_state;

/* What the tags say about a network. */
typedef struct {
    tags_state state;      /* see tags_state */
    tf_reason reason;      /* TF_REASON_OK for normal/failed_over/unmanaged, HOLD_TAG for held,
                              TWO_PRIMARIES, TWO_BACKUPS, NO_PRIMARY, NO_BACKUP, BOTH_UP or
                              BOTH_DOWN for invalid */
    bool has_primary;      /* primary is filled (exactly one primary pair tag) */
    bool has_backup;       /* backup is filled (exactly one backup pair tag) */
    tags_pair_tag primary; /* the primary pair tag, when has_primary */
    tags_pair_tag backup;  /* the backup pair tag, when has_backup */
} tags_info;

typedef enum {
    TAGS_SWAP_FAILOVER, /* X_primary_up + Y_backup_down -> X_primary_down + Y_backup_up */
    TAGS_SWAP_FAILBACK, /* the reverse */
} tags_swap_dir;

typedef enum {
    TAGS_HOLD_KEEP,   /* leave the hold tag as it is (automation) */
    TAGS_HOLD_ADD,    /* append the hold tag if absent (manual failover) */
    TAGS_HOLD_REMOVE, /* remove every copy of the hold tag (manual failback) */
} tags_hold_op;

/* Parses one tag as a pair tag; returns false (out untouched) when it is not one. */
bool tags_parse_pair_tag(const char *tag, tags_pair_tag *out);

/* Classifies a tag list (the README's table in "Tags and network states", first match wins;
 * hold_tag may be NULL or "" for none). Never fails. */
void tags_classify(const tags_list *tags, const char *hold_tag, tags_info *out);

/* True when the list holds the exact tag `tag`. */
bool tags_contains(const tags_list *tags, const char *tag);

/* Computes the list after a swap. The source must classify as TAGS_NORMAL for a failover or
 * TAGS_FAILED_OVER for a failback, ignoring the hold tag when `hold` is not TAGS_HOLD_KEEP
 * (manual commands work on a held network); otherwise TAGS_ERR_NOT_SWAPPABLE. Exactly the
 * two pair tags change, in place; every other tag keeps its position. `out` must be empty;
 * on success the caller owns it (tags_list_free). On error `out` is left empty. */
tags_err tags_swap(const tags_list *in, tags_swap_dir dir, tags_hold_op hold, const char *hold_tag,
                   tags_list *out) __attribute__((warn_unused_result));

/* Appends a copy of `tag` to the list, which must be empty or built by tags_list_push (its
 * array grows by doubling). */
tags_err tags_list_push(tags_list *l, const char *tag) __attribute__((warn_unused_result));

/* Deep copy of `src` into empty `dst`; caller frees dst with tags_list_free. */
tags_err tags_list_copy(tags_list *dst, const tags_list *src) __attribute__((warn_unused_result));

/* True when both lists hold the same tags in the same order. */
bool tags_list_equal(const tags_list *a, const tags_list *b);

/* Frees the strings and the array and leaves the list empty. NULL is a no-op. */
void tags_list_free(tags_list *l);

/* The name of a state as used in metrics and /status ("normal", "failed_over", "held",
 * "invalid", "unmanaged"); never NULL. */
const char *tags_state_name(tags_state s);

/* A message for an error code; never NULL. */
const char *tags_strerror(tags_err e);

#endif
