/*
 * h_orgs.h - organizations and networks: getOrganizations, createOrganization,
 * getOrganizationNetworks, createOrganizationNetwork, getNetwork, updateNetwork,
 * deleteNetwork.
 */
#ifndef FAKEDASH_H_ORGS_H
#define FAKEDASH_H_ORGS_H

#include "api.h"

#include <stddef.h>

struct json_object;
struct state_network;

/* The routes of this module (ends with a NULL method). */
extern const struct api_route horg_routes[];

/* Checks the body of an update of a network (PUT /networks/{id}, or an action batch's
 * update): name, timeZone, notes and enrollmentString strings, tags an array of strings.
 * Returns 0, or -1 with err. */
int horg_update_check(struct json_object *body, char *err, size_t errlen);

/* Applies a checked update body to n (tags are replaced as a whole) and records the change
 * by the API's admin under `label` at `now`. State lock held. Returns 0, or -1 when out of
 * memory. */
int horg_update_apply(struct state_network *n, struct json_object *body, double now,
                      const char *label);

#endif
