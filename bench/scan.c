/*
 * tenet-bench scan: processing latency of a payload scan run on the NIC or
 * on the host (the paper's Fig. 6 on this machine).
 *
 * Three scenarios, each a generated config run in-process by mgr_run():
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
 * temporary directory), the same generator (count-bounded, paced at a fixed
 * rate well below saturation, a fraction of payloads carrying a drop
 * pattern) and the same sink, whose latency histogram (generator stamp at
 * the NIC stage -> sink transmit) gives p50 / p99 / p99.9 over the packets
 * that were delivered. Packets the scan drops are reported apart from loss.
 *
 * Each repetition runs every (size, scenario) once with the scenarios
 * interleaved; the table shows, per (size, scenario), the median of each
 * figure over the repetitions separately (so one row's columns need not
 * come from one run), plus the range of p99. Every run must conserve
 * packets; one that does not is reported loudly and makes the exit status 1.
 */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/real.h"
#include "bench/util.h"
#include "bench/bench.h"
#include "mgr/mgr.h"
#include "tenet/log.h"

extern char **environ;

#define DEFAULT_COUNT    200000u
#define DEFAULT_RATE     20000.0
#define DEFAULT_FRACTION 0.01
#define DEFAULT_REPS     3
#define MAX_SIZES        16
#define MAX_REPS         15
#define NB_SCEN          3

enum scen { SCEN_NIC_ONLY, SCEN_NIC_SCAN, SCEN_HOST_SCAN };

static const char *const scen_name[NB_SCEN] = {"nic-only", "nic-scan", "host-scan"};
static const char *const scen_label[NB_SCEN] = {
        "(a) NIC scan, no host NF", "(b) NIC scan + host fwd", "(c) host scan + host fwd"};

/* The pattern file: four literals, as the NIC runs literals only. */
static const char patterns_txt[] = "# written by tenet-bench scan\n"
                                   "drop literal attack\n"
                                   "drop literal \\x90\\x90\\x90\\x90\\x90\\x90\\x90\\x90\n"
                                   "drop literal cmd.exe\n"
                                   "tag literal password=\n";

/* What the generator puts into 'fraction' of the payloads (the drop ones). */
static const char gen_patterns[] = "[attack, 'cmd.exe']";

/* The figures of one run. Latencies in us. */
struct outcome {
	struct mgr_result r;
	double p50, p99, p999, mean, max, loss_pct, scan_drop_pct, host_ns_per_pkt, nic_ns_per_pkt,
	        offered_pps;
};

#define NB_FIG 10

/* The figures of one outcome as an array, for the per-figure medians. */
static void figures(const struct outcome *o, double *v)
{
	v[0] = o->p50;
	v[1] = o->p99;
	v[2] = o->p999;
	v[3] = o->mean;
	v[4] = o->max;
	v[5] = o->loss_pct;
	v[6] = o->scan_drop_pct;
	v[7] = o->host_ns_per_pkt;
	v[8] = o->nic_ns_per_pkt;
	v[9] = o->offered_pps;
}

