/*
 * The manager's side of the port drivers that run their own thread on its
 * memory (afxdp: AF_XDP sockets whose UMEMs are the pools). The driver
 * sees none of struct mgr: port_host_attach lends it, through struct
 * port_host (ports/host.h), the pools, the port's fill and ingress rings,
 * the transmit queues, the stop flags, its counters, the rule table, the
 * chains' NIC scan and one classify function; the other entries here call
 * the driver's. Every receiving port's thread starts in port_thread: the
 * driver's own, or the NIC stage (nic.c) for drivers that only rx.
 */
#include <errno.h>
#include <stdio.h>

#include "lib/err.h"
#include "mgr/ingress.h"
#include "mgr/nic.h"
#include "mgr/port_host.h"

/*
 * What the rules say of a frame the port received (port_host.classify),
 * on the port's thread: the ingress paths' one classify-frame function
 * (mgr/ingress.h). A frame it cannot parse is not classified here (false):
 * the dispatcher classifies it afresh, drops it and counts the parse
 * error; the count taken here goes to the port's scratch.
 */
static bool classify(const struct port_host *h, const uint8_t *frame, uint32_t len,
                     struct port_class *c)
{
	struct mgr *m = h->ctx;
	struct mport *p = &m->ports[h->index];
	struct mdesc d = {.len = (uint16_t)len, .port = (uint8_t)h->index};
	struct tenet_pkt_info pi;
	const struct chain *ch;

	if (mgr_classify_frame(m, mgr_cls(m), frame, &d, &pi, p->reclassify_parse_err) !=
	    INGRESS_CLASSIFIED)
		return false;
	ch = &m->chains[d.chain];
	c->chain = d.chain;
	c->tenant = ch->tenant;
	c->first_host_hop = ch->first_host_hop;
	c->hash = d.hash;
	c->payload_len = pi.payload_len;
	return true;
}

/*
 * The nicscan program for chains whose leading hop runs on the NIC, and
 * their tenants; NULL with a message in err when they cannot share one
 * XDP program.
 */
static const struct tenet_nicscan_prog *scan_setup(struct mgr *m, uint64_t *tenants, char *err,
                                                   size_t errlen)
{
	const struct service *svc = NULL;

	*tenants = 0;
	for (unsigned int i = 0; i < m->cfg->nb_chains; i++) {
		struct chain *c = &m->chains[i];
		const struct service *s;

		if (!c->first_host_hop)
			continue;
		if (c->first_host_hop > 1) {
			tenet_err(err, errlen,
			          "chain %s: XDP runs one offloaded scan hop; expected at most one "
			          "leading on: nic hop",
			          c->cfg->name);
			return NULL;
		}
		s = &m->services[c->cfg->hops[0].service];
		if (svc && svc != s) {
			tenet_err(err, errlen,
			          "chains offload scans of different services (%s, %s) on one "
			          "port; expected one pattern set per XDP program",
			          svc->cfg->name, s->cfg->name);
			return NULL;
		}
		svc = s;
		*tenants |= 1ull << c->tenant;
	}
	return svc ? tenet_nicscan_prog(svc->nicscan) : NULL;
}

static void host_fill(struct mgr *m, struct mport *p)
{
	struct port_host *h = &p->host;
	bool cpu = p->cfg->steer == CFG_STEER_CPU;

	h->index = p->index;
	h->poll = m->poll;
	h->stop_rx = &m->stop.nic;
	h->stop_tx = &m->stop.tx;
	for (unsigned int k = 0; k < m->nb_pools; k++)
		h->pools[k] = m->pools[k].pool;
	for (unsigned int t = 0; t < m->cfg->nb_tenants; t++)
		h->tenant_pool[t] = m->tenants[t].mp->index;
	h->ingress_pool = m->router.ingress_pool;
	h->fill = cpu ? &m->router.fill[p->index] : p->fill;
	h->ingress = cpu ? &m->router.in[p->index] : &p->ingress[0];
	h->kick_fd = m->shards[0].efd; /* dispatchers: 1 with such a port (config.c) */
	h->tx = &p->tx;
	h->rx = &p->rx;
	h->pre_drops = p->xdp_drops;
	h->rules = m->cls;
	h->scan_err[0] = '\0';
	h->scan = scan_setup(m, &h->scan_tenants, h->scan_err, sizeof(h->scan_err));
	h->classify = classify;
	h->ctx = m;
}

int port_host_attach(struct mgr *m, struct mport *p, char *err, size_t errlen)
{
	int rc;

	if (!p->port.drv->attach)
		return 0;
	host_fill(m, p);
	rc = p->port.drv->attach(&p->port, &p->host, err, errlen);
	if (rc)
		return rc;
	if (p->tx.zerocopy && (xring_create(&p->tx.txq, MGR_FILL_SIZE) ||
	                       xring_create(&p->tx.compq, MGR_FILL_SIZE))) {
		tenet_err(err, errlen, "out of memory for the transmit rings");
		return -ENOMEM;
	}
	return 0;
}

void port_host_detach(struct mport *p)
{
	if (p->port.drv && p->port.drv->detach)
		p->port.drv->detach(&p->port, &p->host);
	xring_destroy(&p->tx.txq);
	xring_destroy(&p->tx.compq);
	p->tx.zerocopy = false;
}

void *port_thread(void *arg)
{
	struct nic_arg *na = arg;
	struct mport *p = na->p;

	if (!p->port.drv->thread)
		return nic_thread(arg);
	p->port.drv->thread(&p->port, &p->host);
	return NULL;
}

void port_host_stop_rx(struct mport *p)
{
	if (p->port.drv && p->port.drv->stop_rx)
		p->port.drv->stop_rx(&p->port);
}

int port_host_set_rules(struct mport *p, const struct tenet_classifier *c)
{
	return p->port.drv && p->port.drv->set_rules ? p->port.drv->set_rules(&p->port, c) : 0;
}

void port_host_account(struct mport *p)
{
	if (p->port.drv && p->port.drv->account)
		p->port.drv->account(&p->port, &p->host);
}
