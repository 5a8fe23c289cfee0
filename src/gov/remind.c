/*
 * Reminders (mamori/gov.h): what is due or overdue, per person. The governance registers'
 * flags, the training each staff member is due for, acknowledgements of the current 基本方針,
 * and the asset and risk registers' reviews; each resolved from "the role at the record's
 * unit" to the persons who hold it. Sent by mail through the city's MTA by mamori remind
 * --mail and by mamorid once a day.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamori/asset.h"
#include "mamori/auditlog.h"
#include "mamori/gov.h"
#include "mamori/mail.h"
#include "mamori/smtp.h"

struct collect {
    struct mamori_instance *inst;
    const struct mamori_policy *p;
    struct mamori_gov_world w;
    struct mamori_arena *a;
    struct mamori_gov_due *v;
    size_t n, cap;
    int err;
    /* training: active programmes and their last session per staff member */
    struct programme {
        const char *id, *title, *audience;
        int64_t months;
        const char **staff, **last; /* parallel: staff id, last session date */
        size_t n, cap;
    } * prog;
    size_t n_prog;
    const char *basic_doc; /* the current approved 基本方針 */
};

static struct mamori_gov_due *
push(struct collect *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct mamori_gov_due *v = realloc(c->v, cap * sizeof(*v));
        if (!v) {
            c->err = -ENOMEM;
            return NULL;
        }
        c->v = v;
        c->cap = cap;
    }
    struct mamori_gov_due *d = &c->v[c->n++];
    memset(d, 0, sizeof(*d));
    return d;
}

static const char *
keep(struct collect *c, const char *s)
{
    const char *r = mamori_arena_strdup(c->a, s ? s : "");
    if (!r)
        c->err = -ENOMEM;
    return r ? r : "";
}

static int
on_record(void *ctx, const struct mamori_gov_record *r)
{
    struct collect *c = ctx;
    struct mamori_gov_flag fl[16];
    size_t n = mamori_gov_flags(&c->w, r, fl, 16);
    for (size_t i = 0; i < n; i++) {
        struct mamori_gov_due *d = push(c);
        if (!d)
            return c->err;
        d->flag = fl[i];
        d->flag.who = keep(c, fl[i].who);
        d->flag.role = keep(c, fl[i].role);
        d->unit = keep(c, r->unit);
        d->kind = r->kind->id;
        d->id = keep(c, r->id);
        d->title = keep(c, r->title);
    }
    return c->err;
}

/* ---- training and acknowledgements ------------------------------------------------------- */

