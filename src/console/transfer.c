/*
 * ファイル無害化転送 in the console (docs/console.md): the internet face takes uploads, has
 * each file rebuilt by the CDR engine in a sandboxed worker and kept (mamori/transfer.h); the
 * LGWAN face shows the uploader their files and reports, lets the approver decide, and hands
 * out the sanitized file — never the original.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mamori/convert.h"
#include "mamori/transfer.h"

/* ---- the sandboxed workers ------------------------------------------------------------- */

static int
slot_borrow(struct console *c, size_t *ret)
{
    pthread_mutex_lock(&c->cdr_lock);
    ssize_t s = -1;
    while (s < 0) {
        for (size_t i = 0; i < CDR_SLOTS && s < 0; i++)
            if (!c->cdr[i].busy)
                s = (ssize_t)i;
        if (s < 0)
            pthread_cond_wait(&c->cdr_cond, &c->cdr_lock);
    }
    c->cdr[s].busy = true;
    pthread_mutex_unlock(&c->cdr_lock);
    int r = 0;
    if (!c->cdr[s].pool) {
        struct mamori_worker_options wo = {.timeout_ms = 120000, .jobs_per_child = 100};
        r = mamori_worker_pool_new(mamori_file_job_run, mamori_file_job_init, &c->job, &wo,
                                   &c->cdr[s].pool);
    }
    if (r == 0)
        r = mamori_worker_pool_start(c->cdr[s].pool);
    *ret = (size_t)s;
    return r;
}

static void
slot_return(struct console *c, size_t s)
{
    pthread_mutex_lock(&c->cdr_lock);
    c->cdr[s].busy = false;
    pthread_cond_signal(&c->cdr_cond);
    pthread_mutex_unlock(&c->cdr_lock);
}

/* One uploaded file: sanitized in a worker, then kept. */
struct outcome {
    const char *name;
    const char *verdict, *state, *reason;
    int64_t id;
    bool failed;
};

static void
sanitize_upload(struct req *rq, const struct mamori_store_person *me, struct upload *u,
                struct outcome *o)
{
    struct console *c = rq->c;
    *o = (struct outcome){.name = u->name};
    struct mamori_buf head, resp;
    mamori_buf_init(&head, 1 << 18);
    mamori_buf_init(&resp, MAMORI_FRAME_MAX);
    /* legacy Office and RTF: LibreOffice makes a PDF first, in its own sandbox (before a CDR
     * slot is taken) */
    const char *data = u->data.data ? u->data.data : "";
    const char *kind = mamori_convert_kind(data, u->data.len), *not_converted = NULL;
    char *pdf = NULL, *pdf_name = NULL;
    size_t pdf_len = 0;
    int r = mamori_convert_prepare(rq->pol, u->name, data, u->data.len, &pdf, &pdf_len, &pdf_name,
                                   &not_converted);
    bool converted = r == 1;
    size_t slot = 0;
    bool have_slot = false;
    if (r >= 0 && (r = slot_borrow(c, &slot)) == 0)
        have_slot = true;
    struct mamori_cdr_options opts = c->job.opts;
    mamori_cdr_options_from_policy(&opts, rq->pol); /* the policy as it is now (SIGHUP) */
    if (r == 0)
        r = mamori_file_job_request(converted ? pdf_name : u->name,
                                    rq->password_field[0] ? rq->password_field : NULL, &opts,
                                    &head);
    struct mamori_span parts[2] = {{head.data, head.len},
                                   {converted ? pdf : data, converted ? pdf_len : u->data.len}};
    if (r == 0)
        r = mamori_worker_pool_runv(c->cdr[slot].pool, parts, 2, &resp);
    if (have_slot)
        slot_return(c, slot);
    free(pdf);
    struct mamori_file_reply rp = {0};
    if (r >= 0)
        r = mamori_file_job_reply_parse(resp.data ? resp.data : "", resp.len, &rp);
    if (r >= 0) {
        char *report = mamori_arena_strndup(rq->a, rp.report, rp.report_len);
        if (kind && report) { /* the report says what LibreOffice did, or why it did not */
            json_t *j = json_loads(report, 0, NULL);
            if (j) {
                json_object_set_new(j, "conversion",
                                    json_pack("{s:s, s:b, s:s}", "from", kind, "converted",
                                              converted, converted ? "by" : "why_not",
                                              converted       ? "LibreOffice"
                                              : not_converted ? not_converted
                                                              : ""));
                char *s = json_dumps(j, JSON_COMPACT);
                if (s)
                    report = mamori_arena_strdup(rq->a, s);
                free(s);
                json_decref(j);
            }
        }
        struct mamori_transfer_upload up = {
            .name = u->name,
            .data = u->data.data ? u->data.data : "",
            .len = u->data.len,
            .verdict = rp.verdict,
            .report = report ? report : "{}",
            .out_name = rp.verdict == MAMORI_CDR_BLOCKED ? NULL : rp.name,
            .out = rp.out,
            .out_len = rp.out_len,
        };
        pthread_mutex_lock(c->lock);
        r = mamori_transfer_keep(c->inst, rq->pol, me, &up, &o->id, &o->state);
        pthread_mutex_unlock(c->lock);
        o->verdict = mamori_cdr_verdict_id(rp.verdict);
        if (rp.verdict == MAMORI_CDR_BLOCKED) {
            json_t *j = json_loadb(rp.report, rp.report_len, 0, NULL);
            const char *t = j ? json_string_value(json_object_get(j, "reason_text")) : NULL;
            o->reason = t ? mamori_arena_strdup(rq->a, t) : NULL;
            json_decref(j);
        }
    }
    if (r < 0)
        o->failed = true;
    free(pdf_name);
    mamori_buf_done(&head);
    mamori_buf_done(&resp);
}

