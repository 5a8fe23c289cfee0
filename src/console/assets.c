/*
 * 情報資産台帳 in the console (docs/console.md): the register with search, filters and pages,
 * one asset with its history, events and risks, a lifecycle event requested from its page, the
 * risk register, and the events waiting for the person's decision as a section of the
 * approvals page. Rules and records are the asset module's (mamori/asset.h).
 *
 * Who sees what: the CISO, 統括, auditors, CSIRT and the committee see every unit; everyone
 * else sees the assets of their unit and the units below it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mamori/asset.h"

#define ASSET_ROWS 50 /* rows per page of the register */

static bool
sees_all(const char *role)
{
    static const char *const all[] = {"ciso", "general_manager", "auditor", "csirt", "committee"};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(all); i++)
        if (strcmp(role, all[i]) == 0)
            return true;
    return false;
}

/* May the person see assets of unit? */
static bool
sees_unit(struct req *rq, const char *unit)
{
    if (sees_all(rq->sess.role))
        return true;
    int mine = mamori_policy_find_unit(rq->pol, rq->sess.unit);
    int u = mamori_policy_find_unit(rq->pol, unit);
    return mine >= 0 && u >= 0 && mamori_unit_within(rq->pol, u, mine);
}

static const char *
arg(struct req *rq, const char *name)
{
    const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
    return v && *v && strlen(v) <= 200 ? v : NULL;
}

static void
type_text(struct req *rq, struct mamori_html *h, const char *type)
{
    int t = mamori_asset_type_find(type);
    mamori_html_text(h, t >= 0 ? (rq->ja ? mamori_asset_types[t].ja : mamori_asset_types[t].en)
                               : type);
}

static const char *
field_title(struct req *rq, int f)
{
    return rq->ja ? mamori_asset_field_names[f].ja : mamori_asset_field_names[f].en;
}

/* ---- the register ----------------------------------------------------------------------- */

struct page_rows {
    struct req *rq;
    struct mamori_store_asset *rows;
    size_t n;
};

static int
keep_row(void *ctx, const struct mamori_store_asset *a)
{
    struct page_rows *pr = ctx;
    struct mamori_store_asset *d = &pr->rows[pr->n];
    *d = *a;
    for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
        if (!(d->f[f] = mamori_arena_strdup(pr->rq->a, a->f[f])))
            return -ENOMEM;
    pr->n++;
    return 0;
}

static void
asset_json(struct req *rq, struct mamori_json *j, const struct mamori_store_asset *a)
{
    mamori_json_object_begin(j);
    for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
        mamori_json_kv_string(j, mamori_asset_field_names[f].key, a->f[f]);
    char label[128];
    mamori_asset_label(rq->pol, a, true, label, sizeof(label));
    mamori_json_kv_string(j, "label", label);
    mamori_json_object_end(j);
}

static void
select_option(struct mamori_html *h, const char *value, const char *text, const char *selected)
{
    MAMORI_HTML(h, "<option value=\"");
    mamori_html_text(h, value);
    MAMORI_HTML(h, "\"");
    if (selected && strcmp(selected, value) == 0)
        MAMORI_HTML(h, " selected");
    MAMORI_HTML(h, ">");
    mamori_html_text(h, text);
    MAMORI_HTML(h, "</option>");
}

