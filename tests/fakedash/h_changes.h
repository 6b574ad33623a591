/*
 * h_changes.h - the Dashboard's change log: getOrganizationConfigurationChanges, the entries
 * that writes leave in it, and POST /_control/change.
 *
 * Every write that changes a network (PUT /networks/{id}, an action batch's update, a
 * person's edit through POST /_control/tags) records one entry, by the admin who made it,
 * with the network before and after as its oldValue and newValue. The log lives with the
 * state (state lock held, except the control entry point, which takes it).
 */
#ifndef FAKEDASH_H_CHANGES_H
#define FAKEDASH_H_CHANGES_H

#include "api.h"

struct json_object;
struct state_network;

/* Who made a change, as the log names them. */
struct hchg_admin {
    char name[128];
    char id[32];
    char email[192];
};

/* The admin who owns the API key: every change through the API is theirs. */
extern const struct hchg_admin hchg_api_admin;

/* The page and label of a person's edit in the Dashboard (the API's page is "via API"). */
#define HCHG_PERSON_PAGE  "Network-wide > General"
#define HCHG_PERSON_LABEL "Network tags"

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hchg_routes[];

/* The value an entry shows for network n: the network as GET /networks/{id} answers it,
 * compact JSON text. Returns a malloc'd string (caller frees) or NULL when out of memory. */
char *hchg_value(const struct state_network *n);

/* Records that `who` changed n at `ts` from `old_value` (taken over; from hchg_value before
 * the write) to what it is now, on `page` with `label`; nothing when the two are the same. */
void hchg_record(const struct state_network *n, char *old_value, double ts,
                 const struct hchg_admin *who, const char *page, const char *label);

/* Reads a person from a control body: adminName (default "Jane Operator"), adminId and
 * adminEmail (default: made from the name). Returns 0, or -1 with err. */
int hchg_person(struct json_object *body, struct hchg_admin *out, char *err, size_t errlen);

/* POST /_control/change: records a person's change without changing the network. */
void hchg_control(struct json_object *body, struct http_reply *reply);

/* Forgets every entry (on a scenario load). State lock held. */
void hchg_reset(void);

#endif
