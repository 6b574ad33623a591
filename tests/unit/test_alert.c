/*
 * test_alert.c - the webhook body parser against Meraki's own examples, a real delivery, and
 * every kind of bad body a stranger can send. Run under ASan, each case also proves that
 * nothing leaks on any path.
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

#include "tagfailover/alert.h"
#include "tagfailover/caps.h"
#include "tagfailover/json.h"

#define MAX_BODY 65536

static const char *const default_triggers[] = {"failover_event", "vpn_connectivity_change",
                                               "cellular_down"};
#define N_DEFAULT_TRIGGERS (sizeof(default_triggers) / sizeof(default_triggers[0]))

/* The real 2026 delivery of a failover_event, byte for byte. */
static const char real_delivery[] =
    "{\"version\":\"0.1\",\"sharedSecret\":\"commonSecret\",\"sentAt\":\"2026-05-29T12:42:26."
    "375558Z\",\n \"organizationId\":\"658651445502938393\",\"organizationName\":\"Lunchgarden_"
    "TFB_1166564739\",\n \"organizationUrl\":\"\",\"networkId\":\"L_658651445502952912\","
    "\"networkName\":\"631_CCESCOLCG02_Schoten_120-1743553\",\n \"networkUrl\":\"\","
    "\"networkTags\":[],\"deviceSerial\":\"Q2JY-9KYS-3UGD\",\"deviceMac\":\"98:18:88:c7:bb:f5\""
    ",\n \"deviceName\":\"CCESCOLCG02\",\"deviceUrl\":\"\",\"deviceTags\":[\"recently-added\"],"
    "\"deviceModel\":\"MX67C-WW\",\n \"alertId\":\"658651445547679670\",\"alertType\":\"Uplink "
    "status changed\",\"alertTypeId\":\"failover_event\",\n \"alertLevel\":\"warning\","
    "\"occurredAt\":\"2026-05-29T12:41:43.969000Z\",\"alertData\":{\"uplink\":\"0\"}}";

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long size;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static alert_err parse_str(const char *body, alert *a)
{
    return alert_parse(body, strlen(body), MAX_BODY, a);
}

/* All 51 of Meraki's examples parse; exactly the three default triggers classify as such. */
static void test_meraki_examples(void **state)
{
    size_t len, n, n_triggers = 0;
    char *text = read_file(TF_FIXTURES_DIR "/alertTypes.json", &len);
    json_object *root = json_tokener_parse(text);
    bool seen[N_DEFAULT_TRIGGERS] = {false};

    (void)state;
    assert_non_null(root);
    n = json_object_array_length(root);
    assert_int_equal(n, 51);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(root, i), *example, *type_id;
        const char *body;
        alert a;

        assert_true(json_object_object_get_ex(item, "example", &example));
        assert_true(json_object_object_get_ex(item, "alertTypeId", &type_id));
        body = json_object_to_json_string_ext(example, JSON_C_TO_STRING_PLAIN);
        assert_int_equal(alert_parse(body, strlen(body), MAX_BODY, &a), ALERT_OK);
        assert_string_equal(a.alert_type_id, json_object_get_string(type_id));
        assert_string_equal(a.shared_secret, "secret");
        assert_string_equal(a.version, "0.1");
        assert_string_equal(a.organization_id, "2930418");
        assert_string_equal(a.network_id, "N_24329156");
        assert_string_equal(a.alert_id, "0000000000000000");
        assert_non_null(a.occurred_at);
        assert_non_null(a.alert_type);
        if (alert_is_trigger(&a, default_triggers, N_DEFAULT_TRIGGERS)) {
            n_triggers++;
            for (size_t k = 0; k < N_DEFAULT_TRIGGERS; k++) {
                if (strcmp(a.alert_type_id, default_triggers[k]) == 0)
                    seen[k] = true;
            }
        }
        if (strcmp(a.alert_type_id, "failover_event") == 0) {
            assert_string_equal(a.uplink, "0");
        } else if (strcmp(a.alert_type_id, "vpn_connectivity_change") == 0) {
            assert_int_equal(a.connectivity, ALERT_CONN_TRUE);
        } else {
            assert_int_equal(a.connectivity, ALERT_CONN_ABSENT);
            assert_null(a.uplink);
        }
        alert_clear(&a);
    }
    assert_int_equal(n_triggers, N_DEFAULT_TRIGGERS);
    for (size_t k = 0; k < N_DEFAULT_TRIGGERS; k++)
        assert_true(seen[k]);
    json_object_put(root);
    free(text);
}