static void
register_page(struct req *rq)
{
    const char *q = arg(rq, "q"), *unit = arg(rq, "unit"), *zone = arg(rq, "zone"),
               *conf = arg(rq, "conf"), *type = arg(rq, "type"), *overdue = arg(rq, "overdue");
    const char *pg = arg(rq, "page");
    int64_t page = pg ? strtoll(pg, NULL, 10) : 0;
    if (page < 0 || page > 100000)
        page = 0;
    struct mamori_store_asset_filter f = {
        .q = q, .zone = zone, .conf = conf, .type = type, .state = "active"};
    char today[16];
    mamori_date_format(mamori_today(), today);
    if (overdue)
        f.review_before = today;
    /* the person's own scope, narrowed by the unit asked for */
    const char *scope = sees_all(rq->sess.role) ? NULL : rq->sess.unit;
    const char *units_of = unit ? unit : scope;
    /* a unit outside the person's own lists nothing (not everything they may see) */
    if (units_of && (!sees_unit(rq, units_of) ||
                     mamori_asset_units_below(rq->pol, units_of, rq->a, &f.units) < 0))
        f.units = ",";
    struct page_rows pr = {rq, mamori_arena_calloc(rq->a, ASSET_ROWS, sizeof(*pr.rows)), 0};
    if (!pr.rows)
        return;
    int64_t total = 0;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_asset_query(rq->c->inst->store, &f, page * ASSET_ROWS, ASSET_ROWS,
                                     keep_row, &pr, &total);
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Information assets"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_int(&j, "total", total);
        mamori_json_kv_int(&j, "page", page);
        mamori_json_key(&j, "assets");
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < pr.n; i++)
            asset_json(rq, &j, &pr.rows[i]);
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    page_begin(rq, &h, T(rq, "Information assets"));
    MAMORI_HTML(&h, "<p><a href=\"/risks\">");
    mamori_html_text(&h, T(rq, "Risk register"));
    MAMORI_HTML(&h, "</a></p><form method=\"get\" action=\"/assets\" class=\"filters\" "
                    "id=\"asset-filters\"><input type=\"search\" name=\"q\" placeholder=\"");
    mamori_html_text(&h, T(rq, "number, name, manager, place"));
    MAMORI_HTML(&h, "\" value=\"");
    mamori_html_text(&h, q ? q : "");
    MAMORI_HTML(&h, "\"><select name=\"unit\"><option value=\"\">");
    mamori_html_text(&h, T(rq, "all units"));
    MAMORI_HTML(&h, "</option>");
    for (size_t i = 0; i < rq->pol->n_units; i++)
        if (sees_unit(rq, rq->pol->units[i].id))
            select_option(&h, rq->pol->units[i].id,
                          mamori_unit_title(rq->pol, rq->pol->units[i].id, rq->ja), unit);
    MAMORI_HTML(&h, "</select><select name=\"zone\"><option value=\"\">");
    mamori_html_text(&h, T(rq, "all zones"));
    MAMORI_HTML(&h, "</option>");
    for (size_t i = 0; i < rq->pol->n_zones; i++) {
        const struct mamori_zone *z = &rq->pol->zones[i];
        const char *name = z->name.ja || z->name.en ? mamori_text_get(&z->name, rq->ja)
                                                    : mamori_zone_kind_name(z->kind, rq->ja);
        select_option(&h, z->id, name, zone);
    }
    MAMORI_HTML(&h, "</select><select name=\"conf\"><option value=\"\">");
    mamori_html_text(&h, T(rq, "all levels"));
    MAMORI_HTML(&h, "</option>");
    const struct mamori_axis *cax = &rq->pol->classification.axes[MAMORI_AXIS_CONFIDENTIALITY];
    for (size_t i = 0; i < cax->n_levels; i++)
        select_option(&h, cax->levels[i].id, mamori_text_get(&cax->levels[i].name, rq->ja), conf);
    MAMORI_HTML(&h, "</select><select name=\"type\"><option value=\"\">");
    mamori_html_text(&h, T(rq, "all types"));
    MAMORI_HTML(&h, "</option>");
    for (size_t i = 0; i < mamori_n_asset_types; i++)
        select_option(&h, mamori_asset_types[i].id,
                      rq->ja ? mamori_asset_types[i].ja : mamori_asset_types[i].en, type);
    MAMORI_HTML(&h, "</select><label><input type=\"checkbox\" name=\"overdue\" value=\"1\"");
    if (overdue)
        MAMORI_HTML(&h, " checked");
    MAMORI_HTML(&h, "> ");
    mamori_html_text(&h, T(rq, "review overdue"));
    MAMORI_HTML(&h, "</label><button type=\"submit\">");
    mamori_html_text(&h, T(rq, "Search"));
    MAMORI_HTML(&h, "</button></form><p id=\"asset-total\">");
    mamori_html_int(&h, total);
    MAMORI_HTML(&h, " ");
    mamori_html_text(&h, T(rq, "assets"));
    MAMORI_HTML(&h, "</p><table id=\"assets\"><tr><th>");
    mamori_html_text(&h, field_title(rq, MAMORI_ASSET_ID));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, field_title(rq, MAMORI_ASSET_NAME));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, field_title(rq, MAMORI_ASSET_TYPE));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, field_title(rq, MAMORI_ASSET_UNIT));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Classification"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, field_title(rq, MAMORI_ASSET_REVIEW_DUE));
    MAMORI_HTML(&h, "</th></tr>");
    for (size_t i = 0; i < pr.n; i++) {
        const struct mamori_store_asset *a = &pr.rows[i];
        MAMORI_HTML(&h, "<tr><td><a href=\"/assets/a/");
        mamori_html_url(&h, a->f[MAMORI_ASSET_ID]);
        MAMORI_HTML(&h, "\">");
        mamori_html_text(&h, a->f[MAMORI_ASSET_ID]);
        MAMORI_HTML(&h, "</a></td><td>");
        mamori_html_text(&h, a->f[MAMORI_ASSET_NAME]);
        MAMORI_HTML(&h, "</td><td>");
        type_text(rq, &h, a->f[MAMORI_ASSET_TYPE]);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, mamori_unit_title(rq->pol, a->f[MAMORI_ASSET_UNIT], rq->ja));
        MAMORI_HTML(&h, "</td><td class=\"label\">");
        char label[128];
        mamori_asset_label(rq->pol, a, rq->ja, label, sizeof(label));
        mamori_html_text(&h, label);
        bool late =
            *a->f[MAMORI_ASSET_REVIEW_DUE] && strcmp(a->f[MAMORI_ASSET_REVIEW_DUE], today) < 0;
        if (late)
            MAMORI_HTML(&h, "</td><td class=\"overdue\">");
        else
            MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, a->f[MAMORI_ASSET_REVIEW_DUE]);
        MAMORI_HTML(&h, "</td></tr>");
    }
    MAMORI_HTML(&h, "</table><p class=\"pager\">");
    /* the same filters on the previous and next pages */
    for (int dir = -1; dir <= 1; dir += 2) {
        int64_t to = page + dir;
        if (to < 0 || to * ASSET_ROWS >= total)
            continue;
        MAMORI_HTML(&h, "<a href=\"/assets?page=");
        mamori_html_int(&h, to);
        const char *keys[] = {"q", "unit", "zone", "conf", "type", "overdue"};
        const char *vals[] = {q, unit, zone, conf, type, overdue};
        for (size_t k = 0; k < MAMORI_ARRAY_SIZE(keys); k++)
            if (vals[k]) {
                MAMORI_HTML(&h, "&amp;");
                mamori_html_text(&h, keys[k]);
                MAMORI_HTML(&h, "=");
                mamori_html_url(&h, vals[k]);
            }
        if (dir < 0)
            MAMORI_HTML(&h, "\" rel=\"prev\">");
        else
            MAMORI_HTML(&h, "\" rel=\"next\">");
        mamori_html_text(&h, dir < 0 ? T(rq, "Previous") : T(rq, "Next"));
        MAMORI_HTML(&h, "</a> ");
    }
    MAMORI_HTML(&h, "</p>");
    page_end(rq, &h);
}

