/*
 * test_api_rules.c - the Dashboard client's decisions (api_rules.h): what follows one HTTP
 * attempt, the backoff, the host rule for redirects and next pages, Link and Retry-After.
 *
 * Every decision is a row: the attempt's result, what the call has done so far, the settings,
 * the jitter, and the exact answer. The settings default to the real ones (the public API's
 * base URL, 5 retries, a 1-s backoff base); jitter defaults to 0 so a wait is a plain number.
 * Sequences then run a whole call, attempt by attempt, through api_classify and
 * api_tally_step, as the adapter's loop does. No network, no clock, no sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tagfailover/api_rules.h"
#include "tagfailover/caps.h"

#define BASE  "https://api.meraki.com/api/v1"
#define SHARD "https://n123.meraki.com/api/v1/networks/L_1"
/* The request the redirects below answer: the same resource as SHARD, on the base host. */
#define REQ BASE "/networks/L_1"

static const api_params default_params = {
    .base_url = BASE,
    .max_retries = 5,
    .backoff_base_s = 1.0,
};

/* An HTTP answer with status s. */
#define HTTP(s) .a = {.outcome = API_ANSWERED, .status = (s)}
/* A redirect status with its Location (as received) and that Location resolved, answering a
 * GET of `u` (MOVED_FROM), of REQ (MOVED), or a PUT of REQ (MOVED_PUT). */
#define MOVED_FROM(s, u, l, t)                                                                     \
    .a = {.outcome = API_ANSWERED, .status = (s), .location = (l), .target = (t), .url = (u)}
#define MOVED(s, l, t) MOVED_FROM(s, REQ, l, t)
#define MOVED_PUT(s, l, t)                                                                         \
    .a = {.outcome = API_ANSWERED,                                                                 \
          .status = (s),                                                                           \
          .location = (l),                                                                         \
          .target = (t),                                                                           \
          .url = REQ,                                                                              \
          .write = true}
/* A 429 with the Retry-After header value r (NULL: none). */
#define LIMITED(r)   .a = {.outcome = API_ANSWERED, .status = 429, .retry_after = (r)}
#define NO_ANSWER(o) .a = {.outcome = (o)}

#define RETRIES(n)   .t = {.retries = (n)}
#define REDIRECTS(n) .t = {.redirects = (n)}

#define PARAMS(max, base)                                                                          \
    (&(const api_params){.base_url = BASE, .max_retries = (max), .backoff_base_s = (base)})

#define DONE           .action = API_DONE, .err = API_OK
#define FOLLOW         .action = API_REDIRECT, .err = API_OK
#define FAIL(e)        .action = API_FAIL, .err = (e)
#define BACKOFF(e, s)  .action = API_BACKOFF, .err = (e), .wait_s = (s)
#define WAIT(s)        .action = API_WAIT, .err = API_ERR_RATE_LIMITED, .wait_s = (s), .pause = true
#define FAIL_PAUSED(s) FAIL(API_ERR_RATE_LIMITED), .wait_s = (s), .pause = true
/* The same for a 429 without a usable Retry-After: the backoff, and the per-IP hint. */
#define WAIT_BARE(s)        WAIT(s), .bare = true
#define FAIL_PAUSED_BARE(s) FAIL_PAUSED(s), .bare = true

struct classify_case {
    const char *name;
    api_answer a;
    api_tally t;
    const api_params *p; /* NULL: default_params */
    double jitter;
    api_action action;
    api_err err;
    double wait_s;
    bool pause;
    bool bare; /* the decision's bare_429 */
};

