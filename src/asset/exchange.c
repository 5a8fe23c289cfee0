/*
 * The 台帳 exchange with Excel (mamori/asset.h): decoding (UTF-8 or CP932 through ICU), CSV
 * reading and writing, the column mapping of a city's own layout, rows to assets. Pure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "mamori/asset.h"

#define CSV_MAX_ROWS   1000000
#define CSV_MAX_FIELDS 256
#define CSV_MAX_FIELD  ((size_t)64 * 1024)

/* Columns of mamori's export that it derives itself: ignored on import. */
static const char *const derived_headers[] = {"ラベル", "取扱制限", "登録者", "登録日時",
                                              "分類者", "分類日時", "Label",  "Restrictions"};

static size_t
line_of(const char *data, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off; i++)
        line += data[i] == '\n';
    return line;
}

int
mamori_asset_decode(const char *data, size_t len, struct mamori_arena *a, char **ret,
                    size_t *ret_len, const char **ret_encoding, size_t *ret_line)
{
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3;
        len -= 3;
        *ret_encoding = "UTF-8 (BOM)";
    } else {
        *ret_encoding = "UTF-8";
    }
    if (mamori_utf8_valid(data, len)) {
        char *s = mamori_arena_strndup(a, data, len);
        if (!s)
            return -ENOMEM;
        if (memchr(data, '\0', len)) {
            *ret_line = line_of(data, (size_t)((const char *)memchr(data, '\0', len) - data));
            return MAMORI_E_INVALID;
        }
        *ret = s;
        *ret_len = len;
        return 0;
    }
    if (strcmp(*ret_encoding, "UTF-8 (BOM)") == 0) {
        size_t i = 0;
        for (uint32_t cp; i < len;) {
            size_t k = mamori_utf8_next(data + i, len - i, &cp);
            if (!k)
                break;
            i += k;
        }
        *ret_line = line_of(data, i);
        return MAMORI_E_INVALID;
    }
    *ret_encoding = "CP932";
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cv = ucnv_open("windows-31j", &e);
    if (U_FAILURE(e))
        return -ENOSYS;
    ucnv_setToUCallBack(cv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
    size_t ucap = len + 1;
    UChar *u = malloc(ucap * sizeof(UChar));
    if (!u) {
        ucnv_close(cv);
        return -ENOMEM;
    }
    /* converted in pieces so a bad byte can be placed on its line */
    const char *src = data, *src_end = data + len;
    UChar *dst = u;
    ucnv_toUnicode(cv, &dst, u + ucap, &src, src_end, NULL, true, &e);
    ucnv_close(cv);
    if (U_FAILURE(e)) {
        free(u);
        size_t off = (size_t)(src - data);
        *ret_line = line_of(data, off > 0 ? off - 1 : 0);
        return MAMORI_E_INVALID;
    }
    int32_t ulen = (int32_t)(dst - u), need = 0;
    e = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &need, u, ulen, &e);
    char *s = mamori_arena_alloc(a, (size_t)need + 1);
    e = U_ZERO_ERROR;
    if (s)
        u_strToUTF8(s, need + 1, NULL, u, ulen, &e);
    free(u);
    if (!s)
        return -ENOMEM;
    if (U_FAILURE(e) || memchr(s, '\0', (size_t)need)) {
        *ret_line = 1;
        return MAMORI_E_INVALID;
    }
    *ret = s;
    *ret_len = (size_t)need;
    return 0;
}

