/*
 * test_dashboard.c - the Dashboard API client (src/io/dashboard*.c, src/io/ratelimit.c) against
 * the fake Dashboard (tests/fakedash) on 127.0.0.1.
 *
 * Every test starts its own fakedash with the scenario below and a fresh client, and ends by
 * checking that the fake saw no request outside the spec subset. What the client did is read
 * back from the fake's request log (arrival times, ports, Authorization presence), never from
 * the client's own account of it. The pure rules behind it (what follows an attempt, the host
 * rule, Link parsing, Retry-After) are tested without a server in tests/unit/test_api_rules.c.
 *
 * Waits are kept short: Retry-After values of 1-2 s, backoff at its real 1 s base except where
 * a test exhausts several retries (there the base is lowered and the test says so).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "harness/fakedash.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"
#include "tagfailover/metrics.h"
#include "tagfailover/ratelimit.h"

#define ORG1    "1001"
#define ORG2    "1002"
#define API_KEY "test-api-key"

/* Org 1001: L_100 (a managed pair and two other tags), L_101 (unmanaged) and 10 generated
 * networks L_2000..L_2009; org 1002: L_300. */
static const char scenario[] =
    "{\"organizations\": ["
    " {\"id\": \"" ORG1 "\", \"name\": \"Org One\","
    "  \"peers\": [{\"name\": \"london\", \"publicIp\": \"203.0.113.10\","
    "              \"networkTags\": [\"london_primary_up\"]}],"
    "  \"networks\": ["
    "   {\"id\": \"L_100\", \"name\": \"Branch 100\","
    "    \"tags\": [\"keep-me\", \"london_primary_up\", \"paris_backup_down\", \"zz\"]},"
    "   {\"id\": \"L_101\", \"name\": \"Branch 101\", \"tags\": [\"other\"]}],"
    "  \"generate\": {\"count\": 10, \"prefix\": \"L_200\", \"tags\": [\"gen\"]}},"
    " {\"id\": \"" ORG2 "\", \"name\": \"Org Two\","
    "  \"networks\": [{\"id\": \"L_300\", \"name\": \"Branch 300\", \"tags\": []}]}"
    "]}";

/* ---- fixture ------------------------------------------------------------------------------ */

struct fx {
    struct harness_fakedash fd;
    bool fake_up;
    dash_shared *s;
    dash_client *c;
};

/* Options every test starts from: the fake's URL and key, a fast bucket so pacing does not
 * slow tests that are not about pacing, real backoff. */
static dash_options base_options(const struct fx *f)
{
    dash_options o;

    memset(&o, 0, sizeof(o));
    o.base_url = f->fd.base_url;
    o.api_key = API_KEY;
    o.timeout_s = 5;
    o.max_retries = 3;
    o.requests_per_second = 1000;
    o.requests_burst = 100;
    o.requests_per_second_total = 1000;
    return o;
}

/* (Re)creates the shared state and the main thread's client with `o`. */
static void fx_client(struct fx *f, const dash_options *o)
{
    dash_client_free(f->c);
    dash_shared_free(f->s);
    f->c = NULL;
    f->s = NULL;
    assert_int_equal(dash_shared_new(o, &f->s), DASH_OK);
    assert_int_equal(dash_client_new(f->s, &f->c), DASH_OK);
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    dash_options o;

    if (f == NULL)
        return -1;
    if (harness_fakedash_start(NULL, &f->fd) != 0 ||
        harness_fakedash_scenario(&f->fd, scenario) != 0) {
        free(f);
        return -1;
    }
    f->fake_up = true;
    o = base_options(f);
    if (dash_shared_new(&o, &f->s) != DASH_OK || dash_client_new(f->s, &f->c) != DASH_OK)
        return -1;
    metrics_reset();
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    int unknown = 0;

    dash_client_free(f->c);
    dash_shared_free(f->s);
    if (f->fake_up)
        unknown = harness_fakedash_stop(&f->fd);
    free(f);
    /* Every request the client made is an operation of the spec subset (the harness prints
     * the unknown ones). */
    if (unknown != 0) {
        fprintf(stderr, "fakedash saw %d out-of-spec request(s) or did not stop cleanly\n",
                unknown);
        return -1;
    }
    return 0;
}

static void add_fault(struct fx *f, const char *json)
{
    assert_int_equal(harness_control(&f->fd, "POST", "/_control/fault", json, NULL), 200);
}

static void set_config(struct fx *f, const char *json)
{
    assert_int_equal(harness_control(&f->fd, "POST", "/_control/config", json, NULL), 200);
}

/* ---- reading the fake's log ---------------------------------------------------------------- */

/* One API request as the fake saw it. */
struct logged {
    double t;
    int port;
    char method[8];
    char path[256];
    char query[512];
    int status;
    bool authorization;
    char body[512];
};

/* Reads the API (non-control) entries of the fake's log, in arrival order. *out is freed by
 * the caller. */
