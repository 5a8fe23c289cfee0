/*
 * The mail walk: GMime's tree of a message into body text, removed attachments, defects, and
 * a verdict (see mamori/mail.h for the contract, output.c for the message written).
 *
 * Per part:
 *   multipart/alternative  the plain part, unless it is empty or an "HTML only" placeholder, then
 *                          the HTML part as text; the other alternatives' non-text parts are
 *                          removed (calendar invitations, say) and listed
 *   multipart/related      the root part as body; the rest (inline images) removed
 *   multipart/signed       the signed part as body; the signature removed
 *   multipart/encrypted    removed whole, marked not inspectable
 *   other multiparts       each part in order
 *   message/rfc822         its text included, marked as forwarded; its attachments removed
 *   text/plain, text/html  inline and without a file name: body text, unless the content is
 *                          really a file (a ZIP or program declared as text): then removed
 *   anything else          removed, handed to the caller
 *
 * GMime reports what it found odd through a callback; what makes the structure ambiguous
 * (conflicting headers or parameters, a multipart without boundary or without parts) holds
 * the message rather than letting the parser's guess decide.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "mamori/html.h"

#define MAX_HEADER_VALUE ((size_t)64 * 1024)

static bool
is_type(GMimeContentType *ct, const char *type, const char *subtype)
{
    return ct && g_mime_content_type_is_type(ct, type, subtype);
}

void
mamori_mail_init(void)
{
    static bool done;
    if (done)
        return;
    g_mime_init();
    done = true;
}

void
mamori_mail_options_from_policy(const struct mamori_policy *p, struct mamori_mail_options *ret)
{
    memset(ret, 0, sizeof(*ret));
    ret->urls = (enum mamori_url_mode)p->sanitize.url_mode;
    ret->mailto = (enum mamori_url_mode)p->sanitize.mailto_mode;
    ret->limits = p->sanitize.limits;
    ret->notice_removed_ja = p->notices.removed.ja;
    ret->notice_removed_en = p->notices.removed.en;
    ret->notice_held_ja = p->notices.held.ja;
    ret->notice_held_en = p->notices.held.en;
}

/* ---- bookkeeping ------------------------------------------------------------------------ */

void
mail_hold(struct mail_ctx *c, const char *reason)
{
    if (!c->held)
        c->held = reason;
}

void
mail_defect(struct mail_ctx *c, const char *fmt, ...)
{
    if (c->n_defects >= 64)
        return;
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < c->n_defects; i++)
        if (strcmp(c->defects[i], tmp) == 0)
            return;
    const char *s = mamori_arena_strdup(c->arena, tmp);
    if (s)
        c->defects[c->n_defects++] = s;
}

static void
charset_defects(struct mail_ctx *c, unsigned flags, const char *charset)
{
    const char *cs = charset && *charset ? charset : "none";
    if (flags & MAMORI_CHARSET_MISLABELLED)
        mail_defect(c, "charset-mislabelled:%s", cs);
    if (flags & MAMORI_CHARSET_DETECTED)
        mail_defect(c, "charset-detected");
    if (flags & MAMORI_CHARSET_UNKNOWN)
        mail_defect(c, "charset-unknown:%s", cs);
    if (flags & MAMORI_CHARSET_REPLACED)
        mail_defect(c, "charset-undecodable:%s", cs);
    if (flags & MAMORI_RFC2047_INVALID)
        mail_defect(c, "rfc2047-invalid");
}