/* The real delivery: every field, and IDs beyond 2^53 kept digit for digit. */
static void test_real_delivery(void **state)
{
    alert a;

    (void)state;
    assert_int_equal(parse_str(real_delivery, &a), ALERT_OK);
    assert_string_equal(a.version, "0.1");
    assert_string_equal(a.shared_secret, "commonSecret");
    assert_string_equal(a.organization_id, "658651445502938393");
    assert_string_equal(a.organization_name, "Lunchgarden_TFB_1166564739");
    assert_string_equal(a.network_id, "L_658651445502952912");
    assert_string_equal(a.network_name, "631_CCESCOLCG02_Schoten_120-1743553");
    assert_string_equal(a.device_serial, "Q2JY-9KYS-3UGD");
    assert_string_equal(a.alert_id, "658651445547679670");
    assert_string_equal(a.alert_type, "Uplink status changed");
    assert_string_equal(a.alert_type_id, "failover_event");
    assert_string_equal(a.occurred_at, "2026-05-29T12:41:43.969000Z");
    assert_string_equal(a.uplink, "0");
    assert_int_equal(a.connectivity, ALERT_CONN_ABSENT);
    assert_true(alert_is_trigger(&a, default_triggers, N_DEFAULT_TRIGGERS));
    alert_clear(&a);
}

/* Every proper prefix of a real body is truncated JSON. */
static void test_every_truncation(void **state)
{
    size_t len = strlen(real_delivery);

    (void)state;
    for (size_t cut = 0; cut < len; cut++) {
        alert a;

        assert_int_equal(alert_parse(real_delivery, cut, MAX_BODY, &a), ALERT_ERR_NOT_JSON);
        assert_null(a.shared_secret);
        alert_clear(&a);
    }
}

/* One tokener kept across bodies, as the listener does: every truncation of the real body in
 * turn with the whole body, so each parse follows a failed one, gives what a fresh parse
 * gives. */
static void test_reused_tokener(void **state)
{
    struct json_tokener *tok = tfjson_tokener_new();
    size_t len = strlen(real_delivery);

    (void)state;
    assert_non_null(tok);
    for (size_t cut = 0; cut < len; cut += 7) {
        alert a;

        assert_int_equal(alert_parse_with(tok, real_delivery, cut, MAX_BODY, &a),
                         ALERT_ERR_NOT_JSON);
        alert_clear(&a);
        assert_int_equal(alert_parse_with(tok, real_delivery, len, MAX_BODY, &a), ALERT_OK);
        assert_string_equal(a.shared_secret, "commonSecret");
        assert_string_equal(a.alert_id, "658651445547679670");
        assert_string_equal(a.uplink, "0");
        alert_clear(&a);
    }
    tfjson_tokener_free(tok);
}

/* The size cap: at the cap is fine, one byte over is refused before parsing. */
static void test_size_cap(void **state)
{
    size_t len = strlen(real_delivery);
    alert a;

    (void)state;
    assert_int_equal(alert_parse(real_delivery, len, len, &a), ALERT_OK);
    alert_clear(&a);
    assert_int_equal(alert_parse(real_delivery, len, len - 1, &a), ALERT_ERR_TOO_LARGE);
    assert_null(a.network_id);
    alert_clear(&a);
}

/* Nesting: 10,000 brackets, and the exact TF_JSON_MAX_DEPTH boundary inside an object. */
static void test_depth(void **state)
{
    const size_t big = 10000;
    char *buf = malloc(big * 2 + 64);
    alert a;
    size_t at;

    (void)state;
    assert_non_null(buf);
    memset(buf, '[', big);
    assert_int_equal(alert_parse(buf, big, big, &a), ALERT_ERR_TOO_DEEP);
    alert_clear(&a);
    memset(buf + big, ']', big);
    assert_int_equal(alert_parse(buf, 2 * big, 2 * big, &a), ALERT_ERR_TOO_DEEP);
    alert_clear(&a);

    /* {"alertData": [[...]]}: the object is level 1, so depth d has d - 1 brackets. */
    for (size_t depth = TF_JSON_MAX_DEPTH; depth <= TF_JSON_MAX_DEPTH + 1; depth++) {
        at = (size_t)sprintf(buf, "{\"x\":");
        memset(buf + at, '[', depth - 1);
        at += depth - 1;
        memset(buf + at, ']', depth - 1);
        at += depth - 1;
        buf[at++] = '}';
        assert_int_equal(alert_parse(buf, at, MAX_BODY, &a),
                         depth <= TF_JSON_MAX_DEPTH ? ALERT_ERR_MISSING_FIELD : ALERT_ERR_TOO_DEEP);
        alert_clear(&a);
    }
    free(buf);
}

