/*
 * Cross-process tests of pool + rings + fd passing: the manager/NF split
 * played by a parent and a forked child.
 *
 * The child is forked before any shared memory exists, so everything it
 * maps reaches it the way it reaches a real NF: memfds over a socketpair
 * (SCM_RIGHTS), the pool attached with tenet_pool_attach and the rings
 * bound with size 0 (taken from the header). The parent plays the manager
 * and uses only the verbs a manager must use against an NF: guarded
 * enqueue on the rx ring, checked dequeue on the tx ring.
 *
 * - echo: 10 million descriptors go to the child and come back, with a
 *   payload check both ways: no loss, no duplicate, order preserved, and
 *   every buffer back on the free list at the end.
 * - hostile: the child writes garbage ring indices, garbage slots and
 *   garbage headers while the parent keeps working; the parent must not
 *   crash, must never take more than the ring holds, must count what it
 *   rejects, and gets its whole pool back after reclaiming the child.
 * - fd passing: more descriptors than the receiver allows is -EPROTO and
 *   leaks none.
 * - kick sockets: a peer that blocks, fills, writes garbage, shuts down or
 *   closes its end can neither block nor signal the side that kicks.
 *
 * The child never calls cmocka: it reports through its exit status.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/ring_mgr.h"
#include "lib/pool_mgr.h"
#include "lib/fdpass.h"
#include "lib/wait.h"
#include "tenet/log.h"
#include "tenet/pool.h"
#include "tenet/ring.h"

#define ECHO_COUNT        10000000u
#define BURST             32u
#define RING_SIZE         512u
#define POOL_BUFS         4096u
#define NF_ID             3u
#define HOSTILE_ITER      300000u /* parent rounds, at least */
#define HOSTILE_CHILD_OPS 200000u /* child lies before the parent may stop */

struct hello {
	uint32_t nf_id;
	uint32_t count;
};

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* ---- shared memory set-up ------------------------------------------------- */

