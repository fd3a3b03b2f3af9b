/*
 * xsk_check: AF_XDP sockets whose UMEM is a tenant pool (lib/xsk.c), fed
 * by the XDP classifier's DEVMAP steering through per-tenant veths and the
 * per-tenant XDP program (bpf/xsk_redirect.bpf.c, lib/xsk_prog.c), on the
 * topology tests/sys/test_xsk.sh builds:
 *
 *   xsk_check XSK_OBJ CLASSIFY_OBJ SND_NETNS [FRAMES [TX_FRAMES]]
 *
 *   SND_NETNS: tnqs ---- tnqi  (this netns; tenet_classify, DEVMAP by source /16)
 *                          tnqa ---- tnqap  tenant 0: tenet_xsk_redir + AF_XDP, pool tnq-t0
 *                          tnqb ---- tnqbp  tenant 1: tenet_xsk_redir + AF_XDP, pool tnq-t1
 *
 * rx: FRAMES frames (two tenants, random lengths 60..1514) go out of tnqs
 * by AF_PACKET; each must come out of tenet_xsk_rx of its own tenant's
 * socket, at an address of a buffer that was on that socket's fill ring,
 * at the documented frame offset, and the bytes in the pool (read through
 * a second, NF-side mapping of the pool's memfd) must be exactly the frame
 * sent. Every buffer goes back with tenet_xsk_fill (1024 buffers in
 * circulation, half the fill ring), so a few buffers carry the whole run.
 * The sender is paced by a window on what has arrived (not by time), so no
 * ring can overflow and nothing may be lost.
 *
 * Two rounds: pools of 2048 B buffers (aligned chunks), then 2560 B
 * (unaligned chunks) with a fifth of the frames; tenant 1 asks for 64 B of
 * extra headroom, so rx data sits at offset 320 instead of 256.
 *
 * tx: TX_FRAMES frames per tenant are written into free pool buffers (at
 * several offsets), sent with tenet_xsk_tx and received by AF_PACKET on
 * the tenant's veth peer; every completion must name a buffer that was
 * sent, with the address it was sent at.
 *
 * Also: the copy mode on veth is reported (log and getter), zero-copy is
 * refused with EOPNOTSUPP, a second UMEM on a bound queue with EBUSY, a
 * queue the device lacks with EINVAL, and a program left by a process
 * killed with -9 is removed by cleanup.
 * Exit 0 pass, 1 fail, 77 skip (with a reason).
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/pool_mgr.h"
#include "lib/classify.h"
#include "lib/xsk.h"
#include "lib/xsk_prog.h"
#include "lib/xdp.h"
#include "tenet/log.h"
#include "tenet/pool.h"

#define IF_SND "tnqs"
#define IF_IN  "tnqi"

#define NB_BUFS    4096u
#define BUF_SIZE   2048u /* round 1: aligned chunks; round 2: BUF_SIZE_2, unaligned */
#define BUF_SIZE_2 2560u
#define RING       2048u
#define POSTED     (RING / 2)  /* rx buffers in circulation: see lib/xsk.h, Rings */
#define RX_MAGIC   0x4b515854u /* "TXQK" */
#define TX_MAGIC   0x54515854u /* "TXQT" */
#define W          128         /* frames in flight: far below every ring (veth 256, xsk 2048) */
#define BURST      64
#define STALL_NS   (5ull * 1000000000ull)
#define HDR_LEN    42 /* Ethernet + IPv4 + UDP */
#define TAG_LEN    12 /* magic, tenant, 3 pad, seq */
#define MIN_LEN    60
#define MAX_LEN    1514

enum buf_state {
	S_OURS = 0, /* held by the test */
	S_FILL,     /* on the fill ring (the kernel's) */
	S_TX,       /* on the tx ring until completed (the kernel's) */
	S_BACKLOG,  /* received, waiting for room on the fill ring */
};

struct tenant {
	int t;
	const char *ifname; /* the far end: xsk_redirect + AF_XDP */
	const char *peer;   /* the DUT end: DEVMAP target, AF_PACKET in the tx phase */
	uint32_t headroom;
	struct tenet_pool *pool; /* manager side */
	struct tenet_pool *nf;   /* the same memfd mapped again, as an NF would */
	struct tenet_xsk *xsk;
	struct tenet_xsk_prog *prog;
	uint8_t state[NB_BUFS];
	uint64_t tx_addr[NB_BUFS];
	uint32_t free_bufs[NB_BUFS]; /* tx phase: buffers the test holds */
	uint32_t nb_free;
	/* rx phase, written by the receiver thread */
	uint64_t rx_ok, refilled, leak, strays, dups, bad_addr, bad_off, bad_len, bad_bytes;
	uint64_t not_posted, bad_seq;
	uint32_t seen_bufs;
	uint64_t backlog[NB_BUFS]; /* recycled, not yet back on the fill ring */
	uint32_t nb_backlog, max_backlog;
	uint8_t seen[NB_BUFS];
	uint64_t sent; /* frames the sender addressed to this tenant */
	/* tx phase */
	int pkt_fd;
	uint64_t tx_sent, tx_done, tx_rx_ok, tx_bad, tx_leak, tx_dups, tx_strays, bad_comp;
	uint8_t *tx_got;
};

static struct tenant ten[2] = {
        {.t = 0, .ifname = "tnqap", .peer = "tnqa", .headroom = 0},
        {.t = 1, .ifname = "tnqbp", .peer = "tnqb", .headroom = 64},
};

