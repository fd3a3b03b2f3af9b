/*
 * tenet-bench steer --real, tenet-bench scan --real: the paper's Fig. 5 and
 * Fig. 6 on real interfaces, with the real afxdp port and XDP programs
 * instead of the software NIC model.
 *
 * Topology (root; names carry this process's pid, all removed on every
 * exit path, and traffic never leaves the two namespaces):
 *
 *   netns tnbPIDs (sender)            netns tnbPIDd (DUT: tenet run)
 *   tenet gen  --> tnbPIDg ====veth==== tnbPIDi  afxdp port nic0: XDP classifier
 *   tenet sink <--                               (steer nic: DEVMAP redirect ->)
 *                                      tnbPIDa ==veth== tnbPIDb  alice's AF_XDP
 *                                                       socket, UMEM = alice's pool
 *
 * Every process runs as a child: the manager as 'ip netns exec DUT tenet
 * run CONFIG --summary FILE --quiet --duration S' (stopped with SIGTERM
 * once the sender is done and the path has drained), tenet gen and tenet
 * sink under 'ip netns exec SENDER'. Figures come from their JSON output:
 * the manager's summary (packets in, delivered, drops by reason, host CPU
 * of the dispatcher, router and NF processes, the port thread's CPU, the
 * latency at its sink port) and gen's and sink's reports. Host-wide
 * softirq time (/proc/stat) is sampled around the sender's run because on
 * veth the XDP programs, the redirects and the copy into the AF_XDP UMEM
 * run in the kernel's softirq on the same two or so host CPUs.
 *
 * The NF binaries are copied into the run's temporary directory first and
 * started from there, so that a 'pkill -f build/nf/fwd' of a concurrently
 * running test cannot kill them in the middle of a measurement.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/ndr.h"
#include "bench/opts.h"
#include "bench/real.h"
#include "bench/report.h"
#include "bench/real_topo.h"
#include "bench/util.h"

/* ---- processes ------------------------------------------------------------------------------ */

/* getopt_long values of the --real options (steer and scan share the common ones) */
enum {
	OPT_REAL = 0x100,
	OPT_HELP,
	OPT_JSON,
	OPT_CSV,
	OPT_PLOT,
	OPT_REPS,
	OPT_DURATION,
	OPT_RATE,
	OPT_SIZES,
	OPT_STEER,
	OPT_FRACTION,
	OPT_COUNT,
	OPT_SCENARIOS,
	OPT_NDR,
	OPT_FINAL,
	OPT_INITIAL,
	OPT_PHASES,
	OPT_WIDTH,
	OPT_PDR_LOSS,
	OPT_MIN_RATE,
	OPT_MAX_RATE,
	OPT_RATE_TOL,
};

static const struct option st_options[] = {
        {"real", no_argument, NULL, OPT_REAL},
        {"help", no_argument, NULL, OPT_HELP},
        {"json", no_argument, NULL, OPT_JSON},
        {"csv", required_argument, NULL, OPT_CSV},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"reps", required_argument, NULL, OPT_REPS},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"rate", required_argument, NULL, OPT_RATE},
        {"sizes", required_argument, NULL, OPT_SIZES},
        {"steer", required_argument, NULL, OPT_STEER},
        {"ndr", no_argument, NULL, OPT_NDR},
        {"final", required_argument, NULL, OPT_FINAL},
        {"initial", required_argument, NULL, OPT_INITIAL},
        {"phases", required_argument, NULL, OPT_PHASES},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"pdr-loss", required_argument, NULL, OPT_PDR_LOSS},
        {"min-rate", required_argument, NULL, OPT_MIN_RATE},
        {"max-rate", required_argument, NULL, OPT_MAX_RATE},
        {"rate-tol", required_argument, NULL, OPT_RATE_TOL},
        {NULL, 0, NULL, 0},
};

static const struct option sc_options[] = {
        {"real", no_argument, NULL, OPT_REAL},
        {"help", no_argument, NULL, OPT_HELP},
        {"json", no_argument, NULL, OPT_JSON},
        {"csv", required_argument, NULL, OPT_CSV},
        {"plot", required_argument, NULL, OPT_PLOT},
        {"reps", required_argument, NULL, OPT_REPS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"fraction", required_argument, NULL, OPT_FRACTION},
        {"count", required_argument, NULL, OPT_COUNT},
        {"sizes", required_argument, NULL, OPT_SIZES},
        {"scenarios", required_argument, NULL, OPT_SCENARIOS},
        {NULL, 0, NULL, 0},
};

static int parse_rate_list(const char *s, double *v, unsigned int max)
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
	return (int)n;
}

static int run_plot(const char *who, const char *gp)
{
	struct real_cmd k = {.n = 0};
	pid_t pid;
	int rc;

	real_cmd_add(&k, "gnuplot");
	real_cmd_add(&k, "%s", gp);
	pid = real_cmd_spawn(&k, NULL, NULL);
	rc = pid < 0 ? -1 : real_wait_pid(pid, 60);
	if (rc == 127) {
		fprintf(stderr,
		        "tenet-bench %s: gnuplot not found (apt-get install gnuplot-nox); "
		        "no plots written\n",
		        who);
		return 1;
	}
	if (rc) {
		fprintf(stderr, "tenet-bench %s: gnuplot failed; no plots written\n", who);
		return -1;
	}
	return 0;
}

static const char *rate_label(double rate, char *buf, size_t len)
{
	if (rate <= 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%.0fk", rate / 1e3);
	return buf;
}

/* ---- steer --real -----------------------------------------------------------------------------
 */

#define ST_MAX_SIZES 16
#define ST_MAX_RATES 4
#define ST_MAX_REPS  15
#define NB_STEER     3

static const char *const steer_name[NB_STEER] = {"nic", "cpu", "shared"};
static const unsigned int ingress_copies[NB_STEER] = {1, 2, 1};

struct st_out {
	unsigned int size, steer;
	double rate; /* offered: 0 = the sender's maximum */
	bool conserved;
	double sent, gen_s, in, delivered, dropped, copies, no_buffer, nf_full, disp_ns, router_ns,
	        nf_ns, port_ns, sirq_ns, restarts, lat_p50, lat_p99;
	/* derived */
	double offered_mpps, mpps, gbps, loss_pct, unseen_pct, host_ns_pkt, port_ns_pkt,
	        sirq_ns_pkt, copies_pkt;
};

struct st_cell {
	unsigned int nb;
	struct st_out run[ST_MAX_REPS];
	const struct st_out *median;
	double mpps_min, mpps_max;
	bool conserved;
};

static void st_usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench steer --real [--sizes LIST] [--steer LIST] [--rate LIST]\n"
	        "                         [--duration S] [--reps N] [--json] [--csv FILE]\n"
	        "                         [--plot DIR]\n"
	        "\n"
	        "Ingress steering on real interfaces (root): tenet gen in a sender network\n"
	        "namespace sends over a veth pair into the DUT namespace, where tenet run has\n"
	        "an afxdp port on the veth and a 2-NF chain alice/fwd -> alice/fwd2 into a sink\n"
	        "port. steer nic: the XDP classifier redirects each frame to alice's own veth\n"
	        "pair, whose AF_XDP socket's UMEM is alice's pool; cpu: one AF_XDP socket into\n"
	        "the ingress pool, then the router thread classifies and copies; shared: one\n"
	        "socket into the shared pool (no isolation). AF_XDP runs in copy mode on veth.\n"
	        "\n"
	        "  --sizes LIST    frame sizes on the wire incl. FCS, 64..1518\n"
	        "                  (default 64,128,256,512,1024,1518)\n"
	        "  --steer LIST    among nic,cpu,shared (default all three)\n"
	        "  --rate LIST     offered rates in packets/s, 0 = as fast as the sender can\n"
	        "                  (default 0); up to %d, each a separate set of runs\n"
	        "  --duration S    seconds the sender sends per run (default 3)\n"
	        "  --reps N        repetitions 1..%d (default 3), modes interleaved; the table\n"
	        "                  shows the run with the median delivered Mpps\n"
	        "  --json          print a JSON array instead of the table\n"
	        "  --csv FILE      also write CSV\n"
	        "  --plot DIR      also write DIR/steer-real-throughput.png and\n"
	        "                  DIR/steer-real-hostns.png (gnuplot)\n"
	        "  --ndr           per size and mode: NDR and PDR by the search of\n"
	        "                  docs/benchmarks.md over trials of this path (loss = sent -\n"
	        "                  delivered, no warm-up excluded), latency at 50 %% and 90 %%\n"
	        "                  of NDR; --final, --initial, --phases, --width, --pdr-loss,\n"
	        "                  --min-rate, --max-rate, --rate-tol as without --real\n"
	        "\n"
	        "Columns: offered = the sender's measured rate (sent / its send time); Mpps =\n"
	        "delivered to the sink port / the sender's send time; loss%% = (sent -\n"
	        "delivered) / sent; unseen%% = sent but never counted by the manager (dropped\n"
	        "by veth before XDP); host ns/pkt = (dispatcher + router + NF processes' CPU)\n"
	        "/ delivered; port ns/pkt = the afxdp port's receive thread (AF_XDP rx, fill\n"
	        "ring) / frame in; softirq ns/pkt = host-wide softirq time during the send /\n"
	        "frame sent: on veth the XDP programs, redirects and the copy into the UMEM run\n"
	        "there, on the same host CPUs (tick-sampled, includes the sender's side);\n"
	        "copies = the ingress copies into host packet memory the mode implies (nic 1,\n"
	        "cpu 2, shared 1) + cross-tenant copies counted; p50/p99 = latency gen ->\n"
	        "the manager's sink port, us (queueing at the maximum rate).\n",
	        ST_MAX_RATES, ST_MAX_REPS);
}

