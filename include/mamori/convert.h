/*
 * convert: outside converters in their own sandboxed process (docs/internals/convert.md).
 * Legacy Office documents and RTF become a PDF through LibreOffice (headless, no network, a
 * throw-away directory, a time limit); the caller then sanitizes that PDF like any other.
 */
#ifndef MAMORI_CONVERT_H
#define MAMORI_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "mamori/policy.h"

#define MAMORI_CONVERT_SECONDS 60 /* one conversion, wall clock */

/* "doc" (any OLE compound file: doc, xls, ppt ...) or "rtf" by content, else NULL. */
const char *mamori_convert_kind(const void *data, size_t len);

/* What the front ends do with a file before the CDR engine sees it. When the content is a
 * legacy Office document or RTF and the policy converts them: returns 1 with the PDF
 * (malloc'd) in *ret_pdf / *ret_len and its name ("見積書.pdf", malloc'd) in *ret_name. Returns
 * 0 when nothing applies or when the file was not converted — then *ret_why (static text, may
 * be NULL) tells why: "policy", "no-converter", "no-isolation", "time-limit", "no-output" —
 * and the engine, given the original, blocks it. Negative only for -ENOMEM. */
int mamori_convert_prepare(const struct mamori_policy *p, const char *name, const void *data,
                           size_t len, char **ret_pdf, size_t *ret_len, char **ret_name,
                           const char **ret_why);

/* A report's HTML (mamori's own) printed to PDF by headless Chromium in the same isolation
 * (MAMORI_CHROMIUM names another binary): 1 with the PDF (malloc'd), or 0 with *ret_why
 * ("no-converter", "no-isolation", "time-limit", "no-output"); negative for -ENOMEM etc. */
int mamori_convert_html_pdf(const char *html, size_t len, char **ret_pdf, size_t *ret_len,
                            const char **ret_why);

#endif
