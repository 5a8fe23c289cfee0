/*
 * The governance registers' rules (mamori/gov.h): values checked and normalised by type, the
 * fields mamori derives (an incident's reportability and statutory deadlines), the rules of
 * each kind, and what is due or wrong about a record on a given day. Pure: the world (persons,
 * assets, other records, today) comes in through struct mamori_gov_world.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/gov.h"

const char *const mamori_gov_statutory_items[9] = {"s1", "s2", "s3", "s4", "s5",
                                                   "s6", "s7", "s8", "s9"};

void
mamori_gov_problem(struct mamori_gov_problems *pr, const char *field, const char *fmt, ...)
{
    if (pr->n >= MAMORI_ARRAY_SIZE(pr->v))
        return;
    struct mamori_gov_problem *p = &pr->v[pr->n++];
    p->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
    va_end(ap);
}

static const char *
field_value(const struct mamori_gov_record *r, const char *key)
{
    int f = mamori_gov_field_find(r->kind, key);
    return f >= 0 && r->v[f] ? r->v[f] : "";
}

static bool
yes(const struct mamori_gov_record *r, const char *key)
{
    return strcmp(field_value(r, key), "yes") == 0;
}

static bool
set(const struct mamori_gov_record *r, const char *key)
{
    return *field_value(r, key) != '\0';
}

/* Days of a stored date (or the date part of a date-time); -1 when none. */
static int32_t
days_of(const char *s)
{
    int32_t d;
    if (!s || strlen(s) < 10 || mamori_date_parse(s, 10, &d) < 0)
        return -1;
    return d;
}

static const char *
format_days(struct mamori_arena *a, int32_t days)
{
    char out[11];
    mamori_date_format(days, out);
    return mamori_arena_strdup(a, out);
}

/* Control characters (other than newlines and tabs in long text) and bidi overrides, which
 * would make a record read differently from what it holds. */
static const char *
bad_character(const char *s, bool lines)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 && !(lines && (*p == '\n' || *p == '\t')))
            return "control";
        if (*p == 0x7f)
            return "control";
        /* U+202A..U+202E, U+2066..U+2069 (UTF-8 E2 80 AA..AE, E2 81 A6..A9) */
        if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)
            return "bidi";
        if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
            return "bidi";
    }
    return NULL;
}

static int
unit_index(const struct mamori_policy *p, const char *label)
{
    const char *ambiguous;
    return MATCH_BY_NAME(p->units, p->n_units, label, &ambiguous);
}

/* Checks each comma-separated item of a list with one_item; the normalised list. */
typedef int (*item_fn)(const struct mamori_gov_world *w, const struct mamori_gov_field *fd,
                       const char *item, const char **ret, struct mamori_gov_problems *pr);

static int
each_item(const struct mamori_gov_world *w, const struct mamori_gov_field *fd, const char *in,
          item_fn one, const char **ret, struct mamori_gov_problems *pr)
{
    struct mamori_buf b;
    mamori_buf_init(&b, MAMORI_GOV_MAX_VALUE + 16);
    char *copy = mamori_arena_strdup(w->arena, in);
    int r = copy ? 0 : -ENOMEM;
    size_t n = 0;
    for (char *save = NULL, *t = copy ? strtok_r(copy, ",、", &save) : NULL; t && r == 0;
         t = strtok_r(NULL, ",、", &save)) {
        const char *item = mamori_trim(w->arena, t);
        if (!item || !*item)
            continue;
        const char *norm;
        int k = one(w, fd, item, &norm, pr);
        if (k == -ENOMEM)
            r = k;
        if (k < 0)
            continue;
        if (n++)
            mamori_buf_append(&b, ",", 1);
        mamori_buf_append(&b, norm, strlen(norm));
    }
    if (r == 0)
        *ret = mamori_arena_strndup(w->arena, b.data ? b.data : "", b.len);
    mamori_buf_done(&b);
    return r == 0 && !*ret ? -ENOMEM : r;
}

