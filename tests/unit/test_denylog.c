/*
 * The firewall's deny log: packets parsed from their IP header only, attempts counted, one
 * alert per source and destination that keeps trying. (tests/integration/netns.sh feeds
 * mamorid real denied packets through nflog.)
 */
#include <netinet/in.h>

#include "helpers.h"

#include "mamori/netfw.h"

static const uint8_t tcp4[] = {
    0x45, 0,   0,  40, 0,  1, 0x40, 0,    64,   IPPROTO_TCP, 0,  0, 203,
    0,    113, 10, 10, 20, 0, 25,   0x9c, 0x40, 0,           22, /* source port 40000, destination
                                                                    22 */
};

static void
test_parse(void **state)
{
    struct mamori_deny d;
    assert_int_equal(mamori_deny_parse("mamori:deny:default ", tcp4, sizeof(tcp4), &d), 0);
    assert_string_equal(d.rule, "default");
    assert_string_equal(d.src, "203.0.113.10");
    assert_string_equal(d.dst, "10.20.0.25");
    assert_int_equal(d.proto, IPPROTO_TCP);
    assert_int_equal(d.dport, 22);

    /* A later fragment has no port; a header cut before the ports has none either. */
    uint8_t frag[sizeof(tcp4)];
    memcpy(frag, tcp4, sizeof(frag));
    frag[7] = 5;
    assert_int_equal(mamori_deny_parse("mamori:deny:x ", frag, sizeof(frag), &d), 0);
    assert_int_equal(d.dport, 0);
    assert_int_equal(mamori_deny_parse("mamori:deny:x ", tcp4, 21, &d), 0);
    assert_int_equal(d.dport, 0);

    /* IPv6, UDP to 161. */
    uint8_t v6[48] = {0x60, 0, 0, 0, 0, 8, IPPROTO_UDP, 64};
    v6[8] = 0xfd, v6[23] = 1, v6[24] = 0xfd, v6[39] = 2;
    v6[42] = 0, v6[43] = 161;
    assert_int_equal(mamori_deny_parse("mamori:deny:no-internet-to-mynumber ", v6, sizeof(v6), &d),
                     0);
    assert_string_equal(d.src, "fd00::1");
    assert_string_equal(d.dst, "fd00::2");
    assert_int_equal(d.dport, 161);
    char pb[8];
    assert_string_equal(mamori_deny_proto_name(d.proto, pb), "udp");
    assert_string_equal(mamori_deny_proto_name(47, pb), "47");

    /* Not mamori's prefix, a bad rule id, a short or odd header: refused. */
    assert_int_equal(mamori_deny_parse("other:deny:x ", tcp4, sizeof(tcp4), &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_deny_parse(NULL, tcp4, sizeof(tcp4), &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_deny_parse("mamori:deny: ", tcp4, sizeof(tcp4), &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_deny_parse("mamori:deny:a\"b ", tcp4, sizeof(tcp4), &d),
                     MAMORI_E_SYNTAX);
    assert_int_equal(mamori_deny_parse("mamori:deny:x ", tcp4, 19, &d), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_deny_parse("mamori:deny:x ", v6, 39, &d), MAMORI_E_SYNTAX);
    uint8_t bad_ihl[sizeof(tcp4)];
    memcpy(bad_ihl, tcp4, sizeof(bad_ihl));
    bad_ihl[0] = 0x4f; /* 60-byte header in a 24-byte packet */
    assert_int_equal(mamori_deny_parse("mamori:deny:x ", bad_ihl, sizeof(bad_ihl), &d),
                     MAMORI_E_SYNTAX);
    bad_ihl[0] = 0x41;
    assert_int_equal(mamori_deny_parse("mamori:deny:x ", bad_ihl, sizeof(bad_ihl), &d),
                     MAMORI_E_SYNTAX);
    assert_int_equal(mamori_deny_parse("mamori:deny:x ", tcp4, 0, &d), MAMORI_E_SYNTAX);
}

struct seen {
    uint64_t total;
    size_t entries;
};

static int
sum_cb(void *ctx, const struct mamori_deny_entry *e)
{
    struct seen *s = ctx;
    s->total += e->count;
    s->entries++;
    assert_true(e->first_us <= e->last_us);
    return 0;
}

static void
test_tally(void **state)
{
    struct mamori_deny_tally *t;
    assert_int_equal(mamori_deny_tally_new(5, 60000000, &t), 0);
    struct mamori_deny a = {.rule = "default",
                            .src = "203.0.113.10",
                            .dst = "10.20.0.25",
                            .proto = IPPROTO_TCP,
                            .dport = 22};
    struct mamori_deny b = a;
    b.dport = 23;
    int alerts = 0;
    int64_t now = 1000000;
    /* Five attempts from one source to one destination (any port) raise one alert. */
    for (int i = 0; i < 3; i++)
        alerts += mamori_deny_tally_add(t, &a, now + i);
    for (int i = 0; i < 4; i++)
        alerts += mamori_deny_tally_add(t, &b, now + 10 + i);
    assert_int_equal(alerts, 1);
    struct seen s = {0};
    assert_int_equal(mamori_deny_tally_flush(t, sum_cb, &s), 0);
    assert_int_equal(s.total, 7);
    assert_int_equal(s.entries, 2);
    s = (struct seen){0};
    assert_int_equal(mamori_deny_tally_flush(t, sum_cb, &s), 0);
    assert_int_equal(s.total, 0); /* flushed counts are forgotten */
    /* Still trying in the next window: no second alert. After a quiet spell: alert again. */
    now += 61000000;
    for (int i = 0; i < 10; i++)
        alerts += mamori_deny_tally_add(t, &a, now + i);
    assert_int_equal(alerts, 1);
    now += 300000000;
    for (int i = 0; i < 5; i++)
        alerts += mamori_deny_tally_add(t, &a, now + i);
    assert_int_equal(alerts, 2);
    /* Full: more distinct attempts than it keeps are counted as dropped, not lost silently. */
    struct mamori_deny many = a;
    int full = 0;
    for (int i = 0; i < MAMORI_DENY_TALLY_MAX + 10; i++) {
        snprintf(many.src, sizeof(many.src), "198.51.%d.%d", i / 250, i % 250);
        if (mamori_deny_tally_add(t, &many, now) == MAMORI_E_LIMIT)
            full++;
    }
    assert_true(full > 0);
    assert_int_equal(mamori_deny_tally_dropped(t), (uint64_t)full);
    mamori_deny_tally_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_tally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
