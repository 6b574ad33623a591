/*
 * id.c - the rule for Dashboard IDs. See id.h.
 */
#include "tagfailover/id.h"

#include <stddef.h>

#include "tagfailover/caps.h"

/* True when `s` is 1..max characters of letters, digits, '-' and (when `underscore`) '_'. */
static bool id_token(const char *s, size_t max, bool underscore)
{
    size_t n = 0;

    if (s == NULL)
        return false;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        /* Spelt out rather than isalnum: the locale must not widen the set. */
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || (underscore && c == '_');
        if (!ok || n >= max)
            return false;
    }
    return n > 0;
}

bool id_valid(const char *s)
{
    return id_token(s, TF_ID_MAX_LEN, true);
}

bool id_serial_valid(const char *s)
{
    return id_token(s, ID_SERIAL_MAX_LEN, false);
}
