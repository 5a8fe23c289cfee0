/*
 * Archives (zip incl. encrypted with a supplied password, 7z, LZH, tar, gzip; libarchive from
 * memory): every member read within the limits — depth, entries, bytes, ratio: a zip bomb is a
 * verdict — and sanitized by the same engine; what survives is packed again as a zip.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "internal.h"

/* A member's name as UTF-8: as stored when valid, else CP932 (Japanese Windows zips). */
static const char *
member_name(struct cdr *c, struct archive_entry *e)
{
    const char *raw = archive_entry_pathname(e);
    if (!raw)
        raw = archive_entry_pathname_utf8(e);
    if (!raw)
        return "member";
    if (mamori_utf8_valid(raw, strlen(raw)))
        return mamori_arena_strdup(c->a, raw);
    UErrorCode err = U_ZERO_ERROR;
    UChar u[1024];
    UConverter *cv = ucnv_open("windows-31j", &err);
    if (U_FAILURE(err))
        return "member";
    int32_t ulen = ucnv_toUChars(cv, u, 1024, raw, -1, &err);
    ucnv_close(cv);
    char *out = mamori_arena_alloc(c->a, 4096);
    if (U_FAILURE(err) || !out)
        return "member";
    err = U_ZERO_ERROR;
    u_strToUTF8(out, 4096, NULL, u, ulen, &err);
    return U_FAILURE(err) ? "member" : out;
}

/* A name safe inside the new zip: no leading '/', no "..", no control or bidi characters. */
static const char *
safe_member_name(struct cdr *c, const char *name)
{
    char *out = mamori_arena_alloc(c->a, strlen(name) + 8);
    if (!out)
        return "member";
    size_t k = 0;
    const char *s = name;
    while (*s) {
        while (*s == '/' || *s == '\\')
            s++;
        const char *end = s;
        while (*end && *end != '/' && *end != '\\')
            end++;
        size_t len = (size_t)(end - s);
        if (len && !(len == 1 && s[0] == '.') && !(len == 2 && s[0] == '.' && s[1] == '.')) {
            if (k)
                out[k++] = '/';
            for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)end;
                 p++) {
                if (*p < 0x20 || *p == 0x7f)
                    continue;
                if (p + 2 < (const unsigned char *)end && p[0] == 0xe2 &&
                    ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
                     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
                    p += 2;
                    continue;
                }
                out[k++] = (char)*p;
            }
        }
        s = end;
    }
    out[k] = '\0';
    return k ? out : "member";
}

