/*
 * A mail result as frames, for the trip from a sandboxed worker to its parent.
 *
 * The parent treats the bytes as hostile (the worker read hostile mail): every field has a
 * type, a bound and a form (tokens are [a-z0-9:._-], strings hold no NUL, hashes are 32
 * bytes), unknown or repeated-when-single fields are refused, and the output must be 7-bit.
 * Attachment bytes stay in the worker: the caller keeps the whole original message instead.
 *
 *   v verdict (1 byte)   h held reason   O output   o original SHA-256   u URLs defanged
 *   i f t s d  message id, from, to, subject, date   a action (repeated)   x defect (repeated)
 *   A attachment: nested frames n name, y declared type, z detected type, S size, H SHA-256,
 *     F flags (bit 0 encrypted, 1 forwarded, 2 name suspicious)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/mail.h"
#include "mamori/sandbox.h"

#define MAX_STRING     ((size_t)64 * 1024)
#define MAX_TOKEN      128
#define MAX_LIST       64
#define MAX_ATTACHMENT 4096

static int
put_str(struct mamori_buf *b, char type, const char *s)
{
    return s ? mamori_frame_put(b, type, s, strlen(s)) : 0;
}

static int
put_u64(struct mamori_buf *b, char type, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (56 - 8 * i));
    return mamori_frame_put(b, type, x, 8);
}

int
mamori_mail_result_encode(const struct mamori_mail_result *r, struct mamori_buf *out)
{
    uint8_t v = r->verdict == MAMORI_MAIL_HELD;
    int e = mamori_frame_put(out, 'v', &v, 1);
    if (!e)
        e = put_str(out, 'h', r->held_reason);
    if (!e)
        e = mamori_frame_put(out, 'O', r->output, r->output_len);
    if (!e)
        e = mamori_frame_put(out, 'o', r->original_sha256, 32);
    if (!e)
        e = put_u64(out, 'u', r->urls_defanged);
    const char *s[] = {r->message_id, r->from, r->to, r->subject, r->date};
    const char types[] = "iftsd";
    for (int i = 0; i < 5 && !e; i++)
        e = put_str(out, types[i], s[i]);
    for (size_t i = 0; i < r->n_actions && !e; i++)
        e = put_str(out, 'a', r->actions[i]);
    for (size_t i = 0; i < r->n_defects && !e; i++)
        e = put_str(out, 'x', r->defects[i]);
    struct mamori_buf a;
    mamori_buf_init(&a, MAMORI_FRAME_MAX);
    for (size_t i = 0; i < r->n_attachments && !e; i++) {
        const struct mamori_mail_attachment *t = &r->attachments[i];
        mamori_buf_reset(&a);
        uint8_t flags = (uint8_t)(t->encrypted | t->forwarded << 1 | t->name_suspicious << 2);
        e = put_str(&a, 'n', t->name);
        if (!e)
            e = put_str(&a, 'y', t->declared_type);
        if (!e)
            e = put_str(&a, 'z', t->detected_type);
        if (!e)
            e = put_u64(&a, 'S', t->size);
        if (!e)
            e = mamori_frame_put(&a, 'H', t->sha256, 32);
        if (!e)
            e = mamori_frame_put(&a, 'F', &flags, 1);
        if (!e)
            e = mamori_frame_end(&a);
        if (!e)
            e = mamori_frame_put(out, 'A', a.data, a.len);
    }
    mamori_buf_done(&a);
    if (!e)
        e = mamori_frame_end(out);
    return e;
}

static bool
token_ok(const char *s, size_t n)
{
    if (n == 0 || n > MAX_TOKEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(":._-=/+ ", c) ||
              (c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

static const char *
dup_str(struct mamori_arena *a, const struct mamori_frame *f, size_t max)
{
    if (f->len > max || memchr(f->data, '\0', f->len))
        return NULL;
    return mamori_arena_strndup(a, f->data, f->len);
}

static uint64_t
u64_of(const struct mamori_frame *f)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | (unsigned char)f->data[i];
    return v;
}

static int
decode_attachment(struct mamori_arena *arena, const struct mamori_frame *af,
                  struct mamori_mail_attachment *t)
{
    struct mamori_frame f[8];
    size_t n;
    if (mamori_frames_parse(af->data, af->len, f, 8, &n) < 0)
        return MAMORI_E_SYNTAX;
    unsigned seen = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr("nyzSHF", f[i].type);
        if (!p || (seen & (1u << (p - "nyzSHF"))))
            return MAMORI_E_SYNTAX;
        seen |= 1u << (p - "nyzSHF");
        switch (f[i].type) {
        case 'n':
            if (!(t->name = dup_str(arena, &f[i], 4096)))
                return MAMORI_E_SYNTAX;
            break;
        case 'y':
            if (!token_ok(f[i].data, f[i].len) || !(t->declared_type = dup_str(arena, &f[i], 256)))
                return MAMORI_E_SYNTAX;
            break;
        case 'z':
            if (!(t->detected_type = dup_str(arena, &f[i], 256)))
                return MAMORI_E_SYNTAX;
            break;
        case 'S':
            if (f[i].len != 8)
                return MAMORI_E_SYNTAX;
            t->size = (size_t)u64_of(&f[i]);
            break;
        case 'H':
            if (f[i].len != 32)
                return MAMORI_E_SYNTAX;
            memcpy(t->sha256, f[i].data, 32);
            break;
        case 'F':
            if (f[i].len != 1 || ((unsigned char)f[i].data[0] & ~7u))
                return MAMORI_E_SYNTAX;
            t->encrypted = f[i].data[0] & 1;
            t->forwarded = (f[i].data[0] >> 1) & 1;
            t->name_suspicious = (f[i].data[0] >> 2) & 1;
            break;
        default:
            return MAMORI_E_SYNTAX;
        }
    }
    /* Name, declared type, size, hash and flags are required; the detected type is not. */
    if ((seen & 0x3b) != 0x3b)
        return MAMORI_E_SYNTAX;
    return 0;
}

