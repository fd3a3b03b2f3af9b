/* The dispatcher thread (mgr/dispatch.c): NF rings, chain hops, cross-tenant copies, tx. */
#ifndef TENET_MGR_DISPATCH_H
#define TENET_MGR_DISPATCH_H

#include "mgr/state.h"

/* The thread; arg is the struct mgr. Runs until stop_dispatch is raised. */
void *dispatch_thread(void *arg);

#endif
