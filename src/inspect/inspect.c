/*
 * The self-inspection checklist and the items answered from mamori's records
 * (mamori/inspect.h, docs/internals/inspect.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/asset.h"
#include "mamori/gov.h"
#include "mamori/hostcheck.h"
#include "mamori/inspect.h"

struct ctx {
    struct mamori_instance *inst;
    const struct mamori_policy *p;
    const char *units; /* ",a,b," or NULL */
    char today[16];
    int64_t from_us, to_us; /* the fiscal year */
};

typedef void (*check_fn)(struct ctx *c, struct mamori_inspect_item *it);

static void say(struct mamori_inspect_item *it, enum mamori_inspect_answer a, const char *fmt, ...)
    MAMORI_PRINTF(3, 4);

static void
say(struct mamori_inspect_item *it, enum mamori_inspect_answer a, const char *fmt, ...)
{
    it->answer = a;
    it->by_data = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->evidence, sizeof(it->evidence), fmt, ap);
    va_end(ap);
}

static void
store_failed(struct mamori_inspect_item *it, int r)
{
    it->answer = MAMORI_INSPECT_UNANSWERED;
    it->by_data = false;
    snprintf(it->evidence, sizeof(it->evidence), _("the store cannot be read: %s"),
             mamori_strerror(r));
}

/* ---- the asset register --------------------------------------------------------------- */

struct asset_tally {
    struct ctx *c;
    int64_t total, unclassified, overdue;
    char first_unclassified[72], first_overdue[72];
};

static int
tally_asset(void *ctx, const struct mamori_store_asset *a)
{
    struct asset_tally *t = ctx;
    t->total++;
    bool levels =
        *a->f[MAMORI_ASSET_CONF] && *a->f[MAMORI_ASSET_INTEG] && *a->f[MAMORI_ASSET_AVAIL];
    if (!levels && !t->unclassified++)
        snprintf(t->first_unclassified, sizeof(t->first_unclassified), "%s", a->f[MAMORI_ASSET_ID]);
    const char *due = a->f[MAMORI_ASSET_REVIEW_DUE];
    if (*due && strcmp(due, t->c->today) < 0 && !t->overdue++)
        snprintf(t->first_overdue, sizeof(t->first_overdue), "%s (%s)", a->f[MAMORI_ASSET_ID], due);
    return 0;
}

static int
tally_assets(struct ctx *c, struct asset_tally *t)
{
    *t = (struct asset_tally){.c = c};
    struct mamori_store_asset_filter f = {.units = c->units, .state = "active"};
    return mamori_store_asset_query(c->inst->store, &f, 0, -1, tally_asset, t, NULL);
}

static void
assets_classified(struct ctx *c, struct mamori_inspect_item *it)
{
    struct asset_tally t;
    int r = tally_assets(c, &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.total == 0)
        return say(it, MAMORI_INSPECT_NOT_DONE, "%s",
                   c->units ? _("no asset is registered for this unit")
                            : _("no asset is registered"));
    if (t.unclassified)
        return say(it, MAMORI_INSPECT_PARTIAL, _("%lld of %lld assets lack a level (first: %s)"),
                   (long long)t.unclassified, (long long)t.total, t.first_unclassified);
    say(it, MAMORI_INSPECT_DONE, _("%lld assets in use, each classified on all three axes"),
        (long long)t.total);
}

static void
assets_reviewed(struct ctx *c, struct mamori_inspect_item *it)
{
    struct asset_tally t;
    int r = tally_assets(c, &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.total == 0)
        return say(it, MAMORI_INSPECT_NA, _("no asset is registered"));
    if (t.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE, _("%lld assets, none past its review date (%s)"),
                   (long long)t.total, c->today);
    say(it, t.overdue < t.total ? MAMORI_INSPECT_PARTIAL : MAMORI_INSPECT_NOT_DONE,
        _("%lld of %lld assets are past their review date (first: %s)"), (long long)t.overdue,
        (long long)t.total, t.first_overdue);
}

struct event_tally {
    struct ctx *c;
    int64_t requested, approved, denied, waiting, self, disposals, incomplete;
    char first_self[64], first_incomplete[64];
};