static int st_config(struct real_topo *c, unsigned int steer)
{
	char path[PATH_MAX];
	FILE *f;

	real_path(c, "mgr.yaml", path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "manager: {socket_dir: '%s/sock', stats_interval: 0}\n", c->dir);
	fprintf(f,
	        "ports:\n  - {name: nic0, driver: afxdp, ifname: %s, steer: %s, xdp_mode: native",
	        c->iif, steer_name[steer]);
	if (steer == 0)
		fprintf(f, ", tenant_ifs: {alice: %s}", c->tb);
	fprintf(f, "}\n  - {name: sink0, driver: sink}\n");
	fprintf(f, "tenants: [{name: alice}]\nservices:\n");
	fprintf(f, "  - {name: fwd, tenant: alice, command: ['%s']}\n", c->fwd);
	fprintf(f, "  - {name: fwd2, tenant: alice, command: ['%s']}\n", c->fwd);
	fprintf(f, "chains:\n  - {name: bench, hops: [alice/fwd, alice/fwd2], output: sink0}\n");
	return fclose(f) ? -errno : 0;
}

/* One run; 0 with *o filled, or -1 (said why). */
static int st_once(struct real_topo *c, struct st_out *o, double duration)
{
	static const char *const want[] = {"alice/fwd#0", "alice/fwd2#0", NULL};
	char path[PATH_MAX];
	struct real_cmd g = {.n = 0};
	char *gj, *sj;
	double s0, s1;
	int rc;

	if (st_config(c, o->steer)) {
		fprintf(stderr, "tenet-bench steer: cannot write the config in %s\n", c->dir);
		return -1;
	}
	if (real_mgr_start(c, duration + 60, want))
		return -1;
	real_cmd_add(&g, "ip");
	real_cmd_add(&g, "netns");
	real_cmd_add(&g, "exec");
	real_cmd_add(&g, "%s", c->sns);
	real_cmd_add(&g, "%s", c->tenet);
	real_cmd_add(&g, "gen");
	real_cmd_add(&g, "--ifname");
	real_cmd_add(&g, "%s", c->gif);
	real_cmd_add(&g, "--rate");
	real_cmd_add(&g, "%.0f", o->rate);
	real_cmd_add(&g, "--duration");
	real_cmd_add(&g, "%g", duration);
	real_cmd_add(&g, "--size");
	real_cmd_add(&g, "%u", o->size);
	real_cmd_add(&g, "--flows");
	real_cmd_add(&g, "64");
	real_cmd_add(&g, "--src");
	real_cmd_add(&g, "10.1.0.0/16");
	real_cmd_add(&g, "--dst");
	real_cmd_add(&g, "10.2.0.0/16");
	real_cmd_add(&g, "--json");
	s0 = real_softirq_ns();
	rc = real_run_gen(c, &g, duration + 30);
	s1 = real_softirq_ns();
	if (rc) {
		real_mgr_stop(c);
		return -1;
	}
	real_sleep(0.5); /* let the path drain */
	if (real_mgr_stop(c))
		return -1;
	real_path(c, "gen.json", path, sizeof(path));
	gj = real_slurp(path);
	real_path(c, "summary.json", path, sizeof(path));
	sj = real_slurp(path);
	if (!gj || !sj || !real_jget(sj, "packets_in", &o->in)) {
		fprintf(stderr, "tenet-bench steer: no gen report or manager summary in %s\n",
		        c->dir);
		free(gj);
		free(sj);
		return -1;
	}
	o->sent = real_jnum(gj, "sent");
	o->gen_s = real_jnum(gj, "elapsed_s");
	o->delivered = real_jnum(sj, "delivered");
	o->dropped = real_jnum(sj, "dropped_total");
	o->conserved = real_jnum(sj, "conserved") != 0;
	o->copies = real_jnum(sj, "copies");
	o->no_buffer = real_jnum(sj, "dropped.no_buffer");
	o->nf_full = real_jnum(sj, "dropped.nf_rx_full");
	o->disp_ns = real_jnum(sj, "host_ns.dispatcher");
	o->router_ns = real_jnum(sj, "host_ns.router");
	o->nf_ns = real_services_cpu_ns(sj, &o->restarts);
	o->port_ns = real_jnum(sj, "ports.nic0.nic_ns");
	o->lat_p50 = real_jnum(sj, "ports.sink0.driver_stats.latency_ns.p50") / 1e3;
	o->lat_p99 = real_jnum(sj, "ports.sink0.driver_stats.latency_ns.p99") / 1e3;
	o->sirq_ns = s1 - s0;
	free(gj);
	free(sj);
	{
		double el = o->gen_s > 0 ? o->gen_s : 1e-9;
		double del = o->delivered > 0 ? o->delivered : 1;

		o->offered_mpps = o->sent / el / 1e6;
		o->mpps = o->delivered / el / 1e6;
		o->gbps = o->mpps * (o->size + 20) * 8 / 1000;
		o->loss_pct = o->sent > 0 ? 100 * (o->sent - o->delivered) / o->sent : 0;
		o->unseen_pct = o->sent > 0 ? 100 * (o->sent - o->in) / o->sent : 0;
		o->host_ns_pkt = (o->disp_ns + o->router_ns + o->nf_ns) / del;
		o->port_ns_pkt = o->in > 0 ? o->port_ns / o->in : 0;
		o->sirq_ns_pkt = o->sent > 0 ? o->sirq_ns / o->sent : 0;
		o->copies_pkt = ingress_copies[o->steer] + o->copies / del;
	}
	if (o->restarts > 0) {
		char label[64];

		snprintf(label, sizeof(label), "%u B %s", o->size, steer_name[o->steer]);
		fprintf(stderr, "tenet-bench steer: %s: an NF restarted during the run:\n", label);
		real_mgr_warnings(c, label);
	}
	return 0;
}

static int st_cmp(const void *a, const void *b)
{
	const struct st_out *x = *(const struct st_out *const *)a;
	const struct st_out *y = *(const struct st_out *const *)b;

	return (x->mpps > y->mpps) - (x->mpps < y->mpps);
}

static void st_cell_update(struct st_cell *cl)
{
	const struct st_out *v[ST_MAX_REPS];

	cl->conserved = true;
	for (unsigned int i = 0; i < cl->nb; i++) {
		v[i] = &cl->run[i];
		cl->conserved &= cl->run[i].conserved;
	}
	qsort(v, cl->nb, sizeof(v[0]), st_cmp);
	cl->median = v[(cl->nb - 1) / 2];
	cl->mpps_min = v[0]->mpps;
	cl->mpps_max = v[cl->nb - 1]->mpps;
}

struct st_grid {
	unsigned int sizes[ST_MAX_SIZES], nb_sizes;
	unsigned int steers[NB_STEER], nb_steers;
	double rates[ST_MAX_RATES];
	unsigned int nb_rates;
	struct st_cell *cells; /* [rate][size][steer] */
};

static struct st_cell *st_at(const struct st_grid *g, unsigned int r, unsigned int s,
                             unsigned int k)
{
	return &g->cells[(r * g->nb_sizes + s) * NB_STEER + k];
}

static void st_table(const struct st_grid *g)
{
	char rl[16];

	printf("%5s %-6s %5s %8s %7s %7s %6s %7s %11s %11s %14s %6s %8s %8s %4s  %s\n", "size",
	       "steer", "rate", "offered", "Mpps", "Gbps", "loss%", "unseen%", "host ns/pkt",
	       "port ns/pkt", "softirq ns/pkt", "copies", "p50 us", "p99 us", "cons",
	       "Mpps min..max");
	for (unsigned int r = 0; r < g->nb_rates; r++)
		for (unsigned int s = 0; s < g->nb_sizes; s++)
			for (unsigned int k = 0; k < g->nb_steers; k++) {
				const struct st_cell *cl = st_at(g, r, s, g->steers[k]);
				const struct st_out *o = cl->median;

				if (!o)
					continue;
				printf("%5u %-6s %5s %8.3f %7.3f %7.3f %6.2f %7.2f %11.0f %11.0f "
				       "%14.0f %6.2f %8.0f %8.0f %4s  %.3f..%.3f\n",
				       o->size, steer_name[o->steer],
				       rate_label(o->rate, rl, sizeof(rl)), o->offered_mpps,
				       o->mpps, o->gbps, o->loss_pct, o->unseen_pct, o->host_ns_pkt,
				       o->port_ns_pkt, o->sirq_ns_pkt, o->copies_pkt, o->lat_p50,
				       o->lat_p99, cl->conserved ? "yes" : "NO!", cl->mpps_min,
				       cl->mpps_max);
			}
}

