/*
 * The manager's run loop, on the control thread: set the platform up
 * (setup.c), start the dispatcher, the router and the port threads and
 * the NFs (supervisor.c), then serve one epoll set (attachments, attach.c;
 * NF control sockets; signals; tenet ctl, ctl.c) while printing the live
 * table (stats.c), until the duration ends, a signal comes or the sources
 * are done; then stop the threads in order and drain, so that every packet
 * that entered is accounted for (delivered, or dropped with a reason).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fdpass.h"
#include "lib/proto.h"
#include "lib/wait.h"
#include "mgr/attach.h"
#include "mgr/ctl.h"
#include "mgr/dispatch.h"
#include "mgr/metrics.h"
#include "mgr/mgr.h"
#include "mgr/nic.h"
#include "mgr/port_host.h"
#include "mgr/result.h"
#include "mgr/setup.h"
#include "mgr/stats.h"
#include "mgr/supervisor.h"
#include "ports/sink.h"
#include "tenet/log.h"

#define DRAIN_WAIT 3.0 /* s to wait for packets in flight once the sources are done */

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

/* ---- the end of a run ---------------------------------------------------- */

/* Wake and join every started dispatcher shard (stop_dispatch is up). */
static void stop_shards(struct mgr *m)
{
	for (unsigned int b = 0; b < m->nb_shards; b++)
		if (m->shards[b].efd >= 0)
			tenet_event_signal(m->shards[b].efd);
	for (unsigned int b = 0; b < m->nb_shards; b++)
		if (m->shards[b].started) {
			pthread_join(m->shards[b].thread, NULL);
			m->shards[b].started = false;
		}
}

static uint64_t in_flight(struct mgr *m)
{
	uint64_t out = mgr_delivered(m);

	for (unsigned int r = 0; r < DROP_MAX; r++)
		out += mgr_dropped(m, r);
	return mgr_packets_in(m) - out;
}

static bool sources_done(struct mgr *m)
{
	bool any = false;

	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		if (!m->ports[i].has_thread)
			continue;
		any = true;
		if (!__atomic_load_n(&m->ports[i].rx.done, __ATOMIC_ACQUIRE))
			return false;
	}
	return any;
}

/*
 * After every thread has stopped: give back the empty buffers parked in
 * fill rings and NIC caches, note how full each pool is then (it should be
 * completely free: anything else is a packet still in flight or a leak),
 * and count the packets still held as dropped at shutdown.
 */
