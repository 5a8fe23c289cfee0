/*
 * mamori asset … and mamori risk …: the information-asset register (情報資産台帳) and the risk
 * register. Fields are given as KEY=VALUE words (keys as in docs/assets.md, or the register's
 * Japanese column names: 機密性=3A).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/asset.h"

/* ---- shared ----------------------------------------------------------------------------- */

static void
print_problems(const struct mamori_asset_problems *pr, const char *file)
{
    for (size_t i = 0; i < pr->n; i++) {
        const struct mamori_asset_problem *x = &pr->v[i];
        if (x->row && x->column)
            cli_error(_("%s: row %zu, column %s: %s"), file, x->row, x->column, x->message);
        else if (x->row)
            cli_error(_("%s: row %zu: %s"), file, x->row, x->message);
        else if (x->column)
            cli_error("%s: %s", x->column, x->message);
        else
            cli_error("%s", x->message);
    }
    if (pr->dropped)
        cli_error(_("... and %zu more problems"), pr->dropped);
}

static const char *
why_text(const char *why)
{
    if (!why)
        return _("not allowed");
    if (strcmp(why, "self-approval") == 0)
        return _("the requester may not approve their own request (兼務の禁止)");
    if (strcmp(why, "wrong-role") == 0)
        return _("only the role the approval matrix names may decide");
    if (strcmp(why, "outside-unit") == 0)
        return _("the approver's unit does not include the asset's unit");
    if (strcmp(why, "no-approver-for-action") == 0)
        return _("the approval matrix names no approver for this");
    return why;
}

/* KEY=VALUE words into changes[] (fields) or extra (other keys the command takes). */
static int
parse_pairs(char **args, int n, const char *changes[MAMORI_ASSET_FIELD_MAX],
            const char *const *extra_keys, const char **extra_vals)
{
    for (int i = 0; i < n; i++) {
        char *eq = strchr(args[i], '=');
        if (!eq || eq == args[i]) {
            cli_error(_("'%s': expected KEY=VALUE (e.g. conf=3A, 名称=住民記録)"), args[i]);
            return EX_USAGE;
        }
        *eq = '\0';
        const char *key = args[i], *val = eq + 1;
        bool done = false;
        for (size_t k = 0; extra_keys && extra_keys[k]; k++)
            if (strcmp(extra_keys[k], key) == 0) {
                extra_vals[k] = val;
                done = true;
            }
        if (done)
            continue;
        int f = changes ? mamori_asset_field_find(key) : -1;
        if (f < 0) {
            cli_error(_("'%s' is not a field here"), key);
            return EX_USAGE;
        }
        changes[f] = val;
    }
    return 0;
}

static void
asset_json(const struct mamori_policy *p, const struct mamori_store_asset *a, struct mamori_json *j)
{
    mamori_json_object_begin(j);
    for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
        mamori_json_kv_string(j, mamori_asset_field_names[f].key, a->f[f]);
    char label[128];
    mamori_asset_label(p, a, true, label, sizeof(label));
    mamori_json_kv_string(j, "label", label);
    mamori_json_key(j, "restrictions");
    mamori_json_array_begin(j);
    const char *ids[64];
    size_t n = mamori_asset_restrictions(p, a, ids, MAMORI_ARRAY_SIZE(ids));
    for (size_t i = 0; i < n; i++)
        mamori_json_string(j, ids[i]);
    mamori_json_array_end(j);
    mamori_json_kv_bool(j, "combined", *a->f[MAMORI_ASSET_PARTS] != '\0');
    mamori_json_kv_string(j, "created_by", a->created_by);
    mamori_json_kv_int(j, "created_us", a->created_us);
    mamori_json_kv_string(j, "classified_by", a->classified_by);
    mamori_json_kv_int(j, "classified_us", a->classified_us);
    mamori_json_object_end(j);
}

static void
print_asset_json(const struct mamori_policy *p, const struct mamori_store_asset *a)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    struct mamori_json j;
    mamori_json_init(&j, &b, true);
    asset_json(p, a, &j);
    if (mamori_json_finish(&j) == 0)
        printf("%s\n", b.data);
    mamori_buf_done(&b);
}

