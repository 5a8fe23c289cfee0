/*
 * Store front: picks the backend from the URI and forwards each operation to it.
 */
#include <errno.h>
#include <string.h>

#include "backend.h"

int
mamori_store_open(const char *uri, bool readonly, struct mamori_store **ret)
{
    if (strncmp(uri, "sqlite:", 7) == 0)
        return mamori_store_sqlite_open(uri + 7, readonly, ret);
    if (strncmp(uri, "postgresql:", 11) == 0 || strncmp(uri, "postgres:", 9) == 0)
        return -EPROTONOSUPPORT; /* the PostgreSQL backend is not built yet */
    return mamori_store_sqlite_open(uri, readonly, ret);
}

struct mamori_store *
mamori_store_close(struct mamori_store *s)
{
    if (s)
        s->ops->close(s);
    return NULL;
}

const char *
mamori_store_backend(const struct mamori_store *s)
{
    return s->ops->name;
}

int
mamori_store_schema_version(struct mamori_store *s, int *ret)
{
    return s->ops->schema_version(s, ret);
}

int
mamori_store_begin(struct mamori_store *s)
{
    return s->ops->begin(s);
}

int
mamori_store_begin_read(struct mamori_store *s)
{
    return s->ops->begin_read(s);
}

int
mamori_store_commit(struct mamori_store *s)
{
    return s->ops->commit(s);
}

int
mamori_store_rollback(struct mamori_store *s)
{
    return s->ops->rollback(s);
}

int
mamori_store_meta_get(struct mamori_store *s, const char *key, char **ret_value)
{
    return s->ops->meta_get(s, key, ret_value);
}

int
mamori_store_meta_set(struct mamori_store *s, const char *key, const char *value)
{
    return s->ops->meta_set(s, key, value);
}

int
mamori_store_log_state_get(struct mamori_store *s, struct mamori_store_log_state *ret)
{
    return s->ops->log_state_get(s, ret);
}

int
mamori_store_log_state_put(struct mamori_store *s, const struct mamori_store_log_state *st)
{
    return s->ops->log_state_put(s, st);
}

int
mamori_store_log_insert(struct mamori_store *s, const struct mamori_store_record *rec)
{
    return s->ops->log_insert(s, rec);
}

int
mamori_store_log_iterate(struct mamori_store *s, uint64_t from, mamori_store_record_cb cb,
                         void *ctx)
{
    return s->ops->log_iterate(s, from, cb, ctx);
}

int
mamori_store_log_count(struct mamori_store *s, uint64_t *ret)
{
    return s->ops->log_count(s, ret);
}

int
mamori_store_checkpoint_insert(struct mamori_store *s, const struct mamori_store_checkpoint *cp)
{
    return s->ops->checkpoint_insert(s, cp);
}

int
mamori_store_checkpoint_iterate(struct mamori_store *s, mamori_store_checkpoint_cb cb, void *ctx)
{
    return s->ops->checkpoint_iterate(s, cb, ctx);
}

int
mamori_store_original_put(struct mamori_store *s, const struct mamori_store_original *o)
{
    return s->ops->original_put(s, o);
}

int
mamori_store_original_get(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                          struct mamori_store_original *ret)
{
    return s->ops->original_get(s, id, arena, ret);
}

int
mamori_store_original_iterate(struct mamori_store *s, mamori_store_original_cb cb, void *ctx)
{
    return s->ops->original_iterate(s, cb, ctx);
}

int
mamori_store_original_delete(struct mamori_store *s, const char *id)
{
    return s->ops->original_delete(s, id);
}

int
mamori_store_person_put(struct mamori_store *s, const struct mamori_store_person *p)
{
    return s->ops->person_put(s, p);
}

int
mamori_store_person_get(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                        struct mamori_store_person *ret)
{
    return s->ops->person_get(s, id, arena, ret);
}

int
mamori_store_person_iterate(struct mamori_store *s, mamori_store_person_cb cb, void *ctx)
{
    return s->ops->person_iterate(s, cb, ctx);
}

int
mamori_store_person_set_disabled(struct mamori_store *s, const char *id, bool disabled)
{
    return s->ops->person_set_disabled(s, id, disabled);
}

