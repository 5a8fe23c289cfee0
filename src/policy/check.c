/*
 * Policy checker: completes a loaded policy with the built-in data (standard roles,
 * well-known services, the default classification scheme), resolves every reference, and
 * checks the rules of DESIGN.md §2, each diagnostic citing the clause of the 基本方針 it
 * protects:
 *
 *   - nothing flows between mynumber and internet except national_specific via lgwan  6(3)①
 *   - mynumber <-> lgwan only as pinned_exception with approver, expiry and pins      6(3)①
 *   - internet -> lgwan only as mail_text, file_sanitize or screen_transfer            6(3)②
 *   - lgwan -> internet only for a named service, approved; under model α only from a
 *     listed system (e.g. the outbound mail relay), terminals need α'                 6(3)②
 *   - segments of different zones never overlap                                        2(10)
 *
 * It runs even when loading found errors, and skips whatever did not load, so one run of
 * `mamori policy check` shows every problem.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

#define ERR(d, pos, ...) mamori_diags_add(d, MAMORI_SEV_ERROR, (pos).line, (pos).col, __VA_ARGS__)
#define WARN(d, pos, ...)                                                                          \
    mamori_diags_add(d, MAMORI_SEV_WARNING, (pos).line, (pos).col, __VA_ARGS__)

struct checker {
    struct mamori_policy *p;
    struct mamori_diags *d;
    int32_t today;
    bool oom;
};

/* Every entry struct starts with its id. */
static const char *
id_at(const void *arr, size_t size, size_t i)
{
    return *(const char *const *)((const char *)arr + i * size);
}

static int
find_id(const void *arr, size_t n, size_t size, const char *id)
{
    if (!id)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *x = id_at(arr, size, i);
        if (x && strcmp(x, id) == 0)
            return (int)i;
    }
    return -1;
}

static const char *
closest_id(const void *arr, size_t n, size_t size, const char *id)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < n; i++) {
        const char *x = id_at(arr, size, i);
        if (!x)
            continue;
        size_t d = mamori_edit_distance(id, x);
        if (d < best_d) {
            best_d = d;
            best = x;
        }
    }
    return best;
}

/* Resolves ref against arr; reports an unknown id (with a hint) as "unknown <what>". */
static bool
resolve(struct checker *c, struct mamori_ref *ref, const void *arr, size_t n, size_t size,
        const char *what)
{
    if (!ref->name)
        return false;
    ref->index = find_id(arr, n, size, ref->name);
    if (ref->index >= 0)
        return true;
    const char *hint = closest_id(arr, n, size, ref->name);
    if (hint)
        ERR(c->d, ref->pos, _("unknown %s '%s'; did you mean '%s'?"), what, ref->name, hint);
    else
        ERR(c->d, ref->pos, _("unknown %s '%s'"), what, ref->name);
    return false;
}

/* Ids name things in generated firewall rules, log prefixes, file names and URLs: ASCII
 * letters and digits, then also '-', '_' and '.', at most 64 bytes. */
