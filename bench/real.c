/*
 * The --real back end (see real.h): a steer or scan trial on veth pairs
 * between two network namespaces, with the real afxdp port and its XDP
 * programs instead of the software NIC model.
 *
 * Every process runs as a child (real_topo.c): the manager as 'ip netns
 * exec DUT tenet run CONFIG --summary FILE --quiet --duration S' (stopped
 * with SIGTERM once the sender is done and the path has drained), tenet
 * gen and tenet sink under 'ip netns exec SENDER'. Figures come from their
 * JSON output: the manager's summary (packets in, delivered, drops by
 * reason, host CPU of the dispatcher, router and NF processes, the port
 * thread's CPU, the latency at its sink port) and gen's and sink's
 * reports. Host-wide softirq time (/proc/stat) is sampled around the
 * sender's run because on veth the XDP programs, the redirects and the
 * copy into the AF_XDP UMEM run in the kernel's softirq on the same two or
 * so host CPUs. A trial is whole-run: the manager is a process of its own,
 * so there is no warm-up snapshot to leave out.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/real.h"
#include "bench/real_topo.h"
#include "lib/sig.h"

struct bench_real {
	struct real_topo topo;
};

static const char *const place_name[NB_SCAN_PLACE] = {"wire", "nic-only", "nic-scan", "host-scan"};

struct bench_real *bench_real_open(const char *who, bool xdp_pass)
{
	struct bench_real *r = calloc(1, sizeof(*r));

	if (!r) {
		fprintf(stderr, "tenet-bench %s: out of memory\n", who);
		return NULL;
	}
	if (real_topo_init(&r->topo, who) || real_topo_create(&r->topo, xdp_pass)) {
		real_topo_fini(&r->topo);
		free(r);
		return NULL;
	}
	return r;
}

int bench_real_attach(struct bench_harness *h, const char *who, bool xdp_pass,
                      int (*trial)(void *be, void *arg, const struct bench_load *l,
                                   struct bench_trial *t))
{
	struct bench_real *r = bench_real_open(who, xdp_pass);

	if (!r)
		return -1;
	h->backend = trial;
	h->be = r;
	return 0;
}

void bench_real_close(struct bench_real *r)
{
	if (!r)
		return;
	real_topo_fini(&r->topo);
	free(r);
}

bool bench_real_interrupted(void)
{
	return tenet_stop_signal != 0;
}

/* A trial that could not run: -1, marked stopped when a signal was the cause. */
static int stopped(struct bench_trial *t)
{
	t->stopped = tenet_stop_signal != 0;
	return -1;
}

/* "ip netns exec NS tenet TOOL --ifname IF" into k (tool: gen, sink). */
static void tool_cmd(const struct real_topo *c, struct real_cmd *k, const char *ns,
                     const char *tool, const char *ifname)
{
	real_cmd_add(k, "ip");
	real_cmd_add(k, "netns");
	real_cmd_add(k, "exec");
	real_cmd_add(k, "%s", ns);
	real_cmd_add(k, "%s", c->tenet);
	real_cmd_add(k, "%s", tool);
	real_cmd_add(k, "--ifname");
	real_cmd_add(k, "%s", ifname);
}

/* What the software NIC measures and this path does not: absent in the report. */
static void not_measured(struct bench_trial *t)
{
	t->nic_ns_per_pkt = NAN;
	t->nic_work_ns_per_pkt = NAN;
	t->dispatch_work_ns_per_pkt = NAN;
	t->dispatch_kick_ns_per_pkt = NAN;
	t->lat_p999_us = NAN;
	t->lat_max_us = NAN;
	t->real.lat_min_us = NAN;
	t->real.lat_mean_us = NAN;
	t->real.frames = NAN;
	t->real.expected = NAN;
}

/* ---- steer ---------------------------------------------------------------------------------- */

static int st_config(struct real_topo *c, const char *steer)
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
	        c->iif, steer);
	if (!strcmp(steer, "nic"))
		fprintf(f, ", tenant_ifs: {alice: %s}", c->tb);
	fprintf(f, "}\n  - {name: sink0, driver: sink}\n");
	fprintf(f, "tenants: [{name: alice}]\nservices:\n");
	fprintf(f, "  - {name: fwd, tenant: alice, command: ['%s']}\n", c->fwd);
	fprintf(f, "  - {name: fwd2, tenant: alice, command: ['%s']}\n", c->fwd);
	fprintf(f, "chains:\n  - {name: bench, hops: [alice/fwd, alice/fwd2], output: sink0}\n");
	return fclose(f) ? -errno : 0;
}

