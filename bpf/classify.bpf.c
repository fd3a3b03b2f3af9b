/*
 * XDP tenant classifier and NIC payload scan (maps and update protocol:
 * bpf/tenet_xdp.h; loader: lib/xdp.c).
 *
 * Per frame: parse Ethernet, up to two VLAN tags, IPv4 (IHL, total length,
 * fragments) or IPv6 (extension headers, at most 8), TCP/UDP ports, with
 * exactly the checks and outcomes of the CPU parser (lib/pkt.c), and count
 * the outcome under its tenet_pkt_err name. Malformed frames are dropped
 * there; IP and non-IP frames go on to the rule table of the live half,
 * scanned in (priority, id) order by bpf_loop() with an early exit at the
 * first match (lib/classify.c's semantics: non-first fragments carry no
 * ports and match only rules without port constraints). The matched
 * tenant's frame is optionally scanned (the leading `on: nic` hop: the
 * shared literal matcher of bpf/scan_common.h over the L4 payload, copied
 * with bpf_xdp_load_bytes() into a per-CPU scratch buffer so that the scan
 * sees exactly the payload the host sees, Ethernet padding excluded), then
 * steered: DEVMAP (tenant -> per-tenant netdev) or XSKMAP (tenant -> its
 * AF_XDP socket, only on the tenant's own queue).
 *
 * Every packet access is checked against data_end, every map value index
 * is bounded, and header offsets are capped at PKT_MAX_OFF, which is beyond
 * any linear XDP buffer: a frame whose headers would lie past it parses as
 * truncated.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "tenet_xdp.h"

#define ETH_HLEN     14
#define VLAN_HLEN    4
#define ETH_P_IP     0x0800
#define ETH_P_IPV6   0x86dd
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define IPV4_HLEN    20
#define IPV6_HLEN    40
#define TCP_HLEN     20
#define UDP_HLEN     8
#define EXT_MIN      8
#define MAX_EXTHDR   8 /* TENET_PKT_MAX_EXTHDR of lib/pkt.c */

#define P_HOPOPTS  0
#define P_TCP      6
#define P_UDP      17
#define P_ROUTING  43
#define P_FRAGMENT 44
#define P_AH       51
#define P_DSTOPTS  60

#define F_FRAG       0x1
#define F_FRAG_FIRST 0x2

#define PKT_MAX_OFF 0x3fff

/* Same values as enum tenet_pkt_err (checked in lib/xdp.c). */
#define R_OK          TENET_XDP_CNT_OK
#define R_TRUNC_L2    TENET_XDP_CNT_TRUNC_L2
#define R_TRUNC_L3    TENET_XDP_CNT_TRUNC_L3
#define R_BAD_IHL     TENET_XDP_CNT_BAD_IHL
#define R_BAD_IPLEN   TENET_XDP_CNT_BAD_IPLEN
#define R_BAD_VERSION TENET_XDP_CNT_BAD_VERSION
#define R_TRUNC_L4    TENET_XDP_CNT_TRUNC_L4
#define R_BAD_EXTHDR  TENET_XDP_CNT_BAD_EXTHDR
#define R_NON_IP      TENET_XDP_CNT_NON_IP

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tnt_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct tenet_xdp_hdr);
} tnt_hdr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * TENET_XDP_MAX_RULES);
	__type(key, __u32);
	__type(value, struct tenet_xdp_rule);
} tnt_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct tenet_nicscan_prog);
} tnt_scan SEC(".maps");

struct scratch {
	__u8 b[TENET_XDP_SCRATCH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} tnt_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TENET_XDP_CNT_NB);
	__type(key, __u32);
	__type(value, __u64);
} tnt_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, TENET_XDP_MAX_TENANTS);
	__type(key, __u32);
	__type(value, __u32);
} tnt_devmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, TENET_XDP_MAX_TENANTS);
	__type(key, __u32);
	__type(value, __u32);
} tnt_xsks SEC(".maps");

