/*
 * alert.c - a Meraki alert webhook body, parsed (the README's "HTTP endpoints").
 *
 * The text goes through tfjson_parse_with (json.h), the same strict reader the API answers use
 * (json-c with a depth cap and strict mode, plus the checks json-c leaves out).
 * The secret is read before anything else, so a body with a bad shape still lets the
 * listener authenticate first and answer 401 rather than 400 to a stranger.
 */
#include "tagfailover/alert.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/caps.h"
#include "tagfailover/id.h"
#include "tagfailover/json.h"

/* No cap beyond the body's own for free-text fields such as names. */
#define ALERT_NO_CAP ((size_t)-1)

/* Copies a JSON string; one holding a NUL (from \u0000) or longer than `cap` is unusable. */
static alert_err alert_dup_string(json_object *v, size_t cap, char **dst)
{
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);

    if (n > cap || memchr(s, '\0', n) != NULL)
        return ALERT_ERR_BAD_FIELD;
    *dst = strdup(s);
    return *dst == NULL ? ALERT_ERR_NOMEM : ALERT_OK;
}

/* A required ID: a non-empty string of at most TF_ID_MAX_LEN bytes; with `path_id`, one that
 * also passes id.h's rule (it goes into API paths), else a bad field. */
static alert_err alert_required(json_object *obj, const char *key, bool path_id, char **dst)
{
    json_object *v; /* borrowed */
    alert_err err;

    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0)
        return ALERT_ERR_MISSING_FIELD;
    err = alert_dup_string(v, TF_ID_MAX_LEN, dst);
    return err == ALERT_OK && path_id && !id_valid(*dst) ? ALERT_ERR_BAD_FIELD : err;
}

/* An optional string: absent or null leaves *dst NULL; another type is a bad field. */
static alert_err alert_optional(json_object *obj, const char *key, size_t cap, char **dst)
{
    json_object *v; /* borrowed */

    if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
        return ALERT_OK;
    if (!json_object_is_type(v, json_type_string))
        return ALERT_ERR_BAD_FIELD;
    return alert_dup_string(v, cap, dst);
}

/* A string or a number, kept as text. json-c keeps a parsed number's own spelling, so 0.1
 * stays "0.1" (not "0.10000000000000001"). Absent or null leaves *dst NULL. */
static alert_err alert_string_or_number(json_object *obj, const char *key, char **dst)
{
    json_object *v; /* borrowed */

    if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
        return ALERT_OK;
    if (json_object_is_type(v, json_type_string))
        return alert_dup_string(v, ALERT_NO_CAP, dst);
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return ALERT_ERR_BAD_FIELD;
    *dst = strdup(json_object_get_string(v));
    return *dst == NULL ? ALERT_ERR_NOMEM : ALERT_OK;
}

/* alertData.connectivity: "true"/"false", or a JSON boolean. */
static alert_err alert_connectivity_of(json_object *data, alert_connectivity *dst)
{
    json_object *v; /* borrowed */
    const char *s;

    if (!json_object_object_get_ex(data, "connectivity", &v) || v == NULL)
        return ALERT_OK;
    if (json_object_is_type(v, json_type_boolean)) {
        *dst = json_object_get_boolean(v) ? ALERT_CONN_TRUE : ALERT_CONN_FALSE;
        return ALERT_OK;
    }
    if (!json_object_is_type(v, json_type_string))
        return ALERT_ERR_BAD_FIELD;
    s = json_object_get_string(v);
    if (strcmp(s, "true") == 0 && json_object_get_string_len(v) == 4)
        *dst = ALERT_CONN_TRUE;
    else if (strcmp(s, "false") == 0 && json_object_get_string_len(v) == 5)
        *dst = ALERT_CONN_FALSE;
    else
        return ALERT_ERR_BAD_FIELD;
    return ALERT_OK;
}

