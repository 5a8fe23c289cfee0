/*
 * Reports to the 情報セキュリティ委員会 (mamori/gov.h): the self-inspection, the audits, the
 * incidents and the registers. Each report is built once as sections (a table and, where it
 * helps, a bar chart of counts), then written as one self-contained HTML page (inline SVG,
 * Japanese fonts named for print) or as an XLSX workbook with one sheet per section. The PDF
 * is the HTML printed by the convert module.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "mamori/asset.h"
#include "mamori/console.h"
#include "mamori/gov.h"
#include "mamori/inspect.h"

#define MAX_COLS   12
#define MAX_SERIES 6

struct section {
    const char *title;
    const char *note;
    size_t ncols;
    const char *head[MAX_COLS];
    const char **cells; /* rows × ncols */
    size_t nrows, cap;
    /* a stacked bar chart: one bar per label, one colour per series */
    size_t nseries;
    const char *series[MAX_SERIES];
    const char *colour[MAX_SERIES];
    const char **bar_label;
    int64_t (*bar)[MAX_SERIES];
    size_t nbars, bar_cap;
};

struct report {
    const char *title;
    struct section *s;
    size_t n;
    struct mamori_arena *a;
    int err;
};

static struct section *
section(struct report *r, const char *title, size_t ncols, const char *const *head)
{
    struct section *v = realloc(r->s, (r->n + 1) * sizeof(*v));
    if (!v) {
        r->err = -ENOMEM;
        return NULL;
    }
    r->s = v;
    struct section *s = &v[r->n++];
    memset(s, 0, sizeof(*s));
    s->title = title;
    s->ncols = ncols;
    for (size_t i = 0; i < ncols; i++)
        s->head[i] = head[i];
    return s;
}

static void
row(struct report *r, struct section *s, const char *const *cells)
{
    if (!s)
        return;
    if (s->nrows == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        const char **v = mamori_arena_calloc(r->a, cap * s->ncols, sizeof(*v));
        if (!v) {
            r->err = -ENOMEM;
            return;
        }
        if (s->nrows)
            memcpy(v, s->cells, s->nrows * s->ncols * sizeof(*v));
        s->cells = v;
        s->cap = cap;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        const char *c = mamori_arena_strdup(r->a, cells[i] ? cells[i] : "");
        if (!c)
            r->err = -ENOMEM;
        s->cells[s->nrows * s->ncols + i] = c ? c : "";
    }
    s->nrows++;
}

/* Adds n to series k of the bar labelled label (made when new). */
static void
count(struct report *r, struct section *s, const char *label, size_t k, int64_t n)
{
    if (!s)
        return;
    size_t i = 0;
    while (i < s->nbars && strcmp(s->bar_label[i], label) != 0)
        i++;
    if (i == s->nbars) {
        if (s->nbars == s->bar_cap) {
            size_t cap = s->bar_cap ? s->bar_cap * 2 : 16;
            const char **l = mamori_arena_calloc(r->a, cap, sizeof(*l));
            int64_t(*b)[MAX_SERIES] = mamori_arena_calloc(r->a, cap, sizeof(*b));
            if (!l || !b) {
                r->err = -ENOMEM;
                return;
            }
            if (s->nbars) {
                memcpy(l, s->bar_label, s->nbars * sizeof(*l));
                memcpy(b, s->bar, s->nbars * sizeof(*b));
            }
            s->bar_label = l;
            s->bar = b;
            s->bar_cap = cap;
        }
        s->bar_label[i] = mamori_arena_strdup(r->a, label);
        memset(s->bar[i], 0, sizeof(s->bar[i]));
        s->nbars++;
    }
    s->bar[i][k] += n;
}

static const char *
unit_name(const struct mamori_policy *p, const char *id)
{
    int u = mamori_policy_find_unit(p, id);
    return u >= 0 && p->units[u].name.ja ? p->units[u].name.ja : id;
}

/* ---- the reports' contents --------------------------------------------------------------- */

static const char *const answer_colour[] = {"#9e9e9e", "#2e7d32", "#f9a825", "#c62828", "#90a4ae"};

