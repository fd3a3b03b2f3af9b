/*
 * tenet-bench scan: processing latency of a payload scan run on the NIC or
 * on the host (the paper's Fig. 6 on this machine).
 *
 * Three scenarios, each a trial of the harness (harness.h): the real
 * manager on a generated config.
 *
 *   nic-only   chain [{service: alice/scan, on: nic}] -> sink. The NIC
 *              stage scans; no host NF. The paper's "NIC only" bounced
 *              packets back inside the NIC; here a chain cannot have zero
 *              host hops and still reach a port without the dispatcher, so
 *              this measures NIC stage (parse, classify, literal scan, DMA)
 *              + ingress ring + dispatcher + sink, without any NF hop.
 *   nic-scan   chain [{service: alice/scan, on: nic}, alice/fwd] -> sink:
 *              scan on the NIC, forward by an NF on the host.
 *   host-scan  chain [alice/scan, alice/fwd] -> sink: the Hyperscan NF
 *              (build/nf/scan) scans, then the fwd NF.
 *
 * All three use the same literal-only pattern file (written into the
 * temporary directory), the same generator (a fraction of payloads
 * carrying a drop pattern) and the same sink, whose latency histogram
 * (generator stamp at the NIC stage -> sink transmit) gives p50 / p99 /
 * p99.9 over the packets that were delivered. Packets the scan drops are
 * counted apart from loss.
 *
 * Default: every (size, scenario) at one fixed rate well below saturation
 * (--rate), each repetition running them all interleaved; per (size,
 * scenario) the median of each figure over the repetitions, each over the
 * window after the warm-up (--warmup). --ndr: per
 * (size, scenario) the NDR/PDR search (scan verdicts are not loss), host
 * CPU at NDR, and latency at 50 % and 90 % of that scenario's NDR.
 * Every run must conserve packets; one that does not is reported loudly
 * and makes the exit status 1.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/harness.h"
#include "bench/opts.h"
#include "bench/real.h"
#include "bench/report.h"
#include "bench/util.h"

#define WHO              "tenet-bench scan"
#define DEFAULT_COUNT    200000u
#define DEFAULT_RATE     20000.0
#define DEFAULT_FRACTION 0.01
#define MAX_REPS         15
#define NB_SCEN          3

enum scen { SCEN_NIC_ONLY, SCEN_NIC_SCAN, SCEN_HOST_SCAN };

static const char *const scen_name[NB_SCEN] = {"nic-only", "nic-scan", "host-scan"};

/* The pattern file: four literals, as the NIC runs literals only. */
static const char patterns_txt[] = "# written by tenet-bench scan\n"
                                   "drop literal attack\n"
                                   "drop literal \\x90\\x90\\x90\\x90\\x90\\x90\\x90\\x90\n"
                                   "drop literal cmd.exe\n"
                                   "tag literal password=\n";

/* What the generator puts into 'fraction' of the payloads (the drop ones). */
static const char gen_patterns[] = "[attack, 'cmd.exe']";

struct scan_args {
	enum scen scens[NB_SCEN];
	unsigned int nb_scens;
	double rate, fraction;
};

struct scenario {
	unsigned int size;
	enum scen sc;
	double fraction;
	const char *fwd, *scan, *pats;
};

enum { OPT_SCENARIOS = BENCH_OPT_SCENARIO, OPT_RATE, OPT_FRACTION };

static const struct option scan_options[] = {
        {"scenarios", required_argument, NULL, OPT_SCENARIOS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"fraction", required_argument, NULL, OPT_FRACTION},
        {NULL, 0, NULL, 0},
};

