/*
 * sched.c - the confirmation timers of one organization. See sched.h.
 *
 * Why a flat array scanned in full instead of a heap: an organization has at most
 * TF_MAX_CONFIRMATIONS pending (4096), usually a handful, and a scan of 4096 entries costs a
 * few microseconds per wake-up, next to API calls that take milliseconds. The array has no
 * stale entries to sweep and no generations to keep right.
 */
#include "tagfailover/sched.h"

#include <stdlib.h>
#include <string.h>

/* A taken confirmation waits for sched_set_due or sched_end; it is never due meanwhile. */
#define SCHED_IN_FLIGHT UINT64_MAX

void sched_init(sched *s, uint64_t interval_ms, uint64_t window_ms, size_t cap)
{
    memset(s, 0, sizeof(*s));
    s->interval_ms = interval_ms > 0 ? interval_ms : 1;
    s->window_ms = window_ms;
    s->cap = cap;
}

void sched_free(sched *s)
{
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

long sched_find(const sched *s, const char *network_id)
{
    for (size_t i = 0; s->v != NULL && i < s->cap; i++)
        if (s->v[i].used && strcmp(s->v[i].network_id, network_id) == 0)
            return (long)i;
    return -1;
}

const sched_entry *sched_get(const sched *s, size_t slot)
{
    if (s->v == NULL || slot >= s->cap || !s->v[slot].used)
        return NULL;
    return &s->v[slot];
}

/* Copies a NUL-terminated string into a fixed buffer, truncating. */
static void sched_copy(char *dst, size_t size, const char *src)
{
    size_t n = src != NULL ? strlen(src) : 0;
    if (n >= size)
        n = size - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

sched_add_result sched_add(sched *s, const char *network_id, const char *alert_id,
                           uint64_t received_ms, int64_t since_unix_ms, uint64_t now_ms,
                           size_t *slot)
{
    long found = sched_find(s, network_id);
    if (found >= 0) {
        if (slot != NULL)
            *slot = (size_t)found;
        return SCHED_JOINED;
    }
    if (s->n >= s->cap)
        return SCHED_FULL;
    if (s->v == NULL && (s->v = calloc(s->cap, sizeof(*s->v))) == NULL)
        return SCHED_NOMEM;
    size_t i = 0;
    while (s->v[i].used)
        i++;
    sched_entry *c = &s->v[i];
    memset(c, 0, sizeof(*c));
    sched_copy(c->network_id, sizeof(c->network_id), network_id);
    sched_copy(c->alert_id, sizeof(c->alert_id), alert_id);
    c->received_ms = received_ms;
    c->since_unix_ms = since_unix_ms;
    c->deadline_ms = received_ms + s->window_ms;
    c->due_ms = now_ms;
    c->ping_due_ms = SCHED_IN_FLIGHT;
    c->used = true;
    s->n++;
    if (slot != NULL)
        *slot = i;
    return SCHED_STARTED;
}

bool sched_next_due(const sched *s, uint64_t *due_ms)
{
    bool any = false;
    uint64_t best = SCHED_IN_FLIGHT;
    for (size_t i = 0; s->v != NULL && i < s->cap && s->n > 0; i++) {
        const sched_entry *c = &s->v[i];
        if (!c->used)
            continue;
        if (c->due_ms != SCHED_IN_FLIGHT && c->due_ms <= best) {
            best = c->due_ms;
            any = true;
        }
        if (c->ping_pending && c->ping_due_ms != SCHED_IN_FLIGHT && c->ping_due_ms <= best) {
            best = c->ping_due_ms;
            any = true;
        }
    }
    if (any)
        *due_ms = best;
    return any;
}

void sched_note_serial(sched *s, size_t slot, const char *serial)
{
    if (s->v == NULL || slot >= s->cap || !s->v[slot].used || serial == NULL)
        return;
    if (s->v[slot].serial[0] == '\0')
        sched_copy(s->v[slot].serial, sizeof(s->v[slot].serial), serial);
}

size_t sched_take_ping_due(sched *s, uint64_t now_ms, size_t *slots, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; s->v != NULL && i < s->cap && n < max; i++) {
        sched_entry *c = &s->v[i];
        if (!c->used || !c->ping_pending || c->ping_due_ms == SCHED_IN_FLIGHT ||
            c->ping_due_ms > now_ms)
            continue;
        c->ping_due_ms = SCHED_IN_FLIGHT;
        slots[n++] = i;
    }
    return n;
}

void sched_ping_due(sched *s, size_t slot, uint64_t due_ms)
{
    if (s->v != NULL && slot < s->cap && s->v[slot].used)
        s->v[slot].ping_due_ms = due_ms;
}

long sched_find_ping(const sched *s, const char *ping_id)
{
    if (ping_id == NULL || ping_id[0] == '\0')
        return -1;
    for (size_t i = 0; s->v != NULL && i < s->cap; i++) {
        const sched_entry *c = &s->v[i];
        if (c->used && c->ping_pending &&
            (strcmp(c->ping_id, ping_id) == 0 || strcmp(c->backup_ping_id, ping_id) == 0))
            return (long)i;
    }
    return -1;
}

unsigned sched_pings_in_flight(const sched *s)
{
    unsigned n = 0;
    for (size_t i = 0; s->v != NULL && i < s->cap; i++) {
        const sched_entry *c = &s->v[i];
        if (c->used && c->ping_pending)
            n += 1u + (c->backup_ping_id[0] != '\0');
    }
    return n;
}

sched_entry *sched_entry_at(sched *s, size_t slot)
{
    if (s->v == NULL || slot >= s->cap || !s->v[slot].used)
        return NULL;
    return &s->v[slot];
}

size_t sched_take_due(sched *s, uint64_t now_ms, size_t *slots, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; s->v != NULL && i < s->cap && n < max; i++) {
        sched_entry *c = &s->v[i];
        if (!c->used || c->due_ms == SCHED_IN_FLIGHT || c->due_ms > now_ms)
            continue;
        c->due_ms = SCHED_IN_FLIGHT;
        c->looks++;
        slots[n++] = i;
    }
    return n;
}

bool sched_next_look(uint64_t received_ms, uint64_t interval_ms, uint64_t deadline_ms,
                     uint64_t now_ms, uint64_t *next_ms)
{
    if (interval_ms == 0)
        interval_ms = 1;
    uint64_t since = now_ms > received_ms ? now_ms - received_ms : 0;
    uint64_t next = received_ms + (since / interval_ms + 1) * interval_ms;
    /* The window's last look is at the deadline itself, even off the grid. */
    if (next > deadline_ms && now_ms < deadline_ms)
        next = deadline_ms;
    if (next > deadline_ms)
        return false;
    *next_ms = next;
    return true;
}

void sched_set_due(sched *s, size_t slot, uint64_t due_ms)
{
    if (s->v != NULL && slot < s->cap && s->v[slot].used)
        s->v[slot].due_ms = due_ms;
}

void sched_end(sched *s, size_t slot)
{
    if (s->v == NULL || slot >= s->cap || !s->v[slot].used)
        return;
    s->v[slot].used = false;
    s->n--;
}
