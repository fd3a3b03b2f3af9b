/*
 * tenet-bench steer: where ingress classification runs, and what it costs
 * (the paper's Fig. 5 on this machine).
 *
 * For each frame size (64..1518 B) and each steer mode - nic (the NIC
 * stage classifies and DMAs straight into the tenant pool), cpu (DMA into
 * the ingress pool, then a router thread classifies and copies) and shared
 * (one global pool, the dispatcher classifies: the OpenNetVM baseline) -
 * the benchmark pushes N frames through a two-NF same-tenant chain
 * alice/fwd -> alice/fwd2 (build/nf/fwd twice) into a sink.
 *
 * A run is the real platform: a generated YAML config in a temporary
 * directory (count-bounded gen port at full speed, a sink, one tenant, two
 * services, one chain) and mgr_run() in-process with quiet output, which
 * starts the NFs as processes and stops once the generator is done and
 * nothing is in flight. All figures come from the manager's counters
 * (struct mgr_result): delivered Mpps and on-wire Gbps, loss, host CPU per
 * delivered packet (dispatcher + router + NF processes), the NIC stage's
 * CPU per packet in (apart from host CPU: it is the software NIC, and it
 * includes generating the frame), and copies per packet.
 *
 * Noise on a small machine is large, so each repetition runs every
 * (size, steer) once with the steer modes interleaved, and the table shows,
 * per (size, steer), the run with the median delivered rate (all its
 * figures from that one run). Ratios nic/shared and nic/cpu are computed
 * from those medians, side by side per size. Every run must conserve
 * packets (in == delivered + dropped); one that does not is reported
 * loudly and makes the exit status 1.
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

#define DEFAULT_COUNT 2000000u
#define DEFAULT_REPS  3
#define MAX_SIZES     16
#define MAX_REPS      15
#define NB_STEER      3

enum steer { STEER_NIC, STEER_CPU, STEER_SHARED };

static const char *const steer_name[NB_STEER] = {"nic", "cpu", "shared"};

/* Copies of each frame on ingress that the mode implies (DESIGN.md sec. 5). */
static const unsigned int ingress_copies[NB_STEER] = {1, 2, 1};

struct outcome {
	unsigned int size;
	enum steer steer;
	struct mgr_result r;
	double mpps, gbps, loss_pct, host_ns_per_pkt, host_ns_per_in, nic_ns_per_pkt,
	        copies_per_pkt;
};

/* The median run of one (size, steer) and how the repetitions spread. */
struct cell {
	unsigned int nb; /* repetitions done */
	struct outcome run[MAX_REPS];
	const struct outcome *median; /* NULL until a run is done */
	double mpps_min, mpps_max;
	bool conserved; /* every repetition conserved */
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench steer [--sizes LIST] [--steer LIST] [--count N] [--reps N]\n"
	        "                         [--poll] [--json] [--csv FILE] [--plot DIR]\n"
	        "       tenet-bench steer --real [OPTIONS]   (veth + XDP + AF_XDP, root;\n"
	        "                                           see tenet-bench steer --real --help)\n"
	        "\n"
	        "Ingress steering, the paper's Fig. 5: throughput and host CPU per packet vs\n"
	        "frame size for steer nic (the NIC classifies and DMAs into the tenant pool),\n"
	        "cpu (a router thread classifies and copies from an ingress pool) and shared\n"
	        "(one pool for all, the dispatcher classifies; no isolation). Each run starts\n"
	        "the manager in-process on a generated config: a gen port sending N frames as\n"
	        "fast as it can, a 2-NF chain alice/fwd -> alice/fwd2 (build/nf/fwd), a sink.\n"
	        "\n"
	        "  --sizes LIST   frame sizes on the wire incl. FCS, 64..1518\n"
	        "                 (default 64,128,256,512,1024,1518)\n"
	        "  --steer LIST   modes among nic,cpu,shared (default all three)\n"
	        "  --count N      frames per run (default %u)\n"
	        "  --reps N       repetitions, 1..%d (default %d); each one runs every\n"
	        "                 (size, steer) with the modes interleaved; the table shows\n"
	        "                 the run with the median Mpps (the lower middle for even N)\n"
	        "  --poll         pure polling manager threads (default adaptive)\n"
	        "  --json         print a JSON array (one object per size and mode) instead\n"
	        "                 of the table\n"
	        "  --csv FILE     also write the results as CSV to FILE\n"
	        "  --plot DIR     also write DIR/steer-throughput.png and DIR/steer-hostns.png\n"
	        "                 (needs gnuplot, e.g. Debian's gnuplot-nox)\n"
	        "  --help         this text\n"
	        "\n"
	        "Columns: Mpps delivered (delivered/elapsed); Gbps on the wire\n"
	        "(Mpps x (size + 20 B preamble and gap) x 8); loss %% of frames in; host CPU\n"
	        "ns per delivered packet (dispatcher + router + NF processes); NIC-stage CPU\n"
	        "ns per frame in (the software NIC's thread, which also generates the frame;\n"
	        "not host CPU); copies per delivered packet = the ingress copies the mode\n"
	        "implies (nic 1: the DMA; cpu 2: DMA + router copy; shared 1), which the\n"
	        "manager does not count, plus the cross-tenant copies it counts (0 here);\n"
	        "Mpps range over the repetitions.\n",
	        DEFAULT_COUNT, MAX_REPS, DEFAULT_REPS);
}

