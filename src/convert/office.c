/*
 * Legacy Office and RTF to PDF through LibreOffice, in a sandboxed process of its own
 * (mamori/convert.h, docs/internals/convert.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mamori/cdr.h"
#include "mamori/convert.h"

#define NOBODY 65534

const char *
mamori_convert_kind(const void *data, size_t len)
{
    const unsigned char *d = data;
    if (len >= 8 && memcmp(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
        return "doc";
    if (len >= 5 && memcmp(d, "{\\rtf", 5) == 0)
        return "rtf";
    return NULL;
}

static const char *
soffice_path(void)
{
    const char *p = getenv("MAMORI_SOFFICE");
    return p && *p ? p : "/usr/bin/soffice";
}

/* The input's extension LibreOffice should see: the name's when it is one of the legacy
 * formats, else by content. */
static const char *
input_extension(const char *name, const char *kind)
{
    static const char *const known[] = {"doc", "dot", "xls", "xlt", "ppt", "pot", "pps", "rtf"};
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < MAMORI_ARRAY_SIZE(known); i++)
            if (strcasecmp(dot + 1, known[i]) == 0)
                return known[i];
    return kind;
}

static void
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[4096];
            if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
                continue;
            struct stat st;
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(path);
            else
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* The child: isolate, then exec LibreOffice. Never returns. Exit 90 when isolation fails.
 * Everything it needs was prepared before fork (the parent may have threads: only system
 * calls here). */
static void
child(const char *dir, const char *so, char *const argv[], char *const envp[], bool root,
      rlim_t nofile)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* no network: a namespace with nothing but a loopback that is down */
    if (unshare(CLONE_NEWNET) < 0 && (root || unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0))
        _exit(90);
    int null = open("/dev/null", O_RDWR);
    if (null < 0)
        _exit(90);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    if (root && (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0))
        _exit(90);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    struct rlimit cpu = {MAMORI_CONVERT_SECONDS, MAMORI_CONVERT_SECONDS + 5};
    struct rlimit fsize = {MAMORI_CDR_MAX_BYTES, MAMORI_CDR_MAX_BYTES};
    struct rlimit files = {nofile, nofile};
    setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_FSIZE, &fsize);
    setrlimit(RLIMIT_NOFILE, &files);
    if (chdir(dir) < 0)
        _exit(90);
    execve(so, argv, envp);
    _exit(127);
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs prog in dir isolated (child above) and waits at most MAMORI_CONVERT_SECONDS: 0 with
 * *ret_why NULL when it ran to its end, or with "time-limit" / "no-isolation"; negative when
 * it could not be started. */
static int
run_isolated(const char *dir, const char *so, char *const argv[], char *const envp[], rlim_t nofile,
             const char **ret_why)
{
    int r = 0;
    bool root = geteuid() == 0;
    pid_t pid = r == 0 ? fork() : -1;
    if (r == 0 && pid < 0)
        r = -errno;
    if (pid == 0)
        child(dir, so, argv, envp, root, nofile);
    int status = 0;
    if (pid > 0) {
        int64_t deadline = now_ms() + (int64_t)MAMORI_CONVERT_SECONDS * 1000;
        for (;;) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid)
                break;
            if (w < 0 && errno != EINTR) {
                r = -errno;
                break;
            }
            if (now_ms() > deadline) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                *ret_why = "time-limit";
                break;
            }
            struct timespec nap = {0, 20000000L};
            nanosleep(&nap, NULL);
        }
        kill(-pid, SIGKILL); /* whatever LibreOffice left running in its group */
    }
    if (r == 0 && !*ret_why && WIFEXITED(status) && WEXITSTATUS(status) == 90)
        *ret_why = "no-isolation";
    return r;
}

