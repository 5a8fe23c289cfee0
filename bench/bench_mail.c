/*
 * Mail benchmark, one engine per process (so peak RSS is the engine's own):
 *     bench_mail MODE LIST REPEAT
 * MODE: mamori (the sanitizer, in batch), gmime (a bare GMime parse + decode walk of every
 * part), read (open/read/close of each file: the floor). LIST names one message file a line.
 * Prints one JSON line: bytes, seconds, MB/s, messages/s, peak RSS, and the slowest message
 * relative to the average time per byte. bench/run-mail drives it beside the Python peer.
 */
#include <fcntl.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mamori/mail.h"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
walk_gmime(GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
    GMimeStream *null = user_data;
    if (GMIME_IS_PART(part)) {
        GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(part));
        if (w)
            g_mime_data_wrapper_write_to_stream(w, null);
    }
}

static void
run_gmime(const char *data, size_t len, GMimeStream *null)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
    if (m) {
        g_mime_message_foreach(m, walk_gmime, null);
        g_object_unref(m);
    }
    g_object_unref(p);
    g_object_unref(s);
}

int
main(int argc, char **argv)
{
    if (argc != 4)
        return 64;
    const char *mode = argv[1];
    long repeat = strtol(argv[3], NULL, 10);
    if (repeat < 1)
        return 64;
    char *list;
    size_t list_len;
    if (mamori_fs_read_file(argv[2], 1 << 24, &list, &list_len) < 0)
        return 66;
    size_t n = 0, cap = 2048;
    char **paths = malloc(cap * sizeof(char *));
    for (char *save = NULL, *t = strtok_r(list, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        if (n == cap)
            paths = realloc(paths, (cap *= 2) * sizeof(char *));
        paths[n++] = t;
    }
    g_mime_init();
    mamori_mail_init();
    mamori_sha256_init();
    GMimeStream *null = g_mime_stream_null_new();
    /* Messages are read before timing (except in read mode): the engines work from memory. */
    char **data = calloc(n, sizeof(char *));
    size_t *lens = calloc(n, sizeof(size_t));
    if (strcmp(mode, "read") != 0)
        for (size_t i = 0; i < n; i++)
            if (mamori_fs_read_file(paths[i], (size_t)1 << 30, &data[i], &lens[i]) < 0)
                return 66;
    double *per = calloc(n, sizeof(double));
    size_t bytes = 0;
    double t0 = now();
    for (long r = 0; r < repeat; r++) {
        for (size_t i = 0; i < n; i++) {
            double a = now();
            if (strcmp(mode, "read") == 0) {
                char *d;
                size_t l;
                if (mamori_fs_read_file(paths[i], (size_t)1 << 30, &d, &l) == 0) {
                    lens[i] = l;
                    free(d);
                }
            } else if (strcmp(mode, "gmime") == 0) {
                run_gmime(data[i], lens[i], null);
            } else {
                struct mamori_mail_result *res;
                if (mamori_mail_sanitize(data[i], lens[i], NULL, &res) != 0)
                    return 70;
                mamori_mail_result_free(res);
            }
            per[i] += now() - a;
            bytes += lens[i];
        }
    }
    double secs = now() - t0;
    /* The slowest message per byte, against the average per byte. */
    double avg = secs / (double)bytes, worst = 0;
    size_t worst_i = 0;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] < 1024)
            continue; /* tiny messages are dominated by fixed costs */
        double ratio = per[i] / repeat / (double)lens[i] / avg;
        if (ratio > worst) {
            worst = ratio;
            worst_i = i;
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    size_t largest = 0;
    for (size_t i = 0; i < n; i++)
        if (lens[i] > largest)
            largest = lens[i];
    printf("{\"mode\":\"%s\",\"messages\":%zu,\"bytes\":%zu,\"seconds\":%.3f,\"mb_s\":%.1f,"
           "\"msgs_s\":%.0f,\"peak_rss_kb\":%ld,\"largest\":%zu,\"slowest_ratio\":%.1f,"
           "\"slowest\":\"%s\"}\n",
           mode, n * (size_t)repeat, bytes, secs, (double)bytes / secs / 1e6,
           (double)(n * (size_t)repeat) / secs, ru.ru_maxrss, largest, worst, paths[worst_i]);
    return 0;
}
