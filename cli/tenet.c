/*
 * The tenet command: run (the manager), ctl (talk to a running manager),
 * gen and sink (traffic on an interface), doctor (check a host). Each
 * subcommand lives in its own file. Benchmarks are a program of their own,
 * tenet-bench (bench/).
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
	        "  gen          send generated traffic out of an interface (tenet gen --help)\n"
	        "  sink         receive and measure traffic on an interface (tenet sink --help)\n"
	        "  doctor       check this host before deploying (tenet doctor --help)\n"
	        "\n"
	        "tenet COMMAND --help shows the options of a command. Benchmarks:\n"
	        "tenet-bench --help.\n");
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
	if (!strcmp(argv[1], "bench")) {
		fprintf(stderr, "tenet: benchmarks are a program of their own: tenet-bench %s\n",
		        argc > 2 ? argv[2] : "--help");
		return 2;
	}
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
