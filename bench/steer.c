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
 * 50 % and 90 % of NDR; then, per size, every mode once more at one fixed
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

#define WHO      "tenet-bench steer"
#define NB_STEER 3
#define MAX_REPS 15

enum steer { STEER_NIC, STEER_CPU, STEER_SHARED };

static const char *const steer_name[NB_STEER] = {"nic", "cpu", "shared"};

/* Copies of each frame on ingress that the mode implies (DESIGN.md sec. 5). */
static const unsigned int ingress_copies[NB_STEER] = {1, 2, 1};

struct steer_args {
	enum steer steers[NB_STEER];
	unsigned int nb_steers;
	double fixed_frac;
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

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench steer [--ndr] [--sizes LIST] [--steer LIST] [--runs N]\n"
	        "                         [--fixed-frac F] [--count N] [--reps N] [--poll]\n"
	        "                         [--json] [--csv FILE] [--plot DIR] [search options]\n"
	        "       tenet-bench steer --real [OPTIONS]   (veth + XDP + AF_XDP, root;\n"
	        "                                           see tenet-bench steer --real --help)\n"
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
	        MAX_REPS);
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
	           "tenants:\n"
	           "  - {name: alice}\n"
	           "services:\n");
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

struct cell {
	unsigned int nb;
	struct bench_trial run[MAX_REPS];
	bool conserved;
};

static int cmp_mpps(const void *a, const void *b)
{
	const struct bench_trial *x = *(const struct bench_trial *const *)a;
	const struct bench_trial *y = *(const struct bench_trial *const *)b;

	return (x->mpps > y->mpps) - (x->mpps < y->mpps);
}

