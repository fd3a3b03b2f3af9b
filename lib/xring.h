/*
 * The manager's internal rings: one-way SPSC rings between two manager
 * threads (nic/router -> dispatcher, the fill rings back, the afxdp
 * transmit queues), in private memory, with the same ring code NFs use.
 * In lib/ because a port driver that runs its own thread on the
 * manager's pools (ports/afxdp.c, through ports/host.h) uses them too.
 */
#ifndef TENET_LIB_XRING_H
#define TENET_LIB_XRING_H

#include <stdint.h>

#include "lib/wait.h"
#include "tenet/desc.h"
#include "tenet/ring.h"

/*
 * A descriptor on an internal ring is a struct tenet_desc (same 16 bytes)
 * whose two NF-facing fields mean something else between manager threads:
 * 'verdict' holds the index of the pool the buffer is in (m->pools[]) and
 * 'arg' the chain, or CHAIN_UNCLASSIFIED to ask the dispatcher to classify
 * (steer: shared, or rules that changed between NIC and host). The code
 * reads and writes them only through these accessors.
 */
#define CHAIN_UNCLASSIFIED 0xff

static inline unsigned int xdesc_pool(const struct tenet_desc *d)
{
	return d->verdict;
}

static inline void xdesc_set_pool(struct tenet_desc *d, unsigned int pool)
{
	d->verdict = (uint8_t)pool;
}

static inline unsigned int xdesc_chain(const struct tenet_desc *d)
{
	return d->arg;
}

static inline void xdesc_set_chain(struct tenet_desc *d, unsigned int chain)
{
	d->arg = (uint8_t)chain;
}

struct xring {
	struct tenet_ring prod, cons;
	void *mem;
	int wake_fd; /* eventfd of a consumer that may sleep on the ring, or -1 */
};

/*
 * Producer, after publishing: wake the consumer if it sleeps on the ring
 * (the handshake of lib/wait.h). One atomic read while it is awake.
 */
static inline void xring_wake(struct xring *x)
{
	if (x->wake_fd >= 0 && tenet_ring_needs_kick(&x->prod))
		tenet_event_signal(x->wake_fd);
}

/* A ring of size slots (a power of two), no wake fd; 0 or -ENOMEM / -EINVAL, *x unchanged on error.
 */
int xring_create(struct xring *x, uint32_t size);
/* Free its memory; a ring never created (mem NULL) is a no-op. */
void xring_destroy(struct xring *x);

#endif
