/*
 * notify.h - tells people about every retag (the README's "Notifications"): runs
 * `[notify] command` and POSTs `[notify] url`, on a thread of its own.
 *
 * Why a thread and a bounded queue: a retag must never wait for a chat service or a script.
 * notify_post only copies the event into the queue (a full queue drops it and counts it as
 * `dropped`); the notifier's thread takes one event at a time, runs the command (killed, with
 * its whole process group, after timeout_s) and then POSTs the URL (cut off after timeout_s).
 * A failure is logged and counted, never retried: the next retag is the next notification.
 *
 * Each notification counts once in tagfailover_notifications_total: `ok` when every
 * configured channel succeeded, `failed` when one did not, `dropped` when the queue was full
 * (or the notifier was stopping and the event's turn did not come in time).
 *
 * Threads: notify_post may be called from any thread; notify_new and notify_free from one
 * (main). curl_global_init must have run before notify_new when a URL is configured.
 */
#ifndef TAGFAILOVER_NOTIFY_H
#define TAGFAILOVER_NOTIFY_H

#include <stddef.h>

#include "tagfailover/notify_msg.h"

typedef enum {
    NOTIFY_OK = 0,
    NOTIFY_ERR_INVALID, /* the command does not split into words, or timeout_s < 1 */
    NOTIFY_ERR_NOMEM,
    NOTIFY_ERR_THREAD, /* the thread could not start */
} notify_err;

/* What to run and where to POST. Strings are copied. */
typedef struct {
    const char *command; /* an argv line (notify_msg.h's quoting); NULL or "": none */
    const char *url;     /* http(s) URL; NULL or "": none */
    int timeout_s;       /* per command run, per POST */
    size_t queue_cap;    /* events waiting at most; 0: TF_NOTIFY_QUEUE_CAPACITY */
} notify_options;

typedef struct notify notify;

/* Starts a notifier. With neither a command nor a URL, *out is NULL and NOTIFY_OK is returned
 * (notify_post and notify_free accept NULL). The caller frees with notify_free. */
notify_err notify_new(const notify_options *o, notify **out) __attribute__((warn_unused_result));

/* Queues one retag's notification (a copy of `ev`); never blocks for more than a copy. A full
 * queue, or no memory, drops it and counts it. NULL `n` is a no-op. */
void notify_post(notify *n, const notify_msg_event *ev);

/* notify_post with the notifier as a void pointer: the seam apply_env.notify takes. */
void notify_post_hook(void *n, const notify_msg_event *ev);

/* Stops the notifier: the event in hand and those still queued have at most timeout_s from
 * now (a command still running then is killed; the rest are dropped and counted), then the
 * thread is joined, so this returns within about timeout_s. NULL is a no-op. */
void notify_free(notify *n);

/* A message for an error code; never NULL. */
const char *notify_strerror(notify_err e);

#endif