static int
report_result(int r, const char *id, const struct mamori_asset_problems *pr,
              const struct mamori_store_person *me)
{
    if (r == MAMORI_E_INVALID) {
        print_problems(pr, id);
        return EX_DATAERR;
    }
    if (r == MAMORI_E_DENIED) {
        cli_error(_("%s (%s, %s) may not change assets of this unit"), me->id, me->role, me->unit);
        return EX_NOPERM;
    }
    if (r == -ENOENT) {
        cli_error(_("no asset %s in the register"), id);
        return EX_DATAERR;
    }
    if (r == -EEXIST) {
        cli_error(_("asset %s is registered already (use mamori asset edit)"), id);
        return EX_DATAERR;
    }
    if (r < 0) {
        cli_error(_("cannot write the register: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    return 0;
}

/* ---- add, edit, classify ---------------------------------------------------------------- */

int
cmd_asset_add(struct cli *c)
{
    const char *f[MAMORI_ASSET_FIELD_MAX] = {0};
    f[MAMORI_ASSET_ID] = c->args[0];
    int rc = parse_pairs(c->args + 1, c->n_args - 1, f, NULL, NULL);
    struct cli_session s;
    if (rc || (rc = cli_session_open(c, true, &s)))
        return rc;
    struct mamori_store_asset as = {0};
    for (int i = 0; i < MAMORI_ASSET_FIELD_MAX; i++)
        as.f[i] = f[i] ? f[i] : "";
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, s.a, 100);
    int r = mamori_asset_add(s.inst, s.p, &s.me, &as, &pr);
    rc = report_result(r, c->args[0], &pr, &s.me);
    if (rc == 0 && c->json) {
        print_asset_json(s.p, &as);
    } else if (rc == 0) {
        char label[128];
        mamori_asset_label(s.p, &as, mamori_i18n_japanese(), label, sizeof(label));
        printf(_("asset %s registered: %s\n"), as.f[MAMORI_ASSET_ID], label);
    }
    return cli_session_close(&s, rc);
}

static int
change(struct cli *c, bool classify)
{
    const char *f[MAMORI_ASSET_FIELD_MAX] = {0};
    int rc = parse_pairs(c->args + 1, c->n_args - 1, f, NULL, NULL);
    if (rc)
        return rc;
    if (classify)
        for (int i = 0; i < MAMORI_ASSET_FIELD_MAX; i++)
            if (f[i] && !(i >= MAMORI_ASSET_CONF && i <= MAMORI_ASSET_PARTS)) {
                cli_error(_("classify changes levels and parts only; use mamori asset edit for "
                            "%s"),
                          mamori_asset_field_names[i].key);
                return EX_USAGE;
            }
    struct cli_session s;
    if ((rc = cli_session_open(c, true, &s)))
        return rc;
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, s.a, 100);
    int r = mamori_asset_change(s.inst, s.p, &s.me, c->args[0], f, c->reason, &pr);
    rc = report_result(r, c->args[0], &pr, &s.me);
    if (rc == 0) {
        struct mamori_store_asset as;
        if (mamori_store_asset_get(s.inst->store, c->args[0], s.a, &as) < 0) {
            /* changed, then gone (another writer): nothing more to show */
        } else if (c->json) {
            print_asset_json(s.p, &as);
        } else {
            char label[128];
            mamori_asset_label(s.p, &as, mamori_i18n_japanese(), label, sizeof(label));
            printf(_("asset %s changed: %s\n"), c->args[0], label);
        }
    }
    return cli_session_close(&s, rc);
}

int
cmd_asset_edit(struct cli *c)
{
    return change(c, false);
}

int
cmd_asset_classify(struct cli *c)
{
    return change(c, true);
}

/* ---- show, list ------------------------------------------------------------------------- */

struct show_ctx {
    struct mamori_json *j;
    const struct mamori_policy *p;
    int n;
};

static int
show_class(void *ctx, const struct mamori_store_asset_class *k)
{
    struct show_ctx *sc = ctx;
    char when[32];
    mamori_time_format(k->at_us, when);
    if (sc->j) {
        mamori_json_object_begin(sc->j);
        mamori_json_kv_string(sc->j, "at", when);
        mamori_json_kv_string(sc->j, "by", k->by);
        for (int ax = 0; ax < MAMORI_AXIS_MAX; ax++)
            mamori_json_kv_string(sc->j, mamori_asset_field_names[MAMORI_ASSET_CONF + ax].key,
                                  k->level[ax]);
        mamori_json_kv_string(sc->j, "parts", k->parts);
        mamori_json_kv_string(sc->j, "reason", k->reason);
        mamori_json_object_end(sc->j);
    } else {
        printf("  %s  %s  %s/%s/%s  %s\n", when, k->by, k->level[0], k->level[1], k->level[2],
               k->reason);
    }
    return 0;
}

static void
event_json(struct mamori_json *j, const struct mamori_store_asset_event *e)
{
    mamori_json_object_begin(j);
    mamori_json_kv_int(j, "id", e->id);
    mamori_json_kv_string(j, "asset", e->asset);
    mamori_json_kv_string(j, "kind", e->kind);
    mamori_json_kv_string(j, "state", e->state);
    mamori_json_kv_string(j, "requester", e->requester);
    mamori_json_kv_string(j, "purpose", e->purpose);
    mamori_json_kv_string(j, "date", e->date);
    mamori_json_kv_string(j, "person", e->person);
    mamori_json_kv_string(j, "method", e->method);
    mamori_json_kv_string(j, "decided_by", e->decided_by);
    mamori_json_kv_string(j, "note", e->note);
    mamori_json_kv_int(j, "created_us", e->created_us);
    mamori_json_object_end(j);
}

static void
event_line(const struct mamori_store_asset_event *e)
{
    int k = mamori_asset_event_find(e->kind);
    printf("  #%lld  %s  %s  %s  %s%s%s\n", (long long)e->id, e->asset,
           k >= 0 ? mamori_asset_event_name(k, mamori_i18n_japanese()) : e->kind, e->state,
           e->requester, *e->decided_by ? " → " : "", e->decided_by);
}

static int
show_event(void *ctx, const struct mamori_store_asset_event *e)
{
    struct show_ctx *sc = ctx;
    if (sc->j)
        event_json(sc->j, e);
    else
        event_line(e);
    sc->n++;
    return 0;
}

static void
risk_json(struct mamori_json *j, const struct mamori_store_risk *k)
{
    mamori_json_object_begin(j);
    mamori_json_kv_int(j, "id", k->id);
    mamori_json_kv_string(j, "asset", k->asset);
    mamori_json_kv_string(j, "threat", k->threat);
    mamori_json_kv_int(j, "likelihood", k->likelihood);
    mamori_json_kv_int(j, "impact", k->impact);
    mamori_json_kv_int(j, "level", k->level);
    mamori_json_kv_string(j, "band", mamori_risk_band(k->level));
    mamori_json_kv_string(j, "treatment", k->treatment);
    mamori_json_kv_string(j, "controls", k->controls);
    mamori_json_kv_string(j, "state", k->state);
    mamori_json_kv_string(j, "accepted_by", k->accepted_by);
    mamori_json_kv_string(j, "accept_until", k->accept_until);
    char today[16];
    mamori_date_format(mamori_today(), today);
    /* an acceptance past its date no longer covers the risk: review it */
    mamori_json_kv_bool(j, "acceptance_expired",
                        strcmp(k->state, "accepted") == 0 && strcmp(k->accept_until, today) < 0);
    mamori_json_kv_string(j, "review_due", k->review_due);
    mamori_json_kv_string(j, "created_by", k->created_by);
    mamori_json_object_end(j);
}

static int
show_risk(void *ctx, const struct mamori_store_risk *k)
{
    struct show_ctx *sc = ctx;
    if (sc->j) {
        risk_json(sc->j, k);
    } else {
        int t = mamori_policy_find_threat(sc->p, k->threat);
        printf("  #%lld  %s  %s  %lld×%lld=%lld (%s)  %s  %s\n", (long long)k->id, k->asset,
               t >= 0 ? mamori_text_get(&sc->p->threats[t].name, mamori_i18n_japanese())
                      : k->threat,
               (long long)k->likelihood, (long long)k->impact, (long long)k->level,
               mamori_risk_band(k->level), k->treatment, k->state);
    }
    sc->n++;
    return 0;
}

int
cmd_asset_show(struct cli *c)
{
    struct cli_session s;
    int rc = cli_session_open(c, false, &s);
    if (rc)
        return rc;
    struct mamori_store_asset as;
    int r = mamori_store_asset_get(s.inst->store, c->args[0], s.a, &as);
    if (r == -ENOENT) {
        cli_error(_("no asset %s in the register"), c->args[0]);
        return cli_session_close(&s, EX_DATAERR);
    }
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        return cli_session_close(&s, cli_exit_code(r));
    }
    struct mamori_buf b;
    mamori_buf_init(&b, (size_t)1 << 28);
    struct mamori_json j;
    mamori_json_init(&j, &b, true);
    struct show_ctx sc = {c->json ? &j : NULL, s.p, 0};
    bool ja = mamori_i18n_japanese();
    if (c->json) {
        mamori_json_object_begin(&j);
        mamori_json_key(&j, "asset");
        asset_json(s.p, &as, &j);
        mamori_json_key(&j, "history");
        mamori_json_array_begin(&j);
    } else {
        for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++) {
            const char *v = as.f[f];
            if (f == MAMORI_ASSET_UNIT)
                v = mamori_unit_title(s.p, v, ja);
            else if (f == MAMORI_ASSET_TYPE && mamori_asset_type_find(v) >= 0)
                v = ja ? mamori_asset_types[mamori_asset_type_find(v)].ja
                       : mamori_asset_types[mamori_asset_type_find(v)].en;
            if (*v)
                printf("%s: %s\n",
                       ja ? mamori_asset_field_names[f].ja : mamori_asset_field_names[f].en, v);
        }
        char label[128];
        mamori_asset_label(s.p, &as, ja, label, sizeof(label));
        printf("%s: %s\n", ja ? "ラベル" : "Label", label);
        const char *ids[64];
        size_t n = mamori_asset_restrictions(s.p, &as, ids, MAMORI_ARRAY_SIZE(ids));
        printf("%s:\n", ja ? "取扱制限" : "Handling restrictions");
        for (size_t i = 0; i < n; i++) {
            int k = mamori_policy_find_restriction(s.p, ids[i]);
            printf("  - %s\n", k >= 0 ? mamori_text_get(&s.p->restrictions[k].name, ja) : ids[i]);
        }
        printf("%s:\n", ja ? "分類の履歴" : "Classification history");
    }
    r = mamori_store_asset_class_iterate(s.inst->store, c->args[0], show_class, &sc);
    if (c->json) {
        mamori_json_array_end(&j);
        mamori_json_key(&j, "events");
        mamori_json_array_begin(&j);
    } else {
        printf("%s:\n", ja ? "ライフサイクル" : "Lifecycle events");
    }
    if (r == 0)
        r = mamori_store_asset_event_iterate(s.inst->store, c->args[0], NULL, show_event, &sc);
    if (c->json) {
        mamori_json_array_end(&j);
        mamori_json_key(&j, "risks");
        mamori_json_array_begin(&j);
    } else {
        printf("%s:\n", ja ? "リスク" : "Risks");
    }
    if (r == 0)
        r = mamori_store_risk_iterate(s.inst->store, c->args[0], show_risk, &sc);
    if (c->json) {
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        if (r == 0 && (r = mamori_json_finish(&j)) == 0)
            printf("%s\n", b.data);
    }
    mamori_buf_done(&b);
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    return cli_session_close(&s, rc);
}

