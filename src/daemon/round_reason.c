/*
 * round_reason.c - why a network is not acted on, logged at info once per change of reason
 * (the README's "Logs"). See round_int.h.
 *
 * Why here and not a global: the reasons are per network of one organization, and only that
 * organization's thread ends its confirmations, so the memory lives in its round_org and needs
 * no lock. It holds only what the logs need: a restart forgets it and logs each reason once
 * more, which is what an operator reading a fresh journal wants.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "round_int.h"

const char *round_look_word(const look_result *r)
{
    switch (r->tags.state) {
    case TAGS_NORMAL:
        if (r->tracked_ip == NULL)
            return "no_tracked_ip";
        return tf_reason_name(r->decision.reason);
    case TAGS_HELD:
    case TAGS_INVALID:
        return tf_reason_name(r->tags.reason);
    default:
        return tags_state_name(r->tags.state);
    }
}

static round_reason *round_reason_find(round_org *o, const char *network_id)
{
    for (size_t i = 0; i < o->n_reasons; i++)
        if (strcmp(o->reasons[i].network_id, network_id) == 0)
            return &o->reasons[i];
    return NULL;
}

/* The network's entry, made when absent (the oldest is forgotten when full); NULL when out of
 * memory or the id is too long for an entry. */
static round_reason *round_reason_get(round_org *o, const char *network_id)
{
    round_reason *r = round_reason_find(o, network_id);
    if (r != NULL || strlen(network_id) > TF_ID_MAX_LEN)
        return r;
    if (o->n_reasons == ROUND_REASONS_MAX) {
        memmove(o->reasons, o->reasons + 1, (o->n_reasons - 1) * sizeof(*o->reasons));
        o->n_reasons--;
    }
    if (o->n_reasons == o->cap_reasons) {
        size_t cap = o->cap_reasons ? o->cap_reasons * 2 : 16;
        if (cap > ROUND_REASONS_MAX)
            cap = ROUND_REASONS_MAX;
        round_reason *v = realloc(o->reasons, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        o->reasons = v;
        o->cap_reasons = cap;
    }
    r = &o->reasons[o->n_reasons++];
    memset(r, 0, sizeof(*r));
    snprintf(r->network_id, sizeof(r->network_id), "%s", network_id);
    return r;
}

void round_reason_look(round_org *o, const char *network_id, const char *word)
{
    round_reason *r = round_reason_get(o, network_id);
    if (r != NULL)
        snprintf(r->look, sizeof(r->look), "%s", word);
}

log_level round_reason_level(round_org *o, const char *network_id, plan_confirm_kind result,
                             const char **word)
{
    round_reason *r = round_reason_find(o, network_id);
    *word = r != NULL && r->look[0] != '\0' ? r->look : "unknown";
    if (result == PLAN_CONFIRM_CONFIRMED) {
        *word = "loss_over_threshold";
        if (r != NULL)
            r->logged[0] = '\0';
        return LOG_INFO;
    }
    char key[sizeof(r->logged)];
    snprintf(key, sizeof(key), "%s:%s", plan_confirm_kind_name(result), *word);
    if (r != NULL && strcmp(r->logged, key) == 0)
        return LOG_DEBUG;
    if (r == NULL)
        r = round_reason_get(o, network_id);
    if (r != NULL)
        snprintf(r->logged, sizeof(r->logged), "%s", key);
    return LOG_INFO;
}

void round_reasons_clear(round_org *o)
{
    free(o->reasons);
    o->reasons = NULL;
    o->n_reasons = o->cap_reasons = 0;
}
