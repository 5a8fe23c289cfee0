/*
 * The LGWAN face's pages and their JSON API (docs/console.md): dashboard, quarantine (a
 * recipient's originals and requests), approvals (requests the person may decide), the audit
 * log viewer with "verify now". Rules come from the release module and the policy; this file
 * only gathers, checks who may see what, and writes HTML (mamori_html) or JSON (mamori_json).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mamori/auditlog.h"
#include "mamori/quarantine.h"
#include "mamori/release.h"

/* ---- frame -------------------------------------------------------------------------------- */

bool
console_role_audits(const char *role)
{
    static const char *const roles[] = {"auditor", "ciso", "general_manager", "csirt"};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(roles); i++)
        if (strcmp(role, roles[i]) == 0)
            return true;
    return false;
}

void
csrf_field(struct req *rq, struct mamori_html *h)
{
    MAMORI_HTML(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
    mamori_html_text(h, rq->sess.csrf);
    MAMORI_HTML(h, "\">");
}

void
notice(struct mamori_html *h, const char *cls, const char *text)
{
    MAMORI_HTML(h, "<p class=\"notice ");
    mamori_html_text(h, cls);
    MAMORI_HTML(h, "\" role=\"status\">");
    mamori_html_text(h, text);
    MAMORI_HTML(h, "</p>");
}

void
page_begin(struct req *rq, struct mamori_html *h, const char *title)
{
    mamori_html_init(h, &rq->out);
    MAMORI_HTML(h, "<!DOCTYPE html>\n<html lang=\"");
    mamori_html_text(h, rq->ja ? "ja" : "en");
    MAMORI_HTML(h, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                   "content=\"width=device-width\"><title>");
    mamori_html_text(h, title);
    MAMORI_HTML(h, " - mamori</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>"
                   "<body><header><span class=\"brand\">mamori 守り</span>");
    if (rq->signed_in && rq->face == 'l') {
        MAMORI_HTML(h, "<a href=\"/\">");
        mamori_html_text(h, T(rq, "Dashboard"));
        MAMORI_HTML(h, "</a><a href=\"/quarantine\">");
        mamori_html_text(h, T(rq, "Quarantine"));
        MAMORI_HTML(h, "</a><a href=\"/transfers\">");
        mamori_html_text(h, T(rq, "File transfer"));
        MAMORI_HTML(h, "</a><a href=\"/assets\">");
        mamori_html_text(h, T(rq, "Information assets"));
        MAMORI_HTML(h, "</a><a href=\"/gov\">");
        mamori_html_text(h, T(rq, "Governance"));
        MAMORI_HTML(h, "</a><a href=\"/approvals\">");
        mamori_html_text(h, T(rq, "Approvals"));
        MAMORI_HTML(h, "</a>");
        if (console_role_audits(rq->sess.role)) {
            MAMORI_HTML(h, "<a href=\"/audit\">");
            mamori_html_text(h, T(rq, "Audit log"));
            MAMORI_HTML(h, "</a>");
        }
    }
    if (rq->signed_in && rq->face == 'i') {
        MAMORI_HTML(h, "<a href=\"/upload\">");
        mamori_html_text(h, T(rq, "Upload"));
        MAMORI_HTML(h, "</a>");
    }
    MAMORI_HTML(h, "<a href=\"/prefs?lang=");
    mamori_html_text(h, rq->ja ? "en" : "ja");
    MAMORI_HTML(h, "&amp;back=");
    mamori_html_url(h, rq->url);
    MAMORI_HTML(h, "\">");
    mamori_html_text(h, rq->ja ? "English" : "日本語");
    MAMORI_HTML(h, "</a><a href=\"/prefs?era=");
    mamori_html_text(h, rq->wareki ? "western" : "wareki");
    MAMORI_HTML(h, "&amp;back=");
    mamori_html_url(h, rq->url);
    MAMORI_HTML(h, "\">");
    mamori_html_text(h, rq->wareki ? T(rq, "Western years") : T(rq, "Japanese era (和暦)"));
    MAMORI_HTML(h, "</a>");
    if (rq->sess.id[0] && rq->sess.person[0]) {
        MAMORI_HTML(h, "<span class=\"me\">");
        mamori_html_text(h, rq->sess.person);
        MAMORI_HTML(h, " (");
        mamori_html_text(h, mamori_role_title(rq->pol, rq->sess.role, rq->ja));
        MAMORI_HTML(h, ")</span><form method=\"post\" action=\"/logout\">");
        csrf_field(rq, h);
        MAMORI_HTML(h, "<button type=\"submit\">");
        mamori_html_text(h, T(rq, "Sign out"));
        MAMORI_HTML(h, "</button></form>");
    }
    MAMORI_HTML(h, "</header><main><h1>");
    mamori_html_text(h, title);
    MAMORI_HTML(h, "</h1>");
}

void
page_end(struct req *rq, struct mamori_html *h)
{
    MAMORI_HTML(h, "</main></body></html>\n");
    if (mamori_html_finish(h) < 0) {
        mamori_buf_reset(&rq->out);
        mamori_buf_puts(&rq->out, "page too large\n");
        rq->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        rq->ctype = "text/plain; charset=utf-8";
    }
}

static void
api_error(struct req *rq, unsigned status, const char *code, const char *text)
{
    struct mamori_json j;
    mamori_buf_reset(&rq->out);
    mamori_json_init(&j, &rq->out, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, "error", code);
    mamori_json_kv_string(&j, "message", text);
    mamori_json_object_end(&j);
    mamori_json_finish(&j);
    mamori_buf_putc(&rq->out, '\n');
    rq->status = status;
    rq->ctype = "application/json";
}

void
page_message(struct req *rq, unsigned status, const char *title, const char *text)
{
    if (rq->api) {
        api_error(rq, status, title, text);
        return;
    }
    struct mamori_html h;
    mamori_buf_reset(&rq->out);
    page_begin(rq, &h, title);
    notice(&h, status < 400 ? "ok" : "error", text);
    MAMORI_HTML(&h, "<p><a href=\"/\">");
    mamori_html_text(&h, T(rq, "Back to the dashboard"));
    MAMORI_HTML(&h, "</a></p>");
    page_end(rq, &h);
    rq->status = status;
}

/* ---- gathering -------------------------------------------------------------------------- */

struct dash {
    int64_t kept_today, held_today, originals, bytes;
    int64_t my_pending, to_decide, denies_day;
    uint64_t log_size, checkpoint_size;
    int64_t checkpoint_us;
    int64_t since_us; /* today 00:00 JST */
    const char *mail;
};

struct dash_ctx {
    struct req *rq;
    struct dash *d;
};

static int
dash_request(void *ctx, const struct mamori_store_request *q)
{
    struct dash_ctx *x = ctx;
    if (strcmp(q->state, "requested") != 0 || q->expires_us <= mamori_now_us())
        return 0;
    if (strcmp(q->requester, x->rq->sess.person) == 0) {
        x->d->my_pending++;
        return 0;
    }
    struct mamori_store_person me = {
        .id = x->rq->sess.person, .role = x->rq->sess.role, .unit = x->rq->sess.unit};
    const char *why;
    if (mamori_release_may_decide(x->rq->c->inst, x->rq->pol, &me, q, &why) == 0)
        x->d->to_decide++;
    return 0;
}

static int
dash_deny(void *ctx, const struct mamori_store_deny *dn)
{
    struct dash_ctx *x = ctx;
    if (dn->last_us >= mamori_now_us() - (int64_t)86400 * 1000000)
        x->d->denies_day += dn->count;
    return 0;
}

static int
gather_dashboard(struct req *rq, struct dash *d)
{
    *d = (struct dash){0};
    int64_t now = mamori_now_us(), day = (int64_t)86400 * 1000000, jst = (int64_t)9 * 3600000000;
    d->since_us = (now + jst) / day * day - jst;
    struct dash_ctx x = {rq, d};
    struct mamori_store_log_state st;
    struct mamori_store *s = rq->c->inst->store;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_begin_read(s);
    struct mamori_store_original_stats os = {0};
    if (r == 0)
        r = mamori_store_original_stats(s, d->since_us, &os);
    d->originals = os.count;
    d->bytes = os.bytes;
    d->kept_today = os.since;
    d->held_today = os.held_since;
    if (r == 0)
        r = mamori_store_request_iterate(s, dash_request, &x);
    if (r == 0)
        r = mamori_store_deny_iterate(s, dash_deny, &x);
    if (r == 0 && (r = mamori_store_log_state_get(s, &st)) == 0) {
        d->log_size = st.size;
        d->checkpoint_size = st.last_checkpoint_size;
        d->checkpoint_us = st.last_checkpoint_us;
    }
    mamori_store_rollback(s);
    pthread_mutex_unlock(rq->c->lock);
    return r;
}

static void
dashboard(struct req *rq)
{
    struct dash d;
    /* The governance reminders of the person signed in, listed once. */
    size_t due = 0, overdue = 0;
    struct mamori_buf due_list;
    struct mamori_html dh;
    mamori_buf_init(&due_list, (size_t)1 << 20);
    mamori_html_init(&dh, &due_list);
    int r = gather_dashboard(rq, &d);
    if (r == 0)
        r = gov_due(rq, rq->sess.person, rq->api ? NULL : &dh, &due, &overdue);
    if (r == 0 && dh.err)
        r = dh.err;
    if (r < 0) {
        mamori_buf_done(&due_list);
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Dashboard"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    struct console *c = rq->c;
    pthread_mutex_lock(&c->verify_lock);
    bool verified = c->verified, verify_ok = c->verify_ok;
    int64_t verify_us = c->verify_us;
    uint64_t verify_records = c->verify_records;
    char verify_message[sizeof(c->verify_message)];
    memcpy(verify_message, c->verify_message, sizeof(verify_message));
    pthread_mutex_unlock(&c->verify_lock);
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_int(&j, "mails_today", d.kept_today);
        mamori_json_kv_int(&j, "held_today", d.held_today);
        mamori_json_kv_int(&j, "originals", d.originals);
        mamori_json_kv_int(&j, "originals_bytes", d.bytes);
        mamori_json_kv_int(&j, "my_pending_requests", d.my_pending);
        mamori_json_kv_int(&j, "requests_to_decide", d.to_decide);
        mamori_json_kv_int(&j, "firewall_denies_24h", d.denies_day);
        mamori_json_kv_int(&j, "due_for_you", (int64_t)due);
        mamori_json_kv_int(&j, "overdue_for_you", (int64_t)overdue);
        mamori_json_kv_int(&j, "audit_records", (int64_t)d.log_size);
        mamori_json_kv_int(&j, "audit_checkpoint_size", (int64_t)d.checkpoint_size);
        mamori_json_kv_int(&j, "audit_checkpoint_us", d.checkpoint_us);
        if (verified) {
            mamori_json_key(&j, "audit_verify");
            mamori_json_object_begin(&j);
            mamori_json_kv_bool(&j, "ok", verify_ok);
            mamori_json_kv_int(&j, "records", (int64_t)verify_records);
            mamori_json_kv_int(&j, "time_us", verify_us);
            mamori_json_kv_string(&j, "message", verify_message);
            mamori_json_object_end(&j);
        }
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        mamori_buf_done(&due_list);
        return;
    }
    struct mamori_html h;
    char when[64];
    page_begin(rq, &h, T(rq, "Dashboard"));
    const char *changed = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "changed");
    if (changed)
        notice(&h, "ok", T(rq, "Your password was changed."));
    MAMORI_HTML(&h, "<p class=\"small\">");
    mamori_html_text(&h, T(rq, "Last sign-in before this one:"));
    MAMORI_HTML(&h, " ");
    console_time(rq, rq->sess.prev_login_us, when, sizeof(when));
    mamori_html_text(&h, when);
    if (rq->sess.prev_from[0]) {
        MAMORI_HTML(&h, " (");
        mamori_html_text(&h, rq->sess.prev_from);
        MAMORI_HTML(&h, ")");
    }
    MAMORI_HTML(&h, "</p><div class=\"cards\">");
    struct {
        const char *label, *id;
        int64_t n;
    } cards[] = {
        {T(rq, "Mails sanitized today"), "mails-today", d.kept_today},
        {T(rq, "Held today"), "held-today", d.held_today},
        {T(rq, "Requests for you to decide"), "to-decide", d.to_decide},
        {T(rq, "Your open requests"), "my-pending", d.my_pending},
        {T(rq, "Originals kept"), "originals", d.originals},
        {T(rq, "Firewall denials (24 h)"), "denies", d.denies_day},
        {T(rq, "Due for you"), "due", (int64_t)due},
        {T(rq, "Overdue for you"), "overdue", (int64_t)overdue},
    };
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(cards); i++) {
        MAMORI_HTML(&h, "<div class=\"card\" id=\"");
        mamori_html_text(&h, cards[i].id);
        MAMORI_HTML(&h, "\"><div class=\"n\">");
        mamori_html_int(&h, cards[i].n);
        MAMORI_HTML(&h, "</div>");
        mamori_html_text(&h, cards[i].label);
        MAMORI_HTML(&h, "</div>");
    }
    MAMORI_HTML(&h, "</div>");
    if (due) {
        MAMORI_HTML(&h, "<h2>");
        mamori_html_text(&h, T(rq, "Due for you"));
        MAMORI_HTML(&h, "</h2><ul id=\"due-list\">");
        mamori_buf_append(h.out, due_list.data, due_list.len);
        MAMORI_HTML(&h, "</ul><p><a href=\"/gov\">");
        mamori_html_text(&h, T(rq, "All registers"));
        MAMORI_HTML(&h, "</a></p>");
    }
    MAMORI_HTML(&h, "<h2>");
    mamori_html_text(&h, T(rq, "Audit log"));
    MAMORI_HTML(&h, "</h2><p>");
    mamori_html_text(&h, T(rq, "Records:"));
    MAMORI_HTML(&h, " ");
    mamori_html_int(&h, (int64_t)d.log_size);
    MAMORI_HTML(&h, " · ");
    mamori_html_text(&h, T(rq, "last signed checkpoint:"));
    MAMORI_HTML(&h, " ");
    console_time(rq, d.checkpoint_us, when, sizeof(when));
    mamori_html_text(&h, when);
    MAMORI_HTML(&h, " (");
    mamori_html_int(&h, (int64_t)d.checkpoint_size);
    MAMORI_HTML(&h, ") · ");
    mamori_html_text(&h, T(rq, "quarantine size:"));
    MAMORI_HTML(&h, " ");
    mamori_html_int(&h, d.bytes);
    MAMORI_HTML(&h, " ");
    mamori_html_text(&h, T(rq, "bytes"));
    MAMORI_HTML(&h, "</p><p id=\"verify-status\">");
    if (verified) {
        console_time(rq, verify_us, when, sizeof(when));
        mamori_html_text(&h, verify_ok ? T(rq, "Last verification: intact")
                                       : T(rq, "Last verification: FAILED"));
        MAMORI_HTML(&h, " (");
        mamori_html_text(&h, when);
        MAMORI_HTML(&h, ", ");
        mamori_html_int(&h, (int64_t)verify_records);
        MAMORI_HTML(&h, ") ");
        mamori_html_text(&h, verify_message);
    } else {
        mamori_html_text(&h, T(rq, "Not verified since the console started."));
    }
    MAMORI_HTML(&h, "</p>");
    page_end(rq, &h);
    mamori_buf_done(&due_list);
}

