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
#include "mamori/release.h"
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
    rc = cli_actor(c, inst, a, &me);
    if (rc == 0) {
        int64_t req = 0;
        const char *why = NULL;
        int r = mamori_release_request(inst, &me, id, c->reason, &req, &why);
        if (r == -ENOENT) {
            cli_error(_("no original %s (never kept, or purged)"), id);
            rc = EX_DATAERR;
        } else if (r == MAMORI_E_DENIED) {
            cli_error(_("%s (%s) is not a recipient of %s: only its recipients may ask for it"),
                      me.id, *me.mail ? me.mail : "-", id);
            rc = EX_NOPERM;
        } else if (r < 0) {
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

static int
decide(struct cli *c, bool approve)
{
    int64_t req;
    int rc = request_number(c->args[0], &req);
    if (rc)
        return rc;
    struct mamori_policy *p;
    if ((rc = cli_load_policy(c, &p, NULL)))
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst))) {
        mamori_policy_free(p);
        return rc;
    }
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_store_person actor;
    struct mamori_store_request q;
    rc = a ? cli_actor(c, inst, a, &actor) : EX_OSERR;
    if (rc == 0) {
        const char *why = "";
        int r = mamori_release_decide(inst, p, &actor, req, approve, c->reason, a, &q, &why);
        const char *role = mamori_policy_approver(p, "quarantine.release");
        if (r == -ENOENT) {
            cli_error(_("no request %lld"), (long long)req);
            rc = EX_DATAERR;
        } else if (r == -EALREADY) {
            cli_error(_("request %lld is %s already"), (long long)req, q.state);
            rc = EX_DATAERR;
        } else if (r == -ETIMEDOUT) {
            cli_error(_("request %lld has expired"), (long long)req);
            rc = EX_DATAERR;
        } else if (r == MAMORI_E_DENIED) {
            if (strcmp(why, "self-approval") == 0)
                cli_error(_("%s may not decide their own request (兼務の禁止)"), actor.id);
            else if (strcmp(why, "outside-unit") == 0)
                cli_error(_("%s (%s of %s) may not decide for %s, of another unit"), actor.id,
                          actor.role, *actor.unit ? actor.unit : "-", q.requester);
            else
                cli_error(_("%s (%s) may not decide this: the policy names %s"), actor.id,
                          actor.role, role ? role : "-");
            rc = EX_NOPERM;
        } else if (r == -EBUSY) {
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
    mamori_policy_free(p);
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
    struct mamori_store_request q = {0};
    struct mamori_store_original o;
    struct mamori_gateway_config conf = {0};
    char *data = NULL;
    size_t len = 0;
    rc = cli_actor(c, inst, a, &me);
    if (rc == 0 && c->deliver && !*me.mail) {
        cli_error(_("%s has no mail address (mamori user add --mail)"), me.id);
        rc = EX_DATAERR;
    }
    if (rc == 0)
        rc = load_daemon_conf(inst, &conf);
    if (rc == 0 && c->deliver && !conf.mail_relay) {
        cli_error(_("no mail_relay in %s: mail delivery is not set up"), inst->daemon_conf_path);
        rc = EX_CONFIG;
    }
    if (rc == 0) {
        const char *why = NULL;
        int r = mamori_release_open(inst, &me, req, a, &q, &o, &data, &len, &why);
        if (r == -ENOENT && !q.id) {
            cli_error(_("no request %lld"), (long long)req);
            rc = EX_DATAERR;
        } else if (r == MAMORI_E_DENIED) {
            cli_error(_("only %s, who asked for it, may receive request %lld"), q.requester,
                      (long long)req);
            rc = EX_NOPERM;
        } else if (r == -EALREADY) {
            cli_error(_("request %lld is %s, not approved"), (long long)req, q.state);
            rc = EX_DATAERR;
        } else if (r < 0) {
            cli_error(_("the original %s cannot be read: %s"), q.original, mamori_strerror(r));
            rc = r == -ENOENT ? EX_DATAERR : cli_exit_code(r);
        }
    }
    if (rc == 0) {
        /* The clamd of mamorid.conf; nothing is released on any doubt. */
        char found[256] = "";
        int r = mamori_release_scan(inst, conf.clamd, &me, &q, data, len, found, sizeof(found));
        if (r == -EAGAIN) {
            cli_error(_("cannot scan with clamd (%s); nothing was released"), conf.clamd);
            rc = EX_TEMPFAIL;
        } else if (r == MAMORI_E_FOUND) {
            cli_error(_("clamd found %s in the original: it is not released"), found);
            rc = 1;
        } else if (r < 0) {
            cli_error(_("cannot record the scan: %s"), mamori_strerror(r));
            rc = cli_exit_code(r);
        } else if (c->deliver) {
            char err[512] = "";
            r = mamori_release_deliver(inst, conf.mail_relay, &me, &q, &o, data, len, err,
                                       sizeof(err));
            if (r == -EAGAIN) {
                cli_error(_("the MTA (%s) did not take the mail: %s"), conf.mail_relay,
                          *err ? err : _("no answer"));
                rc = EX_TEMPFAIL;
            } else if (r < 0) {
                cli_error(_("cannot record the release: %s"), mamori_strerror(r));
                rc = cli_exit_code(r);
            } else {
                printf(_("request %lld: the original (clamd: clean) was mailed to %s\n"),
                       (long long)q.id, me.mail);
            }
        } else {
            r = mamori_fs_write_atomic(c->output, data, len, 0600);
            if (r == 0)
                r = mamori_release_done(inst, &me, &q, "clean");
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
    mamori_gateway_config_done(&conf);
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
