/*
 * test_fakedash_api.c - the fake Dashboard's API (tests/fakedash) against the spec subset and
 * Meraki's documented behaviour: authentication, response shapes (compared with the spec's own
 * examples), pagination and Link headers, PUT validation, the caps and the write operations
 * the daemon must never call, refused scenarios, 10,000 networks, and that every route the
 * fake serves is an operation of the spec and every operation is served.
 *
 * One fakedash serves the whole group; each test loads the sample scenario first (which also
 * clears the log and the faults).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/expect.h"
#include "harness/fakedash.h"
#include "harness/spec.h"

#define AUTH "Authorization: Bearer " HARNESS_API_KEY

static void test_auth(void **state)
{
    struct harness_fakedash *fd = *state;
    const char *none[] = {NULL};
    const char *wrong[] = {"Authorization: Bearer nope", NULL};
    const char *legacy[] = {"X-Cisco-Meraki-API-Key: test-api-key", NULL};
    char url[256];
    struct harness_response r;
    struct json_object *log, *e;
    size_t n;

    snprintf(url, sizeof url, "%s/organizations", fd->base_url);
    harness_http("GET", url, none, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.body, "{\"errors\":[\"Invalid API key\"]}");
    harness_response_free(&r);
    harness_http("GET", url, wrong, NULL, NULL, &r);
    assert_int_equal(r.status, 401);
    harness_response_free(&r);
    harness_http("GET", url, legacy, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 200);
    harness_response_free(&r);

    /* The log tells the four apart. */
    log = harness_log(fd);
    assert_non_null(log);
    n = json_object_array_length(log);
    assert_int_equal(n, 5); /* the scenario load, then the four */
    e = json_object_array_get_idx(log, 1);
    assert_false(json_object_get_boolean(harness_expect_get(e, "auth")));
    assert_false(json_object_get_boolean(harness_expect_get(e, "authorization_present")));
    e = json_object_array_get_idx(log, 2);
    assert_false(json_object_get_boolean(harness_expect_get(e, "auth")));
    assert_true(json_object_get_boolean(harness_expect_get(e, "authorization_present")));
    e = json_object_array_get_idx(log, 3);
    assert_false(json_object_get_boolean(harness_expect_get(e, "auth"))); /* not a Bearer key */
    e = json_object_array_get_idx(log, 4);
    assert_true(json_object_get_boolean(harness_expect_get(e, "auth")));
    json_object_put(log);

    /* A scenario's own key replaces the default. */
    harness_expect_scenario(fd,
                            "{\"api_key\": \"other-key\", \"organizations\": [{\"id\": \"1\"}]}");
    assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations", NULL, &r), 401);
    harness_response_free(&r);
}

