/*
 * The NIC model and the CPU router.
 *
 * A software port's NIC stage runs on the port's own thread, apart from
 * host CPU: it takes frames from the driver (the wire), and depending on
 * the port's steer mode:
 *
 *   nic     parse + classify the frame in the NIC's staging memory, then
 *           write it once into the tenant's pool (the DMA). 1 copy.
 *   cpu     write it into the manager-private ingress pool (the DMA); the
 *           router thread classifies and copies it into the tenant pool.
 *           2 copies, one extra host thread.
 *   shared  write it into the one shared pool; the dispatcher classifies
 *           on the host (the OpenNetVM baseline: no isolation). 1 copy.
 *
 * Empty buffers come from fill rings that their pool's owner keeps topped
 * up; a NIC stage that finds none drops the frame (no_buffer), as a NIC
 * does: waiting would let one tenant's full pool stall every tenant. It
 * first gives its CPU to the ring's owner and tries again (yield_owner;
 * an on-demand source waits a little, a paced one up to 100 µs unless the
 * owner withholds the pool: wait_owner): the model's catch-up after a
 * stall must not outrun a host thread that shares its CPU.
 * Full buffers go on the ingress ring of the dispatcher shard that owns
 * their pool (one ring per port and shard; mdesc.pool picks it), so each
 * shard sees only its own pools' packets, in the order they arrived.
 *
 * Every write into a buffer (the DMA here, the router's copy) is checked
 * against the destination pool's buf_size: a frame longer than the room
 * after the headroom is dropped (oversize), never cut and never written
 * past its buffer, as a NIC drops a frame longer than its posted buffer.
 * Frames a driver could not hold at all (ports/port.h, rx_oversize) or
 * lost with its receive ring full (rx_missed) are
 * counted the same way, so packets_in covers every frame the wire gave.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/wait.h"
#include "mgr/ingress.h"
#include "mgr/nic.h"
#include "tenet/log.h"

/* Local cache of empty buffers taken from one fill ring. */
struct bufcache {
	uint32_t buf[MGR_BURST];
	unsigned int n;
};

/* The last kick of one ring to its consumer (kick). */
struct kicked {
	uint32_t cons; /* the consumer's index then */
	bool armed;    /* it had descriptors to take then */
};

struct nic_state {
	struct bufcache cache[CFG_MAX_TENANTS];
	struct mdesc out[MGR_MAX_SHARDS][MGR_BURST]; /* per shard */
	unsigned int nb_out[MGR_MAX_SHARDS];
	struct kicked kicked[MGR_MAX_SHARDS];
	unsigned int unchecked[MGR_MAX_SHARDS]; /* pushes since the last kick check (push) */
	uint64_t wait_ns; /* thread CPU asleep, yielding, waiting, kicking (rx.wait_ns) */
	uint64_t turn_ns; /* when this turn began (stall_check) */
	/* inline (nic_stage_open with a host): the dispatcher whose thread
	 * runs this stage, which consumes its ingress ring and owns its fill
	 * rings; NULL: the stage has a thread of its own */
	const struct nic_host *host;
	uint64_t inline_ns; /* inline: the turns' time, less the host's turns inside them */
	uint64_t nested_ns; /* inline: the host's turns run inside this turn (host_turn) */
};

/* The NIC stage of one port: its own thread's (nic_thread) or run inline (nic.h). */
struct nic_stage {
	struct mgr *m;
	struct mport *p;
	struct nic_state st;
	enum cfg_steer steer;
	struct xring *ring; /* steer cpu: the router's ring (index 0 only); else one per shard */
	unsigned int nb_rings;
	unsigned int loops;
	uint64_t drv_seen[2];
};

/*
 * Inline: run one of the host dispatcher's turns - what a thread of its
 * own does by yielding its CPU to the dispatcher, without the scheduler.
 */
static void host_turn(struct nic_state *st)
{
	uint64_t t0 = tenet_spin_now();

	st->host->turn(st->host->arg);
	st->nested_ns += tenet_spin_now() - t0;
}

