/*
 * The fill rings: how a dispatcher shard hands empty buffers of its pools
 * to the threads that write packets into them - the NIC stages and the
 * router (fill rings, one per receive port and pool, and the router's per
 * pool), and the other shards' cross-tenant copies (xfill rings, one per
 * other shard and pool). Only the pool's owner allocates from it, so the
 * writers take buffers from a ring and never touch the free list.
 *
 * How many buffers a ring may park (fill_targets), and when a pool stops
 * getting any because too many of its buffers are in flight
 * (over_budget), is what sheds overload at the NIC, per tenant
 * (docs/ARCHITECTURE.md). It runs once per turn of the shard's loop, not
 * per packet.
 */
#include <string.h>

#include "lib/wait.h"
#include "mgr/fill.h"
#include "lib/xring.h"

/*
 * Fill level per fill ring of each pool. Buffers parked in fill rings are
 * out of reach of the cross-tenant copies into that pool, so the rings a
 * pool feeds (one per receive port, and the router's) share at most half
 * of it, and never more than MGR_FILL_TARGET each: a pool of 256 buffers
 * fed by two ports parks 64 per ring and keeps 128 for copies (with a
 * flat 512 per ring it kept none, and every copy into it was dropped
 * no_buffer). The xfill rings (one per other shard) are for copies: they
 * share at most an eighth of the pool, MGR_XFILL_TARGET each at most.
 */
static void fill_targets(struct fill_state *f, struct mgr *m)
{
	unsigned int rings = m->have_router ? 1 : 0;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (p->port.drv->rx && p->cfg->steer != CFG_STEER_CPU)
			rings++;
	}
	for (unsigned int k = 0; k < m->nb_pools; k++) {
		uint32_t t = rings ? m->pools[k].pool->nb_bufs / 2 / rings : 0;

		if (t == 0 && rings)
			t = 1; /* a tiny pool still receives, one buffer at a time */
		f->target[k] = t < MGR_FILL_TARGET ? t : MGR_FILL_TARGET;
		if (m->nb_shards > 1) {
			t = m->pools[k].pool->nb_bufs / 8 / (m->nb_shards - 1);
			t = t ? t : 1;
			f->xtarget[k] = t < MGR_XFILL_TARGET ? t : MGR_XFILL_TARGET;
		}
	}
}

/*
 * A port's share: a source that makes frames on demand (gen, pcap at full
 * speed: port.on_demand) waits for buffers and never loses a frame for
 * want of one, so it gets MGR_FILL_DEMAND, enough to keep it busy; more
 * buffers in its ring would only cycle through more cache (measured: the
 * 1-NF max-rate chain 8.2 Mpps with 2048 posted, 9.8 with 512). A paced
 * or real source gets the full target: its frames arrive meanwhile.
 */
static uint32_t port_target(const struct mport *p, uint32_t target)
{
	return p->port.on_demand && target > MGR_FILL_DEMAND ? MGR_FILL_DEMAND : target;
}

static uint32_t fill_level(const struct xring *r)
{
	return r->prod.head - __atomic_load_n(&r->prod.shm->cons, __ATOMIC_ACQUIRE);
}

/* Would refill() add buffers to r? */
static bool wants_refill(const struct xring *r, uint32_t target)
{
	return fill_level(r) + (target >= MGR_BURST ? MGR_BURST : 1) <= target;
}

/* Keep a fill ring at 'target' buffers. */
static unsigned int refill(struct mgr_pool *mp, struct xring *r, uint32_t target)
{
	uint32_t level = fill_level(r);
	struct mdesc d[MGR_BURST];
	uint32_t bufs[MGR_BURST];
	unsigned int step = target >= MGR_BURST ? MGR_BURST : 1; /* refill by bursts */
	unsigned int n, done = 0;

	while (level + done + step <= target) {
		n = target - level - done;
		n = tenet_pool_alloc_burst(mp->pool, bufs, n < MGR_BURST ? n : MGR_BURST);
		if (!n)
			break;
		for (unsigned int i = 0; i < n; i++) {
			d[i] = (struct mdesc){.buf = bufs[i]};
			mp->meta[bufs[i]].chain = BUF_EMPTY;
		}
		xring_enqueue(r, d, n);
		done += n;
	}
	if (done)
		xring_wake(r);
	return done;
}

