/*
 * The afxdp port's options that are more than a scalar, read from its keys
 * by ports/afxdp.c and kept in struct cfg_port (ports/port_cfg.h).
 */
#ifndef TENET_PORTS_AFXDP_H
#define TENET_PORTS_AFXDP_H

#include "lib/cfgread.h"

#define CFG_MAX_TENANT_IFS 16

/* steer nic: the netdev (VF, or a veth for tests) that carries a tenant's traffic */
struct cfg_tenant_if {
	int tenant; /* index into tenants */
	char ifname[CFG_NAME_MAX];
};

#endif /* TENET_PORTS_AFXDP_H */
