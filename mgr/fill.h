/*
 * A dispatcher shard's fill rings (mgr/fill.c): keeping the rings its
 * pools feed topped up with empty buffers, within each pool's in-flight
 * budget.
 */
#ifndef TENET_MGR_FILL_H
#define TENET_MGR_FILL_H

#include "mgr/state.h"

/* One shard's view of its pools' fill and xfill rings; the shard's thread only. */
struct fill_state {
	unsigned int shard;
	struct mgr_pool *pools[CFG_MAX_TENANTS]; /* the pools the shard owns */
	unsigned int nb_pools;
	uint32_t target[CFG_MAX_TENANTS];  /* level per fill ring of pool k (fill_targets) */
	uint32_t xtarget[CFG_MAX_TENANTS]; /* level per xfill ring of pool k */
};

/* Find the pools shard 'shard' owns and the level of each of their rings. */
void fill_init(struct fill_state *f, struct mgr *m, unsigned int shard);
/*
 * Top up the fill rings of the shard's pools (the receive ports' and the
 * router's, unless the pool is over its budget) and their xfill rings
 * (copies from the other shards), waking a consumer that sleeps on one.
 * Sets each pool's 'withheld' (read by the NIC stages: nic.c,
 * wait_owner): its rings needed buffers and got none or not all, the
 * pool being over its budget or out of free buffers. Returns the number
 * of buffers posted.
 */
unsigned int fill_refill(struct fill_state *f, struct mgr *m);

#endif