static bool
id_well_formed(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64 || !isalnum((unsigned char)id[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)id[i];
        if (ch >= 0x80 || !(isalnum(ch) || ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

static void
check_duplicates(struct checker *c, const void *arr, size_t n, size_t size, size_t pos_off,
                 const char *what)
{
    for (size_t i = 0; i < n; i++) {
        const char *id = id_at(arr, size, i);
        if (!id)
            continue;
        if (!id_well_formed(id)) {
            const struct mamori_pos *pi = (const void *)((const char *)arr + i * size + pos_off);
            ERR(c->d, *pi,
                _("%s id '%s': use ASCII letters, digits, '-', '_' and '.', starting with a "
                  "letter or digit, at most 64 characters"),
                what, id);
        }
        for (size_t k = 0; k < i; k++) {
            const char *other = id_at(arr, size, k);
            if (other && strcmp(other, id) == 0) {
                const struct mamori_pos *pi =
                    (const void *)((const char *)arr + i * size + pos_off);
                const struct mamori_pos *pk =
                    (const void *)((const char *)arr + k * size + pos_off);
                ERR(c->d, *pi, _("duplicate %s id '%s' (first defined at line %u)"), what, id,
                    pk->line);
                break;
            }
        }
    }
}

static void *
grow(struct checker *c, size_t n, size_t size)
{
    void *p = mamori_arena_calloc(c->p->arena, n ? n : 1, size);
    if (!p)
        c->oom = true;
    return p;
}

/* ---- built-in data ---------------------------------------------------------------------- */

static void
merge_roles(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->roles, p->n_roles, sizeof(*p->roles), offsetof(struct mamori_role, pos),
                     _("role"));
    struct mamori_role *all = grow(c, mamori_n_builtin_roles + p->n_roles, sizeof(*all));
    if (!all)
        return;
    size_t n = 0;
    for (size_t i = 0; i < mamori_n_builtin_roles; i++) {
        const struct builtin_role *b = &mamori_builtin_roles[i];
        all[n++] = (struct mamori_role){b->id, {b->ja, b->en}, true, {0, 0}};
    }
    for (size_t i = 0; i < p->n_roles; i++) {
        struct mamori_role *r = &p->roles[i];
        if (!r->id)
            continue;
        int k = find_id(all, n, sizeof(*all), r->id);
        if (k >= 0) {
            /* Renaming a standard role for display is allowed; its meaning stays. */
            if (r->name.ja || r->name.en)
                all[k].name = r->name;
            all[k].pos = r->pos;
            continue;
        }
        all[n] = *r;
        all[n++].builtin = false;
    }
    p->roles = all;
    p->n_roles = n;
}

static void
merge_restrictions(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->restrictions, p->n_restrictions, sizeof(*p->restrictions),
                     offsetof(struct mamori_restriction, pos), _("restriction"));
    size_t nb = mamori_n_builtin_restrictions;
    struct mamori_restriction *all = grow(c, nb + p->n_restrictions, sizeof(*all));
    if (!all)
        return;
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        const struct builtin_restriction *b = &mamori_builtin_restrictions[i];
        all[n++] = (struct mamori_restriction){b->id, {b->ja, b->en}, {0, 0}};
    }
    for (size_t i = 0; i < p->n_restrictions; i++) {
        struct mamori_restriction *r = &p->restrictions[i];
        int k = find_id(all, n, sizeof(*all), r->id);
        if (k >= 0)
            all[k] = *r;
        else if (r->id)
            all[n++] = *r;
    }
    p->restrictions = all;
    p->n_restrictions = n;
}

static void
merge_services(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->services, p->n_services, sizeof(*p->services),
                     offsetof(struct mamori_service, pos), _("service"));
    size_t nb = mamori_n_builtin_services;
    struct mamori_service *all = grow(c, nb + p->n_services, sizeof(*all));
    if (!all)
        return;
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        const struct builtin_service *b = &mamori_builtin_services[i];
        all[n] = (struct mamori_service){
            b->id, {b->ja, NULL}, (struct mamori_port_range *)b->ports, b->n_ports, true, {0, 0}};
        n++;
    }
    for (size_t i = 0; i < p->n_services; i++) {
        struct mamori_service *s = &p->services[i];
        if (s->id && strcmp(s->id, "any") == 0) {
            ERR(c->d, s->pos, _("'any' is reserved: a flow with service 'any' matches every port"));
            continue;
        }
        int k = find_id(all, n, sizeof(*all), s->id);
        if (k >= 0)
            all[k] = *s;
        else if (s->id)
            all[n++] = *s;
    }
    p->services = all;
    p->n_services = n;
}

static void
merge_threats(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->threats, p->n_threats, sizeof(*p->threats),
                     offsetof(struct mamori_threat, pos), _("threat"));
    size_t nb = mamori_n_builtin_threats;
    struct mamori_threat *all = grow(c, nb + p->n_threats, sizeof(*all));
    if (!all)
        return;
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        const struct builtin_threat *b = &mamori_builtin_threats[i];
        size_t ne = 0;
        while (ne < MAMORI_ARRAY_SIZE(b->examples) && b->examples[ne])
            ne++;
        all[n++] = (struct mamori_threat){
            b->id, b->threat_class, {b->ja, b->en}, (const char **)b->examples, ne, true, {0, 0}};
    }
    for (size_t i = 0; i < p->n_threats; i++) {
        struct mamori_threat *t = &p->threats[i];
        if (!t->id)
            continue;
        int k = find_id(all, n, sizeof(*all), t->id);
        if (k >= 0) { /* renames or extends a built-in threat; what it leaves out stays */
            if (t->threat_class)
                all[k].threat_class = t->threat_class;
            if (t->name.ja || t->name.en)
                all[k].name = t->name;
            if (t->n_examples) {
                all[k].examples = t->examples;
                all[k].n_examples = t->n_examples;
            }
            all[k].pos = t->pos;
            continue;
        }
        if (!t->threat_class)
            ERR(c->d, t->pos, _("threat '%s': a new threat needs its class (1 to 5, 基本方針 3)"),
                t->id);
        if (!t->name.ja && !t->name.en)
            ERR(c->d, t->pos, _("threat '%s': a new threat needs a name"), t->id);
        all[n++] = *t;
    }
    p->threats = all;
    p->n_threats = n;
}

