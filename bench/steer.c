/*
 * tenet-bench steer: where ingress classification runs, and what it costs
 * (the paper's Fig. 5 on this machine).
 *
 * For each frame size (64..1518 B) and each steer mode - nic (the NIC
 * stage classifies and DMAs straight into the tenant pool), cpu (DMA into
 * the ingress pool, then a router thread classifies and copies) and shared
 * (one global pool, the dispatcher classifies: the OpenNetVM baseline) -
 * the benchmark pushes traffic through a two-NF same-tenant chain
 * alice/fwd -> alice/fwd2 (build/nf/fwd twice) into a sink. Every run is a
 * trial of the harness (harness.h): the real manager on a generated config.
 *
 * --ndr: per size and mode the zero-loss throughput (NDR) and PDR from the
 * search of ndr.h, host CPU per packet at NDR by component, latency at
 * 50 % and 90 % of NDR, the modes' searches side by side (a trial of each
 * in turn: bench_ndr_run_side); then, per size, every mode once more at one fixed
 * rate below every mode's NDR (--fixed-frac of the lowest), so that host
 * CPU per packet compares the modes at the same load. The whole thing runs
 * --runs times (default 2) and the benchmark checks that the runs agree on
 * the ordering of the modes by NDR: two NDRs closer than the search width
 * are a tie, and a pair ordered one way in one run and the other way in
 * another is a disagreement, reported in the table, the JSON
 * (ordering_agrees) and the exit status (3).
 *
 * Default: the max-rate run, an overload (the generator at full speed, what
 * the chain cannot take dropped and counted), each repetition running every
 * (size, mode) once with the modes interleaved; per (size, mode) the run
 * with the median delivered rate is shown. Its figures say how the
 * scheduler shared the cores during an overload more than what a mode
 * sustains; it stays for comparison, labelled as such.
 *
 * Every run must conserve packets (in == delivered + dropped); one that
 * does not is reported loudly and makes the exit status 1.
 *
 * --real: the same scenarios and report on the --real back end (real.h),
 * which runs each trial; without --ndr it sends for --duration s at each
 * --rate, and its own figures (port thread, softirq) are extra columns.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
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

#define WHO       "tenet-bench steer"
#define REAL_PATH " --real (veth + XDP + AF_XDP, 2 namespaces)"
#define NB_STEER  3

enum steer { STEER_NIC, STEER_CPU, STEER_SHARED };

static const char *const steer_name[NB_STEER] = {"nic", "cpu", "shared"};

/* Copies of each frame on ingress that the mode implies (DESIGN.md sec. 5). */
static const unsigned int ingress_copies[NB_STEER] = {1, 2, 1};

struct steer_args {
	enum steer steers[NB_STEER];
	unsigned int nb_steers;
	double fixed_frac;
	bool fixed_set;
};

struct scenario {
	unsigned int size;
	enum steer steer;
	const char *fwd;
};

enum { OPT_STEER = BENCH_OPT_SCENARIO, OPT_FIXED_FRAC };

static const struct option steer_options[] = {
        {"steer", required_argument, NULL, OPT_STEER},
        {"fixed-frac", required_argument, NULL, OPT_FIXED_FRAC},
        {NULL, 0, NULL, 0},
};

static const struct report_col maxrate_cols[] = {
        {"bench", NULL, REP_STR, 0, 0},
        {"load", NULL, REP_STR, 0, 0},
        {"steer", "steer", REP_STR, 6, 0},
        {"size", "size", REP_UINT, 5, 0},
        {"hops", NULL, REP_UINT, 0, 0},
        {"tenants", NULL, REP_UINT, 0, 0},
        {"mode", NULL, REP_STR, 0, 0},
        {"mpps", "Mpps", REP_DBL, 7, 3},
        {"gbps", "Gbps", REP_DBL, 7, 3},
        {"offered_mpps", "offered", REP_DBL, 8, 3},
        {"loss_pct", "loss%", REP_DBL, 6, 1},
        {"host_ns_per_pkt", "host ns/pkt", REP_DBL, 11, 0},
        {"dispatch_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"nf_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"nic_ns_per_pkt", "nic ns/pkt", REP_DBL, 10, 0},
        {"copies_per_pkt", "copies/pkt", REP_DBL, 10, 2},
        {"mpps_min", "Mpps min", REP_DBL, 8, 3},
        {"mpps_max", "Mpps max", REP_DBL, 8, 3},
        {"lat_p50_us", NULL, REP_DBL, 0, 1},
        {"lat_p99_us", NULL, REP_DBL, 0, 1},
        {"max_lat_us", NULL, REP_DBL, 0, 1},
        {"ndr_mpps", NULL, REP_DBL, 0, 4},
        {"pdr_mpps", NULL, REP_DBL, 0, 4},
        {"reps", NULL, REP_UINT, 0, 0},
        {"conserved", NULL, REP_BOOL, 0, 0},
};

