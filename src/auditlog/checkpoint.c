/*
 * Signing keys and checkpoints in the signed-note formats (C2SP signed-note and
 * tlog-checkpoint), Ed25519 only:
 *
 *   key id    = SHA-256(name || "\n" || 0x01 || public key)[0:4]
 *   signer    = PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>
 *   verifier  = <name>+<key id hex>+<base64(0x01 || public key)>
 *   note      = <origin>\n<size>\n<base64 root>\n  \n  — <name> <base64(key id || sig)>\n
 *
 * SECURITY: a checkpoint from elsewhere is hostile: the parser checks every line's form,
 * bounds the size, and accepts a note only with a valid signature from the given key.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "mamori/auditlog.h"

#define ALG_ED25519 0x01
#define EM_DASH     "\xe2\x80\x94"

static bool
valid_name(const char *s, size_t n)
{
    if (n == 0 || n >= sizeof(((struct mamori_log_key *)0)->name))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '+' || c >= 0x80)
            return false;
    }
    return true;
}

static void
key_id(const char *name, const uint8_t pub[32], uint8_t out[4])
{
    crypto_hash_sha256_state st;
    uint8_t h[32];
    const uint8_t sep[2] = {'\n', ALG_ED25519};
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, sep, 2);
    crypto_hash_sha256_update(&st, pub, 32);
    crypto_hash_sha256_final(&st, h);
    memcpy(out, h, 4);
}

int
mamori_log_key_generate(const char *name, struct mamori_log_key *ret)
{
    if (!valid_name(name, strlen(name)))
        return -EINVAL;
    if (sodium_init() < 0)
        return -EIO;
    struct mamori_log_key k = {0};
    memcpy(k.name, name, strlen(name));
    crypto_sign_keypair(k.public_key, k.secret_key);
    k.has_secret = true;
    key_id(k.name, k.public_key, k.id);
    *ret = k;
    sodium_memzero(&k, sizeof(k));
    return 0;
}

void
mamori_log_key_done(struct mamori_log_key *k)
{
    sodium_memzero(k, sizeof(*k));
}

/* Splits "a+b+c" style text into exactly n fields; the last one takes the rest, since
 * base64 may itself contain '+'. */
static int
split_plus(const char *text, size_t len, struct mamori_span *out, size_t n)
{
    size_t f = 0, start = 0;
    for (size_t i = 0; i < len && f + 1 < n; i++) {
        if (text[i] == '+') {
            out[f++] = (struct mamori_span){text + start, i - start};
            start = i + 1;
        }
    }
    if (f + 1 != n)
        return MAMORI_E_SYNTAX;
    out[f] = (struct mamori_span){text + start, len - start};
    return 0;
}

static size_t
trim_newline(const char *text, size_t len)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    return len;
}

static int
parse_common(struct mamori_span name, struct mamori_span id_hex, struct mamori_span b64,
             uint8_t key_out[32], struct mamori_log_key *k)
{
    if (!valid_name(name.ptr, name.len))
        return MAMORI_E_SYNTAX;
    memcpy(k->name, name.ptr, name.len);
    k->name[name.len] = '\0';
    uint8_t id[4];
    if (mamori_unhex(id_hex.ptr, id_hex.len, id, 4) < 0)
        return MAMORI_E_SYNTAX;
    uint8_t raw[34];
    size_t n;
    if (mamori_unbase64(b64.ptr, b64.len, raw, sizeof(raw), &n) < 0 || n != 33 ||
        raw[0] != ALG_ED25519)
        return MAMORI_E_SYNTAX;
    memcpy(key_out, raw + 1, 32);
    sodium_memzero(raw, sizeof(raw));
    memcpy(k->id, id, 4);
    return 0;
}

int
mamori_log_key_parse_signer(const char *text, size_t len, struct mamori_log_key *ret)
{
    struct mamori_span f[5];
    len = trim_newline(text, len);
    if (split_plus(text, len, f, 5) < 0 || f[0].len != 7 || memcmp(f[0].ptr, "PRIVATE", 7) != 0 ||
        f[1].len != 3 || memcmp(f[1].ptr, "KEY", 3) != 0)
        return MAMORI_E_SYNTAX;
    if (sodium_init() < 0)
        return -EIO;
    struct mamori_log_key k = {0};
    uint8_t seed[32];
    int r = parse_common(f[2], f[3], f[4], seed, &k);
    if (r == 0) {
        crypto_sign_seed_keypair(k.public_key, k.secret_key, seed);
        k.has_secret = true;
        uint8_t id[4];
        key_id(k.name, k.public_key, id);
        if (memcmp(id, k.id, 4) != 0)
            r = MAMORI_E_SYNTAX;
    }
    sodium_memzero(seed, sizeof(seed));
    if (r == 0)
        *ret = k;
    sodium_memzero(&k, sizeof(k));
    return r;
}

int
mamori_log_key_parse_verifier(const char *text, size_t len, struct mamori_log_key *ret)
{
    struct mamori_span f[3];
    len = trim_newline(text, len);
    if (split_plus(text, len, f, 3) < 0)
        return MAMORI_E_SYNTAX;
    struct mamori_log_key k = {0};
    int r = parse_common(f[0], f[1], f[2], k.public_key, &k);
    if (r < 0)
        return r;
    uint8_t id[4];
    key_id(k.name, k.public_key, id);
    if (memcmp(id, k.id, 4) != 0)
        return MAMORI_E_SYNTAX;
    *ret = k;
    return 0;
}

