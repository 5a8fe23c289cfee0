/*
 * Policy loader: YAML (libyaml's document API) into the typed model of mamori/policy.h.
 *
 * The loader is table-driven: each kind of entry (zone, segment, flow, ...) is described by
 * a list of fields with a type, whether it is required, and where it lands in the C struct.
 * One walker reads every mapping against its description, so every entry gets the same
 * treatment: unknown keys (with a "did you mean" hint), duplicate keys, wrong types, values
 * out of range and missing required keys all become FILE:LINE:COL diagnostics. References
 * between entries are only recorded here; check.c resolves them and checks the rules.
 *
 * SECURITY: input is bounded by MAMORI_POLICY_MAX_BYTES and the arena budget; YAML aliases
 * are rejected (each node may be visited once), so walking is linear in the input; nesting
 * is bounded by MAMORI_POLICY_MAX_DEPTH.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

enum ftype {
    F_STR,
    F_TEXT,
    F_INT,
    F_BOOL,
    F_ENUM,
    F_REF,
    F_REFLIST,
    F_DATE,
    F_STRLIST,
    F_CIDR,
    F_CIDRLIST,
    F_PORTLIST,
    F_OBJ,
    F_OBJLIST,
};

struct objdesc;

struct field {
    const char *key;
    enum ftype type;
    bool required;
    size_t off;       /* the value, or the pointer of a list */
    size_t off_n;     /* lists: the count */
    const void *aux;  /* F_ENUM: NULL-terminated names; F_OBJ, F_OBJLIST: struct objdesc */
    int64_t min, max; /* F_INT */
};

struct objdesc {
    const char *what; /* for messages: "zone", "flow" */
    size_t size;
    size_t pos_off; /* NO_POS when the struct has no position */
    const struct field *fields;
    size_t n_fields;
};

#define NO_POS ((size_t)-1)

struct loader {
    yaml_document_t *doc;
    struct mamori_arena *arena;
    struct mamori_diags *diags;
    unsigned char *visited;
    size_t n_nodes;
    int depth;
    int error; /* fatal: out of memory or over budget */
};

#define OBJ(T, what, fields)                                                                       \
    {                                                                                              \
        what, sizeof(T), offsetof(T, pos), fields, MAMORI_ARRAY_SIZE(fields)                       \
    }
#define OBJ_NOPOS(T, what, fields)                                                                 \
    {                                                                                              \
        what, sizeof(T), NO_POS, fields, MAMORI_ARRAY_SIZE(fields)                                 \
    }
#define LIST(T, m) offsetof(T, m), offsetof(T, n_##m)

static const struct field text_fields[] = {
    {"ja", F_STR, false, offsetof(struct mamori_text, ja), 0, NULL, 0, 0},
    {"en", F_STR, false, offsetof(struct mamori_text, en), 0, NULL, 0, 0},
};
static const struct objdesc text_desc = OBJ_NOPOS(struct mamori_text, N_("text"), text_fields);

static const struct field restriction_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_restriction, id), 0, NULL, 0, 0},
    {"name", F_TEXT, true, offsetof(struct mamori_restriction, name), 0, NULL, 0, 0},
};
static const struct objdesc restriction_desc =
    OBJ(struct mamori_restriction, N_("restriction"), restriction_fields);

static const struct field threat_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_threat, id), 0, NULL, 0, 0},
    {"class", F_INT, false, offsetof(struct mamori_threat, threat_class), 0, NULL, 1, 5},
    {"name", F_TEXT, false, offsetof(struct mamori_threat, name), 0, NULL, 0, 0},
    {"examples", F_STRLIST, false, LIST(struct mamori_threat, examples), NULL, 0, 0},
};
static const struct objdesc threat_desc = OBJ(struct mamori_threat, N_("threat"), threat_fields);

static const struct field level_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_level, id), 0, NULL, 0, 0},
    {"name", F_TEXT, true, offsetof(struct mamori_level, name), 0, NULL, 0, 0},
    {"definition", F_TEXT, false, offsetof(struct mamori_level, definition), 0, NULL, 0, 0},
    {"restrictions", F_REFLIST, false, LIST(struct mamori_level, restrictions), NULL, 0, 0},
    {"maps_to", F_STR, false, offsetof(struct mamori_level, maps_to), 0, NULL, 0, 0},
    {"aliases", F_STRLIST, false, LIST(struct mamori_level, aliases), NULL, 0, 0},
};
static const struct objdesc level_desc = OBJ(struct mamori_level, N_("level"), level_fields);

static const struct field role_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_role, id), 0, NULL, 0, 0},
    {"name", F_TEXT, false, offsetof(struct mamori_role, name), 0, NULL, 0, 0},
};
static const struct objdesc role_desc = OBJ(struct mamori_role, N_("role"), role_fields);

