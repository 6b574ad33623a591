/*
 * tags.c - pair-tag parsing, classification and the swap. See tags.h.
 *
 * Why the arrays grow by doubling: a list's array holds the next power of two >= n slots
 * (tags_list needs no capacity field: the count says it), so a list of n tags costs log2(n)
 * reallocations instead of n and no quadratic copying. One realloc per tag made the tags fuzz
 * target spend a third of its time in the allocator (ASan moves every realloc). A list that is
 * pushed onto must therefore have been built by tags_list_push (or start empty); a list built
 * by hand (v, n) may be read, classified, swapped and copied, not pushed onto.
 *
 * Why there is no fixed buffer for a rewritten pair tag: the new tag is the old one up to its
 * last `_` plus the new state word, allocated to size, so nothing can be truncated.
 */
#include "tagfailover/tags.h"

#include <stdlib.h>
#include <string.h>

static const char *const tags_state_names[] = {
    [TAGS_UNMANAGED] = "unmanaged",     [TAGS_HELD] = "held",
    [TAGS_INVALID] = "invalid",         [TAGS_NORMAL] = "normal",
    [TAGS_FAILED_OVER] = "failed_over",
};

/* True for the characters a site may hold: [A-Za-z0-9._-]. */
static bool tags_site_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* True when [s, s + len) is exactly `word`. */
static bool tags_word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

bool tags_parse_pair_tag(const char *tag, tags_pair_tag *out)
{
    const char *state_sep, *role_sep, *role;
    size_t site_len, role_len, state_len;
    tags_role r;
    bool up;

    if (tag == NULL)
        return false;
    state_sep = strrchr(tag, '_');
    if (state_sep == NULL)
        return false;

    /* The role word is the one between the second-last and the last `_`: scanned backwards
     * from the last, so only the role word is read, not the whole site. */
    role_sep = NULL;
    for (const char *p = state_sep; p > tag;)
        if (*--p == '_') {
            role_sep = p;
            break;
        }
    if (role_sep == NULL)
        return false;

    role = role_sep + 1;
    role_len = (size_t)(state_sep - role);
    state_len = strlen(state_sep + 1);
    site_len = (size_t)(role_sep - tag);

    if (tags_word_is(role, role_len, "primary"))
        r = TAGS_ROLE_PRIMARY;
    else if (tags_word_is(role, role_len, "backup"))
        r = TAGS_ROLE_BACKUP;
    else
        return false;

    if (tags_word_is(state_sep + 1, state_len, "up"))
        up = true;
    else if (tags_word_is(state_sep + 1, state_len, "down"))
        up = false;
    else
        return false;

    /* A site over the limit is simply not a site: the tag is someone else's, not an error. */
    if (site_len < 1 || site_len > TF_SITE_MAX_LEN)
        return false;
    for (size_t i = 0; i < site_len; i++)
        if (!tags_site_char(tag[i]))
            return false;

    memcpy(out->site, tag, site_len);
    out->site[site_len] = '\0';
    out->role = r;
    out->up = up;
    out->index = 0;
    return true;
}

/* True when `hold_tag` names a hold tag at all (NULL and "" mean none). */
static bool tags_hold_set(const char *hold_tag)
{
    return hold_tag != NULL && hold_tag[0] != '\0';
}

void tags_classify(const tags_list *tags, const char *hold_tag, tags_info *out)
{
    size_t n_primary = 0, n_backup = 0;
    tags_pair_tag pt;

    memset(out, 0, sizeof(*out));
    out->state = TAGS_UNMANAGED;
    out->reason = TF_REASON_OK;

    for (size_t i = 0; i < tags->n; i++) {
        if (!tags_parse_pair_tag(tags->v[i], &pt))
            continue;
        pt.index = i;
        if (pt.role == TAGS_ROLE_PRIMARY) {
            if (n_primary++ == 0)
                out->primary = pt;
        } else {
            if (n_backup++ == 0)
                out->backup = pt;
        }
    }

    /* The pair is reported whenever it is unambiguous, even for held or invalid networks,
     * so /status can name the sites of a network it will not touch. */
    out->has_primary = n_primary == 1;
    out->has_backup = n_backup == 1;
    if (!out->has_primary)
        memset(&out->primary, 0, sizeof(out->primary));
    if (!out->has_backup)
        memset(&out->backup, 0, sizeof(out->backup));

    if (n_primary == 0 && n_backup == 0)
        return;

    if (tags_hold_set(hold_tag) && tags_contains(tags, hold_tag)) {
        out->state = TAGS_HELD;
        out->reason = TF_REASON_HOLD_TAG;
        return;
    }

    out->state = TAGS_INVALID;
    if (n_primary > 1)
        out->reason = TF_REASON_TWO_PRIMARIES;
    else if (n_backup > 1)
        out->reason = TF_REASON_TWO_BACKUPS;
    else if (n_primary == 0)
        out->reason = TF_REASON_NO_PRIMARY;
    else if (n_backup == 0)
        out->reason = TF_REASON_NO_BACKUP;
    else if (out->primary.up && out->backup.up)
        out->reason = TF_REASON_BOTH_UP;
    else if (!out->primary.up && !out->backup.up)
        out->reason = TF_REASON_BOTH_DOWN;
    else if (out->primary.up) {
        out->state = TAGS_NORMAL;
        out->reason = TF_REASON_OK;
    } else {
        out->state = TAGS_FAILED_OVER;
        out->reason = TF_REASON_OK;
    }
}

