/*
 * Fuzz target: the canonical record codec. The validator and the decoder must agree on
 * every input, and a decoded record must encode back to exactly the input bytes (one record,
 * one encoding, one hash).
 */
#include <stdlib.h>
#include <string.h>

#include "mamori/auditlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_arena *a = mamori_arena_new(4 * MAMORI_RECORD_MAX_BYTES);
    if (!a)
        return 0;
    struct mamori_record rec;
    uint64_t seq;
    int v = mamori_record_validate(data, size, &seq);
    int d = mamori_record_decode(data, size, a, &rec);
    if ((v == 0) != (d == 0))
        abort();
    if (d == 0) {
        if (rec.seq != seq)
            abort();
        struct mamori_buf b;
        mamori_buf_init(&b, MAMORI_RECORD_MAX_BYTES);
        if (mamori_record_encode(&rec, &b) != 0 || b.len != size || memcmp(b.data, data, size))
            abort();
        mamori_buf_done(&b);
    }
    mamori_arena_free(a);
    return 0;
}
