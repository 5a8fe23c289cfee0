/*
 * The boundary firewall from the policy: flow rules into nftables rules (see
 * docs/internals/netfw.md for the mapping).
 *
 * The flow engine decides by specificity (system > segment > sub-zone > zone, summed over both
 * ends; ties to the earlier rule). nftables takes the first rule that matches, so the rules
 * are written most specific first: then the first match is the rule the flow engine picks,
 * and `mamori flow check` and the wire agree.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/netfw.h"

struct builder {
    const struct mamori_policy *p;
    struct mamori_fw *fw;
    size_t cap_rules, cap_notes;
    int error;
};

static void *
alloc(struct builder *b, size_t n, size_t size)
{
    void *x = mamori_arena_calloc(b->fw->arena, n ? n : 1, size);
    if (!x && !b->error)
        b->error = -ENOMEM;
    return x;
}

/* Keeps a note (already formatted in the arena) about a flow that makes no rule. */
static void
note(struct builder *b, const char *s)
{
    if (!s) {
        b->error = -ENOMEM;
        return;
    }
    if (b->fw->n_notes == b->cap_notes) {
        size_t cap = b->cap_notes ? b->cap_notes * 2 : 16;
        const char **n = alloc(b, cap, sizeof(char *));
        if (!n)
            return;
        if (b->fw->n_notes)
            memcpy(n, b->fw->notes, b->fw->n_notes * sizeof(char *));
        b->fw->notes = n;
        b->cap_notes = cap;
    }
    b->fw->notes[b->fw->n_notes++] = s;
}

static struct mamori_fw_rule *
new_rule(struct builder *b)
{
    if (b->fw->n_rules == b->cap_rules) {
        size_t cap = b->cap_rules ? b->cap_rules * 2 : 32;
        struct mamori_fw_rule *r = alloc(b, cap, sizeof(*r));
        if (!r)
            return NULL;
        if (b->fw->n_rules)
            memcpy(r, b->fw->rules, b->fw->n_rules * sizeof(*r));
        b->fw->rules = r;
        b->cap_rules = cap;
    }
    struct mamori_fw_rule *r = &b->fw->rules[b->fw->n_rules++];
    memset(r, 0, sizeof(*r));
    return r;
}

/* The named set of a zone: the segments of the zone and of its sub-zones. */
static const char *
zone_set(struct builder *b, int zone)
{
    const struct mamori_policy *p = b->p;
    const char *name = mamori_arena_printf(b->fw->arena, "z_%s", p->zones[zone].id);
    if (!name)
        return NULL;
    for (size_t i = 0; i < b->fw->n_sets; i++)
        if (strcmp(b->fw->sets[i].name, name) == 0)
            return b->fw->sets[i].name;
    return NULL;
}

static void
make_sets(struct builder *b)
{
    const struct mamori_policy *p = b->p;
    /* One set per zone, and "z_private": every address of the My Number and LGWAN zones (the
     * internet zone is everything else). Names are unique: zone ids are. */
    b->fw->sets = alloc(b, p->n_zones + 1, sizeof(*b->fw->sets));
    if (!b->fw->sets)
        return;
    for (size_t z = 0; z <= p->n_zones; z++) {
        struct mamori_fw_set *s = &b->fw->sets[b->fw->n_sets];
        s->name = z < p->n_zones ? mamori_arena_printf(b->fw->arena, "z_%s", p->zones[z].id)
                                 : "z_private";
        s->cidrs = alloc(b, p->n_segments, sizeof(*s->cidrs));
        if (!s->name || !s->cidrs)
            return;
        for (size_t g = 0; g < p->n_segments; g++) {
            int sz = p->segments[g].zone.index;
            bool in = z < p->n_zones ? mamori_zone_within(p, sz, (int)z)
                                     : p->zones[sz].kind != MAMORI_ZONE_INTERNET;
            if (in)
                s->cidrs[s->n_cidrs++] = p->segments[g].cidr;
        }
        b->fw->n_sets++;
    }
}

