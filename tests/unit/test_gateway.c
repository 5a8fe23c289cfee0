/*
 * The gateway's pieces that need no daemon: mamorid.conf, the sanitizing job's request header,
 * and the store rows of persons and release requests. (tests/integration/gateway.sh and
 * release.sh run the daemon and the workflow for real.)
 */
#include <errno.h>

#include "helpers.h"

#include "mamori/gateway.h"
#include "mamori/store.h"

static char *
write_tmp(const char *dir, const char *name, const char *text)
{
    char *p;
    assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
    assert_int_equal(mamori_fs_write_atomic(p, text, strlen(text), 0600), 0);
    return p;
}

static void
test_config(void **state)
{
    char *dir = test_tmpdir();
    struct mamori_gateway_config c;
    struct mamori_diags d;

    /* No file: the defaults of DESIGN.md §5. */
    char *none;
    assert_true(asprintf(&none, "%s/none.conf", dir) > 0);
    mamori_diags_init(&d, none);
    assert_int_equal(mamori_gateway_config_load(none, &c, &d), 0);
    assert_int_equal(c.n_milter, 2);
    assert_string_equal(c.milter[0], "unix:run/milter.sock");
    assert_string_equal(c.milter[1], "inet:127.0.0.1:8891");
    assert_int_equal(c.workers, 2);
    assert_int_equal(c.worker_timeout, 30);
    assert_string_equal(c.clamd, "unix:/run/clamav/clamd.ctl");
    assert_null(c.mail_relay); /* mail delivery of originals is set up by hand */
    mamori_gateway_config_done(&c);
    mamori_diags_done(&d);

    char *good = write_tmp(dir, "good.conf",
                           "# comment\n milter = inet:[::1]:9999 , unix:/x/m.sock # trailing\n"
                           "workers=4\nworker_timeout = 5\nclamd = inet:127.0.0.1:3310\n"
                           "mail_relay = inet:127.0.0.1:25\nalert_mail = joho@lgwan.example\n");
    mamori_diags_init(&d, good);
    assert_int_equal(mamori_gateway_config_load(good, &c, &d), 0);
    assert_int_equal(c.n_milter, 2);
    assert_string_equal(c.milter[0], "inet:[::1]:9999");
    assert_string_equal(c.milter[1], "unix:/x/m.sock");
    assert_int_equal(c.workers, 4);
    assert_int_equal(c.worker_timeout, 5);
    assert_string_equal(c.clamd, "inet:127.0.0.1:3310");
    assert_string_equal(c.mail_relay, "inet:127.0.0.1:25");
    assert_string_equal(c.alert_mail, "joho@lgwan.example");
    /* The command line replaces the file's listeners. */
    assert_int_equal(mamori_gateway_config_set_milter(&c, "inet:127.0.0.1:1", true), 0);
    assert_int_equal(c.n_milter, 1);
    assert_int_equal(mamori_gateway_config_set_milter(&c, "tcp:1.2.3.4:5", false), MAMORI_E_SYNTAX);
    mamori_gateway_config_done(&c);
    mamori_diags_done(&d);

    /* Every bad line is reported with its line; nothing is half-loaded. */
    char *bad =
        write_tmp(dir, "bad.conf",
                  "milter = inet:127.0.0.1\nworkers = 0\nworkers = many\nfoo = 1\n"
                  "just words\nclamd = /run/clamd.sock\nalert_mail = <a@b>\nworker_timeout = 30\n");
    mamori_diags_init(&d, bad);
    assert_int_equal(mamori_gateway_config_load(bad, &c, &d), MAMORI_E_INVALID);
    assert_int_equal(d.n, 7);
    uint32_t lines[7];
    for (size_t i = 0; i < 7; i++)
        lines[i] = d.items[i].line;
    static const uint32_t want[7] = {1, 2, 3, 4, 5, 6, 7};
    assert_memory_equal(lines, want, sizeof(want));
    mamori_diags_done(&d);
    free(none);
    free(good);
    free(bad);
    test_tmpdir_remove(dir);
}