static const struct report_col fixed_cols[] = {
        {"bench", NULL, REP_STR, 0, 0},
        {"load", NULL, REP_STR, 0, 0},
        {"scenario", "scenario", REP_STR, 9, 0},
        {"steer", NULL, REP_STR, 0, 0},
        {"size", "size", REP_UINT, 5, 0},
        {"hops", NULL, REP_UINT, 0, 0},
        {"tenants", NULL, REP_UINT, 0, 0},
        {"mode", NULL, REP_STR, 0, 0},
        {"rate_pps", NULL, REP_DBL, 0, 0},
        {"lat_p50_us", "p50 us", REP_DBL, 8, 1},
        {"lat_p99_us", "p99 us", REP_DBL, 8, 1},
        {"lat_p999_us", "p99.9 us", REP_DBL, 8, 1},
        {"lat_max_us", "max us", REP_DBL, 8, 1},
        {"p99_min_us", "p99 min", REP_DBL, 8, 1},
        {"p99_max_us", "p99 max", REP_DBL, 8, 1},
        {"scan_drop_pct", "scan%", REP_DBL, 6, 2},
        {"loss_pct", "loss%", REP_DBL, 6, 2},
        {"host_ns_per_pkt", "host ns/pkt", REP_DBL, 11, 0},
        {"nic_ns_per_pkt", "nic ns/pkt", REP_DBL, 10, 0},
        {"offered_pps", NULL, REP_DBL, 0, 0},
        {"ndr_mpps", NULL, REP_DBL, 0, 4},
        {"pdr_mpps", NULL, REP_DBL, 0, 4},
        {"reps", NULL, REP_UINT, 0, 0},
        {"conserved", NULL, REP_BOOL, 0, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench scan [--ndr] [--sizes LIST] [--scenarios LIST] [--rate PPS]\n"
	        "                        [--count N] [--fraction F] [--reps N] [--poll]\n"
	        "                        [--json] [--csv FILE] [--plot DIR] [--real]\n"
	        "\n"
	        "Payload scan latency, the paper's Fig. 6: where the scan runs and what it\n"
	        "costs in latency, measured below saturation. Each trial starts the manager\n"
	        "in-process on a generated config: a gen port (a fraction of payloads carrying\n"
	        "a drop pattern), one tenant, a sink; scan patterns are 4 literals (the NIC\n"
	        "runs literals only). Scenarios:\n"
	        "\n"
	        "  nic-only   (a) [{service: alice/scan, on: nic}] -> sink. The NIC stage scans\n"
	        "             and no host NF runs; the packet still crosses the ingress ring\n"
	        "             and the dispatcher to reach the sink. The paper's NIC-only case\n"
	        "             bounced packets back inside the NIC; this is the nearest chain\n"
	        "             on the software NIC model, not the same path.\n"
	        "  nic-scan   (b) [{service: alice/scan, on: nic}, alice/fwd] -> sink: scan on\n"
	        "             the NIC, forward by build/nf/fwd on the host.\n"
	        "  host-scan  (c) [alice/scan, alice/fwd] -> sink: build/nf/scan (Hyperscan)\n"
	        "             then build/nf/fwd, both on the host.\n"
	        "\n"
	        "  --ndr             per (size, scenario): NDR/PDR (scan drops are verdicts,\n"
	        "                    not loss), host CPU at NDR, latency at 50 %% and 90 %% of\n"
	        "                    the scenario's NDR\n"
	        "  (default)         every (size, scenario) at --rate, median over --reps\n"
	        "  --sizes LIST      frame sizes on the wire incl. FCS, 64..1518\n"
	        "                    (default 64,512,1518)\n"
	        "  --scenarios LIST  among nic-only,nic-scan,host-scan (default all three)\n"
	        "  --rate PPS        offered rate, packets/s (default %.0f); keep it well\n"
	        "                    below saturation or the figures are queueing delay\n"
	        "  --count N         frames per fixed-rate run (default %u)\n"
	        "  --fraction F      fraction 0..1 of payloads with a drop pattern (default\n"
	        "                    %.2f); at 64 B no pattern fits after the 16 B stamp\n"
	        "  --reps N          fixed-rate repetitions, 1..%d (default 3), scenarios\n"
	        "                    interleaved; the table shows the median of each figure\n"
	        "  --real            real interfaces: veth pairs in network namespaces, the\n"
	        "                    afxdp port and its XDP scan (root); its own options:\n"
	        "                    tenet-bench scan --real --help\n"
	        "\n",
	        DEFAULT_RATE, DEFAULT_COUNT, DEFAULT_FRACTION, MAX_REPS);
	bench_opts_help(f);
	fprintf(f, "\n"
	           "Columns: latency percentiles in us from the generator's stamp (taken in the\n"
	           "NIC stage when the frame is produced) to the sink's transmit, over delivered\n"
	           "frames; scan%% = frames dropped by the scan (NIC or NF), in %% of frames in;\n"
	           "loss%% = frames dropped for any other reason; host ns/pkt = dispatcher + NF\n"
	           "CPU per delivered frame (at a low rate this includes the cost of waking\n"
	           "up); nic ns/pkt = the software NIC thread's CPU per frame in (not host CPU;\n"
	           "it also generates the frame and sleeps between frames).\n");
}

