/*
 * delivery.h - sends one webhook delivery (a webhook test or an API callback): an HTTP POST
 * of a JSON body on a detached thread, up to three attempts 1 s apart, reporting each status
 * change and each attempt through a callback.
 *
 * The fake contacts no host but this one: callers check delivery_is_local first. The
 * callback runs on the delivery thread with no lock held. Thread-safe.
 */
#ifndef FAKEDASH_DELIVERY_H
#define FAKEDASH_DELIVERY_H

/* What a delivery tells its owner. */
struct delivery_report {
    const char *status; /* "processing", "retrying", then "delivered" (a 2xx answer) or
                           "abandoned" */
    int attempts;       /* attempts made so far */
    long http_status;   /* the answer to the last attempt; 0 = none came */
    int attempt_done;   /* nonzero: an attempt has just ended (its times are set) */
    double sent_at;     /* when the last attempt was sent (Unix seconds) */
    double answered_at; /* when its answer came, or it failed */
};

/* Told each status change and each attempt's end. */
typedef void (*delivery_status_fn)(unsigned long long id, const struct delivery_report *r);

/* Whether url is http(s) to 127.0.0.1 or localhost, the only hosts the fake may contact. */
int delivery_is_local(const char *url);

/* Starts delivering `body` to `url` (strings are copied; ca_file may be NULL). Returns 0, or
 * -1 when no thread could start (or the fake is stopping); on_status is then never called. */
int delivery_start(unsigned long long id, const char *url, const char *body, const char *ca_file,
                   delivery_status_fn on_status);

/* Stops retrying and waits up to timeout_ms for deliveries in flight (at exit). */
void delivery_shutdown(int timeout_ms);

#endif
