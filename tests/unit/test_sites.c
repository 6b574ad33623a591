/*
 * test_sites.c - the sites a listing must name and the listing filter made of them (sites.h).
 *
 * Table rows: tag lists in, the sites and the filter's tags out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/sites.h"

#define MAX_ITEMS 12

typedef struct {
    const char *name;
    const char *tags[MAX_ITEMS];  /* one network's tags, NULL-terminated */
    const char *sites[MAX_ITEMS]; /* the sites learned from them, in order */
} sites_row;

static const sites_row ROWS[] = {
    {"a normal pair names both sites",
     {"retail", "london_primary_up", "paris_backup_down", NULL},
     {"london", "paris", NULL}},
    {"a multi-word site is everything before the last two words",
     {"new_york_primary_down", "paris_backup_up", NULL},
     {"new_york", "paris", NULL}},
    {"an invalid network (two primaries) still names its sites",
     {"london_primary_up", "berlin_primary_up", "paris_backup_down", NULL},
     {"london", "berlin", "paris", NULL}},
    {"a typo's site is a site too",
     {"lndon_primary_up", "paris_backup_down", NULL},
     {"lndon", "paris", NULL}},
    {"each site once",
     {"london_primary_up", "london_backup_down", "london_primary_down", NULL},
     {"london", NULL}},
    {"tags that are not pair tags name nothing",
     {"retail", "london_primary", "london_primary_sideways", "tagfailover_hold", "_primary_up",
      NULL},
     {NULL}},
    {"no tags", {NULL}, {NULL}},
};

static void list_of(tags_list *l, const char *const *tags)
{
    *l = (tags_list){0};
    for (size_t i = 0; i < MAX_ITEMS && tags[i] != NULL; i++)
        assert_int_equal(tags_list_push(l, tags[i]), TAGS_OK);
}

static void test_sites_from_tags(void **state)
{
    (void)state;
    for (size_t r = 0; r < sizeof(ROWS) / sizeof(ROWS[0]); r++) {
        const sites_row *row = &ROWS[r];
        tags_list in;
        sites_set s = {0};
        size_t want = 0;

        list_of(&in, row->tags);
        assert_int_equal(sites_add_from_tags(&s, &in), TAGS_OK);
        while (row->sites[want] != NULL)
            want++;
        if (s.v.n != want)
            fail_msg("%s: %zu sites, want %zu", row->name, s.v.n, want);
        for (size_t i = 0; i < want; i++)
            if (strcmp(s.v.v[i], row->sites[i]) != 0)
                fail_msg("%s: site %zu is %s, want %s", row->name, i, s.v.v[i], row->sites[i]);
        assert_false(s.too_many);
        tags_list_free(&in);
        sites_free(&s);
    }
}

/* The filter holds all four state tags of every site, so every state of a network is found. */
static void test_filter_tags(void **state)
{
    (void)state;
    sites_set s = {0};
    tags_list f;
    bool use = true;
    static const char *const want[] = {
        "london_primary_up", "london_primary_down", "london_backup_up", "london_backup_down",
        "paris_primary_up",  "paris_primary_down",  "paris_backup_up",  "paris_backup_down"};

    assert_int_equal(sites_filter(&s, &f, &use), TAGS_OK);
    assert_false(use); /* no site known: read everything */
    assert_int_equal(f.n, 0);
    assert_int_equal(sites_add(&s, "london"), TAGS_OK);
    assert_int_equal(sites_add(&s, "paris"), TAGS_OK);
    assert_int_equal(sites_add(&s, "london"), TAGS_OK);
    assert_int_equal(sites_add(&s, "bad site"), TAGS_OK); /* not a site: ignored */
    assert_int_equal(sites_add(&s, ""), TAGS_OK);
    assert_int_equal(sites_filter(&s, &f, &use), TAGS_OK);
    assert_true(use);
    assert_int_equal(f.n, 8);
    for (size_t i = 0; i < 8; i++)
        assert_string_equal(f.v[i], want[i]);
    /* Each of the eight is a pair tag of its site: the filter names nothing else. */
    for (size_t i = 0; i < f.n; i++) {
        tags_pair_tag p;
        assert_true(tags_parse_pair_tag(f.v[i], &p));
        assert_string_equal(p.site, i < 4 ? "london" : "paris");
    }
    tags_list_free(&f);
    sites_free(&s);
}

/* A hostile listing with a site per network cannot grow the set or the query without bound. */
static void test_too_many_sites(void **state)
{
    (void)state;
    sites_set s = {0}, copy = {0};
    tags_list f;
    bool use = true;

    for (int i = 0; i < 10000; i++) {
        char site[32];
        snprintf(site, sizeof(site), "site%d", i);
        assert_int_equal(sites_add(&s, site), TAGS_OK);
        if (i == SITES_MAX - 1) {
            assert_false(s.too_many);
            assert_int_equal(sites_filter(&s, &f, &use), TAGS_OK);
            assert_true(use);
            assert_int_equal(f.n, 4 * SITES_MAX);
            tags_list_free(&f);
        }
    }
    assert_true(s.too_many);
    assert_int_equal(s.v.n, SITES_MAX);
    assert_int_equal(sites_filter(&s, &f, &use), TAGS_OK);
    assert_false(use);
    assert_int_equal(f.n, 0);
    /* Too many stays too many when merged. */
    assert_int_equal(sites_add_all(&copy, &s), TAGS_OK);
    assert_true(copy.too_many);
    sites_free(&copy);
    sites_free(&s);
    assert_false(s.too_many);
    assert_int_equal(s.v.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sites_from_tags),
        cmocka_unit_test(test_filter_tags),
        cmocka_unit_test(test_too_many_sites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
