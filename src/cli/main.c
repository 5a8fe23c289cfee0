/*
 * mamori: the command-line front of libmamori.
 *
 *     mamori [-C DIR] COMMAND [WORDS] [OPTIONS] [ARGS]
 *
 * Options may stand anywhere after the command; each command lists the ones it takes.
 * Exit codes follow sysexits(3).
 */
#include <getopt.h>
#include <stddef.h>
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
    {"sanitize mail", 0, 100000,
     OPT_OUTPUT | OPT_OUT_DIR | OPT_REPORT | OPT_POLICY | OPT_RECORD | OPT_AS,
     "sanitize mail [IN...] [-o OUT | --out-dir DIR] [--report FILE.json] [--record [--as USER]]",
     N_("convert internet mail to text (メール無害化); standard input and output without files"),
     cmd_sanitize_mail},
    {"sanitize file", 1, 100000,
     OPT_OUTPUT | OPT_OUT_DIR | OPT_REPORT | OPT_PASSWORD_FILE | OPT_STRICT | OPT_RECORD | OPT_AS |
         OPT_POLICY,
     "sanitize file IN... (-o OUT | --out-dir DIR) [--report FILE.json] [--password-file F] "
     "[--strict] [--record [--as USER]] [--policy FILE]",
     N_("disarm and rebuild files (ファイル無害化): images, Office documents, text and CSV, "
        "archives; other types are blocked"),
     cmd_sanitize_file},
    {"fw compile", 0, 0, OPT_POLICY | OPT_FORMAT | OPT_OUTPUT,
     "fw compile [--policy FILE] [--format nft|json] [-o FILE]",
     N_("the boundary firewall (nftables) derived from the policy, checked by nftables"),
     cmd_fw_compile},
    {"fw apply", 0, 0, OPT_POLICY | OPT_AS, "fw apply [--policy FILE] [--as USER]",
     N_("load the firewall in one transaction (the previous one is kept for rollback)"),
     cmd_fw_apply},
    {"fw rollback", 0, 0, OPT_AS, "fw rollback [--as USER]",
     N_("put back the firewall that was loaded before the last apply"), cmd_fw_rollback},
    {"fw verify", 0, 0, OPT_POLICY | OPT_FILE | OPT_JSON | OPT_AS,
     "fw verify [--policy FILE] [--file LIVE.json] [--json]",
     N_("compare the live firewall with the policy; exit 1 when it allows more"), cmd_fw_verify},
    {"quarantine list", 0, 0, OPT_JSON, "quarantine list [--json]",
     N_("the originals the gateway kept (newest first)"), cmd_quarantine_list},
    {"quarantine show", 1, 1, OPT_JSON, "quarantine show ID [--json]",
     N_("one kept original: envelope, verdict, retention"), cmd_quarantine_show},
    {"quarantine verify", 0, 1, OPT_JSON, "quarantine verify [ID] [--json]",
     N_("decrypt kept originals and check each against its id; exit 1 on any failure"),
     cmd_quarantine_verify},
    {"quarantine purge", 0, 1, OPT_EXPIRED | OPT_AS,
     "quarantine purge (ID | --expired) [--as USER]",
     N_("destroy originals past their retention (or one), key first; logged"),
     cmd_quarantine_purge},
    {"quarantine request", 1, 1, OPT_AS | OPT_REASON,
     "quarantine request ID --as USER [--reason TEXT]",
     N_("ask for an original you received (approved by the role the policy names, never by "
        "you)"),
     cmd_quarantine_request},
    {"quarantine approve", 1, 1, OPT_AS, "quarantine approve REQUEST --as USER",
     N_("approve a request to release an original (兼務の禁止: not your own)"),
     cmd_quarantine_approve},
    {"quarantine deny", 1, 1, OPT_AS | OPT_REASON,
     "quarantine deny REQUEST --as USER [--reason TEXT]", N_("deny a request"),
     cmd_quarantine_deny},
    {"quarantine release", 1, 1, OPT_AS | OPT_OUTPUT | OPT_DELIVER | OPT_POLICY,
     "quarantine release REQUEST (-o FILE | --deliver) --as USER",
     N_("scan an approved original with clamd and hand it to its requester: as a file, or "
        "mailed into their LGWAN mailbox (as the policy allows)"),
     cmd_quarantine_release},
    {"quarantine requests", 0, 0, OPT_JSON, "quarantine requests [--json]",
     N_("requests to release originals and their state"), cmd_quarantine_requests},
    {"user add", 1, 1,
     OPT_AS | OPT_ROLE | OPT_UNIT | OPT_MAIL | OPT_PASSWORD_FILE | OPT_NAME | OPT_POLICY,
     "user add NAME --role ROLE [--unit U] [--mail ADDR] [--name TEXT] --password-file F "
     "[--as USER]",
     N_("add a person who acts (a role and unit of the policy; Argon2id password)"), cmd_user_add},
    {"user list", 0, 0, OPT_JSON, "user list [--json]", N_("the persons"), cmd_user_list},
    {"user show", 1, 1, OPT_JSON, "user show NAME [--json]", N_("one person"), cmd_user_show},
    {"user disable", 1, 1, OPT_AS, "user disable NAME --as USER",
     N_("disable a person (kept for the record)"), cmd_user_disable},
    {"user unlock", 1, 1, OPT_AS, "user unlock NAME --as USER",
     N_("end a person's lockout after failed sign-ins to the console"), cmd_user_unlock},
    {"user set-role", 1, 1, OPT_AS | OPT_ROLE | OPT_UNIT | OPT_POLICY,
     "user set-role NAME --role ROLE [--unit U] --as USER",
     N_("change a person's role (and unit); the change is audited"), cmd_user_set_role},
    {"user appoint", 1, 1, OPT_AS | OPT_ROLE | OPT_UNIT | OPT_POLICY,
     "user appoint NAME --role ROLE [--unit U] --as USER",
     N_("appoint a person to a role beside their own (兼務: 委員会, CSIRT, auditors); audited, "
        "with history"),
     cmd_user_appoint},
    {"user dismiss", 1, 1, OPT_AS | OPT_ROLE | OPT_POLICY,
     "user dismiss NAME --role ROLE --as USER", N_("end a person's appointment to a role"),
     cmd_user_dismiss},
    {"org roles", 0, 1, OPT_JSON | OPT_ROLE | OPT_UNIT | OPT_POLICY,
     "org roles [DATE] [--role R] [--unit U] [--json]",
     N_("who holds which role in which unit, now or at the end of DATE (基本方針 6(1))"),
     cmd_org_roles},
    {"org history", 0, 1, OPT_JSON | OPT_ROLE | OPT_UNIT | OPT_POLICY,
     "org history [PERSON] [--role R] [--unit U] [--json]",
     N_("every role a person held, in which unit, from when until when"), cmd_org_history},
    {"user reset-password", 1, 1, OPT_AS | OPT_PASSWORD_FILE,
     "user reset-password NAME --password-file F --as USER",
     N_("set a new password (Argon2id) for a person"), cmd_user_reset_password},
    {"user enrol-totp", 1, 1, OPT_AS, "user enrol-totp NAME --as USER",
     N_("give a person a TOTP second factor (RFC 6238); prints the otpauth:// URI once"),
     cmd_user_enrol_totp},
    {"user verify-totp", 2, 2, 0, "user verify-totp NAME CODE",
     N_("check a 6-digit code against the person's second factor (liboath); exit 1 when not "
        "valid"),
     cmd_user_verify_totp},
    {"user export-oath", 0, 0, OPT_AS | OPT_OUTPUT, "user export-oath -o FILE --as USER",
     N_("write pam_oath's usersfile for the persons with a second factor (0600)"),
     cmd_user_export_oath},
    {"device add", 1, 1, OPT_AS | OPT_USB | OPT_ZONE | OPT_SERIAL | OPT_NAME | OPT_POLICY,
     "device add ID --usb VVVV:PPPP --zone ZONE [--serial S] [--name TEXT] --as USER",
     N_("register a USB device for a zone's terminals (USBGuard allows only these)"),
     cmd_device_add},
    {"device list", 0, 0, OPT_JSON, "device list [--json]", N_("the registered devices"),
     cmd_device_list},
    {"endpoint profile", 1, 1, OPT_HOST | OPT_OUT_DIR | OPT_AS | OPT_POLICY,
     "endpoint profile ZONE --host ADDR --out DIR --as USER",
     N_("the lock-down of a terminal of the zone: host firewall, USBGuard, pam_oath, no "
        "wireless, and apply.sh"),
     cmd_endpoint_profile},
    {"asset add", 1, 64, OPT_AS | OPT_JSON | OPT_POLICY,
     "asset add ID KEY=VALUE... [--json] --as USER",
     N_("register an information asset (name=, type=, unit=, manager=, conf=, integ=, avail=, "
        "...; or parts= for a combined asset)"),
     cmd_asset_add},
    {"asset show", 1, 1, OPT_JSON | OPT_POLICY, "asset show ID [--json]",
     N_("one asset: fields, label, handling restrictions, classification history, events, "
        "risks"),
     cmd_asset_show},
    {"asset list", 0, 8, OPT_JSON | OPT_POLICY,
     "asset list [q=TEXT] [unit=U] [zone=Z] [type=T] [conf=L] [state=S] [overdue] [--json]",
     N_("the register, filtered (unit includes the units below it; overdue: review date past)"),
     cmd_asset_list},
    {"asset edit", 1, 64, OPT_AS | OPT_REASON | OPT_JSON | OPT_POLICY,
     "asset edit ID KEY=VALUE... [--reason TEXT] [--json] --as USER",
     N_("change fields of an asset (a change of level or parts needs --reason)"), cmd_asset_edit},
    {"asset classify", 2, 5, OPT_AS | OPT_REASON | OPT_JSON | OPT_POLICY,
     "asset classify ID conf=L integ=L avail=L [parts=A,B] --reason TEXT [--json] --as USER",
     N_("reclassify an asset (history kept; combined assets that include it follow)"),
     cmd_asset_classify},
    {"asset event", 2, 7, OPT_AS | OPT_JSON | OPT_POLICY,
     "asset event ID KIND [purpose=...] [date=YYYY-MM-DD] [person=...] [method=...] --as USER",
     N_("record a lifecycle event (create obtain use store send carry provide dispose); "
        "carrying, providing or disposing of 機密性2 or above waits for approval"),
     cmd_asset_event},
    {"asset events", 0, 2, OPT_JSON, "asset events [asset=ID] [state=requested] [--json]",
     N_("lifecycle events, newest first"), cmd_asset_events},
    {"asset approve", 1, 1, OPT_AS | OPT_REASON | OPT_POLICY,
     "asset approve EVENT [--reason NOTE] --as USER",
     N_("approve a requested event (the approval matrix's role, never the requester)"),
     cmd_asset_approve},
    {"asset deny", 1, 1, OPT_AS | OPT_REASON | OPT_POLICY,
     "asset deny EVENT --reason TEXT --as USER", N_("deny a requested event"), cmd_asset_deny},
    {"asset import", 1, 1, OPT_AS | OPT_MAPPING | OPT_DRY_RUN | OPT_JSON | OPT_POLICY,
     "asset import FILE.csv [--mapping FILE] [--dry-run] [--json] --as USER",
     N_("import a 台帳 (CP932 or UTF-8 CSV) all or nothing; every problem is listed by row and "
        "column"),
     cmd_asset_import},
    {"asset export", 0, 0, OPT_OUTPUT | OPT_FORMAT | OPT_ENCODING | OPT_POLICY,
     "asset export [--format csv|xlsx] [--encoding cp932|utf-8] [-o FILE]",
     N_("export the register in mamori's layout (Japanese headers); import takes it back"),
     cmd_asset_export},
    {"risk threats", 0, 0, OPT_JSON | OPT_POLICY, "risk threats [--json]",
     N_("the threat catalogue (基本方針 3, as the policy extends it)"), cmd_risk_threats},
    {"risk add", 3, 7, OPT_AS | OPT_POLICY,
     "risk add ASSET THREAT likelihood=1-3 treatment=reduce|accept|transfer|avoid "
     "[controls=TEXT] [review_due=DATE] --as USER",
     N_("register a risk: impact from the asset's class, level = likelihood x impact"),
     cmd_risk_add},
    {"risk list", 0, 1, OPT_JSON | OPT_POLICY, "risk list [asset=ID] [--json]",
     N_("the risk register"), cmd_risk_list},
    {"risk accept", 1, 1, OPT_AS | OPT_UNTIL | OPT_POLICY,
     "risk accept RISK --until YYYY-MM-DD --as USER",
     N_("accept a risk until a date (the role of risk.accept, never who registered it)"),
     cmd_risk_accept},
    {"inspect run", 0, 0, OPT_YEAR | OPT_UNIT | OPT_JSON | OPT_RECORD | OPT_AS | OPT_POLICY,
     "inspect run [--year Y] [--unit U] [--json] [--record [--as USER]]",
     N_("the self-inspection checklist (基本方針 7): every item with its number, answer and "
        "evidence, those mamori can answer from its records answered"),
     cmd_inspect_run},
