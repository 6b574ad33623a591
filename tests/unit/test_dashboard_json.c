/*
 * test_dashboard_json.c - the API parsers against the official spec's own examples (read from
 * the fixture, so a drift between spec and parser shows), against every wrong shape, and the
 * tags body and time helpers. Run under ASan, the error paths also prove nothing leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "tagfailover/caps.h"
#include "tagfailover/dashboard_json.h"
#include "tagfailover/json.h"

/* The spec subset, read once for the whole run. */
static json_object *spec;

static int load_spec(void **state)
{
    FILE *f = fopen(TF_FIXTURES_DIR "/openapi-v1.42-subset.json", "rb");
    char *buf;
    long size;

    (void)state;
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    buf = malloc((size_t)size + 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        return -1;
    }
    buf[size] = '\0';
    fclose(f);
    spec = json_tokener_parse(buf);
    free(buf);
    return spec == NULL ? -1 : 0;
}

static int free_spec(void **state)
{
    (void)state;
    json_object_put(spec);
    return 0;
}

/* The 200 example of an operation, as JSON text (owned by the spec object). */
static const char *spec_example(const char *path, const char *method)
{
    json_object *paths, *op, *v;

    assert_true(json_object_object_get_ex(spec, "paths", &paths));
    assert_true(json_object_object_get_ex(paths, path, &op));
    assert_true(json_object_object_get_ex(op, method, &op));
    assert_true(json_object_object_get_ex(op, "responses", &v));
    assert_true(json_object_object_get_ex(v, "200", &v));
    assert_true(json_object_object_get_ex(v, "content", &v));
    assert_true(json_object_object_get_ex(v, "application/json", &v));
    assert_true(json_object_object_get_ex(v, "example", &v));
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static dj_err parse_str_orgs(const char *s, dj_org **v, size_t *n)
{
    return dj_parse_organizations(s, strlen(s), v, n);
}

/* Spec examples, field by field. */

static void test_spec_organizations(void **state)
{
    const char *ex = spec_example("/organizations", "get");
    dj_org *v;
    size_t n;

    (void)state;
    assert_int_equal(parse_str_orgs(ex, &v, &n), DJ_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "2930418");
    assert_string_equal(v[0].name, "My organization");
    dj_orgs_free(v, n);
}

static void check_example_network(const dj_network *net)
{
    assert_string_equal(net->id, "N_24329156");
    assert_string_equal(net->organization_id, "2930418");
    assert_string_equal(net->name, "Main Office");
    assert_int_equal(net->tags.n, 2);
    assert_string_equal(net->tags.v[0], "tag1");
    assert_string_equal(net->tags.v[1], "tag2");
}

static void test_spec_networks(void **state)
{
    const char *ex = spec_example("/organizations/{organizationId}/networks", "get");
    dj_network *v, one;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_networks(ex, strlen(ex), &v, &n), DJ_OK);
    assert_int_equal(n, 1);
    check_example_network(&v[0]);
    dj_networks_free(v, n);

    ex = spec_example("/networks/{networkId}", "get");
    assert_int_equal(dj_parse_network(ex, strlen(ex), &one), DJ_OK);
    check_example_network(&one);
    dj_network_clear(&one);
    dj_network_clear(&one);

    ex = spec_example("/networks/{networkId}", "put");
    assert_int_equal(dj_parse_network(ex, strlen(ex), &one), DJ_OK);
    check_example_network(&one);
    dj_network_clear(&one);
    dj_network_clear(NULL);
}

static void test_spec_loss(void **state)
{
    const char *ex =
        spec_example("/organizations/{organizationId}/devices/uplinksLossAndLatency", "get");
    dj_loss_item *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_loss(ex, strlen(ex), &v, &n), DJ_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].network_id, "N_24329156");
    assert_string_equal(v[0].serial, "Q234-ABCD-5678");
    assert_string_equal(v[0].uplink, "wan1");
    assert_string_equal(v[0].ip, "1.2.3.4");
    assert_int_equal(v[0].n, 1);
    assert_int_equal(v[0].samples[0].ts, 1548960373); /* 2019-01-31T18:46:13Z */
    assert_true(v[0].samples[0].has_loss);
    assert_float_equal(v[0].samples[0].loss_pct, 5.3, 1e-9);
    dj_loss_free(v, n);
}

static void test_spec_peers(void **state)
{
    const char *ex =
        spec_example("/organizations/{organizationId}/appliance/vpn/thirdPartyVPNPeers", "get");
    dj_peer *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_peers(ex, strlen(ex), &v, &n), DJ_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "Peer Name");
    assert_string_equal(v[0].public_ip, "123.123.123.1");
    assert_int_equal(v[0].network_tags.n, 1);
    assert_string_equal(v[0].network_tags.v[0], "all");
    dj_peers_free(v, n);
}

static void test_spec_uplink_statuses(void **state)
{
    const char *ex =
        spec_example("/organizations/{organizationId}/appliance/uplink/statuses", "get");
    dj_appliance *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_uplink_statuses(ex, strlen(ex), &v, &n), DJ_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].network_id, "N_24329156");
    assert_string_equal(v[0].serial, "Q234-ABCD-5678");
    assert_int_equal(v[0].n_uplinks, 2);
    assert_string_equal(v[0].uplinks[0].interface, "wan1");
    assert_string_equal(v[0].uplinks[0].status, "active");
    assert_string_equal(v[0].uplinks[1].interface, "cellular");
    assert_string_equal(v[0].uplinks[1].status, "ready");
    dj_appliances_free(v, n);
}

