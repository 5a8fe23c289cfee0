/*
 * HTML written by construction (mamori/console.h): markup only from string literals, every
 * value through an escaping writer that also neutralises control and bidi characters.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mamori/console.h"

void
mamori_html_init(struct mamori_html *h, struct mamori_buf *out)
{
    h->out = out;
    h->err = 0;
}

static void
put(struct mamori_html *h, const char *s, size_t n)
{
    if (h->err == 0)
        h->err = mamori_buf_append(h->out, s, n);
}

void
mamori_html_markup_(struct mamori_html *h, const char *lit, size_t len)
{
    put(h, lit, len);
}

static bool
bidi_control(uint32_t c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

void
mamori_html_textn(struct mamori_html *h, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0; /* run: bytes copied as they are, pending */
    while (i < n) {
        uint32_t c;
        size_t len = mamori_utf8_next(p + i, n - i, &c);
        const char *rep = NULL;
        char code[16];
        if (len == 0) {
            rep = "\xef\xbf\xbd", len = 1;
        } else if (c == '&') {
            rep = "&amp;";
        } else if (c == '<') {
            rep = "&lt;";
        } else if (c == '>') {
            rep = "&gt;";
        } else if (c == '"') {
            rep = "&quot;";
        } else if (c == '\'') {
            rep = "&#39;";
        } else if ((c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7f && c < 0xa0)) {
            rep = "";
        } else if (bidi_control(c)) {
            snprintf(code, sizeof(code), "[U+%04" PRIX32 "]", c);
            rep = code;
        }
        if (rep) {
            put(h, s + i - run, run);
            put(h, rep, strlen(rep));
            run = 0;
        } else {
            run += len;
        }
        i += len;
    }
    put(h, s + n - run, run);
}

void
mamori_html_text(struct mamori_html *h, const char *s)
{
    if (s)
        mamori_html_textn(h, s, strlen(s));
}

void
mamori_html_int(struct mamori_html *h, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof(b), "%" PRId64, v);
    put(h, b, (size_t)n);
}

void
mamori_html_url(struct mamori_html *h, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~' || *p == ':') {
            put(h, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            put(h, e, 3);
        }
    }
}

int
mamori_html_finish(struct mamori_html *h)
{
    return h->err;
}