#define SECRET        "\"sharedSecret\":\"s3cret\","
#define IDS           "\"alertTypeId\":\"failover_event\",\"networkId\":\"N_1\",\"organizationId\":\"42\""
#define BODY(extra)   "{" SECRET IDS extra "}"
#define A16           "aaaaaaaaaaaaaaaa"
#define A64           A16 A16 A16 A16
#define A128          A64 A64
#define NUL_INSIDE    "{\"a\":1,\0\"b\":2}"
#define NUL_IN_STRING "{\"a\":\"x\0y\"}"

typedef struct {
    const char *name;
    const char *body;
    size_t len; /* 0: strlen(body) */
    alert_err want;
    const char *want_secret; /* NULL: expect none */
} bad_case;

static const bad_case bad_cases[] = {
    /* Not JSON at all, or JSON that json-c's strict mode would still let through. */
    {"empty", "", 0, ALERT_ERR_NOT_JSON, NULL},
    {"blank", "  \r\n\t", 0, ALERT_ERR_NOT_JSON, NULL},
    {"word", "hello", 0, ALERT_ERR_NOT_JSON, NULL},
    {"open brace", "{", 0, ALERT_ERR_NOT_JSON, NULL},
    {"missing value", "{\"a\":}", 0, ALERT_ERR_NOT_JSON, NULL},
    {"trailing comma", "{\"a\":1,}", 0, ALERT_ERR_NOT_JSON, NULL},
    {"single quotes", "{'sharedSecret':'s3cret'}", 0, ALERT_ERR_NOT_JSON, NULL},
    {"NaN", BODY(",\"x\":NaN"), 0, ALERT_ERR_NOT_JSON, NULL},
    {"Infinity", BODY(",\"x\":-Infinity"), 0, ALERT_ERR_NOT_JSON, NULL},
    {"comment", "/* hi */" BODY(""), 0, ALERT_ERR_NOT_JSON, NULL},
    {"raw tab in string", "{\"a\":\"x\ty\"}", 0, ALERT_ERR_NOT_JSON, NULL},
    {"bad escape", "{\"a\":\"\\x41\"}", 0, ALERT_ERR_NOT_JSON, NULL},
    {"trailing garbage", BODY("") " x", 0, ALERT_ERR_NOT_JSON, NULL},
    {"two objects", BODY("") "{}", 0, ALERT_ERR_NOT_JSON, NULL},
    {"NUL inside", NUL_INSIDE, sizeof(NUL_INSIDE) - 1, ALERT_ERR_NOT_JSON, NULL},
    {"NUL inside a string", NUL_IN_STRING, sizeof(NUL_IN_STRING) - 1, ALERT_ERR_NOT_JSON, NULL},
    {"NUL at the end", BODY("") "\0", sizeof(BODY("")), ALERT_ERR_NOT_JSON, NULL},
    /* Not UTF-8. */
    {"byte ff", "{\"a\":\"\xff\"}", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"overlong slash", "{\"a\":\"\xc0\xaf\"}", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"overlong 3-byte", "{\"a\":\"\xe0\x80\xaf\"}", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"surrogate", "{\"a\":\"\xed\xa0\x80\"}", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"above U+10FFFF", "{\"a\":\"\xf4\x90\x80\x80\"}", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"lone continuation", "{\"a\":\"\x80\"}", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"cut multibyte", "{\"a\":\"\xe2\x82\"}", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"cut at the end", "{\"a\":1}\xe2\x82", 0, ALERT_ERR_BAD_UTF8, NULL},
    {"bad key", "{\"\xfe\":1}", 0, ALERT_ERR_BAD_UTF8, NULL},
    /* Valid JSON, not an object. */
    {"array", "[" BODY("") "]", 0, ALERT_ERR_NOT_OBJECT, NULL},
    {"string", "\"{}\"", 0, ALERT_ERR_NOT_OBJECT, NULL},
    {"number", "42", 0, ALERT_ERR_NOT_OBJECT, NULL},
    {"float", " 0.1 ", 0, ALERT_ERR_NOT_OBJECT, NULL},
    {"null", "null", 0, ALERT_ERR_NOT_OBJECT, NULL},
    {"true", "true", 0, ALERT_ERR_NOT_OBJECT, NULL},
    /* Required fields: absent, empty, null or not a string; the secret is still read. */
    {"no fields", "{}", 0, ALERT_ERR_MISSING_FIELD, NULL},
    {"only secret", "{" SECRET "\"x\":1}", 0, ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"no alertTypeId", "{" SECRET "\"networkId\":\"N_1\",\"organizationId\":\"42\"}", 0,
     ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"no networkId", "{" SECRET "\"alertTypeId\":\"x\",\"organizationId\":\"42\"}", 0,
     ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"no organizationId", "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"N_1\"}", 0,
     ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"empty alertTypeId",
     "{" SECRET "\"alertTypeId\":\"\",\"networkId\":\"N\","
     "\"organizationId\":\"1\"}",
     0, ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"empty networkId",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"\","
     "\"organizationId\":\"1\"}",
     0, ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"numeric organizationId",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"N\","
     "\"organizationId\":2930418}",
     0, ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"null networkId",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":null,"
     "\"organizationId\":\"1\"}",
     0, ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"array alertTypeId",
     "{" SECRET "\"alertTypeId\":[\"x\"],\"networkId\":\"N\","
     "\"organizationId\":\"1\"}",
     0, ALERT_ERR_MISSING_FIELD, "s3cret"},
    {"secret after the fields", "{\"alertTypeId\":\"x\",\"sharedSecret\":\"late\"}", 0,
     ALERT_ERR_MISSING_FIELD, "late"},
    {"numeric secret", "{\"sharedSecret\":1234}", 0, ALERT_ERR_MISSING_FIELD, NULL},
    {"secret with NUL", "{\"sharedSecret\":\"s3c\\u0000ret\"}", 0, ALERT_ERR_MISSING_FIELD, NULL},
    /* Fields of a type we cannot use, or too long. */
    {"networkId too long",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"" A128 "b\","
     "\"organizationId\":\"1\"}",
     0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"alertId too long", BODY(",\"alertId\":\"" A128 "1\""), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    /* IDs that could name another resource in an API path: malformed, the secret still read. */
    {"networkId ..",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"..\",\"organizationId\":\"1\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"networkId with a slash",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"L_1/../L_2\",\"organizationId\":\"1\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"networkId with a space",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"L 1\",\"organizationId\":\"1\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"networkId percent-escaped",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"L_1%2F\",\"organizationId\":\"1\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"networkId non-ASCII",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"L_\xc3\xa9\",\"organizationId\":\"1\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"networkId one over 64",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"" A64 "b\",\"organizationId\":\"1\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"organizationId ../..",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"N\",\"organizationId\":\"../..\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"organizationId with a query",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"N\",\"organizationId\":\"1?x=1\"}", 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"alertId empty", BODY(",\"alertId\":\"\""), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"alertId with a slash", BODY(",\"alertId\":\"a/b\""), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"NUL in networkId",
     "{" SECRET "\"alertTypeId\":\"x\",\"networkId\":\"N\\u0000X\","
     "\"organizationId\":\"1\"}",
     0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"version true", BODY(",\"version\":true"), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"version object", BODY(",\"version\":{}"), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"networkName number", BODY(",\"networkName\":5"), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"alertId number", BODY(",\"alertId\":658651445547679670"), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"alertData string", BODY(",\"alertData\":\"x\""), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"alertData array", BODY(",\"alertData\":[]"), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"connectivity maybe", BODY(",\"alertData\":{\"connectivity\":\"maybe\"}"), 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"connectivity True", BODY(",\"alertData\":{\"connectivity\":\"True\"}"), 0,
     ALERT_ERR_BAD_FIELD, "s3cret"},
    {"connectivity number", BODY(",\"alertData\":{\"connectivity\":1}"), 0, ALERT_ERR_BAD_FIELD,
     "s3cret"},
    {"uplink object", BODY(",\"alertData\":{\"uplink\":{}}"), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
    {"uplink bool", BODY(",\"alertData\":{\"uplink\":false}"), 0, ALERT_ERR_BAD_FIELD, "s3cret"},
};

static void test_bad_bodies(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *c = &bad_cases[i];
        size_t len = c->len != 0 ? c->len : strlen(c->body);
        alert a;
        alert_err got = alert_parse(c->body, len, MAX_BODY, &a);

        if (got != c->want)
            fail_msg("%s: got %s, want %s", c->name, alert_strerror(got), alert_strerror(c->want));
        if (c->want_secret == NULL) {
            if (a.shared_secret != NULL)
                fail_msg("%s: unexpected secret", c->name);
        } else if (a.shared_secret == NULL || strcmp(a.shared_secret, c->want_secret) != 0) {
            fail_msg("%s: secret not kept", c->name);
        }
        /* Past the secret, a rejected body never looks like an accepted one. */
        if (c->want != ALERT_ERR_MISSING_FIELD && c->want != ALERT_ERR_BAD_FIELD)
            assert_null(a.alert_type_id);
        alert_clear(&a);
    }
}

typedef struct {
    const char *name;
    const char *body;
    const char *version;     /* NULL: absent */
    const char *uplink;      /* NULL: absent */
    alert_connectivity conn; /* expected */
} good_case;

static const good_case good_cases[] = {
    {"minimal", "{" IDS "}", NULL, NULL, ALERT_CONN_ABSENT},
    {"version string", BODY(",\"version\":\"0.1\""), "0.1", NULL, ALERT_CONN_ABSENT},
    {"version float", BODY(",\"version\":0.1"), "0.1", NULL, ALERT_CONN_ABSENT},
    {"version integer", BODY(",\"version\":1"), "1", NULL, ALERT_CONN_ABSENT},
    {"version null", BODY(",\"version\":null"), NULL, NULL, ALERT_CONN_ABSENT},
    {"uplink string", BODY(",\"alertData\":{\"uplink\":\"1\"}"), NULL, "1", ALERT_CONN_ABSENT},
    {"uplink number", BODY(",\"alertData\":{\"uplink\":0}"), NULL, "0", ALERT_CONN_ABSENT},
    {"connectivity true", BODY(",\"alertData\":{\"connectivity\":\"true\"}"), NULL, NULL,
     ALERT_CONN_TRUE},
    {"connectivity false", BODY(",\"alertData\":{\"connectivity\":\"false\"}"), NULL, NULL,
     ALERT_CONN_FALSE},
    {"connectivity bool", BODY(",\"alertData\":{\"connectivity\":false}"), NULL, NULL,
     ALERT_CONN_FALSE},
    {"connectivity null", BODY(",\"alertData\":{\"connectivity\":null}"), NULL, NULL,
     ALERT_CONN_ABSENT},
    {"alertData null", BODY(",\"alertData\":null"), NULL, NULL, ALERT_CONN_ABSENT},
    {"alertData empty", BODY(",\"alertData\":{}"), NULL, NULL, ALERT_CONN_ABSENT},
    {"unknown fields", BODY(",\"x\":[1,{\"y\":null}],\"z\":-1.5e3"), NULL, NULL, ALERT_CONN_ABSENT},
    {"null optionals", BODY(",\"networkName\":null,\"alertId\":null,\"deviceSerial\":null"), NULL,
     NULL, ALERT_CONN_ABSENT},
    {"whitespace around", " \r\n\t" BODY("") " \n", NULL, NULL, ALERT_CONN_ABSENT},
    {"UTF-8 names", BODY(",\"networkName\":\"Caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\""), NULL,
     NULL, ALERT_CONN_ABSENT},
    {"escaped names", BODY(",\"networkName\":\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\""), NULL, NULL,
     ALERT_CONN_ABSENT},
    /* IDs go into API paths: 1..64 of [A-Za-z0-9_-] (before the rule, 128 characters of
     * anything passed). */
    {"ID at the cap",
     "{\"alertTypeId\":\"x\",\"networkId\":\"" A64 "\","
     "\"organizationId\":\"1\"}",
     NULL, NULL, ALERT_CONN_ABSENT},
    {"IDs of every allowed character",
     "{\"alertTypeId\":\"x\",\"networkId\":\"L_646829496481105433\",\"organizationId\":"
     "\"aZ09-_\",\"alertId\":\"0000000000000000\"}",
     NULL, NULL, ALERT_CONN_ABSENT},
};

static void test_good_bodies(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]); i++) {
        const good_case *c = &good_cases[i];
        alert a;
        alert_err got = parse_str(c->body, &a);

        if (got != ALERT_OK)
            fail_msg("%s: got %s", c->name, alert_strerror(got));
        assert_non_null(a.alert_type_id);
        assert_non_null(a.network_id);
        assert_non_null(a.organization_id);
        if (c->version == NULL)
            assert_null(a.version);
        else
            assert_string_equal(a.version, c->version);
        if (c->uplink == NULL)
            assert_null(a.uplink);
        else
            assert_string_equal(a.uplink, c->uplink);
        if (a.connectivity != c->conn)
            fail_msg("%s: connectivity %d", c->name, (int)a.connectivity);
        alert_clear(&a);
    }
}

