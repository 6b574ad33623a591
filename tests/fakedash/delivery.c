/*
 * delivery.c - webhook deliveries on their own threads (see delivery.h).
 */
#include "delivery.h"

#include "isotime.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Attempts, pause between them, and time allowed per attempt. */
#define DELIVERY_ATTEMPTS  3
#define DELIVERY_RETRY_MS  1000
#define DELIVERY_TIMEOUT_S 5L

/* Deliveries in flight, so exit can wait for them. */
static pthread_mutex_t delivery_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t delivery_cv = PTHREAD_COND_INITIALIZER;
static int delivery_active;
static int delivery_stopping;

int delivery_is_local(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *scheme = NULL;
    int local = 0;

    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
        local = (strcasecmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0) &&
                (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(u);
    return local;
}

struct delivery_job {
    unsigned long long id;
    char *url;
    char *body;
    char *ca_file;
    delivery_status_fn on_status;
};

static size_t delivery_discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static long delivery_post(const struct delivery_job *job)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    long code = 0;

    if (c == NULL)
        return 0;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "User-Agent: MerakiWebhooks (fakedash)");
    curl_easy_setopt(c, CURLOPT_URL, job->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, job->body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, DELIVERY_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, delivery_discard);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (job->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, job->ca_file);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return code;
}

/* Waits the pause between attempts; returns nonzero when the fake is stopping. */
static int delivery_pause(void)
{
    struct timespec until;
    int stopping;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DELIVERY_RETRY_MS / 1000;
    pthread_mutex_lock(&delivery_mu);
    /* Other deliveries' ends broadcast too: wait out the whole pause. */
    while (!delivery_stopping &&
           pthread_cond_timedwait(&delivery_cv, &delivery_mu, &until) != ETIMEDOUT)
        ;
    stopping = delivery_stopping;
    pthread_mutex_unlock(&delivery_mu);
    return stopping;
}

static void *delivery_run(void *arg)
{
    struct delivery_job *job = arg;
    struct delivery_report r = {"processing", 0, 0, 0, 0, 0};

    for (;;) {
        r.attempt_done = 0;
        job->on_status(job->id, &r);
        r.sent_at = isotime_now();
        r.http_status = delivery_post(job);
        r.answered_at = isotime_now();
        r.attempts++;
        r.attempt_done = 1;
        if (r.http_status >= 200 && r.http_status < 300) {
            r.status = "delivered";
            break;
        }
        if (r.attempts >= DELIVERY_ATTEMPTS) {
            r.status = "abandoned";
            break;
        }
        job->on_status(job->id, &r);
        if (delivery_pause()) {
            r.status = "abandoned";
            r.attempt_done = 0; /* told already */
            break;
        }
        r.status = "retrying";
    }
    job->on_status(job->id, &r);
    free(job->url);
    free(job->body);
    free(job->ca_file);
    free(job);
    pthread_mutex_lock(&delivery_mu);
    delivery_active--;
    pthread_cond_broadcast(&delivery_cv);
    pthread_mutex_unlock(&delivery_mu);
    return NULL;
}

int delivery_start(unsigned long long id, const char *url, const char *body, const char *ca_file,
                   delivery_status_fn on_status)
{
    struct delivery_job *job = calloc(1, sizeof *job);
    pthread_t th;
    pthread_attr_t attr;
    int rc;

    if (job == NULL)
        return -1;
    job->id = id;
    job->on_status = on_status;
    job->url = strdup(url);
    job->body = strdup(body);
    job->ca_file = ca_file ? strdup(ca_file) : NULL;
    if (!job->url || !job->body || (ca_file && !job->ca_file))
        goto fail;
    pthread_mutex_lock(&delivery_mu);
    if (delivery_stopping) {
        pthread_mutex_unlock(&delivery_mu);
        goto fail;
    }
    delivery_active++;
    pthread_mutex_unlock(&delivery_mu);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&th, &attr, delivery_run, job);
    pthread_attr_destroy(&attr);
    if (rc == 0)
        return 0;
    pthread_mutex_lock(&delivery_mu);
    delivery_active--;
    pthread_mutex_unlock(&delivery_mu);
fail:
    free(job->url);
    free(job->body);
    free(job->ca_file);
    free(job);
    return -1;
}

void delivery_shutdown(int timeout_ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    pthread_mutex_lock(&delivery_mu);
    delivery_stopping = 1;
    pthread_cond_broadcast(&delivery_cv);
    while (delivery_active > 0)
        if (pthread_cond_timedwait(&delivery_cv, &delivery_mu, &until) != 0)
            break;
    pthread_mutex_unlock(&delivery_mu);
}
