/*
 * h_batches.h - action batches: createOrganizationActionBatch and getOrganizationActionBatch,
 * and POST/DELETE /_control/batch_fault.
 *
 * A batch is all or nothing: it runs only when every action is an `update` of a network of
 * its organization (`/networks/{id}`) whose body PUT /networks/{id} would take; otherwise it
 * fails with one error per bad action and changes nothing. A request Meraki would refuse
 * outright (no actions array, an action without resource or operation, more than 20 actions
 * in a synchronous batch or 100 in any, a sixth unfinished batch of the organization) is a
 * 400. A synchronous batch runs before its answer; an asynchronous one answers at once and
 * runs batch_duration_s later (the ticker). Each applied update leaves its change-log entry.
 * Batches live with the state (state lock held, except the control entry points).
 */
#ifndef FAKEDASH_H_BATCHES_H
#define FAKEDASH_H_BATCHES_H

#include "api.h"

struct json_object;

/* Meraki's documented limits. */
#define HBATCH_MAX_SYNC_ACTIONS 20
#define HBATCH_MAX_ACTIONS      100
#define HBATCH_MAX_UNFINISHED   5

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hbatch_routes[];

/* Runs the asynchronous batches due by `now`. State lock held. */
void hbatch_run_due(struct state *st, double now);

/* POST /_control/batch_fault {"count": n, "error": "..."}: the next n confirmed batches fail
 * with that error and apply nothing. */
void hbatch_control_fault(struct json_object *body, struct http_reply *reply);

/* DELETE /_control/batch_fault: no more batches fail by order of the control API. */
void hbatch_control_fault_clear(struct http_reply *reply);

/* Forgets every batch and the queued failures (on a scenario load). State lock held. */
void hbatch_reset(void);

#endif
