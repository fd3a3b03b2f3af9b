/*
 * The shared options of tenet-bench's platform scenarios (see opts.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/opts.h"
#include "bench/util.h"

enum {
	OPT_SIZES = 0x100,
	OPT_JSON,
	OPT_CSV,
	OPT_PLOT,
	OPT_NDR,
	OPT_FINAL,
	OPT_INITIAL,
	OPT_PHASES,
	OPT_WIDTH,
	OPT_PDR_LOSS,
	OPT_TRIALS,
	OPT_EXCEED,
	OPT_WARMUP,
	OPT_MIN_RATE,
	OPT_MAX_RATE,
	OPT_RATE_TOL,
	OPT_COUNT,
	OPT_REPS,
	OPT_POLL,
	OPT_MODE,
	OPT_HELP,
	OPT_REAL,
	OPT_DURATION,
	OPT_RATE,
	OPT_NIC_STAGE,
	NB_OPT,
};

/* The back end an option is for; the others refuse it (a usage error). */
enum { BOTH, SOFT_ONLY, REAL_ONLY };

static const unsigned char backend_of[NB_OPT - OPT_SIZES] = {
        [OPT_WARMUP - OPT_SIZES] = SOFT_ONLY, /* --real: the manager's own process, no warm-up */
        [OPT_POLL - OPT_SIZES] = SOFT_ONLY,   /* --real: the manager runs adaptive */
        [OPT_MODE - OPT_SIZES] = SOFT_ONLY,
        [OPT_NIC_STAGE - OPT_SIZES] = SOFT_ONLY, /* --real: the driver's own thread */
        [OPT_DURATION - OPT_SIZES] = REAL_ONLY,  /* the software NIC sends --count frames */
        [OPT_RATE - OPT_SIZES] = REAL_ONLY,      /* (scan's own --rate is for both) */
};

static const struct option common[] = {
        {"sizes", required_argument, NULL, OPT_SIZES},
        {"json", no_argument, NULL, OPT_JSON},
        {"csv", required_argument, NULL, OPT_CSV},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"ndr", no_argument, NULL, OPT_NDR},
        {"final", required_argument, NULL, OPT_FINAL},
        {"initial", required_argument, NULL, OPT_INITIAL},
        {"phases", required_argument, NULL, OPT_PHASES},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"pdr-loss", required_argument, NULL, OPT_PDR_LOSS},
        {"trials", required_argument, NULL, OPT_TRIALS},
        {"exceed-ratio", required_argument, NULL, OPT_EXCEED},
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"min-rate", required_argument, NULL, OPT_MIN_RATE},
        {"max-rate", required_argument, NULL, OPT_MAX_RATE},
        {"rate-tol", required_argument, NULL, OPT_RATE_TOL},
        {"count", required_argument, NULL, OPT_COUNT},
        {"reps", required_argument, NULL, OPT_REPS},
        {"runs", required_argument, NULL, OPT_REPS},
        {"poll", no_argument, NULL, OPT_POLL},
        {"mode", required_argument, NULL, OPT_MODE},
        {"nic-stage", required_argument, NULL, OPT_NIC_STAGE},
        {"help", no_argument, NULL, OPT_HELP},
        {"real", no_argument, NULL, OPT_REAL},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"rate", required_argument, NULL, OPT_RATE},
};

#define NB_COMMON (sizeof(common) / sizeof(common[0]))
#define MAX_EXTRA 16

void bench_opts_default(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	bench_ndr_opts_default(&o->nopt);
	o->sizes[0] = 64;
	o->nb_sizes = 1;
	o->count = 2000000;
	o->reps = 1;
	o->max_reps = 15;
	o->duration = 3;
	o->nb_rates = 1;
}

bool bench_opts_real(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--real"))
			return true;
	return false;
}

/* "r,r,..." of 0..1e8 pps (0: the sender's maximum) into v; the count, 0 on an error. */
static unsigned int parse_rates(const char *s, double *v, unsigned int max)
{
	unsigned int n = 0;

	while (*s) {
		char *end;
		double x;

		if (n == max || *s < '0' || *s > '9')
			return 0;
		x = strtod(s, &end);
		if (end == s || (*end && *end != ',') || !(x >= 0 && x <= 1e8))
			return 0;
		v[n++] = x;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			return 0;
	}
	return n;
}

bool bench_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int bench_parse_names(const char *v, const char *const *names, unsigned int nb, unsigned int *idx)
{
	char buf[64], *save = NULL;
	unsigned int n = 0, seen = 0;

	if (!v || strlen(v) >= sizeof(buf) || nb > 32)
		return -1;
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned int k;

		for (k = 0; k < nb && strcmp(t, names[k]); k++)
			;
		if (k == nb || (seen >> k) & 1)
			return -1;
		seen |= 1u << k;
		idx[n++] = k;
	}
	return n ? (int)n : -1;
}

static void help_output(FILE *f)
{
	fprintf(f,
	        "Output:\n"
	        "  --json         print a JSON array, one object per result, instead of the table\n"
	        "  --csv FILE     also write the results as CSV to FILE\n"
	        "  --plot DIR     also write plots into DIR (PNG and SVG; needs gnuplot)\n"
	        "\n");
}

