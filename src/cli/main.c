/*
 * mamori: the command-line front of libmamori.
 *
 *     mamori [-C DIR] COMMAND [WORDS] [OPTIONS] [ARGS]
 *
 * Options may stand anywhere after the command; each command lists the ones it takes.
 * Exit codes follow sysexits(3).
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
    {"init", 1, 1, OPT_POLICY, "init DIR [--policy FILE]",
     N_("create an instance (policy, store, signing key, quarantine)"), cmd_init},
    {"policy check", 0, 1, OPT_JSON, "policy check [FILE] [--json]",
     N_("check a policy (errors as FILE:LINE:COL)"), cmd_policy_check},
    {"policy matrix", 0, 0, OPT_JSON | OPT_LANG | OPT_POLICY,
     "policy matrix [--lang ja|en] [--json] [--policy FILE]",
     N_("the zone x zone matrix the policy allows"), cmd_policy_matrix},
    {"flow check", 3, 3, OPT_JSON | OPT_RECORD | OPT_POLICY | OPT_AS,
     "flow check FROM TO SERVICE [--record] [--as USER] [--json] [--policy FILE]",
     N_("decide whether and how traffic may flow"), cmd_flow_check},
    {"log verify", 0, 0, OPT_CHECKPOINT | OPT_FILE | OPT_KEY | OPT_JSON,
     "log verify [--checkpoint FILE] [--file EXPORT --key PUBKEY] [--json]",
     N_("recompute the audit log and check every signed checkpoint"), cmd_log_verify},
    {"log prove", 1, 1, OPT_JSON, "log prove SEQ [--json]", N_("inclusion proof of record SEQ"),
     cmd_log_prove},
    {"log consistency", 2, 2, OPT_JSON, "log consistency OLD NEW [--json]",
     N_("consistency proof between sizes OLD and NEW"), cmd_log_consistency},
    {"log show", 0, 0, OPT_SINCE | OPT_JSON, "log show [--since SEQ] [--json]",
     N_("show audit log records"), cmd_log_show},
    {"log export", 0, 0, OPT_OUTPUT, "log export [-o FILE]",
     N_("export the audit log for offline verification"), cmd_log_export},
    {"log checkpoint", 0, 0, OPT_OUTPUT, "log checkpoint [-o FILE]",
     N_("sign the current tree and print the checkpoint (a witness for another zone or WORM "
        "media)"),
     cmd_log_checkpoint},
};

static void
usage(FILE *f)
{
    fprintf(f, "%s: mamori [-C DIR] COMMAND ...\n\n", _("usage"));
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(commands); i++)
        fprintf(f, "  mamori %-60s\n      %s\n", commands[i].usage, _(commands[i].help));
    fprintf(f, "\n%s\n",
            _("Common: -C DIR (or MAMORI_HOME) names the instance. --lang ja for Japanese."));
}

static const char *const opt_names[] = {"--json",   "--as",         "--record", "--policy",
                                        "--output", "--checkpoint", "--since",  "--file",
                                        "--key",    "--lang"};

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    mamori_i18n_init(NULL);
    struct cli c = {0};
    c.home = getenv("MAMORI_HOME");
    if (c.home && !*c.home)
        c.home = NULL;

    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"as", required_argument, NULL, 'a'},
        {"record", no_argument, NULL, 'r'},
        {"policy", required_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'},
        {"checkpoint", required_argument, NULL, 'k'},
        {"since", required_argument, NULL, 's'},
        {"file", required_argument, NULL, 'f'},
        {"key", required_argument, NULL, 'K'},
        {"lang", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    char **words = calloc((size_t)argc + 1, sizeof(char *));
    int n_words = 0;
    if (!words)
        return EX_OSERR;
    opterr = 0;
    /* Leading "-" in the option string: operands come back as option 1, in order. */
    while ((ch = getopt_long(argc, argv, "-C:o:hV", longopts, NULL)) != -1) {
        switch (ch) {
        case 1:
            words[n_words++] = optarg;
            break;
        case 'C':
            c.home = optarg;
            break;
        case 'j':
            c.json = true;
            c.given |= OPT_JSON;
            break;
        case 'a':
            c.as = optarg;
            c.given |= OPT_AS;
            break;
        case 'r':
            c.record = true;
            c.given |= OPT_RECORD;
            break;
        case 'p':
            c.policy = optarg;
            c.given |= OPT_POLICY;
            break;
        case 'o':
            c.output = optarg;
            c.given |= OPT_OUTPUT;
            break;
        case 'k':
            c.checkpoint = optarg;
            c.given |= OPT_CHECKPOINT;
            break;
        case 's':
            c.since = optarg;
            c.given |= OPT_SINCE;
            break;
        case 'f':
            c.file = optarg;
            c.given |= OPT_FILE;
            break;
        case 'K':
            c.key = optarg;
            c.given |= OPT_KEY;
            break;
        case 'l':
            if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0) {
                cli_error(_("--lang takes ja or en"));
                free(words);
                return EX_USAGE;
            }
            mamori_i18n_init(optarg);
            c.given |= OPT_LANG;
            break;
        case 'h':
            usage(stdout);
            free(words);
            return EX_OK;
        case 'V':
            printf("mamori %s\n", MAMORI_VERSION);
            free(words);
            return EX_OK;
        default:
            cli_error(_("unknown option: %s"), argv[optind - 1]);
            free(words);
            return EX_USAGE;
        }
    }
    if (n_words == 0) {
        usage(stderr);
        free(words);
        return EX_USAGE;
    }
    /* The longest command whose words match. */
    const struct cli_command *cmd = NULL;
    int used = 0;
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(commands); i++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%s", commands[i].words);
        int k = 0;
        bool match = true;
        for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
            if (k >= n_words || strcmp(words[k], w) != 0) {
                match = false;
                break;
            }
            k++;
        }
        if (match && k > used) {
            cmd = &commands[i];
            used = k;
        }
    }
    if (!cmd) {
        cli_error(_("unknown command: %s (see mamori --help)"), words[0]);
        free(words);
        return EX_USAGE;
    }
    unsigned extra = c.given & ~(cmd->opts | OPT_LANG);
    if (extra) {
        for (size_t i = 0; i < MAMORI_ARRAY_SIZE(opt_names); i++)
            if (extra & (1u << i)) {
                cli_error(_("mamori %s does not take %s"), cmd->words, opt_names[i]);
                break;
            }
        free(words);
        return EX_USAGE;
    }
    c.args = words + used;
    c.n_args = n_words - used;
    if (c.n_args < cmd->min_args || c.n_args > cmd->max_args) {
        fprintf(stderr, "%s: mamori %s\n", _("usage"), cmd->usage);
        free(words);
        return EX_USAGE;
    }
    int rc = cmd->run(&c);
    free(words);
    return rc;
}
