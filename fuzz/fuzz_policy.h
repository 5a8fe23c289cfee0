/*
 * The example city's policy, parsed once, for the fuzz targets whose input is checked against
 * a policy (asset register, governance registers).
 */
#ifndef MAMORI_FUZZ_POLICY_H
#define MAMORI_FUZZ_POLICY_H

#include <stdlib.h>

#include "mamori/policy.h"

static inline const struct mamori_policy *
fuzz_policy(void)
{
    static struct mamori_policy *policy;
    if (policy)
        return policy;
    char *text;
    size_t len;
    struct mamori_diags d;
    mamori_diags_init(&d, MAMORI_EXAMPLE_POLICY);
    if (mamori_fs_read_file(MAMORI_EXAMPLE_POLICY, 1 << 20, &text, &len) < 0 ||
        mamori_policy_parse(text, len, 20786, &policy, &d) < 0)
        abort();
    mamori_diags_done(&d);
    free(text);
    return policy;
}

#endif
