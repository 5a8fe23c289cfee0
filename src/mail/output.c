/*
 * The sanitized message: safe headers re-encoded as 7-bit, the X-Mamori-* headers, a
 * Japanese-first notice listing what was removed, and the text, as one text/plain part in
 * UTF-8 (base64 unless the text is plain ASCII); or, for a held message, the same headers
 * and a notice instead of any content. Also the JSON report of a result.
 *
 * Only these headers survive: Return-Path and Received (trace), From, To, Cc, Reply-To,
 * Subject, Date, Message-ID, In-Reply-To, References. Values that cannot be written as
 * 7-bit text without changing their meaning are dropped (with a defect), never passed raw.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define OUT_OVERHEAD ((size_t)4 << 20)
#define MAX_VALUE    ((size_t)64 * 1024)

/* A raw header value on one line: line breaks removed (folding white space stays), tabs as
 * spaces when tabs is set. */
static int
unfold(const char *raw, struct mamori_buf *out, bool tabs)
{
    int r = 0;
    for (const char *p = raw; *p && r == 0; p++)
        if (*p != '\r' && *p != '\n')
            r = mamori_buf_putc(out, tabs && *p == '\t' ? ' ' : *p);
    return r;
}

int
mail_header_decode(const char *raw, struct mamori_buf *out, unsigned *ret_flags)
{
    /* Unfold: a line break followed by white space is white space; other breaks go. */
    struct mamori_buf u;
    mamori_buf_init(&u, MAX_VALUE);
    int r = unfold(raw, &u, false);
    const char *s = u.data ? u.data : "";
    size_t n = u.len;
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (r == 0)
        r = mamori_rfc2047_decode(s, n, out, ret_flags);
    mamori_buf_done(&u);
    return r;
}

static bool
printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* Writes "Name: value" with the value as 7-bit text, and keeps the value for the report. */
static int
write_header(struct mail_ctx *c, struct mamori_buf *out, const char *name, const char *value,
             const char **ret_display)
{
    int r = mamori_buf_printf(out, "%s: ", name);
    if (r == 0)
        r = mamori_rfc2047_encode(value, strlen(value), strlen(name), out);
    if (r == 0)
        r = mamori_buf_putc(out, '\n');
    if (r == 0 && ret_display)
        *ret_display = mamori_arena_strdup(c->arena, value);
    return r;
}

/* A header whose value is kept as it is when it is printable ASCII (ids, dates, trace). */
static int
put_ascii_header(struct mail_ctx *c, struct mamori_buf *out, const char *name, const char *raw,
                 const char **ret_display)
{
    struct mamori_buf v;
    mamori_buf_init(&v, MAX_VALUE);
    int r = unfold(raw, &v, true);
    const char *s = v.data ? v.data : "";
    while (*s == ' ')
        s++;
    if (r == 0 && *s) {
        if (printable_ascii(s))
            r = write_header(c, out, name, s, ret_display);
        else
            mail_defect(c, "header-dropped:%s", name);
    }
    mamori_buf_done(&v);
    return r;
}

static int
put_text_header(struct mail_ctx *c, struct mamori_buf *out, const char *name, const char *raw,
                const char **ret_display)
{
    struct mamori_buf v;
    mamori_buf_init(&v, MAX_VALUE);
    unsigned flags = 0;
    int r = mail_header_decode(raw, &v, &flags);
    if (r == MAMORI_E_LIMIT) {
        mail_defect(c, "header-too-long:%s", name);
        mamori_buf_done(&v);
        return 0;
    }
    if (flags & MAMORI_CHARSET_MISLABELLED)
        mail_defect(c, "charset-mislabelled:header");
    if (flags & MAMORI_CHARSET_DETECTED)
        mail_defect(c, "8bit-header");
    if (flags & MAMORI_CHARSET_REPLACED)
        mail_defect(c, "charset-undecodable:header");
    const char *s = v.data ? v.data : "";
    /* Control characters have no place in a header. */
    for (char *p = v.data; p && *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    if (r == 0)
        r = write_header(c, out, name, s, ret_display);
    mamori_buf_done(&v);
    return r;
}

static bool
atext_phrase(const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x7f || ch < 0x20 || strchr("()<>[]:;@\\,.\"", ch))
            return false;
    }
    return true;
}

