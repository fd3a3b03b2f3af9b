/*
 * Unit tests of the SPSC descriptor ring (tenet/ring.h, lib/ring.c).
 *
 * What is checked: init and bind refuse what they document; burst verbs
 * move 0..n and keep FIFO order across the end of the slot array and the
 * 32-bit wrap of the free-running indices; the guarded verbs, fed garbage
 * indices, never hand out more than the ring holds and count each garbage
 * read in bad_index; tenet_ring_dequeue_checked rejects forged, foreign,
 * stale and doubled buffer indices and bad off/len/verdict into the right
 * counter, keeps the valid ones in order and takes them back from the NF;
 * and two threads moving millions of descriptors lose, duplicate and
 * reorder none (this one also runs under ThreadSanitizer).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/ring_mgr.h"
#include "lib/pool_mgr.h"
#include "tenet/log.h"
#include "tenet/pool.h"
#include "tenet/ring.h"

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

/* Descriptors per stress run: a few million, fewer under TSan (~10x slower). */
#ifdef UNDER_TSAN
#define STRESS_COUNT (2u << 20)
#else
#define STRESS_COUNT (4u << 20)
#endif

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static size_t mem_len(uint32_t size)
{
	size_t len = tenet_ring_memsize(size);

	return (len + TENET_RING_GAP - 1) / TENET_RING_GAP * TENET_RING_GAP;
}

static struct tenet_ring_shm *ring_new(uint32_t size)
{
	void *mem = aligned_alloc(TENET_RING_GAP, mem_len(size));

	assert_non_null(mem);
	assert_int_equal(tenet_ring_init(mem, size), 0);
	return mem;
}

/* A ring with a producer and a consumer handle bound to it. */
struct pair {
	struct tenet_ring_shm *shm;
	struct tenet_ring p, c;
};

static void pair_new(struct pair *x, uint32_t size, uint32_t start)
{
	x->shm = ring_new(size);
	x->shm->prod = start;
	x->shm->cons = start;
	assert_int_equal(tenet_ring_bind_producer(&x->p, x->shm, mem_len(size), size), 0);
	assert_int_equal(tenet_ring_bind_consumer(&x->c, x->shm, mem_len(size), size), 0);
}

/* Descriptor number 'seq': every field derived from it, so tearing shows. */
static struct tenet_desc mk(uint32_t seq)
{
	struct tenet_desc d = {
	        .buf = seq,
	        .off = (uint16_t)(seq >> 16),
	        .len = (uint16_t)seq,
	        .hash = seq * 0x9e3779b9u,
	        .port = (uint8_t)(seq >> 3),
	        .hop = (uint8_t)(seq >> 11),
	        .verdict = (uint8_t)(seq >> 19),
	        .arg = (uint8_t)~seq,
	};
	return d;
}

static bool is(const struct tenet_desc *d, uint32_t seq)
{
	struct tenet_desc e = mk(seq);

	return memcmp(d, &e, sizeof(e)) == 0;
}

/* ---- init and bind ------------------------------------------------------- */

