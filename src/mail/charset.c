/*
 * Text in any charset to UTF-8, with ICU converters (never glibc iconv: it mangles the NEC
 * special characters of ISO-2022-JP and the Microsoft mappings of Shift_JIS).
 *
 * Japanese mail is often mislabelled (Shift_JIS bodies labelled ISO-2022-JP, 8-bit text
 * labelled us-ascii or not labelled at all), so a declared charset is first tried strictly;
 * if the bytes do not fit it, ICU's detector ranks candidates and the first one that converts
 * strictly wins, and the caller is told (MAMORI_CHARSET_MISLABELLED / _DETECTED). Only when
 * nothing fits are undecodable bytes replaced (MAMORI_CHARSET_REPLACED).
 *
 * Conversion streams through fixed-size chunks, so memory stays proportional to the output.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/ustring.h>

#include "mamori/mail.h"

#define CHUNK 4096

/* Names ICU should use for the labels Japanese mail carries. */
static const char *
icu_name(const char *label)
{
    static const struct {
        const char *label;
        const char *icu;
    } map[] = {
        {"shift_jis", "windows-31j"},
        {"shift-jis", "windows-31j"},
        {"sjis", "windows-31j"},
        {"x-sjis", "windows-31j"},
        {"ms_kanji", "windows-31j"},
        {"csshiftjis", "windows-31j"},
        {"cp932", "windows-31j"},
        {"ms932", "windows-31j"},
        {"windows-31j", "windows-31j"},
        {"x-ms-cp932", "windows-31j"},
        {"iso-2022-jp", "ISO-2022-JP"},
        {"csiso2022jp", "ISO-2022-JP"},
        {"iso-2022-jp-1", "ISO-2022-JP-1"},
        {"iso-2022-jp-2", "ISO-2022-JP-2"},
        {"cp50220", "ISO-2022-JP"},
        {"cp50221", "ISO-2022-JP"},
        {"euc-jp", "EUC-JP"},
        {"x-euc-jp", "EUC-JP"},
        {"eucjp", "EUC-JP"},
        {"cp51932", "EUC-JP"},
        {"utf8", "UTF-8"},
        {"ks_c_5601-1987", "windows-949"},
        {"gb2312", "GB18030"},
        {"gbk", "GB18030"},
    };
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(map); i++)
        if (strcasecmp(label, map[i].label) == 0)
            return map[i].icu;
    return label;
}

static bool
is_ascii(const char *in, size_t len)
{
    size_t i = 0;
    /* Eight bytes at a time: no high bit set in any of them. */
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, in + i, 8);
        if (w & 0x8080808080808080ull)
            return false;
    }
    for (; i < len; i++)
        if ((unsigned char)in[i] >= 0x80)
            return false;
    return true;
}

/* Whether bytes are well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool
valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        if (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (!(w & 0x8080808080808080ull)) {
                p += 8;
                continue;
            }
        }
        unsigned char c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n = c >= 0xc2 && c <= 0xdf   ? 2
                   : c >= 0xe0 && c <= 0xef ? 3
                   : c >= 0xf0 && c <= 0xf4 ? 4
                                            : 0;
        if (n == 0 || (size_t)(end - p) < n)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) ||
            (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
            return false;
        p += n;
    }
    return true;
}

/* Whether ICU has the label in its alias table (no converter is loaded). */
static bool
known_to_icu(const char *label)
{
    UErrorCode e = U_ZERO_ERROR;
    return ucnv_countAliases(icu_name(label), &e) > 0 && U_SUCCESS(e);
}

/* Charsets in which ASCII bytes do not mean ASCII characters. */
static bool
ascii_incompatible(const char *name)
{
    static const char *const prefixes[] = {"utf-16", "utf-32", "ucs",   "utf-7",  "utf7", "ibm-037",
                                           "ebcdic", "cp037",  "cp500", "ibm037", NULL};
    for (const char *const *p = prefixes; *p; p++)
        if (strncasecmp(name, *p, strlen(*p)) == 0)
            return true;
    return false;
}

/* Length of the ISO-2022 escape sequence at p, or 0. */
static size_t
escape_len(const char *p, const char *end)
{
    if (end - p < 3 || p[0] != 0x1b)
        return 0;
    if (p[1] == '$' && (p[2] == '(' || p[2] == ')'))
        return end - p >= 4 ? 4 : 0;
    return (p[1] == '$' || p[1] == '(' || p[1] == '.' || p[1] == ')') ? 3 : 0;
}

/* ICU refuses an escape sequence followed directly by another one (a redundant switch could
 * hide text). Joined encoded-words produce exactly that ("ESC ( B" then "ESC $ B"), and the
 * first of two adjacent sequences changes nothing, so it is dropped. Returns a cleaned copy
 * in tmp, or NULL when there was nothing to clean. */
