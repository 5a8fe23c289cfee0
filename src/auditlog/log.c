/*
 * The audit log in the store: appending in transactions, signing checkpoints when due,
 * verifying and exporting.
 *
 * Appends take the store's writer lock (BEGIN IMMEDIATE on SQLite), read the appender state
 * (tree size and compact range), insert the records with their leaf hashes, update the state
 * and, when N records or T seconds have passed since the last checkpoint, sign a new one, all
 * in one transaction. Several processes (the daemon, CLI commands) can therefore append to
 * one log safely, and a crash leaves either all of a batch or none of it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/auditlog.h"

struct mamori_log {
    struct mamori_store *store;
    struct mamori_log_key key;
    uint64_t every;
    int64_t secs_us;
    bool unsigned_records;
};

int
mamori_log_open(struct mamori_store *store, const struct mamori_log_key *key,
                const struct mamori_log_options *opts, struct mamori_log **ret)
{
    struct mamori_log *log = calloc(1, sizeof(*log));
    if (!log)
        return -ENOMEM;
    log->store = store;
    log->key = *key;
    log->every = opts && opts->checkpoint_every ? opts->checkpoint_every : MAMORI_LOG_DEFAULT_EVERY;
    log->secs_us =
        (opts && opts->checkpoint_secs ? opts->checkpoint_secs : MAMORI_LOG_DEFAULT_SECS) * 1000000;
    *ret = log;
    return 0;
}

static void
state_to_range(const struct mamori_store_log_state *st, struct mamori_merkle_range *r)
{
    r->size = st->size;
    r->n = st->n_frontier;
    memcpy(r->hashes, st->frontier, st->n_frontier * MAMORI_HASH_LEN);
}

static void
range_to_state(const struct mamori_merkle_range *r, struct mamori_store_log_state *st)
{
    st->size = r->size;
    st->n_frontier = r->n;
    memcpy(st->frontier, r->hashes, r->n * MAMORI_HASH_LEN);
}

/* Signs the tree in st and stores the checkpoint; inside the caller's transaction. */
static int
sign_locked(struct mamori_log *log, const struct mamori_merkle_range *range,
            struct mamori_store_log_state *st)
{
    struct mamori_checkpoint cp = {.size = range->size};
    memcpy(cp.origin, log->key.name, sizeof(cp.origin));
    mamori_merkle_range_root(range, cp.root);
    struct mamori_buf note;
    mamori_buf_init(&note, MAMORI_CHECKPOINT_MAX);
    int r = mamori_checkpoint_sign(&cp, &log->key, &note);
    if (r == 0) {
        int64_t now = mamori_now_us();
        struct mamori_store_checkpoint row = {
            .size = cp.size, .created_us = now, .note = note.data, .note_len = note.len};
        r = mamori_store_checkpoint_insert(log->store, &row);
        st->last_checkpoint_size = cp.size;
        st->last_checkpoint_us = now;
    }
    mamori_buf_done(&note);
    return r;
}

int
mamori_log_append_in(struct mamori_log *log, struct mamori_record *recs, size_t n,
                     uint64_t *ret_first_seq)
{
    if (!log->key.has_secret)
        return -EPERM;
    struct mamori_buf body;
    mamori_buf_init(&body, MAMORI_RECORD_MAX_BYTES);
    struct mamori_store_log_state st;
    struct mamori_merkle_range range;
    int r = mamori_store_log_state_get(log->store, &st);
    if (r < 0)
        goto fail;
    state_to_range(&st, &range);
    uint64_t first = range.size;
    for (size_t i = 0; i < n; i++) {
        recs[i].seq = range.size;
        mamori_buf_reset(&body);
        r = mamori_record_encode(&recs[i], &body);
        if (r < 0)
            goto fail;
        uint8_t h[MAMORI_HASH_LEN];
        mamori_merkle_leaf_hash(body.data, body.len, h);
        struct mamori_store_record row = {
            .seq = range.size, .leaf_hash = h, .body = body.data, .body_len = body.len};
        r = mamori_store_log_insert(log->store, &row);
        if (r < 0)
            goto fail;
        mamori_merkle_range_append(&range, h);
    }
    range_to_state(&range, &st);
    /* Due after N records, or T seconds after the last checkpoint (the time rule starts
     * with the first checkpoint; before it, closing the log signs). */
    bool due = range.size > st.last_checkpoint_size &&
               (range.size - st.last_checkpoint_size >= log->every ||
                (st.last_checkpoint_us && mamori_now_us() - st.last_checkpoint_us >= log->secs_us));
    if (due) {
        r = sign_locked(log, &range, &st);
        if (r < 0)
            goto fail;
    }
    r = mamori_store_log_state_put(log->store, &st);
    if (r < 0)
        goto fail;
    log->unsigned_records = range.size > st.last_checkpoint_size;
    mamori_buf_done(&body);
    if (ret_first_seq)
        *ret_first_seq = first;
    return 0;
fail:
    mamori_buf_done(&body);
    for (size_t i = 0; i < n; i++)
        recs[i].seq = 0;
    return r;
}

