/*
 * The manager's run, on the control thread, in phases: set the platform
 * up (setup.c), start the dispatcher shards and the NFs (supervisor.c),
 * wait for the NFs to attach, open the ports (start the router and the
 * port threads), run - serve the control loop (loop.c) while printing the
 * live table (stats.c) until the duration ends, a signal comes or the
 * sources are done - then stop in order (stop.c) and account: every packet
 * that entered is delivered, or dropped with a reason.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wait.h"
#include "mgr/attach.h"
#include "mgr/ctl.h"
#include "mgr/dispatch.h"
#include "mgr/loop.h"
#include "mgr/metrics.h"
#include "mgr/mgr.h"
#include "mgr/nic.h"
#include "mgr/port_host.h"
#include "mgr/result.h"
#include "mgr/setup.h"
#include "mgr/stats.h"
#include "mgr/stop.h"
#include "mgr/supervisor.h"
#include "ports/sink.h"
#include "tenet/log.h"

#define DRAIN_WAIT 3.0 /* s to wait for packets in flight once the sources are done */

/* What the run phase measures; the run's alone (table_prev: the live table's baseline). */
struct run {
	double start;      /* the ports opened */
	double stop_at;    /* the duration ends (0: none) */
	double done_at;    /* the sources were first seen done (0: not yet) */
	double next_stats; /* the next live table (0: off) */
	double last_stats;
	bool drained; /* stopped because the sources were done and nothing was in flight */
	struct stats_snap table_prev;
	struct mgr_snapshot warm;
	struct sink_hist *warm_hist;
	bool warm_hist_ok;
};

/* Name a manager thread for ps/top/perf: prefix + what it serves, cut at 15. */
static void thread_name(pthread_t t, const char *prefix, const char *what)
{
	char name[16];
	size_t n = strlen(prefix);

	memcpy(name, prefix, n < 15 ? n : 15);
	n = n < 15 ? n : 15;
	snprintf(name + n, sizeof(name) - n, "%.*s", (int)(15 - n), what);
	pthread_setname_np(t, name);
}

/* The dispatcher shards, the router (steer: cpu) and a thread per receiving port. */
static unsigned int data_plane_threads(const struct mgr *m)
{
	unsigned int n = m->nb_shards + (m->have_router ? 1 : 0);

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		n += m->ports[i].port.drv && m->ports[i].port.drv->rx ? 1 : 0;
	return n;
}

static bool sources_done(struct mgr *m)
{
	bool any = false;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		if (!m->ports[i].has_thread && !m->ports[i].inline_stage)
			continue;
		any = true;
		if (!__atomic_load_n(&m->ports[i].rx.done, __ATOMIC_ACQUIRE))
			return false;
	}
	return any;
}

/* ---- the phases ------------------------------------------------------------ */

/* Everything closed, nothing started: what teardown and the stop code expect of a fresh state. */
static void state_init(struct mgr *m)
{
	for (unsigned int b = 0; b < MGR_MAX_SHARDS; b++) {
		m->shards[b].m = m;
		m->shards[b].index = b;
		m->shards[b].efd = -1;
		pthread_mutex_init(&m->shards[b].cmd.lock, NULL);
	}
	for (unsigned int i = 0; i < CFG_MAX_PORTS; i++)
		pthread_mutex_init(&m->ports[i].tx.lock, NULL);
	m->control.ctl.fd = -1;
	m->control.epfd = -1;
	for (unsigned int i = 0; i < MGR_PENDING; i++)
		m->control.pending[i].fd = -1;
}

