/*
 * policy.c - the failover / failback decision and the look's time window. See policy.h.
 *
 * Why coverage is judged per uplink and reported in a fixed order (no_data, null_sample,
 * stale_data, not_covered): the reason is what an operator reads first in /status, so it
 * names the most basic problem on any considered uplink. A missing series is worse than a
 * null sample, which is worse than a feed that stopped, which is worse than a hole.
 *
 * Why the spacing is the smallest step in the whole series: jitter can then only make a
 * window look gappy (no failback yet), never hide a real gap (a failback on missing data).
 *
 * Timestamps come from the network, so the arithmetic on them saturates instead of
 * overflowing; a nonsense timestamp then reads as a huge gap, which refuses the failback.
 */
#include "tagfailover/policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* a - b, clamped to the int64_t range. */
static int64_t policy_sub(int64_t a, int64_t b)
{
    int64_t r;

    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* 2 x spacing, clamped to the int64_t range (spacing is positive). */
static int64_t policy_twice(int64_t spacing)
{
    return spacing > INT64_MAX / 2 ? INT64_MAX : 2 * spacing;
}

/* The uplink name for a message; never NULL. */
static const char *policy_uplink(const policy_series *s)
{
    return s->uplink != NULL ? s->uplink : "?";
}

/* The smallest positive difference between consecutive timestamps of the whole series,
 * null samples included; 0 when there are fewer than two distinct timestamps. */
static int64_t policy_spacing(const policy_series *s)
{
    int64_t spacing = 0;

    for (size_t i = 1; i < s->n; i++) {
        int64_t d = policy_sub(s->samples[i].ts, s->samples[i - 1].ts);
        if (d > 0 && (spacing == 0 || d < spacing))
            spacing = d;
    }
    return spacing;
}

/* The worst non-null loss over the series in [lo, hi]; false when there is none. */
static bool policy_worst(const policy_series *series, size_t n, int64_t lo, int64_t hi,
                         double *worst)
{
    bool found = false;

    for (size_t i = 0; i < n; i++) {
        const policy_series *s = &series[i];
        for (size_t j = 0; j < s->n; j++) {
            const policy_sample *x = &s->samples[j];
            if (x->ts < lo || x->ts > hi || !x->has_loss)
                continue;
            if (!found || x->loss_pct > *worst)
                *worst = x->loss_pct;
            found = true;
        }
    }
    return found;
}

/* How bad a coverage reason is: lower is reported first. */
static int policy_coverage_rank(tf_reason r)
{
    switch (r) {
    case TF_REASON_NO_DATA:
        return 0;
    case TF_REASON_NULL_SAMPLE:
        return 1;
    case TF_REASON_STALE_DATA:
        return 2;
    case TF_REASON_NOT_COVERED:
        return 3;
    default:
        return 4;
    }
}

/* Judges whether one series covers [lo, hi]; writes what is wrong into `why`. */
static tf_reason policy_series_coverage(const policy_series *s, int64_t lo, int64_t hi, char *why,
                                        size_t why_size)
{
    int64_t spacing = policy_spacing(s);
    int64_t limit = policy_twice(spacing);
    int64_t first = 0, last = 0, prev = 0, null_ts = 0;
    size_t count = 0;
    bool has_null = false;
    int64_t gap = 0;

    for (size_t i = 0; i < s->n; i++) {
        const policy_sample *x = &s->samples[i];
        if (x->ts < lo || x->ts > hi)
            continue;
        if (count == 0 || x->ts < first)
            first = x->ts;
        if (count == 0 || x->ts > last)
            last = x->ts;
        if (count > 0 && policy_sub(x->ts, prev) > gap)
            gap = policy_sub(x->ts, prev);
        if (!x->has_loss && !has_null) {
            has_null = true;
            null_ts = x->ts;
        }
        prev = x->ts;
        count++;
    }

    if (count == 0) {
        snprintf(why, why_size, "no sample on %s", policy_uplink(s));
        return TF_REASON_NO_DATA;
    }
    if (has_null) {
        snprintf(why, why_size, "null sample at %" PRId64 " on %s", null_ts, policy_uplink(s));
        return TF_REASON_NULL_SAMPLE;
    }
    if (spacing == 0) {
        snprintf(why, why_size, "spacing unknown on %s", policy_uplink(s));
        return TF_REASON_NOT_COVERED;
    }
    if (policy_sub(hi, last) > limit) {
        snprintf(why, why_size, "newest sample %" PRId64 " s old on %s", policy_sub(hi, last),
                 policy_uplink(s));
        return TF_REASON_STALE_DATA;
    }
    if (policy_sub(first, lo) > limit) {
        snprintf(why, why_size, "samples start %" PRId64 " s late on %s", policy_sub(first, lo),
                 policy_uplink(s));
        return TF_REASON_NOT_COVERED;
    }
    if (gap > limit) {
        snprintf(why, why_size, "gap of %" PRId64 " s on %s", gap, policy_uplink(s));
        return TF_REASON_NOT_COVERED;
    }
    why[0] = '\0';
    return TF_REASON_OK;
}

/* Judges whether the primary's series cover [lo, hi] on every considered uplink. Returns
 * TF_REASON_OK or the worst coverage reason found, with a sentence in `why`. */
static tf_reason policy_coverage(const policy_input *in, int64_t lo, int64_t hi, char *why,
                                 size_t why_size)
{
    tf_reason worst = TF_REASON_OK;
    char detail[96];

    /* With no considered uplink no sample counts, whatever series the caller passed: nothing
     * is proven, so this can never answer a failback. */
    if (in->n_considered_uplinks == 0) {
        snprintf(why, why_size, "no considered uplink");
        return TF_REASON_NO_DATA;
    }
    /* An uplink that is considered but has no series is an uplink we know nothing about. */
    if (in->n_primary < in->n_considered_uplinks) {
        snprintf(why, why_size, "no series for %zu of %zu considered uplinks",
                 in->n_considered_uplinks - in->n_primary, in->n_considered_uplinks);
        return TF_REASON_NO_DATA;
    }
    why[0] = '\0';
    for (size_t i = 0; i < in->n_primary; i++) {
        tf_reason r = policy_series_coverage(&in->primary[i], lo, hi, detail, sizeof(detail));
        if (policy_coverage_rank(r) < policy_coverage_rank(worst)) {
            worst = r;
            snprintf(why, why_size, "%s", detail);
        }
    }
    return worst;
}

/* The newest sample in [lo, hi] over `max_pct` on any series; false when there is none. */
static bool policy_last_over(const policy_series *s, size_t n, int64_t lo, int64_t hi,
                             double max_pct, int64_t *ts)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < s[i].n; k++) {
            const policy_sample *x = &s[i].samples[k];
            if (x->ts < lo || x->ts > hi || !x->has_loss || x->loss_pct <= max_pct)
                continue;
            if (!found || x->ts > *ts) {
                *ts = x->ts;
                found = true;
            }
        }
    }
    return found;
}

