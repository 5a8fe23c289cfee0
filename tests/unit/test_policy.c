/*
 * Policy tests: golden diagnostics for every file in tests/data/policy/{bad,good} (exact
 * FILE:LINE:COL lines, regenerated with MAMORI_REGEN=1 and reviewed), and flow decisions on
 * the example city's policy, table-driven.
 */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>

#include "mamori/policy.h"

/* Fixed "today" for the golden files: 2026-04-01 (JST). */
#define TODAY 20544

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks every NAME.yaml in dir against NAME.expected; want_ok: the policy must load. */
static void
golden_dir(const char *rel, bool want_ok)
{
    char *dir = test_source_path(rel);
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_str);
    assert_true(n > 0);
    bool regen = getenv("MAMORI_REGEN") != NULL;
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char *path = NULL, *exp_path = NULL;
        assert_true(asprintf(&path, "%s/%s", dir, names[i]) > 0);
        assert_true(
            asprintf(&exp_path, "%s/%.*s.expected", dir, (int)strlen(names[i]) - 5, names[i]) > 0);
        char *data;
        size_t len;
        assert_int_equal(mamori_fs_read_file(path, MAMORI_POLICY_MAX_BYTES, &data, &len), 0);
        struct mamori_diags diags;
        mamori_diags_init(&diags, names[i]);
        struct mamori_policy *p = NULL;
        int r = mamori_policy_parse(data, len, TODAY, &p, &diags);
        free(data);
        struct mamori_buf out;
        mamori_buf_init(&out, 1 << 20);
        mamori_diags_format(&diags, &out);
        const char *got = out.data ? out.data : "";
        if (want_ok && r != 0) {
            fprintf(stderr, "%s: expected to load, got %d:\n%s", names[i], r, got);
            failures++;
        }
        if (!want_ok && r != MAMORI_E_INVALID) {
            fprintf(stderr, "%s: expected MAMORI_E_INVALID, got %d\n", names[i], r);
            failures++;
        }
        if (regen) {
            assert_int_equal(mamori_fs_write_atomic(exp_path, got, strlen(got), 0644), 0);
        } else {
            char *want;
            size_t wlen;
            if (mamori_fs_read_file(exp_path, 1 << 20, &want, &wlen) < 0) {
                fprintf(stderr, "%s: no %s (run with MAMORI_REGEN=1 and review)\n", names[i],
                        exp_path);
                failures++;
            } else {
                if (strcmp(want, got) != 0) {
                    fprintf(stderr, "%s: diagnostics differ\n--- expected\n%s--- got\n%s", names[i],
                            want, got);
                    failures++;
                }
                free(want);
            }
        }
        mamori_buf_done(&out);
        mamori_diags_done(&diags);
        mamori_policy_free(p);
        free(path);
        free(exp_path);
        free(names[i]);
    }
    free(dir);
    assert_int_equal(failures, 0);
}

static void
test_golden_bad(void **state)
{
    golden_dir("tests/data/policy/bad", false);
}

static void
test_golden_good(void **state)
{
    golden_dir("tests/data/policy/good", true);
}

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
    int r = mamori_policy_parse(data, len, TODAY, &p, &diags);
    if (r != 0 || diags.n != 0) {
        struct mamori_buf out;
        mamori_buf_init(&out, 1 << 20);
        mamori_diags_format(&diags, &out);
        fprintf(stderr, "%s", out.data ? out.data : "");
        mamori_buf_done(&out);
    }
    assert_int_equal(r, 0);
    assert_int_equal(diags.n, 0); /* the example is clean: no warnings either */
    mamori_diags_done(&diags);
    free(data);
    free(path);
    return p;
}