static void test_shapes_match_spec(void **state)
{
    struct harness_fakedash *fd = *state;
    struct json_object *o, *item, *ts;

    o = harness_expect_api_json(fd, "/organizations", 200);
    assert_int_equal(json_object_array_length(o), 2);
    harness_expect_shape(json_object_array_get_idx(o, 0),
                         harness_expect_example("/organizations", "get", "200"), 1, "organization");
    json_object_put(o);

    o = harness_expect_api_json(fd, "/networks/L_100", 200);
    harness_expect_shape(o, harness_expect_example("/networks/{networkId}", "get", "200"), 1,
                         "network");
    assert_string_equal(harness_expect_str(o, "organizationId"), "1001");
    json_object_put(o);

    o = harness_expect_api_json(fd, "/organizations/1001/networks", 200);
    assert_int_equal(json_object_array_length(o), 3);
    harness_expect_shape(
        json_object_array_get_idx(o, 0),
        harness_expect_example("/organizations/{organizationId}/networks", "get", "200"), 1,
        "network list item");
    json_object_put(o);

    o = harness_expect_api_json(fd, "/organizations/1001/devices/uplinksLossAndLatency", 200);
    item = json_object_array_get_idx(o, 0);
    harness_expect_shape(
        item,
        harness_expect_example("/organizations/{organizationId}/devices/uplinksLossAndLatency",
                               "get", "200"),
        1, "loss item");
    ts = json_object_array_get_idx(harness_expect_get(item, "timeSeries"), 0);
    harness_expect_shape(
        ts,
        json_object_array_get_idx(
            harness_expect_get(harness_expect_example("/organizations/{organizationId}/"
                                                      "devices/uplinksLossAndLatency",
                                                      "get", "200"),
                               "timeSeries"),
            0),
        1, "loss sample");
    json_object_put(o);

    o = harness_expect_api_json(fd, "/organizations/1001/appliance/uplink/statuses", 200);
    item = json_object_array_get_idx(o, 0);
    harness_expect_shape(
        item,
        harness_expect_example("/organizations/{organizationId}/appliance/uplink/statuses", "get",
                               "200"),
        1, "uplink status");
    harness_expect_shape(
        json_object_array_get_idx(harness_expect_get(item, "uplinks"), 0),
        json_object_array_get_idx(
            harness_expect_get(
                harness_expect_example("/organizations/{organizationId}/appliance/uplink/statuses",
                                       "get", "200"),
                "uplinks"),
            0),
        1, "wan uplink");
    json_object_put(o);

    o = harness_expect_api_json(fd, "/organizations/1001/appliance/vpn/statuses", 200);
    harness_expect_shape(
        json_object_array_get_idx(o, 0),
        harness_expect_example("/organizations/{organizationId}/appliance/vpn/statuses", "get",
                               "200"),
        1, "vpn status");
    json_object_put(o);

    o = harness_expect_api_json(fd, "/organizations/1001/appliance/vpn/thirdPartyVPNPeers", 200);
    harness_expect_shape(
        o,
        harness_expect_example("/organizations/{organizationId}/appliance/vpn/thirdPartyVPNPeers",
                               "get", "200"),
        1, "peers");
    item = json_object_array_get_idx(harness_expect_get(o, "peers"), 0);
    assert_string_equal(harness_expect_str(item, "publicIp"), "203.0.113.10");
    assert_string_equal(json_object_get_string(
                            json_object_array_get_idx(harness_expect_get(item, "networkTags"), 0)),
                        "london_primary_up");
    json_object_put(o);

    o = harness_expect_api_json(fd, "/networks/L_100/appliance/connectivityMonitoringDestinations",
                                200);
    harness_expect_shape(
        o,
        harness_expect_example("/networks/{networkId}/appliance/connectivityMonitoringDestinations",
                               "get", "200"),
        1, "destinations");
    item = json_object_array_get_idx(harness_expect_get(o, "destinations"), 0);
    harness_expect_shape(
        item,
        json_object_array_get_idx(
            harness_expect_get(
                harness_expect_example(
                    "/networks/{networkId}/appliance/connectivityMonitoringDestinations", "get",
                    "200"),
                "destinations"),
            0),
        1, "destination");
    /* Without its own list, a network tracks its organization's peers. */
    assert_int_equal(json_object_array_length(harness_expect_get(o, "destinations")), 2);
    json_object_put(o);

    o = harness_expect_api_json(fd, "/networks/L_100/alerts/settings", 200);
    harness_expect_shape(
        o, harness_expect_example("/networks/{networkId}/alerts/settings", "get", "200"), 0,
        "alert settings");
    json_object_put(o);

    /* Unknown ids are 404 with a Meraki error body. */
    {
        struct harness_response r;

        assert_int_equal(harness_fakedash_api(fd, "GET", "/networks/L_404", NULL, &r), 404);
        assert_string_equal(r.body, "{\"errors\":[\"Not found\"]}");
        harness_response_free(&r);
        assert_int_equal(harness_fakedash_api(fd, "GET", "/organizations/9/networks", NULL, &r),
                         404);
        harness_response_free(&r);
    }
}

