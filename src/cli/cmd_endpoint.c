/*
 * mamori device add|list (the equipment register's USB devices) and
 * mamori endpoint profile ZONE --host ADDR --out DIR (a terminal's lock-down, from the policy
 * and the registers; see docs/internals/endpoint.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/endpoint.h"

static bool
may_register(const char *role)
{
    return strcmp(role, "ciso") == 0 || strcmp(role, "general_manager") == 0 ||
           strcmp(role, "system_admin") == 0;
}

static int
op_device_put(struct mamori_store *s, void *ctx)
{
    return mamori_store_device_put(s, ctx);
}

int
cmd_device_add(struct cli *c)
{
    const char *id = c->args[0];
    if (!c->usb || !c->zone) {
        cli_error(_("device add needs --usb VVVV:PPPP and --zone ZONE"));
        return EX_USAGE;
    }
    if (!mamori_usb_id_ok(c->usb)) {
        cli_error(_("'%s' is not a USB id (four hex digits, ':', four hex digits)"), c->usb);
        return EX_USAGE;
    }
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, NULL);
    if (rc)
        return rc;
    bool zone_ok = mamori_policy_find_zone(p, c->zone) >= 0;
    mamori_policy_free(p);
    if (!zone_ok) {
        cli_error(_("'%s' is not a zone of the policy"), c->zone);
        return EX_USAGE;
    }
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    struct mamori_arena *a = mamori_arena_new(1 << 16);
    struct mamori_store_person actor;
    rc = cli_actor(c, inst, a, &actor);
    if (rc == 0 && !may_register(actor.role)) {
        cli_error(_("%s (%s) may not register devices"), actor.id, actor.role);
        rc = EX_NOPERM;
    }
    if (rc == 0) {
        struct mamori_store_device d = {.id = id,
                                        .name = c->name ? c->name : id,
                                        .zone = c->zone,
                                        .usb_id = c->usb,
                                        .serial = c->serial ? c->serial : "",
                                        .created_us = mamori_now_us()};
        struct mamori_buf det;
        struct mamori_json j;
        mamori_buf_init(&det, 4096);
        mamori_json_init(&j, &det, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "zone", d.zone);
        mamori_json_kv_string(&j, "usb", d.usb_id);
        mamori_json_kv_string(&j, "serial", d.serial);
        mamori_json_kv_string(&j, "name", d.name);
        mamori_json_object_end(&j);
        int r = mamori_json_finish(&j);
        struct mamori_record rec = {.time_us = d.created_us,
                                    .actor = actor.id,
                                    .action = "device.add",
                                    .object = id,
                                    .decision = "ok",
                                    .clause = "6(4)",
                                    .details = det.data};
        if (r == 0)
            r = mamori_instance_apply(inst, op_device_put, &d, &rec);
        mamori_buf_done(&det);
        if (r == -EEXIST) {
            cli_error(_("device %s exists already"), id);
            rc = EX_DATAERR;
        } else if (r < 0) {
            cli_error(_("cannot add %s: %s"), id, mamori_strerror(r));
            rc = cli_exit_code(r);
        } else {
            printf(_("device %s registered (%s, zone %s)\n"), id, c->usb, c->zone);
        }
    }
    mamori_arena_free(a);
    mamori_instance_close(inst);
    return rc;
}

struct dev_ctx {
    struct mamori_json *j;
    const char *zone;
    struct mamori_endpoint_device *list;
    size_t n;
    struct mamori_arena *arena;
};

static int
dev_cb(void *ctx, const struct mamori_store_device *d)
{
    struct dev_ctx *x = ctx;
    if (x->zone) {
        if (strcmp(d->zone, x->zone) != 0)
            return 0;
        struct mamori_endpoint_device *n = realloc(x->list, (x->n + 1) * sizeof(*n));
        if (!n)
            return -ENOMEM;
        x->list = n;
        n[x->n] = (struct mamori_endpoint_device){
            mamori_arena_strdup(x->arena, d->id), mamori_arena_strdup(x->arena, d->name),
            mamori_arena_strdup(x->arena, d->usb_id), mamori_arena_strdup(x->arena, d->serial)};
        x->n++;
        return 0;
    }
    if (x->j) {
        mamori_json_object_begin(x->j);
        mamori_json_kv_string(x->j, "id", d->id);
        mamori_json_kv_string(x->j, "name", d->name);
        mamori_json_kv_string(x->j, "zone", d->zone);
        mamori_json_kv_string(x->j, "usb", d->usb_id);
        mamori_json_kv_string(x->j, "serial", d->serial);
        mamori_json_object_end(x->j);
    } else {
        printf("%-16s %-10s %s  %-20s %s\n", d->id, d->zone, d->usb_id, d->serial, d->name);
    }
    return 0;
}

static int
walk_devices(struct mamori_instance *inst, struct mamori_json *j, void *ctx)
{
    struct dev_ctx x = {.j = j};
    return mamori_store_device_iterate(inst->store, dev_cb, &x);
}

int
cmd_device_list(struct cli *c)
{
    return cli_list(c, walk_devices, NULL);
}

/* apply.sh: installs the files into a root (/ on the terminal), idempotent. */
static const char apply_sh[] =
    "#!/bin/sh\n"
    "# Installs this profile into ROOT (default /). Generated by `mamori endpoint profile`.\n"
    "# On a live terminal (ROOT=/) it also loads the firewall, blocks radios and restarts\n"
    "# USBGuard. Usage: sh apply.sh [ROOT]\n"
    "set -eu\n"
    "ROOT=${1:-/}\n"
    "HERE=$(cd \"$(dirname \"$0\")\" && pwd)\n"
    "cd \"$HERE/root\"\n"
    "find . -type f | while read -r f; do\n"
    "    mkdir -p \"$ROOT/$(dirname \"$f\")\"\n"
    "    cp -p \"$f\" \"$ROOT/$f\"\n"
    "done\n"
    "ca=\"$ROOT/etc/pam.d/common-auth\"\n"
    "if [ -f \"$ca\" ] && ! grep -qx '@include mamori-oath' \"$ca\"; then\n"
    "    { echo '@include mamori-oath'; cat \"$ca\"; } >\"$ca.mamori\" && mv \"$ca.mamori\" "
    "\"$ca\"\n"
    "fi\n"
    "if [ \"$ROOT\" = / ]; then\n"
    "    nft -f /etc/nftables.d/mamori-host.nft\n"
    "    command -v rfkill >/dev/null && rfkill block all || true\n"
    "    command -v systemctl >/dev/null && systemctl restart usbguard 2>/dev/null || true\n"
    "fi\n"
    "echo \"mamori profile installed into $ROOT\"\n";

