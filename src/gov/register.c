/*
 * The governance registers over the store (mamori/gov.h): records made, changed and moved
 * through their steps, each change and its audit record committed in one transaction; a
 * refusal is on the record too.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mamori/auditlog.h"
#include "mamori/gov.h"

/* ---- the world over an instance ------------------------------------------------------------ */

struct world_ctx {
    struct mamori_instance *inst;
    struct mamori_arena *a;
};

static int
w_person(void *ctx, const char *id, const char **ret_role, const char **ret_unit,
         bool *ret_disabled)
{
    struct world_ctx *c = ctx;
    struct mamori_store_person p;
    int r = mamori_store_person_get(c->inst->store, id, c->a, &p);
    if (r < 0)
        return r;
    *ret_role = p.role;
    *ret_unit = p.unit;
    *ret_disabled = p.disabled;
    return 0;
}

static int
w_asset(void *ctx, const char *id)
{
    struct world_ctx *c = ctx;
    struct mamori_store_asset as;
    return mamori_store_asset_get(c->inst->store, id, c->a, &as);
}

static int
w_record_state(void *ctx, const char *kind, const char *id, const char **ret_state)
{
    struct world_ctx *c = ctx;
    struct mamori_store_gov g;
    int r = mamori_store_gov_get(c->inst->store, kind, id, c->a, &g);
    if (r == 0)
        *ret_state = g.state;
    return r;
}

void
mamori_gov_world_init(struct mamori_gov_world *w, struct mamori_instance *inst,
                      const struct mamori_policy *p, struct mamori_arena *a)
{
    struct world_ctx *c = mamori_arena_alloc(a, sizeof(*c));
    memset(w, 0, sizeof(*w));
    w->policy = p;
    w->today = mamori_today();
    w->arena = a;
    if (c) {
        c->inst = inst;
        c->a = a;
        w->person = w_person;
        w->asset = w_asset;
        w->record_state = w_record_state;
        w->ctx = c;
    }
}

/* ---- records and their stored form --------------------------------------------------------- */

static int
decode(const struct mamori_gov_kind *k, const struct mamori_store_gov *g, struct mamori_arena *a,
       struct mamori_gov_record *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = k;
    r->id = mamori_arena_strdup(a, g->id);
    r->state = mamori_arena_strdup(a, g->state);
    r->unit = mamori_arena_strdup(a, g->unit);
    r->title = mamori_arena_strdup(a, g->title);
    r->created_by = mamori_arena_strdup(a, g->created_by);
    r->created_us = g->created_us;
    r->updated_us = g->updated_us;
    if (!r->id || !r->state || !r->unit || !r->title || !r->created_by)
        return -ENOMEM;
    for (size_t i = 0; i < k->n_fields; i++)
        r->v[i] = "";
    json_error_t err;
    json_t *o = json_loads(g->data, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(o)) {
        json_decref(o);
        return -EBADMSG;
    }
    const char *key;
    json_t *val;
    int rc = 0;
    json_object_foreach(o, key, val)
    {
        int f = mamori_gov_field_find(k, key);
        if (f < 0 || !json_is_string(val))
            continue; /* a field a later version removed: kept in the store, not shown */
        if (!(r->v[f] = mamori_arena_strdup(a, json_string_value(val))))
            rc = -ENOMEM;
    }
    json_decref(o);
    return rc;
}

static int
encode(const struct mamori_gov_record *r, struct mamori_buf *b, struct mamori_store_gov *g)
{
    struct mamori_json j;
    mamori_json_init(&j, b, false);
    mamori_json_object_begin(&j);
    for (size_t i = 0; i < r->kind->n_fields; i++)
        if (r->v[i] && *r->v[i])
            mamori_json_kv_string(&j, r->kind->fields[i].key, r->v[i]);
    mamori_json_object_end(&j);
    int rc = mamori_json_finish(&j);
    if (rc < 0)
        return rc;
    int tf = mamori_gov_field_find(r->kind, "title");
    if (tf < 0)
        tf = mamori_gov_field_find(r->kind, "name");
    int uf = mamori_gov_field_find(r->kind, "unit");
    *g = (struct mamori_store_gov){
        .kind = r->kind->id,
        .id = r->id,
        .state = r->state,
        .unit = uf >= 0 ? r->v[uf] : "",
        .title = tf >= 0 ? r->v[tf] : "",
        .created_by = r->created_by,
        .data = b->data,
        .created_us = r->created_us,
        .updated_us = r->updated_us,
    };
    return 0;
}

