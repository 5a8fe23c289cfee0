/*
 * The release of kept originals: request, decide, scan, hand over (mamori/release.h).
 * Every step is a state change of the request and its audit record in one transaction;
 * refusals are recorded too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "mamori/auditlog.h"
#include "mamori/mail.h"
#include "mamori/quarantine.h"
#include "mamori/release.h"
#include "mamori/scan.h"
#include "mamori/smtp.h"

/* Records one step of a request, in the caller's transaction when in_tx. */
static int
record_step(struct mamori_instance *inst, const char *actor, const char *action, int64_t req,
            const char *original, const char *decision, const char *note, bool in_tx)
{
    struct mamori_buf d;
    struct mamori_json j;
    mamori_buf_init(&d, 1 << 16);
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_int(&j, "request", req);
    mamori_json_kv_string(&j, "original", original);
    if (note && *note)
        mamori_json_kv_string(&j, "note", note);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    char object[32];
    snprintf(object, sizeof(object), "request:%lld", (long long)req);
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = actor,
                                .action = action,
                                .object = object,
                                .decision = decision,
                                .clause = "6(3)②",
                                .details = d.data};
    if (r == 0)
        r = !inst->log ? -EACCES
            : in_tx    ? mamori_log_append_in(inst->log, &rec, 1, NULL)
                       : mamori_log_append(inst->log, &rec, 1, NULL);
    mamori_buf_done(&d);
    return r;
}

/* Moves a request from its state to another and records it, in one transaction. */
static int
transition(struct mamori_instance *inst, const struct mamori_store_request *q, const char *to,
           const char *actor, const char *action, const char *note)
{
    int r = inst->log ? mamori_store_begin(inst->store) : -EACCES;
    if (r < 0)
        return r;
    r = mamori_store_request_set_state(inst->store, q->id, q->state, to, actor, note,
                                       mamori_now_us());
    if (r == 0)
        r = record_step(inst, actor, action, q->id, q->original, to, note, true);
    if (r == 0)
        r = mamori_store_commit(inst->store);
    if (r < 0)
        mamori_store_rollback(inst->store);
    return r;
}

bool
mamori_release_is_recipient(const char *recipients, const char *mail)
{
    size_t n = strlen(mail);
    if (!n)
        return false;
    for (const char *p = recipients; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncasecmp(p, mail, n) == 0)
            return true;
        p += len + (comma != NULL);
    }
    return false;
}

int
mamori_release_request(struct mamori_instance *inst, const struct mamori_store_person *me,
                       const char *original, const char *reason, int64_t *ret_req,
                       const char **ret_why)
{
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    if (!a)
        return -ENOMEM;
    struct mamori_store_original o;
    int r = mamori_store_original_get(inst->store, original, a, &o);
    if (r == 0 && !mamori_release_is_recipient(o.recipients, me->mail)) {
        record_step(inst, me->id, "quarantine.request", 0, original, "refused", "not-a-recipient",
                    false);
        *ret_why = "not-a-recipient";
        r = MAMORI_E_DENIED;
    }
    int64_t now = mamori_now_us(), req = 0;
    struct mamori_store_request q = {.original = original,
                                     .requester = me->id,
                                     .reason = reason ? reason : "",
                                     .state = "requested",
                                     .created_us = now,
                                     .expires_us = now + (int64_t)MAMORI_RELEASE_REQUEST_DAYS *
                                                             86400 * 1000000};
    if (r == 0)
        r = inst->log ? mamori_store_begin(inst->store) : -EACCES;
    if (r == 0) {
        r = mamori_store_request_insert(inst->store, &q, &req);
        if (r == 0)
            r = record_step(inst, me->id, "quarantine.request", req, original, "requested",
                            q.reason, true);
        if (r == 0)
            r = mamori_store_commit(inst->store);
        if (r < 0)
            mamori_store_rollback(inst->store);
    }
    mamori_arena_free(a);
    if (r == 0)
        *ret_req = req;
    return r;
}

int
mamori_release_may_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                          const struct mamori_store_person *actor,
                          const struct mamori_store_request *q, const char **ret_why)
{
    return mamori_instance_may_approve(inst, p, "quarantine.release", q->requester, actor, ret_why);
}

int
mamori_release_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                      const struct mamori_store_person *actor, int64_t req, bool approve,
                      const char *note, struct mamori_arena *a, struct mamori_store_request *ret_q,
                      const char **ret_why)
{
    int r = mamori_store_request_get(inst->store, req, a, ret_q);
    if (r < 0)
        return r;
    if (strcmp(ret_q->state, "requested") != 0)
        return -EALREADY;
    if (ret_q->expires_us <= mamori_now_us()) {
        transition(inst, ret_q, "expired", "system", "quarantine.expire", "");
        return -ETIMEDOUT;
    }
    r = mamori_release_may_decide(inst, p, actor, ret_q, ret_why);
    if (r == MAMORI_E_DENIED) {
        record_step(inst, actor->id, "quarantine.approve", req, ret_q->original, "refused",
                    *ret_why, false);
        return r;
    }
    if (r < 0)
        return r;
    return transition(inst, ret_q, approve ? "approved" : "denied", actor->id,
                      approve ? "quarantine.approve" : "quarantine.deny",
                      approve ? "" : (note ? note : ""));
}