#define GOV(kind, verb, help)                                                                      \
    {                                                                                              \
        kind, 1, 66,                                                                               \
            OPT_AS | OPT_ROLE | OPT_JSON | OPT_REASON | OPT_FILE | OPT_OUTPUT | OPT_POLICY,        \
            kind " " verb "|list|show|edit|fields|STEP ... [--json] [--as USER [--role R]]", help, \
            cmd_gov                                                                                \
    }
    GOV("incident", "open",
        N_("security incidents (6(7)): open, advance through the stages, deadlines of the "
           "personal-information reports, the nine statutory items, evidence (--file)")),
    GOV("exception", "request", N_("例外措置: request, approval by the CISO, review, end")),
    GOV("staff", "add ID",
        N_("staff (職員等, 会計年度任用職員, contractors' staff): joiners, policy "
           "acknowledgement, leavers and their accounts")),
    GOV("training", "add", N_("training programmes and attendance (6(5))")),
    GOV("contractor", "add",
        N_("contractors (6(8)): selection evidence, the contract's items, periodic checks")),
    GOV("subcontract", "request", N_("再委託: requests and their approval")),
    GOV("service", "request",
        N_("external (cloud) services: 機密性2 information, ISMAP, approval, review")),
    GOV("sns", "add", N_("social-media accounts: responsible person, procedure, listing, MFA")),
    GOV("audit", "plan",
        N_("audits (7): plans approved by the 委員会, auditors independent of the units")),
    GOV("finding", "add", N_("audit findings: corrective action, owner, due date, follow-up")),
    GOV("doc", "add",
        N_("policy documents (基本方針, 対策基準, 実施手順, 緊急時対応計画): versions, approval, "
           "the file (--file), export")),
    GOV("review", "open", N_("the yearly policy review and the findings it addresses")),
    GOV("carry", "request",
        N_("持ち出し・持ち込み: equipment and media taken off-site or brought in, approval, "
           "return")),
    GOV("entry", "add", N_("server-room entries and exits (6(4))")),