static size_t read_log(struct fx *f, struct logged **out)
{
    struct json_object *log = harness_log(&f->fd), *e, *v;
    size_t n = 0, len;

    assert_non_null(log);
    len = json_object_array_length(log);
    *out = calloc(len + 1, sizeof(**out));
    assert_non_null(*out);
    for (size_t i = 0; i < len; i++) {
        struct logged *l = &(*out)[n];

        e = json_object_array_get_idx(log, i);
        if (json_object_object_get_ex(e, "control", &v) && json_object_get_boolean(v))
            continue;
        json_object_object_get_ex(e, "t", &v);
        l->t = json_object_get_double(v);
        json_object_object_get_ex(e, "port", &v);
        l->port = json_object_get_int(v);
        json_object_object_get_ex(e, "status", &v);
        l->status = json_object_get_int(v);
        json_object_object_get_ex(e, "authorization_present", &v);
        l->authorization = json_object_get_boolean(v);
        json_object_object_get_ex(e, "method", &v);
        snprintf(l->method, sizeof(l->method), "%s", json_object_get_string(v));
        json_object_object_get_ex(e, "path", &v);
        snprintf(l->path, sizeof(l->path), "%s", json_object_get_string(v));
        json_object_object_get_ex(e, "query", &v);
        snprintf(l->query, sizeof(l->query), "%s", v ? json_object_get_string(v) : "");
        if (json_object_object_get_ex(e, "body", &v) && v != NULL)
            snprintf(l->body, sizeof(l->body), "%s", json_object_get_string(v));
        n++;
    }
    json_object_put(log);
    return n;
}

/* The most requests in any closed 1-s window, over the entries whose path starts with
 * `prefix` (NULL: all). */
static int max_per_second(const struct logged *l, size_t n, const char *prefix)
{
    int best = 0;

    for (size_t i = 0; i < n; i++) {
        int count = 0;
        if (prefix != NULL && strncmp(l[i].path, prefix, strlen(prefix)) != 0)
            continue;
        for (size_t j = 0; j < n; j++) {
            if (prefix != NULL && strncmp(l[j].path, prefix, strlen(prefix)) != 0)
                continue;
            /* The log keeps milliseconds: a request at exactly t+1.000 counts. */
            if (l[j].t >= l[i].t && l[j].t <= l[i].t + 1.0005)
                count++;
        }
        if (count > best)
            best = count;
    }
    return best;
}

