/*
 * test_history.c - `history`'s pure parts (history.h): the DURATION grammar, which change-log
 * entries count and as what, who made them, the order, and both renderings.
 *
 * Every case is a row of a table; a failing row prints what it got.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/history.h"

static void test_duration(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        int64_t seconds;
    } cases[] = {
        {"3600", true, 3600},
        {"1", true, 1},
        {"45s", true, 45},
        {"30m", true, 1800},
        {"6h", true, 21600},
        {"2d", true, 172800},
        {"365d", true, 31536000},
        {"31536000", true, 31536000},
        {"8760h", true, 31536000},
        {"366d", false, 0},
        {"31536001", false, 0},
        {"0", false, 0},
        {"0m", false, 0},
        {"", false, 0},
        {"m", false, 0},
        {"-5m", false, 0},
        {"+5m", false, 0},
        {"1.5h", false, 0},
        {"5 m", false, 0},
        {" 5m", false, 0},
        {"5mm", false, 0},
        {"5M", false, 0},
        {"5w", false, 0},
        {"5x", false, 0},
        {"99999999999999999999", false, 0},
        {"0000000000001", false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t got = -7;
        bool ok = hist_parse_duration(cases[i].text, &got);
        if (ok != cases[i].ok || (ok && got != cases[i].seconds))
            fail_msg("'%s': got %d %lld, want %d %lld", cases[i].text, ok, (long long)got,
                     cases[i].ok, (long long)cases[i].seconds);
        if (!ok && got != -7)
            fail_msg("'%s': the output was touched on failure", cases[i].text);
    }
    assert_false(hist_parse_duration(NULL, NULL));
}

/* An entry with tags `old` -> `new` (space-separated; "-" for no tags array). */
static chg_entry entry(const char *net, const char *old, const char *new_tags)
{
    chg_entry e = {0};
    e.network_id = net != NULL ? strdup(net) : NULL;
    e.has_tags = strcmp(old, "-") != 0 && strcmp(new_tags, "-") != 0;
    const char *sides[2] = {old, new_tags};
    tags_list *lists[2] = {&e.old_tags, &e.new_tags};
    for (int k = 0; k < 2 && e.has_tags; k++) {
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", sides[k]);
        for (char *t = strtok(buf, " "); t != NULL; t = strtok(NULL, " "))
            assert_int_equal(tags_list_push(lists[k], t), TAGS_OK);
    }
    return e;
}

