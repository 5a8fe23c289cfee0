/*
 * SQLite backend of the store.
 *
 * Set-up on open: defensive mode, trusted_schema off, WAL journal, synchronous=FULL (a commit
 * is durable when it returns), a busy timeout so concurrent writers (the daemon and a CLI
 * command) wait for each other instead of failing, foreign keys on. The schema is created and
 * migrated by version (PRAGMA user_version), each migration in its own transaction.
 *
 * Every statement is prepared once (SQLITE_PREPARE_PERSISTENT) with bound parameters and
 * reset after use.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

enum stmt_id {
    ST_BEGIN,
    ST_BEGIN_READ,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_META_GET,
    ST_META_SET,
    ST_STATE_GET,
    ST_STATE_PUT,
    ST_LOG_INSERT,
    ST_LOG_ITER,
    ST_LOG_COUNT,
    ST_CP_INSERT,
    ST_CP_ITER,
    ST_USER_VERSION,
    ST_ORIG_PUT,
    ST_ORIG_GET,
    ST_ORIG_ITER,
    ST_ORIG_DELETE,
    ST_PERSON_PUT,
    ST_PERSON_GET,
    ST_PERSON_ITER,
    ST_PERSON_DISABLE,
    ST_REQ_INSERT,
    ST_REQ_GET,
    ST_REQ_STATE,
    ST_REQ_ITER,
    ST_DENY_ADD,
    ST_DENY_ITER,
    ST_PERSON_TOTP,
    ST_DEVICE_PUT,
    ST_DEVICE_ITER,
    ST_PERSON_UPDATE,
    ST_PERSON_LOGIN_OK,
    ST_PERSON_LOGIN_FAIL,
    ST_PERSON_MUST_CHANGE,
    ST_RCPT_PUT,
    ST_ORIG_PAGE,
    ST_ORIG_COUNT_FOR,
    ST_ORIG_STATS,
    ST_XFER_INSERT,
    ST_XFER_GET,
    ST_XFER_STATE,
    ST_XFER_ITER,
    ST_PERSON_UNLOCK,
    ST_ASSET_INSERT,
    ST_ASSET_UPDATE,
    ST_ASSET_GET,
    ST_ASSET_ROWID,
    ST_SEARCH_DEL,
    ST_SEARCH_ADD,
    ST_CLASS_ADD,
    ST_CLASS_ITER,
    ST_EVENT_INSERT,
    ST_EVENT_GET,
    ST_EVENT_STATE,
    ST_EVENT_ITER,
    ST_RISK_INSERT,
    ST_RISK_UPDATE,
    ST_RISK_GET,
    ST_RISK_ITER,
    ST_GOV_INSERT,
    ST_GOV_UPDATE,
    ST_GOV_GET,
    ST_GOV_ITER,
    ST_GOV_LAST,
    ST_GOV_STEP_ADD,
    ST_GOV_STEP_ITER,
    ST_ROLE_ITER,
    ST_ROLE_APPOINT,
    ST_ROLE_DISMISS,
    ST_MAX,
};

#define ORIGINAL_COLUMNS                                                                           \
    "id, kind, size, sealed_key, created_us, expires_us, queue_id, sender, recipients, "           \
    "message_id, subject, verdict"

#define PERSON_COLUMNS                                                                             \
    "id, name, role, unit, mail, password_hash, disabled, created_us, totp_sealed, "               \
    "failed_logins, locked_until_us, last_login_us, last_login_from, must_change_password"
#define TRANSFER_COLUMNS                                                                           \
    "id, uploader, name, out_name, size, out_size, original, sanitized, verdict, report, state, "  \
    "decided_by, note, created_us, decided_us"
#define REQUEST_COLUMNS                                                                            \
    "id, original, requester, reason, state, decided_by, note, created_us, expires_us, "           \
    "decided_us"

#define ASSET_COLUMNS                                                                              \
    "id, name, type, unit, manager, zone, system, location, conf, integ, avail, parts, "           \
    "restrict_add, restrict_remove, override_reason, retention, rto_hours, review_due, state, "    \
    "note, created_by, classified_by, created_us, classified_us, updated_us"
#define EVENT_COLUMNS                                                                              \
    "id, asset, kind, requester, state, purpose, date, person, method, decided_by, note, "         \
    "created_us, decided_us"
#define RISK_COLUMNS                                                                               \
    "id, asset, threat, treatment, controls, state, accepted_by, accept_until, review_due, "       \
    "created_by, note, likelihood, impact, level, created_us, updated_us"

#define GOV_COLUMNS      "kind, id, state, unit, title, created_by, data, created_us, updated_us"
#define GOV_STEP_COLUMNS "kind, id, seq, at_us, actor, action, from_state, to_state, note, data"

static const char *const stmt_sql[ST_MAX] = {
    [ST_GOV_INSERT] = "INSERT INTO gov_record(" GOV_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                      "?7, ?8, ?9)",
    [ST_GOV_UPDATE] = "UPDATE gov_record SET state = ?3, unit = ?4, title = ?5, created_by = ?6, "
                      "data = ?7, created_us = ?8, updated_us = ?9 WHERE kind = ?1 AND id = ?2",
    [ST_GOV_GET] = "SELECT " GOV_COLUMNS " FROM gov_record WHERE kind = ?1 AND id = ?2",
    [ST_GOV_ITER] = "SELECT " GOV_COLUMNS " FROM gov_record WHERE (?1 IS NULL OR kind = ?1) AND "
                    "(?2 IS NULL OR state = ?2) ORDER BY kind, length(id), id",
    [ST_GOV_LAST] = "SELECT coalesce(max(CAST(substr(id, length(?2) + 2) AS INTEGER)), 0) FROM "
                    "gov_record WHERE kind = ?1 AND substr(id, 1, length(?2) + 1) = ?2 || '-'",
    [ST_GOV_STEP_ADD] = "INSERT INTO gov_step(" GOV_STEP_COLUMNS ") SELECT ?1, ?2, "
                        "coalesce(max(seq), 0) + 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9 FROM gov_step "
                        "WHERE kind = ?1 AND id = ?2",
    [ST_GOV_STEP_ITER] = "SELECT " GOV_STEP_COLUMNS " FROM gov_step WHERE kind = ?1 AND id = ?2 "
                         "ORDER BY seq",
    [ST_ASSET_INSERT] = "INSERT INTO asset(" ASSET_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                        "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
                        "?23, ?24, ?25)",
    [ST_ASSET_UPDATE] = "UPDATE asset SET name = ?2, type = ?3, unit = ?4, manager = ?5, "
                        "zone = ?6, system = ?7, location = ?8, conf = ?9, integ = ?10, "
                        "avail = ?11, parts = ?12, restrict_add = ?13, restrict_remove = ?14, "
                        "override_reason = ?15, retention = ?16, rto_hours = ?17, "
                        "review_due = ?18, state = ?19, note = ?20, created_by = ?21, "
                        "classified_by = ?22, created_us = ?23, classified_us = ?24, "
                        "updated_us = ?25 WHERE id = ?1",
    [ST_ASSET_GET] = "SELECT " ASSET_COLUMNS " FROM asset WHERE id = ?1",
    [ST_ASSET_ROWID] = "SELECT rowid FROM asset WHERE id = ?1",
    [ST_SEARCH_DEL] = "DELETE FROM asset_search WHERE rowid = ?1",
    [ST_SEARCH_ADD] = "INSERT INTO asset_search(rowid, id, name, manager, location) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_CLASS_ADD] = "INSERT INTO asset_class(asset, at_us, by, conf, integ, avail, parts, reason) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_CLASS_ITER] = "SELECT id, asset, by, conf, integ, avail, parts, reason, at_us "
                      "FROM asset_class WHERE asset = ?1 ORDER BY id",
    [ST_EVENT_INSERT] = "INSERT INTO asset_event(asset, kind, requester, state, purpose, date, "
                        "person, method, decided_by, note, created_us, decided_us) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [ST_EVENT_GET] = "SELECT " EVENT_COLUMNS " FROM asset_event WHERE id = ?1",
    [ST_EVENT_STATE] = "UPDATE asset_event SET state = ?3, decided_by = ?4, note = ?5, "
                       "decided_us = ?6 WHERE id = ?1 AND state = ?2",
    [ST_EVENT_ITER] = "SELECT " EVENT_COLUMNS " FROM asset_event WHERE (?1 IS NULL OR asset = ?1) "
                      "AND (?2 IS NULL OR state = ?2) ORDER BY id DESC",
    [ST_RISK_INSERT] = "INSERT INTO risk(asset, threat, treatment, controls, state, accepted_by, "
                       "accept_until, review_due, created_by, note, likelihood, impact, level, "
                       "created_us, updated_us) VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                       "?11, ?12, ?13, ?14, ?15, ?16)",
    [ST_RISK_UPDATE] = "UPDATE risk SET asset = ?2, threat = ?3, treatment = ?4, controls = ?5, "
                       "state = ?6, accepted_by = ?7, accept_until = ?8, review_due = ?9, "
                       "created_by = ?10, note = ?11, likelihood = ?12, impact = ?13, "
                       "level = ?14, created_us = ?15, updated_us = ?16 WHERE id = ?1",
    [ST_RISK_GET] = "SELECT " RISK_COLUMNS " FROM risk WHERE id = ?1",
    [ST_RISK_ITER] = "SELECT " RISK_COLUMNS " FROM risk WHERE (?1 IS NULL OR asset = ?1) "
                     "ORDER BY id",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_BEGIN_READ] = "BEGIN DEFERRED",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [ST_STATE_GET] = "SELECT size, frontier, last_checkpoint_size, last_checkpoint_us "
                     "FROM audit_state WHERE id = 1",
    [ST_STATE_PUT] = "INSERT INTO audit_state(id, size, frontier, last_checkpoint_size, "
                     "last_checkpoint_us) VALUES (1, ?1, ?2, ?3, ?4) "
                     "ON CONFLICT(id) DO UPDATE SET size = excluded.size, "
                     "frontier = excluded.frontier, "
                     "last_checkpoint_size = excluded.last_checkpoint_size, "
                     "last_checkpoint_us = excluded.last_checkpoint_us",
    [ST_LOG_INSERT] = "INSERT INTO audit_record(seq, leaf_hash, body) VALUES (?1, ?2, ?3)",
    [ST_LOG_ITER] = "SELECT seq, leaf_hash, body FROM audit_record WHERE seq >= ?1 ORDER BY seq",
    [ST_LOG_COUNT] = "SELECT count(*) FROM audit_record",
    [ST_CP_INSERT] = "INSERT INTO audit_checkpoint(size, created_us, note) VALUES (?1, ?2, ?3)",
    [ST_CP_ITER] = "SELECT id, size, created_us, note FROM audit_checkpoint ORDER BY id",
    [ST_USER_VERSION] = "PRAGMA user_version",
    [ST_ORIG_PUT] = "INSERT INTO original(id, kind, size, sealed_key, created_us, expires_us, "
                    "queue_id, sender, recipients, message_id, subject, verdict) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                    "ON CONFLICT(id) DO NOTHING",
    [ST_ORIG_GET] = "SELECT " ORIGINAL_COLUMNS " FROM original WHERE id = ?1",
    [ST_ORIG_ITER] = "SELECT " ORIGINAL_COLUMNS " FROM original ORDER BY created_us DESC, id",
    [ST_ORIG_DELETE] = "DELETE FROM original WHERE id = ?1",
    [ST_PERSON_PUT] = "INSERT INTO person(id, name, role, unit, mail, password_hash, disabled, "
                      "created_us, must_change_password) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                      "?9)",
    [ST_PERSON_GET] = "SELECT " PERSON_COLUMNS " FROM person WHERE id = ?1",
    [ST_PERSON_ITER] = "SELECT " PERSON_COLUMNS " FROM person ORDER BY id",
    [ST_PERSON_DISABLE] = "UPDATE person SET disabled = ?2 WHERE id = ?1",
    [ST_ROLE_APPOINT] = "INSERT INTO role_span(person, role, unit, from_us, appointed) "
                        "SELECT ?1, ?2, ?3, ?4, 1 WHERE NOT EXISTS (SELECT 1 FROM role_span "
                        "WHERE person = ?1 AND role = ?2 AND until_us IS NULL)",
    [ST_ROLE_DISMISS] = "UPDATE role_span SET until_us = ?3 WHERE person = ?1 AND role = ?2 "
                        "AND appointed = 1 AND until_us IS NULL",
    [ST_ROLE_ITER] = "SELECT person, role, unit, from_us, coalesce(until_us, 0), appointed "
                     "FROM role_span "
                     "WHERE (?1 IS NULL OR person = ?1) AND (?2 IS NULL OR role = ?2) "
                     "AND (?3 IS NULL OR unit = ?3) AND (?4 IS NULL OR (from_us <= ?4 "
                     "AND (until_us IS NULL OR until_us > ?4))) AND (?5 IS NULL OR appointed = ?5) "
                     "ORDER BY from_us, seq",
    [ST_REQ_INSERT] = "INSERT INTO release_request(original, requester, reason, state, "
                      "decided_by, note, created_us, expires_us, decided_us) "
                      "VALUES (?1, ?2, ?3, ?4, '', '', ?5, ?6, 0)",
    [ST_REQ_GET] = "SELECT " REQUEST_COLUMNS " FROM release_request WHERE id = ?1",
    [ST_REQ_STATE] = "UPDATE release_request SET state = ?3, decided_by = ?4, note = ?5, "
                     "decided_us = ?6 WHERE id = ?1 AND state = ?2",
    [ST_REQ_ITER] = "SELECT " REQUEST_COLUMNS " FROM release_request ORDER BY id",
    [ST_DENY_ADD] = "INSERT INTO deny_tally(rule, src, dst, proto, dport, count, first_us, "
                    "last_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
                    "ON CONFLICT(rule, src, dst, proto, dport) DO UPDATE SET "
                    "count = count + excluded.count, "
                    "first_us = min(first_us, excluded.first_us), "
                    "last_us = max(last_us, excluded.last_us)",
    [ST_DEVICE_PUT] = "INSERT INTO device(id, name, zone, usb_id, serial, created_us) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_DEVICE_ITER] = "SELECT id, name, zone, usb_id, serial, created_us FROM device ORDER BY id",
    [ST_PERSON_UPDATE] = "UPDATE person SET role = coalesce(?2, role), unit = coalesce(?3, unit), "
                         "password_hash = coalesce(?4, password_hash) WHERE id = ?1",
    [ST_PERSON_TOTP] = "UPDATE person SET totp_sealed = ?2 WHERE id = ?1",
    [ST_PERSON_LOGIN_OK] = "UPDATE person SET failed_logins = 0, locked_until_us = 0, "
                           "last_login_us = ?2, last_login_from = ?3 WHERE id = ?1",
    [ST_PERSON_LOGIN_FAIL] = "UPDATE person SET failed_logins = failed_logins + 1, "
                             "locked_until_us = CASE WHEN failed_logins + 1 >= ?2 THEN ?3 "
                             "ELSE locked_until_us END WHERE id = ?1",
    [ST_PERSON_MUST_CHANGE] = "UPDATE person SET must_change_password = ?2 WHERE id = ?1",
    [ST_RCPT_PUT] = "INSERT OR IGNORE INTO original_rcpt(mail, created_us, id) "
                    "VALUES (lower(?1), ?2, ?3)",
    [ST_ORIG_PAGE] = "SELECT o.id, o.kind, o.size, o.sealed_key, o.created_us, o.expires_us, "
                     "o.queue_id, o.sender, o.recipients, o.message_id, o.subject, o.verdict "
                     "FROM original_rcpt r JOIN original o ON o.id = r.id "
                     "WHERE r.mail = lower(?1) ORDER BY r.created_us DESC, r.id "
                     "LIMIT ?3 OFFSET ?2",
    [ST_ORIG_COUNT_FOR] = "SELECT count(*) FROM original_rcpt WHERE mail = lower(?1)",
    [ST_XFER_INSERT] = "INSERT INTO transfer(uploader, name, out_name, size, out_size, original, "
                       "sanitized, verdict, report, state, created_us) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_PERSON_UNLOCK] = "UPDATE person SET failed_logins = 0, locked_until_us = 0 WHERE id = ?1",
    [ST_XFER_GET] = "SELECT " TRANSFER_COLUMNS " FROM transfer WHERE id = ?1",
    [ST_XFER_STATE] = "UPDATE transfer SET state = ?3, decided_by = ?4, note = ?5, "
                      "decided_us = ?6 WHERE id = ?1 AND state = ?2",
    [ST_XFER_ITER] =
        "SELECT " TRANSFER_COLUMNS " FROM transfer WHERE (?1 IS NULL OR uploader = ?1) "
        "AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3",
    [ST_ORIG_STATS] = "SELECT t.count, t.bytes, "
                      "(SELECT count(*) FROM original WHERE created_us >= ?1), "
                      "(SELECT count(*) FROM original WHERE created_us >= ?1 AND verdict = 'held') "
                      "FROM original_totals t",
    [ST_DENY_ITER] = "SELECT rule, src, dst, proto, dport, count, first_us, last_us "
                     "FROM deny_tally ORDER BY last_us DESC, rule, src, dst, proto, dport",
};

/* Migrations: migrations[i] brings the schema from version i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE audit_record ("
    "  seq INTEGER PRIMARY KEY CHECK (seq >= 0),"
    "  leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32),"
    "  body BLOB NOT NULL"
    ") STRICT;"
    "CREATE TABLE audit_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  size INTEGER NOT NULL,"
    "  frontier BLOB NOT NULL,"
    "  last_checkpoint_size INTEGER NOT NULL,"
    "  last_checkpoint_us INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE audit_checkpoint ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  size INTEGER NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  note TEXT NOT NULL"
    ") STRICT;"
    "PRAGMA user_version = 1;",
    /* 2: originals kept by the gateway (quarantine module). */
    "CREATE TABLE original ("
    "  id TEXT PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  sealed_key BLOB NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  expires_us INTEGER NOT NULL,"
    "  queue_id TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  recipients TEXT NOT NULL,"
    "  message_id TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  verdict TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX original_expires ON original(expires_us);"
    "PRAGMA user_version = 2;",
    /* 3: persons who act, and requests to release originals. */
    "CREATE TABLE person ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  role TEXT NOT NULL,"
    "  unit TEXT NOT NULL,"
    "  mail TEXT NOT NULL,"
    "  password_hash TEXT NOT NULL,"
    "  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),"
    "  created_us INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE release_request ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  original TEXT NOT NULL,"
    "  requester TEXT NOT NULL REFERENCES person(id),"
    "  reason TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('requested', 'approved', 'denied', 'expired', "
    "    'released', 'refused')),"
    "  decided_by TEXT NOT NULL,"
    "  note TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  expires_us INTEGER NOT NULL,"
    "  decided_us INTEGER NOT NULL"
    ") STRICT;"
    "PRAGMA user_version = 3;",
    /* 4: denied inter-zone attempts from the firewall's log. */
    "CREATE TABLE deny_tally ("
    "  rule TEXT NOT NULL,"
    "  src TEXT NOT NULL,"
    "  dst TEXT NOT NULL,"
    "  proto TEXT NOT NULL,"
    "  dport INTEGER NOT NULL,"
    "  count INTEGER NOT NULL CHECK (count > 0),"
    "  first_us INTEGER NOT NULL,"
    "  last_us INTEGER NOT NULL,"
    "  PRIMARY KEY (rule, src, dst, proto, dport)"
    ") STRICT;"
    "PRAGMA user_version = 4;",
    /* 5: TOTP secrets of persons, sealed. */
    "ALTER TABLE person ADD COLUMN totp_sealed BLOB;"
    "PRAGMA user_version = 5;",
    /* 6: registered devices (USB), for the terminals' USBGuard rules. */
    "CREATE TABLE device ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  zone TEXT NOT NULL,"
    "  usb_id TEXT NOT NULL,"
    "  serial TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL"
    ") STRICT;"
    "PRAGMA user_version = 6;",
    /* 7: the console's sign-in state of persons: lockout, last sign-in, first-login change. */
    "ALTER TABLE person ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE person ADD COLUMN locked_until_us INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE person ADD COLUMN last_login_us INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE person ADD COLUMN last_login_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE person ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;"
    "PRAGMA user_version = 7;",
    /* 8: each original's recipients, for a person's list without reading every original. */
    "CREATE INDEX original_created ON original(created_us, verdict);"
    "CREATE TABLE original_rcpt ("
    "  mail TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL,"
    "  id TEXT NOT NULL REFERENCES original(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (mail, created_us, id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX original_rcpt_id ON original_rcpt(id);"
    "INSERT INTO original_rcpt(mail, created_us, id) "
    "WITH RECURSIVE split(id, created_us, one, rest) AS ("
    "  SELECT id, created_us, '', recipients || ',' FROM original"
    "  UNION ALL"
    "  SELECT id, created_us, substr(rest, 1, instr(rest, ',') - 1),"
    "         substr(rest, instr(rest, ',') + 1) FROM split WHERE rest <> '')"
    "SELECT DISTINCT lower(one), created_us, id FROM split WHERE one <> '';"
    /* ... and the totals, kept by triggers (the dashboard reads them on every view). */
    "CREATE TABLE original_totals ("
    "  one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  count INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL"
    ") STRICT;"
    "INSERT INTO original_totals SELECT 1, count(*), coalesce(sum(size), 0) FROM original;"
    "CREATE TRIGGER original_totals_add AFTER INSERT ON original BEGIN"
    "  UPDATE original_totals SET count = count + 1, bytes = bytes + NEW.size; END;"
    "CREATE TRIGGER original_totals_del AFTER DELETE ON original BEGIN"
    "  UPDATE original_totals SET count = count - 1, bytes = bytes - OLD.size; END;"
    "PRAGMA user_version = 8;",
    /* 9: files carried from the internet zone through the CDR engine (ファイル無害化転送). */
    "CREATE TABLE transfer ("
    "  id INTEGER PRIMARY KEY,"
    "  uploader TEXT NOT NULL REFERENCES person(id),"
    "  name TEXT NOT NULL,"
    "  out_name TEXT NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  out_size INTEGER NOT NULL,"
    "  original TEXT NOT NULL,"
    "  sanitized TEXT NOT NULL,"
    "  verdict TEXT NOT NULL,"
    "  report TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  decided_by TEXT NOT NULL DEFAULT '',"
    "  note TEXT NOT NULL DEFAULT '',"
    "  created_us INTEGER NOT NULL,"
    "  decided_us INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE INDEX transfer_uploader ON transfer(uploader, id);"
    "CREATE INDEX transfer_state ON transfer(state, id);"
    "PRAGMA user_version = 9;",
    /* 10: the information-asset register (情報資産台帳), its classification history,
     * lifecycle events and the risk register. */
    "CREATE TABLE asset ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL, type TEXT NOT NULL, unit TEXT NOT NULL, manager TEXT NOT NULL,"
    "  zone TEXT NOT NULL, system TEXT NOT NULL, location TEXT NOT NULL,"
    "  conf TEXT NOT NULL, integ TEXT NOT NULL, avail TEXT NOT NULL, parts TEXT NOT NULL,"
    "  restrict_add TEXT NOT NULL, restrict_remove TEXT NOT NULL, override_reason TEXT NOT NULL,"
    "  retention TEXT NOT NULL, rto_hours TEXT NOT NULL, review_due TEXT NOT NULL,"
    "  state TEXT NOT NULL, note TEXT NOT NULL,"
    "  created_by TEXT NOT NULL, classified_by TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL, classified_us INTEGER NOT NULL, updated_us INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX asset_unit ON asset(unit, id);"
    "CREATE INDEX asset_state ON asset(state, id);"
    "CREATE INDEX asset_state_conf ON asset(state, conf, id);"
    "CREATE INDEX asset_review ON asset(review_due);"
    /* substring search (trigrams: Japanese has no spaces), kept by the store's own writes,
     * not by triggers (trusted_schema is off) */
    "CREATE VIRTUAL TABLE asset_search USING fts5(id, name, manager, location, "
    "tokenize = 'trigram');"
    "CREATE TABLE asset_class ("
    "  id INTEGER PRIMARY KEY,"
    "  asset TEXT NOT NULL REFERENCES asset(id),"
    "  at_us INTEGER NOT NULL, by TEXT NOT NULL,"
    "  conf TEXT NOT NULL, integ TEXT NOT NULL, avail TEXT NOT NULL, parts TEXT NOT NULL,"
    "  reason TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX asset_class_asset ON asset_class(asset, id);"
    "CREATE TABLE asset_event ("
    "  id INTEGER PRIMARY KEY,"
    "  asset TEXT NOT NULL REFERENCES asset(id),"
    "  kind TEXT NOT NULL, requester TEXT NOT NULL, state TEXT NOT NULL,"
    "  purpose TEXT NOT NULL, date TEXT NOT NULL, person TEXT NOT NULL, method TEXT NOT NULL,"
    "  decided_by TEXT NOT NULL, note TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL, decided_us INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX asset_event_asset ON asset_event(asset, id);"
    "CREATE INDEX asset_event_state ON asset_event(state, id);"
    "CREATE TABLE risk ("
    "  id INTEGER PRIMARY KEY,"
    "  asset TEXT NOT NULL REFERENCES asset(id),"
    "  threat TEXT NOT NULL, treatment TEXT NOT NULL, controls TEXT NOT NULL,"
    "  state TEXT NOT NULL, accepted_by TEXT NOT NULL, accept_until TEXT NOT NULL,"
    "  review_due TEXT NOT NULL, created_by TEXT NOT NULL, note TEXT NOT NULL,"
    "  likelihood INTEGER NOT NULL, impact INTEGER NOT NULL, level INTEGER NOT NULL,"
    "  created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX risk_asset ON risk(asset, id);"
    "PRAGMA user_version = 10;",
    /* 11: the governance registers (incidents, staff, contractors, audits ...): one table of
     * records whose kind-specific fields are a JSON object, and the steps taken on them. */
    "CREATE TABLE gov_record ("
    "  kind TEXT NOT NULL, id TEXT NOT NULL, state TEXT NOT NULL, unit TEXT NOT NULL,"
    "  title TEXT NOT NULL, created_by TEXT NOT NULL, data TEXT NOT NULL,"
    "  created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, id)"
    ") STRICT;"
    "CREATE INDEX gov_record_state ON gov_record(kind, state);"
    "CREATE TABLE gov_step ("
    "  kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, at_us INTEGER NOT NULL,"
    "  actor TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT NOT NULL,"
    "  to_state TEXT NOT NULL, note TEXT NOT NULL, data TEXT NOT NULL,"
    "  PRIMARY KEY (kind, id, seq),"
    "  FOREIGN KEY (kind, id) REFERENCES gov_record(kind, id)"
    ") STRICT;"
    "PRAGMA user_version = 11;",
    /* 12: who held which role in which unit, when (基本方針 6(1)). Kept by triggers, so every
     * way a person's role, unit or account changes leaves its span; mamori_now_us() is the
     * store's clock (MAMORI_NOW in tests). until_us NULL: held now. */
    "CREATE TABLE role_span ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  person TEXT NOT NULL, role TEXT NOT NULL, unit TEXT NOT NULL,"
    "  from_us INTEGER NOT NULL, until_us INTEGER"
    ") STRICT;"
    "CREATE INDEX role_span_person ON role_span(person, seq);"
    "CREATE TRIGGER person_span_add AFTER INSERT ON person WHEN NEW.disabled = 0 BEGIN"
    "  INSERT INTO role_span(person, role, unit, from_us) "
    "  VALUES (NEW.id, NEW.role, NEW.unit, NEW.created_us);"
    "END;"
    "CREATE TRIGGER person_span_change AFTER UPDATE OF role, unit, disabled ON person"
    "  WHEN OLD.role IS NOT NEW.role OR OLD.unit IS NOT NEW.unit"
    "    OR OLD.disabled IS NOT NEW.disabled BEGIN"
    "  UPDATE role_span SET until_us = mamori_now_us()"
    "    WHERE person = NEW.id AND until_us IS NULL;"
    "  INSERT INTO role_span(person, role, unit, from_us)"
    "    SELECT NEW.id, NEW.role, NEW.unit, mamori_now_us() WHERE NEW.disabled = 0;"
    "END;"
    "INSERT INTO role_span(person, role, unit, from_us)"
    "  SELECT id, role, unit, created_us FROM person WHERE disabled = 0 ORDER BY created_us, id;"
    "PRAGMA user_version = 12;",
    /* 13: appointments held beside a person's role (兼務: a 課長 on the 委員会, a member of
     * CSIRT): spans of their own (appointed = 1) that a change of the person's role or unit
     * leaves alone, and that end when the person is disabled. */
    "ALTER TABLE role_span ADD COLUMN appointed INTEGER NOT NULL DEFAULT 0"
    "  CHECK (appointed IN (0, 1));"
    "DROP TRIGGER person_span_change;"
    "CREATE TRIGGER person_span_change AFTER UPDATE OF role, unit, disabled ON person"
    "  WHEN OLD.role IS NOT NEW.role OR OLD.unit IS NOT NEW.unit"
    "    OR OLD.disabled IS NOT NEW.disabled BEGIN"
    "  UPDATE role_span SET until_us = mamori_now_us()"
    "    WHERE person = NEW.id AND until_us IS NULL AND (appointed = 0 OR NEW.disabled = 1);"
    "  INSERT INTO role_span(person, role, unit, from_us)"
    "    SELECT NEW.id, NEW.role, NEW.unit, mamori_now_us() WHERE NEW.disabled = 0;"
    "END;"
    "PRAGMA user_version = 13;",
};

