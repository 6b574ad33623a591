/*
 * h_webhooks.c - webhook set-up operations and test deliveries (see h_webhooks.h).
 */
#include "h_webhooks.h"

#include "isotime.h"
#include "state.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Meraki allows 10 HTTP servers per network; the fake also caps the totals. */
#define HWEB_MAX_PER_NETWORK 10
#define HWEB_MAX_SERVERS     100000
#define HWEB_MAX_TESTS       1024
/* Delivery: attempts, pause between them, and time allowed per attempt. */
#define HWEB_ATTEMPTS  3
#define HWEB_RETRY_MS  1000
#define HWEB_TIMEOUT_S 5L

struct hweb_server {
    char *id;
    char *network_id;
    char *name;
    char *url;
    char *secret;
    char *tpl_id;
    char *tpl_name;
};

struct hweb_test {
    unsigned long long id;
    char *network_id;
    char *url;
    char *alert_type_id;
    const char *status; /* static string from the spec's enum */
    int attempts;
    long last_http_status;
};

struct hweb_type {
    const char *id;
    const char *name;
    const char *level;
    const char *model;
    const char *data; /* alertData as JSON text */
};

/* The alert types the fake knows, with alertData as Meraki's own examples give it. */
static const struct hweb_type hweb_types[] = {
    {"failover_event", "Uplink status changed", "warning", "MX", "{\"uplink\":\"0\"}"},
    {"vpn_connectivity_change", "VPN connectivity changed", "warning", "MX",
     "{\"vpnType\":\"site-to-site\",\"peerIdent\":\"203.0.113.10\",\"peerIp\":\"203.0.113.10\","
     "\"connectivity\":\"false\"}"},
    {"cellular_down", "Cellular went down", "warning", "MX",
     "{\"bytesIn\":\"1861\",\"bytesOut\":\"1880\",\"connectTime\":\"2\",\"provider\":"
     "\"Purview Wireless\",\"model\":\"UML290VW\",\"local\":\"192.168.1.2\",\"remote\":"
     "\"1.2.3.5\",\"connection\":\"LTE\"}"},
    {"cellular_up", "Cellular came up", "informational", "MX",
     "{\"provider\":\"Purview Wireless\",\"model\":\"UML290VW\",\"local\":\"192.168.1.2\","
     "\"remote\":\"1.2.3.5\",\"connection\":\"LTE\"}"},
    {"settings_changed", "Settings changed", "informational", "",
     "{\"name\":\"Network-wide\",\"url\":\"/manage/configure/general\",\"changes\":{},"
     "\"userId\":\"0000000000000000\"}"},
    {"power_supply_down", "Power supply went down", "critical", "MS", "{\"num\":2}"},
    {"power_supply_up", "Power supply came up", "informational", "MS", "{\"num\":2}"},
    {"stopped_reporting", "APs went down", "critical", "MR", "{}"},
    {"started_reporting", "APs came up", "informational", "MR", "{}"},
};

/* The alert settings types of an appliance network (camelCase, as the settings call them). */
static const char *const hweb_setting_types[] = {"applianceDown",
                                                 "failoverEvent",
                                                 "vpnConnectivityChange",
                                                 "cellularUpDown",
                                                 "dhcpNoLeases",
                                                 "ipConflict",
                                                 "rogueDhcp",
                                                 "settingsChanged",
                                                 "usageAlert",
                                                 "uplinkIp6Conflict",
                                                 NULL};

static struct hweb_server *hweb_servers;
static size_t hweb_nservers, hweb_capservers;
static struct hweb_test hweb_tests[HWEB_MAX_TESTS];
static size_t hweb_ntests;
static unsigned long long hweb_next_test = 1000;
static struct json_object *hweb_alerts; /* networkId -> settings object */

/* Deliveries in flight, so exit can wait for them. */
static pthread_mutex_t hweb_active_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hweb_active_cv = PTHREAD_COND_INITIALIZER;
static int hweb_active;
static int hweb_stopping;

/* ---- helpers ---- */

/* URL-safe Base64 (RFC 4648 section 5): the id goes into a path segment, where "/" would
 * split it. */
static char *hweb_base64(const char *s)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t len = strlen(s), o = 0;
    char *out = malloc((len + 2) / 3 * 4 + 1);
    const unsigned char *p = (const unsigned char *)s;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;

        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static const char *hweb_template_name(const char *id)
{
    static const char *const names[][2] = {
        {"wpt_00001", "Meraki (included)"},   {"wpt_00002", "Webex (included)"},
        {"wpt_00003", "Slack (included)"},    {"wpt_00004", "Microsoft Teams (included)"},
        {"wpt_00005", "Callback (included)"}, {"wpt_00006", "ServiceNow (included)"},
    };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(id, names[i][0]) == 0)
            return names[i][1];
    return "Custom template";
}