static void
default_classification(struct checker *c)
{
    struct mamori_policy *p = c->p;
    bool any = false;
    for (int a = 0; a < MAMORI_AXIS_MAX; a++) {
        struct mamori_axis *ax = &p->classification.axes[a];
        if (ax->n_levels > 0) {
            any = true;
            continue;
        }
        size_t nl = mamori_n_builtin_levels[a];
        struct mamori_level *levels = grow(c, nl, sizeof(*levels));
        if (!levels)
            return;
        for (size_t i = 0; i < nl; i++) {
            const struct builtin_level *b = &mamori_builtin_levels[a][i];
            size_t nr = 0;
            while (nr < MAMORI_ARRAY_SIZE(b->restrictions) && b->restrictions[nr])
                nr++;
            struct mamori_ref *refs = grow(c, nr, sizeof(*refs));
            if (!refs)
                return;
            for (size_t k = 0; k < nr; k++)
                refs[k] = (struct mamori_ref){b->restrictions[k], {0, 0}, -1};
            levels[i] = (struct mamori_level){
                b->id, {b->ja, b->en}, {b->definition_ja, NULL}, refs, nr, NULL, NULL, 0, {0, 0}};
        }
        ax->levels = levels;
        ax->n_levels = nl;
    }
    if (!p->classification.scheme)
        p->classification.scheme = any ? "custom" : "jichitai-2024";
    p->classification.builtin = !any;
}

static void
check_classification(struct checker *c)
{
    struct mamori_policy *p = c->p;
    for (int a = 0; a < MAMORI_AXIS_MAX; a++) {
        struct mamori_axis *ax = &p->classification.axes[a];
        check_duplicates(c, ax->levels, ax->n_levels, sizeof(*ax->levels),
                         offsetof(struct mamori_level, pos), _("level"));
        for (size_t i = 0; i < ax->n_levels; i++) {
            struct mamori_level *lv = &ax->levels[i];
            for (size_t k = 0; k < lv->n_restrictions; k++)
                resolve(c, &lv->restrictions[k], p->restrictions, p->n_restrictions,
                        sizeof(*p->restrictions), _("restriction"));
            /* An alias must name one level only: not another level's id or alias. */
            for (size_t k = 0; k < lv->n_aliases; k++) {
                const char *al = lv->aliases[k];
                for (size_t j = 0; j < ax->n_levels; j++) {
                    const struct mamori_level *o = &ax->levels[j];
                    bool clash = j != i && o->id && strcmp(o->id, al) == 0;
                    for (size_t m = 0; !clash && j < i && m < o->n_aliases; m++)
                        clash = strcmp(o->aliases[m], al) == 0;
                    if (clash) {
                        ERR(c->d, lv->pos, _("level '%s': alias '%s' also names level '%s'"),
                            lv->id, al, o->id);
                        break;
                    }
                }
            }
        }
    }
}

static void
apply_defaults(struct mamori_policy *p)
{
    if (!p->sanitize.pdf_dpi)
        p->sanitize.pdf_dpi = 150;
    if (!p->assets.review_months)
        p->assets.review_months = 12;
    if (!p->assets.risk_review_months)
        p->assets.risk_review_months = 12;
    struct mamori_gov_rules *g = &p->governance;
    if (!g->incident_prompt_days)
        g->incident_prompt_days = 3;
    if (!g->leaver_days)
        g->leaver_days = 5;
    if (!g->remind_days)
        g->remind_days = 14;
    if (!g->review_months)
        g->review_months = 12;
    struct mamori_limits *lim = &p->sanitize.limits;
    if (!lim->max_depth)
        lim->max_depth = 16;
    if (!lim->max_parts)
        lim->max_parts = 256;
    if (!lim->max_header_bytes)
        lim->max_header_bytes = (int64_t)256 * 1024;
    if (!lim->max_message_bytes)
        lim->max_message_bytes = (int64_t)64 * 1024 * 1024;
    if (!lim->max_decoded_bytes)
        lim->max_decoded_bytes = (int64_t)256 * 1024 * 1024;
    if (!p->retention.originals_days)
        p->retention.originals_days = 90;
    if (!p->retention.audit_log_years)
        p->retention.audit_log_years = 5;
    if (!p->monitoring.nflog_group)
        p->monitoring.nflog_group = 7;
    if (!p->monitoring.alert_after)
        p->monitoring.alert_after = 10;
    if (!p->monitoring.alert_window_seconds)
        p->monitoring.alert_window_seconds = 60;
    struct mamori_console_rules *cr = &p->console;
    int64_t *slot[] = {&cr->lockout_after,           &cr->lockout_after_privileged,
                       &cr->lockout_minutes,         &cr->idle_minutes,
                       &cr->idle_minutes_privileged, &cr->session_hours,
                       &cr->session_hours_privileged};
    const int64_t dflt[] = {5, 3, 15, 30, 15, 10, 4};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(slot); i++)
        if (!*slot[i])
            *slot[i] = dflt[i];
}

/* ---- mail from particular senders -------------------------------------------------------- */

static bool
domain_ok(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > 253 || d[0] == '.' || d[n - 1] == '.' || d[0] == '-')
        return false;
    for (const char *p = d; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return false;
    return !strstr(d, "..");
}