/*
 * Wake the shard that consumes ring r (st->kicked[s]) if it sleeps (its
 * eventfd is r's wake_fd). Once per position of the consumer while it
 * had descriptors to take: its sleeping flag stays up until it runs, and
 * on a CPU it shares with this thread that is after this thread yields -
 * a kick per burst meanwhile was a syscall per burst for nothing (the
 * dispatcher's own NF kicks follow the same rule). A consumer that took
 * everything may sleep again at that same position: then the next kick
 * is not skipped.
 */
static void kick(struct mgr *m, struct xring *r, unsigned int s, struct nic_state *st)
{
	struct kicked *k = &st->kicked[s];
	uint32_t cons;
	uint64_t t0;

	if (m->poll || st->host || r->wake_fd < 0 || !tenet_ring_needs_kick(&r->prod))
		return; /* inline: the consumer is this thread */
	cons = __atomic_load_n(&r->prod.shm->cons, __ATOMIC_ACQUIRE);
	if (k->armed && cons == k->cons)
		return; /* the last kick is still to be taken */
	k->cons = cons;
	k->armed = cons != r->prod.head;
	t0 = mgr_thread_ns();
	tenet_event_signal(r->wake_fd);
	st->wait_ns += mgr_thread_ns() - t0;
}

/*
 * Whether the consumer sleeps is read with a full barrier (kick, through
 * tenet_ring_needs_kick: it pairs with the consumer's own in
 * tenet_ring_set_sleeping), and on x86 that barrier first waits for every
 * store before it - the frames just written into the pools - to leave the
 * store buffer. Once per push, that wait was a fifth of steer nic's NIC
 * stage at 6 Mpps (perf), and it held the stage in a regime of small
 * bursts: 3-5 frames a poll, each paying the check and the ring's
 * overheads again, 68-86 ns of work a frame; with a check every 8th
 * push, 27 frames a poll and 46 ns. So a NIC stage that keeps finding
 * frames checks every NIC_KICK_EVERY pushes to a ring, and always before
 * it stops polling on its own (an empty poll's sleep, a yield, a wait for
 * buffers, the end): a consumer that fell asleep just after a check waits
 * at most that many of this stage's turns, never past its next pause.
 */
#define NIC_KICK_EVERY 8

/*
 * Push what is staged for shard s on its ring r (the consumer always
 * drains, so wait for room), then check whether to kick it: 'now', or
 * once NIC_KICK_EVERY pushes went unchecked.
 */
static void push(struct mgr *m, struct xring *r, unsigned int s, struct nic_state *st, bool now)
{
	struct mdesc *d = st->out[s];
	unsigned int done = 0, n = st->nb_out[s];

	while (done < n) {
		done += xring_enqueue(r, d + done, n - done);
		if (done < n && st->host) {
			host_turn(st); /* the consumer is this thread: take the ring */
		} else if (done < n) {
			uint64_t t0;

			kick(m, r, s, st);
			t0 = mgr_thread_ns();
			sched_yield();
			st->wait_ns += mgr_thread_ns() - t0;
		}
	}
	if (n)
		st->unchecked[s]++;
	if (st->unchecked[s] && (now || st->unchecked[s] >= NIC_KICK_EVERY)) {
		kick(m, r, s, st);
		st->unchecked[s] = 0;
	}
	st->nb_out[s] = 0;
}

/*
 * One empty buffer from fill ring r, or false when the pool's owner has
 * none to give right now. The NIC never waits for one: a tenant whose NFs
 * sit on every buffer of its pool must not stall the wire for the other
 * tenants, so the frame is dropped (no_buffer), as a NIC drops when a
 * queue has no descriptors posted.
 */
static bool get_buf(struct xring *r, struct bufcache *c, uint32_t *buf)
{
	if (!c->n) {
		struct mdesc d[MGR_BURST];
		unsigned int n = xring_dequeue(r, d, MGR_BURST);

		for (unsigned int i = 0; i < n; i++)
			c->buf[c->n++] = d[i].buf;
		if (!n)
			return false; /* the caller asks the owner for a refill, once a burst */
	}
	*buf = c->buf[--c->n];
	return true;
}

