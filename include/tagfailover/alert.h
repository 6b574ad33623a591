/*
 * alert.h - a Meraki alert webhook body, parsed (the README's "HTTP endpoints").
 *
 * Pure: no I/O, no clock, no globals, no logging. Any thread may call any function.
 *
 * The parser takes bytes and a length (not a C string), refuses bodies over a cap, non-UTF-8
 * text, JSON nested deeper than TF_JSON_MAX_DEPTH, anything that is not a JSON object, and
 * objects without `alertTypeId`, `networkId` and `organizationId` as non-empty strings. IDs
 * are kept as strings (they may exceed 2^53). `version` may be a string or a number. Unknown
 * fields are ignored.
 */
#ifndef TAGFAILOVER_ALERT_H
#define TAGFAILOVER_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tagfailover/caps.h"

typedef enum {
    ALERT_OK = 0,
    ALERT_ERR_TOO_LARGE,     /* len > max_len */
    ALERT_ERR_NOT_JSON,      /* does not parse (including truncated and trailing garbage) */
    ALERT_ERR_BAD_UTF8,      /* not valid UTF-8 */
    ALERT_ERR_TOO_DEEP,      /* nested deeper than TF_JSON_MAX_DEPTH */
    ALERT_ERR_NOT_OBJECT,    /* valid JSON, but not an object */
    ALERT_ERR_MISSING_FIELD, /* alertTypeId, networkId or organizationId absent or not a
                                non-empty string (the secret is still filled in) */
    ALERT_ERR_BAD_FIELD,     /* a field has a type we cannot use, is longer than TF_ID_MAX_LEN,
                                or is an ID (organizationId, networkId, alertId) that is not one
                                by id.h's rule */
    ALERT_ERR_NOMEM,
} alert_err;

/* Tri-state for alertData.connectivity. */
typedef enum { ALERT_CONN_ABSENT = 0, ALERT_CONN_TRUE, ALERT_CONN_FALSE } alert_connectivity;

/* A parsed alert. Every string is heap-owned by the struct and NULL when absent. */
typedef struct {
    char *version;         /* "0.1" (a number is rendered as text) */
    char *shared_secret;   /* body's sharedSecret; NULL when absent or not a string */
    char *organization_id; /* required */
    char *organization_name;
    char *network_id; /* required */
    char *network_name;
    char *device_serial;
    char *alert_id;                  /* "0000000000000000" in examples and test deliveries */
    char *alert_type;                /* human text; never switch on it */
    char *alert_type_id;             /* required; what triggers are matched on */
    char *occurred_at;               /* as sent (ISO 8601) */
    alert_connectivity connectivity; /* alertData.connectivity "true"/"false" */
    char *uplink;                    /* alertData.uplink, string or number rendered as text */
} alert;

/* Parses `len` bytes of `body` into `out` (which the function first zeroes). On ALERT_OK every
 * required field is set. On ALERT_ERR_MISSING_FIELD and ALERT_ERR_BAD_FIELD the body was a JSON
 * object and `out->shared_secret` is set when the body had one, so the caller can authenticate
 * before it reports the shape error. After any return the caller calls alert_clear(out). */
alert_err alert_parse(const char *body, size_t len, size_t max_len, alert *out)
    __attribute__((warn_unused_result));

struct json_tokener;

/* alert_parse with a tokener the caller keeps between bodies (from tfjson_tokener_new; see
 * tfjson_parse_with), so a listener does not allocate one per request. The caller owns the
 * tokener and uses it from one thread at a time; NULL behaves as alert_parse. */
alert_err alert_parse_with(struct json_tokener *tok, const char *body, size_t len, size_t max_len,
                           alert *out) __attribute__((warn_unused_result));

/* Frees every string of the alert and zeroes it. NULL is a no-op. */
void alert_clear(alert *a);

/* True when the alert's alertTypeId is one of `types` (the type alone decides). */
bool alert_is_trigger(const alert *a, const char *const *types, size_t n_types);

/* A message for an error code; never NULL. */
const char *alert_strerror(alert_err e);

/* Longest appliance serial kept (Meraki's are 14 characters, Q2XX-XXXX-XXXX). */
#define ALERT_SERIAL_MAX_LEN 32

/* What the listener hands over: an alert, or the result of a live ping (a Meraki callback). */
typedef enum {
    ALERT_EVENT_ALERT = 0,   /* a trigger alert: start (or join) a confirmation */
    ALERT_EVENT_PING_RESULT, /* a callback with a finished live ping */
} alert_event_kind;

/* One event as the listener hands it over: fixed-size copies, so a queue needs no allocation
 * per event. Strings are NUL-terminated; the parsers refuse longer IDs. */
typedef struct {
    alert_event_kind kind;
    char organization_id[TF_ID_MAX_LEN + 1];
    char network_id[TF_ID_MAX_LEN + 1];
    char alert_id[TF_ID_MAX_LEN + 1];             /* "" when the body had none; the callbackId */
    char alert_type_id[TF_ID_MAX_LEN + 1];        /* e.g. failover_event */
    char device_serial[ALERT_SERIAL_MAX_LEN + 1]; /* the alert's deviceSerial; "" when none */
    uint64_t received_ms; /* monotonic clock (CLOCK_MONOTONIC) when received */
    /* ALERT_EVENT_PING_RESULT: the finished ping. */
    char ping_id[TF_ID_MAX_LEN + 1];
    bool ping_finished;    /* status "complete" */
    bool ping_has_results; /* results.loss.percentage was there */
    int ping_sent;
    double ping_loss_pct;
} alert_event;

/* What the engine knows about an alert's target, for the listener's `ignored` answer. */
typedef enum {
    ALERT_RELEVANT = 0,       /* act on it (or find out) */
    ALERT_ORG_NOT_CONFIGURED, /* the organization is not one the daemon manages */
    ALERT_NETWORK_UNMANAGED,  /* the last reconcile found the network without pair tags */
} alert_relevance;

/* How handing an event over went. */
typedef enum {
    ALERT_QUEUED = 0, /* queued: 202 */
    ALERT_FULL,       /* the queue is full (or the engine stopping): 503 with Retry-After */
    ALERT_UNMATCHED,  /* a ping result for no ping in flight: 200 ignored */
} alert_submit;

#endif
