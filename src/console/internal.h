/* The console's server and pages, shared between server.c and pages.c. */
#ifndef MAMORI_CONSOLE_INTERNAL_H
#define MAMORI_CONSOLE_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>

#include "mamori/cdr.h"
#include "mamori/console.h"
#include "mamori/policy.h"
#include "mamori/sandbox.h"

#define FORM_MAX_BYTES          ((size_t)64 * 1024) /* a form body larger than this is refused (413) */
#define PASSWORD_MIN_CHARS      12   /* a new password has at least this many characters */
#define TOTP_TRIES              3    /* wrong codes in one sign-in before it starts over */
#define SESSIONS_MAX            4096 /* concurrent sessions; the least recently used ends */
#define PAGE_ROWS               100  /* rows per page in long lists */
#define CONNECTIONS_MAX         256  /* open connections per face */
#define CONNECTIONS_PER_ADDRESS 64   /* ... of which one address may hold */
#define CONNECTION_IDLE_S       15   /* a connection silent this long is closed */
#define UPLOAD_MAX_FILES        10   /* files in one upload */
#define UPLOAD_MAX_BYTES        ((size_t)64 << 20) /* one uploaded file */
#define CDR_SLOTS               2 /* sandboxed workers sanitizing uploads at once */

struct console {
    struct mamori_instance *inst;
    pthread_mutex_t *lock; /* the daemon's: the store and the audit log */
    pthread_rwlock_t policy_lock;
    struct mamori_policy *policy;
    struct mamori_sessions *sessions;
    struct mamori_throttle *throttle;
    struct MHD_Daemon *lgwan, *internet;
    bool tls;
    char *clamd, *mail_relay;
    /* The last "verify now" (dashboard). */
    pthread_mutex_t verify_lock;
    bool verified, verify_ok;
    int64_t verify_us;
    uint64_t verify_records;
    char verify_message[512];
    /* A hash of a random password: unknown user IDs cost the same work as known ones. */
    char dummy_hash[crypto_pwhash_STRBYTES];
    /* Uploads are sanitized in sandboxed workers (the CDR engine). */
    struct mamori_file_job job;
    struct {
        struct mamori_worker_pool *pool;
        bool busy;
    } cdr[CDR_SLOTS];
    pthread_mutex_t cdr_lock;
    pthread_cond_t cdr_cond;
};

struct upload {
    char *name;
    struct mamori_buf data;
};

/* One request, from its first byte to its response. */
struct req {
    struct console *c;
    struct MHD_Connection *conn;
    char face; /* 'l' LGWAN, 'i' internet */
    const char *method, *url;
    bool post, api;
    struct mamori_buf body;
    bool body_too_big;
    /* multipart/form-data (uploads on the internet face only) */
    struct MHD_PostProcessor *pp;
    struct upload up[UPLOAD_MAX_FILES];
    size_t n_up;
    bool up_refused; /* too many files, or one too large */
    char csrf_field[64], password_field[256];
    struct mamori_arena *a;
    struct mamori_form form;
    const struct mamori_policy *pol; /* read-locked while the request is answered */
    struct mamori_session sess;
    bool signed_in; /* sess holds an ACTIVE session */
    bool ja, wareki;
    char addr[64];
    /* The response. */
    unsigned status;
    struct mamori_buf out;
    const char *ctype;
    const char *location;
    const char *disposition;
    char set_cookie[2][256];
};

/* Translation for this request: Japanese (the catalog) or the English message id. */
const char *console_tr(const struct req *rq, const char *msgid);
#define T(rq, s) console_tr((rq), (s))

/* Dates in JST: "2026-11-29 17:05" or 和暦 "令和8年11月29日 17:05". */
void console_time(const struct req *rq, int64_t us, char *buf, size_t len);

/* Page frame and common pieces (pages.c). */
void page_begin(struct req *rq, struct mamori_html *h, const char *title);
void page_end(struct req *rq, struct mamori_html *h);
void csrf_field(struct req *rq, struct mamori_html *h);
void notice(struct mamori_html *h, const char *cls, const char *text);
/* A whole page with one message (errors, refusals), with status. */
void page_message(struct req *rq, unsigned status, const char *title, const char *text);

/* A request's or event's state for people ("requested" -> 承認待ち), the state itself when
 * unknown. */
const char *console_state_title(struct req *rq, const char *state);

/* Records an event in the audit log under the daemon's lock. */
int console_record(struct req *rq, const char *action, const char *object, const char *decision,
                   const char *clause, const char *details_json);

/* The person signed in (fresh from the store): 0, or -ENOENT / disabled → -EACCES. */
int console_me(struct req *rq, struct mamori_store_person *ret);

/* Routes of the LGWAN face after sign-in (pages.c): true when handled. */
bool pages_route(struct req *rq);
/* Matches "<prefix><number><suffix>" exactly; the number (> 0) in *ret. */
bool console_path_number(const char *u, const char *prefix, const char *suffix, int64_t *ret);
/* The file transfer's pages on both faces (transfer.c): true when handled. */
bool transfer_route(struct req *rq);
/* The transfers waiting for the person's decision, as a section of the approvals page. */
void transfer_approvals(struct req *rq, struct mamori_html *h);
/* The asset register's pages (assets.c): true when handled. */
bool assets_route(struct req *rq);
/* The governance registers' pages (gov.c): true when handled. */
bool gov_route(struct req *rq);
/* Today's reminders that are the person's: list items into h when given, and the counts. */
int gov_due(struct req *rq, const char *person, struct mamori_html *h, size_t *ret_n,
            size_t *ret_overdue);
/* The asset events waiting for the person's decision, as a section of the approvals page. */
void asset_approvals(struct req *rq, struct mamori_html *h);
/* May role see the audit log? */
bool console_role_audits(const char *role);

#endif