/* The addresses of a flow's end. */
static void
end_of(struct builder *b, enum mamori_endpoint_kind kind, int index, struct mamori_fw_end *e)
{
    const struct mamori_policy *p = b->p;
    memset(e, 0, sizeof(*e));
    switch (kind) {
    case MAMORI_ENDPOINT_ZONE:
        if (p->zones[index].depth == 1 && p->zones[index].kind == MAMORI_ZONE_INTERNET) {
            e->set = "z_private";
            e->negated = true;
        } else {
            e->set = zone_set(b, index);
        }
        break;
    case MAMORI_ENDPOINT_SEGMENT:
        e->cidrs = &p->segments[index].cidr;
        e->n_cidrs = 1;
        break;
    case MAMORI_ENDPOINT_SYSTEM:
        e->cidrs = p->systems[index].hosts;
        e->n_cidrs = p->systems[index].n_hosts;
        break;
    default:
        e->any = true;
    }
}

static void
add_flow(struct builder *b, const struct mamori_flow *f, int32_t today)
{
    const struct mamori_policy *p = b->p;
    enum mamori_method m = (enum mamori_method)f->method;
    if (f->expiry && f->expiry < today) {
        char date[11];
        mamori_date_format(f->expiry, date);
        note(b, mamori_arena_printf(b->fw->arena, "%s: expired on %s, no rule", f->id, date));
        return;
    }
    const struct mamori_service *svc =
        f->service.index >= 0 ? &p->services[f->service.index] : NULL;
    struct mamori_fw_rule *r = NULL;
    bool mediated = m == MAMORI_METHOD_MAIL_TEXT || m == MAMORI_METHOD_FILE_SANITIZE ||
                    m == MAMORI_METHOD_SCREEN_TRANSFER;
    if (mediated && f->gateway.index < 0) {
        note(b, mamori_arena_printf(b->fw->arena,
                                    "%s: %s is mediated by a gateway; no direct path (name the "
                                    "gateway system with gateway:)",
                                    f->id, mamori_method_id(m)));
        return;
    }
    if (!(r = new_rule(b)))
        return;
    r->id = f->id;
    r->clause = f->clause;
    r->method = m;
    r->accept = m != MAMORI_METHOD_DENY;
    if (svc) {
        r->ports = svc->ports;
        r->n_ports = svc->n_ports;
    }
    if (mediated) {
        /* The gateway carries it: gateway -> to, or for screen transfer the terminals
         * connect to the gateway. */
        struct mamori_fw_end gw, other;
        end_of(b, MAMORI_ENDPOINT_SYSTEM, f->gateway.index, &gw);
        end_of(b, f->to_kind, f->to.index, &other);
        bool reverse = m == MAMORI_METHOD_SCREEN_TRANSFER;
        r->src = reverse ? other : gw;
        r->dst = reverse ? gw : other;
        r->specificity = mamori_flow_end_weight(p, MAMORI_ENDPOINT_SYSTEM, f->gateway.index) +
                         mamori_flow_end_weight(p, f->to_kind, f->to.index);
        return;
    }
    end_of(b, f->from_kind, f->from.index, &r->src);
    end_of(b, f->to_kind, f->to.index, &r->dst);
    r->specificity = mamori_flow_end_weight(p, f->from_kind, f->from.index) +
                     mamori_flow_end_weight(p, f->to_kind, f->to.index);
    if (m == MAMORI_METHOD_PINNED_EXCEPTION) {
        r->src = (struct mamori_fw_end){.cidrs = f->pins.src, .n_cidrs = f->pins.n_src};
        r->dst = (struct mamori_fw_end){.cidrs = f->pins.dst, .n_cidrs = f->pins.n_dst};
        r->macs = f->pins.mac;
        r->n_macs = f->pins.n_mac;
    }
}