static bool
simple_addr(const char *a)
{
    if (!*a)
        return false;
    for (; *a; a++) {
        unsigned char ch = (unsigned char)*a;
        if (ch <= 0x20 || ch >= 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == '"')
            return false;
    }
    return true;
}

/* One mailbox as 7-bit text into out and as display text into disp. */
static int
put_mailbox(struct mail_ctx *c, InternetAddressMailbox *mb, struct mamori_buf *out, size_t *col,
            struct mamori_buf *disp, bool *first)
{
    const char *name = internet_address_get_name(INTERNET_ADDRESS(mb));
    const char *addr = internet_address_mailbox_get_addr(mb);
    if (!addr || !simple_addr(addr)) {
        mail_defect(c, "address-dropped");
        return 0;
    }
    int r = 0;
    if (!*first) {
        r = mamori_buf_puts(out, ",\n ");
        *col = 1;
        mamori_buf_puts(disp, ", ");
    }
    *first = false;
    if (r == 0 && name && *name) {
        size_t before = out->len;
        bool ascii = printable_ascii(name);
        if (ascii && atext_phrase(name)) {
            r = mamori_buf_puts(out, name);
        } else if (ascii) {
            r = mamori_buf_putc(out, '"');
            for (const char *p = name; *p && r == 0; p++) {
                if (*p == '"' || *p == '\\')
                    r = mamori_buf_putc(out, '\\');
                if (r == 0)
                    r = mamori_buf_putc(out, *p);
            }
            if (r == 0)
                r = mamori_buf_putc(out, '"');
        } else {
            struct mamori_buf clean;
            mamori_buf_init(&clean, MAX_VALUE);
            for (const char *p = name; *p; p++)
                mamori_buf_putc(&clean, (unsigned char)*p < 0x20 ? ' ' : *p);
            r = mamori_rfc2047_encode(clean.data ? clean.data : "", clean.len, *col, out);
            mamori_buf_done(&clean);
        }
        if (r == 0)
            r = mamori_buf_putc(out, ' ');
        const char *nl = memrchr(out->data + before, '\n', out->len - before);
        *col = nl ? (size_t)(out->data + out->len - nl) : *col + (out->len - before);
        mamori_buf_printf(disp, "%s ", name);
    }
    if (r == 0)
        r = mamori_buf_printf(out, "<%s>", addr);
    *col += strlen(addr) + 2;
    mamori_buf_printf(disp, "<%s>", addr);
    return r;
}

static int
put_address_header(struct mail_ctx *c, struct mamori_buf *out, const char *name, const char *raw,
                   const char **ret_display)
{
    /* Decode encoded-words first, each into a quoted-string, so the parser sees the
     * structure the sender wrote and ICU did the charset work. */
    struct mamori_buf pre, unfolded;
    mamori_buf_init(&pre, MAX_VALUE);
    mamori_buf_init(&unfolded, MAX_VALUE);
    int r = unfold(raw, &unfolded, false);
    unsigned flags = 0;
    if (r == 0)
        r = mamori_rfc2047_decode_ex(unfolded.data ? unfolded.data : "", unfolded.len, true, &pre,
                                     &flags);
    mamori_buf_done(&unfolded);
    if (r < 0) {
        mail_defect(c, "header-dropped:%s", name);
        mamori_buf_done(&pre);
        return r == MAMORI_E_LIMIT ? 0 : r;
    }
    InternetAddressList *list =
        internet_address_list_parse(c->parser_options, pre.data ? pre.data : "");
    mamori_buf_done(&pre);
    if (!list || internet_address_list_length(list) == 0) {
        mail_defect(c, "header-dropped:%s", name);
        if (list)
            g_object_unref(list);
        return 0;
    }
    struct mamori_buf value, disp;
    mamori_buf_init(&value, MAX_VALUE);
    mamori_buf_init(&disp, MAX_VALUE);
    size_t col = strlen(name) + 2;
    bool first = true;
    int n = internet_address_list_length(list);
    for (int i = 0; i < n && r == 0; i++) {
        InternetAddress *a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
            r = put_mailbox(c, INTERNET_ADDRESS_MAILBOX(a), &value, &col, &disp, &first);
        } else if (INTERNET_ADDRESS_IS_GROUP(a)) {
            InternetAddressList *m = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
            int k = m ? internet_address_list_length(m) : 0;
            for (int j = 0; j < k && r == 0; j++) {
                InternetAddress *x = internet_address_list_get_address(m, j);
                if (INTERNET_ADDRESS_IS_MAILBOX(x))
                    r = put_mailbox(c, INTERNET_ADDRESS_MAILBOX(x), &value, &col, &disp, &first);
            }
        }
    }
    g_object_unref(list);
    if (r == MAMORI_E_LIMIT) {
        mail_defect(c, "header-too-long:%s", name);
        r = 0;
    } else if (r == 0 && value.len > 0) {
        r = mamori_buf_printf(out, "%s: %s\n", name, value.data);
        if (ret_display)
            *ret_display = mamori_arena_strdup(c->arena, disp.data ? disp.data : "");
    }
    mamori_buf_done(&value);
    mamori_buf_done(&disp);
    return r;
}

