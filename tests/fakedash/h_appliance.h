/*
 * h_appliance.h - the appliance (MX) data: getOrganizationDevicesUplinksLossAndLatency,
 * getOrganizationApplianceUplinkStatuses, get/updateNetworkApplianceConnectivityMonitoring-
 * Destinations.
 *
 * A network with a spare (an HA pair) lists both appliances, each with its own serial,
 * uplinks and loss series; highAvailability.role tells them apart.
 */
#ifndef FAKEDASH_H_APPLIANCE_H
#define FAKEDASH_H_APPLIANCE_H

#include "api.h"

#include <stddef.h>

struct state_network;

/* The routes of this module (ends with a NULL method). */
extern const struct api_route happ_routes[];

/* Writes the public IP of uplink `up` of n's appliance in `role` into buf (stable per
 * network, role and uplink). */
void happ_public_ip(const struct state_network *n, int role, int up, char *buf, size_t size);

#endif