/* ---- labels ------------------------------------------------------------------------------ */

static const char *
transfer_state(struct req *rq, const char *s)
{
    static const char *const states[][2] = {
        {"blocked", N_("blocked (not handed over)")},
        {"waiting", N_("waiting for approval")},
        {"approved", N_("ready to download on the LGWAN side")},
        {"denied", N_("denied")},
        {"downloaded", N_("downloaded")},
    };
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(states); i++)
        if (strcmp(states[i][0], s) == 0)
            return T(rq, states[i][1]);
    return s;
}

static const char *
removal_label(struct req *rq, const char *cat)
{
    static const char *const cats[][2] = {
        {"macros", N_("macros")},
        {"activex", N_("ActiveX controls")},
        {"embedded-objects", N_("embedded objects (OLE)")},
        {"external-links", N_("links to other workbooks (DDE)")},
        {"external-relationships", N_("external references (remote templates)")},
        {"field-codes", N_("field codes that run commands (DDE)")},
        {"dde-formulas", N_("formulas that call other programs")},
        {"binary-parts", N_("other binary parts")},
        {"metadata", N_("metadata (EXIF, GPS, comments)")},
        {"animation-frames", N_("animation frames")},
        {"formulas", N_("cells that would run as formulas")},
        {"control-characters", N_("control characters")},
        {"blocked-members", N_("files in the archive that were not handed over")},
        {"links", N_("links in the archive")},
    };
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(cats); i++)
        if (strcmp(cats[i][0], cat) == 0)
            return T(rq, cats[i][1]);
    return cat;
}

/* ---- the internet face: uploads ------------------------------------------------------- */

struct list {
    struct req *rq;
    size_t n;
    struct mamori_store_transfer rows[PAGE_ROWS];
};

static int
list_cb(void *ctx, const struct mamori_store_transfer *t)
{
    struct list *l = ctx;
    if (l->n == PAGE_ROWS)
        return 0;
    struct mamori_store_transfer *d = &l->rows[l->n++];
    struct mamori_arena *a = l->rq->a;
    *d = *t;
    const char **s[] = {&d->uploader, &d->name,   &d->out_name, &d->original,   &d->sanitized,
                        &d->verdict,  &d->report, &d->state,    &d->decided_by, &d->note};
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(s); i++)
        if (!(*s[i] = mamori_arena_strdup(a, *s[i])))
            return -ENOMEM;
    return 0;
}

static int
my_transfers(struct req *rq, const char *state, struct list *l)
{
    l->rq = rq;
    l->n = 0;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_transfer_iterate(rq->c->inst->store, state ? NULL : rq->sess.person, state,
                                          state ? 10000 : PAGE_ROWS, list_cb, l);
    pthread_mutex_unlock(rq->c->lock);
    return r;
}