static void test_spec_vpn_statuses(void **state)
{
    const char *ex = spec_example("/organizations/{organizationId}/appliance/vpn/statuses", "get");
    dj_vpn_status *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_vpn_statuses(ex, strlen(ex), &v, &n), DJ_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].network_id, "N_12345678");
    assert_int_equal(v[0].n_peers, 1);
    assert_string_equal(v[0].peer_names[0], "London Office");
    assert_string_equal(v[0].peer_reachability[0], "reachable");
    assert_string_equal(v[0].peer_public_ips[0], "111.222.333.444");
    assert_string_equal(v[1].network_id, "L_1234");
    assert_string_equal(v[1].peer_names[0], "Tokyo Office");
    dj_vpn_statuses_free(v, n);
}

static void test_spec_destinations(void **state)
{
    const char *ex =
        spec_example("/networks/{networkId}/appliance/connectivityMonitoringDestinations", "get");
    dj_destination *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_destinations(ex, strlen(ex), &v, &n), DJ_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].ip, "8.8.8.8");
    assert_string_equal(v[0].description, "Google");
    assert_false(v[0].is_default);
    assert_string_equal(v[1].ip, "1.23.45.67");
    assert_true(v[1].is_default);
    assert_string_equal(v[2].ip, "9.8.7.6");
    assert_null(v[2].description); /* null in the example */
    dj_destinations_free(v, n);
}

/* Shapes, table-driven. Each runner parses, checks that an error leaves nothing behind,
 * frees, and reports the error and the element count. */

typedef dj_err (*runner)(const char *json, size_t *n);

#define RUNNER(fname, parse, type, freefn)                                                         \
    static dj_err fname(const char *json, size_t *n)                                               \
    {                                                                                              \
        type *v = (type *)1;                                                                       \
        dj_err err = parse(json, strlen(json), &v, n);                                             \
        if (err != DJ_OK) {                                                                        \
            assert_null(v);                                                                        \
            assert_int_equal(*n, 0);                                                               \
        } else if (*n == 0) {                                                                      \
            assert_null(v);                                                                        \
        }                                                                                          \
        freefn(v, *n);                                                                             \
        return err;                                                                                \
    }

RUNNER(run_orgs, dj_parse_organizations, dj_org, dj_orgs_free)
RUNNER(run_networks, dj_parse_networks, dj_network, dj_networks_free)
RUNNER(run_loss, dj_parse_loss, dj_loss_item, dj_loss_free)
RUNNER(run_peers, dj_parse_peers, dj_peer, dj_peers_free)
RUNNER(run_uplinks, dj_parse_uplink_statuses, dj_appliance, dj_appliances_free)
RUNNER(run_vpn, dj_parse_vpn_statuses, dj_vpn_status, dj_vpn_statuses_free)
RUNNER(run_dests, dj_parse_destinations, dj_destination, dj_destinations_free)

static dj_err run_network(const char *json, size_t *n)
{
    dj_network net;
    dj_err err;

    memset(&net, 0xA5, sizeof(net));
    err = dj_parse_network(json, strlen(json), &net);
    if (err != DJ_OK) {
        assert_null(net.id);
        assert_null(net.name);
        assert_null(net.organization_id);
        assert_int_equal(net.tags.n, 0);
        assert_null(net.tags.v);
    }
    *n = net.tags.n;
    dj_network_clear(&net);
    return err;
}

static dj_err run_errors(const char *json, size_t *n)
{
    char *msg = (char *)1;
    dj_err err = dj_parse_errors(json, strlen(json), &msg);

    if (err != DJ_OK)
        assert_null(msg);
    else
        assert_non_null(msg);
    *n = msg != NULL ? strlen(msg) : 0;
    free(msg);
    return err;
}

typedef struct {
    const char *name;
    runner run;
    const char *json;
    dj_err want;
    size_t want_n; /* element count on success */
} shape_case;

#define A16          "aaaaaaaaaaaaaaaa"
#define A64          A16 A16 A16 A16
#define A128         A64 A64
#define LOSS(series) "[{\"networkId\":\"N_1\",\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\"," series "}]"
#define TS           "\"ts\":\"2019-01-31T18:46:13Z\""

