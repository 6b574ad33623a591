/*
 * dashboard_time.c - the Dashboard's RFC 3339 times, read and written.
 */
#include "tagfailover/dashboard_json.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Time. Written out rather than through timegm so the result depends on nothing but the
 * text: no TZ, no locale, no libc extension. */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil). */
static int64_t dj_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse: y-m-d of a day count from 1970-01-01. */
static void dj_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static bool dj_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Reads exactly `width` digits at *s into *v and advances. */
static bool dj_digits(const char **s, int width, int64_t *v)
{
    *v = 0;
    for (int i = 0; i < width; i++) {
        char c = (*s)[i];

        if (c < '0' || c > '9')
            return false;
        *v = *v * 10 + (c - '0');
    }
    *s += width;
    return true;
}

bool dj_parse_time(const char *s, int64_t *out)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t y, mo, d, h, mi, sec, oh = 0, om = 0, t;
    int sign = 0;

    if (s == NULL)
        return false;
    if (!dj_digits(&s, 4, &y) || *s++ != '-' || !dj_digits(&s, 2, &mo) || *s++ != '-' ||
        !dj_digits(&s, 2, &d))
        return false;
    if (*s != 'T' && *s != 't')
        return false;
    s++;
    if (!dj_digits(&s, 2, &h) || *s++ != ':' || !dj_digits(&s, 2, &mi) || *s++ != ':' ||
        !dj_digits(&s, 2, &sec))
        return false;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '+' ? 1 : -1;
        if (!dj_digits(&s, 2, &oh) || *s++ != ':' || !dj_digits(&s, 2, &om))
            return false;
        if (oh > 23 || om > 59)
            return false;
    } else {
        return false;
    }
    if (*s != '\0')
        return false;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
        return false;
    if (d > mdays[mo - 1] + (mo == 2 && dj_leap(y)))
        return false;
    /* A leap second (:60) lands on the next minute's :00, as POSIX time has no room for it. */
    t = dj_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    /* The local time is ahead of UTC by a positive offset, so it is subtracted. */
    t -= sign * (oh * 3600 + om * 60);
    *out = t;
    return true;
}

void dj_format_time(int64_t t, char *buf, size_t size)
{
    int64_t days, secs, y, m, d;

    if (buf == NULL || size == 0)
        return;
    days = t / 86400;
    secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    dj_civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
             (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
             (long long)(secs % 60));
}
