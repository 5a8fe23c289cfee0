/*
 * Does the live firewall do what the policy says? (see docs/internals/netfw.md, "verify")
 *
 * Both rulesets, the one compiled from the policy and the one read back from the kernel as
 * nftables JSON, are brought into one small model: a chain of rules, each a list of matches
 * on source and destination address, protocol, destination port, source MAC, connection
 * state, and a verdict. Every boundary any match mentions cuts each dimension into pieces
 * on which both rulesets are constant, so evaluating both on one point of each piece is a
 * complete comparison, not a sample. Differences are grouped by zone pair and port range.
 *
 * A live rule with anything the model does not know (a jump, NAT, a match on another
 * field) is not guessed at: it is reported and the verification fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/netfw.h"

#define MAMORI_FW_VERIFY_BUDGET 2000000000ULL

enum key { K_SADDR, K_DADDR, K_DPORT, K_L4PROTO, K_ETHER, K_CTNEW, K_NFPROTO };
static const size_t key_len[] = {16, 16, 2, 1, 6, 0, 1};

struct ival {
    uint8_t lo[16], hi[16];
};

struct cond {
    enum key key;
    uint8_t family; /* the match applies to this family only (ip / ip6 payload), 0 any */
    uint8_t proto;  /* the match applies to this protocol only (tcp / udp dport), 0 any */
    bool negated;
    bool ct_new; /* K_CTNEW: "new" is among the states */
    struct ival *v;
    size_t n, cap;
};

struct nrule {
    struct cond *c;
    size_t n, cap;
    int verdict;       /* 1 accept, 0 drop, -1 none (the next rule decides) */
    const char *label; /* comment, or "handle N" */
};

struct chain {
    struct nrule *r;
    size_t n, cap;
    int policy; /* 1 accept, 0 drop */
};

struct point {
    uint8_t src[16], dst[16];
    uint8_t family, l4;
    uint16_t dport;
    uint8_t mac[6];
};

struct vctx {
    struct mamori_arena *a;
    int error;
};

static void *
grow(struct vctx *x, void *old, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return old;
    size_t c = *cap ? *cap * 2 : 8;
    void *p = mamori_arena_calloc(x->a, c, size);
    if (!p) {
        x->error = -ENOMEM;
        return NULL;
    }
    if (n)
        memcpy(p, old, n * size);
    *cap = c;
    return p;
}

static struct cond *
add_cond(struct vctx *x, struct nrule *r, enum key k)
{
    struct cond *c = grow(x, r->c, r->n, &r->cap, sizeof(*c));
    if (!c)
        return NULL;
    r->c = c;
    c = &r->c[r->n++];
    memset(c, 0, sizeof(*c));
    c->key = k;
    return c;
}

static int
add_ival(struct vctx *x, struct cond *c, const uint8_t *lo, const uint8_t *hi)
{
    struct ival *v = grow(x, c->v, c->n, &c->cap, sizeof(*v));
    if (!v)
        return -ENOMEM;
    c->v = v;
    size_t l = key_len[c->key];
    memcpy(c->v[c->n].lo, lo, l);
    memcpy(c->v[c->n].hi, hi, l);
    c->n++;
    return 0;
}

/* Addresses as 16 bytes: IPv4 as ::ffff:a.b.c.d, so one order covers both families. */
static void
addr16(const struct mamori_cidr *c, uint8_t out[16], uint8_t hi[16])
{
    uint8_t a[16] = {0};
    int bits;
    if (c->family == 4) {
        a[10] = a[11] = 0xff;
        memcpy(a + 12, c->addr, 4);
        bits = 96 + c->prefix;
    } else {
        memcpy(a, c->addr, 16);
        bits = c->prefix;
    }
    memcpy(out, a, 16);
    for (int i = 0; i < 16; i++) {
        int keep = bits - i * 8;
        uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
        out[i] = a[i] & mask;
        hi[i] = (uint8_t)(out[i] | (uint8_t)~mask);
    }
}

static int
add_cidr(struct vctx *x, struct cond *c, const struct mamori_cidr *cidr)
{
    uint8_t lo[16], hi[16];
    addr16(cidr, lo, hi);
    return add_ival(x, c, lo, hi);
}

static void
port2(uint16_t p, uint8_t out[2])
{
    out[0] = (uint8_t)(p >> 8);
    out[1] = (uint8_t)p;
}

/* ---- the compiled ruleset, from mamori's own model ---------------------------------------- */

static const struct mamori_fw_set *
find_set(const struct mamori_fw *fw, const char *name)
{
    for (size_t i = 0; i < fw->n_sets; i++)
        if (strcmp(fw->sets[i].name, name) == 0)
            return &fw->sets[i];
    return NULL;
}

/* The same decisions as put_end() in compile.c: false when the rule does not apply to the
 * family. */
