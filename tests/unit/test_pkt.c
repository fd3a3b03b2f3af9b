/*
 * Unit tests for lib/pkt.c: hand-built frames for every header layout the
 * parser knows, every truncation length of two valid frames (each parsed
 * from an exact-size heap copy so ASan sees any over-read), and the flow
 * hash's symmetry and spread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tenet/pkt.h"

struct frame {
	uint8_t b[2048];
	uint32_t len;
};

static void put8(struct frame *f, uint8_t v)
{
	f->b[f->len++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void putn(struct frame *f, const void *p, uint32_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void zeros(struct frame *f, uint32_t n)
{
	memset(f->b + f->len, 0, n);
	f->len += n;
}

static void set16(struct frame *f, uint32_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static void eth(struct frame *f, uint16_t et)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

	f->len = 0;
	putn(f, macs, 12);
	put16(f, et);
}

/* IPv4 header with nopt 32-bit option words; total length patched by ip4_done. */
static uint32_t ip4(struct frame *f, uint8_t proto, uint32_t src, uint32_t dst, unsigned int nopt,
                    uint16_t frag)
{
	uint32_t at = f->len;

	put8(f, (uint8_t)(0x40 | (5 + nopt)));
	put8(f, 0);
	put16(f, 0); /* total length */
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, src);
	put32(f, dst);
	for (unsigned int i = 0; i < nopt; i++)
		put32(f, 0x01010101); /* NOPs */
	return at;
}

static void ip4_done(struct frame *f, uint32_t at)
{
	set16(f, at + 2, (uint16_t)(f->len - at));
}

static const uint8_t A6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t B6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static uint32_t ip6(struct frame *f, uint8_t nh)
{
	uint32_t at = f->len;

	put32(f, 0x60000000);
	put16(f, 0); /* payload length */
	put8(f, nh);
	put8(f, 64);
	putn(f, A6, 16);
	putn(f, B6, 16);
	return at;
}

static void ip6_done(struct frame *f, uint32_t at)
{
	set16(f, at + 4, (uint16_t)(f->len - at - 40));
}

/* Generic extension header (hop-by-hop, routing, dest opts): 8*(hlen+1) bytes. */
static void ext6(struct frame *f, uint8_t nh, uint8_t hlen)
{
	put8(f, nh);
	put8(f, hlen);
	zeros(f, 6 + 8u * hlen);
}

static void frag6(struct frame *f, uint8_t nh, uint16_t off8, bool more, uint32_t id)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	put32(f, id);
}

static void tcp(struct frame *f, uint16_t sp, uint16_t dp, unsigned int doff)
{
	put16(f, sp);
	put16(f, dp);
	put32(f, 1);
	put32(f, 0);
	put8(f, (uint8_t)(doff << 4));
	put8(f, 0x02);
	put16(f, 65535);
	put32(f, 0);
	for (unsigned int i = 5; i < doff; i++)
		put32(f, 0x01010101);
}

static void udp(struct frame *f, uint16_t sp, uint16_t dp, uint16_t ulen)
{
	put16(f, sp);
	put16(f, dp);
	put16(f, ulen);
	put16(f, 0);
}

/* Parse from an exact-size heap copy of the first len bytes. */
static enum tenet_pkt_err parse_n(const struct frame *f, uint32_t len, struct tenet_pkt_info *pi)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum tenet_pkt_err e;

	assert_non_null(copy);
	memcpy(copy, f->b, len);
	e = tenet_pkt_parse(copy, len, pi);
	free(copy);
	return e;
}

static enum tenet_pkt_err parse(const struct frame *f, struct tenet_pkt_info *pi)
{
	return parse_n(f, f->len, pi);
}

static void build_tcp4(struct frame *f, unsigned int nopt, unsigned int npay)
{
	uint32_t at;

	eth(f, 0x0800);
	at = ip4(f, 6, 0x0a000001, 0x0a000002, nopt, 0x4000 /* DF */);
	tcp(f, 1234, 80, 5);
	for (unsigned int i = 0; i < npay; i++)
		put8(f, (uint8_t)i);
	ip4_done(f, at);
}

static void build_udp6(struct frame *f, unsigned int npay)
{
	uint32_t at;

	eth(f, 0x86dd);
	at = ip6(f, 17);
	udp(f, 5353, 53, (uint16_t)(8 + npay));
	for (unsigned int i = 0; i < npay; i++)
		put8(f, (uint8_t)i);
	ip6_done(f, at);
}