int
cdr_unpack(struct cdr *c, const void *data, size_t len, bool zip_only, struct part *p,
           struct zentry **ret, size_t *ret_n)
{
    struct archive *a = archive_read_new();
    if (!a)
        return -ENOMEM;
    if (zip_only) {
        archive_read_support_format_zip(a);
    } else {
        archive_read_support_format_zip(a);
        archive_read_support_format_7zip(a);
        archive_read_support_format_lha(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_raw(a); /* a lone .gz */
        archive_read_support_filter_gzip(a);
        archive_read_support_filter_bzip2(a);
        archive_read_support_filter_xz(a);
    }
    if (c->o->password)
        archive_read_add_passphrase(a, c->o->password);
    int r = 0, blocked = 0;
    size_t n = 0, cap = 16;
    struct zentry *v = mamori_arena_alloc(c->a, cap * sizeof(*v));
    /* The whole archive may unpack to at most max_ratio times its size (64 KiB at least). */
    size_t budget = (len < 65536 ? 65536 : len) * (size_t)c->o->max_ratio, unpacked = 0;
    int64_t links = 0;
    if (!v || archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        archive_read_free(a);
        if (!v)
            return -ENOMEM;
        cdr_block(p, "malformed-archive", "書庫が壊れています / the archive is malformed");
        return 1;
    }
    struct archive_entry *e;
    int hr;
    while (!blocked && (hr = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        mode_t type = archive_entry_filetype(e);
        if (type == AE_IFDIR)
            continue;
        if (type != AE_IFREG) { /* links, devices, fifos: never handed over */
            links++;
            continue;
        }
        if (++c->entries > c->o->max_entries) {
            blocked = cdr_block(p, "archive-limit",
                                "書庫の中身が多すぎます（上限超過）/ the "
                                "archive holds too many members") +
                      1;
            break;
        }
        if (archive_entry_is_encrypted(e) && !c->o->password) {
            blocked = cdr_block(p, "encrypted",
                                "パスワード付きの書庫です。中身を検査できません "
                                "/ the archive is encrypted: its content cannot be "
                                "inspected") +
                      1;
            break;
        }
        struct mamori_buf b;
        mamori_buf_init(&b, c->o->max_bytes);
        char chunk[65536];
        la_ssize_t got;
        while ((got = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
            unpacked += (size_t)got;
            c->total += (size_t)got;
            if (unpacked > budget || c->total > c->o->max_total ||
                mamori_buf_append(&b, chunk, (size_t)got) < 0) {
                got = -2;
                break;
            }
        }
        if (got == -2) {
            mamori_buf_done(&b);
            blocked = cdr_block(p, "archive-limit",
                                "展開すると大きすぎます（圧縮爆弾の疑い）/ "
                                "the archive unpacks too large (a zip bomb?)") +
                      1;
            break;
        }
        if (got < 0) {
            mamori_buf_done(&b);
            blocked = archive_entry_is_encrypted(e)
                          ? cdr_block(p, "encrypted",
                                      "パスワードが違うか、中身を復号できません / "
                                      "wrong password, or the content does not "
                                      "decrypt") +
                                1
                          : cdr_block(p, "malformed-archive",
                                      "書庫が壊れています / the archive "
                                      "is malformed") +
                                1;
            break;
        }
        if (n == cap) {
            struct zentry *nv = mamori_arena_alloc(c->a, cap * 2 * sizeof(*v));
            if (!nv) {
                mamori_buf_done(&b);
                r = -ENOMEM;
                break;
            }
            memcpy(nv, v, n * sizeof(*v));
            v = nv, cap *= 2;
        }
        v[n].name = member_name(c, e);
        v[n].len = b.len;
        v[n].data = mamori_arena_alloc(c->a, b.len ? b.len : 1);
        if (!v[n].data) {
            mamori_buf_done(&b);
            r = -ENOMEM;
            break;
        }
        memcpy(v[n].data, b.data ? b.data : "", b.len);
        mamori_buf_done(&b);
        n++;
    }
    if (!blocked && r == 0 && hr != ARCHIVE_EOF && hr != ARCHIVE_OK)
        blocked = cdr_block(p, "malformed-archive",
                            "書庫が壊れています / the archive is "
                            "malformed") +
                  1;
    archive_read_free(a);
    if (r < 0)
        return r;
    if (blocked)
        return 1;
    cdr_removed(c, p, "links", links);
    *ret = v;
    *ret_n = n;
    return 0;
}

static la_ssize_t
write_cb(struct archive *a, void *ctx, const void *buf, size_t len)
{
    return mamori_buf_append(ctx, buf, len) == 0 ? (la_ssize_t)len : -1;
}

int
cdr_zip(struct cdr *c, const struct zentry *e, size_t n, char **out, size_t *out_len)
{
    struct mamori_buf b;
    mamori_buf_init(&b, c->o->max_total + c->o->max_bytes);
    struct archive *w = archive_write_new();
    if (!w)
        return -ENOMEM;
    archive_write_set_format_zip(w);
    archive_write_zip_set_compression_deflate(w);
    archive_write_set_options(w, "zip:hdrcharset=UTF-8");
    archive_write_set_bytes_in_last_block(w, 1);
    int r = archive_write_open2(w, &b, NULL, write_cb, NULL, NULL) == ARCHIVE_OK ? 0 : -EIO;
    struct archive_entry *ae = archive_entry_new();
    for (size_t i = 0; i < n && r == 0; i++) {
        archive_entry_clear(ae);
        archive_entry_set_pathname_utf8(ae, e[i].name);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)e[i].len);
        archive_entry_set_mtime(ae, 315532800, 0); /* 1980-01-01: no time of ours leaks */
        if (archive_write_header(w, ae) != ARCHIVE_OK ||
            (e[i].len && archive_write_data(w, e[i].data, e[i].len) != (la_ssize_t)e[i].len))
            r = -EIO;
    }
    archive_entry_free(ae);
    if (archive_write_close(w) != ARCHIVE_OK && r == 0)
        r = -EIO;
    archive_write_free(w);
    if (r == 0) {
        *out = mamori_arena_alloc(c->a, b.len ? b.len : 1);
        if (!*out)
            r = -ENOMEM;
        else
            memcpy(*out, b.data, b.len);
        *out_len = b.len;
    }
    mamori_buf_done(&b);
    return r;
}

bool
cdr_zip_is_ooxml(const void *data, size_t len)
{
    /* The central directory names [Content_Types].xml; a cheap look for the name is enough
     * to choose the handler (the OOXML handler then reads the package properly). */
    static const char ct[] = "[Content_Types].xml";
    return len > sizeof(ct) && memmem(data, len, ct, sizeof(ct) - 1) != NULL;
}

int
cdr_archive(struct cdr *c, const char *type, const void *data, size_t len, struct part *p)
{
    if (c->depth >= c->o->max_depth)
        return cdr_block(p, "archive-limit",
                         "書庫の入れ子が深すぎます / archives are nested too "
                         "deep");
    struct zentry *m = NULL;
    size_t n = 0;
    int r = cdr_unpack(c, data, len, false, p, &m, &n);
    if (r != 0)
        return r < 0 ? r : 0;
    struct zentry *keep = mamori_arena_alloc(c->a, (n ? n : 1) * sizeof(*keep));
    if (!keep)
        return -ENOMEM;
    size_t k = 0;
    int64_t blocked = 0;
    c->depth++;
    const char *outer = c->prefix;
    for (size_t i = 0; i < n; i++) {
        struct part mp;
        const char *path =
            mamori_arena_printf(c->a, "%s%s", outer ? outer : "", safe_member_name(c, m[i].name));
        c->prefix = mamori_arena_printf(c->a, "%s/", path ? path : "");
        r = cdr_rebuild(c, m[i].name, m[i].data, m[i].len, &mp);
        c->prefix = outer;
        if (r < 0)
            break;
        struct mamori_cdr_result *res = c->res;
        if (res->n_members < MAMORI_CDR_MAX_MEMBERS)
            res->members[res->n_members++] =
                (struct mamori_cdr_member){path ? path : "member", mp.verdict, mp.reason};
        if (mp.verdict == MAMORI_CDR_BLOCKED) {
            res->members_blocked++;
            blocked++;
            continue;
        }
        if (mp.verdict == MAMORI_CDR_SANITIZED) {
            res->members_sanitized++;
            p->verdict = MAMORI_CDR_SANITIZED;
        }
        /* The member under its name, with the extension of what it became. */
        const char *nm = safe_member_name(c, m[i].name);
        char ext[16];
        cdr_extension(nm, ext, sizeof(ext));
        if (mp.ext && strcmp(ext, mp.ext) != 0) {
            char *base = mamori_arena_strdup(c->a, nm);
            char *dot = base ? strrchr(base, '.') : NULL;
            char *slash = base ? strrchr(base, '/') : NULL;
            if (dot && (!slash || dot > slash + 1))
                *dot = '\0';
            nm = base ? mamori_arena_printf(c->a, "%s.%s", base, mp.ext) : nm;
        }
        keep[k++] = (struct zentry){nm, mp.out, mp.out_len};
    }
    c->depth--;
    if (r < 0)
        return r;
    cdr_removed(c, p, "blocked-members", blocked);
    if (k == 0)
        return cdr_block(p, "nothing-left",
                         "書庫の中に受け渡せるファイルがありません / nothing "
                         "in the archive can be handed over");
    r = cdr_zip(c, keep, k, &p->out, &p->out_len);
    if (r < 0)
        return r == -ENOMEM ? r : cdr_block(p, "archive-limit", "大きすぎます / too large");
    (void)type;
    p->type = "application/zip";
    p->ext = "zip";
    return 0;
}
