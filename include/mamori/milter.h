/*
 * mamori milter: the mail filter protocol (version 6) as a pure codec.
 *
 * A session is fed what was read from the MTA and appends what to write back; it does no I/O.
 *
 *     struct mamori_milter_session *s;
 *     mamori_milter_session_new(&limits, &s);
 *     mamori_buf_append(mamori_milter_input(s), bytes, n);
 *     while ((ev = mamori_milter_step(s, &out)) > 0)
 *         switch (ev) {
 *         case MAMORI_MILTER_MESSAGE:   // sanitize mamori_milter_message(s), then
 *             mamori_milter_reply_replace(s, sanitized, len, &out);   // or _reply_code()
 *         ...
 *         }
 *     write(fd, out.data, out.len);        // all replies of a burst in one write
 *
 * SECURITY: the bytes come from the MTA, whose content comes from the internet. Every length
 * is checked against the packet and the limits; the message is bounded.
 */
#ifndef MAMORI_MILTER_H
#define MAMORI_MILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/core.h"

#define MAMORI_MILTER_PACKET_MAX  ((size_t)1 << 20)
#define MAMORI_MILTER_CHUNK       65535
#define MAMORI_MILTER_MAX_RCPTS   10000
#define MAMORI_MILTER_MAX_HEADERS 10000
#define MAMORI_MILTER_MACRO_BYTES ((size_t)64 * 1024)

enum mamori_milter_event {
    MAMORI_MILTER_MORE = 0,    /* needs more input */
    MAMORI_MILTER_REPLIED = 1, /* a reply was appended (or none was due); step again */
    MAMORI_MILTER_MESSAGE = 2, /* end of a message: the caller must reply */
    MAMORI_MILTER_CLOSE = 3,   /* the MTA quit */
};

struct mamori_milter_limits {
    size_t max_message; /* bytes of headers and body kept; 0 = 64 MiB */
};

struct mamori_milter_session;

int mamori_milter_session_new(const struct mamori_milter_limits *limits,
                              struct mamori_milter_session **ret);
struct mamori_milter_session *mamori_milter_session_free(struct mamori_milter_session *s);

/* Where the caller appends what it read. */
struct mamori_buf *mamori_milter_input(struct mamori_milter_session *s);
/* Consumes at most one packet: an event >= 0, or MAMORI_E_SYNTAX / MAMORI_E_LIMIT / -ENOMEM
 * (close the connection). Replies are appended to out. */
int mamori_milter_step(struct mamori_milter_session *s, struct mamori_buf *out);

/* After MAMORI_MILTER_MESSAGE: the message as received (headers, blank line, body). */
const char *mamori_milter_message(const struct mamori_milter_session *s, size_t *ret_len);
/* True when the message was larger than the limit (the bytes are not kept). */
bool mamori_milter_oversized(const struct mamori_milter_session *s);
/* The message's size in bytes as received (also when oversized). */
uint64_t mamori_milter_size(const struct mamori_milter_session *s);
/* A macro's last value ("i" is the queue id, "{client_addr}"), or NULL. */
const char *mamori_milter_macro(const struct mamori_milter_session *s, const char *name);
/* The envelope: sender (without <>), recipients. */
const char *mamori_milter_sender(const struct mamori_milter_session *s);
size_t mamori_milter_n_rcpts(const struct mamori_milter_session *s);
const char *mamori_milter_rcpt(const struct mamori_milter_session *s, size_t i);

/* Replies to MAMORI_MILTER_MESSAGE with a replacement message (LF or CRLF line ends): every
 * original header field deleted, the new ones added in order, the body replaced; continue.
 * MAMORI_E_SYNTAX when msg is not a header block and a body. */
int mamori_milter_reply_replace(struct mamori_milter_session *s, const char *msg, size_t len,
                                struct mamori_buf *out);
/* Replies to MAMORI_MILTER_MESSAGE with an SMTP code: "451", "4.7.1", text (ASCII). */
int mamori_milter_reply_code(struct mamori_milter_session *s, const char *code, const char *xcode,
                             const char *text, struct mamori_buf *out);

#endif
