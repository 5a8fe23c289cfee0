/*
 * transfer: ファイル無害化転送 — files carried from the internet zone to the LGWAN zone through
 * the CDR engine (基本方針 6(3)②). The console's internet face takes the upload and has it
 * sanitized in a worker; this module keeps both files encrypted in the quarantine, records the
 * transfer and its audit record in one transaction, and decides who may release and download
 * it: per the policy (sanitize.transfer) straight away, or after approval by the role the
 * approval matrix names for file.release (of the uploader's unit or above, never the
 * uploader). Every step and refusal is in the audit log.
 *
 * Results as in mamori/release.h: MAMORI_E_DENIED with *ret_why ("not-the-uploader",
 * "self-approval", "wrong-role", "outside-unit"), -ENOENT, -EALREADY (not in the state the
 * step needs), -EBUSY (decided meanwhile).
 */
#ifndef MAMORI_TRANSFER_H
#define MAMORI_TRANSFER_H

#include "mamori/cdr.h"
#include "mamori/instance.h"
#include "mamori/policy.h"

struct mamori_transfer_upload {
    const char *name; /* as uploaded */
    const void *data;
    size_t len;
    enum mamori_cdr_verdict verdict;
    const char *report;   /* the CDR report, JSON */
    const char *out_name; /* the sanitized file (NULL when blocked) */
    const void *out;
    size_t out_len;
};

/* Keeps an upload (encrypted originals, rows, file.upload record); *ret_state is "blocked",
 * "waiting" (for approval) or "approved" (policy: direct). */
int mamori_transfer_keep(struct mamori_instance *inst, const struct mamori_policy *p,
                         const struct mamori_store_person *uploader,
                         const struct mamori_transfer_upload *u, int64_t *ret_id,
                         const char **ret_state);
int mamori_transfer_may_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                               const struct mamori_store_person *actor,
                               const struct mamori_store_transfer *t, const char **ret_why);
int mamori_transfer_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                           const struct mamori_store_person *actor, int64_t id, bool approve,
                           const char *note, struct mamori_arena *a,
                           struct mamori_store_transfer *ret_t, const char **ret_why);
/* The sanitized file of an approved transfer of me, decrypted and checked (free *ret_data);
 * records file.download. */
int mamori_transfer_download(struct mamori_instance *inst, const struct mamori_store_person *me,
                             int64_t id, struct mamori_arena *a,
                             struct mamori_store_transfer *ret_t, char **ret_data, size_t *ret_len,
                             const char **ret_why);

#endif