static int
on_programme(void *ctx, const struct mamori_gov_record *r)
{
    struct collect *c = ctx;
    struct programme *v = realloc(c->prog, (c->n_prog + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    c->prog = v;
    struct programme *pg = &v[c->n_prog++];
    memset(pg, 0, sizeof(*pg));
    pg->id = keep(c, r->id);
    pg->title = keep(c, r->title);
    pg->audience = keep(c, r->v[mamori_gov_field_find(r->kind, "audience")]);
    pg->months = strtol(r->v[mamori_gov_field_find(r->kind, "every_months")], NULL, 10);
    return c->err;
}

static void
attended(struct collect *c, struct programme *pg, const char *staff, const char *date)
{
    for (size_t i = 0; i < pg->n; i++)
        if (strcmp(pg->staff[i], staff) == 0) {
            if (strcmp(date, pg->last[i]) > 0)
                pg->last[i] = keep(c, date);
            return;
        }
    if (pg->n == pg->cap) {
        size_t cap = pg->cap ? pg->cap * 2 : 32;
        const char **s = mamori_arena_calloc(c->a, cap, sizeof(*s));
        const char **l = mamori_arena_calloc(c->a, cap, sizeof(*l));
        if (!s || !l) {
            c->err = -ENOMEM;
            return;
        }
        if (pg->n) {
            memcpy(s, pg->staff, pg->n * sizeof(*s));
            memcpy(l, pg->last, pg->n * sizeof(*l));
        }
        pg->staff = s;
        pg->last = l;
        pg->cap = cap;
    }
    pg->staff[pg->n] = keep(c, staff);
    pg->last[pg->n++] = keep(c, date);
}

struct step_ctx {
    struct collect *c;
    struct programme *pg;
};

/* The values of an "attend" step: {"values": {"session_date": ..., "attendees": "a,b"}} */
static int
on_attend(void *ctx, const struct mamori_store_gov_step *s)
{
    struct step_ctx *sc = ctx;
    if (strcmp(s->action, "attend") != 0)
        return 0;
    const char *d = strstr(s->data, "\"session_date\":\"");
    const char *a = strstr(s->data, "\"attendees\":\"");
    if (!d || !a)
        return 0;
    char date[11];
    snprintf(date, sizeof(date), "%.10s", d + 16);
    a += 13;
    const char *end = strchr(a, '"');
    if (!end)
        return 0;
    char *list = mamori_arena_strndup(sc->c->a, a, (size_t)(end - a));
    for (char *save = NULL, *t = list ? strtok_r(list, ",", &save) : NULL; t;
         t = strtok_r(NULL, ",", &save))
        attended(sc->c, sc->pg, t, date);
    return sc->c->err;
}

/* The date `months` after a date. */
static int32_t
plus_months(int32_t days, int64_t months)
{
    return days + (int32_t)(months * 365 / 12);
}

static int
on_staff(void *ctx, const struct mamori_gov_record *r)
{
    struct collect *c = ctx;
    if (strcmp(r->state, "active") != 0)
        return 0;
    const struct mamori_gov_kind *k = r->kind;
    const char *account = r->v[mamori_gov_field_find(k, "account")];
    const char *employment = r->v[mamori_gov_field_find(k, "employment")];
    int32_t joined = -1;
    mamori_date_parse(r->v[mamori_gov_field_find(k, "joined")], 10, &joined);
    for (size_t i = 0; i < c->n_prog; i++) {
        struct programme *pg = &c->prog[i];
        if (strcmp(pg->audience, "all") != 0 && strcmp(pg->audience, employment) != 0)
            continue;
        const char *last = NULL;
        for (size_t s = 0; s < pg->n; s++)
            if (strcmp(pg->staff[s], r->id) == 0)
                last = pg->last[s];
        int32_t from = joined;
        if (last)
            mamori_date_parse(last, 10, &from);
        if (from < 0)
            continue;
        /* a joiner has until one interval after joining; then one interval after the last */
        int32_t due = plus_months(from, pg->months);
        if (due - c->w.today > c->p->governance.remind_days)
            continue;
        struct mamori_gov_due *d = push(c);
        if (!d)
            return c->err;
        d->kind = "training";
        d->id = pg->id;
        d->title = keep(c, r->v[mamori_gov_field_find(k, "name")]);
        d->unit = keep(c, r->unit);
        d->flag.code = "training-due";
        d->flag.who = *account ? keep(c, account) : "";
        d->flag.role = *account ? "" : "section_manager";
        mamori_date_format(due, d->flag.due);
        d->flag.overdue = c->w.today > due;
        snprintf(d->flag.text_ja, sizeof(d->flag.text_ja), "%s：%sの受講（期限 %s）", d->title,
                 pg->title, d->flag.due);
        snprintf(d->flag.text_en, sizeof(d->flag.text_en), "%s: attend %s (due %s)", d->title,
                 pg->title, d->flag.due);
    }
    const char *ack = r->v[mamori_gov_field_find(k, "ack_doc")];
    if (c->basic_doc && *account && strcmp(ack, c->basic_doc) != 0) {
        struct mamori_gov_due *d = push(c);
        if (!d)
            return c->err;
        d->kind = "staff";
        d->id = keep(c, r->id);
        d->title = keep(c, r->v[mamori_gov_field_find(k, "name")]);
        d->unit = keep(c, r->unit);
        d->flag.code = "acknowledge";
        d->flag.who = keep(c, account);
        d->flag.role = "";
        d->flag.overdue = true;
        snprintf(d->flag.text_ja, sizeof(d->flag.text_ja),
                 "現行の基本方針（%s）の遵守の確認（mamori staff acknowledge %s）", c->basic_doc,
                 r->id);
        snprintf(d->flag.text_en, sizeof(d->flag.text_en),
                 "acknowledge the current policy (%s): mamori staff acknowledge %s", c->basic_doc,
                 r->id);
    }
    return c->err;
}

/* ---- the asset and risk registers -------------------------------------------------------- */

static int
on_asset(void *ctx, const struct mamori_store_asset *as)
{
    struct collect *c = ctx;
    int32_t due;
    const char *rd = as->f[MAMORI_ASSET_REVIEW_DUE];
    if (!*rd || mamori_date_parse(rd, strlen(rd), &due) < 0 ||
        due - c->w.today > c->p->governance.remind_days)
        return 0;
    struct mamori_gov_due *d = push(c);
    if (!d)
        return c->err;
    d->kind = "asset";
    d->id = keep(c, as->f[MAMORI_ASSET_ID]);
    d->title = keep(c, as->f[MAMORI_ASSET_NAME]);
    d->unit = keep(c, as->f[MAMORI_ASSET_UNIT]);
    d->flag.code = "asset-review";
    d->flag.who = "";
    d->flag.role = "section_manager";
    snprintf(d->flag.due, sizeof(d->flag.due), "%s", rd);
    d->flag.overdue = c->w.today > due;
    snprintf(d->flag.text_ja, sizeof(d->flag.text_ja), "情報資産の分類の見直し（期限 %s）", rd);
    snprintf(d->flag.text_en, sizeof(d->flag.text_en), "review of the asset's class (due %s)", rd);
    return c->err;
}

static int
on_risk(void *ctx, const struct mamori_store_risk *k)
{
    struct collect *c = ctx;
    const char *dates[2] = {k->review_due,
                            strcmp(k->state, "accepted") == 0 ? k->accept_until : ""};
    static const char *const codes[2] = {"risk-review", "risk-acceptance-ends"};
    for (int i = 0; i < 2; i++) {
        int32_t due;
        if (strcmp(k->state, "closed") == 0 || !*dates[i] ||
            mamori_date_parse(dates[i], strlen(dates[i]), &due) < 0 ||
            due - c->w.today > c->p->governance.remind_days)
            continue;
        struct mamori_store_asset as;
        if (mamori_store_asset_get(c->inst->store, k->asset, c->a, &as) < 0)
            continue;
        struct mamori_gov_due *d = push(c);
        if (!d)
            return c->err;
        char id[32];
        snprintf(id, sizeof(id), "%lld", (long long)k->id);
        d->kind = "risk";
        d->id = keep(c, id);
        d->title = keep(c, as.f[MAMORI_ASSET_NAME]);
        d->unit = keep(c, as.f[MAMORI_ASSET_UNIT]);
        d->flag.code = codes[i];
        d->flag.who = "";
        d->flag.role = i == 0 ? "section_manager" : "dept_manager";
        snprintf(d->flag.due, sizeof(d->flag.due), "%s", dates[i]);
        d->flag.overdue = c->w.today > due;
        snprintf(d->flag.text_ja, sizeof(d->flag.text_ja),
                 i == 0 ? "リスクの見直し（期限 %s）" : "リスク受容の期限（%s）", dates[i]);
        snprintf(d->flag.text_en, sizeof(d->flag.text_en),
                 i == 0 ? "review of the risk (due %s)" : "risk acceptance ends (%s)", dates[i]);
    }
    return c->err;
}

/* ---- to persons -------------------------------------------------------------------------- */

struct resolve {
    struct collect *c;
    bool *delivered; /* per due: some enabled person got it */
    struct mamori_gov_reminder *out;
    size_t n, cap;
    int err;
};

static int
add_reminder(struct resolve *rs, const char *person, const struct mamori_gov_due *d)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        struct mamori_gov_reminder *v = realloc(rs->out, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        rs->out = v;
        rs->cap = cap;
    }
    rs->out[rs->n++] = (struct mamori_gov_reminder){
        .person = person, .kind = d->kind, .id = d->id, .title = d->title, .flag = d->flag};
    return 0;
}

static int
on_person(void *ctx, const struct mamori_store_person *ps)
{
    struct resolve *rs = ctx;
    struct collect *c = rs->c;
    if (ps->disabled)
        return 0;
    const char *id = NULL;
    int pu = mamori_policy_find_unit(c->p, ps->unit);
    for (size_t i = 0; i < c->n; i++) {
        const struct mamori_gov_due *d = &c->v[i];
        bool mine = *d->flag.who ? strcmp(d->flag.who, ps->id) == 0 : false;
        if (!*d->flag.who && strcmp(d->flag.role, ps->role) == 0) {
            mine =
                mamori_gov_org_wide(ps->role) ||
                (pu >= 0 && mamori_unit_within(c->p, mamori_policy_find_unit(c->p, d->unit), pu));
        }
        if (!mine)
            continue;
        if (!id && !(id = mamori_arena_strdup(c->a, ps->id)))
            return -ENOMEM;
        rs->delivered[i] = true;
        int r = add_reminder(rs, id, d);
        if (r < 0)
            return r;
    }
    return 0;
}

/* A role held by appointment (兼務) answers like the role itself, at the appointment's unit. */
static int
on_appointment(void *ctx, const struct mamori_store_role_span *sp)
{
    struct mamori_store_person as = {.id = sp->person, .role = sp->role, .unit = sp->unit};
    return on_person(ctx, &as);
}

/* Every person in their own role, then in each role they hold by appointment. */
static int
each_person(struct mamori_instance *inst, struct resolve *rs)
{
    int r = mamori_store_person_iterate(inst->store, on_person, rs);
    struct mamori_store_role_query q = {.at_us = mamori_now_us(), .appointed = 1};
    return r < 0 ? r : mamori_store_role_iterate(inst->store, &q, on_appointment, rs);
}

static int
by_person_due(const void *a, const void *b)
{
    const struct mamori_gov_reminder *x = a, *y = b;
    int r = strcmp(x->person, y->person);
    if (r == 0)
        r = (int)y->flag.overdue - (int)x->flag.overdue;
    if (r == 0)
        r = strcmp(x->flag.due, y->flag.due);
    if (r == 0)
        r = strcmp(x->kind, y->kind);
    if (r == 0)
        r = strcmp(x->id, y->id);
    if (r == 0)
        r = strcmp(x->flag.code, y->flag.code);
    return r;
}

int
mamori_gov_dues(struct mamori_instance *inst, const struct mamori_policy *p, int32_t today,
                struct mamori_gov_due **ret, size_t *ret_n, struct mamori_arena *a)
{
    struct collect c = {.inst = inst, .p = p, .a = a};
    mamori_gov_world_init(&c.w, inst, p, a);
    c.w.today = today;
    int r = mamori_gov_iterate(inst, p, NULL, NULL, NULL, on_record, &c);
    const char *sha256;
    if (r == 0)
        r = mamori_gov_basic_doc(inst, p, a, &c.basic_doc, &sha256);
    if (r == 0)
        r = mamori_gov_iterate(inst, p, mamori_gov_kind_find("training"), "active", NULL,
                               on_programme, &c);
    for (size_t i = 0; r == 0 && i < c.n_prog; i++) {
        struct step_ctx sc = {&c, &c.prog[i]};
        r = mamori_gov_steps(inst, mamori_gov_kind_find("training"), c.prog[i].id, on_attend, &sc);
    }
    if (r == 0)
        r = mamori_gov_iterate(inst, p, mamori_gov_kind_find("staff"), "active", NULL, on_staff,
                               &c);
    struct mamori_store_asset_filter f = {.state = "active"};
    if (r == 0)
        r = mamori_store_asset_query(inst->store, &f, 0, INT64_MAX, on_asset, &c, NULL);
    if (r == 0)
        r = mamori_store_risk_iterate(inst->store, NULL, on_risk, &c);
    if (r == 0)
        r = c.err;
    free(c.prog);
    if (r < 0) {
        free(c.v);
        return r;
    }
    *ret = c.v;
    *ret_n = c.n;
    return 0;
}

/* Who answers when nobody holds the role at the record's unit or above: the next role up the
 * chain of 基本方針 6(1) (課長 → 部長 → 統括 → CISO); organisation-wide roles nobody holds go to
 * the 統括情報セキュリティ責任者. NULL: nobody above. */
static const char *
escalate(const char *role)
{
    if (strcmp(role, "section_manager") == 0)
        return "dept_manager";
    if (strcmp(role, "dept_manager") == 0)
        return "general_manager";
    if (strcmp(role, "general_manager") == 0)
        return "ciso";
    if (strcmp(role, "ciso") == 0)
        return NULL;
    return "general_manager";
}

int
mamori_gov_reminders(struct mamori_instance *inst, const struct mamori_policy *p, int32_t today,
                     struct mamori_gov_reminder **ret, size_t *ret_n, struct mamori_arena *a)
{
    struct collect c = {.inst = inst, .p = p, .a = a};
    int r = mamori_gov_dues(inst, p, today, &c.v, &c.n, a);
    if (r < 0)
        return r;
    struct resolve rs = {.c = &c, .delivered = calloc(c.n + 1, sizeof(bool))};
    r = rs.delivered ? each_person(inst, &rs) : -ENOMEM;
    /* Nobody got it: a due for a person who left (disabled, or gone) goes to the section
     * manager of its unit; a due for a role nobody holds there, up the chain. Each pass gives
     * the undelivered ones to the next role; four passes reach the CISO. */
    for (int pass = 0; r == 0 && pass < 5; pass++) {
        size_t undelivered = 0;
        for (size_t i = 0; i < c.n; i++) {
            struct mamori_gov_flag *fl = &c.v[i].flag;
            bool done = rs.delivered[i] || strcmp(fl->who, "-") == 0;
            const char *next = done ? NULL : *fl->who ? "section_manager" : escalate(fl->role);
            /* delivered, or nobody left to ask: "-" matches nobody, so not again */
            fl->who = next ? "" : "-";
            fl->role = next ? next : "-";
            undelivered += next != NULL;
        }
        if (!undelivered)
            break;
        r = each_person(inst, &rs);
    }
    free(rs.delivered);
    free(c.v);
    if (r < 0) {
        free(rs.out);
        return r;
    }
    if (rs.n)
        qsort(rs.out, rs.n, sizeof(*rs.out), by_person_due);
    /* one line per due and person, though their own role and an appointment both answer it */
    size_t kept = 0;
    for (size_t i = 0; i < rs.n; i++)
        if (!kept || by_person_due(&rs.out[kept - 1], &rs.out[i]) != 0)
            rs.out[kept++] = rs.out[i];
    rs.n = kept;
    *ret = rs.out;
    *ret_n = rs.n;
    return 0;
}

int
mamori_gov_remind_mail(struct mamori_instance *inst, const struct mamori_gov_reminder *v, size_t n,
                       const char *relay, size_t *ret_sent, size_t *ret_failed)
{
    char host[256] = "localhost";
    gethostname(host, sizeof(host) - 1);
    char from[300];
    snprintf(from, sizeof(from), "mamori@%s", host);
    *ret_sent = *ret_failed = 0;
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    if (!a)
        return -ENOMEM;
    int r = 0;
    for (size_t i = 0; i < n && r != -ENOMEM;) {
        size_t j = i;
        while (j < n && strcmp(v[j].person, v[i].person) == 0)
            j++;
        struct mamori_store_person ps;
        if (mamori_store_person_get(inst->store, v[i].person, a, &ps) < 0 || !*ps.mail) {
            i = j;
            continue;
        }
        struct mamori_buf body, msg, subj;
        mamori_buf_init(&body, 1 << 20);
        mamori_buf_init(&msg, 1 << 21);
        mamori_buf_init(&subj, 1 << 12);
        size_t overdue = 0;
        for (size_t k = i; k < j; k++)
            overdue += v[k].flag.overdue;
        char subject[200];
        snprintf(subject, sizeof(subject), "【mamori】対応が必要な事項 %zu件（うち期限超過 %zu件）",
                 j - i, overdue);
        r = mamori_rfc2047_encode(subject, strlen(subject), 9, &subj);
        if (r == 0)
            r = mamori_buf_printf(&body,
                                  "%s 様\n\n情報セキュリティに関して、次の事項の対応をお願い"
                                  "します（基本方針 7、9）。\n\n",
                                  ps.name);
        for (size_t k = i; r == 0 && k < j; k++)
            r = mamori_buf_printf(&body, "%s %s %s  %s\n",
                                  v[k].flag.overdue ? "【期限超過】" : "・", v[k].id, v[k].title,
                                  v[k].flag.text_ja);
        if (r == 0)
            r = mamori_buf_printf(&body, "\nDue or overdue (English):\n");
        for (size_t k = i; r == 0 && k < j; k++)
            r = mamori_buf_printf(&body, "%s %s %s  %s\n", v[k].flag.overdue ? "[overdue]" : "-",
                                  v[k].id, v[k].title, v[k].flag.text_en);
        if (r == 0)
            r = mamori_buf_printf(&msg,
                                  "From: mamori <%s>\nTo: <%s>\nSubject: %s\n"
                                  "Auto-Submitted: auto-generated\nMIME-Version: 1.0\n"
                                  "Content-Type: text/plain; charset=UTF-8\n"
                                  "Content-Transfer-Encoding: base64\n\n",
                                  from, ps.mail, subj.data);
        if (r == 0)
            r = mamori_base64_lines(body.data, body.len, &msg);
        char err[256] = "";
        int s = r == 0 ? mamori_smtp_send(relay, host, from, ps.mail, msg.data, msg.len, 30000, err,
                                          sizeof(err))
                       : r;
        if (s == 0)
            (*ret_sent)++;
        else
            (*ret_failed)++;
        if (inst->log && mamori_store_begin(inst->store) == 0) {
            char details[160];
            snprintf(details, sizeof(details), "{\"items\":%zu,\"overdue\":%zu}", j - i, overdue);
            struct mamori_record rec = {.time_us = mamori_now_us(),
                                        .actor = "system",
                                        .action = "remind.mail",
                                        .object = ps.mail,
                                        .decision = s == 0 ? "sent" : "failed",
                                        .clause = "7",
                                        .details = details};
            int k = mamori_log_append_in(inst->log, &rec, 1, NULL);
            if (k == 0)
                k = mamori_store_commit(inst->store);
            if (k < 0)
                mamori_store_rollback(inst->store);
        }
        mamori_buf_done(&body);
        mamori_buf_done(&msg);
        mamori_buf_done(&subj);
        r = r == -ENOMEM ? r : 0;
        i = j;
    }
    mamori_arena_free(a);
    return r;
}
