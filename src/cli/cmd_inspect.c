/*
 * mamori inspect run: the self-inspection checklist (基本方針 7), with the items mamori answers
 * from its records and their evidence (docs/internals/inspect.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/inspect.h"

int
cmd_inspect_run(struct cli *c)
{
    int year = 0;
    if (c->year) {
        char *end;
        long y = strtol(c->year, &end, 10);
        if (*end || y < 2000 || y > 9998) {
            cli_error(_("--year is a fiscal year such as 2026 (April 2026 to March 2027)"));
            return EX_USAGE;
        }
        year = (int)y;
    }
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, NULL);
    if (rc)
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst))) {
        mamori_policy_free(p);
        return rc;
    }
    struct mamori_inspect_options o = {.year = year, .unit = c->unit};
    struct mamori_inspect_item *items = NULL;
    size_t n = 0;
    int r = mamori_inspect_run(inst, p, &o, &items, &n);
    if (r == -ENOENT) {
        cli_error(_("no unit %s in the policy"), c->unit);
        rc = EX_USAGE;
    } else if (r < 0) {
        cli_error(_("cannot run the self-inspection: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    bool ja = mamori_i18n_japanese();
    size_t counts[MAMORI_INSPECT_NA + 1] = {0};
    for (size_t i = 0; i < n; i++)
        counts[items[i].answer]++;
    if (rc == 0 && c->json) {
        struct mamori_buf b;
        mamori_buf_init(&b, 1 << 22);
        struct mamori_json j;
        mamori_json_init(&j, &b, true);
        mamori_json_object_begin(&j);
        if (year)
            mamori_json_kv_int(&j, "year", year);
        if (c->unit)
            mamori_json_kv_string(&j, "unit", c->unit);
        mamori_json_key(&j, "items");
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "number", items[i].id);
            mamori_json_kv_string(&j, "clause", items[i].clause);
            mamori_json_kv_string(&j, "question_ja", items[i].ja);
            mamori_json_kv_string(&j, "question_en", items[i].en);
            mamori_json_kv_string(&j, "role", items[i].role);
            mamori_json_kv_string(&j, "answer", mamori_inspect_answer_id(items[i].answer));
            mamori_json_kv_bool(&j, "by_data", items[i].by_data);
            mamori_json_kv_string(&j, "evidence", items[i].evidence);
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        if (mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
        mamori_buf_done(&b);
    } else if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%-9s %-10s %s %s\n          %s\n", items[i].id,
                   mamori_inspect_answer_name(items[i].answer, ja), items[i].by_data ? "*" : " ",
                   ja ? items[i].ja : items[i].en, items[i].evidence);
        printf(_("%zu items: %zu done, %zu partly, %zu not done, %zu not applicable, %zu for a "
                 "person to answer (* answered from mamori's records)\n"),
               n, counts[MAMORI_INSPECT_DONE], counts[MAMORI_INSPECT_PARTIAL],
               counts[MAMORI_INSPECT_NOT_DONE], counts[MAMORI_INSPECT_NA],
               counts[MAMORI_INSPECT_UNANSWERED]);
    }
    if (rc == 0 && c->record) {
        char details[256];
        snprintf(details, sizeof(details),
                 "{\"done\":%zu,\"na\":%zu,\"not_done\":%zu,\"partial\":%zu,\"unanswered\":%zu}",
                 counts[MAMORI_INSPECT_DONE], counts[MAMORI_INSPECT_NA],
                 counts[MAMORI_INSPECT_NOT_DONE], counts[MAMORI_INSPECT_PARTIAL],
                 counts[MAMORI_INSPECT_UNANSWERED]);
        struct mamori_record rec = {.time_us = mamori_now_us(),
                                    .actor = c->as ? c->as : "system",
                                    .action = "inspect.run",
                                    .object = c->unit ? c->unit : "all",
                                    .decision = counts[MAMORI_INSPECT_NOT_DONE] ? "findings" : "ok",
                                    .clause = "7",
                                    .details = details};
        rc = cli_record(c, &rec);
    }
    free(items);
    mamori_instance_close(inst);
    mamori_policy_free(p);
    return rc;
}
