/*
 * mamori store: the one module that owns all SQL.
 *
 * Callers see operations on mamori's data (metadata, audit-log rows, checkpoints), never SQL
 * or a database handle. Each backend (SQLite now; PostgreSQL for several gateway nodes
 * sharing one state) implements the same table of operations, so callers do not change when
 * a city moves from one to the other.
 *
 *     struct mamori_store *st;
 *     mamori_store_open("sqlite:/var/lib/mamori/store.db", &st);   // or a plain path
 *     mamori_store_begin(st);  ...  mamori_store_commit(st);
 *
 * SECURITY: every statement is prepared with bound parameters; the SQLite backend runs in
 * defensive mode with trusted_schema off, WAL journal and synchronous=FULL, so a committed
 * transaction is on disk.
 */
#ifndef MAMORI_STORE_H
#define MAMORI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/core.h"

#define MAMORI_STORE_SCHEMA_VERSION 13

struct mamori_store;

/* One audit-log row as stored. */
struct mamori_store_record {
    uint64_t seq;
    const uint8_t *leaf_hash; /* 32 bytes */
    const void *body;
    size_t body_len;
};

/* The appender's running state: tree size and the compact range (one hash per set bit of
 * size, largest subtree first). */
struct mamori_store_log_state {
    uint64_t size;
    uint8_t frontier[64][32];
    size_t n_frontier;
    uint64_t last_checkpoint_size;
    int64_t last_checkpoint_us;
};

struct mamori_store_checkpoint {
    int64_t id; /* order of writing */
    uint64_t size;
    int64_t created_us;
    const char *note;
    size_t note_len;
};

/* One kept original (quarantine module): what it is, its sealed key, where it came from. */
struct mamori_store_original {
    const char *id;   /* "sha256:<hex>" of the bytes */
    const char *kind; /* "mail" */
    int64_t size;
    const uint8_t *sealed_key; /* NULL once purged */
    size_t sealed_key_len;
    int64_t created_us, expires_us;
    const char *queue_id, *sender, *recipients, *message_id, *subject, *verdict;
};

/* A person who acts (the console's accounts, issue 6; the CLI's --as). */
struct mamori_store_person {
    const char *id;            /* login name */
    const char *name;          /* display name */
    const char *role;          /* a policy role id */
    const char *unit;          /* a policy unit id, or "" */
    const char *mail;          /* their LGWAN address, or "" */
    const char *password_hash; /* Argon2id (libsodium's string form) */
    bool disabled;
    int64_t created_us;
    const uint8_t *totp_sealed; /* the TOTP secret, sealed (keys/secrets.key); NULL if none */
    size_t totp_sealed_len;
    /* Sign-in state (the console): failures since the last success, locked until (0: not),
     * the last success and where from, and whether the password must be changed first. */
    int64_t failed_logins, locked_until_us, last_login_us;
    const char *last_login_from;
    bool must_change_password;
};

/* A request to release an original (quarantine.release). */
struct mamori_store_request {
    int64_t id;
    const char *original;
    const char *requester;
    const char *reason;
    const char *state;      /* requested, approved, denied, expired, released, refused */
    const char *decided_by; /* "" until decided */
    const char *note;       /* the denial's reason, the scan result ... */
    int64_t created_us, expires_us, decided_us;
};

/* A file carried from the internet zone to the LGWAN zone through the CDR engine. */
struct mamori_store_transfer {
    int64_t id;
    const char *uploader;
    const char *name, *out_name; /* as uploaded; the sanitized file's ("" when blocked) */
    int64_t size, out_size;
    const char *original, *sanitized; /* ids of both, kept in the quarantine ("" when none) */
    const char *verdict;              /* clean, sanitized, blocked */
    const char *report;               /* the CDR report (JSON) */
    const char *state;                /* blocked, waiting, approved, denied, downloaded */
    const char *decided_by, *note;
    int64_t created_us, decided_us;
};

/* Denied inter-zone attempts seen in the firewall's log, counted. */
struct mamori_store_deny {
    const char *rule, *src, *dst, *proto;
    int64_t dport;
    int64_t count, first_us, last_us;
};

