/*
 * daemon.c - tagfailover processes of a world and what they report (see daemon.h).
 */
#include "harness/daemon.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/config.h"

/* Most arguments a command takes here, and how long a daemon may take to start. */
#define DAEMON_MAX_ARGS 16
#define DAEMON_START_MS 15000

/* Spawns `tagfailover -c CONF args...` as the world's next process. Returns 0 or -1. */
static int daemon_spawn(harness_world *w, const char *const args[], const char *const env[],
                        struct harness_proc *out)
{
    const char *bin = harness_env("TF_BIN");
    const char *argv[DAEMON_MAX_ARGS];
    size_t n = 0;
    char name[32];

    if (bin == NULL)
        return -1;
    argv[n++] = bin;
    argv[n++] = "-c";
    argv[n++] = w->conf;
    for (size_t i = 0; args[i] != NULL && n < DAEMON_MAX_ARGS - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    snprintf(name, sizeof name, "tagfailover-%d", ++w->runs);
    if (harness_spawn(w->dir, name, argv, env, out) != 0)
        return -1;
    w->last = *out;
    return 0;
}

int harness_daemon_start(harness_world *w, const char *const args[], const char *const env[])
{
    if (daemon_spawn(w, args, env, &w->proc) != 0)
        return -1;
    if (w->n_stderr < HARNESS_WORLD_RUNS)
        snprintf(w->stderr_paths[w->n_stderr++], HARNESS_PATH_MAX, "%s", w->proc.stderr_path);
    if (harness_wait_file_contains(w->proc.stderr_path, "\"event\":\"started\"", DAEMON_START_MS) !=
        0) {
        fprintf(stderr, "tagfailover did not start\n");
        harness_daemon_dump(w);
        return -1;
    }
    return 0;
}

int harness_daemon_serve(harness_world *w, const char *const args[])
{
    if (harness_daemon_start(w, args, NULL) != 0 || harness_daemon_wait_ready(w, 10000) != 0)
        return -1;
    /* 5 tokens at 9/s take 0.56 s. */
    harness_sleep_ms(700);
    return 0;
}

int harness_daemon_listen(harness_world *w, const char *overrides, const char *const env[])
{
    static const char *const serve[] = {"serve", NULL};

    if (harness_conf_write(w, overrides) != 0)
        return -1;
    return harness_daemon_start(w, serve, env);
}

int harness_daemon_wait_ready(const harness_world *w, int timeout_ms)
{
    long long end = harness_now_ms() + timeout_ms;

    do {
        if (harness_daemon_get(w, "/readyz", NULL) == 200)
            return 0;
        harness_sleep_ms(HARNESS_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "tagfailover did not become ready\n");
    harness_daemon_dump(w);
    return -1;
}

int harness_daemon_run(harness_world *w, const char *const args[], int timeout_ms)
{
    struct harness_proc p;
    int rc;

    if (daemon_spawn(w, args, NULL, &p) != 0)
        return -1;
    rc = harness_wait_exit(p.pid, timeout_ms);
    if (rc < 0)
        harness_stop(p.pid);
    return rc;
}

int harness_daemon_stop(harness_world *w)
{
    int rc;

    if (w->proc.pid <= 0)
        return 0;
    rc = harness_stop(w->proc.pid);
    w->proc.pid = 0;
    if (rc != 0) {
        fprintf(stderr, "tagfailover exited with %d\n", rc);
        harness_daemon_dump(w);
    }
    return rc;
}

void harness_daemon_dump(const harness_world *w)
{
    if (w->last.stderr_path[0] != '\0')
        harness_dump_file("tagfailover stderr", w->last.stderr_path, 6000);
}

long harness_daemon_get(const harness_world *w, const char *path, struct harness_response *out)
{
    char url[256];
    struct harness_response r;
    long status;

    snprintf(url, sizeof url, "%s%s", w->admin, path);
    harness_http("GET", url, NULL, NULL, NULL, &r);
    status = r.status;
    if (out != NULL)
        *out = r;
    else
        harness_response_free(&r);
    return status;
}

double harness_daemon_metric(const harness_world *w, const char *series)
{
    return harness_metric(w->admin, series);
}

int harness_daemon_wait_metric(const harness_world *w, const char *series, double want,
                               int timeout_ms)
{
    long long end = harness_now_ms() + timeout_ms;
    double v;

    do {
        v = harness_daemon_metric(w, series);
        if (v >= want)
            return 0;
        harness_sleep_ms(HARNESS_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "%s = %g, want %g\n", series, v, want);
    return -1;
}

struct json_object *harness_daemon_status(const harness_world *w)
{
    struct harness_response r;
    struct json_object *o = NULL;

    if (harness_daemon_get(w, "/status", &r) == 200)
        o = harness_response_json(&r);
    harness_response_free(&r);
    return o;
}

struct json_object *harness_daemon_status_net(struct json_object *doc, const char *net)
{
    struct json_object *orgs, *nets;

    if (doc == NULL || !json_object_object_get_ex(doc, "organizations", &orgs))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(orgs); i++) {
        if (!json_object_object_get_ex(json_object_array_get_idx(orgs, i), "networks", &nets))
            continue;
        for (size_t k = 0; k < json_object_array_length(nets); k++) {
            struct json_object *n = json_object_array_get_idx(nets, k);

            if (strcmp(harness_json_str(n, "id"), net) == 0)
                return json_object_get(n);
        }
    }
    return NULL;
}

int harness_daemon_wait_status(const harness_world *w, const char *net, const char *key,
                               const char *want, int timeout_ms)
{
    long long end = harness_now_ms() + timeout_ms;
    char got[128] = "";

    do {
        struct json_object *doc = harness_daemon_status(w),
                           *n = harness_daemon_status_net(doc, net);

        snprintf(got, sizeof got, "%s", harness_json_str(n, key));
        json_object_put(n);
        json_object_put(doc);
        if (strcmp(got, want) == 0)
            return 0;
        harness_sleep_ms(HARNESS_POLL_MS);
    } while (harness_now_ms() < end);
    fprintf(stderr, "/status %s.%s = %s, want %s\n", net, key, got, want);
    return -1;
}

int harness_daemon_log_count(const harness_world *w, const char *needle)
{
    int n = 0;

    for (int i = 0; i < w->n_stderr; i++)
        n += harness_file_count(w->stderr_paths[i], needle);
    return n;
}

char *harness_daemon_log_line(const harness_world *w, const char *const needles[])
{
    char *line = NULL;

    for (int i = 0; i < w->n_stderr && line == NULL; i++)
        line = harness_file_line(w->stderr_paths[i], needles);
    return line;
}