static int
inspection(struct mamori_instance *inst, const struct mamori_policy *p, int year, struct report *r)
{
    static const char *const head[] = {
        "番号", "条項", "点検項目", "回答する役割", "回答", "データによる回答", "根拠"};
    struct mamori_inspect_options o = {.year = year};
    struct mamori_inspect_item *items = NULL;
    size_t n = 0;
    int rc = mamori_inspect_run(inst, p, &o, &items, &n);
    if (rc < 0)
        return rc;
    section(r, "条項別の回答状況（全庁）", 0, NULL);
    struct section *all = section(r, "自己点検の結果（全庁）", 7, head);
    struct section *by_clause = all ? &r->s[r->n - 2] : NULL; /* section() moves the array */
    for (int k = 0; k <= MAMORI_INSPECT_NA && by_clause; k++) {
        by_clause->series[k] = mamori_inspect_answer_name((enum mamori_inspect_answer)k, true);
        by_clause->colour[k] = answer_colour[k];
    }
    if (by_clause)
        by_clause->nseries = MAMORI_INSPECT_NA + 1;
    for (size_t i = 0; i < n; i++) {
        const char *cells[] = {items[i].id,
                               items[i].clause,
                               items[i].ja,
                               items[i].role,
                               mamori_inspect_answer_name(items[i].answer, true),
                               items[i].by_data ? "はい" : "いいえ",
                               items[i].evidence};
        row(r, all, cells);
        count(r, by_clause, items[i].clause, items[i].answer, 1);
    }
    free(items);
    /* per unit: the items data answers for a unit (registers) */
    static const char *const uhead[] = {"所属",   "実施済",   "一部実施",
                                        "未実施", "該当なし", "未回答"};
    section(r, "所属別の回答状況", 0, NULL);
    struct section *ut = section(r, "所属別の集計", 6, uhead);
    struct section *byunit = ut ? &r->s[r->n - 2] : NULL;
    for (int k = 0; k <= MAMORI_INSPECT_NA && byunit; k++) {
        byunit->series[k] = mamori_inspect_answer_name((enum mamori_inspect_answer)k, true);
        byunit->colour[k] = answer_colour[k];
    }
    if (byunit)
        byunit->nseries = MAMORI_INSPECT_NA + 1;
    for (size_t u = 0; rc == 0 && u < p->n_units; u++) {
        if (p->units[u].parent.name) /* departments and independent units; sections are in them */
            continue;
        struct mamori_inspect_options ou = {.year = year, .unit = p->units[u].id};
        rc = mamori_inspect_run(inst, p, &ou, &items, &n);
        if (rc < 0)
            break;
        int64_t c[MAMORI_INSPECT_NA + 1] = {0};
        for (size_t i = 0; i < n; i++)
            c[items[i].answer]++;
        free(items);
        const char *name = unit_name(p, p->units[u].id);
        char v[5][24];
        for (int k = 0; k < 5; k++)
            snprintf(v[k], sizeof(v[k]), "%lld", (long long)c[k == 4 ? 0 : k + 1]);
        const char *cells[] = {name, v[0], v[1], v[2], v[3], v[4]};
        row(r, ut, cells);
        for (int k = 0; k <= MAMORI_INSPECT_NA; k++)
            count(r, byunit, name, (size_t)k, c[k]);
    }
    return rc;
}

struct collect {
    struct report *r;
    const struct mamori_policy *p;
    struct mamori_gov_world *w;
    struct section *table, *chart;
    int year;
};

/* The fiscal year (April to March) of a date or date-time; 0 when none. */
static int
fiscal_year(const char *d)
{
    if (!d || strlen(d) < 10)
        return 0;
    int y = (int)strtol(d, NULL, 10), m = (int)strtol(d + 5, NULL, 10);
    return m >= 4 ? y : y - 1;
}

static const char *
field(const struct mamori_gov_record *r, const char *key)
{
    int f = mamori_gov_field_find(r->kind, key);
    return f >= 0 ? r->v[f] : "";
}

static const char *
state_ja(const struct mamori_gov_record *r)
{
    const struct mamori_gov_state *st = mamori_gov_state_find(r->kind, r->state);
    return st ? st->ja : r->state;
}

