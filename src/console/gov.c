/*
 * The governance registers in the console (docs/console.md): an overview with what is due for
 * the person signed in, each register's list, one record with its history and a form for each
 * step that applies now, and a form to open a record (an incident, a request). The rules and
 * records are the gov module's (mamori/gov.h); pages only show and forward.
 *
 * Who sees what: organisation-wide roles (CISO, 統括, CSIRT, 委員会, auditors, システム管理者)
 * every record; everyone else the records of their unit and below, and those they made.
 * 実施手順 only to the roles the document names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mamori/gov.h"

static bool
sees(struct req *rq, const struct mamori_gov_record *r, const struct mamori_store_person *me)
{
    if (!mamori_gov_may_see(r, me))
        return false;
    if (mamori_gov_org_wide(me->role) || strcmp(r->created_by, me->id) == 0)
        return true;
    int mine = mamori_policy_find_unit(rq->pol, me->unit);
    int u = mamori_policy_find_unit(rq->pol, r->unit);
    return mine >= 0 && u >= 0 && mamori_unit_within(rq->pol, u, mine);
}

static const char *
kind_name(struct req *rq, const struct mamori_gov_kind *k)
{
    return rq->ja ? k->ja : k->en;
}

static const char *
state_title(struct req *rq, const struct mamori_gov_kind *k, const char *state)
{
    const struct mamori_gov_state *st = mamori_gov_state_find(k, state);
    return !st ? state : rq->ja ? st->ja : st->en;
}

static void
flags_html(struct req *rq, struct mamori_html *h, const struct mamori_gov_flag *fl, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (fl[i].overdue)
            MAMORI_HTML(h, "<span class=\"flag overdue\">");
        else
            MAMORI_HTML(h, "<span class=\"flag\">");
        mamori_html_text(h, rq->ja ? fl[i].text_ja : fl[i].text_en);
        if (fl[i].overdue) {
            MAMORI_HTML(h, " ");
            mamori_html_text(h, T(rq, "(overdue)"));
        }
        MAMORI_HTML(h, "</span> ");
    }
}

/* ---- the overview ------------------------------------------------------------------------ */

struct counts {
    struct req *rq;
    struct mamori_store_person *me;
    struct mamori_gov_world *w;
    int64_t open[32], flagged[32];
};

static int
count_one(void *ctx, const struct mamori_gov_record *r)
{
    struct counts *c = ctx;
    if (!sees(c->rq, r, c->me))
        return 0;
    size_t k = 0;
    while (k < mamori_gov_n_kinds && mamori_gov_kinds[k] != r->kind)
        k++;
    const struct mamori_gov_state *st = mamori_gov_state_find(r->kind, r->state);
    if (k < 32 && st && !st->closed) {
        c->open[k]++;
        struct mamori_gov_flag fl[16];
        c->flagged[k] += mamori_gov_flags(c->w, r, fl, 16) > 0;
    }
    return 0;
}

/* The reminders of today that are the person's: written as list items when h is given,
 * counted (and how many are overdue). */
int
gov_due(struct req *rq, const char *person, struct mamori_html *h, size_t *ret_n,
        size_t *ret_overdue)
{
    struct mamori_gov_reminder *rem = NULL;
    size_t n_rem = 0, mine = 0, overdue = 0;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_gov_reminders(rq->c->inst, rq->pol, mamori_today(), &rem, &n_rem, rq->a);
    pthread_mutex_unlock(rq->c->lock);
    for (size_t i = 0; r == 0 && i < n_rem; i++) {
        if (strcmp(rem[i].person, person) != 0)
            continue;
        mine++;
        overdue += rem[i].flag.overdue;
        if (!h)
            continue;
        MAMORI_HTML(h, "<li>");
        const struct mamori_gov_kind *k = mamori_gov_kind_find(rem[i].kind);
        if (k) {
            MAMORI_HTML(h, "<a href=\"/gov/");
            mamori_html_url(h, k->id);
            MAMORI_HTML(h, "/");
            mamori_html_url(h, rem[i].id);
            MAMORI_HTML(h, "\">");
        }
        mamori_html_text(h, rem[i].id);
        if (k)
            MAMORI_HTML(h, "</a>");
        MAMORI_HTML(h, " ");
        mamori_html_text(h, rem[i].title);
        MAMORI_HTML(h, " ");
        flags_html(rq, h, &rem[i].flag, 1);
        MAMORI_HTML(h, "</li>");
    }
    free(rem);
    if (r == 0 && h && !mine) {
        MAMORI_HTML(h, "<li>");
        mamori_html_text(h, T(rq, "Nothing is due."));
        MAMORI_HTML(h, "</li>");
    }
    *ret_n = mine;
    *ret_overdue = overdue;
    return r;
}

