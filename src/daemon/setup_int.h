/*
 * setup_int.h - what setup.c (wiring), setup_remove.c (--remove) and setup_call.c (their
 * shared helpers) share: the state of one run and its helpers. Internal to src/daemon.
 */
#ifndef TAGFAILOVER_SETUP_INT_H
#define TAGFAILOVER_SETUP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tagfailover/config.h"
#include "tagfailover/dashboard.h"
#include "tagfailover/dashboard_json.h"
#include "tagfailover/setup.h"

struct json_object;

/* Longest API path we build (two escaped IDs and a fixed route), and longest failure text
 * (a path, the API's message of up to 512 bytes, and some words). */
#define SETUP_PATH_MAX 1024
#define SETUP_WHY_MAX  (SETUP_PATH_MAX + 1024)

/* One managed network and what happened to it. */
typedef struct {
    char *org_id;
    char *id;
    char *name;      /* NULL when the API gave none */
    bool failed;     /* a step failed (reported when it happened) */
    bool wired;      /* server and alerts are in place */
    char *test_id;   /* the webhook test, once asked for */
    char status[32]; /* its last status: enqueued, processing, retrying, delivered, abandoned */
} setup_net;

/* The state of one run. */
typedef struct {
    const config *cfg;
    dash_shared *shared;
    dash_client *client;
    const char *url;    /* the receiver URL (with --remove: NULL when none can be had) */
    const char *secret; /* the shared secret; never printed */
    bool dry_run;
    const char *only; /* --network: the one network to touch; NULL: every managed one */
    FILE *out;
    setup_net *nets;
    size_t n_nets, cap_nets;
    bool failed; /* something outside a network failed (an organization's list) */
} setup_ctx;

/* Builds "/networks/{net}{suffix}" or, with `arg`, "/networks/{net}{suffix}/{arg}", each ID
 * escaped as a path segment. */
bool setup_path(char *buf, size_t size, const char *net, const char *suffix, const char *arg);

/* One API call. `body` (may be NULL) is sent as JSON; the answer, when `answer` is not NULL,
 * is parsed into *answer (caller puts; NULL for an empty body). On failure `why` says what
 * went wrong, with the API's message. */
bool setup_call(setup_ctx *ctx, const char *org_id, const char *method, const char *path,
                struct json_object *body, struct json_object **answer, char *why, size_t why_size);

/* Prints a network's heading. */
void setup_print_net(setup_ctx *ctx, const setup_net *n);

/* Marks the network failed and prints why. */
void setup_fail(setup_ctx *ctx, setup_net *n, const char *step, const char *why);

/* Adds a managed network to the run; NULL when out of memory. */
setup_net *setup_net_add(setup_ctx *ctx, const char *org_id, const dj_network *net);

/* Settles the receiver URL into buf, printing where it came from. Returns 0, or the usage
 * exit code 2 with a message on stderr. */
int setup_resolve_url(const config *cfg, const setup_options *opt, char *buf, size_t size,
                      FILE *out);

/* --remove for one organization: for each managed network (or only ctx->only), takes the
 * daemon's servers out of every alert's destinations and deletes them. */
void setup_remove_org(setup_ctx *ctx, const char *org_id, const char *org_name);

#endif