static void test_tcp4(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};

	(void)state;
	build_tcp4(&f, 0, 10);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_int_equal(pi.nb_vlan, 0);
	assert_int_equal(pi.vlan, 0);
	assert_int_equal(pi.ip_version, 4);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.flags, 0);
	assert_int_equal(pi.l2_off, 0);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.payload_off, 54);
	assert_int_equal(pi.payload_len, 10);
	assert_int_equal(pi.sport, 1234);
	assert_int_equal(pi.dport, 80);
	assert_memory_equal(pi.src, src, 4);
	assert_memory_equal(pi.dst, dst, 4);
	assert_int_equal(pi.frag_id, 0);
}

static void test_ipv4_options(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;

	(void)state;
	for (unsigned int nopt = 1; nopt <= 10; nopt++) {
		build_tcp4(&f, nopt, 3);
		assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
		assert_int_equal(pi.flags, TENET_PKT_F_IPOPT);
		assert_int_equal(pi.l4_off, 34 + 4 * nopt);
		assert_int_equal(pi.payload_off, 54 + 4 * nopt);
		assert_int_equal(pi.payload_len, 3);
		assert_int_equal(pi.dport, 80);
	}
}

static void test_ipv4_bad_ihl(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;

	(void)state;
	for (unsigned int ihl = 0; ihl < 5; ihl++) {
		build_tcp4(&f, 0, 0);
		f.b[14] = (uint8_t)(0x40 | ihl);
		assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_IHL);
	}
	/* IHL 15 (60 bytes) in a frame holding only a 20-byte IP header + 8 */
	eth(&f, 0x0800);
	ip4(&f, 17, 1, 2, 0, 0);
	udp(&f, 1, 2, 8);
	f.b[14] = 0x4f;
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_IHL);
	/* options cut by the end of the frame */
	build_tcp4(&f, 4, 0);
	assert_int_equal(parse_n(&f, 14 + 30, &pi), TENET_PKT_BAD_IHL);
}

static void test_ipv4_bad_version(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;

	(void)state;
	build_tcp4(&f, 0, 0);
	f.b[14] = 0x65;
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_VERSION);
	build_udp6(&f, 0);
	f.b[14] = 0x45;
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_VERSION);
}

static void test_ipv4_len(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	uint32_t at;

	(void)state;
	/* minimum-size Ethernet frame: padding after a 4-byte UDP payload */
	eth(&f, 0x0800);
	at = ip4(&f, 17, 1, 2, 0, 0);
	udp(&f, 7, 9, 12);
	put32(&f, 0xdeadbeef);
	ip4_done(&f, at);
	zeros(&f, 60 - f.len);
	assert_int_equal(f.len, 60);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.payload_off, 42);
	assert_int_equal(pi.payload_len, 4);

	/* IP length larger than the frame */
	set16(&f, at + 2, 47);
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_IPLEN);
	/* IP length smaller than the header */
	set16(&f, at + 2, 19);
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_IPLEN);
	/* IP length that leaves no room for the UDP header */
	set16(&f, at + 2, 27);
	assert_int_equal(parse(&f, &pi), TENET_PKT_TRUNC_L4);
	set16(&f, at + 2, 28);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.payload_len, 0);
}

static void test_tcp_doff(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	uint32_t at;

	(void)state;
	for (unsigned int doff = 0; doff < 5; doff++) {
		build_tcp4(&f, 0, 40);
		f.b[34 + 12] = (uint8_t)(doff << 4);
		assert_int_equal(parse(&f, &pi), TENET_PKT_TRUNC_L4);
	}
	/* data offset past the IP end */
	build_tcp4(&f, 0, 8);
	f.b[34 + 12] = 8 << 4;
	assert_int_equal(parse(&f, &pi), TENET_PKT_TRUNC_L4);
	/* with TCP options */
	eth(&f, 0x0800);
	at = ip4(&f, 6, 1, 2, 0, 0);
	tcp(&f, 1, 2, 15);
	put8(&f, 0xaa);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.payload_off, 34 + 60);
	assert_int_equal(pi.payload_len, 1);
}