static uint32_t nframes = 1000000, tx_frames = 100000;
static uint32_t bsz = BUF_SIZE; /* this round's buffer size */
static uint32_t rx_magic = RX_MAGIC, tx_magic = TX_MAGIC;
static uint8_t *got; /* per seq: received once */
static atomic_uint_fast64_t received, tx_received;
static atomic_int stop_rx;
static int snd_ns_fd, dut_ns_fd, tx_fd, tx_ifindex;
static bool saw_copy_log;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static void skip(const char *why) __attribute__((noreturn));
static void skip(const char *why)
{
	printf("SKIP: %s\n", why);
	fflush(stdout);
	exit(77);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* The log: to stdout, and remember whether create reported copy mode. */
static void log_cb(enum tenet_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (strstr(buf, "AF_XDP socket in copy mode"))
		saw_copy_log = true;
	printf("log(%d): %s\n", (int)level, buf);
}

/* ---- frames: everything is a function of (magic, seq) ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int tenant_of(uint32_t seq)
{
	return (int)(mix(seq ^ 0x1234) & 1);
}

static uint32_t len_of(uint32_t magic, uint32_t seq)
{
	uint64_t h = mix((uint64_t)seq * 2654435761u + magic);

	if (h % 8 == 0)
		return MAX_LEN;
	if (h % 2)
		return MIN_LEN + (uint32_t)((h >> 8) % 70);
	return MIN_LEN + (uint32_t)((h >> 8) % (MAX_LEN - MIN_LEN + 1));
}

static uint16_t ip_csum(const uint8_t *p)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Frame seq of tenant t: IPv4/UDP from 10.(1+t)/16, tag, then a pattern. */
static uint32_t build(uint8_t *f, uint32_t magic, int t, uint32_t seq)
{
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x02}, src[6] = {0x02, 0, 0, 0, 0, 0x01};
	uint32_t len = len_of(magic, seq);
	uint8_t *ip = f + 14, *udp = f + 34, *pay = f + HDR_LEN;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 4, (uint16_t)seq);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10;
	ip[13] = (uint8_t)(1 + t);
	ip[14] = (uint8_t)(seq >> 8);
	ip[15] = (uint8_t)seq;
	ip[16] = 10;
	ip[17] = 9;
	ip[19] = 1;
	put16(ip + 10, ip_csum(ip));
	put16(udp, (uint16_t)(1024 + (seq & 0x3fff)));
	put16(udp + 2, 5000);
	put16(udp + 4, (uint16_t)(len - 34));
	put16(udp + 6, 0);
	memcpy(pay, &magic, 4);
	pay[4] = (uint8_t)t;
	pay[5] = pay[6] = pay[7] = 0;
	memcpy(pay + 8, &seq, 4);
	for (uint32_t i = HDR_LEN + TAG_LEN; i < len; i++)
		f[i] = (uint8_t)(seq * 31u + i * 7u);
	return len;
}

/* ---- sockets ---- */

static int packet_socket(const char *ifname, int proto, int *ifindex)
{
	struct sockaddr_ll sll = {0};
	int fd, one = 1, buf = 32 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, htons((uint16_t)proto));
	if (fd < 0)
		fail("AF_PACKET socket: %s", strerror(errno));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons((uint16_t)proto);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex)
		fail("no interface %s", ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		fail("bind %s: %s", ifname, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (ifindex)
		*ifindex = sll.sll_ifindex;
	return fd;
}

static void send_frame(const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = {0};

	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = tx_ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, f, 6);
	while (sendto(tx_fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		if (errno == ENOBUFS || errno == EAGAIN) {
			sched_yield();
			continue;
		}
		fail("send %zu bytes: %s", len, strerror(errno));
	}
}

static void enter_ns(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		fail("setns: %s", strerror(errno));
}

static uint32_t attached_id(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)if_nametoindex(ifname), 0, &q))
		fail("bpf_xdp_query %s: %s", ifname, strerror(errno));
	return q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
}

/* ---- rx phase ---- */

static void rx_one(struct tenant *T, uint64_t addr, uint32_t len)
{
	static uint8_t want[2][MAX_LEN];
	uint64_t umem_len = (uint64_t)T->pool->nb_bufs * T->pool->buf_size;
	uint32_t buf, off, magic, seq;
	const uint8_t *f;

	atomic_fetch_add(&received, 1);
	if (addr >= umem_len || len > umem_len - addr || len < HDR_LEN + TAG_LEN) {
		if (T->bad_addr++ < 3)
			printf("  tenant %d: rx addr %llu len %u outside the pool\n", T->t,
			       (unsigned long long)addr, len);
		return;
	}
	buf = (uint32_t)(addr / bsz);
	off = (uint32_t)(addr % bsz);
	if (off != tenet_xsk_rx_offset(T->xsk) && T->bad_off++ < 3)
		printf("  tenant %d: frame at offset %u of buffer %u, documented %u\n", T->t, off,
		       buf, tenet_xsk_rx_offset(T->xsk));
	if (T->state[buf] != S_FILL && T->not_posted++ < 3)
		printf("  tenant %d: rx in buffer %u, which was not on the fill ring\n", T->t, buf);
	T->state[buf] = S_OURS;
	if (!T->seen[buf]) {
		T->seen[buf] = 1;
		T->seen_bufs++;
	}
	/* read through the NF's own mapping of the memfd: the bytes are in the pool */
	f = T->nf->data + addr;
	memcpy(&magic, f + HDR_LEN, 4);
	memcpy(&seq, f + HDR_LEN + 8, 4);
	if (magic != rx_magic) {
		T->strays++;
	} else if (f[HDR_LEN + 4] != T->t || f[26] != 10 || f[27] != 1 + T->t) {
		T->leak++;
	} else if (seq >= nframes || tenant_of(seq) != T->t) {
		T->bad_seq++;
	} else if (got[seq]++) {
		T->dups++;
	} else if (len != len_of(rx_magic, seq)) {
		T->bad_len++;
	} else {
		build(want[T->t], rx_magic, T->t, seq);
		if (memcmp(f, want[T->t], len))
			T->bad_bytes++;
		else
			T->rx_ok++;
	}
	/* recycle: back to the fill ring (any address inside the frame names the buffer) */
	T->backlog[T->nb_backlog++] = (uint64_t)buf * bsz;
	T->state[buf] = S_BACKLOG;
}

