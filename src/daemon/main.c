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

/* Logs check-config's warnings (a readable secret, a listener off loopback), one line each. */
static void main_log_warnings(const config *cfg)
{
    for (size_t i = 0; i < cfg->warnings.n; i++)
        log_msg(LOG_WARN, "config_warning", "%s", cfg->warnings.v[i]);
}

/* Sets up logging as the configuration says. */
static void main_log_init(const config *cfg)
{
    log_level level = LOG_INFO;

    switch (cfg->log_level) {
    case CONFIG_LOG_DEBUG:
        level = LOG_DEBUG;
        break;
    case CONFIG_LOG_INFO:
        level = LOG_INFO;
        break;
    case CONFIG_LOG_WARN:
        level = LOG_WARN;
        break;
    case CONFIG_LOG_ERROR:
        level = LOG_ERROR;
        break;
    }
    log_init(cfg->log_format == CONFIG_LOG_JSON, level);
    /* The notify URL's path and query may be a token (Slack, Webex and Teams put it there). */
    const char *const secrets[] = {cfg->api_key, cfg->shared_secret, cfg->notify_url};
    log_set_secrets(secrets, 3);
}

/* Logs that a listener is up. */
static void main_log_listening(const char *name, const char *address, int port, const char *mode)
{
    struct json_object *f = json_object_new_object();
    json_object_object_add(f, "listener", json_object_new_string(name));
    json_object_object_add(f, "address", json_object_new_string(address));
    json_object_object_add(f, "port", json_object_new_int(port));
    json_object_object_add(f, "mode", json_object_new_string(mode));
    log_event(LOG_INFO, "listening", f);
}

/* HTTP threads for the webhook listener: one per core, within reason. Each thread runs its own
 * epoll loop, so more threads than cores only adds contention. */
static unsigned main_listener_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 4)
        n = 4;
    return (unsigned)n;
}

/* The running parts of `serve` and `reconcile`: the listeners, and the route to the engine. */
typedef struct {
    main_route *route;
    notify *ntf; /* the notifier the running engine posts to, or NULL */
    admin *adm;
    httpd *listener;
} main_parts;

/* Stops every part: the listener first (no new alerts), the engine last (it finishes the
 * action in hand). */
static void main_stop(main_parts *p)
{
    engine *eng;
    webhook *wh;

    httpd_stop(p->listener);
    admin_stop(p->adm);
    p->listener = NULL;
    p->adm = NULL;
    main_route_swap(p->route, NULL, NULL, &eng, &wh);
    webhook_free(wh);
    engine_free(eng);
    /* After the engine: no retag can be posted any more. */
    notify_free(p->ntf);
    p->ntf = NULL;
}

/* Starts the notifier when [notify] names a command or a URL (*out stays NULL otherwise). */
static bool main_notify_start(const config *cfg, notify **out)
{
    const notify_options o = {
        .command = cfg->notify_command, .url = cfg->notify_url, .timeout_s = cfg->notify_timeout_s};
    notify_err ne = notify_new(&o, out);
    if (ne != NOTIFY_OK) {
        log_msg(LOG_ERROR, "startup", "notifications: %s", notify_strerror(ne));
        return false;
    }
    if (*out != NULL) {
        char shown[256] = "";
        if (cfg->notify_url != NULL)
            notify_msg_url_redact(cfg->notify_url, shown, sizeof(shown));
        struct json_object *f = json_object_new_object();
        json_object_object_add(
            f, "command",
            cfg->notify_command != NULL ? json_object_new_string(cfg->notify_command) : NULL);
        json_object_object_add(f, "url",
                               cfg->notify_url != NULL ? json_object_new_string(shown) : NULL);
        json_object_object_add(f, "timeout_s", json_object_new_int(cfg->notify_timeout_s));
        log_event(LOG_INFO, "notify", f);
    }
    return true;
}

/* A new engine (not started: it queues alerts until then), its notifier (when [notify] names
 * one) and, with `listen`, its webhook pipeline. */
static bool main_new_pipeline(const config *cfg, bool listen, bool dry_run, engine **eng,
                              webhook **wh, notify **ntf)
{
    *wh = NULL;
    *ntf = NULL;
    if (!main_notify_start(cfg, ntf))
        return false;
    *eng = engine_new(cfg);
    if (*eng == NULL) {
        notify_free(*ntf);
        *ntf = NULL;
        log_msg(LOG_ERROR, "startup",
                "cannot create the engine (out of memory, or the "
                "[dashboard] options are not usable)");
        return false;
    }
    engine_set_dry_run(*eng, dry_run);
    if (*ntf != NULL)
        engine_set_notify(*eng, notify_post_hook, *ntf);
    if (listen && cfg->listener_mode != CONFIG_LISTENER_OFF) {
        webhook_sink sink = engine_webhook_sink(*eng);
        *wh = webhook_new(cfg, &sink);
        if (*wh == NULL) {
            log_msg(LOG_ERROR, "startup", "out of memory");
            engine_free(*eng);
            *eng = NULL;
            notify_free(*ntf);
            *ntf = NULL;
            return false;
        }
    }
    return true;
}

