/*
 * reason.c - the names of the reasons. See reason.h.
 *
 * The table is indexed by the enum with designated initializers, so a reason added to the enum
 * without a name here shows up as "unknown" and fails test_reason rather than shifting every
 * later name by one.
 */
#include "tagfailover/reason.h"

#include <stddef.h>

static const char *const reason_names[TF_REASON_COUNT] = {
    [TF_REASON_OK] = "ok",
    [TF_REASON_LOSS_OVER_THRESHOLD] = "loss_over_threshold",
    [TF_REASON_CLEAN_WINDOW] = "clean_window",
    [TF_REASON_NOT_COVERED] = "not_covered",
    [TF_REASON_NULL_SAMPLE] = "null_sample",
    [TF_REASON_STALE_DATA] = "stale_data",
    [TF_REASON_NO_DATA] = "no_data",
    [TF_REASON_BACKUP_UNHEALTHY] = "backup_unhealthy",
    [TF_REASON_FAILBACK_MANUAL] = "failback_manual",
    [TF_REASON_HOLD_TAG] = "hold_tag",
    [TF_REASON_TWO_PRIMARIES] = "two_primaries",
    [TF_REASON_TWO_BACKUPS] = "two_backups",
    [TF_REASON_NO_PRIMARY] = "no_primary",
    [TF_REASON_NO_BACKUP] = "no_backup",
    [TF_REASON_BOTH_UP] = "both_up",
    [TF_REASON_BOTH_DOWN] = "both_down",
    [TF_REASON_NO_PEER] = "no_peer",
    [TF_REASON_UNREADABLE] = "unreadable",
    [TF_REASON_NO_TRACKED_IP] = "no_tracked_ip",
};

const char *tf_reason_name(tf_reason r)
{
    if ((unsigned)r < TF_REASON_COUNT && reason_names[r] != NULL)
        return reason_names[r];
    return "unknown";
}