/* Post the recycled buffers the fill ring has room for. */
static void refill(struct tenant *T)
{
	unsigned int n = tenet_xsk_fill(T->xsk, T->backlog, T->nb_backlog);

	for (unsigned int i = 0; i < n; i++)
		T->state[T->backlog[i] / bsz] = S_FILL;
	memmove(T->backlog, T->backlog + n, (T->nb_backlog - n) * sizeof(T->backlog[0]));
	T->nb_backlog -= n;
	T->refilled += n;
	if (T->nb_backlog > T->max_backlog)
		T->max_backlog = T->nb_backlog;
}

static void *rx_main(void *arg)
{
	uint64_t addr[BURST];
	uint32_t len[BURST];
	struct pollfd pfd[2];

	(void)arg;
	for (int t = 0; t < 2; t++) {
		pfd[t].fd = tenet_xsk_fd(ten[t].xsk);
		pfd[t].events = POLLIN;
	}
	while (!atomic_load(&stop_rx)) {
		unsigned int total = 0;

		for (int t = 0; t < 2; t++) {
			struct tenant *T = &ten[t];
			unsigned int n = tenet_xsk_rx(T->xsk, addr, len, BURST);

			for (unsigned int i = 0; i < n; i++)
				rx_one(T, addr[i], len[i]);
			if (T->nb_backlog)
				refill(T);
			total += n;
		}
		if (!total) {
			for (int t = 0; t < 2; t++)
				tenet_xsk_wakeup(ten[t].xsk);
			poll(pfd, 2, 1);
		}
	}
	return NULL;
}

static void report_stall(const char *what, uint64_t at, uint64_t want)
{
	for (int t = 0; t < 2; t++) {
		struct tenet_xsk_stats s;
		uint64_t c[TENET_XSK_CNT_MAX] = {0};

		tenet_xsk_read_stats(ten[t].xsk, &s);
		tenet_xsk_prog_read_stats(ten[t].prog, c);
		printf("  tenant %d: prog redirected %llu pass %llu; xsk rx %llu dropped %llu "
		       "fill_empty %llu ring_full %llu invalid %llu\n",
		       t, (unsigned long long)c[0], (unsigned long long)c[1],
		       (unsigned long long)s.rx, (unsigned long long)s.rx_dropped,
		       (unsigned long long)s.rx_fill_ring_empty, (unsigned long long)s.rx_ring_full,
		       (unsigned long long)s.rx_invalid_descs);
	}
	fail("%s: stalled at %llu, %llu arrived", what, (unsigned long long)at,
	     (unsigned long long)want);
}

static void *send_main(void *arg)
{
	static uint8_t f[MAX_LEN];

	(void)arg;
	for (uint32_t seq = 0; seq < nframes; seq++) {
		int t = tenant_of(seq);
		uint32_t len = build(f, rx_magic, t, seq);
		uint64_t t0 = 0;

		while (seq - atomic_load(&received) >= W) {
			if (!t0)
				t0 = now_ns();
			else if (now_ns() - t0 > STALL_NS)
				report_stall("rx", seq, atomic_load(&received));
			sched_yield();
		}
		ten[t].sent++;
		send_frame(f, len);
	}
	return NULL;
}

