/*
 * nf_hostile: an NF that breaks every rule, for tests/sys/test_hostile.sh.
 *
 * It attaches like any NF (raw protocol, so nothing in libtenet can tidy
 * up after it), then cycles through one abuse per phase while packets
 * flow: forged indices, buffers returned twice, buffers it never received,
 * lengths and offsets past the buffer, bad verdicts and verdict targets,
 * garbage ring indices, a tx ring flooded with garbage. After --bursts N
 * bursts or 1.5 s it exits in the middle of a burst, holding buffers.
 */
#include <errno.h>
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
	long bursts = argc == 3 && !strcmp(argv[1], "--bursts") ? atol(argv[2]) : 4000;
	const char *path = getenv("TENET_SOCKET"), *svc = getenv("TENET_SERVICE");
	double deadline;
	int s;

	if (!path || !svc)
		return 2;
	rng ^= (uint64_t)getpid() << 32;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(h.service, sizeof(h.service), "%s", svc);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(s, &h, sizeof(h), 0) != sizeof(h) ||
	    tenet_fd_recv(s, &w, sizeof(w), fds, &nfds) != sizeof(w) || w.status ||
	    nfds != TENET_FD_COUNT)
		return 1;
	pool = tenet_pool_attach(fds[TENET_FD_POOL]);
	rings = mmap(NULL, w.rings_len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[TENET_FD_RINGS], 0);
	if (!pool || rings == MAP_FAILED || tenet_ring_bind_consumer(&rx, rings, w.tx_off, 0) ||
	    tenet_ring_bind_producer(&tx, rings + w.tx_off, w.rings_len - w.tx_off, 0))
		return 1;
	fprintf(stderr, "nf_hostile: attached as id %u, abusing for %ld bursts\n", w.nf_id, bursts);
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
