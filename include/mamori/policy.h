/*
 * mamori policy: the city's technical security policy as a typed model.
 *
 * One YAML file (mamori.yaml) describes the municipality, the classification scheme, roles
 * and the approval matrix, organisational units, the zones of the three-layer separation,
 * network segments, systems, services and the flow rules between zones. This module parses
 * it (bytes in, model and diagnostics out, no I/O), checks every rule of DESIGN.md §2 with
 * the clause of the 基本方針 it protects, and answers flow questions:
 *
 *     mamori_policy_parse(yaml, len, "mamori.yaml", today, &policy, &diags);
 *     mamori_flow_decide(policy, "internet", "lgwan", "smtp", today, &decision);
 *         -> decision.method == MAMORI_METHOD_MAIL_TEXT, decision.rule = "mail-in"
 *
 * SECURITY: the policy file is trusted to be the city's intent, not trusted to be well
 * formed. The parser bounds its size and memory (arena budget), rejects YAML aliases (so a
 * small file cannot expand into a huge one) and never guesses: anything it does not
 * understand is a diagnostic.
 */
#ifndef MAMORI_POLICY_H
#define MAMORI_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/core.h"

#define MAMORI_POLICY_MAX_BYTES   ((size_t)8 * 1024 * 1024)
#define MAMORI_POLICY_ARENA_BYTES ((size_t)64 * 1024 * 1024)
#define MAMORI_POLICY_MAX_DEPTH   16
#define MAMORI_POLICY_VERSION     1

enum mamori_zone_kind {
    MAMORI_ZONE_MYNUMBER, /* マイナンバー利用事務系 */
    MAMORI_ZONE_LGWAN,    /* LGWAN接続系 */
    MAMORI_ZONE_INTERNET, /* インターネット接続系 */
    MAMORI_ZONE_KIND_MAX,
};

enum mamori_method {
    MAMORI_METHOD_DIRECT,
    MAMORI_METHOD_DENY,
    MAMORI_METHOD_MAIL_TEXT,         /* メールテキスト化 */
    MAMORI_METHOD_FILE_SANITIZE,     /* ファイル無害化 */
    MAMORI_METHOD_SCREEN_TRANSFER,   /* 画面転送 */
    MAMORI_METHOD_NATIONAL_SPECIFIC, /* 国が認めた特定通信 */
    MAMORI_METHOD_PINNED_EXCEPTION,  /* IP・MAC・ポート固定の例外 */
    MAMORI_METHOD_MAX,
};

enum mamori_netmodel {
    MAMORI_NETMODEL_ALPHA,
    MAMORI_NETMODEL_ALPHA_PRIME,
    MAMORI_NETMODEL_BETA,
    MAMORI_NETMODEL_BETA_PRIME,
    MAMORI_NETMODEL_MAX,
};

enum mamori_url_mode {
    MAMORI_URL_DEFANG,
    MAMORI_URL_KEEP,
    MAMORI_URL_REMOVE,
    MAMORI_URL_MODE_MAX,
};

enum mamori_axis_id {
    MAMORI_AXIS_CONFIDENTIALITY, /* 機密性 */
    MAMORI_AXIS_INTEGRITY,       /* 完全性 */
    MAMORI_AXIS_AVAILABILITY,    /* 可用性 */
    MAMORI_AXIS_MAX,
};

struct mamori_pos {
    uint32_t line; /* 1-based; 0 for built-in entries */
    uint32_t col;
};

/* A display name: Japanese first, English optional. */
struct mamori_text {
    const char *ja;
    const char *en;
};

/* A reference by id to another entry, resolved by the checker (index -1 until then). */
struct mamori_ref {
    const char *name;
    struct mamori_pos pos;
    int index;
};

struct mamori_cidr {
    uint8_t addr[16];
    uint8_t family; /* 4 or 6 */
    uint8_t prefix;
};

struct mamori_port_range {
    uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP; 0 = any */
    uint16_t lo;
    uint16_t hi;
};

struct mamori_restriction {
    const char *id;
    struct mamori_text name;
    struct mamori_pos pos;
};

struct mamori_level {
    const char *id; /* "3A", "2", ... */
    struct mamori_text name;
    struct mamori_text definition;
    struct mamori_ref *restrictions;
    size_t n_restrictions;
    const char *maps_to; /* a level of another scheme this one corresponds to */
    /* Other labels of this level accepted on import (an older scheme's "3", "極秘"). */
    const char **aliases;
    size_t n_aliases;
    struct mamori_pos pos;
};

