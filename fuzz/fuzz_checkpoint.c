/*
 * Fuzz target: signed-note checkpoints and key texts from elsewhere, opened with the fixed
 * fuzz key; whatever the input, parsing must not crash, and a checkpoint accepted
 * must re-sign to the same body.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct mamori_log_key *key = fuzz_key();
    struct mamori_checkpoint cp;
    if (mamori_checkpoint_open((const char *)data, size, key, &cp) == 0) {
        struct mamori_buf b;
        mamori_buf_init(&b, MAMORI_CHECKPOINT_MAX);
        if (mamori_checkpoint_sign(&cp, key, &b) == 0) {
            /* The accepted note says exactly what re-signing it says (other signers' lines
             * may follow, so compare the signed body up to the blank line). */
            const char *blank = strstr(b.data, "\n\n");
            size_t body = blank ? (size_t)(blank - b.data) + 2 : b.len;
            if (size < body || memcmp(b.data, data, body) != 0)
                abort();
        }
        mamori_buf_done(&b);
    }
    struct mamori_log_key k;
    mamori_log_key_parse_verifier((const char *)data, size, &k);
    mamori_log_key_parse_signer((const char *)data, size, &k);
    return 0;
}
