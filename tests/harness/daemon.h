/*
 * daemon.h - the real tagfailover in a world: `serve` and `reconcile` as the world's daemon,
 * one-shot commands run to their end, and what the daemon tells: its admin listener
 * (/readyz, /status, /metrics) and its log.
 *
 * Every process runs `TF_BIN -c w->conf ARGS...` with stdout and stderr in files of the
 * world's dir, named tagfailover-N by the order they were started.
 */
#ifndef TF_HARNESS_DAEMON_H
#define TF_HARNESS_DAEMON_H

#include "harness/http.h"
#include "harness/world.h"

struct json_object;

/* Starts `tagfailover -c CONF args...` (args NULL-terminated, such as {"serve", NULL}) as the
 * world's daemon, with `env` changes (harness_spawn; may be NULL), and waits (15 s) for its
 * "started" log line. Returns 0 or -1 (its stderr printed). */
int harness_daemon_start(harness_world *w, const char *const args[], const char *const env[]);

/* harness_daemon_start, then waits (10 s) for /readyz 200 (the first reconcile of every
 * organization) and 0.7 s more: that reconcile spent the token bucket's burst, which is full
 * again, as between real reconciles, when the test's webhook comes. Returns 0 or -1. */
int harness_daemon_serve(harness_world *w, const char *const args[]);

/* Writes the configuration with `overrides` (harness_conf_write) and starts `serve` with
 * `env`: the start of a test about the listener, which needs it up but not reconciled.
 * Returns 0 or -1. */
int harness_daemon_listen(harness_world *w, const char *overrides, const char *const env[]);

/* Polls /readyz until it answers 200. Returns 0, or -1 after `timeout_ms`. */
int harness_daemon_wait_ready(const harness_world *w, int timeout_ms);

/* Runs a one-shot `tagfailover -c CONF args...` to its end (w->last holds its output
 * files). Returns its exit status, or -1 on timeout (it is stopped then). */
int harness_daemon_run(harness_world *w, const char *const args[], int timeout_ms);

/* Stops the daemon with SIGTERM (harness_stop). Returns its exit status, 0 expected (and 0
 * when none runs); prints its stderr when it is not 0. */
int harness_daemon_stop(harness_world *w);

/* Prints the stderr of the last process spawned (the daemon or a one-shot command). */
void harness_daemon_dump(const harness_world *w);

/* GETs `path` of the admin listener. Returns the status (0: no answer); fills `out` when not
 * NULL (caller frees). */
long harness_daemon_get(const harness_world *w, const char *path, struct harness_response *out);

/* The value of one series of the daemon's /metrics, named exactly as rendered with its labels
 * ("tagfailover_webhooks_total{result=\"accepted\"}"), or -1. */
double harness_daemon_metric(const harness_world *w, const char *series);

/* Polls a metric until it reaches at least `want`. Returns 0, or -1 after `timeout_ms`. */
int harness_daemon_wait_metric(const harness_world *w, const char *series, double want,
                               int timeout_ms);

/* Parses the admin /status document (caller puts), or NULL. */
struct json_object *harness_daemon_status(const harness_world *w);

/* The entry of network `net` in a /status document (a new reference, caller puts), or NULL. */
struct json_object *harness_daemon_status_net(struct json_object *doc, const char *net);

/* Polls /status until the network's `key` reads `want` (as harness_json_str reads it).
 * Returns 0, or -1 after `timeout_ms`. */
int harness_daemon_wait_status(const harness_world *w, const char *net, const char *key,
                               const char *want, int timeout_ms);

/* Counts `needle` in the stderr of every daemon the world started. */
int harness_daemon_log_count(const harness_world *w, const char *needle);

/* The first line of those logs that holds every string of `needles` (NULL-terminated), or
 * NULL. Caller frees. */
char *harness_daemon_log_line(const harness_world *w, const char *const needles[]);

#endif