/* Escapes are decoded: the name reaches the caller as UTF-8. */
static void test_escapes_decoded(void **state)
{
    alert a;

    (void)state;
    assert_int_equal(parse_str(BODY(",\"networkName\":\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\""), &a),
                     ALERT_OK);
    assert_string_equal(a.network_name, "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80");
    assert_string_equal(a.shared_secret, "s3cret");
    alert_clear(&a);
}

typedef struct {
    const char *type_id;
    const char *const *types;
    size_t n;
    bool want;
} trigger_case;

static const char *const one_type[] = {"cellular_up"};
static const char *const with_null[] = {NULL, "failover_event"};

static const trigger_case trigger_cases[] = {
    {"failover_event", default_triggers, N_DEFAULT_TRIGGERS, true},
    {"cellular_down", default_triggers, N_DEFAULT_TRIGGERS, true},
    {"cellular_up", default_triggers, N_DEFAULT_TRIGGERS, false},
    {"failover_event_x", default_triggers, N_DEFAULT_TRIGGERS, false},
    {"Failover_event", default_triggers, N_DEFAULT_TRIGGERS, false},
    {"failover_event", NULL, 0, false},
    {"failover_event", default_triggers, 0, false},
    {"cellular_up", one_type, 1, true},
    {"failover_event", with_null, 2, true},
    {NULL, default_triggers, N_DEFAULT_TRIGGERS, false},
};

