/*
 * Diagnostics: what a checker found, where, in the FILE:LINE:COL: severity: message form
 * that editors and compilers use. Messages are formatted by the caller; this module only
 * keeps, orders and prints them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/core.h"

#define DIAGS_MAX_KEPT 1000

void
mamori_diags_init(struct mamori_diags *d, const char *file)
{
    memset(d, 0, sizeof(*d));
    d->file = strdup(file ? file : "-");
    d->max = DIAGS_MAX_KEPT;
}

void
mamori_diags_done(struct mamori_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->items[i].message);
    free(d->items);
    free(d->file);
    memset(d, 0, sizeof(*d));
}

void
mamori_diags_add(struct mamori_diags *d, enum mamori_severity sev, uint32_t line, uint32_t col,
                 const char *fmt, ...)
{
    if (sev == MAMORI_SEV_ERROR)
        d->n_errors++;
    else if (sev == MAMORI_SEV_WARNING)
        d->n_warnings++;
    if (d->n >= d->max) {
        d->n_dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct mamori_diag *p = realloc(d->items, cap * sizeof(*p));
        if (!p) {
            d->n_dropped++;
            return;
        }
        d->items = p;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (!msg) {
        d->n_dropped++;
        return;
    }
    d->items[d->n++] = (struct mamori_diag){sev, line, col, msg};
}

static int
cmp_pos(const void *a, const void *b)
{
    const struct mamori_diag *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

void
mamori_diags_sort(struct mamori_diags *d)
{
    /* Insertion sort keeps equal positions in the order they were found. */
    for (size_t i = 1; i < d->n; i++) {
        struct mamori_diag t = d->items[i];
        size_t k = i;
        while (k > 0 && cmp_pos(&d->items[k - 1], &t) > 0) {
            d->items[k] = d->items[k - 1];
            k--;
        }
        d->items[k] = t;
    }
}

const char *
mamori_severity_name(enum mamori_severity sev)
{
    static const char *const names[MAMORI_SEV_MAX] = {"error", "warning", "note"};
    return sev < MAMORI_SEV_MAX ? names[sev] : "error";
}

int
mamori_diags_format(const struct mamori_diags *d, struct mamori_buf *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct mamori_diag *g = &d->items[i];
        int r;
        if (g->line)
            r = mamori_buf_printf(out, "%s:%u:%u: %s: %s\n", d->file, g->line, g->col,
                                  mamori_severity_name(g->severity), g->message);
        else
            r = mamori_buf_printf(out, "%s: %s: %s\n", d->file, mamori_severity_name(g->severity),
                                  g->message);
        if (r < 0)
            return r;
    }
    if (d->n_dropped)
        return mamori_buf_printf(out, "%s: note: %zu more diagnostics not shown\n", d->file,
                                 d->n_dropped);
    return 0;
}
