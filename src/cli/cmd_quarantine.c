/*
 * mamori quarantine list|show|verify|purge: the originals the gateway kept
 * (docs/internals/quarantine.md).
 *
 * verify decrypts each original and checks it against its name, printing nothing of its
 * content; purge deletes originals past their retention (or one named original) — the row
 * with its sealed key first, in the same transaction as the audit record, then the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mamori/gateway.h"
#include "mamori/quarantine.h"
#include "mamori/mail.h"
#include "mamori/scan.h"
#include "mamori/smtp.h"

static void
format_time(int64_t us, char *buf, size_t len)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
original_json(struct mamori_json *j, const struct mamori_store_original *o)
{
    mamori_json_object_begin(j);
    mamori_json_kv_string(j, "id", o->id);
    mamori_json_kv_string(j, "kind", o->kind);
    mamori_json_kv_int(j, "size", o->size);
    mamori_json_kv_int(j, "created_us", o->created_us);
    mamori_json_kv_int(j, "expires_us", o->expires_us);
    mamori_json_kv_string(j, "queue_id", o->queue_id);
    mamori_json_kv_string(j, "sender", o->sender);
    mamori_json_kv_string(j, "recipients", o->recipients);
    mamori_json_kv_string(j, "message_id", o->message_id);
    mamori_json_kv_string(j, "subject", o->subject);
    mamori_json_kv_string(j, "verdict", o->verdict);
    mamori_json_object_end(j);
}

struct list_ctx {
    struct mamori_json *j;
    size_t n;
};

static int
list_cb(void *ctx, const struct mamori_store_original *o)
{
    struct list_ctx *l = ctx;
    l->n++;
    if (l->j) {
        original_json(l->j, o);
        return 0;
    }
    char when[32];
    format_time(o->created_us, when, sizeof(when));
    printf("%s  %s  %-9s %9lld  %s → %s  %s\n", o->id, when, o->verdict, (long long)o->size,
           o->sender, o->recipients, o->subject);
    return 0;
}

static int
walk_originals(struct mamori_instance *inst, struct mamori_json *j, void *ctx)
{
    struct list_ctx l = {j, 0};
    int r = mamori_store_original_iterate(inst->store, list_cb, &l);
    if (r == 0 && !j)
        printf(_("%zu originals kept\n"), l.n);
    return r;
}

int
cmd_quarantine_list(struct cli *c)
{
    return cli_list(c, walk_originals, NULL);
}

int
cmd_quarantine_show(struct cli *c)
{
    const char *id = c->args[0];
    if (mamori_original_id_check(id) < 0) {
        cli_error(_("'%s' is not an original's id (sha256:<64 hex digits>)"), id);
        return EX_USAGE;
    }
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_store_original o;
    int r = a ? mamori_store_original_get(inst->store, id, a, &o) : -ENOMEM;
    if (r == -ENOENT) {
        cli_error(_("no original %s (never kept, or purged)"), id);
        rc = EX_DATAERR;
    } else if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    } else if (c->json) {
        struct mamori_buf b;
        struct mamori_json j;
        mamori_buf_init(&b, (size_t)1 << 20);
        mamori_json_init(&j, &b, true);
        original_json(&j, &o);
        if (mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
        mamori_buf_done(&b);
    } else {
        char created[32], expires[32];
        format_time(o.created_us, created, sizeof(created));
        format_time(o.expires_us, expires, sizeof(expires));
        printf("%-12s %s\n", _("id"), o.id);
        printf("%-12s %s\n", _("verdict"), o.verdict);
        printf("%-12s %lld\n", _("size"), (long long)o.size);
        printf("%-12s %s\n", _("received"), created);
        printf("%-12s %s\n", _("kept until"), expires);
        printf("%-12s %s\n", _("queue id"), o.queue_id);
        printf("%-12s %s\n", _("sender"), o.sender);
        printf("%-12s %s\n", _("recipients"), o.recipients);
        printf("%-12s %s\n", _("message id"), o.message_id);
        printf("%-12s %s\n", _("subject"), o.subject);
        int e = mamori_quarantine_exists(inst->quarantine_dir, id);
        printf("%-12s %s\n", _("file"), e == 1 ? _("present") : _("MISSING"));
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

struct verify_ctx {
    struct mamori_instance *inst;
    const char *only;
    size_t ok, bad;
    struct mamori_json *j;
};

static int
verify_cb(void *ctx, const struct mamori_store_original *o)
{
    struct verify_ctx *v = ctx;
    if (v->only && strcmp(v->only, o->id) != 0)
        return 0;
    char *data = NULL;
    size_t len = 0;
    int r = mamori_quarantine_get(v->inst->quarantine_dir, v->inst->quarantine_key_path, o->id,
                                  o->sealed_key, o->sealed_key_len, &data, &len);
    if (r == 0 && (int64_t)len != o->size)
        r = MAMORI_E_TAMPERED;
    free(data);
    if (r == 0)
        v->ok++;
    else
        v->bad++;
    if (v->j) {
        mamori_json_object_begin(v->j);
        mamori_json_kv_string(v->j, "id", o->id);
        mamori_json_kv_bool(v->j, "ok", r == 0);
        if (r < 0)
            mamori_json_kv_string(v->j, "error", mamori_strerror(r));
        mamori_json_object_end(v->j);
    } else if (r < 0) {
        printf("%s: %s\n", o->id,
               r == -ENOENT ? _("the file is missing") : _("does not decrypt to its id"));
    }
    return 0;
}

int
cmd_quarantine_verify(struct cli *c)
{
    const char *only = c->n_args ? c->args[0] : NULL;
    if (only && mamori_original_id_check(only) < 0) {
        cli_error(_("'%s' is not an original's id (sha256:<64 hex digits>)"), only);
        return EX_USAGE;
    }
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, (size_t)1 << 28);
    mamori_json_init(&j, &b, true);
    struct verify_ctx v = {inst, only, 0, 0, c->json ? &j : NULL};
    if (c->json) {
        mamori_json_object_begin(&j);
        mamori_json_key(&j, "originals");
        mamori_json_array_begin(&j);
    }
    int r = mamori_store_original_iterate(inst->store, verify_cb, &v);
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    } else if (only && v.ok + v.bad == 0) {
        cli_error(_("no original %s (never kept, or purged)"), only);
        rc = EX_DATAERR;
    } else if (c->json) {
        mamori_json_array_end(&j);
        mamori_json_kv_int(&j, "ok", (int64_t)v.ok);
        mamori_json_kv_int(&j, "bad", (int64_t)v.bad);
        mamori_json_object_end(&j);
        if (mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
    } else {
        printf(_("%zu originals decrypt to their ids, %zu do not\n"), v.ok, v.bad);
    }
    mamori_buf_done(&b);
    mamori_instance_close(inst);
    if (rc == 0 && v.bad)
        rc = 1;
    return rc;
}

struct purge_ctx {
    const char *only;
    int64_t now;
    char **ids;
    size_t n;
};

static int
purge_cb(void *ctx, const struct mamori_store_original *o)
{
    struct purge_ctx *p = ctx;
    bool due = p->only ? strcmp(p->only, o->id) == 0 : o->expires_us <= p->now;
    if (!due)
        return 0;
    char **n = realloc(p->ids, (p->n + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    p->ids = n;
    if (!(n[p->n] = strdup(o->id)))
        return -ENOMEM;
    p->n++;
    return 0;
}

static int
op_original_delete(struct mamori_store *s, void *id)
{
    return mamori_store_original_delete(s, id);
}

int
cmd_quarantine_purge(struct cli *c)
{
    const char *only = c->n_args ? c->args[0] : NULL;
    if (only && mamori_original_id_check(only) < 0) {
        cli_error(_("'%s' is not an original's id (sha256:<64 hex digits>)"), only);
        return EX_USAGE;
    }
    if (!only && !c->expired) {
        cli_error(_("name an original, or give --expired for every original past its "
                    "retention"));
        return EX_USAGE;
    }
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    if (!inst->log) {
        cli_error(_("purging needs the audit log's signing key"));
        mamori_instance_close(inst);
        return EX_NOPERM;
    }
    struct purge_ctx p = {only, mamori_now_us(), NULL, 0};
    int r = mamori_store_original_iterate(inst->store, purge_cb, &p);
    if (r == 0 && only && p.n == 0) {
        cli_error(_("no original %s (never kept, or purged)"), only);
        rc = EX_DATAERR;
    }
    size_t done = 0;
    for (size_t i = 0; r == 0 && rc == 0 && i < p.n; i++) {
        char details[160];
        snprintf(details, sizeof(details), "{\"reason\":\"%s\"}", only ? "requested" : "expired");
        struct mamori_record rec = {.time_us = mamori_now_us(),
                                    .actor = c->as ? c->as : "system",
                                    .action = "quarantine.purge",
                                    .object = p.ids[i],
                                    .decision = "purged",
                                    .clause = "6(3)②",
                                    .details = details};
        r = mamori_instance_apply(inst, op_original_delete, p.ids[i], &rec);
        if (r < 0) {
            break;
        }
        /* The key is gone; the file is noise now. Remove it too. */
        int e = mamori_quarantine_remove(inst->quarantine_dir, p.ids[i]);
        if (e < 0 && e != -ENOENT)
            cli_error(_("%s: the key is destroyed but the file remains: %s"), p.ids[i],
                      mamori_strerror(e));
        done++;
    }
    if (r < 0) {
        cli_error(_("cannot purge: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    if (rc == 0)
        printf(_("%zu originals purged\n"), done);
    for (size_t i = 0; i < p.n; i++)
        free(p.ids[i]);
    free(p.ids);
    if (mamori_instance_close(inst) < 0 && rc == 0)
        rc = EX_TEMPFAIL;
    return rc;
}

/* ---- release of originals: request → approval → clamd scan → hand-over -------------------- */

/* mamorid.conf (clamd, mail_relay); prints every problem with its line. */
static int
load_daemon_conf(struct mamori_instance *inst, struct mamori_gateway_config *conf)
{
    struct mamori_diags diags;
    mamori_diags_init(&diags, inst->daemon_conf_path);
    int r = mamori_gateway_config_load(inst->daemon_conf_path, conf, &diags);
    if (r < 0) {
        struct mamori_buf b;
        mamori_buf_init(&b, (size_t)1 << 20);
        if (mamori_diags_format(&diags, &b) == 0 && b.len)
            fprintf(stderr, "%.*s", (int)b.len, b.data);
        mamori_buf_done(&b);
    }
    mamori_diags_done(&diags);
    return r < 0 ? EX_CONFIG : 0;
}

#define REQUEST_DAYS 7 /* an undecided request expires after a week */

/* Parses a request number. */
static int
request_number(const char *s, int64_t *ret)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0) {
        cli_error(_("'%s' is not a request number"), s);
        return EX_USAGE;
    }
    *ret = v;
    return 0;
}

