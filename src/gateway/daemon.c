/*
 * mamorid's work: milter listeners, one thread per MTA connection, a shared set of sandboxed
 * sanitizer workers, and the per-message pipeline (docs/internals/gateway.md):
 *
 *     sanitize in a worker → original encrypted and fsync'd → row + audit record committed
 *     → only then the reply that replaces the message.
 *
 * Anything failing on the way answers 451 and Postfix keeps the message.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "mamori/console.h"
#include "mamori/gateway.h"
#include "mamori/milter.h"
#include "mamori/quarantine.h"

#define MAX_CONNECTIONS 256
#define ID_LOCKS        64 /* originals are written under a lock striped by their id */
#define READ_CHUNK      ((size_t)64 * 1024)
#define IDLE_POLL_MS    500

struct slot {
    struct mamori_worker_pool *pool;
    struct mamori_mail_job job;
    unsigned gen;
    bool busy;
    unsigned failures;
    int64_t retry_at_us;
};

struct gw {
    struct mamori_instance *inst;
    struct mamori_console *console; /* NULL when no face is configured */
    const struct mamori_gateway_config *conf;
    /* One original is checked, written and recorded by one thread at a time; different
     * originals in parallel (their fsyncs overlap). */
    pthread_mutex_t id_lock[ID_LOCKS];
    /* Store, audit log and the current policy. */
    pthread_mutex_t lock;
    struct mamori_policy *policy;
    struct mamori_policy **retired; /* kept until exit: workers may still use their options */
    size_t n_retired;
    struct mamori_mail_job job;
    unsigned gen;
    /* Workers. */
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    struct slot *slots;
    size_t n_slots;
    /* Connections. */
    atomic_int active;
    atomic_bool stopping;
    int listen_fd[MAMORI_GATEWAY_MAX_LISTENERS];
    bool listen_unix[MAMORI_GATEWAY_MAX_LISTENERS];
    size_t n_listen;
};

static void gw_log(const char *fmt, ...) MAMORI_PRINTF(1, 2);