static int write_config(const char *path, const char *dir, const char *fwd, unsigned int size,
                        enum steer steer, uint64_t count)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "manager:\n  socket_dir: ");
	bench_yaml_quoted(f, dir);
	fprintf(f, "\n  stats_interval: 0\n");
	fprintf(f,
	        "ports:\n"
	        "  - {name: gen, driver: gen, steer: %s, rate: 0, count: %llu, size: %u}\n"
	        "  - {name: sink, driver: sink}\n"
	        "tenants:\n"
	        "  - {name: alice}\n"
	        "services:\n",
	        steer_name[steer], (unsigned long long)count, size);
	fprintf(f, "  - {name: fwd, tenant: alice, command: [");
	bench_yaml_quoted(f, fwd);
	fprintf(f, "]}\n  - {name: fwd2, tenant: alice, command: [");
	bench_yaml_quoted(f, fwd);
	fprintf(f, "]}\n"
	           "chains:\n"
	           "  - name: bench\n"
	           "    hops: [alice/fwd, alice/fwd2]\n"
	           "    output: sink\n");
	return fclose(f) ? -errno : 0;
}

static void derive(struct outcome *o)
{
	const struct mgr_result *r = &o->r;
	double el = r->elapsed > 0 ? r->elapsed : 1e-9;
	double in = r->packets_in ? (double)r->packets_in : 1;
	double out = r->delivered ? (double)r->delivered : 1;

	o->mpps = (double)r->delivered / el / 1e6;
	o->gbps = o->mpps * (o->size + 20) * 8 / 1000;
	o->loss_pct = 100.0 * (double)r->dropped / in;
	o->host_ns_per_pkt = (double)r->host_ns / out;
	o->host_ns_per_in = (double)r->host_ns / in;
	o->nic_ns_per_pkt = (double)r->nic_ns / in;
	o->copies_per_pkt = ingress_copies[o->steer] + (double)r->copies / out;
}

static int cmp_mpps(const void *a, const void *b)
{
	const struct outcome *x = *(const struct outcome *const *)a;
	const struct outcome *y = *(const struct outcome *const *)b;

	return (x->mpps > y->mpps) - (x->mpps < y->mpps);
}

