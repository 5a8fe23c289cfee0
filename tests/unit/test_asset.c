/*
 * The asset register's pure parts: CSV reading and writing (quotes, line ends, formula guard),
 * decoding CP932 and UTF-8, the mapping file, rows checked against the example city's policy
 * (problems named by row and column), combined levels, derived restrictions, labels, risk.
 * (tests/integration/asset.sh drives the register, the CLI and the console.)
 */
#include <errno.h>

#include "helpers.h"

#include "mamori/asset.h"

#define TODAY 20786 /* 2026-11-29 */

static struct mamori_policy *
example_policy(void)
{
    char *path = test_source_path("examples/city/mamori.yaml");
    char *data;
    size_t len;
    assert_int_equal(mamori_fs_read_file(path, MAMORI_POLICY_MAX_BYTES, &data, &len), 0);
    struct mamori_diags diags;
    mamori_diags_init(&diags, path);
    struct mamori_policy *p = NULL;
    assert_int_equal(mamori_policy_parse(data, len, TODAY, &p, &diags), 0);
    mamori_diags_done(&diags);
    free(data);
    free(path);
    return p;
}

static void
test_csv(void **state)
{
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_csv csv;
    size_t line = 0;
    const char *in = "a,\"b,\"\"c\"\"\",\r\n\"multi\nline\",x,\n\nlast";
    assert_int_equal(mamori_csv_parse(in, strlen(in), a, &csv, &line), 0);
    assert_int_equal(csv.n_rows, 4);
    assert_int_equal(csv.n_fields[0], 3);
    assert_string_equal(csv.rows[0][1], "b,\"c\"");
    assert_string_equal(csv.rows[0][2], "");
    assert_string_equal(csv.rows[1][0], "multi\nline");
    assert_int_equal(csv.n_fields[2], 1);
    assert_string_equal(csv.rows[3][0], "last");
    /* a file ending in a line break has no extra row */
    in = "h1,h2\r\nv1,\r\n";
    assert_int_equal(mamori_csv_parse(in, strlen(in), a, &csv, &line), 0);
    assert_int_equal(csv.n_rows, 2);
    assert_int_equal(csv.n_fields[1], 2);
    /* a quote that never closes names its line */
    in = "x\r\ny\r\n\"open,\nmore";
    assert_int_equal(mamori_csv_parse(in, strlen(in), a, &csv, &line), MAMORI_E_INVALID);
    assert_int_equal(line, 3);
    mamori_arena_free(a);
}

static void
test_csv_guard(void **state)
{
    /* cells Excel would run as formulas are written with a leading ' and read back as typed */
    const char *values[] = {"=cmd|' /C calc'!A0", "+1", "-", "@SUM(A1)", "'quoted", "plain", "a,b",
                            "say \"hi\""};
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 16);
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(values); i++)
        assert_int_equal(mamori_csv_field(&b, values[i], i == 0), 0);
    assert_non_null(strstr(b.data, "\"'=cmd|' /C calc'!A0\""));
    assert_null(strstr(b.data, ",=") ? "unguarded" : NULL);
    assert_true(b.data[0] == '"');
    mamori_buf_done(&b);
}

static void
test_decode(void **state)
{
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    char *out;
    size_t n, line;
    const char *enc;
    /* 機密性,① in CP932; NEC special characters survive */
    const char cp932[] = "\x8b\x40\x96\xa7\x90\xab,\x87\x40\r\n";
    assert_int_equal(mamori_asset_decode(cp932, sizeof(cp932) - 1, a, &out, &n, &enc, &line), 0);
    assert_string_equal(enc, "CP932");
    assert_string_equal(out, "機密性,①\r\n");
    const char bom[] = "\xef\xbb\xbf資産番号\n";
    assert_int_equal(mamori_asset_decode(bom, sizeof(bom) - 1, a, &out, &n, &enc, &line), 0);
    assert_string_equal(out, "資産番号\n");
    /* a byte neither UTF-8 nor CP932 is placed on its line */
    const char bad[] = "ok\nok\n\x82\xff\n";
    assert_int_equal(mamori_asset_decode(bad, sizeof(bad) - 1, a, &out, &n, &enc, &line),
                     MAMORI_E_INVALID);
    assert_int_equal(line, 3);
    /* back to CP932, and a character CP932 lacks is named */
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 16);
    uint32_t cp = 0;
    assert_int_equal(mamori_asset_to_cp932("機密性,①\r\n", strlen("機密性,①\r\n"), &b, &cp, &line),
                     0);
    assert_memory_equal(b.data, cp932, sizeof(cp932) - 1);
    mamori_buf_reset(&b);
    assert_int_equal(mamori_asset_to_cp932("a\nb😀\n", strlen("a\nb😀\n"), &b, &cp, &line),
                     MAMORI_E_INVALID);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(line, 2);
    mamori_buf_done(&b);
    mamori_arena_free(a);
}

