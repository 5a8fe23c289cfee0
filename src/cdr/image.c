/*
 * Images: decoded to pixels and encoded again, so nothing but pixels survives (EXIF with GPS,
 * XMP, comments, ICC profiles, trailing data such as a zip of a polyglot). libpng's simplified
 * API, TurboJPEG, giflib, libwebp and libtiff: single-threaded, from memory, fit for the
 * seccomp worker. BMP is read here (uncompressed 1/4/8/24/32 bits, bit fields for 32): GIF,
 * BMP and TIFF become PNG; a TIFF keeps its first page only.
 */
#include <errno.h>
#include <gif_lib.h>
#include <png.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <turbojpeg.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include "internal.h"

static int
too_big(struct cdr *c, struct part *p, uint64_t w, uint64_t h)
{
    if (w == 0 || h == 0)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    if (w * h > c->o->max_pixels)
        return cdr_block(p, "image-limit",
                         "画素数が上限を超えています / the image has too many "
                         "pixels");
    return 1;
}

static int
keep(struct cdr *c, struct part *p, const void *data, size_t len, const char *type, const char *ext)
{
    p->out = mamori_arena_alloc(c->a, len ? len : 1);
    if (!p->out)
        return -ENOMEM;
    memcpy(p->out, data, len);
    p->out_len = len;
    p->type = type;
    p->ext = ext;
    return 0;
}

/* Encodes RGBA pixels as PNG. */
/* Encodes pixels (format: a PNG_FORMAT_* of 8-bit channels) as PNG, in one pass into a buffer
 * of the largest size the encoder can produce (asking for the size first compresses twice). */
static int
png_out(struct cdr *c, struct part *p, const uint8_t *px, uint32_t w, uint32_t h, uint32_t format)
{
    png_image img = {.version = PNG_IMAGE_VERSION, .width = w, .height = h, .format = format};
    png_alloc_size_t size = PNG_IMAGE_PNG_SIZE_MAX(img);
    void *buf = mamori_arena_alloc(c->a, size);
    if (!buf)
        return -ENOMEM;
    if (!png_image_write_to_memory(&img, buf, &size, 0, px, 0, NULL))
        return cdr_block(p, "malformed-image",
                         "画像を書き出せません / the image cannot be "
                         "encoded");
    p->out = buf;
    p->out_len = size;
    p->type = "image/png";
    p->ext = "png";
    return 0;
}

/* PNG chunks other than the image's own are metadata (tEXt, iTXt, zTXt, eXIf, iCCP, tIME ...);
 * so is anything after IEND. */
static int64_t
png_metadata(const uint8_t *d, size_t n)
{
    static const char *const image[] = {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA",
                                        "cHRM", "sRGB", "sBIT", "bKGD", "pHYs"};
    int64_t count = 0;
    size_t i = 8;
    while (i + 12 <= n) {
        uint32_t len =
            (uint32_t)d[i] << 24 | (uint32_t)d[i + 1] << 16 | (uint32_t)d[i + 2] << 8 | d[i + 3];
        const char *t = (const char *)d + i + 4;
        bool known = false;
        for (size_t k = 0; k < MAMORI_ARRAY_SIZE(image); k++)
            known = known || memcmp(t, image[k], 4) == 0;
        count += !known;
        if (memcmp(t, "IEND", 4) == 0) {
            i += 12;
            break;
        }
        if (len > n - i - 12)
            break;
        i += 12 + (size_t)len;
    }
    return count + (i < n);
}

/* Every chunk up to IEND lies within the file: libpng allocates a chunk's declared length
 * before reading it, so a 16-byte lie would ask for gigabytes. */
static bool
png_chunks_fit(const uint8_t *d, size_t n)
{
    size_t i = 8;
    while (i + 12 <= n) {
        uint32_t len =
            (uint32_t)d[i] << 24 | (uint32_t)d[i + 1] << 16 | (uint32_t)d[i + 2] << 8 | d[i + 3];
        if (len > n - i - 12)
            return false;
        if (memcmp(d + i + 4, "IEND", 4) == 0)
            return true;
        i += 12 + (size_t)len;
    }
    return false;
}

