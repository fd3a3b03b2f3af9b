/* tenet bench ring: placeholder until the benchmark lands. */
#include <stdio.h>

#include "cli/cli.h"

int cli_bench_ring(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "tenet bench ring: not built yet\n");
	return 1;
}
