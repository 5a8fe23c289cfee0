/*
 * asset: 情報資産台帳 — the information-asset register, its classification, lifecycle events
 * and risks (基本方針 3, 4(2), 6(2)).
 *
 * Two layers. The rules (src/asset/rules.c) and the Excel exchange (src/asset/exchange.c) are
 * pure: they check and normalise an asset against the policy's classification scheme, compute
 * the levels of a combined asset (the highest per axis), the 取扱制限 a class implies, whether
 * a lifecycle event needs permission, a risk's impact and level, and read and write the 台帳
 * as CSV (CP932 or UTF-8) with a column mapping. The register (src/asset/register.c) applies
 * them to the store: every change and its audit record in one transaction, reclassification
 * kept as history, events approved by the policy's role and never by their requester.
 *
 * Results as in mamori/release.h: MAMORI_E_DENIED with *ret_why ("self-approval",
 * "wrong-role", "outside-unit", "not-allowed"), MAMORI_E_INVALID with the problems listed,
 * -ENOENT, -EEXIST, -EALREADY (not in the state the step needs), -EBUSY (decided meanwhile).
 */
#ifndef MAMORI_ASSET_H
#define MAMORI_ASSET_H

#include "mamori/instance.h"
#include "mamori/policy.h"
#include "mamori/store.h"

/* ---- names ------------------------------------------------------------------------------ */

/* Asset types of 基本方針 4(2): ① networks, systems, equipment, facilities, media; ② information
 * (electronic or printed); ③ system documents. */
struct mamori_asset_type {
    const char *id, *ja, *en;
    int group; /* 1, 2 or 3 */
};
extern const struct mamori_asset_type mamori_asset_types[];
extern const size_t mamori_n_asset_types;
/* By id, Japanese or English name; -1 when none. */
int mamori_asset_type_find(const char *label);

/* The register's fields: a short key (CLI key=value, the mapping file), the Japanese column
 * header of mamori's own layout (its export), an English header. */
struct mamori_asset_field_name {
    const char *key, *ja, *en;
};
extern const struct mamori_asset_field_name mamori_asset_field_names[MAMORI_ASSET_FIELD_MAX];
/* By key, Japanese or English header (and "confidentiality" etc.); -1 when none. */
int mamori_asset_field_find(const char *label);

/* Lifecycle events of 6(2): 作成, 入手, 利用, 保管, 送信, 運搬, 提供・公表, 廃棄. */
enum mamori_asset_event_kind {
    MAMORI_EVENT_CREATE,
    MAMORI_EVENT_OBTAIN,
    MAMORI_EVENT_USE,
    MAMORI_EVENT_STORE,
    MAMORI_EVENT_SEND,
    MAMORI_EVENT_CARRY,
    MAMORI_EVENT_PROVIDE,
    MAMORI_EVENT_DISPOSE,
    MAMORI_EVENT_MAX,
};
const char *mamori_asset_event_id(enum mamori_asset_event_kind k);
const char *mamori_asset_event_name(enum mamori_asset_event_kind k, bool ja);
int mamori_asset_event_find(const char *label);
/* The approval-matrix action of an event that may need permission ("asset.carry"), or NULL. */
const char *mamori_asset_event_action(enum mamori_asset_event_kind k);

/* ---- rules (pure) ----------------------------------------------------------------------- */

/* Problems found in input, each naming where: a row of an import (0 elsewhere), a column or
 * field, and what. Messages are translated; the list keeps at most max (then counts). */
struct mamori_asset_problem {
    size_t row;
    const char *column;
    const char *message;
};
struct mamori_asset_problems {
    struct mamori_arena *arena;
    struct mamori_asset_problem *v;
    size_t n, cap, max, dropped;
};
void mamori_asset_problems_init(struct mamori_asset_problems *pr, struct mamori_arena *a,
                                size_t max);
void mamori_asset_problem_add(struct mamori_asset_problems *pr, size_t row, const char *column,
                              const char *fmt, ...) MAMORI_PRINTF(4, 5);

/* Checks an asset as typed and normalises it in place (strings into arena): a type, unit,
 * zone or system given by name becomes its id, a level label its id ("機密性3A", an alias of
 * an older scheme), dates YYYY-MM-DD. Adds each problem for row; *ret_aliased counts levels
 * taken from an alias. Does not look at parts (the register resolves them). */
void mamori_asset_normalize(const struct mamori_policy *p, struct mamori_store_asset *a,
                            struct mamori_arena *arena, struct mamori_asset_problems *pr,
                            size_t row, int *ret_aliased);