static void
gw_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fputs("mamorid: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

/* ---- workers ---------------------------------------------------------------------------- */

/* Borrows a worker slot with a running child: 0, or -EAGAIN while the slot backs off after
 * failed starts, or the start's error. */
static int
slot_borrow(struct gw *g, struct slot **ret)
{
    pthread_mutex_lock(&g->wlock);
    struct slot *s = NULL;
    while (!s) {
        for (size_t i = 0; i < g->n_slots && !s; i++)
            if (!g->slots[i].busy)
                s = &g->slots[i];
        if (!s)
            pthread_cond_wait(&g->wcond, &g->wlock);
    }
    s->busy = true;
    pthread_mutex_unlock(&g->wlock);

    pthread_mutex_lock(&g->lock);
    unsigned gen = g->gen;
    struct mamori_mail_job job = g->job;
    pthread_mutex_unlock(&g->lock);

    int r = 0;
    if (!s->pool || s->gen != gen) { /* first use, or the policy was reloaded */
        s->pool = mamori_worker_pool_free(s->pool);
        s->job = job;
        s->gen = gen;
        struct mamori_worker_options wo = {
            .timeout_ms = g->conf->worker_timeout * 1000u,
            .jobs_per_child = g->conf->worker_jobs,
        };
        r = mamori_worker_pool_new(mamori_mail_job_run, mamori_mail_job_init, &s->job, &wo,
                                   &s->pool);
    }
    if (r == 0 && s->retry_at_us > mamori_now_us())
        r = -EAGAIN;
    if (r == 0) {
        r = mamori_worker_pool_start(s->pool);
        if (r < 0) {
            /* Back off: 0.1 s, 0.2 s, ... at most 5 s between attempts. */
            s->failures++;
            int64_t wait = (int64_t)100000 << (s->failures < 6 ? s->failures : 6);
            s->retry_at_us = mamori_now_us() + (wait < 5000000 ? wait : 5000000);
        } else {
            s->failures = 0;
            s->retry_at_us = 0;
        }
    }
    *ret = s;
    return r;
}

static void
slot_return(struct gw *g, struct slot *s)
{
    pthread_mutex_lock(&g->wlock);
    s->busy = false;
    pthread_cond_signal(&g->wcond);
    pthread_mutex_unlock(&g->wlock);
}

/* ---- records ---------------------------------------------------------------------------- */

struct msg_ctx {
    struct mamori_milter_session *s;
    const char *queue_id;
    const char *client;
    char id[MAMORI_ORIGINAL_ID_LEN];
    uint64_t size;
    char sender_rule[256]; /* the domain of the sender rule applied, or "" */
};

static void
envelope_json(const struct msg_ctx *m, struct mamori_json *j)
{
    mamori_json_kv_string(j, "queue_id", m->queue_id);
    mamori_json_kv_string(j, "client", m->client);
    mamori_json_kv_string(j, "sender", mamori_milter_sender(m->s));
    mamori_json_key(j, "recipients");
    mamori_json_array_begin(j);
    for (size_t i = 0; i < mamori_milter_n_rcpts(m->s); i++)
        mamori_json_string(j, mamori_milter_rcpt(m->s, i));
    mamori_json_array_end(j);
    mamori_json_kv_int(j, "size", (int64_t)m->size);
}

/* Appends one record outside a message's transaction (refusals and temporary failures). */
static void
record_event(struct gw *g, const struct msg_ctx *m, const char *action, const char *decision,
             const char *reason)
{
    struct mamori_buf d;
    struct mamori_json j;
    mamori_buf_init(&d, (size_t)1 << 20);
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    envelope_json(m, &j);
    mamori_json_kv_string(&j, "reason", reason);
    mamori_json_object_end(&j);
    if (mamori_json_finish(&j) == 0) {
        struct mamori_record rec = {.actor = "mamorid",
                                    .action = action,
                                    .object = m->id[0] ? m->id : m->queue_id,
                                    .decision = decision,
                                    .clause = "6(3)②",
                                    .details = d.data};
        pthread_mutex_lock(&g->lock);
        int r = mamori_instance_record(g->inst, &rec);
        pthread_mutex_unlock(&g->lock);
        if (r < 0)
            gw_log(_("cannot record in the audit log: %s"), mamori_strerror(r));
    }
    mamori_buf_done(&d);
}

/* Keeps the original and records the decision, durably, in one transaction. */
static int
keep_and_record(struct gw *g, const struct msg_ctx *m, const char *raw, size_t raw_len,
                const struct mamori_mail_result *res)
{
    struct mamori_buf d;
    struct mamori_json j;
    mamori_buf_init(&d, (size_t)1 << 24);
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    envelope_json(m, &j);
    mamori_json_kv_string(&j, "original", m->id);
    if (m->sender_rule[0])
        mamori_json_kv_string(&j, "sender_rule", m->sender_rule);
    mamori_json_key(&j, "result");
    mamori_mail_report_json(res, &j);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    if (r < 0) {
        mamori_buf_done(&d);
        return r;
    }
    const char *verdict = res->verdict == MAMORI_MAIL_HELD ? "held" : "sanitized";
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = "mamorid",
                                .action = "mail.sanitize",
                                .object = m->id,
                                .decision = verdict,
                                .clause = "6(3)②",
                                .details = d.data};
    struct mamori_store *st = g->inst->store;
    unsigned stripe = (unsigned)strtoul((char[]){m->id[7], m->id[8], '\0'}, NULL, 16);
    pthread_mutex_t *idl = &g->id_lock[stripe % ID_LOCKS];
    pthread_mutex_lock(idl);
    pthread_mutex_lock(&g->lock);
    if (!g->inst->log) {
        r = -EACCES;
        goto out;
    }
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_original have;
    r = a ? mamori_store_original_get(st, m->id, a, &have) : -ENOMEM;
    mamori_arena_free(a);
    int64_t days = g->policy->retention.originals_days;
    pthread_mutex_unlock(&g->lock);
    bool kept = r == 0;
    if (r < 0 && r != -ENOENT)
        goto out_unlocked;
    /* The slow part (encrypt, write, two fsyncs) outside the store lock. */
    uint8_t sealed[MAMORI_SEALED_KEY_LEN];
    if (!kept && (r = mamori_quarantine_put(g->inst->quarantine_dir, g->inst->quarantine_key_path,
                                            m->id, raw, raw_len, sealed)) < 0)
        goto out_unlocked;
    pthread_mutex_lock(&g->lock);
    if ((r = mamori_store_begin(st)) < 0)
        goto out;
    if (!kept) {
        char *rcpts = NULL;
        size_t rl = 0;
        FILE *f = open_memstream(&rcpts, &rl);
        for (size_t i = 0; f && i < mamori_milter_n_rcpts(m->s); i++)
            fprintf(f, "%s%s", i ? "," : "", mamori_milter_rcpt(m->s, i));
        if (f)
            fclose(f);
        struct mamori_store_original o = {
            .id = m->id,
            .kind = "mail",
            .size = (int64_t)raw_len,
            .sealed_key = sealed,
            .sealed_key_len = sizeof(sealed),
            .created_us = rec.time_us,
            .expires_us = rec.time_us + (days > 0 ? days : 90) * 86400 * (int64_t)1000000,
            .queue_id = m->queue_id,
            .sender = mamori_milter_sender(m->s),
            .recipients = rcpts ? rcpts : "",
            .message_id = res->message_id,
            .subject = res->subject,
            .verdict = verdict,
        };
        r = rcpts ? mamori_store_original_put(st, &o) : -ENOMEM;
        free(rcpts);
        if (r > 0)
            r = 0;
    }
    if (r == 0)
        r = mamori_log_append_in(g->inst->log, &rec, 1, NULL);
    if (r == 0)
        r = mamori_store_commit(st);
    if (r < 0)
        mamori_store_rollback(st);
out:
    pthread_mutex_unlock(&g->lock);
out_unlocked:
    pthread_mutex_unlock(idl);
    mamori_buf_done(&d);
    return r;
}

