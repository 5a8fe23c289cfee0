/*
 * Audit-log benchmark: appends per second (batched, one durable transaction per batch) into
 * a real SQLite store, and verification speed from the store and from an export, beside the
 * floor set by hashing the same record bytes alone. Prints a Markdown table for
 * bench/RESULTS.md. Usage: bench_auditlog [RECORDS] [BATCH]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "mamori/auditlog.h"

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return v[n / 2];
}

static long
peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void
cpu_model(char *out, size_t n)
{
    snprintf(out, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                snprintf(out, n, "%s", colon + 2);
                out[strcspn(out, "\n")] = '\0';
            }
            break;
        }
    }
    fclose(f);
}

int
main(int argc, char **argv)
{
    long total = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    long batch = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
    if (total <= 0 || batch <= 0 || sodium_init() < 0)
        return 64;
    char dir[] = "/tmp/mamori-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 71;
    char path[512];
    snprintf(path, sizeof(path), "%s/store.db", dir);
    struct mamori_store *st;
    struct mamori_log_key key;
    struct mamori_log *log;
    if (mamori_store_open(path, false, &st) < 0 || mamori_log_key_generate("bench/log", &key) < 0)
        return 70;
    struct mamori_log_options o = {.checkpoint_every = 10000};
    if (mamori_log_open(st, &key, &o, &log) < 0)
        return 70;

    struct mamori_record *recs = calloc((size_t)batch, sizeof(*recs));
    char(*objects)[64] = calloc((size_t)batch, 64);
    uint64_t record_bytes = 0;
    double t0 = now_s();
    for (long done = 0; done < total; done += batch) {
        long n = total - done < batch ? total - done : batch;
        for (long i = 0; i < n; i++) {
            snprintf(objects[i], 64, "10.20.16.%ld -> 203.0.113.%ld tcp/443", (done + i) % 250,
                     (done + i) % 200);
            recs[i] = (struct mamori_record){.time_us = 1764374400000000LL + done + i,
                                             .actor = "mamorid",
                                             .action = "flow.deny",
                                             .object = objects[i],
                                             .decision = "deny",
                                             .clause = "6(3)②",
                                             .details = "{\"rule\":\"default\",\"count\":1}"};
        }
        if (mamori_log_append(log, recs, (size_t)n, NULL) < 0) {
            fprintf(stderr, "append failed\n");
            return 70;
        }
    }
    if (mamori_log_close(log) < 0)
        return 70;
    double t_append = now_s() - t0;

    /* Verification is repeated and the median kept: the machine is shared. */
    enum { RUNS = 5 };
    double runs[RUNS];
    struct mamori_verify_result res;
    for (int k = 0; k < RUNS; k++) {
        t0 = now_s();
        if (mamori_log_verify(st, &key, NULL, 0, &res) < 0 || !res.ok) {
            fprintf(stderr, "verify failed: %s\n", res.message);
            return 70;
        }
        runs[k] = now_s() - t0;
    }
    double t_verify = median(runs, RUNS);

    struct mamori_buf ex;
    mamori_buf_init(&ex, (size_t)1 << 34);
    if (mamori_log_export(st, &key, &ex) < 0)
        return 70;
    for (int k = 0; k < RUNS; k++) {
        t0 = now_s();
        if (mamori_log_verify_export(ex.data, ex.len, &key, NULL, 0, &res) < 0 || !res.ok)
            return 70;
        runs[k] = now_s() - t0;
    }
    double t_verify_export = median(runs, RUNS);

    /* The floor, and the two SHA-256 implementations side by side: the leaf hash of every
     * record body alone, bodies encoded beforehand. */
    struct mamori_buf bodies;
    mamori_buf_init(&bodies, (size_t)1 << 34);
    size_t *offsets = calloc((size_t)total + 1, sizeof(size_t));
    for (long done = 0; done < total; done++) {
        snprintf(objects[0], 64, "10.20.16.%ld -> 203.0.113.%ld tcp/443", done % 250, done % 200);
        struct mamori_record r = {.seq = (uint64_t)done,
                                  .time_us = 1764374400000000LL + done,
                                  .actor = "mamorid",
                                  .action = "flow.deny",
                                  .object = objects[0],
                                  .decision = "deny",
                                  .clause = "6(3)②",
                                  .details = "{\"rule\":\"default\",\"count\":1}"};
        offsets[done] = bodies.len;
        mamori_record_encode(&r, &bodies);
    }
    offsets[total] = bodies.len;
    record_bytes = bodies.len;
    uint8_t h[32];
    t0 = now_s();
    for (long i = 0; i < total; i++)
        mamori_merkle_leaf_hash(bodies.data + offsets[i], offsets[i + 1] - offsets[i], h);
    double t_hash = now_s() - t0;
    t0 = now_s();
    static const char zero = 0;
    for (long i = 0; i < total; i++) {
        struct mamori_span parts[2] = {{&zero, 1},
                                       {bodies.data + offsets[i], offsets[i + 1] - offsets[i]}};
        mamori_sha256_portable(parts, 2, h);
    }
    double t_hash_sodium = now_s() - t0;

    char cpu[256];
    cpu_model(cpu, sizeof(cpu));
    struct utsname u;
    uname(&u);
    printf("## Audit log (%ld records of %.0f bytes, batches of %ld)\n\n", total,
           (double)record_bytes / (double)total, batch);
    printf(
        "Machine: %s, %ld cores, Linux %s; SQLite store on the local disk, synchronous=FULL.\n\n",
        cpu, sysconf(_SC_NPROCESSORS_ONLN), u.release);
    printf("| measure | records/s | vs. target |\n|---|---:|---|\n");
    printf("| append, batched (one fsync'd transaction per batch) | %.0f | target >= 50,000 |\n",
           (double)total / t_append);
    printf("| verify from the store (SQLite read + hash + tree), median of 5 | %.0f | target >= "
           "1,000,000 |\n",
           (double)total / t_verify);
    printf("| verify an export (in memory), median of 5 | %.0f | |\n",
           (double)total / t_verify_export);
    printf("| floor: leaf hash of each record only, libcrypto SHA-256 (used) | %.0f | |\n",
           (double)total / t_hash);
    printf("| floor: leaf hash of each record only, libsodium SHA-256 (peer) | %.0f | |\n",
           (double)total / t_hash_sodium);
    printf("\nPeak RSS: %ld KiB. Export size: %zu bytes.\n", peak_rss_kb(), ex.len);

    mamori_buf_done(&ex);
    mamori_buf_done(&bodies);
    free(offsets);
    mamori_store_close(st);
    free(recs);
    free(objects);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
