/*
 * Office Open XML (docx, xlsx, pptx and the macro-enabled and template forms): the package is
 * read whole (within the archive limits) and written again from the parts that carry the
 * document. Out: macros (vbaProject.bin, customUI), ActiveX, OLE objects and embedded
 * packages, external links of workbooks (DDE, linked files), every other binary part;
 * relationships that point outside the package (remote templates, linked images, frames) but
 * hyperlinks, and those whose part is gone, with the elements that named them; Word field
 * codes that run or fetch (DDE, DDEAUTO, INCLUDETEXT, INCLUDEPICTURE, IMPORT, LINK) and
 * spreadsheet formulas that call other programs (cmd|…). The content types follow: a docm
 * becomes a docx.
 */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool
has_dir(const char *name, const char *dir)
{
    return strcasestr(name, dir) != NULL;
}

/* The category a part is removed under, or NULL when it stays. */
static const char *
removed_part(const char *name)
{
    /* A part name that could point outside a folder when unpacked never goes back in. */
    if (name[0] == '/' || strchr(name, '\\') || strcmp(name, "..") == 0 ||
        strncmp(name, "../", 3) == 0 || strstr(name, "/../") || ends_with(name, "/.."))
        return "invalid-part-names";
    for (const unsigned char *s = (const unsigned char *)name; *s; s++)
        if (*s < 0x20 || *s == 0x7f)
            return "invalid-part-names";
    if (ends_with(name, "vbaProject.bin") || ends_with(name, "vbaData.xml") ||
        strcasestr(name, "vbaProjectSignature") || has_dir(name, "customUI/") ||
        ends_with(name, "attachedToolbars.bin"))
        return "macros";
    if (has_dir(name, "/activeX/"))
        return "activex";
    if (has_dir(name, "/embeddings/"))
        return "embedded-objects";
    if (has_dir(name, "xl/externalLinks/"))
        return "external-links";
    if (ends_with(name, ".bin"))
        return "binary-parts";
    return NULL;
}

/* A package part name from a relationship's target, resolved against the rels file's
 * source part ("word/_rels/document.xml.rels" + "media/a.png" → "word/media/a.png"). */
static void
resolve(const char *rels_name, const char *target, char *out, size_t len)
{
    if (target[0] == '/') {
        snprintf(out, len, "%s", target + 1);
        return;
    }
    /* the source's directory: rels_name minus "_rels/<file>.rels" */
    const char *r = strstr(rels_name, "_rels/");
    size_t dir = r ? (size_t)(r - rels_name) : 0;
    char buf[1024];
    snprintf(buf, sizeof(buf), "%.*s%s", (int)dir, rels_name, target);
    /* fold "x/../" */
    char *parts[64];
    int np = 0;
    for (char *save = NULL, *tok = strtok_r(buf, "/", &save); tok && np < 64;
         tok = strtok_r(NULL, "/", &save)) {
        if (strcmp(tok, "..") == 0) {
            if (np)
                np--;
        } else if (strcmp(tok, ".") != 0) {
            parts[np++] = tok;
        }
    }
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < np && k < len; i++)
        k += (size_t)snprintf(out + k, len - k, "%s%s", i ? "/" : "", parts[i]);
}

struct pkg {
    struct cdr *c;
    struct part *p;
    struct zentry *e;
    size_t n;
    bool *gone; /* parts removed */
};

static ssize_t
find_part(struct pkg *k, const char *name)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcasecmp(k->e[i].name, name) == 0)
            return (ssize_t)i;
    return -1;
}