static void st_ratios(const struct st_grid *g)
{
	char rl[16];

	printf("\nratios of the medians (paper: Mpps nic >= 0.95 x shared and > cpu; host ns nic "
	       "< cpu)\n");
	printf("%5s %5s %16s %12s %18s %14s\n", "size", "rate", "Mpps nic/shared", "Mpps nic/cpu",
	       "host ns nic/shared", "host ns nic/cpu");
	for (unsigned int r = 0; r < g->nb_rates; r++)
		for (unsigned int s = 0; s < g->nb_sizes; s++) {
			const struct st_out *n = st_at(g, r, s, 0)->median;
			const struct st_out *cp = st_at(g, r, s, 1)->median;
			const struct st_out *h = st_at(g, r, s, 2)->median;
			char b[4][16];

			if (!n)
				continue;
			snprintf(b[0], sizeof(b[0]), h ? "%.3f" : "-",
			         h && h->mpps > 0 ? n->mpps / h->mpps : 0);
			snprintf(b[1], sizeof(b[1]), cp ? "%.3f" : "-",
			         cp && cp->mpps > 0 ? n->mpps / cp->mpps : 0);
			snprintf(b[2], sizeof(b[2]), h ? "%.3f" : "-",
			         h && h->host_ns_pkt > 0 ? n->host_ns_pkt / h->host_ns_pkt : 0);
			snprintf(b[3], sizeof(b[3]), cp ? "%.3f" : "-",
			         cp && cp->host_ns_pkt > 0 ? n->host_ns_pkt / cp->host_ns_pkt : 0);
			printf("%5u %5s %16s %12s %18s %14s\n", g->sizes[s],
			       rate_label(g->rates[r], rl, sizeof(rl)), b[0], b[1], b[2], b[3]);
		}
}

static void st_json(FILE *f, const struct st_grid *g)
{
	bool first = true;

	fprintf(f, "[");
	for (unsigned int r = 0; r < g->nb_rates; r++)
		for (unsigned int s = 0; s < g->nb_sizes; s++)
			for (unsigned int k = 0; k < g->nb_steers; k++) {
				const struct st_cell *cl = st_at(g, r, s, g->steers[k]);
				const struct st_out *o = cl->median;

				if (!o)
					continue;
				fprintf(f,
				        "%s\n  {\"steer\": \"%s\", \"size\": %u, \"rate_pps\": "
				        "%.0f, \"offered_mpps\": %.4f, \"mpps\": %.4f, \"gbps\": "
				        "%.4f, \"loss_pct\": %.3f, \"unseen_pct\": %.3f, "
				        "\"host_ns_per_pkt\": %.1f, \"port_ns_per_pkt\": %.1f, "
				        "\"softirq_ns_per_pkt\": %.1f, \"copies_per_pkt\": %.4f, "
				        "\"lat_p50_us\": %.1f, \"lat_p99_us\": %.1f, "
				        "\"conserved\": "
				        "%s, \"reps\": %u, \"mpps_min\": %.4f, \"mpps_max\": %.4f, "
				        "\"sent\": %.0f, \"packets_in\": %.0f, \"delivered\": "
				        "%.0f, "
				        "\"no_buffer\": %.0f, \"nf_rx_full\": %.0f, \"send_s\": "
				        "%.4f, \"dispatcher_ns\": %.0f, \"router_ns\": %.0f, "
				        "\"nf_ns\": %.0f, \"port_ns\": %.0f, \"softirq_ns\": %.0f, "
				        "\"nf_restarts\": %.0f}",
				        first ? "" : ",", steer_name[o->steer], o->size, o->rate,
				        o->offered_mpps, o->mpps, o->gbps, o->loss_pct,
				        o->unseen_pct, o->host_ns_pkt, o->port_ns_pkt,
				        o->sirq_ns_pkt, o->copies_pkt, o->lat_p50, o->lat_p99,
				        cl->conserved ? "true" : "false", cl->nb, cl->mpps_min,
				        cl->mpps_max, o->sent, o->in, o->delivered, o->no_buffer,
				        o->nf_full, o->gen_s, o->disp_ns, o->router_ns, o->nf_ns,
				        o->port_ns, o->sirq_ns, o->restarts);
				first = false;
			}
	fprintf(f, "\n]\n");
}

static int st_csv(const char *path, const struct st_grid *g)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "size,steer,rate_pps,offered_mpps,mpps,gbps,loss_pct,unseen_pct,host_ns_per_pkt,"
	           "port_ns_per_pkt,softirq_ns_per_pkt,copies_per_pkt,lat_p50_us,lat_p99_us,"
	           "conserved,reps,mpps_min,mpps_max,sent,packets_in,delivered\n");
	for (unsigned int r = 0; r < g->nb_rates; r++)
		for (unsigned int s = 0; s < g->nb_sizes; s++)
			for (unsigned int k = 0; k < g->nb_steers; k++) {
				const struct st_cell *cl = st_at(g, r, s, g->steers[k]);
				const struct st_out *o = cl->median;

				if (!o)
					continue;
				fprintf(f,
				        "%u,%s,%.0f,%.4f,%.4f,%.4f,%.3f,%.3f,%.1f,%.1f,%.1f,%.4f,%."
				        "1f,%.1f,%s,%u,%.4f,%.4f,%.0f,%.0f,%.0f\n",
				        o->size, steer_name[o->steer], o->rate, o->offered_mpps,
				        o->mpps, o->gbps, o->loss_pct, o->unseen_pct,
				        o->host_ns_pkt, o->port_ns_pkt, o->sirq_ns_pkt,
				        o->copies_pkt, o->lat_p50, o->lat_p99,
				        cl->conserved ? "true" : "false", cl->nb, cl->mpps_min,
				        cl->mpps_max, o->sent, o->in, o->delivered);
			}
	return fclose(f) ? -errno : 0;
}

static int st_plot(struct real_topo *c, const char *outdir, const struct st_grid *g,
                   double duration, unsigned int reps)
{
	static const char *const color[NB_STEER] = {"#1b9e77", "#d95f02", "#7570b3"};
	static const char *const dash[ST_MAX_RATES] = {"1", "2", "3", "4"};
	char dat[PATH_MAX], gp[PATH_MAX], rl[16];
	unsigned int idx = 0;
	FILE *f;
	int rc;

	real_path(c, "plot.dat", dat, sizeof(dat));
	real_path(c, "plot.gp", gp, sizeof(gp));
	if (mkdir(outdir, 0777) && errno != EEXIST) {
		fprintf(stderr, "tenet-bench steer: cannot create %s: %s\n", outdir,
		        strerror(errno));
		return -1;
	}
	f = fopen(dat, "w");
	if (!f)
		return -1;
	for (unsigned int r = 0; r < g->nb_rates; r++)
		for (unsigned int k = 0; k < g->nb_steers; k++) {
			fprintf(f,
			        "# rate %.0f steer %s: size mpps host_ns mpps_min mpps_max "
			        "offered\n",
			        g->rates[r], steer_name[g->steers[k]]);
			for (unsigned int s = 0; s < g->nb_sizes; s++) {
				const struct st_cell *cl = st_at(g, r, s, g->steers[k]);

				if (cl->median)
					fprintf(f, "%u %.4f %.1f %.4f %.4f %.4f\n", g->sizes[s],
					        cl->median->mpps, cl->median->host_ns_pkt,
					        cl->mpps_min, cl->mpps_max,
					        cl->median->offered_mpps);
			}
			fprintf(f, "\n\n");
		}
	fclose(f);
	f = fopen(gp, "w");
	if (!f)
		return -1;
	fprintf(f, "set terminal pngcairo size 960,600 font 'sans,11' noenhanced\nset grid\n"
	           "set key tmargin center horizontal box\nset logscale x 2\n"
	           "set xrange [56:1750]\nset xtics (");
	for (unsigned int s = 0; s < g->nb_sizes; s++)
		fprintf(f, "%s%u", s ? ", " : "", g->sizes[s]);
	fprintf(f,
	        ")\nset xlabel 'frame size on the wire (B)'\nset yrange [0:*]\n"
	        "set offsets 0, 0, graph 0.08, 0\n"
	        "set output '%s/steer-real-throughput.png'\n"
	        "set title \"tenet-bench steer --real: veth + XDP + AF_XDP (copy mode), "
	        "alice/fwd -> alice/fwd2, %g s/run, median of %u\"\n"
	        "set ylabel 'Mpps delivered'\nplot ",
	        outdir, duration, reps);
	idx = 0;
	for (unsigned int r = 0; r < g->nb_rates; r++)
		for (unsigned int k = 0; k < g->nb_steers; k++, idx++)
			fprintf(f,
			        "%s'%s' index %u using 1:2:4:5 with yerrorlines lw 2 pt 7 dt %s lc "
			        "rgb '%s' title '%s, offered %s'",
			        idx ? ", " : "", dat, idx, dash[r], color[g->steers[k]],
			        steer_name[g->steers[k]], rate_label(g->rates[r], rl, sizeof(rl)));
	fprintf(f,
	        "\nset output '%s/steer-real-hostns.png'\n"
	        "set title \"tenet-bench steer --real: host CPU per delivered packet (dispatcher "
	        "+ router + NFs)\"\nset ylabel 'host CPU ns / packet'\nplot ",
	        outdir);
	idx = 0;
	for (unsigned int r = 0; r < g->nb_rates; r++)
		for (unsigned int k = 0; k < g->nb_steers; k++, idx++)
			fprintf(f,
			        "%s'%s' index %u using 1:3 with linespoints lw 2 pt 7 dt %s lc rgb "
			        "'%s' title '%s, offered %s'",
			        idx ? ", " : "", dat, idx, dash[r], color[g->steers[k]],
			        steer_name[g->steers[k]], rate_label(g->rates[r], rl, sizeof(rl)));
	fprintf(f, "\n");
	fclose(f);
	rc = run_plot("steer", gp);
	if (!rc)
		fprintf(stderr,
		        "tenet-bench steer: wrote %s/steer-real-throughput.png and "
		        "%s/steer-real-hostns.png\n",
		        outdir, outdir);
	return rc;
}