struct cell {
	unsigned int nb; /* repetitions done */
	struct outcome run[MAX_REPS];
	struct outcome med; /* per-figure medians (its r is the last run's) */
	double p99_min, p99_max;
	bool conserved;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench scan [--sizes LIST] [--scenarios LIST] [--rate PPS]\n"
	        "                        [--count N] [--fraction F] [--reps N] [--poll]\n"
	        "                        [--json] [--csv FILE] [--plot DIR] [--real]\n"
	        "\n"
	        "Payload scan latency, the paper's Fig. 6: where the scan runs and what it\n"
	        "costs in latency, measured below saturation. Each run starts the manager\n"
	        "in-process on a generated config: a gen port sending N frames at a fixed rate\n"
	        "(a fraction carrying a drop pattern), one tenant, a sink; scan patterns are 4\n"
	        "literals (the NIC runs literals only). Scenarios:\n"
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
	        "  --sizes LIST      frame sizes on the wire incl. FCS, 64..1518\n"
	        "                    (default 64,512,1518)\n"
	        "  --scenarios LIST  among nic-only,nic-scan,host-scan (default all three)\n"
	        "  --rate PPS        offered rate, packets/s (default %.0f); keep it well\n"
	        "                    below saturation or the figures are queueing delay\n"
	        "  --count N         frames per run (default %u)\n"
	        "  --fraction F      fraction 0..1 of payloads with a drop pattern (default\n"
	        "                    %.2f); at 64 B no pattern fits after the 16 B stamp\n"
	        "  --reps N          repetitions, 1..%d (default %d); each one runs every\n"
	        "                    (size, scenario), scenarios interleaved; the table shows\n"
	        "                    the median of each figure (the lower middle for even N)\n"
	        "  --poll            pure polling manager threads and NFs (default adaptive).\n"
	        "                    On a machine with few cores, several busy-polling threads\n"
	        "                    (NIC stage, dispatcher, 1-2 NFs) share them and latency is\n"
	        "                    expected to get worse, not better\n"
	        "  --json            print a JSON array (one object per size and scenario)\n"
	        "                    instead of the table\n"
	        "  --csv FILE        also write the results as CSV to FILE\n"
	        "  --plot DIR        also write DIR/scan-latency.png: p50 and p99 vs size per\n"
	        "                    scenario, side by side (needs gnuplot)\n"
	        "  --real            real interfaces: veth pairs in network namespaces, the\n"
	        "                    afxdp port and its XDP scan (root); its own options:\n"
	        "                    tenet-bench scan --real --help\n"
	        "  --help            this text\n"
	        "\n"
	        "Columns: latency percentiles in us from the generator's stamp (taken in the\n"
	        "NIC stage when the frame is produced) to the sink's transmit, over delivered\n"
	        "frames; scan%% = frames dropped by the scan (NIC or NF), in %% of frames in;\n"
	        "loss%% = frames dropped for any other reason; host ns/pkt = dispatcher + NF\n"
	        "CPU per frame in (at a low rate this includes the cost of waking up);\n"
	        "nic ns/pkt = the software NIC thread's CPU per frame in (not host CPU; it also\n"
	        "generates the frame and sleeps between frames).\n",
	        DEFAULT_RATE, DEFAULT_COUNT, DEFAULT_FRACTION, MAX_REPS, DEFAULT_REPS);
}

static int write_patterns(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(patterns_txt, f);
	return fclose(f) ? -errno : 0;
}

static int write_config(const char *path, const char *dir, const char *pats, const char *scan,
                        const char *fwd, unsigned int size, enum scen sc, double rate,
                        uint64_t count, double fraction)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "manager:\n  socket_dir: ");
	bench_yaml_quoted(f, dir);
	fprintf(f, "\n  stats_interval: 0\n");
	fprintf(f,
	        "ports:\n"
	        "  - {name: gen, driver: gen, steer: nic, rate: %.0f, count: %llu, size: %u,\n"
	        "     payload: {patterns: %s, fraction: %g}}\n"
	        "  - {name: sink, driver: sink}\n"
	        "tenants:\n"
	        "  - {name: alice}\n"
	        "services:\n",
	        rate, (unsigned long long)count, size, gen_patterns, fraction);
	fprintf(f, "  - {name: scan, tenant: alice, patterns: ");
	bench_yaml_quoted(f, pats);
	if (sc == SCEN_HOST_SCAN) {
		fprintf(f, ", command: [");
		bench_yaml_quoted(f, scan);
		fprintf(f, ", --patterns, ");
		bench_yaml_quoted(f, pats);
		fprintf(f, "]");
	}
	fprintf(f, "}\n");
	if (sc != SCEN_NIC_ONLY) {
		fprintf(f, "  - {name: fwd, tenant: alice, command: [");
		bench_yaml_quoted(f, fwd);
		fprintf(f, "]}\n");
	}
	fprintf(f, "chains:\n  - name: bench\n    hops: [");
	if (sc == SCEN_NIC_ONLY)
		fprintf(f, "{service: alice/scan, on: nic}");
	else if (sc == SCEN_NIC_SCAN)
		fprintf(f, "{service: alice/scan, on: nic}, alice/fwd");
	else
		fprintf(f, "alice/scan, alice/fwd");
	fprintf(f, "]\n    output: sink\n");
	return fclose(f) ? -errno : 0;
}

