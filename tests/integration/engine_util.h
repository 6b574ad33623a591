/*
 * engine_util.h - what the engine tests (test_engine_*.c, bench_engine.c) share: a temp dir
 * with a scenario file and a fake Dashboard, a generated tagfailover configuration with
 * compressed time, the daemon or a one-shot command as a child process, real-format Meraki
 * webhooks, and polling helpers over the fake's control API and the daemon's admin port.
 *
 * Time is compressed as DESIGN section 6 allows: 1-s samples, no data lag, 6-s detect and
 * clean windows, a 1-s confirmation interval. Tests poll (every 50 ms, with deadlines) instead
 * of sleeping wherever they wait for something to happen; they sleep only to prove that
 * something does NOT happen within a time it would need.
 *
 * Included by one program at a time; every function is static (and may go unused).
 */
#ifndef ENGINE_UTIL_H
#define ENGINE_UTIL_H

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness/fakedash.h"

#define TE_UNUSED __attribute__((unused))

#define TE_SECRET    "secret" /* the sharedSecret of Meraki's example payloads */
#define TE_ORG       "1001"
#define TE_LONDON_IP "203.0.113.10"  /* the London peer: primary site's tracked IP */
#define TE_PARIS_IP  "198.51.100.20" /* the Paris peer: backup site's tracked IP */
#define TE_POLL_MS   50

/* The tags of the standard networks, as the fake's /_control/networks prints them. */
#define TE_L100_NORMAL "[\"retail\",\"london_primary_up\",\"paris_backup_down\",\"north\"]"
#define TE_L100_FAILED "[\"retail\",\"london_primary_down\",\"paris_backup_up\",\"north\"]"
#define TE_L200_NORMAL "[\"paris_backup_down\",\"warehouse\",\"london_primary_up\"]"
#define TE_L200_FAILED "[\"paris_backup_up\",\"warehouse\",\"london_primary_down\"]"

/* Scenario network entries (JSON objects, for te_scenario). */
#define TE_NET(id, name, tags, uplinks)                                                            \
    "{\"id\":\"" id "\",\"name\":\"" name "\",\"tags\":" tags ",\"serial\":\"Q2XX-" id             \
    "\",\"uplinks\":" uplinks "}"
#define TE_NET_L100                                                                                \
    TE_NET("L_100", "Branch 1 Leeds", TE_L100_NORMAL, "{\"wan1\":\"active\",\"wan2\":\"ready\"}")
#define TE_NET_L100_FAILED                                                                         \
    TE_NET("L_100", "Branch 1 Leeds", TE_L100_FAILED, "{\"wan1\":\"active\",\"wan2\":\"ready\"}")
#define TE_NET_L200        TE_NET("L_200", "Branch 2 York", TE_L200_NORMAL, "{\"wan1\":\"active\"}")
#define TE_NET_L200_FAILED TE_NET("L_200", "Branch 2 York", TE_L200_FAILED, "{\"wan1\":\"active\"}")
#define TE_NET_L300                                                                                \
    TE_NET("L_300", "Branch 3 Hull",                                                               \
           "[\"london_primary_up\",\"paris_backup_down\",\"tagfailover_hold\"]",                   \
           "{\"wan1\":\"active\",\"cellular\":\"ready\"}")

/* The London and Paris peers of an organization (scenario JSON). */
#define TE_PEERS                                                                                   \
    "[{\"name\":\"London DC\",\"publicIp\":\"" TE_LONDON_IP "\",\"privateSubnets\":"               \
    "[\"10.10.0.0/16\"],\"networkTags\":[\"london_primary_up\"]},"                                 \
    "{\"name\":\"Paris DC\",\"publicIp\":\"" TE_PARIS_IP "\",\"privateSubnets\":"                  \
    "[\"10.20.0.0/16\"],\"networkTags\":[\"paris_backup_up\"]}]"

