/*
 * Fuzz target: the policy loader and checker on arbitrary bytes. Whatever the input, the
 * parser must return a result code, never crash, leak or hang, and a policy it accepts must
 * answer flow questions.
 */
#include <stddef.h>
#include <stdint.h>

#include "mamori/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_diags d;
    mamori_diags_init(&d, "fuzz.yaml");
    struct mamori_policy *p = NULL;
    if (mamori_policy_parse((const char *)data, size, 20544, &p, &d) == 0) {
        struct mamori_endpoint a, b;
        struct mamori_service_query q;
        struct mamori_decision dec;
        if (mamori_endpoint_resolve(p, "internet", &a) == 0 &&
            mamori_endpoint_resolve(p, "lgwan", &b) == 0 &&
            mamori_service_query_parse(p, "smtp", &q) == 0)
            mamori_flow_decide(p, &a, &b, &q, 20544, &dec);
        struct mamori_buf out;
        mamori_buf_init(&out, 1 << 22);
        mamori_policy_matrix(p, true, true, 20544, &out);
        mamori_buf_done(&out);
    }
    struct mamori_buf out;
    mamori_buf_init(&out, 1 << 22);
    mamori_diags_format(&d, &out);
    mamori_buf_done(&out);
    mamori_diags_done(&d);
    mamori_policy_free(p);
    return 0;
}
