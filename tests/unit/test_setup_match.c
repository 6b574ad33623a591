/*
 * test_setup_match.c - the pure rules of `setup` (setup_match.h): which existing HTTP server is
 * the daemon's, what a receiver URL may be, and the default URL from the configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/setup_match.h"

static void test_match_server_and_urls(void **state)
{
    (void)state;
    struct json_object *a = json_tokener_parse(
        "[{\"id\": \"A\", \"name\": \"tagfailover\", \"url\": \"https://old/x\"},"
        " {\"id\": \"B\", \"name\": \"noc\", \"url\": \"https://new/x\","
        "  \"payloadTemplate\": {\"payloadTemplateId\": \"wpt_00002\"}}]");
    setup_server_match m;
    setup_server s;
    assert_int_equal(setup_match_server(a, "https://new/x", &m, &s), SETUP_OK);
    assert_int_equal(m, SETUP_SERVER_SAME_URL);
    assert_string_equal(s.id, "B");
    assert_string_equal(s.template_id, "wpt_00002");
    assert_int_equal(setup_match_server(a, "https://other/x", &m, &s), SETUP_OK);
    assert_int_equal(m, SETUP_SERVER_NAMED);
    assert_string_equal(s.id, "A");
    json_object_put(a);
    a = json_tokener_parse("[{\"name\": \"x\", \"url\": \"https://new/x\"}]");
    assert_int_equal(setup_match_server(a, "https://new/x", &m, &s), SETUP_ERR_SHAPE);
    json_object_put(a);
    a = json_tokener_parse("[]");
    assert_int_equal(setup_match_server(a, "https://new/x", &m, &s), SETUP_OK);
    assert_int_equal(m, SETUP_SERVER_NONE);
    json_object_put(a);

    assert_int_equal(setup_check_url("https://tf.example.net:8443/webhook"), SETUP_OK);
    assert_int_equal(setup_check_url("http://127.0.0.1:1/w"), SETUP_OK);
    assert_int_equal(setup_check_url("https://"), SETUP_ERR_URL);
    assert_int_equal(setup_check_url("https://:80/x"), SETUP_ERR_URL);
    assert_int_equal(setup_check_url("https://user:pw@host/x"), SETUP_ERR_URL);
    assert_int_equal(setup_check_url("https://host/a b"), SETUP_ERR_URL);
    assert_int_equal(setup_check_url("ftp://host/x"), SETUP_ERR_URL);

    config cfg;
    char buf[SETUP_URL_MAX + 1];
    assert_int_equal(config_defaults(&cfg), CONFIG_OK);
    assert_int_equal(setup_default_url(&cfg, "tf.example.net", buf, sizeof(buf)), SETUP_OK);
    assert_string_equal(buf, "https://tf.example.net:8443/webhook");
    assert_int_equal(setup_default_url(&cfg, "tf.example.net", buf, 10), SETUP_ERR_URL);
    config_free(&cfg);
}

static void test_json_str(void **state)
{
    (void)state;
    struct json_object *o = json_tokener_parse("{\"a\": \"x\", \"n\": 1, \"z\": null}");
    assert_string_equal(setup_json_str(o, "a"), "x");
    assert_null(setup_json_str(o, "n"));
    assert_null(setup_json_str(o, "z"));
    assert_null(setup_json_str(o, "missing"));
    json_object_put(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_server_and_urls),
        cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