static const struct field approval_fields[] = {
    {"action", F_STR, true, offsetof(struct mamori_approval, action), 0, NULL, 0, 0},
    {"approver", F_REF, true, offsetof(struct mamori_approval, approver), 0, NULL, 0, 0},
};
static const struct objdesc approval_desc =
    OBJ(struct mamori_approval, N_("approval"), approval_fields);

static const struct field unit_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_unit, id), 0, NULL, 0, 0},
    {"name", F_TEXT, true, offsetof(struct mamori_unit, name), 0, NULL, 0, 0},
    {"parent", F_REF, false, offsetof(struct mamori_unit, parent), 0, NULL, 0, 0},
};
static const struct objdesc unit_desc = OBJ(struct mamori_unit, N_("unit"), unit_fields);

static const struct field zone_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_zone, id), 0, NULL, 0, 0},
    {"name", F_TEXT, false, offsetof(struct mamori_zone, name), 0, NULL, 0, 0},
    {"parent", F_REF, false, offsetof(struct mamori_zone, parent), 0, NULL, 0, 0},
};
static const struct objdesc zone_desc = OBJ(struct mamori_zone, N_("zone"), zone_fields);

static const struct field segment_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_segment, id), 0, NULL, 0, 0},
    {"zone", F_REF, true, offsetof(struct mamori_segment, zone), 0, NULL, 0, 0},
    {"cidr", F_CIDR, true, offsetof(struct mamori_segment, cidr), 0, NULL, 0, 0},
    {"interface", F_STR, false, offsetof(struct mamori_segment, interface), 0, NULL, 0, 0},
    {"vlan", F_INT, false, offsetof(struct mamori_segment, vlan), 0, NULL, 1, 4094},
};
static const struct objdesc segment_desc =
    OBJ(struct mamori_segment, N_("segment"), segment_fields);

static const struct field system_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_system, id), 0, NULL, 0, 0},
    {"name", F_TEXT, false, offsetof(struct mamori_system, name), 0, NULL, 0, 0},
    {"zone", F_REF, true, offsetof(struct mamori_system, zone), 0, NULL, 0, 0},
    {"owner", F_REF, false, offsetof(struct mamori_system, owner), 0, NULL, 0, 0},
    {"hosts", F_CIDRLIST, false, LIST(struct mamori_system, hosts), NULL, 0, 0},
};
static const struct objdesc system_desc = OBJ(struct mamori_system, N_("system"), system_fields);

static const struct field service_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_service, id), 0, NULL, 0, 0},
    {"name", F_TEXT, false, offsetof(struct mamori_service, name), 0, NULL, 0, 0},
    {"ports", F_PORTLIST, true, LIST(struct mamori_service, ports), NULL, 0, 0},
};
static const struct objdesc service_desc =
    OBJ(struct mamori_service, N_("service"), service_fields);

static const struct field pins_fields[] = {
    {"src", F_CIDRLIST, false, LIST(struct mamori_pins, src), NULL, 0, 0},
    {"dst", F_CIDRLIST, false, LIST(struct mamori_pins, dst), NULL, 0, 0},
    {"mac", F_STRLIST, false, LIST(struct mamori_pins, mac), NULL, 0, 0},
};
static const struct objdesc pins_desc = OBJ(struct mamori_pins, N_("pins"), pins_fields);

static const struct field flow_fields[] = {
    {"id", F_STR, true, offsetof(struct mamori_flow, id), 0, NULL, 0, 0},
    {"from", F_REF, true, offsetof(struct mamori_flow, from), 0, NULL, 0, 0},
    {"to", F_REF, true, offsetof(struct mamori_flow, to), 0, NULL, 0, 0},
    {"service", F_REF, true, offsetof(struct mamori_flow, service), 0, NULL, 0, 0},
    {"method", F_ENUM, true, offsetof(struct mamori_flow, method), 0, mamori_method_ids, 0, 0},
    {"via", F_REF, false, offsetof(struct mamori_flow, via), 0, NULL, 0, 0},
    {"gateway", F_REF, false, offsetof(struct mamori_flow, gateway), 0, NULL, 0, 0},
    {"approver", F_REF, false, offsetof(struct mamori_flow, approver), 0, NULL, 0, 0},
    {"expiry", F_DATE, false, offsetof(struct mamori_flow, expiry), 0, NULL, 0, 0},
    {"clause", F_STR, false, offsetof(struct mamori_flow, clause), 0, NULL, 0, 0},
    {"note", F_TEXT, false, offsetof(struct mamori_flow, note), 0, NULL, 0, 0},
    {"pins", F_OBJ, false, offsetof(struct mamori_flow, pins), 0, &pins_desc, 0, 0},
};
static const struct objdesc flow_desc = OBJ(struct mamori_flow, N_("flow"), flow_fields);