/* What the parser found; field meanings as struct tenet_pkt_info. */
struct pinfo {
	__u64 src[2], dst[2];
	__u32 payload_off, payload_len;
	__u16 sport, dport;
	__u16 vlan;
	__u8 ipv;
	__u8 proto;
	__u8 flags;
};

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&tnt_cnt, &idx);

	if (v)
		*v += 1; /* per-CPU slot: no other writer */
}

/* Pointer to n bytes at off, or NULL if they are not all in the frame. */
static __always_inline const __u8 *at(const struct xdp_md *ctx, __u32 off, __u32 n)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;

	__u64 o = off;

	if (o > PKT_MAX_OFF)
		return 0;
	/*
	 * A no-op after the test, but on the register that is added: the
	 * compiler may otherwise add a fresh, unbounded copy of off (the
	 * parser's offsets are unknown scalars in its global subprograms).
	 */
	asm volatile("%0 &= %1" : "+r"(o) : "i"(PKT_MAX_OFF));
	data += o;
	if (data + n > end)
		return 0;
	return data;
}

static __always_inline __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/*
 * The parser is a set of global (non-inlined) subprograms. The verifier
 * checks each once, on its own, with unknown arguments, and a caller goes
 * on from a single state in which the callee's return value and *pi are
 * unknown. Inlined, every parse outcome (VLAN depth x IP version x
 * extension-header count x fragment flags x L4 protocol) carried its own
 * copy of the rest of the program through the verifier, which ran out of
 * its 1M-instruction budget (kernel 6.18). A global function's pointer
 * argument may be NULL for the verifier, hence the checks of pi.
 */

/* L4 header at off; the IP packet ends at end (<= frame length). */
__attribute__((noinline)) int tenet_parse_l4(struct xdp_md *ctx, struct pinfo *pi, __u32 off,
                                             __u32 end)
{
	__u32 room = end - off, hl;
	const __u8 *h;

	if (!pi)
		return R_TRUNC_L4;
	pi->payload_off = off;
	pi->payload_len = room;
	if ((pi->flags & (F_FRAG | F_FRAG_FIRST)) == F_FRAG)
		return R_OK;
	if (pi->proto == P_TCP) {
		if (room < TCP_HLEN)
			return R_TRUNC_L4;
		h = at(ctx, off, TCP_HLEN);
		if (!h)
			return R_TRUNC_L4;
		pi->sport = rd16(h);
		pi->dport = rd16(h + 2);
		hl = (__u32)(h[12] >> 4) * 4u;
		if (hl < TCP_HLEN || hl > room)
			return R_TRUNC_L4;
	} else if (pi->proto == P_UDP) {
		if (room < UDP_HLEN)
			return R_TRUNC_L4;
		h = at(ctx, off, UDP_HLEN);
		if (!h)
			return R_TRUNC_L4;
		pi->sport = rd16(h);
		pi->dport = rd16(h + 2);
		hl = UDP_HLEN;
	} else {
		return R_OK;
	}
	pi->payload_off = off + hl;
	pi->payload_len = room - hl;
	return R_OK;
}

__attribute__((noinline)) int tenet_parse_ipv4(struct xdp_md *ctx, struct pinfo *pi, __u32 off,
                                               __u32 len)
{
	__u32 room = len - off, ihl, tot;
	const __u8 *ip;
	__u16 frag;

	if (!pi)
		return R_TRUNC_L3;
	if (off > len || room < IPV4_HLEN)
		return R_TRUNC_L3;
	ip = at(ctx, off, IPV4_HLEN);
	if (!ip)
		return R_TRUNC_L3;
	if ((ip[0] >> 4) != 4)
		return R_BAD_VERSION;
	ihl = (__u32)(ip[0] & 0xf) * 4u;
	if (ihl < IPV4_HLEN || ihl > room)
		return R_BAD_IHL;
	pi->ipv = 4;
	pi->proto = ip[9];
	__builtin_memcpy(&pi->src[0], ip + 12, 4);
	__builtin_memcpy(&pi->dst[0], ip + 16, 4);
	frag = rd16(ip + 6);
	if (frag & 0x3fff) {
		pi->flags |= F_FRAG;
		if (!(frag & 0x1fff))
			pi->flags |= F_FRAG_FIRST;
	}
	tot = rd16(ip + 2);
	if (tot < ihl || tot > room)
		return R_BAD_IPLEN;
	return tenet_parse_l4(ctx, pi, off + ihl, off + tot);
}