/* Follows Link rel=next from `first_path`, collecting each item's `key` and the page count. */
static int walk_pages(const struct harness_fakedash *fd, const char *first_path, const char *key,
                      char ids[][32], int max_ids, int *pages)
{
    const char *hdrs[] = {AUTH, NULL};
    char url[4096], link[4096];
    int n = 0;

    snprintf(url, sizeof url, "%s%s", fd->base_url, first_path);
    *pages = 0;
    for (;;) {
        struct harness_response r;
        struct json_object *a;
        const char *next;

        harness_http("GET", url, hdrs, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        a = harness_response_json(&r);
        assert_non_null(a);
        (*pages)++;
        for (size_t i = 0; i < json_object_array_length(a) && n < max_ids; i++)
            snprintf(ids[n++], 32, "%s", harness_expect_str(json_object_array_get_idx(a, i), key));
        json_object_put(a);
        assert_non_null(harness_header(&r, "Link", link, sizeof link));
        assert_non_null(strstr(link, "rel=first"));
        harness_response_free(&r);
        next = strstr(link, ">; rel=next");
        if (next == NULL)
            break;
        {
            const char *lt = next;

            while (lt > link && *lt != '<')
                lt--;
            assert_true(*lt == '<');
            snprintf(url, sizeof url, "%.*s", (int)(next - lt - 1), lt + 1);
            assert_non_null(strstr(url, "startingAfter="));
            assert_int_equal(strncmp(url, fd->root_url, strlen(fd->root_url)), 0);
        }
        assert_true(*pages < 100);
    }
    return n;
}

static void test_pagination(void **state)
{
    struct harness_fakedash *fd = *state;
    char ids[64][32];
    int pages, n;
    struct harness_response r;
    struct json_object *o;

    harness_expect_scenario(
        fd, "{\"organizations\": [{\"id\": \"1\", \"networks\": [{\"id\": \"L_a\", \"tags\": "
            "[\"x\"]}], \"generate\": {\"count\": 10, \"prefix\": \"L_g\", \"tags\": [\"gen\", "
            "\"x\"]}}]}");
    n = walk_pages(fd, "/organizations/1/networks?perPage=3", "id", ids, 64, &pages);
    assert_int_equal(n, 11);
    assert_int_equal(pages, 4);
    assert_string_equal(ids[0], "L_a");
    assert_string_equal(ids[1], "L_g0");
    assert_string_equal(ids[10], "L_g9");

    /* Filters survive in the Link URLs. */
    n = walk_pages(fd, "/organizations/1/networks?perPage=4&tags[]=gen&tagsFilterType=withAnyTags",
                   "id", ids, 64, &pages);
    assert_int_equal(n, 10);
    assert_int_equal(pages, 3);
    o = harness_expect_api_json(
        fd, "/organizations/1/networks?tags[]=gen&tags[]=nope&tagsFilterType=withAllTags", 200);
    assert_int_equal(json_object_array_length(o), 0);
    json_object_put(o);
    o = harness_expect_api_json(
        fd, "/organizations/1/networks?tags[]=gen&tags[]=x&tagsFilterType=withAllTags", 200);
    assert_int_equal(json_object_array_length(o), 10);
    json_object_put(o);

    /* withAnyTags: a network carrying any one of the values; the default type; case counts. */
    o = harness_expect_api_json(
        fd, "/organizations/1/networks?tags[]=nope&tags[]=x&tagsFilterType=withAnyTags", 200);
    assert_int_equal(json_object_array_length(o), 11);
    json_object_put(o);
    o = harness_expect_api_json(fd, "/organizations/1/networks?tags[]=nope&tags[]=gen", 200);
    assert_int_equal(json_object_array_length(o), 10);
    json_object_put(o);
    o = harness_expect_api_json(fd, "/organizations/1/networks?tags[]=GEN", 200);
    assert_int_equal(json_object_array_length(o), 0);
    json_object_put(o);
    /* A filter is never answered from part of it: 200 values are read, 201 refused. */
    {
        char q[200 * 16 + 64];
        size_t used =
            (size_t)snprintf(q, sizeof(q), "/organizations/1/networks?tagsFilterType=withAnyTags");
        for (int i = 0; i < 199; i++)
            used += (size_t)snprintf(q + used, sizeof(q) - used, "&tags[]=t%d", i);
        snprintf(q + used, sizeof(q) - used, "&tags[]=x");
        o = harness_expect_api_json(fd, q, 200);
        assert_int_equal(json_object_array_length(o), 11);
        json_object_put(o);
        snprintf(q + used, sizeof(q) - used, "&tags[]=y&tags[]=x");
        assert_int_equal(harness_fakedash_api(fd, "GET", q, NULL, &r), 400);
        harness_response_free(&r);
    }

    /* endingBefore gives the page before a token. */
    o = harness_expect_api_json(fd, "/organizations/1/networks?perPage=3&endingBefore=L_g4", 200);
    assert_int_equal(json_object_array_length(o), 3);
    assert_string_equal(harness_expect_str(json_object_array_get_idx(o, 0), "id"), "L_g1");
    json_object_put(o);

    /* perPage outside 3..100000 is a 400. */
    assert_int_equal(
        harness_fakedash_api(fd, "GET", "/organizations/1/networks?perPage=2", NULL, &r), 400);
    harness_expect_errors_body(&r);
    harness_response_free(&r);
    assert_int_equal(
        harness_fakedash_api(fd, "GET", "/organizations/1/networks?perPage=100001", NULL, &r), 400);
    harness_response_free(&r);
    assert_int_equal(
        harness_fakedash_api(fd, "GET", "/organizations/1/networks?tagsFilterType=some", NULL, &r),
        400);
    harness_response_free(&r);

    /* The scenario's page_size is default and cap, whatever perPage asks. */
    harness_expect_control(fd, "POST", "/_control/config", "{\"page_size\": 4}");
    n = walk_pages(fd, "/organizations/1/networks?perPage=1000", "id", ids, 64, &pages);
    assert_int_equal(n, 11);
    assert_int_equal(pages, 3);
    n = walk_pages(fd, "/organizations/1/appliance/uplink/statuses", "networkId", ids, 64, &pages);
    assert_int_equal(pages, 3);
}

static void test_put_network(void **state)
{
    struct harness_fakedash *fd = *state;
    static const char *const bad[] = {
        "[]",           "\"x\"", "{\"tags\": \"a b\"}", "{\"tags\": [\"a\", 3]}",
        "{\"tags\": [", "{} x",  "{\"name\": 5}",
    };
    struct harness_response r;
    struct json_object *o, *tags;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_100", bad[i], &r), 400);
        harness_expect_errors_body(&r);
        harness_response_free(&r);
    }
    /* Nothing changed. */
    tags = harness_fakedash_tags(fd, "L_100");
    assert_int_equal(json_object_array_length(tags), 3);
    json_object_put(tags);

    /* PUT replaces the whole list and answers with the network. */
    assert_int_equal(harness_fakedash_api(
                         fd, "PUT", "/networks/L_100",
                         "{\"tags\": [\"retail\", \"london_primary_down\", \"paris_backup_up\"]}",
                         &r),
                     200);
    o = harness_response_json(&r);
    harness_response_free(&r);
    harness_expect_shape(o, harness_expect_example("/networks/{networkId}", "put", "200"), 1,
                         "put answer");
    assert_string_equal(
        json_object_to_json_string_ext(harness_expect_get(o, "tags"), JSON_C_TO_STRING_PLAIN),
        "[\"retail\",\"london_primary_down\",\"paris_backup_up\"]");
    json_object_put(o);
    o = harness_expect_api_json(fd, "/networks/L_100", 200);
    assert_int_equal(json_object_array_length(harness_expect_get(o, "tags")), 3);
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(harness_expect_get(o, "tags"), 1)),
        "london_primary_down");
    json_object_put(o);

    /* An empty body changes nothing; other fields are kept. */
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_100", "", &r), 200);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_100", "{\"tags\": []}", &r), 200);
    harness_response_free(&r);
    o = harness_expect_api_json(fd, "/networks/L_100", 200);
    assert_int_equal(json_object_array_length(harness_expect_get(o, "tags")), 0);
    assert_string_equal(harness_expect_str(o, "name"), "Branch 1");
    json_object_put(o);
    assert_int_equal(harness_fakedash_api(fd, "PUT", "/networks/L_404", "{\"tags\": []}", &r), 404);
    harness_response_free(&r);

    /* A person's edit through the control API shows through the API. */
    harness_expect_control(fd, "POST", "/_control/tags",
                           "{\"networkId\": \"L_200\", \"tags\": [\"held\"]}");
    o = harness_expect_api_json(fd, "/networks/L_200", 200);
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(harness_expect_get(o, "tags"), 0)),
        "held");
    json_object_put(o);
}