static const struct field limits_fields[] = {
    {"max_depth", F_INT, false, offsetof(struct mamori_limits, max_depth), 0, NULL, 1, 64},
    {"max_parts", F_INT, false, offsetof(struct mamori_limits, max_parts), 0, NULL, 1, 10000},
    {"max_header_bytes", F_INT, false, offsetof(struct mamori_limits, max_header_bytes), 0, NULL,
     1024, 1 << 20},
    {"max_message_bytes", F_INT, false, offsetof(struct mamori_limits, max_message_bytes), 0, NULL,
     1024, (int64_t)1 << 30},
    {"max_decoded_bytes", F_INT, false, offsetof(struct mamori_limits, max_decoded_bytes), 0, NULL,
     1024, (int64_t)4 << 30},
};
static const struct objdesc limits_desc =
    OBJ_NOPOS(struct mamori_limits, N_("limits"), limits_fields);

/* "inherit" first, so an absent key (0) keeps the policy's setting. */
static const char *const sender_mode_ids[] = {"inherit", "defang", "keep", "remove", NULL};

static const struct field sender_fields[] = {
    {"domain", F_STR, true, offsetof(struct mamori_sender_rule, domain), 0, NULL, 0, 0},
    {"urls", F_ENUM, false, offsetof(struct mamori_sender_rule, urls), 0, sender_mode_ids, 0, 0},
    {"mailto", F_ENUM, false, offsetof(struct mamori_sender_rule, mailto), 0, sender_mode_ids, 0,
     0},
    {"note", F_TEXT, false, offsetof(struct mamori_sender_rule, note), 0, NULL, 0, 0},
};
static const struct objdesc sender_desc =
    OBJ(struct mamori_sender_rule, N_("sender rule"), sender_fields);

static const char *const transfer_rule_ids[] = {"approval", "direct", NULL};
static const char *const pdf_rule_ids[] = {"rebuild", "clean", NULL};
static const char *const legacy_office_ids[] = {"convert", "block", NULL};
static const char *const name_check_ids[] = {"block", "report", NULL};
static const struct field sanitize_fields[] = {
    {"pdf", F_ENUM, false, offsetof(struct mamori_sanitize, pdf), 0, pdf_rule_ids, 0, 0},
    {"pdf_dpi", F_INT, false, offsetof(struct mamori_sanitize, pdf_dpi), 0, NULL, 50, 300},
    {"legacy_office", F_ENUM, false, offsetof(struct mamori_sanitize, legacy_office), 0,
     legacy_office_ids, 0, 0},
    {"name_checks", F_ENUM, false, offsetof(struct mamori_sanitize, name_checks), 0, name_check_ids,
     0, 0},
    {"transfer", F_ENUM, false, offsetof(struct mamori_sanitize, transfer), 0, transfer_rule_ids, 0,
     0},
    {"release", F_ENUM, false, offsetof(struct mamori_sanitize, release), 0,
     mamori_release_method_ids, 0, 0},
    {"urls", F_ENUM, false, offsetof(struct mamori_sanitize, url_mode), 0, mamori_url_mode_ids, 0,
     0},
    {"mailto", F_ENUM, false, offsetof(struct mamori_sanitize, mailto_mode), 0, mamori_url_mode_ids,
     0, 0},
    {"limits", F_OBJ, false, offsetof(struct mamori_sanitize, limits), 0, &limits_desc, 0, 0},
    {"senders", F_OBJLIST, false, offsetof(struct mamori_sanitize, senders),
     offsetof(struct mamori_sanitize, n_senders), &sender_desc, 0, 0},
};
static const struct objdesc sanitize_desc =
    OBJ_NOPOS(struct mamori_sanitize, N_("sanitize"), sanitize_fields);

static const struct field retention_fields[] = {
    {"originals_days", F_INT, false, offsetof(struct mamori_retention, originals_days), 0, NULL, 1,
     3650},
    {"audit_log_years", F_INT, false, offsetof(struct mamori_retention, audit_log_years), 0, NULL,
     1, 30},
};
static const struct objdesc retention_desc =
    OBJ_NOPOS(struct mamori_retention, N_("retention"), retention_fields);

static const struct field monitoring_fields[] = {
    {"nflog_group", F_INT, false, offsetof(struct mamori_monitoring, nflog_group), 0, NULL, 1,
     65535},
    {"alert_after", F_INT, false, offsetof(struct mamori_monitoring, alert_after), 0, NULL, 1,
     1000000},
    {"alert_window_seconds", F_INT, false, offsetof(struct mamori_monitoring, alert_window_seconds),
     0, NULL, 1, 86400},
};
static const struct objdesc monitoring_desc =
    OBJ_NOPOS(struct mamori_monitoring, N_("monitoring"), monitoring_fields);

