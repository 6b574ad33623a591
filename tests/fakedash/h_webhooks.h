/*
 * h_webhooks.h - webhook set-up: HTTP servers, webhook tests, alert settings and alert types
 * (getNetworkWebhooksHttpServers, createNetworkWebhooksHttpServer, get/update/
 * deleteNetworkWebhooksHttpServer, createNetworkWebhooksWebhookTest,
 * getNetworkWebhooksWebhookTest, get/updateNetworkAlertsSettings,
 * getOrganizationWebhooksAlertTypes).
 *
 * A webhook test whose url is http(s)://127.0.0.1 or localhost is really delivered, on its
 * own thread, as a Meraki-format alert; any other url is never contacted (its test ends
 * "abandoned"). The set-up lives with the state and is guarded by the state lock.
 */
#ifndef FAKEDASH_H_WEBHOOKS_H
#define FAKEDASH_H_WEBHOOKS_H

#include "api.h"

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hweb_routes[];

/* Forgets every server, test and alert setting (on a scenario load). State lock held. */
void hweb_reset(void);

/* The whole set-up, secrets included, for GET /_control/webhooks (new; caller puts).
 * State lock held. */
struct json_object *hweb_control_json(void);

/* Waits up to timeout_ms for deliveries in flight to finish (at exit). Takes no lock. */
void hweb_shutdown(int timeout_ms);

#endif
