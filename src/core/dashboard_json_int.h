/*
 * dashboard_json_int.h - private to src/core/dashboard_json*.c: the helpers every parser of
 * the Dashboard's JSON walks a value with (see dashboard_json.c).
 */
#ifndef TAGFAILOVER_DASHBOARD_JSON_INT_H
#define TAGFAILOVER_DASHBOARD_JSON_INT_H

#include <json-c/json.h>
#include <stddef.h>

#include "tagfailover/dashboard_json.h"

/* What an element parser returns for a record to leave out of its list: one that names an ID
 * that could not go into a path (id.h); the rest of the answer goes on without it. Never
 * returned by a public function. */
#define DJ_SKIP ((dj_err)(DJ_ERR_NOMEM + 1))

/* Parses one array element into `elem`; on error (or DJ_SKIP) leaves what it filled for the
 * clear. */
typedef dj_err (*dj_elem_fn)(json_object *v, void *elem);
/* Frees the members of one element. */
typedef void (*dj_clear_fn)(void *elem);

/* A required, non-empty string member of at most `cap` bytes. */
dj_err dj_req_string(json_object *obj, const char *key, size_t cap, char **dst);
/* An optional string member: absent or null leaves *dst NULL. */
dj_err dj_opt_string(json_object *obj, const char *key, size_t cap, char **dst);
/* A required array member (*arr is borrowed). */
dj_err dj_req_array(json_object *obj, const char *key, json_object **arr);
/* Parses every element of `arr` (each must be an object) into a new heap array. An empty
 * array gives NULL and 0. On error nothing is left allocated. */
dj_err dj_array(json_object *arr, size_t size, dj_elem_fn parse, dj_clear_fn clear, void **out,
                size_t *n);
/* Frees `n` elements of `size` bytes with `clear`, then the array. */
void dj_free_list(void *v, size_t n, size_t size, dj_clear_fn clear);
/* Parses a whole answer that is a list of objects: the top-level array when `key` is NULL,
 * else the required array member `key` of a top-level object. On error nothing is left
 * allocated and *out is NULL. */
dj_err dj_parse_list(const char *json, size_t len, const char *key, size_t size, dj_elem_fn parse,
                     dj_clear_fn clear, void **out, size_t *n);
/* A required ID that goes into API paths (id.h's rule, else DJ_SKIP). */
dj_err dj_req_id(json_object *obj, const char *key, char **dst);
/* An optional appliance serial (id_serial_valid, else dropped: *dst NULL). */
dj_err dj_opt_serial(json_object *obj, const char *key, char **dst);

#endif