/* The decision for a network in state normal: fail over on one bad sample. */
static void policy_decide_normal(const policy_input *in, const policy_params *p, int64_t t1,
                                 policy_decision *out)
{
    int64_t lo = policy_sub(t1, p->detect_window_s);
    double backup_worst = 0;
    char detail[96];
    int len;

    out->has_worst = policy_worst(in->primary, in->n_primary, lo, t1, &out->worst_loss_pct);
    /* Only a sample on a considered uplink is evidence; with none considered, whatever series
     * were passed prove nothing (the coverage check below then says no_data). */
    if (in->n_considered_uplinks > 0 && out->has_worst &&
        out->worst_loss_pct >= p->loss_threshold_pct) {
        if (p->require_backup_healthy &&
            policy_worst(in->backup, in->n_backup, lo, t1, &backup_worst) &&
            backup_worst >= p->loss_threshold_pct) {
            out->reason = TF_REASON_BACKUP_UNHEALTHY;
            snprintf(out->why, sizeof(out->why),
                     "loss %.1f%% >= %g%% but backup loss %.1f%% >= %g%%", out->worst_loss_pct,
                     p->loss_threshold_pct, backup_worst, p->loss_threshold_pct);
            return;
        }
        out->action = POLICY_FAILOVER;
        out->reason = TF_REASON_LOSS_OVER_THRESHOLD;
        snprintf(out->why, sizeof(out->why), "loss %.1f%% >= %g%%", out->worst_loss_pct,
                 p->loss_threshold_pct);
        return;
    }

    /* Nothing to do; coverage is reported only so an operator sees a blind spot. */
    out->reason = policy_coverage(in, lo, t1, detail, sizeof(detail));
    if (!out->has_worst || in->n_considered_uplinks == 0) {
        snprintf(out->why, sizeof(out->why), "%s", detail);
        return;
    }
    len = snprintf(out->why, sizeof(out->why), "worst loss %.1f%% < %g%%", out->worst_loss_pct,
                   p->loss_threshold_pct);
    if (out->reason != TF_REASON_OK && len > 0 && (size_t)len < sizeof(out->why))
        snprintf(out->why + len, sizeof(out->why) - (size_t)len, "; %s", detail);
}