/* Where an IPv6 extension-header walk stands (lib/pkt.c's loop state). */
struct ext_walk {
	__u32 p;   /* offset of the header nh names */
	__u32 end; /* end of the IPv6 payload */
	__u32 n;   /* extension headers passed so far */
	__u8 nh;   /* next-header value */
	__u8 flags;
	__u8 pad[2];
};

#define EXT_NEXT (-1) /* passed one extension header: call again */
#define EXT_L4   (-2) /* w->nh is the upper-layer protocol, at w->p */

/*
 * One step of the extension-header walk: EXT_L4 when w->nh is not an
 * extension header (or a non-first fragment header was just passed),
 * EXT_NEXT after passing one, R_BAD_EXTHDR when the chain is malformed or
 * longer than MAX_EXTHDR. A global subprogram so that the verifier walks
 * one step once instead of MAX_EXTHDR + 1 unrolled copies.
 */
__attribute__((noinline)) int tenet_parse_ext(struct xdp_md *ctx, struct ext_walk *w)
{
	__u32 hl, p, end;
	const __u8 *h;
	__u16 frag;
	__u8 nh;

	if (!w)
		return R_BAD_EXTHDR;
	p = w->p;
	end = w->end;
	nh = w->nh;
	if (nh == P_HOPOPTS) {
		if (w->n != 0)
			return R_BAD_EXTHDR;
	} else if (nh != P_ROUTING && nh != P_DSTOPTS && nh != P_AH && nh != P_FRAGMENT) {
		return EXT_L4;
	}
	if (w->n >= MAX_EXTHDR || p > end || end - p < EXT_MIN)
		return R_BAD_EXTHDR;
	h = at(ctx, p, EXT_MIN);
	if (!h)
		return R_BAD_EXTHDR;
	if (nh == P_FRAGMENT) {
		hl = EXT_MIN;
		frag = rd16(h + 2);
		if (frag & 0xfff9) {
			w->flags |= F_FRAG;
			if (!(frag & 0xfff8))
				w->flags |= F_FRAG_FIRST;
		}
	} else if (nh == P_AH) {
		hl = ((__u32)h[1] + 2) * 4u;
	} else {
		hl = ((__u32)h[1] + 1) * 8u;
	}
	if (hl > end - p)
		return R_BAD_EXTHDR;
	w->nh = h[0];
	w->p = p + hl;
	w->n++;
	if ((w->flags & (F_FRAG | F_FRAG_FIRST)) == F_FRAG)
		return EXT_L4;
	return EXT_NEXT;
}

__attribute__((noinline)) int tenet_parse_ipv6(struct xdp_md *ctx, struct pinfo *pi, __u32 off,
                                               __u32 len)
{
	struct ext_walk w = {};
	__u32 room = len - off, i;
	const __u8 *ip;
	int r;

	if (!pi)
		return R_TRUNC_L3;
	if (off > len || room < IPV6_HLEN)
		return R_TRUNC_L3;
	ip = at(ctx, off, IPV6_HLEN);
	if (!ip)
		return R_TRUNC_L3;
	if ((ip[0] >> 4) != 6)
		return R_BAD_VERSION;
	pi->ipv = 6;
	__builtin_memcpy(pi->src, ip + 8, 16);
	__builtin_memcpy(pi->dst, ip + 16 + 8, 16);
	pi->proto = ip[6];
	if (rd16(ip + 4) > room - IPV6_HLEN)
		return R_BAD_IPLEN;
	w.p = off + IPV6_HLEN;
	w.end = w.p + rd16(ip + 4);
	w.nh = ip[6];
	/* tenet_parse_ext ends the walk by MAX_EXTHDR + 1 steps; the bound is for the verifier */
	for (i = 0; i <= MAX_EXTHDR; i++) {
		r = tenet_parse_ext(ctx, &w);
		if (r == EXT_NEXT)
			continue;
		if (r != EXT_L4)
			return r;
		pi->proto = w.nh;
		pi->flags |= w.flags;
		return tenet_parse_l4(ctx, pi, w.p, w.end);
	}
	return R_BAD_EXTHDR;
}