int
mamori_store_request_insert(struct mamori_store *s, const struct mamori_store_request *r,
                            int64_t *ret_id)
{
    return s->ops->request_insert(s, r, ret_id);
}

int
mamori_store_request_get(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                         struct mamori_store_request *ret)
{
    return s->ops->request_get(s, id, arena, ret);
}

int
mamori_store_request_set_state(struct mamori_store *s, int64_t id, const char *from, const char *to,
                               const char *by, const char *note, int64_t when_us)
{
    return s->ops->request_set_state(s, id, from, to, by, note, when_us);
}

int
mamori_store_request_iterate(struct mamori_store *s, mamori_store_request_cb cb, void *ctx)
{
    return s->ops->request_iterate(s, cb, ctx);
}

int
mamori_store_deny_add(struct mamori_store *s, const struct mamori_store_deny *d)
{
    return s->ops->deny_add(s, d);
}

int
mamori_store_deny_iterate(struct mamori_store *s, mamori_store_deny_cb cb, void *ctx)
{
    return s->ops->deny_iterate(s, cb, ctx);
}

int
mamori_store_person_set_totp(struct mamori_store *s, const char *id, const uint8_t *sealed,
                             size_t len)
{
    return s->ops->person_set_totp(s, id, sealed, len);
}

int
mamori_store_original_page(struct mamori_store *s, const char *mail, int64_t offset, int64_t limit,
                           mamori_store_original_cb cb, void *ctx, int64_t *ret_total)
{
    return s->ops->original_page(s, mail, offset, limit, cb, ctx, ret_total);
}

int
mamori_store_transfer_insert(struct mamori_store *s, const struct mamori_store_transfer *t,
                             int64_t *ret_id)
{
    return s->ops->transfer_insert(s, t, ret_id);
}

int
mamori_store_transfer_get(struct mamori_store *s, int64_t id, struct mamori_arena *a,
                          struct mamori_store_transfer *ret)
{
    return s->ops->transfer_get(s, id, a, ret);
}

int
mamori_store_transfer_set_state(struct mamori_store *s, int64_t id, const char *from,
                                const char *to, const char *by, const char *note, int64_t when_us)
{
    return s->ops->transfer_set_state(s, id, from, to, by, note, when_us);
}

int
mamori_store_transfer_iterate(struct mamori_store *s, const char *uploader, const char *state,
                              int64_t limit, mamori_store_transfer_cb cb, void *ctx)
{
    return s->ops->transfer_iterate(s, uploader, state, limit, cb, ctx);
}

int
mamori_store_original_stats(struct mamori_store *s, int64_t since_us,
                            struct mamori_store_original_stats *ret)
{
    return s->ops->original_stats(s, since_us, ret);
}

int
mamori_store_person_note_login(struct mamori_store *s, const char *id, bool ok, int64_t now_us,
                               const char *from, int64_t lock_after, int64_t locked_until_us)
{
    return s->ops->person_note_login(s, id, ok, now_us, from, lock_after, locked_until_us);
}

int
mamori_store_person_unlock(struct mamori_store *s, const char *id)
{
    return s->ops->person_unlock(s, id);
}

int
mamori_store_person_set_must_change(struct mamori_store *s, const char *id, bool must)
{
    return s->ops->person_set_must_change(s, id, must);
}

int
mamori_store_device_put(struct mamori_store *s, const struct mamori_store_device *d)
{
    return s->ops->device_put(s, d);
}

int
mamori_store_device_iterate(struct mamori_store *s, mamori_store_device_cb cb, void *ctx)
{
    return s->ops->device_iterate(s, cb, ctx);
}

int
mamori_store_person_update(struct mamori_store *s, const char *id, const char *role,
                           const char *unit, const char *password_hash)
{
    return s->ops->person_update(s, id, role, unit, password_hash);
}

int
mamori_store_asset_put(struct mamori_store *s, const struct mamori_store_asset *a, bool insert)
{
    return s->ops->asset_put(s, a, insert);
}

int
mamori_store_asset_get(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                       struct mamori_store_asset *ret)
{
    return s->ops->asset_get(s, id, arena, ret);
}