static int hweb_is_http_url(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static const struct hweb_type *hweb_type_find(const char *id)
{
    for (size_t i = 0; i < sizeof hweb_types / sizeof hweb_types[0]; i++)
        if (strcmp(hweb_types[i].id, id) == 0)
            return &hweb_types[i];
    return NULL;
}

static void hweb_server_free(struct hweb_server *s)
{
    free(s->id);
    free(s->network_id);
    free(s->name);
    free(s->url);
    free(s->secret);
    free(s->tpl_id);
    free(s->tpl_name);
}

static void hweb_test_free(struct hweb_test *t)
{
    free(t->network_id);
    free(t->url);
    free(t->alert_type_id);
}

void hweb_reset(void)
{
    for (size_t i = 0; i < hweb_nservers; i++)
        hweb_server_free(&hweb_servers[i]);
    free(hweb_servers);
    hweb_servers = NULL;
    hweb_nservers = hweb_capservers = 0;
    for (size_t i = 0; i < hweb_ntests; i++)
        hweb_test_free(&hweb_tests[i]);
    hweb_ntests = 0;
    json_object_put(hweb_alerts);
    hweb_alerts = NULL;
}

static struct hweb_server *hweb_server_find(const char *network_id, const char *id)
{
    for (size_t i = 0; i < hweb_nservers; i++)
        if (strcmp(hweb_servers[i].network_id, network_id) == 0 &&
            strcmp(hweb_servers[i].id, id) == 0)
            return &hweb_servers[i];
    return NULL;
}

static struct json_object *hweb_server_json(const struct hweb_server *s, int with_secret)
{
    struct json_object *o = json_object_new_object(), *t = json_object_new_object();

    json_object_object_add(o, "id", json_object_new_string(s->id));
    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "url", json_object_new_string(s->url));
    json_object_object_add(o, "networkId", json_object_new_string(s->network_id));
    json_object_object_add(t, "payloadTemplateId", json_object_new_string(s->tpl_id));
    json_object_object_add(t, "name", json_object_new_string(s->tpl_name));
    json_object_object_add(o, "payloadTemplate", t);
    if (with_secret)
        json_object_object_add(o, "sharedSecret", json_object_new_string(s->secret));
    return o;
}

/* Reads payloadTemplate.payloadTemplateId from a body; -1 on a wrong type. */
static int hweb_template_id(struct json_object *body, const char **out)
{
    struct json_object *t, *id;

    *out = NULL;
    if (!json_object_object_get_ex(body, "payloadTemplate", &t))
        return 0;
    if (!json_object_is_type(t, json_type_object))
        return -1;
    if (!json_object_object_get_ex(t, "payloadTemplateId", &id))
        return 0;
    if (!json_object_is_type(id, json_type_string))
        return -1;
    *out = json_object_get_string(id);
    return 0;
}

static int hweb_opt_string(struct json_object *body, const char *key, const char **out)
{
    struct json_object *v;

    *out = NULL;
    if (!json_object_object_get_ex(body, key, &v))
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *out = json_object_get_string(v);
    return 0;
}

/* ---- HTTP servers ---- */

static struct state_network *hweb_network(struct api_ctx *ctx)
{
    struct state_network *n = state_net_find(ctx->st, ctx->args[0]);

    if (n == NULL)
        api_not_found(ctx);
    return n;
}

static void hweb_list_servers(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct json_object *a;

    if (n == NULL)
        return;
    a = json_object_new_array();
    for (size_t i = 0; i < hweb_nservers; i++)
        if (strcmp(hweb_servers[i].network_id, n->id) == 0)
            json_object_array_add(a, hweb_server_json(&hweb_servers[i], 0));
    http_reply_json(ctx->reply, 200, a);
}