static bool
end_cond(struct vctx *x, struct nrule *r, const struct mamori_fw *fw, const struct mamori_fw_end *e,
         int family, enum key k)
{
    if (e->any)
        return true;
    const struct mamori_cidr *cidrs = e->cidrs;
    size_t n = e->n_cidrs;
    if (e->set) {
        const struct mamori_fw_set *s = find_set(fw, e->set);
        if (!s)
            return false;
        cidrs = s->cidrs;
        n = s->n_cidrs;
    }
    struct cond *c = add_cond(x, r, k);
    if (!c)
        return false;
    c->family = (uint8_t)family;
    c->negated = e->negated;
    for (size_t i = 0; i < n; i++)
        if (cidrs[i].family == family && add_cidr(x, c, &cidrs[i]) < 0)
            return false;
    return c->n > 0;
}

static int
from_fw(struct vctx *x, const struct mamori_fw *fw, struct chain *ch)
{
    static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
    ch->policy = 0;
    for (size_t i = 0; i < fw->n_rules && !x->error; i++) {
        const struct mamori_fw_rule *fr = &fw->rules[i];
        for (int family = 4; family <= 6; family += 2) {
            for (int pi = -1; pi < 3; pi++) {
                if (pi == -1 && fr->n_ports)
                    continue;
                bool used = pi == -1;
                for (size_t k = 0; pi >= 0 && k < fr->n_ports; k++)
                    used = used || fr->ports[k].proto == protos[pi];
                if (!used)
                    continue;
                struct nrule *nr = grow(x, ch->r, ch->n, &ch->cap, sizeof(*nr));
                if (!nr)
                    return x->error;
                ch->r = nr;
                nr = &ch->r[ch->n];
                memset(nr, 0, sizeof(*nr));
                nr->verdict = fr->accept ? 1 : 0;
                nr->label = fr->id;
                if (!end_cond(x, nr, fw, &fr->src, family, K_SADDR) ||
                    !end_cond(x, nr, fw, &fr->dst, family, K_DADDR))
                    continue; /* not for this family */
                struct cond *c;
                if (fr->src.any && fr->dst.any) {
                    uint8_t f = (uint8_t)family;
                    if (!(c = add_cond(x, nr, K_NFPROTO)) || add_ival(x, c, &f, &f) < 0)
                        return x->error;
                }
                if (fr->n_macs) {
                    if (!(c = add_cond(x, nr, K_ETHER)))
                        return x->error;
                    for (size_t k = 0; k < fr->n_macs; k++) {
                        uint8_t m[6];
                        if (!mamori_mac_parse(fr->macs[k], m))
                            return MAMORI_E_INVALID;
                        if (add_ival(x, c, m, m) < 0)
                            return x->error;
                    }
                }
                if (pi >= 0 && protos[pi] == IPPROTO_ICMP) {
                    uint8_t p = family == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
                    if (!(c = add_cond(x, nr, K_L4PROTO)) || add_ival(x, c, &p, &p) < 0)
                        return x->error;
                } else if (pi >= 0) {
                    if (!(c = add_cond(x, nr, K_DPORT)))
                        return x->error;
                    c->proto = protos[pi];
                    for (size_t k = 0; k < fr->n_ports; k++) {
                        if (fr->ports[k].proto != protos[pi])
                            continue;
                        uint8_t lo[2], hi[2];
                        port2(fr->ports[k].lo, lo);
                        port2(fr->ports[k].hi, hi);
                        if (add_ival(x, c, lo, hi) < 0)
                            return x->error;
                    }
                }
                ch->n++;
            }
        }
    }
    return x->error;
}

/* ---- the live ruleset, from nftables JSON ------------------------------------------------- */

struct live {
    json_t *sets; /* object: set name -> elem array */
    bool have_table;
    const char *problem; /* the first thing the model cannot follow */
};

static bool
parse_addr(const char *s, uint8_t out[16], uint8_t *family)
{
    uint8_t a[16] = {0};
    if (inet_pton(AF_INET, s, a + 12) == 1) {
        a[10] = a[11] = 0xff;
        *family = 4;
    } else if (inet_pton(AF_INET6, s, a) == 1) {
        *family = 6;
    } else {
        return false;
    }
    memcpy(out, a, 16);
    return true;
}

static int
proto_number(json_t *v)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255)
        return (int)json_integer_value(v);
    static const struct {
        const char *name;
        int number;
    } names[] = {{"tcp", IPPROTO_TCP},          {"udp", IPPROTO_UDP},       {"icmp", IPPROTO_ICMP},
                 {"ipv6-icmp", IPPROTO_ICMPV6}, {"icmpv6", IPPROTO_ICMPV6}, {"sctp", IPPROTO_SCTP},
                 {"gre", IPPROTO_GRE},          {"esp", IPPROTO_ESP}};
    const char *s = json_string_value(v);
    for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].number;
    return -1;
}

