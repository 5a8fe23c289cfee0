/*
 * The CDR engine without a worker and without libmagic (its own signatures): name findings,
 * text and CSV rebuilding, verdicts and the report. (tests/integration/cdr.sh runs Office
 * files, images and archives through `mamori sanitize file` and checks them with second tools.)
 */
#include <errno.h>

#include "helpers.h"

#include "mamori/cdr.h"

static struct mamori_cdr_result *
run(const char *name, const char *data, size_t len)
{
    struct mamori_cdr_options o;
    mamori_cdr_options_default(&o);
    struct mamori_cdr_result *r = NULL;
    assert_int_equal(mamori_cdr_sanitize(name, data, len, &o, &r), 0);
    return r;
}

static int64_t
removed(const struct mamori_cdr_result *r, const char *cat)
{
    for (size_t i = 0; i < r->n_removed; i++)
        if (strcmp(r->removed[i].category, cat) == 0)
            return r->removed[i].count;
    return 0;
}

static void
test_names(void **state)
{
    static const char mz[] = "MZ\x90\x00 this is a program";
    struct mamori_cdr_result *r = run("invoice\xe2\x80\xaegpj.exe", mz, sizeof(mz) - 1);
    assert_int_equal(r->verdict, MAMORI_CDR_BLOCKED);
    assert_string_equal(r->reason, "name-bidi");
    assert_true(r->name_bidi);
    assert_null(r->out);
    mamori_cdr_result_free(r);

    r = run("請求書.pdf.exe", mz, sizeof(mz) - 1);
    assert_string_equal(r->reason, "name-double-extension");
    mamori_cdr_result_free(r);

    r = run("program.exe", mz, sizeof(mz) - 1);
    assert_string_equal(r->reason, "executable");
    mamori_cdr_result_free(r);

    /* A script is text to a detector; its name decides. */
    r = run("run.vbs", "CreateObject(\"WScript.Shell\")\n", 30);
    assert_string_equal(r->reason, "executable");
    mamori_cdr_result_free(r);

    /* A PNG named .pdf. */
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    r = run("scan.pdf", png, sizeof(png) - 1);
    assert_string_equal(r->reason, "name-type-mismatch");
    assert_true(r->name_type_mismatch);
    mamori_cdr_result_free(r);

    r = run("empty.txt", "", 0);
    assert_string_equal(r->reason, "empty");
    mamori_cdr_result_free(r);

    r = run("doc.pdf", "%PDF-1.4\n", 9);
    assert_int_equal(r->verdict, MAMORI_CDR_BLOCKED);
    assert_string_equal(r->reason, "malformed-document");
    mamori_cdr_result_free(r);
}

static void
test_text(void **state)
{
    /* CP932 (Shift_JIS with NEC special characters) becomes UTF-8; controls go. */
    static const char sjis[] = "\x87\x40\x8d\x86\x8b\x40\x1b[31m\x07\r\n"; /* ①号機 ESC [31m BEL */
    struct mamori_cdr_result *r = run("memo.txt", sjis, sizeof(sjis) - 1);
    assert_int_equal(r->verdict, MAMORI_CDR_SANITIZED);
    assert_int_equal(removed(r, "control-characters"), 2);
    assert_int_equal(r->out_len, strlen("①号機[31m\r\n"));
    assert_memory_equal(r->out, "①号機[31m\r\n", r->out_len);
    assert_string_equal(r->out_name, "memo.txt");
    mamori_cdr_result_free(r);

    /* UTF-16LE with BOM. */
    static const char u16[] = "\xff\xfe\x42\x30\x44\x30"; /* あい */
    r = run("a.txt", u16, sizeof(u16) - 1);
    assert_int_equal(r->verdict, MAMORI_CDR_CLEAN);
    assert_memory_equal(r->out, "あい", r->out_len);
    mamori_cdr_result_free(r);

    /* Text that is a PDF once a stray control byte is gone is a PDF in disguise (found by
     * fuzz_cdr: the second pass would have cleaned it as a PDF). */
    static const char disguised[] = "\x1f\x07%PDF-1.4\n1 0 obj<</OpenAction<<>>>>endobj\n";
    r = run("a.txt", disguised, sizeof(disguised) - 1);
    assert_int_equal(r->verdict, MAMORI_CDR_BLOCKED);
    assert_string_equal(r->reason, "disguised-type");
    mamori_cdr_result_free(r);

    /* A bidi override in text is a control character too (Trojan Source). */
    r = run("a.txt", "x\xe2\x80\xaey", 5);
    assert_int_equal(removed(r, "control-characters"), 1);
    mamori_cdr_result_free(r);
}