static char *
file_path(struct mamori_instance *inst, const char *sha256)
{
    size_t n = strlen(inst->dir) + 80;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/files/%s", inst->dir, sha256);
    return path;
}

int
mamori_gov_file_keep(struct mamori_instance *inst, const char *name, const void *data, size_t len,
                     struct mamori_arena *a, struct mamori_gov_evidence *ev)
{
    uint8_t h[32];
    char hex[65];
    mamori_sha256(data, len, h);
    mamori_hex(h, 32, hex);
    const char *base = strrchr(name, '/');
    ev->name = mamori_arena_strdup(a, base ? base + 1 : name);
    ev->sha256 = mamori_arena_strdup(a, hex);
    ev->size = (int64_t)len;
    if (!ev->name || !ev->sha256)
        return -ENOMEM;
    size_t dn = strlen(inst->dir) + 16;
    char *dir = malloc(dn);
    char *path = file_path(inst, hex);
    int r = dir && path ? 0 : -ENOMEM;
    if (r == 0) {
        snprintf(dir, dn, "%s/files", inst->dir);
        if (mkdir(dir, 0750) < 0 && errno != EEXIST)
            r = -errno;
    }
    if (r == 0 && access(path, F_OK) != 0) /* the same bytes are kept once */
        r = mamori_fs_write_atomic(path, data, len, 0440);
    free(dir);
    free(path);
    return r;
}