static void test_options_validation(void **state)
{
    (void)state;
    static const struct {
        const char *base, *key;
        long networks_page, uplinks_page, vpn_page;
        dash_err want;
    } cases[] = {
        {"https://api.meraki.com/api/v1", "k", 0, 0, 0, DASH_OK},
        {"https://api.meraki.com/api/v1/", "k", 3, 3, 3, DASH_OK},
        {"http://127.0.0.1:1/api/v1", "k", 100000, 1000, 300, DASH_OK},
        {NULL, "k", 0, 0, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", NULL, 0, 0, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", "", 0, 0, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", "k\r\nX-Evil: 1", 0, 0, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", "k k", 0, 0, 0, DASH_ERR_INVALID},
        {"ftp://api.meraki.com/api/v1", "k", 0, 0, 0, DASH_ERR_INVALID},
        {"api.meraki.com", "k", 0, 0, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", "k", 2, 0, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", "k", 100001, 0, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", "k", 0, 1001, 0, DASH_ERR_INVALID},
        {"https://api.meraki.com/api/v1", "k", 0, 0, 301, DASH_ERR_INVALID},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dash_options o;
        dash_shared *s = (dash_shared *)1;

        memset(&o, 0, sizeof(o));
        o.base_url = cases[i].base;
        o.api_key = cases[i].key;
        o.networks_per_page = cases[i].networks_page;
        o.uplinks_per_page = cases[i].uplinks_page;
        o.vpn_statuses_per_page = cases[i].vpn_page;
        dash_err e = dash_shared_new(&o, &s);
        if (e != cases[i].want)
            fail_msg("case %zu: got %s", i, dash_strerror(e));
        if (e == DASH_OK)
            dash_shared_free(s);
        else
            assert_null(s);
    }
    dash_shared_free(NULL);
    dash_client_free(NULL);
    for (int e = DASH_OK; e <= DASH_ERR_INVALID; e++)
        assert_string_not_equal(dash_strerror((dash_err)e), "unknown dashboard error");
}

/* ---- operations
 * ---------------------------------------------------------------------------------- */

static void test_list_organizations(void **state)
{
    struct fx *f = *state;
    dj_org *orgs;
    size_t n;
    dash_error err;

    assert_int_equal(dash_list_organizations(f->c, &orgs, &n, &err), DASH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(orgs[0].id, ORG1);
    assert_string_equal(orgs[0].name, "Org One");
    assert_string_equal(orgs[1].id, ORG2);
    assert_int_equal(err.code, DASH_OK);
    assert_int_equal(err.http_status, 200);
    dj_orgs_free(orgs, n);
}

/* 12 networks at 3 per page: 4 pages, every one followed, nothing lost or repeated, and the
 * key sent on every page. */
static void test_pagination(void **state)
{
    struct fx *f = *state;
    dj_network *nets;
    size_t n, n_log;
    dash_error err;
    struct logged *l;
    int pages = 0;

    set_config(f, "{\"page_size\": 3}");
    assert_int_equal(harness_log_clear(&f->fd), 0);
    assert_int_equal(dash_list_networks(f->c, ORG1, NULL, DASH_TAGS_ANY, &nets, &n, &err), DASH_OK);
    assert_int_equal(n, 12);
    assert_string_equal(nets[0].id, "L_100");
    assert_string_equal(nets[1].id, "L_101");
    for (size_t i = 2; i < n; i++) {
        char want[32];
        snprintf(want, sizeof(want), "L_200%zu", i - 2);
        assert_string_equal(nets[i].id, want);
        assert_int_equal(nets[i].tags.n, 1);
        assert_string_equal(nets[i].tags.v[0], "gen");
    }
    assert_int_equal(nets[0].tags.n, 4);
    assert_string_equal(nets[0].tags.v[1], "london_primary_up");
    dj_networks_free(nets, n);

    n_log = read_log(f, &l);
    for (size_t i = 0; i < n_log; i++) {
        assert_string_equal(l[i].path, "/api/v1/organizations/" ORG1 "/networks");
        assert_true(l[i].authorization);
        assert_int_equal(l[i].status, 200);
        pages++;
    }
    assert_int_equal(pages, 4);
    assert_non_null(strstr(l[0].query, "perPage=100000"));
    free(l);

    /* A tag filter: brackets in the name, the filter type, still every page. */
    tags_list filter = {0};
    assert_int_equal(tags_list_push(&filter, "gen"), TAGS_OK);
    assert_int_equal(harness_log_clear(&f->fd), 0);
    assert_int_equal(dash_list_networks(f->c, ORG1, &filter, DASH_TAGS_ALL, &nets, &n, &err),
                     DASH_OK);
    assert_int_equal(n, 10);
    dj_networks_free(nets, n);
    n_log = read_log(f, &l);
    assert_int_equal(n_log, 4);
    assert_non_null(strstr(l[0].query, "tagsFilterType=withAllTags"));
    free(l);
    tags_list_free(&filter);
    assert_int_equal(dash_client_requests(f->c), 8);
}

/* PUT replaces the list; the fake holds exactly what was sent, and the answer says so. */
static void test_put_round_trip(void **state)
{
    struct fx *f = *state;
    dj_network net, put;
    tags_list swapped = {0};
    dash_error err;
    struct json_object *tags;
    static const char *const want[] = {"keep-me", "london_primary_down", "paris_backup_up", "zz"};

    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_OK);
    assert_string_equal(net.organization_id, ORG1);
    assert_string_equal(net.name, "Branch 100");
    assert_int_equal(tags_swap(&net.tags, TAGS_SWAP_FAILOVER, TAGS_HOLD_KEEP, NULL, &swapped),
                     TAGS_OK);
    assert_int_equal(dash_put_network_tags(f->c, ORG1, "L_100", &swapped, &put, &err), DASH_OK);
    assert_true(tags_list_equal(&put.tags, &swapped));
    tags = harness_fakedash_tags(&f->fd, "L_100");
    assert_non_null(tags);
    assert_int_equal(json_object_array_length(tags), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(json_object_get_string(json_object_array_get_idx(tags, i)), want[i]);
    json_object_put(tags);
    dj_network_clear(&net);
    dj_network_clear(&put);
    tags_list_free(&swapped);

    /* An empty list is a valid PUT too (every tag removed). */
    assert_int_equal(dash_put_network_tags(f->c, ORG2, "L_300", &swapped, &put, &err), DASH_OK);
    assert_int_equal(put.tags.n, 0);
    dj_network_clear(&put);
}

/* The read operations of a look and of a reconcile, and the generic request. */
static void test_other_operations(void **state)
{
    struct fx *f = *state;
    dash_error err;
    dj_loss_item *loss;
    dj_appliance *app;
    dj_peer *peers;
    dj_vpn_status *vpn;
    size_t n;
    char *resp;
    size_t len;
    int64_t t1 = (int64_t)time(NULL) - 120;

    assert_int_equal(dash_get_loss(f->c, ORG1, t1 - 300, t1, NULL, NULL, &loss, &n, &err), DASH_OK);
    dj_loss_free(loss, n);
    assert_int_equal(
        dash_get_loss(f->c, ORG1, t1 - 300, t1, "wan1", "203.0.113.10", &loss, &n, &err), DASH_OK);
    /* Not an empty answer, or the filter check below would hold for nothing. */
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(loss[i].uplink, "wan1");
        assert_string_equal(loss[i].ip, "203.0.113.10");
    }
    dj_loss_free(loss, n);
    assert_int_equal(dash_list_uplink_statuses(f->c, ORG1, &app, &n, &err), DASH_OK);
    assert_int_equal(n, 12);
    dj_appliances_free(app, n);
    assert_int_equal(dash_get_peers(f->c, ORG1, &peers, &n, &err), DASH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(peers[0].public_ip, "203.0.113.10");
    dj_peers_free(peers, n);
    assert_int_equal(dash_list_vpn_statuses(f->c, ORG1, &vpn, &n, &err), DASH_OK);
    dj_vpn_statuses_free(vpn, n);
    assert_int_equal(dash_request(f->c, ORG1, "GET", "/networks/L_100/webhooks/httpServers", NULL,
                                  &resp, &len, &err),
                     DASH_OK);
    assert_true(len > 0 && resp[0] == '[');
    free(resp);

    struct logged *l;
    size_t n_log = read_log(f, &l);
    bool saw_t0 = false, saw_filter = false;
    for (size_t i = 0; i < n_log; i++) {
        if (strcmp(l[i].path, "/api/v1/organizations/" ORG1 "/devices/uplinksLossAndLatency") ==
            0) {
            if (strstr(l[i].query, "t0=") != NULL && strstr(l[i].query, "Z&t1=") != NULL)
                saw_t0 = true;
            /* Here the unfiltered answer holds only wan1 items to that IP, so the answer alone
             * cannot show that the filter went: the query must. */
            if (strstr(l[i].query, "uplink=wan1") != NULL &&
                strstr(l[i].query, "ip=203.0.113.10") != NULL)
                saw_filter = true;
        }
        assert_int_equal(l[i].status, 200);
    }
    assert_true(saw_t0);
    assert_true(saw_filter);
    free(l);
}

/* ---- faults ------------------------------------------------------------------------------------
 */

/* A 5xx is retried after a backoff; the request ID of the failed answer is kept when every
 * attempt fails; the metrics count each answer and retry. */
static void test_5xx_retried(void **state)
{
    struct fx *f = *state;
    static const char *const kinds[] = {"500", "502", "503"};
    dj_network net;
    dash_error err;
    char json[256];

    for (size_t i = 0; i < 3; i++) {
        snprintf(json, sizeof(json),
                 "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 1, \"kind\": \"%s\"}",
                 kinds[i]);
        add_fault(f, json);
        assert_int_equal(harness_log_clear(&f->fd), 0);
        assert_int_equal(dash_get_network(f->c, ORG1, "L_101", &net, &err), DASH_OK);
        assert_string_equal(net.id, "L_101");
        dj_network_clear(&net);
        struct logged *l;
        size_t n = read_log(f, &l);
        assert_int_equal(n, 2);
        assert_int_equal(l[0].status, atoi(kinds[i]));
        assert_int_equal(l[1].status, 200);
        /* Backoff of the first retry: base 1 s, jitter up to x1.5. */
        assert_true(l[1].t - l[0].t >= 0.99);
        assert_true(l[1].t - l[0].t < 2.5);
        free(l);
    }
    char *text = metrics_render();
    assert_non_null(text);
    assert_non_null(strstr(text, "tagfailover_api_retries_total 3"));
    assert_non_null(strstr(text, "tagfailover_api_requests_total{code=\"502\"} 1"));
    assert_non_null(strstr(text, "tagfailover_api_requests_total{code=\"200\"} 3"));
    free(text);

    /* Exhausted: 1 + max_retries attempts, then the error with the last request ID. The base
     * is lowered to 0.1 s here only to keep the test short. */
    dash_options o = base_options(f);
    o.max_retries = 2;
    o.backoff_base_s = 0.1;
    fx_client(f, &o);
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 3, \"kind\": \"503\"}");
    assert_int_equal(harness_log_clear(&f->fd), 0);
    assert_int_equal(dash_get_network(f->c, ORG1, "L_101", &net, &err), DASH_ERR_HTTP_5XX);
    assert_int_equal(err.code, DASH_ERR_HTTP_5XX);
    assert_int_equal(err.http_status, 503);
    assert_true(strncmp(err.request_id, "fakedash-", 9) == 0);
    assert_string_equal(err.message, "Service temporarily unavailable");
    assert_null(net.id);
    assert_int_equal(harness_log_count(&f->fd, "GET", "/api/v1/networks/L_101"), 3);

    /* A 502 from a load balancer is HTML: its text becomes the message, never the empty
     * string. */
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 3, \"kind\": \"502\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_101", &net, &err), DASH_ERR_HTTP_5XX);
    assert_int_equal(err.http_status, 502);
    assert_non_null(strstr(err.message, "502 Bad Gateway"));
    assert_true(err.request_id[0] != '\0');
}

