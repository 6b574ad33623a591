/*
 * test_fakedash.c - the fake Dashboard (tests/fakedash) against the spec subset and Meraki's
 * documented behaviour: authentication, response shapes (compared with the spec's own
 * examples), pagination and Link headers, PUT validation, the loss series (spacing, lag,
 * t0/t1 limits, null and absent samples), every fault kind, the request log, unknown
 * requests, the control API, webhook set-up with a real test delivery, and that every route
 * the fake serves is an operation of the spec.
 *
 * One fakedash serves the whole group; each test loads its own scenario (which also clears
 * the log and the faults). The unknown-request test runs its own fakedash, since it makes
 * out-of-spec requests on purpose.
 */
#define _GNU_SOURCE /* strcasestr */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/fakedash.h"

#define AUTH "Authorization: Bearer test-api-key"

static struct harness_fakedash fd;
static struct json_object *spec;

/* Org 1001: three sample branches (L_100 with wan1 active, wan2 ready, wan3 not connected),
 * 1-s samples, no lag; org 1002: one network without an appliance. */
static const char base_scenario[] =
    "{\"sample_spacing_s\": 1, \"data_lag_s\": 0,"
    " \"organizations\": ["
    "  {\"id\": \"1001\", \"name\": \"Acme\","
    "   \"peers\": ["
    "    {\"name\": \"London DC\", \"publicIp\": \"203.0.113.10\","
    "     \"privateSubnets\": [\"10.10.0.0/16\"], \"networkTags\": [\"london_primary_up\"]},"
    "    {\"name\": \"Paris DC\", \"publicIp\": \"198.51.100.20\","
    "     \"privateSubnets\": [\"10.20.0.0/16\"], \"networkTags\": [\"paris_backup_up\"]}],"
    "   \"networks\": ["
    "    {\"id\": \"L_100\", \"name\": \"Branch 1\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\", \"retail\"],"
    "     \"serial\": \"Q2XX-AAAA-0001\","
    "     \"uplinks\": {\"wan1\": \"active\", \"wan2\": \"ready\", \"wan3\": \"not connected\"}},"
    "    {\"id\": \"L_200\", \"name\": \"Branch 2\","
    "     \"tags\": [\"paris_backup_down\", \"london_primary_up\"],"
    "     \"destinations\": [\"203.0.113.10\"]},"
    "    {\"id\": \"L_300\", \"name\": \"Branch 3\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\", \"tagfailover_hold\"]}]},"
    "  {\"id\": \"1002\", \"name\": \"Other\","
    "   \"networks\": [{\"id\": \"N_1\", \"productTypes\": [\"wireless\"]}]}]}";

/* ---- helpers ---- */

static void load(const char *scenario)
{
    assert_int_equal(harness_fakedash_scenario(&fd, scenario), 0);
}

/* GET/PUT/... on the API with the right key. Returns the status. */
static long api(const char *method, const char *path, const char *body, struct harness_response *r)
{
    const char *hdrs[] = {AUTH, NULL};
    char url[2048];

    snprintf(url, sizeof url, "%s%s", fd.base_url, path);
    harness_http(method, url, hdrs, body, NULL, r);
    return r->status;
}

static struct json_object *api_json(const char *path, long want_status)
{
    struct harness_response r;
    struct json_object *o;

    assert_int_equal(api("GET", path, NULL, &r), want_status);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_non_null(o);
    return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("missing key %s in %s", key, json_object_to_json_string(o));
    return v;
}

static const char *str(struct json_object *o, const char *key)
{
    return json_object_get_string(get(o, key));
}

/* The single error message of a Meraki error body. */
static void assert_errors_body(const struct harness_response *r)
{
    struct json_object *o = harness_response_json(r), *errs;

    assert_non_null(o);
    errs = get(o, "errors");
    assert_true(json_object_is_type(errs, json_type_array));
    assert_true(json_object_array_length(errs) >= 1);
    assert_true(json_object_is_type(json_object_array_get_idx(errs, 0), json_type_string));
    json_object_put(o);
}

static void control_ok(const char *method, const char *path, const char *body)
{
    assert_int_equal(harness_control(&fd, method, path, body, NULL), 200);
}

static long long now_s(void)
{
    return (long long)time(NULL);
}