/* Starts the listeners that are not running: admin, and (with `listen`) the webhook one. */
static bool main_start_listeners(const config *cfg, bool listen, main_parts *p)
{
    char err[512];

    if (p->adm == NULL) {
        if (admin_start(cfg, main_route_admin_source(p->route), &p->adm, err, sizeof(err)) !=
            HTTPD_OK) {
            log_msg(LOG_ERROR, "startup", "admin listener: %s", err);
            return false;
        }
        if (p->adm != NULL)
            main_log_listening("admin", cfg->admin_address, admin_port(p->adm), "plain");
    }
    if (listen && cfg->listener_mode != CONFIG_LISTENER_OFF && p->listener == NULL) {
        bool tls = cfg->listener_mode == CONFIG_LISTENER_TLS;
        httpd_options o = {
            .name = "listener",
            .address = cfg->listener_address,
            .port = cfg->listener_port,
            .tls = tls,
            .cert_file = cfg->cert_file,
            .key_file = cfg->key_file,
            .threads = main_listener_threads(),
            .max_connections = (unsigned)cfg->max_connections,
            .timeout_s = (unsigned)cfg->connection_timeout_s,
            .connection_memory = TF_HTTP_CONNECTION_MEMORY,
            .handler = main_route_handler,
            .handler_cls = p->route,
            .completed = main_route_completed,
            .completed_cls = p->route,
            .refuse = main_route_refuse,
            .refuse_cls = p->route,
        };
        if (httpd_start(&o, &p->listener, err, sizeof(err)) != HTTPD_OK) {
            log_msg(LOG_ERROR, "startup", "webhook listener: %s", err);
            return false;
        }
        main_log_listening("listener", cfg->listener_address, httpd_port(p->listener),
                           tls ? "tls" : "plain");
    }
    return true;
}

/* Starts the engine, the admin listener and (with `listen`) the webhook listener. */
static bool main_start(const config *cfg, bool listen, bool dry_run, main_parts *p)
{
    engine *eng, *old_eng;
    webhook *wh, *old_wh;
    notify *ntf;

    if (!main_new_pipeline(cfg, listen, dry_run, &eng, &wh, &ntf))
        goto fail;
    main_route_swap(p->route, eng, wh, &old_eng, &old_wh);
    webhook_free(old_wh);
    engine_free(old_eng);
    notify_free(p->ntf);
    p->ntf = ntf;
    engine_err eerr = engine_start(eng);
    if (eerr != ENGINE_OK) {
        log_msg(LOG_ERROR, "startup", "engine: %s", engine_strerror(eerr));
        goto fail;
    }
    if (!main_start_listeners(cfg, listen, p))
        goto fail;
    return true;
fail:
    main_stop(p);
    return false;
}

