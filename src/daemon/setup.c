/*
 * setup.c - `tagfailover setup`: webhook server, alert routing and a test delivery for every
 * managed network. See setup.h.
 */
#include "tagfailover/setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "setup_int.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/dashboard_json.h"
#include "tagfailover/fetch.h"
#include "tagfailover/log.h"
#include "tagfailover/setup_plan.h"
#include "tagfailover/tags.h"

/* How long the test deliveries are watched: Meraki (and the fake) deliver within a second or
 * two when the receiver answers; a receiver that does not answer is retried for longer than
 * an operator wants to wait at a prompt, so the wait is bounded and "not yet" is reported. */
#define SETUP_POLL_ROUNDS      10
#define SETUP_POLL_INTERVAL_MS 1000

/* Reads the server object a POST or PUT answered with: it must carry an ID and the receiver
 * URL. *s borrows from `answer`. */
static bool setup_one_server(struct json_object *answer, const char *url, setup_server *s)
{
    struct json_object *one = json_object_new_array();
    setup_server_match m = SETUP_SERVER_NONE;
    bool ok = false;

    if (one == NULL)
        return false;
    if (json_object_array_add(one, json_object_get(answer)) != 0)
        json_object_put(answer);
    else
        ok = setup_match_server(one, url, &m, s) == SETUP_OK && m == SETUP_SERVER_SAME_URL;
    json_object_put(one);
    return ok;
}

/* Creates the server (server_id NULL: POST) or updates it (PUT), and checks the answer shows
 * the server as sent: the receiver URL, the name, the template and, on an update, the same ID.
 * With `id`, *id receives the server's ID (caller frees). */
static bool setup_write_server(setup_ctx *ctx, setup_net *n, const char *server_id, char **id,
                               char *why, size_t why_size)
{
    const bool create = server_id == NULL;
    const char *method = create ? "POST" : "PUT";
    char path[SETUP_PATH_MAX];
    struct json_object *body = json_object_new_object(), *tpl = json_object_new_object();
    struct json_object *answer = NULL;
    setup_server s;
    bool ok = false;

    if (id != NULL)
        *id = NULL;
    if (body == NULL || tpl == NULL ||
        !setup_path(path, sizeof(path), n->id, "/webhooks/httpServers", server_id)) {
        json_object_put(tpl);
        snprintf(why, why_size, "cannot build the request");
        goto out;
    }
    /* POST sends the body as the spec's example has it, template name included; the spec's
     * PUT body has no url (it cannot change) and names the template by ID only. */
    json_object_object_add(tpl, "payloadTemplateId", json_object_new_string(SETUP_TEMPLATE_ID));
    if (create)
        json_object_object_add(tpl, "name", json_object_new_string(SETUP_TEMPLATE_NAME));
    json_object_object_add(body, "name", json_object_new_string(SETUP_SERVER_NAME));
    if (create)
        json_object_object_add(body, "url", json_object_new_string(ctx->url));
    json_object_object_add(body, "sharedSecret", json_object_new_string(ctx->secret));
    json_object_object_add(body, "payloadTemplate", tpl);
    if (!setup_call(ctx, n->org_id, method, path, body, &answer, why, why_size))
        goto out;
    if (!setup_one_server(answer, ctx->url, &s) || (!create && strcmp(s.id, server_id) != 0) ||
        strcmp(s.name, SETUP_SERVER_NAME) != 0 ||
        (s.template_id[0] != '\0' && strcmp(s.template_id, SETUP_TEMPLATE_ID) != 0)) {
        snprintf(why, why_size, "%s %s: the answer does not show the server as sent", method, path);
        goto out;
    }
    if (id != NULL && (*id = strdup(s.id)) == NULL) {
        snprintf(why, why_size, "out of memory");
        goto out;
    }
    ok = true;
out:
    json_object_put(answer);
    json_object_put(body);
    return ok;
}

/* Describes what an update changes on the server with the receiver URL; "" when only the
 * secret is sent again. A template the answer did not show is not called a change. */
