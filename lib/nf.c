/*
 * NF runtime: attach to the manager, run the packet loop, detach.
 *
 * Everything an NF gets comes over its tenant's control socket: the fd of
 * its tenant's pool, the fd of its own two rings and its ends of two kick
 * sockets, and - in the welcome message, never from shared memory - the
 * geometry of both. The loop takes bursts from rx, calls the handler, and
 * returns every packet on tx with its verdict (the manager frees dropped
 * packets: an NF never owns the free list). When idle it sleeps on the rx
 * kick socket, together with the control socket (manager gone or STOP) and
 * a wake eventfd that signal handlers write to.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "lib/wait.h"
#include "tenet/log.h"
#include "tenet/nf.h"
#include "tenet/pool.h"

#define MAX_SIGNALS 8

struct sig_hook {
	int sig;
	void (*fn)(void *arg);
	void *arg;
};

struct tenet_nf {
	int sock;
	int rx_kick, tx_kick; /* this NF's ends of the kick sockets (lib/proto.h) */
	int wake_efd;         /* written by signal handlers and tenet_nf_stop */
	struct tenet_pool *pool;
	void *rings;
	size_t rings_len;
	struct tenet_ring rx, tx;
	bool poll_mode;
	volatile sig_atomic_t stop;
	uint16_t nf_id, instance;
	char tenant[TENET_NAME_MAX], service[TENET_NAME_MAX];
	struct sig_hook hooks[MAX_SIGNALS];
	unsigned int nb_hooks;
	uint64_t tx_kicks;
};

/* Signals are process-wide: one NF per process is the supported model. */
static struct tenet_nf *sig_nf;
static volatile sig_atomic_t sig_pending[MAX_SIGNALS];

static void on_signal(int sig)
{
	struct tenet_nf *nf = sig_nf;
	int saved = errno;

	if (!nf)
		return;
	for (unsigned int i = 0; i < nf->nb_hooks; i++)
		if (nf->hooks[i].sig == sig)
			sig_pending[i] = 1;
	if (sig == SIGINT || sig == SIGTERM)
		nf->stop = 1;
	tenet_event_signal(nf->wake_efd);
	errno = saved;
}

static int install(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(sig, &sa, NULL) < 0 ? -errno : 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int s;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		close(s);
		errno = err;
		return -1;
	}
	return s;
}

static void close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		close(fds[i]);
}

struct tenet_nf *tenet_nf_attach(const char *socket_path, const char *service)
{
	struct tenet_hello hello = {.magic = TENET_PROTO_MAGIC, .version = TENET_PROTO_VERSION};
	struct tenet_welcome w;
	struct tenet_pool_geom geom;
	int fds[TENET_FDPASS_MAX];
	unsigned int nfds = TENET_FDPASS_MAX;
	struct tenet_nf *nf;
	struct stat st;
	ssize_t n;
	int err;

