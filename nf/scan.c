/*
 * scan: payload scan on the host with Hyperscan.
 *
 *     scan --patterns FILE [--tag-only]
 *
 * Scans the L4 payload of every packet against the pattern file (format in
 * tenet/scan.h): a packet that matches a drop pattern is dropped; one that
 * matches only tag patterns, or nothing, goes on to the next hop. With
 * --tag-only nothing is dropped and drop matches are only counted, to try a
 * new pattern set on live traffic. Each matching packet is counted against
 * the pattern that decided it (lowest id of the deciding action); the counts
 * are printed on exit and on SIGUSR1. Frames without an IP payload (non-IP,
 * malformed) pass unscanned and are counted as such.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenet/nf.h"
#include "tenet/scan.h"

struct scan_nf {
	struct tenet_scanset *set; /* the loop runs on one thread: one set */
	struct tenet_nf *nf;
	bool tag_only;
	uint64_t pkts, dropped, tagged, unscanned, failed;
	uint64_t *hits; /* per pattern id: packets it decided */
};

static enum tenet_verdict scan_one(struct scan_nf *sn, const struct tenet_pkt *pkt)
{
	struct tenet_pkt_info pi;
	unsigned int id = 0;
	int v;

	sn->pkts++;
	if (tenet_pkt_info(pkt, &pi) != TENET_PKT_OK) {
		sn->unscanned++;
		return TENET_V_NEXT;
	}
	v = tenet_scanset_match(sn->set, pkt->data + pi.payload_off, pi.payload_len, &id);
	if (v < 0) {
		sn->failed++;
		return TENET_V_NEXT;
	}
	if (v == TENET_SCAN_PASS)
		return TENET_V_NEXT;
	sn->hits[id]++;
	if (v == TENET_SCAN_DROP) {
		sn->dropped++;
		return sn->tag_only ? TENET_V_NEXT : TENET_V_DROP;
	}
	sn->tagged++;
	return TENET_V_NEXT;
}

static void on_burst(struct tenet_pkt **pkts, unsigned int n, void *arg)
{
	for (unsigned int i = 0; i < n; i++)
		pkts[i]->verdict = scan_one(arg, pkts[i]);
}

static void report(void *arg)
{
	const struct scan_nf *sn = arg;
	unsigned int silent = 0, nb = tenet_scanset_nb_patterns(sn->set);
	char text[2048];

	printf("scan %s/%s#%u: %llu packets, %llu %s, %llu tagged, %llu unscanned (no IP "
	       "payload), %llu scan errors\n",
	       tenet_nf_tenant(sn->nf), tenet_nf_service(sn->nf), tenet_nf_instance(sn->nf),
	       (unsigned long long)sn->pkts, (unsigned long long)sn->dropped,
	       sn->tag_only ? "would drop (--tag-only)" : "dropped", (unsigned long long)sn->tagged,
	       (unsigned long long)sn->unscanned, (unsigned long long)sn->failed);
	for (unsigned int i = 0; i < nb; i++) {
		unsigned int line;

		if (!sn->hits[i]) {
			silent++;
			continue;
		}
		line = tenet_scanset_pattern(sn->set, i, text, sizeof(text));
		printf("  %u %s:%u %s: %llu\n", i, tenet_scanset_name(sn->set), line, text,
		       (unsigned long long)sn->hits[i]);
	}
	printf("  %u of %u patterns decided no packet\n", silent, nb);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct scan_nf sn = {0};
	const char *path = NULL;
	char err[512];
	unsigned int nb;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--patterns") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--tag-only")) {
			sn.tag_only = true;
		} else {
			path = NULL;
			break;
		}
	}
	if (!path) {
		fprintf(stderr, "usage: scan --patterns FILE [--tag-only]\n");
		return 2;
	}
	sn.set = tenet_scanset_open(path, err, sizeof(err));
	if (!sn.set) {
		fprintf(stderr, "scan: %s\n", err);
		return 1;
	}
	nb = tenet_scanset_nb_patterns(sn.set);
	sn.hits = calloc(nb ? nb : 1, sizeof(*sn.hits));
	if (!sn.hits) {
		fprintf(stderr, "scan: out of memory\n");
		goto out;
	}
	sn.nf = tenet_nf_attach(NULL, NULL); /* socket and service from the environment */
	if (!sn.nf)
		goto out;
	tenet_nf_on_signal(sn.nf, SIGUSR1, report, &sn);
	rc = tenet_nf_run_burst(sn.nf, on_burst, &sn) ? 1 : 0;
	report(&sn);
	tenet_nf_detach(sn.nf);
out:
	free(sn.hits);
	tenet_scanset_close(sn.set);
	return rc;
}
