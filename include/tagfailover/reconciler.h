/*
 * reconciler.h - one look at one organization through the API, and the retags it calls for
 * (DESIGN sections 2, 3, 4 and 9).
 *
 * The engine's organization threads, `reconcile [--once]`, `status` and the manual
 * `failover` / `failback` commands all go through this module, so the daemon and the one-shot
 * commands read, decide and write in exactly the same way.
 *
 * - rc_read reads what a look needs: the networks (all pages, for a reconcile), the appliance
 *   uplink statuses (when uplinks = active), the loss data in <= 300-s chunks, and the
 *   third-party peers through a cache (10 minutes; re-read at most once a minute while some
 *   network's tracked IP is unknown).
 * - rc_retag is the only code that writes tags: a fresh GET of the network, the decision
 *   remade from the tags it shows (a person may have edited, held or swapped it), the PUT of
 *   the whole list, a check that the answer holds the intended tags, the DESIGN section 9 log
 *   line and the metrics.
 * - rc_reconcile_org is a whole reconcile: read, decide every managed network, act (unless
 *   asked only to report), and build the organization's /status document.
 *
 * Threads: every function runs on the calling thread and uses the caller's dash_client; the
 * caches and action logs passed in belong to the caller (one organization thread, or a
 * one-shot command), which must not share them.
 */
#ifndef TAGFAILOVER_RECONCILER_H
#define TAGFAILOVER_RECONCILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tagfailover/config.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/look.h"
#include "tagfailover/metrics.h"
#include "tagfailover/ratelimit.h"

struct json_object;

/* Seconds a peers list is trusted; and how often it may be re-read while an IP is unknown. */
#define RC_PEERS_TTL_S   600
#define RC_PEERS_RETRY_S 60

typedef enum {
    RC_OK = 0,
    RC_ERR_API,    /* an API call failed; the dash_error says which and why */
    RC_ERR_STATE,  /* a manual command found the network in a state it cannot act on */
    RC_ERR_VERIFY, /* the PUT was answered with other tags than the ones sent */
    RC_ERR_NOMEM,
} rc_err;

/* What the caller provides to every call. */
typedef struct {
    const config *cfg;   /* borrowed */
    dash_client *client; /* the calling thread's client */
    bool dry_run;        /* everything but the PUT, logged as would-do */
} rc_env;

/* The peers of one organization, cached. Zero-initialised is empty. */
typedef struct {
    dj_peer *peers;
    size_t n_peers;
    bool have;         /* a read has succeeded */
    double read_at;    /* monotonic seconds of that read */
    bool want_refresh; /* some tracked IP was unknown at the last look */
} rc_peer_cache;

/* One look's data for one organization. Zero-initialised is empty; rc_data_free frees. */
typedef struct {
    dj_network *networks; /* only when read with networks */
    size_t n_networks;
    dj_appliance *appliances; /* only when uplinks = active */
    size_t n_appliances;
    dj_loss_item *loss;
    size_t n_loss;
    int64_t t0, t1; /* the data's range, Unix seconds */
    look_data look; /* the view look.c needs, pointing into the above and the peer cache */
} rc_data;

/* The last action this process took on a network (DESIGN section 7: it does not survive a
 * restart). */
typedef struct {
    char *network_id;
    policy_action action; /* POLICY_FAILOVER or POLICY_FAILBACK */
    time_t at;            /* wall-clock time */
} rc_action;

/* The actions one organization thread (or one command) has taken. */
typedef struct {
    rc_action *v;
    size_t n;
} rc_action_log;

/* What asked for a retag. */
typedef struct {
    metrics_trigger kind; /* webhook, reconcile or manual */
    const char *alert_id; /* for a webhook: the alertId that started the confirmation */
} rc_trigger;

/* Reads one look's data for `org_id` at wall-clock `now` and monotonic `now_mono`. With
 * `with_networks`, also every network of the organization. On error the data is left empty
 * and `err` says why. */
rc_err rc_read(const rc_env *env, const char *org_id, rc_peer_cache *peers, bool with_networks,
               time_t now, double now_mono, rc_data *out, dash_error *err)
    __attribute__((warn_unused_result));

/* Frees the data (not the peer cache it points into). */
void rc_data_free(rc_data *d);

/* Frees the cached peers. */
void rc_peer_cache_free(rc_peer_cache *c);

/* Retags one network. For the automatic triggers, `want` is the action a look decided and
 * `ctx`/`t1` the look it came from: the fresh GET's tags are judged again with that data and
 * nothing is written unless the answer is still `want`; `seen` (when not NULL) receives that
 * judgement, whose pointers stay valid only while `ctx` lives. For a manual trigger `ctx` is
 * NULL, only the tags are checked, and `hold` adds or removes the hold tag in the same PUT.
 * Returns RC_OK when nothing failed; *done tells whether the retag was written (or would have
 * been, in dry-run), false when the fresh tags no longer call for it. */
rc_err rc_retag(const rc_env *env, const char *org_id, const char *network_id, policy_action want,
                const look_ctx *ctx, int64_t t1, tags_hold_op hold, const rc_trigger *trigger,
                rc_action_log *log, bool *done, look_result *seen, dash_error *err)
    __attribute__((warn_unused_result));

/* The outcome of one reconcile. */
typedef struct {
    size_t managed;   /* managed networks seen */
    size_t failovers; /* retags done (or that would be, in dry-run / report mode) */
    size_t failbacks;
    size_t failed;                    /* retags that failed */
    long states[LOOK_MANAGED_STATES]; /* managed networks by look_state */
    unsigned long api_calls;          /* HTTP requests this reconcile sent */
} rc_stats;

/* One reconcile of one organization: read (networks included), decide every managed network,
 * and act on each decision unless `report_only` (status). When `report` is not NULL it
 * receives the organization's /status object (DESIGN section 7), owned by the caller;
 * `org_name` may be NULL. `unmanaged` (when not NULL) receives the sorted IDs of the networks
 * without a pair tag (caller frees with rc_strs_free), for the listener's relevance check. */
rc_err rc_reconcile_org(const rc_env *env, const char *org_id, const char *org_name,
                        rc_peer_cache *peers, rc_action_log *log, bool report_only,
                        struct json_object **report, char ***unmanaged, size_t *n_unmanaged,
                        rc_stats *stats, dash_error *err) __attribute__((warn_unused_result));

/* The /status entry of one network, built from a look result. */
struct json_object *rc_network_json(const dj_network *net, const look_result *r,
                                    const rc_action_log *log);

/* Frees an array of strings. */
void rc_strs_free(char **v, size_t n);

/* Frees the action log's entries. */
void rc_action_log_free(rc_action_log *log);

/* The organizations to manage: [dashboard] organization_ids, or every organization the key
 * sees. *ids and *names (entries NULL when unknown) are the caller's (rc_strs_free each). The
 * names come from GET /organizations, which is read even with configured IDs; when that read
 * fails with configured IDs the names are NULL and the call still succeeds. */
rc_err rc_organizations(const rc_env *env, char ***ids, char ***names, size_t *n, dash_error *err)
    __attribute__((warn_unused_result));

/* The API client's options from the configuration (strings borrowed from `cfg`). */
void rc_dash_options(const config *cfg, dash_options *out);

/* A message for an error code; never NULL. */
const char *rc_strerror(rc_err e);

#endif