/* POST /gov/act-as (role): act in the registers in a role held by appointment (兼務), or
 * in one's own again. A privileged role only in a session that passed the second factor;
 * recorded in the audit log. */
static void
act_as(struct req *rq, struct mamori_store_person *me)
{
    const char *role = mamori_form_get(&rq->form, "role");
    bool own = !role || !*role || strcmp(role, me->role) == 0;
    struct mamori_store_person as = *me;
    int r = 0;
    if (!own) {
        pthread_mutex_lock(rq->c->lock);
        r = mamori_gov_act_in(rq->c->inst, role, rq->a, &as);
        pthread_mutex_unlock(rq->c->lock);
    }
    if (r == 0 && !own && mamori_role_privileged(role) && !rq->sess.privileged)
        r = MAMORI_E_DENIED;
    struct mamori_buf d;
    struct mamori_json j;
    mamori_buf_init(&d, 4096);
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, "role", own ? me->role : role);
    mamori_json_object_end(&j);
    if (mamori_json_finish(&j) == 0)
        console_record(rq, "gov.act-as", me->id, r == 0 ? "ok" : "refused", "6(1)", d.data);
    mamori_buf_done(&d);
    if (r < 0) {
        page_message(rq, r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN : MHD_HTTP_SERVICE_UNAVAILABLE,
                     T(rq, "Refused"), T(rq, "You hold no such appointment."));
        return;
    }
    snprintf(rq->sess.acting, sizeof(rq->sess.acting), "%s", own ? "" : as.role);
    mamori_sessions_put(rq->c->sessions, &rq->sess);
    rq->status = MHD_HTTP_SEE_OTHER;
    rq->location = "/gov";
}

/* The roles the person may act in here: their own and their appointments. */
static void
act_as_form(struct req *rq, struct mamori_html *h, const struct mamori_store_person *me)
{
    struct mamori_store_person own;
    if (console_me(rq, &own) < 0)
        return;
    struct mamori_store_role_span ap[16];
    pthread_mutex_lock(rq->c->lock);
    int n = mamori_gov_appointments(rq->c->inst, own.id, rq->a, ap, 16);
    pthread_mutex_unlock(rq->c->lock);
    if (n <= 0)
        return;
    MAMORI_HTML(h, "<form method=\"post\" action=\"/gov/act-as\" id=\"act-as\"><label>");
    mamori_html_text(h, T(rq, "Acting as"));
    MAMORI_HTML(h, " <select name=\"role\">");
    for (int i = -1; i < n; i++) {
        const char *role = i < 0 ? own.role : ap[i].role;
        MAMORI_HTML(h, "<option value=\"");
        mamori_html_text(h, role);
        MAMORI_HTML(h, "\"");
        if (strcmp(role, me->role) == 0)
            MAMORI_HTML(h, " selected");
        MAMORI_HTML(h, ">");
        mamori_html_text(h, mamori_role_title(rq->pol, role, rq->ja));
        if (i >= 0)
            mamori_html_text(h, T(rq, " (appointed)"));
        MAMORI_HTML(h, "</option>");
    }
    MAMORI_HTML(h, "</select></label> ");
    csrf_field(rq, h);
    MAMORI_HTML(h, "<button type=\"submit\">");
    mamori_html_text(h, T(rq, "Switch"));
    MAMORI_HTML(h, "</button></form>");
}

