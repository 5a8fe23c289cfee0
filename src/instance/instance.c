/*
 * Instance directories: creating one (policy, store, keys, quarantine and spool directories)
 * and opening one (store, audit log with its key). See mamori/instance.h for the layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "mamori/instance.h"
#include "mamori/quarantine.h"

#define KEY_FILE_MAX 1024

static char *
path_join(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return NULL;
    return p;
}

int
mamori_policy_load_file(const char *path, int32_t today, struct mamori_policy **ret,
                        struct mamori_diags *diags)
{
    char *data;
    size_t len;
    int r = mamori_fs_read_file(path, MAMORI_POLICY_MAX_BYTES, &data, &len);
    if (r < 0) {
        if (r == MAMORI_E_LIMIT)
            mamori_diags_add(diags, MAMORI_SEV_ERROR, 0, 0, _("file is larger than %zu bytes"),
                             MAMORI_POLICY_MAX_BYTES);
        else
            mamori_diags_add(diags, MAMORI_SEV_ERROR, 0, 0, _("cannot read: %s"),
                             mamori_strerror(r));
        return r;
    }
    r = mamori_policy_parse(data, len, today, ret, diags);
    free(data);
    return r;
}

static int
write_text(const char *path, const char *data, size_t len, unsigned mode)
{
    return mamori_fs_write_atomic(path, data, len, mode);
}

/* The daemon's configuration of a new instance: the defaults of DESIGN.md §5. */
static const char default_daemon_conf[] =
    "# mamorid の設定 / mamorid configuration (man mamorid)\n"
    "# milter: Postfix の smtpd_milters / non_smtpd_milters に指定するソケット（複数可）\n"
    "# milter: the sockets Postfix's smtpd_milters names (one or more, comma-separated)\n"
    "milter = unix:run/milter.sock, inet:127.0.0.1:8891\n"
    "# 無害化ワーカーの数と、再起動までに処理する通数、1通あたりの制限時間（秒）\n"
    "# sanitizer workers, messages each handles before it is replaced, seconds per message\n"
    "workers = 2\n"
    "worker_jobs = 1000\n"
    "worker_timeout = 30\n"
    "# Web コンソール（LGWAN 側）とアップロード受付（インターネット側）\n"
    "# web console (LGWAN face) and uploads (internet face)\n"
    "console = 127.0.0.1:8080\n"
    "upload = 127.0.0.1:8081\n"
    "# ループバック以外で待ち受けるときは TLS（市の証明書）が必須 / TLS (the city's "
    "certificate)\n"
    "# is required on any address that is not loopback\n"
    "# console_tls_cert = /etc/mamori/console.crt\n"
    "# console_tls_key = /etc/mamori/console.key\n"
    "# 原本を渡す前に検査する clamd のソケット / clamd's socket, scanning originals before "
    "release\n"
    "clamd = unix:/run/clamav/clamd.ctl\n"
    "# mamori が送るメール（原本の配送・警報）を渡す LGWAN 側の MTA（無害化の milter "
    "を通らないもの）\n"
    "# the LGWAN-side MTA mamori's own mail goes through (released originals, alerts; not the\n"
    "# one with the milter)\n"
    "# mail_relay = inet:127.0.0.1:25\n"
    "# 警報（境界での繰り返しの拒否など）をメールで受け取る宛先 / who receives alerts by mail\n"
    "# alert_mail = joho-seisaku@lgwan.example\n";

