/*
 * RFC 6962 Merkle tree tests: the Certificate Transparency reference roots and inclusion
 * proofs, the compact range against the recursive definition, and round trips of every
 * inclusion and consistency proof in trees up to 64 leaves, each also tampered with.
 */
#include "helpers.h"

#include <errno.h>

#include "mamori/auditlog.h"

static const char *const ct_leaves[] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_roots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
ct_leaf_hashes(uint8_t out[8][32])
{
    for (int i = 0; i < 8; i++) {
        uint8_t raw[16];
        size_t n = strlen(ct_leaves[i]) / 2;
        assert_int_equal(mamori_unhex(ct_leaves[i], 2 * n, raw, n), 0);
        mamori_merkle_leaf_hash(raw, n, out[i]);
    }
}

static void
hexeq(const uint8_t h[32], const char *want)
{
    char got[65];
    mamori_hex(h, 32, got);
    assert_string_equal(got, want);
}

static void
test_reference_roots(void **state)
{
    uint8_t leaves[8][32], root[32];
    ct_leaf_hashes(leaves);
    struct mamori_merkle_range r;
    mamori_merkle_range_init(&r);
    mamori_merkle_range_root(&r, root);
    hexeq(root, ct_roots[0]);
    for (uint64_t n = 1; n <= 8; n++) {
        mamori_merkle_root((const uint8_t(*)[32])leaves, n, root);
        hexeq(root, ct_roots[n]);
        mamori_merkle_range_append(&r, leaves[n - 1]);
        mamori_merkle_range_root(&r, root);
        hexeq(root, ct_roots[n]);
    }
}

static void
test_reference_inclusion(void **state)
{
    static const struct {
        uint64_t m, n;
        const char *path[3];
    } vec[] = {
        {0,
         8,
         {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
          "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
          "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
        {5,
         8,
         {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
          "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    };
    uint8_t leaves[8][32], proof[MAMORI_PROOF_MAX_HASHES][32];
    ct_leaf_hashes(leaves);
    for (size_t v = 0; v < 2; v++) {
        size_t np;
        assert_int_equal(mamori_merkle_inclusion_proof((const uint8_t(*)[32])leaves, vec[v].n,
                                                       vec[v].m, proof, &np),
                         0);
        assert_int_equal(np, 3);
        for (size_t i = 0; i < 3; i++)
            hexeq(proof[i], vec[v].path[i]);
    }
}

/* Leaves for larger trees: hashes of small distinct records. */
static void
make_leaves(uint8_t (*out)[32], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b[2] = {(uint8_t)i, (uint8_t)(i * 7)};
        mamori_merkle_leaf_hash(b, 2, out[i]);
    }
}

static void
test_range_matches_recursive(void **state)
{
    enum { N = 300 };
    static uint8_t leaves[N][32];
    make_leaves(leaves, N);
    struct mamori_merkle_range r;
    mamori_merkle_range_init(&r);
    for (uint64_t n = 1; n <= N; n++) {
        uint8_t a[32], b[32];
        mamori_merkle_range_append(&r, leaves[n - 1]);
        mamori_merkle_range_root(&r, a);
        mamori_merkle_root((const uint8_t(*)[32])leaves, n, b);
        assert_memory_equal(a, b, 32);
        assert_int_equal(r.n, (size_t)__builtin_popcountll(n));
    }
}

static void
test_inclusion_all(void **state)
{
    enum { N = 64 };
    static uint8_t leaves[N][32];
    make_leaves(leaves, N);
    uint8_t proof[MAMORI_PROOF_MAX_HASHES][32], root[32];
    for (uint64_t n = 1; n <= N; n++) {
        mamori_merkle_root((const uint8_t(*)[32])leaves, n, root);
        for (uint64_t m = 0; m < n; m++) {
            size_t np;
            assert_int_equal(
                mamori_merkle_inclusion_proof((const uint8_t(*)[32])leaves, n, m, proof, &np), 0);
            const uint8_t(*pp)[32] = (const uint8_t(*)[32])proof;
            assert_int_equal(mamori_merkle_inclusion_verify(leaves[m], m, n, pp, np, root), 0);
            /* Wrong leaf, wrong index, a flipped or missing proof hash: all refused. (The
             * size is bound by the signed checkpoint, not by the path alone.) */
            if (n > 1) {
                assert_int_equal(
                    mamori_merkle_inclusion_verify(leaves[(m + 1) % n], m, n, pp, np, root),
                    MAMORI_E_TAMPERED);
                assert_int_equal(
                    mamori_merkle_inclusion_verify(leaves[m], (m + 1) % n, n, pp, np, root),
                    MAMORI_E_TAMPERED);
            }
            for (size_t k = 0; k < np; k++) {
                proof[k][k % 32] ^= 0x10;
                assert_int_equal(mamori_merkle_inclusion_verify(leaves[m], m, n, pp, np, root),
                                 MAMORI_E_TAMPERED);
                proof[k][k % 32] ^= 0x10;
            }
            if (np > 0)
                assert_int_equal(mamori_merkle_inclusion_verify(leaves[m], m, n, pp, np - 1, root),
                                 MAMORI_E_TAMPERED);
        }
    }
}

static void
test_consistency_all(void **state)
{
    enum { N = 64 };
    static uint8_t leaves[N][32];
    make_leaves(leaves, N);
    uint8_t proof[MAMORI_PROOF_MAX_HASHES][32], r_old[32], r_new[32];
    for (uint64_t n = 1; n <= N; n++) {
        mamori_merkle_root((const uint8_t(*)[32])leaves, n, r_new);
        for (uint64_t m = 1; m <= n; m++) {
            size_t np;
            mamori_merkle_root((const uint8_t(*)[32])leaves, m, r_old);
            assert_int_equal(
                mamori_merkle_consistency_proof((const uint8_t(*)[32])leaves, n, m, proof, &np), 0);
            const uint8_t(*pp)[32] = (const uint8_t(*)[32])proof;
            assert_int_equal(mamori_merkle_consistency_verify(m, n, r_old, r_new, pp, np), 0);
            /* A rewritten old tree, or a flipped proof hash, is refused. */
            r_old[3] ^= 1;
            assert_int_equal(mamori_merkle_consistency_verify(m, n, r_old, r_new, pp, np),
                             MAMORI_E_TAMPERED);
            r_old[3] ^= 1;
            for (size_t k = 0; k < np; k++) {
                proof[k][31] ^= 0x80;
                assert_int_equal(mamori_merkle_consistency_verify(m, n, r_old, r_new, pp, np),
                                 MAMORI_E_TAMPERED);
                proof[k][31] ^= 0x80;
            }
        }
    }
    size_t np;
    assert_int_equal(
        mamori_merkle_consistency_proof((const uint8_t(*)[32])leaves, 4, 0, proof, &np), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_roots),         cmocka_unit_test(test_reference_inclusion),
        cmocka_unit_test(test_range_matches_recursive), cmocka_unit_test(test_inclusion_all),
        cmocka_unit_test(test_consistency_all),
    };
    return cmocka_run_group_tests_name("merkle", tests, NULL, NULL);
}
