/*
 * h_livetools.c - ping jobs (see h_livetools.h).
 */
#include "h_livetools.h"

#include "h_callbacks.h"
#include "jsonutil.h"
#include "state.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most ping jobs remembered (the oldest is forgotten first) and most forced outcomes. */
#define HLIVE_MAX_JOBS   4096
#define HLIVE_MAX_FORCES 256

struct hlive_job {
    unsigned long long id;
    char serial[64];
    char target[256];
    int count;
    double created;
    double loss_pct;             /* the outcome, fixed when created */
    int sent;                    /* packets sent, as the finished result says */
    char status[32];             /* the final status: "complete" unless forced */
    unsigned long long callback; /* 0 = none */
    int fired;                   /* the callback has been sent */
};

/* A forced outcome for pings to `target`. */
struct hlive_force {
    char target[256];
    char serial[64]; /* "" = from any appliance */
    double loss;     /* < 0: the schedule's */
    int sent;        /* < 0: the request's count (0 when status is not "complete") */
    char status[32];
    long uses; /* < 0: until cleared */
};

static struct hlive_job hlive_jobs[HLIVE_MAX_JOBS];
static size_t hlive_njobs;
static size_t hlive_pending; /* jobs whose callback is not sent yet */
static unsigned long long hlive_next_id = 1284392014819ULL;
static struct hlive_force hlive_forces[HLIVE_MAX_FORCES];
static size_t hlive_nforces;

void hlive_reset(void)
{
    hlive_njobs = 0;
    hlive_pending = 0;
    hlive_nforces = 0;
}

/* The loss a ping from appliance `serial` of n to target sees at ts: the schedule's value on
 * the appliance's first connected uplink (active first); no data counts as total loss, since
 * the device heard nothing. */
static double hlive_loss(struct state *st, const struct state_network *n, const char *serial,
                         const char *target, double ts)
{
    const struct state_mx *mx = &n->mx[state_mx_role(n, serial)];
    int order[STATE_NUPLINKS + 1], k = 0;

    for (int up = 0; up < STATE_NUPLINKS; up++)
        if (mx->uplink[up] == STATE_US_ACTIVE)
            order[k++] = up;
    for (int up = 0; up < STATE_NUPLINKS; up++)
        if (mx->uplink[up] == STATE_US_READY || mx->uplink[up] == STATE_US_FAILED)
            order[k++] = up;
    if (k > 0) {
        struct loss_where w = {n->id, mx->serial, order[0], target};
        double v;

        if (loss_at(&n->loss, &st->loss_any, &w, ts, &v) == LOSS_VALUE)
            return v;
    }
    return 100;
}

/* Fixes a new job's outcome: the latest forced outcome for its target, else the schedule. */
static void hlive_outcome(struct state *st, const struct state_network *n, struct hlive_job *j)
{
    j->loss_pct = hlive_loss(st, n, j->serial, j->target, j->created);
    j->sent = j->count;
    snprintf(j->status, sizeof j->status, "complete");
    for (size_t i = hlive_nforces; i-- > 0;) {
        struct hlive_force *f = &hlive_forces[i];

        if (strcmp(f->target, j->target) != 0 || (f->serial[0] && strcmp(f->serial, j->serial)))
            continue;
        if (f->loss >= 0)
            j->loss_pct = f->loss;
        snprintf(j->status, sizeof j->status, "%s", f->status);
        j->sent = f->sent >= 0 ? f->sent : strcmp(f->status, "complete") == 0 ? j->count : 0;
        if (f->uses > 0 && --f->uses == 0) {
            memmove(f, f + 1, (hlive_nforces - i - 1) * sizeof *f);
            hlive_nforces--;
        }
        return;
    }
}

static struct json_object *hlive_results_json(const struct hlive_job *j)
{
    struct json_object *res = json_object_new_object(), *loss = json_object_new_object();
    struct json_object *lat = json_object_new_object(), *replies = json_object_new_array();
    int received = j->sent - (int)lround(j->sent * j->loss_pct / 100.0);

