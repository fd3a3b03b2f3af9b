/*
 * The afxdp port's thread (set-up, keys and the rest of the driver:
 * ports/afxdp.c). It keeps each AF_XDP socket's fill ring stocked from
 * the fill ring of the pool's owner and turns received frames into
 * descriptors on the port's ingress ring, for the dispatcher (or the
 * router); with zero-copy transmit it also queues the frames the
 * dispatcher hands it on txq on the socket whose UMEM is their pool, and
 * returns them on compq once the kernel has sent them. The pools and the
 * rings are the manager's, lent through struct port_host (ports/host.h).
 *
 * A descriptor the kernel hands back is checked (offset + length within
 * its buffer) before it becomes a packet; one that is not goes back to the
 * fill ring and counts as oversize. With steer: nic the NIC chose the
 * tenant; the chain within it is looked up here through the manager's
 * classify (one lookup, no copy).
 */
#include <poll.h>
#include <sched.h>
#include <string.h>

#include "lib/wait.h"
#include "ports/afxdp_xsk.h"

/*
 * Transmit side of the port thread: take frames from txq, queue them on
 * the socket of their pool, and hand completed buffers back on compq.
 */
static unsigned int do_tx(struct port_host *h, struct afxdp *a)
{
	struct mdesc d[AFXDP_BURST];
	unsigned int n, work = 0, room = 2 * AFXDP_BURST;

	for (unsigned int i = 0; i < a->nb; i++)
		if (2 * AFXDP_BURST - a->s[i].nb_tx < room)
			room = 2 * AFXDP_BURST - a->s[i].nb_tx;
	n = xring_dequeue(&h->tx->txq, d, room < AFXDP_BURST ? room : AFXDP_BURST);
	for (unsigned int i = 0; i < n; i++) {
		struct xsock *s = a->by_pool[d[i].pool];
		uint32_t fs = s->pool->buf_size;

		s->tx_addr[s->nb_tx] = (uint64_t)d[i].buf * fs + d[i].off;
		s->tx_len[s->nb_tx++] = d[i].len;
	}
	for (unsigned int i = 0; i < a->nb; i++) {
		struct xsock *s = &a->s[i];
		uint64_t addr[AFXDP_BURST];
		unsigned int sent, done;

		if (s->nb_tx) {
			sent = tenet_xsk_tx(s->xsk, s->tx_addr, s->tx_len, s->nb_tx);
			memmove(s->tx_addr, s->tx_addr + sent,
			        (s->nb_tx - sent) * sizeof(uint64_t));
			memmove(s->tx_len, s->tx_len + sent, (s->nb_tx - sent) * sizeof(uint32_t));
			s->nb_tx -= sent;
			work += sent;
		}
		if (s->pool_index < 0)
			continue;
		done = tenet_xsk_complete(s->xsk, addr, AFXDP_BURST);
		for (unsigned int k = 0; k < done; k++) {
			d[k] = (struct mdesc){.buf = (uint32_t)(addr[k] / s->pool->buf_size),
			                      .pool = (uint8_t)s->pool_index};
		}
		for (unsigned int k = 0; k < done;) {
			k += xring_enqueue(&h->tx->compq, d + k, done - k);
			if (k < done)
				sched_yield(); /* the dispatcher always drains */
		}
		if (done && !h->poll && tenet_ring_needs_kick(&h->tx->compq.prod))
			tenet_event_signal(h->kick_fd); /* dispatchers: 1 (config.c) */
		work += done;
	}
	return work;
}

/*
 * Move empty buffers from the owner's fill ring to the socket's fill ring.
 * At most AFXDP_FILL_MAX are posted (a quarter of the socket's ring: the
 * kernel reports consumption in batches, see lib/xsk.h); buffers the ring
 * did not take wait in the socket's stash, never lost.
 */
static unsigned int stock(struct xsock *s)
{
	unsigned int posted;

	if (s->kernel_bufs >= AFXDP_FILL_MAX)
		return 0;
	if (!s->nb_stash) {
		struct mdesc d[AFXDP_BURST];
		unsigned int n = xring_dequeue(s->fill, d, AFXDP_BURST);

		for (unsigned int i = 0; i < n; i++)
			s->stash[i] = (uint64_t)d[i].buf * s->pool->buf_size;
		s->nb_stash = n;
	}
	posted = tenet_xsk_fill(s->xsk, s->stash, s->nb_stash);
	memmove(s->stash, s->stash + posted, (s->nb_stash - posted) * sizeof(s->stash[0]));
	s->nb_stash -= posted;
	s->kernel_bufs += posted;
	return posted;
}

/*
 * Give a received buffer straight back to the kernel (a frame that is
 * dropped before it becomes a packet): the fill ring, else the stash.
 */
