/*
 * The dispatcher: the manager's data-plane threads, one per shard
 * (manager.dispatchers, 1 by default).
 *
 * A shard owns the tenant pools k with k % dispatchers == its index: their
 * free lists, ownership tables, fill rings and in-flight budgets, and the
 * NFs of those pools' tenants (their rx/tx rings, kicks and reclaim). With
 * one shard that is every pool. Each loop it takes classified
 * packets from the ports (and the router), takes packets back from NF tx
 * rings (validated: NF-written memory is hostile), moves each to its next
 * hop - same tenant: the descriptor moves; other tenant: the bytes are
 * copied into the destination pool and the source buffer is freed - or
 * out of a port, and tops up the fill rings the NIC stages take empty
 * buffers from (fill.c). It never blocks on an NF: a full NF ring is a
 * counted drop.
 * When idle it sleeps on an epoll set of its eventfd and the NFs' kick
 * sockets (adaptive mode); nothing in that set can make it block.
 *
 * Cross-tenant hop into a pool j of another shard B: this shard never
 * touches j's free list or ownership table. B keeps an xfill ring per
 * (this shard, j) topped up with empty j buffers, as it keeps the NIC's
 * fill rings; this shard copies the packet into one (checked against j's
 * buf_size), frees its own buffer and passes the descriptor on the
 * handoff ring B -> hand[this shard]; B takes it from there as if the
 * packet had just reached hop h in pool j (to_hop). The packets of one
 * flow take one path through the shards, in order, so a flow's order is
 * kept.
 *
 * Output ports are shared: a driver's tx is not thread-safe, so with more
 * than one shard flush_tx takes the port's tx_lock once per burst.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "lib/wait.h"
#include "mgr/dispatch.h"
#include "mgr/fill.h"
#include "mgr/ingress.h"
#include "mgr/nic.h"
#include "mgr/stats.h"
#include "mgr/tap.h"
#include "lib/xring.h"
#include "tenet/log.h"

/* Tx staging per port. */
struct txq {
	struct tenet_frame f[MGR_BURST];
	uint32_t buf[MGR_BURST];
	uint16_t off[MGR_BURST];
	struct mgr_pool *mp[MGR_BURST];
	uint16_t tenant[MGR_BURST];
	unsigned int n;
};

/* Local cache of empty buffers of another shard's pool, taken from its xfill ring. */
struct bufcache {
	uint32_t buf[MGR_BURST];
	unsigned int n;
};

struct dctx {
	struct mgr *m;
	struct shard *sh;
	struct shard_acct *a; /* sh->acct */
	unsigned int index;   /* sh->index */
	int epfd;
	struct txq txq[CFG_MAX_PORTS];
	struct fill_state fill;     /* its pools' fill and xfill rings (fill.c) */
	struct nf *nfs[MGR_MAX_NF]; /* the NFs it serves, by id */
	unsigned int nb_nfs;
	/* cross-shard hops (dispatchers > 1) */
	struct bufcache xcache[CFG_MAX_TENANTS];      /* empty buffers of other shards' pools */
	struct mdesc hout[MGR_MAX_SHARDS][MGR_BURST]; /* staged for shard b's hand ring */
	unsigned int nb_hout[MGR_MAX_SHARDS];
	/* where its CPU goes (shard.work_ns, nf_kick_ns): thread CPU read at
	 * the start and the end of each run of turns with work, and around
	 * each NF kick - not per packet (a read costs a syscall) */
	uint64_t run_t0;    /* thread CPU when the current run began, 0: none */
	uint64_t run_kick0; /* kick_ns then */
	uint64_t run_nic0;  /* stages_ns() then */
	uint64_t work_ns, kick_ns;
	/* the ports' NIC stages run inline (shard 0, manager.nic_stage): their
	 * time is theirs (rx.ns), not this thread's (shard.ns, work_ns) */
	struct nic_host host;
	struct nic_stage *stage[CFG_MAX_PORTS]; /* NULL: none, or closed */
	unsigned int nb_stages;                 /* open ones */
	bool wire_open;
	uint64_t closed_nic_ns; /* the time of the stages closed so far */
};

static void free_buf(struct mgr_pool *mp, uint32_t buf)
{
	tenet_pool_free_bulk(mp->pool, &buf, 1);
}

static void drop(struct dctx *x, struct mgr_pool *mp, uint32_t buf, unsigned int tenant,
                 enum drop_reason why)
{
	free_buf(mp, buf);
	tenant_drop(x->a, tenant, why, 1);
}

/*
 * Zero-copy transmit (afxdp): hand the buffers to the port thread, which
 * sends them from the pool through its AF_XDP socket; they come back on
 * compq once the kernel is done, and only then count as delivered.
 */
static void flush_xsk(struct dctx *x, struct mport *p, struct txq *q)
{
	struct mdesc d[MGR_BURST];
	unsigned int n;

	for (unsigned int i = 0; i < q->n; i++) {
		q->mp[i]->meta[q->buf[i]].txlen = q->f[i].len;
		d[i] = (struct mdesc){.buf = q->buf[i],
		                      .off = q->off[i],
		                      .len = q->f[i].len,
		                      .pool = (uint8_t)q->mp[i]->index};
	}
	n = xring_enqueue(&p->tx.txq, d, q->n);
	for (unsigned int i = n; i < q->n; i++)
		drop(x, q->mp[i], q->buf[i], q->tenant[i], DROP_TX_FULL);
	q->n = 0;
}

