/*
 * Worker pool and frames (see mamori/sandbox.h).
 *
 * SECURITY: the child is assumed compromised as soon as it has read hostile bytes. The
 * parent bounds what it reads (MAMORI_FRAME_MAX), parses the response strictly, never
 * blocks on the child past the timeout, writes with MSG_NOSIGNAL (a dead child cannot kill
 * the parent with SIGPIPE), and kills the child on any deviation. The child drops privileges
 * before it sees input; failures to drop are fatal to the child.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mamori/sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define CHILD_FD 3

/* ---- frames ----------------------------------------------------------------------------- */

int
mamori_frame_put(struct mamori_buf *out, char type, const void *data, size_t len)
{
    if (len > MAMORI_FRAME_MAX)
        return MAMORI_E_LIMIT;
    int r = mamori_buf_putc(out, type);
    if (r == 0)
        r = mamori_buf_put_be32(out, (uint32_t)len);
    if (r == 0 && len)
        r = mamori_buf_append(out, data, len);
    return r;
}

int
mamori_frame_end(struct mamori_buf *out)
{
    return mamori_frame_put(out, 'E', NULL, 0);
}

int
mamori_frames_parse(const char *data, size_t len, struct mamori_frame *frames, size_t max,
                    size_t *ret_n)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t off = 0, n = 0;
    for (;;) {
        if (len - off < 5)
            return MAMORI_E_SYNTAX;
        char type = (char)p[off];
        uint32_t l = (uint32_t)p[off + 1] << 24 | (uint32_t)p[off + 2] << 16 |
                     (uint32_t)p[off + 3] << 8 | p[off + 4];
        off += 5;
        if (l > len - off)
            return MAMORI_E_SYNTAX;
        if (type == 'E') {
            if (l != 0 || off != len)
                return MAMORI_E_SYNTAX;
            *ret_n = n;
            return 0;
        }
        if (n == max)
            return MAMORI_E_LIMIT;
        frames[n++] = (struct mamori_frame){type, data + off, l};
        off += l;
    }
}

/* ---- I/O helpers ------------------------------------------------------------------------ */

static int
send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int64_t
ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one framed message (up to and including END) into out. deadline < 0: no timeout.
 * 0, -ETIMEDOUT, -ECONNRESET (EOF first), MAMORI_E_LIMIT, MAMORI_E_SYNTAX. */
static int
read_message(int fd, struct mamori_buf *out, int64_t deadline)
{
    size_t need = 5; /* bytes needed to know more */
    size_t frame_start = 0;
    char chunk[65536];
    for (;;) {
        while (out->len >= need) {
            const unsigned char *h = (const unsigned char *)out->data + frame_start;
            uint32_t l = (uint32_t)h[1] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 8 | h[4];
            if (l > MAMORI_FRAME_MAX)
                return MAMORI_E_LIMIT;
            if (out->len < frame_start + 5 + l) {
                need = frame_start + 5 + l;
                /* Room for the whole frame and the END after it, allocated once. */
                if (mamori_buf_reserve(out, need + 5 - out->len) < 0)
                    return -ENOMEM;
                break;
            }
            if (h[0] == 'E') {
                if (l != 0 || out->len != frame_start + 5)
                    return MAMORI_E_SYNTAX;
                return 0;
            }
            frame_start += 5 + l;
            need = frame_start + 5;
        }
        if (deadline >= 0) {
            int64_t left = deadline - ms_now();
            if (left <= 0)
                return -ETIMEDOUT;
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int pr = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
            if (pr < 0 && errno != EINTR)
                return -errno;
            if (pr <= 0)
                continue;
        }
        size_t want = need - out->len;
        ssize_t r = read(fd, chunk, want < sizeof(chunk) ? want : sizeof(chunk));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            return -ECONNRESET;
        int e = mamori_buf_append(out, chunk, (size_t)r);
        if (e < 0)
            return e;
    }
}

/* ---- the child -------------------------------------------------------------------------- */