/* --real: the back end's own figures (whole-run), after the columns of either load. */
static const struct report_col real_cols[] = {
        {"backend", NULL, REP_STR, 0, 0},
        {"series", NULL, REP_STR, 0, 0},
        {"rate_pps", "rate", REP_DBL, 8, 0},
        {"unseen_pct", "unseen%", REP_DBL, 7, 2},
        {"port_ns_per_pkt", "port ns/pkt", REP_DBL, 11, 0},
        {"softirq_ns_per_pkt", "softirq ns/pkt", REP_DBL, 14, 0},
        {"sent", NULL, REP_DBL, 0, 0},
        {"packets_in", NULL, REP_DBL, 0, 0},
        {"delivered", NULL, REP_DBL, 0, 0},
        {"no_buffer", NULL, REP_DBL, 0, 0},
        {"nf_rx_full", NULL, REP_DBL, 0, 0},
        {"send_s", NULL, REP_DBL, 0, 2},
        {"dispatcher_ns", NULL, REP_DBL, 0, 0},
        {"router_ns", NULL, REP_DBL, 0, 0},
        {"nf_ns", NULL, REP_DBL, 0, 0},
        {"port_ns", NULL, REP_DBL, 0, 0},
        {"softirq_ns", NULL, REP_DBL, 0, 0},
        {"nf_restarts", NULL, REP_DBL, 0, 0},
};

/* NDR: the shared NDR columns, then these. */
static const struct report_col ndr_extra_cols[] = {
        {"gbps", "NDR Gbps", REP_DBL, 8, 3},
        {"fixed_mpps", "fixed Mpps", REP_DBL, 10, 4},
        {"fixed_host_ns_per_pkt", "host ns@fixed", REP_DBL, 13, 0},
        {"fixed_dispatch_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"fixed_router_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"fixed_nf_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"fixed_nic_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"fixed_loss_pct", NULL, REP_DBL, 0, 4},
        {"ordering", NULL, REP_STR, 0, 0},
        {"ordering_agrees", NULL, REP_BOOL, 0, 0},
};

#define NB_MAXRATE_COLS (sizeof(maxrate_cols) / sizeof(maxrate_cols[0]))
#define NB_EXTRA_COLS   (sizeof(ndr_extra_cols) / sizeof(ndr_extra_cols[0]))
#define NB_REAL_COLS    (sizeof(real_cols) / sizeof(real_cols[0]))

/* --real --ndr: after the NDR columns. */
static const struct report_col real_ndr_cols[] = {
        {"backend", NULL, REP_STR, 0, 0},
        {"port_ns_per_pkt", "port ns", REP_DBL, 7, 0},
        {"softirq_ns_per_pkt", "sirq ns", REP_DBL, 7, 0},
};

#define NB_REAL_NDR_COLS (sizeof(real_ndr_cols) / sizeof(real_ndr_cols[0]))

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench steer [--ndr] [--sizes LIST] [--steer LIST] [--runs N]\n"
	        "                         [--fixed-frac F] [--count N] [--reps N] [--poll]\n"
	        "                         [--json] [--csv FILE] [--plot DIR] [search options]\n"
	        "       tenet-bench steer --real [OPTIONS]   (the same scenarios on veth + XDP +\n"
	        "                                           AF_XDP, root; steer --real --help)\n"
	        "\n"
	        "Ingress steering, the paper's Fig. 5: throughput and host CPU per packet vs\n"
	        "frame size for steer nic (the NIC classifies and DMAs into the tenant pool),\n"
	        "cpu (a router thread classifies and copies from an ingress pool) and shared\n"
	        "(one pool for all, the dispatcher classifies; no isolation). Each trial starts\n"
	        "the manager in-process on a generated config: a gen port, a 2-NF chain\n"
	        "alice/fwd -> alice/fwd2 (build/nf/fwd), a sink.\n"
	        "\n"
	        "  --ndr          per size and mode: NDR and PDR, host CPU at NDR by component,\n"
	        "                 latency at 50 %% and 90 %% of NDR; then every mode at one fixed\n"
	        "                 rate (--fixed-frac x the lowest NDR of the size) for host CPU\n"
	        "                 per packet at the same load. --runs N (default 2) repeats it\n"
	        "                 all and checks that the runs agree on the ordering by NDR\n"
	        "                 (exit status 3 and a warning when they do not)\n"
	        "  --fixed-frac F fraction of the lowest NDR for the fixed-rate trials\n"
	        "                 (default 0.8)\n"
	        "  (default)      max-rate runs (OVERLOAD): the generator at full speed, what\n"
	        "                 the chain cannot take is dropped; median of --reps\n"
	        "  --sizes LIST   frame sizes on the wire incl. FCS, 64..1518\n"
	        "                 (default 64,128,256,512,1024,1518)\n"
	        "  --steer LIST   modes among nic,cpu,shared (default all three)\n"
	        "  --count N      frames per max-rate run (default 2000000)\n"
	        "  --reps N       max-rate repetitions, 1..%d (default 3), modes interleaved\n"
	        "\n",
	        BENCH_MAX_REPS);
	bench_opts_help(f);
	fprintf(f, "\n"
	           "Max-rate columns: Mpps delivered (delivered/elapsed); Gbps on the wire\n"
	           "(Mpps x (size + 20 B preamble and gap) x 8); loss %% of frames in; host CPU\n"
	           "ns per delivered packet (dispatcher + router + NF processes); NIC-stage CPU\n"
	           "ns per frame in (the software NIC's thread, which also generates the frame;\n"
	           "not host CPU); copies per delivered packet (the ingress copies the mode\n"
	           "implies plus the cross-tenant copies the manager counts); Mpps range over\n"
	           "the repetitions. NDR columns: docs/benchmarks.md.\n");
}