/*
 * The chain's leading hops that run on the NIC (a literal payload scan):
 * returns the hop the host starts at, or NIC_DROP. A payload the NIC
 * cannot scan (too long for it) is handed to the host from that hop on.
 */
#define NIC_DROP 0xff

static unsigned int nic_hops(struct chain *c, struct mgr *m, const uint8_t *frame,
                             const struct tenet_pkt_info *pi)
{
	for (unsigned int h = 0; h < c->first_host_hop; h++) {
		const struct service *s = &m->services[c->cfg->hops[h].service];
		struct tenet_scan_result r;
		int v = tenet_nicscan_scan(s->nicscan, frame + pi->payload_off, pi->payload_len,
		                           &r);

		if (v < 0) {
			cnt_add(&c->nic_to_host, 1);
			return h;
		}
		cnt_add(&c->nic_scanned, 1);
		if (v == TENET_SCAN_DROP)
			return NIC_DROP;
		if (v == TENET_SCAN_TAG)
			cnt_add(&c->nic_tagged, 1);
	}
	return c->first_host_hop;
}

/*
 * The DMA: write a frame into host memory and leave it where a NIC's DMA
 * leaves it - in the last-level cache (Intel DDIO, and the like), not in
 * the private caches of the core that runs this model. A write that stays
 * in this core's L1 would hand the host thread that reads the frame next
 * on this CPU (the dispatcher's parse in steer shared, the router's copy
 * in steer cpu) its headers for free, which no NIC does. CLDEMOTE moves
 * a written line to the shared cache; it is a hint in the NOP space, so a
 * CPU without it runs on (and the model is then kinder to the host).
 *
 * Only the lines a host classifier reads are demoted: the first
 * DMA_DEMOTE_BYTES (L2 to L4 headers, VLANs and IPv6 included). A demote
 * costs the NIC stage ~10 ns a line here, and all 24 lines of a 1518-byte
 * frame cost it 250 ns a frame, which on a CPU it shares with the host
 * halved every mode's throughput at that size (max rate 5.6 -> 2.3 Mpps):
 * the model's own cost, no NIC's. The payload stays where the copy left it.
 */
#define DMA_DEMOTE_BYTES 128

static inline void dma_write(uint8_t *dst, const void *src, uint32_t len)
{
	memcpy(dst, src, len);
#if defined(__x86_64__)
	uintptr_t end = (uintptr_t)dst + (len < DMA_DEMOTE_BYTES ? len : DMA_DEMOTE_BYTES);

	for (uintptr_t a = (uintptr_t)dst & ~(uintptr_t)63; a < end; a += 64)
		__asm__ volatile("cldemote %0" : : "m"(*(const volatile char *)a));
#endif
}

/* Does a frame of len bytes fit at offset off of one of pool's buffers? */
static inline bool fits(const struct tenet_pool *pool, uint32_t off, uint32_t len)
{
	return off <= pool->buf_size && len <= pool->buf_size - off;
}

/*
 * Account the frames the driver counted but never handed out since the
 * last call: too long for it to hold (oversize), or arrived while its
 * receive ring was full (rx_missed). Each is in packets_in, and dropped.
 */
static void driver_drops(struct mport *p, uint64_t seen[2])
{
	uint64_t (*const fn[2])(struct port *) = {p->port.drv->rx_oversize, p->port.drv->rx_missed};
	static const enum drop_reason why[2] = {DROP_OVERSIZE, DROP_RX_MISSED};

	for (unsigned int i = 0; i < 2; i++) {
		uint64_t now;

		if (!fn[i] || (now = fn[i](&p->port)) == seen[i])
			continue;
		cnt_add(&p->rx.frames, now - seen[i]);
		cnt_add(&p->rx.drops[why[i]], now - seen[i]);
		seen[i] = now;
	}
}