static const shape_case shape_cases[] = {
    /* Not JSON, for every parser. */
    {"orgs empty body", run_orgs, "", DJ_ERR_NOT_JSON, 0},
    {"orgs truncated", run_orgs, "[{\"id\":\"1\"", DJ_ERR_NOT_JSON, 0},
    {"orgs html", run_orgs, "<html>502</html>", DJ_ERR_NOT_JSON, 0},
    {"networks NaN", run_networks, "[{\"id\":\"N\",\"x\":NaN}]", DJ_ERR_NOT_JSON, 0},
    {"network trailing", run_network, "{\"id\":\"N\"}]", DJ_ERR_NOT_JSON, 0},
    {"loss bad utf8", run_loss, "[\"\xff\"]", DJ_ERR_NOT_JSON, 0},
    {"peers deep", run_peers,
     "{\"peers\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
     DJ_ERR_NOT_JSON, 0},
    {"uplinks single quotes", run_uplinks, "[{'networkId':'N'}]", DJ_ERR_NOT_JSON, 0},
    {"dests garbage", run_dests, "{\"destinations\":[]} {}", DJ_ERR_NOT_JSON, 0},
    {"errors not json", run_errors, "Internal Server Error", DJ_ERR_NOT_JSON, 0},

    /* Organizations. */
    {"orgs empty", run_orgs, "[]", DJ_OK, 0},
    {"orgs two", run_orgs, "[{\"id\":\"1\"},{\"id\":\"2\",\"name\":null}]", DJ_OK, 2},
    {"orgs object", run_orgs, "{\"id\":\"1\"}", DJ_ERR_SHAPE, 0},
    {"orgs null", run_orgs, "null", DJ_ERR_SHAPE, 0},
    {"orgs string", run_orgs, "\"[]\"", DJ_ERR_SHAPE, 0},
    {"orgs missing id", run_orgs, "[{\"id\":\"1\"},{\"name\":\"x\"}]", DJ_ERR_SHAPE, 0},
    {"orgs numeric id", run_orgs, "[{\"id\":2930418}]", DJ_ERR_SHAPE, 0},
    {"orgs empty id", run_orgs, "[{\"id\":\"\"}]", DJ_ERR_SHAPE, 0},
    {"orgs NUL in id", run_orgs, "[{\"id\":\"1\\u00002\"}]", DJ_ERR_SHAPE, 0},
    {"orgs name number", run_orgs, "[{\"id\":\"1\",\"name\":5}]", DJ_ERR_SHAPE, 0},
    {"orgs item null", run_orgs, "[null]", DJ_ERR_SHAPE, 0},
    {"orgs item array", run_orgs, "[[]]", DJ_ERR_SHAPE, 0},
    /* IDs go into API paths: 1..64 of [A-Za-z0-9_-]. A record whose ID breaks the rule is
     * left out of its list (n counts the others); the rest of the answer goes on. */
    {"orgs id over cap", run_orgs, "[{\"id\":\"" A128 "1\"}]", DJ_OK, 0},
    {"orgs id at cap", run_orgs, "[{\"id\":\"" A64 "\"}]", DJ_OK, 1},
    {"orgs id one over the cap", run_orgs, "[{\"id\":\"" A64 "b\"},{\"id\":\"2\"}]", DJ_OK, 1},
    {"orgs id ..", run_orgs, "[{\"id\":\"1\"},{\"id\":\"..\"}]", DJ_OK, 1},
    {"orgs id with a space", run_orgs, "[{\"id\":\"1 2\"}]", DJ_OK, 0},
    {"orgs bad id, then a shape error", run_orgs, "[{\"id\":\"..\"},{\"name\":\"x\"}]",
     DJ_ERR_SHAPE, 0},
    {"networks id with a slash", run_networks, "[{\"id\":\"L_1/../L_2\"}]", DJ_OK, 0},
    {"networks id ..", run_networks, "[{\"id\":\"N\"},{\"id\":\"..\"}]", DJ_OK, 1},
    {"networks orgId with a slash", run_networks,
     "[{\"id\":\"N\",\"organizationId\":\"1/2\"},{\"id\":\"M\"}]", DJ_OK, 1},
    {"networks id a number", run_networks, "[{\"id\":5}]", DJ_ERR_SHAPE, 0},
    {"loss networkId ..", run_loss,
     "[{\"networkId\":\"..\",\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]},"
     "{\"networkId\":\"N_1\",\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]}]",
     DJ_OK, 1},
    {"loss networkId over the cap", run_loss,
     "[{\"networkId\":\"" A128 "\",\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]}]",
     DJ_OK, 0},
    {"uplinks networkId with a slash", run_uplinks,
     "[{\"networkId\":\"N/1\",\"uplinks\":[]},{\"networkId\":\"N_2\",\"uplinks\":[]}]", DJ_OK, 1},
    {"vpn networkId with a query", run_vpn, "[{\"networkId\":\"N?x=1\"},{\"networkId\":\"N\"}]",
     DJ_OK, 1},
    {"vpn networkId missing", run_vpn, "[{\"networkId\":\"N\"},{}]", DJ_ERR_SHAPE, 0},
    {"network id with a query", run_network, "{\"id\":\"L_1?x\"}", DJ_ERR_SHAPE, 0},
    {"network id of every allowed character", run_network,
     "{\"id\":\"L_aZ09-_\",\"organizationId\":\"549236\"}", DJ_OK, 0},

    /* Networks and one network (n is the tag count for run_network). */
    {"networks empty", run_networks, "[]", DJ_OK, 0},
    {"networks object", run_networks, "{\"id\":\"N\"}", DJ_ERR_SHAPE, 0},
    {"networks missing id", run_networks, "[{\"name\":\"x\",\"tags\":[]}]", DJ_ERR_SHAPE, 0},
    {"networks tags not strings", run_networks, "[{\"id\":\"N\",\"tags\":[\"a\",1]}]", DJ_ERR_SHAPE,
     0},
    {"networks tags string", run_networks, "[{\"id\":\"N\",\"tags\":\"a b\"}]", DJ_ERR_SHAPE, 0},
    {"networks tags object", run_networks, "[{\"id\":\"N\",\"tags\":{}}]", DJ_ERR_SHAPE, 0},
    {"networks tag null", run_networks, "[{\"id\":\"N\",\"tags\":[null]}]", DJ_ERR_SHAPE, 0},
    {"networks tag NUL", run_networks, "[{\"id\":\"N\",\"tags\":[\"a\\u0000b\"]}]", DJ_ERR_SHAPE,
     0},
    {"networks tags null", run_networks, "[{\"id\":\"N\",\"tags\":null}]", DJ_OK, 1},
    {"networks tags absent", run_networks, "[{\"id\":\"N\"},{\"id\":\"M\"}]", DJ_OK, 2},
    {"networks second bad", run_networks, "[{\"id\":\"N\",\"tags\":[\"a\"]},{\"id\":7}]",
     DJ_ERR_SHAPE, 0},
    {"networks orgId number", run_networks, "[{\"id\":\"N\",\"organizationId\":1}]", DJ_ERR_SHAPE,
     0},
    {"network array", run_network, "[{\"id\":\"N\"}]", DJ_ERR_SHAPE, 0},
    {"network missing id", run_network, "{\"tags\":[\"a\"]}", DJ_ERR_SHAPE, 0},
    {"network bad tags", run_network, "{\"id\":\"N\",\"tags\":[\"a\",[]]}", DJ_ERR_SHAPE, 0},
    {"network name after tags bad", run_network, "{\"id\":\"N\",\"tags\":[\"a\"],\"name\":[]}",
     DJ_ERR_SHAPE, 0},
    {"network ok", run_network, "{\"id\":\"N\",\"tags\":[\"a\",\"b\",\"\"]}", DJ_OK, 3},

    /* Loss and latency. */
    {"loss empty", run_loss, "[]", DJ_OK, 0},
    {"loss object", run_loss, "{\"networkId\":\"N_1\"}", DJ_ERR_SHAPE, 0},
    {"loss empty series", run_loss, LOSS("\"timeSeries\":[]"), DJ_OK, 1},
    {"loss no series", run_loss, LOSS("\"serial\":\"Q\""), DJ_ERR_SHAPE, 0},
    {"loss series null", run_loss, LOSS("\"timeSeries\":null"), DJ_ERR_SHAPE, 0},
    {"loss series object", run_loss, LOSS("\"timeSeries\":{}"), DJ_ERR_SHAPE, 0},
    {"loss null sample", run_loss, LOSS("\"timeSeries\":[{" TS ",\"lossPercent\":null}]"), DJ_OK,
     1},
    {"loss missing lossPercent", run_loss, LOSS("\"timeSeries\":[{" TS ",\"latencyMs\":1}]"), DJ_OK,
     1},
    {"loss lossPercent string", run_loss, LOSS("\"timeSeries\":[{" TS ",\"lossPercent\":\"5\"}]"),
     DJ_ERR_SHAPE, 0},
    {"loss lossPercent bool", run_loss, LOSS("\"timeSeries\":[{" TS ",\"lossPercent\":true}]"),
     DJ_ERR_SHAPE, 0},
    {"loss negative", run_loss, LOSS("\"timeSeries\":[{" TS ",\"lossPercent\":-0.5}]"),
     DJ_ERR_SHAPE, 0},
    {"loss over 100", run_loss, LOSS("\"timeSeries\":[{" TS ",\"lossPercent\":100.5}]"),
     DJ_ERR_SHAPE, 0},
    {"loss huge", run_loss, LOSS("\"timeSeries\":[{" TS ",\"lossPercent\":1e400}]"), DJ_ERR_SHAPE,
     0},
    {"loss integer 100", run_loss, LOSS("\"timeSeries\":[{" TS ",\"lossPercent\":100}]"), DJ_OK, 1},
    {"loss bad ts", run_loss, LOSS("\"timeSeries\":[{\"ts\":\"yesterday\",\"lossPercent\":1}]"),
     DJ_ERR_SHAPE, 0},
    {"loss ts number", run_loss, LOSS("\"timeSeries\":[{\"ts\":1548960373,\"lossPercent\":1}]"),
     DJ_ERR_SHAPE, 0},
    {"loss ts NUL", run_loss,
     LOSS("\"timeSeries\":[{\"ts\":\"2019-01-31T18:46:13Z\\u0000x\",\"lossPercent\":1}]"),
     DJ_ERR_SHAPE, 0},
    {"loss no ts", run_loss, LOSS("\"timeSeries\":[{\"lossPercent\":1}]"), DJ_ERR_SHAPE, 0},
    {"loss sample null", run_loss, LOSS("\"timeSeries\":[null]"), DJ_ERR_SHAPE, 0},
    {"loss sample number", run_loss, LOSS("\"timeSeries\":[5]"), DJ_ERR_SHAPE, 0},
    {"loss missing networkId", run_loss,
     "[{\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]}]", DJ_ERR_SHAPE, 0},
    {"loss missing uplink", run_loss,
     "[{\"networkId\":\"N\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]}]", DJ_ERR_SHAPE, 0},
    {"loss missing ip", run_loss, "[{\"networkId\":\"N\",\"uplink\":\"wan1\",\"timeSeries\":[]}]",
     DJ_ERR_SHAPE, 0},
    {"loss ip null", run_loss,
     "[{\"networkId\":\"N\",\"uplink\":\"wan1\",\"ip\":null,\"timeSeries\":[]}]", DJ_ERR_SHAPE, 0},

    /* Third-party peers. */
    {"peers empty", run_peers, "{\"peers\":[]}", DJ_OK, 0},
    {"peers array", run_peers, "[{\"name\":\"x\"}]", DJ_ERR_SHAPE, 0},
    {"peers no list", run_peers, "{}", DJ_ERR_SHAPE, 0},
    {"peers list object", run_peers, "{\"peers\":{}}", DJ_ERR_SHAPE, 0},
    {"peers list null", run_peers, "{\"peers\":null}", DJ_ERR_SHAPE, 0},
    {"peers bare", run_peers, "{\"peers\":[{}]}", DJ_OK, 1},
    {"peers tags bad", run_peers, "{\"peers\":[{\"name\":\"x\",\"networkTags\":[1]}]}",
     DJ_ERR_SHAPE, 0},
    {"peers publicIp number", run_peers, "{\"peers\":[{\"publicIp\":1}]}", DJ_ERR_SHAPE, 0},

    /* Appliance uplink statuses. */
    {"uplinks empty", run_uplinks, "[]", DJ_OK, 0},
    {"uplinks object", run_uplinks, "{}", DJ_ERR_SHAPE, 0},
    {"uplinks missing list", run_uplinks, "[{\"networkId\":\"N\"}]", DJ_ERR_SHAPE, 0},
    {"uplinks empty list", run_uplinks, "[{\"networkId\":\"N\",\"uplinks\":[]}]", DJ_OK, 1},
    {"uplinks no status", run_uplinks,
     "[{\"networkId\":\"N\",\"uplinks\":[{\"interface\":\"wan1\"}]}]", DJ_ERR_SHAPE, 0},
    {"uplinks second bad", run_uplinks,
     "[{\"networkId\":\"N\",\"uplinks\":[{\"interface\":\"wan1\",\"status\":\"active\"},1]}]",
     DJ_ERR_SHAPE, 0},
    {"uplinks no networkId", run_uplinks, "[{\"uplinks\":[]}]", DJ_ERR_SHAPE, 0},

    /* VPN statuses. */
    {"vpn empty", run_vpn, "[]", DJ_OK, 0},
    {"vpn object", run_vpn, "{}", DJ_ERR_SHAPE, 0},
    {"vpn no peers", run_vpn, "[{\"networkId\":\"N\"}]", DJ_OK, 1},
    {"vpn peers object", run_vpn, "[{\"networkId\":\"N\",\"thirdPartyVpnPeers\":{}}]", DJ_ERR_SHAPE,
     0},
    {"vpn peer no reachability", run_vpn,
     "[{\"networkId\":\"N\",\"thirdPartyVpnPeers\":[{\"name\":\"a\"}]}]", DJ_ERR_SHAPE, 0},
    {"vpn peer no name", run_vpn,
     "[{\"networkId\":\"N\",\"thirdPartyVpnPeers\":[{\"reachability\":\"reachable\"}]}]",
     DJ_ERR_SHAPE, 0},
    {"vpn peer not object", run_vpn,
     "[{\"networkId\":\"N\",\"thirdPartyVpnPeers\":[{\"name\":\"a\",\"reachability\":\"r\"},\"b\"]}"
     "]",
     DJ_ERR_SHAPE, 0},
    {"vpn no networkId", run_vpn, "[{\"thirdPartyVpnPeers\":[]}]", DJ_ERR_SHAPE, 0},

    /* Destinations. */
    {"dests empty", run_dests, "{\"destinations\":[]}", DJ_OK, 0},
    {"dests array", run_dests, "[]", DJ_ERR_SHAPE, 0},
    {"dests no list", run_dests, "{}", DJ_ERR_SHAPE, 0},
    {"dests missing ip", run_dests, "{\"destinations\":[{\"default\":true}]}", DJ_ERR_SHAPE, 0},
    {"dests default string", run_dests,
     "{\"destinations\":[{\"ip\":\"1.1.1.1\",\"default\":\"yes\"}]}", DJ_ERR_SHAPE, 0},
    {"dests description number", run_dests,
     "{\"destinations\":[{\"ip\":\"1.1.1.1\",\"description\":1}]}", DJ_ERR_SHAPE, 0},
    {"dests bare", run_dests, "{\"destinations\":[{\"ip\":\"1.1.1.1\"}]}", DJ_OK, 1},

    /* Error bodies (n is the message length). */
    {"errors two", run_errors, "{\"errors\":[\"a\",\"bc\"]}", DJ_OK, 5},
    {"errors none", run_errors, "{\"errors\":[]}", DJ_OK, 0},
    {"errors string", run_errors, "{\"errors\":\"x\"}", DJ_ERR_SHAPE, 0},
    {"errors number item", run_errors, "{\"errors\":[\"a\",1]}", DJ_ERR_SHAPE, 0},
    {"errors array", run_errors, "[\"a\"]", DJ_ERR_SHAPE, 0},
    {"errors missing", run_errors, "{\"message\":\"x\"}", DJ_ERR_SHAPE, 0},
};

