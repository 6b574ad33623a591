/*
 * shard.h - which organizations one replica handles: `[dashboard] shard = i/N` keeps the
 * organizations whose ID hashes to i (FNV-1a 64 of the ID's text, mod N).
 *
 * Pure: no I/O, no clock, no globals, no logging. Any thread may call anything here.
 *
 * Why a hash of the ID and nothing else: N replicas (i = 0..N-1) split any number of
 * organizations with no coordination service and no shared list. Each decides from the ID
 * alone, so an alert is answered (owned, or 200 `ignored`) before the organization list has
 * been read, and every replica, one-shot commands included, agrees on every organization.
 * FNV-1a 64 is a published, fixed function (its test vectors are in tests/unit/test_shard.c),
 * so the split never changes between versions or platforms; it is not for secrecy. The hash
 * is of the ID's text, as the API spells it: IDs are strings in the API, even when they look
 * like numbers. Changing N moves organizations between replicas; the Dashboard being the only
 * state, a moved organization is simply reconciled by its new replica.
 */
#ifndef TAGFAILOVER_SHARD_H
#define TAGFAILOVER_SHARD_H

#include <stdbool.h>
#include <stdint.h>

/* The most replicas a shard setting may name. It is a guard against a typo (0/10000000), not
 * a real limit: each replica is a host or a pod, and one replica handles hundreds of
 * organizations. */
#define SHARD_MAX_COUNT 1000

/* One replica's place: it handles the organizations whose hash mod `count` is `index`. */
typedef struct {
    unsigned index; /* i, below count */
    unsigned count; /* N, 1..SHARD_MAX_COUNT; 0 reads as 1 (a zeroed spec owns everything) */
} shard_spec;

typedef enum {
    SHARD_OK = 0,
    SHARD_ERR_SYNTAX, /* not two whole numbers joined by '/' */
    SHARD_ERR_RANGE,  /* N is 0 or over SHARD_MAX_COUNT, or i is not below N */
} shard_err;

/* The FNV-1a 64 hash of `text`'s bytes (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3). NULL hashes as "". */
uint64_t shard_hash(const char *text) __attribute__((warn_unused_result));

/* True when the replica `s` handles organization `org_id`: its hash mod N is i. With N = 1
 * (the default) every organization is the replica's. NULL is the ID "". */
bool shard_owns(shard_spec s, const char *org_id) __attribute__((warn_unused_result));

/* Parses "i/N" (whole decimal numbers, no sign or blanks) into *out, which is untouched on
 * error. */
shard_err shard_parse(const char *text, shard_spec *out) __attribute__((warn_unused_result));

/* A message for an error code; never NULL. */
const char *shard_strerror(shard_err e);

#endif
