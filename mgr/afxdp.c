/*
 * The afxdp port's manager side: real interfaces, with the NIC doing the
 * steering. Its keys and its port_driver face are in ports/afxdp.c; the
 * sockets and the port thread are here, because an AF_XDP socket's UMEM
 * *is* a manager pool and the thread feeds the manager's fill and ingress
 * rings (mgr/state.h, lib/xring.h).
 *
 *   steer: nic     the XDP tenant classifier (bpf/classify.bpf.c) runs on the
 *                  ingress netdev and redirects every frame to its tenant's
 *                  own netdev (DEVMAP: a VF, or a veth in tests; tenant_ifs in
 *                  the config). There an AF_XDP socket whose UMEM *is* the
 *                  tenant's pool receives it: the kernel (copy mode) or the
 *                  NIC (zero-copy) writes the frame straight into a tenant
 *                  buffer, and no user-space copy follows. A leading scan
 *                  hop with on: nic runs in the same XDP program.
 *   steer: cpu     one AF_XDP socket on the ingress netdev, UMEM = the
 *                  manager's ingress pool; the router thread classifies and
 *                  copies, as with the software ports.
 *   steer: shared  one AF_XDP socket, UMEM = the shared pool; the host
 *                  classifies (the no-isolation baseline).
 *
 * The port thread keeps each socket's fill ring stocked from the fill ring
 * of the pool's owner and turns received frames into descriptors for the
 * dispatcher (or the router). What the XDP programs and the kernel drop
 * before a frame reaches a socket is read back from their counters, so the
 * manager's accounting covers every frame the NIC saw.
 *
 * Frame length: the kernel (or the NIC) writes a frame into a UMEM chunk,
 * which is one pool buffer, only when it fits after the headroom; in copy
 * mode a longer one is dropped and counted in the socket's rx_dropped,
 * which afxdp_account reports as oversize (rx_dropped less the drops for
 * want of a fill buffer, which the kernel counts in both). A descriptor
 * the kernel hands back is checked all the same (offset + length within
 * its buffer) before it becomes a packet; one that is not goes back to
 * the fill ring and counts as oversize.
 *
 * Transmission (a chain whose output is an afxdp port) is zero-copy: the
 * dispatcher hands the buffer over on txq, this thread queues it on the
 * AF_XDP socket whose UMEM is its pool (the tenant's own netdev with steer:
 * nic, the ingress netdev with steer: shared), and returns it on compq when
 * the kernel has sent it; only then is it delivered. With steer: cpu the
 * tenant pools are in no UMEM and the port_driver (ports/afxdp.c) copies the frame
 * out through AF_PACKET.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/nicscan.h"
#include "lib/paths.h"
#include "lib/wait.h"
#include "lib/xsk.h"
#include "lib/xsk_prog.h"
#include "mgr/afxdp.h"
#include "mgr/nic.h"
#include "lib/xdp.h"
#include "lib/xring.h"
#include "tenet/log.h"

#define MAX_SOCKS (CFG_MAX_TENANTS + 1)

struct xsock {
	struct tenet_xsk *xsk;
	struct tenet_xsk_prog *prog; /* xsk_redirect on the socket's netdev */
	struct mgr_pool *mp;         /* UMEM owner (NULL: the ingress pool) */
	int tenant;                  /* steer nic: the tenant; else -1 */
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t kernel_bufs;      /* buffers posted to the fill ring and not yet back */
	uint64_t stash[MGR_BURST]; /* taken from the owner, not yet posted */
	unsigned int nb_stash;
	uint64_t tx_addr[2 * MGR_BURST]; /* taken from txq, not yet accepted by the kernel */
	uint32_t tx_len[2 * MGR_BURST];
	unsigned int nb_tx;
	/* tx: buffers in flight to the kernel, freed by the dispatcher on completion */
};

