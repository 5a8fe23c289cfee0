/*
 * Flow decisions: may traffic go from A to B for service S, and how?
 *
 * A and B are zones, segments, systems or addresses; an address is placed in the system that
 * lists it, else in the segment that contains it (longest prefix), else in the internet zone
 * (anything the city does not own is the internet). Among the flow rules whose ends and
 * service match, the most specific wins (system > segment > sub-zone > zone, summed over both
 * ends; ties go to the rule written first, and the checker refuses exact duplicates). Rules
 * past their expiry match nothing. With no rule the answer is deny, citing the clause that
 * governs the zone pair.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- addresses and ports ---------------------------------------------------------------- */

int
mamori_cidr_parse(const char *s, struct mamori_cidr *ret)
{
    char tmp[64];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(tmp))
        return MAMORI_E_SYNTAX;
    memcpy(tmp, s, n + 1);
    char *slash = strchr(tmp, '/');
    long prefix = -1;
    if (slash) {
        *slash = '\0';
        const char *q = slash + 1;
        if (!*q || strlen(q) > 3)
            return MAMORI_E_SYNTAX;
        prefix = 0;
        for (; *q; q++) {
            if (*q < '0' || *q > '9')
                return MAMORI_E_SYNTAX;
            prefix = prefix * 10 + (*q - '0');
        }
    }
    struct mamori_cidr c = {0};
    if (inet_pton(AF_INET, tmp, c.addr) == 1) {
        c.family = 4;
        if (prefix > 32)
            return MAMORI_E_SYNTAX;
        c.prefix = prefix < 0 ? 32 : (uint8_t)prefix;
    } else if (inet_pton(AF_INET6, tmp, c.addr) == 1) {
        c.family = 6;
        if (prefix > 128)
            return MAMORI_E_SYNTAX;
        c.prefix = prefix < 0 ? 128 : (uint8_t)prefix;
    } else {
        return MAMORI_E_SYNTAX;
    }
    /* Host bits must be zero: "10.1.2.3/24" is a typo more often than an intent. The
     * masked network is still returned, so the caller can suggest it. */
    size_t bytes = c.family == 4 ? 4 : 16;
    int r = 0;
    for (size_t i = 0; i < bytes; i++) {
        int bits = (int)c.prefix - (int)(i * 8);
        uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
        if (c.addr[i] & ~mask) {
            c.addr[i] &= mask;
            r = MAMORI_E_INVALID;
        }
    }
    *ret = c;
    return r;
}

static bool
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

bool
mamori_cidr_contains(const struct mamori_cidr *net, const struct mamori_cidr *addr)
{
    if (net->family != addr->family || addr->prefix < net->prefix)
        return false;
    return prefix_equal(net->addr, addr->addr, net->prefix);
}

bool
mamori_cidr_overlap(const struct mamori_cidr *a, const struct mamori_cidr *b)
{
    if (a->family != b->family)
        return false;
    unsigned bits = a->prefix < b->prefix ? a->prefix : b->prefix;
    return prefix_equal(a->addr, b->addr, bits);
}

static bool
parse_u16(const char *s, size_t n, uint16_t *ret)
{
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return false;
    *ret = (uint16_t)v;
    return true;
}

int
mamori_port_range_parse(const char *s, struct mamori_port_range *ret)
{
    struct mamori_port_range r = {0, 0, 65535};
    const char *slash = strchr(s, '/');
    size_t plen = slash ? (size_t)(slash - s) : strlen(s);
    if (plen == 3 && memcmp(s, "tcp", 3) == 0)
        r.proto = IPPROTO_TCP;
    else if (plen == 3 && memcmp(s, "udp", 3) == 0)
        r.proto = IPPROTO_UDP;
    else if (plen == 4 && memcmp(s, "icmp", 4) == 0 && !slash)
        r.proto = IPPROTO_ICMP;
    else
        return MAMORI_E_SYNTAX;
    if (slash) {
        const char *q = slash + 1;
        const char *dash = strchr(q, '-');
        if (dash) {
            if (!parse_u16(q, (size_t)(dash - q), &r.lo) ||
                !parse_u16(dash + 1, strlen(dash + 1), &r.hi) || r.lo > r.hi || r.lo == 0)
                return MAMORI_E_SYNTAX;
        } else {
            if (!parse_u16(q, strlen(q), &r.lo) || r.lo == 0)
                return MAMORI_E_SYNTAX;
            r.hi = r.lo;
        }
    }
    *ret = r;
    return 0;
}