void bench_opts_help(FILE *f)
{
	help_output(f);
	fprintf(f, "Zero-loss throughput (--ndr): an NDR (0 loss) and PDR (--pdr-loss) search\n"
	           "over trials of the real platform, the generator paced at the trial's rate,\n"
	           "the warm-up left out of every figure (docs/benchmarks.md):\n"
	           "  --ndr          search NDR/PDR instead of the max-rate (overload) run\n"
	           "  --final S      duration of the final trials, s (default 2)\n"
	           "  --initial S    duration of the first phase's trials, s (default 0.2)\n"
	           "  --phases N     phases of growing duration, the last at --final (default 3)\n"
	           "  --width W      final relative width of the bounds (default 0.01)\n"
	           "  --pdr-loss R   loss ratio allowed at PDR (default 0.005 = 0.5 %%)\n"
	           "  --trials N     final trials a rate gets at most: the goal duration sum is\n"
	           "                 N x --final (default 3)\n"
	           "  --exceed-ratio R  share of a rate's goal duration sum that may lose more\n"
	           "                 than the target, RFC 9971's exceed ratio (default 0.5: one\n"
	           "                 final trial in three may lose to a host stall; 0, or\n"
	           "                 --trials 1: one losing final trial makes an upper bound)\n"
	           "  --warmup S     s at the start of every trial not counted (default 0.5)\n"
	           "  --min-rate PPS lowest rate tried (default 10000)\n"
	           "  --max-rate PPS highest rate tried (default: the generator's full speed)\n"
	           "  --rate-tol R   a trial whose generator offered less than rate x (1 - R)\n"
	           "                 fails as if it lost (default 0.01)\n"
	           "  --runs N       run the whole search N times (default 1; steer: 2)\n"
	           "\n"
	           "  --poll         pure polling manager threads and NFs (default adaptive)\n"
	           "  --nic-stage S  the manager's nic_stage: auto, thread or inline (default\n"
	           "                 auto: inline when it shares the dispatcher's CPU)\n"
	           "  --help         this text\n");
}

void bench_opts_help_real(FILE *f)
{
	help_output(f);
	fprintf(f, "Zero-loss throughput (--ndr): the search of docs/benchmarks.md over trials\n"
	           "of this path (loss = frames sent - frames delivered, the path included, no\n"
	           "warm-up left out: the manager is a process of its own); --final, --initial,\n"
	           "--phases, --width, --pdr-loss, --trials, --exceed-ratio, --min-rate,\n"
	           "--max-rate, --rate-tol, --runs as without --real (tenet-bench steer --help).\n"
	           "The software back end's --warmup, --poll and --mode are refused here.\n"
	           "  --help         this text\n");
}

int bench_opts_output(const struct bench_opts *o, struct bench_harness *h, struct report *rep,
                      const struct report_plot *p, int rc)
{
	if (o->json)
		report_json(rep, stdout);
	if (o->csv) {
		int e = report_csv(rep, o->csv);

		if (e) {
			fprintf(h->err, "%s: cannot write %s: %s\n", h->who, o->csv, strerror(-e));
			rc = rc ? rc : 1;
		}
	}
	if (o->plot && p && report_plot(rep, p, h->dir, o->plot, h->err) < 0)
		rc = rc ? rc : 1;
	return rc;
}

static int bad(const char *who, const char *what)
{
	fprintf(stderr, "%s: %s\n", who, what);
	return 2;
}

