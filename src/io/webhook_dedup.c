/*
 * webhook_dedup.c - the webhook duplicate table (see webhook.h): which alerts were seen in the
 * last hour, so a Meraki retry of the same body is answered `duplicate` instead of starting a
 * second confirmation.
 *
 * A fixed open-addressing table of 64-bit keys, probed WEBHOOK_DEDUP_PROBE slots deep; the
 * oldest entry of a full probe window is evicted, so a flood of distinct alerts costs a fixed
 * amount of memory. Keys are a salted SHA-256 of the alert's identifying fields, with a salt
 * drawn at start-up, so a sender can neither predict keys nor make two alerts collide.
 */
#include "tagfailover/webhook.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_DEDUP_PROBE 8

typedef struct {
    uint64_t key;     /* 0: empty */
    uint64_t seen_ms; /* monotonic time first seen */
} webhook_dedup_entry;

struct webhook_dedup {
    pthread_mutex_t lock;
    webhook_dedup_entry *slots;
    size_t mask; /* slots - 1 */
    uint64_t ttl_ms;
    EVP_MD *sha256;
    unsigned char salt[16]; /* random: keys cannot be predicted or made to collide */
};

webhook_dedup *webhook_dedup_new(size_t slots, uint64_t ttl_ms)
{
    webhook_dedup *d = calloc(1, sizeof(*d));
    size_t n = WEBHOOK_DEDUP_PROBE;

    if (d == NULL)
        return NULL;
    while (n < slots)
        n <<= 1;
    d->slots = calloc(n, sizeof(*d->slots));
    d->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (d->slots == NULL || d->sha256 == NULL || RAND_bytes(d->salt, sizeof(d->salt)) != 1) {
        EVP_MD_free(d->sha256);
        free(d->slots);
        free(d);
        return NULL;
    }
    d->mask = n - 1;
    d->ttl_ms = ttl_ms;
    pthread_mutex_init(&d->lock, NULL);
    return d;
}

void webhook_dedup_free(webhook_dedup *d)
{
    if (d == NULL)
        return;
    pthread_mutex_destroy(&d->lock);
    EVP_MD_free(d->sha256);
    free(d->slots);
    free(d);
}

/* Appends a field (a presence byte, the text, a NUL) to the key material. */
static size_t webhook_key_field(unsigned char *buf, size_t off, const char *s)
{
    size_t l = s != NULL ? strnlen(s, TF_ID_MAX_LEN) : 0;
    buf[off++] = s != NULL;
    memcpy(buf + off, s != NULL ? s : "", l);
    off += l;
    buf[off++] = '\0';
    return off;
}

uint64_t webhook_dedup_key(const webhook_dedup *d, const alert *a)
{
    unsigned char buf[sizeof(d->salt) + 5 * (TF_ID_MAX_LEN + 2)];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t off = sizeof(d->salt);
    uint64_t key = 0;

    memcpy(buf, d->salt, sizeof(d->salt));
    off = webhook_key_field(buf, off, a->organization_id);
    off = webhook_key_field(buf, off, a->network_id);
    off = webhook_key_field(buf, off, a->alert_type_id);
    off = webhook_key_field(buf, off, a->alert_id);
    off = webhook_key_field(buf, off, a->occurred_at);
    if (EVP_Digest(buf, off, md, &mdlen, d->sha256, NULL) == 1 && mdlen >= sizeof(key))
        memcpy(&key, md, sizeof(key));
    return key != 0 ? key : 1;
}

bool webhook_dedup_check(webhook_dedup *d, uint64_t key, uint64_t now_ms)
{
    webhook_dedup_entry *victim = NULL;
    bool victim_live = false;
    bool dup = false;

    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < WEBHOOK_DEDUP_PROBE; i++) {
        webhook_dedup_entry *e = &d->slots[(key + i) & d->mask];
        bool live = e->key != 0 && now_ms - e->seen_ms < d->ttl_ms;
        if (e->key == key) {
            if (live) {
                dup = true;
                goto out;
            }
            victim = e; /* the same key, expired: its own slot */
            break;
        }
        /* Otherwise the first free (empty or expired) slot, else the oldest live entry. */
        if (!live) {
            if (victim == NULL || victim_live) {
                victim = e;
                victim_live = false;
            }
        } else if (victim == NULL || (victim_live && e->seen_ms < victim->seen_ms)) {
            victim = e;
            victim_live = true;
        }
    }
    victim->key = key;
    victim->seen_ms = now_ms;
out:
    pthread_mutex_unlock(&d->lock);
    return dup;
}

void webhook_dedup_forget(webhook_dedup *d, uint64_t key)
{
    pthread_mutex_lock(&d->lock);
    for (size_t i = 0; i < WEBHOOK_DEDUP_PROBE; i++) {
        webhook_dedup_entry *e = &d->slots[(key + i) & d->mask];
        if (e->key == key)
            e->key = 0;
    }
    pthread_mutex_unlock(&d->lock);
}
