/*
 * Decisions about persons and senders that other modules ask of the policy.
 *
 * Who may approve what (DESIGN.md §2, 兼務の禁止): the approval matrix names a role per action;
 * a unit-scoped role (課長 section_manager, 部長 dept_manager) approves only for its own unit
 * and the units below it; nobody approves their own request. Pure: persons in, verdict out.
 */
#include <string.h>
#include <strings.h>

#include "internal.h"

int
mamori_policy_find_unit(const struct mamori_policy *p, const char *id)
{
    for (size_t i = 0; i < p->n_units; i++)
        if (p->units[i].id && strcmp(p->units[i].id, id) == 0)
            return (int)i;
    return -1;
}

bool
mamori_role_privileged(const char *role)
{
    return strcmp(role, "staff") != 0 && strcmp(role, "system_staff") != 0;
}

bool
mamori_unit_within(const struct mamori_policy *p, int unit, int ancestor)
{
    /* Bounded by the number of units: a cycle (refused by the checker) cannot loop. */
    for (size_t steps = 0; unit >= 0 && steps <= p->n_units; steps++) {
        if (unit == ancestor)
            return true;
        unit = p->units[unit].parent.name ? p->units[unit].parent.index : -1;
    }
    return false;
}

static bool
unit_scoped(const char *role)
{
    return strcmp(role, "section_manager") == 0 || strcmp(role, "dept_manager") == 0;
}

int
mamori_policy_may_approve(const struct mamori_policy *p, const char *action,
                          const struct mamori_person_ref *requester,
                          const struct mamori_person_ref *approver, const char **ret_reason)
{
    const char *role = mamori_policy_approver(p, action);
    const char *why = NULL;
    if (!role)
        why = "no-approver-for-action";
    else if (strcmp(requester->id, approver->id) == 0)
        why = "self-approval";
    else if (strcmp(approver->role, role) != 0)
        why = "wrong-role";
    else if (unit_scoped(role)) {
        int ru = mamori_policy_find_unit(p, requester->unit);
        int au = mamori_policy_find_unit(p, approver->unit);
        if (ru < 0 || au < 0 || !mamori_unit_within(p, ru, au))
            why = "outside-unit";
    }
    if (ret_reason)
        *ret_reason = why;
    return why ? MAMORI_E_DENIED : 0;
}

const struct mamori_sender_rule *
mamori_policy_sender_rule(const struct mamori_policy *p, const char *sender)
{
    const char *at = strrchr(sender, '@');
    if (!at || !at[1])
        return NULL;
    const char *domain = at + 1;
    size_t dn = strlen(domain);
    const struct mamori_sender_rule *best = NULL;
    size_t best_len = 0;
    /* The longest matching rule wins: the domain itself, or one of its parents. */
    for (size_t i = 0; i < p->sanitize.n_senders; i++) {
        const struct mamori_sender_rule *r = &p->sanitize.senders[i];
        size_t rn = strlen(r->domain);
        bool match = rn <= dn && strcasecmp(domain + dn - rn, r->domain) == 0 &&
                     (rn == dn || domain[dn - rn - 1] == '.');
        if (match && rn > best_len) {
            best = r;
            best_len = rn;
        }
    }
    return best;
}