static void cell_update(struct cell *c)
{
	const struct outcome *v[MAX_REPS];

	c->conserved = true;
	for (unsigned int i = 0; i < c->nb; i++) {
		v[i] = &c->run[i];
		c->conserved &= c->run[i].r.conserved;
	}
	qsort(v, c->nb, sizeof(v[0]), cmp_mpps);
	c->median = v[(c->nb - 1) / 2];
	c->mpps_min = v[0]->mpps;
	c->mpps_max = v[c->nb - 1]->mpps;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_table(const struct cell *cells, const unsigned int *sizes, unsigned int nb_sizes,
                        const enum steer *steers, unsigned int nb_steers)
{
	printf("%5s %-6s %7s %7s %6s %11s %10s %10s %9s  %s\n", "size", "steer", "Mpps", "Gbps",
	       "loss%", "host ns/pkt", "nic ns/pkt", "copies/pkt", "conserved", "Mpps min..max");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		for (unsigned int k = 0; k < nb_steers; k++) {
			const struct cell *c = &cells[s * NB_STEER + steers[k]];
			const struct outcome *o = c->median;

			if (!o)
				continue;
			printf("%5u %-6s %7.3f %7.3f %6.2f %11.0f %10.0f %10.2f %9s "
			       "%7.3f..%.3f\n",
			       sizes[s], steer_name[steers[k]], o->mpps, o->gbps, o->loss_pct,
			       o->host_ns_per_pkt, o->nic_ns_per_pkt, o->copies_per_pkt,
			       c->conserved ? "yes" : "NO!", c->mpps_min, c->mpps_max);
		}
	}
}

/* Ratios from the medians, per size; only for the pairs that ran. */
static void print_ratios(const struct cell *cells, const unsigned int *sizes, unsigned int nb_sizes)
{
	printf("\nratios of the medians (paper: Mpps nic >= 0.95 x shared and > cpu; host ns nic < "
	       "cpu)\n");
	printf("%5s %16s %12s %18s %14s\n", "size", "Mpps nic/shared", "Mpps nic/cpu",
	       "host ns nic/shared", "host ns nic/cpu");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		const struct outcome *n = cells[s * NB_STEER + STEER_NIC].median;
		const struct outcome *c = cells[s * NB_STEER + STEER_CPU].median;
		const struct outcome *h = cells[s * NB_STEER + STEER_SHARED].median;
		char b[4][16];

		if (!n)
			continue;
		snprintf(b[0], sizeof(b[0]), h ? "%.3f" : "-", h ? ratio(n->mpps, h->mpps) : 0);
		snprintf(b[1], sizeof(b[1]), c ? "%.3f" : "-", c ? ratio(n->mpps, c->mpps) : 0);
		snprintf(b[2], sizeof(b[2]), h ? "%.3f" : "-",
		         h ? ratio(n->host_ns_per_pkt, h->host_ns_per_pkt) : 0);
		snprintf(b[3], sizeof(b[3]), c ? "%.3f" : "-",
		         c ? ratio(n->host_ns_per_pkt, c->host_ns_per_pkt) : 0);
		printf("%5u %16s %12s %18s %14s\n", sizes[s], b[0], b[1], b[2], b[3]);
	}
}

