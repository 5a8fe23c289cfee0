/*
 * The console's server (mamori/console.h): libmicrohttpd parses HTTP in the daemon; form
 * bodies are parsed by mamori_form_parse (bounded, fuzzed). This file holds the request
 * lifecycle, the security headers, cookies, signing in (password, second factor, first-login
 * password change, lockout, throttle) and signing out; pages.c holds the pages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libintl.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal.h"
#include "mamori/gov.h"
#include "mamori/auditlog.h"

/* ---- small helpers ---------------------------------------------------------------------- */

const char *
console_tr(const struct req *rq, const char *msgid)
{
    return rq->ja ? dgettext("mamori", msgid) : msgid;
}

void
console_time(const struct req *rq, int64_t us, char *buf, size_t len)
{
    if (us <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    time_t t = (time_t)(us / 1000000) + (time_t)9 * 3600; /* JST, no daylight saving */
    struct tm tm;
    gmtime_r(&t, &tm);
    if (rq->wareki && tm.tm_year + 1900 >= 2019 && (tm.tm_year + 1900 > 2019 || tm.tm_mon >= 4)) {
        int y = tm.tm_year + 1900 - 2018;
        if (y == 1)
            snprintf(buf, len, "令和元年%d月%d日 %02d:%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min);
        else
            snprintf(buf, len, "令和%d年%d月%d日 %02d:%02d", y, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min);
    } else {
        strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
    }
}

int
console_record(struct req *rq, const char *action, const char *object, const char *decision,
               const char *clause, const char *details_json)
{
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = *rq->sess.person ? rq->sess.person : "anonymous",
                                .action = action,
                                .object = object,
                                .decision = decision,
                                .clause = clause,
                                .details = details_json ? details_json : "{}"};
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_instance_record(rq->c->inst, &rec);
    pthread_mutex_unlock(rq->c->lock);
    return r;
}

/* {"from": addr, "reason": why} for sign-in records. */
static const char *
login_details(struct req *rq, const char *why)
{
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, 4096);
    mamori_json_init(&j, &b, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, "face", rq->face == 'l' ? "lgwan" : "internet");
    mamori_json_kv_string(&j, "from", rq->addr);
    if (why)
        mamori_json_kv_string(&j, "reason", why);
    mamori_json_object_end(&j);
    const char *s = mamori_json_finish(&j) == 0 ? mamori_arena_strdup(rq->a, b.data) : "{}";
    mamori_buf_done(&b);
    return s ? s : "{}";
}

int
console_me(struct req *rq, struct mamori_store_person *ret)
{
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_person_get(rq->c->inst->store, rq->sess.person, rq->a, ret);
    pthread_mutex_unlock(rq->c->lock);
    if (r == 0 && ret->disabled)
        r = -EACCES;
    return r;
}

static void
redirect(struct req *rq, const char *to)
{
    rq->status = MHD_HTTP_SEE_OTHER;
    rq->location = to;
}

static void
set_cookie(struct req *rq, const char *name, const char *value, int max_age)
{
    char *slot = rq->set_cookie[0][0] ? rq->set_cookie[1] : rq->set_cookie[0];
    char age[32] = "";
    if (max_age >= 0)
        snprintf(age, sizeof(age), "; Max-Age=%d", max_age);
    snprintf(slot, sizeof(rq->set_cookie[0]), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", name,
             value, age, rq->c->tls ? "; Secure" : "");
}

/* ---- the page style (served as /static/style.css; no inline styles, CSP allows 'self') -- */

static const char style_css[] =
    "body{font-family:'Noto Sans JP','Hiragino Sans',Meiryo,sans-serif;margin:0;color:#1b1b1b;"
    "background:#f6f7f9}header{background:#14365d;color:#fff;padding:.6em 1.2em;display:flex;"
    "gap:1.2em;align-items:center;flex-wrap:wrap}header a{color:#fff}header .brand{font-weight:"
    "bold;margin-right:1em}header form{display:inline;margin:0}header .me{margin-left:auto}"
    "main{max-width:70em;margin:1.2em auto;padding:0 1.2em}table{border-collapse:collapse;"
    "width:100%;background:#fff}th,td{border:1px solid #ccd;padding:.35em .6em;text-align:left;"
    "vertical-align:top}th{background:#e8ecf2}td.num{text-align:right}.notice{padding:.6em 1em;"
    "border-radius:4px;margin:.8em 0}.notice.ok{background:#e3f4e6}.notice.error{background:"
    "#fbe4e4}.notice.info{background:#e6eef9}.cards{display:flex;gap:1em;flex-wrap:wrap}.card{"
    "background:#fff;border:1px solid #ccd;border-radius:6px;padding:.8em 1.2em;min-width:12em}"
    ".card .n{font-size:1.8em;font-weight:bold}form.inline{display:inline}label{display:block;"
    "margin:.5em 0}input[type=text],input[type=password]{padding:.3em;min-width:18em}button{"
    "padding:.3em .9em}.small{font-size:.85em;color:#555}code{word-break:break-all}"
    ".flag{display:inline-block;background:#fff4d6;border-radius:3px;padding:0 .4em;margin:1px}"
    ".flag.overdue{background:#fbe4e4;color:#8a1010}form.step{background:#fff;border:1px solid "
    "#ccd;padding:.4em .8em;margin:.5em 0}textarea{min-width:30em;min-height:3em}";

