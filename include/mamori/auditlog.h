/*
 * mamori audit log: one tamper-evident record of every decision.
 *
 * Records are canonical, length-prefixed byte strings (so the same facts always hash the
 * same); they are the leaves of an RFC 6962 Merkle tree (SHA-256, leaf prefix 0x00, node
 * prefix 0x01). The tree head is published in signed checkpoints in the C2SP
 * tlog-checkpoint text format (signed note, Ed25519):
 *
 *     mamori/audit/5f0c...            origin
 *     1234                            tree size
 *     q2Kx...base64 root hash...=     root hash
 *
 *     — mamori/audit/5f0c... AbCd...base64(key id || signature)...
 *
 * Inclusion and consistency proofs (RFC 6962 §2.1.1, §2.1.2) let an auditor check one
 * record, or that a later log extends an earlier one, without trusting the store. The
 * verifier recomputes everything from the records alone.
 *
 * The pure parts (record codec, Merkle maths, checkpoints, the verifier, the export codec)
 * do no I/O; struct mamori_log ties them to the store.
 *
 * SECURITY: the verifier trusts only the public key it is given. Exported logs and
 * checkpoints from elsewhere are hostile input: their parsers are bounded and fuzzed.
 */
#ifndef MAMORI_AUDITLOG_H
#define MAMORI_AUDITLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/core.h"
#include "mamori/store.h"

#define MAMORI_HASH_LEN          32
#define MAMORI_RECORD_MAX_BYTES  ((size_t)1 << 20)
#define MAMORI_CHECKPOINT_MAX    4096
#define MAMORI_PROOF_MAX_HASHES  128
#define MAMORI_LOG_DEFAULT_EVERY 1000 /* records between checkpoints */
#define MAMORI_LOG_DEFAULT_SECS  60   /* seconds between checkpoints */

/* ---- records ---------------------------------------------------------------------------- */

struct mamori_record {
    uint64_t seq;
    int64_t time_us;      /* UTC microseconds */
    const char *actor;    /* a user id, or "system" */
    const char *action;   /* "flow.check", "policy.load", "mail.sanitize" ... */
    const char *object;   /* what the decision is about */
    const char *decision; /* "allow", "deny", "mail_text", "ok" ... */
    const char *clause;   /* the 基本方針 clause, or "" */
    const char *details;  /* JSON text, canonical (mamori_json) */
};

/* Encodes a record canonically: version byte 1, seq and time as 8-byte big-endian, then six
 * strings each as a 4-byte big-endian length and the bytes. */
int mamori_record_encode(const struct mamori_record *rec, struct mamori_buf *out);
/* Decodes exactly len bytes; the strings point into a copy made in arena. */
int mamori_record_decode(const void *data, size_t len, struct mamori_arena *arena,
                         struct mamori_record *ret);
/* Checks the layout of an encoded record without copying; returns its seq. */
int mamori_record_validate(const void *data, size_t len, uint64_t *ret_seq);
/* Writes a decoded record as one JSON object. */
void mamori_record_json(const struct mamori_record *rec, struct mamori_json *j);

/* ---- Merkle tree ------------------------------------------------------------------------ */

void mamori_merkle_leaf_hash(const void *data, size_t len, uint8_t out[MAMORI_HASH_LEN]);
void mamori_merkle_node_hash(const uint8_t l[MAMORI_HASH_LEN], const uint8_t r[MAMORI_HASH_LEN],
                             uint8_t out[MAMORI_HASH_LEN]);

/* A compact range: the roots of the perfect subtrees that make up a tree of `size` leaves,
 * largest first. Enough to append and to compute the root without the leaves. */
struct mamori_merkle_range {
    uint64_t size;
    uint8_t hashes[64][MAMORI_HASH_LEN];
    size_t n;
};

void mamori_merkle_range_init(struct mamori_merkle_range *r);
void mamori_merkle_range_append(struct mamori_merkle_range *r,
                                const uint8_t leaf_hash[MAMORI_HASH_LEN]);