int
mamori_gov_file_read(struct mamori_instance *inst, const char *sha256, char **ret, size_t *ret_len)
{
    if (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
        return -EINVAL;
    char *path = file_path(inst, sha256);
    if (!path)
        return -ENOMEM;
    int r = mamori_fs_read_file(path, (size_t)1 << 30, ret, ret_len);
    free(path);
    if (r < 0)
        return r;
    uint8_t h[32];
    char hex[65];
    mamori_sha256(*ret, *ret_len, h);
    mamori_hex(h, 32, hex);
    if (strcmp(hex, sha256) != 0) {
        free(*ret);
        *ret = NULL;
        return MAMORI_E_TAMPERED;
    }
    return 0;
}

int
mamori_gov_get(struct mamori_instance *inst, const struct mamori_gov_kind *k, const char *id,
               struct mamori_arena *a, struct mamori_gov_record *ret)
{
    struct mamori_store_gov g;
    int r = mamori_store_gov_get(inst->store, k->id, id, a, &g);
    return r < 0 ? r : decode(k, &g, a, ret);
}

struct iter {
    const struct mamori_policy *p;
    int unit;
    mamori_gov_record_cb cb;
    void *ctx;
};

static int
iter_one(void *ctx, const struct mamori_store_gov *g)
{
    struct iter *it = ctx;
    const struct mamori_gov_kind *k = mamori_gov_kind_find(g->kind);
    if (!k)
        return 0;
    if (it->unit >= 0 &&
        !mamori_unit_within(it->p, mamori_policy_find_unit(it->p, g->unit), it->unit))
        return 0;
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    if (!a)
        return -ENOMEM;
    struct mamori_gov_record r;
    int rc = decode(k, g, a, &r);
    if (rc == 0)
        rc = it->cb(it->ctx, &r);
    mamori_arena_free(a);
    return rc;
}

int
mamori_gov_iterate(struct mamori_instance *inst, const struct mamori_policy *p,
                   const struct mamori_gov_kind *k, const char *state, const char *unit,
                   mamori_gov_record_cb cb, void *ctx)
{
    struct iter it = {p, -1, cb, ctx};
    if (unit && (it.unit = mamori_policy_find_unit(p, unit)) < 0)
        return -ENOENT;
    return mamori_store_gov_iterate(inst->store, k ? k->id : NULL, state, iter_one, &it);
}

int
mamori_gov_steps(struct mamori_instance *inst, const struct mamori_gov_kind *k, const char *id,
                 mamori_store_gov_step_cb cb, void *ctx)
{
    return mamori_store_gov_step_iterate(inst->store, k->id, id, cb, ctx);
}

bool
mamori_gov_may_see(const struct mamori_gov_record *r, const struct mamori_store_person *actor)
{
    if (strcmp(r->kind->id, "doc") != 0)
        return true;
    int t = mamori_gov_field_find(r->kind, "type"),
        v = mamori_gov_field_find(r->kind, "visible_to");
    if (strcmp(r->v[t], "procedure") != 0 || !*r->v[v])
        return true;
    if (!actor)
        return false;
    if (strcmp(actor->role, "ciso") == 0 || strcmp(actor->role, "general_manager") == 0)
        return true;
    char list[MAMORI_GOV_MAX_VALUE + 3];
    snprintf(list, sizeof(list), "|%s|", r->v[v]);
    for (char *q = list; *q; q++)
        if (*q == ',')
            *q = '|';
    return mamori_gov_listed(list, actor->role);
}

/* ---- who may act ------------------------------------------------------------------------- */

static bool
in_scope(const struct mamori_policy *p, const struct mamori_store_person *actor, const char *unit)
{
    if (mamori_gov_org_wide(actor->role))
        return true;
    int au = mamori_policy_find_unit(p, actor->unit), u = mamori_policy_find_unit(p, unit);
    return au >= 0 && u >= 0 && mamori_unit_within(p, u, au);
}

/* 0, or MAMORI_E_DENIED and why. */
static int
may(const struct mamori_policy *p, const struct mamori_store_person *actor, const char *who,
    const struct mamori_gov_record *r, const char **ret_why)
{
    if (strncmp(who, "approval:", 9) == 0) {
        struct mamori_person_ref rq = {r->created_by, "", r->unit};
        struct mamori_person_ref ap = {actor->id, actor->role, actor->unit};
        return mamori_policy_may_approve(p, who + 9, &rq, &ap, ret_why);
    }
    if (strcmp(who, "*") != 0 && !mamori_gov_listed(who, actor->role)) {
        *ret_why = "wrong-role";
        return MAMORI_E_DENIED;
    }
    if (!in_scope(p, actor, r->unit)) {
        *ret_why = "outside-unit";
        return MAMORI_E_DENIED;
    }
    return 0;
}

/* ---- audit records ----------------------------------------------------------------------- */

static int
record(struct mamori_instance *inst, const struct mamori_store_person *actor,
       const struct mamori_gov_record *r, const char *action, const char *decision,
       const struct mamori_gov_kv *kv, size_t n, const char *note, const char *why,
       const struct mamori_gov_evidence *ev, const char *from, struct mamori_buf *details)
{
    struct mamori_json j;
    mamori_json_init(&j, details, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, "kind", r->kind->id);
    if (from)
        mamori_json_kv_string(&j, "from", from);
    mamori_json_kv_string(&j, "state", r->state);
    if (why)
        mamori_json_kv_string(&j, "reason", why);
    if (note && *note)
        mamori_json_kv_string(&j, "note", note);
    if (n) {
        mamori_json_key(&j, "values");
        mamori_json_object_begin(&j);
        for (size_t i = 0; i < n; i++) {
            int f = mamori_gov_field_find(r->kind, kv[i].key);
            mamori_json_kv_string(&j, f >= 0 ? r->kind->fields[f].key : kv[i].key,
                                  f >= 0 ? r->v[f] : kv[i].value);
        }
        mamori_json_object_end(&j);
    }
    if (ev) {
        mamori_json_key(&j, "evidence");
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "name", ev->name);
        mamori_json_kv_string(&j, "sha256", ev->sha256);
        mamori_json_kv_int(&j, "size", ev->size);
        mamori_json_object_end(&j);
    }
    mamori_json_object_end(&j);
    int rc = mamori_json_finish(&j);
    if (rc < 0)
        return rc;
    char act[64];
    snprintf(act, sizeof(act), "%s.%s", r->kind->id, action);
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = actor->id,
                                .action = act,
                                .object = r->id,
                                .decision = decision,
                                .clause = r->kind->clause,
                                .details = details->data};
    return mamori_log_append_in(inst->log, &rec, 1, NULL);
}

/* A refusal, on the record in a transaction of its own. */
static void
record_refusal(struct mamori_instance *inst, const struct mamori_store_person *actor,
               const struct mamori_gov_record *r, const char *action, const char *why)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 12);
    if (mamori_store_begin(inst->store) == 0) {
        int rc = record(inst, actor, r, action, "refused", NULL, 0, NULL, why, NULL, NULL, &b);
        if (rc == 0)
            rc = mamori_store_commit(inst->store);
        if (rc < 0)
            mamori_store_rollback(inst->store);
    }
    mamori_buf_done(&b);
}

/* ---- values ------------------------------------------------------------------------------ */

/* Applies key=value pairs to r; which: 0 add/edit (typed fields only), 1 a step (step fields
 * too). Problems name each bad key. */
