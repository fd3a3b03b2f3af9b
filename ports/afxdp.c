/*
 * The afxdp port: real interfaces, with the NIC doing the steering. This
 * file holds its keys, its set-up (XDP programs, AF_XDP sockets) and the
 * copying transmit; the port thread is in ports/afxdp_xsk.c. An AF_XDP
 * socket's UMEM *is* a pool of the manager's, and the thread feeds the
 * manager's fill and ingress rings: both are lent by the manager through
 * struct port_host (ports/host.h), so the driver has a thread entry of its
 * own instead of rx.
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
 * What the XDP programs and the kernel drop before a frame reaches a
 * socket is read back from their counters (account), so the manager's
 * accounting covers every frame the NIC saw.
 *
 * Frame length: the kernel (or the NIC) writes a frame into a UMEM chunk,
 * which is one pool buffer, only when it fits after the headroom; in copy
 * mode a longer one is dropped and counted in the socket's rx_dropped,
 * which account reports as oversize (rx_dropped less the drops for want
 * of a fill buffer, which the kernel counts in both).
 *
 * Transmission (a chain whose output is an afxdp port) is zero-copy: the
 * dispatcher hands the buffer over on txq, the port thread queues it on
 * the AF_XDP socket whose UMEM is its pool (the tenant's own netdev with
 * steer: nic, the ingress netdev with steer: shared), and returns it on
 * compq when the kernel has sent it; only then is it delivered. With
 * steer: cpu the tenant pools are in no UMEM and tx copies the frame out
 * through AF_PACKET.
 */
#include <errno.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/paths.h"
#include "ports/afxdp.h"
#include "ports/afxdp_xsk.h"
#include "ports/port.h"
#include "tenet/log.h"

/* ---------------------------------------------------------------- config */

static const char *const afxdp_keys[] = {"ifname",     "queue",       "xdp_mode",
                                         "tenant_ifs", "scan_action", NULL};

static int afxdp_parse(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p)
{
	yaml_node_t *v;

	if (port_parse_if(r, n, p) < 0)
		return -1;
	if ((v = cfg_get(r, n, "scan_action"))) {
		static const char *const actions[] = {"drop", "pass", "bounce", NULL};
		int act;

		if (cfg_get_enum(r, v, "scan_action", actions, &act) < 0)
			return -1;
		p->scan_action = act;
	}
	if ((v = cfg_get(r, n, "tenant_ifs"))) {
		if (cfg_want_map(r, v, "tenant_ifs", "a mapping {TENANT: INTERFACE, ...}") < 0 ||
		    cfg_check_keys(r, v, "tenant_ifs", NULL) < 0)
			return -1;
		for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
		     pr < v->data.mapping.pairs.top; pr++) {
			struct cfg_tenant_if *ti = &p->tenant_ifs[p->nb_tenant_ifs];
			yaml_node_t *iv = cfg_node(r, pr->value);

			if (p->nb_tenant_ifs == CFG_MAX_TENANT_IFS)
				return cfg_fail(r, v, "too many tenant_ifs; expected at most %d",
				                CFG_MAX_TENANT_IFS);
			if (cfg_get_name(r, iv, "tenant_ifs", ti->ifname) < 0)
				return -1;
			if (strlen(ti->ifname) >= PORT_IFNAME_MAX)
				return cfg_fail(
				        r, iv,
				        "ifname '%s' is too long; expected at most %d characters",
				        ti->ifname, PORT_IFNAME_MAX - 1);
			p->nb_tenant_ifs++;
		}
	}
	return 0;
}

/* tenant_ifs name tenants, which are read after the ports. */
static int afxdp_resolve(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p,
                         const char *const *tenants, unsigned int nb_tenants)
{
	yaml_node_t *v = cfg_get(r, n, "tenant_ifs");

	for (unsigned int k = 0; v && k < p->nb_tenant_ifs; k++) {
		yaml_node_t *key = cfg_node(r, v->data.mapping.pairs.start[k].key);

		p->tenant_ifs[k].tenant = -1;
		for (unsigned int t = 0; t < nb_tenants; t++)
			if (!strcmp(tenants[t], cfg_text(key)))
				p->tenant_ifs[k].tenant = (int)t;
		if (p->tenant_ifs[k].tenant < 0)
			return cfg_fail(r, key,
			                "unknown tenant '%s' in tenant_ifs; expected a tenant name",
			                cfg_text(key));
	}
	return 0;
}

/* ---------------------------------------------------------------- driver */

static int drv_open(struct port *p, const struct cfg_port *cfg, char *err, size_t errlen)
{
	struct afxdp *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	t->to.sll_family = AF_PACKET;
	t->to.sll_ifindex = (int)if_nametoindex(cfg->ifname);
	t->to.sll_halen = ETH_ALEN;
	if (t->fd < 0 || !t->to.sll_ifindex) {
		tenet_err(err, errlen, "%s: %s (AF_XDP and AF_PACKET need CAP_NET_RAW)",
		          cfg->ifname, strerror(errno));
		if (t->fd >= 0)
			close(t->fd);
		free(t);
		return -errno;
	}
	p->priv = t;
	return 0;
}