/* The upload page's one script (served as /static/upload.js; no inline script anywhere): sends
 * the form with XMLHttpRequest to show progress, then shows the answer page. Without it the
 * form still works, without progress. */
static const char upload_js[] =
    "document.addEventListener('DOMContentLoaded',function(){"
    "var f=document.getElementById('upload');if(!f)return;"
    "f.addEventListener('submit',function(e){e.preventDefault();"
    "var p=document.getElementById('progress');p.hidden=false;"
    "var x=new XMLHttpRequest();x.open('POST',f.action);"
    "x.upload.onprogress=function(ev){if(ev.lengthComputable){p.max=ev.total;p.value=ev.loaded;}};"
    "x.onload=function(){document.open();document.write(x.responseText);document.close();};"
    "x.send(new FormData(f));});});\n";

/* ---- signing in ------------------------------------------------------------------------- */

static void
login_page(struct req *rq, const char *error)
{
    struct mamori_html h;
    page_begin(rq, &h, T(rq, "Sign in"));
    if (error)
        notice(&h, "error", error);
    MAMORI_HTML(&h, "<form method=\"post\" action=\"/login\"><label>");
    mamori_html_text(&h, T(rq, "User ID"));
    MAMORI_HTML(&h, "<br><input type=\"text\" name=\"user\" autocomplete=\"username\" required "
                    "autofocus></label><label>");
    mamori_html_text(&h, T(rq, "Password"));
    MAMORI_HTML(&h, "<br><input type=\"password\" name=\"password\" "
                    "autocomplete=\"current-password\" required></label><button type=\"submit\">");
    mamori_html_text(&h, T(rq, "Sign in"));
    MAMORI_HTML(&h, "</button></form>");
    page_end(rq, &h);
}

static void
totp_page(struct req *rq, const char *error)
{
    struct mamori_html h;
    page_begin(rq, &h, T(rq, "Second factor"));
    if (error)
        notice(&h, "error", error);
    MAMORI_HTML(&h, "<p>");
    mamori_html_text(&h, T(rq, "Enter the 6-digit code of your authenticator app."));
    MAMORI_HTML(&h, "</p><form method=\"post\" action=\"/login/totp\">");
    csrf_field(rq, &h);
    MAMORI_HTML(&h, "<label>");
    mamori_html_text(&h, T(rq, "Code"));
    MAMORI_HTML(&h, "<br><input type=\"text\" name=\"code\" inputmode=\"numeric\" "
                    "autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" required autofocus>"
                    "</label><button type=\"submit\">");
    mamori_html_text(&h, T(rq, "Confirm"));
    MAMORI_HTML(&h, "</button></form>");
    page_end(rq, &h);
}

static void
password_page(struct req *rq, const char *error)
{
    struct mamori_html h;
    page_begin(rq, &h, T(rq, "Change your password"));
    if (error)
        notice(&h, "error", error);
    if (rq->sess.stage == MAMORI_SESSION_NEED_PASSWORD)
        notice(&h, "info",
               T(rq, "Your password was set by an administrator: choose your own "
                     "before you go on."));
    MAMORI_HTML(&h, "<form method=\"post\" action=\"/password\">");
    csrf_field(rq, &h);
    MAMORI_HTML(&h, "<label>");
    mamori_html_text(&h, T(rq, "Current password"));
    MAMORI_HTML(&h, "<br><input type=\"password\" name=\"current\" "
                    "autocomplete=\"current-password\" required></label><label>");
    mamori_html_text(&h, T(rq, "New password (at least 12 characters)"));
    MAMORI_HTML(&h, "<br><input type=\"password\" name=\"new\" autocomplete=\"new-password\" "
                    "minlength=\"12\" required></label><label>");
    mamori_html_text(&h, T(rq, "New password again"));
    MAMORI_HTML(&h, "<br><input type=\"password\" name=\"again\" autocomplete=\"new-password\" "
                    "minlength=\"12\" required></label><button type=\"submit\">");
    mamori_html_text(&h, T(rq, "Change"));
    MAMORI_HTML(&h, "</button></form>");
    page_end(rq, &h);
}