static int
apply(const struct mamori_gov_world *w, struct mamori_gov_record *r, const struct mamori_gov_kv *kv,
      size_t n, int which, struct mamori_gov_problems *pr)
{
    size_t before = pr->n;
    for (size_t i = 0; i < n; i++) {
        int f = mamori_gov_field_find(r->kind, kv[i].key);
        if (f < 0) {
            mamori_gov_problem(pr, kv[i].key, _("%s has no field \"%s\""), r->kind->ja, kv[i].key);
            continue;
        }
        const struct mamori_gov_field *fd = &r->kind->fields[f];
        if (fd->flags & MAMORI_GOV_DERIVED) {
            mamori_gov_problem(pr, fd->key, _("computed by mamori; it cannot be typed"));
            continue;
        }
        if ((fd->flags & MAMORI_GOV_STEP) && which == 0) {
            mamori_gov_problem(pr, fd->key, _("recorded by a step of the workflow, not edited"));
            continue;
        }
        const char *v;
        int rc = mamori_gov_value(w, r->kind, f, kv[i].value, &v, pr);
        if (rc == -ENOMEM)
            return rc;
        if (rc == 0)
            r->v[f] = v;
    }
    return pr->n > before ? MAMORI_E_INVALID : 0;
}

static void
required(const struct mamori_gov_record *r, const char *needs, bool creating,
         struct mamori_gov_problems *pr)
{
    for (size_t i = 0; i < r->kind->n_fields; i++) {
        const struct mamori_gov_field *fd = &r->kind->fields[i];
        bool need =
            creating ? (fd->flags & MAMORI_GOV_REQUIRED) != 0 : mamori_gov_listed(needs, fd->key);
        if (need && !*r->v[i])
            mamori_gov_problem(pr, fd->key, _("missing: %s (%s) is needed here"), fd->key, fd->ja);
    }
}

static const char *
date_in_months(struct mamori_arena *a, int32_t today, int64_t months)
{
    char out[11];
    mamori_date_format(today + (int32_t)(months * 365 / 12), out);
    return mamori_arena_strdup(a, out);
}

static const char *
now_text(struct mamori_arena *a)
{
    char out[24];
    mamori_gov_now(out);
    return mamori_arena_strdup(a, out);
}

/* Fills what a step records by itself when it is not given: the day of a step-recorded date
 * (reviewed_on, checked_on, out_at), and the next review a review interval away. */
static void
step_defaults(const struct mamori_gov_world *w, struct mamori_gov_record *r,
              const struct mamori_gov_step_def *s)
{
    char today[11];
    mamori_date_format(w->today, today);
    for (size_t i = 0; i < r->kind->n_fields; i++) {
        const struct mamori_gov_field *fd = &r->kind->fields[i];
        if (!mamori_gov_listed(s->needs, fd->key))
            continue;
        bool fresh = (fd->flags & MAMORI_GOV_STEP) != 0;
        if (fresh && fd->type == MAMORI_GOV_DATE && strcmp(fd->key, "session_date") != 0)
            r->v[i] = mamori_arena_strdup(w->arena, today);
        else if (fresh && fd->type == MAMORI_GOV_DATETIME && !*r->v[i])
            r->v[i] = now_text(w->arena);
        else if (!*r->v[i] &&
                 (strcmp(fd->key, "next_review") == 0 || strcmp(fd->key, "review_due") == 0 ||
                  strcmp(fd->key, "next_check") == 0))
            r->v[i] = date_in_months(w->arena, w->today, w->policy->governance.review_months);
    }
}

struct basic_doc {
    const char *id, *sha256;
    struct mamori_arena *a;
};

static int
find_basic(void *ctx, const struct mamori_gov_record *r)
{
    struct basic_doc *b = ctx;
    int t = mamori_gov_field_find(r->kind, "type");
    if (strcmp(r->v[t], "basic") == 0) {
        b->id = mamori_arena_strdup(b->a, r->id);
        b->sha256 = mamori_arena_strdup(b->a, r->v[mamori_gov_field_find(r->kind, "sha256")]);
    }
    return 0;
}

int
mamori_gov_basic_doc(struct mamori_instance *inst, const struct mamori_policy *p,
                     struct mamori_arena *a, const char **ret_id, const char **ret_sha256)
{
    struct basic_doc b = {.a = a};
    int rc =
        mamori_gov_iterate(inst, p, mamori_gov_kind_find("doc"), "approved", NULL, find_basic, &b);
    *ret_id = b.id;
    *ret_sha256 = b.sha256;
    return rc;
}