static void drv_close(struct port *p)
{
	struct afxdp *t = p->priv;

	if (!t)
		return;
	close(t->fd);
	free(t);
	p->priv = NULL;
}

static int drv_rx(struct port *p, struct tenet_frame *f, unsigned int n)
{
	(void)p;
	(void)f;
	(void)n;
	return 0; /* frames arrive through afxdp_thread */
}

static void drv_tx(struct port *p, const struct tenet_frame *f, unsigned int n)
{
	struct afxdp *t = p->priv;

	for (unsigned int i = 0; i < n; i++) {
		memcpy(t->to.sll_addr, f[i].data, ETH_ALEN);
		if (sendto(t->fd, f[i].data, f[i].len, MSG_DONTWAIT, (struct sockaddr *)&t->to,
		           sizeof(t->to)) < 0)
			t->errors++;
		else
			t->sent++;
	}
}

static void drv_report(struct port *p, FILE *out)
{
	struct afxdp *t = p->priv;

	fprintf(out, "\"tx_sent\": %llu, \"tx_errors\": %llu", (unsigned long long)t->sent,
	        (unsigned long long)t->errors);
}

/* ---------------------------------------------------------------- set-up */

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

/*
 * An AF_XDP socket on ifname's queue whose UMEM is pool (index k of the
 * manager's pools, -1: the ingress pool), stocked from fill.
 */
static int add_socket(struct afxdp *a, const char *ifname, uint32_t queue, int k,
                      struct tenet_pool *pool, struct xring *fill, int tenant, const char *dir,
                      bool generic, char *err, size_t errlen)
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
	s->pool = pool;
	s->pool_index = k;
	s->fill = fill;
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
	if (k >= 0)
		a->by_pool[k] = s;
	tenet_log(TENET_LOG_INFO, "afxdp: %s queue %u -> %s pool (%s mode)", ifname, queue,
	          k >= 0 ? pool->name : "ingress",
	          tenet_xsk_zerocopy(s->xsk) ? "zero-copy" : "copy");
	a->nb++;
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

/*
 * steer: nic: the XDP classifier on the ingress netdev, with the rules and
 * the chains' leading scan, and a socket on each tenant's netdev.
 */
static int attach_nic(struct port *p, struct port_host *h, const char *dir, char *err,
                      size_t errlen)
{
	const struct cfg_port *c = p->cfg;
	struct afxdp *a = p->priv;
	bool generic = xdp_mode(c) == TENET_XDP_GENERIC;
	char path[PATH_MAX];
	int rc;

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
		                           .in_port = (int)h->index};

		a->cls = tenet_xdp_open(&o);
	}
	if (!a->cls) {
		rc = -errno;
		tenet_err(err, errlen, "XDP classifier %s: %s", path, strerror(errno));
		return rc;
	}
	rc = tenet_xdp_set_rules(a->cls, h->rules);
	if (rc) {
		tenet_err(err, errlen, "XDP rules: %s", strerror(-rc));
		return rc;
	}
	if (!h->scan && (h->scan_tenants || h->scan_err[0])) {
		snprintf(err, errlen, "%s", h->scan_err);
		return -EINVAL;
	}
	if (h->scan) {
		static const enum tenet_xdp_scan_action act[] = {
		        TENET_XDP_SCAN_DROP, TENET_XDP_SCAN_PASS, TENET_XDP_SCAN_BOUNCE};

		rc = tenet_xdp_set_scan(a->cls, h->scan, act[c->scan_action], h->scan_tenants);
		if (rc) {
			tenet_err(err, errlen, "XDP scan: %s", strerror(-rc));
			return rc;
		}
		a->scan_on_nic = true;
	}
	for (unsigned int k = 0; k < c->nb_tenant_ifs; k++) {
		const struct cfg_tenant_if *ti = &c->tenant_ifs[k];
		unsigned int pk = h->tenant_pool[ti->tenant];

		rc = add_socket(a, ti->ifname, 0, (int)pk, h->pools[pk], &h->fill[pk], ti->tenant,
		                dir, generic, err, errlen);
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
	h->tx->zerocopy = true;
	tenet_log(TENET_LOG_INFO, "afxdp: XDP classifier on %s (%s), %u tenant netdevs%s",
	          c->ifname, c->xdp_mode, a->nb, a->scan_on_nic ? ", scan offloaded" : "");
	return 0;
}

