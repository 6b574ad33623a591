/*
 * json.c - the strict JSON reader: the text checks json-c leaves out, then json-c. See json.h.
 */
#include "tagfailover/json.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "tagfailover/caps.h"

/* Strict text checks that json-c 0.16 leaves out even with JSON_TOKENER_STRICT. */

/* Checks one UTF-8 sequence whose lead byte (>= 0x80) is s[0], with `avail` bytes from s[0] to
 * the end of the text. Returns its length, or 0 when it is not valid UTF-8 as RFC 3629 defines
 * it: shortest form only, no UTF-16 surrogates, nothing above U+10FFFF. json-c's own check
 * only looks at byte classes. */
static size_t tfjson_utf8_seq(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* bounds for the first continuation byte */

    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (avail - 1 < need)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k <= need; k++) {
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    }
    return need + 1;
}

/* True when the `len` bytes are valid UTF-8 (see tfjson_utf8_seq). */
static bool tfjson_utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = tfjson_utf8_seq(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* The bytes that may stand outside a string in JSON text: blanks, punctuation, and the
 * letters and digits of numbers, true, false and null. A table, because this test runs for
 * every byte of every webhook. */
static const bool tfjson_token_byte[256] = {
    [' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true, ['{'] = true, ['}'] = true,
    ['['] = true, [']'] = true,  [':'] = true,  [','] = true,  ['-'] = true, ['+'] = true,
    ['.'] = true, ['0'] = true,  ['1'] = true,  ['2'] = true,  ['3'] = true, ['4'] = true,
    ['5'] = true, ['6'] = true,  ['7'] = true,  ['8'] = true,  ['9'] = true, ['e'] = true,
    ['E'] = true, ['t'] = true,  ['r'] = true,  ['u'] = true,  ['f'] = true, ['a'] = true,
    ['l'] = true, ['s'] = true,  ['n'] = true,
};

/* True for the bytes inside a string that need a closer look: controls (and NUL), the quote,
 * the backslash, and every byte of a multi-byte UTF-8 sequence. The rest, printable ASCII, is
 * what most of a webhook's strings are made of, and costs one compare. */
static inline bool tfjson_string_special(unsigned char c)
{
    return (unsigned char)(c - 0x20) >= 0x60 || c == '"' || c == '\\';
}

/* The strict text checks in one pass: every byte outside strings can belong to a JSON token,
 * no string holds a raw control character (or a NUL), and the whole text is valid UTF-8. This
 * is what turns away NaN, Infinity and single quotes, which json-c's strict mode accepts; the
 * grammar itself is left to json-c. Bad UTF-8 anywhere wins over a lexical error, as it did
 * when the two checks were separate passes: after a lexical error only UTF-8 is checked. */
static tfjson_err tfjson_text_check(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        /* Outside a string. */
        unsigned char c = s[i];
        if (c != '"') {
            if (!tfjson_token_byte[c])
                goto lexical;
            i++;
            continue;
        }
        /* Inside a string, from the byte after its opening quote to its closing one. */
        for (i++; i < len; i++) {
            c = s[i];
            if (!tfjson_string_special(c))
                continue;
            if (c == '"')
                break;
            if (c < 0x20)
                goto lexical;
            if (c == '\\') {
                /* json-c checks the escape itself; skipping keeps \" inside. A non-ASCII byte
                 * after the backslash is left to the UTF-8 check (json-c refuses the escape). */
                if (i + 1 < len && s[i + 1] < 0x80)
                    i++;
                continue;
            }
            size_t n = tfjson_utf8_seq(s + i, len - i);
            if (n == 0)
                return TFJSON_ERR_BAD_UTF8;
            i += n - 1;
        }
        i++; /* the closing quote (or the end of a truncated text) */
    }
    return TFJSON_OK;
lexical:
    return tfjson_utf8_valid(s + i, len - i) ? TFJSON_ERR_SYNTAX : TFJSON_ERR_BAD_UTF8;
}

struct json_tokener *tfjson_tokener_new(void)
{
    return json_tokener_new_ex(TF_JSON_MAX_DEPTH);
}

void tfjson_tokener_free(struct json_tokener *tok)
{
    if (tok != NULL)
        json_tokener_free(tok);
}

tfjson_err tfjson_parse(const char *json, size_t len, struct json_object **out)
{
    return tfjson_parse_with(NULL, json, len, out);
}

tfjson_err tfjson_parse_with(struct json_tokener *reuse, const char *json, size_t len,
                             struct json_object **out)
{
    struct json_tokener *tok = reuse;
    json_object *root = NULL;
    enum json_tokener_error jerr;
    tfjson_err st;

    *out = NULL;
    if (len > INT_MAX - 1)
        return TFJSON_ERR_TOO_LARGE;
    if (len == 0)
        return TFJSON_ERR_SYNTAX;
    st = tfjson_text_check((const unsigned char *)json, len);
    if (st != TFJSON_OK)
        return st;

    if (tok == NULL) {
        tok = tfjson_tokener_new();
        if (tok == NULL)
            return TFJSON_ERR_NOMEM;
    } else {
        json_tokener_reset(tok);
    }
    /* No JSON_TOKENER_VALIDATE_UTF8: tfjson_text_check has checked every byte already, more
     * strictly than json-c would, and json-c's check costs a call per byte. */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);

    root = json_tokener_parse_ex(tok, json, (int)len);
    jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_success) {
        /* Strict mode already refuses trailing garbage; this catches anything it lets by. */
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
            if (strchr(" \t\n\r", json[i]) == NULL) {
                st = TFJSON_ERR_SYNTAX;
                goto out;
            }
        }
    } else if (jerr == json_tokener_continue) {
        /* A bare number has no end of its own: a NUL tells json-c the text ends here. */
        root = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    if (jerr != json_tokener_success) {
        if (jerr == json_tokener_error_depth)
            st = TFJSON_ERR_TOO_DEEP;
        else if (jerr == json_tokener_error_parse_utf8_string)
            st = TFJSON_ERR_BAD_UTF8;
        else
            st = TFJSON_ERR_SYNTAX;
        goto out;
    }
    *out = root;
    root = NULL;
    st = TFJSON_OK;
out:
    json_object_put(root);
    if (reuse == NULL)
        json_tokener_free(tok);
    else
        json_tokener_reset(tok); /* drops any half-built value now, not at the next use */
    return st;
}