/* The five classes of threat of 基本方針 3. */
enum mamori_threat_class {
    MAMORI_THREAT_INTENTIONAL = 1, /* (1) サイバー攻撃、部外者の侵入、内部不正等 */
    MAMORI_THREAT_ACCIDENTAL, /* (2) 規定違反、設計の不備、操作ミス、機器故障等 */
    MAMORI_THREAT_DISASTER,       /* (3) 地震、落雷、火災等の災害 */
    MAMORI_THREAT_PANDEMIC,       /* (4) 疾病による要員不足 */
    MAMORI_THREAT_INFRASTRUCTURE, /* (5) 電力・通信・水道の途絶 */
};

/* A threat of the catalogue: the built-in ones of clause 3, renamed or extended by the
 * policy's `threats`. */
struct mamori_threat {
    const char *id;
    int64_t threat_class; /* enum mamori_threat_class */
    struct mamori_text name;
    const char **examples;
    size_t n_examples;
    bool builtin;
    struct mamori_pos pos;
};

/* The asset register's rules: how often an asset's classification and a risk are reviewed. */
struct mamori_asset_rules {
    int64_t review_months;      /* default 12 */
    int64_t risk_review_months; /* default 12 */
};

/* The governance registers' rules (基本方針 5–10): days and intervals the reminders use. */
struct mamori_gov_rules {
    int64_t incident_prompt_days; /* 速報 within this many days of 認知; default 3 */
    int64_t leaver_days;          /* a leaver's accounts removed within; default 5 */
    int64_t remind_days;          /* remind this many days before a due date; default 14 */
    int64_t review_months;        /* exceptions, services, documents reviewed; default 12 */
};

struct mamori_axis {
    struct mamori_level *levels; /* ordered from the highest level down */
    size_t n_levels;
    struct mamori_pos pos;
};

struct mamori_role {
    const char *id;
    struct mamori_text name;
    bool builtin;
    struct mamori_pos pos;
};

struct mamori_approval {
    const char *action;
    struct mamori_ref approver; /* a role */
    struct mamori_pos pos;
};

struct mamori_unit {
    const char *id;
    struct mamori_text name;
    struct mamori_ref parent;
    struct mamori_pos pos;
};

struct mamori_zone {
    const char *id;
    struct mamori_text name;
    struct mamori_ref parent; /* sub-zones only */
    enum mamori_zone_kind kind;
    int depth; /* 1 for a standard zone, 2 for its sub-zone, ... */
    struct mamori_pos pos;
};

struct mamori_segment {
    const char *id;
    struct mamori_ref zone;
    struct mamori_cidr cidr;
    const char *interface;
    int64_t vlan; /* 0 = none */
    struct mamori_pos pos;
};

struct mamori_system {
    const char *id;
    struct mamori_text name;
    struct mamori_ref zone;
    struct mamori_ref owner; /* a unit */
    struct mamori_cidr *hosts;
    size_t n_hosts;
    struct mamori_pos pos;
};

struct mamori_service {
    const char *id;
    struct mamori_text name;
    struct mamori_port_range *ports;
    size_t n_ports;
    bool builtin;
    struct mamori_pos pos;
};

enum mamori_endpoint_kind {
    MAMORI_ENDPOINT_ZONE,
    MAMORI_ENDPOINT_SEGMENT,
    MAMORI_ENDPOINT_SYSTEM,
    MAMORI_ENDPOINT_KIND_MAX,
};

struct mamori_pins {
    struct mamori_cidr *src;
    size_t n_src;
    struct mamori_cidr *dst;
    size_t n_dst;
    const char **mac;
    size_t n_mac;
    struct mamori_pos pos;
};

struct mamori_flow {
    const char *id;
    struct mamori_ref from;
    struct mamori_ref to;
    struct mamori_ref via;      /* a zone, national_specific only */
    struct mamori_ref gateway;  /* the system carrying a mediated flow (mail_text, ...) */
    struct mamori_ref service;  /* "any" resolves to index -2 */
    int64_t method;             /* enum mamori_method */
    struct mamori_ref approver; /* a role */
    int32_t expiry;             /* days since epoch; 0 = none */
    const char *clause;         /* 基本方針 clause, e.g. "6(3)②" */
    struct mamori_text note;
    struct mamori_pins pins; /* present when pins.pos.line != 0 */
    /* Resolved by the checker. */
    enum mamori_endpoint_kind from_kind, to_kind;
    int from_zone, to_zone; /* zone index of each endpoint */
    struct mamori_pos pos;
};