int
mamori_instance_init(const char *dir, const char *policy_file, struct mamori_diags *diags)
{
    if (sodium_init() < 0)
        return -EIO;
    char *policy_text = NULL;
    size_t policy_len = 0;
    struct mamori_policy *policy = NULL;
    int r = mamori_fs_read_file(policy_file, MAMORI_POLICY_MAX_BYTES, &policy_text, &policy_len);
    if (r < 0) {
        mamori_diags_add(diags, MAMORI_SEV_ERROR, 0, 0, _("cannot read: %s"), mamori_strerror(r));
        return r;
    }
    r = mamori_policy_parse(policy_text, policy_len, mamori_today(), &policy, diags);
    if (r < 0) {
        free(policy_text);
        return r;
    }

    char *policy_path = path_join(dir, "mamori.yaml");
    char *store_path = path_join(dir, "store.db");
    char *keys = path_join(dir, "keys");
    char *key_path = path_join(dir, "keys/audit.key");
    char *pub_path = path_join(dir, "keys/audit.pub");
    char *sub[3] = {path_join(dir, "quarantine"), path_join(dir, "spool"), path_join(dir, "run")};
    struct mamori_store *store = NULL;
    struct mamori_log *log = NULL;
    struct mamori_log_key key = {0};
    struct mamori_buf kb;
    mamori_buf_init(&kb, KEY_FILE_MAX);
    if (!policy_path || !store_path || !keys || !key_path || !pub_path || !sub[0] || !sub[1] ||
        !sub[2]) {
        r = -ENOMEM;
        goto out;
    }
    struct stat st;
    if (stat(policy_path, &st) == 0 || stat(store_path, &st) == 0) {
        r = -EEXIST;
        goto out;
    }
    if ((r = mamori_fs_mkdir_p(dir, 0750)) < 0 || (r = mamori_fs_mkdir_p(keys, 0700)) < 0 ||
        (r = mamori_fs_mkdir_p(sub[0], 0700)) < 0 || (r = mamori_fs_mkdir_p(sub[1], 0700)) < 0 ||
        (r = mamori_fs_mkdir_p(sub[2], 0750)) < 0)
        goto out;
    if ((r = write_text(policy_path, policy_text, policy_len, 0640)) < 0)
        goto out;
    char *conf_path = path_join(dir, "mamorid.conf");
    char *qkey_path = path_join(dir, "keys/quarantine.key");
    r = conf_path && qkey_path ? 0 : -ENOMEM;
    if (r == 0)
        r = write_text(conf_path, default_daemon_conf, sizeof(default_daemon_conf) - 1, 0640);
    if (r == 0)
        r = mamori_quarantine_key_create(qkey_path);
    free(conf_path);
    free(qkey_path);
    if (r < 0)
        goto out;

    /* The log's origin names this instance uniquely. */
    uint8_t rnd[8];
    char hex[17], origin[64];
    randombytes_buf(rnd, sizeof(rnd));
    mamori_hex(rnd, sizeof(rnd), hex);
    snprintf(origin, sizeof(origin), "mamori/audit/%s", hex);
    if ((r = mamori_log_key_generate(origin, &key)) < 0)
        goto out;
    if ((r = mamori_log_key_format_signer(&key, &kb)) < 0 ||
        (r = write_text(key_path, kb.data, kb.len, 0600)) < 0)
        goto out;
    mamori_buf_reset(&kb);
    if ((r = mamori_log_key_format_verifier(&key, &kb)) < 0 ||
        (r = write_text(pub_path, kb.data, kb.len, 0644)) < 0)
        goto out;

    if ((r = mamori_store_open(store_path, false, &store)) < 0)
        goto out;
    if ((r = mamori_store_meta_set(store, "log.origin", origin)) < 0)
        goto out;
    if ((r = mamori_log_open(store, &key, NULL, &log)) < 0)
        goto out;
    struct mamori_buf db;
    mamori_buf_init(&db, 4096);
    struct mamori_json j;
    mamori_json_init(&j, &db, false);
    uint8_t h[32];
    char hh[65];
    crypto_hash_sha256(h, (const uint8_t *)policy_text, policy_len);
    mamori_hex(h, 32, hh);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, "municipality", mamori_text_get(&policy->municipality.name, true));
    mamori_json_kv_string(&j, "policy_sha256", hh);
    mamori_json_kv_string(&j, "log_origin", origin);
    mamori_json_object_end(&j);
    r = mamori_json_finish(&j);
    struct mamori_record rec = {.time_us = mamori_now_us(),
                                .actor = "system",
                                .action = "instance.init",
                                .object = dir,
                                .decision = "ok",
                                .clause = "8",
                                .details = db.data};
    if (r == 0)
        r = mamori_log_append(log, &rec, 1, NULL);
    mamori_buf_done(&db);
    if (r == 0)
        r = mamori_log_checkpoint(log);
out:
    mamori_log_close(log);
    mamori_store_close(store);
    mamori_log_key_done(&key);
    mamori_buf_done(&kb);
    for (int i = 0; i < 3; i++)
        free(sub[i]);
    free(policy_path);
    free(store_path);
    free(keys);
    free(key_path);
    free(pub_path);
    free(policy_text);
    mamori_policy_free(policy);
    return r;
}

