/*
 * mamori sanitize file IN... (-o OUT | --out-dir DIR) [--report FILE.json]
 *                              [--password-file F] [--strict] [--record [--as USER]]
 *
 * ファイル無害化: each file is rebuilt by the CDR engine (mamori/cdr.h) in a sandboxed worker;
 * this process reads the input, and checks and writes what the worker sends back. A blocked
 * file gets no output and exits 0 (its verdict is in the report and on stderr), unless
 * --strict: then 65. With --record, each verdict goes to the audit log (file.sanitize) before
 * its output is written.
 *
 * Exit codes (sysexits): 0 done, 64 usage, 65 an input could not be read (or --strict and a
 * file was blocked), 73 the output cannot be created, 75 temporary failure (nothing written
 * for that file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/cdr.h"
#include "mamori/convert.h"
#include "mamori/gateway.h"
#include "mamori/sandbox.h"

static int
record(struct cli *c, struct mamori_instance *inst, const char *in,
       const struct mamori_file_reply *rp)
{
    char *details = strndup(rp->report, rp->report_len);
    struct mamori_record rec = {
        .actor = c->as ? c->as : "cli",
        .action = "file.sanitize",
        .object = in,
        .decision = mamori_cdr_verdict_id(rp->verdict),
        .clause = "6(3)②",
        .details = details ? details : "{}",
    };
    int r = mamori_instance_record(inst, &rec);
    free(details);
    if (r < 0)
        cli_error(_("cannot record in the audit log: %s"), mamori_strerror(r));
    return r;
}

static int
sanitize_one(struct cli *c, const char *in, const char *password,
             const struct mamori_cdr_options *opts, const struct mamori_policy *pol,
             struct mamori_worker_pool *pool, struct mamori_instance *inst,
             struct mamori_json *report, bool *blocked)
{
    int started = mamori_worker_pool_start(pool);
    if (started < 0) {
        cli_error(_("cannot sanitize %s now: %s"), in, mamori_strerror(started));
        return EX_TEMPFAIL;
    }
    char *data = NULL;
    size_t len = 0;
    int r = mamori_fs_read_file(in, MAMORI_CDR_MAX_BYTES, &data, &len);
    if (r == MAMORI_E_LIMIT) {
        cli_error(_("cannot read %s: larger than %zu MiB"), in, MAMORI_CDR_MAX_BYTES >> 20);
        return EX_DATAERR;
    }
    if (r < 0) {
        cli_error(_("cannot read %s: %s"), in, mamori_strerror(r));
        return EX_DATAERR;
    }
    struct mamori_buf head, resp;
    mamori_buf_init(&head, 1 << 18);
    mamori_buf_init(&resp, MAMORI_FRAME_MAX);
    const char *slash = strrchr(in, '/');
    const char *name = slash ? slash + 1 : in;
    /* legacy Office and RTF: LibreOffice makes a PDF first, in its own sandbox */
    const char *kind = mamori_convert_kind(data, len), *not_converted = NULL;
    char *pdf = NULL, *pdf_name = NULL;
    size_t pdf_len = 0;
    uint8_t orig_hash[32];
    mamori_sha256(data, len, orig_hash);
    int conv =
        mamori_convert_prepare(pol, name, data, len, &pdf, &pdf_len, &pdf_name, &not_converted);
    if (conv < 0) {
        free(data);
        mamori_buf_done(&head);
        mamori_buf_done(&resp);
        cli_error(_("cannot sanitize %s now: %s"), in, mamori_strerror(conv));
        return EX_TEMPFAIL;
    }
    if (conv == 1) {
        free(data);
        data = pdf;
        len = pdf_len;
        name = pdf_name;
    }
    r = mamori_file_job_request(name, password, opts, &head);
    struct mamori_span parts[2] = {{head.data, head.len}, {data, len}};
    if (r == 0)
        r = mamori_worker_pool_runv(pool, parts, 2, &resp);
    free(data);
    mamori_buf_done(&head);
    struct mamori_file_reply rp;
    if (r >= 0)
        r = mamori_file_job_reply_parse(resp.data ? resp.data : "", resp.len, &rp);
    if (r < 0) {
        if (r == -ETIMEDOUT || r == -ECHILD || r == -EPROTO || r == MAMORI_E_SYNTAX)
            cli_error(_("the sandboxed worker failed on %s (%s); nothing was written"), in,
                      r == -ETIMEDOUT ? _("time limit")
                      : r == -ECHILD  ? _("it stopped")
                                      : _("it sent something malformed"));
        else
            cli_error(_("cannot sanitize %s now: %s"), in, mamori_strerror(r));
        mamori_buf_done(&resp);
        return EX_TEMPFAIL;
    }
    char *out = NULL;
    int rc = 0;
    if (rp.verdict != MAMORI_CDR_BLOCKED) {
        if (c->out_dir && asprintf(&out, "%s/%s", c->out_dir, rp.name) < 0)
            out = NULL;
        else if (!c->out_dir)
            out = strdup(c->output);
        if (!out)
            rc = EX_OSERR;
    } else {
        *blocked = true;
    }
    if (rc == 0 && inst && record(c, inst, in, &rp) < 0)
        rc = EX_TEMPFAIL; /* a decision that is not in the log did not happen */
    if (rc == 0 && out) {
        r = mamori_fs_write_atomic(out, rp.out, rp.out_len, 0640);
        if (r < 0) {
            cli_error(_("cannot write %s: %s"), out, mamori_strerror(r));
            rc = EX_CANTCREAT;
        }
    }
    if (rc == 0) {
        fprintf(stderr, "%s: %s%s%s%s\n", in, mamori_cdr_verdict_id(rp.verdict), out ? " → " : "",
                out ? out : "", conv == 1 ? _(" (converted to PDF by LibreOffice first)") : "");
        if (kind && conv == 0 && not_converted)
            fprintf(stderr, _("%s: not converted to PDF: %s\n"), in,
                    strcmp(not_converted, "policy") == 0 ? _("the policy blocks legacy Office "
                                                             "and RTF (sanitize.legacy_office)")
                    : strcmp(not_converted, "no-converter") == 0
                        ? _("LibreOffice is not installed (or MAMORI_SOFFICE names no program)")
                    : strcmp(not_converted, "no-isolation") == 0
                        ? _("no network namespace could be made for the converter")
                    : strcmp(not_converted, "time-limit") == 0 ? _("the converter ran out of time")
                                                               : _("the converter made no PDF"));
        if (report) {
            mamori_json_object_begin(report);
            mamori_json_kv_string(report, "input", in);
            if (kind) {
                char hex[72] = "sha256:";
                mamori_hex(orig_hash, 32, hex + 7);
                mamori_json_key(report, "conversion");
                mamori_json_object_begin(report);
                mamori_json_kv_string(report, "from", kind);
                mamori_json_kv_string(report, "sha256", hex);
                mamori_json_kv_bool(report, "converted", conv == 1);
                if (conv == 1)
                    mamori_json_kv_string(report, "by", "LibreOffice");
                else
                    mamori_json_kv_string(report, "why_not", not_converted ? not_converted : "");
                mamori_json_object_end(report);
            }
            mamori_json_key(report, "output");
            if (out)
                mamori_json_string(report, out);
            else
                mamori_json_null(report);
            mamori_json_key(report, "result");
            mamori_json_raw(report, rp.report, rp.report_len);
            mamori_json_object_end(report);
        }
    }
    free(out);
    free(pdf_name);
    mamori_buf_done(&resp);
    return rc;
}

