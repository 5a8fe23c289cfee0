/*
 * Keys and checkpoints: formats round-trip, a checkpoint opens only with its own key, and
 * every single-bit flip of a signed checkpoint is refused.
 */
#include "helpers.h"

#include <errno.h>

#include "mamori/auditlog.h"

static void
test_key_round_trip(void **state)
{
    struct mamori_log_key k, s, v;
    assert_int_equal(mamori_log_key_generate("mamori/audit/test", &k), 0);
    struct mamori_buf b;
    mamori_buf_init(&b, 1024);
    assert_int_equal(mamori_log_key_format_signer(&k, &b), 0);
    assert_true(strncmp(b.data, "PRIVATE+KEY+mamori/audit/test+", 30) == 0);
    /* Generate until a key whose base64 holds a "+", which must not split the text. */
    for (int i = 0; i < 200 && !strchr(b.data + 40, '+'); i++) {
        assert_int_equal(mamori_log_key_generate("mamori/audit/test", &k), 0);
        mamori_buf_reset(&b);
        assert_int_equal(mamori_log_key_format_signer(&k, &b), 0);
    }
    assert_non_null(strchr(b.data + 40, '+'));
    assert_int_equal(mamori_log_key_parse_signer(b.data, b.len, &s), 0);
    assert_memory_equal(s.public_key, k.public_key, 32);
    assert_memory_equal(s.secret_key, k.secret_key, 64);
    assert_memory_equal(s.id, k.id, 4);
    mamori_buf_reset(&b);
    assert_int_equal(mamori_log_key_format_verifier(&k, &b), 0);
    assert_int_equal(mamori_log_key_parse_verifier(b.data, b.len, &v), 0);
    assert_false(v.has_secret);
    assert_memory_equal(v.public_key, k.public_key, 32);
    /* A verifier key whose id does not match its key is refused. */
    b.data[strlen("mamori/audit/test+")] ^= 1;
    assert_int_equal(mamori_log_key_parse_verifier(b.data, b.len, &v), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_log_key_parse_verifier("a+b", 3, &v), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_log_key_generate("bad name", &v), -EINVAL);
    assert_int_equal(mamori_log_key_generate("a+b", &v), -EINVAL);
    mamori_buf_done(&b);
}

static void
test_sign_open(void **state)
{
    struct mamori_log_key k, other;
    assert_int_equal(mamori_log_key_generate("example.org/log", &k), 0);
    assert_int_equal(mamori_log_key_generate("example.org/log", &other), 0);
    struct mamori_checkpoint cp = {.origin = "example.org/log", .size = 1234};
    for (int i = 0; i < 32; i++)
        cp.root[i] = (uint8_t)i;
    struct mamori_buf b;
    mamori_buf_init(&b, MAMORI_CHECKPOINT_MAX);
    assert_int_equal(mamori_checkpoint_sign(&cp, &k, &b), 0);
    const char *want = "example.org/log\n1234\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n"
                       "\xe2\x80\x94 example.org/log ";
    assert_true(strncmp(b.data, want, strlen(want)) == 0);
    struct mamori_checkpoint got;
    assert_int_equal(mamori_checkpoint_open(b.data, b.len, &k, &got), 0);
    assert_string_equal(got.origin, "example.org/log");
    assert_int_equal(got.size, 1234);
    assert_memory_equal(got.root, cp.root, 32);
    /* Same name, another key: the key id differs, so no signature of ours is found. */
    assert_int_equal(mamori_checkpoint_open(b.data, b.len, &other, &got), MAMORI_E_SIGNATURE);
    /* Every single-bit flip anywhere is refused. */
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b.data[i] ^= (char)(1 << bit);
            int r = mamori_checkpoint_open(b.data, b.len, &k, &got);
            if (r == 0)
                fail_msg("flip of bit %d of byte %zu was accepted", bit, i);
            b.data[i] ^= (char)(1 << bit);
        }
    }
    /* Truncation at every length is refused too. */
    for (size_t n = 0; n < b.len; n++)
        assert_int_not_equal(mamori_checkpoint_open(b.data, n, &k, &got), 0);
    mamori_buf_done(&b);
}

static void
test_malformed(void **state)
{
    struct mamori_log_key k;
    struct mamori_checkpoint got;
    assert_int_equal(mamori_log_key_generate("o", &k), 0);
    const char *bad[] = {
        "",
        "o\n",
        "o\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",
        "o\n1\nAAAA\n\n\xe2\x80\x94 o AAAA\n",
        "o\n99999999999999999999999\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextension\n\n\xe2\x80\x94 o AAAA\n",
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n- o AAAA\n",
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 o AAAA",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_not_equal(mamori_checkpoint_open(bad[i], strlen(bad[i]), &k, &got), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_round_trip),
        cmocka_unit_test(test_sign_open),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests_name("checkpoint", tests, NULL, NULL);
}
