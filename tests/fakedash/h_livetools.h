/*
 * h_livetools.h - live tools: createDeviceLiveToolsPing and getDeviceLiveToolsPing, the
 * ping's callback, and POST/DELETE /_control/ping.
 *
 * A ping is "new", then "running", for the configured ping_duration_s, then "complete" with
 * the loss the appliance sees to its target at the moment the ping was asked for: the loss
 * schedule's value now, on the appliance's first connected uplink, without the loss series'
 * data lag (a ping is first-hand and seconds old). The control API can force the outcome
 * for a target instead. A ping that carries a callback has its finished result POSTed there
 * (h_callbacks.h). Jobs live with the state (state lock held, except the control entry
 * points, which take it).
 */
#ifndef FAKEDASH_H_LIVETOOLS_H
#define FAKEDASH_H_LIVETOOLS_H

#include "api.h"

struct json_object;

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hlive_routes[];

/* Sends the callbacks of pings that have finished by `now`. State lock held. */
void hlive_run_due(struct state *st, double now);

/* POST /_control/ping {"target", "serial", "lossPercent", "sent", "status", "uses"} forces
 * the outcome of the next pings to target (`uses` of them; default: until cleared);
 * {"target", "clear": true} drops the target's forced outcomes. */
void hlive_control(struct json_object *body, struct http_reply *reply);

/* DELETE /_control/ping: drops every forced outcome. */
void hlive_control_clear(struct http_reply *reply);

/* Forgets every ping job and forced outcome (on a scenario load). State lock held. */
void hlive_reset(void);

#endif
