/*
 * mamori incident|exception|staff|training|contractor|subcontract|service|sns|audit|finding|
 * doc|review|entry …: the governance registers (mamori/gov.h), one command per register with
 * the same verbs: make one, list, show, edit, fields, and the register's own steps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/gov.h"

static const char *
label(const struct mamori_gov_field *f)
{
    return mamori_i18n_japanese() ? f->ja : f->en;
}

static const char *
state_name(const struct mamori_gov_kind *k, const char *state)
{
    const struct mamori_gov_state *st = mamori_gov_state_find(k, state);
    return !st ? state : mamori_i18n_japanese() ? st->ja : st->en;
}

/* KEY=VALUE words into pairs; a usage error names the word. */
static int
parse_pairs(char **words, int n, struct mamori_gov_kv *kv, size_t *ret_n)
{
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        char *eq = strchr(words[i], '=');
        if (!eq || eq == words[i]) {
            cli_error(_("\"%s\" is not KEY=VALUE"), words[i]);
            return EX_USAGE;
        }
        *eq = '\0';
        kv[k++] = (struct mamori_gov_kv){words[i], eq + 1};
    }
    *ret_n = k;
    return 0;
}

static void
print_problems(const struct mamori_gov_problems *pr, const char *what)
{
    for (size_t i = 0; i < pr->n; i++) {
        if (pr->v[i].field)
            fprintf(stderr, "mamori: %s: %s: %s\n", what, pr->v[i].field, pr->v[i].msg);
        else
            fprintf(stderr, "mamori: %s: %s\n", what, pr->v[i].msg);
    }
}

static const char *
why_text(const char *why)
{
    static const struct {
        const char *code, *msg;
    } t[] = {
        {"self-approval", N_("the requester never approves their own request (兼務の禁止)")},
        {"wrong-role", N_("this step belongs to another role")},
        {"outside-unit", N_("the record belongs to a unit this person does not answer for")},
        {"no-approver-for-action", N_("the policy's approval matrix names no approver for this")},
        {"not-self", N_("only the staff member themselves acknowledges the policy")},
        {"not-owner", N_("only the finding's owner or a manager reports its correction")},
        {"not-an-auditor-of-this-audit", N_("only an auditor named in the audit plan does this")},
    };
    for (size_t i = 0; why && i < MAMORI_ARRAY_SIZE(t); i++)
        if (strcmp(t[i].code, why) == 0)
            return _(t[i].msg);
    return why ? why : "";
}