static int
png_in(struct cdr *c, struct part *p, const void *data, size_t len)
{
    if (!png_chunks_fit(data, len))
        return cdr_block(p, "malformed-image",
                         "画像が壊れています（チャンクの長さがファイルを超えています） / the image "
                         "is malformed (a chunk is longer than the file)");
    png_image img = {.version = PNG_IMAGE_VERSION};
    if (!png_image_begin_read_from_memory(&img, data, len))
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    int r = too_big(c, p, img.width, img.height);
    if (r <= 0) {
        png_image_free(&img);
        return r;
    }
    /* The file's own channels (gray or colour, with or without alpha), 8 bits each, no
     * palette: the pixels as they look, nothing else. */
    img.format &= PNG_FORMAT_FLAG_ALPHA | PNG_FORMAT_FLAG_COLOR;
    uint8_t *px = mamori_arena_alloc(c->a, (size_t)img.width * img.height *
                                               PNG_IMAGE_SAMPLE_CHANNELS(img.format));
    if (!px) {
        png_image_free(&img);
        return -ENOMEM;
    }
    if (!png_image_finish_read(&img, NULL, px, 0, NULL))
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    cdr_removed(c, p, "metadata", png_metadata(data, len));
    return png_out(c, p, px, img.width, img.height, img.format);
}

/* JPEG segments that are not the image: APPn (EXIF with GPS, XMP, ICC, Photoshop) and COM;
 * and bytes after the end of image (a zip of a polyglot). */
static int64_t
jpeg_metadata(const uint8_t *d, size_t n)
{
    int64_t count = 0;
    size_t i = 2;
    while (i + 4 <= n && d[i] == 0xff) {
        uint8_t m = d[i + 1];
        if (m == 0xda) /* start of scan: the image data follows */
            break;
        size_t seg = (size_t)d[i + 2] << 8 | d[i + 3];
        if ((m >= 0xe0 && m <= 0xef && m != 0xe0) || m == 0xfe)
            count++;
        i += 2 + seg;
    }
    /* After the last end-of-image marker: anything but padding is a trailer. */
    for (size_t k = n; k >= 2; k--)
        if (d[k - 2] == 0xff && d[k - 1] == 0xd9) {
            if (k < n)
                count++;
            break;
        }
    return count;
}

static int
jpeg_in(struct cdr *c, struct part *p, const void *data, size_t len)
{
    tjhandle d = tjInitDecompress();
    if (!d)
        return -ENOMEM;
    int w, h, sub, cs;
    int r;
    if (tjDecompressHeader3(d, data, (unsigned long)len, &w, &h, &sub, &cs) != 0) {
        tjDestroy(d);
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    }
    if ((r = too_big(c, p, (uint64_t)w, (uint64_t)h)) <= 0) {
        tjDestroy(d);
        return r;
    }
    int pf = cs == TJCS_GRAY                      ? TJPF_GRAY
             : cs == TJCS_CMYK || cs == TJCS_YCCK ? TJPF_CMYK
                                                  : TJPF_RGB;
    size_t pitch = (size_t)w * (size_t)tjPixelSize[pf];
    uint8_t *px = mamori_arena_alloc(c->a, pitch * (size_t)h);
    if (!px) {
        tjDestroy(d);
        return -ENOMEM;
    }
    r = tjDecompress2(d, data, (unsigned long)len, px, w, (int)pitch, h, pf, TJFLAG_ACCURATEDCT);
    tjDestroy(d);
    if (r != 0)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    tjhandle e = tjInitCompress();
    if (!e)
        return -ENOMEM;
    unsigned char *jpg = NULL;
    unsigned long jlen = 0;
    if (sub < 0 || pf == TJPF_GRAY)
        sub = pf == TJPF_GRAY ? TJSAMP_GRAY : TJSAMP_420;
    r = tjCompress2(e, px, w, (int)pitch, h, pf, &jpg, &jlen, sub, 92, TJFLAG_ACCURATEDCT);
    tjDestroy(e);
    if (r != 0) {
        tjFree(jpg);
        return cdr_block(p, "malformed-image",
                         "画像を書き出せません / the image cannot be "
                         "encoded");
    }
    r = keep(c, p, jpg, jlen, "image/jpeg", "jpg");
    tjFree(jpg);
    if (r == 0)
        cdr_removed(c, p, "metadata", jpeg_metadata(data, len));
    return r;
}