/* Originals of which the person is a recipient, newest first, a page at a time. */
struct orig_list {
    struct req *rq;
    const char *mail;
    int64_t skip, n, total;
    struct mamori_store_original rows[PAGE_ROWS];
};

static int
orig_cb(void *ctx, const struct mamori_store_original *o)
{
    struct orig_list *l = ctx;
    if (l->n == PAGE_ROWS)
        return 0;
    struct mamori_store_original *r = &l->rows[l->n++];
    struct mamori_arena *a = l->rq->a;
    *r = *o;
    r->sealed_key = NULL;
    r->id = mamori_arena_strdup(a, o->id);
    r->sender = mamori_arena_strdup(a, o->sender);
    r->subject = mamori_arena_strdup(a, o->subject);
    r->verdict = mamori_arena_strdup(a, o->verdict);
    r->recipients = mamori_arena_strdup(a, o->recipients);
    r->kind = mamori_arena_strdup(a, o->kind);
    r->queue_id = r->message_id = "";
    return r->id && r->sender && r->subject && r->verdict && r->recipients && r->kind ? 0 : -ENOMEM;
}

/* Requests: the person's own (mine) or those the person may decide. */
struct req_list {
    struct req *rq;
    bool mine;
    size_t n;
    struct mamori_store_request rows[PAGE_ROWS];
    const char *subject[PAGE_ROWS], *sender[PAGE_ROWS]; /* of each row's original */
};