/* ---- lookups ---------------------------------------------------------------------------- */

#define FIND(arr, n, id)                                                                           \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < (n); i_++)                                                        \
            if ((arr)[i_].id && strcmp((arr)[i_].id, (id)) == 0)                                   \
                return (int)i_;                                                                    \
        return -1;                                                                                 \
    } while (0)

int
mamori_policy_find_zone(const struct mamori_policy *p, const char *id)
{
    FIND(p->zones, p->n_zones, id);
}

int
mamori_policy_find_role(const struct mamori_policy *p, const char *id)
{
    FIND(p->roles, p->n_roles, id);
}

int
mamori_policy_find_service(const struct mamori_policy *p, const char *id)
{
    FIND(p->services, p->n_services, id);
}

static int
find_segment(const struct mamori_policy *p, const char *id)
{
    FIND(p->segments, p->n_segments, id);
}

static int
find_system(const struct mamori_policy *p, const char *id)
{
    FIND(p->systems, p->n_systems, id);
}

int
mamori_policy_find_level(const struct mamori_policy *p, enum mamori_axis_id axis, const char *id)
{
    if (axis >= MAMORI_AXIS_MAX)
        return -1;
    FIND(p->classification.axes[axis].levels, p->classification.axes[axis].n_levels, id);
}

int
mamori_policy_match_level(const struct mamori_policy *p, enum mamori_axis_id axis,
                          const char *label, bool *ret_alias)
{
    if (axis >= MAMORI_AXIS_MAX || !label)
        return -1;
    const struct mamori_axis *ax = &p->classification.axes[axis];
    const char *axis_ja = mamori_axis_name(axis, true);
    size_t aj = strlen(axis_ja);
    *ret_alias = false;
    for (size_t i = 0; i < ax->n_levels; i++) {
        const struct mamori_level *lv = &ax->levels[i];
        if (strcmp(lv->id, label) == 0 || (lv->name.ja && strcmp(lv->name.ja, label) == 0) ||
            (lv->name.en && strcmp(lv->name.en, label) == 0) ||
            (strncmp(label, axis_ja, aj) == 0 && strcmp(label + aj, lv->id) == 0))
            return (int)i;
    }
    for (size_t i = 0; i < ax->n_levels; i++)
        for (size_t k = 0; k < ax->levels[i].n_aliases; k++)
            if (strcmp(ax->levels[i].aliases[k], label) == 0) {
                *ret_alias = true;
                return (int)i;
            }
    return -1;
}

int
mamori_policy_find_threat(const struct mamori_policy *p, const char *id)
{
    FIND(p->threats, p->n_threats, id);
}

int
mamori_policy_find_restriction(const struct mamori_policy *p, const char *id)
{
    FIND(p->restrictions, p->n_restrictions, id);
}

const char *
mamori_policy_approver(const struct mamori_policy *p, const char *action)
{
    for (size_t i = 0; i < p->n_approvals; i++)
        if (p->approvals[i].action && strcmp(p->approvals[i].action, action) == 0)
            return p->approvals[i].approver.name;
    return NULL;
}

/* ---- endpoints and services ------------------------------------------------------------- */

