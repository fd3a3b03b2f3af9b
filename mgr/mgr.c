/*
 * The manager's control plane: build the platform from the config, accept
 * NF attachments on the tenants' control sockets, supervise the NFs it
 * starts, print live statistics, and shut down so that every packet that
 * entered is accounted for (delivered, or dropped with a reason).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "lib/wait.h"
#include "mgr/afxdp.h"
#include "mgr/ctl.h"
#include "mgr/dispatch.h"
#include "mgr/mgr.h"
#include "mgr/nic.h"
#include "mgr/stats.h"
#include "ports/sink.h"
#include "tenet/log.h"

#define EV_LISTEN    0x10000u /* epoll tags: listen socket of tenant i */
#define EV_NF        0x20000u /* NF control connection of id i */
#define EV_SIGNAL    0x30000u
#define EV_CTL       0x40000u /* tenet ctl sockets (listener and connections, ctl.c) */
#define EV_PENDING   0x50000u /* a connection waiting for its hello */
#define PENDING_WAIT 2.0      /* s a new connection may take to say hello */
#define INGRESS_BUFS 4096u
#define DRAIN_WAIT   3.0 /* s to wait for packets in flight once the sources are done */

/* ---- set-up ------------------------------------------------------------- */

static int make_pool(struct mgr *m, const char *name, uint32_t nb, uint32_t size)
{
	struct mgr_pool *mp = &m->pools[m->nb_pools];

	mp->pool = tenet_pool_create(name, nb, size, 0);
	if (!mp->pool) {
		tenet_log(TENET_LOG_ERR, "pool %s: %s", name, strerror(errno));
		return -1;
	}
	mp->meta = calloc(nb, sizeof(*mp->meta));
	if (!mp->meta)
		return -1;
	for (uint32_t b = 0; b < nb; b++)
		mp->meta[b].chain = BUF_EMPTY;
	mp->index = m->nb_pools++;
	return 0;
}

static int setup_pools(struct mgr *m)
{
	const struct tenet_config *c = m->cfg;

	if (m->shared) {
		uint64_t total = 0;
		uint32_t size = 0;

		for (unsigned int t = 0; t < c->nb_tenants; t++) {
			total += c->tenants[t].pool_bufs;
			if (c->tenants[t].buf_size > size)
				size = c->tenants[t].buf_size;
		}
		if (make_pool(m, "shared", (uint32_t)total, size))
			return -1;
		for (unsigned int t = 0; t < c->nb_tenants; t++)
			m->tenants[t].mp = &m->pools[0];
		return 0;
	}
	for (unsigned int t = 0; t < c->nb_tenants; t++) {
		if (make_pool(m, c->tenants[t].name, c->tenants[t].pool_bufs,
		              c->tenants[t].buf_size))
			return -1;
		m->tenants[t].mp = &m->pools[t];
	}
	return 0;
}

/* Compile a service's pattern file for the NIC stage (once per service). */
static int load_nicscan(struct mgr *m, struct service *svc)
{
	struct tenet_patterns *p;
	char err[256];

	if (svc->nicscan)
		return 0;
	p = tenet_patterns_load(svc->cfg->patterns, err, sizeof(err));
	if (!p) {
		tenet_log(TENET_LOG_ERR, "service %s/%s: %s", m->cfg->tenants[svc->tenant].name,
		          svc->cfg->name, err);
		return -1;
	}
	svc->nicscan = tenet_nicscan_create(p, err, sizeof(err));
	tenet_patterns_free(p);
	if (!svc->nicscan) {
		tenet_log(TENET_LOG_ERR, "service %s/%s cannot run on the NIC: %s",
		          m->cfg->tenants[svc->tenant].name, svc->cfg->name, err);
		return -1;
	}
	return 0;
}

static int setup_classifier(struct mgr *m)
{
	const struct tenet_config *c = m->cfg;
	struct tenet_action dflt;

	if (c->default_chain >= 0) {
		dflt.chain = (uint16_t)c->default_chain;
		dflt.tenant = c->chains[c->default_chain].tenant;
		dflt.rule_id = TENET_RULE_DEFAULT;
	}
	m->cls = tenet_classifier_create(c->default_chain >= 0 ? &dflt : NULL);
	if (!m->cls)
		return -1;
	for (unsigned int i = 0; i < c->nb_chains; i++) {
		const struct cfg_chain *cc = &c->chains[i];
		struct tenet_rule r = {.id = i,
		                       .priority = cc->priority,
		                       .match = cc->match,
		                       .tenant = cc->tenant,
		                       .chain = (uint16_t)i};
		int err = tenet_classifier_add(m->cls, &r);

		if (err) {
			tenet_log(TENET_LOG_ERR, "chain %s: rule refused: %s", cc->name,
			          strerror(-err));
			return -1;
		}
		m->chains[i].cfg = cc;
		m->chains[i].tenant = cc->tenant;
		for (unsigned int h = 0; h < cc->nb_hops && cc->hops[h].on == CFG_ON_NIC; h++)
			m->chains[i].first_host_hop = h + 1;
		for (unsigned int h = 0; h < m->chains[i].first_host_hop; h++)
			if (load_nicscan(m, &m->services[cc->hops[h].service]))
				return -1;
	}
	m->next_rule_id = 1000; /* rules added at run time; config chains use 0..249 */
	return 0;
}

static int setup_ports(struct mgr *m)
{
	const struct tenet_config *c = m->cfg;
	char err[256];

	for (unsigned int i = 0; i < c->nb_ports; i++) {
		struct mport *p = &m->ports[i];
		int rc;

		p->cfg = &c->ports[i];
		p->index = i;
		p->port.cfg = p->cfg;
		p->port.index = i;
		p->port.drv = p->cfg->driver == CFG_DRV_AFXDP ? &port_afxdp
		                                              : port_driver_find(p->cfg->driver);
		if (!p->port.drv) {
			tenet_log(TENET_LOG_ERR,
			          "port %s: driver %s is not available in this build", p->cfg->name,
			          cfg_driver_name(p->cfg->driver));
			return -1;
		}
		err[0] = '\0';
		rc = p->port.drv->open(&p->port, p->cfg, err, sizeof(err));
		if (rc) {
			tenet_log(TENET_LOG_ERR, "port %s: %s", p->cfg->name,
			          err[0] ? err : strerror(-rc));
			p->port.drv = NULL;
			return -1;
		}
		if (!p->port.drv->rx)
			continue;
		if (p->cfg->steer == CFG_STEER_CPU) {
			m->have_router = true;
			if (xring_create(&m->router_in[i], MGR_FILL_SIZE) ||
			    xring_create(&m->router_fill[i], MGR_FILL_SIZE))
				return -1;
			continue;
		}
		if (xring_create(&p->ingress, MGR_FILL_SIZE))
			return -1;
		for (unsigned int k = 0; k < m->nb_pools; k++)
			if (xring_create(&p->fill[k], MGR_FILL_SIZE))
				return -1;
	}
	if (m->have_router) {
		m->ingress_pool = tenet_pool_create("ingress", INGRESS_BUFS, 0, 0);
		if (!m->ingress_pool || xring_create(&m->router_out, MGR_FILL_SIZE))
			return -1;
		for (unsigned int k = 0; k < m->nb_pools; k++)
			if (xring_create(&m->router_tfill[k], MGR_FILL_SIZE))
				return -1;
	}
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (p->cfg->driver != CFG_DRV_AFXDP)
			continue;
		err[0] = '\0';
		if (afxdp_open(m, p, err, sizeof(err))) {
			tenet_log(TENET_LOG_ERR, "port %s: %s", p->cfg->name, err);
			return -1;
		}
	}
	return 0;
}