struct afxdp {
	struct tenet_xdp *cls; /* steer nic: the classifier on the ingress netdev */
	struct xsock *by_pool[CFG_MAX_TENANTS]; /* the socket whose UMEM is pool k */
	int ifindex;
	struct xsock s[MAX_SOCKS];
	unsigned int nb;
	bool scan_on_nic;          /* the XDP program runs the chains' leading scan */
	struct tenet_xdp_stats xs; /* last read (control thread) */
	uint64_t kernel_drops;     /* frames the kernel dropped between redirect and socket */
};

/*
 * Where the classifier must redirect a tenant's frames so that they arrive
 * at the socket on 'ifindex': for a veth, its peer (a frame sent out of the
 * peer is received here); for a VF or another netdev, itself.
 */
static int redirect_target(const char *ifname, int ifindex)
{
	char path[64 + IF_NAMESIZE];
	FILE *f;
	int peer = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/iflink", ifname);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%d", &peer) != 1)
			peer = 0;
		fclose(f);
	}
	return peer > 0 ? peer : ifindex;
}

static enum tenet_xdp_mode xdp_mode(const struct cfg_port *c)
{
	if (!strcmp(c->xdp_mode, "generic"))
		return TENET_XDP_GENERIC;
	if (!strcmp(c->xdp_mode, "offload"))
		return TENET_XDP_OFFLOAD;
	return TENET_XDP_NATIVE;
}

static int add_socket(struct afxdp *a, const char *ifname, uint32_t queue, struct mgr_pool *mp,
                      struct tenet_pool *pool, int tenant, const char *dir, bool generic, char *err,
                      size_t errlen)
{
	/* dir comes from tenet_bpf_dir (lib/paths.h): shorter than PATH_MAX - 32 */
	struct xsock *s = &a->s[a->nb];
	struct tenet_xsk_opts o = {
	        .ifname = ifname,
	        .queue = queue,
	        .umem_area = pool->data,
	        .umem_len = (size_t)pool->nb_bufs * pool->buf_size,
	        .frame_size = pool->buf_size,
	        .mode = TENET_XSK_AUTO,
	};
	char path[PATH_MAX];
	int rc;

	s->ifindex = (int)if_nametoindex(ifname);
	if (!s->ifindex) {
		tenet_err(err, errlen, "interface %s: %s", ifname, strerror(errno));
		return -ENODEV;
	}
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	s->mp = mp;
	s->tenant = tenant;
	tenet_xsk_prog_cleanup(s->ifindex); /* one left by a manager killed with -9 */
	snprintf(path, sizeof(path), "%s/xsk_redirect.bpf.o", dir);
	s->prog = tenet_xsk_prog_open(path, s->ifindex,
	                              generic ? TENET_XSK_PROG_GENERIC : TENET_XSK_PROG_NATIVE);
	if (!s->prog) {
		rc = -errno;
		tenet_err(err, errlen, "XDP redirect program on %s: %s", ifname, strerror(errno));
		return rc;
	}
	s->xsk = tenet_xsk_create(&o, err, errlen);
	if (!s->xsk) {
		rc = -errno;
		tenet_xsk_prog_close(s->prog);
		s->prog = NULL;
		return rc;
	}
	rc = tenet_xsk_prog_set(s->prog, queue, s->xsk);
	if (rc) {
		tenet_err(err, errlen, "XSKMAP entry on %s: %s", ifname, strerror(-rc));
		tenet_xsk_destroy(s->xsk);
		tenet_xsk_prog_close(s->prog);
		return rc;
	}
	if (mp)
		a->by_pool[mp->index] = s;
	tenet_log(TENET_LOG_INFO, "afxdp: %s queue %u -> %s pool (%s mode)", ifname, queue,
	          mp ? mp->pool->name : "ingress",
	          tenet_xsk_zerocopy(s->xsk) ? "zero-copy" : "copy");
	a->nb++;
	return 0;
}

