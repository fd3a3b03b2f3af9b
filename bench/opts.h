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

#define BENCH_MAX_SIZES 16

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
	bool count_set, reps_set;
};

/* Defaults for the shared options; the scenario sets its own sizes/count/reps after. */
void bench_opts_default(struct bench_opts *o);

/*
 * Parse argv (argv[0] is the scenario name). 'extra' is the scenario's own
 * getopt_long table (values >= BENCH_OPT_SCENARIO, ends with a zero entry;
 * may be NULL); each of its options goes to set(ctx, val, optarg), which
 * returns 0 or prints why not and returns -1. Returns 0 to run, 1 after
 * printing the usage for --help (exit 0), 2 on a usage error (said on
 * stderr). max_size bounds --sizes (1518).
 */
int bench_opts_parse(int argc, char **argv, const char *who, const struct option *extra,
                     int (*set)(void *ctx, int val, const char *arg), void *ctx,
                     void (*usage)(FILE *f), struct bench_opts *o);

/* The shared options' help lines (sizes, output, NDR search). */
void bench_opts_help(FILE *f);

/* Parse a double in lo..hi; false on junk. */
bool bench_parse_double(const char *s, double lo, double hi, double *out);

/*
 * Parse "a,b,..." against names[0..nb): each name at most once, at least
 * one. Writes the indices, in the order given, to idx (room for nb) and
 * returns how many; -1 on an unknown or repeated name, or an empty list.
 */
int bench_parse_names(const char *v, const char *const *names, unsigned int nb, unsigned int *idx);

#endif