struct list_ctx {
    struct mamori_json *j;
    const struct mamori_policy *p;
};

static int
list_one(void *ctx, const struct mamori_store_asset *a)
{
    struct list_ctx *lc = ctx;
    if (lc->j) {
        asset_json(lc->p, a, lc->j);
        return 0;
    }
    char label[128];
    mamori_asset_label(lc->p, a, mamori_i18n_japanese(), label, sizeof(label));
    printf("%-14s %-28s %-16s %s  %s\n", a->f[MAMORI_ASSET_ID], label, a->f[MAMORI_ASSET_UNIT],
           a->f[MAMORI_ASSET_REVIEW_DUE], a->f[MAMORI_ASSET_NAME]);
    return 0;
}

int
cmd_asset_list(struct cli *c)
{
    static const char *const keys[] = {"q",    "unit",  "zone",    "type",
                                       "conf", "state", "overdue", NULL};
    const char *vals[8] = {0};
    static char overdue_word[] = "overdue=yes";
    for (int i = 0; i < c->n_args; i++)
        if (strcmp(c->args[i], "overdue") == 0)
            c->args[i] = overdue_word;
    int rc = parse_pairs(c->args, c->n_args, NULL, keys, vals);
    struct cli_session s;
    if (rc || (rc = cli_session_open(c, false, &s)))
        return rc;
    struct mamori_store_asset_filter f = {
        .q = vals[0], .zone = vals[2], .type = vals[3], .conf = vals[4], .state = vals[5]};
    char today[16];
    mamori_date_format(mamori_today(), today);
    if (vals[6])
        f.review_before = today;
    if (vals[1] && mamori_asset_units_below(s.p, vals[1], s.a, &f.units) < 0) {
        cli_error(_("no unit %s in the policy"), vals[1]);
        return cli_session_close(&s, EX_USAGE);
    }
    if (vals[3] && mamori_asset_type_find(vals[3]) >= 0)
        f.type = mamori_asset_types[mamori_asset_type_find(vals[3])].id;
    struct mamori_buf b;
    mamori_buf_init(&b, (size_t)1 << 30);
    struct mamori_json j;
    mamori_json_init(&j, &b, false);
    struct list_ctx lc = {c->json ? &j : NULL, s.p};
    if (c->json)
        mamori_json_array_begin(&j);
    int64_t total = 0;
    int r = mamori_store_asset_query(s.inst->store, &f, 0, -1, list_one, &lc, &total);
    if (c->json) {
        mamori_json_array_end(&j);
        if (r == 0 && (r = mamori_json_finish(&j)) == 0) {
            fwrite(b.data, 1, b.len, stdout);
            putchar('\n');
        }
    } else if (r == 0) {
        printf(_("%lld assets\n"), (long long)total);
    }
    mamori_buf_done(&b);
    if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    return cli_session_close(&s, rc);
}