/* ---- one asset -------------------------------------------------------------------------- */

struct detail {
    struct req *rq;
    struct mamori_buf *hist;
    struct mamori_store_asset_class *cls;
    size_t n_cls, cap_cls;
    struct mamori_store_asset_event *ev;
    size_t n_ev, cap_ev;
    struct mamori_store_risk *rk;
    size_t n_rk, cap_rk;
};

#define GROW(arr, n, cap, a)                                                                       \
    ({                                                                                             \
        int ok_ = 1;                                                                               \
        if ((n) == (cap)) {                                                                        \
            size_t nc_ = (cap) ? (cap)*2 : 16;                                                     \
            void *nv_ = mamori_arena_alloc((a), nc_ * sizeof(*(arr)));                             \
            if (!nv_)                                                                              \
                ok_ = 0;                                                                           \
            else {                                                                                 \
                if (n)                                                                             \
                    memcpy(nv_, (arr), (n) * sizeof(*(arr)));                                      \
                (arr) = nv_;                                                                       \
                (cap) = nc_;                                                                       \
            }                                                                                      \
        }                                                                                          \
        ok_;                                                                                       \
    })

static const char *
keep_str(struct req *rq, const char *s)
{
    return mamori_arena_strdup(rq->a, s ? s : "");
}

static int
keep_class(void *ctx, const struct mamori_store_asset_class *c)
{
    struct detail *d = ctx;
    if (!GROW(d->cls, d->n_cls, d->cap_cls, d->rq->a))
        return -ENOMEM;
    struct mamori_store_asset_class *x = &d->cls[d->n_cls++];
    *x = *c;
    x->by = keep_str(d->rq, c->by);
    x->reason = keep_str(d->rq, c->reason);
    x->parts = keep_str(d->rq, c->parts);
    for (int i = 0; i < 3; i++)
        x->level[i] = keep_str(d->rq, c->level[i]);
    return 0;
}

static int
keep_event(void *ctx, const struct mamori_store_asset_event *e)
{
    struct detail *d = ctx;
    if (!GROW(d->ev, d->n_ev, d->cap_ev, d->rq->a))
        return -ENOMEM;
    struct mamori_store_asset_event *x = &d->ev[d->n_ev++];
    *x = *e;
    const char **s[] = {&x->asset, &x->kind,   &x->requester, &x->state,      &x->purpose,
                        &x->date,  &x->person, &x->method,    &x->decided_by, &x->note};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(s); i++)
        *s[i] = keep_str(d->rq, *s[i]);
    return 0;
}

