/*
 * Port driver registry: config driver -> driver.
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
		return &port_afpacket;
	case CFG_DRV_AFXDP:
		return &port_afxdp;
	}
	return NULL;
}