/* The manager's summary and the sender's report of a steer trial into t. */
static void st_figures(const char *gj, const char *sj, const struct bench_load *l,
                       struct bench_trial *t)
{
	struct bench_real_figs *x = &t->real;
	double el, del, copies;

	x->sent = real_jnum(gj, "sent");
	x->send_s = real_jnum(gj, "elapsed_s");
	t->delivered = (uint64_t)real_jnum(sj, "delivered");
	t->conserved = real_jnum(sj, "conserved") != 0;
	t->r.packets_in = (uint64_t)x->packets_in;
	t->r.delivered = t->delivered;
	t->r.dropped = (uint64_t)real_jnum(sj, "dropped_total");
	copies = real_jnum(sj, "copies");
	x->no_buffer = real_jnum(sj, "dropped.no_buffer");
	x->nf_rx_full = real_jnum(sj, "dropped.nf_rx_full");
	x->dispatcher_ns = real_jnum(sj, "host_ns.dispatcher");
	x->router_ns = real_jnum(sj, "host_ns.router");
	x->nf_ns = real_services_cpu_ns(sj, &x->restarts);
	x->port_ns = real_jnum(sj, "ports.nic0.nic_ns");
	t->lat_p50_us = real_jnum(sj, "ports.sink0.driver_stats.latency_ns.p50") / 1e3;
	t->lat_p99_us = real_jnum(sj, "ports.sink0.driver_stats.latency_ns.p99") / 1e3;
	t->lat_count = t->delivered;
	el = x->send_s > 0 ? x->send_s : 1e-9;
	del = t->delivered > 0 ? (double)t->delivered : 1;
	/* offered = what the sender sent; lost = sent and not delivered (the path included) */
	t->window_s = x->send_s;
	t->offered = (uint64_t)x->sent;
	t->lost = x->sent > (double)t->delivered ? (uint64_t)(x->sent - (double)t->delivered) : 0;
	t->offered_mpps = x->sent / el / 1e6;
	t->mpps = (double)t->delivered / el / 1e6;
	t->loss_pct = x->sent > 0 ? 100 * (x->sent - (double)t->delivered) / x->sent : 0;
	x->unseen_pct = x->sent > 0 ? 100 * (x->sent - x->packets_in) / x->sent : 0;
	t->host_ns_per_pkt = (x->dispatcher_ns + x->router_ns + x->nf_ns) / del;
	t->dispatch_ns_per_pkt = (x->dispatcher_ns + x->router_ns) / del;
	t->router_ns_per_pkt = x->router_ns / del;
	t->nf_ns_per_pkt = x->nf_ns / del;
	x->port_ns_per_pkt = x->packets_in > 0 ? x->port_ns / x->packets_in : 0;
	x->softirq_ns_per_pkt = x->sent > 0 ? x->softirq_ns / x->sent : 0;
	t->copies_per_pkt = copies / del;
	t->rate_short = l->rate > 0 && t->offered_mpps * 1e6 < l->rate * (1.0 - l->rate_tol);
}

int bench_real_steer(struct bench_real *r, const char *steer, const struct bench_load *l,
                     struct bench_trial *t)
{
	static const char *const want[] = {"alice/fwd#0", "alice/fwd2#0", NULL};
	struct real_topo *c = &r->topo;
	double duration = l->trial_s;
	char path[PATH_MAX];
	struct real_cmd g = {.n = 0};
	char *gj, *sj;
	double s0, s1;
	int rc;