static int
on_incident(void *ctx, const struct mamori_gov_record *rec)
{
    struct collect *c = ctx;
    if (c->year && fiscal_year(field(rec, "detected_at")) != c->year)
        return 0;
    struct mamori_gov_flag fl[8];
    size_t nf = mamori_gov_flags(c->w, rec, fl, 8);
    char flags[600] = "";
    size_t used = 0;
    for (size_t i = 0; i < nf && used < sizeof(flags) - 1; i++)
        used += (size_t)snprintf(flags + used, sizeof(flags) - used, "%s%s%s", i ? "／" : "",
                                 fl[i].text_ja, fl[i].overdue ? "【期限超過】" : "");
    bool rep = strcmp(field(rec, "reportable"), "yes") == 0;
    const char *cells[] = {rec->id,
                           field(rec, "detected_at"),
                           rec->title,
                           unit_name(c->p, rec->unit),
                           state_ja(rec),
                           rep ? "要" : "否",
                           field(rec, "prompt_due"),
                           field(rec, "prompt_report"),
                           field(rec, "final_due"),
                           field(rec, "final_report"),
                           flags};
    row(c->r, c->table, cells);
    count(c->r, c->chart, state_ja(rec), rep ? 1 : 0, 1);
    return c->r->err;
}

static const char *const sev_colour[] = {"#c62828", "#f9a825", "#1565c0"};

static int
on_audit(void *ctx, const struct mamori_gov_record *rec)
{
    struct collect *c = ctx;
    if (c->year && strtol(field(rec, "year"), NULL, 10) != c->year)
        return 0;
    static const char *const types[][2] = {{"medium_term", "中期計画"},
                                           {"yearly", "年度計画"},
                                           {"implementation", "実施計画"},
                                           {"special", "特命"}};
    const char *type = field(rec, "type");
    for (size_t i = 0; i < 4; i++)
        if (strcmp(type, types[i][0]) == 0)
            type = types[i][1];
    const char *cells[] = {rec->id,
                           rec->title,
                           type,
                           field(rec, "targets"),
                           field(rec, "contractors"),
                           field(rec, "auditors"),
                           state_ja(rec),
                           field(rec, "summary")};
    row(c->r, c->table, cells);
    return c->r->err;
}

struct finding_ctx {
    struct collect *c;
    const char *audits; /* ",AUD-1,AUD-2," of the year */
};

static int
on_audit_id(void *ctx, const struct mamori_gov_record *rec)
{
    struct finding_ctx *fc = ctx;
    if (fc->c->year && strtol(field(rec, "year"), NULL, 10) != fc->c->year)
        return 0;
    fc->audits = mamori_arena_printf(fc->c->r->a, "%s%s,", fc->audits, rec->id);
    return fc->audits ? 0 : -ENOMEM;
}

static int
on_finding(void *ctx, const struct mamori_gov_record *rec)
{
    struct finding_ctx *fc = ctx;
    struct collect *c = fc->c;
    char key[80];
    snprintf(key, sizeof(key), ",%s,", field(rec, "audit"));
    if (c->year && !strstr(fc->audits, key))
        return 0;
    struct mamori_gov_flag fl[4];
    size_t nf = mamori_gov_flags(c->w, rec, fl, 4);
    bool overdue = false;
    for (size_t i = 0; i < nf; i++)
        overdue |= fl[i].overdue;
    const char *sev = field(rec, "severity");
    size_t k = strcmp(sev, "high") == 0 ? 0 : strcmp(sev, "medium") == 0 ? 1 : 2;
    static const char *const sev_ja[] = {"高", "中", "低"};
    const char *cells[] = {rec->id,           field(rec, "audit"), unit_name(c->p, rec->unit),
                           sev_ja[k],         rec->title,          field(rec, "owner"),
                           field(rec, "due"), state_ja(rec),       overdue ? "期限超過" : ""};
    row(c->r, c->table, cells);
    count(c->r, c->chart, unit_name(c->p, rec->unit), k, 1);
    return c->r->err;
}

