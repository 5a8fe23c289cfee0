/*
 * Gateway module internals: the firewall-log monitor the daemon runs beside the milter.
 */
#ifndef MAMORI_GATEWAY_INTERNAL_H
#define MAMORI_GATEWAY_INTERNAL_H

#include <pthread.h>

#include "mamori/instance.h"

struct mamori_monitor;

/* Starts a thread reading the nflog group the compiled firewall logs denied packets to,
 * counting them, and every few seconds adding the counts to the store with one audit record
 * per attempt seen (fw.deny), plus fw.alert when one source keeps trying one destination.
 * store_lock is held around every store access. Fails (negative) when the group cannot be
 * bound (no CAP_NET_ADMIN, or another listener has it). */
/* relay and alert_to (both or neither): alerts are also mailed, through the relay. */
int mamori_monitor_start(struct mamori_instance *inst, pthread_mutex_t *store_lock,
                         const struct mamori_monitoring *settings, const char *relay,
                         const char *alert_to, struct mamori_monitor **ret);
/* Stops the thread after a last flush. */
void mamori_monitor_stop(struct mamori_monitor *m);

#endif
