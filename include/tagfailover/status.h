/*
 * status.h - the status model: where every managed network of an organization stands, what
 * the daemon would do, what it last did and what it is confirming; and its two renderings,
 * the /status JSON document (also `status --json`) and the `status` table.
 *
 * The engine owns one status_org per organization and updates it on every look (a reconcile
 * replaces the network list, a confirmation's look updates its network) and every action
 * (a retag sets the new state and the last action at once), so /status never lags behind
 * what the daemon did. Readers on other threads never see the engine's copy: the engine
 * publishes status_org_copy snapshots, which nobody changes after that.
 *
 * Pure: no I/O, no clock, no globals, no logging. Times are Unix seconds passed in. Every
 * string in the model is owned by it.
 */
#ifndef TAGFAILOVER_STATUS_H
#define TAGFAILOVER_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/dashboard_json.h"
#include "tagfailover/look.h"
#include "tagfailover/policy.h"
#include "tagfailover/reason.h"

typedef enum {
    STATUS_OK = 0,
    STATUS_ERR_NOMEM,
} status_err;

/* A confirmation in progress, as /status shows it. */
typedef struct {
    bool active;
    int64_t since;  /* when the alert that started it arrived, Unix seconds */
    char *alert_id; /* that alert's id */
    unsigned looks; /* looks so far */
    bool live;      /* a live ping is pending (evidence "live"), else the series ("series") */
} status_confirming;

/* One managed network. */
typedef struct {
    char *id;
    char *name; /* NULL when the API gave none */
    look_state state;
    tf_reason reason;
    char *primary_site, *backup_site; /* NULL when the tags have none */
    char *tracked_ip;                 /* NULL when unknown */
    bool has_worst;
    double worst_loss_pct; /* meaningful when has_worst */
    policy_action would;
    policy_action last_action; /* POLICY_NONE: this process has not acted on it */
    int64_t last_action_at;    /* Unix seconds, when last_action is set */
    status_confirming confirming;
    bool has_failback_due;   /* failed over, failback = auto, and the moment is known: */
    int64_t failback_due_at; /* when the clean window will be proven if no new loss arrives */
    /* The loss to the primary's tracked IP over the detect window of the look behind the
     * decision (look_primary_window), set by status_org_series; at most TF_STATUS_SERIES_MAX
     * samples (each run of consecutive samples past that keeps its worst). */
    bool has_series;       /* a look has set it (it may still hold no sample) */
    int64_t series_t1;     /* the window's end (the look's data end), Unix seconds */
    policy_sample *series; /* in ts order; NULL when none */
    size_t n_series;
} status_network;

/* One organization. */
typedef struct {
    char *id;
    char *name;           /* from GET /organizations; NULL when unknown */
    char *error;          /* why its last reconcile failed; NULL when it did not */
    status_network *nets; /* managed networks, in the order the API listed them */
    size_t n_nets;
    char **unmanaged; /* sorted ids of the networks without a pair tag */
    size_t n_unmanaged;
} status_org;

/* Sets up an empty organization. `name` may be NULL. The caller frees with status_org_clear. */
status_err status_org_init(status_org *o, const char *id, const char *name)
    __attribute__((warn_unused_result));

/* Frees everything the organization owns and zeroes it. */
void status_org_clear(status_org *o);

/* A deep copy (a snapshot for readers on other threads), series included. The caller frees *out
 * with status_org_clear. */
status_err status_org_copy(const status_org *o, status_org *out)
    __attribute__((warn_unused_result));

/* A reconcile's look: the organization's whole listing `nets` and each one's look result.
 * Replaces the managed networks and the unmanaged list; what the model knew beyond the look
 * (last action, confirmation in progress) is kept for the networks still managed. Clears the
 * error. On failure the model is unchanged. */
status_err status_org_reconciled(status_org *o, const dj_network *nets, const look_result *results,
                                 size_t n) __attribute__((warn_unused_result));

/* A reconcile that failed: keeps the networks, sets the error (NULL clears it). */
status_err status_org_failed(status_org *o, const char *error) __attribute__((warn_unused_result));

/* One network's look (a confirmation's): updates its entry, or adds it when it is managed and
 * new; an unmanaged result removes it. */
status_err status_org_looked(status_org *o, const dj_network *net, const look_result *r)
    __attribute__((warn_unused_result));

/* A retag this process wrote at `at`: the network is now failed_over (FAILOVER) or normal
 * (FAILBACK), would do nothing, and its last action is recorded. Unknown networks are left
 * alone (the next look adds them). */
void status_org_acted(status_org *o, const char *network_id, policy_action action, int64_t at);

/* Marks the network as under confirmation (`c` non-NULL) or not. Unknown networks are left
 * alone. */
status_err status_org_confirming(status_org *o, const char *network_id, const status_confirming *c)
    __attribute__((warn_unused_result));

/* Sets the loss series of the networks a look decided: `nets` and their `results` came from
 * look_network(ctx, ..., t1). A network the model does not hold (unmanaged) is skipped. A
 * reconcile calls it after status_org_reconciled, a confirmation's look after
 * status_org_looked (both drop the series of the networks they replace). On failure the
 * networks not yet set keep no series. */
status_err status_org_series(status_org *o, const look_ctx *ctx, const dj_network *nets,
                             const look_result *results, size_t n, int64_t t1)
    __attribute__((warn_unused_result));

/* The entry of a network, or NULL. */
const status_network *status_org_find(const status_org *o, const char *network_id);

/* True when `network_id` is in the unmanaged list. */
bool status_org_unmanaged(const status_org *o, const char *network_id);

/* How many managed networks are in each state. */
void status_org_census(const status_org *o, long counts[LOOK_MANAGED_STATES]);

/* The /status document of `n` organizations: {"organizations": [...]} as a heap string the
 * caller frees; `pretty` indents it. NULL when out of memory. */
char *status_render_json(const status_org *const *orgs, size_t n, bool pretty);

/* The series document of `n` organizations (GET /status/series, the operator's page's chart):
 * {"loss_threshold_pct", "detect_window_s", "organizations": [{"id", "networks": [{"id",
 * "tracked_ip", "t0", "t1", "samples": [[ts, loss_pct | null], ...]}]}]}, times in Unix
 * seconds, one entry per managed network a look has given a series. A heap string the caller
 * frees; NULL when out of memory. */
char *status_render_series_json(const status_org *const *orgs, size_t n, double loss_threshold_pct,
                                int detect_window_s);

/* The `status` table of `n` organizations as a heap string the caller frees. NULL when out of
 * memory. */
char *status_render_table(const status_org *const *orgs, size_t n);

#endif