static bool
in_scope(struct ctx *c, const char *asset_id)
{
    if (!c->units)
        return true;
    struct mamori_arena *a = mamori_arena_new(1 << 14);
    struct mamori_store_asset as;
    bool in = false;
    if (a && mamori_store_asset_get(c->inst->store, asset_id, a, &as) == 0) {
        const char *needle = mamori_arena_printf(a, ",%s,", as.f[MAMORI_ASSET_UNIT]);
        in = needle && strstr(c->units, needle) != NULL;
    }
    mamori_arena_free(a);
    return in;
}

static int
tally_event(void *ctx, const struct mamori_store_asset_event *e)
{
    struct event_tally *t = ctx;
    if (e->created_us < t->c->from_us || e->created_us >= t->c->to_us || !in_scope(t->c, e->asset))
        return 0;
    bool asked = strcmp(e->state, "recorded") != 0;
    t->requested += asked;
    t->approved += strcmp(e->state, "approved") == 0;
    t->denied += strcmp(e->state, "denied") == 0;
    t->waiting += strcmp(e->state, "requested") == 0;
    if (asked && *e->decided_by && strcmp(e->decided_by, e->requester) == 0 && !t->self++)
        snprintf(t->first_self, sizeof(t->first_self), "event %lld", (long long)e->id);
    if (strcmp(e->kind, "dispose") == 0 &&
        (strcmp(e->state, "approved") == 0 || strcmp(e->state, "recorded") == 0)) {
        t->disposals++;
        if ((!*e->date || !*e->person || !*e->method) && !t->incomplete++)
            snprintf(t->first_incomplete, sizeof(t->first_incomplete), "event %lld",
                     (long long)e->id);
    }
    return 0;
}

static int
tally_events(struct ctx *c, struct event_tally *t)
{
    *t = (struct event_tally){.c = c};
    return mamori_store_asset_event_iterate(c->inst->store, NULL, NULL, tally_event, t);
}

static void
events_approved(struct ctx *c, struct mamori_inspect_item *it)
{
    struct event_tally t;
    int r = tally_events(c, &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.requested == 0)
        return say(it, MAMORI_INSPECT_NA,
                   _("no carrying, providing or disposal needed permission this year"));
    if (t.self)
        return say(it, MAMORI_INSPECT_NOT_DONE,
                   _("%lld decided by their own requester (first: %s)"), (long long)t.self,
                   t.first_self);
    say(it, MAMORI_INSPECT_DONE,
        _("%lld requests this year: %lld approved, %lld denied, %lld waiting; none decided by "
          "its requester"),
        (long long)t.requested, (long long)t.approved, (long long)t.denied, (long long)t.waiting);
}

static void
disposals_recorded(struct ctx *c, struct mamori_inspect_item *it)
{
    struct event_tally t;
    int r = tally_events(c, &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.disposals == 0)
        return say(it, MAMORI_INSPECT_NA, _("no asset was disposed of this year"));
    if (t.incomplete)
        return say(it, MAMORI_INSPECT_PARTIAL,
                   _("%lld of %lld disposals lack date, person or method (first: %s)"),
                   (long long)t.incomplete, (long long)t.disposals, t.first_incomplete);
    say(it, MAMORI_INSPECT_DONE, _("%lld disposals this year, each with date, person and method"),
        (long long)t.disposals);
}

/* ---- risks --------------------------------------------------------------------------------- */

struct risk_tally {
    struct ctx *c;
    int64_t total, expired, overdue, unaccepted;
    char first[64];
};

static int
tally_risk(void *ctx, const struct mamori_store_risk *k)
{
    struct risk_tally *t = ctx;
    if (!in_scope(t->c, k->asset))
        return 0;
    t->total++;
    bool bad = false;
    if (strcmp(k->state, "accepted") == 0 && strcmp(k->accept_until, t->c->today) < 0)
        t->expired++, bad = true;
    if (strcmp(k->treatment, "accept") == 0 && strcmp(k->state, "open") == 0)
        t->unaccepted++, bad = true;
    if (*k->review_due && strcmp(k->review_due, t->c->today) < 0)
        t->overdue++, bad = true;
    if (bad && !t->first[0])
        snprintf(t->first, sizeof(t->first), "risk %lld", (long long)k->id);
    return 0;
}

