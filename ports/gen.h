/*
 * The gen port's options, read from its keys by ports/gen_cfg.c (port_gen_parse)
 * and kept in struct cfg_port (ports/port_cfg.h). rate, count and duration
 * are also the pcap port's replay limits.
 */
#ifndef TENET_PORTS_GEN_H
#define TENET_PORTS_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cfgread.h"

#define CFG_MAX_FLOWS    16
#define CFG_MAX_SIZES    16
#define CFG_MAX_PATTERNS 64
#define CFG_PATTERN_MAX  64

/* One flow group of the generator: 'count' flows drawn from the ranges. */
struct cfg_gen_flow {
	uint8_t family;             /* 4 or 6 */
	uint8_t src[16], dst[16];   /* first address of each range (network order) */
	uint8_t src_plen, dst_plen; /* addresses are drawn inside these prefixes */
	uint8_t proto;              /* 6 tcp, 17 udp (default) */
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint16_t vlan;   /* 0: untagged */
	uint32_t count;  /* number of distinct flows (default 1) */
	uint32_t weight; /* share of the traffic (default 1) */
};

struct cfg_gen {
	double rate_pps;               /* 0: as fast as possible (default) */
	uint64_t count;                /* packets to send, 0: unbounded */
	double duration;               /* seconds, 0: unbounded */
	uint16_t sizes[CFG_MAX_SIZES]; /* wire frame sizes 64..1518 incl. the 4-byte FCS (the frame
	                                  is 4 B shorter) */
	unsigned int
	        nb_sizes; /* 1: fixed; >1: drawn uniformly; "imix" = 64,570,1518 weighted 7:4:1 */
	bool imix;
	struct cfg_gen_flow flows[CFG_MAX_FLOWS];
	unsigned int nb_flows;
	char patterns[CFG_MAX_PATTERNS][CFG_PATTERN_MAX]; /* byte strings placed in payloads */
	unsigned int nb_patterns;
	double pattern_fraction; /* fraction of packets carrying one pattern (0..1) */
	uint64_t seed;           /* PRNG seed (default 1): runs are reproducible */
};

struct cfg_port;

/* The driver table's config entries for gen (ports/gen_cfg.c). */
extern const char *const port_gen_keys[];
int port_gen_parse(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p);
unsigned int port_gen_max_frame(const struct cfg_port *p);

#endif /* TENET_PORTS_GEN_H */
