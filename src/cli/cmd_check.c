/*
 * mamori check time: is this host's clock synchronised? A self-inspection item (基本方針
 * 6(7)); the reading and the verdict come from src/hostcheck/.
 */
#include <stdio.h>

#include "cli.h"
#include "mamori/hostcheck.h"

int
cmd_check_time(struct cli *c)
{
    struct mamori_time_reading r;
    int e = mamori_time_read(&r);
    if (e < 0) {
        cli_error(_("cannot read the clock state: %s"), mamori_strerror(e));
        return EX_OSERR;
    }
    struct mamori_time_verdict v;
    mamori_time_judge(&r, MAMORI_TIME_MAX_ERROR_US, &v);

    struct mamori_buf d;
    mamori_buf_init(&d, 4096);
    struct mamori_json j;
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_bool(&j, "ok", v.ok);
    mamori_json_kv_bool(&j, "synchronised", r.synchronised);
    mamori_json_kv_string(&j, "daemon", r.daemon);
    mamori_json_kv_int(&j, "max_error_us", r.max_error_us);
    mamori_json_kv_int(&j, "est_error_us", r.est_error_us);
    mamori_json_kv_int(&j, "offset_ns", r.offset_ns);
    mamori_json_kv_int(&j, "drift_ppb", (int64_t)(r.drift_ppm * 1000.0));
    mamori_json_kv_int(&j, "limit_us", MAMORI_TIME_MAX_ERROR_US);
    mamori_json_kv_string(&j, "reason", v.reason);
    mamori_json_object_end(&j);
    int rc = mamori_json_finish(&j) < 0 ? EX_SOFTWARE : 0;

    if (rc == 0 && c->json) {
        printf("%s\n", d.data);
    } else if (rc == 0) {
        printf("%s: %s\n", _("clock"), r.synchronised ? _("synchronised") : _("not synchronised"));
        printf("%s: %s\n", _("time daemon"), r.daemon[0] ? r.daemon : _("none running"));
        printf("%s: %.3f ms (%s %.0f ms)\n", _("maximum error"), (double)r.max_error_us / 1000.0,
               _("limit"), (double)MAMORI_TIME_MAX_ERROR_US / 1000.0);
        printf("%s: %.3f ms\n", _("estimated error"), (double)r.est_error_us / 1000.0);
        printf("%s: %.3f ms\n", _("offset being corrected"), (double)r.offset_ns / 1e6);
        printf("%s: %.3f ppm\n", _("frequency drift"), r.drift_ppm);
        printf("%s\n", v.ok ? _("ok") : _(v.reason));
    }
    struct mamori_record rec = {.actor = c->as ? c->as : "system",
                                .action = "time.check",
                                .object = "clock",
                                .decision = v.ok ? "ok" : "fail",
                                .clause = "6(7)",
                                .details = d.data};
    if (rc == 0)
        rc = cli_record(c, &rec);
    mamori_buf_done(&d);
    if (rc == 0 && !v.ok)
        rc = 1;
    return rc;
}
