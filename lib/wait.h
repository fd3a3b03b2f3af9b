/*
 * Adaptive waiting on a ring: poll while there is traffic, sleep on an
 * eventfd when there is none, and have the producer wake a sleeping
 * consumer. The handshake is Dekker-style on the ring's 'sleeping' word,
 * with a read-modify-write on both sides (no stand-alone fences, which
 * ThreadSanitizer cannot model):
 *
 *   consumer                              producer
 *   xchg(sleeping, 1)      (seq_cst)      publish prod (release)
 *   ring empty? -> block on eventfd       fetch_or(sleeping, 0) (seq_cst)
 *   xchg(sleeping, 0)                       == 1? -> write eventfd
 *
 * The two RMWs are ordered in the modification order of 'sleeping'. If
 * the producer's comes first, the consumer's xchg reads from it
 * (acquire/release), so the published prod is visible to the consumer's
 * re-check; if the consumer's comes first, the producer reads 1 and
 * kicks. Either way a wakeup cannot be lost.
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
	/* pairs with the fetch_or in tenet_ring_needs_kick */
	__atomic_exchange_n(&r->shm->sleeping, v, __ATOMIC_SEQ_CST);
}

/* Producer: after publishing, does the consumer need a kick? */
static inline int tenet_ring_needs_kick(struct tenet_ring *r)
{
	/* pairs with the exchange in tenet_ring_set_sleeping */
	return __atomic_fetch_or(&r->shm->sleeping, 0, __ATOMIC_SEQ_CST) != 0;
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
