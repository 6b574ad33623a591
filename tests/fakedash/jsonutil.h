/*
 * jsonutil.h - small json-c helpers for reading scenario and API input strictly: known keys
 * only, typed optional fields, string arrays. Errors go into the caller's buffer.
 */
#ifndef FAKEDASH_JSONUTIL_H
#define FAKEDASH_JSONUTIL_H

#include <stddef.h>

struct json_object;

/* Fails (with err) unless every key of object `o` is in the NULL-terminated list `known`;
 * `what` names the object in the message. */
int jutil_check_keys(struct json_object *o, const char *what, const char *const known[], char *err,
                     size_t errlen);

/* Reads optional string field `key`: *out is a malloc'd copy of it, or of `def` when absent or
 * null (NULL when def is NULL). Returns -1 with err when the field is not a string. */
int jutil_str(struct json_object *o, const char *key, const char *def, char **out, char *err,
              size_t errlen);

/* Reads optional string field `key` into the buffer out (size bytes), which stays as it is
 * when the field is absent or null. Returns -1 when it is not a string or does not fit. */
int jutil_str_buf(struct json_object *o, const char *key, char *out, size_t size);

/* Reads optional number field `key` into *out, which stays as it is when the field is
 * absent or null. Returns -1 when it is not a number in [lo, hi]. */
int jutil_num(struct json_object *o, const char *key, double lo, double hi, double *out);

/* Whether v is a JSON number (integer or not). */
int jutil_is_number(struct json_object *v);

/* Frees an array of n malloc'd strings and the array. */
void jutil_strv_free(char **v, size_t n);

/* Copies an array of strings (already checked to hold only strings) into a malloc'd array of
 * malloc'd strings (*out, *n). Returns 0 or -1 when out of memory. */
int jutil_strv_copy(struct json_object *a, char ***out, size_t *n);

#endif
