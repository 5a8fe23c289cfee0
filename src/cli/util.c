/*
 * Helpers shared by the mamori command's subcommands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mamori/gov.h"

#ifndef MAMORI_EXAMPLE_POLICY
#define MAMORI_EXAMPLE_POLICY "/usr/share/mamori/examples/city/mamori.yaml"
#endif

void
cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mamori: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int
cli_exit_code(int r)
{
    switch (r) {
    case 0:
        return EX_OK;
    case -ENOENT:
        return EX_NOINPUT;
    case -EACCES:
    case -EPERM:
        return EX_NOPERM;
    case -EBUSY:
    case -EAGAIN:
    case -ENOSPC:
        return EX_TEMPFAIL;
    case MAMORI_E_SYNTAX:
    case MAMORI_E_INVALID:
    case MAMORI_E_LIMIT:
        return EX_DATAERR;
    case MAMORI_E_VERSION:
        return EX_CONFIG;
    default:
        return r < 0 && r > -4096 ? EX_IOERR : EX_SOFTWARE;
    }
}

int
cli_open_instance(struct cli *c, struct mamori_instance **ret)
{
    if (!c->home) {
        cli_error(_("no instance given: use -C DIR or set MAMORI_HOME"));
        return EX_USAGE;
    }
    int r = mamori_instance_open(c->home, ret);
    if (r < 0) {
        if (r == -ENOENT)
            cli_error(_("%s holds no instance (create one with mamori init %s)"), c->home, c->home);
        else
            cli_error(_("cannot open instance %s: %s"), c->home, mamori_strerror(r));
        return cli_exit_code(r);
    }
    return 0;
}

int
cli_record(struct cli *c, struct mamori_record *rec)
{
    if (!c->home)
        return 0;
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    int r = mamori_instance_record(inst, rec);
    int rclose = mamori_instance_close(inst);
    if (r < 0 || rclose < 0) {
        cli_error(_("cannot record in the audit log: %s"), mamori_strerror(r < 0 ? r : rclose));
        return r == -EACCES ? EX_NOPERM : EX_TEMPFAIL;
    }
    return 0;
}

static bool
exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int
cli_load_policy(struct cli *c, struct mamori_policy **ret, const char **ret_path)
{
    static char path[4096];
    if (c->policy) {
        snprintf(path, sizeof(path), "%s", c->policy);
    } else if (c->home) {
        snprintf(path, sizeof(path), "%s/mamori.yaml", c->home);
    } else if (exists("mamori.yaml")) {
        snprintf(path, sizeof(path), "mamori.yaml");
    } else {
        snprintf(path, sizeof(path), "%s", MAMORI_EXAMPLE_POLICY);
        fprintf(stderr, "%s %s\n",
                _("mamori: note: no instance given; using the example city's policy:"), path);
    }
    struct mamori_diags d;
    mamori_diags_init(&d, path);
    int r = mamori_policy_load_file(path, mamori_today(), ret, &d);
    if (r < 0) {
        struct mamori_buf out;
        mamori_buf_init(&out, 1 << 20);
        mamori_diags_format(&d, &out);
        if (out.data)
            fputs(out.data, stderr);
        mamori_buf_done(&out);
        cli_error(_("the policy %s has errors (see mamori policy check)"), path);
    }
    mamori_diags_done(&d);
    if (r == 0 && ret_path)
        *ret_path = path;
    return r < 0 ? (r == -ENOENT ? EX_NOINPUT : EX_CONFIG) : 0;
}

int
cli_write_output(struct cli *c, const char *data, size_t len)
{
    if (c->output && strcmp(c->output, "-") != 0) {
        int r = mamori_fs_write_atomic(c->output, data, len, 0644);
        if (r < 0) {
            cli_error(_("cannot write %s: %s"), c->output, mamori_strerror(r));
            return cli_exit_code(r);
        }
        return 0;
    }
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
        cli_error(_("cannot write to standard output"));
        return EX_IOERR;
    }
    return 0;
}

int
cli_actor(struct cli *c, struct mamori_instance *inst, struct mamori_arena *arena,
          struct mamori_store_person *ret)
{
    if (!c->as) {
        cli_error(_("this needs --as USER (the person acting)"));
        return EX_USAGE;
    }
    int r = arena ? mamori_store_person_get(inst->store, c->as, arena, ret) : -ENOMEM;
    if (r == -ENOENT) {
        cli_error(_("no user %s (mamori user add)"), c->as);
        return EX_NOPERM;
    }
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    if (ret->disabled) {
        cli_error(_("user %s is disabled"), c->as);
        return EX_NOPERM;
    }
    return 0;
}

int
cli_list(struct cli *c, cli_walk_fn walk, void *ctx)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, (size_t)1 << 30);
    mamori_json_init(&j, &b, true);
    if (c->json)
        mamori_json_array_begin(&j);
    int r = walk(inst, c->json ? &j : NULL, ctx);
    if (c->json) {
        mamori_json_array_end(&j);
        if (r == 0 && (r = mamori_json_finish(&j)) == 0)
            printf("%s\n", b.data);
    }
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    mamori_buf_done(&b);
    mamori_instance_close(inst);
    return rc;
}

int
cli_report_write(struct cli *c, struct mamori_json *j, struct mamori_buf *b)
{
    int r = mamori_json_finish(j);
    if (r == 0)
        r = mamori_buf_putc(b, '\n');
    if (r == 0)
        r = mamori_fs_write_atomic(c->report, b->data, b->len, 0640);
    if (r < 0) {
        cli_error(_("cannot write %s: %s"), c->report, mamori_strerror(r));
        return EX_TEMPFAIL;
    }
    return 0;
}

int
cli_session_open(struct cli *c, bool need_actor, struct cli_session *s)
{
    memset(s, 0, sizeof(*s));
    int rc = cli_load_policy(c, &s->p, NULL);
    if (rc)
        return rc;
    if ((rc = cli_open_instance(c, &s->inst))) {
        mamori_policy_free(s->p);
        return rc;
    }
    s->a = mamori_arena_new((size_t)1 << 30);
    rc = s->a ? 0 : EX_OSERR;
    if (rc == 0 && need_actor)
        rc = cli_actor(c, s->inst, s->a, &s->me);
    if (rc) {
        mamori_arena_free(s->a);
        mamori_instance_close(s->inst);
        mamori_policy_free(s->p);
    }
    return rc;
}

int
cli_acting_role(struct cli *c, struct cli_session *s)
{
    int r = mamori_gov_act_in(s->inst, c->role, s->a, &s->me);
    if (r == MAMORI_E_DENIED) {
        cli_error(_("%s holds no appointment as %s (mamori user appoint)"), s->me.id, c->role);
        return EX_NOPERM;
    }
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    return 0;
}

int
cli_session_close(struct cli_session *s, int rc)
{
    mamori_arena_free(s->a);
    mamori_instance_close(s->inst);
    mamori_policy_free(s->p);
    return rc;
}