static int
keep_risk(void *ctx, const struct mamori_store_risk *k)
{
    struct detail *d = ctx;
    if (!GROW(d->rk, d->n_rk, d->cap_rk, d->rq->a))
        return -ENOMEM;
    struct mamori_store_risk *x = &d->rk[d->n_rk++];
    *x = *k;
    const char **s[] = {&x->asset,      &x->threat,      &x->treatment,    &x->controls,
                        &x->state,      &x->accepted_by, &x->accept_until, &x->review_due,
                        &x->created_by, &x->note};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(s); i++)
        *s[i] = keep_str(d->rq, *s[i]);
    return 0;
}

static void
event_row(struct req *rq, struct mamori_html *h, const struct mamori_store_asset_event *e,
          bool decide)
{
    char when[64];
    int k = mamori_asset_event_find(e->kind);
    MAMORI_HTML(h, "<tr><td class=\"num\">");
    mamori_html_int(h, e->id);
    MAMORI_HTML(h, "</td><td>");
    console_time(rq, e->created_us, when, sizeof(when));
    mamori_html_text(h, when);
    if (decide) {
        MAMORI_HTML(h, "</td><td><a href=\"/assets/a/");
        mamori_html_url(h, e->asset);
        MAMORI_HTML(h, "\">");
        mamori_html_text(h, e->asset);
        MAMORI_HTML(h, "</a>");
    }
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, k >= 0 ? mamori_asset_event_name(k, rq->ja) : e->kind);
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, e->requester);
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, e->purpose);
    if (*e->method || *e->person || *e->date) {
        MAMORI_HTML(h, "<br><span class=\"small\">");
        mamori_html_text(h, e->date);
        MAMORI_HTML(h, " ");
        mamori_html_text(h, e->person);
        MAMORI_HTML(h, " ");
        mamori_html_text(h, e->method);
        MAMORI_HTML(h, "</span>");
    }
    MAMORI_HTML(h, "</td><td class=\"state\">");
    mamori_html_text(h, console_state_title(rq, e->state));
    if (*e->decided_by && strcmp(e->state, "recorded") != 0) {
        MAMORI_HTML(h, " (");
        mamori_html_text(h, e->decided_by);
        MAMORI_HTML(h, ")");
    }
    if (*e->note) {
        MAMORI_HTML(h, "<br><span class=\"small\">");
        mamori_html_text(h, e->note);
        MAMORI_HTML(h, "</span>");
    }
    MAMORI_HTML(h, "</td>");
    if (decide) {
        MAMORI_HTML(h, "<td><form class=\"inline\" method=\"post\" action=\"/asset-events/");
        mamori_html_int(h, e->id);
        MAMORI_HTML(h, "/approve\">");
        csrf_field(rq, h);
        MAMORI_HTML(h, "<button type=\"submit\">");
        mamori_html_text(h, T(rq, "Approve"));
        MAMORI_HTML(h, "</button></form> <form class=\"inline\" method=\"post\" "
                       "action=\"/asset-events/");
        mamori_html_int(h, e->id);
        MAMORI_HTML(h, "/deny\">");
        csrf_field(rq, h);
        MAMORI_HTML(h, "<input type=\"text\" name=\"reason\" required placeholder=\"");
        mamori_html_text(h, T(rq, "reason for denying"));
        MAMORI_HTML(h, "\"><button type=\"submit\">");
        mamori_html_text(h, T(rq, "Deny"));
        MAMORI_HTML(h, "</button></form></td>");
    }
    MAMORI_HTML(h, "</tr>");
}