struct mamori_limits {
    int64_t max_depth; /* MIME nesting */
    int64_t max_parts;
    int64_t max_header_bytes;
    int64_t max_message_bytes;
    int64_t max_decoded_bytes;
};

/* Settings for mail from one sender domain (a trusted partner, say). It changes how links
 * are shown, never whether the mail is sanitized. */
struct mamori_sender_rule {
    const char *domain; /* matches the domain and its subdomains */
    int64_t urls;       /* 0: as the policy says; else enum mamori_url_mode + 1 */
    int64_t mailto;
    struct mamori_text note;
    struct mamori_pos pos;
};

/* How a released original reaches its recipient. */
enum mamori_release_method {
    MAMORI_RELEASE_BOTH, /* as the person chooses */
    MAMORI_RELEASE_MAIL, /* into their LGWAN mailbox only */
    MAMORI_RELEASE_FILE, /* as a file only */
    MAMORI_RELEASE_MAX,
};
extern const char *const mamori_release_method_ids[MAMORI_RELEASE_MAX + 1];

/* How a file sanitized on its way in reaches the LGWAN side (ファイル無害化転送). */
enum mamori_transfer_rule { MAMORI_TRANSFER_APPROVAL, MAMORI_TRANSFER_DIRECT };
/* How a PDF crosses: rebuilt from its rendered pages (default for the LGWAN zone) or cleaned
 * of what acts while keeping its text. */
enum mamori_pdf_rule { MAMORI_PDF_REBUILD, MAMORI_PDF_CLEAN };
/* Legacy Office (doc, xls, ppt) and RTF: converted to PDF by LibreOffice (then rebuilt), or
 * blocked. */
enum mamori_legacy_office_rule { MAMORI_LEGACY_OFFICE_CONVERT, MAMORI_LEGACY_OFFICE_BLOCK };
/* A file whose name has a double extension or promises another type than its content: blocked,
 * or only reported (a name with bidi controls is always blocked). */
enum mamori_name_check_rule { MAMORI_NAME_CHECK_BLOCK, MAMORI_NAME_CHECK_REPORT };

struct mamori_sanitize {
    int64_t release;       /* enum mamori_release_method */
    int64_t transfer;      /* enum mamori_transfer_rule: approval (file.release) or direct */
    int64_t pdf;           /* enum mamori_pdf_rule */
    int64_t pdf_dpi;       /* rendering resolution of a rebuild; default 150 */
    int64_t legacy_office; /* enum mamori_legacy_office_rule */
    int64_t name_checks;   /* enum mamori_name_check_rule */
    int64_t url_mode;      /* enum mamori_url_mode */
    int64_t mailto_mode;
    struct mamori_limits limits;
    struct mamori_sender_rule *senders;
    size_t n_senders;
};

struct mamori_retention {
    int64_t originals_days;
    int64_t audit_log_years;
};

/* 監視 (6(3)③, 6(7)): where the firewall logs denied packets, and when attempts alert. */
struct mamori_monitoring {
    int64_t nflog_group;          /* default 7 */
    int64_t alert_after;          /* attempts of one source to one destination; default 10 */
    int64_t alert_window_seconds; /* within this many seconds; default 60 */
};

/* The console's sign-in rules (privileged: every role but staff and system_staff). */
enum mamori_totp_rule { MAMORI_TOTP_PRIVILEGED, MAMORI_TOTP_EVERYONE };
struct mamori_console_rules {
    int64_t totp;                                    /* enum mamori_totp_rule */
    int64_t lockout_after, lockout_after_privileged; /* failures; default 5 and 3 */
    int64_t lockout_minutes;                         /* default 15 */
    int64_t idle_minutes, idle_minutes_privileged;   /* default 30 and 15 */
    int64_t session_hours, session_hours_privileged; /* absolute; default 10 and 4 */
};
bool mamori_role_privileged(const char *role);