static int parse_scens(const char *v, struct scan_args *a)
{
	unsigned int idx[NB_SCEN];
	int n = bench_parse_names(v, scen_name, NB_SCEN, idx);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		a->scens[i] = (enum scen)idx[i];
	a->nb_scens = (unsigned int)n;
	return 0;
}

static int set_option(void *ctx, int val, const char *arg)
{
	struct scan_args *a = ctx;

	switch (val) {
	case OPT_SCENARIOS:
		if (parse_scens(arg, a)) {
			fprintf(stderr, WHO ": --scenarios wants a comma-separated list of "
			                    "nic-only, nic-scan, host-scan (each once)\n");
			return -1;
		}
		return 0;
	case OPT_RATE:
		if (!bench_parse_double(arg, 1, 1e8, &a->rate)) {
			fprintf(stderr, WHO ": --rate wants packets per second, 1..1e8\n");
			return -1;
		}
		return 0;
	case OPT_FRACTION:
		if (!bench_parse_double(arg, 0, 1, &a->fraction)) {
			fprintf(stderr, WHO ": --fraction wants 0..1\n");
			return -1;
		}
		return 0;
	}
	return -1;
}

static int scan_config(FILE *f, const struct bench_load *l, void *arg)
{
	const struct scenario *s = arg;
	char extra[128];

	snprintf(extra, sizeof(extra), ", payload: {patterns: %s, fraction: %g}", gen_patterns,
	         s->fraction);
	fprintf(f, "ports:\n");
	bench_gen_port(f, l, "nic", extra);
	fprintf(f, "  - {name: sink, driver: sink}\n"
	           "tenants:\n"
	           "  - {name: alice}\n"
	           "services:\n");
	fprintf(f, "  - {name: scan, tenant: alice, patterns: ");
	bench_yaml_quoted(f, s->pats);
	if (s->sc == SCEN_HOST_SCAN) {
		fprintf(f, ", command: [");
		bench_yaml_quoted(f, s->scan);
		fprintf(f, ", --patterns, ");
		bench_yaml_quoted(f, s->pats);
		fprintf(f, "]");
	}
	fprintf(f, "}\n");
	if (s->sc != SCEN_NIC_ONLY) {
		fprintf(f, "  - {name: fwd, tenant: alice, command: [");
		bench_yaml_quoted(f, s->fwd);
		fprintf(f, "]}\n");
	}
	fprintf(f, "chains:\n  - name: bench\n    hops: [");
	if (s->sc == SCEN_NIC_ONLY)
		fprintf(f, "{service: alice/scan, on: nic}");
	else if (s->sc == SCEN_NIC_SCAN)
		fprintf(f, "{service: alice/scan, on: nic}, alice/fwd");
	else
		fprintf(f, "alice/scan, alice/fwd");
	fprintf(f, "]\n    output: sink\n");
	return ferror(f) ? -EIO : 0;
}

