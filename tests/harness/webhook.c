/*
 * webhook.c - webhook bodies and their sender (see webhook.h).
 */
#include "harness/webhook.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/config.h"

/* The templates, below TF_SOURCE_DIR. */
#define WEBHOOK_EXAMPLES "tests/fixtures/alertTypes.json"
#define WEBHOOK_RECORDED "tests/fuzz/corpus/alert/real_2026_failover_event.json"

/* The template of `a` (a new object, caller puts), or NULL. */
static struct json_object *webhook_template(const struct harness_alert *a)
{
    struct json_object *all, *out = NULL;

    if (a->recorded)
        return harness_source_json(WEBHOOK_RECORDED);
    all = harness_source_json(WEBHOOK_EXAMPLES);
    for (size_t i = 0; all != NULL && i < json_object_array_length(all) && out == NULL; i++) {
        struct json_object *item = json_object_array_get_idx(all, i), *ex;

        if (strcmp(harness_json_str(item, "alertTypeId"), a->type) == 0 &&
            json_object_object_get_ex(item, "example", &ex))
            out = json_object_get(ex);
    }
    json_object_put(all);
    if (out == NULL)
        fprintf(stderr, "harness: no example of alert type %s\n", a->type);
    return out;
}

/* Sets the string member `key` of `o` to `value` (NULL: leaves it). Returns 0 or -1. */
static int webhook_set(struct json_object *o, const char *key, const char *value)
{
    if (value == NULL)
        return 0;
    return json_object_object_add(o, key, json_object_new_string(value));
}

char *harness_webhook_body(const struct harness_alert *a)
{
    struct json_object *o = webhook_template(a);
    char *out = NULL;

    if (o == NULL)
        return NULL;
    if (webhook_set(o, "alertTypeId", a->type) == 0 &&
        webhook_set(o, "organizationId", a->org) == 0 &&
        webhook_set(o, "networkId", a->network) == 0 &&
        webhook_set(o, "alertId", a->alert_id) == 0) {
        if (a->secret != NULL)
            json_object_object_add(o, "sharedSecret", json_object_new_string(a->secret));
        else
            json_object_object_del(o, "sharedSecret");
        out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    }
    json_object_put(o);
    return out;
}

char *harness_webhook_delivery(const char *type, const char *alert_id, const char *secret)
{
    const struct harness_alert a = {
        .type = type, .alert_id = alert_id, .secret = secret, .recorded = 1};

    return harness_webhook_body(&a);
}

struct harness_http_opts harness_webhook_opts(const harness_world *w)
{
    struct harness_http_opts o;

    memset(&o, 0, sizeof o);
    if (w->tls)
        o.ca_file = w->ca;
    o.timeout_ms = 10000;
    return o;
}

long harness_webhook_post(const harness_world *w, const char *body, const char *const headers[],
                          struct harness_response *out)
{
    static const char *const json_headers[] = {"Content-Type: application/json", NULL};
    struct harness_http_opts o = harness_webhook_opts(w);
    struct harness_response r;
    long status;

    harness_http("POST", w->url, headers != NULL ? headers : json_headers, body, &o, &r);
    status = r.status;
    if (out != NULL)
        *out = r;
    else
        harness_response_free(&r);
    return status;
}

long harness_webhook_alert_answer(const harness_world *w, const char *org, const char *network,
                                  const char *alert_id, struct harness_response *out)
{
    const struct harness_alert a = {.type = "vpn_connectivity_change",
                                    .org = org,
                                    .network = network,
                                    .alert_id = alert_id,
                                    .secret = HARNESS_SECRET};
    char *body = harness_webhook_body(&a);
    long status;

    memset(out, 0, sizeof(*out));
    if (body == NULL)
        return 0;
    status = harness_webhook_post(w, body, NULL, out);
    free(body);
    return status;
}

long harness_webhook_alert(const harness_world *w, const char *org, const char *network,
                           const char *alert_id, double *at)
{
    struct harness_response r;
    long status = harness_webhook_alert_answer(w, org, network, alert_id, &r);

    if (at != NULL)
        *at = harness_wall();
    if (status != 202)
        fprintf(stderr, "webhook answered %ld: %s\n", status, r.body ? r.body : r.error);
    harness_response_free(&r);
    return status;
}
