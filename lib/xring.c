/*
 * The manager's internal rings (see xring.h): cache-aligned private
 * memory, one producer and one consumer view of it.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/xring.h"

int xring_create(struct xring *x, uint32_t size)
{
	size_t len = tenet_ring_memsize(size);

	len = (len + TENET_RING_GAP - 1) / TENET_RING_GAP * TENET_RING_GAP;
	x->mem = aligned_alloc(TENET_RING_GAP, len);
	if (!x->mem)
		return -ENOMEM;
	if (tenet_ring_init(x->mem, size) ||
	    tenet_ring_bind_producer(&x->prod, x->mem, len, size) ||
	    tenet_ring_bind_consumer(&x->cons, x->mem, len, size)) {
		free(x->mem);
		x->mem = NULL;
		return -EINVAL;
	}
	x->wake_fd = -1;
	return 0;
}

void xring_destroy(struct xring *x)
{
	free(x->mem);
	x->mem = NULL;
}
