/*
 * test_tags.c - pair-tag parsing, classification, the swap and the list helpers (tags.h).
 *
 * Every case is a row of a table; a failing row names itself through cmocka's message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/tags.h"

#define MAX_TAGS 8
#define HOLD     "tagfailover_hold"

/* A string of `n` copies of `c`, followed by `suffix`; the caller frees it. */
static char *repeat(char c, size_t n, const char *suffix)
{
    size_t len = strlen(suffix);
    char *s = malloc(n + len + 1);

    assert_non_null(s);
    memset(s, c, n);
    memcpy(s + n, suffix, len + 1);
    return s;
}

/* Builds a list from a NULL-terminated array of at most MAX_TAGS tags. */
static void list_of(tags_list *l, const char *const *tags)
{
    *l = (tags_list){0};
    for (size_t i = 0; i < MAX_TAGS && tags[i] != NULL; i++)
        assert_int_equal(tags_list_push(l, tags[i]), TAGS_OK);
}

/* ---- parsing -------------------------------------------------------------------------- */

struct parse_case {
    const char *tag;
    bool is_pair;
    const char *site;
    tags_role role;
    bool up;
};

static const struct parse_case parse_cases[] = {
    {"london_primary_up", true, "london", TAGS_ROLE_PRIMARY, true},
    {"london_primary_down", true, "london", TAGS_ROLE_PRIMARY, false},
    {"paris_backup_up", true, "paris", TAGS_ROLE_BACKUP, true},
    {"paris_backup_down", true, "paris", TAGS_ROLE_BACKUP, false},
    {"new_york_primary_up", true, "new_york", TAGS_ROLE_PRIMARY, true},
    {"eu.west-1_backup_down", true, "eu.west-1", TAGS_ROLE_BACKUP, false},
    {"a_primary_down", true, "a", TAGS_ROLE_PRIMARY, false},
    {"DC01_backup_up", true, "DC01", TAGS_ROLE_BACKUP, true},
    /* The site is everything before the last two words, even when it holds a role word. */
    {"x_backup_primary_up", true, "x_backup", TAGS_ROLE_PRIMARY, true},
    /* `_` is a site character, so a site may be a lone underscore. */
    {"__primary_up", true, "_", TAGS_ROLE_PRIMARY, true},
    {"_primary_up", false, NULL, 0, false},
    {"London_Primary_Up", false, NULL, 0, false},
    {"london_PRIMARY_up", false, NULL, 0, false},
    {"london_primary_UP", false, NULL, 0, false},
    {"london_Backup_down", false, NULL, 0, false},
    {"london_primary", false, NULL, 0, false},
    {"primary_up", false, NULL, 0, false},
    {"london_up", false, NULL, 0, false},
    {"london__up", false, NULL, 0, false},
    {"london_primary_", false, NULL, 0, false},
    {"london_primary_up_", false, NULL, 0, false},
    {"london_primary_upp", false, NULL, 0, false},
    {"london_primaryx_up", false, NULL, 0, false},
    {"london_primary_up ", false, NULL, 0, false},
    {"lon don_primary_up", false, NULL, 0, false},
    {"lon/don_primary_up", false, NULL, 0, false},
    {"l\xc3\xb8ndon_primary_up", false, NULL, 0, false},
    {"london-primary-up", false, NULL, 0, false},
    {"london_primary_upstate", false, NULL, 0, false},
    {"tagfailover_hold", false, NULL, 0, false},
    {"up", false, NULL, 0, false},
    {"_", false, NULL, 0, false},
    {"", false, NULL, 0, false},
};

static void check_parse(const char *tag, bool is_pair, const char *site, tags_role role, bool up)
{
    tags_pair_tag out;

    memset(&out, 0x5a, sizeof(out));
    if (!is_pair) {
        tags_pair_tag untouched;
        memset(&untouched, 0x5a, sizeof(untouched));
        if (tags_parse_pair_tag(tag, &out))
            fail_msg("'%s' parsed as a pair tag", tag);
        assert_memory_equal(&out, &untouched, sizeof(out));
        return;
    }
    if (!tags_parse_pair_tag(tag, &out))
        fail_msg("'%s' is not parsed as a pair tag", tag);
    assert_string_equal(out.site, site);
    assert_int_equal(out.role, role);
    assert_int_equal(out.up, up);
}

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        print_message("parse '%s'\n", c->tag);
        check_parse(c->tag, c->is_pair, c->site, c->role, c->up);
    }
}

