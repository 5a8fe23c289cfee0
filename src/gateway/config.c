/*
 * DIR/mamorid.conf: `key = value` lines, '#' starts a comment. Every problem is reported with
 * the file and line; nothing is guessed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/gateway.h"

#define CONF_MAX_BYTES ((size_t)64 * 1024)

static void
defaults(struct mamori_gateway_config *c)
{
    memset(c, 0, sizeof(*c));
    c->workers = 2;
    c->worker_jobs = 1000;
    c->worker_timeout = 30;
}

void
mamori_gateway_config_done(struct mamori_gateway_config *c)
{
    for (size_t i = 0; i < c->n_milter; i++)
        free(c->milter[i]);
    free(c->console);
    free(c->upload);
    free(c->tls_cert);
    free(c->tls_key);
    free(c->clamd);
    free(c->mail_relay);
    free(c->alert_mail);
    memset(c, 0, sizeof(*c));
}

static char *
trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* "unix:PATH" or "inet:HOST:PORT" (HOST may be [v6]). */
static bool
listener_ok(const char *spec)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return spec[5] != '\0';
    if (strncmp(spec, "inet:", 5) != 0)
        return false;
    const char *colon = strrchr(spec + 5, ':');
    if (!colon || colon == spec + 5)
        return false;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    return *end == '\0' && colon[1] && port >= 0 && port <= 65535;
}

int
mamori_gateway_config_set_milter(struct mamori_gateway_config *c, const char *spec, bool first)
{
    if (!listener_ok(spec))
        return MAMORI_E_SYNTAX;
    if (first) {
        for (size_t i = 0; i < c->n_milter; i++)
            free(c->milter[i]);
        c->n_milter = 0;
    }
    if (c->n_milter == MAMORI_GATEWAY_MAX_LISTENERS)
        return MAMORI_E_LIMIT;
    if (!(c->milter[c->n_milter] = strdup(spec)))
        return -ENOMEM;
    c->n_milter++;
    return 0;
}

static int
number(const char *v, unsigned min, unsigned max, unsigned *ret)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return MAMORI_E_SYNTAX;
    *ret = (unsigned)n;
    return 0;
}

int
mamori_gateway_config_load(const char *path, struct mamori_gateway_config *ret,
                           struct mamori_diags *diags)
{
    struct mamori_gateway_config c;
    defaults(&c);
    char *text = NULL;
    size_t len;
    int r = mamori_fs_read_file(path, CONF_MAX_BYTES, &text, &len);
    if (r == -ENOENT) {
        r = mamori_gateway_config_set_milter(&c, "unix:run/milter.sock", true);
        if (r == 0)
            r = mamori_gateway_config_set_milter(&c, "inet:127.0.0.1:8891", false);
        if (r == 0 && !(c.clamd = strdup("unix:/run/clamav/clamd.ctl")))
            r = -ENOMEM;
        if (r < 0) {
            mamori_gateway_config_done(&c);
            return r;
        }
        *ret = c;
        return 0;
    }
    if (r < 0) {
        mamori_diags_add(diags, MAMORI_SEV_ERROR, 0, 0, _("cannot read: %s"), mamori_strerror(r));
        return r;
    }
    int errors = 0;
    int line = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        line++;
        char *hash = strchr(l, '#');
        if (hash)
            *hash = '\0';
        l = trim(l);
        if (!*l)
            continue;
        char *eq = strchr(l, '=');
        if (!eq) {
            mamori_diags_add(diags, MAMORI_SEV_ERROR, line, 1, _("expected 'key = value'"));
            errors++;
            continue;
        }
        *eq = '\0';
        char *key = trim(l), *value = trim(eq + 1);
        int e = 0;
        if (strcmp(key, "milter") == 0) {
            bool first = true;
            for (char *s2 = NULL, *item = strtok_r(value, ",", &s2); item;
                 item = strtok_r(NULL, ",", &s2)) {
                item = trim(item);
                if (mamori_gateway_config_set_milter(&c, item, first) < 0) {
                    mamori_diags_add(diags, MAMORI_SEV_ERROR, line, 1,
                                     _("'%s' is not a listener: use unix:PATH or "
                                       "inet:HOST:PORT (at most %d)"),
                                     item, MAMORI_GATEWAY_MAX_LISTENERS);
                    errors++;
                }
                first = false;
            }
            if (first) {
                mamori_diags_add(diags, MAMORI_SEV_ERROR, line, 1,
                                 _("milter needs at least one listener"));
                errors++;
            }
        } else if (strcmp(key, "workers") == 0) {
            e = number(value, 1, 64, &c.workers);
        } else if (strcmp(key, "worker_jobs") == 0) {
            e = number(value, 1, 1000000, &c.worker_jobs);
        } else if (strcmp(key, "worker_timeout") == 0) {
            e = number(value, 1, 3600, &c.worker_timeout);
        } else if (strcmp(key, "console") == 0 || strcmp(key, "upload") == 0 ||
                   strcmp(key, "clamd") == 0 || strcmp(key, "mail_relay") == 0) {
            char **slot = strcmp(key, "console") == 0  ? &c.console
                          : strcmp(key, "upload") == 0 ? &c.upload
                          : strcmp(key, "clamd") == 0  ? &c.clamd
                                                       : &c.mail_relay;
            if ((slot == &c.clamd || slot == &c.mail_relay) && !listener_ok(value))
                e = MAMORI_E_SYNTAX;
            if (e == 0) {
                free(*slot);
                if (!(*slot = strdup(value)))
                    e = -ENOMEM;
            }
        } else if (strcmp(key, "console_tls_cert") == 0 || strcmp(key, "console_tls_key") == 0) {
            char **slot = key[12] == 'c' ? &c.tls_cert : &c.tls_key;
            free(*slot);
            if (*value != '/')
                e = MAMORI_E_SYNTAX; /* an absolute path: mamorid may run from anywhere */
            else if (!(*slot = strdup(value)))
                e = -ENOMEM;
        } else if (strcmp(key, "alert_mail") == 0) {
            const char *at = strchr(value, '@');
            if (!at || at == value || !at[1] || strpbrk(value, " <>,\"\r\n"))
                e = MAMORI_E_SYNTAX;
            else {
                free(c.alert_mail);
                if (!(c.alert_mail = strdup(value)))
                    e = -ENOMEM;
            }
        } else {
            mamori_diags_add(diags, MAMORI_SEV_ERROR, line, 1, _("unknown setting '%s'"), key);
            errors++;
        }
        if (e < 0) {
            mamori_diags_add(diags, MAMORI_SEV_ERROR, line, 1, _("'%s' is not a valid %s"), value,
                             key);
            errors++;
        }
    }
    free(text);
    if (errors) {
        mamori_gateway_config_done(&c);
        return MAMORI_E_INVALID;
    }
    if (!c.clamd && !(c.clamd = strdup("unix:/run/clamav/clamd.ctl"))) {
        mamori_gateway_config_done(&c);
        return -ENOMEM;
    }
    if (c.n_milter == 0 &&
        ((r = mamori_gateway_config_set_milter(&c, "unix:run/milter.sock", true)) < 0 ||
         (r = mamori_gateway_config_set_milter(&c, "inet:127.0.0.1:8891", false)) < 0)) {
        mamori_gateway_config_done(&c);
        return r;
    }
    *ret = c;
    return 0;
}
