/*
 * mamori html: HTML into readable plain text, for 無害化 of HTML mail.
 *
 * libxml2's HTML parser (recovering, no network, no entity loading) builds a tree; a walker
 * writes what a reader would see: paragraphs and line breaks, list items with a bullet,
 * table cells separated by " | " and rows by line breaks, link targets after the link text
 * ("text <https://...>"), image alt text. Script, style, templates, comments, and hidden
 * elements (hidden attribute, display:none, visibility:hidden, aria-hidden) are dropped, so
 * text the reader could not see cannot be smuggled into the result.
 *
 *     struct mamori_buf out;
 *     mamori_html_to_text(html, len, &limits, &out, &stats);
 *
 * SECURITY: the input is hostile. The walk is iterative (no recursion depth to exhaust),
 * output is bounded by the buffer's maximum, and node counts by limits->max_nodes.
 */
#ifndef MAMORI_HTML_H
#define MAMORI_HTML_H

#include <stddef.h>

#include "mamori/core.h"

struct mamori_html_limits {
    size_t max_nodes; /* 0 = 1,000,000 */
};

struct mamori_html_stats {
    size_t links;   /* links whose target was written out */
    size_t hidden;  /* hidden elements dropped */
    size_t scripts; /* script/style/template elements dropped */
    size_t nodes;
};

/* Converts UTF-8 HTML to UTF-8 text appended to out. MAMORI_E_LIMIT when the document has
 * more nodes than allowed or the text does not fit in out; MAMORI_E_SYNTAX when libxml2
 * cannot make a tree of it at all. */
int mamori_html_to_text(const char *html, size_t len, const struct mamori_html_limits *limits,
                        struct mamori_buf *out, struct mamori_html_stats *ret_stats);

#endif