/* Starts the session after the password, or after the second factor (rotating its id). */
static void
enter(struct req *rq, const struct mamori_store_person *p)
{
    const struct mamori_console_rules *cr = &rq->pol->console;
    bool priv = mamori_role_privileged(p->role);
    /* A privileged role held by appointment (CSIRT, 委員会) needs the same second factor. */
    struct mamori_store_role_span ap[16];
    pthread_mutex_lock(rq->c->lock);
    int n_ap = mamori_gov_appointments(rq->c->inst, p->id, rq->a, ap, 16);
    pthread_mutex_unlock(rq->c->lock);
    for (int i = 0; i < n_ap; i++)
        priv = priv || mamori_role_privileged(ap[i].role);
    struct mamori_session s = {0};
    snprintf(s.person, sizeof(s.person), "%s", p->id);
    snprintf(s.role, sizeof(s.role), "%s", p->role);
    snprintf(s.unit, sizeof(s.unit), "%s", p->unit);
    s.face = rq->face;
    s.privileged = priv;
    s.idle_us = (priv ? cr->idle_minutes_privileged : cr->idle_minutes) * 60 * 1000000;
    s.max_us = (priv ? cr->session_hours_privileged : cr->session_hours) * 3600 * 1000000;
    s.prev_login_us = p->last_login_us;
    snprintf(s.prev_from, sizeof(s.prev_from), "%s", p->last_login_from);
    bool need_totp = priv || cr->totp == MAMORI_TOTP_EVERYONE;
    int64_t now = mamori_now_us();
    if (need_totp) {
        s.stage = MAMORI_SESSION_NEED_TOTP;
        mamori_sessions_create(rq->c->sessions, &s, now, &rq->sess);
        set_cookie(rq, "mamori_session", rq->sess.id, -1);
        redirect(rq, "/login/totp");
        return;
    }
    s.stage = p->must_change_password ? MAMORI_SESSION_NEED_PASSWORD : MAMORI_SESSION_ACTIVE;
    mamori_sessions_create(rq->c->sessions, &s, now, &rq->sess);
    set_cookie(rq, "mamori_session", rq->sess.id, -1);
    pthread_mutex_lock(rq->c->lock);
    mamori_store_person_note_login(rq->c->inst->store, p->id, true, now, rq->addr, 0, 0);
    pthread_mutex_unlock(rq->c->lock);
    console_record(rq, "console.login", p->id, "ok", "6(3)①", login_details(rq, NULL));
    redirect(rq, s.stage == MAMORI_SESSION_ACTIVE ? "/" : "/password");
}

static void
do_login(struct req *rq)
{
    const char *user = mamori_form_get(&rq->form, "user");
    const char *pw = mamori_form_get(&rq->form, "password");
    int64_t now = mamori_now_us();
    /* Signing in again ends the session (or half-finished sign-in) the browser had. */
    if (rq->sess.id[0])
        mamori_sessions_end(rq->c->sessions, rq->sess.id);
    rq->sess = (struct mamori_session){0};
    if (!mamori_throttle_allow(rq->c->throttle, rq->addr, now)) {
        snprintf(rq->sess.person, sizeof(rq->sess.person), "%s", user ? user : "");
        console_record(rq, "console.login", user ? user : "-", "refused", "6(3)①",
                       login_details(rq, "throttled"));
        rq->status = MHD_HTTP_TOO_MANY_REQUESTS;
        login_page(rq, T(rq, "Too many failed sign-ins from this computer. Wait a few minutes "
                             "and try again."));
        rq->status = MHD_HTTP_TOO_MANY_REQUESTS;
        return;
    }
    if (!user || !pw || !*user || strlen(user) >= sizeof(rq->sess.person)) {
        rq->status = MHD_HTTP_BAD_REQUEST;
        login_page(rq, T(rq, "Enter your user ID and password."));
        rq->status = MHD_HTTP_BAD_REQUEST;
        return;
    }
    struct mamori_store_person p;
    pthread_mutex_lock(rq->c->lock);
    int r = mamori_store_person_get(rq->c->inst->store, user, rq->a, &p);
    pthread_mutex_unlock(rq->c->lock);
    const char *why = NULL;
    if (r == -ENOENT) {
        why = "unknown-user";
        /* The same work as a real check, so timing does not tell which user IDs exist. */
        if (crypto_pwhash_str_verify(rq->c->dummy_hash, pw, strlen(pw)) == 0)
            why = "unknown-user"; /* (cannot match: the dummy password is random) */
    } else if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Sign in"),
                     T(rq, "The store cannot be read just now; try again shortly."));
        return;
    } else if (p.locked_until_us > now) {
        why = "locked";
    } else if (crypto_pwhash_str_verify(p.password_hash, pw, strlen(pw)) != 0) {
        why = "bad-password";
    } else if (p.disabled) {
        why = "disabled";
    }
    snprintf(rq->sess.person, sizeof(rq->sess.person), "%s", user);
    if (why) {
        mamori_throttle_fail(rq->c->throttle, rq->addr, now);
        if (r == 0 && strcmp(why, "bad-password") == 0) {
            const struct mamori_console_rules *cr = &rq->pol->console;
            bool priv = mamori_role_privileged(p.role);
            pthread_mutex_lock(rq->c->lock);
            mamori_store_person_note_login(rq->c->inst->store, p.id, false, now, rq->addr,
                                           priv ? cr->lockout_after_privileged : cr->lockout_after,
                                           now + cr->lockout_minutes * 60 * 1000000);
            pthread_mutex_unlock(rq->c->lock);
        }
        console_record(rq, "console.login", user, "refused", "6(3)①", login_details(rq, why));
        rq->sess.person[0] = '\0';
        if (strcmp(why, "locked") == 0)
            login_page(rq, T(rq, "This account is locked after too many failed sign-ins. Try "
                                 "again later or ask your administrator."));
        else
            login_page(rq, T(rq, "The user ID or the password is not right."));
        rq->status = MHD_HTTP_UNAUTHORIZED;
        return;
    }
    if ((mamori_role_privileged(p.role) || rq->pol->console.totp == MAMORI_TOTP_EVERYONE) &&
        !p.totp_sealed) {
        console_record(rq, "console.login", user, "refused", "6(3)①",
                       login_details(rq, "no-second-factor"));
        rq->sess.person[0] = '\0';
        login_page(rq, T(rq, "Your role needs a second factor and none is enrolled. Ask your "
                             "administrator (mamori user enrol-totp)."));
        rq->status = MHD_HTTP_FORBIDDEN;
        return;
    }
    enter(rq, &p);
}

