/*
 * h_webhooks.h - webhook receivers and test deliveries: getNetworkWebhooksHttpServers,
 * createNetworkWebhooksHttpServer, get/update/deleteNetworkWebhooksHttpServer,
 * createNetworkWebhooksWebhookTest and getNetworkWebhooksWebhookTest.
 *
 * A webhook test whose url is http(s)://127.0.0.1 or localhost is really delivered
 * (delivery.h) as a Meraki-format alert (alerts.h); any other url is never contacted and its
 * test ends "abandoned". The set-up lives with the state and is guarded by the state lock.
 */
#ifndef FAKEDASH_H_WEBHOOKS_H
#define FAKEDASH_H_WEBHOOKS_H

#include "api.h"

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hweb_routes[];

/* Whether network `network_id` has the HTTP server `server_id`. */
int hweb_server_exists(const char *network_id, const char *server_id);

struct state;
struct state_org;

/* Finds HTTP server `server_id` of network `network_id` (NULL: of any network of `org`) and
 * lends its url and sharedSecret. State lock held. Returns 0, or -1 when there is none. */
int hweb_server_lookup(struct state *st, const struct state_org *org, const char *network_id,
                       const char *server_id, const char **url, const char **secret);

/* The id an HTTP server with this url has: its URL-safe Base64 (malloc'd; caller frees;
 * NULL when out of memory). */
char *hweb_server_id_for(const char *url);

/* Forgets every server and test (on a scenario load). */
void hweb_reset(void);

/* The servers (secrets included), every network's alert settings and the tests, for
 * GET /_control/webhooks (new; caller puts). */
struct json_object *hweb_control_json(void);

#endif
