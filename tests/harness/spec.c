/*
 * spec.c - the spec subset's operations and examples (see spec.h).
 */
#include "harness/spec.h"

#include <json-c/json.h>
#include <stdio.h>

#include "harness/base.h"

#define SPEC_PATH "tests/fixtures/openapi-v1.42-subset.json"

/* The document, once read. */
static struct json_object *spec_doc;

struct json_object *harness_spec(void)
{
    if (spec_doc == NULL)
        spec_doc = harness_source_json(SPEC_PATH);
    return spec_doc;
}

struct json_object *harness_spec_op(const char *path, const char *method)
{
    struct json_object *paths, *p, *op;

    if (!json_object_object_get_ex(harness_spec(), "paths", &paths) ||
        !json_object_object_get_ex(paths, path, &p) || !json_object_object_get_ex(p, method, &op))
        return NULL;
    return op;
}

struct json_object *harness_spec_example(const char *path, const char *method, const char *code)
{
    static const char *const steps[] = {"responses", NULL, "content", "application/json",
                                        "example"};
    struct json_object *o = harness_spec_op(path, method);

    for (size_t i = 0; o != NULL && i < sizeof steps / sizeof steps[0]; i++)
        if (!json_object_object_get_ex(o, steps[i] != NULL ? steps[i] : code, &o))
            o = NULL;
    if (o == NULL) {
        fprintf(stderr, "harness: the spec has no example of %s %s %s\n", method, path, code);
        return NULL;
    }
    if (json_object_is_type(o, json_type_array))
        o = json_object_array_get_idx(o, 0);
    return o;
}

int harness_spec_shape_diff(struct json_object *obj, struct json_object *example, int exact,
                            const char *what)
{
    int bad = 0;

    if (example == NULL || !json_object_is_type(obj, json_type_object)) {
        fprintf(stderr, "%s: not an object with an example to compare\n", what);
        return 1;
    }
    json_object_object_foreach(example, k, v)
    {
        (void)v;
        if (!json_object_object_get_ex(obj, k, NULL)) {
            fprintf(stderr, "%s: missing %s\n", what, k);
            bad++;
        }
    }
    if (exact) {
        json_object_object_foreach(obj, k2, v2)
        {
            (void)v2;
            if (!json_object_object_get_ex(example, k2, NULL)) {
                fprintf(stderr, "%s: extra %s\n", what, k2);
                bad++;
            }
        }
    }
    return bad;
}