/* A ring in its own sealed memfd, mapped. Returns the fd. */
static int ring_memfd(const char *name, uint32_t size, struct tenet_ring_shm **shm, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *m;

	assert_true(fd >= 0);
	*len = (tenet_ring_memsize(size) + (size_t)page - 1) / (size_t)page * (size_t)page;
	assert_int_equal(ftruncate(fd, (off_t)*len), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(tenet_ring_init(m, size), 0);
	*shm = m;
	return fd;
}

/* Manager side of one NF: its tenant's pool and its two rings. */
struct mgr {
	struct tenet_pool *pool;
	int rx_fd, tx_fd;
	struct tenet_ring_shm *rx_shm, *tx_shm;
	size_t rx_len, tx_len;
	struct tenet_ring rx; /* manager produces, NF consumes */
	struct tenet_ring tx; /* NF produces, manager consumes */
};

static void mgr_setup(struct mgr *m, int sock, uint32_t count)
{
	struct hello h = {.nf_id = NF_ID, .count = count};
	int fds[3];

	m->pool = tenet_pool_create("xproc", POOL_BUFS, 0, TENET_POOL_F_NO_HUGE);
	assert_non_null(m->pool);
	m->rx_fd = ring_memfd("rx", RING_SIZE, &m->rx_shm, &m->rx_len);
	m->tx_fd = ring_memfd("tx", RING_SIZE, &m->tx_shm, &m->tx_len);
	assert_int_equal(tenet_ring_bind_producer(&m->rx, m->rx_shm, m->rx_len, RING_SIZE), 0);
	assert_int_equal(tenet_ring_bind_consumer(&m->tx, m->tx_shm, m->tx_len, RING_SIZE), 0);
	fds[0] = tenet_pool_fd(m->pool);
	fds[1] = m->rx_fd;
	fds[2] = m->tx_fd;
	assert_int_equal(tenet_fd_send(sock, &h, sizeof(h), fds, 3), 0);
}

static void mgr_teardown(struct mgr *m)
{
	munmap(m->rx_shm, m->rx_len);
	munmap(m->tx_shm, m->tx_len);
	close(m->rx_fd);
	close(m->tx_fd);
	tenet_pool_destroy(m->pool);
}

/* NF side: everything from the fds in one message, as a real NF gets it. */
struct nf {
	struct hello h;
	struct tenet_pool *pool;
	struct tenet_ring_shm *rx_shm, *tx_shm;
	size_t rx_len, tx_len;
	struct tenet_ring rx, tx;
};

static void *map_fd(int fd, size_t *len)
{
	struct stat st;
	void *m;

	if (fstat(fd, &st) < 0)
		return NULL;
	*len = (size_t)st.st_size;
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return m == MAP_FAILED ? NULL : m;
}

/* Returns 0 or a child exit code. */
static int nf_attach(struct nf *nf, int sock)
{
	unsigned int nfds = 3;
	int fds[3];
	ssize_t n = tenet_fd_recv(sock, &nf->h, sizeof(nf->h), fds, &nfds);

	if (n != (ssize_t)sizeof(nf->h) || nfds != 3)
		return 2;
	nf->pool = tenet_pool_attach(fds[0]);
	nf->rx_shm = map_fd(fds[1], &nf->rx_len);
	nf->tx_shm = map_fd(fds[2], &nf->tx_len);
	if (!nf->pool || !nf->rx_shm || !nf->tx_shm)
		return 3;
	/* the seals hold against the NF too */
	if (ftruncate(fds[0], 0) == 0 || ftruncate(fds[1], 0) == 0)
		return 4;
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	if (tenet_ring_bind_consumer(&nf->rx, nf->rx_shm, nf->rx_len, 0) ||
	    tenet_ring_bind_producer(&nf->tx, nf->tx_shm, nf->tx_len, 0))
		return 5;
	if (nf->rx.size != RING_SIZE || nf->tx.size != RING_SIZE)
		return 6;
	return 0;
}

static pid_t fork_child(int (*fn)(int sock), int *sock)
{
	int sv[2];
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a failed assertion in the parent must not leave us spinning */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		_exit(fn(sv[1]));
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}

static void assert_child_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The child is gone before it should be: report how, instead of spinning. */
static void assert_child_running(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, WNOHANG), 0);
}

static uint32_t *payload(struct tenet_pool *p, const struct tenet_desc *d)
{
	return (uint32_t *)((uint8_t *)tenet_pool_buf(p, d->buf) + d->off);
}

/* ---- echo: 10 M descriptors there and back ------------------------------- */

static int echo_child(int sock)
{
	struct nf nf;
	struct tenet_desc d[BURST];
	uint32_t expect = 0;
	int rc = nf_attach(&nf, sock);

	if (rc)
		return rc;
	while (expect < nf.h.count) {
		unsigned int n = tenet_ring_dequeue_burst(&nf.rx, d, BURST), sent = 0;

		if (n == 0) {
			sched_yield();
			continue;
		}
		for (unsigned int i = 0; i < n; i++, expect++) {
			uint32_t *pl;

			if (d[i].hash != expect)
				return 10; /* lost, doubled or reordered on the way in */
			if (d[i].buf >= nf.pool->nb_bufs || d[i].off != TENET_HEADROOM)
				return 11;
			pl = payload(nf.pool, &d[i]);
			if (pl[0] != expect)
				return 12; /* the bytes are not the manager's */
			pl[1] = ~expect;
			d[i].verdict = TENET_V_NEXT;
		}
		while (sent < n) {
			unsigned int k = tenet_ring_enqueue_burst(&nf.tx, d + sent, n - sent);

			if (k == 0)
				sched_yield();
			sent += k;
		}
	}
	return 0;
}

