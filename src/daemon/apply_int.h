/*
 * apply_int.h - what the two files of the retag module share, and nobody else: apply.c (one
 * retag: GET + PUT) and apply_bulk.c (many retags of one organization in action batches).
 */
#ifndef TAGFAILOVER_APPLY_INT_H
#define TAGFAILOVER_APPLY_INT_H

#include "tagfailover/apply.h"

/* The retag's log line: `failover` or `failback` with every field a reader relies on;
 * `batch_id` NULL unless an action batch wrote it. */
void apply_log_done(const apply_env *env, const char *org_id, const dj_network *net,
                    policy_action action, const tags_list *after, bool has_loss, double loss_pct,
                    const apply_cause *cause, const char *batch_id);

/* Counts a done retag (not in dry-run). */
void apply_count_done(const apply_env *env, policy_action want, const apply_cause *cause);

/* The line of a retag that did not complete, and its count. */
void apply_log_failed(const char *org_id, const char *network_id, policy_action want, apply_err rc,
                      const dash_error *err, const apply_cause *cause);

/* A deep copy of a network record. */
apply_err apply_copy_network(const dj_network *src, dj_network *dst)
    __attribute__((warn_unused_result));

#endif