__attribute__((noinline)) int tenet_parse(struct xdp_md *ctx, struct pinfo *pi)
{
	__u32 len;
	__u32 off = ETH_HLEN;
	const __u8 *eth;
	__u16 et;

	if (!pi)
		return R_TRUNC_L2;
	len = (__u32)(ctx->data_end - ctx->data);
	eth = at(ctx, 0, ETH_HLEN);
	if (!eth)
		return R_TRUNC_L2;
	et = rd16(eth + 12);
	if (et == ETH_P_8021Q || et == ETH_P_8021AD) {
		const __u8 *v = at(ctx, ETH_HLEN, VLAN_HLEN);

		if (!v)
			return R_TRUNC_L2;
		pi->vlan = rd16(v) & 0x0fff;
		et = rd16(v + 2);
		off += VLAN_HLEN;
		if (et == ETH_P_8021Q) {
			v = at(ctx, ETH_HLEN + VLAN_HLEN, VLAN_HLEN);
			if (!v)
				return R_TRUNC_L2;
			et = rd16(v + 2);
			off += VLAN_HLEN;
		}
	}
	if (et == ETH_P_IP)
		return tenet_parse_ipv4(ctx, pi, off, len);
	if (et == ETH_P_IPV6)
		return tenet_parse_ipv6(ctx, pi, off, len);
	return R_NON_IP;
}

/* ---- rule table ---- */

struct cls {
	__u64 src[2], dst[2];
	__u32 base, nb;
	__s32 in_port;
	__u16 sport, dport, vlan;
	__u8 ipv, proto, has_ip, has_ports;
	__u8 found;
	__u16 tenant;
};

static __always_inline int rule_ok(const struct tenet_xdp_rule *r, const struct cls *c)
{
	__u8 f = r->flags;

	if ((f & TENET_XDP_R_NEED_IP) && !c->has_ip)
		return 0;
	if ((f & TENET_XDP_R_NEED_PORTS) && !c->has_ports)
		return 0;
	if (r->family && r->family != c->ipv)
		return 0;
	if ((f & TENET_XDP_R_PROTO) && r->proto != c->proto)
		return 0;
	if ((f & TENET_XDP_R_VLAN) && r->vlan != c->vlan)
		return 0;
	if ((f & TENET_XDP_R_INPORT) && r->in_port != c->in_port)
		return 0;
	if (((c->src[0] & r->smask[0]) ^ r->src[0]) | ((c->src[1] & r->smask[1]) ^ r->src[1]) |
	    ((c->dst[0] & r->dmask[0]) ^ r->dst[0]) | ((c->dst[1] & r->dmask[1]) ^ r->dst[1]))
		return 0;
	return c->sport >= r->sport_lo && c->sport <= r->sport_hi && c->dport >= r->dport_lo &&
	       c->dport <= r->dport_hi;
}

static long cls_fn(__u32 i, void *arg)
{
	struct cls *c = arg;
	const struct tenet_xdp_rule *r;
	__u32 k;

	if (i >= c->nb || i >= TENET_XDP_MAX_RULES)
		return 1;
	k = c->base + i;
	r = bpf_map_lookup_elem(&tnt_rules, &k);
	if (!r)
		return 1;
	if (!rule_ok(r, c))
		return 0;
	c->found = 1;
	c->tenant = r->tenant;
	return 1;
}

/* ---- payload scan ---- */

struct scan_loop {
	const struct tenet_nicscan_prog *prog;
	const __u8 *buf; /* scratch, TENET_XDP_SCRATCH bytes */
	__u32 len;       /* payload bytes in buf, 1..TENET_NICSCAN_MAX_PAYLOAD */
	__u32 hits;
	__u32 first_drop;
};

