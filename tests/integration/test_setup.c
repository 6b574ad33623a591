/*
 * test_setup.c - `tagfailover setup` end to end against the fake Dashboard, with a real
 * `tagfailover serve` (plain HTTP on 127.0.0.1) as the receiver the fake's test deliveries
 * reach.
 *
 * Every test starts its own fakedash with the compressed scenario plus one network without a
 * pair tag (L_400), writes one configuration that both `serve` and `setup` use (same shared
 * secret), and removes everything at the end. The fake's request log is the evidence: what
 * was written, with which body, and that nothing outside the spec subset was asked for.
 * The pure helpers of setup.h are driven with plain JSON at the end.
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

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/fakedash.h"
#include "harness/world.h"
#include "tagfailover/config.h"
#include "tagfailover/setup.h"

#define SECRET "setup-Sh4red-secret"

static const char *const managed[] = {"L_100", "L_200", "L_300"};
static const char *const three[] = {"failoverEvent", "vpnConnectivityChange", "cellularUpDown"};

/* ---- small JSON helpers ---- */

static struct json_object *get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

static const char *str(struct json_object *o, const char *key)
{
    struct json_object *v = get(o, key);
    return v != NULL ? json_object_get_string(v) : "";
}

static struct json_object *alert_of(struct json_object *settings, const char *type)
{
    struct json_object *alerts = get(settings, "alerts");
    for (size_t i = 0; i < json_object_array_length(alerts); i++) {
        struct json_object *a = json_object_array_get_idx(alerts, i);
        if (strcmp(str(a, "type"), type) == 0)
            return a;
    }
    return NULL;
}

static int is_three(const char *type)
{
    for (size_t k = 0; k < 3; k++)
        if (strcmp(type, three[k]) == 0)
            return 1;
    return 0;
}

/* ---- the fixture ---- */

/* The compressed scenario with one more network, which carries no pair tag. */
static char *scenario_with_unmanaged(void)
{
    char path[HARNESS_PATH_MAX];
    snprintf(path, sizeof(path), "%s/tests/fakedash/scenarios/compressed.json",
             harness_env("TF_SOURCE_DIR"));
    struct json_object *sc = json_object_from_file(path), *org, *net, *tags, *up;
    if (sc == NULL)
        return NULL;
    org = json_object_array_get_idx(get(sc, "organizations"), 0);
    net = json_object_new_object();
    tags = json_object_new_array();
    up = json_object_new_object();
    json_object_array_add(tags, json_object_new_string("office"));
    json_object_array_add(tags, json_object_new_string("tagfailover_hold"));
    json_object_object_add(net, "id", json_object_new_string("L_400"));
    json_object_object_add(net, "name", json_object_new_string("Head office"));
    json_object_object_add(net, "tags", tags);
    json_object_object_add(net, "serial", json_object_new_string("Q2XX-AAAA-0004"));
    json_object_object_add(up, "wan1", json_object_new_string("active"));
    json_object_object_add(net, "uplinks", up);
    json_object_array_add(get(org, "networks"), net);
    char *text = strdup(json_object_to_json_string(sc));
    json_object_put(sc);
    return text;
}

/* Writes the configuration both `serve` and `setup` use: the listener in `mode` (plain or
 * off) with the test's shared secret, no admin listener, no reconcile while a test runs. */
static void write_conf(harness_world *f, const char *mode)
{
    char text[512];
    snprintf(text, sizeof(text),
             "[listener]\nmode = %s\nshared_secret = " SECRET "\n"
             "[admin]\nport = 0\n"
             "[failover]\nreconcile_interval_s = 3600\n",
             mode);
    assert_int_equal(harness_conf_write(f, text), 0);
}

static int fixture_setup(void **state)
{
    assert_int_equal(harness_world_setup(state), 0);
    harness_world *f = *state;
    char *text = scenario_with_unmanaged();
    assert_non_null(text);
    assert_int_equal(harness_world_open(f, text), 0);
    free(text);
    write_conf(f, "plain");
    return 0;
}

/* Starts `tagfailover serve` with the test's configuration and waits for its listener. */
static void start_serve(harness_world *f)
{
    static const char *const serve[] = {"serve", NULL};
    assert_int_equal(harness_daemon_start(f, serve, NULL), 0);
    assert_int_equal(harness_wait_port(f->port, 5000), 0);
}

/* Runs `tagfailover -c CONF setup ARGS...` (NULL-terminated) and returns its exit code; its
 * output is in f->last. */