/* ---- events ----------------------------------------------------------------------------- */

int
cmd_asset_event(struct cli *c)
{
    static const char *const keys[] = {"purpose", "date", "person", "method", "note", NULL};
    const char *vals[6] = {0};
    int rc = parse_pairs(c->args + 2, c->n_args - 2, NULL, keys, vals);
    struct cli_session s;
    if (rc || (rc = cli_session_open(c, true, &s)))
        return rc;
    struct mamori_store_asset_event e = {.asset = c->args[0],
                                         .kind = c->args[1],
                                         .purpose = vals[0] ? vals[0] : "",
                                         .date = vals[1] ? vals[1] : "",
                                         .person = vals[2] ? vals[2] : "",
                                         .method = vals[3] ? vals[3] : "",
                                         .note = vals[4] ? vals[4] : ""};
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, s.a, 100);
    int64_t id = 0;
    int r = mamori_asset_event(s.inst, s.p, &s.me, &e, &id, &pr);
    if (r == MAMORI_E_DENIED) {
        cli_error(_("%s is not of the unit that owns %s"), s.me.id, c->args[0]);
        rc = EX_NOPERM;
    } else {
        rc = report_result(r, c->args[0], &pr, &s.me);
    }
    if (rc == 0) {
        if (c->json) {
            struct mamori_buf b;
            mamori_buf_init(&b, 1 << 20);
            struct mamori_json j;
            mamori_json_init(&j, &b, true);
            event_json(&j, &e);
            if (mamori_json_finish(&j) == 0)
                printf("%s\n", b.data);
            mamori_buf_done(&b);
        } else if (strcmp(e.state, "requested") == 0) {
            int k = mamori_asset_event_find(e.kind);
            const char *role = mamori_policy_approver(s.p, mamori_asset_event_action(k));
            printf(_("event %lld: waiting for approval by %s\n"), (long long)id,
                   mamori_role_title(s.p, role ? role : "?", mamori_i18n_japanese()));
        } else {
            printf(_("event %lld recorded\n"), (long long)id);
        }
    }
    return cli_session_close(&s, rc);
}

