/*
 * mgr/supervisor.c: The NF supervisor, on the control thread: start the NF processes the
 * config declares (each with only its own fds, as its tenant's user),
 * reap them, and restart one that died after a back-off that doubles while
 * it keeps dying quickly (MGR_BACKOFF_*), up to MGR_RESTART_MAX.
 */
#ifndef TENET_MGR_SUPERVISOR_H
#define TENET_MGR_SUPERVISOR_H

#include <stdbool.h>

#include "mgr/state.h"

/* Give fds 0-2 something harmless if the manager was started without them,
 * so that no file it opens later takes their number and reaches an NF. */
void std_fds_open(void);
void start_services(struct mgr *m);
/* Start the instances whose restart is due. */
void supervise(struct mgr *m, double now);
void reap(struct mgr *m, bool stopping);
unsigned int children_alive(struct mgr *m);
void signal_children(struct mgr *m, int sig);
/* Number of services started by the manager whose instances are not all attached. */
unsigned int services_waiting(struct mgr *m);

#endif