int
mamori_log_append(struct mamori_log *log, struct mamori_record *recs, size_t n,
                  uint64_t *ret_first_seq)
{
    if (!log->key.has_secret)
        return -EPERM;
    int r = mamori_store_begin(log->store);
    if (r < 0)
        return r;
    r = mamori_log_append_in(log, recs, n, ret_first_seq);
    if (r == 0)
        r = mamori_store_commit(log->store);
    if (r < 0) {
        mamori_store_rollback(log->store);
        for (size_t i = 0; i < n; i++)
            recs[i].seq = 0;
    }
    return r;
}

int
mamori_log_checkpoint(struct mamori_log *log)
{
    if (!log->key.has_secret)
        return -EPERM;
    int r = mamori_store_begin(log->store);
    if (r < 0)
        return r;
    struct mamori_store_log_state st;
    struct mamori_merkle_range range;
    r = mamori_store_log_state_get(log->store, &st);
    if (r == 0) {
        state_to_range(&st, &range);
        r = sign_locked(log, &range, &st);
    }
    if (r == 0)
        r = mamori_store_log_state_put(log->store, &st);
    if (r == 0)
        r = mamori_store_commit(log->store);
    if (r < 0)
        mamori_store_rollback(log->store);
    else
        log->unsigned_records = false;
    return r;
}

int
mamori_log_close(struct mamori_log *log)
{
    if (!log)
        return 0;
    int r = 0;
    if (log->unsigned_records)
        r = mamori_log_checkpoint(log);
    mamori_log_key_done(&log->key);
    free(log);
    return r;
}

/* ---- verification and export ------------------------------------------------------------ */

static int
feed_checkpoint(void *ctx, const struct mamori_store_checkpoint *cp)
{
    return mamori_verifier_add_checkpoint(ctx, cp->note, cp->note_len);
}

static int
feed_record(void *ctx, const struct mamori_store_record *rec)
{
    return mamori_verifier_add_record(ctx, rec->seq, rec->body, rec->body_len, rec->leaf_hash);
}

int
mamori_log_verify(struct mamori_store *store, const struct mamori_log_key *key, const char *witness,
                  size_t witness_len, struct mamori_verify_result *ret)
{
    struct mamori_verifier *v;
    int r = mamori_verifier_new(key, NULL, &v);
    if (r < 0)
        return r;
    /* One snapshot: appends committed meanwhile by others are not half seen. */
    r = mamori_store_begin_read(store);
    if (r == 0 && witness)
        r = mamori_verifier_add_witness(v, witness, witness_len);
    if (r == 0)
        r = mamori_store_checkpoint_iterate(store, feed_checkpoint, v);
    if (r == 0)
        r = mamori_store_log_iterate(store, 0, feed_record, v);
    /* The appender's state must describe the same tree, or the next append would build on
     * a forged frontier. */
    struct mamori_store_log_state st = {0};
    if (r == 0) {
        r = mamori_store_log_state_get(store, &st);
        if (r == MAMORI_E_TAMPERED) {
            st.size = UINT64_MAX;
            r = 0;
        }
    }
    mamori_store_rollback(store);
    if (r < 0) {
        mamori_verifier_free(v);
        return r;
    }
    mamori_verifier_finish(v, ret);
    mamori_verifier_free(v);
    if (ret->ok) {
        struct mamori_merkle_range range;
        uint8_t root[MAMORI_HASH_LEN] = {0};
        range.size = st.size;
        range.n = st.n_frontier;
        memcpy(range.hashes, st.frontier, st.n_frontier * MAMORI_HASH_LEN);
        if (st.size != UINT64_MAX)
            mamori_merkle_range_root(&range, root);
        if (st.size != ret->n_records || memcmp(root, ret->root, MAMORI_HASH_LEN) != 0) {
            ret->ok = false;
            ret->first_bad = (int64_t)(st.size < ret->n_records ? st.size : ret->n_records);
            snprintf(ret->message, sizeof(ret->message),
                     _("the appender state (size %llu) does not match the %llu records"),
                     (unsigned long long)st.size, (unsigned long long)ret->n_records);
        }
    }
    return 0;
}

struct export_verify {
    struct mamori_verifier *v;
    const struct mamori_log_key *key;
    bool have_key, seen_record;
    char bad[256];
};

