/*
 * Adaptive waiting on a ring: poll while there is traffic, sleep on an
 * eventfd when there is none, and have the producer wake a sleeping
 * consumer. The handshake is Dekker-style on the ring's 'sleeping' word:
 *
 *   consumer                          producer
 *   sleeping = 1                      publish prod (release)
 *   fence (seq_cst)   <-- pairs -->   fence (seq_cst)
 *   ring empty? -> block on eventfd   sleeping? -> write eventfd
 *   sleeping = 0
 *
 * Either the consumer sees the new descriptors before blocking, or the
 * producer sees sleeping == 1 and kicks: a wakeup cannot be lost.
 */
#ifndef TENET_WAIT_H
#define TENET_WAIT_H

#include <stdint.h>
#include <unistd.h>

#include "tenet/ring.h"

/* Empty polls before a consumer goes to sleep. */
#define TENET_SPIN_POLLS 256

static inline void tenet_ring_set_sleeping(struct tenet_ring *r, uint32_t v)
{
	__atomic_store_n(&r->shm->sleeping, v, __ATOMIC_RELAXED);
	/* pairs with the fence in tenet_ring_kick: order the flag before our
	 * re-check of prod (or, when clearing, before the next poll) */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Producer: after publishing, does the consumer need a kick? */
static inline int tenet_ring_needs_kick(struct tenet_ring *r)
{
	/* pairs with the fence in tenet_ring_set_sleeping */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&r->shm->sleeping, __ATOMIC_RELAXED) != 0;
}

static inline void tenet_event_signal(int efd)
{
	uint64_t one = 1;
	ssize_t rc = write(efd, &one, sizeof(one));

	(void)rc; /* EAGAIN: the counter is already non-zero, the kick is pending */
}

static inline void tenet_event_drain(int efd)
{
	uint64_t v;
	ssize_t rc = read(efd, &v, sizeof(v));

	(void)rc;
}

#endif