static void test_shapes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(shape_cases) / sizeof(shape_cases[0]); i++) {
        const shape_case *c = &shape_cases[i];
        size_t n = 12345;
        dj_err got = c->run(c->json, &n);

        if (got != c->want)
            fail_msg("%s: got %s, want %s", c->name, dj_strerror(got), dj_strerror(c->want));
        if (got == DJ_OK && n != c->want_n)
            fail_msg("%s: n = %zu, want %zu", c->name, n, c->want_n);
    }
}

/* Null and missing lossPercent are kept as samples without data, not dropped or zeroed. */
static void test_loss_null_samples(void **state)
{
    const char *json = LOSS("\"timeSeries\":[{\"ts\":\"2019-01-31T18:46:13Z\",\"lossPercent\":null,"
                            "\"latencyMs\":null},{\"ts\":\"2019-01-31T18:47:13Z\"},"
                            "{\"ts\":\"2019-01-31T18:48:13Z\",\"lossPercent\":0}]");
    dj_loss_item *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_loss(json, strlen(json), &v, &n), DJ_OK);
    assert_int_equal(v[0].n, 3);
    assert_false(v[0].samples[0].has_loss);
    assert_false(v[0].samples[1].has_loss);
    assert_true(v[0].samples[2].has_loss);
    assert_float_equal(v[0].samples[2].loss_pct, 0.0, 0.0);
    assert_null(v[0].serial);
    dj_loss_free(v, n);
}

