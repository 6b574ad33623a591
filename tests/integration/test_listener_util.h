/*
 * test_listener_util.h - what the listener and proxy tests share: a temp dir with certificates
 * made by scripts/gen-certs.sh, a fake Dashboard (serve needs a base_url), a real
 * `tagfailover serve` with a generated configuration, and small HTTP helpers (libcurl) for
 * the cases harness_http does not cover (streamed bodies, raw sockets).
 *
 * Included by one test program at a time; every function is static (and may go unused).
 */
#ifndef TEST_LISTENER_UTIL_H
#define TEST_LISTENER_UTIL_H

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/fakedash.h"

/* Not every program uses every helper. */
#define TFL_UNUSED __attribute__((unused))

#define TFL_SECRET "secret" /* the sharedSecret of Meraki's example payloads */

/* A running daemon and everything it needs. */
typedef struct {
    char *dir;                    /* the test's temp dir (removed by tfl_cleanup) */
    char certs[HARNESS_PATH_MAX]; /* DIR/certs: ca.crt, server.crt, server.key */
    char ca[HARNESS_PATH_MAX];    /* DIR/certs/ca.crt */
    char conf[HARNESS_PATH_MAX];  /* DIR/tagfailover.conf */
    struct harness_fakedash fd;   /* the fake Dashboard */
    int fd_up;                    /* fakedash running */
    struct harness_proc proc;     /* tagfailover serve */
    int port;                     /* webhook listener port */
    int admin_port;               /* admin port */
    int tls;                      /* listener mode tls */
    char url[160];                /* the webhook URL */
    char base[160];               /* scheme://127.0.0.1:port */
    char admin[160];              /* http://127.0.0.1:admin_port */
} tfl;

/* The fake Dashboard's world: the organizations and networks the test alerts name (Meraki's
 * examples use org 2930418 / network N_24329156; tfl_alert uses the 2026 delivery's IDs), both
 * networks managed, so the engine counts their alerts as relevant. */
static const char tfl_scenario[] =
    "{\"api_key\": \"test-api-key\", \"sample_spacing_s\": 1, \"data_lag_s\": 0,"
    " \"organizations\": ["
    "  {\"id\": \"2930418\", \"name\": \"My organization\","
    "   \"peers\": [{\"name\": \"London\", \"publicIp\": \"203.0.113.10\","
    "               \"privateSubnets\": [\"10.10.0.0/16\"],"
    "               \"networkTags\": [\"london_primary_up\"]}],"
    "   \"networks\": [{\"id\": \"N_24329156\", \"name\": \"Main Office\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\"],"
    "     \"serial\": \"Q234-ABCD-5678\", \"uplinks\": {\"wan1\": \"active\"}}]},"
    "  {\"id\": \"658651445502938393\", \"name\": \"Org\","
    "   \"peers\": [{\"name\": \"London\", \"publicIp\": \"203.0.113.10\","
    "               \"privateSubnets\": [\"10.10.0.0/16\"],"
    "               \"networkTags\": [\"london_primary_up\"]}],"
    "   \"networks\": [{\"id\": \"L_658651445502952912\", \"name\": \"Branch\","
    "     \"tags\": [\"london_primary_up\", \"paris_backup_down\"],"
    "     \"serial\": \"Q2JY-9KYS-3UGD\", \"uplinks\": {\"wan1\": \"active\"}}]}"
    " ],"
    " \"loss\": []}";

/* Prints the daemon's stderr (for a failing test's context). */
TFL_UNUSED static void tfl_dump_stderr(const tfl *t)
{
    char *log = harness_read_file(t->proc.stderr_path);
    if (log != NULL) {
        size_t n = strlen(log);
        fprintf(stderr, "---- tagfailover stderr (last 4000 bytes) ----\n%s\n----\n",
                n > 4000 ? log + n - 4000 : log);
        free(log);
    }
}

