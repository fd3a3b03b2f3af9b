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

#include "ports/afxdp.h"
#include "ports/port.h"

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
		snprintf(err, errlen, "%s: %s (AF_XDP and AF_PACKET need CAP_NET_RAW)", cfg->ifname,
		         strerror(errno));
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
        .open = drv_open,
        .close = drv_close,
        .rx = drv_rx,
        .tx = drv_tx,
        .report_json = drv_report,
};
