/*
 * Store tests (SQLite backend): creation and migration, reopening, metadata, read-only
 * opening, a schema newer than this build refused, and the role history the store keeps.
 */
#include "helpers.h"

#include <errno.h>
#include <sqlite3.h>

#include "mamori/store.h"

static void
test_create_reopen(void **state)
{
    char *dir = test_tmpdir();
    char *path = NULL;
    assert_true(asprintf(&path, "%s/store.db", dir) > 0);
    struct mamori_store *s;
    assert_int_equal(mamori_store_open(path, true, &s), -ENOENT); /* read-only: no creation */
    assert_int_equal(mamori_store_open(path, false, &s), 0);
    assert_string_equal(mamori_store_backend(s), "sqlite");
    int v;
    assert_int_equal(mamori_store_schema_version(s, &v), 0);
    assert_int_equal(v, MAMORI_STORE_SCHEMA_VERSION);
    char *val;
    assert_int_equal(mamori_store_meta_get(s, "k", &val), -ENOENT);
    assert_int_equal(mamori_store_meta_set(s, "k", "値"), 0);
    assert_int_equal(mamori_store_meta_set(s, "k", "value2"), 0);
    mamori_store_close(s);

    char *uri = NULL;
    assert_true(asprintf(&uri, "sqlite:%s", path) > 0);
    assert_int_equal(mamori_store_open(uri, true, &s), 0);
    assert_int_equal(mamori_store_meta_get(s, "k", &val), 0);
    assert_string_equal(val, "value2");
    free(val);
    assert_int_equal(mamori_store_meta_set(s, "x", "y"), -EROFS);
    mamori_store_close(s);
    assert_int_equal(mamori_store_open("postgresql://localhost/mamori", false, &s),
                     -EPROTONOSUPPORT);
    free(uri);
    free(path);
    test_tmpdir_remove(dir);
}

struct spans {
    char text[512];
    int n;
};

static int
span_cb(void *ctx, const struct mamori_store_role_span *sp)
{
    struct spans *s = ctx;
    size_t len = strlen(s->text);
    snprintf(s->text + len, sizeof(s->text) - len, "%s%s:%s:%s:%lld-%lld", s->n ? " " : "",
             sp->person, sp->role, sp->unit, (long long)(sp->from_us / 1000000),
             (long long)(sp->until_us / 1000000));
    s->n++;
    return 0;
}

static const char *
spans(struct mamori_store *st, struct mamori_store_role_query q, struct spans *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(mamori_store_role_iterate(st, &q, span_cb, s), 0);
    return s->text;
}

/* Every change of a person's role, unit or account closes one span and opens the next, at the
 * store's clock (MAMORI_NOW here); "at" finds who held a role on a day. */