static int add_value(struct vctx *x, struct live *L, struct cond *c, json_t *v, int depth);

/* Every element of an anonymous set or of a named set's elements. */
static int
add_each(struct vctx *x, struct live *L, struct cond *c, json_t *array, int depth)
{
    if (!json_is_array(array))
        return MAMORI_E_INVALID;
    size_t i;
    json_t *e;
    json_array_foreach(array, i, e)
    {
        int r = add_value(x, L, c, e, depth + 1);
        if (r < 0)
            return r;
    }
    return 0;
}

/* One element of a match's right-hand side into intervals of the condition's key. */
static int
add_value(struct vctx *x, struct live *L, struct cond *c, json_t *v, int depth)
{
    if (depth > 4)
        return MAMORI_E_LIMIT;
    json_t *o;
    if (json_is_object(v) && (o = json_object_get(v, "set")))
        return add_each(x, L, c, o, depth);
    if (json_is_string(v) && json_string_value(v)[0] == '@' && c->key != K_CTNEW)
        return add_each(x, L, c, json_object_get(L->sets, json_string_value(v) + 1), depth);
    uint8_t lo[16] = {0}, hi[16] = {0};
    switch (c->key) {
    case K_SADDR:
    case K_DADDR: {
        uint8_t f;
        if (json_is_string(v)) {
            if (!parse_addr(json_string_value(v), lo, &f))
                return MAMORI_E_INVALID;
            memcpy(hi, lo, 16);
        } else if (json_is_object(v) && (o = json_object_get(v, "prefix"))) {
            const char *s = json_string_value(json_object_get(o, "addr"));
            json_t *len = json_object_get(o, "len");
            struct mamori_cidr cidr = {0};
            uint8_t a16[16];
            if (!s || !json_is_integer(len) || !parse_addr(s, a16, &f))
                return MAMORI_E_INVALID;
            cidr.family = f;
            long long l = json_integer_value(len);
            if (l < 0 || l > (f == 4 ? 32 : 128))
                return MAMORI_E_INVALID;
            cidr.prefix = (uint8_t)l;
            memcpy(cidr.addr, f == 4 ? a16 + 12 : a16, f == 4 ? 4 : 16);
            addr16(&cidr, lo, hi);
        } else if (json_is_object(v) && (o = json_object_get(v, "range")) &&
                   json_array_size(o) == 2) {
            uint8_t f2;
            const char *a = json_string_value(json_array_get(o, 0));
            const char *b = json_string_value(json_array_get(o, 1));
            if (!a || !b || !parse_addr(a, lo, &f) || !parse_addr(b, hi, &f2) || f != f2)
                return MAMORI_E_INVALID;
        } else {
            return MAMORI_E_INVALID;
        }
        return add_ival(x, c, lo, hi);
    }
    case K_DPORT: {
        json_int_t a, b;
        if (json_is_integer(v)) {
            a = b = json_integer_value(v);
        } else if (json_is_object(v) && (o = json_object_get(v, "range")) &&
                   json_is_integer(json_array_get(o, 0)) && json_is_integer(json_array_get(o, 1))) {
            a = json_integer_value(json_array_get(o, 0));
            b = json_integer_value(json_array_get(o, 1));
        } else {
            return MAMORI_E_INVALID;
        }
        if (a < 0 || b > 65535 || a > b)
            return MAMORI_E_INVALID;
        port2((uint16_t)a, lo);
        port2((uint16_t)b, hi);
        return add_ival(x, c, lo, hi);
    }
    case K_L4PROTO: {
        int p = proto_number(v);
        if (p < 0)
            return MAMORI_E_INVALID;
        lo[0] = hi[0] = (uint8_t)p;
        return add_ival(x, c, lo, hi);
    }
    case K_NFPROTO: {
        const char *s = json_string_value(v);
        if (!s || (strcmp(s, "ipv4") != 0 && strcmp(s, "ipv6") != 0))
            return MAMORI_E_INVALID;
        lo[0] = hi[0] = s[3] == '4' ? 4 : 6;
        return add_ival(x, c, lo, hi);
    }
    case K_ETHER: {
        const char *s = json_string_value(v);
        if (!s || !mamori_mac_parse(s, lo))
            return MAMORI_E_INVALID;
        return add_ival(x, c, lo, lo);
    }
    case K_CTNEW: {
        const char *s = json_string_value(v);
        if (!s)
            return MAMORI_E_INVALID;
        if (strcmp(s, "new") == 0)
            c->ct_new = true;
        else if (strcmp(s, "established") != 0 && strcmp(s, "related") != 0 &&
                 strcmp(s, "invalid") != 0 && strcmp(s, "untracked") != 0)
            return MAMORI_E_INVALID;
        return 0;
    }
    }
    return MAMORI_E_INVALID;
}