static void
overview(struct req *rq, struct mamori_store_person *me)
{
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, rq->c->inst, rq->pol, rq->a);
    struct counts c = {rq, me, &w, {0}, {0}};
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_gov_iterate(rq->c->inst, rq->pol, NULL, NULL, NULL, count_one, &c);
    pthread_mutex_unlock(rq->c->lock);
    struct mamori_html h;
    size_t mine = 0, overdue = 0;
    if (r == 0) {
        page_begin(rq, &h, T(rq, "Governance"));
        act_as_form(rq, &h, me);
        MAMORI_HTML(&h, "<p><a href=\"/gov/org\">");
        mamori_html_text(&h, T(rq, "Organisation: who holds which role"));
        MAMORI_HTML(&h, "</a></p><h2>");
        mamori_html_text(&h, T(rq, "Due for you"));
        MAMORI_HTML(&h, "</h2><ul id=\"due\">");
        r = gov_due(rq, me->id, &h, &mine, &overdue);
    }
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Error"),
                     T(rq, "The registers cannot be read."));
        return;
    }
    MAMORI_HTML(&h, "</ul><table id=\"registers\"><tr><th>");
    mamori_html_text(&h, T(rq, "Register"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Open"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Needing action"));
    MAMORI_HTML(&h, "</th></tr>");
    for (size_t k = 0; k < mamori_gov_n_kinds; k++) {
        MAMORI_HTML(&h, "<tr><td><a href=\"/gov/");
        mamori_html_url(&h, mamori_gov_kinds[k]->id);
        MAMORI_HTML(&h, "\">");
        mamori_html_text(&h, kind_name(rq, mamori_gov_kinds[k]));
        MAMORI_HTML(&h, "</a></td><td>");
        mamori_html_int(&h, c.open[k]);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_int(&h, c.flagged[k]);
        MAMORI_HTML(&h, "</td></tr>");
    }
    MAMORI_HTML(&h, "</table>");
    page_end(rq, &h);
}

/* ---- the organisation: who holds which role --------------------------------------------- */

struct org_rows {
    struct req *rq;
    struct mamori_html *h;
    struct mamori_json *j;
    size_t n;
};

static int
org_row(void *ctx, const struct mamori_store_role_span *sp)
{
    struct org_rows *o = ctx;
    struct req *rq = o->rq;
    struct mamori_store_person p = {0};
    int r = mamori_store_person_get(rq->c->inst->store, sp->person, rq->a, &p);
    if (r < 0 && r != -ENOENT)
        return r;
    const char *role = mamori_role_title(rq->pol, sp->role, rq->ja);
    const char *unit = *sp->unit ? mamori_unit_title(rq->pol, sp->unit, rq->ja) : "";
    char from[64], until[64] = "";
    console_time(rq, sp->from_us, from, sizeof(from));
    if (sp->until_us)
        console_time(rq, sp->until_us, until, sizeof(until));
    o->n++;
    if (o->j) {
        mamori_json_object_begin(o->j);
        mamori_json_kv_string(o->j, "person", sp->person);
        mamori_json_kv_string(o->j, "name", r == 0 ? p.name : "");
        mamori_json_kv_string(o->j, "role", sp->role);
        mamori_json_kv_string(o->j, "unit", sp->unit);
        mamori_json_kv_int(o->j, "from_us", sp->from_us);
        mamori_json_kv_int(o->j, "until_us", sp->until_us);
        mamori_json_kv_bool(o->j, "appointed", sp->appointed);
        mamori_json_object_end(o->j);
        return 0;
    }
    if (sp->appointed)
        role = mamori_arena_printf(rq->a, "%s%s", role, T(rq, " (appointed)"));
    const char *cells[] = {role ? role : "",     unit, sp->person,
                           r == 0 ? p.name : "", from, sp->until_us ? until : T(rq, "(now)")};
    MAMORI_HTML(o->h, "<tr>");
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(cells); i++) {
        MAMORI_HTML(o->h, "<td>");
        mamori_html_text(o->h, cells[i]);
        MAMORI_HTML(o->h, "</td>");
    }
    MAMORI_HTML(o->h, "</tr>");
    return 0;
}