/* Frames an afxdp port finished sending: delivered now. */
static unsigned int poll_tx_done(struct dctx *x, struct mport *p)
{
	struct mgr *m = x->m;
	struct mdesc d[MGR_BURST];
	unsigned int n = xring_dequeue(&p->tx.compq, d, MGR_BURST);
	uint64_t bytes = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct mgr_pool *mp = &m->pools[d[i].pool];
		struct bufmeta *bm = &mp->meta[d[i].buf];

		bytes += bm->txlen;
		cnt_add(&x->a->delivered[m->chains[bm->chain].tenant], 1);
		free_buf(mp, d[i].buf);
	}
	cnt_add(&p->tx.frames, n);
	cnt_add(&p->tx.bytes, bytes);
	return n;
}

/*
 * A burst out of a port. Every shard may send out of every port, and a
 * driver's tx (and its counters, and the port's tx_frames/tx_bytes) is
 * not thread-safe: with more than one shard the port's tx_lock is held
 * around the driver call and the port counters, once per burst. The lock
 * is the manager's own, held for one driver call that does not wait on
 * anything an NF controls (sink counts; pcap writes a file; afpacket
 * sends non-blocking), so a shard waits at most for another shard's
 * burst. The alternative, a port-owner shard fed by handoff rings, costs
 * a ring hop per packet and a wake-up; the lock costs one uncontended
 * atomic pair per burst. The buffers are freed and counted outside the
 * lock: they are this shard's.
 */
static void flush_tx(struct dctx *x, unsigned int port)
{
	struct mgr *m = x->m;
	struct txq *q = &x->txq[port];
	struct mport *p = &m->ports[port];
	bool lock = m->nb_shards > 1;
	uint64_t bytes = 0;

	if (!q->n)
		return;
	if (p->tx.zerocopy) {
		flush_xsk(x, p, q); /* dispatchers: 1 (config.c refuses afxdp with more) */
		return;
	}
	for (unsigned int i = 0; i < q->n; i++)
		bytes += q->f[i].len;
	if (lock)
		pthread_mutex_lock(&p->tx.lock);
	p->port.drv->tx(&p->port, q->f, q->n);
	cnt_add(&p->tx.frames, q->n);
	cnt_add(&p->tx.bytes, bytes);
	if (lock)
		pthread_mutex_unlock(&p->tx.lock);
	for (unsigned int i = 0; i < q->n; i++) {
		free_buf(q->mp[i], q->buf[i]);
		cnt_add(&x->a->delivered[q->tenant[i]], 1);
	}
	q->n = 0;
}

static void send_out(struct dctx *x, unsigned int port, struct mgr_pool *mp, const struct mdesc *d,
                     unsigned int tenant)
{
	struct txq *q = &x->txq[port];
	unsigned int i = q->n++;

	q->f[i].data = (uint8_t *)tenet_pool_buf(mp->pool, d->buf) + d->off;
	q->f[i].len = d->len;
	q->f[i].tenant = (uint16_t)tenant;
	q->buf[i] = d->buf;
	q->off[i] = d->off;
	q->mp[i] = mp;
	q->tenant[i] = (uint16_t)tenant;
	if (q->n == MGR_BURST)
		flush_tx(x, port);
}

static void flush_nf(struct dctx *x, struct nf *nf)
{
	struct mgr *m = x->m;
	struct service *s = &m->services[nf->service];
	struct mgr_pool *mp = m->tenants[s->tenant].mp;
	unsigned int n;

	if (!nf->nb_out)
		return;
	n = tenet_ring_enqueue_burst_guarded(&nf->rx, nf->out, nf->nb_out);
	cnt_add(&nf->rx_pkts, n);
	for (unsigned int i = n; i < nf->nb_out; i++) {
		struct tenet_desc *d = &nf->out[i];
		struct bufmeta *bm = &mp->meta[d->buf];

		tenet_pool_set_owner(mp->pool, d->buf, TENET_OWNER_MGR);
		drop(x, mp, d->buf, m->chains[bm->chain].tenant, DROP_NF_RX_FULL);
		cnt_add(&nf->rx_full, 1);
	}
	nf->nb_out = 0;
	if (n && !m->poll && tenet_ring_needs_kick(&nf->rx)) {
		/* the flag is NF-written: kick at most once per cons value, so a
		 * hostile NF that keeps it set cannot make us spin on syscalls.
		 * That is safe only while the NF still has descriptors to take:
		 * one that already took all (cons == head) may be going back to
		 * sleep at this very cons, so the next kick must not be skipped. */
		uint32_t cons = __atomic_load_n(&nf->rx.shm->cons, __ATOMIC_RELAXED);

		if (!nf->kick_armed || cons != nf->kick_cons) {
			uint64_t t0 = mgr_thread_ns();

			nf->kick_cons = cons;
			nf->kick_armed = cons != nf->rx.head;
			cnt_add(&nf->kicks, 1);
			/* never blocks (lib/wait.h); a closed end only hurts the NF */
			if (tenet_kick_send(nf->rx_kick) < 0)
				cnt_add(&nf->kick_errors, 1);
			/* a wake-up across CPUs costs microseconds in a guest */
			x->kick_ns += mgr_thread_ns() - t0;
		}
	}
}