static int setup_sockets(struct mgr *m, int epfd)
{
	const struct tenet_config *c = m->cfg;
	const char *dir = c->mgr.socket_dir, *bad = NULL;
	struct stat st;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		tenet_log(TENET_LOG_ERR, "socket_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	/* whoever can write the directory can put a socket of their own where
	 * NFs and tenet ctl look for the manager's */
	if (lstat(dir, &st) < 0)
		bad = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		bad = "not a directory (a symlink?)";
	else if (st.st_uid != geteuid())
		bad = "owned by another user";
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		bad = "writable by group or others";
	if (bad) {
		tenet_log(TENET_LOG_ERR,
		          "socket_dir %s: %s; expected a directory (not a symlink) owned by uid %u "
		          "and writable by it alone",
		          dir, bad, (unsigned)geteuid());
		return -1;
	}
	for (unsigned int t = 0; t < c->nb_tenants; t++) {
		struct tenant *tn = &m->tenants[t];
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_LISTEN | t};
		int s;

		snprintf(tn->sock_path, sizeof(tn->sock_path), "%s/%s.sock", dir, tn->cfg->name);
		if (strlen(tn->sock_path) >= sizeof(sa.sun_path)) {
			tenet_log(TENET_LOG_ERR, "socket path too long: %s", tn->sock_path);
			return -1;
		}
		strcpy(sa.sun_path, tn->sock_path);
		unlink(tn->sock_path); /* a stale socket of an earlier run */
		s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 64) < 0) {
			tenet_log(TENET_LOG_ERR, "control socket %s: %s", tn->sock_path,
			          strerror(errno));
			if (s >= 0)
				close(s);
			return -1;
		}
		tn->listen_fd = s;
		if (chmod(tn->sock_path, tn->cfg->socket_mode) < 0 ||
		    ((tn->cfg->has_uid || tn->cfg->has_gid) &&
		     chown(tn->sock_path, tn->cfg->has_uid ? tn->cfg->uid : (uid_t)-1,
		           tn->cfg->has_gid ? tn->cfg->gid : (gid_t)-1) < 0)) {
			tenet_log(TENET_LOG_ERR, "control socket %s: %s", tn->sock_path,
			          strerror(errno));
			return -1;
		}
		epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
	}
	return 0;
}

/* ---- attach --------------------------------------------------------------- */

static void reply_error(int s, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void reply_error(int s, int err, const char *fmt, ...)
{
	struct tenet_welcome w = {
	        .magic = TENET_PROTO_MAGIC, .version = TENET_PROTO_VERSION, .status = -err};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w.msg, sizeof(w.msg), fmt, ap);
	va_end(ap);
	tenet_log(TENET_LOG_WARN, "attach refused: %s", w.msg);
	tenet_fd_send(s, &w, sizeof(w), NULL, 0);
}

static void post_command(struct mgr *m, uint16_t id, bool add)
{
	pthread_mutex_lock(&m->cmd_lock);
	if (add)
		m->cmd_add[m->nb_add++] = id;
	else
		m->cmd_del[m->nb_del++] = id;
	__atomic_store_n(&m->cmd_pending, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&m->cmd_lock);
	tenet_event_signal(m->dispatch_efd);
}

/* Wait until the dispatcher has applied every posted command. */
static void wait_commands(struct mgr *m)
{
	for (int i = 0; i < 20000 && __atomic_load_n(&m->cmd_pending, __ATOMIC_ACQUIRE); i++) {
		tenet_event_signal(m->dispatch_efd);
		usleep(100);
	}
}

static void nf_release(struct nf *nf)
{
	if (nf->rings)
		munmap(nf->rings, nf->rings_len);
	if (nf->rings_fd >= 0)
		close(nf->rings_fd);
	if (nf->rx_kick >= 0)
		close(nf->rx_kick);
	if (nf->tx_kick >= 0)
		close(nf->tx_kick);
	if (nf->sock >= 0)
		close(nf->sock);
	nf->rings = NULL;
	nf->rings_fd = nf->rx_kick = nf->tx_kick = nf->sock = -1;
	nf->state = NF_FREE;
}

/*
 * Rings, kick sockets and the welcome for a new NF. The NF's ends of the
 * kick sockets go to nf_ends[] (the caller sends them, then closes them:
 * the manager keeps only its own ends). The welcome carries the pool's
 * geometry from the manager's private copy, never from the pool header.
 */
static int nf_setup(struct nf *nf, const struct tenant *tn, struct tenet_welcome *w, int nf_ends[2])
{
	size_t ring_len = tenet_ring_memsize(MGR_RING_SIZE);
	size_t tx_off = (ring_len + 4095) & ~(size_t)4095;
	struct tenet_pool_geom g;
	int sp[2];

	nf->rings_len = tx_off * 2;
	nf->rings_fd = memfd_create("tenet-rings", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (nf->rings_fd < 0 || ftruncate(nf->rings_fd, (off_t)nf->rings_len) < 0 ||
	    fcntl(nf->rings_fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0)
		return -errno;
	nf->rings = mmap(NULL, nf->rings_len, PROT_READ | PROT_WRITE, MAP_SHARED, nf->rings_fd, 0);
	if (nf->rings == MAP_FAILED) {
		nf->rings = NULL;
		return -errno;
	}
	if (tenet_ring_init(nf->rings, MGR_RING_SIZE) ||
	    tenet_ring_init((uint8_t *)nf->rings + tx_off, MGR_RING_SIZE) ||
	    tenet_ring_bind_producer(&nf->rx, nf->rings, ring_len, MGR_RING_SIZE) ||
	    tenet_ring_bind_consumer(&nf->tx, (uint8_t *)nf->rings + tx_off, ring_len,
	                             MGR_RING_SIZE))
		return -EINVAL;
	/* two open files per kick socket: the NF can change the flags and the
	 * state of its end only; the manager's end never leaves the manager */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sp) < 0)
		return -errno;
	nf->rx_kick = sp[0];
	nf_ends[0] = sp[1];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sp) < 0)
		return -errno;
	nf->tx_kick = sp[0];
	nf_ends[1] = sp[1];
	/* one-way each: the manager only sends on rx and only reads tx */
	shutdown(nf->rx_kick, SHUT_RD);
	shutdown(nf->tx_kick, SHUT_WR);
	memset(&nf->rej, 0, sizeof(nf->rej));
	nf->rx_pkts = nf->tx_pkts = nf->rx_full = nf->verdict_drop = nf->kicks = 0;
	nf->reclaimed = nf->kick_errors = 0;
	nf->tx_kick_off = false;
	nf->nb_out = 0;
	nf->kick_armed = false;
	w->ring_size = MGR_RING_SIZE;
	w->rings_len = nf->rings_len;
	w->tx_off = tx_off;
	snprintf(w->tenant, sizeof(w->tenant), "%s", tn->cfg->name);
	tenet_pool_geom(tn->mp->pool, &g);
	w->pool_len = g.len;
	w->pool_data_off = g.data_off;
	w->pool_bufs = g.nb_bufs;
	w->pool_buf_size = g.buf_size;
	w->pool_headroom = g.headroom;
	w->pool_hugetlb = g.hugetlb;
	memcpy(w->pool_name, g.name, sizeof(w->pool_name));
	return 0;
}