struct mamori_worker_pool {
    mamori_worker_job job;
    mamori_worker_init init;
    void *ctx;
    struct mamori_worker_options opts;
    pid_t pid;
    int fd;
    unsigned jobs;
};

static void
drop_privileges(void)
{
    if (geteuid() != 0)
        return;
    struct passwd *pw = getpwnam("nobody");
    uid_t uid = pw ? pw->pw_uid : 65534;
    gid_t gid = pw ? pw->pw_gid : 65534;
    if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
        _exit(71);
    /* Checked, as OpenSMTPD does: a drop that silently failed is worse than none. */
    if (geteuid() == 0 || getuid() == 0 || getegid() == 0 || setuid(0) == 0)
        _exit(71);
}

static void
limit(int resource, rlim_t value)
{
    struct rlimit rl = {value, value};
    if (setrlimit(resource, &rl) < 0)
        _exit(71);
}

static int
enter_seccomp(void)
{
    /* Anything not listed fails with EPERM; what could reach outside kills the child. */
    scmp_filter_ctx sc = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (!sc)
        return -ENOMEM;
    static const int allow[] = {
        SCMP_SYS(read),         SCMP_SYS(write),          SCMP_SYS(readv),
        SCMP_SYS(writev),       SCMP_SYS(recvfrom),       SCMP_SYS(sendto),
        SCMP_SYS(recvmsg),      SCMP_SYS(sendmsg),        SCMP_SYS(close),
        SCMP_SYS(fstat),        SCMP_SYS(newfstatat),     SCMP_SYS(lseek),
        SCMP_SYS(brk),          SCMP_SYS(mmap),           SCMP_SYS(munmap),
        SCMP_SYS(mremap),       SCMP_SYS(madvise),        SCMP_SYS(mprotect),
        SCMP_SYS(futex),        SCMP_SYS(clock_gettime),  SCMP_SYS(gettimeofday),
        SCMP_SYS(getpid),       SCMP_SYS(gettid),         SCMP_SYS(getrandom),
        SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
        SCMP_SYS(sigaltstack),  SCMP_SYS(exit),           SCMP_SYS(exit_group),
        SCMP_SYS(sched_yield),  SCMP_SYS(poll),           SCMP_SYS(ppoll),
        SCMP_SYS(getuid),       SCMP_SYS(geteuid),        SCMP_SYS(getgid),
        SCMP_SYS(getegid),      SCMP_SYS(prlimit64),      SCMP_SYS(sysinfo),
    };
    static const int kill[] = {
        SCMP_SYS(execve),
        SCMP_SYS(execveat),
        SCMP_SYS(fork),
        SCMP_SYS(vfork),
        SCMP_SYS(clone),
        SCMP_SYS(clone3),
        SCMP_SYS(socket),
        SCMP_SYS(connect),
        SCMP_SYS(bind),
        SCMP_SYS(listen),
        SCMP_SYS(accept),
        SCMP_SYS(accept4),
        SCMP_SYS(ptrace),
        SCMP_SYS(kill),
        SCMP_SYS(tgkill),
        SCMP_SYS(setuid),
        SCMP_SYS(setgid),
        SCMP_SYS(mount),
        SCMP_SYS(unshare),
        SCMP_SYS(chroot),
        SCMP_SYS(unlink),
        SCMP_SYS(unlinkat),
        SCMP_SYS(rename),
        SCMP_SYS(renameat2),
        SCMP_SYS(process_vm_writev),
        SCMP_SYS(open_by_handle_at),
    };
    int r = 0;
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(allow) && r == 0; i++)
        r = seccomp_rule_add(sc, SCMP_ACT_ALLOW, allow[i], 0);
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(kill) && r == 0; i++)
        r = seccomp_rule_add(sc, SCMP_ACT_KILL_PROCESS, kill[i], 0);
    /* Opening a file says "no" rather than killing: libraries probe for optional files. */
    if (r == 0)
        r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
    if (r == 0)
        r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
    if (r == 0)
        r = seccomp_load(sc);
    seccomp_release(sc);
    return r;
}

