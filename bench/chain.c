/*
 * tenet-bench chain: what a service chain costs, per packet and per hop.
 *
 * For each frame size the benchmark runs a chain of 1..4 forwarding NFs
 * (build/nf/fwd) of one tenant, where every hop passes the buffer without
 * a copy, and a 2-hop chain alice/fwd -> bob/fwd whose second hop crosses
 * tenants, so the manager copies each packet into bob's pool.
 *
 * Every run is a trial of the harness (harness.h): the real manager on a
 * generated config (a gen port, a sink, the tenants, the services and one
 * chain), with every figure from the manager's own accounting.
 *
 * Two ways to load it:
 *
 *   --ndr      the zero-loss throughput: an NDR/PDR search (ndr.h) with
 *              the generator paced at each trial's rate, then latency at
 *              50 % and 90 % of the NDR. Adaptive mode unless --mode.
 *   (default)  the max-rate run, an overload: the generator sends N frames
 *              as fast as it can and what the chain cannot take is dropped
 *              and counted, so the delivered rate is the chain's capacity
 *              under overload, which depends on how the scheduler shares
 *              the cores. In adaptive and in polling mode. With --reps N
 *              each scenario runs N times and the median run (by
 *              delivered Mpps) is reported. ../shared/peer-onvm reads this
 *              one's JSON (size, hops, tenants, mpps, offered_mpps,
 *              loss_pct, host_ns_per_pkt, nic_ns_per_pkt, conserved).
 *
 * Every run must conserve packets (in == delivered + dropped); a run that
 * does not is reported and makes the exit status 1.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/harness.h"
#include "bench/opts.h"
#include "bench/report.h"
#include "bench/util.h"

#define WHO      "tenet-bench chain"
#define MAX_LIST 8
#define MAX_HOPS 4

struct scenario {
	unsigned int size;
	unsigned int hops;
	unsigned int tenants; /* 1: all hops in alice; 2: alice/fwd -> bob/fwd */
	bool poll;
	const char *fwd; /* the NF binary */
};

struct chain_args {
	unsigned int hops[MAX_LIST], nb_hops;
	bool modes[2]; /* [0] adaptive, [1] poll */
	bool mode_set;
};

enum { OPT_HOPS = BENCH_OPT_SCENARIO, OPT_MODE };

static const struct option chain_options[] = {
        {"hops", required_argument, NULL, OPT_HOPS},
        {"mode", required_argument, NULL, OPT_MODE},
        {NULL, 0, NULL, 0},
};

/* The max-rate run's columns; peer-onvm reads several of them. */
static const struct report_col maxrate_cols[] = {
        {"bench", NULL, REP_STR, 0, 0},
        {"load", NULL, REP_STR, 0, 0},
        {"series", NULL, REP_STR, 0, 0},
        {"steer", NULL, REP_STR, 0, 0},
        {"size", "size", REP_UINT, 5, 0},
        {"hops", "hops", REP_UINT, 4, 0},
        {"tenants", "tenants", REP_UINT, 7, 0},
        {"mode", "mode", REP_STR, 8, 0},
        {"mpps", "Mpps", REP_DBL, 7, 3},
        {"offered_mpps", "offered", REP_DBL, 8, 3},
        {"loss_pct", "loss%", REP_DBL, 6, 1},
        {"host_ns_per_pkt", "host ns/pkt", REP_DBL, 11, 0},
        {"host_ns_per_hop", "ns/hop", REP_DBL, 8, 0},
        {"nic_ns_per_pkt", "nic ns/pkt", REP_DBL, 10, 0},
        {"dispatch_work_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"nic_work_ns_per_pkt", NULL, REP_DBL, 0, 0},
        {"copies_per_pkt", "copies/pkt", REP_DBL, 10, 2},
        {"huge_pages", NULL, REP_BOOL, 0, 0},
        {"lat_p50_us", NULL, REP_DBL, 0, 1},
        {"lat_p99_us", NULL, REP_DBL, 0, 1},
        {"max_lat_ms", "max lat ms", REP_DBL, 10, 1},
        {"ndr_mpps", NULL, REP_DBL, 0, 4},
        {"pdr_mpps", NULL, REP_DBL, 0, 4},
        {"reps", NULL, REP_UINT, 0, 0},
        {"conserved", NULL, REP_BOOL, 0, 0},
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench chain [--ndr] [--sizes LIST] [--hops LIST]\n"
	        "                         [--mode adaptive|poll] [--count N] [--reps N]\n"
	        "                         [--json] [--csv FILE] [--plot DIR] [search options]\n"
	        "\n"
	        "Service chain cost: chains of 1..4 fwd NFs in one tenant (zero-copy hops)\n"
	        "and a 2-hop chain alice/fwd -> bob/fwd (one cross-tenant copy), at each\n"
	        "frame size. Each trial starts the manager in-process on a generated config.\n"
	        "\n"
	        "  --ndr          zero-loss throughput (NDR, PDR) per chain, host CPU per\n"
	        "                 packet at NDR by component, latency at 50 %% and 90 %% of NDR\n"
	        "  (default)      max-rate run (OVERLOAD): N frames as fast as the generator\n"
	        "                 goes; what the chain cannot take is dropped and counted\n"
	        "  --sizes LIST   frame sizes in bytes, 64..1518 (default 64,1518)\n"
	        "  --hops LIST    same-tenant chain lengths, 1..%d (default 1,2,3,4);\n"
	        "                 the 2-tenant chain runs when 2 is in the list\n"
	        "  --mode M       only adaptive or only poll (default: both; --ndr: adaptive)\n"
	        "  --count N      frames per max-rate run (default 2000000)\n"
	        "  --reps N       max-rate: run each N times (1..15), report the median run\n"
	        "                 by delivered Mpps (default 1)\n"
	        "\n",
	        MAX_HOPS);
	bench_opts_help(f);
	fprintf(f, "\n"
	           "Max-rate columns: Mpps delivered (delivered/elapsed), offered Mpps (packets\n"
	           "in/elapsed), loss %%, host CPU ns per delivered packet (dispatcher + NFs)\n"
	           "and per hop, NIC-stage CPU ns per packet in, copies per delivered packet,\n"
	           "largest generator-to-sink latency in ms. NDR columns: docs/benchmarks.md.\n");
}