static void
risks_managed(struct ctx *c, struct mamori_inspect_item *it)
{
    struct risk_tally t = {.c = c};
    int r = mamori_store_risk_iterate(c->inst->store, NULL, tally_risk, &t);
    struct asset_tally a = {0};
    if (r == 0)
        r = tally_assets(c, &a);
    if (r < 0)
        return store_failed(it, r);
    if (t.total == 0)
        return say(it, a.total ? MAMORI_INSPECT_NOT_DONE : MAMORI_INSPECT_NA,
                   a.total ? _("%lld assets, no risk assessed") : _("no asset is registered"),
                   (long long)a.total);
    if (t.expired || t.unaccepted || t.overdue)
        return say(it, MAMORI_INSPECT_PARTIAL,
                   _("%lld risks: %lld acceptances expired, %lld to accept not yet accepted, %lld "
                     "past their review date (first: %s)"),
                   (long long)t.total, (long long)t.expired, (long long)t.unaccepted,
                   (long long)t.overdue, t.first);
    say(it, MAMORI_INSPECT_DONE, _("%lld risks, acceptances in date, reviews on time"),
        (long long)t.total);
}

/* ---- approvals of the zones' crossings ----------------------------------------------------- */

struct decision_tally {
    struct ctx *c;
    int64_t decided, self;
    char first[64];
};

static int
tally_request(void *ctx, const struct mamori_store_request *q)
{
    struct decision_tally *t = ctx;
    if (q->created_us < t->c->from_us || q->created_us >= t->c->to_us || !*q->decided_by)
        return 0;
    t->decided++;
    if (strcmp(q->decided_by, q->requester) == 0 && !t->self++)
        snprintf(t->first, sizeof(t->first), "request %lld", (long long)q->id);
    return 0;
}

static int
tally_transfer(void *ctx, const struct mamori_store_transfer *x)
{
    struct decision_tally *t = ctx;
    if (x->created_us < t->c->from_us || x->created_us >= t->c->to_us || !*x->decided_by)
        return 0;
    t->decided++;
    if (strcmp(x->decided_by, x->uploader) == 0 && !t->self++)
        snprintf(t->first, sizeof(t->first), "transfer %lld", (long long)x->id);
    return 0;
}

/* Release requests (release) or file transfers: none decided, some by their requester, or
 * every one by another person. */
static void
decisions_said(struct mamori_inspect_item *it, const struct decision_tally *t, bool release)
{
    if (t->decided == 0)
        return say(it, MAMORI_INSPECT_NA, "%s",
                   release ? _("no release request was decided this year")
                           : _("no file transfer was decided this year"));
    if (t->self)
        return say(it, MAMORI_INSPECT_NOT_DONE, _("%lld decided by their requester (first: %s)"),
                   (long long)t->self, t->first);
    if (release)
        say(it, MAMORI_INSPECT_DONE,
            _("%lld release requests decided this year, none by its requester"),
            (long long)t->decided);
    else
        say(it, MAMORI_INSPECT_DONE,
            _("%lld file transfers decided this year, none by its requester"),
            (long long)t->decided);
}

static void
releases_approved(struct ctx *c, struct mamori_inspect_item *it)
{
    struct decision_tally t = {.c = c};
    int r = mamori_store_request_iterate(c->inst->store, tally_request, &t);
    if (r < 0)
        return store_failed(it, r);
    decisions_said(it, &t, true);
}

static void
transfers_approved(struct ctx *c, struct mamori_inspect_item *it)
{
    struct decision_tally t = {.c = c};
    int r =
        mamori_store_transfer_iterate(c->inst->store, NULL, NULL, INT64_MAX, tally_transfer, &t);
    if (r < 0)
        return store_failed(it, r);
    decisions_said(it, &t, false);
}

/* ---- the host and the log ------------------------------------------------------------------ */

static void
clock_synchronised(struct ctx *c, struct mamori_inspect_item *it)
{
    (void)c;
    struct mamori_time_reading rd;
    struct mamori_time_verdict v;
    if (mamori_time_read(&rd) < 0)
        return say(it, MAMORI_INSPECT_NOT_DONE, _("the clock state cannot be read"));
    mamori_time_judge(&rd, MAMORI_TIME_MAX_ERROR_US, &v);
    say(it, v.ok ? MAMORI_INSPECT_DONE : MAMORI_INSPECT_NOT_DONE,
        _("this host: %s; maximum error %lld us; daemon %s"),
        v.ok ? _("synchronised") : _(v.reason), (long long)rd.max_error_us,
        rd.daemon[0] ? rd.daemon : _("none"));
}