static int
export_item(void *ctx, const struct mamori_export_item *item)
{
    struct export_verify *ev = ctx;
    switch (item->type) {
    case 'K': {
        struct mamori_log_key k;
        if (ev->have_key || mamori_log_key_parse_verifier(item->data, item->len, &k) < 0 ||
            strcmp(k.name, ev->key->name) != 0 || memcmp(k.id, ev->key->id, 4) != 0 ||
            memcmp(k.public_key, ev->key->public_key, 32) != 0) {
            snprintf(ev->bad, sizeof(ev->bad), "%s", _("the export's key is not the trusted key"));
            return MAMORI_E_SIGNATURE;
        }
        ev->have_key = true;
        return 0;
    }
    case 'C':
        if (!ev->have_key || ev->seen_record)
            return MAMORI_E_SYNTAX;
        return mamori_verifier_add_checkpoint(ev->v, item->data, item->len);
    case 'R':
        if (!ev->have_key)
            return MAMORI_E_SYNTAX;
        ev->seen_record = true;
        return mamori_verifier_add_record(ev->v, item->seq, item->data, item->len, item->leaf_hash);
    default:
        return MAMORI_E_SYNTAX;
    }
}

int
mamori_log_verify_export(const char *data, size_t len, const struct mamori_log_key *key,
                         const char *witness, size_t witness_len, struct mamori_verify_result *ret)
{
    struct export_verify ev = {.key = key};
    int r = mamori_verifier_new(key, NULL, &ev.v);
    if (r < 0)
        return r;
    if (witness)
        mamori_verifier_add_witness(ev.v, witness, witness_len);
    r = mamori_export_parse(data, len, export_item, &ev);
    if (r == -ENOMEM) {
        mamori_verifier_free(ev.v);
        return r;
    }
    mamori_verifier_finish(ev.v, ret);
    mamori_verifier_free(ev.v);
    if (r < 0) {
        ret->ok = false;
        if (ev.bad[0])
            snprintf(ret->message, sizeof(ret->message), "%s", ev.bad);
        else
            snprintf(ret->message, sizeof(ret->message),
                     _("the export file is damaged or cut short after %llu records"),
                     (unsigned long long)ret->n_records);
        if (ret->first_bad < 0)
            ret->first_bad = (int64_t)ret->n_records;
    }
    return 0;
}

struct export_ctx {
    struct mamori_buf *out;
};

static int
export_checkpoint(void *ctx, const struct mamori_store_checkpoint *cp)
{
    struct export_ctx *e = ctx;
    struct mamori_export_item it = {.type = 'C', .data = cp->note, .len = cp->note_len};
    return mamori_export_put(e->out, &it);
}

static int
export_record(void *ctx, const struct mamori_store_record *rec)
{
    struct export_ctx *e = ctx;
    struct mamori_export_item it = {.type = 'R',
                                    .seq = rec->seq,
                                    .leaf_hash = rec->leaf_hash,
                                    .data = rec->body,
                                    .len = rec->body_len};
    return mamori_export_put(e->out, &it);
}

int
mamori_log_export(struct mamori_store *store, const struct mamori_log_key *key,
                  struct mamori_buf *out)
{
    struct mamori_buf kb;
    mamori_buf_init(&kb, 512);
    int r = mamori_log_key_format_verifier(key, &kb);
    if (r == 0)
        r = mamori_export_header(out);
    if (r == 0) {
        struct mamori_export_item it = {.type = 'K', .data = kb.data, .len = kb.len - 1};
        r = mamori_export_put(out, &it);
    }
    mamori_buf_done(&kb);
    struct export_ctx e = {out};
    /* One read transaction, so the checkpoints and records are of one moment. */
    if (r == 0)
        r = mamori_store_begin_read(store);
    if (r < 0)
        return r;
    r = mamori_store_checkpoint_iterate(store, export_checkpoint, &e);
    if (r == 0)
        r = mamori_store_log_iterate(store, 0, export_record, &e);
    mamori_store_rollback(store);
    if (r == 0)
        r = mamori_export_end(out);
    return r;
}

struct hashes_ctx {
    uint8_t (*h)[MAMORI_HASH_LEN];
    uint64_t n, cap;
};

static int
collect_hash(void *ctx, const struct mamori_store_record *rec)
{
    struct hashes_ctx *c = ctx;
    if (rec->seq != c->n)
        return MAMORI_E_TAMPERED;
    if (c->n == c->cap) {
        uint64_t cap = c->cap ? c->cap * 2 : 1024;
        void *p = realloc(c->h, cap * MAMORI_HASH_LEN);
        if (!p)
            return -ENOMEM;
        c->h = p;
        c->cap = cap;
    }
    /* Recomputed, not read: a proof is only as good as the records it is built from. */
    mamori_merkle_leaf_hash(rec->body, rec->body_len, c->h[c->n++]);
    return 0;
}

int
mamori_log_leaf_hashes(struct mamori_store *store, uint64_t *ret_n,
                       uint8_t (**ret_hashes)[MAMORI_HASH_LEN])
{
    struct hashes_ctx c = {0};
    int r = mamori_store_log_iterate(store, 0, collect_hash, &c);
    if (r < 0) {
        free(c.h);
        return r;
    }
    *ret_n = c.n;
    *ret_hashes = c.h;
    return 0;
}
