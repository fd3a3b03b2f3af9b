/*
 * The one option parser of tenet-bench's scenarios: getopt_long over the
 * options every platform scenario shares (sizes, output, the NDR search)
 * merged with the scenario's own table. The scenario's options go to its
 * callback; the shared ones land in struct bench_opts.
 */
#ifndef TENET_BENCH_OPTS_H
#define TENET_BENCH_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/harness.h"
#include "bench/report.h"

#define BENCH_MAX_SIZES 16
#define BENCH_MAX_RATES 4

/* getopt_long values of the scenario's own options start here. */
#define BENCH_OPT_SCENARIO 0x200

struct bench_opts {
	unsigned int sizes[BENCH_MAX_SIZES];
	unsigned int nb_sizes;
	bool json;
	const char *csv;  /* CSV file, or NULL */
	const char *plot; /* plot directory, or NULL */
	bool ndr;         /* NDR/PDR search instead of max-rate runs */
	struct bench_ndr_opts nopt;
	uint64_t count;        /* frames per max-rate run */
	unsigned int reps;     /* max-rate repetitions; with --ndr: --runs */
	unsigned int max_reps; /* --reps / --runs bound (default 15) */
	bool poll;
	const char *nic_stage; /* manager.nic_stage, NULL: the default (auto) */
	bool count_set, reps_set, sizes_set;
	/* the back end: the software NIC in-process, or --real (veth + XDP, real.h) */
	bool real;
	double duration;               /* --real: s the sender sends per trial (default 3) */
	double rates[BENCH_MAX_RATES]; /* --real: offered rates, 0 = the sender's maximum */
	unsigned int nb_rates;         /* (default 1: {0}) */
};

/* Defaults for the shared options; the scenario sets its own sizes/count/reps after. */
void bench_opts_default(struct bench_opts *o);

/* Whether argv asks for --real (before parsing: to choose the usage text). */
bool bench_opts_real(int argc, char **argv);

/*
 * Parse argv (argv[0] is the scenario name). 'extra' is the scenario's own
 * getopt_long table (values >= BENCH_OPT_SCENARIO, ends with a zero entry;
 * may be NULL); each of its options goes to set(ctx, val, optarg), which
 * returns 0 or prints why not and returns -1. Returns 0 to run, 1 after
 * printing the usage for --help (exit 0), 2 on a usage error (said on
 * stderr). max_size bounds --sizes (1518). An option that is for the
 * other back end only (--duration and --rate without --real; --warmup,
 * --poll, --mode with it) is a usage error: "WHO: --X is for --real only".
 */
int bench_opts_parse(int argc, char **argv, const char *who, const struct option *extra,
                     int (*set)(void *ctx, int val, const char *arg), void *ctx,
                     void (*usage)(FILE *f), struct bench_opts *o);

/*
 * The end of a run: the JSON array on stdout (--json), the CSV file
 * (--csv), the plot p into --plot's directory (p may be NULL). Returns rc,
 * or 1 if it was 0 and a file could not be written (said on h->err).
 */
int bench_opts_output(const struct bench_opts *o, struct bench_harness *h, struct report *rep,
                      const struct report_plot *p, int rc);

/* The shared options' help lines (sizes, output, NDR search). */
void bench_opts_help(FILE *f);
/* The same for --real. */
void bench_opts_help_real(FILE *f);

/* Parse a double in lo..hi; false on junk. */
bool bench_parse_double(const char *s, double lo, double hi, double *out);

/*
 * Parse "a,b,..." against names[0..nb): each name at most once, at least
 * one. Writes the indices, in the order given, to idx (room for nb) and
 * returns how many; -1 on an unknown or repeated name, or an empty list.
 */
int bench_parse_names(const char *v, const char *const *names, unsigned int nb, unsigned int *idx);

#endif