_Static_assert(MAMORI_ARRAY_SIZE(migrations) == MAMORI_STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* Asset queries: one statement per combination of the filters given (8 filters), so the
 * planner sees only the conditions that apply and can use asset_state and the primary key. */
#define ASSET_FILTERS 8
#define ASSET_SHORT_Q (1u << ASSET_FILTERS) /* q under 3 characters: no trigram to look up */

struct sqlite_store {
    struct mamori_store base;
    sqlite3 *db;
    sqlite3_stmt *stmts[ST_MAX];
    sqlite3_stmt *asset_query[2 << ASSET_FILTERS][2]; /* [filters, short q][0 rows, 1 count] */
    bool readonly;
};

static int
errno_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EBUSY;
    case SQLITE_NOMEM:
        return -ENOMEM;
    case SQLITE_READONLY:
        return -EROFS;
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_CANTOPEN:
        return -ENOENT;
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return -EACCES;
    case SQLITE_CONSTRAINT:
        return -EEXIST;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return -EBADMSG;
    case SQLITE_TOOBIG:
        return MAMORI_E_LIMIT;
    default:
        return -EIO;
    }
}

static struct sqlite_store *
impl(struct mamori_store *s)
{
    return (struct sqlite_store *)s;
}

static int
stmt(struct sqlite_store *s, enum stmt_id id, sqlite3_stmt **ret)
{
    if (!s->stmts[id]) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->stmts[id], NULL);
        if (rc != SQLITE_OK || !s->stmts[id]) {
            int r = errno_of(rc);
            return r < 0 ? r : -EIO;
        }
    }
    *ret = s->stmts[id];
    return 0;
}