static void
upload_page(struct req *rq, const struct outcome *done, size_t n_done, const char *error)
{
    struct mamori_html h;
    page_begin(rq, &h, T(rq, "File transfer: upload"));
    if (error)
        notice(&h, "error", error);
    if (n_done) {
        MAMORI_HTML(&h, "<table id=\"results\"><tr><th>");
        mamori_html_text(&h, T(rq, "File"));
        MAMORI_HTML(&h, "</th><th>");
        mamori_html_text(&h, T(rq, "Result"));
        MAMORI_HTML(&h, "</th></tr>");
        for (size_t i = 0; i < n_done; i++) {
            MAMORI_HTML(&h, "<tr><td>");
            mamori_html_text(&h, done[i].name);
            MAMORI_HTML(&h, "</td><td>");
            if (done[i].failed) {
                mamori_html_text(&h, T(rq, "not accepted now (sanitizer or store unavailable); "
                                           "try again"));
            } else {
                mamori_html_text(&h, done[i].verdict);
                MAMORI_HTML(&h, " — ");
                mamori_html_text(&h, transfer_state(rq, done[i].state));
                if (done[i].reason) {
                    MAMORI_HTML(&h, "<br><span class=\"small\">");
                    mamori_html_text(&h, done[i].reason);
                    MAMORI_HTML(&h, "</span>");
                }
            }
            MAMORI_HTML(&h, "</td></tr>");
        }
        MAMORI_HTML(&h, "</table>");
    }
    MAMORI_HTML(&h, "<p>");
    mamori_html_text(&h, T(rq, "Files you upload here are rebuilt without their dangerous parts "
                               "(macros, scripts, hidden data) and reach the LGWAN side as the "
                               "rebuilt file only. Programs and unsupported types are not "
                               "accepted."));
    MAMORI_HTML(&h, "</p><form id=\"upload\" method=\"post\" action=\"/upload\" "
                    "enctype=\"multipart/form-data\">");
    csrf_field(rq, &h);
    MAMORI_HTML(&h, "<label>");
    mamori_html_text(&h, T(rq, "Files (up to 10, 64 MiB each)"));
    MAMORI_HTML(&h, "<br><input type=\"file\" name=\"files\" multiple required></label><label>");
    mamori_html_text(&h, T(rq, "Password of an encrypted zip (if any)"));
    MAMORI_HTML(&h, "<br><input type=\"password\" name=\"password\" autocomplete=\"off\">"
                    "</label><button type=\"submit\">");
    mamori_html_text(&h, T(rq, "Upload"));
    MAMORI_HTML(&h, "</button> <progress id=\"progress\" hidden></progress></form>"
                    "<script src=\"/static/upload.js\"></script>");
    struct list *l = mamori_arena_calloc(rq->a, 1, sizeof(*l));
    if (l && my_transfers(rq, NULL, l) == 0 && l->n) {
        char when[64];
        MAMORI_HTML(&h, "<h2>");
        mamori_html_text(&h, T(rq, "Your recent uploads"));
        MAMORI_HTML(&h, "</h2><table id=\"uploads\"><tr><th>");
        mamori_html_text(&h, T(rq, "Received"));
        MAMORI_HTML(&h, "</th><th>");
        mamori_html_text(&h, T(rq, "File"));
        MAMORI_HTML(&h, "</th><th>");
        mamori_html_text(&h, T(rq, "State"));
        MAMORI_HTML(&h, "</th></tr>");
        for (size_t i = 0; i < l->n && i < 20; i++) {
            console_time(rq, l->rows[i].created_us, when, sizeof(when));
            MAMORI_HTML(&h, "<tr><td>");
            mamori_html_text(&h, when);
            MAMORI_HTML(&h, "</td><td>");
            mamori_html_text(&h, l->rows[i].name);
            MAMORI_HTML(&h, "</td><td>");
            mamori_html_text(&h, transfer_state(rq, l->rows[i].state));
            MAMORI_HTML(&h, "</td></tr>");
        }
        MAMORI_HTML(&h, "</table>");
    }
    page_end(rq, &h);
}

