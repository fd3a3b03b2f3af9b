/*
 * Single-producer / single-consumer descriptor ring in shared memory.
 *
 * One side produces, the other consumes; each keeps a private handle with
 * its own index and a cached copy of the other side's index, so the shared
 * cache lines are touched only when the cached view runs out.
 *
 *   struct tenet_ring_shm (in a memfd shared by manager and NF)
 *   +----------------------+  magic, abi, size          (m) set once at init
 *   | prod        (line A) |  next slot to fill         written by producer
 *   | cons        (line B) |  next slot to drain        written by consumer
 *   | sleeping    (line C) |  consumer blocks on event  written by consumer
 *   | slot[size]           |  descriptors               written by producer
 *   +----------------------+
 *
 * Invariant (honest sides): 0 <= prod - cons <= size, in unsigned 32-bit
 * arithmetic; slots [cons, prod) hold descriptors, [prod, cons + size) are
 * free. Indices run freely and are masked on use.
 *
 * Trust: the manager talks to NFs through the _guarded verbs, which read
 * the NF-written index once, reject a value that breaks the invariant
 * (counted in bad_index) and copy every slot before anything looks at it.
 * The plain verbs trust the other side and are for NFs and tests.
 */
#ifndef TENET_RING_H
#define TENET_RING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tenet/desc.h"

#define TENET_RING_MAGIC 0x524e4554u /* "TENR" */
#define TENET_RING_ABI   1u
#define TENET_RING_MAX   (1u << 20)
#define TENET_CACHE_LINE 64
/* Indices sit two lines apart so adjacent-line prefetch does not pair them. */
#define TENET_RING_GAP 128

struct tenet_ring_shm {
	uint32_t magic; /* (m) TENET_RING_MAGIC */
	uint32_t abi;   /* (m) TENET_RING_ABI */
	uint32_t size;  /* (m) number of slots, a power of two */
	uint32_t pad0;
	_Alignas(TENET_RING_GAP) uint32_t prod;     /* producer side */
	_Alignas(TENET_RING_GAP) uint32_t cons;     /* consumer side */
	_Alignas(TENET_RING_GAP) uint32_t sleeping; /* consumer side: 1 while it waits */
	_Alignas(TENET_RING_GAP) struct tenet_desc slot[];
};

/* Private per-side handle. Never shared. */
struct tenet_ring {
	struct tenet_ring_shm *shm;
	uint32_t size;
	uint32_t mask;
	uint32_t head;      /* producer: next prod; consumer: next cons */
	uint32_t cached;    /* producer: last cons seen; consumer: last prod seen */
	uint64_t bad_index; /* guarded verbs: other side's index broke the invariant */
};

/* Bytes of shared memory a ring of 'size' slots needs (size a power of two). */
static inline size_t tenet_ring_memsize(uint32_t size)
{
	return sizeof(struct tenet_ring_shm) + (size_t)size * sizeof(struct tenet_desc);
}

/*
 * Initialise a ring in place in 'mem' (tenet_ring_memsize(size) bytes,
 * 128-byte aligned). size must be a power of two in 2..TENET_RING_MAX.
 * Returns 0 or -EINVAL.
 */
int tenet_ring_init(void *mem, uint32_t size);

/*
 * Bind a private handle to a ring. 'size' is the size the caller knows to be
 * right (the manager: the size it created; an NF: 0 to take it from the
 * header after checking magic, ABI and that it fits in 'memlen' bytes).
 * The handle starts at the current shared index of its own side.
 * Returns 0, -EPROTO (bad magic/ABI) or -EINVAL (size mismatch).
 */
int tenet_ring_bind_producer(struct tenet_ring *r, void *mem, size_t memlen, uint32_t size);
int tenet_ring_bind_consumer(struct tenet_ring *r, void *mem, size_t memlen, uint32_t size);

/* ---- fast path ---------------------------------------------------------- */