static void
do_totp(struct req *rq)
{
    const char *code = mamori_form_get(&rq->form, "code");
    struct mamori_store_person p;
    int r = console_me(rq, &p);
    int64_t now = mamori_now_us();
    if (r == 0)
        r = mamori_instance_totp_check(rq->c->inst, &p, code ? code : "", (time_t)(now / 1000000));
    if (r == 0) {
        struct mamori_session s;
        mamori_sessions_rotate(rq->c->sessions, rq->sess.id, now, &s);
        s.stage = p.must_change_password ? MAMORI_SESSION_NEED_PASSWORD : MAMORI_SESSION_ACTIVE;
        mamori_sessions_put(rq->c->sessions, &s);
        rq->sess = s;
        set_cookie(rq, "mamori_session", s.id, -1);
        pthread_mutex_lock(rq->c->lock);
        mamori_store_person_note_login(rq->c->inst->store, p.id, true, now, rq->addr, 0, 0);
        pthread_mutex_unlock(rq->c->lock);
        console_record(rq, "console.login", p.id, "ok", "6(3)①", login_details(rq, NULL));
        redirect(rq, s.stage == MAMORI_SESSION_ACTIVE ? "/" : "/password");
        return;
    }
    console_record(rq, "console.login", rq->sess.person, "refused", "6(3)①",
                   login_details(rq, "bad-code"));
    mamori_throttle_fail(rq->c->throttle, rq->addr, now);
    if (++rq->sess.totp_failures >= TOTP_TRIES) {
        mamori_sessions_end(rq->c->sessions, rq->sess.id);
        if (r == MAMORI_E_DENIED) {
            const struct mamori_console_rules *cr = &rq->pol->console;
            pthread_mutex_lock(rq->c->lock);
            mamori_store_person_note_login(rq->c->inst->store, p.id, false, now, rq->addr,
                                           cr->lockout_after_privileged,
                                           now + cr->lockout_minutes * 60 * 1000000);
            pthread_mutex_unlock(rq->c->lock);
        }
        set_cookie(rq, "mamori_session", "", 0);
        rq->sess.person[0] = '\0';
        login_page(rq, T(rq, "Three wrong codes: sign in again."));
    } else {
        mamori_sessions_put(rq->c->sessions, &rq->sess);
        totp_page(rq, T(rq, "The code is not right. Check your device's clock and try again."));
    }
    rq->status = MHD_HTTP_UNAUTHORIZED;
}