struct mamori_policy {
    struct mamori_arena *arena;
    int64_t version;
    struct {
        struct mamori_text name;
        const char *code; /* 地方公共団体コード */
    } municipality;
    struct {
        int64_t model; /* enum mamori_netmodel */
        const char **conditions;
        size_t n_conditions;
        struct mamori_pos pos;
    } network;
    struct {
        const char *scheme;
        struct mamori_axis axes[MAMORI_AXIS_MAX];
        bool builtin;
    } classification;
    struct mamori_restriction *restrictions;
    size_t n_restrictions;
    struct mamori_threat *threats;
    size_t n_threats;
    struct mamori_asset_rules assets;
    struct mamori_gov_rules governance;
    struct mamori_role *roles;
    size_t n_roles;
    struct mamori_approval *approvals;
    size_t n_approvals;
    struct mamori_unit *units;
    size_t n_units;
    struct mamori_zone *zones;
    size_t n_zones;
    struct mamori_segment *segments;
    size_t n_segments;
    struct mamori_system *systems;
    size_t n_systems;
    struct mamori_service *services;
    size_t n_services;
    struct mamori_flow *flows;
    size_t n_flows;
    struct mamori_sanitize sanitize;
    struct mamori_retention retention;
    struct mamori_monitoring monitoring;
    struct mamori_console_rules console;
    struct {
        struct mamori_text held;
        struct mamori_text removed;
    } notices;
};

/*
 * Parses and checks a policy. Every problem is added to diags (which the caller initialised
 * with the file name). today (days since epoch, JST) decides which exceptions have expired.
 * Returns 0 and the policy; MAMORI_E_INVALID when any error was found (no policy returned);
 * MAMORI_E_LIMIT when the input exceeds a limit; -ENOMEM.
 */
int mamori_policy_parse(const char *data, size_t len, int32_t today, struct mamori_policy **ret,
                        struct mamori_diags *diags);
struct mamori_policy *mamori_policy_free(struct mamori_policy *p);

/* Lookups by id; -1 when absent. */
int mamori_policy_find_zone(const struct mamori_policy *p, const char *id);
int mamori_policy_find_role(const struct mamori_policy *p, const char *id);
int mamori_policy_find_service(const struct mamori_policy *p, const char *id);
/* The level of an axis by id; -1 when absent. Index 0 is the highest level. */
int mamori_policy_find_level(const struct mamori_policy *p, enum mamori_axis_id axis,
                             const char *id);
/* The level a label names: its id, its Japanese or English name, the axis name followed by
 * the id ("機密性3A"), or one of its aliases; -1 when none. *ret_alias tells an alias. */
int mamori_policy_match_level(const struct mamori_policy *p, enum mamori_axis_id axis,
                              const char *label, bool *ret_alias);
int mamori_policy_find_threat(const struct mamori_policy *p, const char *id);
int mamori_policy_find_restriction(const struct mamori_policy *p, const char *id);
/* The sender rule for an envelope sender address (user@domain), or NULL. */
const struct mamori_sender_rule *mamori_policy_sender_rule(const struct mamori_policy *p,
                                                           const char *sender);
/* The approver role of an action in the approval matrix, or NULL. */
const char *mamori_policy_approver(const struct mamori_policy *p, const char *action);
int mamori_policy_find_unit(const struct mamori_policy *p, const char *id);
/* True when unit is ancestor or lies below it (indices; -1 is never within). */
bool mamori_unit_within(const struct mamori_policy *p, int unit, int ancestor);

/* A unit, zone or system by id, or by a name that only one of them has: its index, -1 when
 * none, -2 when several have that name (*ret_ambiguous names one). Needs <string.h>. */
#define MATCH_BY_NAME(arr, n, label, ret_ambiguous)                                                \
    ({                                                                                             \
        int found_ = -1;                                                                           \
        *(ret_ambiguous) = NULL;                                                                   \
        for (size_t i_ = 0; i_ < (n); i_++)                                                        \
            if ((arr)[i_].id && strcmp((arr)[i_].id, label) == 0)                                  \
                found_ = (int)i_;                                                                  \
        for (size_t i_ = 0; found_ < 0 && i_ < (n); i_++) {                                        \
            const struct mamori_text *t_ = &(arr)[i_].name;                                        \
            if ((t_->ja && strcmp(t_->ja, label) == 0) ||                                          \
                (t_->en && strcmp(t_->en, label) == 0)) {                                          \
                for (size_t k_ = i_ + 1; k_ < (n); k_++) {                                         \
                    const struct mamori_text *u_ = &(arr)[k_].name;                                \
                    if ((u_->ja && strcmp(u_->ja, label) == 0) ||                                  \
                        (u_->en && strcmp(u_->en, label) == 0))                                    \
                        *(ret_ambiguous) = (arr)[k_].id;                                           \
                }                                                                                  \
                found_ = *(ret_ambiguous) ? -2 : (int)i_;                                          \
                if (found_ == -2)                                                                  \
                    *(ret_ambiguous) = (arr)[i_].id;                                               \
            }                                                                                      \
        }                                                                                          \
        found_;                                                                                    \
    })

