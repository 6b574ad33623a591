/*
 * alerts.c - the alert types the fake knows and Meraki-format alert bodies (see alerts.h).
 */
#include "alerts.h"

#include "isotime.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The alert types the fake knows, with alertData as Meraki's own examples give it. */
static const struct alerts_type alerts_types[] = {
    {"failover_event", "Uplink status changed", "warning", "MX", "{\"uplink\":\"0\"}"},
    {"vpn_connectivity_change", "VPN connectivity changed", "warning", "MX",
     "{\"vpnType\":\"site-to-site\",\"peerIdent\":\"203.0.113.10\",\"peerIp\":\"203.0.113.10\","
     "\"connectivity\":\"false\"}"},
    {"cellular_down", "Cellular went down", "warning", "MX",
     "{\"bytesIn\":\"1861\",\"bytesOut\":\"1880\",\"connectTime\":\"2\",\"provider\":"
     "\"Purview Wireless\",\"model\":\"UML290VW\",\"local\":\"192.168.1.2\",\"remote\":"
     "\"1.2.3.5\",\"connection\":\"LTE\"}"},
    {"cellular_up", "Cellular came up", "informational", "MX",
     "{\"provider\":\"Purview Wireless\",\"model\":\"UML290VW\",\"local\":\"192.168.1.2\","
     "\"remote\":\"1.2.3.5\",\"connection\":\"LTE\"}"},
    {"settings_changed", "Settings changed", "informational", "",
     "{\"name\":\"Network-wide\",\"url\":\"/manage/configure/general\",\"changes\":{},"
     "\"userId\":\"0000000000000000\"}"},
    {"power_supply_down", "Power supply went down", "critical", "MS", "{\"num\":2}"},
    {"power_supply_up", "Power supply came up", "informational", "MS", "{\"num\":2}"},
    {"stopped_reporting", "APs went down", "critical", "MR", "{}"},
    {"started_reporting", "APs came up", "informational", "MR", "{}"},
};

const struct alerts_type *alerts_type_find(const char *id)
{
    for (size_t i = 0; i < sizeof alerts_types / sizeof alerts_types[0]; i++)
        if (strcmp(alerts_types[i].id, id) == 0)
            return &alerts_types[i];
    return NULL;
}

const struct alerts_type *alerts_type_at(size_t i)
{
    return i < sizeof alerts_types / sizeof alerts_types[0] ? &alerts_types[i] : NULL;
}

char *alerts_payload(const struct state_network *n, const struct alerts_type *type,
                     const char *secret, double now)
{
    struct json_object *o = json_object_new_object(), *tags = json_object_new_array();
    struct json_object *dtags = json_object_new_array(), *data;
    char when[48], url[512], mac[32];
    char *out;

    isotime_format_us(now, when, sizeof when);
    json_object_object_add(o, "version", json_object_new_string("0.1"));
    json_object_object_add(o, "sharedSecret", json_object_new_string(secret));
    json_object_object_add(o, "sentAt", json_object_new_string(when));
    json_object_object_add(o, "organizationId", json_object_new_string(n->org->id));
    json_object_object_add(o, "organizationName", json_object_new_string(n->org->name));
    json_object_object_add(o, "organizationUrl",
                           json_object_new_string("https://dashboard.meraki.com/o/fakedash/"
                                                  "manage/organization/overview"));
    json_object_object_add(o, "networkId", json_object_new_string(n->id));
    json_object_object_add(o, "networkName", json_object_new_string(n->name));
    snprintf(url, sizeof url, "https://n1.meraki.com/fakedash/n/%s/manage/nodes/list", n->id);
    json_object_object_add(o, "networkUrl", json_object_new_string(url));
    for (size_t i = 0; i < n->ntags; i++)
        json_object_array_add(tags, json_object_new_string(n->tags[i]));
    json_object_object_add(o, "networkTags", tags);
    snprintf(mac, sizeof mac, "e0:55:3d:%02zx:%02zx:%02zx", (n->index >> 16) & 255,
             (n->index >> 8) & 255, n->index & 255);
    json_object_object_add(
        o, "deviceSerial",
        json_object_new_string(n->mx[STATE_PRIMARY].serial ? n->mx[STATE_PRIMARY].serial : ""));
    json_object_object_add(o, "deviceMac", json_object_new_string(mac));
    json_object_object_add(o, "deviceName", json_object_new_string(n->name));
    json_object_object_add(o, "deviceUrl", json_object_new_string(""));
    json_object_object_add(o, "deviceTags", dtags);
    json_object_object_add(o, "deviceModel",
                           json_object_new_string(type->model[0] && n->mx[STATE_PRIMARY].model
                                                      ? n->mx[STATE_PRIMARY].model
                                                      : ""));
    /* Test deliveries use the all-zero alertId, as Meraki's do. */
    json_object_object_add(o, "alertId", json_object_new_string("0000000000000000"));
    json_object_object_add(o, "alertType", json_object_new_string(type->name));
    json_object_object_add(o, "alertTypeId", json_object_new_string(type->id));
    json_object_object_add(o, "alertLevel", json_object_new_string(type->level));
    json_object_object_add(o, "occurredAt", json_object_new_string(when));
    data = json_tokener_parse(type->data);
    json_object_object_add(o, "alertData", data ? data : json_object_new_object());
    out = strdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return out;
}
