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

#include "tagfailover/alert.h"
#include "tagfailover/caps.h"
#include "tagfailover/ping.h"

typedef enum {
    SCHED_OK = 0,
    SCHED_ERR_NOMEM,
} sched_err;

/* One pending confirmation. */
typedef struct {
    char network_id[TF_ID_MAX_LEN + 1];
    char alert_id[TF_ID_MAX_LEN + 1];      /* the alert that started it */
    uint64_t received_ms;                  /* when that alert arrived (monotonic) */
    int64_t since_unix_ms;                 /* the same moment on the wall clock, for /status */
    uint64_t deadline_ms;                  /* received + window: the last look */
    uint64_t due_ms;                       /* the next look */
    unsigned looks;                        /* looks done so far */
    bool used;                             /* the slot holds a confirmation */
    char serial[ALERT_SERIAL_MAX_LEN + 1]; /* the alert's deviceSerial ("" none): a ping's
                                              fallback when the uplink statuses name none */

    /* The live ping under way, if any: sched keeps its state and timers, round makes the
     * calls. A confirmation has at most one ping (and the backup's) in flight. */
    bool ping_pending;
    bool ping_polled;                           /* results by GET (no public_url for callbacks) */
    char ping_id[TF_ID_MAX_LEN + 1];            /* the primary's tracked IP */
    char backup_ping_id[TF_ID_MAX_LEN + 1];     /* the backup's; "" when not pinged */
    char ping_serial[ALERT_SERIAL_MAX_LEN + 1]; /* the appliance that pings */
    bool have_primary, have_backup;             /* that ping's final answer is in */
    ping_result primary, backup;                /* the answers (meaningful when have_*) */
    uint64_t ping_sent_ms;                      /* when it was sent */
    uint64_t ping_due_ms;                       /* the next poll, else the timeout */
    uint64_t last_ping_ms;                      /* when the last ping was sent; 0: never */
    bool expired;                               /* the window ended while a ping was out */
    bool vpn_status; /* started by a reconcile's VPN status hint (alert_id is the peer's IP) */
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

/* Records the alert's deviceSerial on a confirmation that has none yet. */
void sched_note_serial(sched *s, size_t slot, const char *serial);

/* The slot of the confirmation of `network_id`, or -1 when none is pending. */
long sched_find(const sched *s, const char *network_id);

/* The confirmation in `slot`, or NULL when the slot is free or out of range. */
const sched_entry *sched_get(const sched *s, size_t slot);

/* True when some confirmation is pending; *due_ms receives the earliest next look or ping
 * poll. */
bool sched_next_due(const sched *s, uint64_t *due_ms);

/* Fills `slots` with the confirmations whose next look is due at `now_ms` (at most `max`, in
 * slot order) and returns how many. Counts each one's look. */
size_t sched_take_due(sched *s, uint64_t now_ms, size_t *slots, size_t max);

/* Fills `slots` with the confirmations whose pending ping is due at `now_ms` (a poll, or its
 * timeout) and returns how many (at most `max`). Each is not due again until sched_ping_due
 * sets a new time. */
size_t sched_take_ping_due(sched *s, uint64_t now_ms, size_t *slots, size_t max);

/* Sets when the confirmation's pending ping is next due (UINT64_MAX: not at all). */
void sched_ping_due(sched *s, size_t slot, uint64_t due_ms);

/* The confirmation whose pending ping (primary or backup) has the id, or -1. */
long sched_find_ping(const sched *s, const char *ping_id);

/* The pings in flight over every confirmation (a confirmation's backup ping counts too). */
unsigned sched_pings_in_flight(const sched *s);

/* Mutable access for the round that owns the schedule; NULL when the slot is free. */
sched_entry *sched_entry_at(sched *s, size_t slot);

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
