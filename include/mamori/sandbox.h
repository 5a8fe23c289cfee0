/*
 * mamori sandbox (part of core): where hostile bytes are parsed.
 *
 * A worker pool runs a job function in child processes that hold no privileges, no network
 * and no files: each child drops to an unprivileged user when started as root, sets resource
 * limits (address space, CPU time, no new files, no core dumps, no processes), and enters a
 * seccomp allow-list (memory, reading and writing its pipe, time, exit; opening files fails).
 * Requests and responses cross a socketpair as typed, length-prefixed frames closed by an END
 * frame; the parent insists on the whole structure and kills a child that sends anything
 * else. A child that crashes, times out or misbehaves costs that one job an error
 * (-ECHILD, -ETIMEDOUT, -EPROTO), never the caller; it is replaced on the next job. Children
 * are recycled after a number of jobs.
 *
 *     mamori_worker_pool_new(job, ctx, &opts, &pool);
 *     r = mamori_worker_pool_run(pool, request, len, &response);   // in the parent
 *
 * The job runs in the child: bytes in, bytes out (a mamori_buf), no other effects.
 */
#ifndef MAMORI_SANDBOX_H
#define MAMORI_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/core.h"

#define MAMORI_FRAME_MAX ((size_t)256 << 20)

/* ---- frames ----------------------------------------------------------------------------- */

/* A frame: 1 byte type, 4 bytes big-endian length, the bytes. Type 'E' with length 0 ends a
 * message. */
int mamori_frame_put(struct mamori_buf *out, char type, const void *data, size_t len);
int mamori_frame_end(struct mamori_buf *out);

struct mamori_frame {
    char type;
    const char *data;
    size_t len;
};

/* Splits a whole message into frames (at most max); MAMORI_E_SYNTAX unless the bytes are
 * exactly frames followed by one END frame. */
int mamori_frames_parse(const char *data, size_t len, struct mamori_frame *frames, size_t max,
                        size_t *ret_n);

/* ---- worker pool ------------------------------------------------------------------------ */

/* Runs in the child: the request in, the response appended to resp. Its return value is sent
 * back; negative means the job failed (the response is then empty). */
typedef int (*mamori_worker_job)(void *ctx, const char *req, size_t req_len,
                                 struct mamori_buf *resp);
/* Runs in the child once, before the sandbox closes (loading what the job needs). */
typedef int (*mamori_worker_init)(void *ctx);

struct mamori_worker_options {
    unsigned timeout_ms;     /* per job; 0 = 30 s */
    unsigned jobs_per_child; /* recycle after this many; 0 = 1000 */
    size_t address_space;    /* RLIMIT_AS of a child; 0 = 2 GiB */
    unsigned cpu_seconds;    /* RLIMIT_CPU of a child; 0 = 60 */
    bool no_seccomp;         /* tests of the pool itself only */
};

struct mamori_worker_pool;

int mamori_worker_pool_new(mamori_worker_job job, mamori_worker_init init, void *ctx,
                           const struct mamori_worker_options *opts,
                           struct mamori_worker_pool **ret);
/* Starts a child now if none is running (or the last one died while idle). Callers do this when
 * they hold no large buffers: a child is forked, so it starts with a copy of the caller's memory.
 */
int mamori_worker_pool_start(struct mamori_worker_pool *pool);
/* Runs one job in a child (starting one if needed). 0 or the job's non-negative result, with the
 * response; the job's negative result; -ETIMEDOUT (the child was killed), -ECHILD (it died),
 * -EPROTO (it sent something malformed and was killed), -ENOMEM. */
int mamori_worker_pool_run(struct mamori_worker_pool *pool, const void *req, size_t req_len,
                           struct mamori_buf *resp);
/* The same with the request in parts, sent as one (no copy). */
int mamori_worker_pool_runv(struct mamori_worker_pool *pool, const struct mamori_span *parts,
                            size_t n_parts, struct mamori_buf *resp);
struct mamori_worker_pool *mamori_worker_pool_free(struct mamori_worker_pool *pool);
/* The pid of the current child, or 0 (tests kill it). */
int mamori_worker_pool_child(const struct mamori_worker_pool *pool);

#endif