static void test_trunc_tcp4(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;

	(void)state;
	build_tcp4(&f, 0, 6);
	assert_int_equal(f.len, 60);
	for (uint32_t n = 0; n <= f.len; n++) {
		enum tenet_pkt_err want;

		if (n < 14)
			want = TENET_PKT_TRUNC_L2;
		else if (n < 34)
			want = TENET_PKT_TRUNC_L3;
		else if (n < f.len)
			want = TENET_PKT_BAD_IPLEN; /* the IP length says more */
		else
			want = TENET_PKT_OK;
		assert_int_equal(parse_n(&f, n, &pi), want);
	}
	/* the same with the IP length fixed to the cut: L4 is what is short */
	for (uint32_t n = 34; n < 54; n++) {
		set16(&f, 14 + 2, (uint16_t)(n - 14));
		assert_int_equal(parse_n(&f, n, &pi), TENET_PKT_TRUNC_L4);
	}
}

static void test_trunc_udp6(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;

	(void)state;
	build_udp6(&f, 5);
	assert_int_equal(f.len, 14 + 40 + 8 + 5);
	for (uint32_t n = 0; n <= f.len; n++) {
		enum tenet_pkt_err want;

		if (n < 14)
			want = TENET_PKT_TRUNC_L2;
		else if (n < 54)
			want = TENET_PKT_TRUNC_L3;
		else if (n < f.len)
			want = TENET_PKT_BAD_IPLEN;
		else
			want = TENET_PKT_OK;
		assert_int_equal(parse_n(&f, n, &pi), want);
	}
	assert_int_equal(pi.ip_version, 6);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.l4_off, 54);
	assert_int_equal(pi.payload_off, 62);
	assert_int_equal(pi.payload_len, 5);
	assert_memory_equal(pi.src, A6, 16);
	assert_memory_equal(pi.dst, B6, 16);
	for (uint32_t n = 54; n < 62; n++) {
		set16(&f, 14 + 4, (uint16_t)(n - 54));
		assert_int_equal(parse_n(&f, n, &pi), TENET_PKT_TRUNC_L4);
	}
}

static void test_vlan(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	uint32_t at;
	static const uint16_t outer[] = {0x8100, 0x88a8};

	(void)state;
	/* single 802.1Q */
	eth(&f, 0x8100);
	put16(&f, 0x2000 | 100); /* PCP 1, VID 100 */
	put16(&f, 0x0800);
	at = ip4(&f, 17, 1, 2, 0, 0);
	udp(&f, 10, 20, 8);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.nb_vlan, 1);
	assert_int_equal(pi.vlan, 100);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_int_equal(pi.l3_off, 18);
	assert_int_equal(pi.l4_off, 38);
	assert_int_equal(pi.dport, 20);
	for (uint32_t n = 14; n < 18; n++)
		assert_int_equal(parse_n(&f, n, &pi), TENET_PKT_TRUNC_L2);

	/* QinQ: 0x88a8 + 0x8100 and double 0x8100 */
	for (unsigned int i = 0; i < 2; i++) {
		eth(&f, outer[i]);
		put16(&f, 4095);
		put16(&f, 0x8100);
		put16(&f, 7);
		put16(&f, 0x86dd);
		at = ip6(&f, 6);
		tcp(&f, 443, 50000, 5);
		ip6_done(&f, at);
		assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
		assert_int_equal(pi.nb_vlan, 2);
		assert_int_equal(pi.vlan, 4095);
		assert_int_equal(pi.ethertype, 0x86dd);
		assert_int_equal(pi.l3_off, 22);
		assert_int_equal(pi.l4_off, 62);
		assert_int_equal(pi.sport, 443);
		for (uint32_t n = 14; n < 22; n++)
			assert_int_equal(parse_n(&f, n, &pi), TENET_PKT_TRUNC_L2);
	}
}

