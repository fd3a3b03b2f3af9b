/*
 * Set-up and teardown of the platform a config describes: the tenant pools
 * (and the ingress pool of steer: cpu), the rule table and the NIC-side
 * scans, the ports, and each tenant's control socket. The run loop
 * (mgr.c) calls these in order; teardown undoes whatever was done.
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
#include "mgr/attach.h"
#include "mgr/ctl.h"
#include "mgr/port_host.h"
#include "mgr/rules.h"
#include "mgr/setup.h"
#include "tenet/log.h"

#define INGRESS_BUFS 4096u

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
	mp->shard = mp->index % m->nb_shards;
	m->shard_pools[mp->shard] |= 1ull << mp->index;
	/* the xfill rings its owner keeps for the copies of every other shard */
	for (unsigned int a = 0; a < m->nb_shards; a++)
		if (a != mp->shard && xring_create(&mp->xfill[a], MGR_FILL_SIZE))
			return -1;
	return 0;
}

int setup_shards(struct mgr *m)
{
	for (unsigned int b = 0; b < m->nb_shards; b++) {
		struct shard *sh = &m->shards[b];

		sh->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (sh->efd < 0)
			return -1;
	}
	for (unsigned int b = 0; b < m->nb_shards; b++)
		for (unsigned int a = 0; a < m->nb_shards; a++) {
			if (a == b)
				continue;
			if (xring_create(&m->shards[b].hand[a], MGR_FILL_SIZE))
				return -1;
			m->shards[b].hand[a].wake_fd = m->shards[b].efd;
		}
	return 0;
}

/*
 * A pool's NF rings and its budget while not overloaded (fill.c,
 * over_budget). The rings: MGR_RING_SIZE slots, or the pool's buffers
 * rounded up to a power of two, at most MGR_RING_MAX. The budget: half
 * the pool, at most a ring less a fill ring (what queues during a stall
 * queues at the first NF's ring), at least 'inflight'. So a larger pool
 * buys a longer stall without loss: a guest's vCPU stops of 3-16 ms
 * (measured here) queue 18k-96k frames at 6 Mpps. With 16384-slot rings
 * the budget was 14336 whatever the pool: a 2-NF chain at 5-6 Mpps lost
 * frames for want of a buffer in 13 of 116 one-second windows with a
 * pool of 32768, in 2 of 116 with 65536 buffers and 65536-slot rings
 * (docs/RESULTS.md).
 */
static uint32_t nf_ring_slots(uint32_t nb_bufs)
{
	uint32_t r = MGR_RING_SIZE;

	while (r < nb_bufs && r < MGR_RING_MAX)
		r <<= 1;
	return r;
}

static void set_budgets(struct mgr *m)
{
	for (unsigned int k = 0; k < m->nb_pools; k++) {
		struct mgr_pool *mp = &m->pools[k];
		uint32_t b = mp->pool->nb_bufs / 2;

		mp->nf_ring = nf_ring_slots(mp->pool->nb_bufs);
		if (b > mp->nf_ring - MGR_FILL_TARGET)
			b = mp->nf_ring - MGR_FILL_TARGET;
		mp->burst_max = b > mp->inflight ? b : mp->inflight;
	}
}

int setup_pools(struct mgr *m)
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
		for (unsigned int t = 0; t < c->nb_tenants; t++) {
			m->tenants[t].mp = &m->pools[0];
			m->pools[0].inflight += c->tenants[t].inflight; /* one pool, all budgets */
		}
		set_budgets(m);
		return 0;
	}
	for (unsigned int t = 0; t < c->nb_tenants; t++) {
		if (make_pool(m, c->tenants[t].name, c->tenants[t].pool_bufs,
		              c->tenants[t].buf_size))
			return -1;
		m->tenants[t].mp = &m->pools[t];
		m->pools[t].inflight = c->tenants[t].inflight;
	}
	set_budgets(m);
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

int setup_classifier(struct mgr *m)
{
	const struct tenet_config *c = m->cfg;

	if (rules_create(m))
		return -1;
	for (unsigned int i = 0; i < c->nb_chains; i++) {
		const struct cfg_chain *cc = &c->chains[i];

		m->chains[i].cfg = cc;
		m->chains[i].tenant = cc->tenant;
		for (unsigned int h = 0; h < cc->nb_hops && cc->hops[h].on == CFG_ON_NIC; h++)
			m->chains[i].first_host_hop = h + 1;
		for (unsigned int h = 0; h < m->chains[i].first_host_hop; h++)
			if (load_nicscan(m, &m->services[cc->hops[h].service]))
				return -1;
	}
	return 0;
}

