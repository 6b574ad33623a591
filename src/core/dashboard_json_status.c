/*
 * dashboard_json_status.c - the Dashboard's status answers parsed into structs: appliance
 * uplink statuses, VPN statuses, and alert-settings destinations (the helpers are
 * dashboard_json.c's, see dashboard_json_int.h).
 */
#include "tagfailover/dashboard_json.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/caps.h"
#include "tagfailover/id.h"
#include "tagfailover/json.h"

#include "dashboard_json_int.h"

/* Appliance uplink statuses. */

static void dj_uplink_clear(void *p)
{
    dj_uplink *u = p;

    free(u->interface);
    free(u->status);
    memset(u, 0, sizeof(*u));
}

static dj_err dj_uplink_one(json_object *v, void *p)
{
    dj_uplink *u = p;
    dj_err err = dj_req_string(v, "interface", TF_API_FIELD_MAX_LEN, &u->interface);

    if (err == DJ_OK)
        err = dj_req_string(v, "status", TF_API_FIELD_MAX_LEN, &u->status);
    return err;
}

static void dj_appliance_clear(void *p)
{
    dj_appliance *a = p;

    free(a->network_id);
    free(a->serial);
    for (size_t i = 0; a->uplinks != NULL && i < a->n_uplinks; i++)
        dj_uplink_clear(&a->uplinks[i]);
    free(a->uplinks);
    memset(a, 0, sizeof(*a));
}

static dj_err dj_appliance_one(json_object *v, void *p)
{
    dj_appliance *a = p;
    json_object *uplinks; /* borrowed */
    void *arr = NULL;
    dj_err err = dj_req_id(v, "networkId", &a->network_id);

    if (err == DJ_OK)
        err = dj_opt_serial(v, "serial", &a->serial);
    /* highAvailability.role: in an HA pair only the primary carries the traffic (and pings). */
    json_object *ha, *role;
    a->ha_spare = json_object_object_get_ex(v, "highAvailability", &ha) &&
                  json_object_is_type(ha, json_type_object) &&
                  json_object_object_get_ex(ha, "role", &role) &&
                  json_object_is_type(role, json_type_string) &&
                  strcmp(json_object_get_string(role), "spare") == 0;
    if (err == DJ_OK)
        err = dj_req_array(v, "uplinks", &uplinks);
    if (err == DJ_OK)
        err = dj_array(uplinks, sizeof(dj_uplink), dj_uplink_one, dj_uplink_clear, &arr,
                       &a->n_uplinks);
    a->uplinks = arr;
    return err;
}

dj_err dj_parse_uplink_statuses(const char *json, size_t len, dj_appliance **out, size_t *n)
{
    void *arr; /* dj_parse_list hands back an untyped array */
    dj_err err = dj_parse_list(json, len, NULL, sizeof(dj_appliance), dj_appliance_one,
                               dj_appliance_clear, &arr, n);

    *out = arr;
    return err;
}

void dj_appliances_free(dj_appliance *v, size_t n)
{
    dj_free_list(v, n, sizeof(*v), dj_appliance_clear);
}

/* VPN statuses. */

static void dj_vpn_status_clear(void *p)
{
    dj_vpn_status *s = p;

    for (size_t i = 0; i < s->n_peers; i++) {
        free(s->peer_names[i]);
        free(s->peer_reachability[i]);
        free(s->peer_public_ips[i]);
    }
    free(s->network_id);
    free(s->peer_names);
    free(s->peer_reachability);
    free(s->peer_public_ips);
    memset(s, 0, sizeof(*s));
}

static dj_err dj_vpn_status_one(json_object *v, void *p)
{
    dj_vpn_status *s = p;
    json_object *peers; /* borrowed */
    size_t n;
    dj_err err = dj_req_id(v, "networkId", &s->network_id);

    if (err != DJ_OK)
        return err;
    /* The schema leaves every member optional: a network without third-party peers may omit
     * the list, which then means none. */
    if (!json_object_object_get_ex(v, "thirdPartyVpnPeers", &peers) || peers == NULL)
        return DJ_OK;
    if (!json_object_is_type(peers, json_type_array))
        return DJ_ERR_SHAPE;
    n = json_object_array_length(peers);
    if (n == 0)
        return DJ_OK;
    s->peer_names = calloc(n, sizeof(char *));
    s->peer_reachability = calloc(n, sizeof(char *));
    s->peer_public_ips = calloc(n, sizeof(char *));
    if (s->peer_names == NULL || s->peer_reachability == NULL || s->peer_public_ips == NULL)
        return DJ_ERR_NOMEM;
    /* n_peers counts the slots, all NULL so far, so the clear frees whatever gets filled. */
    s->n_peers = n;
    for (size_t i = 0; i < n; i++) {
        json_object *peer = json_object_array_get_idx(peers, i); /* borrowed */

        if (!json_object_is_type(peer, json_type_object))
            return DJ_ERR_SHAPE;
        err = dj_req_string(peer, "name", SIZE_MAX, &s->peer_names[i]);
        if (err == DJ_OK)
            err = dj_req_string(peer, "reachability", SIZE_MAX, &s->peer_reachability[i]);
        if (err == DJ_OK)
            err = dj_opt_string(peer, "publicIp", SIZE_MAX, &s->peer_public_ips[i]);
        if (err != DJ_OK)
            return err;
    }
    return DJ_OK;
}

dj_err dj_parse_vpn_statuses(const char *json, size_t len, dj_vpn_status **out, size_t *n)
{
    void *arr; /* dj_parse_list hands back an untyped array */
    dj_err err = dj_parse_list(json, len, NULL, sizeof(dj_vpn_status), dj_vpn_status_one,
                               dj_vpn_status_clear, &arr, n);

    *out = arr;
    return err;
}

void dj_vpn_statuses_free(dj_vpn_status *v, size_t n)
{
    dj_free_list(v, n, sizeof(*v), dj_vpn_status_clear);
}

/* Connectivity monitoring destinations. */

static void dj_destination_clear(void *p)
{
    dj_destination *d = p;

    free(d->ip);
    free(d->description);
    memset(d, 0, sizeof(*d));
}

static dj_err dj_destination_one(json_object *v, void *p)
{
    dj_destination *d = p;
    json_object *def; /* borrowed */
    dj_err err = dj_req_string(v, "ip", TF_API_FIELD_MAX_LEN, &d->ip);

    if (err == DJ_OK)
        err = dj_opt_string(v, "description", SIZE_MAX, &d->description);
    if (err != DJ_OK)
        return err;
    if (!json_object_object_get_ex(v, "default", &def) || def == NULL)
        return DJ_OK;
    if (!json_object_is_type(def, json_type_boolean))
        return DJ_ERR_SHAPE;
    d->is_default = json_object_get_boolean(def);
    return DJ_OK;
}

dj_err dj_parse_destinations(const char *json, size_t len, dj_destination **out, size_t *n)
{
    void *arr; /* dj_parse_list hands back an untyped array */
    dj_err err = dj_parse_list(json, len, "destinations", sizeof(dj_destination),
                               dj_destination_one, dj_destination_clear, &arr, n);

    *out = arr;
    return err;
}

void dj_destinations_free(dj_destination *v, size_t n)
{
    dj_free_list(v, n, sizeof(*v), dj_destination_clear);
}