static void
org_head(struct req *rq, struct mamori_html *h, const char *id)
{
    MAMORI_HTML(h, "<table id=\"");
    mamori_html_text(h, id);
    MAMORI_HTML(h, "\"><tr>");
    const char *heads[] = {T(rq, "Role"), T(rq, "Unit"),  T(rq, "Person"),
                           T(rq, "Name"), T(rq, "Since"), T(rq, "Until")};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(heads); i++) {
        MAMORI_HTML(h, "<th>");
        mamori_html_text(h, heads[i]);
        MAMORI_HTML(h, "</th>");
    }
    MAMORI_HTML(h, "</tr>");
}

/* /gov/org[?at=DATE][&person=ID]: the holders at the end of a day (now by default) and the
 * history; the API gives the history (or the holders with at=). */
static void
org_page(struct req *rq)
{
    const char *at = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "at");
    const char *person = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "person");
    struct mamori_store_role_query now = {.at_us = mamori_now_us()};
    struct mamori_store_role_query hist = {.person = person && *person ? person : NULL};
    char iso[11] = "";
    int32_t days;
    if (at && *at) {
        if (mamori_date_parse_loose(at, iso, &days) < 0) {
            page_message(rq, MHD_HTTP_BAD_REQUEST, T(rq, "Refused"),
                         T(rq, "Not a date (YYYY-MM-DD)."));
            return;
        }
        now.at_us = ((int64_t)days + 1) * 86400 * 1000000 - (int64_t)9 * 3600 * 1000000 - 1;
    }
    struct mamori_store *s = rq->c->inst->store;
    struct mamori_html h;
    struct mamori_json j;
    struct org_rows o = {.rq = rq, .h = &h};
    int r;
    if (rq->api) {
        mamori_json_init(&j, &rq->out, false);
        o.j = &j;
        mamori_json_array_begin(&j);
        pthread_mutex_lock(rq->c->lock);
        r = mamori_store_role_iterate(s, *iso ? &now : &hist, org_row, &o);
        pthread_mutex_unlock(rq->c->lock);
        mamori_json_array_end(&j);
        if (r == 0 && mamori_json_finish(&j) == 0) {
            mamori_buf_putc(&rq->out, '\n');
            rq->ctype = "application/json";
            return;
        }
    } else {
        page_begin(rq, &h, T(rq, "Organisation"));
        MAMORI_HTML(&h, "<p><a href=\"/gov\">");
        mamori_html_text(&h, T(rq, "Governance"));
        MAMORI_HTML(&h, "</a></p><form method=\"get\" action=\"/gov/org\"><label>");
        mamori_html_text(&h, T(rq, "Role holders on"));
        MAMORI_HTML(&h, " <input name=\"at\" id=\"at\" placeholder=\"YYYY-MM-DD\" value=\"");
        mamori_html_text(&h, iso);
        MAMORI_HTML(&h, "\"></label> <button>");
        mamori_html_text(&h, T(rq, "Show"));
        MAMORI_HTML(&h, "</button></form><h2>");
        mamori_html_text(&h, *iso ? iso : T(rq, "Now"));
        MAMORI_HTML(&h, "</h2>");
        org_head(rq, &h, "holders");
        pthread_mutex_lock(rq->c->lock);
        r = mamori_store_role_iterate(s, &now, org_row, &o);
        MAMORI_HTML(&h, "</table><h2>");
        mamori_html_text(&h, T(rq, "History"));
        MAMORI_HTML(&h, "</h2>");
        org_head(rq, &h, "history");
        if (r == 0)
            r = mamori_store_role_iterate(s, &hist, org_row, &o);
        pthread_mutex_unlock(rq->c->lock);
        MAMORI_HTML(&h, "</table><p class=\"small\">");
        mamori_html_text(&h, T(rq, "Who made each change is in the audit log (user.add, "
                                   "user.set-role, user.disable)."));
        MAMORI_HTML(&h, "</p>");
        if (r == 0) {
            page_end(rq, &h);
            return;
        }
    }
    page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Error"),
                 T(rq, "The registers cannot be read."));
}

/* ---- one register ------------------------------------------------------------------------ */

struct list {
    struct req *rq;
    struct mamori_store_person *me;
    struct mamori_gov_world *w;
    struct mamori_html *h;
    struct mamori_json *j;
    size_t n;
};

