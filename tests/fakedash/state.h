/*
 * state.h - the fake Dashboard's world: configuration, organizations with their VPN peers,
 * networks with tags, appliances and uplinks, and the loss schedule.
 *
 * One mutex guards it all (state_lock/state_unlock): every API and control handler takes it
 * for the little time it needs, which keeps the fake simple and its answers consistent.
 * A scenario load builds a whole new world outside the lock and swaps it in. The structs are
 * public so handlers can read them while holding the lock; nothing may keep a pointer into
 * the state after unlocking.
 */
#ifndef FAKEDASH_STATE_H
#define FAKEDASH_STATE_H

#include "hmap.h"
#include "loss.h"
#include "sbuf.h"

#include <stddef.h>

struct json_object;

enum { STATE_WAN1, STATE_WAN2, STATE_WAN3, STATE_CELLULAR, STATE_NUPLINKS };

/* An uplink's status; STATE_US_NONE means the appliance has no such uplink. */
enum state_ustatus {
    STATE_US_NONE = 0,
    STATE_US_ACTIVE,
    STATE_US_READY,
    STATE_US_FAILED,
    STATE_US_NOT_CONNECTED,
};

/* Defaults of the configuration (Meraki's 60-s samples and ~2-minute lag). */
#define STATE_DEFAULT_SPACING_S 60
#define STATE_DEFAULT_LAG_S     120
#define STATE_DEFAULT_PING_S    2
#define STATE_DEFAULT_BATCH_S   1
#define STATE_DEFAULT_API_KEY   "test-api-key"

/* Most networks and organizations one scenario may hold. */
#define STATE_MAX_NETWORKS 1000000
#define STATE_MAX_ORGS     1000
/* Most tags on one network, and the longest tag (a cap on PUT bodies). */
#define STATE_MAX_TAGS    1024
#define STATE_MAX_TAG_LEN 1024

/* Most VPN reachability overrides one network holds (POST /_control/vpn). */
#define STATE_MAX_VPN_OVERRIDES 64

/* The roles of a network's appliances: the primary, and the spare of an HA pair. */
enum { STATE_PRIMARY, STATE_SPARE, STATE_NMX };

struct state_org;

/* One appliance (MX) of a network. */
struct state_mx {
    char *serial;               /* NULL = no such appliance */
    char *model;                /* e.g. "MX68" */
    int uplink[STATE_NUPLINKS]; /* enum state_ustatus per uplink */
};

struct state_network {
    char *id;
    char *name;
    struct state_org *org;
    size_t index; /* position in org->nets (pagination order) */
    char **tags;  /* in order */
    size_t ntags;
    struct state_mx mx[STATE_NMX]; /* by role; no primary = no appliance, no spare = no HA */
    char *time_zone;
    char *notes;
    char *enrollment; /* NULL = null */
    char **product_types;
    size_t nproduct_types;
    struct json_object *destinations; /* [{ip, description, default}], or NULL = peer IPs */
    struct json_object *vpn_reach;    /* {publicIp: "reachable"|"unreachable"} set by the
                                         control API over the loss-derived value; NULL = none */
    struct loss_list loss;            /* schedule entries for this network */
    int deleted;                      /* removed by DELETE; skipped everywhere */
};

struct state_org {
    char *id;
    char *name;
    struct json_object *peers;   /* array of complete peer objects */
    struct state_network **nets; /* in list order (the pagination order) */
    size_t nnets;
    size_t capnets;
    long rl_second; /* rate limit: the second being counted */
    int rl_count;   /* requests counted in it */
};

struct state_config {
    double sample_spacing_s; /* default 60 */
    double data_lag_s;       /* default 120 */
    int page_size;           /* networks per page default and maximum; 0 = spec's */
    int rate_limit_per_s;    /* 0 = off */
    char *api_key;           /* default "test-api-key" */
    char *webhook_ca_file;   /* CA for test deliveries to https://127.0.0.1; NULL */
    double ping_duration_s;  /* how long a live-tools ping runs; default 2 */
    double batch_duration_s; /* how long before an asynchronous action batch runs; default 1 */
};

struct state {
    struct state_config cfg;
    struct state_org **orgs;
    size_t norgs;
    struct hmap nets_by_id;      /* id -> struct state_network * */
    struct hmap nets_by_serial;  /* serial -> struct state_network * */
    struct loss_list loss_any;   /* schedule entries whose network is a wildcard */
    unsigned long long loss_seq; /* last seq handed to a schedule entry */
    double loaded_at;            /* when the scenario was loaded */
    unsigned long serial_seq;    /* for generated serials */
};