static void
on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer user_data)
{
    struct mail_ctx *c = user_data;
    const char *it = item ? item : "";
    switch (code) {
    case GMIME_CRIT_CONFLICTING_HEADER: {
        /* Two different values of a header that decides structure or what the reader
         * believes (who sent it, to whom, about what): no guessing. Others (Date,
         * Message-ID, ...) keep their first value. */
        static const char *const decisive[] = {"from", "sender",  "reply-to",     "to", "cc",
                                               "bcc",  "subject", "mime-version", NULL};
        bool hold = strncasecmp(it, "content-", 8) == 0;
        for (const char *const *d = decisive; *d && !hold; d++)
            hold = strcasecmp(it, *d) == 0;
        if (hold)
            mail_hold(c, "conflicting-header");
        else
            mail_defect(c, "conflicting-header");
        break;
    }
    case GMIME_CRIT_CONFLICTING_PARAMETER:
        mail_hold(c, "conflicting-parameter");
        break;
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
        mail_hold(c, "multipart-without-boundary");
        break;
    case GMIME_CRIT_NESTING_OVERFLOW:
        mail_hold(c, "limit-depth");
        break;
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
        mail_hold(c, "part-without-headers");
        break;
    case GMIME_CRIT_INVALID_HEADER_NAME:
        mail_hold(c, "invalid-header-name");
        break;
    case GMIME_WARN_MALFORMED_MULTIPART:
        mail_hold(c, "malformed-multipart");
        break;
    case GMIME_WARN_MALFORMED_MESSAGE:
        mail_hold(c, "malformed-message");
        break;
    case GMIME_WARN_TRUNCATED_MESSAGE:
        /* A message without body, or a multipart whose last part runs to the end: nothing
         * is ambiguous, and whatever is there is sanitized like the rest. */
        mail_defect(c, "truncated");
        break;
    case GMIME_WARN_DUPLICATED_HEADER:
        /* A second Content-Type or transfer encoding makes the structure ambiguous. */
        if (strncasecmp(it, "content-", 8) == 0 || strcasecmp(it, "mime-version") == 0)
            mail_hold(c, "duplicated-header");
        else
            mail_defect(c, "duplicated-header");
        break;
    case GMIME_WARN_DUPLICATED_PARAMETER:
        if (strcasecmp(it, "boundary") == 0 || strcasecmp(it, "charset") == 0)
            mail_hold(c, "duplicated-parameter");
        else
            mail_defect(c, "duplicated-parameter");
        break;
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
        mail_defect(c, "8bit-header");
        break;
    case GMIME_WARN_INVALID_CONTENT_TYPE:
        mail_defect(c, "invalid-content-type");
        break;
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
        mail_defect(c, "rfc2047-invalid");
        break;
    case GMIME_WARN_INVALID_PARAMETER:
        mail_defect(c, "invalid-parameter");
        break;
    case GMIME_WARN_INVALID_ADDRESS_LIST:
        mail_defect(c, "invalid-address-list");
        break;
    case GMIME_WARN_PART_WITHOUT_CONTENT:
        /* A boundary line inside a part's headers: which part the lines after it belong
         * to is the parser's guess. */
        mail_hold(c, "boundary-in-header");
        break;
    default:
        mail_defect(c, "parser-warning-%d", (int)code);
        break;
    }
}

/* ---- decoding --------------------------------------------------------------------------- */

/* A header's raw value (GMime's decoded value would run its iconv-based decoder). */
static const char *
raw_header(GMimeObject *obj, const char *name)
{
    GMimeHeader *h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj), name);
    return h ? g_mime_header_get_raw_value(h) : NULL;
}

static bool
known_transfer_encoding(GMimeObject *obj)
{
    const char *cte = raw_header(obj, "Content-Transfer-Encoding");
    if (!cte)
        return true;
    while (*cte == ' ' || *cte == '\t' || *cte == '\r' || *cte == '\n')
        cte++;
    static const char *const known[] = {
        "7bit",       "8bit",     "binary", "base64", "quoted-printable",
        "x-uuencode", "uuencode", "x-uue",  NULL};
    size_t n = strcspn(cte, " \t\r\n;(");
    for (const char *const *k = known; *k; k++)
        if (strlen(*k) == n && strncasecmp(cte, *k, n) == 0)
            return true;
    return false;
}

/* The decoded content of a leaf part, in a GByteArray the caller frees; NULL on a hold. */
static GByteArray *
decode_part(struct mail_ctx *c, GMimePart *part)
{
    if (!known_transfer_encoding(GMIME_OBJECT(part))) {
        mail_hold(c, "unknown-transfer-encoding");
        return NULL;
    }
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    /* Decoding never yields more bytes than the encoded content has: size the array once
     * instead of letting it double. */
    gint64 encoded = w ? g_mime_stream_length(g_mime_data_wrapper_get_stream(w)) : 0;
    GByteArray *ba = g_byte_array_sized_new(
        encoded > 0 && encoded < (gint64)c->lim.max_decoded_bytes ? (guint)encoded : 0);
    if (w) {
        GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(ba);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
        if (g_mime_data_wrapper_write_to_stream(w, mem) < 0)
            mail_defect(c, "content-unreadable");
        g_object_unref(mem);
    }
    c->decoded += ba->len;
    if (c->decoded > (size_t)c->lim.max_decoded_bytes) {
        mail_hold(c, "limit-decoded-size");
        g_byte_array_free(ba, TRUE);
        return NULL;
    }
    return ba;
}

