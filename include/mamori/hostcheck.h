/*
 * mamori hostcheck: readings of the host for self-inspection (see docs/internals/hostcheck.md).
 *
 *     struct mamori_time_reading r;
 *     mamori_time_read(&r);                       // asks the kernel (adjtimex, read-only)
 *     struct mamori_time_verdict v;
 *     mamori_time_judge(&r, MAMORI_TIME_MAX_ERROR_US, &v);   // pure
 */
#ifndef MAMORI_HOSTCHECK_H
#define MAMORI_HOSTCHECK_H

#include <stdbool.h>
#include <stdint.h>

/* The largest maximum error accepted by default: one second. */
#define MAMORI_TIME_MAX_ERROR_US 1000000L

struct mamori_time_reading {
    bool synchronised; /* the kernel clock state is not TIME_ERROR and STA_UNSYNC is clear */
    int state;         /* adjtimex() result: TIME_OK, TIME_INS, ... TIME_ERROR */
    int status;        /* STA_* bits */
    int64_t max_error_us;
    int64_t est_error_us;
    int64_t offset_ns; /* the offset still being corrected */
    double drift_ppm;  /* the frequency correction */
    char daemon[32];   /* "chronyd", "systemd-timesyncd", ... or "" when none runs */
};

struct mamori_time_verdict {
    bool ok;
    const char *reason; /* untranslated message id (N_), NULL when ok */
};

/* Reads the clock state; changes nothing. Negative errno on failure. */
int mamori_time_read(struct mamori_time_reading *ret);
/* Judges a reading against the largest acceptable maximum error. */
void mamori_time_judge(const struct mamori_time_reading *r, int64_t max_error_us,
                       struct mamori_time_verdict *ret);

#endif