static xmlDocPtr
parse(const struct zentry *e)
{
    if (e->len > INT32_MAX)
        return NULL;
    return xmlReadMemory(e->data, (int)e->len, NULL, NULL,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static int
serialize(struct pkg *k, struct zentry *e, xmlDocPtr doc)
{
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(doc, &buf, &len, "UTF-8");
    if (!buf)
        return -ENOMEM;
    e->data = mamori_arena_alloc(k->c->a, (size_t)len + 1);
    if (e->data)
        memcpy(e->data, buf, (size_t)len);
    e->len = (size_t)len;
    xmlFree(buf);
    return e->data ? 0 : -ENOMEM;
}

/* Removes elements anywhere in doc with an r:* attribute naming one of ids. */
static int64_t
drop_referrers(xmlNodePtr n, char ids[][64], size_t n_ids)
{
    int64_t count = 0;
    for (xmlNodePtr ch = n ? n->children : NULL, next; ch; ch = next) {
        next = ch->next;
        if (ch->type != XML_ELEMENT_NODE)
            continue;
        bool hit = false;
        for (xmlAttrPtr a = ch->properties; a && !hit; a = a->next) {
            if (!a->ns || strcmp((const char *)a->ns->href, REL_NS) != 0)
                continue;
            xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
            for (size_t i = 0; v && i < n_ids && !hit; i++)
                hit = strcmp((const char *)v, ids[i]) == 0;
            xmlFree(v);
        }
        if (hit) {
            xmlUnlinkNode(ch);
            xmlFreeNode(ch);
            count++;
        } else {
            count += drop_referrers(ch, ids, n_ids);
        }
    }
    return count;
}

/* One .rels file: external targets (but hyperlinks) and targets of removed parts go; so do
 * the elements of the source part that named them. */
static int
fix_rels(struct pkg *k, size_t idx)
{
    struct zentry *e = &k->e[idx];
    xmlDocPtr doc = parse(e);
    if (!doc)
        return 1;
    char dropped[256][64];
    size_t nd = 0;
    int64_t external = 0;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr r = root ? root->children : NULL, next; r; r = next) {
        next = r->next;
        if (r->type != XML_ELEMENT_NODE || strcmp((const char *)r->name, "Relationship") != 0)
            continue;
        xmlChar *mode = xmlGetProp(r, (const xmlChar *)"TargetMode");
        xmlChar *type = xmlGetProp(r, (const xmlChar *)"Type");
        xmlChar *target = xmlGetProp(r, (const xmlChar *)"Target");
        xmlChar *id = xmlGetProp(r, (const xmlChar *)"Id");
        bool drop = false;
        if (mode && strcasecmp((const char *)mode, "External") == 0) {
            bool link = type && ends_with((const char *)type, "/hyperlink");
            if (!link) {
                drop = true;
                external++;
            }
        } else if (target) {
            char name[1024];
            resolve(e->name, (const char *)target, name, sizeof(name));
            ssize_t t = find_part(k, name);
            drop = t >= 0 && k->gone[t];
        }
        if (drop) {
            if (id && nd < 256)
                snprintf(dropped[nd++], sizeof(dropped[0]), "%s", (const char *)id);
            xmlUnlinkNode(r);
            xmlFreeNode(r);
        }
        xmlFree(mode), xmlFree(type), xmlFree(target), xmlFree(id);
    }
    int rc = 0;
    if (nd) {
        rc = serialize(k, e, doc);
        /* The source part: "word/_rels/document.xml.rels" → "word/document.xml". */
        char src[1024];
        const char *rr = strstr(e->name, "_rels/");
        if (rc == 0 && rr && ends_with(e->name, ".rels")) {
            snprintf(src, sizeof(src), "%.*s%.*s", (int)(rr - e->name), e->name,
                     (int)(strlen(rr + 6) - 5), rr + 6);
            ssize_t s = find_part(k, src);
            if (s >= 0 && !k->gone[s]) {
                xmlDocPtr sd = parse(&k->e[s]);
                if (sd) {
                    int64_t refs = drop_referrers((xmlNodePtr)sd, dropped, nd);
                    if (refs)
                        rc = serialize(k, &k->e[s], sd);
                    xmlFreeDoc(sd);
                }
            }
        }
    }
    xmlFreeDoc(doc);
    cdr_removed(k->c, k->p, "external-relationships", external);
    return rc;
}

static bool
dangerous_field(const char *code)
{
    static const char *const words[] = {"DDE",    "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE",
                                        "IMPORT", "LINK",    "INCLUDE"};
    while (*code == ' ')
        code++;
    for (size_t i = 0; i < MAMORI_ARRAY_SIZE(words); i++) {
        size_t n = strlen(words[i]);
        if (strncasecmp(code, words[i], n) == 0 && (code[n] == ' ' || code[n] == '\0'))
            return true;
    }
    return false;
}

/* Word: instrText and fldSimple with a field that runs or fetches something. */
static int64_t
drop_fields(xmlNodePtr n)
{
    int64_t count = 0;
    for (xmlNodePtr ch = n ? n->children : NULL, next; ch; ch = next) {
        next = ch->next;
        if (ch->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)ch->name;
        bool drop = false;
        if (strcmp(name, "instrText") == 0) {
            xmlChar *t = xmlNodeGetContent(ch);
            drop = t && dangerous_field((const char *)t);
            xmlFree(t);
        } else if (strcmp(name, "fldSimple") == 0) {
            for (xmlAttrPtr a = ch->properties; a; a = a->next)
                if (strcmp((const char *)a->name, "instr") == 0) {
                    xmlChar *t = xmlNodeGetContent((xmlNodePtr)a);
                    drop = t && dangerous_field((const char *)t);
                    xmlFree(t);
                }
        }
        if (drop) {
            xmlUnlinkNode(ch);
            xmlFreeNode(ch);
            count++;
        } else {
            count += drop_fields(ch);
        }
    }
    return count;
}

/* Spreadsheet cells: a formula naming another program (=cmd|' /C calc'!A0) loses the formula
 * and keeps its last value. */
static int64_t
drop_dde_formulas(xmlNodePtr n)
{
    int64_t count = 0;
    for (xmlNodePtr ch = n ? n->children : NULL, next; ch; ch = next) {
        next = ch->next;
        if (ch->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)ch->name, "f") == 0) {
            xmlChar *t = xmlNodeGetContent(ch);
            if (t && strchr((const char *)t, '|')) {
                xmlUnlinkNode(ch);
                xmlFreeNode(ch);
                count++;
            }
            xmlFree(t);
        } else {
            count += drop_dde_formulas(ch);
        }
    }
    return count;
}