static void
check_senders(struct checker *c)
{
    struct mamori_policy *p = c->p;
    for (size_t i = 0; i < p->sanitize.n_senders; i++) {
        const struct mamori_sender_rule *r = &p->sanitize.senders[i];
        if (!domain_ok(r->domain))
            ERR(c->d, r->pos,
                _("'%s' is not a domain name (lowercase letters, digits, '-' and '.'; no '@')"),
                r->domain);
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->sanitize.senders[k].domain, r->domain) == 0)
                ERR(c->d, r->pos, _("sender rule for '%s' is given twice (first on line %u)"),
                    r->domain, p->sanitize.senders[k].pos.line);
    }
}

/* ---- organisation ----------------------------------------------------------------------- */

static void
check_units(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->units, p->n_units, sizeof(*p->units), offsetof(struct mamori_unit, pos),
                     _("unit"));
    for (size_t i = 0; i < p->n_units; i++) {
        struct mamori_unit *u = &p->units[i];
        if (!u->parent.name)
            continue;
        if (!resolve(c, &u->parent, p->units, p->n_units, sizeof(*p->units), _("unit")))
            continue;
        /* A parent chain longer than the number of units is a cycle. */
        int k = u->parent.index;
        size_t steps = 0;
        while (k >= 0 && steps <= p->n_units) {
            if ((size_t)k == i) {
                ERR(c->d, u->parent.pos, _("unit '%s' is its own ancestor"), u->id);
                break;
            }
            k = p->units[k].parent.index;
            steps++;
        }
    }
}

static void
check_approvals(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->approvals, p->n_approvals, sizeof(*p->approvals),
                     offsetof(struct mamori_approval, pos), _("approval action"));
    for (size_t i = 0; i < p->n_approvals; i++)
        resolve(c, &p->approvals[i].approver, p->roles, p->n_roles, sizeof(*p->roles), _("role"));
}

/* ---- zones, segments, systems ----------------------------------------------------------- */

static void
check_zones(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->zones, p->n_zones, sizeof(*p->zones), offsetof(struct mamori_zone, pos),
                     _("zone"));
    if (p->n_zones == 0) {
        /* The loader has already said that 'zones' is missing or is not a list. */
        if (c->d->n_errors == 0)
            ERR(c->d, ((struct mamori_pos){0, 0}),
                _("no zones are defined: define mynumber, lgwan and internet [基本方針 6(3)]"));
        return;
    }
    for (int k = 0; k < MAMORI_ZONE_KIND_MAX; k++) {
        const char *std = mamori_zone_kind_id(k);
        int z = find_id(p->zones, p->n_zones, sizeof(*p->zones), std);
        if (z < 0)
            ERR(c->d, ((struct mamori_pos){0, 0}),
                _("the standard zone '%s' (%s) is not defined [基本方針 2(%d)]"), std,
                mamori_zone_kind_name(k, true), 7 + k);
    }
    for (size_t i = 0; i < p->n_zones; i++) {
        struct mamori_zone *z = &p->zones[i];
        z->kind = MAMORI_ZONE_KIND_MAX;
        if (!z->id)
            continue;
        int std = -1;
        for (int k = 0; k < MAMORI_ZONE_KIND_MAX; k++)
            if (strcmp(z->id, mamori_zone_kind_id(k)) == 0)
                std = k;
        if (std >= 0) {
            if (z->parent.name)
                ERR(c->d, z->parent.pos, _("the standard zone '%s' cannot have a parent"), z->id);
            z->kind = std;
            z->depth = 1;
            if (!z->name.ja)
                z->name.ja = mamori_zone_kind_name(std, true);
            if (!z->name.en)
                z->name.en = mamori_zone_kind_name(std, false);
        } else if (!z->parent.name) {
            ERR(c->d, z->pos,
                _("zone '%s' is not one of mynumber, lgwan, internet: give it a parent zone"),
                z->id);
        } else {
            resolve(c, &z->parent, p->zones, p->n_zones, sizeof(*p->zones), _("zone"));
        }
    }
    /* Kinds and depths of sub-zones follow their parents; a chain that does not reach a
     * standard zone within n steps is a cycle. */
    for (size_t i = 0; i < p->n_zones; i++) {
        struct mamori_zone *z = &p->zones[i];
        if (z->kind != MAMORI_ZONE_KIND_MAX || z->parent.index < 0)
            continue;
        int k = z->parent.index;
        int depth = 1;
        while (k >= 0 && p->zones[k].kind == MAMORI_ZONE_KIND_MAX && depth <= (int)p->n_zones) {
            k = p->zones[k].parent.index;
            depth++;
        }
        if (k < 0 || p->zones[k].kind == MAMORI_ZONE_KIND_MAX) {
            if (depth > (int)p->n_zones)
                ERR(c->d, z->parent.pos, _("zone '%s' is its own ancestor"), z->id);
            continue;
        }
        z->kind = p->zones[k].kind;
        z->depth = p->zones[k].depth + depth;
    }
}

