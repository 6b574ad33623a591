/*
 * config_keys.c - every key of the configuration: the table (section, kind, member, range)
 * the parser and the dump walk, the defaults, freeing, and the small public accessors.
 */
#include "tagfailover/config.h"

#include <stdlib.h>
#include <string.h>

#include "tagfailover/suggest.h"

#include "config_internal.h"

const char *const config_section_names[SEC_COUNT] = {
    [SEC_DASHBOARD] = "dashboard", [SEC_LISTENER] = "listener", [SEC_ADMIN] = "admin",
    [SEC_FAILOVER] = "failover",   [SEC_LOG] = "log",           [SEC_NOTIFY] = "notify",
    [SEC_SITE] = "site",
};

#define KEY(sec, nm, kd, member)                                                                   \
    {                                                                                              \
        .section = (sec), .name = (nm), .kind = (kd), .offset = offsetof(config, member)           \
    }
#define NUM(sec, nm, kd, member, lo, hi)                                                           \
    {                                                                                              \
        .section = (sec), .name = (nm), .kind = (kd), .offset = offsetof(config, member),          \
        .min = (lo), .max = (hi)                                                                   \
    }

/* The ranges are what an operator would call sane; scripts/tagfailover.conf.example lists
 * them. Windows and intervals stop at a day, timeouts at ten minutes. */
