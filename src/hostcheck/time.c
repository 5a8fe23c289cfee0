/*
 * Is the host's clock synchronised? The kernel's answer (adjtimex, read-only), which chronyd
 * and systemd-timesyncd both maintain, and a judge that needs no I/O.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>

#include "mamori/core.h"
#include "mamori/hostcheck.h"

/* The first time-synchronisation daemon found running, or "". */
static void
find_daemon(char out[32])
{
    static const char *const known[] = {"chronyd", "systemd-timesyn", "ntpd", "openntpd"};
    out[0] = '\0';
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *e;
    while (!out[0] && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[64], comm[32] = "";
        snprintf(path, sizeof(path), "/proc/%.20s/comm", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        if (fgets(comm, sizeof(comm), f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
            if (strcmp(comm, known[i]) == 0)
                /* comm is cut at 15 bytes: give the daemon its whole name */
                snprintf(out, 32, "%s", i == 1 ? "systemd-timesyncd" : known[i]);
    }
    closedir(d);
}

int
mamori_time_read(struct mamori_time_reading *ret)
{
    struct timex tx = {0}; /* modes 0: read only */
    int state = adjtimex(&tx);
    if (state < 0)
        return -errno;
    struct mamori_time_reading r = {0};
    r.state = state;
    r.status = tx.status;
    r.synchronised = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
    r.max_error_us = tx.maxerror;
    r.est_error_us = tx.esterror;
    r.offset_ns = (tx.status & STA_NANO) ? (int64_t)tx.offset : (int64_t)tx.offset * 1000;
    r.drift_ppm = (double)tx.freq / 65536.0;
    find_daemon(r.daemon);
    *ret = r;
    return 0;
}

void
mamori_time_judge(const struct mamori_time_reading *r, int64_t max_error_us,
                  struct mamori_time_verdict *ret)
{
    struct mamori_time_verdict v = {.ok = false};
    if (!r->synchronised)
        v.reason = r->daemon[0] ? N_("the clock is not synchronised (the daemon runs but has not "
                                     "synchronised the kernel clock)")
                                : N_("the clock is not synchronised and no time daemon runs "
                                     "(install chrony or enable systemd-timesyncd)");
    else if (r->max_error_us > max_error_us)
        v.reason = N_("the clock is synchronised but its maximum error is too large");
    else
        v.ok = true;
    *ret = v;
}
