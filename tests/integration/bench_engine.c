/*
 * bench_engine.c - what the responder and the reconciler cost, measured end to end against
 * the fake Dashboard on 127.0.0.1 with the real `tagfailover serve`. Built with the tests,
 * not run by ctest.
 *
 *   bench_engine [latency|calls|all]        default: all
 *
 * latency: 20 branches of one organization lose their primary at once and 20 real-format
 *   webhooks (Meraki's vpn_connectivity_change example) are sent back to back; for each, the
 *   time from its 202 to the PUT of that network's tags in the fake's request log. Measured
 *   with the default pacing (requests_per_second 9, requests_burst 5: Meraki allows 10/s per
 *   organization, shared by every application) and with the burst raised to 100, which shows
 *   the engine's own cost once pacing is out of the way. Prints p50, p99 and max.
 * calls: API requests per reconcile cycle for an organization of 1 and of 10,000 networks,
 *   counted in the fake's log between two consecutive reconciles (the steady state: peers
 *   are cached), and the whole first cycle (organization list and peers included).
 *
 * Prints one `key=value` line per measure on stdout.
 */
#include <json-c/json.h>
#include <math.h>
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

#ifndef TF_BIN_DEFAULT
#define TF_BIN_DEFAULT ""
#endif
#ifndef FAKEDASH_DEFAULT
#define FAKEDASH_DEFAULT ""
#endif
#ifndef TF_SOURCE_DEFAULT
#define TF_SOURCE_DEFAULT ""
#endif

