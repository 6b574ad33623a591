/*
 * id.c - the rule for Dashboard IDs. See id.h.
 */
#include "tagfailover/id.h"

#include <stddef.h>

#include "tagfailover/caps.h"

bool id_valid(const char *s)
{
    size_t n = 0;

    if (s == NULL)
        return false;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        /* Spelt out rather than isalnum: the locale must not widen the set. */
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || n >= TF_ID_MAX_LEN)
            return false;
    }
    return n > 0;
}
