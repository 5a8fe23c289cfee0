/*
 * Originals: encrypted, content-addressed, checked on the way back; the key sealed in the
 * store row; a tampered file, a wrong key or a truncated file never decrypts.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "helpers.h"

#include "mamori/quarantine.h"
#include "mamori/store.h"

struct fixture {
    char *dir;
    char *qdir;
    char *key;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    f->dir = test_tmpdir();
    assert_int_equal(asprintf(&f->qdir, "%s/q", f->dir) > 0, 1);
    assert_int_equal(asprintf(&f->key, "%s/quarantine.key", f->dir) > 0, 1);
    assert_int_equal(mkdir(f->qdir, 0700), 0);
    assert_int_equal(mamori_quarantine_key_create(f->key), 0);
    assert_int_equal(mamori_quarantine_key_create(f->key), 1); /* kept, not replaced */
    struct stat st;
    assert_int_equal(stat(f->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    test_tmpdir_remove(f->dir);
    free(f->qdir);
    free(f->key);
    free(f);
    return 0;
}

static void
id_of(const void *data, size_t len, char id[MAMORI_ORIGINAL_ID_LEN])
{
    uint8_t h[32];
    mamori_sha256(data, len, h);
    mamori_original_id(h, id);
}

static char *
file_of(struct fixture *f, const char *id)
{
    char *p;
    assert_true(asprintf(&p, "%s/%.2s/%s", f->qdir, id + 7, id + 7) > 0);
    return p;
}

static void
flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x01;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
}

static void
test_round_trip(void **state)
{
    struct fixture *f = *state;
    /* Three sizes: empty, one chunk, several chunks (64 KiB each). */
    size_t sizes[] = {0, 1000, 200000};
    for (size_t k = 0; k < 3; k++) {
        size_t n = sizes[k];
        char *data = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            data[i] = (char)(i * 7 + k);
        char id[MAMORI_ORIGINAL_ID_LEN];
        id_of(data, n, id);
        uint8_t sealed[MAMORI_SEALED_KEY_LEN];
        assert_int_equal(mamori_quarantine_put(f->qdir, f->key, id, data, n, sealed), 0);
        assert_int_equal(mamori_quarantine_exists(f->qdir, id), 1);
        /* The file holds no plaintext. */
        char *path = file_of(f, id);
        char *file;
        size_t flen;
        assert_int_equal(mamori_fs_read_file(path, 1 << 24, &file, &flen), 0);
        assert_true(flen > n);
        if (n >= 1000)
            assert_null(memmem(file, flen, data + 100, 64));
        free(file);
        char *back;
        size_t blen;
        assert_int_equal(
            mamori_quarantine_get(f->qdir, f->key, id, sealed, sizeof(sealed), &back, &blen), 0);
        assert_int_equal(blen, n);
        assert_memory_equal(back, data, n);
        free(back);
        assert_int_equal(mamori_quarantine_remove(f->qdir, id), 0);
        assert_int_equal(mamori_quarantine_exists(f->qdir, id), 0);
        assert_int_equal(
            mamori_quarantine_get(f->qdir, f->key, id, sealed, sizeof(sealed), &back, &blen),
            -ENOENT);
        free(path);
        free(data);
    }
}