static const struct classify_case classify_cases[] = {
    /* Success. */
    {"200 is done", HTTP(200), DONE},
    {"204 (an empty answer) is done", HTTP(204), DONE},
    {"299 is still a success", HTTP(299), DONE},
    {"201 with a Location is done: only redirect statuses are followed", MOVED(201, SHARD, SHARD),
     DONE},
    {"200 after three redirects and five retries is done", HTTP(200),
     .t = {.retries = 5, .redirects = 3}, DONE},

    /* Redirects: followed by hand, to an allowed host, at most TF_API_MAX_REDIRECTS in a row. */
    {"301 to a meraki.com shard is followed", MOVED(301, SHARD, SHARD), FOLLOW},
    {"302 to a meraki.com shard is followed", MOVED(302, SHARD, SHARD), FOLLOW},
    {"303 to a meraki.com shard is followed", MOVED(303, SHARD, SHARD), FOLLOW},
    {"307 to a meraki.com shard is followed", MOVED(307, SHARD, SHARD), FOLLOW},
    {"308 to a meraki.com shard is followed", MOVED(308, SHARD, SHARD), FOLLOW},
    {"307 with a relative Location, resolved on the base host, is followed",
     MOVED_FROM(307, BASE "/x", "/api/v1/x", BASE "/x"), FOLLOW},
    {"307 after two redirects in a row is followed", MOVED(307, SHARD, SHARD), REDIRECTS(2),
     FOLLOW},
    {"307 after three redirects in a row is one too many", MOVED(307, SHARD, SHARD), REDIRECTS(3),
     FAIL(API_ERR_TOO_MANY_REDIRECTS)},
    {"307 with retries spent is still followed: a redirect is not a retry",
     MOVED(307, SHARD, SHARD), RETRIES(5), FOLLOW},
    {"307 without a Location fails", MOVED(307, NULL, NULL), FAIL(API_ERR_NO_LOCATION)},
    {"307 with an empty Location fails", MOVED(307, "", NULL), FAIL(API_ERR_NO_LOCATION)},
    {"307 without a Location after three redirects: the missing Location is named first",
     MOVED(307, NULL, NULL), REDIRECTS(3), FAIL(API_ERR_NO_LOCATION)},
    {"307 to another host is refused",
     MOVED(307, "https://evil.example/api/v1", "https://evil.example/api/v1"),
     FAIL(API_ERR_HOST_REFUSED)},
    {"307 from https to http is refused",
     MOVED(307, "http://n1.meraki.com/x", "http://n1.meraki.com/x"), FAIL(API_ERR_HOST_REFUSED)},
    {"307 whose Location does not resolve is refused", MOVED(307, "http://[oops", NULL),
     FAIL(API_ERR_HOST_REFUSED)},
    {"307 with user information is refused",
     MOVED(307, "https://u:p@n1.meraki.com/", "https://u:p@n1.meraki.com/"),
     FAIL(API_ERR_HOST_REFUSED)},
    /* A redirect moves a request to another shard host, never to another resource. */
    {"307 to another network on the same host is refused",
     MOVED(307, "/api/v1/networks/L_2", BASE "/networks/L_2"), FAIL(API_ERR_PATH_REFUSED)},
    {"301 to another network on a shard is refused",
     MOVED(301, "https://n1.meraki.com/api/v1/networks/L_2",
           "https://n1.meraki.com/api/v1/networks/L_2"),
     FAIL(API_ERR_PATH_REFUSED)},
    {"308 of a PUT to another network is refused",
     MOVED_PUT(308, "/api/v1/networks/L_2", BASE "/networks/L_2"), FAIL(API_ERR_PATH_REFUSED)},
    {"307 to the same path with another query is refused",
     MOVED(307, SHARD "?perPage=3", SHARD "?perPage=3"), FAIL(API_ERR_PATH_REFUSED)},
    {"307 that drops the query is refused", MOVED_FROM(307, REQ "?perPage=3", SHARD, SHARD),
     FAIL(API_ERR_PATH_REFUSED)},
    {"307 that keeps path and query is followed",
     MOVED_FROM(307, REQ "?perPage=3", SHARD "?perPage=3", SHARD "?perPage=3"), FOLLOW},
    {"307 to a path that differs only in case is refused",
     MOVED(307, BASE "/networks/l_1", BASE "/networks/l_1"), FAIL(API_ERR_PATH_REFUSED)},
    {"307 to the path with a trailing slash is refused", MOVED(307, SHARD "/", SHARD "/"),
     FAIL(API_ERR_PATH_REFUSED)},
    {"307 to the path spelt with a dot segment is refused",
     MOVED(307, "https://n1.meraki.com/api/v1/x/../networks/L_1",
           "https://n1.meraki.com/api/v1/x/../networks/L_1"),
     FAIL(API_ERR_PATH_REFUSED)},
    {"307 to the path escaped differently is refused",
     MOVED(307, "https://n1.meraki.com/api/v1/networks/L%5F1",
           "https://n1.meraki.com/api/v1/networks/L%5F1"),
     FAIL(API_ERR_PATH_REFUSED)},
    {"307 adding a fragment (never sent) is followed", MOVED(307, SHARD "#x", SHARD "#x"), FOLLOW},
    {"307 answering a request of unknown URL is refused",
     .a = {.outcome = API_ANSWERED, .status = 307, .location = SHARD, .target = SHARD},
     FAIL(API_ERR_PATH_REFUSED)},
    {"307 to another host and path: the host is named first",
     MOVED(307, "https://evil.example/x", "https://evil.example/x"), FAIL(API_ERR_HOST_REFUSED)},

    /* A write is never re-sent after 301/302/303 (HTTP lets a client turn those into a GET). */
    {"301 of a PUT is not re-sent", MOVED_PUT(301, SHARD, SHARD), FAIL(API_ERR_WRITE_REDIRECT)},
    {"302 of a PUT is not re-sent", MOVED_PUT(302, SHARD, SHARD), FAIL(API_ERR_WRITE_REDIRECT)},
    {"303 of a PUT is not re-sent", MOVED_PUT(303, SHARD, SHARD), FAIL(API_ERR_WRITE_REDIRECT)},
    {"303 of a PUT to another network is not re-sent either",
     MOVED_PUT(303, "/api/v1/networks/L_2", BASE "/networks/L_2"), FAIL(API_ERR_WRITE_REDIRECT)},
    {"307 of a PUT to a shard, same path, is followed", MOVED_PUT(307, SHARD, SHARD), FOLLOW},
    {"308 of a PUT to a shard, same path, is followed", MOVED_PUT(308, SHARD, SHARD), FOLLOW},
    {"301 of a PUT without a Location: the missing Location is named first",
     MOVED_PUT(301, NULL, NULL), FAIL(API_ERR_NO_LOCATION)},

    {"300 is not a status the client follows", MOVED(300, SHARD, SHARD), FAIL(API_ERR_HTTP_OTHER)},
    {"304 is not a status the API uses", HTTP(304), FAIL(API_ERR_HTTP_OTHER)},
    {"305 is not followed", MOVED(305, SHARD, SHARD), FAIL(API_ERR_HTTP_OTHER)},

    /* 429: Retry-After, else the backoff; the organization pauses, even when retries are spent. */
    {"429 with Retry-After 2 waits 2 s and pauses the organization", LIMITED("2"), WAIT(2)},
    {"429 with Retry-After 0 retries at once", LIMITED("0"), WAIT(0)},
    {"429 with Retry-After 1.5 waits 1.5 s", LIMITED("1.5"), WAIT(1.5)},
    {"429 with a huge Retry-After waits the cap", LIMITED("100000"),
     WAIT(TF_API_MAX_RETRY_AFTER_S)},
    {"429 with Retry-After ignores the jitter", LIMITED("2"), .jitter = 0.9, WAIT(2)},
    {"429 without Retry-After backs off from the base", LIMITED(NULL), WAIT_BARE(1)},
    {"429 without Retry-After, jitter 0.5: x1.25", LIMITED(NULL), .jitter = 0.5, WAIT_BARE(1.25)},
    {"429 without Retry-After at the third retry: 4 s", LIMITED(NULL), RETRIES(2), WAIT_BARE(4)},
    {"429 with an HTTP date (not used by the API) backs off",
     LIMITED("Wed, 21 Oct 2015 07:28:00 GMT"), WAIT_BARE(1)},
    {"429 with a malformed Retry-After backs off", LIMITED("soon"), WAIT_BARE(1)},
    {"429 with a negative Retry-After backs off", LIMITED("-1"), WAIT_BARE(1)},
    {"429 at the last retry still waits", LIMITED("2"), RETRIES(4), WAIT(2)},
    {"429 with retries spent fails, and the organization still pauses", LIMITED("2"), RETRIES(5),
     FAIL_PAUSED(2)},
    {"429 with retries spent and no Retry-After pauses for the backoff", LIMITED(NULL), RETRIES(5),
     FAIL_PAUSED_BARE(32)},
    {"429 with max_retries 0 fails at once and pauses", LIMITED("3"), .p = PARAMS(0, 1.0),
     FAIL_PAUSED(3)},

    /* 5xx: backoff and retry. */
    {"500 backs off 1 s", HTTP(500), BACKOFF(API_ERR_HTTP_5XX, 1)},
    {"502 backs off 1 s", HTTP(502), BACKOFF(API_ERR_HTTP_5XX, 1)},
    {"503 backs off 1 s", HTTP(503), BACKOFF(API_ERR_HTTP_5XX, 1)},
    {"599 is a 5xx", HTTP(599), BACKOFF(API_ERR_HTTP_5XX, 1)},
    {"500 with the largest jitter: just under x1.5", HTTP(500), .jitter = 0.999,
     BACKOFF(API_ERR_HTTP_5XX, 1.4995)},
    {"500 at the second retry: 2 s", HTTP(500), RETRIES(1), BACKOFF(API_ERR_HTTP_5XX, 2)},
    {"500 at the fifth retry: 16 s", HTTP(500), RETRIES(4), BACKOFF(API_ERR_HTTP_5XX, 16)},
    {"500 past 60 s is capped", HTTP(500), RETRIES(6), .p = PARAMS(10, 1.0),
     BACKOFF(API_ERR_HTTP_5XX, 60)},
    {"500 capped stays capped with jitter", HTTP(500), RETRIES(6), .p = PARAMS(10, 1.0),
     .jitter = 0.9, BACKOFF(API_ERR_HTTP_5XX, 60)},
    {"500 at 32 s with jitter 0.9: 46.4 s, the jitter goes on top below the cap", HTTP(500),
     RETRIES(5), .p = PARAMS(10, 1.0), .jitter = 0.9, BACKOFF(API_ERR_HTTP_5XX, 46.4)},
    {"500 at 48 s with jitter 0.9 is capped after the jitter", HTTP(500), RETRIES(5),
     .p = PARAMS(10, 1.5), .jitter = 0.9, BACKOFF(API_ERR_HTTP_5XX, 60)},
    {"500 with a lowered base backs off from it", HTTP(500), .p = PARAMS(5, 0.1),
     BACKOFF(API_ERR_HTTP_5XX, 0.1)},
    {"500 with retries spent fails", HTTP(500), RETRIES(5), FAIL(API_ERR_HTTP_5XX)},
    {"500 with max_retries 0 fails at once", HTTP(500), .p = PARAMS(0, 1.0),
     FAIL(API_ERR_HTTP_5XX)},
    {"500 with a negative max_retries fails at once", HTTP(500), .p = PARAMS(-1, 1.0),
     FAIL(API_ERR_HTTP_5XX)},
    {"500 after three redirects still backs off", HTTP(500), REDIRECTS(3),
     BACKOFF(API_ERR_HTTP_5XX, 1)},
    {"600 is not a 5xx", HTTP(600), FAIL(API_ERR_HTTP_OTHER)},

    /* Other 4xx: final. */
    {"400 fails at once", HTTP(400), FAIL(API_ERR_HTTP_4XX)},
    {"401 fails at once", HTTP(401), FAIL(API_ERR_HTTP_4XX)},
    {"403 fails at once", HTTP(403), FAIL(API_ERR_HTTP_4XX)},
    {"404 fails at once", HTTP(404), FAIL(API_ERR_HTTP_4XX)},
    {"499 fails at once", HTTP(499), FAIL(API_ERR_HTTP_4XX)},

    /* Odd statuses. */
    {"100 is not a final answer the client expects", HTTP(100), FAIL(API_ERR_HTTP_OTHER)},
    {"0 (no status) is not an answer", HTTP(0), FAIL(API_ERR_HTTP_OTHER)},

    /* No answer. */
    {"a reset or timeout backs off", NO_ANSWER(API_TRANSPORT_FAILED),
     BACKOFF(API_ERR_TRANSPORT, 1)},
    {"a reset at the third retry backs off 4 s", NO_ANSWER(API_TRANSPORT_FAILED), RETRIES(2),
     BACKOFF(API_ERR_TRANSPORT, 4)},
    {"a reset with retries spent fails", NO_ANSWER(API_TRANSPORT_FAILED), RETRIES(5),
     FAIL(API_ERR_TRANSPORT)},
    {"a certificate that does not verify fails at once", NO_ANSWER(API_TRANSPORT_FATAL),
     FAIL(API_ERR_TRANSPORT)},
    {"an answer over the cap fails at once", NO_ANSWER(API_ANSWER_TOO_LARGE),
     FAIL(API_ERR_TOO_LARGE)},
    {"running out of memory fails at once", NO_ANSWER(API_OUT_OF_MEMORY), FAIL(API_ERR_NOMEM)},
};

