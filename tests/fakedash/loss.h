/*
 * loss.h - the loss schedule: which lossPercent a sample at time ts has, for one network,
 * uplink and destination IP.
 *
 * Every (network, uplink, destination) has loss 0 from the beginning of time unless an entry
 * says otherwise; the latest entry (largest `from`, then the one added last) whose `from` is
 * at or before ts applies. An entry's network, appliance, uplink or ip may be a wildcard, so
 * "every branch loses London at 12:00" is one entry. Not thread-safe: the state lock guards the
 * lists (state.h).
 */
#ifndef FAKEDASH_LOSS_H
#define FAKEDASH_LOSS_H

#include <stddef.h>

struct json_object;

enum loss_kind {
    LOSS_VALUE,  /* a sample with lossPercent = value */
    LOSS_NULL,   /* a sample with lossPercent null (no data, as Meraki sends it) */
    LOSS_ABSENT, /* no sample at all: the device stopped reporting */
};

struct loss_entry {
    char *network_id; /* NULL = every network */
    char *serial;     /* NULL = both appliances of an HA pair */
    int uplink;       /* a STATE_* uplink index, or -1 = every uplink */
    char *ip;         /* NULL = every destination */
    enum loss_kind kind;
    double value;           /* lossPercent when kind == LOSS_VALUE */
    double from;            /* Unix seconds it applies from */
    unsigned long long seq; /* order of addition, breaks ties of `from` */
};

struct loss_list {
    struct loss_entry *v;
    size_t n, cap;
};

/* Most entries one list holds (a cap on control input). */
#define LOSS_MAX_ENTRIES 100000

/* Parses an entry from JSON: networkId, serial, uplink, ip (each optional = any), lossPercent
 * (number or null), absent (bool), and the time as `from` or `at` (Unix seconds; <= 0 means
 * an offset from `now`; missing means `now`). Returns 0 (the entry owns its strings), or -1
 * with a message in err. The caller sets seq. */
int loss_entry_parse(struct json_object *o, double now, struct loss_entry *out, char *err,
                     size_t errlen);

/* Appends an entry, taking over its strings. Returns 0 or -1 when the list is full. */
int loss_list_add(struct loss_list *l, struct loss_entry *e);

/* Frees an entry's strings and zeroes it. */
void loss_entry_free(struct loss_entry *e);

/* Frees a list's entries. */
void loss_list_free(struct loss_list *l);

/* Where a sample is taken: a network's appliance, one of its uplinks, a destination. */
struct loss_where {
    const char *network_id;
    const char *serial;
    int uplink;
    const char *ip;
};

/* The sample at `w` at time `ts`, from a network's own entries `own` (may be NULL) and the
 * wildcard entries `any` (may be NULL). Sets *value when the kind is LOSS_VALUE. */
enum loss_kind loss_at(const struct loss_list *own, const struct loss_list *any,
                       const struct loss_where *w, double ts, double *value);

/* The entries as a JSON array (new object; caller puts), for the control API. */
struct json_object *loss_list_json(const struct loss_list *l);

#endif