struct gif_mem {
    const uint8_t *d;
    size_t n, pos;
};

static int
gif_read(GifFileType *g, GifByteType *buf, int want)
{
    struct gif_mem *m = g->UserData;
    size_t k = m->n - m->pos < (size_t)want ? m->n - m->pos : (size_t)want;
    memcpy(buf, m->d + m->pos, k);
    m->pos += k;
    return (int)k;
}

/* The first frame only, read record by record: later frames are skipped without decoding
 * (DGifSlurp would hold every frame of an animation in memory). */
static int
gif_in(struct cdr *c, struct part *p, const void *data, size_t len)
{
    struct gif_mem m = {data, len, 0};
    int err = 0;
    GifFileType *g = DGifOpen(&m, gif_read, &err);
    if (!g)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    int r = too_big(c, p, (uint64_t)g->SWidth, (uint64_t)g->SHeight);
    if (r <= 0) {
        DGifCloseFile(g, &err);
        return r;
    }
    uint32_t W = (uint32_t)g->SWidth, H = (uint32_t)g->SHeight;
    uint8_t *px = mamori_arena_calloc(c->a, (size_t)W * H, 4);
    GifPixelType *line = mamori_arena_alloc(c->a, (size_t)W + 1);
    if (!px || !line) {
        DGifCloseFile(g, &err);
        return -ENOMEM;
    }
    GraphicsControlBlock gcb = {.TransparentColor = NO_TRANSPARENT_COLOR};
    int64_t extensions = 0, frames = 0;
    bool bad = false;
    GifRecordType rt = TERMINATE_RECORD_TYPE;
    do {
        if (DGifGetRecordType(g, &rt) != GIF_OK) {
            bad = true;
            break;
        }
        if (rt == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(g) != GIF_OK) {
                bad = true;
                break;
            }
            const GifImageDesc *id = &g->Image;
            if (frames++ > 0) { /* skip: its compressed blocks, undecoded */
                int size;
                GifByteType *block;
                if (DGifGetCode(g, &size, &block) != GIF_OK) {
                    bad = true;
                    break;
                }
                while (block && DGifGetCodeNext(g, &block) == GIF_OK)
                    ;
                continue;
            }
            if (id->Width <= 0 || id->Height <= 0 || (uint32_t)id->Width > W + 0u ||
                (uint64_t)id->Width * (uint64_t)id->Height > c->o->max_pixels) {
                bad = true;
                break;
            }
            ColorMapObject *cm = id->ColorMap ? id->ColorMap : g->SColorMap;
            /* Interlaced frames come in four passes. */
            static const int start_row[] = {0, 4, 2, 1}, step[] = {8, 8, 4, 2};
            int passes = id->Interlace ? 4 : 1;
            for (int pass = 0; pass < passes && !bad; pass++)
                for (int y = id->Interlace ? start_row[pass] : 0; y < id->Height && !bad;
                     y += id->Interlace ? step[pass] : 1) {
                    if (DGifGetLine(g, line, id->Width) != GIF_OK) {
                        bad = true;
                        break;
                    }
                    int Y = id->Top + y;
                    if (!cm || Y < 0 || (uint32_t)Y >= H)
                        continue;
                    for (int x = 0; x < id->Width; x++) {
                        int X = id->Left + x, idx = line[x];
                        if (X < 0 || (uint32_t)X >= W || idx == gcb.TransparentColor ||
                            idx >= cm->ColorCount)
                            continue;
                        uint8_t *o = px + ((size_t)Y * W + (size_t)X) * 4;
                        o[0] = cm->Colors[idx].Red, o[1] = cm->Colors[idx].Green;
                        o[2] = cm->Colors[idx].Blue, o[3] = 255;
                    }
                }
        } else if (rt == EXTENSION_RECORD_TYPE) {
            int code;
            GifByteType *ext;
            if (DGifGetExtension(g, &code, &ext) != GIF_OK) {
                bad = true;
                break;
            }
            if (code == GRAPHICS_EXT_FUNC_CODE && frames == 0 && ext && ext[0] >= 4)
                DGifExtensionToGCB(ext[0], ext + 1, &gcb);
            else if (code != GRAPHICS_EXT_FUNC_CODE)
                extensions++; /* comments, application data (XMP ...), plain text */
            while (ext && DGifGetExtensionNext(g, &ext) == GIF_OK)
                ;
        }
    } while (rt != TERMINATE_RECORD_TYPE);
    DGifCloseFile(g, &err);
    if (bad && frames == 0)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    cdr_removed(c, p, "metadata", extensions);
    cdr_removed(c, p, "animation-frames", frames > 1 ? frames - 1 : 0);
    /* GIF to PNG is a change of form, not a removal */
    return png_out(c, p, px, W, H, PNG_FORMAT_RGBA);
}