static int
on_any(void *ctx, const struct mamori_gov_record *rec)
{
    struct collect *c = ctx;
    struct mamori_gov_flag fl[16];
    size_t nf = mamori_gov_flags(c->w, rec, fl, 16);
    size_t overdue = 0;
    for (size_t i = 0; i < nf; i++)
        overdue += fl[i].overdue;
    const struct mamori_gov_state *st = mamori_gov_state_find(rec->kind, rec->state);
    count(c->r, c->chart, rec->kind->ja, overdue ? 2 : nf ? 1 : 0, 1);
    (void)st;
    for (size_t i = 0; i < nf; i++) {
        const char *cells[] = {rec->kind->ja,
                               rec->id,
                               rec->title,
                               unit_name(c->p, rec->unit),
                               fl[i].text_ja,
                               fl[i].due,
                               fl[i].overdue ? "期限超過" : ""};
        row(c->r, c->table, cells);
    }
    return c->r->err;
}

static int
on_asset(void *ctx, const struct mamori_store_asset *as)
{
    struct collect *c = ctx;
    int lv = mamori_policy_find_level(c->p, MAMORI_AXIS_CONFIDENTIALITY, as->f[MAMORI_ASSET_CONF]);
    size_t k = lv < 0 ? 0 : (size_t)lv;
    if (k >= MAX_SERIES)
        k = MAX_SERIES - 1;
    int u = mamori_policy_find_unit(c->p, as->f[MAMORI_ASSET_UNIT]);
    while (u >= 0 && c->p->units[u].parent.name) /* to its department */
        u = mamori_policy_find_unit(c->p, c->p->units[u].parent.name);
    count(c->r, c->chart, u >= 0 ? unit_name(c->p, c->p->units[u].id) : as->f[MAMORI_ASSET_UNIT], k,
          1);
    return c->r->err;
}

static int
build(struct mamori_instance *inst, const struct mamori_policy *p, enum mamori_report_kind kind,
      int year, struct report *r)
{
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, inst, p, r->a);
    struct collect c = {.r = r, .p = p, .w = &w, .year = year};
    int rc = 0;
    switch (kind) {
    case MAMORI_REPORT_INSPECTION:
        r->title = "自己点検報告書";
        return inspection(inst, p, year, r);
    case MAMORI_REPORT_INCIDENTS: {
        r->title = "情報セキュリティインシデント報告書";
        static const char *const head[] = {
            "番号",     "認知日時", "件名",     "所属",   "段階",  "個人情報保護委員会への報告",
            "速報期限", "速報日",   "確報期限", "確報日", "要対応"};
        section(r, "段階別の件数", 0, NULL);
        section(r, "インシデント一覧", 11, head);
        c.chart = &r->s[0];
        c.table = &r->s[1];
        if (r->err)
            return r->err;
        c.chart->nseries = 2;
        c.chart->series[0] = "報告対象外";
        c.chart->series[1] = "報告対象";
        c.chart->colour[0] = "#1565c0";
        c.chart->colour[1] = "#c62828";
        rc = mamori_gov_iterate(inst, p, mamori_gov_kind_find("incident"), NULL, NULL, on_incident,
                                &c);
        break;
    }
    case MAMORI_REPORT_AUDIT: {
        r->title = "情報セキュリティ監査報告書";
        static const char *const head[] = {"番号",       "監査名",           "計画",
                                           "対象の所属", "対象の委託事業者", "監査人",
                                           "状態",       "監査報告"};
        static const char *const fhead[] = {
            "番号", "監査", "所属", "重要度", "指摘事項", "改善の担当者", "改善期限", "状態", ""};
        section(r, "監査一覧", 8, head);
        section(r, "所属別・重要度別の指摘事項", 0, NULL);
        section(r, "指摘事項と改善状況", 9, fhead);
        if (r->err)
            return r->err;
        c.table = &r->s[0];
        rc = mamori_gov_iterate(inst, p, mamori_gov_kind_find("audit"), NULL, NULL, on_audit, &c);
        c.chart = &r->s[1];
        c.table = &r->s[2];
        c.chart->nseries = 3;
        static const char *const sev[] = {"高", "中", "低"};
        for (int i = 0; i < 3; i++) {
            c.chart->series[i] = sev[i];
            c.chart->colour[i] = sev_colour[i];
        }
        struct finding_ctx fc = {&c, ","};
        if (rc == 0)
            rc = mamori_gov_iterate(inst, p, mamori_gov_kind_find("audit"), NULL, NULL, on_audit_id,
                                    &fc);
        if (rc == 0)
            rc = mamori_gov_iterate(inst, p, mamori_gov_kind_find("finding"), NULL, NULL,
                                    on_finding, &fc);
        break;
    }
    case MAMORI_REPORT_REGISTER: {
        r->title = "台帳の状況";
        static const char *const head[] = {"台帳", "番号", "件名", "所属", "要対応", "期限", ""};
        section(r, "台帳別の件数", 0, NULL);
        section(r, "要対応の事項", 7, head);
        section(r, "部局別・機密性別の情報資産", 0, NULL);
        if (r->err)
            return r->err;
        c.chart = &r->s[0];
        c.table = &r->s[1];
        c.chart->nseries = 3;
        c.chart->series[0] = "対応なし";
        c.chart->series[1] = "要対応";
        c.chart->series[2] = "期限超過";
        c.chart->colour[0] = "#2e7d32";
        c.chart->colour[1] = "#f9a825";
        c.chart->colour[2] = "#c62828";
        rc = mamori_gov_iterate(inst, p, NULL, NULL, NULL, on_any, &c);
        c.chart = &r->s[2];
        const struct mamori_axis *ax = &p->classification.axes[MAMORI_AXIS_CONFIDENTIALITY];
        static const char *const lc[] = {"#b71c1c", "#e65100", "#f9a825",
                                         "#2e7d32", "#1565c0", "#6a1b9a"};
        for (size_t i = 0; i < ax->n_levels && i < MAX_SERIES; i++) {
            c.chart->series[i] = ax->levels[i].name.ja ? ax->levels[i].name.ja : ax->levels[i].id;
            c.chart->colour[i] = lc[i];
            c.chart->nseries = i + 1;
        }
        struct mamori_store_asset_filter f = {.state = "active"};
        if (rc == 0)
            rc = mamori_store_asset_query(inst->store, &f, 0, INT64_MAX, on_asset, &c, NULL);
        break;
    }
    }
    return rc < 0 ? rc : r->err;
}

