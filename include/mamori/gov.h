/*
 * gov: the governance registers of 基本方針 5–10 as workflows (docs/internals/gov.md).
 *
 * Each register (incidents, 例外措置, staff, training, contractors, 再委託, cloud services, SNS
 * accounts, audits, findings, documents, reviews, server-room entries) is a kind declared as
 * data: typed fields, states, and the steps between states with who may take each and what
 * must be recorded first. One engine checks and records them; rules that are particular to a
 * kind (an incident's statutory deadlines, an auditor's independence, ISMAP for a cloud service
 * holding 機密性2 information) are pure functions here. Every step is an audit record.
 */
#ifndef MAMORI_GOV_H
#define MAMORI_GOV_H

#include <stdbool.h>
#include <stdint.h>

#include "mamori/core.h"
#include "mamori/instance.h"
#include "mamori/policy.h"
#include "mamori/store.h"

#define MAMORI_GOV_MAX_FIELDS 40
#define MAMORI_GOV_MAX_VALUE  4000 /* bytes of one field */

enum mamori_gov_type {
    MAMORI_GOV_TEXT,     /* one line */
    MAMORI_GOV_LONGTEXT, /* lines allowed */
    MAMORI_GOV_DATE,     /* YYYY-MM-DD */
    MAMORI_GOV_DATETIME, /* YYYY-MM-DD HH:MM (JST) */
    MAMORI_GOV_BOOL,     /* yes / no (はい / いいえ, true / false accepted) */
    MAMORI_GOV_INT,      /* 0 or more */
    MAMORI_GOV_ENUM,     /* one of values ("a|b|c") */
    MAMORI_GOV_PERSON,   /* a person id of the instance */
    MAMORI_GOV_PERSONS,  /* person ids, comma separated */
    MAMORI_GOV_UNIT,     /* a unit of the policy */
    MAMORI_GOV_UNITS,    /* units, comma separated */
    MAMORI_GOV_ROLES,    /* role ids, comma separated */
    MAMORI_GOV_ZONE,     /* a zone of the policy */
    MAMORI_GOV_ASSETS,   /* asset ids, comma separated */
    MAMORI_GOV_REF,      /* a record of the kind named in values */
    MAMORI_GOV_REFS,     /* records of that kind, comma separated */
};

enum {
    MAMORI_GOV_REQUIRED = 1 << 0, /* given when the record is made */
    MAMORI_GOV_DERIVED = 1 << 1,  /* computed by mamori; never typed */
    MAMORI_GOV_STEP = 1 << 2,     /* set by a step (acknowledge, check), not by edit */
};

struct mamori_gov_field { // NOLINT(clang-analyzer-optin.performance.Padding): kinds.c's order
    const char *key;
    const char *ja, *en;
    enum mamori_gov_type type;
    const char *values; /* ENUM: "a|b|c"; REF/REFS: the kind id */
    unsigned flags;
};

struct mamori_gov_state {
    const char *id, *ja, *en;
    bool closed; /* nothing more happens (no reminders) */
};

/* A step between states. who: "*" anyone who may act on the record's unit; "|r1|r2|" one of
 * those roles; "approval:ACTION" the approver of ACTION in the policy's matrix, never the one
 * who made the record (兼務の禁止). needs: "|f1|f2|" fields that must hold a value after the
 * step's own values are applied. */
struct mamori_gov_step_def {
    const char *action;
    const char *from; /* "|s1|s2|" */
    const char *to;   /* NULL: the state does not change */
    const char *who;
    const char *needs;
    const char *ja, *en;
};

struct mamori_gov_kind {
    const char *id, *prefix; /* "incident", "INC" */
    const char *ja, *en;
    const char *clause;   /* 基本方針 clause */
    const char *verb;     /* the CLI's word for making one: "add", "open", "request" */
    const char *creators; /* who may make one: "*" or "|role|role|" */
    bool id_given;        /* the id is the caller's (staff numbers), not numbered by mamori */
    const struct mamori_gov_field *fields;
    size_t n_fields;
    const struct mamori_gov_state *states; /* states[0] is the initial state */
    size_t n_states;
    const struct mamori_gov_step_def *steps;
    size_t n_steps;
};

