/*
 * Defanging and safe names.
 *
 * URLs in sanitized text are made unclickable unless the policy says otherwise:
 *     https://example.com/a   ->  hxxps[:]//example[.]com/a
 *     mailto:user@example.jp  ->  mailto[:]user[@]example[.]jp
 * A URL runs from "http://", "https://", "ftp://", "www.", "mailto:" or "tel:" over URL
 * characters (UTF-8 included), minus trailing ASCII punctuation; only the scheme, the host's
 * dots and an address's @ change, so Japanese text that runs on stays as it is.
 *
 * Attachment names are shown in the notice: control characters, bidi overrides (U+202E makes
 * "invoice<U+202E>fdp.exe" look like a PDF), zero-width characters and path separators are removed
 * or replaced, the length is capped, and a double extension is reported.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mamori/mail.h"

/* Bytes a URL may run over. UTF-8 counts: mail clients link internationalised names
 * ("https://例え.jp/"), and text that runs on after a URL only keeps its bytes. */
static bool
url_char(unsigned char c)
{
    return (c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\'' && c != '`' &&
            c != '{' && c != '}' && c != '|' && c != '\\' && c != '^') ||
           c >= 0x80;
}

static size_t
starts_with_ci(const char *p, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    if ((size_t)(end - p) < n || strncasecmp(p, prefix, n) != 0)
        return 0;
    return n;
}

/* The length of a URL at p, or 0; *ret_mail says mailto:/tel:, *ret_scheme the scheme length
 * (0 for "www."). */
static size_t
url_at(const char *p, const char *end, bool *ret_mail, size_t *ret_scheme)
{
    static const char *const web[] = {"http://", "https://", "ftp://", NULL};
    size_t s = 0;
    *ret_mail = false;
    for (const char *const *w = web; *w && !s; w++)
        s = starts_with_ci(p, end, *w);
    size_t scheme = s ? s - 3 : 0; /* "http" of "http://" */
    if (!s && (s = starts_with_ci(p, end, "www.")))
        scheme = 0;
    if (!s) {
        if ((s = starts_with_ci(p, end, "mailto:")) || (s = starts_with_ci(p, end, "tel:"))) {
            *ret_mail = true;
            scheme = s - 1;
        }
    }
    if (!s)
        return 0;
    size_t n = s;
    while (p + n < end && url_char((unsigned char)p[n]))
        n++;
    while (n > s && strchr(".,;:!?)]", p[n - 1]))
        n--;
    if (n == s)
        return 0; /* a scheme alone */
    *ret_scheme = scheme;
    return n;
}

static int
put_defanged(struct mamori_buf *out, const char *u, size_t n, size_t scheme, bool mail)
{
    int r = 0;
    size_t i = 0;
    if (scheme) {
        /* http -> hxxp, https -> hxxps, ftp -> fxp; mailto and tel keep their names. */
        if (!mail && scheme >= 3 && strncasecmp(u, "http", 4) == 0)
            r = mamori_buf_printf(out, "hxxp%.*s", (int)(scheme - 4), u + 4);
        else if (!mail && strncasecmp(u, "ftp", 3) == 0)
            r = mamori_buf_puts(out, "fxp");
        else
            r = mamori_buf_append(out, u, scheme);
        if (r == 0)
            r = mamori_buf_puts(out, "[:]");
        i = scheme + 1;
    }
    /* Dots (and @ of an address) in the host part; the path is left readable. */
    bool in_host = true;
    for (; i < n && r == 0; i++) {
        char c = u[i];
        if (!mail && in_host && c == '/' && i > scheme + 3)
            in_host = false;
        if (in_host && c == '.')
            r = mamori_buf_puts(out, "[.]");
        else if (mail && c == '@')
            r = mamori_buf_puts(out, "[@]");
        else
            r = mamori_buf_putc(out, c);
        if (mail && (c == '?'))
            in_host = false;
    }
    return r;
}