/* Fills everything but the secret from an object body. */
static alert_err alert_fields(json_object *root, alert *out)
{
    json_object *data; /* borrowed */
    alert_err err;

    /* The three IDs the listener cannot do without come first: a missing one is reported as
     * such even when some other field is also wrong. */
    if ((err = alert_required(root, "alertTypeId", false, &out->alert_type_id)) != ALERT_OK ||
        (err = alert_required(root, "networkId", true, &out->network_id)) != ALERT_OK ||
        (err = alert_required(root, "organizationId", true, &out->organization_id)) != ALERT_OK)
        return err;
    if ((err = alert_string_or_number(root, "version", &out->version)) != ALERT_OK ||
        (err = alert_optional(root, "organizationName", ALERT_NO_CAP, &out->organization_name)) !=
            ALERT_OK ||
        (err = alert_optional(root, "networkName", ALERT_NO_CAP, &out->network_name)) != ALERT_OK ||
        (err = alert_optional(root, "deviceSerial", ALERT_NO_CAP, &out->device_serial)) !=
            ALERT_OK ||
        (err = alert_optional(root, "alertId", TF_ID_MAX_LEN, &out->alert_id)) != ALERT_OK ||
        (err = alert_optional(root, "alertType", ALERT_NO_CAP, &out->alert_type)) != ALERT_OK ||
        (err = alert_optional(root, "occurredAt", ALERT_NO_CAP, &out->occurred_at)) != ALERT_OK)
        return err;
    if (out->alert_id != NULL && !id_valid(out->alert_id))
        return ALERT_ERR_BAD_FIELD;

    if (!json_object_object_get_ex(root, "alertData", &data) || data == NULL)
        return ALERT_OK;
    if (!json_object_is_type(data, json_type_object))
        return ALERT_ERR_BAD_FIELD;
    if ((err = alert_connectivity_of(data, &out->connectivity)) != ALERT_OK)
        return err;
    return alert_string_or_number(data, "uplink", &out->uplink);
}

alert_err alert_parse(const char *body, size_t len, size_t max_len, alert *out)
{
    return alert_parse_with(NULL, body, len, max_len, out);
}

alert_err alert_parse_with(struct json_tokener *tok, const char *body, size_t len, size_t max_len,
                           alert *out)
{
    json_object *root = NULL;
    json_object *secret; /* borrowed */
    alert_err err;

    memset(out, 0, sizeof(*out));
    if (len > max_len)
        return ALERT_ERR_TOO_LARGE;

    switch (tfjson_parse_with(tok, body, len, &root)) {
    case TFJSON_OK:
        break;
    case TFJSON_ERR_BAD_UTF8:
        return ALERT_ERR_BAD_UTF8;
    case TFJSON_ERR_TOO_DEEP:
        return ALERT_ERR_TOO_DEEP;
    case TFJSON_ERR_TOO_LARGE:
        return ALERT_ERR_TOO_LARGE;
    case TFJSON_ERR_NOMEM:
        return ALERT_ERR_NOMEM;
    default:
        return ALERT_ERR_NOT_JSON;
    }
    if (!json_object_is_type(root, json_type_object)) {
        err = ALERT_ERR_NOT_OBJECT;
        goto out;
    }

    /* A secret that is not a plain string cannot equal the configured one: it is absent. */
    if (json_object_object_get_ex(root, "sharedSecret", &secret) &&
        json_object_is_type(secret, json_type_string)) {
        err = alert_dup_string(secret, ALERT_NO_CAP, &out->shared_secret);
        if (err == ALERT_ERR_NOMEM)
            goto out;
    }

    err = alert_fields(root, out);
out:
    json_object_put(root);
    if (err != ALERT_OK && err != ALERT_ERR_MISSING_FIELD && err != ALERT_ERR_BAD_FIELD)
        alert_clear(out);
    return err;
}

void alert_clear(alert *a)
{
    if (a == NULL)
        return;
    free(a->version);
    free(a->shared_secret);
    free(a->organization_id);
    free(a->organization_name);
    free(a->network_id);
    free(a->network_name);
    free(a->device_serial);
    free(a->alert_id);
    free(a->alert_type);
    free(a->alert_type_id);
    free(a->occurred_at);
    free(a->uplink);
    memset(a, 0, sizeof(*a));
}

bool alert_is_trigger(const alert *a, const char *const *types, size_t n_types)
{
    if (a == NULL || a->alert_type_id == NULL || types == NULL)
        return false;
    for (size_t i = 0; i < n_types; i++) {
        if (types[i] != NULL && strcmp(types[i], a->alert_type_id) == 0)
            return true;
    }
    return false;
}

const char *alert_strerror(alert_err e)
{
    switch (e) {
    case ALERT_OK:
        return "success";
    case ALERT_ERR_TOO_LARGE:
        return "body too large";
    case ALERT_ERR_NOT_JSON:
        return "body is not JSON";
    case ALERT_ERR_BAD_UTF8:
        return "body is not valid UTF-8";
    case ALERT_ERR_TOO_DEEP:
        return "body is nested too deeply";
    case ALERT_ERR_NOT_OBJECT:
        return "body is not a JSON object";
    case ALERT_ERR_MISSING_FIELD:
        return "alertTypeId, networkId or organizationId missing or not a non-empty string";
    case ALERT_ERR_BAD_FIELD:
        return "a field has an unusable type or is too long";
    case ALERT_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}