int setup_ports(struct mgr *m)
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
		p->port.drv = port_driver_find(p->cfg->driver);
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
			if (xring_create(&m->router.in[i], MGR_FILL_SIZE) ||
			    xring_create(&m->router.fill[i], MGR_FILL_SIZE))
				return -1;
			continue;
		}
		for (unsigned int sh = 0; sh < m->nb_shards; sh++) {
			if (xring_create(&p->ingress[sh], MGR_FILL_SIZE))
				return -1;
			p->ingress[sh].wake_fd = m->shards[sh].efd;
		}
		for (unsigned int k = 0; k < m->nb_pools; k++)
			if (xring_create(&p->fill[k], MGR_FILL_SIZE))
				return -1;
	}
	/* a nic thread with no empty buffer sleeps until its fill rings get some */
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (!p->port.drv->rx || p->port.drv->thread)
			continue;
		p->nic_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->nic_efd < 0)
			return -1;
		if (p->cfg->steer == CFG_STEER_CPU)
			m->router.fill[i].wake_fd = p->nic_efd;
		else
			for (unsigned int k = 0; k < m->nb_pools; k++)
				p->fill[k].wake_fd = p->nic_efd;
	}
	if (m->have_router) {
		m->router.ingress_pool =
		        tenet_pool_create("ingress", INGRESS_BUFS, cfg_buf_size_default(m->cfg), 0);
		if (!m->router.ingress_pool)
			return -1;
		for (unsigned int sh = 0; sh < m->nb_shards; sh++) {
			if (xring_create(&m->router.out[sh], MGR_FILL_SIZE))
				return -1;
			m->router.out[sh].wake_fd = m->shards[sh].efd;
		}
		for (unsigned int k = 0; k < m->nb_pools; k++)
			if (xring_create(&m->router.tfill[k], MGR_FILL_SIZE))
				return -1;
	}
	for (unsigned int i = 0; i < c->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		err[0] = '\0';
		if (port_host_attach(m, p, err, sizeof(err))) {
			tenet_log(TENET_LOG_ERR, "port %s: %s", p->cfg->name, err);
			return -1;
		}
	}
	return 0;
}

int setup_sockets(struct mgr *m, int epfd)
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

void teardown(struct mgr *m)
{
	ctl_close(m);
	for (unsigned int i = 0; i < MGR_PENDING; i++)
		if (m->control.pending[i].fd >= 0)
			close(m->control.pending[i].fd);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		port_host_detach(&m->ports[i]);
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
		for (unsigned int sh = 0; sh < MGR_MAX_SHARDS; sh++)
			xring_destroy(&p->ingress[sh]);
		pthread_mutex_destroy(&p->tx.lock);
		for (unsigned int k = 0; k < CFG_MAX_TENANTS; k++)
			xring_destroy(&p->fill[k]);
		xring_destroy(&m->router.in[i]);
		xring_destroy(&m->router.fill[i]);
		if (p->nic_efd > 0)
			close(p->nic_efd);
	}
	for (unsigned int k = 0; k < CFG_MAX_TENANTS; k++)
		xring_destroy(&m->router.tfill[k]);
	for (unsigned int k = 0; k < m->nb_pools; k++) {
		tenet_pool_destroy(m->pools[k].pool);
		free(m->pools[k].meta);
		for (unsigned int a = 0; a < MGR_MAX_SHARDS; a++)
			xring_destroy(&m->pools[k].xfill[a]);
	}
	tenet_pool_destroy(m->router.ingress_pool);
	rules_destroy(m);
	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		tenet_nicscan_destroy(m->services[i].nicscan);
	for (unsigned int b = 0; b < MGR_MAX_SHARDS; b++) {
		struct shard *sh = &m->shards[b];

		xring_destroy(&m->router.out[b]);
		for (unsigned int a = 0; a < MGR_MAX_SHARDS; a++)
			xring_destroy(&sh->hand[a]);
		if (sh->efd >= 0)
			close(sh->efd);
		pthread_mutex_destroy(&sh->cmd.lock);
	}
	tenet_config_free(m->cfg);
	free(m);
}
