/*
 * Arena allocator: a chain of blocks, released in one go, with a byte budget.
 *
 * A parser allocates everything it builds for one input from one arena; when the input asks
 * for more than the budget, allocation fails and the parser reports MAMORI_E_LIMIT. Freeing
 * the arena frees the whole result, so error paths need no per-object clean-up.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/core.h"

#define BLOCK_MIN      ((size_t)16 * 1024)
#define ALIGNMENT      16
#define DEFAULT_BUDGET ((size_t)64 * 1024 * 1024)

struct block {
    struct block *next;
    size_t size;
    size_t used;
    _Alignas(ALIGNMENT) unsigned char data[];
};

struct mamori_arena {
    struct block *head;
    size_t budget;
    size_t handed_out;
    bool over_budget;
};

struct mamori_arena *
mamori_arena_new(size_t budget)
{
    struct mamori_arena *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->budget = budget ? budget : DEFAULT_BUDGET;
    return a;
}

struct mamori_arena *
mamori_arena_free(struct mamori_arena *a)
{
    if (!a)
        return NULL;
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
    return NULL;
}

void *
mamori_arena_alloc(struct mamori_arena *a, size_t size)
{
    size_t rounded;
    if (size == 0)
        size = 1;
    if (!mamori_size_add(size, ALIGNMENT - 1, &rounded))
        return NULL;
    rounded &= ~(size_t)(ALIGNMENT - 1);
    size_t total;
    if (!mamori_size_add(a->handed_out, rounded, &total) || total > a->budget) {
        a->over_budget = true;
        return NULL;
    }
    struct block *b = a->head;
    if (!b || b->size - b->used < rounded) {
        size_t bsize = rounded > BLOCK_MIN ? rounded : BLOCK_MIN;
        size_t alloc;
        if (!mamori_size_add(sizeof(struct block), bsize, &alloc))
            return NULL;
        b = malloc(alloc);
        if (!b)
            return NULL;
        b->size = bsize;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += rounded;
    a->handed_out = total;
    memset(p, 0, size);
    return p;
}

void *
mamori_arena_calloc(struct mamori_arena *a, size_t n, size_t size)
{
    size_t total;
    if (!mamori_size_mul(n, size, &total))
        return NULL;
    return mamori_arena_alloc(a, total);
}

char *
mamori_arena_strndup(struct mamori_arena *a, const char *s, size_t n)
{
    size_t total;
    if (!mamori_size_add(n, 1, &total))
        return NULL;
    char *p = mamori_arena_alloc(a, total);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
mamori_arena_strdup(struct mamori_arena *a, const char *s)
{
    return mamori_arena_strndup(a, s, strlen(s));
}

char *
mamori_arena_printf(struct mamori_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = mamori_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

bool
mamori_arena_over_budget(const struct mamori_arena *a)
{
    return a->over_budget;
}

size_t
mamori_arena_used(const struct mamori_arena *a)
{
    return a->handed_out;
}

const char *
mamori_trim(struct mamori_arena *arena, const char *s)
{
    if (!s)
        return "";
    const char *b = s, *e = s + strlen(s);
    for (;;) {
        if (b < e && (*b == ' ' || *b == '\t'))
            b++;
        else if (e - b >= 3 && memcmp(b, "\xe3\x80\x80", 3) == 0)
            b += 3;
        else
            break;
    }
    for (;;) {
        if (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        else if (e - b >= 3 && memcmp(e - 3, "\xe3\x80\x80", 3) == 0)
            e -= 3;
        else
            break;
    }
    if (b == s && *e == '\0')
        return s;
    const char *r = mamori_arena_strndup(arena, b, (size_t)(e - b));
    return r ? r : "";
}