/* Records one step of a request in the audit log, in the caller's transaction when in_tx. */
static int
record_step(struct mamori_instance *inst, const char *actor, const char *action, int64_t req,
            const char *original, const char *decision, const char *note, bool in_tx)
{
    struct mamori_buf d;
    struct mamori_json j;
    mamori_buf_init(&d, 1 << 16);
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_int(&j, "request", req);
    mamori_json_kv_string(&j, "original", original);
    if (note && *note)
        mamori_json_kv_string(&j, "note", note);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    char object[32];
    snprintf(object, sizeof(object), "request:%lld", (long long)req);
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = actor,
                                .action = action,
                                .object = object,
                                .decision = decision,
                                .clause = "6(3)②",
                                .details = d.data};
    if (r == 0)
        r = !inst->log ? -EACCES
            : in_tx    ? mamori_log_append_in(inst->log, &rec, 1, NULL)
                       : mamori_log_append(inst->log, &rec, 1, NULL);
    mamori_buf_done(&d);
    return r;
}

/* Moves a request from one state to another and records it, in one transaction. */
static int
transition(struct mamori_instance *inst, const struct mamori_store_request *q, const char *to,
           const char *actor, const char *action, const char *note)
{
    int r = inst->log ? mamori_store_begin(inst->store) : -EACCES;
    if (r < 0)
        return r;
    r = mamori_store_request_set_state(inst->store, q->id, q->state, to, actor, note,
                                       mamori_now_us());
    if (r == 0)
        r = record_step(inst, actor, action, q->id, q->original, to, note, true);
    if (r == 0)
        r = mamori_store_commit(inst->store);
    if (r < 0)
        mamori_store_rollback(inst->store);
    return r;
}