static void hweb_create_server(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct json_object *body;
    const char *name, *url, *secret, *tpl;
    struct hweb_server s = {0};
    size_t count = 0;
    char *id;

    if (n == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    if (hweb_opt_string(body, "name", &name) || hweb_opt_string(body, "url", &url) ||
        hweb_opt_string(body, "sharedSecret", &secret) || hweb_template_id(body, &tpl) ||
        name == NULL || url == NULL) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'name' and 'url' are required strings");
        return;
    }
    if (!hweb_is_http_url(url)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'url' must be an http or https URL");
        return;
    }
    id = hweb_base64(url);
    for (size_t i = 0; i < hweb_nservers; i++) {
        if (strcmp(hweb_servers[i].network_id, n->id) != 0)
            continue;
        count++;
        if (id && strcmp(hweb_servers[i].id, id) == 0) {
            free(id);
            json_object_put(body);
            http_reply_error(ctx->reply, 400, "Url has already been taken");
            return;
        }
    }
    if (count >= HWEB_MAX_PER_NETWORK || hweb_nservers >= HWEB_MAX_SERVERS) {
        free(id);
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "Too many HTTP servers for this network");
        return;
    }
    if (hweb_nservers == hweb_capservers) {
        size_t ncap = hweb_capservers ? hweb_capservers * 2 : 8;
        struct hweb_server *nv = realloc(hweb_servers, ncap * sizeof *nv);

        if (nv == NULL) {
            free(id);
            json_object_put(body);
            http_reply_error(ctx->reply, 500, "out of memory");
            return;
        }
        hweb_servers = nv;
        hweb_capservers = ncap;
    }
    s.id = id;
    s.network_id = strdup(n->id);
    s.name = strdup(name);
    s.url = strdup(url);
    s.secret = strdup(secret ? secret : "");
    s.tpl_id = strdup(tpl ? tpl : "wpt_00001");
    s.tpl_name = strdup(hweb_template_name(s.tpl_id));
    json_object_put(body);
    if (!s.id || !s.network_id || !s.name || !s.url || !s.secret || !s.tpl_id || !s.tpl_name) {
        hweb_server_free(&s);
        http_reply_error(ctx->reply, 500, "out of memory");
        return;
    }
    hweb_servers[hweb_nservers++] = s;
    http_reply_json(ctx->reply, 201, hweb_server_json(&s, 0));
}

static struct hweb_server *hweb_server_arg(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct hweb_server *s;

    if (n == NULL)
        return NULL;
    s = hweb_server_find(n->id, ctx->args[1]);
    if (s == NULL)
        api_not_found(ctx);
    return s;
}

static void hweb_get_server(struct api_ctx *ctx)
{
    struct hweb_server *s = hweb_server_arg(ctx);

    if (s)
        http_reply_json(ctx->reply, 200, hweb_server_json(s, 0));
}

static int hweb_set(char **field, const char *v)
{
    char *copy;

    if (v == NULL)
        return 0;
    if ((copy = strdup(v)) == NULL)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

static void hweb_update_server(struct api_ctx *ctx)
{
    struct hweb_server *s = hweb_server_arg(ctx);
    struct json_object *body;
    const char *name, *secret, *tpl, *url;

    if (s == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    if (hweb_opt_string(body, "name", &name) || hweb_opt_string(body, "sharedSecret", &secret) ||
        hweb_template_id(body, &tpl) || hweb_opt_string(body, "url", &url)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400,
                         "'name', 'sharedSecret' and 'payloadTemplate' have "
                         "the wrong type");
        return;
    }
    if (url && strcmp(url, s->url) != 0) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "To change a URL, create a new HTTP server");
        return;
    }
    if (hweb_set(&s->name, name) || hweb_set(&s->secret, secret) || hweb_set(&s->tpl_id, tpl) ||
        (tpl && hweb_set(&s->tpl_name, hweb_template_name(tpl)))) {
        json_object_put(body);
        http_reply_error(ctx->reply, 500, "out of memory");
        return;
    }
    json_object_put(body);
    http_reply_json(ctx->reply, 200, hweb_server_json(s, 0));
}

/* Removes `id` from one httpServerIds array (a deleted server receives nothing). */
static void hweb_unlink_id(struct json_object *dest, const char *id)
{
    struct json_object *ids;

    if (!dest || !json_object_object_get_ex(dest, "httpServerIds", &ids))
        return;
    for (size_t i = json_object_array_length(ids); i-- > 0;)
        if (strcmp(json_object_get_string(json_object_array_get_idx(ids, i)), id) == 0)
            json_object_array_del_idx(ids, i, 1);
}

