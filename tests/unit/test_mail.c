/*
 * Mail engine tests: charsets (NEC special characters, mislabelled and unlabelled Japanese),
 * RFC 2047 both ways, defanging, safe names; golden files (tests/data/mail/NAME.eml and
 * chosen corpus messages → NAME.expected, a reviewable form of the output: summary lines,
 * the headers, the decoded body; MAMORI_REGEN=1 rewrites them); the EICAR test string inside a
 * ZIP in every wrapping, never in the output; and every message of the shared corpus: no
 * error, 7-bit output, no HTML markup, no attachment bytes.
 */
#include "helpers.h"

#include <dirent.h>
#include <errno.h>
#include <time.h>

#include "mamori/mail.h"

/* ---- pieces ----------------------------------------------------------------------------- */

static char *
conv(const char *cs, const char *in, size_t len, unsigned *flags)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    assert_int_equal(mamori_charset_to_utf8(cs, in, len, &b, flags), 0);
    return mamori_buf_steal(&b, NULL);
}

static void
test_charsets(void **state)
{
    unsigned f;
    /* ISO-2022-JP keeps ①㈱Ⅰ№～ (NEC row 13), which glibc iconv loses. */
    const char jis[] = "\x1b$B-!-j-5-b!A\x1b(B";
    char *s = conv("ISO-2022-JP", jis, sizeof(jis) - 1, &f);
    assert_string_equal(s, "①㈱Ⅰ№～");
    assert_int_equal(f, 0);
    free(s);
    /* Shift_JIS as windows-31j: the same characters and the Microsoft wave dash. */
    const char sj[] = "\x87\x40\x87\x8a\x87\x54\x87\x82\x81\x60";
    s = conv("Shift_JIS", sj, sizeof(sj) - 1, &f);
    assert_string_equal(s, "①㈱Ⅰ№～");
    free(s);
    const char euc[] = "\xc6\xfc\xcb\xdc\xb8\xec";
    s = conv("EUC-JP", euc, sizeof(euc) - 1, &f);
    assert_string_equal(s, "日本語");
    free(s);
    /* Shift_JIS bytes labelled ISO-2022-JP: detected, flagged. */
    const char sj2[] = "\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x65\x83\x4c\x83\x58\x83\x67\x82\xc5"
                       "\x82\xb7\x81\x42\x82\xe6\x82\xeb\x82\xb5\x82\xad\x82\xa8\x8a\xe8\x82\xa2";
    s = conv("iso-2022-jp", sj2, sizeof(sj2) - 1, &f);
    assert_string_equal(s, "日本語のテキストです。よろしくお願い");
    assert_true(f & MAMORI_CHARSET_MISLABELLED);
    free(s);
    /* No label: UTF-8 recognised; 7-bit ISO-2022-JP recognised by its escapes. */
    s = conv(NULL, "h\xc3\xa9", 3, &f);
    assert_string_equal(s, "hé");
    assert_true(f & MAMORI_CHARSET_DETECTED);
    free(s);
    s = conv("", jis, sizeof(jis) - 1, &f);
    assert_string_equal(s, "①㈱Ⅰ№～");
    free(s);
    /* An unknown label: detection, flagged unknown. */
    s = conv("x-no-such-charset", "plain", 5, &f);
    assert_string_equal(s, "plain");
    assert_true(f & MAMORI_CHARSET_UNKNOWN);
    free(s);
}

static char *
dec2047(const char *in, unsigned *flags)
{
    struct mamori_buf b;
    mamori_buf_init(&b, 1 << 20);
    assert_int_equal(mamori_rfc2047_decode(in, strlen(in), &b, flags), 0);
    return mamori_buf_steal(&b, NULL);
}

