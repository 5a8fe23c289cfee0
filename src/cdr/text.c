/*
 * Text, CSV and TSV: decoded (UTF-8 with or without BOM, UTF-16 with BOM, else CP932 or EUC-JP
 * through ICU), control characters removed, formula cells neutralised, written as UTF-8.
 */
#include <errno.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "internal.h"

/* Converts from a charset to UTF-8 in the arena; -EILSEQ at the first byte that does not
 * decode. */
static int
to_utf8(struct cdr *c, const char *charset, const char *in, size_t n, char **out, size_t *out_len)
{
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cv = ucnv_open(charset, &e);
    if (U_FAILURE(e))
        return -ENOTSUP;
    ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
    size_t ucap = n + 1;
    UChar *u = mamori_arena_alloc(c->a, ucap * sizeof(UChar));
    if (!u || ucap > INT32_MAX) {
        ucnv_close(cv);
        return -ENOMEM;
    }
    int32_t ulen = ucnv_toUChars(cv, u, (int32_t)ucap, in, (int32_t)n, &e);
    ucnv_close(cv);
    if (U_FAILURE(e))
        return -EILSEQ;
    int32_t blen = 0;
    e = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &blen, u, ulen, &e);
    e = U_ZERO_ERROR;
    char *b = mamori_arena_alloc(c->a, (size_t)blen + 1);
    if (!b)
        return -ENOMEM;
    u_strToUTF8(b, blen + 1, NULL, u, ulen, &e);
    if (U_FAILURE(e))
        return -EILSEQ;
    *out = b;
    *out_len = (size_t)blen;
    return 0;
}

/* Is the field (s, n) a plain number ("-12", "+3.5")? Those keep their sign. */
static bool
plain_number(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, digits++;
    }
    return digits > 0 && i == n;
}

static bool
formula_start(char ch)
{
    return ch == '=' || ch == '+' || ch == '-' || ch == '@' || ch == '\t' || ch == '\r';
}

/* Writes the CSV/TSV text t again with every formula-like cell prefixed by "'". */
static int
neutralise(struct cdr *c, struct part *p, const char *t, size_t n, char sep, struct mamori_buf *out)
{
    int64_t count = 0;
    size_t i = 0;
    int r = 0;
    while (i <= n && r == 0) {
        /* One field from i. */
        if (i < n && t[i] == '"') {
            size_t j = i + 1;
            for (; j < n; j++) {
                if (t[j] == '"' && j + 1 < n && t[j + 1] == '"')
                    j++;
                else if (t[j] == '"')
                    break;
            }
            size_t end = j < n ? j : n; /* the closing quote (or the end) */
            const char *f = t + i + 1;
            size_t flen = end - (i + 1);
            bool fix = flen && formula_start(f[0]) && !plain_number(f, flen);
            r = mamori_buf_putc(out, '"');
            if (r == 0 && fix)
                r = mamori_buf_putc(out, '\''), count++;
            if (r == 0)
                r = mamori_buf_append(out, f, flen);
            if (r == 0 && j < n)
                r = mamori_buf_putc(out, '"');
            i = j < n ? j + 1 : n;
            /* Anything after the closing quote up to the separator is copied. */
            while (r == 0 && i < n && t[i] != sep && t[i] != '\n' && t[i] != '\r')
                r = mamori_buf_putc(out, t[i++]);
        } else {
            size_t j = i;
            while (j < n && t[j] != sep && t[j] != '\n' && t[j] != '\r')
                j++;
            bool fix = j > i && formula_start(t[i]) && !plain_number(t + i, j - i);
            if (fix)
                r = mamori_buf_putc(out, '\''), count++;
            if (r == 0)
                r = mamori_buf_append(out, t + i, j - i);
            i = j;
        }
        if (i >= n)
            break;
        /* The separator or the line end after the field. */
        if (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n') {
            r = r ? r : mamori_buf_append(out, "\r\n", 2);
            i += 2;
        } else {
            r = r ? r : mamori_buf_putc(out, t[i]);
            i++;
        }
        if (i == n)
            break;
    }
    cdr_removed(c, p, "formulas", count);
    return r;
}

