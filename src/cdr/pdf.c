/*
 * PDF, structural cleaning (qpdf's C API, from memory): every object reachable from the
 * catalog is visited once; what acts goes — OpenAction and additional actions (AA), JavaScript
 * (name tree, /JS), actions other than a jump inside the document (launch, URI, submit/import
 * form, GoToR/GoToE, rendition, movie, sound ...), embedded files (/EmbeddedFiles, /EF, file
 * attachment annotations) and XFA forms; then qpdf writes the file again, keeping only what is
 * still reachable. The page content stays as it was; unless the policy asks for cleaning only
 * (sanitize.pdf: clean), the cleaned file is then rebuilt from its rendered pages
 * (pdf_render.c).
 */
#include <errno.h>
#include <qpdf/qpdf-c.h>
#include <string.h>

#include "internal.h"

#define PDF_MAX_OBJECTS 2000000 /* objects visited in one file */

struct seen {
    int *v;
    size_t cap, n;
};

/* Marks an indirect object's id; false when it was seen already. */
static bool
first_visit(struct cdr *c, struct seen *s, int id)
{
    if (s->n * 2 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        int *v = mamori_arena_calloc(c->a, cap, sizeof(int));
        if (!v)
            return false;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i])
                for (size_t k = (size_t)s->v[i] * 2654435761u % cap;; k = (k + 1) % cap)
                    if (!v[k]) {
                        v[k] = s->v[i];
                        break;
                    }
        s->v = v, s->cap = cap;
    }
    for (size_t k = (size_t)id * 2654435761u % s->cap;; k = (k + 1) % s->cap) {
        if (s->v[k] == id)
            return false;
        if (!s->v[k]) {
            s->v[k] = id;
            s->n++;
            return true;
        }
    }
}

/* The category an action dictionary falls under, or NULL for a jump inside the document. */
static const char *
action_category(qpdf_data q, qpdf_oh action)
{
    if (!qpdf_oh_is_dictionary(q, action))
        return NULL;
    qpdf_oh s = qpdf_oh_get_key(q, action, "/S");
    if (qpdf_oh_is_name_and_equals(q, s, "/GoTo"))
        return NULL;
    if (qpdf_oh_is_name_and_equals(q, s, "/JavaScript"))
        return "javascript";
    if (qpdf_oh_is_name_and_equals(q, s, "/Launch"))
        return "launch-actions";
    if (qpdf_oh_is_name_and_equals(q, s, "/URI") || qpdf_oh_is_name_and_equals(q, s, "/GoToR") ||
        qpdf_oh_is_name_and_equals(q, s, "/GoToE"))
        return "external-links";
    if (qpdf_oh_is_name_and_equals(q, s, "/SubmitForm") ||
        qpdf_oh_is_name_and_equals(q, s, "/ImportData") ||
        qpdf_oh_is_name_and_equals(q, s, "/ResetForm"))
        return "form-actions";
    return "actions";
}

