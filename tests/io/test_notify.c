/*
 * test_notify.c - the notifier with real processes: the command's environment (the event's
 * variables, no secret variables, stdin /dev/null), a command that hangs is killed with its
 * whole process group after timeout_s while notify_post never waits, a full queue drops and
 * counts, a failing command and an unreachable URL count as failed. The URL's delivery to a
 * real HTTP server is tests/integration/notify.test.sh's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tagfailover/metrics.h"
#include "tagfailover/notify.h"

static char dir[64];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits up to `seconds` for `cond` to hold. */
#define WAIT_FOR(cond, seconds)                                                                    \
    do {                                                                                           \
        double until_ = now_s() + (seconds);                                                       \
        while (!(cond) && now_s() < until_)                                                        \
            usleep(10000);                                                                         \
    } while (0)

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 65536);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* True when `pid` no longer runs: no such process, or a zombie. */
static bool gone(pid_t pid)
{
    if (kill(pid, 0) != 0)
        return true;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *st = read_file(path);
    if (st == NULL)
        return true;
    const char *close_paren = strrchr(st, ')');
    bool z = close_paren != NULL && (close_paren[2] == 'Z' || close_paren[2] == 'X');
    free(st);
    return z;
}

static char *before_v[] = {"retail", "london_primary_up", "paris_backup_down"};
static char *after_v[] = {"retail", "london_primary_down", "paris_backup_up"};

static notify_msg_event event(void)
{
    return (notify_msg_event){
        .event = "failover",
        .network_id = "L_100",
        .network_name = "Branch 1",
        .org_id = "1001",
        .trigger = "webhook:a-1",
        .evidence = "series",
        .has_loss = true,
        .loss_pct = 90,
        .tags_before = {before_v, 3},
        .tags_after = {after_v, 3},
    };
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tf_notify_XXXXXX");
    assert_non_null(mkdtemp(dir));
    metrics_reset();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* The command runs once per event with the event's environment and none of the secrets'. */
static void test_command_env(void **state)
{
    (void)state;
    char cmd[512], out[128];
    snprintf(out, sizeof out, "%s/env", dir);
    snprintf(cmd, sizeof cmd,
             "/bin/sh -c 'env > \"$1.$TAGFAILOVER_NETWORK_ID\"; cat >> \"$1.stdin\"' sh %s", out);
    setenv("MERAKI_DASHBOARD_API_KEY", "secret-key-123", 1);
    setenv("TAGFAILOVER_SHARED_SECRET", "secret-shared-456", 1);
    setenv("TAGFAILOVER_EVENT", "forged", 1);
    notify *n = NULL;
    const notify_options o = {.command = cmd, .timeout_s = 10};
    assert_int_equal(notify_new(&o, &n), NOTIFY_OK);
    assert_non_null(n);
    notify_msg_event ev = event();
    notify_post(n, &ev);
    ev.network_id = "L_200";
    ev.network_name = "Branch 2";
    ev.dry_run = true;
    ev.has_loss = false;
    notify_post(n, &ev);
    WAIT_FOR(metrics_notification_count(METRICS_NOTIFY_OK) == 2, 20);
    notify_free(n);
    unsetenv("MERAKI_DASHBOARD_API_KEY");
    unsetenv("TAGFAILOVER_SHARED_SECRET");
    unsetenv("TAGFAILOVER_EVENT");
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_OK), 2);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_FAILED), 0);

    char path[160];
    snprintf(path, sizeof path, "%s.L_100", out);
    char *env = read_file(path);
    assert_non_null(env);
    const char *want[] = {
        "\nTAGFAILOVER_EVENT=failover\n",
        "\nTAGFAILOVER_NETWORK_ID=L_100\n",
        "\nTAGFAILOVER_NETWORK_NAME=Branch 1\n",
        "\nTAGFAILOVER_ORG_ID=1001\n",
        "\nTAGFAILOVER_TRIGGER=webhook:a-1\n",
        "\nTAGFAILOVER_EVIDENCE=series\n",
        "\nTAGFAILOVER_LOSS_PCT=90.0\n",
        "\nTAGFAILOVER_TAGS_BEFORE=retail,london_primary_up,paris_backup_down\n",
        "\nTAGFAILOVER_TAGS_AFTER=retail,london_primary_down,paris_backup_up\n",
        "\nTAGFAILOVER_DRY_RUN=false\n",
        "\nPATH=",
    };
    char *envn = malloc(strlen(env) + 2);
    assert_non_null(envn);
    envn[0] = '\n';
    strcpy(envn + 1, env);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strstr(envn, want[i]) == NULL)
            fail_msg("no %s in the command's environment", want[i] + 1);
    assert_null(strstr(envn, "secret-key-123"));
    assert_null(strstr(envn, "secret-shared-456"));
    assert_null(strstr(envn, "forged"));
    free(envn);
    free(env);

    snprintf(path, sizeof path, "%s.L_200", out);
    env = read_file(path);
    assert_non_null(env);
    assert_non_null(strstr(env, "TAGFAILOVER_DRY_RUN=true\n"));
    assert_non_null(strstr(env, "TAGFAILOVER_LOSS_PCT=\n"));
    free(env);
    /* stdin is /dev/null: both runs read nothing and ended. */
    snprintf(path, sizeof path, "%s.stdin", out);
    env = read_file(path);
    assert_non_null(env);
    assert_string_equal(env, "");
    free(env);
}