static const char *const totp_rule_ids[] = {"privileged", "everyone", NULL};
#define CR(m) offsetof(struct mamori_console_rules, m)
static const struct field console_fields[] = {
    {"totp", F_ENUM, false, CR(totp), 0, totp_rule_ids, 0, 0},
    {"lockout_after", F_INT, false, CR(lockout_after), 0, NULL, 1, 100},
    {"lockout_after_privileged", F_INT, false, CR(lockout_after_privileged), 0, NULL, 1, 100},
    {"lockout_minutes", F_INT, false, CR(lockout_minutes), 0, NULL, 1, 10080},
    {"idle_minutes", F_INT, false, CR(idle_minutes), 0, NULL, 1, 1440},
    {"idle_minutes_privileged", F_INT, false, CR(idle_minutes_privileged), 0, NULL, 1, 1440},
    {"session_hours", F_INT, false, CR(session_hours), 0, NULL, 1, 24},
    {"session_hours_privileged", F_INT, false, CR(session_hours_privileged), 0, NULL, 1, 24},
};
#undef CR
static const struct objdesc console_desc =
    OBJ_NOPOS(struct mamori_console_rules, N_("console"), console_fields);

#define AR(m) offsetof(struct mamori_asset_rules, m)
static const struct field assets_fields[] = {
    {"review_months", F_INT, false, AR(review_months), 0, NULL, 1, 120},
    {"risk_review_months", F_INT, false, AR(risk_review_months), 0, NULL, 1, 120},
};
#undef AR
static const struct objdesc assets_desc =
    OBJ_NOPOS(struct mamori_asset_rules, N_("assets"), assets_fields);

#define GR(m) offsetof(struct mamori_gov_rules, m)
static const struct field governance_fields[] = {
    {"incident_prompt_days", F_INT, false, GR(incident_prompt_days), 0, NULL, 1, 30},
    {"leaver_days", F_INT, false, GR(leaver_days), 0, NULL, 1, 90},
    {"remind_days", F_INT, false, GR(remind_days), 0, NULL, 1, 90},
    {"review_months", F_INT, false, GR(review_months), 0, NULL, 1, 60},
};
#undef GR
static const struct objdesc governance_desc =
    OBJ_NOPOS(struct mamori_gov_rules, N_("governance"), governance_fields);

#define P(m) offsetof(struct mamori_policy, m)

static const struct field municipality_fields[] = {
    {"name", F_TEXT, true, 0, 0, NULL, 0, 0},
    {"code", F_STR, false, P(municipality.code) - P(municipality), 0, NULL, 0, 0},
};
static const struct objdesc municipality_desc = {
    N_("municipality"), sizeof(((struct mamori_policy *)0)->municipality), NO_POS,
    municipality_fields, MAMORI_ARRAY_SIZE(municipality_fields)};

static const struct field network_fields[] = {
    {"model", F_ENUM, true, 0, 0, mamori_netmodel_ids, 0, 0},
    {"conditions", F_STRLIST, false, P(network.conditions) - P(network),
     P(network.n_conditions) - P(network), NULL, 0, 0},
};
static const struct objdesc network_desc = {
    N_("network"), sizeof(((struct mamori_policy *)0)->network), P(network.pos) - P(network),
    network_fields, MAMORI_ARRAY_SIZE(network_fields)};

#define C(m) (P(classification.m) - P(classification))
static const struct field classification_fields[] = {
    {"scheme", F_STR, false, C(scheme), 0, NULL, 0, 0},
    {"confidentiality", F_OBJLIST, false, C(axes[0].levels), C(axes[0].n_levels), &level_desc, 0,
     0},
    {"integrity", F_OBJLIST, false, C(axes[1].levels), C(axes[1].n_levels), &level_desc, 0, 0},
    {"availability", F_OBJLIST, false, C(axes[2].levels), C(axes[2].n_levels), &level_desc, 0, 0},
};
#undef C
static const struct objdesc classification_desc = {
    N_("classification"), sizeof(((struct mamori_policy *)0)->classification), NO_POS,
    classification_fields, MAMORI_ARRAY_SIZE(classification_fields)};

static const struct field notices_fields[] = {
    {"held", F_TEXT, false, P(notices.held) - P(notices), 0, NULL, 0, 0},
    {"removed", F_TEXT, false, P(notices.removed) - P(notices), 0, NULL, 0, 0},
};
static const struct objdesc notices_desc = {N_("notices"),
                                            sizeof(((struct mamori_policy *)0)->notices), NO_POS,
                                            notices_fields, MAMORI_ARRAY_SIZE(notices_fields)};

