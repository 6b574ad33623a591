/*
 * detail.h - `tagfailover status NETWORK_ID`: one network in detail, rendered for a person at
 * 3 a.m. (text) or for a script (JSON).
 *
 * The command (commands_detail.c) reads what a look reads, decides through look.h exactly as
 * the daemon does, and hands this module the network, the look's result and the merged series
 * of its tracked IPs; this module only arranges them: the tags, the pair, the considered
 * uplinks, the tracked IPs (primary's and backup's), the samples of the window that decides
 * (the detect window for a failover, the clean window for a failback: time and loss per
 * sample, those over the line marked), what the daemon would do and why (the reason's word
 * and a sentence), when the network moved and when its failback is due.
 *
 * A one-shot command has no engine, so it cannot know of a confirmation in progress or of
 * the last action a running daemon took: both are shown as null, with a note that they live in
 * the daemon (GET /status on the admin listener).
 *
 * Pure: no I/O, no clock, no globals, no logging. Times are Unix seconds passed in.
 */
#ifndef TAGFAILOVER_DETAIL_H
#define TAGFAILOVER_DETAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/dashboard_json.h"
#include "tagfailover/look.h"
#include "tagfailover/policy.h"

/* The most samples per series the text form lists (the newest); the JSON form lists all. */
#define DETAIL_TEXT_MAX_SAMPLES 60

/* The note both forms carry about what only a running daemon knows. */
#define DETAIL_DAEMON_NOTE                                                                         \
    "a confirmation in progress and the last action live in the running daemon: see GET "          \
    "/status on its admin listener"

/* Everything one rendering needs. All borrowed. */
typedef struct {
    const char *org_id;
    const char *org_name; /* NULL when unknown */
    const dj_network *net;
    const look_result *look;
    const policy_series *primary; /* the primary's tracked IP, one per considered uplink that
                                     has samples (the whole look's range) */
    size_t n_primary;
    const policy_series *backup; /* the backup's tracked IP, likewise; 0 when none */
    size_t n_backup;
    policy_params params; /* thresholds and windows (look_policy_params) */
    int64_t data_lag_s;
    int64_t now; /* when the look was made */
    int64_t t1;  /* the data's end: now - data_lag_s */
} detail_view;

/* A reason in words, for a network in state `state` (a loss reason reads differently for a
 * failed-over network); never NULL. */
const char *detail_reason_words(tf_reason r, tags_state state);

/* The text form. A heap string the caller frees; NULL when out of memory. */
char *detail_render_text(const detail_view *v);

/* The JSON form (the README's "status NETWORK_ID"). A heap string the caller frees; NULL when
 * out of memory. */
char *detail_render_json(const detail_view *v, bool pretty);

#endif
