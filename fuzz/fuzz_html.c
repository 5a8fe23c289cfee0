/*
 * Fuzz target: HTML to text. Arbitrary bytes never crash the converter, and what it writes
 * is bounded by the output buffer.
 */
#include "mamori/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_buf out;
    mamori_buf_init(&out, 1 << 22);
    struct mamori_html_limits lim = {.max_nodes = 200000};
    mamori_html_to_text((const char *)data, size, &lim, &out, NULL);
    mamori_buf_done(&out);
    return 0;
}
