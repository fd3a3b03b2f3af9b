/*
 * xdp_check: drives the XDP classifier (bpf/classify.bpf.c, lib/xdp.c) on
 * a veth topology that tests/sys/test_xdp.sh builds, and checks it against
 * the CPU implementation frame by frame:
 *
 *   xdp_check OBJ SND_NETNS [FRAMES [SCAN_FRAMES]]
 *
 * Runs inside the DUT namespace, which holds the ingress veth tntxi and
 * the tenant veths tntxa / tntxb with their peers tntxap / tntxbp; the
 * sender namespace SND_NETNS holds tntxs, tntxi's peer. Every frame sent
 * is also parsed by tenet_pkt_parse, classified by tenet_classifier_lookup
 * and (scan phases) scanned by tenet_nicscan_scan; the CPU's answer says
 * where the frame must arrive (tenant 0 or 1 peer, back on tntxs for a
 * bounce, on tntxi's stack for a pass) or which counter must count its
 * drop. Each delivered frame carries magic + sequence number in its last 8
 * bytes, so the receiver checks every single frame's destination.
 *
 * The sender is paced by a window, not by time: at most W1 frames ahead of
 * what the XDP program has counted and W2 ahead of what the receivers got,
 * so neither veth ring (256) can overflow and no frame may go missing.
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
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/classify.h"
#include "lib/nicscan.h"
#include "lib/scan.h"
#include "lib/xdp.h"
#include "tenet/log.h"
#include "tenet/pkt.h"

#define IF_IN  "tntxi"
#define IF_A   "tntxa"
#define IF_B   "tntxb"
#define IF_AP  "tntxap"
#define IF_BP  "tntxbp"
#define IF_SND "tntxs"

#define MAGIC    0x43445854u /* "TXDC" */
#define MAX_SEQ  (4u << 20)
#define W1       128 /* frames ahead of the XDP program */
#define W2       128 /* expected arrivals ahead of the receivers */
#define STALL_NS (5ull * 1000000000ull)

/* Where a frame must end up. */
enum dest {
	D_T0 = 0,     /* tenant 0 (tntxap) */
	D_T1 = 1,     /* tenant 1 (tntxbp) */
	D_BOUNCE = 2, /* XDP_TX, back on tntxs */
	D_PASS = 3,   /* XDP_PASS, tntxi's stack */
	D_NB = 4,
	D_DROP = 0xff,
};

static const char *obj_path;
static int snd_ns_fd, dut_ns_fd;
static int tx_fd, tx_ifindex, in_ifindex;
static int rx_fd[D_NB];
static struct tenet_xdp *xdp;

static uint8_t *expect;      /* per seq: enum dest */
static uint8_t *expect_alt;  /* per seq: the other table's answer (update phase) */
static _Atomic uint8_t *got; /* per seq: dest + 1, 0 if not received */
static atomic_uint_fast64_t received, dups, strays, rx_cnt[D_NB];
static atomic_int stop_rx;
static uint32_t next_seq;

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