/* Appends text (UTF-8) to the body, separated from what came before. */
static void
body_append(struct mail_ctx *c, const char *s, size_t n)
{
    if (c->error)
        return;
    int r = 0;
    if (c->text.len > 0 && c->text.data[c->text.len - 1] != '\n')
        r = mamori_buf_putc(&c->text, '\n');
    if (r == 0 && c->body_parts > 0 && c->text.len > 0)
        r = mamori_buf_putc(&c->text, '\n');
    if (r == 0)
        r = mamori_buf_append(&c->text, s, n);
    if (r == MAMORI_E_LIMIT)
        mail_hold(c, "limit-decoded-size");
    else if (r < 0)
        c->error = r;
    c->body_parts++;
}

/* Content that is a file, not text: a known binary signature, or NUL bytes. */
static bool
binary_content(const uint8_t *d, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
    } sigs[] = {
        {"PK\x03\x04", 4},
        {"PK\x05\x06", 4},
        {"MZ", 2},
        {"%PDF-", 5},
        {"\xd0\xcf\x11\xe0", 4},
        {"7z\xbc\xaf", 4},
        {"Rar!", 4},
        {"\x1f\x8b", 2},
        {"\x7f"
         "ELF",
         4},
        {"\x89PNG", 4},
        {"GIF8", 4},
        {"\xff\xd8\xff", 3},
        {"{\\rtf", 5},
        {"\xca\xfe\xba\xbe", 4},
    };
    if (n == 0 || !d)
        return false;
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(sigs); i++)
        if (n >= sigs[i].len && memcmp(d, sigs[i].magic, sigs[i].len) == 0)
            return true;
    return memchr(d, 0, n) != NULL;
}

/* Decodes a text part to UTF-8 into out; false when the message is held or the content
 * turned out to be a file (c->binary_text). */
static bool
text_of(struct mail_ctx *c, GMimePart *part, struct mamori_buf *out)
{
    GByteArray *ba = decode_part(c, part);
    if (!ba)
        return false;
    if (binary_content(ba->data, ba->len)) {
        g_byte_array_free(ba, TRUE);
        c->binary_text = true;
        return false;
    }
    const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
    unsigned flags = 0;
    int r = mamori_charset_to_utf8(charset, (const char *)ba->data, ba->len, out, &flags);
    g_byte_array_free(ba, TRUE);
    if (r == MAMORI_E_LIMIT) {
        mail_hold(c, "limit-decoded-size");
        return false;
    }
    if (r < 0) {
        c->error = r;
        return false;
    }
    charset_defects(c, flags, charset);
    return true;
}

/* Whether decoded "plain" text is really an HTML document. */
static bool
looks_like_html(const struct mamori_buf *t)
{
    const char *p = t->data ? t->data : "";
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return strncasecmp(p, "<!doctype html", 14) == 0 || strncasecmp(p, "<html", 5) == 0;
}

/* HTML (UTF-8 in html) to text into out; false when held. */
static bool
html_to_text(struct mail_ctx *c, const struct mamori_buf *html, struct mamori_buf *out)
{
    bool ok = true;
    {
        struct mamori_html_stats st;
        int r = mamori_html_to_text(html->data ? html->data : "", html->len, NULL, out, &st);
        if (r == MAMORI_E_LIMIT) {
            mail_hold(c, "limit-html");
            ok = false;
        } else if (r == MAMORI_E_SYNTAX) {
            mail_defect(c, "html-unreadable");
        } else if (r < 0) {
            c->error = r;
            ok = false;
        } else {
            c->html_converted = true;
            if (st.hidden)
                mail_defect(c, "html-hidden-text");
        }
    }
    return ok;
}

