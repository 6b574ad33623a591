/*
 * bench_dashboard.c - what one Dashboard API call costs through the client, against the fake
 * Dashboard on 127.0.0.1, and how many calls a full read of a 10,000-network organization
 * takes. Built with the tests, not run by ctest (scripts/bench.sh runs it).
 *
 *   bench_dashboard [CALLS]        default 1000
 *
 * Prints one `key=value` line per measure, then a human summary on stderr. The rate limit is
 * set far above the call rate, so the numbers are the client's and the fake's own cost
 * (keep-alive connection, JSON parse), not the pacing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/fakedash.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"

#ifndef FAKEDASH_DEFAULT
#define FAKEDASH_DEFAULT ""
#endif

/* Exactly 10,000 networks, L_50000 .. L_59999; the call loop reads the first. */
#define BENCH_NETWORK "L_50000"

static const char scenario[] =
    "{\"organizations\": [{\"id\": \"2001\", \"name\": \"Big Org\","
    " \"generate\": {\"count\": 10000, \"prefix\": \"L_5\","
    "              \"tags\": [\"london_primary_up\", \"paris_backup_down\", \"branch\"]}}]}";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads the whole organization with the given perPage; prints networks, calls and time. */
static int full_read(const struct harness_fakedash *fd, long per_page)
{
    dash_options o = {0};
    dash_shared *s = NULL;
    dash_client *c = NULL;
    dj_network *nets = NULL;
    size_t n = 0;
    dash_error err;
    int rc = 1;

    o.base_url = fd->base_url;
    o.api_key = "test-api-key";
    o.requests_per_second = 1e6;
    o.requests_burst = 1e6;
    o.requests_per_second_total = 1e6;
    o.networks_per_page = per_page;
    if (dash_shared_new(&o, &s) != DASH_OK || dash_client_new(s, &c) != DASH_OK)
        goto out;
    long long t0 = harness_now_ms();
    if (dash_list_networks(c, "2001", NULL, DASH_TAGS_ANY, &nets, &n, &err) != DASH_OK) {
        fprintf(stderr, "full read: %s: %s\n", dash_strerror(err.code), err.message);
        goto out;
    }
    printf("full_read_per_page=%ld networks=%zu calls=%lu ms=%lld\n", per_page, n,
           dash_client_requests(c), harness_now_ms() - t0);
    rc = 0;
out:
    dj_networks_free(nets, n);
    dash_client_free(c);
    dash_shared_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    struct harness_fakedash fd;
    dash_options o = {0};
    dash_shared *s = NULL;
    dash_client *c = NULL;
    long calls = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    double *lat = NULL;
    int rc = 1;

    if (calls < 1)
        calls = 1000;
    if (getenv("FAKEDASH_BIN") == NULL && FAKEDASH_DEFAULT[0] != '\0')
        setenv("FAKEDASH_BIN", FAKEDASH_DEFAULT, 1);
    harness_init();
    if (dash_global_init() != DASH_OK)
        return 1;
    log_init(true, LOG_WARN);
    if (harness_fakedash_start(NULL, &fd) != 0)
        return 1;
    if (harness_fakedash_scenario(&fd, scenario) != 0)
        goto out;

    o.base_url = fd.base_url;
    o.api_key = "test-api-key";
    o.requests_per_second = 1e6;
    o.requests_burst = 1e6;
    o.requests_per_second_total = 1e6;
    if (dash_shared_new(&o, &s) != DASH_OK || dash_client_new(s, &c) != DASH_OK)
        goto out;
    lat = calloc((size_t)calls, sizeof(*lat));
    if (lat == NULL)
        goto out;
    /* One warm-up call opens the connection; the loop then measures reuse. */
    {
        dj_network net;
        dash_error err;
        if (dash_get_network(c, "2001", BENCH_NETWORK, &net, &err) != DASH_OK)
            goto out;
        dj_network_clear(&net);
    }
    long long t_all = harness_now_ms();
    for (long i = 0; i < calls; i++) {
        dj_network net;
        dash_error err;
        struct timespec a, b;

        clock_gettime(CLOCK_MONOTONIC, &a);
        if (dash_get_network(c, "2001", BENCH_NETWORK, &net, &err) != DASH_OK) {
            fprintf(stderr, "call %ld: %s\n", i, dash_strerror(err.code));
            goto out;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        dj_network_clear(&net);
        lat[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    }
    long long total_ms = harness_now_ms() - t_all;
    qsort(lat, (size_t)calls, sizeof(*lat), cmp_double);
    printf("get_network_calls=%ld median_us=%.0f p90_us=%.0f p99_us=%.0f total_ms=%lld "
           "http_requests=%lu\n",
           calls, lat[calls / 2], lat[calls * 9 / 10], lat[calls * 99 / 100], total_ms,
           dash_client_requests(c));

    /* perPage 100000 (the client's default): one call; the API's default 1000: ten. */
    if (full_read(&fd, 100000) != 0 || full_read(&fd, 1000) != 0)
        goto out;
    rc = 0;
out:
    free(lat);
    dash_client_free(c);
    dash_shared_free(s);
    if (harness_fakedash_stop(&fd) != 0)
        rc = 1;
    dash_global_cleanup();
    return rc;
}