int
mamori_fw_build(const struct mamori_policy *p, int32_t today, struct mamori_fw **ret)
{
    struct mamori_arena *arena = mamori_arena_new(0);
    if (!arena)
        return -ENOMEM;
    struct mamori_fw *fw = mamori_arena_alloc(arena, sizeof(*fw));
    if (!fw) {
        mamori_arena_free(arena);
        return -ENOMEM;
    }
    fw->arena = arena;
    fw->nflog_group = (unsigned)p->monitoring.nflog_group;
    struct builder b = {.p = p, .fw = fw};
    make_sets(&b);
    for (size_t i = 0; i < p->n_flows && !b.error; i++)
        add_flow(&b, &p->flows[i], today);
    if (b.error) {
        mamori_arena_free(arena);
        return b.error;
    }
    /* Most specific first; a stable insertion sort keeps file order among equals. */
    for (size_t i = 1; i < fw->n_rules; i++) {
        struct mamori_fw_rule t = fw->rules[i];
        size_t k = i;
        while (k > 0 && fw->rules[k - 1].specificity < t.specificity) {
            fw->rules[k] = fw->rules[k - 1];
            k--;
        }
        fw->rules[k] = t;
    }
    *ret = fw;
    return 0;
}

struct mamori_fw *
mamori_fw_free(struct mamori_fw *fw)
{
    if (fw)
        mamori_arena_free(fw->arena);
    return NULL;
}

/* ---- nftables text ---------------------------------------------------------------------- */

static int
put_cidr(struct mamori_buf *out, const struct mamori_cidr *c)
{
    char a[INET6_ADDRSTRLEN];
    inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
    bool host = c->prefix == (c->family == 4 ? 32 : 128);
    return host ? mamori_buf_puts(out, a) : mamori_buf_printf(out, "%s/%u", a, c->prefix);
}

static bool
has_family(const struct mamori_cidr *c, size_t n, int family)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].family == family)
            return true;
    return false;
}

/* "ip saddr { a, b }" or "ip saddr != @z_private" for one family; false when the end has no
 * address of that family (the rule does not apply to it). */
static bool
put_end(struct mamori_buf *out, const struct mamori_fw *fw, const struct mamori_fw_end *e,
        int family, const char *dir)
{
    const char *ip = family == 4 ? "ip" : "ip6";
    if (e->any)
        return true;
    if (e->set) {
        const struct mamori_fw_set *s = NULL;
        for (size_t i = 0; i < fw->n_sets; i++)
            if (strcmp(fw->sets[i].name, e->set) == 0)
                s = &fw->sets[i];
        /* An empty set matches nothing. "Not in" an empty set would match every address of
         * the family, so a family the private zones give no address (IPv6 in most cities)
         * would be forwarded as "internet" traffic from any host: fail closed instead, the
         * rule does not apply to that family and the default drop takes it. */
        if (!s || !has_family(s->cidrs, s->n_cidrs, family))
            return false;
        mamori_buf_printf(out, "%s %s %s@%s_v%d ", ip, dir, e->negated ? "!= " : "", e->set,
                          family);
        return true;
    }
    if (!has_family(e->cidrs, e->n_cidrs, family))
        return false;
    mamori_buf_printf(out, "%s %s %s{ ", ip, dir, e->negated ? "!= " : "");
    bool first = true;
    for (size_t i = 0; i < e->n_cidrs; i++) {
        if (e->cidrs[i].family != family)
            continue;
        if (!first)
            mamori_buf_puts(out, ", ");
        put_cidr(out, &e->cidrs[i]);
        first = false;
    }
    mamori_buf_puts(out, " } ");
    return true;
}

