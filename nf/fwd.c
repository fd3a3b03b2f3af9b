/*
 * fwd: the smallest useful NF. Every packet goes on to the next hop of its
 * chain; with --port N, out of port N instead. A model to copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenet/nf.h"

static int out_port = -1;

static enum tenet_verdict fwd(struct tenet_pkt *pkt, void *arg)
{
	(void)arg;
	if (out_port >= 0)
		return tenet_pkt_to_port(pkt, (uint8_t)out_port);
	return TENET_V_NEXT;
}

int main(int argc, char **argv)
{
	struct tenet_nf *nf;
	int rc;

	if (argc == 3 && !strcmp(argv[1], "--port")) {
		out_port = atoi(argv[2]);
	} else if (argc != 1) {
		fprintf(stderr, "usage: fwd [--port N]\n");
		return 2;
	}
	nf = tenet_nf_attach(NULL, NULL); /* socket and service from the environment */
	if (!nf)
		return 1;
	rc = tenet_nf_run(nf, fwd, NULL);
	tenet_nf_detach(nf);
	return rc ? 1 : 0;
}