static void check_decision(const char *name, const api_decision *d, api_action action, api_err err,
                           double wait_s, bool pause, bool bare)
{
    if (d->action != action || d->err != err || fabs(d->wait_s - wait_s) > 1e-9 ||
        d->pause_org != pause || d->bare_429 != bare)
        fail_msg("%s: got %s %s wait %.4f%s%s, want %s %s wait %.4f%s%s", name,
                 api_action_name(d->action), api_strerror(d->err), d->wait_s,
                 d->pause_org ? " paused" : "", d->bare_429 ? " bare" : "", api_action_name(action),
                 api_strerror(err), wait_s, pause ? " paused" : "", bare ? " bare" : "");
}

static void test_classify_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(classify_cases) / sizeof(classify_cases[0]); i++) {
        const struct classify_case *c = &classify_cases[i];
        api_decision d;

        print_message("classify: %s\n", c->name);
        memset(&d, 0x5a, sizeof(d)); /* a dirty answer must be fully overwritten */
        d = api_classify(&c->a, &c->t, c->p != NULL ? c->p : &default_params, c->jitter);
        check_decision(c->name, &d, c->action, c->err, c->wait_s, c->pause, c->bare);
    }
}

/* ---- whole calls ------------------------------------------------------------------------- */

#define MAX_STEPS 8