extern const struct mamori_gov_kind *const mamori_gov_kinds[];
extern const size_t mamori_gov_n_kinds;

const struct mamori_gov_kind *mamori_gov_kind_find(const char *id);
int mamori_gov_field_find(const struct mamori_gov_kind *k, const char *key_or_label);
const struct mamori_gov_state *mamori_gov_state_find(const struct mamori_gov_kind *k,
                                                     const char *id);
const struct mamori_gov_step_def *mamori_gov_step_find(const struct mamori_gov_kind *k,
                                                       const char *action);
/* The step that leaves state along the kind's order (an incident's "advance"), or NULL. */
const struct mamori_gov_step_def *mamori_gov_step_next(const struct mamori_gov_kind *k,
                                                       const char *state);
/* Does role act for the whole organisation (CISO, 統括, CSIRT, 委員会, auditors, システム管理者)
 * rather than for one unit? */
bool mamori_gov_org_wide(const char *role);
/* Now in JST as a record's date-time, "YYYY-MM-DD HH:MM" (17 bytes with the NUL). */
void mamori_gov_now(char out[24]);
/* A record time (UTC microseconds) the same way. */
void mamori_gov_time(int64_t us, char out[24]);
/* "|a|b|" contains word? */
bool mamori_gov_listed(const char *list, const char *word);

/* One record: the columns the store indexes and every field by index ("" when unset). */
struct mamori_gov_record {
    const struct mamori_gov_kind *kind;
    const char *id, *state, *unit, *title, *created_by;
    int64_t created_us, updated_us;
    const char *v[MAMORI_GOV_MAX_FIELDS];
};

/* ---- pure rules (rules.c) ---------------------------------------------------------------- */

/* Where a record's field is wrong, for the caller to print: field key (NULL for the record)
 * and the message. */
