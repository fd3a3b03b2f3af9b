/*
 * XDP tenant classifier: what the BPF program (bpf/classify.bpf.c) and its
 * loader (lib/xdp.c) share. Compiles with `clang -target bpf` and in user
 * space: fixed-width types only, no libc.
 *
 * Map layout (names are the BPF map names):
 *
 *   tnt_active   ARRAY[1]   __u32: the live half, 0 or 1. The only word the
 *                           loader writes to switch tables: one 4-byte store.
 *   tnt_hdr      ARRAY[2]   struct tenet_xdp_hdr per half: rule count, the
 *                           default action, steering and scan settings.
 *   tnt_rules    ARRAY[2 * TENET_XDP_MAX_RULES] struct tenet_xdp_rule:
 *                           half h holds its rules at [h * MAX, h * MAX + nb),
 *                           sorted by (priority, id); the first match wins.
 *   tnt_scan     ARRAY[2]   struct tenet_nicscan_prog per half (patterns).
 *   tnt_scratch  PERCPU_ARRAY[1] payload copy for the scan.
 *   tnt_cnt      PERCPU_ARRAY[TENET_XDP_CNT_NB] __u64 counters.
 *   tnt_devmap   DEVMAP[TENET_XDP_MAX_TENANTS]  tenant -> ifindex.
 *   tnt_xsks     XSKMAP[TENET_XDP_MAX_TENANTS]  tenant -> AF_XDP socket.
 *
 * Update protocol (manager, single writer): write the inactive half
 * (rules, header, patterns), store its index in tnt_active, then wait for
 * an RCU grace period so that no packet still reads the old half before it
 * may be rewritten. A packet reads tnt_active once and sees one table,
 * never a mix. Everything the program reads from a map it bounds again
 * (counts, indices), so a bad value cannot make it read out of range.
 */
#ifndef TENET_BPF_TENET_XDP_H
#define TENET_BPF_TENET_XDP_H

#include "scan_common.h"

#define TENET_XDP_MAGIC       0x74786470u /* "txdp" */
#define TENET_XDP_ABI         1
#define TENET_XDP_MAX_RULES   4096 /* per half; the loader refuses more (E2BIG) */
#define TENET_XDP_MAX_TENANTS 64
#define TENET_XDP_PROG_NAME   "tenet_classify" /* BPF program name, for cleanup */
#define TENET_XDP_PASS_NAME   "tenet_pass"
#define TENET_XDP_SCRATCH     (2048 + TENET_NICSCAN_MAX_LEN) /* >= MAX_PAYLOAD, see scan_fn */
#define TENET_XDP_ANY_QUEUE   0xffffffffu

/*
 * Counters, indices into tnt_cnt. The first TENET_PKT_ERR_MAX mirror enum
 * tenet_pkt_err (one per frame: how it parsed). Frames that parsed (ok)
 * or are not IP (non_ip) are classified; the others are dropped. Each
 * classified frame ends in exactly one of redirected .. scan_pass, so
 *   sum(parse) == ok + non_ip + dropped-by-reason, and
 *   ok + non_ip == redirected + no_rule + miss_pass + redirect_err +
 *                  scan_drop + scan_bounce + scan_pass.
 * Then one redirected count per tenant from TENET_XDP_CNT_TENANT.
 */
