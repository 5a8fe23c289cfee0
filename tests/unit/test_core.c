/*
 * Tests of the core toolkit: bounded buffers, the arena budget, canonical JSON, encodings,
 * dates and diagnostics.
 */
#include "helpers.h"

#include <errno.h>

#include "mamori/core.h"

static void
test_buf_limit(void **state)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 10);
    assert_int_equal(mamori_buf_puts(&b, "12345"), 0);
    assert_int_equal(mamori_buf_puts(&b, "67890"), 0);
    assert_int_equal(mamori_buf_putc(&b, 'x'), MAMORI_E_LIMIT);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "1234567890");
    assert_int_equal(mamori_buf_printf(&b, "%d", 1), MAMORI_E_LIMIT);
    assert_string_equal(b.data, "1234567890");
    mamori_buf_done(&b);
}

static void
test_buf_be(void **state)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 64);
    assert_int_equal(mamori_buf_put_be32(&b, 0x01020304), 0);
    assert_int_equal(mamori_buf_put_be64(&b, 0x0102030405060708ull), 0);
    const unsigned char want[] = {1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    mamori_buf_done(&b);
}

static void
test_arena_budget(void **state)
{
    struct mamori_arena *a = mamori_arena_new(1000);
    assert_non_null(mamori_arena_alloc(a, 500));
    assert_false(mamori_arena_over_budget(a));
    assert_null(mamori_arena_alloc(a, 600));
    assert_true(mamori_arena_over_budget(a));
    assert_null(mamori_arena_calloc(a, SIZE_MAX / 2, 4)); /* overflow, not a wrap */
    char *s = mamori_arena_strdup(a, "abc");
    assert_string_equal(s, "abc");
    char *p = mamori_arena_printf(a, "%s-%d", "x", 42);
    assert_string_equal(p, "x-42");
    mamori_arena_free(a);
    assert_null(mamori_arena_free(NULL));
}

static char *
json_of(void (*fill)(struct mamori_json *), int *ret)
{
    static struct mamori_buf b;
    mamori_buf_init(&b, 4096);
    struct mamori_json j;
    mamori_json_init(&j, &b, false);
    fill(&j);
    *ret = mamori_json_finish(&j);
    return mamori_buf_steal(&b, NULL);
}

static void
fill_escapes(struct mamori_json *j)
{
    mamori_json_object_begin(j);
    mamori_json_kv_string(j, "a\"b", "line\nbreak\t\x01\x7f\\ \"q\"");
    mamori_json_kv_string(j, "ja", "機密性3A");
    mamori_json_key(j, "bad");
    mamori_json_stringn(j, "x\xff\xc3(y\xed\xa0\x80z", 9);
    mamori_json_key(j, "list");
    mamori_json_array_begin(j);
    mamori_json_int(j, -5);
    mamori_json_uint(j, UINT64_MAX);
    mamori_json_bool(j, true);
    mamori_json_null(j);
    mamori_json_string(j, NULL);
    mamori_json_array_end(j);
    mamori_json_object_end(j);
}

static void
test_json_canonical(void **state)
{
    int r;
    char *s = json_of(fill_escapes, &r);
    assert_int_equal(r, 0);
    assert_string_equal(
        s, "{\"a\\\"b\":\"line\\nbreak\\t\\u0001\\u007f\\\\ \\\"q\\\"\",\"ja\":\"機密性3A\","
           "\"bad\":\"x\xef\xbf\xbd\xef\xbf\xbd(y\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\","
           "\"list\":[-5,18446744073709551615,true,null,null]}");
    free(s);
}

static void
fill_deep(struct mamori_json *j)
{
    for (int i = 0; i < MAMORI_JSON_MAX_DEPTH + 1; i++)
        mamori_json_array_begin(j);
}

static void
fill_unbalanced(struct mamori_json *j)
{
    mamori_json_object_begin(j);
    mamori_json_key(j, "k");
    mamori_json_object_end(j);
}

static void
test_json_errors(void **state)
{
    int r;
    free(json_of(fill_deep, &r));
    assert_int_equal(r, MAMORI_E_LIMIT);
    free(json_of(fill_unbalanced, &r));
    assert_int_equal(r, -EINVAL);
}

