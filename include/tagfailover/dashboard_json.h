/*
 * dashboard_json.h - the Dashboard API's JSON, parsed into structs, and the bodies we send.
 *
 * Pure: no I/O, no clock, no globals, no logging. Any thread may call any function.
 *
 * The text is read by the strict JSON reader (json.h). Shapes follow
 * meraki/openapi-v1.42-subset.json. Anything unexpected (not JSON, the wrong top-level type, a
 * required field missing or of the wrong type, nesting deeper than TF_JSON_MAX_DEPTH) is an
 * error, never "empty": an empty array is the only way to say "none". Unknown fields are
 * ignored. One exception: a network whose tags are over a cap is not an error but a record
 * flagged `unreadable` (dj_network), so the rest of its listing goes on. Every `*_parse_*`
 * function zeroes its output first; on error the output is left empty (nothing to free,
 * though freeing it is harmless).
 */
#ifndef TAGFAILOVER_DASHBOARD_JSON_H
#define TAGFAILOVER_DASHBOARD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/policy.h"
#include "tagfailover/tags.h"

typedef enum {
    DJ_OK = 0,
    DJ_ERR_NOT_JSON,  /* does not parse, not UTF-8, or too deep */
    DJ_ERR_SHAPE,     /* parses, but is not the documented shape */
    DJ_ERR_TOO_LARGE, /* a string or list over a cap in caps.h */
    DJ_ERR_NOMEM,
} dj_err;

/* GET /organizations item. */
typedef struct {
    char *id;   /* required */
    char *name; /* NULL when absent */
} dj_org;

/* GET /organizations/{id}/networks item, GET /networks/{id}, PUT /networks/{id} answer. */
typedef struct {
    char *id;              /* required */
    char *organization_id; /* NULL when absent */
    char *name;            /* NULL when absent */
    tags_list tags;        /* `tags`; absent or null is the empty list */
    bool unreadable;       /* `tags` is over a cap (more than TF_TAGS_MAX_COUNT, or one longer
                              than TF_TAG_MAX_LEN): the record is kept with its id and name and
                              no tags, so one such network does not fail its whole listing, and
                              it is never acted on */
} dj_network;

/* One item of GET /organizations/{id}/devices/uplinksLossAndLatency. */
typedef struct {
    char *network_id;       /* required */
    char *serial;           /* NULL when absent */
    char *uplink;           /* required: wan1|wan2|wan3|cellular */
    char *ip;               /* required: the destination IP */
    policy_sample *samples; /* timeSeries, sorted by ts ascending; n may be 0 */
    size_t n;
} dj_loss_item;

/* One peer of GET /organizations/{id}/appliance/vpn/thirdPartyVPNPeers. */
typedef struct {
    char *name;             /* NULL when absent */
    char *public_ip;        /* NULL when absent */
    tags_list network_tags; /* absent is the empty list */
} dj_peer;

/* One uplink of an appliance in GET /organizations/{id}/appliance/uplink/statuses. */
typedef struct {
    char *interface; /* wan1, wan2, wan3, cellular */
    char *status;    /* active, ready, failed, not connected, ... */
} dj_uplink;

/* One appliance of GET /organizations/{id}/appliance/uplink/statuses. */
typedef struct {
    char *network_id; /* required */
    char *serial;     /* NULL when absent */
    bool ha_spare;    /* highAvailability.role is "spare" (the warm spare of an HA pair) */
    dj_uplink *uplinks;
    size_t n_uplinks;
} dj_appliance;

/* One third-party peer's reachability in GET /organizations/{id}/appliance/vpn/statuses. */
typedef struct {
    char *network_id;         /* required */
    char **peer_names;        /* thirdPartyVpnPeers[].name */
    char **peer_reachability; /* thirdPartyVpnPeers[].reachability ("reachable", ...) */
    char **peer_public_ips;   /* thirdPartyVpnPeers[].publicIp; an element is NULL when absent */
    size_t n_peers;
} dj_vpn_status;

/* One destination of GET /networks/{id}/appliance/connectivityMonitoringDestinations. */
typedef struct {
    char *ip;          /* required */
    char *description; /* NULL when absent */
    bool is_default;   /* `default` */
} dj_destination;

/* Parsers. Each takes `len` bytes of `json`. Arrays are heap arrays owned by the caller, freed
 * with the matching *_free function (which also frees the elements). */
dj_err dj_parse_organizations(const char *json, size_t len, dj_org **out, size_t *n)
    __attribute__((warn_unused_result));
dj_err dj_parse_networks(const char *json, size_t len, dj_network **out, size_t *n)
    __attribute__((warn_unused_result));
dj_err dj_parse_network(const char *json, size_t len, dj_network *out)
    __attribute__((warn_unused_result));
dj_err dj_parse_loss(const char *json, size_t len, dj_loss_item **out, size_t *n)
    __attribute__((warn_unused_result));
dj_err dj_parse_peers(const char *json, size_t len, dj_peer **out, size_t *n)
    __attribute__((warn_unused_result));
dj_err dj_parse_uplink_statuses(const char *json, size_t len, dj_appliance **out, size_t *n)
    __attribute__((warn_unused_result));
dj_err dj_parse_vpn_statuses(const char *json, size_t len, dj_vpn_status **out, size_t *n)
    __attribute__((warn_unused_result));
dj_err dj_parse_destinations(const char *json, size_t len, dj_destination **out, size_t *n)
    __attribute__((warn_unused_result));

/* Parses an error body `{"errors": ["a", "b"]}` into one heap string "a; b" (caller frees).
 * DJ_ERR_SHAPE when the body is not that shape. */
dj_err dj_parse_errors(const char *json, size_t len, char **message)
    __attribute__((warn_unused_result));

/* Builds the PUT /networks/{id} body `{"tags": [...]}` as a heap string (caller frees);
 * NULL when out of memory. */
char *dj_build_tags_body(const tags_list *tags);

/* Parses an ISO 8601 UTC timestamp ("2019-01-31T18:46:13Z", fractional seconds and a "+00:00"
 * offset allowed; other offsets are applied) into Unix seconds (fraction truncated). */
bool dj_parse_time(const char *s, int64_t *out);

/* Formats Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void dj_format_time(int64_t t, char *buf, size_t size);

void dj_orgs_free(dj_org *v, size_t n);
void dj_networks_free(dj_network *v, size_t n);
void dj_network_clear(dj_network *net); /* frees the members of one network, zeroes it */
void dj_loss_free(dj_loss_item *v, size_t n);
void dj_peers_free(dj_peer *v, size_t n);
void dj_appliances_free(dj_appliance *v, size_t n);
void dj_vpn_statuses_free(dj_vpn_status *v, size_t n);
void dj_destinations_free(dj_destination *v, size_t n);

/* A message for an error code; never NULL. */
const char *dj_strerror(dj_err e);

#endif
