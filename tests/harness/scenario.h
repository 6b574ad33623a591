/*
 * scenario.h - the worlds tests load into the fake Dashboard: the standard organization with
 * its London and Paris peers and branch networks (the engine tests), the world of the
 * listener tests, and the sample world of the fake's own tests.
 *
 * The standard organization is 1001 "Acme" with 1-s samples and no data lag (time is
 * compressed, as config.h's defaults are). Its networks are JSON objects built from the
 * macros below and joined with commas; harness_scenario wraps them.
 */
#ifndef TF_HARNESS_SCENARIO_H
#define TF_HARNESS_SCENARIO_H

#define HARNESS_ORG       "1001"
#define HARNESS_LONDON_IP "203.0.113.10"  /* the London peer: primary site's tracked IP */
#define HARNESS_PARIS_IP  "198.51.100.20" /* the Paris peer: backup site's tracked IP */

/* The tags of the standard networks, as the fake's /_control/networks prints them. */
#define HARNESS_L100_NORMAL "[\"retail\",\"london_primary_up\",\"paris_backup_down\",\"north\"]"
#define HARNESS_L100_FAILED "[\"retail\",\"london_primary_down\",\"paris_backup_up\",\"north\"]"
#define HARNESS_L200_NORMAL "[\"paris_backup_down\",\"warehouse\",\"london_primary_up\"]"
#define HARNESS_L200_FAILED "[\"paris_backup_up\",\"warehouse\",\"london_primary_down\"]"

/* A scenario network: id, name, tags (a JSON array), uplinks (a JSON object). */
#define HARNESS_NET(id, name, tags, uplinks)                                                       \
    "{\"id\":\"" id "\",\"name\":\"" name "\",\"tags\":" tags ",\"serial\":\"Q2XX-" id             \
    "\",\"uplinks\":" uplinks "}"
#define HARNESS_NET_L100                                                                           \
    HARNESS_NET("L_100", "Branch 1 Leeds", HARNESS_L100_NORMAL,                                    \
                "{\"wan1\":\"active\",\"wan2\":\"ready\"}")
#define HARNESS_NET_L100_FAILED                                                                    \
    HARNESS_NET("L_100", "Branch 1 Leeds", HARNESS_L100_FAILED,                                    \
                "{\"wan1\":\"active\",\"wan2\":\"ready\"}")
#define HARNESS_NET_L200                                                                           \
    HARNESS_NET("L_200", "Branch 2 York", HARNESS_L200_NORMAL, "{\"wan1\":\"active\"}")
#define HARNESS_NET_L200_FAILED                                                                    \
    HARNESS_NET("L_200", "Branch 2 York", HARNESS_L200_FAILED, "{\"wan1\":\"active\"}")
#define HARNESS_NET_L300                                                                           \
    HARNESS_NET("L_300", "Branch 3 Hull",                                                          \
                "[\"london_primary_up\",\"paris_backup_down\",\"tagfailover_hold\"]",              \
                "{\"wan1\":\"active\",\"cellular\":\"ready\"}")

/* The London and Paris peers of an organization (a JSON array). */
#define HARNESS_PEERS                                                                              \
    "[{\"name\":\"London DC\",\"publicIp\":\"" HARNESS_LONDON_IP "\",\"privateSubnets\":"          \
    "[\"10.10.0.0/16\"],\"networkTags\":[\"london_primary_up\"]},"                                 \
    "{\"name\":\"Paris DC\",\"publicIp\":\"" HARNESS_PARIS_IP "\",\"privateSubnets\":"             \
    "[\"10.20.0.0/16\"],\"networkTags\":[\"paris_backup_up\"]}]"

/* A single-organization scenario (HARNESS_ORG "Acme", London and Paris peers) with the given
 * networks (a JSON array's inside) and loss entries (another). Caller frees; NULL when out of
 * memory. */
char *harness_scenario(const char *networks, const char *loss);

/* The listener tests' world: the organizations and networks their alerts name (Meraki's
 * examples use org 2930418 / network N_24329156; harness_webhook_delivery the recorded 2026
 * delivery's IDs), both networks managed, so the engine counts their alerts as relevant. */
extern const char harness_scenario_listener[];

/* The fake's own tests' world. Org 1001 "Acme": London and Paris peers and three sample
 * branches, L_100 (wan1 active, wan2 ready, wan3 not connected; serial Q2XX-AAAA-0001),
 * L_200 (its own destination list: London only) and L_300 (held); 1-s samples, no lag.
 * Org 1002 "Other": one network without an appliance, N_1. */
extern const char harness_scenario_sample[];

#endif