/*
 * Every frame of the last burst found its pool's fill ring empty: the
 * pools' owner has no buffer to give (the chain is slower than the wire,
 * and the dispatcher holds back buffers of a pool with a full budget in
 * flight). A source that makes frames on demand (gen, pcap at full speed:
 * port.on_demand) then stops asking until one of those fill rings gets
 * buffers - polling them up to TENET_SPIN_NS, yielding, then sleeping on
 * the rings' wake-up, at most NIC_STARVED_WAIT_NS - as DPDK's null device
 * stops receiving when its mempool is empty: generating frames only to drop
 * them would burn the CPU the chain needs, where a NIC's drop costs the
 * host nothing. A paced or real source does not wait here: frames keep
 * arriving meanwhile, other tenants' among them, so a tenant that sits
 * on its buffers only has its own frames dropped (no_buffer), never
 * delays another's (it may wait up to 100 µs for an owner that has
 * buffers to post: wait_owner). Only the starved pools' rings count.
 */
#define NIC_STARVED_WAIT_NS 1000000

/*
 * Sleep on the fill rings r[0..nb) until one of them gets buffers (their
 * owner's refill signals nic_efd while a ring says it sleeps), at most
 * timeout_ns.
 */
static void sleep_on_fill(struct mgr *m, struct mport *p, struct xring *const r[], unsigned int nb,
                          long timeout_ns)
{
	struct pollfd pfd = {.fd = p->nic_efd, .events = POLLIN};
	const struct timespec ts = {.tv_sec = timeout_ns / 1000000000,
	                            .tv_nsec = timeout_ns % 1000000000};
	bool empty = true;

	for (unsigned int i = 0; i < nb; i++)
		tenet_ring_set_sleeping(&r[i]->cons, 1);
	for (unsigned int i = 0; i < nb && empty; i++)
		empty = tenet_ring_count(&r[i]->cons) == 0;
	if (empty && !flag_up(&m->stop.nic) && ppoll(&pfd, 1, &ts, NULL) > 0)
		tenet_event_drain(p->nic_efd);
	for (unsigned int i = 0; i < nb; i++)
		tenet_ring_set_sleeping(&r[i]->cons, 0);
}

static void wait_fill(struct mgr *m, struct mport *p, uint64_t starved)
{
	struct xring *r[CFG_MAX_TENANTS];
	struct tenet_spin spin = {.busy = true}; /* starved: under load */
	unsigned int nb = 0;

	if (m->poll || p->nic_efd <= 0 || !p->port.on_demand)
		return;
	if (p->cfg->steer == CFG_STEER_CPU)
		r[nb++] = &m->router.fill[p->index];
	else
		for (unsigned int k = 0; k < m->nb_pools; k++)
			if (starved & (1ull << k))
				r[nb++] = &p->fill[k];
	/* first poll the rings a while, yielding to the threads that share the CPU */
	do {
		for (unsigned int i = 0; i < nb; i++)
			if (tenet_ring_count(&r[i]->cons))
				return;
	} while (!flag_up(&m->stop.nic) && tenet_spin_more(&spin));
	sleep_on_fill(m, p, r, nb, NIC_STARVED_WAIT_NS);
}

/* Push what is staged for each shard s < nb on its ring r[s] (push: 'now'). */
static void push_all(struct mgr *m, struct xring *r, unsigned int nb, struct nic_state *st,
                     bool now)
{
	for (unsigned int s = 0; s < nb; s++)
		push(m, &r[s], s, st, now);
}

/*
 * A paced or real source's fill ring r (pool k) is still empty after the
 * yield to its owner. On a CPU the two threads share, one yield does not
 * always run the owner: the scheduler may still owe this thread time,
 * and the dispatcher posts only once it runs. So sleep on the ring until
 * the owner posts (its refill wakes this thread), at most
 * NIC_OWNER_WAIT_US; frames keep arriving in the receive ring meanwhile
 * and are counted as a NIC counts them. Not for a pool its owner
 * withholds (its budget in flight is used up, or its free list is
 * empty: fill.c): no buffer comes then, and a tenant that sits on its
 * buffers must cost the other tenants no more than one yield a burst.
 * On a 2-NF chain at 5.9-6.0 Mpps (2 s trials, steer nic and shared),
 * 9 trials of 22 lost 2-58 frames here (no_buffer after the yield)
 * before the wait, and 1 of 18 after it (29, in a trial that lost 77k
 * to a host stall): most of them steer nic's, and each such trial was
 * one its NDR search had to count as lossy.
 */