static int
req_cb(void *ctx, const struct mamori_store_request *q)
{
    struct req_list *l = ctx;
    struct req *rq = l->rq;
    if (l->n == PAGE_ROWS)
        return 0;
    if (l->mine) {
        if (strcmp(q->requester, rq->sess.person) != 0)
            return 0;
    } else {
        if (strcmp(q->state, "requested") != 0 || q->expires_us <= mamori_now_us())
            return 0;
        struct mamori_store_person me = {
            .id = rq->sess.person, .role = rq->sess.role, .unit = rq->sess.unit};
        const char *why;
        if (mamori_release_may_decide(rq->c->inst, rq->pol, &me, q, &why) != 0)
            return 0;
    }
    struct mamori_store_request *r = &l->rows[l->n++];
    struct mamori_arena *a = rq->a;
    *r = *q;
    r->original = mamori_arena_strdup(a, q->original);
    r->requester = mamori_arena_strdup(a, q->requester);
    r->reason = mamori_arena_strdup(a, q->reason);
    r->state = mamori_arena_strdup(a, q->state);
    r->decided_by = mamori_arena_strdup(a, q->decided_by);
    r->note = mamori_arena_strdup(a, q->note);
    struct mamori_store_original o;
    if (mamori_store_original_get(rq->c->inst->store, q->original, a, &o) == 0) {
        l->subject[l->n - 1] = o.subject;
        l->sender[l->n - 1] = o.sender;
    } else { /* purged since */
        l->subject[l->n - 1] = l->sender[l->n - 1] = "";
    }
    return r->original && r->requester && r->reason && r->state && r->decided_by && r->note
               ? 0
               : -ENOMEM;
}

static int64_t
page_arg(struct req *rq)
{
    const char *p = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "page");
    long v = p ? strtol(p, NULL, 10) : 0;
    return v > 0 && v < 1000000 ? v : 0;
}

const char *
console_state_title(struct req *rq, const char *state)
{
    static const char *const states[][2] = {
        {"requested", N_("waiting for approval")},
        {"approved", N_("approved")},
        {"denied", N_("denied")},
        {"recorded", N_("recorded")},
        {"expired", N_("expired")},
        {"released", N_("released")},
        {"refused", N_("refused (malware found)")},
    };
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(states); i++)
        if (strcmp(states[i][0], state) == 0)
            return T(rq, states[i][1]);
    return state;
}