/* Takes and releases the one state lock. */
void state_lock(void);
void state_unlock(void);

/* The current state; call with the lock held. Never NULL after state_init. */
struct state *state_get(void);

/* Sets up an empty world with default configuration. Returns 0 or -1. */
int state_init(void);

/* Replaces the world with the scenario `sc` (see the README's Scenario). Takes the lock
 * itself, and calls `on_swap` (may be NULL) with it held right after the swap, so that what
 * lives beside the state can be forgotten before anyone sees the new world. Returns 0, or -1
 * with a message in err (the old world stays). */
int state_load(struct json_object *sc, void (*on_swap)(void), char *err, size_t errlen);

/* Frees the world (at exit). */
void state_shutdown(void);

/* Adds an organization with no peers or networks (`name` NULL: the id). Lock held, or a state
 * not yet published. Returns it, or NULL with err (duplicate id, too many, out of memory). */
struct state_org *state_org_add(struct state *st, const char *id, const char *name, char *err,
                                size_t errlen);

/* Looks up an organization / a live network / a live network by appliance serial (lock
 * held). Deleted networks are not found. */
struct state_org *state_org_find(struct state *st, const char *id);
struct state_network *state_net_find(struct state *st, const char *id);
struct state_network *state_net_by_serial(struct state *st, const char *serial);

/* Looks up a network by id, deleted ones included (pagination tokens may name them). */
struct state_network *state_net_find_any(struct state *st, const char *id);

/* Looks up a network by either appliance's serial, deleted ones included. */
struct state_network *state_net_by_serial_any(struct state *st, const char *serial);

/* The role (STATE_PRIMARY or STATE_SPARE) of the appliance `serial` in n, or -1. */
int state_mx_role(const struct state_network *n, const char *serial);

/* Swaps the roles of an HA pair's appliances. Returns 0, or -1 when n has no spare. */
int state_ha_swap(struct state_network *n);

/* Replaces a network's tags with the array `tags` (already validated). Lock held. Returns 0
 * or -1 when out of memory. */
int state_net_set_tags(struct state_network *n, struct json_object *tags);

/* Checks that `tags` is an array of at most STATE_MAX_TAGS strings of at most
 * STATE_MAX_TAG_LEN bytes. Returns 0, or -1 with err. */
int state_tags_validate(struct json_object *tags, char *err, size_t errlen);

/* Creates a network in `org` from a JSON object like a scenario's network entry. Lock held.
 * Returns it, or NULL with err. */
struct state_network *state_net_create(struct state *st, struct state_org *org,
                                       struct json_object *spec, char *err, size_t errlen);

/* Marks a network deleted; its id stays taken (as on the Dashboard). Lock held. */
void state_net_delete(struct state *st, struct state_network *n);

/* Parses an uplink name ("wan1", "wan2", "wan3", "cellular"); -1 when unknown. */
int state_uplink_parse(const char *name);

/* The uplink's name. */
const char *state_uplink_name(int uplink);

/* Parses an uplink status ("active", "ready", "failed", "not connected"); -1 when unknown. */
int state_ustatus_parse(const char *name);

/* The status's name ("active", ...). */
const char *state_ustatus_name(int status);

/* The destination IPs of a network's connectivity monitoring, in order: its own list, or its
 * organization's peers' publicIps. Fills up to `max` borrowed pointers; returns the count. */
size_t state_net_destinations(const struct state_network *n, const char **ips, size_t max);

/* Writes the network as the API shows it (getNetwork's shape) into b. Lock held. */
void state_net_write(struct sbuf *b, const struct state_network *n);

/* state_net_write with the tag list `tags` (ntags of them) in place of the network's own. */
void state_net_write_tags(struct sbuf *b, const struct state_network *n, char *const *tags,
                          size_t ntags);

/* Writes the network's Dashboard URL (the "url" of state_net_write, unquoted) into b. */
void state_net_url_write(struct sbuf *b, const struct state_network *n);

/* Writes the organization as GET /organizations shows it. */
void state_org_write(struct sbuf *b, const struct state_org *o);

/* Adds a loss schedule entry (taking over its strings). Lock held. Returns 0, or -1 with err
 * (unknown network, full list). */
int state_loss_add(struct state *st, struct loss_entry *e, char *err, size_t errlen);

#endif