/* Sites of exactly 64 and 65 characters, built rather than spelled out. */
static void test_parse_site_length(void **state)
{
    char *s64 = repeat('s', TF_SITE_MAX_LEN, "_primary_up");
    char *s65 = repeat('s', TF_SITE_MAX_LEN + 1, "_backup_down");
    char *site64 = repeat('s', TF_SITE_MAX_LEN, "");
    char *huge = repeat('s', 5000, "_primary_up");

    (void)state;
    check_parse(s64, true, site64, TAGS_ROLE_PRIMARY, true);
    check_parse(s65, false, NULL, 0, false);
    check_parse(huge, false, NULL, 0, false);
    assert_false(tags_parse_pair_tag(NULL, &(tags_pair_tag){0}));
    free(s64);
    free(s65);
    free(site64);
    free(huge);
}

/* ---- classification ------------------------------------------------------------------- */

struct classify_case {
    const char *name;
    const char *tags[MAX_TAGS + 1];
    const char *hold;
    tags_state state;
    tf_reason reason;
    const char *primary_site; /* NULL: has_primary must be false */
    size_t primary_index;
    const char *backup_site; /* NULL: has_backup must be false */
    size_t backup_index;
};

static const struct classify_case classify_cases[] = {
    {"empty", {NULL}, HOLD, TAGS_UNMANAGED, TF_REASON_OK, NULL, 0, NULL, 0},
    {"no pair tag", {"foo", "bar", NULL}, HOLD, TAGS_UNMANAGED, TF_REASON_OK, NULL, 0, NULL, 0},
    {"hold tag alone", {"foo", HOLD, NULL}, HOLD, TAGS_UNMANAGED, TF_REASON_OK, NULL, 0, NULL, 0},
    {"wrong case only",
     {"London_Primary_Up", "Paris_Backup_Down", NULL},
     HOLD,
     TAGS_UNMANAGED,
     TF_REASON_OK,
     NULL,
     0,
     NULL,
     0},
    {"normal",
     {"london_primary_up", "paris_backup_down", NULL},
     HOLD,
     TAGS_NORMAL,
     TF_REASON_OK,
     "london",
     0,
     "paris",
     1},
    {"normal, backup first, other tags around",
     {"x", "paris_backup_down", "y", "new_york_primary_up", "z", NULL},
     HOLD,
     TAGS_NORMAL,
     TF_REASON_OK,
     "new_york",
     3,
     "paris",
     1},
    {"normal, one site for both",
     {"dc_primary_up", "dc_backup_down", NULL},
     HOLD,
     TAGS_NORMAL,
     TF_REASON_OK,
     "dc",
     0,
     "dc",
     1},
    {"failed over",
     {"x", "london_primary_down", "y", "paris_backup_up", NULL},
     HOLD,
     TAGS_FAILED_OVER,
     TF_REASON_OK,
     "london",
     1,
     "paris",
     3},
    {"held normal",
     {"london_primary_up", HOLD, "paris_backup_down", NULL},
     HOLD,
     TAGS_HELD,
     TF_REASON_HOLD_TAG,
     "london",
     0,
     "paris",
     2},
    {"held failed over",
     {"london_primary_down", "paris_backup_up", HOLD, NULL},
     HOLD,
     TAGS_HELD,
     TF_REASON_HOLD_TAG,
     "london",
     0,
     "paris",
     1},
    {"held wins over invalid",
     {HOLD, "london_primary_up", NULL},
     HOLD,
     TAGS_HELD,
     TF_REASON_HOLD_TAG,
     "london",
     1,
     NULL,
     0},
    {"custom hold tag",
     {"london_primary_up", "paris_backup_down", "maint", NULL},
     "maint",
     TAGS_HELD,
     TF_REASON_HOLD_TAG,
     "london",
     0,
     "paris",
     1},
    {"default hold tag is not held when another is configured",
     {"london_primary_up", "paris_backup_down", HOLD, NULL},
     "maint",
     TAGS_NORMAL,
     TF_REASON_OK,
     "london",
     0,
     "paris",
     1},
    {"hold tag NULL",
     {"london_primary_up", "paris_backup_down", HOLD, NULL},
     NULL,
     TAGS_NORMAL,
     TF_REASON_OK,
     "london",
     0,
     "paris",
     1},
    {"hold tag empty",
     {"london_primary_up", "paris_backup_down", "", NULL},
     "",
     TAGS_NORMAL,
     TF_REASON_OK,
     "london",
     0,
     "paris",
     1},
    {"hold tag differs in case",
     {"london_primary_up", "paris_backup_down", "Tagfailover_Hold", NULL},
     HOLD,
     TAGS_NORMAL,
     TF_REASON_OK,
     "london",
     0,
     "paris",
     1},
    {"two primaries",
     {"a_primary_up", "b_primary_down", "c_backup_down", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_TWO_PRIMARIES,
     NULL,
     0,
     "c",
     2},
    {"the same primary twice",
     {"a_primary_up", "a_primary_up", "c_backup_down", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_TWO_PRIMARIES,
     NULL,
     0,
     "c",
     2},
    {"two primaries before two backups",
     {"a_primary_up", "b_primary_down", "c_backup_down", "d_backup_up", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_TWO_PRIMARIES,
     NULL,
     0,
     NULL,
     0},
    {"two primaries, no backup",
     {"a_primary_up", "b_primary_up", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_TWO_PRIMARIES,
     NULL,
     0,
     NULL,
     0},
    {"two backups",
     {"a_primary_up", "c_backup_down", "d_backup_up", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_TWO_BACKUPS,
     "a",
     0,
     NULL,
     0},
    {"two backups, no primary",
     {"c_backup_down", "d_backup_down", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_TWO_BACKUPS,
     NULL,
     0,
     NULL,
     0},
    {"no primary",
     {"x", "paris_backup_down", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_NO_PRIMARY,
     NULL,
     0,
     "paris",
     1},
    {"no primary: wrong case does not count",
     {"London_Primary_Up", "paris_backup_down", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_NO_PRIMARY,
     NULL,
     0,
     "paris",
     1},
    {"no backup",
     {"london_primary_up", "y", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_NO_BACKUP,
     "london",
     0,
     NULL,
     0},
    {"both up",
     {"london_primary_up", "paris_backup_up", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_BOTH_UP,
     "london",
     0,
     "paris",
     1},
    {"both down",
     {"london_primary_down", "paris_backup_down", NULL},
     HOLD,
     TAGS_INVALID,
     TF_REASON_BOTH_DOWN,
     "london",
     0,
     "paris",
     1},
};

static void test_classify_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
        const struct classify_case *c = &classify_cases[i];
        tags_list l;
        tags_info info;

        print_message("classify: %s\n", c->name);
        list_of(&l, c->tags);
        tags_classify(&l, c->hold, &info);
        assert_string_equal(tags_state_name(info.state), tags_state_name(c->state));
        assert_string_equal(tf_reason_name(info.reason), tf_reason_name(c->reason));
        assert_int_equal(info.has_primary, c->primary_site != NULL);
        assert_int_equal(info.has_backup, c->backup_site != NULL);
        if (c->primary_site != NULL) {
            assert_string_equal(info.primary.site, c->primary_site);
            assert_int_equal(info.primary.role, TAGS_ROLE_PRIMARY);
            assert_int_equal(info.primary.index, c->primary_index);
        }
        if (c->backup_site != NULL) {
            assert_string_equal(info.backup.site, c->backup_site);
            assert_int_equal(info.backup.role, TAGS_ROLE_BACKUP);
            assert_int_equal(info.backup.index, c->backup_index);
        }
        tags_list_free(&l);
    }
}

/* ---- swap ----------------------------------------------------------------------------- */

struct swap_case {
    const char *name;
    const char *in[MAX_TAGS + 1];
    tags_swap_dir dir;
    tags_hold_op hold;
    const char *hold_tag;
    tags_err err;
    const char *out[MAX_TAGS + 1];
};

static const struct swap_case swap_cases[] = {
    {"failover",
     {"london_primary_up", "paris_backup_down", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_OK,
     {"london_primary_down", "paris_backup_up", NULL}},
    {"failback",
     {"london_primary_down", "paris_backup_up", NULL},
     TAGS_SWAP_FAILBACK,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_OK,
     {"london_primary_up", "paris_backup_down", NULL}},
    {"failover, pair tags in the middle",
     {"a", "london_primary_up", "b", "paris_backup_down", "c", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_OK,
     {"a", "london_primary_down", "b", "paris_backup_up", "c", NULL}},
    {"failover, pair tags at the ends, backup first",
     {"paris_backup_down", "a", "b", "new_york_primary_up", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_OK,
     {"paris_backup_up", "a", "b", "new_york_primary_down", NULL}},
    {"failback keeps look-alike tags",
     {"London_Primary_Up", "eu.west-1_primary_down", "x_y", "dc_backup_up", "dc_backup", NULL},
     TAGS_SWAP_FAILBACK,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_OK,
     {"London_Primary_Up", "eu.west-1_primary_up", "x_y", "dc_backup_down", "dc_backup", NULL}},
    {"failover refused from failed over",
     {"london_primary_down", "paris_backup_up", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"failback refused from normal",
     {"london_primary_up", "paris_backup_down", NULL},
     TAGS_SWAP_FAILBACK,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"failover refused when both up",
     {"london_primary_up", "paris_backup_up", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"failover refused with two primaries",
     {"london_primary_up", "rome_primary_up", "paris_backup_down", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_ADD,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"failover refused when unmanaged",
     {"a", "b", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_ADD,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"automation refused on a held network",
     {"london_primary_up", "paris_backup_down", HOLD, NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"automatic failback refused on a held network",
     {"london_primary_down", HOLD, "paris_backup_up", NULL},
     TAGS_SWAP_FAILBACK,
     TAGS_HOLD_KEEP,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"manual failover appends the hold tag",
     {"london_primary_up", "paris_backup_down", "z", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_ADD,
     HOLD,
     TAGS_OK,
     {"london_primary_down", "paris_backup_up", "z", HOLD, NULL}},
    {"manual failover on a held network keeps one hold tag in place",
     {"london_primary_up", HOLD, "paris_backup_down", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_ADD,
     HOLD,
     TAGS_OK,
     {"london_primary_down", HOLD, "paris_backup_up", NULL}},
    {"manual failover without a hold tag configured",
     {"london_primary_up", "paris_backup_down", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_ADD,
     NULL,
     TAGS_OK,
     {"london_primary_down", "paris_backup_up", NULL}},
    {"no hold tag configured: a present hold tag is just a tag",
     {HOLD, "london_primary_up", "paris_backup_down", NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_KEEP,
     NULL,
     TAGS_OK,
     {HOLD, "london_primary_down", "paris_backup_up", NULL}},
    {"manual failback removes every hold tag",
     {HOLD, "london_primary_down", "a", HOLD, "paris_backup_up", "b", NULL},
     TAGS_SWAP_FAILBACK,
     TAGS_HOLD_REMOVE,
     HOLD,
     TAGS_OK,
     {"london_primary_up", "a", "paris_backup_down", "b", NULL}},
    {"manual failback without a hold tag present",
     {"a", "london_primary_down", "paris_backup_up", NULL},
     TAGS_SWAP_FAILBACK,
     TAGS_HOLD_REMOVE,
     HOLD,
     TAGS_OK,
     {"a", "london_primary_up", "paris_backup_down", NULL}},
    {"manual failback refused on a held normal network",
     {"london_primary_up", "paris_backup_down", HOLD, NULL},
     TAGS_SWAP_FAILBACK,
     TAGS_HOLD_REMOVE,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
    {"manual failover refused on a held invalid network",
     {"london_primary_up", HOLD, NULL},
     TAGS_SWAP_FAILOVER,
     TAGS_HOLD_ADD,
     HOLD,
     TAGS_ERR_NOT_SWAPPABLE,
     {NULL}},
};

static void test_swap_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(swap_cases) / sizeof(swap_cases[0]); i++) {
        const struct swap_case *c = &swap_cases[i];
        tags_list in, before, want, out = {0};
        tags_err err;

        print_message("swap: %s\n", c->name);
        list_of(&in, c->in);
        list_of(&want, c->out);
        assert_int_equal(tags_list_copy(&before, &in), TAGS_OK);
        err = tags_swap(&in, c->dir, c->hold, c->hold_tag, &out);
        assert_string_equal(tags_strerror(err), tags_strerror(c->err));
        if (err == TAGS_OK) {
            assert_true(tags_list_equal(&out, &want));
        } else {
            assert_int_equal(out.n, 0);
            assert_null(out.v);
        }
        /* The input is never modified. */
        assert_true(tags_list_equal(&in, &before));
        tags_list_free(&in);
        tags_list_free(&before);
        tags_list_free(&want);
        tags_list_free(&out);
    }
}

/* A failover followed by a failback gives back the list it started from. */
static void test_swap_round_trip(void **state)
{
    static const char *const tags[] = {"a", "london_primary_up", "b", "paris_backup_down", NULL};
    tags_list in, mid = {0}, back = {0};

    (void)state;
    list_of(&in, tags);
    assert_int_equal(tags_swap(&in, TAGS_SWAP_FAILOVER, TAGS_HOLD_ADD, HOLD, &mid), TAGS_OK);
    assert_int_equal(tags_swap(&mid, TAGS_SWAP_FAILBACK, TAGS_HOLD_REMOVE, HOLD, &back), TAGS_OK);
    assert_true(tags_list_equal(&in, &back));
    tags_list_free(&in);
    tags_list_free(&mid);
    tags_list_free(&back);
}

/* ---- caps ----------------------------------------------------------------------------- */

static void test_push_caps(void **state)
{
    char *max_tag = repeat('t', TF_TAG_MAX_LEN, "");
    char *long_tag = repeat('t', TF_TAG_MAX_LEN + 1, "");
    tags_list l = {0};

    (void)state;
    assert_int_equal(tags_list_push(&l, max_tag), TAGS_OK);
    assert_int_equal(tags_list_push(&l, long_tag), TAGS_ERR_TOO_LONG);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], max_tag);

    for (size_t i = 1; i < TF_TAGS_MAX_COUNT; i++)
        assert_int_equal(tags_list_push(&l, "x"), TAGS_OK);
    assert_int_equal(l.n, TF_TAGS_MAX_COUNT);
    assert_int_equal(tags_list_push(&l, "one-too-many"), TAGS_ERR_TOO_LONG);
    assert_int_equal(l.n, TF_TAGS_MAX_COUNT);
    assert_string_equal(l.v[TF_TAGS_MAX_COUNT - 1], "x");

    tags_list_free(&l);
    free(max_tag);
    free(long_tag);
}

/* The array grows by doubling: every tag pushed, across each power of two up to the cap, is
 * still there in order (under ASan a short array is a heap overflow at once). */
static void test_push_grows(void **state)
{
    tags_list l = {0}, copy = {0};
    char tag[32];

    (void)state;
    for (size_t i = 0; i < TF_TAGS_MAX_COUNT; i++) {
        snprintf(tag, sizeof(tag), "t%zu", i);
        assert_int_equal(tags_list_push(&l, tag), TAGS_OK);
        assert_int_equal(l.n, i + 1);
    }
    for (size_t i = 0; i < TF_TAGS_MAX_COUNT; i++) {
        snprintf(tag, sizeof(tag), "t%zu", i);
        assert_string_equal(l.v[i], tag);
    }
    assert_int_equal(tags_list_copy(&copy, &l), TAGS_OK);
    assert_true(tags_list_equal(&copy, &l));
    tags_list_free(&copy);
    tags_list_free(&l);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
    /* A freed list is empty again and grows from nothing. */
    assert_int_equal(tags_list_push(&l, "again"), TAGS_OK);
    assert_string_equal(l.v[0], "again");
    tags_list_free(&l);
}

static void test_swap_caps(void **state)
{
    char *long_tag = repeat('t', TF_TAG_MAX_LEN + 1, "");
    char *pair[] = {"london_primary_up", "paris_backup_down", long_tag};
    tags_list hand = {pair, 3}, full = {0}, out = {0}, copy = {0};
    char **many;

    (void)state;
    /* A list built by hand (as a parser might) with an over-long tag is refused whole. */
    assert_int_equal(tags_swap(&hand, TAGS_SWAP_FAILOVER, TAGS_HOLD_KEEP, HOLD, &out),
                     TAGS_ERR_TOO_LONG);
    assert_int_equal(out.n, 0);
    assert_int_equal(tags_list_copy(&copy, &hand), TAGS_ERR_TOO_LONG);
    assert_int_equal(copy.n, 0);
    assert_null(copy.v);

    /* A full list swaps, but the hold tag it would need to append does not fit. */
    assert_int_equal(tags_list_push(&full, "london_primary_up"), TAGS_OK);
    assert_int_equal(tags_list_push(&full, "paris_backup_down"), TAGS_OK);
    while (full.n < TF_TAGS_MAX_COUNT)
        assert_int_equal(tags_list_push(&full, "x"), TAGS_OK);
    assert_int_equal(tags_swap(&full, TAGS_SWAP_FAILOVER, TAGS_HOLD_KEEP, HOLD, &out), TAGS_OK);
    assert_int_equal(out.n, TF_TAGS_MAX_COUNT);
    tags_list_free(&out);
    assert_int_equal(tags_swap(&full, TAGS_SWAP_FAILOVER, TAGS_HOLD_ADD, HOLD, &out),
                     TAGS_ERR_TOO_LONG);
    assert_int_equal(out.n, 0);

    /* A hand-built list over the count cap is refused. */
    many = calloc(TF_TAGS_MAX_COUNT + 1, sizeof(*many));
    assert_non_null(many);
    for (size_t i = 0; i < TF_TAGS_MAX_COUNT + 1; i++)
        many[i] = i == 0 ? "london_primary_up" : i == 1 ? "paris_backup_down" : "x";
    hand = (tags_list){many, TF_TAGS_MAX_COUNT + 1};
    assert_int_equal(tags_swap(&hand, TAGS_SWAP_FAILOVER, TAGS_HOLD_KEEP, HOLD, &out),
                     TAGS_ERR_TOO_LONG);
    assert_int_equal(out.n, 0);

    free(many);
    tags_list_free(&full);
    free(long_tag);
}

/* ---- list helpers --------------------------------------------------------------------- */

static void test_list_helpers(void **state)
{
    static const char *const ab[] = {"a", "b", NULL};
    static const char *const ba[] = {"b", "a", NULL};
    static const char *const abc[] = {"a", "b", "c", NULL};
    tags_list l_ab, l_ba, l_abc, copy = {0}, empty = {0}, empty2 = {0};

    (void)state;
    list_of(&l_ab, ab);
    list_of(&l_ba, ba);
    list_of(&l_abc, abc);

    assert_int_equal(tags_list_copy(&copy, &l_abc), TAGS_OK);
    assert_true(tags_list_equal(&copy, &l_abc));
    assert_ptr_not_equal(copy.v[0], l_abc.v[0]); /* a deep copy */
    assert_false(tags_list_equal(&l_ab, &l_ba));
    assert_false(tags_list_equal(&l_ab, &l_abc));
    assert_true(tags_list_equal(&empty, &empty2));
    assert_int_equal(tags_list_copy(&empty2, &empty), TAGS_OK);
    assert_int_equal(empty2.n, 0);

    assert_true(tags_contains(&l_abc, "c"));
    assert_false(tags_contains(&l_abc, "C"));
    assert_false(tags_contains(&l_abc, ""));
    assert_false(tags_contains(&l_abc, NULL));
    assert_false(tags_contains(&empty, "a"));

    tags_list_free(&copy);
    assert_int_equal(copy.n, 0);
    assert_null(copy.v);
    tags_list_free(&copy); /* twice is harmless */
    tags_list_free(NULL);
    tags_list_free(&l_ab);
    tags_list_free(&l_ba);
    tags_list_free(&l_abc);
}

static void test_names(void **state)
{
    static const struct {
        tags_state s;
        const char *name;
    } states[] = {
        {TAGS_UNMANAGED, "unmanaged"},     {TAGS_HELD, "held"},
        {TAGS_INVALID, "invalid"},         {TAGS_NORMAL, "normal"},
        {TAGS_FAILED_OVER, "failed_over"},
    };
    static const tags_err errs[] = {TAGS_OK, TAGS_ERR_NOMEM, TAGS_ERR_TOO_LONG,
                                    TAGS_ERR_NOT_SWAPPABLE};

    (void)state;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        assert_string_equal(tags_state_name(states[i].s), states[i].name);
    assert_string_equal(tags_state_name((tags_state)99), "unknown");
    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(tags_strerror(errs[i]), tags_strerror(errs[j]));
    assert_non_null(tags_strerror((tags_err)99));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),     cmocka_unit_test(test_parse_site_length),
        cmocka_unit_test(test_classify_table),  cmocka_unit_test(test_swap_table),
        cmocka_unit_test(test_swap_round_trip), cmocka_unit_test(test_push_caps),
        cmocka_unit_test(test_push_grows),      cmocka_unit_test(test_swap_caps),
        cmocka_unit_test(test_list_helpers),    cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
