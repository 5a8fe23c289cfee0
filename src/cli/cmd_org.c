/*
 * mamori org: the organisation of 基本方針 6(1) — who holds which role in which unit, on a
 * day and over time. The spans come from the store, which keeps one whenever a person is
 * added, changes role or unit, or is disabled (the changes themselves are user.* records of
 * the audit log, with who made them).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mamori/gov.h"

struct org_ctx {
    struct cli_session *s;
    struct mamori_json *j;
    bool ja;
    size_t n;
};

static int
span_cb(void *ctx, const struct mamori_store_role_span *sp)
{
    struct org_ctx *o = ctx;
    struct mamori_store_person who = {0};
    int r = mamori_store_person_get(o->s->inst->store, sp->person, o->s->a, &who);
    if (r < 0 && r != -ENOENT)
        return r;
    const char *name = r == 0 ? who.name : "";
    const char *role = mamori_role_title(o->s->p, sp->role, o->ja);
    const char *unit = *sp->unit ? mamori_unit_title(o->s->p, sp->unit, o->ja) : "";
    char from[24], until[24] = "";
    mamori_gov_time(sp->from_us, from);
    if (sp->until_us)
        mamori_gov_time(sp->until_us, until);
    o->n++;
    if (o->j) {
        struct mamori_json *j = o->j;
        mamori_json_object_begin(j);
        mamori_json_kv_string(j, "person", sp->person);
        mamori_json_kv_string(j, "name", name);
        mamori_json_kv_string(j, "role", sp->role);
        mamori_json_kv_string(j, "role_title", role);
        mamori_json_kv_string(j, "unit", sp->unit);
        mamori_json_kv_string(j, "unit_title", unit);
        mamori_json_kv_bool(j, "appointed", sp->appointed);
        mamori_json_kv_string(j, "from", from);
        mamori_json_kv_string(j, "until", until);
        mamori_json_kv_int(j, "from_us", sp->from_us);
        mamori_json_kv_int(j, "until_us", sp->until_us);
        mamori_json_object_end(j);
    } else {
        printf("%s – %s  %-14s %s  %s%s  %s\n", from, sp->until_us ? until : _("(now)"), sp->person,
               name, role, sp->appointed ? _(" (appointed)") : "", unit);
    }
    return 0;
}

/* roles [DATE]: the holders on a day (its end, JST; default now). history [PERSON]: every
 * span, oldest first. Both take --role and --unit. */
static int
org_list(struct cli *c, bool history)
{
    struct mamori_store_role_query q = {.role = c->role, .unit = c->unit};
    if (history && c->n_args)
        q.person = c->args[0];
    if (!history && c->n_args) {
        char iso[11];
        int32_t days;
        if (mamori_date_parse_loose(c->args[0], iso, &days) < 0) {
            cli_error(_("%s: not a date (YYYY-MM-DD)"), c->args[0]);
            return EX_USAGE;
        }
        q.at_us = ((int64_t)days + 1) * 86400 * 1000000 - (int64_t)9 * 3600 * 1000000 - 1;
    } else if (!history) {
        q.at_us = mamori_now_us();
    }
    struct cli_session s;
    int rc = cli_session_open(c, false, &s);
    if (rc)
        return rc;
    if (c->role && mamori_policy_find_role(s.p, c->role) < 0) {
        cli_error(_("'%s' is not a role of the policy"), c->role);
        return cli_session_close(&s, EX_USAGE);
    }
    if (c->unit && mamori_policy_find_unit(s.p, c->unit) < 0) {
        cli_error(_("'%s' is not a unit of the policy"), c->unit);
        return cli_session_close(&s, EX_USAGE);
    }
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, (size_t)1 << 28);
    mamori_json_init(&j, &b, true);
    struct org_ctx o = {.s = &s, .j = c->json ? &j : NULL, .ja = mamori_i18n_japanese()};
    if (c->json)
        mamori_json_array_begin(&j);
    int r = mamori_store_role_iterate(s.inst->store, &q, span_cb, &o);
    if (c->json) {
        mamori_json_array_end(&j);
        if (r == 0 && (r = mamori_json_finish(&j)) == 0)
            printf("%s\n", b.data);
    } else if (r == 0 && o.n == 0) {
        printf(history ? _("no role history matches\n") : _("nobody holds a matching role\n"));
    }
    mamori_buf_done(&b);
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    return cli_session_close(&s, rc);
}

int
cmd_org_roles(struct cli *c)
{
    return org_list(c, false);
}

int
cmd_org_history(struct cli *c)
{
    return org_list(c, true);
}
