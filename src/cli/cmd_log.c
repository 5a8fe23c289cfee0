/*
 * mamori log verify | prove | consistency | show | export | checkpoint
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int
parse_u64(struct cli *c, const char *s, uint64_t *ret)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || !end || *end || s[0] == '-' || s[0] == '\0') {
        cli_error(_("'%s' is not a whole number >= 0"), s);
        return EX_USAGE;
    }
    *ret = v;
    return 0;
}

static int
read_small(struct cli *c, const char *path, size_t max, char **ret, size_t *ret_len)
{
    int r = mamori_fs_read_file(path, max, ret, ret_len);
    if (r < 0) {
        cli_error(_("cannot read %s: %s"), path, mamori_strerror(r));
        return cli_exit_code(r);
    }
    return 0;
}

static void
print_result(struct cli *c, const char *what, const struct mamori_verify_result *res)
{
    if (c->json) {
        struct mamori_buf out;
        mamori_buf_init(&out, 8192);
        struct mamori_json j;
        mamori_json_init(&j, &out, false);
        char root[65];
        mamori_hex(res->root, 32, root);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "log", what);
        mamori_json_kv_bool(&j, "ok", res->ok);
        mamori_json_key(&j, "records");
        mamori_json_uint(&j, res->n_records);
        mamori_json_key(&j, "checkpoints");
        mamori_json_uint(&j, res->n_checkpoints);
        mamori_json_key(&j, "signed_size");
        mamori_json_uint(&j, res->signed_size);
        mamori_json_key(&j, "first_bad_record");
        if (res->first_bad >= 0)
            mamori_json_int(&j, res->first_bad);
        else
            mamori_json_null(&j);
        mamori_json_kv_string(&j, "root_sha256", root);
        mamori_json_kv_string(&j, "message", res->message);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        printf("%s\n", out.data);
        mamori_buf_done(&out);
        return;
    }
    if (res->ok) {
        printf("%s: %s %" PRIu64 " %s, %" PRIu64 " %s\n", what, _("intact"), res->n_records,
               _("records"), res->n_checkpoints, _("checkpoints"));
        if (res->message[0])
            printf("%s: %s %s\n", what, _("note:"), res->message);
    } else if (res->first_bad >= 0) {
        printf("%s: %s: %s %" PRId64 ": %s\n", what, _("TAMPERED"), _("first bad record"),
               res->first_bad, res->message);
    } else {
        printf("%s: %s: %s\n", what, _("TAMPERED"), res->message);
    }
}

int
cmd_log_verify(struct cli *c)
{
    char *witness = NULL;
    size_t witness_len = 0;
    int rc;
    if (c->checkpoint &&
        (rc = read_small(c, c->checkpoint, MAMORI_CHECKPOINT_MAX + 1, &witness, &witness_len)))
        return rc;
    struct mamori_verify_result res;
    int r;
    if (c->file) {
        /* Offline: an export file and the verifier key, no instance needed. */
        char *keytext = NULL, *data = NULL;
        size_t keylen, len;
        char keypath[4096];
        if (c->key)
            snprintf(keypath, sizeof(keypath), "%s", c->key);
        else if (c->home)
            snprintf(keypath, sizeof(keypath), "%s/keys/audit.pub", c->home);
        else {
            cli_error(_("--file needs --key PUBKEY (the verifier key)"));
            free(witness);
            return EX_USAGE;
        }
        struct mamori_log_key key;
        if ((rc = read_small(c, keypath, 1024, &keytext, &keylen))) {
            free(witness);
            return rc;
        }
        r = mamori_log_key_parse_verifier(keytext, keylen, &key);
        free(keytext);
        if (r < 0) {
            cli_error(_("%s is not a verifier key"), keypath);
            free(witness);
            return EX_DATAERR;
        }
        if ((rc = read_small(c, c->file, (size_t)1 << 34, &data, &len))) {
            free(witness);
            return rc;
        }
        r = mamori_log_verify_export(data, len, &key, witness, witness_len, &res);
        free(data);
        if (r == 0)
            print_result(c, c->file, &res);
    } else {
        struct mamori_instance *inst;
        if ((rc = cli_open_instance(c, &inst))) {
            free(witness);
            return rc;
        }
        r = mamori_log_verify(inst->store, &inst->key, witness, witness_len, &res);
        if (r == 0)
            print_result(c, inst->dir, &res);
        mamori_instance_close(inst);
    }
    free(witness);
    if (r < 0) {
        cli_error(_("cannot verify: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    return res.ok ? EX_OK : 1;
}

static void
print_hashes(const uint8_t (*h)[MAMORI_HASH_LEN], size_t n, struct mamori_json *j)
{
    mamori_json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        mamori_hex(h[i], MAMORI_HASH_LEN, hex);
        mamori_json_string(j, hex);
    }
    mamori_json_array_end(j);
}

int
cmd_log_prove(struct cli *c)
{
    uint64_t seq;
    int rc = parse_u64(c, c->args[0], &seq);
    if (rc)
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    uint64_t n;
    uint8_t(*leaves)[MAMORI_HASH_LEN] = NULL;
    int r = mamori_log_leaf_hashes(inst->store, &n, &leaves);
    mamori_instance_close(inst);
    if (r < 0) {
        cli_error(_("cannot read the records: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    if (seq >= n) {
        cli_error(_("there is no record %llu (the log has %llu)"), (unsigned long long)seq,
                  (unsigned long long)n);
        free(leaves);
        return EX_DATAERR;
    }
    uint8_t proof[MAMORI_PROOF_MAX_HASHES][MAMORI_HASH_LEN], root[MAMORI_HASH_LEN];
    size_t np;
    r = mamori_merkle_inclusion_proof((const uint8_t(*)[MAMORI_HASH_LEN])leaves, n, seq, proof,
                                      &np);
    mamori_merkle_root((const uint8_t(*)[MAMORI_HASH_LEN])leaves, n, root);
    if (r == 0)
        r = mamori_merkle_inclusion_verify(leaves[seq], seq, n,
                                           (const uint8_t(*)[MAMORI_HASH_LEN])proof, np, root);
    char leaf_hex[65], root_hex[65];
    mamori_hex(leaves[seq], 32, leaf_hex);
    mamori_hex(root, 32, root_hex);
    free(leaves);
    if (r < 0) {
        cli_error(_("cannot build the proof: %s"), mamori_strerror(r));
        return EX_SOFTWARE;
    }
    struct mamori_buf out;
    mamori_buf_init(&out, 1 << 20);
    struct mamori_json j;
    mamori_json_init(&j, &out, !c->json ? true : false);
    mamori_json_object_begin(&j);
    mamori_json_key(&j, "seq");
    mamori_json_uint(&j, seq);
    mamori_json_key(&j, "tree_size");
    mamori_json_uint(&j, n);
    mamori_json_kv_string(&j, "leaf_hash", leaf_hex);
    mamori_json_kv_string(&j, "root_hash", root_hex);
    mamori_json_key(&j, "inclusion_path");
    print_hashes((const uint8_t(*)[MAMORI_HASH_LEN])proof, np, &j);
    mamori_json_object_end(&j);
    mamori_json_finish(&j);
    printf("%s\n", out.data);
    mamori_buf_done(&out);
    return EX_OK;
}

int
cmd_log_consistency(struct cli *c)
{
    uint64_t m, n_new;
    int rc = parse_u64(c, c->args[0], &m);
    if (!rc)
        rc = parse_u64(c, c->args[1], &n_new);
    if (rc)
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    uint64_t n;
    uint8_t(*leaves)[MAMORI_HASH_LEN] = NULL;
    int r = mamori_log_leaf_hashes(inst->store, &n, &leaves);
    mamori_instance_close(inst);
    if (r < 0) {
        cli_error(_("cannot read the records: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    if (m == 0 || m > n_new || n_new > n) {
        cli_error(_("need 0 < OLD <= NEW <= %llu"), (unsigned long long)n);
        free(leaves);
        return EX_DATAERR;
    }
    const uint8_t(*lv)[MAMORI_HASH_LEN] = (const uint8_t(*)[MAMORI_HASH_LEN])leaves;
    uint8_t proof[MAMORI_PROOF_MAX_HASHES][MAMORI_HASH_LEN], r_old[32], r_new[32];
    size_t np;
    r = mamori_merkle_consistency_proof(lv, n_new, m, proof, &np);
    mamori_merkle_root(lv, m, r_old);
    mamori_merkle_root(lv, n_new, r_new);
    if (r == 0)
        r = mamori_merkle_consistency_verify(m, n_new, r_old, r_new,
                                             (const uint8_t(*)[MAMORI_HASH_LEN])proof, np);
    free(leaves);
    if (r < 0) {
        cli_error(_("cannot build the proof: %s"), mamori_strerror(r));
        return EX_SOFTWARE;
    }
    char ho[65], hn[65];
    mamori_hex(r_old, 32, ho);
    mamori_hex(r_new, 32, hn);
    struct mamori_buf out;
    mamori_buf_init(&out, 1 << 20);
    struct mamori_json j;
    mamori_json_init(&j, &out, !c->json);
    mamori_json_object_begin(&j);
    mamori_json_key(&j, "old_size");
    mamori_json_uint(&j, m);
    mamori_json_key(&j, "new_size");
    mamori_json_uint(&j, n_new);
    mamori_json_kv_string(&j, "old_root", ho);
    mamori_json_kv_string(&j, "new_root", hn);
    mamori_json_key(&j, "consistency_path");
    print_hashes((const uint8_t(*)[MAMORI_HASH_LEN])proof, np, &j);
    mamori_json_object_end(&j);
    mamori_json_finish(&j);
    printf("%s\n", out.data);
    mamori_buf_done(&out);
    return EX_OK;
}

struct show_ctx {
    struct cli *c;
    struct mamori_json *j;
    int error;
};

static int
show_one(void *ctx, const struct mamori_store_record *row)
{
    struct show_ctx *s = ctx;
    struct mamori_arena *a = mamori_arena_new(4 * MAMORI_RECORD_MAX_BYTES);
    if (!a)
        return -ENOMEM;
    struct mamori_record rec;
    int r = mamori_record_decode(row->body, row->body_len, a, &rec);
    if (r < 0) {
        fprintf(stderr, "mamori: %s %" PRIu64 "\n", _("damaged record:"), row->seq);
        s->error = r;
        mamori_arena_free(a);
        return 0;
    }
    if (s->j) {
        mamori_record_json(&rec, s->j);
    } else {
        char t[32];
        mamori_time_format(rec.time_us, t);
        printf("%" PRIu64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row->seq, t, rec.actor, rec.action,
               rec.object, rec.decision, rec.clause, rec.details);
    }
    mamori_arena_free(a);
    return 0;
}

int
cmd_log_show(struct cli *c)
{
    uint64_t since = 0;
    int rc = 0;
    if (c->since && (rc = parse_u64(c, c->since, &since)))
        return rc;
    struct mamori_instance *inst;
    if ((rc = cli_open_instance(c, &inst)))
        return rc;
    struct mamori_buf out;
    struct mamori_json j;
    struct show_ctx s = {.c = c};
    mamori_buf_init(&out, (size_t)1 << 34);
    mamori_json_init(&j, &out, false);
    if (c->json) {
        mamori_json_array_begin(&j);
        s.j = &j;
    }
    int r = mamori_store_log_iterate(inst->store, since, show_one, &s);
    if (c->json) {
        mamori_json_array_end(&j);
        if (r == 0)
            r = mamori_json_finish(&j);
        if (r == 0)
            printf("%s\n", out.data);
    }
    mamori_buf_done(&out);
    mamori_instance_close(inst);
    if (r < 0) {
        cli_error(_("cannot read the records: %s"), mamori_strerror(r));
        return cli_exit_code(r);
    }
    return s.error ? EX_DATAERR : EX_OK;
}

int
cmd_log_export(struct cli *c)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_buf out;
    mamori_buf_init(&out, (size_t)1 << 34);
    int r = mamori_log_export(inst->store, &inst->key, &out);
    mamori_instance_close(inst);
    if (r == 0)
        rc = cli_write_output(c, out.data, out.len);
    else {
        cli_error(_("cannot export: %s"), mamori_strerror(r));
        rc = cli_exit_code(r);
    }
    mamori_buf_done(&out);
    return rc;
}

struct last_cp {
    char *note;
    size_t len;
};

static int
keep_last(void *ctx, const struct mamori_store_checkpoint *cp)
{
    struct last_cp *l = ctx;
    free(l->note);
    l->note = strndup(cp->note, cp->note_len);
    l->len = cp->note_len;
    return l->note ? 0 : -ENOMEM;
}

int
cmd_log_checkpoint(struct cli *c)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    int r = inst->log ? mamori_log_checkpoint(inst->log) : -EACCES;
    struct last_cp last = {0};
    if (r == 0)
        r = mamori_store_checkpoint_iterate(inst->store, keep_last, &last);
    mamori_instance_close(inst);
    if (r < 0) {
        cli_error(_("cannot make a checkpoint: %s"), mamori_strerror(r));
        free(last.note);
        return cli_exit_code(r);
    }
    rc = cli_write_output(c, last.note, last.len);
    free(last.note);
    return rc;
}
