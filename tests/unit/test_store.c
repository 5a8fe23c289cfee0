/*
 * Store tests (SQLite backend): creation and migration, reopening, metadata, read-only
 * opening, and a schema newer than this build refused.
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
        cmocka_unit_test(test_not_a_database),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
