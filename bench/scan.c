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
 *
 * --real: the same scenarios, options and report on the --real back end
 * (real.h: veth + XDP, tenet gen and tenet sink in a sender namespace),
 * plus a fourth scenario, wire (gen -> veth -> sink, no manager), the
 * baseline the others' latencies are also given against; nic-only there is
 * the XDP scan bouncing the frame back (XDP_TX), as in the paper.
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
#define REAL_COUNT       60000u

static const char *const scen_name[NB_SCAN_PLACE] = {"wire", "nic-only", "nic-scan", "host-scan"};
static const char *const scen_label[NB_SCAN_PLACE] = {
        "wire only: gen -> sink across the veth", "(a) XDP scan, bounced (XDP_TX)",
        "(b) XDP scan + host fwd", "(c) host scan NF + host fwd"};

/* The pattern file: four literals, as the NIC runs literals only. */
static const char patterns_txt[] = "# written by tenet-bench scan\n"
                                   "drop literal attack\n"
                                   "drop literal \\x90\\x90\\x90\\x90\\x90\\x90\\x90\\x90\n"
                                   "drop literal cmd.exe\n"
                                   "tag literal password=\n";

/* What the generator puts into 'fraction' of the payloads (the drop ones). */
static const char gen_patterns[] = "[attack, 'cmd.exe']";

struct scan_args {
	enum bench_scan_place scens[NB_SCAN_PLACE];
	unsigned int nb_scens;
	double rate, fraction;
	bool scens_set;
};

struct scenario {
	unsigned int size;
	enum bench_scan_place sc;
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

/* --real: after those, what that back end measures besides (medians too). */
static const struct report_col real_cols[] = {
        {"backend", NULL, REP_STR, 0, 0},
        {"lat_min_us", "min us", REP_DBL, 8, 1},
        {"lat_mean_us", "mean us", REP_DBL, 8, 1},
        {"p50_minus_wire_us", "p50-wire", REP_DBL, 9, 1},
        {"p99_minus_wire_us", "p99-wire", REP_DBL, 9, 1},
        {"p999_minus_wire_us", NULL, REP_DBL, 0, 1},
        {"min_minus_wire_us", "min-wire", REP_DBL, 9, 1},
        {"frames", "frames", REP_DBL, 7, 0},
        {"expected", NULL, REP_DBL, 0, 0},
        {"port_ns_per_pkt", "port ns/pkt", REP_DBL, 11, 0},
        {"p50_runs_us", NULL, REP_STR, 0, 0},
};

#define NB_FIXED_COLS (sizeof(fixed_cols) / sizeof(fixed_cols[0]))
#define NB_REAL_COLS  (sizeof(real_cols) / sizeof(real_cols[0]))

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
	        "  --real            the same scenarios (and wire) on the --real back end:\n"
	        "                    veth pairs in network namespaces, the afxdp port and\n"
	        "                    its XDP scan (root): tenet-bench scan --real --help\n"
	        "\n",
	        DEFAULT_RATE, DEFAULT_COUNT, DEFAULT_FRACTION, BENCH_MAX_REPS);
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