static int
result(int r, const struct mamori_gov_kind *k, const char *id, const struct mamori_gov_problems *pr,
       const struct mamori_store_person *me, const char *why)
{
    if (r == MAMORI_E_INVALID && pr) {
        print_problems(pr, id ? id : k->id);
        return EX_DATAERR;
    }
    if (r == MAMORI_E_DENIED) {
        cli_error(_("%s (%s) may not do this: %s"), me->id, me->role,
                  why_text(why ? why : "wrong-role"));
        return EX_NOPERM;
    }
    if (r == -ENOENT) {
        cli_error(_("no %s %s"), mamori_i18n_japanese() ? k->ja : k->en, id ? id : "");
        return EX_DATAERR;
    }
    if (r == -EEXIST) {
        cli_error(_("%s is registered already"), id ? id : "");
        return EX_DATAERR;
    }
    if (r < 0) {
        cli_error(_("cannot write the register: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    return 0;
}

/* ---- printing ---------------------------------------------------------------------------- */

struct show_ctx {
    const struct mamori_gov_kind *k;
};

static int
print_step(void *ctx, const struct mamori_store_gov_step *s)
{
    struct show_ctx *sc = ctx;
    char t[32];
    mamori_time_format(s->at_us, t);
    printf("    %.19s  %-12s %-16s %s%s%s%s%s\n", t, s->actor, s->action,
           *s->from_state ? state_name(sc->k, s->from_state) : "", *s->from_state ? " → " : "",
           state_name(sc->k, s->to_state), *s->note ? "  " : "", s->note);
    return 0;
}

static int
json_step(void *ctx, const struct mamori_store_gov_step *s)
{
    struct mamori_json *j = ctx;
    char t[32];
    mamori_time_format(s->at_us, t);
    mamori_json_object_begin(j);
    mamori_json_kv_int(j, "seq", s->seq);
    mamori_json_kv_string(j, "at", t);
    mamori_json_kv_string(j, "actor", s->actor);
    mamori_json_kv_string(j, "action", s->action);
    mamori_json_kv_string(j, "from", s->from_state);
    mamori_json_kv_string(j, "to", s->to_state);
    if (*s->note)
        mamori_json_kv_string(j, "note", s->note);
    mamori_json_key(j, "data");
    mamori_json_raw(j, s->data, strlen(s->data));
    mamori_json_object_end(j);
    return 0;
}

static void
print_flags(const struct mamori_gov_world *w, const struct mamori_gov_record *r, const char *lead)
{
    struct mamori_gov_flag fl[16];
    size_t n = mamori_gov_flags(w, r, fl, 16);
    bool ja = mamori_i18n_japanese();
    for (size_t i = 0; i < n; i++)
        printf("%s%s %s%s\n", lead, fl[i].overdue ? "!" : "-", ja ? fl[i].text_ja : fl[i].text_en,
               fl[i].overdue ? (ja ? "【期限超過】" : " [overdue]") : "");
}

static int
show(struct cli *c, struct cli_session *s, const struct mamori_gov_kind *k, const char *id)
{
    struct mamori_gov_record r;
    int rc = mamori_gov_get(s->inst, k, id, s->a, &r);
    if (rc == 0 && !mamori_gov_may_see(&r, c->as ? &s->me : NULL))
        rc = -ENOENT; /* 実施手順 not shown to other roles: as if absent */
    if ((rc = result(rc, k, id, NULL, &s->me, NULL)))
        return rc;
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, s->inst, s->p, s->a);
    if (c->json) {
        struct mamori_buf b;
        mamori_buf_init(&b, 1 << 22);
        struct mamori_json j;
        mamori_json_init(&j, &b, true);
        /* the record's object, then its steps */
        mamori_json_object_begin(&j);
        mamori_json_key(&j, "record");
        mamori_gov_json(&w, &j, &r, true);
        mamori_json_key(&j, "steps");
        mamori_json_array_begin(&j);
        int k2 = mamori_gov_steps(s->inst, k, id, json_step, &j);
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        if (k2 == 0 && mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
        mamori_buf_done(&b);
        return k2 < 0 ? cli_exit_code(k2) : 0;
    }
    bool ja = mamori_i18n_japanese();
    printf("%s  %s  [%s]\n", r.id, ja ? k->ja : k->en, state_name(k, r.state));
    for (size_t i = 0; i < k->n_fields; i++)
        if (*r.v[i])
            printf("  %s (%s): %s\n", label(&k->fields[i]), k->fields[i].key, r.v[i]);
    printf("  %s\n", ja ? "要対応:" : "due or missing:");
    print_flags(&w, &r, "    ");
    printf("  %s\n", ja ? "経過:" : "history:");
    struct show_ctx sc = {k};
    rc = mamori_gov_steps(s->inst, k, id, print_step, &sc);
    return rc < 0 ? cli_exit_code(rc) : 0;
}

struct list_ctx {
    struct cli *c;
    struct cli_session *s;
    struct mamori_gov_world *w;
    struct mamori_json *j;
    bool flagged;
    size_t n;
};

static int
list_one(void *ctx, const struct mamori_gov_record *r)
{
    struct list_ctx *lc = ctx;
    if (!mamori_gov_may_see(r, lc->c->as ? &lc->s->me : NULL))
        return 0;
    struct mamori_gov_flag fl[16];
    size_t nf = mamori_gov_flags(lc->w, r, fl, 16);
    if (lc->flagged && nf == 0)
        return 0;
    lc->n++;
    if (lc->j) {
        mamori_gov_json(lc->w, lc->j, r, true);
        return 0;
    }
    size_t overdue = 0;
    for (size_t i = 0; i < nf; i++)
        overdue += fl[i].overdue;
    printf("%-10s %-20s %-14s %s", r->id, state_name(r->kind, r->state), r->unit, r->title);
    if (nf)
        printf(mamori_i18n_japanese() ? "  [要対応 %zu, 期限超過 %zu]" : "  [due %zu, overdue %zu]",
               nf, overdue);
    printf("\n");
    return 0;
}

static int
list(struct cli *c, struct cli_session *s, const struct mamori_gov_kind *k)
{
    const char *state = NULL, *unit = NULL;
    bool flagged = false;
    for (int i = 1; i < c->n_args; i++) {
        const char *a = c->args[i];
        if (strncmp(a, "state=", 6) == 0) {
            const struct mamori_gov_state *st = mamori_gov_state_find(k, a + 6);
            if (!st) {
                cli_error(_("%s has no state \"%s\" (see mamori %s fields)"), k->id, a + 6, k->id);
                return EX_USAGE;
            }
            state = st->id;
        } else if (strncmp(a, "unit=", 5) == 0) {
            unit = a + 5;
        } else if (strcmp(a, "flagged") == 0) {
            flagged = true;
        } else {
            cli_error(_("list takes state=S, unit=U and flagged, not \"%s\""), a);
            return EX_USAGE;
        }
    }
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, s->inst, s->p, s->a);
    struct mamori_buf b = {0};
    struct mamori_json j = {0};
    if (c->json) {
        mamori_buf_init(&b, 1 << 24);
        mamori_json_init(&j, &b, true);
        mamori_json_array_begin(&j);
    }
    struct list_ctx lc = {c, s, &w, c->json ? &j : NULL, flagged, 0};
    int rc = mamori_gov_iterate(s->inst, s->p, k, state, unit, list_one, &lc);
    if (rc == -ENOENT) {
        cli_error(_("no unit %s in the policy"), unit);
        rc = EX_USAGE;
    } else if (rc < 0) {
        cli_error(_("cannot read the register: %s"), mamori_strerror(rc));
        rc = cli_exit_code(rc);
    }
    if (c->json) {
        mamori_json_array_end(&j);
        if (rc == 0 && mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
        mamori_buf_done(&b);
    }
    return rc;
}

static int
fields(const struct mamori_gov_kind *k)
{
    bool ja = mamori_i18n_japanese();
    static const char *const types[] = {
        "text",    "text (lines)", "date",  "date time", "yes/no", "number", "one of", "person",
        "persons", "unit",         "units", "roles",     "zone",   "assets", "record", "records"};
    printf("%s (%s) — %s %s\n", ja ? k->ja : k->en, k->id, ja ? "基本方針" : "clause", k->clause);
    printf("%s\n", ja ? "項目:" : "fields:");
    for (size_t i = 0; i < k->n_fields; i++) {
        const struct mamori_gov_field *f = &k->fields[i];
        printf("  %-18s %-28s %s%s%s%s\n", f->key, label(f), types[f->type],
               f->type == MAMORI_GOV_ENUM || f->type == MAMORI_GOV_REF || f->type == MAMORI_GOV_REFS
                   ? " "
                   : "",
               f->type == MAMORI_GOV_ENUM || f->type == MAMORI_GOV_REF || f->type == MAMORI_GOV_REFS
                   ? f->values
                   : "",
               f->flags & MAMORI_GOV_REQUIRED  ? (ja ? "（必須）" : " (required)")
               : f->flags & MAMORI_GOV_DERIVED ? (ja ? "（自動）" : " (computed)")
               : f->flags & MAMORI_GOV_STEP    ? (ja ? "（手続で記録）" : " (set by a step)")
                                               : "");
    }
    printf("%s\n", ja ? "状態:" : "states:");
    for (size_t i = 0; i < k->n_states; i++)
        printf("  %-14s %s\n", k->states[i].id, ja ? k->states[i].ja : k->states[i].en);
    printf("%s\n", ja ? "手続:" : "steps:");
    for (size_t i = 0; i < k->n_steps; i++) {
        const struct mamori_gov_step_def *st = &k->steps[i];
        printf("  %-16s %-22s %s → %s  [%s]%s%s\n", st->action, ja ? st->ja : st->en, st->from,
               st->to ? st->to : "=", st->who, st->needs ? " needs " : "",
               st->needs ? st->needs : "");
    }
    return 0;
}

/* --file FILE: kept in the instance, named and hashed. */
static int
keep_file(struct cli *c, struct cli_session *s, struct mamori_gov_evidence *ev)
{
    char *data;
    size_t len;
    int r = mamori_fs_read_file(c->file, (size_t)1 << 30, &data, &len);
    if (r < 0) {
        cli_error(_("cannot read %s: %s"), c->file, mamori_strerror(r));
        return EX_NOINPUT;
    }
    r = mamori_gov_file_keep(s->inst, c->file, data, len, s->a, ev);
    free(data);
    if (r < 0) {
        cli_error(_("cannot keep %s: %s"), c->file, mamori_strerror(r));
        return cli_exit_code(r);
    }
    return 0;
}

static int
print_record_json(struct cli_session *s, const struct mamori_gov_kind *k, const char *id)
{
    struct mamori_gov_record r;
    int rc = mamori_gov_get(s->inst, k, id, s->a, &r);
    if (rc < 0)
        return cli_exit_code(rc);
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, s->inst, s->p, s->a);
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    struct mamori_json j;
    mamori_json_init(&j, &b, true);
    mamori_gov_json(&w, &j, &r, true);
    if (mamori_json_finish(&j) == 0)
        printf("%s\n", b.data);
    mamori_buf_done(&b);
    return 0;
}

static int
export_doc(struct cli *c, struct cli_session *s, const struct mamori_gov_kind *k, const char *id)
{
    struct mamori_gov_record r;
    int rc = mamori_gov_get(s->inst, k, id, s->a, &r);
    if (rc == 0 && !mamori_gov_may_see(&r, c->as ? &s->me : NULL))
        rc = -ENOENT;
    if ((rc = result(rc, k, id, NULL, &s->me, NULL)))
        return rc;
    const char *sha = r.v[mamori_gov_field_find(k, "sha256")];
    if (!*sha) {
        cli_error(_("%s keeps no file"), id);
        return EX_DATAERR;
    }
    char *data;
    size_t len;
    rc = mamori_gov_file_read(s->inst, sha, &data, &len);
    if (rc == MAMORI_E_TAMPERED) {
        cli_error(_("the kept file of %s does not match its SHA-256 %s: it was changed"), id, sha);
        return EX_DATAERR;
    }
    if (rc < 0) {
        cli_error(_("cannot read the kept file of %s: %s"), id, mamori_strerror(rc));
        return cli_exit_code(rc);
    }
    rc = cli_write_output(c, data, len);
    free(data);
    return rc;
}

int
cmd_gov(struct cli *c)
{
    const struct mamori_gov_kind *k = mamori_gov_kind_find(c->command);
    if (!k)
        return EX_SOFTWARE;
    const char *verb = c->args[0];
    if (strcmp(verb, "fields") == 0)
        return fields(k);
    bool reading =
        strcmp(verb, "list") == 0 || strcmp(verb, "show") == 0 || strcmp(verb, "export") == 0;
    struct cli_session s;
    int rc = cli_session_open(c, !reading || c->as, &s);
    if (rc)
        return rc;
    if (c->as && (rc = cli_acting_role(c, &s)))
        return cli_session_close(&s, rc);
    struct mamori_gov_kv kv[64];
    size_t n = 0;
    struct mamori_gov_problems pr = {0};
    const char *why = NULL;
    if (strcmp(verb, "list") == 0) {
        rc = list(c, &s, k);
    } else if (c->n_args < 2) {
        fprintf(stderr, "%s: mamori %s %s ID ...\n", _("usage"), k->id, verb);
        rc = EX_USAGE;
    } else if (strcmp(verb, "show") == 0) {
        rc = show(c, &s, k, c->args[1]);
    } else if (strcmp(verb, "export") == 0) {
        rc = export_doc(c, &s, k, c->args[1]);
    } else if (strcmp(verb, k->verb) == 0) {
        /* ids mamori numbers: every word is KEY=VALUE; given ids (staff) come first */
        int first = k->id_given ? 2 : 1;
        struct mamori_gov_evidence ev;
        const char *id = NULL;
        if (c->n_args > 64)
            rc = EX_USAGE;
        if (rc == 0)
            rc = parse_pairs(c->args + first, c->n_args - first, kv, &n);
        if (rc == 0 && c->file)
            rc = keep_file(c, &s, &ev);
        if (rc == 0) {
            int r = mamori_gov_add(s.inst, s.p, &s.me, k, k->id_given ? c->args[1] : NULL, kv, n,
                                   c->file ? &ev : NULL, s.a, &id, &why, &pr);
            rc = result(r, k, k->id_given ? c->args[1] : NULL, &pr, &s.me, why);
        }
        if (rc == 0 && c->json)
            rc = print_record_json(&s, k, id);
        else if (rc == 0)
            printf(mamori_i18n_japanese() ? "%s を登録しました（%s）\n" : "%s registered (%s)\n",
                   id, state_name(k, k->states[0].id));
    } else if (strcmp(verb, "edit") == 0) {
        rc = parse_pairs(c->args + 2, c->n_args - 2, kv, &n);
        if (rc == 0) {
            int r = mamori_gov_edit(s.inst, s.p, &s.me, k, c->args[1], kv, n, c->reason, s.a, &pr);
            rc = result(r, k, c->args[1], &pr, &s.me, NULL);
        }
        if (rc == 0 && c->json)
            rc = print_record_json(&s, k, c->args[1]);
        else if (rc == 0)
            printf(mamori_i18n_japanese() ? "%s を変更しました\n" : "%s changed\n", c->args[1]);
    } else if (strcmp(verb, "advance") == 0 || mamori_gov_step_find(k, verb)) {
        rc = parse_pairs(c->args + 2, c->n_args - 2, kv, &n);
        struct mamori_gov_evidence ev;
        if (rc == 0 && c->file)
            rc = keep_file(c, &s, &ev);
        const char *state = NULL;
        if (rc == 0) {
            int r = mamori_gov_act(s.inst, s.p, &s.me, k, c->args[1], verb, kv, n, c->reason,
                                   c->file ? &ev : NULL, s.a, &state, &why, &pr);
            rc = result(r, k, c->args[1], &pr, &s.me, why);
        }
        if (rc == 0 && c->json)
            rc = print_record_json(&s, k, c->args[1]);
        else if (rc == 0)
            printf("%s: %s\n", c->args[1], state_name(k, state));
    } else {
        cli_error(_("mamori %s has no verb \"%s\" (see mamori %s fields)"), k->id, verb, k->id);
        rc = EX_USAGE;
    }
    return cli_session_close(&s, rc);
}