static void test_echo_10m(void **state)
{
	struct tenet_ring_rejects rej = {0};
	struct tenet_desc pend[BURST], out[BURST];
	uint32_t bufs[BURST], next_send = 0, next_recv = 0;
	unsigned int npend = 0, pend_off = 0, idle = 0;
	struct mgr m;
	int sock;
	pid_t pid = fork_child(echo_child, &sock);

	(void)state;
	mgr_setup(&m, sock, ECHO_COUNT);
	while (next_recv < ECHO_COUNT) {
		unsigned int kept, moved = 0;

		if (npend == 0 && next_send < ECHO_COUNT) {
			unsigned int want =
			        ECHO_COUNT - next_send < BURST ? ECHO_COUNT - next_send : BURST;

			npend = tenet_pool_alloc_burst(m.pool, bufs, want);
			pend_off = 0;
			for (unsigned int i = 0; i < npend; i++, next_send++) {
				struct tenet_desc *d = &pend[i];

				memset(d, 0, sizeof(*d));
				d->buf = bufs[i];
				d->off = TENET_HEADROOM;
				d->len = 64;
				d->hash = next_send;
				payload(m.pool, d)[0] = next_send;
				tenet_pool_set_owner(m.pool, bufs[i], NF_ID);
			}
		}
		if (npend) {
			unsigned int k =
			        tenet_ring_enqueue_burst_guarded(&m.rx, pend + pend_off, npend);

			pend_off += k;
			npend -= k;
			moved += k;
		}
		kept = tenet_ring_dequeue_checked(&m.tx, m.pool, NF_ID, out, BURST, &rej);
		for (unsigned int i = 0; i < kept; i++, next_recv++) {
			const uint32_t *pl = payload(m.pool, &out[i]);

			if (out[i].hash != next_recv || pl[0] != next_recv || pl[1] != ~next_recv)
				fail_msg("echo: expected %u, got hash %u payload %u/%x", next_recv,
				         out[i].hash, pl[0], pl[1]);
			bufs[i] = out[i].buf;
		}
		if (kept)
			assert_int_equal(tenet_pool_free_bulk(m.pool, bufs, kept), kept);
		moved += kept;
		if (moved) {
			idle = 0;
		} else if (++idle % 4096 == 0) {
			assert_child_running(pid);
			sched_yield();
		}
	}
	assert_child_ok(pid);
	print_message("echo: %u descriptors there and back\n", next_recv);
	assert_int_equal(next_send, ECHO_COUNT);
	assert_int_equal(tenet_ring_dequeue_checked(&m.tx, m.pool, NF_ID, out, BURST, &rej), 0);
	assert_int_equal(rej.buf_range + rej.not_owner + rej.bad_len + rej.bad_verdict, 0);
	assert_int_equal(m.rx.bad_index, 0);
	assert_int_equal(m.tx.bad_index, 0);
	assert_int_equal(tenet_pool_nb_free(m.pool), POOL_BUFS);
	assert_int_equal(m.pool->stats.double_free + m.pool->stats.bad_free, 0);
	assert_int_equal(tenet_pool_reclaim(m.pool, NF_ID), 0);
	close(sock);
	mgr_teardown(&m);
}

/* ---- hostile NF -------------------------------------------------------------- */

static struct tenet_desc junk_desc(uint32_t *seed, const uint32_t *held, unsigned int nheld,
                                   uint32_t nb_bufs)
{
	struct tenet_desc d;
	uint32_t r = xorshift(seed);

	memset(&d, 0, sizeof(d));
	switch (r % 4) {
	case 0:
		d.buf = xorshift(seed);
		break;
	case 1:
		d.buf = xorshift(seed) % (nb_bufs + 16);
		break;
	default:
		d.buf = nheld ? held[xorshift(seed) % nheld] : 0;
		break;
	}
	r = xorshift(seed);
	d.off = (r & 1) ? (uint16_t)xorshift(seed) : (uint16_t)(xorshift(seed) % 256);
	d.len = (r & 2) ? (uint16_t)xorshift(seed) : (uint16_t)(xorshift(seed) % 1600);
	d.verdict = (r & 4) ? (uint8_t)xorshift(seed) : (uint8_t)(xorshift(seed) % TENET_V_MAX);
	d.arg = (uint8_t)xorshift(seed);
	d.hash = xorshift(seed);
	return d;
}