/* Runs a statement that returns no rows. */
static int
run(struct sqlite_store *s, enum stmt_id id)
{
    sqlite3_stmt *st;
    int r = stmt(s, id, &st);
    if (r < 0)
        return r;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : errno_of(rc);
}

/* Steps a statement that changes rows: 0 when one did, else absent (-ENOENT or -EBUSY). */
static int
step_changed(struct sqlite_store *s, sqlite3_stmt *st, int absent)
{
    int rc = sqlite3_step(st);
    int changed = sqlite3_changes(s->db);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return errno_of(rc);
    return changed ? 0 : absent;
}

/* Runs a script of several statements (migrations only: constant SQL). */
static int
run_script(sqlite3 *db, const char *sql)
{
    const char *tail = sql;
    while (tail && *tail) {
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
        if (rc != SQLITE_OK)
            return errno_of(rc);
        if (!st)
            break;
        do
            rc = sqlite3_step(st);
        while (rc == SQLITE_ROW);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return errno_of(rc);
    }
    return 0;
}

static int
user_version(struct sqlite_store *s, int *ret)
{
    sqlite3_stmt *st;
    int r = stmt(s, ST_USER_VERSION, &st);
    if (r < 0)
        return r;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ret = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    r = errno_of(rc);
    return r < 0 ? r : -EIO;
}

