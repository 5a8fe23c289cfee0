/*
 * Originals, encrypted: one random key each (libsodium secretstream, XChaCha20-Poly1305),
 * sealed with the instance's quarantine key (secretbox). See docs/internals/quarantine.md.
 *
 * File format: "MAMORIQ1", the secretstream header, then chunks, each a 4-byte big-endian
 * length and that many bytes of ciphertext (at most 64 KiB of plaintext); the last chunk
 * carries the FINAL tag, so a truncated file does not decrypt.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "mamori/quarantine.h"

#define MAGIC        "MAMORIQ1"
#define MAGIC_LEN    8
#define CHUNK        ((size_t)64 * 1024)
#define KEY_LEN      crypto_secretstream_xchacha20poly1305_KEYBYTES
#define MAX_ORIGINAL ((size_t)1 << 31)

_Static_assert(MAMORI_SEALED_KEY_LEN == MAMORI_SEAL_OVERHEAD + KEY_LEN, "sealed key layout");

void
mamori_original_id(const uint8_t sha256[32], char id[MAMORI_ORIGINAL_ID_LEN])
{
    static const char hex[] = "0123456789abcdef";
    memcpy(id, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        id[7 + 2 * i] = hex[sha256[i] >> 4];
        id[8 + 2 * i] = hex[sha256[i] & 15];
    }
    id[71] = '\0';
}

int
mamori_original_id_check(const char *id)
{
    if (strncmp(id, "sha256:", 7) != 0 || strlen(id) != 71)
        return MAMORI_E_SYNTAX;
    for (const char *p = id + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return MAMORI_E_SYNTAX;
    return 0;
}

static int
file_path(const char *dir, const char *id, char *sub, size_t sublen, char *path, size_t len)
{
    int r = mamori_original_id_check(id);
    if (r < 0)
        return r;
    if ((size_t)snprintf(sub, sublen, "%s/%.2s", dir, id + 7) >= sublen ||
        (size_t)snprintf(path, len, "%s/%s", sub, id + 7) >= len)
        return -ENAMETOOLONG;
    return 0;
}

int
mamori_quarantine_key_create(const char *key_path)
{
    return mamori_key_file_create(key_path);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int
mamori_quarantine_put(const char *dir, const char *key_path, const char *id, const void *data,
                      size_t len, uint8_t ret_sealed[MAMORI_SEALED_KEY_LEN])
{
    char sub[PATH_MAX], path[PATH_MAX];
    int r = file_path(dir, id, sub, sizeof(sub), path, sizeof(path));
    if (r < 0)
        return r;
    if (len > MAX_ORIGINAL)
        return MAMORI_E_LIMIT;
    if (sodium_init() < 0)
        return -EIO;
    uint8_t key[KEY_LEN];
    crypto_secretstream_xchacha20poly1305_keygen(key);
    /* Sealed first: without a readable quarantine key nothing is written. */
    r = mamori_seal(key_path, key, sizeof(key), ret_sealed);
    if (r < 0)
        goto done;

    size_t chunks = len / CHUNK + 1;
    size_t cap = MAGIC_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES +
                 chunks * (4 + crypto_secretstream_xchacha20poly1305_ABYTES) + len;
    uint8_t *out = malloc(cap);
    if (!out) {
        r = -ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < MAGIC_LEN; i++)
        out[i] = MAGIC[i];
    crypto_secretstream_xchacha20poly1305_state st;
    crypto_secretstream_xchacha20poly1305_init_push(&st, out + MAGIC_LEN, key);
    size_t o = MAGIC_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    const uint8_t *p = data;
    size_t left = len;
    do {
        size_t n = left < CHUNK ? left : CHUNK;
        uint8_t tag = n == left ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
        unsigned long long clen;
        crypto_secretstream_xchacha20poly1305_push(&st, out + o + 4, &clen, p, n, NULL, 0, tag);
        put_be32(out + o, (uint32_t)clen);
        o += 4 + (size_t)clen;
        p += n;
        left -= n;
        if (tag)
            break;
    } while (1);

    struct stat sb;
    bool new_sub = stat(sub, &sb) < 0;
    r = mamori_fs_mkdir_p(sub, 0700);
    if (r == 0)
        r = mamori_fs_write_atomic(path, out, o, 0600);
    if (r == 0 && new_sub)
        r = mamori_fs_fsync_dir(dir); /* the new subdirectory's entry */
    free(out);
