/*
 * Mail engine internals shared between its files: the walk (sanitize.c) fills a mail_ctx,
 * the writer (output.c) turns it into the message and the result.
 */
#ifndef MAMORI_MAIL_INTERNAL_H
#define MAMORI_MAIL_INTERNAL_H

#include <gmime/gmime.h>

#include "mamori/mail.h"

/* The most nesting any policy may allow (policy limits.max_depth is at most 64). */
#define MAMORI_MAIL_MAX_DEPTH_HARD 64

/* A malformed encoded-word was kept as text (a flag beside enum mamori_charset_flags). */
#define MAMORI_RFC2047_INVALID (1u << 8)

struct mail_ctx {
    const struct mamori_mail_options *opts;
    struct mamori_limits lim;
    struct mamori_mail_result *res;
    struct mamori_arena *arena;
    GMimeParserOptions *parser_options;
    struct mamori_buf text; /* the body text so far, UTF-8 */
    size_t body_parts;      /* text parts in the body, for separators */
    size_t parts, decoded;
    const char *held; /* the first reason to hold, or NULL */
    struct mamori_mail_attachment *att;
    size_t n_att, cap_att;
    const char **defects;
    size_t n_defects;
    bool html_converted;
    bool binary_text; /* the last text part decoded was a file, not text */
    const char *boundaries[MAMORI_MAIL_MAX_DEPTH_HARD]; /* of the enclosing multiparts */
    int n_boundaries;
    GMimePart *predecoded_part; /* a text part already decoded into predecoded */
    struct mamori_buf predecoded;
    size_t forwarded;
    int error; /* the environment failed (memory): nothing can be written */
};

void mail_hold(struct mail_ctx *c, const char *reason);
void mail_defect(struct mail_ctx *c, const char *fmt, ...) MAMORI_PRINTF(2, 3);
/* Unfolds and decodes a raw header value to UTF-8. */
int mail_header_decode(const char *raw, struct mamori_buf *out, unsigned *ret_flags);
/* Writes the output message and fills the result (output.c). */
int mail_write_output(struct mail_ctx *c, GMimeMessage *msg, const char *data, size_t len);

/* mamori_rfc2047_decode, optionally wrapping each decoded run in a quoted-string. */
int mamori_rfc2047_decode_ex(const char *in, size_t len, bool quote_words, struct mamori_buf *out,
                             unsigned *ret_flags);

#endif
