/*
 * test_setup_plan.c - the alert settings `tagfailover setup` writes (setup_plan.h), from
 * plain JSON: what is sent, what is kept, when nothing is written, and which answers are
 * refused for their shape.
 *
 * Every case is a row of the table; a failing row prints what it got.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/setup_plan.h"

static void test_plan_alerts(void **state)
{
    (void)state;
    struct {
        const char *settings;
        const char *server;
        int shape_ok;
        const char *body; /* expected PUT body, or NULL */
    } cases[] = {
        /* Nothing routed: all three, destinations kept, filters kept, others not sent. */
        {"{\"alerts\": [{\"type\": \"gatewayDown\", \"enabled\": false},"
         " {\"type\": \"failoverEvent\", \"enabled\": false, \"alertDestinations\":"
         " {\"emails\": [\"a@b\"], \"allAdmins\": false, \"snmp\": true, \"httpServerIds\": "
         "[\"X\"]},"
         " \"filters\": {\"timeout\": 5}},"
         " {\"type\": \"vpnConnectivityChange\", \"enabled\": true},"
         " {\"type\": \"cellularUpDown\", \"enabled\": true, \"alertDestinations\":"
         " {\"httpServerIds\": [\"S\"]}}]}",
         "S", 1,
         "{\"alerts\":[{\"type\":\"failoverEvent\",\"enabled\":true,\"alertDestinations\":"
         "{\"emails\":[\"a@b\"],\"allAdmins\":false,\"snmp\":true,\"httpServerIds\":[\"X\",\"S\"]},"
         "\"filters\":{\"timeout\":5}},"
         "{\"type\":\"vpnConnectivityChange\",\"enabled\":true,\"alertDestinations\":"
         "{\"httpServerIds\":[\"S\"]}}]}"},
        /* Everything in place: no write. */
        {"{\"alerts\": [{\"type\": \"failoverEvent\", \"enabled\": true, \"alertDestinations\":"
         " {\"httpServerIds\": [\"S\"]}}, {\"type\": \"vpnConnectivityChange\", \"enabled\": true,"
         " \"alertDestinations\": {\"httpServerIds\": [\"T\", \"S\"]}},"
         " {\"type\": \"cellularUpDown\", \"enabled\": true, \"alertDestinations\":"
         " {\"httpServerIds\": [\"S\"]}}]}",
         "S", 1, NULL},
        /* Routed but disabled: enabled, the id not added twice; a missing alert is skipped. */
        {"{\"alerts\": [{\"type\": \"failoverEvent\", \"enabled\": false, \"alertDestinations\":"
         " {\"httpServerIds\": [\"S\"]}}]}",
         "S", 1,
         "{\"alerts\":[{\"type\":\"failoverEvent\",\"enabled\":true,\"alertDestinations\":"
         "{\"httpServerIds\":[\"S\"]}}]}"},
        /* No server yet (dry run): a plan, no body. */
        {"{\"alerts\": [{\"type\": \"failoverEvent\", \"enabled\": true}]}", NULL, 1, NULL},
        {"{\"alerts\": {}}", "S", 0, NULL},
        {"[]", "S", 0, NULL},
        {"{\"alerts\": [{\"enabled\": true}]}", "S", 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *in = json_tokener_parse(cases[i].settings), *body = NULL;
        setup_plan_alert st[SETUP_PLAN_N_ALERTS];
        assert_non_null(in);
        setup_plan_err e = setup_plan_alerts(in, cases[i].server, st, &body);
        assert_int_equal(e == SETUP_PLAN_OK, cases[i].shape_ok);
        if (cases[i].body == NULL) {
            assert_null(body);
        } else {
            struct json_object *want = json_tokener_parse(cases[i].body);
            assert_non_null(body);
            if (!json_object_equal(body, want))
                fprintf(stderr, "case %zu: got %s\n", i, json_object_to_json_string(body));
            assert_true(json_object_equal(body, want));
            json_object_put(want);
        }
        json_object_put(body);
        json_object_put(in);
    }
}

/* A setup_plan_err has a message of its own, and an unknown code says so. */
static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(setup_plan_strerror(SETUP_PLAN_OK), "ok");
    assert_string_equal(setup_plan_strerror(SETUP_PLAN_ERR_SHAPE),
                        "the API's answer is not the documented shape");
    assert_string_equal(setup_plan_strerror(SETUP_PLAN_ERR_NOMEM), "out of memory");
    assert_string_equal(setup_plan_strerror((setup_plan_err)99), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_alerts),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
