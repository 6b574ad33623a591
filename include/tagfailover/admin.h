/*
 * admin.h - the admin listener (DESIGN section 7): plain HTTP, loopback by default.
 *
 *   GET /healthz  200 "ok" while the process runs
 *   GET /readyz   200 "ready", or 503 with the reason (engine_ready)
 *   GET /metrics  Prometheus text format 0.0.4 (metrics_render)
 *   GET /status   the engine's status JSON (engine_status_json)
 * Any other path is 404; another method on a known path is 405 (Allow: GET, HEAD).
 *
 * It runs on one MHD thread of its own, so a slow scrape never competes with webhooks for a
 * listener thread. Threads: admin_start and admin_stop are called by the main thread.
 */
#ifndef TAGFAILOVER_ADMIN_H
#define TAGFAILOVER_ADMIN_H

#include "tagfailover/config.h"
#include "tagfailover/engine.h"
#include "tagfailover/httpd.h"

typedef struct admin admin;

/* Starts the admin listener on cfg's [admin] address and port, answering from `e` (both must
 * outlive it). With admin_port 0 it does nothing: *out is NULL and the result HTTPD_OK. On
 * failure `err` says why. */
httpd_err admin_start(const config *cfg, engine *e, admin **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The port it listens on. */
int admin_port(const admin *a);

/* Stops and frees it. NULL is a no-op. */
void admin_stop(admin *a);

#endif