static int
put_rule_family(struct mamori_buf *out, const struct mamori_fw *fw, const struct mamori_fw_rule *r,
                int family)
{
    /* One line per protocol of the service (or one line for any). */
    static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
    for (int pi = -1; pi < 3; pi++) {
        if (pi == -1 && r->n_ports)
            continue;
        if (pi >= 0) {
            bool used = false;
            for (size_t i = 0; i < r->n_ports; i++)
                used = used || r->ports[i].proto == protos[pi];
            if (!used)
                continue;
        }
        struct mamori_buf line;
        mamori_buf_init(&line, 1 << 20);
        mamori_buf_puts(&line, "\t\t");
        bool ok = put_end(&line, fw, &r->src, family, "saddr") &&
                  put_end(&line, fw, &r->dst, family, "daddr");
        /* No address test written (any, or "not in" a set with no address of this family):
         * the line must still apply to this family only, or it would accept the other one
         * too, ahead of its own rules. */
        if (ok && line.len == 2)
            mamori_buf_puts(&line, family == 4 ? "meta nfproto ipv4 " : "meta nfproto ipv6 ");
        if (ok && r->n_macs) {
            mamori_buf_puts(&line, "ether saddr { ");
            for (size_t i = 0; i < r->n_macs; i++)
                mamori_buf_printf(&line, "%s%s", i ? ", " : "", r->macs[i]);
            mamori_buf_puts(&line, " } ");
        }
        if (ok && pi >= 0 && protos[pi] == IPPROTO_ICMP) {
            mamori_buf_puts(&line, family == 4 ? "meta l4proto icmp " : "meta l4proto ipv6-icmp ");
        } else if (ok && pi >= 0) {
            mamori_buf_printf(&line, "%s dport { ", protos[pi] == IPPROTO_TCP ? "tcp" : "udp");
            bool first = true;
            for (size_t i = 0; i < r->n_ports; i++) {
                const struct mamori_port_range *pr = &r->ports[i];
                if (pr->proto != protos[pi])
                    continue;
                if (pr->lo == pr->hi)
                    mamori_buf_printf(&line, "%s%u", first ? "" : ", ", pr->lo);
                else
                    mamori_buf_printf(&line, "%s%u-%u", first ? "" : ", ", pr->lo, pr->hi);
                first = false;
            }
            mamori_buf_puts(&line, " } ");
        }
        if (ok) {
            if (r->accept)
                mamori_buf_printf(&line, "accept comment \"%s\"\n", r->id);
            else
                mamori_buf_printf(
                    &line, "counter log group %u prefix \"mamori:deny:%s \" drop comment \"%s\"\n",
                    fw->nflog_group, r->id, r->id);
            int e = mamori_buf_append(out, line.data, line.len);
            mamori_buf_done(&line);
            if (e < 0)
                return e;
        } else {
            mamori_buf_done(&line);
        }
    }
    return 0;
}

/* The zone sets as nftables interval sets, one per family that has addresses. */
static int
put_sets(struct mamori_buf *out, const struct mamori_fw *fw)
{
    int r = 0;
    for (size_t i = 0; i < fw->n_sets && r == 0; i++) {
        const struct mamori_fw_set *s = &fw->sets[i];
        for (int family = 4; family <= 6 && r == 0; family += 2) {
            if (!has_family(s->cidrs, s->n_cidrs, family))
                continue;
            r = mamori_buf_printf(out,
                                  "\tset %s_v%d {\n\t\ttype %s\n\t\tflags interval\n"
                                  "\t\telements = { ",
                                  s->name, family, family == 4 ? "ipv4_addr" : "ipv6_addr");
            bool first = true;
            for (size_t k = 0; k < s->n_cidrs && r == 0; k++) {
                if (s->cidrs[k].family != family)
                    continue;
                if (!first)
                    mamori_buf_puts(out, ", ");
                r = put_cidr(out, &s->cidrs[k]);
                first = false;
            }
            if (r == 0)
                r = mamori_buf_puts(out, " }\n\t}\n\n");
        }
    }
    return r;
}

static bool
cidr_contains(const struct mamori_cidr *c, const struct mamori_cidr *host)
{
    if (c->family != host->family || c->prefix > host->prefix)
        return false;
    unsigned full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr, host->addr, full) != 0)
        return false;
    return rest == 0 || ((c->addr[full] ^ host->addr[full]) & (0xff << (8 - rest))) == 0;
}