int
mamori_asset_to_cp932(const char *s, size_t n, struct mamori_buf *out, uint32_t *ret_cp,
                      size_t *ret_line)
{
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cv = ucnv_open("windows-31j", &e);
    if (U_FAILURE(e))
        return -ENOSYS;
    ucnv_setFromUCallBack(cv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
    /* 〜 (U+301C) and the like go to their CP932 look-alikes, as Excel does */
    ucnv_setFallback(cv, true);
    int r = 0;
    size_t line = 1;
    for (size_t i = 0; i < n && r == 0;) {
        size_t end = i;
        while (end < n && s[end] != '\n')
            end++;
        if (end < n)
            end++;
        int32_t ulen = 0;
        e = U_ZERO_ERROR;
        u_strFromUTF8(NULL, 0, &ulen, s + i, (int32_t)(end - i), &e);
        UChar *u = malloc(((size_t)ulen + 1) * sizeof(UChar));
        if (!u) {
            r = -ENOMEM;
            break;
        }
        e = U_ZERO_ERROR;
        u_strFromUTF8(u, ulen + 1, NULL, s + i, (int32_t)(end - i), &e);
        size_t cap = (size_t)ulen * 2 + 16;
        if ((r = mamori_buf_reserve(out, cap)) == 0) {
            e = U_ZERO_ERROR;
            int32_t k = ucnv_fromUChars(cv, out->data + out->len, (int32_t)cap, u, ulen, &e);
            if (U_SUCCESS(e)) {
                out->len += (size_t)k;
            } else {
                /* find the character */
                *ret_cp = 0xfffd;
                for (size_t j = i; j < end;) {
                    uint32_t cp;
                    size_t cl = mamori_utf8_next(s + j, end - j, &cp);
                    if (!cl)
                        break;
                    UChar one[2];
                    int32_t ol = 0;
                    UErrorCode e2 = U_ZERO_ERROR;
                    u_strFromUTF8(one, 2, &ol, s + j, (int32_t)cl, &e2);
                    char tmp[8];
                    e2 = U_ZERO_ERROR;
                    ucnv_resetFromUnicode(cv);
                    ucnv_fromUChars(cv, tmp, sizeof(tmp), one, ol, &e2);
                    if (U_FAILURE(e2)) {
                        *ret_cp = cp;
                        break;
                    }
                    j += cl;
                }
                *ret_line = line;
                r = MAMORI_E_INVALID;
            }
        }
        free(u);
        ucnv_resetFromUnicode(cv);
        i = end;
        line++;
    }
    ucnv_close(cv);
    return r;
}

/* ---- CSV -------------------------------------------------------------------------------- */

int
mamori_csv_parse(const char *data, size_t len, struct mamori_arena *a, struct mamori_csv *ret,
                 size_t *ret_line)
{
    size_t cap_rows = 64, n_rows = 0;
    char ***rows = malloc(cap_rows * sizeof(*rows));
    size_t *counts = malloc(cap_rows * sizeof(*counts));
    char *fields[CSV_MAX_FIELDS];
    struct mamori_buf f;
    mamori_buf_init(&f, CSV_MAX_FIELD);
    int r = rows && counts ? 0 : -ENOMEM;
    size_t i = 0, nf = 0, line = 1;
    while (r == 0 && i < len) {
        /* one field */
        mamori_buf_reset(&f);
        size_t start_line = line;
        if (data[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) {
                    *ret_line = start_line;
                    r = MAMORI_E_INVALID;
                    break;
                }
                if (data[i] == '"') {
                    if (i + 1 < len && data[i + 1] == '"') {
                        r = mamori_buf_putc(&f, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                line += data[i] == '\n';
                r = mamori_buf_putc(&f, data[i++]);
                if (r < 0)
                    break;
            }
            /* anything between the closing quote and the separator is kept as Excel does */
            while (r == 0 && i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
                r = mamori_buf_putc(&f, data[i++]);
        } else {
            size_t s = i;
            while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
                i++;
            r = mamori_buf_append(&f, data + s, i - s);
        }
        if (r == -ENOSPC || r == -E2BIG)
            r = MAMORI_E_LIMIT;
        if (r < 0)
            break;
        if (nf >= CSV_MAX_FIELDS) {
            *ret_line = line;
            r = MAMORI_E_LIMIT;
            break;
        }
        if (!(fields[nf++] = mamori_arena_strndup(a, f.data ? f.data : "", f.len))) {
            r = -ENOMEM;
            break;
        }
        if (i < len && data[i] == ',') {
            i++;
            if (i < len)
                continue;
            /* "a,b," at the very end: one more empty field */
            if (nf >= CSV_MAX_FIELDS) {
                *ret_line = line;
                r = MAMORI_E_LIMIT;
                break;
            }
            if (!(fields[nf++] = mamori_arena_strdup(a, ""))) {
                r = -ENOMEM;
                break;
            }
        }
        if (i < len && data[i] == '\r')
            i++;
        if (i < len && data[i] == '\n') {
            i++;
            line++;
        }
        if (n_rows >= CSV_MAX_ROWS) {
            *ret_line = line;
            r = MAMORI_E_LIMIT;
            break;
        }
        if (n_rows == cap_rows) {
            cap_rows *= 2;
            char ***nr = realloc(rows, cap_rows * sizeof(*rows));
            size_t *nc = nr ? realloc(counts, cap_rows * sizeof(*counts)) : NULL;
            if (nr)
                rows = nr;
            if (nc)
                counts = nc;
            if (!nr || !nc) {
                r = -ENOMEM;
                break;
            }
        }
        char **row = mamori_arena_alloc(a, nf * sizeof(*row));
        if (!row) {
            r = -ENOMEM;
            break;
        }
        memcpy(row, fields, nf * sizeof(*row));
        rows[n_rows] = row;
        counts[n_rows++] = nf;
        nf = 0;
    }
    mamori_buf_done(&f);
    if (r == 0) {
        ret->rows = mamori_arena_alloc(a, (n_rows ? n_rows : 1) * sizeof(*rows));
        ret->n_fields = mamori_arena_alloc(a, (n_rows ? n_rows : 1) * sizeof(*counts));
        if (!ret->rows || !ret->n_fields) {
            r = -ENOMEM;
        } else {
            if (n_rows) {
                memcpy(ret->rows, rows, n_rows * sizeof(*rows));
                memcpy(ret->n_fields, counts, n_rows * sizeof(*counts));
            }
            ret->n_rows = n_rows;
        }
    }
    free(rows);
    free(counts);
    return r;
}

static bool
formula_start(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

int
mamori_csv_field(struct mamori_buf *out, const char *s, bool first)
{
    int r = first ? 0 : mamori_buf_putc(out, ',');
    bool guard = formula_start(s);
    bool quote = guard || strpbrk(s, ",\"\r\n") != NULL || s[0] == '\'' || s[0] == ' ';
    if (r == 0 && quote)
        r = mamori_buf_putc(out, '"');
    if (r == 0 && (guard || s[0] == '\'')) /* a leading ' is itself escaped by doubling it */
        r = mamori_buf_putc(out, '\'');
    for (const char *c = s; r == 0 && *c; c++)
        r = *c == '"' ? mamori_buf_puts(out, "\"\"") : mamori_buf_putc(out, *c);
    if (r == 0 && quote)
        r = mamori_buf_putc(out, '"');
    return r;
}

/* The inverse of the guard above: "'=1" -> "=1", "''x" -> "'x". */
static const char *
unguard(const char *s)
{
    if (s[0] == '\'' && (formula_start(s + 1) || s[1] == '\''))
        return s + 1;
    return s;
}

/* ---- the mapping file ------------------------------------------------------------------- */

static char *
trim_copy(struct mamori_arena *a, const char *b, const char *e)
{
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    if (e - b >= 2 && *b == '"' && e[-1] == '"') {
        b++;
        e--;
    }
    return mamori_arena_strndup(a, b, (size_t)(e - b));
}

int
mamori_asset_mapping_parse(const char *text, size_t len, struct mamori_arena *a,
                           struct mamori_asset_mapping *ret, struct mamori_asset_problems *pr)
{
    memset(ret, 0, sizeof(*ret));
    size_t before = pr->n, cap = 0;
    int section = -2; /* -2 none yet, -1 [columns], else a field */
    size_t line = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        char *l = trim_copy(a, p, le);
        p = nl ? nl + 1 : end;
        if (!l)
            return -ENOMEM;
        if (line == 1 && strncmp(l, "\xef\xbb\xbf", 3) == 0)
            memmove(l, l + 3, strlen(l + 3) + 1);
        if (!*l || *l == '#')
            continue;
        size_t ll = strlen(l);
        if (l[0] == '[' && l[ll - 1] == ']') {
            l[ll - 1] = '\0';
            int f = mamori_asset_field_find(l + 1);
            if (strcmp(l + 1, "columns") == 0 || strcmp(l + 1, "列") == 0)
                section = -1;
            else if (f == MAMORI_ASSET_CONF || f == MAMORI_ASSET_INTEG || f == MAMORI_ASSET_AVAIL ||
                     f == MAMORI_ASSET_TYPE || f == MAMORI_ASSET_UNIT || f == MAMORI_ASSET_STATE ||
                     f == MAMORI_ASSET_ZONE || f == MAMORI_ASSET_SYSTEM)
                section = f;
            else
                mamori_asset_problem_add(pr, line, NULL,
                                         _("unknown section [%s]: use [columns] or a field whose "
                                           "values can be mapped (confidentiality, integrity, "
                                           "availability, type, unit, zone, system, state)"),
                                         l + 1);
            continue;
        }
        char *eq = strchr(l, '=');
        if (!eq || section == -2) {
            mamori_asset_problem_add(pr, line, NULL,
                                     section == -2 ? _("a line before any [section]")
                                                   : _("expected \"their word = mamori's\""));
            continue;
        }
        char *from = trim_copy(a, l, eq), *to = trim_copy(a, eq + 1, l + ll);
        if (!from || !to)
            return -ENOMEM;
        if (!*from) {
            mamori_asset_problem_add(pr, line, NULL, _("nothing before '='"));
            continue;
        }
        if (section == -1) {
            if (strcmp(to, "-") == 0) {
                /* a column to ignore: remembered as a value map of field -1 */
            } else {
                int f = mamori_asset_field_find(to);
                if (f < 0) {
                    mamori_asset_problem_add(pr, line, NULL,
                                             _("\"%s\" is not a field of the register"), to);
                    continue;
                }
                if (ret->column[f]) {
                    mamori_asset_problem_add(pr, line, NULL,
                                             _("field %s is mapped twice (\"%s\" and \"%s\")"),
                                             mamori_asset_field_names[f].key, ret->column[f], from);
                    continue;
                }
                ret->column[f] = from;
                continue;
            }
        }
        if (ret->n_values == cap) {
            cap = cap ? cap * 2 : 16;
            struct mamori_asset_value_map *v = mamori_arena_alloc(a, cap * sizeof(*v));
            if (!v)
                return -ENOMEM;
            if (ret->n_values)
                memcpy(v, ret->values, ret->n_values * sizeof(*v));
            ret->values = v;
        }
        ret->values[ret->n_values++] = (struct mamori_asset_value_map){section, from, to};
    }
    return pr->n > before ? MAMORI_E_INVALID : 0;
}

/* ---- rows to assets --------------------------------------------------------------------- */

int
mamori_asset_rows(const struct mamori_policy *p, const struct mamori_csv *csv,
                  const struct mamori_asset_mapping *m, struct mamori_arena *a,
                  struct mamori_store_asset **ret, size_t *ret_n, int *ret_aliased,
                  struct mamori_asset_problems *pr)
{
    *ret = NULL;
    *ret_n = 0;
    if (csv->n_rows == 0) {
        mamori_asset_problem_add(pr, 1, NULL, _("the file is empty (no header row)"));
        return MAMORI_E_INVALID;
    }
    size_t before = pr->n;
    char **hdr = csv->rows[0];
    size_t nh = csv->n_fields[0];
    int *field_of = mamori_arena_alloc(a, nh * sizeof(int));
    if (!field_of)
        return -ENOMEM;
    bool have[MAMORI_ASSET_FIELD_MAX] = {false};
    for (size_t c = 0; c < nh; c++) {
        const char *h = hdr[c];
        if (c == 0 && strncmp(h, "\xef\xbb\xbf", 3) == 0)
            h += 3;
        field_of[c] = -1;
        bool mapped = false;
        for (int f = 0; m && f < MAMORI_ASSET_FIELD_MAX; f++)
            if (m->column[f] && strcmp(m->column[f], h) == 0) {
                field_of[c] = f;
                mapped = true;
            }
        bool ignored = false;
        for (size_t k = 0; m && k < m->n_values; k++)
            ignored |= m->values[k].field == -1 && strcmp(m->values[k].from, h) == 0;
        for (size_t k = 0; k < MAMORI_ARRAY_SIZE(derived_headers); k++)
            ignored |= strcmp(derived_headers[k], h) == 0;
        if (!mapped && !ignored)
            field_of[c] = mamori_asset_field_find(h);
        if (field_of[c] < 0 && !ignored && *h)
            mamori_asset_problem_add(pr, 1, h,
                                     _("not a field of the register; map it in the mapping file "
                                       "(\"%s = field\") or ignore it (\"%s = -\")"),
                                     h, h);
        if (field_of[c] >= 0) {
            if (have[field_of[c]])
                mamori_asset_problem_add(pr, 1, h, _("a second column for field %s"),
                                         mamori_asset_field_names[field_of[c]].key);
            have[field_of[c]] = true;
        }
    }
    if (!have[MAMORI_ASSET_ID])
        mamori_asset_problem_add(pr, 1, NULL, _("no column holds the asset number (資産番号)"));
    if (pr->n > before)
        return MAMORI_E_INVALID;

    struct mamori_store_asset *v = mamori_arena_calloc(a, csv->n_rows, sizeof(*v));
    if (!v)
        return -ENOMEM;
    size_t n = 0;
    for (size_t r = 1; r < csv->n_rows; r++) {
        size_t row = r + 1, nf = csv->n_fields[r];
        bool blank = true;
        for (size_t c = 0; c < nf; c++)
            blank &= csv->rows[r][c][0] == '\0';
        if (blank)
            continue;
        if (nf > nh)
            mamori_asset_problem_add(pr, row, NULL, _("%zu fields, but the header has %zu columns"),
                                     nf, nh);
        struct mamori_store_asset *as = &v[n];
        for (size_t c = 0; c < nf && c < nh; c++) {
            int f = field_of[c];
            if (f < 0)
                continue;
            const char *val = unguard(csv->rows[r][c]);
            for (size_t k = 0; m && k < m->n_values; k++)
                if (m->values[k].field == f && strcmp(m->values[k].from, val) == 0)
                    val = m->values[k].to;
            as->f[f] = val;
        }
        for (int f = 0; f < MAMORI_ASSET_FIELD_MAX; f++)
            if (!as->f[f])
                as->f[f] = "";
        size_t first = pr->n;
        mamori_asset_normalize(p, as, a, pr, row, ret_aliased);
        for (size_t k = 0; k < n && *as->f[MAMORI_ASSET_ID]; k++)
            if (strcmp(v[k].f[MAMORI_ASSET_ID], as->f[MAMORI_ASSET_ID]) == 0) {
                mamori_asset_problem_add(pr, row,
                                         mamori_i18n_japanese() ? "資産番号" : "Asset number",
                                         _("%s appears twice in the file"), as->f[MAMORI_ASSET_ID]);
                break;
            }
        /* name the column as the file does ("機密" in a city's own layout) */
        for (size_t k = first; k < pr->n; k++) {
            int f = pr->v[k].column ? mamori_asset_field_find(pr->v[k].column) : -1;
            for (size_t c = 0; f >= 0 && c < nh; c++)
                if (field_of[c] == f) {
                    pr->v[k].column = hdr[c];
                    break;
                }
        }
        n++;
    }
    *ret = v;
    *ret_n = n;
    return pr->n > before ? MAMORI_E_INVALID : 0;
}

/* ---- mamori's layout -------------------------------------------------------------------- */

/* The Japanese name of a unit, zone or system when no other has it (import takes names back);
 * else its id. */
#define UNIQUE_NAME(arr, n, key)                                                                   \
    ({                                                                                             \
        const char *out_ = key;                                                                    \
        int hit_ = -1, same_ = 0;                                                                  \
        for (size_t i_ = 0; i_ < (n); i_++)                                                        \
            if ((arr)[i_].id && strcmp((arr)[i_].id, key) == 0)                                    \
                hit_ = (int)i_;                                                                    \
        const char *nm_ = hit_ >= 0 ? (arr)[hit_].name.ja : NULL;                                  \
        for (size_t i_ = 0; nm_ && i_ < (n); i_++)                                                 \
            same_ += ((arr)[i_].name.ja && strcmp((arr)[i_].name.ja, nm_) == 0) ||                 \
                     ((arr)[i_].name.en && strcmp((arr)[i_].name.en, nm_) == 0) ||                 \
                     ((arr)[i_].id && strcmp((arr)[i_].id, nm_) == 0);                             \
        if (nm_ && same_ == 1)                                                                     \
            out_ = nm_;                                                                            \
        out_;                                                                                      \
    })

int
mamori_asset_csv_header(struct mamori_buf *out)
{
    int r = 0;
    for (int f = 0; r == 0 && f < MAMORI_ASSET_FIELD_MAX; f++)
        r = mamori_csv_field(out, mamori_asset_field_names[f].ja, f == 0);
    for (size_t k = 0; r == 0 && k < 6; k++)
        r = mamori_csv_field(out, derived_headers[k], false);
    return r ? r : mamori_buf_puts(out, "\r\n");
}

int
mamori_asset_csv_row(const struct mamori_policy *p, const struct mamori_store_asset *a,
                     struct mamori_buf *out)
{
    int r = 0;
    for (int f = 0; r == 0 && f < MAMORI_ASSET_FIELD_MAX; f++) {
        const char *v = a->f[f] ? a->f[f] : "";
        if (f == MAMORI_ASSET_TYPE) {
            int t = mamori_asset_type_find(v);
            if (t >= 0)
                v = mamori_asset_types[t].ja;
        } else if (f == MAMORI_ASSET_UNIT) {
            v = UNIQUE_NAME(p->units, p->n_units, v);
        } else if (f == MAMORI_ASSET_ZONE && *v) {
            v = UNIQUE_NAME(p->zones, p->n_zones, v);
        } else if (f == MAMORI_ASSET_SYSTEM && *v) {
            v = UNIQUE_NAME(p->systems, p->n_systems, v);
        } else if (f == MAMORI_ASSET_STATE) {
            v = strcmp(v, "disposed") == 0 ? "廃棄済" : "使用中";
        }
        r = mamori_csv_field(out, v, f == 0);
    }
    char label[128];
    mamori_asset_label(p, a, true, label, sizeof(label));
    const char *ids[64];
    size_t n = mamori_asset_restrictions(p, a, ids, MAMORI_ARRAY_SIZE(ids));
    struct mamori_buf rs;
    mamori_buf_init(&rs, 1 << 16);
    for (size_t i = 0; i < n; i++) {
        int k = mamori_policy_find_restriction(p, ids[i]);
        const char *name = k >= 0 ? mamori_text_get(&p->restrictions[k].name, true) : ids[i];
        if (i)
            mamori_buf_puts(&rs, "、");
        mamori_buf_puts(&rs, name);
    }
    char created[32] = "", classified[32] = "";
    if (a->created_us)
        mamori_time_format(a->created_us, created);
    if (a->classified_us)
        mamori_time_format(a->classified_us, classified);
    const char *derived[] = {label,
                             rs.data ? rs.data : "",
                             a->created_by ? a->created_by : "",
                             created,
                             a->classified_by ? a->classified_by : "",
                             classified};
    for (size_t k = 0; r == 0 && k < 6; k++)
        r = mamori_csv_field(out, derived[k], false);
    mamori_buf_done(&rs);
    return r ? r : mamori_buf_puts(out, "\r\n");
}