static void final_drain(struct mgr *m)
{
	for (unsigned int k = 0; k < m->nb_pools; k++) {
		struct mgr_pool *mp = &m->pools[k];

		for (uint32_t b = 0; b < mp->pool->nb_bufs; b++) {
			if (tenet_pool_owner(mp->pool, b) == TENET_OWNER_FREE ||
			    mp->meta[b].chain != BUF_EMPTY)
				continue;
			tenet_pool_set_owner(mp->pool, b, TENET_OWNER_MGR);
			tenet_pool_free_bulk(mp->pool, &b, 1);
		}
		mp->free_at_stop = tenet_pool_nb_free(mp->pool);
		for (uint32_t b = 0; b < mp->pool->nb_bufs; b++) {
			if (tenet_pool_owner(mp->pool, b) == TENET_OWNER_FREE)
				continue;
			tenant_drop(&m->shards[0].acct, m->chains[mp->meta[b].chain].tenant,
			            DROP_SHUTDOWN, 1);
			tenet_pool_set_owner(mp->pool, b, TENET_OWNER_MGR);
			tenet_pool_free_bulk(mp->pool, &b, 1);
		}
	}
	/* steer: cpu - frames the router never took are in flight too */
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct tenet_desc d[MGR_BURST];
		unsigned int n;

		if (!m->router.in[i].mem)
			continue;
		while ((n = tenet_ring_dequeue_burst(&m->router.in[i].cons, d, MGR_BURST)))
			no_tenant_drop(&m->shards[0].acct, DROP_SHUTDOWN, n);
	}
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
	const char *config_path = o->config, *summary_path = o->summary;
	double duration = o->duration;
	int poll = o->poll, quiet = o->quiet;
	struct mgr *m = calloc(1, sizeof(*m));
	struct nic_arg nargs[CFG_MAX_PORTS];
	struct epoll_event ev;
	sigset_t sigs, oldmask;
	char err[512], why[96];
	double start, next_stats, last_stats, stop_at = 0, done_at = 0;
	struct stats_snap table_prev = {0}; /* the live table's baseline: its alone */
	struct mgr_snapshot warm = {0};
	struct sink_hist *warm_hist = NULL;
	bool warm_hist_ok = false, stopping = false, drained_stop = false;
	int epfd = -1, sfd = -1, rc = MGR_EXIT_ERROR;
	bool dispatch_started = false, router_started = false;

	if (!m)
		return MGR_EXIT_ERROR;
	std_fds_open();
	for (unsigned int b = 0; b < MGR_MAX_SHARDS; b++) {
		m->shards[b].m = m;
		m->shards[b].index = b;
		m->shards[b].efd = -1;
		pthread_mutex_init(&m->shards[b].cmd.lock, NULL);
	}
	for (unsigned int i = 0; i < CFG_MAX_PORTS; i++)
		pthread_mutex_init(&m->ports[i].tx.lock, NULL);
	m->ctl.fd = -1;
	for (unsigned int i = 0; i < MGR_PENDING; i++)
		m->pending[i].fd = -1;
	m->cfg = tenet_config_load(config_path, err, sizeof(err));
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
		free(m);
		return 2;
	}
	m->poll = poll || m->cfg->mgr.poll;
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

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, &oldmask); /* threads inherit the mask */
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || epfd < 0 || setup_shards(m))
		goto out;
	ev = (struct epoll_event){.events = EPOLLIN, .data.u32 = EV_SIGNAL};
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);

	if (setup_pools(m) || setup_classifier(m) || setup_ports(m) || setup_sockets(m, epfd))
		goto out;
	if ((rc = ctl_open(m, epfd, EV_CTL))) {
		tenet_log(TENET_LOG_ERR, "control socket %s: %s", m->ctl.path, strerror(-rc));
		rc = MGR_EXIT_ERROR;
		goto out;
	}
	rc = MGR_EXIT_ERROR;
	placement_plan(m, data_plane_threads(m));
	if (m->cfg->mgr.metrics.set) {
		m->metrics = metrics_start(m, &m->cfg->mgr.metrics, err, sizeof(err));
		if (!m->metrics) {
			tenet_log(TENET_LOG_ERR, "%s", err);
			goto out;
		}
		tenet_log(TENET_LOG_INFO, "metrics at http://%s/metrics", m->cfg->mgr.metrics.text);
	}
	for (unsigned int b = 0; b < m->nb_shards; b++) {
		struct shard *sh = &m->shards[b];
		char name[24]; /* "tenet-disp7" at most: fits a thread name (15) */

		if (pthread_create(&sh->thread, NULL, dispatch_thread, sh))
			goto out;
		sh->started = true;
		dispatch_started = true;
		snprintf(name, sizeof(name), "tenet-disp%u", b);
		pthread_setname_np(sh->thread, name);
		placement_pin_thread(m, sh->thread, name);
	}
	start_services(m);

	/* wait for the NFs the manager started before opening the ports */
	start = mgr_now();
	while (services_waiting(m) && mgr_now() - start < MGR_START_WAIT && !stopping) {
		struct epoll_event evs[MGR_EPOLL_BATCH];
		int n = epoll_wait(epfd, evs, MGR_EPOLL_BATCH, MGR_START_TICK_MS);

		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if ((tag & 0xffff0000u) == EV_LISTEN)
				accept_conn(m, tag & 0xffff, epfd);
			else if ((tag & 0xffff0000u) == EV_PENDING)
				handle_attach(m, tag & 0xffff, epfd);
			else if ((tag & 0xffff0000u) == EV_NF)
				handle_nf_event(m, &m->nfs[tag & 0xffff], epfd);
			else if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
						stopping = true;
				reap(m, false);
			} else if ((tag & 0xffff0000u) == EV_CTL) {
				ctl_event(m, tag & 0xffff);
			}
		}
		ctl_expire(m, mgr_now());
		supervise(m, mgr_now());
		metrics_publish(m->metrics, mgr_now(), false);
	}
	if (services_waiting(m))
		tenet_log(TENET_LOG_WARN, "%u service(s) not fully attached; starting anyway",
		          services_waiting(m));
	wait_commands(m);

	if (m->have_router) {
		if (pthread_create(&m->router.thread, NULL, router_thread, m))
			goto out;
		pthread_setname_np(m->router.thread, "tenet-router");
		placement_pin_thread(m, m->router.thread, "tenet-router");
		router_started = true;
	}
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		struct mport *p = &m->ports[i];

		if (!p->port.drv->rx)
			continue;
		nargs[i] = (struct nic_arg){m, p};
		if (pthread_create(&p->thread, NULL, port_thread, &nargs[i]))
			goto out;
		p->has_thread = true;
		thread_name(p->thread, "tenet-nic:", p->cfg->name);
		placement_pin_thread(m, p->thread, p->cfg->name);
	}
	if (o->warmup > 0)
		warm_hist = malloc(sizeof(*warm_hist));
	start = mgr_now();
	m->start_time = start;
	last_stats = start;
	next_stats = m->cfg->mgr.stats_interval > 0 ? start + m->cfg->mgr.stats_interval : 0;
	if (duration > 0)
		stop_at = start + duration;

	while (!stopping) {
		struct epoll_event evs[MGR_EPOLL_BATCH];
		double now;
		int n = epoll_wait(epfd, evs, MGR_EPOLL_BATCH, MGR_RUN_TICK_MS);

		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if ((tag & 0xffff0000u) == EV_LISTEN) {
				accept_conn(m, tag & 0xffff, epfd);
			} else if ((tag & 0xffff0000u) == EV_PENDING) {
				handle_attach(m, tag & 0xffff, epfd);
			} else if ((tag & 0xffff0000u) == EV_NF) {
				struct nf *nf = &m->nfs[tag & 0xffff];

				if (nf->state == NF_LIVE)
					handle_nf_event(m, nf, epfd);
			} else if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
						stopping = true;
				reap(m, false);
			} else if ((tag & 0xffff0000u) == EV_CTL) {
				ctl_event(m, tag & 0xffff);
			}
		}
		now = mgr_now();
		expire_pending(m, epfd, now);
		ctl_expire(m, now);
		supervise(m, now);
		metrics_publish(m->metrics, now, false);
		for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
			port_host_account(&m->ports[i]);
		if (next_stats && now >= next_stats && !quiet) {
			stats_print_rates(m, stdout, now - last_stats, &table_prev);
			last_stats = now;
			next_stats += m->cfg->mgr.stats_interval;
		}
		if (o->warmup > 0 && !warm.taken && now >= start + o->warmup)
			warm_hist_ok = take_snapshot(m, now - start, &warm, warm_hist);
		if (stop_at && now >= stop_at)
			stopping = true;
		if (sources_done(m)) {
			/* the wire is quiet: stop once everything in flight has left, or
			 * after DRAIN_WAIT s (an NF that sits on packets cannot hold us) */
			if (!done_at)
				done_at = now;
			if (in_flight(m) == 0 || now - done_at > DRAIN_WAIT) {
				stopping = true;
				drained_stop = true;
			}
		}
	}
	m->stop_time = mgr_now();

	/* 1. close the wire, 2. let what is in flight finish, 3. stop NFs */
	flag_raise(&m->stop_nic);
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++) {
		port_host_stop_rx(&m->ports[i]); /* no frame reaches a pool from here on */
		/* the NIC stages; a driver's own thread transmits until stop_tx */
		if (m->ports[i].has_thread && !m->ports[i].port.drv->thread) {
			pthread_join(m->ports[i].thread, NULL);
			m->ports[i].has_thread = false;
		}
	}
	if (router_started) {
		pthread_join(m->router.thread, NULL);
		router_started = false;
	}
	for (double t0 = mgr_now(); !drained_stop && in_flight(m) && mgr_now() - t0 < 2;)
		usleep(1000);
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++) {
		struct tenet_msg msg = {.magic = TENET_PROTO_MAGIC, .type = TENET_MSG_STOP};

		if (m->nfs[id].state == NF_LIVE)
			tenet_fd_send(m->nfs[id].sock, &msg, sizeof(msg), NULL, 0);
	}
	for (double t0 = mgr_now(); mgr_now() - t0 < MGR_STOP_WAIT;) {
		struct epoll_event evs[MGR_EPOLL_BATCH];
		unsigned int live = 0;
		int n = epoll_wait(epfd, evs, MGR_EPOLL_BATCH, MGR_STOP_TICK_MS);

		for (int i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;

			if ((tag & 0xffff0000u) == EV_NF && m->nfs[tag & 0xffff].state == NF_LIVE)
				handle_nf_event(m, &m->nfs[tag & 0xffff], epfd);
			else if (tag == EV_SIGNAL) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si))
					;
			}
		}
		reap(m, true);
		for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
			live += m->nfs[id].state == NF_LIVE;
		if (!live && !children_alive(m))
			break;
		if (mgr_now() - t0 > 1.5)
			signal_children(m, SIGTERM);
	}
	signal_children(m, SIGKILL);
	for (unsigned int id = 1; id <= MGR_MAX_NF; id++)
		if (m->nfs[id].state == NF_LIVE)
			nf_gone(m, &m->nfs[id], epfd, "stopped");
	while (children_alive(m)) {
		usleep(1000);
		reap(m, true);
	}
	flag_raise(&m->stop_tx); /* driver threads transmitted what the drain delivered; now stop */
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		if (m->ports[i].has_thread) {
			pthread_join(m->ports[i].thread, NULL);
			m->ports[i].has_thread = false;
		}
	flag_raise(&m->stop_dispatch);
	stop_shards(m);
	dispatch_started = false;
	for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
		port_host_detach(&m->ports[i]); /* the kernel lets go of every buffer */
	final_drain(m);
	metrics_publish(m->metrics, mgr_now(), true); /* a scrape now sees the final counters */

	{
		/* a run that ended because its sources did and everything drained
		 * ends at the last packet moved, not at the next look of this loop */
		double last = 0;

		for (unsigned int b = 0; b < m->nb_shards; b++) {
			double l = (double)__atomic_load_n(&m->shards[b].last_work_ns,
			                                   __ATOMIC_RELAXED) /
			           1e9;

			last = l > last ? l : last;
		}
		double elapsed = (drained_stop && last > start ? last : m->stop_time) - start;

		if (!quiet)
			stats_print_totals(m, stdout, elapsed);
		uint64_t out = mgr_delivered(m);

		for (unsigned int r = 0; r < DROP_MAX; r++)
			out += mgr_dropped(m, r);
		rc = stats_write_summary(m, summary_path, elapsed) ? MGR_EXIT_ERROR : 0;
		if (mgr_packets_in(m) != out) {
			tenet_log(TENET_LOG_ERR, "accounting mismatch: %llu in, %llu out",
			          (unsigned long long)mgr_packets_in(m), (unsigned long long)out);
			rc = MGR_EXIT_ACCOUNTING;
		}
		if (res) {
			fill_result(m, res, elapsed, mgr_packets_in(m) == out);
			res->warm = warm;
			if (warm_hist_ok)
				latency_after(m, warm_hist, &res->lat_after_warm);
		}
	}
out:
	if (dispatch_started || router_started) {
		flag_raise(&m->stop_nic);
		flag_raise(&m->stop_tx);
		flag_raise(&m->stop_dispatch);
		for (unsigned int i = 0; i < m->cfg->nb_ports; i++)
			if (m->ports[i].has_thread)
				pthread_join(m->ports[i].thread, NULL);
		if (router_started)
			pthread_join(m->router.thread, NULL);
		if (dispatch_started)
			stop_shards(m);
		signal_children(m, SIGKILL);
		while (children_alive(m)) {
			usleep(1000);
			reap(m, true);
		}
	}
	metrics_stop(m->metrics); /* before the ports and pools it reads go */
	m->metrics = NULL;
	if (sfd >= 0)
		close(sfd);
	if (epfd >= 0)
		close(epfd);
	teardown(m);
	free(warm_hist);
	{
		/* discard what arrived while blocked, then give the caller its mask back */
		struct timespec zero = {0};

		while (sigtimedwait(&sigs, NULL, &zero) > 0)
			;
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	}
	return rc;
}
