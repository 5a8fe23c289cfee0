/*
 * RFC 6962 Merkle tree maths over SHA-256: leaf and node hashes, a compact range for
 * appending without the leaves, roots, and inclusion and consistency proofs with their
 * verification (the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2).
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "mamori/auditlog.h"

void
mamori_merkle_leaf_hash(const void *data, size_t len, uint8_t out[MAMORI_HASH_LEN])
{
    static const char prefix = 0x00;
    struct mamori_span parts[2] = {{&prefix, 1}, {data, len}};
    mamori_sha256_parts(parts, 2, out);
}

void
mamori_merkle_node_hash(const uint8_t l[MAMORI_HASH_LEN], const uint8_t r[MAMORI_HASH_LEN],
                        uint8_t out[MAMORI_HASH_LEN])
{
    uint8_t buf[1 + 2 * MAMORI_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, l, MAMORI_HASH_LEN);
    memcpy(buf + 1 + MAMORI_HASH_LEN, r, MAMORI_HASH_LEN);
    mamori_sha256(buf, sizeof(buf), out);
}

void
mamori_merkle_range_init(struct mamori_merkle_range *r)
{
    memset(r, 0, sizeof(*r));
}

void
mamori_merkle_range_append(struct mamori_merkle_range *r, const uint8_t leaf_hash[MAMORI_HASH_LEN])
{
    uint8_t cur[MAMORI_HASH_LEN];
    memcpy(cur, leaf_hash, MAMORI_HASH_LEN);
    /* Each trailing one bit of the old size is a perfect subtree of the same height as the
     * one being carried: merge them. */
    for (uint64_t m = r->size; m & 1; m >>= 1)
        mamori_merkle_node_hash(r->hashes[--r->n], cur, cur);
    memcpy(r->hashes[r->n++], cur, MAMORI_HASH_LEN);
    r->size++;
}

void
mamori_merkle_range_root(const struct mamori_merkle_range *r, uint8_t out[MAMORI_HASH_LEN])
{
    if (r->n == 0) {
        mamori_sha256("", 0, out);
        return;
    }
    uint8_t cur[MAMORI_HASH_LEN];
    memcpy(cur, r->hashes[r->n - 1], MAMORI_HASH_LEN);
    for (size_t i = r->n - 1; i-- > 0;)
        mamori_merkle_node_hash(r->hashes[i], cur, cur);
    memcpy(out, cur, MAMORI_HASH_LEN);
}