static int set_option(void *ctx, int val, const char *arg)
{
	struct chain_args *a = ctx;

	switch (val) {
	case OPT_HOPS:
		a->nb_hops = bench_parse_list(arg, a->hops, MAX_LIST, 1, MAX_HOPS);
		if (!a->nb_hops) {
			fprintf(stderr, WHO ": --hops wants 1..%d, comma-separated\n", MAX_HOPS);
			return -1;
		}
		return 0;
	case OPT_MODE:
		a->mode_set = true;
		a->modes[0] = !strcmp(arg, "adaptive");
		a->modes[1] = !strcmp(arg, "poll");
		if (!a->modes[0] && !a->modes[1]) {
			fprintf(stderr, WHO ": --mode wants adaptive or poll\n");
			return -1;
		}
		return 0;
	}
	return -1;
}

static bool in_list(const unsigned int *v, unsigned int n, unsigned int x)
{
	for (unsigned int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int chain_config(FILE *f, const struct bench_load *l, void *arg)
{
	const struct scenario *sc = arg;

	fprintf(f, "ports:\n");
	bench_gen_port(f, l, "nic", "");
	fprintf(f, "  - {name: sink, driver: sink}\n");
	fprintf(f, "tenants:\n");
	bench_tenant(f, "alice");
	if (sc->tenants == 2)
		bench_tenant(f, "bob");
	fprintf(f, "services:\n");
	for (unsigned int h = 0; h < sc->hops; h++) {
		if (sc->tenants == 2)
			fprintf(f, "  - {name: fwd, tenant: %s, command: [", h ? "bob" : "alice");
		else
			fprintf(f, "  - {name: fwd%u, tenant: alice, command: [", h + 1);
		bench_yaml_quoted(f, sc->fwd);
		fprintf(f, "]}\n");
	}
	fprintf(f, "chains:\n  - name: bench\n    hops: [");
	for (unsigned int h = 0; h < sc->hops; h++) {
		if (sc->tenants == 2)
			fprintf(f, "%s%s/fwd", h ? ", " : "", h ? "bob" : "alice");
		else
			fprintf(f, "%salice/fwd%u", h ? ", " : "", h + 1);
	}
	fprintf(f, "]\n    output: sink\n");
	return ferror(f) ? -EIO : 0;
}

static const char *mode_name(bool poll)
{
	return poll ? "poll" : "adaptive";
}

static void set_identity(struct report *r, const struct scenario *sc)
{
	char series[64];

	snprintf(series, sizeof(series), "%u B %s%s", sc->size, mode_name(sc->poll),
	         sc->tenants > 1 ? " 2 tenants" : "");
	report_set_str(r, "bench", "chain");
	report_set_str(r, "series", series);
	report_set_str(r, "steer", "nic");
	report_set_uint(r, "size", sc->size);
	report_set_uint(r, "hops", sc->hops);
	report_set_uint(r, "tenants", sc->tenants);
	report_set_str(r, "mode", mode_name(sc->poll));
}

/* Max-rate: reps runs of one scenario, the median by delivered Mpps into a row. 0, 1, or -1 (stop).
 */
static int run_maxrate(struct bench_harness *h, struct scenario *sc, uint64_t count,
                       unsigned int reps, unsigned int idx, unsigned int nb, struct report *rep)
{
	struct bench_trial *runs = calloc(reps, sizeof(*runs));
	struct bench_load l = {.count = count, .size = sc->size, .poll = sc->poll};
	unsigned int nb_runs = 0, order[15];
	bool conserved = true;
	const struct bench_trial *m;
	int rc = 0;

	if (!runs)
		return -1;
	for (unsigned int k = 0; k < reps; k++) {
		struct bench_trial *t = &runs[nb_runs];
		int e;

		fprintf(h->err, "%s[%u/%u] %u B, %u hop%s, %u tenant%s, %s, run %u/%u ...%s",
		        h->tty ? "\r" : "", idx + 1, nb, sc->size, sc->hops,
		        sc->hops > 1 ? "s" : "", sc->tenants, sc->tenants > 1 ? "s" : "",
		        mode_name(sc->poll), k + 1, reps, h->tty ? "\033[K" : "\n");
		e = bench_trial_run(h, chain_config, sc, &l, t);
		if (h->tty)
			fprintf(h->err, "\r\033[K");
		if (e) {
			fprintf(h->err, WHO ": run failed (exit %d); stopping\n", e);
			rc = -1;
			break;
		}
		nb_runs++;
		if (!t->conserved) {
			fprintf(h->err,
			        "warning: %u B, %u hops, %u tenants, %s: packets not conserved "
			        "(in %llu, delivered %llu, dropped %llu)\n",
			        sc->size, sc->hops, sc->tenants, mode_name(sc->poll),
			        (unsigned long long)t->r.packets_in,
			        (unsigned long long)t->r.delivered,
			        (unsigned long long)t->r.dropped);
			conserved = false;
		}
		if (t->r.packets_in < count) {
			/* a signal stopped the run before the generator finished */
			fprintf(h->err,
			        WHO ": run stopped early (%llu of %llu frames sent); stopping\n",
			        (unsigned long long)t->r.packets_in, (unsigned long long)count);
			rc = -1;
			break;
		}
	}
	if (!nb_runs) {
		free(runs);
		return -1;
	}
	/* the median run by delivered rate (the lower middle one for even N) */
	for (unsigned int k = 0; k < nb_runs; k++)
		order[k] = k;
	for (unsigned int k = 1; k < nb_runs; k++)
		for (unsigned int j = k; j > 0 && runs[order[j]].mpps < runs[order[j - 1]].mpps;
		     j--) {
			unsigned int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	m = &runs[order[(nb_runs - 1) / 2]];
	if (report_row(rep)) {
		free(runs);
		return -1;
	}
	set_identity(rep, sc);
	report_set_str(rep, "load", "max-rate (overload)");
	report_set_dbl(rep, "mpps", m->mpps);
	report_set_dbl(rep, "offered_mpps", m->offered_mpps);
	report_set_dbl(rep, "loss_pct", m->loss_pct);
	report_set_dbl(rep, "host_ns_per_pkt", m->host_ns_per_pkt);
	report_set_dbl(rep, "host_ns_per_hop", m->host_ns_per_pkt / sc->hops);
	report_set_dbl(rep, "nic_ns_per_pkt", m->nic_ns_per_pkt);
	report_set_dbl(rep, "dispatch_work_ns_per_pkt", m->dispatch_work_ns_per_pkt);
	report_set_dbl(rep, "nic_work_ns_per_pkt", m->nic_work_ns_per_pkt);
	report_set_dbl(rep, "copies_per_pkt", m->copies_per_pkt);
	report_set_bool(rep, "huge_pages", m->huge_pages);
	if (m->lat_count) {
		report_set_dbl(rep, "lat_p50_us", m->lat_p50_us);
		report_set_dbl(rep, "lat_p99_us", m->lat_p99_us);
	}
	report_set_dbl(rep, "max_lat_ms", m->lat_max_us / 1e3);
	report_set_uint(rep, "reps", nb_runs);
	report_set_bool(rep, "conserved", conserved);
	free(runs);
	if (!conserved)
		rc = rc ? rc : 1;
	return rc;
}

int bench_chain(int argc, char **argv)
{
	struct chain_args a = {.hops = {1, 2, 3, 4}, .nb_hops = 4, .modes = {true, true}};
	struct scenario sc[MAX_LIST * (MAX_LIST + 1) * 2];
	struct bench_harness h;
	struct bench_opts o;
	struct report *rep;
	unsigned int nb_sc = 0;
	char fwd[PATH_MAX];
	int rc;

	bench_opts_default(&o);
	o.sizes[0] = 64;
	o.sizes[1] = 1518;
	o.nb_sizes = 2;
	rc = bench_opts_parse(argc, argv, WHO, chain_options, set_option, &a, usage, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (o.ndr && !a.mode_set)
		a.modes[1] = false; /* the search is long: adaptive only unless asked */
	if (o.poll && !a.mode_set) {
		a.modes[0] = false;
		a.modes[1] = true;
	}

	for (unsigned int s = 0; s < o.nb_sizes; s++)
		for (unsigned int i = 0; i <= a.nb_hops; i++) {
			unsigned int nh = i < a.nb_hops ? a.hops[i] : 2, nt = i < a.nb_hops ? 1 : 2;

			if (nt == 2 && !in_list(a.hops, a.nb_hops, 2))
				continue;
			for (int k = 0; k < 2; k++)
				if (a.modes[k])
					sc[nb_sc++] =
					        (struct scenario){o.sizes[s], nh, nt, k == 1, fwd};
		}

	rc = bench_nf_path("fwd", fwd, sizeof(fwd));
	if (rc) {
		fprintf(stderr, WHO ": no NF at %s: %s (run make first)\n", fwd, strerror(-rc));
		return 1;
	}
	rep = o.ndr ? report_create(bench_ndr_cols, bench_ndr_nb_cols)
	            : report_create(maxrate_cols, sizeof(maxrate_cols) / sizeof(maxrate_cols[0]));
	if (!rep || bench_harness_open(&h, WHO)) {
		report_destroy(rep);
		return 1;
	}
	h.nic_stage = o.nic_stage;
	if (!o.json) {
		if (o.ndr) {
			printf(WHO ": ");
			bench_ndr_describe(stdout, &o.nopt);
			printf(", fwd NFs, %ld CPUs online\n", sysconf(_SC_NPROCESSORS_ONLN));
		} else
			printf(WHO ": max-rate runs (OVERLOAD: the generator at full speed), %llu "
			           "frames per run, fwd NFs, %ld CPUs online\n",
			       (unsigned long long)o.count, sysconf(_SC_NPROCESSORS_ONLN));
		report_table_header(rep, stdout);
	}
	rc = 0;
	for (unsigned int i = 0; i < nb_sc; i++) {
		unsigned int runs = o.ndr ? o.reps : 1;

		for (unsigned int run = 0; run < runs; run++) {
			unsigned int rows = report_rows(rep);
			int e;

			if (o.ndr) {
				struct bench_ndr res;
				char label[64];

				snprintf(label, sizeof(label), "[%u/%u %u B %u hop %u ten %s]",
				         i + 1, nb_sc, sc[i].size, sc[i].hops, sc[i].tenants,
				         mode_name(sc[i].poll));
				o.nopt.size = sc[i].size;
				o.nopt.poll = sc[i].poll;
				o.nopt.label = label;
				e = bench_ndr_run(&h, chain_config, &sc[i], &o.nopt, &res);
				if (report_row(rep)) {
					rc = 1;
					goto out;
				}
				set_identity(rep, &sc[i]);
				report_set_uint(rep, "run", run + 1);
				report_set_str(rep, "scenario", "chain");
				bench_ndr_fill(rep, &res, &o.nopt);
				/* a packet passes the dispatcher hops + 1 times */
				if (!e && res.res.ndr.found)
					report_set_dbl(rep, "work_ns_per_pass",
					               res.at_ndr.dispatch_work_ns_per_pkt /
					                       (sc[i].hops + 1));
				e = e == -EPROTO ? 1 : e ? -1 : 0;
			} else {
				e = run_maxrate(&h, &sc[i], o.count, o.reps, i, nb_sc, rep);
			}
			if (e > 0)
				rc = 1;
			if (!o.json && report_rows(rep) > rows)
				report_table_row(rep, rows, stdout, NULL);
			if (e < 0) {
				rc = 1;
				goto out;
			}
		}
	}
out:
	if (o.json)
		report_json(rep, stdout);
	if (o.csv) {
		int e = report_csv(rep, o.csv);

		if (e) {
			fprintf(h.err, WHO ": cannot write %s: %s\n", o.csv, strerror(-e));
			rc = 1;
		}
	}
	if (o.plot) {
		struct report_plot p = {
		        .name = o.ndr ? "chain-ndr" : "chain-maxrate",
		        .title = o.ndr ? "tenet-bench chain --ndr: zero-loss throughput by chain "
		                         "length"
		                       : "tenet-bench chain: max-rate run (overload)",
		        .xkey = "hops",
		        .xlabel = "NFs in the chain",
		        .series_key = "series",
		        .ykeys = {o.ndr ? "ndr_mpps" : "mpps", "host_ns_per_pkt"},
		        .ylabels = {o.ndr ? "NDR Mpps" : "Mpps delivered (overload)",
		                    o.ndr ? "host CPU ns / packet at NDR" : "host CPU ns / packet"},
		};

		if (report_plot(rep, &p, h.dir, o.plot, h.err) < 0)
			rc = 1;
	}
	bench_harness_close(&h);
	report_destroy(rep);
	return rc;
}