/* Runs scripts/gen-certs.sh DIR. Returns 0 when it exits 0. */
TFL_UNUSED static int tfl_gen_certs(const char *tmpdir, const char *dir)
{
    char script[HARNESS_PATH_MAX];
    struct harness_proc p;
    const char *src = harness_env("TF_SOURCE_DIR");

    if (src == NULL)
        return -1;
    snprintf(script, sizeof(script), "%s/scripts/gen-certs.sh", src);
    const char *argv[] = {"/bin/bash", script, dir, NULL};
    if (harness_spawn(tmpdir, "gen-certs", argv, NULL, &p) != 0)
        return -1;
    int rc = harness_wait_exit(p.pid, 60000);
    if (rc != 0) {
        char *err = harness_read_file(p.stderr_path);
        fprintf(stderr, "gen-certs.sh exited %d: %s\n", rc, err ? err : "");
        free(err);
        return -1;
    }
    return 0;
}

/* Creates the temp dir, certificates and the fake Dashboard. */
TFL_UNUSED static int tfl_prepare(tfl *t)
{
    memset(t, 0, sizeof(*t));
    t->dir = harness_tmpdir_create();
    if (t->dir == NULL)
        return -1;
    if (snprintf(t->certs, sizeof(t->certs), "%s/certs", t->dir) >= (int)sizeof(t->certs) ||
        snprintf(t->ca, sizeof(t->ca), "%s/ca.crt", t->certs) >= (int)sizeof(t->ca) ||
        snprintf(t->conf, sizeof(t->conf), "%s/tagfailover.conf", t->dir) >= (int)sizeof(t->conf))
        return -1;
    if (tfl_gen_certs(t->dir, t->certs) != 0)
        return -1;
    char scenario[HARNESS_PATH_MAX + 32];
    if (snprintf(scenario, sizeof(scenario), "%s/scenario.json", t->dir) >= (int)sizeof(scenario) ||
        harness_write_file(scenario, tfl_scenario) != 0 ||
        harness_fakedash_start_in(t->dir, scenario, &t->fd) != 0)
        return -1;
    t->fd_up = 1;
    return 0;
}

/* Writes the configuration and starts `tagfailover serve` in mode `mode` ("tls" or "plain"),
 * with `extra` appended to [listener] (may be ""), and `env` changes (may be NULL). Waits for
 * the "started" log line. */
TFL_UNUSED static int tfl_start(tfl *t, const char *mode, const char *extra,
                                const char *const env[])
{
    char text[16384];
    const char *bin = harness_env("TF_BIN");

    if (bin == NULL)
        return -1;
    t->tls = strcmp(mode, "tls") == 0;
    t->port = harness_free_port();
    t->admin_port = harness_free_port();
    if (t->port < 0 || t->admin_port < 0 || t->port == t->admin_port)
        return -1;
    int n = snprintf(text, sizeof(text),
                     "[dashboard]\n"
                     "base_url = %s\n"
                     "api_key = test-api-key\n"
                     "data_lag_s = 0\n"
                     "[listener]\n"
                     "mode = %s\n"
                     "address = 127.0.0.1\n"
                     "port = %d\n"
                     "cert_file = %s/server.crt\n"
                     "key_file = %s/server.key\n"
                     "shared_secret = " TFL_SECRET "\n"
                     "%s\n"
                     "[admin]\n"
                     "address = 127.0.0.1\n"
                     "port = %d\n"
                     "[log]\n"
                     "format = json\n"
                     "level = debug\n",
                     t->fd.base_url, mode, t->port, t->certs, t->certs, extra, t->admin_port);
    if (n >= (int)sizeof(text) || harness_write_file(t->conf, text) != 0)
        return -1;
    const char *argv[] = {bin, "-c", t->conf, "serve", NULL};
    if (harness_spawn(t->dir, "tagfailover", argv, env, &t->proc) != 0)
        return -1;
    if (harness_wait_file_contains(t->proc.stderr_path, "\"event\":\"started\"", 15000) != 0) {
        fprintf(stderr, "tagfailover did not start\n");
        tfl_dump_stderr(t);
        return -1;
    }
    snprintf(t->base, sizeof(t->base), "%s://127.0.0.1:%d", t->tls ? "https" : "http", t->port);
    if (snprintf(t->url, sizeof(t->url), "%s/webhook", t->base) >= (int)sizeof(t->url))
        return -1;
    snprintf(t->admin, sizeof(t->admin), "http://127.0.0.1:%d", t->admin_port);
    return 0;
}