static void
json_request(struct mamori_json *j, const struct mamori_store_request *q)
{
    mamori_json_object_begin(j);
    mamori_json_kv_int(j, "id", q->id);
    mamori_json_kv_string(j, "original", q->original);
    mamori_json_kv_string(j, "requester", q->requester);
    mamori_json_kv_string(j, "reason", q->reason);
    mamori_json_kv_string(j, "state", q->state);
    mamori_json_kv_string(j, "decided_by", q->decided_by);
    mamori_json_kv_string(j, "note", q->note);
    mamori_json_kv_int(j, "created_us", q->created_us);
    mamori_json_kv_int(j, "expires_us", q->expires_us);
    mamori_json_object_end(j);
}

static void
quarantine(struct req *rq)
{
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Quarantine"), T(rq, "Sign in again."));
        return;
    }
    struct orig_list *ol = mamori_arena_calloc(rq->a, 1, sizeof(*ol));
    struct req_list *rl = mamori_arena_calloc(rq->a, 1, sizeof(*rl));
    if (!ol || !rl)
        return;
    ol->rq = rl->rq = rq;
    ol->mail = me.mail;
    ol->skip = page_arg(rq) * PAGE_ROWS;
    rl->mine = true;
    struct mamori_store *s = rq->c->inst->store;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_begin_read(s);
    if (r == 0 && *me.mail)
        r = mamori_store_original_page(s, me.mail, ol->skip, PAGE_ROWS, orig_cb, ol, &ol->total);
    if (r == 0)
        r = mamori_store_request_iterate(s, req_cb, rl);
    mamori_store_rollback(s);
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Quarantine"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_int(&j, "total", ol->total);
        mamori_json_key(&j, "originals");
        mamori_json_array_begin(&j);
        for (int64_t i = 0; i < ol->n; i++) {
            const struct mamori_store_original *o = &ol->rows[i];
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "id", o->id);
            mamori_json_kv_string(&j, "sender", o->sender);
            mamori_json_kv_string(&j, "subject", o->subject);
            mamori_json_kv_string(&j, "verdict", o->verdict);
            mamori_json_kv_int(&j, "size", o->size);
            mamori_json_kv_int(&j, "created_us", o->created_us);
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_key(&j, "requests");
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < rl->n; i++)
            json_request(&j, &rl->rows[i]);
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    char when[64];
    page_begin(rq, &h, T(rq, "Quarantine"));
    if (!*me.mail)
        notice(&h, "info",
               T(rq, "You have no mail address registered, so no originals are "
                     "listed for you."));
    MAMORI_HTML(&h, "<h2>");
    mamori_html_text(&h, T(rq, "Your requests"));
    MAMORI_HTML(&h, "</h2>");
    if (!rl->n) {
        MAMORI_HTML(&h, "<p>");
        mamori_html_text(&h, T(rq, "None."));
        MAMORI_HTML(&h, "</p>");
    } else {
        MAMORI_HTML(&h, "<table id=\"my-requests\"><tr><th>#</th><th>");
        mamori_html_text(&h, T(rq, "Original"));
        MAMORI_HTML(&h, "</th><th>");
        mamori_html_text(&h, T(rq, "State"));
        MAMORI_HTML(&h, "</th><th>");
        mamori_html_text(&h, T(rq, "Decided by"));
        MAMORI_HTML(&h, "</th><th></th></tr>");
        int64_t method = rq->pol->sanitize.release;
        for (size_t i = 0; i < rl->n; i++) {
            const struct mamori_store_request *q = &rl->rows[i];
            MAMORI_HTML(&h, "<tr><td class=\"num\">");
            mamori_html_int(&h, q->id);
            MAMORI_HTML(&h, "</td><td>");
            mamori_html_text(&h, *rl->subject[i] ? rl->subject[i] : T(rq, "(no subject)"));
            MAMORI_HTML(&h, "<br><code class=\"small\">");
            mamori_html_text(&h, q->original);
            MAMORI_HTML(&h, "</code></td><td class=\"state\">");
            mamori_html_text(&h, console_state_title(rq, q->state));
            if (*q->note) {
                MAMORI_HTML(&h, "<br><span class=\"small\">");
                mamori_html_text(&h, q->note);
                MAMORI_HTML(&h, "</span>");
            }
            MAMORI_HTML(&h, "</td><td>");
            mamori_html_text(&h, q->decided_by);
            MAMORI_HTML(&h, "</td><td>");
            if (strcmp(q->state, "approved") == 0) {
                if (method != MAMORI_RELEASE_MAIL) {
                    MAMORI_HTML(&h, "<form class=\"inline\" method=\"post\" action=\"/requests/");
                    mamori_html_int(&h, q->id);
                    MAMORI_HTML(&h, "/download\">");
                    csrf_field(rq, &h);
                    MAMORI_HTML(&h, "<button type=\"submit\">");
                    mamori_html_text(&h, T(rq, "Download"));
                    MAMORI_HTML(&h, "</button></form> ");
                }
                if (method != MAMORI_RELEASE_FILE) {
                    MAMORI_HTML(&h, "<form class=\"inline\" method=\"post\" action=\"/requests/");
                    mamori_html_int(&h, q->id);
                    MAMORI_HTML(&h, "/mail\">");
                    csrf_field(rq, &h);
                    MAMORI_HTML(&h, "<button type=\"submit\">");
                    mamori_html_text(&h, T(rq, "Send to my mailbox"));
                    MAMORI_HTML(&h, "</button></form>");
                }
            }
            MAMORI_HTML(&h, "</td></tr>");
        }
        MAMORI_HTML(&h, "</table>");
    }
    MAMORI_HTML(&h, "<h2>");
    mamori_html_text(&h, T(rq, "Originals of mails to you"));
    MAMORI_HTML(&h, "</h2><p class=\"small\">");
    mamori_html_int(&h, ol->total);
    MAMORI_HTML(&h, " ");
    mamori_html_text(&h, T(rq, "in all"));
    MAMORI_HTML(&h, "</p><table id=\"originals\"><tr><th>");
    mamori_html_text(&h, T(rq, "Received"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "From"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Subject"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Bytes"));
    MAMORI_HTML(&h, "</th></tr>");
    for (int64_t i = 0; i < ol->n; i++) {
        const struct mamori_store_original *o = &ol->rows[i];
        console_time(rq, o->created_us, when, sizeof(when));
        MAMORI_HTML(&h, "<tr><td>");
        mamori_html_text(&h, when);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, o->sender);
        MAMORI_HTML(&h, "</td><td><a href=\"/quarantine/o/");
        mamori_html_url(&h, o->id);
        MAMORI_HTML(&h, "\">");
        mamori_html_text(&h, *o->subject ? o->subject : T(rq, "(no subject)"));
        MAMORI_HTML(&h, "</a>");
        if (strcmp(o->verdict, "held") == 0) {
            MAMORI_HTML(&h, " <span class=\"small\">[");
            mamori_html_text(&h, T(rq, "held"));
            MAMORI_HTML(&h, "]</span>");
        }
        MAMORI_HTML(&h, "</td><td class=\"num\">");
        mamori_html_int(&h, o->size);
        MAMORI_HTML(&h, "</td></tr>");
    }
    MAMORI_HTML(&h, "</table>");
    int64_t pg = page_arg(rq);
    if (pg > 0 || ol->total > (pg + 1) * PAGE_ROWS) {
        MAMORI_HTML(&h, "<p>");
        if (pg > 0) {
            MAMORI_HTML(&h, "<a href=\"/quarantine?page=");
            mamori_html_int(&h, pg - 1);
            MAMORI_HTML(&h, "\">← ");
            mamori_html_text(&h, T(rq, "newer"));
            MAMORI_HTML(&h, "</a> ");
        }
        if (ol->total > (pg + 1) * PAGE_ROWS) {
            MAMORI_HTML(&h, "<a href=\"/quarantine?page=");
            mamori_html_int(&h, pg + 1);
            MAMORI_HTML(&h, "\">");
            mamori_html_text(&h, T(rq, "older"));
            MAMORI_HTML(&h, " →</a>");
        }
        MAMORI_HTML(&h, "</p>");
    }
    page_end(rq, &h);
}