/* ---- a top-level array, one element at a time ---------------------------------------------- */

static bool tfjson_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Finds the end of the value that starts at s[pos] (not a blank): a string to its closing
 * quote, an object or array to its matching bracket, anything else to the next delimiter.
 * `depth` is the nesting the value stands at (1 for an element of the top-level array). The
 * grammar inside is json-c's to judge; this only needs to find where the value ends, which
 * brackets and quotes outside strings decide for any text json-c would accept. */
static tfjson_err tfjson_value_end(const char *s, size_t len, size_t pos, int depth, size_t *end)
{
    size_t i = pos;
    int d = 0;

    if (s[i] != '"' && s[i] != '{' && s[i] != '[') {
        while (i < len && !tfjson_blank(s[i]) && s[i] != ',' && s[i] != ']' && s[i] != '}')
            i++;
        *end = i;
        return TFJSON_OK;
    }
    do {
        char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++) {
                if (s[i] == '\\')
                    i++;
            }
            if (i >= len)
                return TFJSON_ERR_SYNTAX;
        } else if (c == '{' || c == '[') {
            /* As json-c counts: TF_JSON_MAX_DEPTH levels, the top-level array included. */
            if (depth + d >= TF_JSON_MAX_DEPTH)
                return TFJSON_ERR_TOO_DEEP;
            d++;
        } else if (c == '}' || c == ']') {
            d--;
        }
        i++;
    } while (d > 0 && i < len);
    if (d > 0)
        return TFJSON_ERR_SYNTAX;
    *end = i;
    return TFJSON_OK;
}

tfjson_err tfjson_each_element(const char *json, size_t len, tfjson_each_fn each, void *ctx,
                               bool *not_array, int *stopped)
{
    struct json_tokener *tok = NULL;
    tfjson_err st;
    size_t i = 0;

    *not_array = false;
    *stopped = 0;
    if (len > INT_MAX - 1)
        return TFJSON_ERR_TOO_LARGE;
    if (len == 0)
        return TFJSON_ERR_SYNTAX;
    st = tfjson_text_check((const unsigned char *)json, len);
    if (st != TFJSON_OK)
        return st;
    while (i < len && tfjson_blank(json[i]))
        i++;
    if (i == len || json[i] != '[') {
        *not_array = i < len;
        return i < len ? TFJSON_OK : TFJSON_ERR_SYNTAX;
    }
    tok = tfjson_tokener_new();
    if (tok == NULL)
        return TFJSON_ERR_NOMEM;
    for (i++; i < len && tfjson_blank(json[i]); i++)
        ;
    if (i < len && json[i] == ']') {
        i++;
        goto tail;
    }
    for (;;) {
        struct json_object *elem = NULL;
        size_t end;

        if (i >= len) {
            st = TFJSON_ERR_SYNTAX;
            goto out;
        }
        st = tfjson_value_end(json, len, i, 1, &end);
        if (st == TFJSON_OK)
            st = tfjson_parse_with(tok, json + i, end - i, &elem);
        if (st != TFJSON_OK)
            goto out;
        if (*stopped == 0)
            *stopped = each(elem, ctx);
        json_object_put(elem);
        for (i = end; i < len && tfjson_blank(json[i]); i++)
            ;
        if (i < len && json[i] == ']') {
            i++;
            break;
        }
        if (i >= len || json[i] != ',') {
            st = TFJSON_ERR_SYNTAX;
            goto out;
        }
        for (i++; i < len && tfjson_blank(json[i]); i++)
            ;
    }
tail:
    for (; i < len; i++) {
        if (!tfjson_blank(json[i])) {
            st = TFJSON_ERR_SYNTAX;
            goto out;
        }
    }
    st = TFJSON_OK;
out:
    tfjson_tokener_free(tok);
    return st;
}

char *tfjson_text(struct json_object *v, bool pretty)
{
    const char *s = json_object_to_json_string_ext(
        v, (pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN) |
               JSON_C_TO_STRING_NOSLASHESCAPE);
    return s != NULL ? strdup(s) : NULL;
}

const char *tfjson_strerror(tfjson_err e)
{
    switch (e) {
    case TFJSON_OK:
        return "success";
    case TFJSON_ERR_SYNTAX:
        return "not JSON";
    case TFJSON_ERR_BAD_UTF8:
        return "not valid UTF-8";
    case TFJSON_ERR_TOO_DEEP:
        return "nested too deeply";
    case TFJSON_ERR_TOO_LARGE:
        return "too large for the JSON parser";
    case TFJSON_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown JSON error";
}