/* The endpoint namespace: zones, segments and systems share one set of ids, so that a flow's
 * from/to names exactly one thing. */
static void
check_endpoint_ids(struct checker *c)
{
    struct mamori_policy *p = c->p;
    for (size_t i = 0; i < p->n_segments; i++) {
        struct mamori_segment *s = &p->segments[i];
        int z = find_id(p->zones, p->n_zones, sizeof(*p->zones), s->id);
        if (z >= 0)
            ERR(c->d, s->pos, _("segment id '%s' is already used by a zone (line %u)"), s->id,
                p->zones[z].pos.line);
    }
    for (size_t i = 0; i < p->n_systems; i++) {
        struct mamori_system *s = &p->systems[i];
        int z = find_id(p->zones, p->n_zones, sizeof(*p->zones), s->id);
        int g = find_id(p->segments, p->n_segments, sizeof(*p->segments), s->id);
        if (z >= 0)
            ERR(c->d, s->pos, _("system id '%s' is already used by a zone (line %u)"), s->id,
                p->zones[z].pos.line);
        else if (g >= 0)
            ERR(c->d, s->pos, _("system id '%s' is already used by a segment (line %u)"), s->id,
                p->segments[g].pos.line);
    }
}

static int
zone_kind_of(const struct mamori_policy *p, int zone)
{
    return zone >= 0 ? (int)p->zones[zone].kind : MAMORI_ZONE_KIND_MAX;
}

static void
check_segments(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->segments, p->n_segments, sizeof(*p->segments),
                     offsetof(struct mamori_segment, pos), _("segment"));
    for (size_t i = 0; i < p->n_segments; i++) {
        struct mamori_segment *s = &p->segments[i];
        resolve(c, &s->zone, p->zones, p->n_zones, sizeof(*p->zones), _("zone"));
        if (!s->cidr.family || s->zone.index < 0)
            continue;
        for (size_t k = 0; k < i; k++) {
            struct mamori_segment *o = &p->segments[k];
            if (!o->cidr.family || o->zone.index < 0)
                continue;
            if (!mamori_cidr_overlap(&s->cidr, &o->cidr))
                continue;
            if (zone_kind_of(p, s->zone.index) != zone_kind_of(p, o->zone.index))
                ERR(c->d, s->pos,
                    _("segment '%s' overlaps segment '%s' of another zone (%s and %s); the zones' "
                      "networks must be separate [基本方針 2(10)]"),
                    s->id, o->id, p->zones[s->zone.index].id, p->zones[o->zone.index].id);
            else
                ERR(c->d, s->pos, _("segment '%s' overlaps segment '%s' (line %u)"), s->id, o->id,
                    o->pos.line);
        }
    }
}

/* The segment whose network contains addr (longest prefix), or -1. */
static int
segment_of(const struct mamori_policy *p, const struct mamori_cidr *addr)
{
    int best = -1;
    for (size_t i = 0; i < p->n_segments; i++) {
        const struct mamori_segment *s = &p->segments[i];
        if (!s->cidr.family || !mamori_cidr_contains(&s->cidr, addr))
            continue;
        if (best < 0 || s->cidr.prefix > p->segments[best].cidr.prefix)
            best = (int)i;
    }
    return best;
}

static void
check_systems(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->systems, p->n_systems, sizeof(*p->systems),
                     offsetof(struct mamori_system, pos), _("system"));
    for (size_t i = 0; i < p->n_systems; i++) {
        struct mamori_system *s = &p->systems[i];
        resolve(c, &s->zone, p->zones, p->n_zones, sizeof(*p->zones), _("zone"));
        if (s->owner.name)
            resolve(c, &s->owner, p->units, p->n_units, sizeof(*p->units), _("unit"));
        if (s->zone.index < 0)
            continue;
        for (size_t h = 0; h < s->n_hosts; h++) {
            int g = segment_of(p, &s->hosts[h]);
            if (g < 0 || p->segments[g].zone.index < 0)
                continue;
            if (zone_kind_of(p, p->segments[g].zone.index) != zone_kind_of(p, s->zone.index))
                ERR(c->d, s->pos,
                    _("system '%s' is in zone '%s' but its host %zu lies in segment '%s' of zone "
                      "'%s' [基本方針 2(10)]"),
                    s->id, p->zones[s->zone.index].id, h + 1, p->segments[g].id,
                    p->zones[p->segments[g].zone.index].id);
        }
    }
}

/* ---- flows ------------------------------------------------------------------------------ */

