/*
 * round_int.h - what the files of the round module share, and nobody else: round.c (reconcile
 * and confirmation rounds), round_live.c (live pings) and round_reason.c (the reasons logged
 * at info once per change).
 */
#ifndef TAGFAILOVER_ROUND_INT_H
#define TAGFAILOVER_ROUND_INT_H

#include "tagfailover/log.h"
#include "tagfailover/round.h"

/* Networks whose last logged reason an organization remembers; past it the oldest is
 * forgotten (its next skipped or unconfirmed end is then logged at info again). The search is
 * linear (one per confirmation's end, never per look), so the table stays small. */
#define ROUND_REASONS_MAX 2048

/* The one word for what a look found that stops a failover: the hold or invalid tags' reason,
 * `no_tracked_ip`, the state (`failed_over`, `unmanaged`), or the decision's reason. */
const char *round_look_word(const look_result *r);

/* Remembers `word` as the reason of the last look at `network_id`. */
void round_reason_look(round_org *o, const char *network_id, const char *word);

/* The level of the `confirmation` line that ends `network_id`'s confirmation as `result`, and
 * in *word the reason it gives: a skipped or unconfirmed end is at info when its
 * "<result>:<reason>" differs from the last one logged at info for the network, else at debug;
 * a confirmed end is at info and forgets the network's reason. */
log_level round_reason_level(round_org *o, const char *network_id, plan_confirm_kind result,
                             const char **word);

/* Frees what the reasons hold. */
void round_reasons_clear(round_org *o);

#endif
