/*
 * mamori report …: reports to the 委員会 as HTML, PDF (the HTML printed by Chromium in the
 * convert sandbox) or XLSX; mamori remind: what is due or overdue per person, and the mail
 * that tells them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/convert.h"
#include "mamori/gov.h"

int
cmd_report(struct cli *c)
{
    int kind = mamori_report_kind_find(c->args[0]);
    if (kind < 0) {
        cli_error(_("no report \"%s\": inspection, audit, incidents or register"), c->args[0]);
        return EX_USAGE;
    }
    const char *format = c->format ? c->format : "html";
    if (strcmp(format, "html") != 0 && strcmp(format, "pdf") != 0 && strcmp(format, "xlsx") != 0) {
        cli_error(_("--format is html, pdf or xlsx"));
        return EX_USAGE;
    }
    if (strcmp(format, "html") != 0 && !c->output) {
        cli_error(_("a %s report is written to a file: give -o FILE"), format);
        return EX_USAGE;
    }
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
    struct cli_session s;
    int rc = cli_session_open(c, false, &s);
    if (rc)
        return rc;
    int r;
    if (strcmp(format, "xlsx") == 0) {
        r = mamori_report_xlsx(s.inst, s.p, (enum mamori_report_kind)kind, year, c->output);
    } else {
        struct mamori_buf b;
        mamori_buf_init(&b, (size_t)1 << 30);
        r = mamori_report_html(s.inst, s.p, (enum mamori_report_kind)kind, year, &b);
        if (r == 0 && strcmp(format, "html") == 0) {
            rc = cli_write_output(c, b.data, b.len);
        } else if (r == 0) {
            char *pdf = NULL;
            size_t len = 0;
            const char *why = NULL;
            r = mamori_convert_html_pdf(b.data, b.len, &pdf, &len, &why);
            if (r == 0) {
                cli_error(_("cannot print the report to PDF (%s): Chromium is needed "
                            "(apt install chromium, or MAMORI_CHROMIUM=PATH)"),
                          why ? why : "?");
                rc = EX_UNAVAILABLE;
            } else if (r > 0) {
                r = 0;
                rc = cli_write_output(c, pdf, len);
            }
            free(pdf);
        }
        mamori_buf_done(&b);
    }
    if (r < 0) {
        cli_error(_("cannot make the report: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    return cli_session_close(&s, rc);
}

int
cmd_remind(struct cli *c)
{
    struct cli_session s;
    int rc = cli_session_open(c, false, &s);
    if (rc)
        return rc;
    struct mamori_gov_reminder *v = NULL;
    size_t n = 0;
    int r = mamori_gov_reminders(s.inst, s.p, mamori_today(), &v, &n, s.a);
    if (r < 0) {
        cli_error(_("cannot collect the reminders: %s"), mamori_strerror(r));
        free(v);
        return cli_session_close(&s, cli_exit_code(r));
    }
    bool ja = mamori_i18n_japanese();
    if (c->json) {
        struct mamori_buf b;
        mamori_buf_init(&b, 1 << 26);
        struct mamori_json j;
        mamori_json_init(&j, &b, true);
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < n; i++) {
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "person", v[i].person);
            mamori_json_kv_string(&j, "kind", v[i].kind);
            mamori_json_kv_string(&j, "id", v[i].id);
            mamori_json_kv_string(&j, "title", v[i].title);
            mamori_json_kv_string(&j, "code", v[i].flag.code);
            mamori_json_kv_string(&j, "text", v[i].flag.text_ja);
            mamori_json_kv_string(&j, "text_en", v[i].flag.text_en);
            if (*v[i].flag.due)
                mamori_json_kv_string(&j, "due", v[i].flag.due);
            mamori_json_kv_bool(&j, "overdue", v[i].flag.overdue);
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        if (mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
        mamori_buf_done(&b);
    } else if (!c->mail) {
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || strcmp(v[i].person, v[i - 1].person) != 0)
                printf("%s\n", v[i].person);
            printf("  %s %-10s %-8s %s  %s\n", v[i].flag.overdue ? "!" : "-", v[i].flag.due,
                   v[i].id, v[i].title, ja ? v[i].flag.text_ja : v[i].flag.text_en);
        }
        if (n == 0)
            printf("%s\n", ja ? "対応が必要な事項はありません" : "nothing is due");
    }
    if (c->mail) {
        size_t sent = 0, failed = 0;
        r = mamori_gov_remind_mail(s.inst, v, n, c->mail, &sent, &failed);
        if (!c->json)
            printf(ja ? "%zu 人に送信、%zu 件失敗\n" : "mailed %zu persons, %zu failed\n", sent,
                   failed);
        if (r < 0 || failed)
            rc = EX_TEMPFAIL;
    }
    free(v);
    return cli_session_close(&s, rc);
}