/*
 * Is there room in the NF's rx ring for one more descriptor beyond those
 * staged? Refreshes the (NF-written, so checked) consumer index only when
 * the cached view says full.
 */
static bool rx_room(struct nf *nf)
{
	return tenet_ring_room(&nf->rx, nf->nb_out + 1) > nf->nb_out;
}

/* One empty buffer of pool dmp (another shard's) from its xfill ring for this shard. */
static bool get_xbuf(struct dctx *x, struct mgr_pool *dmp, uint32_t *buf)
{
	struct bufcache *c = &x->xcache[dmp->index];

	if (!c->n) {
		struct mdesc d[MGR_BURST];
		unsigned int n = xring_dequeue(&dmp->xfill[x->index], d, MGR_BURST);

		for (unsigned int i = 0; i < n; i++)
			c->buf[c->n++] = d[i].buf;
		if (!n)
			return false;
	}
	*buf = c->buf[--c->n];
	return true;
}

/* Pass the staged handoffs to shard b, and wake it if it sleeps. */
static void flush_hand(struct dctx *x, unsigned int b)
{
	struct xring *h = &x->m->shards[b].hand[x->index];

	if (!x->nb_hout[b])
		return;
	/* hand_over checked the room for every staged descriptor: all go */
	xring_enqueue(h, x->hout[b], x->nb_hout[b]);
	x->nb_hout[b] = 0;
	xring_wake(h);
}

/* Does packet d of pool mp fit a buffer of pool dmp too (a copy's check)? */
static bool fits_both(const struct mgr_pool *mp, const struct mgr_pool *dmp, const struct mdesc *d)
{
	uint32_t end = (uint32_t)d->off + d->len;

	return end <= dmp->pool->buf_size && end <= mp->pool->buf_size;
}

/*
 * A cross-tenant hop: copy packet d of pool mp into the empty buffer nb of
 * pool dmp (tenant dtenant's), with its meta, and free the source; d then
 * names the copy.
 */
static void copy_across(struct dctx *x, struct mgr_pool *mp, struct mdesc *d, struct mgr_pool *dmp,
                        uint32_t nb, unsigned int dtenant)
{
	memcpy((uint8_t *)tenet_pool_buf(dmp->pool, nb) + d->off,
	       (uint8_t *)tenet_pool_buf(mp->pool, d->buf) + d->off, d->len);
	dmp->meta[nb] = mp->meta[d->buf];
	free_buf(mp, d->buf);
	cnt_add(&x->a->copies, 1);
	cnt_add(&x->a->copies_in[dtenant], 1);
	d->buf = nb;
	d->pool = (uint8_t)dmp->index;
}

/*
 * Hop 'hop' of chain c runs in pool dmp, which another shard owns: copy
 * the packet into an empty dmp buffer from the xfill ring that shard keeps
 * for this one, free the source buffer, and hand the copy over. The owner
 * does the rest (to_hop there: instance, skip, ring room, ownership).
 */
static void hand_over(struct dctx *x, struct mgr_pool *mp, struct mdesc d, unsigned int hop,
                      struct mgr_pool *dmp, const struct chain *c, unsigned int dtenant)
{
	struct mgr *m = x->m;
	unsigned int b = dmp->shard;
	struct xring *h = &m->shards[b].hand[x->index];
	uint32_t nb;

	/* the same check as a copy within one shard: the destination's size */
	if (!fits_both(mp, dmp, &d)) {
		drop(x, mp, d.buf, c->tenant, DROP_OVERSIZE);
		return;
	}
	/* the handoff ring is the queue toward the next hop's NF: full is
	 * that NF's queue being full (nf_rx_full), checked before the copy */
	if (tenet_ring_room(&h->prod, x->nb_hout[b] + 1) <= x->nb_hout[b]) {
		cnt_add(&x->sh->hand_full, 1);
		drop(x, mp, d.buf, c->tenant, DROP_NF_RX_FULL);
		return;
	}
	if (!get_xbuf(x, dmp, &nb)) {
		xring_wake(h); /* the owner may sleep with its xfill ring empty */
		drop(x, mp, d.buf, c->tenant, DROP_NO_BUFFER);
		return;
	}
	/* the buffer is this shard's until the handoff: its meta too */
	copy_across(x, mp, &d, dmp, nb, dtenant);
	d.hop = (uint8_t)hop;
	x->hout[b][x->nb_hout[b]++] = d;
	if (x->nb_hout[b] == MGR_BURST)
		flush_hand(x, b);
}

/*
 * Move a packet held by the manager (in pool mp) to hop 'hop' of its chain,
 * or to service 'svc' when svc >= 0 (a TO_SERVICE verdict).
 */