/*
 * A new connection on a tenant's control socket waits, without blocking the
 * control thread, until its hello arrives or PENDING_WAIT s pass: a client
 * that connects and says nothing costs a slot for a moment, nothing more.
 * The slots are per tenant (MGR_PENDING_PER_TENANT each): a tenant that
 * floods its own socket with silent connections exhausts only its own.
 */
static void accept_conn(struct mgr *m, unsigned int t, int epfd)
{
	int s = accept4(m->tenants[t].listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (s < 0)
		return;
	for (unsigned int i = t * MGR_PENDING_PER_TENANT; i < (t + 1) * MGR_PENDING_PER_TENANT;
	     i++) {
		struct pending *pc = &m->pending[i];
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
		                         .data.u32 = EV_PENDING | i};

		if (pc->fd >= 0)
			continue;
		pc->fd = s;
		pc->tenant = t;
		pc->deadline = mgr_now() + PENDING_WAIT;
		epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
		return;
	}
	/* logged at the first refusal and every 1000th: the flood is the tenant's own */
	if (m->pending_refused[t]++ % 1000 == 0)
		tenet_log(TENET_LOG_WARN,
		          "attach refused: tenant %s has %u attachments in progress (%llu refused)",
		          m->tenants[t].cfg->name, MGR_PENDING_PER_TENANT,
		          (unsigned long long)m->pending_refused[t]);
	{
		struct tenet_welcome w = {.magic = TENET_PROTO_MAGIC,
		                          .version = TENET_PROTO_VERSION,
		                          .status = -EAGAIN};

		snprintf(w.msg, sizeof(w.msg),
		         "tenant %s: too many attachments in progress; try again",
		         m->tenants[t].cfg->name);
		tenet_fd_send(s, &w, sizeof(w), NULL, 0);
	}
	close(s);
}

static void expire_pending(struct mgr *m, int epfd, double now)
{
	for (unsigned int i = 0; i < MGR_PENDING; i++) {
		struct pending *pc = &m->pending[i];

		if (pc->fd < 0 || now < pc->deadline)
			continue;
		epoll_ctl(epfd, EPOLL_CTL_DEL, pc->fd, NULL);
		tenet_log(TENET_LOG_WARN, "attach: no hello within %.0f s; connection closed",
		          PENDING_WAIT);
		close(pc->fd);
		pc->fd = -1;
	}
}

static void handle_attach(struct mgr *m, unsigned int slot, int epfd)
{
	struct pending *pc = &m->pending[slot];
	unsigned int t = pc->tenant;
	struct tenant *tn = &m->tenants[t];
	struct tenet_hello h;
	struct tenet_welcome w = {.magic = TENET_PROTO_MAGIC, .version = TENET_PROTO_VERSION};
	unsigned int inst_used = 0;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct service *svc = NULL;
	struct nf *nf = NULL;
	char buf[sizeof(h) + 1], why[160];
	int nf_ends[2] = {-1, -1};
	ssize_t n;
	int s = pc->fd, err;

	epoll_ctl(epfd, EPOLL_CTL_DEL, s, NULL);
	pc->fd = -1;
	/* MSG_TRUNC: the record's real length, so a longer record is refused,
	 * not silently cut to a hello; no control buffer: fds sent with it
	 * are closed by the kernel, never installed here */
	do {
		n = recv(s, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = errno;
		tenet_log(TENET_LOG_WARN, "attach: tenant %s: cannot read the hello: %s",
		          tn->cfg->name, strerror(err));
		goto out_close;
	}
	if (n == 0) {
		tenet_log(TENET_LOG_WARN, "attach: tenant %s: connection closed before its hello",
		          tn->cfg->name);
		goto out_close;
	}
	if (tenet_hello_parse(buf, (size_t)n, &h, why, sizeof(why))) {
		reply_error(s, EPROTO, "tenant %s: %s", tn->cfg->name, why);
		goto out_close;
	}
	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		reply_error(s, EACCES, "cannot read the peer's credentials");
		goto out_close;
	}
	if ((tn->cfg->has_uid || tn->cfg->has_gid) &&
	    ((tn->cfg->has_uid && cred.uid != tn->cfg->uid) ||
	     (tn->cfg->has_gid && cred.gid != tn->cfg->gid))) {
		reply_error(s, EACCES, "tenant %s: credentials uid %u gid %u are not allowed",
		            tn->cfg->name, (unsigned)cred.uid, (unsigned)cred.gid);
		goto out_close;
	}
	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		if (m->services[i].tenant == t && !strcmp(m->cfg->services[i].name, h.service))
			svc = &m->services[i];
	if (!svc) {
		reply_error(s, ESRCH, "tenant %s has no service '%s'", tn->cfg->name, h.service);
		goto out_close;
	}
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
		struct nf *o = &m->nfs[id];

		if (o->state != NF_FREE && o->service == svc->index)
			inst_used |= 1u << o->instance;
		if (o->state == NF_FREE && (!nf || (nf->ever_used && !o->ever_used)))
			nf = o; /* a fresh slot keeps the counters of a gone NF for the summary */
	}
	if (!nf || (unsigned int)__builtin_popcount(inst_used) >= svc->cfg->instances) {
		reply_error(s, ENOSPC, "service %s/%s: all %u instances are attached",
		            tn->cfg->name, svc->cfg->name, svc->cfg->instances);
		goto out_close;
	}
	nf->service = svc->index;
	nf->instance = (unsigned int)__builtin_ctz(~inst_used);
	nf->pid = cred.pid; /* from the kernel, not from the hello */
	nf->sock = s;
	err = nf_setup(nf, tn, &w, nf_ends);
	if (err) {
		reply_error(s, -err, "cannot set up rings: %s", strerror(-err));
		nf->sock = -1;
		nf_release(nf);
		goto out_close;
	}
	w.nf_id = nf->id;
	w.instance = (uint16_t)nf->instance;
	w.flags = m->poll ? TENET_WELCOME_F_POLL : 0;
	snprintf(w.service, sizeof(w.service), "%s", svc->cfg->name);
	{
		int fds[TENET_FD_COUNT] = {[TENET_FD_POOL] = tenet_pool_fd(tn->mp->pool),
		                           [TENET_FD_RINGS] = nf->rings_fd,
		                           [TENET_FD_RX_EVENT] = nf_ends[0],
		                           [TENET_FD_TX_EVENT] = nf_ends[1]};

		err = tenet_fd_send(s, &w, sizeof(w), fds, TENET_FD_COUNT);
		/* the NF's ends are its own from here on (or nobody's) */
		close(nf_ends[0]);
		close(nf_ends[1]);
		nf_ends[0] = nf_ends[1] = -1;
		if (err) {
			tenet_log(TENET_LOG_WARN, "attach: tenant %s: cannot send the welcome: %s",
			          tn->cfg->name, strerror(-err));
			nf_release(nf);
			return;
		}
	}
	nf->state = NF_LIVE;
	nf->ever_used = true;
	for (unsigned int k = 0; k < svc->cfg->instances; k++)
		if (svc->child[k] > 0 && svc->child[k] == nf->pid)
			svc->attached[k] = true;
	{
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
		                         .data.u32 = EV_NF | nf->id};

		epoll_ctl(epfd, EPOLL_CTL_ADD, s, &ev);
	}
	post_command(m, nf->id, true);
	tenet_log(TENET_LOG_INFO, "NF %s/%s#%u attached (id %u, pid %d)", tn->cfg->name,
	          svc->cfg->name, nf->instance, nf->id, nf->pid);
	return;

