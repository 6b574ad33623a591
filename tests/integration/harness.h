/*
 * harness.h - helpers for the integration tests: temp dirs, child processes, the fake
 * Dashboard (tests/fakedash), and a small libcurl HTTP client.
 *
 * Every integration test talks only to 127.0.0.1, starts and stops its own servers and
 * leaves nothing behind: it creates one temp dir (harness_tmpdir_create), spawns children
 * whose stdout/stderr go to files in it, stops them, and removes the dir.
 *
 * Paths come from the environment that tests/integration/CMakeLists.txt sets for each test:
 *   TF_BIN         the tagfailover binary
 *   FAKEDASH_BIN   the fakedash binary
 *   TF_SOURCE_DIR  the source tree (fixtures: TF_SOURCE_DIR/tests/fixtures/...)
 *   TF_BINARY_DIR  the build tree
 *
 * Conventions: functions returning int return 0 on success and -1 on failure unless said
 * otherwise; every returned pointer is malloc'd and the caller frees it (json objects: the
 * caller calls json_object_put). Failures print one line on stderr saying why, so a failing
 * cmocka assertion has context. The functions are not thread-safe unless said so, except the
 * HTTP ones (harness_http and what is built on it), which may run in several threads at once
 * once harness_init has run.
 */
#ifndef TF_HARNESS_H
#define TF_HARNESS_H

#include <stddef.h>
#include <sys/types.h>
#include <limits.h>

struct json_object;

/* Longest path the harness keeps in its structs. */
#define HARNESS_PATH_MAX 4096

/* Initialises libcurl (curl_global_init) and ignores SIGPIPE. Call once at the start of main,
 * before any thread starts; calling it again is harmless. */
void harness_init(void);

/* Returns the value of environment variable `name` (TF_BIN, FAKEDASH_BIN, TF_SOURCE_DIR,
 * TF_BINARY_DIR, ...), or NULL with a message on stderr when it is unset or empty. The pointer
 * belongs to the environment; do not free it. */
const char *harness_env(const char *name);

/* ---- Temp dirs and files ---- */

/* Creates a fresh directory with mkdtemp under $TMPDIR (or /tmp), named tf-it-XXXXXX.
 * Returns its malloc'd absolute path (caller frees) or NULL. */
char *harness_tmpdir_create(void);

/* Removes `path` and everything below it (no symlinks are followed). Returns 0 or -1. */
int harness_tmpdir_remove(const char *path);

/* Reads a whole file. Returns a malloc'd NUL-terminated buffer (caller frees) or NULL. When
 * `len` is not NULL it receives the length without the NUL. */
char *harness_read_file_len(const char *path, size_t *len);

/* Reads a whole file as text; returns a malloc'd string (caller frees) or NULL. */
char *harness_read_file(const char *path);

/* Writes `text` to `path` (created with mode 0600, or truncated). Returns 0 or -1. */
int harness_write_file(const char *path, const char *text);

/* Waits until the file at `path` contains `needle` (re-reading it every 20 ms) or
 * `timeout_ms` passes. Returns 0 when found, -1 on timeout. Use it to wait for a daemon's
 * log line in its stderr file. */
int harness_wait_file_contains(const char *path, const char *needle, int timeout_ms);

/* Counts the occurrences of `needle` in the file at `path` (0 when it cannot be read). */
int harness_file_count(const char *path, const char *needle);

/* ---- Processes ---- */

/* A spawned child. stdout_path/stderr_path are files in the dir given to harness_spawn. */
struct harness_proc {
    pid_t pid;                          /* the child's pid; 0 when not running */
    char stdout_path[HARNESS_PATH_MAX]; /* DIR/NAME.stdout */
    char stderr_path[HARNESS_PATH_MAX]; /* DIR/NAME.stderr */
};

/* Starts argv[0] (a path; no $PATH lookup) with arguments argv (NULL-terminated) in a new
 * process. Its environment is the current one changed by `env` (NULL-terminated, may be
 * NULL): "KEY=VALUE" sets KEY, a bare "KEY" removes it. stdin is /dev/null; stdout and stderr
 * go to DIR/NAME.stdout and DIR/NAME.stderr. The child gets SIGTERM if the test process dies
 * (PR_SET_PDEATHSIG), so a crashed test leaves no orphan. Returns 0 and fills `out`, or -1. */
int harness_spawn(const char *dir, const char *name, const char *const argv[],
                  const char *const env[], struct harness_proc *out);

/* Waits until the child's stdout file holds a whole first line, or the child exits, or
 * `timeout_ms` passes. Returns that line without its newline (malloc'd, caller frees), or
 * NULL on exit or timeout. */
char *harness_first_line(const struct harness_proc *proc, int timeout_ms);

/* Waits up to `timeout_ms` for `pid` to exit and reaps it. Returns its exit code (0..255),
 * 128 + N when signal N killed it, or -1 on timeout or error (the child is left running). */