static void test_ipv4_frag(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	uint32_t at;

	(void)state;
	/* first fragment: MF, offset 0, L4 header present */
	eth(&f, 0x0800);
	at = ip4(&f, 17, 1, 2, 0, 0x2000);
	udp(&f, 1000, 2000, 1000);
	zeros(&f, 16);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.flags, TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST);
	assert_int_equal(pi.sport, 1000);
	assert_int_equal(pi.dport, 2000);
	assert_int_equal(pi.frag_id, 0x1234);
	assert_int_equal(pi.payload_len, 16);

	/* middle fragment: MF, offset 3 (24 bytes) */
	eth(&f, 0x0800);
	at = ip4(&f, 17, 1, 2, 0, 0x2000 | 3);
	udp(&f, 1000, 2000, 1000); /* looks like ports, must not be read */
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.flags, TENET_PKT_F_FRAG);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.frag_id, 0x1234);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.payload_off, 34);
	assert_int_equal(pi.payload_len, 8);

	/* last fragment: no MF, offset > 0; a tiny one with 1 byte */
	eth(&f, 0x0800);
	at = ip4(&f, 6, 1, 2, 0, 100);
	put8(&f, 0xff);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.flags, TENET_PKT_F_FRAG);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.payload_len, 1);

	/* DF alone is not a fragment */
	build_tcp4(&f, 0, 0);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.flags & TENET_PKT_F_FRAG, 0);

	/* first fragment too short for its TCP header */
	eth(&f, 0x0800);
	at = ip4(&f, 6, 1, 2, 0, 0x2000);
	zeros(&f, 8);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_TRUNC_L4);
}

static void test_ipv6_ext(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	uint32_t at;

	(void)state;
	/* HBH, routing, dest opts, AH, first fragment, TCP */
	eth(&f, 0x86dd);
	at = ip6(&f, 0);
	ext6(&f, 43, 0);
	ext6(&f, 60, 2);
	ext6(&f, 51, 0);
	/* AH: length in 4-byte units minus 2 -> 16 bytes with len 2 */
	put8(&f, 44);
	put8(&f, 2);
	zeros(&f, 14);
	frag6(&f, 6, 0, true, 0xabcdef01);
	tcp(&f, 22, 40000, 5);
	zeros(&f, 3);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.flags, TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST);
	assert_int_equal(pi.frag_id, 0xabcdef01);
	assert_int_equal(pi.l4_off, 54 + 8 + 24 + 8 + 16 + 8);
	assert_int_equal(pi.sport, 22);
	assert_int_equal(pi.dport, 40000);
	assert_int_equal(pi.payload_len, 3);
	/* every cut inside the chain, with the IPv6 length fixed to the cut */
	for (uint32_t n = 54; n < pi.l4_off; n++) {
		set16(&f, at + 4, (uint16_t)(n - 54));
		assert_int_equal(parse_n(&f, n, &pi), TENET_PKT_BAD_EXTHDR);
	}

	/* non-first fragment behind a dest-opts header: proto, no ports */
	eth(&f, 0x86dd);
	at = ip6(&f, 60);
	ext6(&f, 44, 0);
	frag6(&f, 17, 185, false, 7);
	udp(&f, 1, 2, 3); /* data, not a header */
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.flags, TENET_PKT_F_FRAG);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.frag_id, 7);
	assert_int_equal(pi.l4_off, 54 + 16);
	assert_int_equal(pi.payload_len, 8);

	/* a non-first fragment whose data looks like an extension header */
	eth(&f, 0x86dd);
	at = ip6(&f, 44);
	frag6(&f, 60, 1, true, 9);
	put8(&f, 60);
	put8(&f, 255); /* would run past the end if parsed as a header */
	zeros(&f, 6);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.proto, 60);
	assert_int_equal(pi.flags, TENET_PKT_F_FRAG);

	/* atomic fragment (offset 0, no M): a whole datagram */
	eth(&f, 0x86dd);
	at = ip6(&f, 44);
	frag6(&f, 17, 0, false, 9);
	udp(&f, 3, 4, 8);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.flags, 0);
	assert_int_equal(pi.dport, 4);

	/* no next header */
	eth(&f, 0x86dd);
	at = ip6(&f, 59);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.proto, 59);
	assert_int_equal(pi.payload_len, 0);
}

