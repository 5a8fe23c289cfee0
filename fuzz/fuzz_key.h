/*
 * The fixed key the fuzz targets use: Ed25519 from an all-zero seed, named "fuzz/log", so
 * that corpus files signed with it stay valid across runs.
 */
#ifndef MAMORI_FUZZ_KEY_H
#define MAMORI_FUZZ_KEY_H

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/auditlog.h"

static inline const struct mamori_log_key *
fuzz_key(void)
{
    static struct mamori_log_key key;
    static bool init;
    if (init)
        return &key;
    uint8_t seed[32] = {0}, h[32];
    if (sodium_init() < 0)
        abort();
    crypto_sign_seed_keypair(key.public_key, key.secret_key, seed);
    key.has_secret = true;
    memcpy(key.name, "fuzz/log", 9);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)"fuzz/log\n\x01", 10);
    crypto_hash_sha256_update(&st, key.public_key, 32);
    crypto_hash_sha256_final(&st, h);
    memcpy(key.id, h, 4);
    init = true;
    return &key;
}

#endif
