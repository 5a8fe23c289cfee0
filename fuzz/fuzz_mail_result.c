/*
 * Fuzz target: the parent's decoder of what a (possibly compromised) mail worker sends back.
 * Arbitrary bytes are refused or decoded into a result whose output is 7-bit; a decoded result
 * encodes and decodes again to the same output.
 */
#include <stdlib.h>
#include <string.h>

#include "mamori/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_mail_result *r = NULL;
    if (mamori_mail_result_decode((const char *)data, size, &r) != 0)
        return 0;
    for (size_t i = 0; i < r->output_len; i++)
        if ((unsigned char)r->output[i] >= 0x80)
            abort();
    struct mamori_buf b;
    mamori_buf_init(&b, (size_t)1 << 28);
    struct mamori_mail_result *again = NULL;
    if (mamori_mail_result_encode(r, &b) != 0 ||
        mamori_mail_result_decode(b.data, b.len, &again) != 0 ||
        again->output_len != r->output_len || memcmp(again->output, r->output, r->output_len))
        abort();
    mamori_mail_result_free(again);
    mamori_buf_done(&b);
    mamori_mail_result_free(r);
    return 0;
}
