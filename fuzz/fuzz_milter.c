/*
 * Fuzz target: the milter codec fed what an MTA (or anyone reaching the socket) sends, in
 * pieces of varying size. Every message event is answered, alternately with a replacement and
 * with a temporary failure; replies must be well-formed packets.
 */
#include <stdlib.h>
#include <string.h>

#include "mamori/milter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replies are a sequence of whole packets of known commands. */
static void
check_packets(const struct mamori_buf *out)
{
    size_t o = 0;
    while (o < out->len) {
        if (out->len - o < 5)
            abort();
        const unsigned char *p = (const unsigned char *)out->data + o;
        size_t len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        if (len == 0 || len > out->len - o - 4 || !strchr("Ocmhby", p[4]))
            abort();
        o += 4 + len;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mamori_milter_limits lim = {.max_message = 1 << 16};
    struct mamori_milter_session *s;
    if (mamori_milter_session_new(&lim, &s) < 0)
        return 0;
    struct mamori_buf out;
    mamori_buf_init(&out, (size_t)1 << 26);
    static const char reply[] = "From: a@example.jp\nSubject: x\n\tfolded\n\nbody\nline\n";
    size_t o = 0, step = 1, messages = 0;
    int ev = 0;
    while (o < size && ev >= 0) {
        size_t n = size - o < step ? size - o : step;
        step = step * 3 + 1; /* 1, 4, 13, 40 ... bytes per read */
        if (mamori_buf_append(mamori_milter_input(s), data + o, n) < 0)
            break;
        o += n;
        while ((ev = mamori_milter_step(s, &out)) > 0) {
            if (ev == MAMORI_MILTER_CLOSE)
                goto done;
            if (ev == MAMORI_MILTER_MESSAGE) {
                size_t len;
                (void)mamori_milter_message(s, &len);
                int r = messages++ % 2
                            ? mamori_milter_reply_code(s, "451", "4.7.1", "later", &out)
                            : mamori_milter_reply_replace(s, reply, sizeof(reply) - 1, &out);
                if (r < 0)
                    abort();
            }
        }
    }
done:
    check_packets(&out);
    mamori_buf_done(&out);
    mamori_milter_session_free(s);
    return 0;
}
