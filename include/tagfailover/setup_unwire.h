/*
 * setup_unwire.h - the pure decisions behind `tagfailover setup --remove` (setup.h): which of a
 * network's webhook HTTP servers are the daemon's, and the alert settings that stop every
 * alert from posting to them.
 *
 * The daemon's servers are the ones setup makes or takes over: named "tagfailover"
 * (SETUP_SERVER_NAME; setup names every server it creates or updates so), or posting to the
 * receiver URL. The name finds the server left behind by a URL change too (Meraki cannot move a
 * server, so setup makes a new one and leaves the old one named "tagfailover").
 *
 * Pure: no I/O, no clock, no globals, no logging; tests/unit drives it with plain JSON.
 */
#ifndef TAGFAILOVER_SETUP_UNWIRE_H
#define TAGFAILOVER_SETUP_UNWIRE_H

#include <stddef.h>

#include "tagfailover/setup_match.h"
#include "tagfailover/setup_plan.h"

/* The most servers of one network --remove deletes (Meraki allows 10 per network). */
#define SETUP_UNWIRE_MAX_SERVERS 16

/* Finds the daemon's servers in the array `servers` (GET .../httpServers): those named
 * SETUP_SERVER_NAME or whose URL is `url` (NULL: by name only). Writes at most `max` into
 * out (borrowing from `servers`) and their count into *n. SETUP_ERR_SHAPE when the answer is
 * not an array of objects with string `id` and `url`. */
setup_err setup_unwire_servers(struct json_object *servers, const char *url, setup_server *out,
                               size_t max, size_t *n) __attribute__((warn_unused_result));

/* Reads the settings object (GET .../alerts/settings) and, when some alert's (or the
 * defaultDestinations') httpServerIds hold one of the `n` ids, builds the PUT body that takes
 * them out: {"alerts": [each such alert with its type, enabled and filters as read and its
 * destinations less the ids]} and, when needed, "defaultDestinations" less the ids. Every
 * other alert and destination is left out of the body, so it cannot change. *body is NULL when
 * nothing holds the ids; *n_alerts says how many alerts the body changes. SETUP_PLAN_ERR_SHAPE
 * when the settings are not an object with an `alerts` array of objects with a string `type`. */
setup_plan_err setup_unwire_alerts(struct json_object *settings, const char *const *ids, size_t n,
                                   struct json_object **body, size_t *n_alerts)
    __attribute__((warn_unused_result));

#endif
