/*
 * Ring set-up and the manager's checked dequeue.
 *
 * The burst verbs are inline in tenet/ring.h; this file holds the slow
 * path (init, bind) and the validation the manager applies to everything
 * an NF hands back, which needs the pool's private ownership table.
 */
#include <errno.h>
#include <string.h>

#include "lib/ring_mgr.h"
#include "lib/pool_mgr.h"
#include "tenet/pool.h"
#include "tenet/ring.h"

static bool size_ok(uint32_t size)
{
	return size >= 2 && size <= TENET_RING_MAX && (size & (size - 1)) == 0;
}

int tenet_ring_init(void *mem, uint32_t size)
{
	struct tenet_ring_shm *shm = mem;

	if (!mem || !size_ok(size) || ((uintptr_t)mem % TENET_RING_GAP))
		return -EINVAL;
	memset(shm, 0, tenet_ring_memsize(size));
	shm->magic = TENET_RING_MAGIC;
	shm->abi = TENET_RING_ABI;
	shm->size = size;
	return 0;
}

static int bind(struct tenet_ring *r, void *mem, size_t memlen, uint32_t size)
{
	struct tenet_ring_shm *shm = mem;

	if (!mem || memlen < sizeof(*shm))
		return -EINVAL;
	if (shm->magic != TENET_RING_MAGIC || shm->abi != TENET_RING_ABI)
		return -EPROTO;
	if (size == 0)
		size = shm->size; /* NF side: the header comes from the manager */
	if (!size_ok(size) || tenet_ring_memsize(size) > memlen)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->shm = shm;
	r->size = size;
	r->mask = size - 1;
	return 0;
}

int tenet_ring_bind_producer(struct tenet_ring *r, void *mem, size_t memlen, uint32_t size)
{
	int err = bind(r, mem, memlen, size);

	if (err)
		return err;
	r->head = tenet_ring_load_acquire(&r->shm->prod);
	r->cached = tenet_ring_load_acquire(&r->shm->cons);
	if (r->head - r->cached > r->size)
		r->cached = r->head - r->size; /* garbage: assume full until a sane cons shows up */
	return 0;
}

int tenet_ring_bind_consumer(struct tenet_ring *r, void *mem, size_t memlen, uint32_t size)
{
	int err = bind(r, mem, memlen, size);

	if (err)
		return err;
	r->head = tenet_ring_load_acquire(&r->shm->cons);
	r->cached = r->head;
	return 0;
}

unsigned int tenet_ring_dequeue_checked(struct tenet_ring *r, struct tenet_pool *pool,
                                        uint16_t nf_id, struct tenet_desc *out, unsigned int n,
                                        struct tenet_ring_rejects *rej)
{
	/* the guarded dequeue copies every slot into out[]: from here on we
	 * look only at our private copy, never at the shared slot again */
	unsigned int got = tenet_ring_dequeue_burst_guarded(r, out, n);
	unsigned int kept = 0;

	for (unsigned int i = 0; i < got; i++) {
		struct tenet_desc d = out[i];

		if (d.buf >= pool->nb_bufs) {
			rej->buf_range++;
			continue;
		}
		if (pool->owner[d.buf] != nf_id) {
			rej->not_owner++;
			continue;
		}
		if (d.len == 0 || (uint32_t)d.off + d.len > pool->buf_size ||
		    d.verdict >= TENET_V_MAX) {
			if (d.verdict >= TENET_V_MAX)
				rej->bad_verdict++;
			else
				rej->bad_len++;
			pool->owner[d.buf] = TENET_OWNER_MGR;
			tenet_pool_free_bulk(pool, &d.buf, 1);
			rej->freed++;
			continue;
		}
		pool->owner[d.buf] = TENET_OWNER_MGR;
		out[kept++] = d;
	}
	return kept;
}
