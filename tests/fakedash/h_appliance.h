/*
 * h_appliance.h - the appliance (MX) data: getOrganizationDevicesUplinksLossAndLatency,
 * getOrganizationApplianceUplinkStatuses, get/updateOrganizationApplianceVpnThirdPartyVPNPeers,
 * getOrganizationApplianceVpnStatuses, get/updateNetworkApplianceConnectivityMonitoring-
 * Destinations.
 */
#ifndef FAKEDASH_H_APPLIANCE_H
#define FAKEDASH_H_APPLIANCE_H

#include "api.h"

struct state_network;

/* The routes of this module (ends with a NULL method). */
extern const struct api_route happ_routes[];

/* Whether `network`'s appliance reaches `ip` now: some connected uplink has a sample with
 * loss under 100 % at `ts`. State lock held. */
int happ_reachable(struct state *st, const struct state_network *n, const char *ip, double ts);

#endif
