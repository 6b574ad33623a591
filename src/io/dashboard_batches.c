/*
 * dashboard_batches.c - the Dashboard client's action batches: many networks' tags written
 * with one request (POST /organizations/{org}/actionBatches, synchronous, confirmed). See
 * dashboard.h.
 *
 * A synchronous batch holds at most 20 actions and answers with its status once it has run;
 * it applies all of its actions or none. The answer is read strictly: only `completed` true
 * with `failed` false means written; anything else (failed, errors, an answer that does not
 * parse) is "not written" and the caller writes those networks one by one.
 */
#include "tagfailover/dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dashboard_int.h"
#include "tagfailover/caps.h"
#include "tagfailover/id.h"
#include "tagfailover/json.h"

/* The request body: {"confirmed": true, "synchronous": true, "actions": [...]}. */
static struct json_object *dash_batch_body(const dash_batch_action *a, size_t n)
{
    struct json_object *body = json_object_new_object();
    struct json_object *actions = json_object_new_array();
    if (body == NULL || actions == NULL) {
        json_object_put(body);
        json_object_put(actions);
        return NULL;
    }
    json_object_object_add(body, "confirmed", json_object_new_boolean(1));
    json_object_object_add(body, "synchronous", json_object_new_boolean(1));
    json_object_object_add(body, "actions", actions);
    for (size_t i = 0; i < n; i++) {
        char resource[TF_ID_MAX_LEN + 16];
        snprintf(resource, sizeof(resource), "/networks/%s", a[i].network_id);
        struct json_object *act = json_object_new_object(), *tb = json_object_new_object(),
                           *tags = json_object_new_array();
        for (size_t k = 0; tags != NULL && k < a[i].tags->n; k++)
            json_object_array_add(tags, json_object_new_string(a[i].tags->v[k]));
        json_object_object_add(tb, "tags", tags);
        json_object_object_add(act, "resource", json_object_new_string(resource));
        json_object_object_add(act, "operation", json_object_new_string("update"));
        json_object_object_add(act, "body", tb);
        json_object_array_add(actions, act);
    }
    return body;
}

/* Reads the answer's id and status. */
static void dash_batch_answer(const char *json, size_t len, dash_batch_result *out)
{
    struct json_object *root = NULL, *v, *status;
    if (tfjson_parse(json, len, &root) != TFJSON_OK || !json_object_is_type(root, json_type_object))
        goto out;
    /* The batch's id is logged with each retag it wrote (and would name the batch in a path):
     * one that breaks id.h's rule is not kept, and the batch goes unnamed. */
    if (json_object_object_get_ex(root, "id", &v) && json_object_is_type(v, json_type_string) &&
        id_valid(json_object_get_string(v)))
        snprintf(out->id, sizeof(out->id), "%s", json_object_get_string(v));
    if (!json_object_object_get_ex(root, "status", &status) ||
        !json_object_is_type(status, json_type_object))
        goto out;
    bool completed = json_object_object_get_ex(status, "completed", &v) &&
                     json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
    bool failed = !json_object_object_get_ex(status, "failed", &v) ||
                  !json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v);
    struct json_object *errors;
    if (json_object_object_get_ex(status, "errors", &errors) &&
        json_object_is_type(errors, json_type_array) && json_object_array_length(errors) > 0) {
        struct json_object *first = json_object_array_get_idx(errors, 0);
        if (json_object_is_type(first, json_type_string))
            snprintf(out->error, sizeof(out->error), "%s", json_object_get_string(first));
        failed = true;
    }
    out->written = completed && !failed;
out:
    json_object_put(root);
}

dash_err dash_action_batch(dash_client *c, const char *org_id, const dash_batch_action *actions,
                           size_t n, dash_batch_result *out, dash_error *err)
{
    char url[TF_API_MAX_HEADER + 128];
    dash_err result;

    memset(err, 0, sizeof(*err));
    memset(out, 0, sizeof(*out));
    if (n == 0 || n > DASH_BATCH_MAX || !id_valid(org_id)) {
        err->code = DASH_ERR_INVALID;
        snprintf(err->message, sizeof(err->message), "a batch of %zu actions cannot be sent", n);
        return err->code;
    }
    for (size_t i = 0; i < n; i++) {
        if (!id_valid(actions[i].network_id)) {
            err->code = DASH_ERR_INVALID;
            snprintf(err->message, sizeof(err->message), "a network id the API could not give");
            return err->code;
        }
    }
    snprintf(url, sizeof(url), "%s/organizations/%s/actionBatches", c->s->base_url, org_id);
    struct json_object *body = dash_batch_body(actions, n);
    if (body == NULL)
        return err->code = DASH_ERR_NOMEM;
    const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE);
    result = dash_call(c, org_id, "POST", url, text, TF_API_MAX_OBJECT_RESPONSE, NULL, err);
    if (result == DASH_OK) {
        dash_batch_answer(c->body.p != NULL ? c->body.p : "", c->body.len, out);
        if (!out->written && out->error[0] == '\0')
            snprintf(out->error, sizeof(out->error), "the batch did not complete");
    }
    json_object_put(body);
    dash_trim_buffer(c);
    return result;
}