int
mamori_endpoint_resolve(const struct mamori_policy *p, const char *s, struct mamori_endpoint *ret)
{
    struct mamori_endpoint e = {.segment = -1, .system = -1, .zone = -1};
    int i;
    if ((i = mamori_policy_find_zone(p, s)) >= 0) {
        e.kind = MAMORI_ENDPOINT_ZONE;
        e.zone = i;
    } else if ((i = find_segment(p, s)) >= 0) {
        e.kind = MAMORI_ENDPOINT_SEGMENT;
        e.segment = i;
        e.zone = p->segments[i].zone.index;
    } else if ((i = find_system(p, s)) >= 0) {
        e.kind = MAMORI_ENDPOINT_SYSTEM;
        e.system = i;
        e.zone = p->systems[i].zone.index;
        /* A system sits in the segment of its first host. */
        for (size_t h = 0; h < p->systems[i].n_hosts && e.segment < 0; h++)
            for (size_t g = 0; g < p->n_segments; g++)
                if (mamori_cidr_contains(&p->segments[g].cidr, &p->systems[i].hosts[h]))
                    e.segment = (int)g;
    } else {
        struct mamori_cidr a;
        if (mamori_cidr_parse(s, &a) != 0 || a.prefix != (a.family == 4 ? 32 : 128))
            return -ENOENT;
        e.is_address = true;
        for (size_t k = 0; k < p->n_systems && e.system < 0; k++)
            for (size_t h = 0; h < p->systems[k].n_hosts; h++)
                if (mamori_cidr_contains(&p->systems[k].hosts[h], &a)) {
                    e.system = (int)k;
                    break;
                }
        for (size_t g = 0; g < p->n_segments; g++) {
            const struct mamori_segment *seg = &p->segments[g];
            if (!mamori_cidr_contains(&seg->cidr, &a))
                continue;
            if (e.segment < 0 || seg->cidr.prefix > p->segments[e.segment].cidr.prefix)
                e.segment = (int)g;
        }
        if (e.system >= 0) {
            e.kind = MAMORI_ENDPOINT_SYSTEM;
            e.zone = p->systems[e.system].zone.index;
        } else if (e.segment >= 0) {
            e.kind = MAMORI_ENDPOINT_SEGMENT;
            e.zone = p->segments[e.segment].zone.index;
        } else {
            e.kind = MAMORI_ENDPOINT_ZONE;
            e.outside = true;
            e.zone = mamori_policy_find_zone(p, "internet");
        }
    }
    if (e.zone < 0)
        return -ENOENT;
    *ret = e;
    return 0;
}

int
mamori_service_query_parse(const struct mamori_policy *p, const char *s,
                           struct mamori_service_query *ret)
{
    struct mamori_service_query q = {.service = -1};
    int i = mamori_policy_find_service(p, s);
    if (i >= 0) {
        q.service = i;
        *ret = q;
        return 0;
    }
    struct mamori_port_range r;
    if (mamori_port_range_parse(s, &r) < 0)
        return strchr(s, '/') ? MAMORI_E_SYNTAX : -ENOENT;
    if (r.proto != IPPROTO_ICMP && r.lo != r.hi)
        return MAMORI_E_SYNTAX; /* a question names one port */
    q.proto = r.proto;
    q.port = r.proto == IPPROTO_ICMP ? 0 : r.lo;
    *ret = q;
    return 0;
}

static bool
range_has(const struct mamori_port_range *r, uint8_t proto, uint16_t port)
{
    return r->proto == proto && (proto == IPPROTO_ICMP || (port >= r->lo && port <= r->hi));
}

/* Whether a rule's service covers the question. */
static bool
service_matches(const struct mamori_policy *p, const struct mamori_ref *rule,
                const struct mamori_service_query *q)
{
    if (rule->index == -2)
        return true;
    if (rule->index < 0)
        return false;
    const struct mamori_service *rs = &p->services[rule->index];
    if (q->service >= 0) {
        if (q->service == rule->index)
            return true;
        /* A differently named service still matches if the rule covers all its ports. */
        const struct mamori_service *qs = &p->services[q->service];
        if (qs->n_ports == 0)
            return false;
        for (size_t i = 0; i < qs->n_ports; i++) {
            bool covered = false;
            for (size_t k = 0; k < rs->n_ports && !covered; k++)
                covered = rs->ports[k].proto == qs->ports[i].proto &&
                          rs->ports[k].lo <= qs->ports[i].lo && rs->ports[k].hi >= qs->ports[i].hi;
            if (!covered)
                return false;
        }
        return true;
    }
    for (size_t k = 0; k < rs->n_ports; k++)
        if (range_has(&rs->ports[k], q->proto, q->port))
            return true;
    return false;
}

bool
mamori_zone_within(const struct mamori_policy *p, int zone, int ancestor)
{
    for (size_t steps = 0; zone >= 0 && steps <= p->n_zones; steps++) {
        if (zone == ancestor)
            return true;
        zone = p->zones[zone].parent.index;
    }
    return false;
}

int
mamori_flow_end_weight(const struct mamori_policy *p, enum mamori_endpoint_kind kind, int index)
{
    switch (kind) {
    case MAMORI_ENDPOINT_SYSTEM:
        return 1000;
    case MAMORI_ENDPOINT_SEGMENT:
        return 500;
    case MAMORI_ENDPOINT_ZONE:
        return p->zones[index].depth;
    default:
        return 0;
    }
}