static int run_setup(harness_world *f, ...)
{
    const char *args[16] = {"setup"};
    size_t n = 1;
    va_list ap;

    va_start(ap, f);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && n < 15;)
        args[n++] = a;
    va_end(ap);
    args[n] = NULL;
    int rc = harness_daemon_run(f, args, 60000);
    char *out = harness_read_file(f->last.stdout_path);
    printf("---- setup run %d: exit %d ----\n%s", f->runs, rc, out ? out : "");
    free(out);
    return rc;
}

/* The number of times `needle` appears in the last run's stdout. */
static int out_count(const harness_world *f, const char *needle)
{
    return harness_file_count(f->last.stdout_path, needle);
}

/* Calls the fake's API as a client would. Returns the status. */
static long api(harness_world *f, const char *method, const char *path, const char *body,
                struct json_object **answer)
{
    struct harness_response r;
    long status = harness_fakedash_api(&f->fd, method, path, body, &r);
    if (answer != NULL)
        *answer = harness_response_json(&r);
    harness_response_free(&r);
    return status;
}

/* GET /_control/webhooks: every server (with its secret), alert setting and test. */
static struct json_object *control_webhooks(harness_world *f)
{
    struct json_object *o = harness_control_json(&f->fd, "/_control/webhooks");
    assert_non_null(o);
    return o;
}

/* API requests in the fake's log that write (POST, PUT, DELETE). */
static int log_writes(harness_world *f)
{
    return harness_log_count(&f->fd, "POST", NULL) + harness_log_count(&f->fd, "PUT", NULL) +
           harness_log_count(&f->fd, "DELETE", NULL);
}

/* Requests whose path contains `part` (any method). */
static int log_count_containing(harness_world *f, const char *method, const char *part)
{
    struct json_object *log = harness_log(&f->fd);
    int n = 0;
    assert_non_null(log);
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i);
        if (json_object_get_boolean(get(e, "control")))
            continue;
        if ((method == NULL || strcmp(str(e, "method"), method) == 0) &&
            strstr(str(e, "path"), part) != NULL)
            n++;
    }
    json_object_put(log);
    return n;
}

/* The servers the fake holds for `net`. */
static size_t servers_of(struct json_object *wh, const char *net, struct json_object **first)
{
    struct json_object *servers = get(wh, "httpServers");
    size_t n = 0;
    for (size_t i = 0; i < json_object_array_length(servers); i++) {
        struct json_object *s = json_object_array_get_idx(servers, i);
        if (strcmp(str(s, "networkId"), net) == 0) {
            if (n == 0 && first != NULL)
                *first = s;
            n++;
        }
    }
    return n;
}

/* Asserts the file holds no copy of the shared secret. */
static void assert_no_secret(const char *path)
{
    assert_int_equal(harness_file_count(path, SECRET), 0);
}

/* ---- tests ---- */

/* --dry-run reads and plans; it writes nothing, and builds the URL when --url is absent. */
static void test_dry_run_writes_nothing(void **state)
{
    harness_world *f = *state;

    assert_int_equal(run_setup(f, "--dry-run", "--url", f->url, NULL), 0);
    assert_int_equal(out_count(f, "would create \"tagfailover\""), 3);
    assert_int_equal(out_count(f, "would enable and route to the server"), 9);
    assert_int_equal(out_count(f, "test delivery: would ask Meraki"), 3);
    assert_int_equal(out_count(f, "L_400"), 0);
    assert_int_equal(out_count(f, "1 without a pair tag"), 1);
    assert_no_secret(f->last.stdout_path);
    assert_no_secret(f->last.stderr_path);

    /* Without --url, the URL comes from this host's name and the [listener] port and path. */
    char want[128];
    snprintf(want, sizeof(want), ":%d/webhook (built from this host's name", f->port);
    assert_int_equal(run_setup(f, "--dry-run", NULL), 0);
    assert_int_equal(out_count(f, want), 1);
    assert_int_equal(out_count(f, "receiver URL: https://"), 1);

    /* With [listener] public_url, that is the URL; --url still overrides it. */
    assert_int_equal(harness_conf_write(f, "[listener]\nmode = plain\nshared_secret = " SECRET
                                           "\npublic_url = https://failover.example.net/hook\n"
                                           "[admin]\nport = 0\n"
                                           "[failover]\nreconcile_interval_s = 3600\n"),
                     0);
    assert_int_equal(run_setup(f, "--dry-run", NULL), 0);
    assert_int_equal(out_count(f, "receiver URL: https://failover.example.net/hook (from "
                                  "[listener] public_url"),
                     1);
    assert_int_equal(run_setup(f, "--dry-run", "--url", f->url, NULL), 0);
    assert_int_equal(out_count(f, "(from --url)"), 1);
    assert_int_equal(out_count(f, "failover.example.net"), 0);
    write_conf(f, "plain");

    assert_int_equal(log_writes(f), 0);
    assert_true(harness_log_count(&f->fd, "GET", "/api/v1/networks/L_100/") > 0);
    assert_int_equal(log_count_containing(f, NULL, "L_400"), 0);
    struct json_object *wh = control_webhooks(f);
    assert_int_equal(json_object_array_length(get(wh, "httpServers")), 0);
    assert_int_equal(json_object_array_length(get(wh, "webhookTests")), 0);
    json_object_put(wh);
}