/* The nicscan program for chains whose leading hop runs on the NIC, and their tenants. */
static const struct tenet_nicscan_prog *scan_setup(struct mgr *m, uint64_t *tenants, char *err,
                                                   size_t errlen)
{
	const struct service *svc = NULL;

	*tenants = 0;
	for (unsigned int i = 0; i < m->cfg->nb_chains; i++) {
		struct chain *c = &m->chains[i];
		const struct service *s;

		if (!c->first_host_hop)
			continue;
		if (c->first_host_hop > 1) {
			tenet_err(err, errlen,
			          "chain %s: XDP runs one offloaded scan hop; expected at most one "
			          "leading on: nic hop",
			          c->cfg->name);
			return NULL;
		}
		s = &m->services[c->cfg->hops[0].service];
		if (svc && svc != s) {
			tenet_err(err, errlen,
			          "chains offload scans of different services (%s, %s) on one "
			          "port; expected one pattern set per XDP program",
			          svc->cfg->name, s->cfg->name);
			return NULL;
		}
		svc = s;
		*tenants |= 1ull << c->tenant;
	}
	return svc ? tenet_nicscan_prog(svc->nicscan) : NULL;
}

/*
 * Zero-copy transmit: a frame leaves through the socket whose UMEM is its
 * pool (steer: nic, the tenant's own netdev; steer: shared, the ingress
 * netdev). Every pool a chain can output from must have such a socket.
 */
static int tx_setup(struct mport *p, char *err, size_t errlen)
{
	if (xring_create(&p->tx.txq, MGR_FILL_SIZE) || xring_create(&p->tx.compq, MGR_FILL_SIZE)) {
		tenet_err(err, errlen, "out of memory for the transmit rings");
		return -ENOMEM;
	}
	p->tx.zerocopy = true;
	return 0;
}

/*
 * The MTU, not the config, bounds a received frame: say so at open when it
 * allows frames longer than a pool's buffers hold (the kernel drops them,
 * counted as oversize).
 */
static void warn_mtu(const struct cfg_port *c)
{
	/* the kernel writes a frame TENET_XSK_XDP_HEADROOM into its chunk, past
	 * the pool's own headroom: a chunk holds that much less */
	uint32_t room = c->min_room + TENET_HEADROOM - TENET_XSK_XDP_HEADROOM;
	char path[64 + IF_NAMESIZE];
	unsigned int mtu = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", c->ifname);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%u", &mtu) != 1)
		mtu = 0;
	fclose(f);
	if (mtu && c->min_room && mtu + 18 > room)
		tenet_log(TENET_LOG_WARN,
		          "afxdp: interface '%s' has MTU %u: frames of up to %u bytes, but tenant "
		          "'%s' buffers take %u through AF_XDP; longer frames are dropped as "
		          "oversize",
		          c->ifname, mtu, mtu + 18, c->min_room_tenant, room);
}