static int hostile_child(int sock)
{
	struct nf nf;
	struct tenet_desc d[BURST];
	uint32_t held[64], seed = 0xc0ffee, mask;
	unsigned int nheld = 0, got = 0;
	char c;
	int rc = nf_attach(&nf, sock);

	if (rc)
		return rc;
	mask = nf.tx.mask;

	/* phase 1: one scripted burst of lies, the parent checks each count */
	while (got < 8) {
		unsigned int n = tenet_ring_dequeue_burst(&nf.rx, d, 8 - got);

		for (unsigned int i = 0; i < n; i++)
			held[got + i] = d[i].buf;
		got += n;
		if (!n)
			sched_yield();
	}
	uint32_t never = 0; /* a buffer this NF was never given */

	for (bool clash = true; clash; never++) {
		clash = false;
		for (unsigned int i = 0; i < 8; i++)
			clash |= held[i] == never;
	}
	never--;
	struct tenet_desc lies[] = {
	        {.buf = held[0], .off = TENET_HEADROOM, .len = 60, .verdict = TENET_V_NEXT},
	        {.buf = nf.pool->nb_bufs + 5, .len = 60},          /* forged */
	        {.buf = held[0], .len = 60},                       /* the same twice */
	        {.buf = held[1], .off = TENET_HEADROOM, .len = 0}, /* bad len */
	        {.buf = held[2], .len = 60, .verdict = 9},         /* bad verdict */
	        {.buf = never, .len = 60},                         /* never received */
	        {.buf = held[3], .len = 1500, .verdict = TENET_V_DROP},
	        {.buf = held[4], .off = 4000, .len = 10}, /* bad off */
	};
	if (tenet_ring_enqueue_burst(&nf.tx, lies, 8) != 8)
		return 20;
	if (write(sock, "A", 1) != 1 || read(sock, &c, 1) != 1 || c != 'B')
		return 21;
	held[0] = held[5];
	held[1] = held[6];
	held[2] = held[7];
	nheld = 3;

	/* phase 2: chaos until the parent has seen enough */
	for (unsigned long it = 0;; it++) {
		uint32_t r = xorshift(&seed);

		if (it % 1024 == 0 && recv(sock, &c, 1, MSG_DONTWAIT) == 1)
			break;
		if (it == HOSTILE_CHILD_OPS && write(sock, "D", 1) != 1)
			return 22; /* tell the parent we really did lie a lot */
		switch (r % 8) {
		case 0: /* garbage tx producer index */
			__atomic_store_n(&nf.tx_shm->prod, xorshift(&seed), __ATOMIC_RELAXED);
			break;
		case 1: /* a plausible one: anything up to two rings ahead */
			__atomic_store_n(&nf.tx_shm->prod,
			                 nf.tx_shm->cons + xorshift(&seed) % (2 * RING_SIZE),
			                 __ATOMIC_RELAXED);
			break;
		case 2: /* garbage slots */
			for (unsigned int i = 0; i < 8; i++)
				nf.tx_shm->slot[xorshift(&seed) & mask] =
				        junk_desc(&seed, held, nheld, nf.pool->nb_bufs);
			break;
		case 3: /* flip bits in a slot */
			((uint8_t *)&nf.tx_shm
			         ->slot[xorshift(&seed) & mask])[xorshift(&seed) % 16] ^=
			        (uint8_t)(1u << (xorshift(&seed) % 8));
			break;
		case 4: /* garbage rx consumer index */
			__atomic_store_n(&nf.rx_shm->cons, xorshift(&seed), __ATOMIC_RELAXED);
			break;
		case 5: { /* take real buffers from rx (trusting the honest manager) */
			unsigned int n = tenet_ring_dequeue_burst(&nf.rx, d, BURST);

			for (unsigned int i = 0; i < n && nheld < 64; i++)
				held[nheld++] = d[i].buf;
			break;
		}
		case 6: { /* send some back, valid or not, through the plain verb */
			unsigned int n = xorshift(&seed) % 8;

			for (unsigned int i = 0; i < n; i++) {
				d[i] = junk_desc(&seed, held, nheld, nf.pool->nb_bufs);
				if (xorshift(&seed) & 1) { /* a valid one */
					d[i].off = TENET_HEADROOM;
					d[i].len = 64;
					d[i].verdict = TENET_V_NEXT;
				}
			}
			tenet_ring_enqueue_burst(&nf.tx, d, n);
			if (nheld > 32)
				nheld = xorshift(&seed) % nheld;
			break;
		}
		default: /* scribble over the headers the manager must not re-read */
			nf.tx_shm->size = xorshift(&seed);
			nf.rx_shm->size = xorshift(&seed);
			nf.tx_shm->magic = xorshift(&seed);
			((struct tenet_pool_hdr *)nf.pool->base)->nb_bufs = xorshift(&seed);
			break;
		}
	}
	/*
	 * phase 3: one more burst of forged indices behind a sane prod, so the
	 * parent's reject counting is checked however the two processes were
	 * scheduled during the chaos. Resync with the manager's cons first:
	 * our own head is meaningless after all that.
	 */
	nf.tx.head = __atomic_load_n(&nf.tx_shm->cons, __ATOMIC_ACQUIRE);
	nf.tx.cached = nf.tx.head;
	for (unsigned int i = 0; i < BURST; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		d[i].buf = nf.pool->nb_bufs + i;
		d[i].len = 60;
	}
	if (tenet_ring_enqueue_burst(&nf.tx, d, BURST) != BURST)
		return 23;
	if (write(sock, "E", 1) != 1 || read(sock, &c, 1) != 1 || c != 'F')
		return 24;

	/* leave with a lie in place */
	__atomic_store_n(&nf.tx_shm->prod, nf.tx_shm->cons - 1, __ATOMIC_RELAXED);
	__atomic_store_n(&nf.rx_shm->cons, 0xdeadbeef, __ATOMIC_RELAXED);
	return 0;
}

