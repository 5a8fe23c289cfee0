/*
 * The CDR engine's front (mamori/cdr.h): the name checks, the dispatch by detected type, the
 * result and its report. The handlers are in text.c, image.c, ooxml.c and archive.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "mamori/policy.h"

void
mamori_cdr_options_default(struct mamori_cdr_options *o)
{
    *o = (struct mamori_cdr_options){
        .block_bidi_name = true,
        .block_double_extension = true,
        .block_type_mismatch = true,
        .max_bytes = MAMORI_CDR_MAX_BYTES,
        .max_total = MAMORI_CDR_MAX_TOTAL,
        .max_pixels = MAMORI_CDR_MAX_PIXELS,
        .max_depth = MAMORI_CDR_MAX_DEPTH,
        .max_entries = MAMORI_CDR_MAX_ENTRIES,
        .max_ratio = MAMORI_CDR_MAX_RATIO,
        .pdf_dpi = MAMORI_CDR_PDF_DPI,
        .max_pages = MAMORI_CDR_MAX_PAGES,
    };
}

void
mamori_cdr_options_from_policy(struct mamori_cdr_options *o, const struct mamori_policy *p)
{
    o->pdf_clean_only = p->sanitize.pdf == MAMORI_PDF_CLEAN;
    o->block_double_extension = o->block_type_mismatch =
        p->sanitize.name_checks != MAMORI_NAME_CHECK_REPORT;
    o->pdf_dpi = (unsigned)p->sanitize.pdf_dpi;
}

const char *
mamori_cdr_verdict_id(enum mamori_cdr_verdict v)
{
    return v == MAMORI_CDR_CLEAN ? "clean" : v == MAMORI_CDR_SANITIZED ? "sanitized" : "blocked";
}

int
cdr_block(struct part *p, const char *reason, const char *text)
{
    p->verdict = MAMORI_CDR_BLOCKED;
    p->reason = reason;
    p->reason_text = text;
    p->out = NULL;
    p->out_len = 0;
    return 0;
}

void
cdr_removed(struct cdr *c, struct part *p, const char *category, int64_t n)
{
    if (n <= 0)
        return;
    if (p->verdict == MAMORI_CDR_CLEAN)
        p->verdict = MAMORI_CDR_SANITIZED;
    struct mamori_cdr_result *r = c->res;
    for (size_t i = 0; i < r->n_removed; i++)
        if (strcmp(r->removed[i].category, category) == 0) {
            r->removed[i].count += n;
            return;
        }
    if (r->n_removed < MAMORI_CDR_MAX_REMOVALS)
        r->removed[r->n_removed++] = (struct mamori_cdr_removal){category, n};
}

void
cdr_extension(const char *name, char *ext, size_t len)
{
    ext[0] = '\0';
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return;
    size_t i = 0;
    for (const char *s = dot + 1; *s && i + 1 < len; s++)
        ext[i++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
    ext[i] = '\0';
}

/* Signatures the engine knows without a detector (and trusts over a detector's "text"). */
const char *
cdr_signature(const void *data, size_t n)
{
    static const struct {
        const char *sig;
        size_t len;
        const char *type;
    } sigs[] = {
        {"\x89PNG\r\n\x1a\n", 8, "image/png"},
        {"\xff\xd8\xff", 3, "image/jpeg"},
        {"GIF87a", 6, "image/gif"},
        {"GIF89a", 6, "image/gif"},
        {"PK\x03\x04", 4, "application/zip"},
        {"PK\x05\x06", 4, "application/zip"},
        {"7z\xbc\xaf\x27\x1c", 6, "application/x-7z-compressed"},
        {"\x1f\x8b", 2, "application/gzip"},
        {"%PDF-", 5, "application/pdf"},
        {"MZ", 2, "application/x-dosexec"},
        {"\x7f"
         "ELF",
         4, "application/x-executable"},
        {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "application/x-ole-storage"},
        {"{\\rtf", 5, "text/rtf"},
    };
    const unsigned char *d = data;
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(sigs); i++)
        if (n >= sigs[i].len && memcmp(d, sigs[i].sig, sigs[i].len) == 0)
            return sigs[i].type;
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return "image/webp";
    if (n >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0))
        return "image/tiff";
    /* "BM" is a common start of text too: a BMP also has a known info header size */
    if (n >= 18 && d[0] == 'B' && d[1] == 'M' && d[15] == 0 && d[16] == 0 && d[17] == 0 &&
        (d[14] == 12 || d[14] == 40 || d[14] == 52 || d[14] == 56 || d[14] == 108 || d[14] == 124))
        return "image/bmp";
    if (n > 7 && d[2] == '-' && d[3] == 'l' && d[4] == 'h' && d[6] == '-') /* LHA "-lh5-" */
        return "application/x-lzh-compressed";
    return NULL;
}

