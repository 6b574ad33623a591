/*
 * isotime.h - wall-clock time and ISO 8601 text, as the Dashboard API speaks it.
 *
 * The fake's data is keyed by Unix seconds of the wall clock, because the client computes
 * t0/t1 from its own wall clock and the two must agree. Thread-safe (no shared state).
 */
#ifndef FAKEDASH_ISOTIME_H
#define FAKEDASH_ISOTIME_H

#include <stddef.h>

/* Current wall-clock time in Unix seconds, with sub-second precision. */
double isotime_now(void);

/* Writes `t` (Unix seconds, whole) as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void isotime_format(long long t, char *buf, size_t size);

/* Writes `t` as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (microseconds, as webhook sentAt fields are). */
void isotime_format_us(double t, char *buf, size_t size);

/* Parses an ISO 8601 date-time ("2024-01-02T03:04:05Z", optional fraction, "Z" or "+HH:MM" /
 * "-HH:MM" offset) or plain Unix seconds ("1700000000", optional fraction) into *out.
 * Returns 0, or -1 when the text is neither. */
int isotime_parse(const char *s, double *out);

#endif