#define NIC_OWNER_WAIT_US 100

static void wait_owner(struct mgr *m, struct mport *p, struct xring *r, unsigned int k)
{
	if (m->poll || p->nic_efd <= 0 || p->cfg->steer == CFG_STEER_CPU ||
	    __atomic_load_n(&m->pools[k].withheld, __ATOMIC_RELAXED))
		return;
	sleep_on_fill(m, p, &r, 1, NIC_OWNER_WAIT_US * 1000L);
}

/*
 * Fill ring k ran dry. This thread is the NIC, but it runs on a host CPU,
 * and after a stall it drains the frames that waited in its receive ring
 * in one go: on a CPU it shares with the ring's owner, that burst would
 * use up every posted buffer before the owner runs once to post more - a
 * loss the model makes, not the host, since a real NIC runs beside the
 * CPU. So push what is staged, wake the owner and give it the CPU; the
 * caller then tries the ring once more and drops the frame (no_buffer)
 * only if it is still empty. A source that makes frames on demand waits
 * for the ring instead (wait_fill, at most NIC_STARVED_WAIT_NS): nothing
 * arrives meanwhile, so its frame need not be lost - as DPDK's null
 * device makes no frame without an mbuf (before, the burst after the
 * last posted buffer was made and dropped: 1 frame in 17 of a max-rate
 * chain). Again at the next empty ring of the burst only if that brought
 * buffers: a tenant that sits on its buffers (its owner posts none) costs
 * the other tenants one yield (or wait) per burst. Returns whether it
 * yielded or waited.
 */
static bool yield_owner(struct mgr *m, struct mport *p, struct xring *ring, unsigned int nb_rings,
                        struct xring *fill, unsigned int sh, unsigned int k, struct nic_state *st,
                        bool *yielded)
{
	uint64_t t0;

	if (*yielded || (m->poll && !st->host))
		return false;
	*yielded = true;
	push_all(m, ring, nb_rings, st, true);
	if (st->host) {
		/* inline: the owner is this thread; an on-demand source waits
		 * for a buffer as above, running the owner's turns meanwhile */
		uint64_t until = tenet_spin_now() + NIC_STARVED_WAIT_NS;

		host_turn(st);
		while (p->port.on_demand && !tenet_ring_count(&fill->cons) &&
		       !flag_up(&m->stop.nic) && tenet_spin_now() < until)
			host_turn(st);
		return true;
	}
	t0 = mgr_thread_ns();
	if (p->port.on_demand) {
		wait_fill(m, p, 1ull << k);
	} else {
		xring_wake(&ring[sh]);
		sched_yield();
		if (!tenet_ring_count(&fill->cons))
			wait_owner(m, p, fill, k);
	}
	st->wait_ns += mgr_thread_ns() - t0;
	return true;
}

/*
 * A turn of the loop (a burst, or an empty poll and a 50 µs sleep) takes
 * microseconds. A paced source's frames keep arriving, and a turn of
 * NIC_STALL_NS or more, whatever kept this thread from polling (the CPU
 * it shares given to the dispatcher, or the CPU itself stopped: a guest's
 * vCPU descheduled by its host), let them pile up in the receive ring and
 * past it be lost (rx_missed): at 6 Mpps the ring holds 1.4 ms. Counted,
 * so that a benchmark can tell those losses apart (tenet-bench prints
 * them per trial). An on-demand source loses nothing while not polled:
 * not counted. One clock read a turn.
 */
#define NIC_STALL_NS 1000000

