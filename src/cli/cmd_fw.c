/*
 * mamori fw compile | apply | rollback | verify
 *
 * compile prints the nftables script derived from the policy, after libnftables has checked
 * it in a dry run; apply loads it in one transaction (the previous table is saved for
 * rollback and the change is recorded in the audit log when an instance is given); verify
 * reads the live table back as JSON and compares it with the policy (src/netfw/verify.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Runs one nft command and returns its output (NULL on failure, the error on stderr). */
static char *
nft_output(const char *cmd, bool json)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return NULL;
    if (json)
        nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
    char *copy = NULL;
    if (nft_run_cmd_from_buffer(ctx, cmd) == 0) {
        const char *out = nft_ctx_get_output_buffer(ctx);
        copy = strdup(out ? out : "");
    } else {
        const char *err = nft_ctx_get_error_buffer(ctx);
        if (err && *err)
            fputs(err, stderr);
    }
    nft_ctx_free(ctx);
    return copy;
}

/* The current table inet mamori as a script (or nftables JSON), "" when there is none, NULL
 * when the kernel's ruleset cannot be read (no CAP_NET_ADMIN): asking for the table list first
 * tells "absent" from "not allowed" without reading error texts. */
static char *
nft_current(bool json)
{
    char *tables = nft_output("list tables inet", false);
    if (!tables) {
        cli_error(_("cannot read the live firewall (this needs CAP_NET_ADMIN, e.g. root)"));
        return NULL;
    }
    bool present = strncmp(tables, "table inet mamori\n", 18) == 0 ||
                   strstr(tables, "\ntable inet mamori\n") != NULL;
    free(tables);
    return present ? nft_output("list table inet mamori", json) : strdup("");
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

/* Records a firewall change or check when an instance is given. */
static int
record_change(struct cli *c, const char *action, const char *decision, const char *key,
              const char *value)
{
    struct mamori_buf d;
    mamori_buf_init(&d, 4096);
    struct mamori_json j;
    mamori_json_init(&j, &d, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, key, value);
    mamori_json_object_end(&j);
    int rc = mamori_json_finish(&j) < 0 ? EX_SOFTWARE : 0;
    struct mamori_record rec = {.actor = c->as ? c->as : "cli",
                                .action = action,
                                .object = "table inet mamori",
                                .decision = decision,
                                .clause = "6(3)",
                                .details = d.data};
    if (rc == 0)
        rc = cli_record(c, &rec);
    mamori_buf_done(&d);
    return rc;
}

static int
save_previous(struct cli *c, const char *previous)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/spool/fw-previous.nft", c->home);
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

/* apply and rollback keep the replaced ruleset and the record in an instance. */
static int
need_instance(struct cli *c)
{
    if (c->home)
        return 0;
    cli_error(_("this needs an instance (-C DIR or MAMORI_HOME): the replaced ruleset is kept "
                "there for rollback and the change is recorded in its audit log"));
    return EX_USAGE;
}

int
cmd_fw_apply(struct cli *c)
{
    if (need_instance(c))
        return EX_USAGE;
    struct mamori_buf script;
    mamori_buf_init(&script, (size_t)64 << 20);
    const char *path;
    c->format = "nft";
    int rc = compile(c, &script, &path);
    char *previous = rc == 0 ? nft_current(false) : NULL;
    if (rc == 0 && !previous)
        rc = EX_NOPERM;
    if (rc == 0 && save_previous(c, previous) < 0)
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
        rc = record_change(c, "fw.apply", "ok", "ruleset_sha256", hex);
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
    if (need_instance(c))
        return EX_USAGE;
    char path[4096];
    snprintf(path, sizeof(path), "%s/spool/fw-previous.nft", c->home);
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
        rc = record_change(c, "fw.rollback", "ok", "restored", "spool/fw-previous.nft");
    if (rc == 0)
        printf("%s\n", _("the previous firewall is back"));
    return rc;
}

static const char *
proto_name(uint8_t p)
{
    switch (p) {
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    case IPPROTO_ICMP:
        return "icmp";
    case IPPROTO_ICMPV6:
        return "ipv6-icmp";
    default:
        return NULL;
    }
}

static void
put_service(char *out, size_t n, const struct mamori_fw_diff *d)
{
    const char *name = proto_name(d->proto);
    if (!name)
        snprintf(out, n, "proto %u", d->proto);
    else if (d->proto != IPPROTO_TCP && d->proto != IPPROTO_UDP)
        snprintf(out, n, "%s", name);
    else if (d->lo == d->hi)
        snprintf(out, n, "%s/%u", name, d->lo);
    else
        snprintf(out, n, "%s/%u-%u", name, d->lo, d->hi);
}

static void
print_verify(struct cli *c, const struct mamori_fw_verify *v, struct mamori_buf *out)
{
    if (c->json) {
        struct mamori_json j;
        mamori_json_init(&j, out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_bool(&j, "ok", v->ok);
        mamori_json_kv_bool(&j, "table_present", v->table_present);
        mamori_json_kv_string(&j, "problem", v->problem);
        mamori_json_kv_int(&j, "excess", (int64_t)v->n_excess);
        mamori_json_kv_int(&j, "missing", (int64_t)v->n_missing);
        mamori_json_key(&j, "differences");
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < v->n_diffs; i++) {
            const struct mamori_fw_diff *d = &v->diffs[i];
            char svc[64];
            put_service(svc, sizeof(svc), d);
            mamori_json_object_begin(&j);
            mamori_json_kv_string(&j, "kind", d->excess ? "excess" : "missing");
            mamori_json_kv_string(&j, "from", d->from);
            mamori_json_kv_string(&j, "to", d->to);
            mamori_json_kv_string(&j, "service", svc);
            mamori_json_kv_bool(&j, "mac_bound", d->mac_bound);
            mamori_json_kv_string(&j, "example_src", d->example_src);
            mamori_json_kv_string(&j, "example_dst", d->example_dst);
            mamori_json_kv_string(&j, "live_rule", d->live_rule);
            mamori_json_kv_string(&j, "policy_rule", d->policy_rule);
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_puts(out, "\n");
        return;
    }
    if (!v->table_present)
        mamori_buf_printf(out, "%s\n",
                          _("no mamori firewall is loaded (table inet mamori): the zones are not "
                            "separated"));
    if (v->problem)
        mamori_buf_printf(out, _("the live ruleset has a rule mamori cannot check: %s\n"),
                          v->problem);
    for (size_t i = 0; i < v->n_diffs; i++) {
        const struct mamori_fw_diff *d = &v->diffs[i];
        char svc[64];
        put_service(svc, sizeof(svc), d);
        mamori_buf_printf(out, "%s %s -> %s %s%s (%s %s -> %s) %s=%s %s=%s\n",
                          d->excess ? _("excess") : _("missing"), d->from, d->to, svc,
                          d->mac_bound ? _(" from a pinned MAC") : "", _("e.g."), d->example_src,
                          d->example_dst, _("live"), d->live_rule, _("policy"), d->policy_rule);
    }
    if (v->ok)
        mamori_buf_printf(out, "%s\n",
                          v->n_missing ? _("no excess: the live firewall allows nothing the policy "
                                           "forbids (some allowed flows are blocked)")
                                       : _("the live firewall matches the policy"));
}

int
cmd_fw_verify(struct cli *c)
{
    struct mamori_policy *p;
    const char *path;
    int rc = cli_load_policy(c, &p, &path);
    if (rc)
        return rc;
    char *live = NULL;
    size_t len = 0;
    if (c->file) {
        int r = mamori_fs_read_file(c->file, (size_t)64 << 20, &live, &len);
        if (r < 0) {
            cli_error(_("cannot read %s: %s"), c->file, mamori_strerror(r));
            mamori_policy_free(p);
            return cli_exit_code(r);
        }
    } else {
        live = nft_current(true);
        if (!live) {
            mamori_policy_free(p);
            return EX_NOPERM;
        }
        if (!*live) { /* no table: an empty ruleset */
            free(live);
            live = strdup("{\"nftables\": []}");
        }
        len = live ? strlen(live) : 0;
    }
    struct mamori_fw *fw = NULL;
    struct mamori_fw_verify *v = NULL;
    int r = live ? mamori_fw_build(p, mamori_today(), &fw) : -ENOMEM;
    if (r == 0)
        r = mamori_fw_verify(p, fw, live, len, &v);
    free(live);
    mamori_fw_free(fw);
    mamori_policy_free(p);
    if (r < 0 || !v) {
        if (r == MAMORI_E_SYNTAX)
            cli_error(_("%s: not an nftables JSON ruleset"), c->file ? c->file : "nft");
        else
            cli_error(_("cannot verify the firewall: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    struct mamori_buf out;
    mamori_buf_init(&out, (size_t)64 << 20);
    print_verify(c, v, &out);
    fwrite(out.data, 1, out.len, stdout);
    mamori_buf_done(&out);
    char detail[96];
    snprintf(detail, sizeof(detail), "excess=%zu missing=%zu", v->n_excess, v->n_missing);
    rc = record_change(c, "fw.verify", v->ok ? "ok" : "excess", "found", detail);
    if (rc == 0 && !v->ok)
        rc = 1;
    mamori_fw_verify_free(v);
    return rc;
}

/* ---- fw denies: what the monitor counted -------------------------------------------------- */

struct denies_ctx {
    struct mamori_json *j;
    size_t n;
};

static int
deny_cb(void *ctx, const struct mamori_store_deny *d)
{
    struct denies_ctx *l = ctx;
    l->n++;
    if (l->j) {
        mamori_json_object_begin(l->j);
        mamori_json_kv_string(l->j, "rule", d->rule);
        mamori_json_kv_string(l->j, "src", d->src);
        mamori_json_kv_string(l->j, "dst", d->dst);
        mamori_json_kv_string(l->j, "proto", d->proto);
        mamori_json_kv_int(l->j, "dport", d->dport);
        mamori_json_kv_int(l->j, "count", d->count);
        mamori_json_kv_int(l->j, "first_us", d->first_us);
        mamori_json_kv_int(l->j, "last_us", d->last_us);
        mamori_json_object_end(l->j);
        return 0;
    }
    char first[32], last[32];
    time_t t1 = (time_t)(d->first_us / 1000000), t2 = (time_t)(d->last_us / 1000000);
    struct tm tm;
    strftime(first, sizeof(first), "%Y-%m-%d %H:%M:%S", localtime_r(&t1, &tm));
    strftime(last, sizeof(last), "%Y-%m-%d %H:%M:%S", localtime_r(&t2, &tm));
    printf("%-20s %-16s → %-16s %s/%-5lld %8lld  %s … %s\n", d->rule, d->src, d->dst, d->proto,
           (long long)d->dport, (long long)d->count, first, last);
    return 0;
}

static int
walk_denies(struct mamori_instance *inst, struct mamori_json *j, void *ctx)
{
    struct denies_ctx l = {j, 0};
    int r = mamori_store_deny_iterate(inst->store, deny_cb, &l);
    if (r == 0 && !j)
        printf(_("%zu kinds of denied attempt recorded\n"), l.n);
    return r;
}

int
cmd_fw_denies(struct cli *c)
{
    return cli_list(c, walk_denies, NULL);
}