static void
test_role_history(void **state)
{
    char *dir = test_tmpdir();
    char *path = NULL;
    assert_true(asprintf(&path, "%s/store.db", dir) > 0);
    struct mamori_store *st;
    assert_int_equal(mamori_store_open(path, false, &st), 0);
    struct mamori_store_person p = {.id = "yamada",
                                    .name = "山田",
                                    .role = "section_manager",
                                    .unit = "somu-somu",
                                    .mail = "",
                                    .password_hash = "x",
                                    .created_us = 1000 * 1000000LL};
    assert_int_equal(mamori_store_person_put(st, &p), 0);
    p.id = "sato";
    p.role = "ciso";
    p.unit = "";
    assert_int_equal(mamori_store_person_put(st, &p), 0);
    setenv("MAMORI_NOW", "2000", 1);
    assert_int_equal(mamori_store_person_update(st, "yamada", "dept_manager", "somu", NULL), 0);
    setenv("MAMORI_NOW", "2500", 1);
    assert_int_equal(mamori_store_person_update(st, "yamada", NULL, NULL, "newhash"), 0);
    setenv("MAMORI_NOW", "3000", 1);
    assert_int_equal(mamori_store_person_set_disabled(st, "sato", true), 0);
    unsetenv("MAMORI_NOW");
    struct spans s;
    assert_string_equal(spans(st, (struct mamori_store_role_query){0}, &s),
                        "yamada:section_manager:somu-somu:1000-2000 sato:ciso::1000-3000 "
                        "yamada:dept_manager:somu:2000-0");
    assert_string_equal(
        spans(st, (struct mamori_store_role_query){.role = "ciso", .at_us = 2999 * 1000000LL}, &s),
        "sato:ciso::1000-3000");
    assert_int_equal(s.n, 1);
    spans(st, (struct mamori_store_role_query){.role = "ciso", .at_us = 3000 * 1000000LL}, &s);
    assert_int_equal(s.n, 0);
    assert_string_equal(
        spans(st, (struct mamori_store_role_query){.person = "yamada", .at_us = 1500 * 1000000LL},
              &s),
        "yamada:section_manager:somu-somu:1000-2000");
    /* 兼務: an appointment beside the role, kept through a change of role, ended by dismissal
     * or by disabling the person. */
    setenv("MAMORI_NOW", "4000", 1);
    assert_int_equal(mamori_store_role_appoint(st, "yamada", "committee", "", 4000 * 1000000LL), 0);
    assert_int_equal(mamori_store_role_appoint(st, "yamada", "committee", "", 4001 * 1000000LL),
                     -EEXIST);
    assert_int_equal(mamori_store_role_appoint(st, "yamada", "dept_manager", "", 4001 * 1000000LL),
                     -EEXIST); /* their own role already */
    assert_int_equal(mamori_store_role_appoint(st, "yamada", "csirt", "", 4000 * 1000000LL), 0);
    setenv("MAMORI_NOW", "5000", 1);
    assert_int_equal(mamori_store_person_update(st, "yamada", "general_manager", "", NULL), 0);
    assert_int_equal(mamori_store_role_dismiss(st, "yamada", "csirt", 5500 * 1000000LL), 0);
    assert_int_equal(mamori_store_role_dismiss(st, "yamada", "csirt", 5600 * 1000000LL), -ENOENT);
    assert_string_equal(
        spans(st, (struct mamori_store_role_query){.person = "yamada", .at_us = 5200 * 1000000LL},
              &s),
        "yamada:committee::4000-0 yamada:csirt::4000-5500 "
        "yamada:general_manager::5000-0");
    spans(st, (struct mamori_store_role_query){.person = "yamada", .appointed = 1}, &s);
    assert_int_equal(s.n, 2);
    spans(st, (struct mamori_store_role_query){.person = "yamada", .appointed = -1}, &s);
    assert_int_equal(s.n, 3);
    setenv("MAMORI_NOW", "6000", 1);
    assert_int_equal(mamori_store_person_set_disabled(st, "yamada", true), 0);
    unsetenv("MAMORI_NOW");
    spans(st, (struct mamori_store_role_query){.person = "yamada", .at_us = 6000 * 1000000LL}, &s);
    assert_int_equal(s.n, 0); /* a person who left holds nothing */
    mamori_store_close(st);
    free(path);
    test_tmpdir_remove(dir);
}

static void
test_future_schema_refused(void **state)
{
    char *dir = test_tmpdir();
    char *path = NULL;
    assert_true(asprintf(&path, "%s/store.db", dir) > 0);
    struct mamori_store *s;
    assert_int_equal(mamori_store_open(path, false, &s), 0);
    mamori_store_close(s);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mamori_store_open(path, false, &s), MAMORI_E_VERSION);
    free(path);
    test_tmpdir_remove(dir);
}

static void
test_not_a_database(void **state)
{
    char *dir = test_tmpdir();
    char *path = NULL;
    assert_true(asprintf(&path, "%s/store.db", dir) > 0);
    assert_int_equal(mamori_fs_write_atomic(path, "this is not sqlite, just text......", 35, 0600),
                     0);
    struct mamori_store *s;
    assert_int_equal(mamori_store_open(path, false, &s), -EBADMSG);
    free(path);
    test_tmpdir_remove(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_reopen),
        cmocka_unit_test(test_future_schema_refused),
        cmocka_unit_test(test_role_history),
        cmocka_unit_test(test_not_a_database),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
