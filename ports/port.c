/*
 * Port driver registry: config driver name -> driver. The drivers that
 * need kernel support (afpacket, afxdp) are not built yet and resolve to
 * NULL, which the manager reports as an unsupported driver.
 */
#include <stddef.h>

#include "ports/port.h"

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
	case CFG_DRV_AFXDP:
		return NULL;
	}
	return NULL;
}
