/*
 * The asset register's rules (mamori/asset.h): names, checking and normalising an asset
 * against the policy, combined levels, derived 取扱制限, sensitivity, risk impact. Pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/asset.h"

const struct mamori_asset_type mamori_asset_types[] = {
    {"network", "ネットワーク", "Network", 1},
    {"system", "情報システム", "Information system", 1},
    {"equipment", "機器", "Equipment", 1},
    {"facility", "施設", "Facility", 1},
    {"medium", "電磁的記録媒体", "Storage medium", 1},
    {"information", "情報", "Information", 2},
    {"printed", "印刷された情報", "Printed information", 2},
    {"document", "システム関連文書", "System documents", 3},
};
const size_t mamori_n_asset_types = MAMORI_ARRAY_SIZE(mamori_asset_types);

const struct mamori_asset_field_name mamori_asset_field_names[MAMORI_ASSET_FIELD_MAX] = {
    [MAMORI_ASSET_ID] = {"id", "資産番号", "Asset number"},
    [MAMORI_ASSET_NAME] = {"name", "名称", "Name"},
    [MAMORI_ASSET_TYPE] = {"type", "種別", "Type"},
    [MAMORI_ASSET_UNIT] = {"unit", "所管課", "Owner unit"},
    [MAMORI_ASSET_MANAGER] = {"manager", "管理者", "Manager"},
    [MAMORI_ASSET_ZONE] = {"zone", "領域", "Zone"},
    [MAMORI_ASSET_SYSTEM] = {"system", "システム", "System"},
    [MAMORI_ASSET_LOCATION] = {"location", "保管場所・媒体", "Location or medium"},
    [MAMORI_ASSET_CONF] = {"conf", "機密性", "Confidentiality"},
    [MAMORI_ASSET_INTEG] = {"integ", "完全性", "Integrity"},
    [MAMORI_ASSET_AVAIL] = {"avail", "可用性", "Availability"},
    [MAMORI_ASSET_PARTS] = {"parts", "構成資産", "Parts"},
    [MAMORI_ASSET_RESTRICT_ADD] = {"restrict_add", "追加する取扱制限", "Added restrictions"},
    [MAMORI_ASSET_RESTRICT_REMOVE] = {"restrict_remove", "除く取扱制限", "Removed restrictions"},
    [MAMORI_ASSET_OVERRIDE_REASON] = {"override_reason", "取扱制限の変更理由",
                                      "Reason for the change"},
    [MAMORI_ASSET_RETENTION] = {"retention", "保存期間", "Retention"},
    [MAMORI_ASSET_RTO_HOURS] = {"rto_hours", "目標復旧時間（時間）", "RTO (hours)"},
    [MAMORI_ASSET_REVIEW_DUE] = {"review_due", "次回見直し日", "Next review"},
    [MAMORI_ASSET_STATE] = {"state", "状態", "State"},
    [MAMORI_ASSET_NOTE] = {"note", "備考", "Note"},
};

static const char *const event_ids[MAMORI_EVENT_MAX] = {
    "create", "obtain", "use", "store", "send", "carry", "provide", "dispose",
};
static const char *const event_ja[MAMORI_EVENT_MAX] = {
    "作成", "入手", "利用", "保管", "送信", "運搬", "提供・公表", "廃棄",
};
static const char *const event_en[MAMORI_EVENT_MAX] = {
    "Creation", "Obtaining", "Use", "Storage", "Sending", "Carrying", "Providing or publishing",
    "Disposal",
};

const char *const mamori_risk_treatments[] = {"reduce", "accept", "transfer", "avoid", NULL};

int
mamori_asset_type_find(const char *label)
{
    for (size_t i = 0; i < mamori_n_asset_types; i++) {
        const struct mamori_asset_type *t = &mamori_asset_types[i];
        if (strcmp(t->id, label) == 0 || strcmp(t->ja, label) == 0 || strcmp(t->en, label) == 0)
            return (int)i;
    }
    return -1;
}

int
mamori_asset_field_find(const char *label)
{
    static const char *const long_keys[] = {"confidentiality", "integrity", "availability"};
    for (int i = 0; i < MAMORI_ASSET_FIELD_MAX; i++) {
        const struct mamori_asset_field_name *f = &mamori_asset_field_names[i];
        if (strcmp(f->key, label) == 0 || strcmp(f->ja, label) == 0 || strcmp(f->en, label) == 0)
            return i;
    }
    for (int a = 0; a < 3; a++)
        if (strcmp(long_keys[a], label) == 0)
            return MAMORI_ASSET_CONF + a;
    return -1;
}

const char *
mamori_asset_event_id(enum mamori_asset_event_kind k)
{
    return k < MAMORI_EVENT_MAX ? event_ids[k] : "?";
}

const char *
mamori_asset_event_name(enum mamori_asset_event_kind k, bool ja)
{
    return k < MAMORI_EVENT_MAX ? (ja ? event_ja[k] : event_en[k]) : "?";
}

int
mamori_asset_event_find(const char *label)
{
    for (int i = 0; i < MAMORI_EVENT_MAX; i++)
        if (strcmp(event_ids[i], label) == 0 || strcmp(event_ja[i], label) == 0 ||
            strcmp(event_en[i], label) == 0)
            return i;
    return -1;
}

const char *
mamori_asset_event_action(enum mamori_asset_event_kind k)
{
    switch (k) {
    case MAMORI_EVENT_CARRY:
        return "asset.carry";
    case MAMORI_EVENT_PROVIDE:
        return "asset.provide";
    case MAMORI_EVENT_DISPOSE:
        return "asset.dispose";
    default:
        return NULL;
    }
}

/* ---- problems --------------------------------------------------------------------------- */