#undef GOV
    {"report", 1, 1, OPT_FORMAT | OPT_OUTPUT | OPT_YEAR | OPT_POLICY,
     "report inspection|audit|incidents|register --format html|pdf|xlsx -o FILE [--year Y]",
     N_("reports to the 委員会: self-inspection, audits, incidents, the registers"), cmd_report},
    {"remind", 0, 0, OPT_JSON | OPT_MAIL | OPT_POLICY, "remind [--json] [--mail inet:HOST:PORT]",
     N_("what is due or overdue, per person: reviews, training, deadlines, corrective actions, "
        "expiring exceptions (--mail sends each person theirs)"),
     cmd_remind},
    {"fw denies", 0, 0, OPT_JSON, "fw denies [--json]",
     N_("denied inter-zone attempts mamorid saw in the firewall's log: rule, source, "
        "destination, service, count, first and last seen"),
     cmd_fw_denies},
    {"check time", 0, 0, OPT_JSON | OPT_AS, "check time [--json]",
     N_("is the clock synchronised? (chrony or systemd-timesyncd; a self-inspection item)"),
     cmd_check_time},
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

#define NONE ((size_t)-1)

/* The options that set a field of struct cli, one row each; the bit says which commands may
 * take it (struct cli_command.opts). -o is --output, -C the instance directory. */