/* ---- HTML -------------------------------------------------------------------------------- */

static void
chart(struct mamori_html *h, const struct section *s)
{
    int64_t max = 1;
    for (size_t i = 0; i < s->nbars; i++) {
        int64_t t = 0;
        for (size_t k = 0; k < s->nseries; k++)
            t += s->bar[i][k];
        if (t > max)
            max = t;
    }
    const int lw = 170, bw = 430, rh = 22;
    int height = (int)s->nbars * rh + 40;
    char buf[400];
    snprintf(buf, sizeof(buf),
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
             "role=\"img\">",
             lw + bw + 60, height);
    mamori_html_markup_(h, buf, strlen(buf));
    for (size_t i = 0; i < s->nbars; i++) {
        int y = (int)i * rh + 4;
        snprintf(buf, sizeof(buf), "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">",
                 lw - 6, y + 14);
        mamori_html_markup_(h, buf, strlen(buf));
        mamori_html_text(h, s->bar_label[i]);
        MAMORI_HTML(h, "</text>");
        int x = lw;
        int64_t t = 0;
        for (size_t k = 0; k < s->nseries; k++) {
            int w = (int)(s->bar[i][k] * bw / max);
            t += s->bar[i][k];
            if (w <= 0)
                continue;
            snprintf(buf, sizeof(buf),
                     "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>", x, y,
                     w, rh - 6, s->colour[k]);
            mamori_html_markup_(h, buf, strlen(buf));
            mamori_html_text(h, s->series[k]);
            snprintf(buf, sizeof(buf), " %lld</title></rect>", (long long)s->bar[i][k]);
            mamori_html_markup_(h, buf, strlen(buf));
            x += w;
        }
        snprintf(buf, sizeof(buf), "<text x=\"%d\" y=\"%d\" font-size=\"11\">%lld</text>", x + 4,
                 y + 14, (long long)t);
        mamori_html_markup_(h, buf, strlen(buf));
    }
    int x = lw, y = (int)s->nbars * rh + 18;
    for (size_t k = 0; k < s->nseries; k++) {
        snprintf(buf, sizeof(buf),
                 "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" "
                 "y=\"%d\" font-size=\"11\">",
                 x, y, s->colour[k], x + 14, y + 9);
        mamori_html_markup_(h, buf, strlen(buf));
        mamori_html_text(h, s->series[k]);
        MAMORI_HTML(h, "</text>");
        x += 90;
    }
    MAMORI_HTML(h, "</svg>");
}

