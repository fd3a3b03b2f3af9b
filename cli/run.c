/*
 * tenet run: start the manager on a config file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "mgr/mgr.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet run CONFIG.yaml [--duration SECONDS] [--summary FILE] [--poll] "
	        "[--quiet]\n"
	        "                 [--metrics ADDR:PORT]\n"
	        "\n"
	        "Start the manager: create one packet pool per tenant, open the ports,\n"
	        "start the NFs the config names, and move packets along the service\n"
	        "chains until the duration ends, the traffic sources are done and every\n"
	        "packet in flight has left, or SIGINT/SIGTERM.\n"
	        "\n"
	        "  --duration S    stop after S seconds (default: run until the sources end or "
	        "^C)\n"
	        "  --summary FILE  write every counter as JSON to FILE at exit\n"
	        "                  (packets_in == delivered + sum(dropped) holds exactly)\n"
	        "  --poll          pure polling (lowest latency, 100%% CPU per thread);\n"
	        "                  default: adaptive (poll under load, sleep when idle)\n"
	        "  --quiet         no live table\n"
	        "  --metrics A:P   serve Prometheus metrics at http://A:P/metrics; a bare port\n"
	        "                  (9464 or :9464) listens on 127.0.0.1 only; [::1]:9464 for\n"
	        "                  IPv6 (overrides manager: metrics; default: off)\n"
	        "\n"
	        "NFs attach over $socket_dir/TENANT.sock (see docs/config.md, docs/nf-guide.md).\n"
	        "NFs the config starts inherit no fd of the manager's, run as the tenant's\n"
	        "uid/gid when it has one, and are restarted when they exit: after 100 ms,\n"
	        "doubling up to 5 s while they keep dying quickly, at most 1000 times per\n"
	        "service. The summary's \"ctl\" counts ctl clients closed for being slow.\n"
	        "Exit status: 0 ok, 1 runtime error, 2 bad config, 3 accounting mismatch.\n");
}

int cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"duration", required_argument, NULL, 'd'},
	        {"summary", required_argument, NULL, 's'},
	        {"poll", no_argument, NULL, 'p'},
	        {"quiet", no_argument, NULL, 'q'},
	        {"metrics", required_argument, NULL, 'm'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct mgr_opts o = {0};
	struct cfg_listen addr;
	char why[96];
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "d:s:pqm:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.duration = strtod(optarg, &end);
			if (*end || o.duration < 0) {
				fprintf(stderr, "tenet run: --duration wants seconds, got '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 's':
			o.summary = optarg;
			break;
		case 'p':
			o.poll = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'm':
			if (config_listen_parse(optarg, &addr, why, sizeof(why)) < 0) {
				fprintf(stderr,
				        "tenet run: --metrics '%s': %s; expected " CFG_LISTEN_EXPECT
				        "\n",
				        optarg, why);
				return 2;
			}
			o.metrics = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o.config = argv[optind];
	return mgr_run(&o, NULL);
}