static void stall_check(struct mport *p, struct nic_state *st)
{
	uint64_t now;

	if (p->port.on_demand)
		return;
	now = tenet_spin_now();
	if (st->turn_ns && now - st->turn_ns >= NIC_STALL_NS) {
		cnt_add(&p->rx.stalls, 1);
		cnt_add(&p->rx.stall_ns, now - st->turn_ns);
	}
	st->turn_ns = now;
}

/* Publish the stage's CPU figures (readers take them with cnt_get). */
static void publish_ns(struct mport *p, const struct nic_state *st)
{
	__atomic_store_n(&p->rx.wait_ns, st->wait_ns, __ATOMIC_RELAXED);
	__atomic_store_n(&p->rx.ns, st->host ? st->inline_ns : mgr_thread_ns(), __ATOMIC_RELAXED);
}

struct nic_stage *nic_stage_open(struct mgr *m, struct mport *p, const struct nic_host *host)
{
	struct nic_stage *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->m = m;
	s->p = p;
	s->st.host = host;
	s->steer = p->cfg->steer;
	s->ring = s->steer == CFG_STEER_CPU ? &m->router.in[p->index] : p->ingress;
	s->nb_rings = s->steer == CFG_STEER_CPU ? 1 : m->nb_shards;
	return s;
}

/* Classify one burst f[0..n), write each frame into its pool and stage its descriptor. */
static void take_burst(struct nic_stage *s, struct tenet_frame *f, int n)
{
	struct mgr *m = s->m;
	struct mport *p = s->p;
	struct nic_state *st = &s->st;
	const struct tenet_classifier *cls = mgr_cls(m);
	uint64_t starved = 0, bytes = 0;
	bool yielded = false;
	int nobuf = 0;

	for (int i = 0; i < n; i++) {
		struct tenet_pkt_info pi;
		struct mdesc d = {
		        .off = TENET_HEADROOM, .len = f[i].len, .port = (uint8_t)p->index};
		struct xring *fill;
		struct tenet_pool *dst;
		struct mgr_pool *mp;
		unsigned int k, sh;

		bytes += f[i].len;
		if (s->steer == CFG_STEER_NIC) {
			enum drop_reason why =
			        mgr_classify_frame(m, cls, f[i].data, &d, &pi, p->rx.parse_err);

			if (why != INGRESS_CLASSIFIED) {
				cnt_add(&p->rx.drops[why], 1);
				continue;
			}
			d.hop = (uint8_t)nic_hops(&m->chains[d.chain], m, f[i].data, &pi);
			if (d.hop == NIC_DROP) {
				cnt_add(&p->rx.drops[DROP_NIC_SCAN], 1);
				continue;
			}
			mp = &m->pools[d.pool];
			k = mp->index;
			sh = mp->shard;
			fill = &p->fill[k];
		} else if (s->steer == CFG_STEER_SHARED) {
			mp = &m->pools[0];
			d.chain = CHAIN_UNCLASSIFIED;
			k = 0;
			sh = 0;
			fill = &p->fill[0];
		} else {
			mp = NULL;
			k = 0;
			sh = 0; /* the router's one ingress ring */
			fill = &m->router.fill[p->index];
		}
		dst = mp ? mp->pool : m->router.ingress_pool;
		if (!fits(dst, d.off, f[i].len)) {
			cnt_add(&p->rx.drops[DROP_OVERSIZE], 1);
			continue;
		}
		if (!get_buf(fill, &st->cache[k], &d.buf)) {
			if (!yield_owner(m, p, s->ring, s->nb_rings, fill, sh, k, st, &yielded) ||
			    !get_buf(fill, &st->cache[k], &d.buf)) {
				cnt_add(&p->rx.drops[DROP_NO_BUFFER], 1);
				starved |= 1ull << k;
				nobuf++;
				continue;
			}
			yielded = false; /* the owner posted: it may have the CPU again */
		}
		/* the buffer the next frame of this pool takes: start its lines'
		 * way here while this frame is written and the next one is made
		 * and classified */
		if (st->cache[k].n)
			__builtin_prefetch((uint8_t *)tenet_pool_buf(
			                           dst, st->cache[k].buf[st->cache[k].n - 1]) +
			                           d.off,
			                   1);
		/* the DMA: the only write of the frame into host memory */
		dma_write((uint8_t *)tenet_pool_buf(dst, d.buf) + d.off, f[i].data, f[i].len);
		d.pool = (uint8_t)k;
		st->out[sh][st->nb_out[sh]++] = d;
	}
	push_all(m, s->ring, s->nb_rings, st, false);
	/* a fill ring ran dry: wake its owner if it sleeps (the router polls
	 * its own), at most once per burst */
	if (starved && s->steer != CFG_STEER_CPU)
		for (unsigned int b = 0; b < m->nb_shards; b++)
			if (starved & m->shard_pools[b])
				kick(m, &s->ring[b], b, st);
	cnt_add(&p->rx.frames, (uint64_t)n);
	cnt_add(&p->rx.bytes, bytes);
	/* inline, the host's turns ran meanwhile (yield_owner): the next turn
	 * runs the host's turn again, no waiting here */
	if (nobuf == n && !st->host) {
		uint64_t t0 = mgr_thread_ns();

		push_all(m, s->ring, s->nb_rings, st, true);
		wait_fill(m, p, starved);
		st->wait_ns += mgr_thread_ns() - t0;
	}
}

