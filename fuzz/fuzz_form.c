/*
 * Fuzz target: a console form body (application/x-www-form-urlencoded), then every value
 * written as HTML text. What comes out of the escaping writer never holds markup characters.
 */
#include <stdlib.h>
#include <string.h>

#include "mamori/console.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_arena *a = mamori_arena_new(1 << 24);
    struct mamori_form f;
    if (mamori_form_parse((const char *)data, size, a, &f) == 0) {
        for (size_t i = 0; i < f.n; i++)
            if (!f.name[i] || !f.value[i] || mamori_form_get(&f, f.name[i]) == NULL)
                abort();
    }
    /* The raw bytes as text: any byte sequence at all. */
    struct mamori_buf b;
    struct mamori_html h;
    mamori_buf_init(&b, (size_t)1 << 26);
    mamori_html_init(&h, &b);
    mamori_html_textn(&h, (const char *)data, size);
    if (mamori_html_finish(&h) == 0 && b.data && strpbrk(b.data, "<>\"'"))
        abort();
    mamori_buf_reset(&b);
    mamori_html_init(&h, &b);
    char *z = strndup((const char *)data, size);
    mamori_html_url(&h, z);
    if (mamori_html_finish(&h) == 0 && b.data && strpbrk(b.data, "<>\"' /?&#\\"))
        abort();
    free(z);
    mamori_buf_done(&b);
    mamori_arena_free(a);
    return 0;
}