static void to_hop(struct dctx *x, struct mgr_pool *mp, struct mdesc d, unsigned int hop, int svc)
{
	struct mgr *m = x->m;
	struct bufmeta *bm = &mp->meta[d.buf];
	struct chain *c = &m->chains[bm->chain];
	const struct cfg_chain *cc = c->cfg;
	struct service *s;
	struct mgr_pool *dmp;
	struct nf *nf;

	for (;;) {
		if (svc < 0 && hop >= cc->nb_hops) {
			if (cc->output < 0) {
				drop(x, mp, d.buf, c->tenant, DROP_NO_OUTPUT);
				return;
			}
			tap_hook(m, c, TAP_AT_OUT, mp->pool, &d);
			send_out(x, (unsigned int)cc->output, mp, &d, c->tenant);
			return;
		}
		s = &m->services[svc >= 0 ? (unsigned int)svc : cc->hops[hop].service];
		dmp = m->tenants[s->tenant].mp;
		/* another shard's pool (never with one shard, nor for a TO_SERVICE
		 * detour: that stays in the NF's own tenant): its owner serves it */
		if (dmp != mp && dmp->shard != x->index) {
			hand_over(x, mp, d, hop, dmp, c, s->tenant);
			return;
		}
		if (s->nb_inst)
			break;
		if (svc >= 0 || cc->on_failure == CFG_FAIL_DROP) {
			drop(x, mp, d.buf, c->tenant, DROP_NO_INSTANCE);
			return;
		}
		hop++; /* on_failure: skip */
	}
	/* every write checks against the buffer it lands in: the copy lands at
	 * d.off in a buffer of the destination pool, whose buf_size may be
	 * smaller than the source's (whose check the NF's length passed) */
	if (dmp != mp && !fits_both(mp, dmp, &d)) {
		drop(x, mp, d.buf, c->tenant, DROP_OVERSIZE);
		return;
	}
	/* the flow hash and ingress port from ingress, never the NF's copies:
	 * an NF must not pick which instance of the next (maybe another
	 * tenant's) service it loads, nor tell it a false ingress port */
	d.hash = bm->hash;
	d.port = bm->port;
	nf = s->inst[d.hash % s->nb_inst];
	if (!rx_room(nf)) {
		/* full: drop now rather than after a copy that would be wasted */
		cnt_add(&nf->rx_full, 1);
		drop(x, mp, d.buf, c->tenant, DROP_NF_RX_FULL);
		return;
	}
	if (dmp != mp) {
		/* cross-tenant hop: copy into the destination pool, free the source */
		uint32_t nb;

		if (tenet_pool_alloc_bulk(dmp->pool, &nb, 1)) {
			drop(x, mp, d.buf, c->tenant, DROP_NO_BUFFER);
			return;
		}
		copy_across(x, mp, &d, dmp, nb, s->tenant);
		bm = &dmp->meta[nb];
	}
	bm->hop = (uint8_t)hop;
	d.hop = (uint8_t)hop;
	/* a copy for a tap on this hop (tap.h); a TO_SERVICE detour is no hop */
	tap_hook(m, c, svc < 0 ? hop : TAP_AT_NONE, dmp->pool, &d);
	tenet_pool_set_owner(dmp->pool, d.buf, nf->id);
	/* the packet leaves the manager's rings for an NF's (xring.h) */
	nf->out[nf->nb_out++] = mdesc_to_nf(&d);
	if (nf->nb_out == MGR_BURST)
		flush_nf(x, nf);
}

/* A packet freshly written into a pool by a NIC stage or the router. */
static void from_ingress(struct dctx *x, struct mgr_pool *mp, struct mdesc d)
{
	struct mgr *m = x->m;
	unsigned int chain = d.chain;
	struct bufmeta *bm = &mp->meta[d.buf];

	if (chain == CHAIN_UNCLASSIFIED) {
		/* steer: shared - the OpenNetVM baseline classifies on the host;
		 * hop 0: no NIC stage ran, every hop runs on the host */
		struct tenet_pkt_info pi;
		const uint8_t *frame = (uint8_t *)tenet_pool_buf(mp->pool, d.buf) + d.off;
		enum drop_reason why =
		        mgr_classify_frame(m, mgr_cls(m), frame, &d, &pi, m->host_parse_err);

		if (why != INGRESS_CLASSIFIED) {
			free_buf(mp, d.buf);
			no_tenant_drop(x->a, why, 1);
			return;
		}
		chain = d.chain;
		/* the buffer is still in mp: a hop in the chain's pool copies it (to_hop) */
		d.pool = (uint8_t)mp->index;
	}
	bm->chain = (uint8_t)chain;
	bm->port = d.port;
	bm->hop = 0;
	bm->hash = d.hash;
	cnt_add(&m->tenants[m->chains[chain].tenant].in, 1);
	cnt_add(&m->chains[chain].pkts, 1);
	to_hop(x, mp, d, d.hop, -1);
}

/* A packet an NF handed back, already validated and owned by the manager. */
static void from_nf(struct dctx *x, struct nf *nf, struct mgr_pool *mp, struct tenet_desc nd)
{
	struct mgr *m = x->m;
	struct bufmeta *bm = &mp->meta[nd.buf];
	unsigned int tenant = m->chains[bm->chain].tenant;
	unsigned int nf_tenant = m->services[nf->service].tenant;
	unsigned int arg = nd.arg;
	/* the verdict read, the packet is the manager's again (xring.h) */
	struct mdesc d = mdesc_from_nf(&nd, mp->index, bm->chain);

	switch (nd.verdict) {
	case TENET_V_NEXT:
		to_hop(x, mp, d, bm->hop + 1u, -1);
		return;
	case TENET_V_DROP:
		cnt_add(&nf->verdict_drop, 1);
		drop(x, mp, d.buf, tenant, DROP_NF_VERDICT);
		return;
	case TENET_V_TO_SERVICE:
		/* only to a service of the NF's own tenant: no injection across tenants */
		if (arg >= m->cfg->nb_services || m->services[arg].tenant != nf_tenant)
			break;
		to_hop(x, mp, d, bm->hop, (int)arg);
		return;
	case TENET_V_OUT_PORT:
		if (arg >= m->cfg->nb_ports || !m->ports[arg].port.drv->tx)
			break;
		tap_hook(m, &m->chains[bm->chain], TAP_AT_OUT, mp->pool, &d);
		send_out(x, arg, mp, &d, tenant);
		return;
	}
	cnt_add(&nf->rej.bad_verdict, 1);
	drop(x, mp, d.buf, tenant, DROP_NF_VIOLATION);
}