int
mamori_convert_prepare(const struct mamori_policy *p, const char *name, const void *data,
                       size_t len, char **ret_pdf, size_t *ret_len, char **ret_name,
                       const char **ret_why)
{
    *ret_why = NULL;
    const char *kind = mamori_convert_kind(data, len);
    if (!kind)
        return 0;
    if (p->sanitize.legacy_office == MAMORI_LEGACY_OFFICE_BLOCK) {
        *ret_why = "policy";
        return 0;
    }
    if (access(soffice_path(), X_OK) < 0) {
        *ret_why = "no-converter";
        return 0;
    }
    const char *base = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/mamori-convert-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        return -errno;
    const char *ext = input_extension(name, kind);
    char input[4200], output[4200];
    snprintf(input, sizeof(input), "%s/input.%s", dir, ext);
    snprintf(output, sizeof(output), "%s/input.pdf", dir);
    int r = mamori_fs_write_atomic(input, data, len, 0600);
    if (r == 0 && geteuid() == 0 &&
        (chown(dir, NOBODY, NOBODY) < 0 || chown(input, NOBODY, NOBODY) < 0))
        r = -errno;
    char home[4200], tmp[4200];
    snprintf(home, sizeof(home), "HOME=%s", dir);
    snprintf(tmp, sizeof(tmp), "TMPDIR=%s", dir);
    char *const envp[] = {home, tmp, "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "SAL_USE_VCLPLUGIN=svp",
                          NULL};
    const char *so = soffice_path();
    char *const argv[] = {(char *)so,      "--headless",  "--norestore",  "--nologo",
                          "--nolockcheck", "--nodefault", "--convert-to", "pdf",
                          "--outdir",      dir,           input,          NULL};
    if (r == 0)
        r = run_isolated(dir, so, argv, envp, 256, ret_why);
    char *pdf = NULL;
    size_t pdf_len = 0;
    if (r == 0 && !*ret_why &&
        (mamori_fs_read_file(output, MAMORI_CDR_MAX_BYTES, &pdf, &pdf_len) < 0 || pdf_len < 5 ||
         memcmp(pdf, "%PDF-", 5) != 0)) {
        free(pdf);
        pdf = NULL;
        *ret_why = "no-output";
    }
    remove_tree(dir);
    if (r < 0 || !pdf)
        return r < 0 ? r : 0;
    /* "見積書.doc" -> "見積書.pdf" */
    const char *slash = strrchr(name, '/');
    const char *b = slash ? slash + 1 : name;
    const char *dot = strrchr(b, '.');
    size_t stem = dot && dot > b ? (size_t)(dot - b) : strlen(b);
    char *out_name = NULL;
    if (stem > 4096 || asprintf(&out_name, "%.*s.pdf", (int)stem, b) < 0) {
        free(pdf);
        return -ENOMEM;
    }
    *ret_pdf = pdf;
    *ret_len = pdf_len;
    *ret_name = out_name;
    return 1;
}

static const char *
chromium_path(void)
{
    const char *p = getenv("MAMORI_CHROMIUM");
    return p && *p ? p : "/usr/bin/chromium";
}

int
mamori_convert_html_pdf(const char *html, size_t len, char **ret_pdf, size_t *ret_len,
                        const char **ret_why)
{
    *ret_why = NULL;
    const char *prog = chromium_path();
    if (access(prog, X_OK) < 0) {
        *ret_why = "no-converter";
        return 0;
    }
    const char *base = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/mamori-convert-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        return -errno;
    char input[4200], output[4200], print[4300], url[4300], profile[4300];
    snprintf(input, sizeof(input), "%s/report.html", dir);
    snprintf(output, sizeof(output), "%s/report.pdf", dir);
    snprintf(print, sizeof(print), "--print-to-pdf=%s", output);
    snprintf(url, sizeof(url), "file://%s", input);
    snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", dir);
    int r = mamori_fs_write_atomic(input, html, len, 0600);
    if (r == 0 && geteuid() == 0 &&
        (chown(dir, NOBODY, NOBODY) < 0 || chown(input, NOBODY, NOBODY) < 0))
        r = -errno;
    char home[4200], tmp[4200];
    snprintf(home, sizeof(home), "HOME=%s", dir);
    snprintf(tmp, sizeof(tmp), "TMPDIR=%s", dir);
    char *const envp[] = {home, tmp, "PATH=/usr/bin:/bin", "LANG=ja_JP.UTF-8", NULL};
    /* mamori's own HTML, no network (the namespace has none): Chromium's own sandbox is not
     * needed for it and cannot start as nobody without privileges */
    char *const argv[] = {(char *)prog,
                          "--headless",
                          "--no-sandbox",
                          "--disable-gpu",
                          "--no-first-run",
                          "--disable-extensions",
                          "--disable-dev-shm-usage",
                          "--no-pdf-header-footer",
                          profile,
                          print,
                          url,
                          NULL};
    if (r == 0)
        r = run_isolated(dir, prog, argv, envp, 4096, ret_why);
    char *pdf = NULL;
    size_t pdf_len = 0;
    if (r == 0 && !*ret_why &&
        (mamori_fs_read_file(output, MAMORI_CDR_MAX_BYTES, &pdf, &pdf_len) < 0 || pdf_len < 5 ||
         memcmp(pdf, "%PDF-", 5) != 0)) {
        free(pdf);
        pdf = NULL;
        *ret_why = "no-output";
    }
    remove_tree(dir);
    if (r < 0 || !pdf)
        return r < 0 ? r : 0;
    *ret_pdf = pdf;
    *ret_len = pdf_len;
    return 1;
}