static int
migrate(struct sqlite_store *s)
{
    int v;
    int r = user_version(s, &v);
    if (r < 0)
        return r;
    if (v > MAMORI_STORE_SCHEMA_VERSION)
        return MAMORI_E_VERSION;
    while (v < MAMORI_STORE_SCHEMA_VERSION) {
        r = run(s, ST_BEGIN);
        if (r < 0)
            return r;
        /* Another process may have migrated while we waited for the lock. */
        r = user_version(s, &v);
        if (r == 0 && v < MAMORI_STORE_SCHEMA_VERSION)
            r = run_script(s->db, migrations[v]);
        if (r < 0) {
            run(s, ST_ROLLBACK);
            return r;
        }
        r = run(s, ST_COMMIT);
        if (r < 0)
            return r;
        r = user_version(s, &v);
        if (r < 0)
            return r;
    }
    return 0;
}

static void
sql_now_us(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_int64(cx, mamori_now_us());
}

static struct mamori_store *
sqlite_close(struct mamori_store *base)
{
    struct sqlite_store *s = impl(base);
    for (int i = 0; i < ST_MAX; i++)
        sqlite3_finalize(s->stmts[i]);
    for (int i = 0; i < 2 << ASSET_FILTERS; i++)
        for (int k = 0; k < 2; k++)
            sqlite3_finalize(s->asset_query[i][k]);
    sqlite3_close(s->db);
    free(s);
    return NULL;
}

static int
sqlite_schema_version(struct mamori_store *base, int *ret)
{
    return user_version(impl(base), ret);
}

static int
sqlite_begin(struct mamori_store *base)
{
    return run(impl(base), ST_BEGIN);
}

static int
sqlite_begin_read(struct mamori_store *base)
{
    return run(impl(base), ST_BEGIN_READ);
}

static int
sqlite_commit(struct mamori_store *base)
{
    return run(impl(base), ST_COMMIT);
}

static int
sqlite_rollback(struct mamori_store *base)
{
    return run(impl(base), ST_ROLLBACK);
}

static int
sqlite_meta_get(struct mamori_store *base, const char *key, char **ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_META_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        char *copy = v ? strdup((const char *)v) : NULL;
        r = copy ? 0 : -ENOMEM;
        if (copy)
            *ret = copy;
    } else {
        r = rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_meta_set(struct mamori_store *base, const char *key, const char *value)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_META_SET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_log_state_get(struct mamori_store *base, struct mamori_store_log_state *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_STATE_GET, &st);
    if (r < 0)
        return r;
    memset(ret, 0, sizeof(*ret));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        ret->size = (uint64_t)sqlite3_column_int64(st, 0);
        const void *f = sqlite3_column_blob(st, 1);
        size_t flen = (size_t)sqlite3_column_bytes(st, 1);
        size_t n = flen / 32;
        if (flen % 32 != 0 || n > 64 || n != (size_t)__builtin_popcountll(ret->size)) {
            r = MAMORI_E_TAMPERED;
        } else {
            if (n)
                memcpy(ret->frontier, f, flen);
            ret->n_frontier = n;
            ret->last_checkpoint_size = (uint64_t)sqlite3_column_int64(st, 2);
            ret->last_checkpoint_us = sqlite3_column_int64(st, 3);
        }
    } else if (rc != SQLITE_DONE) {
        r = errno_of(rc);
    }
    sqlite3_reset(st);
    return r;
}

static int
sqlite_log_state_put(struct mamori_store *base, const struct mamori_store_log_state *state)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_STATE_PUT, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)state->size);
    sqlite3_bind_blob(st, 2, state->frontier, (int)(state->n_frontier * 32), SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)state->last_checkpoint_size);
    sqlite3_bind_int64(st, 4, state->last_checkpoint_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_log_insert(struct mamori_store *base, const struct mamori_store_record *rec)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_LOG_INSERT, &st);
    if (r < 0)
        return r;
    if (rec->body_len > INT32_MAX)
        return MAMORI_E_LIMIT;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->seq);
    sqlite3_bind_blob(st, 2, rec->leaf_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, rec->body, (int)rec->body_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_log_iterate(struct mamori_store *base, uint64_t from, mamori_store_record_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_LOG_ITER, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
    int rc;
    r = 0;
    static const uint8_t zero[32];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *h = sqlite3_column_blob(st, 1);
        int hlen = sqlite3_column_bytes(st, 1);
        struct mamori_store_record rec = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .leaf_hash = hlen == 32 && h ? h : zero,
            .body = sqlite3_column_blob(st, 2),
            .body_len = (size_t)sqlite3_column_bytes(st, 2),
        };
        if (!rec.body)
            rec.body = "";
        r = cb(ctx, &rec);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_log_count(struct mamori_store *base, uint64_t *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_LOG_COUNT, &st);
    if (r < 0)
        return r;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ret = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    r = errno_of(rc);
    return r < 0 ? r : -EIO;
}

static int
sqlite_checkpoint_insert(struct mamori_store *base, const struct mamori_store_checkpoint *cp)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_CP_INSERT, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)cp->size);
    sqlite3_bind_int64(st, 2, cp->created_us);
    sqlite3_bind_text(st, 3, cp->note, (int)cp->note_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_checkpoint_iterate(struct mamori_store *base, mamori_store_checkpoint_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_CP_ITER, &st);
    if (r < 0)
        return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *note = sqlite3_column_text(st, 3);
        struct mamori_store_checkpoint cp = {
            .id = sqlite3_column_int64(st, 0),
            .size = (uint64_t)sqlite3_column_int64(st, 1),
            .created_us = sqlite3_column_int64(st, 2),
            .note = note ? (const char *)note : "",
            .note_len = (size_t)sqlite3_column_bytes(st, 3),
        };
        r = cb(ctx, &cp);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    return r;
}

static const char *
text_or_empty(const char *t)
{
    return t ? t : "";
}

