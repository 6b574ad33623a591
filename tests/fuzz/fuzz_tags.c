/*
 * fuzz_tags.c - libFuzzer target: tag parsing, classification and the swap on a tag list made
 * from the input, one tag per line.
 *
 * Properties checked besides memory safety: a parsed pair tag spells back to the same text;
 * a failover (or failback) that succeeds gives the other state, and swapping back restores the
 * exact list; the hold tag is added or removed as asked; a failed swap leaves its output empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/tags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_HOLD "tagfailover_hold"

/* A pair tag's parts put back together are the tag itself. */
static void fuzz_check_pair(const char *tag)
{
    tags_pair_tag p;
    char again[TF_SITE_MAX_LEN + 32];
    size_t site_len;

    if (!tags_parse_pair_tag(tag, &p))
        return;
    site_len = strnlen(p.site, sizeof(p.site));
    if (site_len == 0 || site_len > TF_SITE_MAX_LEN)
        abort();
    snprintf(again, sizeof(again), "%s_%s_%s", p.site,
             p.role == TAGS_ROLE_PRIMARY ? "primary" : "backup", p.up ? "up" : "down");
    if (strcmp(again, tag) != 0)
        abort();
}

static void fuzz_swaps(const tags_list *in, const tags_info *info)
{
    static const tags_hold_op holds[] = {TAGS_HOLD_KEEP, TAGS_HOLD_ADD, TAGS_HOLD_REMOVE};

    for (int d = 0; d < 2; d++) {
        tags_swap_dir dir = d == 0 ? TAGS_SWAP_FAILOVER : TAGS_SWAP_FAILBACK;
        tags_swap_dir back = d == 0 ? TAGS_SWAP_FAILBACK : TAGS_SWAP_FAILOVER;

        for (size_t h = 0; h < sizeof(holds) / sizeof(holds[0]); h++) {
            tags_list out = {NULL, 0}, again = {NULL, 0};
            tags_info after;
            tags_err err = tags_swap(in, dir, holds[h], FUZZ_HOLD, &out);

            if (err != TAGS_OK) {
                if (out.n != 0 || out.v != NULL)
                    abort();
                continue;
            }
            if (holds[h] == TAGS_HOLD_KEEP) {
                /* Only a normal (or failed-over) list swaps without touching the hold tag. */
                if (info->state != (d == 0 ? TAGS_NORMAL : TAGS_FAILED_OVER))
                    abort();
                tags_classify(&out, FUZZ_HOLD, &after);
                if (after.state != (d == 0 ? TAGS_FAILED_OVER : TAGS_NORMAL))
                    abort();
                if (tags_swap(&out, back, TAGS_HOLD_KEEP, FUZZ_HOLD, &again) != TAGS_OK ||
                    !tags_list_equal(&again, in))
                    abort();
            } else if (tags_contains(&out, FUZZ_HOLD) != (holds[h] == TAGS_HOLD_ADD)) {
                abort();
            }
            tags_list_free(&again);
            tags_list_free(&out);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tags_list list = {NULL, 0}, copy = {NULL, 0};
    tags_info info, no_hold;
    char *text = malloc(size + 1), *line, *next;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* One tag per line; a NUL ends the input as it would end a C string. */
    for (line = text; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        fuzz_check_pair(line);
        if (tags_list_push(&list, line) != TAGS_OK)
            break;
    }

    tags_classify(&list, FUZZ_HOLD, &info);
    if (tags_state_name(info.state) == NULL || tf_reason_name(info.reason) == NULL)
        abort();
    tags_classify(&list, NULL, &no_hold);
    if (no_hold.state == TAGS_HELD) /* without a hold tag nothing is held */
        abort();
    fuzz_swaps(&list, &info);

    if (tags_list_copy(&copy, &list) == TAGS_OK && !tags_list_equal(&copy, &list))
        abort();
    tags_list_free(&copy);
    tags_list_free(&list);
    tags_list_free(NULL);
    free(text);
    return 0;
}