static void
risk_rows(struct req *rq, struct mamori_html *h, const struct mamori_store_risk *rk, size_t n,
          bool with_asset)
{
    MAMORI_HTML(h, "<table id=\"risks\"><tr><th>#</th>");
    if (with_asset) {
        MAMORI_HTML(h, "<th>");
        mamori_html_text(h, T(rq, "Asset"));
        MAMORI_HTML(h, "</th>");
    }
    MAMORI_HTML(h, "<th>");
    mamori_html_text(h, T(rq, "Threat"));
    MAMORI_HTML(h, "</th><th>");
    mamori_html_text(h, T(rq, "Likelihood × impact"));
    MAMORI_HTML(h, "</th><th>");
    mamori_html_text(h, T(rq, "Treatment"));
    MAMORI_HTML(h, "</th><th>");
    mamori_html_text(h, T(rq, "State"));
    MAMORI_HTML(h, "</th><th>");
    mamori_html_text(h, T(rq, "Review"));
    MAMORI_HTML(h, "</th></tr>");
    static const char *const bands[][2] = {
        {"low", N_("low")}, {"medium", N_("medium")}, {"high", N_("high")}};
    static const char *const treatments[][2] = {{"reduce", N_("reduce")},
                                                {"accept", N_("accept")},
                                                {"transfer", N_("transfer")},
                                                {"avoid", N_("avoid")}};
    for (size_t i = 0; i < n; i++) {
        const struct mamori_store_risk *k = &rk[i];
        int t = mamori_policy_find_threat(rq->pol, k->threat);
        MAMORI_HTML(h, "<tr><td class=\"num\">");
        mamori_html_int(h, k->id);
        MAMORI_HTML(h, "</td>");
        if (with_asset) {
            MAMORI_HTML(h, "<td><a href=\"/assets/a/");
            mamori_html_url(h, k->asset);
            MAMORI_HTML(h, "\">");
            mamori_html_text(h, k->asset);
            MAMORI_HTML(h, "</a></td>");
        }
        MAMORI_HTML(h, "<td>");
        mamori_html_text(h,
                         t >= 0 ? mamori_text_get(&rq->pol->threats[t].name, rq->ja) : k->threat);
        MAMORI_HTML(h, "</td><td class=\"risk-");
        const char *band = mamori_risk_band(k->level);
        mamori_html_text(h, band);
        MAMORI_HTML(h, "\">");
        mamori_html_int(h, k->likelihood);
        MAMORI_HTML(h, " × ");
        mamori_html_int(h, k->impact);
        MAMORI_HTML(h, " = ");
        mamori_html_int(h, k->level);
        MAMORI_HTML(h, " (");
        for (size_t b = 0; b < 3; b++)
            if (strcmp(bands[b][0], band) == 0)
                mamori_html_text(h, T(rq, bands[b][1]));
        MAMORI_HTML(h, ")</td><td>");
        for (size_t b = 0; b < 4; b++)
            if (strcmp(treatments[b][0], k->treatment) == 0)
                mamori_html_text(h, T(rq, treatments[b][1]));
        if (*k->controls) {
            MAMORI_HTML(h, "<br><span class=\"small\">");
            mamori_html_text(h, k->controls);
            MAMORI_HTML(h, "</span>");
        }
        MAMORI_HTML(h, "</td><td>");
        mamori_html_text(h, strcmp(k->state, "accepted") == 0 ? T(rq, "accepted") : T(rq, "open"));
        if (*k->accepted_by) {
            MAMORI_HTML(h, " (");
            mamori_html_text(h, k->accepted_by);
            MAMORI_HTML(h, " → ");
            mamori_html_text(h, k->accept_until);
            MAMORI_HTML(h, ")");
            char today[16];
            mamori_date_format(mamori_today(), today);
            if (strcmp(k->accept_until, today) < 0) {
                MAMORI_HTML(h, " <strong class=\"overdue\">");
                mamori_html_text(h, T(rq, "acceptance expired: review"));
                MAMORI_HTML(h, "</strong>");
            }
        }
        MAMORI_HTML(h, "</td><td>");
        mamori_html_text(h, k->review_due);
        MAMORI_HTML(h, "</td></tr>");
    }
    MAMORI_HTML(h, "</table>");
}

