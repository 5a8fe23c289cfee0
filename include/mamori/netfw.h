/*
 * mamori netfw: the boundary firewall derived from the policy (see docs/internals/netfw.md).
 *
 *     struct mamori_fw *fw;
 *     mamori_fw_build(policy, today, &fw);      // rules in evaluation order
 *     mamori_fw_nft(fw, "mamori.yaml", &out);   // an nftables script, one transaction
 *
 * Pure: no I/O. The CLI checks (libnftables dry run) and applies the script.
 */
#ifndef MAMORI_NETFW_H
#define MAMORI_NETFW_H

#include <stdbool.h>
#include <stddef.h>

#include "mamori/core.h"
#include "mamori/policy.h"

/* One end of a firewall rule: addresses (or, negated, every address outside them), either a
 * named zone set or listed CIDRs. */
struct mamori_fw_end {
    const char *set; /* "z_lgwan" or NULL */
    const struct mamori_cidr *cidrs;
    size_t n_cidrs;
    bool negated; /* every address not in the set / CIDRs */
    bool any;     /* no address condition */
};

struct mamori_fw_rule {
    const char *id; /* the flow rule, for comments and log prefixes */
    const char *clause;
    enum mamori_method method;
    bool accept; /* else log and drop */
    struct mamori_fw_end src, dst;
    const struct mamori_port_range *ports; /* of the service; n_ports 0 = any */
    size_t n_ports;
    const char *const *macs; /* pinned source MAC addresses */
    size_t n_macs;
    int specificity;
};

struct mamori_fw_set {
    const char *name;
    struct mamori_cidr *cidrs;
    size_t n_cidrs;
};

struct mamori_fw {
    struct mamori_arena *arena;
    struct mamori_fw_set *sets;
    size_t n_sets;
    struct mamori_fw_rule *rules; /* in evaluation order */
    size_t n_rules;
    const char **notes; /* flows that make no rule, and why (expired, mediated) */
    size_t n_notes;
};

int mamori_fw_build(const struct mamori_policy *p, int32_t today, struct mamori_fw **ret);
struct mamori_fw *mamori_fw_free(struct mamori_fw *fw);
/* The nftables script that replaces table inet mamori atomically. source names the policy
 * in the header comment. */
int mamori_fw_nft(const struct mamori_fw *fw, const char *source, struct mamori_buf *out);
/* The rules as one JSON document (mamori's model, not nftables' JSON). */
int mamori_fw_json(const struct mamori_fw *fw, struct mamori_buf *out);

#endif