static int
list_row(void *ctx, const struct mamori_gov_record *r)
{
    struct list *l = ctx;
    if (!sees(l->rq, r, l->me) || l->n >= 1000)
        return 0;
    l->n++;
    if (l->j) {
        mamori_gov_json(l->w, l->j, r, true);
        return 0;
    }
    struct mamori_html *h = l->h;
    struct mamori_gov_flag fl[16];
    size_t nf = mamori_gov_flags(l->w, r, fl, 16);
    MAMORI_HTML(h, "<tr><td><a href=\"/gov/");
    mamori_html_url(h, r->kind->id);
    MAMORI_HTML(h, "/");
    mamori_html_url(h, r->id);
    MAMORI_HTML(h, "\">");
    mamori_html_text(h, r->id);
    MAMORI_HTML(h, "</a></td><td>");
    mamori_html_text(h, r->title);
    MAMORI_HTML(h, "</td><td>");
    int u = mamori_policy_find_unit(l->rq->pol, r->unit);
    mamori_html_text(h, u >= 0 && l->rq->ja && l->rq->pol->units[u].name.ja
                            ? l->rq->pol->units[u].name.ja
                            : r->unit);
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, state_title(l->rq, r->kind, r->state));
    MAMORI_HTML(h, "</td><td>");
    flags_html(l->rq, h, fl, nf);
    MAMORI_HTML(h, "</td></tr>");
    return 0;
}

static void
list_page(struct req *rq, struct mamori_store_person *me, const struct mamori_gov_kind *k)
{
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, rq->c->inst, rq->pol, rq->a);
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_array_begin(&j);
        struct list l = {rq, me, &w, NULL, &j, 0};
        pthread_mutex_lock(rq->c->lock);
        mamori_gov_iterate(rq->c->inst, rq->pol, k, NULL, NULL, list_row, &l);
        pthread_mutex_unlock(rq->c->lock);
        mamori_json_array_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    page_begin(rq, &h, kind_name(rq, k));
    MAMORI_HTML(&h, "<p><a href=\"/gov\">");
    mamori_html_text(&h, T(rq, "Governance"));
    MAMORI_HTML(&h, "</a> · <a id=\"new\" href=\"/gov/");
    mamori_html_url(&h, k->id);
    MAMORI_HTML(&h, "/new\">");
    mamori_html_text(&h, T(rq, "New"));
    MAMORI_HTML(&h, "</a></p><table id=\"records\"><tr><th>#</th><th>");
    mamori_html_text(&h, T(rq, "Title"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Unit"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "State"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Needing action"));
    MAMORI_HTML(&h, "</th></tr>");
    struct list l = {rq, me, &w, &h, NULL, 0};
    pthread_mutex_lock(rq->c->lock);
    mamori_gov_iterate(rq->c->inst, rq->pol, k, NULL, NULL, list_row, &l);
    pthread_mutex_unlock(rq->c->lock);
    MAMORI_HTML(&h, "</table>");
    page_end(rq, &h);
}

/* An input for a field: a text area for long text, a date input for dates, else text. */
static void
input(struct req *rq, struct mamori_html *h, const struct mamori_gov_field *f, const char *value)
{
    MAMORI_HTML(h, "<label>");
    mamori_html_text(h, rq->ja ? f->ja : f->en);
    if (f->flags & MAMORI_GOV_REQUIRED)
        MAMORI_HTML(h, " *");
    if (f->type == MAMORI_GOV_LONGTEXT) {
        MAMORI_HTML(h, "<textarea name=\"");
        mamori_html_text(h, f->key);
        MAMORI_HTML(h, "\">");
        mamori_html_text(h, value);
        MAMORI_HTML(h, "</textarea></label>");
        return;
    }
    MAMORI_HTML(h, "<input name=\"");
    mamori_html_text(h, f->key);
    if (f->type == MAMORI_GOV_DATE)
        MAMORI_HTML(h, "\" type=\"date\" value=\"");
    else
        MAMORI_HTML(h, "\" type=\"text\" value=\"");
    mamori_html_text(h, value);
    if (f->type == MAMORI_GOV_BOOL)
        MAMORI_HTML(h, "\" placeholder=\"yes / no");
    else if (f->type == MAMORI_GOV_ENUM) {
        MAMORI_HTML(h, "\" placeholder=\"");
        mamori_html_text(h, f->values);
    } else if (f->type == MAMORI_GOV_DATETIME)
        MAMORI_HTML(h, "\" placeholder=\"YYYY-MM-DD HH:MM");
    MAMORI_HTML(h, "\"></label>");
}