static int
put_headers(struct mail_ctx *c, GMimeMessage *m, struct mamori_buf *out)
{
    struct mamori_mail_result *res = c->res;
    if (!m)
        return 0;
    GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
    int n = g_mime_header_list_get_count(hl);
    int r = 0;
    /* Trace first, in order. */
    for (int i = 0; i < n && r == 0; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        if (strcasecmp(name, "Return-Path") == 0 || strcasecmp(name, "Received") == 0)
            r = put_ascii_header(c, out,
                                 strcasecmp(name, "Received") == 0 ? "Received" : "Return-Path",
                                 g_mime_header_get_raw_value(h), NULL);
    }
    static const struct {
        const char *name;
        int kind; /* 0 address, 1 text, 2 ascii */
    } keep[] = {{"From", 0},       {"To", 0},          {"Cc", 0},
                {"Reply-To", 0},   {"Subject", 1},     {"Date", 2},
                {"Message-ID", 2}, {"In-Reply-To", 2}, {"References", 2}};
    for (size_t k = 0; k < MAMORI_ARRAY_SIZE(keep) && r == 0; k++) {
        GMimeHeader *h = g_mime_header_list_get_header(hl, keep[k].name);
        if (!h)
            continue;
        const char *raw = g_mime_header_get_raw_value(h);
        const char **disp = NULL;
        if (strcmp(keep[k].name, "From") == 0)
            disp = &res->from;
        else if (strcmp(keep[k].name, "To") == 0)
            disp = &res->to;
        else if (strcmp(keep[k].name, "Subject") == 0)
            disp = &res->subject;
        else if (strcmp(keep[k].name, "Date") == 0)
            disp = &res->date;
        else if (strcmp(keep[k].name, "Message-ID") == 0)
            disp = &res->message_id;
        if (keep[k].kind == 0)
            r = put_address_header(c, out, keep[k].name, raw, disp);
        else if (keep[k].kind == 1)
            r = put_text_header(c, out, keep[k].name, raw, disp);
        else
            r = put_ascii_header(c, out, keep[k].name, raw, disp);
    }
    return r;
}

/* Whether "<" at p starts something a mail client could take for an HTML tag. */
static bool
tag_like(const char *p, const char *end)
{
    static const char *const names[] = {
        "html",  "head",   "body",     "div",    "span",   "p",      "a",        "img",
        "table", "tr",     "td",       "th",     "br",     "font",   "meta",     "script",
        "style", "iframe", "frame",    "form",   "input",  "button", "b",        "i",
        "u",     "ul",     "ol",       "li",     "h1",     "h2",     "h3",       "h4",
        "h5",    "h6",     "center",   "link",   "object", "embed",  "svg",      "math",
        "base",  "title",  "textarea", "select", "option", "hr",     "pre",      "blockquote",
        "em",    "strong", "small",    "big",    "sub",    "sup",    "tbody",    "thead",
        "tfoot", "col",    "video",    "audio",  "source", "canvas", "noscript", "marquee",
        "quote", "q",      "s",        "strike", "applet", "label",  "area",     "map",
        "xml",   NULL};
    const char *q = p + 1;
    if (q < end && (*q == '!' || *q == '?'))
        return true; /* comments, doctype, processing instructions */
    if (q < end && *q == '/')
        q++;
    for (const char *const *n = names; *n; n++) {
        size_t l = strlen(*n);
        if ((size_t)(end - q) >= l && strncasecmp(q, *n, l) == 0 &&
            (q + l == end || q[l] == '>' || q[l] == ' ' || q[l] == '/' || q[l] == '\t' ||
             q[l] == '\n'))
            return true;
    }
    return false;
}