int nic_stage_turn(struct nic_stage *s)
{
	struct mport *p = s->p;
	struct nic_state *st = &s->st;
	struct tenet_frame f[MGR_BURST];
	uint64_t t0 = 0;
	int n;

	stall_check(p, st);
	if (st->host) {
		/* stall_check read the clock already, unless on demand */
		t0 = p->port.on_demand ? tenet_spin_now() : st->turn_ns;
		st->nested_ns = 0;
	}
	n = p->port.drv->rx(&p->port, f, MGR_BURST);
	driver_drops(p, s->drv_seen);
	if (n == -ENODATA) {
		__atomic_store_n(&p->rx.done, true, __ATOMIC_RELEASE);
		return n;
	}
	if (n <= 0) {
		/* quiescent point: no classifier pointer is held past here */
		__atomic_store_n(&p->rx.epoch, p->rx.epoch + 1, __ATOMIC_RELEASE);
		push_all(s->m, s->ring, s->nb_rings, st, true); /* the checks left over */
		return 0;
	}
	take_burst(s, f, n);
	__atomic_store_n(&p->rx.epoch, p->rx.epoch + 1, __ATOMIC_RELEASE);
	if (st->host) {
		uint64_t t = tenet_spin_now() - t0;

		st->inline_ns += t > st->nested_ns ? t - st->nested_ns : 0;
	}
	if ((++s->loops & 255) == 0)
		publish_ns(p, st);
	return n;
}

uint64_t nic_stage_ns(const struct nic_stage *s)
{
	return s->st.inline_ns;
}

void nic_stage_close(struct nic_stage *s)
{
	if (!s)
		return;
	push_all(s->m, s->ring, s->nb_rings, &s->st, true);
	driver_drops(s->p, s->drv_seen);
	publish_ns(s->p, &s->st);
	/* buffers left in the local caches stay with the manager, marked
	 * empty: the final drain frees them */
	free(s);
}

void *nic_thread(void *arg)
{
	struct nic_arg *na = arg;
	struct mgr *m = na->m;
	struct nic_stage *s = nic_stage_open(m, na->p, NULL);

	if (!s) {
		tenet_log(TENET_LOG_ERR, "port %s: out of memory for its NIC stage",
		          na->p->cfg->name);
		__atomic_store_n(&na->p->rx.done, true, __ATOMIC_RELEASE);
		return NULL;
	}
	while (!flag_up(&m->stop.nic)) {
		int n = nic_stage_turn(s);

		if (n == -ENODATA)
			break;
		if (n == 0 && !m->poll) {
			uint64_t t0 = mgr_thread_ns();

			usleep(50); /* a paced or idle source: poll mode spins instead */
			s->st.wait_ns += mgr_thread_ns() - t0;
		}
	}
	nic_stage_close(s);
	return NULL;
}