/* Resolves a flow endpoint against zones, then segments, then systems. */
static bool
resolve_endpoint(struct checker *c, struct mamori_ref *ref, enum mamori_endpoint_kind *kind,
                 int *zone)
{
    struct mamori_policy *p = c->p;
    *zone = -1;
    if (!ref->name)
        return false;
    int i;
    if ((i = find_id(p->zones, p->n_zones, sizeof(*p->zones), ref->name)) >= 0) {
        *kind = MAMORI_ENDPOINT_ZONE;
        *zone = i;
    } else if ((i = find_id(p->segments, p->n_segments, sizeof(*p->segments), ref->name)) >= 0) {
        *kind = MAMORI_ENDPOINT_SEGMENT;
        *zone = p->segments[i].zone.index;
    } else if ((i = find_id(p->systems, p->n_systems, sizeof(*p->systems), ref->name)) >= 0) {
        *kind = MAMORI_ENDPOINT_SYSTEM;
        *zone = p->systems[i].zone.index;
    } else {
        const char *hint = closest_id(p->zones, p->n_zones, sizeof(*p->zones), ref->name);
        if (!hint)
            hint = closest_id(p->systems, p->n_systems, sizeof(*p->systems), ref->name);
        if (!hint)
            hint = closest_id(p->segments, p->n_segments, sizeof(*p->segments), ref->name);
        if (hint)
            ERR(c->d, ref->pos, _("unknown zone, segment or system '%s'; did you mean '%s'?"),
                ref->name, hint);
        else
            ERR(c->d, ref->pos, _("unknown zone, segment or system '%s'"), ref->name);
        return false;
    }
    ref->index = i;
    return true;
}

static const char *
kind_label(int k)
{
    return k < MAMORI_ZONE_KIND_MAX ? mamori_zone_kind_id(k) : "?";
}

/* The invariants of DESIGN.md §2 "Zones and flows" for one flow between two zone kinds. */
static void
check_flow_invariants(struct checker *c, struct mamori_flow *f, int from, int to)
{
    struct mamori_policy *p = c->p;
    enum mamori_method m = (enum mamori_method)f->method;
    if (m == MAMORI_METHOD_DENY)
        return;
    bool my_in = from == MAMORI_ZONE_MYNUMBER || to == MAMORI_ZONE_MYNUMBER;
    bool net_in = from == MAMORI_ZONE_INTERNET || to == MAMORI_ZONE_INTERNET;
    bool lg_in = from == MAMORI_ZONE_LGWAN || to == MAMORI_ZONE_LGWAN;
    const char *name = f->id ? f->id : "?";

    if (from == to) {
        if (m != MAMORI_METHOD_DIRECT && m != MAMORI_METHOD_PINNED_EXCEPTION)
            ERR(c->d, f->pos,
                _("flow '%s' stays inside zone kind %s; method %s is for traffic between zones"),
                name, kind_label(from), mamori_method_id(m));
        return;
    }
    if (my_in && net_in) {
        if (m != MAMORI_METHOD_NATIONAL_SPECIFIC) {
            ERR(c->d, f->pos,
                _("flow '%s': nothing may flow between mynumber and internet except "
                  "national_specific via lgwan (method is %s) [基本方針 6(3)①]"),
                name, mamori_method_id(m));
        } else if (!f->via.name) {
            ERR(c->d, f->pos,
                _("flow '%s': national_specific between mynumber and internet must go via lgwan "
                  "(add via: lgwan) [基本方針 6(3)①]"),
                name);
        } else if (f->via.index >= 0 && p->zones[f->via.index].kind != MAMORI_ZONE_LGWAN) {
            ERR(c->d, f->via.pos,
                _("flow '%s': national_specific between mynumber and internet must go via lgwan, "
                  "not '%s' [基本方針 6(3)①]"),
                name, f->via.name);
        }
        return;
    }
    if (my_in && lg_in) {
        if (m != MAMORI_METHOD_PINNED_EXCEPTION) {
            ERR(c->d, f->pos,
                _("flow '%s': mynumber and lgwan may only be connected by a pinned_exception with "
                  "an approver and an expiry (method is %s) [基本方針 6(3)①]"),
                name, mamori_method_id(m));
        }
        return; /* pinned_exception's own requirements are checked for every flow */
    }
    if (from == MAMORI_ZONE_INTERNET && to == MAMORI_ZONE_LGWAN) {
        bool beta = p->network.model == MAMORI_NETMODEL_BETA ||
                    p->network.model == MAMORI_NETMODEL_BETA_PRIME;
        if (m == MAMORI_METHOD_MAIL_TEXT || m == MAMORI_METHOD_FILE_SANITIZE ||
            m == MAMORI_METHOD_SCREEN_TRANSFER)
            return;
        if (beta && m == MAMORI_METHOD_DIRECT && f->to_kind == MAMORI_ENDPOINT_SYSTEM &&
            f->approver.name)
            return;
        ERR(c->d, f->pos,
            _("flow '%s': internet may reach lgwan only as mail_text, file_sanitize or "
              "screen_transfer (無害化通信; method is %s) [基本方針 6(3)②]"),
            name, mamori_method_id(m));
        return;
    }
    if (from == MAMORI_ZONE_LGWAN && to == MAMORI_ZONE_INTERNET) {
        if (m != MAMORI_METHOD_DIRECT) {
            ERR(c->d, f->pos,
                _("flow '%s': lgwan may reach internet only directly for an approved, named "
                  "service (method is %s) [基本方針 6(3)②]"),
                name, mamori_method_id(m));
            return;
        }
        if (f->service.index == -2)
            ERR(c->d, f->service.pos,
                _("flow '%s': lgwan to internet must name its service, not 'any' "
                  "[基本方針 6(3)②]"),
                name);
        if (!f->approver.name)
            ERR(c->d, f->pos, _("flow '%s': lgwan to internet needs an approver [基本方針 6(3)②]"),
                name);
        if (p->network.model == MAMORI_NETMODEL_ALPHA && f->from_kind != MAMORI_ENDPOINT_SYSTEM)
            ERR(c->d, f->from.pos,
                _("flow '%s': under network model alpha only listed systems (such as the outbound "
                  "mail relay) may reach the internet; local breakout from '%s' needs model "
                  "alpha_prime [基本方針 6(3)②]"),
                name, f->from.name);
        return;
    }
    if (from == MAMORI_ZONE_INTERNET && to == MAMORI_ZONE_MYNUMBER)
        return; /* covered above */
}