static void
log_intact(struct ctx *c, struct mamori_inspect_item *it)
{
    struct mamori_verify_result res;
    int r = mamori_log_verify(c->inst->store, &c->inst->key, NULL, 0, &res);
    if (r < 0)
        return say(it, MAMORI_INSPECT_NOT_DONE, _("the log cannot be verified: %s"),
                   mamori_strerror(r));
    if (!res.ok)
        return say(it, MAMORI_INSPECT_NOT_DONE, _("TAMPERED: %s"), res.message);
    say(it, MAMORI_INSPECT_DONE, _("%llu records and %llu signed checkpoints verified"),
        (unsigned long long)res.n_records, (unsigned long long)res.n_checkpoints);
}

/* The latest `mamori fw verify` of the fiscal year, as the audit log recorded it. */
struct fw_seen {
    struct ctx *c;
    int64_t time_us;
    char decision[16], actor[64], found[96];
    uint64_t seq;
};

static int
fw_record(void *ctx, const struct mamori_store_record *rec)
{
    struct fw_seen *s = ctx;
    /* Most records are mail and flow decisions: only those naming the action are decoded. */
    if (!memmem(rec->body, rec->body_len, "fw.verify", 9))
        return 0;
    struct mamori_record r;
    struct mamori_arena *a = mamori_arena_new(rec->body_len * 2 + 1024);
    if (!a)
        return -ENOMEM;
    if (mamori_record_decode(rec->body, rec->body_len, a, &r) < 0 ||
        strcmp(r.action, "fw.verify") != 0 || r.time_us < s->c->from_us ||
        r.time_us >= s->c->to_us || r.time_us < s->time_us) {
        mamori_arena_free(a);
        return 0;
    }
    s->time_us = r.time_us;
    s->seq = rec->seq;
    snprintf(s->decision, sizeof(s->decision), "%s", r.decision);
    snprintf(s->actor, sizeof(s->actor), "%s", r.actor);
    const char *f = strstr(r.details, "\"found\":\"");
    snprintf(s->found, sizeof(s->found), "%.*s", f ? (int)strcspn(f + 9, "\"") : 0, f ? f + 9 : "");
    mamori_arena_free(a);
    return 0;
}

static void
firewall_verified(struct ctx *c, struct mamori_inspect_item *it)
{
    struct fw_seen s = {.c = c};
    int r = mamori_store_log_iterate(c->inst->store, 0, fw_record, &s);
    if (r < 0)
        return store_failed(it, r);
    if (!s.time_us)
        return say(it, MAMORI_INSPECT_NOT_DONE, "%s",
                   _("the boundary firewall was not verified in this year (mamori fw verify, "
                     "as root)"));
    char when[24];
    mamori_gov_time(s.time_us, when);
    if (strcmp(s.decision, "ok") == 0)
        return say(it, MAMORI_INSPECT_DONE,
                   _("last verified %s by %s: the live rules match the policy (record %llu)"), when,
                   s.actor, (unsigned long long)s.seq);
    say(it, MAMORI_INSPECT_NOT_DONE,
        _("last verified %s by %s: the live rules differ from the policy, %s (record %llu)"), when,
        s.actor, s.found, (unsigned long long)s.seq);
}

/* ---- the governance registers -------------------------------------------------------------- */

static bool
unit_in(struct ctx *c, const char *unit)
{
    if (!c->units)
        return true;
    char needle[80];
    snprintf(needle, sizeof(needle), ",%s,", unit);
    return strstr(c->units, needle) != NULL;
}

/* Records of a kind in scope (state filter when given) and the dues with a code prefix. */
struct gov_tally {
    struct ctx *c;
    const char *state;
    int64_t records, due, overdue;
    char first[400];
};

static int
count_record(void *ctx, const struct mamori_gov_record *r)
{
    struct gov_tally *t = ctx;
    if (unit_in(t->c, r->unit) && (!t->state || mamori_gov_listed(t->state, r->state)))
        t->records++;
    return 0;
}