static int run_maxrate(struct bench_harness *h, const struct bench_opts *o,
                       const struct steer_args *a, const char *fwd, struct report *rep)
{
	struct cell *cells = calloc(o->nb_sizes * NB_STEER, sizeof(*cells));
	unsigned int total = o->reps * o->nb_sizes * a->nb_steers, done = 0;
	bool stop = false;
	int rc = 0;

	if (!cells)
		return 1;
	if (!o->json)
		printf(WHO
		       ": 2-NF chain alice/fwd -> alice/fwd2, max-rate runs (OVERLOAD: the "
		       "generator at full speed), %llu frames per run, median of %u reps, %s, %ld "
		       "CPUs online\n",
		       (unsigned long long)o->count, o->reps, o->poll ? "poll" : "adaptive",
		       sysconf(_SC_NPROCESSORS_ONLN));
	for (unsigned int rp = 0; rp < o->reps && !stop; rp++)
		for (unsigned int s = 0; s < o->nb_sizes && !stop; s++)
			for (unsigned int k = 0; k < a->nb_steers && !stop; k++) {
				struct scenario sc = {o->sizes[s], a->steers[k], fwd};
				struct cell *c = &cells[s * NB_STEER + sc.steer];
				struct bench_load l = {
				        .count = o->count, .size = sc.size, .poll = o->poll};
				struct bench_trial *t = &c->run[c->nb];

				fprintf(h->err, "%s[%u/%u] rep %u, %u B, steer %s ...%s",
				        h->tty ? "\r" : "", ++done, total, rp + 1, sc.size,
				        steer_name[sc.steer], h->tty ? "\033[K" : "\n");
				if (bench_trial_run(h, steer_config, &sc, &l, t)) {
					fprintf(h->err, WHO ": run failed; stopping\n");
					stop = true;
					rc = 1;
					break;
				}
				if (h->tty)
					fprintf(h->err, "\r\033[K");
				if (t->r.packets_in < o->count) {
					fprintf(h->err, WHO ": run stopped early; stopping\n");
					stop = true;
					rc = 1;
					break;
				}
				if (!c->nb)
					c->conserved = true;
				if (!t->conserved) {
					fprintf(h->err,
					        "WARNING: %u B steer %s: packets not conserved (in "
					        "%llu, "
					        "delivered %llu, dropped %llu)\n",
					        sc.size, steer_name[sc.steer],
					        (unsigned long long)t->r.packets_in,
					        (unsigned long long)t->r.delivered,
					        (unsigned long long)t->r.dropped);
					c->conserved = false;
					rc = 1;
				}
				c->nb++;
			}

	if (!o->json)
		report_table_header(rep, stdout);
	for (unsigned int s = 0; s < o->nb_sizes; s++)
		for (unsigned int k = 0; k < a->nb_steers; k++) {
			struct scenario sc = {o->sizes[s], a->steers[k], fwd};
			struct cell *c = &cells[s * NB_STEER + sc.steer];
			const struct bench_trial *sorted[MAX_REPS], *m;

			if (!c->nb)
				continue;
			for (unsigned int i = 0; i < c->nb; i++)
				sorted[i] = &c->run[i];
			qsort(sorted, c->nb, sizeof(sorted[0]), cmp_mpps);
			m = sorted[(c->nb - 1) / 2];
			if (report_row(rep)) {
				free(cells);
				return 1;
			}
			set_identity(rep, &sc, o->poll);
			report_set_str(rep, "load", "max-rate (overload)");
			report_set_dbl(rep, "mpps", m->mpps);
			report_set_dbl(rep, "gbps", gbps(m->mpps, sc.size));
			report_set_dbl(rep, "offered_mpps", m->offered_mpps);
			report_set_dbl(rep, "loss_pct", m->loss_pct);
			report_set_dbl(rep, "host_ns_per_pkt", m->host_ns_per_pkt);
			report_set_dbl(rep, "dispatch_ns_per_pkt", m->dispatch_ns_per_pkt);
			report_set_dbl(rep, "nf_ns_per_pkt", m->nf_ns_per_pkt);
			report_set_dbl(rep, "nic_ns_per_pkt", m->nic_ns_per_pkt);
			report_set_dbl(rep, "copies_per_pkt",
			               ingress_copies[sc.steer] + m->copies_per_pkt);
			report_set_dbl(rep, "mpps_min", sorted[0]->mpps);
			report_set_dbl(rep, "mpps_max", sorted[c->nb - 1]->mpps);
			if (m->lat_count) {
				report_set_dbl(rep, "lat_p50_us", m->lat_p50_us);
				report_set_dbl(rep, "lat_p99_us", m->lat_p99_us);
			}
			report_set_dbl(rep, "max_lat_us", m->lat_max_us);
			report_set_uint(rep, "reps", c->nb);
			report_set_bool(rep, "conserved", c->conserved);
			if (!o->json)
				report_table_row(rep, report_rows(rep) - 1, stdout,
				                 c->conserved ? NULL : "NOT CONSERVED");
		}
	if (!o->json && a->nb_steers > 1) {
		printf("\nratios of the medians, overload (paper: Mpps nic >= 0.95 x shared and > "
		       "cpu)\n%5s %16s %12s\n",
		       "size", "Mpps nic/shared", "Mpps nic/cpu");
		for (unsigned int i = 0; i < report_rows(rep); i++) {
			const char *st = report_get_str(rep, i, "steer");
			double size = report_get(rep, i, "size"), n = report_get(rep, i, "mpps");
			double v[NB_STEER] = {NAN, NAN, NAN};

			if (!st || strcmp(st, "nic"))
				continue;
			for (unsigned int j = 0; j < report_rows(rep); j++) {
				const char *sj = report_get_str(rep, j, "steer");

				if (sj && report_get(rep, j, "size") == size)
					v[!strcmp(sj, "cpu")      ? 1
					  : !strcmp(sj, "shared") ? 2
					                          : 0] = report_get(rep, j, "mpps");
			}
			printf("%5.0f %16.3f %12.3f\n", size, n / v[2], n / v[1]);
		}
	}
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

static int run_ndr(struct bench_harness *h, struct bench_opts *o, const struct steer_args *a,
                   const char *fwd, struct report *rep)
{
	unsigned int runs = o->reps_set ? o->reps : 2, nb = runs * o->nb_sizes * a->nb_steers;
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
		printf(WHO ": 2-NF chain alice/fwd -> alice/fwd2, ");
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

			for (unsigned int k = 0; k < a->nb_steers; k++) {
				struct scenario sc = {o->sizes[s], a->steers[k], fwd};
				struct bench_ndr res;
				char label[64];
				int e;

				snprintf(label, sizeof(label), "[%u/%u run %u %u B %s]", ++done, nb,
				         run + 1, sc.size, steer_name[sc.steer]);
				o->nopt.size = sc.size;
				o->nopt.label = label;
				e = bench_ndr_run(h, steer_config, &sc, &o->nopt, &res);
				if (report_row(rep))
					goto fail;
				row_of[(run * o->nb_sizes + s) * NB_STEER + sc.steer] =
				        report_rows(rep) - 1;
				set_identity(rep, &sc, o->poll);
				report_set_str(rep, "scenario", "steer");
				report_set_uint(rep, "run", run + 1);
				snprintf(label, sizeof(label), "%s run %u", steer_name[sc.steer],
				         run + 1);
				report_set_str(rep, "series", label);
				bench_ndr_fill(rep, &res, &o->nopt);
				if (e) {
					rc = 1;
					all = false;
					if (e != -EPROTO)
						goto fail;
					continue;
				}
				report_set_dbl(rep, "gbps", gbps(res.ndr_mpps, sc.size));
				nd[sc.steer] = res.res.ndr.rate;
				if (!res.res.ndr.found)
					all = false;
				else if (!lowest || res.res.ndr.rate < lowest)
					lowest = res.res.ndr.rate;
			}
			/* host CPU per packet at one rate below every mode's NDR */
			rate = floor(lowest * a->fixed_frac);
			for (unsigned int k = 0; k < a->nb_steers && all && rate >= 1; k++) {
				struct scenario sc = {o->sizes[s], a->steers[k], fwd};
				char label[64];

				snprintf(label, sizeof(label), "[run %u %u B %s]", run + 1, sc.size,
				         steer_name[sc.steer]);
				o->nopt.size = sc.size;
				o->nopt.label = label;
				if (bench_fixed_run(h, steer_config, &sc, &o->nopt, rate,
				                    o->nopt.search.final_s, &fixed[sc.steer]))
					goto fail;
				fixed_done[sc.steer] = true;
				if (!fixed[sc.steer].conserved)
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

int bench_steer(int argc, char **argv)
{
	struct steer_args a = {.steers = {STEER_NIC, STEER_CPU, STEER_SHARED},
	                       .nb_steers = NB_STEER,
	                       .fixed_frac = 0.8};
	static struct report_col ndr_cols[64];
	struct bench_harness h;
	struct bench_opts o;
	struct report *rep;
	char fwd[PATH_MAX];
	int rc;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--real"))
			return bench_steer_real(argc, argv);
	bench_opts_default(&o);
	{
		static const unsigned int sizes[] = {64, 128, 256, 512, 1024, 1518};

		memcpy(o.sizes, sizes, sizeof(sizes));
		o.nb_sizes = 6;
		o.reps = 3;
	}
	rc = bench_opts_parse(argc, argv, WHO, steer_options, set_option, &a, usage, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	rc = bench_nf_path("fwd", fwd, sizeof(fwd));
	if (rc) {
		fprintf(stderr, WHO ": no NF at %s: %s (run make first)\n", fwd, strerror(-rc));
		return 1;
	}
	memcpy(ndr_cols, bench_ndr_cols, bench_ndr_nb_cols * sizeof(ndr_cols[0]));
	memcpy(ndr_cols + bench_ndr_nb_cols, ndr_extra_cols, sizeof(ndr_extra_cols));
	rep = o.ndr ? report_create(ndr_cols, bench_ndr_nb_cols + NB_EXTRA_COLS)
	            : report_create(maxrate_cols, NB_MAXRATE_COLS);
	if (!rep || bench_harness_open(&h, WHO)) {
		report_destroy(rep);
		return 1;
	}
	rc = o.ndr ? run_ndr(&h, &o, &a, fwd, rep) : run_maxrate(&h, &o, &a, fwd, rep);
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
		        .name = o.ndr ? "steer-ndr" : "steer-maxrate",
		        .title =
		                o.ndr ? "tenet-bench steer --ndr: 2-NF chain, zero-loss throughput "
		                        "and host CPU at a fixed rate"
		                      : "tenet-bench steer: max-rate run (overload), median",
		        .xkey = "size",
		        .xlabel = "frame size on the wire (B)",
		        .series_key = o.ndr ? "series" : "steer",
		        .ykeys = {o.ndr ? "ndr_mpps" : "mpps",
		                  o.ndr ? "fixed_host_ns_per_pkt" : "host_ns_per_pkt"},
		        .ylabels = {o.ndr ? "NDR Mpps" : "Mpps delivered (overload)",
		                    o.ndr ? "host CPU ns / packet at the fixed rate"
		                          : "host CPU ns / packet"},
		        .xlog = true,
		};

		if (report_plot(rep, &p, h.dir, o.plot, h.err) < 0)
			rc = rc ? rc : 1;
	}
	bench_harness_close(&h);
	report_destroy(rep);
	return rc;
}