static int
one_person(const struct mamori_gov_world *w, const struct mamori_gov_field *fd, const char *item,
           const char **ret, struct mamori_gov_problems *pr)
{
    const char *role, *unit;
    bool disabled;
    int r = w->person ? w->person(w->ctx, item, &role, &unit, &disabled) : -ENOENT;
    if (r == -ENOENT)
        mamori_gov_problem(pr, fd->key, _("\"%s\" is not a person of this instance"), item);
    if (r < 0)
        return r;
    *ret = item;
    return 0;
}

static int
one_unit(const struct mamori_gov_world *w, const struct mamori_gov_field *fd, const char *item,
         const char **ret, struct mamori_gov_problems *pr)
{
    int u = unit_index(w->policy, item);
    if (u == -2) {
        mamori_gov_problem(pr, fd->key, _("\"%s\" names more than one unit; use its id"), item);
        return MAMORI_E_INVALID;
    }
    if (u < 0) {
        mamori_gov_problem(pr, fd->key, _("\"%s\" is not a unit of the policy"), item);
        return MAMORI_E_INVALID;
    }
    *ret = w->policy->units[u].id;
    return 0;
}

static int
one_role(const struct mamori_gov_world *w, const struct mamori_gov_field *fd, const char *item,
         const char **ret, struct mamori_gov_problems *pr)
{
    const struct mamori_policy *p = w->policy;
    for (size_t i = 0; i < p->n_roles; i++)
        if (strcmp(p->roles[i].id, item) == 0 ||
            (p->roles[i].name.ja && strcmp(p->roles[i].name.ja, item) == 0)) {
            *ret = p->roles[i].id;
            return 0;
        }
    mamori_gov_problem(pr, fd->key, _("\"%s\" is not a role of the policy"), item);
    return MAMORI_E_INVALID;
}

static int
one_asset(const struct mamori_gov_world *w, const struct mamori_gov_field *fd, const char *item,
          const char **ret, struct mamori_gov_problems *pr)
{
    int r = w->asset ? w->asset(w->ctx, item) : -ENOENT;
    if (r == -ENOENT)
        mamori_gov_problem(pr, fd->key, _("\"%s\" is not an asset of the register"), item);
    if (r < 0)
        return r;
    *ret = item;
    return 0;
}

static int
one_ref(const struct mamori_gov_world *w, const struct mamori_gov_field *fd, const char *item,
        const char **ret, struct mamori_gov_problems *pr)
{
    const char *state;
    int r = w->record_state ? w->record_state(w->ctx, fd->values, item, &state) : -ENOENT;
    if (r == -ENOENT) {
        const struct mamori_gov_kind *k = mamori_gov_kind_find(fd->values);
        mamori_gov_problem(pr, fd->key, _("there is no %s \"%s\""), k ? k->ja : fd->values, item);
    }
    if (r < 0)
        return r;
    *ret = item;
    return 0;
}