/*
 * The CPU router (steer: cpu): a host thread that classifies every frame
 * in the ingress pool and copies it into its tenant's pool - the work the
 * NIC does in steer: nic. It owns the ingress pool's free list and keeps
 * the NIC stages' ingress fill rings topped up.
 */
void *router_thread(void *arg)
{
	struct mgr *m = arg;
	struct tenet_pool *ip = m->router.ingress_pool;
	struct nic_state st;
	unsigned int loops = 0, idle = 0;

	memset(&st, 0, sizeof(st));
	while (!flag_up(&m->stop.nic)) {
		unsigned int work = 0;

		for (unsigned int pi = 0; pi < m->cfg->nb_ports; pi++) {
			struct mdesc in[MGR_BURST];
			unsigned int n;

			if (!m->router.in[pi].mem)
				continue;
			/* keep the NIC stage's fill ring topped up from the ingress pool */
			{
				struct xring *r = &m->router.fill[pi];
				uint32_t level = r->prod.head - __atomic_load_n(&r->prod.shm->cons,
				                                                __ATOMIC_ACQUIRE);
				uint32_t bufs[MGR_BURST];

				while (level + MGR_BURST <= MGR_FILL_TARGET) {
					struct mdesc d[MGR_BURST];
					unsigned int k =
					        tenet_pool_alloc_burst(ip, bufs, MGR_BURST);

					if (!k)
						break;
					for (unsigned int i = 0; i < k; i++)
						d[i] = (struct mdesc){.buf = bufs[i]};
					xring_enqueue(r, d, k);
					xring_wake(r);
					level += k;
					work += k;
				}
			}
			n = xring_dequeue(&m->router.in[pi], in, MGR_BURST);
			work += n;
			for (unsigned int i = 0; i < n; i++) {
				const uint8_t *frame =
				        (uint8_t *)tenet_pool_buf(ip, in[i].buf) + in[i].off;
				struct tenet_pkt_info info;
				struct mdesc d = in[i];
				struct mgr_pool *mp = NULL;
				/* hop 0: a router is no NIC, every hop runs on the host */
				enum drop_reason why = mgr_classify_frame(
				        m, mgr_cls(m), frame, &d, &info, m->router.parse_err);

				cnt_add(&m->router.pkts, 1);
				if (why == INGRESS_CLASSIFIED) {
					mp = &m->pools[d.pool];
					/* fits the ingress pool, maybe not the tenant's */
					if (!fits(mp->pool, d.off, d.len))
						why = DROP_OVERSIZE;
					else if (!get_buf(&m->router.tfill[d.pool],
					                  &st.cache[d.pool], &d.buf))
						why = DROP_NO_BUFFER;
				}
				if (why == INGRESS_CLASSIFIED) {
					/* the second copy that steer: nic avoids */
					memcpy((uint8_t *)tenet_pool_buf(mp->pool, d.buf) + d.off,
					       frame, d.len);
					st.out[mp->shard][st.nb_out[mp->shard]++] = d;
				} else {
					cnt_add(&m->router.drops[why], 1);
				}
				tenet_pool_free_bulk(ip, &in[i].buf, 1);
			}
			push_all(m, m->router.out, m->nb_shards, &st, true);
		}
		__atomic_store_n(&m->router.epoch, m->router.epoch + 1, __ATOMIC_RELEASE);
		if ((++loops & 1023) == 0)
			__atomic_store_n(&m->router.ns, mgr_thread_ns(), __ATOMIC_RELAXED);
		if (work) {
			idle = 0;
		} else if (++idle > TENET_SPIN_POLLS && !m->poll) {
			usleep(100);
			idle = 0;
		}
	}
	__atomic_store_n(&m->router.ns, mgr_thread_ns(), __ATOMIC_RELAXED);
	return NULL;
}