/* Samples come back sorted by ts; equal timestamps keep their order (stable). */
static void test_loss_sorted_stable(void **state)
{
    /* Loss values number the samples as sent, so the order after sorting is visible. */
    const char *json = LOSS("\"timeSeries\":["
                            "{\"ts\":\"2019-01-31T18:49:00Z\",\"lossPercent\":0},"
                            "{\"ts\":\"2019-01-31T18:47:00Z\",\"lossPercent\":1},"
                            "{\"ts\":\"2019-01-31T18:48:00Z\",\"lossPercent\":2},"
                            "{\"ts\":\"2019-01-31T18:47:00Z\",\"lossPercent\":3},"
                            "{\"ts\":\"2019-01-31T18:46:00Z\",\"lossPercent\":4},"
                            "{\"ts\":\"2019-01-31T18:48:00Z\",\"lossPercent\":5},"
                            "{\"ts\":\"2019-01-31T18:47:00+00:00\",\"lossPercent\":6}]");
    const double want_loss[] = {4, 1, 3, 6, 2, 5, 0};
    const int64_t want_ts[] = {1548960360, 1548960420, 1548960420, 1548960420,
                               1548960480, 1548960480, 1548960540};
    dj_loss_item *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_loss(json, strlen(json), &v, &n), DJ_OK);
    assert_int_equal(v[0].n, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(v[0].samples[i].ts, want_ts[i]);
        assert_float_equal(v[0].samples[i].loss_pct, want_loss[i], 0.0);
    }
    dj_loss_free(v, n);
}