enum tenet_xdp_cnt {
	TENET_XDP_CNT_OK = 0,
	TENET_XDP_CNT_TRUNC_L2,
	TENET_XDP_CNT_TRUNC_L3,
	TENET_XDP_CNT_BAD_IHL,
	TENET_XDP_CNT_BAD_IPLEN,
	TENET_XDP_CNT_BAD_VERSION,
	TENET_XDP_CNT_TRUNC_L4,
	TENET_XDP_CNT_BAD_EXTHDR,
	TENET_XDP_CNT_NON_IP,
	TENET_XDP_CNT_PARSE_MAX,                            /* == TENET_PKT_ERR_MAX */
	TENET_XDP_CNT_REDIRECTED = TENET_XDP_CNT_PARSE_MAX, /* handed to the tenant's map */
	TENET_XDP_CNT_NO_RULE,                              /* no rule, default drop: XDP_DROP */
	TENET_XDP_CNT_MISS_PASS,                            /* no rule, miss_pass set: XDP_PASS */
	TENET_XDP_CNT_REDIRECT_ERR, /* tenant has no map entry or wrong queue: dropped */
	TENET_XDP_CNT_SCANNED,      /* payloads scanned (at most MAX_PAYLOAD bytes) */
	TENET_XDP_CNT_SCAN_DROP,    /* drop verdict, action drop: XDP_DROP */
	TENET_XDP_CNT_SCAN_BOUNCE,  /* drop verdict, action bounce: XDP_TX, MACs swapped */
	TENET_XDP_CNT_SCAN_PASS,    /* drop verdict, action pass: XDP_PASS to the stack */
	TENET_XDP_CNT_SCAN_TAG,     /* tag verdict (the frame goes on to its tenant) */
	TENET_XDP_CNT_SCAN_HOST,    /* payload too long for the NIC: left to the host scan */
	TENET_XDP_CNT_MAX,
	TENET_XDP_CNT_TENANT = TENET_XDP_CNT_MAX,
	TENET_XDP_CNT_NB = TENET_XDP_CNT_TENANT + TENET_XDP_MAX_TENANTS,
};

/* Rule flags: which fields a rule constrains beyond addresses and ports. */
#define TENET_XDP_R_PROTO      0x01
#define TENET_XDP_R_VLAN       0x02
#define TENET_XDP_R_INPORT     0x04
#define TENET_XDP_R_NEED_IP    0x08 /* family, proto or ports set: IP frames only */
#define TENET_XDP_R_NEED_PORTS 0x10 /* ports constrained: TCP/UDP with a port header */

/*
 * One rule, as lib/classify.c's semantics need it: addresses pre-masked
 * (bit-exact prefixes, network byte order, IPv4 in the first 4 bytes),
 * inclusive port ranges in host byte order. family 0 matches any.
 */
struct tenet_xdp_rule {
	__u64 src[2], smask[2];
	__u64 dst[2], dmask[2];
	__u32 id;
	__s32 in_port;
	__u16 sport_lo, sport_hi;
	__u16 dport_lo, dport_hi;
	__u16 vlan;
	__u8 proto;
	__u8 family;
	__u8 flags; /* TENET_XDP_R_* */
	__u8 pad;
	__u16 tenant;
	__u16 chain;
	__u16 pad2;
};

/* Steering: where a frame goes once its tenant is known. */
enum tenet_xdp_steer {
	TENET_XDP_STEER_DEVMAP = 0, /* bpf_redirect_map(tnt_devmap, tenant) */
	TENET_XDP_STEER_XSKMAP = 1, /* bpf_redirect_map(tnt_xsks, tenant), queue checked */
};

/* What the scan does with a drop verdict (tag verdicts always go on). */
enum tenet_xdp_scan_action {
	TENET_XDP_SCAN_OFF = 0,    /* no scan */
	TENET_XDP_SCAN_DROP = 1,   /* XDP_DROP */
	TENET_XDP_SCAN_PASS = 2,   /* XDP_PASS: to the host stack */
	TENET_XDP_SCAN_BOUNCE = 3, /* XDP_TX back out the ingress port, MACs swapped */
};

/* Default action when no rule matches. */
#define TENET_XDP_DFLT_DROP   0
#define TENET_XDP_DFLT_TENANT 1 /* the table's default chain: steer to dflt_tenant */
#define TENET_XDP_DFLT_PASS   2 /* XDP_PASS (loader option miss_pass) */

/* Per-half table header. Written by the manager only into the inactive half. */
struct tenet_xdp_hdr {
	__u32 magic;    /* TENET_XDP_MAGIC, else the program drops everything */
	__u32 nb_rules; /* 0..TENET_XDP_MAX_RULES */
	__u32 steer;    /* enum tenet_xdp_steer */
	__s32 in_port;  /* this interface's port index, for rules with in_port */
	__u32 dflt;     /* TENET_XDP_DFLT_* */
	__u16 dflt_tenant;
	__u16 dflt_chain;
	__u32 scan_action; /* enum tenet_xdp_scan_action */
	__u32 pad;
	__u64 scan_tenants;                 /* bit t: scan tenant t's frames */
	__u32 queue[TENET_XDP_MAX_TENANTS]; /* XSKMAP: tenant's queue, or ANY_QUEUE */
};

#endif /* TENET_BPF_TENET_XDP_H */
