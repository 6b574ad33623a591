/*
 * setup_match.c - the receiver URL rules and the server match of `setup`. See setup_match.h.
 */
#include "tagfailover/setup_match.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

const char *setup_strerror(setup_err e)
{
    switch (e) {
    case SETUP_OK:
        return "ok";
    case SETUP_ERR_SHAPE:
        return "the API's answer is not the documented shape";
    case SETUP_ERR_URL:
        return "the receiver URL must be http(s)://host[:port][/path], without spaces";
    }
    return "unknown error";
}

setup_err setup_check_url(const char *url)
{
    const char *host;
    size_t len = strlen(url);

    if (len == 0 || len > SETUP_URL_MAX)
        return SETUP_ERR_URL;
    if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        return SETUP_ERR_URL;
    /* The host is what comes before the port, path, query or fragment; it must not be empty
     * and must not carry user information (Meraki would post credentials in clear). */
    size_t hlen = strcspn(host, "/?#");
    if (hlen == 0 || host[0] == ':' || memchr(host, '@', hlen) != NULL)
        return SETUP_ERR_URL;
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return SETUP_ERR_URL;
    return SETUP_OK;
}

setup_err setup_default_url(const config *cfg, const char *host, char *buf, size_t size)
{
    int n = snprintf(buf, size, "https://%s:%d%s", host, cfg->listener_port, cfg->webhook_path);
    if (n < 0 || (size_t)n >= size)
        return SETUP_ERR_URL;
    return setup_check_url(buf);
}

const char *setup_json_str(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

bool setup_server_read(struct json_object *s, setup_server *out)
{
    struct json_object *tpl;

    memset(out, 0, sizeof(*out));
    if (!json_object_is_type(s, json_type_object))
        return false;
    out->id = setup_json_str(s, "id");
    out->url = setup_json_str(s, "url");
    if (out->id == NULL || out->id[0] == '\0' || out->url == NULL)
        return false;
    out->name = setup_json_str(s, "name");
    if (out->name == NULL)
        out->name = "";
    if (json_object_object_get_ex(s, "payloadTemplate", &tpl))
        out->template_id = setup_json_str(tpl, "payloadTemplateId");
    if (out->template_id == NULL)
        out->template_id = "";
    return true;
}

setup_err setup_match_server(struct json_object *servers, const char *url,
                             setup_server_match *match, setup_server *found)
{
    setup_server named = {0};
    bool have_named = false;

    *match = SETUP_SERVER_NONE;
    memset(found, 0, sizeof(*found));
    if (!json_object_is_type(servers, json_type_array))
        return SETUP_ERR_SHAPE;
    for (size_t i = 0; i < json_object_array_length(servers); i++) {
        struct json_object *s = json_object_array_get_idx(servers, i);
        setup_server cur = {0};

        if (!setup_server_read(s, &cur))
            return SETUP_ERR_SHAPE;
        /* The same URL wins over the name: that server is the one Meraki posts to us with. */
        if (strcmp(cur.url, url) == 0) {
            *match = SETUP_SERVER_SAME_URL;
            *found = cur;
            return SETUP_OK;
        }
        if (!have_named && strcmp(cur.name, SETUP_SERVER_NAME) == 0) {
            named = cur;
            have_named = true;
        }
    }
    if (have_named) {
        *match = SETUP_SERVER_NAMED;
        *found = named;
    }
    return SETUP_OK;
}
