/*
 * tenet-bench: the benchmark program. Dispatches to the named scenario
 * (bench.h); the platform scenarios share one trial harness (harness.h),
 * the NDR/PDR search (ndr.h), one reporter (report.h) and one option
 * parser (opts.h). docs/benchmarks.md describes the method.
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
        {"chain", bench_chain, "1..4-hop fwd chains, 1 or 2 tenants: throughput, host CPU/hop"},
        {"steer", bench_steer, "Fig. 5: throughput, host CPU/pkt vs size, steer nic/cpu/shared"},
        {"scan", bench_scan, "Fig. 6: payload scan latency p50/p99, NIC vs host scan"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tenet-bench SCENARIO [OPTIONS]\n\nscenarios:\n");
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		fprintf(f, "  %-8s %s\n", scenarios[i].name, scenarios[i].help);
	fprintf(f, "\n"
	           "chain, steer and scan: --ndr searches the zero-loss throughput (NDR) and the\n"
	           "0.5 %%-loss rate (PDR) over trials of fixed duration; without it chain and\n"
	           "steer run the generator at full speed (an overload). --real (steer, scan):\n"
	           "the same scenarios on the veth + XDP back end, as root. tenet-bench SCENARIO\n"
	           "--help; docs/benchmarks.md.\n");
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
