/*
 * The tenet command: run (the manager), ctl (talk to a running manager),
 * bench (benchmark scenarios), doctor (check a host). Each subcommand
 * lives in its own file.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet COMMAND [ARGS]\n"
	        "\n"
	        "commands:\n"
	        "  run CONFIG   start the manager (tenet run --help)\n"
	        "  ctl REQUEST  talk to a running manager (tenet ctl --help)\n"
	        "  bench NAME   run a benchmark scenario (tenet bench --help)\n"
	        "  gen          send generated traffic out of an interface (tenet gen --help)\n"
	        "  sink         receive and measure traffic on an interface (tenet sink --help)\n"
	        "  doctor       check this host before deploying (tenet doctor --help)\n"
	        "\n"
	        "tenet COMMAND --help shows the options of a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return cli_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ctl"))
		return cli_ctl(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bench"))
		return cli_bench(argc - 1, argv + 1);
	if (!strcmp(argv[1], "gen"))
		return cli_gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sink"))
		return cli_sink(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return cli_doctor(argc - 1, argv + 1);
	fprintf(stderr, "tenet: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