static int
event_decide(struct cli *c, bool approve)
{
    char *end;
    long long id = strtoll(c->args[0], &end, 10);
    if (*end || id <= 0) {
        cli_error(_("'%s' is not an event number"), c->args[0]);
        return EX_USAGE;
    }
    if (!approve && (!c->reason || !*c->reason)) {
        cli_error(_("a denial says why: --reason TEXT"));
        return EX_USAGE;
    }
    struct cli_session s;
    int rc = cli_session_open(c, true, &s);
    if (rc)
        return rc;
    const char *why = NULL;
    int r = mamori_asset_event_decide(s.inst, s.p, &s.me, id, approve, c->reason, &why);
    if (r == MAMORI_E_DENIED) {
        cli_error(_("%s may not decide event %lld: %s"), s.me.id, id, why_text(why));
        rc = EX_NOPERM;
    } else if (r == -EALREADY) {
        cli_error(_("event %lld is not waiting for a decision"), id);
        rc = EX_DATAERR;
    } else if (r == -ENOENT) {
        cli_error(_("no event %lld"), id);
        rc = EX_DATAERR;
    } else if (r < 0) {
        cli_error(_("cannot record the decision: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    } else {
        printf(approve ? _("event %lld approved\n") : _("event %lld denied\n"), id);
    }
    return cli_session_close(&s, rc);
}

int
cmd_asset_approve(struct cli *c)
{
    return event_decide(c, true);
}

int
cmd_asset_deny(struct cli *c)
{
    return event_decide(c, false);
}

/* The listings over cli_list's frame (instance, JSON array or text lines, store errors). */
struct list_args {
    const struct mamori_policy *p;
    const char *asset, *state;
};

static int
walk_events(struct mamori_instance *inst, struct mamori_json *j, void *ctx)
{
    struct list_args *la = ctx;
    struct show_ctx sc = {j, la->p, 0};
    return mamori_store_asset_event_iterate(inst->store, la->asset, la->state, show_event, &sc);
}

int
cmd_asset_events(struct cli *c)
{
    static const char *const keys[] = {"asset", "state", NULL};
    const char *vals[3] = {0};
    int rc = parse_pairs(c->args, c->n_args, NULL, keys, vals);
    if (rc)
        return rc;
    struct list_args la = {NULL, vals[0], vals[1]};
    return cli_list(c, walk_events, &la);
}

/* ---- import, export --------------------------------------------------------------------- */

int
cmd_asset_import(struct cli *c)
{
    const char *file = c->args[0];
    struct cli_session s;
    int rc = cli_session_open(c, true, &s);
    if (rc)
        return rc;
    char *raw = NULL, *map_raw = NULL;
    size_t raw_len = 0, map_len = 0;
    int r = mamori_fs_read_file(file, (size_t)256 << 20, &raw, &raw_len);
    if (r < 0) {
        cli_error(_("cannot read %s: %s"), file, mamori_strerror(r));
        return cli_session_close(&s, cli_exit_code(r));
    }
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, s.a, 1000);
    struct mamori_asset_mapping map, *mp = NULL;
    if (c->mapping) {
        if ((r = mamori_fs_read_file(c->mapping, 1 << 20, &map_raw, &map_len)) < 0) {
            cli_error(_("cannot read %s: %s"), c->mapping, mamori_strerror(r));
            free(raw);
            return cli_session_close(&s, cli_exit_code(r));
        }
        r = mamori_asset_mapping_parse(map_raw, map_len, s.a, &map, &pr);
        if (r < 0) {
            print_problems(&pr, c->mapping);
            free(raw);
            free(map_raw);
            return cli_session_close(&s, EX_DATAERR);
        }
        mp = &map;
    }
    char *text = NULL;
    size_t text_len = 0, line = 0;
    const char *enc = "";
    r = mamori_asset_decode(raw, raw_len, s.a, &text, &text_len, &enc, &line);
    free(raw);
    free(map_raw);
    if (r == MAMORI_E_INVALID) {
        cli_error(_("%s: line %zu: neither UTF-8 nor CP932 (Shift_JIS)"), file, line);
        return cli_session_close(&s, EX_DATAERR);
    }
    struct mamori_csv csv;
    if (r == 0)
        r = mamori_csv_parse(text, text_len, s.a, &csv, &line);
    if (r == MAMORI_E_INVALID || r == MAMORI_E_LIMIT) {
        cli_error(r == MAMORI_E_INVALID ? _("%s: line %zu: a quoted field never ends")
                                        : _("%s: line %zu: over a limit (1,000,000 rows, 256 "
                                            "columns, 64 KiB in a field)"),
                  file, line);
        return cli_session_close(&s, EX_DATAERR);
    }
    struct mamori_store_asset *rows = NULL;
    size_t n = 0, added = 0, changed = 0;
    int aliased = 0;
    if (r == 0)
        r = mamori_asset_rows(s.p, &csv, mp, s.a, &rows, &n, &aliased, &pr);
    if (r == 0)
        r = mamori_asset_import(s.inst, s.p, &s.me, rows, n, c->dry_run, &added, &changed, &pr);
    if (c->json) {
        struct mamori_buf b;
        mamori_buf_init(&b, (size_t)1 << 26);
        struct mamori_json j;
        mamori_json_init(&j, &b, true);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "file", file);
        mamori_json_kv_string(&j, "encoding", enc);
        mamori_json_kv_int(&j, "rows", (int64_t)n);
        mamori_json_kv_bool(&j, "dry_run", c->dry_run);
        mamori_json_kv_bool(&j, "written", r == 0 && !c->dry_run);
        mamori_json_kv_int(&j, "added", (int64_t)added);
        mamori_json_kv_int(&j, "changed", (int64_t)changed);
        mamori_json_kv_int(&j, "levels_from_aliases", aliased);
        mamori_json_key(&j, "problems");
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < pr.n; i++) {
            mamori_json_object_begin(&j);
            mamori_json_kv_int(&j, "row", (int64_t)pr.v[i].row);
            if (pr.v[i].column)
                mamori_json_kv_string(&j, "column", pr.v[i].column);
            mamori_json_kv_string(&j, "message", pr.v[i].message);
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_kv_int(&j, "problems_not_listed", (int64_t)pr.dropped);
        mamori_json_object_end(&j);
        if (mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
        mamori_buf_done(&b);
    }
    if (r == MAMORI_E_INVALID) {
        if (!c->json)
            print_problems(&pr, file);
        cli_error(_("%s: %zu problems; nothing was imported"), file, pr.n + pr.dropped);
        rc = EX_DATAERR;
    } else if (r < 0) {
        cli_error(_("cannot import %s: %s"), file, mamori_strerror(r));
        rc = cli_exit_code(r);
    } else if (!c->json) {
        printf(c->dry_run ? _("%s (%s): %zu rows checked, no problems; would add %zu and change "
                              "%zu (dry run: nothing written)\n")
                          : _("%s (%s): %zu rows imported: %zu added, %zu changed\n"),
               file, enc, n, added, changed);
        if (aliased)
            printf(_("%d levels were given in an older scheme and mapped by the policy's "
                     "aliases; review those assets\n"),
                   aliased);
    }
    return cli_session_close(&s, rc);
}

struct export_ctx {
    const struct mamori_policy *p;
    struct mamori_buf *out;
    struct mamori_store_asset *rows;
    size_t n, cap;
    struct mamori_arena *a;
};

static int
export_one(void *ctx, const struct mamori_store_asset *a)
{
    struct export_ctx *ec = ctx;
    if (ec->out)
        return mamori_asset_csv_row(ec->p, a, ec->out);
    if (ec->n == ec->cap) {
        size_t cap = ec->cap ? ec->cap * 2 : 256;
        struct mamori_store_asset *v = realloc(ec->rows, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        ec->rows = v;
        ec->cap = cap;
    }
    struct mamori_store_asset *d = &ec->rows[ec->n];
    *d = *a;
    for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
        if (!(d->f[f] = mamori_arena_strdup(ec->a, a->f[f])))
            return -ENOMEM;
    d->created_by = mamori_arena_strdup(ec->a, a->created_by);
    d->classified_by = mamori_arena_strdup(ec->a, a->classified_by);
    ec->n++;
    return 0;
}

int
cmd_asset_export(struct cli *c)
{
    const char *fmt = c->format ? c->format : "csv";
    const char *enc = c->encoding ? c->encoding : "cp932";
    if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "xlsx") != 0) {
        cli_error(_("--format is csv or xlsx"));
        return EX_USAGE;
    }
    if (strcasecmp(enc, "cp932") != 0 && strcasecmp(enc, "shift_jis") != 0 &&
        strcasecmp(enc, "utf-8") != 0 && strcasecmp(enc, "utf8") != 0) {
        cli_error(_("--encoding is cp932 (Excel's default in Japan) or utf-8"));
        return EX_USAGE;
    }
    if (strcmp(fmt, "xlsx") == 0 && !c->output) {
        cli_error(_("an XLSX export needs --output FILE.xlsx"));
        return EX_USAGE;
    }
    struct cli_session s;
    int rc = cli_session_open(c, false, &s);
    if (rc)
        return rc;
    struct mamori_buf b, conv;
    mamori_buf_init(&b, (size_t)1 << 30);
    mamori_buf_init(&conv, (size_t)1 << 30);
    bool csv = strcmp(fmt, "csv") == 0;
    bool utf8 = strncasecmp(enc, "utf", 3) == 0;
    struct export_ctx ec = {s.p, csv ? &b : NULL, NULL, 0, 0, s.a};
    int r = 0;
    if (csv && utf8)
        r = mamori_buf_puts(&b, "\xef\xbb\xbf"); /* Excel reads UTF-8 only with the BOM */
    if (r == 0 && csv)
        r = mamori_asset_csv_header(&b);
    if (r == 0)
        r = mamori_store_asset_query(s.inst->store, NULL, 0, -1, export_one, &ec, NULL);
    if (r == 0 && !csv) {
        r = mamori_asset_xlsx_write(s.p, ec.rows, ec.n, c->output);
        if (r == 0)
            fprintf(stderr, _("%zu assets written to %s\n"), ec.n, c->output);
    } else if (r == 0) {
        const struct mamori_buf *out = &b;
        if (!utf8) {
            uint32_t cp = 0;
            size_t line = 0;
            r = mamori_asset_to_cp932(b.data, b.len, &conv, &cp, &line);
            if (r == MAMORI_E_INVALID) {
                cli_error(_("line %zu holds U+%04X, which CP932 cannot write; export with "
                            "--encoding utf-8"),
                          line, (unsigned)cp);
                rc = EX_DATAERR;
            }
            out = &conv;
        }
        if (r == 0)
            rc = cli_write_output(c, out->data ? out->data : "", out->len);
    }
    if (r < 0 && rc == 0) {
        cli_error(_("cannot export: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    free(ec.rows);
    mamori_buf_done(&b);
    mamori_buf_done(&conv);
    return cli_session_close(&s, rc);
}

/* ---- risks ------------------------------------------------------------------------------ */

int
cmd_risk_threats(struct cli *c)
{
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, NULL);
    if (rc)
        return rc;
    bool ja = mamori_i18n_japanese();
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 24);
    struct mamori_json j;
    mamori_json_init(&j, &b, true);
    if (c->json)
        mamori_json_array_begin(&j);
    for (size_t i = 0; i < p->n_threats; i++) {
        const struct mamori_threat *t = &p->threats[i];
        if (c->json) {
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "id", t->id);
            mamori_json_kv_int(&j, "class", t->threat_class);
            mamori_json_kv_string(&j, "name", mamori_text_get(&t->name, ja));
            mamori_json_key(&j, "examples");
            mamori_json_array_begin(&j);
            for (size_t k = 0; k < t->n_examples; k++)
                mamori_json_string(&j, t->examples[k]);
            mamori_json_array_end(&j);
            mamori_json_kv_bool(&j, "builtin", t->builtin);
            mamori_json_object_end(&j);
        } else {
            printf("(%lld) %-22s %s\n", (long long)t->threat_class, t->id,
                   mamori_text_get(&t->name, ja));
        }
    }
    if (c->json) {
        mamori_json_array_end(&j);
        if (mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
    }
    mamori_buf_done(&b);
    mamori_policy_free(p);
    return 0;
}

int
cmd_risk_add(struct cli *c)
{
    static const char *const keys[] = {"likelihood", "treatment", "controls",
                                       "review_due", "note",      NULL};
    const char *vals[6] = {0};
    int rc = parse_pairs(c->args + 2, c->n_args - 2, NULL, keys, vals);
    struct cli_session s;
    if (rc || (rc = cli_session_open(c, true, &s)))
        return rc;
    char *end = NULL;
    long likelihood = vals[0] ? strtol(vals[0], &end, 10) : 0;
    if (end && *end)
        likelihood = 0; /* not a number: refused with the others below */
    struct mamori_store_risk k = {.asset = c->args[0],
                                  .threat = c->args[1],
                                  .likelihood = likelihood,
                                  .treatment = vals[1] ? vals[1] : "",
                                  .controls = vals[2] ? vals[2] : "",
                                  .review_due = vals[3],
                                  .note = vals[4]};
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, s.a, 100);
    int64_t id = 0;
    int r = mamori_risk_add(s.inst, s.p, &s.me, &k, &id, &pr);
    rc = report_result(r, c->args[0], &pr, &s.me);
    if (rc == 0)
        printf(_("risk %lld: %s, likelihood %lld × impact %lld = %lld (%s)\n"), (long long)id,
               k.asset, (long long)k.likelihood, (long long)k.impact, (long long)k.level,
               mamori_risk_band(k.level));
    return cli_session_close(&s, rc);
}

