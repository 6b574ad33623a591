/*
 * reason.h - the one-word reasons the daemon reports for a network (the README's "HTTP endpoints").
 *
 * Pure. The names are part of the contract: /status, `status --json` and the logs use them.
 */
#ifndef TAGFAILOVER_REASON_H
#define TAGFAILOVER_REASON_H

typedef enum {
    TF_REASON_OK = 0,              /* normal, nothing wrong, nothing to do */
    TF_REASON_LOSS_OVER_THRESHOLD, /* a sample at or over the threshold (or over the failback max)
                                    */
    TF_REASON_CLEAN_WINDOW,        /* the clean window is proven: fail back */
    TF_REASON_NOT_COVERED,         /* the window has a gap, or starts too late */
    TF_REASON_NULL_SAMPLE,         /* a sample without lossPercent inside the window */
    TF_REASON_STALE_DATA,          /* the newest sample is older than t1 - 2 x spacing */
    TF_REASON_NO_DATA,             /* no samples at all for the tracked IP on a considered uplink */
    TF_REASON_BACKUP_UNHEALTHY,    /* the backup's tracked IP is losing packets too */
    TF_REASON_FAILBACK_MANUAL,     /* failed over, failback = manual */
    TF_REASON_HOLD_TAG,            /* the hold tag is present */
    TF_REASON_TWO_PRIMARIES,
    TF_REASON_TWO_BACKUPS,
    TF_REASON_NO_PRIMARY,
    TF_REASON_NO_BACKUP,
    TF_REASON_BOTH_UP,
    TF_REASON_BOTH_DOWN,
    TF_REASON_NO_PEER,    /* no third-party peer leads where the retag would go (a typo) */
    TF_REASON_UNREADABLE, /* the API's record of the network is over a cap (tags, tag length) */
    TF_REASON_NO_TRACKED_IP,
    TF_REASON_COUNT
} tf_reason;

/* The snake_case name of a reason ("loss_over_threshold"); never NULL. */
const char *tf_reason_name(tf_reason r);

#endif
