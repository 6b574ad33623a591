/*
 * admin.h - the admin listener (the README's "HTTP endpoints"): plain HTTP, loopback by default.
 *
 *   GET /healthz  200 "ok" while the process runs
 *   GET /readyz   200 "ready", or 503 with the reason (the source's ready)
 *   GET /metrics  Prometheus text format 0.0.4 (metrics_render)
 *   GET /         the operator's page (page.h): one self-contained HTML document
 *   GET /status   the status document (the source's status_json)
 *   GET /status/series  each network's loss over the detect window (the source's series_json)
 * Any other path is 404; another method on a known path is 405 (Allow: GET, HEAD).
 *
 * It runs on one MHD thread of its own, so a slow scrape never competes with webhooks for a
 * listener thread. Threads: admin_start and admin_stop are called by the main thread.
 */
#ifndef TAGFAILOVER_ADMIN_H
#define TAGFAILOVER_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "tagfailover/config.h"
#include "tagfailover/httpd.h"

typedef struct admin admin;

/* Where the answers come from; the daemon passes the engine's. Both functions are called on the
 * admin listener's thread and must not block on the engine's work. */
typedef struct {
    /* True when ready; otherwise `why` receives the reason (NUL-terminated, at most `len`). */
    bool (*ready)(void *ctx, char *why, size_t len);
    /* The /status document as a heap string the caller frees; NULL when out of memory. */
    char *(*status_json)(void *ctx);
    /* The /status/series document as a heap string the caller frees; NULL when out of memory. */
    char *(*series_json)(void *ctx);
    void *ctx;
} admin_source;

/* Starts the admin listener on cfg's [admin] address and port, answering from `src` (its ctx
 * and `cfg` must outlive the listener). With admin_port 0 it does nothing: *out is NULL and the
 * result HTTPD_OK. On failure `err` says why. */
httpd_err admin_start(const config *cfg, admin_source src, admin **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The port it listens on. */
int admin_port(const admin *a);

/* Stops and frees it. NULL is a no-op. */
void admin_stop(admin *a);

#endif
