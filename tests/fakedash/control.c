/*
 * control.c - the control API (see control.h).
 */
#include "control.h"

#include "api.h"
#include "faults.h"
#include "h_alerts.h"
#include "h_batches.h"
#include "h_callbacks.h"
#include "h_changes.h"
#include "h_livetools.h"
#include "h_vpn.h"
#include "h_webhooks.h"
#include "h_whlogs.h"
#include "isotime.h"
#include "reqlog.h"
#include "scenario.h"
#include "state.h"
#include "ticker.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scenarios nest deeper than API bodies (organizations, networks, peers, uplinks). */
#define CONTROL_JSON_MAX_DEPTH 64

static struct json_object *control_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct json_tokener *tok = json_tokener_new_ex(CONTROL_JSON_MAX_DEPTH);
    struct json_object *o;

    if (tok == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o = json_tokener_parse_ex(tok, text, (int)len);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        snprintf(err, errlen, "body is not valid JSON: %s",
                 json_tokener_error_desc(json_tokener_get_error(tok)));
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

/* Forgets what lives beside the state: webhook set-up, jobs, logs (state lock held). */
static void control_forget(void)
{
    hweb_reset();
    halert_reset();
    hlive_reset();
    hchg_reset();
    hwlog_reset();
    hcb_reset();
    hbatch_reset();
}

int control_load_scenario(const char *text, size_t len, char *err, size_t errlen)
{
    struct json_object *sc = control_parse(text, len, err, errlen);
    int rc;

    if (sc == NULL)
        return -1;
    rc = state_load(sc, control_forget, err, errlen);
    json_object_put(sc);
    if (rc != 0)
        return -1;
    faults_clear();
    reqlog_clear();
    return 0;
}

/* Parses the body as a JSON object or fills a 400. */
static struct json_object *control_body(const struct http_request *req, struct http_reply *reply)
{
    char err[256];
    struct json_object *o = control_parse(req->body, req->body_len, err, sizeof err);

    if (o == NULL) {
        http_reply_error(reply, 400, err);
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        http_reply_error(reply, 400, "body must be a JSON object");
        return NULL;
    }
    return o;
}

static const char *control_str(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void control_scenario(const struct http_request *req, struct http_reply *reply)
{
    char err[512] = "";
    struct json_object *o;

    if (control_load_scenario(req->body, req->body_len, err, sizeof err) != 0) {
        http_reply_error(reply, 400, err);
        return;
    }
    o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    state_lock();
    json_object_object_add(o, "networks",
                           json_object_new_int64((int64_t)state_get()->nets_by_id.count));
    state_unlock();
    http_reply_json(reply, 200, o);
}

static void control_loss(struct json_object *body, struct http_reply *reply)
{
    struct loss_entry e;
    char err[256] = "";
    int rc;

    if (loss_entry_parse(body, isotime_now(), &e, err, sizeof err) != 0) {
        http_reply_error(reply, 400, err);
        return;
    }
    state_lock();
    rc = state_loss_add(state_get(), &e, err, sizeof err);
    state_unlock();
    if (rc != 0) {
        int status = e.network_id ? 404 : 400;

        loss_entry_free(&e);
        http_reply_error(reply, status, err);
        return;
    }
    http_reply_ok(reply);
}

static void control_uplink(struct json_object *body, struct http_reply *reply)
{
    const char *id = control_str(body, "networkId"), *up = control_str(body, "uplink");
    const char *status = control_str(body, "status"), *serial = control_str(body, "serial");
    int u = up ? state_uplink_parse(up) : -1;
    int s = status ? state_ustatus_parse(status) : -1;
    struct state_network *n;
    int found = 0;

    if (id == NULL || u < 0 || s < 0) {
        http_reply_error(reply, 400,
                         "need networkId, uplink (wan1|wan2|wan3|cellular) and "
                         "status (active|ready|failed|not connected)");
        return;
    }
    state_lock();
    n = state_net_find(state_get(), id);
    if (n && n->mx[STATE_PRIMARY].serial) {
        /* The primary's, unless `serial` names the spare. */
        int role = serial ? state_mx_role(n, serial) : STATE_PRIMARY;

        if (role >= 0) {
            n->mx[role].uplink[u] = s;
            found = 1;
        }
    }
    state_unlock();
    if (!found) {
        http_reply_error(reply, 404, "no such network with an appliance (of that serial)");
        return;
    }
    http_reply_ok(reply);
}

/* POST /_control/ha {"networkId"}: the spare becomes the primary and the primary the spare. */
static void control_ha(struct json_object *body, struct http_reply *reply)
{
    const char *id = control_str(body, "networkId");
    struct json_object *o = NULL;
    struct state_network *n;

    if (id == NULL) {
        http_reply_error(reply, 400, "need networkId");
        return;
    }
    state_lock();
    n = state_net_find(state_get(), id);
    if (n && state_ha_swap(n) == 0) {
        o = json_object_new_object();
        json_object_object_add(o, "primary", json_object_new_string(n->mx[STATE_PRIMARY].serial));
        json_object_object_add(o, "spare", json_object_new_string(n->mx[STATE_SPARE].serial));
    }
    state_unlock();
    if (o == NULL)
        http_reply_error(reply, 404, "no such network with a spare appliance");
    else
        http_reply_json(reply, 200, o);
}

static void control_tags(struct json_object *body, struct http_reply *reply)
{
    const char *id = control_str(body, "networkId");
    struct hchg_admin who;
    struct json_object *tags = NULL;
    struct state_network *n;
    char err[256] = "";
    int rc = -1;

    json_object_object_get_ex(body, "tags", &tags);
    if (id == NULL || state_tags_validate(tags, err, sizeof err) != 0 ||
        hchg_person(body, &who, err, sizeof err) != 0) {
        http_reply_error(reply, 400, err[0] ? err : "need networkId and tags");
        return;
    }
    state_lock();
    n = state_net_find(state_get(), id);
    if (n) {
        char *old = hchg_value(n);

        rc = state_net_set_tags(n, tags);
        if (rc == 0)
            hchg_record(n, old, isotime_now(), &who, HCHG_PERSON_PAGE, HCHG_PERSON_LABEL);
        else
            free(old);
    }
    state_unlock();
    if (n == NULL)
        http_reply_error(reply, 404, "no such network");
    else if (rc != 0)
        http_reply_error(reply, 500, "out of memory");
    else
        http_reply_ok(reply);
}

/* GET or (with a body) POST /_control/config. */
static void control_config(struct json_object *body, struct http_reply *reply)
{
    char err[256] = "";
    struct json_object *out;
    int rc = 0;

    state_lock();
    if (body)
        rc = scenario_config_apply(state_get(), body, err, sizeof err);
    out = scenario_config_json(state_get());
    state_unlock();
    if (rc != 0) {
        json_object_put(out);
        http_reply_error(reply, 400, err);
        return;
    }
    http_reply_json(reply, 200, out);
}

static void control_fault(struct json_object *body, struct http_reply *reply)
{
    char err[256] = "";

    if (faults_add(body, err, sizeof err) != 0)
        http_reply_error(reply, 400, err);
    else
        http_reply_ok(reply);
}

static void control_networks(struct http_reply *reply)
{
    struct json_object *a = json_object_new_array();
    struct state *st;

    state_lock();
    st = state_get();
    for (size_t i = 0; i < st->norgs; i++) {
        for (size_t j = 0; j < st->orgs[i]->nnets; j++) {
            const struct state_network *n = st->orgs[i]->nets[j];
            struct json_object *o, *tags;

            if (n->deleted)
                continue;
            o = json_object_new_object();
            tags = json_object_new_array();
            json_object_object_add(o, "id", json_object_new_string(n->id));
            json_object_object_add(o, "organizationId", json_object_new_string(n->org->id));
            json_object_object_add(o, "name", json_object_new_string(n->name));
            for (size_t k = 0; k < n->ntags; k++)
                json_object_array_add(tags, json_object_new_string(n->tags[k]));
            json_object_object_add(o, "tags", tags);
            json_object_array_add(a, o);
        }
    }
    state_unlock();
    http_reply_json(reply, 200, a);
}

static void control_loss_list(struct http_reply *reply)
{
    struct json_object *a;
    struct state *st;

    state_lock();
    st = state_get();
    a = loss_list_json(&st->loss_any);
    for (size_t i = 0; i < st->norgs; i++) {
        for (size_t j = 0; j < st->orgs[i]->nnets; j++) {
            struct json_object *own = loss_list_json(&st->orgs[i]->nets[j]->loss);

            for (size_t k = 0; k < json_object_array_length(own); k++)
                json_object_array_add(a, json_object_get(json_object_array_get_idx(own, k)));
            json_object_put(own);
        }
    }
    state_unlock();
    http_reply_json(reply, 200, a);
}

/* The POSTs that take a JSON object body. */
static const struct {
    const char *name;
    void (*fn)(struct json_object *body, struct http_reply *reply);
} control_posts[] = {
    {"loss", control_loss},   {"uplink", control_uplink},
    {"tags", control_tags},   {"config", control_config},
    {"fault", control_fault}, {"change", hchg_control},
    {"vpn", hvpn_control},    {"ha", control_ha},
    {"ping", hlive_control},  {"batch_fault", hbatch_control_fault},
};

void control_handle(const struct http_request *req, struct http_reply *reply, int *skip_log)
{
    const char *what = req->path + strlen(CONTROL_PREFIX);
    int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    int del = strcmp(req->method, "DELETE") == 0;
    struct json_object *body = NULL;
    size_t len;
    char *text;

    *skip_log = 0;
    ticker_run();
    if (strcmp(what, "scenario") == 0 && post) {
        control_scenario(req, reply);
        return;
    }
    if (strcmp(what, "log") == 0 && (get || del)) {
        if (del) {
            reqlog_clear();
            *skip_log = 1;
            http_reply_ok(reply);
            return;
        }
        text = reqlog_json(&len);
        if (text)
            http_reply_take(reply, 200, text, len);
        else
            http_reply_error(reply, 500, "out of memory");
        return;
    }
    if (get && strcmp(what, "networks") == 0) {
        control_networks(reply);
        return;
    }
    if (get && strcmp(what, "webhooks") == 0) {
        state_lock();
        http_reply_json(reply, 200, hweb_control_json());
        state_unlock();
        return;
    }
    if (get && strcmp(what, "routes") == 0) {
        http_reply_json(reply, 200, api_routes_json());
        return;
    }
    if (get && strcmp(what, "loss") == 0) {
        control_loss_list(reply);
        return;
    }
    if (get && strcmp(what, "config") == 0) {
        control_config(NULL, reply);
        return;
    }
    if (get && strcmp(what, "fault") == 0) {
        http_reply_json(reply, 200, faults_list());
        return;
    }
    if (del && strcmp(what, "fault") == 0) {
        faults_clear();
        http_reply_ok(reply);
        return;
    }
    if (del && strcmp(what, "ping") == 0) {
        hlive_control_clear(reply);
        return;
    }
    if (del && strcmp(what, "batch_fault") == 0) {
        hbatch_control_fault_clear(reply);
        return;
    }
    for (size_t i = 0; post && i < sizeof control_posts / sizeof control_posts[0]; i++) {
        if (strcmp(what, control_posts[i].name) == 0) {
            if ((body = control_body(req, reply)) == NULL)
                return;
            control_posts[i].fn(body, reply);
            json_object_put(body);
            return;
        }
    }
    http_reply_error(reply, 404, "no such control operation");
}