/* HTML part to text; false when held. */
static bool
html_text_of(struct mail_ctx *c, GMimePart *part, struct mamori_buf *out)
{
    struct mamori_buf html;
    mamori_buf_init(&html, (size_t)c->lim.max_decoded_bytes);
    bool ok = text_of(c, part, &html) && html_to_text(c, &html, out);
    mamori_buf_done(&html);
    return ok;
}

/* Plain part to text: an HTML document sent as text/plain is converted like HTML. The text
 * may have been decoded already (an alternative's plain part, for the placeholder check). */
static bool
plain_text_of(struct mail_ctx *c, GMimePart *part, struct mamori_buf *out)
{
    if (c->predecoded_part == part) {
        mamori_buf_done(out);
        *out = c->predecoded;
        mamori_buf_init(&c->predecoded, 0);
        c->predecoded_part = NULL;
    } else if (!text_of(c, part, out)) {
        return false;
    }
    if (!looks_like_html(out))
        return true;
    mail_defect(c, "html-in-text-part");
    struct mamori_buf html = *out;
    mamori_buf_init(out, html.max);
    bool ok = html_to_text(c, &html, out);
    mamori_buf_done(&html);
    return ok;
}

/* ---- attachments ------------------------------------------------------------------------ */

static bool
encrypted_content(const uint8_t *d, size_t n, const char *type)
{
    if (n >= 8 && memcmp(d, "PK\x03\x04", 4) == 0 && (d[6] & 1))
        return true; /* ZIP entry with the encryption flag */
    if (n >= 5 && memcmp(d, "%PDF-", 5) == 0 && memmem(d, n, "/Encrypt", 8))
        return true;
    if (n >= 8 && memcmp(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0 &&
        memmem(d, n, "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e", 31))
        return true; /* encrypted Office document */
    return type && (strstr(type, "pkcs7-mime") || strstr(type, "pgp-encrypted") ||
                    strstr(type, "x-pkcs7-mime"));
}

static struct mamori_mail_attachment *
new_attachment(struct mail_ctx *c)
{
    if (c->n_att == c->cap_att) {
        size_t cap = c->cap_att ? c->cap_att * 2 : 8;
        struct mamori_mail_attachment *p = mamori_arena_calloc(c->arena, cap, sizeof(*p));
        if (!p) {
            mail_hold(c, "limit-decoded-size");
            return NULL;
        }
        if (c->n_att)
            memcpy(p, c->att, c->n_att * sizeof(*p));
        c->att = p;
        c->cap_att = cap;
    }
    return &c->att[c->n_att++];
}

/* Removes a leaf part: decodes it and keeps it for the caller. */
static void
remove_part(struct mail_ctx *c, GMimeObject *obj, bool forwarded)
{
    struct mamori_mail_attachment *a = new_attachment(c);
    if (!a)
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    char *type = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    a->declared_type = mamori_arena_strdup(c->arena, type ? type : "application/octet-stream");
    g_free(type);
    a->forwarded = forwarded;
    const char *raw_name = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) : NULL;
    struct mamori_buf name;
    mamori_buf_init(&name, 4096);
    if (raw_name)
        mamori_safe_filename(raw_name, MAMORI_MAIL_MAX_FILENAME_CHARS, &name, &a->name_suspicious);
    a->name = mamori_arena_strdup(c->arena, name.data ? name.data : "");
    mamori_buf_done(&name);
    if (a->name_suspicious)
        mail_defect(c, "suspicious-filename");

    GByteArray *ba = NULL;
    if (GMIME_IS_PART(obj)) {
        ba = decode_part(c, GMIME_PART(obj));
    } else {
        /* A message/partial or similar container: keep its serialized form. */
        ba = g_byte_array_new();
        GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(ba);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
        g_mime_object_write_to_stream(obj, NULL, mem);
        g_object_unref(mem);
    }
    if (!ba)
        return;
    a->size = ba->len;
    const uint8_t *bytes = ba->len ? ba->data : (const uint8_t *)"";
    mamori_sha256(bytes, a->size, a->sha256);
    a->encrypted = encrypted_content(bytes, a->size, a->declared_type);
    if (c->opts->detect) {
        /* The detector may reuse its buffer: keep a copy. */
        const char *t = c->opts->detect(c->opts->detect_ctx, bytes, a->size);
        a->detected_type = t ? mamori_arena_strdup(c->arena, t) : NULL;
    }
    if (!c->opts->drop_attachment_bytes) {
        uint8_t *copy = mamori_arena_alloc(c->arena, ba->len ? ba->len : 1);
        if (!copy)
            mail_hold(c, "limit-decoded-size");
        else if (ba->len)
            memcpy(copy, ba->data, ba->len);
        a->data = copy;
    }
    g_byte_array_free(ba, TRUE);
}