/* A dropped connection and a reply slower than the timeout are transport errors: retried. A
 * slow reply within the timeout is simply waited for. */
static void test_transport_faults(void **state)
{
    struct fx *f = *state;
    dj_network net;
    dash_error err;

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 1, \"kind\": \"drop\"}");
    assert_int_equal(harness_log_clear(&f->fd), 0);
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_OK);
    dj_network_clear(&net);
    assert_int_equal(harness_log_count(&f->fd, "GET", "/api/v1/networks/L_100"), 2);

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 1, \"kind\": \"delay\", \"delay_ms\": 400}");
    assert_int_equal(harness_log_clear(&f->fd), 0);
    long long t0 = harness_now_ms();
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_OK);
    assert_true(harness_now_ms() - t0 >= 390);
    dj_network_clear(&net);
    assert_int_equal(harness_log_count(&f->fd, "GET", "/api/v1/networks/L_100"), 1);

    /* Over the timeout (1 s): the attempt fails, the retry gets the normal answer. */
    dash_options o = base_options(f);
    o.timeout_s = 1;
    fx_client(f, &o);
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 1, \"kind\": \"delay\", \"delay_ms\": 1600}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_OK);
    dj_network_clear(&net);

    /* Every attempt dropped: a transport error, with curl's reason. */
    o = base_options(f);
    o.max_retries = 1;
    o.backoff_base_s = 0.1;
    fx_client(f, &o);
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 2, \"kind\": \"drop\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_ERR_TRANSPORT);
    assert_int_equal(err.http_status, 0);
    assert_true(err.message[0] != '\0');
}

