/*
 * main.c - fakedash: a fake Meraki Dashboard API v1 for tests and demos.
 *
 *   fakedash --port N [--port2 M] [--scenario FILE.json] [--unknown-log FILE] [--quiet]
 *
 * Listens on 127.0.0.1 only. With --port 0 it picks free ports; either way its first stdout
 * line is "fakedash listening on 127.0.0.1:PORT port2 PORT2". SIGTERM or SIGINT stop it
 * cleanly (exit 0). main only wires the modules and waits for a signal.
 */
#include "api.h"
#include "control.h"
#include "delivery.h"
#include "reqlog.h"
#include "server.h"
#include "state.h"
#include "ticker.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest scenario file read with --scenario. */
#define MAIN_MAX_SCENARIO (64L * 1024 * 1024)

static void main_usage(FILE *f)
{
    fprintf(f, "usage: fakedash --port N [--port2 M] [--scenario FILE.json] "
               "[--unknown-log FILE] [--quiet]\n"
               "A fake Meraki Dashboard API v1 on 127.0.0.1 (see tests/fakedash/README.md).\n");
}

static int main_port(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < 0 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

static char *main_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size <= MAIN_MAX_SCENARIO &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)size, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"port2", required_argument, NULL, 'P'},
        {"scenario", required_argument, NULL, 's'},
        {"unknown-log", required_argument, NULL, 'u'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *scenario = NULL, *unknown_log = NULL;
    int port = -1, port2 = 0, quiet = 0, bound, bound2, sig, c;
    sigset_t set;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (main_port(optarg, &port) != 0)
                goto usage;
            break;
        case 'P':
            if (main_port(optarg, &port2) != 0)
                goto usage;
            break;
        case 's':
            scenario = optarg;
            break;
        case 'u':
            unknown_log = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            main_usage(stdout);
            return 0;
        default:
            goto usage;
        }
    }
    if (port < 0 || optind != argc)
        goto usage;

    /* Signals are taken with sigwait in this thread; every other thread inherits the mask. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || state_init() != 0) {
        fprintf(stderr, "fakedash: initialisation failed\n");
        return 1;
    }
    if (reqlog_init(unknown_log, quiet) != 0) {
        fprintf(stderr, "fakedash: %s: %s\n", unknown_log, strerror(errno));
        return 1;
    }
    if (scenario) {
        char err[512] = "";
        size_t len = 0;
        char *text = main_read_file(scenario, &len);

        if (text == NULL) {
            fprintf(stderr, "fakedash: cannot read %s\n", scenario);
            return 2;
        }
        if (control_load_scenario(text, len, err, sizeof err) != 0) {
            fprintf(stderr, "fakedash: %s: %s\n", scenario, err);
            free(text);
            return 2;
        }
        free(text);
    }
    if (ticker_start() != 0) {
        fprintf(stderr, "fakedash: cannot start the ticker thread\n");
        return 1;
    }
    if (server_start(port, port2, &bound, &bound2) != 0) {
        ticker_stop();
        return 1;
    }
    printf("fakedash listening on 127.0.0.1:%d port2 %d\n", bound, bound2);
    fflush(stdout);

    do {
        if (sigwait(&set, &sig) != 0)
            sig = SIGTERM;
    } while (sig != SIGTERM && sig != SIGINT);

    api_shutdown();
    server_stop();
    ticker_stop();
    delivery_shutdown(5000);
    reqlog_shutdown();
    state_shutdown();
    curl_global_cleanup();
    return 0;

usage:
    main_usage(stderr);
    return 2;
}
