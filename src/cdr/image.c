/*
 * Images: decoded to pixels and encoded again, so nothing but pixels survives (EXIF with GPS,
 * XMP, comments, ICC profiles, trailing data such as a zip of a polyglot). libpng's simplified
 * API, TurboJPEG, giflib and libwebp: single-threaded, from memory, fit for the seccomp worker.
 */
#include <errno.h>
#include <gif_lib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
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

static int
png_in(struct cdr *c, struct part *p, const void *data, size_t len)
{
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

int
cdr_image(struct cdr *c, const char *type, const void *data, size_t len, struct part *p)
{
    if (strcmp(type, "image/png") == 0)
        return png_in(c, p, data, len);
    if (strcmp(type, "image/jpeg") == 0)
        return jpeg_in(c, p, data, len);
    if (strcmp(type, "image/gif") == 0)
        return gif_in(c, p, data, len);
    return webp_in(c, p, data, len);
}
