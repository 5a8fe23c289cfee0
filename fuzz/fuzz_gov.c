/*
 * Fuzz target: the values people type into the governance registers (mamori/gov.h), from the
 * CLI's key=value words, the console's forms and the API. The first byte chooses the kind and
 * the day; the rest is lines of "key=value" (keys by id or label). Each value goes through the
 * typed parser; the accepted ones make a record, whose derived fields, rules for every step and
 * flags are then computed against the example city's policy and a small world of persons,
 * assets and records. Whatever the input: no crash, leak or hang, and an accepted value is
 * its own normal form (parsing what was stored gives it back unchanged).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_policy.h"
#include "mamori/gov.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The world: two persons, assets "A-…", every record "…-1" approved. */
static int
person(void *ctx, const char *id, const char **role, const char **unit, bool *disabled)
{
    (void)ctx;
    if (strcmp(id, "tanaka") == 0) {
        *role = "staff";
        *unit = "shimin-shimin";
        *disabled = false;
        return 0;
    }
    if (strcmp(id, "kansa") == 0) {
        *role = "auditor";
        *unit = "somu-somu";
        *disabled = true;
        return 0;
    }
    return -ENOENT;
}

static int
asset(void *ctx, const char *id)
{
    (void)ctx;
    return strncmp(id, "A-", 2) == 0 ? 0 : -ENOENT;
}

static int
record_state(void *ctx, const char *kind, const char *id, const char **state)
{
    (void)ctx;
    (void)kind;
    size_t n = strlen(id);
    if (n < 2 || strcmp(id + n - 2, "-1") != 0)
        return -ENOENT;
    *state = "approved";
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct mamori_policy *policy = fuzz_policy();
    if (size < 1 || size > 1 << 16)
        return 0;
    const struct mamori_gov_kind *k = mamori_gov_kinds[data[0] % mamori_gov_n_kinds];
    struct mamori_arena *a = mamori_arena_new(1 << 24);
    struct mamori_gov_world w = {.policy = policy,
                                 .today = 20600 + (data[0] >> 4) * 40,
                                 .person = person,
                                 .asset = asset,
                                 .record_state = record_state,
                                 .arena = a};
    struct mamori_gov_record r = {.kind = k,
                                  .id = "X-1",
                                  .state = k->states[(data[0] >> 4) % k->n_states].id,
                                  .unit = "shimin-shimin",
                                  .title = "",
                                  .created_by = "tanaka"};
    for (size_t f = 0; f < k->n_fields; f++)
        r.v[f] = "";
    char *text = mamori_arena_alloc(a, size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct mamori_gov_problems pr = {0};
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        int f = mamori_gov_field_find(k, line);
        const char *v;
        pr.n = 0;
        if (f < 0 || mamori_gov_value(&w, k, f, eq + 1, &v, &pr) < 0)
            continue;
        /* the stored form is accepted as it is */
        const char *again;
        pr.n = 0;
        if (mamori_gov_value(&w, k, f, v, &again, &pr) < 0 || strcmp(v, again) != 0)
            abort();
        r.v[f] = v;
    }
    mamori_gov_derive(&w, &r);
    pr.n = 0;
    mamori_gov_check(&w, &r, NULL, &pr);
    for (size_t s = 0; s < k->n_steps; s++) {
        pr.n = 0;
        mamori_gov_check(&w, &r, k->steps[s].action, &pr);
    }
    struct mamori_gov_flag fl[16];
    size_t n = mamori_gov_flags(&w, &r, fl, 16);
    if (n > 16)
        abort();
    mamori_gov_incident_reportable(&r);
    mamori_arena_free(a);
    return 0;
}