int
mamori_mail_result_decode(const char *data, size_t len, struct mamori_mail_result **ret)
{
    size_t max_frames = 16 + 2 * MAX_LIST + MAX_ATTACHMENT;
    struct mamori_frame *f = calloc(max_frames, sizeof(*f));
    if (!f)
        return -ENOMEM;
    size_t n;
    int r = mamori_frames_parse(data, len, f, max_frames, &n);
    if (r < 0) {
        free(f);
        return r == MAMORI_E_LIMIT ? MAMORI_E_SYNTAX : r;
    }
    struct mamori_arena *arena = mamori_arena_new(len * 2 + 65536);
    struct mamori_mail_result *res = arena ? mamori_arena_alloc(arena, sizeof(*res)) : NULL;
    size_t n_att = 0, n_act = 0, n_def = 0;
    for (size_t i = 0; i < n; i++) {
        n_att += f[i].type == 'A';
        n_act += f[i].type == 'a';
        n_def += f[i].type == 'x';
    }
    if (!res || n_act > MAX_LIST || n_def > MAX_LIST) {
        r = res ? MAMORI_E_SYNTAX : -ENOMEM;
        goto fail;
    }
    res->arena = arena;
    res->attachments = mamori_arena_calloc(arena, n_att ? n_att : 1, sizeof(*res->attachments));
    res->actions = mamori_arena_calloc(arena, n_act ? n_act : 1, sizeof(char *));
    res->defects = mamori_arena_calloc(arena, n_def ? n_def : 1, sizeof(char *));
    if (!res->attachments || !res->actions || !res->defects) {
        r = -ENOMEM;
        goto fail;
    }
    unsigned seen = 0;
    const char *single = "vhOouiftsd";
    r = MAMORI_E_SYNTAX;
    for (size_t i = 0; i < n; i++) {
        const struct mamori_frame *x = &f[i];
        const char *p = strchr(single, x->type);
        if (p && x->type) {
            unsigned bit = 1u << (p - single);
            if (seen & bit)
                goto fail;
            seen |= bit;
        }
        switch (x->type) {
        case 'v':
            if (x->len != 1 || (unsigned char)x->data[0] > 1)
                goto fail;
            res->verdict = x->data[0] ? MAMORI_MAIL_HELD : MAMORI_MAIL_SANITIZED;
            break;
        case 'h':
            if (!token_ok(x->data, x->len) || !(res->held_reason = dup_str(arena, x, MAX_TOKEN)))
                goto fail;
            break;
        case 'O':
            for (size_t k = 0; k < x->len; k++)
                if ((unsigned char)x->data[k] >= 0x80 || x->data[k] == '\0')
                    goto fail; /* the output is 7-bit text, always */
            res->output = malloc(x->len + 1);
            if (!res->output) {
                r = -ENOMEM;
                goto fail;
            }
            memcpy(res->output, x->data, x->len);
            res->output[x->len] = '\0';
            res->output_len = x->len;
            break;
        case 'o':
            if (x->len != 32)
                goto fail;
            memcpy(res->original_sha256, x->data, 32);
            break;
        case 'u':
            if (x->len != 8)
                goto fail;
            res->urls_defanged = (size_t)u64_of(x);
            break;
        case 'i':
        case 'f':
        case 't':
        case 's':
        case 'd': {
            const char *s = dup_str(arena, x, MAX_STRING);
            if (!s)
                goto fail;
            *(x->type == 'i'   ? &res->message_id
              : x->type == 'f' ? &res->from
              : x->type == 't' ? &res->to
              : x->type == 's' ? &res->subject
                               : &res->date) = s;
            break;
        }
        case 'a':
        case 'x': {
            if (!token_ok(x->data, x->len) && x->type == 'a')
                goto fail;
            const char *s = dup_str(arena, x, 512);
            if (!s)
                goto fail;
            if (x->type == 'a')
                res->actions[res->n_actions++] = s;
            else
                res->defects[res->n_defects++] = s;
            break;
        }
        case 'A': {
            int e = decode_attachment(arena, x, &res->attachments[res->n_attachments]);
            if (e < 0) {
                r = e;
                goto fail;
            }
            res->n_attachments++;
            break;
        }
        default:
            goto fail;
        }
    }
    /* Verdict, output and original are required; a held result has its reason. */
    if ((seen & 0x0d) != 0x0d || (res->verdict == MAMORI_MAIL_HELD) != (res->held_reason != NULL))
        goto fail;
    free(f);
    *ret = res;
    return 0;
fail:
    free(f);
    if (res)
        free(res->output);
    mamori_arena_free(arena);
    return r;
}