static const struct {
    const char *from, *to, *service, *want;
} flow_cases[] = {
    /* The three-layer separation on zone level. */
    {"internet", "lgwan", "smtp", "mail_text rule=mail-in clause=6(3)②"},
    {"internet", "lgwan", "tcp/25", "mail_text rule=mail-in clause=6(3)②"},
    {"internet", "lgwan", "file-transfer", "file_sanitize rule=file-in clause=6(3)②"},
    {"internet", "lgwan", "https", "deny rule=default clause=6(3)②"},
    {"mynumber", "internet", "https", "deny rule=default clause=6(3)①"},
    {"internet", "mynumber", "smtp", "deny rule=no-internet-to-mynumber clause=6(3)①"},
    {"lgwan", "mynumber", "https", "deny rule=default clause=6(3)①"},
    {"lgwan", "internet", "https", "deny rule=default clause=6(3)②"},
    /* Systems and addresses. */
    {"zeimu-renkei", "internet", "eltax", "national_specific rule=eltax clause=6(3)①"},
    {"10.10.0.21", "203.0.113.5", "tcp/443", "national_specific rule=eltax clause=6(3)①"},
    {"zeimu", "internet", "eltax", "deny rule=default clause=6(3)①"},
    {"togo-atena", "chukan-gw", "chukan", "pinned_exception rule=chukan clause=6(3)①"},
    {"10.10.0.30", "10.20.0.30", "tcp/443", "pinned_exception rule=chukan clause=6(3)①"},
    {"10.10.0.31", "10.20.0.30", "tcp/443", "deny rule=default clause=6(3)①"},
    {"lgwan-mail", "mamori-gw", "smtp", "allow rule=mail-out clause=6(3)②"},
    {"lgwan-mail", "mamori-gw", "https", "deny rule=default clause=6(3)②"},
    {"update-server", "internet", "https", "allow rule=updates clause=6(3)②"},
    {"10.20.16.20", "198.51.100.1", "https", "deny rule=default clause=6(3)②"},
    {"vdi", "lgwan-terminals", "screen", "screen_transfer rule=web-view clause=6(3)②"},
    {"vdi", "10.20.17.3", "udp/3478", "screen_transfer rule=web-view clause=6(3)②"},
    /* Inside zones, sub-zones inherit their parent's rules. */
    {"10.20.16.9", "filesrv", "tcp/445", "allow rule=lgwan-internal clause=6(6)"},
    {"dmz", "internet", "https", "allow rule=internet-internal clause=6(3)③"},
    {"web", "internet-terminals", "icmp", "allow rule=internet-internal clause=6(3)③"},
    {"juki", "zeimu", "tcp/1521", "allow rule=mynumber-internal clause=6(6)"},
    /* An address outside every segment is the internet. */
    {"192.0.2.7", "lgwan", "smtp", "mail_text rule=mail-in clause=6(3)②"},
    {"192.0.2.7", "juki", "https", "deny rule=no-internet-to-mynumber clause=6(3)①"},
};

static void
test_flow_decisions(void **state)
{
    struct mamori_policy *p = example_policy();
    int failures = 0;
    for (size_t i = 0; i < sizeof(flow_cases) / sizeof(flow_cases[0]); i++) {
        struct mamori_endpoint a, b;
        struct mamori_service_query q;
        struct mamori_decision d;
        assert_int_equal(mamori_endpoint_resolve(p, flow_cases[i].from, &a), 0);
        assert_int_equal(mamori_endpoint_resolve(p, flow_cases[i].to, &b), 0);
        assert_int_equal(mamori_service_query_parse(p, flow_cases[i].service, &q), 0);
        assert_int_equal(mamori_flow_decide(p, &a, &b, &q, TODAY, &d), 0);
        struct mamori_buf out;
        mamori_buf_init(&out, 512);
        mamori_decision_format(&d, &out);
        if (strcmp(out.data, flow_cases[i].want) != 0) {
            fprintf(stderr, "%s -> %s %s: got \"%s\", want \"%s\"\n", flow_cases[i].from,
                    flow_cases[i].to, flow_cases[i].service, out.data, flow_cases[i].want);
            failures++;
        }
        mamori_buf_done(&out);
    }
    mamori_policy_free(p);
    assert_int_equal(failures, 0);
}

static void
test_flow_expiry(void **state)
{
    struct mamori_policy *p = example_policy();
    struct mamori_endpoint a, b;
    struct mamori_service_query q;
    struct mamori_decision d;
    assert_int_equal(mamori_endpoint_resolve(p, "togo-atena", &a), 0);
    assert_int_equal(mamori_endpoint_resolve(p, "chukan-gw", &b), 0);
    assert_int_equal(mamori_service_query_parse(p, "chukan", &q), 0);
    int32_t after;
    assert_int_equal(mamori_date_parse("2031-04-01", 10, &after), 0);
    assert_int_equal(mamori_flow_decide(p, &a, &b, &q, after - 1, &d), 0);
    assert_int_equal(d.method, MAMORI_METHOD_PINNED_EXCEPTION); /* last valid day */
    assert_int_equal(mamori_flow_decide(p, &a, &b, &q, after, &d), 0);
    struct mamori_buf out;
    mamori_buf_init(&out, 512);
    mamori_decision_format(&d, &out);
    assert_string_equal(out.data, "deny rule=chukan clause=6(3)① expired=2031-03-31");
    mamori_buf_done(&out);
    mamori_policy_free(p);
}