/* Does one end of a rule cover the host (a set or listed addresses, negation respected)? */
static bool
end_covers(const struct mamori_fw *fw, const struct mamori_fw_end *e,
           const struct mamori_cidr *host)
{
    if (e->any)
        return true;
    const struct mamori_cidr *cidrs = e->cidrs;
    size_t n = e->n_cidrs;
    if (e->set)
        for (size_t i = 0; i < fw->n_sets; i++)
            if (strcmp(fw->sets[i].name, e->set) == 0) {
                cidrs = fw->sets[i].cidrs;
                n = fw->sets[i].n_cidrs;
            }
    bool in = false;
    for (size_t i = 0; i < n && !in; i++)
        in = cidr_contains(&cidrs[i], host);
    return e->negated ? !in : in;
}

int
mamori_fw_host_nft(const struct mamori_fw *fw, const struct mamori_cidr *host, const char *source,
                   struct mamori_buf *out)
{
    char addr[64];
    struct mamori_buf a;
    mamori_buf_init(&a, sizeof(addr));
    put_cidr(&a, host);
    snprintf(addr, sizeof(addr), "%s", a.data ? a.data : "?");
    mamori_buf_done(&a);
    int r = mamori_buf_printf(out,
                              "#!/usr/sbin/nft -f\n"
                              "# The host firewall of %s, from %s, generated by `mamori endpoint "
                              "profile`.\n# Only the flows the policy allows this host, in and "
                              "out; everything else dropped and logged.\n\n"
                              "table inet mamori_host\ndelete table inet mamori_host\n\n"
                              "table inet mamori_host {\n",
                              addr, source);
    if (r == 0)
        r = put_sets(out, fw);
    for (int dir = 0; dir < 2 && r == 0; dir++) {
        r = mamori_buf_printf(out,
                              "\tchain %s {\n\t\ttype filter hook %s priority filter; policy "
                              "drop;\n\t\t%s \"lo\" accept\n"
                              "\t\tct state established,related accept\n"
                              "\t\tct state invalid drop\n",
                              dir ? "input" : "output", dir ? "input" : "output",
                              dir ? "iif" : "oif");
        /* Output: rules from this host, to their destinations; input: rules to it. The host's
         * own end becomes "any" (it is this machine). Pinned MACs are the router's concern. */
        for (size_t i = 0; i < fw->n_rules && r == 0; i++) {
            const struct mamori_fw_rule *x = &fw->rules[i];
            const struct mamori_fw_end *mine = dir ? &x->dst : &x->src;
            if (!x->accept || !end_covers(fw, mine, host))
                continue;
            struct mamori_fw_rule h = *x;
            struct mamori_fw_end *own = dir ? &h.dst : &h.src;
            memset(own, 0, sizeof(*own));
            own->any = true;
            h.macs = NULL;
            h.n_macs = 0;
            r = mamori_buf_printf(out, "\t\t# %s [基本方針 %s]\n", x->id,
                                  x->clause ? x->clause : "-");
            if (r == 0)
                r = put_rule_family(out, fw, &h, host->family);
        }
        if (r == 0)
            r = mamori_buf_printf(out,
                                  "\t\tcounter log group %u prefix \"mamori:deny:host \" drop "
                                  "comment \"default\"\n\t}\n%s",
                                  fw->nflog_group, dir ? "}\n" : "\n");
    }
    return r;
}

