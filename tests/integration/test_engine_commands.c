/*
 * test_engine_commands.c - the operator's side (the README's "When it looks", "Command line" and
 * "HTTP endpoints"): manual failover and failback with the hold tag (and --no-hold), `status
 * --json` against the fake and the admin /status, /readyz before and after the first reconcile,
 * SIGTERM with an action in flight, and SIGHUP with a broken and with a changed configuration.
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
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "harness/config.h"
#include "harness/daemon.h"
#include "harness/fakedash.h"
#include "harness/scenario.h"
#include "harness/webhook.h"
#include "harness/world.h"

#define CLEAN_S 6.0
#define L100_HELD                                                                                  \
    "[\"retail\",\"london_primary_down\",\"paris_backup_up\",\"north\",\"tagfailover_hold\"]"

static const char *const SERVE[] = {"serve", NULL};

/* Opens a world with L_100 and L_200, no loss, and starts serve with configuration
 * `overrides`. */
static void open_clean(harness_world *t, const char *overrides)
{
    char *sc = harness_scenario(HARNESS_NET_L100 "," HARNESS_NET_L200
                                                 "," HARNESS_NET("L_400", "Branch 4 Bath",
                                                                 "[\"london_primary_up\","
                                                                 "\"paris_backup_up\"]",
                                                                 "{\"wan1\":\"active\"}"),
                                "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, overrides), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
}

/* Runs a one-shot command and checks its exit code. */
static void run_ok(harness_world *t, const char *const args[], int want)
{
    int rc = harness_daemon_run(t, args, 15000);
    if (rc != want)
        harness_daemon_dump(t);
    assert_int_equal(rc, want);
}

/* `failover NETWORK_ID` swaps and adds the hold tag; the daemon, failing back clean windows
 * every second, leaves the held network alone; `failback` swaps back and removes the hold. */
static void test_manual_failover_holds(void **state)
{
    harness_world *t = *state;
    char buf[512];
    static const char *const failover[] = {"failover", "L_100", NULL};
    static const char *const failback_dry[] = {"failback", "L_100", "--dry-run", NULL};
    static const char *const failback[] = {"failback", "L_100", NULL};

    open_clean(t, "[failover]\nreconcile_interval_s = 1\n");
    run_ok(t, failover, 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)), L100_HELD);
    const char *const needles[] = {"\"event\":\"failover\"", "\"trigger\":\"manual\"",
                                   "\"loss_pct\":null", "\"dry_run\":false", NULL};
    for (size_t i = 0; needles[i] != NULL; i++)
        assert_int_equal(harness_file_count(t->last.stderr_path, needles[i]), 1);

    /* The window is clean throughout: only the hold keeps the automation off it. */
    harness_sleep_ms((int)(CLEAN_S * 1000) + 2000);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 1);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)), L100_HELD);
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "state", "held", 2000), 0);

    run_ok(t, failback_dry, 0);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 1);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)), L100_HELD);

    run_ok(t, failback, 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_NORMAL);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 2);
    /* And the automation has nothing to do with it afterwards. */
    harness_sleep_ms(2000);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 2);
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "state", "normal", 2000), 0);
    assert_int_equal(harness_world_close(t), 0);
}

/* Seconds since the epoch of an RFC 3339 UTC time ("2026-01-01T00:00:00Z"); -1 when not. */
static double rfc3339_seconds(const char *s)
{
    struct tm tm;
    char z = 0;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &z) != 7 ||
        z != 'Z')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm);
}

/* `failover --no-hold` leaves the network to automation, which fails it back once the window
 * is clean — a window that starts after the manual failover, whose moment the daemon reads
 * from the Dashboard's change log (there is no loss at all, but the data before the move
 * proves nothing). A manual retag of an invalid network fails. */
static void test_manual_no_hold(void **state)
{
    harness_world *t = *state;
    char buf[512];
    static const char *const failover[] = {"failover", "L_100", "--no-hold", NULL};
    static const char *const invalid[] = {"failover", "L_400", NULL};

    open_clean(t, "[failover]\nreconcile_interval_s = 1\n");
    run_ok(t, failover, 0);
    double manual = harness_wall();
    /* The command's PUT wrote the pair only (no hold tag)... */
    double put[2];
    assert_int_equal(harness_log_times(&t->fd, "PUT", "/api/v1/networks/L_100", 200, put, 2), 1);
    /* ...and the next reconcile takes it back. */
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_NORMAL, 10000), 0);
    assert_int_equal(harness_log_times(&t->fd, "PUT", "/api/v1/networks/L_100", 200, put, 2), 2);
    printf("--no-hold: automation failed back %.2f s after the manual failover\n", put[1] - manual);
    /* Not before a whole clean window (6 s) after the move; the change log's times are whole
     * seconds, hence the one second of slack. */
    assert_true(put[1] - manual >= CLEAN_S - 1.0);
    assert_true(
        harness_log_count(&t->fd, "GET", "/api/v1/organizations/1001/configurationChanges") >= 1);
    assert_int_equal(harness_file_count(t->proc.stderr_path, "\"trigger\":\"reconcile\""), 1);

    run_ok(t, invalid, 1);
    assert_true(harness_file_count(t->last.stderr_path, "both_up") >= 1);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_400"), 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_400", buf, sizeof(buf)),
                        "[\"london_primary_up\",\"paris_backup_up\"]");
    assert_int_equal(harness_world_close(t), 0);
}