static void
test_tampering(void **state)
{
    struct fixture *f = *state;
    static const char data[] = "From: a@example.jp\r\n\r\noriginal body\r\n";
    char id[MAMORI_ORIGINAL_ID_LEN];
    id_of(data, sizeof(data) - 1, id);
    uint8_t sealed[MAMORI_SEALED_KEY_LEN], other[MAMORI_SEALED_KEY_LEN];
    assert_int_equal(mamori_quarantine_put(f->qdir, f->key, id, data, sizeof(data) - 1, sealed), 0);
    char *back = NULL;
    size_t blen;
    /* A different original's key does not open it. */
    char id2[MAMORI_ORIGINAL_ID_LEN];
    id_of("x", 1, id2);
    assert_int_equal(mamori_quarantine_put(f->qdir, f->key, id2, "x", 1, other), 0);
    assert_int_equal(mamori_quarantine_get(f->qdir, f->key, id, other, sizeof(other), &back, &blen),
                     MAMORI_E_TAMPERED);
    /* A flipped bit in the sealed key, in the header, in the ciphertext. */
    uint8_t bad[MAMORI_SEALED_KEY_LEN];
    memcpy(bad, sealed, sizeof(bad));
    bad[40] ^= 1;
    assert_int_equal(mamori_quarantine_get(f->qdir, f->key, id, bad, sizeof(bad), &back, &blen),
                     MAMORI_E_TAMPERED);
    char *path = file_of(f, id);
    off_t spots[] = {3, 20, 60};
    for (int i = 0; i < 3; i++) {
        flip_byte(path, spots[i]);
        assert_int_equal(
            mamori_quarantine_get(f->qdir, f->key, id, sealed, sizeof(sealed), &back, &blen),
            MAMORI_E_TAMPERED);
        flip_byte(path, spots[i]);
    }
    /* Truncated: the final chunk is missing. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 1), 0);
    assert_int_equal(
        mamori_quarantine_get(f->qdir, f->key, id, sealed, sizeof(sealed), &back, &blen),
        MAMORI_E_TAMPERED);
    /* Another original's file under this name: decrypts with neither key. */
    char *path2 = file_of(f, id2);
    assert_int_equal(rename(path2, path), 0);
    assert_int_equal(
        mamori_quarantine_get(f->qdir, f->key, id, sealed, sizeof(sealed), &back, &blen),
        MAMORI_E_TAMPERED);
    assert_int_equal(mamori_quarantine_get(f->qdir, f->key, id, other, sizeof(other), &back, &blen),
                     MAMORI_E_TAMPERED); /* it decrypts, but to bytes that are not this id */
    /* Bad ids never reach the file system. */
    assert_int_equal(mamori_quarantine_exists(f->qdir, "sha256:../../etc/passwd"), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_original_id_check("sha256:ABC"), MAMORI_E_SYNTAX);
    /* Without the quarantine key nothing is written or read. */
    char *nokey;
    assert_true(asprintf(&nokey, "%s/missing.key", f->dir) > 0);
    assert_int_equal(mamori_quarantine_put(f->qdir, nokey, id, data, 3, bad), -ENOENT);
    free(nokey);
    free(path);
    free(path2);
}

static int
count_cb(void *ctx, const struct mamori_store_original *o)
{
    (*(int *)ctx)++;
    assert_string_equal(o->kind, "mail");
    return 0;
}