static int
sqlite_original_put(struct mamori_store *base, const struct mamori_store_original *o)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ORIG_PUT, &st);
    if (r < 0)
        return r;
    if (!o->sealed_key || o->sealed_key_len > INT32_MAX)
        return -EINVAL;
    sqlite3_bind_text(st, 1, o->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, o->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, o->size);
    sqlite3_bind_blob(st, 4, o->sealed_key, (int)o->sealed_key_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, o->created_us);
    sqlite3_bind_int64(st, 6, o->expires_us);
    const char *texts[] = {o->queue_id,   o->sender,  o->recipients,
                           o->message_id, o->subject, o->verdict};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, 7 + i, text_or_empty(texts[i]), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int changed = sqlite3_changes(impl(base)->db);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return errno_of(rc);
    if (!changed)
        return 1;
    /* One row per recipient (the caller's transaction covers both). */
    if ((r = stmt(impl(base), ST_RCPT_PUT, &st)) < 0)
        return r;
    for (const char *p = text_or_empty(o->recipients); *p && r == 0;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len) {
            sqlite3_bind_text(st, 1, p, (int)len, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, o->created_us);
            sqlite3_bind_text(st, 3, o->id, -1, SQLITE_STATIC);
            rc = sqlite3_step(st);
            sqlite3_reset(st);
            if (rc != SQLITE_DONE)
                r = errno_of(rc);
        }
        p += len + (comma != NULL);
    }
    sqlite3_clear_bindings(st);
    return r;
}

/* A row of ORIGINAL_COLUMNS, strings copied into arena (NULL arena: pointers into the row). */
static int
original_row(sqlite3_stmt *st, struct mamori_arena *arena, struct mamori_store_original *o)
{
    const char **texts[] = {&o->id,         &o->kind,       NULL,         NULL,
                            NULL,           NULL,           &o->queue_id, &o->sender,
                            &o->recipients, &o->message_id, &o->subject,  &o->verdict};
    memset(o, 0, sizeof(*o));
    for (int i = 0; i < 12; i++) {
        if (!texts[i])
            continue;
        const char *t = (const char *)sqlite3_column_text(st, i);
        *texts[i] = t ? (arena ? mamori_arena_strdup(arena, t) : t) : "";
        if (!*texts[i])
            return -ENOMEM;
    }
    o->size = sqlite3_column_int64(st, 2);
    o->sealed_key_len = (size_t)sqlite3_column_bytes(st, 3);
    const void *k = sqlite3_column_blob(st, 3);
    if (k && arena) {
        uint8_t *copy = mamori_arena_alloc(arena, o->sealed_key_len);
        if (!copy)
            return -ENOMEM;
        memcpy(copy, k, o->sealed_key_len);
        o->sealed_key = copy;
    } else {
        o->sealed_key = k;
    }
    o->created_us = sqlite3_column_int64(st, 4);
    o->expires_us = sqlite3_column_int64(st, 5);
    return 0;
}

static int
sqlite_original_get(struct mamori_store *base, const char *id, struct mamori_arena *arena,
                    struct mamori_store_original *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ORIG_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        r = original_row(st, arena, ret);
    else
        r = rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_original_iterate(struct mamori_store *base, mamori_store_original_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ORIG_ITER, &st);
    if (r < 0)
        return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_original o;
        r = original_row(st, NULL, &o);
        if (r == 0)
            r = cb(ctx, &o);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    return r;
}

static int
sqlite_original_page(struct mamori_store *base, const char *mail, int64_t offset, int64_t limit,
                     mamori_store_original_cb cb, void *ctx, int64_t *ret_total)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ORIG_COUNT_FOR, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, mail, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW)
        return errno_of(rc);
    if ((r = stmt(impl(base), ST_ORIG_PAGE, &st)) < 0)
        return r;
    sqlite3_bind_text(st, 1, mail, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, offset);
    sqlite3_bind_int64(st, 3, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_original o;
        r = original_row(st, NULL, &o);
        if (r == 0)
            r = cb(ctx, &o);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (r == 0)
        *ret_total = total;
    return r;
}

static int
sqlite_original_stats(struct mamori_store *base, int64_t since_us,
                      struct mamori_store_original_stats *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ORIG_STATS, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, since_us);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        ret->count = sqlite3_column_int64(st, 0);
        ret->bytes = sqlite3_column_int64(st, 1);
        ret->since = sqlite3_column_int64(st, 2);
        ret->held_since = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? 0 : errno_of(rc);
}

static const char *column_text(sqlite3_stmt *st, int i, struct mamori_arena *arena);

static int
transfer_row(sqlite3_stmt *st, struct mamori_arena *a, struct mamori_store_transfer *t)
{
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(st, 0);
    const char **texts[] = {&t->uploader, &t->name,     &t->out_name,   NULL,
                            NULL,         &t->original, &t->sanitized,  &t->verdict,
                            &t->report,   &t->state,    &t->decided_by, &t->note};
    for (int i = 0; i < 12; i++)
        if (texts[i] && !(*texts[i] = column_text(st, 1 + i, a)))
            return -ENOMEM;
    t->size = sqlite3_column_int64(st, 4);
    t->out_size = sqlite3_column_int64(st, 5);
    t->created_us = sqlite3_column_int64(st, 13);
    t->decided_us = sqlite3_column_int64(st, 14);
    return 0;
}

static int
sqlite_transfer_insert(struct mamori_store *base, const struct mamori_store_transfer *t,
                       int64_t *ret_id)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_XFER_INSERT, &st);
    if (r < 0)
        return r;
    const char *texts[] = {t->uploader, t->name};
    for (int i = 0; i < 2; i++)
        sqlite3_bind_text(st, 1 + i, text_or_empty(texts[i]), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, text_or_empty(t->out_name), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, t->size);
    sqlite3_bind_int64(st, 5, t->out_size);
    const char *more[] = {t->original, t->sanitized, t->verdict, t->report, t->state};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(st, 6 + i, text_or_empty(more[i]), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, t->created_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return errno_of(rc);
    *ret_id = sqlite3_last_insert_rowid(impl(base)->db);
    return 0;
}

static int
sqlite_transfer_get(struct mamori_store *base, int64_t id, struct mamori_arena *a,
                    struct mamori_store_transfer *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_XFER_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_ROW ? transfer_row(st, a, ret) : rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_transfer_set_state(struct mamori_store *base, int64_t id, const char *from, const char *to,
                          const char *by, const char *note, int64_t when_us)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_XFER_STATE, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, text_or_empty(by), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, text_or_empty(note), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, when_us);
    return step_changed(impl(base), st, -EBUSY);
}

static int
sqlite_transfer_iterate(struct mamori_store *base, const char *uploader, const char *state,
                        int64_t limit, mamori_store_transfer_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_XFER_ITER, &st);
    if (r < 0)
        return r;
    if (uploader)
        sqlite3_bind_text(st, 1, uploader, -1, SQLITE_STATIC);
    if (state)
        sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_transfer t;
        r = transfer_row(st, NULL, &t);
        if (r == 0)
            r = cb(ctx, &t);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_original_delete(struct mamori_store *base, const char *id)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ORIG_DELETE, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return step_changed(impl(base), st, -ENOENT);
}

static int
sqlite_person_put(struct mamori_store *base, const struct mamori_store_person *p)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_PUT, &st);
    if (r < 0)
        return r;
    const char *texts[] = {p->id, p->name, p->role, p->unit, p->mail, p->password_hash};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, 1 + i, text_or_empty(texts[i]), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, p->disabled);
    sqlite3_bind_int64(st, 8, p->created_us);
    sqlite3_bind_int(st, 9, p->must_change_password);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static const char *
column_text(sqlite3_stmt *st, int i, struct mamori_arena *arena)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (!t)
        t = "";
    return arena ? mamori_arena_strdup(arena, t) : t;
}

static int
person_row(sqlite3_stmt *st, struct mamori_arena *arena, struct mamori_store_person *p)
{
    memset(p, 0, sizeof(*p));
    const char **texts[] = {&p->id, &p->name, &p->role, &p->unit, &p->mail, &p->password_hash};
    for (int i = 0; i < 6; i++)
        if (!(*texts[i] = column_text(st, i, arena)))
            return -ENOMEM;
    p->disabled = sqlite3_column_int(st, 6) != 0;
    p->created_us = sqlite3_column_int64(st, 7);
    const void *t = sqlite3_column_blob(st, 8);
    size_t tl = (size_t)sqlite3_column_bytes(st, 8);
    if (t && tl) {
        uint8_t *copy = arena ? mamori_arena_alloc(arena, tl) : NULL;
        if (arena && !copy)
            return -ENOMEM;
        if (copy)
            memcpy(copy, t, tl);
        p->totp_sealed = copy ? copy : t;
        p->totp_sealed_len = tl;
    }
    p->failed_logins = sqlite3_column_int64(st, 9);
    p->locked_until_us = sqlite3_column_int64(st, 10);
    p->last_login_us = sqlite3_column_int64(st, 11);
    if (!(p->last_login_from = column_text(st, 12, arena)))
        return -ENOMEM;
    p->must_change_password = sqlite3_column_int(st, 13) != 0;
    return 0;
}

static int
sqlite_person_get(struct mamori_store *base, const char *id, struct mamori_arena *arena,
                  struct mamori_store_person *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_ROW ? person_row(st, arena, ret) : rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_person_iterate(struct mamori_store *base, mamori_store_person_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_ITER, &st);
    if (r < 0)
        return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_person p;
        r = person_row(st, NULL, &p);
        if (r == 0)
            r = cb(ctx, &p);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    return r;
}

static int
sqlite_person_set_disabled(struct mamori_store *base, const char *id, bool disabled)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_DISABLE, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, disabled);
    return step_changed(impl(base), st, -ENOENT);
}

