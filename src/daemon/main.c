/*
 * mamorid: the gateway daemon of an instance, in the foreground (systemd-friendly: logs to
 * stderr, SIGTERM stops cleanly, SIGHUP reloads the policy).
 *
 *     mamorid -C DIR [--milter unix:PATH|inet:HOST:PORT]... [--workers N] [--check]
 *
 * Exit codes follow sysexits(3): 0 stopped cleanly, 64 usage, 78 bad configuration,
 * 71 cannot start (listen, store).
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mamori/gateway.h"

static void
usage(FILE *f)
{
    fprintf(f,
            "%s\n  mamorid -C DIR [--milter unix:PATH|inet:HOST:PORT]... [--workers N] "
            "[--check]\n",
            _("Usage:"));
    fprintf(f, "  %s\n", _("runs the mail gateway of an instance in the foreground"));
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    mamori_i18n_init(NULL);
    const char *home = getenv("MAMORI_HOME");
    const char *milters[MAMORI_GATEWAY_MAX_LISTENERS];
    size_t n_milters = 0;
    long workers = 0;
    bool check = false;
    static const struct option longopts[] = {
        {"milter", required_argument, NULL, 'm'}, {"workers", required_argument, NULL, 'w'},
        {"check", no_argument, NULL, 'k'},        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'C':
            home = optarg;
            break;
        case 'm':
            if (n_milters == MAMORI_GATEWAY_MAX_LISTENERS) {
                fprintf(stderr, "mamorid: %s\n", _("too many --milter listeners"));
                return EX_USAGE;
            }
            milters[n_milters++] = optarg;
            break;
        case 'w': {
            char *end;
            workers = strtol(optarg, &end, 10);
            if (*end || workers < 1 || workers > 64) {
                fprintf(stderr, "mamorid: %s\n", _("--workers takes a number from 1 to 64"));
                return EX_USAGE;
            }
            break;
        }
        case 'k':
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("mamorid %s\n", MAMORI_VERSION);
            return 0;
        default:
            usage(stderr);
            return EX_USAGE;
        }
    }
    if (optind != argc || !home) {
        if (!home)
            fprintf(stderr, "mamorid: %s\n", _("no instance: give -C DIR or set MAMORI_HOME"));
        usage(stderr);
        return EX_USAGE;
    }
    struct mamori_instance *inst;
    int r = mamori_instance_open(home, &inst);
    if (r < 0) {
        fprintf(stderr, "mamorid: %s: %s\n", home, mamori_strerror(r));
        return r == -ENOENT ? EX_CONFIG : EX_OSERR;
    }
    struct mamori_gateway_config conf;
    struct mamori_diags diags;
    mamori_diags_init(&diags, inst->daemon_conf_path);
    r = mamori_gateway_config_load(inst->daemon_conf_path, &conf, &diags);
    if (r < 0) {
        struct mamori_buf b;
        mamori_buf_init(&b, (size_t)1 << 20);
        if (mamori_diags_format(&diags, &b) == 0)
            fprintf(stderr, "%.*s", (int)b.len, b.data);
        mamori_buf_done(&b);
        mamori_diags_done(&diags);
        mamori_instance_close(inst);
        return EX_CONFIG;
    }
    mamori_diags_done(&diags);
    for (size_t i = 0; i < n_milters; i++)
        if (mamori_gateway_config_set_milter(&conf, milters[i], i == 0) < 0) {
            fprintf(stderr, "mamorid: %s: %s\n", milters[i],
                    _("not a listener: use unix:PATH or inet:HOST:PORT"));
            mamori_gateway_config_done(&conf);
            mamori_instance_close(inst);
            return EX_USAGE;
        }
    if (workers)
        conf.workers = (unsigned)workers;
    int rc = 0;
    if (check) {
        printf("%s\n", _("configuration OK"));
    } else {
        r = mamori_gateway_run(inst, &conf);
        rc = r < 0 ? EX_OSERR : 0;
    }
    mamori_gateway_config_done(&conf);
    if (mamori_instance_close(inst) < 0 && rc == 0)
        rc = EX_IOERR;
    return rc;
}
