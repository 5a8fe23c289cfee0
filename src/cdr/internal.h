/* The CDR engine's parts (docs/internals/cdr.md). */
#ifndef MAMORI_CDR_INTERNAL_H
#define MAMORI_CDR_INTERNAL_H

#include "mamori/cdr.h"

/* One whole run: the options, the result being filled, and the budgets all levels share. */
struct cdr {
    const struct mamori_cdr_options *o;
    struct mamori_cdr_result *res;
    struct mamori_arena *a;
    unsigned depth;
    size_t entries, total;
    const char *prefix; /* the archive path down to the current member ("a.zip/b.zip/") */
};

/* The outcome of rebuilding one file (the top one, or an archive member). */
struct part {
    enum mamori_cdr_verdict verdict;
    const char *reason, *reason_text; /* blocked */
    const char *type;                 /* the output's MIME type */
    const char *ext;                  /* the output's extension, without the dot */
    char *out;                        /* arena */
    size_t out_len;
};

/* Marks part blocked; always returns 0 (a verdict, not an error). */
int cdr_block(struct part *p, const char *reason, const char *text);
/* Counts n removals of a category in the run's result (sets part sanitized when n > 0). */
void cdr_removed(struct cdr *c, struct part *p, const char *category, int64_t n);
/* The type of bytes by the signatures the engine knows, or NULL. */
const char *cdr_signature(const void *data, size_t len);
/* The detected MIME type of bytes ("application/octet-stream" when unknown). */
const char *cdr_detect(struct cdr *c, const void *data, size_t len);
/* Rebuilds one file by its content; recursion for archive members. */
int cdr_rebuild(struct cdr *c, const char *name, const void *data, size_t len, struct part *p);

/* Handlers: each fills p (out in c->a) or blocks it. */
int cdr_text(struct cdr *c, const char *name, const void *data, size_t len, struct part *p);
/* family: "png", "jpeg", "gif", "webp", "bmp", "tiff" */
int cdr_image(struct cdr *c, const char *family, const void *data, size_t len, struct part *p);
int cdr_ooxml(struct cdr *c, const void *data, size_t len, struct part *p);
int cdr_pdf(struct cdr *c, const void *data, size_t len, struct part *p);
/* A structurally cleaned PDF rebuilt from its rendered pages (pdf_render.c). */
int cdr_pdf_render(struct cdr *c, const void *data, size_t len, struct part *p);
int cdr_archive(struct cdr *c, const char *type, const void *data, size_t len, struct part *p);
/* Is this zip an Office Open XML package ([Content_Types].xml at its root)? */
bool cdr_zip_is_ooxml(const void *data, size_t len);

/* Archive members, read whole (archive.c). */
struct zentry {
    const char *name; /* UTF-8 (CP932 names of Japanese Windows zips converted) */
    char *data;
    size_t len;
};
/* Reads every regular member of an archive (any format libarchive reads; zip with c->o's
 * password) within the run's limits. 0 with the members; 1 when the archive is refused, with
 * the reason in p (blocked); negative on -ENOMEM. Links and devices are skipped (counted). */
int cdr_unpack(struct cdr *c, const void *data, size_t len, bool zip_only, struct part *p,
               struct zentry **ret, size_t *ret_n);
/* Writes members as a zip (deflate, UTF-8 names) into the arena. */
int cdr_zip(struct cdr *c, const struct zentry *e, size_t n, char **out, size_t *out_len);

/* The extension of a name (after the last dot, lower case ASCII) into ext, "" when none. */
void cdr_extension(const char *name, char *ext, size_t len);

#endif
