/*
 * alerts.h - the webhook alert types the fake can send (with alertData as Meraki's own
 * examples give it) and the Meraki-format alert body: the 22 top-level fields in Meraki's
 * order, as the default "Meraki (included)" template sends them.
 */
#ifndef FAKEDASH_ALERTS_H
#define FAKEDASH_ALERTS_H

#include <stddef.h>

struct state_network;

struct alerts_type {
    const char *id;    /* alertTypeId, e.g. "failover_event" */
    const char *name;  /* alertType, e.g. "Uplink status changed" */
    const char *level; /* alertLevel */
    const char *model; /* a device model family, or "" for organization-level alerts */
    const char *data;  /* alertData as JSON text */
};

/* The type with this alertTypeId, or NULL. */
const struct alerts_type *alerts_type_find(const char *id);

/* The i-th known type, or NULL past the end. */
const struct alerts_type *alerts_type_at(size_t i);

/* The alert body for network n (its organization, tags and appliance), with `secret` as
 * sharedSecret and `now` as sentAt/occurredAt; alertId is the all-zero id Meraki's test
 * deliveries use. Returns malloc'd JSON text (caller frees) or NULL. State lock held. */
char *alerts_payload(const struct state_network *n, const struct alerts_type *type,
                     const char *secret, double now);

#endif