static int
sqlite_person_update(struct mamori_store *base, const char *id, const char *role, const char *unit,
                     const char *password_hash)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_UPDATE, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    const char *vals[] = {role, unit, password_hash};
    for (int i = 0; i < 3; i++)
        if (vals[i])
            sqlite3_bind_text(st, 2 + i, vals[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2 + i);
    return step_changed(impl(base), st, -ENOENT);
}

static int
sqlite_person_set_totp(struct mamori_store *base, const char *id, const uint8_t *sealed, size_t len)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_TOTP, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, sealed, (int)len, SQLITE_STATIC);
    return step_changed(impl(base), st, -ENOENT);
}

static int
sqlite_person_note_login(struct mamori_store *base, const char *id, bool ok, int64_t now_us,
                         const char *from, int64_t lock_after, int64_t locked_until_us)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ok ? ST_PERSON_LOGIN_OK : ST_PERSON_LOGIN_FAIL, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (ok) {
        sqlite3_bind_int64(st, 2, now_us);
        sqlite3_bind_text(st, 3, text_or_empty(from), -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(st, 2, lock_after);
        sqlite3_bind_int64(st, 3, locked_until_us);
    }
    return step_changed(impl(base), st, -ENOENT);
}

static int
sqlite_person_unlock(struct mamori_store *base, const char *id)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_UNLOCK, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return step_changed(impl(base), st, -ENOENT);
}

static int
sqlite_person_set_must_change(struct mamori_store *base, const char *id, bool must)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_PERSON_MUST_CHANGE, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, must);
    return step_changed(impl(base), st, -ENOENT);
}

static int
sqlite_request_insert(struct mamori_store *base, const struct mamori_store_request *q,
                      int64_t *ret_id)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_REQ_INSERT, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, q->original, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, q->requester, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, text_or_empty(q->reason), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, q->state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, q->created_us);
    sqlite3_bind_int64(st, 6, q->expires_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return errno_of(rc);
    *ret_id = sqlite3_last_insert_rowid(impl(base)->db);
    return 0;
}

static int
request_row(sqlite3_stmt *st, struct mamori_arena *arena, struct mamori_store_request *q)
{
    memset(q, 0, sizeof(*q));
    q->id = sqlite3_column_int64(st, 0);
    const char **texts[] = {&q->original, &q->requester,  &q->reason,
                            &q->state,    &q->decided_by, &q->note};
    for (int i = 0; i < 6; i++)
        if (!(*texts[i] = column_text(st, 1 + i, arena)))
            return -ENOMEM;
    q->created_us = sqlite3_column_int64(st, 7);
    q->expires_us = sqlite3_column_int64(st, 8);
    q->decided_us = sqlite3_column_int64(st, 9);
    return 0;
}

static int
sqlite_request_get(struct mamori_store *base, int64_t id, struct mamori_arena *arena,
                   struct mamori_store_request *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_REQ_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_ROW ? request_row(st, arena, ret) : rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_request_set_state(struct mamori_store *base, int64_t id, const char *from, const char *to,
                         const char *by, const char *note, int64_t when_us)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_REQ_STATE, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, text_or_empty(by), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, text_or_empty(note), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, when_us);
    return step_changed(impl(base), st, -EBUSY);
}

static int
sqlite_request_iterate(struct mamori_store *base, mamori_store_request_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_REQ_ITER, &st);
    if (r < 0)
        return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_request q;
        r = request_row(st, NULL, &q);
        if (r == 0)
            r = cb(ctx, &q);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    return r;
}

static int
sqlite_deny_add(struct mamori_store *base, const struct mamori_store_deny *d)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_DENY_ADD, &st);
    if (r < 0)
        return r;
    const char *texts[] = {d->rule, d->src, d->dst, d->proto};
    for (int i = 0; i < 4; i++)
        sqlite3_bind_text(st, 1 + i, text_or_empty(texts[i]), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, d->dport);
    sqlite3_bind_int64(st, 6, d->count);
    sqlite3_bind_int64(st, 7, d->first_us);
    sqlite3_bind_int64(st, 8, d->last_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_deny_iterate(struct mamori_store *base, mamori_store_deny_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_DENY_ITER, &st);
    if (r < 0)
        return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_deny d = {
            .rule = column_text(st, 0, NULL),
            .src = column_text(st, 1, NULL),
            .dst = column_text(st, 2, NULL),
            .proto = column_text(st, 3, NULL),
            .dport = sqlite3_column_int64(st, 4),
            .count = sqlite3_column_int64(st, 5),
            .first_us = sqlite3_column_int64(st, 6),
            .last_us = sqlite3_column_int64(st, 7),
        };
        r = cb(ctx, &d);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    return r;
}

static int
sqlite_device_put(struct mamori_store *base, const struct mamori_store_device *d)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_DEVICE_PUT, &st);
    if (r < 0)
        return r;
    const char *texts[] = {d->id, d->name, d->zone, d->usb_id, d->serial};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(st, 1 + i, text_or_empty(texts[i]), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, d->created_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_device_iterate(struct mamori_store *base, mamori_store_device_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_DEVICE_ITER, &st);
    if (r < 0)
        return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_device d = {
            .id = column_text(st, 0, NULL),
            .name = column_text(st, 1, NULL),
            .zone = column_text(st, 2, NULL),
            .usb_id = column_text(st, 3, NULL),
            .serial = column_text(st, 4, NULL),
            .created_us = sqlite3_column_int64(st, 5),
        };
        r = cb(ctx, &d);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    return r;
}

/* ---- the asset register ----------------------------------------------------------------- */

static void
bind_texts(sqlite3_stmt *st, int first, const char *const *texts, int n)
{
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, first + i, text_or_empty(texts[i]), -1, SQLITE_STATIC);
}

static int
read_texts(sqlite3_stmt *st, int first, const char **texts[], int n, struct mamori_arena *a)
{
    for (int i = 0; i < n; i++)
        if (!(*texts[i] = column_text(st, first + i, a)))
            return -ENOMEM;
    return 0;
}

static int
asset_row(sqlite3_stmt *st, struct mamori_arena *a, struct mamori_store_asset *ret)
{
    memset(ret, 0, sizeof(*ret));
    for (int i = 0; i < MAMORI_ASSET_FIELD_MAX; i++)
        if (!(ret->f[i] = column_text(st, i, a)))
            return -ENOMEM;
    const char **more[] = {&ret->created_by, &ret->classified_by};
    int r = read_texts(st, MAMORI_ASSET_FIELD_MAX, more, 2, a);
    ret->created_us = sqlite3_column_int64(st, MAMORI_ASSET_FIELD_MAX + 2);
    ret->classified_us = sqlite3_column_int64(st, MAMORI_ASSET_FIELD_MAX + 3);
    ret->updated_us = sqlite3_column_int64(st, MAMORI_ASSET_FIELD_MAX + 4);
    return r;
}

static int
sqlite_asset_put(struct mamori_store *base, const struct mamori_store_asset *a, bool insert)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), insert ? ST_ASSET_INSERT : ST_ASSET_UPDATE, &st);
    if (r < 0)
        return r;
    bind_texts(st, 1, a->f, MAMORI_ASSET_FIELD_MAX);
    const char *more[] = {a->created_by, a->classified_by};
    bind_texts(st, MAMORI_ASSET_FIELD_MAX + 1, more, 2);
    sqlite3_bind_int64(st, MAMORI_ASSET_FIELD_MAX + 3, a->created_us);
    sqlite3_bind_int64(st, MAMORI_ASSET_FIELD_MAX + 4, a->classified_us);
    sqlite3_bind_int64(st, MAMORI_ASSET_FIELD_MAX + 5, a->updated_us);
    int64_t rowid = 0;
    if (!insert) {
        if ((r = step_changed(impl(base), st, -ENOENT)) < 0)
            return r;
        if ((r = stmt(impl(base), ST_ASSET_ROWID, &st)) < 0)
            return r;
        sqlite3_bind_text(st, 1, a->f[MAMORI_ASSET_ID], -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        rowid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_ROW)
            return errno_of(rc);
        if ((r = stmt(impl(base), ST_SEARCH_DEL, &st)) < 0)
            return r;
        sqlite3_bind_int64(st, 1, rowid);
        if ((r = step_changed(impl(base), st, 0)) < 0)
            return r;
    } else {
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if ((rc & 0xff) == SQLITE_CONSTRAINT)
            return -EEXIST;
        if (rc != SQLITE_DONE)
            return errno_of(rc);
        rowid = sqlite3_last_insert_rowid(impl(base)->db);
    }
    /* the search index follows every write of an asset */
    if ((r = stmt(impl(base), ST_SEARCH_ADD, &st)) < 0)
        return r;
    sqlite3_bind_int64(st, 1, rowid);
    const char *words[] = {a->f[MAMORI_ASSET_ID], a->f[MAMORI_ASSET_NAME],
                           a->f[MAMORI_ASSET_MANAGER], a->f[MAMORI_ASSET_LOCATION]};
    bind_texts(st, 2, words, 4);
    return step_changed(impl(base), st, -EIO);
}