static void
child_main(struct mamori_worker_pool *pool, int fd)
{
    /* Only the pipe to the parent and stderr (for sanitizer reports) stay open. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(fd, CHILD_FD) < 0)
        _exit(71);
    close_range(CHILD_FD + 1, ~0U, 0);
    signal(SIGPIPE, SIG_DFL);
    if (pool->init && pool->init(pool->ctx) < 0)
        _exit(71);
    mamori_sha256_init();
    drop_privileges();
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_FSIZE, 0);
    limit(RLIMIT_NPROC, 0);
    limit(RLIMIT_NOFILE, CHILD_FD + 1);
    limit(RLIMIT_CPU, pool->opts.cpu_seconds);
#ifndef UNDER_ASAN
    /* ASan reserves terabytes of shadow address space: no address-space limit under it. */
    limit(RLIMIT_AS, pool->opts.address_space);
#endif
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        _exit(71);
    if (!pool->opts.no_seccomp && enter_seccomp() < 0)
        _exit(71);

    struct mamori_buf req, resp, out;
    mamori_buf_init(&req, MAMORI_FRAME_MAX + 64);
    mamori_buf_init(&resp, MAMORI_FRAME_MAX);
    mamori_buf_init(&out, MAMORI_FRAME_MAX + 64);
    for (unsigned jobs = 0; jobs < pool->opts.jobs_per_child; jobs++) {
        mamori_buf_reset(&req);
        if (read_message(CHILD_FD, &req, -1) < 0)
            _exit(0); /* the parent went away or spoke nonsense */
        struct mamori_frame f[2];
        size_t n;
        if (mamori_frames_parse(req.data, req.len, f, 2, &n) < 0 || n != 1 || f[0].type != 'Q')
            _exit(65);
        mamori_buf_reset(&resp);
        int r = pool->job(pool->ctx, f[0].data, f[0].len, &resp);
        uint8_t code[4] = {(uint8_t)((uint32_t)r >> 24), (uint8_t)((uint32_t)r >> 16),
                           (uint8_t)((uint32_t)r >> 8), (uint8_t)r};
        mamori_buf_reset(&out);
        if (mamori_frame_put(&out, 'R', code, 4) < 0 ||
            mamori_frame_put(&out, 'D', r < 0 ? NULL : resp.data, r < 0 ? 0 : resp.len) < 0 ||
            mamori_frame_end(&out) < 0 || send_all(CHILD_FD, out.data, out.len) < 0)
            _exit(74);
    }
    _exit(0);
}

/* ---- the parent ------------------------------------------------------------------------- */

static void
reap(struct mamori_worker_pool *pool, bool kill_it)
{
    if (pool->pid <= 0)
        return;
    if (kill_it)
        kill(pool->pid, SIGKILL);
    close(pool->fd);
    pool->fd = -1;
    while (waitpid(pool->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    pool->pid = 0;
    pool->jobs = 0;
}

static int
spawn(struct mamori_worker_pool *pool)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0) {
        int r = -errno;
        close(sv[0]);
        close(sv[1]);
        return r;
    }
    if (pid == 0) {
        close(sv[0]);
        child_main(pool, sv[1]);
        _exit(0);
    }
    close(sv[1]);
    pool->pid = pid;
    pool->fd = sv[0];
    pool->jobs = 0;
    return 0;
}

int
mamori_worker_pool_new(mamori_worker_job job, mamori_worker_init init, void *ctx,
                       const struct mamori_worker_options *opts, struct mamori_worker_pool **ret)
{
    struct mamori_worker_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->job = job;
    p->init = init;
    p->ctx = ctx;
    if (opts)
        p->opts = *opts;
    if (!p->opts.timeout_ms)
        p->opts.timeout_ms = 30000;
    if (!p->opts.jobs_per_child)
        p->opts.jobs_per_child = 1000;
    if (!p->opts.address_space)
        p->opts.address_space = (size_t)2 << 30;
    if (!p->opts.cpu_seconds)
        p->opts.cpu_seconds = 60;
    p->fd = -1;
    *ret = p;
    return 0;
}

