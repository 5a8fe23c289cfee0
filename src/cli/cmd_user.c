/*
 * mamori user add|list|show|disable: the persons who act (the console's accounts; --as).
 *
 * Passwords are hashed with Argon2id (libsodium) and read from a file, never from the command
 * line. The first person may be added without --as (first set-up); after that, adding or
 * disabling a person needs --as someone holding ciso, general_manager or system_admin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>
#include <sodium.h>
#include <time.h>

#include "cli.h"

#define PASSWORD_MIN 12

static bool
may_manage_users(const char *role)
{
    return strcmp(role, "ciso") == 0 || strcmp(role, "general_manager") == 0 ||
           strcmp(role, "system_admin") == 0;
}

static int
count_cb(void *ctx, const struct mamori_store_person *p)
{
    (void)p;
    (*(size_t *)ctx)++;
    return 0;
}

static bool
valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

/* Store operations run inside mamori_instance_apply (a change and its record together). */
struct person_op {
    const struct mamori_store_person *person;
    const char *id, *role, *unit, *hash;
    const uint8_t *sealed;
    size_t sealed_len;
    bool dismiss; /* an appointment ended, not made */
};

static int
op_person_put(struct mamori_store *s, void *ctx)
{
    return mamori_store_person_put(s, ((struct person_op *)ctx)->person);
}

static int
op_person_disable(struct mamori_store *s, void *ctx)
{
    return mamori_store_person_set_disabled(s, ((struct person_op *)ctx)->id, true);
}

static int
op_person_update(struct mamori_store *s, void *ctx)
{
    struct person_op *o = ctx;
    int r = mamori_store_person_update(s, o->id, o->role, o->unit, o->hash);
    /* A password an administrator set is changed by its owner at the next sign-in. */
    if (r == 0 && o->hash)
        r = mamori_store_person_set_must_change(s, o->id, true);
    return r;
}

static int
op_person_totp(struct mamori_store *s, void *ctx)
{
    struct person_op *o = ctx;
    return mamori_store_person_set_totp(s, o->id, o->sealed, o->sealed_len);
}

/* --role (and --unit) name a role (and unit) of the policy; 0 or a sysexits code. */
static int
check_role_unit(struct cli *c)
{
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, NULL);
    if (rc)
        return rc;
    if (mamori_policy_find_role(p, c->role) < 0) {
        cli_error(_("'%s' is not a role of the policy"), c->role);
        rc = EX_USAGE;
    } else if (c->unit && mamori_policy_find_unit(p, c->unit) < 0) {
        cli_error(_("'%s' is not a unit of the policy"), c->unit);
        rc = EX_USAGE;
    }
    mamori_policy_free(p);
    return rc;
}

/* Reads a password (first line of a file, at least PASSWORD_MIN characters) and hashes it with
 * Argon2id; 0 or a sysexits code after printing why. */
