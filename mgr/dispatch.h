/* The dispatcher shards (mgr/dispatch.c): NF rings, chain hops, cross-tenant copies, tx. */
#ifndef TENET_MGR_DISPATCH_H
#define TENET_MGR_DISPATCH_H

#include "mgr/state.h"

/* One shard's thread; arg is its struct shard. Runs until m->stop.dispatch is raised. */
void *dispatch_thread(void *arg);

#endif
