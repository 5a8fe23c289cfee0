/*
 * Result codes: text for negative errno values and for mamori's own codes.
 */
#include <string.h>

#include "mamori/core.h"

const char *
mamori_strerror(int r)
{
    switch (r) {
    case 0:
        return _("success");
    case MAMORI_E_LIMIT:
        return _("a limit was exceeded");
    case MAMORI_E_SYNTAX:
        return _("input is not well-formed");
    case MAMORI_E_INVALID:
        return _("input violates a rule");
    case MAMORI_E_TAMPERED:
        return _("integrity check failed");
    case MAMORI_E_SIGNATURE:
        return _("signature did not verify");
    case MAMORI_E_VERSION:
        return _("unknown format or schema version");
    case MAMORI_E_DENIED:
        return _("not permitted for this person");
    case MAMORI_E_FOUND:
        return _("the scanner found malware");
    default:
        break;
    }
    if (r < 0 && r > -4096)
        return strerror(-r);
    return _("unknown error");
}
