/*
 * mamori init DIR [--policy FILE]
 */
#include <errno.h>
#include <stdio.h>

#include "cli.h"

#ifndef MAMORI_EXAMPLE_POLICY
#define MAMORI_EXAMPLE_POLICY "/usr/share/mamori/examples/city/mamori.yaml"
#endif

int
cmd_init(struct cli *c)
{
    const char *dir = c->args[0];
    const char *policy = c->policy ? c->policy : MAMORI_EXAMPLE_POLICY;
    struct mamori_diags d;
    mamori_diags_init(&d, policy);
    int r = mamori_instance_init(dir, policy, &d);
    if (d.n > 0) {
        struct mamori_buf out;
        mamori_buf_init(&out, 1 << 20);
        mamori_diags_format(&d, &out);
        if (out.data)
            fputs(out.data, stderr);
        mamori_buf_done(&out);
    }
    mamori_diags_done(&d);
    if (r == -EEXIST) {
        cli_error(_("%s already holds an instance"), dir);
        return EX_CANTCREAT;
    }
    if (r == MAMORI_E_INVALID) {
        cli_error(_("policy %s has errors; not created"), policy);
        return EX_DATAERR;
    }
    if (r < 0) {
        cli_error(_("cannot create %s: %s"), dir, mamori_strerror(r));
        return cli_exit_code(r);
    }
    printf("%s %s\n", _("created instance:"), dir);
    printf("  %s %s/mamori.yaml\n", _("policy:     "), dir);
    printf("  %s %s/store.db\n", _("store:      "), dir);
    printf("  %s %s/keys/audit.pub\n", _("log verifier:"), dir);
    return EX_OK;
}