/* Packets another shard copied into one of this shard's pools, for hop d.hop. */
static unsigned int poll_hand(struct dctx *x, struct xring *r)
{
	struct mgr *m = x->m;
	struct mdesc d[MGR_BURST];
	unsigned int n = xring_dequeue(r, d, MGR_BURST);

	for (unsigned int i = 0; i < n; i++)
		to_hop(x, &m->pools[d[i].pool], d[i], d[i].hop, -1);
	return n;
}

/* Reclaim every buffer an NF held: it is gone. */
static void reclaim_nf(struct dctx *x, struct nf *nf)
{
	struct mgr *m = x->m;
	struct mgr_pool *mp = m->tenants[m->services[nf->service].tenant].mp;
	struct tenet_pool *pool = mp->pool;
	uint64_t n = 0;

	for (uint32_t b = 0; b < pool->nb_bufs; b++) {
		if (tenet_pool_owner(pool, b) != nf->id)
			continue;
		tenet_pool_set_owner(pool, b, TENET_OWNER_MGR);
		drop(x, mp, b, m->chains[mp->meta[b].chain].tenant, DROP_NF_GONE);
		n++;
	}
	cnt_add(&nf->reclaimed, n);
}

static void apply_commands(struct dctx *x)
{
	struct mgr *m = x->m;
	struct mgr_cmds *cmd = &x->sh->cmd;

	pthread_mutex_lock(&cmd->lock);
	for (unsigned int i = 0; i < cmd->nb_add; i++) {
		struct nf *nf = &m->nfs[cmd->add[i]];
		struct service *s = &m->services[nf->service];
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = nf->id};
		unsigned int k = x->nb_nfs++;

		s->inst[s->nb_inst++] = nf;
		nf->in_dispatch = true;
		nf->tx_kick_off = epoll_ctl(x->epfd, EPOLL_CTL_ADD, nf->tx_kick, &ev) < 0;
		/* x->nfs stays in id order: the order the loop serves them in */
		for (; k > 0 && x->nfs[k - 1]->id > nf->id; k--)
			x->nfs[k] = x->nfs[k - 1];
		x->nfs[k] = nf;
	}
	for (unsigned int i = 0; i < cmd->nb_del; i++) {
		struct nf *nf = &m->nfs[cmd->del[i]];
		struct service *s = &m->services[nf->service];
		unsigned int k = 0;

		if (!nf->in_dispatch)
			continue;
		for (unsigned int j = 0; j < s->nb_inst; j++)
			if (s->inst[j] != nf)
				s->inst[k++] = s->inst[j];
		s->nb_inst = k;
		k = 0;
		for (unsigned int j = 0; j < x->nb_nfs; j++)
			if (x->nfs[j] != nf)
				x->nfs[k++] = x->nfs[j];
		x->nb_nfs = k;
		nf->in_dispatch = false;
		if (!nf->tx_kick_off)
			epoll_ctl(x->epfd, EPOLL_CTL_DEL, nf->tx_kick, NULL);
		nf->tx_kick_off = true;
		reclaim_nf(x, nf);
	}
	cmd->nb_add = cmd->nb_del = 0;
	/* release pairs with wait_commands' acquire: the control thread may
	 * close and unmap a deleted NF's fds and rings once it sees 0, after
	 * every use of them here */
	__atomic_store_n(&cmd->pending, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&cmd->done, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&cmd->lock);
}

static unsigned int poll_ingress(struct dctx *x, struct xring *r)
{
	struct mgr *m = x->m;
	struct mdesc d[MGR_BURST];
	unsigned int n = xring_dequeue(r, d, MGR_BURST);

	/* steer shared: the headers the classifier reads are where the DMA
	 * left them (the shared cache): start the burst's misses together */
	for (unsigned int i = 0; i < n; i++)
		if (d[i].chain == CHAIN_UNCLASSIFIED)
			__builtin_prefetch(
			        (uint8_t *)tenet_pool_buf(m->pools[d[i].pool].pool, d[i].buf) +
			        d[i].off);
	for (unsigned int i = 0; i < n; i++)
		from_ingress(x, &m->pools[d[i].pool], d[i]);
	return n;
}

static void set_sleeping(struct dctx *x, uint32_t v)
{
	struct mgr *m = x->m;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].ingress[x->index].mem)
			tenet_ring_set_sleeping(&m->ports[i].ingress[x->index].cons, v);
	if (m->have_router)
		tenet_ring_set_sleeping(&m->router.out[x->index].cons, v);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].tx.zerocopy)
			tenet_ring_set_sleeping(&m->ports[i].tx.compq.cons, v);
	for (unsigned int a = 0; a < m->nb_shards; a++)
		if (a != x->index)
			tenet_ring_set_sleeping(&x->sh->hand[a].cons, v);
	for (unsigned int i = 0; i < x->nb_nfs; i++)
		tenet_ring_set_sleeping(&x->nfs[i]->tx, v);
}

