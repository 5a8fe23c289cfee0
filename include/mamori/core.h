/*
 * mamori core: the small toolkit every other module is built from.
 *
 *  - result codes: 0 or positive on success, negative errno or a MAMORI_E_* code on failure;
 *  - an arena: many small allocations released in one go, with a byte budget, so a parser that
 *    is fed too much returns MAMORI_E_LIMIT instead of exhausting the machine;
 *  - a bounded growable buffer (every buffer has a maximum size);
 *  - a JSON writer whose output is canonical (no whitespace, fixed escaping), used both for
 *    --json output and for audit-log record details;
 *  - diagnostics in the FILE:LINE:COL: severity: message form compilers use;
 *  - file helpers that write atomically and durably (temp file, fsync, rename, fsync dir).
 *
 * SECURITY: nothing here trusts its input beyond the sizes given; every size computation is
 * checked for overflow. Library code never logs and never exits.
 */
#ifndef MAMORI_CORE_H
#define MAMORI_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- result codes ---------------------------------------------------------------------- */

enum mamori_error {
    MAMORI_E_LIMIT = -10001,  /* a named limit (size, depth, count) was exceeded */
    MAMORI_E_SYNTAX = -10002, /* input is not well-formed */
    MAMORI_E_INVALID =
        -10003, /* input is well-formed but violates a rule (diagnostics say which) */
    MAMORI_E_TAMPERED = -10004,  /* integrity check failed */
    MAMORI_E_SIGNATURE = -10005, /* a signature did not verify */
    MAMORI_E_VERSION = -10006,   /* a format or schema version this build does not know */
    MAMORI_E_DENIED = -10007,    /* the acting person may not do this */
    MAMORI_E_FOUND = -10008,     /* a scanner found malware (clamd) */
    MAMORI_E_ERROR_MIN = -10009, /* sentinel */
};

/* A short English description of a result code (negative errno or MAMORI_E_*). */
const char *mamori_strerror(int r);

#define MAMORI_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAMORI_PRINTF(f, a)  __attribute__((format(printf, f, a)))
#define mamori_cleanup(fn)   __attribute__((cleanup(fn)))

/* Checked size arithmetic: false on overflow. */
static inline bool
mamori_size_add(size_t a, size_t b, size_t *ret)
{
    return !__builtin_add_overflow(a, b, ret);
}

static inline bool
mamori_size_mul(size_t a, size_t b, size_t *ret)
{
    return !__builtin_mul_overflow(a, b, ret);
}

/* A read-only view of bytes owned by someone else. */
struct mamori_span {
    const char *ptr;
    size_t len;
};

/* ---- arena ------------------------------------------------------------------------------ */

struct mamori_arena;

/* budget: the most bytes the arena will hand out in total (0 means 64 MiB). */
struct mamori_arena *mamori_arena_new(size_t budget);
struct mamori_arena *mamori_arena_free(struct mamori_arena *a);
/* Zeroed memory aligned for any type, or NULL (out of memory or over budget). */
void *mamori_arena_alloc(struct mamori_arena *a, size_t size);
void *mamori_arena_calloc(struct mamori_arena *a, size_t n, size_t size);
char *mamori_arena_strndup(struct mamori_arena *a, const char *s, size_t n);
/* s without spaces (ASCII and 全角) at both ends: s itself, or a copy in a; "" for NULL. */
const char *mamori_trim(struct mamori_arena *a, const char *s);
char *mamori_arena_strdup(struct mamori_arena *a, const char *s);
char *mamori_arena_printf(struct mamori_arena *a, const char *fmt, ...) MAMORI_PRINTF(2, 3);
/* True once an allocation failed because the budget was reached. */
bool mamori_arena_over_budget(const struct mamori_arena *a);
size_t mamori_arena_used(const struct mamori_arena *a);

/* ---- bounded buffer --------------------------------------------------------------------- */

struct mamori_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* the buffer never holds more than this many bytes */
};

