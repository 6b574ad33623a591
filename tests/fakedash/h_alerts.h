/*
 * h_alerts.h - alert settings and alert types: get/updateNetworkAlertsSettings and
 * getOrganizationWebhooksAlertTypes.
 *
 * A network's settings start with every appliance alert off and are created on first use.
 * An HTTP server id may only be named when the network has that server (h_webhooks.h).
 * Guarded by the state lock.
 */
#ifndef FAKEDASH_H_ALERTS_H
#define FAKEDASH_H_ALERTS_H

#include "api.h"

/* The routes of this module (ends with a NULL method). */
extern const struct api_route halert_routes[];

/* Removes a deleted HTTP server from every destination list of its network. */
void halert_forget_server(const char *network_id, const char *server_id);

/* Forgets every network's settings (on a scenario load). */
void halert_reset(void);

/* Every network's settings, {networkId: settings} (new reference; caller puts). */
struct json_object *halert_all_json(void);

#endif
