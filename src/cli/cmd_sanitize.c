/*
 * mamori sanitize mail [IN...] [-o OUT | --out-dir DIR] [--report FILE.json] [--record]
 *
 * With --record (and an instance), every decision goes to the audit log as "mail.sanitize",
 * clause 6(3)②, the report as details; a message is reported written only once its record
 * is in the log.
 *
 * Each message is parsed in a sandboxed worker (mamori/sandbox.h): no privileges, no files, no
 * network; this process only reads the input, and decodes, checks and writes what the worker
 * sends back. A worker that crashes or hangs costs that message a temporary failure.
 *
 * Exit codes follow sysexits so Postfix pipe(8) understands them: 0 every output written
 * (sanitized, or a notice that the message was held), 64 usage, 65 an input could not be read,
 * 75 a temporary failure (nothing written for that message).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/gateway.h"
#include "mamori/mail.h"
#include "mamori/sandbox.h"

/* Where the output of input i goes: -o, --out-dir/NAME, or standard output ("-"). */
static char *
output_path(struct cli *c, const char *in)
{
    char *p = NULL;
    if (c->out_dir) {
        char *copy = strdup(strcmp(in, "-") == 0 ? "stdin.eml" : in);
        if (copy && asprintf(&p, "%s/%s", c->out_dir, basename(copy)) < 0)
            p = NULL;
        free(copy);
        return p;
    }
    return strdup(c->output ? c->output : "-");
}

/* Appends the decision about one message to the audit log. */
static int
record(struct cli *c, struct mamori_instance *inst, const char *in,
       const struct mamori_mail_result *res)
{
    struct mamori_buf details;
    struct mamori_json j;
    mamori_buf_init(&details, (size_t)1 << 24);
    mamori_json_init(&j, &details, false);
    mamori_mail_report_json(res, &j);
    int r = mamori_json_finish(&j);
    struct mamori_record rec = {
        .actor = c->as ? c->as : "cli",
        .action = "mail.sanitize",
        .object = res->message_id ? res->message_id : in,
        .decision = res->verdict == MAMORI_MAIL_HELD ? "held" : "sanitized",
        .clause = "6(3)②",
        .details = details.data,
    };
    if (r == 0)
        r = mamori_instance_record(inst, &rec);
    mamori_buf_done(&details);
    if (r < 0)
        cli_error(_("cannot record in the audit log: %s"), mamori_strerror(r));
    return r;
}

static int
sanitize_one(struct cli *c, const char *in, const struct mamori_mail_options *opts,
             struct mamori_worker_pool *pool, struct mamori_instance *inst,
             struct mamori_json *report)
{
    char *data = NULL;
    size_t len = 0;
    /* The worker starts before the message is read, so it does not begin life with a copy. */
    int started = mamori_worker_pool_start(pool);
    if (started < 0) {
        cli_error(_("cannot sanitize %s now: %s"), in, mamori_strerror(started));
        return EX_TEMPFAIL;
    }
    size_t max = (size_t)(opts->limits.max_message_bytes > 0 ? opts->limits.max_message_bytes
                                                             : MAMORI_MAIL_MAX_MESSAGE_BYTES);
    /* Read one byte past the limit, so an oversized message is held, not refused. */
    int r = mamori_fs_read_file(in, max + 1, &data, &len);
    if (r == MAMORI_E_LIMIT)
        r = mamori_fs_read_file(in, SIZE_MAX / 2, &data, &len);
    if (r < 0) {
        cli_error(_("cannot read %s: %s"), in, mamori_strerror(r));
        return EX_DATAERR;
    }
    struct mamori_buf resp;
    mamori_buf_init(&resp, MAMORI_FRAME_MAX);
    char head[MAMORI_MAIL_JOB_HEADER];
    mamori_mail_job_header(head, MAMORI_MAIL_JOB_POLICY, MAMORI_MAIL_JOB_POLICY);
    struct mamori_span parts[2] = {{head, sizeof(head)}, {data, len}};
    r = mamori_worker_pool_runv(pool, parts, 2, &resp);
    free(data);
    struct mamori_mail_result *res = NULL;
    if (r >= 0)
        r = mamori_mail_result_decode(resp.data ? resp.data : "", resp.len, &res);
    mamori_buf_done(&resp);
    if (r < 0) {
        if (r == -ETIMEDOUT || r == -ECHILD || r == -EPROTO || r == MAMORI_E_SYNTAX)
            cli_error(_("the sandboxed worker failed on %s (%s); nothing was written"), in,
                      r == -ETIMEDOUT ? _("time limit")
                      : r == -ECHILD  ? _("it stopped")
                                      : _("it sent something malformed"));
        else
            cli_error(_("cannot sanitize %s now: %s"), in, mamori_strerror(r));
        return EX_TEMPFAIL;
    }
    char *out = output_path(c, in);
    int rc = 0;
    /* Not written when the path cannot be made, or when the decision could not be logged:
     * a decision that is not in the log did not happen. */
    if (!out || (inst && record(c, inst, in, res) < 0)) {
        rc = EX_TEMPFAIL;
    } else if (strcmp(out, "-") == 0) {
        if (fwrite(res->output, 1, res->output_len, stdout) != res->output_len ||
            fflush(stdout) != 0)
            rc = EX_TEMPFAIL;
    } else {
        r = mamori_fs_write_atomic(out, res->output, res->output_len, 0640);
        if (r < 0) {
            cli_error(_("cannot write %s: %s"), out, mamori_strerror(r));
            rc = EX_TEMPFAIL;
        }
    }
    if (rc == 0 && report) {
        mamori_json_object_begin(report);
        mamori_json_kv_string(report, "input", in);
        mamori_json_kv_string(report, "output", out);
        mamori_json_key(report, "result");
        mamori_mail_report_json(res, report);
        mamori_json_object_end(report);
    }
    free(out);
    mamori_mail_result_free(res);
    return rc;
}

