/*
 * The asset register over the store (mamori/asset.h): add, change (reclassification kept as
 * history, combined assets recomputed), import all or nothing, lifecycle events with their
 * approvals, risks. Each change and its audit records commit in one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/asset.h"

#define CLAUSE          "6(2)"
#define MAX_PARTS_DEPTH 32

/* Audit records of one transaction, appended together before the commit. */
struct records {
    struct mamori_record *v;
    size_t n, cap;
    struct mamori_arena *a;
};

static int
add_record(struct records *rs, const char *actor, const char *action, const char *object,
           const char *decision, const char *clause, struct mamori_json *details_of)
{
    (void)details_of;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        struct mamori_record *v = realloc(rs->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = (struct mamori_record){.time_us = mamori_now_us(),
                                            .actor = actor,
                                            .action = action,
                                            .object = mamori_arena_strdup(rs->a, object),
                                            .decision = decision,
                                            .clause = clause,
                                            .details = "{}"};
    return rs->v[rs->n - 1].object ? 0 : -ENOMEM;
}

/* The details of the last record: JSON made by the caller, copied. */
static int
set_details(struct records *rs, struct mamori_buf *b)
{
    char *d = mamori_arena_strndup(rs->a, b->data ? b->data : "{}", b->data ? b->len : 2);
    if (!d)
        return -ENOMEM;
    rs->v[rs->n - 1].details = d;
    return 0;
}

static int
flush_records(struct mamori_instance *inst, struct records *rs)
{
    if (!inst->log)
        return -EACCES;
    return rs->n ? mamori_log_append_in(inst->log, rs->v, rs->n, NULL) : 0;
}

/* The date months after today, YYYY-MM-DD. */
static void
months_from_today(int64_t months, char out[16])
{
    char today[11];
    mamori_date_format(mamori_today(), today);
    int y = (int)strtol(today, NULL, 10), m = (int)strtol(today + 5, NULL, 10),
        d = (int)strtol(today + 8, NULL, 10);
    m += (int)months;
    y += (m - 1) / 12;
    m = (m - 1) % 12 + 1;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d > last ? last : d);
}

static void
asset_json(struct mamori_json *j, const struct mamori_store_asset *a)
{
    mamori_json_object_begin(j);
    for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
        if (a->f[f] && *a->f[f])
            mamori_json_kv_string(j, mamori_asset_field_names[f].key, a->f[f]);
    mamori_json_object_end(j);
}

static bool
levels_differ(const struct mamori_store_asset *a, const struct mamori_store_asset *b)
{
    for (int f = MAMORI_ASSET_CONF; f <= MAMORI_ASSET_PARTS; f++)
        if (strcmp(a->f[f], b->f[f]) != 0)
            return true;
    return false;
}

static int
class_row(struct mamori_instance *inst, const struct mamori_store_asset *a, const char *by,
          const char *reason)
{
    struct mamori_store_asset_class c = {
        .asset = a->f[MAMORI_ASSET_ID],
        .by = by,
        .level = {a->f[MAMORI_ASSET_CONF], a->f[MAMORI_ASSET_INTEG], a->f[MAMORI_ASSET_AVAIL]},
        .parts = a->f[MAMORI_ASSET_PARTS],
        .reason = reason ? reason : "",
        .at_us = mamori_now_us(),
    };
    return mamori_store_asset_class_add(inst->store, &c);
}

/* Looks an asset up in the pending rows first (an import), then the store. */
struct lookup {
    struct mamori_store_asset *rows;
    size_t n;
};

static int
find_asset(struct mamori_instance *inst, const struct lookup *lk, const char *id,
           struct mamori_arena *a, struct mamori_store_asset *ret)
{
    for (size_t i = 0; lk && i < lk->n; i++)
        if (strcmp(lk->rows[i].f[MAMORI_ASSET_ID], id) == 0) {
            *ret = lk->rows[i];
            return 0;
        }
    return mamori_store_asset_get(inst->store, id, a, ret);
}

/* Computes a combined asset's levels from its parts (recursively, combined parts included),
 * reporting unknown parts and cycles. */