static void test_routes_in_spec(void **state)
{
    struct harness_fakedash *fd = *state;
    struct harness_response r;
    struct json_object *routes;
    size_t n, ops = 0;

    assert_int_equal(harness_control(fd, "GET", "/_control/routes", NULL, &r), 200);
    routes = harness_response_json(&r);
    harness_response_free(&r);
    assert_non_null(routes);
    n = json_object_array_length(routes);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        struct json_object *rt = json_object_array_get_idx(routes, i);
        char method[16];
        size_t k;

        snprintf(method, sizeof method, "%s", harness_expect_str(rt, "method"));
        for (k = 0; method[k]; k++)
            method[k] = (char)(method[k] - 'A' + 'a');
        if (harness_spec_op(harness_expect_str(rt, "path"), method) == NULL)
            fail_msg("fakedash serves %s %s, which is not in the spec subset",
                     harness_expect_str(rt, "method"), harness_expect_str(rt, "path"));
    }
    /* And the fake serves every operation of the subset. */
    json_object_object_foreach(harness_expect_get(harness_spec(), "paths"), path, item)
    {
        json_object_object_foreach(item, m, op)
        {
            int served = 0;

            (void)op;
            ops++;
            for (size_t i = 0; i < n; i++) {
                struct json_object *rt = json_object_array_get_idx(routes, i);

                served |= strcmp(harness_expect_str(rt, "path"), path) == 0 &&
                          strcasecmp(harness_expect_str(rt, "method"), m) == 0;
            }
            if (!served)
                fail_msg("spec operation %s %s is not served", m, path);
        }
    }
    assert_int_equal(ops, n);
    json_object_put(routes);
}