int
mamori_report_html(struct mamori_instance *inst, const struct mamori_policy *p,
                   enum mamori_report_kind kind, int year, struct mamori_buf *out)
{
    struct report r = {.a = mamori_arena_new((size_t)1 << 30)};
    if (!r.a)
        return -ENOMEM;
    int rc = build(inst, p, kind, year, &r);
    if (rc == 0) {
        struct mamori_html h;
        mamori_html_init(&h, out);
        MAMORI_HTML(&h, "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>");
        mamori_html_text(&h, r.title);
        MAMORI_HTML(&h, "</title><style>"
                        "@page{size:A4 landscape;margin:14mm}"
                        "body{font-family:'IPAPGothic','IPAGothic','Noto Sans CJK JP',sans-serif;"
                        "font-size:10pt;color:#111}"
                        "h1{font-size:16pt;margin:0 0 4pt}h2{font-size:12pt;margin:14pt 0 4pt;"
                        "border-bottom:1px solid #999}"
                        "table{border-collapse:collapse;width:100%;margin-bottom:8pt}"
                        "th,td{border:1px solid #999;padding:2pt 4pt;vertical-align:top;"
                        "text-align:left;white-space:pre-wrap}th{background:#eceff1}"
                        "tr{page-break-inside:avoid}.meta{color:#555}"
                        "</style></head><body><h1>");
        mamori_html_text(&h, r.title);
        MAMORI_HTML(&h, "</h1><p class=\"meta\">");
        mamori_html_text(&h, p->municipality.name.ja ? p->municipality.name.ja : "");
        char today[11], meta[120];
        mamori_date_format(mamori_today(), today);
        if (year)
            snprintf(meta, sizeof(meta), "　%d年度　作成日 %s", year, today);
        else
            snprintf(meta, sizeof(meta), "　全期間　作成日 %s", today);
        mamori_html_text(&h, meta);
        MAMORI_HTML(&h, "（mamori）</p>");
        for (size_t i = 0; i < r.n; i++) {
            const struct section *s = &r.s[i];
            MAMORI_HTML(&h, "<h2>");
            mamori_html_text(&h, s->title);
            MAMORI_HTML(&h, "</h2>");
            if (s->nseries)
                chart(&h, s);
            if (!s->ncols)
                continue;
            if (!s->nrows) {
                MAMORI_HTML(&h, "<p>該当なし</p>");
                continue;
            }
            MAMORI_HTML(&h, "<table><thead><tr>");
            for (size_t k = 0; k < s->ncols; k++) {
                MAMORI_HTML(&h, "<th>");
                mamori_html_text(&h, s->head[k]);
                MAMORI_HTML(&h, "</th>");
            }
            MAMORI_HTML(&h, "</tr></thead><tbody>");
            for (size_t j = 0; j < s->nrows; j++) {
                MAMORI_HTML(&h, "<tr>");
                for (size_t k = 0; k < s->ncols; k++) {
                    MAMORI_HTML(&h, "<td>");
                    mamori_html_text(&h, s->cells[j * s->ncols + k]);
                    MAMORI_HTML(&h, "</td>");
                }
                MAMORI_HTML(&h, "</tr>");
            }
            MAMORI_HTML(&h, "</tbody></table>");
        }
        MAMORI_HTML(&h, "</body></html>\n");
        rc = mamori_html_finish(&h);
    }
    free(r.s);
    mamori_arena_free(r.a);
    return rc;
}

/* The section's counts as a native stacked bar chart beside them (the same colours as the
 * HTML's), so the 委員会's copy in Excel shows what the printed report shows. */