static void iso(long long t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static long long parse_iso(const char *s)
{
    struct tm tm;

    memset(&tm, 0, sizeof tm);
    assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
    return (long long)timegm(&tm);
}

/* ---- the spec ---- */

static struct json_object *spec_op(const char *path, const char *method)
{
    struct json_object *paths = get(spec, "paths"), *p, *op;

    if (!json_object_object_get_ex(paths, path, &p) || !json_object_object_get_ex(p, method, &op))
        return NULL;
    return op;
}

/* The example of an operation's success response; for arrays, the first element. */
static struct json_object *spec_example(const char *path, const char *method, const char *code)
{
    struct json_object *op = spec_op(path, method), *ex;

    assert_non_null(op);
    ex = get(get(get(get(get(op, "responses"), code), "content"), "application/json"), "example");
    if (json_object_is_type(ex, json_type_array))
        ex = json_object_array_get_idx(ex, 0);
    return ex;
}

/* Asserts that obj has every key of the example; when exact, also no other key. */
static void assert_shape(struct json_object *obj, struct json_object *example, int exact,
                         const char *what)
{
    int bad = 0;

    assert_true(json_object_is_type(obj, json_type_object));
    json_object_object_foreach(example, k, v)
    {
        (void)v;
        if (!json_object_object_get_ex(obj, k, NULL)) {
            fprintf(stderr, "%s: missing %s\n", what, k);
            bad++;
        }
    }
    if (exact) {
        json_object_object_foreach(obj, k2, v2)
        {
            (void)v2;
            if (!json_object_object_get_ex(example, k2, NULL)) {
                fprintf(stderr, "%s: extra %s\n", what, k2);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* ---- group ---- */

static int group_setup(void **state)
{
    char path[4096];
    const char *src = harness_env("TF_SOURCE_DIR");

    (void)state;
    harness_init();
    if (src == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/tests/fixtures/openapi-v1.42-subset.json", src);
    spec = json_object_from_file(path);
    if (spec == NULL)
        return -1;
    return harness_fakedash_start(NULL, &fd);
}

static int group_teardown(void **state)
{
    int unknown = harness_fakedash_stop(&fd);

    (void)state;
    json_object_put(spec);
    if (unknown != 0) {
        fprintf(stderr, "fakedash reported %d unknown request(s) or a bad exit\n", unknown);
        return -1;
    }
    return 0;
}

static int each_setup(void **state)
{
    (void)state;
    load(base_scenario);
    return 0;
}

/* ---- tests ---- */

static void test_auth(void **state)
{
    const char *none[] = {NULL};
    const char *wrong[] = {"Authorization: Bearer nope", NULL};
    const char *legacy[] = {"X-Cisco-Meraki-API-Key: test-api-key", NULL};
    char url[256];
    struct harness_response r;
    struct json_object *log, *e;
    size_t n;

    (void)state;
    snprintf(url, sizeof url, "%s/organizations", fd.base_url);
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
    assert_int_equal(api("GET", "/organizations", NULL, &r), 200);
    harness_response_free(&r);

    /* The log tells the four apart. */
    log = harness_log(&fd);
    assert_non_null(log);
    n = json_object_array_length(log);
    assert_int_equal(n, 5); /* the scenario load, then the four */
    e = json_object_array_get_idx(log, 1);
    assert_false(json_object_get_boolean(get(e, "auth")));
    assert_false(json_object_get_boolean(get(e, "authorization_present")));
    e = json_object_array_get_idx(log, 2);
    assert_false(json_object_get_boolean(get(e, "auth")));
    assert_true(json_object_get_boolean(get(e, "authorization_present")));
    e = json_object_array_get_idx(log, 3);
    assert_false(json_object_get_boolean(get(e, "auth"))); /* not a Bearer key */
    e = json_object_array_get_idx(log, 4);
    assert_true(json_object_get_boolean(get(e, "auth")));
    json_object_put(log);

    /* A scenario's own key replaces the default. */
    load("{\"api_key\": \"other-key\", \"organizations\": [{\"id\": \"1\"}]}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 401);
    harness_response_free(&r);
}

static void test_shapes_match_spec(void **state)
{
    struct json_object *o, *item, *ts;

    (void)state;
    o = api_json("/organizations", 200);
    assert_int_equal(json_object_array_length(o), 2);
    assert_shape(json_object_array_get_idx(o, 0), spec_example("/organizations", "get", "200"), 1,
                 "organization");
    json_object_put(o);

    o = api_json("/networks/L_100", 200);
    assert_shape(o, spec_example("/networks/{networkId}", "get", "200"), 1, "network");
    assert_string_equal(str(o, "organizationId"), "1001");
    json_object_put(o);

    o = api_json("/organizations/1001/networks", 200);
    assert_int_equal(json_object_array_length(o), 3);
    assert_shape(json_object_array_get_idx(o, 0),
                 spec_example("/organizations/{organizationId}/networks", "get", "200"), 1,
                 "network list item");
    json_object_put(o);

    o = api_json("/organizations/1001/devices/uplinksLossAndLatency", 200);
    item = json_object_array_get_idx(o, 0);
    assert_shape(
        item,
        spec_example("/organizations/{organizationId}/devices/uplinksLossAndLatency", "get", "200"),
        1, "loss item");
    ts = json_object_array_get_idx(get(item, "timeSeries"), 0);
    assert_shape(ts,
                 json_object_array_get_idx(get(spec_example("/organizations/{organizationId}/"
                                                            "devices/uplinksLossAndLatency",
                                                            "get", "200"),
                                               "timeSeries"),
                                           0),
                 1, "loss sample");
    json_object_put(o);

    o = api_json("/organizations/1001/appliance/uplink/statuses", 200);
    item = json_object_array_get_idx(o, 0);
    assert_shape(
        item,
        spec_example("/organizations/{organizationId}/appliance/uplink/statuses", "get", "200"), 1,
        "uplink status");
    assert_shape(json_object_array_get_idx(get(item, "uplinks"), 0),
                 json_object_array_get_idx(
                     get(spec_example("/organizations/{organizationId}/appliance/uplink/statuses",
                                      "get", "200"),
                         "uplinks"),
                     0),
                 1, "wan uplink");
    json_object_put(o);

    o = api_json("/organizations/1001/appliance/vpn/statuses", 200);
    assert_shape(
        json_object_array_get_idx(o, 0),
        spec_example("/organizations/{organizationId}/appliance/vpn/statuses", "get", "200"), 1,
        "vpn status");
    json_object_put(o);

    o = api_json("/organizations/1001/appliance/vpn/thirdPartyVPNPeers", 200);
    assert_shape(o,
                 spec_example("/organizations/{organizationId}/appliance/vpn/thirdPartyVPNPeers",
                              "get", "200"),
                 1, "peers");
    item = json_object_array_get_idx(get(o, "peers"), 0);
    assert_string_equal(str(item, "publicIp"), "203.0.113.10");
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(get(item, "networkTags"), 0)),
        "london_primary_up");
    json_object_put(o);

    o = api_json("/networks/L_100/appliance/connectivityMonitoringDestinations", 200);
    assert_shape(o,
                 spec_example("/networks/{networkId}/appliance/connectivityMonitoringDestinations",
                              "get", "200"),
                 1, "destinations");
    item = json_object_array_get_idx(get(o, "destinations"), 0);
    assert_shape(
        item,
        json_object_array_get_idx(
            get(spec_example("/networks/{networkId}/appliance/connectivityMonitoringDestinations",
                             "get", "200"),
                "destinations"),
            0),
        1, "destination");
    /* Without its own list, a network tracks its organization's peers. */
    assert_int_equal(json_object_array_length(get(o, "destinations")), 2);
    json_object_put(o);

    o = api_json("/networks/L_100/alerts/settings", 200);
    assert_shape(o, spec_example("/networks/{networkId}/alerts/settings", "get", "200"), 0,
                 "alert settings");
    json_object_put(o);

    /* Unknown ids are 404 with a Meraki error body. */
    {
        struct harness_response r;

        assert_int_equal(api("GET", "/networks/L_404", NULL, &r), 404);
        assert_string_equal(r.body, "{\"errors\":[\"Not found\"]}");
        harness_response_free(&r);
        assert_int_equal(api("GET", "/organizations/9/networks", NULL, &r), 404);
        harness_response_free(&r);
    }
}

/* Follows Link rel=next from `first_path`, collecting each item's `key` and the page count. */
static int walk_pages(const char *first_path, const char *key, char ids[][32], int max_ids,
                      int *pages)
{
    const char *hdrs[] = {AUTH, NULL};
    char url[4096], link[4096];
    int n = 0;

    snprintf(url, sizeof url, "%s%s", fd.base_url, first_path);
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
            snprintf(ids[n++], 32, "%s", str(json_object_array_get_idx(a, i), key));
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
            assert_int_equal(strncmp(url, fd.root_url, strlen(fd.root_url)), 0);
        }
        assert_true(*pages < 100);
    }
    return n;
}

static void test_pagination(void **state)
{
    char ids[64][32];
    int pages, n;
    struct harness_response r;
    struct json_object *o;

    (void)state;
    load("{\"organizations\": [{\"id\": \"1\", \"networks\": [{\"id\": \"L_a\", \"tags\": "
         "[\"x\"]}], \"generate\": {\"count\": 10, \"prefix\": \"L_g\", \"tags\": [\"gen\", "
         "\"x\"]}}]}");
    n = walk_pages("/organizations/1/networks?perPage=3", "id", ids, 64, &pages);
    assert_int_equal(n, 11);
    assert_int_equal(pages, 4);
    assert_string_equal(ids[0], "L_a");
    assert_string_equal(ids[1], "L_g0");
    assert_string_equal(ids[10], "L_g9");

    /* Filters survive in the Link URLs. */
    n = walk_pages("/organizations/1/networks?perPage=4&tags[]=gen&tagsFilterType=withAnyTags",
                   "id", ids, 64, &pages);
    assert_int_equal(n, 10);
    assert_int_equal(pages, 3);
    o = api_json("/organizations/1/networks?tags[]=gen&tags[]=nope&tagsFilterType=withAllTags",
                 200);
    assert_int_equal(json_object_array_length(o), 0);
    json_object_put(o);
    o = api_json("/organizations/1/networks?tags[]=gen&tags[]=x&tagsFilterType=withAllTags", 200);
    assert_int_equal(json_object_array_length(o), 10);
    json_object_put(o);

    /* endingBefore gives the page before a token. */
    o = api_json("/organizations/1/networks?perPage=3&endingBefore=L_g4", 200);
    assert_int_equal(json_object_array_length(o), 3);
    assert_string_equal(str(json_object_array_get_idx(o, 0), "id"), "L_g1");
    json_object_put(o);

    /* perPage outside 3..100000 is a 400. */
    assert_int_equal(api("GET", "/organizations/1/networks?perPage=2", NULL, &r), 400);
    assert_errors_body(&r);
    harness_response_free(&r);
    assert_int_equal(api("GET", "/organizations/1/networks?perPage=100001", NULL, &r), 400);
    harness_response_free(&r);
    assert_int_equal(api("GET", "/organizations/1/networks?tagsFilterType=some", NULL, &r), 400);
    harness_response_free(&r);

    /* The scenario's page_size is default and cap, whatever perPage asks. */
    control_ok("POST", "/_control/config", "{\"page_size\": 4}");
    n = walk_pages("/organizations/1/networks?perPage=1000", "id", ids, 64, &pages);
    assert_int_equal(n, 11);
    assert_int_equal(pages, 3);
    n = walk_pages("/organizations/1/appliance/uplink/statuses", "networkId", ids, 64, &pages);
    assert_int_equal(pages, 3);
}

static void test_put_network(void **state)
{
    static const char *const bad[] = {
        "[]",           "\"x\"", "{\"tags\": \"a b\"}", "{\"tags\": [\"a\", 3]}",
        "{\"tags\": [", "{} x",  "{\"name\": 5}",
    };
    struct harness_response r;
    struct json_object *o, *tags;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(api("PUT", "/networks/L_100", bad[i], &r), 400);
        assert_errors_body(&r);
        harness_response_free(&r);
    }
    /* Nothing changed. */
    tags = harness_fakedash_tags(&fd, "L_100");
    assert_int_equal(json_object_array_length(tags), 3);
    json_object_put(tags);

    /* PUT replaces the whole list and answers with the network. */
    assert_int_equal(api("PUT", "/networks/L_100",
                         "{\"tags\": [\"retail\", \"london_primary_down\", \"paris_backup_up\"]}",
                         &r),
                     200);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_shape(o, spec_example("/networks/{networkId}", "put", "200"), 1, "put answer");
    assert_string_equal(json_object_to_json_string_ext(get(o, "tags"), JSON_C_TO_STRING_PLAIN),
                        "[\"retail\",\"london_primary_down\",\"paris_backup_up\"]");
    json_object_put(o);
    o = api_json("/networks/L_100", 200);
    assert_int_equal(json_object_array_length(get(o, "tags")), 3);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(get(o, "tags"), 1)),
                        "london_primary_down");
    json_object_put(o);

    /* An empty body changes nothing; other fields are kept. */
    assert_int_equal(api("PUT", "/networks/L_100", "", &r), 200);
    harness_response_free(&r);
    assert_int_equal(api("PUT", "/networks/L_100", "{\"tags\": []}", &r), 200);
    harness_response_free(&r);
    o = api_json("/networks/L_100", 200);
    assert_int_equal(json_object_array_length(get(o, "tags")), 0);
    assert_string_equal(str(o, "name"), "Branch 1");
    json_object_put(o);
    assert_int_equal(api("PUT", "/networks/L_404", "{\"tags\": []}", &r), 404);
    harness_response_free(&r);

    /* A person's edit through the control API shows through the API. */
    control_ok("POST", "/_control/tags", "{\"networkId\": \"L_200\", \"tags\": [\"held\"]}");
    o = api_json("/networks/L_200", 200);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(get(o, "tags"), 0)),
                        "held");
    json_object_put(o);
}