static void rx_phase(struct tenet_xdp *xdp)
{
	struct tenet_xdp_stats xs0, xs1;
	uint64_t c0[2][TENET_XSK_CNT_MAX], c1[2][TENET_XSK_CNT_MAX], deadline, t0;
	pthread_t rx, tx;
	double secs;

	for (int t = 0; t < 2; t++)
		if (tenet_xsk_prog_read_stats(ten[t].prog, c0[t]))
			fail("prog stats");
	if (tenet_xdp_read_stats(xdp, &xs0))
		fail("xdp stats");
	atomic_store(&received, 0);
	atomic_store(&stop_rx, 0);
	free(got);
	got = calloc(nframes, 1);
	if (!got)
		fail("out of memory");
	t0 = now_ns();
	if (pthread_create(&rx, NULL, rx_main, NULL) || pthread_create(&tx, NULL, send_main, NULL))
		fail("pthread_create");
	pthread_join(tx, NULL);
	deadline = now_ns() + STALL_NS;
	while (atomic_load(&received) < nframes && now_ns() < deadline)
		usleep(1000);
	usleep(20000); /* duplicates or strays, if any, would show now */
	atomic_store(&stop_rx, 1);
	pthread_join(rx, NULL);
	secs = (double)(now_ns() - t0) / 1e9;
	if (tenet_xdp_read_stats(xdp, &xs1))
		fail("xdp stats");

	for (int t = 0; t < 2; t++) {
		struct tenant *T = &ten[t];
		struct tenet_xsk_stats s;

		if (tenet_xsk_prog_read_stats(T->prog, c1[t]) || tenet_xsk_read_stats(T->xsk, &s))
			fail("stats");
		if (T->leak || T->strays)
			fail("tenant %d: %llu frames of the other tenant and %llu untagged frames "
			     "in "
			     "its pool (cross-tenant leakage)",
			     t, (unsigned long long)T->leak, (unsigned long long)T->strays);
		if (T->bad_addr || T->bad_off || T->not_posted)
			fail("tenant %d: %llu rx addresses outside the pool, %llu at an offset "
			     "other "
			     "than %u, %llu in buffers not on the fill ring",
			     t, (unsigned long long)T->bad_addr, (unsigned long long)T->bad_off,
			     tenet_xsk_rx_offset(T->xsk), (unsigned long long)T->not_posted);
		if (T->dups || T->bad_seq || T->bad_len || T->bad_bytes)
			fail("tenant %d: %llu duplicates, %llu bad sequence numbers, %llu wrong "
			     "lengths, %llu frames whose bytes in the pool differ from the sent "
			     "frame",
			     t, (unsigned long long)T->dups, (unsigned long long)T->bad_seq,
			     (unsigned long long)T->bad_len, (unsigned long long)T->bad_bytes);
		if (T->rx_ok != T->sent)
			fail("tenant %d: %llu of %llu frames arrived (loss); xsk rx_dropped %llu "
			     "fill_ring_empty %llu rx_ring_full %llu",
			     t, (unsigned long long)T->rx_ok, (unsigned long long)T->sent,
			     (unsigned long long)s.rx_dropped,
			     (unsigned long long)s.rx_fill_ring_empty,
			     (unsigned long long)s.rx_ring_full);
		if (s.rx_dropped || s.rx_fill_ring_empty || s.rx_ring_full || s.rx_invalid_descs)
			fail("tenant %d: kernel drops: rx_dropped %llu fill_ring_empty %llu "
			     "rx_ring_full %llu rx_invalid %llu",
			     t, (unsigned long long)s.rx_dropped,
			     (unsigned long long)s.rx_fill_ring_empty,
			     (unsigned long long)s.rx_ring_full,
			     (unsigned long long)s.rx_invalid_descs);
		/* recycling: every received buffer went back; the pool is far smaller than the run
		 */
		if (T->refilled + T->nb_backlog != T->rx_ok || s.filled != POSTED + T->refilled ||
		    s.rx != T->rx_ok)
			fail("tenant %d: refilled %llu, filled %llu, rx %llu for %llu frames", t,
			     (unsigned long long)T->refilled, (unsigned long long)s.filled,
			     (unsigned long long)s.rx, (unsigned long long)T->rx_ok);
		if (T->max_backlog)
			fail("tenant %d: with %u of %u fill-ring entries in use, %u recycled "
			     "buffers "
			     "found no room (lib/xsk.h: at most ring_size / 2 posted always fits)",
			     t, POSTED, RING, T->max_backlog);
		if (T->seen_bufs > POSTED)
			fail("tenant %d: %u distinct buffers used, only %u were ever posted", t,
			     T->seen_bufs, POSTED);
		if (c1[t][TENET_XSK_CNT_REDIRECTED] - c0[t][TENET_XSK_CNT_REDIRECTED] != T->sent ||
		    c1[t][TENET_XSK_CNT_PASS] != c0[t][TENET_XSK_CNT_PASS])
			fail("tenant %d: %s counted %llu redirected, %llu passed; %llu sent", t,
			     TENET_XSK_PROG_NAME, (unsigned long long)(c1[t][0] - c0[t][0]),
			     (unsigned long long)(c1[t][1] - c0[t][1]),
			     (unsigned long long)T->sent);
		if (xs1.tenant[t] - xs0.tenant[t] != T->sent)
			fail("tenant %d: the classifier steered %llu frames, %llu sent", t,
			     (unsigned long long)(xs1.tenant[t] - xs0.tenant[t]),
			     (unsigned long long)T->sent);
		printf("ok: tenant %d: %llu frames, each once, in its own pool at buffer*%u+%u, "
		       "bytes identical; %u buffers recycled through the fill ring %llu times "
		       "(%.0f uses each; the fill ring always had room), no kernel drops\n",
		       t, (unsigned long long)T->rx_ok, bsz, tenet_xsk_rx_offset(T->xsk),
		       T->seen_bufs, (unsigned long long)T->refilled,
		       (double)T->rx_ok / T->seen_bufs);
	}
	for (uint32_t s = 0; s < nframes; s++)
		if (got[s] != 1)
			fail("frame %u arrived %u times", s, got[s]);
	printf("ok: rx: %u frames for two tenants (%llu / %llu), zero cross-tenant leakage, no "
	       "loss\n",
	       nframes, (unsigned long long)ten[0].sent, (unsigned long long)ten[1].sent);
	printf("info: rx: %.2f s, %.0f frames/s through classifier + DEVMAP + veth + AF_XDP "
	       "(copy), paced by a %d-frame window\n",
	       secs, nframes / secs, W);

	/* no frame of the other tenant anywhere in a pool: scan every buffer */
	for (int t = 0; t < 2; t++) {
		struct tenant *T = &ten[t];
		uint32_t tagged = 0;

		for (uint32_t b = 0; b < NB_BUFS; b++) {
			const uint8_t *p =
			        T->nf->data + (size_t)b * bsz + tenet_xsk_rx_offset(T->xsk);
			uint32_t m;

			memcpy(&m, p + HDR_LEN, 4);
			if (m != rx_magic)
				continue;
			tagged++;
			if (p[HDR_LEN + 4] != t)
				fail("tenant %d: buffer %u of its pool holds a tenant %d frame", t,
				     b, p[HDR_LEN + 4]);
		}
		printf("ok: tenant %d: pool scan: %u buffers hold frames, all of tenant %d\n", t,
		       tagged, t);
	}
}

