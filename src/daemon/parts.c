/*
 * parts.c - the running parts of `serve` and `reconcile`: the webhook and admin listeners, the
 * route to the engine they answer for, and the notifier; started, stopped, and reloaded on
 * SIGHUP without taking a listener down.
 */
#include "parts.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tagfailover/caps.h"
#include "tagfailover/config_load.h"
#include "tagfailover/engine.h"
#include "tagfailover/log.h"
#include "tagfailover/notify_msg.h"
#include "tagfailover/webhook.h"

#define EXIT_RUNTIME 1

static const char *getenv_cb(const char *name)
{
    return getenv(name);
}

/* Logs check-config's warnings (a readable secret, a listener off loopback), one line each. */
void parts_log_warnings(const config *cfg)
{
    for (size_t i = 0; i < cfg->warnings.n; i++)
        log_msg(LOG_WARN, "config_warning", "%s", cfg->warnings.v[i]);
}

/* Sets up logging as the configuration says. */
void parts_log_init(const config *cfg)
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
static void parts_log_listening(const char *name, const char *address, int port, const char *mode)
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
static unsigned parts_listener_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > 4)
        n = 4;
    return (unsigned)n;
}

/* Stops every part: the listener first (no new alerts), the engine last (it finishes the
 * action in hand). */
void parts_stop(parts_running *p)
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
bool parts_notify_start(const config *cfg, notify **out)
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
static bool parts_new_pipeline(const config *cfg, bool listen, bool dry_run, engine **eng,
                               webhook **wh, notify **ntf)
{
    *wh = NULL;
    *ntf = NULL;
    if (!parts_notify_start(cfg, ntf))
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
static bool parts_start_listeners(const config *cfg, bool listen, parts_running *p)
{
    char err[512];

    if (p->adm == NULL) {
        if (admin_start(cfg, main_route_admin_source(p->route), &p->adm, err, sizeof(err)) !=
            HTTPD_OK) {
            log_msg(LOG_ERROR, "startup", "admin listener: %s", err);
            return false;
        }
        if (p->adm != NULL)
            parts_log_listening("admin", cfg->admin_address, admin_port(p->adm), "plain");
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
            .threads = parts_listener_threads(),
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
        parts_log_listening("listener", cfg->listener_address, httpd_port(p->listener),
                            tls ? "tls" : "plain");
    }
    return true;
}

/* Starts the engine, the admin listener and (with `listen`) the webhook listener. */
bool parts_start(const config *cfg, bool listen, bool dry_run, parts_running *p)
{
    engine *eng, *old_eng;
    webhook *wh, *old_wh;
    notify *ntf;

    if (!parts_new_pipeline(cfg, listen, dry_run, &eng, &wh, &ntf))
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
    if (!parts_start_listeners(cfg, listen, p))
        goto fail;
    return true;
fail:
    parts_stop(p);
    return false;
}

/* True when both strings are NULL or equal. */
static bool parts_streq(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* True when two configurations are the same, secrets (and the notify URL, which the dump
 * shows only up to its host) included. */
static bool parts_config_same(const config *a, const config *b)
{
    char *da = config_dump(a), *db = config_dump(b);
    bool same = da != NULL && db != NULL && strcmp(da, db) == 0 &&
                parts_streq(a->api_key, b->api_key) &&
                parts_streq(a->shared_secret, b->shared_secret) &&
                parts_streq(a->notify_url, b->notify_url);
    free(da);
    free(db);
    return same;
}

/* Reloads only the listener's certificate and key, on the same socket: no connection is
 * refused, and a pair that does not load leaves the old one serving. */
static void parts_reload_tls(const config *cfg, parts_running *parts)
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
static bool parts_same_listener(const config *a, const config *b)
{
    return a->listener_mode == b->listener_mode &&
           parts_streq(a->listener_address, b->listener_address) &&
           a->listener_port == b->listener_port && a->max_connections == b->max_connections &&
           a->connection_timeout_s == b->connection_timeout_s;
}

static bool parts_same_admin(const config *a, const config *b)
{
    return parts_streq(a->admin_address, b->admin_address) && a->admin_port == b->admin_port;
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
 * by the caller through *cfgp, and a configuration is freed only after every part started with
 * it has stopped (the listeners copy what they keep). */
void parts_reload(const char *config_path, bool dry_run, config **cfgp, bool listen,
                  parts_running *parts)
{
    char err[8192];
    config *cfg = *cfgp;
    config *fresh = calloc(1, sizeof(*fresh));

    if (fresh == NULL) {
        log_msg(LOG_ERROR, "config_reload_rejected", "out of memory");
        return;
    }
    if (config_load(config_path, getenv_cb, fresh, err, sizeof(err)) != CONFIG_OK) {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "errors", json_object_new_string(err));
        log_event(LOG_ERROR, "config_reload_rejected", f);
        free(fresh);
        /* The certificate may still have been renewed on its own. */
        parts_reload_tls(cfg, parts);
        return;
    }
    /* The usual SIGHUP is a renewed certificate under an unchanged configuration: swap the
     * pair on the running listener instead of restarting everything, so no webhook is
     * refused and a broken pair changes nothing. */
    if (parts_config_same(cfg, fresh)) {
        config_free(fresh);
        free(fresh);
        parts_reload_tls(cfg, parts);
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
    if (!parts_new_pipeline(fresh, listen, dry_run, &eng, &wh, &ntf)) {
        log_msg(LOG_ERROR, "config_reload_rejected", "cannot build the new engine");
        config_free(fresh);
        free(fresh);
        return;
    }
    bool keep_listener = parts->listener != NULL && parts_same_listener(cfg, fresh);
    if (!keep_listener) {
        httpd_stop(parts->listener);
        parts->listener = NULL;
    }
    if (!parts_same_admin(cfg, fresh)) {
        admin_stop(parts->adm);
        parts->adm = NULL;
    }
    parts_log_init(fresh);
    main_route_swap(parts->route, eng, wh, &old_eng, &old_wh);
    /* The listeners answer meanwhile: alerts queue in the new engine. */
    webhook_free(old_wh);
    engine_free(old_eng);
    /* The old engine posts no more: its notifier finishes what it holds (within its
     * timeout_s) once the new parts run, so a hanging command delays no webhook. */
    notify *old_ntf = parts->ntf;
    parts->ntf = ntf;
    if (keep_listener && fresh->listener_mode == CONFIG_LISTENER_TLS)
        parts_reload_tls(fresh, parts);
    engine_err eerr = engine_start(eng);
    if (eerr == ENGINE_OK && parts_start_listeners(fresh, listen, parts)) {
        /* Every part that read the old configuration has stopped. */
        config_free(cfg);
        free(cfg);
        *cfgp = fresh;
        log_msg(LOG_INFO, "config_reloaded", "%s", config_path);
        parts_log_warnings(fresh);
        notify_free(old_ntf);
        return;
    }
    notify_free(old_ntf);
    log_msg(LOG_ERROR, "config_reload_failed",
            "the new configuration cannot start; "
            "restarting with the previous one");
    parts_stop(parts);
    config_free(fresh);
    free(fresh);
    parts_log_init(cfg);
    if (!parts_start(cfg, listen, dry_run, parts))
        log_fatal(EXIT_RUNTIME, "cannot restart with the previous configuration either");
}
