/*
 * base.h - what every harness module stands on: process set-up, the environment the tests
 * run in, clocks, temp dirs and files.
 *
 * The integration harness (tests/harness, library tf_harness) runs the real tagfailover and
 * the fake Dashboard (tests/fakedash) as child processes on 127.0.0.1; README.md there says
 * which module does what. Every test creates one temp dir, spawns children whose stdout and
 * stderr go to files in it, stops them and removes the dir, leaving nothing behind.
 *
 * Paths come from the environment that tests/integration/CMakeLists.txt sets for each test:
 *   TF_BIN         the tagfailover binary
 *   FAKEDASH_BIN   the fakedash binary
 *   TF_SOURCE_DIR  the source tree (fixtures: TF_SOURCE_DIR/tests/fixtures/...)
 *   TF_BINARY_DIR  the build tree
 *
 * Conventions of every module: functions returning int return 0 on success and -1 on failure
 * unless said otherwise; every returned pointer is malloc'd and the caller frees it (json
 * objects: the caller calls json_object_put). Failures print one line on stderr saying why,
 * so a failing cmocka assertion has context. Nothing is thread-safe unless said so; the HTTP
 * client (http.h) and what is built on it may run in several threads once harness_init ran.
 */
#ifndef TF_HARNESS_BASE_H
#define TF_HARNESS_BASE_H

#include <stddef.h>

struct json_object;

/* Longest path the harness keeps in its structs. */
#define HARNESS_PATH_MAX 4096

/* How often the harness's wait functions look again, in milliseconds. */
#define HARNESS_POLL_MS 50

/* Initialises libcurl (curl_global_init) and ignores SIGPIPE. Call once at the start of main,
 * before any thread starts; calling it again is harmless. */
void harness_init(void);

/* Returns the value of environment variable `name` (TF_BIN, FAKEDASH_BIN, TF_SOURCE_DIR,
 * TF_BINARY_DIR, ...), or NULL with a message on stderr when it is unset or empty. The pointer
 * belongs to the environment; do not free it. */
const char *harness_env(const char *name);

/* ---- Time ---- */

/* Sleeps `ms` milliseconds (restarting after signals). */
void harness_sleep_ms(int ms);

/* Monotonic clock in milliseconds, for timeouts in tests. */
long long harness_now_ms(void);

/* Wall clock in Unix seconds: the clock of the fake's request log and loss schedule. */
double harness_wall(void);

/* Sleeps until the wall clock reaches `at` (Unix seconds); returns at once when it has. */
void harness_sleep_until(double at);

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

/* Returns 1 when the file at `path` holds `word` as a whole word (not inside [A-Za-z0-9_]),
 * else 0 (also when it cannot be read). */
int harness_file_has_word(const char *path, const char *word);

/* Returns the first line of the file at `path` that contains every string of `needles`
 * (NULL-terminated), without its newline (malloc'd, caller frees), or NULL. */
char *harness_file_line(const char *path, const char *const needles[]);

/* Parses the JSON file `rel` of the source tree (TF_SOURCE_DIR/rel, e.g.
 * "tests/fixtures/alertTypes.json"). Returns a new object (caller puts), or NULL with a
 * message. */
struct json_object *harness_source_json(const char *rel);

/* Prints the last `max` bytes of the file at `path` to stderr under `title` (context for a
 * failing test); prints nothing when the file cannot be read. */
void harness_dump_file(const char *title, const char *path, size_t max);

#endif
