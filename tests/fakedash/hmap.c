/*
 * hmap.c - open-addressing string hash map (see hmap.h).
 */
#include "hmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hmap_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static int hmap_grow(struct hmap *m)
{
    size_t n = m->nslots ? m->nslots * 2 : 16;
    struct hmap_slot *old = m->slots;
    size_t oldn = m->nslots;

    m->slots = calloc(n, sizeof *m->slots);
    if (m->slots == NULL) {
        m->slots = old;
        return -1;
    }
    m->nslots = n;
    m->count = 0;
    for (size_t i = 0; i < oldn; i++)
        if (old[i].key)
            hmap_put(m, old[i].key, old[i].value);
    free(old);
    return 0;
}

int hmap_put(struct hmap *m, const char *key, void *value)
{
    size_t i;

    /* Keep the load under one half so probe runs stay short. */
    if ((m->count + 1) * 2 > m->nslots && hmap_grow(m) != 0)
        return -1;
    for (i = hmap_hash(key) & (m->nslots - 1);; i = (i + 1) & (m->nslots - 1)) {
        if (m->slots[i].key == NULL) {
            m->slots[i].key = key;
            m->slots[i].value = value;
            m->count++;
            return 0;
        }
        if (strcmp(m->slots[i].key, key) == 0) {
            m->slots[i].key = key;
            m->slots[i].value = value;
            return 0;
        }
    }
}

static size_t hmap_find(const struct hmap *m, const char *key)
{
    if (m->nslots == 0)
        return SIZE_MAX;
    for (size_t i = hmap_hash(key) & (m->nslots - 1);; i = (i + 1) & (m->nslots - 1)) {
        if (m->slots[i].key == NULL)
            return SIZE_MAX;
        if (strcmp(m->slots[i].key, key) == 0)
            return i;
    }
}

void *hmap_get(const struct hmap *m, const char *key)
{
    size_t i = hmap_find(m, key);

    return i == SIZE_MAX ? NULL : m->slots[i].value;
}

void hmap_del(struct hmap *m, const char *key)
{
    size_t mask = m->nslots - 1;
    size_t i = hmap_find(m, key);
    size_t j;

    if (i == SIZE_MAX)
        return;
    m->slots[i].key = NULL;
    m->count--;
    /* Move back any later entry of the run whose home slot is at or before the hole. */
    for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = hmap_hash(m->slots[j].key) & mask;

        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
}

void hmap_free(struct hmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->nslots = m->count = 0;
}