/* ---- steer --real --ndr: the NDR/PDR search of ndr.h over st_once trials ---- */

struct real_ndr {
	struct real_topo *c;
	unsigned int size, steer;
	double rate_tol;
	struct st_out *log; /* by trial id */
	unsigned int nb, cap;
};

static int real_trial(void *arg, struct ndr_trial *t)
{
	struct real_ndr *x = arg;
	struct st_out o;

	if (real_stop_req)
		return -EINTR;
	if (x->nb == x->cap) {
		unsigned int cap = x->cap ? 2 * x->cap : 32;
		struct st_out *n = realloc(x->log, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		x->log = n;
		x->cap = cap;
	}
	memset(&o, 0, sizeof(o));
	o.size = x->size;
	o.steer = x->steer;
	o.rate = t->rate;
	if (st_once(x->c, &o, t->duration))
		return real_stop_req ? -EINTR : -EIO;
	/* offered = what the sender sent; lost = sent and not delivered (the path included) */
	t->offered = (uint64_t)o.sent;
	t->lost = o.sent > o.delivered ? (uint64_t)(o.sent - o.delivered) : 0;
	t->offered_pps = o.offered_mpps * 1e6;
	t->delivered_pps = o.mpps * 1e6;
	t->rate_short = t->rate > 0 && t->offered_pps < t->rate * (1.0 - x->rate_tol);
	t->valid = o.conserved;
	if (!o.conserved)
		fprintf(stderr,
		        "tenet-bench steer --real: INVALID trial: not conserved in the manager\n");
	x->log[x->nb++] = o;
	return 0;
}

static void real_progress(void *arg, unsigned int phase, unsigned int nb_phases, const char *target,
                          const struct ndr_trial *t)
{
	const struct real_ndr *x = arg;

	fprintf(stderr,
	        "  [%u B %s] phase %u/%u %-3s trial %2u: %.4f Mpps%s x %.2f s: lost %llu of %llu "
	        "(%.4f %%)%s\n",
	        x->size, steer_name[x->steer], phase + 1, nb_phases, target, t->id + 1,
	        (t->rate > 0 ? t->rate : t->offered_pps) / 1e6, t->rate > 0 ? "" : " (max)",
	        t->duration, (unsigned long long)t->lost, (unsigned long long)t->offered,
	        t->offered ? 100.0 * (double)t->lost / (double)t->offered : 0.0,
	        t->rate_short ? "  generator short (counts as loss)" : "");
}

static const struct report_col real_ndr_cols[] = {
        {"bench", NULL, REP_STR, 0, 0},
        {"load", NULL, REP_STR, 0, 0},
        {"backend", NULL, REP_STR, 0, 0},
        {"steer", "steer", REP_STR, 6, 0},
        {"size", "size", REP_UINT, 5, 0},
        {"hops", NULL, REP_UINT, 0, 0},
        {"tenants", NULL, REP_UINT, 0, 0},
        {"mode", NULL, REP_STR, 0, 0},
        {"ndr_mpps", "NDR Mpps", REP_DBL, 8, 4},
        {"pdr_mpps", "PDR Mpps", REP_DBL, 8, 4},
        {"ndr_upper_mpps", NULL, REP_DBL, 0, 4},
        {"capped", NULL, REP_BOOL, 0, 0},
        {"host_ns_per_pkt", "host ns", REP_DBL, 7, 0},
        {"dispatch_ns_per_pkt", "disp ns", REP_DBL, 7, 0},
        {"nf_ns_per_pkt", "NFs ns", REP_DBL, 6, 0},
        {"port_ns_per_pkt", "port ns", REP_DBL, 7, 0},
        {"softirq_ns_per_pkt", "sirq ns", REP_DBL, 7, 0},
        {"lat_p50_us", "p50@50%", REP_DBL, 7, 1},
        {"lat_p99_us", "p99@50%", REP_DBL, 7, 1},
        {"lat90_p50_us", "p50@90%", REP_DBL, 7, 1},
        {"lat90_p99_us", "p99@90%", REP_DBL, 7, 1},
        {"trials", "trials", REP_UINT, 6, 0},
        {"final_s", NULL, REP_DBL, 0, 2},
        {"valid", NULL, REP_BOOL, 0, 0},
};

/*
 * Per size and mode: NDR and PDR by trials of the real path (sender ->
 * veth -> XDP -> AF_XDP -> manager -> sink), then one trial each at 50 %
 * and 90 % of the NDR for latency. There is no warm-up snapshot here (the
 * manager is a process of its own): each trial's figures are whole-run.
 */
static int st_ndr(struct real_topo *c, const struct st_grid *g, const struct ndr_opts *so,
                  double rate_tol, bool json, const char *csv)
{
	struct report *rep =
	        report_create(real_ndr_cols, sizeof(real_ndr_cols) / sizeof(real_ndr_cols[0]));
	int rc = 0;

	if (!rep)
		return 1;
	if (!json) {
		printf("tenet-bench steer --real --ndr: veth pair between two network namespaces, "
		       "afxdp port, 2-NF chain alice/fwd -> alice/fwd2 -> sink; NDR/PDR (0 / %g %% "
		       "loss, sent vs delivered), final trials %.1f s, width %g %%\n",
		       so->pdr_loss * 100, so->final_s, so->width * 100);
		report_table_header(rep, stdout);
	}
	for (unsigned int s = 0; s < g->nb_sizes && !real_stop_req; s++)
		for (unsigned int k = 0; k < g->nb_steers && !real_stop_req; k++) {
			struct real_ndr x = {.c = c,
			                     .size = g->sizes[s],
			                     .steer = g->steers[k],
			                     .rate_tol = rate_tol};
			struct ndr_opts o = *so;
			struct ndr_result res;
			struct st_out lat[2];
			bool lat_ok[2] = {false, false};
			int e;

			o.progress = real_progress;
			o.progress_arg = &x;
			e = ndr_search(&o, real_trial, &x, &res);
			for (int i = 0; i < 2 && !e && res.ndr.found; i++) {
				memset(&lat[i], 0, sizeof(lat[i]));
				lat[i].size = x.size;
				lat[i].steer = x.steer;
				lat[i].rate = floor(res.ndr.rate * (i ? 0.9 : 0.5));
				lat_ok[i] = lat[i].rate >= 1 && !st_once(c, &lat[i], so->final_s);
			}
			if (report_row(rep)) {
				free(x.log);
				rc = 1;
				break;
			}
			report_set_str(rep, "bench", "steer");
			report_set_str(rep, "load", "ndr");
			report_set_str(rep, "backend", "real");
			report_set_str(rep, "steer", steer_name[x.steer]);
			report_set_uint(rep, "size", x.size);
			report_set_uint(rep, "hops", 2);
			report_set_uint(rep, "tenants", 1);
			report_set_str(rep, "mode", "adaptive");
			report_set_uint(rep, "trials", res.trials);
			report_set_dbl(rep, "final_s", so->final_s);
			report_set_bool(rep, "valid", e == 0);
			if (!e) {
				report_set_dbl(rep, "ndr_mpps", res.ndr.rate / 1e6);
				report_set_dbl(rep, "pdr_mpps", res.pdr.rate / 1e6);
				if (res.ndr.upper > 0)
					report_set_dbl(rep, "ndr_upper_mpps", res.ndr.upper / 1e6);
				report_set_bool(rep, "capped", res.capped);
			}
			if (!e && res.ndr.found && res.ndr.lower_id < x.nb) {
				const struct st_out *t = &x.log[res.ndr.lower_id];
				double del = t->delivered > 0 ? t->delivered : 1;

				report_set_dbl(rep, "host_ns_per_pkt", t->host_ns_pkt);
				report_set_dbl(rep, "dispatch_ns_per_pkt",
				               (t->disp_ns + t->router_ns) / del);
				report_set_dbl(rep, "nf_ns_per_pkt", t->nf_ns / del);
				report_set_dbl(rep, "port_ns_per_pkt", t->port_ns_pkt);
				report_set_dbl(rep, "softirq_ns_per_pkt", t->sirq_ns_pkt);
			}
			if (lat_ok[0]) {
				report_set_dbl(rep, "lat_p50_us", lat[0].lat_p50);
				report_set_dbl(rep, "lat_p99_us", lat[0].lat_p99);
			}
			if (lat_ok[1]) {
				report_set_dbl(rep, "lat90_p50_us", lat[1].lat_p50);
				report_set_dbl(rep, "lat90_p99_us", lat[1].lat_p99);
			}
			if (!json)
				report_table_row(rep, report_rows(rep) - 1, stdout, NULL);
			free(x.log);
			if (e) {
				fprintf(stderr,
				        "tenet-bench steer --real: %u B %s: search stopped: %s\n",
				        x.size, steer_name[x.steer],
				        e == -EPROTO ? "a trial was invalid" : strerror(-e));
				rc = 1;
				if (e != -EPROTO)
					break;
			}
		}
	if (json)
		report_json(rep, stdout);
	if (csv && report_csv(rep, csv)) {
		fprintf(stderr, "tenet-bench steer: cannot write %s\n", csv);
		rc = 1;
	}
	report_destroy(rep);
	return real_stop_req ? 1 : rc;
}

int bench_steer_real(int argc, char **argv)
{
	struct st_grid g = {.sizes = {64, 128, 256, 512, 1024, 1518},
	                    .nb_sizes = 6,
	                    .steers = {0, 1, 2},
	                    .nb_steers = NB_STEER,
	                    .rates = {0},
	                    .nb_rates = 1};
	unsigned int reps = 3, done = 0, nb_runs;
	double duration = 3, rate_tol = 0.01;
	const char *csv = NULL, *plot_dir = NULL;
	bool json = false, ndr = false, tty = isatty(STDERR_FILENO);
	struct ndr_opts so;
	struct real_topo c;
	int rc = 0;

	ndr_opts_default(&so);

	optind = 1;
	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, "h", st_options, NULL)) != -1;) {
		const char *v = optarg;
		unsigned int r[1];
		int k;

		switch (o) {
		case OPT_REAL:
			break;
		case 'h':
		case OPT_HELP:
			st_usage(stdout);
			return 0;
		case OPT_JSON:
			json = true;
			break;
		case OPT_CSV:
			csv = v;
			break;
		case OPT_PLOT:
			plot_dir = v;
			break;
		case OPT_REPS:
			if (bench_parse_list(v, r, 1, 1, ST_MAX_REPS) != 1) {
				fprintf(stderr, "tenet-bench steer: --reps wants 1..%d\n",
				        ST_MAX_REPS);
				return 2;
			}
			reps = r[0];
			break;
		case OPT_DURATION:
			if (!bench_parse_double(v, 0.5, 600, &duration)) {
				fprintf(stderr, "tenet-bench steer: --duration wants 0.5..600 s\n");
				return 2;
			}
			break;
		case OPT_RATE:
			g.nb_rates = (unsigned int)parse_rate_list(v, g.rates, ST_MAX_RATES);
			if (!g.nb_rates) {
				fprintf(stderr,
				        "tenet-bench steer: --rate wants up to %d rates 0..1e8 "
				        "packets/s (0: the sender's maximum), comma-separated\n",
				        ST_MAX_RATES);
				return 2;
			}
			break;
		case OPT_SIZES:
			g.nb_sizes = bench_parse_list(v, g.sizes, ST_MAX_SIZES, 64, 1518);
			if (!g.nb_sizes) {
				fprintf(stderr,
				        "tenet-bench steer: --sizes wants up to %d of "
				        "64..1518, comma-separated\n",
				        ST_MAX_SIZES);
				return 2;
			}
			break;
		case OPT_NDR:
			ndr = true;
			break;
		case OPT_FINAL:
		case OPT_INITIAL:
		case OPT_PHASES:
		case OPT_WIDTH:
		case OPT_PDR_LOSS:
		case OPT_MIN_RATE:
		case OPT_MAX_RATE:
		case OPT_RATE_TOL: {
			static const struct {
				int opt;
				double lo, hi;
			} lim[] = {{OPT_FINAL, 0.1, 600},     {OPT_INITIAL, 0.05, 600},
			           {OPT_PHASES, 1, 8},        {OPT_WIDTH, 0.001, 0.25},
			           {OPT_PDR_LOSS, 1e-6, 0.5}, {OPT_MIN_RATE, 1, 1e9},
			           {OPT_MAX_RATE, 1, 1e9},    {OPT_RATE_TOL, 0, 0.5}};
			double d = 0,
			       *dst[] = {&so.final_s,  &so.initial_s, NULL,         &so.width,
			                 &so.pdr_loss, &so.min_rate,  &so.max_rate, &rate_tol};
			unsigned int i;

			for (i = 0; lim[i].opt != o; i++)
				;
			if (!bench_parse_double(v, lim[i].lo, lim[i].hi, &d) ||
			    (o == OPT_PHASES && d != floor(d))) {
				unsigned int n = 0;

				while (st_options[n].val != o)
					n++;
				fprintf(stderr, "tenet-bench steer --real: --%s wants %g..%g\n",
				        st_options[n].name, lim[i].lo, lim[i].hi);
				return 2;
			}
			if (dst[i])
				*dst[i] = d;
			else
				so.phases = (unsigned int)d;
			break;
		}
		case OPT_STEER:
			k = bench_parse_names(v, steer_name, NB_STEER, g.steers);
			if (k < 0) {
				fprintf(stderr,
				        "tenet-bench steer: --steer wants a comma-separated "
				        "list of nic, cpu, shared (each once)\n");
				return 2;
			}
			g.nb_steers = (unsigned int)k;
			break;
		default:
			fprintf(stderr,
			        "tenet-bench steer --real: unknown option or missing value '%s'\n",
			        argv[optind - 1]);
			st_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tenet-bench steer --real: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	if (real_topo_init(&c, "steer")) {
		real_topo_fini(&c);
		return 1;
	}
	g.cells = calloc((size_t)g.nb_rates * g.nb_sizes * NB_STEER, sizeof(*g.cells));
	if (!g.cells || real_topo_create(&c, false)) {
		if (!g.cells)
			fprintf(stderr, "tenet-bench steer: out of memory\n");
		real_topo_fini(&c);
		free(g.cells);
		return 1;
	}
	if (ndr) {
		if (so.initial_s > so.final_s)
			so.initial_s = so.final_s;
		rc = st_ndr(&c, &g, &so, rate_tol, json, csv);
		real_topo_fini(&c);
		free(g.cells);
		return rc;
	}
	nb_runs = reps * g.nb_rates * g.nb_sizes * g.nb_steers;
	for (unsigned int rep = 0; rep < reps && !real_stop_req && !rc; rep++)
		for (unsigned int r = 0; r < g.nb_rates && !real_stop_req && !rc; r++)
			for (unsigned int s = 0; s < g.nb_sizes && !real_stop_req && !rc; s++)
				for (unsigned int k = 0; k < g.nb_steers && !real_stop_req && !rc;
				     k++) {
					struct st_cell *cl = st_at(&g, r, s, g.steers[k]);
					struct st_out *o = &cl->run[cl->nb];
					char rl[16];

					fprintf(stderr,
					        "%s[%u/%u] rep %u/%u, %u B, steer %s, rate %s "
					        "...%s",
					        tty ? "\r" : "", done + 1, nb_runs, rep + 1, reps,
					        g.sizes[s], steer_name[g.steers[k]],
					        rate_label(g.rates[r], rl, sizeof(rl)),
					        tty ? "\033[K" : "\n");
					memset(o, 0, sizeof(*o));
					o->size = g.sizes[s];
					o->steer = g.steers[k];
					o->rate = g.rates[r];
					if (st_once(&c, o, duration)) {
						rc = 1;
						break;
					}
					if (tty)
						fprintf(stderr, "\r\033[K");
					cl->nb++;
					done++;
					st_cell_update(cl);
					if (!o->conserved) {
						fprintf(stderr,
						        "\n*** WARNING: %u B, steer %s: packets "
						        "NOT "
						        "conserved in the manager ***\n\n",
						        o->size, steer_name[o->steer]);
						rc = 1;
					}
				}
	if (real_stop_req)
		fprintf(stderr, "\ntenet-bench steer: interrupted; results so far\n");
	if (json) {
		st_json(stdout, &g);
	} else {
		printf("tenet-bench steer --real: veth pair between two network namespaces, "
		       "afxdp port (XDP native on veth, AF_XDP copy mode), 2-NF chain alice/fwd -> "
		       "alice/fwd2 -> sink port; %g s per run, median of %u rep%s, adaptive, %ld "
		       "CPUs online\n",
		       duration, reps, reps > 1 ? "s" : "", sysconf(_SC_NPROCESSORS_ONLN));
		st_table(&g);
		st_ratios(&g);
	}
	if (csv && st_csv(csv, &g)) {
		fprintf(stderr, "tenet-bench steer: cannot write %s\n", csv);
		rc = 1;
	}
	if (plot_dir && done && st_plot(&c, plot_dir, &g, duration, reps) < 0)
		rc = 1;
	real_topo_fini(&c);
	free(g.cells);
	return real_stop_req ? 1 : rc;
}

/* ---- scan --real ------------------------------------------------------------------------------
 */

#define SC_MAX_SIZES 16
#define SC_MAX_REPS  15
#define NB_RS        4

enum rscen { RS_WIRE, RS_NIC_ONLY, RS_NIC_SCAN, RS_HOST_SCAN };

static const char *const rs_name[NB_RS] = {"wire", "nic-only", "nic-scan", "host-scan"};
static const char *const rs_label[NB_RS] = {
        "wire only: gen -> sink across the veth", "(a) XDP scan, bounced (XDP_TX)",
        "(b) XDP scan + host fwd", "(c) host scan NF + host fwd"};

#define NB_RF 13
/* Figures per run; medians are taken per figure. */
enum rfig {
	RF_P50,
	RF_P99,
	RF_P999,
	RF_MIN,
	RF_MEAN,
	RF_MAX,
	RF_LOSS,
	RF_HOST,
	RF_PORT,
	RF_GOT,
	RF_EXPECT,
	RF_SCANNED,
	RF_OFFERED
};

struct rs_cell {
	unsigned int nb;
	double run[SC_MAX_REPS][NB_RF];
	double med[NB_RF];
	bool conserved;
};

static void sc_usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench scan --real [--sizes LIST] [--scenarios LIST] [--rate PPS]\n"
	        "                        [--count N] [--fraction F] [--reps N] [--json]\n"
	        "                        [--csv FILE] [--plot DIR]\n"
	        "\n"
	        "Payload scan latency on real interfaces (root), the paper's Fig. 6: tenet gen\n"
	        "and tenet sink in a sender network namespace, the manager in the DUT one, a\n"
	        "veth pair between them; latency is measured by tenet sink from the\n"
	        "generator's stamp, on frames that come back to the sender's veth:\n"
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
	        "  --rate PPS        offered rate (default 20000): below saturation\n"
	        "  --count N         frames per run (default 60000)\n"
	        "  --fraction F      (b), (c), wire: fraction of frames with a drop pattern\n"
	        "                    (default 0.01)\n"
	        "  --reps N          repetitions 1..%d (default 3), scenarios interleaved;\n"
	        "                    the table shows the median of each figure\n"
	        "  --json, --csv FILE, --plot DIR (DIR/scan-real-latency.png)\n"
	        "\n"
	        "Latency includes the sender's AF_PACKET transmit, every veth crossing, and\n"
	        "tenet sink's TPACKET_V3 ring, which hands a block of frames to the reader\n"
	        "when it is full or after its 1 ms retire timer: at low rates most frames\n"
	        "wait for the timer (~0.5 ms on average). Hence the columns minus the wire\n"
	        "baseline, and the minimum (a frame that did not wait).\n",
	        SC_MAX_REPS);
}