static void
test_rfc2047(void **state)
{
    unsigned f;
    static const char *const cases[][2] = {
        {"=?UTF-8?B?5pel5pys6Kqe?=", "日本語"},
        {"=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"},
        /* White space between encoded-words disappears; around plain text it stays. */
        {"=?UTF-8?B?5pel?= =?UTF-8?B?5pys?=  plain =?UTF-8?B?6Kqe?=", "日本  plain 語"},
        /* ISO-2022-JP split in the middle of a JIS run, across two words. */
        {"=?ISO-2022-JP?B?GyRCLSEtag==?= =?ISO-2022-JP?B?LTUtYiFBGyhC?=", "①㈱Ⅰ№～"},
        /* Glued to text, and a language suffix (RFC 2231). */
        {"Re:=?UTF-8*ja?B?5pel5pys?=", "Re:日本"},
        /* Not an encoded-word: kept as text. */
        {"=?UTF-8?X?abc?= tail", "=?UTF-8?X?abc?= tail"},
        {"=?UTF-8?Q?a=ZZ?=", "=?UTF-8?Q?a=ZZ?="},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = dec2047(cases[i][0], &f);
        if (strcmp(s, cases[i][1]) != 0)
            fail_msg("%s -> \"%s\", want \"%s\"", cases[i][0], s, cases[i][1]);
        free(s);
    }
    char *s = dec2047("\x93\xfa\x96\x7b", &f); /* raw Shift_JIS in a header */
    assert_string_equal(s, "日本");
    free(s);
}

static void
test_rfc2047_encode(void **state)
{
    const char *texts[] = {
        "plain ascii subject",
        ("日本語の件名：①㈱Ⅰ№～ "
         "を含むとても長い件名です。折り返しが必要になるくらい長くしておきます。"),
        "mixed 日本 and ASCII with a =?fake?= word",
    };
    for (size_t i = 0; i < 3; i++) {
        struct mamori_buf b;
        mamori_buf_init(&b, 1 << 20);
        assert_int_equal(mamori_rfc2047_encode(texts[i], strlen(texts[i]), 7, &b), 0);
        /* 7-bit, lines of at most 76 characters counting "Subject: " on the first. */
        size_t col = 9;
        for (size_t k = 0; k < b.len; k++) {
            assert_true((unsigned char)b.data[k] < 0x80);
            col = b.data[k] == '\n' ? 0 : col + 1;
            assert_true(col <= 76);
        }
        /* And it decodes back. */
        struct mamori_buf unfolded;
        mamori_buf_init(&unfolded, 1 << 20);
        for (size_t k = 0; k < b.len; k++)
            if (b.data[k] != '\n')
                mamori_buf_putc(&unfolded, b.data[k]);
        unsigned f;
        char *back = dec2047(unfolded.data, &f);
        assert_string_equal(back, texts[i]);
        free(back);
        mamori_buf_done(&b);
        mamori_buf_done(&unfolded);
    }
}

static void
test_defang(void **state)
{
    static const struct {
        const char *in, *want;
        enum mamori_url_mode urls, mail;
    } cases[] = {
        {"see https://www.example.com/a.b?c=1.", "see hxxps[:]//www[.]example[.]com/a.b?c=1.",
         MAMORI_URL_DEFANG, MAMORI_URL_DEFANG},
        {"詳細はhttp://example.jp/x。", "詳細はhxxp[:]//example[.]jp/x。", MAMORI_URL_DEFANG,
         MAMORI_URL_KEEP},
        {"www.example.org/info", "www[.]example[.]org/info", MAMORI_URL_DEFANG, MAMORI_URL_KEEP},
        {"ftp://f.example.com/x", "fxp[:]//f[.]example[.]com/x", MAMORI_URL_DEFANG,
         MAMORI_URL_KEEP},
        {"mail mailto:a@b.example please", "mail mailto[:]a[@]b[.]example please",
         MAMORI_URL_DEFANG, MAMORI_URL_DEFANG},
        {"mailto:a@b.example", "mailto:a@b.example", MAMORI_URL_DEFANG, MAMORI_URL_KEEP},
        {"go https://x.example now", "go [URL removed] now", MAMORI_URL_REMOVE, MAMORI_URL_KEEP},
        {"kept https://x.example", "kept https://x.example", MAMORI_URL_KEEP, MAMORI_URL_KEEP},
        {"nohttp://x", "nohttp://x", MAMORI_URL_DEFANG, MAMORI_URL_DEFANG},
        /* An internationalised host is a link too. */
        {"https://例え.jp/パス です", "hxxps[:]//例え[.]jp/パス です", MAMORI_URL_DEFANG,
         MAMORI_URL_KEEP},
        {"http://example.jpまで", "hxxp[:]//example[.]jpまで", MAMORI_URL_DEFANG, MAMORI_URL_KEEP},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mamori_buf b;
        mamori_buf_init(&b, 4096);
        size_t n;
        assert_int_equal(
            mamori_defang(cases[i].in, strlen(cases[i].in), cases[i].urls, cases[i].mail, &b, &n),
            0);
        if (strcmp(b.data, cases[i].want) != 0)
            fail_msg("\"%s\" -> \"%s\", want \"%s\"", cases[i].in, b.data, cases[i].want);
        mamori_buf_done(&b);
    }
}

