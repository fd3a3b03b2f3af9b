/*
 * The manager's internal rings: one-way SPSC rings between two manager
 * threads (nic/router -> dispatcher, the fill rings back, the afxdp
 * transmit queues), in private memory, with the same ring code NFs use.
 */
#ifndef TENET_MGR_XRING_H
#define TENET_MGR_XRING_H

#include <stdint.h>

#include "tenet/ring.h"

struct xring {
	struct tenet_ring prod, cons;
	void *mem;
};

/* A ring of size slots (a power of two); 0 or -ENOMEM / -EINVAL, *x unchanged on error. */
int xring_create(struct xring *x, uint32_t size);
/* Free its memory; a ring never created (mem NULL) is a no-op. */
void xring_destroy(struct xring *x);

#endif
