/*
 * Port drivers: where frames enter and leave the platform.
 *
 * A driver produces received frames in its own staging memory (the NIC's
 * memory, for the software ports) and takes frames to transmit. It never
 * touches a tenant pool: the NIC stage (mgr/nic.c) classifies each frame
 * in staging memory and then writes it once into the right pool - that
 * write is the DMA. rx and tx run on the port's own thread.
 *
 * A driver whose hardware writes frames straight into the pools (afxdp:
 * an AF_XDP socket's UMEM is a pool) runs its own thread instead of rx:
 * the attach and thread entries, on the pools and rings the manager lends
 * it through struct port_host (ports/host.h).
 */
#ifndef TENET_PORT_H
#define TENET_PORT_H

#include <stdint.h>
#include <stdio.h>

#include "lib/cfgread.h"
#include "ports/port_cfg.h"

struct tenet_frame {
	uint8_t *data;
	uint16_t len;
	uint16_t tenant; /* tx: tenant whose pool held the frame (sink counts per tenant) */
};

struct port;
struct port_host;
struct tenet_classifier;

struct port_driver {
	const char *name;
	/*
	 * Config. keys: the driver's own keys besides name, driver and steer
	 * (NULL-terminated); any other key on its port is an error.
	 * parse reads them from the port's mapping n into cfg, defaults first,
	 * each checked: on error it writes one positioned line through r
	 * (lib/cfgread.h) and returns -1. It runs once name and steer are
	 * read, with cfg->can_rx and can_tx set from rx and tx; it may narrow
	 * them. NULL: no keys.
	 */
	const char *const *keys;
	int (*parse)(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *cfg);
	/* Once the tenants are read (names in file order): resolve the tenant
	 * names among the port's keys n. NULL: none. */
	int (*resolve)(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *cfg,
	               const char *const *tenants, unsigned int nb_tenants);
	/* The longest frame the config lets the port receive, 0: the traffic
	 * decides (checked frame by frame on receive). NULL: 0. */
	unsigned int (*max_frame)(const struct cfg_port *cfg);
	/* Checks on this machine before a run (files the port reads); r has no
	 * document (cfg_fail_at only). NULL: none. */
	int (*check_host)(struct cfg_reader *r, const struct cfg_port *cfg);
	/* Set up from cfg; on error write a message into err and return -errno. */
	int (*open)(struct port *p, const struct cfg_port *cfg, char *err, size_t errlen);
	void (*close)(struct port *p);
	/*
	 * Receive up to n frames into staging memory; frames stay valid until
	 * the next rx call. Returns the count (0: nothing right now), or
	 * -ENODATA when the source is finished (count/duration reached, EOF).
	 * NULL for tx-only drivers.
	 */
	int (*rx)(struct port *p, struct tenet_frame *f, unsigned int n);
	/*
	 * Frames the driver received but did not hand out because it cannot
	 * hold them whole (a record above its staging size, a frame the
	 * kernel cut short): a running total, read by the rx thread after
	 * each rx call. The NIC stage counts each in packets_in and drops it
	 * as oversize: no frame is ever passed on cut. NULL: none possible.
	 */
	uint64_t (*rx_oversize)(struct port *p);
	/*
	 * Frames that arrived while the driver's receive ring was full (the
	 * NIC stage did not take them in time; ports/pace.h): a running total
	 * read like rx_oversize, counted in packets_in and dropped as
	 * rx_missed. NULL: none possible.
	 */
	uint64_t (*rx_missed)(struct port *p);
	/* Transmit n frames (copied out before returning). NULL for rx-only. */
	void (*tx)(struct port *p, const struct tenet_frame *f, unsigned int n);
	/* Driver-specific counters as JSON members ("\"k\": v, ..."), may be NULL. */
	void (*report_json)(struct port *p, FILE *out);
	/*
	 * A driver with its own thread on the manager's memory (ports/host.h).
	 * NULL for the others: the manager's NIC stage (mgr/nic.c) calls their
	 * rx on the port's thread.
	 *
	 * attach: after open, once the pools and rings exist: set up what
	 *   works on them (afxdp: XDP programs, AF_XDP sockets), and set
	 *   h->tx->zerocopy if frames leave through h->tx's queues. On error
	 *   write a message into err and return -errno; detach undoes it.
	 * thread: the port's thread, started by the manager for a port that
	 *   receives: receive until h->stop_rx, transmit until h->stop_tx,
	 *   then return.
	 * stop_rx: (control) no frame reaches a pool from now on; transmit
	 *   goes on. set_rules: (control) publish a new rule table to what
	 *   classifies on the NIC; 0 or -errno. account: (control) fold the
	 *   counters kept outside the thread (XDP's, the kernel's) into
	 *   h->pre_drops and h->rx->parse_err.
	 * detach: (control, the thread joined) account one last time, let go
	 *   of everything attach set up; after no or a failed attach too.
	 */
	int (*attach)(struct port *p, struct port_host *h, char *err, size_t errlen);
	void (*thread)(struct port *p, struct port_host *h);
	void (*stop_rx)(struct port *p);
	int (*set_rules)(struct port *p, const struct tenet_classifier *c);
	void (*account)(struct port *p, struct port_host *h);
	void (*detach)(struct port *p, struct port_host *h);
};

struct port {
	const struct port_driver *drv;
	const struct cfg_port *cfg;
	unsigned int index;
	void *priv; /* driver state */
	/* set by open: rx makes frames when asked and nothing arrives meanwhile
	 * (gen and pcap at full speed): the NIC stage may stop asking while it
	 * has no buffer for them (mgr/nic.c), where a paced or real source
	 * would lose frames, other tenants' among them */
	bool on_demand;
};

const struct port_driver *port_driver_find(enum cfg_driver d);
/* The drivers' names in enum cfg_driver order, NULL-terminated. */
extern const char *const port_driver_names[];

#define PORT_IFNAME_MAX 16 /* IFNAMSIZ */

/* Keys more than one driver has, for their parse entries (ports/port.c). */
/* rate, count, duration: gen's traffic limits, pcap's replay limits */
int port_parse_limits(struct cfg_reader *r, yaml_node_t *n, struct cfg_gen *g);
/* ifname (required), queue, xdp_mode: afpacket and afxdp */
int port_parse_if(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *cfg);

extern const struct port_driver port_gen, port_sink, port_pcap;
extern const struct port_driver port_afpacket, port_afxdp;

#endif