static void test_init_validation(void **state)
{
	static const uint32_t bad[] = {
	        0, 1, 3, 6, 100, TENET_RING_MAX + 1, TENET_RING_MAX * 2, UINT32_MAX};
	uint8_t *mem = aligned_alloc(TENET_RING_GAP, mem_len(64) + TENET_RING_GAP);
	struct tenet_ring_shm *shm = (struct tenet_ring_shm *)mem;

	(void)state;
	assert_non_null(mem);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tenet_ring_init(mem, bad[i]), -EINVAL);
	assert_int_equal(tenet_ring_init(NULL, 64), -EINVAL);
	assert_int_equal(tenet_ring_init(mem + 64, 64), -EINVAL); /* not 128-aligned */
	assert_int_equal(tenet_ring_init(mem + 8, 64), -EINVAL);

	memset(mem, 0xff, mem_len(64));
	assert_int_equal(tenet_ring_init(mem, 64), 0);
	assert_int_equal(shm->magic, TENET_RING_MAGIC);
	assert_int_equal(shm->abi, TENET_RING_ABI);
	assert_int_equal(shm->size, 64);
	assert_int_equal(shm->prod, 0);
	assert_int_equal(shm->cons, 0);
	assert_int_equal(shm->sleeping, 0);
	/* indices sit on separate cache lines */
	assert_true(offsetof(struct tenet_ring_shm, cons) - offsetof(struct tenet_ring_shm, prod) >=
	            TENET_CACHE_LINE);
	assert_int_equal(offsetof(struct tenet_ring_shm, prod) % TENET_CACHE_LINE, 0);
	assert_int_equal(offsetof(struct tenet_ring_shm, slot) % TENET_CACHE_LINE, 0);
	assert_int_equal(tenet_ring_init(mem, 2), 0);
	free(mem);

	mem = aligned_alloc(TENET_RING_GAP, mem_len(TENET_RING_MAX));
	assert_non_null(mem);
	assert_int_equal(tenet_ring_init(mem, TENET_RING_MAX), 0);
	free(mem);
}

static void test_bind_validation(void **state)
{
	struct tenet_ring_shm *shm = ring_new(16);
	size_t len = mem_len(16);
	struct tenet_ring r;

	(void)state;
	assert_int_equal(tenet_ring_bind_consumer(&r, NULL, len, 16), -EINVAL);
	assert_int_equal(tenet_ring_bind_consumer(&r, shm, sizeof(*shm) - 1, 0), -EINVAL);
	/* memory too short for the ring the caller names or the header claims */
	assert_int_equal(tenet_ring_bind_consumer(&r, shm, tenet_ring_memsize(16) - 1, 16),
	                 -EINVAL);
	assert_int_equal(tenet_ring_bind_producer(&r, shm, tenet_ring_memsize(16) - 1, 0), -EINVAL);
	assert_int_equal(tenet_ring_bind_producer(&r, shm, len, 32), -EINVAL);
	assert_int_equal(tenet_ring_bind_producer(&r, shm, len, 12), -EINVAL);
	assert_int_equal(tenet_ring_bind_producer(&r, shm, len, 1), -EINVAL);

	/* NF side (size 0) takes the size from the header, after checking it */
	assert_int_equal(tenet_ring_bind_consumer(&r, shm, len, 0), 0);
	assert_int_equal(r.size, 16);
	assert_int_equal(r.mask, 15);
	assert_int_equal(r.bad_index, 0);
	shm->size = 1u << 30;
	assert_int_equal(tenet_ring_bind_consumer(&r, shm, len, 0), -EINVAL);
	shm->size = 24;
	assert_int_equal(tenet_ring_bind_producer(&r, shm, len, 0), -EINVAL);
	shm->size = 0;
	assert_int_equal(tenet_ring_bind_producer(&r, shm, len, 0), -EINVAL);
	shm->size = 16;

	shm->magic ^= 1;
	assert_int_equal(tenet_ring_bind_consumer(&r, shm, len, 16), -EPROTO);
	assert_int_equal(tenet_ring_bind_producer(&r, shm, len, 0), -EPROTO);
	shm->magic ^= 1;
	shm->abi++;
	assert_int_equal(tenet_ring_bind_consumer(&r, shm, len, 0), -EPROTO);
	shm->abi--;

	/* a handle starts where its side of the shared ring is */
	shm->prod = 1000;
	shm->cons = 990;
	assert_int_equal(tenet_ring_bind_producer(&r, shm, len, 16), 0);
	assert_int_equal(r.head, 1000);
	assert_int_equal(tenet_ring_bind_consumer(&r, shm, len, 16), 0);
	assert_int_equal(r.head, 990);
	assert_int_equal(tenet_ring_count(&r), 10);
	free(shm);
}