/* Has the person a request for this original that they may decide? (Approvers see the
 * original's envelope to decide.) */
struct may_see_ctx {
    struct req *rq;
    const char *original;
    bool ok;
};

static int
may_see_cb(void *ctx, const struct mamori_store_request *q)
{
    struct may_see_ctx *x = ctx;
    if (strcmp(q->original, x->original) != 0)
        return 0;
    struct mamori_store_person me = {
        .id = x->rq->sess.person, .role = x->rq->sess.role, .unit = x->rq->sess.unit};
    const char *why;
    if (mamori_release_may_decide(x->rq->c->inst, x->rq->pol, &me, q, &why) == 0)
        x->ok = true;
    return 0;
}

static void
original_page(struct req *rq, const char *id, bool ask)
{
    struct mamori_store_person me;
    struct mamori_store_original o;
    if (console_me(rq, &me) < 0 || mamori_original_id_check(id) < 0) {
        page_message(rq, MHD_HTTP_NOT_FOUND, T(rq, "Not found"),
                     T(rq, "There is no such page here."));
        return;
    }
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_original_get(rq->c->inst->store, id, rq->a, &o);
    struct may_see_ctx x = {rq, id, false};
    if (r == 0 && !mamori_release_is_recipient(o.recipients, me.mail))
        r = mamori_store_request_iterate(rq->c->inst->store, may_see_cb, &x);
    else
        x.ok = r == 0;
    pthread_mutex_unlock(rq->c->lock);
    if (r == -ENOENT) {
        page_message(rq, MHD_HTTP_NOT_FOUND, T(rq, "Not found"),
                     T(rq, "No such original (never kept, or purged)."));
        return;
    }
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Quarantine"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    if (!x.ok || (ask && !mamori_release_is_recipient(o.recipients, me.mail))) {
        console_record(rq, ask ? "quarantine.request" : "console.view", id, "refused", "6(3)②",
                       "{\"reason\":\"not-a-recipient\"}");
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"),
                     T(rq, "Only the recipients of a mail (and the approver of a request for "
                           "it) may see its original."));
        return;
    }
    if (ask) {
        const char *reason = mamori_form_get(&rq->form, "reason");
        int64_t req = 0;
        const char *why = NULL;
        pthread_mutex_lock(rq->c->lock);
        r = mamori_release_request(rq->c->inst, &me, id, reason ? reason : "", &req, &why);
        pthread_mutex_unlock(rq->c->lock);
        if (r < 0) {
            page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Quarantine"),
                         T(rq, "The request could not be recorded; nothing was changed."));
            return;
        }
        if (rq->api) {
            mamori_buf_printf(&rq->out, "{\"request\":%lld,\"state\":\"requested\"}\n",
                              (long long)req);
            rq->ctype = "application/json";
            rq->status = MHD_HTTP_CREATED;
            return;
        }
        rq->status = MHD_HTTP_SEE_OTHER;
        rq->location = "/quarantine?requested=1";
        return;
    }
    struct mamori_html h;
    char when[64];
    page_begin(rq, &h, *o.subject ? o.subject : T(rq, "(no subject)"));
    MAMORI_HTML(&h, "<table><tr><th>");
    mamori_html_text(&h, T(rq, "From"));
    MAMORI_HTML(&h, "</th><td>");
    mamori_html_text(&h, o.sender);
    MAMORI_HTML(&h, "</td></tr><tr><th>");
    mamori_html_text(&h, T(rq, "To"));
    MAMORI_HTML(&h, "</th><td>");
    mamori_html_text(&h, o.recipients);
    MAMORI_HTML(&h, "</td></tr><tr><th>");
    mamori_html_text(&h, T(rq, "Received"));
    MAMORI_HTML(&h, "</th><td>");
    console_time(rq, o.created_us, when, sizeof(when));
    mamori_html_text(&h, when);
    MAMORI_HTML(&h, "</td></tr><tr><th>");
    mamori_html_text(&h, T(rq, "Kept until"));
    MAMORI_HTML(&h, "</th><td>");
    console_time(rq, o.expires_us, when, sizeof(when));
    mamori_html_text(&h, when);
    MAMORI_HTML(&h, "</td></tr><tr><th>");
    mamori_html_text(&h, T(rq, "Bytes"));
    MAMORI_HTML(&h, "</th><td>");
    mamori_html_int(&h, o.size);
    MAMORI_HTML(&h, "</td></tr><tr><th>");
    mamori_html_text(&h, T(rq, "Original"));
    MAMORI_HTML(&h, "</th><td><code>");
    mamori_html_text(&h, o.id);
    MAMORI_HTML(&h, "</code></td></tr></table>");
    if (mamori_release_is_recipient(o.recipients, me.mail)) {
        MAMORI_HTML(&h, "<h2>");
        mamori_html_text(&h, T(rq, "Ask for the original"));
        MAMORI_HTML(&h, "</h2><form method=\"post\" action=\"/quarantine/o/");
        mamori_html_url(&h, o.id);
        MAMORI_HTML(&h, "/request\">");
        csrf_field(rq, &h);
        MAMORI_HTML(&h, "<label>");
        mamori_html_text(&h, T(rq, "Why you need it"));
        MAMORI_HTML(&h, "<br><input type=\"text\" name=\"reason\" maxlength=\"500\" required>"
                        "</label><button type=\"submit\">");
        mamori_html_text(&h, T(rq, "Request"));
        MAMORI_HTML(&h, "</button></form>");
    }
    page_end(rq, &h);
}