static void
asset_page(struct req *rq, const char *id)
{
    struct mamori_store_asset as = {0};
    struct detail d = {.rq = rq};
    pthread_mutex_lock(rq->c->lock);
    struct mamori_store *s = rq->c->inst->store;
    int r = mamori_store_begin_read(s);
    if (r == 0)
        r = mamori_store_asset_get(s, id, rq->a, &as);
    if (r == 0)
        r = mamori_store_asset_class_iterate(s, id, keep_class, &d);
    if (r == 0)
        r = mamori_store_asset_event_iterate(s, id, NULL, keep_event, &d);
    if (r == 0)
        r = mamori_store_risk_iterate(s, id, keep_risk, &d);
    mamori_store_rollback(s);
    pthread_mutex_unlock(rq->c->lock);
    if (r == -ENOENT || (r == 0 && !sees_unit(rq, as.f[MAMORI_ASSET_UNIT]))) {
        page_message(rq, MHD_HTTP_NOT_FOUND, T(rq, "Information assets"),
                     T(rq, "There is no such asset in your units."));
        return;
    }
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Information assets"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_object_begin(&j);
        mamori_json_key(&j, "asset");
        asset_json(rq, &j, &as);
        mamori_json_kv_int(&j, "history", (int64_t)d.n_cls);
        mamori_json_kv_int(&j, "events", (int64_t)d.n_ev);
        mamori_json_kv_int(&j, "risks", (int64_t)d.n_rk);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    char title[256], label[128], when[64];
    snprintf(title, sizeof(title), "%s %s", as.f[MAMORI_ASSET_ID], as.f[MAMORI_ASSET_NAME]);
    page_begin(rq, &h, title);
    const char *done = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "done");
    if (done)
        notice(&h, "ok",
               strcmp(done, "requested") == 0
                   ? T(rq, "Your request was recorded and waits for approval.")
                   : T(rq, "The event was recorded."));
    mamori_asset_label(rq->pol, &as, rq->ja, label, sizeof(label));
    MAMORI_HTML(&h, "<p class=\"asset-label\" id=\"asset-label\">");
    mamori_html_text(&h, label);
    MAMORI_HTML(&h, "</p><table id=\"asset-fields\" class=\"fields\">");
    for (int f = 1; f < MAMORI_ASSET_FIELD_MAX; f++) {
        const char *v = as.f[f];
        if (!v || !*v)
            continue;
        MAMORI_HTML(&h, "<tr><th>");
        mamori_html_text(&h, field_title(rq, f));
        MAMORI_HTML(&h, "</th><td>");
        if (f == MAMORI_ASSET_TYPE)
            type_text(rq, &h, v);
        else if (f == MAMORI_ASSET_UNIT)
            mamori_html_text(&h, mamori_unit_title(rq->pol, v, rq->ja));
        else if (f == MAMORI_ASSET_STATE)
            mamori_html_text(&h, strcmp(v, "disposed") == 0 ? T(rq, "disposed") : T(rq, "in use"));
        else
            mamori_html_text(&h, v);
        MAMORI_HTML(&h, "</td></tr>");
    }
    MAMORI_HTML(&h, "</table><h2>");
    mamori_html_text(&h, T(rq, "Handling restrictions"));
    MAMORI_HTML(&h, "</h2><ul id=\"restrictions\">");
    const char *ids[64];
    size_t n = mamori_asset_restrictions(rq->pol, &as, ids, MAMORI_ARRAY_SIZE(ids));
    for (size_t i = 0; i < n; i++) {
        int k = mamori_policy_find_restriction(rq->pol, ids[i]);
        MAMORI_HTML(&h, "<li>");
        mamori_html_text(&h,
                         k >= 0 ? mamori_text_get(&rq->pol->restrictions[k].name, rq->ja) : ids[i]);
        MAMORI_HTML(&h, "</li>");
    }
    MAMORI_HTML(&h, "</ul><h2>");
    mamori_html_text(&h, T(rq, "Classification history"));
    MAMORI_HTML(&h, "</h2><table id=\"history\"><tr><th>");
    mamori_html_text(&h, T(rq, "When"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "By"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Classification"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Reason"));
    MAMORI_HTML(&h, "</th></tr>");
    for (size_t i = 0; i < d.n_cls; i++) {
        const struct mamori_store_asset_class *c = &d.cls[i];
        struct mamori_store_asset tmp = {0};
        for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
            tmp.f[f] = "";
        for (int ax = 0; ax < 3; ax++)
            tmp.f[MAMORI_ASSET_CONF + ax] = c->level[ax];
        mamori_asset_label(rq->pol, &tmp, rq->ja, label, sizeof(label));
        console_time(rq, c->at_us, when, sizeof(when));
        MAMORI_HTML(&h, "<tr><td>");
        mamori_html_text(&h, when);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, c->by);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, label);
        MAMORI_HTML(&h, "</td><td>");
        /* the register's own words for where a classification came from */
        mamori_html_text(&h, strcmp(c->reason, "registered") == 0 ? T(rq, "registered")
                             : strcmp(c->reason, "import") == 0   ? T(rq, "imported from a 台帳")
                                                                  : c->reason);
        MAMORI_HTML(&h, "</td></tr>");
    }
    MAMORI_HTML(&h, "</table><h2>");
    mamori_html_text(&h, T(rq, "Lifecycle events"));
    MAMORI_HTML(&h, "</h2><table id=\"events\"><tr><th>#</th><th>");
    mamori_html_text(&h, T(rq, "When"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Event"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Requested by"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Purpose"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "State"));
    MAMORI_HTML(&h, "</th></tr>");
    for (size_t i = 0; i < d.n_ev; i++)
        event_row(rq, &h, &d.ev[i], false);
    MAMORI_HTML(&h, "</table>");
    if (strcmp(as.f[MAMORI_ASSET_STATE], "disposed") != 0) {
        MAMORI_HTML(&h, "<h3>");
        mamori_html_text(&h, T(rq, "Record an event or ask for permission"));
        MAMORI_HTML(&h, "</h3><form method=\"post\" id=\"event-form\" action=\"/assets/a/");
        mamori_html_url(&h, as.f[MAMORI_ASSET_ID]);
        MAMORI_HTML(&h, "/event\">");
        csrf_field(rq, &h);
        MAMORI_HTML(&h, "<select name=\"kind\">");
        for (int k = 0; k < MAMORI_EVENT_MAX; k++)
            select_option(&h, mamori_asset_event_id(k), mamori_asset_event_name(k, rq->ja), NULL);
        MAMORI_HTML(&h, "</select><input type=\"text\" name=\"purpose\" placeholder=\"");
        mamori_html_text(&h, T(rq, "purpose, destination"));
        MAMORI_HTML(&h, "\"><input type=\"date\" name=\"date\"><input type=\"text\" "
                        "name=\"person\" placeholder=\"");
        mamori_html_text(&h, T(rq, "person"));
        MAMORI_HTML(&h, "\"><input type=\"text\" name=\"method\" placeholder=\"");
        mamori_html_text(&h, T(rq, "method (disposal)"));
        MAMORI_HTML(&h, "\"><button type=\"submit\">");
        mamori_html_text(&h, T(rq, "Record or request"));
        MAMORI_HTML(&h, "</button></form>");
    }
    MAMORI_HTML(&h, "<h2>");
    mamori_html_text(&h, T(rq, "Risks"));
    MAMORI_HTML(&h, "</h2>");
    risk_rows(rq, &h, d.rk, d.n_rk, false);
    page_end(rq, &h);
}

static void
event_post(struct req *rq, const char *id)
{
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return;
    }
    const char *kind = mamori_form_get(&rq->form, "kind");
    struct mamori_store_asset_event e = {
        .asset = id,
        .kind = kind ? kind : "",
        .purpose = mamori_form_get(&rq->form, "purpose"),
        .date = mamori_form_get(&rq->form, "date"),
        .person = mamori_form_get(&rq->form, "person"),
        .method = mamori_form_get(&rq->form, "method"),
    };
    const char **opt[] = {&e.purpose, &e.date, &e.person, &e.method};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(opt); i++)
        if (!*opt[i])
            *opt[i] = "";
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, rq->a, 20);
    int64_t eid = 0;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_asset_event(rq->c->inst, rq->pol, &me, &e, &eid, &pr);
    pthread_mutex_unlock(rq->c->lock);
    if (r == 0) {
        if (rq->api) {
            mamori_buf_printf(&rq->out, "{\"event\":%lld,\"state\":\"%s\"}\n", (long long)eid,
                              e.state);
            rq->ctype = "application/json";
            return;
        }
        rq->status = MHD_HTTP_SEE_OTHER;
        rq->location = mamori_arena_printf(rq->a, "/assets/a/%s?done=%s", id, e.state);
        return;
    }
    if (r == MAMORI_E_INVALID) {
        struct mamori_buf b;
        mamori_buf_init(&b, 1 << 16);
        for (size_t i = 0; i < pr.n; i++)
            mamori_buf_printf(&b, "%s%s%s%s", i ? " / " : "", pr.v[i].column ? pr.v[i].column : "",
                              pr.v[i].column ? ": " : "", pr.v[i].message);
        page_message(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, T(rq, "Refused"),
                     b.data ? b.data : T(rq, "The event is not complete."));
        mamori_buf_done(&b);
        return;
    }
    page_message(rq,
                 r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN
                 : r == -ENOENT       ? MHD_HTTP_NOT_FOUND
                                      : MHD_HTTP_SERVICE_UNAVAILABLE,
                 T(rq, "Refused"),
                 r == MAMORI_E_DENIED ? T(rq, "Only persons of the unit that owns the asset may "
                                              "record its events.")
                 : r == -ENOENT       ? T(rq, "There is no such asset in your units.")
                                      : T(rq, "The event could not be recorded; nothing was "
                                                    "changed."));
}

