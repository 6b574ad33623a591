/*
 * control.h - the control API under /_control/ that tests use to set up and inspect the
 * fake: scenario, loss schedule, uplinks, tags, configuration, faults, request log, and
 * views of networks and webhook set-up. No authentication; JSON in and out.
 */
#ifndef FAKEDASH_CONTROL_H
#define FAKEDASH_CONTROL_H

#include "http.h"

/* The path prefix of every control route. */
#define CONTROL_PREFIX "/_control/"

/* Handles one control request. Sets *skip_log when the request must not appear in the log
 * (DELETE /_control/log, so a cleared log is empty). */
void control_handle(const struct http_request *req, struct http_reply *reply, int *skip_log);

/* Loads the scenario JSON text (from --scenario or POST /_control/scenario): replaces the
 * state, forgets webhook set-up, ping jobs, faults and the request log. Returns 0, or -1
 * with err. */
int control_load_scenario(const char *text, size_t len, char *err, size_t errlen);

#endif
