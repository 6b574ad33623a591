/*
 * h_batches.c - action batches (see h_batches.h).
 *
 * Meraki documents the limits (20 synchronous, 100 in all, 5 running per organization, all
 * or nothing) but not how each is refused. The fake answers 400 for what it can see in the
 * request (the limits, a malformed action), since a retry of the same request cannot
 * succeed, and lets a well-formed batch whose actions cannot run fail with status.failed and
 * its errors, as Meraki reports a batch that ran and failed. A sixth unfinished batch is a
 * 400 too: Meraki counts confirmed batches that have not finished.
 */
#include "h_batches.h"

#include "h_callbacks.h"
#include "h_orgs.h"
#include "jsonutil.h"
#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most batches remembered; the oldest finished one is forgotten first. */
#define HBATCH_MAX_BATCHES 8192
/* Longest resource or operation string. */
#define HBATCH_MAX_FIELD 1024

struct hbatch {
    unsigned long long id;
    char *org_id;
    int confirmed, synchronous;
    int completed, failed;
    char *fault;                 /* fails when run with this error (the control API); NULL */
    double due;                  /* when an asynchronous batch runs; 0 = not scheduled */
    struct json_object *actions; /* [{resource, operation, body}] */
    struct json_object *errors;  /* [string] */
    unsigned long long callback; /* 0 = none */
};

static struct hbatch *hbatch_list[HBATCH_MAX_BATCHES];
static size_t hbatch_n;
static unsigned long long hbatch_next_id = 558113646021000001ULL;
static long hbatch_fault_count;
static char hbatch_fault_error[256];

static void hbatch_free(struct hbatch *b)
{
    if (b == NULL)
        return;
    free(b->org_id);
    free(b->fault);
    json_object_put(b->actions);
    json_object_put(b->errors);
    free(b);
}

void hbatch_reset(void)
{
    for (size_t i = 0; i < hbatch_n; i++)
        hbatch_free(hbatch_list[i]);
    hbatch_n = 0;
    hbatch_fault_count = 0;
}

/* Confirmed and not finished: it holds one of the organization's five places. */
static int hbatch_unfinished(const struct hbatch *b)
{
    return b->confirmed && !b->completed && !b->failed;
}

static struct hbatch *hbatch_find(const char *org_id, const char *id)
{
    char *end;
    unsigned long long v = strtoull(id, &end, 10);

    for (size_t i = 0; *end == '\0' && i < hbatch_n; i++)
        if (hbatch_list[i]->id == v && strcmp(hbatch_list[i]->org_id, org_id) == 0)
            return hbatch_list[i];
    return NULL;
}

static struct json_object *hbatch_json(const struct hbatch *b)
{
    struct json_object *o = json_object_new_object(), *st = json_object_new_object(), *cb;
    char id[32];

    snprintf(id, sizeof id, "%llu", b->id);
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "organizationId", json_object_new_string(b->org_id));
    json_object_object_add(o, "confirmed", json_object_new_boolean(b->confirmed));
    json_object_object_add(o, "synchronous", json_object_new_boolean(b->synchronous));
    json_object_object_add(st, "completed", json_object_new_boolean(b->completed));
    json_object_object_add(st, "failed", json_object_new_boolean(b->failed));
    json_object_object_add(st, "errors", json_object_get(b->errors));
    json_object_object_add(st, "createdResources", json_object_new_array());
    json_object_object_add(o, "status", st);
    json_object_object_add(o, "actions", json_object_get(b->actions));
    if (b->callback && (cb = hcb_brief_json(b->callback)) != NULL)
        json_object_object_add(o, "callback", cb);
    return o;
}

/* ---- running ---- */

/* The network an action updates, or NULL after adding why it cannot run to b->errors. */
static struct state_network *hbatch_target(struct state *st, struct hbatch *b, size_t i,
                                           struct json_object *a)
{
    const char *res = json_object_get_string(json_object_object_get(a, "resource"));
    const char *op = json_object_get_string(json_object_object_get(a, "operation"));
    struct json_object *body = json_object_object_get(a, "body");
    struct state_network *n = NULL;
    char err[512] = "", check[256] = "";