static const struct field policy_fields[] = {
    {"version", F_INT, true, P(version), 0, NULL, MAMORI_POLICY_VERSION, MAMORI_POLICY_VERSION},
    {"municipality", F_OBJ, true, P(municipality), 0, &municipality_desc, 0, 0},
    {"network", F_OBJ, false, P(network), 0, &network_desc, 0, 0},
    {"classification", F_OBJ, false, P(classification), 0, &classification_desc, 0, 0},
    {"restrictions", F_OBJLIST, false, P(restrictions), P(n_restrictions), &restriction_desc, 0, 0},
    {"threats", F_OBJLIST, false, P(threats), P(n_threats), &threat_desc, 0, 0},
    {"assets", F_OBJ, false, P(assets), 0, &assets_desc, 0, 0},
    {"governance", F_OBJ, false, P(governance), 0, &governance_desc, 0, 0},
    {"roles", F_OBJLIST, false, P(roles), P(n_roles), &role_desc, 0, 0},
    {"approvals", F_OBJLIST, false, P(approvals), P(n_approvals), &approval_desc, 0, 0},
    {"units", F_OBJLIST, false, P(units), P(n_units), &unit_desc, 0, 0},
    {"zones", F_OBJLIST, true, P(zones), P(n_zones), &zone_desc, 0, 0},
    {"segments", F_OBJLIST, false, P(segments), P(n_segments), &segment_desc, 0, 0},
    {"systems", F_OBJLIST, false, P(systems), P(n_systems), &system_desc, 0, 0},
    {"services", F_OBJLIST, false, P(services), P(n_services), &service_desc, 0, 0},
    {"flows", F_OBJLIST, false, P(flows), P(n_flows), &flow_desc, 0, 0},
    {"sanitize", F_OBJ, false, P(sanitize), 0, &sanitize_desc, 0, 0},
    {"retention", F_OBJ, false, P(retention), 0, &retention_desc, 0, 0},
    {"monitoring", F_OBJ, false, P(monitoring), 0, &monitoring_desc, 0, 0},
    {"console", F_OBJ, false, P(console), 0, &console_desc, 0, 0},
    {"notices", F_OBJ, false, P(notices), 0, &notices_desc, 0, 0},
};
#undef P
static const struct objdesc policy_desc = {N_("policy"), sizeof(struct mamori_policy), NO_POS,
                                           policy_fields, MAMORI_ARRAY_SIZE(policy_fields)};

/* ---- walking ---------------------------------------------------------------------------- */

static struct mamori_pos
pos_of(const yaml_node_t *n)
{
    return (struct mamori_pos){(uint32_t)n->start_mark.line + 1,
                               (uint32_t)n->start_mark.column + 1};
}

#define ERR(l, node, ...)                                                                          \
    mamori_diags_add((l)->diags, MAMORI_SEV_ERROR, pos_of(node).line, pos_of(node).col, __VA_ARGS__)

static void *
alloc(struct loader *l, size_t n, size_t size)
{
    void *p = mamori_arena_calloc(l->arena, n, size);
    if (!p && !l->error)
        l->error = mamori_arena_over_budget(l->arena) ? MAMORI_E_LIMIT : -ENOMEM;
    return p;
}

/* Fetches a node, refusing a second visit: a node reached twice came through an alias. */
static yaml_node_t *
node_get(struct loader *l, int index)
{
    yaml_node_t *n = yaml_document_get_node(l->doc, index);
    if (!n)
        return NULL;
    size_t i = (size_t)index;
    if (i < l->n_nodes) {
        if (l->visited[i]) {
            ERR(l, n, _("YAML aliases (*name) are not allowed in a policy; write the value out"));
            return NULL;
        }
        l->visited[i] = 1;
    }
    return n;
}

static const char *
node_type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return _("a single value");
    case YAML_SEQUENCE_NODE:
        return _("a list");
    case YAML_MAPPING_NODE:
        return _("a mapping");
    default:
        return _("nothing");
    }
}

static const char *
scalar(const yaml_node_t *n, size_t *ret_len)
{
    *ret_len = n->data.scalar.length;
    return (const char *)n->data.scalar.value;
}

static bool
is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    size_t len;
    const char *s = scalar(n, &len);
    return len == 0 || (len == 1 && s[0] == '~') || (len == 4 && memcmp(s, "null", 4) == 0);
}

static bool
expect(struct loader *l, const yaml_node_t *n, yaml_node_type_t type, const char *key)
{
    if (n->type == type)
        return true;
    static const char *const want[] = {[YAML_SCALAR_NODE] = N_("a single value"),
                                       [YAML_SEQUENCE_NODE] = N_("a list"),
                                       [YAML_MAPPING_NODE] = N_("a mapping")};
    ERR(l, n, _("'%s' must be %s, not %s"), key, _(want[type]), node_type_name(n));
    return false;
}