static void
check_flow(struct checker *c, struct mamori_flow *f)
{
    struct mamori_policy *p = c->p;
    enum mamori_method m = (enum mamori_method)f->method;
    const char *name = f->id ? f->id : "?";
    bool from_ok = resolve_endpoint(c, &f->from, &f->from_kind, &f->from_zone);
    bool to_ok = resolve_endpoint(c, &f->to, &f->to_kind, &f->to_zone);
    if (f->service.name) {
        if (strcmp(f->service.name, "any") == 0)
            f->service.index = -2;
        else
            resolve(c, &f->service, p->services, p->n_services, sizeof(*p->services), _("service"));
    }
    if (f->via.name)
        resolve(c, &f->via, p->zones, p->n_zones, sizeof(*p->zones), _("zone"));
    if (f->approver.name)
        resolve(c, &f->approver, p->roles, p->n_roles, sizeof(*p->roles), _("role"));
    if (f->clause && !mamori_clause_title(f->clause))
        ERR(c->d, f->pos, _("flow '%s': '%s' is not a clause of the 基本方針 (e.g. 6(3)②)"), name,
            f->clause);
    if (f->gateway.name) {
        if (m != MAMORI_METHOD_MAIL_TEXT && m != MAMORI_METHOD_FILE_SANITIZE &&
            m != MAMORI_METHOD_SCREEN_TRANSFER)
            ERR(c->d, f->gateway.pos,
                _("flow '%s': 'gateway' is only for mail_text, file_sanitize and screen_transfer"),
                name);
        else
            resolve(c, &f->gateway, p->systems, p->n_systems, sizeof(*p->systems), _("system"));
    }
    if (f->via.name && m != MAMORI_METHOD_NATIONAL_SPECIFIC)
        ERR(c->d, f->via.pos, _("flow '%s': 'via' is only for national_specific flows"), name);
    if (f->pins.pos.line && m != MAMORI_METHOD_PINNED_EXCEPTION)
        ERR(c->d, f->pins.pos, _("flow '%s': 'pins' is only for pinned_exception flows"), name);

    if (m == MAMORI_METHOD_PINNED_EXCEPTION) {
        if (!f->approver.name)
            ERR(c->d, f->pos, _("flow '%s': a pinned_exception needs an approver [基本方針 6(3)①]"),
                name);
        if (!f->expiry)
            ERR(c->d, f->pos,
                _("flow '%s': a pinned_exception needs an expiry date [基本方針 6(3)①]"), name);
        if (!f->pins.pos.line || !f->pins.n_src || !f->pins.n_dst || !f->pins.n_mac)
            ERR(c->d, f->pins.pos.line ? f->pins.pos : f->pos,
                _("flow '%s': a pinned_exception must pin src and dst addresses and the MAC "
                  "addresses (pins: src, dst, mac) [基本方針 6(3)①]"),
                name);
        if (f->service.index == -2)
            ERR(c->d, f->service.pos,
                _("flow '%s': a pinned_exception must pin its ports, not 'any' [基本方針 6(3)①]"),
                name);
        for (size_t i = 0; i < f->pins.n_mac; i++) {
            uint8_t mac[6];
            if (!mamori_mac_parse(f->pins.mac[i], mac))
                ERR(c->d, f->pins.pos,
                    _("flow '%s': '%s' is not a MAC address (write it as 02:00:5e:10:00:01)"), name,
                    f->pins.mac[i]);
        }
    }
    if (f->expiry && f->expiry < c->today) {
        char date[11];
        mamori_date_format(f->expiry, date);
        WARN(c->d, f->pos, _("flow '%s' expired on %s and no longer allows traffic"), name, date);
    }
    if (!from_ok || !to_ok || f->from_zone < 0 || f->to_zone < 0)
        return;
    int fk = zone_kind_of(p, f->from_zone), tk = zone_kind_of(p, f->to_zone);
    if (fk == MAMORI_ZONE_KIND_MAX || tk == MAMORI_ZONE_KIND_MAX)
        return;
    check_flow_invariants(c, f, fk, tk);
}