int
mamori_defang(const char *text, size_t len, enum mamori_url_mode urls, enum mamori_url_mode mailto,
              struct mamori_buf *out, size_t *ret_count)
{
    const char *p = text, *end = text + len, *copied = text;
    size_t count = 0;
    int r = 0;
    while (p < end && r == 0) {
        /* Only h(ttp), f(tp), w(ww), m(ailto) and t(el) can start a URL. */
        unsigned char ch = (unsigned char)(*p | 0x20);
        if (ch != 'h' && ch != 'f' && ch != 'w' && ch != 'm' && ch != 't') {
            p++;
            continue;
        }
        bool boundary = p == text || !isalnum((unsigned char)p[-1]);
        bool mail = false;
        size_t scheme = 0;
        size_t n = boundary ? url_at(p, end, &mail, &scheme) : 0;
        enum mamori_url_mode mode = mail ? mailto : urls;
        if (n == 0 || mode == MAMORI_URL_KEEP) {
            p += n ? n : 1;
            continue;
        }
        r = mamori_buf_append(out, copied, (size_t)(p - copied));
        if (r < 0)
            break;
        if (mode == MAMORI_URL_REMOVE)
            r = mamori_buf_puts(out, mail ? "[address removed]" : "[URL removed]");
        else
            r = put_defanged(out, p, n, scheme, mail);
        count++;
        p += n;
        copied = p;
    }
    if (r == 0)
        r = mamori_buf_append(out, copied, (size_t)(end - copied));
    if (r == 0 && ret_count)
        *ret_count = count;
    return r;
}

/* Decodes one UTF-8 code point at p (n bytes left); returns its length, 0 if invalid. */
static size_t
next_cp(const unsigned char *p, size_t n, uint32_t *ret)
{
    unsigned char c = p[0];
    size_t len = c < 0x80                  ? 1
                 : (c >= 0xc2 && c < 0xe0) ? 2
                 : (c >= 0xe0 && c < 0xf0) ? 3
                 : (c >= 0xf0 && c < 0xf5) ? 4
                                           : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t cp = len == 1 ? c : (uint32_t)(c & (0x7f >> len));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *ret = cp;
    return len;
}

static bool
invisible(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x200b && cp <= 0x200f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff ||
           cp == 0x180e || cp == 0x061c || cp == 0x00ad;
}

int
mamori_safe_filename(const char *utf8, size_t max_chars, struct mamori_buf *out,
                     bool *ret_suspicious)
{
    const unsigned char *p = (const unsigned char *)utf8;
    size_t n = strlen(utf8), chars = 0;
    bool suspicious = false;
    size_t start = out->len;
    int r = 0;
    while (n > 0 && r == 0) {
        uint32_t cp = 0;
        size_t l = next_cp(p, n, &cp);
        if (l == 0) {
            r = mamori_buf_puts(out, "\xef\xbf\xbd");
            suspicious = true;
            p++;
            n--;
        } else if (invisible(cp)) {
            suspicious = true;
        } else if (chars >= max_chars) {
            r = mamori_buf_puts(out, "…");
            break;
        } else if (cp == '/' || cp == '\\') {
            r = mamori_buf_putc(out, '_');
            suspicious = true;
        } else {
            r = mamori_buf_append(out, p, l);
        }
        if (l) {
            p += l;
            n -= l;
            chars++;
        }
    }
    if (r == 0) {
        /* "report.pdf.exe", "photo.jpg     .scr": a harmless-looking name hiding a program. */
        static const char *const exec[] = {".exe", ".scr", ".bat", ".cmd", ".com", ".pif",
                                           ".js",  ".jse", ".vbs", ".vbe", ".wsf", ".hta",
                                           ".lnk", ".msi", ".jar", ".ps1", ".cpl", NULL};
        const char *name = out->data ? out->data + start : "";
        const char *dot = strrchr(name, '.');
        if (dot) {
            for (const char *const *e = exec; *e; e++) {
                if (strcasecmp(dot, *e) != 0)
                    continue;
                const char *before = dot;
                while (before > name && before[-1] == ' ')
                    before--;
                if (before != dot || memchr(name, '.', (size_t)(dot - name)))
                    suspicious = true;
            }
        }
        if (ret_suspicious)
            *ret_suspicious = suspicious;
    }
    return r;
}