static const char *const macro_types[][2] = {
    {"application/vnd.ms-word.document.macroEnabled.main+xml",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"},
    {"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"},
    {"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"},
    {"application/vnd.ms-excel.template.macroEnabled.main+xml",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"},
    {"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"},
    {"application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
     "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml"},
};

/* [Content_Types].xml: overrides of removed parts go, macro-enabled main types become the
 * plain ones, the default for .bin goes; the package's kind is read from the main type. */
static int
fix_content_types(struct pkg *k, size_t idx, const char **ext, const char **type)
{
    struct zentry *e = &k->e[idx];
    xmlDocPtr doc = parse(e);
    if (!doc)
        return 1;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr o = root ? root->children : NULL, next; o; o = next) {
        next = o->next;
        if (o->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *ct = xmlGetProp(o, (const xmlChar *)"ContentType");
        bool drop = false;
        if (strcmp((const char *)o->name, "Override") == 0) {
            xmlChar *pn = xmlGetProp(o, (const xmlChar *)"PartName");
            ssize_t t = pn ? find_part(k, (const char *)pn + (pn[0] == '/')) : -1;
            drop = t >= 0 && k->gone[t];
            xmlFree(pn);
        } else if (strcmp((const char *)o->name, "Default") == 0) {
            xmlChar *x = xmlGetProp(o, (const xmlChar *)"Extension");
            drop = x && strcasecmp((const char *)x, "bin") == 0;
            xmlFree(x);
        }
        if (!drop && ct) {
            for (size_t i = 0; i < MAMORI_ARRAY_SIZE(macro_types); i++)
                if (strcmp((const char *)ct, macro_types[i][0]) == 0)
                    xmlSetProp(o, (const xmlChar *)"ContentType",
                               (const xmlChar *)macro_types[i][1]);
            xmlFree(ct);
            ct = xmlGetProp(o, (const xmlChar *)"ContentType");
            const char *s = (const char *)ct;
            if (strstr(s, "wordprocessingml.document.main"))
                *ext = "docx", *type = "application/vnd.openxmlformats-officedocument."
                                       "wordprocessingml.document";
            else if (strstr(s, "wordprocessingml.template.main"))
                *ext = "dotx", *type = "application/vnd.openxmlformats-officedocument."
                                       "wordprocessingml.template";
            else if (strstr(s, "spreadsheetml.sheet.main"))
                *ext = "xlsx", *type = "application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.sheet";
            else if (strstr(s, "spreadsheetml.template.main"))
                *ext = "xltx", *type = "application/vnd.openxmlformats-officedocument."
                                       "spreadsheetml.template";
            else if (strstr(s, "presentationml.presentation.main"))
                *ext = "pptx", *type = "application/vnd.openxmlformats-officedocument."
                                       "presentationml.presentation";
            else if (strstr(s, "presentationml.slideshow.main"))
                *ext = "ppsx", *type = "application/vnd.openxmlformats-officedocument."
                                       "presentationml.slideshow";
        }
        xmlFree(ct);
        if (drop) {
            xmlUnlinkNode(o);
            xmlFreeNode(o);
        }
    }
    int rc = serialize(k, e, doc);
    xmlFreeDoc(doc);
    return rc;
}

int
cdr_ooxml(struct cdr *c, const void *data, size_t len, struct part *p)
{
    struct zentry *e = NULL;
    size_t n = 0;
    int r = cdr_unpack(c, data, len, true, p, &e, &n);
    if (r != 0)
        return r < 0 ? r : 0;
    struct pkg k = {c, p, e, n, mamori_arena_calloc(c->a, n ? n : 1, sizeof(bool))};
    if (!k.gone)
        return -ENOMEM;
    ssize_t ct = find_part(&k, "[Content_Types].xml");
    if (ct < 0)
        return cdr_block(p, "malformed-document",
                         "Office 文書の構造が壊れています / the Office "
                         "document is malformed");
    for (size_t i = 0; i < n; i++) {
        const char *cat = removed_part(e[i].name);
        if (cat) {
            k.gone[i] = true;
            cdr_removed(c, p, cat, 1);
        }
    }
    /* Pictures in the document (JPEG, PNG) are rebuilt from their pixels like any image, under
     * the same name; one that does not decode is dropped. */
    for (size_t i = 0; i < n && r == 0; i++) {
        if (k.gone[i] || !strstr(e[i].name, "/media/"))
            continue;
        const char *type = cdr_detect(c, e[i].data, e[i].len);
        if (strcmp(type, "image/jpeg") != 0 && strcmp(type, "image/png") != 0)
            continue;
        struct part mp = {.verdict = MAMORI_CDR_CLEAN};
        r = cdr_image(c, strcmp(type, "image/jpeg") == 0 ? "jpeg" : "png", e[i].data, e[i].len,
                      &mp);
        if (r < 0)
            return r;
        if (mp.verdict == MAMORI_CDR_BLOCKED) {
            k.gone[i] = true;
            cdr_removed(c, p, "malformed-media", 1);
            continue;
        }
        if (mp.verdict == MAMORI_CDR_SANITIZED)
            p->verdict = MAMORI_CDR_SANITIZED;
        e[i].data = mp.out;
        e[i].len = mp.out_len;
    }
    for (size_t i = 0; i < n && r == 0; i++)
        if (!k.gone[i] && ends_with(e[i].name, ".rels"))
            r = fix_rels(&k, i);
    /* Fields and formulas in the parts that carry text and cells. */
    for (size_t i = 0; i < n && r == 0; i++) {
        if (k.gone[i] || !ends_with(e[i].name, ".xml"))
            continue;
        bool word = strncasecmp(e[i].name, "word/", 5) == 0 &&
                    (memmem(e[i].data, e[i].len, "instrText", 9) ||
                     memmem(e[i].data, e[i].len, "fldSimple", 9));
        bool sheet = strncasecmp(e[i].name, "xl/worksheets/", 14) == 0 &&
                     memmem(e[i].data, e[i].len, "|", 1);
        if (!word && !sheet)
            continue;
        xmlDocPtr d = parse(&e[i]);
        if (!d) {
            r = 1;
            break;
        }
        int64_t dropped = word ? drop_fields((xmlNodePtr)d) : drop_dde_formulas((xmlNodePtr)d);
        if (dropped) {
            cdr_removed(c, p, word ? "field-codes" : "dde-formulas", dropped);
            r = serialize(&k, &e[i], d);
        }
        xmlFreeDoc(d);
    }
    const char *ext = NULL, *type = NULL;
    if (r == 0)
        r = fix_content_types(&k, (size_t)ct, &ext, &type);
    if (r < 0)
        return r;
    if (r == 1 || !ext)
        return cdr_block(p, "malformed-document",
                         "Office 文書の構造が壊れています / the Office "
                         "document is malformed");
    /* [Content_Types].xml first, then the parts that stay. */
    struct zentry *keep = mamori_arena_alloc(c->a, n * sizeof(*keep));
    if (!keep)
        return -ENOMEM;
    size_t m = 0;
    keep[m++] = e[ct];
    for (size_t i = 0; i < n; i++)
        if (!k.gone[i] && (ssize_t)i != ct)
            keep[m++] = e[i];
    r = cdr_zip(c, keep, m, &p->out, &p->out_len);
    if (r < 0)
        return r;
    p->type = type;
    p->ext = ext;
    return 0;
}