static void skip(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(77);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static unsigned int rn(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd(s) % n);
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

/* Drain whatever a socket holds (frames from before a phase). */
static void drain(int fd)
{
	char b[64];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
}

static void *rx_main(void *arg)
{
	enum { BATCH = 64 };
	static uint8_t bufs[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct pollfd pfd[D_NB];

	(void)arg;
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	for (int d = 0; d < D_NB; d++) {
		pfd[d].fd = rx_fd[d];
		pfd[d].events = POLLIN;
	}
	while (!atomic_load(&stop_rx)) {
		if (poll(pfd, D_NB, 50) <= 0)
			continue;
		for (int d = 0; d < D_NB; d++) {
			int n;

			if (!(pfd[d].revents & POLLIN))
				continue;
			n = recvmmsg(rx_fd[d], msgs, BATCH, MSG_DONTWAIT, NULL);
			for (int i = 0; i < n; i++) {
				const uint8_t *f = bufs[i];
				uint32_t len = msgs[i].msg_len, magic, seq;

				if (len >= 20 && len <= sizeof(bufs[i])) {
					memcpy(&magic, f + len - 8, 4);
					memcpy(&seq, f + len - 4, 4);
				} else {
					magic = 0;
					seq = 0;
				}
				if (magic != MAGIC || seq >= MAX_SEQ) {
					if (atomic_fetch_add(&strays, 1) < 3) {
						printf("  stray frame on socket %d, %u bytes:", d,
						       len);
						for (uint32_t j = 0; j < len && j < 48; j++)
							printf(" %02x", f[j]);
						printf("\n");
					}
					continue;
				}
				if (atomic_exchange(&got[seq], (uint8_t)(d + 1)))
					atomic_fetch_add(&dups, 1);
				atomic_fetch_add(&rx_cnt[d], 1);
				atomic_fetch_add(&received, 1);
			}
		}
	}
	return NULL;
}

/* ---- frames ---- */

static const uint8_t mac_dst[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t mac_src[6] = {0x02, 0, 0, 0, 0, 0x01};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t eth(uint8_t *f, uint64_t *r, uint16_t et, int vlan_mode)
{
	size_t o = 12;

	memcpy(f, mac_dst, 6);
	memcpy(f + 6, mac_src, 6);
	if (vlan_mode == 1) {
		put16(f + 12, 0x8100);
		put16(f + 14, rn(r, 2) ? 100 : 200);
		o = 16;
	} else if (vlan_mode == 2) {
		put16(f + 12, 0x88a8);
		put16(f + 14, rn(r, 2) ? 100 : 300);
		put16(f + 16, 0x8100);
		put16(f + 18, 7);
		o = 20;
	}
	put16(f + o, et);
	return o + 2;
}

static void tag(uint8_t *f, size_t len, uint32_t seq)
{
	uint32_t m = MAGIC;

	memcpy(f + len - 8, &m, 4);
	memcpy(f + len - 4, &seq, 4);
}

static void fill(uint8_t *p, size_t n, uint64_t *r)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(r);
}

/*
 * L4 header + payload of plen bytes at p (payload random, tag included by
 * the caller); returns the header length.
 */
static size_t l4(uint8_t *p, uint8_t proto, uint64_t *r)
{
	static const uint16_t dports[] = {80, 5000, 5005, 53, 443};

	if (proto == 17) {
		put16(p, (uint16_t)rnd(r));
		put16(p + 2, dports[rn(r, 5)]);
		put16(p + 4, 0);
		put16(p + 6, 0);
		return 8;
	}
	if (proto == 6) {
		memset(p, 0, 20);
		put16(p, (uint16_t)rnd(r));
		put16(p + 2, dports[rn(r, 5)]);
		p[12] = 5 << 4;
		return 20;
	}
	return 0;
}

struct shape {
	int v6;   /* 0: IPv4, 1: IPv6 */
	int vlan; /* 0, 1 (one tag) or 2 (QinQ) */
	int src;  /* 1, 2 or 3: the /16 (v4) or /48 (v6) */
	uint8_t proto;
	int frag;    /* 0 none, 1 first, 2 later */
	int opts;    /* IPv4 options words / IPv6 extension headers */
	size_t plen; /* L4 payload bytes incl. the 8-byte tag */
	size_t pad;  /* Ethernet padding after the IP packet (tag goes there) */
};

/* A well-formed IP frame; returns its length, *pay = payload offset. */
static size_t build_ip(uint8_t *f, const struct shape *s, uint64_t *r, size_t *pay)
{
	size_t o, ip, hl, l4o;

	if (!s->v6) {
		size_t ihl = 20 + 4 * (size_t)s->opts;
		uint16_t frag = 0;

		o = eth(f, r, 0x0800, s->vlan);
		ip = o;
		memset(f + ip, 1, ihl); /* options: NOPs */
		f[ip] = (uint8_t)(0x40 | (ihl / 4));
		f[ip + 1] = 0;
		put16(f + ip + 4, (uint16_t)rnd(r));
		if (s->frag == 1)
			frag = 0x2000;
		else if (s->frag == 2)
			frag = (uint16_t)((rn(r, 2) ? 0x2000 : 0) | 185);
		put16(f + ip + 6, frag);
		f[ip + 8] = 64;
		f[ip + 9] = s->proto;
		put16(f + ip + 10, 0);
		f[ip + 12] = 10;
		f[ip + 13] = (uint8_t)s->src;
		f[ip + 14] = (uint8_t)rnd(r);
		f[ip + 15] = (uint8_t)rnd(r);
		f[ip + 16] = 10;
		f[ip + 17] = 9;
		f[ip + 18] = 0;
		f[ip + 19] = 1;
		l4o = ip + ihl;
		hl = s->frag == 2 ? 0 : l4(f + l4o, s->proto, r);
		put16(f + ip + 2, (uint16_t)(ihl + hl + s->plen));
	} else {
		static const uint8_t ext[] = {60, 43, 44};

		o = eth(f, r, 0x86dd, s->vlan);
		ip = o;
		memset(f + ip, 0, 40);
		f[ip] = 0x60;
		f[ip + 7] = 64;
		f[ip + 8] = 0x20;
		f[ip + 9] = 0x01;
		f[ip + 10] = 0x0d;
		f[ip + 11] = 0xb8;
		f[ip + 13] = (uint8_t)s->src;
		fill(f + ip + 16, 8, r);
		f[ip + 24] = 0x20;
		f[ip + 25] = 0x01;
		f[ip + 26] = 0x0d;
		f[ip + 27] = 0xb8;
		f[ip + 29] = 9;
		f[ip + 39] = 1;
		l4o = ip + 40;
		/* extension headers: hop-by-hop first, then dstopts or fragment */
		f[ip + 6] = s->opts ? 0 : s->proto;
		for (int i = 0; i < s->opts; i++) {
			memset(f + l4o, 0, 8);
			f[l4o] = i + 1 < s->opts ? ext[rn(r, 2) ? 0 : 2] : s->proto;
			l4o += 8;
		}
		/* fragment headers: make them first or later fragments as asked */
		{
			size_t p = ip + 40;
			uint8_t t = f[ip + 6];

			for (int i = 0; i < s->opts; i++) {
				if (t == 44) {
					uint16_t off = s->frag == 2 ? (uint16_t)(100 << 3) : 0;

					put16(f + p + 2, (uint16_t)(off | (s->frag ? 1 : 0)));
					put16(f + p + 4, 0x1234);
				}
				t = f[p];
				p += 8;
			}
		}
		hl = l4(f + l4o, s->proto, r);
		put16(f + ip + 4, (uint16_t)(l4o - ip - 40 + hl + s->plen));
	}
	*pay = l4o + hl;
	fill(f + *pay, s->plen + s->pad, r);
	return *pay + s->plen + s->pad;
}

static void random_shape(struct shape *s, uint64_t *r, int srcs)
{
	static const uint8_t protos[] = {17, 17, 17, 6, 6, 1};

	memset(s, 0, sizeof(*s));
	s->v6 = rn(r, 4) == 0;
	s->vlan = rn(r, 10) < 2 ? 1 : rn(r, 20) == 0 ? 2 : 0;
	s->src = 1 + (int)rn(r, (unsigned int)srcs);
	s->proto = protos[rn(r, 6)];
	if (s->v6 && s->proto == 1)
		s->proto = 58;
	s->frag = rn(r, 10) == 0 ? 1 : rn(r, 10) == 0 ? 2 : 0;
	s->opts = s->v6 ? (rn(r, 3) == 0 ? 1 + (int)rn(r, 3) : 0)
	                : (rn(r, 5) == 0 ? 1 + (int)rn(r, 10) : 0);
	if (s->v6 && s->frag)
		s->opts = s->opts ? s->opts : 1;
	s->plen = 8 + (rn(r, 20) == 0 ? rn(r, 1300) : rn(r, 120));
	if (rn(r, 30) == 0) {
		s->pad = 8 + rn(r, 16);
	}
}

/* A malformed frame of some kind (the CPU parser says which). */
static size_t build_bad(uint8_t *f, uint64_t *r)
{
	struct shape s;
	size_t len, pay, ip;

	switch (rn(r, 7)) {
	case 0: /* trunc_l2 */
		if (rn(r, 2)) {
			eth(f, r, 0x8100, 0);
			return 14 + rn(r, 4);
		}
		eth(f, r, 0x88a8, 0);
		put16(f + 16, 0x8100);
		return 18 + rn(r, 4);
	case 1: /* trunc_l3 */
		len = eth(f, r, rn(r, 2) ? 0x0800 : 0x86dd, (int)rn(r, 2));
		fill(f + len, 40, r);
		f[len] = f[len - 1] == 0x00 ? 0x45 : 0x60;
		return len + rn(r, f[len - 1] == 0x00 ? 20 : 40);
	case 2: /* bad IHL */
		random_shape(&s, r, 2);
		s.v6 = 0;
		len = build_ip(f, &s, r, &pay);
		ip = (size_t)(f[12] == 0x08 ? 14 : f[12] == 0x81 ? 18 : 22);
		f[ip] = (uint8_t)(0x40 | rn(r, 5));
		if (rn(r, 3) == 0) {
			f[ip] = 0x4f;
			len = ip + 20 + rn(r, 40);
		}
		return len;
	case 3: /* non-IP */
		len = eth(f, r, 0x88b5, rn(r, 3) == 0);
		len += 40 + rn(r, 60);
		fill(f + 18, len - 18, r);
		return len;
	case 4: /* bad IPv6 extension chain */
		random_shape(&s, r, 2);
		s.v6 = 1;
		s.frag = 0;
		s.opts = 2 + (int)rn(r, 2);
		len = build_ip(f, &s, r, &pay);
		ip = (size_t)(f[12] == 0x86 ? 14 : f[12] == 0x81 ? 18 : 22);
		switch (rn(r, 3)) {
		case 0: /* hop-by-hop after another header */
			f[ip + 6] = 60;
			f[ip + 40] = 0;
			break;
		case 1: /* header longer than the packet */
			f[ip + 41] = 200;
			break;
		default: /* chain longer than 8 */
			f[ip + 6] = 60;
			for (size_t p = ip + 40; p + 8 <= len; p += 8) {
				f[p] = 60;
				f[p + 1] = 0;
			}
			break;
		}
		return len;
	case 5: /* bad version / IP length */
		random_shape(&s, r, 2);
		len = build_ip(f, &s, r, &pay);
		ip = (size_t)((f[12] == 0x08 || f[12] == 0x86) ? 14 : f[12] == 0x81 ? 18 : 22);
		if (rn(r, 2))
			f[ip] = (uint8_t)((s.v6 ? 0x40 : 0x60) | (f[ip] & 0xf));
		else
			put16(f + ip + (s.v6 ? 4 : 2), 0xfff0);
		return len;
	default: /* trunc_l4: the IP packet ends inside the L4 header */
		random_shape(&s, r, 2);
		s.frag = 0;
		s.opts = 0;
		s.proto = rn(r, 2) ? 6 : 17;
		s.plen = 8;
		s.pad = 0;
		len = build_ip(f, &s, r, &pay);
		ip = (size_t)((f[12] == 0x08 || f[12] == 0x86) ? 14 : f[12] == 0x81 ? 18 : 22);
		if (s.proto == 6 && rn(r, 3) == 0) {
			f[pay - 20 + 12] = (uint8_t)(rn(r, 5) << 4); /* data offset < 5 */
			return len;
		}
		pay = rn(r, s.proto == 6 ? 20 : 8); /* L4 bytes left */
		if (s.v6) {
			put16(f + ip + 4, (uint16_t)pay);
			return ip + 40 + pay;
		}
		put16(f + ip + 2, (uint16_t)(20 + pay));
		return ip + 20 + pay;
	}
}

/* ---- expectations from the CPU side ---- */

struct cpu_side {
	struct tenet_classifier *cls;
	struct tenet_classifier *alt; /* the other table of the update phase, or NULL */
	const struct tenet_nicscan *ns;
	enum tenet_xdp_scan_action scan;
	uint64_t parse[TENET_PKT_ERR_MAX];
	uint64_t no_rule, redirected, tenant[2];
	uint64_t scanned, scan_drop, scan_tag, scan_host;
};

static uint8_t classify_cpu(const struct tenet_classifier *c, const uint8_t *f, size_t len,
                            const struct tenet_pkt_info *pi, enum tenet_pkt_err e,
                            struct cpu_side *cs, int count)
{
	struct tenet_action act;

	(void)f;
	(void)len;
	if (e != TENET_PKT_OK && e != TENET_PKT_NON_IP)
		return D_DROP;
	if (!tenet_classifier_lookup(c, pi, 0, &act)) {
		if (count)
			cs->no_rule++;
		return D_DROP;
	}
	if (cs->ns && e == TENET_PKT_OK) {
		struct tenet_scan_result res;
		int v = tenet_nicscan_scan(cs->ns, f + pi->payload_off, pi->payload_len, &res);

		if (v < 0) {
			if (count)
				cs->scan_host++;
		} else {
			if (count)
				cs->scanned++;
			if (v == TENET_SCAN_DROP) {
				if (count)
					cs->scan_drop++;
				return cs->scan == TENET_XDP_SCAN_BOUNCE ? D_BOUNCE
				       : cs->scan == TENET_XDP_SCAN_PASS ? D_PASS
				                                         : D_DROP;
			}
			if (v == TENET_SCAN_TAG && count)
				cs->scan_tag++;
		}
	}
	if (count) {
		cs->redirected++;
		cs->tenant[act.tenant & 1]++;
	}
	return (uint8_t)act.tenant;
}

/* ---- phases ---- */

typedef size_t (*gen_fn)(uint8_t *f, uint64_t *r, uint32_t i);

static uint64_t xdp_processed(const struct tenet_xdp_stats *base)
{
	struct tenet_xdp_stats s;
	uint64_t n = 0;

	if (tenet_xdp_read_stats(xdp, &s))
		fail("read stats: %s", strerror(errno));
	for (int i = 0; i < TENET_XDP_CNT_PARSE_MAX; i++)
		n += s.cnt[i] - base->cnt[i];
	return n;
}

struct phase {
	const char *name;
	uint32_t n;
	gen_fn gen;
	uint64_t seed;
	/* update phase: flip tables every 'flip_every' frames */
	uint32_t flip_every;
	struct tenet_classifier *tables[2];
	/* results */
	uint32_t first_seq;
	struct cpu_side cs;
	struct tenet_xdp_stats before, after;
	uint64_t exp_rx;
	double secs;
	uint32_t last_flip_mark; /* frames from here on saw the final table */
	unsigned int flips;
};

struct sender {
	struct phase *ph;
	atomic_uint_fast32_t nsent;
	atomic_int done;
};

static void send_frame(const uint8_t *f, size_t len)
{
	struct sockaddr_ll sll = {0};

	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = tx_ifindex;
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, mac_dst, 6);
	while (sendto(tx_fd, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		if (errno == ENOBUFS || errno == EAGAIN) {
			sched_yield();
			continue;
		}
		fail("send %zu bytes: %s", len, strerror(errno));
	}
}

static void *send_main(void *arg)
{
	struct sender *sd = arg;
	struct phase *ph = sd->ph;
	uint64_t r = ph->seed, processed = 0, exp_sent = 0;
	static uint8_t f[4096];

	for (uint32_t i = 0; i < ph->n; i++) {
		uint32_t seq = ph->first_seq + i;
		struct tenet_pkt_info pi;
		enum tenet_pkt_err e;
		size_t len = ph->gen(f, &r, i);
		uint64_t t0 = 0;
		uint8_t d;

		/* frames that can be delivered carry the tag at their very end */
		if (len >= 22)
			tag(f, len, seq);
		e = tenet_pkt_parse(f, (uint32_t)len, &pi);
		ph->cs.parse[e]++;
		d = classify_cpu(ph->cs.cls, f, len, &pi, e, &ph->cs, 1);
		expect[seq] = d;
		expect_alt[seq] =
		        ph->cs.alt ? classify_cpu(ph->cs.alt, f, len, &pi, e, &ph->cs, 0) : d;
		if (d != D_DROP || expect_alt[seq] != D_DROP)
			exp_sent++;
		for (;;) {
			if (exp_sent - atomic_load(&received) > W2 + 1) {
				/* wait for the receiver */
			} else if (i - processed > W1) {
				processed = xdp_processed(&ph->before);
				if (i - processed <= W1)
					break;
			} else {
				break;
			}
			if (!t0)
				t0 = now_ns();
			else if (now_ns() - t0 > STALL_NS)
				fail("%s: stalled at frame %u: xdp processed %llu, expected "
				     "arrivals "
				     "%llu, received %llu",
				     ph->name, i, (unsigned long long)processed,
				     (unsigned long long)exp_sent,
				     (unsigned long long)atomic_load(&received));
			sched_yield();
		}
		send_frame(f, len);
		atomic_store(&sd->nsent, i + 1);
	}
	ph->exp_rx = exp_sent;
	atomic_store(&sd->done, 1);
	return NULL;
}

/* Run a phase: send, wait until everything arrived, check frame by frame. */
static void run_phase(struct phase *ph)
{
	struct sender sd = {.ph = ph};
	pthread_t th;
	uint64_t t0, deadline, want_rx[D_NB] = {0}, base_rx[D_NB], strays0 = atomic_load(&strays);
	uint64_t mism = 0, miss = 0, alt_used = 0;

	for (int d = 0; d < D_NB; d++) {
		drain(rx_fd[d]);
		base_rx[d] = atomic_load(&rx_cnt[d]);
	}
	atomic_store(&received, 0);
	ph->first_seq = next_seq;
	next_seq += ph->n;
	if (next_seq > MAX_SEQ)
		fail("too many frames");
	ph->cs.alt = ph->flip_every ? ph->tables[1] : NULL;
	if (tenet_xdp_read_stats(xdp, &ph->before))
		fail("read stats");
	t0 = now_ns();
	if (pthread_create(&th, NULL, send_main, &sd))
		fail("pthread_create");
	if (ph->flip_every) {
		/* the manager's side: publish the two tables in turn while traffic flows */
		uint32_t next = ph->flip_every;
		unsigned int k = 0;

		while (!atomic_load(&sd.done)) {
			if (atomic_load(&sd.nsent) < next) {
				sched_yield();
				continue;
			}
			k++;
			if (tenet_xdp_set_rules(xdp, ph->tables[k & 1]))
				fail("set_rules during traffic");
			ph->last_flip_mark = (uint32_t)atomic_load(&sd.nsent) + 1;
			ph->flips = k;
			next += ph->flip_every;
			if (next > ph->n - ph->flip_every)
				break;
		}
		if ((k & 1) == 0)
			fail("need an odd number of flips (ends on table 1)");
	}
	pthread_join(th, NULL);
	deadline = now_ns() + STALL_NS;
	while ((atomic_load(&received) < ph->exp_rx || xdp_processed(&ph->before) < ph->n) &&
	       now_ns() < deadline)
		usleep(1000);
	usleep(20000); /* late duplicates or strays, if any, would show now */
	ph->secs = (double)(now_ns() - t0) / 1e9;
	if (tenet_xdp_read_stats(xdp, &ph->after))
		fail("read stats");

	for (uint32_t i = 0; i < ph->n; i++) {
		uint32_t seq = ph->first_seq + i;
		uint8_t g = atomic_load(&got[seq]), e = expect[seq], a = expect_alt[seq];
		bool final = ph->flip_every && i >= ph->last_flip_mark;
		uint8_t want = final ? a : e;

		if (g == 0) {
			if (want != D_DROP && !(ph->flip_every && !final && e == D_DROP))
				miss++;
			continue;
		}
		if (g - 1 == want)
			continue;
		if (ph->flip_every && !final && (g - 1 == e || g - 1 == a)) {
			alt_used++;
			continue;
		}
		if (mism < 5)
			printf("  seq %u (frame %u) arrived at %d, expected %d (alt %d)\n", seq, i,
			       g - 1, want, a);
		mism++;
	}
	for (uint32_t i = 0; i < ph->n; i++) {
		uint8_t g = atomic_load(&got[ph->first_seq + i]);

		if (g)
			want_rx[g - 1]++;
	}
	if (atomic_load(&dups))
		fail("%s: %llu frames arrived twice", ph->name,
		     (unsigned long long)atomic_load(&dups));
	if (atomic_load(&strays) != strays0)
		fail("%s: %llu frames without our tag arrived", ph->name,
		     (unsigned long long)(atomic_load(&strays) - strays0));
	if (mism)
		fail("%s: %llu frames went to the wrong place (cross-tenant leak or wrong verdict)",
		     ph->name, (unsigned long long)mism);
	if (miss)
		fail("%s: %llu frames that had to arrive did not", ph->name,
		     (unsigned long long)miss);
	for (int d = 0; d < D_NB; d++)
		if (atomic_load(&rx_cnt[d]) - base_rx[d] != want_rx[d])
			fail("%s: socket %d counted %llu, tags say %llu", ph->name, d,
			     (unsigned long long)(atomic_load(&rx_cnt[d]) - base_rx[d]),
			     (unsigned long long)want_rx[d]);
	printf("ok: %s: %u frames in %.2f s, each at the CPU classifier's destination (%llu to "
	       "tenant 0, %llu to tenant 1, %llu bounced, %llu passed, %llu dropped)%s\n",
	       ph->name, ph->n, ph->secs, (unsigned long long)want_rx[0],
	       (unsigned long long)want_rx[1], (unsigned long long)want_rx[2],
	       (unsigned long long)want_rx[3],
	       (unsigned long long)(ph->n - want_rx[0] - want_rx[1] - want_rx[2] - want_rx[3]),
	       ph->flip_every ? "" : "");
	if (ph->flip_every)
		printf("info: %s: %u table flips under traffic, %llu frames met the other table "
		       "across a flip\n",
		       ph->name, ph->flips, (unsigned long long)alt_used);
}

#define D(f) (ph->after.f - ph->before.f)

static uint64_t dc(const struct phase *ph, int i)
{
	return D(cnt[i]);
}

/* Counters of the XDP program against the CPU's count of the same frames. */
static void check_counters(struct phase *ph, int exact_tenants)
{
	uint64_t sum = 0, drops = 0;

	for (int i = 0; i < TENET_XDP_CNT_PARSE_MAX; i++) {
		if (D(cnt[i]) != ph->cs.parse[i])
			fail("%s: counter %s is %llu, the CPU parser says %llu", ph->name,
			     tenet_xdp_cnt_name((unsigned int)i), (unsigned long long)D(cnt[i]),
			     (unsigned long long)ph->cs.parse[i]);
		sum += D(cnt[i]);
		if (i != TENET_XDP_CNT_OK && i != TENET_XDP_CNT_NON_IP)
			drops += D(cnt[i]);
	}
	if (sum != ph->n)
		fail("%s: the parse counters add up to %llu, %u sent", ph->name,
		     (unsigned long long)sum, ph->n);
	if (D(cnt[TENET_XDP_CNT_REDIRECT_ERR]) || D(cnt[TENET_XDP_CNT_MISS_PASS]))
		fail("%s: redirect_err %llu miss_pass %llu", ph->name,
		     (unsigned long long)D(cnt[TENET_XDP_CNT_REDIRECT_ERR]),
		     (unsigned long long)D(cnt[TENET_XDP_CNT_MISS_PASS]));
	if (ph->n != drops + D(cnt[TENET_XDP_CNT_NO_RULE]) + D(cnt[TENET_XDP_CNT_REDIRECTED]) +
	                     D(cnt[TENET_XDP_CNT_SCAN_DROP]) + D(cnt[TENET_XDP_CNT_SCAN_BOUNCE]) +
	                     D(cnt[TENET_XDP_CNT_SCAN_PASS]))
		fail("%s: sent != redirected + dropped by reason", ph->name);
	if (D(cnt[TENET_XDP_CNT_REDIRECTED]) != D(tenant[0]) + D(tenant[1]))
		fail("%s: per-tenant counters do not add up to redirected", ph->name);
	if (exact_tenants) {
		if (D(cnt[TENET_XDP_CNT_NO_RULE]) != ph->cs.no_rule ||
		    D(cnt[TENET_XDP_CNT_REDIRECTED]) != ph->cs.redirected ||
		    D(tenant[0]) != ph->cs.tenant[0] || D(tenant[1]) != ph->cs.tenant[1])
			fail("%s: no_rule/redirected/tenant counters %llu/%llu/%llu/%llu, CPU "
			     "%llu/%llu/%llu/%llu",
			     ph->name, (unsigned long long)D(cnt[TENET_XDP_CNT_NO_RULE]),
			     (unsigned long long)D(cnt[TENET_XDP_CNT_REDIRECTED]),
			     (unsigned long long)D(tenant[0]), (unsigned long long)D(tenant[1]),
			     (unsigned long long)ph->cs.no_rule,
			     (unsigned long long)ph->cs.redirected,
			     (unsigned long long)ph->cs.tenant[0],
			     (unsigned long long)ph->cs.tenant[1]);
	}
	printf("ok: %s: XDP counters equal the CPU's:", ph->name);
	for (int i = 0; i < TENET_XDP_CNT_MAX; i++)
		if (D(cnt[i]))
			printf(" %s=%llu", tenet_xdp_cnt_name((unsigned int)i),
			       (unsigned long long)D(cnt[i]));
	printf(" tenant0=%llu tenant1=%llu\n", (unsigned long long)D(tenant[0]),
	       (unsigned long long)D(tenant[1]));
}

/* ---- generators ---- */

static size_t gen_mixed(uint8_t *f, uint64_t *r, uint32_t i)
{
	struct shape s;
	size_t pay;

	(void)i;
	if (rn(r, 100) < 18)
		return build_bad(f, r);
	random_shape(&s, r, 3);
	return build_ip(f, &s, r, &pay);
}

static size_t gen_bad(uint8_t *f, uint64_t *r, uint32_t i)
{
	(void)i;
	return build_bad(f, r);
}

static size_t gen_good(uint8_t *f, uint64_t *r, uint32_t i)
{
	struct shape s;
	size_t pay;

	(void)i;
	random_shape(&s, r, 2);
	return build_ip(f, &s, r, &pay);
}

#define NB_PATS 12
static uint8_t pat_bytes[NB_PATS][32];
static size_t pat_len[NB_PATS];

/* Scan traffic: a pattern at every payload offset in turn, some in padding. */
static size_t gen_scan(uint8_t *f, uint64_t *r, uint32_t i)
{
	struct shape s;
	size_t pay, len, off, k = rn(r, NB_PATS), plen = pat_len[k];
	int where = (int)rn(r, 20);

	random_shape(&s, r, 2);
	s.frag = 0;
	s.vlan = rn(r, 8) == 0;
	s.proto = rn(r, 3) ? 17 : 6;
	s.opts = 0;
	s.pad = 0;
	off = i % 1440;
	s.plen = off + plen + 8 + rn(r, 24);
	if (where == 0) { /* too long for the NIC */
		s.plen = 1501 + rn(r, 400);
		s.v6 = 0;
	}
	if (where == 1) { /* pattern in the Ethernet padding only */
		s.plen = 8 + rn(r, 64);
		s.pad = plen + 8;
	}
	len = build_ip(f, &s, r, &pay);
	if (where == 1)
		memcpy(f + len - s.pad, pat_bytes[k], plen);
	else if (where >= 8 && where != 0)
		memcpy(f + pay + (off <= s.plen - plen - 8 ? off : 0), pat_bytes[k], plen);
	return len;
}

/* ---- tables ---- */

static void add(struct tenet_classifier *c, uint32_t id, int prio, const char *src, int plen,
                int family, int proto, int dlo, int dhi, int vlan, int tenant)
{
	struct tenet_rule rl;

	memset(&rl, 0, sizeof(rl));
	rl.id = id;
	rl.priority = prio;
	rl.match.family = (uint8_t)family;
	rl.match.proto = (int16_t)proto;
	rl.match.sport_lo = 0;
	rl.match.sport_hi = 0xffff;
	rl.match.dport_lo = (uint16_t)dlo;
	rl.match.dport_hi = (uint16_t)dhi;
	rl.match.vlan = vlan;
	rl.match.in_port = TENET_ANY;
	rl.match.src_plen = (uint8_t)plen;
	if (src)
		memcpy(rl.match.src, src, family == 6 ? 16 : 4);
	rl.tenant = (uint16_t)tenant;
	if (tenet_classifier_add(c, &rl))
		fail("classifier_add %u", id);
}

/* The test table: tenants by source prefix, a port override, a VLAN rule, fillers. */
static struct tenet_classifier *table(int swap, unsigned int fillers)
{
	struct tenet_classifier *c = tenet_classifier_create(NULL);
	char a[16] = {0};
	int t0 = swap ? 1 : 0, t1 = swap ? 0 : 1;

	if (!c)
		fail("classifier_create");
	memcpy(a, "\x0a\x01", 2);
	add(c, 1, 10, a, 16, 4, TENET_ANY, 0, 0xffff, TENET_ANY, t0);
	add(c, 3, 5, a, 16, 4, 17, 5000, 5010, TENET_ANY, t1); /* needs ports */
	memcpy(a, "\x0a\x02", 2);
	add(c, 2, 10, a, 16, 4, TENET_ANY, 0, 0xffff, TENET_ANY, t1);
	memcpy(a, "\x20\x01\x0d\xb8\x00\x01", 6);
	add(c, 4, 10, a, 48, 6, TENET_ANY, 0, 0xffff, TENET_ANY, t0);
	memcpy(a, "\x20\x01\x0d\xb8\x00\x02", 6);
	add(c, 5, 10, a, 48, 6, TENET_ANY, 0, 0xffff, TENET_ANY, t1);
	add(c, 6, 7, NULL, 0, 0, TENET_ANY, 0, 0xffff, 300, t1); /* outer VLAN 300, IP or not */
	add(c, 7, 8, NULL, 0, 0, TENET_ANY, 0, 0xffff, 200, t0);
	for (unsigned int i = 0; i < fillers; i++) {
		char h[16] = {0};

		h[0] = (char)192;
		h[1] = (char)168;
		h[2] = (char)(i >> 8);
		h[3] = (char)i;
		/* half before the tenant rules: every frame walks past them */
		add(c, 100 + i, i % 2 ? 2 : 50, h, 32, 4, 6, 1000 + (int)i, 1000 + (int)i,
		    TENET_ANY, (int)(i % 2));
	}
	return c;
}

/* ---- tenet_pass on the receiving veths ---- */

static struct bpf_object *pass_obj;

static void attach_pass(const char *ifname)
{
	struct bpf_program *p;
	int ifx = (int)if_nametoindex(ifname);

	if (!pass_obj) {
		pass_obj = bpf_object__open_file(obj_path, NULL);
		if (!pass_obj)
			fail("open %s", obj_path);
		bpf_object__for_each_program(p, pass_obj)
		        bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "tenet_pass"));
		if (bpf_object__load(pass_obj))
			fail("load tenet_pass");
	}
	p = bpf_object__find_program_by_name(pass_obj, TENET_XDP_PASS_NAME);
	if (!p || bpf_xdp_attach(ifx, bpf_program__fd(p), XDP_FLAGS_DRV_MODE, NULL))
		fail("attach tenet_pass to %s: %s", ifname, strerror(errno));
}