/* ---- tx phase ---- */

static void *tx_rx_main(void *arg)
{
	static uint8_t b[2048], want[MAX_LEN];
	struct pollfd pfd[2];

	(void)arg;
	for (int t = 0; t < 2; t++) {
		pfd[t].fd = ten[t].pkt_fd;
		pfd[t].events = POLLIN;
	}
	while (!atomic_load(&stop_rx)) {
		if (poll(pfd, 2, 10) <= 0)
			continue;
		for (int t = 0; t < 2; t++) {
			struct tenant *T = &ten[t];
			ssize_t n;

			while ((n = recv(T->pkt_fd, b, sizeof(b), MSG_DONTWAIT)) >= 0) {
				uint32_t magic, seq;

				if (n < HDR_LEN + TAG_LEN) {
					T->tx_strays++;
					continue;
				}
				memcpy(&magic, b + HDR_LEN, 4);
				memcpy(&seq, b + HDR_LEN + 8, 4);
				if (magic != tx_magic) {
					T->tx_strays++;
					continue;
				}
				atomic_fetch_add(&tx_received, 1);
				if (b[HDR_LEN + 4] != t) {
					T->tx_leak++;
				} else if (seq >= tx_frames) {
					T->tx_bad++;
				} else if (T->tx_got[seq]++) {
					T->tx_dups++;
				} else if ((uint32_t)n != build(want, tx_magic, t, seq) ||
				           memcmp(b, want, (size_t)n)) {
					T->tx_bad++;
				} else {
					T->tx_rx_ok++;
				}
			}
		}
	}
	return NULL;
}

static void complete(struct tenant *T)
{
	uint64_t a[BURST];
	unsigned int n = tenet_xsk_complete(T->xsk, a, BURST);

	for (unsigned int i = 0; i < n; i++) {
		uint32_t buf = (uint32_t)(a[i] / bsz);

		if (a[i] >= (uint64_t)NB_BUFS * bsz || T->state[buf] != S_TX ||
		    T->tx_addr[buf] != a[i]) {
			if (T->bad_comp++ < 3)
				printf("  tenant %d: completion of %llu, not a sent address\n",
				       T->t, (unsigned long long)a[i]);
			continue;
		}
		T->state[buf] = S_OURS;
		T->free_bufs[T->nb_free++] = buf;
		T->tx_done++;
	}
}

