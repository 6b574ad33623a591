/*
 * test_policy.c - the failover / failback decision, the look range and the chunks (policy.h).
 *
 * Every decision case is a row: the tag state, the series (described compactly and expanded
 * into samples), the parameters, t1, and the exact answer. Times in the rows are offsets
 * from T; the defaults are the real ones (30 % threshold, 0 % failback max, 300-s windows,
 * guard on, failback auto). No clock, no sleeping: t1 is a plain number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "tagfailover/policy.h"

/* An arbitrary absolute time (November 2023), so the rows never depend on ts = 0. */
#define T INT64_C(1700000000)

/* The loss value that stands for a null (missing) lossPercent in the rows. */
#define NUL (-1.0)

#define MAX_SERIES 2

/* One sample set or added: at offset `at`, loss `loss` (NUL: null). */
struct pt {
    bool on;
    int64_t at;
    double loss;
};

/* Samples removed from the regular grid: every ts in [from, to]. */
struct hole {
    bool on;
    int64_t from, to;
};

/* A series: regular samples every `step` s from `start` up to `end` (inclusive), each with
 * loss `base`; then `set` changes the loss of existing samples, `holes` removes some, and
 * `add` inserts extra ones. uplink NULL: no series. */
struct spec {
    const char *uplink;
    int64_t start, step, end;
    double base;
    struct pt set[4];
    struct pt add[4];
    struct hole holes[2];
};

#define SER(up, s, st, e, b) .uplink = (up), .start = (s), .step = (st), .end = (e), .base = (b)
#define W1(s, st, e)         SER("wan1", s, st, e, 0)
#define W2(s, st, e)         SER("wan2", s, st, e, 0)

#define PARAMS(thr, fbmax, det, clean, guard, fbauto)                                              \
    (&(const policy_params){.loss_threshold_pct = (thr),                                           \
                            .failback_max_loss_pct = (fbmax),                                      \
                            .detect_window_s = (det),                                              \
                            .clean_window_s = (clean),                                             \
                            .require_backup_healthy = (guard),                                     \
                            .failback_auto = (fbauto)})

static const policy_params default_params = {
    .loss_threshold_pct = 30,
    .failback_max_loss_pct = 0,
    .detect_window_s = 300,
    .clean_window_s = 300,
    .require_backup_healthy = true,
    .failback_auto = true,
};

#define N  TAGS_NORMAL
#define FO TAGS_FAILED_OVER

struct decide_case {
    const char *name;
    tags_state state;
    tf_reason state_reason;
    bool no_tracked_ip;
    const char *missing_peer; /* the tag no peer carries; NULL: a peer is there */
    struct spec primary[MAX_SERIES];
    size_t missing_uplinks; /* considered uplinks without a series */
    bool no_considered;     /* n_considered_uplinks = 0 whatever series are passed */
    struct spec backup[MAX_SERIES];
    const policy_params *p; /* NULL: default_params */
    int64_t t1;
    policy_action action;
    tf_reason reason;
    bool has_worst;
    double worst;
    const char *why;  /* NULL: not checked */
    bool moved;       /* the failover's moment is known ... */
    int64_t moved_at; /* ... at this offset from T */
    bool has_last_bad;
    int64_t last_bad; /* offset of the newest lossy sample in the clean window */
};