static void hweb_delete_server(struct api_ctx *ctx)
{
    struct hweb_server *s = hweb_server_arg(ctx);
    struct json_object *settings, *alerts, *dest;

    if (s == NULL)
        return;
    if (hweb_alerts && json_object_object_get_ex(hweb_alerts, s->network_id, &settings)) {
        json_object_object_get_ex(settings, "defaultDestinations", &dest);
        hweb_unlink_id(dest, s->id);
        if (json_object_object_get_ex(settings, "alerts", &alerts)) {
            for (size_t i = 0; i < json_object_array_length(alerts); i++) {
                dest = NULL;
                json_object_object_get_ex(json_object_array_get_idx(alerts, i), "alertDestinations",
                                          &dest);
                hweb_unlink_id(dest, s->id);
            }
        }
    }
    hweb_server_free(s);
    *s = hweb_servers[--hweb_nservers];
    ctx->reply->status = 204;
}

/* ---- webhook tests and deliveries ---- */

/* The Meraki-format alert body (the 22 fields, in Meraki's order). State lock held. */
static char *hweb_payload(const struct state_network *n, const struct hweb_type *type,
                          const char *secret, double now)
{
    struct json_object *o = json_object_new_object(), *tags = json_object_new_array();
    struct json_object *dtags = json_object_new_array(), *data;
    char when[48], url[512], mac[32];
    char *out;

    isotime_format_us(now, when, sizeof when);
    json_object_object_add(o, "version", json_object_new_string("0.1"));
    json_object_object_add(o, "sharedSecret", json_object_new_string(secret));
    json_object_object_add(o, "sentAt", json_object_new_string(when));
    json_object_object_add(o, "organizationId", json_object_new_string(n->org->id));
    json_object_object_add(o, "organizationName", json_object_new_string(n->org->name));
    json_object_object_add(o, "organizationUrl",
                           json_object_new_string("https://dashboard.meraki.com/o/fakedash/"
                                                  "manage/organization/overview"));
    json_object_object_add(o, "networkId", json_object_new_string(n->id));
    json_object_object_add(o, "networkName", json_object_new_string(n->name));
    snprintf(url, sizeof url, "https://n1.meraki.com/fakedash/n/%s/manage/nodes/list", n->id);
    json_object_object_add(o, "networkUrl", json_object_new_string(url));
    for (size_t i = 0; i < n->ntags; i++)
        json_object_array_add(tags, json_object_new_string(n->tags[i]));
    json_object_object_add(o, "networkTags", tags);
    snprintf(mac, sizeof mac, "e0:55:3d:%02zx:%02zx:%02zx", (n->index >> 16) & 255,
             (n->index >> 8) & 255, n->index & 255);
    json_object_object_add(o, "deviceSerial", json_object_new_string(n->serial ? n->serial : ""));
    json_object_object_add(o, "deviceMac", json_object_new_string(mac));
    json_object_object_add(o, "deviceName", json_object_new_string(n->name));
    json_object_object_add(o, "deviceUrl", json_object_new_string(""));
    json_object_object_add(o, "deviceTags", dtags);
    json_object_object_add(o, "deviceModel",
                           json_object_new_string(type->model[0] ? n->model : ""));
    /* Test deliveries use the all-zero alertId, as Meraki's do. */
    json_object_object_add(o, "alertId", json_object_new_string("0000000000000000"));
    json_object_object_add(o, "alertType", json_object_new_string(type->name));
    json_object_object_add(o, "alertTypeId", json_object_new_string(type->id));
    json_object_object_add(o, "alertLevel", json_object_new_string(type->level));
    json_object_object_add(o, "occurredAt", json_object_new_string(when));
    data = json_tokener_parse(type->data);
    json_object_object_add(o, "alertData", data ? data : json_object_new_object());
    out = strdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return out;
}

/* Whether url points at this host by the names the fake may contact: 127.0.0.1, localhost. */
static int hweb_is_local(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *scheme = NULL;
    int local = 0;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
        local = (strcasecmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0) &&
                (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return local;
}

static struct hweb_test *hweb_test_find(unsigned long long id)
{
    for (size_t i = 0; i < hweb_ntests; i++)
        if (hweb_tests[i].id == id)
            return &hweb_tests[i];
    return NULL;
}

struct hweb_job {
    unsigned long long test_id;
    char *url;
    char *body;
    char *ca_file;
};

static void hweb_job_status(unsigned long long id, const char *status, int attempts, long http)
{
    struct hweb_test *t;

    state_lock();
    if ((t = hweb_test_find(id)) != NULL) {
        t->status = status;
        t->attempts = attempts;
        t->last_http_status = http;
    }
    state_unlock();
}

static size_t hweb_discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static long hweb_post(const struct hweb_job *job)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    long code = 0;

    if (c == NULL)
        return 0;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "User-Agent: MerakiWebhooks (fakedash)");
    curl_easy_setopt(c, CURLOPT_URL, job->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, job->body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, HWEB_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hweb_discard);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (job->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, job->ca_file);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return code;
}