/*
 * Is pool k's budget of buffers in flight (past the NIC, not yet delivered
 * or dropped; posted fill buffers do not count) used up? Then its fill
 * rings are not topped up: the NIC drops that tenant's frames (no_buffer)
 * before they cost the host a copy and a hop, instead of the dispatcher
 * dropping them at a full NF ring (nf_rx_full) after both, and a NIC with
 * no buffer may sleep (nic.c, wait_fill) instead of taking the CPU the
 * chain needs. Per pool: a tenant whose NFs do not drain, or hold buffers,
 * stops only its own traffic. Buffers posted in fill rings (and xfill
 * rings, for the other shards' copies) do not count.
 *
 * Two budgets. While the load is below what the chain sustains, a stall
 * (an NF or this thread descheduled for a few ms) may queue up to
 * burst_max (half the pool, at most an NF ring less a fill ring), so that
 * it costs latency, not packets. Once the pool has been at burst_max for
 * MGR_OVERLOAD_NS without draining to half of it, the load is more than
 * the chain takes: the budget drops to 'inflight' (the tenant's key,
 * default 512) - fewer buffers, cache lines and pages in flight, measured
 * faster at max rate - until the backlog drains below a quarter of that.
 * A backlog that drains is a stall being caught up, not overload: the
 * clock starts at burst_max, not at 'inflight': from 'inflight', the
 * guest's stalls of a few ms and their catching up latched the small
 * budget at 3.5 Mpps: 6 s runs of a 2-NF chain lost 13k-21k frames
 * (no_buffer), and 3k-5k with the clock at burst_max (29k in a third run
 * that had a 9 ms stall).
 */
#define MGR_OVERLOAD_NS 10000000ull /* 10 ms: longer than a scheduling hiccup */

static bool over_budget(struct mgr *m, unsigned int k)
{
	struct mgr_pool *mp = &m->pools[k];
	uint32_t used = mp->pool->nb_bufs - mp->pool->nb_free, posted = 0, inflight;
	uint64_t now;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (p->port.drv->rx && p->cfg->steer != CFG_STEER_CPU)
			posted += fill_level(&p->fill[k]);
	}
	if (m->have_router)
		posted += fill_level(&m->router.tfill[k]);
	for (unsigned int a = 0; a < m->nb_shards; a++)
		if (a != mp->shard)
			posted += fill_level(&mp->xfill[a]);
	inflight = used - posted;
	if (mp->overloaded) {
		if (inflight >= mp->inflight / 4)
			return inflight >= mp->inflight;
		mp->overloaded = false;
		mp->over_since = 0;
	}
	if (inflight < mp->burst_max) {
		if (inflight < mp->burst_max / 2)
			mp->over_since = 0;
		return false;
	}
	now = tenet_spin_now();
	if (!mp->over_since)
		mp->over_since = now;
	else if (now - mp->over_since >= MGR_OVERLOAD_NS)
		mp->overloaded = true;
	return true;
}

void fill_init(struct fill_state *f, struct mgr *m, unsigned int shard)
{
	memset(f, 0, sizeof(*f));
	f->shard = shard;
	for (unsigned int k = 0; k < m->nb_pools; k++)
		if (m->pools[k].shard == shard)
			f->pools[f->nb_pools++] = &m->pools[k];
	fill_targets(f, m);
}

unsigned int fill_refill(struct fill_state *f, struct mgr *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->nb_pools; i++) {
		struct mgr_pool *mp = f->pools[i];
		unsigned int k = mp->index;
		bool want = false;

		/* xfill rings: copies into this pool, outside the budget as
		 * copies within one shard are */
		for (unsigned int a = 0; a < m->nb_shards; a++)
			if (a != f->shard)
				n += refill(mp, &mp->xfill[a], f->xtarget[k]);
		for (unsigned int j = 0; j < m->cfg->nb_ports; j++) {
			struct mport *p = &m->ports[j];

			if (p->port.drv->rx && p->cfg->steer != CFG_STEER_CPU)
				want |= wants_refill(&p->fill[k], port_target(p, f->target[k]));
		}
		if (m->have_router)
			want |= wants_refill(&m->router.tfill[k], f->target[k]);
		if (!want) {
			__atomic_store_n(&mp->withheld, false, __ATOMIC_RELAXED);
			continue;
		}
		if (over_budget(m, k)) {
			__atomic_store_n(&mp->withheld, true, __ATOMIC_RELAXED);
			continue;
		}
		for (unsigned int j = 0; j < m->cfg->nb_ports; j++) {
			struct mport *p = &m->ports[j];

			if (p->port.drv->rx && p->cfg->steer != CFG_STEER_CPU)
				n += refill(mp, &p->fill[k], port_target(p, f->target[k]));
		}
		if (m->have_router)
			n += refill(mp, &m->router.tfill[k], f->target[k]);
		/* each ring reached its target unless the free list ran out */
		__atomic_store_n(&mp->withheld, mp->pool->nb_free == 0, __ATOMIC_RELAXED);
	}
	return n;
}
