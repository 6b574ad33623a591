/*
 * test_engine_scale.c - many organizations: the per-IP request budget and shards.
 *
 * - The budget: eight organizations reconciled every second want about 40 requests a second;
 *   with requests_per_second_total = 20 no second of the fake's request log holds more than
 *   20 + 10 (the total bucket's depth, 2 x requests_burst), and with the budget out of the
 *   way (1000) the same world goes over, so the check can fail.
 * - Shards: two replicas (shard 0/2 and 1/2) over six organizations. Each replica has a fake
 *   Dashboard of its own, loaded with the same world, so each fake's request log is exactly
 *   what one replica did: which organizations it read is then certain, not inferred from
 *   timing. Every organization is reconciled by exactly one of them, and an alert for it is
 *   accepted (202) by its owner and answered 200 `ignored` by the other, also before the
 *   organization list has been read. The one-shot commands keep to the shard.
 *
 * The split is fixed by the IDs: FNV-1a 64 of "3001".."3006" is odd, even, odd, ... (the
 * unit test test_shard.c pins those values), so shard 1/2 owns 3001, 3003, 3005.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base.h"
#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/fakedash.h"
#include "harness/http.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

#define FIRST_ORG   3001
#define SHARD_ORGS  6
#define BUDGET_ORGS 8

static const char *const SERVE[] = {"serve", NULL};

/* The second replica's world in the shard tests; closed by the teardown whatever happens. */
static harness_world second;

/* `orgs` organizations FIRST_ORG.. with the London and Paris peers and `nets` managed
 * networks each, N<org>_<i>; 1-s samples, no loss. Caller frees. */
static char *orgs_scenario(int orgs, int nets)
{
    size_t cap = 512 + (size_t)orgs * (strlen(HARNESS_PEERS) + 256), used = 0;
    char *s = malloc(cap);

    assert_non_null(s);
    used += (size_t)snprintf(s + used, cap - used,
                             "{\"api_key\":\"test-api-key\",\"sample_spacing_s\":1,"
                             "\"data_lag_s\":0,\"organizations\":[");
    for (int o = 0; o < orgs; o++)
        used += (size_t)snprintf(
            s + used, cap - used,
            "%s{\"id\":\"%d\",\"name\":\"Org %d\",\"peers\":" HARNESS_PEERS
            ",\"generate\":{\"count\":%d,\"prefix\":\"N%d_\",\"tags\":[\"london_primary_up\","
            "\"paris_backup_down\"]}}",
            o ? "," : "", FIRST_ORG + o, FIRST_ORG + o, nets, FIRST_ORG + o);
    snprintf(s + used, cap - used, "],\"loss\":[]}");
    assert_true(used < cap - 16);
    return s;
}

/* The API (non-control) request times of the fake's log, in order; *n how many. Caller
 * frees. */
static double *api_times(const harness_world *w, size_t *n)
{
    struct json_object *log = harness_log(&w->fd);
    assert_non_null(log);
    size_t len = json_object_array_length(log);
    double *t = calloc(len + 1, sizeof(*t));
    assert_non_null(t);
    *n = 0;
    for (size_t i = 0; i < len; i++) {
        struct json_object *e = json_object_array_get_idx(log, i), *v;
        if (json_object_object_get_ex(e, "control", &v) && json_object_get_boolean(v))
            continue;
        assert_true(json_object_object_get_ex(e, "t", &v));
        t[(*n)++] = json_object_get_double(v);
    }
    json_object_put(log);
    return t;
}

/* The most requests in any closed 1-s window starting at a request (the log keeps
 * milliseconds: a request at exactly t + 1.000 counts). `t` is in arrival order. */
static int worst_second(const double *t, size_t n)
{
    int worst = 0;
    for (size_t i = 0; i < n; i++) {
        int count = 0;
        for (size_t j = 0; j < n; j++)
            count += t[j] >= t[i] && t[j] <= t[i] + 1.0005;
        if (count > worst)
            worst = count;
    }
    return worst;
}

/* Serves eight organizations with `overrides` for about 6 s after the first reconcile and
 * returns the worst second of the whole run; *rate is the requests per second over it. */