static void print_json(FILE *f, const struct cell *cells, const unsigned int *sizes,
                       unsigned int nb_sizes, const enum steer *steers, unsigned int nb_steers)
{
	bool first = true;

	fprintf(f, "[");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		for (unsigned int k = 0; k < nb_steers; k++) {
			const struct cell *c = &cells[s * NB_STEER + steers[k]];
			const struct outcome *o = c->median;

			if (!o)
				continue;
			fprintf(f,
			        "%s\n  {\"steer\": \"%s\", \"size\": %u, \"mpps\": %.4f, "
			        "\"gbps\": %.4f, \"host_ns_per_pkt\": %.1f, \"nic_ns_per_pkt\": "
			        "%.1f, \"copies_per_pkt\": %.4f, \"loss_pct\": %.3f, "
			        "\"conserved\": %s, \"delivered\": %llu, \"packets_in\": %llu, "
			        "\"elapsed_s\": %.4f, \"offered_mpps\": %.4f, \"reps\": %u, "
			        "\"mpps_min\": %.4f, \"mpps_max\": %.4f, \"dispatcher_ns\": %llu, "
			        "\"router_ns\": %llu, \"nf_ns\": %llu, \"nic_ns\": %llu, "
			        "\"host_ns_per_pkt_in\": %.1f, \"max_lat_us\": %.1f, \"drops\": {",
			        first ? "" : ",", steer_name[o->steer], sizes[s], o->mpps, o->gbps,
			        o->host_ns_per_pkt, o->nic_ns_per_pkt, o->copies_per_pkt,
			        o->loss_pct, c->conserved ? "true" : "false",
			        (unsigned long long)o->r.delivered,
			        (unsigned long long)o->r.packets_in, o->r.elapsed,
			        o->r.elapsed > 0 ? (double)o->r.packets_in / o->r.elapsed / 1e6 : 0,
			        c->nb, c->mpps_min, c->mpps_max,
			        (unsigned long long)o->r.dispatcher_ns,
			        (unsigned long long)o->r.router_ns, (unsigned long long)o->r.nf_ns,
			        (unsigned long long)o->r.nic_ns, o->host_ns_per_in,
			        (double)o->r.lat.max_ns / 1e3);
			for (unsigned int d = 0, n = 0; d < DROP_MAX; d++)
				if (o->r.drops[d])
					fprintf(f, "%s\"%s\": %llu", n++ ? ", " : "",
					        drop_reason_name((enum drop_reason)d),
					        (unsigned long long)o->r.drops[d]);
			fprintf(f, "}}");
			first = false;
		}
	}
	fprintf(f, "\n]\n");
}

static int write_csv(const char *path, const struct cell *cells, const unsigned int *sizes,
                     unsigned int nb_sizes, const enum steer *steers, unsigned int nb_steers)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "size,steer,mpps,gbps,loss_pct,host_ns_per_pkt,nic_ns_per_pkt,copies_per_pkt,"
	           "conserved,delivered,packets_in,elapsed_s,reps,mpps_min,mpps_max,host_ns_per_"
	           "pkt_in,"
	           "dispatcher_ns,router_ns,nf_ns,nic_ns\n");
	for (unsigned int s = 0; s < nb_sizes; s++) {
		for (unsigned int k = 0; k < nb_steers; k++) {
			const struct cell *c = &cells[s * NB_STEER + steers[k]];
			const struct outcome *o = c->median;

			if (!o)
				continue;
			fprintf(f,
			        "%u,%s,%.4f,%.4f,%.3f,%.1f,%.1f,%.4f,%s,%llu,%llu,%.4f,%u,%.4f,%."
			        "4f,"
			        "%.1f,%llu,%llu,%llu,%llu\n",
			        sizes[s], steer_name[o->steer], o->mpps, o->gbps, o->loss_pct,
			        o->host_ns_per_pkt, o->nic_ns_per_pkt, o->copies_per_pkt,
			        c->conserved ? "true" : "false", (unsigned long long)o->r.delivered,
			        (unsigned long long)o->r.packets_in, o->r.elapsed, c->nb,
			        c->mpps_min, c->mpps_max, o->host_ns_per_in,
			        (unsigned long long)o->r.dispatcher_ns,
			        (unsigned long long)o->r.router_ns, (unsigned long long)o->r.nf_ns,
			        (unsigned long long)o->r.nic_ns);
		}
	}
	return fclose(f) ? -errno : 0;
}

/*
 * Plots via gnuplot: the data go to tmp/steer.dat (one block per mode),
 * the script to tmp/steer.gp. Returns 0, 1 if gnuplot is missing (said
 * on err), or -1 on failure (said on err).
 */