/* What a step does beyond fields and state: 0, MAMORI_E_DENIED (why), MAMORI_E_INVALID. */
static int
step_effects(struct mamori_instance *inst, const struct mamori_policy *p,
             const struct mamori_gov_world *w, const struct mamori_store_person *actor,
             struct mamori_gov_record *r, const char *action, const char **ret_why,
             struct mamori_gov_problems *pr)
{
    const char *kind = r->kind->id;
    if (strcmp(kind, "staff") == 0 && strcmp(action, "acknowledge") == 0) {
        const char *account = r->v[mamori_gov_field_find(r->kind, "account")];
        if (strcmp(account, actor->id) != 0) {
            *ret_why = "not-self";
            return MAMORI_E_DENIED;
        }
        struct basic_doc b;
        int rc = mamori_gov_basic_doc(inst, p, w->arena, &b.id, &b.sha256);
        if (rc < 0)
            return rc;
        if (!b.id || !*b.sha256) {
            mamori_gov_problem(pr, "ack_doc",
                               _("no 基本方針 has been approved with its file (mamori doc add "
                                 "type=basic --file FILE, then approve)"));
            return MAMORI_E_INVALID;
        }
        r->v[mamori_gov_field_find(r->kind, "ack_doc")] = b.id;
        r->v[mamori_gov_field_find(r->kind, "ack_sha256")] = b.sha256;
        r->v[mamori_gov_field_find(r->kind, "ack_at")] = now_text(w->arena);
    } else if (strcmp(kind, "staff") == 0 && strcmp(action, "remove") == 0) {
        const char *account = r->v[mamori_gov_field_find(r->kind, "account")];
        struct mamori_store_person ps;
        if (*account && mamori_store_person_get(inst->store, account, w->arena, &ps) == 0 &&
            !ps.disabled) {
            mamori_gov_problem(pr, "account",
                               _("the account %s is still enabled: disable it first (mamori "
                                 "user disable %s)"),
                               account, account);
            return MAMORI_E_INVALID;
        }
        char today[11];
        mamori_date_format(w->today, today);
        r->v[mamori_gov_field_find(r->kind, "removed_on")] = mamori_arena_strdup(w->arena, today);
    } else if (strcmp(kind, "finding") == 0 && strcmp(action, "correct") == 0) {
        /* the owner, or a manager of the unit audited */
        const char *owner = r->v[mamori_gov_field_find(r->kind, "owner")];
        if (strcmp(owner, actor->id) != 0 && !mamori_gov_listed("|section_manager|dept_manager|"
                                                                "general_manager|ciso|",
                                                                actor->role)) {
            *ret_why = "not-owner";
            return MAMORI_E_DENIED;
        }
    } else if ((strcmp(kind, "audit") == 0 && strcmp(action, "report") == 0) ||
               (strcmp(kind, "finding") == 0 && strcmp(action, "verify") == 0)) {
        /* only an auditor of the audit, who is independent of the unit */
        struct mamori_gov_record au;
        const struct mamori_gov_record *ar = r;
        if (strcmp(kind, "finding") == 0) {
            const char *audit_id = r->v[mamori_gov_field_find(r->kind, "audit")];
            int rc = mamori_gov_get(inst, mamori_gov_kind_find("audit"), audit_id, w->arena, &au);
            if (rc < 0)
                return rc;
            ar = &au;
        }
        char list[MAMORI_GOV_MAX_VALUE + 3];
        snprintf(list, sizeof(list), "|%s|", ar->v[mamori_gov_field_find(ar->kind, "auditors")]);
        for (char *q = list; *q; q++)
            if (*q == ',')
                *q = '|';
        if (!mamori_gov_listed(list, actor->id)) {
            *ret_why = "not-an-auditor-of-this-audit";
            return MAMORI_E_DENIED;
        }
    }
    return 0;
}

/* ---- add, edit, act ---------------------------------------------------------------------- */

static int
commit_or_rollback(struct mamori_instance *inst, int rc)
{
    if (rc == 0)
        rc = mamori_store_commit(inst->store);
    if (rc < 0)
        mamori_store_rollback(inst->store);
    return rc;
}

static int
add_step(struct mamori_instance *inst, const struct mamori_gov_record *r, const char *actor,
         const char *action, const char *from, const char *note, const char *data)
{
    struct mamori_store_gov_step s = {.kind = r->kind->id,
                                      .id = r->id,
                                      .at_us = r->updated_us,
                                      .actor = actor,
                                      .action = action,
                                      .from_state = from,
                                      .to_state = r->state,
                                      .note = note ? note : "",
                                      .data = data ? data : "{}"};
    return mamori_store_gov_step_add(inst->store, &s);
}

