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
#include <time.h>

#include "cli.h"
#include "mamori/quarantine.h"

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
    struct cli *c;
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

int
cmd_quarantine_list(struct cli *c)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, (size_t)1 << 30);
    mamori_json_init(&j, &b, true);
    struct list_ctx l = {c, c->json ? &j : NULL, 0};
    if (c->json)
        mamori_json_array_begin(&j);
    int r = mamori_store_original_iterate(inst->store, list_cb, &l);
    if (c->json) {
        mamori_json_array_end(&j);
        if (r == 0 && (r = mamori_json_finish(&j)) == 0)
            printf("%s\n", b.data);
    } else if (r == 0) {
        printf(_("%zu originals kept\n"), l.n);
    }
    mamori_buf_done(&b);
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    mamori_instance_close(inst);
    return rc;
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
        r = mamori_store_begin(inst->store);
        if (r == 0)
            r = mamori_store_original_delete(inst->store, p.ids[i]);
        if (r == 0)
            r = mamori_log_append_in(inst->log, &rec, 1, NULL);
        if (r == 0)
            r = mamori_store_commit(inst->store);
        if (r < 0) {
            mamori_store_rollback(inst->store);
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
