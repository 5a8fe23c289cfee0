/*
 * mamori gateway: the mail gateway daemon's work (docs/internals/gateway.md).
 *
 * The sanitizing job that runs in sandboxed workers (used by mamorid and by
 * `mamori sanitize mail`), the daemon's configuration file, and the daemon itself.
 */
#ifndef MAMORI_GATEWAY_H
#define MAMORI_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>

#include "mamori/core.h"
#include "mamori/instance.h"
#include "mamori/mail.h"
#include "mamori/sandbox.h"

/* ---- the sanitizing job (runs in a worker) ---------------------------------------------- */

/* The job's context: the engine's options and, in the worker, the type detector. The options
 * are copied into the worker when it starts. */
struct mamori_mail_job {
    struct mamori_mail_options opts;
    void *magic; /* libmagic cookie, in the worker */
};

/* A request to the job: this header, then the message. The header is 'M' and the link
 * modes to use for this message (enum mamori_url_mode, or MAMORI_MAIL_JOB_POLICY for the
 * options the job was made with): a sender rule changes them per message. */
#define MAMORI_MAIL_JOB_HEADER 3
#define MAMORI_MAIL_JOB_POLICY 0xff
void mamori_mail_job_header(char out[MAMORI_MAIL_JOB_HEADER], int urls, int mailto);

/* Worker callbacks (mamori/sandbox.h): init loads GMime and the type database before the
 * sandbox closes; run sanitizes one message and answers with the result frames (attachment
 * bytes dropped: the original is what is kept). */
int mamori_mail_job_init(void *job);
int mamori_mail_job_run(void *job, const char *req, size_t len, struct mamori_buf *resp);

/* ---- configuration (DIR/mamorid.conf) ---------------------------------------------------- */

#define MAMORI_GATEWAY_MAX_LISTENERS 8

struct mamori_gateway_config {
    char *milter[MAMORI_GATEWAY_MAX_LISTENERS]; /* "unix:PATH" (relative to DIR) or
                                                 * "inet:HOST:PORT" */
    size_t n_milter;
    unsigned workers;         /* default 2 */
    unsigned worker_jobs;     /* default 1000 */
    unsigned worker_timeout;  /* seconds, default 30 */
    char *console, *upload;   /* host:port of the console's LGWAN and internet faces */
    char *tls_cert, *tls_key; /* the console's TLS certificate and key (PEM, absolute paths) */
    char *clamd;              /* clamd's socket, default unix:/run/clamav/clamd.ctl */
    char *mail_relay;         /* the LGWAN-side MTA mamori's own mail goes through (released
                               * originals, alerts); none by default */
    char *alert_mail;         /* who receives alerts by mail (through mail_relay), or NULL */
};

/* Reads a configuration file: `key = value` lines, '#' comments. Unknown keys and bad values
 * are errors in diags (FILE:LINE). A missing file gives the defaults. */
int mamori_gateway_config_load(const char *path, struct mamori_gateway_config *ret,
                               struct mamori_diags *diags);
void mamori_gateway_config_done(struct mamori_gateway_config *c);
/* Replaces the milter listeners with one given on the command line (first call clears). */
int mamori_gateway_config_set_milter(struct mamori_gateway_config *c, const char *spec, bool first);

/* ---- the daemon ------------------------------------------------------------------------- */

/* Runs the gateway for an open instance until SIGTERM/SIGINT (0) or a fatal start-up error
 * (negative; the reason printed to stderr). SIGHUP reloads the policy. */
int mamori_gateway_run(struct mamori_instance *inst, const struct mamori_gateway_config *conf);

#endif