static int
store_record(struct mamori_instance *inst, const struct mamori_gov_record *r, bool insert)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 14);
    struct mamori_store_gov g;
    int rc = encode(r, &b, &g);
    if (rc == 0)
        rc = mamori_store_gov_put(inst->store, &g, insert);
    mamori_buf_done(&b);
    return rc;
}

int
mamori_gov_add(struct mamori_instance *inst, const struct mamori_policy *p,
               const struct mamori_store_person *actor, const struct mamori_gov_kind *k,
               const char *id, const struct mamori_gov_kv *kv, size_t n,
               const struct mamori_gov_evidence *file, struct mamori_arena *a, const char **ret_id,
               const char **ret_why, struct mamori_gov_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, inst, p, a);
    struct mamori_gov_record r = {.kind = k, .state = k->states[0].id, .created_by = actor->id};
    for (size_t i = 0; i < k->n_fields; i++)
        r.v[i] = "";
    if (k->id_given) {
        if (!id || !*id || strlen(id) > 64 || strpbrk(id, " ,/|\t\r\n")) {
            mamori_gov_problem(pr, NULL, _("give the %s's id (no spaces, commas or slashes)"),
                               k->ja);
            return MAMORI_E_INVALID;
        }
        r.id = id;
    }
    int rc = apply(&w, &r, kv, n, 0, pr);
    if (rc == -ENOMEM)
        return rc;
    int sf = mamori_gov_field_find(k, "sha256");
    if (file && sf >= 0) {
        char size[24];
        snprintf(size, sizeof(size), "%lld", (long long)file->size);
        r.v[sf] = file->sha256;
        r.v[mamori_gov_field_find(k, "file")] = file->name;
        r.v[mamori_gov_field_find(k, "size")] = mamori_arena_strdup(a, size);
    } else if (file) {
        mamori_gov_problem(pr, NULL, _("a %s keeps no file"), k->ja);
    }
    required(&r, NULL, true, pr);
    int uf = mamori_gov_field_find(k, "unit");
    r.unit = uf >= 0 ? r.v[uf] : "";
    mamori_gov_derive(&w, &r);
    if (pr->n == 0)
        mamori_gov_check(&w, &r, NULL, pr);
    if (pr->n)
        return MAMORI_E_INVALID;
    const char *why = NULL;
    if (strcmp(k->creators, "*") != 0 && !mamori_gov_listed(k->creators, actor->role))
        why = "wrong-role";
    else if (!in_scope(p, actor, r.unit))
        why = "outside-unit";
    if (why) {
        r.id = r.id ? r.id : "-";
        *ret_why = why;
        record_refusal(inst, actor, &r, k->verb, why);
        return MAMORI_E_DENIED;
    }
    r.created_us = r.updated_us = mamori_now_us();
    if ((rc = mamori_store_begin(inst->store)) < 0)
        return rc;
    if (!k->id_given) {
        int64_t last = 0;
        rc = mamori_store_gov_last_number(inst->store, k->id, k->prefix, &last);
        char buf[48];
        snprintf(buf, sizeof(buf), "%s-%lld", k->prefix, (long long)last + 1);
        r.id = mamori_arena_strdup(a, buf);
    }
    if (rc == 0)
        rc = store_record(inst, &r, true);
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 14);
    if (rc == 0)
        rc = add_step(inst, &r, actor->id, k->verb, "", NULL, NULL);
    if (rc == 0)
        rc = record(inst, actor, &r, k->verb, r.state, kv, n, NULL, NULL, NULL, NULL, &b);
    mamori_buf_done(&b);
    rc = commit_or_rollback(inst, rc);
    if (rc == 0)
        *ret_id = r.id;
    return rc;
}