static void
approvals(struct req *rq)
{
    struct req_list *rl = mamori_arena_calloc(rq->a, 1, sizeof(*rl));
    if (!rl)
        return;
    rl->rq = rq;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_request_iterate(rq->c->inst->store, req_cb, rl);
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Approvals"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < rl->n; i++)
            json_request(&j, &rl->rows[i]);
        mamori_json_array_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    char when[64];
    page_begin(rq, &h, T(rq, "Approvals"));
    const char *done = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "done");
    if (done)
        notice(&h, "ok", T(rq, "Your decision was recorded."));
    transfer_approvals(rq, &h);
    asset_approvals(rq, &h);
    if (!rl->n) {
        MAMORI_HTML(&h, "<p id=\"no-approvals\">");
        mamori_html_text(&h, T(rq, "No mail original is waiting for your decision."));
        MAMORI_HTML(&h, "</p>");
        page_end(rq, &h);
        return;
    }
    MAMORI_HTML(&h, "<table id=\"approvals\"><tr><th>#</th><th>");
    mamori_html_text(&h, T(rq, "Requested by"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Reason"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Original"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Expires"));
    MAMORI_HTML(&h, "</th><th></th></tr>");
    for (size_t i = 0; i < rl->n; i++) {
        const struct mamori_store_request *q = &rl->rows[i];
        MAMORI_HTML(&h, "<tr><td class=\"num\">");
        mamori_html_int(&h, q->id);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, q->requester);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, q->reason);
        MAMORI_HTML(&h, "</td><td><a href=\"/quarantine/o/");
        mamori_html_url(&h, q->original);
        MAMORI_HTML(&h, "\">");
        mamori_html_text(&h, *rl->subject[i] ? rl->subject[i] : T(rq, "(no subject)"));
        MAMORI_HTML(&h, "</a><br><span class=\"small\">");
        mamori_html_text(&h, rl->sender[i]);
        MAMORI_HTML(&h, "</span><br><code class=\"small\">");
        mamori_html_text(&h, q->original);
        MAMORI_HTML(&h, "</code></td><td>");
        console_time(rq, q->expires_us, when, sizeof(when));
        mamori_html_text(&h, when);
        MAMORI_HTML(&h, "</td><td><form class=\"inline\" method=\"post\" action=\"/approvals/");
        mamori_html_int(&h, q->id);
        MAMORI_HTML(&h, "/approve\">");
        csrf_field(rq, &h);
        MAMORI_HTML(&h, "<button type=\"submit\">");
        mamori_html_text(&h, T(rq, "Approve"));
        MAMORI_HTML(&h, "</button></form> <form class=\"inline\" method=\"post\" "
                        "action=\"/approvals/");
        mamori_html_int(&h, q->id);
        MAMORI_HTML(&h, "/deny\">");
        csrf_field(rq, &h);
        MAMORI_HTML(&h, "<input type=\"text\" name=\"reason\" placeholder=\"");
        mamori_html_text(&h, T(rq, "reason for denying"));
        MAMORI_HTML(&h, "\"><button type=\"submit\">");
        mamori_html_text(&h, T(rq, "Deny"));
        MAMORI_HTML(&h, "</button></form></td></tr>");
    }
    MAMORI_HTML(&h, "</table>");
    page_end(rq, &h);
}

static void
decide(struct req *rq, int64_t req, bool approve)
{
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return;
    }
    struct mamori_store_request q = {0};
    const char *why = "";
    const char *note = mamori_form_get(&rq->form, "reason");
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_release_decide(rq->c->inst, rq->pol, &me, req, approve, note ? note : "", rq->a,
                                  &q, &why);
    pthread_mutex_unlock(rq->c->lock);
    if (r == 0) {
        if (rq->api) {
            mamori_buf_printf(&rq->out, "{\"request\":%lld,\"state\":\"%s\"}\n", (long long)req,
                              approve ? "approved" : "denied");
            rq->ctype = "application/json";
        } else {
            rq->status = MHD_HTTP_SEE_OTHER;
            rq->location = "/approvals?done=1";
        }
        return;
    }
    const char *msg;
    unsigned status = MHD_HTTP_CONFLICT;
    if (r == -ENOENT) {
        msg = T(rq, "There is no such request."), status = MHD_HTTP_NOT_FOUND;
    } else if (r == -EALREADY || r == -EBUSY) {
        msg = T(rq, "This request has been decided already.");
    } else if (r == -ETIMEDOUT) {
        msg = T(rq, "This request has expired.");
    } else if (r == MAMORI_E_DENIED) {
        status = MHD_HTTP_FORBIDDEN;
        msg = strcmp(why, "self-approval") == 0
                  ? T(rq, "You may not decide your own request (兼務の禁止).")
              : strcmp(why, "outside-unit") == 0
                  ? T(rq, "You may not decide requests of another unit.")
                  : T(rq, "Your role may not decide this request: the policy names another.");
    } else {
        msg = T(rq, "The decision could not be recorded; nothing was changed.");
        status = MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    page_message(rq, status, T(rq, "Refused"), msg);
}