/* One round of manager work against the NF; checks what it gets back. */
static void mgr_round(struct mgr *m, struct tenet_ring_rejects *rej, uint64_t *kept_total)
{
	struct tenet_desc d[BURST];
	uint32_t bufs[BURST];
	unsigned int n, k, kept;
	uint32_t rx_head = m->rx.head, tx_head = m->tx.head;

	n = tenet_pool_alloc_burst(m->pool, bufs, 8);
	for (unsigned int i = 0; i < n; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		d[i].buf = bufs[i];
		d[i].off = TENET_HEADROOM;
		d[i].len = 64;
		tenet_pool_set_owner(m->pool, bufs[i], NF_ID);
	}
	k = tenet_ring_enqueue_burst_guarded(&m->rx, d, n);
	assert_true(k <= n);
	assert_int_equal(m->rx.head - rx_head, k);
	assert_true(m->rx.head - m->rx.cached <= RING_SIZE);
	if (k < n) /* not sent: still ours */
		assert_int_equal(tenet_pool_free_bulk(m->pool, bufs + k, n - k), n - k);

	kept = tenet_ring_dequeue_checked(&m->tx, m->pool, NF_ID, d, BURST, rej);
	assert_true(kept <= BURST);
	assert_true(m->tx.head - tx_head <= BURST);
	assert_true(m->tx.cached - m->tx.head <= RING_SIZE); /* never more than it holds */
	for (unsigned int i = 0; i < kept; i++) {
		volatile const uint8_t *pkt;

		assert_true(d[i].buf < POOL_BUFS);
		assert_int_equal(tenet_pool_owner(m->pool, d[i].buf), TENET_OWNER_MGR);
		assert_true(d[i].len > 0);
		assert_true((uint32_t)d[i].off + d[i].len <= m->pool->buf_size);
		assert_true(d[i].verdict < TENET_V_MAX);
		pkt = (const uint8_t *)tenet_pool_buf(m->pool, d[i].buf) + d[i].off;
		(void)pkt[0];
		(void)pkt[d[i].len - 1];
		bufs[i] = d[i].buf;
	}
	if (kept)
		assert_int_equal(tenet_pool_free_bulk(m->pool, bufs, kept), kept);
	*kept_total += kept;
}

