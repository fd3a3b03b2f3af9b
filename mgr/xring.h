/*
 * The manager's internal rings: one-way SPSC rings between two manager
 * threads (nic/router -> dispatcher shard, the fill rings back, the
 * handoff rings between shards, the afxdp transmit queues), in private
 * memory, with the same ring code NFs use. They carry the manager's own
 * descriptor, struct mdesc.
 */
#ifndef TENET_MGR_XRING_H
#define TENET_MGR_XRING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/wait.h"
#include "tenet/desc.h"
#include "tenet/ring.h"

/*
 * The manager's descriptor: what moves on an internal ring. The same 16
 * bytes as the NF-facing struct tenet_desc, and the same first 14 (buf
 * to hop); the last two say where the packet is and what it belongs to,
 * where an NF's descriptor carries its verdict. Written and read by
 * manager threads only: nothing in it is NF input.
 */
#define CHAIN_UNCLASSIFIED                                                                         \
	0xff /* mdesc.chain: the dispatcher classifies (steer: shared,                             \
	      * or rules that changed between NIC and host) */

struct mdesc {
	uint32_t buf;  /* buffer index in pool 'pool' */
	uint16_t off;  /* offset of the frame from the start of the buffer */
	uint16_t len;  /* frame length in bytes */
	uint32_t hash; /* flow hash (symmetric 5-tuple hash, 0 if not IP) */
	uint8_t port;  /* ingress port */
	uint8_t hop;   /* chain position the host starts at, or of the hop that holds it */
	uint8_t pool;  /* index of the pool the buffer is in (m->pools[]) */
	uint8_t chain; /* chain index, or CHAIN_UNCLASSIFIED */
};

/* The slots of a ring are struct tenet_desc: an mdesc fits one exactly. */
_Static_assert(sizeof(struct mdesc) == sizeof(struct tenet_desc), "mdesc: one ring slot");
_Static_assert(_Alignof(struct mdesc) == _Alignof(struct tenet_desc), "mdesc: slot alignment");
/* The layout both share, which mdesc_from_nf/mdesc_to_nf copy as it is. */
#define MDESC_SHARED offsetof(struct mdesc, pool)
_Static_assert(offsetof(struct mdesc, buf) == offsetof(struct tenet_desc, buf), "mdesc.buf");
_Static_assert(offsetof(struct mdesc, off) == offsetof(struct tenet_desc, off), "mdesc.off");
_Static_assert(offsetof(struct mdesc, len) == offsetof(struct tenet_desc, len), "mdesc.len");
_Static_assert(offsetof(struct mdesc, hash) == offsetof(struct tenet_desc, hash), "mdesc.hash");
_Static_assert(offsetof(struct mdesc, port) == offsetof(struct tenet_desc, port), "mdesc.port");
_Static_assert(offsetof(struct mdesc, hop) == offsetof(struct tenet_desc, hop), "mdesc.hop");
_Static_assert(MDESC_SHARED == offsetof(struct tenet_desc, verdict), "mdesc: shared prefix");

/*
 * The two places a descriptor crosses between the manager's view and an
 * NF's, both in the dispatcher (dispatch.c): to_hop puts a packet on an
 * NF's rx ring (mdesc_to_nf), from_nf takes one an NF handed back, once
 * tenet_ring_dequeue_checked validated it and the verdict is read
 * (mdesc_from_nf). buf to hop are copied as they are.
 */
static inline struct tenet_desc mdesc_to_nf(const struct mdesc *d)
{
	struct tenet_desc nd;

	memcpy(&nd, d, MDESC_SHARED);
	nd.verdict = TENET_V_NEXT;
	nd.arg = 0;
	return nd;
}

static inline struct mdesc mdesc_from_nf(const struct tenet_desc *nd, unsigned int pool,
                                         unsigned int chain)
{
	struct mdesc d;

	memcpy(&d, nd, MDESC_SHARED);
	d.pool = (uint8_t)pool;
	d.chain = (uint8_t)chain;
	return d;
}

struct xring {
	struct tenet_ring prod, cons;
	void *mem;
	int wake_fd; /* eventfd of a consumer that may sleep on the ring, or -1 */
};

/*
 * Burst verbs of an internal ring: the ring's one body (tenet/ring.h,
 * trusting the other side: both are the manager), with mdesc in the
 * slots. The body moves descriptors only with memcpy (tenet_ring_copy_in,
 * _copy_out), never through a struct tenet_desc lvalue, so the bytes of
 * an mdesc pass through unread: no strict-aliasing question, and the
 * asserts above keep a slot exactly one mdesc.
 */
static inline unsigned int xring_enqueue(struct xring *x, const struct mdesc *d, unsigned int n)
{
	return tenet_ring_enqueue_burst(&x->prod, (const struct tenet_desc *)(const void *)d, n);
}

static inline unsigned int xring_dequeue(struct xring *x, struct mdesc *d, unsigned int n)
{
	return tenet_ring_dequeue_burst(&x->cons, (struct tenet_desc *)(void *)d, n);
}

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
