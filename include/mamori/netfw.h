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
#include <stdint.h>

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
    unsigned nflog_group; /* denied packets are logged to this nflog group */
};

int mamori_fw_build(const struct mamori_policy *p, int32_t today, struct mamori_fw **ret);
struct mamori_fw *mamori_fw_free(struct mamori_fw *fw);
/* The host firewall of one machine of a zone (a My Number terminal): table inet mamori_host,
 * output and input policy drop, accepting only the flows whose source (output) or destination
 * (input) covers host; the rest logged like the boundary's denies. */
int mamori_fw_host_nft(const struct mamori_fw *fw, const struct mamori_cidr *host,
                       const char *source, struct mamori_buf *out);
/* The nftables script that replaces table inet mamori atomically. source names the policy
 * in the header comment. */
int mamori_fw_nft(const struct mamori_fw *fw, const char *source, struct mamori_buf *out);
/* The rules as one JSON document (mamori's model, not nftables' JSON). */
int mamori_fw_json(const struct mamori_fw *fw, struct mamori_buf *out);

/* ---- verification of the live firewall (verify.c) ------------------------------------------ */

/* Where the live ruleset and the policy disagree: one zone pair, one protocol and port range
 * (ports only for tcp and udp). */
struct mamori_fw_diff {
    bool excess;           /* the live firewall lets it through, the policy does not */
    const char *from, *to; /* zone ids ("internet" for addresses outside every segment) */
    uint8_t proto;
    uint16_t lo, hi;
    bool mac_bound; /* only from a particular source MAC address */
    char example_src[46], example_dst[46];
    const char *live_rule;   /* comment or "handle N" of the deciding live rule, "policy" */
    const char *policy_rule; /* the flow rule the compiled ruleset decides by, "default" */
    size_t count;            /* address pieces with this difference */
};

/* Owns all its strings: valid after the policy and the compiled rules are freed. */
struct mamori_fw_verify {
    struct mamori_arena *arena;
    bool ok;            /* table present, every rule understood, nothing in excess */
    bool table_present; /* table inet mamori is loaded */
    const char *chain;
    const char *problem; /* the first live rule mamori cannot follow, or NULL */
    struct mamori_fw_diff *diffs;
    size_t n_diffs;
    size_t n_excess, n_missing;
};

/* Compares the live ruleset (nftables JSON, `nft -j list table inet mamori` or the whole
 * ruleset) with fw, compiled from p: a complete comparison over every piece of address,
 * protocol, port and MAC space the two mention. MAMORI_E_SYNTAX when json is not nftables
 * JSON. */
int mamori_fw_verify(const struct mamori_policy *p, const struct mamori_fw *fw, const char *json,
                     size_t len, struct mamori_fw_verify **ret);
struct mamori_fw_verify *mamori_fw_verify_free(struct mamori_fw_verify *v);

/* ---- the deny log (monitoring, 6(3)③) ------------------------------------------------------
 * The compiled ruleset sends each denied packet to an nflog group with the prefix
 * "mamori:deny:<rule> ". The daemon reads them; these pure pieces parse one and count them. */

#define MAMORI_DENY_TALLY_MAX 4096 /* distinct attempts kept between flushes */

struct mamori_deny {
    char rule[65];
    char src[46], dst[46]; /* numeric addresses */
    uint8_t proto;         /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP ... */
    uint16_t dport;        /* 0 when the protocol has none (or a later fragment) */
};

/* Parses the prefix and the packet (starting at its IP header). MAMORI_E_SYNTAX when the
 * prefix is not mamori's or the header is cut short or malformed. */
int mamori_deny_parse(const char *prefix, const uint8_t *pkt, size_t len, struct mamori_deny *ret);
/* "tcp", "udp", "icmp", "ipv6-icmp" or the number. */
const char *mamori_deny_proto_name(uint8_t proto, char buf[8]);

struct mamori_deny_entry {
    struct mamori_deny d;
    uint64_t count;
    int64_t first_us, last_us;
};

struct mamori_deny_tally;

/* alert_after attempts from one source to one destination within window_us raise one alert
 * (and again after a quiet window). */
int mamori_deny_tally_new(uint64_t alert_after, int64_t window_us, struct mamori_deny_tally **ret);
struct mamori_deny_tally *mamori_deny_tally_free(struct mamori_deny_tally *t);
/* Counts one attempt: 1 when it is the one that raises an alert, else 0; MAMORI_E_LIMIT when
 * the tally is full (the attempt is counted in mamori_deny_tally_dropped). */
int mamori_deny_tally_add(struct mamori_deny_tally *t, const struct mamori_deny *d, int64_t now_us);
/* Calls cb for each attempt counted since the last flush, then forgets them (the alert
 * windows are kept). A negative cb result stops and keeps everything for the next flush. */
int mamori_deny_tally_flush(struct mamori_deny_tally *t,
                            int (*cb)(void *ctx, const struct mamori_deny_entry *e), void *ctx);
uint64_t mamori_deny_tally_dropped(const struct mamori_deny_tally *t);

#endif