int
mamori_worker_pool_start(struct mamori_worker_pool *pool)
{
    /* A child that died while idle (killed, out of memory) is replaced now, so the next job
     * does not pay for it. */
    if (pool->pid > 0 && waitpid(pool->pid, NULL, WNOHANG) == pool->pid) {
        close(pool->fd);
        pool->fd = -1;
        pool->pid = 0;
        pool->jobs = 0;
    }
    return pool->pid > 0 ? 0 : spawn(pool);
}

int
mamori_worker_pool_run(struct mamori_worker_pool *pool, const void *req, size_t req_len,
                       struct mamori_buf *resp)
{
    struct mamori_span part = {req, req_len};
    return mamori_worker_pool_runv(pool, &part, 1, resp);
}

int
mamori_worker_pool_runv(struct mamori_worker_pool *pool, const struct mamori_span *parts,
                        size_t n_parts, struct mamori_buf *resp)
{
    int r;
    if (pool->pid <= 0 && (r = spawn(pool)) < 0)
        return r;
    size_t req_len = 0;
    for (size_t i = 0; i < n_parts; i++) {
        if (parts[i].len > MAMORI_FRAME_MAX - req_len)
            return MAMORI_E_LIMIT;
        req_len += parts[i].len;
    }
    /* Header, the caller's bytes as they are, END: no copy of a large request. */
    struct mamori_buf msg;
    mamori_buf_init(&msg, MAMORI_FRAME_MAX + 64);
    const char head[5] = {'Q', (char)(req_len >> 24), (char)(req_len >> 16), (char)(req_len >> 8),
                          (char)req_len};
    static const char end[5] = {'E', 0, 0, 0, 0};
    r = send_all(pool->fd, head, sizeof(head));
    for (size_t i = 0; r == 0 && i < n_parts; i++)
        if (parts[i].len)
            r = send_all(pool->fd, parts[i].ptr, parts[i].len);
    if (r == 0)
        r = send_all(pool->fd, end, sizeof(end));
    if (r < 0) {
        mamori_buf_done(&msg);
        reap(pool, true);
        return r == MAMORI_E_LIMIT ? r : -ECHILD;
    }
    mamori_buf_reset(&msg);
    r = read_message(pool->fd, &msg, ms_now() + pool->opts.timeout_ms);
    if (r == -ETIMEDOUT || r == -ECONNRESET || r < 0) {
        mamori_buf_done(&msg);
        reap(pool, true);
        return r == -ETIMEDOUT ? -ETIMEDOUT : r == -ECONNRESET ? -ECHILD : -EPROTO;
    }
    struct mamori_frame f[3];
    size_t n;
    if (mamori_frames_parse(msg.data, msg.len, f, 3, &n) < 0 || n != 2 || f[0].type != 'R' ||
        f[0].len != 4 || f[1].type != 'D') {
        mamori_buf_done(&msg);
        reap(pool, true);
        return -EPROTO;
    }
    const unsigned char *c = (const unsigned char *)f[0].data;
    int code = (int)((uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3]);
    r = code;
    if (code >= 0) {
        int e = mamori_buf_append(resp, f[1].data, f[1].len);
        if (e < 0)
            r = e;
    }
    mamori_buf_done(&msg);
    if (++pool->jobs >= pool->opts.jobs_per_child)
        reap(pool, false); /* it exits by itself after this job */
    return r;
}

struct mamori_worker_pool *
mamori_worker_pool_free(struct mamori_worker_pool *pool)
{
    if (pool) {
        if (pool->pid > 0) {
            /* Closing the pipe ends the child's loop; it exits. */
            close(pool->fd);
            pool->fd = -1;
            while (waitpid(pool->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        free(pool);
    }
    return NULL;
}

int
mamori_worker_pool_child(const struct mamori_worker_pool *pool)
{
    return pool->pid;
}