static int
gov_tally(struct ctx *c, const char *kind, const char *states, const char *code,
          struct gov_tally *t)
{
    *t = (struct gov_tally){.c = c, .state = states};
    int r =
        mamori_gov_iterate(c->inst, c->p, mamori_gov_kind_find(kind), NULL, NULL, count_record, t);
    struct mamori_arena *a = mamori_arena_new((size_t)1 << 28);
    struct mamori_gov_due *v = NULL;
    size_t n = 0;
    int32_t today = 0;
    mamori_date_parse(c->today, 10, &today);
    if (r == 0)
        r = a ? mamori_gov_dues(c->inst, c->p, today, &v, &n, a) : -ENOMEM;
    for (size_t i = 0; r == 0 && i < n; i++) {
        if (strncmp(v[i].flag.code, code, strlen(code)) != 0 || !unit_in(c, v[i].unit))
            continue;
        t->due++;
        if (v[i].flag.overdue && !t->overdue++)
            snprintf(t->first, sizeof(t->first), "%s %s: %s", v[i].id, v[i].title,
                     mamori_i18n_japanese() ? v[i].flag.text_ja : v[i].flag.text_en);
    }
    free(v);
    mamori_arena_free(a);
    return r;
}

static void
training_attended(struct ctx *c, struct mamori_inspect_item *it)
{
    struct gov_tally t = {0}, prog = {0};
    int r = gov_tally(c, "staff", "|active|", "training-due", &t);
    if (r == 0)
        r = gov_tally(c, "training", "|active|", "-", &prog);
    if (r < 0)
        return store_failed(it, r);
    if (t.records == 0) {
        snprintf(it->evidence, sizeof(it->evidence), "%s",
                 _("no staff in the register (mamori staff add): a person answers"));
        return;
    }
    if (prog.records == 0)
        return say(it, MAMORI_INSPECT_NOT_DONE,
                   _("%lld staff, but no training programme "
                     "(mamori training add)"),
                   (long long)t.records);
    if (t.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE,
                   _("%lld staff, %lld programmes: nobody is overdue (%lld due soon)"),
                   (long long)t.records, (long long)prog.records, (long long)t.due);
    say(it, t.overdue < t.records ? MAMORI_INSPECT_PARTIAL : MAMORI_INSPECT_NOT_DONE,
        _("%lld trainings overdue among %lld staff (first: %s)"), (long long)t.overdue,
        (long long)t.records, t.first);
}

static void
leavers_removed(struct ctx *c, struct mamori_inspect_item *it)
{
    struct gov_tally t;
    int r = gov_tally(c, "staff", "|left|removed|", "leaver-accounts", &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.records == 0)
        return say(it, MAMORI_INSPECT_NA, "%s", _("no leavers in the staff register"));
    if (t.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE,
                   _("%lld leavers: every account removed within %lld days"), (long long)t.records,
                   (long long)c->p->governance.leaver_days);
    say(it, t.overdue < t.records ? MAMORI_INSPECT_PARTIAL : MAMORI_INSPECT_NOT_DONE,
        _("%lld of %lld leavers still have accounts past %lld days (first: %s)"),
        (long long)t.overdue, (long long)t.records, (long long)c->p->governance.leaver_days,
        t.first);
}

static void
sns_complete(struct ctx *c, struct mamori_inspect_item *it)
{
    struct gov_tally t;
    int r = gov_tally(c, "sns", "|active|", "sns-", &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.records == 0)
        return say(it, MAMORI_INSPECT_NA, "%s", _("no social-media account is registered"));
    if (t.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE,
                   _("%lld accounts, each with a responsible person, procedure, listing and "
                     "MFA"),
                   (long long)t.records);
    say(it, MAMORI_INSPECT_PARTIAL, _("%lld gaps over %lld accounts (first: %s)"),
        (long long)t.overdue, (long long)t.records, t.first);
}

static void
contractors_managed(struct ctx *c, struct mamori_inspect_item *it)
{
    struct gov_tally items = {0}, checks = {0};
    int r = gov_tally(c, "contractor", "|contracted|", "contract-items", &items);
    if (r == 0)
        r = gov_tally(c, "contractor", "|contracted|", "contractor-check", &checks);
    if (r < 0)
        return store_failed(it, r);
    if (items.records == 0)
        return say(it, MAMORI_INSPECT_NA, "%s", _("no contractor under contract"));
    if (items.due == 0 && checks.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE,
                   _("%lld contractors: every contract has all its items, checks in date"),
                   (long long)items.records);
    say(it, MAMORI_INSPECT_PARTIAL,
        _("%lld contracts miss items, %lld periodic checks overdue, of %lld contractors"),
        (long long)items.due, (long long)checks.overdue, (long long)items.records);
}

