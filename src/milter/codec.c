/*
 * The milter protocol (version 6) as a pure codec: packets in, replies out, no I/O.
 *
 * A packet is a 4-byte big-endian length (of what follows), a command byte and its data.
 * Strings in the data are NUL-terminated. See docs/internals/milter.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mamori/milter.h"

/* Actions the filter may take (SMFIF_*). */
enum {
    F_ADDHDRS = 0x01,
    F_CHGBODY = 0x02,
    F_CHGHDRS = 0x10,
};

/* Protocol steps (SMFIP_*). */
enum {
    P_NOUNKNOWN = 0x100,
    P_NR_HDR = 0x80,
    P_NR_CONN = 0x1000,
    P_NR_HELO = 0x2000,
    P_NR_MAIL = 0x4000,
    P_NR_RCPT = 0x8000,
    P_NR_DATA = 0x10000,
    P_NR_UNKN = 0x20000,
    P_NR_EOH = 0x40000,
    P_NR_BODY = 0x80000,
    P_HDR_LEADSPC = 0x100000,
};

#define WANT_ACTIONS (F_ADDHDRS | F_CHGBODY | F_CHGHDRS)
#define WANT_PROTO                                                                                 \
    (P_NOUNKNOWN | P_NR_HDR | P_NR_CONN | P_NR_HELO | P_NR_MAIL | P_NR_RCPT | P_NR_DATA |          \
     P_NR_UNKN | P_NR_EOH | P_NR_BODY | P_HDR_LEADSPC)
#define MAX_MACROS 256

struct macro {
    char *name, *value;
};

struct mamori_milter_session {
    struct mamori_buf in;
    size_t in_off;
    bool negotiated;
    uint32_t proto;
    struct macro macros[MAX_MACROS];
    size_t n_macros, macro_bytes;
    /* The message in progress. */
    bool in_message;
    struct mamori_buf msg;
    uint64_t size;
    bool oversized;
    char **hnames;
    size_t n_hnames;
    char *sender;
    char **rcpts;
    size_t n_rcpts;
    bool awaiting_reply;
    size_t max_message;
};

static void
message_reset(struct mamori_milter_session *s)
{
    mamori_buf_reset(&s->msg);
    s->size = 0;
    s->oversized = false;
    for (size_t i = 0; i < s->n_hnames; i++)
        free(s->hnames[i]);
    free(s->hnames);
    s->hnames = NULL;
    s->n_hnames = 0;
    free(s->sender);
    s->sender = NULL;
    for (size_t i = 0; i < s->n_rcpts; i++)
        free(s->rcpts[i]);
    free(s->rcpts);
    s->rcpts = NULL;
    s->n_rcpts = 0;
    s->in_message = false;
    s->awaiting_reply = false;
}

static void
macros_reset(struct mamori_milter_session *s)
{
    for (size_t i = 0; i < s->n_macros; i++) {
        free(s->macros[i].name);
        free(s->macros[i].value);
    }
    s->n_macros = 0;
    s->macro_bytes = 0;
}

int
mamori_milter_session_new(const struct mamori_milter_limits *limits,
                          struct mamori_milter_session **ret)
{
    struct mamori_milter_session *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->max_message = limits && limits->max_message ? limits->max_message : (size_t)64 << 20;
    mamori_buf_init(&s->in, MAMORI_MILTER_PACKET_MAX + 5);
    mamori_buf_init(&s->msg, s->max_message);
    *ret = s;
    return 0;
}

struct mamori_milter_session *
mamori_milter_session_free(struct mamori_milter_session *s)
{
    if (!s)
        return NULL;
    message_reset(s);
    macros_reset(s);
    mamori_buf_done(&s->in);
    mamori_buf_done(&s->msg);
    free(s);
    return NULL;
}

struct mamori_buf *
mamori_milter_input(struct mamori_milter_session *s)
{
    /* Room for the next read: drop what was consumed. */
    if (s->in_off) {
        memmove(s->in.data, s->in.data + s->in_off, s->in.len - s->in_off);
        s->in.len -= s->in_off;
        s->in_off = 0;
    }
    return &s->in;
}

/* ---- writing ---------------------------------------------------------------------------- */

static int
put_packet(struct mamori_buf *out, char cmd, const void *a, size_t alen, const void *b, size_t blen)
{
    int r = mamori_buf_put_be32(out, (uint32_t)(1 + alen + blen));
    if (r == 0)
        r = mamori_buf_putc(out, cmd);
    if (r == 0 && alen)
        r = mamori_buf_append(out, a, alen);
    if (r == 0 && blen)
        r = mamori_buf_append(out, b, blen);
    return r;
}