void
mamori_asset_problems_init(struct mamori_asset_problems *pr, struct mamori_arena *a, size_t max)
{
    *pr = (struct mamori_asset_problems){.arena = a, .max = max ? max : 1000};
}

void
mamori_asset_problem_add(struct mamori_asset_problems *pr, size_t row, const char *column,
                         const char *fmt, ...)
{
    if (!pr)
        return;
    if (pr->n >= pr->max) {
        pr->dropped++;
        return;
    }
    if (pr->n == pr->cap) {
        size_t cap = pr->cap ? pr->cap * 2 : 16;
        struct mamori_asset_problem *v = mamori_arena_alloc(pr->arena, cap * sizeof(*v));
        if (!v) {
            pr->dropped++;
            return;
        }
        if (pr->n)
            memcpy(v, pr->v, pr->n * sizeof(*v));
        pr->v = v;
        pr->cap = cap;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pr->v[pr->n++] =
        (struct mamori_asset_problem){row, column ? mamori_arena_strdup(pr->arena, column) : NULL,
                                      mamori_arena_strdup(pr->arena, msg)};
}

/* ---- normalising ------------------------------------------------------------------------ */

static const char *
column_name(int field)
{
    return mamori_i18n_japanese() ? mamori_asset_field_names[field].ja
                                  : mamori_asset_field_names[field].en;
}

/* Free text: no C0 controls (newline and tab only in notes), no DEL, no bidi controls (they
 * can make a name read backwards), valid UTF-8, at most max bytes. */
static bool
text_ok(const struct mamori_policy *p, struct mamori_asset_problems *pr, size_t row, int field,
        const char *s, size_t max, bool multiline)
{
    (void)p;
    size_t n = strlen(s);
    if (n > max) {
        mamori_asset_problem_add(pr, row, column_name(field), _("longer than %zu bytes"), max);
        return false;
    }
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = mamori_utf8_next(s + i, n - i, &cp);
        if (k == 0) {
            mamori_asset_problem_add(pr, row, column_name(field), _("not valid UTF-8"));
            return false;
        }
        bool bad = (cp < 0x20 && !(multiline && (cp == '\n' || cp == '\t' || cp == '\r'))) ||
                   cp == 0x7f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
        if (bad) {
            mamori_asset_problem_add(pr, row, column_name(field),
                                     _("contains the control character U+%04X"), (unsigned)cp);
            return false;
        }
        i += k;
    }
    return true;
}

