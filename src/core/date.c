/*
 * Dates and times. Policy dates (expiries, reviews) are calendar days in Japan (JST, UTC+9,
 * no daylight saving); record times are UTC microseconds. MAMORI_NOW (unix seconds) fixes
 * the clock for tests, so a year can be simulated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamori/core.h"

#define JST_OFFSET_S ((int64_t)9 * 3600)

/* Days from civil, after Howard Hinnant's public-domain algorithm. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *ry, unsigned *rm, unsigned *rd)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *ry = (int)(y + (m <= 2));
    *rm = m;
    *rd = d;
}

static bool
is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
mamori_date_parse(const char *s, size_t n, int32_t *ret_days)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return MAMORI_E_SYNTAX;
    int v[8];
    int k = 0;
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return MAMORI_E_SYNTAX;
        v[k++] = s[i] - '0';
    }
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    unsigned m = (unsigned)(v[4] * 10 + v[5]);
    unsigned d = (unsigned)(v[6] * 10 + v[7]);
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return MAMORI_E_SYNTAX;
    unsigned maxd = mdays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
    if (d > maxd)
        return MAMORI_E_SYNTAX;
    *ret_days = (int32_t)days_from_civil(y, m, d);
    return 0;
}

int
mamori_date_parse_loose(const char *s, char *out, int32_t *ret_days)
{
    if (!s || s[0] < '0' || s[0] > '9')
        return MAMORI_E_SYNTAX;
    char *end = NULL;
    long y = strtol(s, &end, 10), m = 0, d = 0;
    char sep = *end;
    if ((sep != '-' && sep != '/') || end[1] < '0' || end[1] > '9')
        return MAMORI_E_SYNTAX;
    m = strtol(end + 1, &end, 10);
    if (*end != sep || end[1] < '0' || end[1] > '9')
        return MAMORI_E_SYNTAX;
    d = strtol(end + 1, &end, 10);
    if (*end || y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return MAMORI_E_SYNTAX;
    char iso[16];
    snprintf(iso, sizeof(iso), "%04ld-%02ld-%02ld", y, m, d);
    int32_t days;
    if (mamori_date_parse(iso, 10, &days) < 0)
        return MAMORI_E_SYNTAX;
    memcpy(out, iso, 11);
    *ret_days = days;
    return 0;
}

void
mamori_date_format(int32_t days, char *out)
{
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(y % 10000 + 10000) % 10000, m % 100, d % 100);
}

int64_t
mamori_now_us(void)
{
    const char *fixed = getenv("MAMORI_NOW");
    if (fixed && *fixed) {
        char *end = NULL;
        long long v = strtoll(fixed, &end, 10);
        if (end && *end == '\0')
            return (int64_t)v * 1000000;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int32_t
mamori_today(void)
{
    int64_t s = mamori_now_us() / 1000000 + JST_OFFSET_S;
    int64_t days = s / 86400 - (s % 86400 < 0);
    return (int32_t)days;
}

void
mamori_time_format(int64_t us, char *out)
{
    int64_t s = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        s--;
    }
    int64_t days = s / 86400, rem = s % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 28, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", (unsigned)(y % 10000 + 10000) % 10000,
             m % 100, d % 100, (unsigned)(rem / 3600) % 100, (unsigned)(rem / 60 % 60),
             (unsigned)(rem % 60), (unsigned)frac % 1000000);
}
