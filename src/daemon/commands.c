/*
 * commands.c - the one-shot commands. See commands.h.
 */
#include "tagfailover/commands.h"

#include <stdlib.h>
#include <string.h>

#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"
#include "tagfailover/apply.h"
#include "tagfailover/fetch.h"
#include "tagfailover/round.h"
#include "tagfailover/status.h"

#include "commands_int.h"

bool cmd_api_open(const config *cfg, cmd_api *api)
{
    dash_options o;
    memset(api, 0, sizeof(*api));
    fetch_dash_options(cfg, &o);
    dash_err e = dash_global_init();
    if (e == DASH_OK)
        e = dash_shared_new(&o, &api->shared);
    if (e == DASH_OK)
        e = dash_client_new(api->shared, &api->client);
    if (e != DASH_OK) {
        fprintf(stderr, "tagfailover: cannot set up the API client: %s\n", dash_strerror(e));
        dash_shared_free(api->shared);
        return false;
    }
    return true;
}

void cmd_api_close(cmd_api *api)
{
    dash_client_free(api->client);
    dash_shared_free(api->shared);
    dash_global_cleanup();
}

/* Runs one reconcile (or, with `report_only`, one look) over every organization. With `out`,
 * prints the status document (`json`) or table there. Returns the exit code. */
static int cmd_each_org(const config *cfg, const cmd_options *opt, bool report_only, FILE *out)
{
    cmd_api api;
    char **ids = NULL, **names = NULL;
    size_t n = 0;
    int code = 0;
    dash_error err = {0};
    round_org *orgs = NULL;
    const status_org **models = NULL;

    if (!cmd_api_open(cfg, &api))
        return 1;
    const apply_env env = {.cfg = cfg,
                           .client = api.client,
                           .dry_run = opt->dry_run || cfg->dry_run,
                           .notify = opt->notify,
                           .notify_ctx = opt->notify_ctx};
    const fetch_env fenv = {.cfg = cfg, .client = api.client};
    if (fetch_organizations(&fenv, &ids, &names, &n, &err) != FETCH_OK) {
        fprintf(stderr, "tagfailover: cannot list organizations: %s\n", err.message);
        cmd_api_close(&api);
        return 1;
    }
    orgs = n > 0 ? calloc(n, sizeof(*orgs)) : NULL;
    models = n > 0 ? calloc(n, sizeof(*models)) : NULL;
    if (n > 0 && (orgs == NULL || models == NULL)) {
        fprintf(stderr, "tagfailover: out of memory\n");
        code = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        round_stats st;
        dash_error e = {0};
        if (round_org_init(&orgs[i], ids[i], names[i]) != ROUND_OK) {
            fprintf(stderr, "tagfailover: out of memory\n");
            code = 1;
            n = i;
            goto out;
        }
        models[i] = &orgs[i].model;
        round_err rc = round_reconcile(&env, &orgs[i], report_only, &st, &e);
        if (rc != ROUND_OK) {
            code = 1;
            fprintf(stderr, "tagfailover: organization %s: %s: %s\n", ids[i], round_strerror(rc),
                    e.message);
        } else if (!report_only) {
            if (st.failed > 0)
                code = 1;
            log_msg(LOG_INFO, "reconcile",
                    "org %s: %zu managed, %zu failovers, %zu failbacks, %zu failed, %lu API calls",
                    ids[i], st.managed, st.failovers, st.failbacks, st.failed, st.api_calls);
        }
    }
    if (out != NULL) {
        char *text =
            opt->json ? status_render_json(models, n, true) : status_render_table(models, n);
        if (text == NULL) {
            fprintf(stderr, "tagfailover: out of memory\n");
            code = 1;
        } else {
            fputs(text, out);
            if (opt->json)
                fputc('\n', out);
            free(text);
        }
    }
out:
    for (size_t i = 0; orgs != NULL && i < n; i++)
        round_org_clear(&orgs[i]);
    free(orgs);
    free(models);
    fetch_strs_free(ids, n);
    fetch_strs_free(names, n);
    cmd_api_close(&api);
    return code;
}

