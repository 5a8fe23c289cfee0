/*
 * Header text: RFC 2047 encoded-words in, UTF-8 out; UTF-8 in, 7-bit encoded-words out.
 *
 * Decoding joins the bytes of adjacent encoded-words of one charset before converting them
 * (a Japanese mailer splits ISO-2022-JP or Shift_JIS text across words, even in the middle of
 * a character), drops the white space between encoded-words (RFC 2047 §6.2), accepts words
 * glued to text (common in practice), and converts raw 8-bit header text by detection.
 * Conversion goes through mamori_charset_to_utf8 (ICU).
 *
 * For address headers, quote_words wraps each decoded run in a quoted-string, so that a
 * decoded display name containing a comma or a quote cannot change the address list's
 * structure when it is parsed afterwards.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define MAX_CHARSET 64

struct decoder {
    struct mamori_buf *out;
    unsigned flags;
    bool quote;
    int error;
    char charset[MAX_CHARSET]; /* of the pending run of encoded-words */
    struct mamori_buf run;     /* its decoded bytes */
    struct mamori_buf raw;     /* pending plain text (may be 8-bit) */
};

static void
put_quoted(struct decoder *d, const char *s, size_t n)
{
    int r = mamori_buf_putc(d->out, '"');
    for (size_t i = 0; i < n && r == 0; i++) {
        if (s[i] == '"' || s[i] == '\\')
            r = mamori_buf_putc(d->out, '\\');
        if (r == 0)
            r = mamori_buf_putc(d->out, s[i]);
    }
    if (r == 0)
        r = mamori_buf_putc(d->out, '"');
    if (r < 0 && !d->error)
        d->error = r;
}

static void
flush_run(struct decoder *d)
{
    if (d->run.len == 0 || d->error)
        return;
    struct mamori_buf tmp;
    mamori_buf_init(&tmp, d->out->max);
    unsigned f = 0;
    int r = mamori_charset_to_utf8(d->charset, d->run.data, d->run.len, &tmp, &f);
    d->flags |= f;
    if (r == 0) {
        if (d->quote)
            put_quoted(d, tmp.data ? tmp.data : "", tmp.len);
        else
            r = mamori_buf_append(d->out, tmp.data, tmp.len);
    }
    if (r < 0 && !d->error)
        d->error = r;
    mamori_buf_done(&tmp);
    mamori_buf_reset(&d->run);
}

static void
flush_raw(struct decoder *d)
{
    if (d->raw.len == 0 || d->error)
        return;
    unsigned f = 0;
    int r = mamori_charset_to_utf8(NULL, d->raw.data, d->raw.len, d->out, &f);
    d->flags |= f;
    if (r < 0 && !d->error)
        d->error = r;
    mamori_buf_reset(&d->raw);
}