/* The inline NIC stages' time so far (their turns, less this dispatcher's turns inside them). */
static uint64_t stages_ns(const struct dctx *x)
{
	uint64_t ns = x->closed_nic_ns;

	for (unsigned int i = 0; i < x->m->cfg->nb_ports; i++)
		if (x->stage[i])
			ns += nic_stage_ns(x->stage[i]);
	return ns;
}

/*
 * Account the turn that just ended: a run of turns with work begins at the
 * first and ends at the first without (shard.work_ns), so the CPU a
 * dispatcher spends on packets is told apart from the CPU it spends
 * waiting for them - which, at a few Mpps, is most of it.
 */
/* The work of the run in progress until 'now' (thread CPU), 0 if none. */
static uint64_t run_work(const struct dctx *x, uint64_t now)
{
	uint64_t other;

	if (!x->run_t0)
		return 0;
	other = (x->kick_ns - x->run_kick0) + (stages_ns(x) - x->run_nic0);
	/* the stages' time is read off the clock, the thread's is CPU time */
	return now - x->run_t0 > other ? now - x->run_t0 - other : 0;
}

static void account_turn(struct dctx *x, bool worked)
{
	if (worked == (x->run_t0 != 0))
		return;
	if (worked) {
		x->run_t0 = mgr_thread_ns();
		x->run_kick0 = x->kick_ns;
		x->run_nic0 = stages_ns(x);
		return;
	}
	x->work_ns += run_work(x, mgr_thread_ns());
	x->run_t0 = 0;
}

/*
 * Publish the thread's CPU figures (readers take them with cnt_get), the
 * run in progress included: under overload a run lasts the whole trial,
 * and a snapshot at the end of the warm-up must see its work so far.
 */
static void publish_ns(struct dctx *x)
{
	uint64_t now = mgr_thread_ns(), nic = stages_ns(x);

	__atomic_store_n(&x->sh->work_ns, x->work_ns + run_work(x, now), __ATOMIC_RELAXED);
	__atomic_store_n(&x->sh->nf_kick_ns, x->kick_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&x->sh->ns, now > nic ? now - nic : 0, __ATOMIC_RELAXED);
}

static bool anything_pending(struct dctx *x)
{
	struct mgr *m = x->m;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].ingress[x->index].mem &&
		    tenet_ring_count(&m->ports[i].ingress[x->index].cons))
			return true;
	if (m->have_router && tenet_ring_count(&m->router.out[x->index].cons))
		return true;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].tx.zerocopy && tenet_ring_count(&m->ports[i].tx.compq.cons))
			return true;
	for (unsigned int a = 0; a < m->nb_shards; a++)
		if (a != x->index && tenet_ring_count(&x->sh->hand[a].cons))
			return true;
	for (unsigned int i = 0; i < x->nb_nfs; i++) {
		/* NF-written index: a garbage prod reads as "empty" here, and
		 * the checked dequeue counts it */
		if (tenet_ring_count(&x->nfs[i]->tx))
			return true;
	}
	return __atomic_load_n(&x->sh->cmd.pending, __ATOMIC_ACQUIRE) != 0;
}

/* Has the NF hung up its control socket too (it exited, crashed or detached)? */
static bool nf_leaving(const struct nf *nf)
{
	struct pollfd p = {.fd = nf->sock, .events = POLLRDHUP};

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/*
 * An NF kicked us (or wrote garbage to its kick socket: any byte is a
 * kick, and the drain is bounded). An end it closed or shut down would
 * stay readable for ever and turn every idle sleep into a busy loop: it
 * leaves the epoll set, and the NF is from then on served by the sleep's
 * timeout only - slower for it, no one else. An NF that is leaving closes
 * its control socket first (libtenet does, and a dying process closes its
 * fds in order, the control socket lowest); one that hangs up its kick
 * socket while still attached is counted and logged.
 */
static void nf_kicked(struct dctx *x, struct nf *nf, uint32_t events)
{
	const struct service *s = &x->m->services[nf->service];
	ssize_t n = tenet_kick_drain(nf->tx_kick);

	if (n >= 0 && !(events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)))
		return;
	epoll_ctl(x->epfd, EPOLL_CTL_DEL, nf->tx_kick, NULL);
	nf->tx_kick_off = true;
	if (nf_leaving(nf))
		return;
	cnt_add(&nf->kick_errors, 1);
	tenet_log(TENET_LOG_WARN,
	          "NF %s/%s#%u (id %u): its tx kick socket hung up (%s); polled from now on",
	          x->m->cfg->tenants[s->tenant].name, s->cfg->name, nf->instance, nf->id,
	          n < 0 ? strerror((int)-n) : "closed or shut down");
}

#define DISPATCH_SLEEP_MS       50    /* longest sleep with nothing to do (stop flag, commands) */
#define DISPATCH_STAGE_SLEEP_NS 50000 /* the same with inline NIC stages polling a wire */