int
mamori_gov_value(const struct mamori_gov_world *w, const struct mamori_gov_kind *k, int f,
                 const char *in, const char **ret, struct mamori_gov_problems *pr)
{
    const struct mamori_gov_field *fd = &k->fields[f];
    const char *v = mamori_trim(w->arena, in ? in : "");
    if (!v)
        return -ENOMEM;
    size_t before = pr->n;
    if (strlen(v) > MAMORI_GOV_MAX_VALUE) {
        mamori_gov_problem(pr, fd->key, _("longer than %zu bytes"), (size_t)MAMORI_GOV_MAX_VALUE);
        return MAMORI_E_INVALID;
    }
    const char *bad = bad_character(v, fd->type == MAMORI_GOV_LONGTEXT);
    if (bad) {
        mamori_gov_problem(pr, fd->key,
                           strcmp(bad, "bidi") == 0
                               ? _("holds a bidirectional override (U+202A-U+202E, "
                                   "U+2066-U+2069): refused")
                               : _("holds a control character: refused"));
        return MAMORI_E_INVALID;
    }
    *ret = v;
    if (!*v)
        return 0;
    char iso[11];
    int32_t days;
    switch (fd->type) {
    case MAMORI_GOV_TEXT:
    case MAMORI_GOV_LONGTEXT:
        break;
    case MAMORI_GOV_DATE:
        if (mamori_date_parse_loose(v, iso, &days) < 0)
            mamori_gov_problem(pr, fd->key, _("\"%s\" is not a date (YYYY-MM-DD)"), v);
        else
            *ret = mamori_arena_strdup(w->arena, iso);
        break;
    case MAMORI_GOV_DATETIME: {
        if (strcmp(v, "now") == 0 || strcmp(v, "今") == 0) {
            char out[24];
            mamori_gov_now(out);
            *ret = mamori_arena_strdup(w->arena, out);
            break;
        }
        char date[32];
        const char *sp = strpbrk(v, " T");
        size_t dl = sp ? (size_t)(sp - v) : strlen(v);
        long hh = 0, mm = 0;
        char *end = NULL;
        bool ok = dl < sizeof(date);
        if (ok) {
            memcpy(date, v, dl);
            date[dl] = '\0';
            ok = mamori_date_parse_loose(date, iso, &days) == 0;
        }
        if (ok && sp) {
            hh = strtol(sp + 1, &end, 10);
            ok = end != sp + 1 && *end == ':' && hh >= 0 && hh < 24;
            if (ok) {
                const char *m0 = end + 1;
                mm = strtol(m0, &end, 10);
                ok = end == m0 + 2 && mm >= 0 && mm < 60 && (!*end || *end == ':');
            }
        }
        if (!ok) {
            mamori_gov_problem(pr, fd->key, _("\"%s\" is not a date and time (YYYY-MM-DD HH:MM)"),
                               v);
            break;
        }
        char out[24];
        snprintf(out, sizeof(out), "%s %02ld:%02ld", iso, hh, mm);
        *ret = mamori_arena_strdup(w->arena, out);
        break;
    }
    case MAMORI_GOV_BOOL: {
        static const char *const ys[] = {"yes", "true", "1", "はい", "有", "あり", "済"};
        static const char *const ns[] = {"no", "false", "0", "いいえ", "無", "なし", "未"};
        const char *out = NULL;
        for (size_t i = 0; i < MAMORI_ARRAY_SIZE(ys); i++) {
            if (strcmp(v, ys[i]) == 0)
                out = "yes";
            if (strcmp(v, ns[i]) == 0)
                out = "no";
        }
        if (!out)
            mamori_gov_problem(pr, fd->key, _("\"%s\" is not yes or no"), v);
        else
            *ret = out;
        break;
    }
    case MAMORI_GOV_INT: {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || end == v || n < 0 || n > 1000000000)
            mamori_gov_problem(pr, fd->key, _("\"%s\" is not a whole number (0 or more)"), v);
        else {
            char out[16];
            snprintf(out, sizeof(out), "%ld", n);
            *ret = mamori_arena_strdup(w->arena, out);
        }
        break;
    }
    case MAMORI_GOV_ENUM: {
        char list[200];
        snprintf(list, sizeof(list), "|%s|", fd->values);
        if (!mamori_gov_listed(list, v)) {
            snprintf(list, sizeof(list), "%s", fd->values);
            for (char *q = list; *q; q++)
                if (*q == '|')
                    *q = ',';
            mamori_gov_problem(pr, fd->key, _("\"%s\" is not one of %s"), v, list);
        }
        break;
    }
    case MAMORI_GOV_PERSON:
        return one_person(w, fd, v, ret, pr) == -ENOMEM ? -ENOMEM
               : pr->n > before                         ? MAMORI_E_INVALID
                                                        : 0;
    case MAMORI_GOV_UNIT:
        return one_unit(w, fd, v, ret, pr) < 0 ? MAMORI_E_INVALID : 0;
    case MAMORI_GOV_ZONE: {
        const char *ambiguous;
        int z = MATCH_BY_NAME(w->policy->zones, w->policy->n_zones, v, &ambiguous);
        if (z < 0)
            mamori_gov_problem(pr, fd->key, _("\"%s\" is not a zone of the policy"), v);
        else
            *ret = w->policy->zones[z].id;
        break;
    }
    case MAMORI_GOV_REF:
        if (one_ref(w, fd, v, ret, pr) == -ENOMEM)
            return -ENOMEM;
        break;
    case MAMORI_GOV_PERSONS:
    case MAMORI_GOV_UNITS:
    case MAMORI_GOV_ROLES:
    case MAMORI_GOV_ASSETS:
    case MAMORI_GOV_REFS: {
        item_fn one = fd->type == MAMORI_GOV_PERSONS  ? one_person
                      : fd->type == MAMORI_GOV_UNITS  ? one_unit
                      : fd->type == MAMORI_GOV_ROLES  ? one_role
                      : fd->type == MAMORI_GOV_ASSETS ? one_asset
                                                      : one_ref;
        if (each_item(w, fd, v, one, ret, pr) == -ENOMEM)
            return -ENOMEM;
        break;
    }
    }
    return pr->n > before ? MAMORI_E_INVALID : 0;
}