/* Refusals: no usable URL, a bad URL, --url on another command; none reaches the API. */
static void test_refusals(void **state)
{
    harness_world *f = *state;

    assert_int_equal(run_setup(f, "--url", "ftp://127.0.0.1/x", NULL), 2);
    assert_int_equal(run_setup(f, "--url", "http://", NULL), 2);
    assert_int_equal(run_setup(f, "--url", NULL), 2);
    assert_int_equal(run_setup(f, "extra", NULL), 2);
    write_conf(f, "off");
    assert_int_equal(run_setup(f, NULL), 2);
    assert_int_equal(harness_file_count(f->last.stderr_path, "mode is off"), 1);
    assert_int_equal(run_setup(f, "--dry-run", NULL), 2);
    assert_int_equal(harness_log_count(&f->fd, NULL, NULL), 0);
    /* With mode off an explicit URL is fine (the receiver is elsewhere). */
    assert_int_equal(run_setup(f, "--dry-run", "--url", "https://tf.example.net/hook", NULL), 0);
    assert_int_equal(log_writes(f), 0);

    static const char *const status[] = {"status", "--url", "x", NULL};
    assert_int_equal(harness_daemon_run(f, status, 10000), 2);
}

/* A real run wires every managed network, keeps other settings, gets a test delivered to a
 * running serve; a second run changes nothing. */