/* Load and check the config (--metrics over its own), and index what it declares. */
static int config_init(struct mgr *m, const struct mgr_opts *o)
{
	char err[512], why[96];

	m->cfg = tenet_config_load(o->config, err, sizeof(err));
	if (m->cfg && o->metrics &&
	    config_listen_parse(o->metrics, &m->cfg->mgr.metrics, why, sizeof(why)) < 0) {
		snprintf(err, sizeof(err), "--metrics '%.64s': %s; expected " CFG_LISTEN_EXPECT,
		         o->metrics, why);
		tenet_config_free(m->cfg);
		m->cfg = NULL;
	}
	if (!m->cfg || tenet_config_check_host(m->cfg, err, sizeof(err)) < 0) {
		tenet_log(TENET_LOG_ERR, "%s", err);
		tenet_config_free(m->cfg);
		return -1;
	}
	m->poll = o->poll || m->cfg->mgr.poll;
	m->nb_shards = m->cfg->mgr.dispatchers ? m->cfg->mgr.dispatchers : 1;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		m->shared |= m->cfg->ports[i].steer == CFG_STEER_SHARED;
	for (unsigned int t = 0; t < m->cfg->nb_tenants; t++) {
		m->tenants[t].cfg = &m->cfg->tenants[t];
		m->tenants[t].index = t;
		m->tenants[t].listen_fd = -1;
	}
	for (unsigned int i = 0; i < m->cfg->nb_services; i++) {
		m->services[i].cfg = &m->cfg->services[i];
		m->services[i].index = i;
		m->services[i].tenant = m->cfg->services[i].tenant;
	}
	for (unsigned int id = 0; id <= MGR_MAX_NF; id++) {
		m->nfs[id].id = (uint16_t)id;
		m->nfs[id].sock = m->nfs[id].rings_fd = m->nfs[id].rx_kick = m->nfs[id].tx_kick =
		        -1;
	}
	if (m->shared)
		tenet_log(TENET_LOG_WARN, "steer: shared - one pool mapped by every NF of every "
		                          "tenant: NO TENANT ISOLATION (baseline for comparison)");
	return 0;
}

/*
 * Where each software port's NIC stage runs (manager.nic_stage). auto:
 * inline, in the dispatcher's thread, when the two would share a CPU -
 * placement gives the manager's threads one CPU (a 2-CPU machine), or
 * the process has one - and on a thread of its own otherwise. Two
 * threads on one CPU are two schedulers' entities: each busy one gets
 * half of it in slices, each hand-over between them (a full ring, an
 * empty fill ring) is a yield whose outcome the scheduler decides, and
 * after a stop of the CPU (a guest's vCPU) the stage likely empties the
 * receive ring at half speed while the dispatcher polls (inferred,
 * docs/ARCHITECTURE.md). Inline, one loop runs a burst of each in turn, and
 * the hand-overs are calls (nic.h). Only with one dispatcher shard, and
 * not for steer cpu ports (their frames go to the router) nor drivers
 * with a thread of their own (afxdp).
 */
static void plan_nic_stages(struct mgr *m)
{
	enum cfg_nic_stage want = m->cfg->mgr.nic_stage;
	bool in = want == CFG_NIC_STAGE_INLINE;
	unsigned int nb = 0;

	if (want == CFG_NIC_STAGE_AUTO) {
		cpu_set_t allowed;

		if (m->place.on)
			in = m->place.nb_mgr == 1;
		else
			in = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 &&
			     CPU_COUNT(&allowed) == 1;
	}
	if (!in || m->nb_shards != 1)
		return;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		p->inline_stage = p->port.drv && p->port.drv->rx && !p->port.drv->thread &&
		                  p->cfg->steer != CFG_STEER_CPU;
		nb += p->inline_stage;
	}
	if (nb)
		tenet_log(TENET_LOG_INFO,
		          "NIC stages: %u port(s) inline, in the dispatcher's thread", nb);
}

