/*
 * The operations a store backend implements. store.c dispatches to them; callers never see
 * this table. A new backend (PostgreSQL) fills the same table.
 */
#ifndef MAMORI_STORE_BACKEND_H
#define MAMORI_STORE_BACKEND_H

#include "mamori/store.h"

struct mamori_store_ops {
    const char *name;
    struct mamori_store *(*close)(struct mamori_store *s);
    int (*schema_version)(struct mamori_store *s, int *ret);
    int (*begin)(struct mamori_store *s);
    int (*begin_read)(struct mamori_store *s);
    int (*commit)(struct mamori_store *s);
    int (*rollback)(struct mamori_store *s);
    int (*meta_get)(struct mamori_store *s, const char *key, char **ret);
    int (*meta_set)(struct mamori_store *s, const char *key, const char *value);
    int (*log_state_get)(struct mamori_store *s, struct mamori_store_log_state *ret);
    int (*log_state_put)(struct mamori_store *s, const struct mamori_store_log_state *st);
    int (*log_insert)(struct mamori_store *s, const struct mamori_store_record *rec);
    int (*log_iterate)(struct mamori_store *s, uint64_t from, mamori_store_record_cb cb, void *ctx);
    int (*log_count)(struct mamori_store *s, uint64_t *ret);
    int (*checkpoint_insert)(struct mamori_store *s, const struct mamori_store_checkpoint *cp);
    int (*checkpoint_iterate)(struct mamori_store *s, mamori_store_checkpoint_cb cb, void *ctx);
    int (*original_put)(struct mamori_store *s, const struct mamori_store_original *o);
    int (*original_get)(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                        struct mamori_store_original *ret);
    int (*original_iterate)(struct mamori_store *s, mamori_store_original_cb cb, void *ctx);
    int (*original_delete)(struct mamori_store *s, const char *id);
    int (*original_page)(struct mamori_store *s, const char *mail, int64_t offset, int64_t limit,
                         mamori_store_original_cb cb, void *ctx, int64_t *ret_total);
    int (*transfer_insert)(struct mamori_store *s, const struct mamori_store_transfer *t,
                           int64_t *ret_id);
    int (*transfer_get)(struct mamori_store *s, int64_t id, struct mamori_arena *a,
                        struct mamori_store_transfer *ret);
    int (*transfer_set_state)(struct mamori_store *s, int64_t id, const char *from, const char *to,
                              const char *by, const char *note, int64_t when_us);
    int (*transfer_iterate)(struct mamori_store *s, const char *uploader, const char *state,
                            int64_t limit, mamori_store_transfer_cb cb, void *ctx);
    int (*original_stats)(struct mamori_store *s, int64_t since_us,
                          struct mamori_store_original_stats *ret);
    int (*person_put)(struct mamori_store *s, const struct mamori_store_person *p);
    int (*person_get)(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                      struct mamori_store_person *ret);
    int (*person_iterate)(struct mamori_store *s, mamori_store_person_cb cb, void *ctx);
    int (*person_set_disabled)(struct mamori_store *s, const char *id, bool disabled);
    int (*person_update)(struct mamori_store *s, const char *id, const char *role, const char *unit,
                         const char *password_hash);
    int (*person_set_totp)(struct mamori_store *s, const char *id, const uint8_t *sealed,
                           size_t len);
    int (*person_note_login)(struct mamori_store *s, const char *id, bool ok, int64_t now_us,
                             const char *from, int64_t lock_after, int64_t locked_until_us);
    int (*person_set_must_change)(struct mamori_store *s, const char *id, bool must);
    int (*person_unlock)(struct mamori_store *s, const char *id);
    int (*request_insert)(struct mamori_store *s, const struct mamori_store_request *r,
                          int64_t *ret_id);
    int (*request_get)(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                       struct mamori_store_request *ret);
    int (*request_set_state)(struct mamori_store *s, int64_t id, const char *from, const char *to,
                             const char *by, const char *note, int64_t when_us);
    int (*request_iterate)(struct mamori_store *s, mamori_store_request_cb cb, void *ctx);
    int (*deny_add)(struct mamori_store *s, const struct mamori_store_deny *d);
    int (*device_put)(struct mamori_store *s, const struct mamori_store_device *d);
    int (*device_iterate)(struct mamori_store *s, mamori_store_device_cb cb, void *ctx);
    int (*deny_iterate)(struct mamori_store *s, mamori_store_deny_cb cb, void *ctx);
    int (*asset_put)(struct mamori_store *s, const struct mamori_store_asset *a, bool insert);
    int (*asset_get)(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                     struct mamori_store_asset *ret);
    int (*asset_query)(struct mamori_store *s, const struct mamori_store_asset_filter *f,
                       int64_t offset, int64_t limit, mamori_store_asset_cb cb, void *ctx,
                       int64_t *ret_total);
    int (*asset_class_add)(struct mamori_store *s, const struct mamori_store_asset_class *c);
    int (*asset_class_iterate)(struct mamori_store *s, const char *asset,
                               mamori_store_asset_class_cb cb, void *ctx);
    int (*asset_event_insert)(struct mamori_store *s, const struct mamori_store_asset_event *e,
                              int64_t *ret_id);
    int (*asset_event_get)(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                           struct mamori_store_asset_event *ret);
    int (*asset_event_set_state)(struct mamori_store *s, int64_t id, const char *from,
                                 const char *to, const char *by, const char *note, int64_t when_us);
    int (*asset_event_iterate)(struct mamori_store *s, const char *asset, const char *state,
                               mamori_store_asset_event_cb cb, void *ctx);
    int (*risk_put)(struct mamori_store *s, const struct mamori_store_risk *r, int64_t *ret_id);
    int (*risk_get)(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                    struct mamori_store_risk *ret);
    int (*risk_iterate)(struct mamori_store *s, const char *asset, mamori_store_risk_cb cb,
                        void *ctx);
    int (*gov_put)(struct mamori_store *s, const struct mamori_store_gov *g, bool insert);
    int (*gov_get)(struct mamori_store *s, const char *kind, const char *id,
                   struct mamori_arena *arena, struct mamori_store_gov *ret);
    int (*gov_iterate)(struct mamori_store *s, const char *kind, const char *state,
                       mamori_store_gov_cb cb, void *ctx);
    int (*gov_last_number)(struct mamori_store *s, const char *kind, const char *prefix,
                           int64_t *ret);
    int (*gov_step_add)(struct mamori_store *s, const struct mamori_store_gov_step *st);
    int (*gov_step_iterate)(struct mamori_store *s, const char *kind, const char *id,
                            mamori_store_gov_step_cb cb, void *ctx);
    int (*role_iterate)(struct mamori_store *s, const struct mamori_store_role_query *q,
                        mamori_store_role_cb cb, void *ctx);
    int (*role_appoint)(struct mamori_store *s, const char *person, const char *role,
                        const char *unit, int64_t at_us, bool dismiss);
};

/* Every backend's handle starts with this. */
struct mamori_store {
    const struct mamori_store_ops *ops;
};

int mamori_store_sqlite_open(const char *path, bool readonly, struct mamori_store **ret);

#endif