/* One test's world. */
typedef struct {
    char *dir;                              /* temp dir (removed by te_close) */
    char conf[HARNESS_PATH_MAX];            /* DIR/tagfailover.conf */
    char scenario[HARNESS_PATH_MAX];        /* DIR/scenario.json */
    struct harness_fakedash fd;             /* the fake Dashboard */
    int fd_up;                              /* fake running */
    struct harness_proc proc;               /* the daemon (pid 0 when not running) */
    struct harness_proc last;               /* the last process spawned (daemon or one-shot) */
    int runs;                               /* processes spawned so far (names their log files) */
    int port;                               /* webhook listener port */
    int admin_port;                         /* admin port */
    char url[160];                          /* the webhook URL */
    char admin[160];                        /* http://127.0.0.1:ADMIN */
    char stderr_paths[8][HARNESS_PATH_MAX]; /* every daemon run's stderr, for te_log_count */
    int n_stderr;
    const char *dashboard_extra; /* more [dashboard] lines for te_write_conf, or NULL */
} te;

/* Wall clock in Unix seconds (the fake's log uses the same clock). */
TE_UNUSED static double te_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps until the wall clock reaches `at`. */
TE_UNUSED static void te_sleep_until(double at)
{
    double d = at - te_wall();
    if (d > 0)
        harness_sleep_ms((int)(d * 1000.0) + 1);
}

/* A single-organization scenario (org 1001 "Acme", London and Paris peers) with the given
 * networks (a JSON array's inside) and loss entries (another). Caller frees. */
TE_UNUSED static char *te_scenario(const char *networks, const char *loss)
{
    size_t len = strlen(networks) + strlen(loss) + 4096;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    snprintf(s, len,
             "{\"api_key\":\"test-api-key\",\"sample_spacing_s\":1,\"data_lag_s\":0,"
             "\"organizations\":[{\"id\":\"" TE_ORG "\",\"name\":\"Acme\",\"peers\":" TE_PEERS
             ",\"networks\":[%s]}],\"loss\":[%s]}",
             networks, loss);
    return s;
}

/* Prints the last `max` bytes of a file under a title (context for a failing test). */
TE_UNUSED static void te_dump_file(const char *title, const char *path, size_t max)
{
    char *s = harness_read_file(path);
    if (s == NULL)
        return;
    size_t n = strlen(s);
    fprintf(stderr, "---- %s (last %zu bytes) ----\n%s\n----\n", title, max,
            n > max ? s + n - max : s);
    free(s);
}

/* Prints the daemon's (or the last command's) stderr. */
TE_UNUSED static void te_dump(const te *t)
{
    if (t->last.stderr_path[0] != '\0')
        te_dump_file("tagfailover stderr", t->last.stderr_path, 6000);
}

/* Creates the temp dir, writes `scenario_json` and starts the fake with it. Picks the two
 * ports the daemon will use. Returns 0 or -1. */
TE_UNUSED static int te_open(te *t, const char *scenario_json)
{
    memset(t, 0, sizeof(*t));
    harness_init();
    t->dir = harness_tmpdir_create();
    if (t->dir == NULL)
        return -1;
    snprintf(t->conf, sizeof(t->conf), "%s/tagfailover.conf", t->dir);
    snprintf(t->scenario, sizeof(t->scenario), "%s/scenario.json", t->dir);
    if (harness_write_file(t->scenario, scenario_json) != 0)
        return -1;
    if (harness_fakedash_start_in(t->dir, t->scenario, &t->fd) != 0)
        return -1;
    t->fd_up = 1;
    t->port = harness_free_port();
    t->admin_port = harness_free_port();
    if (t->port < 0 || t->admin_port < 0 || t->port == t->admin_port)
        return -1;
    snprintf(t->url, sizeof(t->url), "http://127.0.0.1:%d/webhook", t->port);
    snprintf(t->admin, sizeof(t->admin), "http://127.0.0.1:%d", t->admin_port);
    return 0;
}

/* True when the multi-line `overrides` sets `key` ("key =" at the start of a line). */
static bool te_overridden(const char *overrides, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = overrides; p != NULL && *p != '\0';) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, n) == 0 && (p[n] == ' ' || p[n] == '='))
            return true;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return false;
}

/* Writes the configuration: listener `mode` (plain or off), the compressed [failover]
 * defaults except the keys `failover` sets (lines "key = value\n"), and `tail` appended (more
 * sections such as [site london]; may be ""). Returns 0 or -1. */