#define N_BRANCHES 20

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile p (0..100) of sorted v[n]. */
static double percentile(const double *v, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

/* An organization of `count` generated branches L_7xx.. with the London/Paris pair. */
static char *generated_scenario(long count, const char *prefix)
{
    char *s = malloc(2048);
    if (s != NULL)
        snprintf(s, 2048,
                 "{\"api_key\":\"test-api-key\",\"sample_spacing_s\":1,\"data_lag_s\":0,"
                 "\"organizations\":[{\"id\":\"" HARNESS_ORG
                 "\",\"name\":\"Acme\",\"peers\":" HARNESS_PEERS
                 ",\"generate\":{\"count\":%ld,\"prefix\":\"%s\",\"tags\":[\"retail\","
                 "\"london_primary_up\",\"paris_backup_down\"],\"uplinks\":{\"wan1\":"
                 "\"active\"}}}],\"loss\":[]}",
                 count, prefix);
    return s;
}

/* One latency run with the given [dashboard] pacing. Returns 0 or -1. */
static int latency_run(const char *label, const char *pacing)
{
    harness_world t = {0};
    char *sc = generated_scenario(N_BRANCHES, "L_7");
    double at[N_BRANCHES], lat[N_BRANCHES];
    int rc = -1;

    if (sc == NULL || harness_world_open(&t, sc) != 0)
        goto out;
    if (harness_conf_write(&t, pacing) != 0)
        goto out;
    static const char *const serve[] = {"serve", NULL};
    if (harness_daemon_serve(&t, serve) != 0)
        goto out;
    if (harness_controlf(&t.fd, "/_control/loss",
                         "{\"ip\":\"" HARNESS_LONDON_IP
                         "\",\"lossPercent\":100,\"from\":-3}") != 200)
        goto out;
    for (int i = 0; i < N_BRANCHES; i++) {
        char net[16], alert[32];
        snprintf(net, sizeof(net), "L_7%02d", i);
        snprintf(alert, sizeof(alert), "B-%04d", i);
        if (harness_webhook_alert(&t, HARNESS_ORG, net, alert, &at[i]) != 202)
            goto out;
    }
    for (int i = 0; i < N_BRANCHES; i++) {
        char net[16];
        snprintf(net, sizeof(net), "L_7%02d", i);
        if (harness_fakedash_wait_tags(
                &t.fd, net, "[\"retail\",\"london_primary_down\",\"paris_backup_up\"]", 60000) != 0)
            goto out;
        double put = harness_fakedash_first_put(&t.fd, net);
        if (isnan(put))
            goto out;
        lat[i] = (put - at[i]) * 1000.0;
    }
    qsort(lat, N_BRANCHES, sizeof(lat[0]), cmp_double);
    printf("webhook_to_put_%s networks=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f min_ms=%.1f "
           "api_requests=%d\n",
           label, N_BRANCHES, percentile(lat, N_BRANCHES, 50), percentile(lat, N_BRANCHES, 99),
           lat[N_BRANCHES - 1], lat[0], harness_log_count(&t.fd, NULL, NULL));
    rc = 0;
out:
    if (rc != 0)
        harness_daemon_dump(&t);
    free(sc);
    if (harness_world_close(&t) != 0)
        rc = -1;
    return rc;
}

/* Counts the API requests in the fake's log and the span between the first and the last. */
static int count_requests(const harness_world *t, double *span_s)
{
    struct json_object *log = harness_log(&t->fd);
    int n = 0;
    double first = 0, last = 0;
    for (size_t i = 0; log != NULL && i < json_object_array_length(log); i++) {
        struct json_object *e = json_object_array_get_idx(log, i), *v;
        if (json_object_object_get_ex(e, "control", &v) && json_object_get_boolean(v))
            continue;
        double ts = json_object_object_get_ex(e, "t", &v) ? json_object_get_double(v) : 0;
        if (n == 0)
            first = ts;
        last = ts;
        n++;
    }
    json_object_put(log);
    *span_s = last - first;
    return log != NULL ? n : -1;
}

/* Waits until the daemon has logged `n` reconciles. */
static int wait_reconciles(const harness_world *t, int n, int timeout_ms)
{
    long long end = harness_now_ms() + timeout_ms;
    while (harness_file_count(t->proc.stderr_path, "\"event\":\"reconcile\"") < n) {
        if (harness_now_ms() > end)
            return -1;
        harness_sleep_ms(20);
    }
    return 0;
}

/* API calls of the first and of a steady reconcile cycle for an organization of `count`. */
static int calls_run(long count)
{
    harness_world t = {0};
    char *sc = generated_scenario(count, "L_9");
    int rc = -1;
    double span;

    if (sc == NULL || harness_world_open(&t, sc) != 0)
        goto out;
    if (harness_conf_write(&t, "[failover]\nreconcile_interval_s = 5\n") != 0)
        goto out;
    static const char *const serve[] = {"serve", NULL};
    if (harness_daemon_start(&t, serve, NULL) != 0 || wait_reconciles(&t, 1, 60000) != 0)
        goto out;
    int first = count_requests(&t, &span);
    double first_span = span;
    /* Reconcile 2 runs 5 s after the first; count exactly its requests. */
    if (harness_log_clear(&t.fd) != 0 || wait_reconciles(&t, 2, 60000) != 0)
        goto out;
    int steady = count_requests(&t, &span);
    const char *const needles[] = {"\"event\":\"reconcile\"", "API calls", NULL};
    char *line = harness_daemon_log_line(&t, needles);
    printf("reconcile_calls networks=%ld first_cycle=%d (%.2f s) steady_cycle=%d (%.2f s)\n", count,
           first, first_span, steady, span);
    if (line != NULL)
        fprintf(stderr, "engine's own count (first cycle): %s\n", line);
    free(line);
    rc = steady > 0 ? 0 : -1;
out:
    if (rc != 0)
        harness_daemon_dump(&t);
    free(sc);
    if (harness_world_close(&t) != 0)
        rc = -1;
    return rc;
}

int main(int argc, char **argv)
{
    const char *part = argc > 1 ? argv[1] : "all";
    int rc = 0;

    if (getenv("TF_BIN") == NULL && TF_BIN_DEFAULT[0] != '\0')
        setenv("TF_BIN", TF_BIN_DEFAULT, 1);
    if (getenv("FAKEDASH_BIN") == NULL && FAKEDASH_DEFAULT[0] != '\0')
        setenv("FAKEDASH_BIN", FAKEDASH_DEFAULT, 1);
    if (getenv("TF_SOURCE_DIR") == NULL && TF_SOURCE_DEFAULT[0] != '\0')
        setenv("TF_SOURCE_DIR", TF_SOURCE_DEFAULT, 1);
    harness_init();
    bool all = strcmp(part, "all") == 0;
    if (!all && strcmp(part, "latency") != 0 && strcmp(part, "calls") != 0) {
        fprintf(stderr, "usage: bench_engine [latency|calls|all]\n");
        return 2;
    }
    if (all || strcmp(part, "latency") == 0) {
        if (latency_run("default_pacing", "") != 0 ||
            latency_run("burst_100", "[dashboard]\nrequests_burst = 100\n") != 0)
            rc = 1;
    }
    if (all || strcmp(part, "calls") == 0) {
        if (calls_run(1) != 0 || calls_run(10000) != 0)
            rc = 1;
    }
    return rc;
}