/* Specificity of a rule end matching an endpoint; 0 when it does not match. */
static int
end_match(const struct mamori_policy *p, enum mamori_endpoint_kind kind, int index,
          const struct mamori_endpoint *e)
{
    bool match;
    switch (kind) {
    case MAMORI_ENDPOINT_SYSTEM:
        match = e->system == index;
        break;
    case MAMORI_ENDPOINT_SEGMENT:
        match = e->kind != MAMORI_ENDPOINT_ZONE && e->segment == index;
        break;
    case MAMORI_ENDPOINT_ZONE:
        match = mamori_zone_within(p, e->zone, index);
        break;
    default:
        match = false;
    }
    return match ? mamori_flow_end_weight(p, kind, index) : 0;
}

const char *
mamori_flow_pair_clause(enum mamori_zone_kind from, enum mamori_zone_kind to)
{
    if (from == to)
        return "6(6)";
    if (from == MAMORI_ZONE_MYNUMBER || to == MAMORI_ZONE_MYNUMBER)
        return "6(3)①";
    return "6(3)②";
}

int
mamori_flow_decide(const struct mamori_policy *p, const struct mamori_endpoint *from,
                   const struct mamori_endpoint *to, const struct mamori_service_query *svc,
                   int32_t today, struct mamori_decision *ret)
{
    if (from->zone < 0 || to->zone < 0)
        return -EINVAL;
    int best = -1, best_score = 0, expired = -1, expired_score = 0;
    for (size_t i = 0; i < p->n_flows; i++) {
        const struct mamori_flow *f = &p->flows[i];
        int a = end_match(p, f->from_kind, f->from.index, from);
        if (!a)
            continue;
        int b = end_match(p, f->to_kind, f->to.index, to);
        if (!b || !service_matches(p, &f->service, svc))
            continue;
        int score = a + b;
        if (f->expiry && f->expiry < today) {
            if (score > expired_score) {
                expired = (int)i;
                expired_score = score;
            }
            continue;
        }
        if (score > best_score) {
            best = (int)i;
            best_score = score;
        }
    }
    struct mamori_decision d = {.method = MAMORI_METHOD_DENY, .rule = -1, .rule_id = "default"};
    d.clause = mamori_flow_pair_clause(p->zones[from->zone].kind, p->zones[to->zone].kind);
    if (best >= 0) {
        const struct mamori_flow *f = &p->flows[best];
        d.method = (enum mamori_method)f->method;
        d.rule = best;
        d.rule_id = f->id;
        if (f->clause)
            d.clause = f->clause;
    } else if (expired >= 0) {
        const struct mamori_flow *f = &p->flows[expired];
        d.rule = expired;
        d.rule_id = f->id;
        d.expired = f->expiry;
        if (f->clause)
            d.clause = f->clause;
    }
    *ret = d;
    return 0;
}

int
mamori_decision_format(const struct mamori_decision *d, struct mamori_buf *out)
{
    const char *verdict = d->method == MAMORI_METHOD_DIRECT ? "allow"
                          : d->method == MAMORI_METHOD_DENY ? "deny"
                                                            : mamori_method_id(d->method);
    int r = mamori_buf_printf(out, "%s rule=%s clause=%s", verdict, d->rule_id, d->clause);
    if (r == 0 && d->expired) {
        char date[11];
        mamori_date_format(d->expired, date);
        r = mamori_buf_printf(out, " expired=%s", date);
    }
    return r;
}

/* ---- matrix ----------------------------------------------------------------------------- */

/* Whether a flow applies between zone a (or within it) and zone b, for the matrix. */
static bool
flow_in_cell(const struct mamori_policy *p, const struct mamori_flow *f, int za, int zb)
{
    return f->from_zone >= 0 && f->to_zone >= 0 && f->from_zone == za && f->to_zone == zb;
}

/* Columns on a terminal: East Asian wide characters (kanji, kana, full-width forms) take two. */
static size_t
display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t cp = *p;
        size_t n = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
        if (n > 1) {
            cp &= 0x3fu >> (n - 1);
            for (size_t i = 1; i < n && (p[i] & 0xc0) == 0x80; i++)
                cp = cp << 6 | (p[i] & 0x3f);
        }
        for (size_t i = 0; i < n && *p; i++)
            p++;
        bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                    (cp >= 0xffe0 && cp <= 0xffe6);
        w += wide ? 2 : 1;
    }
    return w;
}