/* ---- one message ------------------------------------------------------------------------ */

static int
tempfail(struct mamori_milter_session *s, struct mamori_buf *out)
{
    return mamori_milter_reply_code(s, "451", "4.7.1",
                                    "mamori: temporarily unable to sanitize; try again later", out);
}

static int
handle_message(struct gw *g, struct mamori_milter_session *s, struct mamori_buf *out)
{
    int64_t t0 = mamori_now_us();
    const char *qid = mamori_milter_macro(s, "i");
    const char *client = mamori_milter_macro(s, "{client_addr}");
    struct msg_ctx m = {.s = s,
                        .queue_id = qid ? qid : "",
                        .client = client ? client : "",
                        .size = mamori_milter_size(s)};
    if (mamori_milter_oversized(s)) {
        gw_log(_("%s: refused: %llu bytes is over the size limit"), m.queue_id,
               (unsigned long long)m.size);
        record_event(g, &m, "mail.refuse", "refused", "size-limit");
        return mamori_milter_reply_code(s, "552", "5.3.4", "mamori: message too large to sanitize",
                                        out);
    }
    size_t len;
    const char *raw = mamori_milter_message(s, &len);
    uint8_t h[32];
    mamori_sha256(raw, len, h);
    mamori_original_id(h, m.id);

    struct slot *slot;
    struct mamori_buf resp;
    mamori_buf_init(&resp, MAMORI_FRAME_MAX);
    /* A sender rule changes how links are shown, never whether the mail is sanitized. */
    int urls = MAMORI_MAIL_JOB_POLICY, mailto = MAMORI_MAIL_JOB_POLICY;
    pthread_mutex_lock(&g->lock);
    const struct mamori_sender_rule *rule =
        mamori_policy_sender_rule(g->policy, mamori_milter_sender(s));
    if (rule) {
        if (rule->urls)
            urls = (int)rule->urls - 1;
        if (rule->mailto)
            mailto = (int)rule->mailto - 1;
        snprintf(m.sender_rule, sizeof(m.sender_rule), "%s", rule->domain);
    }
    pthread_mutex_unlock(&g->lock);
    char head[MAMORI_MAIL_JOB_HEADER];
    mamori_mail_job_header(head, urls, mailto);
    struct mamori_span parts[2] = {{head, sizeof(head)}, {raw, len}};
    int r = slot_borrow(g, &slot);
    int64_t tw = mamori_now_us();
    if (r == 0)
        r = mamori_worker_pool_runv(slot->pool, parts, 2, &resp);
    tw = mamori_now_us() - tw;
    slot_return(g, slot);
    struct mamori_mail_result *res = NULL;
    if (r >= 0)
        r = mamori_mail_result_decode(resp.data ? resp.data : "", resp.len, &res);
    mamori_buf_done(&resp);
    const char *why = NULL;
    if (r < 0)
        why = r == -ETIMEDOUT                        ? "worker-timeout"
              : r == -ECHILD                         ? "worker-died"
              : r == -EPROTO || r == MAMORI_E_SYNTAX ? "worker-malformed"
              : r == -EAGAIN                         ? "worker-backoff"
                                                     : "worker-error";
    else if (memcmp(res->original_sha256, h, 32) != 0)
        why = "worker-malformed"; /* it answered for other bytes */
    if (!why && (r = keep_and_record(g, &m, raw, len, res)) < 0)
        why = r == -ENOSPC ? "disk-full" : r == -EROFS ? "read-only" : "store-error";
    if (!why) {
        r = mamori_milter_reply_replace(s, res->output, res->output_len, out);
        if (r < 0)
            why = "reply-error";
    }
    if (why) {
        gw_log(_("%s: temporary failure (%s: %s); Postfix keeps the message"), m.queue_id, why,
               mamori_strerror(r));
        record_event(g, &m, "mail.tempfail", "tempfail", why);
        mamori_mail_result_free(res);
        return tempfail(s, out);
    }
    gw_log("%s: %s %s size=%zu attachments=%zu ms=%.2f sanitize_ms=%.2f", m.queue_id,
           res->verdict == MAMORI_MAIL_HELD ? "held" : "sanitized", m.id, len, res->n_attachments,
           (double)(mamori_now_us() - t0) / 1000.0, (double)tw / 1000.0);
    mamori_mail_result_free(res);
    return 0;
}

