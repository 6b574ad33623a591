/*
 * scenario.h - builds a world (struct state) from a scenario's JSON, and reads and writes the
 * configuration part of it (also used by POST /_control/config).
 *
 * Runs on a new state outside the lock (scenario_build) or with the lock held (the rest).
 */
#ifndef FAKEDASH_SCENARIO_H
#define FAKEDASH_SCENARIO_H

#include <stddef.h>

struct json_object;
struct state;

/* Fills the empty state `st` from the scenario `sc`: configuration, organizations with peers,
 * networks and generated networks, loss schedule. Returns 0, or -1 with err. */
int scenario_build(struct state *st, struct json_object *sc, char *err, size_t errlen);

/* Applies the configuration keys present in `o` (sample_spacing_s, data_lag_s, page_size,
 * rate_limit_per_s, api_key, webhook_ca_file, ping_duration_s, batch_duration_s; null resets
 * one to its default). All or nothing: returns 0, or -1 with err and nothing changed. */
int scenario_config_apply(struct state *st, struct json_object *o, char *err, size_t errlen);

/* The configuration as a JSON object (new; caller puts). */
struct json_object *scenario_config_json(const struct state *st);

/* A third-party VPN peer as the API shows it, from its description: a copy of `p` with the
 * missing fields filled (privateSubnets [], networkTags ['all'], ...). Returns a new object
 * (caller puts), or NULL with err when `p` has no name or bad networkTags. */
struct json_object *scenario_peer(struct json_object *p, char *err, size_t errlen);

#endif