/* The decision for a network in state failed_over: fail back only on a proven clean window. */
static void policy_decide_failed_over(const policy_input *in, const policy_params *p, int64_t t1,
                                      policy_decision *out)
{
    int64_t lo = policy_sub(t1, p->clean_window_s);
    tf_reason r;

    out->has_worst = policy_worst(in->primary, in->n_primary, lo, t1, &out->worst_loss_pct);
    if (!p->failback_auto) {
        out->reason = TF_REASON_FAILBACK_MANUAL;
        snprintf(out->why, sizeof(out->why), "failback = manual");
        return;
    }
    out->has_last_bad = policy_last_over(in->primary, in->n_primary, lo, t1,
                                         p->failback_max_loss_pct, &out->last_bad_ts);
    if (out->has_worst && out->worst_loss_pct > p->failback_max_loss_pct) {
        out->reason = TF_REASON_LOSS_OVER_THRESHOLD;
        snprintf(out->why, sizeof(out->why), "loss %.1f%% > %g%% within %" PRId64 " s",
                 out->worst_loss_pct, p->failback_max_loss_pct, p->clean_window_s);
        return;
    }
    /* Data recorded before the branch moved proves nothing about the outage that moved it:
     * after a failover on a live ping the lagging series still shows the clean minutes before
     * the outage, and failing back on them would be a flap. */
    if (in->has_failed_over_at && lo < in->failed_over_at) {
        out->reason = TF_REASON_NOT_COVERED;
        snprintf(out->why, sizeof(out->why),
                 "the clean window must start after the failover (%" PRId64 " s to go)",
                 policy_sub(in->failed_over_at, lo));
        return;
    }
    r = policy_coverage(in, lo, t1, out->why, sizeof(out->why));
    if (r != TF_REASON_OK) {
        out->reason = r;
        return;
    }
    out->action = POLICY_FAILBACK;
    out->reason = TF_REASON_CLEAN_WINDOW;
    snprintf(out->why, sizeof(out->why), "clean %" PRId64 " s", p->clean_window_s);
}

void policy_decide(const policy_input *in, const policy_params *p, int64_t t1, policy_decision *out)
{
    memset(out, 0, sizeof(*out));
    out->action = POLICY_NONE;
    out->reason = TF_REASON_OK;

    switch (in->state) {
    case TAGS_NORMAL:
    case TAGS_FAILED_OVER:
        break;
    case TAGS_UNMANAGED:
        snprintf(out->why, sizeof(out->why), "not managed: no pair tag");
        return;
    case TAGS_HELD:
    case TAGS_INVALID:
    default:
        /* The daemon will not act, but /status still shows the worst loss it would judge
         * by: the detect window, when the caller passed the series. */
        out->reason = in->state_reason;
        out->has_worst = policy_worst(in->primary, in->n_primary,
                                      policy_sub(t1, p->detect_window_s), t1, &out->worst_loss_pct);
        snprintf(out->why, sizeof(out->why), "%s: %s", tags_state_name(in->state),
                 tf_reason_name(in->state_reason));
        return;
    }

    if (!in->has_tracked_ip) {
        out->reason = TF_REASON_NO_TRACKED_IP;
        snprintf(out->why, sizeof(out->why), "no tracked IP for the primary site");
        return;
    }
    /* A swap to a tag no peer carries takes the branch off both data centers: a typo must
     * never do that, so nothing is done whatever the loss. The worst loss of the window that
     * would be judged is still shown. */
    if (in->missing_peer != NULL) {
        int64_t w = in->state == TAGS_NORMAL ? p->detect_window_s : p->clean_window_s;
        out->reason = TF_REASON_NO_PEER;
        out->has_worst =
            policy_worst(in->primary, in->n_primary, policy_sub(t1, w), t1, &out->worst_loss_pct);
        snprintf(out->why, sizeof(out->why), "no third-party peer has networkTags %s",
                 in->missing_peer);
        return;
    }
    if (in->state == TAGS_NORMAL)
        policy_decide_normal(in, p, t1, out);
    else
        policy_decide_failed_over(in, p, t1, out);
}

void policy_look_range(int64_t now, int64_t data_lag_s, int64_t detect_window_s,
                       int64_t clean_window_s, int64_t *t0, int64_t *t1)
{
    int64_t w = detect_window_s > clean_window_s ? detect_window_s : clean_window_s;

    *t1 = now - data_lag_s;
    *t0 = *t1 - w;
}

size_t policy_chunks(int64_t t0, int64_t t1, policy_chunk *out, size_t max)
{
    size_t count = 0;

    if (t1 <= t0)
        return 0;
    for (int64_t start = t0; start < t1; start += POLICY_MAX_CHUNK_S) {
        int64_t end = t1 - start > POLICY_MAX_CHUNK_S ? start + POLICY_MAX_CHUNK_S : t1;
        if (count < max) {
            out[count].t0 = start;
            out[count].t1 = end;
        }
        count++;
    }
    return count;
}

const char *policy_action_name(policy_action a)
{
    switch (a) {
    case POLICY_NONE:
        return "none";
    case POLICY_FAILOVER:
        return "failover";
    case POLICY_FAILBACK:
        return "failback";
    }
    return "unknown";
}