struct step {
    api_answer a;
    api_action action;
    api_err err;
    double wait_s;
    bool pause;
    bool bare;
};

struct sequence_case {
    const char *name;
    const api_params *p; /* NULL: default_params */
    struct step steps[MAX_STEPS];
    size_t n;
};

/* The rows below use the answer and decision macros of the table above. */
#define A_307 MOVED(307, SHARD, SHARD)

static const struct sequence_case sequence_cases[] = {
    {"four 307s in a row: three are followed, the fourth fails",
     .steps = {{A_307, FOLLOW},
               {A_307, FOLLOW},
               {A_307, FOLLOW},
               {A_307, FAIL(API_ERR_TOO_MANY_REDIRECTS)}},
     .n = 4},
    {"a retry between redirects starts a new run of them",
     .steps = {{A_307, FOLLOW},
               {A_307, FOLLOW},
               {HTTP(503), BACKOFF(API_ERR_HTTP_5XX, 1)},
               {A_307, FOLLOW},
               {A_307, FOLLOW},
               {A_307, FOLLOW},
               {HTTP(200), DONE}},
     .n = 7},
    {"503 on every attempt: five doubling backoffs, then the error (1 + max_retries attempts)",
     .steps = {{HTTP(503), BACKOFF(API_ERR_HTTP_5XX, 1)},
               {HTTP(503), BACKOFF(API_ERR_HTTP_5XX, 2)},
               {HTTP(503), BACKOFF(API_ERR_HTTP_5XX, 4)},
               {HTTP(503), BACKOFF(API_ERR_HTTP_5XX, 8)},
               {HTTP(503), BACKOFF(API_ERR_HTTP_5XX, 16)},
               {HTTP(503), FAIL(API_ERR_HTTP_5XX)}},
     .n = 6},
    {"max_retries 2: 429, reset, then the third attempt's 429 fails and pauses",
     .p = PARAMS(2, 0.1),
     .steps = {{LIMITED("1"), WAIT(1)},
               {NO_ANSWER(API_TRANSPORT_FAILED), BACKOFF(API_ERR_TRANSPORT, 0.2)},
               {LIMITED(NULL), FAIL_PAUSED_BARE(0.4)}},
     .n = 3},
    {"redirects use no retries: 307, then 500 until max_retries 1 is spent", .p = PARAMS(1, 1.0),
     .steps = {{A_307, FOLLOW},
               {HTTP(500), BACKOFF(API_ERR_HTTP_5XX, 1)},
               {A_307, FOLLOW},
               {HTTP(500), FAIL(API_ERR_HTTP_5XX)}},
     .n = 4},
    {"a PUT 308'd to a shard, then 301'd there: followed once, then not re-sent",
     .steps = {{MOVED_PUT(308, SHARD, SHARD), FOLLOW},
               {MOVED_PUT(301, SHARD, SHARD), FAIL(API_ERR_WRITE_REDIRECT)}},
     .n = 2},
    {"429 twice, then the answer",
     .steps = {{LIMITED("2"), WAIT(2)}, {LIMITED(NULL), WAIT_BARE(2)}, {HTTP(200), DONE}}, .n = 3},
};