static bool
id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || !(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

/* A comma-separated list normalised: each item trimmed, empty ones dropped, joined by ','.
 * check (may be NULL) maps an item to its id or NULL (problem reported by the caller). */
static const char *
norm_list(struct mamori_arena *arena, const char *s, const struct mamori_policy *p,
          struct mamori_asset_problems *pr, size_t row, int field)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 16);
    /* 、 and ， separate as ',' does (Japanese lists) */
    char *copy = mamori_arena_strdup(arena, s);
    if (!copy)
        return "";
    for (char *x = copy; *x; x++)
        if (strncmp(x, "、", 3) == 0 || strncmp(x, "，", 3) == 0) {
            memcpy(x, ",  ", 3);
            x += 2;
        }
    const char *q = copy;
    while (*q) {
        size_t n = strcspn(q, ",");
        size_t sep = q[n] == ',' ? 1 : 0;
        char *item = mamori_arena_strndup(arena, q, n);
        const char *t = item ? mamori_trim(arena, item) : "";
        if (*t) {
            const char *id = t;
            if (field == MAMORI_ASSET_PARTS) {
                if (!id_ok(t))
                    mamori_asset_problem_add(pr, row, column_name(field),
                                             _("\"%s\" is not an asset number"), t);
            } else {
                int k = mamori_policy_find_restriction(p, t);
                for (size_t i = 0; k < 0 && i < p->n_restrictions; i++)
                    if (p->restrictions[i].name.ja && strcmp(p->restrictions[i].name.ja, t) == 0)
                        k = (int)i;
                if (k < 0)
                    mamori_asset_problem_add(pr, row, column_name(field),
                                             _("\"%s\" is not a handling restriction of the "
                                               "policy"),
                                             t);
                else
                    id = p->restrictions[k].id;
            }
            /* no duplicates */
            bool dup = false;
            size_t il = strlen(id);
            const char *have = b.data ? b.data : "";
            for (const char *h = have; b.len && *h;) {
                size_t hl = strcspn(h, ",");
                if (hl == il && memcmp(h, id, il) == 0)
                    dup = true;
                h += hl + (h[hl] == ',');
            }
            if (!dup) {
                if (b.len)
                    mamori_buf_putc(&b, ',');
                mamori_buf_puts(&b, id);
            }
        }
        q += n + sep;
    }
    const char *r = mamori_arena_strndup(arena, b.data ? b.data : "", b.len);
    mamori_buf_done(&b);
    return r ? r : "";
}

static bool
list_has(const char *list, const char *id)
{
    size_t il = strlen(id);
    for (const char *h = list; h && *h;) {
        size_t hl = strcspn(h, ",");
        if (hl == il && memcmp(h, id, il) == 0)
            return true;
        h += hl + (h[hl] == ',');
    }
    return false;
}

static bool
level_has_restriction(const struct mamori_policy *p, enum mamori_axis_id axis, const char *level,
                      const char *restriction)
{
    int k = mamori_policy_find_level(p, axis, level);
    if (k < 0)
        return false;
    const struct mamori_level *lv = &p->classification.axes[axis].levels[k];
    for (size_t i = 0; i < lv->n_restrictions; i++)
        if (strcmp(lv->restrictions[i].name, restriction) == 0)
            return true;
    return false;
}

