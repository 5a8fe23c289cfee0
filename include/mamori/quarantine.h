/*
 * mamori quarantine: originals kept encrypted and content-addressed (docs/internals/quarantine.md).
 *
 *     char id[MAMORI_ORIGINAL_ID_LEN];
 *     mamori_original_id(sha256, id);                        // "sha256:<hex>"
 *     uint8_t sealed[MAMORI_SEALED_KEY_LEN];
 *     mamori_quarantine_put(dir, key_path, id, data, len, sealed);   // file written, fsync'd
 *     ... store the sealed key with the original's row ...
 *     mamori_quarantine_get(dir, key_path, id, sealed, len, &data, &n);  // decrypted, checked
 *
 * Each original has its own random key; the row keeps it sealed with the instance's
 * quarantine key. Deleting the row destroys the key, and with it the original.
 */
#ifndef MAMORI_QUARANTINE_H
#define MAMORI_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#include "mamori/core.h"

#define MAMORI_ORIGINAL_ID_LEN 72 /* "sha256:" + 64 hex + NUL */
#define MAMORI_SEALED_KEY_LEN  72 /* nonce + sealed key + MAC */

void mamori_original_id(const uint8_t sha256[32], char id[MAMORI_ORIGINAL_ID_LEN]);
/* MAMORI_E_SYNTAX unless id is "sha256:" and 64 lowercase hex digits. */
int mamori_original_id_check(const char *id);

/* Creates the quarantine key file (0600) unless it exists: 0 created, 1 existed. */
int mamori_quarantine_key_create(const char *key_path);
/* Encrypts data under a new key into DIR/<2 hex>/<hex> (temporary name, fsync, rename,
 * directory fsync) and returns the key sealed with the quarantine key. */
int mamori_quarantine_put(const char *dir, const char *key_path, const char *id, const void *data,
                          size_t len, uint8_t ret_sealed[MAMORI_SEALED_KEY_LEN]);
/* Decrypts an original and checks it against its id: MAMORI_E_TAMPERED when the file or the
 * key does not fit; -ENOENT when the file is gone. */
int mamori_quarantine_get(const char *dir, const char *key_path, const char *id,
                          const uint8_t *sealed, size_t sealed_len, char **ret_data,
                          size_t *ret_len);
/* True when the original's file is there. */
int mamori_quarantine_exists(const char *dir, const char *id);
/* Removes the original's file (0, or -ENOENT). */
int mamori_quarantine_remove(const char *dir, const char *id);

#endif