static int
step_row(void *ctx, const struct mamori_store_gov_step *s)
{
    struct list *l = ctx;
    struct mamori_html *h = l->h;
    const struct mamori_gov_kind *k = mamori_gov_kind_find(s->kind);
    char when[64];
    console_time(l->rq, s->at_us, when, sizeof(when));
    MAMORI_HTML(h, "<tr><td>");
    mamori_html_text(h, when);
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, s->actor);
    MAMORI_HTML(h, "</td><td>");
    const struct mamori_gov_step_def *d = k ? mamori_gov_step_find(k, s->action) : NULL;
    mamori_html_text(h, d ? (l->rq->ja ? d->ja : d->en) : s->action);
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, k ? state_title(l->rq, k, s->to_state) : s->to_state);
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, s->note);
    MAMORI_HTML(h, "</td></tr>");
    return 0;
}

static void
record_page(struct req *rq, struct mamori_store_person *me, const struct mamori_gov_kind *k,
            const char *id)
{
    struct mamori_gov_record r;
    pthread_mutex_lock(rq->c->lock);
    int rc = mamori_gov_get(rq->c->inst, k, id, rq->a, &r);
    pthread_mutex_unlock(rq->c->lock);
    if (rc < 0 || !sees(rq, &r, me)) {
        page_message(rq, MHD_HTTP_NOT_FOUND, T(rq, "Not found"),
                     T(rq, "There is no such record in your units."));
        return;
    }
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, rq->c->inst, rq->pol, rq->a);
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_gov_json(&w, &j, &r, true);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    page_begin(rq, &h, mamori_arena_printf(rq->a, "%s %s", r.id, r.title));
    MAMORI_HTML(&h, "<p><a href=\"/gov/");
    mamori_html_url(&h, k->id);
    MAMORI_HTML(&h, "\">");
    mamori_html_text(&h, kind_name(rq, k));
    MAMORI_HTML(&h, "</a> · <span id=\"state\">");
    mamori_html_text(&h, state_title(rq, k, r.state));
    MAMORI_HTML(&h, "</span></p>");
    const char *done = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "done");
    if (done)
        notice(&h, "ok", T(rq, "Recorded."));
    struct mamori_gov_flag fl[16];
    size_t nf = mamori_gov_flags(&w, &r, fl, 16);
    if (nf) {
        MAMORI_HTML(&h, "<p id=\"flags\">");
        flags_html(rq, &h, fl, nf);
        MAMORI_HTML(&h, "</p>");
    }
    MAMORI_HTML(&h, "<table id=\"fields\">");
    for (size_t i = 0; i < k->n_fields; i++) {
        if (!*r.v[i])
            continue;
        MAMORI_HTML(&h, "<tr><th>");
        mamori_html_text(&h, rq->ja ? k->fields[i].ja : k->fields[i].en);
        MAMORI_HTML(&h, "</th><td>");
        mamori_html_text(&h, r.v[i]);
        MAMORI_HTML(&h, "</td></tr>");
    }
    MAMORI_HTML(&h, "</table><h2>");
    mamori_html_text(&h, T(rq, "History"));
    MAMORI_HTML(&h, "</h2><table id=\"steps\">");
    struct list l = {rq, me, &w, &h, NULL, 0};
    pthread_mutex_lock(rq->c->lock);
    mamori_gov_steps(rq->c->inst, k, r.id, step_row, &l);
    pthread_mutex_unlock(rq->c->lock);
    MAMORI_HTML(&h, "</table>");
    /* a form for each step that applies now, with the fields it needs */
    for (size_t i = 0; i < k->n_steps; i++) {
        const struct mamori_gov_step_def *s = &k->steps[i];
        if (!mamori_gov_listed(s->from, r.state))
            continue;
        MAMORI_HTML(&h, "<form method=\"post\" class=\"step\" id=\"step-");
        mamori_html_text(&h, s->action);
        MAMORI_HTML(&h, "\" action=\"/gov/");
        mamori_html_url(&h, k->id);
        MAMORI_HTML(&h, "/");
        mamori_html_url(&h, r.id);
        MAMORI_HTML(&h, "/");
        mamori_html_url(&h, s->action);
        MAMORI_HTML(&h, "\">");
        csrf_field(rq, &h);
        for (size_t f = 0; f < k->n_fields; f++)
            if (mamori_gov_listed(s->needs, k->fields[f].key) &&
                !(k->fields[f].flags & MAMORI_GOV_DERIVED))
                input(rq, &h, &k->fields[f], r.v[f]);
        MAMORI_HTML(&h, "<input type=\"text\" name=\"note\" placeholder=\"");
        mamori_html_text(&h, T(rq, "note"));
        MAMORI_HTML(&h, "\"><button type=\"submit\">");
        mamori_html_text(&h, rq->ja ? s->ja : s->en);
        MAMORI_HTML(&h, "</button></form>");
    }
    page_end(rq, &h);
}