/* A producer bound while the consumer index is garbage must not trust it. */
static void test_bind_producer_garbage_cons(void **state)
{
	struct tenet_ring_shm *shm = ring_new(16);
	struct tenet_desc d[4] = {mk(0), mk(1), mk(2), mk(3)};
	struct tenet_ring p;

	(void)state;
	shm->prod = 0;
	shm->cons = 1000; /* ahead of prod: impossible for an honest consumer */
	assert_int_equal(tenet_ring_bind_producer(&p, shm, mem_len(16), 16), 0);
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&p, d, 4), 0);
	assert_int_equal(p.bad_index, 1);
	assert_int_equal(shm->prod, 0);
	shm->cons = 0;
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&p, d, 4), 4);
	assert_int_equal(p.bad_index, 1);
	assert_int_equal(shm->prod, 4);
	free(shm);
}

/* ---- burst semantics ------------------------------------------------------ */

static void test_burst_semantics(void **state)
{
	struct pair x;
	struct tenet_desc in[16], out[16];
	uint32_t seq = 0, next = 0;

	(void)state;
	pair_new(&x, 8, 0);
	for (unsigned int i = 0; i < 16; i++)
		in[i] = mk(i);

	assert_int_equal(tenet_ring_enqueue_burst(&x.p, in, 0), 0);
	assert_int_equal(tenet_ring_dequeue_burst(&x.c, out, 4), 0); /* empty */
	assert_int_equal(tenet_ring_count(&x.c), 0);
	assert_int_equal(tenet_ring_enqueue_burst(&x.p, in, 5), 5);
	seq = 5;
	assert_int_equal(tenet_ring_count(&x.c), 5);
	assert_int_equal(tenet_ring_enqueue_burst(&x.p, in + seq, 5), 3); /* partial */
	seq += 3;
	assert_int_equal(tenet_ring_enqueue_burst(&x.p, in + seq, 1), 0); /* full */
	assert_int_equal(tenet_ring_count(&x.c), 8);
	assert_int_equal(x.shm->prod, 8);

	assert_int_equal(tenet_ring_dequeue_burst(&x.c, out, 0), 0);
	assert_int_equal(tenet_ring_dequeue_burst(&x.c, out, 2), 2);
	assert_true(is(&out[0], next++));
	assert_true(is(&out[1], next++));
	assert_int_equal(x.shm->cons, 2);
	assert_int_equal(tenet_ring_dequeue_burst(&x.c, out, 16), 6); /* partial */
	for (unsigned int i = 0; i < 6; i++)
		assert_true(is(&out[i], next++));
	assert_int_equal(tenet_ring_dequeue_burst(&x.c, out, 1), 0);
	assert_int_equal(tenet_ring_count(&x.c), 0);

	/* the same through the guarded verbs, honest on both sides */
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in + seq, 8), 8);
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 1), 0);
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out, 3), 3);
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out + 3, 9), 5);
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out, 9), 0);
	for (unsigned int i = 0; i < 8; i++)
		assert_true(is(&out[i], next++));
	assert_int_equal(x.p.bad_index, 0);
	assert_int_equal(x.c.bad_index, 0);
	free(x.shm);
}

static void test_copy_straddles_end(void **state)
{
	struct pair x;
	struct tenet_desc in[8], out[8];

	(void)state;
	pair_new(&x, 8, 0);
	for (unsigned int i = 0; i < 8; i++)
		in[i] = mk(100 + i);
	assert_int_equal(tenet_ring_enqueue_burst(&x.p, in, 6), 6);
	assert_int_equal(tenet_ring_dequeue_burst(&x.c, out, 6), 6);
	/* slots 6, 7, 0, 1, 2 */
	assert_int_equal(tenet_ring_enqueue_burst(&x.p, in, 5), 5);
	assert_true(is(&x.shm->slot[6], 100));
	assert_true(is(&x.shm->slot[7], 101));
	assert_true(is(&x.shm->slot[0], 102));
	assert_true(is(&x.shm->slot[2], 104));
	assert_int_equal(tenet_ring_dequeue_burst(&x.c, out, 8), 5);
	for (unsigned int i = 0; i < 5; i++)
		assert_true(is(&out[i], 100 + i));
	free(x.shm);
}

