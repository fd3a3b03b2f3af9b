/*
 * tenet-bench: dispatch to the named benchmark scenario.
 */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} scenarios[] = {
        {"ring", bench_ring, "ring burst throughput vs DPDK rte_ring, pool alloc/free rate"},
        {"chain", bench_chain, "1..4-hop fwd chains, 1 or 2 tenants: Mpps, host CPU ns/hop"},
        {"steer", bench_steer, "Fig. 5: Mpps, host CPU/pkt vs size, steer nic/cpu/shared"},
        {"scan", bench_scan, "Fig. 6: payload scan latency p50/p99, NIC vs host scan"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tenet-bench SCENARIO [OPTIONS]\n\nscenarios:\n");
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(f, "  %-8s %s\n", scenarios[i].name, scenarios[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(argv[1], scenarios[i].name))
			return scenarios[i].run(argc - 1, argv + 1);
	fprintf(stderr, "tenet-bench: unknown scenario '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