/* The largest power of two strictly less than n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static void
subtree_root(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n, uint8_t out[MAMORI_HASH_LEN])
{
    if (n == 0) {
        mamori_sha256("", 0, out);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], MAMORI_HASH_LEN);
        return;
    }
    uint64_t k = split_point(n);
    uint8_t l[MAMORI_HASH_LEN], r[MAMORI_HASH_LEN];
    subtree_root(leaves, k, l);
    subtree_root(leaves + k, n - k, r);
    mamori_merkle_node_hash(l, r, out);
}

void
mamori_merkle_root(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n,
                   uint8_t out[MAMORI_HASH_LEN])
{
    subtree_root(leaves, n, out);
}

struct proof {
    uint8_t (*out)[MAMORI_HASH_LEN];
    size_t n;
};

static int
push(struct proof *p, const uint8_t h[MAMORI_HASH_LEN])
{
    if (p->n >= MAMORI_PROOF_MAX_HASHES)
        return MAMORI_E_LIMIT;
    memcpy(p->out[p->n++], h, MAMORI_HASH_LEN);
    return 0;
}

static int
path(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n, uint64_t m, struct proof *p)
{
    if (n <= 1)
        return 0;
    uint64_t k = split_point(n);
    uint8_t h[MAMORI_HASH_LEN];
    int r;
    if (m < k) {
        r = path(leaves, k, m, p);
        subtree_root(leaves + k, n - k, h);
    } else {
        r = path(leaves + k, n - k, m - k, p);
        subtree_root(leaves, k, h);
    }
    return r < 0 ? r : push(p, h);
}

int
mamori_merkle_inclusion_proof(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n, uint64_t m,
                              uint8_t (*ret)[MAMORI_HASH_LEN], size_t *ret_n)
{
    if (m >= n)
        return -EINVAL;
    struct proof p = {ret, 0};
    int r = path(leaves, n, m, &p);
    if (r < 0)
        return r;
    *ret_n = p.n;
    return 0;
}

int
mamori_merkle_inclusion_verify(const uint8_t leaf[MAMORI_HASH_LEN], uint64_t m, uint64_t n,
                               const uint8_t (*proof)[MAMORI_HASH_LEN], size_t n_proof,
                               const uint8_t root[MAMORI_HASH_LEN])
{
    if (m >= n)
        return MAMORI_E_TAMPERED;
    uint64_t fn = m, sn = n - 1;
    uint8_t r[MAMORI_HASH_LEN];
    memcpy(r, leaf, MAMORI_HASH_LEN);
    for (size_t i = 0; i < n_proof; i++) {
        if (sn == 0)
            return MAMORI_E_TAMPERED;
        if ((fn & 1) || fn == sn) {
            mamori_merkle_node_hash(proof[i], r, r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            mamori_merkle_node_hash(r, proof[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || sodium_memcmp(r, root, MAMORI_HASH_LEN) != 0)
        return MAMORI_E_TAMPERED;
    return 0;
}

static int
subproof(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n, uint64_t m, bool whole,
         struct proof *p)
{
    uint8_t h[MAMORI_HASH_LEN];
    if (m == n) {
        if (whole)
            return 0;
        subtree_root(leaves, n, h);
        return push(p, h);
    }
    uint64_t k = split_point(n);
    int r;
    if (m <= k) {
        r = subproof(leaves, k, m, whole, p);
        subtree_root(leaves + k, n - k, h);
    } else {
        r = subproof(leaves + k, n - k, m - k, false, p);
        subtree_root(leaves, k, h);
    }
    return r < 0 ? r : push(p, h);
}

int
mamori_merkle_consistency_proof(const uint8_t (*leaves)[MAMORI_HASH_LEN], uint64_t n, uint64_t m,
                                uint8_t (*ret)[MAMORI_HASH_LEN], size_t *ret_n)
{
    if (m == 0 || m > n)
        return -EINVAL;
    struct proof p = {ret, 0};
    int r = subproof(leaves, n, m, true, &p);
    if (r < 0)
        return r;
    *ret_n = p.n;
    return 0;
}

int
mamori_merkle_consistency_verify(uint64_t m, uint64_t n, const uint8_t old_root[MAMORI_HASH_LEN],
                                 const uint8_t new_root[MAMORI_HASH_LEN],
                                 const uint8_t (*proof)[MAMORI_HASH_LEN], size_t n_proof)
{
    if (m == 0 || m > n)
        return MAMORI_E_TAMPERED;
    if (m == n) {
        if (n_proof != 0 || sodium_memcmp(old_root, new_root, MAMORI_HASH_LEN) != 0)
            return MAMORI_E_TAMPERED;
        return 0;
    }
    if (n_proof == 0)
        return MAMORI_E_TAMPERED;
    size_t i = 0;
    uint8_t fr[MAMORI_HASH_LEN], sr[MAMORI_HASH_LEN];
    /* When m is a power of two, the old root is itself the first node of the path. */
    if ((m & (m - 1)) == 0) {
        memcpy(fr, old_root, MAMORI_HASH_LEN);
    } else {
        memcpy(fr, proof[0], MAMORI_HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, MAMORI_HASH_LEN);
    uint64_t fn = m - 1, sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < n_proof; i++) {
        if (sn == 0)
            return MAMORI_E_TAMPERED;
        if ((fn & 1) || fn == sn) {
            mamori_merkle_node_hash(proof[i], fr, fr);
            mamori_merkle_node_hash(proof[i], sr, sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            mamori_merkle_node_hash(sr, proof[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || sodium_memcmp(fr, old_root, MAMORI_HASH_LEN) != 0 ||
        sodium_memcmp(sr, new_root, MAMORI_HASH_LEN) != 0)
        return MAMORI_E_TAMPERED;
    return 0;
}
