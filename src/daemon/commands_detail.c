/*
 * commands_detail.c - `status [--json] NETWORK_ID`: one network in detail. Reads what a look
 * reads (the network, its organization's uplink statuses, loss data and peers, and, for a
 * failed-over network, the change log for when it moved), decides through look.h as the
 * daemon does, and renders through detail.h. See commands.h.
 */
#include "tagfailover/commands.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tagfailover/changes.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/detail.h"
#include "tagfailover/fetch.h"
#include "tagfailover/look.h"

#include "commands_int.h"

/* How far back the change log is read for when a failed-over network moved: the reconciler's
 * own look-back (round.c), so both find the same move. */
#define CMD_DETAIL_CHANGES_LOOKBACK_S (7L * 86400)

static double cmd_detail_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* When the network moved to its backup, from the change log. False when the log holds no such
 * move or cannot be read (then the data alone decides, as in the daemon: a warning says so). */
static bool cmd_detail_moved(dash_client *client, const char *org_id, const char *network_id,
                             int64_t *at)
{
    chg_entry *v = NULL;
    size_t n = 0;
    dash_error err = {0};
    bool found = false;

    if (dash_list_changes(client, org_id, CMD_DETAIL_CHANGES_LOOKBACK_S, network_id, &v, &n,
                          &err) != DASH_OK) {
        fprintf(stderr,
                "tagfailover: warning: cannot read the change log (%s): when it moved is not "
                "known\n",
                err.message);
        return false;
    }
    found = chg_failed_over_at(v, n, network_id, at);
    chg_free(v, n);
    return found;
}

int cmd_status_network(const config *cfg, const cmd_options *opt, const char *network_id, FILE *out)
{
    cmd_api api;
    dj_network net = {0};
    dash_error err = {0};
    fetch_peers peers = {0};
    fetch_data data = {0};
    look_ctx *ctx = NULL;
    look_result r;
    look_moved moved = {.network_id = network_id};
    policy_series primary[4], backup[4];
    policy_sample *owned[8] = {0};
    size_t n_primary = 0, n_backup = 0;
    char *org_name = NULL, *text = NULL;
    int code = 1;

    if (!cmd_api_open(cfg, &api))
        return 1;
    if (dash_get_network(api.client, NULL, network_id, &net, &err) != DASH_OK) {
        if (err.http_status == 404)
            fprintf(stderr,
                    "tagfailover: network %s: no such network (or the API key cannot see it)\n",
                    network_id);
        else
            fprintf(stderr, "tagfailover: network %s: %s\n", network_id, err.message);
        goto out;
    }
    if (net.organization_id == NULL) {
        fprintf(stderr, "tagfailover: network %s: the API did not name its organization\n",
                network_id);
        goto out;
    }
    int managed = cmd_org_managed(cfg, api.client, net.organization_id, &org_name);
    if (managed < 0)
        goto out;
    if (managed == 0) {
        fprintf(stderr,
                "tagfailover: network %s belongs to organization %s, which this configuration "
                "does not manage (organization_ids, shard)\n",
                network_id, net.organization_id);
        goto out;
    }
    tags_info info;
    tags_classify(&net.tags, cfg->hold_tag, &info);
    if (info.state == TAGS_UNMANAGED && !net.unreadable) {
        fprintf(stderr,
                "tagfailover: network %s carries no pair tag (<site>_primary_up ...): "
                "tagfailover does not manage it\n",
                network_id);
        goto out;
    }
    const fetch_env fenv = {.cfg = cfg, .client = api.client};
    time_t now = time(NULL);
    if (fetch_read(&fenv, net.organization_id, &peers, false, now, cmd_detail_mono(), &data,
                   &err) != FETCH_OK) {
        fprintf(stderr, "tagfailover: organization %s: %s\n", net.organization_id, err.message);
        goto out;
    }
    if (info.state == TAGS_FAILED_OVER &&
        cmd_detail_moved(api.client, net.organization_id, network_id, &moved.at)) {
        data.look.moved = &moved;
        data.look.n_moved = 1;
    }
    if (look_ctx_new(&data.look, cfg, &ctx) != LOOK_OK ||
        look_network(ctx, &net, data.t1, &r) != LOOK_OK) {
        fprintf(stderr, "tagfailover: out of memory\n");
        goto out;
    }
    for (size_t u = 0; u < r.n_considered && u < 4; u++) {
        const char *ips[2] = {r.tracked_ip, r.backup_ip};
        for (int k = 0; k < 2; k++) {
            policy_sample *s = NULL;
            size_t n = 0;
            if (ips[k] == NULL)
                continue;
            if (look_series_of(ctx, network_id, ips[k], r.considered[u], &s, &n) != LOOK_OK) {
                fprintf(stderr, "tagfailover: out of memory\n");
                goto out;
            }
            if (n == 0)
                continue;
            owned[2 * u + (size_t)k] = s;
            policy_series ps = {.uplink = r.considered[u], .samples = s, .n = n};
            if (k == 0)
                primary[n_primary++] = ps;
            else
                backup[n_backup++] = ps;
        }
    }
    policy_params params;
    look_policy_params(cfg, &params);
    const detail_view view = {
        .org_id = net.organization_id,
        .org_name = org_name,
        .net = &net,
        .look = &r,
        .primary = primary,
        .n_primary = n_primary,
        .backup = backup,
        .n_backup = n_backup,
        .params = params,
        .data_lag_s = cfg->data_lag_s,
        .now = (int64_t)now,
        .t1 = data.t1,
    };
    text = opt->json ? detail_render_json(&view, true) : detail_render_text(&view);
    if (text == NULL) {
        fprintf(stderr, "tagfailover: out of memory\n");
        goto out;
    }
    fputs(text, out);
    if (opt->json)
        fputc('\n', out);
    code = 0;
out:
    free(text);
    for (size_t i = 0; i < 8; i++)
        free(owned[i]);
    look_ctx_free(ctx);
    fetch_data_free(&data);
    fetch_peers_free(&peers);
    free(org_name);
    dj_network_clear(&net);
    cmd_api_close(&api);
    return code;
}