/* Loss series of one (network, uplink, ip) as parallel arrays; returns the sample count. */
static int series(const char *query, long long ts[], double loss[], int isnull[], int max)
{
    char path[1024];
    struct json_object *o, *item, *s;
    int n = 0;

    snprintf(path, sizeof path, "/organizations/1001/devices/uplinksLossAndLatency?%s", query);
    o = api_json(path, 200);
    if (json_object_array_length(o) == 0) {
        json_object_put(o);
        return 0;
    }
    assert_int_equal(json_object_array_length(o), 1);
    item = json_object_array_get_idx(o, 0);
    s = get(item, "timeSeries");
    for (size_t i = 0; i < json_object_array_length(s) && n < max; i++, n++) {
        struct json_object *sm = json_object_array_get_idx(s, i), *lp = get(sm, "lossPercent");

        ts[n] = parse_iso(str(sm, "ts"));
        isnull[n] = json_object_is_type(lp, json_type_null);
        loss[n] = isnull[n] ? -1 : json_object_get_double(lp);
    }
    json_object_put(o);
    return n;
}

static void test_loss_limits(void **state)
{
    struct harness_response r;
    char q[512], a[32], b[32];
    long long t1, ts[400];
    double loss[400];
    int isnull[400], n;
    struct json_object *o;

    (void)state;
    control_ok("POST", "/_control/config", "{\"sample_spacing_s\": 60, \"data_lag_s\": 120}");
    t1 = now_s() - 125;
    iso(t1 - 300, a, sizeof a);
    iso(t1, b, sizeof b);
    /* Uplink filter; a not-connected uplink has no data. */
    o = api_json("/organizations/1001/devices/uplinksLossAndLatency?uplink=wan2", 200);
    assert_int_equal(json_object_array_length(o), 2); /* L_100 wan2 to both peers */
    json_object_put(o);
    o = api_json("/organizations/1001/devices/uplinksLossAndLatency?uplink=wan3", 200);
    assert_int_equal(json_object_array_length(o), 0); /* not connected: no data */
    json_object_put(o);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    o = api_json(q, 200);
    /* L_100: wan1+wan2 x 2 peers; L_200: wan1 x 1 destination; L_300: wan1 x 2 peers. */
    assert_int_equal(json_object_array_length(o), 7);
    for (size_t i = 0; i < json_object_array_length(o); i++) {
        struct json_object *s = get(json_object_array_get_idx(o, i), "timeSeries");

        assert_true(json_object_array_length(s) == 5 || json_object_array_length(s) == 6);
        for (size_t k = 0; k < json_object_array_length(s); k++) {
            long long t = parse_iso(str(json_object_array_get_idx(s, k), "ts"));

            assert_int_equal(t % 60, 0);
            assert_true(t >= t1 - 300 && t <= t1);
        }
    }
    json_object_put(o);

    /* t1 exactly data_lag_s ago is fine; two seconds later is inside the lag. */
    iso(now_s() - 120, b, sizeof b);
    iso(now_s() - 200, a, sizeof a);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(api("GET", q, NULL, &r), 200);
    harness_response_free(&r);
    iso(now_s() - 117, b, sizeof b);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(api("GET", q, NULL, &r), 400);
    harness_response_free(&r);

    /* 301 s is one too many; t1 in the lag is refused; timespan over 300 is refused. */
    iso(t1, b, sizeof b);
    iso(t1 - 301, a, sizeof a);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(api("GET", q, NULL, &r), 400);
    assert_errors_body(&r);
    harness_response_free(&r);
    iso(now_s() - 100, b, sizeof b);
    iso(now_s() - 300, a, sizeof a);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?t0=%s&t1=%s", a, b);
    assert_int_equal(api("GET", q, NULL, &r), 400);
    harness_response_free(&r);
    assert_int_equal(
        api("GET", "/organizations/1001/devices/uplinksLossAndLatency?timespan=301", NULL, &r),
        400);
    harness_response_free(&r);
    snprintf(q, sizeof q, "/organizations/1001/devices/uplinksLossAndLatency?timespan=60&t0=%s", a);
    assert_int_equal(api("GET", q, NULL, &r), 400);
    harness_response_free(&r);
    assert_int_equal(
        api("GET", "/organizations/1001/devices/uplinksLossAndLatency?uplink=wan9", NULL, &r), 400);
    harness_response_free(&r);
    assert_int_equal(
        api("GET", "/organizations/1001/devices/uplinksLossAndLatency?t0=yesterday", NULL, &r),
        400);
    harness_response_free(&r);

    /* timespan: the window ends data_lag_s ago; the ip filter picks one destination. */
    t1 = now_s();
    n = series("timespan=120&uplink=wan2&ip=198.51.100.20", ts, loss, isnull, 400);
    assert_true(n >= 1 && n <= 3);
    for (int i = 0; i < n; i++)
        assert_true(ts[i] <= t1 - 120 + 1 && ts[i] >= t1 - 240 - 2);
}