static void usage_real(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench steer --real [--ndr] [--sizes LIST] [--steer LIST]\n"
	        "                         [--rate LIST] [--duration S] [--reps N] [--json]\n"
	        "                         [--csv FILE] [--plot DIR] [search options]\n"
	        "\n"
	        "The scenarios of tenet-bench steer on the --real back end (root): tenet gen in\n"
	        "a sender network namespace sends over a veth pair into the DUT namespace,\n"
	        "where tenet run has an afxdp port on the veth and the same 2-NF chain\n"
	        "alice/fwd -> alice/fwd2 into a sink port. steer nic: the XDP classifier\n"
	        "redirects each frame to alice's own veth pair, whose AF_XDP socket's UMEM is\n"
	        "alice's pool; cpu: one AF_XDP socket into the ingress pool, then the router\n"
	        "thread classifies and copies; shared: one socket into the shared pool (no\n"
	        "isolation). AF_XDP runs in copy mode on veth.\n"
	        "\n"
	        "  --sizes LIST    frame sizes on the wire incl. FCS, 64..1518\n"
	        "                  (default 64,128,256,512,1024,1518)\n"
	        "  --steer LIST    among nic,cpu,shared (default all three)\n"
	        "  --rate LIST     offered rates in packets/s, 0 = as fast as the sender can\n"
	        "                  (default 0); up to %d, each a separate set of runs\n"
	        "  --duration S    seconds the sender sends per run (default 3)\n"
	        "  --reps N        repetitions 1..%d (default 3), modes interleaved; the table\n"
	        "                  shows the run with the median delivered Mpps\n"
	        "  --ndr           per size and mode: NDR and PDR over trials of this path,\n"
	        "                  latency at 50 %% and 90 %% of NDR; --runs N (default 1)\n"
	        "                  repeats it and checks the ordering as without --real;\n"
	        "                  --fixed-frac F adds the fixed-rate trials (default none)\n"
	        "\n",
	        BENCH_MAX_RATES, BENCH_MAX_REPS);
	bench_opts_help_real(f);
	fprintf(f,
	        "\n"
	        "Columns as without --real (offered = the sender's measured rate, sent / its\n"
	        "send time; Mpps = delivered to the sink port / the send time; loss%% = (sent -\n"
	        "delivered) / sent; host ns/pkt = dispatcher + router + NF processes' CPU /\n"
	        "delivered; copies = ingress copies the mode implies + cross-tenant copies;\n"
	        "nic ns/pkt: not measured here), and: rate = the rate asked for (0: max);\n"
	        "unseen%% = sent but never counted by the manager (dropped by veth before\n"
	        "XDP); port ns/pkt = the afxdp port's receive thread (AF_XDP rx, fill ring) /\n"
	        "frame in; softirq ns/pkt = host-wide softirq time during the send / frame\n"
	        "sent: on veth the XDP programs, redirects and the copy into the UMEM run\n"
	        "there, on the same host CPUs (tick-sampled, includes the sender's side).\n");
}

static int parse_steers(const char *v, struct steer_args *a)
{
	unsigned int idx[NB_STEER];
	int n = bench_parse_names(v, steer_name, NB_STEER, idx);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		a->steers[i] = (enum steer)idx[i];
	a->nb_steers = (unsigned int)n;
	return 0;
}

static int set_option(void *ctx, int val, const char *arg)
{
	struct steer_args *a = ctx;

	switch (val) {
	case OPT_STEER:
		if (parse_steers(arg, a)) {
			fprintf(stderr, WHO ": --steer wants a comma-separated list of nic, cpu, "
			                    "shared (each once)\n");
			return -1;
		}
		return 0;
	case OPT_FIXED_FRAC:
		if (!bench_parse_double(arg, 0.05, 1, &a->fixed_frac)) {
			fprintf(stderr, WHO ": --fixed-frac wants 0.05..1\n");
			return -1;
		}
		a->fixed_set = true;
		return 0;
	}
	return -1;
}

static int steer_config(FILE *f, const struct bench_load *l, void *arg)
{
	const struct scenario *sc = arg;

	fprintf(f, "ports:\n");
	bench_gen_port(f, l, steer_name[sc->steer], "");
	fprintf(f, "  - {name: sink, driver: sink}\n"
	           "tenants:\n");
	bench_tenant(f, "alice");
	fprintf(f, "services:\n");
	fprintf(f, "  - {name: fwd, tenant: alice, command: [");
	bench_yaml_quoted(f, sc->fwd);
	fprintf(f, "]}\n  - {name: fwd2, tenant: alice, command: [");
	bench_yaml_quoted(f, sc->fwd);
	fprintf(f, "]}\n"
	           "chains:\n"
	           "  - name: bench\n"
	           "    hops: [alice/fwd, alice/fwd2]\n"
	           "    output: sink\n");
	return ferror(f) ? -EIO : 0;
}