static int
webp_in(struct cdr *c, struct part *p, const void *data, size_t len)
{
    int w, h;
    if (!WebPGetInfo(data, len, &w, &h))
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    int r = too_big(c, p, (uint64_t)w, (uint64_t)h);
    if (r <= 0)
        return r;
    WebPBitstreamFeatures f;
    if (WebPGetFeatures(data, len, &f) != VP8_STATUS_OK)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    if (f.has_animation)
        return cdr_block(p, "unsupported-type",
                         "アニメーション WebP は扱えません / animated "
                         "WebP is not supported");
    uint8_t *px = WebPDecodeRGBA(data, len, &w, &h);
    if (!px)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    uint8_t *out = NULL;
    size_t olen = WebPEncodeRGBA(px, w, h, w * 4, 90.0f, &out);
    WebPFree(px);
    if (!olen) {
        WebPFree(out);
        return cdr_block(p, "malformed-image",
                         "画像を書き出せません / the image cannot be "
                         "encoded");
    }
    r = keep(c, p, out, olen, "image/webp", "webp");
    WebPFree(out);
    /* An extended WebP (VP8X) may carry EXIF, XMP and ICC chunks. */
    int64_t meta = 0;
    const uint8_t *d = data;
    for (size_t i = 12; i + 8 <= len;) {
        uint32_t cl = (uint32_t)d[i + 4] | (uint32_t)d[i + 5] << 8 | (uint32_t)d[i + 6] << 16 |
                      (uint32_t)d[i + 7] << 24;
        if (memcmp(d + i, "EXIF", 4) == 0 || memcmp(d + i, "XMP ", 4) == 0 ||
            memcmp(d + i, "ICCP", 4) == 0)
            meta++;
        if (cl > len - i - 8)
            break;
        i += 8 + cl + (cl & 1);
    }
    if (r == 0)
        cdr_removed(c, p, "metadata", meta);
    return r;
}

/* ---- BMP ---------------------------------------------------------------------------------- */

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The shift and width of a bit field mask (for 32-bit BI_BITFIELDS pixels). */
static void
mask_shape(uint32_t m, int *shift, int *bits)
{
    *shift = 0, *bits = 0;
    if (!m)
        return;
    while (!(m & 1))
        m >>= 1, (*shift)++;
    while (m & 1)
        m >>= 1, (*bits)++;
}

static uint8_t
field(uint32_t v, int shift, int bits)
{
    if (!bits)
        return 0;
    uint32_t x = (v >> shift) & ((bits >= 32 ? 0 : 1u << bits) - 1);
    return bits >= 8 ? (uint8_t)(x >> (bits - 8)) : (uint8_t)(x * 255 / ((1u << bits) - 1));
}

