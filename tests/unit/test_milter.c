/*
 * The milter codec: a Postfix-like conversation in, events and reply packets out.
 * (tests/integration/gateway.sh runs the codec against a real Postfix.)
 */
#include <errno.h>

#include "helpers.h"

#include "mamori/milter.h"

static void
pkt(struct mamori_buf *b, char cmd, const void *data, size_t len)
{
    assert_int_equal(mamori_buf_put_be32(b, (uint32_t)(len + 1)), 0);
    assert_int_equal(mamori_buf_putc(b, cmd), 0);
    if (len)
        assert_int_equal(mamori_buf_append(b, data, len), 0);
}

static void
optneg(struct mamori_buf *b, uint32_t actions, uint32_t proto)
{
    char d[12];
    uint32_t w[3] = {6, actions, proto};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++)
            d[i * 4 + k] = (char)(w[i] >> (24 - 8 * k));
    pkt(b, 'O', d, sizeof(d));
}

#define STR(s) s, sizeof(s) /* with the terminating NUL */

/* A message: MAIL, RCPT x2, DATA, headers, EOH, body, macros, EOM. */
static void
message(struct mamori_buf *b)
{
    pkt(b, 'M', STR("<a@ext.example>"));
    pkt(b, 'R', STR("<b@lgwan.example>"));
    pkt(b, 'R', STR("c@lgwan.example"));
    pkt(b, 'T', NULL, 0);
    pkt(b, 'L', "Received\0 from x\0", 17);
    pkt(b, 'L', "Subject\0 hello\n\tworld\0", 22);
    pkt(b, 'L', "received\0 from y\0", 17);
    pkt(b, 'N', NULL, 0);
    pkt(b, 'B', "line 1\r\n", 8);
    pkt(b, 'B', "line 2\r\n", 8);
    pkt(b, 'D', "Ei\0Q123\0", 8);
    pkt(b, 'E', NULL, 0);
}

struct parsed {
    char cmd[64];
    char data[64][256];
    size_t len[64];
    size_t n;
};

static void
parse_replies(const struct mamori_buf *out, struct parsed *p)
{
    memset(p, 0, sizeof(*p));
    size_t o = 0;
    while (o < out->len) {
        assert_true(out->len - o >= 5);
        const unsigned char *u = (const unsigned char *)out->data + o;
        size_t len = (size_t)u[0] << 24 | (size_t)u[1] << 16 | (size_t)u[2] << 8 | u[3];
        assert_true(len >= 1 && len <= out->len - o - 4);
        assert_true(p->n < 64);
        p->cmd[p->n] = (char)u[4];
        p->len[p->n] = len - 1 < 256 ? len - 1 : 256;
        memcpy(p->data[p->n], u + 5, p->len[p->n]);
        p->n++;
        o += 4 + len;
    }
}

static int
run(struct mamori_milter_session *s, struct mamori_buf *in, struct mamori_buf *out)
{
    assert_int_equal(mamori_buf_append(mamori_milter_input(s), in->data, in->len), 0);
    int ev;
    while ((ev = mamori_milter_step(s, out)) == MAMORI_MILTER_REPLIED)
        ;
    return ev;
}