/* The highest level per axis of parts (levels by id; "" when a part has none). */
void mamori_asset_combine(const struct mamori_policy *p,
                          const struct mamori_store_asset *const *parts, size_t n,
                          const char *ret_levels[MAMORI_AXIS_MAX]);
/* The 取扱制限 that apply: those of its levels, plus the added, less the removed ones. Fills
 * ret with restriction ids in the policy's order; returns how many. */
size_t mamori_asset_restrictions(const struct mamori_policy *p, const struct mamori_store_asset *a,
                                 const char **ret, size_t max);
/* The label to print on it: "機密性3A 完全性2 可用性2" (English: "C3A I2 A2"). */
void mamori_asset_label(const struct mamori_policy *p, const struct mamori_store_asset *a, bool ja,
                        char *out, size_t n);
/* Whether the asset is above the lowest confidentiality level (機密性2 or above in the
 * guideline's scheme): carrying, providing or disposing of it needs permission. */
bool mamori_asset_sensitive(const struct mamori_policy *p, const struct mamori_store_asset *a);
/* The rank of a level for risk: 3 for 機密性3A-3C (a level id starting with 3), 2, 1; for a
 * scheme without numbers, counted from the lowest level (1). */
int mamori_asset_level_rank(const struct mamori_policy *p, enum mamori_axis_id axis,
                            const char *id);
/* A threat's impact on the asset, 1-3: the highest rank of the axes the threat's class
 * harms (intentional and accidental: all three; disasters, pandemics, infrastructure:
 * availability). */
int mamori_asset_impact(const struct mamori_policy *p, const struct mamori_store_asset *a,
                        const struct mamori_threat *t);
/* likelihood × impact (1-9) and its band: "low" (1-2), "medium" (3-4), "high" (6-9). */
const char *mamori_risk_band(int64_t level);
extern const char *const mamori_risk_treatments[]; /* reduce, accept, transfer, avoid, NULL */

/* Who may register and change assets of a unit: its section and department managers, the
 * system administrators and staff of it or of a unit above, the CISO and 統括 anywhere. */
bool mamori_asset_may_edit(const struct mamori_policy *p, const struct mamori_store_person *actor,
                           const char *unit);

/* ",a,b,c,": the unit and every unit below it (a department and its sections), for
 * mamori_store_asset_filter.units; -ENOENT when the policy has no such unit. */
int mamori_asset_units_below(const struct mamori_policy *p, const char *unit,
                             struct mamori_arena *a, const char **ret);

/* ---- exchange with Excel (pure) --------------------------------------------------------- */

/* A CSV file as rows of fields (RFC 4180: quotes, doubled quotes, CRLF or LF). */
struct mamori_csv {
    char ***rows;
    size_t *n_fields;
    size_t n_rows;
};
/* Decodes a 台帳 file to UTF-8: a UTF-8 BOM or valid UTF-8 as it is, else CP932 (windows-31j);
 * MAMORI_E_INVALID with *ret_line (1-based) at the first byte that is neither. */
int mamori_asset_decode(const char *data, size_t len, struct mamori_arena *a, char **ret,
                        size_t *ret_len, const char **ret_encoding, size_t *ret_line);
/* MAMORI_E_INVALID with *ret_line when a quoted field never ends; MAMORI_E_LIMIT past
 * 1,000,000 rows, 256 fields or 64 KiB in a field. */
int mamori_csv_parse(const char *data, size_t len, struct mamori_arena *a, struct mamori_csv *ret,
                     size_t *ret_line);
/* Appends one field, quoted when it needs to be; a value starting with = + - @ (a formula to
 * Excel) gets a leading ' which import takes away again. */
int mamori_csv_field(struct mamori_buf *out, const char *s, bool first);

/* The city's own 台帳 layout: which column holds which field, and their own words for levels
 * ("極秘" -> 3A). Text format (docs/assets.md):
 *     [columns]        台帳の見出し = field key
 *     [confidentiality] [integrity] [availability] [type] [unit]   their word = mamori's id */
struct mamori_asset_mapping {
    const char *column[MAMORI_ASSET_FIELD_MAX]; /* header in the file; NULL: mamori's own */
    struct mamori_asset_value_map {
        int field;
        const char *from, *to;
    } * values;
    size_t n_values;
};
/* MAMORI_E_INVALID with the problems (row = line of the mapping file). */
int mamori_asset_mapping_parse(const char *text, size_t len, struct mamori_arena *a,
                               struct mamori_asset_mapping *ret, struct mamori_asset_problems *pr);