static int
compute_levels(struct mamori_instance *inst, const struct mamori_policy *p, const struct lookup *lk,
               struct mamori_store_asset *as, struct mamori_arena *a,
               struct mamori_asset_problems *pr, size_t row, const char **chain, int depth)
{
    const char *parts = as->f[MAMORI_ASSET_PARTS];
    if (!*parts)
        return 0;
    const char *col = mamori_i18n_japanese() ? "構成資産" : "Parts";
    if (depth >= MAX_PARTS_DEPTH) {
        mamori_asset_problem_add(pr, row, col, _("parts nested more than %d deep"),
                                 MAX_PARTS_DEPTH);
        return MAMORI_E_INVALID;
    }
    chain[depth] = as->f[MAMORI_ASSET_ID];
    struct mamori_store_asset *got[256];
    const struct mamori_store_asset *ptrs[256];
    size_t n = 0;
    int r = 0;
    for (const char *q = parts; *q && r == 0;) {
        size_t l = strcspn(q, ",");
        char *id = mamori_arena_strndup(a, q, l);
        q += l + (q[l] == ',');
        if (!id)
            return -ENOMEM;
        for (int d = 0; d <= depth; d++)
            if (strcmp(chain[d], id) == 0) {
                mamori_asset_problem_add(pr, row, col, _("%s is part of itself through %s"), id,
                                         as->f[MAMORI_ASSET_ID]);
                return MAMORI_E_INVALID;
            }
        if (n >= MAMORI_ARRAY_SIZE(got)) {
            mamori_asset_problem_add(pr, row, col, _("more than %zu parts"),
                                     MAMORI_ARRAY_SIZE(got));
            return MAMORI_E_INVALID;
        }
        got[n] = mamori_arena_alloc(a, sizeof(**got));
        if (!got[n])
            return -ENOMEM;
        r = find_asset(inst, lk, id, a, got[n]);
        if (r == -ENOENT) {
            mamori_asset_problem_add(pr, row, col, _("%s is not in the register"), id);
            return MAMORI_E_INVALID;
        }
        if (r < 0)
            return r;
        r = compute_levels(inst, p, lk, got[n], a, pr, row, chain, depth + 1);
        ptrs[n] = got[n];
        n++;
    }
    if (r < 0)
        return r;
    const char *levels[MAMORI_AXIS_MAX];
    mamori_asset_combine(p, ptrs, n, levels);
    for (int ax = 0; ax < MAMORI_AXIS_MAX; ax++)
        as->f[MAMORI_ASSET_CONF + ax] = levels[ax];
    return 0;
}

/* Typed levels of a combined asset must be the computed ones (they are computed, not typed). */
static void
check_typed_levels(const struct mamori_store_asset *typed, const struct mamori_store_asset *as,
                   struct mamori_asset_problems *pr, size_t row)
{
    for (int ax = 0; ax < MAMORI_AXIS_MAX; ax++) {
        const char *t = typed->f[MAMORI_ASSET_CONF + ax], *c = as->f[MAMORI_ASSET_CONF + ax];
        if (*t && strcmp(t, c) != 0)
            mamori_asset_problem_add(
                pr, row,
                mamori_i18n_japanese() ? mamori_asset_field_names[MAMORI_ASSET_CONF + ax].ja
                                       : mamori_asset_field_names[MAMORI_ASSET_CONF + ax].en,
                _("a combined asset takes the highest level of its parts (%s), not \"%s\"; "
                  "leave it empty"),
                c, t);
    }
}

static void
fill_defaults(const struct mamori_policy *p, struct mamori_store_asset *a,
              struct mamori_arena *arena)
{
    if (!*a->f[MAMORI_ASSET_REVIEW_DUE]) {
        char d[16];
        months_from_today(p->assets.review_months, d);
        a->f[MAMORI_ASSET_REVIEW_DUE] = mamori_arena_strdup(arena, d);
    }
}

struct id_list {
    char **ids;
    size_t n, cap;
    struct mamori_arena *a;
};

static int
collect(void *ctx, const struct mamori_store_asset *x)
{
    struct id_list *ps = ctx;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 8;
        char **v = mamori_arena_alloc(ps->a, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        if (ps->n)
            memcpy(v, ps->ids, ps->n * sizeof(*v));
        ps->ids = v;
        ps->cap = cap;
    }
    ps->ids[ps->n] = mamori_arena_strdup(ps->a, x->f[MAMORI_ASSET_ID]);
    return ps->ids[ps->n++] ? 0 : -ENOMEM;
}

/* Recomputes the combined assets that include id (and those including them), each change a
 * reclassification with its history row and record. */