/* Random bursts over a small ring whose indices cross 2^32 on the way. */
static void test_wrap_around(void **state)
{
	struct pair x;
	struct tenet_desc buf[16];
	uint32_t seed = 7, sent = 0, got = 0;

	(void)state;
	pair_new(&x, 8, UINT32_MAX - 1000);
	for (unsigned int it = 0; it < 20000; it++) {
		unsigned int n = xorshift(&seed) % 12, k;
		uint32_t fill = sent - got;

		for (unsigned int i = 0; i < n; i++)
			buf[i] = mk(sent + i);
		if (xorshift(&seed) & 1)
			k = tenet_ring_enqueue_burst(&x.p, buf, n);
		else
			k = tenet_ring_enqueue_burst_guarded(&x.p, buf, n);
		assert_int_equal(k, n < 8 - fill ? n : 8 - fill);
		sent += k;

		n = xorshift(&seed) % 12;
		fill = sent - got;
		if (xorshift(&seed) & 1)
			k = tenet_ring_dequeue_burst(&x.c, buf, n);
		else
			k = tenet_ring_dequeue_burst_guarded(&x.c, buf, n);
		assert_int_equal(k, n < fill ? n : fill);
		for (unsigned int i = 0; i < k; i++)
			assert_true(is(&buf[i], got++));
	}
	assert_true(x.shm->prod < 1000000); /* wrapped */
	assert_true(sent > 20000);
	assert_int_equal(x.p.bad_index, 0);
	assert_int_equal(x.c.bad_index, 0);
	free(x.shm);
}

/* ---- guarded verbs against a hostile other side --------------------------- */

static void test_guarded_dequeue_garbage_prod(void **state)
{
	struct pair x;
	struct tenet_desc in[4] = {mk(0), mk(1), mk(2), mk(3)}, out[64];
	uint32_t seed = 99;
	uint64_t bad;

	(void)state;
	pair_new(&x, 16, 0);
	assert_int_equal(tenet_ring_enqueue_burst(&x.p, in, 4), 4);

	x.shm->prod = 17; /* more than the ring holds */
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out, 32), 0);
	assert_int_equal(x.c.bad_index, 1);
	x.shm->prod = 0x80000000u; /* far ahead */
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out, 1), 0);
	assert_int_equal(x.c.bad_index, 2);
	x.shm->prod = UINT32_MAX; /* behind the consumer */
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out, 1), 0);
	assert_int_equal(x.c.bad_index, 3);
	assert_int_equal(tenet_ring_count(&x.c), 0); /* garbage reads as empty */
	assert_int_equal(x.shm->cons, 0);

	x.shm->prod = 4; /* sane again: the real descriptors come out */
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out, 32), 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_true(is(&out[i], i));
	x.shm->prod = 4 + 16; /* exactly full is legal: at most 16 come out */
	assert_int_equal(tenet_ring_dequeue_burst_guarded(&x.c, out, 64), 16);
	assert_int_equal(x.c.bad_index, 3);

	/* random indices: each call takes at most what a legal index allows */
	for (unsigned int it = 0; it < 100000; it++) {
		uint32_t head = x.c.head, prod, n = 1 + xorshift(&seed) % 40, got;

		switch (xorshift(&seed) % 3) {
		case 0:
			prod = xorshift(&seed);
			break;
		case 1:
			prod = head + xorshift(&seed) % 40 - 20;
			break;
		default:
			prod = head + xorshift(&seed) % 17;
			break;
		}
		x.shm->prod = prod;
		bad = x.c.bad_index;
		got = tenet_ring_dequeue_burst_guarded(&x.c, out, n);
		assert_true(got <= n);
		assert_true(got <= 16);
		assert_int_equal(x.c.head - head, got);
		assert_true(x.c.cached - x.c.head <= 16);
		assert_int_equal(x.shm->cons, x.c.head);
		if (x.c.bad_index != bad) {
			assert_int_equal(x.c.bad_index, bad + 1);
			assert_int_equal(got, 0);
			assert_true(prod - head > 16);
		}
		assert_true(tenet_ring_count(&x.c) <= 16);
	}
	assert_true(x.c.bad_index > 1000);
	free(x.shm);
}

