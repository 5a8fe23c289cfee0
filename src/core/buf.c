/*
 * Bounded growable buffer. Every buffer is created with a maximum; appending past it returns
 * MAMORI_E_LIMIT and leaves the buffer as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/core.h"

void
mamori_buf_init(struct mamori_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void
mamori_buf_done(struct mamori_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void
mamori_buf_reset(struct mamori_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int
reserve(struct mamori_buf *b, size_t extra)
{
    size_t need;
    if (!mamori_size_add(b->len, extra, &need) || need > b->max)
        return MAMORI_E_LIMIT;
    if (need < b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap <= need) {
        if (!mamori_size_mul(cap, 2, &cap))
            return -ENOMEM;
    }
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int
mamori_buf_reserve(struct mamori_buf *b, size_t n)
{
    /* Exactly what is asked for (appends still double from there), never more than the
     * buffer may ever hold. */
    size_t room = b->max > b->len ? b->max - b->len : 0;
    size_t need = b->len + (n < room ? n : room) + 1;
    if (need <= b->cap)
        return 0;
    char *p = realloc(b->data, need);
    if (!p)
        return -ENOMEM;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = need;
    return 0;
}

int
mamori_buf_append(struct mamori_buf *b, const void *p, size_t n)
{
    int r = reserve(b, n);
    if (r < 0)
        return r;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int
mamori_buf_puts(struct mamori_buf *b, const char *s)
{
    return mamori_buf_append(b, s, strlen(s));
}

int
mamori_buf_putc(struct mamori_buf *b, char c)
{
    return mamori_buf_append(b, &c, 1);
}

int
mamori_buf_vprintf(struct mamori_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -EINVAL;
    int r = reserve(b, (size_t)n);
    if (r < 0)
        return r;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
mamori_buf_printf(struct mamori_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = mamori_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

int
mamori_buf_put_be32(struct mamori_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    return mamori_buf_append(b, x, sizeof(x));
}

int
mamori_buf_put_be64(struct mamori_buf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (56 - 8 * i));
    return mamori_buf_append(b, x, sizeof(x));
}

char *
mamori_buf_steal(struct mamori_buf *b, size_t *ret_len)
{
    char *p = b->data;
    if (!p) {
        p = calloc(1, 1);
        if (!p)
            return NULL;
    }
    if (ret_len)
        *ret_len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
