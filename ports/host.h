/*
 * What the manager and a port share besides the driver itself: the
 * accounting words a port's threads write (the receive side's, by the
 * port's thread; the transmit side's, by the dispatcher) and the reasons
 * a packet is dropped for. mgr/ holds one of each per port (struct mport,
 * mgr/state.h); ports/ never includes mgr/.
 */
#ifndef TENET_PORTS_HOST_H
#define TENET_PORTS_HOST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/cnt.h"
#include "lib/xring.h"
#include "tenet/pkt.h"

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
	uint64_t ns;    /* thread CPU time */
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

#endif /* TENET_PORTS_HOST_H */