static struct mamori_store_asset
asset(const char *id, const char *conf, const char *integ, const char *avail)
{
    struct mamori_store_asset x = {0};
    for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
        x.f[f] = "";
    x.f[MAMORI_ASSET_ID] = id;
    x.f[MAMORI_ASSET_NAME] = "住民記録";
    x.f[MAMORI_ASSET_TYPE] = "情報";
    x.f[MAMORI_ASSET_UNIT] = "市民課";
    x.f[MAMORI_ASSET_MANAGER] = "市民課長";
    x.f[MAMORI_ASSET_CONF] = conf;
    x.f[MAMORI_ASSET_INTEG] = integ;
    x.f[MAMORI_ASSET_AVAIL] = avail;
    return x;
}

static void
test_normalize(void **state)
{
    struct mamori_policy *p = example_policy();
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, a, 100);
    mamori_i18n_init("ja");
    /* names become ids; "機密性3A" and the older scheme's "3" (an alias) are levels */
    struct mamori_store_asset x = asset("A-1", "機密性3A", "2", "1");
    int aliased = 0;
    mamori_asset_normalize(p, &x, a, &pr, 0, &aliased);
    assert_int_equal(pr.n, 0);
    assert_string_equal(x.f[MAMORI_ASSET_TYPE], "information");
    assert_string_equal(x.f[MAMORI_ASSET_UNIT], "shimin-shimin");
    assert_string_equal(x.f[MAMORI_ASSET_CONF], "3A");
    assert_string_equal(x.f[MAMORI_ASSET_STATE], "active");
    x = asset("A-2", "3", "1", "1");
    mamori_asset_normalize(p, &x, a, &pr, 0, &aliased);
    assert_int_equal(pr.n, 0);
    assert_string_equal(x.f[MAMORI_ASSET_CONF], "3B");
    assert_int_equal(aliased, 1);
    /* every problem is named: unknown level, missing RTO for 可用性2, bidi, bad date */
    x = asset("A 3", "極秘", "2", "2");
    x.f[MAMORI_ASSET_NAME] = "invoice\xe2\x80\xaegpj.exe";
    x.f[MAMORI_ASSET_REVIEW_DUE] = "2027/13/01";
    x.f[MAMORI_ASSET_RESTRICT_ADD] = "backup";
    mamori_asset_normalize(p, &x, a, &pr, 17, NULL);
    bool level = false, rto = false, bidi = false, date = false, id = false, reason = false;
    for (size_t i = 0; i < pr.n; i++) {
        assert_int_equal(pr.v[i].row, 17);
        const char *m = pr.v[i].message, *c = pr.v[i].column;
        level |= strcmp(c, "機密性") == 0 && strstr(m, "極秘") != NULL;
        rto |= strcmp(c, "目標復旧時間（時間）") == 0;
        bidi |= strcmp(c, "名称") == 0 && strstr(m, "U+202E") != NULL;
        date |= strcmp(c, "次回見直し日") == 0;
        id |= strcmp(c, "資産番号") == 0;
        reason |= strcmp(c, "取扱制限の変更理由") == 0;
    }
    assert_true(level && rto && bidi && date && id && reason);
    /* Excel's 2027/4/1 is a date */
    pr.n = 0;
    x = asset("A-4", "2", "1", "1");
    x.f[MAMORI_ASSET_REVIEW_DUE] = "2027/4/1";
    mamori_asset_normalize(p, &x, a, &pr, 0, NULL);
    assert_int_equal(pr.n, 0);
    assert_string_equal(x.f[MAMORI_ASSET_REVIEW_DUE], "2027-04-01");
    mamori_arena_free(a);
    mamori_policy_free(p);
}

