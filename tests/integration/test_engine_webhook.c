/*
 * test_engine_webhook.c - the responder end to end (the README's "Tags and network states", "Which
 * loss counts" and "When it looks"): a real-format Meraki webhook reaches `tagfailover serve`,
 * whose confirmation looks at the fake Dashboard's loss data and retags the network, or rightly
 * does not.
 *
 * Each test has its own fake Dashboard, configuration and daemon, with time compressed (1-s
 * samples, 6-s windows, 1-s confirmation interval) and a 30-s reconcile interval, so the
 * first reconcile happens before any loss and only the webhook can cause a retag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/fakedash.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

#define UNCONFIRMED "tagfailover_confirmations_total{result=\"unconfirmed\"}"
#define CONFIRMED   "tagfailover_confirmations_total{result=\"confirmed\"}"
#define SKIPPED     "tagfailover_confirmations_total{result=\"skipped\"}"

#define LOSS_PATH "/api/v1/organizations/1001/devices/uplinksLossAndLatency"

static const char *const SERVE[] = {"serve", NULL};

/* Opens a world with the standard networks L_100, L_200 and L_300 and starts serve with
 * configuration `overrides`. */
static void open_standard(harness_world *t, const char *overrides)
{
    char *sc = harness_scenario(HARNESS_NET_L100 "," HARNESS_NET_L200 "," HARNESS_NET_L300, "");
    assert_non_null(sc);
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, overrides), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
}

/* A webhook for a network with loss fails it over within milliseconds, swapping only the
 * pair tags and keeping the others in order; the log line and metrics say so. */
static void test_webhook_failover(void **state)
{
    harness_world *t = *state;
    double at202;
    char buf[1024];

    open_standard(t, "");
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0001", &at202), 202);
    if (harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 5000) != 0)
        harness_daemon_dump(t);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_FAILED);
    double put = harness_fakedash_first_put(&t->fd, "L_100");
    assert_false(isnan(put));
    printf("webhook -> PUT latency: %.1f ms\n", (put - at202) * 1000.0);
    assert_true(put - at202 < 2.0);

    /* Exactly one PUT; the other networks are untouched. */
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 1);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_200"), 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_200", buf, sizeof(buf)),
                        HARNESS_L200_NORMAL);

    /* The README's "Logs": the failover line. */
    assert_int_equal(harness_daemon_wait_metric(t, CONFIRMED, 1, 3000), 0);
    const char *const needles[] = {
        "\"event\":\"failover\"", "\"network_id\":\"L_100\"", "\"trigger\":\"webhook:A-0001\"",
        "\"dry_run\":false",      "\"loss_pct\":100",         NULL};
    char *line = harness_daemon_log_line(t, needles);
    if (line == NULL)
        harness_daemon_dump(t);
    assert_non_null(line);
    assert_non_null(strstr(line, "\"tags_before\":" HARNESS_L100_NORMAL));
    assert_non_null(strstr(line, "\"tags_after\":" HARNESS_L100_FAILED));
    assert_non_null(strstr(line, "\"org_id\":\"1001\""));
    assert_non_null(strstr(line, "\"network_name\":\"Branch 1 Leeds\""));
    free(line);
    assert_true(harness_daemon_metric(t, "tagfailover_failovers_total{trigger=\"webhook\"}") == 1);
    assert_true(harness_daemon_metric(t, "tagfailover_alert_to_retag_seconds_count") == 1);
    assert_int_equal(harness_world_close(t), 0);
}

/* No loss: the confirmation looks every second for its whole window, then ends unconfirmed,
 * and nothing is written. */
static void test_no_loss_unconfirmed(void **state)
{
    harness_world *t = *state;

    open_standard(t, "[failover]\nconfirm_window_s = 4\n");
    assert_int_equal(harness_log_clear(&t->fd), 0);
    double t0 = harness_wall();
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0002", NULL), 202);
    /* A second alert for the network joins the confirmation under way (no second timer). */
    harness_sleep_ms(1500);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0002b", NULL), 202);
    assert_int_equal(harness_daemon_wait_metric(t, UNCONFIRMED, 1, 8000), 0);
    double took = harness_wall() - t0;
    int looks = harness_log_count(&t->fd, "GET", LOSS_PATH);
    printf("unconfirmed after %.2f s and %d looks (confirm_window_s 4, interval 1)\n", took, looks);
    /* Looks at 0, 1, 2, 3 and 4 s: the whole window, not one interval less. */
    assert_int_equal(looks, 5);
    assert_true(took >= 3.9 && took < 5.0);
    assert_true(harness_daemon_metric(t, CONFIRMED) == 0);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    const char *const needles[] = {"\"event\":\"confirmation\"", "\"alert_id\":\"A-0002\"",
                                   "\"looks\":5", NULL};
    char *line = harness_daemon_log_line(t, needles);
    assert_non_null(line);
    free(line);
    harness_sleep_ms(1200); /* no second confirmation ends after the first */
    assert_true(harness_daemon_metric(t, UNCONFIRMED) == 1);
    char buf[512];
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_NORMAL);
    assert_int_equal(harness_world_close(t), 0);
}