/* A 200 whose body does not parse is an error, never an empty list; it is not retried. */
static void test_malformed(void **state)
{
    struct fx *f = *state;
    dj_network net, *nets = (dj_network *)1;
    size_t n = 99;
    dash_error err;
    char *resp = (char *)1;
    size_t len;

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/organizations/" ORG1
                 "/networks\", \"count\": 1, \"kind\": \"malformed\"}");
    assert_int_equal(dash_list_networks(f->c, ORG1, NULL, DASH_TAGS_ANY, &nets, &n, &err),
                     DASH_ERR_PARSE);
    assert_null(nets);
    assert_int_equal(n, 0);
    assert_int_equal(err.code, DASH_ERR_PARSE);
    assert_true(err.message[0] != '\0');

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 1, \"kind\": \"malformed\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_ERR_PARSE);
    assert_null(net.id);

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100/webhooks\","
                 " \"count\": 1, \"kind\": \"malformed\"}");
    assert_int_equal(dash_request(f->c, ORG1, "GET", "/networks/L_100/webhooks/httpServers", NULL,
                                  &resp, &len, &err),
                     DASH_ERR_PARSE);
    assert_null(resp);
    assert_int_equal(harness_log_count(&f->fd, "GET", NULL), 3);
}

/* Over the response cap: an error, not a truncated answer. With Content-Length the real cap
 * (256 MiB) refuses a 300 MiB answer before reading it; a chunked answer is cut as it grows
 * (here against a cap lowered to 1 MiB, to keep the test fast). */
static void test_oversize(void **state)
{
    struct fx *f = *state;
    dj_network *nets;
    size_t n;
    dash_error err;

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/organizations/" ORG1
                 "/networks\", \"count\": 1, \"kind\": \"oversize\", \"size_mib\": 300}");
    long long t0 = harness_now_ms();
    assert_int_equal(dash_list_networks(f->c, ORG1, NULL, DASH_TAGS_ANY, &nets, &n, &err),
                     DASH_ERR_TOO_LARGE);
    assert_true(harness_now_ms() - t0 < 3000);
    assert_null(nets);

    dash_options o = base_options(f);
    o.max_response_bytes = 1024 * 1024;
    fx_client(f, &o);
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/organizations/" ORG1
                 "/networks\", \"count\": 1, \"kind\": \"oversize\", \"size_mib\": 2,"
                 " \"chunked\": true}");
    assert_int_equal(dash_list_networks(f->c, ORG1, NULL, DASH_TAGS_ANY, &nets, &n, &err),
                     DASH_ERR_TOO_LARGE);
    assert_null(nets);
    /* Not retried, and the client still works afterwards. */
    assert_int_equal(harness_log_count(&f->fd, "GET", "/api/v1/organizations/" ORG1), 2);
    assert_int_equal(dash_list_networks(f->c, ORG1, NULL, DASH_TAGS_ANY, &nets, &n, &err), DASH_OK);
    assert_int_equal(n, 12);
    dj_networks_free(nets, n);
}

/* 404 and 400 are final: one request, the API's message reported. */
static void test_4xx_not_retried(void **state)
{
    struct fx *f = *state;
    dj_network net;
    dash_error err;
    char *resp;
    size_t len;

    assert_int_equal(dash_get_network(f->c, ORG1, "L_nope", &net, &err), DASH_ERR_HTTP_4XX);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.message, "Not found");
    assert_int_equal(harness_log_count(&f->fd, "GET", "/api/v1/networks/L_nope"), 1);

    assert_int_equal(
        dash_request(f->c, ORG1, "PUT", "/networks/L_100", "{\"tags\": \"x\"}", &resp, &len, &err),
        DASH_ERR_HTTP_4XX);
    assert_null(resp);
    assert_int_equal(err.http_status, 400);
    assert_true(err.message[0] != '\0');
    assert_int_equal(harness_log_count(&f->fd, "PUT", "/api/v1/networks/L_100"), 1);
    assert_int_equal(dash_client_requests(f->c), 2);
}

/* 307 and 308 to the fake's second port (same host, another port): followed with the same
 * method, body and Authorization. */
static void test_redirect_followed(void **state)
{
    struct fx *f = *state;
    dj_network net, put;
    dash_error err;
    tags_list tags = {0};

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 1, \"kind\": \"redirect307\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_101", &net, &err), DASH_OK);
    assert_string_equal(net.id, "L_101");
    dj_network_clear(&net);

    assert_int_equal(tags_list_push(&tags, "moved"), TAGS_OK);
    add_fault(f, "{\"method\": \"PUT\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 1, \"kind\": \"redirect308\"}");
    assert_int_equal(dash_put_network_tags(f->c, ORG1, "L_101", &tags, &put, &err), DASH_OK);
    assert_int_equal(put.tags.n, 1);
    assert_string_equal(put.tags.v[0], "moved");
    dj_network_clear(&put);
    tags_list_free(&tags);

    struct logged *l;
    size_t n = read_log(f, &l);
    assert_int_equal(n, 4);
    assert_int_equal(l[0].status, 307);
    assert_int_equal(l[0].port, f->fd.port);
    assert_int_equal(l[1].port, f->fd.port2);
    assert_string_equal(l[1].method, "GET");
    assert_int_equal(l[2].status, 308);
    assert_int_equal(l[3].port, f->fd.port2);
    assert_string_equal(l[3].method, "PUT");
    assert_string_equal(l[3].body, l[2].body);
    assert_non_null(strstr(l[3].body, "moved"));
    for (size_t i = 0; i < n; i++)
        assert_true(l[i].authorization);
    free(l);
}

/* A Location on another host (localhost is not 127.0.0.1 as a name) is refused, and nothing
 * at all reaches the second port. */