const char *
cdr_detect(struct cdr *c, const void *data, size_t len)
{
    const char *own = cdr_signature(data, len);
    const char *t = c->o->detect ? c->o->detect(c->o->detect_ctx, data, len) : NULL;
    /* The engine's signatures decide for the types it rebuilds (a detector may call a
     * polyglot something else); the detector names the rest. */
    if (own)
        return own;
    if (t && *t && strcmp(t, "application/octet-stream") != 0)
        return mamori_arena_strdup(c->a, t);
    if (len == 0)
        return "application/x-empty";
    /* Without a detector's word: text is UTF-16 with a BOM, or bytes without NUL. */
    const unsigned char *d = data;
    if (len >= 2 && ((d[0] == 0xff && d[1] == 0xfe) || (d[0] == 0xfe && d[1] == 0xff)))
        return "text/plain";
    return memchr(data, '\0', len) ? "application/octet-stream" : "text/plain";
}

/* Extensions of programs and scripts: such a name is never handed over as a document. */
static bool
executable_extension(const char *ext)
{
    static const char *const exts[] = {
        "exe", "com", "bat", "cmd",  "scr",  "pif",  "cpl",  "msi",  "msp",    "dll",         "sys",
        "vbs", "vbe", "js",  "jse",  "wsf",  "wsh",  "ps1",  "psm1", "hta",    "lnk",         "reg",
        "jar", "sh",  "py",  "pl",   "rb",   "php",  "html", "htm",  "xhtml",  "svg",         "chm",
        "iso", "img", "vhd", "vhdx", "appx", "msix", "url",  "inf",  "gadget", "application",
    };
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(exts); i++)
        if (strcmp(ext, exts[i]) == 0)
            return true;
    return false;
}

