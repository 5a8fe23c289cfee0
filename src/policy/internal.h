/*
 * Policy module internals shared by the loader, the checker and the flow engine.
 */
#ifndef MAMORI_POLICY_INTERNAL_H
#define MAMORI_POLICY_INTERNAL_H

#include "mamori/policy.h"

struct builtin_role {
    const char *id;
    const char *ja;
    const char *en;
};

struct builtin_service {
    const char *id;
    const char *ja;
    struct mamori_port_range ports[2];
    size_t n_ports;
};

struct builtin_restriction {
    const char *id;
    const char *ja;
    const char *en;
};

struct builtin_level {
    const char *id;
    const char *ja;
    const char *en;
    const char *definition_ja;
    const char *restrictions[8];
};

/* A threat of 基本方針 3 with the examples the clause lists. */
struct builtin_threat {
    const char *id;
    int threat_class;
    const char *ja;
    const char *en;
    const char *examples[4];
};

extern const struct builtin_threat mamori_builtin_threats[];
extern const size_t mamori_n_builtin_threats;
extern const struct builtin_role mamori_builtin_roles[];
extern const size_t mamori_n_builtin_roles;
extern const struct builtin_service mamori_builtin_services[];
extern const size_t mamori_n_builtin_services;
extern const struct builtin_restriction mamori_builtin_restrictions[];
extern const size_t mamori_n_builtin_restrictions;
/* The 令和6年10月 scheme: 自治体機密性 3A/3B/3C/2/1, 完全性 2/1, 可用性 2/1. */
extern const struct builtin_level *const mamori_builtin_levels[MAMORI_AXIS_MAX];
extern const size_t mamori_n_builtin_levels[MAMORI_AXIS_MAX];

extern const char *const mamori_method_ids[MAMORI_METHOD_MAX + 1];
extern const char *const mamori_netmodel_ids[MAMORI_NETMODEL_MAX + 1];
extern const char *const mamori_url_mode_ids[MAMORI_URL_MODE_MAX + 1];

/* Checks and resolves a freshly loaded policy (check.c). */
void mamori_policy_check(struct mamori_policy *p, int32_t today, struct mamori_diags *d);

/* Parses "10.0.0.0/8", "192.0.2.1", "2001:db8::/32". MAMORI_E_INVALID when host bits are
 * set ("10.1.2.3/16"): *ret then holds the network with them cleared. */
int mamori_cidr_parse(const char *s, struct mamori_cidr *ret);
bool mamori_cidr_contains(const struct mamori_cidr *net, const struct mamori_cidr *addr);
bool mamori_cidr_overlap(const struct mamori_cidr *a, const struct mamori_cidr *b);
/* Parses "tcp/25", "udp/1000-2000", "icmp", "tcp" (all ports). */
int mamori_port_range_parse(const char *s, struct mamori_port_range *ret);

/* Levenshtein distance, capped: used for "did you mean" hints. */
size_t mamori_edit_distance(const char *a, const char *b);

#endif