static int
bmp_in(struct cdr *c, struct part *p, const void *data, size_t len)
{
    const uint8_t *d = data;
    if (len < 14 + 40)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    uint32_t off = le32(d + 10), hs = le32(d + 14);
    if (hs < 40 || hs > 124 || 14 + (size_t)hs > len)
        return cdr_block(p, "unsupported-type",
                         "この形式の BMP は扱えません / this kind of BMP is not supported");
    int32_t w = (int32_t)le32(d + 18), h = (int32_t)le32(d + 22);
    unsigned planes = d[26] | d[27] << 8, bpp = d[28] | d[29] << 8;
    uint32_t comp = le32(d + 30), used = le32(d + 46);
    bool top_down = h < 0;
    uint64_t W = w > 0 ? (uint64_t)w : 0, H = h == INT32_MIN ? 0 : (uint64_t)(h < 0 ? -h : h);
    int r = too_big(c, p, W, H);
    if (r <= 0)
        return r;
    bool ok = planes == 1 && (bpp == 1 || bpp == 4 || bpp == 8 || bpp == 24 || bpp == 32) &&
              (comp == 0 || (comp == 3 && bpp == 32));
    if (!ok)
        return cdr_block(p, "unsupported-type",
                         "この形式の BMP（圧縮・16 ビット）は扱えません / this kind of BMP "
                         "(compressed, 16-bit) is not supported");
    uint32_t masks[3] = {0xff0000, 0xff00, 0xff};
    if (comp == 3) {
        size_t at = hs >= 52 ? 54 : 14 + 40; /* in the V2+ header, else after it */
        if (at + 12 > len)
            return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
        for (int i = 0; i < 3; i++)
            masks[i] = le32(d + at + (size_t)4 * (size_t)i);
    }
    uint8_t pal[256][3] = {{0}};
    size_t colours = 0;
    if (bpp <= 8) {
        colours = used ? used : 1u << bpp;
        size_t pal_at = 14 + (size_t)hs;
        if (colours > 256 || pal_at + colours * 4 > len)
            return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
        for (size_t i = 0; i < colours; i++)
            for (int k = 0; k < 3; k++)
                pal[i][k] = d[pal_at + i * 4 + 2 - k];
    }
    uint64_t stride = (W * bpp + 31) / 32 * 4;
    if (off > len || stride * H > len - off)
        return cdr_block(p, "malformed-image",
                         "画像が壊れています（画素が足りません） / the image is malformed (pixels "
                         "missing)");
    uint8_t *px = mamori_arena_alloc(c->a, (size_t)(W * H * 3));
    if (!px)
        return -ENOMEM;
    int sh[3], bits[3];
    for (int k = 0; k < 3; k++)
        mask_shape(masks[k], &sh[k], &bits[k]);
    bool bad_index = false;
    for (uint64_t y = 0; y < H; y++) {
        const uint8_t *row = d + off + stride * (top_down ? y : H - 1 - y);
        uint8_t *o = px + y * W * 3;
        for (uint64_t x = 0; x < W; x++, o += 3) {
            if (bpp <= 8) {
                unsigned per = 8 / bpp, byte = row[x / per];
                unsigned idx = (byte >> ((per - 1 - x % per) * bpp)) & ((1u << bpp) - 1);
                if (idx >= colours) {
                    bad_index = true;
                    idx = 0;
                }
                memcpy(o, pal[idx], 3);
            } else if (bpp == 24) {
                o[0] = row[x * 3 + 2], o[1] = row[x * 3 + 1], o[2] = row[x * 3];
            } else {
                uint32_t v = le32(row + x * 4);
                for (int k = 0; k < 3; k++)
                    o[k] = field(v, sh[k], bits[k]);
            }
        }
    }
    if (bad_index)
        return cdr_block(p, "malformed-image",
                         "画像が壊れています（色番号が範囲外） / the image is malformed (colour "
                         "index out of range)");
    cdr_removed(c, p, "converted-to-png", 1);
    return png_out(c, p, px, (uint32_t)W, (uint32_t)H, PNG_FORMAT_RGB);
}