out_close:
	if (nf_ends[0] >= 0)
		close(nf_ends[0]);
	if (nf_ends[1] >= 0)
		close(nf_ends[1]);
	close(s);
}

static void nf_gone(struct mgr *m, struct nf *nf, int epfd, const char *why)
{
	const struct service *svc = &m->services[nf->service];

	epoll_ctl(epfd, EPOLL_CTL_DEL, nf->sock, NULL);
	post_command(m, nf->id, false);
	wait_commands(m);
	stats_nf_life_end(m, nf);
	tenet_log(TENET_LOG_INFO, "NF %s/%s#%u %s; %llu buffers reclaimed; %llu wake-ups failed",
	          m->cfg->tenants[svc->tenant].name, svc->cfg->name, nf->instance, why,
	          (unsigned long long)cnt_get(&nf->reclaimed),
	          (unsigned long long)cnt_get(&nf->kick_errors));
	nf_release(nf);
}

static void handle_nf_event(struct mgr *m, struct nf *nf, int epfd)
{
	struct tenet_msg msg;
	/* MSG_TRUNC: the record's real length; a longer one is not a DETACH cut to size */
	ssize_t n = recv(nf->sock, &msg, sizeof(msg), MSG_DONTWAIT | MSG_TRUNC);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == sizeof(msg) && msg.magic == TENET_PROTO_MAGIC && msg.type == TENET_MSG_DETACH) {
		nf_gone(m, nf, epfd, "detached");
		return;
	}
	if (n > 0)
		return; /* anything else from an NF is ignored */
	nf_gone(m, nf, epfd, "disconnected (exited or crashed)");
}

/* ---- supervisor ---------------------------------------------------------- */

/*
 * An NF child inherits nothing but stdin, stdout and stderr. Everything the
 * manager opens is close-on-exec already; this closes the class for what
 * it does not control (a library's files, an fd the manager was started
 * with): every fd from 3 up is closed before exec. close_range() where the
 * kernel has it, else every fd /proc/self/fd lists (read with getdents64:
 * no allocation in a forked child), else every number up to RLIMIT_NOFILE.
 */
struct dirent64_raw {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

static void close_fds_from_3(void)
{
	struct rlimit rl;
	char buf[4096];
	int d;

#if defined(SYS_close_range) && !defined(TENET_NO_CLOSE_RANGE) /* -D...: test the fallback */
	if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0)
		return;
#endif
	d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d >= 0) {
		for (bool again = true; again;) {
			long n;

			again = false;
			lseek(d, 0, SEEK_SET);
			while ((n = syscall(SYS_getdents64, d, buf, sizeof(buf))) > 0) {
				for (long off = 0; off < n;) {
					const struct dirent64_raw *e =
					        (const struct dirent64_raw *)(buf + off);
					int fd = 0;

					off += e->reclen;
					if (e->name[0] < '0' || e->name[0] > '9')
						continue;
					for (const char *c = e->name; *c >= '0' && *c <= '9'; c++)
						fd = fd * 10 + (*c - '0');
					if (fd >= 3 && fd != d) {
						close(fd);
						again = true;
					}
				}
			}
		}
		close(d);
		return;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 1u << 20)
		rl.rlim_cur = 1u << 20;
	for (int fd = 3; fd < (int)rl.rlim_cur; fd++)
		close(fd);
}

/* Give fds 0-2 something harmless if the manager was started without them,
 * so that no file it opens later takes their number and reaches an NF. */
static void std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* not close-on-exec: it stands for stdin/out/err, NFs get it as such */
		if (open("/dev/null", O_RDWR) < 0)
			return;
	}
}

/* Who an NF of a tenant runs as: from the config, the uid's primary group
 * when only uid is set. 0, 1 (no change: no uid or gid configured), -1. */
static int nf_identity(const struct tenant *tn, uid_t *uid, gid_t *gid)
{
	const struct cfg_tenant *t = tn->cfg;

	if (!t->has_uid && !t->has_gid)
		return 1;
	*uid = t->has_uid ? t->uid : geteuid();
	*gid = t->has_gid ? t->gid : getegid();
	if (t->has_uid && !t->has_gid) {
		struct passwd pw, *res = NULL;
		char buf[1024];

		if (getpwuid_r(t->uid, &pw, buf, sizeof(buf), &res) || !res) {
			tenet_log(TENET_LOG_ERR,
			          "tenant %s: uid %u has no passwd entry to take a group from; "
			          "expected a gid in the tenant's config",
			          t->name, (unsigned)t->uid);
			return -1;
		}
		*gid = res->pw_gid;
	}
	return 0;
}

static void __attribute__((noreturn)) child_fail(const struct service *svc, const char *what)
{
	dprintf(2, "tenet: NF %s: %s; not started\n", svc->cfg->name, what);
	_exit(126);
}

/*
 * In the child: drop to uid/gid with no supplementary groups, then check
 * that every id is what it must be and that root cannot be regained. A
 * manager without the privilege to change groups may start NFs as its own
 * user and group only (they keep its groups: they are that user anyway).
 */