/* Root of the tree; the empty tree's root is SHA-256 of nothing. */
void mamori_merkle_range_root(const struct mamori_merkle_range *r, uint8_t out[MAMORI_HASH_LEN]);

/* Root of leaves[0..n) (leaf hashes). */
void mamori_merkle_root(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n,
                        uint8_t out[MAMORI_HASH_LEN]);
/* Audit path for leaf m in a tree of n leaves (RFC 6962 PATH). */
int mamori_merkle_inclusion_proof(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n, uint64_t m,
                                  uint8_t (*ret)[MAMORI_HASH_LEN], size_t *ret_n);
int mamori_merkle_inclusion_verify(const uint8_t leaf[MAMORI_HASH_LEN], uint64_t m, uint64_t n,
                                   const uint8_t (*proof)[MAMORI_HASH_LEN], size_t n_proof,
                                   const uint8_t root[MAMORI_HASH_LEN]);
/* Consistency proof between sizes m <= n (RFC 6962 PROOF). */
int mamori_merkle_consistency_proof(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n,
                                    uint64_t m, uint8_t (*ret)[MAMORI_HASH_LEN], size_t *ret_n);
int mamori_merkle_consistency_verify(uint64_t m, uint64_t n,
                                     const uint8_t old_root[MAMORI_HASH_LEN],
                                     const uint8_t new_root[MAMORI_HASH_LEN],
                                     const uint8_t (*proof)[MAMORI_HASH_LEN], size_t n_proof);

/* ---- keys and checkpoints --------------------------------------------------------------- */

/* An Ed25519 key in the signed-note formats:
 *   signer:   PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>
 *   verifier: <name>+<key id hex>+<base64(0x01 || public key)> */
struct mamori_log_key {
    char name[128];
    uint8_t id[4];
    uint8_t public_key[32];
    uint8_t secret_key[64]; /* zero in a verifier key */
    bool has_secret;
};

int mamori_log_key_generate(const char *name, struct mamori_log_key *ret);
int mamori_log_key_parse_signer(const char *text, size_t len, struct mamori_log_key *ret);
int mamori_log_key_parse_verifier(const char *text, size_t len, struct mamori_log_key *ret);
int mamori_log_key_format_signer(const struct mamori_log_key *k, struct mamori_buf *out);
int mamori_log_key_format_verifier(const struct mamori_log_key *k, struct mamori_buf *out);
/* Wipes the secret. */
void mamori_log_key_done(struct mamori_log_key *k);

struct mamori_checkpoint {
    char origin[128];
    uint64_t size;
    uint8_t root[MAMORI_HASH_LEN];
};

/* The signed note text of a checkpoint. */
int mamori_checkpoint_sign(const struct mamori_checkpoint *cp, const struct mamori_log_key *key,
                           struct mamori_buf *out);
/* Parses a signed note and checks that key signed it. MAMORI_E_SYNTAX for a malformed note,
 * MAMORI_E_SIGNATURE when no valid signature by key is present. */
int mamori_checkpoint_open(const char *text, size_t len, const struct mamori_log_key *key,
                           struct mamori_checkpoint *ret);

/* ---- verifier --------------------------------------------------------------------------- */

/* The verifier is fed checkpoints (in the order they were written) and then records (in
 * sequence order); it recomputes the tree and checks every checkpoint when the record count
 * reaches its size. */
struct mamori_verifier;

struct mamori_verify_result {
    bool ok;
    uint64_t n_records;
    uint64_t n_checkpoints;
    uint64_t signed_size; /* size of the largest verified checkpoint */
    int64_t first_bad;    /* seq of the first bad record, or -1 */
    char message[512];    /* what is wrong, for people (empty when ok) */
    uint8_t root[MAMORI_HASH_LEN];
};