/* The job refuses a request without its header or with modes out of range. */
static void
test_job_header(void **state)
{
    struct mamori_mail_job job = {0};
    job.opts.urls = MAMORI_URL_DEFANG;
    mamori_mail_init();
    static const char msg[] = "From: a@ext.example\nSubject: x\n\nsee https://example.jp/a\n";
    char req[sizeof(msg) + MAMORI_MAIL_JOB_HEADER];
    struct mamori_buf out;
    mamori_buf_init(&out, 1 << 20);
    assert_int_equal(mamori_mail_job_run(&job, msg, sizeof(msg) - 1, &out), MAMORI_E_SYNTAX);
    mamori_mail_job_header(req, 7, MAMORI_MAIL_JOB_POLICY);
    memcpy(req + MAMORI_MAIL_JOB_HEADER, msg, sizeof(msg) - 1);
    assert_int_equal(mamori_mail_job_run(&job, req, sizeof(req) - 1, &out), MAMORI_E_SYNTAX);
    /* Policy modes: the link is defanged; a sender rule's "keep": it stays. */
    for (int keep = 0; keep < 2; keep++) {
        mamori_buf_reset(&out);
        mamori_mail_job_header(req, keep ? MAMORI_URL_KEEP : MAMORI_MAIL_JOB_POLICY,
                               MAMORI_MAIL_JOB_POLICY);
        assert_int_equal(mamori_mail_job_run(&job, req, sizeof(req) - 1, &out), 0);
        struct mamori_mail_result *res;
        assert_int_equal(mamori_mail_result_decode(out.data, out.len, &res), 0);
        assert_int_equal(res->verdict, MAMORI_MAIL_SANITIZED);
        assert_int_equal(res->urls_defanged, keep ? 0 : 1);
        mamori_mail_result_free(res);
    }
    mamori_buf_done(&out);
}

static int
count_req(void *ctx, const struct mamori_store_request *r)
{
    (*(int *)ctx)++;
    return 0;
}

static void
test_store_people_and_requests(void **state)
{
    char *dir = test_tmpdir();
    char *db;
    assert_true(asprintf(&db, "%s/store.db", dir) > 0);
    struct mamori_store *st;
    assert_int_equal(mamori_store_open(db, false, &st), 0);
    struct mamori_store_person p = {.id = "tanaka",
                                    .name = "田中",
                                    .role = "staff",
                                    .unit = "shimin-zeimu",
                                    .mail = "tanaka@lgwan.example",
                                    .password_hash = "$argon2id$x",
                                    .created_us = 5};
    assert_int_equal(mamori_store_person_put(st, &p), 0);
    assert_int_equal(mamori_store_person_put(st, &p), -EEXIST);
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person got;
    assert_int_equal(mamori_store_person_get(st, "tanaka", a, &got), 0);
    assert_string_equal(got.name, "田中");
    assert_false(got.disabled);
    assert_int_equal(mamori_store_person_set_disabled(st, "tanaka", true), 0);
    assert_int_equal(mamori_store_person_get(st, "tanaka", a, &got), 0);
    assert_true(got.disabled);
    assert_int_equal(mamori_store_person_set_disabled(st, "nobody", true), -ENOENT);

    struct mamori_store_request q = {.original = "sha256:00",
                                     .requester = "tanaka",
                                     .reason = "見積書",
                                     .state = "requested",
                                     .created_us = 1,
                                     .expires_us = 2};
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(mamori_store_request_insert(st, &q, &id1), 0);
    assert_int_equal(mamori_store_request_insert(st, &q, &id2), 0);
    assert_int_equal(id2, id1 + 1);
    q.requester = "ghost"; /* not a person */
    assert_int_equal(mamori_store_request_insert(st, &q, &id2), -EEXIST);
    q.requester = "tanaka";
    q.state = "granted"; /* not a state */
    assert_int_equal(mamori_store_request_insert(st, &q, &id2), -EEXIST);
    /* A decision applies only from the state the decider saw. */
    assert_int_equal(
        mamori_store_request_set_state(st, id1, "requested", "approved", "kacho", "", 3), 0);
    assert_int_equal(mamori_store_request_set_state(st, id1, "requested", "denied", "other", "", 4),
                     -EBUSY);
    struct mamori_store_request r;
    assert_int_equal(mamori_store_request_get(st, id1, a, &r), 0);
    assert_string_equal(r.state, "approved");
    assert_string_equal(r.decided_by, "kacho");
    assert_int_equal(r.decided_us, 3);
    assert_string_equal(r.reason, "見積書");
    assert_int_equal(mamori_store_request_get(st, 999, a, &r), -ENOENT);
    int n = 0;
    assert_int_equal(mamori_store_request_iterate(st, count_req, &n), 0);
    assert_int_equal(n, 2);
    mamori_arena_free(a);
    mamori_store_close(st);
    free(db);
    test_tmpdir_remove(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_job_header),
        cmocka_unit_test(test_store_people_and_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
