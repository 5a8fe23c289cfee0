/*
 * The file-sanitizing job of a worker (ファイル無害化): the type database loaded before the
 * sandbox closes, then one file in, the verdict, the report and the rebuilt file out.
 *
 * Request: 'F', name length (2 bytes, big-endian), name, password length (2 bytes), password,
 * then the file. Response: the verdict (1 byte), the report's length (4 bytes), the report
 * (JSON), the output name's length (2 bytes) and the name, then the rebuilt file (nothing when
 * blocked).
 */
#include <jansson.h>
#include <magic.h>
#include <string.h>

#include "mamori/cdr.h"

static const char *
detect(void *ctx, const void *data, size_t len)
{
    return magic_buffer(ctx, data, len);
}

int
mamori_file_job_init(void *ctx)
{
    struct mamori_file_job *j = ctx;
    magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
    if (m && magic_load(m, NULL) == 0)
        j->magic = m;
    else if (m)
        magic_close(m); /* the engine's own signatures then decide alone */
    return 0;
}

int
mamori_file_job_request(const char *name, const char *password, const struct mamori_cdr_options *o,
                        struct mamori_buf *out)
{
    size_t nl = strlen(name), pl = password ? strlen(password) : 0;
    if (nl > 0xffff || pl > 0xffff)
        return MAMORI_E_LIMIT;
    int r = mamori_buf_putc(out, 'F');
    unsigned char b[2] = {(unsigned char)(nl >> 8), (unsigned char)nl};
    if (r == 0)
        r = mamori_buf_append(out, b, 2);
    if (r == 0)
        r = mamori_buf_append(out, name, nl);
    b[0] = (unsigned char)(pl >> 8), b[1] = (unsigned char)pl;
    if (r == 0)
        r = mamori_buf_append(out, b, 2);
    if (r == 0 && pl)
        r = mamori_buf_append(out, password, pl);
    /* what the policy asks of PDFs: this request's, whatever the worker started with */
    unsigned dpi = o && o->pdf_dpi ? o->pdf_dpi : MAMORI_CDR_PDF_DPI;
    /* flags: 1 PDFs cleaned only, 2 a double extension reported only, 4 a type mismatch
     * reported only */
    unsigned flags = !o ? 0
                        : (o->pdf_clean_only ? 1u : 0) | (o->block_double_extension ? 0 : 2u) |
                              (o->block_type_mismatch ? 0 : 4u);
    unsigned char f[3] = {(unsigned char)flags, (unsigned char)(dpi >> 8), (unsigned char)dpi};
    if (r == 0)
        r = mamori_buf_append(out, f, 3);
    return r;
}

int
mamori_file_job_run(void *ctx, const char *req, size_t len, struct mamori_buf *resp)
{
    struct mamori_file_job *j = ctx;
    const unsigned char *d = (const unsigned char *)req;
    if (len < 5 || d[0] != 'F')
        return MAMORI_E_SYNTAX;
    size_t nl = (size_t)d[1] << 8 | d[2];
    if (len < 5 + nl)
        return MAMORI_E_SYNTAX;
    size_t pl = (size_t)d[3 + nl] << 8 | d[4 + nl];
    size_t head = 5 + nl + pl + 3;
    if (len < head)
        return MAMORI_E_SYNTAX;
    const unsigned char *f = d + 5 + nl + pl;
    unsigned dpi = (unsigned)f[1] << 8 | f[2];
    if (f[0] > 7 || dpi < 50 || dpi > 600)
        return MAMORI_E_SYNTAX;
    char name[0x10000], password[0x10000];
    memcpy(name, req + 3, nl);
    name[nl] = '\0';
    memcpy(password, req + 5 + nl, pl);
    password[pl] = '\0';
    struct mamori_cdr_options o = j->opts;
    if (j->magic) {
        o.detect = detect;
        o.detect_ctx = j->magic;
    }
    o.password = pl ? password : NULL;
    o.pdf_clean_only = f[0] & 1;
    o.block_double_extension = !(f[0] & 2);
    o.block_type_mismatch = !(f[0] & 4);
    o.pdf_dpi = dpi;
    struct mamori_cdr_result *res;
    int r = mamori_cdr_sanitize(name, req + head, len - head, &o, &res);
    memset(password, 0, sizeof(password));
    if (r < 0)
        return r;
    struct mamori_buf rep;
    struct mamori_json js;
    mamori_buf_init(&rep, (size_t)16 << 20);
    mamori_json_init(&js, &rep, false);
    mamori_cdr_report_json(res, &js);
    r = mamori_json_finish(&js);
    if (r == 0)
        r = mamori_buf_putc(resp, (char)res->verdict);
    if (r == 0)
        r = mamori_buf_put_be32(resp, (uint32_t)rep.len);
    if (r == 0)
        r = mamori_buf_append(resp, rep.data, rep.len);
    const char *on = res->out_name ? res->out_name : "";
    size_t onl = strlen(on) > 0xffff ? 0xffff : strlen(on);
    unsigned char b[2] = {(unsigned char)(onl >> 8), (unsigned char)onl};
    if (r == 0)
        r = mamori_buf_append(resp, b, 2);
    if (r == 0)
        r = mamori_buf_append(resp, on, onl);
    if (r == 0 && res->out_len)
        r = mamori_buf_append(resp, res->out, res->out_len);
    mamori_buf_done(&rep);
    mamori_cdr_result_free(res);
    return r;
}

int
mamori_file_job_reply_parse(const char *d, size_t n, struct mamori_file_reply *r)
{
    const unsigned char *u = (const unsigned char *)d;
    if (n < 7 || u[0] > MAMORI_CDR_BLOCKED)
        return MAMORI_E_SYNTAX;
    size_t rl = (size_t)u[1] << 24 | (size_t)u[2] << 16 | (size_t)u[3] << 8 | u[4];
    if (rl > n - 7)
        return MAMORI_E_SYNTAX;
    size_t nl = (size_t)u[5 + rl] << 8 | u[6 + rl];
    if (nl > n - 7 - rl || nl >= sizeof(r->name) || memchr(d + 7 + rl, '/', nl) ||
        memchr(d + 7 + rl, '\0', nl))
        return MAMORI_E_SYNTAX;
    r->verdict = (enum mamori_cdr_verdict)u[0];
    r->report = d + 5;
    r->report_len = rl;
    memcpy(r->name, d + 7 + rl, nl);
    r->name[nl] = '\0';
    r->out = d + 7 + rl + nl;
    r->out_len = n - 7 - rl - nl;
    /* The report goes into ours and the audit log as it is: it must be one JSON object. */
    json_error_t err;
    json_t *v = json_loadb(r->report, rl, JSON_REJECT_DUPLICATES, &err);
    bool object = v && json_typeof(v) == JSON_OBJECT;
    json_decref(v);
    if (!object)
        return MAMORI_E_SYNTAX;
    if (r->verdict != MAMORI_CDR_BLOCKED &&
        (!nl || strcmp(r->name, "..") == 0 || strcmp(r->name, ".") == 0))
        return MAMORI_E_SYNTAX;
    return 0;
}
