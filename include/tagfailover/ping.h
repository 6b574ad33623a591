/*
 * ping.h - the appliance's live ping as evidence: the Dashboard's answers about a ping (the
 * POST's, the GET's, and the callback Meraki posts when it is done), what a finished ping
 * proves, and the failover decision it can make.
 *
 * A live ping (POST /devices/{serial}/liveTools/ping) asks the branch's own appliance to ping
 * the tracked IP now: its answer is seconds old, where the loss series is about two minutes
 * old. Meraki documents little of it: `status` is a free string (the spec's examples say
 * "complete"; anything else is taken as not finished), there is no field to choose the uplink
 * the appliance pings from, and how long a ping takes is not said. So a ping only ever adds
 * evidence for a failover: a ping that fails, is refused, times out or sent nothing proves
 * nothing, and the series path goes on as if it had not been sent. Failback never uses one.
 *
 * Pure: no I/O, no clock, no globals, no logging.
 */
#ifndef TAGFAILOVER_PING_H
#define TAGFAILOVER_PING_H

#include <stdbool.h>
#include <stddef.h>

#include "tagfailover/caps.h"
#include "tagfailover/look.h"
#include "tagfailover/policy.h"

typedef enum {
    PING_OK = 0,
    PING_ERR_NOT_JSON, /* not strict JSON, or not an object */
    PING_ERR_SHAPE,    /* a required field is absent, of the wrong type, or over its cap */
    PING_ERR_NOMEM,
} ping_err;

/* A ping's result, from the GET or a callback. */
typedef struct {
    char ping_id[TF_ID_MAX_LEN + 1];
    bool finished;    /* status is "complete" */
    bool has_results; /* the answer had results with a loss percentage */
    int sent;         /* results.sent; 0 when absent */
    int received;     /* results.received; 0 when absent */
    double loss_pct;  /* results.loss.percentage, 0..100 */
} ping_result;

/* What a result proves, for the metrics (tagfailover_live_pings_total{result}). */
typedef enum {
    PING_VERDICT_LOSS = 0, /* finished, sent > 0, loss at or over the threshold */
    PING_VERDICT_CLEAN,    /* finished, sent > 0, loss under the threshold */
    PING_VERDICT_FAILED,   /* finished without results, or sent nothing: no evidence */
    PING_VERDICT_TIMEOUT,  /* not finished within live_ping_timeout_s: no evidence */
    PING_VERDICT_REFUSED,  /* the POST was refused (4xx, 429): no evidence */
    PING_VERDICT_COUNT
} ping_verdict;

/* A Meraki callback: the finished ping it carries and where it comes from. */
typedef struct {
    char callback_id[TF_ID_MAX_LEN + 1];
    char organization_id[TF_ID_MAX_LEN + 1]; /* "" when absent */
    char network_id[TF_ID_MAX_LEN + 1];      /* "" when absent */
    ping_result result;                      /* message: pingId, status, results */
} ping_callback;

/* The pingId of the POST's answer (201 {pingId, url, request, status, callback}). */
ping_err ping_parse_created(const char *json, size_t len, char id[TF_ID_MAX_LEN + 1])
    __attribute__((warn_unused_result));

/* The GET /devices/{serial}/liveTools/ping/{id} answer. */
ping_err ping_parse_result(const char *json, size_t len, ping_result *out)
    __attribute__((warn_unused_result));

/* A callback body: {callbackId, organization{id}, network{id}, sentAt, message{pingId, status,
 * results}}. PING_ERR_SHAPE when callbackId or message.pingId is missing: then it is no
 * callback. */
ping_err ping_parse_callback(const char *json, size_t len, ping_callback *out)
    __attribute__((warn_unused_result));

/* What a finished result proves against `threshold_pct`. */
ping_verdict ping_judge(const ping_result *r, double threshold_pct);

/* The live evidence one confirmation gathered: the primary's ping, and the backup's when the
 * guard wanted one (has_backup false: not sent, or proved nothing). */
typedef struct {
    bool has_primary;
    double primary_loss_pct;
    bool has_backup;
    double backup_loss_pct;
} ping_evidence;

/* The failover decision with a live ping: `series` is the look from the fresh tags and the
 * series (look.c's). The series decides first (a failover it proves, or a state or reason
 * that forbids one, stands); else a primary ping at or over the threshold fails over, unless
 * the backup's ping is at or over it too (backup_unhealthy). The decision's worst loss is the
 * ping's. *live is true when the ping decided. */
void ping_decide(const look_result *series, const ping_evidence *ev, double threshold_pct,
                 policy_decision *out, bool *live);

/* The verdict's word in metrics ("loss", "clean", "failed", "timeout", "refused"). */
const char *ping_verdict_name(ping_verdict v);

/* A message for an error code; never NULL. */
const char *ping_strerror(ping_err e);

#endif