static void derive(struct outcome *o)
{
	const struct mgr_result *r = &o->r;
	double in = r->packets_in ? (double)r->packets_in : 1;
	uint64_t scan = r->drops[DROP_NIC_SCAN] + r->drops[DROP_NF_VERDICT];

	o->p50 = (double)r->lat.p50_ns / 1e3;
	o->p99 = (double)r->lat.p99_ns / 1e3;
	o->p999 = (double)r->lat.p999_ns / 1e3;
	o->mean = (double)r->lat.mean_ns / 1e3;
	o->max = (double)r->lat.max_ns / 1e3;
	o->scan_drop_pct = 100.0 * (double)scan / in;
	o->loss_pct = 100.0 * (double)(r->dropped - scan) / in;
	o->host_ns_per_pkt = (double)r->host_ns / in;
	o->nic_ns_per_pkt = (double)r->nic_ns / in;
	o->offered_pps = r->elapsed > 0 ? (double)r->packets_in / r->elapsed : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void cell_update(struct cell *c)
{
	double v[NB_FIG][MAX_REPS], med[NB_FIG];

	c->conserved = true;
	for (unsigned int i = 0; i < c->nb; i++) {
		double f[NB_FIG];

		figures(&c->run[i], f);
		for (unsigned int k = 0; k < NB_FIG; k++)
			v[k][i] = f[k];
		c->conserved &= c->run[i].r.conserved;
	}
	for (unsigned int k = 0; k < NB_FIG; k++) {
		qsort(v[k], c->nb, sizeof(double), cmp_double);
		med[k] = v[k][(c->nb - 1) / 2];
	}
	c->med.r = c->run[c->nb - 1].r;
	c->med.p50 = med[0];
	c->med.p99 = med[1];
	c->med.p999 = med[2];
	c->med.mean = med[3];
	c->med.max = med[4];
	c->med.loss_pct = med[5];
	c->med.scan_drop_pct = med[6];
	c->med.host_ns_per_pkt = med[7];
	c->med.nic_ns_per_pkt = med[8];
	c->med.offered_pps = med[9];
	c->p99_min = v[1][0];
	c->p99_max = v[1][c->nb - 1];
}

static const struct cell *cell_at(const struct cell *cells, unsigned int s, enum scen sc)
{
	const struct cell *c = &cells[s * NB_SCEN + sc];

	return c->nb ? c : NULL;
}

static void print_table(const struct cell *cells, const unsigned int *sizes, unsigned int nb_sizes,
                        const enum scen *scens, unsigned int nb_scens)
{
	printf("%5s %-10s %8s %8s %8s %8s %6s %6s %11s %10s %9s  %s\n", "size", "scenario",
	       "p50 us", "p99 us", "p99.9 us", "mean us", "scan%", "loss%", "host ns/pkt",
	       "nic ns/pkt", "conserved", "p99 min..max");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		for (unsigned int k = 0; k < nb_scens; k++) {
			const struct cell *c = cell_at(cells, s, scens[k]);
			const struct outcome *o = c ? &c->med : NULL;

			if (!o)
				continue;
			printf("%5u %-10s %8.1f %8.1f %8.1f %8.1f %6.2f %6.2f %11.0f %10.0f %9s "
			       " %.1f..%.1f\n",
			       sizes[s], scen_name[scens[k]], o->p50, o->p99, o->p999, o->mean,
			       o->scan_drop_pct, o->loss_pct, o->host_ns_per_pkt, o->nic_ns_per_pkt,
			       c->conserved ? "yes" : "NO!", c->p99_min, c->p99_max);
		}
	}
}