static int
put_continue(struct mamori_buf *out)
{
    return put_packet(out, 'c', NULL, 0, NULL, 0);
}

/* ---- reading ---------------------------------------------------------------------------- */

/* The next NUL-terminated string in [*p, end), or NULL. */
static const char *
next_string(const char **p, const char *end)
{
    const char *s = *p;
    const char *nul = s < end ? memchr(s, '\0', (size_t)(end - s)) : NULL;
    if (!nul)
        return NULL;
    *p = nul + 1;
    return s;
}

static uint32_t
be32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static int
macro_set(struct mamori_milter_session *s, const char *name, const char *value)
{
    size_t add = strlen(name) + strlen(value) + 2;
    for (size_t i = 0; i < s->n_macros; i++)
        if (strcmp(s->macros[i].name, name) == 0) {
            size_t old = strlen(s->macros[i].value);
            if (s->macro_bytes - old + strlen(value) > MAMORI_MILTER_MACRO_BYTES)
                return MAMORI_E_LIMIT;
            char *v = strdup(value);
            if (!v)
                return -ENOMEM;
            free(s->macros[i].value);
            s->macros[i].value = v;
            s->macro_bytes = s->macro_bytes - old + strlen(value);
            return 0;
        }
    if (s->n_macros == MAX_MACROS || s->macro_bytes + add > MAMORI_MILTER_MACRO_BYTES)
        return MAMORI_E_LIMIT;
    char *n = strdup(name), *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return -ENOMEM;
    }
    s->macros[s->n_macros++] = (struct macro){n, v};
    s->macro_bytes += add;
    return 0;
}

/* Appends to the message, or only counts once it is over the limit. */
static int
msg_append(struct mamori_milter_session *s, const char *p, size_t n)
{
    s->size += n;
    if (s->oversized)
        return 0;
    if (s->msg.len + n > s->max_message) {
        s->oversized = true;
        mamori_buf_done(&s->msg);
        mamori_buf_init(&s->msg, s->max_message);
        return 0;
    }
    return mamori_buf_append(&s->msg, p, n);
}

/* A header value as sent, with bare LF made CRLF (folded values). */
static int
msg_append_value(struct mamori_milter_session *s, const char *v)
{
    for (const char *p = v; *p;) {
        const char *lf = strchr(p, '\n');
        if (!lf)
            return msg_append(s, p, strlen(p));
        size_t n = (size_t)(lf - p);
        if (n && p[n - 1] == '\r')
            n--;
        int r = msg_append(s, p, n);
        if (r == 0)
            r = msg_append(s, "\r\n", 2);
        if (r < 0)
            return r;
        p = lf + 1;
    }
    return 0;
}

static bool
printable_name(const char *name)
{
    if (!*name)
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= ' ' || *p >= 127 || *p == ':')
            return false;
    return true;
}