bool
mamori_gov_incident_reportable(const struct mamori_gov_record *r)
{
    return yes(r, "sensitive") || yes(r, "property") || yes(r, "malicious") ||
           strtol(field_value(r, "people"), NULL, 10) > 100;
}

static void
put(const struct mamori_gov_world *w, struct mamori_gov_record *r, const char *key,
    const char *value)
{
    int f = mamori_gov_field_find(r->kind, key);
    if (f >= 0)
        r->v[f] = value ? value : "";
    (void)w;
}

void
mamori_gov_derive(const struct mamori_gov_world *w, struct mamori_gov_record *r)
{
    if (strcmp(r->kind->id, "incident") == 0) {
        bool rep = mamori_gov_incident_reportable(r);
        put(w, r, "reportable", rep ? "yes" : "no");
        int32_t d = days_of(field_value(r, "detected_at"));
        if (rep && d >= 0) {
            put(w, r, "prompt_due",
                format_days(w->arena, d + (int32_t)w->policy->governance.incident_prompt_days));
            put(w, r, "final_due", format_days(w->arena, d + (yes(r, "malicious") ? 60 : 30)));
        } else {
            put(w, r, "prompt_due", "");
            put(w, r, "final_due", "");
        }
    }
}

/* Is an auditor independent of the units audited: not in one of them, not above one? */
static void
check_independence(const struct mamori_gov_world *w, const struct mamori_gov_record *r,
                   struct mamori_gov_problems *pr)
{
    const struct mamori_policy *p = w->policy;
    char *auditors = mamori_arena_strdup(w->arena, field_value(r, "auditors"));
    for (char *s1 = NULL, *a = auditors ? strtok_r(auditors, ",", &s1) : NULL; a;
         a = strtok_r(NULL, ",", &s1)) {
        const char *role, *unit;
        bool disabled;
        if (!w->person || w->person(w->ctx, a, &role, &unit, &disabled) < 0)
            continue;
        int au = mamori_policy_find_unit(p, unit);
        char *targets = mamori_arena_strdup(w->arena, field_value(r, "targets"));
        for (char *s2 = NULL, *t = targets ? strtok_r(targets, ",", &s2) : NULL; t;
             t = strtok_r(NULL, ",", &s2)) {
            int tu = mamori_policy_find_unit(p, t);
            if (au >= 0 && tu >= 0 &&
                (mamori_unit_within(p, au, tu) || mamori_unit_within(p, tu, au)))
                mamori_gov_problem(pr, "auditors",
                                   _("%s belongs to %s, which this audit covers: an auditor "
                                     "is independent of the unit audited"),
                                   a, p->units[au].name.ja ? p->units[au].name.ja : unit);
        }
    }
}