const config_key config_keys[K_COUNT] = {
    [K_BASE_URL] = KEY(SEC_DASHBOARD, "base_url", KIND_URL, base_url),
    [K_API_KEY] = KEY(SEC_DASHBOARD, "api_key", KIND_SECRET, api_key),
    [K_API_KEY_FILE] = KEY(SEC_DASHBOARD, "api_key_file", KIND_FILE, api_key_file),
    [K_ORGANIZATION_IDS] = KEY(SEC_DASHBOARD, "organization_ids", KIND_ORG_IDS, organization_ids),
    [K_REQUESTS_PER_SECOND] = {.section = SEC_DASHBOARD,
                               .name = "requests_per_second",
                               .kind = KIND_DOUBLE,
                               .offset = offsetof(config, requests_per_second),
                               .min = 0,
                               .max = 10,
                               .min_exclusive = true},
    [K_REQUESTS_BURST] = NUM(SEC_DASHBOARD, "requests_burst", KIND_INT, requests_burst, 1, 100),
    /* Meraki allows 100 requests per second from one source IP; 1000 is ten times that, for a
     * proxy or a region with a higher limit. */
    [K_REQUESTS_PER_SECOND_TOTAL] = {.section = SEC_DASHBOARD,
                                     .name = "requests_per_second_total",
                                     .kind = KIND_DOUBLE,
                                     .offset = offsetof(config, requests_per_second_total),
                                     .min = 0,
                                     .max = 1000,
                                     .min_exclusive = true},
    [K_SHARD] = KEY(SEC_DASHBOARD, "shard", KIND_SHARD, shard),
    [K_DATA_LAG_S] = NUM(SEC_DASHBOARD, "data_lag_s", KIND_INT, data_lag_s, 0, 3600),
    [K_TIMEOUT_S] = NUM(SEC_DASHBOARD, "timeout_s", KIND_INT, timeout_s, 1, 600),
    [K_MAX_RETRIES] = NUM(SEC_DASHBOARD, "max_retries", KIND_INT, max_retries, 0, 20),
    [K_CA_FILE] = KEY(SEC_DASHBOARD, "ca_file", KIND_FILE, ca_file),

    [K_MODE] = KEY(SEC_LISTENER, "mode", KIND_MODE, listener_mode),
    [K_LISTENER_ADDRESS] = KEY(SEC_LISTENER, "address", KIND_ADDRESS, listener_address),
    [K_LISTENER_PORT] = NUM(SEC_LISTENER, "port", KIND_INT, listener_port, 1, 65535),
    [K_CERT_FILE] = KEY(SEC_LISTENER, "cert_file", KIND_PATH, cert_file),
    [K_KEY_FILE] = KEY(SEC_LISTENER, "key_file", KIND_PATH, key_file),
    [K_WEBHOOK_PATH] = KEY(SEC_LISTENER, "webhook_path", KIND_WEBHOOK_PATH, webhook_path),
    [K_SHARED_SECRET] = KEY(SEC_LISTENER, "shared_secret", KIND_SECRET, shared_secret),
    [K_SHARED_SECRET_FILE] = KEY(SEC_LISTENER, "shared_secret_file", KIND_FILE, shared_secret_file),
    [K_TRUSTED_PROXIES] = KEY(SEC_LISTENER, "trusted_proxies", KIND_CIDRS, trusted_proxies),
    [K_ALLOWED_SOURCES] = KEY(SEC_LISTENER, "allowed_sources", KIND_CIDRS, allowed_sources),
    [K_MAX_BODY_BYTES] = NUM(SEC_LISTENER, "max_body_bytes", KIND_LONG, max_body_bytes, 256,
                             TF_WEBHOOK_BODY_CEILING),
    [K_MAX_CONNECTIONS] = NUM(SEC_LISTENER, "max_connections", KIND_INT, max_connections, 1,
                              TF_MAX_CONNECTIONS_CEILING),
    [K_CONNECTION_TIMEOUT_S] =
        NUM(SEC_LISTENER, "connection_timeout_s", KIND_INT, connection_timeout_s, 1, 600),
    [K_PUBLIC_URL] = KEY(SEC_LISTENER, "public_url", KIND_PUBLIC_URL, public_url),

    [K_ADMIN_ADDRESS] = KEY(SEC_ADMIN, "address", KIND_ADDRESS, admin_address),
    [K_ADMIN_PORT] = NUM(SEC_ADMIN, "port", KIND_INT, admin_port, 0, 65535),

    [K_LOSS_THRESHOLD_PCT] =
        NUM(SEC_FAILOVER, "loss_threshold_pct", KIND_DOUBLE, loss_threshold_pct, 0, 100),
    [K_DETECT_WINDOW_S] = NUM(SEC_FAILOVER, "detect_window_s", KIND_INT, detect_window_s, 1, 86400),
    [K_FAILBACK_MAX_LOSS_PCT] =
        NUM(SEC_FAILOVER, "failback_max_loss_pct", KIND_DOUBLE, failback_max_loss_pct, 0, 100),
    [K_CLEAN_WINDOW_S] = NUM(SEC_FAILOVER, "clean_window_s", KIND_INT, clean_window_s, 1, 86400),
    [K_RECONCILE_INTERVAL_S] =
        NUM(SEC_FAILOVER, "reconcile_interval_s", KIND_INT, reconcile_interval_s, 1, 86400),
    [K_CONFIRM_WINDOW_S] =
        NUM(SEC_FAILOVER, "confirm_window_s", KIND_INT, confirm_window_s, 1, 86400),
    [K_CONFIRM_INTERVAL_S] =
        NUM(SEC_FAILOVER, "confirm_interval_s", KIND_INT, confirm_interval_s, 1, 3600),
    [K_TRIGGER_ALERT_TYPES] =
        KEY(SEC_FAILOVER, "trigger_alert_types", KIND_ALERT_TYPES, trigger_alert_types),
    [K_UPLINKS] = KEY(SEC_FAILOVER, "uplinks", KIND_UPLINKS, uplinks),
    [K_HOLD_TAG] = KEY(SEC_FAILOVER, "hold_tag", KIND_TAG, hold_tag),
    [K_REQUIRE_BACKUP_HEALTHY] =
        KEY(SEC_FAILOVER, "require_backup_healthy", KIND_BOOL, require_backup_healthy),
    [K_FAILBACK] = KEY(SEC_FAILOVER, "failback", KIND_FAILBACK, failback_auto),
    [K_DRY_RUN] = KEY(SEC_FAILOVER, "dry_run", KIND_BOOL, dry_run),
    [K_EVIDENCE] = KEY(SEC_FAILOVER, "evidence", KIND_EVIDENCE, evidence_live),
    [K_LIVE_PING_COUNT] = NUM(SEC_FAILOVER, "live_ping_count", KIND_INT, live_ping_count, 1, 5),
    [K_LIVE_PING_TIMEOUT_S] =
        NUM(SEC_FAILOVER, "live_ping_timeout_s", KIND_INT, live_ping_timeout_s, 1, 600),
    [K_LIVE_PING_INTERVAL_S] =
        NUM(SEC_FAILOVER, "live_ping_interval_s", KIND_INT, live_ping_interval_s, 1, 3600),
    [K_LIVE_PING_MAX_INFLIGHT] =
        NUM(SEC_FAILOVER, "live_ping_max_inflight", KIND_INT, live_ping_max_inflight, 1, 100),
    [K_VPN_STATUS_HINT] = KEY(SEC_FAILOVER, "vpn_status_hint", KIND_BOOL, vpn_status_hint),
    [K_BULK_RETAG] = KEY(SEC_FAILOVER, "bulk_retag", KIND_BULK, bulk_retag),

    [K_LOG_FORMAT] = KEY(SEC_LOG, "format", KIND_LOG_FORMAT, log_format),
    [K_LOG_LEVEL] = KEY(SEC_LOG, "level", KIND_LOG_LEVEL, log_level),

    [K_NOTIFY_COMMAND] = KEY(SEC_NOTIFY, "command", KIND_COMMAND, notify_command),
    [K_NOTIFY_URL] = KEY(SEC_NOTIFY, "url", KIND_NOTIFY_URL, notify_url),
    [K_NOTIFY_TIMEOUT_S] = NUM(SEC_NOTIFY, "timeout_s", KIND_INT, notify_timeout_s, 1, 600),
};

