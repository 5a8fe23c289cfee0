/*
 * Replays fuzz inputs as an ordinary test: every file in the directories given (the corpus
 * and past crashers) is fed to the target once. Prints TAP, one line per directory.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
    int failed = 0;
    printf("1..%d\n", argc - 1);
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            printf("not ok %d - %s: cannot open\n", i, argv[i]);
            failed++;
            continue;
        }
        size_t n = 0;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            char *data;
            size_t len;
            if (mamori_fs_read_file(path, (size_t)64 << 20, &data, &len) < 0)
                continue;
            LLVMFuzzerTestOneInput((const uint8_t *)data, len);
            free(data);
            n++;
        }
        closedir(d);
        printf("ok %d - %s: %zu inputs replayed\n", i, argv[i], n);
    }
    return failed ? 1 : 0;
}
