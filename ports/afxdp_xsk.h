/*
 * The afxdp driver's state, shared by its set-up (ports/afxdp.c) and its
 * port thread (ports/afxdp_xsk.c); behind the port's priv.
 */
#ifndef TENET_PORTS_AFXDP_XSK_H
#define TENET_PORTS_AFXDP_XSK_H

#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/xdp.h"
#include "lib/xsk.h"
#include "lib/xsk_prog.h"
#include "ports/host.h"
#include "ports/port.h"

#define AFXDP_MAX_SOCKS (CFG_MAX_TENANTS + 1)
#define AFXDP_BURST     32  /* frames per socket and loop */
#define AFXDP_FILL_MAX  512 /* buffers posted to a socket's fill ring at most */

struct xsock {
	struct tenet_xsk *xsk;
	struct tenet_xsk_prog *prog; /* xsk_redirect on the socket's netdev */
	struct tenet_pool *pool;     /* the UMEM: a tenant pool, or the ingress pool */
	int pool_index;              /* xdesc_pool of its buffers; -1: the ingress pool */
	struct xring *fill;          /* the pool owner's fill ring for this port */
	int tenant;                  /* steer nic: the tenant; else -1 */
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t kernel_bufs;        /* buffers posted to the fill ring and not yet back */
	uint64_t stash[AFXDP_BURST]; /* taken from the owner, not yet posted */
	unsigned int nb_stash;
	uint64_t tx_addr[2 * AFXDP_BURST]; /* taken from txq, not yet accepted by the kernel */
	uint32_t tx_len[2 * AFXDP_BURST];
	unsigned int nb_tx;
	/* tx: buffers in flight to the kernel, freed by the dispatcher on completion */
};

struct afxdp {
	/* AF_PACKET: the copying transmit of steer: cpu */
	int fd;
	struct sockaddr_ll to;
	uint64_t sent, errors;
	/* XDP and AF_XDP (attach) */
	bool attached;         /* attach ran: detach has something to undo */
	struct tenet_xdp *cls; /* steer nic: the classifier on the ingress netdev */
	struct xsock *by_pool[CFG_MAX_TENANTS]; /* the socket whose UMEM is pool k */
	int ifindex;
	struct xsock s[AFXDP_MAX_SOCKS];
	unsigned int nb;
	bool scan_on_nic;          /* the XDP program runs the chains' leading scan */
	struct tenet_xdp_stats xs; /* last read (control thread) */
};

/* The port thread (port_driver.thread). */
void afxdp_thread(struct port *p, struct port_host *h);

#endif /* TENET_PORTS_AFXDP_XSK_H */