static void
do_password(struct req *rq)
{
    const char *cur = mamori_form_get(&rq->form, "current");
    const char *nw = mamori_form_get(&rq->form, "new");
    const char *again = mamori_form_get(&rq->form, "again");
    struct mamori_store_person p;
    int r = console_me(rq, &p);
    if (r < 0 || !cur || !nw || !again) {
        rq->status = MHD_HTTP_BAD_REQUEST;
        password_page(rq, T(rq, "Fill in every field."));
        rq->status = MHD_HTTP_BAD_REQUEST;
        return;
    }
    const char *err = NULL;
    size_t chars = 0;
    for (const unsigned char *s = (const unsigned char *)nw; *s; s++)
        chars += (*s & 0xc0) != 0x80;
    if (crypto_pwhash_str_verify(p.password_hash, cur, strlen(cur)) != 0)
        err = T(rq, "The current password is not right.");
    else if (strcmp(nw, again) != 0)
        err = T(rq, "The two new passwords differ.");
    else if (chars < PASSWORD_MIN_CHARS)
        err = T(rq, "The new password is shorter than 12 characters.");
    else if (strcmp(nw, cur) == 0 || strcmp(nw, p.id) == 0)
        err = T(rq, "Choose a password different from the current one and from your user ID.");
    char hash[crypto_pwhash_STRBYTES];
    if (!err && crypto_pwhash_str(hash, nw, strlen(nw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                  crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        err = T(rq, "The password could not be stored (out of memory).");
    if (err) {
        console_record(rq, "console.password", p.id, "refused", "6(3)①", NULL);
        password_page(rq, err);
        rq->status = MHD_HTTP_BAD_REQUEST;
        return;
    }
    pthread_mutex_lock(rq->c->lock);
    r = mamori_store_begin(rq->c->inst->store);
    if (r == 0)
        r = mamori_store_person_update(rq->c->inst->store, p.id, NULL, NULL, hash);
    if (r == 0)
        r = mamori_store_person_set_must_change(rq->c->inst->store, p.id, false);
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = p.id,
                                .action = "console.password",
                                .object = p.id,
                                .decision = "ok",
                                .clause = "6(3)①",
                                .details = "{}"};
    if (r == 0)
        r = mamori_log_append_in(rq->c->inst->log, &rec, 1, NULL);
    if (r == 0)
        r = mamori_store_commit(rq->c->inst->store);
    if (r < 0)
        mamori_store_rollback(rq->c->inst->store);
    pthread_mutex_unlock(rq->c->lock);
    sodium_memzero(hash, sizeof(hash));
    if (r < 0) {
        page_message(rq, MHD_HTTP_SERVICE_UNAVAILABLE, T(rq, "Change your password"),
                     T(rq, "The store cannot be written just now; nothing was changed."));
        return;
    }
    /* Every other session of this person ends; this one continues with a new id. */
    struct mamori_session keep = rq->sess;
    mamori_sessions_end_person(rq->c->sessions, p.id);
    keep.stage = MAMORI_SESSION_ACTIVE;
    mamori_sessions_create(rq->c->sessions, &keep, mamori_now_us(), &rq->sess);
    set_cookie(rq, "mamori_session", rq->sess.id, -1);
    redirect(rq, "/?changed=1");
}

static void
do_logout(struct req *rq)
{
    mamori_sessions_end(rq->c->sessions, rq->sess.id);
    console_record(rq, "console.logout", rq->sess.person, "ok", "6(3)①", login_details(rq, NULL));
    set_cookie(rq, "mamori_session", "", 0);
    redirect(rq, "/login");
}

/* /prefs?lang=en|ja&era=wareki|western&back=/path */
static void
do_prefs(struct req *rq)
{
    const char *lang = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "lang");
    const char *era = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "era");
    const char *back = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, "back");
    if (lang && (strcmp(lang, "en") == 0 || strcmp(lang, "ja") == 0))
        set_cookie(rq, "mamori_lang", lang, 365 * 86400);
    if (era && (strcmp(era, "wareki") == 0 || strcmp(era, "western") == 0))
        set_cookie(rq, "mamori_era", era, 365 * 86400);
    /* Only a path of this site: never "//host" or "/\host". */
    bool local =
        back && back[0] == '/' && back[1] != '/' && back[1] != '\\' && !strpbrk(back, "\r\n");
    redirect(rq, local ? mamori_arena_strdup(rq->a, back) : "/");
}

/* ---- the request lifecycle -------------------------------------------------------------- */

/* Is the request's Origin (when a browser sent one) this very site? */
static bool
same_origin(struct req *rq)
{
    const char *origin = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return true; /* not a browser, or a same-origin GET */
    const char *host = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Host");
    const char *rest = strncmp(origin, "https://", 8) == 0  ? origin + 8
                       : strncmp(origin, "http://", 7) == 0 ? origin + 7
                                                            : NULL;
    return rest && host && strcmp(rest, host) == 0;
}

static void
load_session(struct req *rq)
{
    const char *id = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, "mamori_session");
    if (!id)
        return;
    struct mamori_session s;
    int r = mamori_sessions_get(rq->c->sessions, id, mamori_now_us(), &s);
    if (r == -ETIMEDOUT) {
        rq->sess = (struct mamori_session){0};
        snprintf(rq->sess.person, sizeof(rq->sess.person), "%s", s.person);
        console_record(rq, "console.timeout", s.person, "ok", "6(3)①", NULL);
        rq->sess.person[0] = '\0';
        set_cookie(rq, "mamori_session", "", 0);
        return;
    }
    if (r < 0 || s.face != rq->face)
        return;
    rq->sess = s;
    rq->signed_in = s.stage == MAMORI_SESSION_ACTIVE;
}

