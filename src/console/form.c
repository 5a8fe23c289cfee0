/*
 * application/x-www-form-urlencoded bodies (mamori/console.h). Hostile input: every byte is
 * checked, the result is UTF-8 without NULs or it is refused.
 */
#include <errno.h>
#include <string.h>

#include "mamori/console.h"

/* Decodes one name or value (s, n) into arena. */
static int
decode(const char *s, size_t n, struct mamori_arena *a, const char **ret)
{
    char *out = mamori_arena_alloc(a, n + 1);
    if (!out)
        return -ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[k++] = ' ';
        } else if (s[i] == '%') {
            if (n - i < 3)
                return MAMORI_E_SYNTAX;
            int hi = mamori_hex_digit(s[i + 1]), lo = mamori_hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0)
                return MAMORI_E_SYNTAX;
            out[k++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    if (memchr(out, '\0', k) || !mamori_utf8_valid(out, k))
        return MAMORI_E_SYNTAX;
    *ret = out;
    return 0;
}

int
mamori_form_parse(const char *body, size_t len, struct mamori_arena *a, struct mamori_form *ret)
{
    struct mamori_form f = {0};
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(body + i, '&', len - i);
        size_t end = amp ? (size_t)(amp - body) : len;
        if (end > i) {
            if (f.n == MAMORI_FORM_MAX_FIELDS)
                return MAMORI_E_LIMIT;
            const char *eq = memchr(body + i, '=', end - i);
            size_t name_end = eq ? (size_t)(eq - body) : end;
            int r = decode(body + i, name_end - i, a, &f.name[f.n]);
            if (r == 0)
                r = eq ? decode(eq + 1, end - name_end - 1, a, &f.value[f.n])
                       : decode("", 0, a, &f.value[f.n]);
            if (r < 0)
                return r;
            f.n++;
        }
        i = end + 1;
    }
    *ret = f;
    return 0;
}

const char *
mamori_form_get(const struct mamori_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->name[i], name) == 0)
            return f->value[i];
    return NULL;
}
