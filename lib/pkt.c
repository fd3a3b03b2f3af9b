/*
 * Packet parsing and the symmetric flow hash (contract: tenet/pkt.h).
 *
 * One pass over an Ethernet frame: up to two VLAN tags (802.1Q 0x8100,
 * QinQ 0x88a8 or 0x8100 outer, 0x8100 inner), then IPv4 or IPv6, then the
 * TCP/UDP ports. Every read is checked against the frame length first; the
 * L4 parse is bounded by the IP packet's own end (frame padding after it is
 * ignored). IPv6 extension headers (hop-by-hop, routing, fragment,
 * destination options, AH) are walked up to TENET_PKT_MAX_EXTHDR deep.
 * Fragments: the first one (offset 0) has its L4 header parsed, later ones
 * get proto but no ports (FRAG set, FRAG_FIRST clear). An IPv6 "atomic"
 * fragment (offset 0, no more fragments) is a whole datagram and is not
 * flagged. A TCP header with a data offset below 5 or past the IP end is
 * reported as TRUNC_L4 (the contract has no separate code for it).
 *
 * No allocation, no library calls on the per-packet path except small
 * fixed-size memcpy/memset that the compiler inlines.
 */
#include <string.h>

#include "tenet/pkt.h"

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

#define P_HOPOPTS  0
#define P_TCP      6
#define P_UDP      17
#define P_ROUTING  43
#define P_FRAGMENT 44
#define P_AH       51
#define P_DSTOPTS  60

/* Longest IPv6 extension header chain we walk before calling it malformed. */
#define TENET_PKT_MAX_EXTHDR 8

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *const err_names[TENET_PKT_ERR_MAX] = {
        [TENET_PKT_OK] = "ok",
        [TENET_PKT_TRUNC_L2] = "trunc_l2",
        [TENET_PKT_TRUNC_L3] = "trunc_l3",
        [TENET_PKT_BAD_IHL] = "bad_ihl",
        [TENET_PKT_BAD_IPLEN] = "bad_iplen",
        [TENET_PKT_BAD_VERSION] = "bad_version",
        [TENET_PKT_TRUNC_L4] = "trunc_l4",
        [TENET_PKT_BAD_EXTHDR] = "bad_exthdr",
        [TENET_PKT_NON_IP] = "non_ip",
};

const char *tenet_pkt_err_name(enum tenet_pkt_err e)
{
	if ((unsigned int)e >= TENET_PKT_ERR_MAX)
		return "unknown";
	return err_names[e];
}

/*
 * L4 header at off, IP packet ends at end (end <= frame length, checked by
 * the caller). pi->proto and the fragment flags are already set.
 */
static enum tenet_pkt_err parse_l4(const uint8_t *f, uint32_t off, uint32_t end,
                                   struct tenet_pkt_info *pi)
{
	uint32_t room = end - off, hl;

	pi->l4_off = (uint16_t)off;
	pi->payload_off = (uint16_t)off;
	pi->payload_len = (uint16_t)room;
	if ((pi->flags & (TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST)) == TENET_PKT_F_FRAG)
		return TENET_PKT_OK; /* non-first fragment: no L4 header here */

	switch (pi->proto) {
	case P_TCP:
		if (room < TCP_HLEN)
			return TENET_PKT_TRUNC_L4;
		pi->sport = rd16(f + off);
		pi->dport = rd16(f + off + 2);
		hl = (uint32_t)(f[off + 12] >> 4) * 4u;
		if (hl < TCP_HLEN || hl > room)
			return TENET_PKT_TRUNC_L4;
		break;
	case P_UDP:
		if (room < UDP_HLEN)
			return TENET_PKT_TRUNC_L4;
		pi->sport = rd16(f + off);
		pi->dport = rd16(f + off + 2);
		hl = UDP_HLEN;
		break;
	default: /* ICMP, ICMPv6, ESP, ...: no ports, payload is all of it */
		return TENET_PKT_OK;
	}
	pi->payload_off = (uint16_t)(off + hl);
	pi->payload_len = (uint16_t)(room - hl);
	return TENET_PKT_OK;
}

static enum tenet_pkt_err parse_ipv4(const uint8_t *f, uint32_t off, uint32_t len,
                                     struct tenet_pkt_info *pi)
{
	const uint8_t *ip = f + off;
	uint32_t room = len - off, ihl, tot;
	uint16_t frag;

	if (room < IPV4_HLEN)
		return TENET_PKT_TRUNC_L3;
	if ((ip[0] >> 4) != 4)
		return TENET_PKT_BAD_VERSION;
	ihl = (uint32_t)(ip[0] & 0xf) * 4u;
	if (ihl < IPV4_HLEN || ihl > room)
		return TENET_PKT_BAD_IHL;
	pi->ip_version = 4;
	pi->proto = ip[9];
	memcpy(pi->src, ip + 12, 4);
	memcpy(pi->dst, ip + 16, 4);
	if (ihl > IPV4_HLEN)
		pi->flags |= TENET_PKT_F_IPOPT;
	frag = rd16(ip + 6);
	if (frag & 0x3fff) { /* MF set or offset != 0 */
		pi->flags |= TENET_PKT_F_FRAG;
		if (!(frag & 0x1fff))
			pi->flags |= TENET_PKT_F_FRAG_FIRST;
		pi->frag_id = rd16(ip + 4);
	}
	pi->l4_off = (uint16_t)(off + ihl);
	tot = rd16(ip + 2);
	if (tot < ihl || tot > room)
		return TENET_PKT_BAD_IPLEN;
	return parse_l4(f, off + ihl, off + tot, pi);
}

