/*
 * The afxdp port's driver face: its keys (read here, like every driver's)
 * and the port_driver the manager opens for it. Frames are received by
 * the manager's afxdp port thread (mgr/afxdp.c), not through rx: the
 * AF_XDP sockets' UMEMs are the manager's pools. tx is the copying
 * fallback for steer: cpu, through AF_PACKET (zero-copy transmit goes
 * through the port thread, see mgr/afxdp.c).
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/err.h"
#include "ports/afxdp.h"
#include "ports/port.h"

/* ---------------------------------------------------------------- config */

static const char *const afxdp_keys[] = {"ifname",     "queue",       "xdp_mode",
                                         "tenant_ifs", "scan_action", NULL};

static int afxdp_parse(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p)
{
	yaml_node_t *v;

	if (port_parse_if(r, n, p) < 0)
		return -1;
	if ((v = cfg_get(r, n, "scan_action"))) {
		static const char *const actions[] = {"drop", "pass", "bounce", NULL};
		int act;

		if (cfg_get_enum(r, v, "scan_action", actions, &act) < 0)
			return -1;
		p->scan_action = act;
	}
	if ((v = cfg_get(r, n, "tenant_ifs"))) {
		if (cfg_want_map(r, v, "tenant_ifs", "a mapping {TENANT: INTERFACE, ...}") < 0 ||
		    cfg_check_keys(r, v, "tenant_ifs", NULL) < 0)
			return -1;
		for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
		     pr < v->data.mapping.pairs.top; pr++) {
			struct cfg_tenant_if *ti = &p->tenant_ifs[p->nb_tenant_ifs];
			yaml_node_t *iv = cfg_node(r, pr->value);

			if (p->nb_tenant_ifs == CFG_MAX_TENANT_IFS)
				return cfg_fail(r, v, "too many tenant_ifs; expected at most %d",
				                CFG_MAX_TENANT_IFS);
			if (cfg_get_name(r, iv, "tenant_ifs", ti->ifname) < 0)
				return -1;
			if (strlen(ti->ifname) >= PORT_IFNAME_MAX)
				return cfg_fail(
				        r, iv,
				        "ifname '%s' is too long; expected at most %d characters",
				        ti->ifname, PORT_IFNAME_MAX - 1);
			p->nb_tenant_ifs++;
		}
	}
	return 0;
}

/* tenant_ifs name tenants, which are read after the ports. */
static int afxdp_resolve(struct cfg_reader *r, yaml_node_t *n, struct cfg_port *p,
                         const char *const *tenants, unsigned int nb_tenants)
{
	yaml_node_t *v = cfg_get(r, n, "tenant_ifs");

	for (unsigned int k = 0; v && k < p->nb_tenant_ifs; k++) {
		yaml_node_t *key = cfg_node(r, v->data.mapping.pairs.start[k].key);

		p->tenant_ifs[k].tenant = -1;
		for (unsigned int t = 0; t < nb_tenants; t++)
			if (!strcmp(tenants[t], cfg_text(key)))
				p->tenant_ifs[k].tenant = (int)t;
		if (p->tenant_ifs[k].tenant < 0)
			return cfg_fail(r, key,
			                "unknown tenant '%s' in tenant_ifs; expected a tenant name",
			                cfg_text(key));
	}
	return 0;
}

/* ---------------------------------------------------------------- driver */

struct afxdp_tx {
	int fd;
	struct sockaddr_ll to;
	uint64_t sent, errors;
};

static int drv_open(struct port *p, const struct cfg_port *cfg, char *err, size_t errlen)
{
	struct afxdp_tx *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	t->to.sll_family = AF_PACKET;
	t->to.sll_ifindex = (int)if_nametoindex(cfg->ifname);
	t->to.sll_halen = ETH_ALEN;
	if (t->fd < 0 || !t->to.sll_ifindex) {
		tenet_err(err, errlen, "%s: %s (AF_XDP and AF_PACKET need CAP_NET_RAW)",
		          cfg->ifname, strerror(errno));
		if (t->fd >= 0)
			close(t->fd);
		free(t);
		return -errno;
	}
	p->priv = t;
	return 0;
}

static void drv_close(struct port *p)
{
	struct afxdp_tx *t = p->priv;

	if (!t)
		return;
	close(t->fd);
	free(t);
	p->priv = NULL;
}

static int drv_rx(struct port *p, struct tenet_frame *f, unsigned int n)
{
	(void)p;
	(void)f;
	(void)n;
	return 0; /* frames arrive through afxdp_thread */
}

static void drv_tx(struct port *p, const struct tenet_frame *f, unsigned int n)
{
	struct afxdp_tx *t = p->priv;

	for (unsigned int i = 0; i < n; i++) {
		memcpy(t->to.sll_addr, f[i].data, ETH_ALEN);
		if (sendto(t->fd, f[i].data, f[i].len, MSG_DONTWAIT, (struct sockaddr *)&t->to,
		           sizeof(t->to)) < 0)
			t->errors++;
		else
			t->sent++;
	}
}

static void drv_report(struct port *p, FILE *out)
{
	struct afxdp_tx *t = p->priv;

	fprintf(out, "\"tx_sent\": %llu, \"tx_errors\": %llu", (unsigned long long)t->sent,
	        (unsigned long long)t->errors);
}

const struct port_driver port_afxdp = {
        .name = "afxdp",
        .keys = afxdp_keys,
        .parse = afxdp_parse,
        .resolve = afxdp_resolve,
        .open = drv_open,
        .close = drv_close,
        .rx = drv_rx,
        .tx = drv_tx,
        .report_json = drv_report,
};
