/*
 * HTML to plain text (see mamori/html.h).
 *
 * The tree from libxml2's HTML parser is walked without recursion, using the nodes' own
 * parent/next links. Text is written with HTML's white-space rules (runs collapse to one
 * space, except inside <pre>), block elements start new lines, and at most one blank line
 * separates blocks.
 *
 * SECURITY: the input is hostile. libxml2 parses with NONET (no fetching) and without
 * entity expansion beyond HTML's predefined entities; the walk visits each node once and
 * counts them against the limit; all output goes through a bounded buffer.
 */
#include <errno.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mamori/html.h"

#define DEFAULT_MAX_NODES 1000000
#define MAX_LISTS         64

struct walker {
    struct mamori_buf *out;
    struct mamori_html_stats stats;
    int error;
    int pre;         /* inside <pre> */
    bool space;      /* a space is pending */
    int newlines;    /* newlines pending (0-2) */
    bool line_start; /* nothing written on the current line yet */
    bool any;        /* anything written at all */
    int list_depth;
    int list_counter[MAX_LISTS]; /* 0 for <ul>, next number for <ol> */
    bool cell_in_row;
    size_t max_nodes;
};

static void
put(struct walker *w, const char *s, size_t n)
{
    if (w->error || n == 0)
        return;
    int r = mamori_buf_append(w->out, s, n);
    if (r < 0)
        w->error = r;
}

/* Writes pending separators before visible text. */
static void
flush_pending(struct walker *w)
{
    if (w->newlines && w->any) {
        put(w, "\n\n", (size_t)(w->newlines > 2 ? 2 : w->newlines));
        w->line_start = true;
        w->space = false;
    } else if (w->space && !w->line_start) {
        put(w, " ", 1);
    }
    w->newlines = 0;
    w->space = false;
}

static void
want_newlines(struct walker *w, int n)
{
    if (n > w->newlines)
        w->newlines = n;
}

/* Writes literal text (bullets, separators) as visible text. */
static void
put_visible(struct walker *w, const char *s)
{
    flush_pending(w);
    put(w, s, strlen(s));
    w->line_start = false;
    w->any = true;
}

static void
text(struct walker *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p && !w->error) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
            if (w->pre) {
                if (*p == '\n') {
                    put(w, "\n", 1);
                    w->line_start = true;
                } else if (*p != '\r') {
                    flush_pending(w);
                    put(w, (const char *)p, 1);
                    w->line_start = false;
                }
            } else {
                w->space = true;
            }
            p++;
            continue;
        }
        if (*p < 0x20 || *p == 0x7f) { /* other control characters are not text */
            p++;
            continue;
        }
        /* A run of visible characters. */
        const unsigned char *q = p;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != '\f' &&
               (*q >= 0x20 && *q != 0x7f))
            q++;
        flush_pending(w);
        put(w, (const char *)p, (size_t)(q - p));
        w->line_start = false;
        w->any = true;
        p = q;
    }
}

static bool
name_is(const xmlNode *n, const char *name)
{
    return n->name && strcasecmp((const char *)n->name, name) == 0;
}

static bool
name_in(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (name_is(n, *names))
            return true;
    return false;
}

static const char *const skipped[] = {"script", "style", "template", "head",    "title",
                                      "meta",   "link",  "object",   "embed",   "iframe",
                                      "frame",  "svg",   "math",     "input",   "applet",
                                      "audio",  "video", "canvas",   "noembed", NULL};
static const char *const paragraphs[] = {"p",   "h1",     "h2",      "h3", "h4",    "h5",
                                         "h6",  "ul",     "ol",      "dl", "table", "blockquote",
                                         "pre", "figure", "address", NULL};
static const char *const blocks[] = {
    "div",     "section",  "article", "header", "footer", "nav",     "aside",      "main",
    "form",    "fieldset", "center",  "dt",     "dd",     "caption", "figcaption", "details",
    "summary", "tr",       "option",  "body",   "html",   "legend",  NULL};