static int sc_write(struct real_topo *c, enum rscen sc, unsigned int size, double rate,
                    uint64_t count, double fraction)
{
	char path[PATH_MAX], pats[PATH_MAX];
	FILE *f;

	real_path(c, "pats.txt", pats, sizeof(pats));
	f = fopen(pats, "w");
	if (!f)
		return -1;
	fprintf(f, "# written by tenet-bench scan --real\ndrop literal attack\n"
	           "drop literal cmd.exe\n");
	if (fclose(f))
		return -1;
	real_path(c, "gen.yaml", path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "ports:\n  - {name: g, driver: gen, rate: %.0f, count: %llu, size: %u, seed: 1,\n"
	        "     flows: [{src: 10.1.0.0/16, dst: 10.2.0.0/16, count: 64}],\n"
	        "     payload: {patterns: [attack, 'cmd.exe'], fraction: %g}}\n",
	        rate, (unsigned long long)count, size, sc == RS_NIC_ONLY ? 1.0 : fraction);
	if (fclose(f))
		return -1;
	if (sc == RS_WIRE)
		return 0;
	real_path(c, "mgr.yaml", path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "manager: {socket_dir: '%s/sock', stats_interval: 0}\n", c->dir);
	fprintf(f,
	        "ports:\n  - {name: nic0, driver: afxdp, ifname: %s, steer: nic, xdp_mode: "
	        "native,\n"
	        "     scan_action: %s, tenant_ifs: {alice: %s}}\n",
	        c->iif, sc == RS_NIC_ONLY ? "bounce" : "drop", c->tb);
	fprintf(f, "tenants: [{name: alice}]\nservices:\n");
	fprintf(f, "  - {name: scan, tenant: alice, patterns: '%s'", pats);
	if (sc == RS_HOST_SCAN)
		fprintf(f, ", command: ['%s', --patterns, '%s']", c->scan, pats);
	fprintf(f, "}\n");
	if (sc != RS_NIC_ONLY)
		fprintf(f, "  - {name: fwd, tenant: alice, command: ['%s']}\n", c->fwd);
	fprintf(f, "chains:\n  - name: bench\n    hops: [%s]\n",
	        sc == RS_NIC_ONLY   ? "{service: alice/scan, on: nic}"
	        : sc == RS_NIC_SCAN ? "{service: alice/scan, on: nic}, alice/fwd"
	                            : "alice/scan, alice/fwd");
	if (sc != RS_NIC_ONLY)
		fprintf(f, "    output: nic0\n");
	return fclose(f) ? -1 : 0;
}

