/*
 * ticker.c - the due-work thread (see ticker.h).
 */
#include "ticker.h"

#include "h_batches.h"
#include "h_livetools.h"
#include "isotime.h"
#include "state.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t ticker_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ticker_cv = PTHREAD_COND_INITIALIZER;
static pthread_t ticker_thread;
static int ticker_running, ticker_stopping;

void ticker_run_due(struct state *st, double now)
{
    hbatch_run_due(st, now);
    hlive_run_due(st, now);
}

void ticker_run(void)
{
    state_lock();
    if (state_get())
        ticker_run_due(state_get(), isotime_now());
    state_unlock();
}

static void *ticker_main(void *arg)
{
    struct timespec until;

    (void)arg;
    pthread_mutex_lock(&ticker_mu);
    while (!ticker_stopping) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICKER_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&ticker_cv, &ticker_mu, &until);
        if (ticker_stopping)
            break;
        pthread_mutex_unlock(&ticker_mu);
        ticker_run();
        pthread_mutex_lock(&ticker_mu);
    }
    pthread_mutex_unlock(&ticker_mu);
    return NULL;
}

int ticker_start(void)
{
    if (pthread_create(&ticker_thread, NULL, ticker_main, NULL) != 0)
        return -1;
    ticker_running = 1;
    return 0;
}

void ticker_stop(void)
{
    if (!ticker_running)
        return;
    pthread_mutex_lock(&ticker_mu);
    ticker_stopping = 1;
    pthread_cond_broadcast(&ticker_cv);
    pthread_mutex_unlock(&ticker_mu);
    pthread_join(ticker_thread, NULL);
    ticker_running = 0;
}
