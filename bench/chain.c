/*
 * tenet-bench chain: what a service chain costs, per packet and per hop.
 *
 * For each frame size (64 and 1518 B by default) the benchmark runs a chain
 * of 1..4 forwarding NFs (build/nf/fwd) of one tenant, where every hop
 * passes the buffer without a copy, and a 2-hop chain alice/fwd -> bob/fwd
 * whose second hop crosses tenants, so the manager copies each packet into
 * bob's pool. Each chain runs in adaptive mode and in pure polling mode.
 *
 * A run is a real platform: the benchmark writes a YAML config into a
 * temporary directory (a count-bounded gen port at full speed, a sink, the
 * tenants, the services and one chain) and calls mgr_run() in-process, which
 * starts the NFs as processes, pushes the packets through and stops once
 * the generator is done and nothing is in flight. The figures come from the
 * manager's own counters (struct mgr_result): delivered and offered rate,
 * loss, host CPU time (dispatcher + NF processes, from wait4) per delivered
 * packet and per hop, the NIC stage's CPU time per packet, and copies per
 * delivered packet. The generator does not wait for the chain: what the
 * chain cannot take is dropped and counted, as a NIC would, so the
 * delivered rate is the chain's capacity under overload. The largest
 * generator-to-sink latency is shown too: a packet that waited ~1 s has
 * sat in a ring of an NF that did not wake up (the NF's idle timeout).
 *
 * Runs vary a lot on a small machine. With --reps N each scenario runs N
 * times and the run with the median delivered rate is reported, all its
 * figures from that one run.
 *
 * Everything the manager and the NFs print during a run goes to a log file
 * in the temporary directory; its warnings and errors are echoed after the
 * run. Every run must conserve packets (in == delivered + dropped); a run
 * that does not is reported with a warning and makes the exit status 1.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/util.h"
#include "bench/bench.h"
#include "mgr/mgr.h"
#include "tenet/log.h"

#define DEFAULT_COUNT 2000000u
#define MAX_LIST      8
#define MAX_HOPS      4
#define MAX_REPS      15

enum mode { MODE_ADAPTIVE, MODE_POLL };

static const char *const mode_name[] = {"adaptive", "poll"};

struct scenario {
	unsigned int size;
	unsigned int hops;
	unsigned int tenants; /* 1: all hops in alice; 2: alice/fwd -> bob/fwd */
	enum mode mode;
};

struct outcome {
	struct scenario sc;
	struct mgr_result r;
	double mpps, offered_mpps, loss_pct;
	double host_ns_per_pkt, host_ns_per_hop, nic_ns_per_pkt, copies_per_pkt, max_lat_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: tenet-bench chain [--count N] [--sizes LIST] [--hops LIST]\n"
	        "                         [--mode adaptive|poll] [--reps N] [--json] [--csv FILE]\n"
	        "\n"
	        "Service chain cost: chains of 1..4 fwd NFs in one tenant (zero-copy hops)\n"
	        "and a 2-hop chain alice/fwd -> bob/fwd (one cross-tenant copy), at each\n"
	        "frame size, in adaptive and in polling mode. Each run starts the manager\n"
	        "in-process on a generated config; the generator sends N frames as fast as\n"
	        "it can and whatever the chain cannot take is dropped and counted.\n"
	        "\n"
	        "  --count N      frames per run (default %u)\n"
	        "  --sizes LIST   frame sizes in bytes, 60..1518 (default 64,1518)\n"
	        "  --hops LIST    same-tenant chain lengths, 1..%d (default 1,2,3,4);\n"
	        "                 the 2-tenant chain runs when 2 is in the list\n"
	        "  --mode M       only adaptive or only poll (default: both)\n"
	        "  --reps N       run each scenario N times (1..%d), report the median run\n"
	        "                 by delivered Mpps (default 1)\n"
	        "  --json         print a JSON array instead of the table\n"
	        "  --csv FILE     also write the results as CSV to FILE\n"
	        "  --help         this text\n"
	        "\n"
	        "Columns: Mpps delivered (delivered/elapsed), offered Mpps (packets in/\n"
	        "elapsed), loss %%, host CPU ns per delivered packet (dispatcher + NFs) and\n"
	        "per hop, NIC-stage CPU ns per packet in, copies per delivered packet,\n"
	        "largest generator-to-sink latency in ms.\n",
	        DEFAULT_COUNT, MAX_HOPS, MAX_REPS);
}