static void
test_rules(void **state)
{
    struct mamori_policy *p = example_policy();
    struct mamori_store_asset data = asset("D", "3B", "1", "2");
    struct mamori_store_asset server = asset("S", "2", "2", "1");
    data.f[MAMORI_ASSET_UNIT] = server.f[MAMORI_ASSET_UNIT] = "shimin-shimin";
    const struct mamori_store_asset *parts[] = {&data, &server};
    const char *levels[3];
    mamori_asset_combine(p, parts, 2, levels);
    assert_string_equal(levels[0], "3B");
    assert_string_equal(levels[1], "2");
    assert_string_equal(levels[2], "2");
    /* 3B implies the 機密性2 set plus issued devices; an override adds and removes with a
     * reason (checked elsewhere) */
    const char *ids[32];
    size_t n = mamori_asset_restrictions(p, &data, ids, 32);
    bool issued = false, recovery = false;
    for (size_t i = 0; i < n; i++) {
        issued |= strcmp(ids[i], "issued_devices_only") == 0;
        recovery |= strcmp(ids[i], "recovery_time") == 0;
    }
    assert_true(issued && recovery);
    data.f[MAMORI_ASSET_RESTRICT_REMOVE] = "issued_devices_only";
    data.f[MAMORI_ASSET_RESTRICT_ADD] = "e_signature";
    size_t m = mamori_asset_restrictions(p, &data, ids, 32);
    assert_int_equal(m, n);
    for (size_t i = 0; i < m; i++)
        assert_string_not_equal(ids[i], "issued_devices_only");
    char label[128];
    mamori_asset_label(p, &data, true, label, sizeof(label));
    assert_string_equal(label, "機密性3B 完全性1 可用性2");
    mamori_asset_label(p, &data, false, label, sizeof(label));
    assert_string_equal(label, "C3B I1 A2");
    /* sensitivity: everything above the lowest confidentiality level */
    assert_true(mamori_asset_sensitive(p, &server));
    struct mamori_store_asset open = asset("O", "1", "1", "1");
    assert_false(mamori_asset_sensitive(p, &open));
    /* impact: an attack harms all three axes, an earthquake availability only */
    int quake = mamori_policy_find_threat(p, "earthquake");
    int access = mamori_policy_find_threat(p, "unauthorized_access");
    assert_true(quake >= 0 && access >= 0);
    assert_int_equal(mamori_asset_impact(p, &data, &p->threats[access]), 3);
    assert_int_equal(mamori_asset_impact(p, &data, &p->threats[quake]), 2);
    assert_int_equal(mamori_asset_impact(p, &open, &p->threats[quake]), 1);
    assert_string_equal(mamori_risk_band(2), "low");
    assert_string_equal(mamori_risk_band(4), "medium");
    assert_string_equal(mamori_risk_band(6), "high");
    /* who may edit: managers and administrators of the unit or above, never plain staff */
    struct mamori_store_person kacho = {
        .id = "k", .role = "section_manager", .unit = "shimin-shimin"};
    struct mamori_store_person other = {
        .id = "o", .role = "section_manager", .unit = "shimin-zeimu"};
    struct mamori_store_person bucho = {.id = "b", .role = "dept_manager", .unit = "shimin"};
    struct mamori_store_person staff = {.id = "s", .role = "staff", .unit = "shimin-shimin"};
    assert_true(mamori_asset_may_edit(p, &kacho, "shimin-shimin"));
    assert_false(mamori_asset_may_edit(p, &other, "shimin-shimin"));
    assert_true(mamori_asset_may_edit(p, &bucho, "shimin-shimin"));
    assert_false(mamori_asset_may_edit(p, &staff, "shimin-shimin"));
    mamori_policy_free(p);
}