/* A registered device (the equipment register's USB devices, for USBGuard). */
struct mamori_store_device {
    const char *id, *name, *zone;
    const char *usb_id; /* "vvvv:pppp" */
    const char *serial; /* "" when the device has none */
    int64_t created_us;
};

/* An information asset (情報資産台帳, 基本方針 4(2), 6(2)). Every field a person types is text,
 * in this order (the asset module validates them against the policy); the levels of a
 * combined asset (parts not empty) are computed from its parts. */
enum mamori_asset_field {
    MAMORI_ASSET_ID, /* 資産番号 */
    MAMORI_ASSET_NAME,
    MAMORI_ASSET_TYPE, /* network, system, equipment, facility, medium, information, ... */
    MAMORI_ASSET_UNIT, /* owner unit (a policy unit id) */
    MAMORI_ASSET_MANAGER,
    MAMORI_ASSET_ZONE,
    MAMORI_ASSET_SYSTEM,
    MAMORI_ASSET_LOCATION,
    MAMORI_ASSET_CONF, /* level ids; CONF + axis */
    MAMORI_ASSET_INTEG,
    MAMORI_ASSET_AVAIL,
    MAMORI_ASSET_PARTS,           /* "A-1,A-2": the assets this one combines */
    MAMORI_ASSET_RESTRICT_ADD,    /* 取扱制限 added to the derived ones ("id,id") */
    MAMORI_ASSET_RESTRICT_REMOVE, /* ... and taken away */
    MAMORI_ASSET_OVERRIDE_REASON, /* why (required with either) */
    MAMORI_ASSET_RETENTION,       /* 保存期間 as the city writes it ("5年", "常用") */
    MAMORI_ASSET_RTO_HOURS,       /* 可用性2: recovery within so many hours */
    MAMORI_ASSET_REVIEW_DUE,      /* next review, YYYY-MM-DD */
    MAMORI_ASSET_STATE,           /* active, disposed */
    MAMORI_ASSET_NOTE,
    MAMORI_ASSET_FIELD_MAX,
};

struct mamori_store_asset {
    const char *f[MAMORI_ASSET_FIELD_MAX];
    const char *created_by, *classified_by;
    int64_t created_us, classified_us, updated_us;
};

/* Which assets a query returns; NULL fields do not filter. units: ",a,b," (any of them);
 * q: a substring of the id, name, manager or location; review_before: review due before
 * that date (YYYY-MM-DD); part: the combined assets that include this asset. */
struct mamori_store_asset_filter {
    const char *q, *units, *zone, *type, *conf, *state, *review_before, *part;
};

/* One classification of an asset as it was set: the history of reclassification. */
struct mamori_store_asset_class {
    int64_t id;
    const char *asset, *by, *level[3], *parts, *reason;
    int64_t at_us;
};

/* A lifecycle event (作成, 入手, 利用, 保管, 送信, 運搬, 提供・公表, 廃棄). Those that need
 * permission are requested, then approved or denied; the others are recorded at once. */
struct mamori_store_asset_event {
    int64_t id;
    const char *asset, *kind, *requester;
    const char *state; /* requested, approved, denied, recorded */
    const char *purpose, *date, *person, *method;
    const char *decided_by, *note;
    int64_t created_us, decided_us;
};

/* A risk: an asset against a threat of the catalogue. */
struct mamori_store_risk {
    int64_t id;
    const char *asset, *threat;
    int64_t likelihood, impact, level; /* 1-3, 1-3, their product */
    const char *treatment;             /* reduce, accept, transfer, avoid */
    const char *controls;
    const char *state; /* open, accepted (risk.accept given), closed */
    const char *accepted_by, *accept_until, *review_due, *created_by, *note;
    int64_t created_us, updated_us;
};

/* A record of a governance register (mamori/gov.h): the columns it is found by, and its other
 * fields as one JSON object of strings the gov module reads and writes. */
struct mamori_store_gov {
    const char *kind, *id, *state, *unit, *title, *created_by;
    const char *data; /* {"key": "value", ...} */
    int64_t created_us, updated_us;
};

/* A step taken on a record: who, when, from which state to which, with what. */
struct mamori_store_gov_step {
    const char *kind, *id;
    int64_t seq, at_us;
    const char *actor, *action, *from_state, *to_state, *note;
    const char *data; /* JSON: the values given at the step, evidence */
};