static void
do_upload(struct req *rq)
{
    if (rq->up_refused || !rq->pp) {
        rq->status = rq->up_refused ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST;
        console_record(rq, "file.upload", "-", "refused", "6(3)②",
                       rq->up_refused ? "{\"reason\":\"too-large-or-too-many\"}"
                                      : "{\"reason\":\"not-multipart\"}");
        upload_page(rq, NULL, 0,
                    rq->up_refused ? T(rq, "Too many files, or a file larger than 64 MiB: "
                                           "nothing was accepted.")
                                   : T(rq, "Send the files with the form."));
        rq->status = rq->up_refused ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST;
        return;
    }
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return;
    }
    struct outcome done[UPLOAD_MAX_FILES];
    for (size_t i = 0; i < rq->n_up; i++)
        sanitize_upload(rq, &me, &rq->up[i], &done[i]);
    upload_page(rq, done, rq->n_up, rq->n_up ? NULL : T(rq, "Choose at least one file."));
}

/* ---- the LGWAN face: the uploader's files, reports, decisions, downloads ----------------- */

static void
report_html(struct req *rq, struct mamori_html *h, const char *report)
{
    json_t *j = json_loads(report, 0, NULL);
    if (!j)
        return;
    json_t *rem = json_object_get(j, "removed");
    const char *k;
    json_t *v;
    MAMORI_HTML(h, "<ul class=\"removed\">");
    json_object_foreach(rem, k, v)
    {
        MAMORI_HTML(h, "<li>");
        mamori_html_text(h, removal_label(rq, k));
        MAMORI_HTML(h, ": ");
        mamori_html_int(h, json_integer_value(v));
        MAMORI_HTML(h, "</li>");
    }
    MAMORI_HTML(h, "</ul>");
    const char *why = json_string_value(json_object_get(j, "reason_text"));
    if (why) {
        MAMORI_HTML(h, "<p class=\"small\">");
        mamori_html_text(h, why);
        MAMORI_HTML(h, "</p>");
    }
    json_t *members = json_object_get(j, "members");
    if (json_array_size(members)) {
        MAMORI_HTML(h, "<table class=\"members\"><tr><th>");
        mamori_html_text(h, T(rq, "In the archive"));
        MAMORI_HTML(h, "</th><th>");
        mamori_html_text(h, T(rq, "Result"));
        MAMORI_HTML(h, "</th></tr>");
        size_t i;
        json_array_foreach(members, i, v)
        {
            MAMORI_HTML(h, "<tr><td>");
            mamori_html_text(h, json_string_value(json_object_get(v, "name")));
            MAMORI_HTML(h, "</td><td>");
            mamori_html_text(h, json_string_value(json_object_get(v, "verdict")));
            MAMORI_HTML(h, "</td></tr>");
        }
        MAMORI_HTML(h, "</table>");
    }
    json_decref(j);
}

static void
transfer_row_html(struct req *rq, struct mamori_html *h, const struct mamori_store_transfer *t,
                  bool decide)
{
    char when[64];
    console_time(rq, t->created_us, when, sizeof(when));
    MAMORI_HTML(h, "<tr><td class=\"num\">");
    mamori_html_int(h, t->id);
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, when);
    MAMORI_HTML(h, "</td><td>");
    if (decide) {
        mamori_html_text(h, t->uploader);
        MAMORI_HTML(h, "</td><td>");
    }
    mamori_html_text(h, t->name);
    if (*t->out_name && strcmp(t->out_name, t->name) != 0) {
        MAMORI_HTML(h, " → ");
        mamori_html_text(h, t->out_name);
    }
    MAMORI_HTML(h, "</td><td>");
    mamori_html_text(h, t->verdict);
    report_html(rq, h, t->report);
    MAMORI_HTML(h, "</td><td class=\"state\">");
    mamori_html_text(h, transfer_state(rq, t->state));
    MAMORI_HTML(h, "</td><td>");
    if (decide) {
        MAMORI_HTML(h, "<form class=\"inline\" method=\"post\" action=\"/transfers/");
        mamori_html_int(h, t->id);
        MAMORI_HTML(h, "/approve\">");
        csrf_field(rq, h);
        MAMORI_HTML(h, "<button type=\"submit\">");
        mamori_html_text(h, T(rq, "Approve"));
        MAMORI_HTML(h, "</button></form> <form class=\"inline\" method=\"post\" "
                       "action=\"/transfers/");
        mamori_html_int(h, t->id);
        MAMORI_HTML(h, "/deny\">");
        csrf_field(rq, h);
        MAMORI_HTML(h, "<button type=\"submit\">");
        mamori_html_text(h, T(rq, "Deny"));
        MAMORI_HTML(h, "</button></form>");
    } else if (strcmp(t->state, "approved") == 0 || strcmp(t->state, "downloaded") == 0) {
        MAMORI_HTML(h, "<form class=\"inline\" method=\"post\" action=\"/transfers/");
        mamori_html_int(h, t->id);
        MAMORI_HTML(h, "/download\">");
        csrf_field(rq, h);
        MAMORI_HTML(h, "<button type=\"submit\">");
        mamori_html_text(h, T(rq, "Download"));
        MAMORI_HTML(h, "</button></form>");
    }
    MAMORI_HTML(h, "</td></tr>");
}