static const struct decide_case decide_cases[] = {
    /* No failback on data from before the failover: the clean window starts no earlier than
     * the move (a live-ping failover while the lagging series still shows clean minutes). */
    {.name = "moved at T+100, t1 = T+399: the window starts at T+99, before the move",
     .state = FO,
     .primary = {{W1(-600, 60, 399)}},
     .t1 = 399,
     .moved = true,
     .moved_at = 100,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "the clean window must start after the failover (1 s to go)"},
    {.name = "moved at T+100, t1 = T+400: the window starts at the move: failback",
     .state = FO,
     .primary = {{W1(-600, 60, 400)}},
     .t1 = 400,
     .moved = true,
     .moved_at = 100,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "moved long ago: the rule holds nothing back",
     .state = FO,
     .primary = {{W1(-600, 60, 301)}},
     .t1 = 301,
     .moved = true,
     .moved_at = -10000,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "the move unknown: the data alone decides",
     .state = FO,
     .primary = {{W1(-600, 60, 301)}},
     .t1 = 301,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "moved, and loss in the window: loss is what it says",
     .state = FO,
     .primary = {{W1(-600, 60, 399), .set = {{true, 360, 20}}}},
     .t1 = 399,
     .moved = true,
     .moved_at = 100,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 20,
     .has_last_bad = true,
     .last_bad = 360},
    {.name = "the move does not hold a failover back",
     .state = N,
     .primary = {{W1(-600, 60, 300), .set = {{true, 240, 50}}}},
     .t1 = 300,
     .moved = true,
     .moved_at = 290,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},

    /* The 5-minute rule with 60-s samples: the last lossy sample is at 0. */
    {.name = "60-s samples, t1 = T+299: the lossy sample is in the window",
     .state = FO,
     .primary = {{W1(-600, 60, 299), .set = {{true, 0, 50}}}},
     .t1 = 299,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50,
     .why = "loss 50.0% > 0% within 300 s"},
    {.name = "60-s samples, t1 = T+300: the lossy sample is on the window's edge",
     .state = FO,
     .primary = {{W1(-600, 60, 300), .set = {{true, 0, 50}}}},
     .t1 = 300,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "60-s samples, t1 = T+301: clean 5 minutes",
     .state = FO,
     .primary = {{W1(-600, 60, 301), .set = {{true, 0, 50}}}},
     .t1 = 301,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0,
     .why = "clean 300 s"},

    /* The same rule with 1-s samples. */
    {.name = "1-s samples, t1 = T+299",
     .state = FO,
     .primary = {{W1(-20, 1, 299), .set = {{true, 0, 50}}}},
     .t1 = 299,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "1-s samples, t1 = T+300",
     .state = FO,
     .primary = {{W1(-20, 1, 300), .set = {{true, 0, 50}}}},
     .t1 = 300,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "1-s samples, t1 = T+301",
     .state = FO,
     .primary = {{W1(-20, 1, 301), .set = {{true, 0, 50}}}},
     .t1 = 301,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0,
     .why = "clean 300 s"},

    /* A 6-s window with 1-s samples behaves like 300/60: T+5 and T+6 wait, T+7 fails back. */
    {.name = "6-s window, 1-s samples, t1 = T+5",
     .state = FO,
     .primary = {{W1(-20, 1, 5), .set = {{true, 0, 50}}}},
     .p = PARAMS(30, 0, 6, 6, true, true),
     .t1 = 5,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50,
     .why = "loss 50.0% > 0% within 6 s"},
    {.name = "6-s window, 1-s samples, t1 = T+6",
     .state = FO,
     .primary = {{W1(-20, 1, 6), .set = {{true, 0, 50}}}},
     .p = PARAMS(30, 0, 6, 6, true, true),
     .t1 = 6,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "6-s window, 1-s samples, t1 = T+7",
     .state = FO,
     .primary = {{W1(-20, 1, 7), .set = {{true, 0, 50}}}},
     .p = PARAMS(30, 0, 6, 6, true, true),
     .t1 = 7,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0,
     .why = "clean 6 s"},
    {.name = "6-s window, 1-s samples, one missing sample (gap 2 = 2 x spacing) is covered",
     .state = FO,
     .primary = {{W1(-20, 1, 20), .holes = {{true, 17, 17}}}},
     .p = PARAMS(30, 0, 6, 6, true, true),
     .t1 = 20,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "6-s window, 1-s samples, three missing samples (gap 4) are not covered",
     .state = FO,
     .primary = {{W1(-20, 1, 20), .holes = {{true, 15, 17}}}},
     .p = PARAMS(30, 0, 6, 6, true, true),
     .t1 = 20,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "gap of 4 s on wan1"},
    {.name = "300-s window, 60-s samples, one missing sample in the middle (gap 120) is covered",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .holes = {{true, 420, 420}}}},
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "300-s window, 60-s samples, two missing in the middle (gap 180) are not covered",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .holes = {{true, 420, 480}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "gap of 180 s on wan1"},

    /* A flap inside the window. */
    {.name = "failed over, one lossy sample inside the window blocks failback",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 420, 40}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 40},
    {.name = "normal, one lossy sample inside the window fails over",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 420, 40}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 40,
     .why = "loss 40.0% >= 30%"},
    {.name = "normal, a flap under the threshold does nothing",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 420, 20}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_OK,
     .has_worst = true,
     .worst = 20,
     .why = "worst loss 20.0% < 30%"},

    /* Null samples are no data, never "no loss". */
    {.name = "failed over, a null sample in the window blocks failback",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, NUL}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NULL_SAMPLE,
     .has_worst = true,
     .worst = 0,
     .why = "null sample at 1700000480 on wan1"},
    {.name = "failed over, a null sample before the window does not",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 240, NUL}}}},
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "failed over, loss is reported before a null sample",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, NUL}, {true, 540, 10}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 10},
    {.name = "normal, only null samples: no worst, null_sample",
     .state = N,
     .primary = {{SER("wan1", -600, 60, 600, NUL)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NULL_SAMPLE,
     .has_worst = false,
     .why = "null sample at 1700000300 on wan1"},
    {.name = "normal, a null sample does not stop a failover",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, NUL}, {true, 540, 50}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "normal, a null sample is reported (informational)",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, NUL}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NULL_SAMPLE,
     .has_worst = true,
     .worst = 0,
     .why = "worst loss 0.0% < 30%; null sample at 1700000480 on wan1"},

    /* Gaps in coverage at the edges (window [T+300, T+600], spacing 60, limit 120). */
    {.name = "start edge: first sample 120 s after the window start is covered",
     .state = FO,
     .primary = {{W1(420, 60, 600)}},
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "start edge: first sample 180 s after the window start is not covered",
     .state = FO,
     .primary = {{W1(480, 60, 600)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "samples start 180 s late on wan1"},
    {.name = "start edge: a hole across the window start is not covered",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .holes = {{true, 240, 420}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "samples start 180 s late on wan1"},
    {.name = "end edge: newest sample 120 s before t1 is covered",
     .state = FO,
     .primary = {{W1(-600, 60, 480)}},
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "end edge: newest sample 180 s before t1 is stale",
     .state = FO,
     .primary = {{W1(-600, 60, 420)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_STALE_DATA,
     .has_worst = true,
     .worst = 0,
     .why = "newest sample 180 s old on wan1"},

    /* A device that stopped reporting at T is never failed back. */
    {.name = "stopped reporting: nothing in the window",
     .state = FO,
     .primary = {{W1(-900, 60, 0)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = false,
     .why = "no sample on wan1"},
    {.name = "stopped reporting: newest sample 121 s old",
     .state = FO,
     .primary = {{W1(-900, 60, 0)}},
     .t1 = 121,
     .action = POLICY_NONE,
     .reason = TF_REASON_STALE_DATA,
     .has_worst = true,
     .worst = 0},
    {.name = "stopped reporting: newest sample 120 s old is still within 2 x spacing",
     .state = FO,
     .primary = {{W1(-900, 60, 0)}},
     .t1 = 120,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},

    /* The spacing is read from the data. */
    {.name = "1-s spacing: a 60-s hole is a gap",
     .state = FO,
     .primary = {{W1(0, 1, 600), .holes = {{true, 401, 459}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "gap of 60 s on wan1"},
    {.name = "30-s spacing: a 90-s gap is not covered (60 s is not assumed)",
     .state = FO,
     .primary = {{W1(0, 30, 600), .holes = {{true, 450, 480}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "gap of 90 s on wan1"},
    {.name = "spacing comes from the whole series, before the window too",
     .state = FO,
     .primary = {{W1(300, 60, 600), .add = {{true, -100, 0}, {true, -99, 0}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "gap of 60 s on wan1"},
    {.name = "null samples' timestamps count for the spacing",
     .state = FO,
     .primary = {{W1(300, 60, 600), .add = {{true, -100, NUL}, {true, -90, NUL}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "gap of 60 s on wan1"},
    {.name = "one sample: spacing unknown, not covered",
     .state = FO,
     .primary = {{W1(600, 60, 600)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "spacing unknown on wan1"},
    {.name = "two samples with one ts: spacing unknown, not covered",
     .state = FO,
     .primary = {{W1(600, 60, 600), .add = {{true, 600, 0}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0},

    /* Two uplinks: the caller passes the considered ones; a missing one is no data. */
    {.name = "failed over, wan1 clean, a second considered uplink has no series",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}},
     .missing_uplinks = 1,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = true,
     .worst = 0,
     .why = "no series for 1 of 2 considered uplinks"},
    {.name = "failed over, wan1 clean, only wan1 considered (wan2's loss never passed)",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}},
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "failed over, both considered uplinks clean",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}, {W2(-600, 60, 600)}},
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},
    {.name = "failed over, wan2 has a gap",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}, {W2(-600, 60, 600), .holes = {{true, 420, 480}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NOT_COVERED,
     .has_worst = true,
     .worst = 0,
     .why = "gap of 180 s on wan2"},
    {.name = "failed over, wan2 has no sample in the window",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}, {W2(-900, 60, 0)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = true,
     .worst = 0,
     .why = "no sample on wan2"},
    {.name = "failed over, null on wan1 is reported before stale on wan2",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, NUL}}}, {W2(-600, 60, 420)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NULL_SAMPLE,
     .has_worst = true,
     .worst = 0,
     .why = "null sample at 1700000480 on wan1"},
    {.name = "failed over, stale on wan2 is reported before a gap on wan1",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .holes = {{true, 420, 480}}}, {W2(-600, 60, 420)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_STALE_DATA,
     .has_worst = true,
     .worst = 0,
     .why = "newest sample 180 s old on wan2"},
    {.name = "failed over, loss on wan2 blocks failback",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}, {W2(-600, 60, 600), .set = {{true, 480, 5}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 5},
    {.name = "normal, loss on the second considered uplink fails over",
     .state = N,
     .primary = {{W1(-600, 60, 600)}, {W2(-600, 60, 600), .set = {{true, 480, 50}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "normal, loss on wan1 fails over though another uplink has no series",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .missing_uplinks = 1,
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "normal, wan1 clean and another uplink without series: no_data, no action",
     .state = N,
     .primary = {{W1(-600, 60, 600)}},
     .missing_uplinks = 1,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = true,
     .worst = 0,
     .why = "worst loss 0.0% < 30%; no series for 1 of 2 considered uplinks"},

    /* Windows over 300 s (the look is then read in chunks; see test_chunks). */
    {.name = "600-s clean window, clean",
     .state = FO,
     .primary = {{W1(-1200, 60, 600)}},
     .p = PARAMS(30, 0, 300, 600, true, true),
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0,
     .why = "clean 600 s"},
    {.name = "600-s clean window, loss 540 s ago",
     .state = FO,
     .primary = {{W1(-1200, 60, 600), .set = {{true, 60, 10}}}},
     .p = PARAMS(30, 0, 300, 600, true, true),
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 10},
    {.name = "600-s clean window, loss 660 s ago",
     .state = FO,
     .primary = {{W1(-1200, 60, 600), .set = {{true, -60, 10}}}},
     .p = PARAMS(30, 0, 300, 600, true, true),
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},

    /* The backup-unhealthy guard. */
    {.name = "guard: backup losing 40%",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{W1(-600, 60, 600), .set = {{true, 480, 40}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_BACKUP_UNHEALTHY,
     .has_worst = true,
     .worst = 50,
     .why = "loss 50.0% >= 30% but backup loss 40.0% >= 30%"},
    {.name = "guard: backup at exactly the threshold",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{W1(-600, 60, 600), .set = {{true, 300, 30}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_BACKUP_UNHEALTHY,
     .has_worst = true,
     .worst = 50},
    {.name = "guard: backup on its second uplink losing",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{W1(-600, 60, 600)}, {W2(-600, 60, 600), .set = {{true, 540, 90}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_BACKUP_UNHEALTHY,
     .has_worst = true,
     .worst = 50},
    {.name = "guard: backup just under the threshold",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{W1(-600, 60, 600), .set = {{true, 480, 29.9}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50,
     .why = "loss 50.0% >= 30%"},
    {.name = "guard: backup with no series does not block",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "guard: backup with only null samples does not block",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{SER("wan1", -600, 60, 600, NUL)}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "guard: backup that stopped reporting does not block",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{SER("wan1", -900, 60, 0, 90)}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "guard: backup loss before the detect window does not block",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{W1(-600, 60, 600), .set = {{true, 240, 90}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "guard off: backup losing 40% does not block",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .backup = {{W1(-600, 60, 600), .set = {{true, 480, 40}}}},
     .p = PARAMS(30, 0, 300, 300, false, true),
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "guard: a losing backup alone does nothing",
     .state = N,
     .primary = {{W1(-600, 60, 600)}},
     .backup = {{W1(-600, 60, 600), .set = {{true, 480, 90}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_OK,
     .has_worst = true,
     .worst = 0},

    /* failback = manual. */
    {.name = "failback manual, clean window",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}},
     .p = PARAMS(30, 0, 300, 300, true, false),
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_FAILBACK_MANUAL,
     .has_worst = true,
     .worst = 0,
     .why = "failback = manual"},
    {.name = "failback manual, lossy window",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .p = PARAMS(30, 0, 300, 300, true, false),
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_FAILBACK_MANUAL,
     .has_worst = true,
     .worst = 50},
    {.name = "failback manual does not stop a failover",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .p = PARAMS(30, 0, 300, 300, true, false),
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},

    /* Thresholds: >= for failover, <= for failback. */
    {.name = "loss exactly at the threshold fails over",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 30}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 30,
     .why = "loss 30.0% >= 30%"},
    {.name = "loss just under the threshold does not",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 29.99}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_OK,
     .has_worst = true,
     .worst = 29.99},
    {.name = "loss exactly at the failback max fails back",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 5}}}},
     .p = PARAMS(30, 5, 300, 300, true, true),
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 5},
    {.name = "loss just over the failback max does not",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 5.01}}}},
     .p = PARAMS(30, 5, 300, 300, true, true),
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 5.01},
    {.name = "failback max 0: any loss blocks",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 0.1}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 0.1,
     .why = "loss 0.1% > 0% within 300 s"},

    /* Window edges are inclusive; samples after t1 do not count. */
    {.name = "detect window: lossy sample at exactly t1 - 300",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 300, 50}}}},
     .t1 = 600,
     .action = POLICY_FAILOVER,
     .reason = TF_REASON_LOSS_OVER_THRESHOLD,
     .has_worst = true,
     .worst = 50},
    {.name = "detect window: lossy sample at t1 - 301",
     .state = N,
     .primary = {{W1(-601, 60, 600), .set = {{true, 299, 50}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_OK,
     .has_worst = true,
     .worst = 0},
    {.name = "normal, a lossy sample after t1 is ignored",
     .state = N,
     .primary = {{W1(-600, 60, 600), .add = {{true, 660, 90}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_OK,
     .has_worst = true,
     .worst = 0},
    {.name = "failed over, a lossy sample after t1 is ignored",
     .state = FO,
     .primary = {{W1(-600, 60, 600), .add = {{true, 660, 90}}}},
     .t1 = 600,
     .action = POLICY_FAILBACK,
     .reason = TF_REASON_CLEAN_WINDOW,
     .has_worst = true,
     .worst = 0},

    {.name = "failed over, a sample after t1 does not make stale data fresh",
     .state = FO,
     .primary = {{W1(-600, 60, 420), .add = {{true, 660, 0}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_STALE_DATA,
     .has_worst = true,
     .worst = 0,
     .why = "newest sample 180 s old on wan1"},

    /* States that cannot act. */
    {.name = "unmanaged",
     .state = TAGS_UNMANAGED,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_OK,
     .has_worst = false},
    {.name = "held, with loss: reported, not acted on",
     .state = TAGS_HELD,
     .state_reason = TF_REASON_HOLD_TAG,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_HOLD_TAG,
     .has_worst = true,
     .worst = 50},
    {.name = "held, no series",
     .state = TAGS_HELD,
     .state_reason = TF_REASON_HOLD_TAG,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_HOLD_TAG,
     .has_worst = false},
    {.name = "invalid: two primaries",
     .state = TAGS_INVALID,
     .state_reason = TF_REASON_TWO_PRIMARIES,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_TWO_PRIMARIES,
     .has_worst = true,
     .worst = 50,
     .why = "invalid: two_primaries"},
    {.name = "invalid: both down",
     .state = TAGS_INVALID,
     .state_reason = TF_REASON_BOTH_DOWN,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_BOTH_DOWN,
     .has_worst = false},
    {.name = "normal without a tracked IP",
     .state = N,
     .no_tracked_ip = true,
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 50}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_TRACKED_IP,
     .has_worst = false},
    {.name = "failed over without a tracked IP",
     .state = FO,
     .no_tracked_ip = true,
     .primary = {{W1(-600, 60, 600)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_TRACKED_IP,
     .has_worst = false},
    /* A retag needs a peer where it leads: a typo in a tag never takes a branch off both
     * data centers. */
    {.name = "normal, 90% loss, but no peer has the backup's up tag",
     .state = N,
     .missing_peer = "tokyo_backup_up",
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 90}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_PEER,
     .has_worst = true,
     .worst = 90,
     .why = "no third-party peer has networkTags tokyo_backup_up"},
    {.name = "normal, no loss, no peer for the backup: reported before it matters",
     .state = N,
     .missing_peer = "tokyo_backup_up",
     .primary = {{W1(-600, 60, 600)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_PEER,
     .has_worst = true,
     .worst = 0},
    {.name = "failed over, clean window proven, but no peer has the primary's up tag",
     .state = FO,
     .missing_peer = "london_primary_up",
     .primary = {{W1(-600, 60, 600)}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_PEER,
     .has_worst = true,
     .worst = 0,
     .why = "no third-party peer has networkTags london_primary_up"},
    {.name = "failed over, failback manual, no peer: no_peer is named",
     .state = FO,
     .missing_peer = "london_primary_up",
     .primary = {{W1(-600, 60, 600)}},
     .p = PARAMS(30, 0, 300, 300, true, false),
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_PEER,
     .has_worst = true,
     .worst = 0},
    {.name = "normal, no peer and no tracked IP: no_tracked_ip is named first",
     .state = N,
     .no_tracked_ip = true,
     .missing_peer = "tokyo_backup_up",
     .primary = {{W1(-600, 60, 600), .set = {{true, 480, 90}}}},
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_TRACKED_IP,
     .has_worst = false},
    {.name = "held, no peer: the hold is named first",
     .state = TAGS_HELD,
     .state_reason = TF_REASON_HOLD_TAG,
     .missing_peer = "tokyo_backup_up",
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_HOLD_TAG,
     .has_worst = false},
    {.name = "normal, tracked IP, no series at all",
     .state = N,
     .missing_uplinks = 1,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = false},
    {.name = "normal, no considered uplink",
     .state = N,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = false},
    {.name = "failed over, no considered uplink",
     .state = FO,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = false},
    /* The policy is safe on its own, not only because look.c never calls it this way. */
    {.name = "normal, no considered uplink but a lossy series passed anyway",
     .state = N,
     .primary = {{W1(-600, 60, 600), .set = {{true, 420, 40}}}},
     .no_considered = true,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = true,
     .worst = 40,
     .why = "no considered uplink"},
    {.name = "failed over, no considered uplink but a clean series passed anyway",
     .state = FO,
     .primary = {{W1(-600, 60, 600)}},
     .no_considered = true,
     .t1 = 600,
     .action = POLICY_NONE,
     .reason = TF_REASON_NO_DATA,
     .has_worst = true,
     .worst = 0,
     .why = "no considered uplink"},
};

static int sample_cmp(const void *a, const void *b)
{
    const policy_sample *x = a, *y = b;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

static void set_loss(policy_sample *s, double loss)
{
    s->has_loss = loss != NUL;
    s->loss_pct = loss != NUL ? loss : 0;
}

/* Expands a spec into a heap array of samples sorted by ts; the caller frees it. */
static policy_sample *expand(const struct spec *sp, size_t *n_out)
{
    size_t cap = 8, n = 0;
    policy_sample *v;

    if (sp->step > 0)
        cap += (size_t)((sp->end - sp->start) / sp->step + 1);
    v = calloc(cap, sizeof(*v));
    assert_non_null(v);

    for (int64_t ts = sp->start; sp->step > 0 && ts <= sp->end; ts += sp->step) {
        bool in_hole = false;
        for (size_t h = 0; h < 2; h++)
            if (sp->holes[h].on && ts >= sp->holes[h].from && ts <= sp->holes[h].to)
                in_hole = true;
        if (in_hole)
            continue;
        v[n].ts = T + ts;
        set_loss(&v[n], sp->base);
        for (size_t k = 0; k < 4; k++)
            if (sp->set[k].on && sp->set[k].at == ts)
                set_loss(&v[n], sp->set[k].loss);
        n++;
    }
    for (size_t k = 0; k < 4; k++) {
        if (!sp->add[k].on)
            continue;
        assert_true(n < cap);
        v[n].ts = T + sp->add[k].at;
        set_loss(&v[n], sp->add[k].loss);
        n++;
    }
    qsort(v, n, sizeof(*v), sample_cmp);
    *n_out = n;
    return v;
}

/* Expands the specs of one side into series; returns how many. */
static size_t build_series(const struct spec *specs, policy_series *series, policy_sample **owned)
{
    size_t n = 0;

    for (size_t i = 0; i < MAX_SERIES; i++) {
        size_t count;
        if (specs[i].uplink == NULL)
            continue;
        owned[n] = expand(&specs[i], &count);
        series[n] = (policy_series){.uplink = specs[i].uplink, .samples = owned[n], .n = count};
        n++;
    }
    return n;
}

static void test_decide_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
        const struct decide_case *c = &decide_cases[i];
        policy_series primary[MAX_SERIES], backup[MAX_SERIES];
        policy_sample *owned_p[MAX_SERIES] = {0}, *owned_b[MAX_SERIES] = {0};
        policy_input in = {0};
        policy_decision d;

        print_message("decide: %s\n", c->name);
        in.state = c->state;
        in.state_reason = c->state_reason;
        in.has_tracked_ip = !c->no_tracked_ip;
        in.missing_peer = c->missing_peer;
        in.n_primary = build_series(c->primary, primary, owned_p);
        in.primary = primary;
        in.n_considered_uplinks = c->no_considered ? 0 : in.n_primary + c->missing_uplinks;
        in.n_backup = build_series(c->backup, backup, owned_b);
        in.backup = backup;
        in.has_failed_over_at = c->moved;
        in.failed_over_at = T + c->moved_at;

        /* A dirty answer must be fully overwritten. */
        memset(&d, 0x5a, sizeof(d));
        policy_decide(&in, c->p != NULL ? c->p : &default_params, T + c->t1, &d);

        if (d.action != c->action || d.reason != c->reason)
            print_message("  got: %s\n", d.why);
        assert_string_equal(policy_action_name(d.action), policy_action_name(c->action));
        assert_string_equal(tf_reason_name(d.reason), tf_reason_name(c->reason));
        assert_int_equal(d.has_worst, c->has_worst);
        if (c->has_worst && fabs(d.worst_loss_pct - c->worst) > 1e-9)
            fail_msg("worst %.3f, expected %.3f", d.worst_loss_pct, c->worst);
        assert_non_null(memchr(d.why, '\0', sizeof(d.why)));
        assert_true(d.why[0] != '\0');
        if (c->why != NULL)
            assert_string_equal(d.why, c->why);
        if (c->has_last_bad) {
            assert_true(d.has_last_bad);
            assert_int_equal(d.last_bad_ts, T + c->last_bad);
        }

        for (size_t k = 0; k < MAX_SERIES; k++) {
            free(owned_p[k]);
            free(owned_b[k]);
        }
    }
}

/* The decision depends on nothing but its inputs: the same look twice gives the same answer,
 * which is what lets `reconcile --once` from cron decide exactly as the daemon does. */
static void test_decide_is_repeatable(void **state)
{
    const struct decide_case *c = &decide_cases[2]; /* the T+301 failback */
    policy_series primary[MAX_SERIES];
    policy_sample *owned[MAX_SERIES] = {0};
    policy_input in = {.state = c->state, .has_tracked_ip = true};
    policy_decision a, b;

    (void)state;
    in.n_primary = build_series(c->primary, primary, owned);
    in.primary = primary;
    in.n_considered_uplinks = in.n_primary;
    policy_decide(&in, &default_params, T + c->t1, &a);
    policy_decide(&in, &default_params, T + c->t1, &b);
    assert_int_equal(a.action, POLICY_FAILBACK);
    assert_memory_equal(&a, &b, sizeof(a));
    free(owned[0]);
}

/* ---- look range and chunks ------------------------------------------------------------ */

static void test_look_range(void **state)
{
    static const struct {
        int64_t now, lag, detect, clean, t0, t1;
    } cases[] = {
        {T, 120, 300, 300, T - 420, T - 120},
        {T, 120, 300, 600, T - 720, T - 120},
        {T, 120, 900, 300, T - 1020, T - 120},
        {T, 0, 6, 6, T - 6, T},
        {T, 0, 1, 1, T - 1, T},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t t0 = 0, t1 = 0;
        policy_look_range(cases[i].now, cases[i].lag, cases[i].detect, cases[i].clean, &t0, &t1);
        assert_int_equal(t0, cases[i].t0);
        assert_int_equal(t1, cases[i].t1);
    }
}

static void test_chunks(void **state)
{
    static const struct {
        int64_t t0, t1;
        size_t n;
        policy_chunk want[4];
    } cases[] = {
        {0, 0, 0, {{0, 0}}},
        {10, 5, 0, {{0, 0}}},
        {0, 1, 1, {{0, 1}}},
        {0, 300, 1, {{0, 300}}},
        {0, 301, 2, {{0, 300}, {300, 301}}},
        {0, 600, 2, {{0, 300}, {300, 600}}},
        {0, 900, 3, {{0, 300}, {300, 600}, {600, 900}}},
        {T - 1000,
         T,
         4,
         {{T - 1000, T - 700}, {T - 700, T - 400}, {T - 400, T - 100}, {T - 100, T}}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        policy_chunk out[4];
        size_t n;

        memset(out, 0x5a, sizeof(out));
        n = policy_chunks(cases[i].t0, cases[i].t1, out, 4);
        assert_int_equal(n, cases[i].n);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(out[k].t0, cases[i].want[k].t0);
            assert_int_equal(out[k].t1, cases[i].want[k].t1);
            assert_true(out[k].t1 - out[k].t0 <= POLICY_MAX_CHUNK_S);
            if (k > 0)
                assert_int_equal(out[k].t0, out[k - 1].t1);
        }
    }
}

/* A range that needs more chunks than the array holds: the count is right, and nothing is
 * written past `max`. */
static void test_chunks_small_array(void **state)
{
    policy_chunk out[3];
    policy_chunk sentinel;

    (void)state;
    memset(out, 0x5a, sizeof(out));
    memset(&sentinel, 0x5a, sizeof(sentinel));
    assert_int_equal(policy_chunks(0, 900, out, 1), 3);
    assert_int_equal(out[0].t0, 0);
    assert_int_equal(out[0].t1, 300);
    assert_memory_equal(&out[1], &sentinel, sizeof(sentinel));
    assert_memory_equal(&out[2], &sentinel, sizeof(sentinel));
    assert_int_equal(policy_chunks(0, 900, NULL, 0), 3);
}

static void test_action_names(void **state)
{
    (void)state;
    assert_string_equal(policy_action_name(POLICY_NONE), "none");
    assert_string_equal(policy_action_name(POLICY_FAILOVER), "failover");
    assert_string_equal(policy_action_name(POLICY_FAILBACK), "failback");
    assert_string_equal(policy_action_name((policy_action)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide_table),       cmocka_unit_test(test_decide_is_repeatable),
        cmocka_unit_test(test_look_range),         cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_chunks_small_array), cmocka_unit_test(test_action_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