/* A scalar as an arena string; NULL (with a diagnostic) for anything else. */
static const char *
scalar_str(struct loader *l, yaml_node_t *n, const char *key)
{
    if (!expect(l, n, YAML_SCALAR_NODE, key))
        return NULL;
    size_t len;
    const char *s = scalar(n, &len);
    if (is_null(n)) {
        ERR(l, n, _("'%s' is empty"), key);
        return NULL;
    }
    if (memchr(s, '\0', len)) {
        ERR(l, n, _("'%s' contains a NUL character"), key);
        return NULL;
    }
    char *p = mamori_arena_strndup(l->arena, s, len);
    if (!p && !l->error)
        l->error = mamori_arena_over_budget(l->arena) ? MAMORI_E_LIMIT : -ENOMEM;
    return p;
}

static bool
parse_int(const char *s, size_t len, int64_t *ret)
{
    size_t i = 0;
    bool neg = false;
    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return false;
    int64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        int d = s[i] - '0';
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, neg ? -d : d, &v))
            return false;
    }
    *ret = v;
    return true;
}

static void walk_object(struct loader *l, yaml_node_t *map, const struct objdesc *desc, void *obj);

/* Loads one list of entries described by desc. */
static void
walk_list(struct loader *l, yaml_node_t *n, const struct field *f, void *obj)
{
    const struct objdesc *desc = f->aux;
    if (!expect(l, n, YAML_SEQUENCE_NODE, f->key))
        return;
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count == 0)
        return;
    char *items = alloc(l, count, desc->size);
    if (!items)
        return;
    size_t k = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *item = node_get(l, *it);
        if (!item)
            continue;
        if (!expect(l, item, YAML_MAPPING_NODE, f->key))
            continue;
        walk_object(l, item, desc, items + k * desc->size);
        k++;
    }
    *(void **)((char *)obj + f->off) = items;
    *(size_t *)((char *)obj + f->off_n) = k;
}

/* A list of scalars, each converted by conv into an element of elem_size bytes. */
typedef bool (*scalar_conv)(struct loader *l, yaml_node_t *n, const char *key, void *out);

static void
walk_scalar_list(struct loader *l, yaml_node_t *n, const struct field *f, void *obj,
                 size_t elem_size, scalar_conv conv)
{
    if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
        /* A single value where a list is expected: accept it as a list of one. */
        void *one = alloc(l, 1, elem_size);
        if (one && conv(l, n, f->key, one)) {
            *(void **)((char *)obj + f->off) = one;
            *(size_t *)((char *)obj + f->off_n) = 1;
        }
        return;
    }
    if (!expect(l, n, YAML_SEQUENCE_NODE, f->key))
        return;
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count == 0)
        return;
    char *items = alloc(l, count, elem_size);
    if (!items)
        return;
    size_t k = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *item = node_get(l, *it);
        if (item && conv(l, item, f->key, items + k * elem_size))
            k++;
    }
    *(void **)((char *)obj + f->off) = items;
    *(size_t *)((char *)obj + f->off_n) = k;
}

static bool
conv_str(struct loader *l, yaml_node_t *n, const char *key, void *out)
{
    const char *s = scalar_str(l, n, key);
    *(const char **)out = s;
    return s != NULL;
}

static bool
conv_ref(struct loader *l, yaml_node_t *n, const char *key, void *out)
{
    const char *s = scalar_str(l, n, key);
    if (!s)
        return false;
    *(struct mamori_ref *)out = (struct mamori_ref){s, pos_of(n), -1};
    return true;
}

static bool
conv_cidr(struct loader *l, yaml_node_t *n, const char *key, void *out)
{
    const char *s = scalar_str(l, n, key);
    if (!s)
        return false;
    struct mamori_cidr *c = out;
    int r = mamori_cidr_parse(s, c);
    if (r == MAMORI_E_INVALID) {
        char net[INET6_ADDRSTRLEN];
        inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, net, sizeof(net));
        ERR(l, n, _("'%s': \"%s\" has host bits set; the network is %s/%u"), key, s, net,
            c->prefix);
        return false;
    }
    if (r < 0) {
        ERR(l, n, _("'%s': \"%s\" is not an IP address or network (e.g. 10.1.0.0/16)"), key, s);
        return false;
    }
    return true;
}

static bool
conv_port(struct loader *l, yaml_node_t *n, const char *key, void *out)
{
    const char *s = scalar_str(l, n, key);
    if (!s)
        return false;
    if (mamori_port_range_parse(s, out) < 0) {
        ERR(l, n, _("'%s': \"%s\" is not a port (write tcp/25, udp/53, tcp/8000-8080 or icmp)"),
            key, s);
        return false;
    }
    return true;
}

static void
walk_enum(struct loader *l, yaml_node_t *n, const struct field *f, int64_t *out)
{
    const char *s = scalar_str(l, n, f->key);
    if (!s)
        return;
    const char *const *names = f->aux;
    for (size_t i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = (int64_t)i;
            return;
        }
    }
    struct mamori_buf b;
    mamori_buf_init(&b, 4096);
    for (size_t i = 0; names[i]; i++)
        mamori_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    ERR(l, n, _("'%s': unknown value \"%s\" (expected one of: %s)"), f->key, s,
        b.data ? b.data : "");
    mamori_buf_done(&b);
}

