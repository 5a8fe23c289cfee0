/*
 * Fuzz target: one file through the CDR engine. The first byte chooses the name (and so the
 * handler's view of it): an Office package, a zip, a 7z, an LZH, a CSV, an image ... The rest
 * is the file. The engine must give a verdict for anything, and what it writes must pass it
 * again with nothing left to remove (a PDF is rebuilt from its pages on every pass).
 */
#include <stdlib.h>
#include <string.h>

#include "mamori/cdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"a.docx", "a.xlsm", "a.pptx", "a.zip", "a.7z",  "a.lzh",
                                        "a.csv",  "a.txt",  "a.jpg",  "a.png", "a.gif", "a.webp",
                                        "a.tar",  "a.gz",   "a.bmp",  "a.tif", "a.pdf"};
    if (size < 1)
        return 0;
    const char *name = names[data[0] % (sizeof(names) / sizeof(names[0]))];
    struct mamori_cdr_options o;
    mamori_cdr_options_default(&o);
    o.max_total = (size_t)64 << 20; /* keep a fuzzing process small */
    o.max_bytes = (size_t)16 << 20;
    o.max_pixels = 4000000;
    o.block_type_mismatch = false; /* let every handler see every input */
    o.password = "fuzz";
    o.pdf_dpi = 50; /* the rendering's cost, not its look, is what fuzzing needs */
    o.max_pages = 8;
    struct mamori_cdr_result *res;
    if (mamori_cdr_sanitize(name, data + 1, size - 1, &o, &res) < 0)
        return 0;
    if (res->verdict != MAMORI_CDR_BLOCKED) {
        if (!res->out_name || !*res->out_name || strchr(res->out_name, '/'))
            abort();
        struct mamori_cdr_result *again;
        if (mamori_cdr_sanitize(res->out_name, res->out, res->out_len, &o, &again) == 0) {
            /* A rebuilt file holds nothing more to remove (re-encoding may still change it). */
            for (size_t i = 0; i < again->n_removed; i++)
                if (strcmp(again->removed[i].category, "metadata") != 0 &&
                    strcmp(again->removed[i].category, "blocked-members") != 0 &&
                    strcmp(again->removed[i].category, "rebuilt-from-pages") != 0)
                    abort();
            mamori_cdr_result_free(again);
        }
    }
    mamori_cdr_result_free(res);
    return 0;
}