static int plot(FILE *err, const char *tmp, const char *outdir, const struct cell *cells,
                const unsigned int *sizes, unsigned int nb_sizes, const enum steer *steers,
                unsigned int nb_steers, uint64_t count, unsigned int reps, bool poll)
{
	static const char *const color[NB_STEER] = {"#1b9e77", "#d95f02", "#7570b3"};
	char dat[PATH_MAX], gp[PATH_MAX];
	char *args[] = {"gnuplot", gp, NULL};
	FILE *f;
	pid_t pid;
	int st, e;

	snprintf(dat, sizeof(dat), "%s/steer.dat", tmp);
	snprintf(gp, sizeof(gp), "%s/steer.gp", tmp);
	if (mkdir(outdir, 0777) && errno != EEXIST) {
		fprintf(err, "tenet-bench steer: cannot create %s: %s\n", outdir, strerror(errno));
		return -1;
	}
	f = fopen(dat, "w");
	if (!f)
		goto err_write;
	for (unsigned int k = 0; k < nb_steers; k++) {
		fprintf(f, "# steer %s: size mpps gbps host_ns_per_pkt mpps_min mpps_max\n",
		        steer_name[steers[k]]);
		for (unsigned int s = 0; s < nb_sizes; s++) {
			const struct cell *c = &cells[s * NB_STEER + steers[k]];

			if (c->median)
				fprintf(f, "%u %.4f %.4f %.1f %.4f %.4f\n", sizes[s],
				        c->median->mpps, c->median->gbps,
				        c->median->host_ns_per_pkt, c->mpps_min, c->mpps_max);
		}
		fprintf(f, "\n\n");
	}
	if (fclose(f))
		goto err_write;

	f = fopen(gp, "w");
	if (!f)
		goto err_write;
	fprintf(f, "set terminal pngcairo size 960,600 font 'sans,11'\n"
	           "set grid\nset key tmargin center horizontal box\n"
	           "set logscale x 2\nset xrange [56:1750]\nset xtics (");
	for (unsigned int s = 0; s < nb_sizes; s++)
		fprintf(f, "%s%u", s ? ", " : "", sizes[s]);
	fprintf(f, ")\nset xlabel 'frame size on the wire (B)'\n"
	           "set offsets 0, 0, graph 0.08, 0\nset yrange [0:*]\n");
	/* throughput: Mpps solid with the rep range as error bars, Gbps dashed on y2 */
	fprintf(f,
	        "set output '%s/steer-throughput.png'\n"
	        "set title \"tenet-bench steer: 2-NF chain alice/fwd -> alice/fwd2, %llu "
	        "frames/run, "
	        "median of %u (%s)\"\n"
	        "set ylabel 'Mpps delivered (solid)'\nset y2label 'Gbps on the wire (dashed)'\n"
	        "set y2range [0:*]\nset ytics nomirror\nset y2tics\nplot ",
	        outdir, (unsigned long long)count, reps, poll ? "poll" : "adaptive");
	for (unsigned int k = 0; k < nb_steers; k++)
		fprintf(f,
		        "%s'%s' index %u using 1:2:5:6 with yerrorlines lw 2 pt 7 lc rgb '%s' "
		        "title '%s Mpps', '' index %u using 1:3 axes x1y2 with linespoints dt 2 "
		        "pt 6 lc rgb '%s' title '%s Gbps'",
		        k ? ", " : "", dat, k, color[steers[k]], steer_name[steers[k]], k,
		        color[steers[k]], steer_name[steers[k]]);
	fprintf(f,
	        "\nunset y2label\nunset y2tics\nset ytics mirror\n"
	        "set output '%s/steer-hostns.png'\n"
	        "set title \"tenet-bench steer: host CPU per delivered packet (dispatcher + "
	        "router + NFs), median run of %u\"\n"
	        "set ylabel 'host CPU ns / packet'\nplot ",
	        outdir, reps);
	for (unsigned int k = 0; k < nb_steers; k++)
		fprintf(f,
		        "%s'%s' index %u using 1:4 with linespoints lw 2 pt 7 lc rgb '%s' title "
		        "'%s'",
		        k ? ", " : "", dat, k, color[steers[k]], steer_name[steers[k]]);
	fprintf(f, "\n");
	if (fclose(f))
		goto err_write;

	fflush(stdout);
	e = posix_spawnp(&pid, "gnuplot", NULL, NULL, args, environ);
	if (e == ENOENT) {
		fprintf(err, "tenet-bench steer: gnuplot not found (apt-get install gnuplot-nox); "
		             "no plots written\n");
		return 1;
	}
	if (e) {
		fprintf(err, "tenet-bench steer: cannot run gnuplot: %s\n", strerror(e));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(err, "tenet-bench steer: gnuplot failed; no plots written\n");
		return -1;
	}
	fprintf(err, "tenet-bench steer: wrote %s/steer-throughput.png and %s/steer-hostns.png\n",
	        outdir, outdir);
	return 0;

err_write:
	fprintf(err, "tenet-bench steer: cannot write plot data in %s: %s\n", tmp, strerror(errno));
	if (f)
		fclose(f);
	return -1;
}