static int sc_once(struct real_topo *c, enum rscen sc, unsigned int size, double rate,
                   uint64_t count, double fraction, double *fig, bool *conserved)
{
	static const char *const want_fwd[] = {"alice/fwd#0", NULL};
	static const char *const want_scan[] = {"alice/scan#0", "alice/fwd#0", NULL};
	static const char *const want_none[] = {NULL};
	char path[PATH_MAX], serr[PATH_MAX], obj[PATH_MAX + 32];
	struct real_cmd g = {.n = 0}, k = {.n = 0};
	double send_s = (double)count / rate;
	char *gj = NULL, *kj = NULL, *sj = NULL;
	pid_t sink = -1;
	int rc = -1;

	memset(fig, 0, NB_RF * sizeof(*fig));
	*conserved = true;
	snprintf(obj, sizeof(obj), "%s/xsk_redirect.bpf.o", c->bpf);
	if (sc_write(c, sc, size, rate, count, fraction)) {
		fprintf(stderr, "tenet-bench scan: cannot write the configs in %s\n", c->dir);
		return -1;
	}
	if (sc == RS_WIRE) {
		if (REAL_IP(c, "ip", "-n", c->dns, "link", "set", "dev", c->iif, "xdpdrv", "obj",
		            obj, "sec", "xdp"))
			return -1;
	} else if (real_mgr_start(c, send_s + 60,
	                          sc == RS_NIC_ONLY   ? want_none
	                          : sc == RS_NIC_SCAN ? want_fwd
	                                              : want_scan)) {
		return -1;
	}
	real_path(c, "sink.json", path, sizeof(path));
	real_path(c, "sink.err", serr, sizeof(serr));
	unlink(serr);
	real_cmd_add(&k, "ip");
	real_cmd_add(&k, "netns");
	real_cmd_add(&k, "exec");
	real_cmd_add(&k, "%s", sc == RS_WIRE ? c->dns : c->sns);
	real_cmd_add(&k, "%s", c->tenet);
	real_cmd_add(&k, "sink");
	real_cmd_add(&k, "--ifname");
	real_cmd_add(&k, "%s", sc == RS_WIRE ? c->iif : c->gif);
	real_cmd_add(&k, "--idle");
	real_cmd_add(&k, "1");
	real_cmd_add(&k, "--duration");
	real_cmd_add(&k, "%.0f", send_s + 20);
	real_cmd_add(&k, "--json");
	sink = real_cmd_spawn(&k, path, serr);
	for (double t0 = real_now(); sink > 0 && real_now() - t0 < 10 && !real_stop_req;) {
		char *e = real_slurp(serr);
		bool up = e && strstr(e, "listening on");

		free(e);
		if (up)
			break;
		real_sleep(0.02);
	}
	real_cmd_add(&g, "ip");
	real_cmd_add(&g, "netns");
	real_cmd_add(&g, "exec");
	real_cmd_add(&g, "%s", c->sns);
	real_cmd_add(&g, "%s", c->tenet);
	real_cmd_add(&g, "gen");
	real_cmd_add(&g, "--ifname");
	real_cmd_add(&g, "%s", c->gif);
	real_path(c, "gen.yaml", path, sizeof(path));
	real_cmd_add(&g, "--config");
	real_cmd_add(&g, "%s", path);
	real_cmd_add(&g, "--json");
	if (sink < 0 || real_stop_req || real_run_gen(c, &g, send_s + 30))
		goto out;
	/* the sink stops 1 s after the last frame (or at its duration if none comes) */
	if (real_wait_pid(sink, send_s + 25) < 0)
		goto out;
	sink = -1;
	if (c->mgr && real_mgr_stop(c))
		goto out;
	real_path(c, "gen.json", path, sizeof(path));
	gj = real_slurp(path);
	real_path(c, "sink.json", path, sizeof(path));
	kj = real_slurp(path);
	real_path(c, "summary.json", path, sizeof(path));
	sj = sc == RS_WIRE ? NULL : real_slurp(path);
	if (!gj || !kj || (sc != RS_WIRE && !sj)) {
		fprintf(stderr, "tenet-bench scan: a report is missing in %s\n", c->dir);
		goto out;
	}
	{
		double sent = real_jnum(gj, "sent"), pat = real_jnum(gj, "gen.with_pattern");
		double got = real_jnum(kj, "packets"), expect;
		double el = real_jnum(gj, "elapsed_s");

		expect = sc == RS_NIC_ONLY ? pat : sc == RS_WIRE ? sent : sent - pat;
		fig[RF_P50] = real_jnum(kj, "latency_ns.p50") / 1e3;
		fig[RF_P99] = real_jnum(kj, "latency_ns.p99") / 1e3;
		fig[RF_P999] = real_jnum(kj, "latency_ns.p99_9") / 1e3;
		fig[RF_MIN] = real_jnum(kj, "latency_ns.min") / 1e3;
		fig[RF_MEAN] = real_jnum(kj, "latency_ns.mean") / 1e3;
		fig[RF_MAX] = real_jnum(kj, "latency_ns.max") / 1e3;
		fig[RF_GOT] = got;
		fig[RF_EXPECT] = expect;
		fig[RF_LOSS] = expect > 0 ? 100 * (expect - got) / expect : 0;
		fig[RF_OFFERED] = el > 0 ? sent / el : 0;
		if (sj) {
			double in = real_jnum(sj, "packets_in"), restarts;
			double host = real_jnum(sj, "host_ns.dispatcher") +
			              real_services_cpu_ns(sj, &restarts);

			fig[RF_HOST] = in > 0 ? host / in : 0;
			fig[RF_PORT] = in > 0 ? real_jnum(sj, "ports.nic0.nic_ns") / in : 0;
			fig[RF_SCANNED] = real_jnum(sj, "dropped.nic_scan") +
			                  real_jnum(sj, "dropped.nf_verdict");
			*conserved = real_jnum(sj, "conserved") != 0;
			if (restarts > 0) {
				fprintf(stderr,
				        "tenet-bench scan: an NF restarted during the run:\n");
				real_mgr_warnings(c, rs_name[sc]);
			}
		}
	}
	rc = 0;
out:
	if (sink > 0)
		real_stop_pid(sink, 2);
	if (c->mgr)
		real_mgr_stop(c);
	if (sc == RS_WIRE)
		REAL_IP(c, "ip", "-n", c->dns, "link", "set", "dev", c->iif, "xdpdrv", "off");
	free(gj);
	free(kj);
	free(sj);
	return rc;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void rs_update(struct rs_cell *cl)
{
	for (unsigned int f = 0; f < NB_RF; f++) {
		double v[SC_MAX_REPS];

		for (unsigned int i = 0; i < cl->nb; i++)
			v[i] = cl->run[i][f];
		qsort(v, cl->nb, sizeof(double), dcmp);
		cl->med[f] = v[(cl->nb - 1) / 2];
	}
}

struct sc_grid {
	unsigned int sizes[SC_MAX_SIZES], nb_sizes;
	unsigned int scens[NB_RS], nb_scens;
	struct rs_cell *cells; /* [size][scenario] */
};

static const struct rs_cell *rs_at(const struct sc_grid *g, unsigned int s, unsigned int k)
{
	const struct rs_cell *cl = &g->cells[s * NB_RS + k];

	return cl->nb ? cl : NULL;
}

/* v minus the wire baseline's same figure, or NAN without one or without samples. */
static double minus_wire(const struct sc_grid *g, unsigned int s, const struct rs_cell *cl,
                         enum rfig f)
{
	const struct rs_cell *w = rs_at(g, s, RS_WIRE);

	if (!w || cl == w || cl->med[RF_GOT] <= 0)
		return NAN;
	return cl->med[f] - w->med[f];
}

static void fmt_d(char *b, size_t len, double v)
{
	if (isnan(v))
		snprintf(b, len, "-");
	else
		snprintf(b, len, "%+.1f", v);
}

static void sc_table(const struct sc_grid *g)
{
	printf("%5s %-10s %8s %8s %8s %8s %8s | %9s %9s %9s %9s | %7s %6s %11s %11s %4s\n", "size",
	       "scenario", "p50 us", "p99 us", "p99.9 us", "min us", "mean us", "p50-wire",
	       "p99-wire", "p99.9-w", "min-wire", "frames", "loss%", "host ns/pkt", "port ns/pkt",
	       "cons");
	for (unsigned int s = 0; s < g->nb_sizes; s++)
		for (unsigned int k = 0; k < g->nb_scens; k++) {
			const struct rs_cell *cl = rs_at(g, s, g->scens[k]);
			char d[4][16];

			if (!cl)
				continue;
			fmt_d(d[0], sizeof(d[0]), minus_wire(g, s, cl, RF_P50));
			fmt_d(d[1], sizeof(d[1]), minus_wire(g, s, cl, RF_P99));
			fmt_d(d[2], sizeof(d[2]), minus_wire(g, s, cl, RF_P999));
			fmt_d(d[3], sizeof(d[3]), minus_wire(g, s, cl, RF_MIN));
			if (cl->med[RF_GOT] <= 0) {
				printf("%5u %-10s %8s %8s %8s %8s %8s | %9s %9s %9s %9s | %7.0f "
				       "%6s "
				       "%11s %11s %4s  (no frame came back%s)\n",
				       g->sizes[s], rs_name[g->scens[k]], "-", "-", "-", "-", "-",
				       "-", "-", "-", "-", 0.0, "-", "-", "-",
				       cl->conserved ? "yes" : "NO!",
				       cl->med[RF_EXPECT] <= 0 ? ": no pattern fits this size"
				                               : "");
				continue;
			}
			printf("%5u %-10s %8.1f %8.1f %8.1f %8.1f %8.1f | %9s %9s %9s %9s | %7.0f "
			       "%6.2f %11.0f %11.0f %4s\n",
			       g->sizes[s], rs_name[g->scens[k]], cl->med[RF_P50], cl->med[RF_P99],
			       cl->med[RF_P999], cl->med[RF_MIN], cl->med[RF_MEAN], d[0], d[1],
			       d[2], d[3], cl->med[RF_GOT], cl->med[RF_LOSS], cl->med[RF_HOST],
			       cl->med[RF_PORT], cl->conserved ? "yes" : "NO!");
		}
}

static void sc_diffs(const struct sc_grid *g)
{
	printf("\nlatency differences of the medians, us (paper: NIC scan lower by up to 8 us)\n");
	printf("%5s %18s %18s %18s %18s\n", "size", "p50 (c)-(b)", "min (c)-(b)", "p50 (b)-(a)",
	       "min (b)-(a)");
	for (unsigned int s = 0; s < g->nb_sizes; s++) {
		const struct rs_cell *a = rs_at(g, s, RS_NIC_ONLY), *b = rs_at(g, s, RS_NIC_SCAN),
		                     *h = rs_at(g, s, RS_HOST_SCAN);
		char t[4][24];
		bool hb = h && b && h->med[RF_GOT] > 0 && b->med[RF_GOT] > 0;
		bool ba = a && b && a->med[RF_GOT] > 0 && b->med[RF_GOT] > 0;

		if (!hb && !ba)
			continue;
		fmt_d(t[0], sizeof(t[0]), hb ? h->med[RF_P50] - b->med[RF_P50] : NAN);
		fmt_d(t[1], sizeof(t[1]), hb ? h->med[RF_MIN] - b->med[RF_MIN] : NAN);
		fmt_d(t[2], sizeof(t[2]), ba ? b->med[RF_P50] - a->med[RF_P50] : NAN);
		fmt_d(t[3], sizeof(t[3]), ba ? b->med[RF_MIN] - a->med[RF_MIN] : NAN);
		printf("%5u %18s %18s %18s %18s\n", g->sizes[s], t[0], t[1], t[2], t[3]);
	}
}

static void json_num(FILE *f, const char *key, double v)
{
	if (isnan(v))
		fprintf(f, ", \"%s\": null", key);
	else
		fprintf(f, ", \"%s\": %.2f", key, v);
}

static void sc_json(FILE *f, const struct sc_grid *g, double rate)
{
	bool first = true;

	fprintf(f, "[");
	for (unsigned int s = 0; s < g->nb_sizes; s++)
		for (unsigned int k = 0; k < g->nb_scens; k++) {
			const struct rs_cell *cl = rs_at(g, s, g->scens[k]);

			if (!cl)
				continue;
			fprintf(f,
			        "%s\n  {\"scenario\": \"%s\", \"size\": %u, \"rate_pps\": %.0f, "
			        "\"offered_pps\": %.0f, \"p50_us\": %.2f, \"p99_us\": %.2f, "
			        "\"p999_us\": %.2f, \"min_us\": %.2f, \"mean_us\": %.2f, "
			        "\"max_us\": "
			        "%.2f",
			        first ? "" : ",", rs_name[g->scens[k]], g->sizes[s], rate,
			        cl->med[RF_OFFERED], cl->med[RF_P50], cl->med[RF_P99],
			        cl->med[RF_P999], cl->med[RF_MIN], cl->med[RF_MEAN],
			        cl->med[RF_MAX]);
			json_num(f, "p50_minus_wire_us", minus_wire(g, s, cl, RF_P50));
			json_num(f, "p99_minus_wire_us", minus_wire(g, s, cl, RF_P99));
			json_num(f, "p999_minus_wire_us", minus_wire(g, s, cl, RF_P999));
			json_num(f, "min_minus_wire_us", minus_wire(g, s, cl, RF_MIN));
			fprintf(f,
			        ", \"frames\": %.0f, \"expected\": %.0f, \"loss_pct\": %.3f, "
			        "\"scan_dropped\": %.0f, \"host_ns_per_pkt\": %.1f, "
			        "\"port_ns_per_pkt\": %.1f, \"conserved\": %s, \"reps\": %u, "
			        "\"p50_runs_us\": [",
			        cl->med[RF_GOT], cl->med[RF_EXPECT], cl->med[RF_LOSS],
			        cl->med[RF_SCANNED], cl->med[RF_HOST], cl->med[RF_PORT],
			        cl->conserved ? "true" : "false", cl->nb);
			for (unsigned int i = 0; i < cl->nb; i++)
				fprintf(f, "%s%.2f", i ? ", " : "", cl->run[i][RF_P50]);
			fprintf(f, "]}");
			first = false;
		}
	fprintf(f, "\n]\n");
}

static int sc_csv(const char *path, const struct sc_grid *g, double rate)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "size,scenario,rate_pps,p50_us,p99_us,p999_us,min_us,mean_us,max_us,"
	           "p50_minus_wire_us,p99_minus_wire_us,p999_minus_wire_us,min_minus_wire_us,"
	           "frames,loss_pct,host_ns_per_pkt,port_ns_per_pkt,conserved,reps\n");
	for (unsigned int s = 0; s < g->nb_sizes; s++)
		for (unsigned int k = 0; k < g->nb_scens; k++) {
			const struct rs_cell *cl = rs_at(g, s, g->scens[k]);

			if (!cl)
				continue;
			fprintf(f,
			        "%u,%s,%.0f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,"
			        "%.0f,%.3f,%.1f,%.1f,%s,%u\n",
			        g->sizes[s], rs_name[g->scens[k]], rate, cl->med[RF_P50],
			        cl->med[RF_P99], cl->med[RF_P999], cl->med[RF_MIN],
			        cl->med[RF_MEAN], cl->med[RF_MAX], minus_wire(g, s, cl, RF_P50),
			        minus_wire(g, s, cl, RF_P99), minus_wire(g, s, cl, RF_P999),
			        minus_wire(g, s, cl, RF_MIN), cl->med[RF_GOT], cl->med[RF_LOSS],
			        cl->med[RF_HOST], cl->med[RF_PORT],
			        cl->conserved ? "true" : "false", cl->nb);
		}
	return fclose(f) ? -errno : 0;
}