/* tenet_ring_room: the cached view first, the consumer's index when short, garbage as 0. */
static void test_room(void **state)
{
	struct pair x;
	struct tenet_desc in[16];

	(void)state;
	pair_new(&x, 16, 0);
	for (unsigned int i = 0; i < 16; i++)
		in[i] = mk(i);
	assert_int_equal(tenet_ring_room(&x.p, 1), 16);
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 16), 16);
	assert_int_equal(tenet_ring_room(&x.p, 1), 0);

	x.shm->cons = 5;                               /* the consumer took 5 */
	assert_int_equal(tenet_ring_room(&x.p, 0), 0); /* enough by the cached view: not read */
	assert_int_equal(tenet_ring_room(&x.p, 1), 5);
	assert_int_equal(x.p.cached, 5);

	x.shm->cons = 100; /* ahead of the producer: garbage */
	assert_int_equal(tenet_ring_room(&x.p, 6), 0);
	assert_int_equal(x.p.cached, 5); /* not kept */
	assert_int_equal(tenet_ring_room(&x.p, 5), 5);
	free(x.shm);
}

static void test_guarded_enqueue_garbage_cons(void **state)
{
	struct pair x;
	struct tenet_desc in[40];
	uint32_t seed = 4242;
	uint64_t bad;

	(void)state;
	pair_new(&x, 16, 0);
	for (unsigned int i = 0; i < 40; i++)
		in[i] = mk(i);
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 16), 16);

	x.shm->cons = 100; /* ahead of the producer */
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 1), 0);
	assert_int_equal(x.p.bad_index, 1);
	x.shm->cons = UINT32_MAX - 5; /* more than 'size' behind */
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 1), 0);
	assert_int_equal(x.p.bad_index, 2);
	x.shm->cons = 17;
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 1), 0);
	assert_int_equal(x.p.bad_index, 3);
	assert_int_equal(x.shm->prod, 16); /* nothing overwritten */
	x.shm->cons = 0;                   /* honest and full */
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 1), 0);
	assert_int_equal(x.p.bad_index, 3);
	x.shm->cons = 8;
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&x.p, in, 40), 8);
	assert_int_equal(x.shm->prod, 24);

	for (unsigned int it = 0; it < 100000; it++) {
		uint32_t head = x.p.head, cons, n = 1 + xorshift(&seed) % 40, got;

		switch (xorshift(&seed) % 3) {
		case 0:
			cons = xorshift(&seed);
			break;
		case 1:
			cons = head - xorshift(&seed) % 40 + 20;
			break;
		default:
			cons = head - xorshift(&seed) % 17;
			break;
		}
		x.shm->cons = cons;
		bad = x.p.bad_index;
		got = tenet_ring_enqueue_burst_guarded(&x.p, in, n);
		assert_true(got <= n);
		assert_true(got <= 16);
		assert_int_equal(x.p.head - head, got);
		assert_int_equal(x.shm->prod, x.p.head);
		assert_true(x.p.head - x.p.cached <= 16); /* never past a legal cons */
		if (x.p.bad_index != bad) {
			assert_int_equal(x.p.bad_index, bad + 1);
			assert_int_equal(got, 0);
			assert_true(head - cons > 16);
		}
	}
	assert_true(x.p.bad_index > 1000);
	free(x.shm);
}

/* ---- tenet_ring_dequeue_checked ------------------------------------------- */

#define NF  7
#define NF2 8

struct checked_env {
	struct tenet_pool *pool;
	struct pair x;
	uint32_t b[10];
	uint32_t mgr_held;
};

static struct tenet_desc dsc(uint32_t buf, uint16_t off, uint16_t len, uint8_t verdict)
{
	struct tenet_desc d = {.buf = buf, .off = off, .len = len, .verdict = verdict};

	d.hash = buf * 31u + len;
	return d;
}