    json_object_object_add(res, "sent", json_object_new_int(j->sent));
    json_object_object_add(res, "received", json_object_new_int(received));
    /* Nothing sent reads as total loss: a client must look at `sent` to tell. */
    json_object_object_add(
        loss, "percentage",
        json_object_new_double(j->sent ? 100.0 * (j->sent - received) / j->sent : 100.0));
    json_object_object_add(res, "loss", loss);
    json_object_object_add(lat, "minimum", received ? json_object_new_double(15.8) : NULL);
    json_object_object_add(lat, "average", received ? json_object_new_double(15.8) : NULL);
    json_object_object_add(lat, "maximum", received ? json_object_new_double(15.9) : NULL);
    json_object_object_add(res, "latencies", lat);
    for (int i = 0; i < received; i++) {
        struct json_object *r = json_object_new_object();

        json_object_object_add(r, "sequenceId", json_object_new_int(i + 1));
        json_object_object_add(r, "size", json_object_new_int(84));
        json_object_object_add(r, "latency", json_object_new_double(15.8));
        json_object_array_add(replies, r);
    }
    json_object_object_add(res, "replies", replies);
    return res;
}

static struct json_object *hlive_job_json(const struct hlive_job *j, double now, double duration)
{
    struct json_object *o = json_object_new_object(), *req = json_object_new_object();
    char buf[128];
    int done = now - j->created >= duration;

    snprintf(buf, sizeof buf, "%llu", j->id);
    json_object_object_add(o, "pingId", json_object_new_string(buf));
    snprintf(buf, sizeof buf, "/devices/%s/liveTools/ping/%llu", j->serial, j->id);
    json_object_object_add(o, "url", json_object_new_string(buf));
    json_object_object_add(req, "serial", json_object_new_string(j->serial));
    json_object_object_add(req, "target", json_object_new_string(j->target));
    json_object_object_add(req, "count", json_object_new_int(j->count));
    json_object_object_add(o, "request", req);
    json_object_object_add(o, "status",
                           json_object_new_string(done                              ? j->status
                                                  : now - j->created < duration / 2 ? "new"
                                                                                    : "running"));
    if (done)
        json_object_object_add(o, "results", hlive_results_json(j));
    return o;
}

void hlive_run_due(struct state *st, double now)
{
    double duration = st->cfg.ping_duration_s;

    for (size_t i = 0; hlive_pending > 0 && i < hlive_njobs; i++) {
        struct hlive_job *j = &hlive_jobs[i];

        if (j->callback && !j->fired && now - j->created >= duration) {
            j->fired = 1;
            hlive_pending--;
            hcb_fire(st, j->callback, hlive_job_json(j, now, duration), now);
        }
    }
}

static void hlive_create(struct api_ctx *ctx)
{
    struct state_network *n = state_net_by_serial(ctx->st, ctx->args[0]);
    struct json_object *body, *target, *count, *o, *cb;
    unsigned long long callback;
    struct hlive_job *j;
    int c = 5;

    if (n == NULL) {
        api_not_found(ctx);
        return;
    }
    if ((body = api_body_object(ctx)) == NULL)
        return;
    if (!json_object_object_get_ex(body, "target", &target) ||
        !json_object_is_type(target, json_type_string) || json_object_get_string_len(target) == 0 ||
        json_object_get_string_len(target) >= 256) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'target' must be a host name or IP address");
        return;
    }
    if (json_object_object_get_ex(body, "count", &count)) {
        c = json_object_get_int(count);
        if (!json_object_is_type(count, json_type_int) || c < 1 || c > 5) {
            json_object_put(body);
            http_reply_error(ctx->reply, 400, "'count' must be an integer in 1..5");
            return;
        }
    }
    if (hcb_create(ctx, body, n->org, n, &callback) != 0) {
        json_object_put(body);
        return;
    }
    if (hlive_njobs == HLIVE_MAX_JOBS) {
        if (hlive_jobs[0].callback && !hlive_jobs[0].fired)
            hlive_pending--;
        memmove(hlive_jobs, hlive_jobs + 1, (HLIVE_MAX_JOBS - 1) * sizeof *hlive_jobs);
        hlive_njobs--;
    }
    j = &hlive_jobs[hlive_njobs++];
    memset(j, 0, sizeof *j);
    j->id = hlive_next_id++;
    snprintf(j->serial, sizeof j->serial, "%s", ctx->args[0]);
    snprintf(j->target, sizeof j->target, "%s", json_object_get_string(target));
    j->count = c;
    j->created = ctx->now;
    j->callback = callback;
    hlive_pending += callback != 0;
    hlive_outcome(ctx->st, n, j);
    json_object_put(body);
    o = hlive_job_json(j, ctx->now, ctx->st->cfg.ping_duration_s);
    if (callback && (cb = hcb_brief_json(callback)) != NULL)
        json_object_object_add(o, "callback", cb);
    http_reply_json(ctx->reply, 201, o);
}