static long scan_fn(__u32 off, void *arg)
{
	struct scan_loop *l = arg;
	__u64 w[TENET_NICSCAN_WORDS];
	__u32 len = l->len, avail;

	if (off >= len || off >= TENET_NICSCAN_MAX_PAYLOAD || len > TENET_NICSCAN_MAX_PAYLOAD)
		return 1;
	/*
	 * off < 1500; the mask shows the verifier a bound on the register it
	 * adds (0..2047), and a window of 32 bytes from there stays inside
	 * the scratch value (TENET_XDP_SCRATCH).
	 */
	asm volatile("%0 &= 0x7ff" : "+r"(off));
	/*
	 * The scratch value holds 32 bytes past any payload offset, so the
	 * window is four plain loads; its bytes past the payload are stale and
	 * never decide a hit (tenet_nicscan_hits). The byte-wise tail of
	 * tenet_nicscan_window would give the verifier 33 window lengths to
	 * walk the pattern loop with.
	 */
	__builtin_memcpy(w, l->buf + off, sizeof(w));
	avail = len - off;
	if (avail > TENET_NICSCAN_MAX_LEN)
		avail = TENET_NICSCAN_MAX_LEN;
	l->hits |= tenet_nicscan_hits(l->prog, w, avail);
	return (l->hits & l->first_drop) ? 1 : 0;
}

/*
 * Scan the payload; returns the verdict, or -1 when the NIC cannot decide
 * (payload longer than TENET_NICSCAN_MAX_PAYLOAD, scratch unavailable).
 */
__attribute__((noinline)) int tenet_scan(struct xdp_md *ctx, __u32 half, __u32 payload_off,
                                         __u32 payload_len)
{
	const struct tenet_nicscan_prog *prog;
	struct tenet_scan_result res;
	struct scan_loop l = {};
	__u32 zero = 0;
	__u64 n = payload_len;
	struct scratch *s;

	prog = bpf_map_lookup_elem(&tnt_scan, &half);
	if (!prog)
		return -1;

	if (n > TENET_NICSCAN_MAX_PAYLOAD)
		return -1;
	if (n == 0)
		return tenet_nicscan_decide(prog, 0, &res);
	s = bpf_map_lookup_elem(&tnt_scratch, &zero);
	if (!s)
		return -1;
	/* the verifier must see the bound on the very register passed as length */
	asm volatile("%0 &= 0x7ff" : "+r"(n));
	if (n == 0 || n > TENET_NICSCAN_MAX_PAYLOAD)
		return -1;
	if (bpf_xdp_load_bytes(ctx, payload_off, s->b, n) < 0)
		return -1;
	l.prog = prog;
	l.buf = s->b;
	l.len = (__u32)n;
	l.first_drop = prog->drop_mask & (~prog->drop_mask + 1);
	bpf_loop(TENET_NICSCAN_MAX_PAYLOAD, scan_fn, &l, 0);
	return tenet_nicscan_decide(prog, l.hits, &res);
}

static __always_inline int bounce(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;
	__u8 *end = (__u8 *)(long)ctx->data_end;
	__u8 tmp[6];

	if (data + ETH_HLEN > end)
		return XDP_DROP;
	__builtin_memcpy(tmp, data, 6);
	__builtin_memcpy(data, data + 6, 6);
	__builtin_memcpy(data + 6, tmp, 6);
	return XDP_TX;
}

