/*
 * proc.h - child processes and TCP ports on 127.0.0.1: spawn, first line, exit status, stop;
 * free and listening ports, raw connections; certificates made by scripts/gen-certs.sh.
 *
 * The daemon and the fake Dashboard have their own modules built on this one (daemon.h,
 * fakedash.h); tests use it directly for the other programs they run (openssl, nginx).
 */
#ifndef TF_HARNESS_PROC_H
#define TF_HARNESS_PROC_H

#include <sys/types.h>

#include "harness/base.h"

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

/* Runs scripts/gen-certs.sh OUT_DIR (a CA, and a server certificate and key for localhost
 * and 127.0.0.1) with its output in files of `log_dir`. Returns 0 when it exits 0, else -1
 * with its stderr printed. */
int harness_gen_certs(const char *log_dir, const char *out_dir);

/* ---- Ports ---- */

/* Returns a TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read, close), or
 * -1. Racy by nature: prefer servers that choose their own port (fakedash --port 0). */
int harness_free_port(void);

/* Waits until a TCP connection to 127.0.0.1:`port` succeeds (retrying every 20 ms) or
 * `timeout_ms` passes. Returns 0 or -1. */
int harness_wait_port(int port, int timeout_ms);

/* Opens a plain TCP connection to 127.0.0.1:`port`. Returns the socket (caller closes) or
 * -1. */
int harness_connect(int port);

#endif
