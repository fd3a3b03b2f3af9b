/*
 * nf_hostile: an NF that breaks every rule, for the system tests.
 *
 *   nf_hostile [--bursts N]            (test_hostile.sh) forged indices,
 *       buffers returned twice, buffers it never received, lengths and
 *       offsets past the buffer, bad verdicts and verdict targets, garbage
 *       ring indices, a tx ring flooded with garbage; after N bursts or
 *       1.5 s it exits in the middle of a burst, holding buffers.
 *   nf_hostile --mode freeze           (test_nf_freeze.sh) tries to turn the
 *       manager's wake-ups into calls that block: fills or saturates both
 *       wake-up fds, clears O_NONBLOCK on every fd it got, keeps its rx
 *       ring's 'sleeping' flag set (taking a burst now and then, so the
 *       manager kicks again), writes garbage to its tx wake-up fd, then
 *       shuts down and closes both wake-up fds and carries on sleeping
 *       until the manager says STOP.
 *   nf_hostile --mode oversize --out F (test_nf_oversize.sh) hands every
 *       other packet back with the longest length its own pool allows
 *       (buf_size - off), the rest of its buffer filled with 0xee; writes
 *       "lengthened N" and "honest M" to F when told to stop.
 *   nf_hostile --mode forge --out F    (test_nf_metadata.sh) forwards
 *       every packet as it came, but with the descriptor's flow hash, ingress
 *       port and hop overwritten (the hash with one value per packet, so
 *       that trusting it would scatter a flow over the next service's
 *       instances); writes "forged N" to F when told to stop.
 *   nf_hostile --mode scribble --once F (test_nf_scribble.sh) if F does
 *       not exist: creates it, waits for traffic, scribbles over the pool
 *       header, punches holes in the whole pool memfd and exits holding
 *       buffers. If F exists: an honest forwarding NF (libtenet), which
 *       must be able to attach after all that.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "tenet/nf.h"
#include "tenet/pool.h"
#include "tenet/ring.h"

enum phase { FORGE, DOUBLE, STALE, BADLEN, BADVERDICT, CORRUPT, FLOOD, HONEST, NB_PHASES };

static uint64_t rng = 88172645463325252ull;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

/* Fill a wake-up fd: saturate an eventfd's counter, or fill a socket's buffer. */
static void fill_fd(int fd)
{
	uint64_t big = 0xfffffffffffffffeull;

	set_nonblock(fd, true);
	if (send(fd, &big, sizeof(big), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno == ENOTSOCK) {
		ssize_t rc = write(fd, &big, sizeof(big)); /* eventfd: counter at its maximum */

		(void)rc;
		return;
	}
	for (int k = 0; k < 1000000; k++)
		if (send(fd, &big, sizeof(big), MSG_DONTWAIT | MSG_NOSIGNAL) <= 0)
			break;
}

/* true when the manager said STOP or went away */
static bool told_to_stop(int s, int timeout_ms)
{
	struct pollfd pfd = {.fd = s, .events = POLLIN};
	struct tenet_msg msg;
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return false;
	n = recv(s, &msg, sizeof(msg), MSG_DONTWAIT);
	if (n < 0)
		return errno != EAGAIN;
	return n == 0 || (n == sizeof(msg) && msg.type == TENET_MSG_STOP);
}

static int freeze(int s, int *fds, struct tenet_ring *rx, struct tenet_ring *tx)
{
	int all[] = {s, fds[TENET_FD_POOL], fds[TENET_FD_RINGS], fds[TENET_FD_RX_EVENT],
	             fds[TENET_FD_TX_EVENT]};
	double t0 = now_s();
	bool closed = false;

	/* 1. every wake-up fd full, 2. blocking mode on every fd it holds,
	 * 3. then (and only then) ask to be woken: the next kick must block */
	fill_fd(fds[TENET_FD_RX_EVENT]);
	fill_fd(fds[TENET_FD_TX_EVENT]);
	for (unsigned int i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		set_nonblock(all[i], false);
	fprintf(stderr, "nf_hostile: freeze: wake-up fds filled, O_NONBLOCK cleared\n");
	for (unsigned int round = 0;; round++) {
		__atomic_store_n(&rx->shm->sleeping, 1, __ATOMIC_SEQ_CST);
		if (!closed && now_s() - t0 > 1.5) {
			/* 4. hang up on both wake-up channels */
			shutdown(fds[TENET_FD_RX_EVENT], SHUT_RDWR);
			shutdown(fds[TENET_FD_TX_EVENT], SHUT_RDWR);
			close(fds[TENET_FD_RX_EVENT]);
			close(fds[TENET_FD_TX_EVENT]);
			closed = true;
			fprintf(stderr, "nf_hostile: freeze: wake-up fds shut down and closed\n");
		}
		/* garbage on the manager's wake-up: 8 bytes at a time on a socket (an
		 * eventfd stays saturated: a write would block this process) */
		if (!closed) {
			uint64_t g = ((uint64_t)rnd() << 32) | rnd();
			ssize_t rc = send(fds[TENET_FD_TX_EVENT], &g, sizeof(g),
			                  MSG_DONTWAIT | MSG_NOSIGNAL);

			(void)rc;
		}
		if (round % 20 == 19) {
			/* take a burst now and then (new cons: the manager kicks again)
			 * and hand it back as dropped, so its tenant's accounting stays exact */
			struct tenet_desc d[TENET_BURST];
			unsigned int n = tenet_ring_dequeue_burst(rx, d, TENET_BURST);

			for (unsigned int i = 0; i < n; i++)
				d[i].verdict = TENET_V_DROP;
			if (n)
				tenet_ring_enqueue_burst(tx, d, n);
		}
		if (told_to_stop(s, 5))
			return 0;
	}
}

/*
 * Take bursts from rx, let 'edit' rewrite each descriptor (verdict NEXT
 * already set), hand them all back on tx, until the manager says STOP.
 */
static void relay(int s, struct tenet_ring *rx, struct tenet_ring *tx,
                  void (*edit)(struct tenet_desc *d, void *arg), void *arg)
{
	for (;;) {
		struct tenet_desc d[TENET_BURST];
		unsigned int n = tenet_ring_dequeue_burst(rx, d, TENET_BURST);

		if (!n) {
			if (told_to_stop(s, 1))
				break;
			continue;
		}
		for (unsigned int i = 0; i < n; i++) {
			d[i].verdict = TENET_V_NEXT;
			edit(&d[i], arg);
		}
		while (tenet_ring_enqueue_burst(tx, d, n) == 0)
			usleep(10);
	}
}

/* Write "NAME VALUE" lines to path (if any) when the NF stops. */
static void report(const char *path, const char *const *names, const uint64_t *v, unsigned int n)
{
	FILE *f = path ? fopen(path, "w") : NULL;

	if (!f)
		return;
	for (unsigned int i = 0; i < n; i++)
		fprintf(f, "%s %llu\n", names[i], (unsigned long long)v[i]);
	fclose(f);
}

struct oversize_arg {
	struct tenet_pool *pool;
	uint64_t n[2]; /* lengthened, honest */
};

static void lengthen(struct tenet_desc *d, void *arg)
{
	struct oversize_arg *o = arg;
	struct tenet_pool *pool = o->pool;

	if (d->buf >= pool->nb_bufs || d->off >= pool->buf_size || (o->n[0] + o->n[1]) % 2) {
		o->n[1]++;
		return;
	}
	/* the longest length the check against its own pool lets through */
	uint8_t *b = (uint8_t *)tenet_pool_buf(pool, d->buf);
	uint32_t len = pool->buf_size - d->off;

	if (d->len < len)
		memset(b + d->off + d->len, 0xee, len - d->len);
	d->len = (uint16_t)len;
	o->n[0]++;
}

static int oversize(int s, struct tenet_pool *pool, struct tenet_ring *rx, struct tenet_ring *tx,
                    const char *out)
{
	static const char *const names[] = {"lengthened", "honest"};
	struct oversize_arg o = {.pool = pool};

	relay(s, rx, tx, lengthen, &o);
	report(out, names, o.n, 2);
	return 0;
}

static void forge_meta(struct tenet_desc *d, void *arg)
{
	uint64_t *forged = arg;

	d->hash = (uint32_t)(0xdead0000u + (*forged & 0xffff));
	d->port = 0xee;
	d->hop = 0x77;
	(*forged)++;
}

static int forge(int s, struct tenet_ring *rx, struct tenet_ring *tx, const char *out)
{
	static const char *const names[] = {"forged"};
	uint64_t forged = 0;

	relay(s, rx, tx, forge_meta, &forged);
	report(out, names, &forged, 1);
	return 0;
}

static int scribble(int pool_fd, struct tenet_pool *pool, struct tenet_ring *rx)
{
	double t0 = now_s();

	/* hold some traffic first, so the exit below leaves buffers to reclaim */
	while (tenet_ring_count(rx) < 64 && now_s() - t0 < 3)
		usleep(1000);
	memset(pool->base, 0xff, pool->data - pool->base); /* the whole header page */
	if (fallocate(pool_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
	              (off_t)pool->map_len) < 0)
		fprintf(stderr, "nf_hostile: scribble: punch hole: %s\n", strerror(errno));
	fprintf(stderr, "nf_hostile: scribble: header overwritten, holes punched; exiting\n");
	_exit(3);
}

static enum tenet_verdict forward(struct tenet_pkt *pkt, void *arg)
{
	(void)pkt;
	(void)arg;
	return TENET_V_NEXT;
}

static int honest(void)
{
	struct tenet_nf *nf = tenet_nf_attach(NULL, NULL);
	int rc;

	if (!nf) {
		fprintf(stderr, "nf_hostile: honest attach failed: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr, "nf_hostile: honest instance attached\n");
	rc = tenet_nf_run(nf, forward, NULL);
	tenet_nf_detach(nf);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct tenet_hello h = {.magic = TENET_PROTO_MAGIC, .version = TENET_PROTO_VERSION};
	struct tenet_welcome w;
	int fds[TENET_FDPASS_MAX];
	unsigned int nfds = TENET_FDPASS_MAX;
	struct tenet_ring rx, tx;
	struct tenet_pool *pool;
	uint8_t *rings;
	const char *path = getenv("TENET_SOCKET"), *svc = getenv("TENET_SERVICE");
	const char *mode = "abuse", *out = NULL, *once = NULL;
	struct tenet_pool_geom geom;
	long bursts = 4000;
	double deadline;
	int s;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--bursts"))
			bursts = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--mode"))
			mode = argv[i + 1];
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		else if (!strcmp(argv[i], "--once"))
			once = argv[i + 1];
		else
			return 2;
	}
	if (!path || !svc)
		return 2;
	if (once) {
		int fd = open(once, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);

		if (fd < 0)
			return honest(); /* the attack already ran: this life is honest */
		close(fd);
	}
	rng ^= (uint64_t)getpid() << 32;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(h.service, sizeof(h.service), "%s", svc);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(s, &h, sizeof(h), 0) != sizeof(h) ||
	    tenet_fd_recv(s, &w, sizeof(w), fds, &nfds) != sizeof(w) || w.status ||
	    nfds != TENET_FD_COUNT)
		return 1;
	geom = (struct tenet_pool_geom){.len = w.pool_len,
	                                .data_off = w.pool_data_off,
	                                .nb_bufs = w.pool_bufs,
	                                .buf_size = w.pool_buf_size,
	                                .headroom = w.pool_headroom};
	pool = tenet_pool_attach_geom(fds[TENET_FD_POOL], &geom);
	rings = mmap(NULL, w.rings_len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[TENET_FD_RINGS], 0);
	if (!pool || rings == MAP_FAILED ||
	    tenet_ring_bind_consumer(&rx, rings, w.tx_off, w.ring_size) ||
	    tenet_ring_bind_producer(&tx, rings + w.tx_off, w.rings_len - w.tx_off, w.ring_size))
		return 1;
	fprintf(stderr, "nf_hostile: attached as id %u, mode %s\n", w.nf_id, mode);
	if (!strcmp(mode, "freeze"))
		return freeze(s, fds, &rx, &tx);
	if (!strcmp(mode, "oversize"))
		return oversize(s, pool, &rx, &tx, out);
	if (!strcmp(mode, "forge"))
		return forge(s, &rx, &tx, out);
	if (!strcmp(mode, "scribble"))
		return scribble(fds[TENET_FD_POOL], pool, &rx);
	if (strcmp(mode, "abuse"))
		return 2;
	deadline = now_s() + 1.5;

	for (long b = 0;;) {
		struct tenet_desc d[TENET_BURST];
		unsigned int n = tenet_ring_dequeue_burst(&rx, d, TENET_BURST);
		enum phase ph = (enum phase)((b / 40) % NB_PHASES);

		if (!n) {
			/* its own abuse may have starved it (a wrecked tx ring keeps
			 * its pool's buffers): die anyway, holding what it kept */
			if (now_s() > deadline + 0.5) {
				fprintf(stderr, "nf_hostile: exiting with no burst in hand\n");
				_exit(3);
			}
			usleep(50);
			continue;
		}
		if (++b >= bursts || now_s() > deadline) {
			fprintf(stderr, "nf_hostile: exiting mid-burst holding %u buffers\n", n);
			_exit(3);
		}
		for (unsigned int i = 0; i < n; i++) {
			d[i].verdict = TENET_V_NEXT;
			switch (ph) {
			case FORGE: /* an index far outside the pool */
				d[i].buf = pool->nb_bufs + rnd() % 100000;
				break;
			case STALE: /* a valid index it was never given */
				d[i].buf = rnd() % pool->nb_bufs;
				break;
			case BADLEN:
				if (i & 1)
					d[i].len = (uint16_t)(pool->buf_size + rnd() % 1000);
				else
					d[i].off = (uint16_t)(pool->buf_size - 10);
				break;
			case BADVERDICT:
				d[i].verdict = (uint8_t)(i % 3 == 0   ? 200
				                         : i % 3 == 1 ? TENET_V_TO_SERVICE
				                                      : TENET_V_OUT_PORT);
				d[i].arg =
				        (uint8_t)(i % 3 == 1 ? 1
				                             : 250); /* bob's service / no port */
				break;
			default:
				break;
			}
		}
		tenet_ring_enqueue_burst(&tx, d, n);
		if (ph == DOUBLE) /* the same buffers again */
			tenet_ring_enqueue_burst(&tx, d, n);
		if (ph == CORRUPT) { /* garbage in both NF-written indices, then repair cons */
			uint32_t real_cons = rx.head;

			__atomic_store_n(&tx.shm->prod, rnd(), __ATOMIC_RELEASE);
			__atomic_store_n(&rx.shm->cons, rnd(), __ATOMIC_RELEASE);
			usleep(200);
			__atomic_store_n(&tx.shm->prod, tx.head, __ATOMIC_RELEASE);
			__atomic_store_n(&rx.shm->cons, real_cons, __ATOMIC_RELEASE);
		}
		if (ph == FLOOD) { /* fill the whole tx ring with garbage descriptors */
			for (uint32_t k = 0; k < tx.size; k++) {
				struct tenet_desc g;

				memset(&g, (int)(rnd() & 0xff), sizeof(g));
				g.buf = rnd();
				tx.shm->slot[k] = g;
			}
			tx.head += tx.size / 2;
			__atomic_store_n(&tx.shm->prod, tx.head, __ATOMIC_RELEASE);
		}
	}
}