static void
test_lookups(void **state)
{
    struct mamori_policy *p = example_policy();
    struct mamori_endpoint e;
    assert_int_equal(mamori_endpoint_resolve(p, "nosuch", &e), -ENOENT);
    assert_int_equal(mamori_endpoint_resolve(p, "10.20.0.0/24", &e), -ENOENT);
    struct mamori_service_query q;
    assert_int_equal(mamori_service_query_parse(p, "bogus", &q), -ENOENT);
    assert_int_equal(mamori_service_query_parse(p, "tcp/99999", &q), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_service_query_parse(p, "tcp/1-2", &q), MAMORI_E_SYNTAX);
    assert_string_equal(mamori_policy_approver(p, "asset.dispose"), "section_manager");
    assert_null(mamori_policy_approver(p, "nothing"));
    assert_int_equal(mamori_policy_find_level(p, MAMORI_AXIS_CONFIDENTIALITY, "3A"), 0);
    assert_int_equal(mamori_policy_find_level(p, MAMORI_AXIS_CONFIDENTIALITY, "1"), 4);
    assert_true(mamori_policy_find_role(p, "auditor") >= 0);
    assert_string_equal(mamori_clause_title("6(3)①"), "マイナンバー利用事務系");
    assert_null(mamori_clause_title("6(9)"));
    mamori_policy_free(p);
}

/* 兼務の禁止 and unit scope: the approval matrix names section_manager for quarantine.release. */
static void
test_approvals(void **state)
{
    struct mamori_policy *p = example_policy();
    struct mamori_person_ref staff = {"tanaka", "staff", "shimin-zeimu"};
    struct mamori_person_ref kacho = {"kacho", "section_manager", "shimin-zeimu"};
    struct mamori_person_ref other = {"yoso", "section_manager", "fukushi-kaigo"};
    struct mamori_person_ref bucho = {"bucho", "dept_manager", "shimin"};
    struct mamori_person_ref ciso = {"fuku", "ciso", ""};
    const char *why = NULL;
    assert_int_equal(mamori_policy_may_approve(p, "quarantine.release", &staff, &kacho, &why), 0);
    assert_null(why);
    assert_int_equal(mamori_policy_may_approve(p, "quarantine.release", &kacho, &kacho, &why),
                     MAMORI_E_DENIED);
    assert_string_equal(why, "self-approval");
    assert_int_equal(mamori_policy_may_approve(p, "quarantine.release", &staff, &other, &why),
                     MAMORI_E_DENIED);
    assert_string_equal(why, "outside-unit");
    assert_int_equal(mamori_policy_may_approve(p, "quarantine.release", &staff, &bucho, &why),
                     MAMORI_E_DENIED);
    assert_string_equal(why, "wrong-role");
    assert_int_equal(mamori_policy_may_approve(p, "no.such.action", &staff, &kacho, &why),
                     MAMORI_E_DENIED);
    assert_string_equal(why, "no-approver-for-action");
    /* risk.accept: a department manager approves for units below the department. */
    assert_int_equal(mamori_policy_may_approve(p, "risk.accept", &staff, &bucho, &why), 0);
    struct mamori_person_ref fukushi = {"f", "staff", "fukushi-kaigo"};
    assert_int_equal(mamori_policy_may_approve(p, "risk.accept", &fukushi, &bucho, &why),
                     MAMORI_E_DENIED);
    /* exception: the CISO, for anyone. */
    assert_int_equal(mamori_policy_may_approve(p, "exception", &fukushi, &ciso, &why), 0);
    int z = mamori_policy_find_unit(p, "shimin-zeimu"), d = mamori_policy_find_unit(p, "shimin");
    assert_true(z >= 0 && d >= 0);
    assert_true(mamori_unit_within(p, z, d));
    assert_false(mamori_unit_within(p, d, z));
    assert_false(mamori_unit_within(p, -1, d));
    mamori_policy_free(p);
}