int
mamori_gov_edit(struct mamori_instance *inst, const struct mamori_policy *p,
                const struct mamori_store_person *actor, const struct mamori_gov_kind *k,
                const char *id, const struct mamori_gov_kv *kv, size_t n, const char *note,
                struct mamori_arena *a, struct mamori_gov_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, inst, p, a);
    struct mamori_gov_record r;
    int rc = mamori_gov_get(inst, k, id, a, &r);
    if (rc < 0)
        return rc;
    const struct mamori_gov_state *st = mamori_gov_state_find(k, r.state);
    if (st && st->closed) {
        mamori_gov_problem(pr, NULL, _("%s is %s: closed records are not changed"), id, st->ja);
        return MAMORI_E_INVALID;
    }
    const char *why = NULL;
    bool creator = strcmp(r.created_by, actor->id) == 0;
    if (!creator && strcmp(k->creators, "*") != 0 && !mamori_gov_listed(k->creators, actor->role))
        why = "wrong-role";
    else if (!in_scope(p, actor, r.unit))
        why = "outside-unit";
    rc = apply(&w, &r, kv, n, 0, pr);
    if (rc == -ENOMEM)
        return rc;
    required(&r, NULL, true, pr);
    mamori_gov_derive(&w, &r);
    if (pr->n == 0)
        mamori_gov_check(&w, &r, NULL, pr);
    if (pr->n)
        return MAMORI_E_INVALID;
    int uf = mamori_gov_field_find(k, "unit");
    if (!why && uf >= 0 && !in_scope(p, actor, r.v[uf]))
        why = "outside-unit"; /* moved to a unit the actor does not answer for */
    if (why) {
        record_refusal(inst, actor, &r, "edit", why);
        return MAMORI_E_DENIED;
    }
    r.updated_us = mamori_now_us();
    if ((rc = mamori_store_begin(inst->store)) < 0)
        return rc;
    rc = store_record(inst, &r, false);
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 14);
    if (rc == 0)
        rc = add_step(inst, &r, actor->id, "edit", r.state, note, NULL);
    if (rc == 0)
        rc = record(inst, actor, &r, "edit", r.state, kv, n, note, NULL, NULL, NULL, &b);
    mamori_buf_done(&b);
    return commit_or_rollback(inst, rc);
}

int
mamori_gov_act(struct mamori_instance *inst, const struct mamori_policy *p,
               const struct mamori_store_person *actor, const struct mamori_gov_kind *k,
               const char *id, const char *action, const struct mamori_gov_kv *kv, size_t n,
               const char *note, const struct mamori_gov_evidence *ev, struct mamori_arena *a,
               const char **ret_state, const char **ret_why, struct mamori_gov_problems *pr)
{
    if (!inst->log)
        return -EACCES;
    struct mamori_gov_world w;
    mamori_gov_world_init(&w, inst, p, a);
    struct mamori_gov_record r;
    int rc = mamori_gov_get(inst, k, id, a, &r);
    if (rc < 0)
        return rc;
    const struct mamori_gov_step_def *s = strcmp(action, "advance") == 0
                                              ? mamori_gov_step_next(k, r.state)
                                              : mamori_gov_step_find(k, action);
    const struct mamori_gov_state *st = mamori_gov_state_find(k, r.state);
    if (!s) {
        if (mamori_gov_step_find(k, action) || strcmp(action, "advance") == 0)
            mamori_gov_problem(pr, NULL, _("%s is %s: nothing follows"), id, st ? st->ja : r.state);
        else
            mamori_gov_problem(pr, NULL, _("%s has no step \"%s\""), k->ja, action);
        return MAMORI_E_INVALID;
    }
    if (!mamori_gov_listed(s->from, r.state)) {
        mamori_gov_problem(pr, NULL, _("%s is %s: \"%s\" does not apply now"), id,
                           st ? st->ja : r.state, s->action);
        return MAMORI_E_INVALID;
    }
    *ret_why = NULL;
    rc = may(p, actor, s->who, &r, ret_why);
    if (rc == 0)
        rc = step_effects(inst, p, &w, actor, &r, s->action, ret_why, pr);
    if (rc == MAMORI_E_DENIED) {
        record_refusal(inst, actor, &r, s->action, *ret_why);
        return rc;
    }
    if (rc < 0)
        return rc;
    if (s->action && strcmp(s->action, "attend") == 0 && n == 0)
        mamori_gov_problem(pr, NULL, _("give session_date= and attendees="));
    rc = apply(&w, &r, kv, n, 1, pr);
    if (rc == -ENOMEM)
        return rc;
    step_defaults(&w, &r, s);
    required(&r, s->needs, false, pr);
    mamori_gov_derive(&w, &r);
    if (pr->n == 0)
        mamori_gov_check(&w, &r, s->action, pr);
    if (pr->n)
        return MAMORI_E_INVALID;
    const char *from = r.state;
    if (s->to)
        r.state = s->to;
    r.updated_us = mamori_now_us();
    if ((rc = mamori_store_begin(inst->store)) < 0)
        return rc;
    rc = store_record(inst, &r, false);
    struct mamori_buf d;
    mamori_buf_init(&d, 1 << 14);
    if (rc == 0)
        rc = record(inst, actor, &r, s->action, r.state, kv, n, note, NULL, ev, from, &d);
    if (rc == 0)
        rc = add_step(inst, &r, actor->id, s->action, from, note, d.data);
    mamori_buf_done(&d);
    rc = commit_or_rollback(inst, rc);
    if (rc == 0)
        *ret_state = r.state;
    return rc;
}

