/*
 * test_setup_unwire.c - `setup --remove`'s pure decisions (setup_unwire.h) from plain JSON:
 * which servers are the daemon's, and the alert settings without them.
 *
 * Every case is a row of the table; a failing row prints what it got.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/setup_unwire.h"

static void test_servers(void **state)
{
    (void)state;
    static const struct {
        const char *servers, *url;
        int ok;
        const char *ids; /* the daemon's, comma-joined */
    } cases[] = {
        {"[]", "https://a/webhook", 1, ""},
        /* By name (the one a URL change left), by URL (whatever its name), not a person's. */
        {"[{\"id\": \"A\", \"name\": \"tagfailover\", \"url\": \"https://old/webhook\"},"
         " {\"id\": \"B\", \"name\": \"renamed\", \"url\": \"https://a/webhook\"},"
         " {\"id\": \"C\", \"name\": \"noc pager\", \"url\": \"https://pager\"}]",
         "https://a/webhook", 1, "A,B"},
        /* Without a URL, by name only. */
        {"[{\"id\": \"A\", \"name\": \"tagfailover\", \"url\": \"https://old/webhook\"},"
         " {\"id\": \"B\", \"name\": \"renamed\", \"url\": \"https://a/webhook\"}]",
         NULL, 1, "A"},
        /* The name is exact. */
        {"[{\"id\": \"A\", \"name\": \"Tagfailover\", \"url\": \"https://x\"},"
         " {\"id\": \"B\", \"url\": \"https://y\"}]",
         NULL, 1, ""},
        {"{}", NULL, 0, ""},
        {"[1]", NULL, 0, ""},
        {"[{\"id\": \"A\", \"name\": \"tagfailover\"}]", NULL, 0, ""},
        {"[{\"id\": \"\", \"name\": \"tagfailover\", \"url\": \"https://x\"}]", NULL, 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *j = json_tokener_parse(cases[i].servers);
        setup_server found[4];
        size_t n = 99;
        char got[64] = "";
        assert_non_null(j);
        setup_err e = setup_unwire_servers(j, cases[i].url, found, 4, &n);
        if ((e == SETUP_OK) != cases[i].ok)
            fail_msg("row %zu: got %s", i, setup_strerror(e));
        for (size_t k = 0; e == SETUP_OK && k < n; k++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? "," : "",
                     found[k].id);
        if (e == SETUP_OK && strcmp(got, cases[i].ids) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, got, cases[i].ids);
        json_object_put(j);
    }
}

static void test_alerts(void **state)
{
    (void)state;
    static const struct {
        const char *settings;
        int ok;
        const char *body; /* the PUT body, or NULL: nothing to write */
        size_t n_alerts;
    } cases[] = {
        /* Two alerts hold A or B: both lose them and keep the rest; a third is not sent. */
        {"{\"defaultDestinations\": {\"emails\": [], \"httpServerIds\": []}, \"alerts\": ["
         " {\"type\": \"failoverEvent\", \"enabled\": true, \"alertDestinations\":"
         " {\"emails\": [\"a@b\"], \"allAdmins\": false, \"snmp\": false,"
         " \"httpServerIds\": [\"A\", \"P\", \"B\"]}, \"filters\": {\"timeout\": 5}},"
         " {\"type\": \"vpnConnectivityChange\", \"enabled\": false, \"alertDestinations\":"
         " {\"httpServerIds\": [\"B\"]}},"
         " {\"type\": \"gatewayDown\", \"enabled\": true, \"alertDestinations\":"
         " {\"httpServerIds\": [\"P\"]}}]}",
         1,
         "{\"alerts\":[{\"type\":\"failoverEvent\",\"enabled\":true,\"filters\":{\"timeout\":5},"
         "\"alertDestinations\":{\"httpServerIds\":[\"P\"],\"emails\":[\"a@b\"],"
         "\"allAdmins\":false,\"snmp\":false}},"
         "{\"type\":\"vpnConnectivityChange\",\"enabled\":false,"
         "\"alertDestinations\":{\"httpServerIds\":[]}}]}",
         2},
        /* The default destinations hold A: taken out there too. */
        {"{\"defaultDestinations\": {\"emails\": [\"x@y\"], \"httpServerIds\": [\"A\", \"P\"]},"
         " \"alerts\": []}",
         1, "{\"defaultDestinations\":{\"httpServerIds\":[\"P\"],\"emails\":[\"x@y\"]}}", 0},
        /* Nothing holds them: nothing to write. */
        {"{\"alerts\": [{\"type\": \"failoverEvent\", \"alertDestinations\":"
         " {\"httpServerIds\": [\"P\"]}}, {\"type\": \"cellularUpDown\"}]}",
         1, NULL, 0},
        {"[]", 0, NULL, 0},
        {"{\"alerts\": {}}", 0, NULL, 0},
        {"{\"alerts\": [{\"enabled\": true}]}", 0, NULL, 0},
    };
    const char *const ids[] = {"A", "B"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *j = json_tokener_parse(cases[i].settings), *body = NULL;
        size_t n = 99;
        assert_non_null(j);
        setup_plan_err e = setup_unwire_alerts(j, ids, 2, &body, &n);
        if ((e == SETUP_PLAN_OK) != cases[i].ok)
            fail_msg("row %zu: got %s", i, setup_plan_strerror(e));
        const char *got =
            body != NULL ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;
        if ((got == NULL) != (cases[i].body == NULL) ||
            (got != NULL && strcmp(got, cases[i].body) != 0))
            fail_msg("row %zu: got %s\nwant %s", i, got ? got : "(none)",
                     cases[i].body ? cases[i].body : "(none)");
        if (e == SETUP_PLAN_OK && n != cases[i].n_alerts)
            fail_msg("row %zu: %zu alerts, want %zu", i, n, cases[i].n_alerts);
        json_object_put(body);
        json_object_put(j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_servers),
        cmocka_unit_test(test_alerts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