static void
transfers_page(struct req *rq)
{
    struct list *l = mamori_arena_calloc(rq->a, 1, sizeof(*l));
    if (!l || my_transfers(rq, NULL, l) < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "File transfer"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    }
    if (rq->api) {
        struct mamori_json j;
        mamori_json_init(&j, &rq->out, false);
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < l->n; i++) {
            const struct mamori_store_transfer *t = &l->rows[i];
            mamori_json_object_begin(&j);
            mamori_json_kv_int(&j, "id", t->id);
            mamori_json_kv_string(&j, "name", t->name);
            mamori_json_kv_string(&j, "out_name", t->out_name);
            mamori_json_kv_string(&j, "verdict", t->verdict);
            mamori_json_kv_string(&j, "state", t->state);
            mamori_json_kv_string(&j, "original", t->original);
            mamori_json_kv_string(&j, "sanitized", t->sanitized);
            mamori_json_key(&j, "report");
            mamori_json_raw(&j, t->report, strlen(t->report));
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&rq->out, '\n');
        rq->ctype = "application/json";
        return;
    }
    struct mamori_html h;
    page_begin(rq, &h, T(rq, "File transfer"));
    MAMORI_HTML(&h, "<p>");
    mamori_html_text(&h, T(rq, "Files you uploaded on the internet side. Only the rebuilt file "
                               "is handed over here; the original stays in the quarantine."));
    MAMORI_HTML(&h, "</p><table id=\"transfers\"><tr><th>#</th><th>");
    mamori_html_text(&h, T(rq, "Received"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "File"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "Result"));
    MAMORI_HTML(&h, "</th><th>");
    mamori_html_text(&h, T(rq, "State"));
    MAMORI_HTML(&h, "</th><th></th></tr>");
    for (size_t i = 0; i < l->n; i++)
        transfer_row_html(rq, &h, &l->rows[i], false);
    MAMORI_HTML(&h, "</table>");
    page_end(rq, &h);
}

void
transfer_approvals(struct req *rq, struct mamori_html *h)
{
    struct list *l = mamori_arena_calloc(rq->a, 1, sizeof(*l));
    if (!l || my_transfers(rq, "waiting", l) < 0)
        return;
    struct mamori_store_person me = {
        .id = rq->sess.person, .role = rq->sess.role, .unit = rq->sess.unit};
    size_t shown = 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *why;
        pthread_mutex_lock(rq->c->lock);
        int r = mamori_transfer_may_decide(rq->c->inst, rq->pol, &me, &l->rows[i], &why);
        pthread_mutex_unlock(rq->c->lock);
        if (r != 0)
            continue;
        if (!shown++) {
            MAMORI_HTML(h, "<h2>");
            mamori_html_text(h, T(rq, "Files waiting to cross into the LGWAN zone"));
            MAMORI_HTML(h, "</h2><table id=\"transfer-approvals\"><tr><th>#</th><th>");
            mamori_html_text(h, T(rq, "Received"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "Requested by"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "File"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "Result"));
            MAMORI_HTML(h, "</th><th>");
            mamori_html_text(h, T(rq, "State"));
            MAMORI_HTML(h, "</th><th></th></tr>");
        }
        transfer_row_html(rq, h, &l->rows[i], true);
    }
    if (shown)
        MAMORI_HTML(h, "</table>");
}

