/*
 * Fuzz target: nftables JSON read back from the kernel by `mamori fw verify`, compared with
 * the example city's compiled firewall. Whatever the input, the reader must return a result
 * code, never crash, leak or run past its work budget; a clean verdict needs the table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mamori/netfw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mamori_policy *policy;
static struct mamori_fw *fw;

static void
setup(void)
{
    char *text;
    size_t len;
    struct mamori_diags d;
    mamori_diags_init(&d, MAMORI_EXAMPLE_POLICY);
    if (mamori_fs_read_file(MAMORI_EXAMPLE_POLICY, 1 << 22, &text, &len) < 0 ||
        mamori_policy_parse(text, len, 20544, &policy, &d) < 0 ||
        mamori_fw_build(policy, 20544, &fw) < 0) {
        fprintf(stderr, "fuzz_fw_live: cannot load %s\n", MAMORI_EXAMPLE_POLICY);
        abort();
    }
    free(text);
    mamori_diags_done(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fw)
        setup();
    struct mamori_fw_verify *v = NULL;
    if (mamori_fw_verify(policy, fw, (const char *)data, size, &v) == 0) {
        if (v->ok && !v->table_present)
            abort();
        mamori_fw_verify_free(v);
    }
    return 0;
}