/* The family of type an extension promises, for the mismatch check; NULL when unknown. */
static const char *
family_of_extension(const char *ext)
{
    static const char *const map[][2] = {
        {"bmp", "bmp"},    {"dib", "bmp"},    {"tif", "tiff"},   {"tiff", "tiff"},
        {"pdf", "pdf"},    {"jpg", "jpeg"},   {"jpeg", "jpeg"},  {"jpe", "jpeg"},
        {"png", "png"},    {"gif", "gif"},    {"webp", "webp"},  {"docx", "ooxml"},
        {"docm", "ooxml"}, {"dotx", "ooxml"}, {"dotm", "ooxml"}, {"xlsx", "ooxml"},
        {"xlsm", "ooxml"}, {"xltx", "ooxml"}, {"xltm", "ooxml"}, {"pptx", "ooxml"},
        {"pptm", "ooxml"}, {"zip", "zip"},    {"7z", "7z"},      {"lzh", "lzh"},
        {"lha", "lzh"},    {"txt", "text"},   {"csv", "text"},   {"tsv", "text"},
        {"log", "text"},   {"doc", "ole"},    {"xls", "ole"},    {"ppt", "ole"},
        {"rtf", "rtf"},    {"gz", "gzip"},    {"tgz", "gzip"},   {"tar", "tar"},
    };
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(map); i++)
        if (strcmp(ext, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

static const char *
family_of_type(const char *type, const void *data, size_t len)
{
    if (strcmp(type, "application/pdf") == 0)
        return "pdf";
    if (strcmp(type, "image/jpeg") == 0)
        return "jpeg";
    if (strcmp(type, "image/png") == 0)
        return "png";
    if (strcmp(type, "image/gif") == 0)
        return "gif";
    if (strcmp(type, "image/webp") == 0)
        return "webp";
    if (strcmp(type, "image/bmp") == 0 || strcmp(type, "image/x-ms-bmp") == 0)
        return "bmp";
    if (strcmp(type, "image/tiff") == 0)
        return "tiff";
    if (strcmp(type, "application/zip") == 0 || strstr(type, "openxmlformats") ||
        strstr(type, "macroEnabled"))
        return cdr_zip_is_ooxml(data, len) ? "ooxml" : "zip";
    if (strcmp(type, "application/x-7z-compressed") == 0)
        return "7z";
    if (strstr(type, "lzh") || strstr(type, "lha"))
        return "lzh";
    if (strncmp(type, "text/plain", 10) == 0 || strcmp(type, "text/csv") == 0 ||
        strcmp(type, "application/csv") == 0)
        return "text";
    if (strcmp(type, "application/x-ole-storage") == 0 || strstr(type, "msword") ||
        strstr(type, "ms-excel") || strstr(type, "ms-powerpoint") || strstr(type, "CDFV2"))
        return "ole";
    if (strstr(type, "rtf"))
        return "rtf";
    if (strstr(type, "gzip"))
        return "gzip";
    if (strstr(type, "x-tar"))
        return "tar";
    return NULL;
}

/* Name findings: bidi and control characters, double extension, type mismatch. */
static void
check_name(struct cdr *c, const char *name, const char *type, const void *data, size_t len)
{
    struct mamori_cdr_result *r = c->res;
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        if (*s < 0x20 || *s == 0x7f)
            r->name_control = true;
        /* U+202A..U+202E, U+2066..U+2069 (E2 80 AA..AE, E2 81 A6..A9), U+200E/F, U+061C */
        if (s[0] == 0xe2 && s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae)
            r->name_bidi = true;
        if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
            r->name_bidi = true;
        if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0x8e || s[2] == 0x8f))
            r->name_bidi = true;
        if (s[0] == 0xd8 && s[1] == 0x9c)
            r->name_bidi = true;
    }
    char ext[16];
    cdr_extension(name, ext, sizeof(ext));
    const char *dot = strrchr(name, '.');
    if (dot && *ext && executable_extension(ext)) {
        for (const char *s = name; s < dot; s++)
            if (*s == '.' && s + 1 < dot && s != name) {
                r->name_double_extension = true;
                break;
            }
    }
    const char *want = *ext ? family_of_extension(ext) : NULL;
    const char *have = family_of_type(type, data, len);
    if (want && (!have || strcmp(want, have) != 0))
        r->name_type_mismatch = true;
}

/* A name safe to write: no directories, no control or bidi characters, with ext. */
static const char *
output_name(struct cdr *c, const char *name, const char *ext)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *back = strrchr(base, '\\');
    if (back)
        base = back + 1;
    char *n = mamori_arena_alloc(c->a, strlen(base) + 16);
    if (!n)
        return "file";
    size_t k = 0;
    for (const unsigned char *s = (const unsigned char *)base; *s; s++) {
        if (*s < 0x20 || *s == 0x7f || *s == '/' || *s == '\\')
            continue;
        if (s[0] == 0xe2 &&
            ((s[1] == 0x80 && ((s[2] >= 0xaa && s[2] <= 0xae) || s[2] == 0x8e || s[2] == 0x8f)) ||
             (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9))) {
            s += 2;
            continue;
        }
        n[k++] = (char)*s;
    }
    n[k] = '\0';
    if (!*ext)
        return k ? n : "file";
    char *dot = strrchr(n, '.');
    if (dot && dot != n)
        *dot = '\0';
    return mamori_arena_printf(c->a, "%s.%s", *n && strcmp(n, ".") != 0 ? n : "file", ext);
}