SEC("xdp")
int tenet_classify(struct xdp_md *ctx)
{
	const struct tenet_xdp_hdr *hdr;
	struct pinfo pi = {};
	struct cls c = {};
	__u32 zero = 0, half, *act, tenant;
	int r;

	r = tenet_parse(ctx, &pi);
	count((__u32)r);
	if (r != R_OK && r != R_NON_IP)
		return XDP_DROP;

	act = bpf_map_lookup_elem(&tnt_active, &zero);
	if (!act)
		return XDP_DROP;
	half = *act & 1;
	hdr = bpf_map_lookup_elem(&tnt_hdr, &half);
	if (!hdr || hdr->magic != TENET_XDP_MAGIC) {
		count(TENET_XDP_CNT_NO_RULE);
		return XDP_DROP;
	}

	__builtin_memcpy(c.src, pi.src, sizeof(c.src));
	__builtin_memcpy(c.dst, pi.dst, sizeof(c.dst));
	c.base = half * TENET_XDP_MAX_RULES;
	c.nb = hdr->nb_rules;
	c.in_port = hdr->in_port;
	c.sport = pi.sport;
	c.dport = pi.dport;
	c.vlan = pi.vlan;
	c.ipv = pi.ipv;
	c.proto = pi.proto;
	c.has_ip = pi.ipv != 0;
	c.has_ports = c.has_ip && (pi.proto == P_TCP || pi.proto == P_UDP) &&
	              (pi.flags & (F_FRAG | F_FRAG_FIRST)) != F_FRAG;
	if (c.nb > TENET_XDP_MAX_RULES)
		c.nb = TENET_XDP_MAX_RULES;
	if (c.nb)
		bpf_loop(c.nb, cls_fn, &c, 0);

	if (c.found) {
		tenant = c.tenant;
	} else if (hdr->dflt == TENET_XDP_DFLT_TENANT) {
		tenant = hdr->dflt_tenant;
	} else if (hdr->dflt == TENET_XDP_DFLT_PASS) {
		count(TENET_XDP_CNT_MISS_PASS);
		return XDP_PASS;
	} else {
		count(TENET_XDP_CNT_NO_RULE);
		return XDP_DROP;
	}
	if (tenant >= TENET_XDP_MAX_TENANTS) {
		count(TENET_XDP_CNT_REDIRECT_ERR);
		return XDP_DROP;
	}

	if (r == R_OK && hdr->scan_action != TENET_XDP_SCAN_OFF &&
	    ((hdr->scan_tenants >> tenant) & 1)) {
		int v = tenet_scan(ctx, half, pi.payload_off, pi.payload_len);

		if (v < 0) {
			count(TENET_XDP_CNT_SCAN_HOST);
		} else {
			count(TENET_XDP_CNT_SCANNED);
			if (v == TENET_SCAN_DROP) {
				if (hdr->scan_action == TENET_XDP_SCAN_BOUNCE) {
					count(TENET_XDP_CNT_SCAN_BOUNCE);
					return bounce(ctx);
				}
				if (hdr->scan_action == TENET_XDP_SCAN_PASS) {
					count(TENET_XDP_CNT_SCAN_PASS);
					return XDP_PASS;
				}
				count(TENET_XDP_CNT_SCAN_DROP);
				return XDP_DROP;
			}
			if (v == TENET_SCAN_TAG)
				count(TENET_XDP_CNT_SCAN_TAG);
		}
	}

	if (hdr->steer == TENET_XDP_STEER_XSKMAP) {
		__u32 q = hdr->queue[tenant & (TENET_XDP_MAX_TENANTS - 1)];

		if (q != TENET_XDP_ANY_QUEUE && q != ctx->rx_queue_index) {
			count(TENET_XDP_CNT_REDIRECT_ERR);
			return XDP_DROP;
		}
		r = (int)bpf_redirect_map(&tnt_xsks, tenant, 0);
	} else {
		r = (int)bpf_redirect_map(&tnt_devmap, tenant, 0);
	}
	if (r != XDP_REDIRECT) {
		count(TENET_XDP_CNT_REDIRECT_ERR);
		return XDP_DROP;
	}
	count(TENET_XDP_CNT_REDIRECTED);
	count(TENET_XDP_CNT_TENANT + tenant);
	return XDP_REDIRECT;
}

/* For the per-tenant veths of a DEVMAP setup: veth takes redirected frames
 * only when its peer runs an XDP program; this one hands them to the stack. */
SEC("xdp")
int tenet_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}