bool tags_contains(const tags_list *tags, const char *tag)
{
    if (tag == NULL)
        return false;
    for (size_t i = 0; i < tags->n; i++)
        if (strcmp(tags->v[i], tag) == 0)
            return true;
    return false;
}

/* Checks one tag against TF_TAG_MAX_LEN without reading past the limit. */
static bool tags_len_ok(const char *tag)
{
    return strnlen(tag, TF_TAG_MAX_LEN + 1) <= TF_TAG_MAX_LEN;
}

/* Appends `tag` (taken over, already checked) to `l`; frees it on failure. */
static tags_err tags_list_take(tags_list *l, char *tag)
{
    char **v;

    if (l->n >= TF_TAGS_MAX_COUNT) {
        free(tag);
        return TAGS_ERR_TOO_LONG;
    }
    /* The array holds the next power of two >= n slots: it grows when n is one. */
    if (l->n == 0 || (l->n & (l->n - 1)) == 0) {
        v = realloc(l->v, (l->n == 0 ? 1 : 2 * l->n) * sizeof(*v));
        if (v == NULL) {
            free(tag);
            return TAGS_ERR_NOMEM;
        }
        l->v = v;
    }
    l->v[l->n++] = tag;
    return TAGS_OK;
}

tags_err tags_list_push(tags_list *l, const char *tag)
{
    char *copy;

    if (!tags_len_ok(tag))
        return TAGS_ERR_TOO_LONG;
    if (l->n >= TF_TAGS_MAX_COUNT)
        return TAGS_ERR_TOO_LONG;
    copy = strdup(tag);
    if (copy == NULL)
        return TAGS_ERR_NOMEM;
    return tags_list_take(l, copy);
}

tags_err tags_list_copy(tags_list *dst, const tags_list *src)
{
    tags_list tmp = {0};
    tags_err err = TAGS_OK;

    for (size_t i = 0; i < src->n; i++) {
        err = tags_list_push(&tmp, src->v[i]);
        if (err != TAGS_OK)
            goto out;
    }
    *dst = tmp;
    tmp = (tags_list){0};
out:
    tags_list_free(&tmp);
    return err;
}

/* The pair tag `tag` with its state word replaced: everything up to the last `_`, then
 * `state`. Returns a heap string or NULL when out of memory. */
static char *tags_with_state(const char *tag, const char *state)
{
    size_t prefix = (size_t)(strrchr(tag, '_') - tag) + 1;
    size_t len = strlen(state);
    char *s = malloc(prefix + len + 1);

    if (s == NULL)
        return NULL;
    memcpy(s, tag, prefix);
    memcpy(s + prefix, state, len + 1);
    return s;
}

tags_err tags_swap(const tags_list *in, tags_swap_dir dir, tags_hold_op hold, const char *hold_tag,
                   tags_list *out)
{
    tags_list tmp = {0};
    tags_info info;
    tags_state need = dir == TAGS_SWAP_FAILOVER ? TAGS_NORMAL : TAGS_FAILED_OVER;
    const char *primary_state = dir == TAGS_SWAP_FAILOVER ? "down" : "up";
    const char *backup_state = dir == TAGS_SWAP_FAILOVER ? "up" : "down";
    tags_err err = TAGS_OK;

    if (in->n > TF_TAGS_MAX_COUNT)
        return TAGS_ERR_TOO_LONG;
    for (size_t i = 0; i < in->n; i++)
        if (!tags_len_ok(in->v[i]))
            return TAGS_ERR_TOO_LONG;

    /* A manual command (hold add or remove) acts on a held network: the hold tag is then
     * ignored for the state check, and only the pair decides. */
    tags_classify(in, hold == TAGS_HOLD_KEEP ? hold_tag : NULL, &info);
    if (info.state != need)
        return TAGS_ERR_NOT_SWAPPABLE;

    for (size_t i = 0; i < in->n; i++) {
        char *t;

        if (i == info.primary.index)
            t = tags_with_state(in->v[i], primary_state);
        else if (i == info.backup.index)
            t = tags_with_state(in->v[i], backup_state);
        else if (hold == TAGS_HOLD_REMOVE && tags_hold_set(hold_tag) &&
                 strcmp(in->v[i], hold_tag) == 0)
            continue;
        else
            t = strdup(in->v[i]);
        if (t == NULL) {
            err = TAGS_ERR_NOMEM;
            goto out;
        }
        err = tags_list_take(&tmp, t);
        if (err != TAGS_OK)
            goto out;
    }
    if (hold == TAGS_HOLD_ADD && tags_hold_set(hold_tag) && !tags_contains(&tmp, hold_tag)) {
        err = tags_list_push(&tmp, hold_tag);
        if (err != TAGS_OK)
            goto out;
    }

    *out = tmp;
    tmp = (tags_list){0};
out:
    tags_list_free(&tmp);
    return err;
}

bool tags_list_equal(const tags_list *a, const tags_list *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    return true;
}

void tags_list_free(tags_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

const char *tags_state_name(tags_state s)
{
    if ((unsigned)s < sizeof(tags_state_names) / sizeof(tags_state_names[0]) &&
        tags_state_names[s] != NULL)
        return tags_state_names[s];
    return "unknown";
}

const char *tags_strerror(tags_err e)
{
    switch (e) {
    case TAGS_OK:
        return "success";
    case TAGS_ERR_NOMEM:
        return "out of memory";
    case TAGS_ERR_TOO_LONG:
        return "tag too long or too many tags";
    case TAGS_ERR_NOT_SWAPPABLE:
        return "the tags are not in the state the swap needs";
    }
    return "unknown error";
}
