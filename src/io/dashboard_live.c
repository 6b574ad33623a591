/*
 * dashboard_live.c - the Dashboard client's live-tools operations: ask an appliance to ping
 * an IP now (POST /devices/{serial}/liveTools/ping, with or without a callback) and read a
 * ping's result (GET .../liveTools/ping/{id}). See dashboard.h.
 *
 * A serial and a ping id go into a URL path, so both are checked before anything is sent: a
 * serial is 1..32 characters of [A-Za-z0-9-] (id_serial_valid), a ping id 1..64 of
 * [A-Za-z0-9_-] (id_valid). The answers are
 * read by the core (ping.h).
 */
#include "tagfailover/dashboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "dashboard_int.h"
#include "tagfailover/caps.h"
#include "tagfailover/id.h"

/* True when `s` is 1..max characters, each a letter, a digit or one of `extra` (the ping's
 * target: an IP address's characters). Serials and ping ids are id.h's. */
static bool dash_live_token(const char *s, size_t max, const char *extra)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || (ch != '\0' && strchr(extra, ch) != NULL);
        if (!ok)
            return false;
    }
    return true;
}

static dash_err dash_live_invalid(dash_error *err, const char *what)
{
    err->code = DASH_ERR_INVALID;
    snprintf(err->message, sizeof(err->message), "%s is not one the API could have given", what);
    return err->code;
}

dash_err dash_ping_start(dash_client *c, const char *org_id, const char *serial, const char *target,
                         int count, const char *callback_url, const char *callback_secret,
                         char ping_id[TF_ID_MAX_LEN + 1], dash_error *err)
{
    char url[TF_API_MAX_HEADER + 128];
    struct json_object *body = NULL;
    dash_err result;

    memset(err, 0, sizeof(*err));
    ping_id[0] = '\0';
    if (!id_serial_valid(serial))
        return dash_live_invalid(err, "the appliance serial");
    if (!dash_live_token(target, 45, ".:"))
        return dash_live_invalid(err, "the ping target");
    int n = snprintf(url, sizeof(url), "%s/devices/%s/liveTools/ping", c->s->base_url, serial);
    if (n < 0 || (size_t)n >= sizeof(url))
        return dash_live_invalid(err, "the URL");

    body = json_object_new_object();
    if (body == NULL)
        return err->code = DASH_ERR_NOMEM;
    json_object_object_add(body, "target", json_object_new_string(target));
    json_object_object_add(body, "count", json_object_new_int(count));
    if (callback_url != NULL && callback_url[0] != '\0') {
        struct json_object *cb = json_object_new_object();
        json_object_object_add(cb, "url", json_object_new_string(callback_url));
        json_object_object_add(cb, "sharedSecret",
                               json_object_new_string(callback_secret ? callback_secret : ""));
        json_object_object_add(body, "callback", cb);
    }
    const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE);
    result = dash_call_once(c, org_id, "POST", url, text, err);
    if (result == DASH_OK) {
        ping_err pe = ping_parse_created(c->body.p != NULL ? c->body.p : "", c->body.len, ping_id);
        if (pe != PING_OK || !id_valid(ping_id)) {
            ping_id[0] = '\0';
            result = err->code = pe == PING_ERR_NOMEM ? DASH_ERR_NOMEM : DASH_ERR_PARSE;
            snprintf(err->message, sizeof(err->message), "live ping answer: %s",
                     pe != PING_OK ? ping_strerror(pe) : "the pingId is not an id");
        }
    }
    /* The body held the shared secret: wipe it before json-c frees it. */
    if (callback_secret != NULL && text != NULL)
        explicit_bzero((char *)text, strlen(text));
    json_object_put(body);
    dash_trim_buffer(c);
    return result;
}

dash_err dash_ping_get(dash_client *c, const char *org_id, const char *serial, const char *ping_id,
                       ping_result *out, dash_error *err)
{
    char url[TF_API_MAX_HEADER + 128];
    dash_err result;

    memset(err, 0, sizeof(*err));
    memset(out, 0, sizeof(*out));
    if (!id_serial_valid(serial))
        return dash_live_invalid(err, "the appliance serial");
    if (!id_valid(ping_id))
        return dash_live_invalid(err, "the ping id");
    int n = snprintf(url, sizeof(url), "%s/devices/%s/liveTools/ping/%s", c->s->base_url, serial,
                     ping_id);
    if (n < 0 || (size_t)n >= sizeof(url))
        return dash_live_invalid(err, "the URL");
    result = dash_call_once(c, org_id, "GET", url, NULL, err);
    if (result == DASH_OK) {
        ping_err pe = ping_parse_result(c->body.p != NULL ? c->body.p : "", c->body.len, out);
        if (pe != PING_OK) {
            result = err->code = pe == PING_ERR_NOMEM ? DASH_ERR_NOMEM : DASH_ERR_PARSE;
            snprintf(err->message, sizeof(err->message), "live ping result: %s", ping_strerror(pe));
        }
    }
    dash_trim_buffer(c);
    return result;
}
