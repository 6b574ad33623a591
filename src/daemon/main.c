/*
 * main.c - the command line (the README's "Command line"): parses options, loads the configuration,
 * wires the modules together and handles signals. No decision is made here.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tagfailover/admin.h"
#include "tagfailover/caps.h"
#include "tagfailover/commands.h"
#include "tagfailover/config.h"
#include "tagfailover/config_load.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/engine.h"
#include "tagfailover/history.h"
#include "tagfailover/httpd.h"
#include "tagfailover/id.h"
#include "tagfailover/log.h"
#include "tagfailover/notify.h"
#include "tagfailover/route.h"
#include "tagfailover/setup.h"
#include "tagfailover/webhook.h"

#include "parts.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

static const char usage_text[] =
    "usage: tagfailover [-c FILE] COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  serve [--dry-run]                     webhook listener + responder + reconciler\n"
    "  reconcile [--once] [--dry-run]        reconciliation-only mode; --once: one cycle, then "
    "exit\n"
    "  check-config                          validate; print the effective config, secrets "
    "redacted\n"
    "  status [--json] [NETWORK_ID]          one look at every managed network; with NETWORK_ID:\n"
    "                                        that network in detail (samples, why, failback due)\n"
    "  history [--since DURATION] [--json] [NETWORK_ID]\n"
    "                                        tag changes of managed networks from the Dashboard's\n"
    "                                        change log, newest first; DURATION 30m, 6h, 2d or\n"
    "                                        seconds (default 24h)\n"
    "  failover NETWORK_ID [--no-hold] [--dry-run]\n"
    "                                        swap to the backup and add the hold tag\n"
    "  failback NETWORK_ID [--dry-run]       swap back to the primary and remove the hold tag\n"
    "  setup [--dry-run] [--url URL] [--network ID] [--remove]\n"
    "                                        point every managed network's alerts at the daemon\n"
    "                                        (--network: only that one); --remove: unwire them\n"
    "                                        and delete the daemon's HTTP servers\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   configuration file (else $TAGFAILOVER_CONFIG, else " CONFIG_DEFAULT_PATH
    ")\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "exit codes: 0 success, 1 runtime failure, 2 usage or configuration error\n";

/* The parsed command line. */
typedef struct {
    const char *config_path; /* resolved path of the configuration file */
    const char *command;     /* the command word */
    const char *network_id;  /* failover / failback argument */
    bool dry_run;            /* --dry-run */
    bool once;               /* reconcile --once */
    bool json;               /* status --json */
    bool no_hold;            /* failover --no-hold */
    const char *url;         /* setup --url */
    const char *setup_net;   /* setup --network */
    bool remove;             /* setup --remove */
    int64_t since_s;         /* history --since (HIST_DEFAULT_SINCE_S when not given) */
} cli_args;

static const char *main_getenv(const char *name)
{
    return getenv(name);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a usage error and returns the usage exit code. */
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tagfailover: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see tagfailover --help)\n");
    return EXIT_USAGE;
}

/* Loads the configuration or prints every error and returns false. */
static bool main_load_config(const char *path, config *cfg)
{
    char err[8192];

    config_err rc = config_load(path, main_getenv, cfg, err, sizeof(err));
    if (rc != CONFIG_OK) {
        fprintf(stderr, "%s", err);
        if (err[0] == '\0' || err[strlen(err) - 1] != '\n')
            fputc('\n', stderr);
        return false;
    }
    return true;
}

static int cmd_check_config(const cli_args *args)
{
    config cfg;
    char err[1024];

    if (!main_load_config(args->config_path, &cfg))
        return EXIT_USAGE;
    /* The pair exactly as serve loads it: httpd_check_tls_files runs httpd_load_pair, the
     * reading, OpenSSL checks and GnuTLS trial that httpd_start runs. A certificate that does
     * not parse, or a key that is not its own, fails here, in the unit's ExecStartPre, and
     * not in serve, which systemd would then restart in a loop. */
    if (cfg.listener_mode == CONFIG_LISTENER_TLS &&
        httpd_check_tls_files(cfg.cert_file, cfg.key_file, err, sizeof(err)) != HTTPD_OK) {
        fprintf(stderr, "%s: %s\n", args->config_path, err);
        config_free(&cfg);
        return EXIT_USAGE;
    }
    char *dump = config_dump(&cfg);
    if (dump == NULL) {
        config_free(&cfg);
        fprintf(stderr, "tagfailover: out of memory\n");
        return EXIT_RUNTIME;
    }
    fputs(dump, stdout);
    for (size_t i = 0; i < cfg.warnings.n; i++)
        fprintf(stderr, "%s\n", cfg.warnings.v[i]);
    fprintf(stderr, "%s: configuration OK\n", args->config_path);
    free(dump);
    config_free(&cfg);
    return 0;
}