	memset(t, 0, sizeof(*t));
	not_measured(t);
	if (st_config(c, steer)) {
		fprintf(stderr, "tenet-bench steer: cannot write the config in %s\n", c->dir);
		return -1;
	}
	if (real_mgr_start(c, duration + 60, want))
		return stopped(t);
	tool_cmd(c, &g, c->sns, "gen", c->gif);
	real_cmd_add(&g, "--rate");
	real_cmd_add(&g, "%.0f", l->rate);
	real_cmd_add(&g, "--duration");
	real_cmd_add(&g, "%g", duration);
	real_cmd_add(&g, "--size");
	real_cmd_add(&g, "%u", l->size);
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
		return stopped(t);
	}
	real_sleep(0.5); /* let the path drain */
	if (real_mgr_stop(c))
		return stopped(t);
	real_path(c, "gen.json", path, sizeof(path));
	gj = real_slurp(path);
	real_path(c, "summary.json", path, sizeof(path));
	sj = real_slurp(path);
	if (!gj || !sj || !real_jget(sj, "packets_in", &t->real.packets_in)) {
		fprintf(stderr, "tenet-bench steer: no gen report or manager summary in %s\n",
		        c->dir);
		free(gj);
		free(sj);
		return -1;
	}
	t->real.softirq_ns = s1 - s0;
	st_figures(gj, sj, l, t);
	free(gj);
	free(sj);
	if (t->real.restarts > 0) {
		char label[64];

		snprintf(label, sizeof(label), "%u B %s", l->size, steer);
		fprintf(stderr, "tenet-bench steer: %s: an NF restarted during the run:\n", label);
		real_mgr_warnings(c, label);
	}
	return 0;
}

/* ---- scan ----------------------------------------------------------------------------------- */

static int sc_write(struct real_topo *c, enum bench_scan_place sc, unsigned int size, double rate,
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
	        rate, (unsigned long long)count, size, sc == SCAN_NIC_ONLY ? 1.0 : fraction);
	if (fclose(f))
		return -1;
	if (sc == SCAN_WIRE)
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
	        c->iif, sc == SCAN_NIC_ONLY ? "bounce" : "drop", c->tb);
	fprintf(f, "tenants: [{name: alice}]\nservices:\n");
	fprintf(f, "  - {name: scan, tenant: alice, patterns: '%s'", pats);
	if (sc == SCAN_HOST_SCAN)
		fprintf(f, ", command: ['%s', --patterns, '%s']", c->scan, pats);
	fprintf(f, "}\n");
	if (sc != SCAN_NIC_ONLY)
		fprintf(f, "  - {name: fwd, tenant: alice, command: ['%s']}\n", c->fwd);
	fprintf(f, "chains:\n  - name: bench\n    hops: [%s]\n",
	        sc == SCAN_NIC_ONLY   ? "{service: alice/scan, on: nic}"
	        : sc == SCAN_NIC_SCAN ? "{service: alice/scan, on: nic}, alice/fwd"
	                              : "alice/scan, alice/fwd");
	if (sc != SCAN_NIC_ONLY)
		fprintf(f, "    output: nic0\n");
	return fclose(f) ? -1 : 0;
}

/* tenet gen's, tenet sink's and (not for wire) the manager's reports of a scan trial into t. */
static void sc_figures(enum bench_scan_place sc, const char *gj, const char *kj, const char *sj,
                       struct bench_trial *t)
{
	struct bench_real_figs *x = &t->real;
	double pat = real_jnum(gj, "gen.with_pattern");

	x->sent = real_jnum(gj, "sent");
	x->send_s = real_jnum(gj, "elapsed_s");
	x->frames = real_jnum(kj, "packets");
	x->expected = sc == SCAN_NIC_ONLY ? pat : sc == SCAN_WIRE ? x->sent : x->sent - pat;
	t->offered = (uint64_t)x->sent;
	t->delivered = (uint64_t)x->frames;
	t->lat_count = t->delivered;
	t->lat_p50_us = real_jnum(kj, "latency_ns.p50") / 1e3;
	t->lat_p99_us = real_jnum(kj, "latency_ns.p99") / 1e3;
	t->lat_p999_us = real_jnum(kj, "latency_ns.p99_9") / 1e3;
	x->lat_min_us = real_jnum(kj, "latency_ns.min") / 1e3;
	x->lat_mean_us = real_jnum(kj, "latency_ns.mean") / 1e3;
	t->lat_max_us = real_jnum(kj, "latency_ns.max") / 1e3;
	t->loss_pct = x->expected > 0 ? 100 * (x->expected - x->frames) / x->expected : 0;
	t->offered_mpps = x->send_s > 0 ? x->sent / x->send_s / 1e6 : 0;
	t->window_s = x->send_s;
	if (sj) {
		double in = real_jnum(sj, "packets_in");

		x->packets_in = in;
		x->dispatcher_ns = real_jnum(sj, "host_ns.dispatcher");
		x->nf_ns = real_services_cpu_ns(sj, &x->restarts);
		x->port_ns = real_jnum(sj, "ports.nic0.nic_ns");
		/* per frame in here (not per delivered): what the scan path costs a frame */
		t->host_ns_per_pkt = in > 0 ? (x->dispatcher_ns + x->nf_ns) / in : 0;
		x->port_ns_per_pkt = in > 0 ? x->port_ns / in : 0;
		t->verdict_drop = (uint64_t)(real_jnum(sj, "dropped.nic_scan") +
		                             real_jnum(sj, "dropped.nf_verdict"));
		t->conserved = real_jnum(sj, "conserved") != 0;
	}
}

