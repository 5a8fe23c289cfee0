/*
 * The mamori command: shared state of one invocation and the helpers its commands use.
 * Commands are thin: parse words, call the library, print.
 */
#ifndef MAMORI_CLI_H
#define MAMORI_CLI_H

#include <stdbool.h>
#include <sysexits.h>

#include "mamori/instance.h"

enum cli_opt {
    OPT_JSON = 1 << 0,
    OPT_AS = 1 << 1,
    OPT_RECORD = 1 << 2,
    OPT_POLICY = 1 << 3,
    OPT_OUTPUT = 1 << 4,
    OPT_CHECKPOINT = 1 << 5,
    OPT_SINCE = 1 << 6,
    OPT_FILE = 1 << 7,
    OPT_KEY = 1 << 8,
    OPT_LANG = 1 << 9,
    OPT_OUT_DIR = 1 << 10,
    OPT_REPORT = 1 << 11,
    OPT_FORMAT = 1 << 12,
    OPT_EXPIRED = 1 << 13,
    OPT_ROLE = 1 << 14,
    OPT_UNIT = 1 << 15,
    OPT_MAIL = 1 << 16,
    OPT_PASSWORD_FILE = 1 << 17,
    OPT_NAME = 1 << 18,
    OPT_REASON = 1 << 19,
    OPT_DELIVER = 1 << 20,
    OPT_USB = 1 << 21,
    OPT_ZONE = 1 << 22,
    OPT_SERIAL = 1 << 23,
    OPT_HOST = 1 << 24,
    OPT_STRICT = 1 << 25,
    OPT_DRY_RUN = 1 << 26,
    OPT_MAPPING = 1 << 27,
    OPT_ENCODING = 1 << 28,
    OPT_UNTIL = 1 << 29,
    OPT_YEAR = 1 << 30,
};

struct cli {
    const char *home; /* -C DIR or MAMORI_HOME */
    bool json;
    const char *as;
    bool record;
    const char *policy;
    const char *output;
    const char *checkpoint;
    const char *since;
    const char *file;
    const char *key;
    const char *out_dir;
    const char *report;
    const char *format;
    bool expired;
    const char *role;
    const char *unit;
    const char *mail;
    const char *password_file;
    const char *name;
    const char *reason;
    bool deliver;
    const char *usb;
    const char *zone;
    const char *serial;
    const char *host;
    bool strict;
    bool dry_run;
    const char *mapping;
    const char *encoding;
    const char *until;
    const char *year;
    const char *command; /* the command's words ("incident") */
    unsigned given;      /* enum cli_opt bits seen */
    char **args;         /* operands after the command words */
    int n_args;
};

struct cli_command {
    const char *words; /* "log verify" */
    int min_args, max_args;
    unsigned opts;
    const char *usage;
    const char *help; /* an English message id */
    int (*run)(struct cli *c);
};

/* What most commands work with: the policy, the instance, an arena, and the --as person. */
struct cli_session {
    struct mamori_policy *p;
    struct mamori_instance *inst;
    struct mamori_arena *a;
    struct mamori_store_person me;
};
/* Opens policy, instance and arena, and (need_actor) the --as person; a sysexits code after
 * saying why not. close frees them and returns rc. */
int cli_session_open(struct cli *c, bool need_actor, struct cli_session *s);
int cli_session_close(struct cli_session *s, int rc);
/* --role R with --as: act in a role the person holds by appointment (兼務) rather than their
 * own; 0, or a sysexits code after saying why not. */
int cli_acting_role(struct cli *c, struct cli_session *s);

/* Prints "mamori: <message>" to stderr; callers pass _("English text"). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens the instance of -C / MAMORI_HOME; prints why not and returns a sysexits code. */
int cli_open_instance(struct cli *c, struct mamori_instance **ret);
/* Appends rec to the instance's audit log when an instance is given (-C, MAMORI_HOME); 0 when
 * none is, or a sysexits code after printing the error. */
int cli_record(struct cli *c, struct mamori_record *rec);
/* The person of --as: an enabled user of the instance (strings in arena); prints why not and
 * returns a sysexits code. */
int cli_actor(struct cli *c, struct mamori_instance *inst, struct mamori_arena *arena,
              struct mamori_store_person *ret);