/* Decodes the payload of one encoded-word into out; false when it is not valid. */
static bool
decode_payload(char enc, const char *p, size_t n, struct mamori_buf *out)
{
    if (enc == 'B' || enc == 'b') {
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '=')
                break;
            int v = mamori_base64_digit(p[i]);
            if (v < 0)
                return false;
            acc = acc << 6 | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                if (mamori_buf_putc(out, (char)(acc >> bits)) < 0)
                    return false;
            }
        }
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '_') {
            c = ' ';
        } else if (c == '=') {
            if (i + 2 >= n)
                return false;
            int hi = mamori_hex_digit(p[i + 1]), lo = hi < 0 ? -1 : mamori_hex_digit(p[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (mamori_buf_putc(out, c) < 0)
            return false;
    }
    return true;
}

/* Parses "=?charset?E?payload?=" at p; returns its length or 0. */
static size_t
encoded_word(const char *p, const char *end, struct mamori_span *ret_cs, char *ret_enc,
             struct mamori_span *ret_payload)
{
    if (end - p < 8 || p[0] != '=' || p[1] != '?')
        return 0;
    const char *cs = p + 2, *q = cs;
    while (q < end && *q != '?' && *q > ' ' && q - cs < MAX_CHARSET - 1)
        q++;
    if (q >= end || *q != '?' || q == cs)
        return 0;
    struct mamori_span charset = {cs, (size_t)(q - cs)};
    q++;
    if (q + 2 >= end || (*q != 'B' && *q != 'b' && *q != 'Q' && *q != 'q') || q[1] != '?')
        return 0;
    char enc = *q;
    const char *pl = q + 2, *e = pl;
    while (e + 1 < end && !(e[0] == '?' && e[1] == '=') && *e > ' ')
        e++;
    if (e + 1 >= end || e[0] != '?' || e[1] != '=')
        return 0;
    /* RFC 2231 language suffix: charset*lang. */
    const char *star = memchr(charset.ptr, '*', charset.len);
    if (star)
        charset.len = (size_t)(star - charset.ptr);
    *ret_cs = charset;
    *ret_enc = enc;
    *ret_payload = (struct mamori_span){pl, (size_t)(e - pl)};
    return (size_t)(e + 2 - p);
}

int
mamori_rfc2047_decode_ex(const char *in, size_t len, bool quote_words, struct mamori_buf *out,
                         unsigned *ret_flags)
{
    struct decoder d = {.out = out, .quote = quote_words};
    mamori_buf_init(&d.run, out->max);
    mamori_buf_init(&d.raw, out->max);
    const char *p = in, *end = in + len;
    const char *ws = NULL; /* white space after an encoded-word, held */
    size_t ws_len = 0;
    bool after_word = false;
    while (p < end && !d.error) {
        struct mamori_span cs, payload;
        char enc;
        size_t n = encoded_word(p, end, &cs, &enc, &payload);
        if (n) {
            char name[MAX_CHARSET];
            memcpy(name, cs.ptr, cs.len);
            name[cs.len] = '\0';
            struct mamori_buf bytes;
            mamori_buf_init(&bytes, out->max);
            if (decode_payload(enc, payload.ptr, payload.len, &bytes)) {
                /* White space between two encoded-words is dropped. */
                if (!after_word && ws_len) {
                    mamori_buf_append(&d.raw, ws, ws_len);
                }
                ws_len = 0;
                flush_raw(&d);
                if (d.run.len && strcasecmp(d.charset, name) != 0)
                    flush_run(&d);
                memcpy(d.charset, name, sizeof(name));
                if (mamori_buf_append(&d.run, bytes.data, bytes.len) < 0)
                    d.error = MAMORI_E_LIMIT;
                mamori_buf_done(&bytes);
                after_word = true;
                p += n;
                continue;
            }
            mamori_buf_done(&bytes);
            d.flags |= MAMORI_RFC2047_INVALID; /* kept as text */
        }
        if (*p == ' ' || *p == '\t') {
            const char *s = p;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (after_word) {
                ws = s;
                ws_len = (size_t)(p - s);
            } else if (mamori_buf_append(&d.raw, s, (size_t)(p - s)) < 0) {
                d.error = MAMORI_E_LIMIT;
            }
            continue;
        }
        /* Plain text up to the next white space or encoded-word. */
        flush_run(&d);
        if (ws_len) {
            mamori_buf_append(&d.raw, ws, ws_len);
            ws_len = 0;
        }
        after_word = false;
        const char *s = p++;
        while (p < end && *p != ' ' && *p != '\t' && !(p[0] == '=' && p + 1 < end && p[1] == '?'))
            p++;
        if (mamori_buf_append(&d.raw, s, (size_t)(p - s)) < 0)
            d.error = MAMORI_E_LIMIT;
    }
    flush_run(&d);
    flush_raw(&d);
    mamori_buf_done(&d.run);
    mamori_buf_done(&d.raw);
    if (d.error)
        return d.error;
    if (ret_flags)
        *ret_flags = d.flags;
    return 0;
}

int
mamori_rfc2047_decode(const char *in, size_t len, struct mamori_buf *out, unsigned *ret_flags)
{
    return mamori_rfc2047_decode_ex(in, len, false, out, ret_flags);
}

/* Length of the UTF-8 sequence starting with byte c. */
static size_t
u8len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

int
mamori_rfc2047_encode(const char *utf8, size_t len, size_t name_len, struct mamori_buf *out)
{
    bool plain = true;
    for (size_t i = 0; i < len && plain; i++) {
        unsigned char c = (unsigned char)utf8[i];
        if (c >= 0x7f || (c < 0x20 && c != '\t'))
            plain = false;
        if (c == '=' && i + 1 < len && utf8[i + 1] == '?')
            plain = false;
    }
    size_t col = name_len + 2;
    int r = 0;
    if (plain) {
        /* Printable ASCII: as it is, folded at spaces. */
        size_t i = 0;
        bool first = true;
        while (i < len && r == 0) {
            size_t s = i;
            while (i < len && utf8[i] != ' ')
                i++;
            size_t wl = i - s;
            if (!first && col + 1 + wl > 76) {
                r = mamori_buf_puts(out, "\n ");
                col = 1;
            } else if (!first) {
                r = mamori_buf_putc(out, ' ');
                col++;
            }
            if (r == 0)
                r = mamori_buf_append(out, utf8 + s, wl);
            col += wl;
            first = false;
            while (i < len && utf8[i] == ' ')
                i++;
        }
        return r;
    }
    /* Otherwise UTF-8 B words, split at character boundaries, one per line. */
    size_t i = 0;
    bool first = true;
    while (i < len && r == 0) {
        size_t avail = 76 - (first ? col : 1) - 12;
        if (avail > 60)
            avail = 60;
        size_t max_bytes = avail / 4 * 3;
        if (max_bytes < 6)
            max_bytes = 6;
        size_t s = i;
        while (i < len) {
            size_t cl = u8len((unsigned char)utf8[i]);
            if (i - s + cl > max_bytes)
                break;
            i += cl;
        }
        if (i == s)
            i = s + u8len((unsigned char)utf8[s]) > len ? len : s + u8len((unsigned char)utf8[s]);
        char b64[128];
        mamori_base64((const uint8_t *)utf8 + s, i - s, b64);
        if (!first)
            r = mamori_buf_puts(out, "\n ");
        if (r == 0)
            r = mamori_buf_printf(out, "=?UTF-8?B?%s?=", b64);
        first = false;
    }
    return r;
}