int
cmd_sanitize_mail(struct cli *c)
{
    if (c->output && c->out_dir) {
        cli_error(_("give either -o or --out-dir, not both"));
        return EX_USAGE;
    }
    if (c->n_args > 1 && !c->out_dir) {
        cli_error(_("several inputs need --out-dir DIR"));
        return EX_USAGE;
    }
    if (c->out_dir) {
        int r = mamori_fs_mkdir_p(c->out_dir, 0750);
        if (r < 0) {
            cli_error(_("cannot create %s: %s"), c->out_dir, mamori_strerror(r));
            return EX_CANTCREAT;
        }
    }
    struct mamori_instance *inst = NULL;
    int rc = 0;
    if (c->record && (rc = cli_open_instance(c, &inst)))
        return rc;
    struct mamori_policy *p;
    rc = cli_load_policy(c, &p, NULL);
    if (rc) {
        mamori_instance_close(inst);
        return rc;
    }
    struct mamori_mail_job job = {0};
    mamori_mail_options_from_policy(p, &job.opts);
    job.opts.drop_attachment_bytes = true; /* the original is what is kept, not its parts */
    struct mamori_worker_pool *pool;
    struct mamori_worker_options wo = {.timeout_ms = 60000};
    if (mamori_worker_pool_new(mamori_mail_job_run, mamori_mail_job_init, &job, &wo, &pool) < 0) {
        mamori_policy_free(p);
        mamori_instance_close(inst);
        return EX_OSERR;
    }

    struct mamori_buf rb;
    struct mamori_json j;
    mamori_buf_init(&rb, (size_t)1 << 30);
    mamori_json_init(&j, &rb, true);
    bool many = c->n_args > 1;
    if (many)
        mamori_json_array_begin(&j);
    int worst = 0;
    for (int i = 0; i < (c->n_args ? c->n_args : 1); i++) {
        const char *in = c->n_args ? c->args[i] : "-";
        int r = sanitize_one(c, in, &job.opts, pool, inst, c->report ? &j : NULL);
        if (r == EX_TEMPFAIL || (r && worst != EX_TEMPFAIL))
            worst = r;
        if (many && !c->report && c->n_args > 20 && (i + 1) % 100 == 0)
            fprintf(stderr, "mamori: %d / %d\n", i + 1, c->n_args);
    }
    if (many)
        mamori_json_array_end(&j);
    if (c->report && cli_report_write(c, &j, &rb))
        worst = EX_TEMPFAIL;
    mamori_buf_done(&rb);
    mamori_worker_pool_free(pool);
    mamori_policy_free(p);
    if (mamori_instance_close(inst) < 0 && !worst)
        worst = EX_TEMPFAIL;
    return worst;
}