static int
format_key(const char *prefix, const struct mamori_log_key *k, const uint8_t key[32],
           struct mamori_buf *out)
{
    uint8_t raw[33];
    char b64[64], hex[9];
    raw[0] = ALG_ED25519;
    memcpy(raw + 1, key, 32);
    mamori_base64(raw, sizeof(raw), b64);
    mamori_hex(k->id, 4, hex);
    int r = mamori_buf_printf(out, "%s%s+%s+%s\n", prefix, k->name, hex, b64);
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(b64, sizeof(b64));
    return r;
}

int
mamori_log_key_format_signer(const struct mamori_log_key *k, struct mamori_buf *out)
{
    if (!k->has_secret)
        return -EINVAL;
    /* libsodium's Ed25519 secret key is seed || public key. */
    return format_key("PRIVATE+KEY+", k, k->secret_key, out);
}

int
mamori_log_key_format_verifier(const struct mamori_log_key *k, struct mamori_buf *out)
{
    return format_key("", k, k->public_key, out);
}

int
mamori_checkpoint_sign(const struct mamori_checkpoint *cp, const struct mamori_log_key *key,
                       struct mamori_buf *out)
{
    if (!key->has_secret || !valid_name(cp->origin, strlen(cp->origin)))
        return -EINVAL;
    char root[64];
    mamori_base64(cp->root, MAMORI_HASH_LEN, root);
    size_t start = out->len;
    int r =
        mamori_buf_printf(out, "%s\n%llu\n%s\n", cp->origin, (unsigned long long)cp->size, root);
    if (r < 0)
        return r;
    uint8_t sig[4 + crypto_sign_BYTES];
    memcpy(sig, key->id, 4);
    crypto_sign_detached(sig + 4, NULL, (const uint8_t *)out->data + start, out->len - start,
                         key->secret_key);
    char sig64[128];
    mamori_base64(sig, sizeof(sig), sig64);
    r = mamori_buf_printf(out, "\n" EM_DASH " %s %s\n", key->name, sig64);
    if (r < 0) {
        out->len = start;
        out->data[start] = '\0';
    }
    return r;
}

/* Next line of [p, end): returns its length (without the newline) or -1 when no newline. */
static ssize_t
line_len(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl - p : -1;
}

int
mamori_checkpoint_open(const char *text, size_t len, const struct mamori_log_key *key,
                       struct mamori_checkpoint *ret)
{
    if (len > MAMORI_CHECKPOINT_MAX || len == 0)
        return MAMORI_E_SYNTAX;
    if (memchr(text, '\0', len))
        return MAMORI_E_SYNTAX;
    const char *p = text, *end = text + len;
    struct mamori_checkpoint cp = {0};

    /* Origin. */
    ssize_t n = line_len(p, end);
    if (n <= 0 || !valid_name(p, (size_t)n))
        return MAMORI_E_SYNTAX;
    memcpy(cp.origin, p, (size_t)n);
    p += n + 1;
    /* Size: decimal, no leading zeros. */
    n = line_len(p, end);
    if (n <= 0 || n > 20 || (p[0] == '0' && n > 1))
        return MAMORI_E_SYNTAX;
    for (ssize_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return MAMORI_E_SYNTAX;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (cp.size > (UINT64_MAX - d) / 10)
            return MAMORI_E_SYNTAX;
        cp.size = cp.size * 10 + d;
    }
    p += n + 1;
    /* Root hash. */
    n = line_len(p, end);
    size_t rlen;
    if (n <= 0 || mamori_unbase64(p, (size_t)n, cp.root, sizeof(cp.root), &rlen) < 0 ||
        rlen != MAMORI_HASH_LEN)
        return MAMORI_E_SYNTAX;
    p += n + 1;
    /* Extension lines are not used by mamori; a note that has them is not ours. */
    n = line_len(p, end);
    if (n != 0)
        return MAMORI_E_SYNTAX;
    size_t body_len = (size_t)(p - text);
    p += 1;

    bool verified = false;
    int nsig = 0;
    while (p < end) {
        n = line_len(p, end);
        if (n < 0)
            return MAMORI_E_SYNTAX;
        const char *line = p, *lend = p + n;
        p += n + 1;
        if (++nsig > 16)
            return MAMORI_E_SYNTAX;
        if (n < 4 || memcmp(line, EM_DASH " ", 4) != 0)
            return MAMORI_E_SYNTAX;
        line += 4;
        const char *sp = memchr(line, ' ', (size_t)(lend - line));
        if (!sp || !valid_name(line, (size_t)(sp - line)))
            return MAMORI_E_SYNTAX;
        uint8_t sig[4 + crypto_sign_BYTES + 1];
        size_t slen;
        if (mamori_unbase64(sp + 1, (size_t)(lend - sp - 1), sig, sizeof(sig), &slen) < 0 ||
            slen < 5)
            return MAMORI_E_SYNTAX;
        size_t name_len = (size_t)(sp - line);
        if (name_len != strlen(key->name) || memcmp(line, key->name, name_len) != 0 ||
            memcmp(sig, key->id, 4) != 0)
            continue; /* another signer's line (a witness, say) */
        if (slen != 4 + crypto_sign_BYTES)
            return MAMORI_E_SIGNATURE;
        if (crypto_sign_verify_detached(sig + 4, (const uint8_t *)text, body_len,
                                        key->public_key) != 0)
            return MAMORI_E_SIGNATURE;
        verified = true;
    }
    if (nsig == 0)
        return MAMORI_E_SYNTAX;
    if (!verified)
        return MAMORI_E_SIGNATURE;
    *ret = cp;
    return 0;
}