/* ---- the walk --------------------------------------------------------------------------- */

static void walk(struct mail_ctx *c, GMimeObject *obj, int depth, bool forwarded,
                 bool collect_only);

static bool
has_filename_or_attachment(GMimeObject *obj)
{
    GMimeContentDisposition *cd = g_mime_object_get_content_disposition(obj);
    if (cd && g_mime_content_disposition_is_attachment(cd))
        return true;
    return GMIME_IS_PART(obj) && g_mime_part_get_filename(GMIME_PART(obj)) != NULL;
}

/* The plain part of an alternative is a placeholder when it says nothing but "see the HTML". */
static bool
plain_is_placeholder(const struct mamori_buf *t)
{
    size_t visible = 0;
    for (size_t i = 0; i < t->len; i++)
        if (t->data[i] != ' ' && t->data[i] != '\n' && t->data[i] != '\r' && t->data[i] != '\t')
            visible++;
    if (visible == 0)
        return true;
    return t->len < 200 && strcasestr(t->data, "html") != NULL;
}

static void
walk_alternative(struct mail_ctx *c, GMimeMultipart *mp, int depth, bool forwarded)
{
    int n = g_mime_multipart_get_count(mp);
    int plain = -1, rich = -1;
    for (int i = 0; i < n; i++) {
        GMimeObject *ch = g_mime_multipart_get_part(mp, i);
        GMimeContentType *ct = g_mime_object_get_content_type(ch);
        if (plain < 0 && is_type(ct, "text", "plain") && !has_filename_or_attachment(ch))
            plain = i;
        else if (rich < 0 && ((is_type(ct, "text", "html") && !has_filename_or_attachment(ch)) ||
                              GMIME_IS_MULTIPART(ch)))
            rich = i;
    }
    int chosen = plain >= 0 ? plain : rich;
    if (plain >= 0 && rich >= 0) {
        GMimePart *pp = GMIME_PART(g_mime_multipart_get_part(mp, plain));
        struct mamori_buf t;
        mamori_buf_init(&t, (size_t)c->lim.max_decoded_bytes);
        bool ok = text_of(c, pp, &t);
        if (ok && plain_is_placeholder(&t)) {
            chosen = rich;
        } else if (ok) {
            /* Kept for the walk, which would otherwise decode it again. */
            mamori_buf_done(&c->predecoded);
            c->predecoded = t;
            c->predecoded_part = pp;
            mamori_buf_init(&t, 0);
        }
        c->binary_text = false;
        mamori_buf_done(&t);
    }
    for (int i = 0; i < n && !c->held; i++)
        walk(c, g_mime_multipart_get_part(mp, i), depth + 1, forwarded, i != chosen);
}

static void
write_forward_header(struct mail_ctx *c, GMimeMessage *m)
{
    static const char *const names[] = {"From", "Date", "Subject", "To", "Cc", NULL};
    struct mamori_buf b;
    mamori_buf_init(&b, (size_t)c->lim.max_header_bytes + 4096);
    mamori_buf_puts(&b, "---------- 転送されたメッセージ / Forwarded message ----------\n");
    for (const char *const *h = names; *h; h++) {
        const char *raw = raw_header(GMIME_OBJECT(m), *h);
        if (!raw)
            continue;
        struct mamori_buf v;
        mamori_buf_init(&v, MAX_HEADER_VALUE);
        unsigned flags = 0;
        if (mail_header_decode(raw, &v, &flags) == 0) {
            charset_defects(c, flags, NULL);
            mamori_buf_printf(&b, "%s: %s\n", *h, v.data ? v.data : "");
        }
        mamori_buf_done(&v);
    }
    body_append(c, b.data, b.len);
    mamori_buf_done(&b);
}

