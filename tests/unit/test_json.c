/*
 * test_json.c - the strict JSON reader: every status code, with a tokener of its own and with
 * one reused across texts, and a message for each code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/json.h"

/* The strict reader's status codes. */
typedef struct {
    const char *text;
    size_t len; /* 0: strlen */
    tfjson_err want;
} json_case;

static const json_case json_cases[] = {
    {"{}", 0, TFJSON_OK},
    {"null", 0, TFJSON_OK},
    {"12", 0, TFJSON_OK},
    {"-0.5e3 ", 0, TFJSON_OK},
    {"\"\\u00e9\"", 0, TFJSON_OK},
    {"", 0, TFJSON_ERR_SYNTAX},
    {"{} x", 0, TFJSON_ERR_SYNTAX},
    {"[1 2]", 0, TFJSON_ERR_SYNTAX},
    {"[NaN]", 0, TFJSON_ERR_SYNTAX},
    {"[Infinity]", 0, TFJSON_ERR_SYNTAX},
    {"{'a':1}", 0, TFJSON_ERR_SYNTAX},
    {"[\"a\x1f\"]", 0, TFJSON_ERR_SYNTAX},
    {"[]\0", 3, TFJSON_ERR_SYNTAX},
    {"[\"\xc3\xa9\"]", 0, TFJSON_OK},
    {"[\"\xc3\"]", 0, TFJSON_ERR_BAD_UTF8},
    {"[\"\xf0\x9f\x98\"]", 0, TFJSON_ERR_BAD_UTF8},
    {"[\"\xf8\x88\x80\x80\x80\"]", 0, TFJSON_ERR_BAD_UTF8},
    /* The one-pass check: bad UTF-8 anywhere wins over a lexical error before it. */
    {"[NaN, \"\xc3\"]", 0, TFJSON_ERR_BAD_UTF8},
    {"['\xed\xa0\x80']", 0, TFJSON_ERR_BAD_UTF8},
    {"[\"a\x01\", \"\xe0\x80\xaf\"]", 0, TFJSON_ERR_BAD_UTF8},
    {"[\"a\x01\", \"\xe2\x82\xac\"]", 0, TFJSON_ERR_SYNTAX},
    {"[\xc3\xa9]", 0, TFJSON_ERR_SYNTAX},
    {"[\xc3]", 0, TFJSON_ERR_BAD_UTF8},
    {"[\"\xf4\x90\x80\x80\"]", 0, TFJSON_ERR_BAD_UTF8},
    {"[\"\xef\xbf\xbf\x7f\"]", 0, TFJSON_OK},
    {"[\"\\\"\"]", 0, TFJSON_OK},
    /* An escape before a non-ASCII character is bad syntax in valid UTF-8 (json-c's own
     * UTF-8 flag, no longer set, used to call it bad UTF-8). */
    {"[\"\\\xc3\xa9\"]", 0, TFJSON_ERR_SYNTAX},
    {"[\"\\\xc3\"]", 0, TFJSON_ERR_BAD_UTF8},
    {"[\"\\\x01\"]", 0, TFJSON_ERR_SYNTAX},
    {"[\"abc", 0, TFJSON_ERR_SYNTAX},
    {"[\"abc\\", 0, TFJSON_ERR_SYNTAX},
    {"[\"\xc3\xa9", 0, TFJSON_ERR_SYNTAX},
    {"[\"\xc3", 0, TFJSON_ERR_BAD_UTF8},
    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0, TFJSON_OK},
    {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 0, TFJSON_ERR_TOO_DEEP},
};

/* Every case with a tokener of its own, then all of them in turn through one reused tokener
 * (in the table's order, so each follows a success or a failure of another kind). */
static void test_json_parse(void **state)
{
    struct json_tokener *tok = tfjson_tokener_new();

    (void)state;
    assert_non_null(tok);
    for (int reuse = 0; reuse < 2; reuse++) {
        for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
            const json_case *c = &json_cases[i];
            json_object *root = (json_object *)1;
            size_t len = c->len != 0 ? c->len : strlen(c->text);
            tfjson_err got = reuse ? tfjson_parse_with(tok, c->text, len, &root)
                                   : tfjson_parse(c->text, len, &root);

            if (got != c->want)
                fail_msg("case %zu (reuse %d): got %d, want %d", i, reuse, (int)got, (int)c->want);
            if (got != TFJSON_OK)
                assert_null(root);
            json_object_put(root);
        }
    }
    /* A truncated text leaves nothing behind in the tokener for the next one. */
    json_object *root = NULL;
    assert_int_equal(tfjson_parse_with(tok, "{\"a\": [1, {\"b\"", 15, &root), TFJSON_ERR_SYNTAX);
    assert_int_equal(tfjson_parse_with(tok, "{\"c\": 2}", 8, &root), TFJSON_OK);
    assert_non_null(root);
    assert_int_equal(json_object_object_length(root), 1);
    json_object_put(root);
    tfjson_tokener_free(tok);
    tfjson_tokener_free(NULL);
}

