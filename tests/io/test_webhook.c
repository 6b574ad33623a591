/*
 * test_webhook.c - the webhook pipeline without a socket: results and their codes, address
 * parsing, X-Forwarded-For resolution, the head checks and their order, Bearer parsing, the
 * duplicate table (with time as a number), and the body checks against a fake engine, including
 * all 51 of Meraki's example payloads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tagfailover/config.h"
#include "tagfailover/engine.h"
#include "tagfailover/webhook.h"

/* ---- fixtures ---- */

static const char base_conf[] = "[dashboard]\n"
                                "api_key = testkey0123456789\n"
                                "organization_ids = 2930418, 111\n"
                                "[listener]\n"
                                "mode = plain\n"
                                "shared_secret = secret\n"
                                "trusted_proxies = 127.0.0.1, 10.0.0.0/8, 2001:db8:1::/48\n"
                                "allowed_sources = 203.0.113.0/24, 127.0.0.1, 2001:db8:2::/48\n"
                                "max_body_bytes = 4096\n";

static const char open_conf[] = "[dashboard]\n"
                                "api_key = testkey0123456789\n"
                                "[listener]\n"
                                "mode = plain\n"
                                "shared_secret = secret\n";

static void load_conf(const char *text, config *c)
{
    char err[2048] = "";
    config_err rc = config_parse(text, strlen(text), "test.conf", NULL, NULL, c, err, sizeof(err));
    if (rc != CONFIG_OK)
        fail_msg("config: %s", err);
}

static webhook_addr addr(const char *s)
{
    webhook_addr a;
    if (!webhook_addr_parse(s, strlen(s), &a))
        fail_msg("bad test address %s", s);
    return a;
}

