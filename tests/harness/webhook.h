/*
 * webhook.h - Meraki webhook deliveries for the daemon's listener: the one body builder and
 * the sender (TLS verified with the world's CA, or plain HTTP).
 *
 * Every body is a real payload with some fields replaced: either Meraki's own example of the
 * alert type (tests/fixtures/alertTypes.json, what the engine tests send) or the delivery
 * recorded from a real organization in 2026 (the alert fuzzer's seed
 * tests/fuzz/corpus/alert/real_2026_failover_event.json, what the listener tests send).
 */
#ifndef TF_HARNESS_WEBHOOK_H
#define TF_HARNESS_WEBHOOK_H

#include "harness/http.h"
#include "harness/world.h"

/* What a body says; NULL fields keep the template's value. */
struct harness_alert {
    const char *type;     /* alertTypeId (required) */
    const char *org;      /* organizationId */
    const char *network;  /* networkId */
    const char *alert_id; /* alertId */
    const char *secret;   /* sharedSecret; NULL: the body carries none */
    int recorded;         /* 0: Meraki's example of `type`; 1: the recorded 2026 delivery (a
                             failover_event of org 658651445502938393, network
                             L_658651445502952912) with `type` as its alertTypeId */
};

/* Builds the body `a` describes as compact JSON. Returns it (caller frees) or NULL with a
 * message (no such example, a template that cannot be read). */
char *harness_webhook_body(const struct harness_alert *a);

/* The recorded delivery with alertTypeId `type`, alertId `alert_id` and sharedSecret
 * `secret` (NULL: none): the listener tests' alert (harness_scenario_listener holds its
 * network). Caller frees; NULL on failure. */
char *harness_webhook_delivery(const char *type, const char *alert_id, const char *secret);

/* HTTP options for the listener: verify it with the world's CA when it speaks TLS, 10-s
 * timeout. */
struct harness_http_opts harness_webhook_opts(const harness_world *w);

/* POSTs `body` to the world's webhook URL with `headers` (NULL: just Content-Type:
 * application/json). Returns the status (0: no answer); `out` (when not NULL) receives the
 * answer (caller frees). */
long harness_webhook_post(const harness_world *w, const char *body, const char *const headers[],
                          struct harness_response *out);

/* Sends Meraki's vpn_connectivity_change example for organization `org`, network `network`
 * and alertId `alert_id`, with the configured secret: the engine tests' trigger. Returns the
 * HTTP status, printing the answer when it is not 202; `at` (when not NULL) receives the
 * wall-clock time the answer arrived. */
long harness_webhook_alert(const harness_world *w, const char *org, const char *network,
                           const char *alert_id, double *at);

/* The same alert, quietly: returns the HTTP status (0: none came) and fills `out` with the
 * answer (caller frees), whatever it is. */
long harness_webhook_alert_answer(const harness_world *w, const char *org, const char *network,
                                  const char *alert_id, struct harness_response *out);

#endif