/* U+202A..U+202E (bidi overrides), U+200B (zero width space), U+2066..U+2069 (isolates),
 * given the two bytes after 0xe2. */
static bool
invisible_mark(unsigned char b1, unsigned char b2)
{
    return (b1 == 0x80 && ((b2 >= 0xaa && b2 <= 0xae) || b2 == 0x8b)) ||
           (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9);
}

/* Body text as it may be delivered: line ends LF, no control, bidi or zero-width tricks, and
 * nothing shaped like an HTML tag ("<" before a tag name becomes the full-width "＜"). */
static int
clean_text(const char *s, size_t n, struct mamori_buf *out)
{
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        /* A run of bytes that need nothing: printable ASCII but '<', and UTF-8 other than
         * the lead bytes of C1 controls (0xc2) and of the marks checked below (0xe2). */
        size_t k = i;
        while (k < n) {
            unsigned char b = (unsigned char)s[k];
            if ((b >= 0x20 && b < 0x7f && b != '<') || b == '\n' || b == '\t' ||
                (b >= 0x80 && b != 0xc2 && b != 0xe2))
                k++;
            else
                break;
        }
        if (k > i) {
            r = mamori_buf_append(out, s + i, k - i);
            i = k - 1;
            continue;
        }
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r') {
            if (i + 1 < n && s[i + 1] == '\n')
                continue;
            r = mamori_buf_putc(out, '\n');
        } else if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
            continue;
        } else if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9f) {
            i++; /* C1 controls */
        } else if (ch == 0xe2 && i + 2 < n &&
                   invisible_mark((unsigned char)s[i + 1], (unsigned char)s[i + 2])) {
            i += 2; /* bidi overrides and isolates, zero width space */
        } else if (ch == '<' && tag_like(s + i, s + n)) {
            r = mamori_buf_puts(out, "\xef\xbc\x9c");
        } else {
            r = mamori_buf_putc(out, (char)ch);
        }
    }
    return r;
}

static void
format_size(size_t n, char *out, size_t outlen)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof(tmp), "%zu", n);
    size_t o = 0;
    for (int i = 0; i < len && o + 2 < outlen; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
}

static const struct {
    const char *token, *ja, *en;
} reasons[] = {
    {"conflicting-header", "矛盾するヘッダーがあります", "conflicting headers"},
    {"conflicting-parameter", "矛盾するパラメータがあります", "conflicting parameters"},
    {"multipart-without-boundary", "マルチパートに境界がありません",
     "a multipart without boundary"},
    {"malformed-multipart", "マルチパートの構造が壊れています", "a malformed multipart"},
    {"truncated", "メッセージが途中で切れています", "the message is truncated"},
    {"malformed-message", "メッセージの構造が壊れています", "the message is malformed"},
    {"duplicated-header", "構造を決めるヘッダーが重複しています",
     "a structural header is duplicated"},
    {"duplicated-parameter", "境界などのパラメータが重複しています",
     "a boundary or charset is duplicated"},
    {"invalid-header-name", "不正なヘッダー名があります", "an invalid header name"},
    {"part-without-headers", "ヘッダーも内容もないパートがあります",
     "a part without headers or content"},
    {"unknown-transfer-encoding", "未知の転送エンコーディングです", "an unknown transfer encoding"},
    {"boundary-in-header", "パートのヘッダー内に境界があります",
     "a boundary inside a part's headers"},
    {"duplicate-boundary", "マルチパートの境界が重複しています", "a multipart boundary is reused"},
    {"limit-depth", "入れ子が深すぎます", "nesting too deep"},
    {"limit-parts", "パートが多すぎます", "too many parts"},
    {"limit-header-size", "ヘッダーが大きすぎます", "headers too large"},
    {"limit-message-size", "メッセージが大きすぎます", "the message is too large"},
    {"limit-decoded-size", "復号後の内容が大きすぎます", "decoded content too large"},
    {"limit-html", "HTML が大きすぎます", "the HTML is too large"},
    {"unparseable", "メッセージとして解釈できません", "not readable as a message"},
};