/* Hands an approved original to its requester: a download, or a mail to their mailbox. */
static void
release(struct req *rq, int64_t req, bool by_mail)
{
    int64_t method = rq->pol->sanitize.release;
    if ((by_mail && method == MAMORI_RELEASE_FILE) || (!by_mail && method == MAMORI_RELEASE_MAIL)) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"),
                     T(rq, "The policy does not release originals this way (sanitize.release)."));
        return;
    }
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return;
    }
    struct mamori_store_request q = {0};
    struct mamori_store_original o;
    char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_release_open(rq->c->inst, &me, req, rq->a, &q, &o, &data, &len, &why);
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        page_message(rq,
                     r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN
                     : r == -ENOENT       ? MHD_HTTP_NOT_FOUND
                                          : MHD_HTTP_CONFLICT,
                     T(rq, "Refused"),
                     r == MAMORI_E_DENIED ? T(rq, "Only the person who asked may receive it.")
                     : r == -EALREADY     ? T(rq, "This request is not approved.")
                                          : T(rq, "The original cannot be read."));
        return;
    }
    /* The scan runs without the lock: clamd may take a while. */
    char found[256] = "";
    int s =
        mamori_release_scan(rq->c->inst, rq->c->clamd, &me, &q, data, len, found, sizeof(found));
    if (s == 0 && by_mail) {
        char err[512] = "";
        pthread_mutex_lock(rq->c->lock);
        s = mamori_release_deliver(rq->c->inst, rq->c->mail_relay, &me, &q, &o, data, len, err,
                                   sizeof(err));
        pthread_mutex_unlock(rq->c->lock);
    } else if (s == 0) {
        pthread_mutex_lock(rq->c->lock);
        s = mamori_release_done(rq->c->inst, &me, &q, "clean; downloaded");
        pthread_mutex_unlock(rq->c->lock);
    }
    if (s == 0 && !by_mail) {
        mamori_buf_reset(&rq->out);
        if (mamori_buf_append(&rq->out, data, len) == 0) {
            rq->ctype = "message/rfc822";
            rq->disposition = mamori_arena_printf(
                rq->a, "attachment; filename=\"original-%lld.eml\"", (long long)req);
        }
    } else if (s == 0) {
        page_message(rq, MHD_HTTP_OK, T(rq, "Released"),
                     T(rq, "The original was found clean and sent to your mailbox."));
    } else if (s == MAMORI_E_FOUND) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"),
                     T(rq, "The virus scanner found malware in the original: it is not "
                           "released."));
    } else if (s == -EAGAIN) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Not released"),
                     T(rq, "The virus scanner or the mail server is not available; nothing was "
                           "released. Try again later."));
    } else if (s == -EINVAL) {
        page_message(rq, MHD_HTTP_CONFLICT, T(rq, "Not released"),
                     T(rq, "Mail delivery is not set up, or you have no mail address."));
    } else {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Not released"),
                     T(rq, "The release could not be recorded; nothing was released."));
    }
    explicit_bzero(data, len);
    free(data);
}

/* ---- the audit log ---------------------------------------------------------------------- */

struct audit_list {
    struct req *rq;
    const char *action, *actor;
    bool copy;           /* the second pass: copy the newest PAGE_ROWS matches */
    int64_t total, seen; /* matches (first pass); matches passed (second) */
    int64_t n;
    struct mamori_record rows[PAGE_ROWS]; /* oldest first */
};

static int
audit_cb(void *ctx, const struct mamori_store_record *sr)
{
    struct audit_list *l = ctx;
    struct mamori_record rec;
    struct mamori_arena *tmp = mamori_arena_new(1 << 20);
    if (!tmp)
        return -ENOMEM;
    int r = mamori_record_decode(sr->body, sr->body_len, tmp, &rec);
    bool match = r == 0 && (!l->action || strncmp(rec.action, l->action, strlen(l->action)) == 0) &&
                 (!l->actor || strcmp(rec.actor, l->actor) == 0);
    if (match && !l->copy) {
        l->total++;
    } else if (match && l->seen++ >= l->total - PAGE_ROWS && l->n < PAGE_ROWS) {
        struct mamori_record *d = &l->rows[l->n++];
        struct mamori_arena *a = l->rq->a;
        *d = rec;
        d->actor = mamori_arena_strdup(a, rec.actor);
        d->action = mamori_arena_strdup(a, rec.action);
        d->object = mamori_arena_strdup(a, rec.object);
        d->decision = mamori_arena_strdup(a, rec.decision);
        d->clause = mamori_arena_strdup(a, rec.clause);
        d->details = mamori_arena_strdup(a, rec.details);
        if (!d->actor || !d->action || !d->object || !d->decision || !d->clause || !d->details)
            r = -ENOMEM;
    }
    mamori_arena_free(tmp);
    return r;
}

static void
audit_page(struct req *rq)
{
    if (!console_role_audits(rq->sess.role)) {
        console_record(rq, "console.view", "audit", "refused", "7", NULL);
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"),
                     T(rq, "The audit log is for auditors, the CISO, the general manager and "
                           "CSIRT."));
        return;
    }
    struct audit_list *l = mamori_arena_calloc(rq->a, 1, sizeof(*l));
    if (!l)
        return;
    l->rq = rq;
    const char *action = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "action");
    const char *actor = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "actor");
    l->action = action && *action ? action : NULL;
    l->actor = actor && *actor ? actor : NULL;
    /* The newest PAGE_ROWS matches: one pass counts, the second copies (in one snapshot). */
    struct mamori_store *st = rq->c->inst->store;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_begin_read(st);
    uint64_t from = 0;
    if (r == 0 && !l->action && !l->actor) { /* no filter: the newest records directly */
        struct mamori_store_log_state ls;
        r = mamori_store_log_state_get(st, &ls);
        l->total = (int64_t)ls.size;
        from = ls.size > PAGE_ROWS ? ls.size - PAGE_ROWS : 0;
        l->seen = (int64_t)from;
    } else if (r == 0) {
        r = mamori_store_log_iterate(st, 0, audit_cb, l);
    }
    l->copy = true;
    if (r == 0)
        r = mamori_store_log_iterate(st, from, audit_cb, l);
    mamori_store_rollback(st);
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Audit log"),
                     T(rq, "The audit log cannot be read just now."));
        return;
    }
    int64_t shown = l->n;
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_int(&j, "matches", l->total);
        mamori_json_key(&j, "records");
        mamori_json_array_begin(&j);
        for (int64_t i = 0; i < shown; i++)
            mamori_record_json(&l->rows[shown - 1 - i], &j);
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    char when[64];
    page_begin(rq, &h, T(rq, "Audit log"));
    MAMORI_HTML(&h, "<form method=\"get\" action=\"/audit\"><label>");
    mamori_html_text(&h, T(rq, "Action (prefix)"));
    MAMORI_HTML(&h, " <input type=\"text\" name=\"action\" value=\"");
    mamori_html_text(&h, l->action);
    MAMORI_HTML(&h, "\"></label><label>");
    mamori_html_text(&h, T(rq, "Actor"));
    MAMORI_HTML(&h, " <input type=\"text\" name=\"actor\" value=\"");
    mamori_html_text(&h, l->actor);
    MAMORI_HTML(&h, "\"></label><button type=\"submit\">");
    mamori_html_text(&h, T(rq, "Filter"));
    MAMORI_HTML(&h, "</button></form><form method=\"post\" action=\"/audit/verify\">");
    csrf_field(rq, &h);
    MAMORI_HTML(&h, "<button type=\"submit\" id=\"verify-now\">");
    mamori_html_text(&h, T(rq, "Verify now"));
    MAMORI_HTML(&h, "</button></form><p class=\"small\">");
    mamori_html_int(&h, l->total);
    MAMORI_HTML(&h, " ");
    mamori_html_text(&h, T(rq, "matching records; the newest are shown."));
    MAMORI_HTML(&h, "</p><table id=\"records\"><tr><th>#</th><th>");
    mamori_html_text(&h, T(rq, "Time"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Actor"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Action"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Object"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Decision"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Clause"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Details"));
    MAMORI_HTML(&h, "</th></tr>");
    for (int64_t i = 0; i < shown; i++) {
        const struct mamori_record *rec = &l->rows[shown - 1 - i];
        console_time(rq, rec->time_us, when, sizeof(when));
        MAMORI_HTML(&h, "<tr><td class=\"num\">");
        mamori_html_int(&h, (int64_t)rec->seq);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, when);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, rec->actor);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, rec->action);
        MAMORI_HTML(&h, "</td><td><code>");
        mamori_html_text(&h, rec->object);
        MAMORI_HTML(&h, "</code></td><td>");
        mamori_html_text(&h, rec->decision);
        MAMORI_HTML(&h, "</td><td>");
        mamori_html_text(&h, rec->clause);
        MAMORI_HTML(&h, "</td><td class=\"small\"><code>");
        mamori_html_text(&h, rec->details);
        MAMORI_HTML(&h, "</code></td></tr>");
    }
    MAMORI_HTML(&h, "</table>");
    page_end(rq, &h);
}