static void test_loss_schedule(void **state)
{
    char body[512], q[256], a[32], b[32];
    long long base = now_s() - 100, ts[400];
    double loss[400];
    int isnull[400], n;

    (void)state;
    /* Schedule on L_200 (one destination, wan1): 50 % from base+10, null from base+20,
     * absent from base+30, 0 again from base+40. */
    snprintf(body, sizeof body,
             "{\"sample_spacing_s\": 1, \"data_lag_s\": 0, \"organizations\": [{\"id\": "
             "\"1001\", \"networks\": [{\"id\": \"L_200\", \"destinations\": "
             "[\"203.0.113.10\"]}]}], \"loss\": [{\"networkId\": \"L_200\", \"uplink\": "
             "\"wan1\", \"ip\": \"203.0.113.10\", \"lossPercent\": 50, \"from\": %lld}, "
             "{\"networkId\": \"L_200\", \"lossPercent\": null, \"from\": %lld}]}",
             base + 10, base + 20);
    load(body);
    snprintf(body, sizeof body,
             "{\"networkId\": \"L_200\", \"ip\": \"203.0.113.10\", \"absent\": true, \"at\": "
             "%lld}",
             base + 30);
    control_ok("POST", "/_control/loss", body);
    snprintf(body, sizeof body, "{\"networkId\": \"L_200\", \"lossPercent\": 0, \"at\": %lld}",
             base + 40);
    control_ok("POST", "/_control/loss", body);

    iso(base, a, sizeof a);
    iso(base + 50, b, sizeof b);
    snprintf(q, sizeof q, "t0=%s&t1=%s", a, b);
    n = series(q, ts, loss, isnull, 400);
    /* 51 one-second slots minus the 10 absent ones. */
    assert_int_equal(n, 41);
    for (int i = 0; i < n; i++) {
        long long off = ts[i] - base;

        assert_true(off < 30 || off >= 40);
        if (off < 10)
            assert_true(loss[i] == 0 && !isnull[i]);
        else if (off < 20)
            assert_true(loss[i] == 50);
        else if (off < 30)
            assert_true(isnull[i]);
        else
            assert_true(loss[i] == 0 && !isnull[i]);
        if (i > 0 && off != 40)
            assert_int_equal(ts[i] - ts[i - 1], 1);
    }

    /* A network-wide wildcard (no networkId) reaches every network; a relative `from`
     * counts from now. */
    control_ok("POST", "/_control/loss",
               "{\"ip\": \"203.0.113.10\", \"lossPercent\": 100, "
               "\"at\": -5}");
    iso(now_s() - 2, b, sizeof b);
    iso(now_s() - 3, a, sizeof a);
    snprintf(q, sizeof q, "t0=%s&t1=%s", a, b);
    n = series(q, ts, loss, isnull, 400);
    assert_int_equal(n, 2);
    assert_true(loss[0] == 100 && loss[1] == 100);
}

