/*
 * The manager's internal rings: one-way SPSC rings between two manager
 * threads (nic/router -> dispatcher shard, the fill rings back, the
 * handoff rings between shards, the afxdp transmit queues), in private
 * memory, with the same ring code NFs use. They carry the manager's own
 * descriptor, struct mdesc. In lib/ because a port driver that runs its
 * own thread on the manager's pools (ports/afxdp, through ports/host.h)
 * uses them too.
 */
#ifndef TENET_LIB_XRING_H
#define TENET_LIB_XRING_H

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
/* mdesc.chain of a frame the dispatcher classifies (steer: shared, or
 * rules that changed between NIC and host) */
#define CHAIN_UNCLASSIFIED 0xff

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
/* The layout both share: buf to hop, which mdesc_from_nf/mdesc_to_nf keep in place. */
_Static_assert(offsetof(struct mdesc, buf) == offsetof(struct tenet_desc, buf), "mdesc.buf");
_Static_assert(offsetof(struct mdesc, off) == offsetof(struct tenet_desc, off), "mdesc.off");
_Static_assert(offsetof(struct mdesc, len) == offsetof(struct tenet_desc, len), "mdesc.len");
_Static_assert(offsetof(struct mdesc, hash) == offsetof(struct tenet_desc, hash), "mdesc.hash");
_Static_assert(offsetof(struct mdesc, port) == offsetof(struct tenet_desc, port), "mdesc.port");
_Static_assert(offsetof(struct mdesc, hop) == offsetof(struct tenet_desc, hop), "mdesc.hop");
_Static_assert(offsetof(struct mdesc, pool) == offsetof(struct tenet_desc, verdict), "mdesc.pool");
_Static_assert(offsetof(struct mdesc, chain) == offsetof(struct tenet_desc, arg), "mdesc.chain");

/*
 * The two places a descriptor crosses between the manager's view and an
 * NF's, both in the dispatcher (dispatch.c): to_hop puts a packet on an
 * NF's rx ring (mdesc_to_nf), from_nf takes one an NF handed back, once
 * tenet_ring_dequeue_checked validated it and the verdict is read
 * (mdesc_from_nf). buf to hop stay as they are, in the same place (the
 * asserts above); only the last two bytes, the top 16 bits of the second
 * 8-byte word, change. Done on the two words in registers: built field by
 * field, or with byte stores after a copy, the descriptor is written to
 * the stack in pieces and read back whole to be passed on, and that
 * load waits on the pieces (a store-forwarding stall on every packet,
 * measured: the dispatcher's ns per packet went up by a tenth).
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "mdesc: the last two bytes are the top");
_Static_assert(offsetof(struct mdesc, pool) == 14 && TENET_V_NEXT == 0, "mdesc: pool, chain at 14");
#define MDESC_TAIL_SHIFT 48 /* pool (verdict) at bit 48 of the second word, chain (arg) at 56 */
#define MDESC_HEAD_MASK  ((1ull << MDESC_TAIL_SHIFT) - 1)

/* An NF descriptor for the packet d: verdict TENET_V_NEXT, arg 0. */
static inline struct tenet_desc mdesc_to_nf(const struct mdesc *d)
{
	struct tenet_desc nd;
	uint64_t w[2];

	memcpy(w, d, sizeof(w));
	w[1] &= MDESC_HEAD_MASK;
	memcpy(&nd, w, sizeof(nd));
	return nd;
}

/* The manager's descriptor for the packet an NF handed back as nd. */
static inline struct mdesc mdesc_from_nf(const struct tenet_desc *nd, unsigned int pool,
                                         unsigned int chain)
{
	struct mdesc d;
	uint64_t w[2];

	memcpy(w, nd, sizeof(w));
	w[1] = (w[1] & MDESC_HEAD_MASK) | (uint64_t)(uint8_t)pool << MDESC_TAIL_SHIFT |
	       (uint64_t)(uint8_t)chain << (MDESC_TAIL_SHIFT + 8);
	memcpy(&d, w, sizeof(d));
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