static void assert_addr(const webhook_addr *a, const char *want)
{
    char buf[64];
    webhook_addr_format(a, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

/* A fake engine: answers relevance from a table, takes up to `room` alerts. */
typedef struct {
    alert_relevance answer;
    int room;
    int submitted;
    alert_event last;
    char last_org[TF_ID_MAX_LEN + 1];
} fake_engine;

static alert_relevance fake_relevance(void *ctx, const char *org_id, const char *net_id)
{
    fake_engine *f = ctx;
    (void)net_id;
    snprintf(f->last_org, sizeof(f->last_org), "%s", org_id);
    return f->answer;
}

static alert_submit fake_submit(void *ctx, const alert_event *a)
{
    fake_engine *f = ctx;
    if (f->room <= 0)
        return ALERT_FULL;
    f->room--;
    f->submitted++;
    f->last = *a;
    return ALERT_QUEUED;
}

/* ---- results ---- */

static void test_result_table(void **state)
{
    static const struct {
        webhook_result r;
        unsigned code;
        const char *name;
        int metric; /* -1: not counted */
    } cases[] = {
        {WEBHOOK_ACCEPTED, 202, "accepted", METRICS_WEBHOOK_ACCEPTED},
        {WEBHOOK_IGNORED, 200, "ignored", METRICS_WEBHOOK_IGNORED},
        {WEBHOOK_DUPLICATE, 200, "duplicate", METRICS_WEBHOOK_DUPLICATE},
        {WEBHOOK_UNAUTHORIZED, 401, "unauthorized", METRICS_WEBHOOK_UNAUTHORIZED},
        {WEBHOOK_FORBIDDEN, 403, "forbidden", METRICS_WEBHOOK_FORBIDDEN},
        {WEBHOOK_MALFORMED, 400, "malformed", METRICS_WEBHOOK_MALFORMED},
        {WEBHOOK_TOO_LARGE, 413, "too_large", METRICS_WEBHOOK_TOO_LARGE},
        {WEBHOOK_OVERLOADED, 503, "overloaded", METRICS_WEBHOOK_OVERLOADED},
        {WEBHOOK_NOT_FOUND, 404, "not_found", -1},
        {WEBHOOK_METHOD_NOT_ALLOWED, 405, "method_not_allowed", -1},
        {WEBHOOK_CONTINUE, 0, "continue", -1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        metrics_webhook_result m = METRICS_WEBHOOK_RESULT_COUNT;
        assert_int_equal(webhook_status_code(cases[i].r), cases[i].code);
        assert_string_equal(webhook_result_name(cases[i].r), cases[i].name);
        assert_int_equal(webhook_result_metric(cases[i].r, &m), cases[i].metric >= 0);
        if (cases[i].metric >= 0)
            assert_int_equal(m, cases[i].metric);
    }
}

/* ---- addresses ---- */

static void test_addr_parse(void **state)
{
    static const struct {
        const char *in;
        const char *want; /* NULL: refused */
    } cases[] = {
        {"192.0.2.1", "192.0.2.1"},
        {"  192.0.2.1\t", "192.0.2.1"},
        {"192.0.2.1:8443", "192.0.2.1"},
        {"2001:db8::1", "2001:db8::1"},
        {"[2001:db8::1]", "2001:db8::1"},
        {"[2001:db8::1]:443", "2001:db8::1"},
        {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
        {"", NULL},
        {"   ", NULL},
        {"unknown", NULL},
        {"192.0.2", NULL},
        {"192.0.2.256", NULL},
        {"192.0.2.1:", NULL},
        {"192.0.2.1:80x", NULL},
        {"[2001:db8::1", NULL},
        {"[2001:db8::1]x", NULL},
        {"[192.0.2.1]", NULL},
        {"2001:db8::1::2", NULL},
        {"_hidden", NULL},
        {"0123456789012345678901234567890123456789012345678901234567890123456789", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        webhook_addr a;
        bool ok = webhook_addr_parse(cases[i].in, strlen(cases[i].in), &a);
        if (cases[i].want == NULL) {
            if (ok)
                fail_msg("'%s' should be refused", cases[i].in);
            assert_int_equal(a.family, 0);
            continue;
        }
        if (!ok)
            fail_msg("'%s' should parse", cases[i].in);
        assert_addr(&a, cases[i].want);
    }
    /* Only `len` bytes count. */
    webhook_addr a;
    assert_true(webhook_addr_parse("10.1.2.3, 9.9.9.9", 8, &a));
    assert_addr(&a, "10.1.2.3");
    webhook_addr unknown = {0};
    assert_addr(&unknown, "unknown");
}

static void test_resolve_client(void **state)
{
    config c;
    char many[TF_XFF_MAX_ENTRIES * 12 + 16] = "";
    char longest[TF_XFF_MAX_LEN + 64];
    static const struct {
        const char *peer;
        const char *xff;
        const char *want;
    } cases[] = {
        /* No header, or an untrusted peer: the peer. */
        {"198.51.100.7", NULL, "198.51.100.7"},
        {"198.51.100.7", "203.0.113.9", "198.51.100.7"},
        {"127.0.0.1", NULL, "127.0.0.1"},
        /* A trusted peer: the rightmost address that is not a trusted proxy. */
        {"127.0.0.1", "203.0.113.9", "203.0.113.9"},
        {"127.0.0.1", "1.2.3.4, 203.0.113.9", "203.0.113.9"},
        {"127.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.5", "203.0.113.9"},
        {"127.0.0.1", "1.2.3.4,203.0.113.9,10.0.0.5,10.9.9.9", "203.0.113.9"},
        {"10.3.3.3", "203.0.113.9:5555", "203.0.113.9"},
        {"2001:db8:1::10", "2001:db8:2::5", "2001:db8:2::5"},
        {"2001:db8:1::10", "[2001:db8:2::5]:443, 2001:db8:1::1", "2001:db8:2::5"},
        /* A forged leftmost entry does not matter while a real client is to its right. */
        {"127.0.0.1", "garbage, 203.0.113.9", "203.0.113.9"},
        /* All trusted: the leftmost. */
        {"127.0.0.1", "10.1.1.1, 10.2.2.2", "10.1.1.1"},
        {"127.0.0.1", "127.0.0.1", "127.0.0.1"},
        /* What cannot be read makes the client unknown. */
        {"127.0.0.1", "garbage", "unknown"},
        {"127.0.0.1", "203.0.113.9, garbage", "unknown"},
        {"127.0.0.1", "", "unknown"},
        {"127.0.0.1", "203.0.113.9,,10.0.0.1", "unknown"},
    };
    (void)state;
    load_conf(base_conf, &c);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        webhook_addr peer = addr(cases[i].peer);
        webhook_addr got = webhook_resolve_client(&peer, cases[i].xff, &c.trusted_proxies);
        char buf[64];
        webhook_addr_format(&got, buf, sizeof(buf));
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("peer %s xff '%s': got %s, want %s", cases[i].peer,
                     cases[i].xff ? cases[i].xff : "(none)", buf, cases[i].want);
    }

    /* TF_XFF_MAX_ENTRIES entries are walked; one more is refused. */
    webhook_addr peer = addr("127.0.0.1");
    for (int i = 0; i < TF_XFF_MAX_ENTRIES; i++)
        strcat(many, i == 0 ? "10.0.0.1" : ",10.0.0.1");
    webhook_addr got = webhook_resolve_client(&peer, many, &c.trusted_proxies);
    assert_addr(&got, "10.0.0.1");
    strcat(many, ",10.0.0.1");
    got = webhook_resolve_client(&peer, many, &c.trusted_proxies);
    assert_addr(&got, "unknown");

    /* Longer than TF_XFF_MAX_LEN: refused even if it would parse. */
    memset(longest, ' ', sizeof(longest));
    memcpy(longest + sizeof(longest) - 16, "203.0.113.9", 12);
    got = webhook_resolve_client(&peer, longest, &c.trusted_proxies);
    assert_addr(&got, "unknown");
    config_free(&c);
}

/* ---- head checks ---- */

static void test_check_head(void **state)
{
    config c;
    static const struct {
        const char *path;
        const char *method;
        const char *peer;
        const char *xff;
        long long content_length;
        webhook_result want;
        const char *client;
    } cases[] = {
        {"/webhook", "POST", "203.0.113.1", NULL, 100, WEBHOOK_CONTINUE, "203.0.113.1"},
        {"/webhook", "POST", "203.0.113.1", NULL, -1, WEBHOOK_CONTINUE, "203.0.113.1"},
        {"/webhook", "POST", "203.0.113.1", NULL, 4096, WEBHOOK_CONTINUE, "203.0.113.1"},
        {"/webhook", "POST", "203.0.113.1", NULL, 4097, WEBHOOK_TOO_LARGE, "203.0.113.1"},
        {"/webhook", "POST", "203.0.113.1", NULL, 1LL << 40, WEBHOOK_TOO_LARGE, "203.0.113.1"},
        /* path first, then method, then source, then size */
        {"/other", "GET", "198.51.100.1", NULL, 1 << 20, WEBHOOK_NOT_FOUND, "198.51.100.1"},
        {"/webhook/", "POST", "203.0.113.1", NULL, 10, WEBHOOK_NOT_FOUND, "203.0.113.1"},
        {"/Webhook", "POST", "203.0.113.1", NULL, 10, WEBHOOK_NOT_FOUND, "203.0.113.1"},
        {"/webhook", "GET", "198.51.100.1", NULL, 1 << 20, WEBHOOK_METHOD_NOT_ALLOWED,
         "198.51.100.1"},
        {"/webhook", "PUT", "203.0.113.1", NULL, 10, WEBHOOK_METHOD_NOT_ALLOWED, "203.0.113.1"},
        {"/webhook", "post", "203.0.113.1", NULL, 10, WEBHOOK_METHOD_NOT_ALLOWED, "203.0.113.1"},
        {"/webhook", "POST", "198.51.100.1", NULL, 1 << 20, WEBHOOK_FORBIDDEN, "198.51.100.1"},
        /* X-Forwarded-For believed from a trusted proxy only */
        {"/webhook", "POST", "127.0.0.1", "203.0.113.50", 10, WEBHOOK_CONTINUE, "203.0.113.50"},
        {"/webhook", "POST", "127.0.0.1", "198.51.100.1", 10, WEBHOOK_FORBIDDEN, "198.51.100.1"},
        {"/webhook", "POST", "198.51.100.1", "203.0.113.50", 10, WEBHOOK_FORBIDDEN, "198.51.100.1"},
        {"/webhook", "POST", "127.0.0.1", "garbage", 10, WEBHOOK_FORBIDDEN, "unknown"},
        {"/webhook", "POST", "10.0.0.9", "10.0.0.8", 10, WEBHOOK_FORBIDDEN, "10.0.0.8"},
        {"/webhook", "POST", "2001:db8:1::1", "2001:db8:2::7", 10, WEBHOOK_CONTINUE,
         "2001:db8:2::7"},
        {NULL, "POST", "203.0.113.1", NULL, 10, WEBHOOK_NOT_FOUND, "203.0.113.1"},
    };
    (void)state;
    load_conf(base_conf, &c);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        webhook_head h = {.path = cases[i].path,
                          .method = cases[i].method,
                          .peer = addr(cases[i].peer),
                          .xff = cases[i].xff,
                          .content_length = cases[i].content_length};
        webhook_addr client;
        webhook_result r = webhook_check_head(&c, &h, &client);
        if (r != cases[i].want)
            fail_msg("case %zu (%s %s from %s): got %s, want %s", i, cases[i].method,
                     cases[i].path ? cases[i].path : "(null)", cases[i].peer,
                     webhook_result_name(r), webhook_result_name(cases[i].want));
        assert_addr(&client, cases[i].client);
    }
    config_free(&c);

    /* No allowed_sources: any source, even an unknown one. */
    load_conf(open_conf, &c);
    webhook_head h = {.path = "/webhook",
                      .method = "POST",
                      .peer = addr("198.51.100.1"),
                      .content_length = 65536};
    webhook_addr client;
    assert_int_equal(webhook_check_head(&c, &h, &client), WEBHOOK_CONTINUE);
    h.content_length = 65537;
    assert_int_equal(webhook_check_head(&c, &h, &client), WEBHOOK_TOO_LARGE);
    config_free(&c);
}

static void test_bearer(void **state)
{
    static const struct {
        const char *in;
        const char *want; /* NULL: not a bearer credential */
    } cases[] = {
        {"Bearer secret", "secret"},
        {"bearer secret", "secret"},
        {"BEARER   secret  ", "secret"},
        {"Bearer\tsecret", "secret"},
        {"Bearer a b", "a b"},
        {"Bearer", NULL},
        {"Bearer ", NULL},
        {"Bearersecret", NULL},
        {"Basic c2VjcmV0", NULL},
        {"secret", NULL},
        {"", NULL},
        {NULL, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *tok = NULL;
        size_t len = 0;
        bool ok = webhook_bearer_token(cases[i].in, &tok, &len);
        assert_int_equal(ok, cases[i].want != NULL);
        if (ok) {
            assert_int_equal(len, strlen(cases[i].want));
            assert_memory_equal(tok, cases[i].want, len);
        }
    }
}

/* ---- the duplicate table ---- */

static alert make_alert(const char *org, const char *net, const char *type, const char *id,
                        const char *at)
{
    alert a;
    memset(&a, 0, sizeof(a));
    a.organization_id = (char *)org;
    a.network_id = (char *)net;
    a.alert_type_id = (char *)type;
    a.alert_id = (char *)id;
    a.occurred_at = (char *)at;
    return a;
}

static void test_dedup_key(void **state)
{
    webhook_dedup *d = webhook_dedup_new(64, 1000);
    webhook_dedup *other = webhook_dedup_new(64, 1000);
    (void)state;
    assert_non_null(d);
    alert base = make_alert("o", "n", "t", "0000000000000000", "2018-02-11T00:00:00Z");
    uint64_t k = webhook_dedup_key(d, &base);
    assert_int_not_equal(k, 0);
    assert_int_equal(webhook_dedup_key(d, &base), k);
    /* Every field is part of the key. */
    alert v[] = {
        make_alert("o2", "n", "t", "0000000000000000", "2018-02-11T00:00:00Z"),
        make_alert("o", "n2", "t", "0000000000000000", "2018-02-11T00:00:00Z"),
        make_alert("o", "n", "t2", "0000000000000000", "2018-02-11T00:00:00Z"),
        make_alert("o", "n", "t", "0000000000000001", "2018-02-11T00:00:00Z"),
        make_alert("o", "n", "t", "0000000000000000", "2018-02-11T00:00:01Z"),
        make_alert("o", "n", "t", NULL, "2018-02-11T00:00:00Z"),
        make_alert("o", "n", "t", "", "2018-02-11T00:00:00Z"),
        /* field boundaries cannot be shifted */
        make_alert("on", "", "t", "0000000000000000", "2018-02-11T00:00:00Z"),
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
            if (i != j)
                assert_int_not_equal(webhook_dedup_key(d, &v[i]), webhook_dedup_key(d, &v[j]));
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_int_not_equal(webhook_dedup_key(d, &v[i]), k);
    /* The hash is keyed: another table gives another key. */
    assert_int_not_equal(webhook_dedup_key(other, &base), k);
    webhook_dedup_free(d);
    webhook_dedup_free(other);
}

static void test_dedup_window(void **state)
{
    webhook_dedup *d = webhook_dedup_new(64, 3600000);
    (void)state;
    assert_non_null(d);
    /* now_ms 0 is a valid time */
    assert_false(webhook_dedup_check(d, 42, 0));
    assert_true(webhook_dedup_check(d, 42, 1));
    assert_true(webhook_dedup_check(d, 42, 3599999));
    /* exactly one hour later it is new again, and remembered from then */
    assert_false(webhook_dedup_check(d, 42, 3600000));
    assert_true(webhook_dedup_check(d, 42, 3600001));
    assert_true(webhook_dedup_check(d, 42, 7199999));
    assert_false(webhook_dedup_check(d, 42, 7200000));
    /* forget: the next one is new */
    webhook_dedup_forget(d, 42);
    assert_false(webhook_dedup_check(d, 42, 7200001));
    assert_true(webhook_dedup_check(d, 42, 7200002));
    /* other keys are independent */
    assert_false(webhook_dedup_check(d, 43, 7200002));
    webhook_dedup_forget(d, 999); /* unknown: no-op */
    assert_true(webhook_dedup_check(d, 43, 7200003));
    webhook_dedup_free(d);
    webhook_dedup_free(NULL);
}

static void test_dedup_bounded(void **state)
{
    /* The smallest table: 8 slots, one probe window. Keys 1..8 fill it. */
    webhook_dedup *d = webhook_dedup_new(1, 1000000);
    (void)state;
    assert_non_null(d);
    for (uint64_t k = 1; k <= 8; k++)
        assert_false(webhook_dedup_check(d, k, 100 + k));
    for (uint64_t k = 1; k <= 8; k++)
        assert_true(webhook_dedup_check(d, k, 200));
    /* A ninth key evicts the oldest (key 1, seen at 101), nothing else. */
    assert_false(webhook_dedup_check(d, 9, 300));
    assert_true(webhook_dedup_check(d, 9, 301));
    for (uint64_t k = 2; k <= 8; k++)
        assert_true(webhook_dedup_check(d, k, 302));
    assert_false(webhook_dedup_check(d, 1, 303)); /* forgotten by eviction; now evicts key 2 */
    assert_false(webhook_dedup_check(d, 2, 304));
    webhook_dedup_free(d);

    /* An expired entry is reused before any live one is evicted. */
    d = webhook_dedup_new(8, 1000);
    for (uint64_t k = 1; k <= 7; k++)
        assert_false(webhook_dedup_check(d, k, 0));
    assert_false(webhook_dedup_check(d, 8, 500));
    /* at 1200, keys 1..7 have expired and key 8 is live */
    assert_false(webhook_dedup_check(d, 100, 1200));
    assert_true(webhook_dedup_check(d, 8, 1201));
    assert_true(webhook_dedup_check(d, 100, 1202));

    /* A flood of distinct keys fills a fixed table; eviction takes the oldest, so the most
     * recent deliveries are still recognised afterwards. */
    webhook_dedup_free(d);
    d = webhook_dedup_new(1024, 3600000);
    for (uint64_t k = 1; k <= 100000; k++)
        (void)webhook_dedup_check(d, k * 0x9E3779B97F4A7C15ull, k);
    /* The last few are all still remembered. */
    for (uint64_t k = 99990; k <= 100000; k++)
        assert_true(webhook_dedup_check(d, k * 0x9E3779B97F4A7C15ull, 100001));
    webhook_dedup_free(d);
}

/* ---- body checks ---- */

typedef struct {
    config cfg;
    fake_engine fake;
    webhook *w;
} body_fixture;

static int body_setup(void **state)
{
    body_fixture *f = calloc(1, sizeof(*f));
    load_conf(base_conf, &f->cfg);
    f->fake.answer = ALERT_RELEVANT;
    f->fake.room = 1000;
    webhook_sink sink = {fake_relevance, fake_submit, &f->fake};
    f->w = webhook_new(&f->cfg, &sink);
    assert_non_null(f->w);
    *state = f;
    return 0;
}

static int body_teardown(void **state)
{
    body_fixture *f = *state;
    webhook_free(f->w);
    config_free(&f->cfg);
    free(f);
    return 0;
}

/* Runs the body checks on `json` with the headers given. */
static webhook_result run_body(body_fixture *f, const char *json, const char *xsecret,
                               const char *authz, uint64_t now, webhook_summary *s)
{
    webhook_summary tmp;
    webhook_body b = {.data = json,
                      .len = strlen(json),
                      .x_shared_secret = xsecret,
                      .authorization = authz,
                      .now_ms = now};
    return webhook_check_body(f->w, &b, s != NULL ? s : &tmp);
}

#define FAILOVER(secret, id)                                                                       \
    "{\"version\":\"0.1\",\"sharedSecret\":\"" secret "\",\"organizationId\":\"2930418\","         \
    "\"networkId\":\"N_1\",\"alertId\":\"" id "\",\"alertTypeId\":\"failover_event\","             \
    "\"occurredAt\":\"2026-05-29T12:41:43.969000Z\",\"alertData\":{\"uplink\":\"0\"}}"

#define NOSECRET(id)                                                                               \
    "{\"version\":0.1,\"organizationId\":\"2930418\",\"networkId\":\"N_1\",\"alertId\":\"" id      \
    "\",\"alertTypeId\":\"failover_event\",\"occurredAt\":\"2026-05-29T12:41:43.969000Z\"}"

static void test_body_table(void **state)
{
    body_fixture *f = *state;
    static const struct {
        const char *name;
        const char *body;
        const char *xsecret;
        const char *authz;
        webhook_result want;
    } cases[] = {
        {"body secret", FAILOVER("secret", "1"), NULL, NULL, WEBHOOK_ACCEPTED},
        {"header secret", NOSECRET("2"), "secret", NULL, WEBHOOK_ACCEPTED},
        {"bearer secret", NOSECRET("3"), NULL, "Bearer secret", WEBHOOK_ACCEPTED},
        {"bearer lower case", NOSECRET("4"), NULL, "bearer secret", WEBHOOK_ACCEPTED},
        {"wrong body secret, right header", FAILOVER("wrong!", "5"), "secret", NULL,
         WEBHOOK_ACCEPTED},
        {"right body secret, wrong header", FAILOVER("secret", "6"), "nope", "Bearer nope",
         WEBHOOK_ACCEPTED},
        {"no secret at all", NOSECRET("7"), NULL, NULL, WEBHOOK_UNAUTHORIZED},
        {"same length wrong", FAILOVER("secreT", "8"), NULL, NULL, WEBHOOK_UNAUTHORIZED},
        {"longer wrong", FAILOVER("secret-and-more", "9"), NULL, NULL, WEBHOOK_UNAUTHORIZED},
        {"prefix", FAILOVER("secre", "10"), NULL, NULL, WEBHOOK_UNAUTHORIZED},
        {"empty", FAILOVER("", "11"), "", "Bearer ", WEBHOOK_UNAUTHORIZED},
        {"basic auth is not bearer", NOSECRET("12"), NULL, "Basic secret", WEBHOOK_UNAUTHORIZED},
        {"bare authorization", NOSECRET("13"), NULL, "secret", WEBHOOK_UNAUTHORIZED},
        {"case matters", NOSECRET("14"), "SECRET", "Bearer Secret", WEBHOOK_UNAUTHORIZED},
        /* authentication comes before shape */
        {"not JSON, no secret", "not json", NULL, NULL, WEBHOOK_UNAUTHORIZED},
        {"not JSON, header secret", "not json", "secret", NULL, WEBHOOK_MALFORMED},
        {"array, bearer", "[1,2]", NULL, "Bearer secret", WEBHOOK_MALFORMED},
        {"empty body, header", "", "secret", NULL, WEBHOOK_MALFORMED},
        {"secret inside an array is not a secret", "[{\"sharedSecret\":\"secret\"}]", NULL, NULL,
         WEBHOOK_UNAUTHORIZED},
        {"truncated JSON", "{\"sharedSecret\":\"secret\"", NULL, NULL, WEBHOOK_UNAUTHORIZED},
        {"missing fields, body secret", "{\"sharedSecret\":\"secret\"}", NULL, NULL,
         WEBHOOK_MALFORMED},
        {"missing networkId",
         "{\"sharedSecret\":\"secret\",\"organizationId\":\"1\","
         "\"alertTypeId\":\"failover_event\"}",
         NULL, NULL, WEBHOOK_MALFORMED},
        {"missing fields, wrong secret", "{\"sharedSecret\":\"nope\"}", NULL, NULL,
         WEBHOOK_UNAUTHORIZED},
        {"numeric networkId",
         "{\"sharedSecret\":\"secret\",\"organizationId\":\"1\","
         "\"networkId\":5,\"alertTypeId\":\"failover_event\"}",
         NULL, NULL, WEBHOOK_MALFORMED},
        /* relevance */
        {"not a trigger",
         "{\"sharedSecret\":\"secret\",\"organizationId\":\"2930418\","
         "\"networkId\":\"N_1\",\"alertTypeId\":\"motion_alert\"}",
         NULL, NULL, WEBHOOK_IGNORED},
        {"cellular_down triggers",
         "{\"sharedSecret\":\"secret\",\"organizationId\":\"2930418\","
         "\"networkId\":\"N_1\",\"alertTypeId\":\"cellular_down\"}",
         NULL, NULL, WEBHOOK_ACCEPTED},
        {"cellular_up does not",
         "{\"sharedSecret\":\"secret\",\"organizationId\":\"2930418\","
         "\"networkId\":\"N_1\",\"alertTypeId\":\"cellular_up\"}",
         NULL, NULL, WEBHOOK_IGNORED},
        {"the type text never decides",
         "{\"sharedSecret\":\"secret\",\"organizationId\":\"2930418\",\"networkId\":\"N_1\","
         "\"alertType\":\"failover_event\",\"alertTypeId\":\"vpn_connectivity_change\","
         "\"alertId\":\"x\"}",
         NULL, NULL, WEBHOOK_ACCEPTED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        webhook_summary s;
        webhook_result r = run_body(f, cases[i].body, cases[i].xsecret, cases[i].authz, 1000, &s);
        if (r != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].name, webhook_result_name(r),
                     webhook_result_name(cases[i].want));
        /* An unauthenticated request tells the log nothing from its body. */
        if (r == WEBHOOK_UNAUTHORIZED) {
            assert_string_equal(s.alert_type_id, "");
            assert_string_equal(s.network_id, "");
            assert_string_equal(s.alert_id, "");
        }
    }
}

static void test_body_queue(void **state)
{
    body_fixture *f = *state;
    webhook_summary s;

    assert_int_equal(run_body(f, FAILOVER("secret", "77"), NULL, NULL, 5, &s), WEBHOOK_ACCEPTED);
    assert_int_equal(f->fake.submitted, 1);
    assert_string_equal(f->fake.last.organization_id, "2930418");
    assert_string_equal(f->fake.last.network_id, "N_1");
    assert_string_equal(f->fake.last.alert_id, "77");
    assert_string_equal(f->fake.last.alert_type_id, "failover_event");
    assert_int_equal(f->fake.last.received_ms, 5);
    assert_string_equal(s.alert_type_id, "failover_event");
    assert_string_equal(s.network_id, "N_1");
    assert_string_equal(s.alert_id, "77");

    /* The same delivery again, through another secret carrier: a duplicate, not queued. */
    assert_int_equal(run_body(f, NOSECRET("77"), "secret", NULL, 6, NULL), WEBHOOK_DUPLICATE);
    assert_int_equal(f->fake.submitted, 1);

    /* Queue full: 503, and the retry is not a duplicate once there is room. */
    f->fake.room = 0;
    assert_int_equal(run_body(f, FAILOVER("secret", "78"), NULL, NULL, 7, NULL),
                     WEBHOOK_OVERLOADED);
    assert_int_equal(run_body(f, FAILOVER("secret", "78"), NULL, NULL, 8, NULL),
                     WEBHOOK_OVERLOADED);
    f->fake.room = 1;
    assert_int_equal(run_body(f, FAILOVER("secret", "78"), NULL, NULL, 9, NULL), WEBHOOK_ACCEPTED);
    assert_int_equal(run_body(f, FAILOVER("secret", "78"), NULL, NULL, 10, NULL),
                     WEBHOOK_DUPLICATE);

    /* The engine's relevance: org not configured, network unmanaged. Not queued. */
    f->fake.room = 10;
    f->fake.answer = ALERT_ORG_NOT_CONFIGURED;
    assert_int_equal(run_body(f, FAILOVER("secret", "79"), NULL, NULL, 11, NULL), WEBHOOK_IGNORED);
    assert_string_equal(f->fake.last_org, "2930418");
    f->fake.answer = ALERT_NETWORK_UNMANAGED;
    assert_int_equal(run_body(f, FAILOVER("secret", "80"), NULL, NULL, 12, NULL), WEBHOOK_IGNORED);
    assert_int_equal(f->fake.submitted, 2);
    /* An ignored delivery is remembered too: the duplicate check is for any type. */
    f->fake.answer = ALERT_RELEVANT;
    assert_int_equal(run_body(f, FAILOVER("secret", "80"), NULL, NULL, 13, NULL),
                     WEBHOOK_DUPLICATE);
    /* An hour later the same body is new. */
    assert_int_equal(
        run_body(f, FAILOVER("secret", "77"), NULL, NULL, 5 + WEBHOOK_DEDUP_TTL_MS, NULL),
        WEBHOOK_ACCEPTED);
}

/* The real engine's relevance: organization_ids decides; empty means every organization. */
static void test_engine_relevance(void **state)
{
    config c;
    (void)state;
    load_conf(base_conf, &c);
    engine *e = engine_new(&c);
    assert_non_null(e);
    assert_int_equal(engine_relevance(e, "2930418", "N_1"), ALERT_RELEVANT);
    assert_int_equal(engine_relevance(e, "111", "N_1"), ALERT_RELEVANT);
    assert_int_equal(engine_relevance(e, "999", "N_1"), ALERT_ORG_NOT_CONFIGURED);
    engine_free(e);
    config_free(&c);

    load_conf(open_conf, &c);
    e = engine_new(&c);
    assert_int_equal(engine_relevance(e, "999", "N_1"), ALERT_RELEVANT);
    /* The queue without a consumer: capacity, then refusal; stop refuses everything. */
    alert_event a = {.organization_id = "1", .network_id = "N"};
    size_t n = 0;
    while (engine_submit_alert(e, &a) == ALERT_QUEUED && n <= TF_ORG_QUEUE_CAPACITY)
        n++;
    assert_int_equal(n, TF_ORG_QUEUE_CAPACITY);
    assert_int_equal(engine_queue_length(e), TF_ORG_QUEUE_CAPACITY);
    char why[64];
    /* Not ready before any reconcile, with a reason (its words are the engine's). */
    assert_false(engine_ready(e, why, sizeof(why)));
    assert_true(strlen(why) > 0);
    char *st = engine_status_json(e);
    struct json_object *j = json_tokener_parse(st);
    assert_non_null(j);
    struct json_object *orgs;
    assert_true(json_object_object_get_ex(j, "organizations", &orgs));
    assert_true(json_object_is_type(orgs, json_type_array));
    json_object_put(j);
    free(st);
    engine_free(e);
    config_free(&c);
}

/* Every one of Meraki's 51 example payloads: triggers accepted, the rest ignored. */
static void test_meraki_examples(void **state)
{
    body_fixture *f = *state;
    struct json_object *all = json_object_from_file(TF_FIXTURES_DIR "/alertTypes.json");
    int accepted = 0, ignored = 0;

    assert_non_null(all);
    assert_int_equal(json_object_array_length(all), 51);
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        struct json_object *item = json_object_array_get_idx(all, i);
        struct json_object *ex, *type;
        assert_true(json_object_object_get_ex(item, "example", &ex));
        assert_true(json_object_object_get_ex(item, "alertTypeId", &type));
        const char *body = json_object_to_json_string_ext(ex, JSON_C_TO_STRING_PLAIN);
        const char *t = json_object_get_string(type);
        bool trigger = strcmp(t, "failover_event") == 0 ||
                       strcmp(t, "vpn_connectivity_change") == 0 || strcmp(t, "cellular_down") == 0;
        webhook_result r = run_body(f, body, NULL, NULL, 100, NULL);
        if (r != (trigger ? WEBHOOK_ACCEPTED : WEBHOOK_IGNORED))
            fail_msg("%s: got %s", t, webhook_result_name(r));
        accepted += r == WEBHOOK_ACCEPTED;
        ignored += r == WEBHOOK_IGNORED;
        /* Delivered again: a duplicate (the examples share alertId and occurredAt, so the
         * type is what keeps them apart). */
        assert_int_equal(run_body(f, body, NULL, NULL, 101, NULL), WEBHOOK_DUPLICATE);
    }
    assert_int_equal(accepted, 3);
    assert_int_equal(ignored, 48);
    json_object_put(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_table),
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_resolve_client),
        cmocka_unit_test(test_check_head),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_dedup_key),
        cmocka_unit_test(test_dedup_window),
        cmocka_unit_test(test_dedup_bounded),
        cmocka_unit_test_setup_teardown(test_body_table, body_setup, body_teardown),
        cmocka_unit_test_setup_teardown(test_body_queue, body_setup, body_teardown),
        cmocka_unit_test(test_engine_relevance),
        cmocka_unit_test_setup_teardown(test_meraki_examples, body_setup, body_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
