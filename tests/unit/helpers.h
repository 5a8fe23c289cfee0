/*
 * Small helpers shared by the unit tests: temporary directories and the source tree's data.
 */
#ifndef MAMORI_TEST_HELPERS_H
#define MAMORI_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifndef MAMORI_SOURCE_DIR
#error "MAMORI_SOURCE_DIR must be defined by the build"
#endif

/* A fresh directory under $TMPDIR; removed by test_tmpdir_remove. */
static inline char *
test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/mamori-test-XXXXXX", base && *base ? base : "/tmp") < 0)
        return NULL;
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static inline void
test_tmpdir_remove(char *path)
{
    if (!path)
        return;
    char *cmd = NULL;
    if (asprintf(&cmd, "rm -rf '%s'", path) >= 0) {
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", path);
        free(cmd);
    }
    free(path);
}

static inline char *
test_source_path(const char *rel)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", MAMORI_SOURCE_DIR, rel) < 0)
        return NULL;
    return p;
}

#endif
