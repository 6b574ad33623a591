/*
 * ticker.h - the world's due work: what has to happen at a time rather than in answer to a
 * request (an asynchronous action batch whose time has come, a finished ping's callback).
 *
 * A thread runs it every TICKER_PERIOD_MS; every API and control request also runs it first,
 * so no answer ever shows work that was due and not done. Work is stamped with the time it
 * was due, not the time it ran.
 */
#ifndef FAKEDASH_TICKER_H
#define FAKEDASH_TICKER_H

struct state;

/* How often the thread looks for due work. */
#define TICKER_PERIOD_MS 20

/* Runs the work due by `now`. State lock held. */
void ticker_run_due(struct state *st, double now);

/* ticker_run_due with the lock taken and the clock read here. */
void ticker_run(void);

/* Starts the thread. Returns 0, or -1 when it cannot start. */
int ticker_start(void);

/* Stops the thread and waits for it (before the state is freed). */
void ticker_stop(void);

#endif
