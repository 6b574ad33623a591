/*
 * fakedash.h - the fake Dashboard (tests/fakedash) as a child process, and its control API:
 * scenarios, loss, uplinks and tags, queued faults, the request log and what it says about
 * the API calls a test caused.
 *
 * Every function talks to the fake over HTTP on 127.0.0.1 (the control paths are listed in
 * tests/fakedash/README.md). Those that take a network read its state from the fake itself,
 * never from the daemon's account of it.
 */
#ifndef TF_HARNESS_FAKEDASH_H
#define TF_HARNESS_FAKEDASH_H

#include <stddef.h>
#include <sys/types.h>

#include "harness/base.h"
#include "harness/http.h"
#include "harness/proc.h"

struct json_object;

/* The API key of every scenario the harness builds (and of the fake's built-in state). */
#define HARNESS_API_KEY "test-api-key"

/* A running fakedash. All fields are filled by harness_fakedash_start. */
struct harness_fakedash {
    struct harness_proc proc;           /* the process; proc.pid is its pid */
    pid_t pid;                          /* same as proc.pid */
    int port;                           /* main port on 127.0.0.1 */
    int port2;                          /* second port, same API (the redirect target) */
    char base_url[128];                 /* "http://127.0.0.1:PORT/api/v1" */
    char root_url[128];                 /* "http://127.0.0.1:PORT" (control paths go after it) */
    char dir[HARNESS_PATH_MAX];         /* the temp dir its files live in */
    char unknown_log[HARNESS_PATH_MAX]; /* DIR/fakedash-unknown.log: out-of-spec requests */
    int own_dir;                        /* nonzero when start created `dir` (stop removes it) */
};

/* ---- The process ---- */

/* Starts FAKEDASH_BIN --port 0 [--scenario FILE] --unknown-log DIR/fakedash-unknown.log
 * --quiet, reads the "fakedash listening on 127.0.0.1:PORT port2 PORT2" line (10 s timeout)
 * and fills `fd`. `scenario_path` may be NULL (the fake's built-in empty state; load one later
 * with harness_fakedash_scenario). `dir` is the temp dir for its files; NULL makes one that
 * harness_fakedash_stop removes. Returns 0 or -1 (nothing left running on failure). */
int harness_fakedash_start_in(const char *dir, const char *scenario_path,
                              struct harness_fakedash *fd);

/* harness_fakedash_start_in with its own temp dir. */
int harness_fakedash_start(const char *scenario_path, struct harness_fakedash *fd);

/* Stops the fake (SIGTERM), removes its temp dir when it made it, and returns how many
 * unknown (out-of-spec) requests it logged: every test asserts 0. Returns -1 when the fake
 * did not exit with status 0 (a crash, a sanitizer report) or its unknown log is unreadable;
 * the unknown lines are printed to stderr so the failure explains itself. */
int harness_fakedash_stop(struct harness_fakedash *fd);

/* ---- One fake for a cmocka group (the fake's own tests) ---- */

/* cmocka group setup: starts a fake with its built-in empty state in its own temp dir and
 * puts it (a struct harness_fakedash) in *state. Returns 0 or -1. */
int harness_fakedash_group_setup(void **state);

/* cmocka group teardown: stops the fake and frees it. Returns -1 when it saw an out-of-spec
 * request or did not exit cleanly, else 0. */
int harness_fakedash_group_teardown(void **state);

/* cmocka setup of each test in such a group: loads harness_scenario_sample (which also clears
 * the log and the faults). Returns 0 or -1. */
int harness_fakedash_sample_setup(void **state);

/* ---- Calls ---- */

/* Sends `method` `path` (e.g. "/_control/loss") with the JSON text `json_body` (or NULL) to
 * the fake's control API. Returns the HTTP status (0 when no answer). When `resp` is not NULL
 * it receives the answer (caller frees with harness_response_free). */
long harness_control(const struct harness_fakedash *fd, const char *method, const char *path,
                     const char *json_body, struct harness_response *resp);