static int
recompute_parents(struct mamori_instance *inst, const struct mamori_policy *p, const char *actor,
                  const char *id, struct mamori_arena *a, struct records *rs, int depth)
{
    if (depth > MAX_PARTS_DEPTH)
        return 0;
    struct id_list ps = {.a = a};
    struct mamori_store_asset_filter f = {.part = id};
    int r = mamori_store_asset_query(inst->store, &f, 0, -1, collect, &ps, NULL);
    for (size_t i = 0; r == 0 && i < ps.n; i++) {
        struct mamori_store_asset cur, next;
        if ((r = mamori_store_asset_get(inst->store, ps.ids[i], a, &cur)) < 0)
            break;
        next = cur;
        const char *chain[MAX_PARTS_DEPTH + 1];
        struct mamori_asset_problems pr;
        mamori_asset_problems_init(&pr, a, 4);
        r = compute_levels(inst, p, NULL, &next, a, &pr, 0, chain, 0);
        if (r == MAMORI_E_INVALID) {
            r = 0; /* a broken combination stays as it was; its own change reports it */
            continue;
        }
        if (r < 0 || !levels_differ(&cur, &next))
            continue;
        next.classified_by = actor;
        next.classified_us = next.updated_us = mamori_now_us();
        char why[200];
        snprintf(why, sizeof(why), "part %s reclassified", id);
        if ((r = mamori_store_asset_put(inst->store, &next, false)) == 0)
            r = class_row(inst, &next, actor, why);
        if (r == 0)
            r = add_record(rs, actor, "asset.classify", next.f[MAMORI_ASSET_ID], "computed", CLAUSE,
                           NULL);
        if (r == 0) {
            struct mamori_buf b;
            mamori_buf_init(&b, 1 << 16);
            struct mamori_json j;
            mamori_json_init(&j, &b, false);
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "because", why);
            for (int ax = 0; ax < MAMORI_AXIS_MAX; ax++) {
                mamori_json_key(&j, mamori_axis_id(ax));
                mamori_json_array_begin(&j);
                mamori_json_string(&j, cur.f[MAMORI_ASSET_CONF + ax]);
                mamori_json_string(&j, next.f[MAMORI_ASSET_CONF + ax]);
                mamori_json_array_end(&j);
            }
            mamori_json_object_end(&j);
            r = mamori_json_finish(&j);
            if (r == 0)
                r = set_details(rs, &b);
            mamori_buf_done(&b);
        }
        if (r == 0)
            r = recompute_parents(inst, p, actor, next.f[MAMORI_ASSET_ID], a, rs, depth + 1);
    }
    return r;
}

static int
change_details(struct records *rs, const struct mamori_store_asset *old,
               const struct mamori_store_asset *new, const char *reason)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    struct mamori_json j;
    mamori_json_init(&j, &b, false);
    mamori_json_object_begin(&j);
    if (!old) {
        mamori_json_key(&j, "asset");
        asset_json(&j, new);
    } else {
        mamori_json_key(&j, "changed");
        mamori_json_object_begin(&j);
        for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
            if (strcmp(old->f[f], new->f[f]) != 0) {
                mamori_json_key(&j, mamori_asset_field_names[f].key);
                mamori_json_array_begin(&j);
                mamori_json_string(&j, old->f[f]);
                mamori_json_string(&j, new->f[f]);
                mamori_json_array_end(&j);
            }
        mamori_json_object_end(&j);
    }
    if (reason && *reason)
        mamori_json_kv_string(&j, "reason", reason);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    if (r == 0)
        r = set_details(rs, &b);
    mamori_buf_done(&b);
    return r;
}

/* Writes one asset (new or changed) inside the caller's transaction. */
static int
write_one(struct mamori_instance *inst, const struct mamori_policy *p,
          const struct mamori_store_person *actor, const struct mamori_store_asset *old,
          struct mamori_store_asset *as, const char *reason, const char *action,
          struct mamori_arena *a, struct records *rs)
{
    int64_t now = mamori_now_us();
    bool reclass = !old || levels_differ(old, as);
    if (!old) {
        as->created_by = as->classified_by = actor->id;
        as->created_us = as->classified_us = now;
    } else {
        as->created_by = old->created_by;
        as->created_us = old->created_us;
        as->classified_by = reclass ? actor->id : old->classified_by;
        as->classified_us = reclass ? now : old->classified_us;
    }
    as->updated_us = now;
    int r = mamori_store_asset_put(inst->store, as, old == NULL);
    if (r == 0 && reclass)
        r = class_row(inst, as, actor->id, old ? reason : "registered");
    const char *act = action    ? action
                      : !old    ? "asset.add"
                      : reclass ? "asset.classify"
                                : "asset.edit";
    if (r == 0)
        r = add_record(rs, actor->id, act, as->f[MAMORI_ASSET_ID],
                       !old      ? "added"
                       : reclass ? "reclassified"
                                 : "changed",
                       CLAUSE, NULL);
    if (r == 0)
        r = change_details(rs, old, as, reason);
    if (r == 0 && old && reclass)
        r = recompute_parents(inst, p, actor->id, as->f[MAMORI_ASSET_ID], a, rs, 0);
    return r;
}