static void test_hostile_child(void **state)
{
	struct tenet_ring_rejects rej = {0}, rej1;
	struct tenet_desc d[BURST];
	uint32_t bufs[8];
	uint64_t kept_total = 0, rejects, bad_tx, bad_rx, range_before;
	bool child_lied = false;
	struct mgr m;
	unsigned int kept;
	char c;
	int sock, status;
	pid_t pid = fork_child(hostile_child, &sock);

	(void)state;
	mgr_setup(&m, sock, 0);

	/* phase 1: 8 buffers to the NF, then its scripted answer */
	assert_int_equal(tenet_pool_alloc_bulk(m.pool, bufs, 8), 0);
	for (unsigned int i = 0; i < 8; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		d[i].buf = bufs[i];
		d[i].off = TENET_HEADROOM;
		d[i].len = 60;
		tenet_pool_set_owner(m.pool, bufs[i], NF_ID);
	}
	assert_int_equal(tenet_ring_enqueue_burst_guarded(&m.rx, d, 8), 8);
	assert_int_equal(read(sock, &c, 1), 1);
	assert_int_equal(c, 'A');
	kept = tenet_ring_dequeue_checked(&m.tx, m.pool, NF_ID, d, BURST, &rej);
	assert_int_equal(kept, 2);
	assert_int_equal(d[0].buf, bufs[0]);
	assert_int_equal(d[1].buf, bufs[3]);
	assert_int_equal(d[1].verdict, TENET_V_DROP);
	assert_int_equal(rej.buf_range, 1);
	assert_int_equal(rej.not_owner, 2);
	assert_int_equal(rej.bad_len, 2);
	assert_int_equal(rej.bad_verdict, 1);
	assert_int_equal(rej.freed, 3);
	assert_int_equal(tenet_pool_free_bulk(m.pool, (uint32_t[]){d[0].buf, d[1].buf}, 2), 2);
	assert_int_equal(tenet_pool_nb_free(m.pool), POOL_BUFS - 3); /* the NF holds 3 */
	rej1 = rej;
	assert_int_equal(write(sock, "B", 1), 1);

	/* phase 2: keep working while the NF lies (and until it says it did) */
	for (unsigned int it = 0; it < HOSTILE_ITER || !child_lied; it++) {
		mgr_round(&m, &rej, &kept_total);
		if (it % 1024 == 0 && !child_lied && recv(sock, &c, 1, MSG_DONTWAIT) == 1)
			child_lied = c == 'D';
		if (it % 65536 == 0)
			assert_child_running(pid);
	}
	assert_int_equal(write(sock, "C", 1), 1);

	/* phase 3: 32 forged indices behind a sane prod, all counted */
	assert_int_equal(read(sock, &c, 1), 1);
	assert_int_equal(c, 'E');
	range_before = rej.buf_range;
	for (unsigned int i = 0; i <= RING_SIZE / BURST; i++)
		mgr_round(&m, &rej, &kept_total);
	assert_true(rej.buf_range >= range_before + BURST);
	assert_int_equal(write(sock, "F", 1), 1);

	while (waitpid(pid, &status, WNOHANG) == 0)
		mgr_round(&m, &rej, &kept_total);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* the lies it left behind are caught, whatever happened before */
	bad_tx = m.tx.bad_index;
	bad_rx = m.rx.bad_index;
	for (unsigned int i = 0; i <= RING_SIZE / BURST; i++)
		mgr_round(&m, &rej, &kept_total);
	assert_true(m.tx.bad_index > bad_tx);
	memset(d, 0xff, sizeof(d)); /* names no buffer: the NF is dead anyway */
	while (tenet_ring_enqueue_burst_guarded(&m.rx, d, BURST) > 0)
		;
	assert_true(m.rx.bad_index > bad_rx);

	rejects = rej.buf_range + rej.not_owner + rej.bad_len + rej.bad_verdict;
	print_message("hostile: kept %llu, rejected %llu (range %llu, owner %llu, len %llu, "
	              "verdict %llu, freed %llu), bad_index rx %llu tx %llu\n",
	              (unsigned long long)kept_total, (unsigned long long)rejects,
	              (unsigned long long)rej.buf_range, (unsigned long long)rej.not_owner,
	              (unsigned long long)rej.bad_len, (unsigned long long)rej.bad_verdict,
	              (unsigned long long)rej.freed, (unsigned long long)m.rx.bad_index,
	              (unsigned long long)m.tx.bad_index);
	assert_true(rejects >=
	            rej1.buf_range + rej1.not_owner + rej1.bad_len + rej1.bad_verdict + BURST);
	assert_true(m.tx.bad_index > 0);
	assert_true(m.rx.bad_index > 0);
	/* the manager's own books stayed straight */
	assert_int_equal(m.pool->stats.double_free, 0);
	assert_int_equal(m.pool->stats.bad_free, 0);
	assert_int_equal(m.pool->nb_bufs, POOL_BUFS);
	assert_int_equal(m.rx.size, RING_SIZE);
	assert_int_equal(m.tx.size, RING_SIZE);

	/* the NF is gone: everything it held or left in its rings comes back */
	tenet_pool_reclaim(m.pool, NF_ID);
	assert_int_equal(tenet_pool_nb_free(m.pool), POOL_BUFS);
	for (uint32_t b = 0; b < POOL_BUFS; b++)
		assert_int_equal(tenet_pool_owner(m.pool, b), TENET_OWNER_FREE);
	close(sock);
	mgr_teardown(&m);
}

