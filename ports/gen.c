/*
 * gen: the built-in traffic generator, a software NIC that receives
 * synthetic traffic. No root, no interface, reproducible from a seed.
 *
 * At open the flow groups of the config become a flow table: 'count'
 * distinct 5-tuples per group drawn from its address prefixes and port
 * ranges, each with a precomputed header template (Ethernet, optional
 * VLAN, IPv4 or IPv6, UDP or TCP) and partial checksums. rx then only
 * copies a template into a staging buffer, writes the payload stamp
 * (ports/stamp.h), maybe a pattern, and patches lengths and checksums.
 * The stamp's time is when the frame arrived on the wire (a paced port:
 * pace_age_ns), not when the NIC stage took it from the receive ring.
 *
 * Frame sizes in the config include the 4-byte FCS, which a software port
 * does not carry: size 64 gives a 60-byte frame. A frame whose headers and
 * stamp do not fit the size (IPv6/TCP at 64 B) is made just long enough.
 * The payload after the stamp is zero except for a placed pattern; staging
 * buffers remember how far they were written, so rx clears only that.
 * Consumers must treat rx frames as read-only.
 *
 * Checksums: IPv4 header always; TCP always; UDP over IPv6 always; UDP
 * over IPv4 is left 0 (allowed by RFC 768), which saves work per frame.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "ports/gen.h"
#include "ports/pace.h"
#include "ports/port.h"
#include "ports/stamp.h"

#define GEN_HDR_MAX   96  /* template bytes copied per frame; headers are at most 78 */
#define GEN_STAGING   256 /* frames per rx call at most */
#define GEN_BUF_SIZE  2048
#define GEN_MAX_FLOWS (1u << 20)
#define GEN_MIN_FRAME 60   /* 64 B on the wire */
#define GEN_MAX_SIZE  1522 /* on the wire, incl. FCS: a VLAN-tagged full frame */

/* every frame is written whole into its staging buffer, never past it */
_Static_assert(GEN_MAX_SIZE - 4 <= GEN_BUF_SIZE && GEN_HDR_MAX <= GEN_BUF_SIZE,
               "a generated frame fits its staging buffer");

struct gen_flow {
	uint8_t hdr[GEN_HDR_MAX]; /* template, zero past hdr_len */
	uint64_t seq;             /* next sequence number */
	uint32_t ip_sum;          /* IPv4 header sum without total length and checksum */
	uint32_t l4_sum;          /* pseudo-header addresses + proto + static L4 words */
	uint16_t min_len;         /* headers + stamp, at least GEN_MIN_FRAME */
	uint8_t hdr_len, l3_off, l4_off, group;
	bool v6, tcp, l4_csum;
} __attribute__((aligned(64)));

struct gen_pattern {
	uint8_t bytes[CFG_PATTERN_MAX];
	uint32_t len;
	uint32_t sum; /* folded sum as if placed at an even offset */
};

struct gen {
	struct gen_flow *flows;
	uint32_t nb_flows;
	uint32_t flow_base; /* STAMP_FLOW(port index, 0) */
	unsigned int nb_groups;
	uint32_t group_first[CFG_MAX_FLOWS], group_count[CFG_MAX_FLOWS];
	uint64_t alias_prob[CFG_MAX_FLOWS]; /* coin < prob: keep column, else alias */
	uint8_t alias[CFG_MAX_FLOWS];
	uint16_t size_tab[CFG_MAX_SIZES > 12 ? CFG_MAX_SIZES : 12]; /* frame lengths, no FCS */
	unsigned int nb_sizes;
	struct gen_pattern *patterns;
	unsigned int nb_patterns;
	uint64_t pattern_thresh; /* 32-bit coin < thresh: place a pattern */
	uint8_t *staging;
	uint16_t dirty[GEN_STAGING]; /* bytes from here on are zero */
	uint64_t rng;
	struct pace pace;
	/* counters: written by the port thread, read by anyone */
	uint64_t packets, bytes, with_pattern, pattern_no_fit;
	uint64_t group_packets[CFG_MAX_FLOWS];
};

