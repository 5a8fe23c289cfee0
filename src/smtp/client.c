/*
 * One message over SMTP: greeting, EHLO (HELO if refused), MAIL, RCPT, DATA with dot-stuffing
 * and CRLF, QUIT. Each reply is read whole (multi-line replies too) and its code checked.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mamori/smtp.h"

struct conn {
    int fd;
    int64_t deadline;
    char buf[4096];
    size_t len;
    char *err;
    size_t err_len;
};

static int
dial(const char *spec, int *ret)
{
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t n = strlen(spec + 5);
        if (n >= sizeof(sa.sun_path))
            return -ENAMETOOLONG;
        memcpy(sa.sun_path, spec + 5, n + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            int r = -errno;
            close(fd);
            return r;
        }
        *ret = fd;
        return 0;
    }
    if (strncmp(spec, "inet:", 5) != 0)
        return -EINVAL;
    char host[256];
    const char *colon = strrchr(spec + 5, ':');
    size_t hl = colon ? (size_t)(colon - spec - 5) : 0;
    if (!colon || hl == 0 || hl >= sizeof(host))
        return -EINVAL;
    memcpy(host, spec + 5, hl);
    host[hl] = '\0';
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
        return -EADDRNOTAVAIL;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int r = fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 ? -errno : 0;
    freeaddrinfo(ai);
    if (r < 0) {
        if (fd >= 0)
            close(fd);
        return r;
    }
    *ret = fd;
    return 0;
}

static int
wait_fd(struct conn *c, short ev)
{
    int left = (int)((c->deadline - mamori_now_us()) / 1000);
    struct pollfd p = {.fd = c->fd, .events = ev};
    if (left <= 0 || poll(&p, 1, left) <= 0)
        return -ETIMEDOUT;
    return 0;
}

static int
put(struct conn *c, const char *p, size_t n)
{
    while (n) {
        int r = wait_fd(c, POLLOUT);
        if (r < 0)
            return r;
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int
mamori_smtp_reply_parse(const char *buf, size_t len, int *ret_code, size_t *ret_used, char *text,
                        size_t text_len)
{
    const char *line = buf, *end = buf + len;
    const char *nl;
    while ((nl = memchr(line, '\n', (size_t)(end - line)))) {
        size_t ll = (size_t)(nl - line);
        if (ll && line[ll - 1] == '\r')
            ll--;
        /* Three digits, then ' ', '-' or the end of the line. */
        if (ll < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '9' ||
            line[2] < '0' || line[2] > '9' || (ll > 3 && line[3] != ' ' && line[3] != '-'))
            return MAMORI_E_SYNTAX;
        if (ll == 3 || line[3] == ' ') {
            *ret_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            *ret_used = (size_t)(nl + 1 - buf);
            if (text && text_len)
                snprintf(text, text_len, "%.*s", (int)ll, line);
            return 1;
        }
        line = nl + 1;
    }
    return 0;
}

/* Reads one reply; 0 when its code is in [lo, hi]. */
static int
reply(struct conn *c, int lo, int hi)
{
    for (;;) {
        int code;
        size_t used;
        int p = mamori_smtp_reply_parse(c->buf, c->len, &code, &used, c->err, c->err_len);
        if (p < 0)
            return -EPROTO;
        if (p == 1) {
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            return code >= lo && code <= hi ? 0 : -EPROTO;
        }
        if (c->len == sizeof(c->buf))
            return -EPROTO; /* longer than any SMTP reply */
        int r = wait_fd(c, POLLIN);
        if (r < 0)
            return r;
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -ECONNRESET;
        c->len += (size_t)n;
    }
}

/* Sends verb, arg and suffix as one line ("MAIL FROM:<" a ">"). */
static int
command(struct conn *c, int lo, int hi, const char *verb, const char *arg, const char *suffix)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "%s%s%s\r\n", verb, arg, suffix);
    if (n < 0 || (size_t)n >= sizeof(line) || strpbrk(arg, "\r\n"))
        return -EINVAL;
    int r = put(c, line, (size_t)n);
    return r < 0 ? r : reply(c, lo, hi);
}

/* The message with CRLF line ends, leading dots doubled, then ".". */
static int
data(struct conn *c, const char *msg, size_t len)
{
    struct mamori_buf b;
    mamori_buf_init(&b, len * 2 + 16);
    int r = 0;
    bool bol = true;
    for (size_t i = 0; i < len && r == 0; i++) {
        if (bol && msg[i] == '.')
            r = mamori_buf_putc(&b, '.');
        if (r == 0 && msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
            r = mamori_buf_putc(&b, '\r');
        if (r == 0)
            r = mamori_buf_putc(&b, msg[i]);
        bol = msg[i] == '\n';
    }
    if (r == 0 && !bol)
        r = mamori_buf_puts(&b, "\r\n");
    if (r == 0)
        r = mamori_buf_puts(&b, ".\r\n");
    if (r == 0)
        r = put(c, b.data, b.len);
    mamori_buf_done(&b);
    return r < 0 ? r : reply(c, 250, 250);
}

int
mamori_smtp_send(const char *spec, const char *helo, const char *from, const char *rcpt,
                 const char *msg, size_t len, int timeout_ms, char *err, size_t err_len)
{
    struct conn c = {.fd = -1,
                     .deadline = mamori_now_us() + (int64_t)timeout_ms * 1000,
                     .err = err,
                     .err_len = err_len};
    if (err && err_len)
        err[0] = '\0';
    int r = dial(spec, &c.fd);
    if (r < 0)
        return r;
    r = reply(&c, 220, 220);
    if (r == 0 && command(&c, 250, 250, "EHLO ", helo, "") < 0)
        r = command(&c, 250, 250, "HELO ", helo, "");
    if (r == 0)
        r = command(&c, 250, 250, "MAIL FROM:<", from, ">");
    if (r == 0)
        r = command(&c, 250, 251, "RCPT TO:<", rcpt, ">");
    if (r == 0)
        r = command(&c, 354, 354, "DATA", "", "");
    if (r == 0)
        r = data(&c, msg, len);
    if (r == 0) {
        char keep[256] = "";
        if (err && err_len)
            snprintf(keep, sizeof(keep), "%s", err);
        command(&c, 221, 221, "QUIT", "", ""); /* accepted already; QUIT's reply is moot */
        if (err && err_len)
            snprintf(err, err_len, "%s", keep);
    }
    close(c.fd);
    return r;
}