static void tx_phase(void)
{
	static const uint32_t offs[] = {0, 64, 128, 256, 320, 448};
	uint64_t t0 = now_ns(), stall = 0, last = 0;
	pthread_t rx;
	uint32_t next[2] = {0, 0};
	double secs;

	atomic_store(&stop_rx, 0);
	atomic_store(&tx_received, 0);
	for (int t = 0; t < 2; t++) {
		struct tenant *T = &ten[t];
		struct tenet_xsk_stats s;
		uint64_t bad[2];
		uint32_t blen[2] = {100, 100};

		if (T->pkt_fd <= 0)
			T->pkt_fd = packet_socket(T->peer, ETH_P_ALL, NULL);
		free(T->tx_got);
		T->tx_got = calloc(tx_frames, 1);
		if (!T->tx_got)
			fail("out of memory");
		/* the buffers not on the fill ring are the test's */
		T->nb_free = 0;
		for (uint32_t b = 0; b < NB_BUFS; b++)
			if (T->state[b] == S_OURS)
				T->free_bufs[T->nb_free++] = b;
		if (T->nb_free != NB_BUFS - POSTED)
			fail("tenant %d: %u buffers held, want %u", t, T->nb_free,
			     NB_BUFS - POSTED);
		/* descriptors the kernel would refuse (never completed) are refused up front */
		bad[0] = (uint64_t)T->free_bufs[0] * bsz + bsz - 50; /* crosses the end */
		bad[1] = (uint64_t)NB_BUFS * bsz;                    /* beyond the UMEM */
		if ((bsz == BUF_SIZE && tenet_xsk_tx(T->xsk, &bad[0], &blen[0], 1)) ||
		    tenet_xsk_tx(T->xsk, &bad[1], &blen[1], 1))
			fail("tenant %d: tx accepted a descriptor outside its frame or the UMEM",
			     t);
		tenet_xsk_read_stats(T->xsk, &s);
		if (s.tx)
			fail("tenant %d: refused descriptors were counted as sent", t);
	}
	printf("ok: tx refuses descriptors that cross a frame end or leave the UMEM\n");
	if (pthread_create(&rx, NULL, tx_rx_main, NULL))
		fail("pthread_create");

	while (next[0] < tx_frames || next[1] < tx_frames) {
		bool progress = false;

		for (int t = 0; t < 2; t++) {
			struct tenant *T = &ten[t];
			uint64_t addr[BURST];
			uint32_t len[BURST];
			unsigned int n = 0, sent;
			uint64_t inflight =
			        ten[0].tx_sent + ten[1].tx_sent - atomic_load(&tx_received);

			complete(T);
			while (n < BURST && next[t] + n < tx_frames && T->nb_free > n &&
			       inflight + n < W) {
				uint32_t seq = next[t] + n, buf = T->free_bufs[T->nb_free - 1 - n];
				uint32_t off = offs[seq % (sizeof(offs) / sizeof(offs[0]))];

				addr[n] = (uint64_t)buf * bsz + off;
				len[n] = build(T->pool->data + addr[n], tx_magic, t, seq);
				n++;
			}
			if (!n)
				continue;
			sent = tenet_xsk_tx(T->xsk, addr, len, n);
			for (unsigned int i = 0; i < sent; i++) {
				uint32_t buf = T->free_bufs[--T->nb_free];

				if ((uint64_t)buf * bsz != addr[i] - addr[i] % bsz)
					fail("free list order");
				T->state[buf] = S_TX;
				T->tx_addr[buf] = addr[i];
			}
			next[t] += sent;
			T->tx_sent += sent;
			if (sent)
				progress = true;
		}
		if (progress || atomic_load(&tx_received) != last) {
			last = atomic_load(&tx_received);
			stall = 0;
		} else if (!stall) {
			stall = now_ns();
		} else if (now_ns() - stall > STALL_NS) {
			fail("tx: stalled at %u/%u frames sent, %llu received, %llu/%llu completed",
			     next[0], next[1], (unsigned long long)last,
			     (unsigned long long)ten[0].tx_done,
			     (unsigned long long)ten[1].tx_done);
		} else {
			sched_yield();
		}
	}
	/* everything back: completions and arrivals */
	stall = now_ns();
	while ((ten[0].tx_done < tx_frames || ten[1].tx_done < tx_frames ||
	        atomic_load(&tx_received) < 2ull * tx_frames) &&
	       now_ns() - stall < STALL_NS) {
		complete(&ten[0]);
		complete(&ten[1]);
		tenet_xsk_wakeup(ten[0].xsk);
		tenet_xsk_wakeup(ten[1].xsk);
		usleep(100);
	}
	usleep(20000);
	atomic_store(&stop_rx, 1);
	pthread_join(rx, NULL);
	secs = (double)(now_ns() - t0) / 1e9;

	for (int t = 0; t < 2; t++) {
		struct tenant *T = &ten[t];
		struct tenet_xsk_stats s;

		if (tenet_xsk_read_stats(T->xsk, &s))
			fail("stats");
		if (T->tx_leak)
			fail("tenant %d: %llu frames of the other tenant came out of its netdev", t,
			     (unsigned long long)T->tx_leak);
		if (T->tx_dups || T->tx_bad)
			fail("tenant %d: tx: %llu duplicates, %llu frames with other bytes than "
			     "written into the pool",
			     t, (unsigned long long)T->tx_dups, (unsigned long long)T->tx_bad);
		if (T->tx_rx_ok != tx_frames)
			fail("tenant %d: %llu of %u transmitted frames arrived on %s (loss); "
			     "tx_invalid %llu",
			     t, (unsigned long long)T->tx_rx_ok, tx_frames, T->peer,
			     (unsigned long long)s.tx_invalid_descs);
		if (T->bad_comp || T->tx_done != tx_frames || s.completed != tx_frames)
			fail("tenant %d: %llu completions (%llu bad) for %u frames sent", t,
			     (unsigned long long)T->tx_done, (unsigned long long)T->bad_comp,
			     tx_frames);
		if (T->nb_free != NB_BUFS - POSTED)
			fail("tenant %d: %u buffers back after tx, want %u", t, T->nb_free,
			     NB_BUFS - POSTED);
		if (s.tx_invalid_descs || s.kick_err)
			fail("tenant %d: tx_invalid_descs %llu, failed kicks %llu", t,
			     (unsigned long long)s.tx_invalid_descs,
			     (unsigned long long)s.kick_err);
		printf("ok: tenant %d: tx: %u frames sent from pool buffers (6 offsets) arrived "
		       "on %s byte for byte, each completed with its own address; %llu kicks, "
		       "%llu untagged frames ignored\n",
		       t, tx_frames, T->peer, (unsigned long long)s.kicks,
		       (unsigned long long)T->tx_strays);
	}
	printf("info: tx: %.2f s, %.0f frames/s (copy mode, window %d)\n", secs,
	       2.0 * tx_frames / secs, W);
}

/* ---- setup ---- */

static struct tenet_classifier *table(void)
{
	struct tenet_classifier *c = tenet_classifier_create(NULL);

	if (!c)
		fail("classifier_create");
	for (int t = 0; t < 2; t++) {
		struct tenet_rule rl;

		memset(&rl, 0, sizeof(rl));
		rl.id = (uint32_t)(1 + t);
		rl.priority = 10;
		rl.match.family = 4;
		rl.match.proto = TENET_ANY;
		rl.match.sport_hi = 0xffff;
		rl.match.dport_hi = 0xffff;
		rl.match.vlan = TENET_ANY;
		rl.match.in_port = TENET_ANY;
		rl.match.src_plen = 16;
		rl.match.src[0] = 10;
		rl.match.src[1] = (uint8_t)(1 + t);
		rl.tenant = (uint16_t)t;
		if (tenet_classifier_add(c, &rl))
			fail("classifier_add");
	}
	return c;
}

static struct tenet_xsk_opts opts_for(struct tenant *T, int mode)
{
	struct tenet_xsk_opts o = {
	        .ifname = T->ifname,
	        .queue = 0,
	        .umem_area = T->pool->data,
	        .umem_len = (size_t)T->pool->nb_bufs * T->pool->buf_size,
	        .frame_size = T->pool->buf_size,
	        .headroom = T->headroom,
	        .ring_size = RING,
	        .mode = mode,
	};