static void test_faults(void **state)
{
    const char *hdrs[] = {AUTH, NULL};
    struct harness_response r;
    char h[1024], url[1024], expect[1024];
    struct harness_http_opts slow = {0};
    struct json_object *o, *log;
    long long t;

    (void)state;
    /* 429 with and without Retry-After; count is honoured. */
    control_ok("POST", "/_control/fault",
               "{\"kind\": \"429\", \"count\": 2, \"retry_after\": 3, \"path_prefix\": "
               "\"/api/v1/networks/\"}");
    for (int i = 0; i < 2; i++) {
        assert_int_equal(api("GET", "/networks/L_100", NULL, &r), 429);
        assert_string_equal(harness_header(&r, "Retry-After", h, sizeof h), "3");
        assert_errors_body(&r);
        harness_response_free(&r);
    }
    assert_int_equal(api("GET", "/networks/L_100", NULL, &r), 200);
    harness_response_free(&r);
    control_ok("POST", "/_control/fault", "{\"kind\": 429}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 429);
    assert_null(harness_header(&r, "Retry-After", h, sizeof h));
    harness_response_free(&r);

    /* Method matching: a PUT fault leaves GETs alone. */
    control_ok("POST", "/_control/fault", "{\"kind\": \"500\", \"method\": \"PUT\"}");
    assert_int_equal(api("GET", "/networks/L_100", NULL, &r), 200);
    harness_response_free(&r);
    assert_int_equal(api("PUT", "/networks/L_100", "{\"tags\": []}", &r), 500);
    assert_non_null(harness_header(&r, "X-Request-Id", h, sizeof h));
    assert_errors_body(&r);
    harness_response_free(&r);
    o = api_json("/networks/L_100", 200);
    assert_int_equal(json_object_array_length(get(o, "tags")), 3); /* the PUT never ran */
    json_object_put(o);

    control_ok("POST", "/_control/fault", "{\"kind\": \"503\"}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 503);
    assert_non_null(harness_header(&r, "X-Request-Id", h, sizeof h));
    harness_response_free(&r);
    control_ok("POST", "/_control/fault", "{\"kind\": \"502\"}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 502);
    assert_non_null(harness_header(&r, "X-Request-Id", h, sizeof h));
    assert_null(harness_response_json(&r)); /* a load balancer's HTML page */
    harness_response_free(&r);

    /* Redirects to the second port keep path and query; port2 serves the same API. */
    control_ok("POST", "/_control/fault", "{\"kind\": \"redirect307\"}");
    assert_int_equal(api("GET", "/organizations/1001/networks?perPage=3", NULL, &r), 307);
    snprintf(expect, sizeof expect,
             "http://127.0.0.1:%d/api/v1/organizations/1001/networks?perPage=3", fd.port2);
    assert_string_equal(harness_header(&r, "Location", url, sizeof url), expect);
    harness_response_free(&r);
    harness_http("GET", url, hdrs, NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    harness_response_free(&r);
    control_ok("POST", "/_control/fault", "{\"kind\": \"redirect308\"}");
    assert_int_equal(api("PUT", "/networks/L_100", "{\"tags\": [\"t\"]}", &r), 308);
    harness_response_free(&r);
    control_ok("POST", "/_control/fault", "{\"kind\": \"redirect_foreign\"}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 307);
    snprintf(expect, sizeof expect, "http://localhost:%d/api/v1/organizations", fd.port2);
    assert_string_equal(harness_header(&r, "Location", url, sizeof url), expect);
    harness_response_free(&r);

    /* delay answers normally, late. */
    control_ok("POST", "/_control/fault", "{\"kind\": \"delay\", \"delay_ms\": 400}");
    t = harness_now_ms();
    assert_int_equal(api("GET", "/organizations", NULL, &r), 200);
    assert_true(harness_now_ms() - t >= 400);
    harness_response_free(&r);

    /* malformed: 200 with a body that is not JSON. */
    control_ok("POST", "/_control/fault", "{\"kind\": \"malformed\"}");
    assert_int_equal(api("GET", "/organizations/1001/networks", NULL, &r), 200);
    assert_null(harness_response_json(&r));
    harness_response_free(&r);

    /* drop: no answer at all. */
    control_ok("POST", "/_control/fault", "{\"kind\": \"drop\"}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 0);
    assert_int_not_equal(r.curl_code, 0);
    harness_response_free(&r);

    /* oversize: a valid JSON array of exactly size_mib MiB, with or without Content-Length. */
    control_ok("POST", "/_control/fault", "{\"kind\": \"oversize\", \"size_mib\": 3}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 200);
    assert_int_equal(r.len, 3 * 1024 * 1024);
    assert_non_null(harness_header(&r, "Content-Length", h, sizeof h));
    o = harness_response_json(&r);
    assert_non_null(o);
    assert_true(json_object_is_type(o, json_type_array));
    json_object_put(o);
    harness_response_free(&r);
    control_ok("POST", "/_control/fault",
               "{\"kind\": \"oversize\", \"size_mib\": 1, \"chunked\": true}");
    assert_int_equal(api("GET", "/organizations", NULL, &r), 200);
    assert_int_equal(r.len, 1024 * 1024);
    assert_null(harness_header(&r, "Content-Length", h, sizeof h));
    harness_response_free(&r);

    /* Bad fault descriptions are refused; every fault was used up. */
    assert_int_equal(harness_control(&fd, "POST", "/_control/fault", "{\"kind\": \"418\"}", NULL),
                     400);
    assert_int_equal(harness_control(&fd, "GET", "/_control/fault", NULL, &r), 200);
    assert_string_equal(r.body, "[]");
    harness_response_free(&r);

    /* The log names each fault. */
    log = harness_log(&fd);
    assert_non_null(log);
    {
        int faults = 0;

        for (size_t i = 0; i < json_object_array_length(log); i++)
            faults += !json_object_is_type(get(json_object_array_get_idx(log, i), "fault"),
                                           json_type_null);
        assert_int_equal(faults, 14);
    }
    json_object_put(log);
    (void)slow;
}

static void test_log_fields(void **state)
{
    static const char *const keys[] = {"seq",  "t",      "port",    "method",
                                       "path", "query",  "auth",    "authorization_present",
                                       "body", "status", "unknown", "control"};
    struct harness_response r;
    struct json_object *log, *e;
    long long seq = 0;
    double now = (double)now_s();

    (void)state;
    assert_int_equal(harness_log_clear(&fd), 0);
    assert_int_equal(api("GET", "/organizations/1001/networks?perPage=3&tags[]=retail", NULL, &r),
                     200);
    harness_response_free(&r);
    assert_int_equal(api("PUT", "/networks/L_200", "{\"tags\": [\"a\"]}", &r), 200);
    harness_response_free(&r);
    log = harness_log(&fd);
    assert_non_null(log);
    assert_int_equal(json_object_array_length(log), 2); /* the DELETE itself is not kept */
    for (size_t i = 0; i < 2; i++) {
        e = json_object_array_get_idx(log, i);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            get(e, keys[k]);
        assert_true(json_object_get_int64(get(e, "seq")) > seq);
        seq = json_object_get_int64(get(e, "seq"));
        assert_true(fabs(json_object_get_double(get(e, "t")) - now) < 30);
        assert_int_equal(json_object_get_int(get(e, "port")), fd.port);
        assert_int_equal(json_object_get_int(get(e, "status")), 200);
        assert_false(json_object_get_boolean(get(e, "unknown")));
        assert_false(json_object_get_boolean(get(e, "control")));
        assert_true(json_object_get_boolean(get(e, "auth")));
    }
    e = json_object_array_get_idx(log, 0);
    assert_string_equal(str(e, "method"), "GET");
    assert_string_equal(str(e, "path"), "/api/v1/organizations/1001/networks");
    assert_string_equal(str(e, "query"), "perPage=3&tags[]=retail");
    assert_true(json_object_is_type(get(e, "body"), json_type_null));
    e = json_object_array_get_idx(log, 1);
    assert_string_equal(str(e, "method"), "PUT");
    assert_string_equal(str(e, "body"), "{\"tags\": [\"a\"]}");
    json_object_put(log);
    assert_int_equal(harness_log_count(&fd, "PUT", "/api/v1/networks/"), 1);
    assert_int_equal(harness_log_count(&fd, NULL, NULL), 2);

    /* Control requests are logged with control: true. */
    log = harness_log(&fd);
    e = json_object_array_get_idx(log, json_object_array_length(log) - 1);
    assert_true(json_object_get_boolean(get(e, "control")));
    assert_string_equal(str(e, "path"), "/_control/log");
    json_object_put(log);
}

static void test_unknown_requests(void **state)
{
    struct harness_fakedash own;
    const char *hdrs[] = {AUTH, NULL};
    char url[512];
    struct harness_response r;
    struct json_object *log;
    int unknown = 0;

    (void)state;
    assert_int_equal(harness_fakedash_start(NULL, &own), 0);
    snprintf(url, sizeof url, "%s/organizations/1/nothing", own.base_url);
    harness_http("GET", url, hdrs, NULL, NULL, &r);
    assert_int_equal(r.status, 404);
    harness_response_free(&r);
    snprintf(url, sizeof url, "%s/organizations", own.base_url);
    harness_http("DELETE", url, hdrs, NULL, NULL, &r); /* a method outside the subset */
    assert_int_equal(r.status, 404);
    harness_response_free(&r);
    snprintf(url, sizeof url, "%s/v0/organizations", own.root_url);
    harness_http("GET", url, hdrs, NULL, NULL, &r); /* the retired v0 API */
    assert_int_equal(r.status, 404);
    harness_response_free(&r);
    snprintf(url, sizeof url, "%s/organizations", own.base_url);
    harness_http("GET", url, hdrs, NULL, NULL, &r); /* known: not counted */
    assert_int_equal(r.status, 200);
    harness_response_free(&r);
    log = harness_log(&own);
    assert_non_null(log);
    for (size_t i = 0; i < json_object_array_length(log); i++)
        unknown += json_object_get_boolean(get(json_object_array_get_idx(log, i), "unknown"));
    assert_int_equal(unknown, 3);
    json_object_put(log);
    assert_int_equal(harness_fakedash_stop(&own), 3);
}

/* A one-shot HTTP receiver for the webhook test delivery. */
struct receiver {
    int listen_fd;
    int port;
    char body[16384];
    char head[4096];
    int got;
};

static void *receiver_run(void *arg)
{
    struct receiver *rc = arg;
    char buf[32768];
    size_t n = 0;
    int c = accept(rc->listen_fd, NULL, NULL);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

    if (c < 0)
        return NULL;
    for (;;) {
        ssize_t k = read(c, buf + n, sizeof buf - 1 - n);
        char *end;

        if (k <= 0)
            break;
        n += (size_t)k;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end) {
            const char *cl = strcasestr(buf, "Content-Length:");
            size_t want = cl ? (size_t)atol(cl + 15) : 0;

            if (n - (size_t)(end + 4 - buf) >= want) {
                snprintf(rc->head, sizeof rc->head, "%.*s", (int)(end - buf), buf);
                snprintf(rc->body, sizeof rc->body, "%.*s", (int)want, end + 4);
                rc->got = 1;
                break;
            }
        }
    }
    if (write(c, ok, sizeof ok - 1) < 0)
        perror("receiver");
    close(c);
    return NULL;
}

static void test_webhook_setup(void **state)
{
    struct receiver rc = {0};
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof a;
    pthread_t th;
    struct harness_response r;
    struct json_object *o, *payload, *tests;
    char body[1024], path[512], id[256], test_id[64];
    const char *status = "";

    (void)state;
    /* Create, list, read, update. */
    rc.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(rc.listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(rc.listen_fd, 4), 0);
    getsockname(rc.listen_fd, (struct sockaddr *)&a, &alen);
    rc.port = ntohs(a.sin_port);
    snprintf(body, sizeof body,
             "{\"name\": \"tagfailover\", \"url\": \"http://127.0.0.1:%d/webhook\", "
             "\"sharedSecret\": \"s3cret\"}",
             rc.port);
    assert_int_equal(api("POST", "/networks/L_100/webhooks/httpServers", body, &r), 201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_shape(o, spec_example("/networks/{networkId}/webhooks/httpServers", "post", "201"), 1,
                 "http server");
    snprintf(id, sizeof id, "%s", str(o, "id"));
    assert_string_equal(str(get(o, "payloadTemplate"), "payloadTemplateId"), "wpt_00001");
    json_object_put(o);
    assert_int_equal(api("POST", "/networks/L_100/webhooks/httpServers", body, &r), 400);
    harness_response_free(&r);
    assert_int_equal(api("POST", "/networks/L_100/webhooks/httpServers", "{\"name\": \"x\"}", &r),
                     400);
    harness_response_free(&r);
    o = api_json("/networks/L_100/webhooks/httpServers", 200);
    assert_int_equal(json_object_array_length(o), 1);
    assert_false(json_object_object_get_ex(json_object_array_get_idx(o, 0), "sharedSecret", NULL));
    json_object_put(o);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/httpServers/%s", id);
    assert_int_equal(api("PUT", path, "{\"name\": \"renamed\"}", &r), 200);
    harness_response_free(&r);
    o = api_json(path, 200);
    assert_string_equal(str(o, "name"), "renamed");
    json_object_put(o);

    /* Alert settings: enable failoverEvent towards the server; unknown ids are refused. */
    snprintf(body, sizeof body,
             "{\"alerts\": [{\"type\": \"failoverEvent\", \"enabled\": true, "
             "\"alertDestinations\": {\"httpServerIds\": [\"%s\"]}}]}",
             id);
    assert_int_equal(api("PUT", "/networks/L_100/alerts/settings", body, &r), 200);
    harness_response_free(&r);
    assert_int_equal(api("PUT", "/networks/L_100/alerts/settings",
                         "{\"defaultDestinations\": {\"httpServerIds\": [\"nope\"]}}", &r),
                     400);
    harness_response_free(&r);
    assert_int_equal(api("PUT", "/networks/L_100/alerts/settings",
                         "{\"alerts\": [{\"type\": \"noSuchAlert\"}]}", &r),
                     400);
    harness_response_free(&r);
    o = api_json("/networks/L_100/alerts/settings", 200);
    {
        struct json_object *alerts = get(o, "alerts");
        int found = 0;

        for (size_t i = 0; i < json_object_array_length(alerts); i++) {
            struct json_object *al = json_object_array_get_idx(alerts, i);

            if (strcmp(str(al, "type"), "failoverEvent") == 0) {
                found = 1;
                assert_true(json_object_get_boolean(get(al, "enabled")));
                assert_string_equal(json_object_get_string(json_object_array_get_idx(
                                        get(get(al, "alertDestinations"), "httpServerIds"), 0)),
                                    id);
            }
        }
        assert_true(found);
    }
    json_object_put(o);

    /* A test delivery to 127.0.0.1 really arrives, with the server's secret. */
    assert_int_equal(pthread_create(&th, NULL, receiver_run, &rc), 0);
    snprintf(body, sizeof body,
             "{\"url\": \"http://127.0.0.1:%d/webhook\", \"alertTypeId\": \"failover_event\"}",
             rc.port);
    assert_int_equal(api("POST", "/networks/L_100/webhooks/webhookTests", body, &r), 201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_shape(o, spec_example("/networks/{networkId}/webhooks/webhookTests", "post", "201"), 1,
                 "webhook test");
    snprintf(test_id, sizeof test_id, "%s", str(o, "id"));
    json_object_put(o);
    pthread_join(th, NULL);
    close(rc.listen_fd);
    assert_true(rc.got);
    payload = json_tokener_parse(rc.body);
    assert_non_null(payload);
    assert_int_equal(json_object_object_length(payload), 22);
    assert_string_equal(str(payload, "sharedSecret"), "s3cret");
    assert_string_equal(str(payload, "alertTypeId"), "failover_event");
    assert_string_equal(str(payload, "networkId"), "L_100");
    assert_string_equal(str(payload, "organizationId"), "1001");
    assert_string_equal(str(payload, "version"), "0.1");
    json_object_put(payload);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/webhookTests/%s", test_id);
    for (int i = 0; i < 100; i++) {
        o = api_json(path, 200);
        status = strcmp(str(o, "status"), "delivered") == 0 ? "delivered" : "";
        json_object_put(o);
        if (*status)
            break;
        harness_sleep_ms(20);
    }
    assert_string_equal(status, "delivered");

    /* Any other host is never contacted. */
    assert_int_equal(api("POST", "/networks/L_100/webhooks/webhookTests",
                         "{\"url\": \"https://example.com/hook\"}", &r),
                     201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/webhookTests/%s", str(o, "id"));
    json_object_put(o);
    o = api_json(path, 200);
    assert_string_equal(str(o, "status"), "abandoned");
    json_object_put(o);

    /* The control view holds the secret and both tests; DELETE removes the server. */
    assert_int_equal(harness_control(&fd, "GET", "/_control/webhooks", NULL, &r), 200);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_string_equal(str(json_object_array_get_idx(get(o, "httpServers"), 0), "sharedSecret"),
                        "s3cret");
    tests = get(o, "webhookTests");
    assert_int_equal(json_object_array_length(tests), 2);
    json_object_put(o);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/httpServers/%s", id);
    assert_int_equal(api("DELETE", path, NULL, &r), 204);
    harness_response_free(&r);
    assert_int_equal(api("GET", path, NULL, &r), 404);
    harness_response_free(&r);
}

static void test_routes_in_spec(void **state)
{
    struct harness_response r;
    struct json_object *routes;
    size_t n, ops = 0;

    (void)state;
    assert_int_equal(harness_control(&fd, "GET", "/_control/routes", NULL, &r), 200);
    routes = harness_response_json(&r);
    harness_response_free(&r);
    assert_non_null(routes);
    n = json_object_array_length(routes);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        struct json_object *rt = json_object_array_get_idx(routes, i);
        char method[16];
        size_t k;

        snprintf(method, sizeof method, "%s", str(rt, "method"));
        for (k = 0; method[k]; k++)
            method[k] = (char)(method[k] - 'A' + 'a');
        if (spec_op(str(rt, "path"), method) == NULL)
            fail_msg("fakedash serves %s %s, which is not in the spec subset", str(rt, "method"),
                     str(rt, "path"));
    }
    /* And the fake serves every operation of the subset. */
    json_object_object_foreach(get(spec, "paths"), path, item)
    {
        json_object_object_foreach(item, m, op)
        {
            int served = 0;

            (void)op;
            ops++;
            for (size_t i = 0; i < n; i++) {
                struct json_object *rt = json_object_array_get_idx(routes, i);

                served |=
                    strcmp(str(rt, "path"), path) == 0 && strcasecmp(str(rt, "method"), m) == 0;
            }
            if (!served)
                fail_msg("spec operation %s %s is not served", m, path);
        }
    }
    assert_int_equal(ops, n);
    json_object_put(routes);
}

static void test_rate_limit(void **state)
{
    struct harness_response r;
    char h[64];
    int limited = 0, sent;

    (void)state;
    control_ok("POST", "/_control/config", "{\"rate_limit_per_s\": 3}");
    /* Four requests inside one second are one too many; a slow machine may spread them, so
     * keep going (bounded) until the limit shows. */
    for (sent = 0; sent < 200 && !limited; sent++) {
        long s = api("GET", "/organizations/1001/networks", NULL, &r);

        if (s == 429) {
            limited = 1;
            assert_string_equal(harness_header(&r, "Retry-After", h, sizeof h), "1");
            assert_errors_body(&r);
        } else {
            assert_int_equal(s, 200);
        }
        harness_response_free(&r);
    }
    assert_true(limited);
    assert_true(sent >= 4);
    /* Another organization has its own budget. */
    assert_int_equal(api("GET", "/organizations/1002/networks", NULL, &r), 200);
    harness_response_free(&r);
    control_ok("POST", "/_control/config", "{\"rate_limit_per_s\": null}");
    for (int i = 0; i < 10; i++) {
        assert_int_equal(api("GET", "/organizations/1001/networks", NULL, &r), 200);
        harness_response_free(&r);
    }
}

static void test_uplinks_and_vpn(void **state)
{
    struct json_object *o, *item, *peers;
    char body[256];

    (void)state;
    control_ok("POST", "/_control/uplink",
               "{\"networkId\": \"L_100\", \"uplink\": \"wan1\", \"status\": \"failed\"}");
    o = api_json("/organizations/1001/appliance/uplink/statuses?networkIds[]=L_100", 200);
    assert_int_equal(json_object_array_length(o), 1);
    item = json_object_array_get_idx(o, 0);
    assert_string_equal(str(json_object_array_get_idx(get(item, "uplinks"), 0), "status"),
                        "failed");
    assert_string_equal(str(json_object_array_get_idx(get(item, "uplinks"), 2), "status"),
                        "not connected");
    json_object_put(o);
    assert_int_equal(
        harness_control(&fd, "POST", "/_control/uplink",
                        "{\"networkId\": \"L_100\", \"uplink\": \"wan1\", \"status\": \"up\"}",
                        NULL),
        400);

    /* VPN statuses: L_100 sees London (its tag); loss 100 makes it unreachable. */
    o = api_json("/organizations/1001/appliance/vpn/statuses?networkIds[]=L_200", 200);
    peers = get(json_object_array_get_idx(o, 0), "thirdPartyVpnPeers");
    assert_int_equal(json_object_array_length(peers), 1);
    assert_string_equal(str(json_object_array_get_idx(peers, 0), "reachability"), "reachable");
    json_object_put(o);
    snprintf(body, sizeof body,
             "{\"networkId\": \"L_200\", \"ip\": \"203.0.113.10\", \"lossPercent\": 100}");
    control_ok("POST", "/_control/loss", body);
    o = api_json("/organizations/1001/appliance/vpn/statuses?networkIds[]=L_200", 200);
    peers = get(json_object_array_get_idx(o, 0), "thirdPartyVpnPeers");
    assert_string_equal(str(json_object_array_get_idx(peers, 0), "reachability"), "unreachable");
    json_object_put(o);

    /* A network without an appliance has no uplinks and no loss data. */
    o = api_json("/organizations/1002/appliance/uplink/statuses", 200);
    assert_int_equal(json_object_array_length(o), 0);
    json_object_put(o);
}

static void test_live_ping(void **state)
{
    struct harness_response r;
    struct json_object *o;
    char path[256];

    (void)state;
    control_ok("POST", "/_control/config", "{\"ping_duration_s\": 0}");
    control_ok("POST", "/_control/loss",
               "{\"networkId\": \"L_100\", \"ip\": \"203.0.113.10\", \"lossPercent\": 100}");
    assert_int_equal(api("POST", "/devices/Q2XX-AAAA-0001/liveTools/ping",
                         "{\"target\": \"203.0.113.10\", \"count\": 4}", &r),
                     201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    snprintf(path, sizeof path, "/devices/Q2XX-AAAA-0001/liveTools/ping/%s", str(o, "pingId"));
    json_object_put(o);
    o = api_json(path, 200);
    assert_shape(o, spec_example("/devices/{serial}/liveTools/ping/{id}", "get", "200"), 1, "ping");
    assert_string_equal(str(o, "status"), "complete");
    assert_int_equal(json_object_get_int(get(get(o, "results"), "sent")), 4);
    assert_int_equal(json_object_get_int(get(get(o, "results"), "received")), 0);
    json_object_put(o);
    assert_int_equal(api("POST", "/devices/Q2XX-AAAA-0001/liveTools/ping", "{\"count\": 9}", &r),
                     400);
    harness_response_free(&r);
    assert_int_equal(api("POST", "/devices/NOPE/liveTools/ping", "{\"target\": \"1.1.1.1\"}", &r),
                     404);
    harness_response_free(&r);
}

static void test_scale(void **state)
{
    struct harness_response r;
    struct json_object *o;
    long long t;

    (void)state;
    load("{\"organizations\": [{\"id\": \"1\", \"peers\": [{\"name\": \"L\", \"publicIp\": "
         "\"203.0.113.10\"}], \"generate\": {\"count\": 10000, \"prefix\": \"L_9\", \"tags\": "
         "[\"london_primary_up\", \"paris_backup_down\"]}}]}");
    t = harness_now_ms();
    assert_int_equal(api("GET", "/organizations/1/networks?perPage=10000", NULL, &r), 200);
    assert_true(harness_now_ms() - t < 2000);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_int_equal(json_object_array_length(o), 10000);
    assert_string_equal(str(json_object_array_get_idx(o, 9999), "id"), "L_99999");
    json_object_put(o);
    o = api_json("/networks/L_95000", 200);
    assert_string_equal(str(o, "name"), "Branch L_95000");
    json_object_put(o);
    /* Default page: 1000, so ten pages of 1000. */
    o = api_json("/organizations/1/networks", 200);
    assert_int_equal(json_object_array_length(o), 1000);
    json_object_put(o);
    t = harness_now_ms();
    o = api_json("/organizations/1/devices/uplinksLossAndLatency", 200);
    assert_int_equal(json_object_array_length(o), 10000);
    json_object_put(o);
    assert_true(harness_now_ms() - t < 5000);
}

/* Caps and the write operations the daemon must never call still behave like the real ones. */
static void test_caps_and_writes(void **state)
{
    struct harness_response r;
    struct harness_http_opts big = {0};
    const char *hdrs[] = {AUTH, NULL};
    char url[256];
    struct json_object *o;
    size_t n = 2 * 1024 * 1024;
    char *body = malloc(n);

    (void)state;
    assert_non_null(body);
    memset(body, ' ', n);
    body[0] = '{';
    body[n - 1] = '}';
    big.body_ptr = body;
    big.body_len = n;
    snprintf(url, sizeof url, "%s/networks/L_100", fd.base_url);
    harness_http("PUT", url, hdrs, NULL, &big, &r);
    assert_int_equal(r.status, 413);
    harness_response_free(&r);
    free(body);

    /* A peer list replaced through the API changes the default destinations. */
    assert_int_equal(api("PUT", "/organizations/1001/appliance/vpn/thirdPartyVPNPeers",
                         "{\"peers\": [{\"name\": \"Rome\", \"publicIp\": \"192.0.2.7\", "
                         "\"privateSubnets\": [], \"secret\": \"x\"}]}",
                         &r),
                     200);
    harness_response_free(&r);
    o = api_json("/networks/L_100/appliance/connectivityMonitoringDestinations", 200);
    assert_string_equal(str(json_object_array_get_idx(get(o, "destinations"), 0), "ip"),
                        "192.0.2.7");
    json_object_put(o);
    o = api_json("/organizations/1001/appliance/vpn/thirdPartyVPNPeers", 200);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(
                            get(json_object_array_get_idx(get(o, "peers"), 0), "networkTags"), 0)),
                        "all");
    json_object_put(o);
    assert_int_equal(api("PUT", "/organizations/1001/appliance/vpn/thirdPartyVPNPeers",
                         "{\"peers\": [{\"name\": \"NoSecret\"}]}", &r),
                     400);
    harness_response_free(&r);

    /* Deleting a network: gone from lists, 404 by id, its id still a valid page token. */
    assert_int_equal(api("DELETE", "/networks/L_200", NULL, &r), 204);
    harness_response_free(&r);
    assert_int_equal(api("GET", "/networks/L_200", NULL, &r), 404);
    harness_response_free(&r);
    o = api_json("/organizations/1001/networks?perPage=3&startingAfter=L_200", 200);
    assert_int_equal(json_object_array_length(o), 1);
    assert_string_equal(str(json_object_array_get_idx(o, 0), "id"), "L_300");
    json_object_put(o);
    assert_int_equal(api("GET", "/organizations/1001/networks?startingAfter=L_nope", NULL, &r),
                     400);
    harness_response_free(&r);

    /* Creating a network needs name and productTypes. */
    assert_int_equal(api("POST", "/organizations/1001/networks", "{\"name\": \"x\"}", &r), 400);
    harness_response_free(&r);
    assert_int_equal(api("POST", "/organizations/1001/networks",
                         "{\"name\": \"New\", \"productTypes\": [\"appliance\"], \"tags\": "
                         "[\"t\"]}",
                         &r),
                     201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_shape(o, spec_example("/organizations/{organizationId}/networks", "post", "201"), 1,
                 "created network");
    json_object_put(o);
}

/* A test delivery nobody answers is retried, then abandoned. */
static void test_webhook_abandoned(void **state)
{
    int port = harness_free_port();
    char body[256], path[256];
    struct harness_response r;
    struct json_object *o;
    const char *status = "";

    (void)state;
    assert_true(port > 0);
    snprintf(body, sizeof body, "{\"url\": \"http://127.0.0.1:%d/nobody\"}", port);
    assert_int_equal(api("POST", "/networks/L_100/webhooks/webhookTests", body, &r), 201);
    o = harness_response_json(&r);
    harness_response_free(&r);
    snprintf(path, sizeof path, "/networks/L_100/webhooks/webhookTests/%s", str(o, "id"));
    json_object_put(o);
    for (int i = 0; i < 100 && strcmp(status, "abandoned") != 0; i++) {
        harness_sleep_ms(50);
        o = api_json(path, 200);
        status = strcmp(str(o, "status"), "abandoned") == 0 ? "abandoned" : "";
        assert_true(strcmp(str(o, "status"), "delivered") != 0);
        json_object_put(o);
    }
    assert_string_equal(status, "abandoned");
    assert_int_equal(harness_control(&fd, "GET", "/_control/webhooks", NULL, &r), 200);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_int_equal(
        json_object_get_int(get(json_object_array_get_idx(get(o, "webhookTests"), 0), "attempts")),
        3);
    json_object_put(o);
}

/* A long delay fault in progress does not hold up a clean stop. */
static void *stop_delay_client(void *arg)
{
    struct harness_fakedash *own = arg;
    const char *hdrs[] = {AUTH, NULL};
    struct harness_http_opts opts = {0};
    struct harness_response r;
    char url[256];

    opts.timeout_ms = 30000;
    snprintf(url, sizeof url, "%s/organizations", own->base_url);
    harness_http("GET", url, hdrs, NULL, &opts, &r);
    harness_response_free(&r);
    return NULL;
}

static void test_stop_during_delay(void **state)
{
    struct harness_fakedash own;
    pthread_t th;
    long long t;

    (void)state;
    assert_int_equal(harness_fakedash_start(NULL, &own), 0);
    assert_int_equal(harness_control(&own, "POST", "/_control/fault",
                                     "{\"kind\": \"delay\", \"delay_ms\": 60000}", NULL),
                     200);
    assert_int_equal(pthread_create(&th, NULL, stop_delay_client, &own), 0);
    /* A request is logged only once answered, so give it time to reach its delay. */
    harness_sleep_ms(300);
    t = harness_now_ms();
    assert_int_equal(harness_fakedash_stop(&own), 0);
    assert_true(harness_now_ms() - t < 3000);
    pthread_join(th, NULL);
}

static void test_bad_scenarios(void **state)
{
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

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(harness_control(&fd, "POST", "/_control/scenario", bad[i], NULL), 400);
    /* The old world stays after a refused load. */
    {
        struct json_object *o = api_json("/networks/L_100", 200);

        json_object_put(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_auth, each_setup),
        cmocka_unit_test_setup(test_shapes_match_spec, each_setup),
        cmocka_unit_test_setup(test_pagination, each_setup),
        cmocka_unit_test_setup(test_put_network, each_setup),
        cmocka_unit_test_setup(test_loss_limits, each_setup),
        cmocka_unit_test_setup(test_loss_schedule, each_setup),
        cmocka_unit_test_setup(test_faults, each_setup),
        cmocka_unit_test_setup(test_log_fields, each_setup),
        cmocka_unit_test_setup(test_unknown_requests, each_setup),
        cmocka_unit_test_setup(test_webhook_setup, each_setup),
        cmocka_unit_test_setup(test_routes_in_spec, each_setup),
        cmocka_unit_test_setup(test_rate_limit, each_setup),
        cmocka_unit_test_setup(test_uplinks_and_vpn, each_setup),
        cmocka_unit_test_setup(test_live_ping, each_setup),
        cmocka_unit_test_setup(test_scale, each_setup),
        cmocka_unit_test_setup(test_caps_and_writes, each_setup),
        cmocka_unit_test_setup(test_webhook_abandoned, each_setup),
        cmocka_unit_test_setup(test_stop_during_delay, each_setup),
        cmocka_unit_test_setup(test_bad_scenarios, each_setup),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
