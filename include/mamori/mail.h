/*
 * mamori mail: メール無害化, internet mail turned into one text/plain part.
 *
 * The engine parses a message with GMime, decodes every text part to UTF-8 with ICU (so
 * ISO-2022-JP keeps the NEC special characters ①㈱Ⅰ№～ that glibc iconv mangles), turns HTML
 * into text, removes every other part (handing each to the caller with its name, types,
 * size, SHA-256 and bytes, to keep as the original), defangs URLs, and writes a new message:
 * safe headers re-encoded as 7-bit RFC 2047, X-Mamori-Sanitized listing the actions,
 * X-Mamori-Original naming the original (sha256:<hex> of the input), a Japanese-first notice
 * listing each removed attachment, and the text.
 *
 * Ambiguity is never guessed at: conflicting or duplicated Content-Type or boundaries,
 * malformed multiparts, a transfer encoding it does not know, or a limit (depth, parts,
 * header size, message size, decoded size) → the verdict is "held" and the output is a notice
 * message instead (X-Mamori-Sanitized: held reason=...).
 *
 *     mamori_mail_init();
 *     struct mamori_mail_result *res;
 *     mamori_mail_sanitize(bytes, len, &opts, &res);   // res->output, res->attachments ...
 *     mamori_mail_result_free(res);
 *
 * SECURITY: the input is hostile. No I/O, no logging: the engine runs inside a sandboxed
 * worker. Memory is bounded by the limits; the output never contains attachment bytes or
 * HTML markup.
 */
#ifndef MAMORI_MAIL_H
#define MAMORI_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/core.h"
#include "mamori/policy.h"

/* Limits of DESIGN.md §6 and the policy's sanitize.limits (these are the defaults). */
#define MAMORI_MAIL_MAX_DEPTH          16
#define MAMORI_MAIL_MAX_PARTS          256
#define MAMORI_MAIL_MAX_HEADER_BYTES   ((int64_t)256 * 1024)
#define MAMORI_MAIL_MAX_MESSAGE_BYTES  ((int64_t)64 * 1024 * 1024)
#define MAMORI_MAIL_MAX_DECODED_BYTES  ((int64_t)256 * 1024 * 1024)
#define MAMORI_MAIL_MAX_FILENAME_CHARS 100

enum mamori_mail_verdict {
    MAMORI_MAIL_SANITIZED, /* converted to text */
    MAMORI_MAIL_HELD,      /* held whole; the output is a notice */
    MAMORI_MAIL_VERDICT_MAX,
};

/* Detects a type from content (the caller's libmagic); may be NULL. Returns a MIME type in
 * static or caller-owned storage that lives as long as the options. */
typedef const char *(*mamori_mail_detect_fn)(void *ctx, const void *data, size_t len);

struct mamori_mail_options {
    enum mamori_url_mode urls;                         /* http, https, ftp, www. */
    enum mamori_url_mode mailto;                       /* mailto: and tel: */
    struct mamori_limits limits;                       /* 0 fields take the defaults above */
    const char *notice_removed_ja, *notice_removed_en; /* NULL: built-in texts */
    const char *notice_held_ja, *notice_held_en;
    mamori_mail_detect_fn detect;
    void *detect_ctx;
    bool drop_attachment_bytes; /* hash and describe removed parts, but do not keep their
                                 * bytes (a worker that sends back only the description) */
};

/* Fills options from a policy's sanitize section and notices. */
void mamori_mail_options_from_policy(const struct mamori_policy *p,
                                     struct mamori_mail_options *ret);

struct mamori_mail_attachment {
    const char *name;          /* for display: control, bidi and zero-width characters
                                * removed, capped; "" when the part had none */
    const char *declared_type; /* "application/pdf" */
    const char *detected_type; /* from content, or NULL */
    size_t size;
    uint8_t sha256[32];
    const uint8_t *data;  /* the decoded bytes; NULL with drop_attachment_bytes */
    bool encrypted;       /* password-protected ZIP, PDF, Office: not inspectable */
    bool forwarded;       /* inside a forwarded message */
    bool name_suspicious; /* bidi override, control characters, double extension */
};