static void
test_conversation(void **state)
{
    (void)state;
    struct mamori_milter_session *s;
    assert_int_equal(mamori_milter_session_new(NULL, &s), 0);
    struct mamori_buf in, out;
    mamori_buf_init(&in, 1 << 20);
    mamori_buf_init(&out, 1 << 20);
    optneg(&in, 0x1ff, 0x1fffff); /* Postfix offers every action and step */
    static const char macros[] = "Cj\0gw\0{client_addr}\0"
                                 "198.51.100.7";
    pkt(&in, 'D', macros, sizeof(macros));
    pkt(&in, 'C',
        "client\0"
        "4\0\031"
        "198.51.100.7\0",
        23);
    pkt(&in, 'H', STR("client.example"));
    message(&in);
    assert_int_equal(run(s, &in, &out), MAMORI_MILTER_MESSAGE);

    /* Negotiation: version 6, add/change headers and body, no replies before the end. */
    struct parsed p;
    parse_replies(&out, &p);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.cmd[0], 'O');
    const unsigned char *w = (const unsigned char *)p.data[0];
    assert_int_equal(w[3], 6);
    assert_int_equal(w[7], 0x13);
    uint32_t proto = (uint32_t)w[8] << 24 | (uint32_t)w[9] << 16 | (uint32_t)w[10] << 8 | w[11];
    assert_true(proto & 0x80);     /* no reply to headers */
    assert_true(proto & 0x80000);  /* nor to body chunks */
    assert_true(proto & 0x100000); /* header values with their leading space */
    assert_false(proto & 0x10);    /* the body is wanted */

    size_t len;
    const char *msg = mamori_milter_message(s, &len);
    static const char want[] = "Received: from x\r\nSubject: hello\r\n\tworld\r\n"
                               "received: from y\r\n\r\nline 1\r\nline 2\r\n";
    assert_int_equal(len, sizeof(want) - 1);
    assert_memory_equal(msg, want, len);
    assert_string_equal(mamori_milter_macro(s, "i"), "Q123");
    assert_string_equal(mamori_milter_macro(s, "{client_addr}"), "198.51.100.7");
    assert_string_equal(mamori_milter_sender(s), "a@ext.example");
    assert_int_equal(mamori_milter_n_rcpts(s), 2);
    assert_string_equal(mamori_milter_rcpt(s, 0), "b@lgwan.example");
    assert_string_equal(mamori_milter_rcpt(s, 1), "c@lgwan.example");
    assert_false(mamori_milter_oversized(s));

    /* Stepping before replying is a caller error. */
    assert_int_equal(mamori_milter_step(s, &out), -EINVAL);

    mamori_buf_reset(&out);
    static const char repl[] = "From: a@ext.example\nSubject: =?UTF-8?B?44GC?=\n x\n\nbody\n";
    assert_int_equal(mamori_milter_reply_replace(s, repl, sizeof(repl) - 1, &out), 0);
    parse_replies(&out, &p);
    /* Deletions, last first: received #2, Subject #1, Received #1. */
    assert_int_equal(p.n, 3 + 2 + 1 + 1);
    assert_int_equal(p.cmd[0], 'm');
    assert_memory_equal(p.data[0], "\0\0\0\002received\0\0", 15);
    assert_memory_equal(p.data[1], "\0\0\0\001Subject\0\0", 14);
    assert_memory_equal(p.data[2], "\0\0\0\001Received\0\0", 15);
    /* Additions in order, leading space kept, folds as LF. */
    assert_int_equal(p.cmd[3], 'h');
    assert_memory_equal(p.data[3], "From\0 a@ext.example\0", 20);
    assert_int_equal(p.cmd[4], 'h');
    assert_memory_equal(p.data[4], "Subject\0 =?UTF-8?B?44GC?=\n x\0", 29);
    /* The body with CRLF, then continue. */
    assert_int_equal(p.cmd[5], 'b');
    assert_int_equal(p.len[5], 6);
    assert_memory_equal(p.data[5], "body\r\n", 6);
    assert_int_equal(p.cmd[6], 'c');

    /* A second message on the same connection, then quit. */
    mamori_buf_reset(&in);
    mamori_buf_reset(&out);
    message(&in);
    pkt(&in, 'Q', NULL, 0);
    assert_int_equal(run(s, &in, &out), MAMORI_MILTER_MESSAGE);
    assert_int_equal(out.len, 0);
    assert_int_equal(mamori_milter_reply_code(s, "451", "4.7.1", "try 100% later\r\n", &out), 0);
    parse_replies(&out, &p);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.cmd[0], 'y');
    assert_string_equal(p.data[0], "451 4.7.1 try 100? later??");
    assert_int_equal(mamori_milter_step(s, &out), MAMORI_MILTER_CLOSE);

    mamori_buf_done(&in);
    mamori_buf_done(&out);
    mamori_milter_session_free(s);
}

/* An MTA that does not offer "no reply" steps gets a continue for every command. */
static void
test_replies_when_required(void **state)
{
    (void)state;
    struct mamori_milter_session *s;
    assert_int_equal(mamori_milter_session_new(NULL, &s), 0);
    struct mamori_buf in, out;
    mamori_buf_init(&in, 1 << 20);
    mamori_buf_init(&out, 1 << 20);
    optneg(&in, 0x1ff, 0);
    message(&in);
    assert_int_equal(run(s, &in, &out), MAMORI_MILTER_MESSAGE);
    struct parsed p;
    parse_replies(&out, &p);
    /* O, then c for M, R, R, T, L, L, L, N, B, B. */
    assert_int_equal(p.n, 11);
    for (size_t i = 1; i < p.n; i++)
        assert_int_equal(p.cmd[i], 'c');
    size_t len;
    mamori_milter_message(s, &len);
    assert_memory_equal(mamori_milter_message(s, &len), "Received: ", 10); /* space added */
    mamori_buf_done(&in);
    mamori_buf_done(&out);
    mamori_milter_session_free(s);
}