int
mamori_store_asset_query(struct mamori_store *s, const struct mamori_store_asset_filter *f,
                         int64_t offset, int64_t limit, mamori_store_asset_cb cb, void *ctx,
                         int64_t *ret_total)
{
    return s->ops->asset_query(s, f, offset, limit, cb, ctx, ret_total);
}

int
mamori_store_asset_class_add(struct mamori_store *s, const struct mamori_store_asset_class *c)
{
    return s->ops->asset_class_add(s, c);
}

int
mamori_store_asset_class_iterate(struct mamori_store *s, const char *asset,
                                 mamori_store_asset_class_cb cb, void *ctx)
{
    return s->ops->asset_class_iterate(s, asset, cb, ctx);
}

int
mamori_store_asset_event_insert(struct mamori_store *s, const struct mamori_store_asset_event *e,
                                int64_t *ret_id)
{
    return s->ops->asset_event_insert(s, e, ret_id);
}

int
mamori_store_asset_event_get(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                             struct mamori_store_asset_event *ret)
{
    return s->ops->asset_event_get(s, id, arena, ret);
}

int
mamori_store_asset_event_set_state(struct mamori_store *s, int64_t id, const char *from,
                                   const char *to, const char *by, const char *note,
                                   int64_t when_us)
{
    return s->ops->asset_event_set_state(s, id, from, to, by, note, when_us);
}

int
mamori_store_asset_event_iterate(struct mamori_store *s, const char *asset, const char *state,
                                 mamori_store_asset_event_cb cb, void *ctx)
{
    return s->ops->asset_event_iterate(s, asset, state, cb, ctx);
}

int
mamori_store_risk_put(struct mamori_store *s, const struct mamori_store_risk *r, int64_t *ret_id)
{
    return s->ops->risk_put(s, r, ret_id);
}

int
mamori_store_risk_get(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                      struct mamori_store_risk *ret)
{
    return s->ops->risk_get(s, id, arena, ret);
}

int
mamori_store_risk_iterate(struct mamori_store *s, const char *asset, mamori_store_risk_cb cb,
                          void *ctx)
{
    return s->ops->risk_iterate(s, asset, cb, ctx);
}

int
mamori_store_gov_put(struct mamori_store *s, const struct mamori_store_gov *g, bool insert)
{
    return s->ops->gov_put(s, g, insert);
}

int
mamori_store_gov_get(struct mamori_store *s, const char *kind, const char *id,
                     struct mamori_arena *arena, struct mamori_store_gov *ret)
{
    return s->ops->gov_get(s, kind, id, arena, ret);
}

int
mamori_store_gov_iterate(struct mamori_store *s, const char *kind, const char *state,
                         mamori_store_gov_cb cb, void *ctx)
{
    return s->ops->gov_iterate(s, kind, state, cb, ctx);
}

int
mamori_store_gov_last_number(struct mamori_store *s, const char *kind, const char *prefix,
                             int64_t *ret)
{
    return s->ops->gov_last_number(s, kind, prefix, ret);
}

int
mamori_store_gov_step_add(struct mamori_store *s, const struct mamori_store_gov_step *st)
{
    return s->ops->gov_step_add(s, st);
}

int
mamori_store_gov_step_iterate(struct mamori_store *s, const char *kind, const char *id,
                              mamori_store_gov_step_cb cb, void *ctx)
{
    return s->ops->gov_step_iterate(s, kind, id, cb, ctx);
}

int
mamori_store_role_appoint(struct mamori_store *s, const char *person, const char *role,
                          const char *unit, int64_t at_us)
{
    return s->ops->role_appoint(s, person, role, unit, at_us, false);
}

int
mamori_store_role_dismiss(struct mamori_store *s, const char *person, const char *role,
                          int64_t at_us)
{
    return s->ops->role_appoint(s, person, role, NULL, at_us, true);
}

int
mamori_store_role_iterate(struct mamori_store *s, const struct mamori_store_role_query *q,
                          mamori_store_role_cb cb, void *ctx)
{
    return s->ops->role_iterate(s, q, cb, ctx);
}