const char *const config_mode_names[] = {"tls", "plain", "off", NULL};
const char *const config_format_names[] = {"json", "text", NULL};
const char *const config_level_names[] = {"debug", "info", "warn", "error", NULL};
const char *const config_failback_names[] = {"auto", "manual", NULL};
const char *const config_bulk_names[] = {"auto", "off", NULL};
const char *const config_uplink_names[] = {"wan1", "wan2", "wan3", "cellular", NULL};
static const char *const config_default_alert_types[] = {
    "failover_event", "vpn_connectivity_change", "cellular_down", NULL};

/* ---- "did you mean" ---------------------------------------------------------------------- */

const char *config_key_suggest(config_section sec, const char *name)
{
    const char *names[K_COUNT];
    size_t n = 0;

    for (size_t k = 0; k < K_COUNT; k++)
        if (config_keys[k].section == sec)
            names[n++] = config_keys[k].name;
    return suggest_nearest(name, names, n);
}

config_section config_key_home(config_section sec, const char *name)
{
    for (size_t k = 0; k < K_COUNT; k++)
        if (config_keys[k].section != sec && strcmp(config_keys[k].name, name) == 0)
            return config_keys[k].section;
    return SEC_NONE;
}

const char *config_section_suggest(const char *name)
{
    return suggest_nearest(name, config_section_names, SEC_COUNT);
}