void mamori_buf_init(struct mamori_buf *b, size_t max);
void mamori_buf_done(struct mamori_buf *b);
void mamori_buf_reset(struct mamori_buf *b);
/* 0, -ENOMEM or MAMORI_E_LIMIT; on failure the buffer is unchanged. */
int mamori_buf_append(struct mamori_buf *b, const void *p, size_t n);
int mamori_buf_puts(struct mamori_buf *b, const char *s);
int mamori_buf_putc(struct mamori_buf *b, char c);
int mamori_buf_printf(struct mamori_buf *b, const char *fmt, ...) MAMORI_PRINTF(2, 3);
int mamori_buf_vprintf(struct mamori_buf *b, const char *fmt, va_list ap) MAMORI_PRINTF(2, 0);
/* Appends an unsigned integer as 4 or 8 big-endian bytes. */
int mamori_buf_put_be32(struct mamori_buf *b, uint32_t v);
int mamori_buf_put_be64(struct mamori_buf *b, uint64_t v);
/* Makes room for n more bytes now, so later appends do not reallocate. */
int mamori_buf_reserve(struct mamori_buf *b, size_t n);
/* Hands the data to the caller (who frees it) and leaves the buffer empty. */
char *mamori_buf_steal(struct mamori_buf *b, size_t *ret_len);

/* ---- canonical JSON writer -------------------------------------------------------------- */

#define MAMORI_JSON_MAX_DEPTH 32

struct mamori_json {
    struct mamori_buf *out;
    int depth;
    bool need_comma[MAMORI_JSON_MAX_DEPTH];
    bool after_key;
    bool pretty;
    int error; /* first error, sticky: once set every call is a no-op */
};

void mamori_json_init(struct mamori_json *j, struct mamori_buf *out, bool pretty);
void mamori_json_object_begin(struct mamori_json *j);
void mamori_json_object_end(struct mamori_json *j);
void mamori_json_array_begin(struct mamori_json *j);
void mamori_json_array_end(struct mamori_json *j);
void mamori_json_key(struct mamori_json *j, const char *key);
/* Strings are written as UTF-8; invalid bytes become U+FFFD. NULL writes null. */
void mamori_json_string(struct mamori_json *j, const char *s);
void mamori_json_stringn(struct mamori_json *j, const char *s, size_t n);
void mamori_json_int(struct mamori_json *j, int64_t v);
void mamori_json_uint(struct mamori_json *j, uint64_t v);
void mamori_json_bool(struct mamori_json *j, bool v);
void mamori_json_null(struct mamori_json *j);
/* One value already written as JSON (by another mamori_json, or checked by the caller). */
void mamori_json_raw(struct mamori_json *j, const char *text, size_t n);
/* Key plus value in one call. */
void mamori_json_kv_string(struct mamori_json *j, const char *key, const char *s);
void mamori_json_kv_int(struct mamori_json *j, const char *key, int64_t v);
void mamori_json_kv_bool(struct mamori_json *j, const char *key, bool v);
/* 0 when the document is complete and nothing failed. */
int mamori_json_finish(struct mamori_json *j);

/* ---- diagnostics ----------------------------------------------------------------------- */

enum mamori_severity {
    MAMORI_SEV_ERROR,
    MAMORI_SEV_WARNING,
    MAMORI_SEV_NOTE,
    MAMORI_SEV_MAX,
};

struct mamori_diag {
    enum mamori_severity severity;
    uint32_t line; /* 1-based; 0 when unknown */
    uint32_t col;  /* 1-based; 0 when unknown */
    char *message;
};

/* A list of diagnostics about one named input. */
struct mamori_diags {
    char *file;
    struct mamori_diag *items;
    size_t n;
    size_t cap;
    size_t n_errors;
    size_t n_warnings;
    size_t max; /* further diagnostics are counted but not kept */
    size_t n_dropped;
};

void mamori_diags_init(struct mamori_diags *d, const char *file);
void mamori_diags_done(struct mamori_diags *d);
void mamori_diags_add(struct mamori_diags *d, enum mamori_severity sev, uint32_t line, uint32_t col,
                      const char *fmt, ...) MAMORI_PRINTF(5, 6);
/* Orders by line and column (stable), so output does not depend on checking order. */
void mamori_diags_sort(struct mamori_diags *d);
/* Formats every diagnostic as "FILE:LINE:COL: error: message\n". */
int mamori_diags_format(const struct mamori_diags *d, struct mamori_buf *out);
const char *mamori_severity_name(enum mamori_severity sev);

/* ---- files ------------------------------------------------------------------------------ */

/* Reads a whole file of at most max bytes; the result is NUL-terminated. MAMORI_E_LIMIT if
 * larger. path "-" reads standard input. */
int mamori_fs_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len);
/* Writes a file atomically and durably: temp file in the same directory, fsync, rename,
 * fsync of the directory. */
int mamori_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode);
/* Creates a directory and its parents; existing directories are fine. */
int mamori_fs_mkdir_p(const char *path, unsigned mode);
int mamori_fs_fsync_dir(const char *path);