int afxdp_open(struct mgr *m, struct mport *p, char *err, size_t errlen)
{
	const struct cfg_port *c = p->cfg;
	struct afxdp *a = calloc(1, sizeof(*a));
	char dirbuf[PATH_MAX - 32], path[PATH_MAX];
	const char *dir = tenet_bpf_dir(dirbuf, sizeof(dirbuf));
	bool generic = xdp_mode(c) == TENET_XDP_GENERIC;
	int rc = 0;

	if (!a)
		return -ENOMEM;
	p->afxdp = a;
	a->ifindex = (int)if_nametoindex(c->ifname);
	if (!a->ifindex) {
		tenet_err(err, errlen, "interface %s: %s", c->ifname, strerror(errno));
		return -ENODEV;
	}
	warn_mtu(c);
	if (c->steer != CFG_STEER_NIC) {
		struct mgr_pool *mp = c->steer == CFG_STEER_SHARED ? &m->pools[0] : NULL;

		rc = add_socket(a, c->ifname, (uint32_t)c->queue, mp,
		                mp ? mp->pool : m->router.ingress_pool, -1, dir, generic, err,
		                errlen);
		/* steer: cpu leaves the tenant pools outside every UMEM: tx copies */
		return rc ? rc : mp ? tx_setup(p, err, errlen) : 0;
	}
	if (!c->nb_tenant_ifs) {
		snprintf(
		        err, errlen,
		        "steer: nic needs tenant_ifs (tenant -> netdev) on an afxdp port; expected "
		        "e.g. tenant_ifs: {alice: veth-a}");
		return -EINVAL;
	}
	tenet_xdp_cleanup(a->ifindex);
	snprintf(path, sizeof(path), "%s/classify.bpf.o", dir);
	{
		struct tenet_xdp_opts o = {.obj_path = path,
		                           .ifindex = a->ifindex,
		                           .mode = xdp_mode(c),
		                           .steer = TENET_XDP_STEER_DEVMAP,
		                           .in_port = (int)p->index};

		a->cls = tenet_xdp_open(&o);
	}
	if (!a->cls) {
		rc = -errno;
		tenet_err(err, errlen, "XDP classifier %s: %s", path, strerror(errno));
		return rc;
	}
	rc = tenet_xdp_set_rules(a->cls, m->cls);
	if (rc) {
		tenet_err(err, errlen, "XDP rules: %s", strerror(-rc));
		return rc;
	}
	{
		uint64_t tenants;
		const struct tenet_nicscan_prog *sp = scan_setup(m, &tenants, err, errlen);

		if (!sp && tenants)
			return -EINVAL;
		if (!sp && err[0])
			return -EINVAL;
		if (sp) {
			static const enum tenet_xdp_scan_action act[] = {
			        TENET_XDP_SCAN_DROP, TENET_XDP_SCAN_PASS, TENET_XDP_SCAN_BOUNCE};

			rc = tenet_xdp_set_scan(a->cls, sp, act[c->scan_action], tenants);
			if (rc) {
				tenet_err(err, errlen, "XDP scan: %s", strerror(-rc));
				return rc;
			}
			a->scan_on_nic = true;
		}
	}
	for (unsigned int k = 0; k < c->nb_tenant_ifs; k++) {
		const struct cfg_tenant_if *ti = &c->tenant_ifs[k];
		struct mgr_pool *mp = m->tenants[ti->tenant].mp;

		rc = add_socket(a, ti->ifname, 0, mp, mp->pool, ti->tenant, dir, generic, err,
		                errlen);
		if (rc)
			return rc;
		rc = tenet_xdp_set_dev(a->cls, (unsigned int)ti->tenant,
		                       redirect_target(ti->ifname, a->s[a->nb - 1].ifindex));
		if (rc) {
			tenet_err(err, errlen, "DEVMAP %s: %s", ti->ifname, strerror(-rc));
			return rc;
		}
	}
	rc = tenet_xdp_attach(a->cls);
	if (rc) {
		tenet_err(err, errlen, "attach XDP classifier to %s (%s mode): %s", c->ifname,
		          c->xdp_mode, strerror(-rc));
		return rc;
	}
	rc = tx_setup(p, err, errlen);
	if (rc)
		return rc;
	tenet_log(TENET_LOG_INFO, "afxdp: XDP classifier on %s (%s), %u tenant netdevs%s",
	          c->ifname, c->xdp_mode, a->nb, a->scan_on_nic ? ", scan offloaded" : "");
	return 0;
}