static void checked_env_new(struct checked_env *e)
{
	e->pool = tenet_pool_create("ring-test", 64, 0, TENET_POOL_F_NO_HUGE);
	assert_non_null(e->pool);
	pair_new(&e->x, 32, 0);
	assert_int_equal(tenet_pool_alloc_bulk(e->pool, e->b, 10), 0);
	for (unsigned int i = 0; i < 8; i++)
		tenet_pool_set_owner(e->pool, e->b[i], NF);
	tenet_pool_set_owner(e->pool, e->b[8], NF2); /* another NF's buffer */
	e->mgr_held = e->b[9];                       /* the manager's own */
}

static void checked_env_free(struct checked_env *e)
{
	tenet_pool_destroy(e->pool);
	free(e->x.shm);
}

static uint32_t a_free_buffer(const struct tenet_pool *p)
{
	for (uint32_t i = 0; i < p->nb_bufs; i++)
		if (tenet_pool_owner(p, i) == TENET_OWNER_FREE)
			return i;
	fail();
	return 0;
}

static void test_checked_rejects(void **state)
{
	struct checked_env e;
	struct tenet_ring_rejects rej = {0};
	struct tenet_desc in[32], out[32];
	unsigned int n = 0, kept;
	uint32_t *b = e.b;

	(void)state;
	checked_env_new(&e);
	in[n++] = dsc(b[0], TENET_HEADROOM, 60, TENET_V_NEXT);            /* ok */
	in[n++] = dsc(64, 0, 60, TENET_V_NEXT);                           /* forged */
	in[n++] = dsc(UINT32_MAX, 0, 60, TENET_V_NEXT);                   /* forged */
	in[n++] = dsc(b[8], 0, 60, TENET_V_NEXT);                         /* other NF's */
	in[n++] = dsc(a_free_buffer(e.pool), 0, 60, TENET_V_NEXT);        /* never received */
	in[n++] = dsc(e.mgr_held, 0, 60, TENET_V_NEXT);                   /* manager's */
	in[n++] = dsc(b[1], 0, 1514, TENET_V_TO_SERVICE);                 /* ok */
	in[n++] = dsc(b[1], 0, 1514, TENET_V_NEXT);                       /* same twice */
	in[n++] = dsc(b[2], TENET_HEADROOM, 0, TENET_V_NEXT);             /* len 0 */
	in[n++] = dsc(b[3], 2000, 100, TENET_V_NEXT);                     /* off + len > 2048 */
	in[n++] = dsc(b[4], UINT16_MAX, UINT16_MAX, TENET_V_DROP);        /* wraps in 16 bits */
	in[n++] = dsc(b[5], 0, 60, TENET_V_MAX);                          /* bad verdict */
	in[n++] = dsc(b[6], 0, 60, 255);                                  /* bad verdict */
	in[n++] = dsc(b[7], 0, TENET_BUF_SIZE_DEFAULT, TENET_V_OUT_PORT); /* ok: exactly fits */
	in[n - 1].arg = 3;
	in[n++] = dsc(b[2], TENET_HEADROOM, 60, TENET_V_NEXT); /* freed just above */
	assert_int_equal(tenet_ring_enqueue_burst(&e.x.p, in, n), n);

	kept = tenet_ring_dequeue_checked(&e.x.c, e.pool, NF, out, 32, &rej);
	assert_int_equal(kept, 3);
	assert_memory_equal(&out[0], &in[0], sizeof(out[0]));
	assert_memory_equal(&out[1], &in[6], sizeof(out[1]));
	assert_memory_equal(&out[2], &in[13], sizeof(out[2]));
	assert_int_equal(rej.buf_range, 2);
	assert_int_equal(rej.not_owner, 5);
	assert_int_equal(rej.bad_len, 3);
	assert_int_equal(rej.bad_verdict, 2);
	assert_int_equal(rej.freed, 5);
	assert_int_equal(e.x.c.bad_index, 0);
	assert_int_equal(tenet_ring_count(&e.x.c), 0);

	/* kept: the manager holds them now; bad length/verdict: back on the free list */
	assert_int_equal(tenet_pool_owner(e.pool, b[0]), TENET_OWNER_MGR);
	assert_int_equal(tenet_pool_owner(e.pool, b[1]), TENET_OWNER_MGR);
	assert_int_equal(tenet_pool_owner(e.pool, b[7]), TENET_OWNER_MGR);
	for (unsigned int i = 2; i <= 6; i++)
		assert_int_equal(tenet_pool_owner(e.pool, b[i]), TENET_OWNER_FREE);
	assert_int_equal(tenet_pool_owner(e.pool, b[8]), NF2); /* untouched */
	assert_int_equal(tenet_pool_owner(e.pool, e.mgr_held), TENET_OWNER_MGR);
	assert_int_equal(tenet_pool_nb_free(e.pool), 64 - 10 + 5);
	assert_int_equal(e.pool->stats.double_free, 0);
	assert_int_equal(e.pool->stats.bad_free, 0);

	/* the NF hands back buffers it already returned: stale, rejected */
	n = 0;
	in[n++] = dsc(b[0], 0, 60, TENET_V_NEXT);
	in[n++] = dsc(b[7], 0, 60, TENET_V_NEXT);
	assert_int_equal(tenet_ring_enqueue_burst(&e.x.p, in, n), n);
	assert_int_equal(tenet_ring_dequeue_checked(&e.x.c, e.pool, NF, out, 32, &rej), 0);
	assert_int_equal(rej.not_owner, 7);
	assert_int_equal(rej.freed, 5);
	assert_int_equal(tenet_pool_nb_free(e.pool), 59);

	/* the NF is gone: reclaim frees nothing it no longer holds */
	assert_int_equal(tenet_pool_reclaim(e.pool, NF), 0);
	assert_int_equal(tenet_pool_reclaim(e.pool, NF2), 1);
	checked_env_free(&e);
}

