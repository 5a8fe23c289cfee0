/*
 * The log verifier: recomputes the Merkle tree from the records alone and checks it against
 * every signed checkpoint, naming the first record that is wrong.
 *
 * It is fed the checkpoints first, in the order they were written (each must be signed by the
 * trusted key, carry the log's origin, and not be smaller than the one before: a log never
 * shrinks), then the records in sequence order. Each record must carry its own position (a
 * missing, duplicated or reordered record is caught there), decode as a canonical record,
 * and match its stored hash when one is given. Whenever the record count reaches a
 * checkpoint's size the root is compared.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/auditlog.h"

/* Messages print 64-bit counts with %llu. */
#define U(x) ((unsigned long long)(x))

struct cp_entry {
    uint64_t size;
    uint8_t root[MAMORI_HASH_LEN];
    size_t number; /* 1-based, in writing order; 0 for the witness */
};

struct mamori_verifier {
    struct mamori_log_key key;
    char origin[128];
    struct cp_entry *cps;
    size_t n_cps, cap_cps, next_cp;
    struct cp_entry witness;
    bool has_witness, witness_checked;
    struct mamori_merkle_range range;
    uint64_t verified_size; /* records covered by the last matching checkpoint */
    bool failed;
    int64_t first_bad;
    char message[512];
};

static void fail(struct mamori_verifier *v, int64_t first_bad, const char *fmt, ...)
    MAMORI_PRINTF(3, 4);

static void
fail(struct mamori_verifier *v, int64_t first_bad, const char *fmt, ...)
{
    if (v->failed)
        return;
    v->failed = true;
    v->first_bad = first_bad;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof(v->message), fmt, ap);
    va_end(ap);
}

int
mamori_verifier_new(const struct mamori_log_key *key, const char *origin,
                    struct mamori_verifier **ret)
{
    struct mamori_verifier *v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->key = *key;
    memset(v->key.secret_key, 0, sizeof(v->key.secret_key));
    v->key.has_secret = false;
    snprintf(v->origin, sizeof(v->origin), "%s", origin ? origin : key->name);
    v->first_bad = -1;
    mamori_merkle_range_init(&v->range);
    *ret = v;
    return 0;
}

struct mamori_verifier *
mamori_verifier_free(struct mamori_verifier *v)
{
    if (v) {
        free(v->cps);
        free(v);
    }
    return NULL;
}

static const char *
open_error(int r)
{
    return r == MAMORI_E_SIGNATURE ? _("its signature does not verify with the log's key")
                                   : _("it is not a well-formed signed checkpoint");
}

