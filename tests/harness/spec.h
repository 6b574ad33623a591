/*
 * spec.h - the Dashboard API subset the fake implements (tests/fixtures/
 * openapi-v1.42-subset.json): its operations, their documented examples, and whether an
 * answer has an example's shape.
 *
 * What comes back is borrowed from the spec document, which the module reads once and keeps;
 * nothing here asserts (expect.h does).
 */
#ifndef TF_HARNESS_SPEC_H
#define TF_HARNESS_SPEC_H

struct json_object;

/* The spec subset, read on the first call and kept for the life of the program (borrowed),
 * or NULL with a message when it cannot be read. Not thread-safe. */
struct json_object *harness_spec(void);

/* The operation `method` ("get", "put", ...) of `path` ("/networks/{networkId}"), or NULL. */
struct json_object *harness_spec_op(const char *path, const char *method);

/* The example of an operation's `code` response (application/json); for an array, its first
 * element. NULL with a message when the spec has none. */
struct json_object *harness_spec_example(const char *path, const char *method, const char *code);

/* Compares the keys of `obj` with those of `example`: every key of the example must be
 * there and, when `exact`, no other. Prints each difference under `what` and returns how
 * many there were; a non-object `obj` or a NULL example counts as one. */
int harness_spec_shape_diff(struct json_object *obj, struct json_object *example, int exact,
                            const char *what);

#endif