/* Remove what the runs and the plot left in the temporary directory. */
static void remove_dir(const char *dir)
{
	static const char *const files[] = {"steer.yaml", "run.log", "steer.dat", "steer.gp"};
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int parse_steers(const char *v, enum steer *steers, unsigned int *nb)
{
	bool seen[NB_STEER] = {false};
	char buf[64], *save = NULL;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	*nb = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned int k;

		for (k = 0; k < NB_STEER && strcmp(t, steer_name[k]); k++)
			;
		if (k == NB_STEER || seen[k])
			return -1;
		seen[k] = true;
		steers[(*nb)++] = (enum steer)k;
	}
	return *nb ? 0 : -1;
}

int bench_steer(int argc, char **argv)
{
	unsigned int sizes[MAX_SIZES] = {64, 128, 256, 512, 1024, 1518};
	unsigned int nb_sizes = 6, nb_steers = NB_STEER, reps = DEFAULT_REPS, nb_runs, done = 0;
	enum steer steers[NB_STEER] = {STEER_NIC, STEER_CPU, STEER_SHARED};
	uint64_t count = DEFAULT_COUNT;
	const char *csv = NULL, *plot_dir = NULL;
	char dir[] = "/tmp/tenet-bench-steer-XXXXXX", fwd[PATH_MAX], cfg[PATH_MAX], log[PATH_MAX];
	bool json = false, poll = false, stop = false, tty = isatty(STDERR_FILENO);
	struct cell *cells;
	int rc = 0;
	FILE *err;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--real"))
			return bench_steer_real(argc, argv);
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
				        "tenet-bench steer: --count wants a positive integer\n");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--reps") && v) {
			unsigned int r[1];

			if (bench_parse_list(v, r, 1, 1, MAX_REPS) != 1) {
				fprintf(stderr, "tenet-bench steer: --reps wants 1..%d\n",
				        MAX_REPS);
				return 2;
			}
			reps = r[0];
			i++;
		} else if (!strcmp(a, "--sizes") && v) {
			nb_sizes = bench_parse_list(v, sizes, MAX_SIZES, 64, 1518);
			if (!nb_sizes) {
				fprintf(stderr,
				        "tenet-bench steer: --sizes wants up to %d of 64..1518, "
				        "comma-separated\n",
				        MAX_SIZES);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--steer") && v) {
			if (parse_steers(v, steers, &nb_steers)) {
				fprintf(stderr,
				        "tenet-bench steer: --steer wants a comma-separated "
				        "list of nic, cpu, shared (each once)\n");
				return 2;
			}
			i++;
		} else {
			fprintf(stderr, "tenet-bench steer: unknown option or missing value '%s'\n",
			        a);
			usage(stderr);
			return 2;
		}
	}

	rc = bench_nf_path("fwd", fwd, sizeof(fwd));
	if (rc) {
		fprintf(stderr, "tenet-bench steer: no NF at %s: %s (run make first)\n", fwd,
		        strerror(-rc));
		return 1;
	}
	cells = calloc((size_t)nb_sizes * NB_STEER, sizeof(*cells));
	if (!cells || !mkdtemp(dir)) {
		fprintf(stderr, "tenet-bench steer: %s\n", strerror(errno));
		free(cells);
		return 1;
	}
	/* progress and warnings go to the real stderr while runs redirect fd 2 */
	err = bench_err_open();
	if (!err) {
		fprintf(stderr, "tenet-bench steer: %s\n", strerror(errno));
		free(cells);
		rmdir(dir);
		return 1;
	}
	tenet_set_log_level(TENET_LOG_WARN);
	snprintf(cfg, sizeof(cfg), "%s/steer.yaml", dir);
	snprintf(log, sizeof(log), "%s/run.log", dir);

	nb_runs = reps * nb_sizes * nb_steers;
	for (unsigned int rep = 0; rep < reps && !stop; rep++) {
		for (unsigned int s = 0; s < nb_sizes && !stop; s++) {
			for (unsigned int k = 0; k < nb_steers && !stop; k++) {
				struct cell *c = &cells[s * NB_STEER + steers[k]];
				struct outcome *o = &c->run[c->nb];
				int e, r;

				fprintf(err, "%s[%u/%u] rep %u/%u, %u B, steer %s ...%s",
				        tty ? "\r" : "", done + 1, nb_runs, rep + 1, reps, sizes[s],
				        steer_name[steers[k]], tty ? "\033[K" : "\n");
				e = write_config(cfg, dir, fwd, sizes[s], steers[k], count);
				if (e) {
					fprintf(err, "tenet-bench steer: cannot write %s: %s\n",
					        cfg, strerror(-e));
					rc = 1;
					stop = true;
					break;
				}
				o->size = sizes[s];
				o->steer = steers[k];
				r = bench_run_mgr(cfg, log, poll, 0, err, &o->r);
				if (tty)
					fprintf(err, "\r\033[K");
				if (r != 0 && r != 3) {
					fprintf(err,
					        "tenet-bench steer: run failed (exit %d); "
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
					        "\n*** WARNING: %u B, steer %s, rep %u: packets "
					        "NOT "
					        "conserved (in %llu, delivered %llu, dropped %llu) "
					        "***\n\n",
					        sizes[s], steer_name[steers[k]], rep + 1,
					        (unsigned long long)o->r.packets_in,
					        (unsigned long long)o->r.delivered,
					        (unsigned long long)o->r.dropped);
					rc = 1;
				}
				if (o->r.packets_in < count) {
					/* a signal stopped the run before the generator finished */
					fprintf(err,
					        "tenet-bench steer: run stopped early (%llu of "
					        "%llu "
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
		print_json(stdout, cells, sizes, nb_sizes, steers, nb_steers);
	} else {
		printf("tenet-bench steer: 2-NF chain alice/fwd -> alice/fwd2, %llu frames per "
		       "run, "
		       "median of %u rep%s, %s, %ld CPUs online\n",
		       (unsigned long long)count, reps, reps > 1 ? "s" : "",
		       poll ? "poll" : "adaptive", sysconf(_SC_NPROCESSORS_ONLN));
		print_table(cells, sizes, nb_sizes, steers, nb_steers);
		print_ratios(cells, sizes, nb_sizes);
	}
	if (csv) {
		int e = write_csv(csv, cells, sizes, nb_sizes, steers, nb_steers);

		if (e) {
			fprintf(err, "tenet-bench steer: cannot write %s: %s\n", csv, strerror(-e));
			rc = 1;
		}
	}
	if (plot_dir && done &&
	    plot(err, dir, plot_dir, cells, sizes, nb_sizes, steers, nb_steers, count, reps, poll) <
	            0)
		rc = 1;
	remove_dir(dir);
	fclose(err);
	free(cells);
	return rc;
}