static bool in_list(const unsigned int *v, unsigned int n, unsigned int x)
{
	for (unsigned int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

static int write_config(const char *path, const char *dir, const char *fwd,
                        const struct scenario *sc, uint64_t count)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "manager:\n  socket_dir: ");
	bench_yaml_quoted(f, dir);
	fprintf(f, "\n  stats_interval: 0\n");
	fprintf(f,
	        "ports:\n"
	        "  - {name: gen, driver: gen, steer: nic, rate: 0, count: %llu, size: %u}\n"
	        "  - {name: sink, driver: sink}\n",
	        (unsigned long long)count, sc->size);
	fprintf(f, "tenants:\n  - {name: alice}\n");
	if (sc->tenants == 2)
		fprintf(f, "  - {name: bob}\n");
	fprintf(f, "services:\n");
	for (unsigned int h = 0; h < sc->hops; h++) {
		if (sc->tenants == 2)
			fprintf(f, "  - {name: fwd, tenant: %s, command: [", h ? "bob" : "alice");
		else
			fprintf(f, "  - {name: fwd%u, tenant: alice, command: [", h + 1);
		bench_yaml_quoted(f, fwd);
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
	if (fclose(f))
		return -errno;
	return 0;
}

/*
 * One run: write the config, run the manager on it with its output (and the
 * NFs') sent to a log, fill o. Returns mgr_run's exit code, or -1.
 */
static int run_one(FILE *err, const char *dir, const char *fwd, const struct scenario *sc,
                   uint64_t count, struct outcome *o)
{
	char cfg[PATH_MAX], log[PATH_MAX];
	int rc;

	snprintf(cfg, sizeof(cfg), "%s/chain.yaml", dir);
	snprintf(log, sizeof(log), "%s/run.log", dir);
	rc = write_config(cfg, dir, fwd, sc, count);
	if (rc) {
		fprintf(err, "tenet-bench chain: cannot write %s: %s\n", cfg, strerror(-rc));
		return -1;
	}
	rc = bench_run_mgr(cfg, log, sc->mode == MODE_POLL, err, &o->r);
	o->sc = *sc;
	if (rc != 0 && rc != 3)
		return rc;
	{
		const struct mgr_result *r = &o->r;
		double el = r->elapsed > 0 ? r->elapsed : 1e-9;
		double in = r->packets_in ? (double)r->packets_in : 1;
		double out = r->delivered ? (double)r->delivered : 1;

		o->mpps = (double)r->delivered / el / 1e6;
		o->offered_mpps = (double)r->packets_in / el / 1e6;
		o->loss_pct = 100.0 * (double)r->dropped / in;
		o->host_ns_per_pkt = (double)r->host_ns / out;
		o->host_ns_per_hop = o->host_ns_per_pkt / sc->hops;
		o->nic_ns_per_pkt = (double)r->nic_ns / in;
		o->copies_per_pkt = (double)r->copies / out;
		o->max_lat_ms = (double)r->lat.max_ns / 1e6;
	}
	return rc;
}

static void print_header(void)
{
	printf("%5s %4s %7s %-8s %7s %8s %6s %11s %8s %10s %10s %10s\n", "size", "hops", "tenants",
	       "mode", "Mpps", "offered", "loss%", "host ns/pkt", "ns/hop", "nic ns/pkt",
	       "copies/pkt", "max lat ms");
}

static void print_row(const struct outcome *o)
{
	printf("%5u %4u %7u %-8s %7.3f %8.3f %6.1f %11.0f %8.0f %10.0f %10.2f %10.1f%s\n",
	       o->sc.size, o->sc.hops, o->sc.tenants, mode_name[o->sc.mode], o->mpps,
	       o->offered_mpps, o->loss_pct, o->host_ns_per_pkt, o->host_ns_per_hop,
	       o->nic_ns_per_pkt, o->copies_per_pkt, o->max_lat_ms,
	       o->r.conserved ? "" : "  NOT CONSERVED");
	fflush(stdout);
}

static void print_json(FILE *f, const struct outcome *o, unsigned int n)
{
	fprintf(f, "[\n");
	for (unsigned int i = 0; i < n; i++, o++)
		fprintf(f,
		        "  {\"size\": %u, \"hops\": %u, \"tenants\": %u, \"mode\": \"%s\", "
		        "\"mpps\": %.4f, \"offered_mpps\": %.4f, \"loss_pct\": %.3f, "
		        "\"host_ns_per_pkt\": %.1f, \"host_ns_per_hop\": %.1f, "
		        "\"nic_ns_per_pkt\": %.1f, \"copies_per_pkt\": %.4f, \"max_lat_ms\": %.3f, "
		        "\"conserved\": %s}%s\n",
		        o->sc.size, o->sc.hops, o->sc.tenants, mode_name[o->sc.mode], o->mpps,
		        o->offered_mpps, o->loss_pct, o->host_ns_per_pkt, o->host_ns_per_hop,
		        o->nic_ns_per_pkt, o->copies_per_pkt, o->max_lat_ms,
		        o->r.conserved ? "true" : "false", i + 1 < n ? "," : "");
	fprintf(f, "]\n");
}

static int write_csv(const char *path, const struct outcome *o, unsigned int n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "size,hops,tenants,mode,mpps,offered_mpps,loss_pct,host_ns_per_pkt,"
	           "host_ns_per_hop,nic_ns_per_pkt,copies_per_pkt,max_lat_ms,conserved\n");
	for (unsigned int i = 0; i < n; i++, o++)
		fprintf(f, "%u,%u,%u,%s,%.4f,%.4f,%.3f,%.1f,%.1f,%.1f,%.4f,%.3f,%s\n", o->sc.size,
		        o->sc.hops, o->sc.tenants, mode_name[o->sc.mode], o->mpps, o->offered_mpps,
		        o->loss_pct, o->host_ns_per_pkt, o->host_ns_per_hop, o->nic_ns_per_pkt,
		        o->copies_per_pkt, o->max_lat_ms, o->r.conserved ? "true" : "false");
	return fclose(f) ? -errno : 0;
}