/* A long reversed series sorts correctly (and in n log n: this would crawl if quadratic). */
static void test_loss_sort_large(void **state)
{
    const size_t count = 20000;
    size_t cap = count * 64 + 256, at = 0, n;
    char *json = malloc(cap);
    dj_loss_item *v;

    (void)state;
    assert_non_null(json);
    at += (size_t)snprintf(json + at, cap - at,
                           "[{\"networkId\":\"N\",\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\","
                           "\"timeSeries\":[");
    for (size_t i = 0; i < count; i++) {
        char ts[32];

        /* Reversed, with each second repeated: stability is checked through the loss. */
        dj_format_time((int64_t)(count - 1 - i) / 2 * 60, ts, sizeof(ts));
        at += (size_t)snprintf(json + at, cap - at, "%s{\"ts\":\"%s\",\"lossPercent\":%zu}",
                               i > 0 ? "," : "", ts, i % 2);
    }
    at += (size_t)snprintf(json + at, cap - at, "]}]");
    assert_true(at < cap);
    assert_int_equal(dj_parse_loss(json, at, &v, &n), DJ_OK);
    assert_int_equal(v[0].n, count);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(v[0].samples[i].ts, (int64_t)(i / 2) * 60);
        /* In the text, the even index of each pair came first with loss 0. */
        assert_float_equal(v[0].samples[i].loss_pct, (double)(i % 2 == 0 ? 0 : 1), 0.0);
    }
    dj_loss_free(v, n);
    free(json);
}

/* Tag caps: TF_TAGS_MAX_COUNT tags pass, one more makes the record unreadable (kept with its
 * id, no tags); the same for tag length. (Before, one more was DJ_ERR_TOO_LARGE for the whole
 * answer, and so for the whole listing.) */
static void test_tag_caps(void **state)
{
    size_t cap = (TF_TAGS_MAX_COUNT + 1) * 8 + TF_TAG_MAX_LEN + 64, at;
    char *json = malloc(cap);
    dj_network net;

    (void)state;
    assert_non_null(json);
    for (size_t count = TF_TAGS_MAX_COUNT; count <= TF_TAGS_MAX_COUNT + 1; count++) {
        at = (size_t)snprintf(json, cap, "{\"id\":\"N\",\"tags\":[");
        for (size_t i = 0; i < count; i++)
            at += (size_t)snprintf(json + at, cap - at, "%s\"t%zu\"", i > 0 ? "," : "", i);
        at += (size_t)snprintf(json + at, cap - at, "]}");
        assert_int_equal(dj_parse_network(json, at, &net), DJ_OK);
        assert_int_equal(net.unreadable, count > TF_TAGS_MAX_COUNT);
        assert_int_equal(net.tags.n, count <= TF_TAGS_MAX_COUNT ? count : 0);
        assert_string_equal(net.id, "N");
        dj_network_clear(&net);
    }
    for (size_t len = TF_TAG_MAX_LEN; len <= TF_TAG_MAX_LEN + 1; len++) {
        at = (size_t)snprintf(json, cap, "{\"id\":\"N\",\"tags\":[\"");
        memset(json + at, 'x', len);
        at += len;
        at += (size_t)snprintf(json + at, cap - at, "\"]}");
        assert_int_equal(dj_parse_network(json, at, &net), DJ_OK);
        assert_int_equal(net.unreadable, len > TF_TAG_MAX_LEN);
        assert_int_equal(net.tags.n, len <= TF_TAG_MAX_LEN ? 1 : 0);
        dj_network_clear(&net);
    }
    free(json);
}

/* One network over a cap in a listing: it is kept as an unreadable record (id and name, no
 * tags), and the networks before and after it are read as usual. A shape error is still an
 * error for the whole listing. */
static void test_unreadable_in_listing(void **state)
{
    size_t cap = (TF_TAGS_MAX_COUNT + 2) * 8 + 256, at;
    char *json = malloc(cap);
    dj_network *v;
    size_t n;

    (void)state;
    assert_non_null(json);
    at = (size_t)snprintf(json, cap,
                          "[{\"id\":\"L_1\",\"tags\":[\"a\"]},"
                          "{\"id\":\"L_2\",\"name\":\"Big\",\"tags\":[");
    for (size_t i = 0; i <= TF_TAGS_MAX_COUNT; i++)
        at += (size_t)snprintf(json + at, cap - at, "%s\"t%zu\"", i > 0 ? "," : "", i);
    at += (size_t)snprintf(json + at, cap - at, "]},{\"id\":\"L_3\",\"tags\":[\"b\"]}]");
    assert_int_equal(dj_parse_networks(json, at, &v, &n), DJ_OK);
    assert_int_equal(n, 3);
    assert_false(v[0].unreadable);
    assert_string_equal(v[0].tags.v[0], "a");
    assert_true(v[1].unreadable);
    assert_string_equal(v[1].id, "L_2");
    assert_string_equal(v[1].name, "Big");
    assert_int_equal(v[1].tags.n, 0);
    assert_false(v[2].unreadable);
    assert_string_equal(v[2].tags.v[0], "b");
    dj_networks_free(v, n);
    free(json);

    static const char shape[] = "[{\"id\":\"L_1\"},{\"id\":\"L_2\",\"tags\":[1]}]";
    assert_int_equal(dj_parse_networks(shape, sizeof(shape) - 1, &v, &n), DJ_ERR_SHAPE);
    assert_null(v);
}

