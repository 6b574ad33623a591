/*
 * route.h - what the listeners reach, through every reload: the webhook pipeline and the engine
 * serving now.
 *
 * A configuration reload makes a new pair, swaps it in under the write lock and only then stops
 * the old engine (which may wait up to timeout_s for an API call in flight): the listeners keep
 * serving all along, and alerts that arrive meanwhile queue in the new engine, which takes them
 * before it has started. Every listener call holds the read lock, so once the swap returns no
 * thread uses the old pair. Owned by main's cmd_run; lives across reloads.
 */
#ifndef TAGFAILOVER_ROUTE_H
#define TAGFAILOVER_ROUTE_H

#include <microhttpd.h>
#include <pthread.h>

#include "tagfailover/admin.h"
#include "tagfailover/engine.h"
#include "tagfailover/webhook.h"

typedef struct {
    pthread_rwlock_t lock;
    webhook *wh; /* NULL when there is no webhook listener */
    engine *eng;
} main_route;

/* Empty (no engine, no webhook). Destroy the lock with pthread_rwlock_destroy. */
void main_route_init(main_route *r);

/* Puts `eng` and `wh` in place; the old ones come back in *old_eng, *old_wh, for the caller to
 * free (no listener thread uses them any more). Main thread. */
void main_route_swap(main_route *r, engine *eng, webhook *wh, engine **old_eng, webhook **old_wh);

/* The webhook listener's callbacks (cls: the route): webhook_mhd_handler, _completed and
 * _refuse on the current webhook. */
enum MHD_Result main_route_handler(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls);
void main_route_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe);
enum MHD_Result main_route_refuse(void *cls, struct MHD_Connection *c, const char *why);

/* The admin listener's source: the current engine's answers ("reloading" / "{}" while there is
 * none). A field added to admin_source needs its wrapper in route.c. */
admin_source main_route_admin_source(main_route *r);

#endif