static void test_call_sequences(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(sequence_cases) / sizeof(sequence_cases[0]); i++) {
        const struct sequence_case *c = &sequence_cases[i];
        api_tally t = {0};

        print_message("call: %s\n", c->name);
        for (size_t k = 0; k < c->n; k++) {
            const struct step *s = &c->steps[k];
            char name[256];
            api_decision d = api_classify(&s->a, &t, c->p != NULL ? c->p : &default_params, 0.0);
            snprintf(name, sizeof(name), "%s, attempt %zu", c->name, k + 1);
            check_decision(name, &d, s->action, s->err, s->wait_s, s->pause, s->bare);
            api_tally_step(&t, &d);
        }
    }
}

/* The counting the loop relies on, step by step from a zero tally: a redirect adds to the run
 * of redirects, a retry (backoff or wait) counts and ends the run, DONE and FAIL change
 * nothing. */
static void test_tally_step(void **state)
{
    static const struct {
        api_action action;
        int retries, redirects; /* the tally after the step */
    } steps[] = {
        {API_REDIRECT, 0, 1}, {API_REDIRECT, 0, 2}, {API_BACKOFF, 1, 0}, {API_REDIRECT, 1, 1},
        {API_WAIT, 2, 0},     {API_REDIRECT, 2, 1}, {API_DONE, 2, 1},    {API_FAIL, 2, 1},
    };
    api_tally t = {0};

    (void)state;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        api_decision d = {.action = steps[i].action};
        api_tally_step(&t, &d);
        if (t.retries != steps[i].retries || t.redirects != steps[i].redirects)
            fail_msg("step %zu (%s): retries %d redirects %d, want %d and %d", i + 1,
                     api_action_name(steps[i].action), t.retries, t.redirects, steps[i].retries,
                     steps[i].redirects);
    }
}