/* Checks one /status network entry against what the fake holds. */
static void expect_net(struct json_object *doc, const char *id, const char *state,
                       const char *reason, const char *tracked_ip, double worst,
                       const char *primary, const char *backup)
{
    struct json_object *n = harness_daemon_status_net(doc, id);
    if (n == NULL)
        fail_msg("%s missing from the status document", id);
    assert_string_equal(harness_json_str(n, "state"), state);
    assert_string_equal(harness_json_str(n, "reason"), reason);
    assert_string_equal(harness_json_str(n, "tracked_ip"), tracked_ip);
    struct json_object *w = NULL;
    assert_true(json_object_object_get_ex(n, "worst_loss_pct", &w));
    if (isnan(worst))
        assert_null(w);
    else
        assert_true(w != NULL && json_object_get_double(w) == worst);
    assert_string_equal(harness_json_str(n, "primary_site"), primary);
    assert_string_equal(harness_json_str(n, "backup_site"), backup);
    assert_string_equal(harness_json_str(n, "would"), "none");
    assert_string_equal(harness_json_str(n, "last_action"), "null");
    assert_string_equal(harness_json_str(n, "last_action_at"), "null");
    json_object_put(n);
}

/* `status --json` describes every managed network as the fake has it (state from the tags,
 * tracked IP from the peers, worst loss from the data), and the admin /status is the same
 * document. */
static void test_status_json(void **state)
{
    harness_world *t = *state;
    static const char *const status[] = {"status", "--json", NULL};

    char *sc = harness_scenario(
        HARNESS_NET_L100
        "," HARNESS_NET_L200_FAILED "," HARNESS_NET_L300
        "," HARNESS_NET("L_600", "Branch 6 Kyoto", "[\"tokyo_primary_up\",\"paris_backup_down\"]",
                        "{\"wan1\":\"active\"}") "," HARNESS_NET("L_800", "Office", "[\"retail\"]",
                                                                 "{\"wan1\":\"active\"}"),
        "{\"networkId\":\"L_100\",\"ip\":\"" HARNESS_LONDON_IP
        "\",\"lossPercent\":20,\"from\":-3600},"
        "{\"networkId\":\"L_200\",\"ip\":\"" HARNESS_LONDON_IP "\",\"lossPercent\":12.5,"
        "\"from\":-3600},"
        "{\"networkId\":\"L_300\",\"ip\":\"" HARNESS_LONDON_IP
        "\",\"lossPercent\":35,\"from\":-3600}");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, ""), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);

    run_ok(t, status, 0);
    char *out = harness_read_file(t->last.stdout_path);
    assert_non_null(out);
    struct json_object *cli = json_tokener_parse(out);
    free(out);
    assert_non_null(cli);
    struct json_object *adm = harness_daemon_status(t);
    assert_non_null(adm);

    struct json_object *docs[2] = {cli, adm};
    for (int i = 0; i < 2; i++) {
        struct json_object *orgs, *o, *nets;
        assert_true(json_object_object_get_ex(docs[i], "organizations", &orgs));
        assert_int_equal(json_object_array_length(orgs), 1);
        o = json_object_array_get_idx(orgs, 0);
        assert_string_equal(harness_json_str(o, "id"), HARNESS_ORG);
        assert_string_equal(harness_json_str(o, "name"), "Acme");
        assert_true(json_object_object_get_ex(o, "networks", &nets));
        /* Managed networks only: L_800 has no pair tag. */
        assert_int_equal(json_object_array_length(nets), 4);
        expect_net(docs[i], "L_100", "normal", "ok", HARNESS_LONDON_IP, 20, "london", "paris");
        expect_net(docs[i], "L_200", "failed_over", "loss_over_threshold", HARNESS_LONDON_IP, 12.5,
                   "london", "paris");
        /* Held with loss over the threshold: reported, never acted on. */
        expect_net(docs[i], "L_300", "held", "hold_tag", HARNESS_LONDON_IP, 35, "london", "paris");
        expect_net(docs[i], "L_600", "no_tracked_ip", "no_tracked_ip", "null", NAN, "tokyo",
                   "paris");
    }
    /* failback_due_at of a network whose loss goes on moves with each new sample: the two
     * looks were a moment apart, so it is compared within seconds and the rest exactly. */
    double due[2];
    for (int i = 0; i < 2; i++) {
        struct json_object *orgs, *nets;
        json_object_object_get_ex(docs[i], "organizations", &orgs);
        json_object_object_get_ex(json_object_array_get_idx(orgs, 0), "networks", &nets);
        due[i] = -1;
        for (size_t k = 0; k < json_object_array_length(nets); k++) {
            struct json_object *n = json_object_array_get_idx(nets, k), *d;
            if (strcmp(harness_json_str(n, "id"), "L_200") == 0 &&
                json_object_object_get_ex(n, "failback_due_at", &d) && d != NULL)
                due[i] = rfc3339_seconds(json_object_get_string(d));
            json_object_object_del(n, "failback_due_at");
        }
    }
    assert_true(due[0] > 0 && due[1] > 0 && fabs(due[0] - due[1]) <= 3);
    if (!json_object_equal(cli, adm))
        fail_msg("status --json and /status differ:\n%s\n%s", json_object_to_json_string(cli),
                 json_object_to_json_string(adm));
    json_object_put(cli);
    json_object_put(adm);
    /* The same census in /metrics. */
    static const struct {
        const char *state;
        double n;
    } census[] = {
        {"normal", 1}, {"failed_over", 1}, {"held", 1}, {"invalid", 0}, {"no_tracked_ip", 1}};
    for (size_t i = 0; i < sizeof(census) / sizeof(census[0]); i++) {
        char series[96];
        snprintf(series, sizeof(series), "tagfailover_networks{state=\"%s\"}", census[i].state);
        if (harness_daemon_metric(t, series) != census[i].n)
            fail_msg("%s = %g, want %g", series, harness_daemon_metric(t, series), census[i].n);
    }
    assert_int_equal(harness_log_count(&t->fd, "PUT", NULL), 0);
    assert_int_equal(harness_world_close(t), 0);
}

