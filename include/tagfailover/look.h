/*
 * look.h - one look at one organization: from the Dashboard's answers to a decision for each
 * managed network (the README's "Tags and network states" and "Which loss counts").
 *
 * Pure: no I/O, no clock, no globals, no logging. The engine, the reconciler and the one-shot
 * commands (`status`, `reconcile --once`) all decide through this module, so they can never
 * disagree.
 *
 * A look_ctx indexes one organization's data once (loss items by network, IP and uplink;
 * appliances by network), so deciding for every network of a 10,000-network organization
 * costs O(n log n), not O(n^2). The context borrows everything it is given: the data and the
 * config must outlive it.
 */
#ifndef TAGFAILOVER_LOOK_H
#define TAGFAILOVER_LOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/config.h"
#include "tagfailover/dashboard_json.h"
#include "tagfailover/policy.h"
#include "tagfailover/tags.h"

typedef enum {
    LOOK_OK = 0,
    LOOK_ERR_NOMEM,
} look_err;

/* A network's state as /status and the metrics name it: the state of its tags, with a valid
 * pair whose primary has no tracked IP told apart. The managed states come first and index
 * per-state counts (LOOK_MANAGED_STATES of them); an unmanaged network is neither shown nor
 * counted. */
typedef enum {
    LOOK_STATE_NORMAL = 0,
    LOOK_STATE_FAILED_OVER,
    LOOK_STATE_HELD,
    LOOK_STATE_INVALID,
    LOOK_STATE_NO_TRACKED_IP,
    LOOK_STATE_UNMANAGED, /* no pair tag */
} look_state;

/* How many states a managed network can be in: those before LOOK_STATE_UNMANAGED. */
#define LOOK_MANAGED_STATES LOOK_STATE_UNMANAGED

/* When a network moved to its backup (the write that set X_primary_down): known to the
 * process that made it, or read from the Dashboard's change log. */
typedef struct {
    const char *network_id;
    int64_t at; /* Unix seconds */
} look_moved;

/* One organization's data for one look. All borrowed. */
typedef struct {
    const dj_appliance *appliances; /* uplink statuses; used when uplinks = active */
    size_t n_appliances;
    const dj_loss_item *loss; /* every item of every chunk of [t0, t1] */
    size_t n_loss;
    const dj_peer *peers; /* third-party VPN peers (may be stale by up to 10 minutes) */
    size_t n_peers;
    bool peers_read;         /* the peers above are the organization's (a read succeeded): a retag
                                then needs a peer where it leads, else reason no_peer */
    const look_moved *moved; /* when networks moved to their backup, sorted by network_id */
    size_t n_moved;
} look_data;

/* What one look says about one network. Pointers are borrowed from the config, the data or
 * the network given to look_network. */
typedef struct {
    tags_info tags;            /* the pair and state from the tags */
    const char *tracked_ip;    /* the primary site's tracked IP; NULL when unknown */
    const char *backup_ip;     /* the backup site's tracked IP; NULL when unknown */
    size_t n_considered;       /* how many uplinks were considered */
    const char *considered[4]; /* their names (wan1, wan2, wan3, cellular) */
    policy_decision decision;  /* what to do and why */
    bool has_failed_over_at;   /* failed over, and when it moved is known */
    int64_t failed_over_at;
    bool has_failback_due;   /* failed over, failback = auto, and the moment its clean window
                                will be proven if no new loss arrives is known: */
    int64_t failback_due_at; /* the later of the last lossy sample and failed_over_at, plus
                                clean_window_s and data_lag_s (Unix seconds) */
} look_result;

/* The indexes over one organization's data. */
typedef struct look_ctx look_ctx;

/* Builds the indexes. The caller frees the context with look_ctx_free. */
look_err look_ctx_new(const look_data *data, const config *cfg, look_ctx **out)
    __attribute__((warn_unused_result));

/* Frees the context (not the data). NULL is a no-op. */
void look_ctx_free(look_ctx *ctx);

/* Decides for one network at data end time t1. A network whose tags are not managed gives
 * state TAGS_UNMANAGED and action none; an unreadable one (dj_network) is invalid with reason
 * unreadable. */
look_err look_network(const look_ctx *ctx, const dj_network *net, int64_t t1, look_result *out)
    __attribute__((warn_unused_result));

/* The merged series of one (network, IP, uplink) in the context's data, sorted by ts, one
 * sample per ts (the worse of two), exactly as look_network judges it; `status NETWORK_ID`
 * shows it. *samples is the caller's (free); NULL with *n 0 when there is none. */
look_err look_series_of(const look_ctx *ctx, const char *network_id, const char *ip,
                        const char *uplink, policy_sample **samples, size_t *n)
    __attribute__((warn_unused_result));

/* The loss to a network's primary tracked IP over the detect window [t1 - detect_window_s, t1]
 * of the look `r` made (look_network with the same context and t1): one sample per timestamp,
 * the worst of the considered uplinks (a loss beats a smaller loss, any loss beats a null), in
 * ts order. This is the series the decision was made from, as the operator's page draws it.
 * Nothing (*n = 0) when the network has no tracked IP or no sample. The caller frees *out. */
look_err look_primary_window(const look_ctx *ctx, const dj_network *net, const look_result *r,
                             int64_t t1, policy_sample **out, size_t *n)
    __attribute__((warn_unused_result));

/* True when some peer's networkTags hold `<site>_primary_up` (primary) or `<site>_backup_up`
 * (backup): the peer a network of that site in that role is connected to when up. A [site]
 * tracked_ip does not stand in for it: the tag must lead somewhere. */
bool look_peer_serves(const dj_peer *peers, size_t n_peers, const char *site, tags_role role);

/* The tracked IP of a site in a role: the [site NAME] override, else the publicIp of the first
 * peer whose networkTags hold `<site>_primary_up` (primary) or `<site>_backup_up` (backup).
 * NULL when neither exists. */
const char *look_tracked_ip(const config *cfg, const dj_peer *peers, size_t n_peers,
                            const char *site, tags_role role);

/* The policy parameters of a config. */
void look_policy_params(const config *cfg, policy_params *out);

/* The state of the network a look_network result is about. */
look_state look_network_state(const look_result *r);

/* The state's name as /status and the metrics spell it ("normal", "failed_over", "held",
 * "invalid", "no_tracked_ip", "unmanaged"); "unknown" for a value out of range. */
const char *look_state_name(look_state s);

#endif
