/*
 * Packet parsing: find the L2/L3/L4 headers of an Ethernet frame, the
 * 5-tuple and a flow hash, robustly. Every header read is bounds-checked
 * against the frame length; a frame that cannot be parsed gets a reason
 * (enum tenet_pkt_err) and never makes the parser read past its end.
 *
 * Used by the NIC stage and router (classification), by NFs (accessors),
 * and mirrored by the XDP classifier.
 */
#ifndef TENET_PKT_H
#define TENET_PKT_H

#include <stdbool.h>
#include <stdint.h>

enum tenet_pkt_err {
	TENET_PKT_OK = 0,
	TENET_PKT_TRUNC_L2,    /* shorter than an Ethernet (+VLAN) header */
	TENET_PKT_TRUNC_L3,    /* IP header cut short */
	TENET_PKT_BAD_IHL,     /* IPv4 IHL < 5 or beyond the frame */
	TENET_PKT_BAD_IPLEN,   /* IP total/payload length inconsistent with the frame */
	TENET_PKT_BAD_VERSION, /* IP version field does not match the ethertype */
	TENET_PKT_TRUNC_L4,    /* TCP/UDP header cut short */
	TENET_PKT_BAD_EXTHDR,  /* IPv6 extension header chain malformed or too long */
	TENET_PKT_NON_IP,      /* not IPv4/IPv6 (parsed L2 only; not an error for NFs) */
	TENET_PKT_ERR_MAX
};

/* Name of a parse result, for counters ("trunc_l3", "non_ip", ...). */
const char *tenet_pkt_err_name(enum tenet_pkt_err e);

#define TENET_PKT_F_FRAG       0x1 /* IP fragment */
#define TENET_PKT_F_FRAG_FIRST 0x2 /* first fragment (offset 0): L4 header present */
#define TENET_PKT_F_IPOPT      0x4 /* IPv4 options present */

struct tenet_pkt_info {
	uint16_t l2_off, l3_off, l4_off, payload_off; /* offsets from frame start */
	uint16_t ethertype;                           /* after VLAN tags */
	uint16_t vlan;                                /* outer VLAN id, 0 if untagged */
	uint8_t nb_vlan;                              /* 0, 1 or 2 (QinQ) */
	uint8_t ip_version;                           /* 4, 6 or 0 */
	uint8_t proto;            /* L4 protocol (after IPv6 extension headers) */
	uint8_t flags;            /* TENET_PKT_F_* */
	uint8_t src[16], dst[16]; /* IPv4 addresses in the first 4 bytes */
	uint16_t sport, dport;    /* host byte order; 0 if no L4 header */
	uint16_t payload_len;     /* L4 payload bytes within the frame */
	uint32_t frag_id;         /* IPv4 id / IPv6 fragment id, for fragments */
};

/* Parse a frame. Fills *info as far as it got; returns TENET_PKT_OK or the reason. */
enum tenet_pkt_err tenet_pkt_parse(const uint8_t *frame, uint32_t len, struct tenet_pkt_info *info);

/*
 * Symmetric flow hash of the 5-tuple (same value both directions); 0 for
 * non-IP. Fragments hash on addresses and protocol only, so all pieces of
 * a datagram agree.
 */
uint32_t tenet_flow_hash(const struct tenet_pkt_info *info);

#endif /* TENET_PKT_H */