/* ---- fd passing ------------------------------------------------------------ */

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_fd_recv_too_many(void **state)
{
	int sv[2], pfd[2], fds[TENET_FDPASS_MAX], before;
	int send_fds[24];
	unsigned int nfds;
	char buf[8];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe(pfd), 0);
	before = count_open_fds();

	/* three sent, two allowed: refused, none kept */
	int three[3] = {pfd[0], pfd[1], pfd[0]};

	assert_int_equal(tenet_fd_send(sv[0], "x", 1, three, 3), 0);
	nfds = 2;
	fds[0] = fds[1] = -1;
	assert_int_equal(tenet_fd_recv(sv[1], buf, sizeof(buf), fds, &nfds), -EPROTO);
	assert_int_equal(nfds, 0);
	assert_int_equal(count_open_fds(), before);

	/* one sent, none allowed */
	assert_int_equal(tenet_fd_send(sv[0], "y", 1, three, 1), 0);
	nfds = 0;
	assert_int_equal(tenet_fd_recv(sv[1], buf, sizeof(buf), fds, &nfds), -EPROTO);
	assert_int_equal(count_open_fds(), before);

	/* more than the receiver's control buffer holds: truncated, refused */
	struct iovec iov = {.iov_base = "z", .iov_len = 1};
	union {
		char b[CMSG_SPACE(sizeof(send_fds))];
		struct cmsghdr align;
	} ctl;
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = ctl.b,
	                     .msg_controllen = sizeof(ctl.b)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	for (unsigned int i = 0; i < 24; i++)
		send_fds[i] = pfd[i & 1];
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(send_fds));
	memcpy(CMSG_DATA(cm), send_fds, sizeof(send_fds));
	assert_int_equal(sendmsg(sv[0], &msg, 0), 1);
	nfds = TENET_FDPASS_MAX;
	assert_int_equal(tenet_fd_recv(sv[1], buf, sizeof(buf), fds, &nfds), -EPROTO);
	assert_int_equal(nfds, 0);
	assert_int_equal(count_open_fds(), before);

	/* exactly the limit: accepted, fds usable and close-on-exec */
	assert_int_equal(tenet_fd_send(sv[0], "ok", 2, three, 3), 0);
	nfds = 3;
	assert_int_equal(tenet_fd_recv(sv[1], buf, sizeof(buf), fds, &nfds), 2);
	assert_int_equal(nfds, 3);
	assert_memory_equal(buf, "ok", 2);
	for (unsigned int i = 0; i < 3; i++) {
		assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		close(fds[i]);
	}
	assert_int_equal(count_open_fds(), before);

	/* no fds at all, and EOF */
	assert_int_equal(tenet_fd_send(sv[0], "n", 1, NULL, 0), 0);
	nfds = 3;
	assert_int_equal(tenet_fd_recv(sv[1], buf, sizeof(buf), fds, &nfds), 1);
	assert_int_equal(nfds, 0);
	assert_int_equal(tenet_fd_send(sv[0], "n", 1, three, TENET_FDPASS_MAX + 1), -EINVAL);
	close(sv[0]);
	nfds = 3;
	assert_int_equal(tenet_fd_recv(sv[1], buf, sizeof(buf), fds, &nfds), 0);
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * Kick sockets against a hostile peer (lib/wait.h): whatever the peer does
 * to its own end - blocking mode, never reading, garbage, shutdown, close -
 * tenet_kick_send and tenet_kick_drain return at once, never raise SIGPIPE,
 * and say -EPIPE once the peer is gone. A hang here is the bug (the test
 * would never finish); SIGPIPE at its default action would kill the test.
 */