static void
new_page(struct req *rq, const struct mamori_gov_kind *k)
{
    struct mamori_html h;
    page_begin(rq, &h, kind_name(rq, k));
    MAMORI_HTML(&h, "<form method=\"post\" id=\"new-form\" action=\"/gov/");
    mamori_html_url(&h, k->id);
    MAMORI_HTML(&h, "/new\">");
    csrf_field(rq, &h);
    if (k->id_given) {
        struct mamori_gov_field idf = {
            "id", "番号", "id", MAMORI_GOV_TEXT, NULL, MAMORI_GOV_REQUIRED};
        input(rq, &h, &idf, "");
    }
    for (size_t f = 0; f < k->n_fields; f++)
        if (!(k->fields[f].flags & (MAMORI_GOV_DERIVED | MAMORI_GOV_STEP)))
            input(rq, &h, &k->fields[f], "");
    MAMORI_HTML(&h, "<button type=\"submit\">");
    mamori_html_text(&h, T(rq, "Register"));
    MAMORI_HTML(&h, "</button></form>");
    page_end(rq, &h);
}

static void
refused(struct req *rq, int r, const char *why, const struct mamori_gov_problems *pr)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 16);
    for (size_t i = 0; i < pr->n; i++)
        mamori_buf_printf(&b, "%s%s%s%s", i ? " / " : "", pr->v[i].field ? pr->v[i].field : "",
                          pr->v[i].field ? ": " : "", pr->v[i].msg);
    const char *text = r == MAMORI_E_INVALID && b.data ? b.data
                       : r == MAMORI_E_DENIED && why && strcmp(why, "self-approval") == 0
                           ? T(rq, "You may not decide your own request (兼務の禁止).")
                       : r == MAMORI_E_DENIED && why && strcmp(why, "outside-unit") == 0
                           ? T(rq, "The record belongs to a unit you do not answer for.")
                       : r == MAMORI_E_DENIED
                           ? T(rq, "Your role may not take this step: the policy names another.")
                       : r == -ENOENT ? T(rq, "There is no such record in your units.")
                                      : T(rq, "Nothing was changed.");
    if (rq->api) {
        rq->status = r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN
                     : r == -ENOENT       ? MHD_HTTP_NOT_FOUND
                                          : MHD_HTTP_UNPROCESSABLE_CONTENT;
        rq->ctype = "application/json";
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "error", text);
        if (why)
            mamori_json_kv_string(&j, "reason", why);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
    } else {
        page_message(rq,
                     r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN
                     : r == -ENOENT       ? MHD_HTTP_NOT_FOUND
                                          : MHD_HTTP_UNPROCESSABLE_CONTENT,
                     T(rq, "Refused"), text);
    }
    mamori_buf_done(&b);
}