/* ---- TIFF --------------------------------------------------------------------------------- */

struct tiff_mem {
    const uint8_t *d;
    size_t n, pos;
};

static tmsize_t
tiff_read(thandle_t h, void *buf, tmsize_t size)
{
    struct tiff_mem *m = h;
    size_t k = size < 0 ? 0 : (size_t)size;
    if (k > m->n - m->pos)
        k = m->n - m->pos;
    memcpy(buf, m->d + m->pos, k);
    m->pos += k;
    return (tmsize_t)k;
}

static tmsize_t
tiff_write(thandle_t h, void *buf, tmsize_t size)
{
    (void)h, (void)buf, (void)size;
    return -1;
}

static toff_t
tiff_seek(thandle_t h, toff_t off, int whence)
{
    struct tiff_mem *m = h;
    uint64_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->n : 0;
    if (off > m->n || base + off > m->n)
        return (toff_t)-1;
    m->pos = (size_t)(base + off);
    return m->pos;
}

static int
tiff_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t
tiff_size(thandle_t h)
{
    return ((struct tiff_mem *)h)->n;
}

static int
tiff_quiet(TIFF *t, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)t, (void)user, (void)module, (void)fmt, (void)ap;
    return 1; /* handled: nothing printed */
}

static int
tiff_in(struct cdr *c, struct part *p, const void *data, size_t len)
{
    struct tiff_mem m = {data, len, 0};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return -ENOMEM;
    TIFFOpenOptionsSetErrorHandlerExtR(opts, tiff_quiet, NULL);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, tiff_quiet, NULL);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)(c->o->max_pixels * 4 + (1 << 20)));
    /* "rm": read, no memory mapping of the (already in memory) file */
    TIFF *t = TIFFClientOpenExt("tiff", "rm", &m, tiff_read, tiff_write, tiff_seek, tiff_close,
                                tiff_size, NULL, NULL, opts);
    TIFFOpenOptionsFree(opts);
    if (!t)
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    uint32_t w = 0, h = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    int r = too_big(c, p, w, h);
    if (r <= 0) {
        TIFFClose(t);
        return r;
    }
    uint32_t *raster = mamori_arena_alloc(c->a, (size_t)w * h * 4);
    if (!raster) {
        TIFFClose(t);
        return -ENOMEM;
    }
    if (!TIFFReadRGBAImageOriented(t, w, h, raster, ORIENTATION_TOPLEFT, 0)) {
        TIFFClose(t);
        return cdr_block(p, "malformed-image", "画像が壊れています / the image is malformed");
    }
    /* later pages are dropped (counted) */
    int64_t pages = 1;
    while (pages < 10000 && TIFFReadDirectory(t))
        pages++;
    TIFFClose(t);
    /* ABGR words in host order → RGBA bytes */
    uint8_t *px = (uint8_t *)raster;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        uint32_t v = raster[i];
        px[i * 4] = (uint8_t)TIFFGetR(v), px[i * 4 + 1] = (uint8_t)TIFFGetG(v);
        px[i * 4 + 2] = (uint8_t)TIFFGetB(v), px[i * 4 + 3] = (uint8_t)TIFFGetA(v);
    }
    cdr_removed(c, p, "converted-to-png", 1);
    if (pages > 1)
        cdr_removed(c, p, "pages", pages - 1);
    return png_out(c, p, px, w, h, PNG_FORMAT_RGBA);
}

int
cdr_image(struct cdr *c, const char *family, const void *data, size_t len, struct part *p)
{
    if (strcmp(family, "png") == 0)
        return png_in(c, p, data, len);
    if (strcmp(family, "jpeg") == 0)
        return jpeg_in(c, p, data, len);
    if (strcmp(family, "gif") == 0)
        return gif_in(c, p, data, len);
    if (strcmp(family, "bmp") == 0)
        return bmp_in(c, p, data, len);
    if (strcmp(family, "tiff") == 0)
        return tiff_in(c, p, data, len);
    return webp_in(c, p, data, len);
}