    if (strcmp(op, "update") != 0)
        snprintf(err, sizeof err, "Action %zu: operation '%s' is not supported on %s", i, op, res);
    else if (strncmp(res, "/networks/", 10) != 0 || res[10] == '\0' || strchr(res + 10, '/'))
        snprintf(err, sizeof err, "Action %zu: resource %s is not supported", i, res);
    else if ((n = state_net_find(st, res + 10)) == NULL || strcmp(n->org->id, b->org_id) != 0)
        snprintf(err, sizeof err, "Action %zu: resource %s not found", i, res);
    else if (horg_update_check(body, check, sizeof check) != 0)
        snprintf(err, sizeof err, "Action %zu: %s", i, check);
    if (err[0] == '\0')
        return n;
    json_object_array_add(b->errors, json_object_new_string(err));
    return NULL;
}

/* Runs a batch at `ts`: every action or none. */
static void hbatch_run(struct state *st, struct hbatch *b, double ts)
{
    size_t n = json_object_array_length(b->actions);
    struct state_network **targets = calloc(n ? n : 1, sizeof *targets);
    char label[512];

    b->due = 0;
    if (targets == NULL || b->fault) {
        json_object_array_add(b->errors,
                              json_object_new_string(b->fault ? b->fault : "out of memory"));
        b->failed = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        targets[i] = hbatch_target(st, b, i, json_object_array_get_idx(b->actions, i));
    if (json_object_array_length(b->errors) > 0) {
        b->failed = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct json_object *a = json_object_array_get_idx(b->actions, i);

        snprintf(label, sizeof label, "Action batch %llu: update /networks/%s", b->id,
                 targets[i]->id);
        /* Checked above; only memory can fail now, and then the rest still applies. */
        if (horg_update_apply(targets[i], json_object_object_get(a, "body"), ts, label) != 0)
            json_object_array_add(b->errors, json_object_new_string("out of memory"));
    }
    b->completed = 1;
out:
    free(targets);
    if (b->callback)
        hcb_fire(st, b->callback, hbatch_json(b), ts);
}

void hbatch_run_due(struct state *st, double now)
{
    for (size_t i = 0; i < hbatch_n; i++) {
        struct hbatch *b = hbatch_list[i];

        if (b->due > 0 && b->due <= now && hbatch_unfinished(b))
            hbatch_run(st, b, b->due);
    }
}

/* ---- the request ---- */

/* Copies the request's actions into [{resource, operation, body}], or fills err. */
static struct json_object *hbatch_actions(struct json_object *body, int synchronous, char *err,
                                          size_t errlen)
{
    struct json_object *in, *out;
    size_t n;

    if (!json_object_object_get_ex(body, "actions", &in) ||
        !json_object_is_type(in, json_type_array) || (n = json_object_array_length(in)) == 0) {
        snprintf(err, errlen, "'actions' must be a non-empty array");
        return NULL;
    }
    if (n > (synchronous ? HBATCH_MAX_SYNC_ACTIONS : HBATCH_MAX_ACTIONS)) {
        snprintf(err, errlen, "%s batches may hold at most %d actions",
                 synchronous ? "Synchronous" : "Action",
                 synchronous ? HBATCH_MAX_SYNC_ACTIONS : HBATCH_MAX_ACTIONS);
        return NULL;
    }
    out = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *a = json_object_array_get_idx(in, i), *res, *op, *b = NULL, *copy;

        if (!json_object_is_type(a, json_type_object) ||
            !json_object_object_get_ex(a, "resource", &res) ||
            !json_object_is_type(res, json_type_string) ||
            json_object_get_string_len(res) > HBATCH_MAX_FIELD ||
            !json_object_object_get_ex(a, "operation", &op) ||
            !json_object_is_type(op, json_type_string) ||
            json_object_get_string_len(op) > HBATCH_MAX_FIELD ||
            (json_object_object_get_ex(a, "body", &b) &&
             !json_object_is_type(b, json_type_object))) {
            snprintf(err, errlen,
                     "Action %zu: needs 'resource' and 'operation' strings and an object 'body'",
                     i);
            json_object_put(out);
            return NULL;
        }
        copy = json_object_new_object();
        json_object_object_add(copy, "resource", json_object_get(res));
        json_object_object_add(copy, "operation", json_object_get(op));
        json_object_object_add(copy, "body", b ? json_object_get(b) : json_object_new_object());
        json_object_array_add(out, copy);
    }
    return out;
}

/* Reads optional boolean `key` (default false) into *out; -1 when it is not a boolean. */
static int hbatch_bool(struct json_object *body, const char *key, int *out)
{
    struct json_object *v;

    *out = 0;
    if (!json_object_object_get_ex(body, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_boolean))
        return -1;
    *out = json_object_get_boolean(v);
    return 0;
}