/* A match's left-hand side: which key, for which family or protocol. false if unknown. */
static bool
match_key(json_t *left, struct cond *c)
{
    json_t *o;
    if ((o = json_object_get(left, "payload"))) {
        const char *proto = json_string_value(json_object_get(o, "protocol"));
        const char *field = json_string_value(json_object_get(o, "field"));
        if (!proto || !field)
            return false;
        if ((strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0) &&
            (strcmp(field, "saddr") == 0 || strcmp(field, "daddr") == 0)) {
            c->key = field[0] == 's' ? K_SADDR : K_DADDR;
            c->family = proto[2] == '6' ? 6 : 4;
            return true;
        }
        if ((strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0) &&
            strcmp(field, "dport") == 0) {
            c->key = K_DPORT;
            c->proto = proto[0] == 't' ? IPPROTO_TCP : IPPROTO_UDP;
            return true;
        }
        if (strcmp(proto, "ether") == 0 && strcmp(field, "saddr") == 0) {
            c->key = K_ETHER;
            return true;
        }
        return false;
    }
    if ((o = json_object_get(left, "meta"))) {
        const char *k = json_string_value(json_object_get(o, "key"));
        if (k && strcmp(k, "l4proto") == 0)
            c->key = K_L4PROTO;
        else if (k && strcmp(k, "nfproto") == 0)
            c->key = K_NFPROTO;
        else
            return false;
        return true;
    }
    if ((o = json_object_get(left, "ct"))) {
        const char *k = json_string_value(json_object_get(o, "key"));
        if (!k || strcmp(k, "state") != 0 || json_object_get(o, "dir"))
            return false;
        c->key = K_CTNEW;
        return true;
    }
    return false;
}

/* One live rule into the model; a description of what it cannot follow, or NULL. */
static const char *
from_rule(struct vctx *x, struct live *L, json_t *rule, struct nrule *nr)
{
    json_t *expr = json_object_get(rule, "expr");
    json_t *comment = json_object_get(rule, "comment");
    json_int_t handle = json_integer_value(json_object_get(rule, "handle"));
    nr->verdict = -1;
    nr->label = json_is_string(comment)
                    ? mamori_arena_strdup(x->a, json_string_value(comment))
                    : mamori_arena_printf(x->a, "handle %lld", (long long)handle);
    if (!nr->label || !json_is_array(expr))
        return "a rule without expressions";
    size_t i;
    json_t *e;
    json_array_foreach(expr, i, e)
    {
        if (!json_is_object(e) || json_object_size(e) != 1)
            return "an expression that is not one object";
        void *it = json_object_iter(e);
        const char *kind = json_object_iter_key(it);
        json_t *body = json_object_iter_value(it);
        if (nr->verdict >= 0)
            return "an expression after the verdict";
        if (strcmp(kind, "counter") == 0 || strcmp(kind, "log") == 0 ||
            strcmp(kind, "limit") == 0 || strcmp(kind, "comment") == 0)
            continue; /* no effect on what passes (limit only lets fewer through) */
        if (strcmp(kind, "accept") == 0) {
            nr->verdict = 1;
            continue;
        }
        if (strcmp(kind, "drop") == 0 || strcmp(kind, "reject") == 0) {
            nr->verdict = 0;
            continue;
        }
        if (strcmp(kind, "match") != 0)
            return kind;
        const char *op = json_string_value(json_object_get(body, "op"));
        struct cond *c = add_cond(x, nr, K_SADDR);
        if (!c)
            return "memory";
        if (!op || !match_key(json_object_get(body, "left"), c))
            return "a match on a field mamori does not model";
        if (strcmp(op, "!=") == 0)
            c->negated = true;
        else if (strcmp(op, "==") != 0 && strcmp(op, "in") != 0)
            return "a comparison other than ==, != or in";
        json_t *right = json_object_get(body, "right");
        int r;
        if (c->key == K_CTNEW && json_is_array(right)) {
            size_t k;
            json_t *s;
            json_array_foreach(right, k, s)
            {
                if (add_value(x, L, c, s, 0) < 0)
                    return "an unknown connection state";
            }
        } else if ((r = add_value(x, L, c, right, 0)) < 0) {
            return r == -ENOMEM ? "memory" : "a value mamori cannot read";
        }
    }
    return NULL;
}

/* ---- evaluation --------------------------------------------------------------------------- */

static bool
in_ivals(const struct cond *c, const uint8_t *k)
{
    size_t l = key_len[c->key];
    for (size_t i = 0; i < c->n; i++)
        if (memcmp(c->v[i].lo, k, l) <= 0 && memcmp(k, c->v[i].hi, l) <= 0)
            return true;
    return false;
}

