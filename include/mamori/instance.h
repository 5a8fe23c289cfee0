/*
 * mamori instance: one city's installation in one directory.
 *
 *     DIR/mamori.yaml        the policy
 *     DIR/store.db           the store (SQLite)
 *     DIR/keys/audit.key     the audit log's Ed25519 signing key (0600)
 *     DIR/keys/audit.pub     its verifier key, for auditors
 *     DIR/keys/quarantine.key the key that seals each original's key (0600)
 *     DIR/keys/secrets.key   the key that seals persons' TOTP secrets (0600)
 *     DIR/mamorid.conf       the daemon's listeners and workers
 *     DIR/quarantine/        originals, encrypted (0700)
 *     DIR/spool/             work in progress (0700)
 *     DIR/run/               sockets (0750)
 *
 * Programs find the directory from -C DIR or MAMORI_HOME. This module is the glue between the
 * file system and the library's engines: it reads files, opens the store and the log, and is
 * the only place that knows the layout.
 */
#ifndef MAMORI_INSTANCE_H
#define MAMORI_INSTANCE_H

#include <time.h>

#include "mamori/auditlog.h"
#include "mamori/core.h"
#include "mamori/policy.h"
#include "mamori/store.h"

struct mamori_instance {
    char *dir;
    char *policy_path;
    char *store_path;
    char *key_path;
    char *pub_path;
    char *quarantine_dir;
    char *quarantine_key_path;
    char *daemon_conf_path;
    char *secrets_key_path;
    struct mamori_store *store;
    struct mamori_log_key key; /* signer when readable, else verifier */
    struct mamori_log *log;    /* NULL without the signing key */
};

/* Creates an instance in dir (which must not hold one already) from the policy file given;
 * the policy must check clean. Diagnostics of a bad policy go to diags. */
int mamori_instance_init(const char *dir, const char *policy_file, struct mamori_diags *diags);
/* Opens an existing instance. */
int mamori_instance_open(const char *dir, struct mamori_instance **ret);
int mamori_instance_close(struct mamori_instance *inst);
/* Reads and checks the instance's policy (or another file). */
int mamori_policy_load_file(const char *path, int32_t today, struct mamori_policy **ret,
                            struct mamori_diags *diags);
/* A change to the store and its audit record, in one transaction: op (may be NULL) runs
 * inside it; the record is appended only if op succeeds; commit or roll back. op's negative
 * result (or the log's) is returned; -EACCES without the signing key. */
typedef int (*mamori_store_op)(struct mamori_store *s, void *ctx);
int mamori_instance_apply(struct mamori_instance *inst, mamori_store_op op, void *ctx,
                          struct mamori_record *rec);
/* May actor approve action (the approval matrix) for the person requester_id (looked up in
 * the store)? 0, MAMORI_E_DENIED with *ret_why (mamori_policy_may_approve), or a store error. */
int mamori_instance_may_approve(struct mamori_instance *inst, const struct mamori_policy *p,
                                const char *action, const char *requester_id,
                                const struct mamori_store_person *actor, const char **ret_why);
/* Second factors (TOTP, RFC 6238; src/instance/totp.c). open: the person's secret (-ENOENT
 * when none is enrolled); check: 0 when code is valid now (the current 30-second step or one
 * either side), MAMORI_E_DENIED when not. */
#define MAMORI_TOTP_SECRET_LEN 20 /* RFC 4226: 160 bits */
int mamori_instance_totp_open(struct mamori_instance *inst, const struct mamori_store_person *p,
                              uint8_t secret[MAMORI_TOTP_SECRET_LEN]);
int mamori_instance_totp_check(struct mamori_instance *inst, const struct mamori_store_person *p,
                               const char *code, time_t now);
/* Appends one record to the instance's audit log. */
int mamori_instance_record(struct mamori_instance *inst, struct mamori_record *rec);

#endif