TE_UNUSED static int te_write_conf(te *t, const char *mode, const char *failover, const char *tail)
{
    static const char *const defaults[][2] = {
        {"detect_window_s", "6"},   {"clean_window_s", "6"},        {"confirm_interval_s", "1"},
        {"confirm_window_s", "10"}, {"reconcile_interval_s", "30"},
    };
    char fo[2048] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (!te_overridden(failover, defaults[i][0]))
            used += (size_t)snprintf(fo + used, sizeof(fo) - used, "%s = %s\n", defaults[i][0],
                                     defaults[i][1]);
    char text[16384];
    int n = snprintf(text, sizeof(text),
                     "[dashboard]\n"
                     "base_url = %s\n"
                     "api_key = test-api-key\n"
                     "data_lag_s = 0\n"
                     "timeout_s = 5\n"
                     "%s"
                     "[listener]\n"
                     "mode = %s\n"
                     "address = 127.0.0.1\n"
                     "port = %d\n"
                     "shared_secret = " TE_SECRET "\n"
                     "[admin]\n"
                     "address = 127.0.0.1\n"
                     "port = %d\n"
                     "[failover]\n"
                     "%s%s\n"
                     "[log]\n"
                     "format = json\n"
                     "level = debug\n"
                     "%s\n",
                     t->fd.base_url, t->dashboard_extra != NULL ? t->dashboard_extra : "", mode,
                     t->port, t->admin_port, fo, failover, tail);
    if (n < 0 || n >= (int)sizeof(text))
        return -1;
    return harness_write_file(t->conf, text);
}

