/*
 * mamori smtp: hands one message to an MTA (docs/internals/smtp.md).
 */
#ifndef MAMORI_SMTP_H
#define MAMORI_SMTP_H

#include <stddef.h>

#include "mamori/core.h"

/* Sends msg (LF or CRLF line ends) from `from` to `rcpt` through spec ("inet:HOST:PORT" or
 * "unix:PATH"). 0 when the MTA accepted it; -ECONNREFUSED etc., -ETIMEDOUT, or -EPROTO with
 * the MTA's reply in err when it refused. */
int mamori_smtp_send(const char *spec, const char *helo, const char *from, const char *rcpt,
                     const char *msg, size_t len, int timeout_ms, char *err, size_t err_len);

/* Parses one whole SMTP reply at the start of buf (continuation lines "NNN-", last "NNN " or
 * "NNN"): 1 with the code and the bytes it took, 0 when more bytes are needed,
 * MAMORI_E_SYNTAX when it is not a reply. The last line's text (CR removed) goes to text. */
int mamori_smtp_reply_parse(const char *buf, size_t len, int *ret_code, size_t *ret_used,
                            char *text, size_t text_len);

#endif
