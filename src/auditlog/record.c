/*
 * Canonical audit records.
 *
 * Layout (all integers big-endian):
 *   u8  version (1)
 *   u64 seq
 *   i64 time, UTC microseconds
 *   6 x (u32 length, bytes): actor, action, object, decision, clause, details (JSON)
 * Decoding insists on the exact layout and that every byte is consumed: one record has one
 * encoding, so one hash.
 */
#include <errno.h>
#include <string.h>

#include "mamori/auditlog.h"

#define RECORD_VERSION 1
#define N_FIELDS       6

static const char *
field_or_empty(const char *s)
{
    return s ? s : "";
}

int
mamori_record_encode(const struct mamori_record *rec, struct mamori_buf *out)
{
    const char *fields[N_FIELDS] = {field_or_empty(rec->actor),  field_or_empty(rec->action),
                                    field_or_empty(rec->object), field_or_empty(rec->decision),
                                    field_or_empty(rec->clause), field_or_empty(rec->details)};
    size_t start = out->len;
    int r = mamori_buf_putc(out, RECORD_VERSION);
    if (r == 0)
        r = mamori_buf_put_be64(out, rec->seq);
    if (r == 0)
        r = mamori_buf_put_be64(out, (uint64_t)rec->time_us);
    for (int i = 0; i < N_FIELDS && r == 0; i++) {
        size_t n = strlen(fields[i]);
        if (n > UINT32_MAX)
            r = MAMORI_E_LIMIT;
        if (r == 0)
            r = mamori_buf_put_be32(out, (uint32_t)n);
        if (r == 0)
            r = mamori_buf_append(out, fields[i], n);
    }
    if (r == 0 && out->len - start > MAMORI_RECORD_MAX_BYTES)
        r = MAMORI_E_LIMIT;
    if (r < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return r;
}

static uint64_t
be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
mamori_record_decode(const void *data, size_t len, struct mamori_arena *arena,
                     struct mamori_record *ret)
{
    const unsigned char *p = data;
    if (len > MAMORI_RECORD_MAX_BYTES)
        return MAMORI_E_LIMIT;
    if (len < 17 || p[0] != RECORD_VERSION)
        return MAMORI_E_SYNTAX;
    struct mamori_record rec = {.seq = be64(p + 1), .time_us = (int64_t)be64(p + 9)};
    size_t off = 17;
    const char **fields[N_FIELDS] = {&rec.actor,    &rec.action, &rec.object,
                                     &rec.decision, &rec.clause, &rec.details};
    for (int i = 0; i < N_FIELDS; i++) {
        if (len - off < 4)
            return MAMORI_E_SYNTAX;
        uint32_t n = be32(p + off);
        off += 4;
        if (n > len - off)
            return MAMORI_E_SYNTAX;
        if (memchr(p + off, '\0', n))
            return MAMORI_E_SYNTAX;
        char *s = mamori_arena_strndup(arena, (const char *)p + off, n);
        if (!s)
            return mamori_arena_over_budget(arena) ? MAMORI_E_LIMIT : -ENOMEM;
        *fields[i] = s;
        off += n;
    }
    if (off != len)
        return MAMORI_E_SYNTAX;
    *ret = rec;
    return 0;
}

int
mamori_record_validate(const void *data, size_t len, uint64_t *ret_seq)
{
    const unsigned char *p = data;
    if (len > MAMORI_RECORD_MAX_BYTES)
        return MAMORI_E_LIMIT;
    if (len < 17 || p[0] != RECORD_VERSION)
        return MAMORI_E_SYNTAX;
    size_t off = 17;
    for (int i = 0; i < N_FIELDS; i++) {
        if (len - off < 4)
            return MAMORI_E_SYNTAX;
        uint32_t n = be32(p + off);
        off += 4;
        if (n > len - off || memchr(p + off, '\0', n))
            return MAMORI_E_SYNTAX;
        off += n;
    }
    if (off != len)
        return MAMORI_E_SYNTAX;
    *ret_seq = be64(p + 1);
    return 0;
}

void
mamori_record_json(const struct mamori_record *rec, struct mamori_json *j)
{
    char t[32];
    mamori_time_format(rec->time_us, t);
    mamori_json_object_begin(j);
    mamori_json_key(j, "seq");
    mamori_json_uint(j, rec->seq);
    mamori_json_kv_string(j, "time", t);
    mamori_json_kv_string(j, "actor", rec->actor);
    mamori_json_kv_string(j, "action", rec->action);
    mamori_json_kv_string(j, "object", rec->object);
    mamori_json_kv_string(j, "decision", rec->decision);
    mamori_json_kv_string(j, "clause", rec->clause);
    /* details is JSON already; it is carried as a string so the output stays valid even
     * if a record was written by an older version. */
    mamori_json_kv_string(j, "details", rec->details);
    mamori_json_object_end(j);
}