static int
sqlite_asset_get(struct mamori_store *base, const char *id, struct mamori_arena *arena,
                 struct mamori_store_asset *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ASSET_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_ROW ? asset_row(st, arena, ret) : rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

/* The conditions of each filter, numbered as the fields of mamori_store_asset_filter. */
static const char *const asset_conditions[ASSET_FILTERS] = {
    "rowid IN (SELECT rowid FROM asset_search WHERE asset_search MATCH ?1)",
    /* ",a,b," as a JSON array, so the planner can use asset_unit */
    "unit IN (SELECT value FROM json_each(?2))",
    "zone = ?3",
    "type = ?4",
    "conf = ?5",
    "state = ?6",
    "review_due <> '' AND review_due < ?7",
    "instr(',' || parts || ',', ',' || ?8 || ',') > 0",
};

static int
asset_statement(struct sqlite_store *s, const struct mamori_store_asset_filter *f, bool count,
                sqlite3_stmt **ret)
{
    const char *v[ASSET_FILTERS] = {f->q,    f->units, f->zone,          f->type,
                                    f->conf, f->state, f->review_before, f->part};
    unsigned mask = 0;
    for (int i = 0; i < ASSET_FILTERS; i++)
        if (v[i] && *v[i])
            mask |= 1u << i;
    size_t q_chars = 0;
    for (const char *c = v[0]; c && *c; c++)
        q_chars += ((unsigned char)*c & 0xc0) != 0x80;
    if ((mask & 1u) && q_chars < 3)
        mask |= ASSET_SHORT_Q;
    sqlite3_stmt **slot = &s->asset_query[mask][count];
    if (!*slot) {
        char sql[2048];
        int n =
            snprintf(sql, sizeof(sql), "SELECT %s FROM asset", count ? "count(*)" : ASSET_COLUMNS);
        bool first = true;
        for (int i = 0; i < ASSET_FILTERS; i++)
            if (mask & (1u << i)) {
                const char *cond = i == 0 && (mask & ASSET_SHORT_Q)
                                       ? "(id LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\' OR "
                                         "manager LIKE ?1 ESCAPE '\\' OR location LIKE ?1 ESCAPE "
                                         "'\\')"
                                       : asset_conditions[i];
                n += snprintf(sql + n, sizeof(sql) - (size_t)n, " %s %s", first ? "WHERE" : "AND",
                              cond);
                first = false;
            }
        if (!count)
            n += snprintf(sql + n, sizeof(sql) - (size_t)n, " ORDER BY id LIMIT ?10 OFFSET ?9");
        if (n <= 0 || (size_t)n >= sizeof(sql))
            return -EOVERFLOW;
        int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
        if (rc != SQLITE_OK || !*slot) {
            int r = errno_of(rc);
            return r < 0 ? r : -EIO;
        }
    }
    for (int i = 2; i < ASSET_FILTERS; i++)
        if (mask & (1u << i))
            sqlite3_bind_text(*slot, 1 + i, v[i], -1, SQLITE_STATIC);
    if (mask & 1u) {
        /* long: one FTS5 phrase ("..." with quotes doubled); short: a LIKE pattern with % _ \
         * escaped. Both match the text as typed, anywhere, ignoring ASCII case. */
        size_t n = strlen(v[0]);
        char *p = sqlite3_malloc64(n * 2 + 4), *o = p;
        if (!p)
            return -ENOMEM;
        bool phrase = !(mask & ASSET_SHORT_Q);
        *o++ = phrase ? '"' : '%';
        for (const char *c = v[0]; *c; c++) {
            if (phrase && *c == '"')
                *o++ = '"';
            else if (!phrase && (*c == '%' || *c == '_' || *c == '\\'))
                *o++ = '\\';
            *o++ = *c;
        }
        *o++ = phrase ? '"' : '%';
        sqlite3_bind_text(*slot, 1, p, (int)(o - p), sqlite3_free);
    }
    if (mask & 2u) { /* ",a,b," -> ["a","b"] (unit ids hold no quotes: the policy checks ids) */
        size_t n = strlen(v[1]);
        char *json = sqlite3_malloc64(n * 2 + 4);
        if (!json)
            return -ENOMEM;
        size_t k = 0;
        json[k++] = '[';
        for (const char *p = v[1]; *p;) {
            size_t l = strcspn(p, ",");
            if (l) {
                if (k > 1)
                    json[k++] = ',';
                json[k++] = '"';
                memcpy(json + k, p, l);
                k += l;
                json[k++] = '"';
            }
            p += l + (p[l] == ',');
        }
        json[k++] = ']';
        sqlite3_bind_text(*slot, 2, json, (int)k, sqlite3_free);
    }
    *ret = *slot;
    return 0;
}

static int
sqlite_asset_query(struct mamori_store *base, const struct mamori_store_asset_filter *f,
                   int64_t offset, int64_t limit, mamori_store_asset_cb cb, void *ctx,
                   int64_t *ret_total)
{
    static const struct mamori_store_asset_filter none;
    if (!f)
        f = &none;
    sqlite3_stmt *st;
    int r;
    if (ret_total) {
        if ((r = asset_statement(impl(base), f, true, &st)) < 0)
            return r;
        int rc = sqlite3_step(st);
        *ret_total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_ROW)
            return errno_of(rc);
    }
    if ((r = asset_statement(impl(base), f, false, &st)) < 0)
        return r;
    sqlite3_bind_int64(st, 9, offset);
    sqlite3_bind_int64(st, 10, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_asset a;
        r = asset_row(st, NULL, &a);
        if (r == 0)
            r = cb(ctx, &a);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_asset_class_add(struct mamori_store *base, const struct mamori_store_asset_class *c)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_CLASS_ADD, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, c->asset, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, c->at_us);
    const char *texts[] = {c->by, c->level[0], c->level[1], c->level[2], c->parts, c->reason};
    bind_texts(st, 3, texts, 6);
    return step_changed(impl(base), st, -EIO);
}

static int
sqlite_asset_class_iterate(struct mamori_store *base, const char *asset,
                           mamori_store_asset_class_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_CLASS_ITER, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, asset, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_asset_class c = {.id = sqlite3_column_int64(st, 0)};
        const char **texts[] = {&c.asset,    &c.by,    &c.level[0], &c.level[1],
                                &c.level[2], &c.parts, &c.reason};
        r = read_texts(st, 1, texts, 7, NULL);
        c.at_us = sqlite3_column_int64(st, 8);
        if (r == 0)
            r = cb(ctx, &c);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
event_row(sqlite3_stmt *st, struct mamori_arena *a, struct mamori_store_asset_event *e)
{
    memset(e, 0, sizeof(*e));
    e->id = sqlite3_column_int64(st, 0);
    const char **texts[] = {&e->asset, &e->kind,   &e->requester, &e->state,      &e->purpose,
                            &e->date,  &e->person, &e->method,    &e->decided_by, &e->note};
    int r = read_texts(st, 1, texts, 10, a);
    e->created_us = sqlite3_column_int64(st, 11);
    e->decided_us = sqlite3_column_int64(st, 12);
    return r;
}

static int
sqlite_asset_event_insert(struct mamori_store *base, const struct mamori_store_asset_event *e,
                          int64_t *ret_id)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_EVENT_INSERT, &st);
    if (r < 0)
        return r;
    const char *texts[] = {e->asset, e->kind,   e->requester, e->state,      e->purpose,
                           e->date,  e->person, e->method,    e->decided_by, e->note};
    bind_texts(st, 1, texts, 10);
    sqlite3_bind_int64(st, 11, e->created_us);
    sqlite3_bind_int64(st, 12, e->decided_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return errno_of(rc);
    *ret_id = sqlite3_last_insert_rowid(impl(base)->db);
    return 0;
}

static int
sqlite_asset_event_get(struct mamori_store *base, int64_t id, struct mamori_arena *arena,
                       struct mamori_store_asset_event *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_EVENT_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_ROW ? event_row(st, arena, ret) : rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_asset_event_set_state(struct mamori_store *base, int64_t id, const char *from,
                             const char *to, const char *by, const char *note, int64_t when_us)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_EVENT_STATE, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, id);
    const char *texts[] = {from, to, by, note};
    bind_texts(st, 2, texts, 4);
    sqlite3_bind_int64(st, 6, when_us);
    return step_changed(impl(base), st, -EBUSY);
}

static int
sqlite_asset_event_iterate(struct mamori_store *base, const char *asset, const char *state,
                           mamori_store_asset_event_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_EVENT_ITER, &st);
    if (r < 0)
        return r;
    if (asset)
        sqlite3_bind_text(st, 1, asset, -1, SQLITE_STATIC);
    if (state)
        sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_asset_event e;
        r = event_row(st, NULL, &e);
        if (r == 0)
            r = cb(ctx, &e);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
risk_row(sqlite3_stmt *st, struct mamori_arena *a, struct mamori_store_risk *k)
{
    memset(k, 0, sizeof(*k));
    k->id = sqlite3_column_int64(st, 0);
    const char **texts[] = {&k->asset,      &k->threat,      &k->treatment,    &k->controls,
                            &k->state,      &k->accepted_by, &k->accept_until, &k->review_due,
                            &k->created_by, &k->note};
    int r = read_texts(st, 1, texts, 10, a);
    k->likelihood = sqlite3_column_int64(st, 11);
    k->impact = sqlite3_column_int64(st, 12);
    k->level = sqlite3_column_int64(st, 13);
    k->created_us = sqlite3_column_int64(st, 14);
    k->updated_us = sqlite3_column_int64(st, 15);
    return r;
}

