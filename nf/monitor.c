/*
 * monitor: per-flow packet and byte counters, printed on exit and on
 * SIGUSR1. Flows are keyed by 5-tuple in an open-addressing table; every
 * packet continues to the next hop.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tenet/nf.h"

#define MAX_FLOWS 65536 /* power of two */
#define SHOW      10    /* flows printed, busiest first */

struct flow {
	uint8_t used, ver, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint64_t pkts, bytes;
};

struct monitor {
	struct flow *flows;
	unsigned int nb_flows;
	uint64_t pkts, bytes, non_ip, full;
	struct tenet_nf *nf;
};

static bool same(const struct flow *f, const struct tenet_pkt_info *pi)
{
	return f->ver == pi->ip_version && f->proto == pi->proto && f->sport == pi->sport &&
	       f->dport == pi->dport && !memcmp(f->src, pi->src, 16) &&
	       !memcmp(f->dst, pi->dst, 16);
}

static void count(struct monitor *mon, const struct tenet_pkt_info *pi, uint32_t hash, uint16_t len)
{
	for (uint32_t i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &mon->flows[(hash + i) & (MAX_FLOWS - 1)];

		if (!f->used) {
			if (mon->nb_flows >= MAX_FLOWS / 2)
				break; /* keep probes short: count as "table full" */
			f->used = 1;
			f->ver = pi->ip_version;
			f->proto = pi->proto;
			memcpy(f->src, pi->src, 16);
			memcpy(f->dst, pi->dst, 16);
			f->sport = pi->sport;
			f->dport = pi->dport;
			mon->nb_flows++;
		} else if (!same(f, pi)) {
			continue;
		}
		f->pkts++;
		f->bytes += len;
		return;
	}
	mon->full++;
}

static enum tenet_verdict on_pkt(struct tenet_pkt *pkt, void *arg)
{
	struct monitor *mon = arg;
	struct tenet_pkt_info pi;

	mon->pkts++;
	mon->bytes += pkt->len;
	if (tenet_pkt_info(pkt, &pi) != TENET_PKT_OK)
		mon->non_ip++;
	else
		count(mon, &pi, tenet_flow_hash(&pi), pkt->len);
	return TENET_V_NEXT;
}

static int by_pkts(const void *a, const void *b)
{
	const struct flow *x = a, *y = b;

	return x->pkts < y->pkts ? 1 : x->pkts > y->pkts ? -1 : 0;
}

static void report(void *arg)
{
	struct monitor *mon = arg;
	struct flow *top = calloc(mon->nb_flows ? mon->nb_flows : 1, sizeof(*top));
	unsigned int n = 0;

	if (!top)
		return;
	for (uint32_t i = 0; i < MAX_FLOWS; i++)
		if (mon->flows[i].used)
			top[n++] = mon->flows[i];
	qsort(top, n, sizeof(*top), by_pkts);
	printf("monitor %s/%s#%u: %llu packets, %llu bytes, %u flows, %llu non-IP/malformed, "
	       "%llu not tracked (table full)\n",
	       tenet_nf_tenant(mon->nf), tenet_nf_service(mon->nf), tenet_nf_instance(mon->nf),
	       (unsigned long long)mon->pkts, (unsigned long long)mon->bytes, mon->nb_flows,
	       (unsigned long long)mon->non_ip, (unsigned long long)mon->full);
	for (unsigned int i = 0; i < n && i < SHOW; i++) {
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
		int af = top[i].ver == 6 ? AF_INET6 : AF_INET;

		inet_ntop(af, top[i].src, s, sizeof(s));
		inet_ntop(af, top[i].dst, d, sizeof(d));
		printf("  %s:%u -> %s:%u proto %u: %llu packets, %llu bytes\n", s, top[i].sport, d,
		       top[i].dport, top[i].proto, (unsigned long long)top[i].pkts,
		       (unsigned long long)top[i].bytes);
	}
	fflush(stdout);
	free(top);
}

int main(void)
{
	struct monitor mon = {0};
	int rc;

	mon.flows = calloc(MAX_FLOWS, sizeof(*mon.flows));
	if (!mon.flows)
		return 1;
	mon.nf = tenet_nf_attach(NULL, NULL);
	if (!mon.nf)
		return 1;
	tenet_nf_on_signal(mon.nf, SIGUSR1, report, &mon);
	rc = tenet_nf_run(mon.nf, on_pkt, &mon);
	report(&mon);
	tenet_nf_detach(mon.nf);
	free(mon.flows);
	return rc ? 1 : 0;
}
