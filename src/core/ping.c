/*
 * ping.c - live ping answers, callbacks, verdicts and the live failover decision. See ping.h.
 */
#include "tagfailover/ping.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/json.h"

const char *ping_strerror(ping_err e)
{
    switch (e) {
    case PING_OK:
        return "success";
    case PING_ERR_NOT_JSON:
        return "not a JSON object";
    case PING_ERR_SHAPE:
        return "not the documented shape";
    case PING_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

const char *ping_verdict_name(ping_verdict v)
{
    static const char *const names[PING_VERDICT_COUNT] = {"loss", "clean", "failed", "timeout",
                                                          "refused"};
    return (unsigned)v < PING_VERDICT_COUNT ? names[v] : "unknown";
}

/* Parses a strict JSON object; *root is the caller's to put. */
static ping_err ping_object(const char *json, size_t len, struct json_object **root)
{
    tfjson_err e = tfjson_parse(json, len, root);
    if (e == TFJSON_ERR_NOMEM)
        return PING_ERR_NOMEM;
    if (e != TFJSON_OK)
        return PING_ERR_NOT_JSON;
    if (!json_object_is_type(*root, json_type_object)) {
        json_object_put(*root);
        *root = NULL;
        return PING_ERR_NOT_JSON;
    }
    return PING_OK;
}

/* The member `key` of `o` when it is of `type`, else NULL (borrowed). */
static struct json_object *ping_member(struct json_object *o, const char *key, json_type type)
{
    struct json_object *v;
    if (o == NULL || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
        return NULL;
    return v;
}

/* Copies an id that is a string (or, as some answers have it, a whole number) into a fixed
 * buffer; false when absent, of another type, empty or over TF_ID_MAX_LEN. */
static bool ping_id(struct json_object *o, const char *key, char out[TF_ID_MAX_LEN + 1])
{
    struct json_object *v;
    const char *s;
    char num[32];
    if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
        return false;
    if (json_object_is_type(v, json_type_string)) {
        s = json_object_get_string(v);
    } else if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0) {
        snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(v));
        s = num;
    } else {
        return false;
    }
    size_t n = strlen(s);
    if (n == 0 || n > TF_ID_MAX_LEN)
        return false;
    memcpy(out, s, n + 1);
    return true;
}

/* A number member as a double; false when absent or not a finite number. */
static bool ping_number(struct json_object *o, const char *key, double *out)
{
    struct json_object *v;
    if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL ||
        !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
        return false;
    double d = json_object_get_double(v);
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}

/* Fills a result from an object with pingId, status and results. */
static ping_err ping_fill(struct json_object *o, ping_result *out)
{
    memset(out, 0, sizeof(*out));
    if (!ping_id(o, "pingId", out->ping_id))
        return PING_ERR_SHAPE;
    struct json_object *status = ping_member(o, "status", json_type_string);
    out->finished = status != NULL && strcmp(json_object_get_string(status), "complete") == 0;
    struct json_object *results = ping_member(o, "results", json_type_object);
    struct json_object *loss = ping_member(results, "loss", json_type_object);
    double sent = 0, received = 0, pct = 0;
    if (results != NULL) {
        if (ping_number(results, "sent", &sent) && sent >= 0 && sent <= 1000)
            out->sent = (int)sent;
        if (ping_number(results, "received", &received) && received >= 0 && received <= 1000)
            out->received = (int)received;
    }
    if (loss != NULL && ping_number(loss, "percentage", &pct) && pct >= 0 && pct <= 100) {
        out->has_results = true;
        out->loss_pct = pct;
    }
    return PING_OK;
}

ping_err ping_parse_created(const char *json, size_t len, char id[TF_ID_MAX_LEN + 1])
{
    struct json_object *root = NULL;
    ping_err e = ping_object(json, len, &root);
    if (e == PING_OK && !ping_id(root, "pingId", id))
        e = PING_ERR_SHAPE;
    json_object_put(root);
    return e;
}

ping_err ping_parse_result(const char *json, size_t len, ping_result *out)
{
    struct json_object *root = NULL;
    memset(out, 0, sizeof(*out));
    ping_err e = ping_object(json, len, &root);
    if (e == PING_OK)
        e = ping_fill(root, out);
    json_object_put(root);
    return e;
}

ping_err ping_parse_callback(const char *json, size_t len, ping_callback *out)
{
    struct json_object *root = NULL;
    memset(out, 0, sizeof(*out));
    ping_err e = ping_object(json, len, &root);
    if (e != PING_OK)
        return e;
    struct json_object *message = ping_member(root, "message", json_type_object);
    if (!ping_id(root, "callbackId", out->callback_id) || message == NULL) {
        e = PING_ERR_SHAPE;
        goto out;
    }
    e = ping_fill(message, &out->result);
    if (e != PING_OK)
        goto out;
    /* Where it comes from is informational; a missing or odd one is left empty. */
    if (!ping_id(ping_member(root, "organization", json_type_object), "id", out->organization_id))
        out->organization_id[0] = '\0';
    if (!ping_id(ping_member(root, "network", json_type_object), "id", out->network_id))
        out->network_id[0] = '\0';
out:
    if (e != PING_OK)
        memset(out, 0, sizeof(*out));
    json_object_put(root);
    return e;
}

ping_verdict ping_judge(const ping_result *r, double threshold_pct)
{
    if (!r->finished || !r->has_results || r->sent <= 0)
        return PING_VERDICT_FAILED;
    return r->loss_pct >= threshold_pct ? PING_VERDICT_LOSS : PING_VERDICT_CLEAN;
}

void ping_decide(const look_result *series, const ping_evidence *ev, double threshold_pct,
                 policy_decision *out, bool *live)
{
    *out = series->decision;
    *live = false;
    /* Only a normal network with a tracked IP can fail over, and the series' own proof or veto
     * stands. */
    if (series->tags.state != TAGS_NORMAL || series->tracked_ip == NULL ||
        series->decision.action == POLICY_FAILOVER ||
        series->decision.reason == TF_REASON_BACKUP_UNHEALTHY)
        return;
    if (!ev->has_primary || ev->primary_loss_pct < threshold_pct)
        return;
    if (ev->has_backup && ev->backup_loss_pct >= threshold_pct) {
        out->action = POLICY_NONE;
        out->reason = TF_REASON_BACKUP_UNHEALTHY;
        snprintf(out->why, sizeof(out->why),
                 "live ping: backup loss %.1f%% >= %.0f%% (primary %.1f%%)", ev->backup_loss_pct,
                 threshold_pct, ev->primary_loss_pct);
        return;
    }
    out->action = POLICY_FAILOVER;
    out->reason = TF_REASON_LOSS_OVER_THRESHOLD;
    out->has_worst = true;
    out->worst_loss_pct = ev->primary_loss_pct;
    snprintf(out->why, sizeof(out->why), "live ping loss %.1f%% >= %.0f%%", ev->primary_loss_pct,
             threshold_pct);
    *live = true;
}