/* Serials go into a live ping's path (/devices/{serial}/liveTools/ping): one that breaks
 * id_serial_valid is dropped from its record, which stays (it still has loss data or uplinks)
 * with no appliance to ping from. */
static void test_bad_serials(void **state)
{
    static const char loss[] =
        "[{\"networkId\":\"N_1\",\"serial\":\"Q2/../x\",\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\","
        "\"timeSeries\":[]},{\"networkId\":\"N_2\",\"serial\":\"Q234-ABCD-5678\",\"uplink\":"
        "\"wan1\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]},{\"networkId\":\"N_3\",\"serial\":\"Q_1\","
        "\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]},{\"networkId\":\"N_4\","
        "\"serial\":\"" A64 "\",\"uplink\":\"wan1\",\"ip\":\"1.2.3.4\",\"timeSeries\":[]}]";
    static const char uplinks[] =
        "[{\"networkId\":\"N_1\",\"serial\":\"..\",\"uplinks\":[]},"
        "{\"networkId\":\"N_2\",\"serial\":\"Q234-ABCD-5678\",\"uplinks\":[]}]";
    dj_loss_item *l;
    dj_appliance *a;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_loss(loss, sizeof loss - 1, &l, &n), DJ_OK);
    assert_int_equal(n, 4);
    assert_string_equal(l[0].network_id, "N_1");
    assert_null(l[0].serial);
    assert_string_equal(l[1].serial, "Q234-ABCD-5678");
    assert_null(l[2].serial); /* '_' is in network ids, never in serials */
    assert_null(l[3].serial); /* longer than ID_SERIAL_MAX_LEN */
    dj_loss_free(l, n);
    assert_int_equal(dj_parse_uplink_statuses(uplinks, sizeof uplinks - 1, &a, &n), DJ_OK);
    assert_int_equal(n, 2);
    assert_null(a[0].serial);
    assert_string_equal(a[1].serial, "Q234-ABCD-5678");
    dj_appliances_free(a, n);
}

/* The records around one with a bad ID are read as usual, in order. */
static void test_bad_id_in_listing(void **state)
{
    static const char json[] =
        "[{\"id\":\"L_1\",\"tags\":[\"a\"]},{\"id\":\"../../organizations\","
        "\"tags\":[\"london_primary_up\"]},{\"id\":\"L_3\",\"tags\":[\"b\"]}]";
    dj_network *v;
    size_t n;

    (void)state;
    assert_int_equal(dj_parse_networks(json, sizeof json - 1, &v, &n), DJ_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "L_1");
    assert_string_equal(v[0].tags.v[0], "a");
    assert_string_equal(v[1].id, "L_3");
    assert_string_equal(v[1].tags.v[0], "b");
    dj_networks_free(v, n);
}

static void test_errors_message(void **state)
{
    const char *json = "{\"errors\":[\"Invalid API key\",\"Rate \\\"limit\\\" \\u00e9\"]}";
    char *msg;

    (void)state;
    assert_int_equal(dj_parse_errors(json, strlen(json), &msg), DJ_OK);
    assert_string_equal(msg, "Invalid API key; Rate \"limit\" \xc3\xa9");
    free(msg);
}

/* The PUT body round-trips through a JSON parser, odd characters included. */
static void test_tags_body(void **state)
{
    static const char *const odd[] = {"london_primary_up",
                                      "quote\"d",
                                      "back\\slash",
                                      "slash/ok",
                                      "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80",
                                      "tab\tnew\nline\x01",
                                      "",
                                      "{\"tags\":[]}"};
    tags_list l = {(char **)odd, sizeof(odd) / sizeof(odd[0])};
    tags_list empty = {NULL, 0};
    char *body;
    json_object *root = NULL, *arr;

    (void)state;
    body = dj_build_tags_body(&empty);
    assert_non_null(body);
    assert_string_equal(body, "{\"tags\":[]}");
    free(body);

    body = dj_build_tags_body(&l);
    assert_non_null(body);
    assert_int_equal(tfjson_parse(body, strlen(body), &root), TFJSON_OK);
    assert_true(json_object_object_get_ex(root, "tags", &arr));
    assert_int_equal(json_object_array_length(arr), l.n);
    for (size_t i = 0; i < l.n; i++)
        assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, i)), odd[i]);
    json_object_put(root);
    free(body);
}

/* Time parsing. */
typedef struct {
    const char *s;
    bool ok;
    int64_t want;
} time_case;