/* Stops the daemon with SIGTERM; returns its exit status (0 expected). */
TFL_UNUSED static int tfl_stop(tfl *t)
{
    if (t->proc.pid <= 0)
        return 0;
    int rc = harness_stop(t->proc.pid);
    t->proc.pid = 0;
    if (rc != 0)
        tfl_dump_stderr(t);
    return rc;
}

/* Stops everything and removes the temp dir. Returns 0 when the daemon exited 0 and the fake
 * saw no out-of-spec request. */
TFL_UNUSED static int tfl_cleanup(tfl *t)
{
    int rc = 0;
    if (tfl_stop(t) != 0)
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

/* HTTP options that verify the listener with the test CA. */
TFL_UNUSED static struct harness_http_opts tfl_opts(const tfl *t)
{
    struct harness_http_opts o;
    memset(&o, 0, sizeof(o));
    if (t->tls)
        o.ca_file = t->ca;
    o.timeout_ms = 10000;
    return o;
}

/* POSTs `body` to the webhook URL; returns the status (0: no answer). */
TFL_UNUSED static long tfl_post(const tfl *t, const char *body, const char *const headers[],
                                struct harness_response *out)
{
    struct harness_response r;
    struct harness_http_opts o = tfl_opts(t);
    const char *const json_headers[] = {"Content-Type: application/json", NULL};
    harness_http("POST", t->url, headers != NULL ? headers : json_headers, body, &o, &r);
    long status = r.status;
    if (out != NULL)
        *out = r;
    else
        harness_response_free(&r);
    return status;
}

/* The value of one series in the daemon's /metrics, or -1. */
TFL_UNUSED static double tfl_metric(const tfl *t, const char *series)
{
    return harness_metric(t->admin, series);
}

/* A Meraki-style trigger alert with its own alertId, secret in the body unless NULL. */
TFL_UNUSED static char *tfl_alert(const char *type, const char *alert_id, const char *secret)
{
    char *s = malloc(4096);
    char secret_field[128] = "";
    if (secret != NULL)
        snprintf(secret_field, sizeof(secret_field), "\"sharedSecret\":\"%s\",", secret);
    if (s == NULL)
        return NULL;
    snprintf(s, 4096,
             "{\"version\":\"0.1\",%s\"sentAt\":\"2026-05-29T12:42:26.375558Z\","
             "\"organizationId\":\"658651445502938393\",\"organizationName\":\"Org\","
             "\"organizationUrl\":\"\",\"networkId\":\"L_658651445502952912\","
             "\"networkName\":\"Branch\",\"networkUrl\":\"\",\"networkTags\":[],"
             "\"deviceSerial\":\"Q2JY-9KYS-3UGD\",\"deviceMac\":\"98:18:88:c7:bb:f5\","
             "\"deviceName\":\"MX\",\"deviceUrl\":\"\",\"deviceTags\":[],"
             "\"deviceModel\":\"MX67C-WW\",\"alertId\":\"%s\",\"alertType\":\"x\","
             "\"alertTypeId\":\"%s\",\"alertLevel\":\"warning\","
             "\"occurredAt\":\"2026-05-29T12:41:43.969000Z\",\"alertData\":{\"uplink\":\"0\"}}",
             secret_field, alert_id, type);
    return s;
}

/* A plain TCP connection to 127.0.0.1:port, or -1. */
TFL_UNUSED static int tfl_connect(int port)
{
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* True when the file holds `token` as a whole word (not inside [A-Za-z0-9_]). */
TFL_UNUSED static int tfl_file_has_word(const char *path, const char *token)
{
    char *s = harness_read_file(path);
    int found = 0;
    size_t n = strlen(token);
    if (s == NULL)
        return 0;
    for (const char *p = strstr(s, token); p != NULL; p = strstr(p + 1, token)) {
        char before = p == s ? ' ' : p[-1];
        char after = p[n];
        int wb = (before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z') ||
                 (before >= '0' && before <= '9') || before == '_';
        int wa = (after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
                 (after >= '0' && after <= '9') || after == '_';
        if (!wb && !wa) {
            found = 1;
            break;
        }
    }
    free(s);
    return found;
}

#endif