static void
dispatch(struct req *rq)
{
    const char *u = rq->url;
    if (!rq->post && strcmp(u, "/static/style.css") == 0) {
        mamori_buf_puts(&rq->out, style_css);
        rq->ctype = "text/css; charset=utf-8";
        return;
    }
    if (!rq->post && strcmp(u, "/static/upload.js") == 0) {
        mamori_buf_puts(&rq->out, upload_js);
        rq->ctype = "text/javascript; charset=utf-8";
        return;
    }
    if (!rq->post && strcmp(u, "/prefs") == 0) {
        do_prefs(rq);
        return;
    }
    if (rq->post && !same_origin(rq)) {
        page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"),
                     T(rq, "This form was sent from another site."));
        return;
    }
    if (rq->post && rq->body_too_big) {
        page_message(rq, MHD_HTTP_CONTENT_TOO_LARGE, T(rq, "Refused"),
                     T(rq, "The form is too large."));
        return;
    }
    if (rq->pp) { /* multipart: the fields came through on_part */
        rq->form.n = 1;
        rq->form.name[0] = "csrf";
        rq->form.value[0] = rq->csrf_field;
    } else if (rq->post && mamori_form_parse(rq->body.data ? rq->body.data : "", rq->body.len,
                                             rq->a, &rq->form) < 0) {
        page_message(rq, MHD_HTTP_BAD_REQUEST, T(rq, "Refused"),
                     T(rq, "The form's contents are not well-formed (UTF-8, percent escapes)."));
        return;
    }
    /* Every POST of a session carries its CSRF token (a form field, or X-CSRF-Token). */
    if (rq->post && rq->sess.id[0] && strcmp(u, "/login") != 0) {
        const char *tok = mamori_form_get(&rq->form, "csrf");
        if (!tok)
            tok = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!mamori_session_csrf_ok(&rq->sess, tok)) {
            console_record(rq, "console.csrf", u, "refused", "6(3)①", login_details(rq, NULL));
            page_message(rq, MHD_HTTP_FORBIDDEN, T(rq, "Refused"),
                         T(rq, "The form has expired or did not come from this console. Reload "
                               "the page and try again."));
            return;
        }
    }
    if (strcmp(u, "/login") == 0) {
        if (rq->post)
            do_login(rq);
        else
            login_page(rq, NULL);
        return;
    }
    if (rq->post && strcmp(u, "/logout") == 0 && rq->sess.id[0]) {
        do_logout(rq);
        return;
    }
    if (rq->sess.id[0] && rq->sess.stage == MAMORI_SESSION_NEED_TOTP) {
        if (strcmp(u, "/login/totp") != 0)
            redirect(rq, "/login/totp");
        else if (rq->post)
            do_totp(rq);
        else
            totp_page(rq, NULL);
        return;
    }
    if (rq->sess.id[0] &&
        (rq->sess.stage == MAMORI_SESSION_NEED_PASSWORD || strcmp(u, "/password") == 0)) {
        if (strcmp(u, "/password") != 0)
            redirect(rq, "/password");
        else if (rq->post)
            do_password(rq);
        else
            password_page(rq, NULL);
        return;
    }
    if (!rq->signed_in) {
        if (rq->api) {
            rq->status = MHD_HTTP_UNAUTHORIZED;
            rq->ctype = "application/json";
            mamori_buf_puts(&rq->out, "{\"error\":\"not signed in\"}\n");
        } else {
            redirect(rq, "/login");
        }
        return;
    }
    if (transfer_route(rq))
        return;
    if (assets_route(rq))
        return;
    if (gov_route(rq))
        return;
    if (rq->face == 'l' && pages_route(rq))
        return;
    if (rq->face == 'i' && strcmp(u, "/") == 0 && !rq->post) {
        /* The internet face signs people in for uploads; nothing of the LGWAN side. */
        redirect(rq, "/upload");
        return;
    }
    if (rq->api) {
        rq->status = MHD_HTTP_NOT_FOUND;
        rq->ctype = "application/json";
        mamori_buf_puts(&rq->out, "{\"error\":\"no such resource\"}\n");
        return;
    }
    page_message(rq, MHD_HTTP_NOT_FOUND, T(rq, "Not found"), T(rq, "There is no such page here."));
}