/* Remove what run_one left in the temporary directory, then the directory. */
static void remove_dir(const char *dir)
{
	static const char *const files[] = {"chain.yaml", "run.log"};
	char p[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

int bench_chain(int argc, char **argv)
{
	unsigned int sizes[MAX_LIST] = {64, 1518}, hops[MAX_LIST] = {1, 2, 3, 4};
	unsigned int nb_sizes = 2, nb_hops = 4, nb_modes = 2, nb_sc = 0, nb_done = 0;
	enum mode modes[2] = {MODE_ADAPTIVE, MODE_POLL};
	struct scenario sc[MAX_LIST * (MAX_LIST + 1) * 2];
	struct outcome *res = NULL;
	uint64_t count = DEFAULT_COUNT;
	const char *csv = NULL;
	char dir[] = "/tmp/tenet-bench-chain-XXXXXX", fwd[PATH_MAX];
	bool json = false, stop = false, tty = isatty(STDERR_FILENO);
	unsigned int reps = 1;
	int rc = 0;
	FILE *err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--csv") && v) {
			csv = v;
			i++;
		} else if (!strcmp(a, "--count") && v) {
			if (!bench_parse_count(v, &count)) {
				fprintf(stderr,
				        "tenet-bench chain: --count wants a positive integer\n");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--sizes") && v) {
			nb_sizes = bench_parse_list(v, sizes, MAX_LIST, 60, 1518);
			if (!nb_sizes) {
				fprintf(stderr,
				        "tenet-bench chain: --sizes wants up to %d of 60..1518, "
				        "comma-separated\n",
				        MAX_LIST);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--hops") && v) {
			nb_hops = bench_parse_list(v, hops, MAX_LIST, 1, MAX_HOPS);
			if (!nb_hops) {
				fprintf(stderr,
				        "tenet-bench chain: --hops wants 1..%d, comma-separated\n",
				        MAX_HOPS);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--reps") && v) {
			char *end;
			unsigned long x;

			errno = 0;
			x = strtoul(v, &end, 10);
			if (errno || *end || *v < '0' || *v > '9' || x < 1 || x > MAX_REPS) {
				fprintf(stderr, "tenet-bench chain: --reps wants 1..%d\n",
				        MAX_REPS);
				return 2;
			}
			reps = (unsigned int)x;
			i++;
		} else if (!strcmp(a, "--mode") && v) {
			if (!strcmp(v, "adaptive")) {
				modes[0] = MODE_ADAPTIVE;
			} else if (!strcmp(v, "poll")) {
				modes[0] = MODE_POLL;
			} else {
				fprintf(stderr,
				        "tenet-bench chain: --mode wants adaptive or poll\n");
				return 2;
			}
			nb_modes = 1;
			i++;
		} else {
			fprintf(stderr, "tenet-bench chain: unknown option or missing value '%s'\n",
			        a);
			usage(stderr);
			return 2;
		}
	}

	for (unsigned int s = 0; s < nb_sizes; s++) {
		for (unsigned int h = 0; h <= nb_hops; h++) {
			unsigned int nh = h < nb_hops ? hops[h] : 2, nt = h < nb_hops ? 1 : 2;

			if (nt == 2 && !in_list(hops, nb_hops, 2))
				continue;
			for (unsigned int k = 0; k < nb_modes; k++)
				sc[nb_sc++] = (struct scenario){sizes[s], nh, nt, modes[k]};
		}
	}

	rc = bench_nf_path("fwd", fwd, sizeof(fwd));
	if (rc) {
		fprintf(stderr, "tenet-bench chain: no NF at %s: %s (run make first)\n", fwd,
		        strerror(-rc));
		return 1;
	}
	res = calloc(nb_sc, sizeof(*res));
	if (!res || !mkdtemp(dir)) {
		fprintf(stderr, "tenet-bench chain: %s\n", strerror(errno));
		free(res);
		return 1;
	}
	/* progress and warnings go to the real stderr while runs redirect fd 2 */
	err = bench_err_open();
	if (!err) {
		fprintf(stderr, "tenet-bench chain: %s\n", strerror(errno));
		free(res);
		rmdir(dir);
		return 1;
	}
	tenet_set_log_level(TENET_LOG_WARN);

	if (!json) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		printf("tenet-bench chain: %llu frames per run, fwd NFs, %ld CPUs online\n",
		       (unsigned long long)count, ncpu);
		print_header();
	}
	for (unsigned int i = 0; i < nb_sc && !stop; i++) {
		struct outcome runs[MAX_REPS];
		unsigned int nb_runs = 0, order[MAX_REPS];
		bool conserved = true;

		for (unsigned int k = 0; k < reps; k++) {
			struct outcome *o = &runs[nb_runs];
			int r;

			fprintf(err, "%s[%u/%u] %u B, %u hop%s, %u tenant%s, %s, run %u/%u ...%s",
			        tty ? "\r" : "", i + 1, nb_sc, sc[i].size, sc[i].hops,
			        sc[i].hops > 1 ? "s" : "", sc[i].tenants,
			        sc[i].tenants > 1 ? "s" : "", mode_name[sc[i].mode], k + 1, reps,
			        tty ? "\033[K" : "\n");
			r = run_one(err, dir, fwd, &sc[i], count, o);
			if (tty)
				fprintf(err, "\r\033[K");
			if (r != 0 && r != 3) {
				fprintf(err, "tenet-bench chain: run failed (exit %d); stopping\n",
				        r);
				stop = true;
				break;
			}
			nb_runs++;
			if (!o->r.conserved) {
				fprintf(err,
				        "warning: %u B, %u hops, %u tenants, %s: packets not "
				        "conserved "
				        "(in %llu, delivered %llu, dropped %llu)\n",
				        sc[i].size, sc[i].hops, sc[i].tenants,
				        mode_name[sc[i].mode], (unsigned long long)o->r.packets_in,
				        (unsigned long long)o->r.delivered,
				        (unsigned long long)o->r.dropped);
				conserved = false;
			}
			if (o->r.packets_in < count) {
				/* a signal stopped the run before the generator finished */
				fprintf(err,
				        "tenet-bench chain: run stopped early (%llu of %llu frames "
				        "sent); stopping\n",
				        (unsigned long long)o->r.packets_in,
				        (unsigned long long)count);
				stop = true;
				break;
			}
		}
		if (!nb_runs)
			break;
		/* the median run by delivered rate (the lower middle one for even N) */
		for (unsigned int k = 0; k < nb_runs; k++)
			order[k] = k;
		for (unsigned int k = 1; k < nb_runs; k++)
			for (unsigned int j = k;
			     j > 0 && runs[order[j]].mpps < runs[order[j - 1]].mpps; j--) {
				unsigned int t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		res[nb_done] = runs[order[(nb_runs - 1) / 2]];
		res[nb_done].r.conserved = conserved;
		if (!json)
			print_row(&res[nb_done]);
		nb_done++;
	}
	if (stop || nb_done < nb_sc)
		rc = 1;
	for (unsigned int i = 0; i < nb_done; i++)
		if (!res[i].r.conserved)
			rc = 1;
	if (json)
		print_json(stdout, res, nb_done);
	if (csv) {
		int e = write_csv(csv, res, nb_done);

		if (e) {
			fprintf(err, "tenet-bench chain: cannot write %s: %s\n", csv, strerror(-e));
			rc = 1;
		}
	}
	remove_dir(dir);
	fclose(err);
	free(res);
	return rc;
}