static void
walk_field(struct loader *l, yaml_node_t *v, const struct field *f, void *obj)
{
    void *dst = (char *)obj + f->off;
    size_t len;
    switch (f->type) {
    case F_STR:
        conv_str(l, v, f->key, dst);
        break;
    case F_TEXT:
        if (v->type == YAML_MAPPING_NODE) {
            walk_object(l, v, &text_desc, dst);
            struct mamori_text *t = dst;
            if (!t->ja && !t->en)
                ERR(l, v, _("'%s' needs a Japanese (ja) or English (en) text"), f->key);
        } else {
            conv_str(l, v, f->key, &((struct mamori_text *)dst)->ja);
        }
        break;
    case F_INT: {
        if (!expect(l, v, YAML_SCALAR_NODE, f->key))
            break;
        const char *s = scalar(v, &len);
        int64_t x;
        if (!parse_int(s, len, &x)) {
            ERR(l, v, _("'%s' must be a whole number, not \"%.*s\""), f->key,
                (int)(len > 40 ? 40 : len), s);
            break;
        }
        if (x < f->min || x > f->max) {
            if (f->min == f->max)
                ERR(l, v, _("'%s' must be %lld, not %lld"), f->key, (long long)f->min,
                    (long long)x);
            else
                ERR(l, v, _("'%s' must be between %lld and %lld, not %lld"), f->key,
                    (long long)f->min, (long long)f->max, (long long)x);
            break;
        }
        *(int64_t *)dst = x;
        break;
    }
    case F_BOOL: {
        if (!expect(l, v, YAML_SCALAR_NODE, f->key))
            break;
        const char *s = scalar(v, &len);
        if (len == 4 && memcmp(s, "true", 4) == 0)
            *(bool *)dst = true;
        else if (len == 5 && memcmp(s, "false", 5) == 0)
            *(bool *)dst = false;
        else
            ERR(l, v, _("'%s' must be true or false"), f->key);
        break;
    }
    case F_ENUM:
        walk_enum(l, v, f, dst);
        break;
    case F_REF:
        conv_ref(l, v, f->key, dst);
        break;
    case F_REFLIST:
        walk_scalar_list(l, v, f, obj, sizeof(struct mamori_ref), conv_ref);
        break;
    case F_STRLIST:
        walk_scalar_list(l, v, f, obj, sizeof(const char *), conv_str);
        break;
    case F_CIDR:
        conv_cidr(l, v, f->key, dst);
        break;
    case F_CIDRLIST:
        walk_scalar_list(l, v, f, obj, sizeof(struct mamori_cidr), conv_cidr);
        break;
    case F_PORTLIST:
        walk_scalar_list(l, v, f, obj, sizeof(struct mamori_port_range), conv_port);
        break;
    case F_DATE: {
        if (!expect(l, v, YAML_SCALAR_NODE, f->key))
            break;
        const char *s = scalar(v, &len);
        if (mamori_date_parse(s, len, dst) < 0)
            ERR(l, v, _("'%s' must be a date written YYYY-MM-DD, not \"%.*s\""), f->key,
                (int)(len > 40 ? 40 : len), s);
        break;
    }
    case F_OBJ:
        if (expect(l, v, YAML_MAPPING_NODE, f->key))
            walk_object(l, v, f->aux, dst);
        break;
    case F_OBJLIST:
        walk_list(l, v, f, obj);
        break;
    }
}

static void
unknown_key(struct loader *l, yaml_node_t *k, const char *key, const struct objdesc *desc)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < desc->n_fields; i++) {
        size_t d = mamori_edit_distance(key, desc->fields[i].key);
        if (d < best_d) {
            best_d = d;
            best = desc->fields[i].key;
        }
    }
    if (best)
        ERR(l, k, _("unknown key '%s' in %s; did you mean '%s'?"), key, _(desc->what), best);
    else
        ERR(l, k, _("unknown key '%s' in %s"), key, _(desc->what));
}

