/*
 * id.h - the rule every Dashboard ID (organization, network, alert) must pass: 1 to
 * TF_ID_MAX_LEN characters of [A-Za-z0-9_-].
 *
 * Pure. IDs go into API paths (`/networks/{id}`), so one that is not of this form could name
 * another resource: a webhook's networkId of ".." made `GET /networks/..`, which is
 * `GET /api/v1/`. Meraki's own IDs ("L_646829496481105433", "N_24329156", "549236") all pass.
 * Every ID from outside is checked where it enters: the webhook body (alert.c), the command
 * line, the configuration (organization_ids) and the API's own answers (dashboard_json.c,
 * changes.c, the action batch's answer): a record of an answer that names an ID breaking the
 * rule is left out (or its ID dropped), never put in a path. The client checks again before it
 * builds a path.
 */
#ifndef TAGFAILOVER_ID_H
#define TAGFAILOVER_ID_H

#include <stdbool.h>

/* True when `s` is an ID: 1 to TF_ID_MAX_LEN characters, each a letter, a digit, '_' or '-'.
 * NULL is not one. */
bool id_valid(const char *s);

/* The longest appliance serial ("Q2XX-XXXX-XXXX" is 14). */
#define ID_SERIAL_MAX_LEN 32

/* True when `s` is an appliance serial as it goes into a live ping's path
 * (`/devices/{serial}/liveTools/ping`): 1 to ID_SERIAL_MAX_LEN characters, each a letter, a
 * digit or '-'. NULL is not one. */
bool id_serial_valid(const char *s);

#endif
