/*
 * sched.h - the confirmation timers of one organization: when each pending confirmation looks
 * next, when it gives up, and how a second alert joins the first.
 *
 * A webhook starts a confirmation for its network: look now, then every confirm_interval_s up
 * to confirm_window_s after the alert. Looks keep a fixed cadence from the alert (received +
 * k x interval, the last at received + window) instead of counting the interval from when a
 * look finished: counted from the end, the time each look spends on the API (and on pacing)
 * pushes every later look back, the look at the end of the window no longer fits, and the
 * confirmation gives up one interval early. A look that ran late skips the grid points already
 * past rather than firing several looks back to back. A further alert for a network under
 * confirmation joins it: no second timer, and the trigger stays the alert that started it.
 *
 * Pure: no clock, no I/O, no globals. Every time is a monotonic millisecond count the caller
 * passes, so the cadence is tested with plain numbers. A sched belongs to one organization
 * thread; it is not shared.
 */
#ifndef TAGFAILOVER_SCHED_H
#define TAGFAILOVER_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/caps.h"

typedef enum {
    SCHED_OK = 0,
    SCHED_ERR_NOMEM,
} sched_err;

/* One pending confirmation. */
typedef struct {
    char network_id[TF_ID_MAX_LEN + 1];
    char alert_id[TF_ID_MAX_LEN + 1]; /* the alert that started it */
    uint64_t received_ms;             /* when that alert arrived (monotonic) */
    int64_t since_unix_ms;            /* the same moment on the wall clock, for /status */
    uint64_t deadline_ms;             /* received + window: the last look */
    uint64_t due_ms;                  /* the next look */
    unsigned looks;                   /* looks done so far */
    bool used;                        /* the slot holds a confirmation */
} sched_entry;

/* The confirmations of one organization. Zero-initialised is not usable: sched_init. */
typedef struct {
    uint64_t interval_ms; /* confirm_interval_s, >= 1 ms */
    uint64_t window_ms;   /* confirm_window_s */
    size_t cap;           /* most pending at once */
    size_t n;             /* pending now */
    sched_entry *v;       /* cap slots, allocated on the first sched_add */
} sched;

/* How sched_add went. */
typedef enum {
    SCHED_STARTED = 0, /* a new confirmation, first look due at once */
    SCHED_JOINED,      /* the network was already under confirmation: nothing changes */
    SCHED_FULL,        /* cap confirmations pending: not started */
    SCHED_NOMEM,       /* no memory for the slots: not started */
} sched_add_result;

/* Sets up an empty schedule. interval_ms 0 is taken as 1. Never fails (slots are allocated on
 * first use). */
void sched_init(sched *s, uint64_t interval_ms, uint64_t window_ms, size_t cap);

/* Frees the slots. The schedule is empty and usable again afterwards. */
void sched_free(sched *s);

/* Starts a confirmation for `network_id` from an alert received at `received_ms` (the first
 * look is due at `now_ms`), or joins the one under way. *slot (when not NULL) receives the
 * confirmation's slot for STARTED and JOINED. */
sched_add_result sched_add(sched *s, const char *network_id, const char *alert_id,
                           uint64_t received_ms, int64_t since_unix_ms, uint64_t now_ms,
                           size_t *slot);

/* The slot of the confirmation of `network_id`, or -1 when none is pending. */
long sched_find(const sched *s, const char *network_id);

/* The confirmation in `slot`, or NULL when the slot is free or out of range. */
const sched_entry *sched_get(const sched *s, size_t slot);

/* True when some confirmation is pending; *due_ms receives the earliest next look. */
bool sched_next_due(const sched *s, uint64_t *due_ms);

/* Fills `slots` with the confirmations whose next look is due at `now_ms` (at most `max`, in
 * slot order) and returns how many. Counts each one's look. */
size_t sched_take_due(sched *s, uint64_t now_ms, size_t *slots, size_t max);

/* The next look on the cadence after `now_ms` for an alert received at `received_ms`: the
 * first grid point received + k x interval strictly after now. Returns false when that point
 * is past `deadline_ms` (the window is over). */
bool sched_next_look(uint64_t received_ms, uint64_t interval_ms, uint64_t deadline_ms,
                     uint64_t now_ms, uint64_t *next_ms);

/* Sets the next look of the confirmation in `slot` (a time plan_confirm chose). */
void sched_set_due(sched *s, size_t slot, uint64_t due_ms);

/* Ends the confirmation in `slot` (confirmed, unconfirmed or skipped: the caller counts it). */
void sched_end(sched *s, size_t slot);

#endif