static void
walk_object(struct loader *l, yaml_node_t *map, const struct objdesc *desc, void *obj)
{
    if (l->error)
        return;
    if (l->depth >= MAMORI_POLICY_MAX_DEPTH) {
        ERR(l, map, _("nesting deeper than %d levels"), MAMORI_POLICY_MAX_DEPTH);
        return;
    }
    l->depth++;
    if (desc->pos_off != NO_POS)
        *(struct mamori_pos *)((char *)obj + desc->pos_off) = pos_of(map);
    uint64_t seen = 0; /* one bit per field */
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = node_get(l, pr->key);
        yaml_node_t *v = node_get(l, pr->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE) {
            ERR(l, k, _("a key in %s must be a plain name"), _(desc->what));
            continue;
        }
        size_t klen;
        const char *ks = scalar(k, &klen);
        char key[64];
        if (klen >= sizeof(key) || memchr(ks, '\0', klen)) {
            ERR(l, k, _("unknown key in %s (too long)"), _(desc->what));
            continue;
        }
        memcpy(key, ks, klen);
        key[klen] = '\0';
        size_t i;
        for (i = 0; i < desc->n_fields; i++)
            if (strcmp(desc->fields[i].key, key) == 0)
                break;
        if (i == desc->n_fields) {
            unknown_key(l, k, key, desc);
            continue;
        }
        if (seen & ((uint64_t)1 << i)) {
            ERR(l, k, _("duplicate key '%s' in %s"), key, _(desc->what));
            continue;
        }
        seen |= (uint64_t)1 << i;
        if (is_null(v) && desc->fields[i].type != F_STR) {
            if (desc->fields[i].required)
                ERR(l, v, _("'%s' is empty"), key);
            continue;
        }
        walk_field(l, v, &desc->fields[i], obj);
        if (l->error)
            break;
    }
    for (size_t i = 0; i < desc->n_fields; i++)
        if (desc->fields[i].required && !(seen & ((uint64_t)1 << i)))
            ERR(l, map, _("%s is missing the required key '%s'"), _(desc->what),
                desc->fields[i].key);
    l->depth--;
}

/* ---- entry point ------------------------------------------------------------------------ */

int
mamori_policy_parse(const char *data, size_t len, int32_t today, struct mamori_policy **ret,
                    struct mamori_diags *diags)
{
    if (len > MAMORI_POLICY_MAX_BYTES) {
        mamori_diags_add(diags, MAMORI_SEV_ERROR, 0, 0, _("file is larger than %zu bytes"),
                         MAMORI_POLICY_MAX_BYTES);
        return MAMORI_E_LIMIT;
    }
    struct mamori_arena *arena = mamori_arena_new(MAMORI_POLICY_ARENA_BYTES);
    if (!arena)
        return -ENOMEM;
    struct mamori_policy *p = mamori_arena_alloc(arena, sizeof(*p));
    if (!p) {
        mamori_arena_free(arena);
        return -ENOMEM;
    }
    p->arena = arena;

    yaml_parser_t parser;
    yaml_document_t doc;
    int r = 0;
    if (!yaml_parser_initialize(&parser)) {
        mamori_arena_free(arena);
        return -ENOMEM;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    if (!yaml_parser_load(&parser, &doc)) {
        uint32_t line = (uint32_t)parser.problem_mark.line + 1;
        uint32_t col = (uint32_t)parser.problem_mark.column + 1;
        if (parser.error == YAML_MEMORY_ERROR) {
            r = -ENOMEM;
        } else {
            mamori_diags_add(diags, MAMORI_SEV_ERROR, line, col, _("YAML syntax: %s%s%s"),
                             parser.problem ? parser.problem : "unknown error",
                             parser.context ? " " : "", parser.context ? parser.context : "");
            r = MAMORI_E_INVALID;
        }
        yaml_parser_delete(&parser);
        mamori_arena_free(arena);
        return r;
    }
    yaml_parser_delete(&parser);

    struct loader l = {.doc = &doc, .arena = arena, .diags = diags};
    l.n_nodes = (size_t)(doc.nodes.top - doc.nodes.start) + 1;
    l.visited = calloc(l.n_nodes, 1);
    if (!l.visited) {
        yaml_document_delete(&doc);
        mamori_arena_free(arena);
        return -ENOMEM;
    }
    yaml_node_t *root = node_get(&l, 1);
    if (!root || is_null(root)) {
        mamori_diags_add(diags, MAMORI_SEV_ERROR, 1, 1, _("the policy file is empty"));
    } else if (root->type != YAML_MAPPING_NODE) {
        ERR(&l, root,
            _("the policy must be a mapping of sections (version, municipality, zones...)"));
    } else {
        walk_object(&l, root, &policy_desc, p);
    }
    free(l.visited);
    yaml_document_delete(&doc);

    if (l.error) {
        if (l.error == MAMORI_E_LIMIT)
            mamori_diags_add(diags, MAMORI_SEV_ERROR, 0, 0,
                             _("the policy needs more than %zu bytes of memory"),
                             MAMORI_POLICY_ARENA_BYTES);
        mamori_arena_free(arena);
        return l.error;
    }
    /* Checks run even after loading errors so that one run shows every problem; the
     * checker skips what did not load. */
    mamori_policy_check(p, today, diags);
    mamori_diags_sort(diags);
    if (diags->n_errors > 0) {
        mamori_arena_free(arena);
        return MAMORI_E_INVALID;
    }
    *ret = p;
    return 0;
}

struct mamori_policy *
mamori_policy_free(struct mamori_policy *p)
{
    if (p)
        mamori_arena_free(p->arena);
    return NULL;
}
