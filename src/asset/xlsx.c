/*
 * The 台帳 as an XLSX workbook (libxlsxwriter): mamori's layout, Japanese headers, one row per
 * asset, header row frozen and filtered. Cells are written as strings, so nothing a person
 * typed becomes a formula.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "mamori/asset.h"

int
mamori_asset_xlsx_write(const struct mamori_policy *p, const struct mamori_store_asset *rows,
                        size_t n, const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return -EIO;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "情報資産台帳");
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_bg_color(bold, 0xDDEBF7);
    int r = 0;
    struct mamori_buf line;
    mamori_buf_init(&line, 1 << 20);
    /* the header and rows as the CSV layout has them, split back into cells */
    for (size_t i = 0; r == 0 && i <= n; i++) {
        mamori_buf_reset(&line);
        r = i == 0 ? mamori_asset_csv_header(&line) : mamori_asset_csv_row(p, &rows[i - 1], &line);
        if (r < 0)
            break;
        struct mamori_arena *a = mamori_arena_new(1 << 20);
        struct mamori_csv csv;
        size_t bad;
        r = a ? mamori_csv_parse(line.data, line.len, a, &csv, &bad) : -ENOMEM;
        for (size_t c = 0; r == 0 && csv.n_rows == 1 && c < csv.n_fields[0]; c++) {
            const char *v = csv.rows[0][c];
            /* the CSV guard against formulas is not needed in a string cell */
            if (v[0] == '\'' && v[1])
                v++;
            if (worksheet_write_string(ws, (lxw_row_t)i, (lxw_col_t)c, v, i ? NULL : bold) !=
                LXW_NO_ERROR)
                r = -EIO;
        }
        mamori_arena_free(a);
    }
    mamori_buf_done(&line);
    if (r == 0) {
        worksheet_freeze_panes(ws, 1, 1);
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)n, MAMORI_ASSET_FIELD_MAX + 5);
        worksheet_set_column(ws, 0, 0, 14, NULL);
        worksheet_set_column(ws, 1, 1, 36, NULL);
        worksheet_set_column(ws, 2, MAMORI_ASSET_FIELD_MAX + 5, 14, NULL);
    }
    lxw_error e = workbook_close(wb);
    return r < 0 ? r : e == LXW_NO_ERROR ? 0 : -EIO;
}