static void test_checked_chunks_and_garbage_index(void **state)
{
	struct checked_env e;
	struct tenet_ring_rejects rej = {0}, before;
	struct tenet_desc in[16], out[16];
	uint32_t got[16];
	unsigned int nkept = 0, k;

	(void)state;
	checked_env_new(&e);
	/* 8 valid interleaved with 8 forged, dequeued 3 at a time */
	for (unsigned int i = 0; i < 8; i++) {
		in[2 * i] = dsc(e.b[i], 0, 64 + i, TENET_V_NEXT);
		in[2 * i + 1] = dsc(1000 + i, 0, 64, TENET_V_NEXT);
	}
	assert_int_equal(tenet_ring_enqueue_burst(&e.x.p, in, 16), 16);
	while ((k = tenet_ring_dequeue_checked(&e.x.c, e.pool, NF, out, 3, &rej)) > 0 ||
	       tenet_ring_count(&e.x.c) > 0) {
		assert_true(k <= 3);
		for (unsigned int i = 0; i < k; i++)
			got[nkept++] = out[i].buf;
	}
	assert_int_equal(nkept, 8);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(got[i], e.b[i]); /* in order */
	assert_int_equal(rej.buf_range, 8);
	assert_int_equal(rej.not_owner + rej.bad_len + rej.bad_verdict + rej.freed, 0);

	/* a garbage producer index: nothing is read, nothing else is counted */
	before = rej;
	e.x.shm->prod = e.x.c.head + 33;
	assert_int_equal(tenet_ring_dequeue_checked(&e.x.c, e.pool, NF, out, 16, &rej), 0);
	assert_int_equal(e.x.c.bad_index, 1);
	assert_memory_equal(&rej, &before, sizeof(rej));
	assert_int_equal(tenet_ring_dequeue_checked(&e.x.c, e.pool, NF, out, 0, &rej), 0);
	checked_env_free(&e);
}

/* ---- two-thread SPSC stress ---------------------------------------------- */

struct stress {
	struct pair x;
	uint32_t count;
	bool guarded;
	uint32_t received;
	uint32_t bad_seq; /* first out-of-order sequence number + 1, 0 if none */
};