/* Differences of the medians, per size: what the NIC scan saves. */
static void print_diffs(const struct cell *cells, const unsigned int *sizes, unsigned int nb_sizes)
{
	printf("\nlatency differences of the medians, us (paper: NIC scan lower by up to 8 us)\n");
	printf("%5s %18s %18s %18s %18s\n", "size", "p50 host-nic scan", "p99 host-nic scan",
	       "p50 nic-scan - (a)", "p99 nic-scan - (a)");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		const struct cell *a = cell_at(cells, s, SCEN_NIC_ONLY);
		const struct cell *b = cell_at(cells, s, SCEN_NIC_SCAN);
		const struct cell *c = cell_at(cells, s, SCEN_HOST_SCAN);
		char t[4][24];

		if (!b)
			continue;
		snprintf(t[0], sizeof(t[0]), c ? "%+.1f" : "-", c ? c->med.p50 - b->med.p50 : 0);
		snprintf(t[1], sizeof(t[1]), c ? "%+.1f" : "-", c ? c->med.p99 - b->med.p99 : 0);
		snprintf(t[2], sizeof(t[2]), a ? "%+.1f" : "-", a ? b->med.p50 - a->med.p50 : 0);
		snprintf(t[3], sizeof(t[3]), a ? "%+.1f" : "-", a ? b->med.p99 - a->med.p99 : 0);
		printf("%5u %18s %18s %18s %18s\n", sizes[s], t[0], t[1], t[2], t[3]);
	}
}

static void print_json(FILE *f, const struct cell *cells, const unsigned int *sizes,
                       unsigned int nb_sizes, const enum scen *scens, unsigned int nb_scens,
                       double rate)
{
	bool first = true;

	fprintf(f, "[");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		for (unsigned int k = 0; k < nb_scens; k++) {
			const struct cell *c = cell_at(cells, s, scens[k]);
			const struct outcome *o;

			if (!c)
				continue;
			o = &c->med;
			fprintf(f,
			        "%s\n  {\"scenario\": \"%s\", \"size\": %u, \"p50_us\": %.2f, "
			        "\"p99_us\": %.2f, \"p999_us\": %.2f, \"mean_us\": %.2f, "
			        "\"max_us\": %.1f, \"scan_drop_pct\": %.3f, \"loss_pct\": %.3f, "
			        "\"host_ns_per_pkt\": %.1f, \"nic_ns_per_pkt\": %.1f, "
			        "\"rate_pps\": %.0f, \"offered_pps\": %.0f, \"conserved\": %s, "
			        "\"reps\": %u, \"p99_min_us\": %.2f, \"p99_max_us\": %.2f, "
			        "\"runs\": [",
			        first ? "" : ",", scen_name[scens[k]], sizes[s], o->p50, o->p99,
			        o->p999, o->mean, o->max, o->scan_drop_pct, o->loss_pct,
			        o->host_ns_per_pkt, o->nic_ns_per_pkt, rate, o->offered_pps,
			        c->conserved ? "true" : "false", c->nb, c->p99_min, c->p99_max);
			for (unsigned int i = 0; i < c->nb; i++) {
				const struct outcome *u = &c->run[i];

				fprintf(f,
				        "%s{\"p50_us\": %.2f, \"p99_us\": %.2f, \"p999_us\": %.2f, "
				        "\"packets_in\": %llu, \"delivered\": %llu, "
				        "\"latency_samples\": %llu, \"dispatcher_ns\": %llu, "
				        "\"nf_ns\": %llu, \"nic_ns\": %llu, \"drops\": {",
				        i ? ", " : "", u->p50, u->p99, u->p999,
				        (unsigned long long)u->r.packets_in,
				        (unsigned long long)u->r.delivered,
				        (unsigned long long)u->r.lat.count,
				        (unsigned long long)u->r.dispatcher_ns,
				        (unsigned long long)u->r.nf_ns,
				        (unsigned long long)u->r.nic_ns);
				for (unsigned int d = 0, n = 0; d < DROP_MAX; d++)
					if (u->r.drops[d])
						fprintf(f, "%s\"%s\": %llu", n++ ? ", " : "",
						        drop_reason_name((enum drop_reason)d),
						        (unsigned long long)u->r.drops[d]);
				fprintf(f, "}}");
			}
			fprintf(f, "]}");
			first = false;
		}
	}
	fprintf(f, "\n]\n");
}

