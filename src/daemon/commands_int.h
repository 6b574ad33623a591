/*
 * commands_int.h - what the one-shot command files (commands.c, commands_detail.c,
 * commands_history.c) share: the command's API client and the "is this organization ours"
 * check. Internal to src/daemon.
 */
#ifndef TAGFAILOVER_COMMANDS_INT_H
#define TAGFAILOVER_COMMANDS_INT_H

#include <stdbool.h>

#include "tagfailover/config.h"
#include "tagfailover/dashboard.h"

/* The API client of one command: shared state and the main thread's client. */
typedef struct {
    dash_shared *shared;
    dash_client *client;
} cmd_api;

/* Sets up the client (printing why on stderr when it cannot). */
bool cmd_api_open(const config *cfg, cmd_api *api);

/* Frees the client. */
void cmd_api_close(cmd_api *api);

/* Whether the configuration manages `org_id`: it is this replica's (shard) and one of
 * organization_ids, or, with that list empty, one the API key can see. 1 yes, 0 no, -1 the
 * list could not be read (printed on stderr). With `name`, *name receives the organization's
 * name when GET /organizations gave it (caller frees; NULL otherwise). */
int cmd_org_managed(const config *cfg, dash_client *client, const char *org_id, char **name);

#endif
