/*
 * mamori flow check FROM TO SERVICE [--record]
 *
 * Prints one line: allow|deny|<method> rule=<id> clause=<§>
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int
record_decision(struct cli *c, const char *from, const char *to, const char *svc,
                const struct mamori_decision *d, const char *line)
{
    struct mamori_instance *inst;
    int rc = cli_open_instance(c, &inst);
    if (rc)
        return rc;
    struct mamori_buf details, object;
    mamori_buf_init(&details, 4096);
    mamori_buf_init(&object, 4096);
    mamori_buf_printf(&object, "%s -> %s %s", from, to, svc);
    struct mamori_json j;
    mamori_json_init(&j, &details, false);
    mamori_json_object_begin(&j);
    mamori_json_kv_string(&j, "from", from);
    mamori_json_kv_string(&j, "to", to);
    mamori_json_kv_string(&j, "service", svc);
    mamori_json_kv_string(&j, "rule", d->rule_id);
    mamori_json_kv_string(&j, "result", line);
    mamori_json_object_end(&j);
    int r = mamori_json_finish(&j);
    struct mamori_record rec = {
        .actor = c->as ? c->as : "cli",
        .action = "flow.check",
        .object = object.data,
        .decision = d->method == MAMORI_METHOD_DIRECT ? "allow" : mamori_method_id(d->method),
        .clause = d->clause,
        .details = details.data,
    };
    if (r == 0)
        r = mamori_instance_record(inst, &rec);
    if (r < 0) {
        cli_error(_("cannot record in the audit log: %s"), mamori_strerror(r));
        rc = r == -EACCES ? EX_NOPERM : EX_TEMPFAIL;
    }
    int rc2 = mamori_instance_close(inst) < 0 ? EX_TEMPFAIL : 0;
    mamori_buf_done(&details);
    mamori_buf_done(&object);
    return rc ? rc : rc2;
}

int
cmd_flow_check(struct cli *c)
{
    const char *from = c->args[0], *to = c->args[1], *svc = c->args[2];
    struct mamori_policy *p;
    int rc = cli_load_policy(c, &p, NULL);
    if (rc)
        return rc;
    struct mamori_endpoint a, b;
    struct mamori_service_query q;
    if (mamori_endpoint_resolve(p, from, &a) < 0 || mamori_endpoint_resolve(p, to, &b) < 0) {
        const char *bad = mamori_endpoint_resolve(p, from, &a) < 0 ? from : to;
        cli_error(_("'%s' is not a zone, segment or system of the policy, nor an IP address"), bad);
        mamori_policy_free(p);
        return EX_DATAERR;
    }
    int r = mamori_service_query_parse(p, svc, &q);
    if (r < 0) {
        cli_error(_("'%s' is not a service name nor a port like tcp/25"), svc);
        mamori_policy_free(p);
        return EX_DATAERR;
    }
    struct mamori_decision d;
    r = mamori_flow_decide(p, &a, &b, &q, mamori_today(), &d);
    if (r < 0) {
        mamori_policy_free(p);
        return cli_exit_code(r);
    }
    struct mamori_buf line;
    mamori_buf_init(&line, 4096);
    mamori_decision_format(&d, &line);
    if (c->json) {
        struct mamori_buf out;
        mamori_buf_init(&out, 4096);
        struct mamori_json j;
        mamori_json_init(&j, &out, false);
        mamori_json_object_begin(&j);
        mamori_json_kv_string(&j, "from", from);
        mamori_json_kv_string(&j, "to", to);
        mamori_json_kv_string(&j, "service", svc);
        mamori_json_kv_string(&j, "verdict",
                              d.method == MAMORI_METHOD_DIRECT ? "allow"
                              : d.method == MAMORI_METHOD_DENY ? "deny"
                                                               : mamori_method_id(d.method));
        mamori_json_kv_string(&j, "method", mamori_method_id(d.method));
        mamori_json_kv_string(&j, "rule", d.rule_id);
        mamori_json_kv_string(&j, "clause", d.clause);
        if (d.expired) {
            char date[11];
            mamori_date_format(d.expired, date);
            mamori_json_kv_string(&j, "expired", date);
        }
        mamori_json_object_end(&j);
        mamori_json_finish(&j);
        printf("%s\n", out.data);
        mamori_buf_done(&out);
    } else {
        printf("%s\n", line.data);
    }
    fflush(stdout);
    rc = EX_OK;
    if (c->record)
        rc = record_decision(c, from, to, svc, &d, line.data);
    mamori_buf_done(&line);
    mamori_policy_free(p);
    return rc;
}