/* The control loop, the pools, rules, ports and sockets, tenet ctl, CPU placement, /metrics. */
static int set_up(struct mgr *m, struct loop *l)
{
	char err[512];
	int rc;

	if (loop_open(m, l) || setup_shards(m))
		return -1;
	if (setup_pools(m) || setup_classifier(m) || setup_ports(m) ||
	    setup_sockets(m, m->control.epfd))
		return -1;
	if ((rc = ctl_open(m, m->control.epfd, EV_CTL))) {
		tenet_log(TENET_LOG_ERR, "control socket %s: %s", m->control.ctl.path,
		          strerror(-rc));
		return -1;
	}
	placement_plan(m, data_plane_threads(m));
	plan_nic_stages(m);
	if (m->cfg->mgr.metrics.set) {
		m->control.metrics = metrics_start(m, &m->cfg->mgr.metrics, err, sizeof(err));
		if (!m->control.metrics) {
			tenet_log(TENET_LOG_ERR, "%s", err);
			return -1;
		}
		tenet_log(TENET_LOG_INFO, "metrics at http://%s/metrics", m->cfg->mgr.metrics.text);
	}
	return 0;
}

/* The dispatcher shards, then the NFs the manager starts. */
static int start_dispatch(struct mgr *m)
{
	for (unsigned int b = 0; b < m->nb_shards; b++) {
		struct shard *sh = &m->shards[b];
		char name[24]; /* "tenet-disp7" at most: fits a thread name (15) */

		if (pthread_create(&sh->thread, NULL, dispatch_thread, sh))
			return -1;
		sh->started = true;
		snprintf(name, sizeof(name), "tenet-disp%u", b);
		pthread_setname_np(sh->thread, name);
		placement_pin_thread(m, sh->thread, name);
	}
	start_services(m);
	return 0;
}

/* ctl deadlines, the supervisor, the /metrics snapshot: every tick of a phase that serves them. */
static void tick(struct mgr *m, double now)
{
	ctl_expire(m, now);
	supervise(m, now);
	metrics_publish(m->control.metrics, now, false);
}

/* Wait for the NFs the manager started before opening the ports (MGR_START_WAIT s at most). */
static void wait_services(struct mgr *m, struct loop *l)
{
	double start = mgr_now();

	while (services_waiting(m) && mgr_now() - start < MGR_START_WAIT && !l->stop_asked) {
		loop_serve(m, l, MGR_START_TICK_MS, LOOP_ALL);
		tick(m, mgr_now());
	}
	if (services_waiting(m))
		tenet_log(TENET_LOG_WARN, "%u service(s) not fully attached; starting anyway",
		          services_waiting(m));
	wait_commands(m);
}

/* Open the wire: the router (steer: cpu) and a thread per receiving port. */
static int start_ports(struct mgr *m, struct nic_arg nargs[CFG_MAX_PORTS])
{
	if (m->have_router) {
		if (pthread_create(&m->router.thread, NULL, router_thread, m))
			return -1;
		pthread_setname_np(m->router.thread, "tenet-router");
		placement_pin_thread(m, m->router.thread, "tenet-router");
		m->router.started = true;
	}
	/* the inline NIC stages start polling (shard 0 may sleep: wake it) */
	flag_raise(&m->stop.wire);
	tenet_event_signal(m->shards[0].efd);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (!p->port.drv->rx || p->inline_stage)
			continue;
		nargs[i] = (struct nic_arg){m, p};
		if (pthread_create(&p->thread, NULL, port_thread, &nargs[i]))
			return -1;
		p->has_thread = true;
		thread_name(p->thread, "tenet-nic:", p->cfg->name);
		placement_pin_thread(m, p->thread, p->cfg->name);
	}
	return 0;
}

/*
 * Serve the control loop until a signal, the duration's end, or the
 * sources are done and what they sent has left (or DRAIN_WAIT s passed:
 * an NF that sits on packets cannot hold the run).
 */
