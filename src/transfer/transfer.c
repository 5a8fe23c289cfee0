/*
 * ファイル無害化転送 (mamori/transfer.h): keep, decide, download; each step with its audit
 * record in one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/quarantine.h"
#include "mamori/transfer.h"

static int
record(struct mamori_instance *inst, const char *actor, const char *action, int64_t id,
       const char *decision, const char *details, bool in_tx)
{
    char object[32];
    snprintf(object, sizeof(object), "transfer:%lld", (long long)id);
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = actor,
                                .action = action,
                                .object = object,
                                .decision = decision,
                                .clause = "6(3)②",
                                .details = details ? details : "{}"};
    if (!inst->log)
        return -EACCES;
    return in_tx ? mamori_log_append_in(inst->log, &rec, 1, NULL)
                 : mamori_log_append(inst->log, &rec, 1, NULL);
}

/* Puts one file into the quarantine and its row (kind "file" or "file-sanitized"). */
static int
keep_file(struct mamori_instance *inst, const struct mamori_policy *p, const char *kind,
          const char *uploader, const char *name, const char *verdict, const void *data, size_t len,
          char id[MAMORI_ORIGINAL_ID_LEN])
{
    uint8_t h[32], sealed[MAMORI_SEALED_KEY_LEN];
    mamori_sha256(data, len, h);
    mamori_original_id(h, id);
    /* Kept already (the same bytes uploaded again): its file and key stay as they are. */
    struct mamori_arena *a = mamori_arena_new(1 << 14);
    struct mamori_store_original have;
    int r = a ? mamori_store_original_get(inst->store, id, a, &have) : -ENOMEM;
    mamori_arena_free(a);
    if (r == 0)
        return 0;
    if (r != -ENOENT)
        return r;
    r = mamori_quarantine_put(inst->quarantine_dir, inst->quarantine_key_path, id, data, len,
                              sealed);
    if (r < 0)
        return r;
    int64_t now = mamori_now_us(), days = p->retention.originals_days;
    struct mamori_store_original o = {
        .id = id,
        .kind = kind,
        .size = (int64_t)len,
        .sealed_key = sealed,
        .sealed_key_len = sizeof(sealed),
        .created_us = now,
        .expires_us = now + (days > 0 ? days : 90) * 86400 * (int64_t)1000000,
        .queue_id = "transfer",
        .sender = uploader,
        .recipients = "", /* not mail: no one's mail list */
        .message_id = "",
        .subject = name,
        .verdict = verdict,
    };
    r = mamori_store_original_put(inst->store, &o);
    return r > 0 ? 0 : r;
}

int
mamori_transfer_keep(struct mamori_instance *inst, const struct mamori_policy *p,
                     const struct mamori_store_person *uploader,
                     const struct mamori_transfer_upload *u, int64_t *ret_id,
                     const char **ret_state)
{
    if (!inst->log)
        return -EACCES;
    const char *verdict = mamori_cdr_verdict_id(u->verdict);
    const char *state = u->verdict == MAMORI_CDR_BLOCKED                 ? "blocked"
                        : p->sanitize.transfer == MAMORI_TRANSFER_DIRECT ? "approved"
                                                                         : "waiting";
    char orig[MAMORI_ORIGINAL_ID_LEN], clean[MAMORI_ORIGINAL_ID_LEN] = "";
    int r = mamori_store_begin(inst->store);
    if (r < 0)
        return r;
    r = keep_file(inst, p, "file", uploader->id, u->name, verdict, u->data, u->len, orig);
    if (r == 0 && u->verdict != MAMORI_CDR_BLOCKED)
        r = keep_file(inst, p, "file-sanitized", uploader->id, u->out_name, verdict, u->out,
                      u->out_len, clean);
    int64_t id = 0;
    struct mamori_store_transfer t = {.uploader = uploader->id,
                                      .name = u->name,
                                      .out_name = u->out_name ? u->out_name : "",
                                      .size = (int64_t)u->len,
                                      .out_size = (int64_t)u->out_len,
                                      .original = orig,
                                      .sanitized = clean,
                                      .verdict = verdict,
                                      .report = u->report,
                                      .state = state,
                                      .created_us = mamori_now_us()};
    if (r == 0)
        r = mamori_store_transfer_insert(inst->store, &t, &id);
    if (r == 0)
        r = record(inst, uploader->id, "file.upload", id, state, u->report, true);
    if (r == 0)
        r = mamori_store_commit(inst->store);
    if (r < 0) {
        mamori_store_rollback(inst->store);
        return r;
    }
    *ret_id = id;
    *ret_state = state;
    return 0;
}