	if (!socket_path)
		socket_path = getenv("TENET_SOCKET");
	if (!service)
		service = getenv("TENET_SERVICE");
	if (!socket_path || !service) {
		tenet_log(TENET_LOG_ERR, "attach: no socket or service (set TENET_SOCKET and "
		                         "TENET_SERVICE, or pass them)");
		errno = EINVAL;
		return NULL;
	}
	if (strlen(service) >= sizeof(hello.service)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	nf = calloc(1, sizeof(*nf));
	if (!nf)
		return NULL;
	nf->rx_kick = nf->tx_kick = nf->wake_efd = -1;
	nf->sock = connect_to(socket_path);
	if (nf->sock < 0) {
		err = errno;
		tenet_log(TENET_LOG_ERR, "attach: cannot connect to %s: %s", socket_path,
		          strerror(err));
		goto err_free;
	}
	hello.pid = (uint32_t)getpid();
	strcpy(hello.service, service);
	err = -tenet_fd_send(nf->sock, &hello, sizeof(hello), NULL, 0);
	if (err)
		goto err_sock;
	n = tenet_fd_recv(nf->sock, &w, sizeof(w), fds, &nfds);
	if (n < 0) {
		err = (int)-n;
		goto err_sock;
	}
	if ((size_t)n != sizeof(w) || w.magic != TENET_PROTO_MAGIC) {
		close_fds(fds, nfds);
		err = n == 0 ? ECONNRESET : EPROTO;
		tenet_log(TENET_LOG_ERR, "attach: bad reply from the manager");
		goto err_sock;
	}
	w.msg[sizeof(w.msg) - 1] = '\0';
	if (w.status != 0 || w.version != TENET_PROTO_VERSION) {
		close_fds(fds, nfds);
		err = w.status ? -w.status : EPROTO;
		tenet_log(TENET_LOG_ERR, "attach refused: %s",
		          w.status ? w.msg : "protocol version mismatch");
		goto err_sock;
	}
	if (nfds != TENET_FD_COUNT) {
		close_fds(fds, nfds);
		err = EPROTO;
		goto err_sock;
	}
	nf->rx_kick = fds[TENET_FD_RX_EVENT];
	nf->tx_kick = fds[TENET_FD_TX_EVENT];
	/* the geometry the manager sent, not the pool header: any NF of this
	 * tenant can write the header, and must not lock the others out */
	geom = (struct tenet_pool_geom){.len = w.pool_len,
	                                .data_off = w.pool_data_off,
	                                .nb_bufs = w.pool_bufs,
	                                .buf_size = w.pool_buf_size,
	                                .headroom = w.pool_headroom,
	                                .hugetlb = w.pool_hugetlb != 0};
	memcpy(geom.name, w.pool_name, sizeof(geom.name));
	geom.name[sizeof(geom.name) - 1] = '\0';
	nf->pool = tenet_pool_attach_geom(fds[TENET_FD_POOL], &geom);
	err = errno;
	close(fds[TENET_FD_POOL]);
	if (!nf->pool) {
		close(fds[TENET_FD_RINGS]);
		tenet_log(TENET_LOG_ERR, "attach: cannot map the pool: %s", strerror(err));
		goto err_sock;
	}
	if (fstat(fds[TENET_FD_RINGS], &st) < 0 || (uint64_t)st.st_size < w.rings_len ||
	    w.tx_off >= w.rings_len || w.ring_size == 0 || w.ring_size > TENET_RING_MAX) {
		close(fds[TENET_FD_RINGS]);
		err = EPROTO;
		goto err_pool;
	}
	nf->rings_len = w.rings_len;
	nf->rings = mmap(NULL, nf->rings_len, PROT_READ | PROT_WRITE, MAP_SHARED,
	                 fds[TENET_FD_RINGS], 0);
	err = errno;
	close(fds[TENET_FD_RINGS]);
	if (nf->rings == MAP_FAILED)
		goto err_pool;
	err = -tenet_ring_bind_consumer(&nf->rx, nf->rings, w.tx_off, w.ring_size);
	if (!err)
		err = -tenet_ring_bind_producer(&nf->tx, (uint8_t *)nf->rings + w.tx_off,
		                                nf->rings_len - w.tx_off, w.ring_size);
	if (err)
		goto err_unmap;
	nf->wake_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (nf->wake_efd < 0) {
		err = errno;
		goto err_unmap;
	}
	nf->poll_mode = w.flags & TENET_WELCOME_F_POLL;
	nf->nf_id = w.nf_id;
	nf->instance = w.instance;
	w.tenant[sizeof(w.tenant) - 1] = '\0';
	w.service[sizeof(w.service) - 1] = '\0';
	strcpy(nf->tenant, w.tenant);
	strcpy(nf->service, w.service);
	sig_nf = nf;
	install(SIGINT);
	install(SIGTERM);
	tenet_log(TENET_LOG_INFO, "attached as %s/%s instance %u (pool %s, %u buffers)", nf->tenant,
	          nf->service, nf->instance, nf->pool->name, nf->pool->nb_bufs);
	return nf;

err_unmap:
	munmap(nf->rings, nf->rings_len);
err_pool:
	tenet_pool_destroy(nf->pool);
err_sock:
	if (nf->rx_kick >= 0)
		close(nf->rx_kick);
	if (nf->tx_kick >= 0)
		close(nf->tx_kick);
	close(nf->sock);
err_free:
	free(nf);
	errno = err;
	return NULL;
}

void tenet_nf_detach(struct tenet_nf *nf)
{
	struct tenet_msg m = {.magic = TENET_PROTO_MAGIC, .type = TENET_MSG_DETACH};

	if (!nf)
		return;
	tenet_fd_send(nf->sock, &m, sizeof(m), NULL, 0);
	/* the control socket first: the manager tells a leaving NF from one
	 * that hangs up its kick sockets while attached by this order */
	close(nf->sock);
	if (sig_nf == nf)
		sig_nf = NULL;
	munmap(nf->rings, nf->rings_len);
	tenet_pool_destroy(nf->pool);
	close(nf->rx_kick);
	close(nf->tx_kick);
	close(nf->wake_efd);
	free(nf);
}

const char *tenet_nf_service(const struct tenet_nf *nf)
{
	return nf->service;
}

const char *tenet_nf_tenant(const struct tenet_nf *nf)
{
	return nf->tenant;
}

unsigned int tenet_nf_instance(const struct tenet_nf *nf)
{
	return nf->instance;
}

void tenet_nf_stop(struct tenet_nf *nf)
{
	nf->stop = 1;
	tenet_event_signal(nf->wake_efd);
}

int tenet_nf_on_signal(struct tenet_nf *nf, int sig, void (*fn)(void *arg), void *arg)
{
	if (nf->nb_hooks == MAX_SIGNALS || sig <= 0 || sig >= NSIG)
		return -EINVAL;
	nf->hooks[nf->nb_hooks++] = (struct sig_hook){sig, fn, arg};
	return install(sig);
}

static void run_hooks(struct tenet_nf *nf)
{
	for (unsigned int i = 0; i < nf->nb_hooks; i++) {
		if (!sig_pending[i])
			continue;
		sig_pending[i] = 0;
		if (nf->hooks[i].fn)
			nf->hooks[i].fn(nf->hooks[i].arg);
	}
}

/* Read control messages; returns -EPIPE if the manager is gone or said STOP. */
static int check_control(struct tenet_nf *nf)
{
	struct tenet_msg m;
	ssize_t n = recv(nf->sock, &m, sizeof(m), MSG_DONTWAIT);

	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EAGAIN ? 0 : -EPIPE;
	if (n == sizeof(m) && m.magic == TENET_PROTO_MAGIC && m.type == TENET_MSG_STOP)
		nf->stop = 1;
	return 0;
}

/* Sleep until rx has work, a signal, or a control message. */
static int idle_wait(struct tenet_nf *nf)
{
	struct pollfd pfd[3] = {
	        {.fd = nf->rx_kick, .events = POLLIN},
	        {.fd = nf->sock, .events = POLLIN},
	        {.fd = nf->wake_efd, .events = POLLIN},
	};

	tenet_ring_set_sleeping(&nf->rx, 1);
	if (tenet_ring_count(&nf->rx) == 0 && !nf->stop)
		poll(pfd, 3, 1000);
	tenet_ring_set_sleeping(&nf->rx, 0);
	if (pfd[2].revents & POLLIN)
		tenet_event_drain(nf->wake_efd);
	if (pfd[1].revents)
		return check_control(nf);
	if (pfd[0].revents && tenet_kick_drain(nf->rx_kick) < 0)
		return -EPIPE; /* the manager's end is gone: so is the manager */
	return 0;
}

/* Hand a burst back to the manager; the manager always drains, so wait for room. */
static void tx_all(struct tenet_nf *nf, struct tenet_desc *d, unsigned int n)
{
	unsigned int done = 0;

	while (done < n) {
		done += tenet_ring_enqueue_burst(&nf->tx, d + done, n - done);
		if (done < n) {
			if (check_control(nf) < 0)
				return; /* manager gone: it reclaims what we hold */
			sched_yield();
		}
	}
	if (tenet_ring_needs_kick(&nf->tx)) {
		nf->tx_kicks++;
		tenet_kick_send(nf->tx_kick);
	}
}

static int run(struct tenet_nf *nf, tenet_pkt_fn pkt_fn, tenet_burst_fn burst_fn, void *arg)
{
	struct tenet_desc d[TENET_BURST];
	struct tenet_pkt pkts[TENET_BURST];
	struct tenet_pkt *pp[TENET_BURST];
	const struct tenet_pool *pool = nf->pool;
	struct tenet_spin spin = {.limit_ns = TENET_NF_SPIN_NS};
	unsigned int empty = 0, run_pkts = 0;
	int rc = 0;

	for (unsigned int i = 0; i < TENET_BURST; i++)
		pp[i] = &pkts[i];
	while (!nf->stop) {
		unsigned int n = tenet_ring_dequeue_burst(&nf->rx, d, TENET_BURST);

		if (n == 0) {
			run_hooks(nf);
			if (nf->poll_mode || tenet_spin_more(&spin)) {
				if ((++empty & 1023) == 0 && (rc = check_control(nf)) < 0)
					break;
				continue;
			}
			run_pkts = 0;
			rc = idle_wait(nf);
			if (rc < 0)
				break;
			continue;
		}
		/*
		 * Poll the long way (TENET_NF_SPIN_NS) once the run of work
		 * since the last sleep has come to a burst, not only after a
		 * full burst: a dispatcher that hands over a part of a burst
		 * every few µs (a steady 6 Mpps) otherwise found this NF
		 * asleep after 256 empty polls every time, and its kick (a
		 * syscall and a cross-CPU wake-up) cost it 11 µs: 188k kicks,
		 * 2.1 s of 10 s of the dispatcher's CPU, and 70k with the NIC
		 * stage on a thread of its own (whose bursts come in clumps).
		 * With this, a few dozen in either case. Under a light load
		 * (runs shorter than a burst before it sleeps: 10 kpps) it
		 * sleeps after 256 polls as before; idle, it sleeps.
		 */
		if (run_pkts < TENET_BURST)
			run_pkts += n;
		tenet_spin_reset(&spin, run_pkts >= TENET_BURST);
		for (unsigned int i = 0; i < n; i++) {
			struct tenet_pkt *p = &pkts[i];
			uint32_t b = d[i].buf < pool->nb_bufs ? d[i].buf : 0;
			uint32_t off = d[i].off < pool->buf_size ? d[i].off : 0;

			p->desc = d[i];
			p->data = (uint8_t *)tenet_pool_buf(pool, b) + off;
			p->room = (uint16_t)(pool->buf_size - off);
			p->len = d[i].len <= p->room ? d[i].len : p->room;
			p->verdict = TENET_V_NEXT;
			p->arg = 0;
		}
		if (pkt_fn) {
			for (unsigned int i = 0; i < n; i++)
				pkts[i].verdict = pkt_fn(&pkts[i], arg);
		} else {
			burst_fn(pp, n, arg);
		}
		for (unsigned int i = 0; i < n; i++) {
			d[i].verdict = (uint8_t)pkts[i].verdict;
			d[i].arg = pkts[i].arg;
			d[i].len = pkts[i].len;
		}
		tx_all(nf, d, n);
	}
	run_hooks(nf);
	return rc;
}

int tenet_nf_run(struct tenet_nf *nf, tenet_pkt_fn fn, void *arg)
{
	return run(nf, fn, NULL, arg);
}

int tenet_nf_run_burst(struct tenet_nf *nf, tenet_burst_fn fn, void *arg)
{
	return run(nf, NULL, fn, arg);
}