/* ---- JSON -------------------------------------------------------------------------------- */

void
mamori_gov_json(const struct mamori_gov_world *w, struct mamori_json *j,
                const struct mamori_gov_record *r, bool with_flags)
{
    const struct mamori_gov_state *st = mamori_gov_state_find(r->kind, r->state);
    char t[32];
    mamori_json_object_begin(j);
    mamori_json_kv_string(j, "kind", r->kind->id);
    mamori_json_kv_string(j, "id", r->id);
    mamori_json_kv_string(j, "state", r->state);
    mamori_json_kv_string(j, "state_ja", st ? st->ja : r->state);
    mamori_json_kv_bool(j, "closed", st && st->closed);
    mamori_json_kv_string(j, "unit", r->unit);
    mamori_json_kv_string(j, "title", r->title);
    mamori_json_kv_string(j, "created_by", r->created_by);
    mamori_time_format(r->created_us, t);
    mamori_json_kv_string(j, "created", t);
    mamori_time_format(r->updated_us, t);
    mamori_json_kv_string(j, "updated", t);
    mamori_json_key(j, "fields");
    mamori_json_object_begin(j);
    for (size_t i = 0; i < r->kind->n_fields; i++)
        if (r->v[i] && *r->v[i])
            mamori_json_kv_string(j, r->kind->fields[i].key, r->v[i]);
    mamori_json_object_end(j);
    if (with_flags) {
        struct mamori_gov_flag fl[16];
        size_t nf = mamori_gov_flags(w, r, fl, 16);
        mamori_json_key(j, "flags");
        mamori_json_array_begin(j);
        for (size_t i = 0; i < nf; i++) {
            mamori_json_object_begin(j);
            mamori_json_kv_string(j, "code", fl[i].code);
            mamori_json_kv_string(j, "text", fl[i].text_ja);
            mamori_json_kv_string(j, "text_en", fl[i].text_en);
            if (*fl[i].due)
                mamori_json_kv_string(j, "due", fl[i].due);
            mamori_json_kv_bool(j, "overdue", fl[i].overdue);
            if (*fl[i].who)
                mamori_json_kv_string(j, "person", fl[i].who);
            if (*fl[i].role)
                mamori_json_kv_string(j, "role", fl[i].role);
            mamori_json_object_end(j);
        }
        mamori_json_array_end(j);
    }
    mamori_json_object_end(j);
}

/* ---- appointments (兼務) ------------------------------------------------------------------ */

struct spans {
    struct mamori_arena *a;
    struct mamori_store_role_span *v;
    size_t n, max;
};

static int
keep_span(void *ctx, const struct mamori_store_role_span *sp)
{
    struct spans *s = ctx;
    if (s->n == s->max)
        return 1;
    struct mamori_store_role_span *d = &s->v[s->n];
    *d = *sp;
    d->person = mamori_arena_strdup(s->a, sp->person);
    d->role = mamori_arena_strdup(s->a, sp->role);
    d->unit = mamori_arena_strdup(s->a, sp->unit);
    if (!d->person || !d->role || !d->unit)
        return -ENOMEM;
    s->n++;
    return 0;
}

int
mamori_gov_appointments(struct mamori_instance *inst, const char *person, struct mamori_arena *a,
                        struct mamori_store_role_span *ret, size_t max)
{
    struct spans s = {.a = a, .v = ret, .max = max};
    struct mamori_store_role_query q = {.person = person, .at_us = mamori_now_us(), .appointed = 1};
    int r = mamori_store_role_iterate(inst->store, &q, keep_span, &s);
    return r < 0 ? r : (int)s.n;
}

int
mamori_gov_act_in(struct mamori_instance *inst, const char *role, struct mamori_arena *a,
                  struct mamori_store_person *person)
{
    if (!role || !*role || strcmp(role, person->role) == 0)
        return 0;
    struct mamori_store_role_span v[16];
    int n = mamori_gov_appointments(inst, person->id, a, v, 16);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++)
        if (strcmp(v[i].role, role) == 0) {
            person->role = v[i].role;
            if (*v[i].unit)
                person->unit = v[i].unit;
            return 0;
        }
    return MAMORI_E_DENIED;
}
