/*
 * mamori fw compile | apply | rollback
 *
 * compile prints the nftables script derived from the policy, after libnftables has checked
 * it in a dry run; apply loads it in one transaction (the previous table is saved for
 * rollback and the change is recorded in the audit log when an instance is given).
 */
#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mamori/netfw.h"

/* Runs an nft script through libnftables; dry: check only. The error text goes to stderr. */
static int
nft_run(const char *script, bool dry)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return -ENOMEM;
    nft_ctx_set_dry_run(ctx, dry);
    nft_ctx_buffer_error(ctx);
    int r = nft_run_cmd_from_buffer(ctx, script);
    const char *err = nft_ctx_get_error_buffer(ctx);
    if (r != 0 && err && *err)
        fputs(err, stderr);
    nft_ctx_free(ctx);
    return r == 0 ? 0 : -EINVAL;
}

/* The current table inet mamori as a script, or "" when there is none. */
static char *
nft_current(void)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return NULL;
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
    char *copy = NULL;
    if (nft_run_cmd_from_buffer(ctx, "list table inet mamori") == 0) {
        const char *out = nft_ctx_get_output_buffer(ctx);
        copy = strdup(out ? out : "");
    } else {
        copy = strdup("");
    }
    nft_ctx_free(ctx);
    return copy;
}

static int
compile(struct cli *c, struct mamori_buf *script, const char **ret_path)
{
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, ret_path);
    if (rc)
        return rc;
    struct mamori_fw *fw;
    int r = mamori_fw_build(p, mamori_today(), &fw);
    if (r == 0) {
        bool json = c->format && strcmp(c->format, "json") == 0;
        r = json ? mamori_fw_json(fw, script) : mamori_fw_nft(fw, *ret_path, script);
        mamori_fw_free(fw);
    }
    mamori_policy_free(p);
    if (r < 0) {
        cli_error(_("cannot compile the firewall: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    return 0;
}

static int
check_format(struct cli *c)
{
    if (c->format && strcmp(c->format, "nft") != 0 && strcmp(c->format, "json") != 0) {
        cli_error(_("--format takes nft or json"));
        return EX_USAGE;
    }
    return 0;
}

int
cmd_fw_compile(struct cli *c)
{
    int rc = check_format(c);
    if (rc)
        return rc;
    struct mamori_buf script;
    mamori_buf_init(&script, (size_t)64 << 20);
    const char *path;
    rc = compile(c, &script, &path);
    if (rc == 0 && !(c->format && strcmp(c->format, "json") == 0) &&
        nft_run(script.data, true) < 0) {
        cli_error(_("nftables refused the generated ruleset (this is a bug in mamori)"));
        rc = EX_SOFTWARE;
    }
    if (rc == 0)
        rc = cli_write_output(c, script.data, script.len);
    mamori_buf_done(&script);
    return rc;
}

/* Records a firewall change when an instance is given. */
static int
record_change(struct cli *c, const char *action, const char *detail)
{
    if (!c->home)
        return 0;
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_buf d;
    mamori_buf_init(&d, 4096);
    struct mamori_json j;
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, "ruleset_sha256", detail);
    mamori_json_object_end(&j);
    mamori_json_finish(&j);
    struct mamori_record rec = {.actor = c->as ? c->as : "cli",
                                .action = action,
                                .object = "table inet mamori",
                                .decision = "ok",
                                .clause = "6(3)",
                                .details = d.data};
    int r = mamori_instance_record(inst, &rec);
    mamori_buf_done(&d);
    if (mamori_instance_close(inst) < 0 || r < 0) {
        cli_error(_("cannot record in the audit log: %s"), mamori_strerror(r));
        return EX_TEMPFAIL;
    }
    return 0;
}

static int
save_previous(struct cli *c, const char *previous)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/spool/fw-previous.nft", c->home ? c->home : ".");
    struct mamori_buf s;
    mamori_buf_init(&s, (size_t)64 << 20);
    /* Restoring means: remove mamori's table, then recreate the saved one (if any). */
    mamori_buf_puts(&s, "table inet mamori\ndelete table inet mamori\n");
    mamori_buf_puts(&s, previous);
    int r = mamori_fs_write_atomic(path, s.data, s.len, 0600);
    mamori_buf_done(&s);
    if (r < 0)
        cli_error(_("cannot write %s: %s"), path, mamori_strerror(r));
    return r;
}

int
cmd_fw_apply(struct cli *c)
{
    struct mamori_buf script;
    mamori_buf_init(&script, (size_t)64 << 20);
    const char *path;
    c->format = "nft";
    int rc = compile(c, &script, &path);
    char *previous = rc == 0 ? nft_current() : NULL;
    if (rc == 0 && (!previous || save_previous(c, previous) < 0))
        rc = EX_CANTCREAT;
    if (rc == 0 && nft_run(script.data, false) < 0) {
        cli_error(_("nftables did not load the ruleset; the previous one is unchanged"));
        rc = EX_SOFTWARE;
    }
    if (rc == 0) {
        uint8_t h[32];
        char hex[65];
        mamori_sha256(script.data, script.len, h);
        mamori_hex(h, 32, hex);
        rc = record_change(c, "fw.apply", hex);
        if (rc == 0)
            printf("%s sha256:%s\n", _("firewall loaded:"), hex);
    }
    free(previous);
    mamori_buf_done(&script);
    return rc;
}

int
cmd_fw_rollback(struct cli *c)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/spool/fw-previous.nft", c->home ? c->home : ".");
    char *saved;
    size_t len;
    int r = mamori_fs_read_file(path, (size_t)64 << 20, &saved, &len);
    if (r < 0) {
        cli_error(_("cannot read %s: %s"), path, mamori_strerror(r));
        return cli_exit_code(r);
    }
    int rc = 0;
    if (nft_run(saved, false) < 0) {
        cli_error(_("nftables did not load the saved ruleset"));
        rc = EX_SOFTWARE;
    }
    free(saved);
    if (rc == 0)
        rc = record_change(c, "fw.rollback", "previous");
    if (rc == 0)
        printf("%s\n", _("the previous firewall is back"));
    return rc;
}
