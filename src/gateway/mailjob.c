/*
 * The sanitizing job of a worker: GMime and the type database loaded before the sandbox
 * closes, then one message in, the result frames out.
 */
#include <magic.h>

#include "mamori/gateway.h"

static const char *
detect(void *ctx, const void *data, size_t len)
{
    return magic_buffer(ctx, data, len);
}

int
mamori_mail_job_init(void *ctx)
{
    struct mamori_mail_job *j = ctx;
    mamori_mail_init();
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
    if (m && magic_load(m, NULL) == 0) {
        j->magic = m;
        j->opts.detect = detect;
        j->opts.detect_ctx = m;
    } else if (m) {
        magic_close(m); /* types then come from the declarations only */
    }
    j->opts.drop_attachment_bytes = true;
    return 0;
}

void
mamori_mail_job_header(char out[MAMORI_MAIL_JOB_HEADER], int urls, int mailto)
{
    out[0] = 'M';
    out[1] = (char)(unsigned char)urls;
    out[2] = (char)(unsigned char)mailto;
}

static bool
mode_ok(unsigned char m, enum mamori_url_mode *ret)
{
    if (m == MAMORI_MAIL_JOB_POLICY)
        return true;
    if (m >= MAMORI_URL_MODE_MAX)
        return false;
    *ret = (enum mamori_url_mode)m;
    return true;
}

int
mamori_mail_job_run(void *ctx, const char *req, size_t len, struct mamori_buf *resp)
{
    struct mamori_mail_job *j = ctx;
    struct mamori_mail_options opts = j->opts;
    if (len < MAMORI_MAIL_JOB_HEADER || req[0] != 'M' ||
        !mode_ok((unsigned char)req[1], &opts.urls) ||
        !mode_ok((unsigned char)req[2], &opts.mailto))
        return MAMORI_E_SYNTAX;
    struct mamori_mail_result *res;
    int r = mamori_mail_sanitize(req + MAMORI_MAIL_JOB_HEADER, len - MAMORI_MAIL_JOB_HEADER, &opts,
                                 &res);
    if (r < 0)
        return r;
    r = mamori_mail_result_encode(res, resp);
    mamori_mail_result_free(res);
    return r;
}