static void child_drop(const struct service *svc, uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	bool groups = true;
	char msg[160];

	if (setgroups(0, NULL) < 0) {
		if (errno != EPERM || uid != geteuid() || uid != getuid() || gid != getegid() ||
		    gid != getgid()) {
			snprintf(msg, sizeof(msg), "cannot drop supplementary groups: %s",
			         strerror(errno));
			child_fail(svc, msg);
		}
		groups = false; /* already that user and group, unprivileged */
	}
	if (setgid(gid) < 0 || setuid(uid) < 0) {
		snprintf(msg, sizeof(msg), "cannot switch to uid %u gid %u: %s", (unsigned)uid,
		         (unsigned)gid, strerror(errno));
		child_fail(svc, msg);
	}
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid ||
	    eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
	    (groups && getgroups(0, NULL) != 0)) {
		snprintf(msg, sizeof(msg),
		         "privileges not dropped as asked (uid %u/%u/%u gid %u/%u/%u, %d "
		         "supplementary groups; expected uid %u gid %u, none)",
		         (unsigned)ru, (unsigned)eu, (unsigned)su, (unsigned)rg, (unsigned)eg,
		         (unsigned)sg, getgroups(0, NULL), (unsigned)uid, (unsigned)gid);
		child_fail(svc, msg);
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		child_fail(svc, "root could be regained after dropping privileges");
}

static pid_t spawn(struct mgr *m, struct service *svc)
{
	const struct tenant *tn = &m->tenants[svc->tenant];
	uid_t uid = 0;
	gid_t gid = 0;
	int ident = nf_identity(tn, &uid, &gid);
	pid_t pid;

	if (ident < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		tenet_log(TENET_LOG_ERR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		close_fds_from_3();
		setenv("TENET_SOCKET", tn->sock_path, 1);
		setenv("TENET_SERVICE", svc->cfg->name, 1);
		setenv("TENET_TENANT", tn->cfg->name, 1);
		if (ident == 0)
			child_drop(svc, uid, gid);
		execvp(svc->cfg->argv[0], svc->cfg->argv);
		dprintf(2, "tenet: cannot start %s: %s\n", svc->cfg->argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void start_services(struct mgr *m)
{
	double now = mgr_now();

	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		struct service *svc = &m->services[i];

		if (!svc->cfg->argv[0])
			continue;
		for (unsigned int k = 0; k < svc->cfg->instances; k++) {
			svc->backoff_ms[k] = MGR_BACKOFF_MIN_MS;
			svc->started[k] = now;
			svc->child[k] = spawn(m, svc);
			if (svc->child[k] < 0) {
				svc->child[k] = 0;
				svc->restart_at[k] = now + MGR_BACKOFF_MIN_MS / 1e3;
			}
		}
	}
}

/* Decide what happens to instance k of svc, which just ended (or failed to start). */
static void schedule_restart(struct mgr *m, struct service *svc, unsigned int k, const char *cause,
                             double now)
{
	const char *tname = m->cfg->tenants[svc->tenant].name;
	double up = now - svc->started[k];
	unsigned int delay;

	if (svc->no_restart[k]) {
		svc->no_restart[k] = false;
		tenet_log(TENET_LOG_INFO, "NF %s/%s#%u %s; stopped by tenet ctl: not restarting",
		          tname, svc->cfg->name, k, cause);
		return;
	}
	if (!svc->cfg->restart) {
		tenet_log(TENET_LOG_WARN, "NF %s/%s#%u %s; restart: false: not restarting", tname,
		          svc->cfg->name, k, cause);
		return;
	}
	if (svc->restarts >= MGR_RESTART_MAX) {
		tenet_log(TENET_LOG_ERR,
		          "NF %s/%s#%u %s; restart limit (%d per service) reached: not restarting",
		          tname, svc->cfg->name, k, cause, MGR_RESTART_MAX);
		return;
	}
	/* it stayed up: start the ladder again (by time alone: an NF started
	 * through a wrapper attaches under another pid than the child's) */
	if (up >= MGR_UP_OK)
		svc->backoff_ms[k] = MGR_BACKOFF_MIN_MS;
	delay = svc->backoff_ms[k] ? svc->backoff_ms[k] : MGR_BACKOFF_MIN_MS;
	svc->backoff_ms[k] = delay * 2 < MGR_BACKOFF_MAX_MS ? delay * 2 : MGR_BACKOFF_MAX_MS;
	if (delay > svc->max_backoff_ms)
		svc->max_backoff_ms = delay;
	svc->restart_at[k] = now + delay / 1e3;
	tenet_log(TENET_LOG_WARN, "NF %s/%s#%u %s after %.1f s%s; next attempt in %u ms", tname,
	          svc->cfg->name, k, cause, up, svc->attached[k] ? "" : " (never attached)", delay);
}

/* Start the instances whose restart is due. */
static void supervise(struct mgr *m, double now)
{
	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		struct service *svc = &m->services[i];

		for (unsigned int k = 0; k < svc->cfg->instances; k++) {
			pid_t pid;

			if (svc->restart_at[k] <= 0 || now < svc->restart_at[k])
				continue;
			svc->restart_at[k] = 0;
			svc->restarts++;
			svc->attached[k] = false;
			svc->started[k] = now;
			pid = spawn(m, svc);
			if (pid < 0) {
				schedule_restart(m, svc, k, "could not be started", now);
				continue;
			}
			svc->child[k] = pid;
			tenet_log(TENET_LOG_INFO, "NF %s/%s#%u restarted as pid %d (restart %u)",
			          m->cfg->tenants[svc->tenant].name, svc->cfg->name, k, pid,
			          svc->restarts);
		}
	}
}

static const char *exit_note(int code)
{
	switch (code) {
	case 127:
		return " (could not exec)";
	case 126:
		return " (could not drop privileges)";
	case 2:
		return " (usage error)";
	default:
		return "";
	}
}

static void reap(struct mgr *m, bool stopping)
{
	struct rusage ru;
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
			struct service *svc = &m->services[i];

			for (unsigned int k = 0; k < svc->cfg->instances; k++) {
				char cause[96];

				if (svc->child[k] != pid)
					continue;
				svc->child[k] = 0;
				svc->cpu_ns +=
				        (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
				                1000000000ull +
				        (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) *
				                1000ull;
				if (stopping)
					continue;
				svc->deaths++;
				if (WIFSIGNALED(status))
					snprintf(cause, sizeof(cause),
					         "(pid %d) killed by signal %d (%s)", pid,
					         WTERMSIG(status), strsignal(WTERMSIG(status)));
				else
					snprintf(cause, sizeof(cause), "(pid %d) exited with %d%s",
					         pid, WEXITSTATUS(status),
					         exit_note(WEXITSTATUS(status)));
				schedule_restart(m, svc, k, cause, mgr_now());
			}
		}
	}
}

static unsigned int children_alive(struct mgr *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		for (unsigned int k = 0; k < m->services[i].cfg->instances; k++)
			n += m->services[i].child[k] > 0;
	return n;
}

static void signal_children(struct mgr *m, int sig)
{
	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		for (unsigned int k = 0; k < m->services[i].cfg->instances; k++)
			if (m->services[i].child[k] > 0)
				kill(m->services[i].child[k], sig);
}

/* Number of services started by the manager whose instances are not all attached. */
static unsigned int services_waiting(struct mgr *m)
{
	unsigned int waiting = 0;

	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		unsigned int live = 0;

		if (!m->services[i].cfg->argv[0])
			continue;
		for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
			live += m->nfs[id].state == NF_LIVE && m->nfs[id].service == i;
		waiting += live < m->services[i].cfg->instances;
	}
	return waiting;
}