static inline uint32_t tenet_ring_load_acquire(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void tenet_ring_store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void tenet_ring_copy_in(struct tenet_ring *r, const struct tenet_desc *d,
                                      unsigned int n)
{
	uint32_t i = r->head & r->mask;

	if (i + n <= r->size) {
		memcpy(&r->shm->slot[i], d, n * sizeof(*d));
	} else {
		uint32_t first = r->size - i;

		memcpy(&r->shm->slot[i], d, first * sizeof(*d));
		memcpy(&r->shm->slot[0], d + first, (n - first) * sizeof(*d));
	}
}

static inline void tenet_ring_copy_out(struct tenet_ring *r, struct tenet_desc *d, unsigned int n)
{
	uint32_t i = r->head & r->mask;

	if (i + n <= r->size) {
		memcpy(d, &r->shm->slot[i], n * sizeof(*d));
	} else {
		uint32_t first = r->size - i;

		memcpy(d, &r->shm->slot[i], first * sizeof(*d));
		memcpy(d + first, &r->shm->slot[0], (n - first) * sizeof(*d));
	}
}

/*
 * The one body of each burst verb. 'guarded' is a constant at every call
 * (the four verbs below), so each verb compiles to its own straight code.
 * Guarded: the other side's index is read once, and a value that breaks
 * the invariant (more than 'size' slots apart from ours) is counted in
 * bad_index and read as "no slots", never kept.
 */
static inline __attribute__((always_inline)) unsigned int
tenet_ring_enqueue_common(struct tenet_ring *r, const struct tenet_desc *d, unsigned int n,
                          const int guarded)
{
	uint32_t free_slots = r->size - (r->head - r->cached);

	if (free_slots < n) {
		/* acquire pairs with the consumer's release of cons: the slots it
		 * hands back are no longer being read when we overwrite them */
		uint32_t cons = tenet_ring_load_acquire(&r->shm->cons);

		if (guarded && r->head - cons > r->size) {
			r->bad_index++;
			return 0;
		}
		r->cached = cons;
		free_slots = r->size - (r->head - cons);
		if (n > free_slots)
			n = free_slots;
		if (n == 0)
			return 0;
	}
	tenet_ring_copy_in(r, d, n);
	r->head += n;
	/* release pairs with the consumer's acquire of prod: the slot writes
	 * above are visible before the new prod is */
	tenet_ring_store_release(&r->shm->prod, r->head);
	return n;
}

static inline __attribute__((always_inline)) unsigned int
tenet_ring_dequeue_common(struct tenet_ring *r, struct tenet_desc *d, unsigned int n,
                          const int guarded)
{
	uint32_t avail = r->cached - r->head;

	if (avail < n) {
		/* acquire pairs with the producer's release of prod */
		uint32_t prod = tenet_ring_load_acquire(&r->shm->prod);

		if (guarded && prod - r->head > r->size) {
			r->bad_index++;
			return 0;
		}
		r->cached = prod;
		avail = prod - r->head;
		if (n > avail)
			n = avail;
		if (n == 0)
			return 0;
	}
	tenet_ring_copy_out(r, d, n);
	r->head += n;
	/* release pairs with the producer's acquire of cons: our slot reads
	 * are done before the producer may reuse the slots */
	tenet_ring_store_release(&r->shm->cons, r->head);
	return n;
}

/*
 * Producer: enqueue up to n descriptors; returns how many (0..n).
 * Trusts the consumer's index.
 */
static inline unsigned int tenet_ring_enqueue_burst(struct tenet_ring *r,
                                                    const struct tenet_desc *d, unsigned int n)
{
	return tenet_ring_enqueue_common(r, d, n, 0);
}

/*
 * Consumer: dequeue up to n descriptors into d; returns how many (0..n).
 * Trusts the producer's index.
 */
static inline unsigned int tenet_ring_dequeue_burst(struct tenet_ring *r, struct tenet_desc *d,
                                                    unsigned int n)
{
	return tenet_ring_dequeue_common(r, d, n, 0);
}

/*
 * Producer facing a hostile consumer (manager -> NF rx ring). The consumer
 * index is read once; a value outside [head - size, head] is counted in
 * bad_index and treated as "ring full". A consumer can only starve itself.
 */
static inline unsigned int
tenet_ring_enqueue_burst_guarded(struct tenet_ring *r, const struct tenet_desc *d, unsigned int n)
{
	return tenet_ring_enqueue_common(r, d, n, 1);
}

/*
 * Consumer facing a hostile producer (NF tx ring -> manager). The producer
 * index is read once; a value claiming more than 'size' filled slots is
 * counted in bad_index and treated as "ring empty", so a garbage index can
 * never make the manager read more than the ring holds. Slots are copied
 * out before the caller looks at them; the caller must still validate
 * every descriptor (see tenet_ring_dequeue_checked).
 */
static inline unsigned int tenet_ring_dequeue_burst_guarded(struct tenet_ring *r,
                                                            struct tenet_desc *d, unsigned int n)
{
	return tenet_ring_dequeue_common(r, d, n, 1);
}

/*
 * Free slots a producer could fill now: what its cached view shows when
 * that is at least 'need', else what the consumer's index says (read with
 * acquire, and kept). A consumer index that breaks the invariant reads as
 * 0 and is not kept (the guarded enqueue counts it).
 */
static inline uint32_t tenet_ring_room(struct tenet_ring *r, uint32_t need)
{
	uint32_t room = r->size - (r->head - r->cached), cons;

	if (room >= need)
		return room;
	/* acquire pairs with the consumer's release of cons */
	cons = tenet_ring_load_acquire(&r->shm->cons);
	if (r->head - cons > r->size)
		return 0;
	r->cached = cons;
	return r->size - (r->head - cons);
}

/*
 * Number of descriptors a consumer could dequeue now (refreshes its view).
 * A producer index that breaks the invariant reads as 0 and is not kept:
 * the guarded dequeue trusts the cached view, so it must only ever hold a
 * value that was checked.
 */
static inline uint32_t tenet_ring_count(struct tenet_ring *r)
{
	/* acquire pairs with the producer's release of prod */
	uint32_t prod = tenet_ring_load_acquire(&r->shm->prod);
	uint32_t avail = prod - r->head;

	if (avail > r->size)
		return 0;
	r->cached = prod;
	return avail;
}

#endif /* TENET_RING_H */
