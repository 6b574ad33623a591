/*
 * policy.h - the failover / failback decision (the README's "Which loss counts") and the look's
 * time window.
 *
 * Pure: no I/O, no clock, no globals, no hidden state. Time is an argument (`t1`, the end of
 * the data, in Unix seconds). The decision depends on nothing but its inputs, which is what
 * makes a restart harmless and `reconcile --once` from cron decide exactly as the daemon does.
 *
 * Rules, in short (the README's "Which loss counts" has the full text):
 * - A sample without lossPercent (null or missing) is no data, never "no loss".
 * - The spacing of a series is the smallest positive difference between consecutive `ts` in
 *   the whole series given (not only the window); a series with fewer than two distinct
 *   timestamps has no spacing and can cover nothing.
 * - A window [t1 - w, t1] is covered when, on every considered uplink's series, its samples
 *   start within 2 x spacing of t1 - w, end within 2 x spacing of t1, have no gap over
 *   2 x spacing, and none is null. Window edges are inclusive.
 * - Failover (state normal): some non-null sample in [t1 - detect_window_s, t1] on a
 *   considered uplink has loss >= loss_threshold_pct. Coverage is not required.
 *   Guard: with require_backup_healthy, when the backup's tracked IP has a sample in the
 *   detect window with loss >= threshold, the answer is none / backup_unhealthy.
 * - Failback (state failed_over, failback auto): [t1 - clean_window_s, t1] is covered and
 *   every sample in it has loss <= failback_max_loss_pct.
 * - A retag needs somewhere to go: when the caller says no third-party peer carries the tag
 *   the retag would set up (`missing_peer`), the answer is none / no_peer, whatever the loss.
 */
#ifndef TAGFAILOVER_POLICY_H
#define TAGFAILOVER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/reason.h"
#include "tagfailover/tags.h"

/* Meraki's longest loss/latency read: t1 - t0 <= 300 s. */
#define POLICY_MAX_CHUNK_S 300

/* One loss sample. */
typedef struct {
    int64_t ts;      /* sample time, Unix seconds (UTC) */
    bool has_loss;   /* false when lossPercent was null or missing: no data */
    double loss_pct; /* lossPercent, meaningful only when has_loss */
} policy_sample;

/* The samples of one (network, uplink, destination IP), sorted by ts ascending. */
typedef struct {
    const char *uplink;           /* "wan1", ...; informational */
    const policy_sample *samples; /* borrowed */
    size_t n;                     /* number of samples */
} policy_series;

/* What the caller knows about one network for one look. All pointers are borrowed. */
typedef struct {
    tags_state state;             /* from tags_classify; only NORMAL/FAILED_OVER can act */
    tf_reason state_reason;       /* tags_info.reason, reported when the state cannot act */
    bool has_tracked_ip;          /* false: state is reported as no_tracked_ip */
    const char *missing_peer;     /* the "up" tag the retag would set (Y_backup_up when normal,
                                     X_primary_up when failed over) when the organization's
                                     peers were read and none has it in networkTags; else NULL */
    const policy_series *primary; /* one series per considered uplink for the tracked IP */
    size_t n_primary;             /* a considered uplink with no series counts as no data */
    size_t n_considered_uplinks;  /* how many uplinks are considered (>= n_primary) */
    const policy_series *backup;  /* the backup's tracked IP on the considered uplinks */
    size_t n_backup;              /* 0 when the backup has no tracked IP or no data */
    bool has_failed_over_at;      /* the moment the network moved to its backup is known */
    int64_t failed_over_at;       /* Unix seconds: no clean window may start before it */
} policy_input;

/* The thresholds and windows of [failover]. */
typedef struct {
    double loss_threshold_pct;    /* 0..100 */
    double failback_max_loss_pct; /* 0..100, < loss_threshold_pct */
    int64_t detect_window_s;      /* >= 1 */
    int64_t clean_window_s;       /* >= 1 */
    bool require_backup_healthy;  /* guard on */
    bool failback_auto;           /* false: failback = manual */
} policy_params;

typedef enum { POLICY_NONE = 0, POLICY_FAILOVER, POLICY_FAILBACK } policy_action;

/* The answer. */
typedef struct {
    policy_action action;  /* what to do */
    tf_reason reason;      /* why, one word (the README's "HTTP endpoints") */
    bool has_worst;        /* worst_loss_pct is meaningful */
    double worst_loss_pct; /* worst non-null sample of the primary in the window that was judged
                              (detect window when normal, clean window when failed over) */
    char why[128];         /* a human sentence: "loss 45.0% >= 30%", "clean 300 s", ... */
    bool has_last_bad;     /* failed over: a sample in the clean window is over the failback
                              maximum ... */
    int64_t last_bad_ts;   /* ... and this is the newest such sample's time */
} policy_decision;

/* Decides what to do with one network at data end time t1. Never fails. */
void policy_decide(const policy_input *in, const policy_params *p, int64_t t1,
                   policy_decision *out);

/* The look's time range: t1 = now - data_lag_s, t0 = t1 - max(detect_window_s, clean_window_s). */
void policy_look_range(int64_t now, int64_t data_lag_s, int64_t detect_window_s,
                       int64_t clean_window_s, int64_t *t0, int64_t *t1);

/* One API read of at most POLICY_MAX_CHUNK_S seconds. */
typedef struct {
    int64_t t0;
    int64_t t1;
} policy_chunk;

/* Splits [t0, t1] into consecutive chunks of at most POLICY_MAX_CHUNK_S seconds, oldest first,
 * writing at most `max` into out. Returns how many chunks the range needs (which may be more
 * than max: the caller then passes a bigger array). t1 <= t0 gives 0. Consecutive chunks share
 * their boundary second, so a caller merging the answers drops samples with a repeated ts. */
size_t policy_chunks(int64_t t0, int64_t t1, policy_chunk *out, size_t max);

/* The name of an action ("none", "failover", "failback"); never NULL. */
const char *policy_action_name(policy_action a);

#endif