static int write_csv(const char *path, const struct cell *cells, const unsigned int *sizes,
                     unsigned int nb_sizes, const enum scen *scens, unsigned int nb_scens,
                     double rate)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "size,scenario,p50_us,p99_us,p999_us,mean_us,max_us,scan_drop_pct,loss_pct,"
	           "host_ns_per_pkt,nic_ns_per_pkt,rate_pps,offered_pps,conserved,reps,"
	           "p99_min_us,p99_max_us\n");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		for (unsigned int k = 0; k < nb_scens; k++) {
			const struct cell *c = cell_at(cells, s, scens[k]);
			const struct outcome *o;

			if (!c)
				continue;
			o = &c->med;
			fprintf(f,
			        "%u,%s,%.2f,%.2f,%.2f,%.2f,%.1f,%.3f,%.3f,%.1f,%.1f,%.0f,%.0f,%s,%"
			        "u,"
			        "%.2f,%.2f\n",
			        sizes[s], scen_name[scens[k]], o->p50, o->p99, o->p999, o->mean,
			        o->max, o->scan_drop_pct, o->loss_pct, o->host_ns_per_pkt,
			        o->nic_ns_per_pkt, rate, o->offered_pps,
			        c->conserved ? "true" : "false", c->nb, c->p99_min, c->p99_max);
		}
	}
	return fclose(f) ? -errno : 0;
}

/*
 * The plot via gnuplot: data in tmp/scan.dat (one block per scenario), the
 * script in tmp/scan.gp. Returns 0, 1 if gnuplot is missing (said on err),
 * or -1 on failure (said on err).
 */
