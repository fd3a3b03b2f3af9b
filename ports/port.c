/*
 * Port driver registry: config driver -> driver, and the keys more than
 * one driver reads (their parse entries call these).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ports/port.h"

const char *const port_driver_names[] = {"gen", "sink", "pcap", "afpacket", "afxdp", NULL};

const struct port_driver *port_driver_find(enum cfg_driver d)
{
	switch (d) {
	case CFG_DRV_GEN:
		return &port_gen;
	case CFG_DRV_SINK:
		return &port_sink;
	case CFG_DRV_PCAP:
		return &port_pcap;
	case CFG_DRV_AFPACKET:
		return &port_afpacket;
	case CFG_DRV_AFXDP:
		return &port_afxdp;
	}
	return NULL;
}

const char *cfg_driver_name(enum cfg_driver d)
{
	return (unsigned int)d < 5 ? port_driver_names[d] : "?";
}

int port_parse_limits(struct cfg_reader *r, yaml_node_t *n, struct cfg_gen *g)
{
	yaml_node_t *v;

	if ((v = cfg_get(r, n, "rate")) && cfg_get_num(r, v, "rate", 0, 1e12, &g->rate_pps) < 0)
		return -1;
	if ((v = cfg_get(r, n, "count")) && cfg_get_u64(r, v, "count", &g->count) < 0)
		return -1;
	if ((v = cfg_get(r, n, "duration")) &&
	    cfg_get_num(r, v, "duration", 0, 1e9, &g->duration) < 0)
		return -1;
	return 0;
}

int port_parse_if(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p)
{
	static const char *const modes[] = {"native", "generic", "offload", NULL};
	yaml_node_t *v;
	int64_t q;
	int mode = 0;

	p->queue = 0;
	if (!(v = cfg_get(r, n, "ifname")))
		return cfg_fail(r, n,
		                "missing required key 'ifname' in %s port; expected ifname: "
		                "INTERFACE",
		                cfg_driver_name(p->driver));
	if (cfg_get_name(r, v, "ifname", p->ifname) < 0)
		return -1;
	if (strlen(p->ifname) >= PORT_IFNAME_MAX)
		return cfg_fail(r, v, "ifname '%s' is too long; expected at most %d characters",
		                p->ifname, PORT_IFNAME_MAX - 1);
	if ((v = cfg_get(r, n, "queue"))) {
		if (cfg_get_int(r, v, "queue", 0, 65535, &q) < 0)
			return -1;
		p->queue = (int)q;
	}
	if ((v = cfg_get(r, n, "xdp_mode")) && cfg_get_enum(r, v, "xdp_mode", modes, &mode) < 0)
		return -1;
	snprintf(p->xdp_mode, sizeof(p->xdp_mode), "%s", modes[mode]);
	return 0;
}
