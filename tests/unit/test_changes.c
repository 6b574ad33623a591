/*
 * test_changes.c - the Dashboard's change log read for tag swaps (changes.h): entries as the
 * spec shows them (oldValue/newValue the resource as JSON text), and which write moved a
 * network to its backup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/changes.h"

/* A change entry for a tag write of `net` at `ts`, from `old` to `new` tags (JSON arrays). */
static int entry(char *buf, size_t size, const char *ts, const char *net, const char *old,
                 const char *new_tags, const char *admin)
{
    return snprintf(buf, size,
                    "{\"ts\":\"%s\",\"adminName\":\"%s\",\"adminEmail\":\"a@example.com\","
                    "\"adminId\":\"212406\",\"networkName\":\"Leeds\",\"networkId\":\"%s\","
                    "\"networkUrl\":\"\",\"ssidName\":null,\"ssidNumber\":null,\"page\":\"via "
                    "API\",\"label\":\"PUT /api/v1/networks/%s\","
                    "\"oldValue\":\"{\\\"id\\\":\\\"%s\\\",\\\"tags\\\":%s}\","
                    "\"newValue\":\"{\\\"id\\\":\\\"%s\\\",\\\"tags\\\":%s}\"}",
                    ts, admin, net, net, net, old, net, new_tags);
}

#define NORMAL "[\\\"retail\\\",\\\"london_primary_up\\\",\\\"paris_backup_down\\\"]"
#define MOVED  "[\\\"retail\\\",\\\"london_primary_down\\\",\\\"paris_backup_up\\\"]"
#define HELD_MOV                                                                                   \
    "[\\\"retail\\\",\\\"london_primary_down\\\",\\\"paris_backup_up\\\",\\\"tagfailover_"         \
    "hold\\\"]"

static void test_moves(void **state)
{
    char e1[1024], e2[1024], e3[1024], e4[1024], body[4500];
    chg_entry *v = NULL;
    size_t n = 0;
    int64_t at = 0;
    (void)state;

    /* Newest first, as the API lists them: a failback, the failover before it, an older
     * failover, and another network's. */
    entry(e1, sizeof(e1), "2026-05-29T12:50:00.000000Z", "L_1", MOVED, NORMAL, "API Admin");
    entry(e2, sizeof(e2), "2026-05-29T12:42:26.375558Z", "L_1", NORMAL, MOVED, "API Admin");
    entry(e3, sizeof(e3), "2026-05-28T08:00:00Z", "L_1", NORMAL, HELD_MOV, "Jane Operator");
    entry(e4, sizeof(e4), "2026-05-29T13:00:00Z", "L_2", NORMAL, MOVED, "API Admin");
    snprintf(body, sizeof(body), "[%s,%s,%s,%s]", e4, e1, e2, e3);
    assert_int_equal(chg_parse(body, strlen(body), &v, &n), CHG_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[1].network_id, "L_1");
    assert_string_equal(v[3].admin_name, "Jane Operator");
    assert_string_equal(v[3].admin_email, "a@example.com");
    assert_string_equal(v[3].page, "via API");
    assert_string_equal(v[3].network_name, "Leeds");
    assert_true(v[1].has_tags);
    assert_int_equal(v[1].new_tags.n, 3);

    /* The newest write that moved L_1 to its backup (a manual one with the hold tag counts). */
    assert_true(chg_failed_over_at(v, n, "L_1", &at));
    assert_int_equal(at, 1780058546); /* 2026-05-29T12:42:26Z */
    assert_true(chg_failed_over_at(v, n, "L_2", &at));
    assert_int_equal(at, 1780059600);
    assert_false(chg_failed_over_at(v, n, "L_3", &at));
    /* Only older moves: the older one. */
    assert_true(chg_failed_over_at(v + 3, 1, "L_1", &at));
    assert_int_equal(at, 1779955200);
    chg_free(v, n);
}

static void test_not_tag_changes(void **state)
{
    chg_entry *v = NULL;
    size_t n = 0;
    int64_t at;
    (void)state;

    /* The spec's own example: an organization rename, values without tags. */
    const char *spec =
        "[{\"ts\":\"2018-02-11T00:00:00.090210Z\",\"adminName\":\"Miles Meraki\",\"networkId\":"
        "\"N_24329156\",\"label\":\"PUT /api/v1/organizations/2930418\",\"oldValue\":\"{\\\"id\\\""
        ":\\\"2930418\\\",\\\"name\\\":\\\"My organization\\\"}\",\"newValue\":\"{\\\"id\\\":"
        "\\\"2930418\\\",\\\"name\\\":\\\"My organization changed\\\"}\"}]";
    assert_int_equal(chg_parse(spec, strlen(spec), &v, &n), CHG_OK);
    assert_int_equal(n, 1);
    assert_false(v[0].has_tags);
    assert_false(chg_failed_over_at(v, n, "N_24329156", &at));
    chg_free(v, n);

    /* Values that are not JSON, or whose tags are not strings, prove no move. */
    const char *odd = "[{\"ts\":\"2026-01-01T00:00:00Z\",\"networkId\":\"L_1\",\"oldValue\":"
                      "\"london_primary_up paris_backup_down\",\"newValue\":"
                      "\"london_primary_down paris_backup_up\"}]";
    assert_int_equal(chg_parse(odd, strlen(odd), &v, &n), CHG_OK);
    assert_false(chg_failed_over_at(v, n, "L_1", &at));
    chg_free(v, n);

    /* Empty, broken, without a time. */
    assert_int_equal(chg_parse("[]", 2, &v, &n), CHG_OK);
    assert_int_equal(n, 0);
    chg_free(v, n);
    assert_int_equal(chg_parse("{}", 2, &v, &n), CHG_ERR_NOT_JSON);
    assert_int_equal(chg_parse("[1]", 3, &v, &n), CHG_ERR_NOT_JSON);
    assert_int_equal(chg_parse("[{\"networkId\":\"L\"}]", 19, &v, &n), CHG_ERR_SHAPE);
    assert_null(v);
    assert_int_equal(chg_parse("[{\"ts\":\"yesterday\"}]", 20, &v, &n), CHG_ERR_SHAPE);
    assert_string_equal(chg_strerror((chg_err)42), "unknown error");
}

/* An entry naming a network ID that breaks id.h's rule is kept (it is history) without the
 * ID, so no move is ever found for it and nothing looks it up. */
static void test_bad_network_id(void **state)
{
    char e1[1024], e2[1024], body[2100];
    chg_entry *v = NULL;
    size_t n = 0;
    int64_t at = 0;
    (void)state;

    entry(e1, sizeof(e1), "2026-05-29T12:42:26Z", "../L_1", NORMAL, MOVED, "API Admin");
    entry(e2, sizeof(e2), "2026-05-29T12:40:00Z", "L_2", NORMAL, MOVED, "API Admin");
    snprintf(body, sizeof(body), "[%s,%s]", e1, e2);
    assert_int_equal(chg_parse(body, strlen(body), &v, &n), CHG_OK);
    assert_int_equal(n, 2);
    assert_null(v[0].network_id);
    assert_true(v[0].has_tags);
    assert_false(chg_failed_over_at(v, n, "../L_1", &at));
    assert_string_equal(v[1].network_id, "L_2");
    assert_true(chg_failed_over_at(v, n, "L_2", &at));
    chg_free(v, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moves),
        cmocka_unit_test(test_bad_network_id),
        cmocka_unit_test(test_not_tag_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
