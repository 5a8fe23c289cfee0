/*
 * Monitoring the boundary (基本方針 6(3)③, 6(7)): denied inter-zone packets arrive from the
 * firewall on an nflog group (libnetfilter_log); each is parsed (src/netfw/denylog.c: the IP
 * header only) and counted; every FLUSH_US the counts go to the store and the audit log.
 */
#include <errno.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "mamori/mail.h"
#include "mamori/netfw.h"
#include "mamori/smtp.h"

#define FLUSH_US  ((int64_t)5 * 1000000)
#define COPY_SIZE 128 /* bytes of each packet: the headers, no content */

struct mamori_monitor {
    struct mamori_instance *inst;
    pthread_mutex_t *lock;
    struct nflog_handle *h;
    struct nflog_g_handle *gh;
    struct mamori_deny_tally *tally;
    unsigned group;
    const char *relay, *alert_to;
    struct mamori_deny pending[16]; /* alerts to mail, sent outside the packet callback */
    size_t n_pending;
    pthread_t thread;
    atomic_bool stop;
    uint64_t malformed, alerts;
};

static void mon_log(const char *fmt, ...) MAMORI_PRINTF(1, 2);

static void
mon_log(const char *fmt, ...)
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

static void
deny_json(struct mamori_json *j, const struct mamori_deny *d)
{
    char pb[8];
    mamori_json_kv_string(j, "rule", d->rule);
    mamori_json_kv_string(j, "src", d->src);
    mamori_json_kv_string(j, "dst", d->dst);
    mamori_json_kv_string(j, "proto", mamori_deny_proto_name(d->proto, pb));
    mamori_json_kv_int(j, "dport", d->dport);
}

static int
record(struct mamori_monitor *m, const char *action, const char *decision,
       const struct mamori_deny *d, const struct mamori_deny_entry *e, bool in_tx)
{
    struct mamori_buf b;
    struct mamori_json j;
    mamori_buf_init(&b, 4096);
    mamori_json_init(&j, &b, false);
    mamori_json_object_begin(&j);
    deny_json(&j, d);
    if (e) {
        mamori_json_kv_int(&j, "count", (int64_t)e->count);
        mamori_json_kv_int(&j, "first_us", e->first_us);
        mamori_json_kv_int(&j, "last_us", e->last_us);
    }
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    char object[160];
    snprintf(object, sizeof(object), "%s->%s", d->src, d->dst);
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = "mamorid",
                                .action = action,
                                .object = object,
                                .decision = decision,
                                .clause = "6(3)③",
                                .details = b.data};
    if (r == 0)
        r = !m->inst->log ? -EACCES
            : in_tx       ? mamori_log_append_in(m->inst->log, &rec, 1, NULL)
                          : mamori_log_append(m->inst->log, &rec, 1, NULL);
    mamori_buf_done(&b);
    return r;
}

static int
flush_one(void *ctx, const struct mamori_deny_entry *e)
{
    struct mamori_monitor *m = ctx;
    char pb[8];
    struct mamori_store_deny row = {.rule = e->d.rule,
                                    .src = e->d.src,
                                    .dst = e->d.dst,
                                    .proto = mamori_deny_proto_name(e->d.proto, pb),
                                    .dport = e->d.dport,
                                    .count = (int64_t)e->count,
                                    .first_us = e->first_us,
                                    .last_us = e->last_us};
    int r = mamori_store_deny_add(m->inst->store, &row);
    if (r == 0)
        r = record(m, "fw.deny", "denied", &e->d, e, true);
    return r;
}

static void
flush(struct mamori_monitor *m)
{
    pthread_mutex_lock(m->lock);
    int r = m->inst->log ? mamori_store_begin(m->inst->store) : -EACCES;
    if (r == 0) {
        r = mamori_deny_tally_flush(m->tally, flush_one, m);
        if (r == 0)
            r = mamori_store_commit(m->inst->store);
        if (r < 0)
            mamori_store_rollback(m->inst->store);
    }
    pthread_mutex_unlock(m->lock);
    if (r < 0)
        mon_log(_("cannot record denied attempts (kept for the next try): %s"), mamori_strerror(r));
}

static int
on_packet(struct nflog_g_handle *gh, struct nfgenmsg *msg, struct nflog_data *nfa, void *ctx)
{
    struct mamori_monitor *m = ctx;
    char *payload = NULL;
    int len = nflog_get_payload(nfa, &payload);
    struct mamori_deny d;
    if (len <= 0 ||
        mamori_deny_parse(nflog_get_prefix(nfa), (const uint8_t *)payload, (size_t)len, &d) < 0) {
        m->malformed++;
        return 0;
    }
    int64_t now = mamori_now_us();
    if (mamori_deny_tally_add(m->tally, &d, now) == 1) {
        m->alerts++;
        char pb[8];
        mon_log(_("alert: %s keeps trying %s (%s/%u, rule %s)"), d.src, d.dst,
                mamori_deny_proto_name(d.proto, pb), d.dport, d.rule);
        pthread_mutex_lock(m->lock);
        int r = record(m, "fw.alert", "alert", &d, NULL, false);
        pthread_mutex_unlock(m->lock);
        if (r < 0)
            mon_log(_("cannot record in the audit log: %s"), mamori_strerror(r));
        if (m->alert_to && m->n_pending < MAMORI_ARRAY_SIZE(m->pending))
            m->pending[m->n_pending++] = d;
    }
    return 0;
}