/* The held reason for people, in one language. */
static const char *
reason_text(const char *token, bool ja)
{
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(reasons); i++)
        if (strcmp(reasons[i].token, token) == 0)
            return ja ? reasons[i].ja : reasons[i].en;
    return token;
}

static int
put_notice(struct mail_ctx *c, struct mamori_buf *b, const char *original_hex)
{
    const struct mamori_mail_options *o = c->opts;
    int r = 0;
    if (c->held) {
        r = mamori_buf_printf(
            b,
            "━━ mamori メール無害化：保留 ━━\n%s\n保留の理由: %s\n原本ID: sha256:%s\n\n"
            "[mamori: held] %s\nReason: %s\nOriginal: sha256:%s\n━━━━━━━━━━━━━━━━\n",
            o->notice_held_ja ? o->notice_held_ja
                              : "このメールは安全にテキストへ変換できなかったため保留しました。"
                                "内容が必要な場合は情報セキュリティ管理者にお問い合わせください。",
            reason_text(c->held, true), original_hex,
            o->notice_held_en ? o->notice_held_en
                              : "This message could not be converted to text safely and is held. "
                                "Ask your information security administrator if you need it.",
            reason_text(c->held, false), original_hex);
        return r;
    }
    size_t n = c->n_att;
    if (n == 0)
        return mamori_buf_printf(b, "【mamori】このメールはテキストに変換されています。/ [mamori] "
                                    "This message was converted to text.\n\n");
    r = mamori_buf_printf(
        b, "━━ mamori メール無害化 ━━\n%s\n添付ファイル %zu 件を削除しました。原本ID: sha256:%s\n",
        o->notice_removed_ja ? o->notice_removed_ja
                             : "このメールはテキストに変換され、添付ファイルは削除されました。"
                               "原本が必要な場合は所属の情報セキュリティ管理者に申請してください。",
        n, original_hex);
    for (size_t i = 0; i < n && r == 0; i++) {
        const struct mamori_mail_attachment *a = &c->att[i];
        char size[32], hex[65];
        format_size(a->size, size, sizeof(size));
        mamori_hex(a->sha256, 32, hex);
        r = mamori_buf_printf(
            b,
            "  %zu. %s%s\n     種類 type: %s%s%s%s  大きさ size: %s バイト bytes\n"
            "     SHA-256: %s\n",
            i + 1, a->name[0] ? a->name : "(名前なし / no name)",
            a->forwarded ? "（転送メール内 / in forwarded message）" : "", a->declared_type,
            a->detected_type ? "（検出 detected: " : "", a->detected_type ? a->detected_type : "",
            a->detected_type ? "）" : "", size, hex);
        if (r == 0 && a->encrypted)
            r = mamori_buf_puts(b, "     ※暗号化・パスワード付きのため内容を検査できませんでした / "
                                   "encrypted: its content could not be inspected\n");
        if (r == 0 && a->name_suspicious)
            r = mamori_buf_puts(b, "     ※ファイル名に偽装のおそれがあります / the file name may "
                                   "be disguised\n");
    }
    if (r == 0)
        r = mamori_buf_printf(
            b,
            "\n[mamori] %s\n%zu attachment(s) removed. Original: sha256:%s\n━━━━━━━━━━━━━━━━\n\n",
            o->notice_removed_en ? o->notice_removed_en
                                 : "This message was converted to text and its attachments "
                                   "removed. Ask your section's information security "
                                   "administrator for the original.",
            n, original_hex);
    return r;
}