int mamori_verifier_new(const struct mamori_log_key *key, const char *origin,
                        struct mamori_verifier **ret);
struct mamori_verifier *mamori_verifier_free(struct mamori_verifier *v);
int mamori_verifier_add_checkpoint(struct mamori_verifier *v, const char *text, size_t len);
/* stored_leaf_hash may be NULL; when given, it must match the recomputed one. */
int mamori_verifier_add_record(struct mamori_verifier *v, uint64_t seq, const void *body,
                               size_t len, const uint8_t *stored_leaf_hash);
/* A checkpoint kept elsewhere (a witness) that the log must contain. */
int mamori_verifier_add_witness(struct mamori_verifier *v, const char *text, size_t len);
void mamori_verifier_finish(struct mamori_verifier *v, struct mamori_verify_result *ret);

/* ---- export file ------------------------------------------------------------------------ */

/* An exported log is a self-contained file for offline verification: a header line
 * "mamori-log 1\n", then typed, length-prefixed items (1 byte type, 4-byte big-endian length,
 * bytes): 'K' verifier key, 'C' checkpoint note, 'R' record (8-byte seq, 32-byte leaf hash,
 * body), and a final 'E' with length 0. A file without 'E' was cut short. */
struct mamori_export_item {
    char type; /* 'K', 'C', 'R' */
    uint64_t seq;
    const uint8_t *leaf_hash;
    const char *data;
    size_t len;
};

int mamori_export_header(struct mamori_buf *out);
int mamori_export_put(struct mamori_buf *out, const struct mamori_export_item *item);
int mamori_export_end(struct mamori_buf *out);
/* Walks an export; cb sees each item in order. MAMORI_E_SYNTAX on a malformed or truncated
 * file. */
int mamori_export_parse(const char *data, size_t len,
                        int (*cb)(void *ctx, const struct mamori_export_item *item), void *ctx);

/* ---- the log in a store ----------------------------------------------------------------- */

struct mamori_log;

struct mamori_log_options {
    uint64_t checkpoint_every; /* records; 0 = default */
    int64_t checkpoint_secs;   /* 0 = default */
};

/* key may be a verifier key (read-only use) or a signer (appends). */
int mamori_log_open(struct mamori_store *store, const struct mamori_log_key *key,
                    const struct mamori_log_options *opts, struct mamori_log **ret);
/* Writes a checkpoint if records were appended since the last one, then frees. */
int mamori_log_close(struct mamori_log *log);
/* Appends records in one transaction (seq is assigned); writes a checkpoint when due.
 * ret_first_seq may be NULL. Nothing is appended on failure. */
int mamori_log_append(struct mamori_log *log, struct mamori_record *recs, size_t n,
                      uint64_t *ret_first_seq);
/* The same inside a write transaction the caller holds (mamori_store_begin), so the records
 * commit together with the caller's own rows; on failure the caller rolls back. */
int mamori_log_append_in(struct mamori_log *log, struct mamori_record *recs, size_t n,
                         uint64_t *ret_first_seq);
/* Signs and stores a checkpoint of the current tree now. */
int mamori_log_checkpoint(struct mamori_log *log);
/* Verifies every record and checkpoint in the store; witness may be NULL. */
int mamori_log_verify(struct mamori_store *store, const struct mamori_log_key *key,
                      const char *witness, size_t witness_len, struct mamori_verify_result *ret);
/* Verifies an export file's bytes. */
int mamori_log_verify_export(const char *data, size_t len, const struct mamori_log_key *key,
                             const char *witness, size_t witness_len,
                             struct mamori_verify_result *ret);
int mamori_log_export(struct mamori_store *store, const struct mamori_log_key *key,
                      struct mamori_buf *out);
/* The leaf hashes of the first n records, for proofs (caller frees). */
int mamori_log_leaf_hashes(struct mamori_store *store, uint64_t *ret_n,
                           uint8_t (**ret_hashes)[MAMORI_HASH_LEN]);

#endif