static uint32_t attached_id(int ifindex, char *name, size_t nlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), id;
	int fd;

	if (bpf_xdp_query(ifindex, 0, &q))
		fail("bpf_xdp_query: %s", strerror(errno));
	id = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (name)
		snprintf(name, nlen, "-");
	if (!id || !name)
		return id;
	fd = bpf_prog_get_fd_by_id(id);
	memset(&info, 0, sizeof(info));
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(name, nlen, "%s", info.name);
	if (fd >= 0)
		close(fd);
	return id;
}

static struct tenet_xdp *open_xdp(enum tenet_xdp_mode mode)
{
	struct tenet_xdp_opts o = {
	        .obj_path = obj_path,
	        .ifindex = in_ifindex,
	        .mode = mode,
	        .steer = TENET_XDP_STEER_DEVMAP,
	};
	struct tenet_xdp *x = tenet_xdp_open(&o);

	if (!x)
		fail("tenet_xdp_open (%s): %s", tenet_xdp_mode_name(mode), strerror(errno));
	if (tenet_xdp_set_dev(x, 0, (int)if_nametoindex(IF_A)) ||
	    tenet_xdp_set_dev(x, 1, (int)if_nametoindex(IF_B)))
		fail("devmap");
	return x;
}

static struct tenet_nicscan *make_scan(uint64_t *r)
{
	static const size_t lens[NB_PATS] = {3, 4, 5, 7, 8, 9, 12, 16, 17, 24, 31, 32};
	char text[8192], err[256];
	size_t o = 0;
	struct tenet_patterns *p;
	struct tenet_nicscan *ns;