static int
xlsx_chart(lxw_workbook *wb, lxw_worksheet *ws, const struct section *s)
{
    lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_BAR_STACKED);
    if (!ch)
        return -ENOMEM;
    lxw_row_t last = (lxw_row_t)(s->nbars + 1);
    for (size_t k = 0; k < s->nseries; k++) {
        lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
        if (!se)
            return -ENOMEM;
        chart_series_set_categories(se, ws->name, 2, 0, last, 0);
        chart_series_set_values(se, ws->name, 2, (lxw_col_t)(k + 1), last, (lxw_col_t)(k + 1));
        chart_series_set_name_range(se, ws->name, 1, (lxw_col_t)(k + 1));
        if (s->colour[k] && s->colour[k][0] == '#') {
            lxw_chart_fill fill = {.color = (lxw_color_t)strtol(s->colour[k] + 1, NULL, 16)};
            chart_series_set_fill(se, &fill);
        }
    }
    chart_title_set_name(ch, s->title);
    chart_legend_set_position(ch, LXW_CHART_LEGEND_BOTTOM);
    /* categories top to bottom as in the table */
    chart_axis_set_reverse(ch->y_axis);
    lxw_chart_options opt = {.x_scale = 1.5, .y_scale = 1.0 + (double)s->nbars / 12.0};
    return worksheet_insert_chart_opt(ws, 1, (lxw_col_t)(s->nseries + 2), ch, &opt) == LXW_NO_ERROR
               ? 0
               : -EIO;
}

int
mamori_report_xlsx(struct mamori_instance *inst, const struct mamori_policy *p,
                   enum mamori_report_kind kind, int year, const char *path)
{
    struct report r = {.a = mamori_arena_new((size_t)1 << 30)};
    if (!r.a)
        return -ENOMEM;
    int rc = build(inst, p, kind, year, &r);
    lxw_workbook *wb = rc == 0 ? workbook_new(path) : NULL;
    if (rc == 0 && !wb)
        rc = -EIO;
    lxw_format *bold = wb ? workbook_add_format(wb) : NULL;
    if (bold)
        format_set_bold(bold);
    for (size_t i = 0; wb && i < r.n; i++) {
        const struct section *s = &r.s[i];
        /* a sheet per section: the table, or the chart's counts */
        lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
        if (!ws) {
            rc = -EIO;
            break;
        }
        worksheet_write_string(ws, 0, 0, s->title, bold);
        if (s->ncols) {
            for (size_t k = 0; k < s->ncols; k++)
                worksheet_write_string(ws, 1, (lxw_col_t)k, s->head[k], bold);
            for (size_t j = 0; j < s->nrows; j++)
                for (size_t k = 0; k < s->ncols; k++)
                    worksheet_write_string(ws, (lxw_row_t)(j + 2), (lxw_col_t)k,
                                           s->cells[j * s->ncols + k], NULL);
            worksheet_autofilter(ws, 1, 0, (lxw_row_t)(s->nrows + 1), (lxw_col_t)(s->ncols - 1));
        } else {
            for (size_t k = 0; k < s->nseries; k++)
                worksheet_write_string(ws, 1, (lxw_col_t)(k + 1), s->series[k], bold);
            for (size_t j = 0; j < s->nbars; j++) {
                worksheet_write_string(ws, (lxw_row_t)(j + 2), 0, s->bar_label[j], NULL);
                for (size_t k = 0; k < s->nseries; k++)
                    worksheet_write_number(ws, (lxw_row_t)(j + 2), (lxw_col_t)(k + 1),
                                           (double)s->bar[j][k], NULL);
            }
            if (s->nbars && (rc = xlsx_chart(wb, ws, s)) < 0)
                break;
        }
        worksheet_set_column(ws, 0, MAX_COLS, 18, NULL);
    }
    if (wb && workbook_close(wb) != LXW_NO_ERROR && rc == 0)
        rc = -EIO;
    free(r.s);
    mamori_arena_free(r.a);
    return rc;
}

int
mamori_report_kind_find(const char *id)
{
    static const char *const ids[] = {"inspection", "audit", "incidents", "register"};
    for (size_t i = 0; id && i < MAMORI_ARRAY_SIZE(ids); i++)
        if (strcmp(ids[i], id) == 0)
            return (int)i;
    return -1;
}