/* ---- accounting ----------------------------------------------------------- */

static uint64_t in_flight(struct mgr *m)
{
	uint64_t out = mgr_delivered(m);

	for (unsigned int r = 0; r < DROP_MAX; r++)
		out += mgr_dropped(m, r);
	return mgr_packets_in(m) - out;
}

static bool sources_done(struct mgr *m)
{
	bool any = false;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		if (!m->ports[i].has_thread)
			continue;
		any = true;
		if (!__atomic_load_n(&m->ports[i].done, __ATOMIC_ACQUIRE))
			return false;
	}
	return any;
}

/*
 * After every thread has stopped: give back the empty buffers parked in
 * fill rings and NIC caches, note how full each pool is then (it should be
 * completely free: anything else is a packet still in flight or a leak),
 * and count the packets still held as dropped at shutdown.
 */
static void final_drain(struct mgr *m)
{
	for (unsigned int k = 0; k < m->nb_pools; k++) {
		struct mgr_pool *mp = &m->pools[k];

		for (uint32_t b = 0; b < mp->pool->nb_bufs; b++) {
			if (tenet_pool_owner(mp->pool, b) == TENET_OWNER_FREE ||
			    mp->meta[b].chain != BUF_EMPTY)
				continue;
			tenet_pool_set_owner(mp->pool, b, TENET_OWNER_MGR);
			tenet_pool_free_bulk(mp->pool, &b, 1);
		}
		mp->free_at_stop = tenet_pool_nb_free(mp->pool);
		for (uint32_t b = 0; b < mp->pool->nb_bufs; b++) {
			if (tenet_pool_owner(mp->pool, b) == TENET_OWNER_FREE)
				continue;
			tenant_drop(m, m->chains[mp->meta[b].chain].tenant, DROP_SHUTDOWN, 1);
			tenet_pool_set_owner(mp->pool, b, TENET_OWNER_MGR);
			tenet_pool_free_bulk(mp->pool, &b, 1);
		}
	}
	/* steer: cpu - frames the router never took are in flight too */
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct tenet_desc d[MGR_BURST];
		unsigned int n;

		if (!m->router_in[i].mem)
			continue;
		while ((n = tenet_ring_dequeue_burst(&m->router_in[i].cons, d, MGR_BURST)))
			cnt_add(&m->drops[DROP_SHUTDOWN], n);
	}
}

/* ---- main ----------------------------------------------------------------- */

static void fill_result(struct mgr *m, struct mgr_result *r, double elapsed, bool conserved)
{
	memset(r, 0, sizeof(*r));
	r->elapsed = elapsed;
	r->conserved = conserved;
	r->packets_in = mgr_packets_in(m);
	r->delivered = mgr_delivered(m);
	for (unsigned int d = 0; d < DROP_MAX; d++) {
		r->drops[d] = mgr_dropped(m, d);
		r->dropped += r->drops[d];
	}
	r->copies = cnt_get(&m->copies);
	r->dispatcher_ns = cnt_get(&m->dispatch_ns);
	r->router_ns = cnt_get(&m->router_ns);
	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		r->nf_ns += m->services[i].cpu_ns;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct sink_stats st;

		r->nic_ns += cnt_get(&m->ports[i].nic_ns);
		r->rx_bytes += cnt_get(&m->ports[i].rx_bytes);
		r->tx_bytes += cnt_get(&m->ports[i].tx_bytes);
		if (m->cfg->ports[i].driver == CFG_DRV_SINK &&
		    !port_sink_stats(&m->ports[i].port, &st))
			r->lat = st.lat;
	}
	r->host_ns = r->dispatcher_ns + r->router_ns + r->nf_ns;
}

/* CPU time (user + system, all threads) a process has used, ns; 0 if unknown. */
static uint64_t proc_cpu_ns(pid_t pid)
{
	unsigned long long ut, st;
	char path[64], buf[1024], *p;
	long tck = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || tck <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (!p ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (uint64_t)(ut + st) * (1000000000ull / (uint64_t)tck);
}

/* The last sink port (the one struct mgr_result.lat describes), or NULL. */
static struct port *last_sink(struct mgr *m)
{
	struct port *p = NULL;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->cfg->ports[i].driver == CFG_DRV_SINK)
			p = &m->ports[i].port;
	return p;
}

/*
 * Counters at the end of the warm-up into *w, and the sink's latency
 * histogram into hist (if not NULL). Returns whether hist was filled.
 */
static bool take_snapshot(struct mgr *m, double at, struct mgr_snapshot *w, struct sink_hist *hist)
{
	struct port *sink = last_sink(m);

	memset(w, 0, sizeof(*w));
	w->taken = true;
	w->at = at;
	w->packets_in = mgr_packets_in(m);
	w->delivered = mgr_delivered(m);
	for (unsigned int d = 0; d < DROP_MAX; d++) {
		w->drops[d] = mgr_dropped(m, d);
		w->dropped += w->drops[d];
	}
	w->dispatcher_ns = cnt_get(&m->dispatch_ns);
	w->router_ns = cnt_get(&m->router_ns);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		w->nic_ns += cnt_get(&m->ports[i].nic_ns);
	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		const struct service *svc = &m->services[i];

		w->nf_ns += svc->cpu_ns;
		for (unsigned int k = 0; k < CFG_MAX_INSTANCES; k++)
			if (svc->child[k] > 0)
				w->nf_ns += proc_cpu_ns(svc->child[k]);
	}
	return hist && sink && !port_sink_hist(sink, hist);
}

/* Latency over the packets the sink saw after the warm-up: now minus the snapshot. */
static void latency_after(struct mgr *m, const struct sink_hist *warm, struct sink_latency *lat)
{
	struct port *sink = last_sink(m);
	struct sink_hist *h = malloc(sizeof(*h));

	memset(lat, 0, sizeof(*lat));
	if (!h || !sink || port_sink_hist(sink, h)) {
		free(h);
		return;
	}
	h->count = 0;
	for (unsigned int i = 0; i < SINK_HIST_BUCKETS; i++) {
		h->bucket[i] -= h->bucket[i] >= warm->bucket[i] ? warm->bucket[i] : h->bucket[i];
		h->count += h->bucket[i];
	}
	h->overflow -= h->overflow >= warm->overflow ? warm->overflow : h->overflow;
	h->count += h->overflow;
	h->sum_ns -= h->sum_ns >= warm->sum_ns ? warm->sum_ns : h->sum_ns;
	if (h->count) {
		lat->count = h->count;
		lat->min_ns = h->min_ns;
		lat->max_ns = h->max_ns;
		lat->overflow = h->overflow;
		lat->mean_ns = h->sum_ns / h->count;
		lat->p50_ns = sink_hist_value_at(h, 50);
		lat->p99_ns = sink_hist_value_at(h, 99);
		lat->p999_ns = sink_hist_value_at(h, 99.9);
	}
	free(h);
}