static bool
cond_matches(const struct cond *c, const struct point *p)
{
    if (c->family && c->family != p->family)
        return false;
    if (c->proto && c->proto != p->l4)
        return false;
    bool in;
    uint8_t b[2];
    switch (c->key) {
    case K_SADDR:
        in = in_ivals(c, p->src);
        break;
    case K_DADDR:
        in = in_ivals(c, p->dst);
        break;
    case K_DPORT:
        port2(p->dport, b);
        in = in_ivals(c, b);
        break;
    case K_L4PROTO:
        in = in_ivals(c, &p->l4);
        break;
    case K_ETHER:
        in = in_ivals(c, p->mac);
        break;
    case K_NFPROTO:
        in = in_ivals(c, &p->family);
        break;
    default:
        in = c->ct_new; /* every point is the first packet of a connection */
    }
    return c->negated ? !in : in;
}

/* Which rules of a chain can match a pair of address pieces: the address matches are
 * evaluated once per piece (not once per point), and each point then walks only the rules
 * left for its pair, skipping their address matches. */
struct fast {
    const struct chain *ch;
    uint8_t *src_ok, *dst_ok; /* [rule * n_addrs + piece] */
    size_t n_addrs;
    uint32_t *cand; /* the candidate rules of the current pair, in order */
    size_t n_cand;
};

static int
fast_init(struct vctx *x, struct fast *f, const struct chain *ch, uint8_t (*addrs)[16],
          size_t n_addrs, uint8_t (*family)(const uint8_t *))
{
    f->ch = ch;
    f->n_addrs = n_addrs;
    f->src_ok = mamori_arena_calloc(x->a, ch->n * n_addrs + 1, 1);
    f->dst_ok = mamori_arena_calloc(x->a, ch->n * n_addrs + 1, 1);
    f->cand = mamori_arena_calloc(x->a, ch->n + 1, sizeof(*f->cand));
    if (!f->src_ok || !f->dst_ok || !f->cand)
        return -ENOMEM;
    for (size_t r = 0; r < ch->n; r++)
        for (size_t i = 0; i < n_addrs; i++) {
            struct point pt = {.family = family(addrs[i])};
            memcpy(pt.src, addrs[i], 16);
            memcpy(pt.dst, addrs[i], 16);
            bool s = true, d = true;
            for (size_t k = 0; k < ch->r[r].n; k++) {
                const struct cond *c = &ch->r[r].c[k];
                if (c->key == K_SADDR)
                    s = s && cond_matches(c, &pt);
                else if (c->key == K_DADDR)
                    d = d && cond_matches(c, &pt);
            }
            f->src_ok[r * n_addrs + i] = s;
            f->dst_ok[r * n_addrs + i] = d;
        }
    return 0;
}

static void
fast_pair(struct fast *f, size_t si, size_t di)
{
    f->n_cand = 0;
    for (size_t r = 0; r < f->ch->n; r++)
        if (f->src_ok[r * f->n_addrs + si] && f->dst_ok[r * f->n_addrs + di])
            f->cand[f->n_cand++] = (uint32_t)r;
}

/* 1 accept, 0 drop; *ret_rule the deciding rule's label (NULL for the chain policy). */
static int
fast_evaluate(const struct fast *f, const struct point *p, const char **ret_rule)
{
    for (size_t i = 0; i < f->n_cand; i++) {
        const struct nrule *r = &f->ch->r[f->cand[i]];
        bool all = true;
        for (size_t k = 0; k < r->n && all; k++)
            if (r->c[k].key != K_SADDR && r->c[k].key != K_DADDR)
                all = cond_matches(&r->c[k], p);
        if (all && r->verdict >= 0) {
            *ret_rule = r->label;
            return r->verdict;
        }
    }
    *ret_rule = NULL;
    return f->ch->policy;
}

/* ---- cutting each dimension into pieces ----------------------------------------------------- */

struct cuts {
    uint8_t (*v)[16];
    size_t n, cap;
};

static int
add_cut(struct vctx *x, struct cuts *c, const uint8_t *k, size_t len)
{
    uint8_t(*v)[16] = grow(x, c->v, c->n, &c->cap, sizeof(*c->v));
    if (!v)
        return -ENOMEM;
    c->v = v;
    memset(c->v[c->n], 0, 16);
    memcpy(c->v[c->n], k, len);
    c->n++;
    return 0;
}

/* The first value after hi (the start of the next piece); false when hi is the maximum. */
static bool
after(const uint8_t *hi, uint8_t *out, size_t len)
{
    memcpy(out, hi, len);
    for (size_t i = len; i-- > 0;)
        if (++out[i] != 0)
            return true;
    return false;
}