/* Turns the rows of a 台帳 (first row: headers) into assets, normalised and checked against
 * the policy; every problem of every row is added (rows numbered as in the file, the header
 * being row 1). mapping may be NULL (mamori's layout). Columns mamori derives itself (ラベル,
 * 取扱制限, 登録者 ...) are ignored. */
int mamori_asset_rows(const struct mamori_policy *p, const struct mamori_csv *csv,
                      const struct mamori_asset_mapping *mapping, struct mamori_arena *a,
                      struct mamori_store_asset **ret, size_t *ret_n, int *ret_aliased,
                      struct mamori_asset_problems *pr);
/* The header row and one row per asset of mamori's layout, in UTF-8: the fields, then the
 * derived label and restrictions. */
int mamori_asset_csv_header(struct mamori_buf *out);
int mamori_asset_csv_row(const struct mamori_policy *p, const struct mamori_store_asset *a,
                         struct mamori_buf *out);
/* UTF-8 to CP932 for Excel; MAMORI_E_INVALID with *ret_cp for a character CP932 lacks. */
int mamori_asset_to_cp932(const char *s, size_t n, struct mamori_buf *out, uint32_t *ret_cp,
                          size_t *ret_line);

/* Writes an XLSX workbook (libxlsxwriter) of mamori's layout with Japanese headers, one row
 * per asset, to path (src/asset/xlsx.c). */
int mamori_asset_xlsx_write(const struct mamori_policy *p, const struct mamori_store_asset *rows,
                            size_t n, const char *path);

/* ---- the register (store, audit log) ---------------------------------------------------- */

/* Registers a new asset (normalised and checked; parts resolved and levels computed).
 * MAMORI_E_INVALID with pr filled; MAMORI_E_DENIED when actor may not edit its unit. */
int mamori_asset_add(struct mamori_instance *inst, const struct mamori_policy *p,
                     const struct mamori_store_person *actor, struct mamori_store_asset *a,
                     struct mamori_asset_problems *pr);
/* Changes fields of an asset: changes[i] non-NULL replaces field i. A change of level or
 * parts is a reclassification (history kept; reason required) and recomputes the combined
 * assets that include it. The id cannot change. */
int mamori_asset_change(struct mamori_instance *inst, const struct mamori_policy *p,
                        const struct mamori_store_person *actor, const char *id,
                        const char *const changes[MAMORI_ASSET_FIELD_MAX], const char *reason,
                        struct mamori_asset_problems *pr);
/* Imports rows all or nothing: new ids are added, known ones changed (reclassification kept
 * as history). dry_run: checks everything, writes nothing. Counts in ret_added/ret_changed. */
int mamori_asset_import(struct mamori_instance *inst, const struct mamori_policy *p,
                        const struct mamori_store_person *actor, struct mamori_store_asset *rows,
                        size_t n, bool dry_run, size_t *ret_added, size_t *ret_changed,
                        struct mamori_asset_problems *pr);

/* A lifecycle event. Carrying, providing or disposing of a sensitive asset is "requested"
 * (the approver of asset.<kind> decides); every other event is "recorded" at once. Disposal
 * needs date, person and method. */
int mamori_asset_event(struct mamori_instance *inst, const struct mamori_policy *p,
                       const struct mamori_store_person *actor, struct mamori_store_asset_event *e,
                       int64_t *ret_id, struct mamori_asset_problems *pr);
int mamori_asset_event_may_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                                  const struct mamori_store_person *actor,
                                  const struct mamori_store_asset_event *e, const char **ret_why);
/* Approves or denies a requested event; an approved disposal marks the asset disposed. */
int mamori_asset_event_decide(struct mamori_instance *inst, const struct mamori_policy *p,
                              const struct mamori_store_person *actor, int64_t id, bool approve,
                              const char *note, const char **ret_why);

/* Registers a risk (impact derived from the asset's class; level likelihood × impact). */
int mamori_risk_add(struct mamori_instance *inst, const struct mamori_policy *p,
                    const struct mamori_store_person *actor, struct mamori_store_risk *k,
                    int64_t *ret_id, struct mamori_asset_problems *pr);
/* Accepts a risk whose treatment is "accept", until a date: by the role of risk.accept, never
 * by who registered it. */
int mamori_risk_accept(struct mamori_instance *inst, const struct mamori_policy *p,
                       const struct mamori_store_person *actor, int64_t id, const char *until,
                       const char **ret_why, struct mamori_asset_problems *pr);

#endif