int mgr_main(const char *config_path, double duration, const char *summary_path, int poll,
             int quiet)
{
	struct mgr_opts o = {.config = config_path,
	                     .duration = duration,
	                     .summary = summary_path,
	                     .poll = poll,
	                     .quiet = quiet};

	return mgr_run(&o, NULL);
}

static void teardown(struct mgr *m)
{
	ctl_close(m);
	for (unsigned int i = 0; i < MGR_PENDING; i++)
		if (m->pending[i].fd >= 0)
			close(m->pending[i].fd);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		afxdp_close(m, &m->ports[i]);
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
		if (m->nfs[id].state != NF_FREE)
			nf_release(&m->nfs[id]);
	for (unsigned int t = 0; t < m->cfg->nb_tenants; t++) {
		if (m->tenants[t].listen_fd > 0) {
			close(m->tenants[t].listen_fd);
			unlink(m->tenants[t].sock_path);
		}
	}
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (p->port.drv && p->port.drv->close)
			p->port.drv->close(&p->port);
		xring_destroy(&p->ingress);
		for (unsigned int k = 0; k < CFG_MAX_TENANTS; k++)
			xring_destroy(&p->fill[k]);
		xring_destroy(&m->router_in[i]);
		xring_destroy(&m->router_fill[i]);
	}
	xring_destroy(&m->router_out);
	for (unsigned int k = 0; k < CFG_MAX_TENANTS; k++)
		xring_destroy(&m->router_tfill[k]);
	for (unsigned int k = 0; k < m->nb_pools; k++) {
		tenet_pool_destroy(m->pools[k].pool);
		free(m->pools[k].meta);
	}
	tenet_pool_destroy(m->ingress_pool);
	tenet_classifier_destroy(m->cls);
	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		tenet_nicscan_destroy(m->services[i].nicscan);
	if (m->dispatch_efd >= 0)
		close(m->dispatch_efd);
	pthread_mutex_destroy(&m->cmd_lock);
	tenet_config_free(m->cfg);
	free(m);
}

