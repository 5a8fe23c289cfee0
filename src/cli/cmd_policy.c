/*
 * mamori policy check [FILE]  /  mamori policy matrix
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int
cmd_policy_check(struct cli *c)
{
    char path[4096];
    if (c->n_args == 1)
        snprintf(path, sizeof(path), "%s", c->args[0]);
    else if (c->home)
        snprintf(path, sizeof(path), "%s/mamori.yaml", c->home);
    else
        snprintf(path, sizeof(path), "mamori.yaml");
    struct mamori_diags d;
    mamori_diags_init(&d, path);
    struct mamori_policy *p = NULL;
    int r = mamori_policy_load_file(path, mamori_today(), &p, &d);
    mamori_policy_free(p);
    struct mamori_buf out;
    mamori_buf_init(&out, 16 << 20);
    if (c->json) {
        struct mamori_json j;
        mamori_json_init(&j, &out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "file", path);
        mamori_json_kv_bool(&j, "valid", r == 0);
        mamori_json_kv_int(&j, "errors", (int64_t)d.n_errors);
        mamori_json_kv_int(&j, "warnings", (int64_t)d.n_warnings);
        mamori_json_key(&j, "diagnostics");
        mamori_json_array_begin(&j);
        for (size_t i = 0; i < d.n; i++) {
            mamori_json_object_begin(&j);
            mamori_json_kv_int(&j, "line", d.items[i].line);
            mamori_json_kv_int(&j, "col", d.items[i].col);
            mamori_json_kv_string(&j, "severity", mamori_severity_name(d.items[i].severity));
            mamori_json_kv_string(&j, "message", d.items[i].message);
            mamori_json_object_end(&j);
        }
        mamori_json_array_end(&j);
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        mamori_buf_putc(&out, '\n');
    } else {
        mamori_diags_format(&d, &out);
    }
    int rc = cli_write_output(c, out.data ? out.data : "", out.len);
    mamori_buf_done(&out);
    if (!c->json && r == 0)
        fprintf(stderr, "%s: %s (%zu %s)\n", path, _("OK"), d.n_warnings, _("warnings"));
    mamori_diags_done(&d);
    if (rc != 0)
        return rc;
    if (r == -ENOMEM)
        return EX_OSERR;
    return r == 0 ? EX_OK : 1;
}

int
cmd_policy_matrix(struct cli *c)
{
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, NULL);
    if (rc)
        return rc;
    struct mamori_buf out;
    mamori_buf_init(&out, 16 << 20);
    int r = mamori_policy_matrix(p, mamori_i18n_japanese(), c->json, mamori_today(), &out);
    if (r == 0)
        rc = cli_write_output(c, out.data, out.len);
    else
        rc = cli_exit_code(r);
    mamori_buf_done(&out);
    mamori_policy_free(p);
    return rc;
}
