/*
 * Small secrets sealed with a key file: 32 random bytes (0600) that never leave the instance,
 * libsodium secretbox (XSalsa20-Poly1305), a random nonce first. Used for each original's key
 * (quarantine) and for TOTP secrets (persons).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "mamori/core.h"

_Static_assert(MAMORI_SEAL_OVERHEAD == crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES,
               "seal layout");
_Static_assert(crypto_secretbox_KEYBYTES == 32, "key file size");

int
mamori_key_file_create(const char *path)
{
    if (sodium_init() < 0)
        return -EIO;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return errno == EEXIST ? 1 : -errno;
    uint8_t key[32];
    randombytes_buf(key, sizeof(key));
    ssize_t n = write(fd, key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    int r = n == (ssize_t)sizeof(key) && fsync(fd) == 0 ? 0 : (n < 0 ? -errno : -EIO);
    close(fd);
    if (r < 0)
        unlink(path);
    return r;
}

static int
read_key(const char *path, uint8_t key[32])
{
    char *data = NULL;
    size_t len = 0;
    int r = mamori_fs_read_file(path, 64, &data, &len);
    if (r == 0 && len != 32)
        r = MAMORI_E_INVALID;
    if (r == 0)
        memcpy(key, data, 32);
    if (data) {
        sodium_memzero(data, len);
        free(data);
    }
    return r;
}

int
mamori_seal(const char *key_path, const void *plain, size_t len, uint8_t *out)
{
    uint8_t key[32];
    int r = read_key(key_path, key);
    if (r < 0)
        return r;
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain, len, out, key);
    sodium_memzero(key, sizeof(key));
    return 0;
}

int
mamori_unseal(const char *key_path, const uint8_t *sealed, size_t len, uint8_t *out)
{
    if (len < MAMORI_SEAL_OVERHEAD)
        return MAMORI_E_TAMPERED;
    uint8_t key[32];
    int r = read_key(key_path, key);
    if (r < 0)
        return r;
    r = crypto_secretbox_open_easy(out, sealed + crypto_secretbox_NONCEBYTES,
                                   len - crypto_secretbox_NONCEBYTES, sealed, key) == 0
            ? 0
            : MAMORI_E_TAMPERED;
    sodium_memzero(key, sizeof(key));
    return r;
}
