/*
 * commands.h - the one-shot commands of the README's "Command line": `status [--json]`,
 * `status NETWORK_ID`, `history`, `reconcile --once`, and the manual `failover` / `failback
 * NETWORK_ID`.
 *
 * Each runs on the calling (main) thread with its own API client, through the same
 * reconciler code (and so the same rate limit, retries and decisions) as the daemon. Each
 * returns the process exit code: 0 success, 1 runtime failure (an API error, a network in a
 * state the command cannot act on).
 */
#ifndef TAGFAILOVER_COMMANDS_H
#define TAGFAILOVER_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tagfailover/config.h"
#include "tagfailover/notify_msg.h"

/* Options of the one-shot commands. */
typedef struct {
    bool dry_run; /* --dry-run (or [failover] dry_run) */
    bool json;    /* status --json */
    bool no_hold; /* failover --no-hold */
    /* Told of every retag (apply_env.notify); NULL: nobody. */
    void (*notify)(void *ctx, const notify_msg_event *ev);
    void *notify_ctx;
} cmd_options;

/* `status`: one look at every managed network of every organization, printed to `out` as a
 * table or as the /status JSON document. */
int cmd_status(const config *cfg, const cmd_options *opt, FILE *out);

/* `status NETWORK_ID`: that network in detail (detail.h), as text or JSON. Exit 1, with a
 * message on stderr, for a network the API key cannot see, one of an organization the
 * configuration does not manage, or one without a pair tag. */
int cmd_status_network(const config *cfg, const cmd_options *opt, const char *network_id,
                       FILE *out);

/* `history [--since DURATION] [NETWORK_ID]`: the tag changes of managed networks of every
 * managed organization in the last `since_s` seconds (history.h), newest first; `network_id`
 * NULL: every network. Exit 1 when some organization's change log could not be read (the
 * others are still shown). */
int cmd_history(const config *cfg, const cmd_options *opt, const char *network_id, int64_t since_s,
                FILE *out);

/* `reconcile --once`: one reconcile cycle of every organization, then return. */
int cmd_reconcile_once(const config *cfg, const cmd_options *opt);

/* `failover NETWORK_ID` (failover true) or `failback NETWORK_ID`. Returns 2, writing nothing,
 * for a network of an organization the configuration does not manage. */
int cmd_manual(const config *cfg, const cmd_options *opt, const char *network_id, bool failover);

#endif