static void test_is_trigger(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(trigger_cases) / sizeof(trigger_cases[0]); i++) {
        const trigger_case *c = &trigger_cases[i];
        alert a;

        memset(&a, 0, sizeof(a));
        a.alert_type_id = (char *)c->type_id;
        if (alert_is_trigger(&a, c->types, c->n) != c->want)
            fail_msg("case %zu (%s)", i, c->type_id != NULL ? c->type_id : "NULL");
    }
    assert_false(alert_is_trigger(NULL, default_triggers, N_DEFAULT_TRIGGERS));
}

static void test_clear_and_strerror(void **state)
{
    alert a;

    (void)state;
    alert_clear(NULL);
    memset(&a, 0, sizeof(a));
    alert_clear(&a);
    alert_clear(&a);
    for (int e = ALERT_OK; e <= ALERT_ERR_NOMEM; e++) {
        assert_non_null(alert_strerror((alert_err)e));
        /* A code without its own case would fall through to the unknown message. */
        assert_string_not_equal(alert_strerror((alert_err)e), alert_strerror((alert_err)999));
        for (int f = ALERT_OK; f < e; f++)
            assert_string_not_equal(alert_strerror((alert_err)e), alert_strerror((alert_err)f));
    }
    assert_non_null(alert_strerror((alert_err)999));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meraki_examples),
        cmocka_unit_test(test_real_delivery),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_reused_tokener), /* what the listener does */
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_good_bodies),
        cmocka_unit_test(test_escapes_decoded),
        cmocka_unit_test(test_is_trigger),
        cmocka_unit_test(test_clear_and_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