int
cdr_rebuild(struct cdr *c, const char *name, const void *data, size_t len, struct part *p)
{
    *p = (struct part){.verdict = MAMORI_CDR_CLEAN};
    if (len > c->o->max_bytes)
        return cdr_block(p, "too-large", "大きすぎます / too large");
    const char *type = cdr_detect(c, data, len);
    const char *fam = family_of_type(type, data, len);
    char ext[16];
    cdr_extension(name, ext, sizeof(ext));
    if (executable_extension(ext) || strstr(type, "dosexec") || strstr(type, "executable") ||
        strstr(type, "x-sharedlib") || strstr(type, "x-msi"))
        return cdr_block(p, "executable",
                         "プログラム・スクリプトは受け渡せません / programs and "
                         "scripts are not handed over");
    if (strcmp(type, "text/html") == 0 || strstr(type, "script") || strstr(type, "x-python") ||
        strstr(type, "x-perl") || strstr(type, "x-php") || strstr(type, "svg"))
        return cdr_block(p, "executable",
                         "プログラム・スクリプトは受け渡せません / programs and "
                         "scripts are not handed over");
    if (!fam) {
        if (strcmp(type, "application/x-empty") == 0)
            return cdr_block(p, "empty", "空のファイルです / the file is empty");
        return cdr_block(p, "unsupported-type",
                         "この種類のファイルは無害化できません / this type of file cannot be "
                         "sanitized");
    }
    if (strcmp(fam, "text") == 0)
        return cdr_text(c, name, data, len, p);
    if (strcmp(fam, "png") == 0 || strcmp(fam, "jpeg") == 0 || strcmp(fam, "gif") == 0 ||
        strcmp(fam, "webp") == 0 || strcmp(fam, "bmp") == 0 || strcmp(fam, "tiff") == 0)
        return cdr_image(c, fam, data, len, p);
    if (strcmp(fam, "ooxml") == 0)
        return cdr_ooxml(c, data, len, p);
    if (strcmp(fam, "zip") == 0 || strcmp(fam, "7z") == 0 || strcmp(fam, "lzh") == 0 ||
        strcmp(fam, "gzip") == 0 || strcmp(fam, "tar") == 0)
        return cdr_archive(c, type, data, len, p);
    if (strcmp(fam, "pdf") == 0)
        return cdr_pdf(c, data, len, p);
    return cdr_block(p, "no-converter",
                     "旧形式の Office 文書・RTF は PDF に変換したものだけを受け渡します。変換されて"
                     "いません / legacy Office and RTF cross only as a converted PDF; this one was "
                     "not converted");
}

int
mamori_cdr_sanitize(const char *name, const void *data, size_t len,
                    const struct mamori_cdr_options *o, struct mamori_cdr_result **ret)
{
    if (!name || (!data && len) || !o)
        return -EINVAL;
    struct mamori_arena *a = mamori_arena_new(o->max_total + o->max_bytes * 4 + (64 << 20));
    struct mamori_cdr_result *r = a ? mamori_arena_calloc(a, 1, sizeof(*r)) : NULL;
    if (!r) {
        mamori_arena_free(a);
        return -ENOMEM;
    }
    r->arena = a;
    r->in_name = mamori_arena_strdup(a, name);
    r->in_len = len;
    uint8_t h[32];
    mamori_sha256(data ? data : "", len, h);
    char hex[65];
    mamori_hex(h, sizeof(h), hex);
    snprintf(r->in_sha256, sizeof(r->in_sha256), "sha256:%s", hex);
    struct cdr c = {.o = o, .res = r, .a = a};
    r->members = mamori_arena_calloc(a, MAMORI_CDR_MAX_MEMBERS, sizeof(*r->members));
    r->in_type = cdr_detect(&c, data, len);
    check_name(&c, name, r->in_type, data, len);
    struct part p = {0};
    const char *why = NULL, *why_text = NULL;
    if (len == 0)
        why = "empty", why_text = "空のファイルです / the file is empty";
    else if (len > o->max_bytes)
        why = "too-large", why_text = "大きすぎます / too large";
    else if (r->name_bidi && o->block_bidi_name)
        why = "name-bidi", why_text = "ファイル名に文字の向きを変える制御文字があります / the "
                                      "name holds bidi control characters (e.g. U+202E)";
    else if (r->name_double_extension && o->block_double_extension)
        why = "name-double-extension", why_text = "ファイル名が二重拡張子です / the name has a "
                                                  "double extension";
    else if (r->name_type_mismatch && o->block_type_mismatch)
        why = "name-type-mismatch", why_text = "拡張子と中身の種類が一致しません / the "
                                               "extension does not match the content";
    int e = why ? cdr_block(&p, why, why_text) : cdr_rebuild(&c, name, data, len, &p);
    if (e < 0) {
        mamori_arena_free(a);
        return e;
    }
    r->verdict = p.verdict;
    r->reason = p.reason;
    r->reason_text = p.reason_text;
    if (p.verdict != MAMORI_CDR_BLOCKED) {
        r->out = p.out;
        r->out_len = p.out_len;
        r->out_type = p.type;
        r->out_name = output_name(&c, name, p.ext ? p.ext : "");
        mamori_sha256(p.out ? p.out : "", p.out_len, h);
        mamori_hex(h, sizeof(h), hex);
        snprintf(r->out_sha256, sizeof(r->out_sha256), "sha256:%s", hex);
    }
    *ret = r;
    return 0;
}

