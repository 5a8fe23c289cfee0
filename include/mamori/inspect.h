/*
 * inspect: the yearly self-inspection's checklist, and the items mamori answers from its own
 * records with the evidence (docs/internals/inspect.md).
 */
#ifndef MAMORI_INSPECT_H
#define MAMORI_INSPECT_H

#include "mamori/instance.h"
#include "mamori/policy.h"

enum mamori_inspect_answer {
    MAMORI_INSPECT_UNANSWERED, /* 未回答: a person answers it */
    MAMORI_INSPECT_DONE,       /* 実施済 */
    MAMORI_INSPECT_PARTIAL,    /* 一部実施 */
    MAMORI_INSPECT_NOT_DONE,   /* 未実施 */
    MAMORI_INSPECT_NA,         /* 該当なし */
};
const char *mamori_inspect_answer_id(enum mamori_inspect_answer a);
const char *mamori_inspect_answer_name(enum mamori_inspect_answer a, bool ja);

struct mamori_inspect_item {
    const char *id;     /* "6(2)-1" */
    const char *clause; /* "6(2)" */
    const char *ja, *en;
    const char *role; /* who answers it */
    enum mamori_inspect_answer answer;
    bool by_data;
    char evidence[640];
};

struct mamori_inspect_options {
    int year;         /* fiscal year (年度: April to March); 0 = the current one */
    const char *unit; /* the unit (and those below it) for register items; NULL = all */
};

/* Runs every item; *ret is malloc'd (free it). -ENOENT for an unknown unit. */
int mamori_inspect_run(struct mamori_instance *inst, const struct mamori_policy *p,
                       const struct mamori_inspect_options *o, struct mamori_inspect_item **ret,
                       size_t *ret_n);

#endif
