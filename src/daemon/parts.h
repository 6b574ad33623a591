/*
 * parts.h - private to src/daemon: the running parts of `serve` and `reconcile` (the
 * listeners, the route to the engine, the notifier), started, stopped and reloaded on SIGHUP.
 */
#ifndef TAGFAILOVER_PARTS_H
#define TAGFAILOVER_PARTS_H

#include <stdbool.h>

#include "tagfailover/admin.h"
#include "tagfailover/config.h"
#include "tagfailover/httpd.h"
#include "tagfailover/notify.h"
#include "tagfailover/route.h"

/* The running parts of `serve` and `reconcile`: the listeners, and the route to the engine. */
typedef struct {
    main_route *route;
    notify *ntf; /* the notifier the running engine posts to, or NULL */
    admin *adm;
    httpd *listener;
} parts_running;

/* Sets up logging as the configuration says. */
void parts_log_init(const config *cfg);

/* Logs check-config's warnings (a readable secret, a listener off loopback), one line each. */
void parts_log_warnings(const config *cfg);

/* Starts the notifier when [notify] names a command or a URL (*out stays NULL otherwise);
 * false (logged) when it cannot. */
bool parts_notify_start(const config *cfg, notify **out);

/* Starts the engine, its notifier, the admin listener and (with `listen`) the webhook
 * listener; on failure stops what started and returns false (logged). p->route must be
 * initialised. */
bool parts_start(const config *cfg, bool listen, bool dry_run, parts_running *p);

/* Stops every part: the listeners first (no new alerts), the engine (it finishes the action in
 * hand), then the notifier. */
void parts_stop(parts_running *p);

/* SIGHUP: reloads the configuration at `config_path` (*cfgp is replaced when the new one
 * runs) and the TLS certificate; see parts.c. */
void parts_reload(const char *config_path, bool dry_run, config **cfgp, bool listen,
                  parts_running *p);

#endif