int bench_real_scan(struct bench_real *r, enum bench_scan_place sc, double fraction,
                    const struct bench_load *l, struct bench_trial *t)
{
	static const char *const want_fwd[] = {"alice/fwd#0", NULL};
	static const char *const want_scan[] = {"alice/scan#0", "alice/fwd#0", NULL};
	static const char *const want_none[] = {NULL};
	char path[PATH_MAX], serr[PATH_MAX], obj[PATH_MAX + 32];
	struct real_cmd g = {.n = 0}, k = {.n = 0};
	struct real_topo *c = &r->topo;
	unsigned int size = l->size;
	double rate = l->rate;
	uint64_t count = l->count;
	double send_s = (double)count / rate;
	char *gj = NULL, *kj = NULL, *sj = NULL;
	pid_t sink = -1;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	not_measured(t);
	t->conserved = true;
	snprintf(obj, sizeof(obj), "%s/xsk_redirect.bpf.o", c->bpf);
	if (sc_write(c, sc, size, rate, count, fraction)) {
		fprintf(stderr, "tenet-bench scan: cannot write the configs in %s\n", c->dir);
		return -1;
	}
	if (sc == SCAN_WIRE) {
		if (REAL_IP(c, "ip", "-n", c->dns, "link", "set", "dev", c->iif, "xdpdrv", "obj",
		            obj, "sec", "xdp"))
			return -1;
	} else if (real_mgr_start(c, send_s + 60,
	                          sc == SCAN_NIC_ONLY   ? want_none
	                          : sc == SCAN_NIC_SCAN ? want_fwd
	                                                : want_scan)) {
		return stopped(t);
	}
	real_path(c, "sink.json", path, sizeof(path));
	real_path(c, "sink.err", serr, sizeof(serr));
	unlink(serr);
	tool_cmd(c, &k, sc == SCAN_WIRE ? c->dns : c->sns, "sink",
	         sc == SCAN_WIRE ? c->iif : c->gif);
	real_cmd_add(&k, "--idle");
	real_cmd_add(&k, "1");
	real_cmd_add(&k, "--duration");
	real_cmd_add(&k, "%.0f", send_s + 20);
	real_cmd_add(&k, "--json");
	sink = real_cmd_spawn(&k, path, serr);
	for (double t0 = real_now(); sink > 0 && real_now() - t0 < 10 && !tenet_stop_signal;) {
		char *e = real_slurp(serr);
		bool up = e && strstr(e, "listening on");

		free(e);
		if (up)
			break;
		real_sleep(0.02);
	}
	tool_cmd(c, &g, c->sns, "gen", c->gif);
	real_path(c, "gen.yaml", path, sizeof(path));
	real_cmd_add(&g, "--config");
	real_cmd_add(&g, "%s", path);
	real_cmd_add(&g, "--json");
	if (sink < 0 || tenet_stop_signal || real_run_gen(c, &g, send_s + 30))
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
	sj = sc == SCAN_WIRE ? NULL : real_slurp(path);
	if (!gj || !kj || (sc != SCAN_WIRE && !sj)) {
		fprintf(stderr, "tenet-bench scan: a report is missing in %s\n", c->dir);
		goto out;
	}
	sc_figures(sc, gj, kj, sj, t);
	if (t->real.restarts > 0) {
		fprintf(stderr, "tenet-bench scan: an NF restarted during the run:\n");
		real_mgr_warnings(c, place_name[sc]);
	}
	rc = 0;
out:
	if (sink > 0)
		real_stop_pid(sink, 2);
	if (c->mgr)
		real_mgr_stop(c);
	if (sc == SCAN_WIRE)
		REAL_IP(c, "ip", "-n", c->dns, "link", "set", "dev", c->iif, "xdpdrv", "off");
	free(gj);
	free(kj);
	free(sj);
	return rc ? stopped(t) : 0;
}
