/*
 * File helpers. Writes are atomic and durable: a state file is either the old one or the new
 * one after a crash, never a torn mix (temp file, fsync, rename, fsync of the directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mamori/core.h"

/* Reads fd to the end; size_hint (the file's size, when known) sizes the buffer once. */
static int
read_fd(int fd, size_t max, size_t size_hint, char **ret_data, size_t *ret_len)
{
    struct mamori_buf b;
    mamori_buf_init(&b, max);
    if (size_hint && mamori_buf_reserve(&b, size_hint) < 0)
        return -ENOMEM;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int r = -errno;
            mamori_buf_done(&b);
            return r;
        }
        if (n == 0)
            break;
        int r = mamori_buf_append(&b, chunk, (size_t)n);
        if (r < 0) {
            mamori_buf_done(&b);
            return r;
        }
    }
    size_t len;
    char *data = mamori_buf_steal(&b, &len);
    if (!data)
        return -ENOMEM;
    *ret_data = data;
    *ret_len = len;
    return 0;
}

int
mamori_fs_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
    if (strcmp(path, "-") == 0)
        return read_fd(STDIN_FILENO, max, 0, ret_data, ret_len);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return -EISDIR;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max) {
        close(fd);
        return MAMORI_E_LIMIT;
    }
    int r = read_fd(fd, max, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, ret_data, ret_len);
    close(fd);
    return r;
}

int
mamori_fs_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return r;
}

/* The directory part of path ("." when there is none) into out. */
static int
dir_of(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return snprintf(out, outlen, ".") < (int)outlen ? 0 : -ENAMETOOLONG;
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= outlen)
        return -ENAMETOOLONG;
    memcpy(out, path, n);
    out[n] = '\0';
    return 0;
}

int
mamori_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    char tmp[PATH_MAX];
    char dir[PATH_MAX];
    int r = dir_of(path, dir, sizeof(dir));
    if (r < 0)
        return r;
    /* Unique per thread: the daemon writes from several. */
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld.%ld", path, (long)getpid(), (long)gettid()) >=
        (int)sizeof(tmp))
        return -ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -errno;
    if (fchmod(fd, mode) < 0)
        goto fail;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) < 0)
        goto fail;
    if (close(fd) < 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto fail;
    return mamori_fs_fsync_dir(dir);
fail:
    r = -errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return r;
}

int
mamori_fs_mkdir_p(const char *path, unsigned mode)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0)
        return -EINVAL;
    if (n >= sizeof(tmp))
        return -ENAMETOOLONG;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, mode) < 0 && errno != EEXIST)
            return -errno;
        tmp[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