static const struct cli_option {
    const char *name;
    int has_arg;
    unsigned bit;
    size_t value_off; /* a const char * member, or NONE */
    size_t flag_off;  /* a bool member, or NONE */
} options[] = {
    {"json", no_argument, OPT_JSON, NONE, offsetof(struct cli, json)},
    {"as", required_argument, OPT_AS, offsetof(struct cli, as), NONE},
    {"record", no_argument, OPT_RECORD, NONE, offsetof(struct cli, record)},
    {"policy", required_argument, OPT_POLICY, offsetof(struct cli, policy), NONE},
    {"output", required_argument, OPT_OUTPUT, offsetof(struct cli, output), NONE},
    {"checkpoint", required_argument, OPT_CHECKPOINT, offsetof(struct cli, checkpoint), NONE},
    {"since", required_argument, OPT_SINCE, offsetof(struct cli, since), NONE},
    {"file", required_argument, OPT_FILE, offsetof(struct cli, file), NONE},
    {"key", required_argument, OPT_KEY, offsetof(struct cli, key), NONE},
    {"lang", required_argument, OPT_LANG, NONE, NONE},
    {"out-dir", required_argument, OPT_OUT_DIR, offsetof(struct cli, out_dir), NONE},
    {"out", required_argument, OPT_OUT_DIR, offsetof(struct cli, out_dir), NONE},
    {"report", required_argument, OPT_REPORT, offsetof(struct cli, report), NONE},
    {"format", required_argument, OPT_FORMAT, offsetof(struct cli, format), NONE},
    {"expired", no_argument, OPT_EXPIRED, NONE, offsetof(struct cli, expired)},
    {"role", required_argument, OPT_ROLE, offsetof(struct cli, role), NONE},
    {"unit", required_argument, OPT_UNIT, offsetof(struct cli, unit), NONE},
    {"mail", required_argument, OPT_MAIL, offsetof(struct cli, mail), NONE},
    {"password-file", required_argument, OPT_PASSWORD_FILE, offsetof(struct cli, password_file),
     NONE},
    {"name", required_argument, OPT_NAME, offsetof(struct cli, name), NONE},
    {"reason", required_argument, OPT_REASON, offsetof(struct cli, reason), NONE},
    {"deliver", no_argument, OPT_DELIVER, NONE, offsetof(struct cli, deliver)},
    {"usb", required_argument, OPT_USB, offsetof(struct cli, usb), NONE},
    {"zone", required_argument, OPT_ZONE, offsetof(struct cli, zone), NONE},
    {"serial", required_argument, OPT_SERIAL, offsetof(struct cli, serial), NONE},
    {"host", required_argument, OPT_HOST, offsetof(struct cli, host), NONE},
    {"strict", no_argument, OPT_STRICT, NONE, offsetof(struct cli, strict)},
    {"dry-run", no_argument, OPT_DRY_RUN, NONE, offsetof(struct cli, dry_run)},
    {"mapping", required_argument, OPT_MAPPING, offsetof(struct cli, mapping), NONE},
    {"encoding", required_argument, OPT_ENCODING, offsetof(struct cli, encoding), NONE},
    {"until", required_argument, OPT_UNTIL, offsetof(struct cli, until), NONE},
    {"year", required_argument, OPT_YEAR, offsetof(struct cli, year), NONE},
};

