/*
 * The firewall's deny log, pure: one nflog packet (prefix and IP header) parsed, attempts
 * counted per (rule, source, destination, protocol, port), alerts when one source keeps trying
 * one destination. The daemon does the reading and the writing (src/gateway/monitor.c).
 *
 * SECURITY: the packet is from the network. Only the fixed IP header fields and the first
 * four bytes after it are read, each against the length; nothing else of the payload.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/netfw.h"

#define PREFIX     "mamori:deny:"
#define PREFIX_LEN (sizeof(PREFIX) - 1)

int
mamori_deny_parse(const char *prefix, const uint8_t *pkt, size_t len, struct mamori_deny *ret)
{
    struct mamori_deny d = {0};
    if (!prefix || strncmp(prefix, PREFIX, PREFIX_LEN) != 0)
        return MAMORI_E_SYNTAX;
    const char *id = prefix + PREFIX_LEN;
    size_t n = 0;
    while (id[n] && id[n] != ' ') {
        char ch = id[n];
        if (n == 64 || !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                         (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
            return MAMORI_E_SYNTAX;
        n++;
    }
    if (n == 0)
        return MAMORI_E_SYNTAX;
    memcpy(d.rule, id, n);
    if (len < 1)
        return MAMORI_E_SYNTAX;
    size_t hl;
    bool first_fragment = true;
    if (pkt[0] >> 4 == 4) {
        hl = (size_t)(pkt[0] & 15) * 4;
        if (hl < 20 || len < hl)
            return MAMORI_E_SYNTAX;
        d.proto = pkt[9];
        first_fragment = ((pkt[6] & 0x1f) | pkt[7]) == 0;
        inet_ntop(AF_INET, pkt + 12, d.src, sizeof(d.src));
        inet_ntop(AF_INET, pkt + 16, d.dst, sizeof(d.dst));
    } else if (pkt[0] >> 4 == 6) {
        hl = 40;
        if (len < hl)
            return MAMORI_E_SYNTAX;
        d.proto = pkt[6]; /* extension headers are not followed: no port then */
        inet_ntop(AF_INET6, pkt + 8, d.src, sizeof(d.src));
        inet_ntop(AF_INET6, pkt + 24, d.dst, sizeof(d.dst));
    } else {
        return MAMORI_E_SYNTAX;
    }
    if ((d.proto == IPPROTO_TCP || d.proto == IPPROTO_UDP || d.proto == IPPROTO_SCTP) &&
        first_fragment && len >= hl + 4)
        d.dport = (uint16_t)(pkt[hl + 2] << 8 | pkt[hl + 3]);
    *ret = d;
    return 0;
}

const char *
mamori_deny_proto_name(uint8_t proto, char buf[8])
{
    switch (proto) {
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    case IPPROTO_ICMP:
        return "icmp";
    case IPPROTO_ICMPV6:
        return "ipv6-icmp";
    default:
        snprintf(buf, 8, "%u", proto);
        return buf;
    }
}

/* ---- the tally ---------------------------------------------------------------------------- */

struct slot {
    bool used;
    struct mamori_deny_entry e;
};

struct pair {
    bool used;
    char src[46], dst[46];
    int64_t window_start_us;
    uint64_t in_window;
    bool alerted;
};

struct mamori_deny_tally {
    struct slot *slots; /* open addressing, MAMORI_DENY_TALLY_MAX * 2 */
    size_t n;
    struct pair *pairs;
    size_t n_pairs;
    uint64_t alert_after;
    int64_t window_us;
    uint64_t dropped;
};

#define CAP ((size_t)MAMORI_DENY_TALLY_MAX * 2)

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ u[i]) * 1099511628211ULL;
    return h;
}

static uint64_t
key_hash(const struct mamori_deny *d)
{
    uint64_t h = 1469598103934665603ULL;
    h = fnv(h, d->rule, strlen(d->rule) + 1);
    h = fnv(h, d->src, strlen(d->src) + 1);
    h = fnv(h, d->dst, strlen(d->dst) + 1);
    h = fnv(h, &d->proto, 1);
    return fnv(h, &d->dport, 2);
}