	for (int k = 0; k < NB_PATS; k++) {
		pat_len[k] = lens[k];
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s literal ",
		                      k % 3 == 1 ? "tag" : "drop");
		for (size_t j = 0; j < lens[k]; j++) {
			pat_bytes[k][j] = (uint8_t)(rnd(r) | 0x80); /* rare in random headers */
			o += (size_t)snprintf(text + o, sizeof(text) - o, "\\x%02x",
			                      pat_bytes[k][j]);
		}
		o += (size_t)snprintf(text + o, sizeof(text) - o, "\n");
	}
	p = tenet_patterns_parse(text, o, "xdp_check", err, sizeof(err));
	if (!p)
		fail("patterns: %s", err);
	ns = tenet_nicscan_create(p, err, sizeof(err));
	tenet_patterns_free(p);
	if (!ns)
		fail("nicscan: %s", err);
	return ns;
}

static void enter_ns(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		fail("setns: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	uint32_t frames = 1000000, scan_frames = 100000;
	struct tenet_classifier *t1, *t2, *big;
	struct tenet_nicscan *ns;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char path[256], name[64];
	struct phase ph;
	pthread_t rx;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: xdp_check OBJ SND_NETNS [FRAMES [SCAN_FRAMES]]\n");
		return 2;
	}
	obj_path = argv[1];
	if (argc > 3)
		frames = (uint32_t)strtoul(argv[3], NULL, 0);
	if (argc > 4)
		scan_frames = (uint32_t)strtoul(argv[4], NULL, 0);
	if (geteuid() != 0)
		skip("needs root (netns, veth, XDP)");
	tenet_set_log_level(TENET_LOG_WARN);
	expect = calloc(MAX_SEQ, 1);
	expect_alt = calloc(MAX_SEQ, 1);
	got = calloc(MAX_SEQ, 1);
	if (!expect || !expect_alt || !got)
		fail("out of memory");

	/* sockets and helper programs in both namespaces */
	dut_ns_fd = open("/proc/self/ns/net", O_RDONLY);
	snprintf(path, sizeof(path), "/var/run/netns/%s", argv[2]);
	snd_ns_fd = open(path, O_RDONLY);
	if (dut_ns_fd < 0 || snd_ns_fd < 0)
		fail("open netns %s: %s", path, strerror(errno));
	enter_ns(snd_ns_fd);
	tx_fd = packet_socket(IF_SND, 0, &tx_ifindex);
	rx_fd[D_BOUNCE] = packet_socket(IF_SND, ETH_P_ALL, NULL);
	attach_pass(IF_SND);
	enter_ns(dut_ns_fd);
	rx_fd[D_T0] = packet_socket(IF_AP, ETH_P_ALL, NULL);
	rx_fd[D_T1] = packet_socket(IF_BP, ETH_P_ALL, NULL);
	rx_fd[D_PASS] = packet_socket(IF_IN, ETH_P_ALL, &in_ifindex);
	attach_pass(IF_AP);
	attach_pass(IF_BP);
	if (pthread_create(&rx, NULL, rx_main, NULL))
		fail("pthread_create");

	t1 = table(0, 1024);
	t2 = table(1, 1024);
	printf("info: rule table: %u rules (%u walked before the tenant rules)\n",
	       tenet_classifier_count(t1), 512u);

	/* 1. native mode, mixed traffic and malformed frames */
	xdp = open_xdp(TENET_XDP_NATIVE);
	if ((err = tenet_xdp_set_rules(xdp, t1)))
		fail("set_rules: %s", strerror(-err));
	if ((err = tenet_xdp_attach(xdp)))
		fail("attach native: %s", strerror(-err));
	attached_id(in_ifindex, name, sizeof(name));
	if (strcmp(name, TENET_XDP_PROG_NAME))
		fail("attached program is '%s'", name);
	printf("ok: %s attached in native mode on %s\n", name, IF_IN);
	{
		struct bpf_prog_info info;
		uint32_t ilen = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(tenet_xdp_prog_fd(xdp), &info, &ilen))
			printf("info: verifier processed %u instructions (limit 1000000), program "
			       "%u bytes\n",
			       info.verified_insns, info.xlated_prog_len);
	}

	memset(&ph, 0, sizeof(ph));
	ph = (struct phase){.name = "native mixed", .n = frames, .gen = gen_mixed, .seed = seed++};
	ph.cs.cls = t1;
	run_phase(&ph);
	check_counters(&ph, 1);
	for (int i = 1; i < TENET_PKT_ERR_MAX; i++)
		if (!ph.cs.parse[i])
			fail("traffic mix has no %s frame",
			     tenet_pkt_err_name((enum tenet_pkt_err)i));
	printf("info: native mixed: %.0f frames/s through XDP, paced by a %d-frame window\n",
	       ph.n / ph.secs, W2);

	/* 2. a burst of malformed frames only, then good traffic is unaffected */
	ph = (struct phase){.name = "malformed burst", .n = 50000, .gen = gen_bad, .seed = seed++};
	ph.cs.cls = t1;
	run_phase(&ph);
	check_counters(&ph, 1);
	ph = (struct phase){.name = "after malformed", .n = 50000, .gen = gen_good, .seed = seed++};
	ph.cs.cls = t1;
	run_phase(&ph);
	check_counters(&ph, 1);

	/* 3. rule updates while traffic flows */
	ph = (struct phase){.name = "updates under traffic",
	                    .n = 220000,
	                    .gen = gen_mixed,
	                    .seed = seed++,
	                    .flip_every = 10000,
	                    .tables = {t1, t2}};
	ph.cs.cls = t1;
	run_phase(&ph);
	check_counters(&ph, 0);
	ph = (struct phase){.name = "after updates", .n = 50000, .gen = gen_mixed, .seed = seed++};
	ph.cs.cls = t2;
	run_phase(&ph);
	check_counters(&ph, 1);

	/* 4. a table over the limit is refused and the live one stays */
	big = table(0, TENET_XDP_MAX_RULES);
	err = tenet_xdp_set_rules(xdp, big);
	if (err != -E2BIG)
		fail("%u rules: set_rules returned %d, want -E2BIG", tenet_classifier_count(big),
		     err);
	printf("ok: %u rules refused with E2BIG (limit %d)\n", tenet_classifier_count(big),
	       TENET_XDP_MAX_RULES);
	tenet_classifier_destroy(big);
	ph = (struct phase){
	        .name = "after refused table", .n = 20000, .gen = gen_mixed, .seed = seed++};
	ph.cs.cls = t2;
	run_phase(&ph);
	check_counters(&ph, 1);
	if ((err = tenet_xdp_set_rules(xdp, t1)))
		fail("set_rules: %s", strerror(-err));

	/* 5. payload scan: XDP verdicts against tenet_nicscan_scan on the same frames */
	ns = make_scan(&seed);
	{
		static const struct {
			enum tenet_xdp_scan_action a;
			const char *name;
			uint32_t n;
		} modes[] = {
		        {TENET_XDP_SCAN_DROP, "scan drop", 0},
		        {TENET_XDP_SCAN_BOUNCE, "scan bounce", 20000},
		        {TENET_XDP_SCAN_PASS, "scan pass", 20000},
		};

		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			if ((err = tenet_xdp_set_scan(xdp, tenet_nicscan_prog(ns), modes[m].a, 3)))
				fail("set_scan: %s", strerror(-err));
			ph = (struct phase){.name = modes[m].name,
			                    .n = modes[m].n ? modes[m].n : scan_frames,
			                    .gen = gen_scan,
			                    .seed = seed++};
			ph.cs.cls = t1;
			ph.cs.ns = ns;
			ph.cs.scan = modes[m].a;
			run_phase(&ph);
			check_counters(&ph, 1);
			if (dc(&ph, TENET_XDP_CNT_SCANNED) != ph.cs.scanned ||
			    dc(&ph, TENET_XDP_CNT_SCAN_TAG) != ph.cs.scan_tag ||
			    dc(&ph, TENET_XDP_CNT_SCAN_HOST) != ph.cs.scan_host ||
			    dc(&ph, TENET_XDP_CNT_SCAN_DROP) + dc(&ph, TENET_XDP_CNT_SCAN_BOUNCE) +
			                    dc(&ph, TENET_XDP_CNT_SCAN_PASS) !=
			            ph.cs.scan_drop)
				fail("%s: XDP scanned/tag/host/drop differ from tenet_nicscan_scan "
				     "(%llu/%llu/%llu/%llu)",
				     ph.name, (unsigned long long)ph.cs.scanned,
				     (unsigned long long)ph.cs.scan_tag,
				     (unsigned long long)ph.cs.scan_host,
				     (unsigned long long)ph.cs.scan_drop);
			if (!ph.cs.scan_drop || !ph.cs.scan_tag || !ph.cs.scan_host)
				fail("%s: scan traffic lacks drops, tags or long payloads",
				     ph.name);
			printf("ok: %s: XDP and tenet_nicscan_scan agree: %llu scanned, %llu drop "
			       "verdicts, %llu tags, %llu left to the host\n",
			       ph.name, (unsigned long long)ph.cs.scanned,
			       (unsigned long long)ph.cs.scan_drop,
			       (unsigned long long)ph.cs.scan_tag,
			       (unsigned long long)ph.cs.scan_host);
		}
		if ((err = tenet_xdp_set_scan(xdp, NULL, TENET_XDP_SCAN_OFF, 0)))
			fail("set_scan off");
	}

	/* 6. close: nothing left on the interface */
	tenet_xdp_close(xdp);
	xdp = NULL;
	if (attached_id(in_ifindex, NULL, 0))
		fail("a program is still attached after close");
	printf("ok: close left no XDP program on %s\n", IF_IN);

	/* 7. generic mode */
	xdp = open_xdp(TENET_XDP_GENERIC);
	if ((err = tenet_xdp_set_rules(xdp, t1)) || (err = tenet_xdp_attach(xdp)))
		fail("generic: %s", strerror(-err));
	ph = (struct phase){.name = "generic mixed", .n = 100000, .gen = gen_mixed, .seed = seed++};
	ph.cs.cls = t1;
	run_phase(&ph);
	check_counters(&ph, 1);
	tenet_xdp_close(xdp);
	xdp = NULL;
	if (attached_id(in_ifindex, NULL, 0))
		fail("a program is still attached after close (generic)");

	/* 8. offload: veth has no eBPF NIC; the open must fail cleanly */
	{
		struct tenet_xdp_opts o = {
		        .obj_path = obj_path, .ifindex = in_ifindex, .mode = TENET_XDP_OFFLOAD};
		struct tenet_xdp *x;

		tenet_set_log_level(TENET_LOG_ERR);
		x = tenet_xdp_open(&o);
		tenet_set_log_level(TENET_LOG_WARN);
		if (x)
			fail("offload mode loaded on a veth");
		printf("ok: offload mode on a veth refused cleanly (%s)\n", strerror(errno));
		if (attached_id(in_ifindex, NULL, 0))
			fail("a program is attached after the refused offload");
	}

	/* 9. a manager killed with -9 leaves its program; cleanup removes it */
	{
		int p[2];
		pid_t pid;
		char c;

		if (pipe(p))
			fail("pipe");
		pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			struct tenet_xdp *x = open_xdp(TENET_XDP_NATIVE);

			if (tenet_xdp_set_rules(x, t1) || tenet_xdp_attach(x))
				_exit(3);
			if (write(p[1], "y", 1) != 1)
				_exit(4);
			pause();
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			fail("child did not attach");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (!attached_id(in_ifindex, name, sizeof(name)) ||
		    strcmp(name, TENET_XDP_PROG_NAME))
			fail("after kill -9 expected a stale %s, found '%s'", TENET_XDP_PROG_NAME,
			     name);
		printf("ok: after kill -9 the program stays attached (%s)\n", name);
		err = tenet_xdp_cleanup((int)if_nametoindex(IF_AP));
		if (err != 0 || !attached_id((int)if_nametoindex(IF_AP), NULL, 0))
			fail("cleanup touched a program that is not ours (%d)", err);
		err = tenet_xdp_cleanup(in_ifindex);
		if (err != 1)
			fail("cleanup returned %d, want 1", err);
		if (attached_id(in_ifindex, NULL, 0))
			fail("cleanup left a program on %s", IF_IN);
		printf("ok: cleanup removed it and left other programs alone\n");
	}

	atomic_store(&stop_rx, 1);
	pthread_join(rx, NULL);
	tenet_nicscan_destroy(ns);
	tenet_classifier_destroy(t1);
	tenet_classifier_destroy(t2);
	bpf_object__close(pass_obj);
	printf("ok: all XDP checks passed\n");
	return 0;
}
