/*
 * Fuzz target: one nflog packet as the monitor sees it (prefix, then the packet). The parser
 * reads the IP header only; what it returns is a rule id it checked and numeric addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "mamori/netfw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte says how long the prefix is (the kernel gives at most 64 + NUL). */
    if (size < 1)
        return 0;
    size_t pl = data[0] % 65;
    if (size - 1 < pl)
        return 0;
    char prefix[66];
    memcpy(prefix, data + 1, pl);
    prefix[pl] = '\0';
    struct mamori_deny d;
    if (mamori_deny_parse(prefix, data + 1 + pl, size - 1 - pl, &d) == 0) {
        if (!d.rule[0] || strlen(d.rule) > 64 || !d.src[0] || !d.dst[0])
            abort();
        struct mamori_deny_tally *t;
        if (mamori_deny_tally_new(2, 1000, &t) == 0) {
            mamori_deny_tally_add(t, &d, 1);
            mamori_deny_tally_add(t, &d, 2);
            mamori_deny_tally_free(t);
        }
    }
    return 0;
}