/* Whether the body can go as 7bit: ASCII with lines well under the 998-octet limit. */
static bool
body_is_7bit(const struct mamori_buf *body)
{
    size_t line = 0;
    for (size_t i = 0; i < body->len; i++) {
        unsigned char ch = (unsigned char)body->data[i];
        line = ch == '\n' ? 0 : line + 1;
        if (ch >= 0x80 || line > 900)
            return false;
    }
    return true;
}

int
mail_write_output(struct mail_ctx *c, GMimeMessage *msg, const char *data, size_t len)
{
    struct mamori_mail_result *res = c->res;
    char original_hex[65];
    mamori_hex(res->original_sha256, 32, original_hex);

    /* A message too large to parse still gets its headers read for the notice. */
    GMimeMessage *headers_of = msg, *tmp = NULL;
    if (!msg && c->held && strcmp(c->held, "limit-message-size") == 0) {
        size_t hb = 0;
        while (hb + 1 < len && hb < (size_t)c->lim.max_header_bytes &&
               !(data[hb] == '\n' && data[hb + 1] == '\n'))
            hb++;
        GMimeStream *s = g_mime_stream_mem_new_with_buffer(data, hb + 1);
        GMimeParser *p = g_mime_parser_new_with_stream(s);
        if (!c->parser_options)
            c->parser_options = g_mime_parser_options_new();
        tmp = g_mime_parser_construct_message(p, c->parser_options);
        g_object_unref(p);
        g_object_unref(s);
        headers_of = tmp;
    }

    struct mamori_buf text, body, out;
    size_t max = c->text.len * 2 + OUT_OVERHEAD;
    mamori_buf_init(&text, max);
    mamori_buf_init(&body, max);
    mamori_buf_init(&out, max * 2);
    size_t urls = 0;
    /* Sized once: the text grows little on the way (defanging, the notice), and the base64
     * body by a third. */
    int r = mamori_buf_reserve(&text, c->text.len + c->text.len / 8 + 256);
    if (r == 0)
        r = mamori_buf_reserve(&body, c->text.len + c->text.len / 8 + 8192);
    if (!c->held && c->text.len && r == 0) {
        struct mamori_buf cleaned;
        mamori_buf_init(&cleaned, max);
        r = mamori_buf_reserve(&cleaned, c->text.len + 64);
        if (r == 0)
            r = clean_text(c->text.data, c->text.len, &cleaned);
        mamori_buf_done(&c->text); /* each stage is freed once the next one has it */
        if (r == 0)
            r = mamori_defang(cleaned.data ? cleaned.data : "", cleaned.len, c->opts->urls,
                              c->opts->mailto, &text, &urls);
        mamori_buf_done(&cleaned);
    }
    if (r == 0)
        r = put_headers(c, headers_of, &out);
    /* X-Mamori-Sanitized: what was done. */
    struct mamori_buf actions;
    mamori_buf_init(&actions, 4096);
    if (c->held) {
        mamori_buf_printf(&actions, "held reason=%s", c->held);
    } else {
        mamori_buf_puts(&actions, "text-converted");
        if (c->html_converted)
            mamori_buf_puts(&actions, " html-converted");
        if (c->n_att)
            mamori_buf_printf(&actions, " attachments-removed=%zu", c->n_att);
        if (urls)
            mamori_buf_printf(&actions, " urls-defanged=%zu", urls);
        if (c->forwarded)
            mamori_buf_printf(&actions, " forwarded=%zu", c->forwarded);
    }
    if (r == 0)
        r = put_notice(c, &body, original_hex);
    if (r == 0 && text.len)
        r = mamori_buf_append(&body, text.data, text.len);
    mamori_buf_done(&text);
    if (r == 0 && body.len && body.data[body.len - 1] != '\n')
        r = mamori_buf_putc(&body, '\n');
    bool ascii = body_is_7bit(&body);
    if (r == 0)
        r = mamori_buf_reserve(&out, body.len / 3 * 4 + body.len / 57 + 16);
    if (r == 0)
        r = mamori_buf_printf(&out,
                              "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                              "Content-Transfer-Encoding: %s\n",
                              ascii ? "7bit" : "base64");
    if (r == 0)
        r = mamori_buf_printf(&out, "X-Mamori-Sanitized: %s\nX-Mamori-Original: sha256:%s\n\n",
                              actions.data, original_hex);
    if (r == 0)
        r = ascii ? mamori_buf_append(&out, body.data, body.len)
                  : mamori_base64_lines(body.data, body.len, &out);

    /* The result. */
    if (r == 0) {
        res->verdict = c->held ? MAMORI_MAIL_HELD : MAMORI_MAIL_SANITIZED;
        res->held_reason = c->held;
        res->attachments = c->att;
        res->n_attachments = c->n_att;
        res->defects = c->defects;
        res->n_defects = c->n_defects;
        res->urls_defanged = urls;
        /* Actions as tokens, split from the header value. */
        size_t na = 1;
        for (size_t i = 0; i < actions.len; i++)
            na += actions.data[i] == ' ';
        const char **list = mamori_arena_calloc(c->arena, na, sizeof(char *));
        char *copy = mamori_arena_strdup(c->arena, actions.data ? actions.data : "");
        if (!list || !copy) {
            r = -ENOMEM;
        } else if (c->held) {
            list[0] = copy;
            res->actions = list;
            res->n_actions = 1;
        } else {
            size_t k = 0;
            for (char *save = NULL, *t = strtok_r(copy, " ", &save); t;
                 t = strtok_r(NULL, " ", &save))
                list[k++] = t;
            res->actions = list;
            res->n_actions = k;
        }
    }
    if (r == 0) {
        res->output = mamori_buf_steal(&out, &res->output_len);
        if (!res->output)
            r = -ENOMEM;
    }
    mamori_buf_done(&actions);
    mamori_buf_done(&text);
    mamori_buf_done(&body);
    mamori_buf_done(&out);
    if (tmp)
        g_object_unref(tmp);
    return r == MAMORI_E_LIMIT ? -ENOMEM : r;
}

