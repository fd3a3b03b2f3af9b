/*
 * acl: a stateless firewall. Rules come from a file (format: lib/acl.h),
 * e.g. "drop src 10.1.0.0/16 proto udp dport 53"; the first rule that
 * matches a packet decides: drop, or allow on to the next hop. Packets
 * that match no rule, and non-IP or malformed ones, get --default. Per-rule
 * hit counters are printed on exit and on SIGUSR1.
 *
 *     acl --rules FILE [--default allow|drop]
 *
 * A bad rules file is reported as FILE:LINE:COL and the NF exits 2 before
 * it attaches.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tenet/acl.h"
#include "tenet/nf.h"

struct acl {
	struct tenet_acl *rules;
	uint64_t *hits; /* by rule id, which is the rule's line number */
	enum tenet_verdict dflt;
	uint64_t pkts, allowed, dropped;
	uint64_t no_match;   /* IP packets that matched no rule */
	uint64_t not_parsed; /* non-IP or malformed */
	struct tenet_nf *nf;
};

static enum tenet_verdict on_pkt(struct tenet_pkt *pkt, void *arg)
{
	struct acl *acl = arg;
	struct tenet_pkt_info pi;
	unsigned int line;
	int action;
	enum tenet_verdict v;

	acl->pkts++;
	if (tenet_pkt_info(pkt, &pi) != TENET_PKT_OK) {
		acl->not_parsed++;
		v = acl->dflt;
	} else if ((line = tenet_acl_match(acl->rules, &pi, pkt->desc.port, &action))) {
		acl->hits[line]++;
		v = action == TENET_ACL_DROP ? TENET_V_DROP : TENET_V_NEXT;
	} else {
		acl->no_match++;
		v = acl->dflt;
	}
	if (v == TENET_V_DROP)
		acl->dropped++;
	else
		acl->allowed++;
	return v;
}

static void report(void *arg)
{
	struct acl *acl = arg;
	const char *dflt = acl->dflt == TENET_V_DROP ? "drop" : "allow";
	unsigned int line;
	char text[256];

	printf("acl %s/%s#%u: %llu packets, %llu allowed, %llu dropped\n", tenet_nf_tenant(acl->nf),
	       tenet_nf_service(acl->nf), tenet_nf_instance(acl->nf), (unsigned long long)acl->pkts,
	       (unsigned long long)acl->allowed, (unsigned long long)acl->dropped);
	for (unsigned int i = 0; (line = tenet_acl_rule(acl->rules, i, text, sizeof(text))); i++)
		printf("  line %u: %s: %llu\n", line, text, (unsigned long long)acl->hits[line]);
	printf("  default %s: %llu matched no rule, %llu non-IP/malformed\n", dflt,
	       (unsigned long long)acl->no_match, (unsigned long long)acl->not_parsed);
	fflush(stdout);
}

static int usage(void)
{
	fprintf(stderr, "usage: acl --rules FILE [--default allow|drop]   (default: allow)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct acl acl = {.dflt = TENET_V_NEXT};
	const char *path = NULL;
	char err[512];
	unsigned int n;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rules") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--default") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "allow"))
				acl.dflt = TENET_V_NEXT;
			else if (!strcmp(argv[i], "drop"))
				acl.dflt = TENET_V_DROP;
			else
				return usage();
		} else {
			return usage();
		}
	}
	if (!path)
		return usage();
	acl.rules = tenet_acl_open(path, err, sizeof(err));
	if (!acl.rules) {
		fprintf(stderr, "acl: %s\n", err);
		return 2;
	}
	/* hits by line number: the last rule has the largest */
	n = tenet_acl_nb_rules(acl.rules);
	acl.hits = calloc(n ? tenet_acl_rule(acl.rules, n - 1, err, sizeof(err)) + 1 : 1,
	                  sizeof(*acl.hits));
	if (!acl.hits)
		return 1;

	acl.nf = tenet_nf_attach(NULL, NULL); /* socket and service from the environment */
	if (!acl.nf)
		return 1;
	tenet_nf_on_signal(acl.nf, SIGUSR1, report, &acl);
	rc = tenet_nf_run(acl.nf, on_pkt, &acl);
	report(&acl);
	tenet_nf_detach(acl.nf);
	tenet_acl_close(acl.rules);
	free(acl.hits);
	return rc ? 1 : 0;
}