/* Appends s and spaces up to width columns (at least one space). */
static int
put_column(struct mamori_buf *out, const char *s, size_t width)
{
    int r = mamori_buf_puts(out, s);
    size_t w = display_width(s);
    do {
        if (r == 0)
            r = mamori_buf_putc(out, ' ');
    } while (++w < width);
    return r;
}

static const char *
service_label(const struct mamori_policy *p, const struct mamori_flow *f)
{
    return f->service.index == -2 ? "any" : f->service.name;
}

int
mamori_policy_matrix(const struct mamori_policy *p, bool ja, bool json, int32_t today,
                     struct mamori_buf *out)
{
    if (json) {
        struct mamori_json j;
        mamori_json_init(&j, out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "network_model", mamori_netmodel_id(p->network.model));
        mamori_json_key(&j, "zones");
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < p->n_zones; i++) {
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "id", p->zones[i].id);
            mamori_json_kv_string(&j, "name", mamori_text_get(&p->zones[i].name, ja));
            mamori_json_kv_string(&j, "kind", mamori_zone_kind_id(p->zones[i].kind));
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_key(&j, "cells");
        mamori_json_array_begin(&j);
        for (size_t a = 0; a < p->n_zones; a++) {
            for (size_t b = 0; b < p->n_zones; b++) {
                mamori_json_object_begin(&j);
                mamori_json_kv_string(&j, "from", p->zones[a].id);
                mamori_json_kv_string(&j, "to", p->zones[b].id);
                mamori_json_key(&j, "flows");
                mamori_json_array_begin(&j);
                for (size_t i = 0; i < p->n_flows; i++) {
                    const struct mamori_flow *f = &p->flows[i];
                    if (!flow_in_cell(p, f, (int)a, (int)b))
                        continue;
                    mamori_json_object_begin(&j);
                    mamori_json_kv_string(&j, "rule", f->id);
                    mamori_json_kv_string(&j, "from", f->from.name);
                    mamori_json_kv_string(&j, "to", f->to.name);
                    mamori_json_kv_string(&j, "service", service_label(p, f));
                    mamori_json_kv_string(&j, "method",
                                          mamori_method_id((enum mamori_method)f->method));
                    mamori_json_kv_bool(&j, "expired", f->expiry && f->expiry < today);
                    mamori_json_object_end(&j);
                }
                mamori_json_array_end(&j);
                mamori_json_object_end(&j);
            }
        }
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        int r = mamori_json_finish(&j);
        return r < 0 ? r : mamori_buf_putc(out, '\n');
    }

    int r = mamori_buf_printf(out, "%s: %s\n", ja ? "ネットワークモデル" : "Network model",
                              mamori_netmodel_id(p->network.model));
    for (size_t a = 0; a < p->n_zones && r == 0; a++) {
        for (size_t b = 0; b < p->n_zones && r == 0; b++) {
            bool header = false;
            for (size_t i = 0; i < p->n_flows && r == 0; i++) {
                const struct mamori_flow *f = &p->flows[i];
                if (!flow_in_cell(p, f, (int)a, (int)b))
                    continue;
                if (!header) {
                    r = mamori_buf_printf(out, "\n%s → %s\n",
                                          mamori_text_get(&p->zones[a].name, ja),
                                          mamori_text_get(&p->zones[b].name, ja));
                    header = true;
                }
                if (r == 0)
                    r = mamori_buf_puts(out, "  ");
                if (r == 0)
                    r = put_column(out, mamori_method_name((enum mamori_method)f->method, ja), 30);
                if (r == 0)
                    r = put_column(out, service_label(p, f), 14);
                if (r == 0)
                    r = mamori_buf_printf(
                        out, "%s → %s (%s)%s\n", f->from.name, f->to.name, f->id,
                        f->expiry && f->expiry < today ? (ja ? " 期限切れ" : " expired") : "");
            }
        }
    }
    if (r == 0)
        r = mamori_buf_printf(out, "\n%s\n",
                              ja ? "記載のない組合せはすべて遮断（既定）。"
                                 : "Every pair not listed is denied (default).");
    return r;
}