static void test_wires_then_idempotent(void **state)
{
    harness_world *f = *state;
    struct json_object *before[3] = {0}, *o = NULL;
    char body[1024];

    /* Someone already configured alerts on L_100: e-mails, another alert, filters. */
    snprintf(body, sizeof(body),
             "{\"defaultDestinations\": {\"emails\": [\"noc@example.com\"], \"allAdmins\": true},"
             " \"alerts\": [{\"type\": \"settingsChanged\", \"enabled\": true,"
             " \"alertDestinations\": {\"emails\": [\"audit@example.com\"]}},"
             " {\"type\": \"failoverEvent\", \"enabled\": false,"
             " \"alertDestinations\": {\"emails\": [\"oncall@example.com\"], \"snmp\": true}},"
             " {\"type\": \"applianceDown\", \"enabled\": true, \"filters\": {\"timeout\": 10}}]}");
    assert_int_equal(api(f, "PUT", "/networks/L_100/alerts/settings", body, NULL), 200);
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof(path), "/networks/%s/alerts/settings", managed[i]);
        assert_int_equal(api(f, "GET", path, NULL, &before[i]), 200);
        assert_non_null(before[i]);
    }
    assert_int_equal(harness_log_clear(&f->fd), 0);
    start_serve(f);

    /* First run. */
    assert_int_equal(run_setup(f, "--url", f->url, NULL), 0);
    assert_int_equal(out_count(f, "http server: created \"tagfailover\""), 3);
    assert_int_equal(out_count(f, "enabled and routed to the server"), 9);
    assert_int_equal(out_count(f, " delivered\n"), 3);
    assert_int_equal(out_count(f, "summary: 3 of 3 managed networks wired, 3 test deliveries "
                                  "delivered, 0 failed"),
                     1);
    assert_no_secret(f->last.stdout_path);
    assert_no_secret(f->last.stderr_path);

    /* The requests: one server and one settings write per managed network, nothing deleted,
     * nothing at all for the network without a pair tag. */
    assert_int_equal(log_count_containing(f, "POST", "/webhooks/httpServers"), 3);
    assert_int_equal(log_count_containing(f, "PUT", "/alerts/settings"), 3);
    assert_int_equal(harness_log_count(&f->fd, "DELETE", NULL), 0);
    assert_int_equal(log_count_containing(f, NULL, "L_400"), 0);
    /* The test deliveries carry the URL and the secret (Meraki's default secret is ""). */
    {
        struct json_object *log = harness_log(&f->fd);
        int tests = 0;
        for (size_t i = 0; i < json_object_array_length(log); i++) {
            struct json_object *e = json_object_array_get_idx(log, i);
            if (strcmp(str(e, "method"), "POST") != 0 ||
                strstr(str(e, "path"), "/webhooks/webhookTests") == NULL)
                continue;
            struct json_object *b = json_tokener_parse(str(e, "body"));
            assert_non_null(b);
            assert_string_equal(str(b, "url"), f->url);
            assert_string_equal(str(b, "sharedSecret"), SECRET);
            json_object_put(b);
            tests++;
        }
        assert_int_equal(tests, 3);
        json_object_put(log);
    }

    /* The fake's state: one server per managed network, as asked. */
    struct json_object *wh = control_webhooks(f);
    assert_int_equal(json_object_array_length(get(wh, "httpServers")), 3);
    for (size_t i = 0; i < 3; i++) {
        struct json_object *s = NULL;
        assert_int_equal(servers_of(wh, managed[i], &s), 1);
        assert_string_equal(str(s, "name"), "tagfailover");
        assert_string_equal(str(s, "url"), f->url);
        assert_string_equal(str(s, "sharedSecret"), SECRET);
        assert_string_equal(str(get(s, "payloadTemplate"), "payloadTemplateId"), "wpt_00001");

        /* Exactly the three alerts changed: enabled, with the server added to what was
         * there; every other alert, the defaults and muting are as before. */
        struct json_object *after = get(get(wh, "alertSettings"), managed[i]);
        assert_non_null(after);
        assert_true(json_object_equal(get(after, "defaultDestinations"),
                                      get(before[i], "defaultDestinations")));
        assert_true(json_object_equal(get(after, "muting"), get(before[i], "muting")));
        struct json_object *alerts = get(after, "alerts");
        assert_int_equal(json_object_array_length(alerts),
                         json_object_array_length(get(before[i], "alerts")));
        for (size_t k = 0; k < json_object_array_length(alerts); k++) {
            struct json_object *a = json_object_array_get_idx(alerts, k);
            struct json_object *b = alert_of(before[i], str(a, "type"));
            assert_non_null(b);
            if (!is_three(str(a, "type"))) {
                assert_true(json_object_equal(a, b));
                continue;
            }
            assert_true(json_object_get_boolean(get(a, "enabled")));
            assert_true(json_object_equal(get(a, "filters"), get(b, "filters")));
            struct json_object *da = get(a, "alertDestinations"), *db = get(b, "alertDestinations");
            assert_true(json_object_equal(get(da, "emails"), get(db, "emails")));
            assert_true(json_object_equal(get(da, "allAdmins"), get(db, "allAdmins")));
            assert_true(json_object_equal(get(da, "snmp"), get(db, "snmp")));
            struct json_object *ids = get(da, "httpServerIds");
            size_t had = json_object_array_length(get(db, "httpServerIds"));
            assert_int_equal(json_object_array_length(ids), had + 1);
            assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, had)),
                                str(s, "id"));
        }
    }
    /* L_100's earlier choices survived. */
    struct json_object *l100 = get(get(wh, "alertSettings"), "L_100");
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(
            get(get(alert_of(l100, "failoverEvent"), "alertDestinations"), "emails"), 0)),
        "oncall@example.com");
    assert_true(json_object_get_boolean(get(alert_of(l100, "settingsChanged"), "enabled")));
    assert_null(get(get(wh, "alertSettings"), "L_400"));
    assert_int_equal(servers_of(wh, "L_400", NULL), 0);

    /* Each test was delivered to serve, which authenticated it (then ignored its type). */
    struct json_object *tests = get(wh, "webhookTests");
    assert_int_equal(json_object_array_length(tests), 3);
    for (size_t i = 0; i < 3; i++) {
        struct json_object *t = json_object_array_get_idx(tests, i);
        assert_string_equal(str(t, "status"), "delivered");
        assert_int_equal(json_object_get_int(get(t, "last_http_status")), 200);
    }
    assert_int_equal(harness_file_count(f->proc.stderr_path, "\"result\":\"ignored\""), 3);
    assert_int_equal(harness_file_count(f->proc.stderr_path, "\"result\":\"unauthorized\""), 0);
    for (size_t i = 0; i < 3; i++) {
        char needle[64];
        snprintf(needle, sizeof(needle), "\"network_id\":\"%s\"", managed[i]);
        assert_true(harness_file_count(f->proc.stderr_path, needle) >= 1);
    }

    /* Second run: nothing created, nothing routed again, the set-up unchanged. */
    assert_int_equal(harness_log_clear(&f->fd), 0);
    assert_int_equal(run_setup(f, "--url", f->url, NULL), 0);
    assert_int_equal(out_count(f, "http server: already set"), 3);
    assert_int_equal(out_count(f, ": already set\n"), 9);
    assert_int_equal(out_count(f, " delivered\n"), 3);
    assert_int_equal(log_count_containing(f, "POST", "/webhooks/httpServers"), 0);
    assert_int_equal(log_count_containing(f, "PUT", "/alerts/settings"), 0);
    assert_int_equal(harness_log_count(&f->fd, "DELETE", NULL), 0);
    /* The secret is re-sent (Meraki never shows it, so a rotated one must reach it), with the
     * spec's PUT body: no url, which cannot change. */
    {
        struct json_object *log = harness_log(&f->fd);
        int puts = 0;
        for (size_t i = 0; i < json_object_array_length(log); i++) {
            struct json_object *e = json_object_array_get_idx(log, i);
            if (strcmp(str(e, "method"), "PUT") != 0 ||
                strstr(str(e, "path"), "/webhooks/httpServers/") == NULL)
                continue;
            struct json_object *b = json_tokener_parse(str(e, "body"));
            assert_non_null(b);
            assert_string_equal(str(b, "name"), "tagfailover");
            assert_string_equal(str(b, "sharedSecret"), SECRET);
            assert_false(json_object_object_get_ex(b, "url", NULL));
            json_object_put(b);
            puts++;
        }
        assert_int_equal(puts, 3);
        json_object_put(log);
    }
    o = control_webhooks(f);
    assert_true(json_object_equal(get(o, "httpServers"), get(wh, "httpServers")));
    assert_true(json_object_equal(get(o, "alertSettings"), get(wh, "alertSettings")));
    assert_int_equal(json_object_array_length(get(o, "webhookTests")), 6);
    json_object_put(o);
    json_object_put(wh);
    for (size_t i = 0; i < 3; i++)
        json_object_put(before[i]);

    assert_int_equal(harness_daemon_stop(f), 0);
}