static void
test_refusals(void **state)
{
    (void)state;
    struct mamori_milter_session *s;
    struct mamori_buf in, out;
    mamori_buf_init(&in, 1 << 22);
    mamori_buf_init(&out, 1 << 20);

    /* An MTA that would not let us replace the body: refused, nothing can pass. */
    assert_int_equal(mamori_milter_session_new(NULL, &s), 0);
    optneg(&in, 0x01, 0);
    assert_int_equal(run(s, &in, &out), MAMORI_E_INVALID);
    s = mamori_milter_session_free(s);

    /* Commands before negotiation, unknown commands, zero-length and oversized packets. */
    static const char *const bad[] = {"\0\0\0\001M", "\0\0\0\0", "\0\x10\0\001O"};
    static const int want[] = {MAMORI_E_SYNTAX, MAMORI_E_SYNTAX, MAMORI_E_LIMIT};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(mamori_milter_session_new(NULL, &s), 0);
        mamori_buf_reset(&in);
        mamori_buf_append(&in, bad[i], 5);
        assert_int_equal(run(s, &in, &out), want[i]);
        s = mamori_milter_session_free(s);
    }
    assert_int_equal(mamori_milter_session_new(NULL, &s), 0);
    mamori_buf_reset(&in);
    optneg(&in, 0x1ff, 0x1fffff);
    pkt(&in, 'Z', NULL, 0);
    assert_int_equal(run(s, &in, &out), MAMORI_E_SYNTAX);
    s = mamori_milter_session_free(s);
    /* A header without its value, a header name with a space. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mamori_milter_session_new(NULL, &s), 0);
        mamori_buf_reset(&in);
        optneg(&in, 0x1ff, 0x1fffff);
        pkt(&in, 'M', STR("<a@b>"));
        if (i == 0)
            pkt(&in, 'L', STR("Subject"));
        else
            pkt(&in, 'L', "Sub ject\0x\0", 11);
        assert_int_equal(run(s, &in, &out), MAMORI_E_SYNTAX);
        s = mamori_milter_session_free(s);
    }

    /* Over the size limit: flagged, counted, not kept. */
    struct mamori_milter_limits lim = {.max_message = 100};
    assert_int_equal(mamori_milter_session_new(&lim, &s), 0);
    mamori_buf_reset(&in);
    optneg(&in, 0x1ff, 0x1fffff);
    pkt(&in, 'M', STR("<a@b>"));
    pkt(&in, 'N', NULL, 0);
    char big[300];
    memset(big, 'x', sizeof(big));
    pkt(&in, 'B', big, sizeof(big));
    pkt(&in, 'E', NULL, 0);
    assert_int_equal(run(s, &in, &out), MAMORI_MILTER_MESSAGE);
    assert_true(mamori_milter_oversized(s));
    assert_int_equal(mamori_milter_size(s), 302);
    size_t len;
    mamori_milter_message(s, &len);
    assert_int_equal(len, 0);
    /* A replacement that is not a message is refused and writes nothing. */
    mamori_buf_reset(&out);
    assert_int_equal(mamori_milter_reply_replace(s, "no header block", 15, &out), MAMORI_E_SYNTAX);
    assert_int_equal(out.len, 0);
    s = mamori_milter_session_free(s);
    mamori_buf_done(&in);
    mamori_buf_done(&out);
}

/* A large body is replaced in chunks of at most 65,535 bytes, bare LF made CRLF. */
static void
test_large_body(void **state)
{
    (void)state;
    struct mamori_milter_session *s;
    assert_int_equal(mamori_milter_session_new(NULL, &s), 0);
    struct mamori_buf in, out;
    mamori_buf_init(&in, 1 << 20);
    mamori_buf_init(&out, 1 << 22);
    optneg(&in, 0x1ff, 0x1fffff);
    message(&in);
    assert_int_equal(run(s, &in, &out), MAMORI_MILTER_MESSAGE);
    mamori_buf_reset(&out);
    size_t n = 200000;
    char *repl = malloc(n);
    assert_non_null(repl);
    memcpy(repl, "Subject: x\n\n", 12);
    for (size_t i = 12; i < n; i++)
        repl[i] = i % 50 == 0 ? '\n' : 'a';
    assert_int_equal(mamori_milter_reply_replace(s, repl, n, &out), 0);
    size_t o = 0, body = 0, lf = 0;
    while (o < out.len) {
        const unsigned char *u = (const unsigned char *)out.data + o;
        size_t len = (size_t)u[0] << 24 | (size_t)u[1] << 16 | (size_t)u[2] << 8 | u[3];
        if (u[4] == 'b') {
            assert_true(len - 1 <= 65535);
            for (size_t i = 0; i < len - 1; i++) {
                if (u[5 + i] == '\n') {
                    lf++;
                    assert_true(i > 0 ? u[4 + i] == '\r' : body > 0);
                }
            }
            body += len - 1;
        }
        o += 4 + len;
    }
    size_t want_lf = 0;
    for (size_t i = 12; i < n; i++)
        want_lf += repl[i] == '\n';
    assert_int_equal(lf, want_lf);
    assert_int_equal(body, n - 12 + want_lf);
    free(repl);
    mamori_buf_done(&in);
    mamori_buf_done(&out);
    mamori_milter_session_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conversation),
        cmocka_unit_test(test_replies_when_required),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_large_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
