/*
 * h_vpn.h - the organization's third-party VPN peers and the tunnels' own view:
 * get/updateOrganizationApplianceVpnThirdPartyVPNPeers, getOrganizationApplianceVpnStatuses,
 * and POST /_control/vpn.
 *
 * A network lists the peers whose networkTags hold `all` or one of its tags. A peer is
 * `reachable` while some connected uplink of the network's primary appliance has loss under
 * 100 % to its publicIp now (no data lag: the tunnel's view is seconds old), unless the
 * control API set the peer's reachability for that network. State lock held, except the
 * control entry point, which takes it.
 */
#ifndef FAKEDASH_H_VPN_H
#define FAKEDASH_H_VPN_H

#include "api.h"

struct json_object;

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hvpn_routes[];

/* POST /_control/vpn {"networkId", "publicIp", "reachability": "reachable" | "unreachable" |
 * null}: sets (or with null, drops) the peer's reachability for the network. */
void hvpn_control(struct json_object *body, struct http_reply *reply);

#endif
