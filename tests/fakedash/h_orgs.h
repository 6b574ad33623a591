/*
 * h_orgs.h - organizations and networks: getOrganizations, createOrganization,
 * getOrganizationNetworks, createOrganizationNetwork, getNetwork, updateNetwork,
 * deleteNetwork.
 */
#ifndef FAKEDASH_H_ORGS_H
#define FAKEDASH_H_ORGS_H

#include "api.h"

/* The routes of this module (ends with a NULL method). */
extern const struct api_route horg_routes[];

#endif