static double gbps(double mpps, unsigned int size)
{
	return mpps * (size + 20) * 8 / 1000;
}

/* --real: the trial is the real back end's (the config function is not used). */
static int real_trial(void *be, void *arg, const struct bench_load *l, struct bench_trial *t)
{
	const struct scenario *sc = arg;

	return bench_real_steer(be, steer_name[sc->steer], l, t);
}

/* The --real figures of trial t (rate: the offered rate asked for, 0: max). */
static void set_real(struct report *r, const struct scenario *sc, double rate,
                     const struct bench_trial *t)
{
	const struct bench_real_figs *x = &t->real;
	char series[48];

	if (rate > 0)
		snprintf(series, sizeof(series), "%s, offered %.0fk", steer_name[sc->steer],
		         rate / 1e3);
	else
		snprintf(series, sizeof(series), "%s, offered max", steer_name[sc->steer]);
	report_set_str(r, "backend", "real");
	report_set_str(r, "series", series);
	report_set_dbl(r, "rate_pps", rate);
	report_set_dbl(r, "unseen_pct", x->unseen_pct);
	report_set_dbl(r, "port_ns_per_pkt", x->port_ns_per_pkt);
	report_set_dbl(r, "softirq_ns_per_pkt", x->softirq_ns_per_pkt);
	report_set_dbl(r, "sent", x->sent);
	report_set_dbl(r, "packets_in", x->packets_in);
	report_set_dbl(r, "delivered", (double)t->delivered);
	report_set_dbl(r, "no_buffer", x->no_buffer);
	report_set_dbl(r, "nf_rx_full", x->nf_rx_full);
	report_set_dbl(r, "send_s", x->send_s);
	report_set_dbl(r, "dispatcher_ns", x->dispatcher_ns);
	report_set_dbl(r, "router_ns", x->router_ns);
	report_set_dbl(r, "nf_ns", x->nf_ns);
	report_set_dbl(r, "port_ns", x->port_ns);
	report_set_dbl(r, "softirq_ns", x->softirq_ns);
	report_set_dbl(r, "nf_restarts", x->restarts);
}

static void set_identity(struct report *r, const struct scenario *sc, bool poll)
{
	report_set_str(r, "bench", "steer");
	report_set_str(r, "steer", steer_name[sc->steer]);
	report_set_uint(r, "size", sc->size);
	report_set_uint(r, "hops", 2);
	report_set_uint(r, "tenants", 1);
	report_set_str(r, "mode", poll ? "poll" : "adaptive");
}

/* ---- max-rate (overload) ------------------------------------------------ */

static int cmp_mpps(const void *a, const void *b)
{
	const struct bench_trial *x = *(const struct bench_trial *const *)a;
	const struct bench_trial *y = *(const struct bench_trial *const *)b;

	return (x->mpps > y->mpps) - (x->mpps < y->mpps);
}

/* One (size, mode) line of the ratios: Mpps nic/shared, nic/cpu (--real: host ns too). */
static void ratio_row(const struct report *rep, unsigned int nic, bool real)
{
	double size = report_get(rep, nic, "size"), rate = report_get(rep, nic, "rate_pps");
	double m[NB_STEER] = {NAN, NAN, NAN}, h[NB_STEER] = {NAN, NAN, NAN};

	for (unsigned int j = 0; j < report_rows(rep); j++) {
		const char *sj = report_get_str(rep, j, "steer");
		unsigned int k;

		if (!sj || report_get(rep, j, "size") != size ||
		    (real && report_get(rep, j, "rate_pps") != rate))
			continue;
		k = !strcmp(sj, "cpu") ? 1 : !strcmp(sj, "shared") ? 2 : 0;
		m[k] = report_get(rep, j, "mpps");
		h[k] = report_get(rep, j, "host_ns_per_pkt");
	}
	printf("%5.0f", size);
	if (real)
		printf(" %8.0f", rate);
	printf(" %16.3f %12.3f", m[0] / m[2], m[0] / m[1]);
	if (real)
		printf(" %18.3f %14.3f", h[0] / h[2], h[0] / h[1]);
	printf("\n");
}

static void print_ratios(const struct report *rep, bool real)
{
	printf("\nratios of the medians%s (paper: Mpps nic >= 0.95 x shared and > cpu%s)\n%5s",
	       real ? "" : ", overload", real ? "; host ns nic < cpu" : "", "size");
	if (real)
		printf(" %8s", "rate");
	printf(" %16s %12s", "Mpps nic/shared", "Mpps nic/cpu");
	if (real)
		printf(" %18s %14s", "host ns nic/shared", "host ns nic/cpu");
	printf("\n");
	for (unsigned int i = 0; i < report_rows(rep); i++) {
		const char *st = report_get_str(rep, i, "steer");

		if (st && !strcmp(st, "nic"))
			ratio_row(rep, i, real);
	}
}