static int
commit_with(struct mamori_instance *inst, struct records *rs, int r)
{
    if (r == 0)
        r = flush_records(inst, rs);
    if (r == 0)
        r = mamori_store_commit(inst->store);
    if (r < 0)
        mamori_store_rollback(inst->store);
    free(rs->v);
    return r;
}

int
mamori_asset_add(struct mamori_instance *inst, const struct mamori_policy *p,
                 const struct mamori_store_person *actor, struct mamori_store_asset *as,
                 struct mamori_asset_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_arena *a = pr->arena;
    size_t before = pr->n;
    mamori_asset_normalize(p, as, a, pr, 0, NULL);
    if (pr->n > before)
        return MAMORI_E_INVALID;
    if (!mamori_asset_may_edit(p, actor, as->f[MAMORI_ASSET_UNIT]))
        return MAMORI_E_DENIED;
    fill_defaults(p, as, a);
    int r = mamori_store_begin(inst->store);
    if (r < 0)
        return r;
    struct mamori_store_asset have;
    r = mamori_store_asset_get(inst->store, as->f[MAMORI_ASSET_ID], a, &have);
    if (r == 0)
        r = -EEXIST;
    else if (r == -ENOENT)
        r = 0;
    struct mamori_store_asset typed = *as;
    const char *chain[MAX_PARTS_DEPTH + 1];
    if (r == 0)
        r = compute_levels(inst, p, NULL, as, a, pr, 0, chain, 0);
    if (r == 0)
        check_typed_levels(&typed, as, pr, 0);
    if (r == 0 && pr->n > before)
        r = MAMORI_E_INVALID;
    struct records rs = {.a = a};
    if (r == 0)
        r = write_one(inst, p, actor, NULL, as, NULL, NULL, a, &rs);
    return commit_with(inst, &rs, r);
}

int
mamori_asset_change(struct mamori_instance *inst, const struct mamori_policy *p,
                    const struct mamori_store_person *actor, const char *id,
                    const char *const changes[MAMORI_ASSET_FIELD_MAX], const char *reason,
                    struct mamori_asset_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_arena *a = pr->arena;
    size_t before = pr->n;
    int r = mamori_store_begin(inst->store);
    if (r < 0)
        return r;
    struct mamori_store_asset old = {0}, as = {0};
    r = mamori_store_asset_get(inst->store, id, a, &old);
    if (r == 0 && changes[MAMORI_ASSET_ID] && strcmp(changes[MAMORI_ASSET_ID], id) != 0) {
        mamori_asset_problem_add(pr, 0, NULL, _("an asset number cannot change"));
        r = MAMORI_E_INVALID;
    }
    if (r == 0) {
        as = old;
        for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
            if (changes[f])
                as.f[f] = changes[f];
        /* turning into a combined asset or back: levels follow */
        if (changes[MAMORI_ASSET_PARTS] && *changes[MAMORI_ASSET_PARTS])
            for (int ax = 0; ax < MAMORI_AXIS_MAX; ax++)
                if (!changes[MAMORI_ASSET_CONF + ax])
                    as.f[MAMORI_ASSET_CONF + ax] = "";
        mamori_asset_normalize(p, &as, a, pr, 0, NULL);
        if (pr->n > before)
            r = MAMORI_E_INVALID;
    }
    if (r == 0 && (!mamori_asset_may_edit(p, actor, old.f[MAMORI_ASSET_UNIT]) ||
                   !mamori_asset_may_edit(p, actor, as.f[MAMORI_ASSET_UNIT])))
        r = MAMORI_E_DENIED;
    struct mamori_store_asset typed = as;
    const char *chain[MAX_PARTS_DEPTH + 1];
    if (r == 0)
        r = compute_levels(inst, p, NULL, &as, a, pr, 0, chain, 0);
    if (r == 0)
        check_typed_levels(&typed, &as, pr, 0);
    if (r == 0 && levels_differ(&old, &as) && (!reason || !*reason))
        mamori_asset_problem_add(pr, 0, NULL, _("a reclassification needs a reason (--reason)"));
    if (r == 0 && pr->n > before)
        r = MAMORI_E_INVALID;
    struct records rs = {.a = a};
    if (r == 0)
        r = write_one(inst, p, actor, &old, &as, reason, NULL, a, &rs);
    return commit_with(inst, &rs, r);
}