static void
audit_verify(struct req *rq)
{
    if (!console_role_audits(rq->sess.role)) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"),
                     T(rq, "The audit log is for auditors, the CISO, the general manager and "
                           "CSIRT."));
        return;
    }
    struct mamori_verify_result res;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_log_verify(rq->c->inst->store, &rq->c->inst->key, NULL, 0, &res);
    pthread_mutex_unlock(rq->c->lock);
    bool ok = r == 0 && res.ok;
    struct console *c = rq->c;
    pthread_mutex_lock(&c->verify_lock);
    c->verified = true;
    c->verify_ok = ok;
    c->verify_us = mamori_now_us();
    c->verify_records = r == 0 ? res.n_records : 0;
    snprintf(c->verify_message, sizeof(c->verify_message), "%s",
             r < 0 ? mamori_strerror(r) : res.message);
    pthread_mutex_unlock(&c->verify_lock);
    char details[600];
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, sizeof(details));
    mamori_json_init(&j, &b, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_int(&j, "records", r == 0 ? (int64_t)res.n_records : 0);
    mamori_json_kv_string(&j, "message", r < 0 ? mamori_strerror(r) : res.message);
    mamori_json_object_end(&j);
    snprintf(details, sizeof(details), "%s", mamori_json_finish(&j) == 0 ? b.data : "{}");
    mamori_buf_done(&b);
    console_record(rq, "audit.verify", "log", ok ? "ok" : "tampered", "7", details);
    if (rq->api) {
        mamori_buf_printf(&rq->out, "{\"ok\":%s,\"records\":%llu}\n", ok ? "true" : "false",
                          r == 0 ? (unsigned long long)res.n_records : 0ULL);
        rq->ctype = "application/json";
        return;
    }
    page_message(rq, ok ? MHD_HTTP_OK : MHD_HTTP_CONFLICT, T(rq, "Audit log"),
                 ok ? T(rq, "Verified: every record and every signed checkpoint is intact.")
                    : T(rq, "Verification FAILED: the audit log has been changed. Tell CSIRT."));
}

/* ---- routing ---------------------------------------------------------------------------- */

bool
console_path_number(const char *u, const char *prefix, const char *suffix, int64_t *ret)
{
    size_t pl = strlen(prefix);
    if (strncmp(u, prefix, pl) != 0)
        return false;
    char *end;
    long long v = strtoll(u + pl, &end, 10);
    if (end == u + pl || v <= 0 || strcmp(end, suffix) != 0)
        return false;
    *ret = v;
    return true;
}

bool
pages_route(struct req *rq)
{
    const char *u = rq->url;
    if (rq->api)
        u += strlen("/api/v1") * (strncmp(u, "/api/v1/", 8) == 0);
    int64_t n;
    if (!rq->post) {
        if (strcmp(u, "/") == 0 || strcmp(u, "/dashboard") == 0)
            dashboard(rq);
        else if (strcmp(u, "/quarantine") == 0)
            quarantine(rq);
        else if (strncmp(u, "/quarantine/o/", 14) == 0 && !strchr(u + 14, '/'))
            original_page(rq, u + 14, false);
        else if (strcmp(u, "/approvals") == 0)
            approvals(rq);
        else if (strcmp(u, "/audit") == 0)
            audit_page(rq);
        else if (rq->api && strcmp(u, "/me") == 0) {
            struct mamori_json j;
            mamori_json_init(&j, &rq->out, false);
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "id", rq->sess.person);
            mamori_json_kv_string(&j, "role", rq->sess.role);
            mamori_json_kv_string(&j, "unit", rq->sess.unit);
            mamori_json_kv_int(&j, "previous_sign_in_us", rq->sess.prev_login_us);
            mamori_json_object_end(&j);
            mamori_json_finish(&j);
            mamori_buf_putc(&rq->out, '\n');
            rq->ctype = "application/json";
        } else
            return false;
        return true;
    }
    if (strncmp(u, "/quarantine/o/", 14) == 0) {
        const char *slash = strchr(u + 14, '/');
        if (!slash || strcmp(slash, "/request") != 0)
            return false;
        char *id = mamori_arena_strndup(rq->a, u + 14, (size_t)(slash - (u + 14)));
        if (!id)
            return false;
        original_page(rq, id, true);
    } else if (console_path_number(u, "/approvals/", "/approve", &n)) {
        decide(rq, n, true);
    } else if (console_path_number(u, "/approvals/", "/deny", &n)) {
        decide(rq, n, false);
    } else if (console_path_number(u, "/requests/", "/download", &n)) {
        release(rq, n, false);
    } else if (console_path_number(u, "/requests/", "/mail", &n)) {
        release(rq, n, true);
    } else if (strcmp(u, "/audit/verify") == 0) {
        audit_verify(rq);
    } else {
        return false;
    }
    return true;
}
