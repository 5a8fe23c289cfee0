/*
 * release: the release of kept originals (quarantine.release), shared by the CLI and the
 * console. A recipient asks for an original; a person of the role the approval matrix names,
 * of the requester's unit or above and never the requester, approves or denies; the requester
 * receives it after clamd found it clean, as a file or a mail as the policy says. Each step
 * and each refusal is in the audit log, the state change and its record in one transaction.
 *
 *     r = mamori_release_request(inst, &me, "sha256:...", "見積書の確認", &req, &why);
 *     r = mamori_release_decide(inst, policy, &boss, req, true, "", arena, &q, &why);
 *     r = mamori_release_open(inst, &me, req, arena, &q, &o, &data, &len, &why);
 *     r = mamori_release_scan(inst, clamd, &me, &q, data, len, found, sizeof(found));
 *     r = mamori_release_deliver(inst, relay, &me, &q, &o, data, len, err, sizeof(err));
 *       or, after handing data over some other way: mamori_release_done(inst, &me, &q, "clean")
 *
 * Refusals return MAMORI_E_DENIED with *ret_why one of: "not-a-recipient", "self-approval",
 * "wrong-role", "outside-unit", "no-approver-for-action", "not-the-requester". Other results:
 * -ENOENT (no such original or request), -EALREADY (the request is not in the state the step
 * needs: its state is in *ret_q), -ETIMEDOUT (expired now; recorded), -EBUSY (decided
 * meanwhile), -EAGAIN (clamd or the MTA unavailable: nothing released; recorded),
 * MAMORI_E_FOUND (clamd found something: refused for good; recorded).
 */
#ifndef MAMORI_RELEASE_H
#define MAMORI_RELEASE_H

#include "mamori/instance.h"
#include "mamori/policy.h"

#define MAMORI_RELEASE_REQUEST_DAYS 7 /* an undecided request expires after a week */

/* True when mail (a person's address) is one of recipients ("a@x,b@y", any case). */
bool mamori_release_is_recipient(const char *recipients, const char *mail);

int mamori_release_request(struct mamori_instance *inst, const struct mamori_store_person *me,
                           const char *original, const char *reason, int64_t *ret_req,
                           const char **ret_why);
/* Whether actor may decide q (no state checks, nothing recorded): 0 or MAMORI_E_DENIED. */
int mamori_release_may_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                              const struct mamori_store_person *actor,
                              const struct mamori_store_request *q, const char **ret_why);
/* Approves or denies request req (note: the denial's reason). *ret_q: the request as found. */
int mamori_release_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                          const struct mamori_store_person *actor, int64_t req, bool approve,
                          const char *note, struct mamori_arena *a,
                          struct mamori_store_request *ret_q, const char **ret_why);
/* Loads an approved request of me and decrypts its original (free *ret_data after
 * explicit_bzero). */
int mamori_release_open(struct mamori_instance *inst, const struct mamori_store_person *me,
                        int64_t req, struct mamori_arena *a, struct mamori_store_request *ret_q,
                        struct mamori_store_original *ret_o, char **ret_data, size_t *ret_len,
                        const char **ret_why);
/* Scans the original with clamd (spec): 0 when clean. */
int mamori_release_scan(struct mamori_instance *inst, const char *clamd,
                        const struct mamori_store_person *me, const struct mamori_store_request *q,
                        const char *data, size_t len, char *found, size_t found_len);
/* Records the hand-over of a clean original (state released; note e.g. "clean; downloaded"). */
int mamori_release_done(struct mamori_instance *inst, const struct mamori_store_person *me,
                        const struct mamori_store_request *q, const char *note);
/* Mails the clean original to me->mail through relay, then records it as released. err gets
 * the MTA's words when it refuses. -EINVAL when me has no mail address. */
int mamori_release_deliver(struct mamori_instance *inst, const char *relay,
                           const struct mamori_store_person *me,
                           const struct mamori_store_request *q,
                           const struct mamori_store_original *o, const char *data, size_t len,
                           char *err, size_t err_len);

#endif