/* Loss that shows up in the data 3 s after the webhook (Meraki's lag) is caught by a later
 * look of the same confirmation. */
static void test_late_loss(void **state)
{
    harness_world *t = *state;
    double at202;

    open_standard(t, "");
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0003", &at202), 202);
    double appears = at202 + 3.0;
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 80, appears),
                     200);
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 9000), 0);
    double put = harness_fakedash_first_put(&t->fd, "L_100");
    printf("loss appeared %.2f s after the 202; PUT %.2f s after it appeared\n", appears - at202,
           put - appears);
    /* Not before the loss existed, and within a confirmation interval or two after. */
    assert_true(put >= appears);
    assert_true(put - appears < 2.5);
    assert_true(harness_daemon_metric(t, CONFIRMED) == 1);
    assert_int_equal(harness_world_close(t), 0);
}

/* Waits until the confirmation of a network ended as `series` and checks no PUT happened. */
static void expect_no_retag(harness_world *t, const char *net, const char *series, const char *tags)
{
    char buf[1024];
    if (harness_daemon_wait_metric(t, series, 1, 8000) != 0)
        harness_daemon_dump(t);
    assert_true(harness_daemon_metric(t, series) == 1);
    assert_true(harness_daemon_metric(t, CONFIRMED) == 0);
    assert_int_equal(harness_fakedash_puts(&t->fd, net), 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, net, buf, sizeof(buf)), tags);
}

/* A held network is never retagged: the confirmation is skipped. */
static void test_hold_tag_skipped(void **state)
{
    harness_world *t = *state;

    open_standard(t, "");
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_300", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_300", "A-0004", NULL), 202);
    expect_no_retag(t, "L_300", SKIPPED,
                    "[\"london_primary_up\",\"paris_backup_down\",\"tagfailover_hold\"]");
    assert_int_equal(harness_daemon_log_count(t, "held (hold_tag)"), 1);
    assert_int_equal(harness_world_close(t), 0);
}

/* Both pair tags up is invalid: no retag, the confirmation is skipped with the reason. */
static void test_invalid_both_up(void **state)
{
    harness_world *t = *state;

    char *sc = harness_scenario(HARNESS_NET("L_400", "Branch 4 Bath",
                                            "[\"london_primary_up\",\"paris_backup_up\"]",
                                            "{\"wan1\":\"active\"}"),
                                "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, ""), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_400", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_400", "A-0005", NULL), 202);
    expect_no_retag(t, "L_400", SKIPPED, "[\"london_primary_up\",\"paris_backup_up\"]");
    assert_int_equal(harness_daemon_log_count(t, "invalid (both_up)"), 1);
    assert_int_equal(harness_world_close(t), 0);
}

/* A network whose connectivity monitoring watches both peers and a third address. */
#define NET_DEST                                                                                   \
    "{\"id\":\"L_500\",\"name\":\"Branch 5 Ely\",\"tags\":[\"london_primary_up\","                 \
    "\"paris_backup_down\"],\"serial\":\"Q2XX-L_500\",\"uplinks\":{\"wan1\":\"active\"},"          \
    "\"destinations\":[\"" HARNESS_LONDON_IP "\",\"" HARNESS_PARIS_IP "\",\"192.0.2.50\"]}"
#define NET_DEST_FAILED "[\"london_primary_down\",\"paris_backup_up\"]"
#define NET_DEST_NORMAL "[\"london_primary_up\",\"paris_backup_down\"]"

/* [site london] tracked_ip overrides the peer's publicIp: loss to the override counts (and
 * fails over) while the peer's IP is clean; loss to the peer's IP alone does not. */
static void site_override(harness_world *t, bool loss_on_override)
{
    char *sc = harness_scenario(NET_DEST, "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, "[failover]\nconfirm_window_s = 3\n"
                                           "[site london]\ntracked_ip = 192.0.2.50\n"),
                     0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_500",
                                           loss_on_override ? "192.0.2.50" : HARNESS_LONDON_IP,
                                           NULL, 100, -3),
                     200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_500", "A-0006", NULL), 202);
    if (loss_on_override) {
        assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_500", NET_DEST_FAILED, 5000), 0);
        assert_int_equal(harness_fakedash_puts(&t->fd, "L_500"), 1);
    } else {
        expect_no_retag(t, "L_500", UNCONFIRMED, NET_DEST_NORMAL);
    }
    /* /status shows the override as the tracked IP either way (after the next reconcile it
     * would be the same; the first one already used it). */
    struct json_object *doc = harness_daemon_status(t),
                       *n = harness_daemon_status_net(doc, "L_500");
    assert_string_equal(harness_json_str(n, "tracked_ip"), "192.0.2.50");
    json_object_put(n);
    json_object_put(doc);
    assert_int_equal(harness_world_close(t), 0);
}