void
mamori_asset_normalize(const struct mamori_policy *p, struct mamori_store_asset *a,
                       struct mamori_arena *arena, struct mamori_asset_problems *pr, size_t row,
                       int *ret_aliased)
{
    for (int i = 0; i < MAMORI_ASSET_FIELD_MAX; i++)
        a->f[i] = mamori_trim(arena, a->f[i]);
    static const size_t max_len[MAMORI_ASSET_FIELD_MAX] = {
        [MAMORI_ASSET_NAME] = 400,      [MAMORI_ASSET_MANAGER] = 200,
        [MAMORI_ASSET_LOCATION] = 400,  [MAMORI_ASSET_OVERRIDE_REASON] = 1000,
        [MAMORI_ASSET_RETENTION] = 100, [MAMORI_ASSET_NOTE] = 4000,
    };
    bool bad[MAMORI_ASSET_FIELD_MAX] = {false};
    for (int i = 0; i < MAMORI_ASSET_FIELD_MAX; i++)
        if (!text_ok(p, pr, row, i, a->f[i], max_len[i] ? max_len[i] : 1000,
                     i == MAMORI_ASSET_NOTE)) {
            a->f[i] = "";
            bad[i] = true;
        }

    const char *id = a->f[MAMORI_ASSET_ID];
    if (!*id && !bad[MAMORI_ASSET_ID])
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_ID), _("missing"));
    else if (!id_ok(id))
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_ID),
                                 _("\"%s\": use ASCII letters, digits, '-', '_' and '.', at most "
                                   "64, starting with a letter or digit"),
                                 id);
    if (!*a->f[MAMORI_ASSET_NAME] && !bad[MAMORI_ASSET_NAME])
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_NAME), _("missing"));
    if (!*a->f[MAMORI_ASSET_MANAGER] && !bad[MAMORI_ASSET_MANAGER])
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_MANAGER), _("missing"));

    const char *t = a->f[MAMORI_ASSET_TYPE];
    int ti = *t ? mamori_asset_type_find(t) : -1;
    if (!*t)
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_TYPE), _("missing"));
    else if (ti < 0)
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_TYPE),
                                 _("\"%s\" is not an asset type (network, system, equipment, "
                                   "facility, medium, information, printed, document)"),
                                 t);
    else
        a->f[MAMORI_ASSET_TYPE] = mamori_asset_types[ti].id;

    const char *ambiguous;
    const char *u = a->f[MAMORI_ASSET_UNIT];
    int ui = *u ? MATCH_BY_NAME(p->units, p->n_units, u, &ambiguous) : -1;
    if (!*u)
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_UNIT), _("missing"));
    else if (ui == -2)
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_UNIT),
                                 _("\"%s\" names more than one unit; use its id (e.g. %s)"), u,
                                 ambiguous);
    else if (ui < 0)
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_UNIT),
                                 _("\"%s\" is not a unit of the policy"), u);
    else
        a->f[MAMORI_ASSET_UNIT] = p->units[ui].id;

    const char *z = a->f[MAMORI_ASSET_ZONE];
    if (*z) {
        int zi = MATCH_BY_NAME(p->zones, p->n_zones, z, &ambiguous);
        for (size_t i = 0; zi == -1 && i < p->n_zones; i++) /* the kind's Japanese name */
            if (strcmp(mamori_zone_kind_name(p->zones[i].kind, true), z) == 0 &&
                strcmp(p->zones[i].id, mamori_zone_kind_id(p->zones[i].kind)) == 0)
                zi = (int)i;
        if (zi < 0)
            mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_ZONE),
                                     _("\"%s\" is not a zone of the policy"), z);
        else
            a->f[MAMORI_ASSET_ZONE] = p->zones[zi].id;
    }
    const char *s = a->f[MAMORI_ASSET_SYSTEM];
    if (*s) {
        int si = MATCH_BY_NAME(p->systems, p->n_systems, s, &ambiguous);
        if (si < 0)
            mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_SYSTEM),
                                     _("\"%s\" is not a system of the policy"), s);
        else
            a->f[MAMORI_ASSET_SYSTEM] = p->systems[si].id;
    }

    a->f[MAMORI_ASSET_PARTS] =
        norm_list(arena, a->f[MAMORI_ASSET_PARTS], p, pr, row, MAMORI_ASSET_PARTS);
    if (*id && list_has(a->f[MAMORI_ASSET_PARTS], id))
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_PARTS),
                                 _("an asset cannot be a part of itself"));
    bool combined = *a->f[MAMORI_ASSET_PARTS] != '\0';
    int aliased = 0;
    for (int ax = 0; ax < MAMORI_AXIS_MAX; ax++) {
        int f = MAMORI_ASSET_CONF + ax;
        const char *lv = a->f[f];
        if (!*lv) {
            if (!combined)
                mamori_asset_problem_add(pr, row, column_name(f), _("missing"));
            continue;
        }
        bool alias = false;
        int k = mamori_policy_match_level(p, ax, lv, &alias);
        if (k < 0) {
            const struct mamori_axis *axis = &p->classification.axes[ax];
            char levels[256] = "";
            for (size_t i = 0; i < axis->n_levels; i++) {
                size_t used = strlen(levels);
                snprintf(levels + used, sizeof(levels) - used, "%s%s", i ? ", " : "",
                         axis->levels[i].id);
            }
            mamori_asset_problem_add(pr, row, column_name(f),
                                     _("\"%s\" is not a level of this scheme (%s)"), lv, levels);
        } else {
            a->f[f] = p->classification.axes[ax].levels[k].id;
            aliased += alias;
        }
    }
    if (ret_aliased)
        *ret_aliased += aliased;

    for (int f = MAMORI_ASSET_RESTRICT_ADD; f <= MAMORI_ASSET_RESTRICT_REMOVE; f++)
        a->f[f] = norm_list(arena, a->f[f], p, pr, row, f);
    if ((*a->f[MAMORI_ASSET_RESTRICT_ADD] || *a->f[MAMORI_ASSET_RESTRICT_REMOVE]) &&
        !*a->f[MAMORI_ASSET_OVERRIDE_REASON])
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_OVERRIDE_REASON),
                                 _("changing the handling restrictions of a class needs a "
                                   "reason"));

    const char *rto = a->f[MAMORI_ASSET_RTO_HOURS];
    if (*rto) {
        char *end;
        long v = strtol(rto, &end, 10);
        if (*end || v < 1 || v > 8760)
            mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_RTO_HOURS),
                                     _("\"%s\" is not a number of hours from 1 to 8760"), rto);
    } else if (level_has_restriction(p, MAMORI_AXIS_AVAILABILITY, a->f[MAMORI_ASSET_AVAIL],
                                     "recovery_time")) {
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_RTO_HOURS),
                                 _("availability %s requires a recovery time (RTO)"),
                                 a->f[MAMORI_ASSET_AVAIL]);
    }

    const char *d = a->f[MAMORI_ASSET_REVIEW_DUE];
    if (*d) {
        /* Excel writes 2027/4/1: accept / and unpadded months and days */
        int32_t days;
        char iso[11];
        if (mamori_date_parse_loose(d, iso, &days) == 0)
            a->f[MAMORI_ASSET_REVIEW_DUE] = mamori_arena_strdup(arena, iso);
        else
            mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_REVIEW_DUE),
                                     _("\"%s\" is not a date (YYYY-MM-DD)"), d);
    }
    const char *st = a->f[MAMORI_ASSET_STATE];
    if (!*st || strcmp(st, "使用中") == 0)
        a->f[MAMORI_ASSET_STATE] = "active";
    else if (strcmp(st, "廃棄済") == 0)
        a->f[MAMORI_ASSET_STATE] = "disposed";
    else if (strcmp(st, "active") != 0 && strcmp(st, "disposed") != 0)
        mamori_asset_problem_add(pr, row, column_name(MAMORI_ASSET_STATE),
                                 _("\"%s\" is not a state (active 使用中, disposed 廃棄済)"), st);
}

