/* The NIC model and the router threads (mgr/nic.c). */
#ifndef TENET_MGR_NIC_H
#define TENET_MGR_NIC_H

#include "mgr/state.h"

struct nic_arg {
	struct mgr *m;
	struct mport *p;
};

/* A port's NIC stage: parse, classify, DMA into a pool; arg is a struct nic_arg. */
void *nic_thread(void *arg);
/* steer: cpu: classify and copy from the ingress pool; arg is the struct mgr. */
void *router_thread(void *arg);

#endif
