/*
 * fetch.h - what one look at one organization reads through the API: the networks (all
 * pages, for a reconcile), the appliance uplink statuses (when uplinks = active), the loss data
 * in <= 300-s chunks, and the third-party peers through a cache (10 minutes; re-read at most
 * once a minute while some network's tracked IP is unknown); and the organizations to manage
 * (this replica's share of them).
 *
 * The networks listing asks only for the networks that carry a pair tag of a known site
 * (`tags[]` = the four state tags of each site, `tagsFilterType=withAnyTags`; sites.h). The
 * known sites are those the peers' networkTags name, the [site NAME] sections, and every site a
 * pair tag of the last whole listing named. The listing is read whole (no filter) at the first
 * reconcile, every FETCH_LIST_ALL_S after, and whenever no filter can be made (no site known,
 * or more than SITES_MAX): so a network whose pair tags all name sites no peer names is still
 * found, and from then on every filtered listing returns it.
 *
 * The loss data is one call per chunk; when that answer is over the size cap (an organization
 * of tens of thousands of appliances), the chunk is read again one call per tracked IP (`ip=`:
 * the peers' publicIps and the [site] tracked_ips, all a look uses), and so from then on.
 *
 * It only reads: deciding is look.c's, writing is apply's.
 *
 * Threads: every function runs on the calling thread with the caller's dash_client; a peer
 * cache belongs to its caller (one organization thread, or a one-shot command).
 */
#ifndef TAGFAILOVER_FETCH_H
#define TAGFAILOVER_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tagfailover/config.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/look.h"
#include "tagfailover/sites.h"

/* Seconds a peers list is trusted; and how often it may be re-read while an IP is unknown. */
#define FETCH_PEERS_TTL_S   600
#define FETCH_PEERS_RETRY_S 60
/* Seconds between two whole (unfiltered) networks listings of a reconcile. */
#define FETCH_LIST_ALL_S 600

typedef enum {
    FETCH_OK = 0,
    FETCH_ERR_API, /* an API call failed; the dash_error says which and why */
    FETCH_ERR_NOMEM,
} fetch_err;

/* What every call needs. */
typedef struct {
    const config *cfg;   /* borrowed */
    dash_client *client; /* the calling thread's client */
} fetch_env;

/* The peers of one organization, cached. Zero-initialised is empty. */
typedef struct {
    dj_peer *peers;
    size_t n_peers;
    bool have;            /* a read has succeeded */
    double read_at;       /* monotonic seconds of that read */
    bool want_refresh;    /* some tracked IP was unknown at the last look */
    sites_set seen;       /* the sites the pair tags of the last whole listing named */
    bool listed_all;      /* a whole listing has been read */
    double listed_all_at; /* monotonic seconds of it */
    bool loss_by_ip;      /* the loss answer was over the size cap: read per tracked IP */
} fetch_peers;

/* One look's data for one organization. Zero-initialised is empty; fetch_data_free frees. */
typedef struct {
    dj_network *networks; /* only when read with networks */
    size_t n_networks;
    dj_appliance *appliances; /* only when uplinks = active */
    size_t n_appliances;
    dj_loss_item *loss;
    size_t n_loss;
    int64_t t0, t1; /* the data's range, Unix seconds */
    look_data look; /* the view look.c needs, pointing into the above and the peer cache */
} fetch_data;

/* Reads one look's data for `org_id` at wall-clock `now` and monotonic `now_mono`. With
 * `with_networks`, also every network of the organization. On error the data is left empty
 * and `err` says why. */
fetch_err fetch_read(const fetch_env *env, const char *org_id, fetch_peers *peers,
                     bool with_networks, time_t now, double now_mono, fetch_data *out,
                     dash_error *err) __attribute__((warn_unused_result));

/* GET /organizations/{org}/networks (all pages) with the filter of the known sites (see the
 * top of this file), or whole when none can be made yet (the peers not read, no whole listing
 * read) or at all. *out is the caller's (dj_networks_free). */
fetch_err fetch_list_managed(const fetch_env *env, const char *org_id, const fetch_peers *peers,
                             dj_network **out, size_t *n, dash_error *err)
    __attribute__((warn_unused_result));

/* Frees the data (not the peer cache it points into). */
void fetch_data_free(fetch_data *d);

/* Frees the cached peers. */
void fetch_peers_free(fetch_peers *c);

/* The organizations to manage: [dashboard] organization_ids, or every organization the key
 * sees, less those of another replica ([dashboard] shard). *ids and *names (entries NULL when
 * unknown) are the caller's (fetch_strs_free each). The names come from GET /organizations, which
 * is read even with configured IDs; when that read fails with configured IDs the names are NULL and
 * the call still succeeds. */
fetch_err fetch_organizations(const fetch_env *env, char ***ids, char ***names, size_t *n,
                              dash_error *err) __attribute__((warn_unused_result));

/* The API client's options from the configuration (strings borrowed from `cfg`). */
void fetch_dash_options(const config *cfg, dash_options *out);

/* Frees an array of strings. */
void fetch_strs_free(char **v, size_t n);

/* A message for an error code; never NULL. */
const char *fetch_strerror(fetch_err e);

#endif