static void setup_server_changes(const setup_server *s, char *buf, size_t size)
{
    int n = 0;

    buf[0] = '\0';
    if (strcmp(s->name, SETUP_SERVER_NAME) != 0)
        n = snprintf(buf, size, "name \"%s\" -> \"" SETUP_SERVER_NAME "\"", s->name);
    if (n < 0 || (size_t)n >= size)
        return;
    if (s->template_id[0] != '\0' && strcmp(s->template_id, SETUP_TEMPLATE_ID) != 0)
        snprintf(buf + n, size - (size_t)n,
                 "%spayload template %s -> " SETUP_TEMPLATE_ID " (" SETUP_TEMPLATE_NAME ")",
                 n > 0 ? ", " : "", s->template_id);
}

/* Step 1: the HTTP server. *server_id receives its ID (caller frees), or NULL in a dry run
 * that would create it. */
static bool setup_server_step(setup_ctx *ctx, setup_net *n, char **server_id)
{
    char path[SETUP_PATH_MAX], why[SETUP_WHY_MAX];
    struct json_object *servers = NULL;
    setup_server_match match;
    setup_server found;
    bool ok = false;

    *server_id = NULL;
    if (!setup_path(path, sizeof(path), n->id, "/webhooks/httpServers", NULL)) {
        setup_fail(ctx, n, "http server", "the network ID does not fit in a path");
        goto out;
    }
    if (!setup_call(ctx, n->org_id, "GET", path, NULL, &servers, why, sizeof(why))) {
        setup_fail(ctx, n, "http server", why);
        goto out;
    }
    if (setup_match_server(servers, ctx->url, &match, &found) != SETUP_OK) {
        snprintf(why, sizeof(why), "GET %s: %s", path, setup_strerror(SETUP_ERR_SHAPE));
        setup_fail(ctx, n, "http server", why);
        goto out;
    }
    if (match == SETUP_SERVER_SAME_URL) {
        char changes[512];
        setup_server_changes(&found, changes, sizeof(changes));
        if ((*server_id = strdup(found.id)) == NULL) {
            setup_fail(ctx, n, "http server", "out of memory");
            goto out;
        }
        /* Meraki never shows a server's shared secret, so it cannot be compared: it is sent
         * again on every run. That write changes nothing when the secret is already the
         * configured one, and it is what makes a rotated secret reach Meraki. */
        if (ctx->dry_run) {
            if (changes[0] != '\0')
                fprintf(ctx->out,
                        "    http server: would update %s (%s) and set the shared secret\n",
                        found.id, changes);
            else
                fprintf(ctx->out,
                        "    http server: already set (id %s); would re-send the shared secret "
                        "(Meraki never shows it)\n",
                        found.id);
            ok = true;
            goto out;
        }
        if (!setup_write_server(ctx, n, found.id, NULL, why, sizeof(why))) {
            setup_fail(ctx, n, "http server", why);
            goto out;
        }
        if (changes[0] != '\0')
            fprintf(ctx->out, "    http server: updated %s (%s); shared secret set\n", found.id,
                    changes);
        else
            fprintf(ctx->out,
                    "    http server: already set (id %s); shared secret re-sent (Meraki never "
                    "shows it)\n",
                    found.id);
        ok = true;
        goto out;
    }
    if (match == SETUP_SERVER_NAMED)
        fprintf(ctx->out,
                "    note: server %s named \"" SETUP_SERVER_NAME "\" posts to %s; Meraki cannot "
                "change a server's URL, so a new one is made for the receiver URL and the old one "
                "is left as it is (delete it once unused)\n",
                found.id, found.url);
    if (ctx->dry_run) {
        fprintf(ctx->out,
                "    http server: would create \"" SETUP_SERVER_NAME
                "\" -> %s (template " SETUP_TEMPLATE_NAME ", the configured shared secret)\n",
                ctx->url);
        ok = true;
        goto out;
    }
    if (!setup_write_server(ctx, n, NULL, server_id, why, sizeof(why))) {
        setup_fail(ctx, n, "http server", why);
        goto out;
    }
    fprintf(ctx->out, "    http server: created \"" SETUP_SERVER_NAME "\" (id %s) -> %s\n",
            *server_id, ctx->url);
    ok = true;
out:
    json_object_put(servers);
    return ok;
}

