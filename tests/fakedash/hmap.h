/*
 * hmap.h - a string-keyed hash map (open addressing, FNV-1a) for O(1) lookups of networks by
 * id and devices by serial, so a 10,000-network scenario answers as fast as a 3-network one.
 *
 * Keys are borrowed: the map stores the caller's key pointer, which must outlive its entry.
 * Not thread-safe; the state lock guards every map.
 */
#ifndef FAKEDASH_HMAP_H
#define FAKEDASH_HMAP_H

#include <stddef.h>

struct hmap_slot {
    const char *key; /* borrowed; NULL = empty slot */
    void *value;
};

struct hmap {
    struct hmap_slot *slots; /* power-of-two count */
    size_t nslots;
    size_t count;
};

/* Inserts or replaces key -> value. Returns 0, or -1 when out of memory. */
int hmap_put(struct hmap *m, const char *key, void *value);

/* Returns the value stored for `key`, or NULL. */
void *hmap_get(const struct hmap *m, const char *key);

/* Removes `key` if present (backward-shift deletion keeps probes short). */
void hmap_del(struct hmap *m, const char *key);

/* Frees the slot array; the keys and values are the caller's. */
void hmap_free(struct hmap *m);

#endif