int
cmd_endpoint_profile(struct cli *c)
{
    const char *zone = c->args[0];
    if (!c->host || !c->out_dir) {
        cli_error(_("endpoint profile needs --host ADDR (the terminal) and --out DIR"));
        return EX_USAGE;
    }
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, NULL);
    if (rc)
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst))) {
        mamori_policy_free(p);
        return rc;
    }
    struct mamori_arena *a = mamori_arena_new(1 << 20);
    struct dev_ctx x = {.zone = zone, .arena = a};
    int r = mamori_store_device_iterate(inst->store, dev_cb, &x);
    /* The profile carries the TOTP secrets (pam_oath's usersfile): an administrator's act. */
    struct mamori_store_person actor;
    if (r == 0 && (rc = cli_actor(c, inst, a, &actor)) == 0 && !may_register(actor.role)) {
        cli_error(_("%s (%s) may not make terminal profiles (they carry second factors)"), actor.id,
                  actor.role);
        rc = EX_NOPERM;
    }
    struct mamori_buf oath;
    mamori_buf_init(&oath, (size_t)16 << 20);
    size_t n_oath = 0;
    if (r == 0 && rc == 0)
        r = cli_oath_usersfile(inst, &oath, &n_oath);
    struct mamori_profile *pr = NULL;
    if (rc == 0 && r == 0)
        r = mamori_endpoint_profile(p, mamori_today(), zone, c->host, x.list, x.n,
                                    oath.data ? oath.data : "", oath.len, &pr);
    if (rc == 0 && r < 0) {
        if (r == -ENOENT)
            cli_error(_("'%s' is not a zone of the policy"), zone);
        else if (r == MAMORI_E_INVALID)
            cli_error(_("%s is not an address inside the %s zone (or a device's USB id is "
                        "malformed)"),
                      c->host, zone);
        else
            cli_error(_("cannot make the profile: %s"), mamori_strerror(r));
        rc = r == MAMORI_E_INVALID || r == -ENOENT ? EX_DATAERR : cli_exit_code(r);
    }
    if (rc == 0 && !pr)
        rc = EX_SOFTWARE;
    for (size_t i = 0; rc == 0 && i < pr->n_files; i++) {
        char *path = NULL;
        if (asprintf(&path, "%s/root/%s", c->out_dir, pr->files[i].path) < 0) {
            rc = EX_OSERR;
            break;
        }
        char *slash = strrchr(path, '/');
        *slash = '\0';
        r = mamori_fs_mkdir_p(path, 0755);
        *slash = '/';
        if (r == 0)
            r = mamori_fs_write_atomic(path, pr->files[i].data, pr->files[i].len,
                                       pr->files[i].mode);
        if (r < 0) {
            cli_error(_("cannot write %s: %s"), path, mamori_strerror(r));
            rc = EX_CANTCREAT;
        }
        free(path);
    }
    if (rc == 0) {
        char *path = NULL;
        r = asprintf(&path, "%s/apply.sh", c->out_dir) < 0
                ? -ENOMEM
                : mamori_fs_write_atomic(path, apply_sh, sizeof(apply_sh) - 1, 0755);
        free(path);
        if (r < 0) {
            cli_error(_("cannot write apply.sh: %s"), mamori_strerror(r));
            rc = EX_CANTCREAT;
        } else {
            printf(_("profile of %s (%s zone): %zu registered devices, %zu second factors, the "
                     "host firewall, no wireless; install with sh %s/apply.sh\n"),
                   c->host, zone, x.n, n_oath, c->out_dir);
            struct mamori_record rec = {.actor = c->as ? c->as : "system",
                                        .action = "endpoint.profile",
                                        .object = c->host,
                                        .decision = "ok",
                                        .clause = "6(3)①",
                                        .details = "{}"};
            if (inst->log)
                mamori_instance_record(inst, &rec);
        }
    }
    if (oath.data)
        explicit_bzero(oath.data, oath.len);
    mamori_buf_done(&oath);
    free(x.list);
    mamori_profile_free(pr);
    mamori_arena_free(a);
    mamori_instance_close(inst);
    mamori_policy_free(p);
    return rc;
}