static void run(struct mgr *m, struct loop *l, const struct mgr_opts *o, struct run *r)
{
	bool stopping = false;

	if (o->warmup > 0)
		r->warm_hist = malloc(sizeof(*r->warm_hist));
	r->start = mgr_now();
	m->control.start_time = r->start;
	r->last_stats = r->start;
	r->next_stats = m->cfg->mgr.stats_interval > 0 ? r->start + m->cfg->mgr.stats_interval : 0;
	if (o->duration > 0)
		r->stop_at = r->start + o->duration;

	while (!stopping && !l->stop_asked) {
		double now;

		loop_serve(m, l, MGR_RUN_TICK_MS, LOOP_ALL);
		now = mgr_now();
		expire_pending(m, m->control.epfd, now);
		tick(m, now);
		for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
			port_host_account(&m->ports[i]);
		if (r->next_stats && now >= r->next_stats && !o->quiet) {
			stats_print_rates(m, stdout, now - r->last_stats, &r->table_prev);
			r->last_stats = now;
			r->next_stats += m->cfg->mgr.stats_interval;
		}
		if (o->warmup > 0 && !r->warm.taken && now >= r->start + o->warmup)
			r->warm_hist_ok = take_snapshot(m, now - r->start, &r->warm, r->warm_hist);
		if (r->stop_at && now >= r->stop_at)
			stopping = true;
		if (sources_done(m)) {
			if (!r->done_at)
				r->done_at = now;
			if (mgr_in_flight(m) == 0 || now - r->done_at > DRAIN_WAIT) {
				stopping = true;
				r->drained = true;
			}
		}
	}
	m->control.stop_time = mgr_now();
}

/* The totals, the summary, the check that every packet is accounted for; the exit code. */
static int account(struct mgr *m, const struct mgr_opts *o, struct run *r, struct mgr_result *res)
{
	/* a run that ended because its sources did and everything drained
	 * ends at the last packet moved, not at the next look of the loop */
	double last = 0, elapsed;
	uint64_t out = mgr_packets_out(m);
	int rc;

	for (unsigned int b = 0; b < m->nb_shards; b++) {
		double t =
		        (double)__atomic_load_n(&m->shards[b].last_work_ns, __ATOMIC_RELAXED) / 1e9;

		last = t > last ? t : last;
	}
	elapsed = (r->drained && last > r->start ? last : m->control.stop_time) - r->start;
	if (!o->quiet)
		stats_print_totals(m, stdout, elapsed);
	rc = stats_write_summary(m, o->summary, elapsed) ? MGR_EXIT_ERROR : 0;
	if (mgr_packets_in(m) != out) {
		tenet_log(TENET_LOG_ERR, "accounting mismatch: %llu in, %llu out",
		          (unsigned long long)mgr_packets_in(m), (unsigned long long)out);
		rc = MGR_EXIT_ACCOUNTING;
	}
	if (res) {
		fill_result(m, res, elapsed, mgr_packets_in(m) == out);
		res->warm = r->warm;
		if (r->warm_hist_ok)
			latency_after(m, r->warm_hist, &res->lat_after_warm);
	}
	return rc;
}

/* ---- main ----------------------------------------------------------------- */

int mgr_main(const char *config_path, double duration, const char *summary_path, int poll,
             int quiet)
{
	struct mgr_opts o = {.config = config_path,
	                     .duration = duration,
	                     .summary = summary_path,
	                     .poll = poll,
	                     .quiet = quiet};

	return mgr_run(&o, NULL);
}

int mgr_run(const struct mgr_opts *o, struct mgr_result *res)
{
	struct mgr *m = calloc(1, sizeof(*m));
	struct nic_arg nargs[CFG_MAX_PORTS];
	struct loop l = {.sfd = -1};
	struct run r = {0};
	int rc = MGR_EXIT_ERROR;

	if (!m)
		return MGR_EXIT_ERROR;
	std_fds_open();
	state_init(m);
	if (config_init(m, o)) {
		free(m);
		return MGR_EXIT_CONFIG;
	}
	if (set_up(m, &l) || start_dispatch(m))
		goto out;
	wait_services(m, &l);
	if (start_ports(m, nargs))
		goto out;
	run(m, &l, o, &r);
	mgr_stop(m, &l, r.drained);
	rc = account(m, o, &r, res);
out:
	mgr_stop_now(m);
	metrics_stop(m->control.metrics); /* before the ports and pools it reads go */
	m->control.metrics = NULL;
	loop_close(m, &l);
	teardown(m); /* frees m */
	free(r.warm_hist);
	loop_unblock(&l); /* the signals stay blocked until everything is closed */
	return rc;
}