/* Read the counters of the XDP programs and sockets into the port's accounting. */
void afxdp_account(struct mgr *m, struct mport *p)
{
	struct afxdp *a = p->afxdp;
	uint64_t kdrops = 0, oversize = 0;

	(void)m;
	if (!a)
		return;
	if (a->cls && !tenet_xdp_read_stats(a->cls, &a->xs)) {
		uint64_t malformed = 0;

		for (unsigned int e = 0; e < TENET_XDP_CNT_PARSE_MAX; e++) {
			if (e == TENET_PKT_OK || e == TENET_PKT_NON_IP)
				continue;
			malformed += a->xs.cnt[e];
			__atomic_store_n(&p->rx.parse_err[e], a->xs.cnt[e], __ATOMIC_RELAXED);
		}
		__atomic_store_n(&p->xdp_drops[DROP_MALFORMED], malformed, __ATOMIC_RELAXED);
		__atomic_store_n(&p->xdp_drops[DROP_NO_RULE],
		                 a->xs.cnt[TENET_XDP_CNT_NO_RULE] +
		                         a->xs.cnt[TENET_XDP_CNT_MISS_PASS] +
		                         a->xs.cnt[TENET_XDP_CNT_REDIRECT_ERR],
		                 __ATOMIC_RELAXED);
		__atomic_store_n(&p->xdp_drops[DROP_NIC_SCAN],
		                 a->xs.cnt[TENET_XDP_CNT_SCAN_DROP] +
		                         a->xs.cnt[TENET_XDP_CNT_SCAN_BOUNCE] +
		                         a->xs.cnt[TENET_XDP_CNT_SCAN_PASS],
		                 __ATOMIC_RELAXED);
	}
	for (unsigned int i = 0; i < a->nb; i++) {
		struct tenet_xsk_stats st;

		/* not rx_fill_ring_empty: it counts failed buffer allocations, and in
		 * copy mode each one is also the rx_dropped of that frame. The rest
		 * of rx_dropped in copy mode are frames longer than a chunk. */
		if (tenet_xsk_read_stats(a->s[i].xsk, &st))
			continue;
		if (!tenet_xsk_zerocopy(a->s[i].xsk) && st.rx_dropped > st.rx_fill_ring_empty) {
			oversize += st.rx_dropped - st.rx_fill_ring_empty;
			st.rx_dropped = st.rx_fill_ring_empty;
		}
		kdrops += st.rx_dropped + st.rx_ring_full + st.rx_invalid_descs;
	}
	__atomic_store_n(&p->xdp_drops[DROP_NO_BUFFER], kdrops, __ATOMIC_RELAXED);
	__atomic_store_n(&p->xdp_drops[DROP_OVERSIZE], oversize, __ATOMIC_RELAXED);
}

int afxdp_set_rules(struct mport *p, const struct tenet_classifier *c)
{
	struct afxdp *a = p->afxdp;

	return a && a->cls ? tenet_xdp_set_rules(a->cls, c) : 0;
}

void afxdp_close(struct mgr *m, struct mport *p)
{
	struct afxdp *a = p->afxdp;

	if (!a)
		return;
	afxdp_account(m, p);
	if (a->cls)
		tenet_xdp_close(a->cls); /* detach first: no frame is redirected any more */
	for (unsigned int i = 0; i < a->nb; i++) {
		tenet_xsk_prog_close(a->s[i].prog);
		tenet_xsk_destroy(a->s[i].xsk); /* the kernel lets go of every posted buffer */
	}
	xring_destroy(&p->tx.txq);
	xring_destroy(&p->tx.compq);
	p->tx.zerocopy = false;
	free(a);
	p->afxdp = NULL;
}

void afxdp_stop_rx(struct mport *p)
{
	struct afxdp *a = p->afxdp;

	if (!a)
		return;
	if (a->cls) {
		tenet_xdp_detach(a->cls); /* the NIC steers nothing more to the pools */
		return;
	}
	for (unsigned int i = 0; i < a->nb; i++) {
		tenet_xsk_prog_close(a->s[i].prog);
		a->s[i].prog = NULL;
	}
}

/*
 * Transmit side of the port thread: take frames from txq, queue them on
 * the socket of their pool, and hand completed buffers back on compq.
 */