/* /readyz is 503 until the first reconcile has succeeded, then 200; /healthz is 200 all
 * along; a webhook in that time is accepted and its confirmation works without a reconcile. */
static void test_readyz_and_early_webhook(void **state)
{
    harness_world *t = *state;
    struct harness_response r;

    char *sc = harness_scenario(HARNESS_NET_L100, "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, ""), 0);
    /* The organization list takes 1.5 s: nothing is reconciled until it comes. */
    assert_int_equal(harness_fakedash_fault(&t->fd, "delay", "GET", "/api/v1/organizations", 1,
                                            ",\"delay_ms\":1500"),
                     200);
    assert_int_equal(harness_daemon_start(t, SERVE, NULL), 0);
    double started = harness_wall();
    assert_int_equal(harness_wait_port(t->admin_port, 2000), 0);
    assert_int_equal(harness_daemon_get(t, "/readyz", &r), 503);
    printf("/readyz 503: %s\n", r.body);
    harness_response_free(&r);
    assert_int_equal(harness_daemon_get(t, "/healthz", NULL), 200);

    double at202;
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0100", &at202), 202);
    /* The loss shows after the first reconcile's data (t1 <= now at ~1.5 s). */
    assert_int_equal(
        harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, ceil(started) + 3),
        200);
    assert_int_equal(harness_daemon_wait_ready(t, 5000), 0);
    double ready = harness_wall();
    printf("/readyz 200 %.2f s after start\n", ready - started);
    assert_true(ready - started >= 1.4);
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 8000), 0);
    const char *const needles[] = {"\"event\":\"failover\"", "\"trigger\":\"webhook:A-0100\"",
                                   NULL};
    char *line = harness_daemon_log_line(t, needles);
    assert_non_null(line);
    free(line);
    assert_int_equal(harness_world_close(t), 0);
}