/* ---- connections ------------------------------------------------------------------------ */

struct conn {
    struct gw *g;
    int fd;
    bool tcp;
};

static int
write_all(int fd, const char *p, size_t n)
{
    while (n) {
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

static void *
conn_main(void *arg)
{
    struct conn *c = arg;
    struct gw *g = c->g;
    pthread_mutex_lock(&g->lock);
    int64_t max = g->job.opts.limits.max_message_bytes;
    pthread_mutex_unlock(&g->lock);
    struct mamori_milter_limits lim = {.max_message = max > 0 ? (size_t)max : 0};
    struct mamori_milter_session *s = NULL;
    struct mamori_buf out;
    mamori_buf_init(&out, (size_t)512 << 20);
    if (mamori_milter_session_new(&lim, &s) < 0)
        goto done;
    for (;;) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, IDLE_POLL_MS);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0) {
            if (atomic_load(&g->stopping))
                break; /* idle at shutdown: the MTA reconnects to whoever runs next */
            continue;
        }
        struct mamori_buf *in = mamori_milter_input(s);
        if (mamori_buf_reserve(in, READ_CHUNK) < 0) {
            gw_log(_("milter connection: a packet is over the limit; closing"));
            break;
        }
        ssize_t n = recv(c->fd, in->data + in->len, READ_CHUNK, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        in->len += (size_t)n;
        /* The MTA sends headers and body chunks without waiting for replies (and without
         * TCP_NODELAY): acknowledge at once, or its Nagle waits for our delayed ACK. */
        if (c->tcp) {
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
        }
        int ev;
        bool quit = false;
        while ((ev = mamori_milter_step(s, &out)) > 0) {
            if (ev == MAMORI_MILTER_MESSAGE && handle_message(g, s, &out) < 0) {
                ev = -EIO;
                break;
            }
            if (ev == MAMORI_MILTER_CLOSE) {
                quit = true;
                break;
            }
        }
        if (ev < 0) {
            gw_log(_("milter connection: protocol error (%s); closing"), mamori_strerror(ev));
            break;
        }
        /* Every reply of this burst in one write: no Nagle / delayed-ACK stall. */
        if (out.len && write_all(c->fd, out.data, out.len) < 0)
            break;
        mamori_buf_reset(&out);
        if (quit)
            break;
    }
done:
    mamori_milter_session_free(s);
    mamori_buf_done(&out);
    close(c->fd);
    free(c);
    atomic_fetch_sub(&g->active, 1);
    return NULL;
}

