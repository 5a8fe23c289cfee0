/*
 * PDF, full rebuild from rendered pages (MuPDF): each page of the (already structurally
 * cleaned) PDF is rendered to pixels and a new PDF is written holding one JPEG image per page
 * at the page's size. Nothing of the original survives but how its pages look: no text or
 * fonts, no vectors, no annotations, forms, scripts, links, attachments or metadata.
 *
 * Only MuPDF's PDF handler is used (not every format it reads), its JavaScript is never
 * enabled, its messages go nowhere, and the work is bounded: at most o->max_pages pages, a
 * page at most MAMORI_CDR_MAX_PIXELS once rendered, and a time budget proportional to the
 * file's size, checked between pages (the worker's own timeout ends a page that runs away).
 */
#include <errno.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "internal.h"

#define RENDER_BUDGET_MS_BASE   10000 /* plus ... */
#define RENDER_BUDGET_MS_PER_KB 20    /* ... per KiB of the file */
#define RENDER_JPEG_QUALITY     85

static void
quiet(void *user, const char *message)
{
    (void)user;
    (void)message;
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The pixmap as a JPEG image MuPDF can place (samples are RGB, no alpha). */
static fz_image *
jpeg_image(fz_context *ctx, fz_pixmap *pix)
{
    tjhandle e = tjInitCompress();
    if (!e)
        fz_throw(ctx, FZ_ERROR_GENERIC, "turbojpeg");
    unsigned char *jpg = NULL;
    unsigned long jlen = 0;
    int w = fz_pixmap_width(ctx, pix), h = fz_pixmap_height(ctx, pix);
    int rc = tjCompress2(e, fz_pixmap_samples(ctx, pix), w, (int)fz_pixmap_stride(ctx, pix), h,
                         TJPF_RGB, &jpg, &jlen, TJSAMP_420, RENDER_JPEG_QUALITY, 0);
    tjDestroy(e);
    if (rc != 0) {
        tjFree(jpg);
        fz_throw(ctx, FZ_ERROR_GENERIC, "jpeg");
    }
    fz_buffer *buf = NULL;
    fz_image *img = NULL;
    fz_var(buf);
    fz_try(ctx)
    {
        buf = fz_new_buffer_from_copied_data(ctx, jpg, jlen);
        img = fz_new_image_from_buffer(ctx, buf);
    }
    fz_always(ctx)
    {
        fz_drop_buffer(ctx, buf);
        tjFree(jpg);
    }
    /* cppcheck-suppress unknownMacro ; MuPDF's exception macros */
    fz_catch(ctx) fz_rethrow(ctx);
    return img;
}

int
cdr_pdf_render(struct cdr *c, const void *data, size_t len, struct part *p)
{
    fz_context *ctx = fz_new_context(NULL, NULL, FZ_STORE_DEFAULT);
    if (!ctx)
        return -ENOMEM;
    fz_set_error_callback(ctx, quiet, NULL);
    fz_set_warning_callback(ctx, quiet, NULL);
    const char *limit = NULL;
    int pages = 0;
    unsigned dpi = c->o->pdf_dpi ? c->o->pdf_dpi : MAMORI_CDR_PDF_DPI;
    int64_t budget = RENDER_BUDGET_MS_BASE + (int64_t)(len / 1024) * RENDER_BUDGET_MS_PER_KB;
    int64_t start = now_ms();
    fz_buffer *in = NULL, *out = NULL;
    fz_stream *stm = NULL;
    pdf_document *doc = NULL;
    fz_output *o = NULL;
    fz_document_writer *w = NULL;
    fz_page *page = NULL;
    fz_pixmap *pix = NULL;
    fz_image *img = NULL;
    int r = 0;
    fz_var(in), fz_var(out), fz_var(stm), fz_var(doc), fz_var(o), fz_var(w), fz_var(page);
    fz_var(pix), fz_var(img), fz_var(limit), fz_var(pages);
    fz_try(ctx)
    {
        in = fz_new_buffer_from_shared_data(ctx, data, len);
        stm = fz_open_buffer(ctx, in);
        doc = pdf_open_document_with_stream(ctx, stm);
        if (pdf_needs_password(ctx, doc))
            fz_throw(ctx, FZ_ERROR_GENERIC, "encrypted");
        pages = pdf_count_pages(ctx, doc);
        if (pages < 1)
            fz_throw(ctx, FZ_ERROR_GENERIC, "no pages");
        if ((unsigned)pages > c->o->max_pages) {
            limit = "pages";
            fz_throw(ctx, FZ_ERROR_GENERIC, "too many pages");
        }
        out = fz_new_buffer(ctx, 1 << 16);
        o = fz_new_output_with_buffer(ctx, out);
        w = fz_new_pdf_writer_with_output(ctx, o, "compress");
        o = NULL; /* the writer owns it now */
        float zoom = (float)dpi / 72.0f;
        for (int i = 0; i < pages; i++) {
            if (now_ms() - start > budget) {
                limit = "time";
                fz_throw(ctx, FZ_ERROR_GENERIC, "time budget");
            }
            page = fz_load_page(ctx, &doc->super, i);
            fz_rect box = fz_bound_page(ctx, page);
            double pw = (double)(box.x1 - box.x0) * zoom, ph = (double)(box.y1 - box.y0) * zoom;
            if (!(pw >= 1 && ph >= 1) || pw * ph > (double)c->o->max_pixels) {
                limit = "pixels";
                fz_throw(ctx, FZ_ERROR_GENERIC, "page too large");
            }
            pix = fz_new_pixmap_from_page(ctx, page, fz_scale(zoom, zoom), fz_device_rgb(ctx), 0);
            img = jpeg_image(ctx, pix);
            fz_device *dev = fz_begin_page(ctx, w, box);
            fz_matrix m = {box.x1 - box.x0, 0, 0, box.y1 - box.y0, box.x0, box.y0};
            fz_fill_image(ctx, dev, img, m, 1.0f, fz_default_color_params);
            fz_end_page(ctx, w);
            fz_drop_image(ctx, img), img = NULL;
            fz_drop_pixmap(ctx, pix), pix = NULL;
            fz_drop_page(ctx, page), page = NULL;
        }
        fz_close_document_writer(ctx, w);
        unsigned char *od;
        size_t ol = fz_buffer_storage(ctx, out, &od);
        p->out = mamori_arena_alloc(c->a, ol ? ol : 1);
        if (!p->out)
            r = -ENOMEM;
        else {
            memcpy(p->out, od, ol);
            p->out_len = ol;
            p->type = "application/pdf";
            p->ext = "pdf";
        }
    }
    fz_always(ctx)
    {
        fz_drop_image(ctx, img);
        fz_drop_pixmap(ctx, pix);
        fz_drop_page(ctx, page);
        fz_drop_document_writer(ctx, w);
        fz_drop_output(ctx, o);
        fz_drop_buffer(ctx, out);
        pdf_drop_document(ctx, doc);
        fz_drop_stream(ctx, stm);
        fz_drop_buffer(ctx, in);
    }
    fz_catch(ctx)
    {
        r = 1;
    }
    fz_drop_context(ctx);
    if (r == 1) {
        if (limit && strcmp(limit, "pages") == 0)
            return cdr_block(p, "document-limit",
                             "PDF のページ数が上限を超えています / the PDF has more pages than "
                             "allowed");
        if (limit)
            return cdr_block(p, "document-limit",
                             "PDF のページを描画できる範囲を超えています / rendering the PDF's "
                             "pages exceeds the limits");
        return cdr_block(p, "malformed-document",
                         "PDF のページを描画できません / the PDF's pages cannot be rendered");
    }
    if (r == 0)
        cdr_removed(c, p, "rebuilt-from-pages", pages);
    return r;
}