static const char forward_end[] =
    "---------- 転送されたメッセージここまで / End of forwarded message ----------\n";

static void
walk(struct mail_ctx *c, GMimeObject *obj, int depth, bool forwarded, bool collect_only)
{
    if (c->held || c->error || !obj)
        return;
    if (++c->parts > (size_t)c->lim.max_parts) {
        mail_hold(c, "limit-parts");
        return;
    }
    if (depth > c->lim.max_depth) {
        mail_hold(c, "limit-depth");
        return;
    }
    GMimeContentType *ct = g_mime_object_get_content_type(obj);

    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        /* A part reusing an enclosing multipart's boundary: where either ends is a guess. */
        const char *boundary = g_mime_multipart_get_boundary(mp);
        for (int i = 0; boundary && i < c->n_boundaries; i++)
            if (strcmp(c->boundaries[i], boundary) == 0) {
                mail_hold(c, "duplicate-boundary");
                return;
            }
        if (boundary && c->n_boundaries < MAMORI_MAIL_MAX_DEPTH_HARD)
            c->boundaries[c->n_boundaries++] = boundary;
        if (collect_only) {
            for (int i = 0; i < n && !c->held; i++)
                walk(c, g_mime_multipart_get_part(mp, i), depth + 1, forwarded, true);
        } else if (is_type(ct, "multipart", "alternative")) {
            walk_alternative(c, mp, depth, forwarded);
        } else if (is_type(ct, "multipart", "encrypted")) {
            for (int i = 0; i < n && !c->held; i++)
                remove_part(c, g_mime_multipart_get_part(mp, i), forwarded);
            mail_defect(c, "encrypted-message");
        } else if (is_type(ct, "multipart", "related") || is_type(ct, "multipart", "signed")) {
            for (int i = 0; i < n && !c->held; i++)
                walk(c, g_mime_multipart_get_part(mp, i), depth + 1, forwarded, i != 0);
        } else {
            for (int i = 0; i < n && !c->held; i++)
                walk(c, g_mime_multipart_get_part(mp, i), depth + 1, forwarded, false);
        }
        if (boundary && c->n_boundaries > 0 && c->boundaries[c->n_boundaries - 1] == boundary)
            c->n_boundaries--;
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (!m)
            return;
        c->forwarded++;
        if (!collect_only)
            write_forward_header(c, m);
        walk(c, g_mime_message_get_mime_part(m), depth + 1, true, collect_only);
        if (!collect_only)
            body_append(c, forward_end, sizeof(forward_end) - 1);
        return;
    }
    bool text_plain = is_type(ct, "text", "plain");
    bool text_html = is_type(ct, "text", "html");
    if (GMIME_IS_PART(obj) && (text_plain || text_html) && !has_filename_or_attachment(obj)) {
        if (collect_only)
            return; /* an alternative's other rendering: dropped, not an attachment */
        struct mamori_buf t;
        mamori_buf_init(&t, (size_t)c->lim.max_decoded_bytes);
        c->binary_text = false;
        bool ok = text_plain ? plain_text_of(c, GMIME_PART(obj), &t)
                             : html_text_of(c, GMIME_PART(obj), &t);
        if (ok)
            body_append(c, t.data ? t.data : "", t.len);
        mamori_buf_done(&t);
        if (c->binary_text) {
            /* A file declared as text: removed like any attachment, never shown. */
            c->binary_text = false;
            mail_defect(c, "binary-in-text-part");
            remove_part(c, obj, forwarded);
        }
        return;
    }
    remove_part(c, obj, forwarded);
}

/* ---- entry ------------------------------------------------------------------------------ */