static void test_backoff(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double base;
        int retry;
        double jitter, want;
    } cases[] = {
        {"first retry, no jitter: the base", 1, 0, 0, 1},
        {"doubles with every retry", 1, 3, 0, 8},
        {"jitter multiplies by up to 1.5", 1, 0, 0.5, 1.25},
        {"capped at 60 s", 1, 6, 0, 60},
        {"capped after the jitter too", 1.5, 5, 0.99, 60},
        {"the jitter goes on top below the cap", 1, 5, 0.5, 40},
        {"a huge retry number does not overflow", 1, 100000, 0, 60},
        {"a negative retry number counts as the first", 1, -3, 0, 1},
        {"a jitter below 0 counts as 0", 1, 0, -4, 1},
        {"a jitter above 1 counts as 1", 1, 0, 7, 1.5},
        {"a NaN jitter counts as 0", 1, 0, NAN, 1},
        {"a lowered base", 0.1, 2, 0, 0.4},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = api_backoff(cases[i].base, cases[i].retry, cases[i].jitter);
        if (fabs(got - cases[i].want) > 1e-9)
            fail_msg("%s: got %f, want %f", cases[i].name, got, cases[i].want);
    }
}

static void test_is_redirect(void **state)
{
    (void)state;
    static const long yes[] = {301, 302, 303, 307, 308};
    static const long no[] = {200, 300, 304, 305, 306, 309, 399, 429, 0, -301};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(api_is_redirect(yes[i]));
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(api_is_redirect(no[i]));
}

/* ---- URLs ---------------------------------------------------------------------------------- */