static void
test_base64(void **state)
{
    const char *cases[][2] = {{"", ""},
                              {"f", "Zg=="},
                              {"fo", "Zm8="},
                              {"foo", "Zm9v"},
                              {"foob", "Zm9vYg=="},
                              {"fooba", "Zm9vYmE="},
                              {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char out[32];
        mamori_base64((const uint8_t *)cases[i][0], strlen(cases[i][0]), out);
        assert_string_equal(out, cases[i][1]);
        uint8_t back[32];
        size_t n;
        assert_int_equal(mamori_unbase64(out, strlen(out), back, sizeof(back), &n), 0);
        assert_int_equal(n, strlen(cases[i][0]));
        assert_memory_equal(back, cases[i][0], n);
    }
    uint8_t out[8];
    size_t n;
    /* Non-canonical padding bits, bad characters, bad length, padding in the middle. */
    assert_int_equal(mamori_unbase64("Zh==", 4, out, 8, &n), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_unbase64("Zm9!", 4, out, 8, &n), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_unbase64("Zm9", 3, out, 8, &n), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_unbase64("Zg==Zm9v", 8, out, 8, &n), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_unbase64("Zm9vYmFy", 8, out, 5, &n), MAMORI_E_LIMIT);
}

static void
test_hex(void **state)
{
    uint8_t in[3] = {0x00, 0xab, 0xff}, back[3];
    char out[7];
    mamori_hex(in, 3, out);
    assert_string_equal(out, "00abff");
    assert_int_equal(mamori_unhex("00abff", 6, back, 3), 0);
    assert_memory_equal(in, back, 3);
    assert_int_equal(mamori_unhex("00ABff", 6, back, 3), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_unhex("00abf", 5, back, 3), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_unhex("00abgf", 6, back, 3), MAMORI_E_SYNTAX);
}

static void
test_dates(void **state)
{
    int32_t d;
    char out[11];
    assert_int_equal(mamori_date_parse("2024-02-29", 10, &d), 0);
    mamori_date_format(d, out);
    assert_string_equal(out, "2024-02-29");
    assert_int_equal(mamori_date_parse("2023-02-29", 10, &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_date_parse("2100-02-29", 10, &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_date_parse("2000-02-29", 10, &d), 0);
    assert_int_equal(mamori_date_parse("2026-13-01", 10, &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_date_parse("2026-1-01", 9, &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_date_parse("1899-12-31", 10, &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_date_parse("2026-04-01", 10, &d), 0);
    assert_int_equal(d, 20544);
    /* Today in JST: 2026-03-31 15:00 UTC is already 2026-04-01 in Japan. */
    setenv("MAMORI_NOW", "1774969200", 1);
    assert_int_equal(mamori_today(), 20544);
    char t[28];
    mamori_time_format(mamori_now_us(), t);
    assert_string_equal(t, "2026-03-31T15:00:00.000000Z");
    unsetenv("MAMORI_NOW");
}

static void
test_diags(void **state)
{
    struct mamori_diags d;
    mamori_diags_init(&d, "p.yaml");
    mamori_diags_add(&d, MAMORI_SEV_WARNING, 9, 3, "second %s", "thing");
    mamori_diags_add(&d, MAMORI_SEV_ERROR, 2, 5, "first");
    mamori_diags_add(&d, MAMORI_SEV_ERROR, 0, 0, "whole file");
    mamori_diags_sort(&d);
    struct mamori_buf b;
    mamori_buf_init(&b, 4096);
    assert_int_equal(mamori_diags_format(&d, &b), 0);
    assert_string_equal(b.data, "p.yaml: error: whole file\n"
                                "p.yaml:2:5: error: first\n"
                                "p.yaml:9:3: warning: second thing\n");
    assert_int_equal(d.n_errors, 2);
    assert_int_equal(d.n_warnings, 1);
    mamori_buf_done(&b);
    mamori_diags_done(&d);
}

static void
test_fs_atomic(void **state)
{
    char *dir = test_tmpdir();
    assert_non_null(dir);
    char *sub = NULL, *file = NULL;
    assert_true(asprintf(&sub, "%s/a/b/c", dir) > 0);
    assert_true(asprintf(&file, "%s/a/b/c/f.txt", dir) > 0);
    assert_int_equal(mamori_fs_mkdir_p(sub, 0700), 0);
    assert_int_equal(mamori_fs_mkdir_p(sub, 0700), 0);
    assert_int_equal(mamori_fs_write_atomic(file, "hello", 5, 0600), 0);
    char *data;
    size_t len;
    assert_int_equal(mamori_fs_read_file(file, 100, &data, &len), 0);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    free(data);
    assert_int_equal(mamori_fs_read_file(file, 4, &data, &len), MAMORI_E_LIMIT);
    assert_int_equal(mamori_fs_read_file(sub, 4, &data, &len), -EISDIR);
    free(sub);
    free(file);
    test_tmpdir_remove(dir);
}

static void
test_sha256(void **state)
{
    uint8_t out[32], ref[32];
    char hex[65];
    mamori_sha256("abc", 3, out);
    mamori_hex(out, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    mamori_sha256("", 0, out);
    mamori_hex(out, 32, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* The fast and the portable implementation agree on every length and split. */
    static char data[300];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof(data); len += 7) {
        size_t cut = len / 3;
        struct mamori_span parts[2] = {{data, cut}, {data + cut, len - cut}};
        mamori_sha256_parts(parts, 2, out);
        mamori_sha256_portable(parts, 2, ref);
        assert_memory_equal(out, ref, 32);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_limit),    cmocka_unit_test(test_buf_be),
        cmocka_unit_test(test_arena_budget), cmocka_unit_test(test_json_canonical),
        cmocka_unit_test(test_json_errors),  cmocka_unit_test(test_base64),
        cmocka_unit_test(test_hex),          cmocka_unit_test(test_dates),
        cmocka_unit_test(test_diags),        cmocka_unit_test(test_fs_atomic),
        cmocka_unit_test(test_sha256),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
