/*
 * cdr: ファイル無害化 — one file in, a rebuilt file (or a reasoned refusal) and a report out
 * (docs/internals/cdr.md). Pure: no I/O; the caller supplies the type detector and limits.
 *
 *     struct mamori_cdr_options o;
 *     mamori_cdr_options_default(&o);
 *     o.detect = my_libmagic; o.detect_ctx = m;
 *     struct mamori_cdr_result *res;
 *     r = mamori_cdr_sanitize("見積書.xlsm", data, len, &o, &res);
 *     // res->verdict, res->out / res->out_len (NULL when blocked), res->out_name
 *     mamori_cdr_report_json(res, &json);
 *     mamori_cdr_result_free(res);
 *
 * Returns 0 with a result for every input (a file that cannot be handled is a verdict, not an
 * error); negative only for -ENOMEM and bad arguments.
 */
#ifndef MAMORI_CDR_H
#define MAMORI_CDR_H

#include "mamori/core.h"

#define MAMORI_CDR_MAX_BYTES    ((size_t)256 << 20)   /* one file, and any member */
#define MAMORI_CDR_MAX_PIXELS   ((uint64_t)100000000) /* an image's width × height */
#define MAMORI_CDR_MAX_DEPTH    4                     /* archives within archives */
#define MAMORI_CDR_MAX_ENTRIES  10000                 /* members of one file, all levels */
#define MAMORI_CDR_MAX_TOTAL    ((size_t)1 << 30)     /* bytes unpacked, all levels */
#define MAMORI_CDR_MAX_RATIO    200                   /* unpacked : packed, one member */
#define MAMORI_CDR_MAX_REMOVALS 16
#define MAMORI_CDR_MAX_MEMBERS  256  /* members reported one by one (all are counted) */
#define MAMORI_CDR_MAX_PAGES    2000 /* pages of a PDF rebuilt from its rendering */
#define MAMORI_CDR_PDF_DPI      150  /* the rendering's resolution */

enum mamori_cdr_verdict { MAMORI_CDR_CLEAN, MAMORI_CDR_SANITIZED, MAMORI_CDR_BLOCKED };

struct mamori_cdr_options {
    /* The type of bytes as a MIME type ("image/png"), from content; may be NULL (then only
     * the engine's own signatures are used). */
    const char *(*detect)(void *ctx, const void *data, size_t len);
    void *detect_ctx;
    const char *password; /* for encrypted zips (PPAP), or NULL */
    /* Name findings that block (else they are reported only). */
    bool block_bidi_name, block_double_extension, block_type_mismatch;
    size_t max_bytes, max_total;
    uint64_t max_pixels;
    unsigned max_depth, max_entries, max_ratio;
    /* PDFs: rebuilt from their rendered pages (MuPDF; no text, fonts or vectors survive) or
     * only cleaned structurally (qpdf; the text stays). */
    bool pdf_clean_only;
    unsigned pdf_dpi, max_pages;
};
struct mamori_policy;
/* The options a policy asks for (sanitize.pdf, sanitize.pdf_dpi) over the defaults. */
void mamori_cdr_options_from_policy(struct mamori_cdr_options *o, const struct mamori_policy *p);

struct mamori_cdr_removal {
    const char *category; /* "macros", "external-relationships", "metadata", "formulas" ... */
    int64_t count;
};

struct mamori_cdr_member {
    const char *name;
    enum mamori_cdr_verdict verdict;
    const char *reason; /* when blocked */
};

struct mamori_cdr_result {
    struct mamori_arena *arena;
    enum mamori_cdr_verdict verdict;
    const char *reason;      /* blocked: a reason id ("executable", "archive-limit" ...) */
    const char *reason_text; /* the same for people, Japanese and English */
    const char *in_name, *in_type, *out_name, *out_type;
    char in_sha256[72], out_sha256[72]; /* "sha256:<hex>"; out empty when blocked */
    size_t in_len;
    char *out; /* the rebuilt file (arena), NULL when blocked */
    size_t out_len;
    /* Findings about the name (reported; blocking per the options). */
    bool name_bidi, name_control, name_double_extension, name_type_mismatch;
    struct mamori_cdr_removal removed[MAMORI_CDR_MAX_REMOVALS];
    size_t n_removed;
    /* Archives: each member's outcome (the first MAMORI_CDR_MAX_MEMBERS), and counts. */
    struct mamori_cdr_member *members;
    size_t n_members, members_sanitized, members_blocked;
};

void mamori_cdr_options_default(struct mamori_cdr_options *o);
int mamori_cdr_sanitize(const char *name, const void *data, size_t len,
                        const struct mamori_cdr_options *o, struct mamori_cdr_result **ret);
void mamori_cdr_result_free(struct mamori_cdr_result *res);
const char *mamori_cdr_verdict_id(enum mamori_cdr_verdict v);
/* The report: input hash and type, what was removed (category and count), output hash and
 * type, verdict, reason, name findings, members. */
void mamori_cdr_report_json(const struct mamori_cdr_result *res, struct mamori_json *j);

/* ---- the file job (src/cdr/job.c: the worker's side; the CLI and the console use it) ---- */

struct mamori_file_job {
    struct mamori_cdr_options opts; /* limits and name rules; detect and password per run */
    void *magic;                    /* libmagic cookie, in the worker */
};
/* The request's head (then the file's bytes): the name, the password (or NULL), and what the
 * options (may be NULL: defaults) ask of PDFs. */
int mamori_file_job_request(const char *name, const char *password,
                            const struct mamori_cdr_options *o, struct mamori_buf *out);
int mamori_file_job_init(void *job);
/* Response: verdict (1 byte), report length (4 bytes, big-endian), report JSON, output name
 * length (2 bytes) and name, the file. */
int mamori_file_job_run(void *job, const char *req, size_t len, struct mamori_buf *resp);

/* A worker's answer, checked (it comes from a process that parsed hostile bytes): the report
 * must be one JSON object, the name a plain file name. Pointers into the answer. */
struct mamori_file_reply {
    enum mamori_cdr_verdict verdict;
    const char *report;
    size_t report_len;
    char name[1024];
    const char *out;
    size_t out_len;
};
int mamori_file_job_reply_parse(const char *d, size_t n, struct mamori_file_reply *ret);

#endif