int
mamori_gov_check(const struct mamori_gov_world *w, const struct mamori_gov_record *r,
                 const char *action, struct mamori_gov_problems *pr)
{
    size_t before = pr->n;
    const char *kind = r->kind->id;
    const char *act = action ? action : "";
    if (strcmp(kind, "incident") == 0) {
        int32_t d = days_of(field_value(r, "detected_at"));
        if (d > w->today)
            mamori_gov_problem(pr, "detected_at", _("lies in the future"));
        bool rep = mamori_gov_incident_reportable(r);
        if (rep && (strcmp(act, "report-external") == 0 || strcmp(act, "close") == 0) &&
            !set(r, "prompt_report"))
            mamori_gov_problem(pr, "prompt_report",
                               _("reportable to the 個人情報保護委員会: record the date of the "
                                 "prompt report (速報) first"));
        if (rep && strcmp(act, "close") == 0) {
            for (size_t i = 0; i < 9; i++)
                if (!set(r, mamori_gov_statutory_items[i]))
                    mamori_gov_problem(pr, mamori_gov_statutory_items[i],
                                       _("statutory report item %zu is missing: an incident "
                                         "reportable to the 個人情報保護委員会 closes only with "
                                         "all nine"),
                                       i + 1);
            if (!set(r, "final_report"))
                mamori_gov_problem(pr, "final_report",
                                   _("the final report (確報) has not been recorded"));
        }
    } else if (strcmp(kind, "exception") == 0) {
        int32_t u = days_of(field_value(r, "until"));
        if (!action && u >= 0 && u <= w->today && strcmp(r->state, "requested") == 0)
            mamori_gov_problem(pr, "until", _("an exception ends: give a future date"));
    } else if (strcmp(kind, "service") == 0) {
        if (strcmp(act, "approve") == 0 && yes(r, "conf2") &&
            strcmp(field_value(r, "ismap"), "registered") != 0) {
            const char *st = NULL;
            const char *ex = field_value(r, "exception");
            if (!*ex || !w->record_state || w->record_state(w->ctx, "exception", ex, &st) < 0 ||
                strcmp(st, "approved") != 0)
                mamori_gov_problem(pr, "ismap",
                                   _("a service holding 機密性2 or above information is "
                                     "registered in ISMAP, or has an approved exception "
                                     "(exception=EXC-n)"));
        }
    } else if (strcmp(kind, "contractor") == 0) {
        if (strcmp(act, "contract") == 0 && !set(r, "isms") && !set(r, "pmark") && !set(r, "ismap"))
            mamori_gov_problem(pr, "isms",
                               _("no selection evidence: record the ISMS, PrivacyMark or ISMAP "
                                 "certification the contractor was chosen on"));
        int32_t f = days_of(field_value(r, "contract_from")),
                t = days_of(field_value(r, "contract_to"));
        if (f >= 0 && t >= 0 && t < f)
            mamori_gov_problem(pr, "contract_to", _("ends before the contract starts"));
    } else if (strcmp(kind, "staff") == 0) {
        int32_t j = days_of(field_value(r, "joined")), l = days_of(field_value(r, "left"));
        if (j >= 0 && l >= 0 && l < j)
            mamori_gov_problem(pr, "left", _("before the day they joined"));
        if (strcmp(field_value(r, "employment"), "contractor") == 0 && !set(r, "contractor"))
            mamori_gov_problem(pr, "contractor",
                               _("a contractor's staff member names the contractor"));
    } else if (strcmp(kind, "training") == 0) {
        long m = strtol(field_value(r, "every_months"), NULL, 10);
        if (m < 1 || m > 60)
            mamori_gov_problem(pr, "every_months", _("between 1 and 60 months"));
    } else if (strcmp(kind, "audit") == 0) {
        if (!set(r, "targets") && !set(r, "contractors"))
            mamori_gov_problem(pr, "targets",
                               _("an audit covers units (targets=) or contractors "
                                 "(contractors=)"));
        check_independence(w, r, pr);
    } else if (strcmp(kind, "doc") == 0) {
        if (strcmp(field_value(r, "type"), "procedure") == 0 && !set(r, "visible_to"))
            mamori_gov_problem(pr, "visible_to",
                               _("実施手順 are shown only to the roles named: give "
                                 "visible_to=ROLE,..."));
    } else if (strcmp(kind, "entry") == 0) {
        const char *in = field_value(r, "in_at"), *out = field_value(r, "out_at");
        if (*in && *out && strcmp(out, in) < 0)
            mamori_gov_problem(pr, "out_at", _("before the entry"));
    } else if (strcmp(kind, "carry") == 0) {
        const char *from = field_value(r, "from");
        if (*from && strcmp(field_value(r, "until"), from) < 0)
            mamori_gov_problem(pr, "until", _("before the start"));
        if (*from && set(r, "returned") && strcmp(field_value(r, "returned"), from) < 0)
            mamori_gov_problem(pr, "returned", _("before the start"));
    }
    return pr->n > before ? MAMORI_E_INVALID : 0;
}