/* A listing command's frame: opens the instance, calls walk with j (add one JSON value per
 * item) under --json or NULL (print text lines), prints the JSON array, reports a store error
 * (walk's negative result). Returns a sysexits code. */
typedef int (*cli_walk_fn)(struct mamori_instance *inst, struct mamori_json *j, void *ctx);
int cli_list(struct cli *c, cli_walk_fn walk, void *ctx);
/* Loads the policy to work with: --policy, else the instance's, else ./mamori.yaml, else the
 * example city's. Prints diagnostics on failure. */
int cli_load_policy(struct cli *c, struct mamori_policy **ret, const char **ret_path);
/* Writes a buffer to --output or stdout. */
int cli_write_output(struct cli *c, const char *data, size_t len);
/* Maps a library error to a sysexits code. */
int cli_exit_code(int r);

int cmd_init(struct cli *c);
int cmd_quarantine_list(struct cli *c);
int cmd_quarantine_show(struct cli *c);
int cmd_quarantine_verify(struct cli *c);
int cmd_quarantine_purge(struct cli *c);
int cmd_quarantine_request(struct cli *c);
int cmd_quarantine_approve(struct cli *c);
int cmd_quarantine_deny(struct cli *c);
int cmd_quarantine_release(struct cli *c);
int cmd_quarantine_requests(struct cli *c);
int cmd_fw_denies(struct cli *c);
int cmd_user_add(struct cli *c);
int cmd_user_list(struct cli *c);
int cmd_user_show(struct cli *c);
int cmd_user_disable(struct cli *c);
int cmd_user_unlock(struct cli *c);
int cmd_user_unlock(struct cli *c);
int cmd_user_set_role(struct cli *c);
int cmd_user_reset_password(struct cli *c);
int cmd_user_enrol_totp(struct cli *c);
int cmd_user_verify_totp(struct cli *c);
int cmd_user_export_oath(struct cli *c);
int cmd_device_add(struct cli *c);
int cmd_device_list(struct cli *c);
int cmd_endpoint_profile(struct cli *c);
/* pam_oath's usersfile of every enabled person with a second factor (secrets in the clear:
 * the caller writes it only where it must go, 0600). */
/* Finishes the --report JSON in b and writes it to c->report: 0, or EX_TEMPFAIL (said why). */
int cli_report_write(struct cli *c, struct mamori_json *j, struct mamori_buf *b);
int cli_oath_usersfile(struct mamori_instance *inst, struct mamori_buf *out, size_t *ret_n);
int cmd_policy_check(struct cli *c);
int cmd_policy_matrix(struct cli *c);
int cmd_flow_check(struct cli *c);
int cmd_log_verify(struct cli *c);
int cmd_log_prove(struct cli *c);
int cmd_log_consistency(struct cli *c);
int cmd_log_show(struct cli *c);
int cmd_log_export(struct cli *c);
int cmd_log_checkpoint(struct cli *c);
int cmd_sanitize_mail(struct cli *c);
int cmd_sanitize_file(struct cli *c);
int cmd_fw_compile(struct cli *c);
int cmd_fw_apply(struct cli *c);
int cmd_fw_rollback(struct cli *c);
int cmd_fw_verify(struct cli *c);
int cmd_check_time(struct cli *c);
int cmd_asset_add(struct cli *c);
int cmd_asset_edit(struct cli *c);
int cmd_asset_classify(struct cli *c);
int cmd_asset_show(struct cli *c);
int cmd_asset_list(struct cli *c);
int cmd_asset_event(struct cli *c);
int cmd_asset_events(struct cli *c);
int cmd_asset_approve(struct cli *c);
int cmd_asset_deny(struct cli *c);
int cmd_asset_import(struct cli *c);
int cmd_asset_export(struct cli *c);
int cmd_risk_threats(struct cli *c);
int cmd_risk_add(struct cli *c);
int cmd_risk_list(struct cli *c);
int cmd_risk_accept(struct cli *c);
int cmd_inspect_run(struct cli *c);
/* The governance registers: one command per kind (c->command), the verb in args[0]. */
int cmd_gov(struct cli *c);
int cmd_report(struct cli *c);
int cmd_remind(struct cli *c);
int cmd_org_roles(struct cli *c);
int cmd_user_appoint(struct cli *c);
int cmd_user_dismiss(struct cli *c);
int cmd_org_history(struct cli *c);

#endif