const char *config_strerror(config_err e)
{
    switch (e) {
    case CONFIG_OK:
        return "success";
    case CONFIG_ERR_IO:
        return "cannot read the configuration file";
    case CONFIG_ERR_INVALID:
        return "invalid configuration";
    case CONFIG_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown configuration error";
}

const char *config_log_level_name(config_log_level l)
{
    if ((unsigned)l < sizeof(config_level_names) / sizeof(config_level_names[0]) - 1)
        return config_level_names[l];
    return "unknown";
}

void config_strs_free(config_strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void config_cidrs_free(config_cidr_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

bool config_strs_contains(const config_strs *l, const char *s)
{
    if (l == NULL || s == NULL)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

const char *config_site_tracked_ip(const config *c, const char *site)
{
    if (c == NULL || site == NULL)
        return NULL;
    for (size_t i = 0; i < c->n_sites; i++)
        if (strcmp(c->sites[i].name, site) == 0)
            return c->sites[i].tracked_ip;
    return NULL;
}

config_err config_defaults(config *c)
{
    if (c == NULL)
        return CONFIG_ERR_INVALID;
    memset(c, 0, sizeof(*c));
    c->base_url = strdup("https://api.meraki.com/api/v1");
    c->requests_per_second = 9;
    c->requests_burst = 5;
    c->requests_per_second_total = 90;
    c->shard = (shard_spec){.index = 0, .count = 1};
    c->data_lag_s = 120;
    c->timeout_s = 30;
    c->max_retries = 5;
    c->listener_mode = CONFIG_LISTENER_TLS;
    c->listener_address = strdup("0.0.0.0");
    c->listener_port = 8443;
    c->cert_file = strdup("certs/server.crt");
    c->key_file = strdup("certs/server.key");
    c->webhook_path = strdup("/webhook");
    c->max_body_bytes = 65536;
    c->max_connections = 256;
    c->connection_timeout_s = 10;
    c->admin_address = strdup("127.0.0.1");
    c->admin_port = 9901;
    c->loss_threshold_pct = 30;
    c->detect_window_s = 300;
    c->failback_max_loss_pct = 0;
    c->clean_window_s = 300;
    c->reconcile_interval_s = 30;
    c->confirm_window_s = 180;
    c->confirm_interval_s = 5;
    c->uplinks_active = true;
    c->hold_tag = strdup("tagfailover_hold");
    c->require_backup_healthy = true;
    c->failback_auto = true;
    c->dry_run = false;
    c->evidence_live = true;
    c->live_ping_count = 5;
    c->live_ping_timeout_s = 15;
    c->live_ping_interval_s = 30;
    c->live_ping_max_inflight = 5;
    c->vpn_status_hint = true;
    c->bulk_retag = true;
    c->log_format = CONFIG_LOG_JSON;
    c->log_level = CONFIG_LOG_INFO;
    c->notify_timeout_s = 10;

    size_t n = sizeof(config_default_alert_types) / sizeof(config_default_alert_types[0]) - 1;
    c->trigger_alert_types.v = calloc(n, sizeof(char *));
    bool ok = c->trigger_alert_types.v != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        c->trigger_alert_types.v[i] = strdup(config_default_alert_types[i]);
        ok = c->trigger_alert_types.v[i] != NULL;
        c->trigger_alert_types.n += ok;
    }
    if (!ok || c->base_url == NULL || c->listener_address == NULL || c->cert_file == NULL ||
        c->key_file == NULL || c->webhook_path == NULL || c->admin_address == NULL ||
        c->hold_tag == NULL) {
        config_free(c);
        return CONFIG_ERR_NOMEM;
    }
    return CONFIG_OK;
}

void config_free(config *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free(c->base_url);
    if (c->api_key != NULL)
        explicit_bzero(c->api_key, strlen(c->api_key));
    free(c->api_key);
    free(c->api_key_file);
    config_strs_free(&c->organization_ids);
    free(c->ca_file);
    free(c->listener_address);
    free(c->cert_file);
    free(c->key_file);
    free(c->webhook_path);
    free(c->public_url);
    if (c->shared_secret != NULL)
        explicit_bzero(c->shared_secret, strlen(c->shared_secret));
    free(c->shared_secret);
    free(c->shared_secret_file);
    config_cidrs_free(&c->trusted_proxies);
    config_cidrs_free(&c->allowed_sources);
    free(c->admin_address);
    config_strs_free(&c->trigger_alert_types);
    config_strs_free(&c->uplinks);
    free(c->hold_tag);
    free(c->notify_command);
    if (c->notify_url != NULL)
        explicit_bzero(c->notify_url, strlen(c->notify_url));
    free(c->notify_url);
    for (size_t i = 0; i < c->n_sites; i++) {
        free(c->sites[i].name);
        free(c->sites[i].tracked_ip);
    }
    free(c->sites);
    config_strs_free(&c->warnings);
    memset(c, 0, sizeof(*c));
}
