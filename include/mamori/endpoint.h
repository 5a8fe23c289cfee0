/*
 * mamori endpoint: lock-down profiles for the terminals of a zone (docs/internals/endpoint.md).
 */
#ifndef MAMORI_ENDPOINT_H
#define MAMORI_ENDPOINT_H

#include <stddef.h>

#include "mamori/core.h"
#include "mamori/policy.h"

struct mamori_endpoint_device {
    const char *id, *name, *usb_id, *serial; /* usb_id "vvvv:pppp"; serial may be "" */
};

struct mamori_profile_file {
    const char *path; /* relative to the root: "etc/usbguard/rules.conf" */
    unsigned mode;
    const char *data;
    size_t len;
};

struct mamori_profile {
    struct mamori_profile_file files[8];
    size_t n_files;
    struct mamori_arena *arena;
};

/* The profile of the terminal at host in zone: devices are those registered for the zone,
 * users_oath pam_oath's usersfile. -ENOENT for an unknown zone; MAMORI_E_INVALID when host is
 * not inside the zone. */
int mamori_endpoint_profile(const struct mamori_policy *p, int32_t today, const char *zone,
                            const char *host, const struct mamori_endpoint_device *devices,
                            size_t n_devices, const char *users_oath, size_t users_oath_len,
                            struct mamori_profile **ret);
struct mamori_profile *mamori_profile_free(struct mamori_profile *pr);
/* True for "vvvv:pppp" (hex). */
bool mamori_usb_id_ok(const char *id);

#endif