/* `serve` (listen true) and `reconcile` without --once (listen false): run until SIGTERM or
 * SIGINT. */
static int cmd_run(const cli_args *args, bool listen)
{
    config *cfg = calloc(1, sizeof(*cfg));
    main_route route;
    parts_running parts = {.route = &route};
    sigset_t set;
    int rc = 0;

    if (cfg == NULL) {
        fprintf(stderr, "tagfailover: out of memory\n");
        return EXIT_RUNTIME;
    }
    if (!main_load_config(args->config_path, cfg)) {
        free(cfg);
        return EXIT_USAGE;
    }
    parts_log_init(cfg);
    parts_log_warnings(cfg);
    main_route_init(&route);

    /* Every thread inherits this mask, so the signals stay pending until sigwait below takes
     * them in this thread; no handler runs in the middle of anyone's work. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (dash_global_init() != DASH_OK) {
        log_msg(LOG_ERROR, "startup", "cannot initialise libcurl");
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (!parts_start(cfg, listen, args->dry_run, &parts)) {
        dash_global_cleanup();
        rc = EXIT_RUNTIME;
        goto out;
    }
    log_msg(LOG_INFO, "started", "tagfailover %s %s%s", TF_VERSION,
            listen ? "serving" : "reconciling (no listener)",
            cfg->dry_run || args->dry_run ? " (dry run)" : "");

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            parts_reload(args->config_path, args->dry_run, &cfg, listen, &parts);
            continue;
        }
        log_msg(LOG_INFO, "stopping", "signal %d", sig);
        break;
    }
    parts_stop(&parts);
    dash_global_cleanup();
out:
    pthread_rwlock_destroy(&route.lock);
    config_free(cfg);
    free(cfg);
    return rc;
}

/* The one-shot commands: status, history, reconcile --once, failover, failback. */
static int cmd_oneshot(const cli_args *args)
{
    config cfg;
    cmd_options opt = {.dry_run = args->dry_run, .json = args->json, .no_hold = args->no_hold};
    int rc;

    if (!main_load_config(args->config_path, &cfg))
        return EXIT_USAGE;
    parts_log_init(&cfg);
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(args->command, "status") == 0 || strcmp(args->command, "history") == 0) {
        if (strcmp(args->command, "history") == 0)
            rc = cmd_history(&cfg, &opt, args->network_id, args->since_s, stdout);
        else if (args->network_id != NULL)
            rc = cmd_status_network(&cfg, &opt, args->network_id, stdout);
        else
            rc = cmd_status(&cfg, &opt, stdout);
        config_free(&cfg);
        return rc;
    }
    /* A retag by a one-shot command is told like the daemon's; the notifier is given its
     * timeout to deliver before the command exits. */
    notify *ntf = NULL;
    if (dash_global_init() != DASH_OK || !parts_notify_start(&cfg, &ntf)) {
        config_free(&cfg);
        return EXIT_RUNTIME;
    }
    if (ntf != NULL) {
        opt.notify = notify_post_hook;
        opt.notify_ctx = ntf;
    }
    if (strcmp(args->command, "reconcile") == 0)
        rc = cmd_reconcile_once(&cfg, &opt);
    else
        rc = cmd_manual(&cfg, &opt, args->network_id, strcmp(args->command, "failover") == 0);
    notify_free(ntf);
    dash_global_cleanup();
    config_free(&cfg);
    return rc;
}

/* `setup`: wires Meraki's webhooks to the daemon (setup.h). */
static int cmd_setup(const cli_args *args)
{
    config cfg;
    setup_options opt = {.dry_run = args->dry_run,
                         .url = args->url,
                         .network_id = args->setup_net,
                         .remove = args->remove};

    if (!main_load_config(args->config_path, &cfg))
        return EXIT_USAGE;
    parts_log_init(&cfg);
    signal(SIGPIPE, SIG_IGN);
    int rc = setup_run(&cfg, &opt, stdout);
    config_free(&cfg);
    return rc;
}

/* Parses the options that follow the command word. The global options (-c, --help,
 * --version) may stand here too: `tagfailover status -c FILE` is `tagfailover -c FILE status`.
 * Returns 0, or an exit code to return at once (-1 for a --help or --version already printed:
 * exit 0). */