static int budget_run(harness_world *t, const char *overrides, double *rate, size_t *count)
{
    char *sc = orgs_scenario(BUDGET_ORGS, 3);
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, overrides), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    harness_sleep_ms(6000);
    assert_int_equal(harness_daemon_stop(t), 0);

    size_t n;
    double *times = api_times(t, &n);
    assert_true(n > 2);
    int worst = worst_second(times, n);
    *rate = (double)n / (times[n - 1] - times[0]);
    *count = n;
    /* Every organization was reconciled, more than once. */
    for (int o = 0; o < BUDGET_ORGS; o++) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/organizations/%d/networks", FIRST_ORG + o);
        assert_true(harness_log_count(&t->fd, "GET", path) >= 2);
    }
    free(times);
    assert_int_equal(harness_world_close(t), 0);
    return worst;
}

/* No second holds more than requests_per_second_total + its depth (2 x requests_burst). */
static void test_total_budget(void **state)
{
    harness_world *t = *state;
    double rate;
    size_t n;

    int worst = budget_run(t,
                           "[dashboard]\nrequests_per_second_total = 20\n"
                           "[failover]\nreconcile_interval_s = 1\n",
                           &rate, &n);
    print_message("requests_per_second_total = 20: %zu requests, %.1f/s, at most %d in any "
                  "1-s window\n",
                  n, rate, worst);
    assert_true(worst <= 20 + 2 * 5);
    /* The budget was the limit: the run went at close to 20/s. */
    assert_true(rate > 15.0);

    /* The same world without the budget in the way wants more: the check above can fail. */
    worst = budget_run(t,
                       "[dashboard]\nrequests_per_second_total = 1000\n"
                       "[failover]\nreconcile_interval_s = 1\n",
                       &rate, &n);
    print_message("requests_per_second_total = 1000: %zu requests, %.1f/s, at most %d in any "
                  "1-s window\n",
                  n, rate, worst);
    assert_true(worst > 20 + 2 * 5);
}

/* ---- shards ----------------------------------------------------------------------------- */

/* Whether shard 1/2 owns organization `org` (3001..3006: the odd ones). */
static bool odd_shard(int org)
{
    return org % 2 == 1;
}

/* Which organizations' paths (organization-wide reads, or networks N<org>_*) the fake of `w`
 * saw: seen[k] for organization FIRST_ORG + k. Also *listed: GET /organizations. */
static void orgs_seen(const harness_world *w, bool seen[SHARD_ORGS], bool *listed)
{
    struct json_object *log = harness_log(&w->fd);
    assert_non_null(log);
    memset(seen, 0, sizeof(bool) * SHARD_ORGS);
    *listed = false;
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i);
        const char *path = harness_json_str(e, "path");
        int org = 0;
        if (strcmp(path, "/api/v1/organizations") == 0)
            *listed = true;
        if (sscanf(path, "/api/v1/organizations/%d/", &org) != 1)
            (void)sscanf(path, "/api/v1/networks/N%d_", &org);
        if (org >= FIRST_ORG && org < FIRST_ORG + SHARD_ORGS)
            seen[org - FIRST_ORG] = true;
    }
    json_object_put(log);
}

/* POSTs an alert for `org`'s first network to `w`; returns the status, and whether the
 * answer said `ignored`. */
static long alert_to(const harness_world *w, int org, const char *alert_id, bool *ignored)
{
    char org_id[16], net[32];
    struct harness_response r;
    snprintf(org_id, sizeof(org_id), "%d", org);
    snprintf(net, sizeof(net), "N%d_0", org);
    long status = harness_webhook_alert_answer(w, org_id, net, alert_id, &r);
    *ignored = r.body != NULL && strstr(r.body, "\"ignored\"") != NULL;
    harness_response_free(&r);
    return status;
}

/* The organization IDs of a replica's /status, as a bit set over FIRST_ORG.. */
static unsigned status_orgs(const harness_world *w)
{
    struct json_object *doc = harness_daemon_status(w), *list;
    unsigned bits = 0;
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "organizations", &list));
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        int org = atoi(harness_json_str(json_object_array_get_idx(list, i), "id"));
        assert_true(org >= FIRST_ORG && org < FIRST_ORG + SHARD_ORGS);
        bits |= 1u << (org - FIRST_ORG);
    }
    json_object_put(doc);
    return bits;
}

/* The odd organizations, as status_orgs's bit set. */
#define ODD_BITS  0x15u /* 3001, 3003, 3005 */
#define EVEN_BITS 0x2au /* 3002, 3004, 3006 */

/* Two replicas split six organizations: each reconciles only its own, and each alert is
 * accepted by its owner and ignored by the other. */