static int sc_plot(struct real_topo *c, const char *outdir, const struct sc_grid *g, double rate,
                   unsigned int reps)
{
	static const char *const color[NB_RS] = {"#666666", "#1b9e77", "#d95f02", "#7570b3"};
	static const char *const title[3] = {"p50", "p99", "min (a frame that did not wait)"};
	static const int col[3] = {2, 3, 4};
	char dat[PATH_MAX], gp[PATH_MAX];
	FILE *f;
	int rc;

	real_path(c, "plot.dat", dat, sizeof(dat));
	real_path(c, "plot.gp", gp, sizeof(gp));
	if (mkdir(outdir, 0777) && errno != EEXIST) {
		fprintf(stderr, "tenet-bench scan: cannot create %s: %s\n", outdir,
		        strerror(errno));
		return -1;
	}
	f = fopen(dat, "w");
	if (!f)
		return -1;
	for (unsigned int k = 0; k < g->nb_scens; k++) {
		fprintf(f, "# %s: size p50 p99 min\n", rs_name[g->scens[k]]);
		for (unsigned int s = 0; s < g->nb_sizes; s++) {
			const struct rs_cell *cl = rs_at(g, s, g->scens[k]);

			if (cl && cl->med[RF_GOT] > 0)
				fprintf(f, "%u %.2f %.2f %.2f\n", g->sizes[s], cl->med[RF_P50],
				        cl->med[RF_P99], cl->med[RF_MIN]);
		}
		fprintf(f, "\n\n");
	}
	fclose(f);
	f = fopen(gp, "w");
	if (!f)
		return -1;
	fprintf(f,
	        "set terminal pngcairo size 1500,560 font 'sans,11' noenhanced\n"
	        "set output '%s/scan-real-latency.png'\n"
	        "set multiplot layout 1,3 title \"tenet-bench scan --real: latency gen -> "
	        "tenet sink over veth, %.0f pps, median of %u\"\n"
	        "set grid\nset key top left box\nset logscale x 2\nset xrange [56:1750]\n"
	        "set xtics (",
	        outdir, rate, reps);
	for (unsigned int s = 0; s < g->nb_sizes; s++)
		fprintf(f, "%s%u", s ? ", " : "", g->sizes[s]);
	fprintf(f, ")\nset xlabel 'frame size on the wire (B)'\nset yrange [0:*]\n"
	           "set offsets 0, 0, graph 0.35, 0\n");
	for (unsigned int p = 0; p < 3; p++) {
		fprintf(f, "set title '%s'\nset ylabel 'latency (us)'\nplot ", title[p]);
		for (unsigned int k = 0; k < g->nb_scens; k++)
			fprintf(f,
			        "%s'%s' index %u using 1:%d with linespoints lw 2 pt 7 lc rgb '%s' "
			        "title '%s'",
			        k ? ", " : "", dat, k, col[p], color[g->scens[k]],
			        rs_label[g->scens[k]]);
		fprintf(f, "\n");
	}
	fprintf(f, "unset multiplot\n");
	fclose(f);
	rc = run_plot("scan", gp);
	if (!rc)
		fprintf(stderr, "tenet-bench scan: wrote %s/scan-real-latency.png\n", outdir);
	return rc;
}