/*
 * Load and attach the XDP programs and create the AF_XDP sockets (the
 * manager's pools and fill rings exist). Zero-copy transmit: a frame
 * leaves through the socket whose UMEM is its pool (steer: nic, the
 * tenant's own netdev; steer: shared, the ingress netdev), so every pool
 * a chain can output from has such a socket; steer: cpu leaves the tenant
 * pools outside every UMEM, and tx copies.
 */
static int drv_attach(struct port *p, struct port_host *h, char *err, size_t errlen)
{
	const struct cfg_port *c = p->cfg;
	struct afxdp *a = p->priv;
	char dirbuf[PATH_MAX - 32];
	const char *dir = tenet_bpf_dir(dirbuf, sizeof(dirbuf));
	int rc;

	a->attached = true;
	a->ifindex = (int)if_nametoindex(c->ifname);
	if (!a->ifindex) {
		tenet_err(err, errlen, "interface %s: %s", c->ifname, strerror(errno));
		return -ENODEV;
	}
	warn_mtu(c);
	if (c->steer == CFG_STEER_NIC)
		return attach_nic(p, h, dir, err, errlen);
	if (c->steer == CFG_STEER_SHARED)
		rc = add_socket(a, c->ifname, (uint32_t)c->queue, 0, h->pools[0], &h->fill[0], -1,
		                dir, xdp_mode(c) == TENET_XDP_GENERIC, err, errlen);
	else
		rc = add_socket(a, c->ifname, (uint32_t)c->queue, -1, h->ingress_pool, &h->fill[0],
		                -1, dir, xdp_mode(c) == TENET_XDP_GENERIC, err, errlen);
	if (!rc && c->steer == CFG_STEER_SHARED)
		h->tx->zerocopy = true;
	return rc;
}

/* Read the counters of the XDP programs and sockets into the port's accounting. */
static void drv_account(struct port *p, struct port_host *h)
{
	struct afxdp *a = p->priv;
	uint64_t kdrops = 0, oversize = 0;

	if (!a || !a->attached)
		return;
	if (a->cls && !tenet_xdp_read_stats(a->cls, &a->xs)) {
		uint64_t malformed = 0;

		for (unsigned int e = 0; e < TENET_XDP_CNT_PARSE_MAX; e++) {
			if (e == TENET_PKT_OK || e == TENET_PKT_NON_IP)
				continue;
			malformed += a->xs.cnt[e];
			__atomic_store_n(&h->rx->parse_err[e], a->xs.cnt[e], __ATOMIC_RELAXED);
		}
		__atomic_store_n(&h->pre_drops[DROP_MALFORMED], malformed, __ATOMIC_RELAXED);
		__atomic_store_n(&h->pre_drops[DROP_NO_RULE],
		                 a->xs.cnt[TENET_XDP_CNT_NO_RULE] +
		                         a->xs.cnt[TENET_XDP_CNT_MISS_PASS] +
		                         a->xs.cnt[TENET_XDP_CNT_REDIRECT_ERR],
		                 __ATOMIC_RELAXED);
		__atomic_store_n(&h->pre_drops[DROP_NIC_SCAN],
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
	__atomic_store_n(&h->pre_drops[DROP_NO_BUFFER], kdrops, __ATOMIC_RELAXED);
	__atomic_store_n(&h->pre_drops[DROP_OVERSIZE], oversize, __ATOMIC_RELAXED);
}

static int drv_set_rules(struct port *p, const struct tenet_classifier *c)
{
	struct afxdp *a = p->priv;

	return a && a->cls ? tenet_xdp_set_rules(a->cls, c) : 0;
}

/* Stop steering frames to the pools (detach the XDP programs); transmit goes on. */
static void drv_stop_rx(struct port *p)
{
	struct afxdp *a = p->priv;

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

/* Detach every program, close every socket (the kernel lets go of all buffers). */
static void drv_detach(struct port *p, struct port_host *h)
{
	struct afxdp *a = p->priv;

	if (!a || !a->attached)
		return;
	drv_account(p, h);
	if (a->cls)
		tenet_xdp_close(a->cls); /* detach first: no frame is redirected any more */
	a->cls = NULL;
	for (unsigned int i = 0; i < a->nb; i++) {
		tenet_xsk_prog_close(a->s[i].prog);
		tenet_xsk_destroy(a->s[i].xsk); /* the kernel lets go of every posted buffer */
	}
	a->nb = 0;
	a->attached = false;
	h->tx->zerocopy = false;
}

const struct port_driver port_afxdp = {
        .name = "afxdp",
        .keys = afxdp_keys,
        .parse = afxdp_parse,
        .resolve = afxdp_resolve,
        .open = drv_open,
        .close = drv_close,
        .rx = drv_rx,
        .tx = drv_tx,
        .report_json = drv_report,
        .attach = drv_attach,
        .thread = afxdp_thread,
        .stop_rx = drv_stop_rx,
        .set_rules = drv_set_rules,
        .account = drv_account,
        .detach = drv_detach,
};