static void
decide(struct req *rq, int64_t id, bool approve)
{
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return;
    }
    struct mamori_store_transfer t;
    const char *why = "";
    const char *note = mamori_form_get(&rq->form, "reason");
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_transfer_decide(rq->c->inst, rq->pol, &me, id, approve, note, rq->a, &t, &why);
    pthread_mutex_unlock(rq->c->lock);
    if (r == 0) {
        rq->status = MHD_HTTP_SEE_OTHER;
        rq->location = "/approvals?done=1";
        return;
    }
    page_message(rq,
                 r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN
                 : r == -ENOENT       ? MHD_HTTP_NOT_FOUND
                                      : MHD_HTTP_CONFLICT,
                 T(rq, "Refused"),
                 r == MAMORI_E_DENIED && strcmp(why, "self-approval") == 0
                     ? T(rq, "You may not decide your own request (兼務の禁止).")
                 : r == MAMORI_E_DENIED && strcmp(why, "outside-unit") == 0
                     ? T(rq, "You may not decide requests of another unit.")
                 : r == MAMORI_E_DENIED
                     ? T(rq, "Your role may not decide this request: the policy names another.")
                 : r == -ENOENT ? T(rq, "There is no such request.")
                                : T(rq, "This request has been decided already."));
}

/* RFC 6266 / 5987: an ASCII fallback and the UTF-8 name. */
static const char *
disposition(struct req *rq, const char *name)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 8192);
    mamori_buf_puts(&b, "attachment; filename=\"");
    for (const unsigned char *s = (const unsigned char *)name; *s; s++)
        mamori_buf_putc(&b, *s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\' ? (char)*s : '_');
    mamori_buf_puts(&b, "\"; filename*=UTF-8''");
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '.' || *s == '-' || *s == '_')
            mamori_buf_putc(&b, (char)*s);
        else
            mamori_buf_printf(&b, "%%%c%c", hex[*s >> 4], hex[*s & 15]);
    }
    const char *out = mamori_arena_strndup(rq->a, b.data ? b.data : "", b.len);
    mamori_buf_done(&b);
    return out ? out : "attachment";
}

static void
download(struct req *rq, int64_t id)
{
    struct mamori_store_person me;
    if (console_me(rq, &me) < 0) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"), T(rq, "Sign in again."));
        return;
    }
    struct mamori_store_transfer t;
    char *data = NULL;
    size_t len = 0;
    const char *why = NULL;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_transfer_download(rq->c->inst, &me, id, rq->a, &t, &data, &len, &why);
    pthread_mutex_unlock(rq->c->lock);
    if (r < 0) {
        page_message(rq,
                     r == MAMORI_E_DENIED ? MHD_HTTP_FORBIDDEN
                     : r == -ENOENT       ? MHD_HTTP_NOT_FOUND
                                          : MHD_HTTP_CONFLICT,
                     T(rq, "Refused"),
                     r == MAMORI_E_DENIED ? T(rq, "Only the person who uploaded it may receive it.")
                     : r == -EALREADY     ? T(rq, "This file is not approved.")
                                      : T(rq, "The file cannot be read (purged, or not kept)."));
        return;
    }
    mamori_buf_reset(&rq->out);
    if (mamori_buf_append(&rq->out, data, len) == 0) {
        rq->ctype = "application/octet-stream";
        rq->disposition = disposition(rq, t.out_name);
    }
    free(data);
}

/* ---- routing ---------------------------------------------------------------------------- */

bool
transfer_route(struct req *rq)
{
    const char *u = rq->url;
    if (rq->face == 'i') {
        if (strcmp(u, "/upload") != 0 || !rq->signed_in)
            return false;
        if (rq->post)
            do_upload(rq);
        else
            upload_page(rq, NULL, 0, NULL);
        return true;
    }
    if (!rq->signed_in)
        return false;
    if (rq->api && strncmp(u, "/api/v1/", 8) == 0)
        u += 7;
    int64_t n;
    if (!rq->post && strcmp(u, "/transfers") == 0)
        transfers_page(rq);
    else if (rq->post && console_path_number(u, "/transfers/", "/download", &n))
        download(rq, n);
    else if (rq->post && console_path_number(u, "/transfers/", "/approve", &n))
        decide(rq, n, true);
    else if (rq->post && console_path_number(u, "/transfers/", "/deny", &n))
        decide(rq, n, false);
    else
        return false;
    return true;
}