static inline void ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}

static inline uint64_t ctr_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* splitmix64: fast, good enough for traffic, and trivially seeded. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Uniform in [0, n) from 32 random bits. */
static inline uint32_t pick32(uint32_t r, uint32_t n)
{
	return (uint32_t)(((uint64_t)r * n) >> 32);
}

static inline uint32_t sum16(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static inline uint16_t fold16(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* ---- flow table ---------------------------------------------------------------------------- */

/* out = (base masked to plen) | host, for an address of alen bytes. */
static void addr_make(uint8_t *out, const uint8_t *base, unsigned int alen, unsigned int plen,
                      unsigned __int128 host)
{
	for (unsigned int i = 0; i < alen; i++) {
		unsigned int shift = (alen - 1 - i) * 8;
		int pb = (int)plen - (int)i * 8;
		uint8_t nm, hb = (uint8_t)(host >> shift);

		pb = pb < 0 ? 0 : pb > 8 ? 8 : pb;
		nm = (uint8_t)(0xff00u >> pb);
		out[i] = (uint8_t)((base[i] & nm) | (hb & (uint8_t)~nm));
	}
}

static unsigned __int128 rand_bits(uint64_t *rng, unsigned int bits)
{
	unsigned __int128 v = ((unsigned __int128)rng_next(rng) << 64) | rng_next(rng);

	if (bits >= 128)
		return v;
	return v & (((unsigned __int128)1 << bits) - 1);
}

/* A set of u64 for Floyd's sampling: open addressing, stores v + 1. */
struct u64set {
	uint64_t *slot;
	uint64_t mask;
};

static int u64set_init(struct u64set *s, uint64_t n)
{
	uint64_t cap = 16;

	while (cap < 2 * n)
		cap <<= 1;
	s->slot = calloc(cap, sizeof(*s->slot));
	s->mask = cap - 1;
	return s->slot ? 0 : -ENOMEM;
}

/* Insert v; false if it was there already. */
static bool u64set_add(struct u64set *s, uint64_t v)
{
	uint64_t h = (v * UINT64_C(0x9e3779b97f4a7c15)) >> 20;

	for (;; h++) {
		uint64_t *e = &s->slot[h & s->mask];

		if (*e == v + 1)
			return false;
		if (!*e) {
			*e = v + 1;
			return true;
		}
	}
}

static void build_template(struct gen_flow *fl, const struct cfg_gen_flow *c, const uint8_t *src,
                           const uint8_t *dst, uint16_t sport, uint16_t dport)
{
	static const uint8_t mac_dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
	static const uint8_t mac_src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	uint8_t *h = fl->hdr;
	unsigned int off = 12, alen = fl->v6 ? 16 : 4;
	uint8_t *l3, *l4;

	memset(h, 0, sizeof(fl->hdr));
	memcpy(h, mac_dst, 6);
	memcpy(h + 6, mac_src, 6);
	if (c->vlan) {
		put_be16(h + off, 0x8100);
		put_be16(h + off + 2, c->vlan & 0x0fff);
		off += 4;
	}
	put_be16(h + off, fl->v6 ? 0x86dd : 0x0800);
	fl->l3_off = (uint8_t)(off + 2);
	l3 = h + fl->l3_off;
	if (fl->v6) {
		l3[0] = 0x60;
		l3[6] = c->proto;
		l3[7] = 64;
		memcpy(l3 + 8, src, 16);
		memcpy(l3 + 24, dst, 16);
		fl->l4_off = (uint8_t)(fl->l3_off + 40);
	} else {
		l3[0] = 0x45;
		put_be16(l3 + 6, 0x4000); /* DF */
		l3[8] = 64;
		l3[9] = c->proto;
		memcpy(l3 + 12, src, 4);
		memcpy(l3 + 16, dst, 4);
		fl->ip_sum = sum16(l3, 20);
		fl->l4_off = (uint8_t)(fl->l3_off + 20);
	}
	l4 = h + fl->l4_off;
	put_be16(l4, sport);
	put_be16(l4 + 2, dport);
	if (fl->tcp) {
		l4[7] = 1;     /* seq 1 */
		l4[12] = 0x50; /* data offset 5 */
		l4[13] = 0x18; /* PSH ACK */
		put_be16(l4 + 14, 0xffff);
		fl->hdr_len = (uint8_t)(fl->l4_off + 20);
	} else {
		fl->hdr_len = (uint8_t)(fl->l4_off + 8);
	}
	fl->l4_csum = fl->tcp || fl->v6;
	fl->l4_sum = sum16(src, alen) + sum16(dst, alen) + c->proto +
	             sum16(l4, (size_t)(fl->hdr_len - fl->l4_off));
	fl->min_len = (uint16_t)(fl->hdr_len + STAMP_LEN);
	if (fl->min_len < GEN_MIN_FRAME)
		fl->min_len = GEN_MIN_FRAME;
}

static unsigned int bits_of(uint64_t n)
{
	unsigned int b = 0;

	while (b < 64 && (UINT64_C(1) << b) < n)
		b++;
	return b;
}

static int build_group(struct gen *g, unsigned int gi, const struct cfg_gen_flow *c0,
                       struct gen_flow *out, char *err, size_t errlen)
{
	struct cfg_gen_flow c = *c0;
	unsigned int alen, src_hb, dst_hb;
	uint64_t nsp, ndp, space = 0;
	bool exact;
	struct u64set set = {0};

	if (!c.family)
		c.family = 4;
	if (!c.proto)
		c.proto = 17;
	if (c.sport_hi < c.sport_lo)
		c.sport_hi = c.sport_lo;
	if (c.dport_hi < c.dport_lo)
		c.dport_hi = c.dport_lo;
	if (c.family != 4 && c.family != 6) {
		tenet_err(err, errlen, "gen flow group %u: family %u, expected 4 or 6", gi,
		          c.family);
		return -EINVAL;
	}
	if (c.proto != 6 && c.proto != 17) {
		tenet_err(err, errlen,
		          "gen flow group %u: protocol %u, expected 6 (tcp) or 17 (udp)", gi,
		          c.proto);
		return -EINVAL;
	}
	alen = c.family == 4 ? 4 : 16;
	if (c.src_plen > alen * 8 || c.dst_plen > alen * 8) {
		tenet_err(err, errlen, "gen flow group %u: prefix length above %u", gi, alen * 8);
		return -EINVAL;
	}
	src_hb = alen * 8 - c.src_plen;
	dst_hb = alen * 8 - c.dst_plen;
	nsp = (uint64_t)c.sport_hi - c.sport_lo + 1;
	ndp = (uint64_t)c.dport_hi - c.dport_lo + 1;
	exact = src_hb + dst_hb + bits_of(nsp) + bits_of(ndp) <= 62;
	if (exact) {
		space = (UINT64_C(1) << src_hb) * (UINT64_C(1) << dst_hb) * nsp * ndp;
		if (c.count > space) {
			tenet_err(err, errlen,
			          "gen flow group %u: count %u exceeds the %llu distinct flows of "
			          "its "
			          "address and port ranges",
			          gi, c.count, (unsigned long long)space);
			return -EINVAL;
		}
		if (u64set_init(&set, c.count) < 0) {
			tenet_err(err, errlen, "gen: out of memory for the flow table");
			return -ENOMEM;
		}
	}
	/*
	 * Exact space: Floyd's algorithm draws 'count' distinct tuple indices
	 * (mixed radix: sport, dport, src host, dst host). Huge space: draw
	 * each field at random; a collision is then vanishingly unlikely.
	 */
	for (uint32_t i = 0; i < c.count; i++) {
		struct gen_flow *fl = &out[i];
		unsigned __int128 sh, dh;
		uint64_t sp, dp;
		uint8_t src[16], dst[16];

		memset(fl, 0, sizeof(*fl));
		if (exact) {
			uint64_t j = space - c.count + i;
			uint64_t k =
			        (uint64_t)(((unsigned __int128)rng_next(&g->rng) * (j + 1)) >> 64);

			if (!u64set_add(&set, k)) {
				k = j;
				u64set_add(&set, k);
			}
			sp = k % nsp;
			k /= nsp;
			dp = k % ndp;
			k /= ndp;
			sh = k & ((UINT64_C(1) << src_hb) - 1);
			dh = k >> src_hb;
		} else {
			sh = rand_bits(&g->rng, src_hb);
			dh = rand_bits(&g->rng, dst_hb);
			sp = pick32((uint32_t)rng_next(&g->rng), (uint32_t)nsp);
			dp = pick32((uint32_t)rng_next(&g->rng), (uint32_t)ndp);
		}
		addr_make(src, c.src, alen, c.src_plen, sh);
		addr_make(dst, c.dst, alen, c.dst_plen, dh);
		fl->v6 = c.family == 6;
		fl->tcp = c.proto == 6;
		fl->group = (uint8_t)gi;
		build_template(fl, &c, src, dst, (uint16_t)(c.sport_lo + sp),
		               (uint16_t)(c.dport_lo + dp));
	}
	free(set.slot);
	return 0;
}

/* Vose's alias method over the group weights: one random word picks a group. */
static int build_alias(struct gen *g, const uint32_t *w, char *err, size_t errlen)
{
	unsigned int n = g->nb_groups, small[CFG_MAX_FLOWS], large[CFG_MAX_FLOWS], ns = 0, nl = 0;
	double p[CFG_MAX_FLOWS], total = 0;

	for (unsigned int i = 0; i < n; i++)
		total += w[i];
	if (total <= 0) {
		tenet_err(err, errlen, "gen: every flow group has weight 0");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		p[i] = w[i] * n / total;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
		g->alias[i] = (uint8_t)i;
	}
	while (ns && nl) {
		unsigned int s = small[--ns], l = large[nl - 1];

		g->alias_prob[s] = (uint64_t)(p[s] * 4294967296.0);
		g->alias[s] = (uint8_t)l;
		p[l] -= 1.0 - p[s];
		if (p[l] < 1.0) {
			nl--;
			small[ns++] = l;
		}
	}
	while (nl)
		g->alias_prob[large[--nl]] = UINT64_C(1) << 32;
	while (ns)
		g->alias_prob[small[--ns]] = UINT64_C(1) << 32; /* rounding leftovers */
	return 0;
}

static int build_sizes(struct gen *g, const struct cfg_gen *c, char *err, size_t errlen)
{
	static const uint16_t imix[12] = {64, 64, 64, 64, 64, 64, 64, 570, 570, 570, 570, 1518};
	const uint16_t *s = c->sizes;
	unsigned int n = c->nb_sizes;
	static const uint16_t dflt = 64;

	if (c->imix) {
		s = imix;
		n = 12;
	} else if (n == 0) {
		s = &dflt;
		n = 1;
	} else if (n > CFG_MAX_SIZES) {
		tenet_err(err, errlen, "gen: %u sizes, at most %u", n, CFG_MAX_SIZES);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (s[i] < GEN_MIN_FRAME || s[i] > GEN_MAX_SIZE) {
			tenet_err(err, errlen, "gen: frame size %u outside %u..%u", s[i],
			          GEN_MIN_FRAME, GEN_MAX_SIZE);
			return -EINVAL;
		}
		g->size_tab[i] = (uint16_t)(s[i] - 4 < GEN_MIN_FRAME ? GEN_MIN_FRAME : s[i] - 4);
	}
	g->nb_sizes = n;
	return 0;
}

static int build_patterns(struct gen *g, const struct cfg_gen *c, char *err, size_t errlen)
{
	double frac = c->pattern_fraction;

	if (frac < 0 || frac > 1) {
		tenet_err(err, errlen, "gen: pattern_fraction %g outside 0..1", frac);
		return -EINVAL;
	}
	if (c->nb_patterns > CFG_MAX_PATTERNS) {
		tenet_err(err, errlen, "gen: %u patterns, at most %u", c->nb_patterns,
		          CFG_MAX_PATTERNS);
		return -EINVAL;
	}
	if (!c->nb_patterns || frac == 0)
		return 0;
	g->patterns = calloc(c->nb_patterns, sizeof(*g->patterns));
	if (!g->patterns) {
		tenet_err(err, errlen, "gen: out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < c->nb_patterns; i++) {
		struct gen_pattern *pt = &g->patterns[i];

		pt->len = (uint32_t)strnlen(c->patterns[i], CFG_PATTERN_MAX);
		if (!pt->len) {
			tenet_err(err, errlen, "gen: pattern %u is empty", i);
			return -EINVAL;
		}
		memcpy(pt->bytes, c->patterns[i], pt->len);
		pt->sum = fold16(sum16(pt->bytes, pt->len));
	}
	g->nb_patterns = c->nb_patterns;
	g->pattern_thresh = (uint64_t)(frac * 4294967296.0);
	return 0;
}

static void gen_close(struct port *p)
{
	struct gen *g = p->priv;

	if (!g)
		return;
	free(g->flows);
	free(g->patterns);
	free(g->staging);
	free(g);
	p->priv = NULL;
}

static int gen_open(struct port *p, const struct cfg_port *cfg, char *err, size_t errlen)
{
	static const struct cfg_gen_flow dflt_flow = {
	        .family = 4,
	        .src = {10, 0, 0, 1},
	        .dst = {10, 0, 0, 2},
	        .src_plen = 32,
	        .dst_plen = 32,
	        .proto = 17,
	        .sport_lo = 1024,
	        .sport_hi = 1024,
	        .dport_lo = 1024,
	        .dport_hi = 1024,
	        .count = 1,
	        .weight = 1,
	};
	const struct cfg_gen *c = &cfg->gen;
	const struct cfg_gen_flow *groups = c->flows;
	unsigned int nb_groups = c->nb_flows;
	uint32_t weights[CFG_MAX_FLOWS];
	uint64_t total = 0;
	struct gen *g;
	int ret;

	if (nb_groups > CFG_MAX_FLOWS) {
		tenet_err(err, errlen, "gen: %u flow groups, at most %u", nb_groups, CFG_MAX_FLOWS);
		return -EINVAL;
	}
	if (p->index >= (1u << (32 - STAMP_FLOW_BITS))) {
		tenet_err(err, errlen, "gen: port index %u too large for the stamp", p->index);
		return -EINVAL;
	}
	if (!nb_groups) {
		groups = &dflt_flow;
		nb_groups = 1;
	}
	for (unsigned int i = 0; i < nb_groups; i++)
		total += groups[i].count ? groups[i].count : 1;
	if (total > GEN_MAX_FLOWS) {
		tenet_err(err, errlen, "gen: %llu flows in all, at most %u",
		          (unsigned long long)total, GEN_MAX_FLOWS);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		tenet_err(err, errlen, "gen: out of memory");
		return -ENOMEM;
	}
	p->priv = g;
	g->rng = c->seed;
	g->nb_groups = nb_groups;
	g->nb_flows = (uint32_t)total;
	g->flow_base = STAMP_FLOW(p->index, 0);
	g->flows = aligned_alloc(64, total * sizeof(*g->flows));
	g->staging = aligned_alloc(64, (size_t)GEN_STAGING * GEN_BUF_SIZE);
	if (!g->flows || !g->staging) {
		tenet_err(err, errlen, "gen: out of memory for %llu flows",
		          (unsigned long long)total);
		ret = -ENOMEM;
		goto err_close;
	}
	memset(g->staging, 0, (size_t)GEN_STAGING * GEN_BUF_SIZE);
	for (unsigned int i = 0; i < GEN_STAGING; i++)
		g->dirty[i] = 0;

	total = 0;
	for (unsigned int i = 0; i < nb_groups; i++) {
		struct cfg_gen_flow one = groups[i];

		if (!one.count)
			one.count = 1;
		g->group_first[i] = (uint32_t)total;
		g->group_count[i] = one.count;
		weights[i] = one.weight;
		ret = build_group(g, i, &one, g->flows + total, err, errlen);
		if (ret < 0)
			goto err_close;
		total += one.count;
	}
	ret = build_alias(g, weights, err, errlen);
	if (ret < 0)
		goto err_close;
	ret = build_sizes(g, c, err, errlen);
	if (ret < 0)
		goto err_close;
	ret = build_patterns(g, c, err, errlen);
	if (ret < 0)
		goto err_close;
	pace_init(&g->pace, c->rate_pps, c->count, c->duration);
	p->on_demand = g->pace.rate == 0;
	return 0;

err_close:
	gen_close(p);
	return ret;
}

/* ---- fast path ----------------------------------------------------------------------------- */

static inline unsigned int gen_one(struct gen *g, uint8_t *buf, uint16_t *dirty, uint64_t now,
                                   unsigned int *group)
{
	uint64_t r1 = rng_next(&g->rng), r2 = rng_next(&g->rng);
	unsigned int gi = 0, len;
	uint32_t fi;
	struct gen_flow *fl;
	uint64_t l4sum = 0;
	uint8_t *l3, *l4;

	if (g->nb_groups > 1) {
		gi = pick32((uint32_t)r1, g->nb_groups);
		if ((r1 >> 32) >= g->alias_prob[gi])
			gi = g->alias[gi];
	}
	fi = g->group_first[gi] + pick32((uint32_t)r2, g->group_count[gi]);
	fl = &g->flows[fi];
	len = g->size_tab[g->nb_sizes > 1 ? pick32((uint32_t)(r2 >> 32), g->nb_sizes) : 0];
	if (len < fl->min_len)
		len = fl->min_len;

	memcpy(buf, fl->hdr, GEN_HDR_MAX);
	if (*dirty > GEN_HDR_MAX)
		memset(buf + GEN_HDR_MAX, 0, *dirty - GEN_HDR_MAX);
	*dirty = GEN_HDR_MAX;
	stamp_write(buf + fl->hdr_len, g->flow_base + fi, fl->seq++, now);

	if (g->pattern_thresh) {
		uint64_t r3 = rng_next(&g->rng);

		if ((uint32_t)r3 < g->pattern_thresh) {
			unsigned int pi = g->nb_patterns > 1 ? pick32((uint32_t)rng_next(&g->rng),
			                                              g->nb_patterns)
			                                     : 0;
			const struct gen_pattern *pt = &g->patterns[pi];
			unsigned int start = fl->hdr_len + STAMP_LEN;
			unsigned int avail = len - start, off;

			if (pt->len <= avail) {
				off = start + pick32((uint32_t)(r3 >> 32), avail - pt->len + 1);
				memcpy(buf + off, pt->bytes, pt->len);
				if (off + pt->len > *dirty)
					*dirty = (uint16_t)(off + pt->len);
				/* a sum at an odd offset is the byte-swapped sum */
				l4sum = (off - fl->l4_off) & 1
				                ? (uint16_t)(pt->sum << 8 | pt->sum >> 8)
				                : pt->sum;
				ctr_add(&g->with_pattern, 1);
			} else {
				ctr_add(&g->pattern_no_fit, 1);
			}
		}
	}

	l3 = buf + fl->l3_off;
	l4 = buf + fl->l4_off;
	if (fl->v6) {
		put_be16(l3 + 4, (uint16_t)(len - fl->l4_off));
	} else {
		uint16_t tot = (uint16_t)(len - fl->l3_off);

		put_be16(l3 + 2, tot);
		put_be16(l3 + 10, (uint16_t)~fold16(fl->ip_sum + tot));
	}
	if (!fl->tcp)
		put_be16(l4 + 4, (uint16_t)(len - fl->l4_off));
	if (fl->l4_csum) {
		uint16_t l4len = (uint16_t)(len - fl->l4_off), cs;

		l4sum += fl->l4_sum + l4len + (fl->tcp ? 0 : l4len) +
		         sum16(buf + fl->hdr_len, STAMP_LEN);
		cs = (uint16_t)~fold16(l4sum);
		if (!cs && !fl->tcp)
			cs = 0xffff;
		put_be16(l4 + (fl->tcp ? 16 : 6), cs);
	}
	*group = gi;
	return len;
}

static int gen_rx(struct port *p, struct tenet_frame *f, unsigned int n)
{
	struct gen *g = p->priv;
	uint64_t now = stamp_now_ns(), bytes = 0, age0, step;
	uint32_t per_group[CFG_MAX_FLOWS] = {0};
	int k;

	if (n > GEN_STAGING)
		n = GEN_STAGING;
	k = pace_take(&g->pace, now, n);
	if (k <= 0)
		return k;
	/* stamped with its arrival: the wait in the receive ring counts;
	 * frames arrived one frame time apart, oldest first (per burst: no
	 * division per frame) */
	age0 = pace_age_ns(&g->pace, now, (unsigned int)k, 0);
	step = k > 1 ? (age0 - pace_age_ns(&g->pace, now, (unsigned int)k, (unsigned int)k - 1)) /
	                       (uint64_t)(k - 1)
	             : 0;
	for (int i = 0; i < k; i++) {
		uint8_t *buf = g->staging + (size_t)i * GEN_BUF_SIZE;
		unsigned int gi,
		        len = gen_one(g, buf, &g->dirty[i], now - age0 + (uint64_t)i * step, &gi);

		f[i].data = buf;
		f[i].len = (uint16_t)len;
		f[i].tenant = 0;
		bytes += len;
		per_group[gi]++;
	}
	pace_commit(&g->pace, (unsigned int)k, (unsigned int)k);
	ctr_add(&g->packets, (uint64_t)k);
	ctr_add(&g->bytes, bytes);
	for (unsigned int i = 0; i < g->nb_groups; i++)
		if (per_group[i])
			ctr_add(&g->group_packets[i], per_group[i]);
	return k;
}

static uint64_t gen_rx_missed(struct port *p)
{
	return ((struct gen *)p->priv)->pace.missed;
}

static void gen_report_json(struct port *p, FILE *out)
{
	struct gen *g = p->priv;

	fprintf(out,
	        "\"packets\": %llu, \"bytes\": %llu, \"flows\": %u, \"with_pattern\": %llu, "
	        "\"pattern_no_fit\": %llu, \"groups\": [",
	        (unsigned long long)ctr_get(&g->packets), (unsigned long long)ctr_get(&g->bytes),
	        g->nb_flows, (unsigned long long)ctr_get(&g->with_pattern),
	        (unsigned long long)ctr_get(&g->pattern_no_fit));
	for (unsigned int i = 0; i < g->nb_groups; i++)
		fprintf(out, "%s%llu", i ? ", " : "",
		        (unsigned long long)ctr_get(&g->group_packets[i]));
	fprintf(out, "]");
}

const struct port_driver port_gen = {
        .name = "gen",
        .keys = port_gen_keys,
        .parse = port_gen_parse,
        .max_frame = port_gen_max_frame,
        .open = gen_open,
        .close = gen_close,
        .rx = gen_rx,
        .rx_missed = gen_rx_missed,
        .tx = NULL,
        .report_json = gen_report_json,
};