/* True when both strings are NULL or equal. */
static bool main_streq(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* True when two configurations are the same, secrets (and the notify URL, which the dump
 * shows only up to its host) included. */
static bool main_config_same(const config *a, const config *b)
{
    char *da = config_dump(a), *db = config_dump(b);
    bool same =
        da != NULL && db != NULL && strcmp(da, db) == 0 && main_streq(a->api_key, b->api_key) &&
        main_streq(a->shared_secret, b->shared_secret) && main_streq(a->notify_url, b->notify_url);
    free(da);
    free(db);
    return same;
}

/* Reloads only the listener's certificate and key, on the same socket: no connection is
 * refused, and a pair that does not load leaves the old one serving. */
static void main_reload_tls(const config *cfg, main_parts *parts)
{
    char err[512];

    if (parts->listener == NULL || cfg->listener_mode != CONFIG_LISTENER_TLS) {
        log_msg(LOG_INFO, "reload", "no TLS listener: no certificate to reload");
        return;
    }
    if (httpd_reload_tls(parts->listener, cfg->cert_file, cfg->key_file, err, sizeof(err)) !=
        HTTPD_OK) {
        log_msg(LOG_WARN, "tls_reload_failed", "keeping the old certificate: %s", err);
        return;
    }
    log_msg(LOG_INFO, "tls_reloaded", "serving %s", cfg->cert_file);
}

/* True when a running listener can serve the new configuration as it is (its certificate is
 * swapped separately). */
static bool main_same_listener(const config *a, const config *b)
{
    return a->listener_mode == b->listener_mode &&
           main_streq(a->listener_address, b->listener_address) &&
           a->listener_port == b->listener_port && a->max_connections == b->max_connections &&
           a->connection_timeout_s == b->connection_timeout_s;
}

static bool main_same_admin(const config *a, const config *b)
{
    return main_streq(a->admin_address, b->admin_address) && a->admin_port == b->admin_port;
}

/* SIGHUP: reloads the configuration and the TLS certificate. A configuration that does not
 * load is rejected and the running one kept. When the new one loads:
 *   1. a new engine and webhook pipeline are made from it and swapped in (see main_route): from
 *      then on alerts queue in the new engine;
 *   2. the old engine stops (finishing or cleanly failing the API call in hand, up to
 *      timeout_s) while the listeners keep answering;
 *   3. a listener whose address, port or limits changed is restarted (it cannot keep its
 *      socket); one that did not keeps serving, and a TLS one gets the certificate files'
 *      current pair, swapped in place;
 *   4. the new engine starts.
 * If a part cannot start (a port in use), every part is stopped and the previous configuration
 * started again.
 *
 * Who owns the configuration: the parts keep pointers into it (the webhook handler reads the
 * secret, the engine its intervals, for as long as they run), so it lives on the heap, owned
 * by cmd_run through *cfgp, and a configuration is freed only after every part started with
 * it has stopped (the listeners copy what they keep). */
static void main_reload(const cli_args *args, config **cfgp, bool listen, main_parts *parts)
{
    char err[8192];
    config *cfg = *cfgp;
    config *fresh = calloc(1, sizeof(*fresh));

    if (fresh == NULL) {
        log_msg(LOG_ERROR, "config_reload_rejected", "out of memory");
        return;
    }
    if (config_load(args->config_path, main_getenv, fresh, err, sizeof(err)) != CONFIG_OK) {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "errors", json_object_new_string(err));
        log_event(LOG_ERROR, "config_reload_rejected", f);
        free(fresh);
        /* The certificate may still have been renewed on its own. */
        main_reload_tls(cfg, parts);
        return;
    }
    /* The usual SIGHUP is a renewed certificate under an unchanged configuration: swap the
     * pair on the running listener instead of restarting everything, so no webhook is
     * refused and a broken pair changes nothing. */
    if (main_config_same(cfg, fresh)) {
        config_free(fresh);
        free(fresh);
        main_reload_tls(cfg, parts);
        return;
    }
    /* A new configuration restarts every part; refuse it while its certificate cannot load,
     * rather than stop a working listener for one that cannot start. */
    if (listen && fresh->listener_mode == CONFIG_LISTENER_TLS &&
        httpd_check_tls_files(fresh->cert_file, fresh->key_file, err, sizeof(err)) != HTTPD_OK) {
        log_msg(LOG_ERROR, "config_reload_rejected", "%s", err);
        config_free(fresh);
        free(fresh);
        return;
    }
    engine *eng, *old_eng;
    webhook *wh, *old_wh;
    notify *ntf;
    if (!main_new_pipeline(fresh, listen, args->dry_run, &eng, &wh, &ntf)) {
        log_msg(LOG_ERROR, "config_reload_rejected", "cannot build the new engine");
        config_free(fresh);
        free(fresh);
        return;
    }
    bool keep_listener = parts->listener != NULL && main_same_listener(cfg, fresh);
    if (!keep_listener) {
        httpd_stop(parts->listener);
        parts->listener = NULL;
    }
    if (!main_same_admin(cfg, fresh)) {
        admin_stop(parts->adm);
        parts->adm = NULL;
    }
    main_log_init(fresh);
    main_route_swap(parts->route, eng, wh, &old_eng, &old_wh);
    /* The listeners answer meanwhile: alerts queue in the new engine. */
    webhook_free(old_wh);
    engine_free(old_eng);
    /* The old engine posts no more: its notifier finishes what it holds (within its
     * timeout_s) once the new parts run, so a hanging command delays no webhook. */
    notify *old_ntf = parts->ntf;
    parts->ntf = ntf;
    if (keep_listener && fresh->listener_mode == CONFIG_LISTENER_TLS)
        main_reload_tls(fresh, parts);
    engine_err eerr = engine_start(eng);
    if (eerr == ENGINE_OK && main_start_listeners(fresh, listen, parts)) {
        /* Every part that read the old configuration has stopped. */
        config_free(cfg);
        free(cfg);
        *cfgp = fresh;
        log_msg(LOG_INFO, "config_reloaded", "%s", args->config_path);
        main_log_warnings(fresh);
        notify_free(old_ntf);
        return;
    }
    notify_free(old_ntf);
    log_msg(LOG_ERROR, "config_reload_failed",
            "the new configuration cannot start; "
            "restarting with the previous one");
    main_stop(parts);
    config_free(fresh);
    free(fresh);
    main_log_init(cfg);
    if (!main_start(cfg, listen, args->dry_run, parts))
        log_fatal(EXIT_RUNTIME, "cannot restart with the previous configuration either");
}

/* `serve` (listen true) and `reconcile` without --once (listen false): run until SIGTERM or
 * SIGINT. */
static int cmd_run(const cli_args *args, bool listen)
{
    config *cfg = calloc(1, sizeof(*cfg));
    main_route route;
    main_parts parts = {.route = &route};
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
    main_log_init(cfg);
    main_log_warnings(cfg);
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
    if (!main_start(cfg, listen, args->dry_run, &parts)) {
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
            main_reload(args, &cfg, listen, &parts);
            continue;
        }
        log_msg(LOG_INFO, "stopping", "signal %d", sig);
        break;
    }
    main_stop(&parts);
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
    main_log_init(&cfg);
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
    if (dash_global_init() != DASH_OK || !main_notify_start(&cfg, &ntf)) {
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
    main_log_init(&cfg);
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