/* ---- derived values --------------------------------------------------------------------- */

void
mamori_asset_combine(const struct mamori_policy *p, const struct mamori_store_asset *const *parts,
                     size_t n, const char *ret_levels[MAMORI_AXIS_MAX])
{
    for (int ax = 0; ax < MAMORI_AXIS_MAX; ax++) {
        int best = -1;
        for (size_t i = 0; i < n; i++) {
            int k = mamori_policy_find_level(p, ax, parts[i]->f[MAMORI_ASSET_CONF + ax]);
            if (k >= 0 && (best < 0 || k < best))
                best = k; /* index 0 is the highest level */
        }
        ret_levels[ax] = best >= 0 ? p->classification.axes[ax].levels[best].id : "";
    }
}

size_t
mamori_asset_restrictions(const struct mamori_policy *p, const struct mamori_store_asset *a,
                          const char **ret, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_restrictions && n < max; i++) {
        const char *r = p->restrictions[i].id;
        bool on = list_has(a->f[MAMORI_ASSET_RESTRICT_ADD], r);
        for (int ax = 0; !on && ax < MAMORI_AXIS_MAX; ax++)
            on = level_has_restriction(p, ax, a->f[MAMORI_ASSET_CONF + ax], r);
        if (on && !list_has(a->f[MAMORI_ASSET_RESTRICT_REMOVE], r))
            ret[n++] = r;
    }
    return n;
}