/* Sender rules: the longest matching domain wins; subdomains match, look-alikes do not. */
static void
test_sender_rules(void **state)
{
    const char *yaml = "version: 1\nmunicipality: {name: 村}\nzones: [{id: mynumber}, "
                       "{id: lgwan}, {id: internet}]\nsanitize:\n  urls: defang\n"
                       "  senders:\n    - {domain: partner.example.jp, urls: keep}\n"
                       "    - {domain: example.jp, mailto: remove}\n";
    struct mamori_diags d;
    mamori_diags_init(&d, "senders.yaml");
    struct mamori_policy *p = NULL;
    assert_int_equal(mamori_policy_parse(yaml, strlen(yaml), TODAY, &p, &d), 0);
    const struct mamori_sender_rule *r = mamori_policy_sender_rule(p, "a@partner.example.jp");
    assert_non_null(r);
    assert_string_equal(r->domain, "partner.example.jp");
    assert_int_equal(r->urls, MAMORI_URL_KEEP + 1);
    assert_int_equal(r->mailto, 0); /* as the policy says */
    r = mamori_policy_sender_rule(p, "b@mail.PARTNER.example.jp");
    assert_non_null(r);
    assert_string_equal(r->domain, "partner.example.jp");
    r = mamori_policy_sender_rule(p, "c@other.example.jp");
    assert_non_null(r);
    assert_string_equal(r->domain, "example.jp");
    assert_null(mamori_policy_sender_rule(p, "d@evilpartner.example.jp.attacker.test"));
    assert_null(mamori_policy_sender_rule(p, "e@notexample.jp"));
    assert_null(mamori_policy_sender_rule(p, "no-at-sign"));
    assert_null(mamori_policy_sender_rule(p, ""));
    mamori_policy_free(p);
    mamori_diags_done(&d);
}

static void
test_default_scheme(void **state)
{
    const char *yaml = "version: 1\nmunicipality: {name: 村}\nzones: [{id: mynumber}, "
                       "{id: lgwan}, {id: internet}]\n";
    struct mamori_diags d;
    mamori_diags_init(&d, "min.yaml");
    struct mamori_policy *p = NULL;
    assert_int_equal(mamori_policy_parse(yaml, strlen(yaml), TODAY, &p, &d), 0);
    /* The guideline's scheme is built in: 3A/3B/3C/2/1, restrictions attached. */
    const struct mamori_axis *c = &p->classification.axes[MAMORI_AXIS_CONFIDENTIALITY];
    assert_int_equal(c->n_levels, 5);
    assert_string_equal(c->levels[0].id, "3A");
    assert_string_equal(c->levels[3].id, "2");
    assert_true(c->levels[3].n_restrictions >= 6);
    assert_int_equal(c->levels[4].n_restrictions, 0);
    assert_int_equal(p->classification.axes[MAMORI_AXIS_INTEGRITY].n_levels, 2);
    assert_int_equal(p->retention.originals_days, 90);
    assert_int_equal(mamori_policy_find_role(p, "ciso"), 0);
    mamori_policy_free(p);
    mamori_diags_done(&d);
}

static void
test_matrix(void **state)
{
    struct mamori_policy *p = example_policy();
    struct mamori_buf out;
    mamori_buf_init(&out, 1 << 20);
    assert_int_equal(mamori_policy_matrix(p, true, false, TODAY, &out), 0);
    assert_non_null(strstr(out.data, "インターネット接続系 → LGWAN接続系\n  メールテキスト化"));
    assert_non_null(
        strstr(out.data, "マイナンバー利用事務系 → インターネット接続系\n  国が認めた特定通信"));
    mamori_buf_reset(&out);
    assert_int_equal(mamori_policy_matrix(p, false, true, TODAY, &out), 0);
    assert_non_null(strstr(out.data, "{\"from\":\"internet\",\"to\":\"lgwan\",\"flows\":[{\"rule\":"
                                     "\"mail-in\""));
    mamori_buf_done(&out);
    mamori_policy_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_bad),     cmocka_unit_test(test_golden_good),
        cmocka_unit_test(test_flow_decisions), cmocka_unit_test(test_flow_expiry),
        cmocka_unit_test(test_lookups),        cmocka_unit_test(test_default_scheme),
        cmocka_unit_test(test_matrix),         cmocka_unit_test(test_approvals),
        cmocka_unit_test(test_sender_rules),
    };
    return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