static void test_url_allowed(void **state)
{
    (void)state;
    static const struct {
        const char *base, *url;
        bool ok;
    } cases[] = {
        {"https://api.meraki.com/api/v1", "https://api.meraki.com/api/v1/x", true},
        {"https://api.meraki.com/api/v1", "https://n123.meraki.com/api/v1/x?a=1", true},
        {"https://api.meraki.com/api/v1", "https://N123.MERAKI.COM./api/v1", true},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com:8443/x", true},
        {"https://API.Meraki.com/api/v1", "https://api.meraki.com/x", true},
        {"https://api.meraki.com/api/v1", "http://n123.meraki.com/api/v1", false},
        {"https://api.meraki.com/api/v1", "https://evil.example/api/v1", false},
        {"https://api.meraki.com/api/v1", "https://meraki.com.evil.example/", false},
        {"https://api.meraki.com/api/v1", "https://evilmeraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://user:pw@n1.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://user@n1.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.ca/", false},
        {"https://api.meraki.com/api/v1", "//n1.meraki.com/x", false},
        {"https://api.meraki.com/api/v1", "/api/v1/x", false},
        {"https://api.meraki.com/api/v1", "not a url", false},
        {"https://api.meraki.com/api/v1", "", false},
        {"https://api.meraki.ca/api/v1", "https://n5.meraki.ca/api/v1", true},
        {"https://api.meraki.ca/api/v1", "https://n5.meraki.com/api/v1", true},
        {"https://api.meraki.ca/api/v1", "https://n5.meraki.cn/api/v1", false},
        {"https://api.meraki.cn/api/v1", "https://x.meraki.cn/", true},
        {"https://api.meraki.in/api/v1", "https://x.meraki.in/", true},
        {"https://api.gov-meraki.com/api/v1", "https://x.gov-meraki.com/", true},
        {"https://api.gov-meraki.com/api/v1", "https://x.meraki.com/", true},
        {"https://api.gov-meraki.com/api/v1", "https://xgov-meraki.com/", false},
        {"http://127.0.0.1:8080/api/v1", "http://127.0.0.1:9999/api/v1/x", true},
        {"http://127.0.0.1:8080/api/v1", "http://localhost:9999/api/v1/x", false},
        {"http://127.0.0.1:8080/api/v1", "https://127.0.0.1:8080/api/v1/x", false},
        {"http://127.0.0.1:8080/api/v1", "http://127.0.0.2:8080/api/v1/x", false},
        {"http://[::1]:8080/api/v1", "http://[::1]:9/x", true},
        {"http://[::1]:8080/api/v1", "http://[::2]:8080/x", false},
        {"https://api.meraki.com/api/v1", "file:///etc/passwd", false},
        /* The strict form: what two parsers could read differently is refused. */
        {"https://api.meraki.com/api/v1", "HTTPS://N1.MERAKI.COM/x", true},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com", true},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com?a=1", true},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com#top", true},
        {"https://api.meraki.com/api/v1", "https://evil.example#@n1.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://evil.example?@n1.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com\\@evil.example/", false},
        {"https://api.meraki.com/api/v1", "https://evil.example\\.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com%2fevil.example/", false},
        {"https://api.meraki.com/api/v1", "https://evil%2eexample.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com /x", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com/\x01", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com/caf\xc3\xa9", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com:/x", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com:123456/x", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com:84a3/x", false},
        {"https://api.meraki.com/api/v1", "https://n1..meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https://n1.meraki.com../", false},
        {"https://api.meraki.com/api/v1", "https:///n1.meraki.com/", false},
        {"https://api.meraki.com/api/v1", "https:n1.meraki.com/", false},
        {"http://[::1]:8080/api/v1", "http://[::1/x", false},
        {"http://[::1]:8080/api/v1", "http://[]:8080/x", false},
        {"http://[::1]:8080/api/v1", "http://[::1]x/", false},
        {"http://[::1]:8080/api/v1", "http://[fe80::1%25eth0]/", false},
        {"not a url", "https://n1.meraki.com/", false},
        {"", "https://n1.meraki.com/", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (api_url_allowed(cases[i].base, cases[i].url) != cases[i].ok)
            fail_msg("case %zu: base %s url %s: want %s", i, cases[i].base, cases[i].url,
                     cases[i].ok ? "allowed" : "refused");
    }
    assert_false(api_url_allowed(BASE, NULL));
    assert_false(api_url_allowed(NULL, BASE));
}

static void test_url_same_resource(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to;
        bool same;
    } cases[] = {
        {REQ, SHARD, true},
        {REQ, REQ, true},
        {REQ "?a=1&b=2", SHARD "?a=1&b=2", true},
        {REQ, SHARD "#frag", true},
        {"http://127.0.0.1:8080/api/v1/x", "http://127.0.0.1:9999/api/v1/x", true},
        {"https://h.meraki.com", "https://n1.meraki.com", true},
        {REQ, BASE "/networks/L_2", false},
        {BASE "/networks/L_100", BASE "/networks/L_1000", false},
        {BASE "/networks/L_1000", BASE "/networks/L_100", false},
        {REQ "?a=1&b=2", SHARD "?b=2&a=1", false},
        {REQ "?a=1", SHARD, false},
        {REQ, SHARD "?", false},
        {REQ, SHARD "/", false},
        {"https://h.meraki.com", "https://n1.meraki.com/", false},
        {REQ, "/api/v1/networks/L_1", false},
        {REQ, "not a url", false},
        {"not a url", SHARD, false},
        {REQ, "https://user@n1.meraki.com/api/v1/networks/L_1", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (api_url_same_resource(cases[i].from, cases[i].to) != cases[i].same)
            fail_msg("case %zu: %s -> %s: want %s", i, cases[i].from, cases[i].to,
                     cases[i].same ? "same" : "other");
    }
    assert_false(api_url_same_resource(NULL, SHARD));
    assert_false(api_url_same_resource(REQ, NULL));
}

static void test_url_host(void **state)
{
    (void)state;
    static const struct {
        const char *url, *host; /* host NULL: not a plain URL */
    } cases[] = {
        {"https://N1.Meraki.COM./api/v1", "n1.meraki.com"},
        {"http://localhost:9999/api/v1/x", "localhost"},
        {"http://[::1]:9/x", "[::1]"},
        {"http://[FE80::A]/", "[fe80::a]"},
        {"https://a_b.example", "a_b.example"},
        {"https://user@n1.meraki.com/", NULL},
        {"/relative", NULL},
        {"", NULL},
    };
    char buf[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool ok = api_url_host(cases[i].url, buf, sizeof(buf));
        if (cases[i].host == NULL && (ok || buf[0] != '\0'))
            fail_msg("%s: want no host, got %s", cases[i].url, buf);
        if (cases[i].host != NULL && (!ok || strcmp(buf, cases[i].host) != 0))
            fail_msg("%s: want %s, got %s", cases[i].url, cases[i].host, ok ? buf : "(none)");
    }
    /* A host that does not fit the caller's buffer is refused, not truncated. */
    assert_false(api_url_host("https://n1.meraki.com/", buf, 13));
    assert_string_equal(buf, "");
    assert_true(api_url_host("https://n1.meraki.com/", buf, 14));
    assert_string_equal(buf, "n1.meraki.com");
    /* A 255-character name is the longest kept. */
    char url[300] = "https://";
    memset(url + 8, 'a', 255);
    url[8 + 255] = '\0';
    assert_true(api_url_host(url, buf, sizeof(buf)));
    assert_int_equal(strlen(buf), 255);
    strcat(url, "a");
    assert_false(api_url_host(url, buf, sizeof(buf)));
}

/* ---- Link and Retry-After ------------------------------------------------------------------- */

static void test_link_next(void **state)
{
    (void)state;
    static const struct {
        const char *link, *next; /* next NULL: none */
    } cases[] = {
        {"", NULL},
        {"<https://a/x?startingAfter=1>; rel=next", "https://a/x?startingAfter=1"},
        {"<https://a/1>; rel=first, <https://a/2>; rel=next, <https://a/3>; rel=last",
         "https://a/2"},
        {"<https://a/1>; rel=first, <https://a/3>; rel=last", NULL},
        {"<https://a/p>; rel=\"prev\", <https://a/n>; rel=\"next\"", "https://a/n"},
        {"<https://a/n>; rel=\"first next\"", "https://a/n"},
        {"<https://a/x>; REL=NEXT", "https://a/x"},
        {"<https://a/x>;rel=next", "https://a/x"},
        {"<https://a/x>; rel=nextpage", NULL},
        {"<https://a/x>; rel=\"prev\"; title=\"next\"", NULL},
        {"<https://a/x,y>; rel=next", "https://a/x,y"},
        {"<https://a/x>; title=\"a, rel=next\"; rel=last", NULL},
        {"<https://a/x>; title=\"a, rel=next\"; rel=last, <https://a/y>; rel=next", "https://a/y"},
        {"<https://a/x", NULL},
        {"https://a/x; rel=next", NULL},
        {"<https://api.meraki.com/api/v1/organizations/1/networks?perPage=3&startingAfter="
         "L_2>; rel=first, <https://api.meraki.com/api/v1/organizations/1/networks?perPage=3"
         "&startingAfter=L_5>; rel=next, <https://api.meraki.com/api/v1/organizations/1/"
         "networks?perPage=3&endingBefore=zzz>; rel=last",
         "https://api.meraki.com/api/v1/organizations/1/networks?perPage=3&startingAfter=L_5"},
    };
    assert_null(api_link_next(NULL));
    assert_false(api_link_has_next(NULL));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = api_link_next(cases[i].link);
        /* has_next says exactly when there is a next page, so a NULL from api_link_next with
         * has_next true can only be memory running out. */
        if (api_link_has_next(cases[i].link) != (cases[i].next != NULL))
            fail_msg("case %zu: has_next says %s", i, cases[i].next ? "none" : "one");
        if (cases[i].next == NULL && got != NULL)
            fail_msg("case %zu: want none, got %s", i, got);
        if (cases[i].next != NULL && (got == NULL || strcmp(got, cases[i].next) != 0))
            fail_msg("case %zu: want %s, got %s", i, cases[i].next, got ? got : "(none)");
        free(got);
    }
}

