/*
 * route.c - what the listeners reach through every reload (see route.h).
 */
#include "tagfailover/route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void main_route_init(main_route *r)
{
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    /* A reload's swap must not wait behind a steady stream of requests. */
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&r->lock, &a);
    pthread_rwlockattr_destroy(&a);
    r->wh = NULL;
    r->eng = NULL;
}

/* Puts `eng` and `wh` in place; the old ones come back in *old_eng, *old_wh. */
void main_route_swap(main_route *r, engine *eng, webhook *wh, engine **old_eng, webhook **old_wh)
{
    pthread_rwlock_wrlock(&r->lock);
    *old_eng = r->eng;
    *old_wh = r->wh;
    r->eng = eng;
    r->wh = wh;
    pthread_rwlock_unlock(&r->lock);
}

enum MHD_Result main_route_handler(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    main_route *r = cls;
    pthread_rwlock_rdlock(&r->lock);
    enum MHD_Result res = r->wh != NULL
                              ? webhook_mhd_handler(r->wh, c, url, method, version, upload_data,
                                                    upload_data_size, con_cls)
                              : MHD_NO;
    pthread_rwlock_unlock(&r->lock);
    return res;
}

void main_route_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    main_route *r = cls;
    pthread_rwlock_rdlock(&r->lock);
    webhook_mhd_completed(r->wh, c, con_cls, toe);
    pthread_rwlock_unlock(&r->lock);
}

enum MHD_Result main_route_refuse(void *cls, struct MHD_Connection *c, const char *why)
{
    main_route *r = cls;
    pthread_rwlock_rdlock(&r->lock);
    enum MHD_Result res = r->wh != NULL ? webhook_mhd_refuse(r->wh, c, why) : MHD_NO;
    pthread_rwlock_unlock(&r->lock);
    return res;
}

/* The admin listener's answers, from the engine serving now (each field of the engine's
 * admin_source, called under the read lock). */
static bool main_route_ready(void *ctx, char *why, size_t len)
{
    main_route *r = ctx;
    bool ok = false;
    pthread_rwlock_rdlock(&r->lock);
    if (r->eng != NULL) {
        admin_source s = engine_admin_source(r->eng);
        ok = s.ready(s.ctx, why, len);
    } else {
        snprintf(why, len, "reloading");
    }
    pthread_rwlock_unlock(&r->lock);
    return ok;
}

/* One of the engine's JSON documents (status or series), from the engine serving now; "{}"
 * while none is. */
static char *main_route_document(main_route *r, bool series)
{
    char *json = NULL;
    pthread_rwlock_rdlock(&r->lock);
    if (r->eng != NULL) {
        admin_source s = engine_admin_source(r->eng);
        json = series ? s.series_json(s.ctx) : s.status_json(s.ctx);
    }
    pthread_rwlock_unlock(&r->lock);
    return json != NULL ? json : strdup("{}");
}

static char *main_route_status(void *ctx)
{
    return main_route_document(ctx, false);
}

static char *main_route_series(void *ctx)
{
    return main_route_document(ctx, true);
}

admin_source main_route_admin_source(main_route *r)
{
    /* A field added to admin_source needs its wrapper here too. */
    admin_source s = {.ready = main_route_ready,
                      .status_json = main_route_status,
                      .series_json = main_route_series,
                      .ctx = r};
    return s;
}