static void test_redirect_foreign(void **state)
{
    struct fx *f = *state;
    dj_network net;
    dash_error err;

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 1, \"kind\": \"redirect_foreign\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_101", &net, &err), DASH_ERR_REDIRECT);
    assert_int_equal(err.http_status, 307);
    assert_non_null(strstr(err.message, "localhost"));

    struct logged *l;
    size_t n = read_log(f, &l);
    assert_int_equal(n, 1);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(l[i].port, f->fd.port2);
    free(l);

    /* Four redirects in a row (each allowed) are one too many. */
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 4, \"kind\": \"redirect307\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_101", &net, &err), DASH_ERR_REDIRECT);
    assert_int_equal(harness_log_count(&f->fd, "GET", "/api/v1/networks/L_101"), 5);
}

/* A thread that keeps calling for one organization, until told to stop. */
struct hammer {
    dash_shared *s;
    const char *org;
    const char *network;
    atomic_bool stop;
    int calls;
    int failures;
};

static void *hammer_main(void *arg)
{
    struct hammer *h = arg;
    dash_client *c;

    if (dash_client_new(h->s, &c) != DASH_OK) {
        h->failures++;
        return NULL;
    }
    while (!atomic_load(&h->stop)) {
        dj_network net;
        dash_error err;
        if (dash_get_network(c, h->org, h->network, &net, &err) != DASH_OK)
            h->failures++;
        dj_network_clear(&net);
        h->calls++;
        /* Pace this thread lightly so the log stays small; the point is that it is ready
         * to go at any moment during the pause. */
        harness_sleep_ms(20);
    }
    dash_client_free(c);
    return NULL;
}

/* 429 with Retry-After 2: the request waits 2 s; meanwhile no other request of the same
 * organization goes (another thread keeps trying), while another organization is not held
 * up. */
static void test_429_retry_after_pauses_org(void **state)
{
    struct fx *f = *state;
    struct hammer same = {.s = f->s, .org = ORG1, .network = "L_2000"};
    struct hammer other = {.s = f->s, .org = ORG2, .network = "L_300"};
    pthread_t th_same, th_other;
    dj_network net;
    dash_error err;

    assert_int_equal(pthread_create(&th_same, NULL, hammer_main, &same), 0);
    assert_int_equal(pthread_create(&th_other, NULL, hammer_main, &other), 0);
    while (harness_log_count(&f->fd, "GET", "/api/v1/networks/L_2000") < 3)
        harness_sleep_ms(10);
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 1, \"kind\": \"429\", \"retry_after\": 2}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_OK);
    dj_network_clear(&net);
    harness_sleep_ms(300);
    atomic_store(&same.stop, true);
    atomic_store(&other.stop, true);
    pthread_join(th_same, NULL);
    pthread_join(th_other, NULL);
    assert_int_equal(same.failures, 0);
    assert_int_equal(other.failures, 0);

    struct logged *l;
    size_t n = read_log(f, &l);
    double t429 = -1, t_retry = -1;
    int same_during = 0, same_after = 0, other_during = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].path, "/api/v1/networks/L_100") == 0) {
            if (l[i].status == 429)
                t429 = l[i].t;
            else if (t429 >= 0 && t_retry < 0)
                t_retry = l[i].t;
        }
    }
    assert_true(t429 > 0 && t_retry > 0);
    /* The retry waited the whole Retry-After (the log keeps milliseconds). */
    assert_true(t_retry - t429 >= 2.0 - 0.002);
    assert_true(t_retry - t429 < 3.0);
    for (size_t i = 0; i < n; i++) {
        /* A request the other thread had already sent when the 429 arrived may land just
         * after it; 0.25 s covers that, and nothing may start later inside the pause. */
        bool in_pause = l[i].t > t429 + 0.25 && l[i].t < t429 + 2.0 - 0.002;
        if (strcmp(l[i].path, "/api/v1/networks/L_2000") == 0) {
            same_during += in_pause;
            same_after += l[i].t >= t429 + 2.0 - 0.002;
        }
        if (strcmp(l[i].path, "/api/v1/networks/L_300") == 0)
            other_during += in_pause;
    }
    free(l);
    assert_int_equal(same_during, 0);
    assert_true(same_after >= 1);
    assert_true(other_during >= 10);
}

/* 429 without Retry-After: exponential backoff with jitter from the 1 s base. */
static void test_429_without_retry_after(void **state)
{
    struct fx *f = *state;
    dj_network net;
    dash_error err;

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 1, \"kind\": \"429\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_OK);
    dj_network_clear(&net);
    struct logged *l;
    size_t n = read_log(f, &l);
    assert_int_equal(n, 2);
    assert_int_equal(l[0].status, 429);
    assert_true(l[1].t - l[0].t >= 0.99);
    assert_true(l[1].t - l[0].t < 2.5);
    free(l);

    /* Exhausted: the rate-limited error, after 1 + max_retries attempts (Retry-After 0 keeps
     * it quick). */
    dash_options o = base_options(f);
    o.max_retries = 2;
    fx_client(f, &o);
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 3, \"kind\": \"429\", \"retry_after\": 0}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_ERR_RATE_LIMITED);
    assert_int_equal(err.http_status, 429);
    assert_non_null(strstr(err.message, "rate limit"));
}

struct one_call {
    dash_shared *s;
    dash_err result;
    long long returned_ms;
};

static void *one_call_main(void *arg)
{
    struct one_call *oc = arg;
    dash_client *c;
    dj_network net;
    dash_error err;

    oc->result = DASH_ERR_INVALID;
    if (dash_client_new(oc->s, &c) != DASH_OK)
        return NULL;
    oc->result = dash_get_network(c, ORG1, "L_100", &net, &err);
    oc->returned_ms = harness_now_ms();
    dj_network_clear(&net);
    dash_client_free(c);
    return NULL;
}