/* A server with the same URL is updated, never duplicated; a "tagfailover" server with
 * another URL cannot be moved, so a new one is made and the old one is left alone. */
static void test_existing_servers(void **state)
{
    harness_world *f = *state;
    struct json_object *s = NULL, *old = NULL;
    char body[1024], old_id[256];

    snprintf(body, sizeof(body),
             "{\"name\": \"noc receiver\", \"url\": \"%s\", \"sharedSecret\": \"stale\","
             " \"payloadTemplate\": {\"payloadTemplateId\": \"wpt_00002\"}}",
             f->url);
    assert_int_equal(api(f, "POST", "/networks/L_100/webhooks/httpServers", body, NULL), 201);
    assert_int_equal(api(f, "POST", "/networks/L_200/webhooks/httpServers",
                         "{\"name\": \"tagfailover\", \"url\": \"http://127.0.0.1:9/old\","
                         " \"sharedSecret\": \"old\"}",
                         &old),
                     201);
    snprintf(old_id, sizeof(old_id), "%s", str(old, "id"));
    json_object_put(old);
    snprintf(body, sizeof(body),
             "{\"alerts\": [{\"type\": \"failoverEvent\", \"enabled\": true,"
             " \"alertDestinations\": {\"httpServerIds\": [\"%s\"]}}]}",
             old_id);
    assert_int_equal(api(f, "PUT", "/networks/L_200/alerts/settings", body, NULL), 200);
    assert_int_equal(harness_log_clear(&f->fd), 0);
    start_serve(f);

    assert_int_equal(run_setup(f, "--url", f->url, NULL), 0);
    assert_int_equal(out_count(f, "http server: updated"), 1);
    assert_int_equal(out_count(f, "name \"noc receiver\" -> \"tagfailover\", payload template "
                                  "wpt_00002 -> wpt_00001"),
                     1);
    assert_int_equal(out_count(f, "note: server"), 1);
    assert_int_equal(out_count(f, "http server: created"), 2);
    assert_int_equal(
        harness_log_count(&f->fd, "POST", "/api/v1/networks/L_100/webhooks/httpServers"), 0);
    assert_int_equal(
        harness_log_count(&f->fd, "PUT", "/api/v1/networks/L_100/webhooks/httpServers/"), 1);
    assert_int_equal(
        harness_log_count(&f->fd, "POST", "/api/v1/networks/L_200/webhooks/httpServers"), 1);
    assert_int_equal(harness_log_count(&f->fd, "DELETE", NULL), 0);

    struct json_object *wh = control_webhooks(f);
    assert_int_equal(servers_of(wh, "L_100", &s), 1);
    assert_string_equal(str(s, "name"), "tagfailover");
    assert_string_equal(str(s, "sharedSecret"), SECRET);
    assert_string_equal(str(get(s, "payloadTemplate"), "payloadTemplateId"), "wpt_00001");
    assert_int_equal(servers_of(wh, "L_200", NULL), 2);
    struct json_object *servers = get(wh, "httpServers"), *fresh = NULL;
    for (size_t i = 0; i < json_object_array_length(servers); i++) {
        struct json_object *x = json_object_array_get_idx(servers, i);
        if (strcmp(str(x, "networkId"), "L_200") != 0)
            continue;
        if (strcmp(str(x, "id"), old_id) == 0) {
            assert_string_equal(str(x, "url"), "http://127.0.0.1:9/old");
            assert_string_equal(str(x, "sharedSecret"), "old");
        } else {
            fresh = x;
        }
    }
    assert_non_null(fresh);
    assert_string_equal(str(fresh, "url"), f->url);
    /* The old server keeps its route; the new one is added beside it. */
    struct json_object *ids = get(
        get(alert_of(get(get(wh, "alertSettings"), "L_200"), "failoverEvent"), "alertDestinations"),
        "httpServerIds");
    assert_int_equal(json_object_array_length(ids), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 0)), old_id);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 1)),
                        str(fresh, "id"));
    json_object_put(wh);

    assert_int_equal(harness_daemon_stop(f), 0);
}