static enum tenet_pkt_err parse_ipv6(const uint8_t *f, uint32_t off, uint32_t len,
                                     struct tenet_pkt_info *pi)
{
	const uint8_t *ip = f + off, *h;
	uint32_t room = len - off, end, p, hl;
	uint16_t frag;
	uint8_t nh;

	if (room < IPV6_HLEN)
		return TENET_PKT_TRUNC_L3;
	if ((ip[0] >> 4) != 6)
		return TENET_PKT_BAD_VERSION;
	pi->ip_version = 6;
	memcpy(pi->src, ip + 8, 16);
	memcpy(pi->dst, ip + 24, 16);
	nh = ip[6];
	pi->proto = nh;
	p = off + IPV6_HLEN;
	pi->l4_off = (uint16_t)p;
	if (rd16(ip + 4) > room - IPV6_HLEN)
		return TENET_PKT_BAD_IPLEN;
	end = p + rd16(ip + 4);

	for (unsigned int n = 0;; n++) {
		switch (nh) {
		case P_HOPOPTS:
			if (n != 0) /* only right after the IPv6 header */
				return TENET_PKT_BAD_EXTHDR;
			break;
		case P_ROUTING:
		case P_DSTOPTS:
		case P_AH:
		case P_FRAGMENT:
			break;
		default:
			pi->proto = nh;
			return parse_l4(f, p, end, pi);
		}
		if (n == TENET_PKT_MAX_EXTHDR || end - p < EXT_MIN)
			return TENET_PKT_BAD_EXTHDR;
		h = f + p;
		if (nh == P_FRAGMENT) {
			hl = EXT_MIN;
			frag = rd16(h + 2);
			if (frag & 0xfff9) { /* offset != 0 or M set */
				pi->flags |= TENET_PKT_F_FRAG;
				if (!(frag & 0xfff8))
					pi->flags |= TENET_PKT_F_FRAG_FIRST;
				pi->frag_id = rd32(h + 4);
			}
		} else if (nh == P_AH) {
			hl = ((uint32_t)h[1] + 2) * 4u;
		} else {
			hl = ((uint32_t)h[1] + 1) * 8u;
		}
		if (hl > end - p)
			return TENET_PKT_BAD_EXTHDR;
		nh = h[0];
		p += hl;
		if ((pi->flags & (TENET_PKT_F_FRAG | TENET_PKT_F_FRAG_FIRST)) == TENET_PKT_F_FRAG) {
			/* later fragment: what follows is data, not headers */
			pi->proto = nh;
			return parse_l4(f, p, end, pi);
		}
	}
}

enum tenet_pkt_err tenet_pkt_parse(const uint8_t *frame, uint32_t len, struct tenet_pkt_info *info)
{
	uint32_t off = ETH_HLEN;
	uint16_t et;

	memset(info, 0, sizeof(*info));
	if (len < ETH_HLEN)
		return TENET_PKT_TRUNC_L2;
	et = rd16(frame + 12);
	if (et == ETH_P_8021Q || et == ETH_P_8021AD) {
		if (len < ETH_HLEN + VLAN_HLEN)
			return TENET_PKT_TRUNC_L2;
		info->vlan = rd16(frame + 14) & 0x0fff;
		info->nb_vlan = 1;
		et = rd16(frame + 16);
		off += VLAN_HLEN;
		if (et == ETH_P_8021Q) {
			if (len < ETH_HLEN + 2 * VLAN_HLEN)
				return TENET_PKT_TRUNC_L2;
			info->nb_vlan = 2;
			et = rd16(frame + 20);
			off += VLAN_HLEN;
		}
	}
	info->ethertype = et;
	info->l3_off = (uint16_t)off;
	switch (et) {
	case ETH_P_IP:
		return parse_ipv4(frame, off, len, info);
	case ETH_P_IPV6:
		return parse_ipv6(frame, off, len, info);
	default:
		return TENET_PKT_NON_IP;
	}
}

/* murmur3 body round and finalizer. */
static inline uint32_t rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static inline uint32_t mm_round(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint32_t lo32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint32_t hi32(uint32_t a, uint32_t b)
{
	return a < b ? b : a;
}

/*
 * Symmetry: each (src word, dst word) pair and the port pair enter as
 * (min, max), which does not depend on direction and loses nothing about
 * the unordered pair. The value depends on host byte order (it is a
 * host-local steering hash, not a wire format).
 */
uint32_t tenet_flow_hash(const struct tenet_pkt_info *info)
{
	unsigned int nw;
	uint32_t h, s, d;

	if (info->ip_version == 4)
		nw = 1;
	else if (info->ip_version == 6)
		nw = 4;
	else
		return 0;
	h = 0x5bd1e995u ^ ((uint32_t)info->ip_version << 8 | info->proto);
	for (unsigned int i = 0; i < nw; i++) {
		memcpy(&s, info->src + 4 * i, 4);
		memcpy(&d, info->dst + 4 * i, 4);
		h = mm_round(h, lo32(s, d));
		h = mm_round(h, hi32(s, d));
	}
	if (!(info->flags & TENET_PKT_F_FRAG))
		h = mm_round(h,
		             hi32(info->sport, info->dport) << 16 | lo32(info->sport, info->dport));
	return fmix32(h ^ nw);
}
