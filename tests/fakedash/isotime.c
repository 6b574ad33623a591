/*
 * isotime.c - wall clock and ISO 8601 (see isotime.h).
 */
#include "isotime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double isotime_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void isotime_format(long long t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void isotime_format_us(double t, char *buf, size_t size)
{
    long long whole = (long long)t;
    long us = (long)((t - (double)whole) * 1e6);
    time_t tt = (time_t)whole;
    struct tm tm;
    char base[32];

    if (us < 0)
        us = 0;
    if (us > 999999)
        us = 999999;
    gmtime_r(&tt, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, size, "%s.%06ldZ", base, us);
}

/* Reads exactly `n` digits at *p into *out and advances. */
static int isotime_digits(const char **p, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm; no time zone). */
static long long isotime_days(int y, int m, int d)
{
    long long era;
    int yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (int)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int isotime_parse_epoch(const char *s, double *out)
{
    char *end;
    double v;

    if (!isdigit((unsigned char)*s))
        return -1;
    v = strtod(s, &end);
    if (*end != '\0')
        return -1;
    *out = v;
    return 0;
}

int isotime_parse(const char *s, double *out)
{
    const char *p = s;
    int y, mo, d, h, mi, sec;
    double frac = 0;
    int offset = 0;

    if (strlen(s) < 19 || s[4] != '-')
        return isotime_parse_epoch(s, out);
    if (isotime_digits(&p, 4, &y) || *p++ != '-' || isotime_digits(&p, 2, &mo) || *p++ != '-' ||
        isotime_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    if (isotime_digits(&p, 2, &h) || *p++ != ':' || isotime_digits(&p, 2, &mi) || *p++ != ':' ||
        isotime_digits(&p, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (*p == '.') {
        double scale = 0.1;

        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh, om;

        p++;
        if (isotime_digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (isotime_digits(&p, 2, &om))
            return -1;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    *out = (double)(isotime_days(y, mo, d) * 86400LL + h * 3600 + mi * 60 + sec - offset) + frac;
    return 0;
}