static void test_classify(void **state)
{
    (void)state;
    static const struct {
        const char *net, *old, *new_tags;
        bool counts;
        hist_kind kind;
    } cases[] = {
        {"L_1", "london_primary_up paris_backup_down", "london_primary_down paris_backup_up", true,
         HIST_FAILOVER},
        {"L_1", "london_primary_down paris_backup_up", "london_primary_up paris_backup_down", true,
         HIST_FAILBACK},
        /* A manual failover swaps and adds the hold tag in one write: still a failover. */
        {"L_1", "a london_primary_up paris_backup_down",
         "a london_primary_down paris_backup_up tagfailover_hold", true, HIST_FAILOVER},
        {"L_1", "london_primary_down paris_backup_up tagfailover_hold",
         "london_primary_up paris_backup_down", true, HIST_FAILBACK},
        /* The hold tag put on, another tag changed, a pair broken by hand: tag changes. */
        {"L_1", "london_primary_up paris_backup_down",
         "london_primary_up paris_backup_down tagfailover_hold", true, HIST_TAGS},
        {"L_1", "x london_primary_up paris_backup_down", "london_primary_up paris_backup_down",
         true, HIST_TAGS},
        {"L_1", "london_primary_up paris_backup_down", "london_primary_up paris_backup_up", true,
         HIST_TAGS},
        /* A pair tag added to an unmanaged network makes it managed: shown. */
        {"L_1", "office", "office london_primary_up", true, HIST_TAGS},
        {"L_1", "london_primary_up paris_backup_down", "office", true, HIST_TAGS},
        /* Not shown: an unmanaged network, no change, no tags, no network. */
        {"L_1", "office", "office vip", false, HIST_TAGS},
        {"L_1", "london_primary_up paris_backup_down", "london_primary_up paris_backup_down", false,
         HIST_TAGS},
        {"L_1", "-", "london_primary_up paris_backup_down", false, HIST_TAGS},
        {NULL, "london_primary_up paris_backup_down", "london_primary_down paris_backup_up", false,
         HIST_TAGS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        chg_entry e = entry(cases[i].net, cases[i].old, cases[i].new_tags);
        hist_kind kind = HIST_TAGS;
        bool counts = hist_classify(&e, &kind);
        if (counts != cases[i].counts || (counts && kind != cases[i].kind))
            fail_msg("row %zu (%s -> %s): got %d %s", i, cases[i].old, cases[i].new_tags, counts,
                     hist_kind_name(kind));
        free(e.network_id);
        tags_list_free(&e.old_tags);
        tags_list_free(&e.new_tags);
    }
}

static void test_who(void **state)
{
    (void)state;
    static const struct {
        const char *name, *email, *page, *want;
    } cases[] = {
        {"Jane Operator", "jane@example.com", "Network-wide > General",
         "Jane Operator <jane@example.com>"},
        {"API Admin", "api@example.com", "via API", "API Admin <api@example.com> via API"},
        {"API Admin", NULL, "via API", "API Admin via API"},
        {NULL, "jane@example.com", NULL, "<jane@example.com>"},
        {NULL, NULL, "via API", "an API key"},
        {"", "", "via API", "an API key"},
        {NULL, NULL, NULL, "unknown"},
        /* A name cannot forge a line on the terminal. */
        {"Eve\n2026-01-01T00:00:00Z  failback", NULL, NULL, "Eve?2026-01-01T00:00:00Z  failback"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        chg_entry e = {.admin_name = (char *)cases[i].name,
                       .admin_email = (char *)cases[i].email,
                       .page = (char *)cases[i].page};
        char buf[256];
        hist_who(&e, buf, sizeof(buf));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, buf, cases[i].want);
    }
}

static void test_sort_and_render(void **state)
{
    (void)state;
    chg_entry e[3];
    e[0] =
        entry("L_1", "london_primary_down paris_backup_up", "london_primary_up paris_backup_down");
    e[1] =
        entry("L_1", "london_primary_up paris_backup_down", "london_primary_down paris_backup_up");
    e[2] = entry("L_2", "london_primary_up paris_backup_down",
                 "london_primary_up paris_backup_down tagfailover_hold");
    e[0].ts = 1000; /* the failback, listed first by the log, in the same second as ... */
    e[1].ts = 1000; /* ... the failover before it */
    e[2].ts = 2000;
    e[2].admin_name = strdup("Jane Operator");
    e[2].network_name = strdup("Leeds\x1b[2J");
    e[0].page = strdup("via API");
    hist_item v[3] = {
        {.org_id = "1001", .e = &e[0], .kind = HIST_FAILBACK, .seq = 0},
        {.org_id = "1001", .e = &e[1], .kind = HIST_FAILOVER, .seq = 1},
        {.org_id = "1001", .e = &e[2], .kind = HIST_TAGS, .seq = 2},
    };
    hist_item w[3] = {v[1], v[2], v[0]};
    hist_sort(w, 3);
    assert_ptr_equal(w[0].e, &e[2]);
    assert_ptr_equal(w[1].e, &e[0]);
    assert_ptr_equal(w[2].e, &e[1]);

    char *text = hist_render_text(w, 3, 3000, 86400, "L_1");
    assert_non_null(text);
    assert_non_null(strstr(text, "in the last 24h (since 1969-12-31T00:50:00Z), network L_1"));
    assert_non_null(strstr(text, "1970-01-01T00:33:20Z  tags      L_2 (Leeds?[2J)"));
    assert_non_null(strstr(text, "    by Jane Operator\n"));
    assert_non_null(strstr(text, "    by an API key\n"));
    assert_non_null(strstr(text, "    change: +tagfailover_hold\n"));
    assert_non_null(
        strstr(text, "    after:  london_primary_up paris_backup_down tagfailover_hold"));
    assert_true(strstr(text, "  failback  L_1") < strstr(text, "  failover  L_1"));
    free(text);

    char *json = hist_render_json(w, 3, 3000, 7200, NULL, false);
    assert_non_null(json);
    struct json_object *doc = json_tokener_parse(json), *changes, *c, *v2;
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "changes", &changes));
    assert_int_equal(json_object_array_length(changes), 3);
    c = json_object_array_get_idx(changes, 1);
    assert_true(json_object_object_get_ex(c, "kind", &v2));
    assert_string_equal(json_object_get_string(v2), "failback");
    assert_true(json_object_object_get_ex(c, "via_api", &v2));
    assert_true(json_object_get_boolean(v2));
    assert_true(json_object_object_get_ex(c, "tags_after", &v2));
    assert_int_equal(json_object_array_length(v2), 2);
    assert_true(json_object_object_get_ex(doc, "network_id", &v2));
    assert_null(v2);
    assert_true(json_object_object_get_ex(doc, "since", &v2));
    assert_string_equal(json_object_get_string(v2), "1969-12-31T22:50:00Z");
    json_object_put(doc);
    free(json);

    char *none = hist_render_text(NULL, 0, 3000, 1800, NULL);
    assert_non_null(strstr(none, "in the last 30m"));
    assert_non_null(strstr(none, "  none\n"));
    free(none);
    for (int i = 0; i < 3; i++) {
        free(e[i].network_id);
        free(e[i].admin_name);
        free(e[i].network_name);
        free(e[i].page);
        tags_list_free(&e[i].old_tags);
        tags_list_free(&e[i].new_tags);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_who),
        cmocka_unit_test(test_sort_and_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