enum { OPT_VAL_BASE = 256, OPT_VAL_HELP = 512, OPT_VAL_VERSION };

static size_t
option_index(const char *name)
{
    size_t i = 0;
    while (strcmp(options[i].name, name) != 0)
        i++;
    return i;
}

/* Sets what option i means in c; a usage error code, or 0. */
static int
apply_option(struct cli *c, size_t i, const char *arg)
{
    const struct cli_option *o = &options[i];
    c->given |= o->bit;
    if (o->value_off != NONE)
        *(const char **)((char *)c + o->value_off) = arg;
    if (o->flag_off != NONE)
        *(bool *)((char *)c + o->flag_off) = true;
    if (o->bit == OPT_LANG) {
        if (strcmp(arg, "ja") != 0 && strcmp(arg, "en") != 0) {
            cli_error(_("--lang takes ja or en"));
            return EX_USAGE;
        }
        mamori_i18n_init(arg);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    mamori_i18n_init(NULL);
    struct cli c = {0};
    c.home = getenv("MAMORI_HOME");
    if (c.home && !*c.home)
        c.home = NULL;

    struct option longopts[MAMORI_ARRAY_SIZE(options) + 3];
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(options); i++)
        longopts[i] =
            (struct option){options[i].name, options[i].has_arg, NULL, OPT_VAL_BASE + (int)i};
    longopts[MAMORI_ARRAY_SIZE(options)] = (struct option){"help", no_argument, NULL, OPT_VAL_HELP};
    longopts[MAMORI_ARRAY_SIZE(options) + 1] =
        (struct option){"version", no_argument, NULL, OPT_VAL_VERSION};
    longopts[MAMORI_ARRAY_SIZE(options) + 2] = (struct option){NULL, 0, NULL, 0};

    char **words = calloc((size_t)argc + 1, sizeof(char *));
    int n_words = 0, ch, rc = 0;
    if (!words)
        return EX_OSERR;
    opterr = 0;
    /* Leading "-" in the option string: operands come back as option 1, in order. */
    while (rc == 0 && (ch = getopt_long(argc, argv, "-C:o:hV", longopts, NULL)) != -1) {
        if (ch == 1) {
            words[n_words++] = optarg;
        } else if (ch == 'C') {
            c.home = optarg;
        } else if (ch == 'o') {
            rc = apply_option(&c, option_index("output"), optarg);
        } else if (ch >= OPT_VAL_BASE && ch < OPT_VAL_BASE + (int)MAMORI_ARRAY_SIZE(options)) {
            rc = apply_option(&c, (size_t)(ch - OPT_VAL_BASE), optarg);
        } else if (ch == 'h' || ch == OPT_VAL_HELP) {
            usage(stdout);
            free(words);
            return EX_OK;
        } else if (ch == 'V' || ch == OPT_VAL_VERSION) {
            printf("mamori %s\n", MAMORI_VERSION);
            free(words);
            return EX_OK;
        } else {
            cli_error(_("unknown option: %s"), argv[optind - 1]);
            rc = EX_USAGE;
        }
    }
    if (rc) {
        free(words);
        return rc;
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
    for (size_t i = 0; extra && i < MAMORI_ARRAY_SIZE(options); i++) {
        if (extra & options[i].bit) {
            cli_error(_("mamori %s does not take --%s"), cmd->words, options[i].name);
            free(words);
            return EX_USAGE;
        }
    }
    c.command = cmd->words;
    c.args = words + used;
    c.n_args = n_words - used;
    if (c.n_args < cmd->min_args || c.n_args > cmd->max_args) {
        fprintf(stderr, "%s: mamori %s\n", _("usage"), cmd->usage);
        free(words);
        return EX_USAGE;
    }
    rc = cmd->run(&c);
    free(words);
    return rc;
}