int
mamori_transfer_may_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                           const struct mamori_store_person *actor,
                           const struct mamori_store_transfer *t, const char **ret_why)
{
    return mamori_instance_may_approve(inst, p, "file.release", t->uploader, actor, ret_why);
}

int
mamori_transfer_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                       const struct mamori_store_person *actor, int64_t id, bool approve,
                       const char *note, struct mamori_arena *a, struct mamori_store_transfer *t,
                       const char **ret_why)
{
    int r = mamori_store_transfer_get(inst->store, id, a, t);
    if (r < 0)
        return r;
    if (strcmp(t->state, "waiting") != 0)
        return -EALREADY;
    r = mamori_transfer_may_decide(inst, p, actor, t, ret_why);
    if (r == MAMORI_E_DENIED) {
        char d[128];
        snprintf(d, sizeof(d), "{\"reason\":\"%s\"}", *ret_why);
        record(inst, actor->id, "file.approve", id, "refused", d, false);
        return r;
    }
    if (r < 0)
        return r;
    const char *to = approve ? "approved" : "denied";
    if ((r = mamori_store_begin(inst->store)) < 0)
        return r;
    r = mamori_store_transfer_set_state(inst->store, id, "waiting", to, actor->id, note ? note : "",
                                        mamori_now_us());
    if (r == 0)
        r = record(inst, actor->id, approve ? "file.approve" : "file.deny", id, to, NULL, true);
    if (r == 0)
        r = mamori_store_commit(inst->store);
    if (r < 0)
        mamori_store_rollback(inst->store);
    return r;
}

int
mamori_transfer_download(struct mamori_instance *inst, const struct mamori_store_person *me,
                         int64_t id, struct mamori_arena *a, struct mamori_store_transfer *t,
                         char **ret_data, size_t *ret_len, const char **ret_why)
{
    int r = mamori_store_transfer_get(inst->store, id, a, t);
    if (r < 0)
        return r;
    if (strcmp(t->uploader, me->id) != 0) {
        *ret_why = "not-the-uploader";
        record(inst, me->id, "file.download", id, "refused", "{\"reason\":\"not-the-uploader\"}",
               false);
        return MAMORI_E_DENIED;
    }
    if (strcmp(t->state, "approved") != 0 && strcmp(t->state, "downloaded") != 0)
        return -EALREADY;
    struct mamori_store_original o;
    r = mamori_store_original_get(inst->store, t->sanitized, a, &o);
    char *data = NULL;
    size_t len = 0;
    if (r == 0)
        r = mamori_quarantine_get(inst->quarantine_dir, inst->quarantine_key_path, t->sanitized,
                                  o.sealed_key, o.sealed_key_len, &data, &len);
    if (r < 0)
        return r;
    if ((r = mamori_store_begin(inst->store)) == 0) {
        if (strcmp(t->state, "approved") == 0)
            r = mamori_store_transfer_set_state(inst->store, id, "approved", "downloaded",
                                                t->decided_by, t->note, t->decided_us);
        if (r == 0)
            r = record(inst, me->id, "file.download", id, "ok", NULL, true);
        if (r == 0)
            r = mamori_store_commit(inst->store);
        if (r < 0)
            mamori_store_rollback(inst->store);
    }
    if (r < 0) {
        free(data);
        return r;
    }
    *ret_data = data;
    *ret_len = len;
    return 0;
}