static void usage_real(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench scan --real [--sizes LIST] [--scenarios LIST] [--rate PPS]\n"
	        "                        [--count N] [--fraction F] [--reps N] [--json]\n"
	        "                        [--csv FILE] [--plot DIR]\n"
	        "\n"
	        "The scenarios of tenet-bench scan on the --real back end (root), the paper's\n"
	        "Fig. 6: tenet gen and tenet sink in a sender network namespace, the manager\n"
	        "in the DUT one, a veth pair between them; latency is measured by tenet sink\n"
	        "from the generator's stamp, on frames that come back to the sender's veth:\n"
	        "\n"
	        "  wire       baseline without the manager: gen -> veth -> tenet sink in the DUT\n"
	        "             namespace (one veth crossing; the same XDP pass program on the\n"
	        "             receiving end as on the return path of the others)\n"
	        "  nic-only   (a) every frame carries a drop pattern; the XDP scan on the\n"
	        "             afxdp port matches it and bounces it (scan_action: bounce,\n"
	        "             XDP_TX) back to the sender's sink: no host memory, no NF\n"
	        "  nic-scan   (b) chain [{alice/scan, on: nic}, alice/fwd], output: the afxdp\n"
	        "             port: out through alice's AF_XDP socket on her veth, whose peer\n"
	        "             a tc mirred redirect sends out of the wire veth back to the\n"
	        "             sender's sink; drop patterns in --fraction of the frames,\n"
	        "             dropped in XDP\n"
	        "  host-scan  (c) chain [alice/scan, alice/fwd] (build/nf/scan, Hyperscan) on\n"
	        "             the host, same output\n"
	        "\n"
	        "  --sizes LIST      frame sizes 64..1518 (default 128,512,1518; at 64 B no\n"
	        "                    pattern fits after the stamp, so nic-only has no frames)\n"
	        "  --scenarios LIST  among wire,nic-only,nic-scan,host-scan (default all)\n"
	        "  --rate PPS        offered rate, 1..1e7 (default %.0f): below saturation\n"
	        "  --count N         frames per run (default %u)\n"
	        "  --fraction F      (b), (c), wire: fraction of frames with a drop pattern\n"
	        "                    (default %.2f)\n"
	        "  --reps N          repetitions 1..%d (default 3), scenarios interleaved;\n"
	        "                    the table shows the median of each figure\n"
	        "  --json, --csv FILE, --plot DIR (DIR/scan-real-latency.png and .svg)\n"
	        "  --help            this text\n"
	        "\n"
	        "--ndr, --warmup, --poll and --mode are for the software back end only.\n"
	        "Columns as without --real (scan%% = frames dropped by the scan, XDP or NF, in\n"
	        "%% of frames sent; loss%% = frames expected back and not received; host\n"
	        "ns/pkt = dispatcher + NF CPU per frame in), and: min/mean us; *-wire = the\n"
	        "figure minus the wire baseline's; frames = frames back at the sink; port\n"
	        "ns/pkt = the afxdp port's receive thread per frame in. Latency includes the\n"
	        "sender's AF_PACKET transmit, every veth crossing, and tenet sink's TPACKET_V3\n"
	        "ring, which hands a block of frames to the reader when it is full or after\n"
	        "its 1 ms retire timer: at low rates most frames wait for the timer (~0.5 ms\n"
	        "on average). Hence the columns minus the wire baseline, and the minimum.\n",
	        DEFAULT_RATE, REAL_COUNT, DEFAULT_FRACTION, BENCH_MAX_REPS);
}

static int parse_scens(const char *v, struct scan_args *a)
{
	unsigned int idx[NB_SCAN_PLACE];
	int n = bench_parse_names(v, scen_name, NB_SCAN_PLACE, idx);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		a->scens[i] = (enum bench_scan_place)idx[i];
	a->nb_scens = (unsigned int)n;
	a->scens_set = true;
	return 0;
}