static void
test_csv(void **state)
{
    const char csv[] = "a,b,c\r\n"
                       "=1+1,-12,+3.5\r\n"
                       "\"=HYPERLINK(\"\"x\"\")\",\"x,=y\",@SUM(A1)\r\n"
                       "\"multi\nline\",-,\t=tab\n"
                       "-cmd|' /C calc'!A0,ok,\"\"\n";
    struct mamori_cdr_result *r = run("表.csv", csv, sizeof(csv) - 1);
    assert_int_equal(r->verdict, MAMORI_CDR_SANITIZED);
    const char want[] = "\xef\xbb\xbf"
                        "a,b,c\r\n"
                        "'=1+1,-12,+3.5\r\n"
                        "\"'=HYPERLINK(\"\"x\"\")\",\"x,=y\",'@SUM(A1)\r\n"
                        "\"multi\nline\",'-,'\t=tab\n"
                        "'-cmd|' /C calc'!A0,ok,\"\"\n";
    assert_int_equal(r->out_len, sizeof(want) - 1);
    assert_memory_equal(r->out, want, r->out_len);
    assert_int_equal(removed(r, "formulas"), 6);
    assert_string_equal(r->out_type, "text/csv; charset=utf-8");

    /* The report: verdict, hashes, removals, the output. */
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, 1 << 16);
    mamori_json_init(&j, &b, false);
    mamori_cdr_report_json(r, &j);
    assert_int_equal(mamori_json_finish(&j), 0);
    assert_non_null(strstr(b.data, "\"verdict\":\"sanitized\""));
    assert_non_null(strstr(b.data, "\"formulas\":6"));
    assert_non_null(strstr(b.data, r->in_sha256));
    assert_non_null(strstr(b.data, r->out_sha256));
    assert_non_null(strstr(b.data, "\"name\":\"表.csv\""));
    mamori_buf_done(&b);
    mamori_cdr_result_free(r);

    /* The rebuilt CSV passes again unchanged. */
    r = run("表.csv", want, sizeof(want) - 1);
    assert_int_equal(r->verdict, MAMORI_CDR_CLEAN);
    mamori_cdr_result_free(r);
}

static void
test_limits(void **state)
{
    struct mamori_cdr_options o;
    mamori_cdr_options_default(&o);
    o.max_bytes = 10;
    struct mamori_cdr_result *r;
    assert_int_equal(mamori_cdr_sanitize("a.txt", "0123456789ab", 12, &o, &r), 0);
    assert_string_equal(r->reason, "too-large");
    mamori_cdr_result_free(r);
    assert_int_equal(mamori_cdr_sanitize(NULL, "x", 1, &o, &r), -EINVAL);
    /* Not an archive, not an image: a broken zip is a verdict. */
    mamori_cdr_options_default(&o);
    assert_int_equal(mamori_cdr_sanitize("a.zip", "PK\x03\x04garbage", 11, &o, &r), 0);
    assert_int_equal(r->verdict, MAMORI_CDR_BLOCKED);
    mamori_cdr_result_free(r);
    assert_int_equal(mamori_cdr_sanitize("a.png", "\x89PNG\r\n\x1a\nbroken", 14, &o, &r), 0);
    assert_string_equal(r->reason, "malformed-image");
    mamori_cdr_result_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