static void hlive_get(struct api_ctx *ctx)
{
    struct state_network *n = state_net_by_serial(ctx->st, ctx->args[0]);
    char *end;
    unsigned long long id = strtoull(ctx->args[1], &end, 10);

    for (size_t i = 0; n && *end == '\0' && i < hlive_njobs; i++) {
        if (hlive_jobs[i].id == id && strcmp(hlive_jobs[i].serial, ctx->args[0]) == 0) {
            http_reply_json(ctx->reply, 200,
                            hlive_job_json(&hlive_jobs[i], ctx->now, ctx->st->cfg.ping_duration_s));
            return;
        }
    }
    api_not_found(ctx);
}

/* ---- control ---- */

void hlive_control(struct json_object *body, struct http_reply *reply)
{
    static const char *const known[] = {"target", "serial", "lossPercent", "sent",
                                        "status", "uses",   "clear",       NULL};
    struct hlive_force f;
    struct json_object *v;
    double loss = -1, sent = -1, uses = -1;
    char err[256] = "";
    int clear = json_object_object_get_ex(body, "clear", &v) && json_object_get_boolean(v);

    memset(&f, 0, sizeof f);
    snprintf(f.status, sizeof f.status, "complete");
    if (jutil_check_keys(body, "ping", known, err, sizeof err) != 0) {
        http_reply_error(reply, 400, err);
        return;
    }
    if (jutil_str_buf(body, "target", f.target, sizeof f.target) || f.target[0] == '\0' ||
        jutil_str_buf(body, "serial", f.serial, sizeof f.serial) ||
        jutil_str_buf(body, "status", f.status, sizeof f.status) || f.status[0] == '\0' ||
        jutil_num(body, "lossPercent", 0, 100, &loss) || jutil_num(body, "sent", 0, 5, &sent) ||
        jutil_num(body, "uses", 1, 1e9, &uses)) {
        http_reply_error(reply, 400,
                         "need a target; serial and status short strings, lossPercent 0..100, "
                         "sent 0..5, uses >= 1");
        return;
    }
    f.loss = loss;
    f.sent = (int)sent;
    f.uses = (long)uses;
    state_lock();
    if (clear) {
        size_t k = 0;

        for (size_t i = 0; i < hlive_nforces; i++)
            if (strcmp(hlive_forces[i].target, f.target) != 0)
                hlive_forces[k++] = hlive_forces[i];
        hlive_nforces = k;
    } else if (hlive_nforces < HLIVE_MAX_FORCES) {
        hlive_forces[hlive_nforces++] = f;
    } else {
        snprintf(err, sizeof err, "too many forced ping outcomes");
    }
    state_unlock();
    if (err[0])
        http_reply_error(reply, 400, err);
    else
        http_reply_ok(reply);
}

void hlive_control_clear(struct http_reply *reply)
{
    state_lock();
    hlive_nforces = 0;
    state_unlock();
    http_reply_ok(reply);
}

const struct api_route hlive_routes[] = {
    {"POST", "/devices/{serial}/liveTools/ping", API_SCOPE_DEVICE, hlive_create},
    {"GET", "/devices/{serial}/liveTools/ping/{id}", API_SCOPE_DEVICE, hlive_get},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