static void
incident_deadlines(struct ctx *c, struct mamori_inspect_item *it)
{
    struct gov_tally t;
    int r = gov_tally(c, "incident", NULL, "deadline-", &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.records == 0)
        return say(it, MAMORI_INSPECT_NA, "%s", _("no incident is recorded"));
    if (t.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE,
                   _("%lld incidents: no report to the 個人情報保護委員会 is overdue"),
                   (long long)t.records);
    say(it, MAMORI_INSPECT_NOT_DONE, _("%lld statutory reports overdue (first: %s)"),
        (long long)t.overdue, t.first);
}

static void
findings_corrected(struct ctx *c, struct mamori_inspect_item *it)
{
    struct gov_tally t;
    int r = gov_tally(c, "finding", NULL, "finding-due", &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.records == 0)
        return say(it, MAMORI_INSPECT_NA, "%s", _("no audit finding is recorded"));
    if (t.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE, _("%lld findings: none past its due date"),
                   (long long)t.records);
    say(it, t.overdue < t.records ? MAMORI_INSPECT_PARTIAL : MAMORI_INSPECT_NOT_DONE,
        _("%lld of %lld findings are past their due date (first: %s)"), (long long)t.overdue,
        (long long)t.records, t.first);
}

static void
policy_reviewed(struct ctx *c, struct mamori_inspect_item *it)
{
    struct gov_tally t;
    int r = gov_tally(c, "doc", "|approved|", "doc-review", &t);
    if (r < 0)
        return store_failed(it, r);
    if (t.records == 0)
        return say(it, MAMORI_INSPECT_NOT_DONE, "%s",
                   _("no approved policy document in the register (mamori doc add)"));
    if (t.overdue == 0)
        return say(it, MAMORI_INSPECT_DONE, _("%lld approved documents, none past its review"),
                   (long long)t.records);
    say(it, MAMORI_INSPECT_PARTIAL, _("%lld of %lld documents are past their review (first: %s)"),
        (long long)t.overdue, (long long)t.records, t.first);
}

/* ---- the checklist ------------------------------------------------------------------------- */

static const struct {
    const char *id, *clause, *role, *ja, *en;
    check_fn check;
} checklist[] = {
    {"3-1", "3", "dept_manager", "情報資産のリスクを評価し、受容は期限内か",
     "Are the assets' risks assessed, acceptances in date?", risks_managed},
    {"5-1", "5", "section_manager", "職員等は情報セキュリティ研修を受講しているか",
     "Has the staff attended security training?", training_attended},
    {"5-2", "5", "system_admin", "退職者・異動者のアカウントは速やかに削除されているか",
     "Are leavers' accounts removed promptly?", leavers_removed},
    {"6(2)-1", "6(2)", "section_manager", "情報資産はすべて台帳に登録され、分類されているか",
     "Is every information asset registered and classified?", assets_classified},
    {"6(2)-2", "6(2)", "section_manager", "分類の見直しは期限内に行われているか",
     "Are classifications reviewed on time?", assets_reviewed},
    {"6(2)-3", "6(2)", "section_manager",
     "機密性2以上の情報資産の運搬・提供・廃棄は許可を得ているか（申請者本人の許可なし）",
     "Are carrying, providing and disposal of 機密性2+ assets approved, never by the requester?",
     events_approved},
    {"6(2)-4", "6(2)", "section_manager", "廃棄は日付・実施者・方法を記録しているか",
     "Is every disposal recorded with date, person and method?", disposals_recorded},
    {"6(3)①-1", "6(3)①", "system_admin", "境界のファイアウォールはポリシーどおりか",
     "Does the boundary firewall match the policy (mamori fw verify)?", firewall_verified},
    {"6(3)②-1", "6(3)②", "section_manager",
     "添付ファイルの原本は本人以外の承認を得て取り出されているか",
     "Are originals released only with another person's approval?", releases_approved},
    {"6(3)②-2", "6(3)②", "section_manager", "ファイルの受け渡しは本人以外の承認を得ているか",
     "Are files handed over only with another person's approval?", transfers_approved},
    {"6(3)③-1", "6(3)③", "system_admin", "サーバの時刻は同期しているか",
     "Are the servers' clocks synchronised?", clock_synchronised},
    {"6(8)-1", "6(8)", "section_manager",
     "SNS アカウントは運用手順・なりすまし対策・多要素認証を満たすか",
     "Are the social-media accounts complete (procedure, listed, MFA)?", sns_complete},
    {"6(8)-2", "6(8)", "section_manager", "委託契約は必須項目を備え、定期的に確認しているか",
     "Do contracts have every required item, checked periodically?", contractors_managed},
    {"6(7)-1", "6(7)", "csirt", "個人情報保護委員会への速報・確報は期限内か",
     "Are reports to the 個人情報保護委員会 made in time?", incident_deadlines},
    {"7-1", "7", "auditor", "監査ログは改ざんされていないか", "Is the audit log intact?",
     log_intact},
    {"7-2", "7", "auditor", "監査の指摘事項は期限内に改善されているか",
     "Are audit findings corrected by their due dates?", findings_corrected},
    {"9-1", "9", "general_manager", "ポリシー文書は期限内に見直されているか",
     "Are the policy documents reviewed on time?", policy_reviewed},
};