int
mamori_mail_report_json(const struct mamori_mail_result *r, struct mamori_json *j)
{
    char hex[65];
    mamori_json_object_begin(j);
    mamori_json_kv_string(j, "message_id", r->message_id);
    mamori_json_kv_string(j, "from", r->from);
    mamori_json_kv_string(j, "to", r->to);
    mamori_json_kv_string(j, "subject", r->subject);
    mamori_json_kv_string(j, "date", r->date);
    mamori_json_kv_string(j, "verdict", r->verdict == MAMORI_MAIL_HELD ? "held" : "sanitized");
    mamori_json_kv_string(j, "held_reason", r->held_reason);
    mamori_hex(r->original_sha256, 32, hex);
    mamori_json_kv_string(j, "original_sha256", hex);
    mamori_json_key(j, "actions");
    mamori_json_array_begin(j);
    for (size_t i = 0; i < r->n_actions; i++)
        mamori_json_string(j, r->actions[i]);
    mamori_json_array_end(j);
    mamori_json_key(j, "defects");
    mamori_json_array_begin(j);
    for (size_t i = 0; i < r->n_defects; i++)
        mamori_json_string(j, r->defects[i]);
    mamori_json_array_end(j);
    mamori_json_key(j, "urls_defanged");
    mamori_json_uint(j, r->urls_defanged);
    mamori_json_key(j, "attachments");
    mamori_json_array_begin(j);
    for (size_t i = 0; i < r->n_attachments; i++) {
        const struct mamori_mail_attachment *a = &r->attachments[i];
        mamori_hex(a->sha256, 32, hex);
        mamori_json_object_begin(j);
        mamori_json_kv_string(j, "name", a->name);
        mamori_json_kv_string(j, "declared_type", a->declared_type);
        mamori_json_kv_string(j, "detected_type", a->detected_type);
        mamori_json_key(j, "size");
        mamori_json_uint(j, a->size);
        mamori_json_kv_string(j, "sha256", hex);
        mamori_json_kv_bool(j, "encrypted", a->encrypted);
        mamori_json_kv_bool(j, "forwarded", a->forwarded);
        mamori_json_kv_bool(j, "name_suspicious", a->name_suspicious);
        mamori_json_object_end(j);
    }
    mamori_json_array_end(j);
    mamori_json_object_end(j);
    return j->error;
}
