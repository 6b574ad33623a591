/*
 * jsonutil.c - json-c helpers shared by the scenario loader and the state (see jsonutil.h).
 */
#include "jsonutil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jutil_check_keys(struct json_object *o, const char *what, const char *const known[], char *err,
                     size_t errlen)
{
    json_object_object_foreach(o, key, val)
    {
        int ok = 0;

        (void)val;
        for (size_t i = 0; known[i]; i++)
            ok |= strcmp(key, known[i]) == 0;
        if (!ok) {
            snprintf(err, errlen, "unknown key \"%s\" in %s", key, what);
            return -1;
        }
    }
    return 0;
}

/* Reads an optional string field; *out is a malloc'd copy, or a copy of `def` (may be NULL). */
int jutil_str(struct json_object *o, const char *key, const char *def, char **out, char *err,
              size_t errlen)
{
    struct json_object *v;

    if (json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_string)) {
            snprintf(err, errlen, "%s must be a string", key);
            return -1;
        }
        def = json_object_get_string(v);
    }
    *out = def ? strdup(def) : NULL;
    return 0;
}

int jutil_str_buf(struct json_object *o, const char *key, char *out, size_t size)
{
    struct json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string) || (size_t)json_object_get_string_len(v) >= size)
        return -1;
    snprintf(out, size, "%s", json_object_get_string(v));
    return 0;
}

int jutil_num(struct json_object *o, const char *key, double lo, double hi, double *out)
{
    struct json_object *v;
    double d;

    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return 0;
    if (!jutil_is_number(v) || (d = json_object_get_double(v)) < lo || d > hi)
        return -1;
    *out = d;
    return 0;
}

int jutil_is_number(struct json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

void jutil_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int jutil_strv_copy(struct json_object *a, char ***out, size_t *n)
{
    size_t len = json_object_array_length(a);
    char **v = calloc(len ? len : 1, sizeof *v);

    if (v == NULL)
        return -1;
    for (size_t i = 0; i < len; i++) {
        v[i] = strdup(json_object_get_string(json_object_array_get_idx(a, i)));
        if (v[i] == NULL) {
            jutil_strv_free(v, i);
            return -1;
        }
    }
    *out = v;
    *n = len;
    return 0;
}