const char *
mamori_inspect_answer_id(enum mamori_inspect_answer a)
{
    static const char *const ids[] = {"unanswered", "done", "partial", "not_done", "na"};
    return a <= MAMORI_INSPECT_NA ? ids[a] : "?";
}

const char *
mamori_inspect_answer_name(enum mamori_inspect_answer a, bool ja)
{
    static const char *const jas[] = {"未回答", "実施済", "一部実施", "未実施", "該当なし"};
    static const char *const ens[] = {"unanswered", "done", "partly done", "not done",
                                      "not applicable"};
    return a <= MAMORI_INSPECT_NA ? (ja ? jas[a] : ens[a]) : "?";
}

int
mamori_inspect_run(struct mamori_instance *inst, const struct mamori_policy *p,
                   const struct mamori_inspect_options *o, struct mamori_inspect_item **ret,
                   size_t *ret_n)
{
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    if (!a)
        return -ENOMEM;
    struct ctx c = {.inst = inst, .p = p};
    if (o->unit && mamori_asset_units_below(p, o->unit, a, &c.units) < 0) {
        mamori_arena_free(a);
        return -ENOENT;
    }
    int32_t today = mamori_today();
    mamori_date_format(today, c.today);
    /* 年度: April of year to March of the next, JST */
    int year = o->year;
    if (year && (year < 2000 || year > 9998)) {
        mamori_arena_free(a);
        return -EINVAL;
    }
    if (!year) {
        year = (int)strtol(c.today, NULL, 10);
        if (strncmp(c.today + 5, "04", 2) < 0)
            year--;
    }
    char from[32], to[32];
    snprintf(from, sizeof(from), "%04d-04-01", year);
    snprintf(to, sizeof(to), "%04d-04-01", year + 1);
    int32_t df = 0, dt = 0;
    mamori_date_parse(from, 10, &df);
    mamori_date_parse(to, 10, &dt);
    const int64_t jst = (int64_t)9 * 3600 * 1000000;
    c.from_us = (int64_t)df * 86400 * 1000000 - jst;
    c.to_us = (int64_t)dt * 86400 * 1000000 - jst;
    size_t n = MAMORI_ARRAY_SIZE(checklist);
    struct mamori_inspect_item *v = calloc(n, sizeof(*v));
    if (!v) {
        mamori_arena_free(a);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = (struct mamori_inspect_item){
            checklist[i].id,   checklist[i].clause,       checklist[i].ja, checklist[i].en,
            checklist[i].role, MAMORI_INSPECT_UNANSWERED, false,           ""};
        if (checklist[i].check)
            checklist[i].check(&c, &v[i]);
        else
            snprintf(v[i].evidence, sizeof(v[i].evidence),
                     _("answered by the %s (no register of this in mamori yet)"),
                     mamori_role_title(p, checklist[i].role, mamori_i18n_japanese()));
    }
    mamori_arena_free(a);
    *ret = v;
    *ret_n = n;
    return 0;
}