int
cdr_pdf(struct cdr *c, const void *data, size_t len, struct part *p)
{
    qpdf_data q = qpdf_init();
    if (!q)
        return -ENOMEM;
    qpdf_silence_errors(q);
    qpdf_set_suppress_warnings(q, QPDF_TRUE);
    QPDF_ERROR_CODE e = qpdf_read_memory(q, "in.pdf", data, (unsigned long long)len,
                                         c->o->password ? c->o->password : "");
    if (e & QPDF_ERRORS) {
        bool enc = qpdf_is_encrypted(q);
        if (qpdf_has_error(q)) /* taken, so qpdf does not print it as unhandled */
            (void)qpdf_get_error(q);
        qpdf_cleanup(&q);
        return enc ? cdr_block(p, "encrypted",
                               "暗号化された PDF です。中身を検査できません / "
                               "the PDF is encrypted: its content cannot be "
                               "inspected")
                   : cdr_block(p, "malformed-document",
                               "PDF の構造が壊れています / the PDF is "
                               "malformed");
    }
    struct seen seen = {0};
    size_t cap = 1024, n = 0, visited = 0;
    qpdf_oh *stack = mamori_arena_alloc(c->a, cap * sizeof(*stack));
    int r = stack ? 0 : -ENOMEM;
    if (r == 0) {
        stack[n++] = qpdf_get_root(q);
        stack[n++] = qpdf_get_trailer(q);
        /* The pages as qpdf's writer will find them: in a damaged file its repaired page tree
         * can reach a page the catalog's /Kids no longer points at (found by fuzz_cdr). */
        int pages = qpdf_get_num_pages(q);
        for (int i = 0; i < pages && r == 0; i++) {
            if (n == cap) {
                qpdf_oh *ns = mamori_arena_alloc(c->a, cap * 2 * sizeof(*ns));
                if (!ns) {
                    r = -ENOMEM;
                    break;
                }
                memcpy(ns, stack, n * sizeof(*ns));
                stack = ns, cap *= 2;
            }
            stack[n++] = qpdf_get_page_n(q, (size_t)i);
        }
        if (qpdf_has_error(q))
            (void)qpdf_get_error(q);
    }
    static const char *const names_out[] = {"/JavaScript", "/EmbeddedFiles"};
    while (r == 0 && n) {
        qpdf_oh o = stack[--n];
        if (qpdf_oh_is_indirect(q, o) && !first_visit(c, &seen, qpdf_oh_get_object_id(q, o)))
            continue;
        if (++visited > PDF_MAX_OBJECTS) {
            r = 1;
            break;
        }
        qpdf_oh d = qpdf_oh_is_stream(q, o) ? qpdf_oh_get_dict(q, o) : o;
        if (qpdf_oh_is_dictionary(q, d)) {
            /* What acts by itself. */
            if (qpdf_oh_has_key(q, d, "/OpenAction"))
                qpdf_oh_remove_key(q, d, "/OpenAction"), cdr_removed(c, p, "open-actions", 1);
            if (qpdf_oh_has_key(q, d, "/AA"))
                qpdf_oh_remove_key(q, d, "/AA"), cdr_removed(c, p, "open-actions", 1);
            if (qpdf_oh_has_key(q, d, "/JS"))
                qpdf_oh_remove_key(q, d, "/JS"), cdr_removed(c, p, "javascript", 1);
            if (qpdf_oh_has_key(q, d, "/XFA"))
                qpdf_oh_remove_key(q, d, "/XFA"), cdr_removed(c, p, "form-scripts", 1);
            if (qpdf_oh_has_key(q, d, "/EF"))
                qpdf_oh_remove_key(q, d, "/EF"), cdr_removed(c, p, "embedded-files", 1);
            /* The name trees of scripts and attached files (keys of the /Names dictionary). */
            for (size_t i = 0; i < MAMORI_ARRAY_SIZE(names_out); i++)
                if (qpdf_oh_has_key(q, d, names_out[i])) {
                    qpdf_oh_remove_key(q, d, names_out[i]);
                    cdr_removed(c, p, i == 0 ? "javascript" : "embedded-files", 1);
                }
            if (qpdf_oh_has_key(q, d, "/A")) {
                const char *cat = action_category(q, qpdf_oh_get_key(q, d, "/A"));
                if (cat)
                    qpdf_oh_remove_key(q, d, "/A"), cdr_removed(c, p, cat, 1);
            }
            qpdf_oh st = qpdf_oh_get_key(q, d, "/Subtype");
            if (qpdf_oh_is_name_and_equals(q, st, "/FileAttachment") &&
                qpdf_oh_has_key(q, d, "/FS"))
                qpdf_oh_remove_key(q, d, "/FS"), cdr_removed(c, p, "embedded-files", 1);
            /* Then every value, once (keys first: the iterator is qpdf's, not nestable). */
            const char *keys[512];
            size_t nk = 0;
            qpdf_oh_begin_dict_key_iter(q, d);
            while (qpdf_oh_dict_more_keys(q) && nk < MAMORI_ARRAY_SIZE(keys)) {
                const char *k = qpdf_oh_dict_next_key(q);
                keys[nk++] = k ? mamori_arena_strdup(c->a, k) : NULL;
            }
            for (size_t i = 0; i < nk && r == 0; i++) {
                if (!keys[i] || strcmp(keys[i], "/Parent") == 0 || strcmp(keys[i], "/P") == 0)
                    continue;
                if (n == cap) {
                    qpdf_oh *ns = mamori_arena_alloc(c->a, cap * 2 * sizeof(*ns));
                    if (!ns) {
                        r = -ENOMEM;
                        break;
                    }
                    memcpy(ns, stack, n * sizeof(*ns));
                    stack = ns, cap *= 2;
                }
                stack[n++] = qpdf_oh_get_key(q, d, keys[i]);
            }
        } else if (qpdf_oh_is_array(q, o)) {
            int items = qpdf_oh_get_array_n_items(q, o);
            for (int i = 0; i < items && r == 0; i++) {
                if (n == cap) {
                    qpdf_oh *ns = mamori_arena_alloc(c->a, cap * 2 * sizeof(*ns));
                    if (!ns) {
                        r = -ENOMEM;
                        break;
                    }
                    memcpy(ns, stack, n * sizeof(*ns));
                    stack = ns, cap *= 2;
                }
                stack[n++] = qpdf_oh_get_array_item(q, o, i);
            }
        }
    }
    if (r != 0) {
        qpdf_cleanup(&q);
        return r < 0 ? r
                     : cdr_block(p, "document-limit",
                                 "PDF のオブジェクトが多すぎます / the "
                                 "PDF has too many objects");
    }
    e = qpdf_init_write_memory(q);
    if (!(e & QPDF_ERRORS)) {
        qpdf_set_deterministic_ID(q, QPDF_TRUE); /* the writer exists only now */
        e = qpdf_write(q);
    }
    if (e & QPDF_ERRORS) {
        if (qpdf_has_error(q))
            (void)qpdf_get_error(q);
        qpdf_cleanup(&q);
        return cdr_block(p, "malformed-document",
                         "PDF を書き出せません / the PDF cannot be "
                         "written");
    }
    size_t olen = qpdf_get_buffer_length(q);
    p->out = mamori_arena_alloc(c->a, olen ? olen : 1);
    if (!p->out) {
        qpdf_cleanup(&q);
        return -ENOMEM;
    }
    memcpy(p->out, qpdf_get_buffer(q), olen);
    p->out_len = olen;
    p->type = "application/pdf";
    p->ext = "pdf";
    qpdf_cleanup(&q);
    if (c->o->pdf_clean_only)
        return 0;
    /* the stronger form: only the look of the cleaned pages crosses */
    const char *cleaned = p->out;
    p->out = NULL;
    p->out_len = 0;
    return cdr_pdf_render(c, cleaned, olen, p);
}