/* Mails one alert to alert_to through the relay, and records whether it went. */
static void
mail_alert(struct mamori_monitor *m, const struct mamori_deny *d)
{
    char host[256] = "localhost", from[300], pb[8];
    gethostname(host, sizeof(host) - 1);
    snprintf(from, sizeof(from), "mamori-noreply@%s", host);
    const char *proto = mamori_deny_proto_name(d->proto, pb);
    char subject[400];
    snprintf(subject, sizeof(subject), "【mamori 警報 / alert】%s → %s", d->src, d->dst);
    struct mamori_buf subj, body, msg;
    mamori_buf_init(&subj, 4096);
    mamori_buf_init(&body, 8192);
    mamori_buf_init(&msg, 65536);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&now, &tm));
    int r = mamori_rfc2047_encode(subject, strlen(subject), 9, &subj);
    if (r == 0)
        r = mamori_buf_printf(&body,
                              "境界のファイアウォールが、同じ送信元から同じ宛先への通信を繰り返し"
                              "拒否しています（基本方針 6(3)③）。\n送信元: %s\n宛先: %s\n"
                              "種別: %s/%u\n規則: %s\n詳細: mamori fw denies\n\n"
                              "The boundary firewall keeps denying one source trying one "
                              "destination.\nSource: %s\nDestination: %s\nService: %s/%u\n"
                              "Rule: %s\nDetails: mamori fw denies\n",
                              d->src, d->dst, proto, d->dport, d->rule, d->src, d->dst, proto,
                              d->dport, d->rule);
    if (r == 0)
        r = mamori_buf_printf(&msg,
                              "From: mamori <%s>\nTo: <%s>\nSubject: %s\nDate: %s\n"
                              "Auto-Submitted: auto-generated\nMIME-Version: 1.0\n"
                              "Content-Type: text/plain; charset=UTF-8\n"
                              "Content-Transfer-Encoding: base64\n\n",
                              from, m->alert_to, subj.data, date);
    if (r == 0)
        r = mamori_base64_lines(body.data, body.len, &msg);
    char err[256] = "";
    if (r == 0)
        r = mamori_smtp_send(m->relay, host, from, m->alert_to, msg.data, msg.len, 10000, err,
                             sizeof(err));
    if (r < 0)
        mon_log(_("cannot mail the alert to %s: %s %s"), m->alert_to, mamori_strerror(r), err);
    pthread_mutex_lock(m->lock);
    record(m, "alert.mail", r == 0 ? "sent" : "failed", d, NULL, false);
    pthread_mutex_unlock(m->lock);
    mamori_buf_done(&subj);
    mamori_buf_done(&body);
    mamori_buf_done(&msg);
}

static void *
monitor_main(void *arg)
{
    struct mamori_monitor *m = arg;
    int fd = nflog_fd(m->h);
    char buf[65536];
    int64_t next_flush = mamori_now_us() + FLUSH_US;
    while (!atomic_load(&m->stop)) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, 500);
        if (pr > 0) {
            ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n > 0)
                nflog_handle_packet(m->h, buf, (int)n);
            else if (n < 0 && errno == ENOBUFS)
                mon_log(_("the firewall log overflowed; some attempts were not counted"));
            for (size_t i = 0; i < m->n_pending; i++)
                mail_alert(m, &m->pending[i]);
            m->n_pending = 0;
        }
        if (mamori_now_us() >= next_flush) {
            flush(m);
            next_flush = mamori_now_us() + FLUSH_US;
        }
    }
    flush(m);
    return NULL;
}

int
mamori_monitor_start(struct mamori_instance *inst, pthread_mutex_t *store_lock,
                     const struct mamori_monitoring *settings, const char *relay,
                     const char *alert_to, struct mamori_monitor **ret)
{
    struct mamori_monitor *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->inst = inst;
    if (relay && alert_to) {
        m->relay = relay;
        m->alert_to = alert_to;
    }
    m->lock = store_lock;
    m->group = (unsigned)settings->nflog_group;
    int r = mamori_deny_tally_new((uint64_t)settings->alert_after,
                                  settings->alert_window_seconds * 1000000, &m->tally);
    if (r < 0)
        goto fail;
    m->h = nflog_open();
    if (!m->h) {
        r = errno ? -errno : -EIO;
        goto fail;
    }
    /* Kernels before 3.x wanted a per-family bind; newer ones ignore it. */
    nflog_bind_pf(m->h, AF_INET);
    nflog_bind_pf(m->h, AF_INET6);
    m->gh = nflog_bind_group(m->h, (uint16_t)m->group);
    if (!m->gh) {
        r = errno ? -errno : -EBUSY;
        goto fail;
    }
    if (nflog_set_mode(m->gh, NFULNL_COPY_PACKET, COPY_SIZE) < 0) {
        r = errno ? -errno : -EIO;
        goto fail;
    }
    nflog_callback_register(m->gh, on_packet, m);
    if ((r = -pthread_create(&m->thread, NULL, monitor_main, m)) < 0)
        goto fail;
    *ret = m;
    return 0;
fail:
    if (m->gh)
        nflog_unbind_group(m->gh);
    if (m->h)
        nflog_close(m->h);
    mamori_deny_tally_free(m->tally);
    free(m);
    return r;
}

void
mamori_monitor_stop(struct mamori_monitor *m)
{
    if (!m)
        return;
    atomic_store(&m->stop, true);
    pthread_join(m->thread, NULL);
    if (m->malformed)
        mon_log(_("%llu log packets were not mamori's or were malformed"),
                (unsigned long long)m->malformed);
    nflog_unbind_group(m->gh);
    nflog_close(m->h);
    mamori_deny_tally_free(m->tally);
    free(m);
}
