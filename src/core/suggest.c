/*
 * suggest.c - the nearest known word to a misspelt one. See suggest.h.
 */
#include "tagfailover/suggest.h"

#include <stdint.h>
#include <string.h>

/* ASCII lower case, without the locale. */
static char suggest_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static size_t suggest_min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t suggest_distance(const char *a, const char *b)
{
    /* Three rows of the table: two back for a swap, the previous one, and this one. */
    size_t rows[3][SUGGEST_MAX_LEN + 1];

    if (a == NULL || b == NULL)
        return SIZE_MAX;
    size_t la = strnlen(a, SUGGEST_MAX_LEN + 1), lb = strnlen(b, SUGGEST_MAX_LEN + 1);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
        return SIZE_MAX;
    size_t *back2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        char ca = suggest_lower(a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            char cb = suggest_lower(b[j - 1]);
            size_t cost = ca == cb ? 0 : 1;
            cur[j] = suggest_min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && ca == suggest_lower(b[j - 2]) && suggest_lower(a[i - 2]) == cb &&
                back2[j - 2] + 1 < cur[j])
                cur[j] = back2[j - 2] + 1;
        }
        size_t *t = back2;
        back2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

size_t suggest_max_distance(size_t len)
{
    return len <= 4 ? 1 : len <= 8 ? 2 : 3;
}

const char *suggest_nearest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;

    if (word == NULL || candidates == NULL)
        return NULL;
    size_t limit = suggest_max_distance(strnlen(word, SUGGEST_MAX_LEN + 1));
    for (size_t i = 0; i < n; i++) {
        if (candidates[i] == NULL)
            continue;
        size_t d = suggest_distance(word, candidates[i]);
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}