done:
    sodium_memzero(key, sizeof(key));
    return r;
}

int
mamori_quarantine_get(const char *dir, const char *key_path, const char *id, const uint8_t *sealed,
                      size_t sealed_len, char **ret_data, size_t *ret_len)
{
    char sub[PATH_MAX], path[PATH_MAX];
    int r = file_path(dir, id, sub, sizeof(sub), path, sizeof(path));
    if (r < 0)
        return r;
    if (sealed_len != MAMORI_SEALED_KEY_LEN)
        return MAMORI_E_TAMPERED;
    uint8_t key[KEY_LEN];
    r = mamori_unseal(key_path, sealed, sealed_len, key);
    if (r < 0)
        return r;
    char *file = NULL;
    size_t flen = 0;
    r = mamori_fs_read_file(path, MAX_ORIGINAL + MAX_ORIGINAL / 8, &file, &flen);
    uint8_t *plain = NULL;
    size_t plen = 0;
    if (r < 0)
        goto done;
    r = MAMORI_E_TAMPERED;
    size_t hl = MAGIC_LEN + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    if (flen < hl || memcmp(file, MAGIC, MAGIC_LEN) != 0)
        goto done;
    crypto_secretstream_xchacha20poly1305_state st;
    if (crypto_secretstream_xchacha20poly1305_init_pull(&st, (uint8_t *)file + MAGIC_LEN, key) != 0)
        goto done;
    plain = malloc(flen + 1);
    if (!plain) {
        r = -ENOMEM;
        goto done;
    }
    size_t o = hl;
    bool final = false;
    while (!final) {
        if (flen - o < 4)
            goto done;
        const uint8_t *u = (const uint8_t *)file + o;
        size_t clen = (size_t)u[0] << 24 | (size_t)u[1] << 16 | (size_t)u[2] << 8 | u[3];
        if (clen < crypto_secretstream_xchacha20poly1305_ABYTES || clen > flen - o - 4)
            goto done;
        unsigned long long n;
        uint8_t tag;
        if (crypto_secretstream_xchacha20poly1305_pull(&st, plain + plen, &n, &tag, u + 4, clen,
                                                       NULL, 0) != 0)
            goto done;
        plen += (size_t)n;
        o += 4 + clen;
        final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    }
    if (o != flen)
        goto done;
    uint8_t h[32];
    char got[MAMORI_ORIGINAL_ID_LEN];
    mamori_sha256(plain, plen, h);
    mamori_original_id(h, got);
    if (strcmp(got, id) != 0)
        goto done;
    plain[plen] = '\0';
    *ret_data = (char *)plain;
    *ret_len = plen;
    plain = NULL;
    r = 0;
done:
    sodium_memzero(key, sizeof(key));
    free(plain);
    free(file);
    return r;
}

int
mamori_quarantine_exists(const char *dir, const char *id)
{
    char sub[PATH_MAX], path[PATH_MAX];
    int r = file_path(dir, id, sub, sizeof(sub), path, sizeof(path));
    if (r < 0)
        return r;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int
mamori_quarantine_remove(const char *dir, const char *id)
{
    char sub[PATH_MAX], path[PATH_MAX];
    int r = file_path(dir, id, sub, sizeof(sub), path, sizeof(path));
    if (r < 0)
        return r;
    if (unlink(path) < 0)
        return -errno;
    return mamori_fs_fsync_dir(sub);
}