static void
set_limits(struct mail_ctx *c, const struct mamori_limits *l)
{
    c->lim.max_depth = l->max_depth > 0 ? l->max_depth : MAMORI_MAIL_MAX_DEPTH;
    c->lim.max_parts = l->max_parts > 0 ? l->max_parts : MAMORI_MAIL_MAX_PARTS;
    c->lim.max_header_bytes =
        l->max_header_bytes > 0 ? l->max_header_bytes : MAMORI_MAIL_MAX_HEADER_BYTES;
    c->lim.max_message_bytes =
        l->max_message_bytes > 0 ? l->max_message_bytes : MAMORI_MAIL_MAX_MESSAGE_BYTES;
    c->lim.max_decoded_bytes =
        l->max_decoded_bytes > 0 ? l->max_decoded_bytes : MAMORI_MAIL_MAX_DECODED_BYTES;
}

/* Size of the top-level header block: up to the first empty line. */
static size_t
header_block_size(const char *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (d[i] == '\n' &&
            (d[i + 1] == '\n' || (d[i + 1] == '\r' && i + 2 < n && d[i + 2] == '\n')))
            return i + 1;
    }
    return n;
}

int
mamori_mail_sanitize(const char *data, size_t len, const struct mamori_mail_options *opts,
                     struct mamori_mail_result **ret)
{
    static const struct mamori_mail_options defaults = {0};
    if (!opts)
        opts = &defaults;
    mamori_mail_init();
    struct mail_ctx c = {.opts = opts};
    set_limits(&c, &opts->limits);
    size_t budget;
    if (!mamori_size_add((size_t)c.lim.max_decoded_bytes, (size_t)32 << 20, &budget))
        budget = SIZE_MAX;
    c.arena = mamori_arena_new(budget);
    if (!c.arena)
        return -ENOMEM;
    struct mamori_mail_result *res = mamori_arena_alloc(c.arena, sizeof(*res));
    c.defects = mamori_arena_calloc(c.arena, 64, sizeof(char *));
    if (!res || !c.defects) {
        mamori_arena_free(c.arena);
        return -ENOMEM;
    }
    res->arena = c.arena;
    c.res = res;
    mamori_buf_init(&c.text, (size_t)c.lim.max_decoded_bytes);
    mamori_sha256(data, len, res->original_sha256);

    GMimeMessage *msg = NULL;
    if (len > (size_t)c.lim.max_message_bytes) {
        mail_hold(&c, "limit-message-size");
    } else if (header_block_size(data, len) > (size_t)c.lim.max_header_bytes) {
        mail_hold(&c, "limit-header-size");
    } else {
        GMimeParserOptions *po = g_mime_parser_options_new();
        g_mime_parser_options_set_warning_callback(po, on_warning, &c);
        g_mime_parser_options_set_rfc2047_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
        g_mime_parser_options_set_address_compliance_mode(po, GMIME_RFC_COMPLIANCE_LOOSE);
        c.parser_options = po;
        /* An mbox envelope line ("From sender date") is not part of the message. */
        const char *start = data;
        size_t n = len;
        if (n > 5 && memcmp(start, "From ", 5) == 0) {
            const char *nl = memchr(start, '\n', n);
            if (nl) {
                n -= (size_t)(nl + 1 - start);
                start = nl + 1;
            }
        }
        /* The stream reads the caller's bytes in place (no copy of the message). */
        GByteArray *view = g_byte_array_new_take((guint8 *)start, n);
        GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(view);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
        GMimeParser *parser = g_mime_parser_new_with_stream(stream);
        g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
        msg = g_mime_parser_construct_message(parser, po);
        if (!msg)
            mail_hold(&c, "unparseable");
        else
            walk(&c, g_mime_message_get_mime_part(msg), 1, false, false);
        g_object_unref(parser);
        g_object_unref(stream);
        g_byte_array_free(view, FALSE); /* the wrapper only; the bytes are the caller's */
    }

    int r = c.error;
    if (r == 0)
        r = mail_write_output(&c, msg, data, len);
    if (msg)
        g_object_unref(msg);
    if (c.parser_options)
        g_mime_parser_options_free(c.parser_options);
    mamori_buf_done(&c.text);
    mamori_buf_done(&c.predecoded);
    if (r < 0) {
        mamori_arena_free(c.arena);
        return r;
    }
    *ret = res;
    return 0;
}

struct mamori_mail_result *
mamori_mail_result_free(struct mamori_mail_result *r)
{
    if (r) {
        free(r->output);
        mamori_arena_free(r->arena);
    }
    return NULL;
}
