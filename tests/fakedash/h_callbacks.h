/*
 * h_callbacks.h - API callbacks: the "callback" object a live-tools ping or an action batch
 * may carry, the POST of the finished result to its receiver, and
 * getOrganizationWebhooksCallbacksStatus.
 *
 * A callback names a receiver by url and sharedSecret, or by an HTTP server of the
 * organization ({"httpServer": {"id"}}). When its job finishes, the fake POSTs
 * {callbackId, sharedSecret, organization, network, sentAt, message} to it (only to
 * 127.0.0.1 or localhost; any other receiver fails unsent), with the webhook tests'
 * attempts, TLS verification and webhook log. Its status goes new -> running -> completed
 * or failed. Callbacks live with the state (state lock held).
 */
#ifndef FAKEDASH_H_CALLBACKS_H
#define FAKEDASH_H_CALLBACKS_H

#include "api.h"

struct json_object;
struct state_network;
struct state_org;

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hcb_routes[];

/* Reads the "callback" of a request body for a job of `org` (and network n, NULL for an
 * organization-wide job; a named HTTP server must belong to n, or to some network of org).
 * Returns 0 with *id the new callback (0 when the body has none), or -1 after filling a 400
 * reply. */
int hcb_create(struct api_ctx *ctx, struct json_object *body, const struct state_org *org,
               const struct state_network *n, unsigned long long *id);

/* The callback as a job's answer shows it, {id, url, status} (new object; caller puts), or
 * NULL when it is unknown (forgotten). */
struct json_object *hcb_brief_json(unsigned long long id);

/* Sends the finished job's `message` (put by this call) to the callback's receiver. */
void hcb_fire(struct state *st, unsigned long long id, struct json_object *message, double now);

/* Forgets every callback (on a scenario load). */
void hcb_reset(void);

#endif