	return o;
}

/* The refusals a caller must be able to read: zero-copy on veth, a busy queue, bad areas. */
static void negative_checks(void)
{
	struct tenet_xsk_opts o;
	struct tenet_xsk *x;
	char err[512];

	o = opts_for(&ten[0], TENET_XSK_ZEROCOPY);
	o.ifname = ten[0].peer; /* a queue no socket is bound to */
	x = tenet_xsk_create(&o, err, sizeof(err));
	if (x || errno != EOPNOTSUPP || !strstr(err, "zero-copy"))
		fail("zero-copy on veth: %s, errno %s, '%s'", x ? "created" : "refused",
		     strerror(errno), err);
	printf("ok: zero-copy on veth refused (EOPNOTSUPP): %s\n", err);

	o = opts_for(&ten[1], TENET_XSK_AUTO);
	o.ifname = ten[0].ifname; /* tenant 1's pool on tenant 0's bound queue */
	x = tenet_xsk_create(&o, err, sizeof(err));
	if (x || errno != EBUSY || !strstr(err, "busy"))
		fail("second UMEM on a bound queue: %s, errno %s, '%s'", x ? "created" : "refused",
		     strerror(errno), err);
	printf("ok: a second UMEM on %s queue 0 refused (EBUSY): %s\n", ten[0].ifname, err);

	o = opts_for(&ten[1], TENET_XSK_AUTO);
	o.queue = 7;
	x = tenet_xsk_create(&o, err, sizeof(err));
	if (x || errno != EINVAL || !strstr(err, "queue 7"))
		fail("queue 7 of a one-queue veth: %s, errno %s, '%s'", x ? "created" : "refused",
		     strerror(errno), err);
	printf("ok: a queue the device lacks refused (EINVAL): %s\n", err);

	o = opts_for(&ten[1], TENET_XSK_AUTO);
	o.umem_area = ten[1].pool->data + 64;
	o.umem_len -= bsz;
	x = tenet_xsk_create(&o, err, sizeof(err));
	if (x || errno != EINVAL)
		fail("unaligned UMEM area accepted");
	o = opts_for(&ten[1], TENET_XSK_AUTO);
	o.ifname = "tnq-none";
	x = tenet_xsk_create(&o, err, sizeof(err));
	if (x || errno != ENODEV)
		fail("missing interface: errno %s, '%s'", strerror(errno), err);
	printf("ok: unaligned area (EINVAL) and missing interface (ENODEV) refused\n");
}

