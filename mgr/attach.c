/*
 * NF attachment, on the control thread: accept a connection on a tenant's
 * socket, give it PENDING_WAIT s to say hello, check who it is, build its
 * rings and send the welcome with the tenant's pool and its own ring fds
 * only; then hand the NF to the dispatcher through the command queue. An
 * NF that hangs up or misbehaves on its control socket is let go of here
 * (the dispatcher reclaims its buffers).
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

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "lib/wait.h"
#include "mgr/attach.h"
#include "mgr/metrics.h"
#include "mgr/stats.h"
#include "tenet/log.h"

#define PENDING_WAIT 2.0 /* s a new connection may take to say hello */

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

/* To the dispatcher shard that owns the NF's tenant's pool: it serves the NF. */
static void post_command(struct mgr *m, uint16_t id, bool add)
{
	const struct nf *nf = &m->nfs[id];
	struct shard *sh = pool_shard(m, m->tenants[m->services[nf->service].tenant].mp);

	pthread_mutex_lock(&sh->cmd.lock);
	if (add)
		sh->cmd.add[sh->cmd.nb_add++] = id;
	else
		sh->cmd.del[sh->cmd.nb_del++] = id;
	__atomic_store_n(&sh->cmd.pending, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&sh->cmd.lock);
	tenet_event_signal(sh->efd);
}

/* Wait until every dispatcher shard has applied every command posted to it. */
void wait_commands(struct mgr *m)
{
	for (int i = 0; i < 20000; i++) {
		bool pending = false;

		for (unsigned int b = 0; b < m->nb_shards; b++)
			if (__atomic_load_n(&m->shards[b].cmd.pending, __ATOMIC_ACQUIRE)) {
				pending = true;
				tenet_event_signal(m->shards[b].efd);
			}
		if (!pending)
			return;
		usleep(100);
	}
}

void nf_release(struct nf *nf)
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
	uint32_t slots = tn->mp->nf_ring;
	size_t ring_len = tenet_ring_memsize(slots);
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
	if (tenet_ring_init(nf->rings, slots) ||
	    tenet_ring_init((uint8_t *)nf->rings + tx_off, slots) ||
	    tenet_ring_bind_producer(&nf->rx, nf->rings, ring_len, slots) ||
	    tenet_ring_bind_consumer(&nf->tx, (uint8_t *)nf->rings + tx_off, ring_len, slots))
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
	w->ring_size = slots;
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
void accept_conn(struct mgr *m, unsigned int t, int epfd)
{
	int s = accept4(m->tenants[t].listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (s < 0)
		return;
	for (unsigned int i = t * MGR_PENDING_PER_TENANT; i < (t + 1) * MGR_PENDING_PER_TENANT;
	     i++) {
		struct pending *pc = &m->control.pending[i];
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
	if (m->control.pending_refused[t]++ % 1000 == 0)
		tenet_log(TENET_LOG_WARN,
		          "attach refused: tenant %s has %u attachments in progress (%llu refused)",
		          m->tenants[t].cfg->name, MGR_PENDING_PER_TENANT,
		          (unsigned long long)m->control.pending_refused[t]);
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

void expire_pending(struct mgr *m, int epfd, double now)
{
	for (unsigned int i = 0; i < MGR_PENDING; i++) {
		struct pending *pc = &m->control.pending[i];

		if (pc->fd < 0 || now < pc->deadline)
			continue;
		epoll_ctl(epfd, EPOLL_CTL_DEL, pc->fd, NULL);
		tenet_log(TENET_LOG_WARN, "attach: no hello within %.0f s; connection closed",
		          PENDING_WAIT);
		close(pc->fd);
		pc->fd = -1;
	}
}

void handle_attach(struct mgr *m, unsigned int slot, int epfd)
{
	struct pending *pc = &m->control.pending[slot];
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

void nf_gone(struct mgr *m, struct nf *nf, int epfd, const char *why)
{
	const struct service *svc = &m->services[nf->service];

	epoll_ctl(epfd, EPOLL_CTL_DEL, nf->sock, NULL);
	post_command(m, nf->id, false);
	wait_commands(m);
	metrics_nf_life_end(m->control.metrics, nf); /* the NF life ends for both readers */
	stats_nf_life_end(m, nf);
	tenet_log(TENET_LOG_INFO, "NF %s/%s#%u %s; %llu buffers reclaimed; %llu wake-ups failed",
	          m->cfg->tenants[svc->tenant].name, svc->cfg->name, nf->instance, why,
	          (unsigned long long)cnt_get(&nf->reclaimed),
	          (unsigned long long)cnt_get(&nf->kick_errors));
	nf_release(nf);
}

void handle_nf_event(struct mgr *m, struct nf *nf, int epfd)
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