/* Failures carry the API's message and make the exit code 1; the other networks still go. */
static void test_failures_reported(void **state)
{
    harness_world *f = *state;
    char body[256];

    /* L_200 already has Meraki's maximum of servers, so creating one more is refused. */
    for (int i = 0; i < 10; i++) {
        snprintf(body, sizeof(body), "{\"name\": \"other %d\", \"url\": \"https://h%d.example\"}",
                 i, i);
        assert_int_equal(api(f, "POST", "/networks/L_200/webhooks/httpServers", body, NULL), 201);
    }
    assert_int_equal(harness_log_clear(&f->fd), 0);
    /* No serve: nothing listens at the URL, so the test deliveries are abandoned. */
    assert_int_equal(run_setup(f, "--url", f->url, NULL), 1);
    assert_int_equal(out_count(f, "http server: FAILED: POST /networks/L_200/webhooks/httpServers: "
                                  "HTTP 400: Too many HTTP servers for this network"),
                     1);
    assert_int_equal(out_count(f, " abandoned: Meraki could not deliver"), 2);
    assert_int_equal(out_count(f, "summary: 2 of 3 managed networks wired, 0 test deliveries "
                                  "delivered, 3 failed"),
                     1);
    assert_int_equal(harness_file_count(f->last.stderr_path, "setup: 3 networks failed"), 1);
    assert_int_equal(harness_log_count(&f->fd, NULL, "/api/v1/networks/L_200/alerts"), 0);
    assert_int_equal(
        harness_log_count(&f->fd, "POST", "/api/v1/networks/L_200/webhooks/webhookTests"), 0);
    assert_no_secret(f->last.stdout_path);
    assert_no_secret(f->last.stderr_path);
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing, fixture_setup,
                                        harness_world_teardown),
        cmocka_unit_test_setup_teardown(test_refusals, fixture_setup, harness_world_teardown),
        cmocka_unit_test_setup_teardown(test_wires_then_idempotent, fixture_setup,
                                        harness_world_teardown),
        cmocka_unit_test_setup_teardown(test_existing_servers, fixture_setup,
                                        harness_world_teardown),
        cmocka_unit_test_setup_teardown(test_failures_reported, fixture_setup,
                                        harness_world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