struct mamori_gov_problem {
    const char *field;
    char msg[320];
};
struct mamori_gov_problems {
    struct mamori_gov_problem v[32];
    size_t n;
};
void mamori_gov_problem(struct mamori_gov_problems *pr, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What the rules need to know of the world beyond the record. */
struct mamori_gov_world {
    const struct mamori_policy *policy;
    int32_t today; /* days since 1970-01-01, JST */
    /* looks a person up: 0 and their role/unit, -ENOENT, or another error */
    int (*person)(void *ctx, const char *id, const char **ret_role, const char **ret_unit,
                  bool *ret_disabled);
    int (*asset)(void *ctx, const char *id); /* 0 known, -ENOENT */
    /* another record's state: 0, -ENOENT */
    int (*record_state)(void *ctx, const char *kind, const char *id, const char **ret_state);
    void *ctx;
    struct mamori_arena *arena;
};

/* Checks and normalises the value of field f as typed (dates, yes/no, units by name or id,
 * lists trimmed); *ret is the stored form (in the world's arena). */
int mamori_gov_value(const struct mamori_gov_world *w, const struct mamori_gov_kind *k, int f,
                     const char *in, const char **ret, struct mamori_gov_problems *pr);
/* The derived fields (an incident's reportability and deadlines) from the others. */
void mamori_gov_derive(const struct mamori_gov_world *w, struct mamori_gov_record *r);
/* The kind's own rules over a whole record about to be stored by action (NULL: add or edit):
 * problems added; MAMORI_E_INVALID when any. */
int mamori_gov_check(const struct mamori_gov_world *w, const struct mamori_gov_record *r,
                     const char *action, struct mamori_gov_problems *pr);

/* An incident is reportable to the 個人情報保護委員会 (要配慮, 財産的被害, 不正目的, > 100
 * people): the statutory deadlines and nine items apply. */
bool mamori_gov_incident_reportable(const struct mamori_gov_record *r);
extern const char *const mamori_gov_statutory_items[9]; /* field keys s1..s9 */

/* Something due or wrong about a record on a day: what, for whom, by when. */
struct mamori_gov_flag {
    const char *code; /* "deadline-prompt", "leaver-accounts", "sns-no-mfa" ... */
    char text_ja[200], text_en[200];
    char due[11]; /* YYYY-MM-DD or "" */
    bool overdue;
    const char *who;  /* a person id, or "" for the role below */
    const char *role; /* the role that answers it at the record's unit */
};
/* The flags of a record on today; returns how many were written (at most max). */
size_t mamori_gov_flags(const struct mamori_gov_world *w, const struct mamori_gov_record *r,
                        struct mamori_gov_flag *out, size_t max);

/* ---- the register over the store (register.c) -------------------------------------------- */

struct mamori_gov_kv {
    const char *key, *value;
};

struct mamori_gov_evidence;
/* Makes a record of kind from key=value pairs (keys or Japanese labels); *ret_id is its id.
 * file (may be NULL): a document's kept file (mamori_gov_file_keep), for kinds with one. */
int mamori_gov_add(struct mamori_instance *inst, const struct mamori_policy *p,
                   const struct mamori_store_person *actor, const struct mamori_gov_kind *k,
                   const char *id, const struct mamori_gov_kv *kv, size_t n,
                   const struct mamori_gov_evidence *file, struct mamori_arena *a,
                   const char **ret_id, const char **ret_why, struct mamori_gov_problems *pr);
/* Changes fields of a record (not its state). */
int mamori_gov_edit(struct mamori_instance *inst, const struct mamori_policy *p,
                    const struct mamori_store_person *actor, const struct mamori_gov_kind *k,
                    const char *id, const struct mamori_gov_kv *kv, size_t n, const char *note,
                    struct mamori_arena *a, struct mamori_gov_problems *pr);
/* Takes a step (action "advance" = the next stage) with values given at that step and a note.
 * evidence (may be NULL): a file's name and SHA-256 kept with the step. MAMORI_E_DENIED with
 * *ret_why when the actor may not ("self-approval", "wrong-role", "outside-unit",
 * "auditor-not-independent" ...), the refusal on the record too. */
struct mamori_gov_evidence {
    const char *name, *sha256;
    int64_t size;
};
int mamori_gov_act(struct mamori_instance *inst, const struct mamori_policy *p,
                   const struct mamori_store_person *actor, const struct mamori_gov_kind *k,
                   const char *id, const char *action, const struct mamori_gov_kv *kv, size_t n,
                   const char *note, const struct mamori_gov_evidence *ev, struct mamori_arena *a,
                   const char **ret_state, const char **ret_why, struct mamori_gov_problems *pr);
/* Keeps a file (a policy document, an incident's evidence) in the instance as
 * DIR/files/SHA256, never overwritten; ev gets its name, hash and size (strings in a). */
int mamori_gov_file_keep(struct mamori_instance *inst, const char *name, const void *data,
                         size_t len, struct mamori_arena *a, struct mamori_gov_evidence *ev);
/* A kept file read back and checked against its hash (MAMORI_E_TAMPERED when it differs);
 * *ret malloc'd. */
int mamori_gov_file_read(struct mamori_instance *inst, const char *sha256, char **ret,
                         size_t *ret_len);
/* The current (last approved) 基本方針: its id and SHA-256, NULL when none. */
/* The roles a person holds now by appointment (兼務), beside their own: up to max spans into
 * ret (strings in a); the count, or a negative error. */
int mamori_gov_appointments(struct mamori_instance *inst, const char *person,
                            struct mamori_arena *a, struct mamori_store_role_span *ret, size_t max);
/* The person acting in role: their own, or one they hold by appointment (then *person gets
 * that role and the appointment's unit, when it names one). MAMORI_E_DENIED when they hold no
 * such appointment. */
int mamori_gov_act_in(struct mamori_instance *inst, const char *role, struct mamori_arena *a,
                      struct mamori_store_person *person);
int mamori_gov_basic_doc(struct mamori_instance *inst, const struct mamori_policy *p,
                         struct mamori_arena *a, const char **ret_id, const char **ret_sha256);
int mamori_gov_get(struct mamori_instance *inst, const struct mamori_gov_kind *k, const char *id,
                   struct mamori_arena *a, struct mamori_gov_record *ret);
typedef int (*mamori_gov_record_cb)(void *ctx, const struct mamori_gov_record *r);
/* Records of a kind (all kinds when k is NULL), filtered by state and unit (and below) when
 * given, in id order. */
int mamori_gov_iterate(struct mamori_instance *inst, const struct mamori_policy *p,
                       const struct mamori_gov_kind *k, const char *state, const char *unit,
                       mamori_gov_record_cb cb, void *ctx);
/* The steps of a record, oldest first. */
int mamori_gov_steps(struct mamori_instance *inst, const struct mamori_gov_kind *k, const char *id,
                     mamori_store_gov_step_cb cb, void *ctx);
/* The world of the rules over an instance (persons, assets, records from its store). */
void mamori_gov_world_init(struct mamori_gov_world *w, struct mamori_instance *inst,
                           const struct mamori_policy *p, struct mamori_arena *a);
/* May actor see the record? (実施手順 only to the roles it names.) */
bool mamori_gov_may_see(const struct mamori_gov_record *r, const struct mamori_store_person *actor);
/* The record as JSON (fields by key, flags of today). */
void mamori_gov_json(const struct mamori_gov_world *w, struct mamori_json *j,
                     const struct mamori_gov_record *r, bool with_flags);

/* ---- reminders (remind.c) ---------------------------------------------------------------- */

/* Something due about a record, before it is resolved to persons: for flag.who, or for
 * flag.role at unit. */
struct mamori_gov_due {
    const char *kind, *id, *title, *unit;
    struct mamori_gov_flag flag;
};
/* Everything overdue or due within the policy's remind_days on `today`: the governance
 * registers' flags, training per staff member (one interval after joining, then after the
 * last session), acknowledgement of the current approved 基本方針, the asset and risk
 * registers' reviews. *ret malloc'd; strings in a. */
int mamori_gov_dues(struct mamori_instance *inst, const struct mamori_policy *p, int32_t today,
                    struct mamori_gov_due **ret, size_t *ret_n, struct mamori_arena *a);

struct mamori_gov_reminder {
    const char *person; /* the person it is for */
    const char *kind, *id, *title;
    struct mamori_gov_flag flag;
};
/* The dues resolved to the enabled persons who answer (named, or holding the role at the
 * record's unit or above it; organisation-wide roles everywhere). Sorted by person, overdue
 * first. *ret malloc'd; strings in a. */
int mamori_gov_reminders(struct mamori_instance *inst, const struct mamori_policy *p, int32_t today,
                         struct mamori_gov_reminder **ret, size_t *ret_n, struct mamori_arena *a);
/* Mails each person their reminders (one message each, Japanese then English) through relay
 * ("inet:HOST:PORT" or "unix:PATH"); persons without a mail address are skipped. Each send is
 * an audit record (remind.mail sent/failed). */
int mamori_gov_remind_mail(struct mamori_instance *inst, const struct mamori_gov_reminder *v,
                           size_t n, const char *relay, size_t *ret_sent, size_t *ret_failed);

/* ---- reports (report.c) ------------------------------------------------------------------ */

enum mamori_report_kind {
    MAMORI_REPORT_INSPECTION,
    MAMORI_REPORT_AUDIT,
    MAMORI_REPORT_INCIDENTS,
    MAMORI_REPORT_REGISTER,
};
int mamori_report_kind_find(const char *id);
/* The report as a self-contained HTML page (Japanese, inline SVG charts) into out. */
int mamori_report_html(struct mamori_instance *inst, const struct mamori_policy *p,
                       enum mamori_report_kind kind, int year, struct mamori_buf *out);
/* The same tables as an XLSX workbook at path. */
int mamori_report_xlsx(struct mamori_instance *inst, const struct mamori_policy *p,
                       enum mamori_report_kind kind, int year, const char *path);

#endif
