/*
 * test_shard.c - the shard rule (shard.h): FNV-1a 64 against its published test vectors, the
 * membership test, and the "i/N" syntax.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tagfailover/shard.h"

/* FNV-1a 64. The first rows are from the FNV authors' published test vectors (Fowler, Noll
 * and Vo, "FNV hash test vectors"); the organization IDs below them were computed
 * independently (a five-line Python FNV-1a) and pin the split the integration tests rely on. */
static void test_fnv1a_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t hash;
    } rows[] = {
        {"", 0xcbf29ce484222325ULL},       {"a", 0xaf63dc4c8601ec8cULL},
        {"b", 0xaf63df4c8601f1a5ULL},      {"foo", 0xdcb27518fed9d577ULL},
        {"foobar", 0x85944171f73967e8ULL}, {"1001", 0x0d826af0f88e4bd7ULL},
        {"2001", 0x183e2d0b358bfac4ULL},   {"2002", 0x183e300b358bffddULL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (shard_hash(rows[i].text) != rows[i].hash)
            fail_msg("FNV-1a 64 of '%s': %016llx, want %016llx", rows[i].text,
                     (unsigned long long)shard_hash(rows[i].text),
                     (unsigned long long)rows[i].hash);
    }
    /* NULL is the empty text. */
    assert_true(shard_hash(NULL) == 0xcbf29ce484222325ULL);
    /* Bytes, not characters: a UTF-8 byte above 0x7f is hashed unsigned. */
    assert_true(shard_hash("\xc3\xa9") != shard_hash("\x43\x29"));
}

/* Who owns what, row by row. */
static void test_owns(void **state)
{
    (void)state;
    static const struct {
        unsigned index, count;
        const char *org;
        bool owns;
    } rows[] = {
        /* One replica (the default) and a zeroed spec own everything. */
        {0, 1, "1001", true},
        {0, 1, "", true},
        {0, 0, "1001", true},
        /* 0x..4bd7 is odd; 0x..fac4 even; 0x..ffdd odd. */
        {1, 2, "1001", true},
        {0, 2, "1001", false},
        {0, 2, "2001", true},
        {1, 2, "2001", false},
        {1, 2, "2002", true},
        /* The six organizations of the integration tests: 3001..3006 alternate. */
        {1, 2, "3001", true},
        {0, 2, "3002", true},
        {1, 2, "3003", true},
        {0, 2, "3004", true},
        {1, 2, "3005", true},
        {0, 2, "3006", true},
        {0, 2, "3001", false},
        {1, 2, "3006", false},
        /* mod 3: 3001 -> 2, 3003 -> 0, 3007 -> 1. */
        {2, 3, "3001", true},
        {0, 3, "3003", true},
        {1, 3, "3007", true},
        {0, 3, "3001", false},
        /* The empty ID: 0xcbf29ce484222325 is odd. */
        {1, 2, "", true},
        {1, 2, NULL, true},
        {0, 2, NULL, false},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        shard_spec s = {.index = rows[i].index, .count = rows[i].count};
        if (shard_owns(s, rows[i].org) != rows[i].owns)
            fail_msg("row %zu: %u/%u owns '%s': want %s", i, rows[i].index, rows[i].count,
                     rows[i].org ? rows[i].org : "(null)", rows[i].owns ? "yes" : "no");
    }
}

/* Every organization belongs to exactly one of N replicas, and the split is even enough. */
static void test_partition(void **state)
{
    (void)state;
    static const unsigned counts[] = {1, 2, 3, 7, 16};
    char id[32];

    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
        unsigned n = counts[c], per[16] = {0};
        for (int k = 0; k < 4000; k++) {
            unsigned owners = 0;
            snprintf(id, sizeof(id), "%lld", 549755813888LL + k);
            for (unsigned i = 0; i < n; i++) {
                if (shard_owns((shard_spec){.index = i, .count = n}, id)) {
                    owners++;
                    per[i]++;
                }
            }
            assert_int_equal(owners, 1);
        }
        /* Sequential IDs spread: each replica gets within 25 % of its share. */
        for (unsigned i = 0; i < n; i++)
            assert_true(per[i] * 4 >= 3 * 4000 / n && per[i] * 4 <= 5 * 4000 / n);
    }
}

static void test_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        shard_err err;
        unsigned index, count;
    } rows[] = {
        {"0/1", SHARD_OK, 0, 1},
        {"1/2", SHARD_OK, 1, 2},
        {"0/2", SHARD_OK, 0, 2},
        {"999/1000", SHARD_OK, 999, 1000},
        {"007/010", SHARD_OK, 7, 10},
        {"1/1", SHARD_ERR_RANGE, 0, 0},
        {"2/2", SHARD_ERR_RANGE, 0, 0},
        {"0/0", SHARD_ERR_RANGE, 0, 0},
        {"0/1001", SHARD_ERR_RANGE, 0, 0},
        {"0/999999999", SHARD_ERR_RANGE, 0, 0},
        {"0/1000000000", SHARD_ERR_SYNTAX, 0, 0}, /* ten digits: refused before it overflows */
        {"", SHARD_ERR_SYNTAX, 0, 0},
        {"1", SHARD_ERR_SYNTAX, 0, 0},
        {"1/", SHARD_ERR_SYNTAX, 0, 0},
        {"/2", SHARD_ERR_SYNTAX, 0, 0},
        {"-1/2", SHARD_ERR_SYNTAX, 0, 0},
        {"+1/2", SHARD_ERR_SYNTAX, 0, 0},
        {"1/2/3", SHARD_ERR_SYNTAX, 0, 0},
        {"1 /2", SHARD_ERR_SYNTAX, 0, 0},
        {"1/ 2", SHARD_ERR_SYNTAX, 0, 0},
        {"1/2x", SHARD_ERR_SYNTAX, 0, 0},
        {"0x1/2", SHARD_ERR_SYNTAX, 0, 0},
        {"1.0/2", SHARD_ERR_SYNTAX, 0, 0},
        {"a/b", SHARD_ERR_SYNTAX, 0, 0},
        {NULL, SHARD_ERR_SYNTAX, 0, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        shard_spec s = {.index = 77, .count = 88};
        shard_err e = shard_parse(rows[i].text, &s);
        if (e != rows[i].err)
            fail_msg("'%s': %s, want %s", rows[i].text ? rows[i].text : "(null)", shard_strerror(e),
                     shard_strerror(rows[i].err));
        if (e == SHARD_OK) {
            assert_int_equal(s.index, rows[i].index);
            assert_int_equal(s.count, rows[i].count);
        } else {
            /* Untouched on error. */
            assert_int_equal(s.index, 77);
            assert_int_equal(s.count, 88);
        }
    }
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = SHARD_OK; e <= SHARD_ERR_RANGE; e++)
        assert_string_not_equal(shard_strerror((shard_err)e), "unknown shard error");
    assert_non_null(strstr(shard_strerror(SHARD_ERR_RANGE), "1000"));
    assert_string_equal(shard_strerror((shard_err)99), "unknown shard error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv1a_vectors), cmocka_unit_test(test_owns),
        cmocka_unit_test(test_partition),     cmocka_unit_test(test_parse),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
