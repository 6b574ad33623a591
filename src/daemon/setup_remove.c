/*
 * setup_remove.c - `tagfailover setup --remove`: for every managed network (or the one
 * --network names), take the daemon's webhook HTTP servers out of every alert's destinations
 * (one PUT of /alerts/settings with just the alerts that held them), then delete the servers
 * (DELETE .../httpServers/{id}). With --dry-run only the GETs are sent and the plan printed.
 * Which servers are the daemon's, and the settings without them, are decided in the core
 * (setup_unwire.h). See setup.h.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "setup_int.h"
#include "tagfailover/setup_unwire.h"
#include "tagfailover/tags.h"

/* Step 1 of a removal: the alerts stop posting to the servers. */
static bool setup_remove_alerts(setup_ctx *ctx, setup_net *n, const char *const *ids, size_t k)
{
    char path[SETUP_PATH_MAX], why[SETUP_WHY_MAX];
    struct json_object *settings = NULL, *body = NULL, *answer = NULL, *again = NULL;
    size_t n_alerts = 0, left = 0;
    bool ok = false;

    if (!setup_path(path, sizeof(path), n->id, "/alerts/settings", NULL)) {
        setup_fail(ctx, n, "alerts", "the network ID does not fit in a path");
        goto out;
    }
    if (!setup_call(ctx, n->org_id, "GET", path, NULL, &settings, why, sizeof(why))) {
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    setup_plan_err se = setup_unwire_alerts(settings, ids, k, &body, &n_alerts);
    if (se != SETUP_PLAN_OK) {
        snprintf(why, sizeof(why), "GET %s: %s", path, setup_plan_strerror(se));
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    if (body == NULL) {
        fprintf(ctx->out, "    alerts: none posts to %s\n", k == 1 ? "it" : "them");
        ok = true;
        goto out;
    }
    if (ctx->dry_run) {
        fprintf(ctx->out, "    alerts: would stop %zu alert%s%s posting to %s\n", n_alerts,
                n_alerts == 1 ? "" : "s",
                json_object_object_get_ex(body, "defaultDestinations", NULL)
                    ? " and the default destinations"
                    : "",
                k == 1 ? "it" : "them");
        ok = true;
        goto out;
    }
    if (!setup_call(ctx, n->org_id, "PUT", path, body, &answer, why, sizeof(why))) {
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    /* The answer is the whole settings: nothing may post to the servers any more. */
    if (setup_unwire_alerts(answer, ids, k, &again, &left) != SETUP_PLAN_OK || again != NULL) {
        snprintf(why, sizeof(why), "PUT %s: the answer still routes alerts to the server", path);
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    fprintf(ctx->out, "    alerts: %zu alert%s%s no longer post%s to %s\n", n_alerts,
            n_alerts == 1 ? "" : "s",
            json_object_object_get_ex(body, "defaultDestinations", NULL)
                ? " and the default destinations"
                : "",
            n_alerts == 1 ? "s" : "", k == 1 ? "it" : "them");
    ok = true;
out:
    json_object_put(again);
    json_object_put(answer);
    json_object_put(body);
    json_object_put(settings);
    return ok;
}

/* One network: find the daemon's servers, unwire, delete. */
static void setup_remove_net(setup_ctx *ctx, setup_net *n)
{
    char path[SETUP_PATH_MAX], why[SETUP_WHY_MAX];
    struct json_object *servers = NULL;
    setup_server found[SETUP_UNWIRE_MAX_SERVERS];
    const char *ids[SETUP_UNWIRE_MAX_SERVERS];
    size_t k = 0;

    if (!setup_path(path, sizeof(path), n->id, "/webhooks/httpServers", NULL)) {
        setup_fail(ctx, n, "http servers", "the network ID does not fit in a path");
        goto out;
    }
    if (!setup_call(ctx, n->org_id, "GET", path, NULL, &servers, why, sizeof(why))) {
        setup_fail(ctx, n, "http servers", why);
        goto out;
    }
    if (setup_unwire_servers(servers, ctx->url, found, SETUP_UNWIRE_MAX_SERVERS, &k) != SETUP_OK) {
        snprintf(why, sizeof(why), "GET %s: %s", path, setup_strerror(SETUP_ERR_SHAPE));
        setup_fail(ctx, n, "http servers", why);
        goto out;
    }
    if (k == 0) {
        fprintf(ctx->out, "    http servers: none of the daemon's (nothing to remove)\n");
        n->wired = true; /* counted as done */
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        ids[i] = found[i].id;
        fprintf(ctx->out, "    http server %s \"%s\" -> %s: the daemon's\n", found[i].id,
                found[i].name, found[i].url);
    }
    if (!setup_remove_alerts(ctx, n, ids, k))
        goto out;
    for (size_t i = 0; i < k; i++) {
        char one[SETUP_PATH_MAX];
        if (!setup_path(one, sizeof(one), n->id, "/webhooks/httpServers", ids[i])) {
            setup_fail(ctx, n, "http server", "the server ID does not fit in a path");
            continue;
        }
        if (ctx->dry_run) {
            fprintf(ctx->out, "    http server %s: would delete it\n", ids[i]);
            continue;
        }
        if (!setup_call(ctx, n->org_id, "DELETE", one, NULL, NULL, why, sizeof(why))) {
            setup_fail(ctx, n, "http server", why);
            continue;
        }
        fprintf(ctx->out, "    http server %s: deleted\n", ids[i]);
    }
    n->wired = !n->failed; /* here: removed */
out:
    json_object_put(servers);
}

void setup_remove_org(setup_ctx *ctx, const char *org_id, const char *org_name)
{
    dj_network *nets = NULL;
    size_t n_nets = 0;
    dash_error err = {0};

    fprintf(ctx->out, "organization %s%s%s%s\n", org_id, org_name ? " (" : "",
            org_name ? org_name : "", org_name ? ")" : "");
    if (dash_list_networks(ctx->client, org_id, NULL, DASH_TAGS_ANY, &nets, &n_nets, &err) !=
        DASH_OK) {
        fprintf(ctx->out, "  FAILED: cannot list its networks: %s\n", err.message);
        ctx->failed = true;
        goto out;
    }
    for (size_t i = 0; i < n_nets; i++) {
        tags_info info;
        tags_classify(&nets[i].tags, ctx->cfg->hold_tag, &info);
        /* An unmanaged network is left alone, as setup leaves it; so is every other network
         * when --network names one. */
        if (info.state == TAGS_UNMANAGED ||
            (ctx->only != NULL && strcmp(nets[i].id, ctx->only) != 0))
            continue;
        setup_net *n = setup_net_add(ctx, org_id, &nets[i]);
        if (n == NULL) {
            fprintf(ctx->out, "  FAILED: out of memory\n");
            ctx->failed = true;
            goto out;
        }
        setup_print_net(ctx, n);
        setup_remove_net(ctx, n);
    }
out:
    dj_networks_free(nets, n_nets);
}