static void set_identity(struct report *r, const struct scenario *s, bool poll)
{
	report_set_str(r, "bench", "scan");
	report_set_str(r, "scenario", scen_name[s->sc]);
	report_set_str(r, "steer", "nic");
	report_set_uint(r, "size", s->size);
	report_set_uint(r, "hops", s->sc == SCEN_NIC_ONLY ? 1 : 2);
	report_set_uint(r, "tenants", 1);
	report_set_str(r, "mode", poll ? "poll" : "adaptive");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of one figure over n trials (the lower middle for even n); min and max too. */
static double median_of(const struct bench_trial *t, unsigned int n, size_t off, double *min,
                        double *max)
{
	double v[MAX_REPS];

	for (unsigned int i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&t[i] + off);
	qsort(v, n, sizeof(v[0]), cmp_double);
	if (min)
		*min = v[0];
	if (max)
		*max = v[n - 1];
	return v[(n - 1) / 2];
}

#define MED(t, n, field) median_of(t, n, offsetof(struct bench_trial, field), NULL, NULL)

struct cell {
	unsigned int nb;
	struct bench_trial run[MAX_REPS];
	bool conserved;
};

static int run_fixed(struct bench_harness *h, const struct bench_opts *o, const struct scan_args *a,
                     struct scenario *base, struct report *rep)
{
	struct cell *cells = calloc(o->nb_sizes * NB_SCEN, sizeof(*cells));
	unsigned int total = o->reps * o->nb_sizes * a->nb_scens, done = 0;
	bool stop = false;
	int rc = 0;

	if (!cells)
		return 1;
	if (!o->json)
		printf(WHO ": %.0f pps offered, %llu frames per run, %g of payloads with a drop "
		           "pattern, median of %u reps, %s, %ld CPUs online\n",
		       a->rate, (unsigned long long)o->count, a->fraction, o->reps,
		       o->poll ? "poll" : "adaptive", sysconf(_SC_NPROCESSORS_ONLN));
	for (unsigned int rp = 0; rp < o->reps && !stop; rp++)
		for (unsigned int s = 0; s < o->nb_sizes && !stop; s++)
			for (unsigned int k = 0; k < a->nb_scens && !stop; k++) {
				struct scenario sc = *base;
				struct cell *c;
				struct bench_load l = {.rate = a->rate,
				                       .count = o->count,
				                       .warmup = o->nopt.warmup,
				                       .rate_tol = o->nopt.rate_tol,
				                       .size = o->sizes[s],
				                       .poll = o->poll};
				struct bench_trial *t;

				sc.size = o->sizes[s];
				sc.sc = a->scens[k];
				c = &cells[s * NB_SCEN + sc.sc];
				t = &c->run[c->nb];
				fprintf(h->err, "%s[%u/%u] rep %u, %u B, %s ...%s",
				        h->tty ? "\r" : "", ++done, total, rp + 1, sc.size,
				        scen_name[sc.sc], h->tty ? "\033[K" : "\n");
				if (bench_trial_run(h, scan_config, &sc, &l, t)) {
					fprintf(h->err, WHO ": run failed; stopping\n");
					stop = true;
					rc = 1;
					break;
				}
				if (h->tty)
					fprintf(h->err, "\r\033[K");
				if (t->stopped) {
					fprintf(h->err, WHO ": run stopped early; stopping\n");
					stop = true;
					rc = 1;
					break;
				}
				if (!c->nb)
					c->conserved = true;
				if (t->rate_short)
					fprintf(h->err,
					        "warning: %u B %s: the generator offered %.0f pps, "
					        "short "
					        "of %.0f\n",
					        sc.size, scen_name[sc.sc], t->offered_mpps * 1e6,
					        a->rate);
				if (!t->conserved) {
					fprintf(h->err, "WARNING: %u B %s: packets not conserved\n",
					        sc.size, scen_name[sc.sc]);
					c->conserved = false;
					rc = 1;
				}
				c->nb++;
			}
	if (!o->json)
		report_table_header(rep, stdout);
	for (unsigned int s = 0; s < o->nb_sizes; s++)
		for (unsigned int k = 0; k < a->nb_scens; k++) {
			struct scenario sc = *base;
			struct cell *c = &cells[s * NB_SCEN + a->scens[k]];
			double p99_min, p99_max, p99;

			if (!c->nb)
				continue;
			sc.size = o->sizes[s];
			sc.sc = a->scens[k];
			if (report_row(rep)) {
				free(cells);
				return 1;
			}
			set_identity(rep, &sc, o->poll);
			report_set_str(rep, "load", "fixed rate");
			report_set_dbl(rep, "rate_pps", a->rate);
			report_set_dbl(rep, "lat_p50_us", MED(c->run, c->nb, lat_p50_us));
			p99 = median_of(c->run, c->nb, offsetof(struct bench_trial, lat_p99_us),
			                &p99_min, &p99_max);
			report_set_dbl(rep, "lat_p99_us", p99);
			report_set_dbl(rep, "p99_min_us", p99_min);
			report_set_dbl(rep, "p99_max_us", p99_max);
			report_set_dbl(rep, "lat_p999_us", MED(c->run, c->nb, lat_p999_us));
			report_set_dbl(rep, "lat_max_us", MED(c->run, c->nb, lat_max_us));
			{
				double v[MAX_REPS];

				for (unsigned int i = 0; i < c->nb; i++)
					v[i] = c->run[i].offered
					               ? 100.0 * (double)c->run[i].verdict_drop /
					                         (double)c->run[i].offered
					               : 0;
				qsort(v, c->nb, sizeof(v[0]), cmp_double);
				report_set_dbl(rep, "scan_drop_pct", v[(c->nb - 1) / 2]);
			}
			report_set_dbl(rep, "loss_pct", MED(c->run, c->nb, loss_pct));
			report_set_dbl(rep, "host_ns_per_pkt", MED(c->run, c->nb, host_ns_per_pkt));
			report_set_dbl(rep, "nic_ns_per_pkt", MED(c->run, c->nb, nic_ns_per_pkt));
			report_set_dbl(rep, "offered_pps", MED(c->run, c->nb, offered_mpps) * 1e6);
			report_set_uint(rep, "reps", c->nb);
			report_set_bool(rep, "conserved", c->conserved);
			if (!o->json)
				report_table_row(rep, report_rows(rep) - 1, stdout,
				                 c->conserved ? NULL : "NOT CONSERVED");
		}
	if (!o->json) {
		printf("\nlatency differences of the medians, us (paper: NIC scan lower by up to 8 "
		       "us)\n%5s %18s %18s\n",
		       "size", "p50 host-nic scan", "p99 host-nic scan");
		for (unsigned int s = 0; s < o->nb_sizes; s++) {
			const struct cell *b = &cells[s * NB_SCEN + SCEN_NIC_SCAN];
			const struct cell *c = &cells[s * NB_SCEN + SCEN_HOST_SCAN];

			if (!b->nb || !c->nb)
				continue;
			printf("%5u %+18.1f %+18.1f\n", o->sizes[s],
			       MED(c->run, c->nb, lat_p50_us) - MED(b->run, b->nb, lat_p50_us),
			       MED(c->run, c->nb, lat_p99_us) - MED(b->run, b->nb, lat_p99_us));
		}
	}
	free(cells);
	return rc;
}

static int run_ndr(struct bench_harness *h, struct bench_opts *o, const struct scan_args *a,
                   struct scenario *base, struct report *rep)
{
	unsigned int runs = o->reps_set ? o->reps : 1;
	unsigned int nb = runs * o->nb_sizes * a->nb_scens, done = 0;
	int rc = 0;

	if (!o->json) {
		printf(WHO ": ");
		bench_ndr_describe(stdout, &o->nopt);
		printf(" (scan drops are verdicts, not loss), %s, %ld CPUs online\n",
		       o->poll ? "poll" : "adaptive", sysconf(_SC_NPROCESSORS_ONLN));
		report_table_header(rep, stdout);
	}
	for (unsigned int run = 0; run < runs; run++)
		for (unsigned int s = 0; s < o->nb_sizes; s++)
			for (unsigned int k = 0; k < a->nb_scens; k++) {
				struct scenario sc = *base;
				struct bench_ndr res;
				char label[64];
				int e;

				sc.size = o->sizes[s];
				sc.sc = a->scens[k];
				snprintf(label, sizeof(label), "[%u/%u %u B %s]", ++done, nb,
				         sc.size, scen_name[sc.sc]);
				o->nopt.size = sc.size;
				o->nopt.label = label;
				e = bench_ndr_run(h, scan_config, &sc, &o->nopt, &res);
				if (report_row(rep))
					return 1;
				set_identity(rep, &sc, o->poll);
				report_set_uint(rep, "run", run + 1);
				report_set_str(rep, "series", scen_name[sc.sc]);
				bench_ndr_fill(rep, &res, &o->nopt);
				if (!o->json)
					report_table_row(rep, report_rows(rep) - 1, stdout, NULL);
				if (e) {
					rc = 1;
					if (e != -EPROTO)
						return rc;
				}
			}
	return rc;
}

int bench_scan(int argc, char **argv)
{
	struct scan_args a = {.scens = {SCEN_NIC_ONLY, SCEN_NIC_SCAN, SCEN_HOST_SCAN},
	                      .nb_scens = NB_SCEN,
	                      .rate = DEFAULT_RATE,
	                      .fraction = DEFAULT_FRACTION};
	char fwd[PATH_MAX], scan[PATH_MAX], pats[128];
	struct scenario base = {.fwd = fwd, .scan = scan, .pats = pats};
	struct bench_harness h;
	struct bench_opts o;
	struct report *rep;
	FILE *f;
	int rc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--real"))
			return bench_scan_real(argc, argv);
	bench_opts_default(&o);
	o.sizes[0] = 64;
	o.sizes[1] = 512;
	o.sizes[2] = 1518;
	o.nb_sizes = 3;
	o.reps = 3;
	o.count = DEFAULT_COUNT;
	rc = bench_opts_parse(argc, argv, WHO, scan_options, set_option, &a, usage, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	base.fraction = a.fraction;
	rc = bench_nf_path("fwd", fwd, sizeof(fwd));
	if (!rc)
		rc = bench_nf_path("scan", scan, sizeof(scan));
	if (rc) {
		fprintf(stderr, WHO ": no NF at %s: %s (run make first)\n", rc ? scan : fwd,
		        strerror(-rc));
		return 1;
	}
	rep = o.ndr ? report_create(bench_ndr_cols, bench_ndr_nb_cols)
	            : report_create(fixed_cols, sizeof(fixed_cols) / sizeof(fixed_cols[0]));
	if (!rep || bench_harness_open(&h, WHO)) {
		report_destroy(rep);
		return 1;
	}
	snprintf(pats, sizeof(pats), "%s/patterns.txt", h.dir);
	f = fopen(pats, "w");
	if (!f || fputs(patterns_txt, f) < 0 || fclose(f)) {
		fprintf(stderr, WHO ": cannot write %s\n", pats);
		bench_harness_close(&h);
		report_destroy(rep);
		return 1;
	}
	rc = o.ndr ? run_ndr(&h, &o, &a, &base, rep) : run_fixed(&h, &o, &a, &base, rep);
	if (o.json)
		report_json(rep, stdout);
	if (o.csv) {
		int e = report_csv(rep, o.csv);

		if (e) {
			fprintf(h.err, WHO ": cannot write %s: %s\n", o.csv, strerror(-e));
			rc = rc ? rc : 1;
		}
	}
	if (o.plot) {
		struct report_plot p = {
		        .name = o.ndr ? "scan-ndr" : "scan-latency",
		        .title =
		                o.ndr ? "tenet-bench scan --ndr: latency at 50 % of each "
		                        "scenario's "
		                        "NDR"
		                      : "tenet-bench scan: latency at a fixed rate, median of reps",
		        .xkey = "size",
		        .xlabel = "frame size on the wire (B)",
		        .series_key = o.ndr ? "series" : "scenario",
		        .ykeys = {"lat_p50_us", "lat_p99_us", o.ndr ? "ndr_mpps" : NULL},
		        .ylabels = {"p50 latency (us)", "p99 latency (us)", "NDR Mpps"},
		        .xlog = true,
		};

		if (report_plot(rep, &p, h.dir, o.plot, h.err) < 0)
			rc = rc ? rc : 1;
	}
	bench_harness_close(&h);
	report_destroy(rep);
	return rc;
}
