/*
 * h_livetools.c - ping jobs (see h_livetools.h).
 */
#include "h_livetools.h"

#include "state.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most ping jobs remembered; the oldest is forgotten first. */
#define HLIVE_MAX_JOBS 4096

struct hlive_job {
    unsigned long long id;
    char serial[64];
    char target[256];
    int count;
    double created;
    double loss_pct; /* the outcome, fixed when created */
};

static struct hlive_job hlive_jobs[HLIVE_MAX_JOBS];
static size_t hlive_njobs;
static unsigned long long hlive_next_id = 1284392014819ULL;

void hlive_reset(void)
{
    hlive_njobs = 0;
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

static struct json_object *hlive_job_json(const struct hlive_job *j, double now, double duration)
{
    struct json_object *o = json_object_new_object(), *req = json_object_new_object();
    char buf[128];
    int complete = now - j->created >= duration;

    snprintf(buf, sizeof buf, "%llu", j->id);
    json_object_object_add(o, "pingId", json_object_new_string(buf));
    snprintf(buf, sizeof buf, "/devices/%s/liveTools/ping/%llu", j->serial, j->id);
    json_object_object_add(o, "url", json_object_new_string(buf));
    json_object_object_add(req, "serial", json_object_new_string(j->serial));
    json_object_object_add(req, "target", json_object_new_string(j->target));
    json_object_object_add(req, "count", json_object_new_int(j->count));
    json_object_object_add(o, "request", req);
    json_object_object_add(o, "status",
                           json_object_new_string(complete                          ? "complete"
                                                  : now - j->created < duration / 2 ? "new"
                                                                                    : "running"));
    if (complete) {
        struct json_object *res = json_object_new_object(), *loss = json_object_new_object();
        struct json_object *lat = json_object_new_object(), *replies = json_object_new_array();
        int received = j->count - (int)lround(j->count * j->loss_pct / 100.0);

        json_object_object_add(res, "sent", json_object_new_int(j->count));
        json_object_object_add(res, "received", json_object_new_int(received));
        json_object_object_add(loss, "percentage",
                               json_object_new_double(100.0 * (j->count - received) / j->count));
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
        json_object_object_add(o, "results", res);
    }
    return o;
}

static void hlive_create(struct api_ctx *ctx)
{
    struct state_network *n = state_net_by_serial(ctx->st, ctx->args[0]);
    struct json_object *body, *target, *count;
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
    if (hlive_njobs == HLIVE_MAX_JOBS) {
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
    j->loss_pct = hlive_loss(ctx->st, n, j->serial, j->target, ctx->now);
    json_object_put(body);
    http_reply_json(ctx->reply, 201, hlive_job_json(j, ctx->now, ctx->st->cfg.ping_duration_s));
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

const struct api_route hlive_routes[] = {
    {"POST", "/devices/{serial}/liveTools/ping", API_SCOPE_DEVICE, hlive_create},
    {"GET", "/devices/{serial}/liveTools/ping/{id}", API_SCOPE_DEVICE, hlive_get},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