void
mamori_asset_label(const struct mamori_policy *p, const struct mamori_store_asset *a, bool ja,
                   char *out, size_t n)
{
    (void)p;
    static const char *const short_en[] = {"C", "I", "A"};
    size_t used = 0;
    out[0] = '\0';
    for (int ax = 0; ax < MAMORI_AXIS_MAX && used < n; ax++) {
        const char *lv = a->f[MAMORI_ASSET_CONF + ax];
        if (!*lv)
            continue;
        int k = snprintf(out + used, n - used, "%s%s%s", used ? " " : "",
                         ja ? mamori_axis_name(ax, true) : short_en[ax], lv);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

bool
mamori_asset_sensitive(const struct mamori_policy *p, const struct mamori_store_asset *a)
{
    const struct mamori_axis *ax = &p->classification.axes[MAMORI_AXIS_CONFIDENTIALITY];
    int k = mamori_policy_find_level(p, MAMORI_AXIS_CONFIDENTIALITY, a->f[MAMORI_ASSET_CONF]);
    /* unknown: treat as sensitive (never skip an approval by accident) */
    return k < 0 || (size_t)k + 1 < ax->n_levels;
}

int
mamori_asset_level_rank(const struct mamori_policy *p, enum mamori_axis_id axis, const char *id)
{
    int k = mamori_policy_find_level(p, axis, id);
    if (k < 0)
        return 1;
    if (id[0] >= '1' && id[0] <= '9') {
        int r = id[0] - '0';
        return r > 3 ? 3 : r;
    }
    int from_bottom = (int)p->classification.axes[axis].n_levels - k;
    return from_bottom > 3 ? 3 : from_bottom < 1 ? 1 : from_bottom;
}

int
mamori_asset_impact(const struct mamori_policy *p, const struct mamori_store_asset *a,
                    const struct mamori_threat *t)
{
    bool all =
        t->threat_class == MAMORI_THREAT_INTENTIONAL || t->threat_class == MAMORI_THREAT_ACCIDENTAL;
    int best = 1;
    for (int ax = all ? 0 : MAMORI_AXIS_AVAILABILITY; ax < MAMORI_AXIS_MAX; ax++) {
        int r = mamori_asset_level_rank(p, ax, a->f[MAMORI_ASSET_CONF + ax]);
        if (r > best)
            best = r;
    }
    return best;
}

const char *
mamori_risk_band(int64_t level)
{
    return level >= 6 ? "high" : level >= 3 ? "medium" : "low";
}

bool
mamori_asset_may_edit(const struct mamori_policy *p, const struct mamori_store_person *actor,
                      const char *unit)
{
    const char *r = actor->role;
    if (strcmp(r, "ciso") == 0 || strcmp(r, "general_manager") == 0)
        return true;
    static const char *const scoped[] = {"dept_manager", "section_manager", "system_admin",
                                         "system_staff"};
    bool ok = false;
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(scoped); i++)
        ok |= strcmp(r, scoped[i]) == 0;
    if (!ok)
        return false;
    int au = mamori_policy_find_unit(p, actor->unit);
    int u = mamori_policy_find_unit(p, unit);
    return au >= 0 && u >= 0 && mamori_unit_within(p, u, au);
}

int
mamori_asset_units_below(const struct mamori_policy *p, const char *unit, struct mamori_arena *a,
                         const char **ret)
{
    int u = mamori_policy_find_unit(p, unit);
    if (u < 0)
        return -ENOENT;
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    int r = mamori_buf_putc(&b, ',');
    for (size_t i = 0; r == 0 && i < p->n_units; i++)
        if (mamori_unit_within(p, (int)i, u))
            r = mamori_buf_printf(&b, "%s,", p->units[i].id);
    *ret = r == 0 ? mamori_arena_strndup(a, b.data, b.len) : NULL;
    mamori_buf_done(&b);
    return r < 0 ? r : *ret ? 0 : -ENOMEM;
}
