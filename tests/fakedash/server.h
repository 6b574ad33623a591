/*
 * server.h - the HTTP side: two libmicrohttpd daemons on 127.0.0.1 (the main port and the
 * redirect target), each request turned into a struct http_request, routed to the control
 * API or the Dashboard API, logged, and answered.
 *
 * Thread per connection (keep-alive works, a delay fault stalls only its own connection).
 */
#ifndef FAKEDASH_SERVER_H
#define FAKEDASH_SERVER_H

/* Starts both listeners; port 0 picks a free one. On success fills the ports actually bound
 * and returns 0; on failure prints why and returns -1. */
int server_start(int port, int port2, int *bound, int *bound2);

/* Stops both listeners (waits for connection threads). */
void server_stop(void);

#endif