static void test_two_replicas_split(void **state)
{
    harness_world *a = *state, *b = &second;
    char *sc = orgs_scenario(SHARD_ORGS, 2);

    assert_int_equal(harness_world_open(a, sc), 0);
    assert_int_equal(harness_world_open(b, sc), 0);
    free(sc);
    assert_int_equal(
        harness_conf_write(a, "[dashboard]\nshard = 0/2\n[failover]\nreconcile_interval_s = 1\n"),
        0);
    assert_int_equal(
        harness_conf_write(b, "[dashboard]\nshard = 1/2\n[failover]\nreconcile_interval_s = 1\n"),
        0);
    assert_int_equal(harness_daemon_serve(a, SERVE), 0);
    assert_int_equal(harness_daemon_serve(b, SERVE), 0);
    harness_sleep_ms(2000); /* a few reconciles each */

    bool seen_a[SHARD_ORGS], seen_b[SHARD_ORGS], listed_a, listed_b;
    orgs_seen(a, seen_a, &listed_a);
    orgs_seen(b, seen_b, &listed_b);
    assert_true(listed_a && listed_b); /* each read the whole list, and kept its share */
    for (int k = 0; k < SHARD_ORGS; k++) {
        int org = FIRST_ORG + k;
        print_message("organization %d: replica 0/2 %s, replica 1/2 %s\n", org,
                      seen_a[k] ? "reconciled" : "-", seen_b[k] ? "reconciled" : "-");
        /* Exactly one replica, and the right one. */
        assert_true(seen_a[k] != seen_b[k]);
        assert_true(seen_b[k] == odd_shard(org));
    }
    assert_int_equal(status_orgs(a), EVEN_BITS);
    assert_int_equal(status_orgs(b), ODD_BITS);
    assert_int_equal(harness_daemon_log_count(a, "managing 3 organizations (shard 0/2)"), 1);
    assert_int_equal(harness_daemon_log_count(b, "managing 3 organizations (shard 1/2)"), 1);

    /* Every alert to both: the owner accepts it, the other ignores it. */
    for (int k = 0; k < SHARD_ORGS; k++) {
        int org = FIRST_ORG + k;
        char id[32];
        bool ignored;
        harness_world *owner = odd_shard(org) ? b : a, *other = odd_shard(org) ? a : b;
        snprintf(id, sizeof(id), "split-%d", org);
        assert_int_equal(alert_to(owner, org, id, &ignored), 202);
        assert_false(ignored);
        assert_int_equal(alert_to(other, org, id, &ignored), 200);
        assert_true(ignored);
    }
    assert_int_equal(harness_world_close(b), 0);
    assert_int_equal(harness_world_close(a), 0);
}

/* Before the organization list is read (GET /organizations answers after 4 s), another
 * shard's organization is already ignored, from its ID alone, with organization_ids set and
 * with it empty; this shard's are accepted, and with organization_ids empty so is one the
 * list may still name. */
static void test_shard_before_list(void **state)
{
    harness_world *t = *state;
    static const char *const overrides[] = {
        "[dashboard]\nshard = 1/2\norganization_ids = 3001, 3002, 3003, 3004, 3005, 3006\n",
        "[dashboard]\nshard = 1/2\n",
    };
    char *sc = orgs_scenario(SHARD_ORGS, 1);

    for (size_t v = 0; v < 2; v++) {
        char id[32];
        bool ignored;
        struct harness_response r;

        assert_int_equal(harness_world_open(t, sc), 0);
        assert_int_equal(harness_fakedash_fault(&t->fd, "delay", "GET", "/api/v1/organizations", 1,
                                                ",\"delay_ms\":4000"),
                         200);
        assert_int_equal(harness_daemon_listen(t, overrides[v], NULL), 0);
        /* Not ready: the list has not been read. */
        assert_int_equal(harness_daemon_get(t, "/readyz", &r), 503);
        assert_non_null(strstr(r.body, "not been read"));
        harness_response_free(&r);
        for (int org = FIRST_ORG; org < FIRST_ORG + SHARD_ORGS; org++) {
            snprintf(id, sizeof(id), "early-%zu-%d", v, org);
            long status = alert_to(t, org, id, &ignored);
            print_message("variant %zu, organization %d before the list: %ld%s\n", v, org, status,
                          ignored ? " ignored" : "");
            assert_int_equal(status, odd_shard(org) ? 202 : 200);
            assert_int_equal(ignored, !odd_shard(org));
        }
        /* 3009 is this shard's (FNV-1a odd) but in no list: with organization_ids it is not
         * managed; without, it is accepted until the list says otherwise. 3008 is the other
         * shard's either way. */
        assert_int_equal(alert_to(t, 3009, "early-3009", &ignored), v == 0 ? 200 : 202);
        assert_int_equal(ignored, v == 0);
        assert_int_equal(alert_to(t, 3008, "early-3008", &ignored), 200);
        assert_true(ignored);
        assert_int_equal(harness_daemon_get(t, "/readyz", NULL), 503);
        /* Once the list is read, the same holds. */
        assert_int_equal(harness_daemon_wait_ready(t, 15000), 0);
        assert_int_equal(status_orgs(t), ODD_BITS);
        assert_int_equal(alert_to(t, 3002, "late-3002", &ignored), 200);
        assert_true(ignored);
        assert_int_equal(alert_to(t, 3009, "late-3009", &ignored), 200);
        assert_true(ignored);
        assert_int_equal(harness_world_close(t), 0);
    }
    free(sc);
}

