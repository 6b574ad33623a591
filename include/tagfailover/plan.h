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
#include "tagfailover/policy.h"
#include "tagfailover/sched.h"

/* What asked for a retag. */
typedef enum {
    PLAN_TRIGGER_WEBHOOK = 0, /* a confirmation started by an alert */
    PLAN_TRIGGER_RECONCILE,   /* the periodic reconcile */
    PLAN_TRIGGER_MANUAL,      /* the failover / failback commands */
    PLAN_TRIGGER_COUNT
} plan_trigger;

/* What proved the decision. */
typedef enum {
    PLAN_EVIDENCE_SERIES = 0, /* the loss series of uplinksLossAndLatency */
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

/* One retag a reconcile calls for: networks[index] to `action`. */
typedef struct {
    size_t index;
    policy_action action; /* POLICY_FAILOVER or POLICY_FAILBACK */
} plan_retag;

/* The retags a reconcile's looks call for, in listing order: every managed network whose
 * decision is failover or failback. `out` has room for `n` entries; returns how many. */
size_t plan_reconcile(const look_result *results, size_t n, plan_retag *out);

/* The trigger's word in logs and metrics ("webhook", "reconcile", "manual"); never NULL. */
const char *plan_trigger_name(plan_trigger t);

/* The evidence's word in logs ("series", "manual"); never NULL. */
const char *plan_evidence_name(plan_evidence e);

/* The name of a confirmation step ("retag", "again", "unconfirmed", "skipped", "confirmed"). */
const char *plan_confirm_kind_name(plan_confirm_kind k);

#endif
