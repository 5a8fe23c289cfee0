/*
 * Canonical JSON writer.
 *
 * Output is deterministic: keys in the order written, no insignificant white space (unless
 * pretty), strings escaped the same way every time and always valid UTF-8 (invalid bytes are
 * written as U+FFFD). Audit-log record details depend on this: the same facts always give
 * the same bytes, so the same hash.
 *
 * Errors are sticky: the first failure (buffer limit, nesting too deep, misuse) is kept in
 * j->error and later calls do nothing; mamori_json_finish() reports it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mamori/core.h"

void
mamori_json_init(struct mamori_json *j, struct mamori_buf *out, bool pretty)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->pretty = pretty;
}

static void
put(struct mamori_json *j, const char *s, size_t n)
{
    if (j->error)
        return;
    int r = mamori_buf_append(j->out, s, n);
    if (r < 0)
        j->error = r;
}

static void
newline(struct mamori_json *j)
{
    if (!j->pretty)
        return;
    put(j, "\n", 1);
    for (int i = 0; i < j->depth; i++)
        put(j, "  ", 2);
}

/* Called before every value or key: writes the separating comma. */
static void
before_value(struct mamori_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (j->need_comma[j->depth - 1])
            put(j, ",", 1);
        j->need_comma[j->depth - 1] = true;
        newline(j);
    }
}

static void
open(struct mamori_json *j, char c)
{
    before_value(j);
    if (j->error)
        return;
    if (j->depth >= MAMORI_JSON_MAX_DEPTH) {
        j->error = MAMORI_E_LIMIT;
        return;
    }
    put(j, &c, 1);
    j->need_comma[j->depth++] = false;
}

static void
close(struct mamori_json *j, char c)
{
    if (j->error)
        return;
    if (j->depth <= 0 || j->after_key) {
        j->error = -EINVAL;
        return;
    }
    bool had = j->need_comma[j->depth - 1];
    j->depth--;
    if (had)
        newline(j);
    put(j, &c, 1);
}

void
mamori_json_object_begin(struct mamori_json *j)
{
    open(j, '{');
}

void
mamori_json_object_end(struct mamori_json *j)
{
    close(j, '}');
}

void
mamori_json_array_begin(struct mamori_json *j)
{
    open(j, '[');
}

void
mamori_json_array_end(struct mamori_json *j)
{
    close(j, ']');
}

static void
write_string(struct mamori_json *j, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    put(j, "\"", 1);
    size_t i = 0;
    while (i < n && !j->error) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(j, e, 2);
            i++;
        } else if (c == '\n') {
            put(j, "\\n", 2);
            i++;
        } else if (c == '\t') {
            put(j, "\\t", 2);
            i++;
        } else if (c == '\r') {
            put(j, "\\r", 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(j, e, 6);
            i++;
        } else if (c < 0x80) {
            size_t k = i;
            while (k < n && p[k] >= 0x20 && p[k] < 0x7f && p[k] != '"' && p[k] != '\\')
                k++;
            put(j, s + i, k - i);
            i = k;
        } else {
            uint32_t cp;
            size_t len = mamori_utf8_next(p + i, n - i, &cp);
            if (len == 0) {
                put(j, "\xef\xbf\xbd", 3);
                i++;
            } else {
                put(j, s + i, len);
                i += len;
            }
        }
    }
    put(j, "\"", 1);
}

void
mamori_json_key(struct mamori_json *j, const char *key)
{
    before_value(j);
    if (j->error)
        return;
    write_string(j, key, strlen(key));
    put(j, j->pretty ? ": " : ":", j->pretty ? 2 : 1);
    j->after_key = true;
}

void
mamori_json_stringn(struct mamori_json *j, const char *s, size_t n)
{
    before_value(j);
    if (j->error)
        return;
    if (!s) {
        put(j, "null", 4);
        return;
    }
    write_string(j, s, n);
}

void
mamori_json_string(struct mamori_json *j, const char *s)
{
    mamori_json_stringn(j, s, s ? strlen(s) : 0);
}

void
mamori_json_int(struct mamori_json *j, int64_t v)
{
    char tmp[32];
    before_value(j);
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    put(j, tmp, (size_t)n);
}

void
mamori_json_uint(struct mamori_json *j, uint64_t v)
{
    char tmp[32];
    before_value(j);
    int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);
    put(j, tmp, (size_t)n);
}

void
mamori_json_bool(struct mamori_json *j, bool v)
{
    before_value(j);
    put(j, v ? "true" : "false", v ? 4 : 5);
}

void
mamori_json_raw(struct mamori_json *j, const char *text, size_t n)
{
    before_value(j);
    put(j, text, n);
}

void
mamori_json_null(struct mamori_json *j)
{
    before_value(j);
    put(j, "null", 4);
}

void
mamori_json_kv_string(struct mamori_json *j, const char *key, const char *s)
{
    mamori_json_key(j, key);
    mamori_json_string(j, s);
}

void
mamori_json_kv_int(struct mamori_json *j, const char *key, int64_t v)
{
    mamori_json_key(j, key);
    mamori_json_int(j, v);
}

void
mamori_json_kv_bool(struct mamori_json *j, const char *key, bool v)
{
    mamori_json_key(j, key);
    mamori_json_bool(j, v);
}

int
mamori_json_finish(struct mamori_json *j)
{
    if (j->error)
        return j->error;
    if (j->depth != 0 || j->after_key)
        return -EINVAL;
    return 0;
}
