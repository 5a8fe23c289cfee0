/*
 * Fuzz target: a 台帳 file as a city would hand it in. The first byte chooses what the rest
 * is: a mapping file, or a CSV (decoded from CP932 or UTF-8, parsed, its rows checked against
 * the example city's policy, each good row written back in mamori's layout and read again).
 * Whatever the input: a result code, no crash, leak or hang; a row accepted once is accepted
 * again after export (the round trip the register promises).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_policy.h"
#include "mamori/asset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct mamori_policy *policy = fuzz_policy();
    if (size < 1)
        return 0;
    struct mamori_arena *a = mamori_arena_new(1 << 26);
    struct mamori_asset_problems pr;
    mamori_asset_problems_init(&pr, a, 200);
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    if (data[0] & 1) {
        struct mamori_asset_mapping m;
        mamori_asset_mapping_parse(in, n, a, &m, &pr);
        mamori_arena_free(a);
        return 0;
    }
    char *text;
    size_t len, line;
    const char *enc;
    struct mamori_csv csv;
    struct mamori_store_asset *rows;
    size_t nrows;
    if (mamori_asset_decode(in, n, a, &text, &len, &enc, &line) == 0 &&
        mamori_csv_parse(text, len, a, &csv, &line) == 0 &&
        mamori_asset_rows(policy, &csv, NULL, a, &rows, &nrows, NULL, &pr) == 0) {
        struct mamori_buf b;
        mamori_buf_init(&b, (size_t)1 << 26);
        if (mamori_asset_csv_header(&b) == 0) {
            for (size_t i = 0; i < nrows; i++)
                if (mamori_asset_csv_row(policy, &rows[i], &b) < 0)
                    abort();
            struct mamori_csv again;
            struct mamori_store_asset *back;
            size_t nback;
            struct mamori_asset_problems pr2;
            mamori_asset_problems_init(&pr2, a, 10);
            if (mamori_csv_parse(b.data, b.len, a, &again, &line) != 0 ||
                mamori_asset_rows(policy, &again, NULL, a, &back, &nback, NULL, &pr2) != 0 ||
                nback != nrows)
                abort();
            for (size_t i = 0; i < nrows; i++)
                for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
                    if (strcmp(rows[i].f[f], back[i].f[f]) != 0)
                        abort();
        }
        mamori_buf_done(&b);
    }
    mamori_arena_free(a);
    return 0;
}