static void test_site_override_loss(void **state)
{
    site_override(*state, true);
}

static void test_site_override_peer_loss_ignored(void **state)
{
    site_override(*state, false);
}

/* require_backup_healthy: loss on the backup's IP too blocks the failover; the confirmation
 * says why. */
static void test_backup_unhealthy(void **state)
{
    harness_world *t = *state;

    open_standard(t, "[failover]\nconfirm_window_s = 3\n");
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_PARIS_IP, NULL, 60, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0007", NULL), 202);
    expect_no_retag(t, "L_100", UNCONFIRMED, HARNESS_L100_NORMAL);
    const char *const needles[] = {"\"event\":\"confirmation\"", "\"result\":\"unconfirmed\"",
                                   "backup_unhealthy", NULL};
    char *line = harness_daemon_log_line(t, needles);
    if (line == NULL)
        harness_daemon_dump(t);
    assert_non_null(line);
    free(line);
    assert_int_equal(harness_world_close(t), 0);
}

/* --dry-run: the whole confirmation runs and logs the failover it would do, but never PUTs. */
static void test_dry_run(void **state)
{
    harness_world *t = *state;
    static const char *const serve_dry[] = {"serve", "--dry-run", NULL};

    char *sc = harness_scenario(HARNESS_NET_L100 "," HARNESS_NET_L200, "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, ""), 0);
    assert_int_equal(harness_daemon_serve(t, serve_dry), 0);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0008", NULL), 202);
    assert_int_equal(
        harness_wait_file_contains(t->proc.stderr_path, "\"event\":\"failover\"", 5000), 0);
    const char *const needles[] = {"\"event\":\"failover\"", "\"dry_run\":true",
                                   "\"trigger\":\"webhook:A-0008\"", NULL};
    char *line = harness_daemon_log_line(t, needles);
    assert_non_null(line);
    assert_non_null(strstr(line, "\"tags_after\":" HARNESS_L100_FAILED));
    free(line);
    /* The retag path read the network, then stopped short of the PUT. */
    assert_true(harness_log_count(&t->fd, "GET", "/api/v1/networks/L_100") >= 1);
    assert_int_equal(harness_log_count(&t->fd, "PUT", NULL), 0);
    char buf[512];
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_NORMAL);
    assert_true(harness_daemon_metric(t, "tagfailover_failovers_total{trigger=\"webhook\"}") == 0);
    assert_int_equal(harness_world_close(t), 0);
}

/* uplinks = active: loss on a standby (`ready`) wan2 does not count; once wan2 becomes active
 * the same confirmation fails over. */
static void test_standby_uplink(void **state)
{
    harness_world *t = *state;

    open_standard(t, "");
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, "wan2", 100, -3),
                     200);
    double t0 = harness_wall();
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0009", NULL), 202);
    /* Three looks (1 s apart) see the loss data but not on a considered uplink. */
    const char *loss_path = LOSS_PATH;
    long long end = harness_now_ms() + 5000;
    while (harness_log_count(&t->fd, "GET", loss_path) < 4 && harness_now_ms() < end)
        harness_sleep_ms(HARNESS_POLL_MS);
    assert_true(harness_log_count(&t->fd, "GET", loss_path) >= 4);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    assert_true(harness_wall() - t0 < 9); /* still inside the confirmation window */

    assert_int_equal(
        harness_controlf(&t->fd, "/_control/uplink",
                         "{\"networkId\":\"L_100\",\"uplink\":\"wan2\",\"status\":\"active\"}"),
        200);
    double flipped = harness_wall();
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 4000), 0);
    double put = harness_fakedash_first_put(&t->fd, "L_100");
    printf("standby wan2 turned active; failover %.2f s later\n", put - flipped);
    assert_true(put > flipped);
    assert_true(harness_daemon_metric(t, CONFIRMED) == 1);
    assert_int_equal(harness_world_close(t), 0);
}