int
mamori_asset_import(struct mamori_instance *inst, const struct mamori_policy *p,
                    const struct mamori_store_person *actor, struct mamori_store_asset *rows,
                    size_t n, bool dry_run, size_t *ret_added, size_t *ret_changed,
                    struct mamori_asset_problems *pr)
{
    if (!inst->log && !dry_run)
        return -EACCES;
    struct mamori_arena *a = pr->arena;
    size_t before = pr->n, added = 0, changed = 0;
    const char *unit_col = mamori_i18n_japanese() ? "所管課" : "Owner unit";
    for (size_t i = 0; i < n; i++)
        if (!mamori_asset_may_edit(p, actor, rows[i].f[MAMORI_ASSET_UNIT]))
            mamori_asset_problem_add(pr, i + 2, unit_col,
                                     _("%s may not register assets of unit %s"), actor->id,
                                     rows[i].f[MAMORI_ASSET_UNIT]);
    if (pr->n > before)
        return MAMORI_E_INVALID;
    int r = mamori_store_begin(inst->store);
    if (r < 0)
        return r;
    struct lookup lk = {rows, n};
    struct mamori_store_asset *old = calloc(n ? n : 1, sizeof(*old));
    bool *known = calloc(n ? n : 1, sizeof(*known));
    if (!old || !known)
        r = -ENOMEM;
    /* every combined row's levels from the file and the register */
    for (size_t i = 0; r == 0 && i < n; i++) {
        struct mamori_store_asset typed = rows[i];
        const char *chain[MAX_PARTS_DEPTH + 1];
        size_t pb = pr->n;
        r = compute_levels(inst, p, &lk, &rows[i], a, pr, i + 2, chain, 0);
        if (r == MAMORI_E_INVALID)
            r = 0;
        if (r == 0 && pr->n == pb)
            check_typed_levels(&typed, &rows[i], pr, i + 2);
        int g = r == 0 ? mamori_store_asset_get(inst->store, rows[i].f[MAMORI_ASSET_ID], a, &old[i])
                       : r;
        if (g == 0)
            known[i] = true;
        else if (g != -ENOENT)
            r = g;
        if (r == 0 && known[i] && !mamori_asset_may_edit(p, actor, old[i].f[MAMORI_ASSET_UNIT]))
            mamori_asset_problem_add(pr, i + 2, unit_col, _("%s may not change assets of unit %s"),
                                     actor->id, old[i].f[MAMORI_ASSET_UNIT]);
    }
    if (r == 0 && pr->n > before)
        r = MAMORI_E_INVALID;
    struct records rs = {.a = a};
    for (size_t i = 0; r == 0 && i < n; i++) {
        fill_defaults(p, &rows[i], a);
        if (known[i]) {
            bool same = true;
            for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
                same &= strcmp(old[i].f[f], rows[i].f[f]) == 0;
            if (same)
                continue;
            changed++;
        } else {
            added++;
        }
        if (dry_run)
            continue;
        r = write_one(inst, p, actor, known[i] ? &old[i] : NULL, &rows[i], "import", "asset.import",
                      a, &rs);
    }
    free(old);
    free(known);
    if (dry_run || r < 0) {
        mamori_store_rollback(inst->store);
        free(rs.v);
    } else {
        r = commit_with(inst, &rs, r);
    }
    if (r == 0) {
        *ret_added = added;
        *ret_changed = changed;
    }
    return r;
}

/* ---- lifecycle events ------------------------------------------------------------------- */

