/*
 * expect.c - cmocka assertions for the fake's tests (see expect.h).
 */
#include "harness/expect.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "harness/spec.h"

struct json_object *harness_expect_get(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("missing key %s in %s", key, json_object_to_json_string(o));
    return v;
}

const char *harness_expect_str(struct json_object *o, const char *key)
{
    return json_object_get_string(harness_expect_get(o, key));
}

struct json_object *harness_expect_api_json(const struct harness_fakedash *fd, const char *path,
                                            long want_status)
{
    struct harness_response r;
    struct json_object *o;

    assert_int_equal(harness_fakedash_api(fd, "GET", path, NULL, &r), want_status);
    o = harness_response_json(&r);
    harness_response_free(&r);
    assert_non_null(o);
    return o;
}

void harness_expect_control(const struct harness_fakedash *fd, const char *method, const char *path,
                            const char *body)
{
    assert_int_equal(harness_control(fd, method, path, body, NULL), 200);
}

void harness_expect_scenario(const struct harness_fakedash *fd, const char *json)
{
    assert_int_equal(harness_fakedash_scenario(fd, json), 0);
}

void harness_expect_errors_body(const struct harness_response *r)
{
    struct json_object *o = harness_response_json(r), *errs;

    assert_non_null(o);
    errs = harness_expect_get(o, "errors");
    assert_true(json_object_is_type(errs, json_type_array));
    assert_true(json_object_array_length(errs) >= 1);
    assert_true(json_object_is_type(json_object_array_get_idx(errs, 0), json_type_string));
    json_object_put(o);
}

struct json_object *harness_expect_example(const char *path, const char *method, const char *code)
{
    struct json_object *ex = harness_spec_example(path, method, code);

    assert_non_null(ex);
    return ex;
}

void harness_expect_shape(struct json_object *obj, struct json_object *example, int exact,
                          const char *what)
{
    assert_true(json_object_is_type(obj, json_type_object));
    assert_int_equal(harness_spec_shape_diff(obj, example, exact, what), 0);
}
