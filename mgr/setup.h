/*
 * mgr/setup.c: Set-up and teardown of the platform a config describes: the tenant pools
 * (and the ingress pool of steer: cpu), the rule table and the NIC-side
 * scans, the ports, and each tenant's control socket. The run loop
 * (mgr.c) calls these in order; teardown undoes whatever was done.
 */
#ifndef TENET_MGR_SETUP_H
#define TENET_MGR_SETUP_H

#include <stdbool.h>

#include "mgr/state.h"

/* The dispatcher shards' eventfds and handoff rings (before the pools and ports). */
int setup_shards(struct mgr *m);
int setup_pools(struct mgr *m);
int setup_classifier(struct mgr *m);
int setup_ports(struct mgr *m);
int setup_sockets(struct mgr *m, int epfd);
void teardown(struct mgr *m);

#endif