static enum MHD_Result
respond(struct req *rq)
{
    struct MHD_Response *resp;
    if (rq->location) {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Location", rq->location);
    } else {
        size_t len = 0;
        char *data = mamori_buf_steal(&rq->out, &len);
        resp = MHD_create_response_from_buffer(
            len, data ? data : (void *)"", data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Type",
                                rq->ctype ? rq->ctype : "text/html; charset=utf-8");
        if (rq->disposition)
            MHD_add_response_header(resp, "Content-Disposition", rq->disposition);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                            "frame-ancestors 'none'; base-uri 'none'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    /* same-origin: the browser then names this origin in Origin (no-referrer makes it "null") */
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (rq->c->tls)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    for (int i = 0; i < 2; i++)
        if (rq->set_cookie[i][0])
            MHD_add_response_header(resp, "Set-Cookie", rq->set_cookie[i]);
    enum MHD_Result ret =
        MHD_queue_response(rq->conn, rq->location ? MHD_HTTP_SEE_OTHER : rq->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void
client_address(struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, len, "-");
    if (ci && ci->client_addr)
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                           : sizeof(struct sockaddr_in),
                    out, (socklen_t)len, NULL, 0, NI_NUMERICHOST);
}

struct face_cls {
    struct console *c;
    char face;
};

/* multipart/form-data, piece by piece: files into their buffers (bounded), the CSRF token and
 * a PPAP password into fields. Nothing is parsed here but the framing. */
static enum MHD_Result
on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
        const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
        size_t size)
{
    struct req *rq = cls;
    if (!key)
        return MHD_YES;
    if (!filename) {
        char *field = strcmp(key, "csrf") == 0       ? rq->csrf_field
                      : strcmp(key, "password") == 0 ? rq->password_field
                                                     : NULL;
        size_t cap = field == rq->csrf_field ? sizeof(rq->csrf_field) : sizeof(rq->password_field);
        if (field && off + size < cap) {
            memcpy(field + off, data, size);
            field[off + size] = '\0';
        }
        return MHD_YES;
    }
    if (strcmp(key, "files") != 0 || !*filename)
        return MHD_YES; /* an empty file input */
    struct upload *u = rq->n_up ? &rq->up[rq->n_up - 1] : NULL;
    if (!u || off == 0 || strcmp(u->name, filename) != 0) {
        if (rq->n_up == UPLOAD_MAX_FILES) {
            rq->up_refused = true;
            return MHD_YES;
        }
        u = &rq->up[rq->n_up++];
        u->name = strdup(filename);
        mamori_buf_init(&u->data, UPLOAD_MAX_BYTES);
        if (!u->name)
            return MHD_NO;
    }
    if (size && mamori_buf_append(&u->data, data, size) < 0)
        rq->up_refused = true;
    return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    const struct face_cls *fc = cls;
    struct console *c = fc->c;
    char face = fc->face;
    struct req *rq = *con_cls;
    if (!rq) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
            strcmp(method, "HEAD") != 0) {
            static const char msg[] = "method not allowed\n";
            struct MHD_Response *resp = MHD_create_response_from_buffer(
                sizeof(msg) - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header(resp, "Allow", "GET, HEAD, POST");
            enum MHD_Result r = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
            MHD_destroy_response(resp);
            return r;
        }
        rq = calloc(1, sizeof(*rq));
        if (!rq)
            return MHD_NO;
        rq->c = c;
        rq->conn = conn;
        rq->face = face;
        rq->method = method;
        rq->url = url;
        rq->post = strcmp(method, "POST") == 0;
        rq->api = strncmp(url, "/api/", 5) == 0;
        rq->status = MHD_HTTP_OK;
        mamori_buf_init(&rq->body, FORM_MAX_BYTES);
        mamori_buf_init(&rq->out, (size_t)256 << 20);
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        if (rq->post && face == 'i' && strcmp(url, "/upload") == 0 && ct &&
            strncasecmp(ct, "multipart/form-data", 19) == 0)
            rq->pp = MHD_create_post_processor(conn, 65536, on_part, rq);
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->pp) {
            if (MHD_post_process(rq->pp, upload_data, *upload_data_size) != MHD_YES)
                rq->body_too_big = true;
        } else if (!rq->body_too_big &&
                   mamori_buf_append(&rq->body, upload_data, *upload_data_size) < 0) {
            rq->body_too_big = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    rq->a = mamori_arena_new((size_t)64 << 20);
    if (!rq->a || mamori_buf_reserve(&rq->out, 32768) < 0) /* most pages fit */
        return MHD_NO;
    client_address(conn, rq->addr, sizeof(rq->addr));
    const char *lang = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "mamori_lang");
    rq->ja = !(lang && strcmp(lang, "en") == 0);
    const char *era = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, "mamori_era");
    rq->wareki = era && strcmp(era, "wareki") == 0;
    pthread_rwlock_rdlock(&c->policy_lock);
    rq->pol = c->policy;
    load_session(rq);
    dispatch(rq);
    enum MHD_Result ret = respond(rq);
    pthread_rwlock_unlock(&c->policy_lock);
    return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct req *rq = *con_cls;
    if (!rq)
        return;
    if (rq->pp)
        MHD_destroy_post_processor(rq->pp);
    for (size_t i = 0; i < rq->n_up; i++) {
        free(rq->up[i].name);
        mamori_buf_done(&rq->up[i].data);
    }
    explicit_bzero(rq->password_field, sizeof(rq->password_field));
    mamori_buf_done(&rq->body);
    mamori_buf_done(&rq->out);
    mamori_arena_free(rq->a);
    free(rq);
    *con_cls = NULL;
}

/* ---- start and stop --------------------------------------------------------------------- */

struct mamori_console {
    struct console c;
    struct face_cls lgwan_cls, internet_cls;
    char *cert, *key;
};

static bool
loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return false;
}

static int
start_face(struct mamori_console *mc, const char *spec, struct face_cls *cls,
           struct MHD_Daemon **ret)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof(host)) {
        fprintf(stderr, "mamorid: %s: %s\n", spec, _("not HOST:PORT"));
        return MAMORI_E_INVALID;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *h = host;
    if (h[0] == '[' && h[strlen(h) - 1] == ']') {
        h[strlen(h) - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *ai;
    if (getaddrinfo(h, colon + 1, &hints, &ai) != 0) {
        fprintf(stderr, "mamorid: %s: %s\n", spec, _("not a numeric address and port"));
        return MAMORI_E_INVALID;
    }
    bool tls = mc->cert && mc->key;
    if (!tls && !loopback(ai->ai_addr)) {
        fprintf(stderr, "mamorid: %s: %s\n", spec,
                _("a console face not on loopback needs TLS (console_tls_cert and "
                  "console_tls_key in mamorid.conf)"));
        freeaddrinfo(ai);
        return MAMORI_E_INVALID;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, mc->key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, mc->cert},
        {MHD_OPTION_END, 0, NULL},
    };
    *ret = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, cls, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_THREAD_POOL_SIZE, 2u,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)CONNECTIONS_PER_ADDRESS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_IDLE_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
        MHD_OPTION_ARRAY, tls ? tls_opts : &tls_opts[2], MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!*ret) {
        fprintf(stderr, "mamorid: %s: %s\n", spec, _("cannot listen (in use, or not allowed)"));
        return -EADDRINUSE;
    }
    return 0;
}

