/*
 * fuzz_api_rules.c - libFuzzer target: the Dashboard client's rules on input lines as they
 * would come off the wire. Line 1 is the base URL, line 2 a Location (taken as already
 * resolved), line 3 a Link header, line 4 a Retry-After value, line 5 the status, the retries
 * and the redirects so far, as decimal numbers.
 *
 * Properties checked besides memory safety: a URL is allowed to itself exactly when it has a
 * host; an allowed URL's host is the base's or under an allowed domain; a next-page link is a
 * part of the header, never longer; a Retry-After that parses is within [0, the cap]; and
 * every decision is one the rules can give for that attempt (a redirect only for a redirect
 * status and an allowed target that keeps the request's path and query, never a write after
 * 301/302/303, a wait within its cap, a pause only after a 429). The request is taken to have
 * gone to the base URL, once as a GET and once as a write.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tagfailover/api_rules.h"
#include "tagfailover/caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_LINES 5

/* True when `host` equals `base_host` or lies under a domain the rule allows. */
static bool fuzz_host_ok(const char *base_host, const char *host)
{
    static const char *const domains[] = {".meraki.com", ".meraki.ca", ".meraki.cn", ".meraki.in",
                                          ".gov-meraki.com"};
    size_t hl = strlen(host);

    if (strcmp(base_host, host) == 0)
        return true;
    for (size_t i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
        size_t dl = strlen(domains[i]);
        if (hl > dl && strcmp(host + hl - dl, domains[i]) == 0)
            return true;
    }
    return false;
}

static void fuzz_urls(const char *base, const char *url)
{
    char base_host[256], host[256];
    bool has_host = api_url_host(url, host, sizeof(host));

    if (api_url_allowed(url, url) != has_host)
        abort();
    if (!api_url_allowed(base, url))
        return;
    if (!has_host || !api_url_host(base, base_host, sizeof(base_host)) ||
        !fuzz_host_ok(base_host, host))
        abort();
}

static void fuzz_link(const char *link)
{
    char *next = api_link_next(link);

    if (next != NULL &&
        (strlen(next) >= strlen(link) || strstr(link, next) == NULL || strchr(next, '>') != NULL))
        abort();
    free(next);
}

static void fuzz_decision(const char *const *line)
{
    long status = strtol(line[4], NULL, 10), retries = 0, redirects = 0;
    const char *p = strchr(line[4], ' ');
    double s;

    if (api_parse_retry_after(line[3], &s) && !(s >= 0.0 && s <= TF_API_MAX_RETRY_AFTER_S))
        abort();
    if (p != NULL) {
        retries = strtol(p, NULL, 10) % 64;
        if ((p = strchr(p + 1, ' ')) != NULL)
            redirects = strtol(p, NULL, 10) % 8;
    }
    for (int k = 0; k < 2 * (API_OUT_OF_MEMORY + 1); k++) {
        int o = k / 2;
        bool write = k % 2 == 1;
        /* The request went to the base URL itself, as a GET or as a write. */
        api_answer a = {.outcome = (api_outcome)o,
                        .status = status,
                        .retry_after = line[3],
                        .location = line[1],
                        .target = line[1],
                        .url = line[0],
                        .write = write};
        api_tally t = {.retries = (int)(retries < 0 ? -retries : retries),
                       .redirects = (int)(redirects < 0 ? -redirects : redirects)};
        api_params params = {.base_url = line[0], .max_retries = 5, .backoff_base_s = 1.0};
        api_decision d = api_classify(&a, &t, &params, 0.5);
        bool answered = o == API_ANSWERED;

        if (d.wait_s < 0.0 || d.wait_s > TF_API_MAX_RETRY_AFTER_S)
            abort();
        if (d.action == API_DONE && !(answered && status >= 200 && status < 300))
            abort();
        if (d.action == API_REDIRECT &&
            !(answered && api_is_redirect(status) && api_url_allowed(line[0], line[1]) &&
              api_url_same_resource(line[0], line[1]) &&
              (!write || status == 307 || status == 308)))
            abort();
        if (d.pause_org && !(answered && status == 429))
            abort();
        if ((d.action == API_DONE || d.action == API_REDIRECT) != (d.err == API_OK))
            abort();
        if (api_action_name(d.action) == NULL || api_strerror(d.err) == NULL)
            abort();
        api_tally_step(&t, &d);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *next;
    const char *line[FUZZ_LINES];
    size_t n = 0;

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* Up to five lines; the last takes the rest. A NUL ends the input as it would a string. */
    for (char *l = text; n < FUZZ_LINES; l = next) {
        line[n++] = l;
        next = n < FUZZ_LINES ? strchr(l, '\n') : NULL;
        if (next == NULL)
            break;
        *next++ = '\0';
    }
    while (n < FUZZ_LINES)
        line[n++] = "";
    fuzz_urls(line[0], line[1]);
    fuzz_urls(line[1], line[0]);
    fuzz_link(line[2]);
    fuzz_decision(line);
    free(text);
    return 0;
}