static int plot(FILE *err, const char *tmp, const char *outdir, const struct cell *cells,
                const unsigned int *sizes, unsigned int nb_sizes, const enum scen *scens,
                unsigned int nb_scens, double rate, unsigned int reps, bool poll)
{
	static const char *const color[NB_SCEN] = {"#1b9e77", "#d95f02", "#7570b3"};
	char dat[PATH_MAX], gp[PATH_MAX];
	char *args[] = {"gnuplot", gp, NULL};
	FILE *f;
	pid_t pid;
	int st, e;

	snprintf(dat, sizeof(dat), "%s/scan.dat", tmp);
	snprintf(gp, sizeof(gp), "%s/scan.gp", tmp);
	if (mkdir(outdir, 0777) && errno != EEXIST) {
		fprintf(err, "tenet-bench scan: cannot create %s: %s\n", outdir, strerror(errno));
		return -1;
	}
	f = fopen(dat, "w");
	if (!f)
		goto err_write;
	for (unsigned int k = 0; k < nb_scens; k++) {
		fprintf(f, "# %s: size p50_us p99_us p99_min p99_max\n", scen_name[scens[k]]);
		for (unsigned int s = 0; s < nb_sizes; s++) {
			const struct cell *c = cell_at(cells, s, scens[k]);

			if (c)
				fprintf(f, "%u %.2f %.2f %.2f %.2f\n", sizes[s], c->med.p50,
				        c->med.p99, c->p99_min, c->p99_max);
		}
		fprintf(f, "\n\n");
	}
	if (fclose(f))
		goto err_write;

	f = fopen(gp, "w");
	if (!f)
		goto err_write;
	fprintf(f,
	        "set terminal pngcairo size 1200,560 font 'sans,11'\n"
	        "set output '%s/scan-latency.png'\n"
	        "set multiplot layout 1,2 title \"tenet-bench scan: latency NIC stage -> sink, "
	        "%.0f pps, median of %u (%s)\"\n"
	        "set grid\nset key top left box\n"
	        "set logscale x 2\nset xrange [56:1750]\nset xtics (",
	        outdir, rate, reps, poll ? "poll" : "adaptive");
	for (unsigned int s = 0; s < nb_sizes; s++)
		fprintf(f, "%s%u", s ? ", " : "", sizes[s]);
	fprintf(f, ")\nset xlabel 'frame size on the wire (B)'\n"
	           "set title 'p50'\nset ylabel 'p50 latency (us)'\n"
	           "set yrange [0:*]\nset offsets 0, 0, graph 0.25, 0\nplot ");
	for (unsigned int k = 0; k < nb_scens; k++)
		fprintf(f,
		        "%s'%s' index %u using 1:2 with linespoints lw 2 pt 7 lc rgb '%s' title "
		        "'%s'",
		        k ? ", " : "", dat, k, color[scens[k]], scen_label[scens[k]]);
	fprintf(f, "\nset title 'p99 (bars: min..max over the repetitions; log scale)'\n"
	           "set ylabel 'p99 latency (us)'\nset logscale y\nset yrange [*:*]\n"
	           "set offsets 0, 0, graph 0.25, 0\nplot "); /* room for the key */
	for (unsigned int k = 0; k < nb_scens; k++)
		fprintf(f,
		        "%s'%s' index %u using 1:3:4:5 with yerrorlines lw 2 pt 7 lc rgb '%s' "
		        "title '%s'",
		        k ? ", " : "", dat, k, color[scens[k]], scen_label[scens[k]]);
	fprintf(f, "\nunset multiplot");
	fprintf(f, "\n");
	if (fclose(f))
		goto err_write;

	fflush(stdout);
	e = posix_spawnp(&pid, "gnuplot", NULL, NULL, args, environ);
	if (e == ENOENT) {
		fprintf(err, "tenet-bench scan: gnuplot not found (apt-get install gnuplot-nox); "
		             "no plot written\n");
		return 1;
	}
	if (e) {
		fprintf(err, "tenet-bench scan: cannot run gnuplot: %s\n", strerror(e));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(err, "tenet-bench scan: gnuplot failed; no plot written\n");
		return -1;
	}
	fprintf(err, "tenet-bench scan: wrote %s/scan-latency.png\n", outdir);
	return 0;

err_write:
	fprintf(err, "tenet-bench scan: cannot write plot data in %s: %s\n", tmp, strerror(errno));
	if (f)
		fclose(f);
	return -1;
}

/* Remove what the runs and the plot left in the temporary directory. */
static void remove_dir(const char *dir)
{
	static const char *const files[] = {"scan.yaml", "patterns.txt", "run.log", "scan.dat",
	                                    "scan.gp"};
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int parse_scens(const char *v, enum scen *scens, unsigned int *nb)
{
	bool seen[NB_SCEN] = {false};
	char buf[64], *save = NULL;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	*nb = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned int k;

		for (k = 0; k < NB_SCEN && strcmp(t, scen_name[k]); k++)
			;
		if (k == NB_SCEN || seen[k])
			return -1;
		seen[k] = true;
		scens[(*nb)++] = (enum scen)k;
	}
	return *nb ? 0 : -1;
}

/* A finite number in lo..hi; -1 if v is not one. */
static int parse_num(const char *v, double lo, double hi, double *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v || *end || !(x >= lo && x <= hi))
		return -1;
	*out = x;
	return 0;
}

