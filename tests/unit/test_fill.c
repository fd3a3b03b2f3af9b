/*
 * Unit tests of the fill rings (mgr/fill.c) without a running manager: a
 * manager state with one paced receive port and one tenant pool, and the
 * shard's fill_refill() called by hand.
 *
 * What is checked: what fill_refill() tells the NIC stage about a pool
 * (mgr_pool.withheld), which decides whether a NIC stage that found the
 * pool's fill ring empty may wait for its owner (mgr/nic.c, wait_owner):
 *   - a pool that was topped up is not withheld;
 *   - a pool whose budget in flight is used up is withheld, and gets no
 *     buffer: a tenant that sits on its buffers must not make a NIC stage
 *     wait for buffers that will not come;
 *   - a pool whose free list ran out under its budget is withheld too;
 *   - once its buffers come back, it is posted to and not withheld.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mgr/fill.h"
#include "lib/xring.h"

#define NB_BUFS 256u

static int fake_rx(struct port *p, struct tenet_frame *f, unsigned int n)
{
	(void)p;
	(void)f;
	(void)n;
	return 0;
}

static const struct port_driver fake_drv = {.rx = fake_rx};

struct fixture {
	struct tenet_config cfg;
	struct mgr *m;
	struct fill_state fs;
	uint32_t held[NB_BUFS]; /* buffers taken out of the pool: "in flight" */
	unsigned int nb_held;
};

static struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct mgr_pool *mp;

	assert_non_null(f);
	f->m = calloc(1, sizeof(*f->m));
	assert_non_null(f->m);
	f->cfg.nb_ports = 1;
	f->cfg.ports[0].driver = CFG_DRV_GEN;
	f->cfg.ports[0].steer = CFG_STEER_NIC;
	f->cfg.nb_tenants = 1;
	f->m->cfg = &f->cfg;
	f->m->nb_shards = 1;
	f->m->nb_pools = 1;
	f->m->ports[0].cfg = &f->cfg.ports[0];
	f->m->ports[0].port.drv = &fake_drv;
	assert_int_equal(xring_create(&f->m->ports[0].fill[0], MGR_FILL_SIZE), 0);
	mp = &f->m->pools[0];
	mp->pool = tenet_pool_create("fill", NB_BUFS, 0, TENET_POOL_F_NO_HUGE);
	assert_non_null(mp->pool);
	mp->meta = calloc(NB_BUFS, sizeof(*mp->meta));
	assert_non_null(mp->meta);
	mp->inflight = 32;
	mp->burst_max = NB_BUFS / 2; /* as set_burst_max() sets it for this pool */
	fill_init(&f->fs, f->m, 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	xring_destroy(&f->m->ports[0].fill[0]);
	tenet_pool_destroy(f->m->pools[0].pool);
	free(f->m->pools[0].meta);
	free(f->m);
	free(f);
}

static uint32_t fill_level(struct fixture *f)
{
	return tenet_ring_count(&f->m->ports[0].fill[0].cons);
}

/* The NIC stage takes n buffers from the fill ring and keeps them (in flight). */
static void nic_takes(struct fixture *f, unsigned int n)
{
	struct mdesc d[MGR_BURST];

	while (n) {
		unsigned int k =
		        xring_dequeue(&f->m->ports[0].fill[0], d, n < MGR_BURST ? n : MGR_BURST);

		assert_true(k > 0);
		for (unsigned int i = 0; i < k; i++)
			f->held[f->nb_held++] = d[i].buf;
		n -= k;
	}
}

/* The buffers in flight come back: delivered, or dropped. */
static void all_back(struct fixture *f)
{
	tenet_pool_free_bulk(f->m->pools[0].pool, f->held, f->nb_held);
	f->nb_held = 0;
}

static bool withheld(struct fixture *f)
{
	return __atomic_load_n(&f->m->pools[0].withheld, __ATOMIC_RELAXED);
}

static void test_posted_not_withheld(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	/* half the pool for the one ring that takes from it */
	assert_int_equal(fill_refill(&f->fs, f->m), NB_BUFS / 2);
	assert_int_equal(fill_level(f), NB_BUFS / 2);
	assert_false(withheld(f));
	/* taken and topped up again, by whole bursts */
	nic_takes(f, 2 * MGR_BURST);
	assert_int_equal(fill_refill(&f->fs, f->m), 2 * MGR_BURST);
	assert_int_equal(fill_level(f), NB_BUFS / 2);
	assert_false(withheld(f));
	fixture_free(f);
}

static void test_budget_used_withheld(void **state)
{
	struct fixture *f = fixture_new();

	(void)state;
	fill_refill(&f->fs, f->m);
	/* the NFs sit on a whole ring's worth: in flight = burst_max */
	nic_takes(f, NB_BUFS / 2);
	assert_int_equal(fill_refill(&f->fs, f->m), 0);
	assert_int_equal(fill_level(f), 0);
	assert_true(withheld(f));
	/* it stays so while they hold on */
	assert_int_equal(fill_refill(&f->fs, f->m), 0);
	assert_true(withheld(f));
	/* their buffers come back: posted to again */
	all_back(f);
	assert_int_equal(fill_refill(&f->fs, f->m), NB_BUFS / 2);
	assert_false(withheld(f));
	fixture_free(f);
}

static void test_free_list_empty_withheld(void **state)
{
	struct fixture *f = fixture_new();
	struct mgr_pool *mp = &f->m->pools[0];
	uint32_t rest[NB_BUFS];
	unsigned int n;

	(void)state;
	/* a budget as large as the pool: the free list runs out first */
	mp->burst_max = NB_BUFS + 1;
	fill_refill(&f->fs, f->m);
	nic_takes(f, 100);
	/* the rest of the pool is out too (a copy's, another ring's) */
	n = tenet_pool_alloc_burst(mp->pool, rest, NB_BUFS);
	assert_int_equal(n, NB_BUFS - NB_BUFS / 2);
	assert_int_equal(fill_refill(&f->fs, f->m), 0);
	assert_true(withheld(f));
	/* some come back: the ring gets them, and only the ring's share of
	 * them is posted; the pool is withheld while the free list is empty */
	tenet_pool_free_bulk(mp->pool, rest, 60);
	assert_int_equal(fill_refill(&f->fs, f->m), 60);
	assert_int_equal(fill_level(f), NB_BUFS / 2 - 100 + 60);
	assert_true(withheld(f));
	/* the rest come back: topped up to within a burst of its level */
	tenet_pool_free_bulk(mp->pool, rest + 60, n - 60);
	assert_int_equal(fill_refill(&f->fs, f->m), MGR_BURST);
	assert_int_equal(fill_level(f), NB_BUFS / 2 - 100 + 60 + MGR_BURST);
	assert_false(withheld(f));
	all_back(f);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_posted_not_withheld),
	        cmocka_unit_test(test_budget_used_withheld),
	        cmocka_unit_test(test_free_list_empty_withheld),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