int cmd_status(const config *cfg, const cmd_options *opt, FILE *out)
{
    return cmd_each_org(cfg, opt, true, out);
}

int cmd_reconcile_once(const config *cfg, const cmd_options *opt)
{
    return cmd_each_org(cfg, opt, false, NULL);
}

int cmd_org_managed(const config *cfg, dash_client *client, const char *org_id, char **name)
{
    const fetch_env fenv = {.cfg = cfg, .client = client};
    char **ids = NULL, **names = NULL;
    size_t n = 0;
    dash_error err = {0};
    int found = 0;

    if (name != NULL)
        *name = NULL;
    if (!shard_owns(cfg->shard, org_id))
        return 0;
    if (cfg->organization_ids.n > 0 && !config_strs_contains(&cfg->organization_ids, org_id))
        return 0;
    if (cfg->organization_ids.n > 0 && name == NULL)
        return 1;
    /* With configured IDs the list is read only for the name, and a failed read is no
     * refusal (fetch_organizations then gives the IDs without names). */
    if (fetch_organizations(&fenv, &ids, &names, &n, &err) != FETCH_OK) {
        fprintf(stderr, "tagfailover: cannot list organizations: %s\n", err.message);
        return -1;
    }
    for (size_t i = 0; i < n && !found; i++) {
        if (strcmp(ids[i], org_id) != 0)
            continue;
        found = 1;
        if (name != NULL && names[i] != NULL)
            *name = strdup(names[i]);
    }
    fetch_strs_free(ids, n);
    fetch_strs_free(names, n);
    return found;
}

int cmd_manual(const config *cfg, const cmd_options *opt, const char *network_id, bool failover)
{
    cmd_api api;
    dj_network net = {0};
    dash_error err = {0};
    apply_result res = {0};
    int code = 1;

    if (!cmd_api_open(cfg, &api))
        return 1;
    const apply_env env = {.cfg = cfg,
                           .client = api.client,
                           .dry_run = opt->dry_run || cfg->dry_run,
                           .notify = opt->notify,
                           .notify_ctx = opt->notify_ctx};
    /* The network's organization decides whose rate limit the retag counts against. */
    if (dash_get_network(api.client, NULL, network_id, &net, &err) != DASH_OK) {
        fprintf(stderr, "tagfailover: network %s: %s\n", network_id, err.message);
        goto out;
    }
    if (net.organization_id == NULL) {
        fprintf(stderr, "tagfailover: network %s: the API did not name its organization\n",
                network_id);
        goto out;
    }
    /* A manual command acts only where the daemon would: never on another organization's
     * network, even when the API key can write it. */
    int managed = cmd_org_managed(cfg, api.client, net.organization_id, NULL);
    if (managed < 0)
        goto out;
    if (managed == 0) {
        fprintf(stderr,
                "tagfailover: network %s belongs to organization %s, which this configuration "
                "does not manage (organization_ids, shard); nothing written\n",
                network_id, net.organization_id);
        code = 2;
        goto out;
    }
    tags_hold_op hold =
        failover ? (opt->no_hold ? TAGS_HOLD_KEEP : TAGS_HOLD_ADD) : TAGS_HOLD_REMOVE;
    apply_err rc =
        apply_manual(&env, &net, failover ? POLICY_FAILOVER : POLICY_FAILBACK, hold, &res);
    if (rc != APPLY_OK) {
        fprintf(stderr, "tagfailover: %s %s: %s: %s\n", failover ? "failover" : "failback",
                network_id, apply_strerror(rc), res.error.message);
        goto out;
    }
    printf("%s: %s%s\n", network_id,
           !res.done ? "nothing to do, already there"
                     : (failover ? "failed over to the backup" : "failed back to the primary"),
           res.done && env.dry_run ? " (dry run: nothing written)" : "");
    code = 0;
out:
    apply_result_clear(&res);
    dj_network_clear(&net);
    cmd_api_close(&api);
    return code;
}
