/*
 * round.h - one round of work on one organization: a reconcile (read everything, decide every
 * managed network, retag what the decisions call for) or a confirmation round (read the data
 * once, look at each confirming network, retag what is proven). The engine's organization
 * threads and the one-shot commands (`status`, `reconcile --once`) both run rounds, so they
 * read, decide and write in exactly the same way.
 *
 * A round reads through fetch, decides through look and plan (the core), writes through
 * apply, and keeps the organization's status model up to date as it goes: every look and
 * every retag lands in round_org.model before the round returns.
 *
 * Threads: a round_org belongs to one thread (an organization thread, or a command).
 */
#ifndef TAGFAILOVER_ROUND_H
#define TAGFAILOVER_ROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/apply.h"
#include "tagfailover/fetch.h"
#include "tagfailover/sched.h"
#include "tagfailover/status.h"

typedef enum {
    ROUND_OK = 0,
    ROUND_ERR_API, /* a read failed; the dash_error says which and why */
    ROUND_ERR_NOMEM,
} round_err;

/* How a round tells the listener which live pings are in flight, so a callback can be
 * matched (and a forged or stale one answered `ignored`). Both may be NULL. */
typedef struct {
    void (*add)(void *ctx, const char *ping_id);
    void (*remove)(void *ctx, const char *ping_id);
    void *ctx;
} round_ping_hooks;

/* When a failed-over network moved, as this process knows it. */
typedef struct {
    char *network_id;
    int64_t at; /* Unix seconds, when known */
    bool known; /* false: the change log was read and holds no such move */
} round_moved;

/* Why a network's confirmations ended, as last logged at info: the `confirmation` line of a
 * skipped or unconfirmed end is at info once per change of reason, at debug while it repeats
 * (round_reason.c). */
typedef struct {
    char network_id[TF_ID_MAX_LEN + 1];
    char look[32];   /* the reason word of the last look at the network */
    char logged[48]; /* "<result>:<reason>" of the last line at info; "" none */
} round_reason;

/* One organization as its rounds see it. */
typedef struct {
    fetch_peers peers;      /* the peer cache */
    status_org model;       /* where every managed network stands (id and name included) */
    fetch_data last;        /* the latest confirmation round's data ... */
    look_ctx *last_ctx;     /* ... and its index: a live ping's retag decides with them */
    round_ping_hooks pings; /* set by the engine; zero for the one-shot commands */
    round_moved *moved;     /* failed-over networks and when they moved */
    size_t n_moved;
    look_moved *moved_view; /* the known ones, sorted, as the looks read them */
    size_t n_moved_view;
    /* A reconcile's VPN status hint: start a confirmation of `network_id` (trigger
     * vpn_status:<peer_ip>). Set by the engine; NULL: no hints (the one-shot commands). */
    void (*on_hint)(void *ctx, const char *network_id, const char *peer_ip);
    void *hint_ctx;
    round_reason *reasons; /* per network, the oldest first; at most ROUND_REASONS_MAX (2048) */
    size_t n_reasons, cap_reasons;
} round_org;

/* The outcome of one reconcile. */
typedef struct {
    size_t managed;   /* managed networks seen */
    size_t failovers; /* retags done (or that would be, in dry-run / report mode) */
    size_t failbacks;
    size_t failed;           /* retags that failed */
    unsigned long api_calls; /* HTTP requests this reconcile sent */
} round_stats;

/* Sets up an organization with an empty model. `name` may be NULL. */
round_err round_org_init(round_org *o, const char *id, const char *name)
    __attribute__((warn_unused_result));

/* Frees what the organization owns. */
void round_org_clear(round_org *o);

/* One reconcile: read (networks included), decide every managed network, and retag each one
 * whose decision calls for it unless `report_only` (the `status` command). The model is
 * replaced by what the read showed (or marked with the error when the read failed). With
 * vpn_status_hint and an on_hint, it also reads the appliances' VPN statuses and hands over
 * each normal network whose primary peer is unreachable. */
round_err round_reconcile(const apply_env *env, round_org *o, bool report_only, round_stats *stats,
                          dash_error *err) __attribute__((warn_unused_result));

/* Marks a confirmation that just started (or joined) in the model. */
void round_confirm_started(round_org *o, const sched_entry *c);

/* One confirmation round: one data read, then for each of the `n` due confirmations in
 * `slots` one look at its network and the retag when it is proven. Each confirmation is ended
 * (and logged and counted) or given its next look in `s`. Stops early, leaving the rest due
 * at once, when `api` is cancelled. */
void round_confirm(const apply_env *env, round_org *o, sched *s, const size_t *slots, size_t n,
                   dash_shared *api);

/* Ends the confirmation in `slot` as `result`, with its log line and count. */
void round_confirm_end(round_org *o, sched *s, size_t slot, plan_confirm_kind result,
                       const char *why);

/* Reads the organization's look data afresh into o->last (and its index o->last_ctx), as a
 * confirmation round does. False, with `err` set, when it cannot be read. */
bool round_fresh_data(const apply_env *env, round_org *o, dash_error *err);

/* After the retag a confirmation asked for (`e` and `res` are apply_retag's): ends it as
 * confirmed when written, else gives it its next look, updating the model and the metrics. */
void round_retagged(const apply_env *env, round_org *o, sched *s, size_t slot, apply_err e,
                    const apply_result *res);

/* True when confirmation `c`, whose look gave `r`, has something to ping from and to. */
bool round_live_can_ping(const round_org *o, const sched_entry *c, const look_result *r);

/* Sends confirmation `slot`'s live ping (and the backup's, with the guard on) for the look
 * `r`. A refused or failed POST is counted and proves nothing. */
void round_live_start(const apply_env *env, round_org *o, sched *s, size_t slot,
                      const look_result *r);

/* Polls the pending pings of the `n` confirmations in `slots` (sched_take_ping_due), and
 * judges those whose answers are in or whose time is up. */
void round_live_poll(const apply_env *env, round_org *o, sched *s, const size_t *slots, size_t n);

/* A callback's result for a ping in flight: recorded, and judged once every answer of that
 * ping is in. False when no pending ping has the id. */
bool round_live_result(const apply_env *env, round_org *o, sched *s, const alert_event *ev);

/* A message for an error code; never NULL. */
const char *round_strerror(round_err e);

#endif