int mgr_run(const struct mgr_opts *o, struct mgr_result *res)
{
	const char *config_path = o->config, *summary_path = o->summary;
	double duration = o->duration;
	int poll = o->poll, quiet = o->quiet;
	struct mgr *m = calloc(1, sizeof(*m));
	struct nic_arg nargs[CFG_MAX_PORTS];
	struct epoll_event ev;
	sigset_t sigs, oldmask;
	char err[512];
	double start, next_stats, last_stats, stop_at = 0, done_at = 0;
	struct stats_snap table_prev = {0}; /* the live table's baseline: its alone */
	struct mgr_snapshot warm = {0};
	struct sink_hist *warm_hist = NULL;
	bool warm_hist_ok = false, stopping = false, drained_stop = false;
	int epfd = -1, sfd = -1, rc = MGR_EXIT_ERROR;
	bool dispatch_started = false, router_started = false;

	if (!m)
		return MGR_EXIT_ERROR;
	std_fds_open();
	pthread_mutex_init(&m->cmd_lock, NULL);
	m->dispatch_efd = -1;
	m->ctl_fd = -1;
	for (unsigned int i = 0; i < MGR_PENDING; i++)
		m->pending[i].fd = -1;
	m->cfg = tenet_config_load(config_path, err, sizeof(err));
	if (!m->cfg || tenet_config_check_host(m->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "tenet: %s\n", err);
		tenet_config_free(m->cfg);
		free(m);
		return 2;
	}
	m->poll = poll || m->cfg->mgr.poll;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		m->shared |= m->cfg->ports[i].steer == CFG_STEER_SHARED;
	for (unsigned int t = 0; t < m->cfg->nb_tenants; t++) {
		m->tenants[t].cfg = &m->cfg->tenants[t];
		m->tenants[t].index = t;
		m->tenants[t].listen_fd = -1;
	}
	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		m->services[i].cfg = &m->cfg->services[i];
		m->services[i].index = i;
		m->services[i].tenant = m->cfg->services[i].tenant;
	}
	for (unsigned int id = 0; id <= MGR_MAX_NF; id++) {
		m->nfs[id].id = (uint16_t)id;
		m->nfs[id].sock = m->nfs[id].rings_fd = m->nfs[id].rx_kick = m->nfs[id].tx_kick =
		        -1;
	}
	if (m->shared)
		tenet_log(TENET_LOG_WARN, "steer: shared - one pool mapped by every NF of every "
		                          "tenant: NO TENANT ISOLATION (baseline for comparison)");

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, &oldmask); /* threads inherit the mask */
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	m->dispatch_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sfd < 0 || epfd < 0 || m->dispatch_efd < 0)
		goto out;
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = EV_SIGNAL};
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);

	if (setup_pools(m) || setup_classifier(m) || setup_ports(m) || setup_sockets(m, epfd))
		goto out;
	if ((rc = ctl_open(m, epfd, EV_CTL))) {
		tenet_log(TENET_LOG_ERR, "control socket %s: %s", m->ctl_path, strerror(-rc));
		rc = MGR_EXIT_ERROR;
		goto out;
	}
	rc = MGR_EXIT_ERROR;
	if (pthread_create(&m->dispatch, NULL, dispatch_thread, m))
		goto out;
	dispatch_started = true;
	start_services(m);

	/* wait for the NFs the manager started before opening the ports */
	start = mgr_now();
	while (services_waiting(m) && mgr_now() - start < MGR_START_WAIT && !stopping) {
		struct epoll_event evs[MGR_EPOLL_BATCH];
		int n = epoll_wait(epfd, evs, MGR_EPOLL_BATCH, MGR_START_TICK_MS);

		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if ((tag & 0xffff0000u) == EV_LISTEN)
				accept_conn(m, tag & 0xffff, epfd);
			else if ((tag & 0xffff0000u) == EV_PENDING)
				handle_attach(m, tag & 0xffff, epfd);
			else if ((tag & 0xffff0000u) == EV_NF)
				handle_nf_event(m, &m->nfs[tag & 0xffff], epfd);
			else if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
						stopping = true;
				reap(m, false);
			} else if ((tag & 0xffff0000u) == EV_CTL) {
				ctl_event(m, tag & 0xffff);
			}
		}
		ctl_expire(m, mgr_now());
		supervise(m, mgr_now());
	}
	if (services_waiting(m))
		tenet_log(TENET_LOG_WARN, "%u service(s) not fully attached; starting anyway",
		          services_waiting(m));
	wait_commands(m);

	if (m->have_router) {
		if (pthread_create(&m->router, NULL, router_thread, m))
			goto out;
		router_started = true;
	}
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (!p->port.drv->rx)
			continue;
		nargs[i] = (struct nic_arg){m, p};
		if (pthread_create(&p->thread, NULL,
		                   p->cfg->driver == CFG_DRV_AFXDP ? afxdp_thread : nic_thread,
		                   &nargs[i]))
			goto out;
		p->has_thread = true;
	}
	if (o->warmup > 0)
		warm_hist = malloc(sizeof(*warm_hist));
	start = mgr_now();
	m->start_time = start;
	last_stats = start;
	next_stats = m->cfg->mgr.stats_interval > 0 ? start + m->cfg->mgr.stats_interval : 0;
	if (duration > 0)
		stop_at = start + duration;

	while (!stopping) {
		struct epoll_event evs[MGR_EPOLL_BATCH];
		double now;
		int n = epoll_wait(epfd, evs, MGR_EPOLL_BATCH, MGR_RUN_TICK_MS);

		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if ((tag & 0xffff0000u) == EV_LISTEN) {
				accept_conn(m, tag & 0xffff, epfd);
			} else if ((tag & 0xffff0000u) == EV_PENDING) {
				handle_attach(m, tag & 0xffff, epfd);
			} else if ((tag & 0xffff0000u) == EV_NF) {
				struct nf *nf = &m->nfs[tag & 0xffff];

				if (nf->state == NF_LIVE)
					handle_nf_event(m, nf, epfd);
			} else if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
						stopping = true;
				reap(m, false);
			} else if ((tag & 0xffff0000u) == EV_CTL) {
				ctl_event(m, tag & 0xffff);
			}
		}
		now = mgr_now();
		expire_pending(m, epfd, now);
		ctl_expire(m, now);
		supervise(m, now);
		for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
			afxdp_account(m, &m->ports[i]);
		if (next_stats && now >= next_stats && !quiet) {
			stats_print_rates(m, stdout, now - last_stats, &table_prev);
			last_stats = now;
			next_stats += m->cfg->mgr.stats_interval;
		}
		if (o->warmup > 0 && !warm.taken && now >= start + o->warmup)
			warm_hist_ok = take_snapshot(m, now - start, &warm, warm_hist);
		if (stop_at && now >= stop_at)
			stopping = true;
		if (sources_done(m)) {
			/* the wire is quiet: stop once everything in flight has left, or
			 * after DRAIN_WAIT s (an NF that sits on packets cannot hold us) */
			if (!done_at)
				done_at = now;
			if (in_flight(m) == 0 || now - done_at > DRAIN_WAIT) {
				stopping = true;
				drained_stop = true;
			}
		}
	}
	m->stop_time = mgr_now();

	/* 1. close the wire, 2. let what is in flight finish, 3. stop NFs */
	flag_raise(&m->stop_nic);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		afxdp_stop_rx(&m->ports[i]); /* no frame reaches a pool from here on */
		if (m->ports[i].has_thread && m->cfg->ports[i].driver != CFG_DRV_AFXDP) {
			pthread_join(m->ports[i].thread, NULL);
			m->ports[i].has_thread = false;
		}
	}
	if (router_started) {
		pthread_join(m->router, NULL);
		router_started = false;
	}
	for (double t0 = mgr_now(); !drained_stop && in_flight(m) && mgr_now() - t0 < 2;)
		usleep(1000);
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
		struct tenet_msg msg = {.magic = TENET_PROTO_MAGIC, .type = TENET_MSG_STOP};

		if (m->nfs[id].state == NF_LIVE)
			tenet_fd_send(m->nfs[id].sock, &msg, sizeof(msg), NULL, 0);
	}
	for (double t0 = mgr_now(); mgr_now() - t0 < MGR_STOP_WAIT;) {
		struct epoll_event evs[MGR_EPOLL_BATCH];
		unsigned int live = 0;
		int n = epoll_wait(epfd, evs, MGR_EPOLL_BATCH, MGR_STOP_TICK_MS);

		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if ((tag & 0xffff0000u) == EV_NF && m->nfs[tag & 0xffff].state == NF_LIVE)
				handle_nf_event(m, &m->nfs[tag & 0xffff], epfd);
			else if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					;
			}
		}
		reap(m, true);
		for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
			live += m->nfs[id].state == NF_LIVE;
		if (!live && !children_alive(m))
			break;
		if (mgr_now() - t0 > 1.5)
			signal_children(m, SIGTERM);
	}
	signal_children(m, SIGKILL);
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
		if (m->nfs[id].state == NF_LIVE)
			nf_gone(m, &m->nfs[id], epfd, "stopped");
	while (children_alive(m)) {
		usleep(1000);
		reap(m, true);
	}
	flag_raise(&m->stop_tx); /* afxdp threads transmitted what the drain delivered; now stop */
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].has_thread) {
			pthread_join(m->ports[i].thread, NULL);
			m->ports[i].has_thread = false;
		}
	flag_raise(&m->stop_dispatch);
	tenet_event_signal(m->dispatch_efd);
	pthread_join(m->dispatch, NULL);
	dispatch_started = false;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		afxdp_close(m, &m->ports[i]); /* the kernel lets go of every buffer */
	final_drain(m);

	{
		/* a run that ended because its sources did and everything drained
		 * ends at the last packet moved, not at the next look of this loop */
		double last = (double)__atomic_load_n(&m->last_work_ns, __ATOMIC_RELAXED) / 1e9;
		double elapsed = (drained_stop && last > start ? last : m->stop_time) - start;

		if (!quiet)
			stats_print_totals(m, stdout, elapsed);
		uint64_t out = mgr_delivered(m);

		for (unsigned int r = 0; r < DROP_MAX; r++)
			out += mgr_dropped(m, r);
		rc = stats_write_summary(m, summary_path, elapsed) ? MGR_EXIT_ERROR : 0;
		if (mgr_packets_in(m) != out) {
			tenet_log(TENET_LOG_ERR, "accounting mismatch: %llu in, %llu out",
			          (unsigned long long)mgr_packets_in(m), (unsigned long long)out);
			rc = MGR_EXIT_ACCOUNTING;
		}
		if (res) {
			fill_result(m, res, elapsed, mgr_packets_in(m) == out);
			res->warm = warm;
			if (warm_hist_ok)
				latency_after(m, warm_hist, &res->lat_after_warm);
		}
	}
out:
	if (dispatch_started || router_started) {
		flag_raise(&m->stop_nic);
		flag_raise(&m->stop_tx);
		flag_raise(&m->stop_dispatch);
		for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
			if (m->ports[i].has_thread)
				pthread_join(m->ports[i].thread, NULL);
		if (router_started)
			pthread_join(m->router, NULL);
		if (dispatch_started) {
			tenet_event_signal(m->dispatch_efd);
			pthread_join(m->dispatch, NULL);
		}
		signal_children(m, SIGKILL);
		while (children_alive(m)) {
			usleep(1000);
			reap(m, true);
		}
	}
	if (sfd >= 0)
		close(sfd);
	if (epfd >= 0)
		close(epfd);
	teardown(m);
	free(warm_hist);
	{
		/* discard what arrived while blocked, then give the caller its mask back */
		struct timespec zero = {0};

		while (sigtimedwait(&sigs, NULL, &zero) > 0)
			;
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	}
	return rc;
}
