/*
 * What a run measured, for tenet-bench (struct mgr_result): totals, the
 * counters at the end of the warm-up, and the sink's latency over the
 * packets after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"

#include "mgr/result.h"
#include "mgr/stats.h"
#include "ports/sink.h"

void fill_result(struct mgr *m, struct mgr_result *r, double elapsed, bool conserved)
{
	memset(r, 0, sizeof(*r));
	r->elapsed = elapsed;
	r->conserved = conserved;
	r->packets_in = mgr_packets_in(m);
	r->delivered = mgr_delivered(m);
	for (unsigned int d = 0; d < DROP_MAX; d++) {
		r->drops[d] = mgr_dropped(m, d);
		r->dropped += r->drops[d];
	}
	r->copies = mgr_copies(m);
	r->dispatcher_ns = mgr_dispatch_ns(m);
	r->dispatcher_work_ns = mgr_dispatch_work_ns(m);
	r->dispatcher_kick_ns = mgr_dispatch_kick_ns(m);
	r->router_ns = cnt_get(&m->router.ns);
	for (unsigned int i = 0; i < m->cfg->nb_services; i++)
		r->nf_ns += m->services[i].cpu_ns;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct sink_stats st;

		r->nic_ns += cnt_get(&m->ports[i].rx.ns);
		r->nic_wait_ns += cnt_get(&m->ports[i].rx.wait_ns);
		r->nic_stalls += cnt_get(&m->ports[i].rx.stalls);
		r->nic_stall_ns += cnt_get(&m->ports[i].rx.stall_ns);
		r->rx_bytes += cnt_get(&m->ports[i].rx.bytes);
		r->tx_bytes += cnt_get(&m->ports[i].tx.bytes);
		if (m->cfg->ports[i].driver == CFG_DRV_SINK &&
		    !port_sink_stats(&m->ports[i].port, &st))
			r->lat = st.lat;
	}
	r->host_ns = r->dispatcher_ns + r->router_ns + r->nf_ns;
	r->huge_pages = !m->have_router || m->router.ingress_pool->hugetlb;
	for (unsigned int k = 0; k < m->nb_pools; k++)
		r->huge_pages &= m->pools[k].pool->hugetlb;
}

/* CPU time (user + system, all threads) a process has used, ns; 0 if unknown. */
static uint64_t proc_cpu_ns(pid_t pid)
{
	unsigned long long ut, st;
	char path[64], buf[1024], *p;
	long tck = sysconf(_SC_CLK_TCK);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || tck <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold anything */
	if (!p ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (uint64_t)(ut + st) * (1000000000ull / (uint64_t)tck);
}

/* The last sink port (the one struct mgr_result.lat describes), or NULL. */
static struct port *last_sink(struct mgr *m)
{
	struct port *p = NULL;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->cfg->ports[i].driver == CFG_DRV_SINK)
			p = &m->ports[i].port;
	return p;
}

/*
 * Counters at the end of the warm-up into *w, and the sink's latency
 * histogram into hist (if not NULL). Returns whether hist was filled.
 */
bool take_snapshot(struct mgr *m, double at, struct mgr_snapshot *w, struct sink_hist *hist)
{
	struct port *sink = last_sink(m);

	memset(w, 0, sizeof(*w));
	w->taken = true;
	w->at = at;
	w->packets_in = mgr_packets_in(m);
	w->delivered = mgr_delivered(m);
	for (unsigned int d = 0; d < DROP_MAX; d++) {
		w->drops[d] = mgr_dropped(m, d);
		w->dropped += w->drops[d];
	}
	w->dispatcher_ns = mgr_dispatch_ns(m);
	w->dispatcher_work_ns = mgr_dispatch_work_ns(m);
	w->dispatcher_kick_ns = mgr_dispatch_kick_ns(m);
	w->router_ns = cnt_get(&m->router.ns);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		w->nic_ns += cnt_get(&m->ports[i].rx.ns);
		w->nic_wait_ns += cnt_get(&m->ports[i].rx.wait_ns);
		w->nic_stalls += cnt_get(&m->ports[i].rx.stalls);
		w->nic_stall_ns += cnt_get(&m->ports[i].rx.stall_ns);
	}
	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		const struct service *svc = &m->services[i];

		w->nf_ns += svc->cpu_ns;
		for (unsigned int k = 0; k < CFG_MAX_INSTANCES; k++)
			if (svc->child[k] > 0)
				w->nf_ns += proc_cpu_ns(svc->child[k]);
	}
	return hist && sink && !port_sink_hist(sink, hist);
}

/* Latency over the packets the sink saw after the warm-up: now minus the snapshot. */
void latency_after(struct mgr *m, const struct sink_hist *warm, struct sink_latency *lat)
{
	struct port *sink = last_sink(m);
	struct sink_hist *h = malloc(sizeof(*h));

	memset(lat, 0, sizeof(*lat));
	if (!h || !sink || port_sink_hist(sink, h)) {
		free(h);
		return;
	}
	h->count = 0;
	for (unsigned int i = 0; i < SINK_HIST_BUCKETS; i++) {
		h->bucket[i] -= h->bucket[i] >= warm->bucket[i] ? warm->bucket[i] : h->bucket[i];
		h->count += h->bucket[i];
	}
	h->overflow -= h->overflow >= warm->overflow ? warm->overflow : h->overflow;
	h->count += h->overflow;
	h->sum_ns -= h->sum_ns >= warm->sum_ns ? warm->sum_ns : h->sum_ns;
	if (h->count) {
		lat->count = h->count;
		lat->min_ns = h->min_ns;
		lat->max_ns = h->max_ns;
		lat->overflow = h->overflow;
		lat->mean_ns = h->sum_ns / h->count;
		lat->p50_ns = sink_hist_value_at(h, 50);
		lat->p99_ns = sink_hist_value_at(h, 99);
		lat->p999_ns = sink_hist_value_at(h, 99.9);
	}
	free(h);
}
