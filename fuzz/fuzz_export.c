/*
 * Fuzz target: offline verification of an exported log (a file an auditor receives from
 * elsewhere). Whatever the bytes, verification returns a verdict and never crashes.
 */
#include "fuzz_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_verify_result res;
    mamori_log_verify_export((const char *)data, size, fuzz_key(), NULL, 0, &res);
    return 0;
}