/* Who held a role in a unit, from when until when (until_us 0: holds it now). The store keeps
 * these itself whenever a person is added, changes role or unit, or is disabled. */
struct mamori_store_role_span {
    const char *person, *role, *unit;
    int64_t from_us, until_us;
    bool appointed; /* held beside the person's own role (兼務), by appointment */
};

/* Filters of the role history (NULL / 0: any); at_us: the spans that include that instant. */
struct mamori_store_role_query {
    const char *person, *role, *unit;
    int64_t at_us;
    int appointed; /* 0 any, 1 appointments only, -1 the persons' own roles only */
};

typedef int (*mamori_store_role_cb)(void *ctx, const struct mamori_store_role_span *sp);
typedef int (*mamori_store_gov_cb)(void *ctx, const struct mamori_store_gov *g);
typedef int (*mamori_store_gov_step_cb)(void *ctx, const struct mamori_store_gov_step *st);
typedef int (*mamori_store_asset_cb)(void *ctx, const struct mamori_store_asset *a);
typedef int (*mamori_store_asset_class_cb)(void *ctx, const struct mamori_store_asset_class *c);
typedef int (*mamori_store_asset_event_cb)(void *ctx, const struct mamori_store_asset_event *e);
typedef int (*mamori_store_risk_cb)(void *ctx, const struct mamori_store_risk *r);
typedef int (*mamori_store_transfer_cb)(void *ctx, const struct mamori_store_transfer *t);
typedef int (*mamori_store_device_cb)(void *ctx, const struct mamori_store_device *d);
typedef int (*mamori_store_deny_cb)(void *ctx, const struct mamori_store_deny *d);
typedef int (*mamori_store_person_cb)(void *ctx, const struct mamori_store_person *p);
typedef int (*mamori_store_request_cb)(void *ctx, const struct mamori_store_request *r);
typedef int (*mamori_store_original_cb)(void *ctx, const struct mamori_store_original *o);
typedef int (*mamori_store_record_cb)(void *ctx, const struct mamori_store_record *rec);
typedef int (*mamori_store_checkpoint_cb)(void *ctx, const struct mamori_store_checkpoint *cp);

/* Opens (creating and migrating if needed) "sqlite:PATH" or a plain PATH.
 * readonly: open without creating or migrating. */
int mamori_store_open(const char *uri, bool readonly, struct mamori_store **ret);
struct mamori_store *mamori_store_close(struct mamori_store *s);
/* The backend's name: "sqlite". */
const char *mamori_store_backend(const struct mamori_store *s);
int mamori_store_schema_version(struct mamori_store *s, int *ret);

/* A write transaction: begin takes the writer lock (other writers wait). */
int mamori_store_begin(struct mamori_store *s);
/* A read transaction: every read until commit/rollback sees one snapshot. */
int mamori_store_begin_read(struct mamori_store *s);
int mamori_store_commit(struct mamori_store *s);
int mamori_store_rollback(struct mamori_store *s);

int mamori_store_meta_get(struct mamori_store *s, const char *key, char **ret_value);
int mamori_store_meta_set(struct mamori_store *s, const char *key, const char *value);

/* Audit log storage; the caller holds a transaction for the writes. */
int mamori_store_log_state_get(struct mamori_store *s, struct mamori_store_log_state *ret);
int mamori_store_log_state_put(struct mamori_store *s, const struct mamori_store_log_state *st);
int mamori_store_log_insert(struct mamori_store *s, const struct mamori_store_record *rec);
/* Calls cb for each record with seq >= from, in seq order, until cb returns non-zero. */
int mamori_store_log_iterate(struct mamori_store *s, uint64_t from, mamori_store_record_cb cb,
                             void *ctx);
int mamori_store_log_count(struct mamori_store *s, uint64_t *ret);
int mamori_store_checkpoint_insert(struct mamori_store *s,
                                   const struct mamori_store_checkpoint *cp);
/* In the order they were written. */
int mamori_store_checkpoint_iterate(struct mamori_store *s, mamori_store_checkpoint_cb cb,
                                    void *ctx);

/* Originals (quarantine). put: 0 inserted, 1 already kept (nothing changed). get: -ENOENT when
 * unknown; strings are copied into arena. iterate: newest first. delete: the row and with it
 * the sealed key (the SQLite backend overwrites deleted content). */