static void
test_rows_and_mapping(void **state)
{
    struct mamori_policy *p = example_policy();
    struct mamori_arena *a = mamori_arena_new(1 << 22);
    mamori_i18n_init("ja");
    const char *map_text = "# 旧台帳\n[columns]\n管理番号 = id\n資産名 = name\n区分 = type\n"
                           "担当課 = unit\n責任者 = manager\n機密 = conf\n完全 = integ\n"
                           "可用 = avail\n作成者 = -\n[confidentiality]\n極秘 = 3A\n秘 = 3B\n"
                           "[type]\nデータ = information\n";
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, a, 100);
    struct mamori_asset_mapping map;
    assert_int_equal(mamori_asset_mapping_parse(map_text, strlen(map_text), a, &map, &pr), 0);
    const char *csv_text = "管理番号,資産名,区分,担当課,責任者,機密,完全,可用,作成者\r\n"
                           "K-1,住民票データ,データ,市民課,課長,極秘,2,1,山田\r\n"
                           "K-2,課税台帳,データ,税務課,課長,秘,2,1,山田\r\n"
                           "K-3,謎,データ,市民課,課長,超極秘,2,1,山田\r\n"
                           "K-1,重複,データ,市民課,課長,秘,2,1,山田\r\n";
    struct mamori_csv csv;
    size_t line;
    assert_int_equal(mamori_csv_parse(csv_text, strlen(csv_text), a, &csv, &line), 0);
    struct mamori_store_asset *rows;
    size_t n;
    assert_int_equal(mamori_asset_rows(p, &csv, &map, a, &rows, &n, NULL, &pr), MAMORI_E_INVALID);
    assert_int_equal(n, 4);
    assert_string_equal(rows[0].f[MAMORI_ASSET_CONF], "3A");
    assert_string_equal(rows[1].f[MAMORI_ASSET_CONF], "3B");
    assert_string_equal(rows[1].f[MAMORI_ASSET_UNIT], "shimin-zeimu");
    assert_int_equal(pr.n, 2);
    assert_int_equal(pr.v[0].row, 4);
    /* the column as the file names it */
    assert_string_equal(pr.v[0].column, "機密");
    assert_non_null(strstr(pr.v[0].message, "超極秘"));
    assert_int_equal(pr.v[1].row, 5);
    /* an unknown column is refused rather than silently dropped */
    mamori_asset_problems_init(&pr, a, 100);
    const char *unknown = "資産番号,名称,謎の列\r\nX-1,a,b\r\n";
    assert_int_equal(mamori_csv_parse(unknown, strlen(unknown), a, &csv, &line), 0);
    assert_int_equal(mamori_asset_rows(p, &csv, NULL, a, &rows, &n, NULL, &pr), MAMORI_E_INVALID);
    assert_int_equal(pr.v[0].row, 1);
    assert_string_equal(pr.v[0].column, "謎の列");
    /* a bad mapping file names its line */
    mamori_asset_problems_init(&pr, a, 100);
    const char *bad = "[columns]\n管理番号 = nosuchfield\n[colour]\n";
    assert_int_equal(mamori_asset_mapping_parse(bad, strlen(bad), a, &map, &pr), MAMORI_E_INVALID);
    assert_int_equal(pr.n, 2);
    assert_int_equal(pr.v[0].row, 2);
    assert_int_equal(pr.v[1].row, 3);
    mamori_arena_free(a);
    mamori_policy_free(p);
}

static void
test_export_row(void **state)
{
    /* mamori's layout: a row written and read back gives the same fields */
    struct mamori_policy *p = example_policy();
    struct mamori_arena *a = mamori_arena_new(1 << 22);
    struct mamori_store_asset x = asset("R-1", "3A", "2", "2");
    x.f[MAMORI_ASSET_UNIT] = "shimin-shimin";
    x.f[MAMORI_ASSET_TYPE] = "information";
    x.f[MAMORI_ASSET_RTO_HOURS] = "24";
    x.f[MAMORI_ASSET_NOTE] = "=HYPERLINK(\"http://x\")\n二行目, \"引用\"";
    x.f[MAMORI_ASSET_STATE] = "active";
    x.f[MAMORI_ASSET_REVIEW_DUE] = "2027-04-01";
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    assert_int_equal(mamori_asset_csv_header(&b), 0);
    assert_int_equal(mamori_asset_csv_row(p, &x, &b), 0);
    struct mamori_csv csv;
    size_t line;
    assert_int_equal(mamori_csv_parse(b.data, b.len, a, &csv, &line), 0);
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, a, 100);
    struct mamori_store_asset *rows;
    size_t n;
    assert_int_equal(mamori_asset_rows(p, &csv, NULL, a, &rows, &n, NULL, &pr), 0);
    assert_int_equal(n, 1);
    for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
        assert_string_equal(rows[0].f[f], x.f[f]);
    mamori_buf_done(&b);
    mamori_arena_free(a);
    mamori_policy_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),        cmocka_unit_test(test_csv_guard),
        cmocka_unit_test(test_decode),     cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_rules),      cmocka_unit_test(test_rows_and_mapping),
        cmocka_unit_test(test_export_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