/* Shutdown cuts a 10-s Retry-After wait short, and nothing is sent afterwards. */
static void test_cancel_interrupts_wait(void **state)
{
    struct fx *f = *state;
    struct one_call oc = {.s = f->s};
    pthread_t th;
    dj_network net;
    dash_error err;

    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 1, \"kind\": \"429\", \"retry_after\": 10}");
    assert_int_equal(pthread_create(&th, NULL, one_call_main, &oc), 0);
    while (harness_log_count(&f->fd, "GET", "/api/v1/networks/L_100") < 1)
        harness_sleep_ms(10);
    harness_sleep_ms(200); /* let it reach the wait */
    long long t_cancel = harness_now_ms();
    dash_shared_cancel(f->s);
    pthread_join(th, NULL);
    assert_int_equal(oc.result, DASH_ERR_CANCELLED);
    assert_true(oc.returned_ms - t_cancel < 500);
    assert_true(dash_shared_cancelled(f->s));
    assert_int_equal(dash_get_network(f->c, ORG2, "L_300", &net, &err), DASH_ERR_CANCELLED);
    assert_int_equal(err.code, DASH_ERR_CANCELLED);
    assert_int_equal(harness_log_count(&f->fd, NULL, NULL), 1);
}

/* One call to read an organization's peers, on a thread of its own. */
struct peers_call {
    dash_shared *s;
    const char *org;
    dash_err result;
};

static void *peers_call_main(void *arg)
{
    struct peers_call *pc = arg;
    dash_client *c;
    dj_peer *peers = NULL;
    size_t n = 0;
    dash_error err;

    pc->result = DASH_ERR_INVALID;
    if (dash_client_new(pc->s, &c) != DASH_OK)
        return NULL;
    pc->result = dash_get_peers(c, pc->org, &peers, &n, &err);
    dj_peers_free(peers, n);
    dash_client_free(c);
    return NULL;
}

/* The time of the fake's first answer `status` to a path starting with `prefix`; -1: none. */
static double first_time(const struct logged *l, size_t n, const char *prefix, int status)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(l[i].path, prefix, strlen(prefix)) == 0 && l[i].status == status)
            return l[i].t;
    return -1.0;
}

#define PEERS1 "/api/v1/organizations/" ORG1 "/appliance/vpn/thirdPartyVPNPeers"
#define PEERS2 "/api/v1/organizations/" ORG2 "/appliance/vpn/thirdPartyVPNPeers"

/* A 429 without Retry-After is the organization's own limit, unless another organization gets
 * one within a second: that is the source IP's limit, and every organization backs off (the
 * backoff the client computed, 1 to 1.5 s from the 1-s base). */
static void test_bare_429_on_two_orgs_pauses_all(void **state)
{
    struct fx *f = *state;
    struct peers_call a = {.s = f->s, .org = ORG1}, b = {.s = f->s, .org = ORG2};
    pthread_t ta, tb;
    dj_network net;
    dash_error err;
    struct logged *l;
    size_t n;

    /* One organization's: the others go on at once. */
    add_fault(f, "{\"path_prefix\": \"" PEERS1 "\", \"count\": 1, \"kind\": \"429\"}");
    assert_int_equal(pthread_create(&ta, NULL, peers_call_main, &a), 0);
    while (harness_log_count(&f->fd, "GET", PEERS1) < 1)
        harness_sleep_ms(5);
    harness_sleep_ms(50);
    assert_int_equal(dash_get_network(f->c, "3003", "L_300", &net, &err), DASH_OK);
    dj_network_clear(&net);
    pthread_join(ta, NULL);
    assert_int_equal(a.result, DASH_OK);
    n = read_log(f, &l);
    double t429 = first_time(l, n, PEERS1, 429);
    double t_other = first_time(l, n, "/api/v1/networks/L_300", 200);
    free(l);
    print_message("one organization's bare 429: another's request %.3f s later\n", t_other - t429);
    assert_true(t429 > 0 && t_other > 0);
    assert_true(t_other - t429 < 0.5);

    /* Two organizations' within the second: a third waits out the backoff too. */
    assert_int_equal(harness_log_clear(&f->fd), 0);
    add_fault(f, "{\"path_prefix\": \"" PEERS1 "\", \"count\": 1, \"kind\": \"429\"}");
    add_fault(f, "{\"path_prefix\": \"" PEERS2 "\", \"count\": 1, \"kind\": \"429\"}");
    assert_int_equal(pthread_create(&ta, NULL, peers_call_main, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, peers_call_main, &b), 0);
    while (harness_log_count(&f->fd, "GET", PEERS1) < 1 ||
           harness_log_count(&f->fd, "GET", PEERS2) < 1)
        harness_sleep_ms(5);
    harness_sleep_ms(50);
    assert_int_equal(dash_get_network(f->c, "3003", "L_300", &net, &err), DASH_OK);
    dj_network_clear(&net);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.result, DASH_OK);
    assert_int_equal(b.result, DASH_OK);
    n = read_log(f, &l);
    double t1 = first_time(l, n, PEERS1, 429), t2 = first_time(l, n, PEERS2, 429);
    t_other = first_time(l, n, "/api/v1/networks/L_300", 200);
    free(l);
    double last429 = t1 > t2 ? t1 : t2;
    print_message("two organizations' bare 429s %.3f s apart: a third's request %.3f s after "
                  "the second\n",
                  fabs(t1 - t2), t_other - last429);
    assert_true(t1 > 0 && t2 > 0 && t_other > 0);
    assert_true(fabs(t1 - t2) <= 1.0);
    /* The pause began when the second 429 arrived, after the fake logged it. */
    assert_true(t_other - last429 >= 1.0 - 0.002);
    assert_true(t_other - last429 < 2.5);
}