static void
test_safe_filename(void **state)
{
    static const struct {
        const char *in, *want;
        bool suspicious;
    } cases[] = {
        {"見積書.xlsx", "見積書.xlsx", false},
        {"請求書\xe2\x80\xae"
         "fdp.exe",
         "請求書fdp.exe", true},
        {"report.pdf.exe", "report.pdf.exe", true},
        {"photo.jpg          .scr", "photo.jpg          .scr", true},
        {"a\x01"
         "b\tc.txt",
         "abc.txt", true},
        {"../../etc/passwd", ".._.._etc_passwd", true},
        {"zw\xe2\x80\x8bsp.txt", "zwsp.txt", true},
        {"bad\xff.txt", "bad\xef\xbf\xbd.txt", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mamori_buf b;
        mamori_buf_init(&b, 4096);
        bool s = false;
        assert_int_equal(mamori_safe_filename(cases[i].in, 100, &b, &s), 0);
        assert_string_equal(b.data ? b.data : "", cases[i].want);
        assert_int_equal(s, cases[i].suspicious);
        mamori_buf_done(&b);
    }
    struct mamori_buf b;
    mamori_buf_init(&b, 4096);
    bool s;
    assert_int_equal(mamori_safe_filename("あいうえおかきくけこ", 4, &b, &s), 0);
    assert_string_equal(b.data, "あいうえ…");
    mamori_buf_done(&b);
}

/* ---- whole messages --------------------------------------------------------------------- */

static char *
decode_body(const struct mamori_mail_result *r, char **ret_headers)
{
    const char *sep = strstr(r->output, "\n\n");
    assert_non_null(sep);
    *ret_headers = strndup(r->output, (size_t)(sep - r->output) + 1);
    const char *body = sep + 2;
    if (!strstr(*ret_headers, "Content-Transfer-Encoding: base64"))
        return strdup(body);
    struct mamori_buf line, out;
    mamori_buf_init(&line, 1 << 20);
    mamori_buf_init(&out, (size_t)1 << 30);
    for (const char *p = body; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        uint8_t dec[128];
        size_t dn;
        assert_true(n <= 76);
        assert_int_equal(mamori_unbase64(p, n, dec, sizeof(dec), &dn), 0);
        mamori_buf_append(&out, dec, dn);
        p += n + (nl ? 1 : 0);
    }
    mamori_buf_done(&line);
    return mamori_buf_steal(&out, NULL);
}

/* The reviewable form of a result, for golden files. */
static char *
review_form(const struct mamori_mail_result *r)
{
    struct mamori_buf b;
    mamori_buf_init(&b, (size_t)1 << 30);
    mamori_buf_printf(&b, "# verdict: %s%s%s\n",
                      r->verdict == MAMORI_MAIL_HELD ? "held" : "sanitized",
                      r->held_reason ? " " : "", r->held_reason ? r->held_reason : "");
    mamori_buf_puts(&b, "# defects:");
    for (size_t i = 0; i < r->n_defects; i++)
        mamori_buf_printf(&b, " %s", r->defects[i]);
    mamori_buf_putc(&b, '\n');
    for (size_t i = 0; i < r->n_attachments; i++)
        mamori_buf_printf(&b, "# attachment: \"%s\" %s %zu bytes%s%s\n", r->attachments[i].name,
                          r->attachments[i].declared_type, r->attachments[i].size,
                          r->attachments[i].encrypted ? " encrypted" : "",
                          r->attachments[i].forwarded ? " forwarded" : "");
    char *headers;
    char *body = decode_body(r, &headers);
    mamori_buf_printf(&b, "%s\n%s", headers, body);
    free(headers);
    free(body);
    return mamori_buf_steal(&b, NULL);
}

static struct mamori_mail_result *
sanitize_file(const char *path)
{
    char *data;
    size_t len;
    assert_int_equal(mamori_fs_read_file(path, (size_t)1 << 30, &data, &len), 0);
    struct mamori_mail_result *r = NULL;
    int rc = mamori_mail_sanitize(data, len, NULL, &r);
    free(data);
    if (rc != 0)
        fail_msg("%s: %s", path, mamori_strerror(rc));
    return r;
}

static int
golden_one(const char *path, const char *expected_path)
{
    struct mamori_mail_result *r = sanitize_file(path);
    char *got = review_form(r);
    int failed = 0;
    if (getenv("MAMORI_REGEN")) {
        assert_int_equal(mamori_fs_write_atomic(expected_path, got, strlen(got), 0644), 0);
    } else {
        char *want;
        size_t wl;
        if (mamori_fs_read_file(expected_path, 1 << 24, &want, &wl) < 0) {
            fprintf(stderr, "missing %s (MAMORI_REGEN=1 to create, then review)\n", expected_path);
            failed = 1;
        } else {
            if (strcmp(want, got) != 0) {
                fprintf(stderr, "%s differs from %s:\n%s\n", path, expected_path, got);
                failed = 1;
            }
            free(want);
        }
    }
    free(got);
    mamori_mail_result_free(r);
    return failed;
}

static char *
shared_dir(void)
{
    const char *env = getenv("MAMORI_SHARED");
    if (env && *env)
        return strdup(env);
    return test_source_path("../shared");
}

static void
test_golden(void **state)
{
    char *dir = test_source_path("tests/data/mail");
    DIR *d = opendir(dir);
    assert_non_null(d);
    int failed = 0, n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".eml") != 0)
            continue;
        char *in = NULL, *exp = NULL;
        assert_true(asprintf(&in, "%s/%s", dir, e->d_name) > 0);
        assert_true(asprintf(&exp, "%s/%.*s.expected", dir, (int)l - 4, e->d_name) > 0);
        failed += golden_one(in, exp);
        n++;
        free(in);
        free(exp);
    }
    closedir(d);
    /* Chosen corpus messages: the Japanese cases of the shared corpus. */
    char *list = NULL, *listpath = NULL, *shared = shared_dir();
    assert_true(asprintf(&listpath, "%s/corpus.list", dir) > 0);
    size_t ll;
    assert_int_equal(mamori_fs_read_file(listpath, 1 << 16, &list, &ll), 0);
    for (char *save = NULL, *t = strtok_r(list, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        if (!*t || *t == '#')
            continue;
        char *in = NULL, *exp = NULL;
        assert_true(asprintf(&in, "%s/corpus/mail/messages/%s.eml", shared, t) > 0);
        assert_true(asprintf(&exp, "%s/corpus-%s.expected", dir, t) > 0);
        failed += golden_one(in, exp);
        n++;
        free(in);
        free(exp);
    }
    free(list);
    free(listpath);
    free(shared);
    free(dir);
    assert_true(n >= 14);
    assert_int_equal(failed, 0);
}