static void *stress_producer(void *arg)
{
	struct stress *s = arg;
	struct tenet_desc d[64];
	uint32_t seed = 0x1234567, seq = 0;

	while (seq < s->count) {
		unsigned int n = 1 + xorshift(&seed) % 64, k;

		if (n > s->count - seq)
			n = s->count - seq;
		for (unsigned int i = 0; i < n; i++)
			d[i] = mk(seq + i);
		if (s->guarded)
			k = tenet_ring_enqueue_burst_guarded(&s->x.p, d, n);
		else
			k = tenet_ring_enqueue_burst(&s->x.p, d, n);
		if (k == 0)
			sched_yield(); /* 2-core machines: let the consumer run */
		/* the unsent tail is rebuilt from seq next time */
		seq += k;
	}
	return NULL;
}

static void *stress_consumer(void *arg)
{
	struct stress *s = arg;
	struct tenet_desc d[64];
	uint32_t seed = 0x7654321, seq = 0;

	while (seq < s->count) {
		unsigned int n = 1 + xorshift(&seed) % 64, k;

		if (s->guarded)
			k = tenet_ring_dequeue_burst_guarded(&s->x.c, d, n);
		else
			k = tenet_ring_dequeue_burst(&s->x.c, d, n);
		if (k == 0) {
			sched_yield();
			continue;
		}
		for (unsigned int i = 0; i < k; i++, seq++) {
			if (!is(&d[i], seq) && !s->bad_seq)
				s->bad_seq = seq + 1;
		}
		if (s->bad_seq)
			break;
	}
	s->received = seq;
	return NULL;
}

static void run_stress(uint32_t size, bool guarded)
{
	struct stress s = {.count = STRESS_COUNT, .guarded = guarded};
	struct tenet_desc d;
	pthread_t tp, tc;

	pair_new(&s.x, size, UINT32_MAX - 100000); /* wrap the indices in the middle */
	assert_int_equal(pthread_create(&tc, NULL, stress_consumer, &s), 0);
	assert_int_equal(pthread_create(&tp, NULL, stress_producer, &s), 0);
	assert_int_equal(pthread_join(tp, NULL), 0);
	assert_int_equal(pthread_join(tc, NULL), 0);
	assert_int_equal(s.bad_seq, 0);        /* nothing reordered, torn or duplicated */
	assert_int_equal(s.received, s.count); /* nothing lost */
	assert_int_equal(tenet_ring_dequeue_burst(&s.x.c, &d, 1), 0); /* nothing extra */
	assert_int_equal(s.x.shm->prod, (uint32_t)(UINT32_MAX - 100000 + s.count));
	assert_int_equal(s.x.shm->cons, s.x.shm->prod);
	assert_int_equal(s.x.p.bad_index, 0);
	assert_int_equal(s.x.c.bad_index, 0);
	free(s.x.shm);
}

static void test_spsc_stress(void **state)
{
	(void)state;
	run_stress(256, false);
}

static void test_spsc_stress_guarded(void **state)
{
	(void)state;
	run_stress(64, true);
}

static int silence(void **state)
{
	(void)state;
	tenet_set_log(NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_init_validation),
	        cmocka_unit_test(test_bind_validation),
	        cmocka_unit_test(test_bind_producer_garbage_cons),
	        cmocka_unit_test(test_burst_semantics),
	        cmocka_unit_test(test_room),
	        cmocka_unit_test(test_copy_straddles_end),
	        cmocka_unit_test(test_wrap_around),
	        cmocka_unit_test(test_guarded_dequeue_garbage_prod),
	        cmocka_unit_test(test_guarded_enqueue_garbage_cons),
	        cmocka_unit_test(test_checked_rejects),
	        cmocka_unit_test(test_checked_chunks_and_garbage_index),
	        cmocka_unit_test(test_spsc_stress),
	        cmocka_unit_test(test_spsc_stress_guarded),
	};

	return cmocka_run_group_tests_name("ring", tests, silence, NULL);
}
