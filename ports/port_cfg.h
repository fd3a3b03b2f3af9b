/*
 * A port's config: what the manager's config (mgr/config.c) and the port
 * drivers share. config.c reads the keys every port has (name, driver,
 * steer); each driver reads its own (struct port_driver's keys and parse,
 * ports/port.h) into the driver's part below. Dependencies point one way:
 * mgr/ includes this, ports/ never includes mgr/.
 */
#ifndef TENET_PORTS_PORT_CFG_H
#define TENET_PORTS_PORT_CFG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/cfgread.h"
#include "ports/afxdp.h"
#include "ports/gen.h"

/* Tenants on the platform at most: a frame's tenant index is below this. */
#define CFG_MAX_TENANTS 64

enum cfg_driver { CFG_DRV_GEN, CFG_DRV_SINK, CFG_DRV_PCAP, CFG_DRV_AFPACKET, CFG_DRV_AFXDP };
enum cfg_steer { CFG_STEER_NIC, CFG_STEER_CPU, CFG_STEER_SHARED };

struct cfg_port {
	/* every port (mgr/config.c) */
	char name[CFG_NAME_MAX];
	enum cfg_driver driver;
	enum cfg_steer steer; /* default nic */
	bool can_rx;          /* the port receives (a rule may name it) */
	bool can_tx;          /* the port transmits (a chain's output may name it) */
	int line;             /* where it was declared, for later messages */
	/* the smallest frame room (buf_size less the headroom) of the pools this
	 * port's frames can land in, and that pool's tenant: a driver whose
	 * frame length the traffic decides (afpacket, afxdp: the MTU) warns at
	 * open when its frames can be longer (they are dropped as oversize) */
	uint32_t min_room;
	char min_room_tenant[CFG_NAME_MAX];

	/* gen (ports/gen.c); pcap: rate, count, duration */
	struct cfg_gen gen;
	/* pcap (ports/pcap.c) */
	char pcap_in[CFG_PATH_MAX]; /* read frames from (optional) */
	struct cfg_pos pcap_in_at;
	char pcap_out[CFG_PATH_MAX]; /* write frames to (optional) */
	bool pcap_loop;              /* replay the input file until count/duration */
	/* afpacket (ports/afpacket.c), afxdp (ports/afxdp.c) */
	char ifname[CFG_NAME_MAX];
	int queue;         /* afxdp queue id (default 0) */
	char xdp_mode[16]; /* afxdp: native | generic | offload (default native) */
	/* afxdp */
	struct cfg_tenant_if tenant_ifs[CFG_MAX_TENANT_IFS]; /* steer nic */
	unsigned int nb_tenant_ifs;
	int scan_action; /* a packet the NIC scan matches is 0 dropped, 1 passed
	                  * to the host stack, 2 bounced out (XDP_TX) */
};

const char *cfg_driver_name(enum cfg_driver d);

#endif /* TENET_PORTS_PORT_CFG_H */