static bool
same(const struct mamori_deny *a, const struct mamori_deny *b)
{
    return a->proto == b->proto && a->dport == b->dport && strcmp(a->rule, b->rule) == 0 &&
           strcmp(a->src, b->src) == 0 && strcmp(a->dst, b->dst) == 0;
}

int
mamori_deny_tally_new(uint64_t alert_after, int64_t window_us, struct mamori_deny_tally **ret)
{
    struct mamori_deny_tally *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->slots = calloc(CAP, sizeof(*t->slots));
    t->pairs = calloc(CAP, sizeof(*t->pairs));
    if (!t->slots || !t->pairs) {
        mamori_deny_tally_free(t);
        return -ENOMEM;
    }
    t->alert_after = alert_after ? alert_after : 10;
    t->window_us = window_us > 0 ? window_us : 60000000;
    *ret = t;
    return 0;
}

struct mamori_deny_tally *
mamori_deny_tally_free(struct mamori_deny_tally *t)
{
    if (t) {
        free(t->slots);
        free(t->pairs);
        free(t);
    }
    return NULL;
}

/* The alert window of (src, dst): 1 when this attempt raises the alert. */
static int
count_pair(struct mamori_deny_tally *t, const struct mamori_deny *d, int64_t now_us)
{
    uint64_t h = 1469598103934665603ULL;
    h = fnv(fnv(h, d->src, strlen(d->src) + 1), d->dst, strlen(d->dst) + 1);
    struct pair *p = NULL;
    for (size_t i = 0; i < CAP; i++) {
        struct pair *q = &t->pairs[(h + i) % CAP];
        if (!q->used || (strcmp(q->src, d->src) == 0 && strcmp(q->dst, d->dst) == 0)) {
            p = q;
            break;
        }
    }
    if (!p)
        return 0; /* every pair in use: counted, not alerted */
    if (!p->used || now_us - p->window_start_us > t->window_us) {
        bool was_alerted = p->used && p->alerted && now_us - p->window_start_us <= 2 * t->window_us;
        if (!p->used) {
            if (t->n_pairs >= MAMORI_DENY_TALLY_MAX)
                return 0;
            t->n_pairs++;
        }
        p->used = true;
        memcpy(p->src, d->src, sizeof(p->src));
        memcpy(p->dst, d->dst, sizeof(p->dst));
        p->window_start_us = now_us;
        p->in_window = 0;
        /* Still attacking right after an alert: do not alert again until a quiet window. */
        p->alerted = was_alerted;
    }
    p->in_window++;
    if (!p->alerted && p->in_window >= t->alert_after) {
        p->alerted = true;
        return 1;
    }
    return 0;
}

int
mamori_deny_tally_add(struct mamori_deny_tally *t, const struct mamori_deny *d, int64_t now_us)
{
    uint64_t h = key_hash(d);
    struct slot *s = NULL;
    for (size_t i = 0; i < CAP; i++) {
        struct slot *q = &t->slots[(h + i) % CAP];
        if (!q->used || same(&q->e.d, d)) {
            s = q;
            break;
        }
    }
    int alert = count_pair(t, d, now_us);
    if (!s || (!s->used && t->n >= MAMORI_DENY_TALLY_MAX)) {
        t->dropped++;
        return alert ? alert : MAMORI_E_LIMIT;
    }
    if (!s->used) {
        s->used = true;
        s->e.d = *d;
        s->e.first_us = now_us;
        t->n++;
    }
    s->e.count++;
    s->e.last_us = now_us;
    return alert;
}

int
mamori_deny_tally_flush(struct mamori_deny_tally *t,
                        int (*cb)(void *ctx, const struct mamori_deny_entry *e), void *ctx)
{
    for (size_t i = 0; i < CAP; i++)
        if (t->slots[i].used) {
            int r = cb(ctx, &t->slots[i].e);
            if (r < 0)
                return r;
        }
    memset(t->slots, 0, CAP * sizeof(*t->slots));
    t->n = 0;
    return 0;
}

uint64_t
mamori_deny_tally_dropped(const struct mamori_deny_tally *t)
{
    return t->dropped;
}