static const char *
drop_redundant_escapes(const char *in, size_t len, struct mamori_buf *tmp, size_t *ret_len)
{
    const char *end = in + len;
    bool any = false;
    for (const char *p = in; p < end; p++) {
        size_t n = escape_len(p, end);
        if (n && p + n < end && escape_len(p + n, end)) {
            any = true;
            break;
        }
    }
    if (!any)
        return NULL;
    for (const char *p = in; p < end;) {
        size_t n = escape_len(p, end);
        if (n && p + n < end && escape_len(p + n, end)) {
            p += n;
            continue;
        }
        size_t step = n ? n : 1;
        if (mamori_buf_append(tmp, p, step) < 0)
            return NULL;
        p += step;
    }
    *ret_len = tmp->len;
    return tmp->data;
}

/* Converts with a named ICU converter. strict: stop at the first byte that does not fit
 * (MAMORI_E_SYNTAX, nothing appended). -ENOENT when ICU does not know the name. */
static int
convert(const char *name, const char *in, size_t len, bool strict, struct mamori_buf *out)
{
    if (len > INT32_MAX)
        return MAMORI_E_LIMIT;
    struct mamori_buf cleaned;
    mamori_buf_init(&cleaned, len);
    if (strncasecmp(name, "ISO-2022", 8) == 0) {
        size_t n;
        const char *c = drop_redundant_escapes(in, len, &cleaned, &n);
        if (c) {
            in = c;
            len = n;
        }
    }
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(name, &e);
    if (U_FAILURE(e) || !cnv) {
        mamori_buf_done(&cleaned);
        return -ENOENT;
    }
    e = U_ZERO_ERROR;
    ucnv_setToUCallBack(cnv, strict ? UCNV_TO_U_CALLBACK_STOP : UCNV_TO_U_CALLBACK_SUBSTITUTE, NULL,
                        NULL, NULL, &e);
    size_t start = out->len;
    const char *src = in, *src_end = in + len;
    UChar ubuf[CHUNK + 1];
    char u8[(CHUNK + 1) * 3];
    int32_t carry = 0; /* a lead surrogate kept for the next chunk */
    int r = 0;
    for (;;) {
        UChar *t = ubuf + carry;
        e = U_ZERO_ERROR;
        ucnv_toUnicode(cnv, &t, ubuf + CHUNK, &src, src_end, NULL, true, &e);
        bool more = e == U_BUFFER_OVERFLOW_ERROR;
        if (U_FAILURE(e) && !more) {
            r = MAMORI_E_SYNTAX;
            break;
        }
        int32_t n = (int32_t)(t - ubuf);
        carry = 0;
        if (more && n > 0 && U16_IS_LEAD(ubuf[n - 1])) {
            carry = 1;
            n--;
        }
        int32_t u8len = 0;
        UErrorCode e2 = U_ZERO_ERROR;
        u_strToUTF8WithSub(u8, (int32_t)sizeof(u8), &u8len, ubuf, n, 0xfffd, NULL, &e2);
        if (U_FAILURE(e2)) {
            r = MAMORI_E_SYNTAX;
            break;
        }
        r = mamori_buf_append(out, u8, (size_t)u8len);
        if (r < 0)
            break;
        if (carry)
            ubuf[0] = ubuf[n];
        if (!more)
            break;
    }
    ucnv_close(cnv);
    mamori_buf_done(&cleaned);
    if (r < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return r;
}

/* Tries the detector's candidates in order of confidence; 0 and the winner's name when one
 * converts strictly. */
static int
detect_and_convert(const char *in, size_t len, struct mamori_buf *out, const char **ret_name)
{
    /* ISO-2022-JP is 7-bit: recognise it by its escape sequences before anything else. */
    if (is_ascii(in, len)) {
        if ((memmem(in, len, "\x1b$B", 3) || memmem(in, len, "\x1b$@", 3)) &&
            convert("ISO-2022-JP", in, len, true, out) == 0) {
            *ret_name = "ISO-2022-JP";
            return 0;
        }
        *ret_name = "US-ASCII";
        return mamori_buf_append(out, in, len);
    }
    if (valid_utf8(in, len)) {
        *ret_name = "UTF-8";
        return mamori_buf_append(out, in, len);
    }
    UErrorCode e = U_ZERO_ERROR;
    UCharsetDetector *det = ucsdet_open(&e);
    int r = MAMORI_E_SYNTAX;
    if (U_SUCCESS(e)) {
        /* A sample is enough to rank candidates; the winner must still convert the whole
         * text strictly. */
        ucsdet_setText(det, in, (int32_t)(len > 2048 ? 2048 : len), &e);
        int32_t n = 0;
        const UCharsetMatch **m = ucsdet_detectAll(det, &n, &e);
        /* Japanese candidates first, in the detector's order, then the rest: this is
         * Japanese mail, and short texts give the detector little to go on. */
        for (int pass = 0; pass < 2 && r != 0; pass++) {
            for (int32_t i = 0; U_SUCCESS(e) && i < n && r != 0; i++) {
                UErrorCode e2 = U_ZERO_ERROR;
                const char *name = ucsdet_getName(m[i], &e2);
                if (U_FAILURE(e2) || !name)
                    continue;
                bool jp = strcasecmp(name, "Shift_JIS") == 0 || strcasecmp(name, "EUC-JP") == 0 ||
                          strcasecmp(name, "ISO-2022-JP") == 0;
                if (jp != (pass == 0))
                    continue;
                const char *icu = icu_name(name);
                if (convert(icu, in, len, true, out) == 0) {
                    *ret_name = icu;
                    r = 0;
                }
            }
            if (pass == 0 && r != 0) {
                /* The detector may not have proposed them at all for a short text. */
                static const char *const jp[] = {"windows-31j", "EUC-JP"};
                for (size_t k = 0; k < 2 && r != 0; k++)
                    if (len < 64 && convert(jp[k], in, len, true, out) == 0) {
                        *ret_name = jp[k];
                        r = 0;
                    }
            }
        }
        ucsdet_close(det);
    }
    if (r == 0)
        return 0;
    /* Japanese mail is the likely case: try the two 8-bit Japanese charsets. */
    static const char *const jp[] = {"windows-31j", "EUC-JP"};
    for (size_t i = 0; i < 2; i++)
        if (convert(jp[i], in, len, true, out) == 0) {
            *ret_name = jp[i];
            return 0;
        }
    return MAMORI_E_SYNTAX;
}

/* Whether labelled text is already what UTF-8 output would be: ASCII in an ASCII-compatible
 * charset ICU knows (UTF-16/32/7 and EBCDIC are not; an escape could start ISO-2022, so that
 * goes to ICU), or valid UTF-8 labelled UTF-8. */
static bool
already_utf8(const char *charset, const char *in, size_t len)
{
    if (strcasecmp(charset, "utf-8") == 0 || strcasecmp(charset, "utf8") == 0)
        return valid_utf8(in, len);
    return !ascii_incompatible(charset) && is_ascii(in, len) && !memchr(in, 0x1b, len) &&
           known_to_icu(charset);
}

int
mamori_charset_to_utf8(const char *charset, const char *in, size_t len, struct mamori_buf *out,
                       unsigned *ret_flags)
{
    unsigned flags = 0;
    const char *det = NULL;
    int r;
    if (len == 0 || !in) {
        if (ret_flags)
            *ret_flags = 0;
        return 0;
    }
    bool unlabelled = !charset || !*charset || strcasecmp(charset, "us-ascii") == 0 ||
                      strcasecmp(charset, "ascii") == 0 ||
                      strcasecmp(charset, "unknown-8bit") == 0 ||
                      strcasecmp(charset, "x-unknown") == 0 || strcasecmp(charset, "default") == 0;
    if (unlabelled) {
        if (is_ascii(in, len) && !memmem(in, len, "\x1b$", 2)) {
            r = mamori_buf_append(out, in, len);
        } else {
            r = detect_and_convert(in, len, out, &det);
            flags |= charset && *charset && strcasecmp(charset, "unknown-8bit") != 0
                         ? MAMORI_CHARSET_MISLABELLED
                         : MAMORI_CHARSET_DETECTED;
        }
    } else if (already_utf8(charset, in, len)) {
        r = mamori_buf_append(out, in, len);
    } else {
        const char *name = icu_name(charset);
        /* 7-bit ISO-2022-JP with 8-bit bytes is really something else (usually Shift_JIS). */
        bool iso2022 = strncasecmp(name, "ISO-2022-JP", 11) == 0;
        if (iso2022 && !is_ascii(in, len))
            r = MAMORI_E_SYNTAX;
        else
            r = convert(name, in, len, true, out);
        if (r == -ENOENT)
            flags |= MAMORI_CHARSET_UNKNOWN;
        if (r == MAMORI_E_SYNTAX || r == -ENOENT) {
            r = detect_and_convert(in, len, out, &det);
            if (r == 0)
                flags |= MAMORI_CHARSET_MISLABELLED;
            else if (!(flags & MAMORI_CHARSET_UNKNOWN)) {
                r = convert(name, in, len, false, out);
                flags |= MAMORI_CHARSET_REPLACED;
            }
        }
    }
    if (r == MAMORI_E_SYNTAX || r == -ENOENT) {
        /* Nothing fits: keep what can be read, mark the rest. */
        r = convert("windows-31j", in, len, false, out);
        flags |= MAMORI_CHARSET_REPLACED;
    }
    if (r == 0 && ret_flags)
        *ret_flags = flags;
    return r;
}