struct mamori_mail_result {
    enum mamori_mail_verdict verdict;
    const char *held_reason; /* a token: "conflicting-header", "limit-parts" ... */
    char *output;            /* the message to deliver (CRLF-free, LF line ends) */
    size_t output_len;
    struct mamori_mail_attachment *attachments;
    size_t n_attachments;
    const char **defects; /* tokens, e.g. "charset-mislabelled:iso-2022-jp" */
    size_t n_defects;
    const char **actions; /* tokens as in X-Mamori-Sanitized */
    size_t n_actions;
    size_t urls_defanged;
    uint8_t original_sha256[32];
    /* Decoded for the report (UTF-8). */
    const char *message_id, *from, *to, *subject, *date;
    struct mamori_arena *arena;
};

/* Once per process, before any sanitizing (GMime's set-up). */
void mamori_mail_init(void);
/* Sanitizes one message. Returns 0 with a result whose verdict is SANITIZED or HELD (both
 * have an output to deliver); -ENOMEM or another error only when nothing could be made
 * (the caller then temp-fails). */
int mamori_mail_sanitize(const char *data, size_t len, const struct mamori_mail_options *opts,
                         struct mamori_mail_result **ret);
struct mamori_mail_result *mamori_mail_result_free(struct mamori_mail_result *r);
/* The JSON report of one result (message id, from, to, subject, verdict, actions, defects,
 * attachments with hashes). */
int mamori_mail_report_json(const struct mamori_mail_result *r, struct mamori_json *j);

/* A result as typed frames, for a sandboxed worker to send to its parent (attachment bytes
 * are not included). Decoding treats the bytes as hostile: MAMORI_E_SYNTAX for anything but
 * a well-formed result with a 7-bit output. */
int mamori_mail_result_encode(const struct mamori_mail_result *r, struct mamori_buf *out);
int mamori_mail_result_decode(const char *data, size_t len, struct mamori_mail_result **ret);

/* ---- pieces, exposed for tests and for the file engine ---------------------------------- */

enum mamori_charset_flags {
    MAMORI_CHARSET_MISLABELLED = 1 << 0, /* the declared charset did not fit; detected */
    MAMORI_CHARSET_DETECTED = 1 << 1,    /* none was declared; detected */
    MAMORI_CHARSET_REPLACED = 1 << 2,    /* undecodable bytes became U+FFFD */
    MAMORI_CHARSET_UNKNOWN = 1 << 3,     /* the declared charset is unknown to ICU */
};

/* Converts text in charset (may be NULL or "") to UTF-8 appended to out, detecting
 * mislabelled and unlabelled Japanese. ret_flags: enum mamori_charset_flags. */
int mamori_charset_to_utf8(const char *charset, const char *in, size_t len, struct mamori_buf *out,
                           unsigned *ret_flags);
/* Decodes an unfolded header value with RFC 2047 encoded-words (adjacent words joined before
 * conversion, so ISO-2022-JP split across words survives) and raw 8-bit text (detected). */
int mamori_rfc2047_decode(const char *in, size_t len, struct mamori_buf *out, unsigned *ret_flags);
/* Encodes UTF-8 text as a 7-bit header value: ASCII words as they are, the rest as
 * =?UTF-8?B?...?= words; folded so no line exceeds 76 characters after name_len. */
int mamori_rfc2047_encode(const char *utf8, size_t len, size_t name_len, struct mamori_buf *out);
/* Defangs URLs in UTF-8 text per mode; returns the number changed in ret_count. */
int mamori_defang(const char *text, size_t len, enum mamori_url_mode urls,
                  enum mamori_url_mode mailto, struct mamori_buf *out, size_t *ret_count);
/* A file name made safe to show: control, bidi-override and zero-width characters removed,
 * capped at max_chars; sets *ret_suspicious when something was removed or the name has a
 * double extension such as ".pdf.exe". */
int mamori_safe_filename(const char *utf8, size_t max_chars, struct mamori_buf *out,
                         bool *ret_suspicious);

#endif
