/*
 * world.c - one test's temp dir, certificates, fake and ports, opened and closed as a unit
 * (see world.h).
 */
#include "harness/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/daemon.h"

int harness_world_open(harness_world *w, const char *scenario_json)
{
    memset(w, 0, sizeof *w);
    harness_init();
    w->dir = harness_tmpdir_create();
    if (w->dir == NULL)
        return -1;
    snprintf(w->conf, sizeof w->conf, "%s/tagfailover.conf", w->dir);
    snprintf(w->scenario, sizeof w->scenario, "%s/scenario.json", w->dir);
    if (harness_write_file(w->scenario, scenario_json) != 0 ||
        harness_fakedash_start_in(w->dir, w->scenario, &w->fd) != 0)
        return -1;
    w->fd_up = 1;
    w->port = harness_free_port();
    w->admin_port = harness_free_port();
    if (w->port < 0 || w->admin_port < 0 || w->port == w->admin_port)
        return -1;
    snprintf(w->base, sizeof w->base, "http://127.0.0.1:%d", w->port);
    snprintf(w->url, sizeof w->url, "http://127.0.0.1:%d/webhook", w->port);
    snprintf(w->admin, sizeof w->admin, "http://127.0.0.1:%d", w->admin_port);
    return 0;
}

int harness_world_certs(harness_world *w)
{
    if (snprintf(w->certs, sizeof w->certs, "%s/certs", w->dir) >= (int)sizeof w->certs ||
        snprintf(w->ca, sizeof w->ca, "%s/ca.crt", w->certs) >= (int)sizeof w->ca ||
        harness_gen_certs(w->dir, w->certs) != 0) {
        w->certs[0] = w->ca[0] = '\0';
        return -1;
    }
    return 0;
}

int harness_world_close(harness_world *w)
{
    int rc = 0;

    if (harness_daemon_stop(w) != 0)
        rc = -1;
    if (w->fd_up && harness_fakedash_stop(&w->fd) != 0)
        rc = -1;
    w->fd_up = 0;
    if (w->dir != NULL) {
        harness_tmpdir_remove(w->dir);
        free(w->dir);
        w->dir = NULL;
    }
    return rc;
}

int harness_world_setup(void **state)
{
    *state = calloc(1, sizeof(harness_world));
    return *state != NULL ? 0 : -1;
}

int harness_world_teardown(void **state)
{
    harness_world *w = *state;
    int rc = 0;

    if (w != NULL && (w->proc.pid > 0 || w->fd_up || w->dir != NULL))
        rc = harness_world_close(w);
    free(w);
    return rc;
}