/* Cuts are zero-padded to 16 bytes, so all 16 compare in the key's order. */
static int
cmp_cut(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

static void
sort_unique(struct cuts *c, size_t len)
{
    if (!c->n)
        return;
    qsort(c->v, c->n, sizeof(*c->v), cmp_cut);
    size_t w = 1;
    for (size_t i = 1; i < c->n; i++)
        if (memcmp(c->v[i], c->v[w - 1], len) != 0)
            memcpy(c->v[w++], c->v[i], 16);
    c->n = w;
}

static int
collect(struct vctx *x, const struct chain *ch, enum key k, struct cuts *out)
{
    size_t len = key_len[k];
    for (size_t i = 0; i < ch->n; i++)
        for (size_t j = 0; j < ch->r[i].n; j++) {
            const struct cond *c = &ch->r[i].c[j];
            if (c->key != k && !(k == K_SADDR && c->key == K_DADDR))
                continue;
            for (size_t v = 0; v < c->n; v++) {
                uint8_t next[16];
                if (add_cut(x, out, c->v[v].lo, len) < 0)
                    return -ENOMEM;
                if (after(c->v[v].hi, next, len) && add_cut(x, out, next, len) < 0)
                    return -ENOMEM;
            }
        }
    return 0;
}

/* ---- the report ------------------------------------------------------------------------------ */

static const char *
zone_of(const struct mamori_policy *p, const uint8_t a[16], uint8_t family)
{
    char s[INET6_ADDRSTRLEN];
    inet_ntop(family == 4 ? AF_INET : AF_INET6, family == 4 ? a + 12 : a, s, sizeof(s));
    struct mamori_endpoint e;
    if (mamori_endpoint_resolve(p, s, &e) == 0 && e.zone >= 0) {
        if (e.outside)
            return "internet";
        return p->zones[e.zone].id;
    }
    return "internet";
}

static int
add_diff(struct vctx *x, struct mamori_fw_verify *v, size_t *cap, const struct mamori_fw_diff *d)
{
    for (size_t i = 0; i < v->n_diffs; i++) {
        struct mamori_fw_diff *o = &v->diffs[i];
        if (o->excess == d->excess && strcmp(o->from, d->from) == 0 && strcmp(o->to, d->to) == 0 &&
            o->proto == d->proto && o->lo == d->lo && o->hi == d->hi &&
            o->mac_bound == d->mac_bound) {
            o->count++;
            return 0;
        }
    }
    struct mamori_fw_diff *n = grow(x, v->diffs, v->n_diffs, cap, sizeof(*n));
    if (!n)
        return -ENOMEM;
    v->diffs = n;
    v->diffs[v->n_diffs] = *d;
    /* The report outlives the policy and the compiled rules: own the names. */
    struct mamori_fw_diff *o = &v->diffs[v->n_diffs];
    o->from = mamori_arena_strdup(x->a, d->from);
    o->to = mamori_arena_strdup(x->a, d->to);
    o->policy_rule = mamori_arena_strdup(x->a, d->policy_rule);
    o->live_rule = mamori_arena_strdup(x->a, d->live_rule);
    if (!o->from || !o->to || !o->policy_rule || !o->live_rule)
        return -ENOMEM;
    v->diffs[v->n_diffs].count = 1;
    v->n_diffs++;
    return 0;
}

static void
fmt_addr(const uint8_t a[16], uint8_t family, char out[INET6_ADDRSTRLEN])
{
    inet_ntop(family == 4 ? AF_INET : AF_INET6, family == 4 ? a + 12 : a, out, INET6_ADDRSTRLEN);
}

static uint8_t
family_of(const uint8_t a[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, mapped, 12) == 0 ? 4 : 6;
}

/* Walks every piece and records where the two chains disagree. Ports of one protocol are
 * walked in order so that a run of disagreeing ports becomes one range. */
static int
compare(struct vctx *x, const struct mamori_policy *p, const struct chain *want,
        const struct chain *live, struct mamori_fw_verify *v)
{
    struct cuts addrs = {0}, ports = {0}, macs = {0}, l4s = {0};
    static const uint8_t fixed_addrs[][16] = {
        {0},                                                    /* :: (IPv6) */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0}, /* 0.0.0.0 */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0},       /* after 255.255.255.255 */
    };
    for (size_t i = 0; i < sizeof(fixed_addrs) / sizeof(fixed_addrs[0]); i++)
        if (add_cut(x, &addrs, fixed_addrs[i], 16) < 0)
            return -ENOMEM;
    uint8_t zero[16] = {0};
    if (add_cut(x, &ports, zero, 2) < 0 || add_cut(x, &macs, zero, 6) < 0)
        return -ENOMEM;
    static const uint8_t l4[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
                                 IPPROTO_SCTP};
    for (size_t i = 0; i < sizeof(l4); i++)
        if (add_cut(x, &l4s, &l4[i], 1) < 0)
            return -ENOMEM;
    const struct chain *both[] = {want, live};
    for (int b = 0; b < 2; b++)
        if (collect(x, both[b], K_SADDR, &addrs) < 0 || collect(x, both[b], K_DPORT, &ports) < 0 ||
            collect(x, both[b], K_ETHER, &macs) < 0 || collect(x, both[b], K_L4PROTO, &l4s) < 0)
            return -ENOMEM;
    sort_unique(&addrs, 16);
    sort_unique(&ports, 2);
    sort_unique(&macs, 6);
    sort_unique(&l4s, 1);

    /* The work is pieces^2 x (rules + MACs x (protocols + ports) x candidate rules); past
     * the budget (several seconds) the comparison is refused rather than left to run for
     * hours. The example city takes about 10^6 steps. */
    uint64_t work = (uint64_t)addrs.n * addrs.n *
                    (want->n + live->n + (uint64_t)macs.n * (l4s.n + 2 * ports.n) * 4);
    if (addrs.n > 4096 || work > MAMORI_FW_VERIFY_BUDGET)
        return MAMORI_E_LIMIT;
    size_t cap = 0;
    const char *zones[4096];
    size_t nz = addrs.n;
    for (size_t i = 0; i < nz; i++)
        zones[i] = zone_of(p, addrs.v[i], family_of(addrs.v[i]));

    struct fast fw_want, fw_live;
    if (fast_init(x, &fw_want, want, addrs.v, addrs.n, family_of) < 0 ||
        fast_init(x, &fw_live, live, addrs.v, addrs.n, family_of) < 0)
        return -ENOMEM;
    struct point pt;
    for (size_t si = 0; si < addrs.n; si++) {
        for (size_t di = 0; di < addrs.n; di++) {
            pt.family = family_of(addrs.v[si]);
            if (family_of(addrs.v[di]) != pt.family)
                continue;
            fast_pair(&fw_want, si, di);
            fast_pair(&fw_live, si, di);
            memcpy(pt.src, addrs.v[si], 16);
            memcpy(pt.dst, addrs.v[di], 16);
            for (size_t mi = 0; mi < macs.n; mi++) {
                memcpy(pt.mac, macs.v[mi], 6);
                /* a piece of one MAC address: one a rule names (the rest are "any other") */
                uint8_t next_mac[6];
                bool mac_single = mi + 1 < macs.n && after(macs.v[mi], next_mac, 6) &&
                                  memcmp(next_mac, macs.v[mi + 1], 6) == 0;
                for (size_t li = 0; li < l4s.n; li++) {
                    pt.l4 = l4s.v[li][0];
                    bool ported = pt.l4 == IPPROTO_TCP || pt.l4 == IPPROTO_UDP;
                    size_t np = ported ? ports.n : 1;
                    struct mamori_fw_diff run = {0};
                    bool open = false;
                    for (size_t k = 0; k <= np; k++) {
                        int w = 0, l = 0;
                        const char *wr = NULL, *lr = NULL;
                        if (k < np) {
                            pt.dport = ported ? (uint16_t)(ports.v[k][0] << 8 | ports.v[k][1]) : 0;
                            w = fast_evaluate(&fw_want, &pt, &wr);
                            l = fast_evaluate(&fw_live, &pt, &lr);
                        }
                        wr = wr ? wr : "default";
                        lr = lr ? lr : "policy";
                        /* a run of disagreeing pieces with the same rules is one range */
                        if (open && k < np && w != l && run.excess == (l > w) &&
                            strcmp(run.policy_rule, wr) == 0 && strcmp(run.live_rule, lr) == 0) {
                            run.hi =
                                k + 1 < ports.n
                                    ? (uint16_t)((ports.v[k + 1][0] << 8 | ports.v[k + 1][1]) - 1)
                                    : 65535;
                            continue;
                        }
                        if (open) {
                            if (add_diff(x, v, &cap, &run) < 0)
                                return -ENOMEM;
                            open = false;
                        }
                        if (k == np || w == l)
                            continue;
                        memset(&run, 0, sizeof(run));
                        run.excess = l > w;
                        run.from = zones[si];
                        run.to = zones[di];
                        run.proto = pt.l4;
                        run.lo = run.hi = pt.dport;
                        if (ported)
                            run.hi =
                                k + 1 < ports.n
                                    ? (uint16_t)((ports.v[k + 1][0] << 8 | ports.v[k + 1][1]) - 1)
                                    : 65535;
                        run.mac_bound = mac_single;
                        fmt_addr(pt.src, pt.family, run.example_src);
                        fmt_addr(pt.dst, pt.family, run.example_dst);
                        run.live_rule = lr;
                        run.policy_rule = wr;
                        open = true;
                        if (run.excess)
                            v->n_excess++;
                        else
                            v->n_missing++;
                    }
                }
            }
        }
    }
    return x->error;
}