static int set_option(void *ctx, int val, const char *arg)
{
	struct scan_args *a = ctx;

	switch (val) {
	case OPT_SCENARIOS:
		if (parse_scens(arg, a)) {
			fprintf(stderr, WHO
			        ": --scenarios wants a comma-separated list of "
			        "nic-only, nic-scan, host-scan (--real: also wire; each once)\n");
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
	           "tenants:\n");
	bench_tenant(f, "alice");
	fprintf(f, "services:\n");
	fprintf(f, "  - {name: scan, tenant: alice, patterns: ");
	bench_yaml_quoted(f, s->pats);
	if (s->sc == SCAN_HOST_SCAN) {
		fprintf(f, ", command: [");
		bench_yaml_quoted(f, s->scan);
		fprintf(f, ", --patterns, ");
		bench_yaml_quoted(f, s->pats);
		fprintf(f, "]");
	}
	fprintf(f, "}\n");
	if (s->sc != SCAN_NIC_ONLY) {
		fprintf(f, "  - {name: fwd, tenant: alice, command: [");
		bench_yaml_quoted(f, s->fwd);
		fprintf(f, "]}\n");
	}
	fprintf(f, "chains:\n  - name: bench\n    hops: [");
	if (s->sc == SCAN_NIC_ONLY)
		fprintf(f, "{service: alice/scan, on: nic}");
	else if (s->sc == SCAN_NIC_SCAN)
		fprintf(f, "{service: alice/scan, on: nic}, alice/fwd");
	else
		fprintf(f, "alice/scan, alice/fwd");
	fprintf(f, "]\n    output: sink\n");
	return ferror(f) ? -EIO : 0;
}

/* --real: the trial is the real back end's (the config function is not used). */
static int real_trial(void *be, void *arg, const struct bench_load *l, struct bench_trial *t)
{
	const struct scenario *s = arg;

	return bench_real_scan(be, s->sc, s->fraction, l, t);
}

static void set_identity(struct report *r, const struct scenario *s, bool poll)
{
	report_set_str(r, "bench", "scan");
	report_set_str(r, "scenario", scen_name[s->sc]);
	report_set_str(r, "steer", "nic");
	report_set_uint(r, "size", s->size);
	report_set_uint(r, "hops", s->sc == SCAN_WIRE ? 0 : s->sc == SCAN_NIC_ONLY ? 1 : 2);
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
	double v[BENCH_MAX_REPS];

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

/* A median figure of c minus the wire baseline's (row: the size's cells), NAN without one. */
static double minus_wire(const struct bench_cell *row, const struct bench_cell *c, size_t off)
{
	const struct bench_cell *w = &row[SCAN_WIRE];

	if (!w->nb || c == w || MED(c->run, c->nb, real.frames) <= 0)
		return NAN;
	return median_of(c->run, c->nb, off, NULL, NULL) -
	       median_of(w->run, w->nb, off, NULL, NULL);
}

#define WIRE(row, c, field) minus_wire(row, c, offsetof(struct bench_trial, field))

/* The --real columns of cell c (row: the cells of its size). */
static void set_real(struct report *rep, const struct bench_cell *row, const struct bench_cell *c,
                     bool got)
{
	char runs[16 * BENCH_MAX_REPS] = "";
	size_t n = 0;

	report_set_str(rep, "backend", "real");
	if (got) {
		report_set_dbl(rep, "lat_min_us", MED(c->run, c->nb, real.lat_min_us));
		report_set_dbl(rep, "lat_mean_us", MED(c->run, c->nb, real.lat_mean_us));
	}
	report_set_dbl(rep, "p50_minus_wire_us", WIRE(row, c, lat_p50_us));
	report_set_dbl(rep, "p99_minus_wire_us", WIRE(row, c, lat_p99_us));
	report_set_dbl(rep, "p999_minus_wire_us", WIRE(row, c, lat_p999_us));
	report_set_dbl(rep, "min_minus_wire_us", WIRE(row, c, real.lat_min_us));
	report_set_dbl(rep, "frames", MED(c->run, c->nb, real.frames));
	report_set_dbl(rep, "expected", MED(c->run, c->nb, real.expected));
	report_set_dbl(rep, "port_ns_per_pkt", MED(c->run, c->nb, real.port_ns_per_pkt));
	for (unsigned int i = 0; i < c->nb && n < sizeof(runs); i++)
		n += (size_t)snprintf(runs + n, sizeof(runs) - n, "%s%.2f", i ? " " : "",
		                      c->run[i].lat_p50_us);
	report_set_str(rep, "p50_runs_us", runs);
}

/* Difference of one median figure between two cells that both got frames back, or NAN. */
static double diff(const struct bench_cell *x, const struct bench_cell *y, size_t off)
{
	if (!x->nb || !y->nb || MED(x->run, x->nb, real.frames) <= 0 ||
	    MED(y->run, y->nb, real.frames) <= 0)
		return NAN;
	return median_of(x->run, x->nb, off, NULL, NULL) -
	       median_of(y->run, y->nb, off, NULL, NULL);
}

static void print_real_diffs(const struct bench_opts *o, const struct bench_cell *cells)
{
	printf("\nlatency differences of the medians, us (paper: NIC scan lower by up to 8 us)\n"
	       "%5s %18s %18s %18s %18s\n",
	       "size", "p50 (c)-(b)", "min (c)-(b)", "p50 (b)-(a)", "min (b)-(a)");
	for (unsigned int s = 0; s < o->nb_sizes; s++) {
		const struct bench_cell *row = &cells[s * NB_SCAN_PLACE];
		const struct bench_cell *a = &row[SCAN_NIC_ONLY], *b = &row[SCAN_NIC_SCAN],
		                        *h = &row[SCAN_HOST_SCAN];
		size_t p50 = offsetof(struct bench_trial, lat_p50_us);
		size_t min = offsetof(struct bench_trial, real.lat_min_us);
		double d[4] = {diff(h, b, p50), diff(h, b, min), diff(b, a, p50), diff(b, a, min)};

		if (isnan(d[0]) && isnan(d[2]))
			continue;
		printf("%5u", o->sizes[s]);
		for (unsigned int i = 0; i < 4; i++)
			if (isnan(d[i]))
				printf(" %18s", "-");
			else
				printf(" %+18.1f", d[i]);
		printf("\n");
	}
}

static int run_fixed(struct bench_harness *h, const struct bench_opts *o, const struct scan_args *a,
                     struct scenario *base, struct report *rep)
{
	struct bench_cell *cells = calloc(o->nb_sizes * NB_SCAN_PLACE, sizeof(*cells));
	unsigned int total = o->reps * o->nb_sizes * a->nb_scens, done = 0;
	bool stop = false;
	int rc = 0;

	if (!cells)
		return 1;
	if (!o->json)
		printf(WHO "%s: %.0f pps offered, %llu frames per run, %g of payloads with a drop "
		           "pattern, median of %u reps, %s, %ld CPUs online\n",
		       o->real ? " --real: veth pair between two network namespaces, afxdp port "
		                 "(XDP native on veth, AF_XDP copy mode)"
		               : "",
		       a->rate, (unsigned long long)o->count, a->fraction, o->reps,
		       o->poll ? "poll" : "adaptive", sysconf(_SC_NPROCESSORS_ONLN));
	for (unsigned int k = 0; k < a->nb_scens && o->real && !o->json; k++)
		printf("  %-10s %s\n", scen_name[a->scens[k]], scen_label[a->scens[k]]);
	for (unsigned int rp = 0; rp < o->reps && !stop; rp++)
		for (unsigned int s = 0; s < o->nb_sizes && !stop; s++)
			for (unsigned int k = 0; k < a->nb_scens && !stop; k++) {
				struct scenario sc = *base;
				struct bench_cell *c;
				struct bench_load l = {.rate = a->rate,
				                       .count = o->count,
				                       .warmup = o->nopt.warmup,
				                       .rate_tol = o->nopt.rate_tol,
				                       .size = o->sizes[s],
				                       .poll = o->poll};
				struct bench_trial *t;

				sc.size = o->sizes[s];
				sc.sc = a->scens[k];
				c = &cells[s * NB_SCAN_PLACE + sc.sc];
				t = &c->run[c->nb];
				if (bench_grid_trial(h, ++done, total, rp + 1, scen_name[sc.sc],
				                     scan_config, &sc, &l, t)) {
					stop = true;
					rc = 1;
					break;
				}
				if (!bench_cell_add(h, c, &l, scen_name[sc.sc]))
					rc = 1;
			}
	if (!o->json)
		report_table_header(rep, stdout);
	for (unsigned int s = 0; s < o->nb_sizes; s++)
		for (unsigned int k = 0; k < a->nb_scens; k++) {
			struct scenario sc = *base;
			struct bench_cell *c = &cells[s * NB_SCAN_PLACE + a->scens[k]];
			double p99_min, p99_max, p99;
			bool got;

			if (!c->nb)
				continue;
			/* --real: no frame came back (nic-only at a size no pattern fits) */
			got = !o->real || MED(c->run, c->nb, real.frames) > 0;
			sc.size = o->sizes[s];
			sc.sc = a->scens[k];
			if (report_row(rep)) {
				free(cells);
				return 1;
			}
			set_identity(rep, &sc, o->poll);
			report_set_str(rep, "load", "fixed rate");
			report_set_dbl(rep, "rate_pps", a->rate);
			if (got) {
				report_set_dbl(rep, "lat_p50_us", MED(c->run, c->nb, lat_p50_us));
				p99 = median_of(c->run, c->nb,
				                offsetof(struct bench_trial, lat_p99_us), &p99_min,
				                &p99_max);
				report_set_dbl(rep, "lat_p99_us", p99);
				report_set_dbl(rep, "p99_min_us", p99_min);
				report_set_dbl(rep, "p99_max_us", p99_max);
				report_set_dbl(rep, "lat_p999_us", MED(c->run, c->nb, lat_p999_us));
				report_set_dbl(rep, "lat_max_us", MED(c->run, c->nb, lat_max_us));
			}
			{
				double v[BENCH_MAX_REPS];

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
			if (o->real)
				set_real(rep, &cells[s * NB_SCAN_PLACE], c, got);
			if (!o->json)
				report_table_row(
				        rep, report_rows(rep) - 1, stdout,
				        !c->conserved ? "NOT CONSERVED"
				        : got         ? NULL
				        : MED(c->run, c->nb, real.expected) > 0
				                ? "no frame came back"
				                : "no frame came back: no pattern fits this size");
		}
	if (!o->json && o->real) {
		print_real_diffs(o, cells);
	} else if (!o->json) {
		printf("\nlatency differences of the medians, us (paper: NIC scan lower by up to 8 "
		       "us)\n%5s %18s %18s\n",
		       "size", "p50 host-nic scan", "p99 host-nic scan");
		for (unsigned int s = 0; s < o->nb_sizes; s++) {
			const struct bench_cell *b = &cells[s * NB_SCAN_PLACE + SCAN_NIC_SCAN];
			const struct bench_cell *c = &cells[s * NB_SCAN_PLACE + SCAN_HOST_SCAN];

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

/* Defaults and options that depend on the back end: 0, or 2 (said why). */
static int check_backend(struct bench_opts *o, struct scan_args *a)
{
	static const unsigned int real_sizes[] = {128, 512, 1518};

	if (!o->real) {
		if (!a->scens_set) { /* nic-only, nic-scan, host-scan */
			for (unsigned int k = 0; k + 1 < NB_SCAN_PLACE; k++)
				a->scens[k] = (enum bench_scan_place)(k + 1);
			a->nb_scens = NB_SCAN_PLACE - 1;
		}
		for (unsigned int k = 0; k < a->nb_scens; k++)
			if (a->scens[k] == SCAN_WIRE) {
				fprintf(stderr, WHO ": scenario wire is for --real only\n");
				return 2;
			}
		return 0;
	}
	if (o->ndr) {
		fprintf(stderr, WHO " --real: --ndr is for the software back end only\n");
		return 2;
	}
	if (a->rate > 1e7) {
		fprintf(stderr, WHO " --real: --rate wants 1..1e7 packets/s\n");
		return 2;
	}
	if (!o->sizes_set) {
		memcpy(o->sizes, real_sizes, sizeof(real_sizes));
		o->nb_sizes = 3;
	}
	if (!o->count_set)
		o->count = REAL_COUNT;
	return 0;
}

static int plot(const struct bench_opts *o, struct bench_harness *h, struct report *rep, int rc)
{
	struct report_plot p = {
	        .name = o->ndr    ? "scan-ndr"
	                : o->real ? "scan-real-latency"
	                          : "scan-latency",
	        .title = o->ndr ? "tenet-bench scan --ndr: latency at 50 % of each scenario's NDR"
	                 : o->real ? "tenet-bench scan --real: latency gen -> tenet sink over "
	                             "veth, median of reps"
	                           : "tenet-bench scan: latency at a fixed rate, median of reps",
	        .xkey = "size",
	        .xlabel = "frame size on the wire (B)",
	        .series_key = o->ndr ? "series" : "scenario",
	        .ykeys = {"lat_p50_us", "lat_p99_us",
	                  o->ndr    ? "ndr_mpps"
	                  : o->real ? "lat_min_us"
	                            : NULL},
	        .ylabels = {"p50 latency (us)", "p99 latency (us)",
	                    o->real ? "min latency (us), a frame that did not wait" : "NDR Mpps"},
	        .xlog = true,
	};

	/* --real: no plot of a run that measured nothing (it was stopped at once) */
	return bench_opts_output(o, h, rep, o->real && !report_rows(rep) ? NULL : &p, rc);
}

int bench_scan(int argc, char **argv)
{
	struct scan_args a = {.nb_scens = NB_SCAN_PLACE,
	                      .scens = {SCAN_WIRE, SCAN_NIC_ONLY, SCAN_NIC_SCAN, SCAN_HOST_SCAN},
	                      .rate = DEFAULT_RATE,
	                      .fraction = DEFAULT_FRACTION};
	char fwd[PATH_MAX], scan[PATH_MAX], pats[128];
	struct scenario base = {.fwd = fwd, .scan = scan, .pats = pats};
	static struct report_col cols[64];
	struct bench_harness h;
	struct bench_opts o;
	struct report *rep;
	FILE *f;
	int rc;

	bench_opts_default(&o);
	o.sizes[0] = 64;
	o.sizes[1] = 512;
	o.sizes[2] = 1518;
	o.nb_sizes = 3;
	o.reps = 3;
	o.count = DEFAULT_COUNT;
	rc = bench_opts_parse(argc, argv, WHO, scan_options, set_option, &a,
	                      bench_opts_real(argc, argv) ? usage_real : usage, &o);
	if (!rc)
		rc = check_backend(&o, &a);
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
	report_cols_cat(cols, report_cols_cat(cols, 0, fixed_cols, NB_FIXED_COLS), real_cols,
	                NB_REAL_COLS);
	rep = o.ndr ? report_create(bench_ndr_cols, bench_ndr_nb_cols)
	            : report_create(cols, NB_FIXED_COLS + (o.real ? NB_REAL_COLS : 0));
	if (!rep || bench_harness_open(&h, WHO)) {
		report_destroy(rep);
		return 1;
	}
	h.nic_stage = o.nic_stage;
	if (o.real && bench_real_attach(&h, "scan", true, real_trial)) {
		bench_harness_close(&h);
		report_destroy(rep);
		return 1;
	}
	snprintf(pats, sizeof(pats), "%s/patterns.txt", h.dir);
	f = fopen(pats, "w");
	if (!f || fputs(patterns_txt, f) < 0 || fclose(f)) {
		fprintf(stderr, WHO ": cannot write %s\n", pats);
		bench_real_close(h.be);
		bench_harness_close(&h);
		report_destroy(rep);
		return 1;
	}
	rc = o.ndr ? run_ndr(&h, &o, &a, &base, rep) : run_fixed(&h, &o, &a, &base, rep);
	if (o.real && bench_real_interrupted()) {
		fprintf(h.err, "\n" WHO ": interrupted; results so far\n");
		rc = 1;
	}
	rc = plot(&o, &h, rep, rc);
	bench_real_close(h.be);
	bench_harness_close(&h);
	report_destroy(rep);
	return rc;
}