static unsigned int do_tx(struct mgr *m, struct mport *p, struct afxdp *a)
{
	struct tenet_desc d[MGR_BURST];
	unsigned int n, work = 0, room = 2 * MGR_BURST;

	for (unsigned int i = 0; i < a->nb; i++)
		if (2 * MGR_BURST - a->s[i].nb_tx < room)
			room = 2 * MGR_BURST - a->s[i].nb_tx;
	n = tenet_ring_dequeue_burst(&p->tx.txq.cons, d, room < MGR_BURST ? room : MGR_BURST);
	for (unsigned int i = 0; i < n; i++) {
		struct xsock *s = a->by_pool[xdesc_pool(&d[i])];
		uint32_t fs = s->mp->pool->buf_size;

		s->tx_addr[s->nb_tx] = (uint64_t)d[i].buf * fs + d[i].off;
		s->tx_len[s->nb_tx++] = d[i].len;
	}
	for (unsigned int i = 0; i < a->nb; i++) {
		struct xsock *s = &a->s[i];
		uint64_t addr[MGR_BURST];
		unsigned int sent, done;

		if (s->nb_tx) {
			sent = tenet_xsk_tx(s->xsk, s->tx_addr, s->tx_len, s->nb_tx);
			memmove(s->tx_addr, s->tx_addr + sent,
			        (s->nb_tx - sent) * sizeof(uint64_t));
			memmove(s->tx_len, s->tx_len + sent, (s->nb_tx - sent) * sizeof(uint32_t));
			s->nb_tx -= sent;
			work += sent;
		}
		if (!s->mp)
			continue;
		done = tenet_xsk_complete(s->xsk, addr, MGR_BURST);
		for (unsigned int k = 0; k < done; k++) {
			d[k] = (struct tenet_desc){
			        .buf = (uint32_t)(addr[k] / s->mp->pool->buf_size)};
			xdesc_set_pool(&d[k], s->mp->index);
		}
		for (unsigned int k = 0; k < done;) {
			k += tenet_ring_enqueue_burst(&p->tx.compq.prod, d + k, done - k);
			if (k < done)
				sched_yield(); /* the dispatcher always drains */
		}
		if (done && !m->poll && tenet_ring_needs_kick(&p->tx.compq.prod))
			tenet_event_signal(m->shards[0].efd); /* dispatchers: 1 (config.c) */
		work += done;
	}
	return work;
}

/*
 * Move empty buffers from the owner's fill ring to the socket's fill ring.
 * At most MGR_FILL_TARGET are posted (a quarter of the socket's ring: the
 * kernel reports consumption in batches, see lib/xsk.h); buffers the ring
 * did not take wait in the socket's stash, never lost.
 */