/* ---- listeners -------------------------------------------------------------------------- */

static int
listen_unix(struct gw *g, const char *path)
{
    char *full = NULL;
    if (path[0] != '/' && asprintf(&full, "%s/%s", g->inst->dir, path) < 0)
        return -ENOMEM;
    const char *p = full ? full : path;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int r = 0;
    if (strlen(p) >= sizeof(sa.sun_path)) {
        r = -ENAMETOOLONG;
        goto out;
    }
    memcpy(sa.sun_path, p, strlen(p) + 1);
    struct stat st;
    if (lstat(p, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(p); /* left by a daemon that did not stop cleanly */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        r = -errno;
        goto out;
    }
    /* Access is controlled by the directory (DIR/run, 0750): the socket itself is open. */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(p, 0666) < 0 ||
        listen(fd, 128) < 0) {
        r = -errno;
        close(fd);
        goto out;
    }
    g->listen_unix[g->n_listen] = true;
    g->listen_fd[g->n_listen++] = fd;
    gw_log(_("milter listening on unix:%s"), p);
out:
    free(full);
    return r;
}

static int
listen_inet(struct gw *g, const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    size_t hl = (size_t)(colon - spec);
    if (hl >= sizeof(host))
        return -ENAMETOOLONG;
    memcpy(host, spec, hl);
    host[hl] = '\0';
    char *h = host;
    if (h[0] == '[' && hl > 1 && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST};
    struct addrinfo *ai;
    int e = getaddrinfo(h, colon + 1, &hints, &ai);
    if (e != 0)
        return -EADDRNOTAVAIL;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1, r = 0;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0)
        r = -errno;
    freeaddrinfo(ai);
    if (r < 0) {
        if (fd >= 0)
            close(fd);
        return r;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char nhost[128] = "?", nport[16] = "?";
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        getnameinfo((struct sockaddr *)&ss, sl, nhost, sizeof(nhost), nport, sizeof(nport),
                    NI_NUMERICHOST | NI_NUMERICSERV);
    g->listen_unix[g->n_listen] = false;
    g->listen_fd[g->n_listen++] = fd;
    gw_log(_("milter listening on inet:%s:%s"), nhost, nport);
    return 0;
}