/* A process killed with -9 leaves its program; cleanup by name removes it. */
static void kill9_cleanup(const char *xsk_obj, const char *ifname)
{
	int p[2], ifx = (int)if_nametoindex(ifname), r;
	pid_t pid;
	char c;

	if (attached_id(ifname))
		fail("%s still has a program before the kill test", ifname);
	if (pipe(p))
		fail("pipe");
	pid = fork();
	if (pid < 0)
		fail("fork");
	if (pid == 0) {
		if (!tenet_xsk_prog_open(xsk_obj, ifx, TENET_XSK_PROG_NATIVE))
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		fail("child could not attach");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	if (!attached_id(ifname))
		fail("the killed process's program is gone without cleanup");
	r = tenet_xsk_prog_cleanup(ifx);
	if (r != 1 || attached_id(ifname))
		fail("cleanup returned %d, program id now %u", r, attached_id(ifname));
	printf("ok: a %s left by kill -9 removed by tenet_xsk_prog_cleanup\n", TENET_XSK_PROG_NAME);
}

/*
 * One round: per tenant a pool of NB_BUFS buffers of bsz bytes, an AF_XDP
 * socket whose UMEM is its buffer area, half the pool on the fill ring.
 */
static void setup_round(const char *xsk_obj)
{
	char path[64], err[512];
	int e;

	for (int t = 0; t < 2; t++) {
		struct tenant *T = &ten[t];
		struct tenet_xsk_opts o;
		uint32_t bufs[NB_BUFS];
		uint64_t addr[POSTED];

		snprintf(path, sizeof(path), "tnq-t%d-%u", t, bsz);
		T->pool = tenet_pool_create(path, NB_BUFS, bsz, 0);
		if (!T->pool)
			fail("pool: %s", strerror(errno));
		T->nf = tenet_pool_attach(tenet_pool_fd(T->pool));
		if (!T->nf)
			fail("pool attach: %s", strerror(errno));
		if (tenet_pool_alloc_bulk(T->pool, bufs, NB_BUFS))
			fail("pool alloc");
		saw_copy_log = false;
		o = opts_for(T, TENET_XSK_AUTO);
		T->xsk = tenet_xsk_create(&o, err, sizeof(err));
		if (!T->xsk)
			fail("tenant %d: tenet_xsk_create: %s", t, err);
		if (tenet_xsk_zerocopy(T->xsk) || !saw_copy_log)
			fail("tenant %d: veth must run in copy mode, reported %s (log said copy: "
			     "%d)",
			     t, tenet_xsk_zerocopy(T->xsk) ? "zero-copy" : "copy", saw_copy_log);
		if (tenet_xsk_rx_offset(T->xsk) != 256 + T->headroom ||
		    tenet_xsk_frame_max(T->xsk) != bsz - 256 - T->headroom)
			fail("rx offset %u / frame max %u", tenet_xsk_rx_offset(T->xsk),
			     tenet_xsk_frame_max(T->xsk));
		printf("ok: tenant %d: AF_XDP on %s queue 0 over pool %s (%u x %u B, %s chunks), "
		       "copy "
		       "mode reported, rx data at frame offset %u\n",
		       t, T->ifname, path, NB_BUFS, bsz, bsz == BUF_SIZE ? "aligned" : "unaligned",
		       tenet_xsk_rx_offset(T->xsk));
		/* a quarter of the pool (half the fill ring) circulates on the rx side */
		for (uint32_t i = 0; i < POSTED; i++) {
			addr[i] = (uint64_t)bufs[i] * bsz;
			T->state[bufs[i]] = S_FILL;
		}
		if (tenet_xsk_fill(T->xsk, addr, POSTED) != POSTED)
			fail("initial fill");
		if (!T->prog)
			T->prog = tenet_xsk_prog_open(xsk_obj, (int)if_nametoindex(T->ifname),
			                              TENET_XSK_PROG_NATIVE);
		if (!T->prog)
			fail("tenant %d: xsk prog: %s", t, strerror(errno));
		if ((e = tenet_xsk_prog_set(T->prog, 0, T->xsk)))
			fail("xskmap: %s", strerror(-e));
	}
}

/* Close the sockets (the program stays) and the pools; forget the round's counts. */
static void teardown_round(void)
{
	for (int t = 0; t < 2; t++) {
		struct tenant *T = &ten[t], keep = {.t = T->t,
		                                    .ifname = T->ifname,
		                                    .peer = T->peer,
		                                    .headroom = T->headroom,
		                                    .prog = T->prog,
		                                    .pkt_fd = T->pkt_fd};

		tenet_xsk_prog_set(T->prog, 0, NULL);
		tenet_xsk_destroy(T->xsk);
		tenet_pool_destroy(T->nf);
		tenet_pool_destroy(T->pool);
		free(T->tx_got);
		*T = keep;
	}
}

int main(int argc, char **argv)
{
	struct tenet_classifier *cls;
	struct tenet_xdp *xdp;
	char path[256], err[512];
	const char *xsk_obj, *cls_obj;
	int probe, e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: xsk_check XSK_OBJ CLASSIFY_OBJ SND_NETNS [FRAMES [TX]]\n");
		return 2;
	}
	xsk_obj = argv[1];
	cls_obj = argv[2];
	if (argc > 4)
		nframes = (uint32_t)strtoul(argv[4], NULL, 0);
	if (argc > 5)
		tx_frames = (uint32_t)strtoul(argv[5], NULL, 0);
	if (geteuid() != 0)
		skip("needs root (netns, veth, XDP, AF_XDP)");
	probe = socket(AF_XDP, SOCK_RAW, 0);
	if (probe < 0) {
		snprintf(err, sizeof(err), "AF_XDP unavailable: %s", strerror(errno));
		skip(err);
	}
	close(probe);
	tenet_set_log(log_cb);

	dut_ns_fd = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "/var/run/netns/%s", argv[3]);
	snd_ns_fd = open(path, O_RDONLY);
	if (dut_ns_fd < 0 || snd_ns_fd < 0)
		fail("open netns %s: %s", path, strerror(errno));
	enter_ns(snd_ns_fd);
	tx_fd = packet_socket(IF_SND, 0, &tx_ifindex);
	enter_ns(dut_ns_fd);

	setup_round(xsk_obj);
	negative_checks();

	cls = table();
	{
		struct tenet_xdp_opts o = {
		        .obj_path = cls_obj,
		        .ifindex = (int)if_nametoindex(IF_IN),
		        .mode = TENET_XDP_NATIVE,
		        .steer = TENET_XDP_STEER_DEVMAP,
		};

		xdp = tenet_xdp_open(&o);
		if (!xdp)
			fail("tenet_xdp_open: %s", strerror(errno));
		if ((e = tenet_xdp_set_rules(xdp, cls)) ||
		    (e = tenet_xdp_set_dev(xdp, 0, (int)if_nametoindex(ten[0].peer))) ||
		    (e = tenet_xdp_set_dev(xdp, 1, (int)if_nametoindex(ten[1].peer))) ||
		    (e = tenet_xdp_attach(xdp)))
			fail("classifier: %s", strerror(-e));
	}
	printf("ok: classifier on %s: 10.1/16 -> %s (tenant 0), 10.2/16 -> %s (tenant 1)\n", IF_IN,
	       ten[0].peer, ten[1].peer);

	rx_phase(xdp);
	tx_phase();
	teardown_round();

	/* round 2: buffers of 2560 B (not a power of two): unaligned chunks, new tags */
	bsz = BUF_SIZE_2;
	rx_magic = RX_MAGIC + 0x01000000u;
	tx_magic = TX_MAGIC + 0x01000000u;
	nframes = nframes / 5 > 1000 ? nframes / 5 : 1000;
	tx_frames = tx_frames / 5 > 1000 ? tx_frames / 5 : 1000;
	setup_round(xsk_obj);
	rx_phase(xdp);
	tx_phase();
	teardown_round();

	tenet_xdp_close(xdp);
	tenet_classifier_destroy(cls);
	for (int t = 0; t < 2; t++) {
		tenet_xsk_prog_close(ten[t].prog);
		if (attached_id(ten[t].ifname))
			fail("a program is still on %s after close", ten[t].ifname);
		close(ten[t].pkt_fd);
	}
	printf("ok: close left no XDP program on %s / %s\n", ten[0].ifname, ten[1].ifname);
	kill9_cleanup(xsk_obj, ten[1].ifname);
	free(got);
	printf("PASS\n");
	return 0;
}