static void idle_sleep(struct dctx *x)
{
	struct mgr *m = x->m;
	struct epoll_event ev[MGR_EPOLL_BATCH];
	int n;

	set_sleeping(x, 1);
	if (!anything_pending(x) && !flag_up(&m->stop.dispatch)) {
		if (x->nb_stages && x->wire_open) {
			/* inline NIC stages: a paced source's frames come with no
			 * wake-up; look again in DISPATCH_STAGE_SLEEP_NS, as a
			 * NIC stage of its own sleeps after an empty poll */
			struct pollfd pfd = {.fd = x->epfd, .events = POLLIN};
			const struct timespec ts = {0, DISPATCH_STAGE_SLEEP_NS};

			n = ppoll(&pfd, 1, &ts, NULL) > 0
			            ? epoll_wait(x->epfd, ev, MGR_EPOLL_BATCH, 0)
			            : 0;
		} else {
			n = epoll_wait(x->epfd, ev, MGR_EPOLL_BATCH, DISPATCH_SLEEP_MS);
		}
		for (int i = 0; i < n; i++) {
			uint32_t id = ev[i].data.u32;

			/* the set holds this shard's eventfd and its NFs' kick sockets */
			if (id == 0)
				tenet_event_drain(x->sh->efd);
			else if (id <= MGR_MAX_NF && m->nfs[id].in_dispatch &&
			         !m->nfs[id].tx_kick_off)
				nf_kicked(x, &m->nfs[id], ev[i].events);
		}
		cnt_add(&x->sh->wakeups, 1);
	}
	set_sleeping(x, 0);
}

/* Take what the NFs of this shard handed back, validated, and move it on. */
static unsigned int poll_nfs(struct dctx *x)
{
	struct mgr *m = x->m;
	struct tenet_desc d[MGR_BURST];
	unsigned int work = 0;

	for (unsigned int k = 0; k < x->nb_nfs; k++) {
		struct nf *nf = x->nfs[k];
		unsigned int tenant = m->services[nf->service].tenant;
		struct mgr_pool *mp = m->tenants[tenant].mp;
		uint64_t freed = nf->rej.freed;
		unsigned int n;

		n = tenet_ring_dequeue_checked(&nf->tx, mp->pool, nf->id, d, MGR_BURST, &nf->rej);
		if (nf->rej.freed != freed) {
			/* bad length/verdict on a buffer it held: the packet ends */
			tenant_drop(x->a, tenant, DROP_NF_VIOLATION, nf->rej.freed - freed);
		}
		cnt_add(&nf->tx_pkts, n);
		for (unsigned int i = 0; i < n; i++)
			from_nf(x, nf, mp, d[i]);
		work += n;
	}
	return work;
}

/*
 * One turn: what the ports, the router, the other shards and the NFs
 * handed over, moved on; the transmit queues flushed; the fill rings
 * topped up. Returns the packets and buffers moved; *pkts the packets.
 */
static unsigned int turn(struct dctx *x, unsigned int *pkts)
{
	struct mgr *m = x->m;
	struct shard *sh = x->sh;
	bool sharded = m->nb_shards > 1;
	unsigned int work = 0, hand = 0;

	if (__atomic_load_n(&sh->cmd.pending, __ATOMIC_ACQUIRE))
		apply_commands(x);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].ingress[x->index].mem)
			work += poll_ingress(x, &m->ports[i].ingress[x->index]);
	if (m->have_router)
		work += poll_ingress(x, &m->router.out[x->index]);
	if (sharded)
		for (unsigned int a = 0; a < m->nb_shards; a++)
			if (a != x->index)
				hand += poll_hand(x, &sh->hand[a]);
	work += hand + poll_nfs(x);
	for (unsigned int k = 0; k < x->nb_nfs; k++)
		if (x->nfs[k]->nb_out)
			flush_nf(x, x->nfs[k]);
	if (sharded)
		for (unsigned int b = 0; b < m->nb_shards; b++)
			flush_hand(x, b);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		flush_tx(x, i);
		if (m->ports[i].tx.zerocopy)
			work += poll_tx_done(x, &m->ports[i]);
	}
	*pkts = work;
	if (work) {
		cnt_add(&sh->pkts, work);
		if (hand)
			cnt_add(&sh->hand_pkts, hand);
	}
	return work + fill_refill(&x->fill, m);
}

/* An inline NIC stage's host turn (nic.h): no quiescent point, its classifier is held. */
static void host_turn(void *arg)
{
	unsigned int pkts;

	turn(arg, &pkts);
}

static void close_stage(struct dctx *x, unsigned int i)
{
	struct mport *p = &x->m->ports[i];

	x->closed_nic_ns += nic_stage_ns(x->stage[i]);
	nic_stage_close(x->stage[i]);
	x->stage[i] = NULL;
	x->nb_stages--;
	flag_raise(&p->stage_closed);
}

static void open_stages(struct dctx *x)
{
	struct mgr *m = x->m;

	x->host = (struct nic_host){host_turn, x};
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (!p->inline_stage)
			continue;
		x->stage[i] = nic_stage_open(m, p, &x->host);
		if (x->stage[i]) {
			x->nb_stages++;
			continue;
		}
		tenet_log(TENET_LOG_ERR, "port %s: out of memory for its NIC stage", p->cfg->name);
		__atomic_store_n(&p->rx.done, true, __ATOMIC_RELEASE);
		flag_raise(&p->stage_closed);
	}
}