/* ---- what is due ------------------------------------------------------------------------- */

struct flags {
    struct mamori_gov_flag *v;
    size_t n, max;
};

static struct mamori_gov_flag *
flag(struct flags *fs, const char *code, const char *who, const char *role)
{
    if (fs->n >= fs->max)
        return NULL;
    struct mamori_gov_flag *f = &fs->v[fs->n++];
    memset(f, 0, sizeof(*f));
    f->code = code;
    f->who = who ? who : "";
    f->role = role ? role : "";
    return f;
}

/* A due date: overdue after it; flagged from remind_days before it. */
static struct mamori_gov_flag *
due_flag(const struct mamori_gov_world *w, struct flags *fs, const char *code, const char *date,
         const char *who, const char *role)
{
    int32_t d = days_of(date);
    if (d < 0 || d - w->today > w->policy->governance.remind_days)
        return NULL;
    struct mamori_gov_flag *f = flag(fs, code, who, role);
    if (f) {
        snprintf(f->due, sizeof(f->due), "%.10s", date);
        f->overdue = w->today > d;
    }
    return f;
}

#define TEXT(f, ja, en, ...)                                                                       \
    do {                                                                                           \
        if (f) {                                                                                   \
            snprintf((f)->text_ja, sizeof((f)->text_ja), ja, __VA_ARGS__);                         \
            snprintf((f)->text_en, sizeof((f)->text_en), en, __VA_ARGS__);                         \
        }                                                                                          \
    } while (0)

size_t
mamori_gov_flags(const struct mamori_gov_world *w, const struct mamori_gov_record *r,
                 struct mamori_gov_flag *out, size_t max)
{
    struct flags fs = {out, 0, max};
    const struct mamori_gov_state *st = mamori_gov_state_find(r->kind, r->state);
    if (!st || st->closed)
        return 0;
    const char *kind = r->kind->id;
    struct mamori_gov_flag *f;

    /* waiting for an approval: the approver of the matrix */
    for (size_t i = 0; i < r->kind->n_steps; i++) {
        const struct mamori_gov_step_def *s = &r->kind->steps[i];
        if (s->to && strncmp(s->who, "approval:", 9) == 0 && mamori_gov_listed(s->from, r->state) &&
            strcmp(s->action, "approve") == 0) {
            const char *role = mamori_policy_approver(w->policy, s->who + 9);
            f = flag(&fs, "awaiting-approval", NULL, role ? role : "ciso");
            if (f) {
                snprintf(f->text_ja, sizeof(f->text_ja), "承認待ち");
                snprintf(f->text_en, sizeof(f->text_en), "waiting for approval");
            }
        }
    }

