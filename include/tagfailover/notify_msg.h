/*
 * notify_msg.h - what a notification says (the README's "Notifications"): the retag event, the
 * `[notify] command` line split into an argv, the command's environment, the one readable
 * sentence and the JSON body POSTed to `[notify] url`, and the URL as logs may show it.
 *
 * Core module: no I/O, no clock, no globals, no logging. The notify adapter (notify.h) runs
 * the command and POSTs the body; this module only builds what they send, so every word of it
 * is tested with plain values.
 *
 * Quoting of `command` (no shell is involved): blanks (space, tab) separate words; '...'
 * keeps everything inside as it is; "..." keeps everything inside except that \" and \\
 * stand for " and \; outside quotes a backslash keeps the next character as it is. Quotes may
 * join a word ("a"'b'c is abc). Nothing else is special: no variables, no globbing, no
 * redirection, no pipes.
 */
#ifndef TAGFAILOVER_NOTIFY_MSG_H
#define TAGFAILOVER_NOTIFY_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "tagfailover/tags.h"

/* Most words a command line may have. */
#define NOTIFY_MSG_MAX_ARGS 64

/* Longest sentence (bytes, NUL included); longer ones are cut at a character boundary. */
#define NOTIFY_MSG_SENTENCE_MAX 1024

/* One retag, with the fields of its `failover` / `failback` log line. */
typedef struct {
    char *event;        /* "failover" or "failback" */
    char *network_id;   /* the network */
    char *network_name; /* NULL when the API gave none */
    char *org_id;       /* its organization */
    char *trigger;      /* webhook:<alertId>, vpn_status:<peer ip>, reconcile or manual */
    char *evidence;     /* series, live or manual */
    char *batch_id;     /* NULL unless an action batch wrote it */
    bool has_loss;      /* loss_pct is known (not for a manual retag) */
    double loss_pct;    /* the loss that decided it */
    tags_list tags_before;
    tags_list tags_after;
    bool dry_run; /* nothing was written */
} notify_msg_event;

/* A deep copy of `src` into `dst` (zeroed first); false when out of memory (dst then empty). */
bool notify_msg_event_copy(notify_msg_event *dst, const notify_msg_event *src)
    __attribute__((warn_unused_result));

/* Frees what the event owns and zeroes it. NULL is a no-op. */
void notify_msg_event_clear(notify_msg_event *ev);

/* Splits a command line into words (the quoting above). On success *argv is a NULL-terminated
 * array of *argc >= 1 heap strings the caller frees with notify_msg_argv_free, and NULL is
 * returned; otherwise *argv is NULL and the answer says why ("has an unterminated quote"). */
const char *notify_msg_argv_split(const char *line, char ***argv, size_t *argc);

/* Frees an argv from notify_msg_argv_split. NULL is a no-op. */
void notify_msg_argv_free(char **argv);

/* The environment entries of the command ("TAGFAILOVER_EVENT=failover", ...): EVENT,
 * NETWORK_ID, NETWORK_NAME, ORG_ID, TRIGGER, EVIDENCE, LOSS_PCT (empty when unknown),
 * TAGS_BEFORE and TAGS_AFTER (the tags joined by ','), DRY_RUN (true or false). A
 * NULL-terminated array of *n heap strings the caller frees with notify_msg_argv_free; NULL
 * when out of memory. */
char **notify_msg_env(const notify_msg_event *ev, size_t *n);

/* The one readable sentence: "Branch Leeds (L_1, organization 549236) failed over from london
 * to paris: 45.0% loss, trigger webhook:a-1, evidence series." (a dry run says "would fail
 * over"). Written into `buf` (at most `size` bytes, NUL-terminated). */
void notify_msg_sentence(const notify_msg_event *ev, char *buf, size_t size);

/* The JSON body for `url`: {"text": the sentence, "event": {"event", "network_id",
 * "network_name", "org_id", "tags_before", "tags_after", "loss_pct", "trigger", "evidence",
 * "batch_id", "dry_run"}}. Caller frees; NULL when out of memory. */
char *notify_msg_body(const notify_msg_event *ev);

/* NULL when `url` is a usable notification URL (http:// or https://, a host, no blanks or
 * control characters, no user:password@, no #fragment), else why not. */
const char *notify_msg_url_problem(const char *url);

/* The URL as a log or check-config may show it: scheme and host (with port) only, the rest
 * replaced by "/<redacted>" ("https://hooks.slack.com/<redacted>"). */
void notify_msg_url_redact(const char *url, char *buf, size_t size);

#endif