static void *hweb_deliver(void *arg)
{
    struct hweb_job *job = arg;
    const char *final = "abandoned";
    long code = 0;
    int attempt;

    for (attempt = 1; attempt <= HWEB_ATTEMPTS; attempt++) {
        hweb_job_status(job->test_id, attempt == 1 ? "processing" : "retrying", attempt - 1, code);
        code = hweb_post(job);
        if (code >= 200 && code < 300) {
            final = "delivered";
            break;
        }
        pthread_mutex_lock(&hweb_active_mu);
        if (!hweb_stopping && attempt < HWEB_ATTEMPTS) {
            struct timespec until;

            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += HWEB_RETRY_MS / 1000;
            pthread_cond_timedwait(&hweb_active_cv, &hweb_active_mu, &until);
        }
        if (hweb_stopping)
            attempt = HWEB_ATTEMPTS;
        pthread_mutex_unlock(&hweb_active_mu);
    }
    hweb_job_status(job->test_id, final, attempt > HWEB_ATTEMPTS ? HWEB_ATTEMPTS : attempt, code);
    free(job->url);
    free(job->body);
    free(job->ca_file);
    free(job);
    pthread_mutex_lock(&hweb_active_mu);
    hweb_active--;
    pthread_cond_broadcast(&hweb_active_cv);
    pthread_mutex_unlock(&hweb_active_mu);
    return NULL;
}

static int hweb_start_delivery(struct hweb_job *job)
{
    pthread_t th;
    pthread_attr_t attr;
    int rc;

    pthread_mutex_lock(&hweb_active_mu);
    if (hweb_stopping) {
        pthread_mutex_unlock(&hweb_active_mu);
        return -1;
    }
    hweb_active++;
    pthread_mutex_unlock(&hweb_active_mu);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&th, &attr, hweb_deliver, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_lock(&hweb_active_mu);
        hweb_active--;
        pthread_mutex_unlock(&hweb_active_mu);
        return -1;
    }
    return 0;
}

void hweb_shutdown(int timeout_ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    pthread_mutex_lock(&hweb_active_mu);
    hweb_stopping = 1;
    pthread_cond_broadcast(&hweb_active_cv);
    while (hweb_active > 0)
        if (pthread_cond_timedwait(&hweb_active_cv, &hweb_active_mu, &until) != 0)
            break;
    pthread_mutex_unlock(&hweb_active_mu);
}

static struct json_object *hweb_test_json(const struct hweb_test *t, int full)
{
    struct json_object *o = json_object_new_object();
    char id[32];

    snprintf(id, sizeof id, "%llu", t->id);
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "url", json_object_new_string(t->url));
    json_object_object_add(o, "status", json_object_new_string(t->status));
    if (full) {
        json_object_object_add(o, "networkId", json_object_new_string(t->network_id));
        json_object_object_add(o, "alertTypeId", json_object_new_string(t->alert_type_id));
        json_object_object_add(o, "attempts", json_object_new_int(t->attempts));
        json_object_object_add(o, "last_http_status",
                               json_object_new_int((int)t->last_http_status));
    }
    return o;
}