/* status, reconcile --once, failover, failback and setup keep to the shard. */
static void test_shard_commands(void **state)
{
    harness_world *t = *state;
    static const char *const status[] = {"status", "--json", NULL};
    static const char *const once[] = {"reconcile", "--once", NULL};
    static const char *const failover_other[] = {"failover", "N3001_0", NULL};
    static const char *const failback_other[] = {"failback", "N3001_0", NULL};
    static const char *const failover_own[] = {"failover", "N3002_0", "--dry-run", NULL};
    static const char *const setup[] = {"setup", "--dry-run", "--url",
                                        "https://tf.example.net/webhook", NULL};
    bool seen[SHARD_ORGS], listed;
    char *sc = orgs_scenario(SHARD_ORGS, 1);

    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, "[dashboard]\nshard = 0/2\n"), 0);

    assert_int_equal(harness_daemon_run(t, status, 15000), 0);
    struct json_object *doc = json_object_from_file(t->last.stdout_path), *list;
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "organizations", &list));
    assert_int_equal(json_object_array_length(list), 3);
    for (size_t i = 0; i < 3; i++) {
        int org = atoi(harness_json_str(json_object_array_get_idx(list, i), "id"));
        assert_false(odd_shard(org));
    }
    json_object_put(doc);

    assert_int_equal(harness_daemon_run(t, once, 15000), 0);
    assert_int_equal(harness_daemon_run(t, setup, 15000), 0);
    assert_int_equal(harness_file_count(t->last.stdout_path, "organization 3002"), 1);
    assert_int_equal(harness_file_count(t->last.stdout_path, "organization 3001"), 0);
    orgs_seen(t, seen, &listed);
    for (int k = 0; k < SHARD_ORGS; k++)
        assert_true(seen[k] == !odd_shard(FIRST_ORG + k));

    /* Another shard's network: exit 2, nothing written, as for an unmanaged organization. */
    assert_int_equal(harness_daemon_run(t, failover_other, 15000), 2);
    assert_int_equal(harness_file_count(t->last.stderr_path,
                                        "organization 3001, which this configuration does not "
                                        "manage (organization_ids, shard)"),
                     1);
    assert_int_equal(harness_daemon_run(t, failback_other, 15000), 2);
    /* With organization_ids naming it, the shard still decides. */
    assert_int_equal(harness_conf_write(t, "[dashboard]\nshard = 0/2\norganization_ids = 3001, "
                                           "3002, 3003, 3004, 3005, 3006\n"),
                     0);
    assert_int_equal(harness_daemon_run(t, failover_other, 15000), 2);
    assert_int_equal(harness_log_count(&t->fd, "PUT", NULL), 0);
    /* Its own: the command goes through. */
    assert_int_equal(harness_daemon_run(t, failover_own, 15000), 0);
    assert_int_equal(harness_world_close(t), 0);
}

static int teardown_two(void **state)
{
    int rc = harness_world_close(&second) != 0 ? -1 : 0;
    return harness_world_teardown(state) != 0 ? -1 : rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        harness_world_test(test_total_budget),
        cmocka_unit_test_setup_teardown(test_two_replicas_split, harness_world_setup, teardown_two),
        harness_world_test(test_shard_before_list),
        harness_world_test(test_shard_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