static int
walk_risks(struct mamori_instance *inst, struct mamori_json *j, void *ctx)
{
    struct list_args *la = ctx;
    struct show_ctx sc = {j, la->p, 0};
    return mamori_store_risk_iterate(inst->store, la->asset, show_risk, &sc);
}

int
cmd_risk_list(struct cli *c)
{
    static const char *const keys[] = {"asset", NULL};
    const char *vals[2] = {0};
    int rc = parse_pairs(c->args, c->n_args, NULL, keys, vals);
    struct mamori_policy *p = NULL;
    if (rc || (rc = cli_load_policy(c, &p, NULL))) /* threat names */
        return rc;
    struct list_args la = {p, vals[0], NULL};
    rc = cli_list(c, walk_risks, &la);
    mamori_policy_free(p);
    return rc;
}

int
cmd_risk_accept(struct cli *c)
{
    char *end;
    long long id = strtoll(c->args[0], &end, 10);
    if (*end || id <= 0) {
        cli_error(_("'%s' is not a risk number"), c->args[0]);
        return EX_USAGE;
    }
    struct cli_session s;
    int rc = cli_session_open(c, true, &s);
    if (rc)
        return rc;
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, s.a, 100);
    const char *why = NULL;
    int r = mamori_risk_accept(s.inst, s.p, &s.me, id, c->until, &why, &pr);
    if (r == MAMORI_E_DENIED) {
        cli_error(_("%s may not accept risk %lld: %s"), s.me.id, id, why_text(why));
        rc = EX_NOPERM;
    } else if (r == -EALREADY) {
        cli_error(_("risk %lld is not open"), id);
        rc = EX_DATAERR;
    } else if (r == -ENOENT) {
        cli_error(_("no risk %lld"), id);
        rc = EX_DATAERR;
    } else if (r == MAMORI_E_INVALID) {
        print_problems(&pr, c->args[0]);
        rc = EX_DATAERR;
    } else if (r < 0) {
        cli_error(_("cannot record the acceptance: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    } else {
        printf(_("risk %lld accepted until %s\n"), id, c->until);
    }
    return cli_session_close(&s, rc);
}