static int
load_console_policy(struct console *c)
{
    struct mamori_diags diags;
    mamori_diags_init(&diags, c->inst->policy_path);
    struct mamori_policy *p = NULL;
    int r = mamori_policy_load_file(c->inst->policy_path, mamori_today(), &p, &diags);
    mamori_diags_done(&diags);
    if (r < 0)
        return r;
    pthread_rwlock_wrlock(&c->policy_lock);
    struct mamori_policy *old = c->policy;
    c->policy = p;
    pthread_rwlock_unlock(&c->policy_lock);
    mamori_policy_free(old);
    return 0;
}

int
mamori_console_start(struct mamori_instance *inst, pthread_mutex_t *lock,
                     const struct mamori_console_config *conf, struct mamori_console **ret)
{
    if (!conf->lgwan && !conf->upload)
        return 0;
    struct mamori_console *mc = calloc(1, sizeof(*mc));
    if (!mc)
        return -ENOMEM;
    struct console *c = &mc->c;
    c->inst = inst;
    c->lock = lock;
    pthread_rwlock_init(&c->policy_lock, NULL);
    pthread_mutex_init(&c->verify_lock, NULL);
    int r = 0;
    /* The catalog for Japanese pages, whatever language the daemon logs in. */
    mamori_i18n_bind();
    if ((conf->tls_cert != NULL) != (conf->tls_key != NULL)) {
        fprintf(stderr, "mamorid: %s\n",
                _("console_tls_cert and console_tls_key go together: set both or neither"));
        r = MAMORI_E_INVALID;
    }
    size_t n;
    if (r == 0 && conf->tls_cert &&
        ((r = mamori_fs_read_file(conf->tls_cert, 1 << 20, &mc->cert, &n)) < 0 ||
         (r = mamori_fs_read_file(conf->tls_key, 1 << 20, &mc->key, &n)) < 0))
        fprintf(stderr, "mamorid: %s: %s\n", _("cannot read the console's TLS files"),
                mamori_strerror(r));
    c->tls = mc->cert != NULL;
    if (r == 0) {
        c->sessions = mamori_sessions_new(SESSIONS_MAX);
        c->throttle = mamori_throttle_new();
        c->clamd = conf->clamd ? strdup(conf->clamd) : NULL;
        c->mail_relay = conf->mail_relay ? strdup(conf->mail_relay) : NULL;
        if (!c->sessions || !c->throttle)
            r = -ENOMEM;
    }
    if (r == 0) {
        char pw[33];
        unsigned char raw[24];
        randombytes_buf(raw, sizeof(raw));
        sodium_bin2base64(pw, sizeof(pw), raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
        if (crypto_pwhash_str(c->dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            r = -ENOMEM;
    }
    pthread_mutex_init(&c->cdr_lock, NULL);
    pthread_cond_init(&c->cdr_cond, NULL);
    mamori_cdr_options_default(&c->job.opts);
    if (r == 0 && (r = load_console_policy(c)) < 0)
        fprintf(stderr, "mamorid: %s\n", _("the console cannot load the policy"));
    mc->lgwan_cls = (struct face_cls){c, 'l'};
    mc->internet_cls = (struct face_cls){c, 'i'};
    if (r == 0 && conf->lgwan)
        r = start_face(mc, conf->lgwan, &mc->lgwan_cls, &c->lgwan);
    if (r == 0 && conf->upload)
        r = start_face(mc, conf->upload, &mc->internet_cls, &c->internet);
    if (r < 0) {
        mamori_console_stop(mc);
        return r;
    }
    *ret = mc;
    return 0;
}

int
mamori_console_reload(struct mamori_console *mc)
{
    return mc ? load_console_policy(&mc->c) : 0;
}

void
mamori_console_stop(struct mamori_console *mc)
{
    if (!mc)
        return;
    struct console *c = &mc->c;
    if (c->lgwan)
        MHD_stop_daemon(c->lgwan);
    if (c->internet)
        MHD_stop_daemon(c->internet);
    for (size_t i = 0; i < CDR_SLOTS; i++)
        mamori_worker_pool_free(c->cdr[i].pool);
    pthread_mutex_destroy(&c->cdr_lock);
    pthread_cond_destroy(&c->cdr_cond);
    mamori_sessions_free(c->sessions);
    mamori_throttle_free(c->throttle);
    mamori_policy_free(c->policy);
    pthread_rwlock_destroy(&c->policy_lock);
    pthread_mutex_destroy(&c->verify_lock);
    free(c->clamd);
    free(c->mail_relay);
    if (mc->key)
        sodium_memzero(mc->key, strlen(mc->key));
    free(mc->key);
    free(mc->cert);
    free(mc);
}