static int parse_command_options(int argc, char **argv, cli_args *args)
{
    static const struct option long_opts[] = {
        {"dry-run", no_argument, NULL, 'd'},       {"once", no_argument, NULL, 'o'},
        {"json", no_argument, NULL, 'j'},          {"no-hold", no_argument, NULL, 'n'},
        {"url", required_argument, NULL, 'u'},     {"since", required_argument, NULL, 's'},
        {"network", required_argument, NULL, 'N'}, {"remove", no_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},  {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
    };
    const char *cmd = args->command;
    bool takes_network = strcmp(cmd, "failover") == 0 || strcmp(cmd, "failback") == 0;
    /* status and history take an optional NETWORK_ID. */
    bool may_take_network = strcmp(cmd, "status") == 0 || strcmp(cmd, "history") == 0;
    int c;

    args->since_s = HIST_DEFAULT_SINCE_S;
    /* 0, not 1: GNU getopt then starts afresh and reads this call's optstring flags. */
    optind = 0;
    opterr = 0;
    /* GNU getopt permutes: the NETWORK_ID may stand before, between or after the options. */
    while ((c = getopt_long(argc, argv, "-:c:hV", long_opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 1: /* an operand */
            if (!(takes_network || may_take_network) || args->network_id != NULL)
                return usage_error("unexpected argument '%s'", optarg);
            args->network_id = optarg;
            break;
        case 'c':
            args->config_path = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        case 'V':
            printf("tagfailover %s\n", TF_VERSION);
            return -1;
        case 'd':
            ok = strcmp(cmd, "serve") == 0 || strcmp(cmd, "reconcile") == 0 || takes_network ||
                 strcmp(cmd, "setup") == 0;
            args->dry_run = true;
            break;
        case 'o':
            ok = strcmp(cmd, "reconcile") == 0;
            args->once = true;
            break;
        case 'j':
            ok = strcmp(cmd, "status") == 0 || strcmp(cmd, "history") == 0;
            args->json = true;
            break;
        case 'n':
            ok = strcmp(cmd, "failover") == 0;
            args->no_hold = true;
            break;
        case 'u':
            /* argv[optind - 1] may be the URL itself here, so the option is named. */
            if (strcmp(cmd, "setup") != 0)
                return usage_error("option '--url' does not apply to this command");
            args->url = optarg;
            break;
        case 's':
            if (strcmp(cmd, "history") != 0)
                return usage_error("option '--since' does not apply to this command");
            if (!hist_parse_duration(optarg, &args->since_s))
                return usage_error("--since '%s': a DURATION is a whole number of seconds, or "
                                   "one with s, m, h or d (30m, 6h, 2d), from 1 s to 365d",
                                   optarg);
            break;
        case 'N':
            if (strcmp(cmd, "setup") != 0)
                return usage_error("option '--network' does not apply to this command");
            if (!id_valid(optarg))
                return usage_error("--network: a network ID is 1 to %d letters, digits, '_' or "
                                   "'-'",
                                   TF_ID_MAX_LEN);
            args->setup_net = optarg;
            break;
        case 'r':
            ok = strcmp(cmd, "setup") == 0;
            args->remove = true;
            break;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
        if (!ok)
            return usage_error("option '%s' does not apply to this command", argv[optind - 1]);
    }
    if (takes_network && args->network_id == NULL)
        return usage_error("%s needs a NETWORK_ID", cmd);
    if ((takes_network || may_take_network) && args->network_id != NULL &&
        !id_valid(args->network_id))
        return usage_error("NETWORK_ID must be 1 to %d letters, digits, '_' or '-'", TF_ID_MAX_LEN);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli_args args = {0};
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+c:hV", long_opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            args.config_path = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf("tagfailover %s\n", TF_VERSION);
            return 0;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    args.command = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    int rc = parse_command_options(sub_argc, sub_argv, &args);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (args.config_path == NULL)
        args.config_path = getenv("TAGFAILOVER_CONFIG");
    if (args.config_path == NULL || args.config_path[0] == '\0')
        args.config_path = CONFIG_DEFAULT_PATH;

    if (strcmp(args.command, "check-config") == 0)
        return cmd_check_config(&args);
    if (strcmp(args.command, "serve") == 0)
        return cmd_run(&args, true);
    if (strcmp(args.command, "reconcile") == 0 && !args.once)
        return cmd_run(&args, false);
    if (strcmp(args.command, "reconcile") == 0 || strcmp(args.command, "status") == 0 ||
        strcmp(args.command, "history") == 0 || strcmp(args.command, "failover") == 0 ||
        strcmp(args.command, "failback") == 0)
        return cmd_oneshot(&args);
    if (strcmp(args.command, "setup") == 0)
        return cmd_setup(&args);
    return usage_error("unknown command '%s'", args.command);
}
