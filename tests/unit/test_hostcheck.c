/*
 * Host checks: the time judge on readings of every kind, and the reader against the kernel.
 * (tests/integration/cli.sh compares `mamori check time` with an independent reading.)
 */
#include <sys/timex.h>

#include "helpers.h"

#include "mamori/hostcheck.h"

static struct mamori_time_reading
reading(bool synced, int64_t max_error_us, const char *daemon)
{
    struct mamori_time_reading r = {.synchronised = synced, .max_error_us = max_error_us};
    snprintf(r.daemon, sizeof(r.daemon), "%s", daemon);
    return r;
}

static void
test_judge(void **state)
{
    (void)state;
    struct mamori_time_verdict v;
    struct mamori_time_reading r = reading(true, 12000, "chronyd");
    mamori_time_judge(&r, MAMORI_TIME_MAX_ERROR_US, &v);
    assert_true(v.ok);
    assert_null(v.reason);

    r = reading(true, MAMORI_TIME_MAX_ERROR_US, "systemd-timesyncd"); /* at the limit */
    mamori_time_judge(&r, MAMORI_TIME_MAX_ERROR_US, &v);
    assert_true(v.ok);

    r = reading(true, MAMORI_TIME_MAX_ERROR_US + 1, "chronyd");
    mamori_time_judge(&r, MAMORI_TIME_MAX_ERROR_US, &v);
    assert_false(v.ok);
    assert_non_null(strstr(v.reason, "maximum error is too large"));

    r = reading(false, 500, "chronyd"); /* small error but unsynchronised: still a failure */
    mamori_time_judge(&r, MAMORI_TIME_MAX_ERROR_US, &v);
    assert_false(v.ok);
    assert_non_null(strstr(v.reason, "the daemon runs"));

    r = reading(false, 16000000, "");
    mamori_time_judge(&r, MAMORI_TIME_MAX_ERROR_US, &v);
    assert_false(v.ok);
    assert_non_null(strstr(v.reason, "no time daemon runs"));
}

static void
test_read(void **state)
{
    (void)state;
    struct mamori_time_reading r;
    assert_int_equal(mamori_time_read(&r), 0);
    struct timex tx = {0};
    int s = adjtimex(&tx);
    assert_true(s >= 0);
    assert_int_equal(r.synchronised, s != TIME_ERROR && !(tx.status & STA_UNSYNC));
    assert_true(r.max_error_us >= 0);
    assert_true(r.drift_ppm > -600.0 && r.drift_ppm < 600.0); /* the kernel's own bound */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_read),
    };
    return cmocka_run_group_tests_name("hostcheck", tests, NULL, NULL);
}
