/*
 * libFuzzer target for the manager's checked dequeue from an NF's tx ring
 * (tenet_ring_dequeue_checked): the input plays the NF, which owns the
 * shared prod index and the slots and may scribble on cons too. It sets up
 * a small ring over a 64-buffer pool with an ownership table (free, held by
 * the NF, by another NF or by the manager), then runs a program of NF
 * writes and manager dequeues. After every dequeue it checks that nothing
 * beyond the ring was read, every descriptor kept is in range, was the
 * NF's and is now the manager's, the rejects add up, and the pool's free
 * list and ownership table agree. Each input starts from a full free pool.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ring_mgr.h"
#include "lib/pool_mgr.h"
#include "tenet/log.h"
#include "tenet/pool.h"
#include "tenet/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

#define NB_BUFS  64
#define RING_MAX 16
#define NF_ID    1
#define NF_OTHER 2
#define BURST    40 /* more than RING_MAX: the manager may ask for more than fits */

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint16_t u16(struct input *in)
{
	return (uint16_t)(u8(in) | u8(in) << 8);
}

static uint32_t u32(struct input *in)
{
	return (uint32_t)u16(in) | (uint32_t)u16(in) << 16;
}

/* Free list and ownership table agree: a buffer is free iff it is on the list, once. */
static void check_pool(const struct tenet_pool *pool)
{
	uint8_t on_list[NB_BUFS] = {0};
	unsigned int nb_free_owner = 0;

	CHECK(pool->nb_free <= NB_BUFS);
	for (uint32_t i = 0; i < pool->nb_free; i++) {
		uint32_t b = pool->free_stack[i];

		CHECK(b < NB_BUFS && !on_list[b]);
		CHECK(pool->owner[b] == TENET_OWNER_FREE);
		on_list[b] = 1;
	}
	for (uint32_t b = 0; b < NB_BUFS; b++)
		nb_free_owner += pool->owner[b] == TENET_OWNER_FREE;
	CHECK(nb_free_owner == pool->nb_free);
}

static uint64_t rejects(const struct tenet_ring_rejects *r)
{
	return r->buf_range + r->not_owner + r->bad_len + r->bad_verdict;
}

static void dequeue(struct tenet_ring *r, struct tenet_pool *pool, unsigned int n,
                    struct tenet_ring_rejects *rej)
{
	struct tenet_desc out[BURST], slot[RING_MAX];
	struct tenet_ring_rejects before = *rej;
	uint16_t owner[NB_BUFS];
	uint8_t seen[NB_BUFS] = {0};
	uint32_t head = r->head, got;
	unsigned int kept, j = 0, to_free = 0;

	memcpy(owner, pool->owner, sizeof(owner));
	memcpy(slot, r->shm->slot, r->size * sizeof(slot[0]));
	kept = tenet_ring_dequeue_checked(r, pool, NF_ID, out, n, rej);
	got = r->head - head;

	CHECK(got <= n && got <= r->size && kept <= got);
	CHECK(r->cached - r->head <= r->size); /* the cached view was checked */
	if (got)
		CHECK(r->shm->cons == r->head);
	CHECK(rejects(rej) - rejects(&before) == got - kept);
	CHECK(rej->freed - before.freed <=
	      rej->bad_len - before.bad_len + rej->bad_verdict - before.bad_verdict);
	for (unsigned int i = 0; i < kept; i++) {
		const struct tenet_desc *d = &out[i];

		CHECK(d->buf < NB_BUFS && !seen[d->buf]);
		seen[d->buf] = 1;
		CHECK(d->len > 0 && (uint32_t)d->off + d->len <= pool->buf_size);
		CHECK(d->verdict < TENET_V_MAX);
		CHECK(owner[d->buf] == NF_ID && pool->owner[d->buf] == TENET_OWNER_MGR);
		/* kept descriptors are the dequeued slots, in order, unchanged */
		while (j < got && memcmp(&slot[(head + j) & r->mask], d, sizeof(*d)) != 0)
			j++;
		CHECK(j < got);
		j++;
	}
	/* ownership moved only from the NF: to the manager (kept) or to the free list */
	for (uint32_t b = 0; b < NB_BUFS; b++) {
		if (pool->owner[b] == owner[b])
			continue;
		CHECK(owner[b] == NF_ID);
		if (pool->owner[b] == TENET_OWNER_FREE)
			to_free++;
		else
			CHECK(pool->owner[b] == TENET_OWNER_MGR && seen[b]);
	}
	CHECK(to_free == rej->freed - before.freed);
	check_pool(pool);
}