static bool
same_ref(const struct mamori_ref *a, const struct mamori_ref *b)
{
    if (!a->name || !b->name)
        return a->name == b->name;
    return strcmp(a->name, b->name) == 0;
}

static void
check_flows(struct checker *c)
{
    struct mamori_policy *p = c->p;
    check_duplicates(c, p->flows, p->n_flows, sizeof(*p->flows), offsetof(struct mamori_flow, pos),
                     _("flow"));
    for (size_t i = 0; i < p->n_flows; i++)
        check_flow(c, &p->flows[i]);
    /* Two rules for the same endpoints and service make the decision depend on file order. */
    for (size_t i = 0; i < p->n_flows; i++) {
        struct mamori_flow *f = &p->flows[i];
        for (size_t k = 0; k < i; k++) {
            struct mamori_flow *g = &p->flows[k];
            if (same_ref(&f->from, &g->from) && same_ref(&f->to, &g->to) &&
                same_ref(&f->service, &g->service)) {
                ERR(c->d, f->pos,
                    _("flow '%s' has the same from, to and service as flow '%s' (line %u)"),
                    f->id ? f->id : "?", g->id ? g->id : "?", g->pos.line);
                break;
            }
        }
    }
}

static void
check_network(struct checker *c)
{
    struct mamori_policy *p = c->p;
    if (p->network.model != MAMORI_NETMODEL_BETA && p->network.model != MAMORI_NETMODEL_BETA_PRIME)
        return;
    bool edr = false;
    for (size_t i = 0; i < p->network.n_conditions; i++)
        if (p->network.conditions[i] && strcmp(p->network.conditions[i], "edr") == 0)
            edr = true;
    if (!edr)
        ERR(c->d, p->network.pos,
            _("network model %s moves terminals to the internet side and requires the condition "
              "'edr' (and the human measures the guideline lists) [基本方針 6(3)]"),
            mamori_netmodel_id(p->network.model));
}

/* The loader zero-fills entries, so an absent reference would read as index 0: mark every
 * absent optional reference as -1 before anything follows one. */
static void
clear_absent(struct mamori_ref *r)
{
    if (!r->name)
        r->index = -1;
}

static void
clear_absent_refs(struct mamori_policy *p)
{
    for (size_t i = 0; i < p->n_units; i++)
        clear_absent(&p->units[i].parent);
    for (size_t i = 0; i < p->n_zones; i++)
        clear_absent(&p->zones[i].parent);
    for (size_t i = 0; i < p->n_segments; i++)
        clear_absent(&p->segments[i].zone);
    for (size_t i = 0; i < p->n_systems; i++) {
        clear_absent(&p->systems[i].zone);
        clear_absent(&p->systems[i].owner);
    }
    for (size_t i = 0; i < p->n_approvals; i++)
        clear_absent(&p->approvals[i].approver);
    for (size_t i = 0; i < p->n_flows; i++) {
        struct mamori_flow *f = &p->flows[i];
        clear_absent(&f->from);
        clear_absent(&f->to);
        clear_absent(&f->via);
        clear_absent(&f->gateway);
        clear_absent(&f->service);
        clear_absent(&f->approver);
        f->from_zone = f->to_zone = -1;
    }
}

void
mamori_policy_check(struct mamori_policy *p, int32_t today, struct mamori_diags *d)
{
    struct checker c = {.p = p, .d = d, .today = today};
    clear_absent_refs(p);
    merge_roles(&c);
    merge_restrictions(&c);
    merge_threats(&c);
    merge_services(&c);
    if (c.oom)
        goto oom;
    default_classification(&c);
    if (c.oom)
        goto oom;
    apply_defaults(p);
    check_classification(&c);
    check_units(&c);
    check_approvals(&c);
    check_zones(&c);
    check_endpoint_ids(&c);
    check_segments(&c);
    check_systems(&c);
    check_network(&c);
    check_flows(&c);
    check_senders(&c);
    return;
oom:
    mamori_diags_add(d, MAMORI_SEV_ERROR, 0, 0, _("out of memory while checking the policy"));
}