int mamori_store_original_put(struct mamori_store *s, const struct mamori_store_original *o);
int mamori_store_original_get(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                              struct mamori_store_original *ret);
int mamori_store_original_iterate(struct mamori_store *s, mamori_store_original_cb cb, void *ctx);
int mamori_store_original_delete(struct mamori_store *s, const char *id);
/* The originals of which mail is a recipient (any case), newest first: limit rows from
 * offset, and how many there are in all. */
int mamori_store_original_page(struct mamori_store *s, const char *mail, int64_t offset,
                               int64_t limit, mamori_store_original_cb cb, void *ctx,
                               int64_t *ret_total);
/* Transfers. set_state: -EBUSY when not in state `from`; iterate: newest first, at most
 * limit, filtered by uploader and state when not NULL. */
int mamori_store_transfer_insert(struct mamori_store *s, const struct mamori_store_transfer *t,
                                 int64_t *ret_id);
int mamori_store_transfer_get(struct mamori_store *s, int64_t id, struct mamori_arena *a,
                              struct mamori_store_transfer *ret);
int mamori_store_transfer_set_state(struct mamori_store *s, int64_t id, const char *from,
                                    const char *to, const char *by, const char *note,
                                    int64_t when_us);
int mamori_store_transfer_iterate(struct mamori_store *s, const char *uploader, const char *state,
                                  int64_t limit, mamori_store_transfer_cb cb, void *ctx);
/* Counts of originals: all, their bytes, those kept since since_us, and of those held. */
struct mamori_store_original_stats {
    int64_t count, bytes, since, held_since;
};
int mamori_store_original_stats(struct mamori_store *s, int64_t since_us,
                                struct mamori_store_original_stats *ret);

/* Devices: put -EEXIST when the id is taken; iterate in id order. */
int mamori_store_device_put(struct mamori_store *s, const struct mamori_store_device *d);
int mamori_store_device_iterate(struct mamori_store *s, mamori_store_device_cb cb, void *ctx);

/* Deny counts: add adds count to the attempt's row (created if new), widening first/last;
 * iterate: most recent first. */
int mamori_store_deny_add(struct mamori_store *s, const struct mamori_store_deny *d);
int mamori_store_deny_iterate(struct mamori_store *s, mamori_store_deny_cb cb, void *ctx);

/* Persons. put: -EEXIST when the id is taken. get: -ENOENT; strings copied into arena. */
int mamori_store_person_put(struct mamori_store *s, const struct mamori_store_person *p);
int mamori_store_person_get(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                            struct mamori_store_person *ret);
int mamori_store_person_iterate(struct mamori_store *s, mamori_store_person_cb cb, void *ctx);
int mamori_store_person_set_disabled(struct mamori_store *s, const char *id, bool disabled);
/* Changes a person's role, unit or password hash (NULL: unchanged); -ENOENT when unknown. */
int mamori_store_person_update(struct mamori_store *s, const char *id, const char *role,
                               const char *unit, const char *password_hash);
/* Replaces a person's sealed TOTP secret (-ENOENT when unknown). */
int mamori_store_person_set_totp(struct mamori_store *s, const char *id, const uint8_t *sealed,
                                 size_t len);

/* A sign-in attempt's outcome. ok: failures reset, last sign-in set to now_us and from.
 * Failure: one more failure; when that makes lock_after, locked until locked_until_us. */
int mamori_store_person_note_login(struct mamori_store *s, const char *id, bool ok, int64_t now_us,
                                   const char *from, int64_t lock_after, int64_t locked_until_us);
/* Ends a lockout: no failures counted, not locked (-ENOENT when unknown). */
int mamori_store_person_unlock(struct mamori_store *s, const char *id);
/* Whether the person must change their password at the next sign-in. */
int mamori_store_person_set_must_change(struct mamori_store *s, const char *id, bool must);

/* Assets. put: insert (-EEXIST when the id is taken) or replace (-ENOENT when unknown).
 * query: in id order, limit rows from offset (limit < 0: all), and how many match in all
 * (ret_total may be NULL). */