/* Back to a pool with every buffer free. */
static void reset(struct tenet_pool *pool)
{
	uint32_t b;

	tenet_pool_reclaim(pool, NF_ID);
	tenet_pool_reclaim(pool, NF_OTHER);
	for (b = 0; b < NB_BUFS; b++)
		if (pool->owner[b] == TENET_OWNER_MGR)
			CHECK(tenet_pool_free_bulk(pool, &b, 1) == 1);
	CHECK(pool->nb_free == NB_BUFS);
	check_pool(pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tenet_pool *pool;
	static void *mem;
	struct input in = {data, size};
	struct tenet_ring_rejects rej = {0};
	struct tenet_ring r;
	struct tenet_ring_shm *shm;
	uint32_t bufs[NB_BUFS], rsize, cons;

	if (!pool) {
		tenet_set_log(NULL);
		pool = tenet_pool_create("fuzz", NB_BUFS, 0, TENET_POOL_F_NO_HUGE);
		mem = aligned_alloc(TENET_RING_GAP, tenet_ring_memsize(RING_MAX));
		CHECK(pool && mem);
	}
	CHECK(pool->nb_free == NB_BUFS);

	/* ownership table: 2 bits per buffer */
	CHECK(tenet_pool_alloc_bulk(pool, bufs, NB_BUFS) == 0);
	for (uint32_t b = 0; b < NB_BUFS; b += 4) {
		uint8_t o = u8(&in);

		for (uint32_t k = 0; k < 4; k++, o >>= 2) {
			static const uint16_t who[4] = {TENET_OWNER_FREE, NF_ID, NF_OTHER,
			                                TENET_OWNER_MGR};
			uint32_t x = b + k;

			if (who[o & 3] == TENET_OWNER_FREE)
				CHECK(tenet_pool_free_bulk(pool, &x, 1) == 1);
			else
				tenet_pool_set_owner(pool, x, who[o & 3]);
		}
	}
	check_pool(pool);

	/* the ring, with indices anywhere in the 32-bit space */
	rsize = 2u << (u8(&in) % 4);
	CHECK(tenet_ring_init(mem, rsize) == 0);
	shm = mem;
	cons = u32(&in);
	shm->cons = cons;
	shm->prod = cons + (uint32_t)(int8_t)u8(&in);
	CHECK(tenet_ring_bind_consumer(&r, mem, tenet_ring_memsize(rsize), rsize) == 0);
	CHECK(r.head == cons && r.size == rsize);

	while (in.n) {
		uint8_t op = u8(&in);

		switch (op % 8) {
		case 0:
		case 1: { /* NF writes a slot */
			struct tenet_desc d;
			uint8_t b = u8(&in), f = u8(&in);

			d.buf = b & 0x80 ? u32(&in) : b % (NB_BUFS + 4);
			d.off = f & 1 ? u16(&in) : u8(&in);
			d.len = f & 2 ? u16(&in) : (uint16_t)(u8(&in) << 3);
			d.hash = 0;
			d.port = 0;
			d.hop = 0;
			d.verdict = (uint8_t)(f >> 2) % (TENET_V_MAX + 2);
			d.arg = 0;
			shm->slot[(op >> 3) % rsize] = d;
			break;
		}
		case 2: /* NF publishes a prod near the manager's head */
			shm->prod = r.head + (uint32_t)(int8_t)u8(&in);
			if (op & 0x80) { /* the manager polls the fill level */
				uint32_t avail = shm->prod - r.head, n = tenet_ring_count(&r);

				CHECK(n == (avail <= rsize ? avail : 0));
				CHECK(r.cached - r.head <= rsize);
			}
			break;
		case 3: /* NF writes garbage anywhere it can */
			if (op & 0x80)
				shm->prod = u32(&in);
			else
				shm->cons = u32(&in);
			break;
		case 4:
		case 5: /* manager */
			dequeue(&r, pool, 1 + (op >> 3) % BURST, &rej);
			break;
		case 6: { /* manager hands a buffer to the NF (rx) */
			uint32_t b = (op >> 3) % NB_BUFS;

			if (pool->owner[b] == TENET_OWNER_MGR)
				tenet_pool_set_owner(pool, b, NF_ID);
			else if (tenet_pool_alloc_bulk(pool, &b, 1) == 0)
				tenet_pool_set_owner(pool, b, NF_ID);
			check_pool(pool);
			break;
		}
		default: { /* manager sends a buffer out: it is free again */
			uint32_t b = (op >> 3) % NB_BUFS;

			if (pool->owner[b] == TENET_OWNER_MGR)
				CHECK(tenet_pool_free_bulk(pool, &b, 1) == 1);
			check_pool(pool);
			break;
		}
		}
	}
	reset(pool);
	return 0;
}
