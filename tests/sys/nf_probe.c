/*
 * nf_probe: a test NF for the system tests. It checks and rewrites a mark
 * in the last byte of every frame (so a chain's order can be verified hop
 * by hop), records which flows it saw (flow affinity), and writes what it
 * counted to a file when it stops:
 *
 *   nf_probe --mark M [--expect E] [--port P] --out FILE
 *
 * E = 0 skips the check (first hop). With --port, a packet whose
 * descriptor names another ingress port counts in port_bad. FILE gets
 * lines "seen N", "order_bad N", "port_bad N", "instance I", then
 * "flow HASH" once per distinct flow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenet/nf.h"

#define MAX_FLOWS 4096

struct probe {
	int mark, expect, port; /* port < 0: not checked */
	uint64_t seen, order_bad, port_bad;
	uint32_t flows[MAX_FLOWS];
	unsigned int nb_flows;
};

static enum tenet_verdict on_pkt(struct tenet_pkt *pkt, void *arg)
{
	struct probe *p = arg;
	uint8_t *last = &pkt->data[pkt->len - 1];
	unsigned int i;

	p->seen++;
	if (p->expect && *last != p->expect)
		p->order_bad++;
	if (p->port >= 0 && pkt->desc.port != p->port)
		p->port_bad++;
	*last = (uint8_t)p->mark;
	for (i = 0; i < p->nb_flows; i++)
		if (p->flows[i] == pkt->desc.hash)
			break;
	if (i == p->nb_flows && p->nb_flows < MAX_FLOWS)
		p->flows[p->nb_flows++] = pkt->desc.hash;
	return TENET_V_NEXT;
}

int main(int argc, char **argv)
{
	static struct probe p;
	const char *out = NULL;
	struct tenet_nf *nf;
	FILE *f;

	p.port = -1;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			p.port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--mark"))
			p.mark = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--expect"))
			p.expect = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
	}
	if (!out || p.mark <= 0 || p.mark > 255) {
		fprintf(stderr, "usage: nf_probe --mark M [--expect E] [--port P] --out FILE\n");
		return 2;
	}
	nf = tenet_nf_attach(NULL, NULL);
	if (!nf)
		return 1;
	tenet_nf_run(nf, on_pkt, &p);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s.%u", out, tenet_nf_instance(nf));
		f = fopen(path, "w");
	}
	if (f) {
		fprintf(f, "seen %llu\norder_bad %llu\nport_bad %llu\ninstance %u\n",
		        (unsigned long long)p.seen, (unsigned long long)p.order_bad,
		        (unsigned long long)p.port_bad, tenet_nf_instance(nf));
		for (unsigned int i = 0; i < p.nb_flows; i++)
			fprintf(f, "flow %u\n", p.flows[i]);
		fclose(f);
	}
	tenet_nf_detach(nf);
	return 0;
}
