/*
 * expect.h - cmocka assertions the fake Dashboard's own tests (test_fakedash_*.c) make again
 * and again: a JSON member that must be there, an API answer that must be JSON with a given
 * status, a control call or a scenario the fake must accept, a Meraki error body, and an
 * answer with the spec's documented shape.
 *
 * Each fails the running cmocka test (with what it got) instead of returning an error, so it
 * is for test bodies only; the program must link cmocka. Borrowed results stay valid as long
 * as the object they come from.
 */
#ifndef TF_HARNESS_EXPECT_H
#define TF_HARNESS_EXPECT_H

#include "harness/fakedash.h"
#include "harness/http.h"

struct json_object;

/* The member `key` of `o` (borrowed; NULL when it is JSON null); fails when it is absent. */
struct json_object *harness_expect_get(struct json_object *o, const char *key);

/* The string form of member `key` of `o` (borrowed); fails when it is absent. */
const char *harness_expect_str(struct json_object *o, const char *key);

/* GETs the fake's API `path` (harness_fakedash_api) and returns its JSON answer (caller
 * puts); fails unless the status is `want_status` and the body is JSON. */
struct json_object *harness_expect_api_json(const struct harness_fakedash *fd, const char *path,
                                            long want_status);

/* Sends a control call (harness_control); fails unless it is answered 200. */
void harness_expect_control(const struct harness_fakedash *fd, const char *method, const char *path,
                            const char *body);

/* Loads a scenario (harness_fakedash_scenario); fails unless the fake accepts it. */
void harness_expect_scenario(const struct harness_fakedash *fd, const char *json);

/* Fails unless the answer's body is a Meraki error body: {"errors": ["...", ...]}. */
void harness_expect_errors_body(const struct harness_response *r);

/* The example of an operation's `code` response (harness_spec_example, borrowed); fails when
 * the spec has none. */
struct json_object *harness_expect_example(const char *path, const char *method, const char *code);

/* Fails unless `obj` has every key of `example` (and, when `exact`, no other); the
 * differences are printed under `what`. */
void harness_expect_shape(struct json_object *obj, struct json_object *example, int exact,
                          const char *what);

#endif