/* SIGTERM while a PUT is on the wire: the action finishes, then the daemon exits 0. */
static void test_sigterm_finishes_action(void **state)
{
    harness_world *t = *state;
    char buf[512];

    open_clean(t, "");
    assert_int_equal(harness_fakedash_fault(&t->fd, "delay", "PUT", "/api/v1/networks/L_100", 1,
                                            ",\"delay_ms\":1000"),
                     200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0200", NULL), 202);
    long long end = harness_now_ms() + 3000;
    while (harness_log_count(&t->fd, "GET", "/api/v1/networks/L_100") < 1 && harness_now_ms() < end)
        harness_sleep_ms(10);
    harness_sleep_ms(300); /* the PUT is now waiting out its delay */
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    long long t0 = harness_now_ms();
    assert_int_equal(kill(t->proc.pid, SIGTERM), 0);
    int rc = harness_wait_exit(t->proc.pid, 5000);
    long long took = harness_now_ms() - t0;
    t->proc.pid = 0;
    printf("SIGTERM with a PUT in flight: exit %d after %lld ms\n", rc, took);
    assert_int_equal(rc, 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)),
                        HARNESS_L100_FAILED);
    assert_int_equal(harness_file_count(t->last.stderr_path, "\"event\":\"failover\""), 1);
    assert_int_equal(harness_file_count(t->last.stderr_path, "retag_failed"), 0);
    assert_int_equal(harness_world_close(t), 0);
}

/* SIGHUP with a broken configuration: rejected, the old one keeps running (webhooks still
 * accepted and acted on). */
static void test_sighup_broken_config(void **state)
{
    harness_world *t = *state;

    open_clean(t, "");
    char *good = harness_read_file(t->conf);
    assert_non_null(good);
    assert_int_equal(harness_write_file(t->conf, "[failover]\ndetect_window_s = banana\n"), 0);
    assert_int_equal(kill(t->proc.pid, SIGHUP), 0);
    assert_int_equal(
        harness_wait_file_contains(t->proc.stderr_path, "config_reload_rejected", 5000), 0);
    assert_true(harness_file_count(t->proc.stderr_path, ":2:") >= 1);
    free(good);
    assert_int_equal(harness_daemon_get(t, "/healthz", NULL), 200);
    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0300", NULL), 202);
    assert_int_equal(harness_fakedash_wait_tags(&t->fd, "L_100", HARNESS_L100_FAILED, 5000), 0);
    assert_int_equal(harness_file_count(t->proc.stderr_path, "config_reloaded"), 0);
    assert_int_equal(harness_world_close(t), 0);
}

/* SIGHUP with a changed valid configuration applies it: a new hold_tag name makes a network
 * carrying that tag held, and a webhook for it is skipped. */
static void test_sighup_new_hold_tag(void **state)
{
    harness_world *t = *state;
    const char *tags = "[\"retail\",\"london_primary_up\",\"paris_backup_down\",\"maint\"]";
    char buf[512];

    char *sc =
        harness_scenario(HARNESS_NET("L_100", "Branch 1 Leeds",
                                     "[\"retail\",\"london_primary_up\",\"paris_backup_down\","
                                     "\"maint\"]",
                                     "{\"wan1\":\"active\"}"),
                         "");
    assert_int_equal(harness_world_open(t, sc), 0);
    free(sc);
    assert_int_equal(harness_conf_write(t, ""), 0);
    assert_int_equal(harness_daemon_serve(t, SERVE), 0);
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "state", "normal", 2000), 0);

    assert_int_equal(harness_conf_write(t, "[failover]\nhold_tag = maint\n"), 0);
    assert_int_equal(kill(t->proc.pid, SIGHUP), 0);
    assert_int_equal(harness_wait_file_contains(t->proc.stderr_path, "config_reloaded", 5000), 0);
    assert_int_equal(harness_daemon_wait_status(t, "L_100", "state", "held", 5000), 0);
    assert_int_equal(harness_daemon_wait_ready(t, 5000), 0);
    harness_sleep_ms(700); /* the token bucket refills after the new engine's reconcile */

    assert_int_equal(harness_fakedash_loss(&t->fd, "L_100", HARNESS_LONDON_IP, NULL, 100, -3), 200);
    assert_int_equal(harness_webhook_alert(t, HARNESS_ORG, "L_100", "A-0400", NULL), 202);
    assert_int_equal(harness_daemon_wait_metric(
                         t, "tagfailover_confirmations_total{result=\"skipped\"}", 1, 5000),
                     0);
    assert_int_equal(harness_fakedash_puts(&t->fd, "L_100"), 0);
    assert_string_equal(harness_fakedash_tags_text(&t->fd, "L_100", buf, sizeof(buf)), tags);
    assert_int_equal(harness_file_count(t->proc.stderr_path, "held (hold_tag)"), 1);
    assert_int_equal(harness_world_close(t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        harness_world_test(test_manual_failover_holds),
        harness_world_test(test_manual_no_hold),
        harness_world_test(test_status_json),
        harness_world_test(test_readyz_and_early_webhook),
        harness_world_test(test_sigterm_finishes_action),
        harness_world_test(test_sighup_broken_config),
        harness_world_test(test_sighup_new_hold_tag),
    };
    harness_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