static void test_retry_after(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        bool ok;
        double s;
    } cases[] = {
        {"1", true, 1},     {" 2 ", true, 2},      {"0", true, 0},
        {"1.5", true, 1.5}, {"100000", true, 300}, {"-1", false, 0},
        {"abc", false, 0},  {"", false, 0},        {"Wed, 21 Oct 2015 07:28:00 GMT", false, 0},
        {"1e3", false, 0},  {"inf", false, 0},     {"0x10", false, 0},
        {"1 2", false, 0},  {"nan", false, 0},
    };
    double s;

    assert_false(api_parse_retry_after(NULL, &s));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s = -7;
        bool ok = api_parse_retry_after(cases[i].v, &s);
        if (ok != cases[i].ok || (ok && fabs(s - cases[i].s) > 1e-9))
            fail_msg("case %zu (%s): got %d %f", i, cases[i].v, ok, s);
        /* A value that does not parse leaves *seconds alone. */
        if (!ok && s != -7)
            fail_msg("case %zu (%s): wrote %f though it failed", i, cases[i].v, s);
    }
}

/* ---- names -------------------------------------------------------------------------------- */

static void test_strerror(void **state)
{
    (void)state;
    for (int e = API_OK; e <= API_ERR_NOMEM; e++) {
        assert_non_null(api_strerror((api_err)e));
        /* A code without its own case would fall through to the unknown message. */
        assert_string_not_equal(api_strerror((api_err)e), api_strerror((api_err)999));
        for (int f = API_OK; f < e; f++)
            assert_string_not_equal(api_strerror((api_err)e), api_strerror((api_err)f));
    }
    assert_non_null(api_strerror((api_err)999));
}

static void test_action_names(void **state)
{
    (void)state;
    assert_string_equal(api_action_name(API_DONE), "done");
    assert_string_equal(api_action_name(API_BACKOFF), "backoff");
    assert_string_equal(api_action_name(API_WAIT), "wait");
    assert_string_equal(api_action_name(API_REDIRECT), "redirect");
    assert_string_equal(api_action_name(API_FAIL), "fail");
    assert_string_equal(api_action_name((api_action)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_table),    cmocka_unit_test(test_call_sequences),
        cmocka_unit_test(test_tally_step),        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_is_redirect),       cmocka_unit_test(test_url_allowed),
        cmocka_unit_test(test_url_same_resource), cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_link_next),         cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_strerror),          cmocka_unit_test(test_action_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