static void
accept_one(struct gw *g, size_t i)
{
    int fd = accept4(g->listen_fd[i], NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (atomic_load(&g->active) >= MAX_CONNECTIONS) {
        gw_log(_("too many milter connections (%d); refusing one"), MAX_CONNECTIONS);
        close(fd);
        return;
    }
    if (!g->listen_unix[i]) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    struct conn *c = malloc(sizeof(*c));
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    atomic_fetch_add(&g->active, 1);
    if (!c || (*c = (struct conn){g, fd, !g->listen_unix[i]},
               pthread_create(&t, &attr, conn_main, c)) != 0) {
        atomic_fetch_sub(&g->active, 1);
        free(c);
        close(fd);
    }
    pthread_attr_destroy(&attr);
}

/* ---- policy ----------------------------------------------------------------------------- */

static int
load_policy(struct gw *g)
{
    struct mamori_diags diags;
    mamori_diags_init(&diags, g->inst->policy_path);
    struct mamori_policy *p = NULL;
    int r = mamori_policy_load_file(g->inst->policy_path, mamori_today(), &p, &diags);
    if (r < 0) {
        struct mamori_buf b;
        mamori_buf_init(&b, (size_t)1 << 20);
        if (mamori_diags_format(&diags, &b) == 0 && b.len)
            fprintf(stderr, "%.*s", (int)b.len, b.data);
        mamori_buf_done(&b);
        mamori_diags_done(&diags);
        return r;
    }
    mamori_diags_done(&diags);
    pthread_mutex_lock(&g->lock);
    if (g->policy) {
        struct mamori_policy **n =
            realloc(g->retired, (g->n_retired + 1) * sizeof(struct mamori_policy *));
        if (!n) {
            pthread_mutex_unlock(&g->lock);
            mamori_policy_free(p);
            return -ENOMEM;
        }
        g->retired = n;
        g->retired[g->n_retired++] = g->policy;
    }
    g->policy = p;
    memset(&g->job, 0, sizeof(g->job));
    mamori_mail_options_from_policy(p, &g->job.opts);
    g->gen++;
    pthread_mutex_unlock(&g->lock);
    return 0;
}

/* ---- main loop -------------------------------------------------------------------------- */

int
mamori_gateway_run(struct mamori_instance *inst, const struct mamori_gateway_config *conf)
{
    struct gw *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->inst = inst;
    g->conf = conf;
    pthread_mutex_init(&g->lock, NULL);
    for (size_t i = 0; i < ID_LOCKS; i++)
        pthread_mutex_init(&g->id_lock[i], NULL);
    pthread_mutex_init(&g->wlock, NULL);
    pthread_cond_init(&g->wcond, NULL);
    int r = 0, sfd = -1;
    /* Signals are read from a signalfd: blocked here, before any thread starts (the
     * console's threads inherit the mask). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (!inst->log) {
        gw_log(_("cannot open the audit log for writing (is keys/audit.key readable?)"));
        r = -EACCES;
        goto out;
    }
    r = mamori_quarantine_key_create(inst->quarantine_key_path);
    if (r < 0) {
        gw_log(_("cannot create %s: %s"), inst->quarantine_key_path, mamori_strerror(r));
        goto out;
    }
    if ((r = load_policy(g)) < 0) {
        gw_log(_("the policy %s does not load; not starting"), inst->policy_path);
        goto out;
    }
    /* The console first: it binds its catalog (setenv) before any other thread runs. */
    struct mamori_console_config cc = {.lgwan = conf->console,
                                       .upload = conf->upload,
                                       .tls_cert = conf->tls_cert,
                                       .tls_key = conf->tls_key,
                                       .clamd = conf->clamd,
                                       .mail_relay = conf->mail_relay};
    if ((r = mamori_console_start(inst, &g->lock, &cc, &g->console)) < 0) {
        gw_log(_("the console does not start (see above); not starting"));
        goto out;
    }
    if (conf->console)
        gw_log(_("console (LGWAN face) on %s%s"), conf->tls_cert ? "https://" : "http://",
               conf->console);
    if (conf->upload)
        gw_log(_("console (internet face, sign-in and uploads only) on %s%s"),
               conf->tls_cert ? "https://" : "http://", conf->upload);
    g->n_slots = conf->workers ? conf->workers : 2;
    g->slots = calloc(g->n_slots, sizeof(*g->slots));
    if (!g->slots) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < conf->n_milter && r == 0; i++) {
        const char *spec = conf->milter[i];
        r = strncmp(spec, "unix:", 5) == 0 ? listen_unix(g, spec + 5) : listen_inet(g, spec + 5);
        if (r < 0)
            gw_log(_("cannot listen on %s: %s"), spec, mamori_strerror(r));
    }
    if (r < 0)
        goto out;

    sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0) {
        r = -errno;
        goto out;
    }
    struct mamori_record start = {.actor = "mamorid",
                                  .action = "gateway.start",
                                  .object = inst->dir,
                                  .decision = "ok",
                                  .clause = "6(3)②",
                                  .details = "{}"};
    pthread_mutex_lock(&g->lock);
    r = mamori_instance_record(inst, &start);
    pthread_mutex_unlock(&g->lock);
    if (r < 0) {
        gw_log(_("cannot record in the audit log: %s"), mamori_strerror(r));
        goto out;
    }
    struct mamori_monitor *mon = NULL;
    int mr = mamori_monitor_start(inst, &g->lock, &g->policy->monitoring, conf->mail_relay,
                                  conf->alert_mail, &mon);
    if (mr < 0)
        gw_log(_("firewall monitoring is off: cannot read nflog group %lld (%s)"),
               (long long)g->policy->monitoring.nflog_group, mamori_strerror(mr));
    else
        gw_log(_("watching the firewall's denied packets (nflog group %lld)"),
               (long long)g->policy->monitoring.nflog_group);
    gw_log(_("ready: %zu workers"), g->n_slots);

    while (!atomic_load(&g->stopping)) {
        struct pollfd pfd[MAMORI_GATEWAY_MAX_LISTENERS + 1];
        pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
        for (size_t i = 0; i < g->n_listen; i++)
            pfd[i + 1] = (struct pollfd){.fd = g->listen_fd[i], .events = POLLIN};
        if (poll(pfd, g->n_listen + 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            r = -errno;
            break;
        }
        if (pfd[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGHUP) {
                    if (load_policy(g) == 0 && mamori_console_reload(g->console) == 0)
                        gw_log(_("policy reloaded"));
                    else
                        gw_log(_("the new policy does not load; keeping the old one"));
                } else {
                    gw_log(_("stopping"));
                    atomic_store(&g->stopping, true);
                }
            }
        }
        for (size_t i = 0; i < g->n_listen; i++)
            if (pfd[i + 1].revents & POLLIN)
                accept_one(g, i);
    }
    mamori_monitor_stop(mon);
    mamori_console_stop(g->console);
    g->console = NULL;
    /* Stop accepting; let messages in progress finish (at most the worker timeout). */
    for (size_t i = 0; i < g->n_listen; i++)
        close(g->listen_fd[i]);
    g->n_listen = 0;
    int64_t deadline = mamori_now_us() + ((int64_t)conf->worker_timeout + 5) * 1000000;
    while (atomic_load(&g->active) > 0 && mamori_now_us() < deadline) {
        struct timespec ts = {0, 50L * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (atomic_load(&g->active) > 0)
        gw_log(_("%d connections still open at exit; the MTA retries their messages"),
               atomic_load(&g->active));
    else
        r = 0;
out:
    mamori_console_stop(g->console);
    if (sfd >= 0)
        close(sfd);
    for (size_t i = 0; i < g->n_listen; i++)
        close(g->listen_fd[i]);
    if (atomic_load(&g->active) == 0) {
        for (size_t i = 0; i < g->n_slots; i++)
            mamori_worker_pool_free(g->slots[i].pool);
        free(g->slots);
        for (size_t i = 0; i < g->n_retired; i++)
            mamori_policy_free(g->retired[i]);
        free(g->retired);
        mamori_policy_free(g->policy);
        free(g);
    }
    /* Otherwise threads still hold g: the process is about to exit. */
    return r;
}
