/*
 * suggest.h - "did you mean": the known word nearest to a misspelt one, by edit distance.
 *
 * Pure. The configuration's messages use it for an unknown key or section
 * (`loss_treshold_pct` -> `did you mean loss_threshold_pct?`). The distance is the optimal
 * string alignment one (insert, delete, substitute, swap two neighbours: one edit each),
 * compared without regard to ASCII case, so `Loss_Threshold_Pct` and `loss_threshodl_pct` are
 * both found. A word far from every candidate gets no suggestion: a wrong guess is worse than
 * none.
 */
#ifndef TAGFAILOVER_SUGGEST_H
#define TAGFAILOVER_SUGGEST_H

#include <stddef.h>

/* Words longer than this are never compared (and get no suggestion): the work stays bounded
 * whatever a file holds. */
#define SUGGEST_MAX_LEN 64

/* The edit distance between `a` and `b` (see the top of the file), ASCII case ignored;
 * SIZE_MAX when either is NULL or longer than SUGGEST_MAX_LEN. */
size_t suggest_distance(const char *a, const char *b);

/* The most edits a suggestion for a word of `len` characters may be away: 1 up to 4
 * characters, 2 up to 8, else 3. */
size_t suggest_max_distance(size_t len);

/* The candidate nearest to `word` within suggest_max_distance(strlen(word)), the first of
 * equals in the list's order; NULL when none is near enough. NULL entries of `candidates`
 * are skipped. Returns one of the candidates (borrowed). */
const char *suggest_nearest(const char *word, const char *const *candidates, size_t n);

#endif