static void print_maxrate_intro(const struct bench_opts *o)
{
	if (o->real)
		printf(WHO
		       " --real: veth pair between two network namespaces, afxdp port (XDP "
		       "native on veth, AF_XDP copy mode), 2-NF chain alice/fwd -> alice/fwd2 -> "
		       "sink port; %g s per run, median of %u rep%s, adaptive, %ld CPUs online\n",
		       o->duration, o->reps, o->reps > 1 ? "s" : "", sysconf(_SC_NPROCESSORS_ONLN));
	else
		printf(WHO ": 2-NF chain alice/fwd -> alice/fwd2, max-rate runs (OVERLOAD: the "
		           "generator at full speed), %llu frames per run, median of %u reps, %s, "
		           "%ld CPUs online\n",
		       (unsigned long long)o->count, o->reps, o->poll ? "poll" : "adaptive",
		       sysconf(_SC_NPROCESSORS_ONLN));
}

/* The row of one (rate, size, mode): the run with the median delivered rate. */
static int maxrate_row(struct report *rep, const struct bench_opts *o, const struct scenario *sc,
                       double rate, struct bench_cell *c)
{
	const struct bench_trial *sorted[BENCH_MAX_REPS], *m;

	for (unsigned int i = 0; i < c->nb; i++)
		sorted[i] = &c->run[i];
	qsort(sorted, c->nb, sizeof(sorted[0]), cmp_mpps);
	m = sorted[(c->nb - 1) / 2];
	if (report_row(rep))
		return -1;
	set_identity(rep, sc, o->poll);
	report_set_str(rep, "load", o->real ? "fixed duration" : "max-rate (overload)");
	report_set_dbl(rep, "mpps", m->mpps);
	report_set_dbl(rep, "gbps", gbps(m->mpps, sc->size));
	report_set_dbl(rep, "offered_mpps", m->offered_mpps);
	report_set_dbl(rep, "loss_pct", m->loss_pct);
	report_set_dbl(rep, "host_ns_per_pkt", m->host_ns_per_pkt);
	report_set_dbl(rep, "dispatch_ns_per_pkt", m->dispatch_ns_per_pkt);
	report_set_dbl(rep, "nf_ns_per_pkt", m->nf_ns_per_pkt);
	report_set_dbl(rep, "nic_ns_per_pkt", m->nic_ns_per_pkt);
	report_set_dbl(rep, "copies_per_pkt", ingress_copies[sc->steer] + m->copies_per_pkt);
	report_set_dbl(rep, "mpps_min", sorted[0]->mpps);
	report_set_dbl(rep, "mpps_max", sorted[c->nb - 1]->mpps);
	if (m->lat_count) {
		report_set_dbl(rep, "lat_p50_us", m->lat_p50_us);
		report_set_dbl(rep, "lat_p99_us", m->lat_p99_us);
	}
	report_set_dbl(rep, "max_lat_us", m->lat_max_us);
	report_set_uint(rep, "reps", c->nb);
	report_set_bool(rep, "conserved", c->conserved);
	if (o->real)
		set_real(rep, sc, rate, m);
	if (!o->json)
		report_table_row(rep, report_rows(rep) - 1, stdout,
		                 c->conserved ? NULL : "NOT CONSERVED");
	return 0;
}

/*
 * Every (rate, size, mode) --reps times, the modes interleaved. Software:
 * --count frames at full speed (an overload); --real: the sender at each
 * --rate for --duration s.
 */
static int run_maxrate(struct bench_harness *h, const struct bench_opts *o,
                       const struct steer_args *a, const char *fwd, struct report *rep)
{
	unsigned int nb_cells = o->nb_rates * o->nb_sizes * NB_STEER;
	struct bench_cell *cells = calloc(nb_cells, sizeof(*cells));
	unsigned int total = o->reps * o->nb_rates * o->nb_sizes * a->nb_steers, done = 0;
	bool stop = false;
	int rc = 0;

	if (!cells)
		return 1;
	if (!o->json)
		print_maxrate_intro(o);
	for (unsigned int rp = 0; rp < o->reps && !stop; rp++)
		for (unsigned int r = 0; r < o->nb_rates && !stop; r++)
			for (unsigned int s = 0; s < o->nb_sizes && !stop; s++)
				for (unsigned int k = 0; k < a->nb_steers && !stop; k++) {
					struct scenario sc = {o->sizes[s], a->steers[k], fwd};
					struct bench_cell *c =
					        &cells[(r * o->nb_sizes + s) * NB_STEER + sc.steer];
					struct bench_load l = {.rate = o->real ? o->rates[r] : 0,
					                       .count = o->real ? 0 : o->count,
					                       .trial_s = o->duration,
					                       .size = sc.size,
					                       .poll = o->poll};
					struct bench_trial *t = &c->run[c->nb];
					char label[32];

					snprintf(label, sizeof(label), "steer %s",
					         steer_name[sc.steer]);
					if (bench_grid_trial(h, ++done, total, rp + 1, label,
					                     steer_config, &sc, &l, t)) {
						stop = true;
						rc = 1;
						break;
					}
					if (!bench_cell_add(h, c, &l, label))
						rc = 1;
				}

	if (!o->json)
		report_table_header(rep, stdout);
	for (unsigned int r = 0; r < o->nb_rates; r++)
		for (unsigned int s = 0; s < o->nb_sizes; s++)
			for (unsigned int k = 0; k < a->nb_steers; k++) {
				struct scenario sc = {o->sizes[s], a->steers[k], fwd};
				struct bench_cell *c =
				        &cells[(r * o->nb_sizes + s) * NB_STEER + sc.steer];

				if (c->nb && maxrate_row(rep, o, &sc, o->rates[r], c)) {
					free(cells);
					return 1;
				}
			}
	if (!o->json && a->nb_steers > 1)
		print_ratios(rep, o->real);
	free(cells);
	return rc;
}