static int
on_header(struct mamori_milter_session *s, const char *d, const char *end)
{
    const char *name = next_string(&d, end), *value = next_string(&d, end);
    if (!name || !value || !printable_name(name))
        return MAMORI_E_SYNTAX;
    if (s->n_hnames == MAMORI_MILTER_MAX_HEADERS)
        return MAMORI_E_LIMIT;
    char **n = realloc(s->hnames, (s->n_hnames + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    s->hnames = n;
    if (!(n[s->n_hnames] = strdup(name)))
        return -ENOMEM;
    s->n_hnames++;
    int r = msg_append(s, name, strlen(name));
    if (r == 0)
        r = msg_append(s, ":", 1);
    if (r == 0 && !(s->proto & P_HDR_LEADSPC))
        r = msg_append(s, " ", 1);
    if (r == 0)
        r = msg_append_value(s, value);
    if (r == 0)
        r = msg_append(s, "\r\n", 2);
    return r;
}

/* An SMTP address argument without its angle brackets. */
static char *
address(const char *arg)
{
    size_t n = strlen(arg);
    if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
        return strndup(arg + 1, n - 2);
    return strdup(arg);
}

static int
on_optneg(struct mamori_milter_session *s, const char *d, size_t len, struct mamori_buf *out)
{
    if (len < 12)
        return MAMORI_E_SYNTAX;
    uint32_t version = be32(d), actions = be32(d + 4), proto = be32(d + 8);
    if (version < 2 || (actions & WANT_ACTIONS) != WANT_ACTIONS)
        return MAMORI_E_INVALID; /* the MTA would not let us replace the message */
    s->proto = version >= 6 ? proto & WANT_PROTO : proto & P_NOUNKNOWN;
    s->negotiated = true;
    uint32_t v = version < 6 ? version : 6;
    char reply[12];
    uint32_t words[3] = {v, WANT_ACTIONS, s->proto};
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < 4; k++)
            reply[i * 4 + k] = (char)(words[i] >> (24 - 8 * k));
    return put_packet(out, 'O', reply, sizeof(reply), NULL, 0);
}

/* A reply of continue unless the MTA agreed not to wait for one. */
static int
maybe_continue(struct mamori_milter_session *s, uint32_t no_reply_flag, struct mamori_buf *out)
{
    if (s->proto & no_reply_flag)
        return MAMORI_MILTER_REPLIED;
    int r = put_continue(out);
    return r < 0 ? r : MAMORI_MILTER_REPLIED;
}

int
mamori_milter_step(struct mamori_milter_session *s, struct mamori_buf *out)
{
    if (s->awaiting_reply)
        return -EINVAL; /* the caller owes a reply to the last message */
    size_t avail = s->in.len - s->in_off;
    if (avail < 5)
        return MAMORI_MILTER_MORE;
    const char *p = s->in.data + s->in_off;
    uint32_t len = be32(p);
    if (len == 0)
        return MAMORI_E_SYNTAX;
    if (len > MAMORI_MILTER_PACKET_MAX)
        return MAMORI_E_LIMIT;
    if (avail - 4 < len)
        return MAMORI_MILTER_MORE;
    char cmd = p[4];
    const char *d = p + 5, *end = p + 4 + len;
    size_t dlen = len - 1;
    s->in_off += 4 + (size_t)len;
    if (!s->negotiated && cmd != 'O')
        return MAMORI_E_SYNTAX;
    int r;
    switch (cmd) {
    case 'O':
        if (s->negotiated)
            return MAMORI_E_SYNTAX;
        r = on_optneg(s, d, dlen, out);
        return r < 0 ? r : MAMORI_MILTER_REPLIED;
    case 'D': { /* macros: the command they belong to, then name/value pairs */
        if (dlen < 1)
            return MAMORI_E_SYNTAX;
        d++;
        while (d < end) {
            const char *name = next_string(&d, end), *value = next_string(&d, end);
            if (!name || !value)
                return MAMORI_E_SYNTAX;
            /* "{i}" and "i" name the same macro. */
            char bare[64];
            size_t n = strlen(name);
            if (n > 2 && n < sizeof(bare) + 2 && name[0] == '{' && name[n - 1] == '}' &&
                n - 2 == 1) {
                memcpy(bare, name + 1, n - 2);
                bare[n - 2] = '\0';
                name = bare;
            }
            if ((r = macro_set(s, name, value)) < 0)
                return r;
        }
        return MAMORI_MILTER_REPLIED;
    }
    case 'C': /* connect: host, family, port, address — only the macros are kept */
        if (!next_string(&d, end) || d >= end)
            return MAMORI_E_SYNTAX;
        return maybe_continue(s, P_NR_CONN, out);
    case 'H':
        if (!next_string(&d, end))
            return MAMORI_E_SYNTAX;
        return maybe_continue(s, P_NR_HELO, out);
    case 'M': {
        const char *arg = next_string(&d, end);
        if (!arg)
            return MAMORI_E_SYNTAX;
        message_reset(s);
        s->in_message = true;
        if (!(s->sender = address(arg)))
            return -ENOMEM;
        return maybe_continue(s, P_NR_MAIL, out);
    }
    case 'R': {
        const char *arg = next_string(&d, end);
        if (!arg || !s->in_message)
            return MAMORI_E_SYNTAX;
        if (s->n_rcpts == MAMORI_MILTER_MAX_RCPTS)
            return MAMORI_E_LIMIT;
        char **n = realloc(s->rcpts, (s->n_rcpts + 1) * sizeof(*n));
        if (!n)
            return -ENOMEM;
        s->rcpts = n;
        if (!(n[s->n_rcpts] = address(arg)))
            return -ENOMEM;
        s->n_rcpts++;
        return maybe_continue(s, P_NR_RCPT, out);
    }
    case 'T':
        if (!s->in_message)
            return MAMORI_E_SYNTAX;
        return maybe_continue(s, P_NR_DATA, out);
    case 'L':
        if (!s->in_message)
            return MAMORI_E_SYNTAX;
        if ((r = on_header(s, d, end)) < 0)
            return r;
        return maybe_continue(s, P_NR_HDR, out);
    case 'N':
        if (!s->in_message)
            return MAMORI_E_SYNTAX;
        if ((r = msg_append(s, "\r\n", 2)) < 0)
            return r;
        return maybe_continue(s, P_NR_EOH, out);
    case 'B':
        if (!s->in_message)
            return MAMORI_E_SYNTAX;
        if ((r = msg_append(s, d, dlen)) < 0)
            return r;
        return maybe_continue(s, P_NR_BODY, out);
    case 'E':
        if (!s->in_message)
            return MAMORI_E_SYNTAX;
        if (dlen && (r = msg_append(s, d, dlen)) < 0)
            return r;
        s->awaiting_reply = true;
        return MAMORI_MILTER_MESSAGE;
    case 'U':
        return maybe_continue(s, P_NR_UNKN, out);
    case 'A':
        message_reset(s);
        return MAMORI_MILTER_REPLIED;
    case 'K':
        message_reset(s);
        macros_reset(s);
        return MAMORI_MILTER_REPLIED;
    case 'Q':
        return MAMORI_MILTER_CLOSE;
    default:
        return MAMORI_E_SYNTAX;
    }
}

const char *
mamori_milter_message(const struct mamori_milter_session *s, size_t *ret_len)
{
    *ret_len = s->msg.len;
    return s->msg.data ? s->msg.data : "";
}

bool
mamori_milter_oversized(const struct mamori_milter_session *s)
{
    return s->oversized;
}

uint64_t
mamori_milter_size(const struct mamori_milter_session *s)
{
    return s->size;
}

const char *
mamori_milter_macro(const struct mamori_milter_session *s, const char *name)
{
    for (size_t i = 0; i < s->n_macros; i++)
        if (strcmp(s->macros[i].name, name) == 0)
            return s->macros[i].value;
    return NULL;
}

const char *
mamori_milter_sender(const struct mamori_milter_session *s)
{
    return s->sender ? s->sender : "";
}

size_t
mamori_milter_n_rcpts(const struct mamori_milter_session *s)
{
    return s->n_rcpts;
}

const char *
mamori_milter_rcpt(const struct mamori_milter_session *s, size_t i)
{
    return i < s->n_rcpts ? s->rcpts[i] : NULL;
}

/* ---- replies to a message --------------------------------------------------------------- */

struct hdr_ref {
    const char *name;
    size_t pos;
};

static int
by_name_then_pos(const void *a, const void *b)
{
    const struct hdr_ref *x = a, *y = b;
    int c = strcasecmp(x->name, y->name);
    if (c)
        return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Deletes every original header field: 'm' with the field's occurrence index among fields of
 * its name and an empty value, last occurrence first so no index shifts. */
static int
delete_headers(struct mamori_milter_session *s, struct mamori_buf *out)
{
    size_t n = s->n_hnames;
    if (!n)
        return 0;
    struct hdr_ref *refs = calloc(n, sizeof(*refs));
    uint32_t *occ = calloc(n, sizeof(*occ));
    if (!refs || !occ) {
        free(refs);
        free(occ);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        refs[i] = (struct hdr_ref){s->hnames[i], i};
    qsort(refs, n, sizeof(*refs), by_name_then_pos);
    for (size_t i = 0; i < n; i++)
        occ[refs[i].pos] =
            i > 0 && strcasecmp(refs[i].name, refs[i - 1].name) == 0 ? occ[refs[i - 1].pos] + 1 : 1;
    free(refs);
    int r = 0;
    for (size_t i = n; i-- > 0 && r == 0;) {
        const char *name = s->hnames[i];
        char idx[4] = {(char)(occ[i] >> 24), (char)(occ[i] >> 16), (char)(occ[i] >> 8),
                       (char)occ[i]};
        size_t nl = strlen(name);
        r = mamori_buf_put_be32(out, (uint32_t)(1 + 4 + nl + 1 + 1));
        if (r == 0)
            r = mamori_buf_putc(out, 'm');
        if (r == 0)
            r = mamori_buf_append(out, idx, 4);
        if (r == 0)
            r = mamori_buf_append(out, name, nl + 1);
        if (r == 0)
            r = mamori_buf_putc(out, '\0');
    }
    free(occ);
    return r;
}

/* The end of the line starting at p (the LF, or end). */
static const char *
line_end(const char *p, const char *end)
{
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    return lf ? lf : end;
}

/* Adds the header fields of msg's header block ('h' each); *ret_body: where the body starts. */
static int
add_headers(struct mamori_milter_session *s, const char *msg, size_t len, struct mamori_buf *out,
            size_t *ret_body)
{
    const char *p = msg, *end = msg + len;
    struct mamori_buf value;
    mamori_buf_init(&value, len + 1);
    int r = 0;
    while (r == 0) {
        if (p >= end) {
            r = MAMORI_E_SYNTAX; /* no blank line: no body */
            break;
        }
        const char *le = line_end(p, end);
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        if (ll == 0) { /* the blank line */
            *ret_body = (size_t)(le - msg) + (le < end);
            break;
        }
        const char *colon = memchr(p, ':', ll);
        if (!colon || colon == p || *p == ' ' || *p == '\t') {
            r = MAMORI_E_SYNTAX;
            break;
        }
        size_t nl = (size_t)(colon - p);
        for (size_t i = 0; i < nl; i++)
            if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 127)
                r = MAMORI_E_SYNTAX;
        if (r < 0)
            break;
        mamori_buf_reset(&value);
        const char *v = colon + 1;
        size_t vl = ll - nl - 1;
        if (!(s->proto & P_HDR_LEADSPC))
            while (vl && (*v == ' ' || *v == '\t'))
                v++, vl--;
        r = mamori_buf_append(&value, v, vl);
        p = le < end ? le + 1 : end;
        /* Continuation lines: joined with LF, their leading white space kept. */
        while (r == 0 && p < end && (*p == ' ' || *p == '\t')) {
            le = line_end(p, end);
            ll = (size_t)(le - p);
            if (ll && p[ll - 1] == '\r')
                ll--;
            r = mamori_buf_putc(&value, '\n');
            if (r == 0)
                r = mamori_buf_append(&value, p, ll);
            p = le < end ? le + 1 : end;
        }
        if (r == 0)
            r = mamori_buf_putc(&value, '\0');
        if (r == 0)
            r = mamori_buf_put_be32(out, (uint32_t)(1 + nl + 1 + value.len));
        if (r == 0)
            r = mamori_buf_putc(out, 'h');
        if (r == 0)
            r = mamori_buf_append(out, colon - nl, nl);
        if (r == 0)
            r = mamori_buf_putc(out, '\0');
        if (r == 0)
            r = mamori_buf_append(out, value.data, value.len);
    }
    mamori_buf_done(&value);
    return r;
}

/* Replaces the body with CRLF line ends, in chunks. */
static int
replace_body(const char *body, size_t len, struct mamori_buf *out)
{
    char chunk[MAMORI_MILTER_CHUNK];
    size_t n = 0;
    int r = 0;
    for (size_t i = 0; i < len && r == 0; i++) {
        bool bare_lf = body[i] == '\n' && (i == 0 || body[i - 1] != '\r');
        if (n + 2 > sizeof(chunk)) {
            r = put_packet(out, 'b', chunk, n, NULL, 0);
            n = 0;
        }
        if (bare_lf)
            chunk[n++] = '\r';
        chunk[n++] = body[i];
    }
    if (r == 0 && (n || len == 0))
        r = put_packet(out, 'b', chunk, n, NULL, 0);
    return r;
}

int
mamori_milter_reply_replace(struct mamori_milter_session *s, const char *msg, size_t len,
                            struct mamori_buf *out)
{
    if (!s->awaiting_reply)
        return -EINVAL;
    size_t mark = out->len, body = 0;
    int r = delete_headers(s, out);
    if (r == 0)
        r = add_headers(s, msg, len, out, &body);
    if (r == 0)
        r = replace_body(msg + body, len - body, out);
    if (r == 0)
        r = put_continue(out);
    if (r < 0) {
        out->len = mark;
        return r;
    }
    message_reset(s);
    return 0;
}

int
mamori_milter_reply_code(struct mamori_milter_session *s, const char *code, const char *xcode,
                         const char *text, struct mamori_buf *out)
{
    if (!s->awaiting_reply)
        return -EINVAL;
    if (strlen(code) != 3 || (code[0] != '4' && code[0] != '5'))
        return -EINVAL;
    size_t mark = out->len;
    struct mamori_buf line;
    mamori_buf_init(&line, 1024);
    int r = mamori_buf_printf(&line, "%s %s ", code, xcode);
    /* Printable ASCII only; '%' would be taken as a format by some MTAs. */
    for (const unsigned char *p = (const unsigned char *)text; *p && r == 0 && line.len < 900; p++)
        r = mamori_buf_putc(&line, *p >= ' ' && *p < 127 && *p != '%' ? (char)*p : '?');
    if (r == 0)
        r = mamori_buf_putc(&line, '\0');
    if (r == 0)
        r = put_packet(out, 'y', line.data, line.len, NULL, 0);
    mamori_buf_done(&line);
    if (r < 0) {
        out->len = mark;
        return r;
    }
    message_reset(s);
    return 0;
}