static bool
is_recipient(const char *recipients, const char *mail)
{
    size_t n = strlen(mail);
    if (!n)
        return false;
    for (const char *p = recipients; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncasecmp(p, mail, n) == 0)
            return true;
        p += len + (comma != NULL);
    }
    return false;
}

int
cmd_quarantine_request(struct cli *c)
{
    const char *id = c->args[0];
    if (mamori_original_id_check(id) < 0) {
        cli_error(_("'%s' is not an original's id (sha256:<64 hex digits>)"), id);
        return EX_USAGE;
    }
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_store_person me;
    struct mamori_store_original o;
    rc = cli_actor(c, inst, a, &me);
    int r = 0;
    if (rc == 0) {
        r = mamori_store_original_get(inst->store, id, a, &o);
        if (r == -ENOENT) {
            cli_error(_("no original %s (never kept, or purged)"), id);
            rc = EX_DATAERR;
        } else if (r < 0) {
            cli_error(_("cannot read the store: %s"), mamori_strerror(r));
            rc = cli_exit_code(r);
        } else if (!is_recipient(o.recipients, me.mail)) {
            cli_error(_("%s (%s) is not a recipient of %s: only its recipients may ask for it"),
                      me.id, *me.mail ? me.mail : "-", id);
            record_step(inst, me.id, "quarantine.request", 0, id, "refused", "not-a-recipient",
                        false);
            rc = EX_NOPERM;
        }
    }
    if (rc == 0) {
        int64_t now = mamori_now_us(), req = 0;
        struct mamori_store_request q = {.original = id,
                                         .requester = me.id,
                                         .reason = c->reason ? c->reason : "",
                                         .state = "requested",
                                         .created_us = now,
                                         .expires_us =
                                             now + (int64_t)REQUEST_DAYS * 86400 * 1000000};
        r = inst->log ? mamori_store_begin(inst->store) : -EACCES;
        if (r == 0) {
            r = mamori_store_request_insert(inst->store, &q, &req);
            if (r == 0)
                r = record_step(inst, me.id, "quarantine.request", req, id, "requested", q.reason,
                                true);
            if (r == 0)
                r = mamori_store_commit(inst->store);
            if (r < 0)
                mamori_store_rollback(inst->store);
        }
        if (r < 0) {
            cli_error(_("cannot record the request: %s"), mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(_("request %lld: waiting for approval by %s\n"), (long long)req,
                   _("the role the policy names"));
        }
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

/* Loads request, checks it is undecided and not expired (expiring it if so), and that actor
 * may decide it. */
static int
decidable(struct cli *c, struct mamori_instance *inst, struct mamori_arena *a, int64_t req,
          struct mamori_store_person *actor, struct mamori_store_request *q)
{
    int rc = cli_actor(c, inst, a, actor);
    if (rc)
        return rc;
    int r = mamori_store_request_get(inst->store, req, a, q);
    if (r == -ENOENT) {
        cli_error(_("no request %lld"), (long long)req);
        return EX_DATAERR;
    }
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    if (strcmp(q->state, "requested") != 0) {
        cli_error(_("request %lld is %s already"), (long long)req, q->state);
        return EX_DATAERR;
    }
    if (q->expires_us <= mamori_now_us()) {
        transition(inst, q, "expired", "system", "quarantine.expire", "");
        cli_error(_("request %lld has expired"), (long long)req);
        return EX_DATAERR;
    }
    struct mamori_store_person requester;
    r = mamori_store_person_get(inst->store, q->requester, a, &requester);
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    struct mamori_policy *p;
    if ((rc = cli_load_policy(c, &p, NULL)))
        return rc;
    struct mamori_person_ref rq = {requester.id, requester.role, requester.unit};
    struct mamori_person_ref ap = {actor->id, actor->role, actor->unit};
    const char *why = NULL;
    r = mamori_policy_may_approve(p, "quarantine.release", &rq, &ap, &why);
    const char *role = mamori_policy_approver(p, "quarantine.release");
    if (r < 0) {
        if (strcmp(why, "self-approval") == 0)
            cli_error(_("%s may not decide their own request (兼務の禁止)"), actor->id);
        else if (strcmp(why, "outside-unit") == 0)
            cli_error(_("%s (%s of %s) may not decide for %s of %s"), actor->id, actor->role,
                      *actor->unit ? actor->unit : "-", requester.id,
                      *requester.unit ? requester.unit : "-");
        else
            cli_error(_("%s (%s) may not decide this: the policy names %s"), actor->id, actor->role,
                      role ? role : "-");
        record_step(inst, actor->id, "quarantine.approve", q->id, q->original, "refused", why,
                    false);
        rc = EX_NOPERM;
    }
    mamori_policy_free(p);
    return rc;
}

static int
decide(struct cli *c, bool approve)
{
    int64_t req;
    int rc = request_number(c->args[0], &req);
    if (rc)
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_store_person actor;
    struct mamori_store_request q;
    rc = a ? decidable(c, inst, a, req, &actor, &q) : EX_OSERR;
    if (rc == 0) {
        int r = transition(inst, &q, approve ? "approved" : "denied", actor.id,
                           approve ? "quarantine.approve" : "quarantine.deny",
                           approve ? "" : (c->reason ? c->reason : ""));
        if (r == -EBUSY) {
            cli_error(_("request %lld was decided meanwhile"), (long long)req);
            rc = EX_TEMPFAIL;
        } else if (r < 0) {
            cli_error(_("cannot record the decision: %s"), mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(approve ? _("request %lld approved\n") : _("request %lld denied\n"),
                   (long long)req);
        }
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

int
cmd_quarantine_approve(struct cli *c)
{
    return decide(c, true);
}

int
cmd_quarantine_deny(struct cli *c)
{
    return decide(c, false);
}

static int deliver(struct cli *c, struct mamori_instance *inst,
                   const struct mamori_store_request *q, const struct mamori_store_original *o,
                   const struct mamori_store_person *me, const char *data, size_t len);

/* The mail that carries a released original to its recipient: a Japanese-first note and the
 * original as an attachment (base64: the original may hold any bytes). */
static int
compose_release(const struct mamori_store_request *q, const struct mamori_store_original *o,
                const char *from, const char *to, const char *data, size_t len,
                struct mamori_buf *out)
{
    char subject[512];
    snprintf(subject, sizeof(subject), "【原本 / original】%s", o->subject);
    struct mamori_buf subj, body;
    mamori_buf_init(&subj, 4096);
    mamori_buf_init(&body, 8192);
    int r = mamori_rfc2047_encode(subject, strlen(subject), 9, &subj);
    if (r == 0)
        r = mamori_buf_printf(
            &body,
            "申請 %lld により、%s の承認を得て、clamd の検査で問題が見つからなかった原本を"
            "添付ファイル original.eml としてお届けします。\n差出人: %s\n原本: %s\n\n"
            "The original of request %lld, approved by %s and found clean by clamd, is "
            "attached as original.eml.\nSender: %s\nOriginal: %s\n",
            (long long)q->id, q->decided_by, o->sender, o->id, (long long)q->id, q->decided_by,
            o->sender, o->id);
    char date[64];
    time_t now = (time_t)(mamori_now_us() / 1000000);
    struct tm tm;
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&now, &tm));
    if (r == 0)
        r = mamori_buf_printf(
            out,
            "From: mamori <%s>\nTo: <%s>\nSubject: %s\nDate: %s\n"
            "Message-ID: <release.%lld.%lld@mamori>\nMIME-Version: 1.0\n"
            "Auto-Submitted: auto-generated\nX-Mamori-Release: request=%lld "
            "original=%s\nContent-Type: multipart/mixed; boundary=\"mamori-r\"\n\n"
            "--mamori-r\nContent-Type: text/plain; charset=UTF-8\n"
            "Content-Transfer-Encoding: base64\n\n",
            from, to, subj.data, date, (long long)q->id, (long long)mamori_now_us(),
            (long long)q->id, o->id);
    if (r == 0)
        r = mamori_base64_lines(body.data, body.len, out);
    if (r == 0)
        r = mamori_buf_puts(out,
                            "--mamori-r\nContent-Type: application/octet-stream; "
                            "name=\"original.eml\"\nContent-Disposition: attachment; "
                            "filename=\"original.eml\"\nContent-Transfer-Encoding: base64\n\n");
    if (r == 0)
        r = mamori_base64_lines(data, len, out);
    if (r == 0)
        r = mamori_buf_puts(out, "--mamori-r--\n");
    mamori_buf_done(&subj);
    mamori_buf_done(&body);
    return r;
}

int
cmd_quarantine_release(struct cli *c)
{
    int64_t req;
    int rc = request_number(c->args[0], &req);
    if (rc)
        return rc;
    if (c->deliver == (c->output != NULL) || (c->output && strcmp(c->output, "-") == 0)) {
        cli_error(_("release needs either -o FILE or --deliver (the original is not written to "
                    "a terminal)"));
        return EX_USAGE;
    }
    struct mamori_policy *pol;
    if ((rc = cli_load_policy(c, &pol, NULL)))
        return rc;
    int64_t method = pol->sanitize.release;
    mamori_policy_free(pol);
    if ((c->deliver && method == MAMORI_RELEASE_FILE) ||
        (!c->deliver && method == MAMORI_RELEASE_MAIL)) {
        cli_error(_("the policy releases originals %s only (sanitize.release)"),
                  method == MAMORI_RELEASE_FILE ? _("as files") : _("by mail"));
        return EX_NOPERM;
    }
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_store_person me;
    struct mamori_store_request q;
    struct mamori_store_original o;
    char *data = NULL;
    size_t len = 0;
    rc = cli_actor(c, inst, a, &me);
    int r = 0;
    if (rc == 0) {
        r = mamori_store_request_get(inst->store, req, a, &q);
        if (r == -ENOENT) {
            cli_error(_("no request %lld"), (long long)req);
            rc = EX_DATAERR;
        } else if (r < 0) {
            cli_error(_("cannot read the store: %s"), mamori_strerror(r));
            rc = cli_exit_code(r);
        } else if (strcmp(q.requester, me.id) != 0) {
            cli_error(_("only %s, who asked for it, may receive request %lld"), q.requester,
                      (long long)req);
            rc = EX_NOPERM;
        } else if (strcmp(q.state, "approved") != 0) {
            cli_error(_("request %lld is %s, not approved"), (long long)req, q.state);
            rc = EX_DATAERR;
        }
    }
    if (rc == 0) {
        r = mamori_store_original_get(inst->store, q.original, a, &o);
        if (r == 0)
            r = mamori_quarantine_get(inst->quarantine_dir, inst->quarantine_key_path, q.original,
                                      o.sealed_key, o.sealed_key_len, &data, &len);
        if (r < 0) {
            cli_error(_("the original %s cannot be read: %s"), q.original, mamori_strerror(r));
            rc = r == -ENOENT ? EX_DATAERR : cli_exit_code(r);
        }
    }
    if (rc == 0) {
        /* The clamd of mamorid.conf; nothing is released on any doubt. */
        struct mamori_gateway_config conf;
        r = load_daemon_conf(inst, &conf) ? MAMORI_E_INVALID : 0;
        enum mamori_scan_verdict v = MAMORI_SCAN_FOUND;
        char found[256] = "";
        if (r == 0) {
            r = mamori_clamd_scan(conf.clamd, data, len, 60000, &v, found, sizeof(found));
            if (r < 0)
                cli_error(_("cannot scan with clamd (%s): %s; nothing was released"), conf.clamd,
                          mamori_strerror(r));
            mamori_gateway_config_done(&conf);
        }
        if (r < 0) {
            record_step(inst, me.id, "quarantine.release", req, q.original, "tempfail",
                        "scan-unavailable", false);
            rc = EX_TEMPFAIL;
        } else if (v == MAMORI_SCAN_FOUND) {
            r = transition(inst, &q, "refused", me.id, "quarantine.release", found);
            cli_error(_("clamd found %s in the original: it is not released"), found);
            rc = r < 0 ? cli_exit_code(r) : 1;
        } else if (c->deliver) {
            rc = deliver(c, inst, &q, &o, &me, data, len);
        } else {
            r = mamori_fs_write_atomic(c->output, data, len, 0600);
            if (r == 0)
                r = transition(inst, &q, "released", me.id, "quarantine.release", "clean");
            if (r < 0) {
                cli_error(_("cannot release to %s: %s"), c->output, mamori_strerror(r));
                unlink(c->output);
                rc = cli_exit_code(r);
            } else {
                printf(_("request %lld: the original (%zu bytes, clamd: clean) is in %s\n"),
                       (long long)req, len, c->output);
            }
        }
    }
    if (data) {
        explicit_bzero(data, len);
        free(data);
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

struct requests_ctx {
    struct mamori_json *j;
};

static int
requests_cb(void *ctx, const struct mamori_store_request *q)
{
    struct requests_ctx *l = ctx;
    if (l->j) {
        mamori_json_object_begin(l->j);
        mamori_json_kv_int(l->j, "id", q->id);
        mamori_json_kv_string(l->j, "original", q->original);
        mamori_json_kv_string(l->j, "requester", q->requester);
        mamori_json_kv_string(l->j, "reason", q->reason);
        mamori_json_kv_string(l->j, "state", q->state);
        mamori_json_kv_string(l->j, "decided_by", q->decided_by);
        mamori_json_kv_string(l->j, "note", q->note);
        mamori_json_kv_int(l->j, "created_us", q->created_us);
        mamori_json_kv_int(l->j, "expires_us", q->expires_us);
        mamori_json_object_end(l->j);
        return 0;
    }
    char when[32];
    format_time(q->created_us, when, sizeof(when));
    printf("%5lld  %s  %-9s %-12s %-12s %s\n", (long long)q->id, when, q->state, q->requester,
           q->decided_by, q->original);
    return 0;
}

static int
walk_requests(struct mamori_instance *inst, struct mamori_json *j, void *ctx)
{
    struct requests_ctx l = {j};
    return mamori_store_request_iterate(inst->store, requests_cb, &l);
}

int
cmd_quarantine_requests(struct cli *c)
{
    return cli_list(c, walk_requests, NULL);
}

/* Mails a clean original into the requester's LGWAN mailbox through mail_relay. */
static int
deliver(struct cli *c, struct mamori_instance *inst, const struct mamori_store_request *q,
        const struct mamori_store_original *o, const struct mamori_store_person *me,
        const char *data, size_t len)
{
    if (!*me->mail) {
        cli_error(_("%s has no mail address (mamori user add --mail)"), me->id);
        return EX_DATAERR;
    }
    struct mamori_gateway_config conf;
    if (load_daemon_conf(inst, &conf))
        return EX_CONFIG;
    int r, rc = 0;
    if (!conf.mail_relay) {
        cli_error(_("no mail_relay in %s: mail delivery is not set up"), inst->daemon_conf_path);
        rc = EX_CONFIG;
    }
    char host[256] = "localhost", from[300];
    gethostname(host, sizeof(host) - 1);
    snprintf(from, sizeof(from), "mamori-noreply@%s", host);
    struct mamori_buf msg;
    mamori_buf_init(&msg, len * 2 + (1 << 16));
    if (rc == 0 && (r = compose_release(q, o, from, me->mail, data, len, &msg)) < 0) {
        cli_error(_("cannot compose the mail: %s"), mamori_strerror(r));
        rc = EX_SOFTWARE;
    }
    if (rc == 0) {
        char err[512];
        r = mamori_smtp_send(conf.mail_relay, host, from, me->mail, msg.data, msg.len, 60000, err,
                             sizeof(err));
        if (r < 0) {
            cli_error(_("the MTA (%s) did not take the mail: %s %s"), conf.mail_relay,
                      mamori_strerror(r), err);
            record_step(inst, me->id, "quarantine.release", q->id, q->original, "tempfail",
                        "delivery-failed", false);
            rc = EX_TEMPFAIL;
        } else if ((r = transition(inst, q, "released", me->id, "quarantine.release",
                                   "clean; mailed")) < 0) {
            cli_error(_("cannot record the release: %s"), mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(_("request %lld: the original (clamd: clean) was mailed to %s\n"),
                   (long long)q->id, me->mail);
        }
    }
    mamori_buf_done(&msg);
    mamori_gateway_config_done(&conf);
    return rc;
}