int
mamori_release_open(struct mamori_instance *inst, const struct mamori_store_person *me, int64_t req,
                    struct mamori_arena *a, struct mamori_store_request *ret_q,
                    struct mamori_store_original *ret_o, char **ret_data, size_t *ret_len,
                    const char **ret_why)
{
    int r = mamori_store_request_get(inst->store, req, a, ret_q);
    if (r < 0)
        return r;
    if (strcmp(ret_q->requester, me->id) != 0) {
        *ret_why = "not-the-requester";
        return MAMORI_E_DENIED;
    }
    if (strcmp(ret_q->state, "approved") != 0)
        return -EALREADY;
    r = mamori_store_original_get(inst->store, ret_q->original, a, ret_o);
    if (r == 0)
        r = mamori_quarantine_get(inst->quarantine_dir, inst->quarantine_key_path, ret_q->original,
                                  ret_o->sealed_key, ret_o->sealed_key_len, ret_data, ret_len);
    return r;
}

int
mamori_release_scan(struct mamori_instance *inst, const char *clamd,
                    const struct mamori_store_person *me, const struct mamori_store_request *q,
                    const char *data, size_t len, char *found, size_t found_len)
{
    enum mamori_scan_verdict v = MAMORI_SCAN_FOUND;
    int r = clamd ? mamori_clamd_scan(clamd, data, len, 60000, &v, found, found_len) : -ENOENT;
    if (r < 0) {
        record_step(inst, me->id, "quarantine.release", q->id, q->original, "tempfail",
                    "scan-unavailable", false);
        return -EAGAIN;
    }
    if (v == MAMORI_SCAN_FOUND) {
        r = transition(inst, q, "refused", me->id, "quarantine.release", found);
        return r < 0 ? r : MAMORI_E_FOUND;
    }
    return 0;
}

int
mamori_release_done(struct mamori_instance *inst, const struct mamori_store_person *me,
                    const struct mamori_store_request *q, const char *note)
{
    return transition(inst, q, "released", me->id, "quarantine.release", note);
}

/* The mail that carries a released original to its recipient: a Japanese-first note and the
 * original as an attachment (base64: the original may hold any bytes). */
static int
compose_release(const struct mamori_store_request *q, const struct mamori_store_original *o,
                const char *from, const char *to, const char *data, size_t len,
                struct mamori_buf *out)
{
    char subject[512];
    snprintf(subject, sizeof(subject), "【原本 / original】%s", o->subject);
    struct mamori_buf subj, body;
    mamori_buf_init(&subj, 4096);
    mamori_buf_init(&body, 8192);
    int r = mamori_rfc2047_encode(subject, strlen(subject), 9, &subj);
    if (r == 0)
        r = mamori_buf_printf(
            &body,
            "申請 %lld により、%s の承認を得て、clamd の検査で問題が見つからなかった原本を"
            "添付ファイル original.eml としてお届けします。\n差出人: %s\n原本: %s\n\n"
            "The original of request %lld, approved by %s and found clean by clamd, is "
            "attached as original.eml.\nSender: %s\nOriginal: %s\n",
            (long long)q->id, q->decided_by, o->sender, o->id, (long long)q->id, q->decided_by,
            o->sender, o->id);
    char date[64];
    time_t now = (time_t)(mamori_now_us() / 1000000);
    struct tm tm;
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&now, &tm));
    if (r == 0)
        r = mamori_buf_printf(
            out,
            "From: mamori <%s>\nTo: <%s>\nSubject: %s\nDate: %s\n"
            "Message-ID: <release.%lld.%lld@mamori>\nMIME-Version: 1.0\n"
            "Auto-Submitted: auto-generated\nX-Mamori-Release: request=%lld "
            "original=%s\nContent-Type: multipart/mixed; boundary=\"mamori-r\"\n\n"
            "--mamori-r\nContent-Type: text/plain; charset=UTF-8\n"
            "Content-Transfer-Encoding: base64\n\n",
            from, to, subj.data, date, (long long)q->id, (long long)mamori_now_us(),
            (long long)q->id, o->id);
    if (r == 0)
        r = mamori_base64_lines(body.data, body.len, out);
    if (r == 0)
        r = mamori_buf_puts(out,
                            "--mamori-r\nContent-Type: application/octet-stream; "
                            "name=\"original.eml\"\nContent-Disposition: attachment; "
                            "filename=\"original.eml\"\nContent-Transfer-Encoding: base64\n\n");
    if (r == 0)
        r = mamori_base64_lines(data, len, out);
    if (r == 0)
        r = mamori_buf_puts(out, "--mamori-r--\n");
    mamori_buf_done(&subj);
    mamori_buf_done(&body);
    return r;
}

int
mamori_release_deliver(struct mamori_instance *inst, const char *relay,
                       const struct mamori_store_person *me, const struct mamori_store_request *q,
                       const struct mamori_store_original *o, const char *data, size_t len,
                       char *err, size_t err_len)
{
    if (!*me->mail || !relay)
        return -EINVAL;
    char host[256] = "localhost", from[300];
    gethostname(host, sizeof(host) - 1);
    snprintf(from, sizeof(from), "mamori-noreply@%s", host);
    struct mamori_buf msg;
    mamori_buf_init(&msg, len * 2 + (1 << 16));
    int r = compose_release(q, o, from, me->mail, data, len, &msg);
    if (r == 0) {
        r = mamori_smtp_send(relay, host, from, me->mail, msg.data, msg.len, 60000, err, err_len);
        if (r < 0) {
            record_step(inst, me->id, "quarantine.release", q->id, q->original, "tempfail",
                        "delivery-failed", false);
            r = -EAGAIN;
        } else {
            r = transition(inst, q, "released", me->id, "quarantine.release", "clean; mailed");
        }
    }
    mamori_buf_done(&msg);
    return r;
}