/*
 * The wire first: a stage that took a full burst polls again, up to
 * DISPATCH_DRAIN_BURSTS in a row (8192 frames: the receive ring), before
 * the dispatcher's turn. After a stop of this CPU the receive ring holds
 * what came meanwhile, and only its overflow is lost (rx_missed): taken
 * a burst of the stage and a turn of the dispatcher in turn, it would
 * drain at the pace of both (by the figures of a 2-NF chain, 125 ns a
 * frame with steer nic: 2 Mpps net of 6 coming in), not of the stage
 * (45 ns) - as a stage of its own, which drains in its time slice. The dispatcher's turns still run
 * meanwhile wherever the stage would wait for them (the ingress ring is
 * full, a fill ring ran dry: nic.h), so what is taken queues in the
 * ingress ring and the pool, not the receive ring. Steady, a turn of
 * both takes a few µs and the next poll finds less than a burst.
 */
#define DISPATCH_DRAIN_BURSTS 256

/* A poll of each inline NIC stage once the wire is open; closed at stop.nic. Frames taken. */
static unsigned int run_stages(struct dctx *x)
{
	struct mgr *m = x->m;
	unsigned int work = 0;

	if (flag_up(&m->stop.nic)) { /* wire open or not: mgr_stop waits for this */
		for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
			if (x->stage[i])
				close_stage(x, i);
		return 0;
	}
	if (!x->wire_open && !(x->wire_open = flag_up(&m->stop.wire)))
		return 0;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		int n;

		if (!x->stage[i])
			continue;
		for (unsigned int k = 0; k < DISPATCH_DRAIN_BURSTS; k++) {
			n = nic_stage_turn(x->stage[i]);
			if (n == -ENODATA) {
				close_stage(x, i);
				break;
			}
			work += (unsigned int)n;
			if (n < MGR_BURST)
				break;
		}
	}
	return work;
}

void *dispatch_thread(void *arg)
{
	struct shard *sh = arg;
	struct mgr *m = sh->m;
	struct dctx *x = calloc(1, sizeof(*x));
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0};
	struct tenet_spin spin = {0};
	unsigned int loops = 0, run_pkts = 0;
	/*
	 * steady: the run of turns before the last sleep moved a burst or
	 * more. Then it polls the long way (TENET_SPIN_NS, yielding) after a
	 * partial burst too: at a steady few hundred kpps or more, packets
	 * trickle in from the NIC stage and the NFs, and a dispatcher that
	 * slept after 256 empty polls was woken (a kick, and a wake-up across
	 * CPUs in a guest) within tens of µs again and again: a 2-NF chain's
	 * p50 was 207-229 µs from 100 kpps to 3 Mpps, and 134-141 with this;
	 * the NIC stage, which kicks it, spent 70 ns a frame at 3 Mpps
	 * instead of 83. The cost is polling under light traffic: at
	 * 100 kpps this thread used 86 % of a CPU instead of 37 %, yielding
	 * it every 64 polls. At 10 kpps the runs are shorter than a burst and
	 * it sleeps as before; idle, it sleeps. Packets, not wake-ups, count:
	 * an NF that kicks without handing anything back does not make it
	 * poll.
	 */
	bool steady = false;

	if (!x) {
		for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
			if (m->ports[i].inline_stage)
				flag_raise(&m->ports[i].stage_closed);
		return NULL;
	}
	x->m = m;
	x->sh = sh;
	x->a = &sh->acct;
	x->index = sh->index;
	fill_init(&x->fill, m, sh->index);
	x->epfd = epoll_create1(EPOLL_CLOEXEC);
	epoll_ctl(x->epfd, EPOLL_CTL_ADD, sh->efd, &ev);
	open_stages(x);

	while (!flag_up(&m->stop.dispatch)) {
		unsigned int work, pkts, nic = x->nb_stages ? run_stages(x) : 0;

		work = turn(x, &pkts) + nic;
		pkts += nic; /* packets moved: what says whether the load is heavy */

		/* quiescent point for classifier swaps (steer: shared looks up
		 * here; an inline NIC stage holds none past its turn) */
		__atomic_store_n(&sh->epoch, sh->epoch + 1, __ATOMIC_RELEASE);
		account_turn(x, work != 0);
		if ((++loops & 1023) == 0)
			publish_ns(x);
		if (work) {
			/* when the last packet moved: a drained run's true end */
			__atomic_store_n(&sh->last_work_ns, (uint64_t)(mgr_now() * 1e9),
			                 __ATOMIC_RELAXED);
			if (run_pkts < MGR_BURST)
				run_pkts += pkts; /* only whether it reaches a burst counts */
			tenet_spin_reset(&spin, pkts >= MGR_BURST || steady);
			continue;
		}
		if (m->poll || tenet_spin_more(&spin))
			continue;
		steady = run_pkts >= MGR_BURST;
		run_pkts = 0;
		idle_sleep(x);
	}
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (x->stage[i])
			close_stage(x, i);
	/* sent frames whose completions are still queued are delivered */
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		while (m->ports[i].tx.zerocopy && poll_tx_done(x, &m->ports[i]))
			;
	account_turn(x, false);
	publish_ns(x);
	close(x->epfd);
	free(x);
	return NULL;
}