static int
event_details(struct records *rs, const struct mamori_store_asset_event *e, const char *why)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 16);
    struct mamori_json j;
    mamori_json_init(&j, &b, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_int(&j, "event", e->id);
    mamori_json_kv_string(&j, "kind", e->kind);
    const char *keys[] = {"purpose", "date", "person", "method", "note", "reason"};
    const char *vals[] = {e->purpose, e->date, e->person, e->method, e->note, why};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(keys); i++)
        if (vals[i] && *vals[i])
            mamori_json_kv_string(&j, keys[i], vals[i]);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    if (r == 0)
        r = set_details(rs, &b);
    mamori_buf_done(&b);
    return r;
}

int
mamori_asset_event(struct mamori_instance *inst, const struct mamori_policy *p,
                   const struct mamori_store_person *actor, struct mamori_store_asset_event *e,
                   int64_t *ret_id, struct mamori_asset_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_arena *a = pr->arena;
    size_t before = pr->n;
    int kind = mamori_asset_event_find(e->kind ? e->kind : "");
    if (kind < 0) {
        mamori_asset_problem_add(pr, 0, NULL,
                                 _("\"%s\" is not a lifecycle event (create, obtain, use, store, "
                                   "send, carry, provide, dispose)"),
                                 e->kind ? e->kind : "");
        return MAMORI_E_INVALID;
    }
    e->kind = mamori_asset_event_id(kind);
    struct mamori_store_asset as;
    int r = mamori_store_asset_get(inst->store, e->asset, a, &as);
    if (r < 0)
        return r;
    if (strcmp(as.f[MAMORI_ASSET_STATE], "disposed") == 0)
        mamori_asset_problem_add(pr, 0, NULL, _("%s was disposed of already"), e->asset);
    const char *fields[] = {e->purpose, e->date, e->person, e->method};
    const char *names[] = {"purpose", "date", "person", "method"};
    for (size_t i = 0; i < 4; i++)
        if (fields[i] && strlen(fields[i]) > 1000)
            mamori_asset_problem_add(pr, 0, names[i], _("longer than %zu bytes"), (size_t)1000);
    if (kind == MAMORI_EVENT_DISPOSE)
        for (size_t i = 1; i < 4; i++)
            if (!fields[i] || !*fields[i])
                mamori_asset_problem_add(pr, 0, names[i],
                                         _("a disposal records its date, person and method; "
                                           "%s is missing"),
                                         names[i]);
    int32_t days;
    if (e->date && *e->date && mamori_date_parse(e->date, strlen(e->date), &days) < 0)
        mamori_asset_problem_add(pr, 0, "date", _("\"%s\" is not a date (YYYY-MM-DD)"), e->date);
    int au = mamori_policy_find_unit(p, actor->unit),
        u = mamori_policy_find_unit(p, as.f[MAMORI_ASSET_UNIT]);
    bool anywhere = strcmp(actor->role, "ciso") == 0 || strcmp(actor->role, "general_manager") == 0;
    if (pr->n > before)
        return MAMORI_E_INVALID;
    if (!anywhere && (au < 0 || u < 0 || !mamori_unit_within(p, u, au)))
        return MAMORI_E_DENIED;
    const char *action = mamori_asset_event_action(kind);
    bool ask = action && mamori_asset_sensitive(p, &as);
    e->requester = actor->id;
    e->state = ask ? "requested" : "recorded";
    e->created_us = mamori_now_us();
    e->decided_by = ask ? "" : actor->id;
    e->decided_us = ask ? 0 : e->created_us;
    if (!e->note)
        e->note = "";
    if ((r = mamori_store_begin(inst->store)) < 0)
        return r;
    struct records rs = {.a = a};
    r = mamori_store_asset_event_insert(inst->store, e, &e->id);
    if (r == 0 && !ask && kind == MAMORI_EVENT_DISPOSE) {
        as.f[MAMORI_ASSET_STATE] = "disposed";
        as.updated_us = e->created_us;
        r = mamori_store_asset_put(inst->store, &as, false);
    }
    if (r == 0)
        r = add_record(&rs, actor->id, "asset.event", e->asset, e->state, CLAUSE, NULL);
    if (r == 0)
        r = event_details(&rs, e, NULL);
    r = commit_with(inst, &rs, r);
    if (r == 0)
        *ret_id = e->id;
    return r;
}