/* ---- entry point ------------------------------------------------------------------------------
 */

static int
load_live(struct vctx *x, json_t *root, struct chain *ch, struct mamori_fw_verify *v)
{
    json_t *list = json_object_get(root, "nftables");
    if (!json_is_array(list))
        return MAMORI_E_SYNTAX;
    struct live L = {.sets = json_object()};
    if (!L.sets)
        return -ENOMEM;
    size_t i;
    json_t *o, *b;
    int base_chains = 0;
    json_array_foreach(list, i, o)
    {
        if ((b = json_object_get(o, "table"))) {
            const char *f = json_string_value(json_object_get(b, "family"));
            const char *n = json_string_value(json_object_get(b, "name"));
            if (f && n && strcmp(f, "inet") == 0 && strcmp(n, "mamori") == 0)
                L.have_table = true;
        } else if ((b = json_object_get(o, "set"))) {
            const char *n = json_string_value(json_object_get(b, "name"));
            json_t *elem = json_object_get(b, "elem");
            if (n)
                json_object_set_new(L.sets, n, elem ? json_incref(elem) : json_array());
        }
    }
    ch->policy = 1; /* no chain on the forward hook: the kernel forwards everything */
    json_array_foreach(list, i, o)
    {
        if ((b = json_object_get(o, "chain"))) {
            const char *hook = json_string_value(json_object_get(b, "hook"));
            const char *name = json_string_value(json_object_get(b, "name"));
            if (!hook || strcmp(hook, "forward") != 0)
                continue;
            if (++base_chains > 1) {
                v->problem = "more than one forward chain in table inet mamori";
                continue;
            }
            const char *pol = json_string_value(json_object_get(b, "policy"));
            ch->policy = pol && strcmp(pol, "drop") == 0 ? 0 : 1;
            v->chain = name ? mamori_arena_strdup(x->a, name) : "forward";
        }
    }
    json_array_foreach(list, i, o)
    {
        if (!(b = json_object_get(o, "rule")))
            continue;
        const char *c = json_string_value(json_object_get(b, "chain"));
        if (!c || !v->chain || strcmp(c, v->chain) != 0)
            continue;
        struct nrule *nr = grow(x, ch->r, ch->n, &ch->cap, sizeof(*nr));
        if (!nr)
            break;
        ch->r = nr;
        nr = &ch->r[ch->n];
        memset(nr, 0, sizeof(*nr));
        const char *why = from_rule(x, &L, b, nr);
        if (why && !v->problem)
            v->problem = mamori_arena_printf(x->a, "rule %s: %s", nr->label ? nr->label : "?", why);
        ch->n++;
    }
    json_decref(L.sets);
    v->table_present = L.have_table;
    return x->error;
}