static void
event_decide(struct req *rq, int64_t id, bool approve)
{
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return;
    }
    const char *note = mamori_form_get(&rq->form, "reason");
    if (!approve && (!note || !*note)) {
        page_message(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, T(rq, "Refused"),
                     T(rq, "A denial says why."));
        return;
    }
    const char *why = "";
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_asset_event_decide(rq->c->inst, rq->pol, &me, id, approve, note, &why);
    pthread_mutex_unlock(rq->c->lock);
    if (r == 0) {
        if (rq->api) {
            mamori_buf_printf(&rq->out, "{\"event\":%lld,\"state\":\"%s\"}\n", (long long)id,
                              approve ? "approved" : "denied");
            rq->ctype = "application/json";
            return;
        }
        rq->status = MHD_HTTP_SEE_OTHER;
        rq->location = "/approvals?done=1";
        return;
    }
    page_message(rq,
                 r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN
                 : r == -ENOENT       ? MHD_HTTP_NOT_FOUND
                                      : MHD_HTTP_CONFLICT,
                 T(rq, "Refused"),
                 r == MAMORI_E_DENIED && why && strcmp(why, "self-approval") == 0
                     ? T(rq, "You may not decide your own request (兼務の禁止).")
                 : r == MAMORI_E_DENIED && why && strcmp(why, "outside-unit") == 0
                     ? T(rq, "You may not decide requests of another unit.")
                 : r == MAMORI_E_DENIED
                     ? T(rq, "Your role may not decide this request: the policy names another.")
                 : r == -ENOENT ? T(rq, "There is no such request.")
                                : T(rq, "This request has been decided already."));
}