/* ---- NDR ------------------------------------------------------------------ */

/* -1, 0, 1: a clearly below, a tie (within the width), a clearly above b. */
static int order_of(double a, double b, double width)
{
	if (a > b * (1 + width))
		return 1;
	if (b > a * (1 + width))
		return -1;
	return 0;
}

/* "nic > shared ~ cpu" for the NDRs of one run and size. */
static void ordering(const double *ndr, const struct steer_args *a, double width, char *out,
                     size_t len)
{
	enum steer idx[NB_STEER];
	size_t o = 0;

	for (unsigned int i = 0; i < a->nb_steers; i++)
		idx[i] = a->steers[i];
	for (unsigned int i = 1; i < a->nb_steers; i++)
		for (unsigned int j = i; j > 0 && ndr[idx[j]] > ndr[idx[j - 1]]; j--) {
			enum steer t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	out[0] = '\0';
	for (unsigned int i = 0; i < a->nb_steers && o < len; i++)
		o += (size_t)snprintf(
		        out + o, len - o, "%s%s",
		        i ? (order_of(ndr[idx[i - 1]], ndr[idx[i]], width) > 0 ? " > " : " ~ ")
		          : "",
		        steer_name[idx[i]]);
}

/* --real at NDR: the port thread's and softirq's CPU of the trial at the NDR. */
static void set_real_ndr(struct report *r, const struct bench_ndr *n)
{
	report_set_str(r, "backend", "real");
	if (n->rc || !n->res.ndr.found)
		return;
	report_set_dbl(r, "port_ns_per_pkt", n->at_ndr.real.port_ns_per_pkt);
	report_set_dbl(r, "softirq_ns_per_pkt", n->at_ndr.real.softirq_ns_per_pkt);
}

static int run_ndr(struct bench_harness *h, struct bench_opts *o, const struct steer_args *a,
                   const char *fwd, struct report *rep)
{
	unsigned int runs = o->reps_set ? o->reps : o->real ? 1 : 2;
	unsigned int nb = runs * o->nb_sizes * a->nb_steers;
	double *ndr = calloc((size_t)runs * o->nb_sizes * NB_STEER, sizeof(*ndr));
	unsigned int *row_of = calloc((size_t)runs * o->nb_sizes * NB_STEER, sizeof(*row_of));
	double width = o->nopt.search.width;
	unsigned int done = 0;
	int rc = 0;

	if (!ndr || !row_of) {
		free(ndr);
		free(row_of);
		return 1;
	}
	if (!o->json) {
		printf(WHO "%s: 2-NF chain alice/fwd -> alice/fwd2, ", o->real ? REAL_PATH : "");
		bench_ndr_describe(stdout, &o->nopt);
		printf(", %u run%s, %s, %ld CPUs online\n", runs, runs > 1 ? "s" : "",
		       o->poll ? "poll" : "adaptive", sysconf(_SC_NPROCESSORS_ONLN));
		report_table_header(rep, stdout);
	}
	for (unsigned int run = 0; run < runs; run++)
		for (unsigned int s = 0; s < o->nb_sizes; s++) {
			double *nd = &ndr[(run * o->nb_sizes + s) * NB_STEER];
			struct bench_trial fixed[NB_STEER];
			bool all = true, fixed_done[NB_STEER] = {false};
			double lowest = 0, rate;
			char ord[64];
			struct scenario sc[NB_STEER];
			struct bench_side side[NB_STEER];
			char labels[NB_STEER][64];

			/* the modes' searches side by side, a trial of each in turn */
			for (unsigned int k = 0; k < a->nb_steers; k++) {
				sc[k] = (struct scenario){o->sizes[s], a->steers[k], fwd};
				snprintf(labels[k], sizeof(labels[k]), "[%u/%u run %u %u B %s]",
				         ++done, nb, run + 1, sc[k].size, steer_name[sc[k].steer]);
				side[k] = (struct bench_side){
				        .cfg = steer_config, .arg = &sc[k], .o = o->nopt};
				side[k].o.size = sc[k].size;
				side[k].o.label = labels[k];
			}
			if (bench_ndr_run_side(h, side, a->nb_steers))
				goto fail;
			for (unsigned int k = 0; k < a->nb_steers; k++) {
				struct bench_ndr *res = &side[k].out;
				char label[64];
				int e = side[k].rc;

				if (report_row(rep))
					goto fail;
				row_of[(run * o->nb_sizes + s) * NB_STEER + sc[k].steer] =
				        report_rows(rep) - 1;
				set_identity(rep, &sc[k], o->poll);
				report_set_str(rep, "scenario", "steer");
				report_set_uint(rep, "run", run + 1);
				snprintf(label, sizeof(label), "%s run %u", steer_name[sc[k].steer],
				         run + 1);
				report_set_str(rep, "series", label);
				bench_ndr_fill(rep, res, &o->nopt);
				if (o->real)
					set_real_ndr(rep, res);
				if (e) {
					rc = 1;
					all = false;
					if (e != -EPROTO)
						goto fail;
					continue;
				}
				report_set_dbl(rep, "gbps", gbps(res->ndr_mpps, sc[k].size));
				nd[sc[k].steer] = res->res.ndr.rate;
				if (!res->res.ndr.found)
					all = false;
				else if (!lowest || res->res.ndr.rate < lowest)
					lowest = res->res.ndr.rate;
			}
			/* host CPU per packet at one rate below every mode's NDR */
			rate = floor(lowest * a->fixed_frac);
			for (unsigned int k = 0; k < a->nb_steers && all && rate >= 1; k++) {
				enum steer st = sc[k].steer;
				char label[64];

				snprintf(label, sizeof(label), "[run %u %u B %s]", run + 1,
				         sc[k].size, steer_name[st]);
				o->nopt.size = sc[k].size;
				o->nopt.label = label;
				if (bench_fixed_run(h, steer_config, &sc[k], &o->nopt, rate,
				                    o->nopt.search.final_s, &fixed[st]))
					goto fail;
				fixed_done[st] = true;
				if (!fixed[st].conserved)
					rc = 1;
			}
			ordering(nd, a, width, ord, sizeof(ord));
			for (unsigned int k = 0; k < a->nb_steers; k++) {
				enum steer st = a->steers[k];
				unsigned int row = row_of[(run * o->nb_sizes + s) * NB_STEER + st];
				const struct bench_trial *t = &fixed[st];

				report_select(rep, row);
				report_set_str(rep, "ordering", ord);
				if (fixed_done[st]) {
					report_set_dbl(rep, "fixed_mpps", rate / 1e6);
					report_set_dbl(rep, "fixed_host_ns_per_pkt",
					               t->host_ns_per_pkt);
					report_set_dbl(rep, "fixed_dispatch_ns_per_pkt",
					               t->dispatch_ns_per_pkt);
					report_set_dbl(rep, "fixed_router_ns_per_pkt",
					               t->router_ns_per_pkt);
					report_set_dbl(rep, "fixed_nf_ns_per_pkt",
					               t->nf_ns_per_pkt);
					report_set_dbl(rep, "fixed_nic_ns_per_pkt",
					               t->nic_ns_per_pkt);
					report_set_dbl(rep, "fixed_loss_pct", t->loss_pct);
				}
				if (!o->json)
					report_table_row(rep, row, stdout, NULL);
			}
			if (!o->json) {
				printf("  run %u, %u B: NDR ordering %s", run + 1, o->sizes[s],
				       ord);
				if (nd[STEER_NIC] > 0 && nd[STEER_CPU] > 0)
					printf("; nic/cpu %.2f", nd[STEER_NIC] / nd[STEER_CPU]);
				if (nd[STEER_NIC] > 0 && nd[STEER_SHARED] > 0)
					printf("; nic/shared %.2f",
					       nd[STEER_NIC] / nd[STEER_SHARED]);
				if (fixed_done[STEER_NIC] && fixed_done[STEER_CPU] &&
				    fixed[STEER_CPU].host_ns_per_pkt > 0)
					printf("; host ns at %.4f Mpps nic/cpu %.2f", rate / 1e6,
					       fixed[STEER_NIC].host_ns_per_pkt /
					               fixed[STEER_CPU].host_ns_per_pkt);
				printf("\n");
			}
		}

	/* do the runs agree on the ordering? a pair ordered both ways is a disagreement */
	for (unsigned int s = 0; s < o->nb_sizes; s++) {
		bool agree = true;

		for (unsigned int i = 0; i < a->nb_steers; i++)
			for (unsigned int j = i + 1; j < a->nb_steers; j++) {
				int seen = 0;

				for (unsigned int run = 0; run < runs; run++) {
					const double *nd = &ndr[(run * o->nb_sizes + s) * NB_STEER];
					int c = order_of(nd[a->steers[i]], nd[a->steers[j]], width);

					if (c && seen && c != seen)
						agree = false;
					if (c)
						seen = c;
				}
			}
		for (unsigned int run = 0; run < runs; run++)
			for (unsigned int k = 0; k < a->nb_steers; k++) {
				report_select(
				        rep,
				        row_of[(run * o->nb_sizes + s) * NB_STEER + a->steers[k]]);
				report_set_bool(rep, "ordering_agrees", agree);
			}
		if (runs < 2)
			continue;
		if (agree) {
			fprintf(h->err, WHO ": %u B: the %u runs agree on the ordering by NDR\n",
			        o->sizes[s], runs);
			if (!o->json)
				printf("%u B: the %u runs agree on the ordering by NDR\n",
				       o->sizes[s], runs);
		} else {
			fprintf(h->err,
			        "WARNING: " WHO ": %u B: the runs DISAGREE on the ordering by NDR "
			        "(see the ordering of each run); the comparison is not stable "
			        "here\n",
			        o->sizes[s]);
			if (!o->json)
				printf("%u B: WARNING: the runs DISAGREE on the ordering by NDR\n",
				       o->sizes[s]);
			if (!rc)
				rc = 3;
		}
	}
	free(ndr);
	free(row_of);
	return rc;
fail:
	free(ndr);
	free(row_of);
	return 1;
}

/* The columns of the run o asks for, in cols (room for 96). */
static unsigned int columns(const struct bench_opts *o, struct report_col *cols)
{
	unsigned int n;

	if (!o->ndr) {
		n = report_cols_cat(cols, 0, maxrate_cols, NB_MAXRATE_COLS);
		return o->real ? report_cols_cat(cols, n, real_cols, NB_REAL_COLS) : n;
	}
	n = report_cols_cat(cols, 0, bench_ndr_cols, bench_ndr_nb_cols);
	n = report_cols_cat(cols, n, ndr_extra_cols, NB_EXTRA_COLS);
	return o->real ? report_cols_cat(cols, n, real_ndr_cols, NB_REAL_NDR_COLS) : n;
}

/* The options that make no sense for the back end chosen: 0, or 2 (said why). */
static int check_backend(const struct bench_opts *o)
{
	if (o->real && o->count_set) {
		fprintf(stderr, WHO " --real: --count is for the software back end only (--real "
		                    "sends for --duration s)\n");
		return 2;
	}
	if (o->real && o->ndr && o->nb_rates > 1) {
		fprintf(stderr, WHO " --real: --rate is for the runs without --ndr\n");
		return 2;
	}
	return 0;
}

static int plot(const struct bench_opts *o, struct bench_harness *h, struct report *rep, int rc)
{
	struct report_plot p = {
	        .name = o->ndr ? (o->real ? "steer-real-ndr" : "steer-ndr")
	                       : (o->real ? "steer-real" : "steer-maxrate"),
	        .title = o->ndr    ? "tenet-bench steer --ndr: 2-NF chain, zero-loss throughput "
	                             "and host CPU at a fixed rate"
	                 : o->real ? "tenet-bench steer --real: veth + XDP + AF_XDP (copy mode), "
	                             "alice/fwd -> alice/fwd2, median"
	                           : "tenet-bench steer: max-rate run (overload), median",
	        .xkey = "size",
	        .xlabel = "frame size on the wire (B)",
	        .series_key = o->ndr || o->real ? "series" : "steer",
	        .ykeys = {o->ndr ? "ndr_mpps" : "mpps",
	                  o->ndr ? "fixed_host_ns_per_pkt" : "host_ns_per_pkt"},
	        .ylabels = {o->ndr    ? "NDR Mpps"
	                    : o->real ? "Mpps delivered"
	                              : "Mpps delivered (overload)",
	                    o->ndr ? "host CPU ns / packet at the fixed rate"
	                           : "host CPU ns / packet"},
	        .xlog = true,
	};

	if (o->ndr && o->real)
		p.ykeys[1] = "host_ns_per_pkt", p.ylabels[1] = "host CPU ns / packet at NDR";
	/* --real: no plot of a run that measured nothing (it was stopped at once) */
	return bench_opts_output(o, h, rep, o->real && !report_rows(rep) ? NULL : &p, rc);
}

int bench_steer(int argc, char **argv)
{
	struct steer_args a = {.steers = {STEER_NIC, STEER_CPU, STEER_SHARED},
	                       .nb_steers = NB_STEER,
	                       .fixed_frac = 0.8};
	static const unsigned int sizes[] = {64, 128, 256, 512, 1024, 1518};
	static struct report_col cols[96];
	struct bench_harness h;
	struct bench_opts o;
	struct report *rep;
	char fwd[PATH_MAX] = "";
	int rc;

	bench_opts_default(&o);
	memcpy(o.sizes, sizes, sizeof(sizes));
	o.nb_sizes = 6;
	o.reps = 3;
	rc = bench_opts_parse(argc, argv, WHO, steer_options, set_option, &a,
	                      bench_opts_real(argc, argv) ? usage_real : usage, &o);
	if (!rc)
		rc = check_backend(&o);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (o.real && !a.fixed_set)
		a.fixed_frac = 0; /* --real --ndr: no fixed-rate trials unless asked for */
	rc = o.real ? 0 : bench_nf_path("fwd", fwd, sizeof(fwd));
	if (rc) {
		fprintf(stderr, WHO ": no NF at %s: %s (run make first)\n", fwd, strerror(-rc));
		return 1;
	}
	rep = report_create(cols, columns(&o, cols));
	if (!rep || bench_harness_open(&h, WHO)) {
		report_destroy(rep);
		return 1;
	}
	h.nic_stage = o.nic_stage;
	if (o.real && bench_real_attach(&h, "steer", false, real_trial)) {
		bench_harness_close(&h);
		report_destroy(rep);
		return 1;
	}
	rc = o.ndr ? run_ndr(&h, &o, &a, fwd, rep) : run_maxrate(&h, &o, &a, fwd, rep);
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
