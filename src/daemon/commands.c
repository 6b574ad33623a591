/*
 * commands.c - the one-shot commands. See commands.h.
 */
#include "tagfailover/commands.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tagfailover/dashboard.h"
#include "tagfailover/log.h"
#include "tagfailover/reconciler.h"

/* The API client of one command: shared state and the main thread's client. */
typedef struct {
    dash_shared *shared;
    dash_client *client;
} cmd_api;

static bool cmd_api_open(const config *cfg, cmd_api *api)
{
    dash_options o;
    memset(api, 0, sizeof(*api));
    rc_dash_options(cfg, &o);
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

static void cmd_api_close(cmd_api *api)
{
    dash_client_free(api->client);
    dash_shared_free(api->shared);
    dash_global_cleanup();
}

static const char *cmd_str(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || v == NULL)
        return NULL;
    return json_object_get_string(v);
}

/* Prints one organization of the status document as a table. */
static void cmd_print_table(struct json_object *org, FILE *out)
{
    const char *name = cmd_str(org, "name");
    struct json_object *nets;
    fprintf(out, "organization %s%s%s%s\n", cmd_str(org, "id"), name ? " (" : "", name ? name : "",
            name ? ")" : "");
    const char *error = cmd_str(org, "error");
    if (error != NULL) {
        fprintf(out, "  error: %s\n\n", error);
        return;
    }
    if (!json_object_object_get_ex(org, "networks", &nets) || json_object_array_length(nets) == 0) {
        fprintf(out, "  no managed network\n\n");
        return;
    }
    fprintf(out, "  %-22s %-24s %-24s %-16s %-13s %7s %-9s %s\n", "NETWORK", "NAME",
            "PRIMARY > BACKUP", "TRACKED IP", "STATE", "WORST", "WOULD", "WHY");
    for (size_t i = 0; i < json_object_array_length(nets); i++) {
        struct json_object *n = json_object_array_get_idx(nets, i);
        char pair[80], worst[16];
        struct json_object *w;
        snprintf(pair, sizeof(pair), "%s > %s",
                 cmd_str(n, "primary_site") ? cmd_str(n, "primary_site") : "-",
                 cmd_str(n, "backup_site") ? cmd_str(n, "backup_site") : "-");
        if (json_object_object_get_ex(n, "worst_loss_pct", &w) && w != NULL)
            snprintf(worst, sizeof(worst), "%.1f%%", json_object_get_double(w));
        else
            snprintf(worst, sizeof(worst), "-");
        const char *nm = cmd_str(n, "name");
        const char *ip = cmd_str(n, "tracked_ip");
        fprintf(out, "  %-22s %-24.24s %-24.24s %-16s %-13s %7s %-9s %s\n", cmd_str(n, "id"),
                nm ? nm : "-", pair, ip ? ip : "-", cmd_str(n, "state"), worst, cmd_str(n, "would"),
                cmd_str(n, "reason"));
    }
    fputc('\n', out);
}

/* Runs one reconcile (or report) over every organization; fills *doc with the status
 * document when doc is not NULL. Returns the exit code. */
static int cmd_each_org(const config *cfg, const cmd_options *opt, bool report_only,
                        struct json_object **doc)
{
    cmd_api api;
    char **ids = NULL, **names = NULL;
    size_t n = 0;
    int code = 0;
    dash_error err = {0};

    if (!cmd_api_open(cfg, &api))
        return 1;
    rc_env env = {.cfg = cfg, .client = api.client, .dry_run = opt->dry_run || cfg->dry_run};
    if (rc_organizations(&env, &ids, &names, &n, &err) != RC_OK) {
        fprintf(stderr, "tagfailover: cannot list organizations: %s\n", err.message);
        cmd_api_close(&api);
        return 1;
    }
    struct json_object *orgs = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        rc_peer_cache peers = {0};
        rc_action_log log = {0};
        struct json_object *report = NULL;
        rc_stats st;
        dash_error e = {0};
        rc_err rc = rc_reconcile_org(&env, ids[i], names[i], &peers, &log, report_only,
                                     doc != NULL ? &report : NULL, NULL, NULL, &st, &e);
        if (rc != RC_OK) {
            code = 1;
            fprintf(stderr, "tagfailover: organization %s: %s: %s\n", ids[i], rc_strerror(rc),
                    e.message);
            report = json_object_new_object();
            json_object_object_add(report, "id", json_object_new_string(ids[i]));
            json_object_object_add(report, "name",
                                   names[i] ? json_object_new_string(names[i]) : NULL);
            json_object_object_add(report, "networks", json_object_new_array());
            json_object_object_add(report, "error", json_object_new_string(e.message));
        } else if (!report_only) {
            if (st.failed > 0)
                code = 1;
            log_msg(LOG_INFO, "reconcile",
                    "org %s: %zu managed, %zu failovers, %zu failbacks, %zu failed, %lu API calls",
                    ids[i], st.managed, st.failovers, st.failbacks, st.failed, st.api_calls);
        }
        if (report != NULL)
            json_object_array_add(orgs, report);
        rc_action_log_free(&log);
        rc_peer_cache_free(&peers);
    }
    if (doc != NULL) {
        *doc = json_object_new_object();
        json_object_object_add(*doc, "organizations", orgs);
    } else {
        json_object_put(orgs);
    }
    rc_strs_free(ids, n);
    rc_strs_free(names, n);
    cmd_api_close(&api);
    return code;
}

int cmd_status(const config *cfg, const cmd_options *opt, FILE *out)
{
    struct json_object *doc = NULL;
    int code = cmd_each_org(cfg, opt, true, &doc);
    if (doc == NULL)
        return code;
    if (opt->json) {
        fprintf(out, "%s\n",
                json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
    } else {
        struct json_object *orgs;
        json_object_object_get_ex(doc, "organizations", &orgs);
        for (size_t i = 0; i < json_object_array_length(orgs); i++)
            cmd_print_table(json_object_array_get_idx(orgs, i), out);
    }
    json_object_put(doc);
    return code;
}

int cmd_reconcile_once(const config *cfg, const cmd_options *opt)
{
    return cmd_each_org(cfg, opt, false, NULL);
}

int cmd_manual(const config *cfg, const cmd_options *opt, const char *network_id, bool failover)
{
    cmd_api api;
    dj_network net = {0};
    dash_error err = {0};
    int code = 1;

    if (!cmd_api_open(cfg, &api))
        return 1;
    rc_env env = {.cfg = cfg, .client = api.client, .dry_run = opt->dry_run || cfg->dry_run};
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
    tags_hold_op hold =
        failover ? (opt->no_hold ? TAGS_HOLD_KEEP : TAGS_HOLD_ADD) : TAGS_HOLD_REMOVE;
    rc_trigger trig = {.kind = METRICS_TRIGGER_MANUAL};
    bool done = false;
    rc_err rc = rc_retag(&env, net.organization_id, network_id,
                         failover ? POLICY_FAILOVER : POLICY_FAILBACK, NULL, 0, hold, &trig, NULL,
                         &done, NULL, &err);
    if (rc != RC_OK) {
        fprintf(stderr, "tagfailover: %s %s: %s: %s\n", failover ? "failover" : "failback",
                network_id, rc_strerror(rc), err.message);
        goto out;
    }
    printf("%s: %s%s\n", network_id,
           !done ? "nothing to do, already there"
                 : (failover ? "failed over to the backup" : "failed back to the primary"),
           done && env.dry_run ? " (dry run: nothing written)" : "");
    code = 0;
out:
    dj_network_clear(&net);
    cmd_api_close(&api);
    return code;
}
