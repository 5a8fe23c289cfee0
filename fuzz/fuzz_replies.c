/*
 * Fuzz target: the replies mamori reads from the daemons it talks to — an SMTP server's reply
 * (the release by mail) and clamd's answer to INSTREAM. Both are refused or parsed within the
 * bytes given; a parsed SMTP reply's code is a real code and it took no more than it was given.
 */
#include <stdlib.h>
#include <string.h>

#include "mamori/scan.h"
#include "mamori/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int code;
    size_t used;
    char text[64];
    int r = mamori_smtp_reply_parse((const char *)data, size, &code, &used, text, sizeof(text));
    if (r == 1 && (code < 200 || code > 599 || used == 0 || used > size))
        abort();
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    enum mamori_scan_verdict v;
    char found[32];
    if (mamori_clamd_reply_parse(s, &v, found, sizeof(found)) == 0 && v == MAMORI_SCAN_CLEAN &&
        strcmp(s, "stream: OK") != 0)
        abort(); /* only the exact "OK" is clean */
    free(s);
    return 0;
}
