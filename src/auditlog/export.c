/*
 * The export file: a self-contained copy of the log for offline verification, in typed,
 * length-prefixed items after a header line, closed by an 'E' item so that a file cut short
 * is never taken for a whole one (the Postfix queue-file idea).
 *
 * SECURITY: an export is hostile input; the parser checks every length against what is
 * left and the limits of each item type, and demands the end item last.
 */
#include <string.h>

#include "mamori/auditlog.h"

#define HEADER  "mamori-log 1\n"
#define KEY_MAX 512

int
mamori_export_header(struct mamori_buf *out)
{
    return mamori_buf_puts(out, HEADER);
}

int
mamori_export_put(struct mamori_buf *out, const struct mamori_export_item *item)
{
    size_t len = item->len;
    if (item->type == 'R')
        len += 8 + MAMORI_HASH_LEN;
    if (len > UINT32_MAX)
        return MAMORI_E_LIMIT;
    int r = mamori_buf_putc(out, item->type);
    if (r == 0)
        r = mamori_buf_put_be32(out, (uint32_t)len);
    if (r == 0 && item->type == 'R') {
        r = mamori_buf_put_be64(out, item->seq);
        if (r == 0)
            r = mamori_buf_append(out, item->leaf_hash, MAMORI_HASH_LEN);
    }
    if (r == 0)
        r = mamori_buf_append(out, item->data, item->len);
    return r;
}

int
mamori_export_end(struct mamori_buf *out)
{
    int r = mamori_buf_putc(out, 'E');
    return r == 0 ? mamori_buf_put_be32(out, 0) : r;
}

int
mamori_export_parse(const char *data, size_t len,
                    int (*cb)(void *ctx, const struct mamori_export_item *item), void *ctx)
{
    size_t hl = strlen(HEADER);
    if (len < hl || memcmp(data, HEADER, hl) != 0)
        return MAMORI_E_SYNTAX;
    const unsigned char *p = (const unsigned char *)data;
    size_t off = hl;
    for (;;) {
        if (len - off < 5)
            return MAMORI_E_SYNTAX; /* cut short: no end item */
        char type = (char)p[off];
        uint32_t n = (uint32_t)p[off + 1] << 24 | (uint32_t)p[off + 2] << 16 |
                     (uint32_t)p[off + 3] << 8 | p[off + 4];
        off += 5;
        if (n > len - off)
            return MAMORI_E_SYNTAX;
        struct mamori_export_item item = {.type = type};
        const unsigned char *body = p + off;
        switch (type) {
        case 'E':
            if (n != 0 || off != len)
                return MAMORI_E_SYNTAX;
            return 0;
        case 'K':
            if (n == 0 || n > KEY_MAX)
                return MAMORI_E_SYNTAX;
            item.data = (const char *)body;
            item.len = n;
            break;
        case 'C':
            if (n == 0 || n > MAMORI_CHECKPOINT_MAX)
                return MAMORI_E_SYNTAX;
            item.data = (const char *)body;
            item.len = n;
            break;
        case 'R':
            if (n < 8 + MAMORI_HASH_LEN || n - 8 - MAMORI_HASH_LEN > MAMORI_RECORD_MAX_BYTES)
                return MAMORI_E_SYNTAX;
            for (int i = 0; i < 8; i++)
                item.seq = item.seq << 8 | body[i];
            item.leaf_hash = body + 8;
            item.data = (const char *)body + 8 + MAMORI_HASH_LEN;
            item.len = n - 8 - MAMORI_HASH_LEN;
            break;
        default:
            return MAMORI_E_SYNTAX;
        }
        int r = cb(ctx, &item);
        if (r != 0)
            return r;
        off += n;
    }
}