    if (strcmp(kind, "incident") == 0) {
        if (yes(r, "reportable")) {
            if (!set(r, "prompt_report")) {
                f = due_flag(w, &fs, "deadline-prompt", field_value(r, "prompt_due"), NULL,
                             "csirt");
                if (!f) /* always shown while open, however far the deadline */
                    f = flag(&fs, "deadline-prompt", NULL, "csirt");
                if (f && !*f->due)
                    snprintf(f->due, sizeof(f->due), "%s", field_value(r, "prompt_due"));
                TEXT(f, "個人情報保護委員会への速報（期限 %s）",
                     "prompt report to the PPC (due %s)", field_value(r, "prompt_due"));
            }
            if (!set(r, "final_report")) {
                f = due_flag(w, &fs, "deadline-final", field_value(r, "final_due"), NULL, "csirt");
                if (!f)
                    f = flag(&fs, "deadline-final", NULL, "csirt");
                if (f && !*f->due)
                    snprintf(f->due, sizeof(f->due), "%s", field_value(r, "final_due"));
                TEXT(f, "個人情報保護委員会への確報（期限 %s）", "final report to the PPC (due %s)",
                     field_value(r, "final_due"));
            }
        }
    } else if (strcmp(kind, "exception") == 0 && strcmp(r->state, "approved") == 0) {
        f = due_flag(w, &fs, "exception-ends", field_value(r, "until"), r->created_by, NULL);
        TEXT(f, "例外措置の期限（%s）：終了又は再申請", "exception ends on %s: end or renew",
             field_value(r, "until"));
        int32_t last =
            days_of(set(r, "reviewed_on")
                        ? field_value(r, "reviewed_on")
                        : format_days(w->arena, (int32_t)(r->created_us / 86400000000LL)));
        if (last >= 0) {
            const char *due = format_days(
                w->arena, last + (int32_t)(w->policy->governance.review_months * 365 / 12));
            f = due_flag(w, &fs, "exception-review", due, NULL, "ciso");
            TEXT(f, "例外措置の見直し（期限 %s）", "review of the exception (due %s)", due);
        }
    } else if (strcmp(kind, "staff") == 0) {
        if (strcmp(r->state, "left") == 0) {
            int32_t l = days_of(field_value(r, "left"));
            if (l >= 0) {
                const char *due =
                    format_days(w->arena, l + (int32_t)w->policy->governance.leaver_days);
                f = due_flag(w, &fs, "leaver-accounts", due, NULL, "system_admin");
                TEXT(f, "離任者のアカウント削除（期限 %s）",
                     "remove the leaver's accounts (due %s)", due);
            }
        }
    } else if (strcmp(kind, "contractor") == 0) {
        if (strcmp(r->state, "contracted") == 0) {
            char missing[24] = "";
            size_t n = 0;
            for (size_t i = 0; i < r->kind->n_fields; i++)
                if (strncmp(r->kind->fields[i].key, "c_", 2) == 0 &&
                    !yes(r, r->kind->fields[i].key))
                    n++;
            if (n) {
                f = flag(&fs, "contract-items", NULL, "section_manager");
                snprintf(missing, sizeof(missing), "%zu", n);
                TEXT(f, "契約の必須項目が%s件欠けている", "%s contract items missing", missing);
            }
            f = due_flag(w, &fs, "contractor-check", field_value(r, "next_check"), NULL,
                         "section_manager");
            TEXT(f, "委託事業者の定期確認（期限 %s）", "periodic check of the contractor (due %s)",
                 field_value(r, "next_check"));
            f = due_flag(w, &fs, "contract-ends", field_value(r, "contract_to"), NULL,
                         "section_manager");
            TEXT(f, "契約期間の終了（%s）：情報の返還・廃棄の確認",
                 "contract ends %s: check return and disposal", field_value(r, "contract_to"));
        }
    } else if (strcmp(kind, "service") == 0 && strcmp(r->state, "approved") == 0) {
        f = due_flag(w, &fs, "service-review", field_value(r, "review_due"), NULL,
                     "section_manager");
        TEXT(f, "外部サービスの見直し（期限 %s）", "review of the service (due %s)",
             field_value(r, "review_due"));
    } else if (strcmp(kind, "sns") == 0) {
        static const struct {
            const char *key, *code, *ja, *en;
        } need[] = {
            {"responsible", "sns-no-responsible", "運用責任者が未登録", "no responsible person"},
            {"procedure", "sns-no-procedure", "運用手順が未登録", "no operating procedure"},
            {"listed", "sns-not-listed", "市のサイトに未掲載（なりすまし対策）",
             "not listed on the city's site (impersonation)"},
            {"mfa", "sns-no-mfa", "多要素認証が未設定（不正アクセス対策）",
             "no multi-factor sign-in (account takeover)"},
        };
        for (size_t i = 0; i < MAMORI_ARRAY_SIZE(need); i++) {
            bool ok =
                r->kind->fields[mamori_gov_field_find(r->kind, need[i].key)].type == MAMORI_GOV_BOOL
                    ? yes(r, need[i].key)
                    : set(r, need[i].key);
            if (!ok) {
                f = flag(&fs, need[i].code, NULL, "section_manager");
                if (f) {
                    f->overdue = true;
                    snprintf(f->text_ja, sizeof(f->text_ja), "%s", need[i].ja);
                    snprintf(f->text_en, sizeof(f->text_en), "%s", need[i].en);
                }
            }
        }
    } else if (strcmp(kind, "finding") == 0) {
        if (strcmp(r->state, "open") == 0) {
            f = due_flag(w, &fs, "finding-due", field_value(r, "due"), field_value(r, "owner"),
                         NULL);
            TEXT(f, "指摘事項の改善（期限 %s）", "corrective action (due %s)",
                 field_value(r, "due"));
        }
    } else if (strcmp(kind, "doc") == 0 && strcmp(r->state, "approved") == 0) {
        f = due_flag(w, &fs, "doc-review", field_value(r, "next_review"), NULL, "general_manager");
        TEXT(f, "文書の見直し（期限 %s）", "review of the document (due %s)",
             field_value(r, "next_review"));
    } else if (strcmp(kind, "review") == 0) {
        f = due_flag(w, &fs, "review-due", field_value(r, "due"), NULL, "committee");
        TEXT(f, "ポリシーの見直し（期限 %s）", "policy review (due %s)", field_value(r, "due"));
    } else if (strcmp(kind, "carry") == 0 && strcmp(r->state, "approved") == 0) {
        f = due_flag(w, &fs, "carry-return", field_value(r, "until"), field_value(r, "person"),
                     NULL);
        TEXT(f, "持ち出し・持ち込み機器の返却・撤去（予定 %s）", "equipment or media back by %s",
             field_value(r, "until"));
    } else if (strcmp(kind, "entry") == 0) {
        int32_t d = days_of(field_value(r, "in_at"));
        if (d >= 0 && d < w->today) {
            f = flag(&fs, "entry-open", NULL, "system_admin");
            if (f) {
                f->overdue = true;
                snprintf(f->due, sizeof(f->due), "%.10s", field_value(r, "in_at"));
            }
            TEXT(f, "退室が記録されていない（入室 %s）", "no exit recorded (entered %s)",
                 field_value(r, "in_at"));
        }
    } else if (strcmp(kind, "audit") == 0 && strcmp(r->state, "performing") == 0) {
        f = due_flag(w, &fs, "audit-report", field_value(r, "to"), NULL, "auditor");
        TEXT(f, "監査報告（実施終了 %s）", "audit report (period ends %s)", field_value(r, "to"));
    }
    return fs.n;
}