static const time_case time_cases[] = {
    {"1970-01-01T00:00:00Z", true, 0},
    {"2019-01-31T18:46:13Z", true, 1548960373},
    {"2019-01-31t18:46:13z", true, 1548960373},
    {"2019-01-31T18:46:13.000Z", true, 1548960373},
    {"2019-01-31T18:46:13.999999999Z", true, 1548960373},
    {"2026-05-29T12:41:43.969000Z", true, 1780058503},
    {"2019-01-31T18:46:13+00:00", true, 1548960373},
    {"2019-01-31T18:46:13-00:00", true, 1548960373},
    {"2019-01-31T20:46:13+02:00", true, 1548960373},
    {"2019-01-31T13:16:13.5-05:30", true, 1548960373},
    {"1969-12-31T23:59:59Z", true, -1},
    {"2024-02-29T00:00:00Z", true, 1709164800},
    {"2000-02-29T12:00:00Z", true, 951825600},
    {"2100-03-01T00:00:00Z", true, 4107542400},
    {"2016-12-31T23:59:60Z", true, 1483228800}, /* leap second: the next :00 */
    {"9999-12-31T23:59:59Z", true, 253402300799},
    {"0000-01-01T00:00:00Z", true, -62167219200},
    {"2023-02-29T00:00:00Z", false, 0},
    {"1900-02-29T00:00:00Z", false, 0},
    {"2100-02-29T00:00:00Z", false, 0},
    {"2019-04-31T00:00:00Z", false, 0},
    {"2019-00-10T00:00:00Z", false, 0},
    {"2019-13-10T00:00:00Z", false, 0},
    {"2019-01-00T00:00:00Z", false, 0},
    {"2019-01-32T00:00:00Z", false, 0},
    {"2019-01-31T24:00:00Z", false, 0},
    {"2019-01-31T23:60:00Z", false, 0},
    {"2019-01-31T23:59:61Z", false, 0},
    {"2019-01-31T18:46:13", false, 0},
    {"2019-01-31 18:46:13Z", false, 0},
    {"2019-01-31T18:46:13.Z", false, 0},
    {"2019-01-31T18:46:13ZZ", false, 0},
    {"2019-01-31T18:46:13+0200", false, 0},
    {"2019-01-31T18:46:13+24:00", false, 0},
    {"2019-01-31T18:46:13+02:60", false, 0},
    {"2019-1-31T18:46:13Z", false, 0},
    {"19-01-31T18:46:13Z", false, 0},
    {"+2019-01-31T18:46:13Z", false, 0},
    {"2019-01-31", false, 0},
    {"", false, 0},
    {"2019-01-31T18:46:1Z", false, 0},
    {"2019-01-31T18:46:13 Z", false, 0},
};

static void test_parse_time(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
        const time_case *c = &time_cases[i];
        int64_t t = 777;
        bool ok = dj_parse_time(c->s, &t);

        if (ok != c->ok)
            fail_msg("%s: ok = %d", c->s, ok);
        if (ok && t != c->want)
            fail_msg("%s: %lld, want %lld", c->s, (long long)t, (long long)c->want);
    }
    assert_false(dj_parse_time(NULL, &(int64_t){0}));
}

/* Formatting: exact texts, and parse(format(t)) == t across 0000..9999, checked against the
 * C library's gmtime_r (fine in a test, and independent of the code under test). */
static void test_format_time(void **state)
{
    char buf[32];
    int64_t back;

    (void)state;
    dj_format_time(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    dj_format_time(951825600, buf, sizeof(buf));
    assert_string_equal(buf, "2000-02-29T12:00:00Z");
    dj_format_time(-1, buf, sizeof(buf));
    assert_string_equal(buf, "1969-12-31T23:59:59Z");
    dj_format_time(-62167219200, buf, sizeof(buf));
    assert_string_equal(buf, "0000-01-01T00:00:00Z");
    dj_format_time(253402300799, buf, 21); /* the documented minimum */
    assert_string_equal(buf, "9999-12-31T23:59:59Z");
    dj_format_time(0, buf, 5);
    assert_string_equal(buf, "1970");
    dj_format_time(0, buf, 0);
    dj_format_time(INT64_MIN, buf, sizeof(buf)); /* absurd, but must not overflow */
    dj_format_time(INT64_MAX, buf, sizeof(buf));

    for (int64_t t = -62167219200; t <= 253402300799; t += 7777777 + 13) {
        struct tm tm;
        char want[32];
        time_t tt = (time_t)t;

        dj_format_time(t, buf, sizeof(buf));
        assert_non_null(gmtime_r(&tt, &tm));
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (tm.tm_year + 1900 >= 1000) /* glibc does not pad years below 1000 */
            assert_string_equal(buf, want);
        assert_true(dj_parse_time(buf, &back));
        assert_int_equal(back, t);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    for (int e = DJ_OK; e <= DJ_ERR_NOMEM; e++) {
        assert_non_null(dj_strerror((dj_err)e));
        /* A code without its own case would fall through to the unknown message. */
        assert_string_not_equal(dj_strerror((dj_err)e), dj_strerror((dj_err)999));
        for (int f = DJ_OK; f < e; f++)
            assert_string_not_equal(dj_strerror((dj_err)e), dj_strerror((dj_err)f));
    }
    assert_non_null(dj_strerror((dj_err)999));
    dj_orgs_free(NULL, 0);
    dj_networks_free(NULL, 0);
    dj_loss_free(NULL, 0);
    dj_peers_free(NULL, 0);
    dj_appliances_free(NULL, 0);
    dj_vpn_statuses_free(NULL, 0);
    dj_destinations_free(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_organizations),
        cmocka_unit_test(test_spec_networks),
        cmocka_unit_test(test_spec_loss),
        cmocka_unit_test(test_spec_peers),
        cmocka_unit_test(test_spec_uplink_statuses),
        cmocka_unit_test(test_spec_vpn_statuses),
        cmocka_unit_test(test_spec_destinations),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_loss_null_samples),
        cmocka_unit_test(test_loss_sorted_stable),
        cmocka_unit_test(test_loss_sort_large),
        cmocka_unit_test(test_tag_caps),
        cmocka_unit_test(test_unreadable_in_listing),
        cmocka_unit_test(test_bad_serials),
        cmocka_unit_test(test_bad_id_in_listing),
        cmocka_unit_test(test_errors_message),
        cmocka_unit_test(test_tags_body),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_format_time),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, load_spec, free_spec);
}