/* ---- EICAR ------------------------------------------------------------------------------ */

static uint32_t
crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void
le16(struct mamori_buf *b, unsigned v)
{
    char x[2] = {(char)(v & 0xff), (char)(v >> 8)};
    mamori_buf_append(b, x, 2);
}

static void
le32(struct mamori_buf *b, uint32_t v)
{
    le16(b, v & 0xffff);
    le16(b, v >> 16);
}

/* A stored (uncompressed) ZIP with one member, so the member's bytes appear verbatim. */
static void
make_zip(const char *name, const uint8_t *data, size_t n, struct mamori_buf *z)
{
    uint32_t crc = crc32_of(data, n);
    size_t nl = strlen(name);
    mamori_buf_append(z, "PK\x03\x04", 4);
    le16(z, 10), le16(z, 0), le16(z, 0), le16(z, 0), le16(z, 0);
    le32(z, crc), le32(z, (uint32_t)n), le32(z, (uint32_t)n);
    le16(z, (unsigned)nl), le16(z, 0);
    mamori_buf_append(z, name, nl);
    mamori_buf_append(z, data, n);
    size_t cd = z->len;
    mamori_buf_append(z, "PK\x01\x02", 4);
    le16(z, 20), le16(z, 10), le16(z, 0), le16(z, 0), le16(z, 0), le16(z, 0);
    le32(z, crc), le32(z, (uint32_t)n), le32(z, (uint32_t)n);
    le16(z, (unsigned)nl), le16(z, 0), le16(z, 0), le16(z, 0), le16(z, 0);
    le32(z, 0), le32(z, 0);
    mamori_buf_append(z, name, nl);
    size_t cdlen = z->len - cd;
    mamori_buf_append(z, "PK\x05\x06", 4);
    le16(z, 0), le16(z, 0), le16(z, 1), le16(z, 1);
    le32(z, (uint32_t)cdlen), le32(z, (uint32_t)cd), le16(z, 0);
}