/* POSTs printf-formatted JSON (at most 4 KiB) to a control path. Returns the HTTP status. */
long harness_controlf(const struct harness_fakedash *fd, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Calls the fake's API as a client would: `method` base_url + `path` (e.g.
 * "/networks/L_100") with Authorization: Bearer HARNESS_API_KEY and the JSON `body` (or
 * NULL). Returns the HTTP status (0 when no answer); `resp` (when not NULL) receives the
 * answer (caller frees). */
long harness_fakedash_api(const struct harness_fakedash *fd, const char *method, const char *path,
                          const char *body, struct harness_response *resp);

/* GETs a control path and parses its JSON answer (caller puts), or NULL without a 200. */
struct json_object *harness_control_json(const struct harness_fakedash *fd, const char *path);

/* ---- The world inside the fake ---- */

/* Replaces the fake's whole state with the scenario JSON text `json` (POST
 * /_control/scenario; this also clears its log and faults). Returns 0 on a 200, else -1. */
int harness_fakedash_scenario(const struct harness_fakedash *fd, const char *json);

/* Sets the loss of network `net` toward `ip` on `uplink` (NULL: every uplink) from `from`
 * (Unix seconds; <= 0: that many seconds before now). A negative `pct` posts lossPercent
 * null (a null sample). Returns the HTTP status (200). */
long harness_fakedash_loss(const struct harness_fakedash *fd, const char *net, const char *ip,
                           const char *uplink, double pct, double from);

/* Replaces a network's tags with the JSON array text `tags_json` (a person's edit in the
 * Dashboard). Returns the HTTP status. */
long harness_fakedash_set_tags(const struct harness_fakedash *fd, const char *net,
                               const char *tags_json);

/* Queues a fault (`kind` such as "429", "500", "redirect307", "delay") for `count` requests
 * `method` whose path starts with `path_prefix`; `extra` (or NULL) adds fields, such as
 * ",\"retry_after\":1". Returns the HTTP status. */
long harness_fakedash_fault(const struct harness_fakedash *fd, const char *kind, const char *method,
                            const char *path_prefix, int count, const char *extra);

/* Returns the tags of network `network_id` as the fake holds them now (GET
 * /_control/networks) as a JSON array of strings (caller puts), or NULL when unknown. */
struct json_object *harness_fakedash_tags(const struct harness_fakedash *fd,
                                          const char *network_id);

/* The network's tags as compact JSON text, into buf ("" when unknown). Returns buf. */
const char *harness_fakedash_tags_text(const struct harness_fakedash *fd, const char *net,
                                       char *buf, size_t len);

/* Polls the network's tags until they equal `want` (compact JSON text). Returns 0, or -1
 * after `timeout_ms` (printing what they were). */
int harness_fakedash_wait_tags(const struct harness_fakedash *fd, const char *net, const char *want,
                               int timeout_ms);

/* ---- The request log ---- */

/* Returns the fake's request log (GET /_control/log) as a JSON array (caller puts), or NULL.
 * Each entry: seq, t, port, method, path, query, auth, authorization_present, body, status,
 * unknown, control. */
struct json_object *harness_log(const struct harness_fakedash *fd);

/* Counts the API (non-control) requests in the fake's log whose method equals `method` (NULL:
 * any) and whose path starts with `path_prefix` (NULL: any). Returns the count or -1. */
int harness_log_count(const struct harness_fakedash *fd, const char *method,
                      const char *path_prefix);

/* Clears the fake's request log (DELETE /_control/log). Returns 0 or -1. */
int harness_log_clear(const struct harness_fakedash *fd);

/* The wall-clock times (the log's `t`) of the API requests `method` to exactly `path` (e.g.
 * "/api/v1/networks/L_100") that the fake answered with `status` (0: any), oldest first, into
 * out[0..max). Returns how many (at most max), or -1. */
int harness_log_times(const struct harness_fakedash *fd, const char *method, const char *path,
                      int status, double *out, int max);

/* How many PUTs of network `net`'s tags the fake has seen (any answer). */
int harness_fakedash_puts(const struct harness_fakedash *fd, const char *net);

/* The wall-clock time of the first successful PUT of the network's tags; NAN when none. */
double harness_fakedash_first_put(const struct harness_fakedash *fd, const char *net);

#endif