void
mamori_cdr_result_free(struct mamori_cdr_result *res)
{
    if (res)
        mamori_arena_free(res->arena);
}

void
mamori_cdr_report_json(const struct mamori_cdr_result *r, struct mamori_json *j)
{
    mamori_json_object_begin(j);
    mamori_json_kv_string(j, "verdict", mamori_cdr_verdict_id(r->verdict));
    if (r->reason) {
        mamori_json_kv_string(j, "reason", r->reason);
        mamori_json_kv_string(j, "reason_text", r->reason_text ? r->reason_text : "");
    }
    mamori_json_key(j, "input");
    mamori_json_object_begin(j);
    mamori_json_kv_string(j, "name", r->in_name);
    mamori_json_kv_string(j, "type", r->in_type);
    mamori_json_kv_int(j, "bytes", (int64_t)r->in_len);
    mamori_json_kv_string(j, "sha256", r->in_sha256);
    mamori_json_object_end(j);
    mamori_json_key(j, "output");
    if (r->verdict == MAMORI_CDR_BLOCKED) {
        mamori_json_null(j);
    } else {
        mamori_json_object_begin(j);
        mamori_json_kv_string(j, "name", r->out_name);
        mamori_json_kv_string(j, "type", r->out_type);
        mamori_json_kv_int(j, "bytes", (int64_t)r->out_len);
        mamori_json_kv_string(j, "sha256", r->out_sha256);
        mamori_json_object_end(j);
    }
    mamori_json_key(j, "removed");
    mamori_json_object_begin(j);
    for (size_t i = 0; i < r->n_removed; i++)
        mamori_json_kv_int(j, r->removed[i].category, r->removed[i].count);
    mamori_json_object_end(j);
    mamori_json_key(j, "name_findings");
    mamori_json_array_begin(j);
    if (r->name_bidi)
        mamori_json_string(j, "bidi-control");
    if (r->name_control)
        mamori_json_string(j, "control-character");
    if (r->name_double_extension)
        mamori_json_string(j, "double-extension");
    if (r->name_type_mismatch)
        mamori_json_string(j, "type-mismatch");
    mamori_json_array_end(j);
    if (r->n_members || r->members_blocked || r->members_sanitized) {
        mamori_json_kv_int(j, "members_sanitized", (int64_t)r->members_sanitized);
        mamori_json_kv_int(j, "members_blocked", (int64_t)r->members_blocked);
        mamori_json_key(j, "members");
        mamori_json_array_begin(j);
        for (size_t i = 0; i < r->n_members; i++) {
            mamori_json_object_begin(j);
            mamori_json_kv_string(j, "name", r->members[i].name);
            mamori_json_kv_string(j, "verdict", mamori_cdr_verdict_id(r->members[i].verdict));
            if (r->members[i].reason)
                mamori_json_kv_string(j, "reason", r->members[i].reason);
            mamori_json_object_end(j);
        }
        mamori_json_array_end(j);
    }
    mamori_json_object_end(j);
}