static void test_kick_hostile_peer(void **state)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
	char junk[4096];
	int sv[2], fl;
	ssize_t n;

	(void)state;
	sigaction(SIGPIPE, &dfl, &old);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* our end is blocking too: only the per-call flags may protect us */
	fl = fcntl(sv[0], F_GETFL);
	assert_int_equal(fcntl(sv[0], F_SETFL, fl & ~O_NONBLOCK), 0);

	/* nothing pending: the drain does not wait */
	assert_int_equal(tenet_kick_drain(sv[0]), 0);
	/* the peer never reads: the buffer fills, every kick still returns 0 */
	for (int i = 0; i < 200000; i++)
		assert_int_equal(tenet_kick_send(sv[0]), 0);
	/* garbage from the peer: drained at most TENET_KICK_DRAIN bytes per call */
	memset(junk, 0xa5, sizeof(junk));
	for (int i = 0; i < 16; i++)
		assert_int_equal(write(sv[1], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	n = tenet_kick_drain(sv[0]);
	assert_true(n > 0 && n <= TENET_KICK_DRAIN);
	while ((n = tenet_kick_drain(sv[0])) > 0)
		;
	assert_int_equal(n, 0);
	/* the peer shuts its end down: the drain reports it, a kick fails cleanly */
	assert_int_equal(shutdown(sv[1], SHUT_RDWR), 0);
	assert_int_equal(tenet_kick_drain(sv[0]), -EPIPE);
	assert_int_equal(tenet_kick_send(sv[0]), -EPIPE);
	close(sv[1]); /* with our kicks unread in it: ECONNRESET or EPIPE */
	assert_true(tenet_kick_send(sv[0]) < 0);
	assert_true(tenet_kick_drain(sv[0]) < 0);
	close(sv[0]);
	sigaction(SIGPIPE, &old, NULL);
}

static int silence(void **state)
{
	(void)state;
	tenet_set_log(NULL);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fd_recv_too_many),
	        cmocka_unit_test(test_kick_hostile_peer),
	        cmocka_unit_test(test_echo_10m),
	        cmocka_unit_test(test_hostile_child),
	};

	return cmocka_run_group_tests_name("xproc", tests, silence, NULL);
}