/* A person as the approval rules see them: an id, a role id, a unit id. */
struct mamori_person_ref {
    const char *id;
    const char *role;
    const char *unit;
};

/* May approver approve action (e.g. "quarantine.release") requested by requester? 0, or
 * MAMORI_E_DENIED with *ret_reason one of "self-approval" (兼務の禁止), "wrong-role" (not the
 * role the approval matrix names), "outside-unit" (a section or department manager of
 * another unit), "no-approver-for-action". */
int mamori_policy_may_approve(const struct mamori_policy *p, const char *action,
                              const struct mamori_person_ref *requester,
                              const struct mamori_person_ref *approver, const char **ret_reason);

/* ---- names ------------------------------------------------------------------------------ */

const char *mamori_zone_kind_id(enum mamori_zone_kind k);
const char *mamori_zone_kind_name(enum mamori_zone_kind k, bool ja);
const char *mamori_method_id(enum mamori_method m);
const char *mamori_method_name(enum mamori_method m, bool ja);
const char *mamori_netmodel_id(enum mamori_netmodel m);
const char *mamori_axis_id(enum mamori_axis_id a);
const char *mamori_axis_name(enum mamori_axis_id a, bool ja);
/* The title of a clause of the 基本方針 ("6(3)①" -> "マイナンバー利用事務系"), NULL if unknown. */
const char *mamori_clause_title(const char *clause);
/* A display name in the requested language, falling back to the other one. */
const char *mamori_text_get(const struct mamori_text *t, bool ja);
/* A role's or unit's name for people (the id itself when unknown). */
const char *mamori_role_title(const struct mamori_policy *p, const char *id, bool ja);
const char *mamori_unit_title(const struct mamori_policy *p, const char *id, bool ja);

/* ---- flow decisions --------------------------------------------------------------------- */

/* One end of a flow question: a zone, a segment, a system, or an address in one of them. */
struct mamori_endpoint {
    enum mamori_endpoint_kind kind;
    int zone;    /* always set */
    int segment; /* -1 when not known */
    int system;  /* -1 when not known */
    bool is_address;
    bool outside; /* an address in no segment: taken as the internet zone */
};

/* True when zone is ancestor or one of its sub-zones. */
bool mamori_zone_within(const struct mamori_policy *p, int zone, int ancestor);
/* How specific a rule end of this kind is: system 1000, segment 500, zone its depth. A rule's
 * specificity is the sum over both ends; the most specific matching rule decides (the
 * firewall compiler orders rules by the same weights). */
int mamori_flow_end_weight(const struct mamori_policy *p, enum mamori_endpoint_kind kind,
                           int index);

/* Resolves "lgwan", "juki", "10.1.2.3" ... into an endpoint. -ENOENT when nothing matches. */
int mamori_endpoint_resolve(const struct mamori_policy *p, const char *s,
                            struct mamori_endpoint *ret);

/* What a service question asks for: a named service, or one protocol and port. */
struct mamori_service_query {
    int service; /* index of a named service, or -1 */
    uint8_t proto;
    uint16_t port;
};

/* Parses "smtp", "tcp/25", "udp/53", "icmp". -ENOENT for an unknown name, MAMORI_E_SYNTAX. */
int mamori_service_query_parse(const struct mamori_policy *p, const char *s,
                               struct mamori_service_query *ret);

struct mamori_decision {
    enum mamori_method method; /* DENY when nothing allows the flow */
    int rule;                  /* index into flows, or -1 for the default deny */
    const char *rule_id;       /* "default" for the default deny */
    const char *clause;
    int32_t expired; /* when the deciding rule had expired: its expiry, else 0 */
};

/* Decides a flow: the most specific matching rule that has not expired wins; default deny. */
int mamori_flow_decide(const struct mamori_policy *p, const struct mamori_endpoint *from,
                       const struct mamori_endpoint *to, const struct mamori_service_query *svc,
                       int32_t today, struct mamori_decision *ret);

/* The clause that governs traffic between two standard zones. */
const char *mamori_flow_pair_clause(enum mamori_zone_kind from, enum mamori_zone_kind to);

/* Formats a decision as the one line of `mamori flow check`:
 * "allow|deny|<method> rule=<id> clause=<§>[ expired=YYYY-MM-DD]". */
int mamori_decision_format(const struct mamori_decision *d, struct mamori_buf *out);

/* Writes the zone x zone matrix (standard zones and sub-zones) as text or JSON. */
int mamori_policy_matrix(const struct mamori_policy *p, bool ja, bool json, int32_t today,
                         struct mamori_buf *out);

#endif
