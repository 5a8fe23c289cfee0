/*
 * mamori scan: malware scanning through clamd's socket (clamav-daemon), not linked
 * (docs/internals/scan.md).
 *
 *     enum mamori_scan_verdict v;
 *     char found[128];
 *     r = mamori_clamd_scan("unix:/run/clamav/clamd.ctl", data, len, 30000, &v, found,
 * sizeof(found));
 *
 * An unreachable, slow or erroring clamd is an error (negative), never a clean verdict.
 */
#ifndef MAMORI_SCAN_H
#define MAMORI_SCAN_H

#include <stddef.h>

#include "mamori/core.h"

enum mamori_scan_verdict {
    MAMORI_SCAN_CLEAN,
    MAMORI_SCAN_FOUND,
};

/* Scans bytes with INSTREAM. spec: "unix:PATH" or "inet:HOST:PORT". 0 with the verdict (and
 * the signature's name when found); -ECONNREFUSED/-ENOENT when clamd is not there,
 * -ETIMEDOUT, MAMORI_E_LIMIT (clamd's StreamMaxLength), -EIO for any other answer. */
int mamori_clamd_scan(const char *spec, const void *data, size_t len, int timeout_ms,
                      enum mamori_scan_verdict *ret, char *found, size_t found_len);
/* Interprets clamd's reply to INSTREAM ("stream: OK", "stream: NAME FOUND", anything else):
 * 0 with the verdict (and the name), MAMORI_E_LIMIT for its size limit, -EIO otherwise. */
int mamori_clamd_reply_parse(const char *reply, enum mamori_scan_verdict *ret, char *found,
                             size_t found_len);
/* Is clamd answering? 0 on PONG. */
int mamori_clamd_ping(const char *spec, int timeout_ms);

#endif