static void hweb_create_test(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct json_object *body;
    const char *url, *secret, *tpl, *tpl_name, *type_id;
    const struct hweb_type *type;
    struct hweb_test *t;
    struct hweb_job *job;

    if (n == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    if (hweb_opt_string(body, "url", &url) || hweb_opt_string(body, "sharedSecret", &secret) ||
        hweb_opt_string(body, "payloadTemplateId", &tpl) ||
        hweb_opt_string(body, "payloadTemplateName", &tpl_name) ||
        hweb_opt_string(body, "alertTypeId", &type_id) || url == NULL || !hweb_is_http_url(url)) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "'url' must be an http or https URL");
        return;
    }
    type = hweb_type_find(type_id ? type_id : "power_supply_down");
    if (type == NULL) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, "Unsupported alertTypeId");
        return;
    }
    /* Without a sharedSecret, the test carries the secret of this network's server for the
     * same url (what an operator checking a set-up wants); else the empty string. */
    if (secret == NULL) {
        secret = "";
        for (size_t i = 0; i < hweb_nservers; i++)
            if (strcmp(hweb_servers[i].network_id, n->id) == 0 &&
                strcmp(hweb_servers[i].url, url) == 0)
                secret = hweb_servers[i].secret;
    }
    if (hweb_ntests == HWEB_MAX_TESTS) {
        hweb_test_free(&hweb_tests[0]);
        memmove(hweb_tests, hweb_tests + 1, (HWEB_MAX_TESTS - 1) * sizeof *hweb_tests);
        hweb_ntests--;
    }
    t = &hweb_tests[hweb_ntests++];
    memset(t, 0, sizeof *t);
    t->id = hweb_next_test++;
    t->network_id = strdup(n->id);
    t->url = strdup(url);
    t->alert_type_id = strdup(type->id);
    t->status = "enqueued";
    job = calloc(1, sizeof *job);
    if (job && hweb_is_local(url)) {
        job->test_id = t->id;
        job->url = strdup(url);
        job->body = hweb_payload(n, type, secret, ctx->now);
        job->ca_file = ctx->st->cfg.webhook_ca_file ? strdup(ctx->st->cfg.webhook_ca_file) : NULL;
        if (hweb_start_delivery(job) != 0) {
            t->status = "abandoned";
            free(job->url);
            free(job->body);
            free(job->ca_file);
            free(job);
        }
    } else {
        /* The fake never contacts any other host. */
        t->status = "abandoned";
        free(job);
    }
    json_object_put(body);
    http_reply_json(ctx->reply, 201, hweb_test_json(t, 0));
    /* The answer says "enqueued" even when the delivery already started, as Meraki's does. */
}

static void hweb_get_test(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    char *end;
    unsigned long long id;
    struct hweb_test *t;

    if (n == NULL)
        return;
    id = strtoull(ctx->args[1], &end, 10);
    t = *end == '\0' ? hweb_test_find(id) : NULL;
    if (t == NULL || strcmp(t->network_id, n->id) != 0) {
        api_not_found(ctx);
        return;
    }
    http_reply_json(ctx->reply, 200, hweb_test_json(t, 0));
}

/* ---- alert settings ---- */

static struct json_object *hweb_destinations_new(void)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "emails", json_object_new_array());
    json_object_object_add(d, "allAdmins", json_object_new_boolean(0));
    json_object_object_add(d, "snmp", json_object_new_boolean(0));
    json_object_object_add(d, "httpServerIds", json_object_new_array());
    return d;
}

/* The network's settings, created with every alert off on first use. */
static struct json_object *hweb_settings(const char *network_id)
{
    struct json_object *s, *alerts, *muting, *bps;

    if (hweb_alerts == NULL)
        hweb_alerts = json_object_new_object();
    if (json_object_object_get_ex(hweb_alerts, network_id, &s))
        return s;
    s = json_object_new_object();
    json_object_object_add(s, "defaultDestinations", hweb_destinations_new());
    alerts = json_object_new_array();
    for (size_t i = 0; hweb_setting_types[i]; i++) {
        struct json_object *a = json_object_new_object(), *f = json_object_new_object();

        json_object_object_add(a, "type", json_object_new_string(hweb_setting_types[i]));
        json_object_object_add(a, "enabled", json_object_new_boolean(0));
        json_object_object_add(a, "alertDestinations", hweb_destinations_new());
        if (strcmp(hweb_setting_types[i], "applianceDown") == 0)
            json_object_object_add(f, "timeout", json_object_new_int(5));
        json_object_object_add(a, "filters", f);
        json_object_array_add(alerts, a);
    }
    json_object_object_add(s, "alerts", alerts);
    muting = json_object_new_object();
    bps = json_object_new_object();
    json_object_object_add(bps, "enabled", json_object_new_boolean(0));
    json_object_object_add(muting, "byPortSchedules", bps);
    json_object_object_add(s, "muting", muting);
    json_object_object_add(hweb_alerts, network_id, s);
    return s;
}

static void hweb_get_settings(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);

    if (n)
        http_reply_json(ctx->reply, 200, json_object_get(hweb_settings(n->id)));
}