int bench_opts_parse(int argc, char **argv, const char *who, const struct option *extra,
                     int (*set)(void *ctx, int val, const char *arg), void *ctx,
                     void (*usage)(FILE *f), struct bench_opts *o)
{
	struct option table[NB_COMMON + MAX_EXTRA + 1];
	unsigned int n = 0;
	uint64_t seen = 0;
	int c;

	memset(table, 0, sizeof(table));
	for (unsigned int i = 0; extra && extra[i].name && i < MAX_EXTRA; i++)
		table[n++] = extra[i];
	/* the scenario's entries first: they may take a shared name over (e.g. --mode) */
	for (unsigned int i = 0; i < NB_COMMON; i++) {
		bool taken = false;

		for (unsigned int k = 0; k < n && !taken; k++)
			taken = !strcmp(table[k].name, common[i].name);
		if (!taken)
			table[n++] = common[i];
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", table, NULL)) != -1) {
		const char *a = optarg;
		double d;

		if (c >= OPT_SIZES && c < NB_OPT)
			seen |= 1ull << (c - OPT_SIZES);
		switch (c) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 1;
		case OPT_SIZES:
			o->nb_sizes = bench_parse_list(a, o->sizes, BENCH_MAX_SIZES, 64, 1518);
			o->sizes_set = true;
			if (!o->nb_sizes)
				return bad(who,
				           "--sizes wants up to 16 of 64..1518, comma-separated");
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_CSV:
			o->csv = a;
			break;
		case OPT_PLOT:
			o->plot = a;
			break;
		case OPT_NDR:
			o->ndr = true;
			break;
		case OPT_FINAL:
			if (!bench_parse_double(a, 0.1, 600, &o->nopt.search.final_s))
				return bad(who, "--final wants seconds, 0.1..600");
			break;
		case OPT_INITIAL:
			if (!bench_parse_double(a, 0.05, 600, &o->nopt.search.initial_s))
				return bad(who, "--initial wants seconds, 0.05..600");
			break;
		case OPT_PHASES:
			if (!bench_parse_double(a, 1, 8, &d) || d != floor(d))
				return bad(who, "--phases wants 1..8");
			o->nopt.search.phases = (unsigned int)d;
			break;
		case OPT_WIDTH:
			if (!bench_parse_double(a, 0.001, 0.25, &o->nopt.search.width))
				return bad(who, "--width wants 0.001..0.25");
			break;
		case OPT_PDR_LOSS:
			if (!bench_parse_double(a, 1e-6, 0.5, &o->nopt.search.pdr_loss))
				return bad(who, "--pdr-loss wants a ratio, 0.000001..0.5");
			break;
		case OPT_TRIALS:
			if (!bench_parse_double(a, 1, 16, &d) || d != floor(d))
				return bad(who, "--trials wants 1..16");
			o->nopt.search.goal_trials = (unsigned int)d;
			break;
		case OPT_EXCEED:
			if (!bench_parse_double(a, 0, 0.99, &o->nopt.search.exceed_ratio))
				return bad(who, "--exceed-ratio wants a ratio, 0..0.99");
			break;
		case OPT_WARMUP:
			if (!bench_parse_double(a, 0, 60, &o->nopt.warmup))
				return bad(who, "--warmup wants seconds, 0..60");
			break;
		case OPT_MIN_RATE:
			if (!bench_parse_double(a, 1, 1e9, &o->nopt.search.min_rate))
				return bad(who, "--min-rate wants packets per second");
			break;
		case OPT_MAX_RATE:
			if (!bench_parse_double(a, 1, 1e9, &o->nopt.search.max_rate))
				return bad(who, "--max-rate wants packets per second");
			break;
		case OPT_RATE_TOL:
			if (!bench_parse_double(a, 0, 0.5, &o->nopt.rate_tol))
				return bad(who, "--rate-tol wants a ratio, 0..0.5");
			break;
		case OPT_COUNT:
			if (!bench_parse_count(a, &o->count))
				return bad(who, "--count wants a positive integer");
			o->count_set = true;
			break;
		case OPT_REPS:
			if (!bench_parse_double(a, 1, o->max_reps, &d) || d != floor(d)) {
				fprintf(stderr, "%s: --reps / --runs want 1..%u\n", who,
				        o->max_reps);
				return 2;
			}
			o->reps = (unsigned int)d;
			o->reps_set = true;
			break;
		case OPT_POLL:
			o->poll = true;
			break;
		case OPT_REAL:
			o->real = true;
			break;
		case OPT_NIC_STAGE:
			if (strcmp(a, "auto") && strcmp(a, "thread") && strcmp(a, "inline"))
				return bad(who, "--nic-stage wants auto, thread or inline");
			o->nic_stage = a;
			break;
		case OPT_DURATION:
			if (!bench_parse_double(a, 0.5, 600, &o->duration))
				return bad(who, "--duration wants 0.5..600 s");
			break;
		case OPT_RATE:
			o->nb_rates = parse_rates(a, o->rates, BENCH_MAX_RATES);
			if (!o->nb_rates)
				return bad(who,
				           "--rate wants up to 4 rates 0..1e8 packets/s (0: the "
				           "sender's maximum), comma-separated");
			break;
		case OPT_MODE:
			if (!strcmp(a, "poll"))
				o->poll = true;
			else if (!strcmp(a, "adaptive"))
				o->poll = false;
			else
				return bad(who, "--mode wants adaptive or poll");
			break;
		case '?':
		case ':':
			fprintf(stderr, "%s: unknown option or missing value '%s'\n", who,
			        argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			if (c >= BENCH_OPT_SCENARIO && set && !set(ctx, c, a))
				break;
			if (c < BENCH_OPT_SCENARIO)
				fprintf(stderr, "%s: unhandled option\n", who);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", who, argv[optind]);
		usage(stderr);
		return 2;
	}
	for (unsigned int i = 0; i < NB_COMMON; i++) {
		int v = common[i].val;
		unsigned int b = backend_of[v - OPT_SIZES];

		if (!((seen >> (v - OPT_SIZES)) & 1) || b == BOTH || (b == REAL_ONLY) == o->real)
			continue;
		fprintf(stderr, "%s%s: --%s is for %s only\n", who, o->real ? " --real" : "",
		        common[i].name, b == REAL_ONLY ? "--real" : "the software back end");
		return 2;
	}
	if (o->real)
		o->nopt.warmup = 0; /* whole-run trials: the manager is a process of its own */
	if (o->nopt.search.initial_s > o->nopt.search.final_s)
		o->nopt.search.initial_s = o->nopt.search.final_s;
	o->nopt.poll = o->poll;
	return 0;
}
