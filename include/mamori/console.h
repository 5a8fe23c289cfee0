/*
 * console: the web console (libmicrohttpd inside mamorid). Two faces, each on its own
 * listener: the LGWAN face (everything: dashboard, quarantine, approvals, audit log) and the
 * internet face (signing in and, with the CDR issue, uploads; nothing else).
 *
 * The parts without I/O are here for tests and fuzzing: HTML written by construction (page
 * text is a string literal; every value goes through the escaping writer), form bodies,
 * sessions with their CSRF tokens and timeouts, and the sign-in throttle. The server itself
 * (mamori_console_start) runs inside mamorid and shares its instance lock.
 */
#ifndef MAMORI_CONSOLE_H
#define MAMORI_CONSOLE_H

#include <pthread.h>

#include "mamori/core.h"
#include "mamori/instance.h"

/* ---- HTML by construction ------------------------------------------------------------- */

struct mamori_html {
    struct mamori_buf *out;
    int err; /* the first error; later writes do nothing */
};

void mamori_html_init(struct mamori_html *h, struct mamori_buf *out);
/* Markup: only a string literal compiles here (the "" lit "" concatenation). */
#define MAMORI_HTML(h, lit) mamori_html_markup_((h), "" lit "", sizeof(lit) - 1)
void mamori_html_markup_(struct mamori_html *h, const char *lit, size_t len);
/* A value as text or attribute content: & < > " ' escaped, control characters (but tab and
 * newline) dropped, bytes that are not UTF-8 shown as U+FFFD, bidi controls shown as
 * visible codes (e.g. "[U+202E]") so a name cannot reorder what is around it. */
void mamori_html_text(struct mamori_html *h, const char *s);
void mamori_html_textn(struct mamori_html *h, const char *s, size_t n);
void mamori_html_int(struct mamori_html *h, int64_t v);
/* A value inside a URL path or query: percent-encoded (unreserved characters kept). */
void mamori_html_url(struct mamori_html *h, const char *s);
int mamori_html_finish(struct mamori_html *h);

/* ---- form bodies (application/x-www-form-urlencoded) ---------------------------------- */

#define MAMORI_FORM_MAX_FIELDS 64

struct mamori_form {
    size_t n;
    const char *name[MAMORI_FORM_MAX_FIELDS];
    const char *value[MAMORI_FORM_MAX_FIELDS];
};

/* Parses a body into fields copied into arena: MAMORI_E_SYNTAX for a bad %-escape, a NUL
 * or bytes that are not UTF-8; MAMORI_E_LIMIT beyond MAMORI_FORM_MAX_FIELDS. */
int mamori_form_parse(const char *body, size_t len, struct mamori_arena *a,
                      struct mamori_form *ret);
/* The first value of name, or NULL. */
const char *mamori_form_get(const struct mamori_form *f, const char *name);

/* ---- sessions --------------------------------------------------------------------------- */

#define MAMORI_SESSION_ID_LEN 43 /* 32 random bytes, base64url without padding */

enum mamori_session_stage {
    MAMORI_SESSION_NEED_TOTP,     /* password right; the second factor next */
    MAMORI_SESSION_NEED_PASSWORD, /* signed in; must change the password first */
    MAMORI_SESSION_ACTIVE,
};

struct mamori_session {
    char id[MAMORI_SESSION_ID_LEN + 1];
    char csrf[MAMORI_SESSION_ID_LEN + 1];
    char person[64];
    char role[32];
    char unit[64];
    char acting[32]; /* a role held by appointment the person acts in (governance), or "" */
    char face;       /* 'l' LGWAN, 'i' internet: a session is valid on the face it began on */
    bool privileged;
    enum mamori_session_stage stage;
    int totp_failures;
    int64_t created_us, last_us;
    int64_t idle_us, max_us; /* timeouts */
    int64_t prev_login_us;   /* the sign-in before this one (shown on the dashboard) */
    char prev_from[64];
};

struct mamori_sessions;

struct mamori_sessions *mamori_sessions_new(size_t max);
void mamori_sessions_free(struct mamori_sessions *s);
/* Starts a session from tmpl (person, role, stage, timeouts ...) with a new id and CSRF
 * token; when the table is full the least recently used session ends. */
int mamori_sessions_create(struct mamori_sessions *s, const struct mamori_session *tmpl,
                           int64_t now_us, struct mamori_session *ret);
/* The session of id, used now: -ENOENT when unknown, -ETIMEDOUT when idle or too old (it
 * ends). */
int mamori_sessions_get(struct mamori_sessions *s, const char *id, int64_t now_us,
                        struct mamori_session *ret);
/* Saves a changed session (same id); -ENOENT when it ended meanwhile. */
int mamori_sessions_put(struct mamori_sessions *s, const struct mamori_session *sess);
/* Gives a session a new id and CSRF token (after each step of signing in), the old id ends. */
int mamori_sessions_rotate(struct mamori_sessions *s, const char *id, int64_t now_us,
                           struct mamori_session *ret);
void mamori_sessions_end(struct mamori_sessions *s, const char *id);
/* Ends every session of a person (disabled, role changed, password changed elsewhere). */
void mamori_sessions_end_person(struct mamori_sessions *s, const char *person);
size_t mamori_sessions_count(struct mamori_sessions *s);
/* Is token the session's CSRF token (constant time)? */
bool mamori_session_csrf_ok(const struct mamori_session *sess, const char *token);

/* ---- sign-in throttle (per source address) ---------------------------------------------- */

#define MAMORI_THROTTLE_FAILURES  10  /* failed sign-ins of one address ... */
#define MAMORI_THROTTLE_WINDOW_S  300 /* ... within this many seconds: refused until it ends */
#define MAMORI_THROTTLE_ADDRESSES 1024

struct mamori_throttle;

struct mamori_throttle *mamori_throttle_new(void);
void mamori_throttle_free(struct mamori_throttle *t);
/* May addr try to sign in now? */
bool mamori_throttle_allow(struct mamori_throttle *t, const char *addr, int64_t now_us);
void mamori_throttle_fail(struct mamori_throttle *t, const char *addr, int64_t now_us);

/* ---- the server ------------------------------------------------------------------------- */

struct mamori_console_config {
    const char *lgwan;              /* host:port of the LGWAN face, or NULL */
    const char *upload;             /* host:port of the internet face, or NULL */
    const char *tls_cert, *tls_key; /* PEM files; required for a face not on loopback */
    const char *clamd, *mail_relay;
};

struct mamori_console;

/* Starts the faces configured; lock guards inst (the store and the audit log) and is the
 * daemon's. Errors name the face and the reason on stderr. */
int mamori_console_start(struct mamori_instance *inst, pthread_mutex_t *lock,
                         const struct mamori_console_config *conf, struct mamori_console **ret);
/* Reloads the policy (after SIGHUP); the old one stays on error. */
int mamori_console_reload(struct mamori_console *c);
void mamori_console_stop(struct mamori_console *c);

#endif
