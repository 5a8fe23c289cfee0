/*
 * Second factors (TOTP, RFC 6238) of persons: the secret is kept sealed with the instance's
 * keys/secrets.key and opened only to check a code (mamori/instance.h).
 */
#include <errno.h>
#include <liboath/oath.h>
#include <sodium.h>

#include "mamori/instance.h"

int
mamori_instance_totp_open(struct mamori_instance *inst, const struct mamori_store_person *p,
                          uint8_t secret[MAMORI_TOTP_SECRET_LEN])
{
    if (!p->totp_sealed)
        return -ENOENT;
    if (p->totp_sealed_len != MAMORI_TOTP_SECRET_LEN + MAMORI_SEAL_OVERHEAD)
        return MAMORI_E_TAMPERED;
    return mamori_unseal(inst->secrets_key_path, p->totp_sealed, p->totp_sealed_len, secret);
}

int
mamori_instance_totp_check(struct mamori_instance *inst, const struct mamori_store_person *p,
                           const char *code, time_t now)
{
    uint8_t secret[MAMORI_TOTP_SECRET_LEN];
    int r = mamori_instance_totp_open(inst, p, secret);
    if (r < 0)
        return r;
    /* The current 30-second step, and one either side for clock drift (RFC 6238 §5.2). */
    int pos = oath_totp_validate((const char *)secret, sizeof(secret), now, 30, 0, 1, code);
    sodium_memzero(secret, sizeof(secret));
    return pos >= 0 ? 0 : MAMORI_E_DENIED;
}