int
cdr_text(struct cdr *c, const char *name, const void *data, size_t len, struct part *p)
{
    const unsigned char *d = data;
    char *t = NULL;
    size_t n = 0;
    int r;
    if (len >= 3 && memcmp(d, "\xef\xbb\xbf", 3) == 0) {
        d += 3, len -= 3;
        if (!mamori_utf8_valid(d, len))
            return cdr_block(p, "undecodable-text",
                             "文字コードを判別できません / the text does "
                             "not decode");
        t = (char *)d, n = len;
    } else if (len >= 2 && (memcmp(d, "\xff\xfe", 2) == 0 || memcmp(d, "\xfe\xff", 2) == 0)) {
        r = to_utf8(c, d[0] == 0xff ? "UTF-16LE" : "UTF-16BE", (const char *)d + 2, len - 2, &t,
                    &n);
        if (r == -ENOMEM)
            return r;
        if (r < 0)
            return cdr_block(p, "undecodable-text",
                             "文字コードを判別できません / the text "
                             "does not decode");
    } else if (mamori_utf8_valid(d, len)) {
        t = (char *)d, n = len;
    } else {
        static const char *const tries[] = {"windows-31j", "EUC-JP"};
        r = -EILSEQ;
        for (size_t i = 0; i < MAMORI_ARRAY_SIZE(tries) && r == -EILSEQ; i++)
            r = to_utf8(c, tries[i], (const char *)d, len, &t, &n);
        if (r == -ENOMEM)
            return r;
        if (r < 0)
            return cdr_block(p, "undecodable-text",
                             "文字コードを判別できません / the text "
                             "does not decode");
    }
    /* Control characters out: C0 but tab and line ends, DEL, C1, bidi controls. */
    struct mamori_buf clean;
    mamori_buf_init(&clean, n + 16);
    int64_t controls = 0;
    r = 0;
    for (size_t i = 0; i < n && r == 0;) {
        unsigned char ch = (unsigned char)t[i];
        size_t skip = 0;
        if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || ch == 0x7f)
            skip = 1;
        else if (ch == 0xc2 && i + 1 < n && (unsigned char)t[i + 1] >= 0x80 &&
                 (unsigned char)t[i + 1] <= 0x9f)
            skip = 2;
        else if (ch == 0xe2 && i + 2 < n &&
                 (((unsigned char)t[i + 1] == 0x80 && (unsigned char)t[i + 2] >= 0xaa &&
                   (unsigned char)t[i + 2] <= 0xae) ||
                  ((unsigned char)t[i + 1] == 0x81 && (unsigned char)t[i + 2] >= 0xa6 &&
                   (unsigned char)t[i + 2] <= 0xa9)))
            skip = 3;
        if (skip) {
            controls++;
            i += skip;
        } else {
            r = mamori_buf_putc(&clean, (char)ch);
            i++;
        }
    }
    char ext[16];
    cdr_extension(name, ext, sizeof(ext));
    bool csv = strcmp(ext, "csv") == 0, tsv = strcmp(ext, "tsv") == 0;
    struct mamori_buf out;
    mamori_buf_init(&out, clean.len * 2 + 16);
    if (r == 0 && (csv || tsv)) {
        r = mamori_buf_append(&out, "\xef\xbb\xbf", 3); /* Excel then reads UTF-8 */
        if (r == 0)
            r = neutralise(c, p, clean.data ? clean.data : "", clean.len, csv ? ',' : '\t', &out);
    } else if (r == 0) {
        r = mamori_buf_append(&out, clean.data ? clean.data : "", clean.len);
    }
    mamori_buf_done(&clean);
    if (r == 0) {
        p->out = mamori_arena_alloc(c->a, out.len + 1);
        if (!p->out)
            r = -ENOMEM;
        else
            memcpy(p->out, out.data ? out.data : "", out.len);
        p->out_len = out.len;
    }
    mamori_buf_done(&out);
    if (r < 0)
        return r == MAMORI_E_LIMIT ? cdr_block(p, "too-large", "大きすぎます / too large") : r;
    /* Text that turns into another format once its control characters are gone (a PDF, a
     * zip, a program behind a few stray bytes) is that format in disguise, not text. */
    size_t bom = (csv || tsv) ? 3 : 0;
    const char *sig = cdr_signature(p->out + bom, p->out_len - bom);
    /* ("MZ" alone is too short a mark to call text a program.) */
    if (sig && !strstr(sig, "text") && strcmp(sig, "application/x-dosexec") != 0)
        return cdr_block(p, "disguised-type",
                         "テキストに見せかけた別形式のファイルです / "
                         "another format disguised as text");
    cdr_removed(c, p, "control-characters", controls);
    p->type = csv   ? "text/csv; charset=utf-8"
              : tsv ? "text/tab-separated-values; charset=utf-8"
                    : "text/plain; charset=utf-8";
    p->ext = csv ? "csv" : tsv ? "tsv" : "txt";
    return 0;
}