static int
load_key(struct mamori_instance *inst)
{
    char *text;
    size_t len;
    int r = mamori_fs_read_file(inst->key_path, KEY_FILE_MAX, &text, &len);
    if (r == 0) {
        r = mamori_log_key_parse_signer(text, len, &inst->key);
        sodium_memzero(text, len);
        free(text);
        return r;
    }
    if (r != -EACCES && r != -ENOENT)
        return r;
    /* Without the signing key (an auditor's copy, or a user without rights): verify only. */
    r = mamori_fs_read_file(inst->pub_path, KEY_FILE_MAX, &text, &len);
    if (r < 0)
        return r;
    r = mamori_log_key_parse_verifier(text, len, &inst->key);
    free(text);
    return r;
}

int
mamori_instance_open(const char *dir, struct mamori_instance **ret)
{
    if (sodium_init() < 0)
        return -EIO;
    struct mamori_instance *inst = calloc(1, sizeof(*inst));
    if (!inst)
        return -ENOMEM;
    int r = -ENOMEM;
    inst->dir = strdup(dir);
    inst->policy_path = path_join(dir, "mamori.yaml");
    inst->store_path = path_join(dir, "store.db");
    inst->key_path = path_join(dir, "keys/audit.key");
    inst->pub_path = path_join(dir, "keys/audit.pub");
    inst->quarantine_dir = path_join(dir, "quarantine");
    inst->quarantine_key_path = path_join(dir, "keys/quarantine.key");
    inst->daemon_conf_path = path_join(dir, "mamorid.conf");
    inst->secrets_key_path = path_join(dir, "keys/secrets.key");
    if (!inst->dir || !inst->policy_path || !inst->store_path || !inst->key_path ||
        !inst->pub_path || !inst->quarantine_dir || !inst->quarantine_key_path ||
        !inst->daemon_conf_path || !inst->secrets_key_path)
        goto fail;
    struct stat st;
    if (stat(inst->store_path, &st) < 0) {
        r = -errno;
        goto fail;
    }
    if ((r = mamori_store_open(inst->store_path, false, &inst->store)) < 0)
        goto fail;
    if ((r = load_key(inst)) < 0)
        goto fail;
    if (inst->key.has_secret &&
        (r = mamori_log_open(inst->store, &inst->key, NULL, &inst->log)) < 0)
        goto fail;
    *ret = inst;
    return 0;
fail:
    mamori_instance_close(inst);
    return r;
}

int
mamori_instance_close(struct mamori_instance *inst)
{
    if (!inst)
        return 0;
    int r = mamori_log_close(inst->log);
    mamori_store_close(inst->store);
    mamori_log_key_done(&inst->key);
    free(inst->dir);
    free(inst->policy_path);
    free(inst->store_path);
    free(inst->key_path);
    free(inst->pub_path);
    free(inst->quarantine_dir);
    free(inst->quarantine_key_path);
    free(inst->daemon_conf_path);
    free(inst->secrets_key_path);
    free(inst);
    return r;
}

int
mamori_instance_record(struct mamori_instance *inst, struct mamori_record *rec)
{
    if (!inst->log)
        return -EACCES;
    if (!rec->time_us)
        rec->time_us = mamori_now_us();
    return mamori_log_append(inst->log, rec, 1, NULL);
}

int
mamori_instance_apply(struct mamori_instance *inst, mamori_store_op op, void *ctx,
                      struct mamori_record *rec)
{
    if (!inst->log)
        return -EACCES;
    if (!rec->time_us)
        rec->time_us = mamori_now_us();
    int r = mamori_store_begin(inst->store);
    if (r < 0)
        return r;
    if (op)
        r = op(inst->store, ctx);
    if (r >= 0)
        r = mamori_log_append_in(inst->log, rec, 1, NULL);
    if (r >= 0)
        r = mamori_store_commit(inst->store);
    if (r < 0)
        mamori_store_rollback(inst->store);
    return r < 0 ? r : 0;
}

int
mamori_instance_may_approve(struct mamori_instance *inst, const struct mamori_policy *p,
                            const char *action, const char *requester_id,
                            const struct mamori_store_person *actor, const char **ret_why)
{
    struct mamori_arena *a = mamori_arena_new(1 << 14);
    if (!a)
        return -ENOMEM;
    struct mamori_store_person rq;
    int r = mamori_store_person_get(inst->store, requester_id, a, &rq);
    if (r == 0) {
        struct mamori_person_ref requester = {rq.id, rq.role, rq.unit};
        struct mamori_person_ref approver = {actor->id, actor->role, actor->unit};
        r = mamori_policy_may_approve(p, action, &requester, &approver, ret_why);
    }
    mamori_arena_free(a);
    return r;
}
