/*
 * The worker pool: jobs run in children that cannot open files, run programs or reach the
 * network; a child that crashes, hangs or speaks nonsense costs one job an error and is
 * replaced; children are recycled. Frames are parsed strictly.
 */
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mamori/sandbox.h"

/* The test job: the request names what to do. */
static int
job(void *ctx, const char *req, size_t len, struct mamori_buf *resp)
{
    char cmd[64] = {0};
    memcpy(cmd, req, len < 63 ? len : 63);
    if (strcmp(cmd, "crash") == 0)
        abort();
    if (strcmp(cmd, "hang") == 0)
        for (;;)
            pause();
    if (strcmp(cmd, "open") == 0) {
        int fd = open("/etc/hostname", O_RDONLY);
        return fd >= 0 ? 1 : -errno;
    }
    if (strcmp(cmd, "exec") == 0) {
        char *argv[] = {"/bin/true", NULL};
        execv("/bin/true", argv);
        return -errno;
    }
    if (strcmp(cmd, "socket") == 0)
        return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 1 : -errno;
    if (strcmp(cmd, "uid") == 0)
        return (int)getuid();
    if (strcmp(cmd, "garbage") == 0) {
        /* Write straight to the pipe, outside the framing. */
        if (write(3, "XXXXXXXXXX", 10) < 0)
            return -errno;
        for (;;)
            pause();
    }
    if (strcmp(cmd, "big") == 0) {
        for (int i = 0; i < 100000; i++)
            mamori_buf_puts(resp, "0123456789");
        return 0;
    }
    mamori_buf_puts(resp, "echo:");
    mamori_buf_append(resp, req, len);
    return 7;
}

static struct mamori_worker_pool *
pool_new(unsigned per_child, unsigned timeout_ms)
{
    struct mamori_worker_pool *p;
    struct mamori_worker_options o = {.jobs_per_child = per_child, .timeout_ms = timeout_ms};
    assert_int_equal(mamori_worker_pool_new(job, NULL, NULL, &o, &p), 0);
    return p;
}

static int
run(struct mamori_worker_pool *p, const char *req, struct mamori_buf *resp)
{
    mamori_buf_reset(resp);
    return mamori_worker_pool_run(p, req, strlen(req), resp);
}

static void
test_frames(void **state)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    assert_int_equal(mamori_frame_put(&b, 'A', "xy", 2), 0);
    assert_int_equal(mamori_frame_put(&b, 'B', NULL, 0), 0);
    assert_int_equal(mamori_frame_end(&b), 0);
    struct mamori_frame f[4];
    size_t n;
    assert_int_equal(mamori_frames_parse(b.data, b.len, f, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(f[0].type, 'A');
    assert_int_equal(f[0].len, 2);
    assert_memory_equal(f[0].data, "xy", 2);
    /* Cut short at any point, or with bytes after the end: refused. */
    for (size_t k = 0; k < b.len; k++)
        assert_int_not_equal(mamori_frames_parse(b.data, k, f, 4, &n), 0);
    assert_int_equal(mamori_buf_putc(&b, 0), 0);
    assert_int_equal(mamori_frames_parse(b.data, b.len, f, 4, &n), MAMORI_E_SYNTAX);
    assert_int_equal(mamori_frames_parse(b.data, b.len - 1, f, 1, &n), MAMORI_E_LIMIT);
    mamori_buf_done(&b);
}

static void
test_jobs_and_recycling(void **state)
{
    struct mamori_worker_pool *p = pool_new(3, 5000);
    struct mamori_buf resp;
    mamori_buf_init(&resp, 1 << 24);
    int first = 0;
    for (int i = 0; i < 7; i++) {
        assert_int_equal(run(p, "hello", &resp), 7);
        assert_string_equal(resp.data, "echo:hello");
        if (i == 0)
            first = mamori_worker_pool_child(p);
    }
    /* Recycled after three jobs: a different child now (or none until the next job). */
    assert_int_not_equal(mamori_worker_pool_child(p), first);
    assert_int_equal(run(p, "big", &resp), 0);
    assert_int_equal(resp.len, 1000000);
    if (getuid() == 0)
        assert_int_not_equal(run(p, "uid", &resp), 0); /* root dropped to nobody */
    mamori_buf_done(&resp);
    mamori_worker_pool_free(p);
}

static void
test_sandbox_denies(void **state)
{
    struct mamori_worker_pool *p = pool_new(100, 5000);
    struct mamori_buf resp;
    mamori_buf_init(&resp, 1 << 20);
    assert_int_equal(run(p, "open", &resp), -EACCES);   /* no files */
    assert_int_equal(run(p, "exec", &resp), -ECHILD);   /* running a program kills it */
    assert_int_equal(run(p, "hello", &resp), 7);        /* and the next job has a new child */
    assert_int_equal(run(p, "socket", &resp), -ECHILD); /* no network */
    assert_int_equal(run(p, "hello", &resp), 7);
    mamori_buf_done(&resp);
    mamori_worker_pool_free(p);
}

static void
test_failures_cost_one_job(void **state)
{
    struct mamori_worker_pool *p = pool_new(100, 300);
    struct mamori_buf resp;
    mamori_buf_init(&resp, 1 << 20);
    assert_int_equal(run(p, "crash", &resp), -ECHILD);
    assert_int_equal(run(p, "hello", &resp), 7);
    assert_int_equal(run(p, "hang", &resp), -ETIMEDOUT);
    assert_int_equal(run(p, "hello", &resp), 7);
    assert_int_equal(run(p, "garbage", &resp), -EPROTO);
    assert_int_equal(run(p, "hello", &resp), 7);
    /* Killed from outside between jobs: the next job notices and gets a new child. */
    assert_int_equal(kill(mamori_worker_pool_child(p), SIGKILL), 0);
    usleep(50000);
    int r = run(p, "hello", &resp);
    assert_true(r == -ECHILD || r == 7);
    assert_int_equal(run(p, "hello", &resp), 7);
    mamori_buf_done(&resp);
    mamori_worker_pool_free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_jobs_and_recycling),
        cmocka_unit_test(test_sandbox_denies),
        cmocka_unit_test(test_failures_cost_one_job),
    };
    return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