struct burst {
    dash_shared *s;
    int calls;
    int ok;
};

static void *burst_main(void *arg)
{
    struct burst *b = arg;
    dash_client *c;

    if (dash_client_new(b->s, &c) != DASH_OK)
        return NULL;
    for (int i = 0; i < b->calls; i++) {
        dj_network net;
        dash_error err;
        if (dash_get_network(c, ORG1, i % 2 ? "L_100" : "L_101", &net, &err) == DASH_OK)
            b->ok++;
        dj_network_clear(&net);
    }
    dash_client_free(c);
    return NULL;
}

/* 100 calls from 2 threads at rate 9, burst 5: never more than 14 in any second of the fake's
 * log, and not much slower than the bucket allows ((100 - 5) / 9 = 10.6 s). */
static void test_rate_limit_burst(void **state)
{
    struct fx *f = *state;
    struct burst a = {.calls = 50}, b = {.calls = 50};
    pthread_t ta, tb;

    dash_options o = base_options(f);
    o.requests_per_second = 9;
    o.requests_burst = 5;
    fx_client(f, &o);
    a.s = b.s = f->s;
    long long t0 = harness_now_ms();
    assert_int_equal(pthread_create(&ta, NULL, burst_main, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, burst_main, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    double elapsed = (double)(harness_now_ms() - t0) / 1000.0;
    assert_int_equal(a.ok + b.ok, 100);

    struct logged *l;
    size_t n = read_log(f, &l);
    assert_int_equal(n, 100);
    int worst = max_per_second(l, n, NULL);
    print_message("rate 9 burst 5: 100 calls in %.2f s, at most %d in any 1-s window\n", elapsed,
                  worst);
    assert_true(worst <= 14);
    assert_true(elapsed >= 95.0 / 9.0 - 0.2);
    assert_true(elapsed < 95.0 / 9.0 + 3.0);
    free(l);
}

/* The API key never reaches the log lines the client writes, even for failures, nor the
 * dash_error it hands the caller to log. The client logs retries and its debug trace, never a
 * failure: that is the caller's to log, once. */
static void test_key_never_logged(void **state)
{
    struct fx *f = *state;
    char path[HARNESS_PATH_MAX + 32];
    dj_network net;
    dash_error err;
    int saved, fd;

    snprintf(path, sizeof(path), "%s/client.stderr", f->fd.dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
    log_init(true, LOG_DEBUG);

    dash_options o = base_options(f);
    o.max_retries = 1;
    o.backoff_base_s = 0.1;
    fx_client(f, &o);
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_100\","
                 " \"count\": 2, \"kind\": \"500\"}");
    add_fault(f, "{\"method\": \"GET\", \"path_prefix\": \"/api/v1/networks/L_101\","
                 " \"count\": 1, \"kind\": \"redirect_foreign\"}");
    assert_int_equal(dash_get_network(f->c, ORG1, "L_100", &net, &err), DASH_ERR_HTTP_5XX);
    assert_string_equal(err.method, "GET");
    assert_string_equal(err.path, "/api/v1/networks/L_100");
    assert_true(strncmp(err.request_id, "fakedash-", 9) == 0);
    assert_null(strstr(err.message, API_KEY));
    assert_int_equal(dash_get_network(f->c, ORG1, "L_101", &net, &err), DASH_ERR_REDIRECT);
    assert_null(strstr(err.message, API_KEY));
    assert_int_equal(dash_get_network(f->c, ORG1, "L_nope", &net, &err), DASH_ERR_HTTP_4XX);
    assert_string_equal(err.path, "/api/v1/networks/L_nope");
    assert_null(strstr(err.message, API_KEY));

    log_init(true, LOG_INFO);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    char *text = harness_read_file(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "\"api_retry\""));
    assert_non_null(strstr(text, "\"api_request\""));
    assert_null(strstr(text, "\"api_error\""));
    assert_non_null(strstr(text, "fakedash-")); /* the request ID of the 5xx, in its retry */
    assert_non_null(strstr(text, "\"/api/v1/networks/L_100\""));
    assert_non_null(strstr(text, "/api/v1/networks/L_nope")); /* in the debug trace */
    assert_null(strstr(text, API_KEY));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_validation),
        cmocka_unit_test_setup_teardown(test_list_organizations, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_pagination, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_put_round_trip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_other_operations, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_5xx_retried, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_transport_faults, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_malformed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_oversize, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_4xx_not_retried, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_followed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_redirect_foreign, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_429_retry_after_pauses_org, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_429_without_retry_after, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cancel_interrupts_wait, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_burst, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bare_429_on_two_orgs_pauses_all, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_key_never_logged, fx_setup, fx_teardown),
    };

    harness_init();
    if (dash_global_init() != DASH_OK)
        return 1;
    log_init(true, LOG_INFO);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    dash_global_cleanup();
    return rc;
}