/* Makes room for one more batch: the oldest that is not unfinished goes. */
static int hbatch_room(void)
{
    if (hbatch_n < HBATCH_MAX_BATCHES)
        return 0;
    for (size_t i = 0; i < hbatch_n; i++) {
        if (!hbatch_unfinished(hbatch_list[i])) {
            hbatch_free(hbatch_list[i]);
            memmove(hbatch_list + i, hbatch_list + i + 1, (hbatch_n - i - 1) * sizeof *hbatch_list);
            hbatch_n--;
            return 0;
        }
    }
    return -1;
}

static void hbatch_create(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    struct json_object *body;
    struct hbatch *b = NULL;
    char err[256] = "";
    size_t running = 0;

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    if ((body = api_body_object(ctx)) == NULL)
        return;
    if ((b = calloc(1, sizeof *b)) == NULL || (b->org_id = strdup(org->id)) == NULL ||
        (b->errors = json_object_new_array()) == NULL) {
        http_reply_error(ctx->reply, 500, "out of memory");
        goto out;
    }
    if (hbatch_bool(body, "confirmed", &b->confirmed) ||
        hbatch_bool(body, "synchronous", &b->synchronous)) {
        http_reply_error(ctx->reply, 400, "'confirmed' and 'synchronous' must be booleans");
        goto out;
    }
    if ((b->actions = hbatch_actions(body, b->synchronous, err, sizeof err)) == NULL) {
        http_reply_error(ctx->reply, 400, err);
        goto out;
    }
    for (size_t i = 0; i < hbatch_n; i++)
        running +=
            strcmp(hbatch_list[i]->org_id, org->id) == 0 && hbatch_unfinished(hbatch_list[i]);
    if (b->confirmed && running >= HBATCH_MAX_UNFINISHED) {
        http_reply_error(ctx->reply, 400,
                         "Too many concurrently executing batches. Maximum is 5 confirmed but "
                         "not yet executed batches.");
        goto out;
    }
    if (hbatch_room() != 0) {
        http_reply_error(ctx->reply, 400, "Too many action batches");
        goto out;
    }
    if (hcb_create(ctx, body, org, NULL, &b->callback) != 0)
        goto out;
    b->id = hbatch_next_id++;
    if (b->confirmed && hbatch_fault_count > 0) {
        hbatch_fault_count--;
        b->fault = strdup(hbatch_fault_error);
    }
    hbatch_list[hbatch_n++] = b;
    if (b->confirmed && b->synchronous)
        hbatch_run(ctx->st, b, ctx->now);
    else if (b->confirmed)
        b->due = ctx->now + ctx->st->cfg.batch_duration_s;
    http_reply_json(ctx->reply, 201, hbatch_json(b));
    b = NULL;
out:
    hbatch_free(b);
    json_object_put(body);
}

static void hbatch_get(struct api_ctx *ctx)
{
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    struct hbatch *b = org ? hbatch_find(org->id, ctx->args[1]) : NULL;

    if (b == NULL)
        api_not_found(ctx);
    else
        http_reply_json(ctx->reply, 200, hbatch_json(b));
}

/* ---- control ---- */

void hbatch_control_fault(struct json_object *body, struct http_reply *reply)
{
    static const char *const known[] = {"count", "error", NULL};
    char err[256] = "", msg[sizeof hbatch_fault_error] = "Action batch failed (fakedash fault)";
    double count = 1;

    if (jutil_check_keys(body, "batch fault", known, err, sizeof err) ||
        jutil_num(body, "count", 1, 1e6, &count) || jutil_str_buf(body, "error", msg, sizeof msg)) {
        http_reply_error(reply, 400, err[0] ? err : "count 1..1000000, error a short string");
        return;
    }
    state_lock();
    hbatch_fault_count = (long)count;
    snprintf(hbatch_fault_error, sizeof hbatch_fault_error, "%s", msg);
    state_unlock();
    http_reply_ok(reply);
}

void hbatch_control_fault_clear(struct http_reply *reply)
{
    state_lock();
    hbatch_fault_count = 0;
    state_unlock();
    http_reply_ok(reply);
}

const struct api_route hbatch_routes[] = {
    {"POST", "/organizations/{organizationId}/actionBatches", API_SCOPE_ORG, hbatch_create},
    {"GET", "/organizations/{organizationId}/actionBatches/{actionBatchId}", API_SCOPE_ORG,
     hbatch_get},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