int
mamori_asset_event_may_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                              const struct mamori_store_person *actor,
                              const struct mamori_store_asset_event *e, const char **ret_why)
{
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    if (!a)
        return -ENOMEM;
    struct mamori_store_asset as;
    int r = mamori_store_asset_get(inst->store, e->asset, a, &as);
    int kind = mamori_asset_event_find(e->kind);
    const char *action = kind >= 0 ? mamori_asset_event_action(kind) : NULL;
    if (r == 0 && !action) {
        *ret_why = "no-approver-for-action";
        r = MAMORI_E_DENIED;
    }
    if (r == 0) {
        /* the approver answers for the asset's unit */
        struct mamori_person_ref rq = {e->requester, "", as.f[MAMORI_ASSET_UNIT]};
        struct mamori_person_ref ap = {actor->id, actor->role, actor->unit};
        r = mamori_policy_may_approve(p, action, &rq, &ap, ret_why);
    }
    mamori_arena_free(a);
    return r;
}

int
mamori_asset_event_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                          const struct mamori_store_person *actor, int64_t id, bool approve,
                          const char *note, const char **ret_why)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    if (!a)
        return -ENOMEM;
    struct mamori_store_asset_event e;
    int r = mamori_store_asset_event_get(inst->store, id, a, &e);
    if (r == 0 && strcmp(e.state, "requested") != 0)
        r = -EALREADY;
    if (r == 0)
        r = mamori_asset_event_may_decide(inst, p, actor, &e, ret_why);
    struct records rs = {.a = a};
    if (r == MAMORI_E_DENIED) {
        /* the refusal itself is on the record */
        if (mamori_store_begin(inst->store) == 0) {
            int k = add_record(&rs, actor->id, "asset.approve", e.asset, "refused", CLAUSE, NULL);
            if (k == 0)
                k = event_details(&rs, &e, *ret_why);
            commit_with(inst, &rs, k);
        }
        mamori_arena_free(a);
        return MAMORI_E_DENIED;
    }
    if (r == 0)
        r = mamori_store_begin(inst->store);
    if (r < 0) {
        mamori_arena_free(a);
        return r;
    }
    const char *to = approve ? "approved" : "denied";
    int64_t now = mamori_now_us();
    r = mamori_store_asset_event_set_state(inst->store, id, "requested", to, actor->id,
                                           note ? note : "", now);
    if (r == 0 && approve && strcmp(e.kind, "dispose") == 0) {
        struct mamori_store_asset as;
        r = mamori_store_asset_get(inst->store, e.asset, a, &as);
        if (r == 0) {
            as.f[MAMORI_ASSET_STATE] = "disposed";
            as.updated_us = now;
            r = mamori_store_asset_put(inst->store, &as, false);
        }
    }
    if (r == 0)
        r = add_record(&rs, actor->id, approve ? "asset.approve" : "asset.deny", e.asset, to,
                       CLAUSE, NULL);
    e.note = note ? note : "";
    if (r == 0)
        r = event_details(&rs, &e, NULL);
    r = commit_with(inst, &rs, r);
    mamori_arena_free(a);
    return r;
}

/* ---- risks ------------------------------------------------------------------------------ */

static int
risk_details(struct records *rs, const struct mamori_store_risk *k)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 16);
    struct mamori_json j;
    mamori_json_init(&j, &b, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_int(&j, "risk", k->id);
    mamori_json_kv_string(&j, "threat", k->threat);
    mamori_json_kv_int(&j, "likelihood", k->likelihood);
    mamori_json_kv_int(&j, "impact", k->impact);
    mamori_json_kv_int(&j, "level", k->level);
    mamori_json_kv_string(&j, "treatment", k->treatment);
    if (*k->accept_until)
        mamori_json_kv_string(&j, "accept_until", k->accept_until);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    if (r == 0)
        r = set_details(rs, &b);
    mamori_buf_done(&b);
    return r;
}

