/*
 * plan.h - what one organization's round of looks calls for: which networks to retag (to the
 * backup or back, with the trigger and the evidence), which confirmations end (confirmed,
 * unconfirmed, skipped) and when the others look again.
 *
 * The engine reads the data, look.c decides per network, this module turns those decisions
 * and the pending confirmations into steps, and apply performs the retags. Keeping the steps
 * pure means every rule of a confirmation's life (the skip reasons, the end of its window,
 * what a failed retag does to it) is a table row with plain numbers instead of a test that
 * waits for a timer.
 *
 * Pure: no I/O, no clock, no globals, no logging. Times are monotonic milliseconds passed in.
 */
#ifndef TAGFAILOVER_PLAN_H
#define TAGFAILOVER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/look.h"
#include "tagfailover/ping.h"
#include "tagfailover/policy.h"
#include "tagfailover/sched.h"

/* What asked for a retag. */
typedef enum {
    PLAN_TRIGGER_WEBHOOK = 0, /* a confirmation started by an alert */
    PLAN_TRIGGER_RECONCILE,   /* the periodic reconcile */
    PLAN_TRIGGER_MANUAL,      /* the failover / failback commands */
    PLAN_TRIGGER_VPN_STATUS,  /* a confirmation a reconcile started: the primary peer's tunnel
                                 was unreachable in the VPN statuses */
    PLAN_TRIGGER_COUNT
} plan_trigger;

/* What proved the decision. */
typedef enum {
    PLAN_EVIDENCE_SERIES = 0, /* the loss series of uplinksLossAndLatency */
    PLAN_EVIDENCE_LIVE,       /* the appliance's own live ping */
    PLAN_EVIDENCE_MANUAL,     /* an operator's command: no evidence needed */
    PLAN_EVIDENCE_COUNT
} plan_evidence;

/* How reading one confirming network went. */
typedef enum {
    PLAN_READ_OK = 0,  /* the network and the organization's data were read */
    PLAN_READ_UNKNOWN, /* the API does not know the network (404) */
    PLAN_READ_FAILED,  /* an API call or the data failed; `why` says which */
} plan_read;

/* What happens to one confirmation after a look. */
typedef enum {
    PLAN_CONFIRM_RETAG = 0,   /* fail it over now; plan_confirm_retagged says what follows */
    PLAN_CONFIRM_AGAIN,       /* no proof yet: look again at next_ms */
    PLAN_CONFIRM_UNCONFIRMED, /* no proof, and the window is over: end it */
    PLAN_CONFIRM_SKIPPED,     /* the network cannot be failed over (held, invalid, ...): end it */
    PLAN_CONFIRM_CONFIRMED,   /* the retag was written: end it */
} plan_confirm_kind;

/* One step for one confirmation. */
typedef struct {
    plan_confirm_kind kind;
    uint64_t next_ms; /* AGAIN: when to look next */
    char why[256];    /* a sentence for the log line */
} plan_confirm_step;

/* The outcome of a retag that a confirmation asked for. */
typedef enum {
    PLAN_RETAG_DONE = 0,   /* written (or would be, in dry-run) */
    PLAN_RETAG_NOT_CALLED, /* the fresh tags no longer call for it */
    PLAN_RETAG_FAILED,     /* the API failed or answered other tags */
} plan_retag_outcome;

/* The step for confirmation `c` after one look at `now_ms`: `read` says whether the network
 * could be read and `r` (when PLAN_READ_OK) what the look decided; `why` explains a failed
 * read. `interval_ms` is the cadence. */
void plan_confirm(const sched_entry *c, plan_read read, const look_result *r, const char *why,
                  uint64_t interval_ms, uint64_t now_ms, plan_confirm_step *out);

/* The step after the retag a PLAN_CONFIRM_RETAG step asked for: CONFIRMED when it was done,
 * else AGAIN (or UNCONFIRMED past the window), with `why` the retag's own explanation. */
void plan_confirm_retagged(const sched_entry *c, plan_retag_outcome outcome, const char *why,
                           uint64_t interval_ms, uint64_t now_ms, plan_confirm_step *out);

/* When a confirmation may ask the appliance for a live ping. */
typedef struct {
    bool enabled;           /* evidence = series, live */
    bool have_target;       /* the tracked IP is known and some appliance can ping it */
    unsigned pings;         /* how many it would send: 1, or 2 with the backup's tracked IP */
    unsigned in_flight;     /* pings in flight in the organization now */
    unsigned max_in_flight; /* live_ping_max_inflight */
    uint64_t interval_ms;   /* live_ping_interval_s: at most one ping per network per interval */
} plan_ping_rules;

/* True when, after a look whose step is `step`, confirmation `c` should send a live ping now:
 * the series did not decide (AGAIN), no ping of its own is out, the last was at least an
 * interval ago, and the organization has room for `pings` more in flight. */
bool plan_ping_wanted(const sched_entry *c, const plan_confirm_step *step,
                      const plan_ping_rules *rules, uint64_t now_ms);

/* What confirmation `c`'s ping proves once its answers are in, or when it timed out: the
 * evidence for ping_decide, and each ping's verdict for the metrics (*backup_verdict is
 * meaningful when the backup was pinged). A ping that failed, sent nothing or timed out is
 * no evidence. */
void plan_ping_evidence(const sched_entry *c, double threshold_pct, bool timed_out,
                        ping_evidence *ev, ping_verdict *primary_verdict,
                        ping_verdict *backup_verdict);

/* True when every answer confirmation `c`'s pending ping waits for is in. */
bool plan_ping_complete(const sched_entry *c);

/* One retag a reconcile calls for: networks[index] to `action`. */
typedef struct {
    size_t index;
    policy_action action; /* POLICY_FAILOVER or POLICY_FAILBACK */
} plan_retag;

/* The retags a reconcile's looks call for, in listing order: every managed network whose
 * decision is failover or failback. `out` has room for `n` entries; returns how many. */
size_t plan_reconcile(const look_result *results, size_t n, plan_retag *out);

/* A confirmation a reconcile's VPN statuses call for: networks[index]'s primary peer, the
 * third-party peer at its tracked IP, is `unreachable` in the appliance's own view. */
typedef struct {
    size_t index;
    const char *peer_ip; /* the tracked IP (borrowed from the look result) */
} plan_hint;

/* The VPN status hints of a reconcile: every normal network with a tracked IP whose decision
 * is not already a failover and whose VPN status lists the peer at its tracked IP as
 * `unreachable`. `vpn` is GET .../appliance/vpn/statuses; `out` has room for `n`. Returns how
 * many, in listing order. */
size_t plan_vpn_hints(const dj_network *nets, const look_result *results, size_t n,
                      const dj_vpn_status *vpn, size_t n_vpn, plan_hint *out);

/* The trigger's word in logs ("webhook", "reconcile", "manual", "vpn_status"); never NULL. */
const char *plan_trigger_name(plan_trigger t);

/* The evidence's word in logs ("series", "manual"); never NULL. */
const char *plan_evidence_name(plan_evidence e);

/* The name of a confirmation step ("retag", "again", "unconfirmed", "skipped", "confirmed"). */
const char *plan_confirm_kind_name(plan_confirm_kind k);

#endif