int bench_scan_real(int argc, char **argv)
{
	struct sc_grid g = {.sizes = {128, 512, 1518},
	                    .nb_sizes = 3,
	                    .scens = {RS_WIRE, RS_NIC_ONLY, RS_NIC_SCAN, RS_HOST_SCAN},
	                    .nb_scens = NB_RS};
	unsigned int reps = 3, done = 0, nb_runs;
	uint64_t count = 60000;
	double rate = 20000, fraction = 0.01;
	const char *csv = NULL, *plot_dir = NULL;
	bool json = false, tty = isatty(STDERR_FILENO);
	struct real_topo c;
	int rc = 0;

	optind = 1;
	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, "h", sc_options, NULL)) != -1;) {
		const char *v = optarg;
		unsigned int r[1];
		int k;

		switch (o) {
		case OPT_REAL:
			break;
		case 'h':
		case OPT_HELP:
			sc_usage(stdout);
			return 0;
		case OPT_JSON:
			json = true;
			break;
		case OPT_CSV:
			csv = v;
			break;
		case OPT_PLOT:
			plot_dir = v;
			break;
		case OPT_REPS:
			if (bench_parse_list(v, r, 1, 1, SC_MAX_REPS) != 1) {
				fprintf(stderr, "tenet-bench scan: --reps wants 1..%d\n",
				        SC_MAX_REPS);
				return 2;
			}
			reps = r[0];
			break;
		case OPT_RATE:
			if (!bench_parse_double(v, 1, 1e7, &rate)) {
				fprintf(stderr,
				        "tenet-bench scan: --rate wants 1..1e7 packets/s\n");
				return 2;
			}
			break;
		case OPT_FRACTION:
			if (!bench_parse_double(v, 0, 1, &fraction)) {
				fprintf(stderr, "tenet-bench scan: --fraction wants 0..1\n");
				return 2;
			}
			break;
		case OPT_COUNT:
			if (!bench_parse_count(v, &count)) {
				fprintf(stderr,
				        "tenet-bench scan: --count wants a positive integer\n");
				return 2;
			}
			break;
		case OPT_SIZES:
			g.nb_sizes = bench_parse_list(v, g.sizes, SC_MAX_SIZES, 64, 1518);
			if (!g.nb_sizes) {
				fprintf(stderr,
				        "tenet-bench scan: --sizes wants up to %d of "
				        "64..1518, comma-separated\n",
				        SC_MAX_SIZES);
				return 2;
			}
			break;
		case OPT_SCENARIOS:
			k = bench_parse_names(v, rs_name, NB_RS, g.scens);
			if (k < 0) {
				fprintf(stderr,
				        "tenet-bench scan: --scenarios wants a comma-separated "
				        "list of wire, nic-only, nic-scan, host-scan\n");
				return 2;
			}
			g.nb_scens = (unsigned int)k;
			break;
		default:
			fprintf(stderr,
			        "tenet-bench scan --real: unknown option or missing value '%s'\n",
			        argv[optind - 1]);
			sc_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tenet-bench scan --real: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	if (real_topo_init(&c, "scan")) {
		real_topo_fini(&c);
		return 1;
	}
	g.cells = calloc((size_t)g.nb_sizes * NB_RS, sizeof(*g.cells));
	if (!g.cells || real_topo_create(&c, true)) {
		if (!g.cells)
			fprintf(stderr, "tenet-bench scan: out of memory\n");
		real_topo_fini(&c);
		free(g.cells);
		return 1;
	}
	nb_runs = reps * g.nb_sizes * g.nb_scens;
	for (unsigned int rep = 0; rep < reps && !real_stop_req && !rc; rep++)
		for (unsigned int s = 0; s < g.nb_sizes && !real_stop_req && !rc; s++)
			for (unsigned int k = 0; k < g.nb_scens && !real_stop_req && !rc; k++) {
				struct rs_cell *cl = &g.cells[s * NB_RS + g.scens[k]];
				bool cons;

				fprintf(stderr, "%s[%u/%u] rep %u/%u, %u B, %s ...%s",
				        tty ? "\r" : "", done + 1, nb_runs, rep + 1, reps,
				        g.sizes[s], rs_name[g.scens[k]], tty ? "\033[K" : "\n");
				if (sc_once(&c, (enum rscen)g.scens[k], g.sizes[s], rate, count,
				            fraction, cl->run[cl->nb], &cons)) {
					rc = 1;
					break;
				}
				if (tty)
					fprintf(stderr, "\r\033[K");
				cl->nb++;
				cl->conserved = (cl->nb == 1 || cl->conserved) && cons;
				done++;
				rs_update(cl);
				if (!cons) {
					fprintf(stderr,
					        "\n*** WARNING: %u B, %s: packets NOT conserved in "
					        "the manager ***\n\n",
					        g.sizes[s], rs_name[g.scens[k]]);
					rc = 1;
				}
			}
	if (real_stop_req)
		fprintf(stderr, "\ntenet-bench scan: interrupted; results so far\n");
	if (json) {
		sc_json(stdout, &g, rate);
	} else {
		printf("tenet-bench scan --real: veth pair between two network namespaces, afxdp "
		       "port (XDP native on veth, AF_XDP copy mode); %.0f pps offered, %llu frames "
		       "per run, median of %u rep%s, adaptive, %ld CPUs online\n",
		       rate, (unsigned long long)count, reps, reps > 1 ? "s" : "",
		       sysconf(_SC_NPROCESSORS_ONLN));
		for (unsigned int k = 0; k < g.nb_scens; k++)
			printf("  %-10s %s\n", rs_name[g.scens[k]], rs_label[g.scens[k]]);
		sc_table(&g);
		sc_diffs(&g);
	}
	if (csv && sc_csv(csv, &g, rate)) {
		fprintf(stderr, "tenet-bench scan: cannot write %s\n", csv);
		rc = 1;
	}
	if (plot_dir && done && sc_plot(&c, plot_dir, &g, rate, reps) < 0)
		rc = 1;
	real_topo_fini(&c);
	free(g.cells);
	return real_stop_req ? 1 : rc;
}