static void test_scale(void **state)
{
    struct harness_fakedash *fd = *state;
    struct harness_response r;
    struct json_object *o;
    long long t;

    harness_expect_scenario(
        fd, "{\"organizations\": [{\"id\": \"1\", \"peers\": [{\"name\": \"L\", \"publicIp\": "
            "\"203.0.113.10\"}], \"generate\": {\"count\": 10000, \"prefix\": \"L_9\", \"tags\": "
            "[\"london_primary_up\", \"paris_backup_down\"]}}]}");
    t = harness_now_ms();
    assert_int_equal(
        harness_fakedash_api(fd, "GET", "/organizations/1/networks?perPage=10000", NULL, &r), 200);
    assert_true(harness_now_ms() - t < 2000);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_int_equal(json_object_array_length(o), 10000);
    assert_string_equal(harness_expect_str(json_object_array_get_idx(o, 9999), "id"), "L_99999");
    json_object_put(o);
    o = harness_expect_api_json(fd, "/networks/L_95000", 200);
    assert_string_equal(harness_expect_str(o, "name"), "Branch L_95000");
    json_object_put(o);
    /* Default page: 1000, so ten pages of 1000. */
    o = harness_expect_api_json(fd, "/organizations/1/networks", 200);
    assert_int_equal(json_object_array_length(o), 1000);
    json_object_put(o);
    t = harness_now_ms();
    o = harness_expect_api_json(fd, "/organizations/1/devices/uplinksLossAndLatency", 200);
    assert_int_equal(json_object_array_length(o), 10000);
    json_object_put(o);
    assert_true(harness_now_ms() - t < 5000);
}

