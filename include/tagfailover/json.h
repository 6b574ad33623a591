/*
 * json.h - the strict JSON reader: one RFC 8259 text into a json-c value, or why not.
 *
 * Pure: no I/O, no clock, no globals, no logging. Any thread may call any function; a tokener
 * lent to tfjson_parse_with serves one thread at a time.
 *
 * Every JSON text from outside (webhook bodies, API answers) goes through here, so the alert
 * parser and the Dashboard parsers refuse exactly the same texts. json-c's strict mode still
 * takes NaN, Infinity, single-quoted keys, raw control characters and overlong UTF-8, so the
 * text is checked for those first; the grammar itself is json-c's. Nesting is capped at
 * TF_JSON_MAX_DEPTH.
 *
 * The prefix is tfjson_ because json_ is json-c's.
 */
#ifndef TAGFAILOVER_JSON_H
#define TAGFAILOVER_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* Why a text was refused; finer than "not JSON" because the webhook reports each apart. */
typedef enum {
    TFJSON_OK = 0,
    TFJSON_ERR_SYNTAX,    /* not JSON: bad syntax, truncated, trailing garbage, a NUL byte */
    TFJSON_ERR_BAD_UTF8,  /* not valid UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF) */
    TFJSON_ERR_TOO_DEEP,  /* nested deeper than TF_JSON_MAX_DEPTH */
    TFJSON_ERR_TOO_LARGE, /* longer than json-c can take (INT_MAX) */
    TFJSON_ERR_NOMEM,
} tfjson_err;

struct json_object;
struct json_tokener;

/* Parses `len` bytes as exactly one strict JSON text (whitespace around it allowed) into a
 * json-c value the caller releases with json_object_put. *out is NULL on error, and also for
 * the text `null` (json-c's null is the NULL pointer), with TFJSON_OK. */
tfjson_err tfjson_parse(const char *json, size_t len, struct json_object **out)
    __attribute__((warn_unused_result));

/* A json-c tokener for tfjson_parse_with, with the depth cap every parse needs. NULL when out
 * of memory. The caller frees it with tfjson_tokener_free. */
struct json_tokener *tfjson_tokener_new(void);

/* Frees a tokener from tfjson_tokener_new. NULL is a no-op. */
void tfjson_tokener_free(struct json_tokener *tok);

/* tfjson_parse with a tokener the caller keeps between parses (from tfjson_tokener_new), so a
 * busy caller does not allocate one per text. The tokener is reset before and after use and
 * holds nothing of the text afterwards. The caller owns it (this module keeps no state).
 * NULL: a tokener is made for this call alone. */
tfjson_err tfjson_parse_with(struct json_tokener *tok, const char *json, size_t len,
                             struct json_object **out) __attribute__((warn_unused_result));

/* Called by tfjson_each_element for one element (borrowed: released after the call; NULL for
 * the element `null`). Returns 0 to go on, anything else to stop calling. */
typedef int (*tfjson_each_fn)(struct json_object *elem, void *ctx);

/*
 * Reads a text that should be a top-level array one element at a time: the whole text gets
 * the same checks as tfjson_parse (bytes, grammar, the depth cap counting the array itself),
 * but only one element at a time becomes a json-c value, and `each` is called with it. So an
 * answer of a million elements costs one element's tree, not a tree of ten to thirty-six times
 * the text's size.
 *
 * Returns TFJSON_OK when the whole text is one array (or is not an array: then *not_array is
 * true, no element was read, and nothing is said about the text, which the caller may parse
 * whole if it wants to know more), else the text's error. When `each` stops the walk, *stopped
 * is set to what it returned and the rest of the text is still checked, so an error of the
 * text wins over the caller's: the result is the same as a whole parse followed by a walk.
 */
tfjson_err tfjson_each_element(const char *json, size_t len, tfjson_each_fn each, void *ctx,
                               bool *not_array, int *stopped) __attribute__((warn_unused_result));

/* `v` as JSON text (compact, or indented with `pretty`; slashes not escaped), on the heap for
 * the caller to free; NULL when out of memory. */
char *tfjson_text(struct json_object *v, bool pretty);

/* A message for an error code; never NULL. */
const char *tfjson_strerror(tfjson_err e);

#endif
