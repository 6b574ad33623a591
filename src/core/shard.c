/*
 * shard.c - the FNV-1a 64 hash of an organization ID and the shard membership test. See
 * shard.h.
 */
#include "tagfailover/shard.h"

#include <stddef.h>

#define SHARD_FNV_OFFSET 0xcbf29ce484222325ULL
#define SHARD_FNV_PRIME  0x100000001b3ULL

#define SHARD_STR_(x) #x
#define SHARD_STR(x)  SHARD_STR_(x)

uint64_t shard_hash(const char *text)
{
    uint64_t h = SHARD_FNV_OFFSET;

    if (text == NULL)
        return h;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        h ^= *p;
        h *= SHARD_FNV_PRIME;
    }
    return h;
}

bool shard_owns(shard_spec s, const char *org_id)
{
    if (s.count <= 1)
        return true;
    return shard_hash(org_id) % s.count == s.index;
}

/* Reads a whole decimal number of at most 9 digits (enough for SHARD_MAX_COUNT and far from
 * overflow) at *p and moves *p past it. False when there is none or it is longer. */
static bool shard_number(const char **p, unsigned long *out)
{
    unsigned long n = 0;
    int digits = 0;

    while (**p >= '0' && **p <= '9') {
        if (++digits > 9)
            return false;
        n = n * 10 + (unsigned long)(**p - '0');
        (*p)++;
    }
    *out = n;
    return digits > 0;
}

shard_err shard_parse(const char *text, shard_spec *out)
{
    unsigned long i, n;
    const char *p = text;

    if (p == NULL || !shard_number(&p, &i) || *p++ != '/' || !shard_number(&p, &n) || *p != '\0')
        return SHARD_ERR_SYNTAX;
    if (n < 1 || n > SHARD_MAX_COUNT || i >= n)
        return SHARD_ERR_RANGE;
    out->index = (unsigned)i;
    out->count = (unsigned)n;
    return SHARD_OK;
}

const char *shard_strerror(shard_err e)
{
    switch (e) {
    case SHARD_OK:
        return "success";
    case SHARD_ERR_SYNTAX:
        return "not i/N";
    case SHARD_ERR_RANGE:
        return "N must be from 1 to " SHARD_STR(SHARD_MAX_COUNT) " and i below N";
    }
    return "unknown shard error";
}