static int hweb_strings(struct json_object *a)
{
    if (!json_object_is_type(a, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++)
        if (!json_object_is_type(json_object_array_get_idx(a, i), json_type_string))
            return 0;
    return 1;
}

/* Checks a destinations object of a PUT; returns an error message or NULL. */
static const char *hweb_check_dest(const char *network_id, struct json_object *d)
{
    struct json_object *v;

    if (!json_object_is_type(d, json_type_object))
        return "destinations must be objects";
    if (json_object_object_get_ex(d, "emails", &v) && !hweb_strings(v))
        return "'emails' must be an array of strings";
    if (json_object_object_get_ex(d, "allAdmins", &v) && !json_object_is_type(v, json_type_boolean))
        return "'allAdmins' must be a boolean";
    if (json_object_object_get_ex(d, "snmp", &v) && !json_object_is_type(v, json_type_boolean))
        return "'snmp' must be a boolean";
    if (json_object_object_get_ex(d, "httpServerIds", &v)) {
        if (!hweb_strings(v))
            return "'httpServerIds' must be an array of strings";
        for (size_t i = 0; i < json_object_array_length(v); i++)
            if (!hweb_server_find(network_id,
                                  json_object_get_string(json_object_array_get_idx(v, i))))
                return "'httpServerIds' names an HTTP server this network does not have";
    }
    return NULL;
}

/* Copies the keys of `from` into `into` (a shallow merge, as Meraki's PUT does). */
static void hweb_merge(struct json_object *into, struct json_object *from)
{
    json_object_object_foreach(from, key, val)
    {
        json_object_object_add(into, key, json_object_get(val));
    }
}

static struct json_object *hweb_alert_find(struct json_object *alerts, const char *type)
{
    for (size_t i = 0; i < json_object_array_length(alerts); i++) {
        struct json_object *a = json_object_array_get_idx(alerts, i), *t;

        if (json_object_object_get_ex(a, "type", &t) &&
            strcmp(json_object_get_string(t), type) == 0)
            return a;
    }
    return NULL;
}

/* Validates a whole alerts PUT body; returns an error message or NULL. */
static const char *hweb_check_settings(const char *network_id, struct json_object *body,
                                       struct json_object *alerts_now)
{
    struct json_object *v, *alerts;
    const char *msg;

    if (json_object_object_get_ex(body, "defaultDestinations", &v) &&
        (msg = hweb_check_dest(network_id, v)))
        return msg;
    if (json_object_object_get_ex(body, "muting", &v) && !json_object_is_type(v, json_type_object))
        return "'muting' must be an object";
    if (!json_object_object_get_ex(body, "alerts", &alerts))
        return NULL;
    if (!json_object_is_type(alerts, json_type_array))
        return "'alerts' must be an array";
    for (size_t i = 0; i < json_object_array_length(alerts); i++) {
        struct json_object *a = json_object_array_get_idx(alerts, i), *t;

        if (!json_object_is_type(a, json_type_object) ||
            !json_object_object_get_ex(a, "type", &t) || !json_object_is_type(t, json_type_string))
            return "each alert needs a 'type'";
        if (!hweb_alert_find(alerts_now, json_object_get_string(t)))
            return "Unsupported alert type for this network";
        if (json_object_object_get_ex(a, "enabled", &v) &&
            !json_object_is_type(v, json_type_boolean))
            return "'enabled' must be a boolean";
        if (json_object_object_get_ex(a, "alertDestinations", &v) &&
            (msg = hweb_check_dest(network_id, v)))
            return msg;
        if (json_object_object_get_ex(a, "filters", &v) &&
            !json_object_is_type(v, json_type_object))
            return "'filters' must be an object";
    }
    return NULL;
}

static void hweb_put_settings(struct api_ctx *ctx)
{
    struct state_network *n = hweb_network(ctx);
    struct json_object *body, *s, *v, *cur, *alerts, *alerts_now;
    const char *msg;

    if (n == NULL || (body = api_body_object(ctx)) == NULL)
        return;
    s = hweb_settings(n->id);
    json_object_object_get_ex(s, "alerts", &alerts_now);
    if ((msg = hweb_check_settings(n->id, body, alerts_now)) != NULL) {
        json_object_put(body);
        http_reply_error(ctx->reply, 400, msg);
        return;
    }
    if (json_object_object_get_ex(body, "defaultDestinations", &v) &&
        json_object_object_get_ex(s, "defaultDestinations", &cur))
        hweb_merge(cur, v);
    if (json_object_object_get_ex(body, "muting", &v) &&
        json_object_object_get_ex(s, "muting", &cur))
        hweb_merge(cur, v);
    if (json_object_object_get_ex(body, "alerts", &alerts)) {
        for (size_t i = 0; i < json_object_array_length(alerts); i++) {
            struct json_object *a = json_object_array_get_idx(alerts, i), *t, *target;

            json_object_object_get_ex(a, "type", &t);
            target = hweb_alert_find(alerts_now, json_object_get_string(t));
            if (json_object_object_get_ex(a, "enabled", &v))
                json_object_object_add(target, "enabled", json_object_get(v));
            if (json_object_object_get_ex(a, "alertDestinations", &v) &&
                json_object_object_get_ex(target, "alertDestinations", &cur))
                hweb_merge(cur, v);
            if (json_object_object_get_ex(a, "filters", &v) &&
                json_object_object_get_ex(target, "filters", &cur))
                hweb_merge(cur, v);
        }
    }
    json_object_put(body);
    http_reply_json(ctx->reply, 200, json_object_get(s));
}

/* ---- alert types ---- */

static void hweb_alert_types(struct api_ctx *ctx)
{
    static const char *const products[] = {
        "appliance", "camera", "cellularGateway", "health",   "platform",
        "sensor",    "sm",     "switch",          "wireless", NULL};
    struct state_org *org = state_org_find(ctx->st, ctx->args[0]);
    const char *product = http_param(ctx->req, "productType");
    struct state_network example = {0};
    struct json_object *a;
    int ok = product == NULL;

    if (org == NULL) {
        api_not_found(ctx);
        return;
    }
    for (size_t i = 0; products[i] && !ok; i++)
        ok = strcmp(products[i], product) == 0;
    if (!ok) {
        http_reply_error(ctx->reply, 400, "'productType' is not a valid product type");
        return;
    }
    /* The examples describe an imaginary network of this organization. */
    example.id = "N_24329156";
    example.name = "Main Office";
    example.org = org;
    example.serial = "Q234-ABCD-5678";
    example.model = "MX68";
    a = json_object_new_array();
    for (size_t i = 0; i < sizeof hweb_types / sizeof hweb_types[0]; i++) {
        struct json_object *o = json_object_new_object();
        char *payload = hweb_payload(&example, &hweb_types[i], "secret", ctx->now);

        json_object_object_add(o, "alertTypeId", json_object_new_string(hweb_types[i].id));
        json_object_object_add(o, "alertType", json_object_new_string(hweb_types[i].name));
        json_object_object_add(o, "example", payload ? json_tokener_parse(payload) : NULL);
        free(payload);
        json_object_array_add(a, o);
    }
    http_reply_json(ctx->reply, 200, a);
}

struct json_object *hweb_control_json(void)
{
    struct json_object *o = json_object_new_object(), *servers = json_object_new_array();
    struct json_object *tests = json_object_new_array();

    for (size_t i = 0; i < hweb_nservers; i++)
        json_object_array_add(servers, hweb_server_json(&hweb_servers[i], 1));
    for (size_t i = 0; i < hweb_ntests; i++)
        json_object_array_add(tests, hweb_test_json(&hweb_tests[i], 1));
    json_object_object_add(o, "httpServers", servers);
    json_object_object_add(o, "alertSettings",
                           hweb_alerts ? json_object_get(hweb_alerts) : json_object_new_object());
    json_object_object_add(o, "webhookTests", tests);
    return o;
}

const struct api_route hweb_routes[] = {
    {"GET", "/networks/{networkId}/webhooks/httpServers", API_SCOPE_NETWORK, hweb_list_servers},
    {"POST", "/networks/{networkId}/webhooks/httpServers", API_SCOPE_NETWORK, hweb_create_server},
    {"GET", "/networks/{networkId}/webhooks/httpServers/{httpServerId}", API_SCOPE_NETWORK,
     hweb_get_server},
    {"PUT", "/networks/{networkId}/webhooks/httpServers/{httpServerId}", API_SCOPE_NETWORK,
     hweb_update_server},
    {"DELETE", "/networks/{networkId}/webhooks/httpServers/{httpServerId}", API_SCOPE_NETWORK,
     hweb_delete_server},
    {"POST", "/networks/{networkId}/webhooks/webhookTests", API_SCOPE_NETWORK, hweb_create_test},
    {"GET", "/networks/{networkId}/webhooks/webhookTests/{webhookTestId}", API_SCOPE_NETWORK,
     hweb_get_test},
    {"GET", "/networks/{networkId}/alerts/settings", API_SCOPE_NETWORK, hweb_get_settings},
    {"PUT", "/networks/{networkId}/alerts/settings", API_SCOPE_NETWORK, hweb_put_settings},
    {"GET", "/organizations/{organizationId}/webhooks/alertTypes", API_SCOPE_ORG, hweb_alert_types},
    {NULL, NULL, API_SCOPE_NONE, NULL},
};