/* Caps and the write operations the daemon must never call still behave like the real ones. */
static void test_caps_and_writes(void **state)
{
    struct harness_fakedash *fd = *state;
    struct harness_response r;
    struct harness_http_opts big = {0};
    const char *hdrs[] = {AUTH, NULL};
    char url[256];
    struct json_object *o;
    size_t n = 2 * 1024 * 1024;
    char *body = malloc(n);

    assert_non_null(body);
    memset(body, ' ', n);
    body[0] = '{';
    body[n - 1] = '}';
    big.body_ptr = body;
    big.body_len = n;
    snprintf(url, sizeof url, "%s/networks/L_100", fd->base_url);
    harness_http("PUT", url, hdrs, NULL, &big, &r);
    assert_int_equal(r.status, 413);
    harness_response_free(&r);
    free(body);

    /* A peer list replaced through the API changes the default destinations. */
    assert_int_equal(
        harness_fakedash_api(fd, "PUT", "/organizations/1001/appliance/vpn/thirdPartyVPNPeers",
                             "{\"peers\": [{\"name\": \"Rome\", \"publicIp\": \"192.0.2.7\", "
                             "\"privateSubnets\": [], \"secret\": \"x\"}]}",
                             &r),
        200);
    harness_response_free(&r);
    o = harness_expect_api_json(fd, "/networks/L_100/appliance/connectivityMonitoringDestinations",
                                200);
    assert_string_equal(
        harness_expect_str(json_object_array_get_idx(harness_expect_get(o, "destinations"), 0),
                           "ip"),
        "192.0.2.7");
    json_object_put(o);
    o = harness_expect_api_json(fd, "/organizations/1001/appliance/vpn/thirdPartyVPNPeers", 200);
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(
            harness_expect_get(json_object_array_get_idx(harness_expect_get(o, "peers"), 0),
                               "networkTags"),
            0)),
        "all");
    json_object_put(o);
    assert_int_equal(harness_fakedash_api(fd, "PUT",
                                          "/organizations/1001/appliance/vpn/thirdPartyVPNPeers",
                                          "{\"peers\": [{\"name\": \"NoSecret\"}]}", &r),
                     400);
    harness_response_free(&r);

    /* Deleting a network: gone from lists, 404 by id, its id still a valid page token. */
    assert_int_equal(harness_fakedash_api(fd, "DELETE", "/networks/L_200", NULL, &r), 204);
    harness_response_free(&r);
    assert_int_equal(harness_fakedash_api(fd, "GET", "/networks/L_200", NULL, &r), 404);
    harness_response_free(&r);
    o = harness_expect_api_json(fd, "/organizations/1001/networks?perPage=3&startingAfter=L_200",
                                200);
    assert_int_equal(json_object_array_length(o), 1);
    assert_string_equal(harness_expect_str(json_object_array_get_idx(o, 0), "id"), "L_300");
    json_object_put(o);
    assert_int_equal(harness_fakedash_api(
                         fd, "GET", "/organizations/1001/networks?startingAfter=L_nope", NULL, &r),
                     400);
    harness_response_free(&r);

    /* Creating a network needs name and productTypes. */
    assert_int_equal(
        harness_fakedash_api(fd, "POST", "/organizations/1001/networks", "{\"name\": \"x\"}", &r),
        400);
    harness_response_free(&r);
    assert_int_equal(
        harness_fakedash_api(fd, "POST", "/organizations/1001/networks",
                             "{\"name\": \"New\", \"productTypes\": [\"appliance\"], \"tags\": "
                             "[\"t\"]}",
                             &r),
        201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    harness_expect_shape(
        o, harness_expect_example("/organizations/{organizationId}/networks", "post", "201"), 1,
        "created network");
    json_object_put(o);
}

static void test_bad_scenarios(void **state)
{
    struct harness_fakedash *fd = *state;
    static const char *const bad[] = {
        "[]",
        "{\"organisations\": []}",
        "{\"organizations\": [{\"id\": \"1\", \"networks\": [{\"id\": \"a\"}, {\"id\": "
        "\"a\"}]}]}",
        "{\"organizations\": [{\"id\": \"1\", \"networks\": [{\"id\": \"a\", \"uplinks\": "
        "{\"wan1\": \"up\"}}]}]}",
        "{\"loss\": [{\"networkId\": \"missing\", \"lossPercent\": 1}]}",
        "{\"sample_spacing_s\": 0}",
        "not json",
    };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(harness_control(fd, "POST", "/_control/scenario", bad[i], NULL), 400);
    /* The old world stays after a refused load. */
    {
        struct json_object *o = harness_expect_api_json(fd, "/networks/L_100", 200);

        json_object_put(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_auth, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_shapes_match_spec, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_pagination, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_put_network, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_routes_in_spec, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_scale, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_caps_and_writes, harness_fakedash_sample_setup),
        cmocka_unit_test_setup(test_bad_scenarios, harness_fakedash_sample_setup),
    };

    harness_init();
    return cmocka_run_group_tests(tests, harness_fakedash_group_setup,
                                  harness_fakedash_group_teardown);
}