int harness_wait_exit(pid_t pid, int timeout_ms);

/* Sends SIGTERM, waits up to 5 s, then SIGKILL and reaps. Returns the exit status as
 * harness_wait_exit does (0 for a clean exit; 128 + 9 when it had to be killed), or -1. */
int harness_stop(pid_t pid);

/* ---- Ports ---- */

/* Returns a TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close), or
 * -1. Racy by nature: prefer servers that choose their own port (fakedash --port 0). */
int harness_free_port(void);

/* Waits until a TCP connection to 127.0.0.1:`port` succeeds (retrying every 20 ms) or
 * `timeout_ms` passes. Returns 0 or -1. */
int harness_wait_port(int port, int timeout_ms);

/* ---- HTTP client (libcurl) ---- */

/* Options for harness_http; a zeroed struct (or NULL) means plain defaults. */
struct harness_http_opts {
    const char *ca_file;     /* CA bundle that verifies the server; NULL = system default */
    const char *client_cert; /* PEM client certificate, or NULL */
    const char *client_key;  /* PEM key of client_cert, or NULL */
    int insecure;            /* nonzero: do not verify the server's certificate or name */
    const char *resolve;     /* one CURLOPT_RESOLVE entry "host:port:127.0.0.1", or NULL */
    long timeout_ms;         /* whole-request timeout; 0 = 10000 */
    const char *body_ptr;    /* when not NULL, the body (may hold NULs) instead of `body` */
    size_t body_len;         /* length of body_ptr */
};

/* One answer. Free with harness_response_free (which zeroes it). */
struct harness_response {
    long status;     /* HTTP status of the final response; 0 when no answer (see error) */
    char *body;      /* malloc'd, NUL-terminated (the body may itself hold NULs) */
    size_t len;      /* body length without the NUL */
    char *headers;   /* malloc'd raw header block of the final response, "Name: value\r\n"... */
    int curl_code;   /* CURLcode; 0 when the transfer completed */
    char error[256]; /* curl's error text when curl_code != 0, else "" */
    double total_s;  /* time the request took, in seconds */
};

/* Sends one request. `method` is any verb ("GET", "PUT", ...); `headers` is a NULL-terminated
 * list of "Name: value" lines (or NULL); `body` a NUL-terminated body or NULL (opts->body_ptr
 * overrides it). Redirects are not followed. The response body is capped at 512 MiB (a
 * bigger one fails with curl_code set). Returns 0 when an HTTP answer came (any status), -1
 * otherwise (resp->error says why). `resp` is always filled and must be freed. Thread-safe. */
int harness_http(const char *method, const char *url, const char *const headers[], const char *body,
                 const struct harness_http_opts *opts, struct harness_response *resp);

/* Frees what a response holds and zeroes it; NULL or a zeroed response is a no-op. */
void harness_response_free(struct harness_response *resp);

/* Copies the value of the first header called `name` (case-insensitive) from resp->headers
 * into buf (trimmed, NUL-terminated, truncated to size). Returns buf, or NULL when absent. */
const char *harness_header(const struct harness_response *resp, const char *name, char *buf,
                           size_t size);

/* Parses resp->body as JSON. Returns a new object (caller puts) or NULL. */
struct json_object *harness_response_json(const struct harness_response *resp);

/* GETs `base_url`/metrics (e.g. "http://127.0.0.1:PORT", an admin listener) and returns the
 * value of one series, named exactly as rendered with its labels
 * ("tagfailover_webhooks_total{result=\"accepted\"}"), or -1 when there is no 200 answer or
 * no such series. */
double harness_metric(const char *base_url, const char *series);

/* ---- The fake Dashboard (tests/fakedash) ---- */

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

/* Sends `method` `path` (e.g. "/_control/loss") with the JSON text `json_body` (or NULL) to
 * the fake's control API. Returns the HTTP status (0 when no answer). When `resp` is not NULL
 * it receives the answer (caller frees with harness_response_free). */
long harness_control(const struct harness_fakedash *fd, const char *method, const char *path,
                     const char *json_body, struct harness_response *resp);

/* Replaces the fake's whole state with the scenario JSON text `json` (POST
 * /_control/scenario; this also clears its log and faults). Returns 0 on a 200, else -1. */
int harness_fakedash_scenario(const struct harness_fakedash *fd, const char *json);

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

/* Returns the tags of network `network_id` as the fake holds them now (GET
 * /_control/networks) as a JSON array of strings (caller puts), or NULL when unknown. */
struct json_object *harness_fakedash_tags(const struct harness_fakedash *fd,
                                          const char *network_id);

/* ---- Time ---- */

/* Sleeps `ms` milliseconds (restarting after signals). */
void harness_sleep_ms(int ms);

/* Monotonic clock in milliseconds, for timeouts in tests. */
long long harness_now_ms(void);

#endif