/* tfjson_each_element's callback: counts the elements, and stops after `stop_after` of them
 * (0: never). */
struct walk {
    size_t n;
    size_t stop_after;
};

static int walk_count(json_object *elem, void *ctx)
{
    struct walk *w = ctx;

    (void)elem;
    w->n++;
    return w->stop_after != 0 && w->n >= w->stop_after ? 7 : 0;
}

/* Walking a top-level array element by element says exactly what a whole parse says: every
 * array text of the table above gets the same status (a text that is not an array is left to
 * the caller), and the walk's own cases split where they should. */
static void test_each_element(void **state)
{
    static const struct {
        const char *text;
        tfjson_err want;
        bool not_array;
        size_t n;          /* elements handed to the callback */
        size_t stop_after; /* the callback stops after this many (0: never) */
        int stopped;
    } cases[] = {
        {"[]", TFJSON_OK, false, 0, 0, 0},
        {" [ ] ", TFJSON_OK, false, 0, 0, 0},
        {"[1,2,3]", TFJSON_OK, false, 3, 0, 0},
        {" [ {\"a\": [1, \"]\"]} , [ ] ,\"x,]\" , null, true ]\n", TFJSON_OK, false, 5, 0, 0},
        {"[\"a\\\"]\", 2]", TFJSON_OK, false, 2, 0, 0},
        {"[1,]", TFJSON_ERR_SYNTAX, false, 1, 0, 0},
        {"[,1]", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        {"[1 2]", TFJSON_ERR_SYNTAX, false, 1, 0, 0},
        {"[1]x", TFJSON_ERR_SYNTAX, false, 0, 0, 0}, /* the byte check sees the x first */
        {"[1] 2", TFJSON_ERR_SYNTAX, false, 1, 0, 0},
        {"[1", TFJSON_ERR_SYNTAX, false, 1, 0, 0},
        {"[{\"a\": 1}", TFJSON_ERR_SYNTAX, false, 1, 0, 0},
        {"[{\"a\": 1]", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        {"[{]}", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        {"[\"abc]", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        {"[tru]", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        {"", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        {"  ", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        {"{}", TFJSON_OK, true, 0, 0, 0},
        {" 12", TFJSON_OK, true, 0, 0, 0},
        {"nul", TFJSON_OK, true, 0, 0, 0},
        {"nonsense", TFJSON_ERR_SYNTAX, false, 0, 0, 0},
        /* The callback stops: the rest is still checked, and its error wins. */
        {"[1, 2, 3]", TFJSON_OK, false, 1, 1, 7},
        {"[1, 2, tru]", TFJSON_ERR_SYNTAX, false, 1, 1, 7},
        {"[1, [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
         TFJSON_ERR_TOO_DEEP, false, 1, 1, 7},
        {"[1, \"\xc3\"]", TFJSON_ERR_BAD_UTF8, false, 0, 1, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct walk w = {.stop_after = cases[i].stop_after};
        bool not_array = !cases[i].not_array;
        int stopped = -1;
        tfjson_err got = tfjson_each_element(cases[i].text, strlen(cases[i].text), walk_count, &w,
                                             &not_array, &stopped);
        if (got != cases[i].want || not_array != cases[i].not_array || w.n != cases[i].n ||
            stopped != cases[i].stopped)
            fail_msg("walk case %zu (%s): got %d, not_array %d, %zu elements, stopped %d", i,
                     cases[i].text, (int)got, not_array, w.n, stopped);
    }
    for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
        const json_case *c = &json_cases[i];
        size_t len = c->len != 0 ? c->len : strlen(c->text);
        struct walk w = {0};
        bool not_array;
        int stopped;
        tfjson_err got = tfjson_each_element(c->text, len, walk_count, &w, &not_array, &stopped);

        if (not_array)
            continue;
        if (got != c->want)
            fail_msg("table case %zu: the walk says %d, a whole parse %d", i, (int)got,
                     (int)c->want);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = TFJSON_OK; e <= TFJSON_ERR_NOMEM; e++) {
        assert_non_null(tfjson_strerror((tfjson_err)e));
        /* A code without its own case would fall through to the unknown message. */
        assert_string_not_equal(tfjson_strerror((tfjson_err)e), tfjson_strerror((tfjson_err)999));
        for (int f = TFJSON_OK; f < e; f++)
            assert_string_not_equal(tfjson_strerror((tfjson_err)e), tfjson_strerror((tfjson_err)f));
    }
    assert_non_null(tfjson_strerror((tfjson_err)999));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_parse),
        cmocka_unit_test(test_each_element),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
