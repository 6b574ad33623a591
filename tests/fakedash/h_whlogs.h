/*
 * h_whlogs.h - the log of the fake's own webhook POSTs (webhook tests and API callbacks):
 * getOrganizationWebhooksLogs.
 *
 * One entry per attempt: when it was sent, when its answer came (or it failed), the answer's
 * status and how long it took. A URL the fake never contacts (not 127.0.0.1 or localhost)
 * leaves no entry, since nothing was sent. State lock held.
 */
#ifndef FAKEDASH_H_WHLOGS_H
#define FAKEDASH_H_WHLOGS_H

#include "api.h"

struct delivery_report;

/* The routes of this module (ends with a NULL method). */
extern const struct api_route hwlog_routes[];

/* Records the attempt that `r` reports (r->attempt_done) of a delivery to `url` for
 * organization `org_id` and network `network_id` (may be NULL), of type `alert_type`. */
void hwlog_add(const char *org_id, const char *network_id, const char *alert_type, const char *url,
               const struct delivery_report *r);

/* Forgets every entry (on a scenario load). */
void hwlog_reset(void);

#endif