static unsigned int stock(struct xsock *s, struct xring *fill, uint32_t frame_size)
{
	unsigned int posted;

	if (s->kernel_bufs >= MGR_FILL_TARGET)
		return 0;
	if (!s->nb_stash) {
		struct tenet_desc d[MGR_BURST];
		unsigned int n = tenet_ring_dequeue_burst(&fill->cons, d, MGR_BURST);

		for (unsigned int i = 0; i < n; i++)
			s->stash[i] = (uint64_t)d[i].buf * frame_size;
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
	if (s->nb_stash < MGR_BURST)
		s->stash[s->nb_stash++] = addr;
	/* else impossible: the fill ring has room for every buffer just received */
}

void *afxdp_thread(void *arg)
{
	struct nic_arg *na = arg;
	struct mgr *m = na->m;
	struct mport *p = na->p;
	struct afxdp *a = p->afxdp;
	enum cfg_steer steer = p->cfg->steer;
	struct tenet_ring *prod =
	        steer == CFG_STEER_CPU ? &m->router.in[p->index].prod : &p->ingress[0].prod;
	struct tenet_desc out[MGR_BURST];
	unsigned int idle = 0, loops = 0;

	while (!flag_up(&m->stop_tx)) {
		unsigned int work = p->tx.zerocopy ? do_tx(m, p, a) : 0;

		for (unsigned int i = 0; i < a->nb && !flag_up(&m->stop_nic); i++) {
			struct xsock *s = &a->s[i];
			struct tenet_pool *pool = s->mp ? s->mp->pool : m->router.ingress_pool;
			struct xring *fill = steer == CFG_STEER_CPU ? &m->router.fill[p->index]
			                                            : &p->fill[s->mp->index];
			uint64_t addr[MGR_BURST];
			uint32_t len[MGR_BURST];
			unsigned int n, nb_out = 0;
			uint64_t bytes = 0;

			work += stock(s, fill, pool->buf_size);
			n = tenet_xsk_rx(s->xsk, addr, len, MGR_BURST);
			s->kernel_bufs -= n;
			for (unsigned int k = 0; k < n; k++) {
				uint32_t off = (uint32_t)(addr[k] % pool->buf_size);
				struct tenet_desc d = {.buf = (uint32_t)(addr[k] / pool->buf_size),
				                       .off = (uint16_t)off,
				                       .len = (uint16_t)len[k],
				                       .port = (uint8_t)p->index};

				bytes += len[k];
				if (d.buf >= pool->nb_bufs || !len[k] ||
				    len[k] > pool->buf_size - off) {
					/* not a frame within one buffer: never passed on */
					recycle(s, addr[k] - off);
					cnt_add(&p->rx.drops[DROP_OVERSIZE], 1);
					continue;
				}
				if (steer == CFG_STEER_NIC) {
					/* the NIC chose the tenant; the chain within it is looked
					 * up here (one lookup, no copy) */
					const uint8_t *f =
					        (uint8_t *)tenet_pool_buf(pool, d.buf) + d.off;
					struct tenet_pkt_info pi;
					struct tenet_action act;

					tenet_pkt_parse(f, d.len, &pi);
					if (!tenet_classifier_lookup(mgr_cls(m), &pi, (int)p->index,
					                             &act) ||
					    (int)m->chains[act.chain].tenant != s->tenant) {
						/* the rules changed between NIC and host: let the
						 * dispatcher classify it afresh */
						xdesc_set_chain(&d, CHAIN_UNCLASSIFIED);
						xdesc_set_pool(&d, s->mp->index);
						out[nb_out++] = d;
						continue;
					}
					xdesc_set_chain(&d, act.chain);
					d.hash = tenet_flow_hash(&pi);
					d.hop = a->scan_on_nic && pi.payload_len <=
					                                  TENET_NICSCAN_MAX_PAYLOAD
					                ? (uint8_t)m->chains[act.chain]
					                          .first_host_hop
					                : 0;
					xdesc_set_pool(&d, s->mp->index);
				} else if (steer == CFG_STEER_SHARED) {
					xdesc_set_chain(&d, CHAIN_UNCLASSIFIED);
					xdesc_set_pool(&d, 0);
				}
				out[nb_out++] = d;
			}
			if (nb_out) {
				unsigned int done = 0;

				while (done < nb_out) {
					done += tenet_ring_enqueue_burst(prod, out + done,
					                                 nb_out - done);
					if (done < nb_out)
						sched_yield();
				}
				if (!m->poll && tenet_ring_needs_kick(prod))
					tenet_event_signal(m->shards[0].efd);
			}
			cnt_add(&p->rx.frames, n);
			cnt_add(&p->rx.bytes, bytes);
			work += n;
		}
		__atomic_store_n(&p->rx.epoch, p->rx.epoch + 1, __ATOMIC_RELEASE);
		if ((++loops & 1023) == 0)
			__atomic_store_n(&p->rx.ns, mgr_thread_ns(), __ATOMIC_RELAXED);
		if (work) {
			idle = 0;
		} else if (++idle > TENET_SPIN_POLLS && !m->poll) {
			struct pollfd pfd[MAX_SOCKS];

			for (unsigned int i = 0; i < a->nb; i++)
				pfd[i] = (struct pollfd){.fd = tenet_xsk_fd(a->s[i].xsk),
				                         .events = POLLIN};
			poll(pfd, a->nb, 5); /* 5 ms: the fill rings are restocked meanwhile */
			idle = 0;
		}
	}
	__atomic_store_n(&p->rx.ns, mgr_thread_ns(), __ATOMIC_RELAXED);
	return NULL;
}
