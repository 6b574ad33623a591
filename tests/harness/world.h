/*
 * world.h - one test's world: its temp dir, certificates, fake Dashboard, the ports and URLs
 * of the daemon it will run, and that daemon's processes; opened and closed as a unit.
 *
 * A world is opened around a scenario (harness_world_open), gets certificates when its
 * listener speaks TLS (harness_world_certs), a configuration (config.h) and a daemon
 * (daemon.h); harness_world_close stops what runs and removes the dir. As a cmocka fixture,
 * harness_world_test(f) gives each test a zeroed world in *state and closes whatever a
 * failing test left running.
 */
#ifndef TF_HARNESS_WORLD_H
#define TF_HARNESS_WORLD_H

#include "harness/base.h"
#include "harness/fakedash.h"
#include "harness/proc.h"

/* How many daemon runs a world remembers the stderr of (for harness_daemon_log_count). */
#define HARNESS_WORLD_RUNS 8

typedef struct harness_world {
    char *dir;                       /* temp dir (removed by harness_world_close) */
    char conf[HARNESS_PATH_MAX];     /* DIR/tagfailover.conf */
    char scenario[HARNESS_PATH_MAX]; /* DIR/scenario.json, the fake's first state */
    char certs[HARNESS_PATH_MAX];    /* DIR/certs (ca.crt, server.crt, server.key); "" none */
    char ca[HARNESS_PATH_MAX];       /* DIR/certs/ca.crt; "" without certificates */
    struct harness_fakedash fd;      /* the fake Dashboard */
    int fd_up;                       /* the fake is running */
    int port;                        /* the webhook listener's port */
    int admin_port;                  /* the admin listener's port */
    int tls;                         /* the configuration's listener mode is tls */
    char base[160];                  /* scheme://127.0.0.1:PORT of the listener */
    char url[160];                   /* the webhook URL: base + webhook_path */
    char admin[160];                 /* http://127.0.0.1:ADMIN_PORT */
    struct harness_proc proc;        /* the daemon (pid 0 when not running) */
    struct harness_proc last;        /* the last process spawned (daemon or one-shot) */
    int runs;                        /* processes spawned so far (names their files) */
    char stderr_paths[HARNESS_WORLD_RUNS][HARNESS_PATH_MAX]; /* every daemon run's stderr */
    int n_stderr;
} harness_world;

/* Zeroes `w`, creates its temp dir, writes `scenario_json` to DIR/scenario.json and starts
 * the fake with it, and picks the two ports the daemon will listen on (kept for every daemon
 * of the world, restarts included). The URLs are those of a plain listener until a
 * configuration says otherwise. Returns 0 or -1; harness_world_close cleans up either way. */
int harness_world_open(harness_world *w, const char *scenario_json);

/* Makes certificates in DIR/certs with scripts/gen-certs.sh and fills certs and ca; the
 * configuration then names them. Returns 0 or -1. */
int harness_world_certs(harness_world *w);

/* Stops the daemon and the fake and removes the temp dir. Returns 0 when the daemon exited 0
 * and the fake saw no out-of-spec request, else -1. Idempotent. */
int harness_world_close(harness_world *w);

/* cmocka setup: a zeroed world in *state. Returns 0 or -1. */
int harness_world_setup(void **state);

/* cmocka teardown: closes whatever the test left open and frees the world. Returns what
 * that close returned (0 when the test had closed the world itself), so a test may leave the
 * final check of the daemon's exit and the fake's log to its teardown. */
int harness_world_teardown(void **state);

/* A cmocka test with its own world in *state (include cmocka.h first). */
#define harness_world_test(f)                                                                      \
    cmocka_unit_test_setup_teardown(f, harness_world_setup, harness_world_teardown)

#endif