static void test_ipv6_chain_limits(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	uint32_t at;

	(void)state;
	/* 8 extension headers is the limit; 9 is malformed */
	for (unsigned int n = 1; n <= 9; n++) {
		eth(&f, 0x86dd);
		at = ip6(&f, 60);
		for (unsigned int i = 0; i < n; i++)
			ext6(&f, i + 1 < n ? 60 : 17, 0);
		udp(&f, 1, 2, 8);
		ip6_done(&f, at);
		assert_int_equal(parse(&f, &pi), n <= 8 ? TENET_PKT_OK : TENET_PKT_BAD_EXTHDR);
		if (n <= 8)
			assert_int_equal(pi.l4_off, 54 + 8 * n);
	}
	/* header length past the IPv6 payload */
	eth(&f, 0x86dd);
	at = ip6(&f, 43);
	ext6(&f, 17, 0);
	udp(&f, 1, 2, 8);
	ip6_done(&f, at);
	f.b[54 + 1] = 2;
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_EXTHDR);
	/* hop-by-hop anywhere but first */
	eth(&f, 0x86dd);
	at = ip6(&f, 60);
	ext6(&f, 0, 0);
	ext6(&f, 17, 0);
	udp(&f, 1, 2, 8);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_EXTHDR);
	/* IPv6 payload length past the frame */
	build_udp6(&f, 0);
	set16(&f, 18, 9);
	assert_int_equal(parse(&f, &pi), TENET_PKT_BAD_IPLEN);
	/* padding after the IPv6 packet is ignored */
	build_udp6(&f, 2);
	zeros(&f, 20);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.payload_len, 2);
}

static void test_icmp(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;
	uint32_t at;

	(void)state;
	eth(&f, 0x0800);
	at = ip4(&f, 1, 1, 2, 0, 0);
	put32(&f, 0x08000000);
	put32(&f, 0x00010001);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.proto, 1);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.payload_len, 8);

	eth(&f, 0x86dd);
	at = ip6(&f, 58);
	put32(&f, 0x80000000);
	put32(&f, 0x00010001);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &pi), TENET_PKT_OK);
	assert_int_equal(pi.proto, 58);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.l4_off, 54);
}

static void test_non_ip(void **state)
{
	struct tenet_pkt_info pi;
	struct frame f;

	(void)state;
	eth(&f, 0x0806); /* ARP request */
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 6);
	put8(&f, 4);
	put16(&f, 1);
	zeros(&f, 20);
	assert_int_equal(parse(&f, &pi), TENET_PKT_NON_IP);
	assert_int_equal(pi.ethertype, 0x0806);
	assert_int_equal(pi.ip_version, 0);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(tenet_flow_hash(&pi), 0);

	/* a third VLAN tag is not parsed further */
	eth(&f, 0x88a8);
	put16(&f, 1);
	put16(&f, 0x8100);
	put16(&f, 2);
	put16(&f, 0x8100);
	zeros(&f, 40);
	assert_int_equal(parse(&f, &pi), TENET_PKT_NON_IP);
	assert_int_equal(pi.ethertype, 0x8100);
	assert_int_equal(pi.nb_vlan, 2);
	assert_int_equal(pi.vlan, 1);
}

static void test_err_names(void **state)
{
	(void)state;
	for (int i = 0; i < TENET_PKT_ERR_MAX; i++) {
		const char *a = tenet_pkt_err_name((enum tenet_pkt_err)i);

		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, tenet_pkt_err_name((enum tenet_pkt_err)j));
	}
	assert_string_equal(tenet_pkt_err_name(TENET_PKT_OK), "ok");
	assert_string_equal(tenet_pkt_err_name(TENET_PKT_NON_IP), "non_ip");
	assert_string_equal(tenet_pkt_err_name(TENET_PKT_ERR_MAX), "unknown");
	assert_string_equal(tenet_pkt_err_name((enum tenet_pkt_err)1000), "unknown");
}

static uint32_t xs32(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void swap_dir(struct tenet_pkt_info *pi)
{
	uint8_t t[16];
	uint16_t p = pi->sport;

	memcpy(t, pi->src, 16);
	memcpy(pi->src, pi->dst, 16);
	memcpy(pi->dst, t, 16);
	pi->sport = pi->dport;
	pi->dport = p;
}

static void test_hash_symmetry(void **state)
{
	uint32_t seed = 12345;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct tenet_pkt_info pi;
		uint32_t h;

		memset(&pi, 0, sizeof(pi));
		pi.ip_version = (i & 1) ? 6 : 4;
		pi.proto = (i & 2) ? 6 : 17;
		for (int k = 0; k < (pi.ip_version == 4 ? 4 : 16); k++) {
			pi.src[k] = (uint8_t)xs32(&seed);
			pi.dst[k] = (i % 7 == 0) ? pi.src[k] : (uint8_t)xs32(&seed);
		}
		pi.sport = (uint16_t)xs32(&seed);
		pi.dport = (i % 5 == 0) ? pi.sport : (uint16_t)xs32(&seed);
		h = tenet_flow_hash(&pi);
		swap_dir(&pi);
		assert_int_equal(tenet_flow_hash(&pi), h);
	}
}