int
mamori_risk_add(struct mamori_instance *inst, const struct mamori_policy *p,
                const struct mamori_store_person *actor, struct mamori_store_risk *k,
                int64_t *ret_id, struct mamori_asset_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_arena *a = pr->arena;
    size_t before = pr->n;
    struct mamori_store_asset as;
    int r = mamori_store_asset_get(inst->store, k->asset, a, &as);
    if (r < 0)
        return r;
    int t = mamori_policy_find_threat(p, k->threat);
    for (size_t i = 0; t < 0 && i < p->n_threats; i++)
        if (p->threats[i].name.ja && strcmp(p->threats[i].name.ja, k->threat) == 0)
            t = (int)i;
    if (t < 0)
        mamori_asset_problem_add(pr, 0, "threat",
                                 _("\"%s\" is not a threat of the catalogue (mamori risk "
                                   "threats)"),
                                 k->threat);
    if (k->likelihood < 1 || k->likelihood > 3)
        mamori_asset_problem_add(pr, 0, "likelihood", _("likelihood is 1 (low), 2 or 3 (high)"));
    bool tr = false;
    for (size_t i = 0; mamori_risk_treatments[i]; i++)
        tr |= k->treatment && strcmp(k->treatment, mamori_risk_treatments[i]) == 0;
    if (!tr)
        mamori_asset_problem_add(pr, 0, "treatment",
                                 _("treatment is reduce, accept, transfer or avoid"));
    if (tr && strcmp(k->treatment, "reduce") == 0 && (!k->controls || !*k->controls))
        mamori_asset_problem_add(pr, 0, "controls",
                                 _("a risk to reduce names the controls applied"));
    if (!mamori_asset_may_edit(p, actor, as.f[MAMORI_ASSET_UNIT]))
        return MAMORI_E_DENIED;
    if (pr->n > before)
        return MAMORI_E_INVALID;
    k->threat = p->threats[t].id;
    k->impact = mamori_asset_impact(p, &as, &p->threats[t]);
    k->level = k->likelihood * k->impact;
    k->state = "open";
    k->accepted_by = k->accepted_by ? k->accepted_by : "";
    k->accept_until = "";
    char review[16];
    months_from_today(p->assets.risk_review_months, review);
    if (!k->review_due || !*k->review_due)
        k->review_due = review;
    k->created_by = actor->id;
    k->created_us = k->updated_us = mamori_now_us();
    k->controls = k->controls ? k->controls : "";
    k->note = k->note ? k->note : "";
    k->id = 0;
    if ((r = mamori_store_begin(inst->store)) < 0)
        return r;
    struct records rs = {.a = a};
    r = mamori_store_risk_put(inst->store, k, &k->id);
    if (r == 0)
        r = add_record(&rs, actor->id, "risk.add", k->asset, mamori_risk_band(k->level), "3", NULL);
    if (r == 0)
        r = risk_details(&rs, k);
    r = commit_with(inst, &rs, r);
    if (r == 0)
        *ret_id = k->id;
    return r;
}

int
mamori_risk_accept(struct mamori_instance *inst, const struct mamori_policy *p,
                   const struct mamori_store_person *actor, int64_t id, const char *until,
                   const char **ret_why, struct mamori_asset_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_arena *a = pr->arena;
    struct mamori_store_risk k;
    int r = mamori_store_risk_get(inst->store, id, a, &k);
    if (r < 0)
        return r;
    if (strcmp(k.treatment, "accept") != 0) {
        mamori_asset_problem_add(pr, 0, "treatment", _("risk %lld is to %s, not to accept"),
                                 (long long)id, k.treatment);
        return MAMORI_E_INVALID;
    }
    if (strcmp(k.state, "open") != 0)
        return -EALREADY;
    int32_t days;
    if (!until || mamori_date_parse(until, strlen(until), &days) < 0 || days <= mamori_today()) {
        mamori_asset_problem_add(pr, 0, "until",
                                 _("an acceptance expires: give a future date (YYYY-MM-DD)"));
        return MAMORI_E_INVALID;
    }
    struct mamori_store_asset as;
    if ((r = mamori_store_asset_get(inst->store, k.asset, a, &as)) < 0)
        return r;
    struct mamori_person_ref rq = {k.created_by, "", as.f[MAMORI_ASSET_UNIT]};
    struct mamori_person_ref ap = {actor->id, actor->role, actor->unit};
    r = mamori_policy_may_approve(p, "risk.accept", &rq, &ap, ret_why);
    struct records rs = {.a = a};
    if ((r == 0 || r == MAMORI_E_DENIED) && mamori_store_begin(inst->store) == 0) {
        int w = 0;
        if (r == 0) {
            k.state = "accepted";
            k.accepted_by = actor->id;
            k.accept_until = until;
            k.updated_us = mamori_now_us();
            w = mamori_store_risk_put(inst->store, &k, NULL);
        }
        if (w == 0)
            w = add_record(&rs, actor->id, "risk.accept", k.asset, r == 0 ? "accepted" : "refused",
                           "3", NULL);
        if (w == 0)
            w = risk_details(&rs, &k);
        w = commit_with(inst, &rs, w);
        if (r == 0)
            r = w;
    }
    return r;
}