int mamori_store_asset_put(struct mamori_store *s, const struct mamori_store_asset *a, bool insert);
int mamori_store_asset_get(struct mamori_store *s, const char *id, struct mamori_arena *arena,
                           struct mamori_store_asset *ret);
int mamori_store_asset_query(struct mamori_store *s, const struct mamori_store_asset_filter *f,
                             int64_t offset, int64_t limit, mamori_store_asset_cb cb, void *ctx,
                             int64_t *ret_total);
int mamori_store_asset_class_add(struct mamori_store *s, const struct mamori_store_asset_class *c);
/* Oldest first. */
int mamori_store_asset_class_iterate(struct mamori_store *s, const char *asset,
                                     mamori_store_asset_class_cb cb, void *ctx);
int mamori_store_asset_event_insert(struct mamori_store *s,
                                    const struct mamori_store_asset_event *e, int64_t *ret_id);
int mamori_store_asset_event_get(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                                 struct mamori_store_asset_event *ret);
/* -EBUSY when not in state from (decided meanwhile). */
int mamori_store_asset_event_set_state(struct mamori_store *s, int64_t id, const char *from,
                                       const char *to, const char *by, const char *note,
                                       int64_t when_us);
/* Newest first; asset and state filter when not NULL. */
int mamori_store_asset_event_iterate(struct mamori_store *s, const char *asset, const char *state,
                                     mamori_store_asset_event_cb cb, void *ctx);
int mamori_store_risk_put(struct mamori_store *s, const struct mamori_store_risk *r,
                          int64_t *ret_id);
int mamori_store_risk_get(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                          struct mamori_store_risk *ret);
/* In id order; asset filters when not NULL. */
int mamori_store_risk_iterate(struct mamori_store *s, const char *asset, mamori_store_risk_cb cb,
                              void *ctx);

/* Governance records. put: insert (fails -EEXIST when the id is taken) or update. iterate: in
 * id order; kind and state filter when not NULL. next: the highest number n of ids
 * "PREFIX-n" of the kind (0 when none). */
int mamori_store_gov_put(struct mamori_store *s, const struct mamori_store_gov *g, bool insert);
int mamori_store_gov_get(struct mamori_store *s, const char *kind, const char *id,
                         struct mamori_arena *arena, struct mamori_store_gov *ret);
int mamori_store_gov_iterate(struct mamori_store *s, const char *kind, const char *state,
                             mamori_store_gov_cb cb, void *ctx);
int mamori_store_gov_last_number(struct mamori_store *s, const char *kind, const char *prefix,
                                 int64_t *ret);
/* Appends a step (seq is the next of the record's); steps of a record oldest first. */
int mamori_store_gov_step_add(struct mamori_store *s, const struct mamori_store_gov_step *st);
int mamori_store_gov_step_iterate(struct mamori_store *s, const char *kind, const char *id,
                                  mamori_store_gov_step_cb cb, void *ctx);
/* Appoints a person to a role beside their own, in a unit ("" for the organisation), from
 * at_us (-EEXIST when they hold it already); dismiss ends it at at_us (-ENOENT when they hold
 * no such appointment). Disabling the person ends every appointment. */
int mamori_store_role_appoint(struct mamori_store *s, const char *person, const char *role,
                              const char *unit, int64_t at_us);
int mamori_store_role_dismiss(struct mamori_store *s, const char *person, const char *role,
                              int64_t at_us);
/* The role history, oldest first. */
int mamori_store_role_iterate(struct mamori_store *s, const struct mamori_store_role_query *q,
                              mamori_store_role_cb cb, void *ctx);

/* Release requests. insert: the new id in *ret_id. set_state: -ENOENT, or -EBUSY when the
 * request is not in state `from` (someone else decided first). */
int mamori_store_request_insert(struct mamori_store *s, const struct mamori_store_request *r,
                                int64_t *ret_id);
int mamori_store_request_get(struct mamori_store *s, int64_t id, struct mamori_arena *arena,
                             struct mamori_store_request *ret);
int mamori_store_request_set_state(struct mamori_store *s, int64_t id, const char *from,
                                   const char *to, const char *by, const char *note,
                                   int64_t when_us);
int mamori_store_request_iterate(struct mamori_store *s, mamori_store_request_cb cb, void *ctx);

#endif
