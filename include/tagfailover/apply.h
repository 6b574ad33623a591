/*
 * apply.h - performs one retag: the only code that writes a network's tags.
 *
 * A retag reads the network fresh (a person may have edited, held or swapped it since the look
 * that called for it), remakes the decision in the core from the tags that read shows, writes
 * the whole list back with exactly the two pair tags swapped, and checks that the answer names
 * the network written and holds the tags sent. Nothing here decides: the decision is look.c's and
 * policy.c's, remade from fresh tags; the manual commands' target is tags.c's. The retag's log line
 * (`failover` / `failback`, or `retag_failed`) and its metrics are written here and nowhere else.
 *
 * Threads: runs on the calling thread with the caller's dash_client (one organization thread,
 * or a one-shot command).
 */
#ifndef TAGFAILOVER_APPLY_H
#define TAGFAILOVER_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "tagfailover/config.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/look.h"
#include "tagfailover/notify_msg.h"
#include "tagfailover/ping.h"
#include "tagfailover/plan.h"
#include "tagfailover/tags.h"

typedef enum {
    APPLY_OK = 0,
    APPLY_ERR_API,    /* an API call failed; the result's `error` says which and why */
    APPLY_ERR_STATE,  /* a manual command found the network in a state it cannot act on */
    APPLY_ERR_VERIFY, /* the PUT was answered with another network or other tags than sent */
    APPLY_ERR_NOMEM,
} apply_err;

/* What every call needs. */
typedef struct {
    const config *cfg;   /* borrowed */
    dash_client *client; /* the calling thread's client */
    bool dry_run;        /* everything but the PUT, logged as would-do */
    /* Told of every retag done (dry-run too), right after its log line, on the calling
     * thread: it must only queue (notify_post_hook does). NULL: nobody is told. */
    void (*notify)(void *ctx, const notify_msg_event *ev);
    void *notify_ctx; /* handed back to notify */
} apply_env;

/* Why a retag happens, for its log line and metrics. */
typedef struct {
    plan_trigger trigger;
    const char *alert_id; /* PLAN_TRIGGER_WEBHOOK: the alert that started the confirmation */
    plan_evidence evidence;
} apply_cause;

/* What one retag did. Zero-initialise before the call; apply_result_clear frees. */
typedef struct {
    bool done;        /* written (or would have been, in dry-run) */
    bool looked;      /* `seen` holds the decision remade from the fresh tags */
    look_result seen; /* borrows from `fresh` and the look_ctx passed in */
    dj_network fresh; /* the network as the fresh read showed it */
    tags_list after;  /* what was (or would be) written */
    dash_error error; /* APPLY_ERR_API / VERIFY / STATE: why */
} apply_result;

/* An automatic retag of `network_id` to `want` (POLICY_FAILOVER or POLICY_FAILBACK), decided
 * by a look at data end time `t1` through `ctx`. `fresh`, when not NULL, is the network as it
 * was read in this same round (a confirmation's look): it stands for the fresh GET. The
 * decision is remade from the fresh tags with the same data — and, when `live` is not NULL,
 * with that live-ping evidence (ping_decide) — and nothing is written unless it still says
 * `want` (then APPLY_OK with done false). The log line's evidence is the one that decided. */
apply_err apply_retag(const apply_env *env, const char *org_id, const char *network_id,
                      policy_action want, const look_ctx *ctx, int64_t t1, const dj_network *fresh,
                      const ping_evidence *live, const apply_cause *cause, apply_result *out)
    __attribute__((warn_unused_result));

/* A manual retag: only the tags are judged (the hold tag does not stop an operator), and
 * `hold` adds or removes the hold tag in the same write. APPLY_OK with done false when the
 * network is already where the command wants it. `net` is the network as just read. */
apply_err apply_manual(const apply_env *env, const dj_network *net, policy_action want,
                       tags_hold_op hold, apply_result *out) __attribute__((warn_unused_result));

/* One retag of a bulk. */
typedef struct {
    const char *network_id;
    policy_action want; /* POLICY_FAILOVER or POLICY_FAILBACK */
    apply_cause cause;
    const ping_evidence *live; /* as for apply_retag; NULL: the series alone */
} apply_bulk_item;

/* Many retags of one organization due at the same moment: one fresh read of the
 * organization's networks (all pages; `listing` when the caller read it this very round, else
 * read now) is the fresh GET of each, each decision is remade from
 * the tags it shows (with `ctx` at `t1`), and the writes go in synchronous action batches of at
 * most DASH_BATCH_MAX, one after another. A batch answered completed and not failed is done
 * (each network logs its own line with the batch's id); the networks of any other batch are
 * retagged one by one (apply_retag). results[i] and errs[i] are item i's, as apply_retag's
 * would be; clear each result with apply_result_clear. Returns APPLY_OK unless the fresh read
 * or memory failed for all of them. */
apply_err apply_bulk(const apply_env *env, const char *org_id, const apply_bulk_item *items,
                     size_t n, const look_ctx *ctx, int64_t t1, const dj_network *listing,
                     size_t n_listing, apply_result *results, apply_err *errs)
    __attribute__((warn_unused_result));

/* A deep copy of a network record into `dst` (zeroed first); false when out of memory. */
bool apply_copy_network_public(const dj_network *src, dj_network *dst)
    __attribute__((warn_unused_result));

/* Frees what the result owns. */
void apply_result_clear(apply_result *r);

/* A message for an error code; never NULL. */
const char *apply_strerror(apply_err e);

#endif