/* Prints what each of the three alerts needed (or needs, in a dry run). */
static void setup_print_alerts(setup_ctx *ctx, const setup_plan_alert st[SETUP_PLAN_N_ALERTS],
                               bool done)
{
    for (size_t k = 0; k < SETUP_PLAN_N_ALERTS; k++) {
        const char *what;
        if (!st[k].offered)
            what = "not offered for this network (skipped)";
        else if (st[k].enabled && st[k].routed)
            what = "already set";
        else if (!st[k].enabled && !st[k].routed)
            what =
                done ? "enabled and routed to the server" : "would enable and route to the server";
        else if (!st[k].routed)
            what = done ? "routed to the server" : "would route to the server";
        else
            what = done ? "enabled" : "would enable";
        fprintf(ctx->out, "    alert %s: %s\n", st[k].type, what);
    }
}

/* Step 2: the three alerts. `server_id` is NULL only in a dry run that would create it. */
static bool setup_alerts_step(setup_ctx *ctx, setup_net *n, const char *server_id)
{
    char path[SETUP_PATH_MAX], why[SETUP_WHY_MAX];
    struct json_object *settings = NULL, *body = NULL, *answer = NULL, *again = NULL;
    setup_plan_alert st[SETUP_PLAN_N_ALERTS], after[SETUP_PLAN_N_ALERTS];
    bool ok = false;
    size_t offered = 0;

    if (!setup_path(path, sizeof(path), n->id, "/alerts/settings", NULL)) {
        setup_fail(ctx, n, "alerts", "the network ID does not fit in a path");
        goto out;
    }
    if (!setup_call(ctx, n->org_id, "GET", path, NULL, &settings, why, sizeof(why))) {
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    setup_plan_err se = setup_plan_alerts(settings, server_id, st, &body);
    if (se != SETUP_PLAN_OK) {
        snprintf(why, sizeof(why), "GET %s: %s", path, setup_plan_strerror(se));
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    for (size_t k = 0; k < SETUP_PLAN_N_ALERTS; k++)
        offered += st[k].offered;
    if (offered == 0) {
        setup_fail(ctx, n, "alerts",
                   "the network offers none of failoverEvent, vpnConnectivityChange, "
                   "cellularUpDown (is it an appliance network?)");
        goto out;
    }
    if (ctx->dry_run || body == NULL) {
        setup_print_alerts(ctx, st, false);
        ok = true;
        goto out;
    }
    if (!setup_call(ctx, n->org_id, "PUT", path, body, &answer, why, sizeof(why))) {
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    /* The answer is the whole settings: they must now show every offered alert enabled and
     * routed, or the write did not take. */
    if (setup_plan_alerts(answer, server_id, after, &again) != SETUP_PLAN_OK || again != NULL) {
        snprintf(why, sizeof(why), "PUT %s: the answer does not show the alerts routed", path);
        setup_fail(ctx, n, "alerts", why);
        goto out;
    }
    setup_print_alerts(ctx, st, true);
    ok = true;
out:
    json_object_put(again);
    json_object_put(answer);
    json_object_put(body);
    json_object_put(settings);
    return ok;
}

/* Step 3a: asks Meraki to post a test alert to the receiver. */
static void setup_test_post(setup_ctx *ctx, setup_net *n)
{
    char path[SETUP_PATH_MAX], why[SETUP_WHY_MAX];
    struct json_object *body = json_object_new_object(), *answer = NULL;

    if (body == NULL || !setup_path(path, sizeof(path), n->id, "/webhooks/webhookTests", NULL)) {
        snprintf(why, sizeof(why), "cannot build the request");
        goto fail;
    }
    /* The secret goes with the test: Meraki's default is the empty string, not the server's
     * secret. The alert type is left to Meraki's default (power_supply_down), which the
     * daemon authenticates and then ignores, so a test never starts a look. */
    json_object_object_add(body, "url", json_object_new_string(ctx->url));
    json_object_object_add(body, "sharedSecret", json_object_new_string(ctx->secret));
    if (!setup_call(ctx, n->org_id, "POST", path, body, &answer, why, sizeof(why)))
        goto fail;
    const char *id = setup_json_str(answer, "id"), *status = setup_json_str(answer, "status");
    if (id == NULL || id[0] == '\0') {
        snprintf(why, sizeof(why), "POST %s: the answer has no test id", path);
        goto fail;
    }
    if ((n->test_id = strdup(id)) == NULL) {
        snprintf(why, sizeof(why), "out of memory");
        goto fail;
    }
    snprintf(n->status, sizeof(n->status), "%s", status != NULL ? status : "enqueued");
    json_object_put(answer);
    json_object_put(body);
    return;
fail:
    n->failed = true;
    fprintf(ctx->out, "  network %s: test delivery FAILED: %s\n", n->id, why);
    json_object_put(answer);
    json_object_put(body);
}

/* True while a test's status may still change. */
static bool setup_test_pending(const setup_net *n)
{
    return n->test_id != NULL && strcmp(n->status, "delivered") != 0 &&
           strcmp(n->status, "abandoned") != 0;
}

static void setup_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Step 3b: polls the tests until each is delivered or abandoned, for a bounded time. A poll
 * that fails is not fatal: the next round asks again. */
static void setup_test_poll(setup_ctx *ctx)
{
    char path[SETUP_PATH_MAX], why[SETUP_WHY_MAX];

    for (int round = 0; round < SETUP_POLL_ROUNDS; round++) {
        bool pending = false;
        for (size_t i = 0; i < ctx->n_nets; i++)
            pending = pending || setup_test_pending(&ctx->nets[i]);
        if (!pending)
            return;
        setup_sleep_ms(SETUP_POLL_INTERVAL_MS);
        for (size_t i = 0; i < ctx->n_nets; i++) {
            setup_net *n = &ctx->nets[i];
            struct json_object *answer = NULL;
            if (!setup_test_pending(n))
                continue;
            if (!setup_path(path, sizeof(path), n->id, "/webhooks/webhookTests", n->test_id))
                continue;
            if (setup_call(ctx, n->org_id, "GET", path, NULL, &answer, why, sizeof(why))) {
                const char *status = setup_json_str(answer, "status");
                if (status != NULL)
                    snprintf(n->status, sizeof(n->status), "%s", status);
            } else {
                fprintf(ctx->out, "  network %s: test status not read: %s\n", n->id, why);
            }
            json_object_put(answer);
        }
    }
}

/* Steps 1 and 2 for every managed network of one organization. */
static void setup_org(setup_ctx *ctx, const char *org_id, const char *org_name)
{
    dj_network *nets = NULL;
    size_t n_nets = 0, managed = 0;
    dash_error err = {0};

    fprintf(ctx->out, "organization %s%s%s%s", org_id, org_name ? " (" : "",
            org_name ? org_name : "", org_name ? ")" : "");
    if (dash_list_networks(ctx->client, org_id, NULL, DASH_TAGS_ANY, &nets, &n_nets, &err) !=
        DASH_OK) {
        fprintf(ctx->out, "\n  FAILED: cannot list its networks: %s\n", err.message);
        ctx->failed = true;
        goto out;
    }
    for (size_t i = 0; i < n_nets; i++) {
        tags_info info;
        tags_classify(&nets[i].tags, ctx->cfg->hold_tag, &info);
        managed += info.state != TAGS_UNMANAGED;
    }
    fprintf(ctx->out, ": %zu managed network%s, %zu without a pair tag (left alone)%s\n", managed,
            managed == 1 ? "" : "s", n_nets - managed,
            ctx->only != NULL ? "; only the one --network names is wired" : "");
    for (size_t i = 0; i < n_nets; i++) {
        tags_info info;
        char *server_id = NULL;
        tags_classify(&nets[i].tags, ctx->cfg->hold_tag, &info);
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
        if (setup_server_step(ctx, n, &server_id) && setup_alerts_step(ctx, n, server_id))
            n->wired = !ctx->dry_run;
        if (ctx->dry_run && !n->failed)
            fprintf(ctx->out, "    test delivery: would ask Meraki to post a test alert to %s\n",
                    ctx->url);
        free(server_id);
    }
out:
    dj_networks_free(nets, n_nets);
}

/* Prints the outcome of every test delivery and logs it (event setup_test), so a delivery
 * Meraki abandoned is in the journal too. Returns how many were delivered. */
static size_t setup_test_report(setup_ctx *ctx)
{
    size_t delivered = 0;

    for (size_t i = 0; i < ctx->n_nets; i++) {
        setup_net *n = &ctx->nets[i];
        if (n->test_id == NULL)
            continue;
        fprintf(ctx->out, "  network %s%s%s%s: test %s %s", n->id, n->name ? " (" : "",
                n->name ? n->name : "", n->name ? ")" : "", n->test_id, n->status);
        bool ok = strcmp(n->status, "delivered") == 0;
        log_msg(ok ? LOG_INFO : LOG_WARN, "setup_test", "network %s: test delivery %s to %s: %s",
                n->id, n->test_id, ctx->url, n->status);
        if (ok) {
            delivered++;
            fputc('\n', ctx->out);
            continue;
        }
        n->failed = true;
        if (strcmp(n->status, "abandoned") == 0)
            fprintf(ctx->out,
                    ": Meraki could not deliver to %s (is it reachable from the "
                    "internet, with a CA-signed certificate, and is the daemon's "
                    "shared secret the configured one?)\n",
                    ctx->url);
        else
            fprintf(ctx->out, ": not delivered yet after %d s\n",
                    SETUP_POLL_ROUNDS * SETUP_POLL_INTERVAL_MS / 1000);
    }
    return delivered;
}

/* The receiver URL for --remove: --url or public_url when given (its server is the daemon's
 * too, whatever its name), else none, and the servers are found by their name. */
static int setup_remove_url(const config *cfg, const setup_options *opt, char *buf, size_t size,
                            FILE *out, const char **url)
{
    *url = NULL;
    if (opt->url == NULL && (cfg->public_url == NULL || cfg->public_url[0] == '\0')) {
        fprintf(out, "removing the servers named \"" SETUP_SERVER_NAME
                     "\" (give --url to remove the one posting to a URL too)\n");
        return 0;
    }
    int code = setup_resolve_url(cfg, opt, buf, size, out);
    if (code == 0)
        *url = buf;
    return code;
}

int setup_run(const config *cfg, const setup_options *opt, FILE *out)
{
    setup_ctx ctx = {.cfg = cfg, .dry_run = opt->dry_run, .only = opt->network_id, .out = out};
    char url[SETUP_URL_MAX + 1];
    char **ids = NULL, **names = NULL;
    size_t n_orgs = 0, wired = 0, delivered = 0, failed = 0;
    dash_error err = {0};
    dash_options o;
    int code;

    if (opt->remove) {
        if ((code = setup_remove_url(cfg, opt, url, sizeof(url), out, &ctx.url)) != 0)
            return code;
    } else {
        if (cfg->shared_secret == NULL || cfg->shared_secret[0] == '\0') {
            fprintf(stderr, "tagfailover: setup: no shared secret is configured ([listener] "
                            "shared_secret or shared_secret_file, or TAGFAILOVER_SHARED_SECRET)\n");
            return 2;
        }
        if ((code = setup_resolve_url(cfg, opt, url, sizeof(url), out)) != 0)
            return code;
        ctx.url = url;
        ctx.secret = cfg->shared_secret;
    }
    if (ctx.dry_run)
        fprintf(out, "dry run: nothing is changed (GET requests only)\n");

    code = 1;
    fetch_dash_options(cfg, &o);
    dash_err de = dash_global_init();
    if (de == DASH_OK)
        de = dash_shared_new(&o, &ctx.shared);
    if (de == DASH_OK)
        de = dash_client_new(ctx.shared, &ctx.client);
    if (de != DASH_OK) {
        fprintf(stderr, "tagfailover: setup: cannot set up the API client: %s\n",
                dash_strerror(de));
        goto out;
    }
    fetch_env env = {.cfg = cfg, .client = ctx.client};
    if (fetch_organizations(&env, &ids, &names, &n_orgs, &err) != FETCH_OK) {
        fprintf(stderr, "tagfailover: setup: cannot list organizations: %s\n", err.message);
        goto out;
    }
    for (size_t i = 0; i < n_orgs; i++) {
        if (opt->remove)
            setup_remove_org(&ctx, ids[i], names[i]);
        else
            setup_org(&ctx, ids[i], names[i]);
    }
    if (ctx.only != NULL && ctx.n_nets == 0 && !ctx.failed) {
        fprintf(stderr,
                "tagfailover: setup: --network %s: no such managed network (one with a pair "
                "tag) in the organizations this configuration manages\n",
                ctx.only);
        goto out;
    }

    if (!ctx.dry_run && !opt->remove) {
        bool any = false;
        for (size_t i = 0; i < ctx.n_nets; i++)
            any = any || ctx.nets[i].wired;
        if (any)
            fprintf(out, "test deliveries (status polled for up to %d s):\n",
                    SETUP_POLL_ROUNDS * SETUP_POLL_INTERVAL_MS / 1000);
        for (size_t i = 0; i < ctx.n_nets; i++)
            if (ctx.nets[i].wired)
                setup_test_post(&ctx, &ctx.nets[i]);
        fflush(out);
        setup_test_poll(&ctx);
        delivered = setup_test_report(&ctx);
    }
    for (size_t i = 0; i < ctx.n_nets; i++) {
        wired += ctx.nets[i].wired;
        failed += ctx.nets[i].failed;
    }
    if (opt->remove)
        fprintf(out, "summary%s: %zu of %zu managed network%s %s, %zu failed\n",
                ctx.dry_run ? " (dry run)" : "", ctx.dry_run ? ctx.n_nets - failed : wired,
                ctx.n_nets, ctx.n_nets == 1 ? "" : "s", ctx.dry_run ? "planned" : "unwired",
                failed);
    else if (ctx.dry_run)
        fprintf(out, "summary (dry run): %zu managed network%s planned, %zu failed\n", ctx.n_nets,
                ctx.n_nets == 1 ? "" : "s", failed);
    else
        fprintf(out,
                "summary: %zu of %zu managed network%s wired, %zu test deliver%s delivered, "
                "%zu failed\n",
                wired, ctx.n_nets, ctx.n_nets == 1 ? "" : "s", delivered,
                delivered == 1 ? "y" : "ies", failed);
    code = (failed > 0 || ctx.failed) ? 1 : 0;
    if (code != 0)
        fprintf(stderr, "tagfailover: setup: %zu network%s failed%s\n", failed,
                failed == 1 ? "" : "s",
                ctx.failed ? ", and an organization could not be read" : "");
out:
    for (size_t i = 0; i < ctx.n_nets; i++) {
        free(ctx.nets[i].org_id);
        free(ctx.nets[i].id);
        free(ctx.nets[i].name);
        free(ctx.nets[i].test_id);
    }
    free(ctx.nets);
    fetch_strs_free(ids, n_orgs);
    fetch_strs_free(names, n_orgs);
    dash_client_free(ctx.client);
    dash_shared_free(ctx.shared);
    dash_global_cleanup();
    return code;
}