/* A person holds the network during the confirmation, before the loss shows: the fresh GET
 * before the PUT sees the hold and nothing is written. */
static void test_person_edit_respected(void **state)
{
    harness_world *t = *state;
    double at202;

    open_standard(t, "");
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0010", &at202), 202);
    /* Let one look find nothing, then the person's edit, then the loss. */
    const char *loss_path = LOSS_PATH;
    long long end = harness_now_ms() + 3000;
    while (harness_log_count(&t->fd, "GET", loss_path) < 1 && harness_now_ms() < end)
        harness_sleep_ms(HARNESS_POLL_MS);
    const char *held =
        "[\"retail\",\"london_primary_up\",\"paris_backup_down\",\"north\",\"tagfailover_hold\"]";
    assert_int_equal(harness_fakedash_set_tags(&t->fd, "L_100", held), 200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    expect_no_retag(t, "L_100", SKIPPED, held);
    assert_int_equal(harness_world_close(t), 0);
}

/* Two organizations: an alert for each lands, each on its own organization, and /status lists
 * both. */
static void test_two_orgs(void **state)
{
    harness_world *t = *state;
    double a1, a2;

    const char *sc = "{\"api_key\":\"test-api-key\",\"sample_spacing_s\":1,\"data_lag_s\":0,"
                     "\"organizations\":["
                     "{\"id\":\"1001\",\"name\":\"Acme\",\"peers\":" HARNESS_PEERS
                     ",\"networks\":[" HARNESS_NET_L100 "]},"
                     "{\"id\":\"2002\",\"name\":\"Globex\",\"peers\":" HARNESS_PEERS
                     ",\"networks\":[" HARNESS_NET("N_700", "Globex Leeds",
                                                   "[\"london_primary_up\",\"paris_backup_down\"]",
                                                   "{\"wan1\":\"active\"}") "]}],"
                                                                            "\"loss\":[]}";
    assert_int_equal(harness_world_open(t, sc), 0);
    assert_int_equal(harness_conf_write(t, ""), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "N_700", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, "1001", "L_100", "A-0011", &a1), 202);
    assert_int_equal(harness_webhook_alert(t, "2002", "N_700", "A-0012", &a2), 202);
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 5000), 0);
    assert_int_equal(harness_fakedash_wait_tags(
                         &t->fd, "N_700", "[\"london_primary_down\",\"paris_backup_up\"]", 5000),
                     0);
    printf("two orgs: PUT latencies %.1f ms and %.1f ms\n",
           (harness_fakedash_first_put(&t->fd, "L_100") - a1) * 1000,
           (harness_fakedash_first_put(&t->fd, "N_700") - a2) * 1000);
    /* Each organization's data was read under its own path. */
    assert_true(harness_log_count(&t->fd, "GET",
                                  "/api/v1/organizations/2002/devices/uplinksLossAndLatency") >= 1);
    struct json_object *doc = harness_daemon_status(t), *orgs, *id;
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "organizations", &orgs));
    assert_int_equal(json_object_array_length(orgs), 2);
    int seen = 0;
    for (size_t i = 0; i < 2; i++) {
        struct json_object *o = json_object_array_get_idx(orgs, i);
        assert_true(json_object_object_get_ex(o, "id", &id));
        if (strcmp(json_object_get_string(id), "1001") == 0) {
            assert_string_equal(harness_json_str(o, "name"), "Acme");
            seen |= 1;
        } else if (strcmp(json_object_get_string(id), "2002") == 0) {
            assert_string_equal(harness_json_str(o, "name"), "Globex");
            seen |= 2;
        }
    }
    assert_int_equal(seen, 3);
    struct json_object *n = harness_daemon_status_net(doc, "N_700");
    assert_non_null(n);
    json_object_put(n);
    json_object_put(doc);
    assert_true(harness_daemon_metric(t, CONFIRMED) == 2);
    assert_int_equal(harness_world_close(t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        harness_world_test(test_webhook_failover),
        harness_world_test(test_no_loss_unconfirmed),
        harness_world_test(test_late_loss),
        harness_world_test(test_hold_tag_skipped),
        harness_world_test(test_invalid_both_up),
        harness_world_test(test_site_override_loss),
        harness_world_test(test_site_override_peer_loss_ignored),
        harness_world_test(test_backup_unhealthy),
        harness_world_test(test_dry_run),
        harness_world_test(test_standby_uplink),
        harness_world_test(test_person_edit_respected),
        harness_world_test(test_two_orgs),
    };
    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
