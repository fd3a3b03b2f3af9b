/*
 * What the manager and a port share besides the driver itself: the
 * accounting words a port's threads write (the receive side's, by the
 * port's thread; the transmit side's, by the dispatcher), the reasons a
 * packet is dropped for, and struct port_host: what the manager lends a
 * driver that runs its own thread on the manager's pools and rings
 * (struct port_driver's attach and thread entries; afxdp, whose AF_XDP
 * sockets' UMEMs are the pools). mgr/ holds one of each per port (struct
 * mport, mgr/state.h) and fills them (mgr/port_host.c); ports/ never
 * includes mgr/.
 */
#ifndef TENET_PORTS_HOST_H
#define TENET_PORTS_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/cnt.h"
#include "lib/nicscan.h"
#include "lib/xring.h"
#include "ports/port_cfg.h"
#include "tenet/pkt.h"
#include "tenet/pool.h"

/* Why a packet did not reach an output port. */
enum drop_reason {
	DROP_MALFORMED,    /* could not be parsed (see parse counters) */
	DROP_NO_RULE,      /* no chain matched and the default is drop */
	DROP_NIC_SCAN,     /* dropped by an offloaded scan on the NIC */
	DROP_NO_BUFFER,    /* the tenant pool was exhausted */
	DROP_NF_VERDICT,   /* an NF said drop */
	DROP_NF_RX_FULL,   /* the next NF's rx ring (or the handoff ring to its shard) was full */
	DROP_NO_INSTANCE,  /* the next hop's service had no NF attached */
	DROP_NF_GONE,      /* held by an NF when it exited or crashed */
	DROP_NF_VIOLATION, /* an NF returned a bad length/verdict/target */
	DROP_NO_OUTPUT,    /* end of a chain that has no output port */
	DROP_SHUTDOWN,     /* still in flight when the manager stopped */
	DROP_TX_FULL,      /* the output port's transmit queue was full */
	DROP_OVERSIZE,     /* longer than the destination buffer holds (frame or copy) */
	DROP_RX_MISSED,    /* arrived with the port's receive ring full (a NIC's imissed) */
	DROP_MAX
};

/*
 * The NIC stage's counters: written by the port's receive thread alone
 * (cnt_add, relaxed stores), read by stats, ctl and metrics.
 */
struct port_rx_stats {
	uint64_t frames, bytes;
	uint64_t drops[DROP_MAX];
	/* afxdp: (control) copied from the XDP program's counters */
	uint64_t parse_err[TENET_PKT_ERR_MAX];
	uint64_t ns;      /* thread CPU time */
	uint64_t wait_ns; /* of ns: asleep, yielding, waiting for buffers, kicking */
	/* a paced source's turns that took NIC_STALL_NS or more (mgr/nic.c,
	 * stall_check): the port was not polled meanwhile */
	uint64_t stalls, stall_ns;
	uint64_t epoch; /* bumped every loop: quiescent-state for cls swaps */
	bool done;      /* the source finished (release; acquire by the run loop) */
};

/*
 * A port's transmit side (the dispatcher's; under lock when dispatchers
 * > 1, see dispatch.c flush_tx). Zero-copy transmit (afxdp) goes through
 * txq and compq to the port's thread and back instead of the driver's tx.
 */
struct port_tx {
	pthread_mutex_t lock;
	uint64_t frames, bytes;
	bool zerocopy;      /* transmit through txq/compq (the port's AF_XDP sockets) */
	struct xring txq;   /* dispatch -> port thread: frames to send */
	struct xring compq; /* port thread -> dispatch: frames sent, buffers back */
};

struct tenet_classifier;

/* What the manager's rules say of a frame (port_host.classify). */
struct port_class {
	unsigned int chain;          /* the chain it belongs to (mdesc.chain) */
	unsigned int tenant;         /* the chain's tenant */
	unsigned int first_host_hop; /* the chain's hops before it run on the NIC */
	uint32_t hash;               /* the flow hash */
	uint32_t payload_len;        /* L4 payload bytes (what a NIC scan looks at) */
};

#define PORT_HOST_SCAN_ERR 256

/*
 * The manager's side of a driver thread, filled by the manager before
 * the driver's attach and never changed while the thread runs. The
 * driver writes only the counters it is named the writer of, and
 * tx->zerocopy at attach; the rings are the manager's, one end each:
 *
 *   fill[k]  --empty buffers of pool k-->  thread  --full ones-->  ingress
 *   tx->txq  --frames to send-->           thread  --sent-->       tx->compq
 *
 * The rings carry the manager's descriptor, struct mdesc (lib/xring.h):
 * the pool index in mdesc.pool, the chain in mdesc.chain.
 */
struct port_host {
	unsigned int index;      /* the port's: tenet_desc.port, the rules' in_port */
	bool poll;               /* busy-poll: the thread never sleeps and never kicks */
	const uint32_t *stop_rx; /* raised (flag_up): receive no more */
	const uint32_t *stop_tx; /* raised: transmit no more; the thread returns */
	/* memory: the pools frames land in */
	struct tenet_pool *pools[CFG_MAX_TENANTS]; /* pool k (xdesc_pool k) */
	unsigned int tenant_pool[CFG_MAX_TENANTS]; /* tenant t's pool */
	struct tenet_pool *ingress_pool;           /* steer: cpu, the router's */
	/* rings; steer: cpu: fill[0] holds empty buffers of the ingress pool */
	struct xring *fill;    /* fill[k]: empty buffers of pool k */
	struct xring *ingress; /* full buffers, to the dispatcher (steer: cpu: the router) */
	int kick_fd;           /* eventfd of the consumer of ingress and tx->compq */
	struct port_tx *tx;    /* the zero-copy transmit queues (created once attach set
	                        * tx->zerocopy) */
	/* counters */
	struct port_rx_stats *rx; /* the thread's; parse_err: account's */
	uint64_t *pre_drops;      /* [DROP_MAX] (account): dropped before the thread saw them */
	/* at attach: the rule table, and the chains' leading on: nic scan */
	const struct tenet_classifier *rules;  /* later tables: the driver's set_rules */
	const struct tenet_nicscan_prog *scan; /* NULL: no chain scans on the NIC */
	uint64_t scan_tenants;                 /* bit t: tenant t's frames are scanned */
	char scan_err[PORT_HOST_SCAN_ERR];     /* why the chains' scans cannot go on a NIC */
	/*
	 * The rules now, on one frame (on the thread, once per frame): false
	 * when no chain matches. A driver whose NIC picked the tenant already
	 * looks the chain up here; it never parses or classifies itself.
	 */
	bool (*classify)(const struct port_host *h, const uint8_t *frame, uint32_t len,
	                 struct port_class *c);
	void *ctx; /* the manager's, for classify */
};

#endif /* TENET_PORTS_HOST_H */