static void recycle(struct xsock *s, uint64_t addr)
{
	if (tenet_xsk_fill(s->xsk, &addr, 1) == 1) {
		s->kernel_bufs++;
		return;
	}
	if (s->nb_stash < AFXDP_BURST)
		s->stash[s->nb_stash++] = addr;
	/* else impossible: the fill ring has room for every buffer just received */
}

/*
 * Receive one burst on socket s: the packets into out (*nb_out of them),
 * their bytes into *bytes; returns how many frames came.
 */
static unsigned int rx_burst(struct port_host *h, struct afxdp *a, enum cfg_steer steer,
                             struct xsock *s, struct mdesc *out, unsigned int *nb_out,
                             uint64_t *bytes)
{
	struct tenet_pool *pool = s->pool;
	uint64_t addr[AFXDP_BURST];
	uint32_t len[AFXDP_BURST];
	unsigned int n = tenet_xsk_rx(s->xsk, addr, len, AFXDP_BURST);

	s->kernel_bufs -= n;
	for (unsigned int k = 0; k < n; k++) {
		uint32_t off = (uint32_t)(addr[k] % pool->buf_size);
		struct mdesc d = {.buf = (uint32_t)(addr[k] / pool->buf_size),
		                  .off = (uint16_t)off,
		                  .len = (uint16_t)len[k],
		                  .port = (uint8_t)h->index};

		*bytes += len[k];
		if (d.buf >= pool->nb_bufs || !len[k] || len[k] > pool->buf_size - off) {
			/* not a frame within one buffer: never passed on */
			recycle(s, addr[k] - off);
			cnt_add(&h->rx->drops[DROP_OVERSIZE], 1);
			continue;
		}
		if (steer == CFG_STEER_NIC) {
			const uint8_t *f = (uint8_t *)tenet_pool_buf(pool, d.buf) + d.off;
			struct port_class c;

			if (!h->classify(h, f, d.len, &c) || (int)c.tenant != s->tenant) {
				/* the rules changed between NIC and host: let the
				 * dispatcher classify it afresh */
				d.chain = CHAIN_UNCLASSIFIED;
				d.pool = (uint8_t)s->pool_index;
				out[(*nb_out)++] = d;
				continue;
			}
			d.chain = (uint8_t)c.chain;
			d.hash = c.hash;
			d.hop = a->scan_on_nic && c.payload_len <= TENET_NICSCAN_MAX_PAYLOAD
			                ? (uint8_t)c.first_host_hop
			                : 0;
			d.pool = (uint8_t)s->pool_index;
		} else if (steer == CFG_STEER_SHARED) {
			d.chain = CHAIN_UNCLASSIFIED;
			d.pool = 0;
		}
		out[(*nb_out)++] = d;
	}
	return n;
}

void afxdp_thread(struct port *p, struct port_host *h)
{
	struct afxdp *a = p->priv;
	enum cfg_steer steer = p->cfg->steer;
	struct mdesc out[AFXDP_BURST];
	unsigned int idle = 0, loops = 0;

	while (!flag_up(h->stop_tx)) {
		unsigned int work = h->tx->zerocopy ? do_tx(h, a) : 0;

		for (unsigned int i = 0; i < a->nb && !flag_up(h->stop_rx); i++) {
			struct xsock *s = &a->s[i];
			unsigned int n, nb_out = 0;
			uint64_t bytes = 0;

			work += stock(s);
			n = rx_burst(h, a, steer, s, out, &nb_out, &bytes);
			if (nb_out) {
				unsigned int done = 0;

				while (done < nb_out) {
					done += xring_enqueue(h->ingress, out + done,
					                      nb_out - done);
					if (done < nb_out)
						sched_yield();
				}
				if (!h->poll && tenet_ring_needs_kick(&h->ingress->prod))
					tenet_event_signal(h->kick_fd);
			}
			cnt_add(&h->rx->frames, n);
			cnt_add(&h->rx->bytes, bytes);
			work += n;
		}
		__atomic_store_n(&h->rx->epoch, h->rx->epoch + 1, __ATOMIC_RELEASE);
		if ((++loops & 1023) == 0)
			__atomic_store_n(&h->rx->ns, mgr_thread_ns(), __ATOMIC_RELAXED);
		if (work) {
			idle = 0;
		} else if (++idle > TENET_SPIN_POLLS && !h->poll) {
			struct pollfd pfd[AFXDP_MAX_SOCKS];

			for (unsigned int i = 0; i < a->nb; i++)
				pfd[i] = (struct pollfd){.fd = tenet_xsk_fd(a->s[i].xsk),
				                         .events = POLLIN};
			poll(pfd, a->nb, 5); /* 5 ms: the fill rings are restocked meanwhile */
			idle = 0;
		}
	}
	__atomic_store_n(&h->rx->ns, mgr_thread_ns(), __ATOMIC_RELAXED);
}