int
mamori_fw_nft(const struct mamori_fw *fw, const char *source, struct mamori_buf *out)
{
    int r = mamori_buf_printf(out,
                              "#!/usr/sbin/nft -f\n"
                              "# The zone boundary of %s, generated by `mamori fw compile`.\n"
                              "# 基本方針 6(3): do not edit by hand; `mamori fw verify` reports "
                              "any difference.\n\n"
                              "table inet mamori\ndelete table inet mamori\n\n"
                              "table inet mamori {\n",
                              source);
    if (r == 0)
        r = put_sets(out, fw);
    if (r == 0)
        r = mamori_buf_puts(out, "\tchain forward {\n"
                                 "\t\ttype filter hook forward priority filter; policy drop;\n"
                                 "\t\tct state established,related accept\n"
                                 "\t\tct state invalid drop\n");
    for (size_t i = 0; i < fw->n_rules && r == 0; i++) {
        const struct mamori_fw_rule *x = &fw->rules[i];
        r = mamori_buf_printf(out, "\t\t# %s: %s [基本方針 %s]\n", x->id,
                              mamori_method_id(x->method), x->clause ? x->clause : "-");
        if (r == 0)
            r = put_rule_family(out, fw, x, 4);
        if (r == 0)
            r = put_rule_family(out, fw, x, 6);
    }
    for (size_t i = 0; i < fw->n_notes && r == 0; i++)
        r = mamori_buf_printf(out, "\t\t# %s\n", fw->notes[i]);
    if (r == 0)
        r = mamori_buf_printf(out,
                              "\t\tcounter log group %u prefix \"mamori:deny:default \" drop "
                              "comment \"default\"\n\t}\n}\n",
                              fw->nflog_group);
    return r;
}

static void
json_end(struct mamori_json *j, const char *key, const struct mamori_fw_end *e)
{
    mamori_json_key(j, key);
    mamori_json_object_begin(j);
    if (e->set)
        mamori_json_kv_string(j, "set", e->set);
    mamori_json_kv_bool(j, "negated", e->negated);
    mamori_json_key(j, "cidrs");
    mamori_json_array_begin(j);
    for (size_t i = 0; i < e->n_cidrs; i++) {
        struct mamori_buf b;
        mamori_buf_init(&b, 128);
        put_cidr(&b, &e->cidrs[i]);
        mamori_json_string(j, b.data);
        mamori_buf_done(&b);
    }
    mamori_json_array_end(j);
    mamori_json_object_end(j);
}

int
mamori_fw_json(const struct mamori_fw *fw, struct mamori_buf *out)
{
    struct mamori_json j;
    mamori_json_init(&j, out, true);
    mamori_json_object_begin(&j);
    mamori_json_key(&j, "rules");
    mamori_json_array_begin(&j);
    for (size_t i = 0; i < fw->n_rules; i++) {
        const struct mamori_fw_rule *r = &fw->rules[i];
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "id", r->id);
        mamori_json_kv_string(&j, "method", mamori_method_id(r->method));
        mamori_json_kv_string(&j, "clause", r->clause);
        mamori_json_kv_string(&j, "action", r->accept ? "accept" : "drop");
        json_end(&j, "from", &r->src);
        json_end(&j, "to", &r->dst);
        mamori_json_key(&j, "ports");
        mamori_json_array_begin(&j);
        for (size_t k = 0; k < r->n_ports; k++) {
            char t[32];
            const struct mamori_port_range *p = &r->ports[k];
            const char *proto = p->proto == IPPROTO_TCP   ? "tcp"
                                : p->proto == IPPROTO_UDP ? "udp"
                                                          : "icmp";
            if (p->proto == IPPROTO_ICMP)
                snprintf(t, sizeof(t), "icmp");
            else if (p->lo == p->hi)
                snprintf(t, sizeof(t), "%s/%u", proto, p->lo);
            else
                snprintf(t, sizeof(t), "%s/%u-%u", proto, p->lo, p->hi);
            mamori_json_string(&j, t);
        }
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
    }
    mamori_json_array_end(&j);
    mamori_json_key(&j, "notes");
    mamori_json_array_begin(&j);
    for (size_t i = 0; i < fw->n_notes; i++)
        mamori_json_string(&j, fw->notes[i]);
    mamori_json_array_end(&j);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    return r < 0 ? r : mamori_buf_putc(out, '\n');
}
