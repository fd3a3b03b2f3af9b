/*
 * afpacket: extras of the AF_PACKET port driver (ports/afpacket.c) beyond
 * the driver contract of ports/port.h, for the tools that drive a real
 * interface directly (tenet gen, tenet sink).
 */
#ifndef TENET_PORT_AFPACKET_H
#define TENET_PORT_AFPACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "ports/port.h"

struct afpacket_stats {
	uint64_t rx_packets, rx_bytes; /* frames handed out by rx */
	uint64_t rx_blocks;            /* ring blocks consumed */
	uint64_t rx_truncated;   /* frames cut short by the ring (tp_snaplen < tp_len), skipped */
	uint64_t rx_oversize;    /* frames above 65535 bytes, skipped */
	uint64_t rx_outgoing;    /* own/outgoing frames skipped (kernels without IGNORE_OUTGOING) */
	uint64_t kernel_packets; /* PACKET_STATISTICS tp_packets: frames the socket saw, incl. drops
	                          */
	uint64_t kernel_drops;   /* PACKET_STATISTICS tp_drops: ring full, frame lost */
	uint64_t kernel_freezes; /* PACKET_STATISTICS tp_freeze_q_cnt */
	uint64_t tx_packets, tx_bytes; /* frames the kernel accepted */
	uint64_t tx_errors;            /* frames given up on (last_tx_errno says why) */
	uint64_t tx_retries;           /* sends repeated after ENOBUFS/EAGAIN */
	int last_tx_errno;
	bool qdisc_bypass;    /* PACKET_QDISC_BYPASS is on */
	bool ignore_outgoing; /* PACKET_IGNORE_OUTGOING is on */
	bool promisc;
};

/*
 * Snapshot of an open afpacket port's counters. Folds the kernel's
 * PACKET_STATISTICS (which reset on every read) into the totals first, so
 * kernel_drops is current. Any thread. 0, or -EINVAL if p is not an open
 * afpacket port.
 */
int port_afpacket_stats(struct port *p, struct afpacket_stats *st);

/*
 * Turn promiscuous mode on or off for this socket (a membership the kernel
 * drops when the socket closes, so the interface is left as it was). 0, or
 * -errno (-EINVAL: not an afpacket port).
 */
int port_afpacket_promisc(struct port *p, bool on);

#endif /* TENET_PORT_AFPACKET_H */