static void
risks_page(struct req *rq)
{
    struct detail d = {.rq = rq};
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_risk_iterate(rq->c->inst->store, NULL, keep_risk, &d);
    /* only risks of assets the person may see */
    size_t kept = 0;
    for (size_t i = 0; r == 0 && i < d.n_rk; i++) {
        struct mamori_store_asset as;
        if (mamori_store_asset_get(rq->c->inst->store, d.rk[i].asset, rq->a, &as) == 0 &&
            sees_unit(rq, as.f[MAMORI_ASSET_UNIT]))
            d.rk[kept++] = d.rk[i];
    }
    d.n_rk = kept;
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Risk register"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < d.n_rk; i++) {
            const struct mamori_store_risk *k = &d.rk[i];
            mamori_json_object_begin(&j);
            mamori_json_kv_int(&j, "id", k->id);
            mamori_json_kv_string(&j, "asset", k->asset);
            mamori_json_kv_string(&j, "threat", k->threat);
            mamori_json_kv_int(&j, "level", k->level);
            mamori_json_kv_string(&j, "treatment", k->treatment);
            mamori_json_kv_string(&j, "state", k->state);
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    page_begin(rq, &h, T(rq, "Risk register"));
    if (!d.n_rk) {
        MAMORI_HTML(&h, "<p>");
        mamori_html_text(&h, T(rq, "None."));
        MAMORI_HTML(&h, "</p>");
    } else {
        risk_rows(rq, &h, d.rk, d.n_rk, true);
    }
    page_end(rq, &h);
}

void
asset_approvals(struct req *rq, struct mamori_html *h)
{
    struct detail d = {.rq = rq};
    struct mamori_store_person me = {
        .id = rq->sess.person, .role = rq->sess.role, .unit = rq->sess.unit};
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_asset_event_iterate(rq->c->inst->store, NULL, "requested", keep_event, &d);
    size_t shown = 0;
    for (size_t i = 0; r == 0 && i < d.n_ev; i++) {
        const char *why;
        if (mamori_asset_event_may_decide(rq->c->inst, rq->pol, &me, &d.ev[i], &why) != 0)
            continue;
        if (!shown++) {
            MAMORI_HTML(h, "<h2>");
            mamori_html_text(h, T(rq, "Asset events waiting for permission"));
            MAMORI_HTML(h, "</h2><table id=\"asset-approvals\"><tr><th>#</th><th>");
            mamori_html_text(h, T(rq, "When"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "Asset"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "Event"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "Requested by"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "Purpose"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "State"));
            MAMORI_HTML(h, "</th><th></th></tr>");
        }
        event_row(rq, h, &d.ev[i], true);
    }
    pthread_mutex_unlock(rq->c->lock);
    if (shown)
        MAMORI_HTML(h, "</table>");
}

bool
assets_route(struct req *rq)
{
    if (rq->face != 'l')
        return false;
    const char *u = rq->url;
    if (rq->api)
        u += strlen("/api/v1") * (strncmp(u, "/api/v1/", 8) == 0);
    int64_t n;
    if (!rq->post) {
        if (strcmp(u, "/assets") == 0)
            register_page(rq);
        else if (strncmp(u, "/assets/a/", 10) == 0 && !strchr(u + 10, '/') && u[10])
            asset_page(rq, u + 10);
        else if (strcmp(u, "/risks") == 0)
            risks_page(rq);
        else
            return false;
        return true;
    }
    if (strncmp(u, "/assets/a/", 10) == 0) {
        const char *slash = strchr(u + 10, '/');
        if (!slash || strcmp(slash, "/event") != 0 || slash == u + 10)
            return false;
        char *id = mamori_arena_strndup(rq->a, u + 10, (size_t)(slash - (u + 10)));
        if (!id)
            return false;
        event_post(rq, id);
    } else if (console_path_number(u, "/asset-events/", "/approve", &n)) {
        event_decide(rq, n, true);
    } else if (console_path_number(u, "/asset-events/", "/deny", &n)) {
        event_decide(rq, n, false);
    } else {
        return false;
    }
    return true;
}
