/*
 * Hex and base64 (standard alphabet, padded), as used by checkpoints, keys and reports.
 */
#include <errno.h>
#include <string.h>

#include "mamori/core.h"

void
mamori_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int
mamori_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
mamori_unhex(const char *in, size_t in_len, uint8_t *out, size_t n)
{
    if (in_len != 2 * n)
        return MAMORI_E_SYNTAX;
    for (size_t i = 0; i < n; i++) {
        /* Lower case only: one text per value. */
        if ((in[2 * i] >= 'A' && in[2 * i] <= 'F') ||
            (in[2 * i + 1] >= 'A' && in[2 * i + 1] <= 'F'))
            return MAMORI_E_SYNTAX;
        int hi = mamori_hex_digit(in[2 * i]), lo = mamori_hex_digit(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return MAMORI_E_SYNTAX;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
mamori_base64_len(size_t n)
{
    return (n + 2) / 3 * 4 + 1;
}

void
mamori_base64(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
}

bool
mamori_mac_parse(const char *s, uint8_t out[6])
{
    uint8_t b[6];
    for (int i = 0; i < 6; i++, s += 3) {
        int hi = mamori_hex_digit(s[0]);
        int lo = hi < 0 ? -1 : mamori_hex_digit(s[1]);
        if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
            return false;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(out, b, 6);
    return true;
}

int
mamori_base64_lines(const void *data, size_t len, struct mamori_buf *out)
{
    const uint8_t *p = data;
    int r = 0;
    char enc[80];
    for (size_t i = 0; i < len && r == 0; i += 57) {
        size_t n = len - i < 57 ? len - i : 57;
        mamori_base64(p + i, n, enc);
        size_t l = (n + 2) / 3 * 4;
        enc[l] = '\n';
        r = mamori_buf_append(out, enc, l + 1);
    }
    return r;
}

int
mamori_base64_digit(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int
mamori_unbase64(const char *in, size_t in_len, uint8_t *out, size_t max, size_t *ret_len)
{
    if (in_len % 4 != 0)
        return MAMORI_E_SYNTAX;
    size_t o = 0;
    for (size_t i = 0; i < in_len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = in[i + k];
            if (c == '=' && i + 4 == in_len && k >= 2) {
                v[k] = 0;
                pad++;
            } else {
                if (pad)
                    return MAMORI_E_SYNTAX;
                v[k] = mamori_base64_digit(c);
                if (v[k] < 0)
                    return MAMORI_E_SYNTAX;
            }
        }
        uint32_t x =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t take = 3 - (size_t)pad;
        /* Canonical encoding only: padding bits must be zero. */
        if ((pad == 1 && (x & 0xff)) || (pad == 2 && (x & 0xffff)))
            return MAMORI_E_SYNTAX;
        if (o + take > max)
            return MAMORI_E_LIMIT;
        uint8_t bytes[3] = {(uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
        for (size_t k = 0; k < take; k++)
            out[o++] = bytes[k];
    }
    *ret_len = o;
    return 0;
}

size_t
mamori_utf8_next(const void *data, size_t n, uint32_t *ret_cp)
{
    const unsigned char *s = data;
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *ret_cp = c;
        return 1;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *ret_cp = cp;
    return len;
}

bool
mamori_utf8_valid(const void *data, size_t n)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = mamori_utf8_next(s + i, n - i, &cp);
        if (!len)
            return false;
        i += len;
    }
    return true;
}