static void test_hash_frag(void **state)
{
	struct tenet_pkt_info a, b, r;
	struct frame f;
	uint32_t at;

	(void)state;
	eth(&f, 0x0800);
	at = ip4(&f, 17, 0x01020304, 0x05060708, 0, 0x2000);
	udp(&f, 1000, 2000, 100);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &a), TENET_PKT_OK);
	eth(&f, 0x0800);
	at = ip4(&f, 17, 0x01020304, 0x05060708, 0, 3);
	zeros(&f, 8);
	ip4_done(&f, at);
	assert_int_equal(parse(&f, &b), TENET_PKT_OK);
	assert_int_not_equal(tenet_flow_hash(&a), 0);
	assert_int_equal(tenet_flow_hash(&a), tenet_flow_hash(&b));
	r = b;
	swap_dir(&r);
	assert_int_equal(tenet_flow_hash(&r), tenet_flow_hash(&b));
	/* the unfragmented flow hashes on its ports too */
	a.flags = 0;
	assert_int_not_equal(tenet_flow_hash(&a), tenet_flow_hash(&b));

	/* IPv6: first and later fragment agree */
	eth(&f, 0x86dd);
	at = ip6(&f, 44);
	frag6(&f, 6, 0, true, 1);
	tcp(&f, 5, 6, 5);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &a), TENET_PKT_OK);
	eth(&f, 0x86dd);
	at = ip6(&f, 44);
	frag6(&f, 6, 10, false, 1);
	zeros(&f, 8);
	ip6_done(&f, at);
	assert_int_equal(parse(&f, &b), TENET_PKT_OK);
	assert_int_equal(tenet_flow_hash(&a), tenet_flow_hash(&b));
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static void test_hash_spread(void **state)
{
	enum { N = 65536 };
	static uint32_t h[N];
	unsigned int bucket[256] = {0}, dup = 0;
	struct tenet_pkt_info pi;

	(void)state;
	/* one client, sequential source ports: the worst case for weak hashes */
	memset(&pi, 0, sizeof(pi));
	pi.ip_version = 4;
	pi.proto = 6;
	memcpy(pi.src, (uint8_t[]){10, 0, 0, 1}, 4);
	memcpy(pi.dst, (uint8_t[]){10, 0, 0, 2}, 4);
	pi.dport = 80;
	for (unsigned int i = 0; i < N; i++) {
		pi.sport = (uint16_t)i;
		h[i] = tenet_flow_hash(&pi);
		bucket[h[i] & 0xff]++;
	}
	/* expected 256 per bucket, sd 16: these bounds are 8 sd wide */
	for (unsigned int i = 0; i < 256; i++) {
		assert_in_range(bucket[i], 128, 384);
	}
	qsort(h, N, sizeof(h[0]), cmp_u32);
	for (unsigned int i = 1; i < N; i++)
		dup += h[i] == h[i - 1];
	assert_true(dup < 8); /* birthday bound: ~0.5 expected */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tcp4),         cmocka_unit_test(test_ipv4_options),
	        cmocka_unit_test(test_ipv4_bad_ihl), cmocka_unit_test(test_ipv4_bad_version),
	        cmocka_unit_test(test_ipv4_len),     cmocka_unit_test(test_tcp_doff),
	        cmocka_unit_test(test_trunc_tcp4),   cmocka_unit_test(test_trunc_udp6),
	        cmocka_unit_test(test_vlan),         cmocka_unit_test(test_ipv4_frag),
	        cmocka_unit_test(test_ipv6_ext),     cmocka_unit_test(test_ipv6_chain_limits),
	        cmocka_unit_test(test_icmp),         cmocka_unit_test(test_non_ip),
	        cmocka_unit_test(test_err_names),    cmocka_unit_test(test_hash_symmetry),
	        cmocka_unit_test(test_hash_frag),    cmocka_unit_test(test_hash_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
