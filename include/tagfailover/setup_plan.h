/*
 * setup_plan.h - what `tagfailover setup` writes to one network's alert settings: the pure
 * decision behind its step 2 (setup.h describes the command).
 *
 * setup_plan_alerts reads the settings object of GET /networks/{id}/alerts/settings and says,
 * for each of the three alerts setup routes to the receiver, whether the network offers it,
 * whether it is enabled and whether it already reaches the server; and it builds the PUT body
 * that would make every offered one enabled and routed, or none when nothing is missing.
 *
 * Pure: no I/O, no clock, no globals, no logging; any thread may call it. setup.c decides
 * with it and tests/unit drives it with plain JSON.
 */
#ifndef TAGFAILOVER_SETUP_PLAN_H
#define TAGFAILOVER_SETUP_PLAN_H

#include <stdbool.h>

struct json_object;

/* The alerts routed to the server, as /alerts/settings names them. */
#define SETUP_PLAN_N_ALERTS 3

typedef enum {
    SETUP_PLAN_OK = 0,
    SETUP_PLAN_ERR_SHAPE, /* the settings are not the documented shape */
    SETUP_PLAN_ERR_NOMEM,
} setup_plan_err;

/* What one of the three alerts needs. */
typedef struct {
    const char *type; /* "failoverEvent", ...; static */
    bool offered;     /* the network's settings list this alert (Meraki refuses the others) */
    bool enabled;     /* it is enabled now */
    bool routed;      /* its alertDestinations.httpServerIds already hold the server */
} setup_plan_alert;

/* Reads the settings object (GET .../alerts/settings) for the three alerts and the server
 * `server_id` (NULL: a server not created yet, which no alert holds). Fills st[0..2]. When
 * some offered alert is not both enabled and routed, *body receives the PUT body (caller
 * puts): {"alerts": [...]} with just those alerts, each with its destinations as read plus
 * the server, `enabled` true, and its filters as read; otherwise *body is NULL. Alerts outside
 * the three, defaultDestinations and muting are never sent, so they cannot change.
 * SETUP_PLAN_ERR_SHAPE when the settings are not an object with an `alerts` array of objects
 * whose `type` is a string. */
setup_plan_err setup_plan_alerts(struct json_object *settings, const char *server_id,
                                 setup_plan_alert st[SETUP_PLAN_N_ALERTS],
                                 struct json_object **body) __attribute__((warn_unused_result));

/* A message for an error code; never NULL. */
const char *setup_plan_strerror(setup_plan_err e);

#endif