/* ---- encoding helpers ------------------------------------------------------------------- */

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void mamori_hex(const uint8_t *in, size_t n, char *out);
/* The value of one hex digit (either case) or base64 character, or -1. */
int mamori_hex_digit(char c);
int mamori_base64_digit(char c);
/* An Ethernet address written "02:00:00:0a:00:1e" (either case) into 6 bytes; false for
 * anything else. */
bool mamori_mac_parse(const char *s, uint8_t out[6]);
/* Parses exactly 2n lower-case hex digits (the canonical form; upper case is refused). */
int mamori_unhex(const char *in, size_t in_len, uint8_t *out, size_t n);
/* Standard base64 with padding; out must hold mamori_base64_len(n) bytes. */
size_t mamori_base64_len(size_t n);
void mamori_base64(const uint8_t *in, size_t n, char *out);
/* The UTF-8 sequence at data (n bytes left): its length with the code point in *ret_cp, or 0
 * when it is not well-formed (overlong, surrogate, past U+10FFFF, cut short). */
size_t mamori_utf8_next(const void *data, size_t n, uint32_t *ret_cp);
bool mamori_utf8_valid(const void *data, size_t n);

/* ---- sealed secrets (src/core/seal.c) ---------------------------------------------------- */

#define MAMORI_SEAL_OVERHEAD 40 /* nonce + MAC */
/* Creates a key file of 32 random bytes (0600) unless it exists: 0 created, 1 existed. */
int mamori_key_file_create(const char *path);
/* Seals len bytes into out (len + MAMORI_SEAL_OVERHEAD bytes) with the key in key_path. */
int mamori_seal(const char *key_path, const void *plain, size_t len, uint8_t *out);
/* Opens a sealed secret into out (len - MAMORI_SEAL_OVERHEAD bytes); MAMORI_E_TAMPERED when
 * it does not open with this key. */
int mamori_unseal(const char *key_path, const uint8_t *sealed, size_t len, uint8_t *out);

/* Base64 in lines of 76 characters, each ended by LF (MIME bodies), appended to out. */
int mamori_base64_lines(const void *data, size_t len, struct mamori_buf *out);
/* Decodes standard base64 with padding into at most max bytes. */
int mamori_unbase64(const char *in, size_t in_len, uint8_t *out, size_t max, size_t *ret_len);

/* ---- messages for people ---------------------------------------------------------------- */

/* Chooses the language: "ja", "en", or NULL to follow the environment (Japanese unless it
 * asks for English). Programs call it once at start; until then messages are English. */
void mamori_i18n_init(const char *lang);
bool mamori_i18n_japanese(void);
/* Binds the Japanese catalog for dgettext() even when this process speaks English (the
 * console answers each request in its reader's language). */
void mamori_i18n_bind(void);
/* The translation of an English message id. */
const char *mamori_gettext(const char *msgid) __attribute__((format_arg(1)));
#define _(s)  mamori_gettext(s)
#define N_(s) (s)

/* ---- SHA-256 ----------------------------------------------------------------------------- */

/* Fetches the fast implementation once (call before entering a sandbox; otherwise the first
 * hash does it). */
void mamori_sha256_init(void);
void mamori_sha256(const void *data, size_t len, uint8_t out[32]);
/* The hash of the concatenation of parts. */
void mamori_sha256_parts(const struct mamori_span *parts, size_t n, uint8_t out[32]);
/* libsodium's implementation, for tests that compare the two. */
void mamori_sha256_portable(const struct mamori_span *parts, size_t n, uint8_t out[32]);

/* ---- dates ------------------------------------------------------------------------------ */

/* Days since 1970-01-01 for a proleptic Gregorian date; MAMORI_E_SYNTAX for a bad date. */
int mamori_date_parse(const char *s, size_t n, int32_t *ret_days);
/* A date as people type it (2027-04-01, 2027/4/1 as Excel writes it): the ISO form into out
 * (11 bytes) and the days; MAMORI_E_SYNTAX otherwise. */
int mamori_date_parse_loose(const char *s, char *out, int32_t *ret_days);
/* "YYYY-MM-DD" into out (11 bytes). */
void mamori_date_format(int32_t days, char *out);
/* Today in JST (Asia/Tokyo, UTC+9, no DST), honouring MAMORI_NOW (unix seconds) for tests. */
int32_t mamori_today(void);
/* Unix time in microseconds, honouring MAMORI_NOW for tests. */
int64_t mamori_now_us(void);
/* RFC 3339 UTC time with microseconds into out (28 bytes). */
void mamori_time_format(int64_t us, char *out);

#endif
