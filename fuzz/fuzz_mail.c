/*
 * Fuzz target: the mail engine on arbitrary messages. Whatever the input, sanitizing returns
 * a result (sanitized or held) whose output is 7-bit, or an out-of-memory error; it never
 * crashes, leaks or hangs.
 */
#include <stdlib.h>

#include "mamori/mail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mamori_mail_init();
    struct mamori_mail_options o = {.limits = {.max_decoded_bytes = 16 << 20}};
    struct mamori_mail_result *r = NULL;
    if (mamori_mail_sanitize((const char *)data, size, &o, &r) == 0) {
        for (size_t i = 0; i < r->output_len; i++)
            if ((unsigned char)r->output[i] >= 0x80)
                abort();
        struct mamori_buf b;
        struct mamori_json j;
        mamori_buf_init(&b, 1 << 24);
        mamori_json_init(&j, &b, false);
        mamori_mail_report_json(r, &j);
        mamori_buf_done(&b);
        mamori_mail_result_free(r);
    }
    return 0;
}