/* A command that hangs (and started a child of its own) is killed with its process group
 * after timeout_s; notify_post returned at once; the next event still runs. */
static void test_hanging_command(void **state)
{
    (void)state;
    char cmd[512], pidfile[128], ran[128];
    snprintf(pidfile, sizeof pidfile, "%s/child.pid", dir);
    snprintf(ran, sizeof ran, "%s/ran", dir);
    /* The first event hangs in `sleep 1000` (a child of the shell); the second only marks. */
    snprintf(cmd, sizeof cmd,
             "/bin/sh -c 'if [ \"$TAGFAILOVER_NETWORK_ID\" = L_2 ]; then touch %s; exit 0; fi; "
             "sleep 1000 & echo $! > %s; wait' sh",
             ran, pidfile);
    notify *n = NULL;
    const notify_options o = {.command = cmd, .timeout_s = 1};
    assert_int_equal(notify_new(&o, &n), NOTIFY_OK);
    notify_msg_event ev = event();
    double t0 = now_s();
    notify_post(n, &ev);
    ev.network_id = "L_2";
    notify_post(n, &ev);
    double posted = now_s() - t0;
    assert_true(posted < 0.5); /* two copies into a queue: no waiting for the command */

    WAIT_FOR(exists(pidfile), 10);
    char *pid_text = read_file(pidfile);
    assert_non_null(pid_text);
    pid_t child = (pid_t)atoi(pid_text);
    free(pid_text);
    assert_true(child > 1);
    WAIT_FOR(exists(ran), 20);
    double took = now_s() - t0;
    assert_true(exists(ran));
    assert_true(took >= 0.9); /* the second ran only after the first's timeout */
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_FAILED), 1);
    WAIT_FOR(metrics_notification_count(METRICS_NOTIFY_OK) == 1, 10);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_OK), 1);
    /* The shell's own child went with the group (gone, or a zombie its new parent reaps). */
    WAIT_FOR(gone(child), 10);
    assert_true(gone(child));
    notify_free(n);
}

/* With the thread busy, a full queue drops what does not fit and counts it; every event is
 * counted once in the end (ok, failed or dropped); stopping takes about timeout_s, not
 * timeout_s per queued event. */
static void test_full_queue(void **state)
{
    (void)state;
    char cmd[256], started[128];
    snprintf(started, sizeof started, "%s/started", dir);
    snprintf(cmd, sizeof cmd, "/bin/sh -c 'touch %s; exec sleep 1000'", started);
    notify *n = NULL;
    const notify_options o = {.command = cmd, .timeout_s = 2, .queue_cap = 2};
    assert_int_equal(notify_new(&o, &n), NOTIFY_OK);
    notify_msg_event ev = event();
    notify_post(n, &ev);
    WAIT_FOR(exists(started), 10); /* the thread holds the first: the queue is empty */
    assert_true(exists(started));
    for (int i = 0; i < 4; i++)
        notify_post(n, &ev);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_DROPPED), 2);
    /* Stopping gives the one in hand and the queued ones timeout_s in all, not each. */
    double t0 = now_s();
    notify_free(n);
    double took = now_s() - t0;
    print_message("notify_free took %.2f s (timeout_s 2)\n", took);
    assert_true(took < 3.5);
    unsigned long all = metrics_notification_count(METRICS_NOTIFY_OK) +
                        metrics_notification_count(METRICS_NOTIFY_FAILED) +
                        metrics_notification_count(METRICS_NOTIFY_DROPPED);
    assert_int_equal(all, 5);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_OK), 0);
}

/* A command that fails, one that cannot be run, and a URL nobody answers are failures. */
static void test_failures(void **state)
{
    (void)state;
    notify *n = NULL;
    notify_options o = {.command = "/bin/false", .timeout_s = 5};
    assert_int_equal(notify_new(&o, &n), NOTIFY_OK);
    notify_msg_event ev = event();
    notify_post(n, &ev);
    notify_free(n);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_FAILED), 1);

    o.command = "/nonexistent/tf-notify";
    assert_int_equal(notify_new(&o, &n), NOTIFY_OK);
    notify_post(n, &ev);
    notify_free(n);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_FAILED), 2);

    /* Port 1 on loopback: nothing listens, the connection is refused at once. */
    o = (notify_options){.url = "http://127.0.0.1:1/hook/TOKEN", .timeout_s = 5};
    assert_int_equal(notify_new(&o, &n), NOTIFY_OK);
    notify_post(n, &ev);
    notify_free(n);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_FAILED), 3);
    assert_int_equal(metrics_notification_count(METRICS_NOTIFY_OK), 0);
}

/* Nothing configured: no notifier, and NULL is accepted everywhere; a bad command is refused. */
static void test_none(void **state)
{
    (void)state;
    notify *n = (notify *)1;
    const notify_options none = {.command = "", .url = NULL, .timeout_s = 10};
    assert_int_equal(notify_new(&none, &n), NOTIFY_OK);
    assert_null(n);
    notify_msg_event ev = event();
    notify_post(NULL, &ev);
    notify_free(NULL);
    const notify_options bad = {.command = "x 'open", .timeout_s = 10};
    assert_int_equal(notify_new(&bad, &n), NOTIFY_ERR_INVALID);
    assert_null(n);
    assert_string_equal(notify_strerror(NOTIFY_ERR_INVALID),
                        "the notify command or timeout is not usable");
}

int main(void)
{
    /* The daemon ignores SIGPIPE; so does this test, as the notifier expects. */
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_command_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hanging_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_none, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