/* Whether inline CSS hides the element. */
static bool
style_hides(const char *style)
{
    char norm[512];
    size_t k = 0;
    for (const char *p = style; *p && k + 1 < sizeof(norm); p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            norm[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    norm[k] = '\0';
    static const char *const hiding[] = {"display:none",  "visibility:hidden", "font-size:0;",
                                         "font-size:0px", "font-size:0pt",     "opacity:0;",
                                         "max-height:0",  "width:0;height:0",  NULL};
    for (const char *const *h = hiding; *h; h++)
        if (strstr(norm, *h))
            return true;
    size_t len = strlen(norm);
    /* "font-size:0" or "opacity:0" at the very end, without a semicolon. */
    return (len >= 11 && strcmp(norm + len - 11, "font-size:0") == 0) ||
           (len >= 9 && strcmp(norm + len - 9, "opacity:0") == 0);
}

static bool
hidden(const xmlNode *n)
{
    if (xmlHasProp((xmlNode *)n, (const xmlChar *)"hidden"))
        return true;
    bool h = false;
    xmlChar *v = xmlGetProp(n, (const xmlChar *)"aria-hidden");
    if (v) {
        h = strcasecmp((const char *)v, "true") == 0;
        xmlFree(v);
    }
    v = xmlGetProp(n, (const xmlChar *)"style");
    if (v) {
        h = h || style_hides((const char *)v);
        xmlFree(v);
    }
    return h;
}

/* Called when the walk reaches a node; returns whether to walk its children. */
static bool
enter(struct walker *w, xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content)
            text(w, (const char *)n->content);
        return false;
    }
    if (n->type != XML_ELEMENT_NODE)
        return n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE;
    if (name_in(n, skipped)) {
        w->stats.scripts++;
        return false;
    }
    if (hidden(n)) {
        w->stats.hidden++;
        return false;
    }
    if (name_is(n, "br")) {
        put(w, "\n", 1);
        w->line_start = true;
        w->space = false;
        w->newlines = 0;
        w->any = true;
        return false;
    }
    if (name_is(n, "hr")) {
        want_newlines(w, 1);
        put_visible(w, "----");
        want_newlines(w, 1);
        return false;
    }
    if (name_is(n, "img")) {
        xmlChar *alt = xmlGetProp(n, (const xmlChar *)"alt");
        if (alt && alt[0]) {
            put_visible(w, "[");
            text(w, (const char *)alt);
            put_visible(w, "]");
        }
        xmlFree(alt);
        return false;
    }
    if (name_in(n, paragraphs))
        want_newlines(w, 2);
    else if (name_in(n, blocks))
        want_newlines(w, 1);
    if (name_is(n, "pre"))
        w->pre++;
    if (name_is(n, "ul") || name_is(n, "ol")) {
        if (w->list_depth < MAX_LISTS)
            w->list_counter[w->list_depth] = name_is(n, "ol") ? 1 : 0;
        w->list_depth++;
    }
    if (name_is(n, "li")) {
        want_newlines(w, 1);
        int d = w->list_depth - 1;
        char bullet[32];
        if (d >= 0 && d < MAX_LISTS && w->list_counter[d] > 0)
            snprintf(bullet, sizeof(bullet), "%d. ", w->list_counter[d]++);
        else
            snprintf(bullet, sizeof(bullet), "・");
        for (int i = 1; i < w->list_depth && i < 8; i++)
            put_visible(w, "  ");
        put_visible(w, bullet);
        w->space = false;
    }
    if (name_is(n, "tr"))
        w->cell_in_row = false;
    if (name_is(n, "td") || name_is(n, "th")) {
        if (w->cell_in_row)
            put_visible(w, " | ");
        w->cell_in_row = true;
        w->space = false;
    }
    return true;
}

static bool
link_target_shown(const char *href)
{
    static const char *const schemes[] = {"http:", "https:", "ftp:", "mailto:", "tel:", NULL};
    for (const char *const *s = schemes; *s; s++)
        if (strncasecmp(href, *s, strlen(*s)) == 0)
            return true;
    return false;
}

/* Called after a node's children. */
static void
leave(struct walker *w, xmlNode *n)
{
    if (n->type != XML_ELEMENT_NODE)
        return;
    if (name_is(n, "a")) {
        xmlChar *href = xmlGetProp(n, (const xmlChar *)"href");
        if (href && link_target_shown((const char *)href)) {
            /* The target after the text, unless the text already is the target. */
            size_t hl = strlen((const char *)href);
            bool same = w->out->len >= hl && memcmp(w->out->data + w->out->len - hl, href, hl) == 0;
            const char *plain =
                strncasecmp((const char *)href, "mailto:", 7) == 0 ? (const char *)href + 7 : NULL;
            if (plain && w->out->len >= strlen(plain) &&
                memcmp(w->out->data + w->out->len - strlen(plain), plain, strlen(plain)) == 0)
                same = true;
            if (!same) {
                w->space = true;
                put_visible(w, "<");
                put(w, (const char *)href, hl);
                put(w, ">", 1);
                w->stats.links++;
            }
        }
        xmlFree(href);
        return;
    }
    if (name_is(n, "pre") && w->pre > 0)
        w->pre--;
    if (name_is(n, "ul") || name_is(n, "ol")) {
        if (w->list_depth > 0)
            w->list_depth--;
        want_newlines(w, 2);
        return;
    }
    if (name_in(n, paragraphs))
        want_newlines(w, 2);
    else if (name_in(n, blocks) || name_is(n, "li"))
        want_newlines(w, 1);
}

int
mamori_html_to_text(const char *html, size_t len, const struct mamori_html_limits *limits,
                    struct mamori_buf *out, struct mamori_html_stats *ret_stats)
{
    if (len > INT32_MAX)
        return MAMORI_E_LIMIT;
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt)
        return -ENOMEM;
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
               HTML_PARSE_COMPACT;
    htmlDocPtr doc = htmlCtxtReadMemory(ctxt, html, (int)len, NULL, "UTF-8", opts);
    htmlFreeParserCtxt(ctxt);
    if (!doc)
        return len == 0 ? 0 : MAMORI_E_SYNTAX;

    struct walker w = {.out = out, .line_start = true};
    w.max_nodes = limits && limits->max_nodes ? limits->max_nodes : DEFAULT_MAX_NODES;
    xmlNode *root = (xmlNode *)doc;
    xmlNode *n = root->children;
    while (n && !w.error) {
        if (++w.stats.nodes > w.max_nodes) {
            w.error = MAMORI_E_LIMIT;
            break;
        }
        bool descend = enter(&w, n);
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        if (descend)
            leave(&w, n);
        while (n && !n->next) {
            n = n->parent;
            if (!n || n == root) {
                n = NULL;
                break;
            }
            leave(&w, n);
        }
        if (n)
            n = n->next;
    }
    xmlFreeDoc(doc);
    if (w.error)
        return w.error;
    if (w.any && (w.out->len == 0 || w.out->data[w.out->len - 1] != '\n'))
        put(&w, "\n", 1);
    if (ret_stats)
        *ret_stats = w.stats;
    return w.error;
}