int bench_scan(int argc, char **argv)
{
	unsigned int sizes[MAX_SIZES] = {64, 512, 1518};
	unsigned int nb_sizes = 3, nb_scens = NB_SCEN, reps = DEFAULT_REPS, nb_runs, done = 0;
	enum scen scens[NB_SCEN] = {SCEN_NIC_ONLY, SCEN_NIC_SCAN, SCEN_HOST_SCAN};
	uint64_t count = DEFAULT_COUNT;
	double rate = DEFAULT_RATE, fraction = DEFAULT_FRACTION;
	const char *csv = NULL, *plot_dir = NULL;
	char dir[] = "/tmp/tenet-bench-scan-XXXXXX", fwd[PATH_MAX], scan[PATH_MAX], cfg[PATH_MAX],
	     log[PATH_MAX], pats[PATH_MAX];
	bool json = false, poll = false, stop = false, tty = isatty(STDERR_FILENO);
	struct cell *cells;
	int rc = 0;
	FILE *err;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--real"))
			return bench_scan_real(argc, argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--poll")) {
			poll = true;
		} else if (!strcmp(a, "--csv") && v) {
			csv = v;
			i++;
		} else if (!strcmp(a, "--plot") && v) {
			plot_dir = v;
			i++;
		} else if (!strcmp(a, "--count") && v) {
			if (!bench_parse_count(v, &count)) {
				fprintf(stderr,
				        "tenet-bench scan: --count wants a positive integer\n");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--rate") && v) {
			if (parse_num(v, 1, 1e8, &rate)) {
				fprintf(stderr, "tenet-bench scan: --rate wants 1..1e8 packets/s "
				                "(a fixed rate: latency is measured below "
				                "saturation)\n");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--fraction") && v) {
			if (parse_num(v, 0, 1, &fraction)) {
				fprintf(stderr, "tenet-bench scan: --fraction wants 0..1\n");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--reps") && v) {
			unsigned int r[1];

			if (bench_parse_list(v, r, 1, 1, MAX_REPS) != 1) {
				fprintf(stderr, "tenet-bench scan: --reps wants 1..%d\n", MAX_REPS);
				return 2;
			}
			reps = r[0];
			i++;
		} else if (!strcmp(a, "--sizes") && v) {
			nb_sizes = bench_parse_list(v, sizes, MAX_SIZES, 64, 1518);
			if (!nb_sizes) {
				fprintf(stderr,
				        "tenet-bench scan: --sizes wants up to %d of 64..1518, "
				        "comma-separated\n",
				        MAX_SIZES);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--scenarios") && v) {
			if (parse_scens(v, scens, &nb_scens)) {
				fprintf(stderr, "tenet-bench scan: --scenarios wants a "
				                "comma-separated list of nic-only, nic-scan, "
				                "host-scan (each once)\n");
				return 2;
			}
			i++;
		} else {
			fprintf(stderr, "tenet-bench scan: unknown option or missing value '%s'\n",
			        a);
			usage(stderr);
			return 2;
		}
	}

	rc = bench_nf_path("fwd", fwd, sizeof(fwd));
	if (!rc)
		rc = bench_nf_path("scan", scan, sizeof(scan));
	if (rc) {
		fprintf(stderr, "tenet-bench scan: no NF at %s: %s (run make first)\n",
		        scan[0] ? scan : fwd, strerror(-rc));
		return 1;
	}
	cells = calloc((size_t)nb_sizes * NB_SCEN, sizeof(*cells));
	if (!cells || !mkdtemp(dir)) {
		fprintf(stderr, "tenet-bench scan: %s\n", strerror(errno));
		free(cells);
		return 1;
	}
	snprintf(cfg, sizeof(cfg), "%s/scan.yaml", dir);
	snprintf(log, sizeof(log), "%s/run.log", dir);
	snprintf(pats, sizeof(pats), "%s/patterns.txt", dir);
	rc = write_patterns(pats);
	if (rc) {
		fprintf(stderr, "tenet-bench scan: cannot write %s: %s\n", pats, strerror(-rc));
		free(cells);
		remove_dir(dir);
		return 1;
	}
	/* progress and warnings go to the real stderr while runs redirect fd 2 */
	err = bench_err_open();
	if (!err) {
		fprintf(stderr, "tenet-bench scan: %s\n", strerror(errno));
		free(cells);
		remove_dir(dir);
		return 1;
	}
	tenet_set_log_level(TENET_LOG_WARN);

	nb_runs = reps * nb_sizes * nb_scens;
	for (unsigned int rep = 0; rep < reps && !stop; rep++) {
		for (unsigned int s = 0; s < nb_sizes && !stop; s++) {
			for (unsigned int k = 0; k < nb_scens && !stop; k++) {
				struct cell *c = &cells[s * NB_SCEN + scens[k]];
				struct outcome *o = &c->run[c->nb];
				int e, r;

				fprintf(err, "%s[%u/%u] rep %u/%u, %u B, %s ...%s", tty ? "\r" : "",
				        done + 1, nb_runs, rep + 1, reps, sizes[s],
				        scen_name[scens[k]], tty ? "\033[K" : "\n");
				e = write_config(cfg, dir, pats, scan, fwd, sizes[s], scens[k],
				                 rate, count, fraction);
				if (e) {
					fprintf(err, "tenet-bench scan: cannot write %s: %s\n", cfg,
					        strerror(-e));
					rc = 1;
					stop = true;
					break;
				}
				memset(o, 0, sizeof(*o));
				r = bench_run_mgr(cfg, log, poll, 0, err, &o->r);
				if (tty)
					fprintf(err, "\r\033[K");
				if (r != 0 && r != 3) {
					fprintf(err,
					        "tenet-bench scan: run failed (exit %d); "
					        "stopping\n",
					        r);
					rc = 1;
					stop = true;
					break;
				}
				derive(o);
				c->nb++;
				done++;
				cell_update(c);
				if (!o->r.conserved) {
					fprintf(err,
					        "\n*** WARNING: %u B, %s, rep %u: packets NOT "
					        "conserved (in %llu, delivered %llu, dropped %llu) "
					        "***\n\n",
					        sizes[s], scen_name[scens[k]], rep + 1,
					        (unsigned long long)o->r.packets_in,
					        (unsigned long long)o->r.delivered,
					        (unsigned long long)o->r.dropped);
					rc = 1;
				}
				if (o->r.packets_in < count) {
					/* a signal stopped the run before the generator finished */
					fprintf(err,
					        "tenet-bench scan: run stopped early (%llu of %llu "
					        "frames sent); stopping\n",
					        (unsigned long long)o->r.packets_in,
					        (unsigned long long)count);
					rc = 1;
					stop = true;
				}
			}
		}
	}

	if (json) {
		print_json(stdout, cells, sizes, nb_sizes, scens, nb_scens, rate);
	} else {
		printf("tenet-bench scan: %.0f pps offered, %llu frames per run, %g of payloads "
		       "with a drop pattern, median of %u rep%s, %s, %ld CPUs online\n",
		       rate, (unsigned long long)count, fraction, reps, reps > 1 ? "s" : "",
		       poll ? "poll" : "adaptive", sysconf(_SC_NPROCESSORS_ONLN));
		for (unsigned int k = 0; k < nb_scens; k++)
			printf("  %-10s %s\n", scen_name[scens[k]], scen_label[scens[k]]);
		print_table(cells, sizes, nb_sizes, scens, nb_scens);
		print_diffs(cells, sizes, nb_sizes);
	}
	if (csv) {
		int e = write_csv(csv, cells, sizes, nb_sizes, scens, nb_scens, rate);

		if (e) {
			fprintf(err, "tenet-bench scan: cannot write %s: %s\n", csv, strerror(-e));
			rc = 1;
		}
	}
	if (plot_dir && done &&
	    plot(err, dir, plot_dir, cells, sizes, nb_sizes, scens, nb_scens, rate, reps, poll) < 0)
		rc = 1;
	remove_dir(dir);
	fclose(err);
	free(cells);
	return rc;
}