int
mamori_fw_verify(const struct mamori_policy *p, const struct mamori_fw *fw, const char *json,
                 size_t len, struct mamori_fw_verify **ret)
{
    struct mamori_arena *a = mamori_arena_new(0);
    if (!a)
        return -ENOMEM;
    struct mamori_fw_verify *v = mamori_arena_calloc(a, 1, sizeof(*v));
    if (!v) {
        mamori_arena_free(a);
        return -ENOMEM;
    }
    v->arena = a;
    struct vctx x = {.a = a};
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        mamori_arena_free(a);
        return MAMORI_E_SYNTAX;
    }
    struct chain want = {0}, live = {0};
    int r = from_fw(&x, fw, &want);
    if (r == 0)
        r = load_live(&x, root, &live, v);
    json_decref(root);
    if (r == 0 && !v->problem)
        r = compare(&x, p, &want, &live, v);
    if (r < 0) {
        mamori_arena_free(a);
        return r;
    }
    /* A difference that holds from every source MAC is reported once, without the MAC. */
    size_t w = 0;
    for (size_t i = 0; i < v->n_diffs; i++) {
        const struct mamori_fw_diff *d = &v->diffs[i];
        bool twin = false;
        for (size_t k = 0; d->mac_bound && k < v->n_diffs && !twin; k++) {
            const struct mamori_fw_diff *o = &v->diffs[k];
            twin = !o->mac_bound && o->excess == d->excess && strcmp(o->from, d->from) == 0 &&
                   strcmp(o->to, d->to) == 0 && o->proto == d->proto && o->lo == d->lo &&
                   o->hi == d->hi;
        }
        if (!twin)
            v->diffs[w++] = *d;
    }
    v->n_diffs = w;
    v->ok = v->table_present && !v->problem && v->n_excess == 0;
    *ret = v;
    return 0;
}

struct mamori_fw_verify *
mamori_fw_verify_free(struct mamori_fw_verify *v)
{
    if (v)
        mamori_arena_free(v->arena);
    return NULL;
}