/* The form's fields as key=value pairs of the kind (empty ones left out). */
static size_t
form_pairs(struct req *rq, const struct mamori_gov_kind *k, struct mamori_gov_kv *kv, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < rq->form.n && n < max; i++)
        if (mamori_gov_field_find(k, rq->form.name[i]) >= 0 && *rq->form.value[i])
            kv[n++] = (struct mamori_gov_kv){rq->form.name[i], rq->form.value[i]};
    return n;
}

static void
post(struct req *rq, struct mamori_store_person *me, const struct mamori_gov_kind *k,
     const char *id, const char *action)
{
    struct mamori_gov_kv kv[MAMORI_FORM_MAX_FIELDS];
    size_t n = form_pairs(rq, k, kv, MAMORI_FORM_MAX_FIELDS);
    struct mamori_gov_problems pr = {0};
    const char *why = NULL, *state = NULL, *new_id = NULL;
    int r;
    pthread_mutex_lock(rq->c->lock);
    if (!action) {
        const char *given = mamori_form_get(&rq->form, "id");
        r = mamori_gov_add(rq->c->inst, rq->pol, me, k, given, kv, n, NULL, rq->a, &new_id, &why,
                           &pr);
    } else {
        const char *note = mamori_form_get(&rq->form, "note");
        r = mamori_gov_act(rq->c->inst, rq->pol, me, k, id, action, kv, n, note, NULL, rq->a,
                           &state, &why, &pr);
    }
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        refused(rq, r, why, &pr);
        return;
    }
    const char *target = action ? id : new_id;
    if (rq->api) {
        rq->ctype = "application/json";
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "id", target);
        mamori_json_kv_string(&j, "state", state ? state : k->states[0].id);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        return;
    }
    rq->status = MHD_HTTP_SEE_OTHER;
    rq->location = mamori_arena_printf(rq->a, "/gov/%s/%s?done=1", k->id, target);
}

bool
gov_route(struct req *rq)
{
    if (rq->face != 'l')
        return false;
    const char *u = rq->url;
    if (rq->api)
        u += strlen("/api/v1") * (strncmp(u, "/api/v1/", 8) == 0);
    if (strcmp(u, "/gov") != 0 && strncmp(u, "/gov/", 5) != 0)
        return false;
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return true;
    }
    if (strcmp(u, "/gov/act-as") == 0 && rq->post) {
        act_as(rq, &me);
        return true;
    }
    /* In the registers the person acts in the role chosen, while they still hold it. */
    if (rq->sess.acting[0]) {
        pthread_mutex_lock(rq->c->lock);
        int r = mamori_gov_act_in(rq->c->inst, rq->sess.acting, rq->a, &me);
        pthread_mutex_unlock(rq->c->lock);
        if (r < 0) {
            rq->sess.acting[0] = '\0';
            mamori_sessions_put(rq->c->sessions, &rq->sess);
        }
    }
    if (strcmp(u, "/gov") == 0) {
        if (rq->post)
            return false;
        overview(rq, &me);
        return true;
    }
    /* /gov/KIND[/ID[/ACTION]] */
    char *parts[3] = {NULL, NULL, NULL};
    char *path = mamori_arena_strdup(rq->a, u + 5);
    size_t np = 0;
    for (char *save = NULL, *t = path ? strtok_r(path, "/", &save) : NULL; t && np < 3;
         t = strtok_r(NULL, "/", &save))
        parts[np++] = t;
    if (np == 1 && strcmp(parts[0], "org") == 0 && !rq->post) {
        org_page(rq);
        return true;
    }
    const struct mamori_gov_kind *k = np ? mamori_gov_kind_find(parts[0]) : NULL;
    if (!k)
        return false;
    if (!rq->post) {
        if (np == 1)
            list_page(rq, &me, k);
        else if (np == 2 && strcmp(parts[1], "new") == 0)
            new_page(rq, k);
        else if (np == 2)
            record_page(rq, &me, k, parts[1]);
        else
            return false;
        return true;
    }
    if (np == 2 && strcmp(parts[1], "new") == 0)
        post(rq, &me, k, NULL, NULL);
    else if (np == 3)
        post(rq, &me, k, parts[1], parts[2]);
    else
        return false;
    return true;
}