int
mamori_verifier_add_checkpoint(struct mamori_verifier *v, const char *text, size_t len)
{
    size_t number = v->n_cps + 1;
    if (v->failed)
        return 0;
    struct mamori_checkpoint cp;
    int r = mamori_checkpoint_open(text, len, &v->key, &cp);
    if (r < 0) {
        fail(v, -1, _("checkpoint #%zu is not valid: %s"), number, open_error(r));
        return 0;
    }
    if (strcmp(cp.origin, v->origin) != 0) {
        fail(v, -1, _("checkpoint #%zu belongs to another log (origin %s, expected %s)"), number,
             cp.origin, v->origin);
        return 0;
    }
    if (v->n_cps > 0) {
        const struct cp_entry *prev = &v->cps[v->n_cps - 1];
        if (cp.size < prev->size) {
            fail(v, (int64_t)cp.size, _("checkpoint #%zu goes backwards: size %llu after %llu"),
                 number, U(cp.size), U(prev->size));
            return 0;
        }
        if (cp.size == prev->size && memcmp(cp.root, prev->root, MAMORI_HASH_LEN) != 0) {
            fail(v, -1, _("checkpoints #%zu and #%zu sign different trees of the same size"),
                 number - 1, number);
            return 0;
        }
    }
    if (v->n_cps == v->cap_cps) {
        size_t cap = v->cap_cps ? v->cap_cps * 2 : 64;
        struct cp_entry *p = realloc(v->cps, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        v->cps = p;
        v->cap_cps = cap;
    }
    struct cp_entry *e = &v->cps[v->n_cps++];
    e->size = cp.size;
    memcpy(e->root, cp.root, MAMORI_HASH_LEN);
    e->number = number;
    return 0;
}

int
mamori_verifier_add_witness(struct mamori_verifier *v, const char *text, size_t len)
{
    struct mamori_checkpoint cp;
    int r = mamori_checkpoint_open(text, len, &v->key, &cp);
    if (r < 0) {
        fail(v, -1, _("the witness checkpoint is not valid: %s"), open_error(r));
        return 0;
    }
    if (strcmp(cp.origin, v->origin) != 0) {
        fail(v, -1, _("the witness checkpoint belongs to another log (origin %s)"), cp.origin);
        return 0;
    }
    v->witness.size = cp.size;
    memcpy(v->witness.root, cp.root, MAMORI_HASH_LEN);
    v->has_witness = true;
    return 0;
}

/* Compares every checkpoint whose size the tree has just reached. */
static void
check_due(struct mamori_verifier *v)
{
    uint8_t root[MAMORI_HASH_LEN];
    bool have_root = false;
    uint64_t size = v->range.size;
    while (!v->failed && v->next_cp < v->n_cps && v->cps[v->next_cp].size == size) {
        const struct cp_entry *e = &v->cps[v->next_cp++];
        if (!have_root) {
            mamori_merkle_range_root(&v->range, root);
            have_root = true;
        }
        if (memcmp(root, e->root, MAMORI_HASH_LEN) != 0) {
            uint64_t from = v->verified_size;
            fail(v, (int64_t)from,
                 _("records %llu-%llu do not match signed checkpoint #%zu (size %llu): a record in "
                   "that range was changed"),
                 U(from), U(size ? size - 1 : 0), e->number, U(e->size));
            return;
        }
        v->verified_size = size;
    }
    if (!v->failed && v->has_witness && !v->witness_checked && v->witness.size == size) {
        if (!have_root)
            mamori_merkle_range_root(&v->range, root);
        v->witness_checked = true;
        if (memcmp(root, v->witness.root, MAMORI_HASH_LEN) != 0)
            fail(v, (int64_t)(size ? size - 1 : 0),
                 _("the first %llu records do not match the witness checkpoint: the log was "
                   "rewritten"),
                 U(size));
    }
}

int
mamori_verifier_add_record(struct mamori_verifier *v, uint64_t seq, const void *body, size_t len,
                           const uint8_t *stored_leaf_hash)
{
    if (v->failed)
        return 0;
    if (v->range.size == 0)
        check_due(v); /* checkpoints of the empty log */
    uint64_t expect = v->range.size;
    if (seq != expect) {
        if (seq > expect)
            fail(v, (int64_t)expect, _("record %llu is missing (the next one is %llu)"), U(expect),
                 U(seq));
        else
            fail(v, (int64_t)seq, _("record %llu appears out of order"), U(seq));
        return 0;
    }
    uint64_t inner;
    int r = mamori_record_validate(body, len, &inner);
    if (r < 0) {
        fail(v, (int64_t)seq, _("record %llu is damaged: not a well-formed record"), U(seq));
        return 0;
    }
    if (inner != seq) {
        fail(v, (int64_t)seq, _("record %llu says it is record %llu: moved"), U(seq), U(inner));
        return 0;
    }
    uint8_t h[MAMORI_HASH_LEN];
    mamori_merkle_leaf_hash(body, len, h);
    if (stored_leaf_hash && memcmp(h, stored_leaf_hash, MAMORI_HASH_LEN) != 0) {
        fail(v, (int64_t)seq,
             _("record %llu does not match its stored hash: it was changed after it was "
               "written"),
             U(seq));
        return 0;
    }
    mamori_merkle_range_append(&v->range, h);
    check_due(v);
    return 0;
}

void
mamori_verifier_finish(struct mamori_verifier *v, struct mamori_verify_result *ret)
{
    if (v->range.size == 0)
        check_due(v);
    uint64_t n = v->range.size;
    if (!v->failed && v->next_cp < v->n_cps) {
        const struct cp_entry *e = &v->cps[v->next_cp];
        fail(v, (int64_t)n,
             _("the log has %llu records but checkpoint #%zu signs %llu: records were removed"),
             U(n), e->number, U(e->size));
    }
    if (!v->failed && v->has_witness && !v->witness_checked)
        fail(v, (int64_t)n,
             _("the log has %llu records but the witness checkpoint signs %llu: records were "
               "removed"),
             U(n), U(v->witness.size));
    if (!v->failed && n > 0 && v->n_cps == 0)
        fail(v, 0, _("no signed checkpoint covers the %llu records of this log"), U(n));

    memset(ret, 0, sizeof(*ret));
    ret->ok = !v->failed;
    ret->n_records = n;
    ret->n_checkpoints = v->n_cps;
    ret->signed_size = v->verified_size;
    ret->first_bad = v->failed ? v->first_bad : -1;
    mamori_merkle_range_root(&v->range, ret->root);
    if (v->failed)
        snprintf(ret->message, sizeof(ret->message), "%s", v->message);
    else if (v->verified_size < n)
        snprintf(ret->message, sizeof(ret->message),
                 _("%llu records after the last checkpoint are not signed yet"),
                 U(n - v->verified_size));
}