/* The EICAR test string, assembled here so that no file of the project holds it. */
static void
eicar(char *out)
{
    const char *parts[] = {"X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!",
                           "$H+H*"};
    snprintf(out, 80, "%s%s%s", parts[0], parts[1], parts[2]);
}

static void
b64lines(const char *data, size_t n, struct mamori_buf *out)
{
    char enc[80];
    for (size_t i = 0; i < n; i += 57) {
        size_t k = n - i < 57 ? n - i : 57;
        mamori_base64((const uint8_t *)data + i, k, enc);
        mamori_buf_printf(out, "%s\n", enc);
    }
}

static void
test_eicar_wrappings(void **state)
{
    char e[80];
    eicar(e);
    struct mamori_buf zip, z64, qp, uu;
    mamori_buf_init(&zip, 1 << 20);
    mamori_buf_init(&z64, 1 << 20);
    mamori_buf_init(&qp, 1 << 20);
    mamori_buf_init(&uu, 1 << 20);
    make_zip("eicar.com", (const uint8_t *)e, strlen(e), &zip);
    b64lines(zip.data, zip.len, &z64);
    for (size_t i = 0; i < zip.len; i++) {
        unsigned char ch = (unsigned char)zip.data[i];
        if (ch >= 33 && ch <= 126 && ch != '=')
            mamori_buf_putc(&qp, (char)ch);
        else
            mamori_buf_printf(&qp, "=%02X", ch);
        if (i % 60 == 59)
            mamori_buf_puts(&qp, "=\n");
    }
    /* uuencode */
    mamori_buf_puts(&uu, "begin 644 eicar.zip\n");
    for (size_t i = 0; i < zip.len; i += 45) {
        size_t k = zip.len - i < 45 ? zip.len - i : 45;
        mamori_buf_putc(&uu, (char)(32 + k));
        for (size_t j = 0; j < k; j += 3) {
            uint8_t a = (uint8_t)zip.data[i + j], b = j + 1 < k ? (uint8_t)zip.data[i + j + 1] : 0,
                    c = j + 2 < k ? (uint8_t)zip.data[i + j + 2] : 0;
            char q[4] = {(char)(32 + (a >> 2)), (char)(32 + (((a << 4) | (b >> 4)) & 63)),
                         (char)(32 + (((b << 2) | (c >> 6)) & 63)), (char)(32 + (c & 63))};
            for (int t = 0; t < 4; t++)
                if (q[t] == ' ')
                    q[t] = '`';
            mamori_buf_append(&uu, q, 4);
        }
        mamori_buf_putc(&uu, '\n');
    }
    mamori_buf_puts(&uu, "`\nend\n");

    const char *H = "From: attacker@example.net\nTo: staff@example.lg.jp\nSubject: invoice\n"
                    "MIME-Version: 1.0\n";
    struct {
        const char *name;
        const char *fmt; /* %s: the encoded zip */
        const struct mamori_buf *enc;
    } wraps[] = {
        {"zip attachment",
         "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: "
         "text/plain\n\nsee attached\n--b\nContent-Type: application/zip; "
         "name=a.zip\nContent-Transfer-Encoding: base64\n\n%s--b--\n",
         &z64},
        {"zip declared text/plain inline",
         "Content-Type: text/plain\nContent-Transfer-Encoding: "
         "base64\n\n%s",
         &z64},
        {"zip declared text/html",
         "Content-Type: text/html\nContent-Transfer-Encoding: base64\n\n%s", &z64},
        {"zip quoted-printable",
         "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: "
         "application/octet-stream\nContent-Transfer-Encoding: "
         "quoted-printable\n\n%s\n--b--\n",
         &qp},
        {"zip uuencoded",
         "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: "
         "application/octet-stream; name=e.zip\nContent-Transfer-Encoding: "
         "x-uuencode\n\n%s--b--\n",
         &uu},
        {"zip in forwarded message",
         "Content-Type: message/rfc822\n\nFrom: x@example.net\n"
         "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
         "boundary=i\n\n--i\nContent-Type: text/plain\n\nfwd\n--i\n"
         "Content-Type: application/zip\nContent-Transfer-Encoding: "
         "base64\n\n%s--i--\n",
         &z64},
        {"zip in alternative",
         "Content-Type: multipart/alternative; boundary=a\n\n--a\n"
         "Content-Type: text/plain\n\nplain\n--a\nContent-Type: "
         "application/zip\nContent-Transfer-Encoding: base64\n\n%s--a--\n",
         &z64},
        {"zip in related",
         "Content-Type: multipart/related; boundary=r\n\n--r\nContent-Type: "
         "text/html\n\n<p>hi</p>\n--r\nContent-Type: image/png\n"
         "Content-Transfer-Encoding: base64\n\n%s--r--\n",
         &z64},
        {"zip in signed",
         "Content-Type: multipart/signed; boundary=s\n\n--s\nContent-Type: "
         "text/plain\n\nsigned\n--s\nContent-Type: "
         "application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\n%s"
         "--s--\n",
         &z64},
        {"zip deep in mixed",
         "Content-Type: multipart/mixed; boundary=1\n\n--1\nContent-Type: "
         "multipart/mixed; boundary=2\n\n--2\nContent-Type: multipart/mixed; "
         "boundary=3\n\n--3\nContent-Type: application/zip\n"
         "Content-Transfer-Encoding: base64\n\n%s--3--\n--2--\n--1--\n",
         &z64},
        {"zip as the whole body, no MIME type", "Content-Transfer-Encoding: base64\n\n%s", &z64},
        {"zip with RFC 2231 name",
         "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
         "Content-Type: application/zip\nContent-Disposition: "
         "attachment; filename*=UTF-8''%%E8%%AB%%8B%%E6%%B1%%82.zip\n"
         "Content-Transfer-Encoding: base64\n\n%s--b--\n",
         &z64},
    };
    struct mamori_buf e64;
    mamori_buf_init(&e64, 4096);
    b64lines(e, strlen(e), &e64);
    for (size_t i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
        struct mamori_buf msg;
        mamori_buf_init(&msg, 1 << 22);
        mamori_buf_puts(&msg, H);
/* The wrappings are formats of this file, each with one %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        mamori_buf_printf(&msg, wraps[i].fmt, wraps[i].enc->data);
#pragma GCC diagnostic pop
        struct mamori_mail_result *r = NULL;
        assert_int_equal(mamori_mail_sanitize(msg.data, msg.len, NULL, &r), 0);
        char *headers;
        char *body = decode_body(r, &headers);
        if (strstr(r->output, e) || strstr(body, e) || strstr(body, "EICAR") ||
            strstr(r->output, e64.data) || memmem(r->output, r->output_len, z64.data, 40))
            fail_msg("%s: the EICAR string reached the output:\n%s", wraps[i].name, body);
        assert_true(r->n_attachments >= 1 || r->verdict == MAMORI_MAIL_HELD);
        free(headers);
        free(body);
        mamori_mail_result_free(r);
        mamori_buf_done(&msg);
    }
    mamori_buf_done(&e64);
    mamori_buf_done(&zip);
    mamori_buf_done(&z64);
    mamori_buf_done(&qp);
    mamori_buf_done(&uu);
}

/* ---- the shared corpus ------------------------------------------------------------------ */

/* An HTML tag: "<" or "</", an HTML element name, then ">", "/" or white space; or a
 * comment or doctype. Written here independently of the engine's own check. */
static bool
has_html_tag(const char *s)
{
    static const char *const names[] = {
        "html", "head",   "body",  "div",  "span",  "p",      "a",     "img",    "table", "tr",
        "td",   "th",     "br",    "font", "meta",  "script", "style", "iframe", "form",  "input",
        "li",   "ul",     "ol",    "b",    "i",     "u",      "h1",    "h2",     "h3",    "center",
        "link", "object", "embed", "svg",  "title", "hr",     NULL};
    for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
        const char *q = p + 1;
        if (strncmp(q, "!--", 3) == 0 || strncasecmp(q, "!doctype", 8) == 0)
            return true;
        if (*q == '/')
            q++;
        for (const char *const *n = names; *n; n++) {
            size_t l = strlen(*n);
            if (strncasecmp(q, *n, l) == 0 &&
                (q[l] == '>' || q[l] == '/' || q[l] == ' ' || q[l] == '\t' || q[l] == '\n'))
                return true;
        }
    }
    return false;
}

static void
test_corpus(void **state)
{
    char *shared = shared_dir();
    char *dir = NULL;
    assert_true(asprintf(&dir, "%s/corpus/mail/messages", shared) > 0);
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("the shared corpus is not at %s (set MAMORI_SHARED)", dir);
    size_t n = 0, held = 0, bytes = 0;
    int failed = 0;
    double slowest = 0;
    struct timespec t0, t1;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
        char *data;
        size_t len;
        assert_int_equal(mamori_fs_read_file(path, (size_t)1 << 30, &data, &len), 0);
        struct mamori_mail_result *r = NULL;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = mamori_mail_sanitize(data, len, NULL, &r);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (secs > slowest)
            slowest = secs;
        n++;
        bytes += len;
        if (rc != 0) {
            fprintf(stderr, "%s: %s\n", e->d_name, mamori_strerror(rc));
            failed++;
            free(data);
            free(path);
            continue;
        }
        held += r->verdict == MAMORI_MAIL_HELD;
        for (size_t i = 0; i < r->output_len; i++)
            if ((unsigned char)r->output[i] >= 0x80) {
                fprintf(stderr, "%s: 8-bit byte in the output at %zu\n", e->d_name, i);
                failed++;
                break;
            }
        char *headers;
        char *body = decode_body(r, &headers);
        if (has_html_tag(body)) {
            fprintf(stderr, "%s: HTML markup in the output\n", e->d_name);
            failed++;
        }
        for (size_t i = 0; i < r->n_attachments; i++) {
            const struct mamori_mail_attachment *a = &r->attachments[i];
            if (a->size < 64)
                continue;
            /* The attachment's first base64 line, and 48 raw bytes from its middle. */
            char enc[80];
            mamori_base64(a->data, 57 < a->size ? 57 : a->size, enc);
            const uint8_t *mid = a->data + a->size / 2 - 24;
            if (strstr(r->output, enc) || memmem(body, strlen(body), mid, 48)) {
                fprintf(stderr, "%s: bytes of attachment %zu in the output\n", e->d_name, i);
                failed++;
            }
        }
        free(headers);
        free(body);
        mamori_mail_result_free(r);
        free(data);
        free(path);
    }
    closedir(d);
    fprintf(stderr, "# corpus: %zu messages, %zu bytes, %zu held, slowest %.3f s\n", n, bytes, held,
            slowest);
    assert_true(n >= 1000);
    assert_true(slowest < 5.0);
    assert_int_equal(failed, 0);
    free(dir);
    free(shared);
}

int
main(void)
{
    mamori_mail_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_charsets),        cmocka_unit_test(test_rfc2047),
        cmocka_unit_test(test_rfc2047_encode),  cmocka_unit_test(test_defang),
        cmocka_unit_test(test_safe_filename),   cmocka_unit_test(test_golden),
        cmocka_unit_test(test_eicar_wrappings), cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests_name("mail", tests, NULL, NULL);
}