static void
test_store_rows(void **state)
{
    struct fixture *f = *state;
    char *db;
    assert_true(asprintf(&db, "%s/store.db", f->dir) > 0);
    struct mamori_store *st;
    assert_int_equal(mamori_store_open(db, false, &st), 0);
    int v;
    assert_int_equal(mamori_store_schema_version(st, &v), 0);
    assert_int_equal(v, MAMORI_STORE_SCHEMA_VERSION);
    uint8_t key[MAMORI_SEALED_KEY_LEN];
    memset(key, 0xab, sizeof(key));
    struct mamori_store_original o = {.id = "sha256:00",
                                      .kind = "mail",
                                      .size = 10,
                                      .sealed_key = key,
                                      .sealed_key_len = sizeof(key),
                                      .created_us = 1,
                                      .expires_us = 2,
                                      .queue_id = "Q1",
                                      .sender = "a@ext.example",
                                      .recipients = "b@lgwan.example,c@lgwan.example",
                                      .message_id = "<m@x>",
                                      .subject = "件名",
                                      .verdict = "sanitized"};
    assert_int_equal(mamori_store_original_put(st, &o), 0);
    o.queue_id = "Q2";
    assert_int_equal(mamori_store_original_put(st, &o), 1); /* kept once */
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_original got;
    assert_int_equal(mamori_store_original_get(st, "sha256:00", a, &got), 0);
    assert_string_equal(got.queue_id, "Q1");
    assert_string_equal(got.subject, "件名");
    assert_int_equal(got.sealed_key_len, sizeof(key));
    assert_memory_equal(got.sealed_key, key, sizeof(key));
    int n = 0;
    assert_int_equal(mamori_store_original_iterate(st, count_cb, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(mamori_store_original_delete(st, "sha256:00"), 0);
    assert_int_equal(mamori_store_original_delete(st, "sha256:00"), -ENOENT);
    assert_int_equal(mamori_store_original_get(st, "sha256:00", a, &got), -ENOENT);
    mamori_arena_free(a);
    mamori_store_close(st);
    /* secure_delete: the sealed key's bytes are not left in the database file. */
    char *file;
    size_t flen;
    assert_int_equal(mamori_fs_read_file(db, 1 << 24, &file, &flen), 0);
    assert_null(memmem(file, flen, key, sizeof(key)));
    free(file);
    free(db);
}

struct page_ctx {
    char ids[8][80];
    int n;
};

static int
page_cb(void *ctx, const struct mamori_store_original *o)
{
    struct page_ctx *p = ctx;
    snprintf(p->ids[p->n++], sizeof(p->ids[0]), "%s", o->id);
    return 0;
}

static void
put_original(struct mamori_store *st, int i, const char *rcpts, const char *verdict)
{
    uint8_t key[MAMORI_SEALED_KEY_LEN] = {0};
    char id[80];
    snprintf(id, sizeof(id), "sha256:%064d", i);
    struct mamori_store_original o = {.id = id,
                                      .kind = "mail",
                                      .size = 100 * i,
                                      .sealed_key = key,
                                      .sealed_key_len = sizeof(key),
                                      .created_us = 1000 * i,
                                      .expires_us = 1000000,
                                      .queue_id = "",
                                      .sender = "a@ext.example",
                                      .recipients = rcpts,
                                      .message_id = "",
                                      .subject = "s",
                                      .verdict = verdict};
    assert_int_equal(mamori_store_original_put(st, &o), 0);
}

/* A person's originals come from the recipient index: any case, newest first, in pages; a
 * store of schema 7 gets the index filled from its rows when it is opened. */
static void
test_store_recipients(void **state)
{
    struct fixture *f = *state;
    char *db;
    assert_true(asprintf(&db, "%s/store.db", f->dir) > 0);
    struct mamori_store *st;
    assert_int_equal(mamori_store_open(db, false, &st), 0);
    put_original(st, 1, "tanaka@lgwan.example,sato@lgwan.example", "sanitized");
    put_original(st, 2, "Tanaka@LGWAN.example", "held");
    put_original(st, 3, "sato@lgwan.example", "sanitized");
    put_original(st, 4, "tanaka@lgwan.example", "sanitized");
    struct page_ctx p = {0};
    int64_t total = 0;
    assert_int_equal(
        mamori_store_original_page(st, "TANAKA@lgwan.example", 0, 2, page_cb, &p, &total), 0);
    assert_int_equal(total, 3);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.ids[0] + 63, "00000004"); /* newest first */
    assert_string_equal(p.ids[1] + 63, "00000002");
    p.n = 0;
    assert_int_equal(
        mamori_store_original_page(st, "tanaka@lgwan.example", 2, 2, page_cb, &p, &total), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.ids[0] + 63, "00000001");
    p.n = 0;
    assert_int_equal(
        mamori_store_original_page(st, "nobody@lgwan.example", 0, 10, page_cb, &p, &total), 0);
    assert_int_equal(total, 0);
    struct mamori_store_original_stats s;
    assert_int_equal(mamori_store_original_stats(st, 2000, &s), 0);
    assert_int_equal(s.count, 4);
    assert_int_equal(s.bytes, 1000);
    assert_int_equal(s.since, 3);
    assert_int_equal(s.held_since, 1);
    /* Purging an original removes it from its recipients' lists. */
    char id[80];
    snprintf(id, sizeof(id), "sha256:%064d", 4);
    assert_int_equal(mamori_store_original_delete(st, id), 0);
    assert_int_equal(
        mamori_store_original_page(st, "tanaka@lgwan.example", 0, 10, page_cb, &p, &total), 0);
    assert_int_equal(total, 2);
    mamori_store_close(st);

    /* Back to schema 7 (no index), then opened again: the migration fills it. */
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw,
                                  "DROP TABLE original_rcpt; DROP INDEX original_created; "
                                  "DROP TABLE original_totals; DROP TRIGGER original_totals_add; "
                                  "DROP TRIGGER original_totals_del; DROP TABLE transfer; "
                                  "DROP TABLE asset_search; DROP TABLE risk; "
                                  "DROP TABLE asset_event; DROP TABLE asset_class; "
                                  "DROP TABLE asset; DROP TABLE gov_step; DROP TABLE gov_record; "
                                  "DROP TRIGGER person_span_add; DROP TRIGGER person_span_change; "
                                  "DROP TABLE role_span; "
                                  "PRAGMA user_version = 7;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(mamori_store_open(db, false, &st), 0);
    assert_int_equal(
        mamori_store_original_page(st, "sato@lgwan.example", 0, 10, page_cb, &p, &total), 0);
    assert_int_equal(total, 2);
    assert_int_equal(
        mamori_store_original_page(st, "tanaka@lgwan.example", 0, 10, page_cb, &p, &total), 0);
    assert_int_equal(total, 2);
    assert_int_equal(mamori_store_original_stats(st, 0, &s), 0);
    assert_int_equal(s.count, 3);
    assert_int_equal(s.bytes, 600);
    mamori_store_close(st);
    free(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_recipients, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