static int
sqlite_risk_put(struct mamori_store *base, const struct mamori_store_risk *k, int64_t *ret_id)
{
    sqlite3_stmt *st;
    bool insert = k->id == 0;
    int r = stmt(impl(base), insert ? ST_RISK_INSERT : ST_RISK_UPDATE, &st);
    if (r < 0)
        return r;
    if (!insert)
        sqlite3_bind_int64(st, 1, k->id);
    const char *texts[] = {k->asset,       k->threat,       k->treatment,  k->controls,   k->state,
                           k->accepted_by, k->accept_until, k->review_due, k->created_by, k->note};
    bind_texts(st, 2, texts, 10);
    int64_t ints[] = {k->likelihood, k->impact, k->level, k->created_us, k->updated_us};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_int64(st, 12 + i, ints[i]);
    if (!insert)
        return step_changed(impl(base), st, -ENOENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return errno_of(rc);
    if (ret_id)
        *ret_id = sqlite3_last_insert_rowid(impl(base)->db);
    return 0;
}

static int
sqlite_risk_get(struct mamori_store *base, int64_t id, struct mamori_arena *arena,
                struct mamori_store_risk *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_RISK_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_ROW ? risk_row(st, arena, ret) : rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_risk_iterate(struct mamori_store *base, const char *asset, mamori_store_risk_cb cb,
                    void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_RISK_ITER, &st);
    if (r < 0)
        return r;
    if (asset)
        sqlite3_bind_text(st, 1, asset, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_risk k;
        r = risk_row(st, NULL, &k);
        if (r == 0)
            r = cb(ctx, &k);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
gov_row(sqlite3_stmt *st, struct mamori_arena *a, struct mamori_store_gov *g)
{
    memset(g, 0, sizeof(*g));
    const char **texts[] = {&g->kind,  &g->id,         &g->state, &g->unit,
                            &g->title, &g->created_by, &g->data};
    int r = read_texts(st, 0, texts, 7, a);
    g->created_us = sqlite3_column_int64(st, 7);
    g->updated_us = sqlite3_column_int64(st, 8);
    return r;
}

static int
sqlite_gov_put(struct mamori_store *base, const struct mamori_store_gov *g, bool insert)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), insert ? ST_GOV_INSERT : ST_GOV_UPDATE, &st);
    if (r < 0)
        return r;
    const char *texts[] = {g->kind, g->id, g->state, g->unit, g->title, g->created_by, g->data};
    bind_texts(st, 1, texts, 7);
    sqlite3_bind_int64(st, 8, g->created_us);
    sqlite3_bind_int64(st, 9, g->updated_us);
    if (!insert)
        return step_changed(impl(base), st, -ENOENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_gov_get(struct mamori_store *base, const char *kind, const char *id,
               struct mamori_arena *arena, struct mamori_store_gov *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_GOV_GET, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    r = rc == SQLITE_ROW ? gov_row(st, arena, ret) : rc == SQLITE_DONE ? -ENOENT : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_gov_iterate(struct mamori_store *base, const char *kind, const char *state,
                   mamori_store_gov_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_GOV_ITER, &st);
    if (r < 0)
        return r;
    if (kind)
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    if (state)
        sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_gov g;
        r = gov_row(st, NULL, &g);
        if (r == 0)
            r = cb(ctx, &g);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_gov_last_number(struct mamori_store *base, const char *kind, const char *prefix,
                       int64_t *ret)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_GOV_LAST, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *ret = sqlite3_column_int64(st, 0);
    r = rc == SQLITE_ROW ? 0 : errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_gov_step_add(struct mamori_store *base, const struct mamori_store_gov_step *s)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_GOV_STEP_ADD, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, s->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, s->at_us);
    const char *texts[] = {s->actor, s->action, s->from_state, s->to_state, s->note, s->data};
    bind_texts(st, 4, texts, 6);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

static int
sqlite_role_iterate(struct mamori_store *base, const struct mamori_store_role_query *q,
                    mamori_store_role_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_ROLE_ITER, &st);
    if (r < 0)
        return r;
    const char *filters[] = {q->person, q->role, q->unit};
    for (int i = 0; i < 3; i++)
        if (filters[i])
            sqlite3_bind_text(st, 1 + i, filters[i], -1, SQLITE_STATIC);
    if (q->at_us)
        sqlite3_bind_int64(st, 4, q->at_us);
    if (q->appointed)
        sqlite3_bind_int(st, 5, q->appointed > 0);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_role_span sp = {0};
        const char **texts[] = {&sp.person, &sp.role, &sp.unit};
        r = read_texts(st, 0, texts, 3, NULL);
        sp.from_us = sqlite3_column_int64(st, 3);
        sp.until_us = sqlite3_column_int64(st, 4);
        sp.appointed = sqlite3_column_int(st, 5) != 0;
        if (r == 0)
            r = cb(ctx, &sp);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static int
sqlite_role_appoint(struct mamori_store *base, const char *person, const char *role,
                    const char *unit, int64_t at_us, bool dismiss)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), dismiss ? ST_ROLE_DISMISS : ST_ROLE_APPOINT, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
    if (dismiss) {
        sqlite3_bind_int64(st, 3, at_us);
    } else {
        sqlite3_bind_text(st, 3, unit ? unit : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, at_us);
    }
    /* nothing changed: already held (appoint) or no such appointment (dismiss) */
    return step_changed(impl(base), st, dismiss ? -ENOENT : -EEXIST);
}

static int
sqlite_gov_step_iterate(struct mamori_store *base, const char *kind, const char *id,
                        mamori_store_gov_step_cb cb, void *ctx)
{
    sqlite3_stmt *st;
    int r = stmt(impl(base), ST_GOV_STEP_ITER, &st);
    if (r < 0)
        return r;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct mamori_store_gov_step s;
        memset(&s, 0, sizeof(s));
        const char **texts[] = {&s.kind, &s.id};
        const char **more[] = {&s.actor, &s.action, &s.from_state, &s.to_state, &s.note, &s.data};
        r = read_texts(st, 0, texts, 2, NULL);
        if (r == 0)
            r = read_texts(st, 4, more, 6, NULL);
        s.seq = sqlite3_column_int64(st, 2);
        s.at_us = sqlite3_column_int64(st, 3);
        if (r == 0)
            r = cb(ctx, &s);
        if (r != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = errno_of(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

static const struct mamori_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .schema_version = sqlite_schema_version,
    .begin = sqlite_begin,
    .begin_read = sqlite_begin_read,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .meta_get = sqlite_meta_get,
    .meta_set = sqlite_meta_set,
    .log_state_get = sqlite_log_state_get,
    .log_state_put = sqlite_log_state_put,
    .log_insert = sqlite_log_insert,
    .log_iterate = sqlite_log_iterate,
    .log_count = sqlite_log_count,
    .checkpoint_insert = sqlite_checkpoint_insert,
    .checkpoint_iterate = sqlite_checkpoint_iterate,
    .original_put = sqlite_original_put,
    .original_get = sqlite_original_get,
    .original_iterate = sqlite_original_iterate,
    .original_delete = sqlite_original_delete,
    .original_page = sqlite_original_page,
    .original_stats = sqlite_original_stats,
    .transfer_insert = sqlite_transfer_insert,
    .transfer_get = sqlite_transfer_get,
    .transfer_set_state = sqlite_transfer_set_state,
    .transfer_iterate = sqlite_transfer_iterate,
    .person_put = sqlite_person_put,
    .person_get = sqlite_person_get,
    .person_iterate = sqlite_person_iterate,
    .person_set_disabled = sqlite_person_set_disabled,
    .person_update = sqlite_person_update,
    .person_set_totp = sqlite_person_set_totp,
    .person_note_login = sqlite_person_note_login,
    .person_set_must_change = sqlite_person_set_must_change,
    .person_unlock = sqlite_person_unlock,
    .request_insert = sqlite_request_insert,
    .request_get = sqlite_request_get,
    .request_set_state = sqlite_request_set_state,
    .request_iterate = sqlite_request_iterate,
    .deny_add = sqlite_deny_add,
    .device_put = sqlite_device_put,
    .device_iterate = sqlite_device_iterate,
    .deny_iterate = sqlite_deny_iterate,
    .asset_put = sqlite_asset_put,
    .asset_get = sqlite_asset_get,
    .asset_query = sqlite_asset_query,
    .asset_class_add = sqlite_asset_class_add,
    .asset_class_iterate = sqlite_asset_class_iterate,
    .asset_event_insert = sqlite_asset_event_insert,
    .asset_event_get = sqlite_asset_event_get,
    .asset_event_set_state = sqlite_asset_event_set_state,
    .asset_event_iterate = sqlite_asset_event_iterate,
    .risk_put = sqlite_risk_put,
    .risk_get = sqlite_risk_get,
    .risk_iterate = sqlite_risk_iterate,
    .gov_put = sqlite_gov_put,
    .gov_get = sqlite_gov_get,
    .gov_iterate = sqlite_gov_iterate,
    .gov_last_number = sqlite_gov_last_number,
    .gov_step_add = sqlite_gov_step_add,
    .gov_step_iterate = sqlite_gov_step_iterate,
    .role_iterate = sqlite_role_iterate,
    .role_appoint = sqlite_role_appoint,
};

int
mamori_store_sqlite_open(const char *path, bool readonly, struct mamori_store **ret)
{
    struct sqlite_store *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->base.ops = &sqlite_ops;
    s->readonly = readonly;
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    int r = errno_of(rc);
    if (r < 0)
        goto fail;
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_busy_timeout(s->db, 10000);
    /* The clock of the role_span triggers (innocuous: trusted_schema is off). */
    rc = sqlite3_create_function(s->db, "mamori_now_us", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL,
                                 sql_now_us, NULL, NULL);
    if ((r = errno_of(rc)) < 0)
        goto fail;
    if (!readonly) {
        r = run_script(s->db, "PRAGMA journal_mode = WAL;");
        if (r == 0)
            r = run_script(s->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
                                  "PRAGMA secure_delete = ON;");
        if (r == 0)
            r = migrate(s);
    } else {
        int v = 0;
        r = user_version(s, &v);
        if (r == 0 && v != MAMORI_STORE_SCHEMA_VERSION)
            r = v == 0 ? -ENOENT : MAMORI_E_VERSION;
    }
    if (r < 0)
        goto fail;
    *ret = &s->base;
    return 0;
fail:
    sqlite_close(&s->base);
    return r;
}
