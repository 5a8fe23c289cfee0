/*
 * clamd's INSTREAM over its socket: "zINSTREAM\0", chunks (4-byte big-endian length, bytes),
 * a zero-length chunk, then one reply "stream: OK", "stream: NAME FOUND" or "... ERROR".
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mamori/scan.h"

#define CHUNK ((size_t)64 * 1024)

static int
connect_spec(const char *spec, int *ret)
{
    int fd = -1;
    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(spec + 5) >= sizeof(sa.sun_path))
            return -ENAMETOOLONG;
        memcpy(sa.sun_path, spec + 5, strlen(spec + 5) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            int r = -errno;
            close(fd);
            return r;
        }
    } else if (strncmp(spec, "inet:", 5) == 0) {
        char host[256];
        const char *colon = strrchr(spec + 5, ':');
        if (!colon || (size_t)(colon - spec - 5) >= sizeof(host))
            return -EINVAL;
        memcpy(host, spec + 5, (size_t)(colon - spec - 5));
        host[colon - spec - 5] = '\0';
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
        struct addrinfo *ai;
        if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
            return -EADDRNOTAVAIL;
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int r = fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 ? -errno : 0;
        freeaddrinfo(ai);
        if (r < 0) {
            if (fd >= 0)
                close(fd);
            return r;
        }
    } else {
        return -EINVAL;
    }
    *ret = fd;
    return 0;
}

static int
send_all(int fd, const void *p, size_t n, int64_t deadline_us)
{
    const char *c = p;
    while (n) {
        int left = (int)((deadline_us - mamori_now_us()) / 1000);
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        if (left <= 0 || poll(&pfd, 1, left) == 0)
            return -ETIMEDOUT;
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -errno;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads the NUL-terminated reply. */
static int
read_reply(int fd, char *buf, size_t len, int64_t deadline_us)
{
    size_t got = 0;
    while (got + 1 < len) {
        int left = (int)((deadline_us - mamori_now_us()) / 1000);
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, left) == 0)
            return -ETIMEDOUT;
        ssize_t n = recv(fd, buf + got, len - 1 - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        got += (size_t)n;
        if (memchr(buf, '\0', got))
            break;
    }
    buf[got] = '\0';
    return got ? 0 : -EIO;
}

int
mamori_clamd_ping(const char *spec, int timeout_ms)
{
    int fd = -1;
    int r = connect_spec(spec, &fd);
    if (r < 0)
        return r;
    int64_t deadline = mamori_now_us() + (int64_t)timeout_ms * 1000;
    char reply[64];
    r = send_all(fd, "zPING", 6, deadline);
    if (r == 0)
        r = read_reply(fd, reply, sizeof(reply), deadline);
    close(fd);
    if (r == 0 && strcmp(reply, "PONG") != 0)
        r = -EIO;
    return r;
}

int
mamori_clamd_reply_parse(const char *reply, enum mamori_scan_verdict *ret, char *found,
                         size_t found_len)
{
    size_t n = strlen(reply);
    if (strcmp(reply, "stream: OK") == 0) {
        *ret = MAMORI_SCAN_CLEAN;
        return 0;
    }
    if (n > 14 && strncmp(reply, "stream: ", 8) == 0 && strcmp(reply + n - 6, " FOUND") == 0) {
        *ret = MAMORI_SCAN_FOUND;
        if (found && found_len)
            snprintf(found, found_len, "%.*s", (int)(n - 14), reply + 8);
        return 0;
    }
    return strstr(reply, "size limit") ? MAMORI_E_LIMIT : -EIO;
}

int
mamori_clamd_scan(const char *spec, const void *data, size_t len, int timeout_ms,
                  enum mamori_scan_verdict *ret, char *found, size_t found_len)
{
    int fd = -1;
    int r = connect_spec(spec, &fd);
    if (r < 0)
        return r;
    int64_t deadline = mamori_now_us() + (int64_t)timeout_ms * 1000;
    r = send_all(fd, "zINSTREAM", 10, deadline);
    const char *p = data;
    for (size_t o = 0; r == 0 && o < len; o += CHUNK) {
        size_t n = len - o < CHUNK ? len - o : CHUNK;
        unsigned char head[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                 (unsigned char)(n >> 8), (unsigned char)n};
        r = send_all(fd, head, 4, deadline);
        if (r == 0)
            r = send_all(fd, p + o, n, deadline);
    }
    static const unsigned char end[4] = {0, 0, 0, 0};
    /* clamd may stop reading (size limit) and answer early: read its reply either way. */
    if (r == 0 || r == -EPIPE || r == -ECONNRESET) {
        if (r == 0)
            r = send_all(fd, end, 4, deadline);
        char reply[512];
        int rr = read_reply(fd, reply, sizeof(reply), deadline);
        if (rr == 0)
            r = mamori_clamd_reply_parse(reply, ret, found, found_len);
        else if (r == 0)
            r = rr;
    }
    close(fd);
    return r;
}