/* Spawns `tagfailover -c CONF args...` (args NULL-terminated) as the test's next process. */
static int te_spawn_proc(te *t, const char *const args[], struct harness_proc *out)
{
    const char *bin = harness_env("TF_BIN");
    const char *argv[16];
    size_t n = 0;
    char name[32];
    if (bin == NULL)
        return -1;
    argv[n++] = bin;
    argv[n++] = "-c";
    argv[n++] = t->conf;
    for (size_t i = 0; args[i] != NULL && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    snprintf(name, sizeof(name), "tagfailover-%d", ++t->runs);
    if (harness_spawn(t->dir, name, argv, NULL, out) != 0)
        return -1;
    t->last = *out;
    return 0;
}

/* Starts the daemon (`serve`, `reconcile`, with options) and waits for its "started" line.
 * Returns 0 or -1. */
TE_UNUSED static int te_start(te *t, const char *const args[])
{
    if (te_spawn_proc(t, args, &t->proc) != 0)
        return -1;
    if (t->n_stderr < 8)
        snprintf(t->stderr_paths[t->n_stderr++], HARNESS_PATH_MAX, "%s", t->proc.stderr_path);
    if (harness_wait_file_contains(t->proc.stderr_path, "\"event\":\"started\"", 15000) != 0) {
        fprintf(stderr, "tagfailover did not start\n");
        te_dump(t);
        return -1;
    }
    return 0;
}

/* `serve` and wait for /readyz 200 (the first reconcile of every organization). */
TE_UNUSED static int te_serve_ready(te *t, const char *const args[]);

/* Runs a one-shot command to its end. Returns its exit status, or -1 on timeout. */
TE_UNUSED static int te_run(te *t, const char *const args[], int timeout_ms)
{
    struct harness_proc p;
    if (te_spawn_proc(t, args, &p) != 0)
        return -1;
    int rc = harness_wait_exit(p.pid, timeout_ms);
    if (rc < 0)
        harness_stop(p.pid);
    return rc;
}

/* GETs a path of the admin listener. Returns the status (0: no answer); fills `out` when not
 * NULL (caller frees). */
TE_UNUSED static long te_admin_get(const te *t, const char *path, struct harness_response *out)
{
    char url[256];
    struct harness_response r;
    snprintf(url, sizeof(url), "%s%s", t->admin, path);
    harness_http("GET", url, NULL, NULL, NULL, &r);
    long status = r.status;
    if (out != NULL)
        *out = r;
    else
        harness_response_free(&r);
    return status;
}

/* Polls /readyz until it answers 200. Returns 0 or -1. */
TE_UNUSED static int te_wait_ready(const te *t, int timeout_ms)
{
    long long end = harness_now_ms() + timeout_ms;
    do {
        if (te_admin_get(t, "/readyz", NULL) == 200)
            return 0;
        harness_sleep_ms(TE_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "tagfailover did not become ready\n");
    te_dump(t);
    return -1;
}

static int te_serve_ready(te *t, const char *const args[])
{
    if (te_start(t, args) != 0 || te_wait_ready(t, 10000) != 0)
        return -1;
    /* The first reconcile has just spent the token bucket's burst; between real reconciles
     * (30 s apart) it is full again when a webhook comes. 5 tokens at 9/s take 0.56 s. */
    harness_sleep_ms(700);
    return 0;
}

/* Stops the daemon with SIGTERM. Returns its exit status (0 expected). */
TE_UNUSED static int te_stop_daemon(te *t)
{
    if (t->proc.pid <= 0)
        return 0;
    int rc = harness_stop(t->proc.pid);
    t->proc.pid = 0;
    if (rc != 0) {
        fprintf(stderr, "tagfailover exited with %d\n", rc);
        te_dump(t);
    }
    return rc;
}

/* Stops everything and removes the temp dir. Returns 0 when the daemon exited 0 and the fake
 * saw no out-of-spec request. */
TE_UNUSED static int te_close(te *t)
{
    int rc = 0;
    if (te_stop_daemon(t) != 0)
        rc = -1;
    if (t->fd_up && harness_fakedash_stop(&t->fd) != 0)
        rc = -1;
    t->fd_up = 0;
    if (t->dir != NULL) {
        harness_tmpdir_remove(t->dir);
        free(t->dir);
        t->dir = NULL;
    }
    return rc;
}

/* cmocka setup: a zeroed world in *state. */
TE_UNUSED static int te_setup(void **state)
{
    *state = calloc(1, sizeof(te));
    return *state != NULL ? 0 : -1;
}

/* cmocka teardown: stops whatever a failed test left running (te_close is idempotent; a test
 * that passed has closed and checked it already) and frees the world. */
TE_UNUSED static int te_teardown(void **state)
{
    te *t = *state;
    if (t != NULL && (t->proc.pid > 0 || t->fd_up || t->dir != NULL))
        (void)te_close(t);
    free(t);
    return 0;
}

/* A cmocka test with its own world. */
#define te_test(f) cmocka_unit_test_setup_teardown(f, te_setup, te_teardown)

/* POSTs printf-formatted JSON to a control path of the fake. Returns the HTTP status. */
TE_UNUSED static long te_control(const te *t, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static long te_control(const te *t, const char *path, const char *fmt, ...)
{
    char body[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    return harness_control(&t->fd, "POST", path, body, NULL);
}

/* Sets the loss of one network toward `ip` on `uplink` (NULL: every uplink) from `from`
 * (Unix seconds; <= 0: that many seconds before now). A negative `pct` posts lossPercent
 * null. Returns the HTTP status (200). */
TE_UNUSED static long te_loss(const te *t, const char *net, const char *ip, const char *uplink,
                              double pct, double from)
{
    char up[64] = "", value[32];
    if (uplink != NULL)
        snprintf(up, sizeof(up), ",\"uplink\":\"%s\"", uplink);
    if (pct < 0)
        snprintf(value, sizeof(value), "null");
    else
        snprintf(value, sizeof(value), "%g", pct);
    return te_control(t, "/_control/loss",
                      "{\"networkId\":\"%s\",\"ip\":\"%s\"%s,\"lossPercent\":%s,\"from\":%.3f}",
                      net, ip, up, value, from);
}

/* Replaces a network's tags (a person's edit in the Dashboard). */
TE_UNUSED static long te_set_tags(const te *t, const char *net, const char *tags_json)
{
    return te_control(t, "/_control/tags", "{\"networkId\":\"%s\",\"tags\":%s}", net, tags_json);
}

/* Queues a fault on the fake (kind, method, path prefix, count, extra fields such as
 * ",\"retry_after\":1"). */
TE_UNUSED static long te_fault(const te *t, const char *kind, const char *method,
                               const char *path_prefix, int count, const char *extra)
{
    return te_control(t, "/_control/fault",
                      "{\"kind\":\"%s\",\"method\":\"%s\",\"path_prefix\":\"%s\",\"count\":%d%s}",
                      kind, method, path_prefix, count, extra != NULL ? extra : "");
}

/* Meraki's vpn_connectivity_change example (tests/fixtures/alertTypes.json) with the given
 * organization, network and alertId. Caller frees. */
TE_UNUSED static char *te_alert_body(const char *org, const char *net, const char *alert_id)
{
    char path[HARNESS_PATH_MAX];
    const char *src = harness_env("TF_SOURCE_DIR");
    char *out = NULL;
    if (src == NULL)
        return NULL;
    snprintf(path, sizeof(path), "%s/tests/fixtures/alertTypes.json", src);
    struct json_object *all = json_object_from_file(path);
    for (size_t i = 0; all != NULL && i < json_object_array_length(all); i++) {
        struct json_object *item = json_object_array_get_idx(all, i), *type, *ex;
        if (!json_object_object_get_ex(item, "alertTypeId", &type) ||
            strcmp(json_object_get_string(type), "vpn_connectivity_change") != 0 ||
            !json_object_object_get_ex(item, "example", &ex))
            continue;
        json_object_object_add(ex, "organizationId", json_object_new_string(org));
        json_object_object_add(ex, "networkId", json_object_new_string(net));
        json_object_object_add(ex, "alertId", json_object_new_string(alert_id));
        out = strdup(json_object_to_json_string_ext(ex, JSON_C_TO_STRING_PLAIN));
        break;
    }
    json_object_put(all);
    return out;
}

/* Sends the alert to the daemon's webhook listener. Returns the HTTP status; `at` (when not
 * NULL) receives the wall-clock time the answer arrived. */
TE_UNUSED static long te_alert(const te *t, const char *org, const char *net, const char *alert_id,
                               double *at)
{
    const char *const headers[] = {"Content-Type: application/json", NULL};
    char *body = te_alert_body(org, net, alert_id);
    struct harness_response r;
    if (body == NULL)
        return 0;
    harness_http("POST", t->url, headers, body, NULL, &r);
    if (at != NULL)
        *at = te_wall();
    long status = r.status;
    if (status != 202)
        fprintf(stderr, "webhook answered %ld: %s\n", status, r.body ? r.body : r.error);
    harness_response_free(&r);
    free(body);
    return status;
}

/* The network's tags in the fake as compact JSON text, into buf ("" when unknown). */
TE_UNUSED static const char *te_tags(const te *t, const char *net, char *buf, size_t len)
{
    struct json_object *tags = harness_fakedash_tags(&t->fd, net);
    snprintf(buf, len, "%s",
             tags != NULL ? json_object_to_json_string_ext(tags, JSON_C_TO_STRING_PLAIN) : "");
    json_object_put(tags);
    return buf;
}

/* Polls the network's tags until they equal `want` (compact JSON). Returns 0, or -1 after
 * `timeout_ms` (printing what they were). */
TE_UNUSED static int te_wait_tags(const te *t, const char *net, const char *want, int timeout_ms)
{
    char buf[4096];
    long long end = harness_now_ms() + timeout_ms;
    do {
        if (strcmp(te_tags(t, net, buf, sizeof(buf)), want) == 0)
            return 0;
        harness_sleep_ms(TE_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "%s: tags %s, want %s\n", net, buf, want);
    return -1;
}

/* The wall-clock times (the fake's log `t`) of the API requests `method` to exactly `path`
 * (e.g. "/api/v1/networks/L_100") that the fake answered with `status` (0: any), oldest
 * first. Returns how many (at most max), or -1. */
TE_UNUSED static int te_log_times(const te *t, const char *method, const char *path, int status,
                                  double *out, int max)
{
    struct json_object *log = harness_log(&t->fd);
    int n = 0;
    if (log == NULL)
        return -1;
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i), *v;
        if (json_object_object_get_ex(e, "control", &v) && json_object_get_boolean(v))
            continue;
        if (!json_object_object_get_ex(e, "method", &v) ||
            strcmp(json_object_get_string(v), method) != 0)
            continue;
        if (!json_object_object_get_ex(e, "path", &v) ||
            strcmp(json_object_get_string(v), path) != 0)
            continue;
        if (status != 0 &&
            (!json_object_object_get_ex(e, "status", &v) || json_object_get_int(v) != status))
            continue;
        if (n < max && json_object_object_get_ex(e, "t", &v))
            out[n] = json_object_get_double(v);
        n++;
    }
    json_object_put(log);
    return n < max ? n : max;
}

/* How many PUTs of the network's tags the fake has seen (any answer). */
TE_UNUSED static int te_puts(const te *t, const char *net)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/networks/%s", net);
    return harness_log_count(&t->fd, "PUT", path);
}

/* The wall-clock time of the first successful PUT of the network's tags; NAN when none. */
TE_UNUSED static double te_first_put(const te *t, const char *net)
{
    char path[128];
    double v[1];
    snprintf(path, sizeof(path), "/api/v1/networks/%s", net);
    return te_log_times(t, "PUT", path, 200, v, 1) >= 1 ? v[0] : NAN;
}

/* The value of one series of the daemon's /metrics (the whole name with labels), or -1. */
TE_UNUSED static double te_metric(const te *t, const char *series)
{
    return harness_metric(t->admin, series);
}

/* Polls a metric until it reaches `want`. Returns 0, or -1 after `timeout_ms`. */
TE_UNUSED static int te_wait_metric(const te *t, const char *series, double want, int timeout_ms)
{
    long long end = harness_now_ms() + timeout_ms;
    double v;
    do {
        v = te_metric(t, series);
        if (v >= want)
            return 0;
        harness_sleep_ms(TE_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "%s = %g, want %g\n", series, v, want);
    return -1;
}

/* Counts `needle` in every daemon run's stderr. */
TE_UNUSED static int te_log_count(const te *t, const char *needle)
{
    int n = 0;
    for (int i = 0; i < t->n_stderr; i++)
        n += harness_file_count(t->stderr_paths[i], needle);
    return n;
}

/* Returns the daemon's first log line holding every needle (NULL-terminated), malloc'd, or
 * NULL. */
TE_UNUSED static char *te_log_line(const te *t, const char *const needles[])
{
    for (int i = 0; i < t->n_stderr; i++) {
        char *s = harness_read_file(t->stderr_paths[i]);
        for (char *line = s, *next; line != NULL && *line != '\0'; line = next) {
            next = strchr(line, '\n');
            if (next != NULL)
                *next++ = '\0';
            bool all = true;
            for (size_t k = 0; needles[k] != NULL && all; k++)
                all = strstr(line, needles[k]) != NULL;
            if (all) {
                char *copy = strdup(line);
                free(s);
                return copy;
            }
        }
        free(s);
    }
    return NULL;
}

/* Parses the admin /status document (caller puts), or NULL. */
TE_UNUSED static struct json_object *te_status(const te *t)
{
    struct harness_response r;
    struct json_object *o = NULL;
    if (te_admin_get(t, "/status", &r) == 200)
        o = harness_response_json(&r);
    harness_response_free(&r);
    return o;
}

/* The /status entry of one network (a new reference, caller puts), or NULL. */
TE_UNUSED static struct json_object *te_status_net(struct json_object *doc, const char *net)
{
    struct json_object *orgs, *nets, *id;
    if (doc == NULL || !json_object_object_get_ex(doc, "organizations", &orgs))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(orgs); i++) {
        if (!json_object_object_get_ex(json_object_array_get_idx(orgs, i), "networks", &nets))
            continue;
        for (size_t k = 0; k < json_object_array_length(nets); k++) {
            struct json_object *n = json_object_array_get_idx(nets, k);
            if (json_object_object_get_ex(n, "id", &id) &&
                strcmp(json_object_get_string(id), net) == 0)
                return json_object_get(n);
        }
    }
    return NULL;
}

/* A string field of a JSON object ("" when absent, "null" when null). */
TE_UNUSED static const char *te_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (o == NULL || !json_object_object_get_ex(o, key, &v))
        return "";
    return v == NULL ? "null" : json_object_get_string(v);
}

/* Polls /status until the network's `key` equals `want`. Returns 0 or -1. */
TE_UNUSED static int te_wait_status(const te *t, const char *net, const char *key, const char *want,
                                    int timeout_ms)
{
    long long end = harness_now_ms() + timeout_ms;
    char got[128] = "";
    do {
        struct json_object *doc = te_status(t), *n = te_status_net(doc, net);
        snprintf(got, sizeof(got), "%s", te_str(n, key));
        json_object_put(n);
        json_object_put(doc);
        if (strcmp(got, want) == 0)
            return 0;
        harness_sleep_ms(TE_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "/status %s.%s = %s, want %s\n", net, key, got, want);
    return -1;
}

#endif