int
cmd_sanitize_file(struct cli *c)
{
    if (!!c->output == !!c->out_dir) {
        cli_error(_("give -o OUT (one file) or --out-dir DIR"));
        return EX_USAGE;
    }
    if (c->n_args > 1 && !c->out_dir) {
        cli_error(_("several inputs need --out-dir DIR"));
        return EX_USAGE;
    }
    if (c->output && strcmp(c->output, "-") == 0) {
        cli_error(_("a rebuilt file is not written to a terminal; give -o FILE"));
        return EX_USAGE;
    }
    if (c->out_dir) {
        int r = mamori_fs_mkdir_p(c->out_dir, 0750);
        if (r < 0) {
            cli_error(_("cannot create %s: %s"), c->out_dir, mamori_strerror(r));
            return EX_CANTCREAT;
        }
    }
    char *password = NULL;
    if (c->password_file) {
        size_t pl;
        int r = mamori_fs_read_file(c->password_file, 4096, &password, &pl);
        if (r < 0) {
            cli_error(_("cannot read %s: %s"), c->password_file, mamori_strerror(r));
            return EX_NOINPUT;
        }
        password[strcspn(password, "\r\n")] = '\0';
    }
    struct mamori_instance *inst = NULL;
    int rc = 0;
    if (c->record && (rc = cli_open_instance(c, &inst))) {
        free(password);
        return rc;
    }
    struct mamori_file_job job = {0};
    mamori_cdr_options_default(&job.opts);
    /* the policy's choices per type (sanitize.pdf ...): --policy, the instance's, or the
     * example city's */
    struct mamori_policy *pol = NULL;
    if ((rc = cli_load_policy(c, &pol, NULL))) {
        free(password);
        mamori_instance_close(inst);
        return rc;
    }
    mamori_cdr_options_from_policy(&job.opts, pol);
    struct mamori_worker_pool *pool;
    struct mamori_worker_options wo = {.timeout_ms = 120000};
    if (mamori_worker_pool_new(mamori_file_job_run, mamori_file_job_init, &job, &wo, &pool) < 0) {
        free(password);
        mamori_policy_free(pol);
        mamori_instance_close(inst);
        return EX_OSERR;
    }
    struct mamori_buf rb;
    struct mamori_json j;
    mamori_buf_init(&rb, (size_t)1 << 30);
    mamori_json_init(&j, &rb, true);
    bool many = c->n_args > 1, blocked = false;
    if (many)
        mamori_json_array_begin(&j);
    int worst = 0;
    for (int i = 0; i < c->n_args; i++) {
        int r = sanitize_one(c, c->args[i], password, &job.opts, pol, pool, inst,
                             c->report ? &j : NULL, &blocked);
        if (r == EX_TEMPFAIL || (r && worst != EX_TEMPFAIL))
            worst = r;
        if (many && c->n_args > 20 && (i + 1) % 100 == 0)
            fprintf(stderr, "mamori: %d / %d\n", i + 1, c->n_args);
    }
    if (many)
        mamori_json_array_end(&j);
    if (c->report && cli_report_write(c, &j, &rb))
        worst = EX_TEMPFAIL;
    mamori_buf_done(&rb);
    mamori_worker_pool_free(pool);
    mamori_policy_free(pol);
    if (password) {
        explicit_bzero(password, strlen(password));
        free(password);
    }
    if (mamori_instance_close(inst) < 0 && !worst)
        worst = EX_TEMPFAIL;
    if (!worst && blocked && c->strict)
        worst = EX_DATAERR;
    return worst;
}