static int
hash_password_file(const char *path, char hash[crypto_pwhash_STRBYTES])
{
    char *pw = NULL;
    size_t pwlen = 0;
    int r = mamori_fs_read_file(path, 4096, &pw, &pwlen);
    if (r < 0) {
        cli_error(_("cannot read %s: %s"), path, mamori_strerror(r));
        return EX_NOINPUT;
    }
    size_t total = pwlen;
    char *nl = memchr(pw, '\n', pwlen);
    if (nl)
        pwlen = (size_t)(nl - pw);
    while (pwlen && pw[pwlen - 1] == '\r')
        pwlen--;
    int rc = 0;
    if (pwlen < PASSWORD_MIN) {
        cli_error(_("the password must have at least %d characters"), PASSWORD_MIN);
        rc = EX_DATAERR;
    } else if (crypto_pwhash_str(hash, pw, pwlen, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        cli_error(_("cannot hash the password: %s"), mamori_strerror(-ENOMEM));
        rc = EX_OSERR;
    }
    sodium_memzero(pw, total);
    free(pw);
    return rc;
}

int
cmd_user_add(struct cli *c)
{
    const char *id = c->args[0];
    if (!valid_id(id)) {
        cli_error(_("'%s' is not a valid user name (letters, digits, '.', '_', '-'; at most 64)"),
                  id);
        return EX_USAGE;
    }
    if (!c->role || !c->password_file) {
        cli_error(_("user add needs --role ROLE and --password-file FILE"));
        return EX_USAGE;
    }
    int rc = check_role_unit(c);
    if (rc)
        return rc;
    char hash[crypto_pwhash_STRBYTES];
    if ((rc = hash_password_file(c->password_file, hash)))
        return rc;
    int r;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    size_t n = 0;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person actor = {0};
    r = mamori_store_person_iterate(inst->store, count_cb, &n);
    if (r == 0 && n > 0) {
        rc = cli_actor(c, inst, a, &actor);
        if (rc == 0 && !may_manage_users(actor.role)) {
            cli_error(_("%s (%s) may not add users: ciso, general_manager or system_admin may"),
                      actor.id, actor.role);
            rc = EX_NOPERM;
        }
    }
    if (r == 0 && rc == 0) {
        struct mamori_store_person np = {.id = id,
                                         .name = c->name ? c->name : id,
                                         .role = c->role,
                                         .unit = c->unit ? c->unit : "",
                                         .mail = c->mail ? c->mail : "",
                                         .password_hash = hash,
                                         .created_us = mamori_now_us(),
                                         /* set by someone else: changed at first sign-in */
                                         .must_change_password = n > 0};
        struct mamori_buf d;
        mamori_buf_init(&d, 4096);
        struct mamori_json j;
        mamori_json_init(&j, &d, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "role", np.role);
        mamori_json_kv_string(&j, "unit", np.unit);
        mamori_json_kv_string(&j, "mail", np.mail);
        mamori_json_object_end(&j);
        r = mamori_json_finish(&j);
        struct mamori_record rec = {.time_us = np.created_us,
                                    .actor = n ? actor.id : "setup",
                                    .action = "user.add",
                                    .object = id,
                                    .decision = "ok",
                                    .clause = "5",
                                    .details = d.data};
        struct person_op op = {.person = &np};
        if (r == 0)
            r = mamori_instance_apply(inst, op_person_put, &op, &rec);
        mamori_buf_done(&d);
        if (r == -EEXIST) {
            cli_error(_("user %s exists already"), id);
            rc = EX_DATAERR;
        } else if (r < 0) {
            cli_error(_("cannot add %s: %s"), id, mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(_("user %s added (%s)\n"), id, c->role);
        }
    } else if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    sodium_memzero(hash, sizeof(hash));
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

static void
person_json(struct mamori_json *j, const struct mamori_store_person *p)
{
    mamori_json_object_begin(j);
    mamori_json_kv_string(j, "id", p->id);
    mamori_json_kv_string(j, "name", p->name);
    mamori_json_kv_string(j, "role", p->role);
    mamori_json_kv_string(j, "unit", p->unit);
    mamori_json_kv_string(j, "mail", p->mail);
    mamori_json_kv_bool(j, "disabled", p->disabled);
    mamori_json_kv_int(j, "created_us", p->created_us);
    mamori_json_kv_bool(j, "second_factor", p->totp_sealed != NULL);
    mamori_json_kv_bool(j, "must_change_password", p->must_change_password);
    mamori_json_kv_int(j, "failed_sign_ins", p->failed_logins);
    mamori_json_kv_int(j, "locked_until_us", p->locked_until_us);
    mamori_json_kv_int(j, "last_sign_in_us", p->last_login_us);
    mamori_json_kv_string(j, "last_sign_in_from", p->last_login_from);
    mamori_json_object_end(j);
}

struct list_ctx {
    struct mamori_json *j;
};

static int
list_cb(void *ctx, const struct mamori_store_person *p)
{
    struct list_ctx *l = ctx;
    if (l->j)
        person_json(l->j, p);
    else
        printf("%-16s %-16s %-20s %-28s %s\n", p->id, p->role, p->unit, p->mail,
               p->disabled ? _("disabled") : "");
    return 0;
}

static int
walk_persons(struct mamori_instance *inst, struct mamori_json *j, void *ctx)
{
    struct list_ctx l = {j};
    return mamori_store_person_iterate(inst->store, list_cb, &l);
}

int
cmd_user_list(struct cli *c)
{
    return cli_list(c, walk_persons, NULL);
}

int
cmd_user_show(struct cli *c)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person p;
    int r = a ? mamori_store_person_get(inst->store, c->args[0], a, &p) : -ENOMEM;
    if (r == -ENOENT) {
        cli_error(_("no user %s"), c->args[0]);
        rc = EX_DATAERR;
    } else if (r < 0) {
        cli_error(_("cannot read the store: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    } else if (c->json) {
        struct mamori_buf b;
        struct mamori_json j;
        mamori_buf_init(&b, 1 << 16);
        mamori_json_init(&j, &b, true);
        person_json(&j, &p);
        if (mamori_json_finish(&j) == 0)
            printf("%s\n", b.data);
        mamori_buf_done(&b);
    } else {
        struct list_ctx l = {NULL};
        list_cb(&l, &p);
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

static int
op_person_unlock(struct mamori_store *s, void *ctx)
{
    return mamori_store_person_unlock(s, ((struct person_op *)ctx)->id);
}

/* An administrator's change of one person's account, audited: disable, or end a lockout. */
static int
admin_change(struct cli *c, bool unlock)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person actor;
    rc = cli_actor(c, inst, a, &actor);
    if (rc == 0 && !may_manage_users(actor.role)) {
        cli_error(unlock ? _("%s (%s) may not unlock users: ciso, general_manager or "
                             "system_admin may")
                         : _("%s (%s) may not disable users: ciso, general_manager or "
                             "system_admin may"),
                  actor.id, actor.role);
        rc = EX_NOPERM;
    }
    if (rc == 0) {
        struct mamori_record rec = {.actor = actor.id,
                                    .action = unlock ? "user.unlock" : "user.disable",
                                    .object = c->args[0],
                                    .decision = "ok",
                                    .clause = "5",
                                    .details = "{}"};
        struct person_op o = {.id = c->args[0]};
        int r =
            mamori_instance_apply(inst, unlock ? op_person_unlock : op_person_disable, &o, &rec);
        if (r == -ENOENT) {
            cli_error(_("no user %s"), c->args[0]);
            rc = EX_DATAERR;
        } else if (r < 0) {
            cli_error(unlock ? _("cannot unlock %s: %s") : _("cannot disable %s: %s"), c->args[0],
                      mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(unlock ? _("user %s unlocked\n") : _("user %s disabled\n"), c->args[0]);
        }
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

int
cmd_user_disable(struct cli *c)
{
    return admin_change(c, false);
}

int
cmd_user_unlock(struct cli *c)
{
    return admin_change(c, true);
}

/* ---- TOTP (the second factor; pam_oath on My Number zone terminals reads users.oath) ------ */

#define TOTP_SECRET_LEN MAMORI_TOTP_SECRET_LEN

int
cmd_user_enrol_totp(struct cli *c)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person actor, p;
    rc = cli_actor(c, inst, a, &actor);
    if (rc == 0 && !may_manage_users(actor.role)) {
        cli_error(_("%s (%s) may not enrol second factors: ciso, general_manager or system_admin "
                    "may"),
                  actor.id, actor.role);
        rc = EX_NOPERM;
    }
    int r = 0;
    if (rc == 0 && (r = mamori_store_person_get(inst->store, c->args[0], a, &p)) < 0) {
        cli_error(r == -ENOENT ? _("no user %s") : _("cannot read the store: %s"),
                  r == -ENOENT ? c->args[0] : mamori_strerror(r));
        rc = r == -ENOENT ? EX_DATAERR : cli_exit_code(r);
    }
    uint8_t secret[TOTP_SECRET_LEN], sealed[TOTP_SECRET_LEN + MAMORI_SEAL_OVERHEAD];
    randombytes_buf(secret, sizeof(secret));
    if (rc == 0 &&
        ((r = mamori_key_file_create(inst->secrets_key_path)) < 0 ||
         (r = mamori_seal(inst->secrets_key_path, secret, sizeof(secret), sealed)) < 0)) {
        cli_error(_("cannot seal the secret: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    if (rc == 0) {
        struct mamori_record rec = {.actor = actor.id,
                                    .action = "user.totp-enrol",
                                    .object = p.id,
                                    .decision = "ok",
                                    .clause = "6(3)①",
                                    .details = "{}"};
        struct person_op op = {.id = p.id, .sealed = sealed, .sealed_len = sizeof(sealed)};
        r = mamori_instance_apply(inst, op_person_totp, &op, &rec);
        char *b32 = NULL;
        size_t b32len = 0;
        if (r == 0 &&
            oath_base32_encode((const char *)secret, sizeof(secret), &b32, &b32len) != OATH_OK)
            r = -ENOMEM;
        if (r < 0) {
            cli_error(_("cannot enrol %s: %s"), p.id, mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            /* Shown once, for the person's authenticator app (the console shows it as a QR
             * code); mamori keeps only the sealed copy. */
            printf("otpauth://totp/mamori:%s?secret=%.*s&issuer=mamori&algorithm=SHA1&digits=6"
                   "&period=30\n",
                   p.id, (int)b32len, b32);
        }
        free(b32);
    }
    sodium_memzero(secret, sizeof(secret));
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

int
cmd_user_verify_totp(struct cli *c)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person p;
    int r = mamori_store_person_get(inst->store, c->args[0], a, &p);
    if (r == 0)
        r = mamori_instance_totp_check(inst, &p, c->args[1], time(NULL));
    if (r < 0 && r != MAMORI_E_DENIED) {
        cli_error(r == -ENOENT ? _("%s has no second factor enrolled (or is unknown)")
                               : _("cannot open the second factor of %s"),
                  c->args[0]);
        rc = r == -ENOENT ? EX_DATAERR : cli_exit_code(r);
    } else {
        bool ok = r == 0;
        struct mamori_record rec = {.actor = p.id,
                                    .action = "user.totp-verify",
                                    .object = p.id,
                                    .decision = ok ? "ok" : "fail",
                                    .clause = "6(3)①",
                                    .details = "{}"};
        if (inst->log)
            mamori_instance_record(inst, &rec);
        printf("%s\n", ok ? _("valid") : _("not valid"));
        rc = ok ? 0 : 1;
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

struct oath_ctx {
    struct mamori_instance *inst;
    struct mamori_buf *out;
    size_t n;
    int err;
};

static int
oath_cb(void *ctx, const struct mamori_store_person *p)
{
    struct oath_ctx *o = ctx;
    if (p->disabled || !p->totp_sealed)
        return 0;
    uint8_t secret[TOTP_SECRET_LEN];
    char hex[2 * TOTP_SECRET_LEN + 1];
    int r = mamori_instance_totp_open(o->inst, p, secret);
    if (r < 0) {
        cli_error(_("cannot open the second factor of %s"), p->id);
        o->err = r;
        return 0;
    }
    mamori_hex(secret, sizeof(secret), hex);
    /* pam_oath's usersfile: type, user, password ("-": none), secret in hex. */
    r = mamori_buf_printf(o->out, "HOTP/T30/6\t%s\t-\t%s\n", p->id, hex);
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(hex, sizeof(hex));
    o->n++;
    return r;
}

int
cli_oath_usersfile(struct mamori_instance *inst, struct mamori_buf *out, size_t *ret_n)
{
    struct oath_ctx o = {inst, out, 0, 0};
    int r = mamori_store_person_iterate(inst->store, oath_cb, &o);
    if (r == 0 && o.err < 0)
        r = o.err;
    if (r == 0)
        *ret_n = o.n;
    return r;
}

int
cmd_user_export_oath(struct cli *c)
{
    if (!c->output || strcmp(c->output, "-") == 0) {
        cli_error(_("export-oath needs -o FILE (the secrets are not written to a terminal)"));
        return EX_USAGE;
    }
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person actor;
    rc = cli_actor(c, inst, a, &actor);
    if (rc == 0 && !may_manage_users(actor.role)) {
        cli_error(_("%s (%s) may not export second factors"), actor.id, actor.role);
        rc = EX_NOPERM;
    }
    struct mamori_buf out;
    mamori_buf_init(&out, (size_t)1 << 24);
    size_t n = 0;
    int r = rc ? 0 : cli_oath_usersfile(inst, &out, &n);
    if (rc == 0 && r < 0) {
        cli_error(_("cannot export: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    if (rc == 0) {
        r = mamori_fs_write_atomic(c->output, out.data ? out.data : "", out.len, 0600);
        struct mamori_record rec = {.actor = actor.id,
                                    .action = "user.totp-export",
                                    .object = c->output,
                                    .decision = r == 0 ? "ok" : "fail",
                                    .clause = "6(3)①",
                                    .details = "{}"};
        if (inst->log)
            mamori_instance_record(inst, &rec);
        if (r < 0) {
            cli_error(_("cannot write %s: %s"), c->output, mamori_strerror(r));
            rc = EX_CANTCREAT;
        } else {
            printf(_("%zu second factors written to %s (pam_oath usersfile)\n"), n, c->output);
        }
    }
    sodium_memzero(out.data, out.len);
    mamori_buf_done(&out);
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

/* The acting administrator (ciso, general_manager or system_admin) and the person args[0]
 * they change: 0, or a sysexits code after saying why not. */
static int
manage_target(struct cli *c, struct mamori_instance *inst, struct mamori_arena *a,
              struct mamori_store_person *actor, struct mamori_store_person *who)
{
    int rc = cli_actor(c, inst, a, actor);
    if (rc)
        return rc;
    if (!may_manage_users(actor->role)) {
        cli_error(_("%s (%s) may not change users: ciso, general_manager or system_admin may"),
                  actor->id, actor->role);
        return EX_NOPERM;
    }
    int r = mamori_store_person_get(inst->store, c->args[0], a, who);
    if (r < 0) {
        cli_error(r == -ENOENT ? _("no user %s") : _("cannot read the store: %s"),
                  r == -ENOENT ? c->args[0] : mamori_strerror(r));
        return r == -ENOENT ? EX_DATAERR : cli_exit_code(r);
    }
    return 0;
}

/* set-role (role, unit) and reset-password: an administrator's changes, audited. */
static int
change_person(struct cli *c, const char *action, const char *role, const char *unit,
              const char *hash)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person actor, before;
    rc = manage_target(c, inst, a, &actor, &before);
    int r = 0;
    if (rc == 0) {
        struct mamori_buf d;
        struct mamori_json j;
        mamori_buf_init(&d, 4096);
        mamori_json_init(&j, &d, false);
        mamori_json_object_begin(&j);
        if (role) {
            mamori_json_kv_string(&j, "role_before", before.role);
            mamori_json_kv_string(&j, "role", role);
            mamori_json_kv_string(&j, "unit_before", before.unit);
            mamori_json_kv_string(&j, "unit", unit ? unit : before.unit);
        }
        mamori_json_object_end(&j);
        r = mamori_json_finish(&j);
        struct mamori_record rec = {.actor = actor.id,
                                    .action = action,
                                    .object = before.id,
                                    .decision = "ok",
                                    .clause = "5",
                                    .details = d.data};
        struct person_op op = {.id = before.id, .role = role, .unit = unit, .hash = hash};
        if (r == 0)
            r = mamori_instance_apply(inst, op_person_update, &op, &rec);
        mamori_buf_done(&d);
        if (r < 0) {
            cli_error(_("cannot change %s: %s"), before.id, mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(_("user %s changed\n"), before.id);
        }
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

static int
op_role_appoint(struct mamori_store *s, void *ctx)
{
    struct person_op *o = ctx;
    int64_t now = mamori_now_us();
    return o->dismiss ? mamori_store_role_dismiss(s, o->id, o->role, now)
                      : mamori_store_role_appoint(s, o->id, o->role, o->unit, now);
}

/* appoint / dismiss: a role held beside the person's own (兼務: the 委員会, CSIRT, auditors),
 * by a ciso, general_manager or system_admin; audited. */
static int
appointment(struct cli *c, bool dismiss)
{
    if (!c->role) {
        cli_error(dismiss ? _("dismiss needs --role ROLE") : _("appoint needs --role ROLE"));
        return EX_USAGE;
    }
    int rc = check_role_unit(c);
    if (rc)
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person actor, who;
    rc = manage_target(c, inst, a, &actor, &who);
    int r = 0;
    if (rc == 0 && who.disabled) {
        cli_error(_("user %s is disabled"), who.id);
        rc = EX_DATAERR;
    }
    if (rc == 0) {
        const char *unit = c->unit ? c->unit : "";
        struct mamori_buf d;
        struct mamori_json j;
        mamori_buf_init(&d, 4096);
        mamori_json_init(&j, &d, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "role", c->role);
        if (!dismiss)
            mamori_json_kv_string(&j, "unit", unit);
        mamori_json_object_end(&j);
        r = mamori_json_finish(&j);
        struct mamori_record rec = {.actor = actor.id,
                                    .action = dismiss ? "user.dismiss" : "user.appoint",
                                    .object = who.id,
                                    .decision = "ok",
                                    .clause = "6(1)",
                                    .details = d.data};
        struct person_op op = {.id = who.id, .role = c->role, .unit = unit, .dismiss = dismiss};
        if (r == 0)
            r = mamori_instance_apply(inst, op_role_appoint, &op, &rec);
        mamori_buf_done(&d);
        if (r == -EEXIST) {
            cli_error(_("%s holds %s already"), who.id, c->role);
            rc = EX_DATAERR;
        } else if (r == -ENOENT) {
            cli_error(_("%s holds no appointment as %s"), who.id, c->role);
            rc = EX_DATAERR;
        } else if (r < 0) {
            cli_error(_("cannot change %s: %s"), who.id, mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(dismiss ? _("%s is no longer %s\n") : _("%s is appointed %s\n"), who.id,
                   c->role);
        }
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

int
cmd_user_appoint(struct cli *c)
{
    return appointment(c, false);
}

int
cmd_user_dismiss(struct cli *c)
{
    return appointment(c, true);
}

int
cmd_user_set_role(struct cli *c)
{
    if (!c->role) {
        cli_error(_("set-role needs --role ROLE"));
        return EX_USAGE;
    }
    int rc = check_role_unit(c);
    return rc ? rc : change_person(c, "user.set-role", c->role, c->unit, NULL);
}

int
cmd_user_reset_password(struct cli *c)
{
    if (!c->password_file) {
        cli_error(_("reset-password needs --password-file FILE"));
        return EX_USAGE;
    }
    char hash[crypto_pwhash_STRBYTES];
    int rc = hash_password_file(c->password_file, hash);
    if (rc == 0)
        rc = change_person(c, "user.reset-password", NULL, NULL, hash);
    sodium_memzero(hash, sizeof(hash));
    return rc;
}
