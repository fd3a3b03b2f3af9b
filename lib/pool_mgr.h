/*
 * The manager's verbs on a pool it created: the free list and the
 * ownership table. Only the manager's dispatcher (and the set-up and the
 * drain, when no other thread runs) calls these; an NF never allocates or
 * frees, it only hands buffers back with a verdict. Not part of the NF API.
 */
#ifndef TENET_LIB_POOL_MGR_H
#define TENET_LIB_POOL_MGR_H

#include <stdint.h>

#include "tenet/pool.h"

/*
 * Allocate exactly n buffers (all or none) into bufs; each becomes owned by
 * TENET_OWNER_MGR. Returns 0, or -ENOBUFS when fewer than n are free (counted
 * in stats.alloc_fail; nothing is allocated), or -EPERM on an attached pool.
 */
int tenet_pool_alloc_bulk(struct tenet_pool *pool, uint32_t *bufs, unsigned int n);

/* Allocate up to n buffers; returns how many were allocated (0..n). */
unsigned int tenet_pool_alloc_burst(struct tenet_pool *pool, uint32_t *bufs, unsigned int n);

/*
 * Return n buffers to the free list. An index outside the pool is counted
 * in stats.bad_free, an index already free in stats.double_free; neither is
 * freed twice. Returns the number of buffers actually freed.
 */
unsigned int tenet_pool_free_bulk(struct tenet_pool *pool, const uint32_t *bufs, unsigned int n);

static inline void tenet_pool_set_owner(struct tenet_pool *pool, uint32_t idx, uint16_t owner)
{
	pool->owner[idx] = owner;
}

/*
 * Free every buffer owned by 'owner' (an NF that is gone). Returns how many
 * were reclaimed.
 */
unsigned int tenet_pool_reclaim(struct tenet_pool *pool, uint16_t owner);

#endif
